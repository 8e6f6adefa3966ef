r"""Conjugate families as Bayesian lenses (Jacobs, *A channel-based perspective on conjugate
priors*; Braithwaite, Hedges, St Clere Smithe; Kamiya, Welliaveetil).

A conjugate family is a likelihood kernel :math:`f : \Theta \to Y` together with a family of
priors on :math:`\Theta` closed under Bayesian inversion: for a prior :math:`\pi` in the
family, every posterior :math:`f^\dagger_\pi(- \mid y)` is again in the family, with
hyperparameters in closed form. Jacobs states this as a channel: the prior family is a
channel :math:`H \to \Theta` from hyperparameters, and conjugacy is an update map
:math:`H \times Y \to H` through which the Bayesian inverse factors, so repeated updating is
iterating that map. Each family here gives

* ``update(prior, data)`` — the posterior after a batch of observations (leading axis),
* ``update_one(prior, obs)`` — the posterior after one observation,
* ``predictive(prior)`` / ``log_predictive(prior, obs)`` — the prior predictive
  :math:`\pi \gg f`,
* ``log_marginal_likelihood(prior, data)`` — :math:`\log p(y_{1:n})`,
* ``sufficient_statistic(data)`` / ``update_statistic(prior, stat)`` — what the update reads
  of a batch (counts, sums, cross-products), and the posterior from it; ``update`` composes them,
* ``lens()`` — the :class:`~catlearn.probability.inference.bayes.BayesLens` ``(f, prior ↦ (y ↦ posterior))``.

Because the observations are exchangeable, **batch update = sequential update** (Kamiya and
Welliaveetil): folding ``update_one`` over the data gives ``update`` of the whole batch.

>>> import jax.numpy as jnp
>>> fam = BetaBernoulli()
>>> post = fam.update(Beta(1.0, 1.0), jnp.array([1, 1, 0]))
>>> float(post.alpha), float(post.beta)
(3.0, 2.0)
>>> float(fam.sequential_update(Beta(1.0, 1.0), jnp.array([1, 1, 0])).alpha)
3.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import betaln, gammaln
from jax.typing import ArrayLike

from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import HyperparameterError, ShapeError
from catlearn.probability.inference._conjugate_base import _Checked, _Family, check_whole
from catlearn.probability.kernels._checks import (
    array_dataclass,
    check_finite,
    check_support,
    concrete,
)
from catlearn.probability.kernels._linalg import LOG2PI

__all__ = [
    "Beta",
    "BetaBernoulli",
    "BetaBinomial",
    "Dirichlet",
    "DirichletCategorical",
    "Normal",
    "NormalInverseGamma",
    "NormalInverseGammaRegression",
    "NormalKnownVariance",
]


def _arraylike(x: Any) -> bool:
    return isinstance(x, jax.Array | np.ndarray | float | int | list | tuple)


# --- distributions (the priors/posteriors) -----------------------------------------------------


@array_dataclass
class Beta(_Checked):
    """The Beta distribution Beta(alpha, beta) on [0, 1], density ∝ θ^(α-1) (1-θ)^(β-1).

    >>> float(Beta(2.0, 2.0).mean)
    0.5
    """

    alpha: Any
    beta: Any

    _positive = ("alpha", "beta")

    @property
    def mean(self) -> jax.Array:
        """E[θ] = α / (α + β)."""
        return cast(jax.Array, self.alpha / (self.alpha + self.beta))

    def log_prob(self, theta: jax.Array | float) -> jax.Array:
        """log Beta(θ; α, β)."""
        return cast(
            jax.Array,
            (self.alpha - 1) * jnp.log(theta)
            + (self.beta - 1) * jnp.log1p(-theta)
            - betaln(self.alpha, self.beta),
        )


@array_dataclass
class Dirichlet(_Checked):
    """The Dirichlet distribution Dir(alpha) on the simplex, density ∝ Π θ_j^(α_j - 1).

    >>> Dirichlet(jnp.array([1.0, 3.0])).mean.tolist()
    [0.25, 0.75]
    """

    alpha: Any

    _positive = ("alpha",)

    def __post_init__(self) -> None:
        super().__post_init__()
        if _arraylike(self.alpha) and np.ndim(self.alpha) != 1:
            raise ShapeError(
                f"Expected Dirichlet(alpha) with alpha a vector of shape (k,), got shape "
                f"{np.shape(self.alpha)} instead; pass one concentration per category."
            )

    @property
    def mean(self) -> jax.Array:
        """E[θ] = α / Σα."""
        return cast(jax.Array, self.alpha / jnp.sum(self.alpha))

    def log_prob(self, theta: ArrayLike) -> jax.Array:
        """log Dir(θ; α)."""
        a = self.alpha
        return jnp.sum((a - 1) * jnp.log(theta)) + gammaln(jnp.sum(a)) - jnp.sum(gammaln(a))


@array_dataclass
class Normal(_Checked):
    """The normal distribution N(mean, var) on the real line (``var`` is the variance).

    >>> float(Normal(0.0, 1.0).log_prob(0.0))  # -log(2π)/2
    -0.9189...
    """

    mean: Any
    var: Any

    _finite = ("mean",)
    _positive = ("var",)

    def log_prob(self, x: ArrayLike) -> jax.Array:
        """log N(x; μ, σ²)."""
        return cast(
            jax.Array, -0.5 * (LOG2PI + jnp.log(self.var) + (x - self.mean) ** 2 / self.var)
        )


@array_dataclass
class NormalInverseGamma(_Checked):
    r"""NIG(m, Λ, a, b): :math:`w \mid \sigma^2 \sim N(m, \sigma^2 \Lambda^{-1})`,
    :math:`\sigma^2 \sim \mathrm{InvGamma}(a, b)`; ``precision`` is :math:`\Lambda` (d × d).

    >>> p = NormalInverseGamma(jnp.zeros(2), jnp.eye(2), 2.0, 1.0)
    >>> float(p.sigma2_mean)
    1.0
    """

    mean: Any
    precision: Any
    a: Any
    b: Any

    _finite = ("mean", "precision")
    _positive = ("a", "b")

    def __post_init__(self) -> None:
        super().__post_init__()
        d: tuple[int, ...] = np.shape(self.mean) if _arraylike(self.mean) else ()
        if not (_arraylike(self.mean) and _arraylike(self.precision)):
            return
        if len(d) != 1 or np.shape(self.precision) != (d[0], d[0]):
            raise ShapeError(
                f"Expected NormalInverseGamma(mean of shape (d,), precision of shape (d, d), a, b), "
                f"got mean {d} and precision {np.shape(self.precision)} instead."
            )
        p = concrete(self.precision)
        if p is not None and (p.size and jnp.linalg.eigvalsh(p).min() <= 0):
            raise HyperparameterError(
                "Expected a positive definite prior precision for NormalInverseGamma, got one "
                "with a non-positive eigenvalue; use e.g. precision = jnp.eye(d) / prior_var."
            )

    @property
    def sigma2_mean(self) -> jax.Array:
        """E[σ²] = b / (a - 1) (for a > 1)."""
        return cast(jax.Array, self.b / (self.a - 1))


@dataclass(frozen=True)
class BetaBernoulli(_Family):
    r"""Bernoulli likelihood :math:`y \sim \mathrm{Bern}(\theta)` with a Beta prior.

    Posterior :math:`\mathrm{Beta}(\alpha + s, \beta + n - s)`, :math:`s = \sum y_i`; predictive
    :math:`P(y = 1) = \alpha / (\alpha + \beta)`; log marginal likelihood
    :math:`\log B(\alpha + s, \beta + n - s) - \log B(\alpha, \beta)`.

    >>> fam = BetaBernoulli()
    >>> round(float(jnp.exp(fam.log_marginal_likelihood(Beta(1.0, 1.0), jnp.array([1, 0])))), 4)
    0.1667
    """

    def _check_data(self, data: Any) -> None:
        check_support(data, 0, 1, "Bernoulli observation", integer=True)

    def _kernel_parts(self) -> tuple[Ty, Ty, Any]:
        def draw(key: jax.Array, theta: Any) -> jax.Array:
            return jax.random.bernoulli(key, theta).astype(jnp.int32)

        return Euclid(), Fin(2), draw

    def sufficient_statistic(self, data: ArrayLike) -> tuple[jax.Array, jax.Array]:
        """``(n, Σy)``: the number of observations and of successes."""
        return self._count_and_sum(data, "the Bernoulli observations")

    def update_statistic(self, prior: Beta, stat: tuple[jax.Array, jax.Array]) -> Beta:
        """Beta(α + s, β + n − s) from ``(n, s) = sufficient_statistic(data)``."""
        n, s = stat
        return Beta(prior.alpha + s, prior.beta + n - s)

    def predictive(self, prior: Beta) -> jax.Array:
        """P(y = 1) = α / (α + β)."""
        return prior.mean

    def log_predictive(self, prior: Beta, obs: ArrayLike) -> jax.Array:
        """log P(y = obs) under the prior predictive."""
        self._check_data(obs)
        p = prior.mean
        return jnp.where(jnp.asarray(obs) == 1, jnp.log(p), jnp.log1p(-p))

    def log_likelihood(self, theta: jax.Array | float, obs: ArrayLike) -> jax.Array:
        """log Bern(y; θ)."""
        return jnp.where(jnp.asarray(obs) == 1, jnp.log(theta), jnp.log1p(-theta))

    def log_marginal_likelihood(self, prior: Beta, data: ArrayLike) -> jax.Array:
        """log p(y_1..n) = log B(α+s, β+n−s) − log B(α, β)."""
        post = self.update(prior, data)
        return betaln(post.alpha, post.beta) - betaln(prior.alpha, prior.beta)


@dataclass(frozen=True)
class BetaBinomial(_Family):
    r"""Binomial likelihood :math:`k \sim \mathrm{Bin}(n, \theta)` (``trials`` = n) with a Beta
    prior; posterior :math:`\mathrm{Beta}(\alpha + \sum k_i, \beta + \sum (n - k_i))`, predictive
    the beta-binomial distribution.

    >>> fam = BetaBinomial(trials=10)
    >>> float(fam.update(Beta(1.0, 1.0), jnp.array([3, 7])).alpha)
    11.0
    """

    trials: int = 1

    def __post_init__(self) -> None:
        check_whole(self.trials, "BetaBinomial(trials=n)", "n")

    def _check_data(self, data: Any) -> None:
        check_support(data, 0, self.trials, "Binomial observation", integer=True)

    def _kernel_parts(self) -> tuple[Ty, Ty, Any]:
        def draw(key: jax.Array, theta: Any) -> jax.Array:
            return jnp.sum(jax.random.bernoulli(key, theta, (self.trials,))).astype(jnp.int32)

        return Euclid(), Fin(self.trials + 1), draw

    def sufficient_statistic(self, data: ArrayLike) -> tuple[jax.Array, jax.Array]:
        """``(n, Σk)``: the number of observations and the total of successes."""
        return self._count_and_sum(data, "the Binomial observations")

    def update_statistic(self, prior: Beta, stat: tuple[jax.Array, jax.Array]) -> Beta:
        """Beta(α + s, β + n·trials − s) from ``(n, s) = sufficient_statistic(data)``."""
        n, s = stat
        return Beta(prior.alpha + s, prior.beta + n * self.trials - s)

    def _log_choose(self, k: Any) -> jax.Array:
        n = self.trials
        return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)

    def predictive(self, prior: Beta) -> jax.Array:
        """The beta-binomial pmf over {0, ..., n}, a vector of length n + 1."""
        return jnp.exp(self.log_predictive(prior, jnp.arange(self.trials + 1)))

    def log_predictive(self, prior: Beta, obs: ArrayLike) -> jax.Array:
        """log BetaBin(k; n, α, β) = log C(n,k) + log B(k+α, n−k+β) − log B(α, β)."""
        self._check_data(obs)
        k = jnp.asarray(obs)
        return (
            self._log_choose(k)
            + betaln(k + prior.alpha, self.trials - k + prior.beta)
            - betaln(prior.alpha, prior.beta)
        )

    def log_likelihood(self, theta: jax.Array | float, obs: ArrayLike) -> jax.Array:
        """log Bin(k; n, θ)."""
        k = jnp.asarray(obs)
        return self._log_choose(k) + k * jnp.log(theta) + (self.trials - k) * jnp.log1p(-theta)

    def log_marginal_likelihood(self, prior: Beta, data: ArrayLike) -> jax.Array:
        """Σ log C(n, k_i) + log B(α + Σk, β + Σ(n−k)) − log B(α, β)."""
        post = self.update(prior, data)
        return (
            jnp.sum(self._log_choose(jnp.asarray(data)))
            + betaln(post.alpha, post.beta)
            - betaln(prior.alpha, prior.beta)
        )


@dataclass(frozen=True)
class DirichletCategorical(_Family):
    r"""Categorical likelihood on ``Fin(k)`` with a Dirichlet prior.

    Posterior :math:`\mathrm{Dir}(\alpha + c)` with :math:`c` the counts; predictive
    :math:`\alpha / \sum \alpha`; log marginal likelihood
    :math:`\log\Gamma(A) - \log\Gamma(A + n) + \sum_j [\log\Gamma(\alpha_j + c_j) - \log\Gamma(\alpha_j)]`.

    >>> fam = DirichletCategorical(3)
    >>> fam.update(Dirichlet(jnp.ones(3)), jnp.array([0, 2, 2])).alpha.tolist()
    [2.0, 1.0, 3.0]
    """

    k: int = 2

    def __post_init__(self) -> None:
        check_whole(self.k, "DirichletCategorical(k)", "k")

    def _check_data(self, data: Any) -> None:
        check_support(
            data, 0, self.k - 1, f"Categorical observation on Fin({self.k})", integer=True
        )

    def _kernel_parts(self) -> tuple[Ty, Ty, Any]:
        def draw(key: jax.Array, theta: Any) -> jax.Array:
            return jax.random.categorical(key, jnp.log(theta)).astype(jnp.int32)

        return Euclid(self.k), Fin(self.k), draw

    def _check_prior(self, prior: Dirichlet) -> None:
        if np.shape(prior.alpha) != (self.k,):
            raise ShapeError(
                f"Expected a Dirichlet prior with {self.k} concentrations for "
                f"DirichletCategorical({self.k}), got shape {np.shape(prior.alpha)} instead."
            )

    def sufficient_statistic(self, data: ArrayLike) -> jax.Array:
        """The counts ``c_j = #{i : y_i = j}`` (an int vector of length ``k``)."""
        self._check_data(data)
        return jnp.sum(jax.nn.one_hot(jnp.asarray(data), self.k, dtype=jnp.int32), 0)

    def update_statistic(self, prior: Dirichlet, stat: jax.Array) -> Dirichlet:
        """Dir(α + c) from the counts ``c = sufficient_statistic(data)``."""
        self._check_prior(prior)
        return Dirichlet(prior.alpha + jnp.asarray(stat, prior.alpha.dtype))

    def predictive(self, prior: Dirichlet) -> jax.Array:
        """P(y = j) = α_j / Σα."""
        return prior.mean

    def log_predictive(self, prior: Dirichlet, obs: ArrayLike) -> jax.Array:
        """log α_y − log Σα."""
        self._check_data(obs)
        return jnp.log(prior.mean)[jnp.asarray(obs)]

    def log_likelihood(self, theta: ArrayLike, obs: ArrayLike) -> jax.Array:
        """log θ_y."""
        return jnp.log(theta)[jnp.asarray(obs)]

    def log_marginal_likelihood(self, prior: Dirichlet, data: ArrayLike) -> jax.Array:
        """log Γ(A) − log Γ(A+n) + Σ_j [log Γ(α_j + c_j) − log Γ(α_j)]."""
        post = self.update(prior, data)
        a, a_n = prior.alpha, post.alpha
        return gammaln(jnp.sum(a)) - gammaln(jnp.sum(a_n)) + jnp.sum(gammaln(a_n) - gammaln(a))


