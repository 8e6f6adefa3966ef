"""Parameter spaces as named groups of :class:`ParamSpec` (private; the public names are
re-exported by :mod:`catlearn.core.para`).

A parameter space is a dictionary from group name to a pytree of :class:`ParamSpec`; a
parameter value has the same structure with arrays at the leaves. Every arrow kind with named
groups (:class:`~catlearn.core.para.Para`, :class:`~catlearn.core.lens.ParaLens`,
:class:`~catlearn.core.learner.Learner`) validates, initialises and checks its parameters
here, through :class:`catlearn.core._arrow.GroupedArrow`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core._category import _Owner
from catlearn.core.types import Ty
from catlearn.errors import ParamsError

__all__ = ["Initializer", "ParamSpec", "Params", "check_params", "init_params", "leaf_groups"]

Params = dict[str, Any]
"""A parameter value (a dict from group name to a pytree of arrays)."""

Initializer = Callable[[jax.Array, tuple[int, ...], Any], jax.Array]


@dataclass(frozen=True)
class ParamSpec:
    """Shape, dtype and initialiser of one parameter array.

    ``init`` follows :mod:`jax.nn.initializers`: ``init(key, shape, dtype) -> array``.
    ``dtype=None`` means JAX's default float.

    >>> ParamSpec((2, 3)).initialise(jax.random.key(0)).shape
    (2, 3)
    """

    shape: tuple[int, ...]
    init: Initializer = field(default=jax.nn.initializers.zeros, compare=False)
    dtype: Any = None

    def initialise(self, key: jax.Array) -> jax.Array:
        """A fresh array for this spec."""
        dtype = self.dtype if self.dtype is not None else jnp.zeros(()).dtype
        return self.init(key, tuple(self.shape), dtype)


ParamSpec.__module__ = "catlearn.core.para"  # its public home (pickles and docs name it there)


def is_spec(x: Any) -> bool:
    """Whether ``x`` is a :class:`ParamSpec` (the leaves of a spec pytree)."""
    return isinstance(x, ParamSpec)


def leaf_groups(
    dom: Ty, cod: Ty, params_spec: Any, name: str | None, fn: Any
) -> tuple[dict[str, Any], dict[str, _Owner]]:
    """The groups (spec and owners) of a box from ``dom`` to ``cod`` with the parameter
    pytree ``params_spec`` called ``name``: ``{}`` when it has no parameters, else one group.
    Raises when the types, the spec or the name are not right (``fn`` names the function in
    the error message)."""
    if not isinstance(dom, Ty) or not isinstance(cod, Ty):
        raise errors.ArgumentTypeError(
            f"Expected wire types for dom and cod, got {dom!r} and {cod!r}; pass e.g. "
            "Euclid(2), Euclid(1)."
        )
    leaves = [] if params_spec is None else jax.tree_util.tree_leaves(params_spec, is_leaf=is_spec)
    if not leaves:
        return {}, {}
    bad = [leaf for leaf in leaves if not is_spec(leaf)]
    if bad:
        raise ParamsError(
            f"Expected a pytree of ParamSpec for params_spec, got a leaf {bad[0]!r}. "
            "Write ParamSpec(shape, init) for each parameter array."
        )
    if not name:
        raise ParamsError(
            "A Para with parameters needs a name for its parameter group, got none. "
            f"Call Para(..., name='{getattr(fn, '__name__', 'layer')}')."
        )
    return {name: params_spec}, {name: _Owner(name)}


_BATCH_INIT_MIN = 8  # below this many arrays of one kind, eager calls beat a compiled batch


def initialise_all(specs: list[ParamSpec], keys: jax.Array) -> list[jax.Array]:
    """``[s.initialise(k) for s, k in zip(specs, keys)]``, with the same values, but arrays of
    the same (initialiser, shape, dtype) are drawn by one jitted ``vmap`` over their keys, so
    a 10,000-box diagram initialises in a few dispatches instead of 20,000."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, s in enumerate(specs):
        groups.setdefault((id(s.init), tuple(s.shape), s.dtype), []).append(i)
    out: list[Any] = [None] * len(specs)
    for idx in groups.values():
        spec = specs[idx[0]]
        if len(idx) < _BATCH_INIT_MIN:
            for i in idx:
                out[i] = specs[i].initialise(keys[i])
            continue
        stacked = _draw_stacked(spec, keys[np.asarray(idx)])
        for i, row in zip(idx, stacked, strict=True):
            out[i] = jnp.asarray(row)
    return out


@functools.cache
def _batched_initialiser(init: Initializer, shape: tuple[int, ...], dtype: Any) -> Any:
    spec = ParamSpec(shape, init, dtype)
    return jax.jit(jax.vmap(spec.initialise))


_INIT_CHUNK = 256  # keys per compiled call: one XLA compile per kind of array, whatever the depth


def _draw_stacked(spec: ParamSpec, keys: jax.Array) -> np.ndarray:
    draw = _batched_initialiser(spec.init, tuple(spec.shape), spec.dtype)
    n = keys.shape[0]
    pad = -n % _INIT_CHUNK
    if pad:
        keys = jnp.concatenate([keys, jnp.repeat(keys[:1], pad, axis=0)])
    chunks = [np.asarray(draw(keys[i : i + _INIT_CHUNK])) for i in range(0, n + pad, _INIT_CHUNK)]
    return np.concatenate(chunks)[:n]


def init_params(spec: Mapping[str, Any], key: jax.Array) -> Params:
    """A fresh parameter value for ``spec`` (one PRNG key per array)."""
    leaves, treedef = jax.tree_util.tree_flatten(spec, is_leaf=is_spec)
    keys = jax.random.split(key, max(len(leaves), 1))
    out: Params = jax.tree_util.tree_unflatten(treedef, initialise_all(leaves, keys))
    return out


def check_params(spec: Mapping[str, Any], params: Any, arrow: object) -> None:
    """Raise :class:`~catlearn.errors.ParamsError` unless ``params`` matches ``spec`` (the
    spec of ``arrow``, named in the message)."""
    if not isinstance(params, Mapping):
        raise ParamsError(
            f"Expected parameters as a dict with groups {sorted(spec)}, "
            f"got {type(params).__name__}. Use {arrow!r}.init(key) to make them."
        )
    missing = [n for n in spec if n not in params]
    if missing:
        raise ParamsError(
            f"Expected parameter groups {sorted(spec)}, but {missing} are missing "
            f"(got {sorted(params)}). Use .init(key) to make a matching pytree."
        )
    for name, sub in spec.items():
        # Any: jaxlib's PyTreeDef has no type stub (mypy cannot see its __eq__)
        want: Any = jax.tree_util.tree_structure(sub, is_leaf=is_spec)
        got: Any = jax.tree_util.tree_structure(params[name])
        if want != got:
            raise ParamsError(
                f"Parameter group {name!r}: expected the structure {want}, got {got}."
            )
        specs = jax.tree_util.tree_leaves(sub, is_leaf=is_spec)
        arrays = jax.tree_util.tree_leaves(params[name])
        for path_spec, arr in zip(specs, arrays):
            if tuple(np.shape(arr)) != tuple(path_spec.shape):
                raise ParamsError(
                    f"Parameter group {name!r}: expected an array of shape "
                    f"{tuple(path_spec.shape)}, got shape {tuple(np.shape(arr))}."
                )
