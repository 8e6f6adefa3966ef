r"""Linear-Gaussian state-space models: Kalman filter, RTS smoother, likelihood, prediction.

The model is two linear-Gaussian Markov kernels and an initial state,

.. math::
   x_0 \sim N(\mu_0, P_0), \quad x_{t+1} \mid x_t \sim N(F x_t + b, Q), \quad
   y_t \mid x_t \sim N(H x_t + d, R).

As for the HMM (:mod:`catlearn.probability.hmm`), filtering is a chain of Bayesian lenses
(Smithe–Braithwaite–Hedges): predict = compose the belief with the dynamics kernel,
update = invert the emission kernel against the predicted belief (Cho–Jacobs) and evaluate
the inverse at :math:`y_t`. Kalman (1960); Rauch, Tung, Striebel (1965); Särkkä, *Bayesian
Filtering and Smoothing* (2013).

Numerics: only the innovation covariance :math:`S = H P H^\top + R` is factorised
(Cholesky; it is positive definite because :math:`R` is required to be), the covariance
update is the symmetrised :math:`P - KSK^\top` (or, with ``joseph=True``, the Joseph form
:math:`(I-KH)P(I-KH)^\top + KRK^\top`, which stays PSD under rounding), and the smoother gain uses a symmetric pseudo-inverse
(generalised Schur complement). So a **singular process noise** :math:`Q` (e.g. the
rank-2 white-acceleration noise of a 4-D constant-velocity target) and a singular
:math:`P_0` work, where a Cholesky factor of :math:`Q` does not exist. All functions are
single ``lax.scan`` passes, ``jit``/``vmap``/``grad``-able.

>>> import jax.numpy as jnp
>>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1))
>>> kalman_filter(m, jnp.array([[1.0], [1.0]])).means[-1].round(4)   # static state: mean of 2 obs / 3
Array([0.6667], dtype=float32)
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import cho_factor, cho_solve

from catlearn import errors
from catlearn.errors import CovarianceError, DataError, NonFiniteError, ShapeError

__all__ = [
    "LGSSM",
    "KalmanFiltered",
    "KalmanPrediction",
    "KalmanSmoothed",
    "kalman_filter",
    "kalman_log_likelihood",
    "kalman_predict",
    "lgssm_sample",
    "rts_smoother",
]

_LOG2PI = float(np.log(2 * np.pi))


def _concrete(*xs: Any) -> bool:
    return not any(isinstance(x, jax.core.Tracer) for x in xs)


def _check_finite(name: str, a: jax.Array) -> None:
    if _concrete(a) and not np.isfinite(np.asarray(a)).all():
        raise NonFiniteError(
            f"The LGSSM {name} contains NaN or inf. Expected finite numbers; "
            f"check the parameters that built it."
        )


def _check_cov(name: str, c: jax.Array, *, definite: bool) -> None:
    if not _concrete(c):
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


class LGSSM(eqx.Module):
    r"""A linear-Gaussian state-space model, a JAX pytree (all fields are arrays).

    ``initial_mean`` :math:`\mu_0` (n,), ``initial_cov`` :math:`P_0` (n, n, PSD),
    ``dynamics`` :math:`F` (n, n), ``dynamics_cov`` :math:`Q` (n, n, PSD, may be singular),
    ``emission`` :math:`H` (m, n), ``emission_cov`` :math:`R` (m, m, positive definite),
    ``dynamics_bias`` :math:`b` (n,), ``emission_bias`` :math:`d` (m,). Validated at
    construction (shapes, finiteness, symmetry, definiteness) unless traced.

    >>> m = LGSSM(jnp.zeros(2), jnp.eye(2), jnp.eye(2), jnp.zeros((2, 2)), jnp.ones((1, 2)), jnp.eye(1))
    >>> m.state_dim, m.obs_dim
    (2, 1)
    """

    initial_mean: jax.Array
    initial_cov: jax.Array
    dynamics: jax.Array
    dynamics_cov: jax.Array
    emission: jax.Array
    emission_cov: jax.Array
    dynamics_bias: jax.Array
    emission_bias: jax.Array

    def __init__(
        self,
        initial_mean: Any,
        initial_cov: Any,
        dynamics: Any,
        dynamics_cov: Any,
        emission: Any,
        emission_cov: Any,
        dynamics_bias: Any = None,
        emission_bias: Any = None,
    ) -> None:
        dt = jnp.result_type(float)
        conv = [
            jnp.asarray(a).astype(jnp.result_type(jnp.asarray(a).dtype, dt))
            for a in (initial_mean, initial_cov, dynamics, dynamics_cov, emission, emission_cov)
        ]
        mu0, p0, f, q, h, r = conv
        n = mu0.shape[0] if mu0.ndim == 1 else -1
        m = h.shape[0] if h.ndim == 2 else -1
        b = jnp.zeros(max(n, 0), mu0.dtype) if dynamics_bias is None else jnp.asarray(dynamics_bias)
        d = jnp.zeros(max(m, 0), mu0.dtype) if emission_bias is None else jnp.asarray(emission_bias)
        want = {
            "initial_mean": (mu0, (n,)),
            "initial_cov": (p0, (n, n)),
            "dynamics": (f, (n, n)),
            "dynamics_cov": (q, (n, n)),
            "emission": (h, (m, n)),
            "emission_cov": (r, (m, m)),
            "dynamics_bias": (b, (n,)),
            "emission_bias": (d, (m,)),
        }
        for name, (a, shape) in want.items():
            if n < 0 or m < 0 or tuple(a.shape) != shape:
                raise ShapeError(
                    f"Expected LGSSM {name} of shape {shape} (state dim n = {n}, observation dim "
                    f"m = {m}, read from initial_mean (n,) and emission (m, n)), got shape "
                    f"{tuple(a.shape)} instead."
                )
            _check_finite(name, a)
        _check_cov("initial_cov P0", p0, definite=False)
        _check_cov("dynamics_cov Q", q, definite=False)
        _check_cov("emission_cov R", r, definite=True)
        self.initial_mean, self.initial_cov, self.dynamics, self.dynamics_cov = mu0, p0, f, q
        self.emission, self.emission_cov, self.dynamics_bias, self.emission_bias = h, r, b, d

    @property
    def state_dim(self) -> int:
        """State dimension ``n``."""
        return int(self.initial_mean.shape[0])

    @property
    def obs_dim(self) -> int:
        """Observation dimension ``m``."""
        return int(self.emission.shape[0])

    @classmethod
    def from_kernels(cls, initial: Any, dynamics: Any, emission: Any) -> LGSSM:
        r"""Build from :class:`catlearn.probability.markov.LinearGaussian` kernels ``x ↦ N(Ax + b, Σ)``.

        ``initial`` is a state (a kernel from the unit: only its ``b`` and ``Σ`` are read),
        ``dynamics`` a kernel ``Euclid(n) -> Euclid(n)``, ``emission`` ``Euclid(n) -> Euclid(m)``.
        The kernel fields are read duck-typed as ``(A, b, cov)``; see
        :mod:`catlearn.probability.markov` for the kernels themselves.
        """
        (_, mu0, p0), (f, b, q), (h, d, r) = (_lg_parts(k) for k in (initial, dynamics, emission))
        return cls(mu0, p0, f, q, h, r, b, d)

    def to_kernels(self) -> tuple[Any, Any, Any]:
        """The :class:`catlearn.probability.gaussian.LinearGaussian` kernels ``(initial, dynamics, emission)``.

        >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1))
        >>> x0, f, h = m.to_kernels()
        >>> (x0 >> f >> h).cov.tolist()
        [[3.0]]
        """
        from catlearn.probability.gaussian import LinearGaussian

        return (
            LinearGaussian.state(self.initial_mean, self.initial_cov),
            LinearGaussian(self.dynamics, self.dynamics_bias, self.dynamics_cov),
            LinearGaussian(self.emission, self.emission_bias, self.emission_cov),
        )

    def filter(self, obs: Any) -> KalmanFiltered:
        """:func:`kalman_filter` of this model."""
        return kalman_filter(self, obs)

    def smooth(self, obs: Any) -> KalmanSmoothed:
        """:func:`rts_smoother` of this model."""
        return rts_smoother(self, obs)

    def log_likelihood(self, obs: Any) -> jax.Array:
        """:func:`kalman_log_likelihood` of this model."""
        return kalman_log_likelihood(self, obs)

    def predict(self, obs: Any, n: int) -> KalmanPrediction:
        """:func:`kalman_predict` of this model."""
        return kalman_predict(self, obs, n)

    def sample(self, num_steps: int, *, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        """:func:`lgssm_sample` of this model."""
        return lgssm_sample(self, num_steps, key=key)


def _lg_parts(k: Any) -> tuple[Any, Any, Any]:
    def get(*names: str) -> Any:
        for nm in names:
            if hasattr(k, nm):
                return getattr(k, nm)
        raise errors.ArgumentTypeError(
            f"Expected a LinearGaussian kernel with fields (A, b, cov), got "
            f"{type(k).__name__} without any of {names}."
        )

    return (
        get("A", "matrix", "weights"),
        get("b", "bias", "mean"),
        get("cov", "Sigma", "covariance"),
    )


class KalmanFiltered(NamedTuple):
    r"""Result of :func:`kalman_filter` (leading axis time ``T``).

    ``means[t], covs[t]``: :math:`p(x_t \mid y_{\le t})`; ``predicted_means[t],
    predicted_covs[t]``: :math:`p(x_t \mid y_{<t})`; ``log_likelihood`` :math:`\log p(y_{0:T-1})`.
    """

    log_likelihood: jax.Array  # ()
    means: jax.Array  # (T, n)
    covs: jax.Array  # (T, n, n)
    predicted_means: jax.Array  # (T, n)
    predicted_covs: jax.Array  # (T, n, n)


class KalmanSmoothed(NamedTuple):
    r"""Result of :func:`rts_smoother`: the filter's fields and
    ``smoothed_means[t], smoothed_covs[t]`` of :math:`p(x_t \mid y_{0:T-1})`."""

    log_likelihood: jax.Array
    means: jax.Array
    covs: jax.Array
    predicted_means: jax.Array
    predicted_covs: jax.Array
    smoothed_means: jax.Array  # (T, n)
    smoothed_covs: jax.Array  # (T, n, n)


class KalmanPrediction(NamedTuple):
    r"""Result of :func:`kalman_predict` for ``h = 1..n``: states :math:`p(x_{T-1+h} \mid y)`
    and observations :math:`p(y_{T-1+h} \mid y)` as means and covariances."""

    means: jax.Array  # (n, state_dim)
    covs: jax.Array  # (n, state_dim, state_dim)
    obs_means: jax.Array  # (n, obs_dim)
    obs_covs: jax.Array  # (n, obs_dim, obs_dim)


def _check_obs(model: LGSSM, obs: Any) -> jax.Array:
    if not isinstance(model, LGSSM):
        raise errors.ArgumentTypeError(
            f"Expected an LGSSM as first argument, got {type(model).__name__} "
            f"instead; build one with LGSSM(mu0, P0, F, Q, H, R)."
        )
    obs = jnp.asarray(obs)
    if obs.ndim != 2 or obs.shape[1] != model.obs_dim:
        raise ShapeError(
            f"Expected one sequence of observations of shape (T, {model.obs_dim}), got an array "
            f"of shape {tuple(obs.shape)} instead. For a batch of sequences use "
            f"jax.vmap(lambda y: kalman_filter(model, y))(batch)."
        )
    if obs.shape[0] == 0:
        raise DataError("Expected at least one observation, got an empty sequence.")
    if _concrete(obs) and not np.isfinite(np.asarray(obs)).all():
        t = int(np.argmax(~np.isfinite(np.asarray(obs)).all(axis=1)))
        raise NonFiniteError(
            f"Observation y[{t}] contains NaN or inf. Expected finite "
            f"observations (missing data is not supported); drop or impute it."
        )
    return obs.astype(jnp.result_type(obs.dtype, model.initial_mean.dtype))


def _sym(p: jax.Array) -> jax.Array:
    return (p + p.T) / 2


def _update(model: LGSSM, m: jax.Array, p: jax.Array, y: jax.Array, joseph: bool):
    """Condition N(m, P) on y = Hx + d + N(0, R): returns filtered mean, cov, log p(y)."""
    h, r = model.emission, model.emission_cov
    s = h @ p @ h.T + r  # only its lower triangle is read
    chol = cho_factor(s, lower=True)
    resid = y - (h @ m + model.emission_bias)
    kt = cho_solve(chol, h @ p)  # K^T = S^{-1} H P
    m_f = m + kt.T @ resid
    if joseph:
        ikh = jnp.eye(m.shape[0], dtype=m.dtype) - kt.T @ h
        p_f = _sym(ikh @ p @ ikh.T + kt.T @ r @ kt)
    else:
        p_f = _sym(p - kt.T @ s @ kt)
    ll = -0.5 * (
        resid @ cho_solve(chol, resid)
        + 2 * jnp.sum(jnp.log(jnp.diag(chol[0])))
        + resid.shape[0] * _LOG2PI
    )
    return m_f, p_f, ll


def _predict(model: LGSSM, m: jax.Array, p: jax.Array):
    f = model.dynamics
    return f @ m + model.dynamics_bias, f @ p @ f.T + model.dynamics_cov


def _run(model: LGSSM, obs: jax.Array, *, keep: bool, joseph: bool):
    def step(carry, y):
        m, p, ll = carry
        m_f, p_f, l_t = _update(model, m, p, y, joseph)
        m_n, p_n = _predict(model, m_f, p_f)
        return (m_n, p_n, ll + l_t), ((m_f, p_f, m, p) if keep else None)

    init = (model.initial_mean, model.initial_cov, jnp.zeros((), model.initial_mean.dtype))
    return jax.lax.scan(step, init, obs)


def kalman_filter(model: LGSSM, obs: Any, *, joseph: bool = False) -> KalmanFiltered:
    r"""Kalman filter: :math:`p(x_t \mid y_{\le t})` for every ``t`` and :math:`\log p(y)`.

    Update :math:`S = HPH^\top + R`, :math:`K = PH^\top S^{-1}`, :math:`m \leftarrow m + K(y - Hm
    - d)`, :math:`P \leftarrow P - KSK^\top` (symmetrised; ``joseph=True``: the Joseph form
    :math:`(I-KH)P(I-KH)^\top + KRK^\top`, more robust in float32 at about twice the cost of
    the covariance update); predict :math:`m \leftarrow Fm + b`,
    :math:`P \leftarrow FPF^\top + Q`. Kalman (1960).

    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1))
    >>> kalman_filter(m, jnp.array([[2.0]])).means.round(4)
    Array([[1.]], dtype=float32)
    """
    return _filter(model, _check_obs(model, obs), bool(joseph))


@partial(jax.jit, static_argnums=2)
def _filter(model: LGSSM, obs: jax.Array, joseph: bool = False) -> KalmanFiltered:
    (_, _, ll), (m_f, p_f, m_p, p_p) = _run(model, obs, keep=True, joseph=joseph)
    return KalmanFiltered(ll, m_f, p_f, m_p, p_p)


def kalman_log_likelihood(model: LGSSM, obs: Any, *, joseph: bool = False) -> jax.Array:
    r""":math:`\log p(y_{0:T-1}) = \sum_t \log N(y_t; H m_{t|t-1} + d, S_t)` (no marginals stored).

    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1))
    >>> float(kalman_log_likelihood(m, jnp.zeros((1, 1)))).__round__(4)   # log N(0; 0, 2)
    -1.2655
    """
    return _log_likelihood(model, _check_obs(model, obs), bool(joseph))


@partial(jax.jit, static_argnums=2)
def _log_likelihood(model: LGSSM, obs: jax.Array, joseph: bool = False) -> jax.Array:
    return _run(model, obs, keep=False, joseph=joseph)[0][2]


def rts_smoother(model: LGSSM, obs: Any, *, joseph: bool = False) -> KalmanSmoothed:
    r"""Rauch–Tung–Striebel smoother: :math:`p(x_t \mid y_{0:T-1})` for every ``t``.

    :math:`G_t = P_{t|t} F^\top P_{t+1|t}^{+}` (pseudo-inverse, so singular predicted
    covariances are fine), :math:`m^s_t = m_{t|t} + G_t(m^s_{t+1} - m_{t+1|t})`,
    :math:`P^s_t = P_{t|t} + G_t(P^s_{t+1} - P_{t+1|t})G_t^\top` — the backward kernel is the
    Bayesian inverse of the dynamics against the filtered belief. Rauch, Tung, Striebel (1965).

    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1))
    >>> rts_smoother(m, jnp.array([[1.0], [1.0]])).smoothed_means.round(4)
    Array([[0.6667],
           [0.6667]], dtype=float32)
    """
    return _smoother(model, _check_obs(model, obs), bool(joseph))


@partial(jax.jit, static_argnums=2)
def _smoother(model: LGSSM, obs: jax.Array, joseph: bool = False) -> KalmanSmoothed:
    f = _filter(model, obs, joseph)
    F = model.dynamics

    def step(carry, xs):
        ms_next, ps_next = carry
        m, p, mp_next, pp_next = xs
        g = p @ F.T @ jnp.linalg.pinv(pp_next, hermitian=True)
        ms = m + g @ (ms_next - mp_next)
        ps = _sym(p + g @ (ps_next - pp_next) @ g.T)
        return (ms, ps), (ms, ps)

    last = (f.means[-1], f.covs[-1])
    _, (ms, ps) = jax.lax.scan(
        step,
        last,
        (f.means[:-1], f.covs[:-1], f.predicted_means[1:], f.predicted_covs[1:]),
        reverse=True,
    )
    ms = jnp.concatenate([ms, last[0][None]])
    ps = jnp.concatenate([ps, last[1][None]])
    return KalmanSmoothed(*f, ms, ps)


def kalman_predict(model: LGSSM, obs: Any, n: int, *, joseph: bool = False) -> KalmanPrediction:
    r"""``n``-step prediction of states and observations after the last observation.

    Repeated composition with the dynamics kernel: :math:`m \leftarrow Fm + b`,
    :math:`P \leftarrow FPF^\top + Q`; then :math:`y \sim N(Hm + d, HPH^\top + R)`.

    >>> m = LGSSM(jnp.zeros(2), jnp.eye(2), jnp.array([[1.0, 1.0], [0.0, 1.0]]), jnp.zeros((2, 2)),
    ...           jnp.array([[1.0, 0.0]]), jnp.eye(1))
    >>> kalman_predict(m, jnp.array([[0.0]]), 2).means.shape
    (2, 2)
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise DataError(f"Expected a number of steps n >= 1, got n={n!r} instead.")
    return _predict_n(model, _check_obs(model, obs), int(n), bool(joseph))


