"""Conjugate families checked against exact numeric inversion (grid, linear-Gaussian invert)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.special import betainc, gammainc

from catlearn.core.types import Fin
from catlearn.errors import SupportError
from catlearn.probability.inference.bayes import invert, update
from catlearn.probability.inference.conjugate import (
    Beta,
    BetaBernoulli,
    Dirichlet,
    DirichletCategorical,
)
from catlearn.probability.inference.conjugate_families import (
    DirichletMultinomial,
    Gamma,
    NormalWishart,
    NormalWishartFamily,
    PoissonGamma,
)
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite


def _grid_posterior(theta, prior_w, loglik_rows, data):
    """Exact inversion on a grid: a Finite prior on the grid points, a Finite likelihood
    kernel grid -> observations, and catlearn.probability.inference.bayes.update."""
    kernel = Finite(loglik_rows, Fin(len(theta)), Fin(loglik_rows.shape[1]))
    return np.asarray(update(kernel, Finite.state(prior_w), jnp.asarray(data)).array)


def _cell_masses(cdf, edges):
    c = np.asarray(cdf(jnp.asarray(edges)))
    return np.diff(c)


def test_beta_bernoulli_equals_grid_inversion_2001_points(x64):
    theta = np.linspace(0.0, 1.0, 2001)
    h = theta[1] - theta[0]
    rows = np.stack([1 - theta, theta], axis=1)
    grid = _grid_posterior(theta, np.full(2001, 1 / 2001), rows, [1, 1, 0])
    post = BetaBernoulli().update(Beta(1.0, 1.0), jnp.array([1, 1, 0]))
    edges = np.clip(np.concatenate([theta - h / 2, [1.0 + h / 2]]), 0.0, 1.0)
    mass = _cell_masses(lambda t: betainc(post.alpha, post.beta, t), edges)
    tv = 0.5 * np.abs(mass - grid).sum()
    assert tv < 1e-3, tv


def test_poisson_gamma_grid_and_batch_equals_sequential(x64):
    data = jnp.array([3, 0, 4, 2, 5])
    prior = Gamma(2.0, 1.0)
    fam = PoissonGamma()
    post = fam.update(prior, data)
    seq = fam.sequential_update(prior, data)
    assert abs(float(post.shape) - float(seq.shape)) < 1e-12
    assert abs(float(post.rate) - float(seq.rate)) < 1e-12
    lam = np.linspace(1e-4, 15.0, 3001)
    h = lam[1] - lam[0]
    kmax = 60
    k = np.arange(kmax + 1)
    rows = np.exp(
        k[None, :] * np.log(lam[:, None])
        - lam[:, None]
        - jax.scipy.special.gammaln(k + 1.0)[None, :]
    )
    rows = rows / rows.sum(axis=1, keepdims=True)  # truncation at 60 is < 1e-20 here
    pw = np.exp(np.asarray(prior.log_prob(jnp.asarray(lam))))
    grid = _grid_posterior(lam, pw / pw.sum(), rows, data)
    edges = np.concatenate([lam - h / 2, [lam[-1] + h / 2]])
    mass = _cell_masses(lambda t: gammainc(post.shape, post.rate * jnp.clip(t, 0.0)), edges)
    assert 0.5 * np.abs(mass - grid).sum() < 2e-3
    # log marginal likelihood = log sum_grid prior * likelihood (Riemann sum)
    lik = np.exp(
        np.sum(np.asarray(fam.log_likelihood(jnp.asarray(lam)[:, None], data[None, :])), 1)
    )
    assert (
        abs(np.log(np.sum(pw * h * lik)) - float(fam.log_marginal_likelihood(prior, data))) < 1e-3
    )
    pred = fam.predictive(prior, 200)
    assert abs(float(pred.sum()) - 1.0) < 1e-9


def test_poisson_impossible_data_is_a_typed_error():
    with pytest.raises(SupportError, match="probability 0"):
        PoissonGamma().update(Gamma(1.0, 1.0), jnp.array([1, -2]))
    with pytest.raises(SupportError):
        PoissonGamma().update(Gamma(1.0, 1.0), jnp.array([1.5]))


def test_normal_wishart_batch_sequential_invert_and_monte_carlo(x64):
    rng = np.random.default_rng(0)
    d = 2
    data = jnp.asarray(rng.normal(size=(6, d)) @ np.array([[1.0, 0.3], [0.0, 0.7]]) + 1.0)
    prior = NormalWishart(jnp.array([0.5, -0.5]), 2.0, jnp.array([[1.0, 0.2], [0.2, 1.5]]), 4.0)
    fam = NormalWishartFamily(d)
    post, seq = fam.update(prior, data), fam.sequential_update(prior, data)
    for a, b in zip(jax.tree_util.tree_leaves(post), jax.tree_util.tree_leaves(seq)):
        assert np.abs(np.asarray(a) - np.asarray(b)).max() < 1e-10
    # given Λ, the mean's posterior is the linear-Gaussian inverse of μ ↦ N(μ, Λ⁻¹)
    Lam = jnp.array([[2.0, 0.3], [0.3, 1.0]])
    S = jnp.linalg.inv(Lam)
    lg_prior = LinearGaussian.state(prior.mean, S / prior.kappa)
    obs = LinearGaussian(jnp.eye(d), cov=S)
    m = lg_prior
    for x in data:
        back = invert(obs, m)
        m = LinearGaussian.state(back.mean(x), back.cov)
    assert np.abs(np.asarray(m.b) - np.asarray(post.mean)).max() < 1e-10
    assert np.abs(np.asarray(m.cov) - np.asarray(S / post.kappa)).max() < 1e-10
    # Monte Carlo: log p(D) = log E_prior[p(D | μ, Λ)]
    key = jax.random.key(0)
    n = 200_000
    k1, k2 = jax.random.split(key)
    W = jnp.linalg.inv(prior.psi)
    Lw = jnp.linalg.cholesky(W)
    g = jax.random.normal(k1, (n, int(prior.nu), d)) @ Lw.T  # Wishart(W, ν) with integer ν
    lams = jnp.einsum("nki,nkj->nij", g, g)
    covs = jnp.linalg.inv(prior.kappa * lams)
    mus = prior.mean[None, :] + jnp.einsum(
        "nij,nj->ni", jnp.linalg.cholesky(covs), jax.random.normal(k2, (n, d))
    )
    ll = jax.vmap(
        lambda mu, la: jnp.sum(jax.vmap(lambda x: fam.log_likelihood((mu, la), x))(data))
    )(mus, lams)
    mc = jax.nn.logsumexp(ll) - jnp.log(n)
    assert abs(float(mc) - float(fam.log_marginal_likelihood(prior, data))) < 0.05
    # and the posterior mean of Λ by self-normalised importance weights
    w = jax.nn.softmax(ll)
    assert (
        np.abs(np.asarray(jnp.einsum("n,nij->ij", w, lams)) - np.asarray(post.precision_mean)).max()
        < 0.1
    )


def test_dirichlet_multinomial_reduces_to_categorical(x64):
    fam = DirichletMultinomial(k=3, trials=1)
    onehot = jnp.array([[1, 0, 0], [0, 0, 1], [0, 0, 1]])
    alpha = jnp.array([1.0, 2.0, 0.5])
    cat = DirichletCategorical(3)
    assert np.allclose(
        np.asarray(fam.update(alpha, onehot)),
        np.asarray(cat.update(Dirichlet(alpha), jnp.array([0, 2, 2])).alpha),
    )
    assert (
        abs(
            float(fam.log_marginal_likelihood(alpha, onehot))
            - float(cat.log_marginal_likelihood(Dirichlet(alpha), jnp.array([0, 2, 2])))
        )
        < 1e-12
    )
    fam4 = DirichletMultinomial(k=3, trials=4)
    data = jnp.array([[1, 1, 2], [0, 4, 0], [2, 2, 0]])
    assert np.allclose(
        np.asarray(fam4.update(alpha, data)), np.asarray(fam4.sequential_update(alpha, data))
    )
    # the predictive sums to one over all count vectors with 4 trials
    vecs = jnp.array([[a, b, 4 - a - b] for a in range(5) for b in range(5 - a)])
    total = jnp.sum(jnp.exp(jax.vmap(lambda c: fam4.log_predictive(alpha, c))(vecs)))
    assert abs(float(total) - 1.0) < 1e-10
    with pytest.raises(SupportError, match="sum to trials"):
        fam4.update(alpha, jnp.array([[1, 1, 1]]))
