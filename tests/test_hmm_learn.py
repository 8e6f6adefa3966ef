"""EM (Baum–Welch) and gradient fits of HMMs; Gaussian and Poisson emissions; typed errors."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.errors import DataError, EmissionFamilyError, NotStochasticError
from catlearn.probability.statespace.hmm import HMM, hmm_filter, hmm_smoother, hmm_viterbi
from catlearn.probability.statespace.hmm_emissions import GaussianHMM, PoissonHMM
from catlearn.probability.statespace.hmm_learn import hmm_fit_em, hmm_fit_gradient

CASINO = (
    np.array([0.5, 0.5]),
    np.array([[0.95, 0.05], [0.10, 0.90]]),
    np.array([[1 / 6] * 6, [1 / 10] * 5 + [1 / 2]]),
)
CASINO_INIT = (
    np.array([0.5, 0.5]),
    np.array([[0.8, 0.2], [0.3, 0.7]]),
    np.array([[1 / 6] * 6, [0.14] * 5 + [0.3]]),
)


def casino_rolls(num_seq=20, t_len=300, seed=0):
    hmm = HMM(*CASINO)
    keys = jax.random.split(jax.random.key(seed), num_seq)
    return jax.vmap(lambda k: hmm.sample(t_len, key=k)[1])(keys)


@pytest.mark.slow
def test_em_log_likelihood_non_decreasing_all_families(x64):
    rng = np.random.default_rng(0)
    cat = HMM(rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3), 3), rng.dirichlet(np.ones(4), 3))
    ys = jnp.asarray(rng.integers(0, 4, (4, 60)))
    for method in ("sequential", "parallel"):
        lls = np.asarray(hmm_fit_em(cat, ys, num_iters=15, method=method).log_likelihoods)
        assert np.all(np.diff(lls) >= -1e-9) and lls[-1] > lls[0]
    g = GaussianHMM(
        [0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]], [[-1.0, 0.0], [1.0, 0.5]], np.stack([np.eye(2)] * 2)
    )
    xs = rng.normal(size=(3, 50, 2)) + np.where(rng.random((3, 50, 1)) < 0.5, 2.0, -2.0)
    xs[0, 7] = np.nan  # a missing row
    lls = np.asarray(hmm_fit_em(g, xs, num_iters=15).log_likelihoods)
    assert np.all(np.diff(lls) >= -1e-9) and lls[-1] > lls[0]
    p = PoissonHMM([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]], [[1.0], [4.0]])
    counts = rng.poisson(np.where(rng.random((3, 50, 1)) < 0.5, 1.0, 6.0)).astype(float)
    lls = np.asarray(hmm_fit_em(p, counts, num_iters=15).log_likelihoods)
    assert np.all(np.diff(lls) >= -1e-9) and lls[-1] > lls[0]


@pytest.mark.slow
def test_casino_recovered_by_em(x64):
    """20 sequences x 300 rolls: every transition and emission probability within 0.05."""
    fit = hmm_fit_em(HMM(*CASINO_INIT), casino_rolls(), num_iters=150)
    err_a = np.abs(np.asarray(fit.model.transition) - CASINO[1]).max()
    err_b = np.abs(np.asarray(fit.model.emission) - CASINO[2]).max()
    assert err_a < 0.05 and err_b < 0.05, (err_a, err_b)


@pytest.mark.slow
@pytest.mark.crosscheck
def test_em_fixed_point_equals_dynamax_fit_em(x64):
    """Same start, same number of EM steps (flat Dirichlet priors = maximum likelihood)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pytest.importorskip("dynamax")
        from dynamax.hidden_markov_model import CategoricalHMM
    ys = casino_rolls(num_seq=5, t_len=200, seed=1)
    ours = hmm_fit_em(HMM(*CASINO_INIT), ys, num_iters=30).model
    dx = CategoricalHMM(
        2,
        1,
        6,
        initial_probs_concentration=1.0,
        transition_matrix_concentration=1.0,
        emission_prior_concentration=1.0,
    )
    with jax.numpy_rank_promotion("allow"):
        params, props = dx.initialize(
            initial_probs=jnp.asarray(CASINO_INIT[0]),
            transition_matrix=jnp.asarray(CASINO_INIT[1]),
            emission_probs=jnp.asarray(CASINO_INIT[2])[:, None, :],
        )
        params, _ = dx.fit_em(params, props, ys[..., None], num_iters=30, verbose=False)
    assert np.abs(np.asarray(ours.transition - params.transitions.transition_matrix)).max() < 1e-8
    assert np.abs(np.asarray(ours.emission - params.emissions.probs[:, 0])).max() < 1e-8
    assert np.abs(np.asarray(ours.initial - params.initial.probs)).max() < 1e-8