@partial(jax.jit, static_argnums=(2, 3))
def _predict_n(model: LGSSM, obs: jax.Array, n: int, joseph: bool = False) -> KalmanPrediction:
    f = _filter(model, obs, joseph)
    h, r = model.emission, model.emission_cov

    def step(carry, _):
        m, p = _predict(model, *carry)
        return (m, p), (m, p, h @ m + model.emission_bias, _sym(h @ p @ h.T + r))

    _, out = jax.lax.scan(step, (f.means[-1], f.covs[-1]), None, length=n)
    return KalmanPrediction(*out)


def _sqrt_psd(c: jax.Array) -> jax.Array:
    w, v = jnp.linalg.eigh(_sym(c))
    return v * jnp.sqrt(jnp.clip(w, 0.0))[None, :]


def lgssm_sample(model: LGSSM, num_steps: int, *, key: jax.Array) -> tuple[jax.Array, jax.Array]:
    r"""Sample ``(states (T, n), observations (T, m))`` from the joint; singular covariances
    are fine (a symmetric square root via ``eigh`` is used, not a Cholesky factor).

    >>> m = LGSSM(jnp.zeros(2), jnp.zeros((2, 2)), jnp.eye(2), jnp.zeros((2, 2)), jnp.eye(2), jnp.eye(2))
    >>> lgssm_sample(m, 3, key=jax.random.key(0))[0]
    Array([[0., 0.],
           [0., 0.],
           [0., 0.]], dtype=float32)
    """
    if not isinstance(num_steps, int | np.integer) or num_steps < 1:
        raise DataError(f"Expected num_steps >= 1, got {num_steps!r} instead.")
    return _sample(model, num_steps, key)


@partial(jax.jit, static_argnums=1)
def _sample(model: LGSSM, num_steps: int, key: jax.Array) -> tuple[jax.Array, jax.Array]:
    n, mdim = model.state_dim, model.obs_dim
    lq, lr, l0 = (_sqrt_psd(c) for c in (model.dynamics_cov, model.emission_cov, model.initial_cov))
    k0, k1, k2 = jax.random.split(key, 3)
    dt = model.initial_mean.dtype
    x0 = model.initial_mean + l0 @ jax.random.normal(k0, (n,), dt)

    def step(x, k):
        x = model.dynamics @ x + model.dynamics_bias + lq @ jax.random.normal(k, (n,), dt)
        return x, x

    _, xs = jax.lax.scan(step, x0, jax.random.split(k1, num_steps - 1))
    states = jnp.concatenate([x0[None], xs])
    noise = jax.random.normal(k2, (num_steps, mdim), dt) @ lr.T
    return states, states @ model.emission.T + model.emission_bias[None, :] + noise
