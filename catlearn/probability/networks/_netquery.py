r"""Query planning for :class:`~catlearn.probability.networks.bayesnet.BayesNet` (private).

A query signature (query variables, names of the observed variables, names of the softly
observed ones) is planned once:

1. *prune*: keep the ancestors of the query and observed variables (barren nodes go: their
   CPTs sum to one);
2. *slice*: every observed variable becomes an index into the tables that mention it, so it
   leaves the contraction;
3. *split*: the interaction graph of what is left falls into connected components; the
   component of the query variables gives the posterior (d-separation: the others are
   constants), the others and the fully sliced tables give the rest of :math:`P(e)`;
4. *order*: :func:`~catlearn.probability.kernels.contraction.plan_contraction` (min-fill).

Variables are ints (their index in the network's topological order); scopes are
``parents + (v,)``, the layout of the numpy tables ``tables[v][pa..., v]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from catlearn.probability.kernels.contraction import Plan, execute, plan_contraction

__all__: list[str] = []


@dataclass(frozen=True)
class QueryPlan:
    """A planned signature. ``factors`` and ``rest_factors``: ``(source, axes)`` pairs, where
    ``source`` is a variable (its CPT) or ``-1 - k`` (the ``k``-th soft-evidence vector) and
    ``axes`` lists ``(axis, j)``: that axis is sliced at evidence value ``j``. ``scalars``:
    CPTs entirely observed (their entry is a factor of :math:`P(e)`)."""

    query: tuple[int, ...]
    evidence: tuple[int, ...]
    factors: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]
    plan: Plan
    rest_factors: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]
    rest: Plan | None
    scalars: tuple[tuple[int, tuple[int, ...]], ...]
    relevant: int


def ancestor_masks(parents: Sequence[Sequence[int]]) -> list[int]:
    """Bit masks of ``{v} | ancestors(v)`` for variables in topological order."""
    masks: list[int] = []
    for v, ps in enumerate(parents):
        m = 1 << v
        for p in ps:
            m |= masks[p]
        masks.append(m)
    return masks


def make_plan(
    parents: Sequence[tuple[int, ...]],
    cards: Sequence[int],
    masks: Sequence[int],
    query: tuple[int, ...],
    evidence: tuple[int, ...],
    soft: tuple[int, ...] = (),
    *,
    maximize: bool = False,
    budget: int | None = None,
) -> QueryPlan:
    """Plan one signature (see the module docstring). ``maximize``: max out the query
    variables (MAP) instead of keeping them."""
    m = 0
    for v in query:
        m |= masks[v]
    for v in evidence:
        m |= masks[v]
    for v in soft:
        m |= masks[v]
    ev_pos = {v: j for j, v in enumerate(evidence)}
    rel = [v for v in range(m.bit_length()) if m >> v & 1]
    facs: list[tuple[int, tuple[tuple[int, int], ...], tuple[int, ...]]] = []
    scalars: list[tuple[int, tuple[int, ...]]] = []
    for v in rel:
        scope = (*parents[v], v)
        axes = tuple((a, ev_pos[u]) for a, u in enumerate(scope) if u in ev_pos)
        free = tuple(u for u in scope if u not in ev_pos)
        if free:
            facs.append((v, axes, free))
        else:
            scalars.append((v, tuple(j for _, j in axes)))
    for k, v in enumerate(soft):
        facs.append((-1 - k, (), (v,)))
    # connected components (union-find over free variables; the query variables are joined)
    root: dict[int, int] = {}

    def find(x: int) -> int:
        while root.setdefault(x, x) != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for _, _, free in facs:
        r = find(free[0])
        for u in free[1:]:
            ru = find(u)
            if ru != r:
                root[ru] = r
    for u in query[1:]:
        root[find(u)] = find(query[0])
    qroot = find(query[0]) if query else None
    main: list[Any] = []
    rest: list[Any] = []
    for f in facs:
        (main if qroot is None or find(f[2][0]) == qroot else rest).append(f)
    cd = {v: cards[v] for v in rel}
    out = () if maximize else query
    plan = plan_contraction(
        [f[2] for f in main],
        cd,
        out,
        maximize=query if maximize else (),
        budget=budget,
        validate=False,  # the network's own scopes and cards
    )
    rest_plan = (
        plan_contraction([f[2] for f in rest], cd, (), budget=budget, validate=False)
        if rest
        else None
    )
    return QueryPlan(
        query,
        evidence,
        tuple((f[0], f[1]) for f in main),
        plan,
        tuple((f[0], f[1]) for f in rest),
        rest_plan,
        tuple(scalars),
        len(rel),
    )


def gather(
    factors: Sequence[tuple[int, tuple[tuple[int, int], ...]]],
    tables: Sequence[Any],
    ev: Sequence[Any],
    soft: Sequence[Any] = (),
    xp: Any = np,
) -> list[Any]:
    """The input arrays of a plan: each table sliced at the evidence values ``ev``. With
    ``jax.numpy`` an out-of-range (traced) state gives NaN, never a clamped index (the
    library's traced-path policy, :mod:`catlearn.errors`)."""
    arrays: list[Any] = []
    for v, axes in factors:
        if v < 0:
            arrays.append(soft[-1 - v])
            continue
        t = tables[v]
        if axes:
            idx: list[Any] = [slice(None)] * t.ndim
            for a, j in axes:
                idx[a] = ev[j]
            if xp is np:
                t = t[tuple(idx)]
            else:
                t = t.at[tuple(idx)].get(
                    mode="fill", fill_value=np.nan, wrap_negative_indices=False
                )
        arrays.append(t)
    return arrays


def run(
    qp: QueryPlan,
    tables: Sequence[Any],
    ev: Sequence[Any],
    soft: Sequence[Any] = (),
    xp: Any = np,
    *,
    full_evidence: bool = True,
) -> tuple[Any, Any, Any]:
    """``(unnormalised, z_main, z)``: the query's table :math:`\\propto P(q, e)`, its sum,
    and :math:`P(e)` (times the soft-evidence weights) when ``full_evidence``, else
    ``z_main``. With ``xp=jax.numpy`` this traces (``ev`` may be tracers)."""
    un = execute(qp.plan, gather(qp.factors, tables, ev, soft, xp), xp)
    zm = un.sum()
    if not full_evidence:
        return un, zm, zm
    return un, zm, zm * rest(qp, tables, ev, soft, xp)


def rest(
    qp: QueryPlan, tables: Sequence[Any], ev: Sequence[Any], soft: Sequence[Any] = (), xp: Any = np
) -> Any:
    """The factor of :math:`P(e)` outside the query's component: the other components and
    the fully observed tables (1 when there are none)."""
    z: Any = 1.0
    if qp.rest is not None:
        z = z * execute(qp.rest, gather(qp.rest_factors, tables, ev, soft, xp), xp)
    for v, js in qp.scalars:
        i = tuple(ev[j] for j in js)
        if xp is np:
            z = z * tables[v][i]
        else:
            z = z * tables[v].at[i].get(mode="fill", fill_value=np.nan, wrap_negative_indices=False)
    return z
