"""The inference seam: the three engines (variable elimination, junction tree, likelihood
weighting) agree with each other and with pgmpy's VariableElimination on pgmpy's bundled
networks; every query option is honoured or refused with a typed error; caches are bounded
and owned by the engine object."""

from __future__ import annotations

import warnings

import jax
import numpy as np
import pytest
from test_crosscheck_networks import pgmpy_query

from catlearn.errors import (
    ArgumentTypeError,
    ArgumentValueError,
    MemoryBudgetError,
    SupportError,
    UnsupportedError,
    ZeroEvidenceError,
)
from catlearn.probability.networks import (
    BayesNet,
    Engine,
    JunctionTree,
    LikelihoodWeighting,
    SampledPosterior,
    VariableElimination,
)
from catlearn.probability.networks.bayesnet import CPT, asia, sprinkler

BUNDLED = ["asia", "cancer", "alarm"]  # and, marked slow: sachs, child, insurance
_MODELS: dict = {}


def bundled(name: str) -> BayesNet:
    """pgmpy's bundled network (shipped with pgmpy, read offline), its CPT columns
    renormalised: they are rounded to ~1e-7 in the files, and only then does the product of
    all tables (what a junction tree contracts) equal the pruned contraction (barren nodes
    summed to 1, as variable elimination and pgmpy do) to 1e-12."""
    if name not in _MODELS:
        from pgmpy.utils import get_example_model

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _MODELS[name] = BayesNet.from_pgmpy(get_example_model(name), normalize=True)
    return _MODELS[name]


def random_queries(net: BayesNet, n: int, seed: int) -> list[tuple[list[str], dict]]:
    """Random targets (one, or two for every third query) given 1-4 observed variables whose
    states come from a forward sample (so the evidence is possible)."""
    rng = np.random.default_rng(seed)
    sample = net.sample(jax.random.key(seed), n)
    out = []
    for i in range(n):
        k = min(len(net.variables) - 2, int(rng.integers(1, 5)))
        vs = [str(v) for v in rng.permutation(net.variables)]
        targets = vs[:2] if i % 3 == 2 else vs[:1]
        ev = {e: net.state_names(e)[int(sample[e][i])] for e in vs[2 : 2 + k]}
        out.append((targets, ev))
    return out


@pytest.mark.parametrize("name", BUNDLED)
def test_exact_engines_agree_with_each_other_and_pgmpy(name, x64):
    exact_engines_agree(name)


@pytest.mark.slow
def test_exact_engines_agree_on_sachs_child_insurance(x64):
    """~7 s a network, most of it pgmpy reading its BIF file."""
    for name in ("sachs", "child", "insurance"):
        exact_engines_agree(name)


def exact_engines_agree(name: str) -> None:
    from pgmpy.inference import VariableElimination as PgmpyVE

    net = bundled(name)
    ve, jt = VariableElimination(), JunctionTree()
    pg = PgmpyVE(net.to_pgmpy())
    worst_pg = worst_jt = 0.0
    for targets, ev in random_queries(net, 12, seed=len(name)):
        a = net.query(targets, ev, engine=ve)
        b = net.query(targets, ev, engine=jt)
        c = pgmpy_query(pg, targets, ev)
        worst_jt = max(worst_jt, float(np.abs(a - b).max()))
        worst_pg = max(worst_pg, float(np.abs(a - c).max()))
        assert a.shape == b.shape == c.shape == tuple(net.cards[t] for t in targets)
    assert worst_jt < 1e-12, worst_jt
    assert worst_pg < 1e-12, worst_pg


@pytest.mark.parametrize("name", ["asia", "alarm"])
def test_likelihood_weighting_within_three_standard_errors(name, x64):
    net = bundled(name)
    for i, (targets, ev) in enumerate(random_queries(net, 4, seed=7)):
        est = net.query(targets, ev, engine=LikelihoodWeighting(20_000, key=jax.random.key(i)))
        exact = net.query(targets, ev, engine=JunctionTree())
        assert isinstance(est, SampledPosterior) and est.probs.shape == exact.shape
        assert (np.abs(est.probs - exact) <= 3 * est.stderr + 1e-12).all(), (targets, ev)


