r"""The junction tree engine (private; public as
:class:`catlearn.probability.networks.engines.JunctionTree`).

*Build, once per network* (Lauritzen & Spiegelhalter 1988; Koller & Friedman §10.4): the
moral graph is triangulated by a min-fill elimination order
(:func:`~catlearn.probability.kernels.contraction.elimination_order`), the elimination
cliques form a tree (each clique's parent is the clique of the first-eliminated of its other
variables; a clique inside its neighbour is merged into it), every CPT is multiplied into a
clique holding its family, and the contraction plan of every message is made.

*Calibrate, per evidence* (Shafer–Shenoy): the observed states and virtual-evidence
likelihoods are multiplied into their cliques, and the message from clique :math:`i` to its
neighbour :math:`j` is

.. math:: \mu_{i \to j}(S_{ij}) = \sum_{C_i \setminus S_{ij}} \phi_i
    \prod_{k \in N(i) \setminus j} \mu_{k \to i},

normalised (its log-scale kept, so :math:`P(e)` comes back exactly). Messages are computed
when a query first needs them and kept under the evidence on the sender's side of the edge
(all a message depends on), so the marginals of every variable cost one calibration (at most
:math:`2(|\mathrm{cliques}| - 1)` messages) in all, and messages from evidence-free parts
of the tree serve every query.

*Answer*: the targets' home cliques span a subtree :math:`T` (one clique when one holds them
all); :math:`P(q, e) \propto \sum \prod_{c \in T} \phi_c \prod_{k \notin T} \mu_{k \to T}`,
a contraction planned once per target tuple. No division anywhere.
"""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from catlearn import errors
from catlearn.core.checked import is_concrete
from catlearn.errors import MemoryBudgetError
from catlearn.probability.kernels.contraction import (
    Plan,
    elimination_order,
    execute,
    plan_contraction,
)
from catlearn.probability.networks import _request
from catlearn.probability.networks._elimination import lru_size, remember
from catlearn.probability.networks._request import Network, Query

__all__ = ["JunctionTree"]


_Answer = tuple[list[int], list[tuple[int, int]], Plan]  # subtree cliques, incoming edges, plan


@dataclass
class _Tree:
    """A network's junction tree: ``cliques`` (ascending ids), ``nbrs``, the separator of
    every directed edge, tree ``parent``/``depth`` (rooted at clique 0), the home clique of
    every variable, the initial potentials ``phi``, ``up[i, j]`` the bit mask of the cliques
    on ``i``'s side of the edge, and the caches: message plans, target plans, and messages
    (normalised array, natural-log scale) keyed by the evidence on their side."""

    cliques: list[tuple[int, ...]]
    nbrs: list[list[int]]
    sep: dict[tuple[int, int], tuple[int, ...]]
    parent: list[int]
    depth: list[int]
    home: list[int]
    phi: list[np.ndarray]
    cards: dict[int, int]
    budget: int | None
    up: dict[tuple[int, int], int]
    plans: dict[tuple[int, int], Plan] = field(default_factory=dict)
    answers: OrderedDict[tuple[int, ...], _Answer] = field(default_factory=OrderedDict)
    msgs: OrderedDict[Any, tuple[np.ndarray, float]] = field(default_factory=OrderedDict)


