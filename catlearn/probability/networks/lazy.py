r"""Lazy diagrams of :class:`~catlearn.probability.kernels.markov.Finite` kernels: a tensor network
that is contracted by a plan, never multiplied out.

:class:`Finite`'s ``>>`` and ``@`` are eager: ``f @ g`` builds the table of the product, so a
state on 40 binary wires is a table of :math:`2^{40}` entries before anything is asked of it.
:class:`LazyFinite` keeps the boxes as factors with labelled wires instead: ``>>`` glues
labels, ``@`` puts factors side by side, copy and discard are wiring. Questions asked of the
diagram (:meth:`LazyFinite.evaluate`, :meth:`LazyFinite.condition`,
:meth:`LazyFinite.invert`, :meth:`LazyFinite.marginal`) are contractions planned by
:func:`~catlearn.probability.networks.contraction.plan_contraction`, whose
``Plan.max_size``
bounds every table built; only the answer is materialised. ``cl.condition`` and
``cl.invert`` accept a :class:`LazyFinite` and call these methods.

>>> from catlearn.core.types import Fin
>>> root = LazyFinite.box(Finite.state([0.5, 0.5]))
>>> noisy = LazyFinite.box(Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2)))
>>> joint = root >> LazyFinite.copy(Fin(2), 30) >> LazyFinite.tensor_all([noisy] * 30)
>>> joint                                           # 2**30 entries if multiplied out
LazyFinite(Ty() -> Fin(2) @ ... (30 wires), 31 factors)
>>> post = joint.condition({i: 1 for i in range(1, 30)})   # P(wire 0 | 29 others)
>>> post.array.round(2).tolist()        # the root is surely 1; wire 0 is noisy
[0.2, 0.8]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.types import Fin, Ty
from catlearn.errors import SupportError, TypeMismatch, ZeroEvidenceError
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.networks.contraction import (
    DEFAULT_BUDGET,
    Plan,
    execute,
    plan_contraction,
)

__all__ = ["LazyFinite"]


def _sizes(ty: Any) -> tuple[int, ...]:
    if isinstance(ty, int):
        return (ty,)
    atoms = ty.inside if hasattr(ty, "inside") else (ty,)
    return tuple(int(a.size) for a in atoms)


class LazyFinite:
    """A Finite kernel held as a diagram: ``factors`` (arrays with wire labels), the labels
    of the input wires ``dom_labels`` and output wires ``cod_labels`` (a label repeated in
    ``cod_labels`` is a copied wire; a label in no output is summed), and ``cards``.
    Labels are ``0..n-1``; composition relabels. Immutable.

    >>> from catlearn.core.types import Fin
    >>> root = LazyFinite.box(Finite.state([0.3, 0.7]))
    >>> noisy = LazyFinite.box(Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2)))
    >>> chain = root >> LazyFinite.copy(Fin(2)) >> (LazyFinite.id(Fin(2)) @ noisy)
    >>> chain                                        # nothing multiplied out yet
    LazyFinite(Ty() -> Fin(2) @ Fin(2), 2 factors)
    >>> [round(float(v), 4) for v in chain.marginal(1).array]   # 0.3 * 0.1 + 0.7 * 0.8
    [0.41, 0.59]
    >>> [round(float(v), 4) for v in chain.condition({1: 1}).array]
    [0.0508, 0.9492]
    """

    def __init__(
        self,
        factors: Sequence[tuple[Any, tuple[int, ...]]],
        dom_labels: tuple[int, ...],
        cod_labels: tuple[int, ...],
        cards: Sequence[int],
    ) -> None:
        try:
            self.factors = tuple((f, tuple(int(i) for i in lb)) for f, lb in factors)
            self.dom_labels = tuple(int(i) for i in dom_labels)
            self.cod_labels = tuple(int(i) for i in cod_labels)
            self.cards = tuple(int(c) for c in cards)
        except (TypeError, ValueError, OverflowError) as e:
            raise errors.ArgumentTypeError(
                "Expected LazyFinite(factors=[(array, labels), ...], dom_labels, cod_labels, "
                f"cards) with int labels and cards, got {type(e).__name__}: {e}; build it with "
                "LazyFinite.box(kernel)."
            ) from None
        labels = [i for _, lb in self.factors for i in lb] + [*self.dom_labels, *self.cod_labels]
        if any(c < 1 for c in self.cards) or any(not 0 <= i < len(self.cards) for i in labels):
            raise errors.ArgumentValueError(
                f"Expected labels in 0..{len(self.cards) - 1} and cards >= 1, got labels "
                f"{sorted(set(labels))[:8]} and cards {self.cards[:8]}."
            )

    @property
    def dom(self) -> Ty:
        return Ty(*(Fin(self.cards[i]) for i in self.dom_labels))

    @property
    def cod(self) -> Ty:
        return Ty(*(Fin(self.cards[i]) for i in self.cod_labels))

    def __repr__(self) -> str:
        def show(t: Ty) -> str:
            n = len(t.inside)
            return str(t) if n <= 3 else f"{t.inside[0]} @ ... ({n} wires)"

        return f"LazyFinite({show(self.dom)} -> {show(self.cod)}, {len(self.factors)} factors)"

    # constructors ---------------------------------------------------------------------------
    @classmethod
    def box(cls, f: Finite) -> LazyFinite:
        """One kernel as a one-factor diagram."""
        nd = len(f.dom.inside)
        shape = tuple(f.array.shape)
        labels = tuple(range(len(shape)))
        return cls([(f.array, labels)], labels[:nd], labels[nd:], shape)

    @classmethod
    def id(cls, ty: Any) -> LazyFinite:
        """The identity on ``ty`` (wires, no factor)."""
        s = _sizes(ty)
        return cls([], tuple(range(len(s))), tuple(range(len(s))), s)

    @classmethod
    def copy(cls, ty: Any, n: int = 2) -> LazyFinite:
        """Copy one wire ``n`` times (no factor: the ``n`` outputs share the label)."""
        (k,) = _sizes(ty)
        return cls([], (0,), (0,) * n, (k,))

    @classmethod
    def discard(cls, ty: Any) -> LazyFinite:
        """Discard the wires of ``ty`` (summed when contracted)."""
        s = _sizes(ty)
        return cls([], tuple(range(len(s))), (), s)

    @classmethod
    def tensor_all(cls, diagrams: Sequence[LazyFinite]) -> LazyFinite:
        """``d_1 @ d_2 @ ...`` in one pass."""
        out = diagrams[0]
        for d in diagrams[1:]:
            out = out @ d
        return out

    # composition ---------------------------------------------------------------------------
    def _shifted(self, k: int, sub: Mapping[int, int] | None = None) -> tuple[Any, ...]:
        m = {i: sub.get(i, i + k) if sub else i + k for i in range(len(self.cards))}
        return (
            [(f, tuple(m[i] for i in lb)) for f, lb in self.factors],
            tuple(m[i] for i in self.dom_labels),
            tuple(m[i] for i in self.cod_labels),
        )

    def __rshift__(self, other: Any) -> LazyFinite:
        other = _lazy(other)
        if self.cod != other.dom:
            raise TypeMismatch(
                f"Cannot compose {self!r} >> {other!r}: codomain {self.cod} is not the domain "
                f"{other.dom}. Expected them to be equal."
            )
        k = len(self.cards)
        sub: dict[int, int] = {}
        facs: list[Any] = list(self.factors)
        for a, b in zip(other.dom_labels, self.cod_labels):
            if a in sub and sub[a] != b:  # an input wire read twice: identify the outputs
                facs.append((jnp.eye(self.cards[b]), (sub[a], b)))
            sub.setdefault(a, b)
        of, _, oc = other._shifted(k, sub)
        return LazyFinite(facs + of, self.dom_labels, oc, self.cards + other.cards)

    def __matmul__(self, other: Any) -> LazyFinite:
        other = _lazy(other)
        of, od, oc = other._shifted(len(self.cards))
        return LazyFinite(
            list(self.factors) + of,
            self.dom_labels + od,
            self.cod_labels + oc,
            self.cards + other.cards,
        )

    def __rmatmul__(self, other: Any) -> LazyFinite:
        return _lazy(other) @ self

    # contraction ---------------------------------------------------------------------------
    def plan(
        self, output: Sequence[int], extra: Sequence[tuple[int, ...]] = (), budget: Any = None
    ) -> tuple[Plan, list[tuple[int, int]]]:
        """The contraction plan down to the labels ``output`` (``extra`` factor scopes
        appended; a repeated output label gets a copy factor, listed second)."""
        out, scopes = [], [lb for _, lb in self.factors] + list(extra)
        copies: list[tuple[int, int]] = []
        seen: set[int] = set()
        cards = dict(enumerate(self.cards))
        for lb in output:
            if lb in seen:
                new = len(cards)
                cards[new] = cards[lb]
                scopes.append((lb, new))
                copies.append((lb, new))
                lb = new
            seen.add(lb)
            out.append(lb)
        budget = DEFAULT_BUDGET if budget is None else budget
        return plan_contraction(scopes, cards, tuple(out), budget=budget), copies

    def contract(
        self,
        output: Sequence[int],
        extra: Sequence[tuple[Any, tuple[int, ...]]] = (),
        *,
        trace: list[int] | None = None,
    ) -> Any:
        """Contract to the labels ``output`` (numpy for concrete arrays, else JAX); the size
        of every table built is appended to ``trace`` when given."""
        plan, copies = self.plan(output, [lb for _, lb in extra])
        arrays = [f for f, _ in self.factors] + [f for f, _ in extra]
        arrays += [np.eye(self.cards[a]) for a, _ in copies]
        concrete = all(isinstance(a, np.ndarray | jnp.ndarray) for a in arrays)
        try:
            arrays_np = [np.asarray(a, dtype=np.float64) for a in arrays] if concrete else None
        except Exception:  # tracers
            arrays_np = None
        if arrays_np is None:
            return execute(plan, [jnp.asarray(a) for a in arrays], jnp)
        if trace is None:
            return execute(plan, arrays_np)
        return _execute_traced(plan, arrays_np, trace)

    def evaluate(self) -> Finite:
        """The kernel as one eager :class:`Finite` (mind the size of the answer)."""
        arr = self.contract(self.dom_labels + self.cod_labels)
        return Finite(jnp.asarray(arr), self.dom, self.cod, validate=False)

    def marginal(self, *keep: int) -> Finite:
        """The marginal state of the output wires ``keep`` (a state: ``dom`` must be empty)."""
        self._state("marginal")
        arr = self.contract([self.cod_labels[i] for i in keep])
        return Finite(jnp.asarray(arr), Ty(), Ty(*(self.cod.inside[i] for i in keep)))

    def _state(self, what: str) -> None:
        if self.dom_labels:
            raise TypeMismatch(
                f"Expected a state (domain Ty()) for {what}, got {self!r}; compose a prior "
                f"in front: prior >> diagram."
            )

    def condition(
        self, observation: Mapping[int, int], *, trace: list[int] | None = None
    ) -> Finite:
        r"""The posterior state of the unobserved output wires given hard evidence
        ``observation`` (wire index -> state), :math:`p(x_R \mid x_O = o)`, by one planned
        contraction with point factors on the observed wires. Raises
        :class:`~catlearn.errors.ZeroEvidenceError` when :math:`p(o) = 0`."""
        self._state("condition")
        n = len(self.cod_labels)
        extra = []
        for i, s in observation.items():
            if not 0 <= int(i) < n:
                raise SupportError(f"Expected an output wire in 0..{n - 1}, got {i!r}.")
            k = self.cards[self.cod_labels[i]]
            if not 0 <= int(s) < k:
                raise SupportError(f"Expected a state of wire {i} in 0..{k - 1}, got {s!r}.")
            extra.append((np.eye(k)[int(s)], (self.cod_labels[i],)))
        rest = [i for i in range(n) if i not in observation]
        un = self.contract([self.cod_labels[i] for i in rest], extra, trace=trace)
        z = un.sum()
        if not _traced(z) and not float(z) > 0:
            raise ZeroEvidenceError(
                f"The observation {dict(observation)} has probability 0 under {self!r}. "
                f"Expected evidence with positive probability."
            )
        cod = Ty(*(self.cod.inside[i] for i in rest))
        return Finite(jnp.asarray(un / z), Ty(), cod, validate=False)

    def invert(self, prior: Finite, *, trace: list[int] | None = None) -> Finite:
        r"""The Bayesian inverse :math:`f^\dagger_\pi : Y \to X` of this kernel at the state
        ``prior`` on its domain: one planned contraction to :math:`\pi(x) f(y \mid x)` over
        (output, input) wires only, then normalised over :math:`x` (the prior as the row
        of zero-evidence :math:`y`, as :func:`~catlearn.probability.inference.bayes.invert`)."""
        if not isinstance(prior, Finite) or prior.dom != Ty() or prior.cod != self.dom:
            raise TypeMismatch(f"Expected a Finite state on {self.dom}, got {prior!r}.")
        if len(set(self.dom_labels)) != len(self.dom_labels):
            raise TypeMismatch("Expected distinct input wires to invert a lazy kernel.")
        extra = [(prior.array, self.dom_labels)]
        joint = self.contract(self.cod_labels + self.dom_labels, extra, trace=trace)
        ny = len(self.cod_labels)
        ev = joint.sum(axis=tuple(range(ny, joint.ndim)), keepdims=True)
        pi = np.asarray(prior.array).reshape((1,) * ny + tuple(prior.array.shape))
        post = np.where(ev > 0, joint / np.where(ev > 0, ev, 1.0), pi)
        return Finite(jnp.asarray(post), self.cod, self.dom, validate=False)


def _traced(x: Any) -> bool:
    return not isinstance(x, np.ndarray | np.generic | float | int)


def _lazy(x: Any) -> LazyFinite:
    if isinstance(x, LazyFinite):
        return x
    if isinstance(x, Finite):
        return LazyFinite.box(x)
    if isinstance(x, Ty):
        return LazyFinite.id(x)
    raise TypeMismatch(f"Expected a LazyFinite, Finite or Ty, got {x!r}.")


def _execute_traced(plan: Plan, arrays: list[np.ndarray], trace: list[int]) -> np.ndarray:
    """:func:`execute`, recording the size of every table it builds."""
    slots: list[Any] = list(arrays)
    for st in plan.steps:
        ops: list[Any] = []
        for i, s in zip(st.inputs, st.subs):
            ops += [slots[i], s]
        r = np.einsum(*ops, st.out) if ops else np.ones(())
        trace.append(int(r.size))
        slots.append(r)
    last: np.ndarray = slots[-1]
    return last
