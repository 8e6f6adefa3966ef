"""Validation of linear-Gaussian state-space models and their data (shared by the Kalman
modules): finiteness, covariance symmetry/definiteness, observation shapes, missing entries,
control inputs."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn.core.checked import as_array
from catlearn.core.checked import is_concrete as concrete
from catlearn.errors import CovarianceError, DataError, NonFiniteError, ShapeError
from catlearn.probability.statespace import _kalman_infer as infer

__all__ = ["check_cov", "check_obs"]


def check_cov(name: str, c: jax.Array, *, definite: bool) -> None:
    if not concrete(c):
        return
    if c.ndim == 3:  # time-varying: every step
        for t in range(c.shape[0]):
            check_cov(f"{name}[{t}]", c[t], definite=definite)
        return
    v = np.asarray(c, dtype=np.float64)
    scale = max(1.0, float(np.abs(v).max()))
    tol = (1e-5 if c.dtype == np.float32 else 1e-10) * scale
    if np.abs(v - v.T).max() > tol:
        raise CovarianceError(
            f"The LGSSM {name} is not symmetric (max |C - C^T| = "
            f"{np.abs(v - v.T).max():.3g}). Expected a symmetric matrix; use "
            f"(C + C.T) / 2."
        )
    low = float(np.linalg.eigvalsh((v + v.T) / 2).min())
    if low < -tol * v.shape[0]:
        raise CovarianceError(
            f"The LGSSM {name} is not positive semi-definite (smallest "
            f"eigenvalue {low:.3g}). Expected a covariance matrix; build it as "
            f"L @ L.T."
        )
    if definite and low <= tol:
        raise CovarianceError(
            f"The LGSSM {name} is singular (smallest eigenvalue {low:.3g}), but the observation "
            f"noise must be positive definite so that every innovation covariance is invertible. "
            f"Add a small jitter, e.g. R + 1e-6 * I. (The process noise Q may be singular.)"
        )


def check_obs(model: Any, obs: Any, inputs: Any = None) -> tuple[Any, Any, Any]:
    """``(obs, mask or None, steps)``: validated observations, the observed-entry mask (``None``
    when every entry is known to be observed) and the per-step parameters with the control
    inputs folded into the biases."""
    obs = as_array(obs, "the observations", fix="pass a (T, m) array of numbers")
    if obs.ndim != 2 or obs.shape[1] != model.obs_dim:
        raise ShapeError(
            f"Expected one sequence of observations of shape (T, {model.obs_dim}), got an array "
            f"of shape {tuple(obs.shape)} instead. For a batch of sequences use "
            f"jax.vmap(lambda y: kalman_filter(model, y))(batch)."
        )
    t_len = int(obs.shape[0])
    if t_len == 0:
        raise DataError(
            "Expected at least one observation, got an empty sequence (T = 0); "
            "the prior itself is model.initial_mean, model.initial_cov."
        )
    obs = obs.astype(jnp.result_type(obs.dtype, model.initial_mean.dtype))
    mask = None
    if concrete(obs):
        v = np.asarray(obs)
        if np.isinf(v).any():
            t = int(np.argmax(np.isinf(v).any(axis=1)))
            raise NonFiniteError(
                f"Observation y[{t}] contains inf. Expected finite observations, or NaN for "
                f"a missing entry; drop or impute it."
            )
        nan = np.isnan(v)
        if nan.all():
            raise DataError(
                f"Every observation is NaN (missing) in this sequence of {t_len} steps: "
                f"there is nothing to filter. Expected at least one observed entry; the "
                f"prior predictive is kalman_predict on an observed prefix."
            )
        if nan.any():
            mask = jnp.asarray(~nan)
    else:
        mask = ~jnp.isnan(obs)
    tv = model.num_steps
    if tv is not None and tv != t_len:
        raise ShapeError(
            f"The time-varying LGSSM has T = {tv} steps, but the observations have {t_len}. "
            f"Expected equal lengths; slice the model's per-step fields or the data."
        )
    p_in = int(model.control_dynamics.shape[1])
    if inputs is None:
        if p_in:
            raise ShapeError(
                f"The LGSSM takes control inputs of dimension {p_in}, but inputs=None. "
                f"Pass inputs= of shape ({t_len}, {p_in})."
            )
        return obs, mask, infer.Steps(*model.step_fields())
    u = as_array(inputs, "the control inputs").astype(obs.dtype)
    if u.shape != (t_len, p_in):
        raise ShapeError(
            f"Expected inputs of shape ({t_len}, {p_in}) (T, control dimension of "
            f"control_dynamics), got {tuple(u.shape)} instead."
        )
    f, b, q, h, d, r = model.step_fields()
    b = (b if b.ndim == 2 else b[None]) + u @ model.control_dynamics.T
    d = (d if d.ndim == 2 else d[None]) + u @ model.control_emission.T
    return obs, mask, infer.Steps(f, b, q, h, d, r)
