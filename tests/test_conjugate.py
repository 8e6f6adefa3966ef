"""Conjugate families: closed forms vs scipy.stats, batch = sequential, lenses, bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from catlearn.errors import HyperparameterError, NonFiniteError, ShapeError, SupportError
from catlearn.probability.inference.bayes import BayesLens
from catlearn.probability.inference.conjugate import (
    Beta,
    BetaBernoulli,
    BetaBinomial,
    Dirichlet,
    DirichletCategorical,
    Normal,
    NormalInverseGamma,
    NormalInverseGammaRegression,
    NormalKnownVariance,
)
from conftest import tree_allclose

LAW = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
seeds = st.integers(0, 2**31 - 1)
N = 6  # fixed batch length: one compilation per family


def _chain_rule(fam, prior, data):
    """log p(y_1..n) = Σ_i log p(y_i | y_<i), each a prior-predictive of the running posterior."""
    total, post = 0.0, prior
    for obs in data:
        total += float(fam.log_predictive(post, obs))
        post = fam.update_one(post, obs)
    return total, post


# --- Beta–Bernoulli / Binomial -----------------------------------------------------------------


@LAW
@given(seeds)
def test_beta_bernoulli(x64, seed):
    rng = np.random.default_rng(seed)
    fam, prior = BetaBernoulli(), Beta(*(rng.random(2) * 3 + 0.2))
    y = jnp.asarray(rng.integers(0, 2, N))
    post = fam.update(prior, y)
    s = int(y.sum())
    assert np.isclose(post.alpha, prior.alpha + s) and np.isclose(post.beta, prior.beta + N - s)
    assert tree_allclose(post, fam.sequential_update(prior, y))
    lml, seq = _chain_rule(fam, prior, y)
    assert np.isclose(fam.log_marginal_likelihood(prior, y), lml)
    assert tree_allclose(seq, post)
    assert np.isclose(post.mean, stats.beta(float(post.alpha), float(post.beta)).mean())
    theta = 0.3
    assert np.isclose(
        post.log_prob(theta), stats.beta(float(post.alpha), float(post.beta)).logpdf(theta)
    )


@LAW
@given(seeds)
def test_beta_binomial(x64, seed):
    rng = np.random.default_rng(seed)
    n = 7
    fam, prior = BetaBinomial(trials=n), Beta(*(rng.random(2) * 3 + 0.2))
    k = jnp.asarray(rng.integers(0, n + 1, N))
    post = fam.update(prior, k)
    assert tree_allclose(post, fam.sequential_update(prior, k))
    a, b = float(prior.alpha), float(prior.beta)
    assert np.allclose(fam.predictive(prior), stats.betabinom(n, a, b).pmf(np.arange(n + 1)))
    lml, _ = _chain_rule(fam, prior, k)
    assert np.isclose(fam.log_marginal_likelihood(prior, k), lml)
    assert np.isclose(
        fam.log_marginal_likelihood(prior, k[:1]), stats.betabinom(n, a, b).logpmf(int(k[0]))
    )
    assert np.isclose(fam.log_likelihood(0.3, 4), stats.binom(n, 0.3).logpmf(4))


# --- Dirichlet–Categorical ---------------------------------------------------------------------


@LAW
@given(seeds)
def test_dirichlet_categorical(x64, seed):
    rng = np.random.default_rng(seed)
    k = 4
    fam, prior = DirichletCategorical(k), Dirichlet(jnp.asarray(rng.random(k) * 2 + 0.1))
    y = jnp.asarray(rng.integers(0, k, N))
    post = fam.update(prior, y)
    assert np.allclose(post.alpha, prior.alpha + np.bincount(np.asarray(y), minlength=k))
    assert tree_allclose(post, fam.sequential_update(prior, y))
    lml, _ = _chain_rule(fam, prior, y)
    assert np.isclose(fam.log_marginal_likelihood(prior, y), lml)
    theta = rng.dirichlet(np.ones(k))
    assert np.isclose(
        post.log_prob(jnp.asarray(theta)), stats.dirichlet(np.asarray(post.alpha)).logpdf(theta)
    )


# --- Normal with known variance ----------------------------------------------------------------


@LAW
@given(seeds)
def test_normal_known_variance(x64, seed):
    rng = np.random.default_rng(seed)
    s2, m0, v0 = rng.random() * 2 + 0.1, rng.normal(), rng.random() * 3 + 0.1
    fam, prior = NormalKnownVariance(var=s2), Normal(m0, v0)
    y = jnp.asarray(rng.normal(size=N) * 2)
    post = fam.update(prior, y)
    assert tree_allclose(post, fam.sequential_update(prior, y))
    prec = 1 / v0 + N / s2
    assert np.isclose(post.var, 1 / prec)
    assert np.isclose(post.mean, (m0 / v0 + float(y.sum()) / s2) / prec)
    cov = s2 * np.eye(N) + v0 * np.ones((N, N))
    want = stats.multivariate_normal(m0 * np.ones(N), cov).logpdf(np.asarray(y))
    assert np.isclose(fam.log_marginal_likelihood(prior, y), want)
    lml, _ = _chain_rule(fam, prior, y)
    assert np.isclose(lml, want)
    assert np.isclose(fam.log_predictive(prior, 0.5), stats.norm(m0, np.sqrt(v0 + s2)).logpdf(0.5))


# --- Normal-Inverse-Gamma linear regression ----------------------------------------------------


@LAW
@given(seeds)
def test_nig_regression(x64, seed):
    rng = np.random.default_rng(seed)
    d = 3
    fam = NormalInverseGammaRegression(d=d)
    L = rng.normal(size=(d, d))
    lam0 = L @ L.T + np.eye(d)
    m0, a0, b0 = rng.normal(size=d), rng.random() * 2 + 1.0, rng.random() * 2 + 0.5
    prior = NormalInverseGamma(jnp.asarray(m0), jnp.asarray(lam0), a0, b0)
    X = rng.normal(size=(N, d))
    y = X @ rng.normal(size=d) + 0.3 * rng.normal(size=N)
    data = (jnp.asarray(X), jnp.asarray(y))
    post = fam.update(prior, data)
    assert tree_allclose(post, fam.sequential_update(prior, data), rtol=1e-9, atol=1e-9)
    # closed forms by hand (covariance form)
    V0 = np.linalg.inv(lam0)
    Vn = np.linalg.inv(lam0 + X.T @ X)
    mn = Vn @ (lam0 @ m0 + X.T @ y)
    assert np.allclose(post.mean, mn) and np.allclose(post.precision, np.linalg.inv(Vn))
    assert np.isclose(post.a, a0 + N / 2)
    assert np.isclose(post.b, b0 + 0.5 * (y @ y + m0 @ lam0 @ m0 - mn @ (lam0 + X.T @ X) @ mn))
    # evidence: multivariate Student-t
    shape = (b0 / a0) * (np.eye(N) + X @ V0 @ X.T)
    want = stats.multivariate_t(loc=X @ m0, shape=shape, df=2 * a0).logpdf(y)
    assert np.isclose(fam.log_marginal_likelihood(prior, data), want)
    lml, _ = _chain_rule(fam, prior, list(zip(data[0], data[1])))
    assert np.isclose(lml, want)
    # predictive at a new x
    x = rng.normal(size=d)
    df, loc, scale = fam.predictive(post, jnp.asarray(x))
    sc = np.sqrt(float(post.b) / float(post.a) * (1 + x @ Vn @ x))
    assert np.isclose(
        fam.log_predictive(post, (jnp.asarray(x), 0.2)),
        stats.t(df=2 * float(post.a), loc=x @ mn, scale=sc).logpdf(0.2),
    )
    assert np.isclose(df, 2 * post.a) and np.isclose(loc, x @ mn) and np.isclose(scale, sc)


def test_nig_recovers_parameters(x64):
    rng = np.random.default_rng(0)
    w, sigma = np.array([1.5, -2.0]), 0.5
    X = rng.normal(size=(2000, 2))
    y = X @ w + sigma * rng.normal(size=2000)
    prior = NormalInverseGamma(jnp.zeros(2), jnp.eye(2), 1.0, 1.0)
    post = NormalInverseGammaRegression(d=2).update(prior, (jnp.asarray(X), jnp.asarray(y)))
    assert np.allclose(post.mean, w, atol=0.05)
    assert abs(np.sqrt(float(post.sigma2_mean)) - sigma) < 0.03


# --- as Bayesian lenses; under jit/vmap/grad --------------------------------------------------


def test_lenses(x64):
    fam = BetaBernoulli()
    lens = fam.lens()
    assert isinstance(lens, BayesLens)
    prior = Beta(2.0, 3.0)
    assert tree_allclose(lens.update(prior, 1), Beta(3.0, 3.0))
    assert np.isclose(lens.forward.log_prob(1, 0.25), np.log(0.25))
    draws = lens.forward.sample(jax.random.key(0), 2000, x=jnp.asarray(0.25))
    assert abs(float(jnp.mean(draws)) - 0.25) < 0.03
    for fam2, theta in (
        (BetaBinomial(trials=4), 0.5),
        (DirichletCategorical(3), jnp.ones(3) / 3),
        (NormalKnownVariance(var=2.0), 1.0),
    ):
        k = fam2.lens().forward
        y = k.sample(jax.random.key(1), x=jnp.asarray(theta))
        assert np.isclose(k.log_prob(y, jnp.asarray(theta)), fam2.log_likelihood(theta, y))
    nig = NormalInverseGammaRegression(d=1).lens()
    p = NormalInverseGamma(jnp.zeros(1), jnp.eye(1), 1.0, 1.0)
    assert tree_allclose(
        nig.update(p, (jnp.array([1.0]), 2.0)),
        NormalInverseGammaRegression(d=1).update_one(p, (jnp.array([1.0]), 2.0)),
    )
    with pytest.raises(TypeError, match="conjugate"):
        lens >> lens


def test_jit_vmap_grad():
    fam = BetaBernoulli()
    y = jnp.array([1, 0, 1])
    post = jax.jit(lambda a: fam.update(Beta(a, 1.0), y))(1.0)
    assert np.isclose(post.alpha, 3.0)
    posts = jax.vmap(lambda a: fam.update(Beta(a, 1.0), y))(jnp.array([1.0, 2.0]))
    assert posts.alpha.shape == (2,)
    # d/da log B(a+2, 2) - log B(a, 1) at a = 1: ψ(3) - ψ(5) - ψ(1) + ψ(2)
    from scipy.special import digamma

    g = jax.grad(lambda a: fam.log_marginal_likelihood(Beta(a, 1.0), y))(1.0)
    assert np.isclose(g, digamma(3) - digamma(5) - digamma(1) + digamma(2), atol=1e-5)


# --- bad input ---------------------------------------------------------------------------------


def test_bad_hyperparameters():
    with pytest.raises(HyperparameterError, match="> 0"):
        Beta(-1.0, 1.0)
    with pytest.raises(HyperparameterError, match="> 0"):
        Beta(float("nan"), 1.0)
    with pytest.raises(HyperparameterError):
        Normal(0.0, 0.0)
    with pytest.raises(NonFiniteError, match="finite"):
        Normal(float("nan"), 1.0)
    with pytest.raises(HyperparameterError):
        NormalKnownVariance(var=-1.0)
    with pytest.raises(HyperparameterError):
        BetaBinomial(trials=0)
    with pytest.raises(HyperparameterError):
        DirichletCategorical(0)
    with pytest.raises(ShapeError, match="one concentration"):
        Dirichlet(jnp.ones((2, 2)))
    with pytest.raises(HyperparameterError, match="positive definite"):  # singular: not allowed
        NormalInverseGamma(jnp.zeros(2), jnp.zeros((2, 2)), 1.0, 1.0)
    with pytest.raises(ShapeError, match="precision of shape"):
        NormalInverseGamma(jnp.zeros(2), jnp.eye(3), 1.0, 1.0)


def test_bad_observations():
    with pytest.raises(SupportError, match=r"0\.\.1"):
        BetaBernoulli().update(Beta(1.0, 1.0), jnp.array([0, 2]))
    with pytest.raises(SupportError, match="integer"):
        BetaBernoulli().update(Beta(1.0, 1.0), jnp.array([0.5]))
    with pytest.raises(SupportError, match=r"0\.\.5"):
        BetaBinomial(trials=5).update(Beta(1.0, 1.0), jnp.array([6]))
    with pytest.raises(SupportError, match="Fin"):
        DirichletCategorical(3).update(Dirichlet(jnp.ones(3)), jnp.array([3]))
    with pytest.raises(ShapeError, match="3 concentrations"):
        DirichletCategorical(3).update(Dirichlet(jnp.ones(2)), jnp.array([1]))
    with pytest.raises(ShapeError, match=r"shape \(n,\)"):
        NormalKnownVariance().update(Normal(0.0, 1.0), jnp.zeros((3, 2)))
    with pytest.raises(NonFiniteError):
        NormalKnownVariance().update(Normal(0.0, 1.0), jnp.array([1.0, jnp.nan]))
    fam = NormalInverseGammaRegression(d=2)
    p = NormalInverseGamma(jnp.zeros(2), jnp.eye(2), 1.0, 1.0)
    with pytest.raises(ShapeError, match=r"\(n, 2\)"):
        fam.update(p, (jnp.zeros((3, 3)), jnp.zeros(3)))
    with pytest.raises(ShapeError, match="pair"):
        fam.update(p, jnp.zeros((3, 2)))
    with pytest.raises(NonFiniteError):
        fam.update(p, (jnp.full((1, 2), jnp.nan), jnp.zeros(1)))