def build(net: Network) -> _Tree:
    """The junction tree of ``net`` (module docstring)."""
    x = net.indexed
    n = len(x.cards)
    cards = dict(enumerate(x.cards))
    families = [(*x.parents[v], v) for v in range(n)]
    order = elimination_order(families, cards, range(n))
    pos = {v: i for i, v in enumerate(order)}
    adj: dict[int, set[int]] = {v: set() for v in range(n)}
    for f in families:
        for v in f:
            adj[v].update(f)
    for v in adj:
        adj[v].discard(v)
    clique: dict[int, frozenset[int]] = {}
    for v in order:
        nb = adj.pop(v)
        clique[v] = frozenset(nb | {v})
        for a in nb:
            adj[a].discard(v)
            adj[a].update(nb - {a})
    parent: dict[int, int | None] = {}
    kids: dict[int, list[int]] = {v: [] for v in order}
    for v in order:
        rest = clique[v] - {v}
        pv = parent[v] = min(rest, key=pos.__getitem__) if rest else None
        if pv is not None:
            kids[pv].append(v)
    into: dict[int, int] = {}
    for y in order:  # merge a clique into a child that holds it (y's parent comes later)
        for ch in kids[y]:
            if clique[y] <= clique[ch]:
                p = parent[y]
                parent[ch] = p
                if p is not None:
                    kids[p] = [ch if k == y else k for k in kids[p]]
                for k in kids[y]:
                    if k != ch:
                        parent[k] = ch
                        kids[ch].append(k)
                into[y] = ch
                break
    alive = [v for v in order if v not in into]
    idx = {v: i for i, v in enumerate(alive)}
    cliques = [tuple(sorted(clique[v])) for v in alive]
    for c in cliques:
        size = math.prod(cards[v] for v in c)
        if net.memory_budget is not None and size > net.memory_budget:
            raise MemoryBudgetError(
                f"Expected every clique of the junction tree to fit the memory budget of "
                f"{net.memory_budget} entries, got a clique of {len(c)} variables and {size} "
                f"entries. Use VariableElimination (it prunes per query) or "
                f"LikelihoodWeighting, or raise the budget if the memory is there."
            )
    nbrs: list[list[int]] = [[] for _ in alive]
    roots = []
    for v in alive:
        p = parent[v]
        if p is None:
            roots.append(idx[v])
        else:
            nbrs[idx[v]].append(idx[p])
            nbrs[idx[p]].append(idx[v])
    for r in roots[1:]:  # one tree: components joined by empty separators
        nbrs[roots[0]].append(r)
        nbrs[r].append(roots[0])
    sep = {}
    for i, ns in enumerate(nbrs):
        for j in ns:
            sep[i, j] = tuple(sorted(set(cliques[i]) & set(cliques[j])))
    tparent, depth = [-1] * len(alive), [0] * len(alive)
    stack, seen = [roots[0]], {roots[0]}
    while stack:
        i = stack.pop()
        for j in nbrs[i]:
            if j not in seen:
                seen.add(j)
                tparent[j], depth[j] = i, depth[i] + 1
                stack.append(j)

    below = [1 << i for i in range(len(alive))]  # subtree masks, leaves first
    for i in sorted(range(len(alive)), key=depth.__getitem__, reverse=True):
        if tparent[i] >= 0:
            below[tparent[i]] |= below[i]
    everything = (1 << len(alive)) - 1
    up = {}
    for i, j in sep:
        up[i, j] = below[i] if tparent[i] == j else everything ^ below[j]

    def resolve(v: int) -> int:
        while v in into:
            v = into[v]
        return idx[v]

    home = [resolve(min(f, key=pos.__getitem__)) for f in families]  # holds the family
    assigned: list[list[int]] = [[] for _ in alive]
    for v in range(n):
        assigned[home[v]].append(v)
    phi = []
    for i, c in enumerate(cliques):
        scopes = [families[v] for v in assigned[i]]
        arrays = [x.tables[v] for v in assigned[i]]
        covered = {u for s in scopes for u in s}
        for u in c:
            if u not in covered:
                scopes.append((u,))
                arrays.append(np.ones(cards[u]))
        phi.append(execute(plan_contraction(scopes, cards, c, budget=None), arrays))
    return _Tree(cliques, nbrs, sep, tparent, depth, home, phi, cards, net.memory_budget, up)


