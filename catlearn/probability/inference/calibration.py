r"""Simulation-based calibration (SBC) of approximate Bayesian lenses (Talts, Betancourt,
Simpson, Vehtari, Gelman, *Validating Bayesian inference algorithms with simulation-based
calibration*, 2018).

If a backward is the exact inverse :math:`f^\dagger_\pi`, then drawing
:math:`\theta \sim \pi`, :math:`y \sim f(- \mid \theta)` and :math:`L` draws
:math:`\theta_1, \dots, \theta_L` from the backward at :math:`y` makes
:math:`(\theta, \theta_1, \dots, \theta_L)` exchangeable, so the **rank**
:math:`\#\{l : \theta_l < \theta\}` is uniform on :math:`\{0, \dots, L\}` (coordinate by
coordinate). :func:`sbc_ranks` records that rank over ``num_replications`` simulations
(``jax.vmap``-ed), :func:`rank_uniformity` bins the ranks and runs Pearson's chi-square test
of uniformity. Ranks piled in the outer bins mean an **under-dispersed** backward (too
narrow, e.g. mean-field VI on a correlated posterior), a hump in the middle an
over-dispersed one, a slope a biased one.

>>> import jax, jax.numpy as jnp
>>> from catlearn.probability.kernels.gaussian import LinearGaussian
>>> from catlearn.probability.inference.bayes import bayes_lens
>>> prior = LinearGaussian.state([0.0], [[1.0]])
>>> lens = bayes_lens(LinearGaussian([[1.0]], cov=[[0.5]]))   # the exact inverse
>>> ranks = sbc_ranks(lens, prior, key=jax.random.key(0), num_replications=400, num_draws=19)
>>> ranks.shape                                                # (replications, coordinates)
(400, 1)
>>> bool(rank_uniformity(ranks, 19, num_bins=10).p_value[0] > 0.01)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from jax.typing import ArrayLike

from catlearn import errors
from catlearn.core.checked import as_key
from catlearn.errors import HyperparameterError
from catlearn.probability.inference._approx_inverse import ApproxInverse, Particles
from catlearn.probability.inference.bayes import BayesLens

__all__ = ["RankUniformity", "rank_uniformity", "sbc_ranks"]


def _positive_int(what: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
        raise HyperparameterError(f"Expected {what} >= 1 (an int), got {v!r}.")
    return int(v)


def sbc_ranks(
    lens: BayesLens | Callable[[jax.Array], BayesLens],
    prior: Any,
    *,
    key: jax.Array,
    num_replications: int = 200,
    num_draws: int = 99,
    thin: int | None = None,
    vectorize: bool = True,
    inverse: Any = None,
) -> jax.Array:
    r"""SBC ranks of a Bayesian lens's backward (module docstring): for each of
    ``num_replications`` simulations, :math:`\theta \sim \pi` (``prior.sample(key)``),
    :math:`y \sim f(- \mid \theta)` (``lens.forward.sample(key, x=θ)``), ``num_draws``
    :math:`= L` draws from the backward's posterior at :math:`y`, and the rank of each
    coordinate of :math:`\theta` (flattened) among them. Returns integer ranks in
    ``0..L``, shape ``(num_replications, d)``; uniform if the backward is exact.

    ``lens`` is a :class:`~catlearn.probability.inference.bayes.BayesLens` (its backward is
    asked once, at ``prior``: an amortised variational inverse is fitted once) or a function
    ``key -> BayesLens``, called with a fresh key per replication (a particle lens then draws
    a fresh particle set each time, as a user running it once would). Posterior draws: from a
    :class:`~catlearn.probability.inference.approximate.Particles` set by its weights (with
    replacement), or, with ``thin``, every ``thin``-th value of the set in order (an MCMC
    chain: thinning against autocorrelation; it needs ``num_draws * thin`` values); from a
    Gaussian state by its ``sample``; from an exact inverse kernel (``bayes_lens``) by its
    ``sample`` at :math:`y`. Ties (discrete values) are broken at random.
    The replications run as one ``jax.jit``-compiled ``jax.vmap``; ``vectorize=False`` runs
    them in a Python loop of one compiled replication instead (less memory).

    A particle lens, a fresh particle set per replication (with a fixed key every
    replication would reuse the same random numbers, and the ranks would be correlated):

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> from catlearn.probability.inference.approximate import particle_lens
    >>> f = LinearGaussian([[1.0]], cov=[[0.5]])
    >>> ranks = sbc_ranks(lambda k: particle_lens(f, num_particles=200, key=k),
    ...                   LinearGaussian.state([0.0], [[1.0]]), key=jax.random.key(0),
    ...                   num_replications=50, num_draws=9)
    >>> ranks.shape, int(ranks.min()) >= 0, int(ranks.max()) <= 9
    ((50, 1), True, True)
    """
    if not (isinstance(lens, BayesLens) or callable(lens)):
        raise errors.ArgumentTypeError(
            f"Expected a BayesLens or a function key -> BayesLens, got {type(lens).__name__}; "
            "pass e.g. particle_lens(f, key=...) or lambda k: particle_lens(f, key=k)."
        )
    if not hasattr(prior, "sample"):
        raise errors.ArgumentTypeError(
            f"Expected a prior with sample(key), got {type(prior).__name__}; pass e.g. "
            "LinearGaussian.state(...)."
        )
    m = _positive_int("num_replications", num_replications)
    L = _positive_int("num_draws", num_draws)
    if thin is not None:
        thin = _positive_int("thin", thin)
    if inverse is not None and not isinstance(lens, BayesLens):
        raise errors.ArgumentValueError(
            "Expected inverse= only with a BayesLens (a function key -> BayesLens is asked "
            "afresh per replication), got both; drop inverse= or pass the lens itself."
        )
    fixed = None
    if isinstance(lens, BayesLens):
        fixed = lens.backward(prior) if inverse is None else inverse
    forward = lens.forward if isinstance(lens, BayesLens) else None

    def one(k: jax.Array) -> jax.Array:
        k_lens, k_theta, k_y, k_draw, k_tie = jax.random.split(k, 5)
        if fixed is None:
            built = lens(k_lens)  # type: ignore[operator]
            inverse, f = built.backward(prior), built.forward
        else:
            inverse, f = fixed, forward
        theta = prior.sample(k_theta)
        y = f.sample(k_y, x=theta)
        if isinstance(inverse, ApproxInverse) or not hasattr(inverse, "sample"):
            draws = _draws(inverse(y), k_draw, L, thin)  # (L, d)
        else:  # an exact inverse kernel (Finite, LinearGaussian): draw from it at y
            ks = jax.random.split(k_draw, L)
            draws = jax.vmap(lambda kk: ravel_pytree(inverse.sample(kk, x=y))[0])(ks)
        t = ravel_pytree(theta)[0]
        less = jnp.sum(draws < t[None], axis=0)
        ties = jnp.sum(draws == t[None], axis=0)
        u = jax.random.uniform(k_tie, t.shape, dtype=jnp.result_type(float))
        return less + jnp.floor(u * (ties + 1)).astype(less.dtype)

    keys = jax.random.split(as_key(key), m)
    if vectorize:
        ranks: jax.Array = jax.jit(jax.vmap(one))(keys)  # one program for all replications
        return ranks
    run = jax.jit(one)
    return jnp.stack([run(k) for k in keys])


def _draws(post: Any, key: jax.Array, n: int, thin: int | None) -> jax.Array:
    """``n`` flat draws (shape ``(n, d)``) from a posterior state."""
    if isinstance(post, Particles):
        values = jax.vmap(lambda v: ravel_pytree(v)[0])(post.values)
        if thin is not None:
            if values.shape[0] < n * thin:
                raise HyperparameterError(
                    f"Expected at least num_draws * thin = {n * thin} posterior values to "
                    f"thin, got {values.shape[0]}; draw more samples or lower thin."
                )
            return values[: n * thin : thin]
        # i.i.d. by the inverse CDF of the weights: n uniforms, not n x N Gumbel draws
        cdf = jnp.cumsum(post.weights)
        u = jax.random.uniform(key, (n,), cdf.dtype) * cdf[-1]
        idx = jnp.clip(jnp.searchsorted(cdf, u, side="right"), 0, values.shape[0] - 1)
        return values[idx]
    if not hasattr(post, "sample"):
        raise errors.ArgumentTypeError(
            f"Expected the backward's posterior to be Particles or a state with sample(key, n), "
            f"got {type(post).__name__}."
        )
    return jax.vmap(lambda v: ravel_pytree(v)[0])(post.sample(key, n))


class RankUniformity(NamedTuple):
    """Result of :func:`rank_uniformity`, one entry per coordinate: the binned ``counts``
    (shape ``(d, num_bins)``), Pearson's chi-square ``statistic`` and its ``p_value``
    (``num_bins - 1`` degrees of freedom), and ``outer_fraction``, the share of ranks in the
    first and last bins (``expected_outer`` = 2 / num_bins if uniform; above it the backward
    is under-dispersed, below it over-dispersed).

    >>> RankUniformity._fields
    ('counts', 'statistic', 'p_value', 'outer_fraction', 'expected_outer')
    """

    counts: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    outer_fraction: np.ndarray
    expected_outer: float


def rank_uniformity(ranks: ArrayLike, num_draws: int, *, num_bins: int = 10) -> RankUniformity:
    r"""Pearson's chi-square test that SBC ranks (from :func:`sbc_ranks`, values in
    ``0..num_draws``) are uniform, per coordinate: the :math:`L + 1` rank values are grouped
    into ``num_bins`` equal bins (``num_bins`` must divide ``num_draws + 1``), and the
    p-value is the upper tail :math:`Q(\tfrac{B-1}{2}, \tfrac{\chi^2}{2})` of the chi-square
    law (``jax.scipy.special.gammaincc``). Keep the expected count per bin :math:`\ge 5`.

    >>> import numpy as np
    >>> r = rank_uniformity(np.arange(20)[:, None] % 20, 19, num_bins=4)
    >>> r.counts.tolist(), float(r.statistic[0]), float(r.p_value[0])
    ([[5, 5, 5, 5]], 0.0, 1.0)
    """
    L = _positive_int("num_draws", num_draws)
    B = _positive_int("num_bins", num_bins)
    if (L + 1) % B:
        raise HyperparameterError(
            f"Expected num_bins to divide num_draws + 1 = {L + 1} (equal bins), got "
            f"num_bins={B}; e.g. num_draws=99 with num_bins=10 or 20."
        )
    r = np.asarray(ranks)
    if r.ndim == 1:
        r = r[:, None]
    if r.ndim != 2 or r.shape[0] < 1:
        raise errors.ShapeError(
            f"Expected ranks of shape (replications, coordinates), got {r.shape}."
        )
    if np.any(r < 0) or np.any(r > L):
        raise errors.ArgumentValueError(f"Expected ranks in 0..{L}, got {r.min()}..{r.max()}.")
    bins = (r * B) // (L + 1)  # (M, d)
    counts = np.stack([np.bincount(bins[:, j], minlength=B) for j in range(r.shape[1])])
    expected = r.shape[0] / B
    stat = np.sum((counts - expected) ** 2 / expected, axis=1)
    p = np.asarray(jax.scipy.special.gammaincc((B - 1) / 2.0, jnp.asarray(stat) / 2.0))
    outer = (counts[:, 0] + counts[:, -1]) / r.shape[0]
    return RankUniformity(counts, stat, p.astype(float), outer, 2.0 / B)
