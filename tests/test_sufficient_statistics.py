"""Sufficient statistics of the conjugate families (Jacobs, *A channel-based perspective on
conjugate priors*: the update map on hyperparameters reads the data only through a statistic).

For each family, in float64: updating with the data equals updating with its statistic, equals
the hand-written closed form and the sequential fold; and a *different* batch with the same
statistic gives the same posterior (what makes the statistic sufficient)."""

from __future__ import annotations

import jax
import numpy as np
import pytest

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
from catlearn.probability.inference.conjugate_families import (
    DirichletMultinomial,
    Gamma,
    NormalWishart,
    NormalWishartFamily,
    PoissonGamma,
)


def _nig_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    y = X @ np.array([1.5, -0.5]) + 0.3 * rng.normal(size=6)
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))  # QX, Qy: same XᵀX, Xᵀy, yᵀy
    return (X, y), (q @ X, q @ y)


def _nig_closed_form(prior, data):
    X, y = data
    lam = prior.precision + X.T @ X
    mean = np.linalg.solve(lam, prior.precision @ prior.mean + X.T @ y)
    b = prior.b + 0.5 * (y @ y + prior.mean @ prior.precision @ prior.mean - mean @ lam @ mean)
    return NormalInverseGamma(mean, lam, prior.a + len(y) / 2, b)


def _nw_data():
    x = np.random.default_rng(1).normal(size=(5, 2)) + np.array([3.0, -1.0])
    return x, 2 * x.mean(0) - x  # reflected about the mean: same n, mean and scatter


def _nw_closed_form(prior, x):
    n, xbar = len(x), x.mean(0)
    S, dm = (x - xbar).T @ (x - xbar), xbar - prior.mean
    kn = prior.kappa + n
    psi = prior.psi + S + prior.kappa * n / kn * np.outer(dm, dm)
    return NormalWishart((prior.kappa * prior.mean + n * xbar) / kn, kn, psi, prior.nu + n)


CASES = {
    # family, prior, data, another batch with the same statistic, the posterior by hand
    "beta_bernoulli": lambda: (
        BetaBernoulli(),
        Beta(2.0, 3.0),
        np.array([1, 0, 0, 1, 1]),
        np.array([0, 1, 1, 1, 0]),
        Beta(5.0, 5.0),
    ),
    "beta_binomial": lambda: (
        BetaBinomial(trials=4),
        Beta(1.0, 1.0),
        np.array([3, 1, 4]),
        np.array([2, 2, 4]),
        Beta(9.0, 5.0),
    ),
    "dirichlet_categorical": lambda: (
        DirichletCategorical(3),
        Dirichlet(np.array([1.0, 2.0, 0.5])),
        np.array([0, 2, 2, 1]),
        np.array([2, 1, 0, 2]),
        Dirichlet(np.array([2.0, 3.0, 2.5])),
    ),
    "normal_known_variance": lambda: (
        NormalKnownVariance(var=2.0),
        Normal(0.5, 4.0),
        np.array([1.0, 3.0, -0.5]),
        np.array([2.0, 2.0, -0.5]),
        Normal((0.5 / 4 + 3.5 / 2) / (1 / 4 + 3 / 2), 1 / (1 / 4 + 3 / 2)),
    ),
    "nig_regression": lambda: (
        NormalInverseGammaRegression(d=2),
        NormalInverseGamma(np.array([0.1, -0.2]), np.array([[2.0, 0.3], [0.3, 1.0]]), 2.0, 1.5),
        *_nig_data(),
        None,
    ),
    "poisson_gamma": lambda: (
        PoissonGamma(),
        Gamma(2.0, 1.0),
        np.array([3, 0, 4]),
        np.array([1, 5, 1]),
        Gamma(9.0, 4.0),
    ),
    "normal_wishart": lambda: (
        NormalWishartFamily(2),
        NormalWishart(np.zeros(2), 1.5, np.array([[1.0, 0.2], [0.2, 2.0]]), 4.0),
        *_nw_data(),
        None,
    ),
    "dirichlet_multinomial": lambda: (
        DirichletMultinomial(k=3, trials=4),
        np.array([1.0, 1.0, 2.0]),
        np.array([[1, 1, 2], [0, 4, 0]]),
        np.array([[0, 2, 2], [1, 3, 0]]),
        np.array([2.0, 6.0, 4.0]),
    ),
}


def _close(a, b):
    for u, v in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_update_with_data_equals_update_with_statistic_x64(x64, name):
    fam, prior, data, same_stat, by_hand = CASES[name]()
    post = fam.update(prior, data)
    _close(post, fam.update_statistic(prior, fam.sufficient_statistic(data)))
    if by_hand is None:
        by_hand = (_nig_closed_form if name == "nig_regression" else _nw_closed_form)(prior, data)
    _close(post, by_hand)
    # sufficiency: another batch with the same statistic, the same posterior
    _close(fam.sufficient_statistic(same_stat), fam.sufficient_statistic(data))
    _close(fam.update(prior, same_stat), post)
    # the sequential fold (one statistic per observation) lands on the batch posterior
    _close(fam.sequential_update(prior, data), post)
