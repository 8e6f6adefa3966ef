"""Bayesian networks: published answers, the diagram evaluates to the joint, queries equal
brute-force enumeration of the joint, round trips, bad input."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

from catlearn.core.types import Fin
from catlearn.errors import NotStochasticError, ShapeError, SupportError, ZeroEvidenceError
from catlearn.probability.markov import Finite
from catlearn.probability.networks import CPT, BayesNet, asia, burglary, sprinkler


def brute_force(net: BayesNet, query, evidence):
    joint = np.asarray(net.joint().array, dtype=np.float64)
    idx = {v: i for i, v in enumerate(net.variables)}
    sl = [slice(None)] * len(net.variables)
    for n, s in evidence.items():
        sl[idx[n]] = net.state_index(n, s)
    sub = joint[tuple(sl)]
    rest = [v for v in net.variables if v not in evidence]
    marg = np.einsum(sub, [rest.index(v) for v in rest], [rest.index(q) for q in query])
    return marg / marg.sum()


def test_published_answers():
    # Russell & Norvig, AIMA: P(B | j, m) = 0.284; sprinkler: P(R | w) = 0.7079, P(S | w) = 0.4298
    b = burglary().query(["Burglary"], {"JohnCalls": "T", "MaryCalls": "T"})
    assert float(b[1]) == pytest.approx(0.284172, abs=1e-5)
    s = sprinkler()
    assert float(s.query(["Rain"], {"WetGrass": 1})[1]) == pytest.approx(0.7079, abs=1e-4)
    assert float(s.query(["Sprinkler"], {"WetGrass": 1})[1]) == pytest.approx(0.4298, abs=1e-4)
    # Asia: P(tub) = 0.0104, P(lung | smoke, xray) = 0.646 (by hand, see the docstring)
    a = asia()
    assert float(a.marginal("tub")[0]) == pytest.approx(0.0104, abs=1e-6)
    assert float(a.query(["lung"], {"smoke": "yes", "xray": "yes"})[0]) == pytest.approx(
        0.098 / (0.098 + 0.9 * 0.059672), abs=1e-5
    )


@pytest.mark.parametrize("make", [asia, sprinkler, burglary])
def test_diagram_evaluates_to_the_joint(make):
    from catlearn.diagrams.compiler import compile, to_program

    net = make()
    diagram, arrows = net.to_diagram()
    assert diagram.dom == Fin(2) ** 0 and len(diagram.cod) == len(net.variables)
    joint = compile(diagram, arrows, into=Finite)
    assert joint.allclose(net.joint())
    assert float(jnp.sum(joint.array)) == pytest.approx(1.0, abs=1e-5)
    # the program has one instruction per CPT: copies are wiring
    assert len(to_program(diagram).instructions) == len(net.variables)


@pytest.mark.parametrize("make", [asia, sprinkler, burglary])
def test_queries_equal_brute_force(make, x64):
    net = make()
    vs = net.variables
    for q, e in itertools.islice(itertools.product(vs, vs), 0, None, 5):
        if q == e:
            continue
        for s in range(net.cards[e]):
            try:
                got = net.query([q], {e: s})
            except ZeroEvidenceError:
                continue
            np.testing.assert_allclose(got, brute_force(net, [q], {e: s}), atol=1e-12)
    pair = net.query([vs[-1], vs[0]], {vs[1]: 0})
    np.testing.assert_allclose(pair, brute_force(net, [vs[-1], vs[0]], {vs[1]: 0}), atol=1e-12)


def test_conditional_and_round_trips(x64):
    net = sprinkler()
    assert net.conditional(["WetGrass"], ["Sprinkler", "Rain"]).allclose(net.kernel("WetGrass"))
    back = BayesNet.from_kernels({v: net.kernel(v) for v in net.variables}, net.parents)
    assert back.joint().allclose(net.joint())
    # the joint factorises through the kernels: marginal of the diagram = query
    np.testing.assert_allclose(net.joint().marginal(3).array, net.marginal("WetGrass"), atol=1e-12)


def test_conditional_zero_rows_are_uniform(x64):
    net = BayesNet(
        [("a", "b")], {"a": CPT([1.0, 0.0]), "b": CPT([[0.9, 0.5], [0.1, 0.5]], evidence=["a"])}
    )
    k = net.conditional(["a"], ["b"])
    np.testing.assert_allclose(k.array, [[1, 0], [1, 0]], atol=1e-12)
    k2 = BayesNet(
        [("a", "b")], {"a": CPT([0.5, 0.5]), "b": CPT([[1.0, 1.0], [0.0, 0.0]], evidence=["a"])}
    )
    np.testing.assert_allclose(k2.conditional(["a"], ["b"]).array[1], [0.5, 0.5])


def test_bad_input():
    net = sprinkler()
    with pytest.raises(ZeroEvidenceError, match="probability 0"):
        BayesNet(
            [("a", "b")], {"a": CPT([1.0, 0.0]), "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])}
        ).query(["a"], {"b": 1})
    with pytest.raises(SupportError, match="one of"):
        net.query(["Rian"])
    with pytest.raises(SupportError, match=r"0\.\.1 or one of \['F', 'T'\], got 'maybe'"):
        net.query(["Rain"], {"WetGrass": "maybe"})
    with pytest.raises(SupportError, match="got 2"):
        net.query(["Rain"], {"WetGrass": 2})
    with pytest.raises(SupportError, match="distinct"):
        net.query(["Rain"], {"Rain": 1})
    with pytest.raises(NotStochasticError, match=r"CPT of 'b'.*row \(1,\) summing to 0.9"):
        BayesNet(
            [("a", "b")], {"a": CPT([0.5, 0.5]), "b": CPT([[0.9, 0.5], [0.1, 0.4]], evidence=["a"])}
        )
    with pytest.raises(ShapeError, match="2 columns"):
        BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]), "b": CPT([[0.5], [0.5]], evidence=["a"])})
    with pytest.raises(ShapeError, match="parents"):
        BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]), "b": CPT([0.5, 0.5])})
    with pytest.raises(ShapeError, match="missing"):
        BayesNet([("a", "b")], {"a": CPT([0.5, 0.5])})
    with pytest.raises(ShapeError, match="cycle"):
        BayesNet(nx.DiGraph([("a", "b"), ("b", "a")]), {"a": CPT([1.0]), "b": CPT([1.0])})


def test_query_is_jitted_once_per_shape():
    net = burglary()
    a = net.query(["Burglary"], {"JohnCalls": 1})  # default: compiled numpy table
    b = net.query(["Burglary"], {"JohnCalls": 1}, jit=True)
    n = len(net._cache)
    net.query(["Burglary"], {"JohnCalls": 0}, jit=True)  # new evidence value, same shape
    assert len(net._cache) == n
    np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("make", [asia, burglary])
def test_table_path_equals_jax_and_einsum_paths(make, x64):
    """The numpy answer table and the eager numpy einsum agree on every cross-check query
    (posterior and evidence probability), and with the jitted JAX einsum on a sample."""
    from test_crosscheck_networks import queries

    net = make()
    big = make()
    big.TABLE_LIMIT = 0  # forces the einsum paths
    net.EAGER_ANSWERS = 2 if make is asia else 256  # asia: some answers made lazily
    for i, (q, e) in enumerate(queries(net)):
        p, z = net.query(list(q), e, return_evidence=True)
        assert isinstance(p, jax.Array) and p.dtype == jnp.float64
        pn, zn = big.query(list(q), e, return_evidence=True, jit=False)
        # every 6th query also through the jitted JAX einsum (one compile per signature)
        pj, zj = net.query(list(q), e, return_evidence=True, jit=True) if i % 6 == 0 else (pn, zn)
        for other in (pj, pn):
            np.testing.assert_allclose(p, other, rtol=0, atol=1e-14)
        for other in (zj, zn):
            np.testing.assert_allclose(z, other, rtol=1e-13)
    assert net.query(["asia" if make is asia else "Alarm"]) is net.query(
        ["asia" if make is asia else "Alarm"]
    )  # answers are made once, then reused


def test_compiled_signature_accepts_the_same_states(x64):
    net = sprinkler()
    ref = net.query(["Rain"], {"WetGrass": 1}, jit=True)
    for state in (1, "T", np.int64(1), True, 1, "T"):  # repeats use the compiled hot path
        np.testing.assert_allclose(net.query(["Rain"], {"WetGrass": state}), ref, atol=1e-15)
    for bad in (2, "maybe", 1.0, -1):
        with pytest.raises(SupportError, match="Expected a state of 'WetGrass'"):
            net.query(["Rain"], {"WetGrass": bad})
    two = {"WetGrass": 1, "Cloudy": "F"}
    a = net.query(["Rain"], two)
    b = net.query(["Rain"], dict(reversed(two.items())))  # evidence order does not matter
    np.testing.assert_allclose(a, b, atol=0)
    np.testing.assert_allclose(a, net.query(["Rain"], two, jit=True), atol=1e-15)
    with pytest.raises(SupportError, match="one of"):
        net.query(["Rain"], {"Wet": 1})


def test_zero_evidence_on_every_path():
    for limit, eager in ((0, 256), (1 << 20, 0), (1 << 20, 256)):
        net = BayesNet(
            [("a", "b")], {"a": CPT([1.0, 0.0]), "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])}
        )
        net.TABLE_LIMIT, net.EAGER_ANSWERS = limit, eager
        for jit in (None, False, True):
            with pytest.raises(ZeroEvidenceError, match="probability 0"):
                net.query(["a"], {"b": 1}, jit=jit)
        assert float(net.query(["a"], {"b": 0})[0]) == 1.0


def test_query_batch_matches_single_queries(x64):
    net = burglary()
    cols = {"JohnCalls": [0, 1, 1, 0], "MaryCalls": [0, 1, 0, 1]}
    batch = net.query_batch(["Burglary", "Earthquake"], cols)
    assert batch.shape == (4, 2, 2)
    for i in range(4):
        one = net.query(["Burglary", "Earthquake"], {k: v[i] for k, v in cols.items()})
        np.testing.assert_allclose(batch[i], one, atol=1e-12)
    with pytest.raises(SupportError, match=r"0\.\.1"):
        net.query_batch(["Burglary"], {"JohnCalls": [0, 2]})
    with pytest.raises(ShapeError, match="one length"):
        net.query_batch(["Burglary"], {"JohnCalls": [0, 1], "MaryCalls": [0]})
    zero = BayesNet(
        [("a", "b")], {"a": CPT([1.0, 0.0]), "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])}
    )
    with pytest.raises(ZeroEvidenceError, match="Case 1"):
        zero.query_batch(["a"], {"b": [0, 1]})