class JunctionTree:
    r"""Exact inference on a junction tree (Lauritzen & Spiegelhalter 1988; Shafer–Shenoy
    messages): built once per network, calibrated per evidence. A message depends only on the
    evidence on its side of the tree, so it is kept under that evidence: every marginal of one
    evidence comes from one calibration, and a query with new evidence recomputes only the
    messages on the paths from the cliques whose evidence changed to its targets (evidence-only
    updates). A query whose targets no clique holds contracts the subtree spanning them.

    Honours ``virtual_evidence``, ``jeffrey_evidence`` and ``return_evidence``; ``jit`` and
    ``tables`` (the JAX path) raise :class:`~catlearn.errors.UnsupportedError`: use
    :class:`VariableElimination` there. Per network it keeps the tree, up to ``messages``
    messages and ``plan_cache`` target plans (bounded LRUs owned by the engine object).
    Cliques are bounded by ``memory_budget`` like every exact plan. It contracts the
    product of *all* tables, so its answers equal variable elimination's (which sums barren
    nodes to 1 unseen) to rounding when every CPT column sums to 1 (see ``normalized()``).

    >>> from catlearn.probability.networks.bayesnet import asia
    >>> net, jt = asia(), JunctionTree()
    >>> ev = {"xray": "yes", "smoke": "yes"}
    >>> [net.query([v], ev, engine=jt).round(3).tolist() for v in ("lung", "tub")]
    [[0.646, 0.354], [0.067, 0.933]]
    >>> jt.cache_info(net)
    {'cliques': 6, 'messages': 6, 'plans': 2}
    """

    options: ClassVar[frozenset[str]] = frozenset(
        {"virtual_evidence", "jeffrey_evidence", "return_evidence"}
    )

    def __init__(self, *, messages: int = 65536, plan_cache: int = 1024) -> None:
        self.messages = lru_size("messages", messages)
        self.plan_cache = lru_size("plan_cache", plan_cache)
        self._nets: weakref.WeakKeyDictionary[Any, _Tree] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"JunctionTree(messages={self.messages}, plan_cache={self.plan_cache})"

    def tree(self, net: Network) -> _Tree:
        """The junction tree of ``net`` (built on first use, kept while ``net`` lives)."""
        t = self._nets.get(net)
        if t is None or t.budget != net.memory_budget:
            t = self._nets[net] = build(net)
        return t

    def cliques(self, net: Network) -> list[tuple[str, ...]]:
        """The cliques of ``net``'s junction tree, by name.

        >>> from catlearn.probability.networks.bayesnet import sprinkler
        >>> JunctionTree().cliques(sprinkler())
        [('Cloudy', 'Rain', 'Sprinkler'), ('Rain', 'Sprinkler', 'WetGrass')]
        """
        return [tuple(net.variables[v] for v in c) for c in self.tree(net).cliques]

    def cache_info(self, net: Network) -> dict[str, int]:
        """The number of cliques, messages and target plans kept for ``net``."""
        t = self.tree(net)
        return {"cliques": len(t.cliques), "messages": len(t.msgs), "plans": len(t.answers)}

    def clear(self, net: Network | None = None) -> None:
        """Forget the tree, messages and plans of ``net`` (of every network: ``None``)."""
        if net is None:
            self._nets.clear()
        else:
            self._nets.pop(net, None)

    def query(self, net: Network, q: Query, *, return_evidence: bool = False) -> Any:
        """The posterior of ``q.targets`` (float64), with :math:`P(e)` when
        ``return_evidence``."""
        if not is_concrete(q.states, q.likelihoods):
            raise errors.UnsupportedError(
                "Expected concrete evidence for JunctionTree (numpy float64), got traced "
                "values; use VariableElimination (the exact JAX path) under jit."
            )
        t = self.tree(net)
        ev = _Evidence(t, q)
        nodes, inc, plan = self._target_plan(t, q.targets)
        messages = self._messages(net, t, ev, q, inc)
        post, zs, scale = _contract(plan, [ev.phi(i) for i in nodes], messages, net, q)
        return (post, zs * math.exp(scale)) if return_evidence else post

    def _messages(
        self, net: Network, t: _Tree, ev: _Evidence, q: Query, want: Sequence[tuple[int, int]]
    ) -> list[tuple[np.ndarray, float]]:
        """The messages ``want``, computing those not kept (and those they need, post-order,
        no recursion); each kept under the evidence on its side."""
        todo: list[tuple[int, int]] = []
        have: dict[Any, tuple[np.ndarray, float]] = {}  # this query's messages, by key
        stack = [(i, j, False) for i, j in want]
        while stack:
            i, j, ready = stack.pop()
            key = ev.key(i, j)
            if key in have:
                continue
            hit = t.msgs.get(key)
            if hit is not None:
                t.msgs.move_to_end(key)
                have[key] = hit
                continue
            if ready:
                todo.append((i, j))
                continue
            stack.append((i, j, True))
            stack.extend((k, i, False) for k in t.nbrs[i] if k != j)
        fresh: dict[Any, tuple[np.ndarray, float]] = {}
        for i, j in todo:
            key = ev.key(i, j)
            if key in have:
                continue
            ins = [k for k in t.nbrs[i] if k != j]
            plan = t.plans.get((i, j))
            if plan is None:
                scopes = [t.cliques[i], *(t.sep[k, i] for k in ins)]
                plan = t.plans[i, j] = plan_contraction(
                    scopes, t.cards, t.sep[i, j], budget=t.budget
                )
            messages = (have[ev.key(k, i)] for k in ins)
            m, z, scale = _contract(plan, [ev.phi(i)], messages, net, q)
            have[key] = fresh[key] = (m, scale + math.log(z))
        for key, val in fresh.items():
            remember(t.msgs, key, val, self.messages)
        return [have[ev.key(i, j)] for i, j in want]

    def _target_plan(self, t: _Tree, targets: tuple[int, ...]) -> _Answer:
        """``(subtree cliques, incoming edges, plan)`` answering ``targets``."""
        hit = t.answers.get(targets)
        if hit is not None:
            t.answers.move_to_end(targets)
            return hit
        common = None
        for v in targets:
            holds = {i for i, c in enumerate(t.cliques) if v in c}
            common = holds if common is None else common & holds
        if common:
            nodes = {min(common, key=lambda i: t.phi[i].size)}
        else:
            homes = {t.home[v] for v in targets} or {0}
            nodes = set(homes)
            top = min(homes, key=t.depth.__getitem__)
            for h in homes:  # climb to a common ancestor: the paths span the subtree
                a, b = h, top
                while a != b:
                    if t.depth[a] >= t.depth[b]:
                        a = t.parent[a]
                    else:
                        b = t.parent[b]
                    nodes.update((a, b))
                top = a
        nodes_l = sorted(nodes)
        inc = [(k, i) for i in nodes_l for k in t.nbrs[i] if k not in nodes]
        scopes = [t.cliques[i] for i in nodes_l] + [t.sep[e] for e in inc]
        plan = plan_contraction(scopes, t.cards, targets, budget=t.budget)
        return remember(t.answers, targets, (nodes_l, inc, plan), self.plan_cache)


