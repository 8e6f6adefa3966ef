r"""Bayesian inversion and conditioning for linear-Gaussian kernels (private; see catlearn.probability.inference.bayes).

All formulas use the Moore–Penrose pseudo-inverse of the evidence covariance, so singular
covariances (deterministic observations, degenerate priors) work: this is the generalised
Schur complement. With prior :math:`N(m, P)` and kernel :math:`x \mapsto N(Ax + b, \Sigma)`,

.. math:: S = APA^T + \Sigma,\quad K = PA^TS^+,\quad
          x \mid y \sim N\big(m + K(y - Am - b),\; P - KAP\big).

An observation :math:`y` has zero evidence when :math:`y - Am - b \notin \mathrm{range}(S)`;
conditioning on it raises :class:`~catlearn.errors.ZeroEvidenceError` (concrete values).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from catlearn.errors import ShapeError
from catlearn.probability.kernels._checks import _flat, check_on_support
from catlearn.probability.kernels._linalg import symmetrise
from catlearn.probability.kernels.gaussian import LinearGaussian

__all__: list[str] = []


def _posterior(
    m: jax.Array, P: jax.Array, A: jax.Array, b: jax.Array, cov: jax.Array, y: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Posterior (mean, cov) of x ~ N(m, P) given y ~ N(Ax + b, cov), and the off-support residual."""
    S = symmetrise(A @ P @ A.T + cov)
    Sp = jnp.linalg.pinv(S, hermitian=True)
    K = P @ A.T @ Sp
    d = y - A @ m - b
    mean = m + K @ d
    post = symmetrise(P - K @ A @ P)
    off = d - S @ (Sp @ d)
    scale = 1.0 + jnp.sqrt(jnp.sum(d**2)) + jnp.max(jnp.abs(S), initial=0.0)
    return mean, post, jnp.sqrt(jnp.sum(off**2)) / scale


def at_point(kernel: LinearGaussian, y: Any) -> LinearGaussian:
    """The state kernel(y) = N(Ay + b, Σ)."""
    return LinearGaussian.state(kernel.mean(y), kernel.cov, kernel.cod, validate=False)


def _batch(kernel: LinearGaussian, observations: Any) -> jax.Array:
    y = _flat(kernel.cod, observations)
    m = kernel.A.shape[0]
    if y.ndim != 2 or y.shape[1] != m:
        raise ShapeError(
            f"Expected a batch of observations of {kernel.cod} with a leading batch axis "
            f"(flattened shape (n, {m})), got flattened shape {tuple(y.shape)} instead."
        )
    return y.astype(kernel.b.dtype)


def update_gaussian(
    kernel: LinearGaussian, prior: LinearGaussian, observations: Any
) -> LinearGaussian:
    """Batch posterior after n i.i.d. observations, via the sufficient statistic.

    Given x, the mean ȳ of y_1..n ~ N(Ax + b, Σ) is N(Ax + b, Σ/n) and the residuals
    y_i − ȳ do not depend on x (they must lie in range Σ, else the evidence is zero), so the
    posterior is the inverse at ȳ of the kernel with covariance Σ/n: O(n m + m³), not O((nm)³).
    """
    ys = _batch(kernel, observations)
    n = ys.shape[0]
    ybar = jnp.mean(ys, axis=0)
    mean, post, res, spread = _batch_posterior(
        prior.b, prior.cov, kernel.A, kernel.b, kernel.cov, ybar, ys, n
    )
    check_on_support(jnp.maximum(res, spread), "the observations")
    return LinearGaussian.state(mean, post, prior.cod, validate=False)


@partial(jax.jit, static_argnums=7)
def _batch_posterior(
    m: jax.Array,
    P: jax.Array,
    A: jax.Array,
    b: jax.Array,
    cov: jax.Array,
    ybar: jax.Array,
    ys: jax.Array,
    n: int,
) -> tuple[jax.Array, ...]:
    mean, post, res = _posterior(m, P, A, b, cov / n, ybar)
    r = ys - ybar[None, :]
    proj = r - (r @ jnp.linalg.pinv(cov, hermitian=True)) @ cov
    scale = 1.0 + jnp.sqrt(jnp.sum(r**2, axis=-1)) + jnp.max(jnp.abs(cov), initial=0.0)
    spread = jnp.max(jnp.sqrt(jnp.sum(proj**2, axis=-1)) / scale, initial=0.0)
    return mean, post, res, spread


def sequential_update_gaussian(
    kernel: LinearGaussian, prior: LinearGaussian, observations: Any
) -> LinearGaussian:
    """Fold one-observation posteriors with ``jax.lax.scan``."""
    ys = _batch(kernel, observations)
    mean, post, res = _sequential(prior.b, prior.cov, kernel.A, kernel.b, kernel.cov, ys)
    check_on_support(res, "the observation sequence")
    return LinearGaussian.state(mean, post, prior.cod, validate=False)


@jax.jit
def _sequential(
    m: jax.Array, P: jax.Array, A: jax.Array, b: jax.Array, cov: jax.Array, ys: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    def step(state: tuple[jax.Array, jax.Array], y: jax.Array) -> tuple[Any, jax.Array]:
        mean, post, res = _posterior(*state, A, b, cov, y)
        return (mean, post), res

    (mean, post), res = jax.lax.scan(step, (m, P), ys)
    return mean, post, res
