"""Checks run by :func:`catlearn.training.fit` before any training: numeric, finite data
(with the row and column of the first bad value), finite initial parameters (with their
path), and an optimiser whose update on unit gradients is finite (a NaN/inf learning rate).

>>> import numpy as np
>>> check_data(np.array([[1.0, np.nan]]), "training input X")
Traceback (most recent call last):
catlearn.errors.DataError: Expected finite values in the training input X, got nan at [0, 1] ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn.core.checked import is_concrete
from catlearn.errors import DataError, HyperparameterError, ParamsError

__all__ = ["check_data", "check_optimizer", "check_params_finite"]


def check_data(x: Any, what: str) -> None:
    """Raise :class:`~catlearn.errors.DataError` for non-numeric (strings, objects) or
    non-finite leaves of ``x``, naming the leaf and the index of the first bad entry."""
    flat = jax.tree_util.tree_flatten_with_path(x)[0]
    for path, leaf in flat:
        if not is_concrete(leaf) or leaf is None:
            continue
        where = f"{what}{jax.tree_util.keystr(path)}"
        arr = np.asarray(leaf)
        if arr.dtype.kind in "OUSV":
            sample = arr.reshape(-1)[:3].tolist()
            raise DataError(
                f"Expected numbers in the {where}, got an array of dtype {arr.dtype} "
                f"(e.g. {sample}). Encode class names as integers first, e.g. "
                "names, y = np.unique(y, return_inverse=True)."
            )
        if arr.dtype.kind == "b" or arr.dtype.kind in "iu":
            continue
        if arr.dtype.kind in "fc" or jnp.issubdtype(arr.dtype, jnp.floating):
            finite = np.isfinite(arr.astype(np.float64) if arr.dtype.kind == "V" else arr)
            if not finite.all():
                idx = [int(i) for i in np.argwhere(~finite)[0]]
                raise DataError(
                    f"Expected finite values in the {where}, got {arr[tuple(idx)]} at {idx} "
                    f"({int((~finite).sum())} non-finite entries in all). Drop or impute those "
                    "rows before training."
                )


def check_params_finite(params: Any) -> None:
    """Raise :class:`~catlearn.errors.ParamsError` naming the first parameter leaf holding a
    NaN or infinity (and the index inside it)."""
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        if not is_concrete(leaf) or not hasattr(leaf, "dtype"):
            continue
        if not jnp.issubdtype(leaf.dtype, jnp.inexact):
            continue
        finite = np.isfinite(np.asarray(leaf))
        if not finite.all():
            idx = [int(i) for i in np.argwhere(~finite)[0]]
            raise ParamsError(
                f"Expected finite initial parameters, got {np.asarray(leaf)[tuple(idx)]} in "
                f"params{jax.tree_util.keystr(path)} at {idx}. Re-initialise them "
                "(model.init(key)) or load a checkpoint saved before the loss diverged."
            )


def check_optimizer(opt: Any, params: Any, opt_state: Any) -> None:
    """Raise :class:`~catlearn.errors.HyperparameterError` when the optimiser's update for
    unit gradients is not finite: a NaN/inf learning rate (or other hyperparameter)."""
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves or not is_concrete(leaves):
        return
    grads = jax.tree_util.tree_map(jnp.ones_like, params)
    updates, _ = opt.update(grads, opt_state, params)
    for path, u in jax.tree_util.tree_flatten_with_path(updates)[0]:
        if hasattr(u, "dtype") and jnp.issubdtype(u.dtype, jnp.inexact):
            if not bool(jnp.all(jnp.isfinite(u))):
                raise HyperparameterError(
                    f"Expected an optimiser with finite hyperparameters, but its update for unit "
                    f"gradients is not finite at params{jax.tree_util.keystr(path)}. Check the "
                    "learning rate (and momentum, eps...): e.g. optax.adam(1e-3), not NaN/inf."
                )


def binary_labels(diagrams: Sequence[Any], labels: Any) -> np.ndarray:
    """The labels as floats in [0, 1], one row per diagram, or a DataError."""
    if not isinstance(diagrams, Sequence):
        raise DataError(f"Expected a list of sentence diagrams, got {diagrams!r:.60}.")
    try:
        y = np.asarray(labels, dtype=float)
    except (TypeError, ValueError):
        y = None
    if y is None or y.ndim == 0:
        raise DataError(
            f"Expected numeric labels, one row per diagram (e.g. one-hot [1.0, 0.0]), got "
            f"{labels!r:.60}."
        )
    if len(y) != len(diagrams) or not len(diagrams):
        raise DataError(
            f"Expected one label per diagram (and at least one), got {len(diagrams)} diagrams "
            f"and {len(y)} labels."
        )
    if not (np.isfinite(y).all() and (y >= 0).all() and (y <= 1).all()):
        raise DataError(
            "Expected labels in [0, 1] (the targets of a binary cross-entropy on sigmoids), "
            f"got values from {np.nanmin(y)} to {np.nanmax(y)}"
            f"{' and NaN or inf' if not np.isfinite(y).all() else ''}."
        )
    return y
