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
from catlearn.errors import (
    MemoryBudgetError,
    NotStochasticError,
    ShapeError,
    SupportError,
    ZeroEvidenceError,
)
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.networks.bayesnet import CPT, BayesNet, asia, burglary, sprinkler
from catlearn.probability.networks.engines import VariableElimination


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
    with pytest.raises(SupportError, match="one of"):
        net.query(["Rain"], {"Wet": 1})
    with pytest.raises(SupportError, match=r"0\.\.1 or one of \['F', 'T'\], got 'maybe'"):
        net.query(["Rain"], {"WetGrass": "maybe"})
    with pytest.raises(SupportError, match="got 2"):
        net.query(["Rain"], {"WetGrass": 2})
    with pytest.raises(SupportError, match="distinct"):
        net.query(["Rain"], {"Rain": 1})
    with pytest.raises(NotStochasticError, match=r"CPT of 'b'.*column 1 .*summing to 0.9"):
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


def test_row_sum_tolerance_is_dtype_free_and_renormalisation_explicit(x64):
    """Columns within ROW_SUM_TOL load as given (in float64 too); normalized() rescales."""
    off = CPT([[0.4999, 0.2], [0.5, 0.8]], evidence=["a"])  # column 0 sums to 0.9999
    net = BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]), "b": off})
    np.testing.assert_allclose(net.table("b")[0], [0.4999, 0.5])
    fixed = net.normalized()
    np.testing.assert_allclose(fixed.table("b").sum(-1), 1.0, atol=1e-15)
    assert fixed.kernel("b").allclose(net.kernel("b"), atol=1e-3)
    with pytest.raises(NotStochasticError, match=r"within 0\.001"):
        BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]), "b": CPT([[0.49, 0.2], [0.5, 0.8]], ["a"])})


def test_query_paths_agree_and_jit_caches_per_signature(x64):
    net = burglary()
    a = net.query(["Burglary"], {"JohnCalls": 1})  # numpy float64 plan
    assert isinstance(a, np.ndarray) and a.dtype == np.float64
    b = net.query(["Burglary"], {"JohnCalls": 1}, jit=True)
    assert isinstance(b, jax.Array)
    n = net.cache_info()["jitted"]
    net.query(["Burglary"], {"JohnCalls": 0}, jit=True)  # new evidence value, same signature
    assert net.cache_info()["jitted"] == n
    np.testing.assert_allclose(a, b, atol=1e-15)
    p, z = net.query(["Burglary"], {"JohnCalls": 1, "MaryCalls": 1}, return_evidence=True)
    pj, zj = net.query(
        ["Burglary"], {"JohnCalls": 1, "MaryCalls": 1}, return_evidence=True, jit=True
    )
    np.testing.assert_allclose(p, pj, atol=1e-15)
    np.testing.assert_allclose(z, zj, rtol=1e-13)
    np.testing.assert_allclose(z, brute_evidence(net, {"JohnCalls": 1, "MaryCalls": 1}), rtol=1e-12)


def brute_evidence(net, evidence):
    joint = np.asarray(net.joint().array, dtype=np.float64)
    idx = tuple(
        net.state_index(v, evidence[v]) if v in evidence else slice(None) for v in net.variables
    )
    return joint[idx].sum()


def test_float32_user_gets_float64_answers():
    """Without jax_enable_x64 the numpy path is still float64 and exact."""
    a = asia()
    p = a.query(["lung"], {"smoke": "yes", "xray": "yes"})
    assert p.dtype == np.float64
    assert float(p[0]) == pytest.approx(0.098 / (0.098 + 0.9 * 0.059672), abs=1e-12)
    assert a.query_batch(["lung"], {"xray": ["yes", "no"]}).shape == (2, 2)


def test_compiled_signature_accepts_the_same_states(x64):
    net = sprinkler()
    ref = net.query(["Rain"], {"WetGrass": 1}, jit=True)
    for state in (1, "T", np.int64(1), True, jnp.int32(1)):
        np.testing.assert_allclose(net.query(["Rain"], {"WetGrass": state}), ref, atol=1e-15)
    for bad in (2, "maybe", 1.0, -1):
        with pytest.raises(SupportError, match="Expected a state of 'WetGrass'"):
            net.query(["Rain"], {"WetGrass": bad})
    two = {"WetGrass": 1, "Cloudy": "F"}
    a = net.query(["Rain"], two)
    b = net.query(["Rain"], dict(reversed(two.items())))  # evidence order does not matter
    np.testing.assert_allclose(a, b, atol=0)
    np.testing.assert_allclose(a, net.query(["Rain"], two, jit=True), atol=1e-15)