@dataclass(frozen=True)
class NormalKnownVariance(_Family):
    r"""Normal likelihood :math:`y \sim N(\mu, \sigma^2)` with known ``var`` = σ² and a normal
    prior :math:`\mu \sim N(m, v)`.

    Posterior precision :math:`1/v + n/\sigma^2`, posterior mean
    :math:`(m/v + \sum y_i / \sigma^2) / \text{precision}`; predictive :math:`N(m, v + \sigma^2)`;
    the marginal likelihood is :math:`N(y; m\mathbf 1, \sigma^2 I + v \mathbf{1}\mathbf{1}^T)`.

    >>> fam = NormalKnownVariance(var=1.0)
    >>> post = fam.update(Normal(0.0, 1.0), jnp.array([2.0]))
    >>> float(post.mean), float(post.var)
    (1.0, 0.5)
    """

    var: float = 1.0

    _positive = ("var",)

    def _check_data(self, data: Any) -> None:
        check_finite(data, "normal observation")
        if np.ndim(data) != 1:
            raise ShapeError(
                f"Expected a batch of scalar observations of shape (n,), got shape "
                f"{np.shape(data)} instead; pass data.reshape(-1) for one scalar per example."
            )

    def _kernel_parts(self) -> tuple[Ty, Ty, Any]:
        def draw(key: jax.Array, theta: Any) -> jax.Array:
            return cast(
                jax.Array, theta + jnp.sqrt(self.var) * jax.random.normal(key, np.shape(theta))
            )

        return Euclid(), Euclid(), draw

    def sufficient_statistic(self, data: ArrayLike) -> tuple[jax.Array, jax.Array]:
        """``(n, Σy)``: the number of observations and their sum."""
        return self._count_and_sum(data, "the normal observations")

    def update_statistic(self, prior: Normal, stat: tuple[jax.Array, jax.Array]) -> Normal:
        """N(μ_n, v_n) with 1/v_n = 1/v + n/σ², μ_n = v_n (m/v + s/σ²), ``(n, s)`` the statistic."""
        n, s = stat
        prec = 1.0 / prior.var + n / self.var
        return Normal((prior.mean / prior.var + s / self.var) / prec, 1.0 / prec)

    def predictive(self, prior: Normal) -> Normal:
        """N(m, v + σ²)."""
        return Normal(prior.mean, prior.var + self.var)

    def log_predictive(self, prior: Normal, obs: ArrayLike) -> jax.Array:
        """log N(y; m, v + σ²)."""
        return self.predictive(prior).log_prob(obs)

    def log_likelihood(self, theta: jax.Array | float, obs: jax.Array | float) -> jax.Array:
        """log N(y; θ, σ²)."""
        return -0.5 * (LOG2PI + jnp.log(self.var) + (obs - theta) ** 2 / self.var)

    def log_marginal_likelihood(self, prior: Normal, data: ArrayLike) -> jax.Array:
        """log N(y; m1, σ²I + v11ᵀ), by the matrix determinant lemma (O(n))."""
        self._check_data(data)
        r = jnp.asarray(data) - prior.mean
        n, s2, v = r.shape[0], self.var, prior.var
        logdet = n * jnp.log(s2) + jnp.log1p(n * v / s2)
        quad = (jnp.sum(r**2) - v * jnp.sum(r) ** 2 / (s2 + n * v)) / s2
        return cast(jax.Array, -0.5 * (n * LOG2PI + logdet + quad))


