"""d-separation on BayesNet DAGs (Pearl; Lauritzen et al.): the four blocking rules by hand,
and soundness against the exact joint: on random networks with random tables, d-separation
implies numerical conditional independence (float64), and agrees with networkx's own test."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catlearn.errors import ArgumentTypeError, ArgumentValueError, SupportError
from catlearn.probability.kernels import conditionally_independent
from catlearn.probability.networks import CPT, BayesNet, d_separated
from catlearn.probability.networks.bayesnet import asia, sprinkler


def test_chain_fork_collider_by_hand():
    chain = nx.DiGraph([("a", "b"), ("b", "c")])
    assert not d_separated(chain, "a", "c")
    assert d_separated(chain, "a", "c", given="b")
    fork = nx.DiGraph([("b", "a"), ("b", "c")])
    assert not d_separated(fork, "a", "c")
    assert d_separated(fork, "a", "c", given=["b"])
    collider = nx.DiGraph([("a", "b"), ("c", "b")])
    assert d_separated(collider, "a", "c")
    assert not d_separated(collider, "a", "c", given="b")  # explaining away


def test_descendant_of_a_collider_opens_the_path():
    g = nx.DiGraph([("a", "b"), ("c", "b"), ("b", "d"), ("d", "e")])
    assert d_separated(g, "a", "c")
    assert not d_separated(g, "a", "c", given="e")  # a descendant of the collider b
    assert d_separated(g, "a", "c", given=[])
    # a second path a -> f -> c: open until f is given, whatever e does to the first
    g.add_edges_from([("a", "f"), ("f", "c")])
    assert not d_separated(g, "a", "c", given=["f", "e"])
    assert d_separated(g, "a", "c", given=["f"])


def test_sets_and_the_network_method():
    net = sprinkler()  # Cloudy -> Sprinkler, Rain -> WetGrass
    assert net.d_separated("Sprinkler", "Rain", given="Cloudy")
    assert not net.d_separated("Sprinkler", "Rain", given=["Cloudy", "WetGrass"])
    assert net.d_separated("Cloudy", "WetGrass", given=["Sprinkler", "Rain"])
    assert net.d_separated(["Cloudy"], ["WetGrass"], given={"Sprinkler", "Rain"})
    a = asia()
    assert a.d_separated("asia", "smoke")
    assert not a.d_separated("asia", "smoke", given="xray")  # descendant of the collider either
    assert a.d_separated(["asia", "tub"], ["smoke", "lung", "bronc"], given=[])


def test_typed_errors():
    net = sprinkler()
    with pytest.raises(SupportError, match="Expected x as variables"):
        net.d_separated("Nope", "Rain")
    with pytest.raises(SupportError, match="given"):
        net.d_separated("Sprinkler", "Rain", given=[["unhashable"]])
    with pytest.raises(ArgumentValueError, match="disjoint"):
        net.d_separated("Sprinkler", "Rain", given="Rain")
    with pytest.raises(ArgumentValueError, match="at least one"):
        net.d_separated([], "Rain")
    with pytest.raises(ArgumentTypeError, match="DiGraph"):
        d_separated([("a", "b")], "a", "b")


def random_net(seed: int) -> tuple[BayesNet, np.random.Generator]:
    """A random DAG on 2-5 nodes (edge probability 0.45 along a random order) with cards 2-3
    and Dirichlet(1) tables."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 6))
    names = [f"v{i}" for i in rng.permutation(n)]
    edges = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.45]
    g = nx.DiGraph(edges)
    g.add_nodes_from(names)
    cards = {v: int(rng.integers(2, 4)) for v in names}
    cpds = {}
    for v in names:
        pa = sorted(g.predecessors(v))
        cols = int(np.prod([cards[p] for p in pa], dtype=int))
        vals = rng.dirichlet(np.ones(cards[v]), cols).T
        cpds[v] = CPT(vals, evidence=pa) if pa else CPT(vals[:, 0])
    return BayesNet(g, cpds), rng


def triples(net: BayesNet, rng: np.random.Generator):
    """Every pair of variables, with a random subset of the others as the given set."""
    for a, b in itertools.combinations(net.variables, 2):
        rest = [v for v in net.variables if v not in (a, b)]
        yield a, b, [v for v in rest if rng.random() < 0.5]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 2**31 - 1))
def test_d_separation_implies_independence_x64(x64, seed):
    net, rng = random_net(seed)
    joint, ids = net.joint(), {v: i for i, v in enumerate(net.variables)}
    for a, b, z in triples(net, rng):
        sep = net.d_separated(a, b, given=z)
        assert sep == nx.is_d_separator(net.graph, {a}, {b}, set(z))
        if sep:
            assert conditionally_independent(joint, ids[a], ids[b], given=[ids[v] for v in z])


def test_d_connection_is_dependence_on_generic_tables_x64(x64):
    """The converse holds for almost every table (faithfulness): pinned seeds, 1e-6."""
    seen = {True: 0, False: 0}
    for seed in range(40):
        net, rng = random_net(seed)
        joint, ids = net.joint(), {v: i for i, v in enumerate(net.variables)}
        for a, b, z in triples(net, rng):
            sep = net.d_separated(a, b, given=z)
            seen[sep] += 1
            ci = conditionally_independent(
                joint, ids[a], ids[b], given=[ids[v] for v in z], atol=1e-6
            )
            assert ci == sep, (seed, a, b, z)
    assert seen[True] > 50 and seen[False] > 50, seen
