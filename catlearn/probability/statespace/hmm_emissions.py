r"""HMMs with Gaussian and Poisson emissions.

Same inference as the categorical :class:`~catlearn.probability.statespace.hmm.HMM` (every function of
:mod:`catlearn.probability.statespace.hmm` takes these, sequential or parallel); only the emission
kernel :math:`B : Z \to Y` changes:

* :class:`GaussianHMM`: :math:`y_t \mid z_t = i \sim N(\mu_i, \Sigma_i)` on :math:`\mathbb R^d`;
* :class:`PoissonHMM`: :math:`y_{t,c} \mid z_t = i \sim \mathrm{Poisson}(\lambda_{ic})`,
  independent counts.

Observations are ``(T, d)`` arrays; a row with a NaN is *missing* and skipped by the update
(its likelihood is 1 for every state), so the filter predicts through it.

>>> import jax.numpy as jnp
>>> from catlearn.probability.statespace.hmm import hmm_smoother
>>> g = GaussianHMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
...                 jnp.array([[-2.0], [2.0]]), jnp.ones((2, 1, 1)))
>>> hmm_smoother(g, jnp.array([[-2.1], [jnp.nan], [1.9]])).smoothed.argmax(1).tolist()
[0, 0, 1]

Both families sample ``(states, observations)`` from the joint, like
:func:`~catlearn.probability.statespace.hmm.hmm_sample` for symbols:

>>> import jax
>>> states, ys = g.sample(5, key=jax.random.key(0))
>>> states.shape, ys.shape
((5,), (5, 1))
"""

from __future__ import annotations

from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln
from jax.typing import ArrayLike

from catlearn.core.checked import as_array, as_key
from catlearn.errors import (
    CovarianceError,
    DataError,
    EmissionFamilyError,
    NonFiniteError,
    NotStochasticError,
    ShapeError,
    UnsupportedError,
)
from catlearn.probability.kernels._linalg import LOG2PI
from catlearn.probability.statespace._hmm_infer import HMMBase, check_table, concrete
from catlearn.probability.statespace.hmm import HMM, hmm_sample

__all__ = ["GaussianHMM", "PoissonHMM"]


def _float(a: Any) -> jax.Array:
    a = as_array(a, "the HMM parameters")
    out: jax.Array = a if jnp.issubdtype(a.dtype, jnp.floating) else a.astype(jnp.zeros(()).dtype)
    return out


def _chain(initial: Any, transition: Any) -> tuple[jax.Array, jax.Array]:
    initial, transition = _float(initial), _float(transition)
    check_table("initial distribution", initial, ndim=1)
    check_table("transition matrix", transition, ndim=2)
    k = initial.shape[0]
    if transition.shape != (k, k):
        raise ShapeError(
            f"Expected a transition matrix of shape ({k}, {k}) for {k} states, got "
            f"{tuple(transition.shape)} instead."
        )
    return initial, transition


def _states(model: Any, num_steps: Any, key: Any) -> tuple[jax.Array, jax.Array]:
    """Sample the hidden chain :math:`z_{0:T-1}` (the categorical sampler with the identity
    emission) and return it with a fresh key for the emissions."""
    if isinstance(num_steps, bool) or not isinstance(num_steps, int | np.integer) or num_steps < 1:
        raise DataError(
            f"Expected num_steps >= 1 (an int), got {num_steps!r} instead; pass e.g. "
            f"model.sample(100, key=jax.random.key(0))."
        )
    k_chain, k_emit = jax.random.split(as_key(key))
    k = model.num_states
    chain = HMM(model.initial, model.transition, jnp.eye(k, dtype=model.initial.dtype))
    states, _ = hmm_sample(chain, int(num_steps), key=k_chain)
    return states, k_emit


