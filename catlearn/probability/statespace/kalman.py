r"""Linear-Gaussian state-space models: Kalman filter, RTS smoother, likelihood, prediction.

The model is two linear-Gaussian Markov kernels and an initial state,

.. math::
   x_0 \sim N(\mu_0, P_0), \quad x_{t+1} \mid x_t \sim N(F x_t + b, Q), \quad
   y_t \mid x_t \sim N(H x_t + d, R).

As for the HMM (:mod:`catlearn.probability.statespace.hmm`), filtering is a chain of Bayesian lenses
(Braithwaite–Hedges–St Clere Smithe): predict = compose the belief with the dynamics kernel,
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

Parallel time: the filter, smoother and likelihood take ``method="sequential" | "parallel" |
"auto"``. ``"parallel"`` runs :func:`jax.lax.associative_scan` over the filtering elements
(linear-Gaussian kernels with Gaussian evidence, the 5-tuples of Särkkä & García-Fernández,
*Temporal parallelization of Bayesian smoothers*, IEEE TAC 2021) and over the smoothing
elements (the backward kernels, composed with
:class:`~catlearn.probability.kernels.gaussian.LinearGaussian`'s own ``>>``): :math:`O(\log T)`
depth. ``"auto"`` chooses by backend and length
(sequential on CPU, where it was measured faster at every length; parallel from
:math:`T = 256` on GPU/TPU, a rule from the depth argument, not measured).

Time-varying and input-driven models: any of ``dynamics, dynamics_cov, dynamics_bias,
emission, emission_cov, emission_bias`` may carry a leading time axis ``T`` (``dynamics[t]``
maps :math:`x_t \to x_{t+1}`; the last one is unused), and control inputs :math:`u_t` enter
through ``control_dynamics`` :math:`B` and ``control_emission`` :math:`D`:
:math:`x_{t+1} = F_t x_t + b_t + B u_t + w_t`, :math:`y_t = H_t x_t + d_t + D u_t + v_t`
(pass ``inputs=u`` of shape ``(T, p)``).

Missing data: NaN entries of the observations are skipped by the update (a NaN row is a
pure prediction step; a partly observed row updates on its observed coordinates).

>>> import jax.numpy as jnp
>>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1))
>>> kalman_filter(m, jnp.array([[1.0], [1.0]])).means[-1].round(4)   # static state: mean of 2 obs / 3
Array([0.6667], dtype=float32)
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple, cast

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from catlearn import errors
from catlearn.core.checked import as_array, as_key
from catlearn.errors import (
    DataError,
    ShapeError,
    TypeMismatch,
)
from catlearn.probability.kernels._checks import check_finite
from catlearn.probability.kernels._linalg import sqrt_psd, symmetrise
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.statespace import _kalman_infer as infer
from catlearn.probability.statespace._kalman_checks import check_cov, check_obs
from catlearn.probability.statespace._parallel import resolve_method

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


class LGSSM(eqx.Module):
    r"""A linear-Gaussian state-space model, a JAX pytree (all fields are arrays).

    ``initial_mean`` :math:`\mu_0` (n,), ``initial_cov`` :math:`P_0` (n, n, PSD),
    ``dynamics`` :math:`F` (n, n), ``dynamics_cov`` :math:`Q` (n, n, PSD, may be singular),
    ``emission`` :math:`H` (m, n), ``emission_cov`` :math:`R` (m, m, positive definite),
    ``dynamics_bias`` :math:`b` (n,), ``emission_bias`` :math:`d` (m,),
    ``control_dynamics`` :math:`B` (n, p) and ``control_emission`` :math:`D` (m, p) (default
    ``p = 0``: no inputs). ``F, Q, b, H, R, d`` may carry a leading time axis ``T``
    (time-varying model). Validated at construction (shapes, finiteness, symmetry,
    definiteness) unless traced.

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
    control_dynamics: jax.Array
    control_emission: jax.Array

    def __init__(
        self,
        initial_mean: ArrayLike,
        initial_cov: ArrayLike,
        dynamics: ArrayLike,
        dynamics_cov: ArrayLike,
        emission: ArrayLike,
        emission_cov: ArrayLike,
        dynamics_bias: ArrayLike | None = None,
        emission_bias: ArrayLike | None = None,
        control_dynamics: ArrayLike | None = None,
        control_emission: ArrayLike | None = None,
    ) -> None:
        dt = jnp.result_type(float)
        required = {
            "initial_mean": initial_mean, "initial_cov": initial_cov, "dynamics": dynamics,
            "dynamics_cov": dynamics_cov, "emission": emission, "emission_cov": emission_cov,
        }  # fmt: skip
        conv = []
        for name, v in required.items():
            if v is None:
                raise errors.ArgumentValueError(
                    f"Expected an array for the LGSSM {name}, got None; pass an array (zeros "
                    "for a field you do not use)."
                )
            a = as_array(v, f"the LGSSM {name}")
            conv.append(a.astype(jnp.result_type(a.dtype, dt)))
        dynamics_bias, emission_bias, control_dynamics, control_emission = (
            None if v is None else as_array(v, f"the LGSSM {name}")
            for name, v in (
                ("dynamics_bias", dynamics_bias), ("emission_bias", emission_bias),
                ("control_dynamics", control_dynamics), ("control_emission", control_emission),
            )
        )  # fmt: skip
        mu0, p0, f, q, h, r = conv
        n = mu0.shape[0] if mu0.ndim == 1 else -1
        m = h.shape[-2] if h.ndim in (2, 3) else -1
        b = jnp.zeros(max(n, 0), mu0.dtype) if dynamics_bias is None else jnp.asarray(dynamics_bias)
        d = jnp.zeros(max(m, 0), mu0.dtype) if emission_bias is None else jnp.asarray(emission_bias)
        bu = (
            jnp.zeros((max(n, 0), 0), mu0.dtype)
            if control_dynamics is None
            else jnp.asarray(control_dynamics)
        )
        p_in = bu.shape[-1] if bu.ndim == 2 else -1
        du = (
            jnp.zeros((max(m, 0), max(p_in, 0)), mu0.dtype)
            if control_emission is None
            else jnp.asarray(control_emission)
        )
        if control_dynamics is None and du.ndim == 2:
            bu = jnp.zeros((max(n, 0), du.shape[1]), mu0.dtype)
            p_in = du.shape[1]
        want = {
            "initial_mean": (mu0, (n,), False),
            "initial_cov": (p0, (n, n), False),
            "dynamics": (f, (n, n), True),
            "dynamics_cov": (q, (n, n), True),
            "emission": (h, (m, n), True),
            "emission_cov": (r, (m, m), True),
            "dynamics_bias": (b, (n,), True),
            "emission_bias": (d, (m,), True),
            "control_dynamics": (bu, (n, p_in), False),
            "control_emission": (du, (m, p_in), False),
        }
        steps = set()
        for name, (a, shape, tv) in want.items():
            ok = tuple(a.shape) == shape or (tv and tuple(a.shape[1:]) == shape)
            if n < 0 or m < 0 or not ok:
                extra = " (or (T, *shape) for a time-varying model)" if tv else ""
                raise ShapeError(
                    f"Expected LGSSM {name} of shape {shape}{extra} (state dim n = {n}, "
                    f"observation dim m = {m}, read from initial_mean (n,) and emission (m, n)), "
                    f"got shape {tuple(a.shape)} instead."
                )
            if tv and a.ndim == len(shape) + 1:
                steps.add(int(a.shape[0]))
            check_finite(a, f"LGSSM {name}")
        if len(steps) > 1:
            raise ShapeError(
                f"Expected every time-varying LGSSM field to have the same leading length T, "
                f"got lengths {sorted(steps)}; give each per-step field T entries."
            )
        check_cov("initial_cov P0", p0, definite=False)
        check_cov("dynamics_cov Q", q, definite=False)
        check_cov("emission_cov R", r, definite=True)
        self.initial_mean, self.initial_cov, self.dynamics, self.dynamics_cov = mu0, p0, f, q
        self.emission, self.emission_cov, self.dynamics_bias, self.emission_bias = h, r, b, d
        self.control_dynamics, self.control_emission = bu, du

    @property
    def state_dim(self) -> int:
        """State dimension ``n``."""
        return int(self.initial_mean.shape[0])

    @property
    def obs_dim(self) -> int:
        """Observation dimension ``m``."""
        return int(self.emission.shape[-2])

    @property
    def num_steps(self) -> int | None:
        """The length ``T`` of a time-varying model, ``None`` for a time-invariant one."""
        for a, nd in zip(self.step_fields(), (2, 1, 2, 2, 1, 2), strict=True):
            if a.ndim > nd:
                return int(a.shape[0])
        return None

    def matrices(self) -> tuple[jax.Array, ...]:
        r"""``(m0, P0, F, Q, H, R)``: the six arrays of the model without biases and inputs, in
        the constructor's order (that of dynamax's ``make_lgssm_params`` and of hand-written
        filters), so ``LGSSM(*m.matrices())`` is ``m`` less its biases and inputs.

        >>> m = LGSSM(jnp.zeros(2), jnp.eye(2), jnp.eye(2), jnp.eye(2), jnp.ones((1, 2)), jnp.eye(1))
        >>> [a.shape for a in m.matrices()]
        [(2,), (2, 2), (2, 2), (2, 2), (1, 2), (1, 1)]
        """
        return (
            self.initial_mean,
            self.initial_cov,
            self.dynamics,
            self.dynamics_cov,
            self.emission,
            self.emission_cov,
        )

    def step_fields(self) -> tuple[jax.Array, ...]:
        """``(F, b, Q, H, d, R)``: the per-step parameters (each shared or with a time axis)."""
        return (
            self.dynamics,
            self.dynamics_bias,
            self.dynamics_cov,
            self.emission,
            self.emission_bias,
            self.emission_cov,
        )

    @classmethod
    def from_kernels(
        cls, initial: LinearGaussian, dynamics: LinearGaussian, emission: LinearGaussian
    ) -> LGSSM:
        r"""Build from :class:`catlearn.probability.kernels.gaussian.LinearGaussian` kernels ``x ↦ N(Ax + b, Σ)``.

        ``initial`` is a state (a kernel from the unit: only its ``b`` and ``Σ`` are read),
        ``dynamics`` a kernel ``Euclid(n) -> Euclid(n)``, ``emission`` ``Euclid(n) -> Euclid(m)``.
        """
        for name, k in (("initial", initial), ("dynamics", dynamics), ("emission", emission)):
            if not isinstance(k, LinearGaussian):
                raise TypeMismatch(
                    f"Expected the {name} to be a LinearGaussian kernel, got "
                    f"{type(k).__name__} instead; build it with LinearGaussian(A, b, cov)."
                )
        return cls(
            initial.b,
            initial.cov,
            dynamics.A,
            dynamics.cov,
            emission.A,
            emission.cov,
            dynamics.b,
            emission.b,
        )

    def to_kernels(self) -> tuple[LinearGaussian, LinearGaussian, LinearGaussian]:
        """The :class:`catlearn.probability.kernels.gaussian.LinearGaussian` kernels ``(initial, dynamics, emission)``.

        >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1))
        >>> x0, f, h = m.to_kernels()
        >>> (x0 >> f >> h).cov.tolist()
        [[3.0]]
        """
        return (
            LinearGaussian.state(self.initial_mean, self.initial_cov),
            LinearGaussian(self.dynamics, self.dynamics_bias, self.dynamics_cov),
            LinearGaussian(self.emission, self.emission_bias, self.emission_cov),
        )

    def filter(self, obs: ArrayLike, **kw: Any) -> KalmanFiltered:
        """:func:`kalman_filter` of this model (keywords passed on)."""
        return kalman_filter(self, obs, **kw)

    def smooth(self, obs: ArrayLike, **kw: Any) -> KalmanSmoothed:
        """:func:`rts_smoother` of this model (keywords passed on)."""
        return rts_smoother(self, obs, **kw)

    def log_likelihood(self, obs: ArrayLike, **kw: Any) -> jax.Array:
        """:func:`kalman_log_likelihood` of this model (keywords passed on)."""
        return kalman_log_likelihood(self, obs, **kw)

    def predict(self, obs: ArrayLike, n: int) -> KalmanPrediction:
        """:func:`kalman_predict` of this model."""
        return kalman_predict(self, obs, n)

    def sample(self, num_steps: int, *, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        """:func:`lgssm_sample` of this model."""
        return lgssm_sample(self, num_steps, key=key)


class KalmanFiltered(NamedTuple):
    r"""Result of :func:`kalman_filter` (leading axis time ``T``).

    ``means[t], covs[t]``: :math:`p(x_t \mid y_{\le t})`; ``predicted_means[t],
    predicted_covs[t]``: :math:`p(x_t \mid y_{<t})`; ``log_likelihood`` :math:`\log p(y_{0:T-1})`.

    >>> import jax.numpy as jnp
    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1))
    >>> y = jnp.array([[1.0], [2.0]])
    >>> r = kalman_filter(m, y)
    >>> r.log_likelihood.shape, r.means.shape, r.covs.shape, r.predicted_covs.shape
    ((), (2, 1), (2, 1, 1), (2, 1, 1))
    """

    log_likelihood: jax.Array  # ()
    means: jax.Array  # (T, n)
    covs: jax.Array  # (T, n, n)
    predicted_means: jax.Array  # (T, n)
    predicted_covs: jax.Array  # (T, n, n)


class KalmanSmoothed(NamedTuple):
    r"""Result of :func:`rts_smoother`: the filter's fields and
    ``smoothed_means[t], smoothed_covs[t]`` of :math:`p(x_t \mid y_{0:T-1})`.

    >>> import jax.numpy as jnp
    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1))
    >>> y = jnp.array([[1.0], [2.0]])
    >>> s = rts_smoother(m, y)
    >>> s.smoothed_means.shape, s.smoothed_covs.shape
    ((2, 1), (2, 1, 1))
    >>> bool(jnp.allclose(s.smoothed_means[-1], s.means[-1]))   # the last step: the filter's
    True
    """

    log_likelihood: jax.Array
    means: jax.Array
    covs: jax.Array
    predicted_means: jax.Array
    predicted_covs: jax.Array
    smoothed_means: jax.Array  # (T, n)
    smoothed_covs: jax.Array  # (T, n, n)


class KalmanPrediction(NamedTuple):
    r"""Result of :func:`kalman_predict` for ``h = 1..n``: states :math:`p(x_{T-1+h} \mid y)`
    and observations :math:`p(y_{T-1+h} \mid y)` as means and covariances.

    >>> import jax.numpy as jnp
    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1))
    >>> y = jnp.array([[1.0], [2.0]])
    >>> p = kalman_predict(m, y, 2)
    >>> p.means.shape, p.covs.shape, p.obs_means.shape, p.obs_covs.shape
    ((2, 1), (2, 1, 1), (2, 1), (2, 1, 1))
    >>> [round(float(v), 4) for v in p.obs_covs[:, 0, 0]]   # each step adds Q = 1
    [2.6, 3.6]
    """

    means: jax.Array  # (n, state_dim)
    covs: jax.Array  # (n, state_dim, state_dim)
    obs_means: jax.Array  # (n, obs_dim)
    obs_covs: jax.Array  # (n, obs_dim, obs_dim)


def _check_model(model: Any) -> LGSSM:
    if not isinstance(model, LGSSM):
        raise TypeMismatch(
            f"Expected an LGSSM as first argument, got {type(model).__name__} "
            f"instead; build one with LGSSM(mu0, P0, F, Q, H, R)."
        )
    return model


def _check_obs(
    model: Any, obs: Any, inputs: Any = None
) -> tuple[jax.Array, jax.Array | None, infer.Steps]:
    return check_obs(_check_model(model), obs, inputs)


def _prepare(
    model: Any, obs: Any, inputs: Any, joseph: bool, method: str
) -> tuple[infer.FilterInputs, bool, str]:
    """The arguments of a jitted filter core: the checked inputs of the call, ``joseph`` and
    the method it resolves to."""
    obs, mask, steps = _check_obs(model, obs, inputs)
    inp = infer.FilterInputs(steps, model.initial_mean, model.initial_cov, obs, mask)
    return inp, bool(joseph), resolve_method(method, int(obs.shape[0]), "kalman")


def kalman_filter(
    model: LGSSM,
    obs: ArrayLike,
    *,
    joseph: bool = False,
    method: str = "auto",
    inputs: ArrayLike | None = None,
) -> KalmanFiltered:
    r"""Kalman filter: :math:`p(x_t \mid y_{\le t})` for every ``t`` and :math:`\log p(y)`.

    Update :math:`S = HPH^\top + R`, :math:`K = PH^\top S^{-1}`, :math:`m \leftarrow m + K(y - Hm
    - d)`, :math:`P \leftarrow P - KSK^\top` (symmetrised; ``joseph=True``: the Joseph form
    :math:`(I-KH)P(I-KH)^\top + KRK^\top`, which stays PSD under rounding, at about twice the
    cost of the covariance update); predict :math:`m \leftarrow Fm + b`,
    :math:`P \leftarrow FPF^\top + Q`. Kalman (1960). ``method="parallel"``: prefix scan of
    the Särkkä–García-Fernández elements (module docstring); ``inputs``: control inputs.

    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1))
    >>> kalman_filter(m, jnp.array([[2.0]])).means.round(4)
    Array([[1.]], dtype=float32)
    >>> kalman_filter(m, jnp.array([[2.0], [jnp.nan]]), method="parallel").means.round(4)
    Array([[1.],
           [1.]], dtype=float32)
    """
    return cast(KalmanFiltered, _filter(*_prepare(model, obs, inputs, joseph, method)))


@partial(jax.jit, static_argnums=(1, 2))
def _filter(inp: infer.FilterInputs, joseph: bool, method: str) -> KalmanFiltered:
    ll, moments = infer.filter_moments(inp, joseph=joseph, method=method)
    return KalmanFiltered(ll, *moments)


def kalman_log_likelihood(
    model: LGSSM,
    obs: ArrayLike,
    *,
    joseph: bool = False,
    method: str = "auto",
    inputs: ArrayLike | None = None,
) -> jax.Array:
    r""":math:`\log p(y_{0:T-1}) = \sum_t \log N(y_t; H m_{t|t-1} + d, S_t)` (sequential: no
    marginals stored; parallel: from the parallel filter's predicted moments).

    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1))
    >>> float(kalman_log_likelihood(m, jnp.zeros((1, 1)))).__round__(4)   # log N(0; 0, 2)
    -1.2655
    """
    return cast(jax.Array, _log_likelihood(*_prepare(model, obs, inputs, joseph, method)))


@partial(jax.jit, static_argnums=(1, 2))
def _log_likelihood(inp: infer.FilterInputs, joseph: bool, method: str) -> jax.Array:
    return infer.log_likelihood(inp, joseph=joseph, method=method)


def rts_smoother(
    model: LGSSM,
    obs: ArrayLike,
    *,
    joseph: bool = False,
    method: str = "auto",
    inputs: ArrayLike | None = None,
) -> KalmanSmoothed:
    r"""Rauch–Tung–Striebel smoother: :math:`p(x_t \mid y_{0:T-1})` for every ``t``.

    :math:`G_t = P_{t|t} F^\top P_{t+1|t}^{+}` (pseudo-inverse, so singular predicted
    covariances are fine), :math:`m^s_t = m_{t|t} + G_t(m^s_{t+1} - m_{t+1|t})`,
    :math:`P^s_t = P_{t|t} + G_t(P^s_{t+1} - P_{t+1|t})G_t^\top` — the backward kernel is the
    Bayesian inverse of the dynamics against the filtered belief. Rauch, Tung, Striebel (1965).
    Parallel: those backward kernels composed latest-first by a reverse associative scan.

    >>> m = LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1))
    >>> rts_smoother(m, jnp.array([[1.0], [1.0]])).smoothed_means.round(4)
    Array([[0.6667],
           [0.6667]], dtype=float32)
    """
    return cast(KalmanSmoothed, _smoother(*_prepare(model, obs, inputs, joseph, method)))


@partial(jax.jit, static_argnums=(1, 2))
def _smoother(inp: infer.FilterInputs, joseph: bool, method: str) -> KalmanSmoothed:
    f = cast(KalmanFiltered, _filter(inp, joseph, method))
    smooth = infer.smooth_parallel if method == "parallel" else infer.smooth_sequential
    return KalmanSmoothed(*f, *smooth(inp.steps, *f[1:]))


def kalman_predict(
    model: LGSSM,
    obs: ArrayLike,
    n: int,
    *,
    joseph: bool = False,
    method: str = "auto",
    inputs: ArrayLike | None = None,
) -> KalmanPrediction:
    r"""``n``-step prediction of states and observations after the last observation.

    Repeated composition with the dynamics kernel: :math:`m \leftarrow Fm + b`,
    :math:`P \leftarrow FPF^\top + Q`; then :math:`y \sim N(Hm + d, HPH^\top + R)`. A
    time-varying or input-driven model predicts with its last step's parameters.

    >>> m = LGSSM(jnp.zeros(2), jnp.eye(2), jnp.array([[1.0, 1.0], [0.0, 1.0]]), jnp.zeros((2, 2)),
    ...           jnp.array([[1.0, 0.0]]), jnp.eye(1))
    >>> kalman_predict(m, jnp.array([[0.0]]), 2).means.shape
    (2, 2)
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise DataError(f"Expected a number of steps n >= 1, got n={n!r} instead.")
    args = _prepare(model, obs, inputs, joseph, method)
    return cast(KalmanPrediction, _predict_n(*args, int(n)))


@partial(jax.jit, static_argnums=(1, 2, 3))
def _predict_n(inp: infer.FilterInputs, joseph: bool, method: str, n: int) -> KalmanPrediction:
    f = cast(KalmanFiltered, _filter(inp, joseph, method))
    var = infer.varying(inp.steps)
    F, b, Q, h, d, r = (x[-1] if v else x for x, v in zip(inp.steps, var, strict=True))

    def step(
        carry: tuple[jax.Array, jax.Array], _: None
    ) -> tuple[tuple[jax.Array, jax.Array], tuple[jax.Array, jax.Array, jax.Array, jax.Array]]:
        m, p = infer.predict(*carry, F, b, Q)
        return (m, p), (m, p, h @ m + d, symmetrise(h @ p @ h.T + r))

    _, out = jax.lax.scan(step, (f.means[-1], f.covs[-1]), None, length=n)
    return KalmanPrediction(*out)


def lgssm_sample(
    model: LGSSM, num_steps: int, *, key: jax.Array, inputs: ArrayLike | None = None
) -> tuple[jax.Array, jax.Array]:
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
    _check_model(model)
    dummy = jnp.zeros((int(num_steps), model.obs_dim), model.initial_mean.dtype)
    _, _, steps = _check_obs(model, dummy, inputs)
    return cast("tuple[jax.Array, jax.Array]", _sample(model, steps, int(num_steps), as_key(key)))


@partial(jax.jit, static_argnums=2)
def _sample(
    model: LGSSM, steps: infer.Steps, num_steps: int, key: jax.Array
) -> tuple[jax.Array, jax.Array]:
    n, mdim = model.state_dim, model.obs_dim
    # square roots of the noise covariances before broadcasting over time: once when shared
    per = infer.per_step(steps._replace(Q=sqrt_psd(steps.Q), R=sqrt_psd(steps.R)), num_steps)
    lq, lr = per.Q, per.R
    k0, k1, k2 = jax.random.split(key, 3)
    dt = model.initial_mean.dtype
    x0 = model.initial_mean + sqrt_psd(model.initial_cov) @ jax.random.normal(k0, (n,), dt)

    def step(
        x: jax.Array, xs: tuple[jax.Array, jax.Array, jax.Array, jax.Array]
    ) -> tuple[jax.Array, jax.Array]:
        k, f, b, l = xs
        x = f @ x + b + l @ jax.random.normal(k, (n,), dt)
        return x, x

    ks = jax.random.split(k1, num_steps - 1)
    _, xs = jax.lax.scan(step, x0, (ks, per.F[:-1], per.b[:-1], lq[:-1]))
    states = jnp.concatenate([x0[None], xs])
    noise = jnp.einsum("tij,tj->ti", lr, jax.random.normal(k2, (num_steps, mdim), dt))
    obs = jnp.einsum("tij,tj->ti", per.H, states) + per.d + noise
    return states, obs
