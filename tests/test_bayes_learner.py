"""Bayesian learners (Kamiya–Welliaveetil): exact updates by inversion, batch = sequential."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.types import Euclid, Fin
from catlearn.errors import TypeMismatch, ZeroEvidenceError
from catlearn.probability.inference.approximate import Particles
from catlearn.probability.inference.bayes import update
from catlearn.probability.inference.bayes_learner import BayesLearner
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.kernels.sampler import Sampler


def _blr(d, sigma2, mu0, S0):
    return BayesLearner(
        lambda x: LinearGaussian(x[None, :], None, sigma2 * jnp.eye(1)),
        LinearGaussian.state(mu0, S0),
        name="blr",
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_bayesian_linear_regression_closed_form_batch_equals_sequential(x64, seed):
    rng = np.random.default_rng(seed)
    n, d, sigma2 = 30, 3, 0.3
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + np.sqrt(sigma2) * rng.normal(size=n)
    mu0 = rng.normal(size=d)
    B = rng.normal(size=(d, d))
    S0 = B @ B.T + np.eye(d)
    L = _blr(d, sigma2, jnp.asarray(mu0), jnp.asarray(S0))
    Sn = np.linalg.inv(np.linalg.inv(S0) + X.T @ X / sigma2)
    mun = Sn @ (np.linalg.solve(S0, mu0) + X.T @ y / sigma2)
    batch = L.update((jnp.asarray(X), jnp.asarray(y)[:, None])).prior
    seq = L.sequential_update((jnp.asarray(X), jnp.asarray(y)[:, None])).prior
    for post in (batch, seq):
        assert np.abs(np.asarray(post.b) - mun).max() < 1e-10
        assert np.abs(np.asarray(post.cov) - Sn).max() < 1e-10
    # two halves in turn = all at once
    half = L.update((jnp.asarray(X[:10]), jnp.asarray(y[:10, None])))
    both = half.update((jnp.asarray(X[10:]), jnp.asarray(y[10:, None]))).prior
    assert np.abs(np.asarray(both.b) - mun).max() < 1e-10
    # predictive: N(x^T mu_n, x^T S_n x + sigma2)
    xq = jnp.asarray(rng.normal(size=d))
    pred = L.update((jnp.asarray(X), jnp.asarray(y)[:, None])).predictive(xq)
    assert abs(float(pred.b[0]) - float(xq @ mun)) < 1e-10
    assert abs(float(pred.cov[0, 0]) - float(xq @ Sn @ xq + sigma2)) < 1e-10


def test_blr_float32():
    X = jnp.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    y = jnp.array([[1.0], [2.0], [2.9]])
    L = _blr(2, 0.25, jnp.zeros(2), jnp.eye(2))
    a, b = L.update((X, y)).prior, L.sequential_update((X, y)).prior
    assert a.b.dtype == jnp.float32 and a.allclose(b, atol=1e-4)


def _coin_learner():
    # parameter: bias in {0.2, 0.5, 0.9} (Fin(3)); input: which of 2 coins (Fin(2)), the second
    # coin's bias is 1 - p. Whole kernel P @ X -> Y.
    th = np.array([0.2, 0.5, 0.9])
    arr = np.zeros((3, 2, 2))
    arr[:, 0, 1], arr[:, 0, 0] = th, 1 - th
    arr[:, 1, 1], arr[:, 1, 0] = 1 - th, th
    return BayesLearner(Finite(arr, Fin(3) @ Fin(2), Fin(2)), Finite.state([0.3, 0.3, 0.4]))


def test_finite_learner_batch_equals_sequential_and_bayes_update(x64):
    L = _coin_learner()
    xs, ys = jnp.array([0, 1, 0, 0, 1]), jnp.array([1, 0, 1, 0, 0])
    a, b = L.update((xs, ys)).prior, L.sequential_update((xs, ys)).prior
    assert a.allclose(b, atol=1e-12)
    th = np.array([0.2, 0.5, 0.9])
    lik = th**4 * (1 - th)  # heads on coin0 = p, tails on coin1 = p, one tails on coin0
    post = np.array([0.3, 0.3, 0.4]) * lik
    assert np.allclose(np.asarray(a.array), post / post.sum(), atol=1e-12)
    # with no input wire it is catlearn.probability.inference.bayes.update
    coin = Finite([[0.8, 0.2], [0.5, 0.5], [0.1, 0.9]], Fin(3), Fin(2))
    L0 = BayesLearner(lambda x: coin, Finite.state([0.3, 0.3, 0.4]))
    ys0 = jnp.array([1, 1, 0])
    assert L0.update((None, ys0)).prior.allclose(update(coin, Finite.state([0.3, 0.3, 0.4]), ys0))


def test_finite_composition_is_the_exact_joint_posterior(x64):
    f = Finite(
        np.array([[[0.9, 0.1], [0.3, 0.7]], [[0.2, 0.8], [0.6, 0.4]]]), Fin(2) @ Fin(2), Fin(2)
    )
    g = Finite(
        np.array([[[0.7, 0.3], [0.1, 0.9]], [[0.5, 0.5], [0.95, 0.05]]]), Fin(2) @ Fin(2), Fin(2)
    )
    L = BayesLearner(f, Finite.state([0.4, 0.6])) >> BayesLearner(g, Finite.state([0.5, 0.5]))
    xs, zs = jnp.array([0, 1, 1]), jnp.array([1, 0, 1])
    post = L.update((xs, zs)).prior
    # brute force: p(p, q | data) ∝ π(p) ρ(q) Π_i Σ_y f(y | p, x_i) g(z_i | q, y)
    F, G = np.asarray(f.array), np.asarray(g.array)
    w = np.outer([0.4, 0.6], [0.5, 0.5])
    for x, z in zip([0, 1, 1], [1, 0, 1]):
        w = w * np.einsum("py,qy->pq", F[:, x, :], G[:, :, z])
    assert np.allclose(np.asarray(post.array), w / w.sum(), atol=1e-12)
    assert post.allclose(L.sequential_update((xs, zs)).prior, atol=1e-12)
    with pytest.raises(TypeMismatch):
        _blr(2, 1.0, jnp.zeros(2), jnp.eye(2)) >> _coin_learner()


def test_parallel_learners_update_independently(x64):
    a, b = _coin_learner(), _coin_learner()
    P = a @ b
    data = ((jnp.array([0, 1]), jnp.array([1, 1])), (jnp.array([1, 0]), jnp.array([0, 1])))
    up = P.update(data)
    assert up.prior.allclose(
        a.update((data[0][0], data[1][0])).prior @ b.update((data[0][1], data[1][1])).prior
    )
    assert up.prior.allclose(P.sequential_update(data).prior)


def test_particle_learner_approximates_the_exact_posterior(x64):
    """Approximate (importance) update: batch = sequential exactly; close to the exact BLR."""
    kernel = lambda x: Sampler(  # noqa: E731
        lambda k, w: x @ w + 0.5 * jax.random.normal(k, ()),
        Euclid(2),
        Euclid(),
        log_prob_fn=lambda y, w: jax.scipy.stats.norm.logpdf(y, x @ w, 0.5),
    )
    prior = Particles(jax.random.normal(jax.random.key(0), (40_000, 2)))
    L = BayesLearner(kernel, prior)
    X = jnp.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    y = jnp.array([0.5, 1.5, 1.2])
    a, b = L.update((X, y)).prior, L.sequential_update((X, y)).prior
    assert np.allclose(np.asarray(a.weights), np.asarray(b.weights), atol=1e-12)
    exact = _blr(2, 0.25, jnp.zeros(2), jnp.eye(2)).update((X, y[:, None])).prior
    assert np.abs(np.asarray(a.mean()) - np.asarray(exact.b)).max() < 0.03
    logp, _ = L.update((X, y)).predictive(jnp.array([1.0, 1.0]))
    ex = exact >> LinearGaussian(jnp.array([[1.0, 1.0]]), cov=jnp.array([[0.25]]))
    assert abs(float(logp(1.5)) - float(ex.log_prob(jnp.array([1.5])))) < 0.05


def test_zero_evidence_is_a_typed_error():
    L = BayesLearner(
        lambda x: Finite([[1.0, 0.0], [1.0, 0.0]], Fin(2), Fin(2)), Finite.state([0.5, 0.5])
    )
    with pytest.raises(ZeroEvidenceError):
        L.update((None, jnp.array([1])))
    with pytest.raises(ZeroEvidenceError):
        L.sequential_update((None, jnp.array([0, 1])))