def _check_vectors(model: Any, obs: Any, *, counts: bool) -> jax.Array:
    obs = as_array(obs, "the observations")
    d = model.obs_dim
    if obs.ndim == 1 and d == 1:
        obs = obs[:, None]
    if obs.ndim != 2 or obs.shape[1] != d:
        raise ShapeError(
            f"Expected one sequence of observations of shape (T, {d}), got shape "
            f"{tuple(obs.shape)} instead. For a batch use jax.vmap over sequences."
        )
    if obs.shape[0] == 0:
        raise DataError("Expected at least one observation, got an empty sequence (T = 0).")
    if not jnp.issubdtype(obs.dtype, jnp.floating):
        obs = obs.astype(model.initial.dtype)
    if concrete(obs):
        v = np.asarray(obs, np.float64)
        if np.isinf(v).any():
            raise NonFiniteError(
                f"Observation y[{int(np.argmax(np.isinf(v).any(1)))}] contains inf; expected "
                f"finite values (or NaN for missing)."
            )
        missing = np.isnan(v).any(axis=1)
        if missing.all():
            raise DataError(
                f"Every one of the {len(v)} observations is missing (NaN): nothing to "
                f"condition on. Expected at least one observed row."
            )
        seen = v[~missing]
        if counts and ((seen < 0).any() or (seen != np.round(seen)).any()):
            bad = seen[(seen < 0) | (seen != np.round(seen))][0]
            raise EmissionFamilyError(
                f"A PoissonHMM emits non-negative integer counts, got the value {bad}. "
                f"Expected counts; use a GaussianHMM for real-valued data."
            )
    checked: jax.Array = obs
    return checked


