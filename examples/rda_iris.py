"""Reproduce Table 1 (Iris) of Wilson & Zanasi, *Reverse Derivative Ascent* (ACT 2020).

Protocol (the paper's, as in its experiment code ``act-2020-experiments/src/Iris.hs``):

1. Data: the 150 Iris flowers (4 real features, 3 classes of 50). The paper read the UCI file
   ``iris.data``, which differs from Fisher's values (scikit-learn's copy) in two setosa rows
   (35: petal width 0.1 instead of 0.2; 38: sepal width 3.1, petal length 1.5 instead of 3.6,
   1.4; see ``load_iris().DESCR``). ``uci=True`` (default) restores the UCI values.
   2-class = setosa vs versicolor (the first 100 rows).
2. Encoding: min-max normalise each feature over the data set used, threshold ``> 0.5``:
   4 input bits. Labels: binary code (1 bit for 2 classes, 2 bits for 3) or one-hot (2 / 3).
3. Split: per class, the first 25 examples (in file order) train, the other 25 test:
   50/50 (2-class) or 75/75 (3-class). Training visits classes in order.
4. Model: the lookup-table layer ``Bool(b * 16) @ Bool(4) -> Bool(b)``
   (:func:`catlearn.boolean.lut_layer`), parameters all 0 at the start.
5. Training: ONE pass of reverse derivative ascent over the training examples,
   ``p <- p XOR R[f]_P((p, x), f(p, x) XOR y)`` (:func:`catlearn.boolean.rda_trace`).
6. Accuracy: fraction of test examples whose predicted bits all equal the label bits.

Paper: 98.0 % (Iris, two-class) and 73.3 % (Iris, three-class).

Run: ``python examples/rda_iris.py`` (``--fast``: only the paper's UCI rows, not the sklearn variant).
"""

from __future__ import annotations

import time

import numpy as np

PAPER = {2: 98.0, 3: 73.3}


def iris(uci: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The Iris data (features, labels), with the UCI file's two rows when ``uci``."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    X = X.copy()
    if uci:
        X[34] = [4.9, 3.1, 1.5, 0.1]
        X[37] = [4.9, 3.1, 1.5, 0.1]
    return X, y


def experiment(classes: int, labels: str, *, uci: bool = True) -> dict:
    """Run the protocol above for ``classes`` in {2, 3} and ``labels`` in {'binary', 'one-hot'}."""
    import jax.numpy as jnp

    import catlearn as cl

    X, y = iris(uci)
    keep = y < classes
    X, y = X[keep], y[keep]
    bits = cl.boolean.binarize(X, 0.5)
    if labels == "binary":
        n_out = max(1, int(np.ceil(np.log2(classes))))
        Y = cl.boolean.bits_binary(y, n_out)
    else:
        n_out = classes
        Y = cl.boolean.bits_one_hot(y, classes)
    train = np.concatenate([np.flatnonzero(y == c)[:25] for c in range(classes)])
    test = np.concatenate([np.flatnonzero(y == c)[25:] for c in range(classes)])
    model = cl.boolean.lut_layer(4, n_out)
    p0 = jnp.zeros(16 * n_out, jnp.uint8)
    t0 = time.perf_counter()
    trace = cl.boolean.rda_trace(model, p0, bits[train], Y[train])
    trace.block_until_ready()
    seconds = time.perf_counter() - t0
    return {
        "classes": classes,
        "labels": labels,
        "uci": uci,
        "accuracy": 100 * cl.boolean.rda_accuracy(model, trace[-1], bits[test], Y[test]),
        "train_accuracy": 100 * cl.boolean.rda_accuracy(model, trace[-1], bits[train], Y[train]),
        "steps": len(train),
        "seconds": seconds,
        "params": np.asarray(trace[-1]),
    }


def main(fast: bool = False) -> list[dict]:
    """Print the table; ``fast`` runs only the paper's data (UCI rows), not the sklearn variant."""
    rows = []
    for uci in (True,) if fast else (True, False):
        for classes in (2, 3):
            for labels in ("binary", "one-hot"):
                rows.append(experiment(classes, labels, uci=uci))
    print("Iris by reverse derivative ascent (one pass, lookup-table circuit, p0 = 0)")
    print(
        f"{'data':10} {'classes':>7} {'labels':>8} {'test acc':>9} {'paper':>7} "
        f"{'train acc':>9} {'time (s)':>8}"
    )
    for r in rows:
        data = "UCI" if r["uci"] else "sklearn"
        print(
            f"{data:10} {r['classes']:>7} {r['labels']:>8} {r['accuracy']:>8.1f}% "
            f"{PAPER[r['classes']]:>6.1f}% {r['train_accuracy']:>8.1f}% {r['seconds']:>8.2f}"
        )
    return rows


if __name__ == "__main__":
    import sys

    main(fast="--fast" in sys.argv[1:])
