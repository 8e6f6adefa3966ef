"""Cross-checks of exact Bayesian-network queries against pgmpy (variable elimination) and
EfProb (conditioning and marginalising its joint state), on three published networks.

The query list is shared with ``benchmarks/bench_networks.py``, which records the table of
maximum differences in ``benchmarks/results/networks.md``.
"""

from __future__ import annotations

import numpy as np
import pytest

from catlearn.errors import ZeroEvidenceError
from catlearn.probability.networks.bayesnet import BayesNet, asia, burglary, sprinkler

pytestmark = pytest.mark.crosscheck

NETWORKS = {"asia": asia, "sprinkler": sprinkler, "burglary": burglary}


def queries(net: BayesNet) -> list[tuple[tuple[str, ...], dict[str, int]]]:
    """Every prior marginal, every variable given every other variable's first state, a few
    multi-evidence and two-variable joint queries (skipping zero-evidence ones)."""
    vs = net.variables
    qs: list[tuple[tuple[str, ...], dict[str, int]]] = [((v,), {}) for v in vs]
    qs += [((v,), {e: 0}) for v in vs for e in vs if e != v]
    qs += [((v,), {vs[-1]: 1, vs[-2]: 0}) for v in vs[:-2]]
    qs += [((vs[0], vs[-1]), {vs[1]: 1}), ((vs[-1], vs[-2]), {})]
    return qs


def pgmpy_query(ve, q, e, net=None):
    """pgmpy's answer; int states are given by name when ``net`` names them (pgmpy then
    only accepts names)."""
    if net is not None:
        e = {k: net.state_names(k)[v] if isinstance(v, int) else v for k, v in e.items()}
    f = ve.query(variables=list(q), evidence=e or None, joint=True, show_progress=False)
    return np.transpose(f.values, [f.variables.index(v) for v in q])


def efprob_query(net, joint, q, e):
    import efprob as ef
    from efprob.predef.predicates import truth

    state = joint
    if e:
        pred = None
        for v in net.variables:
            sp = ef.Space(*_names(net, v))
            p = ef.point_pr(_names(net, v)[e[v]], sp) if v in e else truth(sp)
            pred = p if pred is None else pred @ p
        state = joint / pred
    m = state.marginal(*[1 if v in q else 0 for v in net.variables]).matrix.astype(float)
    order = [v for v in net.variables if v in q]
    return np.transpose(m.reshape([net.cards[v] for v in order]), [order.index(v) for v in q])


def _names(net, v):
    sn = net.cpts[v].state_names
    return [f"{v}={s}" for s in (sn if sn is not None else range(net.cards[v]))]


@pytest.mark.parametrize("name", list(NETWORKS))
def test_against_pgmpy_and_efprob(name, x64):
    pytest.importorskip("pgmpy")
    pytest.importorskip("efprob")
    from pgmpy.inference import VariableElimination

    net = NETWORKS[name]()
    ve = VariableElimination(net.to_pgmpy())
    joint = net.to_efprob()
    worst_pg = worst_ef = 0.0
    n = 0
    for q, e in queries(net):
        ours = np.asarray(net.query(list(q), e))
        theirs = pgmpy_query(ve, q, e, net)
        worst_pg = max(worst_pg, float(np.abs(ours - theirs).max()))
        worst_ef = max(worst_ef, float(np.abs(ours - efprob_query(net, joint, q, e)).max()))
        n += 1
    assert n >= 20
    assert worst_pg < 1e-10, worst_pg
    assert worst_ef < 1e-10, worst_ef


@pytest.mark.parametrize("name", list(NETWORKS))
def test_pgmpy_round_trip(name, x64):
    pytest.importorskip("pgmpy")
    net = NETWORKS[name]()
    model = net.to_pgmpy()
    assert model.check_model()
    again = BayesNet.from_pgmpy(model)
    assert again.joint().allclose(net.joint())


@pytest.fixture(scope="module")
def alarm_model():
    pytest.importorskip("pgmpy")
    import warnings

    from pgmpy.utils import get_example_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_example_model("alarm")


def test_alarm_loads_in_float64_and_matches_pgmpy(alarm_model, x64):
    """The bundled alarm (rows rounded to ~1e-7) loads with jax_enable_x64 on; random
    queries (1-5 evidence variables, by state name) equal pgmpy's, and so does MAP."""
    from pgmpy.inference import VariableElimination

    net = BayesNet.from_pgmpy(alarm_model)
    assert net.state_names("HISTORY") == ("TRUE", "FALSE")
    ve = VariableElimination(alarm_model)
    rng = np.random.default_rng(1)
    done = 0
    while done < 8:
        vs = list(rng.permutation(net.variables)[: rng.integers(2, 7)])
        ev = {n: net.state_names(n)[rng.integers(net.cards[n])] for n in vs[1:]}
        try:
            ours = net.query([vs[0]], ev)
        except ZeroEvidenceError:
            continue
        theirs = ve.query([vs[0]], evidence=ev, show_progress=False).values
        np.testing.assert_allclose(ours, theirs, atol=1e-12, rtol=0)
        if done < 2:  # MAP of two variables, as pgmpy's map_query
            q = list(vs[:1]) + [v for v in net.variables if v not in vs][:1]
            assert net.map_query(q, ev) == ve.map_query(q, evidence=ev, show_progress=False)
        done += 1
    batch = net.query_batch(["HYPOVOLEMIA"], {"CVP": ["LOW", "HIGH"], "BP": ["LOW", "LOW"]})
    one = net.query(["HYPOVOLEMIA"], {"CVP": "HIGH", "BP": "LOW"})
    np.testing.assert_allclose(batch[1], one, atol=1e-12)


def test_state_names_round_trip_and_bif(alarm_model, tmp_path):
    from pgmpy.readwrite import BIFWriter

    net = BayesNet.from_pgmpy(alarm_model)
    back = net.to_pgmpy()
    assert back.check_model()
    assert back.get_cpds("HISTORY").state_names["HISTORY"] == ["TRUE", "FALSE"]
    again = BayesNet.from_pgmpy(back)
    assert again.state_names("CVP") == net.state_names("CVP")
    np.testing.assert_array_equal(again.table("CVP"), net.table("CVP"))
    path = tmp_path / "sprinkler.bif"
    BIFWriter(sprinkler().to_pgmpy()).write(str(path))
    read = BayesNet.read_bif(path)
    assert read.state_names("Rain") == ("F", "T")
    np.testing.assert_allclose(
        read.query(["Rain"], {"WetGrass": "T"}), sprinkler().query(["Rain"], {"WetGrass": "T"})
    )