@pytest.mark.slow
def test_gradient_fit_increases_likelihood():
    ys = casino_rolls(num_seq=4, t_len=100)
    fit = hmm_fit_gradient(HMM(*CASINO_INIT), ys, num_steps=40)
    lls = np.asarray(fit.log_likelihoods)
    assert lls[-1] > lls[0] + 1.0
    assert isinstance(fit.model, HMM) and np.allclose(fit.model.transition.sum(1), 1, atol=1e-5)


@pytest.mark.slow
def test_gaussian_and_poisson_parallel_equal_sequential(x64):
    rng = np.random.default_rng(3)
    k, d = 4, 2
    a = rng.dirichlet(np.ones(k), k)
    g = GaussianHMM(np.ones(k) / k, a, rng.normal(size=(k, d)) * 2, np.stack([np.eye(d)] * k))
    xs = rng.normal(size=(30, d)) * 2
    xs[4] = np.nan
    p = PoissonHMM(np.ones(k) / k, a, rng.uniform(0.5, 8, (k, d)))
    cs = rng.poisson(3.0, (30, d)).astype(float)
    cs[10] = np.nan
    for model, y in ((g, xs), (p, cs)):
        s, q = (
            hmm_smoother(model, y, method="sequential"),
            hmm_smoother(model, y, method="parallel"),
        )
        assert max(float(jnp.abs(u - v).max()) for u, v in zip(s, q, strict=True)) <= 1e-10
        vs, vp = (
            hmm_viterbi(model, y, method="sequential"),
            hmm_viterbi(model, y, method="parallel"),
        )
        assert np.array_equal(np.asarray(vs.path), np.asarray(vp.path))
        # the missing row is skipped: filtered = predicted there
        t = 4 if model is g else 10
        assert float(jnp.abs(s.filtered[t] - s.predicted[t]).max()) < 1e-15


@pytest.mark.parametrize(
    "model, obs, err, words",
    [
        ("cat", jnp.array([0.5, 1.0]), EmissionFamilyError, "integer"),
        ("poisson", jnp.array([[1.0], [2.5]]), EmissionFamilyError, "counts"),
        ("poisson", jnp.array([[1.0], [-1.0]]), EmissionFamilyError, "counts"),
        ("gauss", jnp.full((3, 1), jnp.nan), DataError, "missing"),
        ("gauss", jnp.zeros((0, 1)), DataError, "T = 0"),
        ("cat", jnp.zeros((0,), int), DataError, "empty"),
    ],
)
def test_bad_data_typed_errors(model, obs, err, words):
    models = {
        "cat": HMM([0.5, 0.5], np.eye(2), [[0.5, 0.5], [0.5, 0.5]]),
        "poisson": PoissonHMM([0.5, 0.5], np.eye(2), [[1.0], [2.0]]),
        "gauss": GaussianHMM([0.5, 0.5], np.eye(2), [[0.0], [1.0]], np.ones((2, 1, 1))),
    }
    with pytest.raises(err) as info:
        hmm_filter(models[model], obs, method="parallel")
    assert words in str(info.value)


def test_bad_emission_parameters():
    from catlearn.errors import CovarianceError

    with pytest.raises(CovarianceError, match="positive definite"):
        GaussianHMM([0.5, 0.5], np.eye(2), [[0.0], [1.0]], np.array([[[1.0]], [[-1.0]]]))
    with pytest.raises(NotStochasticError, match="positive Poisson rates"):
        PoissonHMM([0.5, 0.5], np.eye(2), [[1.0], [0.0]])


# --- issue 22, cause 3: guarded M-steps, impossible data, tolerance, samplers ----------------

_UNREACHABLE = ([1.0, 0.0, 0.0], [[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.3, 0.3, 0.4]])


@pytest.mark.parametrize("family", ["cat", "gauss", "poisson"])
def test_em_unreachable_state_keeps_its_parameters(family):
    """State 2 is never reached: its parameters are kept, not 0/0 = NaN (was NaN)."""
    init, trans = _UNREACHABLE
    if family == "cat":
        model = HMM(init, trans, [[0.8, 0.2], [0.3, 0.7], [0.5, 0.5]])
        obs, kept = jnp.array([[0, 1, 0, 1, 1]]), "emission"
    elif family == "gauss":
        model = GaussianHMM(init, trans, [[0.0], [2.0], [5.0]], np.ones((3, 1, 1)))
        obs, kept = jnp.array([[0.1], [2.1], [0.3]]), "means"
    else:
        model = PoissonHMM(init, trans, [[1.0], [3.0], [5.0]])
        obs, kept = jnp.array([[1.0], [3.0], [0.0]]), "rates"
    fit = hmm_fit_em(model, obs, num_iters=4)
    lls = np.asarray(fit.log_likelihoods)
    assert np.all(np.isfinite(lls)) and np.all(np.diff(lls) >= -1e-4)
    for leaf in jax.tree_util.tree_leaves(fit.model):
        assert np.all(np.isfinite(np.asarray(leaf)))
    assert np.allclose(getattr(fit.model, kept)[2], getattr(model, kept)[2])
    assert np.allclose(fit.model.transition[2], model.transition[2])


