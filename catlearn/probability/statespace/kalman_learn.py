r"""Learning LGSSM parameters: EM (Shumway & Stoffer 1982) and gradient ascent on
:math:`\log p(y)` through the Kalman filter.

The log-likelihood of :func:`~catlearn.probability.statespace.kalman.kalman_log_likelihood` is
differentiable in every model field, sequential or parallel, so an optax optimiser fits any
chosen subset of them. Covariances are parametrised by a square root :math:`L` with
:math:`\Sigma = LL^\top` (plus a small jitter for :math:`R`), so they stay PSD throughout.
:func:`lgssm_fit_em` and :func:`lgssm_fit_gradient` have runnable examples.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple, cast

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike

from catlearn.core.checked import as_array
from catlearn.core.loop import gradient_steps
from catlearn.core.optim import Optimiser, as_optax
from catlearn.errors import HyperparameterError, ShapeError
from catlearn.probability.kernels._linalg import sqrt_psd
from catlearn.probability.statespace import _kalman_infer as infer
from catlearn.probability.statespace._parallel import resolve_method
from catlearn.probability.statespace.kalman import LGSSM

__all__ = ["LGSSMFit", "lgssm_fit_em", "lgssm_fit_gradient"]

_FIELDS = (
    "initial_mean",
    "dynamics",
    "dynamics_cov",
    "dynamics_bias",
    "emission",
    "emission_cov",
    "emission_bias",
)
_COVS = ("dynamics_cov", "emission_cov")


class LGSSMFit(NamedTuple):
    """A fitted model and the total log-likelihood before each step.

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.kalman import LGSSM
    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), 0.5 * jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1))
    >>> fit = lgssm_fit_em(m, jnp.ones((1, 10, 1)), num_iters=3)
    >>> type(fit.model).__name__, fit.log_likelihoods.shape
    ('LGSSM', (3,))
    """

    model: LGSSM
    log_likelihoods: jax.Array


def lgssm_fit_gradient(
    model: LGSSM,
    obs: ArrayLike,
    *,
    fields: tuple[str, ...] = ("dynamics", "dynamics_cov", "emission", "emission_cov"),
    num_steps: int = 200,
    optimizer: Optimiser | optax.GradientTransformation | None = None,
    method: str = "auto",
) -> LGSSMFit:
    r"""Fit the named ``fields`` of a time-invariant ``model`` to a batch of sequences ``obs``
    ``(B, T, m)`` (or one ``(T, m)``) by gradient ascent on :math:`\sum_b \log p(y^b)`.
    ``optimizer``: optax's or a catlearn optimiser (default ``optax.adam(0.02)``). Missing
    entries (NaN) are skipped.

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.kalman import LGSSM
    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), 0.9 * jnp.eye(1), jnp.eye(1), jnp.eye(1), 3 * jnp.eye(1))
    >>> fit = lgssm_fit_gradient(m, jnp.ones((1, 20, 1)), fields=("emission_cov",), num_steps=10)
    >>> fit.log_likelihoods.shape, bool(fit.log_likelihoods[-1] > fit.log_likelihoods[0])
    ((10,), True)
    >>> bool(fit.model.emission_cov[0, 0] < 3.0)       # R shrinks towards the data
    True
    """
    if not isinstance(model, LGSSM):
        raise ShapeError(f"Expected an LGSSM, got {type(model).__name__} instead.")
    bad = [f for f in fields if f not in _FIELDS]
    if bad or not fields:
        raise HyperparameterError(
            f"Expected fields among {_FIELDS}, got {fields!r}; name at least one to fit."
        )
    if model.num_steps is not None or model.control_dynamics.shape[1]:
        raise ShapeError(
            "lgssm_fit_gradient fits time-invariant models without inputs; got a "
            "time-varying or input-driven LGSSM."
        )
    if not isinstance(num_steps, int | np.integer) or num_steps < 1:
        raise HyperparameterError(f"Expected num_steps >= 1, got {num_steps!r} instead.")
    obs = jnp.asarray(obs)
    if obs.ndim == 2:
        obs = obs[None]
    if obs.ndim != 3 or obs.shape[-1] != model.obs_dim or obs.shape[1] == 0:
        raise ShapeError(
            f"Expected observations of shape (B, T, {model.obs_dim}) with T >= 1, got "
            f"{tuple(obs.shape)} instead."
        )
    obs = obs.astype(model.initial_mean.dtype)
    method = resolve_method(method, int(obs.shape[1]), "kalman")
    opt = optax.adam(0.02) if optimizer is None else as_optax(optimizer)
    return cast(LGSSMFit, _fit(model, obs, tuple(fields), int(num_steps), opt, method))


@partial(jax.jit, static_argnums=(2, 3, 4, 5))
def _fit(
    model: LGSSM,
    obs: jax.Array,
    fields: tuple[str, ...],
    num_steps: int,
    opt: optax.GradientTransformation,
    method: str,
) -> LGSSMFit:
    jitter = 1e-6 * jnp.eye(model.obs_dim, dtype=obs.dtype)

    def build(p: dict[str, jax.Array]) -> LGSSM:
        vals = [
            (p[f] @ p[f].T + (jitter if f == "emission_cov" else 0.0)) if f in _COVS else p[f]
            for f in fields
        ]
        return cast(LGSSM, eqx.tree_at(lambda m: [getattr(m, f) for f in fields], model, vals))

    def loss(p: dict[str, jax.Array]) -> jax.Array:
        m = build(p)
        steps = infer.Steps(*m.step_fields())
        mask = ~jnp.isnan(obs)

        def one(y: jax.Array, msk: jax.Array) -> jax.Array:
            inp = infer.FilterInputs(steps, m.initial_mean, m.initial_cov, y, msk)
            return infer.log_likelihood(inp, joseph=False, method=method)

        return -jnp.sum(jax.vmap(one)(obs, mask))

    params = {f: (sqrt_psd(getattr(model, f)) if f in _COVS else getattr(model, f)) for f in fields}

    params, losses = gradient_steps(loss, params, opt, num_steps)
    return LGSSMFit(build(params), -losses)


def lgssm_fit_em(
    model: LGSSM, obs: ArrayLike, *, num_iters: int = 50, method: str = "auto"
) -> LGSSMFit:
    r"""Kalman EM (Shumway & Stoffer 1982): ``num_iters`` steps updating
    :math:`\mu_0, P_0, F, Q, H, R` in closed form from the smoother's moments
    :math:`E[x_t x_t^\top]` and :math:`E[x_{t+1} x_t^\top] = P^s_{t+1} G_t^\top +
    m^s_{t+1} m^{s\top}_t`. For time-invariant models with zero biases, no inputs and fully
    observed data ``(B, T, m)``. ``log_likelihoods[i]`` is the log-likelihood before step
    ``i`` (non-decreasing).

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.kalman import LGSSM
    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), 0.5 * jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1))
    >>> lgssm_fit_em(m, jnp.ones((1, 10, 1)), num_iters=3).log_likelihoods.shape
    (3,)
    """
    if not isinstance(model, LGSSM):
        raise ShapeError(f"Expected an LGSSM, got {type(model).__name__} instead.")
    if model.num_steps is not None or model.control_dynamics.shape[1]:
        raise ShapeError("lgssm_fit_em fits time-invariant models without inputs.")
    if not isinstance(num_iters, int | np.integer) or num_iters < 1:
        raise HyperparameterError(f"Expected num_iters >= 1, got {num_iters!r} instead.")
    obs = as_array(obs, "the observations")
    obs = obs[None] if obs.ndim == 2 else obs
    if obs.ndim != 3 or obs.shape[-1] != model.obs_dim or obs.shape[1] < 2:
        raise ShapeError(
            f"Expected observations of shape (B, T, {model.obs_dim}) with T >= 2, got "
            f"{tuple(obs.shape)} instead."
        )
    if not bool(jnp.all(jnp.isfinite(obs))):
        raise ShapeError("lgssm_fit_em needs fully observed data (no NaN); use the gradient fit.")
    obs = obs.astype(model.initial_mean.dtype)
    method = resolve_method(method, int(obs.shape[1]), "kalman")
    return cast(LGSSMFit, _fit_em(model, obs, int(num_iters), method))


@partial(jax.jit, static_argnums=(2, 3))
def _fit_em(model: LGSSM, obs: jax.Array, num_iters: int, method: str) -> LGSSMFit:
    def moments(
        m: LGSSM, y: jax.Array
    ) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array, jax.Array]:
        steps = infer.Steps(*m.step_fields())
        inp = infer.FilterInputs(steps, m.initial_mean, m.initial_cov, y, None)
        ll, f = infer.filter_moments(inp, joseph=True, method=method)
        smooth = infer.smooth_parallel if method == "parallel" else infer.smooth_sequential
        sm, sc = smooth(steps, *f)
        _, covs, _, pcovs = f
        g = covs[:-1] @ m.dynamics.T @ jnp.linalg.pinv(pcovs[1:], hermitian=True)
        exx = sc + sm[:, :, None] * sm[:, None, :]
        exx1 = sc[1:] @ jnp.swapaxes(g, 1, 2) + sm[1:, :, None] * sm[:-1, None, :]
        return ll, sm, sc, exx, exx1

    def step(m: LGSSM, _: None) -> tuple[LGSSM, jax.Array]:
        ll, sm, sc, exx, exx1 = jax.vmap(lambda y: moments(m, y))(obs)
        b, t = obs.shape[0], obs.shape[1]
        s00 = jnp.sum(exx[:, :-1], axis=(0, 1))
        s11 = jnp.sum(exx[:, 1:], axis=(0, 1))
        s10 = jnp.sum(exx1, axis=(0, 1))
        f = jnp.linalg.solve(s00.T, s10.T).T
        q = (s11 - f @ s10.T) / (b * (t - 1))
        sxx = jnp.sum(exx, axis=(0, 1))
        syx = jnp.einsum("bti,btj->ij", obs, sm)
        h = jnp.linalg.solve(sxx.T, syx.T).T
        r = (jnp.einsum("bti,btj->ij", obs, obs) - h @ syx.T) / (b * t)
        mu0 = jnp.mean(sm[:, 0], axis=0)
        d0 = sm[:, 0] - mu0[None]
        p0 = jnp.mean(sc[:, 0] + d0[:, :, None] * d0[:, None, :], axis=0)

        def sym(c: jax.Array) -> jax.Array:
            return (c + c.T) / 2

        new = eqx.tree_at(
            lambda x: (
                x.initial_mean,
                x.initial_cov,
                x.dynamics,
                x.dynamics_cov,
                x.emission,
                x.emission_cov,
            ),
            m,
            (mu0, sym(p0), f, sym(q), h, sym(r)),
        )
        return new, jnp.sum(ll)

    fitted, lls = jax.lax.scan(step, model, None, length=num_iters)
    return LGSSMFit(fitted, lls)
