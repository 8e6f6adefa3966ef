"""Gaussian processes as Bayesian inversion: Rasmussen & Williams Algorithm 2.1, fits, errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg as sl

from catlearn.errors import NotPSDError
from catlearn.probability.inference.gp import (
    RBF,
    FunctionKernel,
    GaussianProcess,
    Matern32,
    Matern52,
    Periodic,
    fit_gp,
)


def _data(n=25, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 5.0, n)
    return x, np.sin(x) + 0.1 * rng.normal(size=n), np.linspace(-0.5, 5.5, 9)


def _rw21(K, Ks, kss, noise, y):
    """Rasmussen & Williams (2006), Algorithm 2.1, in numpy/scipy."""
    L = np.linalg.cholesky(K + noise * np.eye(len(y)))
    alpha = sl.cho_solve((L, True), y)
    v = sl.solve_triangular(L, Ks, lower=True)
    lml = -0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * len(y) * np.log(2 * np.pi)
    return Ks.T @ alpha, kss - np.sum(v**2, axis=0), lml


KERNELS = [
    lambda: RBF(1.3, 0.7),
    lambda: Matern32(1.0, 0.5),
    lambda: Matern52(2.0, 1.0),
    lambda: Periodic(1.0, 1.0, 2.0),
    lambda: RBF(1.0, 1.0) * Periodic(1.0, 1.0, 2.0) + Matern32(0.5, 0.3),
]


@pytest.mark.parametrize("make", KERNELS)
def test_posterior_is_inversion_equal_to_rw_algorithm_2_1(x64, make):
    x, y, xs = _data()
    k, noise = make(), 0.05
    gp = GaussianProcess(k, noise)
    post = gp.posterior(x, y, xs)  # invert(observation, prior on train ∪ test) at y
    K, Ks, Kss = (np.asarray(k(a, b)) for a, b in ((x, x), (x, xs), (xs, xs)))
    mu, var, lml = _rw21(K, Ks, np.diag(Kss), noise, y)
    assert np.abs(np.asarray(post.b) - mu).max() < 1e-10
    assert np.abs(np.diag(np.asarray(post.cov)) - var).max() < 1e-10
    # full posterior covariance too: Kss - Ks^T (K + σ²I)^-1 Ks
    full = Kss - Ks.T @ np.linalg.solve(K + noise * np.eye(len(y)), Ks)
    assert np.abs(np.asarray(post.cov) - full).max() < 1e-10
    assert abs(float(gp.log_marginal_likelihood(x, y, method="inversion")) - lml) < 1e-10
    assert abs(float(gp.log_marginal_likelihood(x, y)) - lml) < 1e-10
    m2, v2 = gp.predict(x, y, xs, method="cholesky")
    assert np.abs(np.asarray(m2) - mu).max() < 1e-10 and np.abs(np.asarray(v2) - var).max() < 1e-10


def test_float32_agrees_with_float64():
    x, y, xs = _data()
    m, v = GaussianProcess(RBF(1.0, 0.8), 0.1).predict(x, y, xs)
    assert m.dtype == jnp.float32
    K, Ks, Kss = (
        np.asarray(RBF(1.0, 0.8)(a, b), np.float64) for a, b in ((x, x), (x, xs), (xs, xs))
    )
    mu, var, _ = _rw21(K, Ks, np.diag(Kss), 0.1, y)
    assert np.abs(np.asarray(m) - mu).max() < 1e-3 and np.abs(np.asarray(v) - var).max() < 1e-3


def test_kernel_algebra_and_function_kernel():
    x = jnp.linspace(0.0, 1.0, 4)
    a, b = RBF(1.0, 0.5), Matern52(2.0, 0.3)
    assert jnp.allclose((a + b)(x, x), a(x, x) + b(x, x))
    assert jnp.allclose((a * b)(x, x), a(x, x) * b(x, x))
    rbf_fn = FunctionKernel(lambda p, u, v: p * jnp.exp(-0.5 * jnp.sum((u - v) ** 2) / 0.25), 1.0)
    assert jnp.allclose(rbf_fn(x, x), a(x, x), atol=1e-6)


def test_non_psd_kernel_is_a_typed_error():
    bad = GaussianProcess(FunctionKernel(lambda p, u, v: -jnp.sum((u - v) ** 2)), 1e-3)
    x = jnp.linspace(0.0, 1.0, 5)
    with pytest.raises(NotPSDError, match="positive semi-definite"):
        bad.posterior(x, jnp.zeros(5), x)
    with pytest.raises(NotPSDError):
        bad.log_marginal_likelihood(x, jnp.zeros(5))
    with pytest.raises(ValueError):  # NotPSDError is a ValueError too
        fit_gp(bad, x, jnp.zeros(5), steps=2)


def test_hyperparameter_fit_converges_to_grid_optimum(x64):
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0.0, 6.0, 40))
    y = np.sin(1.5 * x) + 0.2 * rng.normal(size=40)
    gp0 = GaussianProcess(RBF(1.0, 1.0), 0.1)
    fitted, hist = fit_gp(gp0, x, y, steps=300, trainable=lambda g: (g.kernel.lengthscale, g.noise))
    assert float(fitted.kernel.variance) == 1.0  # fixed
    ls = jnp.exp(jnp.linspace(jnp.log(0.2), jnp.log(3.0), 121))
    ns = jnp.exp(jnp.linspace(jnp.log(1e-3), jnp.log(1.0), 121))

    def lml(l, n):
        return GaussianProcess(RBF(1.0, l), n).log_marginal_likelihood(x, y)

    grid = jax.vmap(lambda l: jax.vmap(lambda n: lml(l, n))(ns))(ls)
    i, j = np.unravel_index(int(jnp.argmax(grid)), grid.shape)
    best = float(grid[i, j])
    got = float(fitted.log_marginal_likelihood(x, y))
    assert got >= best - 1e-6  # at least as good as the best grid point
    # and at the grid optimum within one grid step (log-spacing 0.023 and 0.058)
    assert abs(np.log(float(fitted.kernel.lengthscale) / float(ls[i]))) < 0.03
    assert abs(np.log(float(fitted.noise) / float(ns[j]))) < 0.06
    assert float(hist[-1]) > float(hist[0])


# --- issue 22, cause 4: Cholesky by default, jitter policy, variance floor, diverging fits ----


def test_predict_defaults_to_cholesky(monkeypatch):
    """The default never builds the (n+m)-point joint state (was method='inversion')."""
    x, y, xs = _data()
    gp = GaussianProcess(RBF(1.0, 0.8), 0.1)
    chol = gp.predict(x, y, xs, method="cholesky")

    def no_inversion(*_, **__):
        raise AssertionError("the default path inverted the joint state")

    monkeypatch.setattr(GaussianProcess, "posterior", no_inversion)
    m, v = gp.predict(x, y, xs)
    assert np.array_equal(np.asarray(m), np.asarray(chol[0]))
    assert np.array_equal(np.asarray(v), np.asarray(chol[1]))


@pytest.mark.parametrize("method", ["cholesky", "inversion"])
def test_repeated_inputs_small_noise_float32_variances_non_negative(method):
    """20 points each repeated twice, noise 1e-7, float32: both paths gave negative variances
    (inversion) or NotPSDError (Cholesky); now the jitter policy factors K and the variance
    floor is 0, and the mean still agrees with float64."""
    rng = np.random.default_rng(1)
    x = np.repeat(rng.uniform(0, 5, 20), 2).astype(np.float32)
    y = np.sin(x)
    xs = np.concatenate([x[::2], np.linspace(0, 5, 50, dtype=np.float32)])
    m, v = GaussianProcess(RBF(10.0, 0.3), 1e-7).predict(x, y, xs, method=method)
    assert m.dtype == jnp.float32
    assert bool(jnp.all(v >= 0)) and bool(jnp.all(jnp.isfinite(m)))
    K, Ks = (np.asarray(RBF(10.0, 0.3)(a, b), np.float64) for a, b in ((x, x), (x, xs)))
    mu = Ks.T @ np.linalg.lstsq(K + 1e-7 * np.eye(len(x)), y, rcond=None)[0]
    assert np.abs(np.asarray(m)[:20] - y[::2]).max() < 1e-2  # interpolates the data
    assert np.abs(np.asarray(m) - mu).max() < 5e-2


def test_fit_gp_diverging_optimiser_raises_non_finite():
    import optax

    from catlearn.errors import NonFiniteError

    x = jnp.linspace(0.0, 3.0, 20)
    with pytest.raises(NonFiniteError, match=r"fit_gp diverged.*step \d+ of 20.*learning rate"):
        fit_gp(
            GaussianProcess(RBF(1.0, 1.0), 0.1), x, jnp.sin(x), steps=20, optimizer=optax.sgd(1e6)
        )


def test_gp_kernels_exported_from_faces():
    import catlearn.probability as P
    import catlearn.probability.inference as I
    from catlearn.probability.inference import gp

    for name in ("RBF", "Matern32", "Matern52", "Periodic", "FunctionKernel", "Kernel"):
        assert getattr(P, name) is getattr(gp, name) is getattr(I, name)
        assert name in P.__all__ and name in I.__all__
