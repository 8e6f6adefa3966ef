r"""Learning HMM parameters: Baum–Welch (EM) and gradient ascent through the filter.

**EM** (Baum 1970; Rabiner 1989; Dempster, Laird & Rubin 1977). The E-step is the smoother
(sequential or parallel); the expected transition counts come from the same backward
kernels the smoother composes,
:math:`\xi_t(i, j) = f_t(i) A_{ij} s_{t+1}(j) / p_{t+1}(j)`; the M-step is closed form per
emission family (categorical counts, Gaussian weighted moments, Poisson weighted means).
Each iteration cannot decrease :math:`\log p(y)` (tested). Runs as one ``lax.scan`` over
iterations, ``vmap`` over sequences.

**Gradient**: :math:`\log p(y)` is differentiable through either filter, so any optax
optimiser fits the unconstrained parameters (log-probabilities through ``softmax``).

>>> import jax.numpy as jnp
>>> from catlearn.probability.statespace.hmm import HMM
>>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
...           jnp.array([[0.8, 0.2], [0.3, 0.7]]))
>>> obs = jnp.array([[0, 0, 0, 1, 1, 1, 0, 0]])
>>> fitted, lls = hmm_fit_em(hmm, obs, num_iters=5)
>>> bool(jnp.all(jnp.diff(lls) >= -1e-5))
True
"""

from __future__ import annotations

from functools import partial, singledispatch
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from catlearn.core.checked import as_array
from catlearn.core.loop import gradient_steps
from catlearn.errors import DataError, HyperparameterError, ShapeError
from catlearn.probability.statespace import _hmm_infer as infer
from catlearn.probability.statespace._hmm_infer import HMMBase
from catlearn.probability.statespace._parallel import resolve_method
from catlearn.probability.statespace.hmm import HMM
from catlearn.probability.statespace.hmm_emissions import GaussianHMM, PoissonHMM

__all__ = ["HMMFit", "hmm_fit_em", "hmm_fit_gradient"]


class HMMFit(NamedTuple):
    """A fitted model and the total log-likelihood of the data before each step.

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.hmm import HMM
    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
    ...           jnp.array([[0.8, 0.2], [0.3, 0.7]]))
    >>> fit = hmm_fit_em(hmm, jnp.array([[0, 0, 1, 1]]), num_iters=3)
    >>> type(fit.model).__name__, fit.log_likelihoods.shape
    ('HMM', (3,))
    """

    model: HMMBase
    log_likelihoods: jax.Array  # (num_iters,)


def _batch(model: Any, obs: Any) -> jax.Array:
    if not isinstance(model, HMMBase):
        raise ShapeError(
            f"Expected an HMM (HMM, GaussianHMM, PoissonHMM), got {type(model).__name__}."
        )
    obs = as_array(obs, "the observations")
    seq_ndim = model.obs_ndim
    if obs.ndim == seq_ndim:
        obs = obs[None]
    if obs.ndim != seq_ndim + 1 or obs.shape[0] == 0:
        raise ShapeError(
            f"Expected a batch of sequences of shape (B, T{', d' if seq_ndim == 2 else ''}) "
            f"(or one sequence), got shape {tuple(obs.shape)} instead."
        )
    return jnp.stack([model.check_obs(y) for y in obs])  # typed errors per sequence


def _posteriors(model: HMMBase, obs: jax.Array, method: str):
    """Per sequence: log p(y), smoothed marginals (T, k), expected transitions (k, k)."""
    if method == "parallel":
        ll, filt, pred = infer.filter_parallel(model, obs)
        smooth = infer.smooth_parallel(model.transition, filt, pred)
    else:
        ll, filt, pred = infer.filter_sequential(model, obs, keep=True)
        smooth = infer.smooth_sequential(model.transition, filt, pred)
    ok = pred[1:] > 0
    ratio = jnp.where(ok, smooth[1:] / jnp.where(ok, pred[1:], 1.0), 0.0)
    xi = model.transition * (filt[:-1].T @ ratio)
    return ll, smooth, xi


@singledispatch
def _m_step(model: Any, smooth: jax.Array, obs: jax.Array, initial, transition) -> Any:
    raise ShapeError(f"No EM M-step for {type(model).__name__}.")  # pragma: no cover


@_m_step.register
def _(model: HMM, smooth, obs, initial, transition) -> HMM:
    counts = jnp.einsum("btk,btm->km", smooth, jax.nn.one_hot(obs, model.num_symbols))
    return HMM(initial, transition, counts / jnp.sum(counts, axis=1, keepdims=True))


