r"""Markov kernels between finite wire types (Fritz, *A synthetic approach to Markov kernels*).

A :class:`Finite` kernel :math:`f : X \to Y` between products of finite sets
(``Fin(k)`` wires) is an array of shape ``dom sizes + cod sizes`` whose **rows** (the entries
for one value of the domain) are probability distributions over the codomain. States
(distributions) are kernels from the unit :class:`Ty() <Ty>`. Composition is Chapman–Kolmogorov,

.. math:: (f \gg g)(z \mid x) = \textstyle\sum_y f(y \mid x)\, g(z \mid y),

``@`` is the independent product, and ``copy``/``discard``/``swap`` make a Markov category
(Cho–Jacobs, *Disintegration and Bayesian inversion via string diagrams*). Linear-Gaussian
kernels live in :mod:`catlearn.probability.kernels.gaussian`; key-driven samplers are :class:`Sampler`.

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

from catlearn.core.checked import as_array, is_concrete
from catlearn.core.types import Fin, Ty
from catlearn.errors import NotStochasticError, SupportError, TypeMismatch
from catlearn.probability.kernels._checks import (
    _as_ty,
    _check_then,
    _size,
    _Structure,
    lookup,
    prob_tol,
    xp_for,
)
from catlearn.probability.kernels.sampler import Sampler

__all__ = ["Finite", "Sampler"]


# --- shared helpers --------------------------------------------------------------------------


def _fin_sizes(ty: Ty, what: str) -> tuple[int, ...]:
    for a in ty.inside:
        if not isinstance(a, Fin):
            raise TypeMismatch(
                f"Expected the {what} of a Finite kernel to be a product of Fin(k) wires, got "
                f"{ty} instead. Use LinearGaussian or Sampler for Euclid wires."
            )
    return tuple(_size(a) for a in ty.inside)


def _float(array: Any) -> jax.Array:
    a = as_array(array, "the kernel's probabilities")
    if not jnp.issubdtype(a.dtype, jnp.floating):
        a = a.astype(jnp.zeros(()).dtype)
    return jnp.asarray(a, dtype=a.dtype)  # never weak-typed


def _const(a: np.ndarray) -> jax.Array:
    """A numpy constant as a JAX array of the default float dtype."""
    return jnp.asarray(a, dtype=jnp.zeros(()).dtype)


def _count(ty: Ty) -> int:
    """The number of values of a product of Fin wires (1 for the unit)."""
    return int(np.prod([_size(a) for a in ty.inside], dtype=np.int64))


def _function_of(a: Any, n_rows: int) -> Any:
    """The index map ``x ↦ y`` of a concrete deterministic kernel (viewed as ``n_rows`` rows:
    each one exact 1, the rest exact 0), else ``None``. A matrix whose row maxima are all 1 and
    which has one non-zero per row is exactly such a map: two passes, no temporaries."""
    if not is_concrete(a):
        return None
    if isinstance(a, np.ndarray):
        a2 = a.reshape(n_rows, -1)
        if np.count_nonzero(a2) != n_rows:
            return None
        idx = a2.argmax(axis=1)
        return idx if np.all(a2[np.arange(n_rows), idx] == 1) else None
    ok, idx = _function_jnp(a, n_rows)
    return idx if bool(ok) else None


@partial(jax.jit, static_argnums=(1,))
def _function_jnp(a: jax.Array, n_rows: int) -> tuple[jax.Array, jax.Array]:
    a2 = jnp.reshape(a, (n_rows, a.size // n_rows))
    idx = jnp.argmax(a2, axis=1)
    hit = jnp.take_along_axis(a2, idx[:, None], axis=1)
    return (jnp.count_nonzero(a2) == n_rows) & jnp.all(hit == 1), idx


def _then_arrays(
    f: Any, g: Any, n: tuple[int, int, int], shape: tuple[int, ...], dtype: Any
) -> Any:
    """The array of ``f >> g`` (``f`` as an n_x × n_y matrix, ``g`` as n_y × n_z), shaped
    ``shape``: a matrix product, with deterministic sides applied as index maps — ``δ_w >> g``
    gathers rows of ``g``; ``f >> δ_w`` adds the columns of ``f`` into place (a permutation, a
    copy onto the diagonal, or a marginal, as ``w`` says)."""
    n_x, n_y, n_z = n
    if isinstance(f, np.ndarray) and isinstance(g, np.ndarray):
        f2, g2 = f.reshape(n_x, n_y), g.reshape(n_y, n_z)
        if (w := _function_of(f2, n_x)) is not None:
            out = g2[w]
        elif (w := _function_of(g2, n_y)) is not None:
            out = np.zeros((n_x, n_z), dtype=np.result_type(f2, g2))
            # numpy's stub types ufunc.at's indices as int arrays only; tuples work at runtime
            np.add.at(out, (slice(None), w), f2)  # type: ignore[arg-type]
        else:
            out = f2 @ g2
        return out.astype(dtype, copy=False).reshape(shape)
    if (w := _function_of(f, n_x)) is not None:
        return _rows_jnp(g, w, n, shape, dtype)
    if (w := _function_of(g, n_y)) is not None:
        return _columns_jnp(f, w, n, shape, dtype)
    return _matmul_jnp(f, g, n, shape, dtype)


# The jnp paths are jitted whole so that their reshapes are free and XLA allocates only the result
# (op by op, every reshape of a big array is a copy).
@partial(jax.jit, static_argnums=(2, 3, 4))
def _matmul_jnp(f: Any, g: Any, n: Any, shape: Any, dtype: Any) -> jax.Array:
    f2, g2 = jnp.reshape(f, n[:2]), jnp.reshape(g, n[1:])
    return jnp.reshape(jnp.matmul(f2, g2).astype(dtype), shape)


@partial(jax.jit, static_argnums=(2, 3, 4))
def _rows_jnp(g: Any, w: Any, n: Any, shape: Any, dtype: Any) -> jax.Array:
    return jnp.reshape(jnp.take(jnp.reshape(g, n[1:]), w, axis=0).astype(dtype), shape)


@partial(jax.jit, static_argnums=(2, 3, 4))
def _columns_jnp(f: Any, w: Any, n: Any, shape: Any, dtype: Any) -> jax.Array:
    out = jnp.zeros((n[0], n[2]), dtype=dtype).at[:, w].add(jnp.reshape(f, n[:2]).astype(dtype))
    return jnp.reshape(out, shape)


@partial(jax.jit, static_argnums=(2, 3, 4))
def _outer_jnp(f: Any, g: Any, n: Any, shape: Any, dtype: Any) -> jax.Array:
    f2, g2 = jnp.reshape(f, n[:2]).astype(dtype), jnp.reshape(g, n[2:]).astype(dtype)
    return jnp.reshape(f2[:, None, :, None] * g2[None, :, None, :], shape)


# Above this many axes (after merging the ones that move together), XLA:CPU's transpose takes
# seconds to minutes to compile (12 axes of size 3: ~45 s and GBs), so a gather is used instead.
_MAX_XLA_TRANSPOSE_AXES = 5


def _permute(xp: Any, arr: Any, perm: list[int]) -> Any:
    """``transpose(arr, perm)``, safe for arrays with many small axes under XLA: runs of axes
    that stay adjacent are merged first, and a permutation of many axes is one flat gather."""
    perm = [int(p) for p in perm]
    if perm == list(range(len(perm))):
        return arr
    if xp is np:
        return np.transpose(arr, perm)
    shape = tuple(arr.shape)
    groups = [[perm[0]]]
    for p in perm[1:]:
        if p == groups[-1][-1] + 1:
            groups[-1].append(p)
        else:
            groups.append([p])
    order = sorted(range(len(groups)), key=lambda i: groups[i][0])  # groups in source order
    merged = tuple(int(np.prod([shape[a] for a in groups[i]], dtype=np.int64)) for i in order)
    gperm = [order.index(i) for i in range(len(groups))]
    out_shape = tuple(shape[p] for p in perm)
    x = jnp.reshape(arr, merged)
    if len(merged) <= _MAX_XLA_TRANSPOSE_AXES:
        return jnp.reshape(jnp.transpose(x, gperm), out_shape)
    itype = np.int32 if x.size < 2**31 else np.int64
    idx = np.arange(x.size, dtype=itype).reshape(merged).transpose(gperm).reshape(-1)
    return jnp.reshape(jnp.take(jnp.reshape(x, (-1,)), idx), out_shape)


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
        """Chapman–Kolmogorov composition, ``f >> g``: one matrix product over the middle wires.

        Memory is inputs + result: the arrays are viewed as matrices (dom × middle, middle ×
        cod), never broadcast against each other. When one side is concrete and deterministic
        (a structure map — id, swap, copy, discard — or any ``from_function`` kernel) it is
        applied as an index map instead (rows of ``g`` picked, or columns of ``f`` moved and
        added up), so no product is computed.
        """
        out = self
        for g in others:
            _check_then(out, g)
            xp = xp_for(out.array, g.array)
            n = (_count(out.dom), _count(out.cod), _count(g.cod))
            shape = _fin_sizes(out.dom, "domain") + _fin_sizes(g.cod, "codomain")
            dt = out.array.dtype
            arr = _then_arrays(xp.asarray(out.array), xp.asarray(g.array), n, shape, dt)
            out = Finite(jnp.asarray(arr, dtype=dt), out.dom, g.cod, validate=False)
        return out

    def tensor(self, *others: Finite | Ty) -> Finite:
        """The independent product ``f @ g``: :math:`(f\\otimes g)(y,y'|x,x') = f(y|x) g(y'|x')`.

        One outer product of the two kernels viewed as matrices, already in the result's axis
        order (dom f, dom g, cod f, cod g): memory is the result, and no many-axis transpose
        is asked of XLA.
        """
        out = self
        for g in others:
            if isinstance(g, Ty):
                g = Finite.id(g)
            if not isinstance(g, Finite):
                raise TypeMismatch(f"Expected a Finite kernel in {self!r} @ ..., got {g!r}.")
            dom, cod = out.dom @ g.dom, out.cod @ g.cod
            shape = _fin_sizes(dom, "domain") + _fin_sizes(cod, "codomain")
            n = (_count(out.dom), _count(out.cod), _count(g.dom), _count(g.cod))
            dt = jnp.result_type(out.array, g.array)
            if xp_for(out.array, g.array) is np:
                f2 = np.asarray(out.array, dtype=dt).reshape(n[:2])
                g2 = np.asarray(g.array, dtype=dt).reshape(n[2:])
                arr = (f2[:, None, :, None] * g2[None, :, None, :]).reshape(shape)
            else:
                arr = _outer_jnp(out.array, g.array, n, shape, dt)
            out = Finite(jnp.asarray(arr, dtype=dt), dom, cod, validate=False)
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
        xp = xp_for(self.array)
        drop = tuple(nd + i for i in range(nc) if i not in keep)
        arr = xp.sum(xp.asarray(self.array), axis=drop) if drop else xp.asarray(self.array)
        kept = sorted(set(keep))  # the axes left after the sum, in order
        perm = list(range(nd)) + [nd + kept.index(i) for i in keep]
        if len(perm) != len(set(perm)):  # a wire kept twice: fall back to einsum's diagonal
            sub, outs = list(range(nd + nc)), list(range(nd)) + [nd + i for i in keep]
            arr = xp.einsum(xp.asarray(self.array), sub, outs)
        else:
            arr = _permute(xp, arr, perm)
        arr = jnp.asarray(arr, dtype=self.array.dtype)
        return Finite(arr, self.dom, Ty(*(self.cod.inside[i] for i in keep)), validate=False)

    # evaluation -----------------------------------------------------------------------------
    def _index(self, value: Any, ty: Ty, what: str) -> tuple[Any, ...]:
        vals = ty.split(value) if len(ty) else ()
        if len(vals) != len(ty):
            raise SupportError(f"Expected a {what} of type {ty}, got {value!r} instead.")
        out: list[np.ndarray | jax.Array] = []
        for v, a in zip(vals, ty.inside):
            if is_concrete(v):
                v = np.asarray(v)
                k = _size(a)
                if v.size and (v.min() < 0 or v.max() >= k or not np.all(v == v.astype(int))):
                    raise SupportError(
                        f"Expected the {what} on {a} to be an integer in 0..{k - 1}, got "
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
        tol = prob_tol(self.array.dtype) if tol is None else tol
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
    # Reductions only: no float64 copy and no mask of the table's size (a row's sum in float64 is
    # non-finite exactly when the row has a NaN or infinite entry).
    a = np.asarray(k.array)
    nd = len(k.dom)
    rows = a.reshape((*a.shape[:nd], -1))
    tol = prob_tol(k.array.dtype)
    sums = rows.sum(axis=-1, dtype=np.float64)
    bad_nan = ~np.isfinite(sums)
    bad_neg = np.min(rows, axis=-1, initial=np.inf) < -tol
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