def test_zero_evidence_on_every_path():
    net = BayesNet(
        [("a", "b")], {"a": CPT([1.0, 0.0]), "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])}
    )
    for jit in (False, True):
        with pytest.raises(ZeroEvidenceError, match="probability 0"):
            net.query(["a"], {"b": 1}, jit=jit)
    with pytest.raises(ZeroEvidenceError, match="probability 0"):
        net.map_query(["a"], {"b": 1})
    assert float(net.query(["a"], {"b": 0})[0]) == 1.0
    # impossible evidence in a component d-separated from the query is still caught
    two = BayesNet(
        [("a", "b")],
        {
            "a": CPT([1.0, 0.0]),
            "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"]),
            "c": CPT([0.5, 0.5]),
        },
    )
    with pytest.raises(ZeroEvidenceError):
        two.query(["c"], {"b": 1})


def test_query_batch_matches_single_queries(x64):
    net = burglary()
    cols = {"JohnCalls": [0, 1, 1, 0], "MaryCalls": ["F", "T", "F", "T"]}
    batch = net.query_batch(["Burglary", "Earthquake"], cols)
    assert batch.shape == (4, 2, 2)
    for i in range(4):
        one = net.query(["Burglary", "Earthquake"], {k: v[i] for k, v in cols.items()})
        np.testing.assert_allclose(batch[i], one, atol=1e-12)
    with pytest.raises(SupportError, match=r"0\.\.1"):
        net.query_batch(["Burglary"], {"JohnCalls": [0, 2]})
    with pytest.raises(SupportError, match="maybe"):
        net.query_batch(["Burglary"], {"JohnCalls": np.array(["T", "maybe"])})
    with pytest.raises(ShapeError, match="one length"):
        net.query_batch(["Burglary"], {"JohnCalls": [0, 1], "MaryCalls": [0]})
    zero = BayesNet(
        [("a", "b")], {"a": CPT([1.0, 0.0]), "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])}
    )
    with pytest.raises(ZeroEvidenceError, match="Case 1"):
        zero.query_batch(["a"], {"b": [0, 1]})


def test_query_inside_jit_and_grad(x64):
    net = sprinkler()
    f = jax.jit(lambda s: net.query(["Rain"], {"WetGrass": s})[1])
    assert float(f(1)) == pytest.approx(0.7079, abs=1e-4)
    tables = net.tables()

    def p_rain(t):
        return net.query(["Rain"], {"WetGrass": 1}, tables={"Rain": t})[1]

    g = jax.grad(p_rain)(tables["Rain"])
    eps = 1e-6
    bump = tables["Rain"].at[0, 1].add(eps)
    fd = (p_rain(bump) - p_rain(tables["Rain"])) / eps
    assert float(g[0, 1]) == pytest.approx(float(fd), rel=1e-4)


def test_soft_evidence_pearl_and_jeffrey(x64):
    net = asia()
    lam = np.array([0.7, 0.2])
    got = net.query(["lung"], virtual_evidence={"xray": lam})
    # Pearl: P(q) sum_s lam(s) P(xray = s | q), normalised
    joint = np.stack([net.query(["lung", "xray"])[:, s] * lam[s] for s in range(2)], 1).sum(1)
    np.testing.assert_allclose(got, joint / joint.sum(), atol=1e-14)
    hard = net.query(["lung"], {"smoke": "yes"}, virtual_evidence={"xray": [1.0, 0.0]})
    np.testing.assert_allclose(
        hard, net.query(["lung"], {"smoke": "yes", "xray": "yes"}), atol=1e-14
    )
    tau = np.array([0.3, 0.7])
    jef = net.query(["lung"], jeffrey_evidence={"xray": tau})
    mix = tau[0] * net.query(["lung"], {"xray": 0}) + tau[1] * net.query(["lung"], {"xray": 1})
    np.testing.assert_allclose(jef, mix, atol=1e-14)
    with pytest.raises(SupportError, match="weights >= 0"):
        net.query(["lung"], virtual_evidence={"xray": [-1.0, 1.0]})


def test_map_query_equals_brute_force(x64):
    net = asia()
    joint = np.asarray(net.joint().array)
    for q, e in [(["lung", "tub"], {"xray": "yes"}), (None, {"dysp": "yes"}), (["bronc"], {})]:
        got = net.map_query(q, e)
        vs = list(q) if q else [v for v in net.variables if v not in e]
        sl = tuple(net.state_index(v, e[v]) if v in e else slice(None) for v in net.variables)
        sub = joint[sl]
        rest = [v for v in net.variables if v not in e]
        marg = np.einsum(sub, list(range(len(rest))), [rest.index(v) for v in vs])
        best = np.unravel_index(np.argmax(marg), marg.shape)
        assert got == {v: net.state_names(v)[int(b)] for v, b in zip(vs, best)}


def test_memory_budget_and_sampling(getkey):
    net = asia()
    net.memory_budget = 4
    with pytest.raises(MemoryBudgetError, match="sampling"):
        net.query(["dysp"], {"smoke": "yes"})
    est = net.query(["lung"], {"xray": "yes"}, method="sampling", num_samples=20000, key=getkey())
    exact = asia().query(["lung"], {"xray": "yes"})
    assert est.stderr.max() < 0.01 and est.num_samples == 20000
    assert np.abs(est.probs - exact).max() < 5 * est.stderr.max()
    with pytest.raises(SupportError, match="key"):
        net.query(["lung"], method="sampling")


def test_repeats_are_memoised_and_bounded(x64):
    net = sprinkler()
    a = net.query(["Rain"], {"WetGrass": "T"})
    assert net.cache_info()["answers"] == 1
    b = net.query(["Rain"], {"WetGrass": "T"})  # a lookup, returned as the caller's own copy
    assert b is not a and b.flags.writeable and np.array_equal(a, b)
    with pytest.raises(SupportError):
        net.query(["Rain"], {"WetGrass": 1.0})  # 1.0 == 1 as a key, still rejected
    ve = VariableElimination(answer_cache=2)  # the caches belong to the engine object
    for s in ("F", 0, 1, "T"):
        net.query(["Rain"], {"WetGrass": s}, engine=ve)
        net.query(["Cloudy"], {"WetGrass": s}, engine=ve)
    assert ve.cache_info(net) == {"plans": 2, "jitted": 0, "answers": 2}
    ve.clear(net)
    assert ve.cache_info(net) == {"plans": 0, "jitted": 0, "answers": 0}
    assert net.cache_info()["answers"] == 1  # the network's own engine is another object
    net.clear_caches()
    assert net.cache_info() == {"plans": 0, "jitted": 0, "answers": 0}
    np.testing.assert_array_equal(net.query(["Rain"], {"WetGrass": "T"}), a)


def test_traced_out_of_range_evidence_is_nan_not_clamped():
    net = sprinkler()
    f = jax.jit(lambda s: net.query(["Rain"], {"WetGrass": s}))
    assert np.isnan(np.asarray(f(2))).all()
    assert np.isfinite(np.asarray(f(1))).all()


def test_every_query_path_returns_the_callers_own_answer_of_its_documented_type():
    """One result type per path (BayesNet.query's docstring), each free to modify: writing into
    an answer never changes the next one (the memo of repeated exact queries keeps its own)."""
    from catlearn.probability.networks.engines import JunctionTree, SampledPosterior

    net = sprinkler()
    first = net.query(["Rain"], {"WetGrass": "T"})
    assert isinstance(first, np.ndarray) and first.dtype == np.float64
    assert first.flags.writeable
    expect = first.copy()
    first[:] = -1.0  # the caller's own array
    again = net.query(["Rain"], {"WetGrass": "T"})  # a memo hit
    np.testing.assert_array_equal(again, expect)
    assert again.flags.writeable and again is not first
    again[0] = 7.0
    np.testing.assert_array_equal(net.query(["Rain"], {"WetGrass": "T"}), expect)
    post, pe = net.query(["Rain"], {"WetGrass": "T"}, return_evidence=True)
    assert post.flags.writeable and float(pe) == pytest.approx(0.6471, abs=1e-4)
    jt = net.query(["Rain"], {"WetGrass": "T"}, engine=JunctionTree())
    assert isinstance(jt, np.ndarray) and jt.flags.writeable
    np.testing.assert_allclose(jt, expect, atol=1e-12)
    traced = net.query(["Rain"], {"WetGrass": "T"}, jit=True)
    assert isinstance(traced, jax.Array)
    np.testing.assert_allclose(np.asarray(traced), expect, atol=1e-6)
    est = net.query(["Rain"], {"WetGrass": "T"}, method="sampling", num_samples=2000,
                    key=jax.random.key(0))  # fmt: skip
    assert isinstance(est, SampledPosterior)
    assert est.probs.flags.writeable and est.stderr.flags.writeable
    assert est.probs.shape == est.stderr.shape == expect.shape
