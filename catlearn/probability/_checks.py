"""Validation helpers shared by the probabilistic-learning modules (private).

Every check runs only on concrete values (it is skipped under ``jit``/``grad``/``vmap``).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from catlearn.errors import HyperparameterError, NonFiniteError, SupportError

__all__ = ["check_finite", "check_positive", "check_support", "concrete"]


def concrete(x: Any) -> np.ndarray | None:
    """``x`` as a numpy array when concrete, ``None`` under tracing."""
    if any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x)):
        return None
    try:
        v = np.asarray(x)
    except (TypeError, ValueError):
        return None
    return v if v.dtype.kind in "biuf" else None


def check_finite(x: Any, what: str) -> None:
    """Raise :class:`NonFiniteError` when a concrete leaf of ``x`` has NaN or inf."""
    for leaf in jax.tree_util.tree_leaves(x):
        v = concrete(leaf)
        if v is not None and v.dtype.kind == "f" and not np.all(np.isfinite(v)):
            raise NonFiniteError(
                f"Expected a finite {what}, got one containing NaN or inf instead; check where "
                f"it was computed and pass finite numbers."
            )


def check_positive(x: Any, what: str) -> None:
    """Raise :class:`HyperparameterError` unless every concrete entry is finite and > 0."""
    v = concrete(x)
    if v is not None and not (np.all(np.isfinite(v)) and np.all(v > 0)):
        raise HyperparameterError(
            f"Expected {what} to be finite and > 0, got {v.tolist()} instead; pass a positive "
            f"number."
        )


def check_support(x: Any, lo: float, hi: float, what: str, *, integer: bool = False) -> None:
    """Raise :class:`SupportError` when a concrete entry lies outside ``[lo, hi]`` (or is not
    an integer when ``integer``): data a likelihood gives probability zero."""
    v = concrete(x)
    if v is None:
        return
    if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
        raise NonFiniteError(f"Expected a finite {what}, got NaN or inf instead.")
    bad = (v < lo) | (v > hi)
    if integer:
        bad = bad | (v != np.round(v))
    if np.any(bad):
        first = v[bad].reshape(-1)[0] if v.ndim else v
        kind = "an integer " if integer else ""
        raise SupportError(
            f"Expected every {what} to be {kind}in [{lo}, {hi}], got {first!r} instead: the "
            f"likelihood gives it probability 0. Fix or drop that observation."
        )