class _Evidence:
    """One query's evidence on the tree: ``items`` ``(home clique, id, state or likelihood
    bytes)``, the clique potentials it changes (made when first asked) and message keys."""

    def __init__(self, t: _Tree, q: Query) -> None:
        self.t = t
        hard = [(t.home[v], v, int(s)) for v, s in zip(q.evidence, q.states)]
        lams = [np.asarray(lam, np.float64) for lam in q.likelihoods]
        soft = [(t.home[v], v, lam.tobytes()) for v, lam in zip(q.soft, lams)]
        self.items = hard + soft
        self.mask = 0
        for h, _, _ in self.items:
            self.mask |= 1 << h
        self.factors: list[tuple[int, int, int | None, np.ndarray | None]] = [
            (h, v, s, None) for h, v, s in hard
        ]
        self.factors += [(h, v, None, lam) for (h, v, _), lam in zip(soft, lams)]
        self.made: dict[int, np.ndarray] = {}

    def key(self, i: int, j: int) -> tuple[Any, ...]:
        m = self.t.up[i, j]
        if not m & self.mask:
            return (i, j)
        return (i, j, *(it for it in self.items if m >> it[0] & 1))

    def phi(self, i: int) -> np.ndarray:
        t = self.t
        if not self.mask >> i & 1:
            return t.phi[i]
        p = self.made.get(i)
        if p is None:
            p = t.phi[i]
            c = t.cliques[i]
            for h, v, s, lam in self.factors:
                if h == i:
                    shape = [1] * len(c)
                    shape[c.index(v)] = t.cards[v]
                    if lam is None:
                        lam = np.zeros(t.cards[v])
                        lam[s] = 1.0
                    p = p * lam.reshape(shape)
            self.made[i] = p
        return p


def _contract(
    plan: Any, arrays: list[Any], messages: Iterable[tuple[Any, float]], net: Any, q: Any
) -> tuple[Any, float, float]:
    """Contract ``plan`` over ``arrays`` and the scaled ``messages`` (``(array, log scale)``
    pairs): the normalised result, its sum before normalising and the messages' total log
    scale. A zero sum is the request's zero-evidence error."""
    scale = 0.0
    for m, s in messages:
        arrays.append(m)
        scale += s
    out = execute(plan, arrays)
    z = out.sum()
    if not z > 0:
        raise _request.zero(net, q)
    return out / z, float(z), scale
