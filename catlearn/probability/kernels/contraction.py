r"""Planned contraction of a network of finite factors (variable elimination).

A string diagram of :class:`~catlearn.probability.kernels.markov.Finite` kernels, with copies and
discards, *is* a tensor network: every box is a table indexed by its wires, a copied wire is a
shared index, a discarded wire is summed. Evaluating the diagram, or a query on it, is the
contraction

.. math:: T(o) = \sum_{x \notin o} \prod_f \phi_f(x_{\mathrm{scope}(f)}).

The cost of a contraction depends on the *order* in which the hidden indices are summed out.
:func:`plan_contraction` picks that order the way variable-elimination engines do (Dechter,
*Bucket elimination*; Kjærulff 1990 for the min-fill heuristic; Koller & Friedman,
*Probabilistic Graphical Models* §9.4): greedily eliminate the index whose elimination adds
the fewest fill-in edges to the interaction graph (ties: the smallest clique weight), and
multiply only the factors that mention it. The result is a :class:`Plan`, a list of small
einsums, and its bound ``Plan.max_size`` on the largest table any step touches; a plan
over a memory budget raises :class:`~catlearn.errors.MemoryBudgetError` *before* anything is
computed.

A plan is data, independent of the arrays: :func:`execute` runs it with numpy (float64,
no JAX dispatch: the fast path for one concrete query) or with ``jax.numpy`` (inside ``jit``,
``vmap`` and ``grad``). ``op="max"`` eliminations give max-product (MAP/MPE) with the
arg-max tables kept for decoding (:func:`decode`).

>>> import numpy as np
>>> a, b = np.array([0.3, 0.7]), np.array([[0.9, 0.1], [0.2, 0.8]])
>>> plan = plan_contraction([(0,), (0, 1)], {0: 2, 1: 2}, output=(1,))
>>> print(plan)
Plan: 2 factors -> (1,), 1 eliminations, largest table 4 entries
  sum 0: [(0,), (0, 1)] -> (1,)
  final: [(1,)] -> (1,)
>>> execute(plan, [a, b]).round(2).tolist()
[0.41, 0.59]
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import is_concrete
from catlearn.errors import MemoryBudgetError

__all__ = [
    "DEFAULT_BUDGET",
    "FactorNetwork",
    "Plan",
    "Step",
    "decode",
    "execute",
    "plan_contraction",
]

DEFAULT_BUDGET = 1 << 27  #: largest table a plan may touch, in entries (1 GiB of float64)
PAIRWISE = 1 << 12  #: steps spanning more entries than this multiply their tables pairwise
_BLAS = 1 << 12  # numpy steps with a table larger than this go through tensordot (BLAS)


@dataclass(frozen=True)
class Step:
    """One elimination: multiply the tables in ``inputs`` (slots) and sum (or max) out
    ``var``. ``subs`` are the inputs' axis labels and ``out`` the result's, local to the step
    (small ints, as ``np.einsum``'s sublist format wants); ``scope`` is the result's global
    labels and ``union`` the global labels of the product before the elimination."""

    inputs: tuple[int, ...]
    subs: tuple[tuple[int, ...], ...]
    out: tuple[int, ...]
    scope: tuple[Any, ...]
    union: tuple[Any, ...]
    var: Any
    op: str = "sum"


@dataclass(frozen=True)
class Plan:
    """A contraction plan: ``steps`` in order, each adding one slot after the ``n_inputs``
    input slots; the last slot holds the result, with axes ``output``. ``max_size`` is the
    largest product table (entries) any step spans, ``cost`` the sum of those sizes.

    >>> plan = plan_contraction([(0, 1), (1, 2)], {0: 2, 1: 3, 2: 2}, output=(0,))
    >>> plan.n_inputs, plan.order, plan.max_size, plan.output
    (2, (2, 1), 6, (0,))
    >>> print(plan.relabel({0: "a", 1: "b", 2: "c"}))
    Plan: 2 factors -> ('a',), 2 eliminations, largest table 6 entries
      sum c: [('b', 'c')] -> ('b',)
      sum b: [('a', 'b'), ('b',)] -> ('a',)
      final: [('a',)] -> ('a',)
    """

    n_inputs: int
    scopes: tuple[tuple[Any, ...], ...]
    steps: tuple[Step, ...]
    output: tuple[Any, ...]
    max_size: int
    cost: int
    order: tuple[Any, ...] = field(default=())

    def __str__(self) -> str:
        lines = [
            f"Plan: {self.n_inputs} factors -> {self.output}, {len(self.order)} eliminations, "
            f"largest table {self.max_size} entries"
        ]
        for s in self.steps:
            ins = [self._scope_of(i) for i in s.inputs]
            what = f"{s.op} {s.var}" if s.var is not None else s.op.replace("sum", "final")
            lines.append(f"  {what}: {ins} -> {s.scope}")
        return "\n".join(lines)

    def relabel(self, names: Any) -> Plan:
        """The same plan with every label ``v`` shown as ``names[v]`` (for printing)."""

        def r(t: Sequence[Any]) -> tuple[Any, ...]:
            return tuple(names[v] for v in t)

        steps = tuple(
            Step(s.inputs, s.subs, s.out, r(s.scope), r(s.union),
                 None if s.var is None else names[s.var], s.op)
            for s in self.steps
        )  # fmt: skip
        return Plan(
            self.n_inputs, tuple(r(s) for s in self.scopes), steps, r(self.output),
            self.max_size, self.cost, r(self.order),
        )  # fmt: skip

    def _scope_of(self, slot: int) -> tuple[Any, ...]:
        if slot < self.n_inputs:
            return self.scopes[slot]
        return self.steps[slot - self.n_inputs].scope


def elimination_order(
    scopes: Sequence[Sequence[Any]],
    cards: Mapping[Any, int],
    eliminate: Collection[Any],
    *,
    heuristic: str = "min_fill",
    last: Collection[Any] = (),
) -> list[Any]:
    """A greedy elimination order of ``eliminate`` over the interaction graph of ``scopes``.

    ``heuristic="min_fill"`` (fewest fill-in edges, ties by clique weight) or
    ``"min_weight"`` (smallest product of the cards of the index and its neighbours).
    Indices in ``last`` are eliminated after all the others (constrained orders, e.g. sums
    before maxes in marginal MAP). A lazy heap keeps each step ``O(deg^2 log n)``.
    """
    adj: dict[Any, set[Any]] = {}
    for s in scopes:
        for v in s:
            nb = adj.setdefault(v, set())
            nb.update(s)
    for v, nb in adj.items():
        nb.discard(v)
    todo = set(eliminate)
    late = set(last) & todo
    fill = heuristic == "min_fill"

    def score(x: Any) -> tuple[int, int, int]:
        nb = adj[x]
        w = cards[x]
        for n in nb:
            w *= cards[n]
        f = 0
        if fill and len(nb) > 1:
            nbl = list(nb)
            for i, a in enumerate(nbl):
                aa = adj[a]
                for b in nbl[i + 1 :]:
                    if b not in aa:
                        f += 1
        return (x in late, f, w) if fill else (x in late, w, 0)

    heap: list[Any] = []
    version: dict[Any, int] = {}
    for i, x in enumerate(todo):
        version[x] = 0
        heap.append((*score(x), i, x, 0))
    heapq.heapify(heap)
    order: list[Any] = []
    tick = len(heap)
    while heap:
        *_, x, ver = heapq.heappop(heap)
        if x not in todo or version[x] != ver:
            continue
        todo.discard(x)
        order.append(x)
        nb = adj.pop(x)
        for a in nb:
            aa = adj[a]
            aa.discard(x)
            aa.update(nb)
            aa.discard(a)
        touched = set(nb)
        if fill:
            for a in nb:
                touched |= adj[a]
        for y in touched:
            if y in todo:
                version[y] += 1
                tick += 1
                heapq.heappush(heap, (*score(y), tick, y, version[y]))
    return order


def _check_scopes(
    scopes: Any, cards: Any, output: Any
) -> tuple[tuple[tuple[Any, ...], ...], tuple[Any, ...]]:
    """``(scopes, output)`` as tuples of hashable labels, each with a positive int card."""

    def labels(x: Any, what: str) -> tuple[Any, ...]:
        if isinstance(x, str | bytes) or not isinstance(x, Sequence):
            raise errors.ArgumentTypeError(
                f"Expected {what} as a sequence of axis labels, got {type(x).__name__} "
                f"({x!r:.60}); pass e.g. ('a', 'b')."
            )
        return tuple(x)

    if not isinstance(cards, Mapping):
        raise errors.ArgumentTypeError(
            f"Expected cards as a mapping {{label: size}}, got {type(cards).__name__}."
        )
    out = tuple(labels(s, "a factor's scope") for s in labels(scopes, "the scopes"))
    keep = labels(output, "the output")
    for v in {v for s in out for v in s} | set(keep) if _hashable(out, keep) else ():
        c = cards.get(v)
        if isinstance(c, bool) or not isinstance(c, int | np.integer) or c < 1:
            raise errors.ArgumentValueError(
                f"Expected a positive int card for the label {v!r}, got {c!r:.40}; add it to cards."
            )
    return out, keep


def _hashable(scopes: tuple[Any, ...], keep: tuple[Any, ...]) -> bool:
    try:
        hash((scopes, keep))
    except TypeError:
        raise errors.ArgumentTypeError(
            "Expected hashable axis labels (strings, ints) in the scopes and output."
        ) from None
    return True


def plan_contraction(
    scopes: Sequence[Sequence[Any]],
    cards: Mapping[Any, int],
    output: Sequence[Any] = (),
    *,
    maximize: Collection[Any] = (),
    heuristic: str = "min_fill",
    budget: int | None = DEFAULT_BUDGET,
    order: Sequence[Any] | None = None,
    validate: bool = True,
) -> Plan:
    """Plan the contraction of factors with axis labels ``scopes`` down to ``output``.

    Every label not in ``output`` is summed out, except those in ``maximize``, which are
    maxed out after all sums (max-product; :func:`decode` recovers their arg-max). ``order``
    overrides the heuristic. Raises :class:`~catlearn.errors.MemoryBudgetError` when a step
    would span more than ``budget`` entries (``None``: no limit). ``validate=False`` skips the
    checks of the labels and cards (for scopes already known to be sequences of hashable
    labels, each with a positive int card: a network's own query plans).

    >>> p = plan_contraction([(0, 1), (1, 2), (2, 3)], {0: 2, 1: 3, 2: 3, 3: 2}, (0,))
    >>> p.order, p.max_size
    ((3, 2, 1), 9)
    """
    if validate:
        tscopes, keep = _check_scopes(scopes, cards, output)
    else:
        tscopes, keep = tuple(tuple(s) for s in scopes), tuple(output)
    hidden = {v for s in tscopes for v in s} - set(keep)
    if order is None:
        order = elimination_order(tscopes, cards, hidden, heuristic=heuristic, last=maximize)
    maxed = set(maximize)
    slots: dict[int, tuple[Any, ...]] = dict(enumerate(tscopes))
    where: dict[Any, set[int]] = {}
    for i, s in enumerate(tscopes):
        for v in s:
            where.setdefault(v, set()).add(i)
    steps: list[Step] = []
    n = len(tscopes)
    max_size = cost = 1
    for x in order:
        ins = tuple(sorted(where.pop(x, ())))
        if not ins:
            continue
        union: list[Any] = []
        for i in ins:
            for v in slots[i]:
                if v not in union:
                    union.append(v)
        scope = tuple(v for v in union if v != x)
        size = 1
        for v in union:
            size *= cards[v]
        if budget is not None and size > budget:
            raise MemoryBudgetError(
                f"Expected every step of the contraction to fit the memory budget of {budget} "
                f"entries, but eliminating {x!r} spans {size} entries (a clique of "
                f"{len(union)} variables; treewidth too large for exact inference). Use "
                f'approximate inference (e.g. BayesNet.query(..., method="sampling")), or '
                f"raise the budget if the memory is there."
            )
        max_size, cost = max(max_size, size), cost + size
        op = "max" if x in maxed else "sum"
        if len(ins) > 2 and size > PAIRWISE:
            # a big step: multiply the smallest tables first (pairwise), eliminate x last
            ins = tuple(sorted(ins, key=lambda i: _size(slots[i], cards)))
            cur, tmp = ins[0], []
            for i in ins[1:]:
                u = list(slots[cur]) + [v for v in slots[i] if v not in slots[cur]]
                if i == ins[-1]:
                    steps.append(_step((cur, i), slots, u, scope, x, op))
                else:
                    steps.append(_step((cur, i), slots, u, tuple(u), None, "prod"))
                    cur = n + len(steps) - 1
                    slots[cur] = tuple(u)
                    tmp.append(cur)
            for i in tmp:
                del slots[i]
        else:
            steps.append(_step(ins, slots, union, scope, x, op))
        new = n + len(steps) - 1
        for i in ins:
            for v in slots.pop(i):
                if v != x:
                    where[v].discard(i)
        for v in scope:
            where[v].add(new)
        slots[new] = scope
    rest = tuple(sorted(slots))
    size = 1
    for v in keep:
        size *= cards[v]
    max_size = max(max_size, size)
    steps.append(_step(rest, slots, list(keep), keep, None, "sum"))
    return Plan(n, tscopes, tuple(steps), keep, max_size, cost + size, tuple(order))


def _size(scope: Sequence[Any], cards: Mapping[Any, int]) -> int:
    size = 1
    for v in scope:
        size *= cards[v]
    return size


def _step(
    ins: tuple[int, ...],
    slots: Mapping[int, tuple[Any, ...]],
    union: list[Any],
    scope: tuple[Any, ...],
    var: Any,
    op: str,
) -> Step:
    local = {v: j for j, v in enumerate(union)}
    subs = tuple(tuple(local[v] for v in slots[i]) for i in ins)
    out = tuple(local[v] for v in (union if op == "max" else scope))
    return Step(ins, subs, out, scope, tuple(union), var, op)


def execute(
    plan: Plan,
    arrays: Sequence[Any],
    xp: Any = np,
    *,
    keep: list[Any] | None = None,
    trace: list[int] | None = None,
) -> Any:
    """Run ``plan`` on ``arrays`` (one per input scope, axes in scope order) with the array
    module ``xp`` (``numpy`` or ``jax.numpy``). Max steps keep their product table in
    ``keep`` (a list, when given) for :func:`decode`; the size of every table a step builds
    is appended to ``trace`` (a list, when given).

    >>> plan = plan_contraction([(0,), (0,)], {0: 3}, maximize=(0,))
    >>> float(execute(plan, [np.array([0.2, 0.5, 0.3]), np.array([1.0, 0.5, 1.0])]))
    0.3
    """
    slots = list(arrays)
    for st in plan.steps:
        ops: list[Any] = []
        for i, s in zip(st.inputs, st.subs):
            ops.append(slots[i])
            ops.append(s)
            if i >= plan.n_inputs:
                slots[i] = None  # free intermediates as soon as they are used
        if not ops:
            r = xp.ones(())
        elif len(ops) == 2 and tuple(ops[1]) == st.out:
            r = ops[0]
        elif xp is np and any(o.size > _BLAS for o in ops[::2]):
            r = np.einsum(*ops, st.out, optimize=True)  # tensordot: BLAS, never the product
        else:
            r = xp.einsum(*ops, st.out)
        if st.op == "max":
            if keep is not None:
                keep.append(r)
            r = r.max(axis=st.union.index(st.var))
        if trace is not None:
            trace.append(int(r.size))
        slots.append(r)
    return slots[-1]


def decode(
    plan: Plan, tables: Sequence[Any], fixed: Mapping[Any, int] | None = None
) -> dict[Any, int]:
    """The arg-max assignment of the maxed labels of ``plan``, from the product ``tables``
    that :func:`execute` kept (in step order), backwards: each maxed label takes the
    arg-max of its table given the labels decoded after it (ties: the first state).

    >>> plan = plan_contraction([(0,), (0, 1)], {0: 2, 1: 2}, maximize=(0, 1))
    >>> kept = []
    >>> _ = execute(plan, [np.array([0.4, 0.6]), np.array([[0.9, 0.1], [0.3, 0.7]])], keep=kept)
    >>> decode(plan, kept)
    {0: 1, 1: 1}
    """
    out = dict(fixed or {})
    maxes = [s for s in plan.steps if s.op == "max"]
    for st, t in zip(reversed(maxes), reversed(list(tables))):
        t = np.asarray(t)
        idx = tuple(slice(None) if v == st.var else out[v] for v in st.union)
        out[st.var] = int(np.argmax(t[idx]))
    return dict(sorted(out.items(), key=str))


# --- a network with open wires ------------------------------------------------------------------


@dataclass(frozen=True)
class FactorNetwork:
    """A tensor network of finite factors with open wires: the value a composite
    :class:`~catlearn.probability.kernels.markov.Finite` kernel is (:meth:`Finite.network()
    <catlearn.probability.kernels.markov.Finite.network>`). ``factors`` are ``(array,
    labels)`` pairs, ``dom`` and ``cod`` the labels of the input and output wires (a label
    repeated in ``cod`` is a copied wire, a label in no wire is summed out) and ``cards[label]``
    the size of each label. Questions asked of it are contractions planned by
    :func:`plan_contraction`, whose ``Plan.max_size`` bounds every table built.

    >>> net = FactorNetwork(((np.array([0.3, 0.7]), (0,)), (np.eye(2)[::-1], (0, 1))), (), (1,), (2, 2))
    >>> net.contract((1,)).tolist()
    [0.7, 0.3]
    """

    factors: tuple[tuple[Any, tuple[int, ...]], ...]
    dom: tuple[int, ...]
    cod: tuple[int, ...]
    cards: tuple[int, ...]

    def plan(
        self,
        output: Sequence[int],
        extra: Sequence[tuple[int, ...]] = (),
        budget: int | None = None,
    ) -> tuple[Plan, list[tuple[int, int]]]:
        """The contraction plan down to the labels ``output`` (``extra`` factor scopes
        appended after the network's own; a label repeated in ``output`` gets a copy factor
        (an identity matrix), listed after them, and is returned in the copies)."""
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
        return plan_contraction(scopes, cards, tuple(out), budget=budget), copies

    def contract(
        self,
        output: Sequence[int],
        extra: Sequence[tuple[Any, tuple[int, ...]]] = (),
        *,
        trace: list[int] | None = None,
        budget: int | None = None,
    ) -> Any:
        """The network (times the ``extra`` factors) contracted down to the labels ``output``:
        numpy in float64 when every array is concrete (one query, no compilation), else
        ``jax.numpy`` (under ``jit``, ``vmap`` and ``grad``). The size of every table built is
        appended to ``trace`` when given (numpy only). ``budget`` bounds the product a step
        spans (:func:`plan_contraction`); by default there is none, as for ``numpy.einsum``:
        a kernel composite computes what is asked of it (``f >> g`` of two 1000-state kernels
        spans 10⁹ products and builds only the 10⁶-entry answer)."""
        plan, copies = self.plan(output, [lb for _, lb in extra], budget)
        arrays = [f for f, _ in self.factors] + [f for f, _ in extra]
        if not is_concrete(*arrays):
            arrays += [jnp.eye(self.cards[a]) for a, _ in copies]
            return execute(plan, [jnp.asarray(a) for a in arrays], jnp)
        arrays_np = [np.asarray(a, dtype=np.float64) for a in arrays]
        arrays_np += [np.eye(self.cards[a]) for a, _ in copies]
        return execute(plan, arrays_np, trace=trace)
