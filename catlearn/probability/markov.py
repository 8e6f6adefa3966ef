r"""Markov kernels between finite wire types (Fritz, *A synthetic approach to Markov kernels*).

A :class:`Finite` kernel :math:`f : X \to Y` between products of finite sets
(``Fin(k)`` wires) is an array of shape ``dom sizes + cod sizes`` whose **rows** (the entries
for one value of the domain) are probability distributions over the codomain. States
(distributions) are kernels from the unit ``Ty()``. Composition is Chapman–Kolmogorov,

.. math:: (f \gg g)(z \mid x) = \textstyle\sum_y f(y \mid x)\, g(z \mid y),

``@`` is the independent product, and ``copy``/``discard``/``swap`` make a Markov category
(Cho–Jacobs, *Disintegration and Bayesian inversion via string diagrams*). Linear-Gaussian
kernels live in :mod:`catlearn.probability.gaussian`; key-driven samplers are :class:`Sampler`.

Axioms (doctests, exact on these small rational tables):

>>> import jax.numpy as jnp
>>> from catlearn.core.types import Fin, Ty
>>> f = Finite([[0.5, 0.5], [0.25, 0.75]], Fin(2), Fin(2))
>>> g = Finite([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]], Fin(2), Fin(3))
>>> h = Finite([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], Fin(3), Fin(2))
>>> ((f >> g) >> h).allclose(f >> (g >> h)), (Finite.id(Fin(2)) >> f).allclose(f)
(True, True)
>>> (f >> Finite.discard(Fin(2))).allclose(Finite.discard(Fin(2)))      # discard is natural
True
>>> (Finite.copy(Fin(2)) >> (Finite.discard(Fin(2)) @ Fin(2))).allclose(Finite.id(Fin(2)))
True
>>> (Finite.copy(Fin(2)) >> Finite.swap(Fin(2), Fin(2))).allclose(Finite.copy(Fin(2)))
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core._category import BoxParams, Composable, Inline, Node, Tensor, Then, flatten
from catlearn.core.checked import as_array
from catlearn.core.program import evaluate
from catlearn.core.types import Fin, Ty
from catlearn.errors import NotStochasticError, SupportError, TypeMismatch, mismatch

__all__ = ["Finite", "Sampler"]


# --- shared helpers --------------------------------------------------------------------------


def is_concrete(*xs: Any) -> bool:
    """True when no leaf of ``xs`` is a JAX tracer (so values can be validated eagerly)."""
    return not any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(xs))


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


def _fin_sizes(ty: Ty, what: str) -> tuple[int, ...]:
    for a in ty.inside:
        if not isinstance(a, Fin):
            raise TypeMismatch(
                f"Expected the {what} of a Finite kernel to be a product of Fin(k) wires, got "
                f"{ty} instead. Use LinearGaussian or Sampler for Euclid wires."
            )
    return tuple(a.size for a in ty.inside)


def _float(array: Any) -> jax.Array:
    a = as_array(array, "the kernel's probabilities")
    if not jnp.issubdtype(a.dtype, jnp.floating):
        a = a.astype(jnp.zeros(()).dtype)
    return jnp.asarray(a, dtype=a.dtype)  # never weak-typed


def xp_for(*arrays: Any, limit: int = 1 << 16) -> Any:
    """``numpy`` for small concrete arrays (eager algebra without one XLA compile per shape),
    else ``jax.numpy`` (under ``jit``/``grad``/``vmap``, and for large arrays)."""
    if is_concrete(*arrays) and sum(int(np.size(a)) for a in arrays) <= limit:
        return np
    return jnp


def _const(a: np.ndarray) -> jax.Array:
    """A numpy constant as a JAX array of the default float dtype."""
    return jnp.asarray(a, dtype=jnp.zeros(()).dtype)


def _tol(dtype: Any) -> float:
    return 1e-9 if jnp.dtype(dtype) == jnp.float64 else 1e-4


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


def lookup(arrows: Mapping[Any, Any] | Callable[[Any], Any], box: Any, kind: type) -> Any:
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


# --- Finite kernels --------------------------------------------------------------------------


class Finite(_Structure, eqx.Module):
    r"""A Markov kernel between products of finite sets: ``array[x..., y...] = f(y | x)``.

    ``array`` has shape ``dom sizes + cod sizes`` and each row ``array[x]`` is a probability
    distribution (non-negative, summing to 1). A state is a kernel with ``dom = Ty()``.
    Validation runs once at construction when the array is concrete (skipped under ``jit``).
    ``dom``/``cod`` may be given as ints (``2`` means ``Fin(2)``) or inferred for states.

    >>> rain = Finite.state([0.8, 0.2])                 # P(rain), a state on Fin(2)
    >>> wet = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))   # P(wet | rain)
    >>> (rain >> wet).array.round(4)
    Array([0.76, 0.24], dtype=float32)
    >>> Finite([[0.5, 0.6]], Fin(1), Fin(2))
    Traceback (most recent call last):
    ...
    catlearn.errors.NotStochasticError: Expected every row of Finite(Fin(1) -> Fin(2)) to be a probability distribution (entries >= 0 summing to 1), got row (0,) summing to 1.1 instead. ...
    """

    array: jax.Array
    dom: Ty = eqx.field(static=True)
    cod: Ty = eqx.field(static=True)

    def __init__(self, array: Any, dom: Any = None, cod: Any = None, *, validate: bool = True):
        arr = _float(array)
        dom = _as_ty(dom)
        if cod is None:
            nd = len(dom)
            cod = Ty(*(Fin(int(k)) for k in arr.shape[nd:]))
        cod = _as_ty(cod)
        want = _fin_sizes(dom, "domain") + _fin_sizes(cod, "codomain")
        if tuple(arr.shape) != want:
            from catlearn.errors import ShapeError

            raise ShapeError(
                f"Expected the array of a Finite kernel {dom} -> {cod} to have shape {want} "
                f"(domain sizes then codomain sizes), got shape {tuple(arr.shape)} instead."
            )
        self.array, self.dom, self.cod = arr, dom, cod
        if validate and is_concrete(arr):
            _validate_rows(self)

    def __repr__(self) -> str:
        return f"Finite({self.dom} -> {self.cod})"

    # constructors ---------------------------------------------------------------------------
    @classmethod
    def state(cls, probs: Any, cod: Any = None) -> Finite:
        """A distribution on ``cod`` (default: ``Fin(k)`` per axis of ``probs``).

        >>> Finite.state([0.25, 0.75]).cod
        Fin(2)
        """
        return cls(probs, Ty(), cod)

    @classmethod
    def uniform(cls, ty: Any) -> Finite:
        """The uniform state on ``ty``.

        >>> Finite.uniform(Fin(4)).array
        Array([0.25, 0.25, 0.25, 0.25], dtype=float32)
        """
        ty = _as_ty(ty)
        sizes = _fin_sizes(ty, "codomain")
        n = int(np.prod(sizes, dtype=int))
        return cls(jnp.full(sizes, 1.0 / n), Ty(), ty)

    @classmethod
    def from_function(cls, fn: Callable[..., Any], dom: Any, cod: Any) -> Finite:
        r"""The deterministic kernel :math:`x \mapsto \delta_{fn(x)}` of a function on indices.

        ``fn`` takes one int per domain wire and returns an int (one codomain wire) or a
        tuple of ints.

        >>> Finite.from_function(lambda x: 1 - x, Fin(2), Fin(2)).array
        Array([[0., 1.], [1., 0.]], dtype=float32)
        """
        dom, cod = _as_ty(dom), _as_ty(cod)
        ds, cs = _fin_sizes(dom, "domain"), _fin_sizes(cod, "codomain")
        arr = np.zeros(ds + cs, dtype=np.float64)
        for x in np.ndindex(*ds):
            y = fn(*x)
            y = (y,) if not isinstance(y, tuple | list) else tuple(y)
            if len(y) != len(cs) or any(not 0 <= int(v) < k for v, k in zip(y, cs)):
                raise SupportError(f"Expected fn{x} to be a value of {cod}, got {y!r} instead.")
            arr[x + tuple(int(v) for v in y)] = 1.0
        return cls(jnp.asarray(arr, dtype=jnp.zeros(()).dtype), dom, cod)

    @classmethod
    def point(cls, value: Any, ty: Any) -> Finite:
        """The Dirac state at ``value`` (an int, or a tuple of ints) on ``ty``.

        >>> Finite.point(2, Fin(3)).array
        Array([0., 0., 1.], dtype=float32)
        """
        return cls.from_function(lambda: value, Ty(), ty)

    # structure ------------------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Any) -> Finite:
        """The identity kernel, :math:`\\delta_{x}(y)`.

        >>> Finite.id(Fin(2)).array
        Array([[1., 0.], [0., 1.]], dtype=float32)
        """
        ty = _as_ty(ty)
        s = _fin_sizes(ty, "type")
        n = int(np.prod(s, dtype=int))
        return cls(_const(np.eye(n).reshape(s + s)), ty, ty, validate=False)

    @classmethod
    def copy(cls, ty: Any, n: int = 2) -> Finite:
        """Copy ``ty`` into ``ty ** n`` (``n = 0`` is discard): :math:`x \\mapsto \\delta_{(x, x)}`.

        >>> Finite.copy(Fin(2)).array.shape
        (2, 2, 2)
        """
        ty = _as_ty(ty)
        s = _fin_sizes(ty, "type")
        N = int(np.prod(s, dtype=int))
        if n == 0:
            return cls(_const(np.ones(s)), ty, Ty(), validate=False)
        flat = np.zeros((N,) * (n + 1))
        idx = np.arange(N)
        flat[(idx,) * (n + 1)] = 1.0
        return cls(_const(flat.reshape(s * (n + 1))), ty, ty**n, validate=False)

    @classmethod
    def discard(cls, ty: Any) -> Finite:
        """The unique kernel to the unit (all ones), ``copy(ty, 0)``.

        >>> Finite.discard(Fin(3)).array
        Array([1., 1., 1.], dtype=float32)
        """
        return cls.copy(ty, 0)

    @classmethod
    def swap(cls, a: Any, b: Any) -> Finite:
        """The symmetry ``a @ b -> b @ a``.

        >>> Finite.swap(Fin(2), Fin(3)).cod
        Fin(3) @ Fin(2)
        """
        a, b = _as_ty(a), _as_ty(b)
        na, nb = len(a), len(b)
        s = _fin_sizes(a @ b, "type")
        n = int(np.prod(s, dtype=int))
        ident = np.eye(n).reshape(s + s)
        perm = list(range(na + nb)) + [2 * na + nb + i for i in range(nb)]
        perm += [na + nb + i for i in range(na)]
        return cls(_const(np.transpose(ident, perm)), a @ b, b @ a, validate=False)

    def then(self, *others: Finite) -> Finite:
        """Chapman–Kolmogorov composition, ``f >> g``: a tensordot over the middle wires."""
        out = self
        for g in others:
            _check_then(out, g)
            xp = xp_for(out.array, g.array)
            arr = xp.tensordot(xp.asarray(out.array), xp.asarray(g.array), axes=len(out.cod))
            out = Finite(jnp.asarray(arr, dtype=out.array.dtype), out.dom, g.cod, validate=False)
        return out

    def tensor(self, *others: Finite | Ty) -> Finite:
        """The independent product ``f @ g``: :math:`(f\\otimes g)(y,y'|x,x') = f(y|x) g(y'|x')`."""
        out = self
        for g in others:
            if isinstance(g, Ty):
                g = Finite.id(g)
            if not isinstance(g, Finite):
                raise TypeMismatch(f"Expected a Finite kernel in {self!r} @ ..., got {g!r}.")
            a, b = len(out.dom), len(out.cod)
            c, d = len(g.dom), len(g.cod)
            xp = xp_for(out.array, g.array)
            arr = xp.tensordot(xp.asarray(out.array), xp.asarray(g.array), axes=0)  # a b c d
            perm = (
                list(range(a))
                + list(range(a + b, a + b + c))
                + list(range(a, a + b))
                + list(range(a + b + c, a + b + c + d))
            )
            dt = jnp.result_type(out.array, g.array)
            out = Finite(
                jnp.asarray(xp.transpose(arr, perm), dtype=dt),
                out.dom @ g.dom,
                out.cod @ g.cod,
                validate=False,
            )
        return out

    def marginal(self, *keep: int) -> Finite:
        """Keep the codomain wires ``keep`` (in that order) and sum out the rest.

        >>> joint = Finite.state([[0.1, 0.2], [0.3, 0.4]])
        >>> joint.marginal(1).array
        Array([0.4, 0.6], dtype=float32)
        """
        nd, nc = len(self.dom), len(self.cod)
        for i in keep:
            if not 0 <= i < nc:
                raise SupportError(f"Expected codomain wire indices in range({nc}), got {i}.")
        sub = list(range(nd + nc))
        out = list(range(nd)) + [nd + i for i in keep]
        xp = xp_for(self.array)
        arr = jnp.asarray(xp.einsum(xp.asarray(self.array), sub, out), dtype=self.array.dtype)
        return Finite(arr, self.dom, Ty(*(self.cod.inside[i] for i in keep)), validate=False)

    # evaluation -----------------------------------------------------------------------------
    def _index(self, value: Any, ty: Ty, what: str) -> tuple[Any, ...]:
        vals = ty.split(value) if len(ty) else ()
        if len(vals) != len(ty):
            raise SupportError(f"Expected a {what} of type {ty}, got {value!r} instead.")
        out = []
        for v, a in zip(vals, ty.inside):
            if is_concrete(v):
                v = np.asarray(v)
                if v.size and (v.min() < 0 or v.max() >= a.size or not np.all(v == v.astype(int))):
                    raise SupportError(
                        f"Expected the {what} on {a} to be an integer in 0..{a.size - 1}, got "
                        f"{v} instead. Fix the observation, or use a wider Fin wire."
                    )
                out.append(v.astype(np.int32))
            else:
                out.append(jnp.asarray(v).astype(jnp.int32))
        return tuple(out)

    def row(self, x: Any = ()) -> jax.Array:
        """The distribution :math:`f(- \\mid x)`, an array of shape cod sizes."""
        idx = self._index(x, self.dom, "input")  # traced and out of range: NaN (never a clamp)
        return self.array.at[idx].get(mode="fill", fill_value=jnp.nan, wrap_negative_indices=False)

    def prob(self, y: Any, x: Any = ()) -> jax.Array:
        """:math:`f(y \\mid x)`.

        >>> Finite.state([0.25, 0.75]).prob(1)
        Array(0.75, dtype=float32)
        """
        idx = self._index(x, self.dom, "input") + self._index(y, self.cod, "output")
        if is_concrete(self.array, idx):
            return jnp.asarray(np.asarray(self.array)[idx], dtype=self.array.dtype)
        return self.array.at[idx].get(mode="fill", fill_value=jnp.nan, wrap_negative_indices=False)

    def log_prob(self, y: Any, x: Any = ()) -> jax.Array:
        """:math:`\\log f(y \\mid x)` (``-inf`` outside the support).

        >>> Finite.state([0.5, 0.5]).log_prob(0)
        Array(-0.6931472, dtype=float32)
        """
        return jnp.log(self.prob(y, x))

    def sample(self, key: jax.Array, n: int | None = None, *, x: Any = ()) -> Any:
        """``n`` independent draws from :math:`f(- \\mid x)` (one draw when ``n`` is None).

        Values follow :mod:`catlearn.core.types`: ints for one wire, a tuple for several.

        >>> import jax
        >>> Finite.state([0.0, 1.0]).sample(jax.random.key(0), 3)
        Array([1, 1, 1], dtype=int32)
        """
        sizes = _fin_sizes(self.cod, "codomain")
        if not sizes:
            return ()
        parts = _sample_rows(
            key, self.array, self._index(x, self.dom, "input"), sizes, () if n is None else (n,)
        )
        return self.cod.join(parts)

    def is_deterministic(self, tol: float | None = None) -> bool:
        """True when every row is a point mass (entries all 0 or 1): copy is natural for it.

        >>> Finite.id(Fin(3)).is_deterministic(), Finite.uniform(Fin(2)).is_deterministic()
        (True, False)
        """
        tol = _tol(self.array.dtype) if tol is None else tol
        a = np.asarray(self.array)
        return bool(np.all((np.abs(a) <= tol) | (np.abs(a - 1) <= tol)))

    def allclose(self, other: Finite, *, atol: float | None = None) -> bool:
        """Same types and entries equal within ``atol`` (default: 1e-9 in float64, 1e-5)."""
        if not isinstance(other, Finite) or self.dom != other.dom or self.cod != other.cod:
            return False
        atol = (1e-9 if self.array.dtype == jnp.float64 else 1e-5) if atol is None else atol
        return bool(np.allclose(np.asarray(self.array), np.asarray(other.array), atol=atol, rtol=0))

    # diagrams -------------------------------------------------------------------------------
    @classmethod
    def from_program(
        cls,
        program: Any,
        arrows: Mapping[Any, Any] | Callable[[Any], Any],
        *,
        optimize: Any = "auto",
    ) -> Finite:
        """Evaluate a flat program (:mod:`catlearn.diagrams.compiler`) as ONE einsum tensor network.

        Each slot is an index; a box contributes its array with indices ``ins + outs``; a
        copied slot is an index read several times, a discarded slot an index summed out.
        The result has shape ``dom sizes + cod sizes`` of the program.
        """
        sizes = [_fin_sizes(Ty(t), "wire")[0] for t in program.slot_types]
        operands: list[Any] = []
        for ins in program.instructions:
            box = ins.box
            if type(box).__name__ == "Merge":
                raise TypeMismatch(
                    "Merge (addition) has no meaning for Finite kernels; "
                    "remove the Merge box or interpret into LinearGaussian."
                )
            arrow = lookup(arrows, box, Finite)
            operands += [arrow.array, list(ins.ins) + list(ins.outs)]
        nxt = len(sizes)
        used = {i for k in range(1, len(operands), 2) for i in operands[k]}
        out: list[int] = []
        for s in program.inputs:
            if s not in used:
                operands += [jnp.ones(sizes[s]), [s]]
                used.add(s)
            out.append(s)
        for s in program.outputs:
            if s in out:  # copy of a slot that is already an output index: add a delta
                operands += [jnp.eye(sizes[s]), [s, nxt]]
                out.append(nxt)
                nxt += 1
            else:
                out.append(s)
        dom = Ty(*(program.slot_types[s] for s in program.inputs))
        cod = Ty(*(program.slot_types[s] for s in program.outputs))
        if not operands:
            return cls(jnp.ones(()), dom, cod, validate=False)
        arr = jnp.einsum(*operands, out, optimize=optimize)
        return cls(arr, dom, cod, validate=False)


@partial(jax.jit, static_argnums=(3, 4))
def _sample_rows(
    key: Any, array: Any, idx: Any, sizes: tuple[int, ...], shape: tuple[int, ...]
) -> tuple[jax.Array, ...]:
    p = array[tuple(idx)].reshape(-1)
    flat = jax.random.categorical(key, jnp.log(p), shape=shape)
    return tuple(q.astype(jnp.int32) for q in jnp.unravel_index(flat, sizes))


def _validate_rows(k: Finite) -> None:
    a = np.asarray(k.array, dtype=np.float64)
    nd = len(k.dom)
    rows = a.reshape((*a.shape[:nd], -1))
    tol = _tol(k.array.dtype)
    bad_nan = ~np.isfinite(rows).all(axis=-1)
    bad_neg = (rows < -tol).any(axis=-1)
    sums = np.where(np.isfinite(rows), rows, 0).sum(axis=-1)
    bad_sum = np.abs(sums - 1.0) > tol * max(1.0, rows.shape[-1] ** 0.5)
    for bad, what in (
        (bad_nan, "NaN or infinite entries"),
        (bad_neg, "a negative entry"),
        (bad_sum, None),
    ):
        if np.any(bad):
            idx = tuple(int(i) for i in np.argwhere(bad)[0]) if nd else ()
            if what is None:
                what = f"summing to {float(sums[idx]):.6g}"
            else:
                what = f"with {what} ({rows[idx].min():.6g})" if "neg" in what else f"with {what}"
            raise NotStochasticError(
                f"Expected every row of {k!r} to be a probability distribution (entries >= 0 "
                f"summing to 1), got row {idx} {what} instead. Normalise the rows, e.g. "
                f"array / array.sum(axis=-1, keepdims=True), or fix the table."
            )


# --- Sampler kernels -------------------------------------------------------------------------


class Sampler(Composable, eqx.Module):
    r"""A kernel given by a JAX sampling function of a key, with a log-density where known.

    ``sample_fn(key, x)`` draws from :math:`f(- \mid x)` (``x = ()`` for states) and
    ``log_prob_fn(y, x)``, if given, is :math:`\log f(y \mid x)`. Composition splits the key
    (:math:`(f \gg g)(k, x) = g(k_2, f(k_1, x))`: each random box of a composite gets its
    own key); the composite's density is unknown (None) unless every factor but the last is
    deterministic (then it is the last factor's density at the deterministic image);
    :func:`~catlearn.probability.stochastic.then_density` marginalises a stochastic one.
    Composites are flat programs of their boxes (``>>`` is O(1) per arrow, any length):
    their ``params`` are a :class:`~catlearn.core._category.BoxParams`, one entry per box.
    ``params`` (a pytree, leaves traced by ``jit``/``grad``) is passed first to both
    functions when given.

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.core.types import Euclid, Ty
    >>> noise = Sampler(lambda k, x: x + jax.random.normal(k, (2,)), Euclid(2), Euclid(2),
    ...                 log_prob_fn=lambda y, x: jax.scipy.stats.norm.logpdf(y - x).sum())
    >>> (noise >> Sampler.discard(Euclid(2))).sample(jax.random.key(0), 2, x=jnp.zeros(2))
    ()
    >>> noise.sample(jax.random.key(0), 5, x=jnp.zeros(2)).shape
    (5, 2)
    """

    params: Any
    sample_fn: Callable[..., Any] = eqx.field(static=True)
    log_prob_fn: Callable[..., Any] | None = eqx.field(static=True)
    dom: Ty = eqx.field(static=True)
    cod: Ty = eqx.field(static=True)
    deterministic: bool = eqx.field(static=True)
    _node: Node | None = eqx.field(static=True)
    _copy_is_wiring = True

    def __init__(
        self,
        sample_fn: Callable[..., Any],
        dom: Any,
        cod: Any,
        *,
        log_prob_fn: Callable[..., Any] | None = None,
        params: Any = None,
        deterministic: bool = False,
        _node: Node | None = None,
    ):
        if params is None:
            self.sample_fn = lambda p, k, x: sample_fn(k, x)
            self.log_prob_fn = None if log_prob_fn is None else (lambda p, y, x: log_prob_fn(y, x))
        else:
            self.sample_fn, self.log_prob_fn = sample_fn, log_prob_fn
        self.params, self.dom, self.cod = params, _as_ty(dom), _as_ty(cod)
        self.deterministic = deterministic
        self._node = _node

    @classmethod
    def _raw(cls, fn: Any, lp: Any, params: Any, dom: Ty, cod: Ty, det: bool) -> Sampler:
        return cls(fn, dom, cod, log_prob_fn=lp, params=params, deterministic=det)

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Any) -> Sampler:
        if type(node) is Inline:  # one entry per box of the program, in order
            boxes = [node.arrow_of(i.box) for i in node.program.instructions]
        else:
            boxes = list(parts)
        views = [p.params if p._node is not None else BoxParams([p.params], 1) for p in boxes]
        params = BoxParams.concat(views) if views else BoxParams([], 0)
        run = _Run(node, dom, cod)
        lp = None
        if type(node) is Then and parts[-1].log_prob_fn is not None:
            lp = _Density(run) if all(p.deterministic for p in parts[:-1]) else None
        elif type(node) is Tensor and all(p.log_prob_fn is not None for p in parts):
            lp = _Density(run)
        self = object.__new__(cls)  # as jax's unflatten does: no __init__ checks per arrow
        for k, v in (
            ("params", params),
            ("sample_fn", run),
            ("log_prob_fn", lp),
            ("dom", dom),
            ("cod", cod),
            ("deterministic", all(p.deterministic for p in parts)),
            ("_node", node),
        ):
            object.__setattr__(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"Sampler({self.dom} -> {self.cod})"

    @classmethod
    def from_function(cls, fn: Callable[[Any], Any], dom: Any, cod: Any) -> Sampler:
        """The deterministic kernel :math:`x \\mapsto \\delta_{fn(x)}` (no density).

        >>> from catlearn.core.types import Euclid
        >>> Sampler.from_function(lambda x: 2 * x, Euclid(1), Euclid(1)).is_deterministic()
        True
        """
        return cls(lambda k, x: fn(x), dom, cod, deterministic=True)

    @classmethod
    def from_kernel(cls, kernel: Any) -> Sampler:
        """A Sampler drawing from a Finite or LinearGaussian kernel (same density)."""
        return cls._raw(
            lambda p, k, x: p.sample(k, x=x),
            lambda p, y, x: p.log_prob(y, x),
            kernel,
            kernel.dom,
            kernel.cod,
            kernel.is_deterministic(),
        )

    @classmethod
    def id(cls, ty: Any) -> Sampler:
        """The identity, :math:`x \\mapsto \\delta_x` (wiring)."""
        return super().id(_as_ty(ty))

    @classmethod
    def copy(cls, ty: Any, n: int = 2) -> Sampler:
        """:math:`x \\mapsto (x, \\dots, x)` (``n = 0`` is discard): wiring."""
        return cls._copy_wiring(_as_ty(ty), n)

    @classmethod
    def discard(cls, ty: Any) -> Sampler:
        """The unique kernel to the unit."""
        return cls.copy(ty, 0)

    @classmethod
    def swap(cls, a: Any, b: Any) -> Sampler:
        """The symmetry ``a @ b -> b @ a`` (wiring)."""
        return super().swap(_as_ty(a), _as_ty(b))

    def marginal(self, *keep: int) -> Sampler:
        """Keep the codomain wires ``keep`` of each draw (the density is dropped)."""
        cod = self.cod

        def fn(p: Any, k: Any, x: Any) -> Any:
            ys = cod.split(self.sample_fn(p, k, x))
            return Ty(*(cod.inside[i] for i in keep)).join(tuple(ys[i] for i in keep))

        return Sampler._raw(
            fn, None, self.params, self.dom, Ty(*(cod.inside[i] for i in keep)), self.deterministic
        )

    def sample(self, key: jax.Array, n: int | None = None, *, x: Any = ()) -> Any:
        """``n`` independent draws given the input ``x`` (vmapped over split keys)."""
        if n is None:
            return self.sample_fn(self.params, key, x)
        keys = jax.random.split(key, n)
        return jax.vmap(lambda k: self.sample_fn(self.params, k, x))(keys)

    def log_prob(self, y: Any, x: Any = ()) -> jax.Array:
        """:math:`\\log f(y \\mid x)`; raises NotImplementedError when no density is known."""
        if self.log_prob_fn is None:
            raise errors.UnsupportedError(
                f"{self!r} has no known log-density (a composite of samplers, or a Dirac). "
                "Pass log_prob_fn= when you build it, or use Finite/LinearGaussian kernels."
            )
        return self.log_prob_fn(self.params, y, x)

    def is_deterministic(self) -> bool:
        """True for structure maps and :meth:`from_function` kernels (declared, not tested)."""
        return self.deterministic


class _Run:
    """``sample_fn(params, key, x)`` of a composite Sampler: its flat program, each box drawing
    with its own key and its own entry of the :class:`BoxParams`."""

    __slots__ = ("_keyed", "_node", "cod", "dom")

    def __init__(self, node: Node, dom: Ty, cod: Ty) -> None:
        self._node, self.dom, self.cod, self._keyed = node, dom, cod, None

    def _stochastic(self, prog: Any) -> dict[int, int]:
        """Box index -> key index, for the boxes not declared deterministic (those draw
        with their own key; a deterministic box ignores its key and gets the one passed)."""
        if self._keyed is None:
            boxes = [i for i, ins in enumerate(prog.instructions) if not ins.box.deterministic]
            self._keyed = {i: j for j, i in enumerate(boxes)}
        return self._keyed

    def __call__(self, p: Any, k: Any, x: Any) -> Any:
        prog = flatten(self)
        which = self._stochastic(prog)
        keys = jax.random.split(k, len(which)) if which else None

        def apply(i: int, box: Any, xs: list[Any]) -> Any:
            j = which.get(i)
            sub = k if j is None else keys[j]  # type: ignore[index]
            return box.cod.split(box.sample_fn(p[i], sub, box.dom.join(xs)))

        env = evaluate(prog, self.dom.split(x), apply)
        return self.cod.join([env[s] for s in prog.outputs])


class _Density:
    """``log_prob_fn(params, y, x)`` of a composite whose last boxes (those read by no other
    box) have densities and whose other boxes are deterministic: the sum of the last boxes'
    log-densities at ``y``, their inputs computed from ``x`` by the deterministic ones."""

    __slots__ = ("run",)

    def __init__(self, run: _Run) -> None:
        self.run = run

    def __call__(self, p: Any, y: Any, x: Any) -> Any:
        prog = flatten(self.run)
        read = {s for _, ins, _ in prog.instructions for s in ins}
        at = dict(zip(prog.outputs, self.run.cod.split(y), strict=True))
        total: list[Any] = []
        key = jax.random.key(0)

        def apply(i: int, box: Any, xs: list[Any]) -> Any:
            outs = prog.instructions[i].outs
            if any(s in read for s in outs):  # deterministic: run it
                return box.cod.split(box.sample_fn(p[i], key, box.dom.join(xs)))
            ys = [at[s] for s in outs]
            total.append(box.log_prob_fn(p[i], box.cod.join(ys), box.dom.join(xs)))
            return ys

        evaluate(prog, self.run.dom.split(x), apply)
        return sum(total[1:], total[0])
