"""Iris classified by two learners composed with ``>>`` (Fong, Spivak, Tuyéras,
*Backprop as Functor*).

Each layer is a Para arrow turned into a learner by the functor L_{ε,e} with
e(x, y) = ½(x − y)²; the network is the composite learner ``hidden >> output``. Training is
exactly the paper's: for each example (a, b), ``update`` gives the new parameters of both
layers, the output layer *requesting* a new input from the hidden layer (backpropagation as
composition of learners). The script also checks functoriality,
L(I >> J) = L(I) >> L(J), on one training pair.

Protocol: sklearn's bundled Iris, features standardised with the training statistics, 30 %
stratified test split (``random_state=0``); 4-20-3 net (tanh hidden layer, linear output
read by argmax), one-hot targets, ε = 0.01, per-sample updates in a shuffled order, 100
epochs. Reported: test accuracy (45 flowers) and a loss-curve PNG.
Measured: test accuracy 0.9778 (44/45), functoriality gap 2.9e-10 in float32.

Run: ``python examples/iris_learners.py`` (``--fast`` for a short smoke run).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import catlearn as cl


def load(seed: int = 0):
    """Standardised Iris with a stratified 70/30 split and one-hot training targets."""
    X, y = load_iris(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    mu, sd = Xtr.mean(0), Xtr.std(0)
    Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    f32 = np.float32
    return Xtr.astype(f32), Xte.astype(f32), np.eye(3, dtype=f32)[ytr], yte


def main(fast: bool = False, out: str | None = None, progress: bool = True) -> float:
    """Train the composite learner on Iris; print and return the test accuracy.

    Writes ``iris_learners-loss.png`` into ``out`` (default ``catlearn-output/``).
    """
    Xtr, Xte, Ytr, yte = load()
    Xtr_j, Ytr_j = jnp.asarray(Xtr), jnp.asarray(Ytr)
    lr, epochs = 0.01, (10 if fast else 100)

    # Two Para arrows, each made a learner by the functor L_{eps, e} (e = 1/2 (x - y)^2) ...
    hidden_para = cl.Para.linear(
        cl.Euclid(4), cl.Euclid(20), name="hidden"
    ) >> cl.Para.from_function(jnp.tanh, cl.Euclid(20), cl.Euclid(20))
    output_para = cl.Para.linear(cl.Euclid(20), cl.Euclid(3), name="output")
    hidden = cl.gradient_learner(hidden_para, lr, cl.core.squared_error)
    output = cl.gradient_learner(output_para, lr, cl.core.squared_error)
    # ... and composed as learners: the network is a learner too.
    net = hidden >> output
    params = net.init(jax.random.key(0))
    print(net)

    # Functoriality, checked on one pair: L(I >> J) = L(I) >> L(J).
    whole = cl.gradient_learner(hidden_para >> output_para, lr, cl.core.squared_error)
    gap = max(
        float(jnp.max(jnp.abs(u - v)))
        for u, v in zip(
            jax.tree_util.tree_leaves(whole.update(params, Xtr[0], Ytr[0])),
            jax.tree_util.tree_leaves(net.update(params, Xtr[0], Ytr[0])),
        )
    )
    print(f"functoriality gap |L(I>>J).update - (L(I)>>L(J)).update| = {gap:.2e}")

    @jax.jit
    def epoch(params, key):
        """One pass of per-sample updates over the shuffled training set (a lax.scan)."""
        order = jax.random.permutation(key, Xtr.shape[0])
        params, _ = jax.lax.scan(
            lambda p, i: (net.update(p, Xtr_j[i], Ytr_j[i]), None), params, order
        )
        loss = jnp.mean(jnp.sum(0.5 * (net.implement_batch(params, Xtr_j) - Ytr_j) ** 2, -1))
        return params, loss

    losses = []
    key = jax.random.key(1)
    for _ in tqdm(range(epochs), desc="iris learners", disable=not progress):
        key, sub = jax.random.split(key)
        params, loss = epoch(params, sub)
        losses.append(float(loss))

    pred = np.asarray(jnp.argmax(net.implement_batch(params, Xte), axis=-1))
    acc = float(np.mean(pred == yte))
    print(
        f"train loss {losses[-1]:.4f}; test accuracy {acc:.4f} "
        f"({int(np.sum(pred == yte))}/{len(yte)})"
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(out) if out is not None else Path("catlearn-output")
    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(np.arange(1, len(losses) + 1), losses)
    ax.set(
        xlabel="epoch",
        ylabel="mean ½‖I(p,a) − b‖² (train)",
        yscale="log",
        title=f"Iris, learners hidden >> output (test acc {acc:.3f})",
    )
    fig.tight_layout()
    path = folder / "iris_learners-loss.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"loss curve written to {path}")
    return acc


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:], progress="--no-progress" not in sys.argv[1:])
