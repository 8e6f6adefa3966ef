"""The lambeq reference pinned by tests/test_tensor_semantics.py (per-word optimiser steps).

Run in lambeq's environment (lambeq 0.5, torch; never a catlearn dependency)::

    /tmp/lambeq-venv/bin/python benchmarks/lambeq_reference.py

It trains lambeq's classical pipeline (``PytorchModel``, ``BCEWithLogitsLoss``, torch's
``AdamW`` at learning rate 3e-2, weight decay 0.01) in float64 on the first 8 MC training
sentences, batches of 3 (so the last batch of each epoch, 2 sentences, leaves words out), 4
epochs without shuffling, from fixed initial weights: the ``i``-th symbol in name order gets
``sin(i + 0.37 j + 1)`` at entry ``j``. It prints the logits of the 8 sentences after training.
torch skips a parameter without gradient: a word absent from a minibatch is not updated
(no weight decay, no momentum step), which ``fit_tensor(per_word=True)`` reproduces.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SENTENCES, BATCH, EPOCHS = 8, 3, 4


def initial(names: list[str]) -> dict[str, list[float]]:
    """The fixed initial weights (flat, lambeq's layout) of symbols of the given sizes."""
    return {n: [math.sin(i + 0.37 * j + 1) for j in range(8)] for i, n in enumerate(sorted(names))}


def main() -> list[list[float]]:
    import bench_lambeq as B
    import torch
    from lambeq import AtomicType, Dataset, PytorchModel, PytorchTrainer, TensorAnsatz
    from lambeq.backend import grammar
    from lambeq.backend.tensor import Dim

    torch.set_default_dtype(torch.float64)
    n, s = AtomicType.NOUN, AtomicType.SENTENCE
    tv = n.r @ s @ n.l
    kinds = {
        **{
            k: [n]
            for k in "woman person man software sauce meal program dinner application".split()
        },
        **{k: [n @ n.l] for k in "skillful useful tasty".split()},
        **{k: [tv] for k in "prepares debugs cooks bakes runs".split()},
    }
    ds, ys = [], []
    for line in (B.DATA / "mc_train_data.txt").read_text().splitlines()[:SENTENCES]:
        t, *tokens = line.split()
        tokens = [w for w in tokens if w != "."]
        ds.append(B._lambeq_parse(tokens, kinds.__getitem__, s, grammar))
        ys.append([int(t), 1 - int(t)])
    circuits = [TensorAnsatz({n: Dim(2), s: Dim(2)})(d) for d in ds]
    model = PytorchModel.from_diagrams(circuits)
    trainer = PytorchTrainer(
        model, torch.nn.BCEWithLogitsLoss(), EPOCHS, learning_rate=3e-2, verbose="suppress"
    )
    init = initial([str(k) for k in model.symbols])
    with torch.no_grad():
        for k, w in zip(model.symbols, model.weights):
            w.copy_(torch.tensor(init[str(k)][: w.numel()]))
    trainer.fit(Dataset(circuits, ys, batch_size=BATCH, shuffle=False))
    with torch.no_grad():
        out: list[list[float]] = model(circuits).tolist()
    return out


if __name__ == "__main__":
    for row in main():
        print(f"    [{row[0]!r}, {row[1]!r}],")
