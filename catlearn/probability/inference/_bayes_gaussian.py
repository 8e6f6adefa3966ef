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
import numpy as np

from catlearn.core.types import Ty
from catlearn.errors import ShapeError, ZeroEvidenceError
from catlearn.probability.kernels._checks import _flat
from catlearn.probability.kernels._linalg import symmetrise
from catlearn.probability.kernels.gaussian import LinearGaussian

__all__: list[str] = []


def _eps(dtype: Any) -> float:
    return 1e-7 if jnp.dtype(dtype) == jnp.float64 else 1e-3


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


def _raise_if_off(residual: Any, what: str) -> None:
    r = residual if isinstance(residual, jax.core.Tracer) else np.asarray(residual)
    if isinstance(r, jax.core.Tracer):
        return
    if np.any(r > _eps(r.dtype)):
        raise ZeroEvidenceError(
            f"Cannot condition on {what}: it lies off the support of its predicted Gaussian "
            f"(the evidence covariance is singular and the residual is outside its range), so "
            f"the posterior is undefined. Check the observation, or add observation noise."
        )


def _state(mean: jax.Array, cov: jax.Array, cod: Ty) -> LinearGaussian:
    return LinearGaussian(
        jnp.zeros((mean.shape[0], 0), mean.dtype), mean, cov, dom=Ty(), cod=cod, validate=False
    )


def invert_gaussian(kernel: LinearGaussian, prior: LinearGaussian) -> LinearGaussian:
    """The inverse kernel y ↦ N(m + K(y − Am − b), P − KAP)."""
    m, P, A, b = prior.b, prior.cov, kernel.A, kernel.b
    S = symmetrise(A @ P @ A.T + kernel.cov)
    K = P @ A.T @ jnp.linalg.pinv(S, hermitian=True)
    return LinearGaussian(
        K,
        m - K @ (A @ m + b),
        symmetrise(P - K @ A @ P),
        dom=kernel.cod,
        cod=kernel.dom,
        validate=False,
    )


def at_point(kernel: LinearGaussian, y: Any) -> LinearGaussian:
    """The state kernel(y) = N(Ay + b, Σ)."""
    return _state(kernel.mean(y), kernel.cov, kernel.cod)


def condition_gaussian(joint: LinearGaussian, obs: dict[int, Any]) -> LinearGaussian:
    """Condition a Gaussian joint state on exact values of some wires (Schur complement)."""
    atoms = joint.cod.inside
    offs: np.ndarray = np.cumsum([0] + [int(np.prod(a.shape)) for a in atoms])
    o_idx, r_idx, vals = [], [], []
    for i, a in enumerate(atoms):
        rng = np.arange(offs[i], offs[i + 1])
        if i in obs:
            v = jnp.asarray(obs[i], dtype=joint.b.dtype)
            if tuple(v.shape) != a.shape:
                raise ShapeError(
                    f"Expected the observation on wire {i} ({a}) to have shape {a.shape}, got "
                    f"shape {tuple(v.shape)} instead; pass one value (no batch axis)."
                )
            o_idx.append(rng)
            vals.append(v.reshape(-1))
        else:
            r_idx.append(rng)
    o = np.concatenate(o_idx).astype(int) if o_idx else np.zeros(0, int)
    r = np.concatenate(r_idx).astype(int) if r_idx else np.zeros(0, int)
    y = jnp.concatenate(vals) if vals else jnp.zeros(0, joint.b.dtype)
    mu, C = joint.b, joint.cov
    # x_r ~ N(mu_r, C_rr) and y = x_o | x_r is the linear-Gaussian "kernel" of the joint:
    # same formula as inversion with A = I on the observed block, written with cross terms.
    S = C[np.ix_(o, o)]
    Sp = jnp.linalg.pinv(S, hermitian=True)
    K = C[np.ix_(r, o)] @ Sp
    d = y - mu[o]
    off = d - S @ (Sp @ d)
    scale = 1.0 + jnp.sqrt(jnp.sum(d**2)) + jnp.max(jnp.abs(S), initial=0.0)
    _raise_if_off(jnp.sqrt(jnp.sum(off**2)) / scale, f"the observation {obs}")
    mean = mu[r] + K @ d
    cov = symmetrise(C[np.ix_(r, r)] - K @ C[np.ix_(o, r)])
    return _state(mean, cov, Ty(*(a for i, a in enumerate(atoms) if i not in obs)))


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
    _raise_if_off(jnp.maximum(res, spread), "the observations")
    return _state(mean, post, prior.cod)


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
    _raise_if_off(res, "the observation sequence")
    return _state(mean, post, prior.cod)


@jax.jit
def _sequential(
    m: jax.Array, P: jax.Array, A: jax.Array, b: jax.Array, cov: jax.Array, ys: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    def step(state: tuple[jax.Array, jax.Array], y: jax.Array) -> tuple[Any, jax.Array]:
        mean, post, res = _posterior(*state, A, b, cov, y)
        return (mean, post), res

    (mean, post), res = jax.lax.scan(step, (m, P), ys)
    return mean, post, res
