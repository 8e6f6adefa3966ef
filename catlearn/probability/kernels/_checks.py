"""Validation helpers and kernel plumbing shared by the modules of :mod:`catlearn.probability`
(private: the area's modules import them from here, never from each other).

Every check runs only on concrete values (it is skipped under ``jit``/``grad``/``vmap``).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.types import Fin, Ty
from catlearn.errors import (
    HyperparameterError,
    NonFiniteError,
    ShapeError,
    SupportError,
    TypeMismatch,
    mismatch,
)

__all__ = ["check_finite", "check_positive", "check_support", "concrete"]  # and the _names below


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
                f"it was computed (a log of 0, a division by 0) and pass finite numbers."
            )


def check_positive(x: Any, what: str) -> None:
    """Raise :class:`HyperparameterError` unless every concrete entry is finite and > 0."""
    v = concrete(x)
    if v is not None and not (np.all(np.isfinite(v)) and np.all(v > 0)):
        raise HyperparameterError(
            f"Expected {what} to be finite and > 0, got {v.tolist()} instead; pass a positive "
            f"number (e.g. 1.0 for a flat prior)."
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
            f"Expected every {what} to be {kind}in {lo}..{hi}, got {first!r} instead: the "
            f"likelihood gives it probability 0. Fix or drop that observation."
        )


class _Structure:
    """Operators shared by every kernel class: ``>>`` (then) and ``@`` (tensor)."""

    def __rshift__(self, other: Any) -> Any:
        return self.then(other)  # type: ignore[attr-defined]

    def __matmul__(self, other: Any) -> Any:
        if isinstance(other, Ty):
            other = type(self).id(other)  # type: ignore[attr-defined]
        return self.tensor(other)  # type: ignore[attr-defined]

    def __rmatmul__(self, other: Any) -> Any:
        if isinstance(other, Ty):
            return type(self).id(other).tensor(self)  # type: ignore[attr-defined]
        return NotImplemented


def _check_then(f: Any, g: Any) -> None:
    if not isinstance(g, type(f)):
        raise TypeMismatch(
            f"Cannot compose {f!r} >> {g!r}: expected two kernels of the same kind, got "
            f"{type(f).__name__} and {type(g).__name__}. Convert one (e.g. Sampler.from_kernel)."
        )
    if f.cod != g.dom:
        raise mismatch(f, g, f.cod, g.dom)


def _flat(ty: Ty, value: Any) -> jax.Array:
    """Flatten a value of a Euclid product type into one vector (a leading batch axis kept)."""
    parts = ty.split(value) if len(ty) else ()
    vs = []
    for a, v in zip(ty.inside, parts):
        v = jnp.asarray(v)
        nb = v.ndim - len(a.shape)
        if nb < 0 or tuple(v.shape[nb:]) != a.shape:
            raise ShapeError(f"Expected a value of {a} (shape {a.shape}), got shape {v.shape}.")
        vs.append(v.reshape((*v.shape[:nb], a.size)))
    return jnp.concatenate(vs, axis=-1) if vs else jnp.zeros((0,))


def _as_ty(t: Any) -> Ty:
    if t is None:
        return Ty()
    if isinstance(t, Ty):
        return t
    if isinstance(t, int | np.integer):
        return Fin(int(t))
    if isinstance(t, tuple | list):
        return Ty(*(_as_ty(a) for a in t))
    raise errors.ArgumentTypeError(
        f"Expected a wire type (Fin(k), Ty(), ...), an int k or a tuple of them, got {t!r} "
        "instead; pass e.g. Fin(3)."
    )
