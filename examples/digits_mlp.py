"""A multilayer perceptron on scikit-learn's digits, drawn as a string diagram, compiled by a
functor into one Para arrow and trained with one jitted, scan-fused loop.

Protocol: 8x8 digits scaled to [0, 1], 25 % stratified test split (``random_state=0``),
MLP 64-128-10 with ReLU, softmax cross-entropy, Adam 1e-3, batch 32, 30 epochs.
Reference: test accuracy >= 0.955 (measured: 0.9733 with seed 0).

Run: ``python examples/digits_mlp.py`` (``--fast`` for a 3-epoch smoke run).
The same demo with more options: ``python -m catlearn --help``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import numpy as np
import optax
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import catlearn as cl
from catlearn.diagrams import nn


def main(fast: bool = False, out: str | Path = "catlearn-output", progress: bool = True) -> dict:
    """Train and evaluate; return the test accuracy and the paths of the pictures."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    Xtr, Xte, ytr, yte = train_test_split(
        X, y.astype(np.int32), test_size=0.25, stratify=y, random_state=0
    )

    # The model is a string diagram: boxes with typed wires, composed with >>.
    fc1 = nn.Linear(cl.Euclid(64), cl.Euclid(128), name="fc1")
    fc2 = nn.Linear(cl.Euclid(128), cl.Euclid(10), name="fc2")
    diagram = fc1 >> nn.relu(cl.Euclid(128)) >> fc2
    print(diagram)

    # The functor: diagram -> Para. One parameter dict, one group per box.
    model = cl.compile(diagram)
    params = model.init(jax.random.key(0))
    print(model, {name: {k: v.shape for k, v in group.items()} for name, group in params.items()})

    # One jitted training step; the minibatches of an epoch are one lax.scan.
    result = cl.fit(
        model,
        params,
        (Xtr, ytr),
        loss="softmax_cross_entropy",
        optimizer=optax.adam(1e-3),
        epochs=3 if fast else 30,
        batch_size=32,
        key=jax.random.key(1),
        metric="accuracy",
        progress=progress,
    )
    acc = cl.accuracy(model, result.params, Xte, yte)
    print(f"test accuracy: {acc:.4f}")

    out = Path(out)
    pictures = {
        "diagram": cl.draw_diagram(diagram, out / "digits_mlp-diagram.png", figsize=(3, 5)),
        "loss": cl.diagrams.plot_history(result.history, out / "digits_mlp-loss.png"),
    }
    return {"accuracy": acc, "history": result.history, **pictures}


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:], progress="--no-progress" not in sys.argv[1:])
