"""Validation helpers and kernel plumbing shared by the modules of :mod:`catlearn.probability`
(private: the area's modules import them from here, never from each other).

Every check runs only on concrete values (it is skipped under ``jit``/``grad``/``vmap``):
"concrete" is :func:`catlearn.core.checked.is_concrete`, and :func:`check_positive` is core's.

**Tolerance policy** (one place): probabilities computed in a dtype are checked within
:func:`prob_tol` of that dtype; tables *written down* with a few decimals (by hand, or read from a
BIF/XMLBIF/UAI file) within :data:`TABLE_TOL`, whatever the dtype.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast, dataclass_transform

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import as_array, is_concrete
from catlearn.core.checked import check_positive as check_positive
from catlearn.core.types import Atom, Bool, Euclid, Fin, Ty
from catlearn.errors import (
    NonFiniteError,
    ShapeError,
    SupportError,
    TypeMismatch,
    ZeroEvidenceError,
)

__all__ = [
    "TABLE_TOL",
    "array_dataclass",
    "check_finite",
    "check_on_support",
    "check_positive",
    "check_support",
    "concrete",
    "lookup",
    "prob_tol",
    "xp_for",
]  # and the _names below


_T = TypeVar("_T")


@dataclass_transform(frozen_default=True)
def array_dataclass(cls: type[_T]) -> type[_T]:
    """A frozen dataclass whose fields are all array leaves of a JAX pytree (the conjugate
    families' priors and posteriors)."""
    cls = dataclass(frozen=True)(cls)
    names = [f.name for f in cls.__dataclass_fields__.values()]  # type: ignore[attr-defined]
    return jax.tree_util.register_dataclass(cls, data_fields=names, meta_fields=[])


#: Tolerance on the sums of probability tables written down with 4–6 decimals (by hand, or read
#: from BIF/XMLBIF/UAI files), whatever the dtype.
TABLE_TOL = 1e-3


def prob_tol(dtype: Any) -> float:
    """The tolerance on probabilities computed in ``dtype``: how far a row may sum from 1 (and an
    entry fall below 0) and still be a distribution. ``1e-9`` in float64 (rounding of sums of
    thousands of terms), ``1e-4`` in float32 and below (where a softmax row sums to 1 within
    ~1e-7 and rows normalised elsewhere, e.g. read from text, carry 5 decimals).

    >>> prob_tol(np.float64), prob_tol(np.float32)
    (1e-09, 0.0001)
    """
    return 1e-9 if np.dtype(dtype) == np.float64 else 1e-4


def concrete(x: Any) -> np.ndarray | None:
    """``x`` as a numpy array when concrete and numeric, ``None`` under tracing."""
    if not is_concrete(x):
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


def check_support(x: Any, lo: float, hi: float, what: str, *, integer: bool = False) -> None:
    """Raise :class:`SupportError` when a concrete entry lies outside ``[lo, hi]`` (or is not
    an integer when ``integer``): data a likelihood gives probability zero."""
    v = concrete(x)
    if v is None:
        if is_concrete(x):  # not traced, and not numbers (None, strings, objects)
            as_array(x, f"every {what}")
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


def count_and_sum(data: Any, what: str) -> tuple[jax.Array, jax.Array]:
    """``(n, Σ data)`` of a batch of observations (the examples on the leading axis), the
    sufficient statistic of several conjugate families; a typed error for non-numeric data
    or a scalar (no batch axis)."""
    x = as_array(data, what)
    if x.ndim == 0:
        raise ShapeError(
            f"Expected {what} as a batch (observations on a leading axis), got the scalar "
            f"{data!r:.40}; pass a list or an array, e.g. [{data!r:.20}]."
        )
    return jnp.asarray(x.shape[0]), jnp.sum(x)


def xp_for(*arrays: Any, limit: int = 1 << 16) -> Any:
    """``numpy`` for small concrete arrays (eager algebra without one XLA compile per shape),
    else ``jax.numpy`` (under ``jit``/``grad``/``vmap``, and for large arrays)."""
    if is_concrete(*arrays) and sum(int(np.size(a)) for a in arrays) <= limit:
        return np
    return jnp


def lookup(arrows: Mapping[Any, Any] | Callable[[Any], Any], box: Any, kind: type[Any]) -> Any:
    """The arrow that ``arrows`` assigns to ``box``, checked against the box's type."""
    if isinstance(arrows, Mapping):
        arrow = arrows[box] if box in arrows else arrows.get(getattr(box, "name", None))
    else:
        arrow = arrows(box)
    if arrow is None:
        raise TypeMismatch(
            f"Expected a {kind.__name__} kernel for the box {getattr(box, 'name', box)!r}, but "
            f"none was given. Add it to the arrows mapping (keyed by the box or its name)."
        )
    if not isinstance(arrow, kind):
        raise TypeMismatch(
            f"Expected the box {getattr(box, 'name', box)!r} to be interpreted as a "
            f"{kind.__name__}, got {type(arrow).__name__} instead."
        )
    if arrow.dom != box.dom or arrow.cod != box.cod:
        raise TypeMismatch(
            f"The box {getattr(box, 'name', box)!r} has type {box.dom} -> {box.cod}, but its "
            f"kernel has type {arrow.dom} -> {arrow.cod}. Expected them to be equal."
        )
    return arrow


def _eps(dtype: Any) -> float:
    return 1e-7 if jnp.dtype(dtype) == jnp.float64 else 1e-3


def check_on_support(residual: Any, what: str) -> None:
    """Raise :class:`ZeroEvidenceError` when a concrete off-support ``residual`` (relative) of
    a Gaussian observation exceeds the dtype's tolerance: the observation lies off the support
    of its predicted (singular) Gaussian, so conditioning on it is undefined."""
    r = residual if isinstance(residual, jax.core.Tracer) else np.asarray(residual)
    if isinstance(r, jax.core.Tracer):
        return
    if np.any(r > _eps(r.dtype)):
        raise ZeroEvidenceError(
            f"Cannot condition on {what}: it lies off the support of its predicted Gaussian "
            f"(the evidence covariance is singular and the residual is outside its range), so "
            f"the posterior is undefined. Check the observation, or add observation noise."
        )


def _size(a: Atom) -> int:
    """The ``size`` of a wire (coordinates of a Euclid or Bool atom, elements of a Fin atom),
    which every concrete :class:`Atom` defines."""
    return cast("Euclid | Fin | Bool", a).size


def _flat(ty: Ty, value: Any) -> jax.Array:
    """Flatten a value of a Euclid product type into one vector (a leading batch axis kept)."""
    parts = ty.split(value) if len(ty) else ()
    vs = []
    for a, v in zip(ty.inside, parts):
        v = jnp.asarray(v)
        nb = v.ndim - len(a.shape)
        if nb < 0 or tuple(v.shape[nb:]) != a.shape:
            raise ShapeError(f"Expected a value of {a} (shape {a.shape}), got shape {v.shape}.")
        vs.append(v.reshape((*v.shape[:nb], _size(a))))
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
