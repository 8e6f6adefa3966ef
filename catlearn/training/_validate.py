"""Checks run by :func:`catlearn.training.fit` before any training: numeric, finite data
(with the row and column of the first bad value), inputs of the model's type, targets shaped
for the loss (labels in range), finite initial parameters (with their path), and an
optimiser whose update on unit gradients is finite (a NaN/inf learning rate).

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
from catlearn.core.para import Para
from catlearn.core.types import Euclid, Fin
from catlearn.errors import (
    DataError,
    HyperparameterError,
    ParamsError,
    ShapeError,
    SupportError,
)

__all__ = [
    "check_data",
    "check_inputs",
    "check_optimizer",
    "check_params_finite",
    "check_targets",
    "leading",
]


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
            bad = _first_non_finite(arr.astype(np.float64) if arr.dtype.kind == "V" else arr)
            if bad is not None:
                idx, n = bad
                raise DataError(
                    f"Expected finite values in the {where}, got {arr[tuple(idx)]} at {idx} "
                    f"({n} non-finite entries in all). Drop or impute those rows before "
                    "training."
                )


def _first_non_finite(arr: np.ndarray) -> tuple[list[int], int] | None:
    """The index of the first NaN/inf entry of ``arr`` and how many there are (or None)."""
    finite = np.isfinite(arr)
    if finite.all():
        return None
    return [int(i) for i in np.argwhere(~finite)[0]], int((~finite).sum())


def check_params_finite(params: Any) -> None:
    """Raise :class:`~catlearn.errors.ParamsError` naming the first parameter leaf holding a
    NaN or infinity (and the index inside it)."""
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        if not is_concrete(leaf) or not hasattr(leaf, "dtype"):
            continue
        if not jnp.issubdtype(leaf.dtype, jnp.inexact):
            continue
        bad = _first_non_finite(np.asarray(leaf))
        if bad is not None:
            idx = bad[0]
            raise ParamsError(
                f"Expected finite initial parameters, got {np.asarray(leaf)[tuple(idx)]} in "
                f"params{jax.tree_util.keystr(path)} at {idx}. Re-initialise them "
                "(model.init(key)) or load a checkpoint saved before the loss diverged."
            )


def check_optimizer(opt: Any, params: Any, opt_state: Any) -> None:
    """Raise :class:`~catlearn.errors.HyperparameterError` when the optimiser's update for
    unit gradients is not finite: a NaN/inf learning rate (or other hyperparameter).

    The update runs as one compiled program (run eagerly, each of its primitives compiled on
    its own: 1.5 s for Adam on a small MLP, against 0.15 s)."""
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves or not is_concrete(leaves):
        return

    def finite(params: Any, opt_state: Any) -> Any:
        grads = jax.tree_util.tree_map(jnp.ones_like, params)
        updates, _ = opt.update(grads, opt_state, params)
        return jax.tree_util.tree_map(
            lambda u: (
                jnp.all(jnp.isfinite(u))
                if hasattr(u, "dtype") and jnp.issubdtype(u.dtype, jnp.inexact)
                else jnp.array(True)
            ),
            updates,
        )

    for path, ok in jax.tree_util.tree_flatten_with_path(jax.jit(finite)(params, opt_state))[0]:
        if not bool(ok):
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


def leading(x: Any) -> int:
    """The number of examples: the leading dimension of the first leaf (0 for none)."""
    return int(np.shape(jax.tree_util.tree_leaves(x)[0])[0]) if jax.tree_util.tree_leaves(x) else 0


def check_inputs(model: Para, X: Any, what: str) -> Any:
    """``X`` as JAX arrays, checked: finite numbers, a batch of the model's input type."""
    check_data(X, f"{what} input X")
    X = jax.tree_util.tree_map(jnp.asarray, tuple(X) if isinstance(X, list) else X)
    try:
        model.dom.check(X, batch_dims=1, what=f"{what} input X")
    except ShapeError as e:
        raise ShapeError(
            f"{e} The model's input type is {model.dom}: reshape X to (n_examples, "
            f"*{model.dom.shapes[0] if len(model.dom) == 1 else '...'}) or change the model's "
            "input wire."
        ) from None
    return X


def check_targets(model: Para, y: Any, loss: Any, n: int, what: str) -> Any:
    """``y`` as JAX arrays shaped for the named ``loss``: one target per example, labels in
    range (one-hot where the loss wants it), targets in [0, 1] for the binary losses."""
    y = jnp.asarray(y) if not isinstance(y, tuple) else jax.tree_util.tree_map(jnp.asarray, y)
    if leading(y) != n:
        raise DataError(
            f"Expected {n} {what} targets (one per example of X), got {leading(y)}. "
            "X and y must have the same first dimension."
        )
    if not isinstance(loss, str):
        return y
    if len(model.cod) != 1:
        raise DataError(
            f"The named loss {loss!r} expects a model with one output wire, got {model.cod}. "
            "Pass a callable loss(pred, target) instead."
        )
    cod: Any = model.cod[0]  # a wire: Euclid or Fin
    k = cod.size if isinstance(cod, Fin) else (cod.shape[-1] if cod.shape else 1)
    integer = jnp.issubdtype(y.dtype, jnp.integer) or (
        y.ndim == 1 and cod.shape and cod.shape[-1] > 1 and bool(jnp.all(y == jnp.round(y)))
    )
    if loss in ("binary_cross_entropy", "sigmoid_binary_cross_entropy"):
        lo, hi = float(jnp.min(y)), float(jnp.max(y))
        if lo < 0 or hi > 1:
            raise SupportError(
                f"Expected {what} targets in [0, 1] for {loss}, got values in "
                f"[{lo}, {hi}]. Rescale the labels to 0/1."
            )
        return y.reshape((n, *cod.shape)) if y.ndim == 1 and cod.shape == (1,) else y
    if integer and y.ndim == 1 and isinstance(cod, Euclid) and cod.shape == (k,) and k > 1:
        lo, hi = int(jnp.min(y)), int(jnp.max(y))
        if lo < 0 or hi >= k:
            raise SupportError(
                f"Expected {what} labels in 0..{k - 1} (the model's output is {cod}), got "
                f"labels in {lo}..{hi}. Re-encode the labels as 0..{k - 1}, or widen the "
                "model's last layer."
            )
        y = y.astype(jnp.int32)  # labels: one-hot for every loss but the cross-entropy
        return y if loss == "softmax_cross_entropy" else jax.nn.one_hot(y, k)
    want = (n, *cod.shape)
    if tuple(y.shape) == (n,) and cod.shape == (1,):  # one scalar target per example
        y = y.reshape(want)
    if tuple(y.shape) != want:
        raise ShapeError(
            f"Expected {what} targets of shape {want} for the loss {loss!r} and output {cod}, "
            f"got shape {tuple(y.shape)}."
        )
    return y
