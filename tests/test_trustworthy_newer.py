"""Issue 22: the newer APIs as trustworthy as the core (no silent wrong answers).

Cause 2: evidence consistency in Bayesian networks (MAP on impossible evidence, hard and soft
evidence on one variable) on every engine. Cause 5: ``BayesLearner`` never clamps a symbol
and never returns a silent NaN posterior. Cause 8: a battery of bad inputs to the newer APIs,
each answered by a catlearn error (see :func:`test_battery_of_bad_inputs`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.checked import checked
from catlearn.core.types import Fin
from catlearn.errors import (
    NonFiniteError,
    ShapeError,
    SupportError,
    TracedCheckError,
    ZeroEvidenceError,
)
from catlearn.probability.inference.bayes_learner import BayesLearner
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.networks.bayesnet import CPT, BayesNet, asia
from catlearn.probability.networks.engines import (
    JunctionTree,
    LikelihoodWeighting,
    VariableElimination,
)


def _copy_net() -> BayesNet:
    """``a -> b`` with ``b = a`` (so ``a = 0, b = 1`` is impossible) and an independent ``c``."""
    return BayesNet(
        [("a", "b")],
        {
            "a": CPT([0.5, 0.5]),
            "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"]),
            "c": CPT([0.3, 0.7]),
        },
    )


# -- cause 2: evidence consistency --------------------------------------------------------------


@pytest.mark.parametrize("variables", [["c"], [], None])
def test_map_query_on_impossible_evidence_raises_like_query(variables):
    net, bad = _copy_net(), {"a": 0, "b": 1}
    with pytest.raises(ZeroEvidenceError, match="probability 0 in this network"):
        net.query(variables or [], bad)
    # the impossible part lies in another component than the query: it must still be seen
    with pytest.raises(ZeroEvidenceError, match="probability 0 in this network, so the MAP"):
        net.map_query(variables, bad)
    with pytest.raises(ZeroEvidenceError):
        net.map_query(variables, bad, engine=VariableElimination())
    with pytest.raises(ZeroEvidenceError):  # every variable observed (MPE of nothing)
        net.map_query(None, {**bad, "c": 0})
    assert net.map_query(variables, {"a": 1, "b": 1}) == ({"c": 1} if variables != [] else {})


def test_hard_and_virtual_evidence_on_one_variable_combine_on_every_engine(x64):
    net, lam = asia(), [0.7, 0.2]
    hard = net.query(["lung"], {"xray": "yes", "smoke": "yes"})
    p_e = net.query([], {"xray": "yes", "smoke": "yes"}, return_evidence=True)[1]
    for engine in (VariableElimination(), JunctionTree()):
        post, z = net.query(
            ["lung"], {"xray": "yes", "smoke": "yes"}, virtual_evidence={"xray": lam},
            return_evidence=True, engine=engine,
        )  # fmt: skip
        np.testing.assert_allclose(post, hard, atol=1e-14)
        assert float(z) == pytest.approx(0.7 * float(p_e), rel=1e-12)  # P(e) * lambda(x)
    est = net.query(
        ["lung"], {"xray": "yes", "smoke": "yes"}, virtual_evidence={"xray": lam},
        engine=LikelihoodWeighting(40_000, key=jax.random.key(0)),
    )  # fmt: skip
    assert (np.abs(est.probs - hard) <= 4 * est.stderr + 1e-3).all()
    for engine in (VariableElimination(), JunctionTree(), LikelihoodWeighting(100, key=0)):
        with pytest.raises(ZeroEvidenceError, match=r"'xray'.*inconsistent"):
            net.query(
                ["lung"], {"xray": "no"}, virtual_evidence={"xray": [1.0, 0.0]}, engine=engine
            )


def test_hard_and_virtual_evidence_combine_under_jit(x64):
    net, lam = asia(), jnp.array([0.7, 0.2])

    def f(s, lam):
        return net.query(
            ["lung"], {"xray": s}, virtual_evidence={"xray": lam}, jit=True, return_evidence=True
        )

    post, z = jax.jit(f)(0, lam)
    ref, z0 = net.query(["lung"], {"xray": 0}, return_evidence=True)
    np.testing.assert_allclose(post, ref, atol=1e-12)
    assert float(z) == pytest.approx(0.7 * z0, rel=1e-12)
    _, z = jax.jit(f)(1, jnp.array([0.7, 0.0]))  # traced: P(e) = 0, as for any impossible e
    assert float(z) == 0.0


def test_hard_and_jeffrey_evidence_on_one_variable(x64):
    net = asia()
    for engine in (VariableElimination(), JunctionTree()):
        with pytest.raises(ZeroEvidenceError, match="'xray', observed as 'yes'"):
            net.query(
                ["lung"], {"xray": "yes"}, jeffrey_evidence={"xray": [0.3, 0.7]}, engine=engine
            )
        # the point mass at the observed state is consistent: the answer is P(q | e)
        np.testing.assert_allclose(
            net.query(
                ["lung"], {"xray": "yes"}, jeffrey_evidence={"xray": [1.0, 0.0]}, engine=engine
            ),
            net.query(["lung"], {"xray": "yes"}),
            atol=1e-14,
        )
    # Jeffrey and virtual evidence on one variable: sum_s tau(s) P(q | xray = s) when lambda > 0
    tau, lam = np.array([0.3, 0.7]), [0.5, 0.25]
    mix = sum(tau[s] * net.query(["lung"], {"xray": s}) for s in range(2))
    got = net.query(["lung"], virtual_evidence={"xray": lam}, jeffrey_evidence={"xray": tau})
    np.testing.assert_allclose(got, mix, atol=1e-14)
    with pytest.raises(ZeroEvidenceError, match="'xray'"):
        net.query(["lung"], virtual_evidence={"xray": [0.5, 0.0]}, jeffrey_evidence={"xray": tau})
    for bad in ([np.nan, 1.0], ["a", "b"], [0.5, 0.6]):
        with pytest.raises(SupportError, match="Jeffrey target"):
            net.query(["lung"], jeffrey_evidence={"xray": bad})


# -- cause 5: BayesLearner with Finite kernels --------------------------------------------------


def _coin() -> BayesLearner:
    flip = Finite([[0.5, 0.5], [0.9, 0.1]], Fin(2), Fin(2))
    return BayesLearner(lambda x: flip, Finite.state([0.5, 0.5]), name="coin")


@pytest.mark.parametrize("method", ["update", "sequential_update"])
@pytest.mark.parametrize(
    ("ys", "error"),
    [([0, 5, 0], SupportError), ([0, -1, 0], SupportError), ([0.0, 0.5, 0.0], SupportError),
     ([0.0, np.nan, 0.0], NonFiniteError), ([0.0, np.inf, 0.0], NonFiniteError)],
)  # fmt: skip
def test_bayes_learner_refuses_symbols_outside_the_wire_eagerly(method, ys, error):
    with pytest.raises(error, match="observation"):
        getattr(_coin(), method)((jnp.zeros(3), jnp.asarray(ys)))


@pytest.mark.parametrize("method", ["update", "sequential_update"])
def test_bayes_learner_inputs_of_a_finite_kernel_are_checked(method):
    K = Finite(
        jnp.array([[[0.5, 0.5], [0.9, 0.1]], [[0.2, 0.8], [0.3, 0.7]]]), Fin(2) @ Fin(2), Fin(2)
    )
    learner = BayesLearner(K, Finite.state([0.5, 0.5]))
    with pytest.raises(SupportError, match="input on Fin"):
        getattr(learner, method)((jnp.array([0, 7]), jnp.array([0, 1])))
    good = getattr(learner, method)((jnp.array([0, 1]), jnp.array([0, 1]))).prior.array
    # K[p, x, y] at (x, y) = (0, 0), (1, 1): p = 0 gives 0.5 * 0.1, p = 1 gives 0.2 * 0.7
    np.testing.assert_allclose(good, np.array([0.05, 0.14]) / 0.19, rtol=1e-5)


@pytest.mark.parametrize("method", ["update", "sequential_update"])
@pytest.mark.parametrize("ys", [[0, 5, 0], [0.0, np.nan, 0.0], [0.0, 0.5, 0.0]])
def test_bayes_learner_under_jit_is_nan_never_clamped(method, ys):
    coin = _coin()

    def post(y):
        return getattr(coin, method)((jnp.zeros(3), y)).prior.array

    assert np.isnan(np.asarray(jax.jit(post)(jnp.asarray(ys)))).all()
    with pytest.raises(TracedCheckError, match="out-of-bounds"):
        checked(post)(jnp.asarray(ys))
    ok = jax.jit(post)(jnp.array([0, 0, 0]))
    np.testing.assert_allclose(ok, [0.1464, 0.8536], atol=1e-4)


def test_bayes_learner_gaussian_data_checked():
    blr = BayesLearner(
        lambda x: LinearGaussian(x[None, :], cov=[[0.25]]),
        LinearGaussian.state(jnp.zeros(2), jnp.eye(2)),
    )
    xs = jnp.array([[1.0, 0.0], [1.0, 1.0]])
    for method in ("update", "sequential_update"):
        with pytest.raises(NonFiniteError, match="observation batch"):
            getattr(blr, method)((xs, jnp.array([[1.0], [np.nan]])))
        with pytest.raises(NonFiniteError, match="input batch"):
            getattr(blr, method)((xs.at[0, 0].set(np.nan), jnp.array([[1.0], [2.0]])))
    with pytest.raises(ShapeError, match=r"shape \(2, 1\)"):
        blr.update((xs, jnp.ones((2, 3))))