def test_junction_tree_calibrates_once_per_evidence(x64):
    net = bundled("alarm")
    jt = JunctionTree()
    ev = {"HR": "HIGH", "BP": "LOW", "CVP": "NORMAL"}
    tree = jt.tree(net)
    edges = 2 * (len(tree.cliques) - 1)  # one message each way on every edge
    kept = []
    for _ in range(2):  # every marginal of one evidence: one calibration, kept
        for v in net.variables:
            if v not in ev:
                got = net.query([v], ev, engine=jt)
                np.testing.assert_allclose(got, net.query([v], ev), atol=1e-12)
        kept.append(jt.cache_info(net)["messages"])
    assert edges - 2 <= kept[0] == kept[1] <= edges  # the second pass computed nothing
    # new evidence on one variable: the same tree, only the messages on its side are new
    net.query(["HYPOVOLEMIA"], {**ev, "HR": "LOW"}, engine=jt)
    assert jt.tree(net) is tree
    assert kept[0] < jt.cache_info(net)["messages"] < kept[0] + len(tree.cliques)
    # targets in no common clique: the subtree between them is contracted
    far = ["HISTORY", "HRSAT"]
    assert not any(set(far) <= set(c) for c in jt.cliques(net))
    np.testing.assert_allclose(net.query(far, ev, engine=jt), net.query(far, ev), atol=1e-12)


def test_options_are_honoured_or_refused(x64):
    net = asia()
    ve, jt = VariableElimination(), JunctionTree()
    lw = LikelihoodWeighting(40_000, key=jax.random.key(3))
    lam, tau = {"xray": [0.7, 0.2]}, {"xray": [0.3, 0.7]}
    ref = net.query(["lung"], {"smoke": "yes"}, virtual_evidence=lam, engine=ve)
    got = net.query(["lung"], {"smoke": "yes"}, virtual_evidence=lam, engine=jt)
    np.testing.assert_allclose(got, ref, atol=1e-14)
    est = net.query(["lung"], {"smoke": "yes"}, virtual_evidence=lam, engine=lw)
    assert (np.abs(est.probs - ref) <= 3 * est.stderr).all()
    (p, z), (pj, zj) = (
        net.query(["lung"], {"smoke": "no"}, virtual_evidence=lam, return_evidence=True, engine=e)
        for e in (ve, jt)
    )
    np.testing.assert_allclose(pj, p, atol=1e-14)
    assert zj == pytest.approx(float(z), rel=1e-13)
    np.testing.assert_allclose(
        net.query(["lung"], jeffrey_evidence=tau, engine=jt),
        net.query(["lung"], jeffrey_evidence=tau, engine=ve),
        atol=1e-14,
    )
    refused = {
        jt: {"jit": True, "tables": net.tables()},
        lw: {
            "jeffrey_evidence": tau,
            "return_evidence": True,
            "jit": True,
            "tables": net.tables(),
        },
    }
    for engine, options in refused.items():
        for opt, val in options.items():
            with pytest.raises(
                UnsupportedError, match=f"{type(engine).__name__} does not honour {opt}="
            ):
                net.query(["lung"], **{opt: val}, engine=engine)
    with pytest.raises(SupportError, match="not queried"):
        net.query(["xray"], virtual_evidence=lam)
    # hard and virtual evidence on one variable: combined (lam(x) > 0: the soft part is moot)
    np.testing.assert_allclose(
        net.query(["lung"], {"xray": "yes"}, virtual_evidence=lam),
        net.query(["lung"], {"xray": "yes"}),
        atol=1e-14,
    )
    with pytest.raises(UnsupportedError, match="mixes posteriors"):
        net.query(["lung"], jeffrey_evidence=tau, return_evidence=True)
    with pytest.raises(UnsupportedError, match="MAP"):
        net.map_query(["lung"], engine=jt)
    with pytest.raises(UnsupportedError, match="batches"):
        net.query_batch(["lung"], {"xray": [0, 1]}, engine=lw)