def test_em_impossible_observation_is_a_typed_error():
    """Symbol 2 is emitted by no state: ZeroEvidenceError naming y[0][2] (was -inf, then
    silently 'fitted')."""
    from catlearn.errors import ZeroEvidenceError

    model = HMM([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with pytest.raises(ZeroEvidenceError, match=r"y\[0\]\[2\] = 2.*probability 0"):
        hmm_fit_em(model, jnp.array([[0, 1, 2, 1]]), num_iters=3)


def test_em_gaussian_outlier_float32_stays_finite():
    """One outlier 1e4 above normal data in float32: the centred M-step keeps the fit finite
    and the log-likelihood non-decreasing (was NaN: E[y^2] - mean^2 cancelled)."""
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(1, 200, 1)) + 50).astype(np.float32)
    x[0, 100, 0] = 1e4 + 50
    g = GaussianHMM([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], [[49.0], [51.0]], np.ones((2, 1, 1)))
    fit = hmm_fit_em(g, x, num_iters=30)
    lls = np.asarray(fit.log_likelihoods)
    assert fit.model.means.dtype == jnp.float32
    assert np.all(np.isfinite(lls)) and np.all(np.diff(lls) >= -1e-3 * np.abs(lls[1:]))
    assert np.all(np.isfinite(np.asarray(fit.model.covs)))
    assert np.all(np.linalg.eigvalsh(np.asarray(fit.model.covs, np.float64)) > 0)


def test_em_tolerance_stops_early_and_reports_iterations():
    hmm = HMM([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], [[0.8, 0.2], [0.3, 0.7]])
    obs = jnp.array([[0, 0, 0, 1, 1, 1, 0, 0]])
    fit = hmm_fit_em(hmm, obs, num_iters=500, tol=1e-3)
    lls = np.asarray(fit.log_likelihoods)
    assert 1 < fit.num_iters < 500 and lls.shape == (fit.num_iters,)
    assert lls[-1] - lls[-2] < 1e-3 and np.all(np.diff(lls[:-1]) >= 1e-3)
    assert hmm_fit_em(hmm, obs, num_iters=7).num_iters == 7  # tol=None: every iteration


@pytest.mark.parametrize("tol", [-1.0, float("nan"), "small", True])
def test_em_bad_tolerance(tol):
    from catlearn.errors import HyperparameterError

    hmm = HMM([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], [[0.8, 0.2], [0.3, 0.7]])
    with pytest.raises(HyperparameterError, match="tol"):
        hmm_fit_em(hmm, jnp.array([[0, 1]]), tol=tol)


def test_gaussian_and_poisson_samplers():
    key = jax.random.key(0)
    g = GaussianHMM(
        [0.5, 0.5],
        [[0.9, 0.1], [0.1, 0.9]],
        [[-3.0, 0.0], [3.0, 1.0]],
        np.stack([np.eye(2) * 0.25] * 2),
    )
    zs, ys = g.sample(4000, key=key)
    zs, ys = np.asarray(zs), np.asarray(ys)
    assert zs.shape == (4000,) and ys.shape == (4000, 2)
    for i in (0, 1):
        assert np.allclose(ys[zs == i].mean(0), np.asarray(g.means[i]), atol=0.05)
        assert np.allclose(np.cov(ys[zs == i].T), 0.25 * np.eye(2), atol=0.03)
    p = PoissonHMM([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], [[1.0], [8.0]])
    zs, cs = p.sample(4000, key=key)
    zs, cs = np.asarray(zs), np.asarray(cs)
    assert cs.shape == (4000, 1) and np.all(cs == np.round(cs)) and np.all(cs >= 0)
    assert abs(cs[zs == 0].mean() - 1.0) < 0.1 and abs(cs[zs == 1].mean() - 8.0) < 0.3
    fit = hmm_fit_em(p, cs[None], num_iters=5)  # the sampler feeds EM directly
    assert np.all(np.isfinite(np.asarray(fit.log_likelihoods)))
    from catlearn.errors import ArgumentTypeError

    with pytest.raises(DataError, match="num_steps"):
        g.sample(0, key=key)
    with pytest.raises(ArgumentTypeError, match="PRNG key"):
        p.sample(3, key=0)
