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
from typing import Any, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from catlearn.core.category import PytreeArrow, flatten
from catlearn.core.checked import as_array, is_concrete
from catlearn.core.para import WireValue
from catlearn.core.program import Program
from catlearn.core.types import Fin, Ty
from catlearn.errors import (
    NotStochasticError,
    ShapeError,
    SupportError,
    TypeMismatch,
    ZeroEvidenceError,
)
from catlearn.probability.kernels._checks import _as_ty, _size, lookup, prob_tol, xp_for
from catlearn.probability.kernels._linalg import invert_table, permute
from catlearn.probability.kernels.contraction import FactorNetwork
from catlearn.probability.kernels.sampler import Sampler

__all__ = ["Finite", "Sampler"]

TyLike: TypeAlias = "Ty | int | tuple[Ty | int, ...] | list[Ty | int] | None"
"""What a :class:`Finite` kernel's ``dom``, ``cod`` or ``ty`` argument accepts: a wire type, an
int ``k`` for ``Fin(k)``, a tuple or list of those (their product), or ``None`` (inferred from the
table's shape)."""


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


# --- Finite kernels --------------------------------------------------------------------------


class Finite(PytreeArrow):
    r"""A Markov kernel between products of finite sets: ``array[x..., y...] = f(y | x)``.

    ``array`` has shape ``dom sizes + cod sizes`` and each row ``array[x]`` is a probability
    distribution (non-negative, summing to 1). A state is a kernel with ``dom = Ty()``.
    Validation runs once at construction when the array is concrete (skipped under ``jit``).
    ``dom``/``cod`` may be given as ints (``2`` means ``Fin(2)``) or inferred for states.

    Finite kernels compose through the one engine of :mod:`catlearn.core.category`: ``>>``
    and ``@`` build a composite in O(1) and multiply nothing; ``id``, ``swap``, ``copy`` and
    ``discard`` are wiring. A composite is a tensor network (:meth:`network`), and what is
    asked of it is one planned contraction
    (:func:`~catlearn.probability.kernels.contraction.plan_contraction`): its ``array``
    (computed once, then kept; for a batch of composites, as ``jax.vmap`` returns them, one
    contraction each), or, without building that table, :meth:`marginal`,
    :meth:`condition` and :meth:`invert`.

    >>> Finite.id(Fin(2)).array
    Array([[1., 0.], [0., 1.]], dtype=float32)
    >>> Finite.copy(Fin(2)).array.shape, Finite.discard(Fin(3)).array
    ((2, 2, 2), Array([1., 1., 1.], dtype=float32))
    >>> Finite.swap(Fin(2), 3).cod
    Fin(3) @ Fin(2)

    >>> rain = Finite.state([0.8, 0.2])                 # P(rain), a state on Fin(2)
    >>> wet = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))   # P(wet | rain)
    >>> (rain >> wet).array.round(4)
    Array([0.76, 0.24], dtype=float32)
    >>> Finite([[0.5, 0.6]], Fin(1), Fin(2))
    Traceback (most recent call last):
    ...
    catlearn.errors.NotStochasticError: Expected every row of Finite(Fin(1) -> Fin(2)) to be a probability distribution (entries >= 0 summing to 1), got row (0,) summing to 1.1 instead. ...
    """

    _tables: Any  # a box: its array; a composite: one array per box (BoxParams)
    _data = "_tables"

    def __init__(
        self,
        array: ArrayLike,
        dom: TyLike = None,
        cod: TyLike = None,
        *,
        validate: bool = True,
    ):
        arr = _float(array)
        dom = _as_ty(dom)
        if cod is None:
            nd = len(dom)
            cod = Ty(*(Fin(int(k)) for k in arr.shape[nd:]))
        cod = _as_ty(cod)
        want = _fin_sizes(dom, "domain") + _fin_sizes(cod, "codomain")
        if tuple(arr.shape) != want:
            raise ShapeError(
                f"Expected the array of a Finite kernel {dom} -> {cod} to have shape {want} "
                f"(domain sizes then codomain sizes), got shape {tuple(arr.shape)} instead."
            )
        self._tables, self.dom, self.cod, self._node = arr, dom, cod, None
        if validate and is_concrete(arr):
            _validate_rows(self)

    def __repr__(self) -> str:
        def show(t: Ty) -> str:
            n = len(t)
            return str(t) if n <= 3 else f"{t.inside[0]} @ ... ({n} wires)"

        return f"Finite({show(self.dom)} -> {show(self.cod)})"

    @property
    def array(self) -> jax.Array:
        """The table ``array[x..., y...] = f(y | x)``: a box's own array; a composite's is one
        planned contraction of its network, computed when first asked (then kept, unless traced).
        """
        if self._node is None:
            table: jax.Array = self._tables
            return table
        dense: jax.Array | None = self.__dict__.get("_dense")
        if dense is None:
            prog, tables = flatten(self), list(self._tables)

            def contract(ts: list[Any]) -> Any:
                net = _network(prog, ts)
                return net.contract(net.dom + net.cod)

            # a batch of composites (e.g. returned by jax.vmap): contract each, vmapped
            if tables:
                ins = prog.instructions[0]
                for _ in range(tables[0].ndim - len(ins.ins) - len(ins.outs)):
                    contract = jax.vmap(contract)
            dense = jnp.asarray(contract(tables), dtype=self._dtype())
            if is_concrete(dense):
                object.__setattr__(self, "_dense", dense)
        return dense

    def _dtype(self) -> Any:
        tables = list(self._tables) if self._node is not None else [self._tables]
        return jnp.result_type(*tables) if tables else jnp.zeros(()).dtype

    def evaluate(self) -> Finite:
        """This kernel as one box holding its table (a composite's contraction, computed now):
        for a loop or a scan whose carry must keep one pytree structure.

        >>> flip = Finite([[0.0, 1.0], [1.0, 0.0]], Fin(2), Fin(2))
        >>> (flip >> flip).evaluate().network().factors[0][1]
        (0, 1)
        """
        if self._node is None:
            return self
        return Finite(self.array, self.dom, self.cod, validate=False)

    def network(self) -> FactorNetwork:
        """This kernel as a :class:`~catlearn.probability.kernels.contraction.FactorNetwork`:
        one factor per box of its flat program, labelled by the program's wire slots (a
        copied wire is a label read twice, a discarded one a label nobody reads).

        >>> coin = Finite.state([0.5, 0.5])
        >>> net = (coin >> Finite.copy(Fin(2))).network()
        >>> len(net.factors), net.cod
        (1, (0, 0))
        """
        if self._node is None:
            shape = tuple(int(n) for n in self._tables.shape)
            labels, nd = tuple(range(len(shape))), len(self.dom)
            return FactorNetwork(((self._tables, labels),), labels[:nd], labels[nd:], shape)
        prog = flatten(self)
        cards = tuple(_size(a) for a in prog.slot_types)
        factors = [
            (self._tables[i], (*ins.ins, *ins.outs)) for i, ins in enumerate(prog.instructions)
        ]
        read = {s for _, lb in factors for s in lb}
        factors += [(np.ones(cards[s]), (s,)) for s in prog.inputs if s not in read]
        return FactorNetwork(tuple(factors), prog.inputs, prog.outputs, cards)

    # constructors ---------------------------------------------------------------------------
    @classmethod
    def state(cls, probs: ArrayLike, cod: TyLike = None) -> Finite:
        """A distribution on ``cod`` (default: ``Fin(k)`` per axis of ``probs``).

        >>> Finite.state([0.25, 0.75]).cod
        Fin(2)
        """
        return cls(probs, Ty(), cod)

    @classmethod
    def uniform(cls, ty: TyLike) -> Finite:
        """The uniform state on ``ty``.

        >>> Finite.uniform(Fin(4)).array
        Array([0.25, 0.25, 0.25, 0.25], dtype=float32)
        """
        ty = _as_ty(ty)
        sizes = _fin_sizes(ty, "codomain")
        n = int(np.prod(sizes, dtype=int))
        return cls(jnp.full(sizes, 1.0 / n), Ty(), ty)

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        dom: TyLike,
        cod: TyLike,
    ) -> Finite:
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
    def point(cls, value: WireValue, ty: TyLike) -> Finite:
        """The Dirac state at ``value`` (an int, or a tuple of ints) on ``ty``.

        >>> Finite.point(2, Fin(3)).array
        Array([0., 0., 1.], dtype=float32)
        """
        return cls.from_function(lambda: value, Ty(), ty)

    # structure: wiring -------------------------------------------------------------------
    @classmethod
    def _coerce(cls, ty: Any) -> Ty:
        t = _as_ty(ty)
        _fin_sizes(t, "type")
        return t

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
        cod = Ty(*(self.cod.inside[i] for i in keep))
        if self._node is not None:  # one planned contraction: the joint is never built
            net = self.network()
            arr = net.contract(net.dom + tuple(net.cod[i] for i in keep))
            return Finite(jnp.asarray(arr, dtype=self._dtype()), self.dom, cod, validate=False)
        xp = xp_for(self.array)
        drop = tuple(nd + i for i in range(nc) if i not in keep)
        arr = xp.sum(xp.asarray(self.array), axis=drop) if drop else xp.asarray(self.array)
        kept = sorted(set(keep))  # the axes left after the sum, in order
        perm = list(range(nd)) + [nd + kept.index(i) for i in keep]
        if len(perm) != len(set(perm)):  # a wire kept twice: fall back to einsum's diagonal
            sub, outs = list(range(nd + nc)), list(range(nd)) + [nd + i for i in keep]
            arr = xp.einsum(xp.asarray(self.array), sub, outs)
        else:
            arr = permute(xp, arr, perm)
        arr = jnp.asarray(arr, dtype=self.array.dtype)
        return Finite(arr, self.dom, cod, validate=False)

    # Bayesian inversion and conditioning ------------------------------------------------------
    def condition(
        self, observation: Mapping[int, Any], *, trace: list[int] | None = None
    ) -> Finite:
        r"""The posterior state of the unobserved output wires of this joint state given hard
        evidence ``observation`` (output wire index -> value),
        :math:`p(x_R \mid x_O = o) = p(x_R, o) / p(o)`. A composite answers with one planned
        contraction, point factors on the observed wires: its joint table is never built (the
        size of every table built is appended to ``trace``, when given).

        Raises :class:`~catlearn.errors.ZeroEvidenceError` when :math:`p(o) = 0` (checked when
        the values are concrete; under ``jit`` the marginal of the unobserved wires is returned).

        >>> joint = Finite.state([[0.3, 0.1], [0.2, 0.4]])      # p(rain, wet)
        >>> joint.condition({1: 1}).array.round(3).tolist()      # p(rain | wet)
        [0.2, 0.8]
        """
        if len(self.dom):
            raise TypeMismatch(
                f"Expected a joint state (a kernel from Ty()) to condition, got {self!r}; "
                "compose a prior in front (prior >> kernel), or invert the kernel at a prior."
            )
        cod, n = self.cod.inside, len(self.cod)
        points: dict[int, Any] = {}
        for i, v in observation.items():
            if not isinstance(i, int | np.integer) or not 0 <= i < n:
                raise SupportError(f"Expected an output wire index in range({n}), got {i!r}.")
            (idx,) = self._index(v, Ty(cod[i]), f"observation on wire {i}")
            if jnp.ndim(idx) != 0:
                raise ShapeError(
                    f"Expected one value for wire {i}, got an array of shape {jnp.shape(idx)}; "
                    "use update(kernel, prior, observations) for a batch of observations."
                )
            points[int(i)] = idx
        rest = [i for i in range(n) if i not in points]
        if self._node is None:
            index: list[Any] = [slice(None)] * n
            for i, idx in points.items():
                index[i] = idx
            sub = self.array[tuple(index)]
        else:
            net = self.network()
            extra = [(_one_hot(idx, _size(cod[i])), (net.cod[i],)) for i, idx in points.items()]
            sub = net.contract([net.cod[i] for i in rest], extra, trace=trace)
            sub = jnp.asarray(sub, dtype=self._dtype())
        ev = jnp.sum(sub)
        if is_concrete(ev) and not float(ev) > 0:
            raise ZeroEvidenceError(
                f"Cannot condition on the observation {dict(observation)}: its probability "
                "under the prior is 0 (zero evidence), so the posterior is undefined. Check the "
                "observation, or give it non-zero prior mass (e.g. smooth the tables)."
            )
        if is_concrete(ev):
            post = sub / ev
        else:  # the prior convention, as invert's: the marginal of the unobserved wires
            marg = self.marginal(*rest).array
            post = jnp.where(ev > 0, sub / jnp.where(ev > 0, ev, 1.0), marg)
        return Finite(post, Ty(), Ty(*(cod[i] for i in rest)), validate=False)

    def invert(self, prior: Finite, *, trace: list[int] | None = None) -> Finite:
        r"""The Bayesian inverse :math:`f^\dagger_\pi : Y \to X` of this kernel at the state
        ``prior`` on its domain,
        :math:`f^\dagger_\pi(x \mid y) = \pi(x) f(y \mid x) / \sum_{x'} \pi(x') f(y \mid x')`,
        with the prior as the row of each zero-evidence :math:`y`. A composite answers with one
        planned contraction to :math:`\pi(x) f(y \mid x)` over its input and output wires
        only (never its inner wires); ``trace`` as in :meth:`condition`.

        >>> test = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))   # P(result | disease)
        >>> test.invert(Finite.state([0.99, 0.01])).row(1).round(3).tolist()   # P(disease | +)
        [0.925, 0.075]
        """
        if not isinstance(prior, Finite) or len(prior.dom) or prior.cod != self.dom:
            raise TypeMismatch(
                f"Expected a Finite state on the domain {self.dom} of {self!r} to invert at, "
                f"got {prior!r} instead."
            )
        ds = _fin_sizes(self.dom, "domain")
        cs = _fin_sizes(self.cod, "codomain")
        if self._node is None:
            nx, ny = _count(self.dom), _count(self.cod)
            inv = invert_table(self.array.reshape(nx, ny), prior.array.reshape(nx))
            return Finite(inv.reshape(cs + ds), self.cod, self.dom, validate=False)
        net = self.network()
        joint = net.contract(net.cod + net.dom, [(prior.array, net.dom)], trace=trace)
        xp = np if isinstance(joint, np.ndarray) else jnp
        ev = xp.sum(joint, axis=tuple(range(len(cs), len(cs) + len(ds))), keepdims=True)
        pi = xp.reshape(xp.asarray(prior.array, dtype=joint.dtype), (1,) * len(cs) + ds)
        post = xp.where(ev > 0, joint / xp.where(ev > 0, ev, 1.0), pi)
        return Finite(jnp.asarray(post, dtype=self._dtype()), self.cod, self.dom, validate=False)

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

    def row(self, x: WireValue = ()) -> jax.Array:
        """The distribution :math:`f(- \\mid x)`, an array of shape cod sizes."""
        idx = self._index(x, self.dom, "input")  # traced and out of range: NaN (never a clamp)
        return self.array.at[idx].get(mode="fill", fill_value=jnp.nan, wrap_negative_indices=False)

    def prob(self, y: WireValue, x: WireValue = ()) -> jax.Array:
        """:math:`f(y \\mid x)`.

        >>> Finite.state([0.25, 0.75]).prob(1)
        Array(0.75, dtype=float32)
        """
        idx = self._index(x, self.dom, "input") + self._index(y, self.cod, "output")
        if is_concrete(self.array, idx):
            return jnp.asarray(np.asarray(self.array)[idx], dtype=self.array.dtype)
        return self.array.at[idx].get(mode="fill", fill_value=jnp.nan, wrap_negative_indices=False)

    def log_prob(self, y: WireValue, x: WireValue = ()) -> jax.Array:
        """:math:`\\log f(y \\mid x)` (``-inf`` outside the support).

        >>> Finite.state([0.5, 0.5]).log_prob(0)
        Array(-0.6931472, dtype=float32)
        """
        return jnp.log(self.prob(y, x))

    def sample(self, key: jax.Array, n: int | None = None, *, x: WireValue = ()) -> Any:
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
        cls, program: Program, arrows: Mapping[Any, Any] | Callable[[Any], Any]
    ) -> Finite:
        """ONE composite running a flat program (:mod:`catlearn.diagrams.compiler`) with the
        kernel ``arrows[box]`` (keyed by the box or its name) for each box: a tensor network
        whose ``array`` is one planned contraction, each slot an index (a copied slot read
        several times, a discarded one summed out).

        >>> from catlearn.diagrams.diagram import Box
        >>> from catlearn.diagrams.compiler import to_program
        >>> flip = Box("flip", Fin(2), Fin(2))
        >>> k = Finite.from_program(to_program(flip >> flip), {"flip": Finite.id(Fin(2))})
        >>> k.array.tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        """
        look: dict[Any, Finite] = {}
        for ins in program.instructions:
            if type(ins.box).__name__ == "Merge":
                raise TypeMismatch(
                    "Merge (addition) has no meaning for Finite kernels; "
                    "remove the Merge box or interpret into LinearGaussian."
                )
            look[ins.box] = lookup(arrows, ins.box, Finite)
        return super().from_program(program, look)


def _network(prog: Program, tables: list[Any]) -> FactorNetwork:
    """The factor network of a flat program whose box ``i`` has the table ``tables[i]``."""
    cards = tuple(_size(a) for a in prog.slot_types)
    factors = [(tables[i], (*ins.ins, *ins.outs)) for i, ins in enumerate(prog.instructions)]
    read = {s for _, lb in factors for s in lb}
    factors += [(np.ones(cards[s]), (s,)) for s in prog.inputs if s not in read]
    return FactorNetwork(tuple(factors), prog.inputs, prog.outputs, cards)


def _one_hot(idx: Any, k: int) -> Any:
    """The point mass at ``idx`` on ``k`` states (numpy when concrete)."""
    if is_concrete(idx):
        return np.eye(k)[int(idx)]
    return jax.nn.one_hot(idx, k)


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