class _VectorHMM(HMMBase):
    """An HMM emitting vectors ``(T, d)``, a row with a NaN missing (likelihood 1 for every
    state); a family gives the per-state log-densities of an observed row."""

    obs_ndim = 2
    _counts: ClassVar[bool] = False
    """Whether the observations are counts (non-negative integers)."""

    def _log_likelihoods(self, y: jax.Array) -> jax.Array:
        r""":math:`\log p(y \mid z = i)` for every state ``i`` of an observed row ``y``."""
        raise UnsupportedError("Subclasses define this method.")

    def likelihood(self, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        seen = ~jnp.any(jnp.isnan(y))
        ll = jnp.where(seen, self._log_likelihoods(jnp.where(seen, y, 0.0)), 0.0)
        shift = jnp.max(ll)
        return jnp.exp(ll - shift), shift

    def check_obs(self, obs: ArrayLike) -> jax.Array:
        return _check_vectors(self, obs, counts=self._counts)


class GaussianHMM(_VectorHMM):
    r"""HMM with emissions :math:`N(\mu_i, \Sigma_i)`: ``means`` (k, d), ``covs`` (k, d, d)
    symmetric positive definite. ``min_variance`` is added to the diagonal by the EM M-step.

    >>> GaussianHMM(jnp.ones(2) / 2, jnp.eye(2), jnp.zeros((2, 3)), jnp.stack([jnp.eye(3)] * 2)).obs_dim
    3
    """

    initial: jax.Array
    transition: jax.Array
    means: jax.Array
    covs: jax.Array
    min_variance: float = eqx.field(static=True, default=1e-6)

    def __init__(
        self,
        initial: ArrayLike,
        transition: ArrayLike,
        means: ArrayLike,
        covs: ArrayLike,
        *,
        min_variance: float = 1e-6,
    ) -> None:
        self.initial, self.transition = _chain(initial, transition)
        means, covs = _float(means), _float(covs)
        k = self.initial.shape[0]
        d = means.shape[-1] if means.ndim else 0
        if means.ndim != 2 or means.shape[0] != k or covs.shape != (k, d, d):
            raise ShapeError(
                f"Expected means of shape ({k}, d) and covs of shape ({k}, d, d), got "
                f"{tuple(means.shape)} and {tuple(covs.shape)} instead."
            )
        if concrete(covs):
            c = np.asarray(covs, np.float64)
            sym = np.abs(c - np.swapaxes(c, 1, 2)).max()
            low = np.linalg.eigvalsh((c + np.swapaxes(c, 1, 2)) / 2).min()
            if sym > 1e-6 * max(1.0, np.abs(c).max()) or low <= 0:
                raise CovarianceError(
                    f"Expected every emission covariance to be symmetric positive definite, "
                    f"got asymmetry {sym:.3g} and smallest eigenvalue {low:.3g}. Build them as "
                    f"L @ L.T + eps * I."
                )
        self.means, self.covs, self.min_variance = means, covs, float(min_variance)

    @property
    def obs_dim(self) -> int:
        """Observation dimension ``d``."""
        return int(self.means.shape[1])

    def _log_likelihoods(self, y: jax.Array) -> jax.Array:
        chol = jnp.linalg.cholesky(self.covs)
        z = jax.vmap(lambda c, r: jax.scipy.linalg.solve_triangular(c, r, lower=True))(
            chol, y[None, :] - self.means
        )
        logdet = 2 * jnp.sum(jnp.log(jnp.diagonal(chol, axis1=1, axis2=2)), axis=1)
        return -0.5 * (jnp.sum(z**2, axis=1) + logdet + y.shape[0] * LOG2PI)

    def sample(self, num_steps: int, *, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        r"""Sample ``(states, observations)`` of shapes ``(num_steps,)`` and
        ``(num_steps, d)`` from :math:`p(z_{0:T-1}, y_{0:T-1})`,
        :math:`y_t = \mu_{z_t} + L_{z_t} \varepsilon_t` with :math:`L L^\top = \Sigma`.

        >>> g = GaussianHMM(jnp.array([1.0, 0.0]), jnp.eye(2), jnp.array([[5.0], [-5.0]]),
        ...                 jnp.full((2, 1, 1), 1e-6))
        >>> states, ys = g.sample(3, key=jax.random.key(1))
        >>> states.tolist(), bool(jnp.all(jnp.abs(ys - 5.0) < 0.01))
        ([0, 0, 0], True)
        """
        states, key = _states(self, num_steps, key)
        chol = jnp.linalg.cholesky(self.covs)[states]
        eps = jax.random.normal(key, (states.shape[0], self.obs_dim), self.means.dtype)
        return states, self.means[states] + jnp.einsum("tde,te->td", chol, eps)


class PoissonHMM(_VectorHMM):
    r"""HMM with independent Poisson counts: ``rates`` (k, d), :math:`\lambda_{ic} > 0`.

    >>> PoissonHMM(jnp.ones(2) / 2, jnp.eye(2), jnp.array([[1.0], [5.0]])).obs_dim
    1
    """

    initial: jax.Array
    transition: jax.Array
    rates: jax.Array
    _counts = True

    def __init__(self, initial: ArrayLike, transition: ArrayLike, rates: ArrayLike) -> None:
        self.initial, self.transition = _chain(initial, transition)
        rates = _float(rates)
        k = self.initial.shape[0]
        if rates.ndim != 2 or rates.shape[0] != k:
            raise ShapeError(f"Expected rates of shape ({k}, d), got {tuple(rates.shape)} instead.")
        if concrete(rates) and not (np.asarray(rates) > 0).all():
            raise NotStochasticError(
                f"Expected positive Poisson rates, got {np.asarray(rates).min():.3g}; "
                f"clip them, e.g. jnp.maximum(rates, 1e-6)."
            )
        self.rates = rates

    @property
    def obs_dim(self) -> int:
        """Number of count channels ``d``."""
        return int(self.rates.shape[1])

    def _log_likelihoods(self, y: jax.Array) -> jax.Array:
        return jnp.sum(y[None] * jnp.log(self.rates) - self.rates - gammaln(y + 1.0)[None], axis=1)

    def sample(self, num_steps: int, *, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        r"""Sample ``(states, counts)`` of shapes ``(num_steps,)`` and ``(num_steps, d)``
        from :math:`p(z_{0:T-1}, y_{0:T-1})`, :math:`y_{t,c} \sim \mathrm{Poisson}(\lambda_{z_t c})`
        (counts as floats, the dtype the model's functions take).

        >>> p = PoissonHMM(jnp.array([0.5, 0.5]), jnp.eye(2), jnp.array([[1.0], [9.0]]))
        >>> states, counts = p.sample(4, key=jax.random.key(0))
        >>> counts.shape, bool(jnp.all(counts == jnp.round(counts)))
        ((4, 1), True)
        """
        states, key = _states(self, num_steps, key)
        rates = self.rates[states]
        return states, jax.random.poisson(key, rates, rates.shape).astype(rates.dtype)