@dataclass(frozen=True)
class NormalInverseGammaRegression(_Family):
    r"""Bayesian linear regression :math:`y = x^T w + \varepsilon`,
    :math:`\varepsilon \sim N(0, \sigma^2)`, with a conjugate :class:`NormalInverseGamma` prior
    on :math:`(w, \sigma^2)`. Observations are pairs ``(x, y)`` with ``x`` of shape ``(d,)``.

    Posterior: :math:`\Lambda_n = \Lambda_0 + X^TX`,
    :math:`m_n = \Lambda_n^{-1}(\Lambda_0 m_0 + X^Ty)`, :math:`a_n = a_0 + n/2`,
    :math:`b_n = b_0 + \tfrac12(y^Ty + m_0^T\Lambda_0 m_0 - m_n^T\Lambda_n m_n)`.
    Predictive at :math:`x`: Student-t with :math:`2a` degrees of freedom, location
    :math:`x^Tm`, squared scale :math:`(b/a)(1 + x^T\Lambda^{-1}x)`. Log marginal likelihood:
    :math:`\log\Gamma(a_n) - \log\Gamma(a_0) + a_0\log b_0 - a_n\log b_n
    + \tfrac12(\log|\Lambda_0| - \log|\Lambda_n|) - \tfrac n2\log 2\pi`.

    >>> fam = NormalInverseGammaRegression(d=1)
    >>> X, y = jnp.array([[1.0], [2.0]]), jnp.array([1.0, 2.0])
    >>> post = fam.update(NormalInverseGamma(jnp.zeros(1), jnp.eye(1), 1.0, 1.0), (X, y))
    >>> round(float(post.mean[0]), 4)  # (X^T y) / (1 + X^T X) = 5 / 6
    0.8333
    """

    d: int = 1

    def _check_data(self, data: Any) -> None:
        if not isinstance(data, tuple | list) or len(data) != 2:
            raise ShapeError(
                "Expected regression data as a pair (X, y) with X of shape (n, d) and y of shape "
                f"(n,), got {type(data).__name__} instead."
            )
        X, y = data
        if np.ndim(X) != 2 or np.shape(X)[1] != self.d or np.shape(y) != np.shape(X)[:1]:
            raise ShapeError(
                f"Expected X of shape (n, {self.d}) and y of shape (n,), got X of shape "
                f"{np.shape(X)} and y of shape {np.shape(y)} instead."
            )
        check_finite(X, "regression input X")
        check_finite(y, "regression target y")

    def likelihood(self) -> Any:
        """The log-likelihood ``((w, σ²), (x, y)) ↦ log N(y; xᵀw, σ²)`` (the input ``x`` is data,
        not drawn, so the forward part is this function rather than a Sampler)."""
        return self.log_likelihood

    def update_one(
        self, prior: NormalInverseGamma, obs: tuple[ArrayLike, ArrayLike]
    ) -> NormalInverseGamma:
        """The posterior after one pair ``(x, y)`` with ``x`` of shape ``(d,)``."""
        x, y = obs
        return cast(
            NormalInverseGamma, self.update(prior, (jnp.asarray(x)[None], jnp.asarray(y)[None]))
        )

    def sufficient_statistic(self, data: tuple[ArrayLike, ArrayLike]) -> tuple[jax.Array, ...]:
        """``(n, XᵀX, Xᵀy, yᵀy)``: the Gram matrix, the cross-products and the sum of squares."""
        self._check_data(data)
        X, y = (jnp.asarray(v) for v in data)
        return jnp.asarray(y.shape[0]), X.T @ X, X.T @ y, y @ y

    def update_statistic(
        self, prior: NormalInverseGamma, stat: tuple[jax.Array, ...]
    ) -> NormalInverseGamma:
        """NIG(m_n, Λ_n, a_n, b_n) (class docstring) from ``(n, XᵀX, Xᵀy, yᵀy)``."""
        n, xx, xy, yy = stat
        lam = prior.precision + xx
        eta = prior.precision @ prior.mean + xy
        mean = jnp.linalg.solve(lam, eta)
        b = prior.b + 0.5 * (yy + prior.mean @ prior.precision @ prior.mean - mean @ eta)
        return NormalInverseGamma(mean, 0.5 * (lam + lam.T), prior.a + 0.5 * n, b)

    def predictive(self, prior: NormalInverseGamma, x: jax.Array) -> tuple[Any, Any, Any]:
        """The Student-t predictive at ``x``: ``(df, loc, scale)``."""
        loc = x @ prior.mean
        scale2 = prior.b / prior.a * (1.0 + x @ jnp.linalg.solve(prior.precision, x))
        return 2 * prior.a, loc, jnp.sqrt(scale2)

    def log_predictive(
        self, prior: NormalInverseGamma, obs: tuple[ArrayLike, ArrayLike]
    ) -> jax.Array:
        """log t_{2a}(y; x^T m, (b/a)(1 + x^T Λ^{-1} x)) for ``obs = (x, y)``."""
        x, y = obs
        df, loc, scale = self.predictive(prior, jnp.asarray(x))
        z = (y - loc) / scale
        return cast(
            jax.Array,
            gammaln((df + 1) / 2)
            - gammaln(df / 2)
            - 0.5 * jnp.log(df * jnp.pi)
            - jnp.log(scale)
            - (df + 1) / 2 * jnp.log1p(z**2 / df),
        )

    def log_likelihood(
        self, theta: tuple[jax.Array, jax.Array | float], obs: tuple[jax.Array, jax.Array | float]
    ) -> jax.Array:
        """log N(y; x^T w, σ²) for ``theta = (w, sigma2)``, ``obs = (x, y)``."""
        (w, s2), (x, y) = theta, obs
        return -0.5 * (LOG2PI + jnp.log(s2) + (y - x @ w) ** 2 / s2)

    def log_marginal_likelihood(
        self, prior: NormalInverseGamma, data: tuple[ArrayLike, ArrayLike]
    ) -> jax.Array:
        """The multivariate Student-t log evidence of ``y`` given ``X`` (class docstring)."""
        post = self.update(prior, data)
        n = np.shape(data[1])[0]
        return cast(
            jax.Array,
            gammaln(post.a)
            - gammaln(prior.a)
            + prior.a * jnp.log(prior.b)
            - post.a * jnp.log(post.b)
            + 0.5 * (jnp.linalg.slogdet(prior.precision)[1] - jnp.linalg.slogdet(post.precision)[1])
            - 0.5 * n * LOG2PI,
        )
