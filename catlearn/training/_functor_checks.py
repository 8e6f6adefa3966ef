"""Checks run by :func:`catlearn.training.functor.fit_functor` before training (private).

One layer for the training and the validation set: finite targets, class labels in
``0..k-1`` for ``"softmax_cross_entropy"`` (``k`` the width of each diagram's output), targets
in ``[0, 1]`` for the binary cross-entropies. (The checkpoint arguments are checked by
:meth:`catlearn.training.checkpoint.Checkpointing.of`, shared with ``fit``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from catlearn.errors import SupportError
from catlearn.training._validate import check_data

__all__ = ["check_targets"]

_BINARY = ("binary_cross_entropy", "sigmoid_binary_cross_entropy")


def _width(group: Any) -> int | None:
    cod = group.shape.para.cod
    if len(cod) != 1 or not getattr(cod[0], "shape", None):
        return None
    return int(cod[0].shape[-1])


def check_targets(groups: Sequence[Any], y: np.ndarray, loss: Any, what: str) -> None:
    """Raise a typed error for targets the loss ``loss`` (a name, or a callable: only the
    finiteness check applies) cannot score: :class:`~catlearn.errors.DataError` for NaN/inf,
    :class:`~catlearn.errors.SupportError` naming the first example whose label is out of
    range. ``what`` is ``"training"`` or ``"validation"``."""
    check_data(y, f"{what} targets")
    if not isinstance(loss, str):
        return
    if loss in _BINARY:
        if y.size and (y.min() < 0 or y.max() > 1):
            i = int(np.argwhere((y < 0) | (y > 1))[0][0])
            raise SupportError(
                f"Expected {what} targets in [0, 1] for {loss}, got {y[i].tolist()!r} at "
                f"example {i}. Rescale the labels to 0/1."
            )
        return
    if loss != "softmax_cross_entropy":
        return
    for g in groups:
        k = _width(g)
        yg = y[g.members]
        if k is None or yg.ndim != 1 or k < 2:
            continue  # distributions (one row per example) or a single output: no labels
        bad = (yg < 0) | (yg >= k) | (yg != np.round(yg))
        if bad.any():
            j = int(np.argwhere(bad)[0][0])
            raise SupportError(
                f"Expected {what} class labels in 0..{k - 1} (the diagrams' output is "
                f"{g.shape.para.cod}), got {yg[j].tolist()!r} at example {int(g.members[j])}. "
                f"Re-encode the labels as 0..{k - 1}, or widen the output to the number of "
                "classes."
            )
