"""``python -m catlearn``: the flagship demo, offline.

Draw a multilayer perceptron as a string diagram, compile it by the functor into one Para
arrow, train it with :func:`catlearn.training.train.fit` (one jitted step, epochs fused with
``lax.scan``, a progress bar), print the test accuracy, and save the diagram and the loss
curve as PNGs in the output folder (default ``catlearn-output/``).

Recipes (``--recipe``), on scikit-learn's bundled data sets, 25 % stratified test split
(``random_state=0``):

* ``adam`` (default): digits, MLP 64-128-10 ReLU, softmax cross-entropy, Adam 1e-3,
  30 epochs, batch 32;
* ``sgd``: digits, MLP 64-128-10 sigmoid (output sigmoid too), the error
  :math:`\\tfrac12 \\sum (x - y)^2` summed over the batch (*Backprop as Functor*'s
  :math:`E_I`), plain SGD 0.005, batch 128, 100 epochs;
* ``iris``: iris, MLP 4-20-3 ReLU (standardised features), softmax cross-entropy,
  Adam 1e-2, 100 epochs, batch 16.

>>> from catlearn.__main__ import RECIPES
>>> sorted(RECIPES)
['adam', 'iris', 'sgd']
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = ["RECIPES", "Recipe", "load", "main", "run"]


@dataclass(frozen=True)
class Recipe:
    """One training set-up of the demo (data set, architecture, loss, optimiser)."""

    dataset: str
    sizes: tuple[int, ...]
    activation: str
    final: str | None
    loss: str
    optimizer: str
    lr: float
    epochs: int
    batch_size: int
    arch: str = "mlp"


RECIPES: dict[str, Recipe] = {
    "adam": Recipe(
        "digits", (64, 128, 10), "relu", None, "softmax_cross_entropy", "adam", 1e-3, 30, 32
    ),
    "sgd": Recipe(
        "digits", (64, 128, 10), "sigmoid", "sigmoid", "half_sse_sum", "sgd", 0.005, 100, 128
    ),
    "iris": Recipe(
        "iris", (4, 20, 3), "relu", None, "softmax_cross_entropy", "adam", 1e-2, 100, 16
    ),
    "cnn": Recipe(
        "digits", (64, 10), "relu", None, "softmax_cross_entropy", "adam", 3e-3, 30, 32, "cnn"
    ),
}


def cnn_diagram(k: int = 10) -> Any:
    """The CNN of the ``cnn`` recipe on 8x8x1 digits: conv3x3(16)-relu-maxpool2 -
    conv3x3(32)-relu-maxpool2 - flatten - linear(k); every size inferred from the box before.

    >>> cnn_diagram().cod
    Euclid(10)
    """
    from catlearn.diagrams import nn, vision

    c1 = nn.Conv2D((8, 8, 1), 16, 3, name="conv1")
    p1 = nn.MaxPool2D(c1, 2)
    c2 = nn.Conv2D(p1, 32, 3, name="conv2")  # a layer takes the box it follows
    p2 = nn.MaxPool2D(c2, 2)
    flat = vision.Flatten(p2)
    return (
        c1 >> nn.relu(c1) >> p1 >> c2 >> nn.relu(c2) >> p2 >> flat
        >> nn.Linear(flat, k, name="fc")
    )  # fmt: skip


def load(dataset: str) -> tuple[Any, Any, Any, Any]:
    """``(X_train, X_test, y_train, y_test)`` of a bundled scikit-learn data set (no
    network): ``digits`` scaled to [0, 1], ``iris`` standardised with the training
    statistics; 25 % stratified test split, ``random_state=0``.

    >>> Xtr, Xte, ytr, yte = load('iris')
    >>> Xtr.shape, Xte.shape
    ((112, 4), (38, 4))
    """
    import numpy as np

    from catlearn.errors import ArgumentValueError, DataError

    try:
        from sklearn.datasets import load_digits, load_iris
        from sklearn.model_selection import train_test_split
    except ImportError as e:  # pragma: no cover - the examples extra is missing
        raise DataError(
            "The demo trains on scikit-learn's bundled data sets (no download), but "
            "scikit-learn is not installed. Install it with: pip install 'catlearn-jax[examples]'."
        ) from e

    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
    elif dataset == "iris":
        X, y = load_iris(return_X_y=True)
    else:
        raise ArgumentValueError(
            f"Expected dataset 'digits' or 'iris', got {dataset!r}; pick one of the two."
        )
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    if dataset == "iris":
        mu, sd = Xtr.mean(0), Xtr.std(0)
        Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    f32 = np.float32
    return Xtr.astype(f32), Xte.astype(f32), ytr.astype(np.int32), yte.astype(np.int32)


def run(
    recipe: Recipe,
    *,
    out: str | Path | None = "catlearn-output",
    seed: int = 0,
    progress: bool = True,
    verbose: bool = True,
    name: str | None = None,
) -> dict[str, Any]:
    """Build, compile, train and evaluate one recipe; save pictures into ``out``.

    Returns a dict with ``accuracy`` (test), ``history``, ``train_seconds`` and the paths
    written.
    """
    import jax
    import jax.numpy as jnp
    import optax

    from catlearn.diagrams import nn
    from catlearn.diagrams.compiler import compile
    from catlearn.diagrams.draw import draw_diagram, plot_history
    from catlearn.training.train import accuracy, fit, half_sse

    say = print if verbose else (lambda *a, **k: None)
    Xtr, Xte, ytr, yte = load(recipe.dataset)
    k = recipe.sizes[-1]

    # 1. the model is a string diagram: Linear boxes and activations, wired in a chain
    if recipe.arch == "cnn":  # images (n, 8, 8, 1), channels last
        diagram = cnn_diagram(k)
        Xtr, Xte = Xtr.reshape(-1, 8, 8, 1), Xte.reshape(-1, 8, 8, 1)
    else:
        diagram = nn.MLP(list(recipe.sizes), activation=recipe.activation, final=recipe.final)
    say(f"diagram : {diagram}")
    # 2. the functor: diagram -> Para (one parametrised map, parameters named by box)
    model = compile(diagram)
    params = model.init(jax.random.key(seed))
    n_params = sum(int(x.size) for x in jax.tree_util.tree_leaves(params))
    say(f"model   : {model}, {n_params} parameters")

    if recipe.loss == "half_sse_sum":
        # E_I(p, a, b) = sum over the batch and the outputs of (1/2)(I(p, a) - b)^2
        def loss(pred: Any, target: Any) -> Any:
            return jnp.sum(half_sse(pred, target))

        ytr_fit: Any = jax.nn.one_hot(ytr, k)
    else:
        loss, ytr_fit = recipe.loss, ytr  # type: ignore[assignment]
    opt = {"adam": optax.adam, "sgd": optax.sgd}[recipe.optimizer](recipe.lr)

    # 3. train: one jitted step, the minibatches of each epoch in one lax.scan
    t0 = time.perf_counter()
    result = fit(
        model,
        params,
        (Xtr, ytr_fit),
        loss=loss,
        optimizer=opt,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        key=jax.random.key(seed + 1),
        metric="accuracy",
        progress=progress,
    )
    seconds = time.perf_counter() - t0
    acc = accuracy(model, result.params, Xte, yte)
    say(
        f"trained : {recipe.epochs} epochs in {seconds:.1f} s, final loss "
        f"{result.history['loss'][-1]:.4f}"
    )
    say(f"test accuracy: {acc:.4f}")

    paths: dict[str, Path] = {}
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        name = name or f"{recipe.dataset}-{'-'.join(map(str, recipe.sizes))}"
        paths["diagram"] = draw_diagram(
            diagram, out / f"{name}-diagram.png", figsize=(3, 1.2 * len(diagram) + 1)
        )
        curves = {
            "training loss": result.history["loss"],
            "training accuracy": result.history["metric"],
        }
        paths["loss"] = plot_history(
            curves, out / f"{name}-loss.png", title=f"{name}: test accuracy {acc:.4f}"
        )
        for p in paths.values():
            say(f"saved   : {p}")
    return {
        "accuracy": acc,
        "history": result.history,
        "train_seconds": seconds,
        "paths": paths,
        "params": result.params,
        "model": model,
        "diagram": diagram,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m catlearn --help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m catlearn",
        description="catlearn's flagship demo: an MLP drawn as a string diagram, compiled "
        "by a functor into JAX, trained on scikit-learn's bundled digits "
        "(offline). Prints the test accuracy; saves the diagram and the loss "
        "curve as PNGs.",
    )
    parser.add_argument(
        "--recipe",
        choices=sorted(RECIPES),
        default="adam",
        help="adam: digits ReLU+softmax CE+Adam 1e-3, 30 epochs (default); "
        "sgd: digits sigmoid+1/2 SSE+SGD 0.005, batch 128, 100 epochs; "
        "iris: 4-20-3 ReLU+Adam; cnn: digits 8x8x1, conv16-pool-conv32-pool-linear, "
        "Adam 3e-3, 30 epochs.",
    )
    parser.add_argument("--epochs", type=int, help="number of epochs (default: the recipe's)")
    parser.add_argument("--batch-size", type=int, help="minibatch size (default: the recipe's)")
    parser.add_argument("--lr", type=float, help="learning rate (default: the recipe's)")
    parser.add_argument("--seed", type=int, default=0, help="PRNG seed (default 0)")
    parser.add_argument(
        "--out",
        default="catlearn-output",
        help="folder for the diagram and loss-curve PNGs (default catlearn-output/)",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not write any picture")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--fast", action="store_true", help="a quick smoke run (3 epochs), e.g. for tests"
    )
    args = parser.parse_args(argv)

    recipe = RECIPES[args.recipe]
    if args.fast:
        recipe = replace(recipe, epochs=3)
    if args.epochs is not None:
        recipe = replace(recipe, epochs=args.epochs)
    if args.batch_size is not None:
        recipe = replace(recipe, batch_size=args.batch_size)
    if args.lr is not None:
        recipe = replace(recipe, lr=args.lr)
    print(f"catlearn demo: {args.recipe} recipe: {recipe}")
    run(
        recipe,
        out=None if args.no_plots else args.out,
        seed=args.seed,
        progress=not args.no_progress,
        name=args.recipe,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
