"""Cross-checks of exact Bayesian-network queries against pgmpy (variable elimination) and
EfProb (conditioning and marginalising its joint state), on three published networks.

The query list is shared with ``benchmarks/bench_networks.py``, which records the table of
maximum differences in ``benchmarks/results/networks.md``.
"""

from __future__ import annotations

import numpy as np
import pytest

from catlearn.probability.networks import BayesNet, asia, burglary, sprinkler

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


def pgmpy_query(ve, q, e):
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
        theirs = pgmpy_query(ve, q, e)
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
