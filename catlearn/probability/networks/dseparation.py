r"""d-separation in a DAG: the graphical test of conditional independence (Pearl; Lauritzen,
Dawid, Larsen, Leimer, *Independence properties of directed Markov fields*).

Sets :math:`X` and :math:`Y` are **d-separated** by :math:`Z` in a DAG when every path between
them is blocked: it passes through a chain :math:`\to v \to` or fork :math:`\leftarrow v \to`
with :math:`v \in Z`, or through a collider :math:`\to v \leftarrow` such that neither
:math:`v` nor any descendant of :math:`v` is in :math:`Z`. Equivalently (Lauritzen et al.,
Prop. 3), :math:`X` and :math:`Y` are separated by :math:`Z` in the *moral graph of the
ancestral set* of :math:`X \cup Y \cup Z`: keep the ancestors, marry the parents of every
node, drop directions, delete :math:`Z`, and look for a path. That is what
:func:`d_separated` computes, in time linear in the size of the ancestral subgraph (plus the
married pairs).

Soundness: in every distribution that factorises along the DAG (a
:class:`~catlearn.probability.networks.bayesnet.BayesNet`, whatever its tables),
d-separation implies :math:`X \perp Y \mid Z` of the joint
(:func:`~catlearn.probability.kernels.predicates.conditionally_independent`); the converse
holds for almost every choice of tables. ``tests/test_dseparation.py`` checks the first on
random networks.

>>> import networkx as nx
>>> g = nx.DiGraph([("rain", "wet"), ("sprinkler", "wet"), ("wet", "slippery")])
>>> d_separated(g, "rain", "sprinkler"), d_separated(g, "rain", "sprinkler", given="slippery")
(True, False)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import networkx as nx

from catlearn.errors import ArgumentTypeError, ArgumentValueError, SupportError

__all__ = ["d_separated"]


def _nodes(graph: nx.DiGraph, spec: Any, what: str) -> set[Hashable]:
    """A node or an iterable of nodes of ``graph`` as a set, or a typed error."""
    if isinstance(spec, str | bytes) or not isinstance(spec, Iterable):
        spec = [spec]
    out = set()
    for v in spec:
        try:
            known = v in graph
        except TypeError:  # unhashable
            known = False
        if not known:
            raise SupportError(
                f"Expected {what} as variables of the network (one of "
                f"{sorted(map(str, graph.nodes))}), got {v!r}; name nodes of the DAG."
            )
        out.add(v)
    return out


def d_separated(
    graph: nx.DiGraph,
    x: Hashable | Iterable[Hashable],
    y: Hashable | Iterable[Hashable],
    given: Hashable | Iterable[Hashable] = (),
) -> bool:
    r"""Whether ``x`` and ``y`` are d-separated by ``given`` in the DAG ``graph``.

    ``x``, ``y`` and ``given`` are each a node or an iterable of nodes; ``x`` and ``y`` must
    be non-empty, and the three sets disjoint (else
    :class:`~catlearn.errors.ArgumentValueError`). Computed as separation in the moral graph
    of the ancestral set of :math:`X \cup Y \cup Z` with :math:`Z` removed (module docstring).

    >>> import networkx as nx
    >>> chain = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> d_separated(chain, "a", "c"), d_separated(chain, "a", "c", given="b")
    (False, True)
    """
    if not isinstance(graph, nx.DiGraph):
        raise ArgumentTypeError(
            f"Expected the DAG as a networkx.DiGraph, got {type(graph).__name__}; pass "
            "BayesNet.graph or call BayesNet.d_separated."
        )
    xs, ys, zs = _nodes(graph, x, "x"), _nodes(graph, y, "y"), _nodes(graph, given, "given")
    if not xs or not ys:
        raise ArgumentValueError(
            f"Expected at least one variable in x and in y, got x={x!r}, y={y!r}."
        )
    if xs & ys or xs & zs or ys & zs:
        raise ArgumentValueError(
            f"Expected disjoint sets x, y and given, got x={x!r}, y={y!r}, given={given!r}; "
            "a variable may be in one of them only."
        )
    keep, stack = xs | ys | zs, [*xs, *ys, *zs]
    while stack:  # the ancestral set, by one backward search
        for p in graph.predecessors(stack.pop()):
            if p not in keep:
                keep.add(p)
                stack.append(p)
    moral = nx.Graph()
    moral.add_nodes_from(keep)
    for v in keep:
        parents = list(graph.predecessors(v))  # all in keep: ancestors of an ancestor
        moral.add_edges_from((p, v) for p in parents)
        moral.add_edges_from(
            (p, q) for i, p in enumerate(parents) for q in parents[i + 1 :]
        )  # marry the parents
    moral.remove_nodes_from(zs)
    seen, frontier = set(xs), list(xs)
    while frontier:  # breadth-first search from X, avoiding Z
        v = frontier.pop()
        for w in moral.neighbors(v):
            if w in ys:
                return False
            if w not in seen:
                seen.add(w)
                frontier.append(w)
    return True
