r"""More conjugate families: Poisson–Gamma, Normal–Wishart, Dirichlet–Multinomial.

Same interface as :mod:`catlearn.probability.inference.conjugate` (``update``, ``update_one``,
``sequential_update``, ``predictive``/``log_predictive``, ``log_marginal_likelihood``,
``lens``, ``sufficient_statistic``/``update_statistic``,
whose composite is ``update``); each posterior is the Bayesian inverse of the likelihood kernel at the prior, in
closed form (Jacobs, *A channel-based perspective on conjugate priors*: conjugacy is an
update map on hyperparameters through which the inverse factors), and batch update =
sequential update. Data a likelihood gives probability zero
(negative or fractional counts, counts not summing to the number of trials) raise
:class:`~catlearn.errors.SupportError`.

>>> import jax.numpy as jnp
>>> post = PoissonGamma().update(Gamma(2.0, 1.0), jnp.array([3, 0, 4]))
>>> float(post.shape), float(post.rate)
(9.0, 4.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln, multigammaln
from jax.typing import ArrayLike

from catlearn.core.types import Euclid, Ty
from catlearn.errors import HyperparameterError, ShapeError, SupportError
from catlearn.probability.inference._conjugate_base import _Checked, _Family
from catlearn.probability.kernels._checks import (
    array_dataclass,
    check_finite,
    check_positive,
    check_support,
    concrete,
)

__all__ = [
    "DirichletMultinomial",
    "Gamma",
    "NormalWishart",
    "NormalWishartFamily",
    "PoissonGamma",
]

_LOGPI = math.log(math.pi)


@array_dataclass
class Gamma(_Checked):
    r"""Gamma(shape α, rate β) on :math:`(0, \infty)`, density :math:`\propto \lambda^{\alpha-1}
    e^{-\beta\lambda}`.

    >>> float(Gamma(2.0, 4.0).mean)
    0.5
    """

    shape: Any
    rate: Any

    _positive = ("shape", "rate")

    @property
    def mean(self) -> jax.Array:
        """α / β."""
        return cast(jax.Array, jnp.asarray(self.shape) / self.rate)

    def log_prob(self, lam: jax.Array | float) -> jax.Array:
        """log Gamma(λ; α, β)."""
        a, b = self.shape, self.rate
        return cast(jax.Array, a * jnp.log(b) - gammaln(a) + (a - 1) * jnp.log(lam) - b * lam)


@array_dataclass
class NormalWishart(_Checked):
    r"""Normal–Wishart on (mean :math:`\mu`, precision :math:`\Lambda`):
    :math:`\Lambda \sim \mathcal W(\Psi^{-1}, \nu)`,
    :math:`\mu \mid \Lambda \sim N(m, (\kappa\Lambda)^{-1})` (``psi`` is :math:`\Psi`, so
    :math:`\Sigma = \Lambda^{-1} \sim \mathcal{IW}(\Psi, \nu)`; needs :math:`\nu > d - 1`).

    >>> nw = NormalWishart(jnp.zeros(2), 1.0, jnp.eye(2), 4.0)
    >>> nw.precision_mean.tolist()
    [[4.0, 0.0], [0.0, 4.0]]
    """

    mean: Any
    kappa: Any
    psi: Any
    nu: Any

    _finite = ("mean",)
    _positive = ("kappa",)

    def __post_init__(self) -> None:
        super().__post_init__()
        m, p = concrete(self.mean), concrete(self.psi)
        if m is None or p is None:
            return
        d = m.shape[0] if m.ndim == 1 else -1
        if m.ndim != 1 or p.shape != (d, d):
            raise ShapeError(
                f"Expected NormalWishart(mean (d,), kappa, psi (d, d), nu), got mean shape "
                f"{m.shape} and psi shape {p.shape} instead."
            )
        if jnp.linalg.eigvalsh(p).min() <= 0:
            raise HyperparameterError(
                "Expected a positive definite scale matrix psi, got a non-positive eigenvalue; "
                "use e.g. psi = jnp.eye(d)."
            )
        nu = concrete(self.nu)
        if nu is not None and not nu > d - 1:
            raise HyperparameterError(
                f"Expected degrees of freedom nu > d - 1 = {d - 1}, got {float(nu)}."
            )

    @property
    def precision_mean(self) -> jax.Array:
        r""":math:`E[\Lambda] = \nu \Psi^{-1}`."""
        return cast(jax.Array, self.nu * jnp.linalg.inv(self.psi))


@dataclass(frozen=True)
class PoissonGamma(_Family):
    r"""Poisson likelihood :math:`k \sim \mathrm{Poi}(\lambda)` with a Gamma(α, β) prior.

    Posterior :math:`\mathrm{Gamma}(\alpha + \sum k_i, \beta + n)`; predictive negative
    binomial :math:`\binom{k + \alpha - 1}{k} (\tfrac{\beta}{\beta+1})^\alpha
    (\tfrac{1}{\beta+1})^k`.

    >>> fam = PoissonGamma()
    >>> round(float(jnp.exp(fam.log_predictive(Gamma(1.0, 1.0), 0))), 3)
    0.5
    """

    def _check_data(self, data: Any) -> None:
        check_support(data, 0, math.inf, "Poisson count", integer=True)

    def _kernel_parts(self) -> tuple[Ty, Ty, Any]:
        return Euclid(), Euclid(), lambda key, lam: jax.random.poisson(key, lam)

    def sufficient_statistic(self, data: ArrayLike) -> tuple[jax.Array, jax.Array]:
        """``(n, Σk)``: the number of observations and the total count."""
        return self._count_and_sum(data, "the Poisson counts")

    def update_statistic(self, prior: Gamma, stat: tuple[jax.Array, jax.Array]) -> Gamma:
        """Gamma(α + s, β + n) from ``(n, s) = sufficient_statistic(data)``."""
        n, s = stat
        return Gamma(prior.shape + s, prior.rate + n)

    def log_predictive(self, prior: Gamma, obs: ArrayLike) -> jax.Array:
        """log NegBin(k; α, β/(β+1))."""
        self._check_data(obs)
        k = jnp.asarray(obs)
        a, b = prior.shape, prior.rate
        return cast(
            jax.Array,
            gammaln(k + a)
            - gammaln(a)
            - gammaln(k + 1.0)
            + a * jnp.log(b / (b + 1.0))
            - k * jnp.log(b + 1.0),
        )

    def predictive(self, prior: Gamma, kmax: int) -> jax.Array:
        """The predictive pmf on 0..kmax."""
        return jnp.exp(self.log_predictive(prior, jnp.arange(kmax + 1)))

    def log_likelihood(self, lam: jax.Array | float, obs: ArrayLike) -> jax.Array:
        """log Poi(k; λ)."""
        k = jnp.asarray(obs)
        return k * jnp.log(lam) - lam - gammaln(k + 1.0)

    def log_marginal_likelihood(self, prior: Gamma, data: ArrayLike) -> jax.Array:
        """α log β − (α+S) log(β+n) + log Γ(α+S) − log Γ(α) − Σ log k_i!."""
        post = self.update(prior, data)
        a, b, an, bn = prior.shape, prior.rate, post.shape, post.rate
        return cast(
            jax.Array,
            a * jnp.log(b)
            - an * jnp.log(bn)
            + gammaln(an)
            - gammaln(a)
            - jnp.sum(gammaln(jnp.asarray(data) + 1.0)),
        )


@dataclass(frozen=True)
class NormalWishartFamily(_Family):
    r"""Multivariate normal :math:`x \sim N(\mu, \Lambda^{-1})` with unknown mean and
    precision and a :class:`NormalWishart` prior. With :math:`\bar x`, scatter
    :math:`S = \sum (x_i - \bar x)(x_i - \bar x)^\top`:

    .. math:: \kappa_n = \kappa + n,\ \nu_n = \nu + n,\ m_n = \frac{\kappa m + n\bar x}{\kappa_n},
              \ \Psi_n = \Psi + S + \frac{\kappa n}{\kappa_n}(\bar x - m)(\bar x - m)^\top.

    Given :math:`\Lambda`, :math:`m_n` and :math:`(\kappa_n\Lambda)^{-1}` are the
    linear-Gaussian inverse of the observation kernel :math:`\mu \mapsto N(\mu, \Lambda^{-1})`
    (Murphy, *Conjugate Bayesian analysis of the Gaussian distribution*, §8).

    >>> fam = NormalWishartFamily(2)
    >>> post = fam.update(NormalWishart(jnp.zeros(2), 1.0, jnp.eye(2), 3.0), jnp.ones((3, 2)))
    >>> post.mean.tolist(), float(post.nu)
    ([0.75, 0.75], 6.0)
    """

    d: int = 1

    def _check_data(self, data: Any) -> None:
        check_finite(data, "NormalWishart observation")
        if np.ndim(data) != 2 or np.shape(data)[1] != self.d:
            raise ShapeError(
                f"Expected observations of shape (n, {self.d}), got {np.shape(data)} instead."
            )

    def _kernel_parts(self) -> tuple[Ty, Ty, Any]:
        def draw(key: jax.Array, theta: Any) -> jax.Array:
            mu, lam = theta
            return jax.random.multivariate_normal(key, mu, jnp.linalg.inv(lam))

        return Euclid(self.d) @ Euclid(self.d, self.d), Euclid(self.d), draw

    def sufficient_statistic(self, data: ArrayLike) -> tuple[jax.Array, jax.Array, jax.Array]:
        """``(n, x̄, S)``: the count, the mean and the centred scatter (centred for accuracy;
        ``n = 0`` gives ``x̄ = 0``, ``S = 0``)."""
        self._check_data(data)
        x = jnp.asarray(data)
        n = x.shape[0]
        xbar = jnp.sum(x, axis=0) / max(n, 1)
        r = x - xbar[None, :]
        return jnp.asarray(n), xbar, r.T @ r

    def update_statistic(
        self, prior: NormalWishart, stat: tuple[jax.Array, jax.Array, jax.Array]
    ) -> NormalWishart:
        """The closed-form posterior (class docstring) from ``(n, x̄, S)``."""
        n, xbar, S = stat
        kn = prior.kappa + n
        dm = xbar - prior.mean
        psi = prior.psi + S + (prior.kappa * n / kn) * jnp.outer(dm, dm)
        mean = (prior.kappa * prior.mean + n * xbar) / kn
        return NormalWishart(mean, kn, 0.5 * (psi + psi.T), prior.nu + n)

    def log_likelihood(self, theta: tuple[jax.Array, jax.Array], obs: ArrayLike) -> jax.Array:
        """log N(x; μ, Λ⁻¹) for θ = (μ, Λ)."""
        mu, lam = theta
        r = jnp.asarray(obs) - mu
        _, logdet = jnp.linalg.slogdet(lam)
        return cast(jax.Array, 0.5 * (logdet - self.d * math.log(2 * math.pi) - r @ lam @ r))

    def log_marginal_likelihood(self, prior: NormalWishart, data: ArrayLike) -> jax.Array:
        r""":math:`-\tfrac{nd}{2}\log\pi + \log\Gamma_d(\nu_n/2) - \log\Gamma_d(\nu/2) +
        \tfrac\nu2\log|\Psi| - \tfrac{\nu_n}2\log|\Psi_n| + \tfrac d2 \log(\kappa/\kappa_n)`."""
        post = self.update(prior, data)
        n, d = jnp.shape(data)[0], self.d
        _, ld0 = jnp.linalg.slogdet(prior.psi)
        _, ldn = jnp.linalg.slogdet(post.psi)
        return cast(
            jax.Array,
            -0.5 * n * d * _LOGPI
            + multigammaln(post.nu / 2, d)
            - multigammaln(prior.nu / 2, d)
            + 0.5 * prior.nu * ld0
            - 0.5 * post.nu * ldn
            + 0.5 * d * (jnp.log(prior.kappa) - jnp.log(post.kappa)),
        )

    def log_predictive(self, prior: NormalWishart, obs: ArrayLike) -> jax.Array:
        """The multivariate Student-t predictive: ``log_marginal_likelihood`` of one point."""
        return self.log_marginal_likelihood(prior, jnp.asarray(obs)[None])


@dataclass(frozen=True)
class DirichletMultinomial(_Family):
    r"""Multinomial likelihood of count vectors ``c`` (``k`` categories, ``trials`` draws each)
    with a Dirichlet(α) prior (``alpha`` a vector); posterior :math:`\mathrm{Dir}(\alpha +
    \sum_i c_i)`; predictive the Dirichlet-multinomial distribution.

    >>> fam = DirichletMultinomial(k=3, trials=4)
    >>> fam.update(jnp.ones(3), jnp.array([[1, 1, 2], [0, 4, 0]])).tolist()
    [2.0, 6.0, 3.0]
    """

    k: int = 2
    trials: int = 1

    def _check_data(self, data: Any) -> None:
        c = concrete(data)
        check_support(data, 0, self.trials, "multinomial count", integer=True)
        if np.ndim(data) != 2 or np.shape(data)[1] != self.k:
            raise ShapeError(
                f"Expected count vectors of shape (n, {self.k}), got {np.shape(data)} instead."
            )
        if c is not None and (c.sum(axis=1) != self.trials).any():
            raise SupportError(
                f"Expected every count vector to sum to trials = {self.trials}, got sums "
                f"{c.sum(axis=1).tolist()} instead: the multinomial gives them probability 0."
            )

    def _kernel_parts(self) -> tuple[Ty, Ty, Any]:
        def draw(key: jax.Array, theta: Any) -> jax.Array:
            ys = jax.random.categorical(key, jnp.log(theta), shape=(self.trials,))
            return jnp.sum(jax.nn.one_hot(ys, self.k, dtype=jnp.int32), axis=0)

        return Euclid(self.k), Euclid(self.k), draw

    def sufficient_statistic(self, data: ArrayLike) -> jax.Array:
        """``Σ c_i``: the total count of each category (``n = Σ_j (Σ c_i)_j / trials``)."""
        self._check_data(data)
        return jnp.sum(jnp.asarray(data), axis=0)

    def update_statistic(self, alpha: ArrayLike, stat: jax.Array) -> jax.Array:
        """α + Σ c_i (the Dirichlet concentration) from the statistic ``Σ c_i``."""
        check_positive(alpha, "Dirichlet alpha")
        return jnp.asarray(alpha) + jnp.asarray(stat)

    def _log_coef(self, c: jax.Array) -> jax.Array:
        return gammaln(self.trials + 1.0) - jnp.sum(gammaln(c + 1.0), axis=-1)

    def log_likelihood(self, theta: ArrayLike, obs: ArrayLike) -> jax.Array:
        """log Mult(c; trials, θ)."""
        c = jnp.asarray(obs)
        return self._log_coef(c) + jnp.sum(c * jnp.log(theta), axis=-1)

    def log_predictive(self, alpha: ArrayLike, obs: ArrayLike) -> jax.Array:
        """log DirMult(c; trials, α)."""
        return self.log_marginal_likelihood(alpha, jnp.asarray(obs)[None])

    def log_marginal_likelihood(self, alpha: ArrayLike, data: ArrayLike) -> jax.Array:
        """Σ log coef + log Γ(A) − log Γ(A + N) + Σ_j [log Γ(α_j + C_j) − log Γ(α_j)]."""
        post = self.update(alpha, data)
        a = jnp.asarray(alpha)
        return (
            jnp.sum(self._log_coef(jnp.asarray(data)))
            + gammaln(jnp.sum(a))
            - gammaln(jnp.sum(post))
            + jnp.sum(gammaln(post) - gammaln(a))
        )