def test_method_is_a_shorthand_for_an_engine(x64):
    net = sprinkler()
    ev = {"WetGrass": "T"}
    np.testing.assert_array_equal(net.query(["Rain"], ev, method="exact"), net.query(["Rain"], ev))
    np.testing.assert_allclose(
        net.query(["Rain"], ev, method="junction_tree"), net.query(["Rain"], ev), atol=1e-15
    )
    a = net.query(["Rain"], ev, method="sampling", num_samples=5000, key=jax.random.key(1))
    b = net.query(["Rain"], ev, engine=LikelihoodWeighting(5000, key=jax.random.key(1)))
    np.testing.assert_array_equal(a.probs, b.probs)
    with pytest.raises(UnsupportedError, match="num_samples= and key= only"):
        net.query(["Rain"], ev, num_samples=10)  # exact draws nothing: never silently ignored
    with pytest.raises(UnsupportedError, match="options of the engine"):
        net.query(["Rain"], ev, engine=JunctionTree(), key=jax.random.key(0))
    with pytest.raises(ArgumentValueError, match="both"):
        net.query(["Rain"], ev, engine=JunctionTree(), method="exact")
    with pytest.raises(ArgumentTypeError, match="inference engine"):
        net.query(["Rain"], ev, engine="junction_tree")
    with pytest.raises(SupportError, match="method"):
        net.query(["Rain"], ev, method="loopy")
    with pytest.raises(SupportError, match="key"):
        LikelihoodWeighting(100)
    for engine in (
        VariableElimination(),
        JunctionTree(),
        LikelihoodWeighting(1, key=jax.random.key(0)),
    ):
        assert isinstance(engine, Engine)


def test_caches_are_bounded_and_owned_by_the_engine(x64):
    net = asia()
    ve = VariableElimination(plan_cache=2, answer_cache=3)
    for v in ("lung", "tub", "bronc", "either"):
        for s in ("yes", "no"):
            net.query([v], {"xray": s}, engine=ve)
    assert ve.cache_info(net) == {"plans": 2, "jitted": 0, "answers": 3}
    assert net.cache_info() == {"plans": 0, "jitted": 0, "answers": 0}  # its own engine
    off = VariableElimination(plan_cache=0, answer_cache=0)
    np.testing.assert_array_equal(net.query(["lung"], engine=off), net.query(["lung"]))
    assert off.cache_info(net) == {"plans": 0, "jitted": 0, "answers": 0}
    jt = JunctionTree(messages=3, plan_cache=1)
    for s in ("yes", "no"):
        net.query(["lung"], {"xray": s}, engine=jt)
        net.query(["tub"], {"xray": s}, engine=jt)
    assert jt.cache_info(net) == {"cliques": 6, "messages": 3, "plans": 1}
    jt.clear(net)
    assert jt.cache_info(net)["messages"] == 0
    for bad in (-1, 1.5, True):
        with pytest.raises(ArgumentValueError, match="plan_cache"):
            VariableElimination(plan_cache=bad)
        with pytest.raises(ArgumentValueError, match="messages"):
            JunctionTree(messages=bad)


def test_impossible_evidence_and_budgets_on_every_engine():
    net = BayesNet(
        [("a", "b")],
        {"a": CPT([1.0, 0.0]), "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])},
    )
    for engine in (
        VariableElimination(),
        JunctionTree(),
        LikelihoodWeighting(100, key=jax.random.key(0)),
    ):
        with pytest.raises(ZeroEvidenceError):
            net.query(["a"], {"b": 1}, engine=engine)
    big = asia()
    big.memory_budget = 4
    with pytest.raises(MemoryBudgetError, match="clique"):
        big.query(["lung"], engine=JunctionTree())