def _weights(smooth: jax.Array, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Posterior weights with missing (NaN) rows removed, and the NaN-free data."""
    seen = ~jnp.any(jnp.isnan(obs), axis=-1)
    return smooth * seen[..., None], jnp.where(seen[..., None], obs, 0.0)


@_m_step.register
def _(model: GaussianHMM, smooth, obs, initial, transition) -> GaussianHMM:
    w, y = _weights(smooth, obs)
    n = jnp.sum(w, axis=(0, 1))
    means = jnp.einsum("btk,btd->kd", w, y) / n[:, None]
    second = jnp.einsum("btk,btd,bte->kde", w, y, y) / n[:, None, None]
    covs = second - means[:, :, None] * means[:, None, :]
    d = means.shape[1]
    covs = (covs + jnp.swapaxes(covs, 1, 2)) / 2 + model.min_variance * jnp.eye(d)[None]
    return GaussianHMM(initial, transition, means, covs, min_variance=model.min_variance)


@_m_step.register
def _(model: PoissonHMM, smooth, obs, initial, transition) -> PoissonHMM:
    w, y = _weights(smooth, obs)
    rates = jnp.einsum("btk,btd->kd", w, y) / jnp.sum(w, axis=(0, 1))[:, None]
    return PoissonHMM(initial, transition, jnp.maximum(rates, 1e-12))


def hmm_fit_em(model: HMMBase, obs: Any, *, num_iters: int = 50, method: str = "auto") -> HMMFit:
    r"""Baum–Welch: ``num_iters`` EM steps from ``model`` on a batch of sequences ``obs``
    (``(B, T)`` symbols, ``(B, T, d)`` Gaussian/Poisson data, or one sequence).

    Returns the fitted model and ``log_likelihoods[i]`` :math:`= \sum_b \log p(y^b \mid
    \theta_i)` for the parameters *before* step ``i`` (non-decreasing).

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.hmm import HMM
    >>> hmm = HMM(jnp.array([0.6, 0.4]), jnp.array([[0.7, 0.3], [0.4, 0.6]]),
    ...           jnp.array([[0.5, 0.5], [0.1, 0.9]]))
    >>> hmm_fit_em(hmm, jnp.array([[0, 1, 1, 1]]), num_iters=3).log_likelihoods.shape
    (3,)
    """
    if not isinstance(num_iters, int | np.integer) or num_iters < 1:
        raise HyperparameterError(f"Expected num_iters >= 1, got {num_iters!r} instead.")
    obs = _batch(model, obs)
    method = resolve_method(method, int(obs.shape[1]), "hmm")
    return _fit_em(model, obs, int(num_iters), method)


@partial(jax.jit, static_argnums=(2, 3))
def _fit_em(model: HMMBase, obs: jax.Array, num_iters: int, method: str) -> HMMFit:
    def step(m, _):
        ll, smooth, xi = jax.vmap(lambda y: _posteriors(m, y, method))(obs)
        initial = jnp.mean(smooth[:, 0], axis=0)
        trans = jnp.sum(xi, axis=0)
        trans = trans / jnp.sum(trans, axis=1, keepdims=True)
        return _m_step(m, smooth, obs, initial, trans), jnp.sum(ll)

    fitted, lls = jax.lax.scan(step, model, None, length=num_iters)
    return HMMFit(fitted, lls)


def hmm_fit_gradient(
    model: HMM,
    obs: Any,
    *,
    num_steps: int = 200,
    optimizer: optax.GradientTransformation | None = None,
    method: str = "auto",
) -> HMMFit:
    r"""Fit a categorical :class:`~catlearn.probability.statespace.hmm.HMM` by gradient ascent on
    :math:`\sum_b \log p(y^b)` through the differentiable filter (``method`` as in
    :func:`~catlearn.probability.statespace.hmm.hmm_log_likelihood`), over log-probability tables mapped
    back by ``softmax``. Default optimiser: ``optax.adam(0.05)``.

    Returns the fitted model and the log-likelihood before each step.

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.hmm import HMM
    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.8, 0.2], [0.2, 0.8]]),
    ...           jnp.array([[0.6, 0.4], [0.4, 0.6]]))
    >>> fit = hmm_fit_gradient(hmm, jnp.array([[0, 0, 1, 1, 0, 0]]), num_steps=20)
    >>> bool(fit.log_likelihoods[-1] > fit.log_likelihoods[0])
    True
    """
    if not isinstance(model, HMM):
        raise ShapeError(
            f"hmm_fit_gradient fits categorical HMMs; got {type(model).__name__}. "
            f"Use hmm_fit_em for Gaussian or Poisson emissions."
        )
    if not isinstance(num_steps, int | np.integer) or num_steps < 1:
        raise HyperparameterError(f"Expected num_steps >= 1, got {num_steps!r} instead.")
    obs = _batch(model, obs)
    if obs.shape[1] == 0:
        raise DataError("Expected sequences of length T >= 1, got T = 0.")
    method = resolve_method(method, int(obs.shape[1]), "hmm")
    opt = optax.adam(0.05) if optimizer is None else optimizer
    return _fit_gradient(model, obs, int(num_steps), opt, method)


@partial(jax.jit, static_argnums=(2, 3, 4))
def _fit_gradient(model: HMM, obs, num_steps: int, opt, method: str) -> HMMFit:
    def build(p):
        return HMM(*(jax.nn.softmax(x, axis=-1) for x in p))

    def loss(p):
        m = build(p)
        if method == "parallel":
            lls = jax.vmap(lambda y: infer.log_likelihood_parallel(m, y))(obs)
        else:
            lls = jax.vmap(lambda y: infer.filter_sequential(m, y, keep=False)[0])(obs)
        return -jnp.sum(lls)

    tiny = jnp.finfo(model.initial.dtype).tiny
    params = tuple(
        jnp.log(jnp.maximum(x, tiny)) for x in (model.initial, model.transition, model.emission)
    )

    params, losses = gradient_steps(loss, params, opt, num_steps)
    return HMMFit(build(params), -losses)
