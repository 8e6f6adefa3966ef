r"""Approximate Bayesian lenses: importance-sampling inversion and particle filters
(Braithwaite, Hedges, St Clere Smithe, *The compositional structure of Bayesian inference*,
§approximate inference).

A state is approximated by a weighted particle set :class:`Particles`,
:math:`\hat\pi = \sum_j w_j \delta_{\theta_j}`. The two halves of a Bayesian lens become

* **forward** (composition :math:`\hat\pi \gg f`): push every particle through a sampler of
  :math:`f` (:meth:`ParticleLens.push`);
* **backward** (inversion :math:`f^\dagger_{\hat\pi}(- \mid y)`): importance reweighting,
  :math:`w_j \propto w_j\, f(y \mid \theta_j)`, which *is* the exact Bayesian inverse of
  :math:`f` at the empirical prior :math:`\hat\pi` (:meth:`ParticleLens.update`).

So importance sampling is inversion at an empirical prior, and the error is the prior's
Monte Carlo error, :math:`O(1/\sqrt N)` (:func:`importance_invert`). The bootstrap particle
filter is the exact HMM filter's lens composition, step for step: predict with the transition
lens's forward, update with the emission lens's backward, then resample
(:func:`particle_filter`, :func:`hmm_particle_filter`). All of it is keyed by ``jax.random``,
``jit``-compiled, and ``vmap``-able over keys or sequences.

A particle set whose weights are all zero carries no mass: it raises
:class:`~catlearn.errors.DegenerateWeightsError` (concrete values).

>>> import jax, jax.numpy as jnp
>>> from catlearn.probability.kernels.gaussian import LinearGaussian
>>> prior = LinearGaussian.state([0.0], [[1.0]])
>>> obs = LinearGaussian([[1.0]], cov=[[1.0]])             # y = θ + noise
>>> post = importance_invert(obs, prior, jnp.array([2.0]), key=jax.random.key(0),
...                          num_samples=20000)
>>> bool(abs(post.mean()[0] - 1.0) < 0.03)                 # exact posterior mean: 1.0
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from catlearn import errors
from catlearn.core.checked import as_array, as_key
from catlearn.core.types import Fin, Ty
from catlearn.errors import HyperparameterError, ShapeError
from catlearn.probability.inference._approx_inverse import (
    ApproxInverse,
    Particles,
    check_density,
    degenerate,
)
from catlearn.probability.inference.bayes import BayesLens
from catlearn.probability.kernels._checks import concrete
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.kernels.sampler import Sampler

__all__ = [
    "ParticleFilterResult",
    "ParticleInverse",
    "ParticleLens",
    "Particles",
    "hmm_particle_filter",
    "importance_invert",
    "particle_filter",
    "particle_lens",
]


def importance_invert(
    kernel: Any, prior: Any, y: Any, *, key: jax.Array, num_samples: int
) -> Particles:
    r"""Importance-sampling Bayesian inversion: draw :math:`\theta_j \sim \pi` (``prior``
    has ``sample(key, n)``: Finite, LinearGaussian, Sampler) and weight them by
    :math:`f(y \mid \theta_j)` (``kernel.log_prob(y, theta)``). The result approximates
    :math:`f^\dagger_\pi(- \mid y)`; expectations converge at :math:`1/\sqrt N`.

    >>> from catlearn.probability.kernels.markov import Finite
    >>> from catlearn.core.types import Fin
    >>> f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    >>> p = importance_invert(f, Finite.state([0.5, 0.5]), 1, key=jax.random.key(0),
    ...                       num_samples=40000)
    >>> p.histogram(2).round(2).tolist()              # exact: [1/9, 8/9]
    [0.11, 0.89]
    """
    if not isinstance(num_samples, int) or num_samples < 1:
        raise HyperparameterError(f"Expected num_samples >= 1, got {num_samples!r}.")
    if not hasattr(prior, "sample"):
        raise errors.ArgumentTypeError(
            f"Expected a prior with sample(key, n) (Finite, LinearGaussian, Sampler), got "
            f"{type(prior).__name__}; pass e.g. Finite.state([0.5, 0.5])."
        )
    theta = prior.sample(as_key(key), num_samples)
    ll = jax.vmap(lambda t: kernel.log_prob(y, t))(theta)
    return Particles(theta, ll)


class ParticleInverse(ApproxInverse):
    r"""The backward of a particle lens at an empirical prior :math:`\hat\pi`: the inverse
    kernel :math:`y \mapsto f^\dagger_{\hat\pi}(- \mid y)`, i.e. the prior's particles
    reweighted by :math:`f(y \mid \theta_j)` (importance sampling *is* exact inversion at an
    empirical prior). ``prior`` is that particle set, ``kernel`` the forward kernel.

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> inv = ParticleInverse(LinearGaussian([[1.0]], cov=[[1.0]]), Particles(jnp.array([[0.0], [2.0]])), 2)
    >>> inv(jnp.array([2.0])).weights.round(3).tolist()         # f(2 | 0) : f(2 | 2)
    [0.119, 0.881]
    """

    def __init__(self, kernel: Any, prior: Particles, num_particles: int) -> None:
        check_density(kernel, "a particle inverse")
        if not isinstance(prior, Particles):
            raise errors.ArgumentTypeError(
                f"Expected the prior of a particle inverse to be Particles, got "
                f"{type(prior).__name__} ({prior!r:.60})."
            )
        if isinstance(num_particles, bool) or not isinstance(num_particles, int | np.integer):
            raise HyperparameterError(f"Expected an integer num_particles, got {num_particles!r}.")
        self.kernel, self.prior, self.key = kernel, prior, prior.key
        self.num_particles = num_particles

    def __call__(self, y: Any) -> Particles:
        lp = self.kernel.log_prob
        return self.prior.reweight(jax.vmap(lambda t: lp(y, t))(self.prior.values))


def particle_lens(
    kernel: Any, *, num_particles: int = 1000, key: jax.Array | None = None, name: str | None = None
) -> BayesLens:
    r"""The particle Bayesian lens of a kernel :math:`f` with ``sample`` and ``log_prob``: a
    :class:`~catlearn.probability.inference.bayes.BayesLens` whose forward is ``kernel`` and
    whose backward at a prior :math:`\pi` is the importance-sampling inverse
    :class:`ParticleInverse` at the empirical prior :math:`\hat\pi` — ``π`` itself when it is
    a :class:`Particles` set, else ``num_particles`` draws of ``π`` (with ``key``).

    Particle lenses compose with ``>>`` and ``@`` like exact ones, and with them: the
    composite's backward :math:`g^\dagger_{\pi \gg f} \gg f^\dagger_\pi` pushes a
    particle prior through each forward (``particles >> kernel``) and composes the
    inverses by one keyed draw per particle (exact parts stay closed-form).

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> from catlearn.probability.inference.bayes import bayes_lens
    >>> f = LinearGaussian([[1.0]], cov=[[1.0]])
    >>> lens = bayes_lens(f) >> particle_lens(f, num_particles=20000, key=jax.random.key(0))
    >>> post = lens.update(LinearGaussian.state([0.0], [[1.0]]), jnp.array([3.0]))
    >>> bool(abs(post.mean()[0] - 1.0) < 0.05)       # exact: E[x | y = 3] = 3 / 3
    True
    """
    if isinstance(num_particles, bool) or not isinstance(num_particles, int) or num_particles < 1:
        raise HyperparameterError(f"Expected num_particles >= 1, got {num_particles!r}.")
    check_density(kernel, "a particle lens")
    k = None if key is None else as_key(key)

    def backward(prior: Any) -> ParticleInverse:
        if isinstance(prior, Particles):
            return ParticleInverse(kernel, prior, num_particles)
        if not hasattr(prior, "sample"):
            raise errors.ArgumentTypeError(
                f"Expected a prior with sample(key, n) or a Particles set, got "
                f"{type(prior).__name__}; pass e.g. LinearGaussian.state(...) or Particles(...)."
            )
        if k is None:
            raise errors.ArgumentValueError(
                "Expected key= for a particle lens asked at a kernel prior (it draws "
                f"{num_particles} particles from it), got key=None; pass key=jax.random.key(0) "
                "or a Particles prior."
            )
        k1, k2 = jax.random.split(k)
        return ParticleInverse(
            kernel, Particles(prior.sample(k1, num_particles), key=k2), num_particles
        )

    return BayesLens(kernel, backward, name=name or f"particles({kernel!r})")


class ParticleLens(NamedTuple):
    r"""A particle lens given by its two functions: ``sample(key, theta)`` draws from
    :math:`f(- \mid \theta)` (the forward kernel) and ``log_prob(y, theta)`` is its density
    (the backward, by reweighting). :meth:`lens` is the same as a
    :class:`~catlearn.probability.inference.bayes.BayesLens` (:func:`particle_lens` of a
    :class:`~catlearn.probability.kernels.sampler.Sampler` on ``dom -> cod``, the unit type
    when not given); :meth:`push` is :math:`\hat\pi \gg f`, :meth:`update` is
    :math:`f^\dagger_{\hat\pi}(- \mid y)`, both through that lens.

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> lens = ParticleLens.from_kernel(LinearGaussian([[1.0]], cov=[[1.0]]))
    >>> prior = Particles(jnp.zeros((3, 1)))
    >>> lens.push(prior, jax.random.key(0)).values.shape
    (3, 1)
    """

    sample: Callable[[jax.Array, Any], Any]
    log_prob: Callable[[Any, Any], Any]
    dom: Any = None
    cod: Any = None

    @classmethod
    def from_kernel(cls, kernel: Any) -> ParticleLens:
        """The particle lens of a kernel with ``sample(key, x=...)`` and ``log_prob(y, x)``."""
        return cls(
            lambda k, t: kernel.sample(k, x=t),
            lambda y, t: kernel.log_prob(y, t),
            getattr(kernel, "dom", None),
            getattr(kernel, "cod", None),
        )

    @classmethod
    def from_table(cls, table: ArrayLike) -> ParticleLens:
        r"""The particle lens of a row-stochastic table :math:`T` (states ``0..k-1`` to
        ``0..m-1``): ``sample`` draws from row :math:`T_{z,-}`, ``log_prob(y, z)`` is
        :math:`\log T_{z,y}`, so both halves are the same kernel. Pytrees: compiled once.

        >>> lens = ParticleLens.from_table(jnp.array([[0.25, 0.75], [1.0, 0.0]]))
        >>> float(jnp.exp(lens.log_prob(1, 0)))
        0.75
        """
        T = as_array(table, "the table")
        if T.ndim != 2:
            raise ShapeError(
                f"Expected a 2-D row-stochastic table (states x outcomes), got shape {T.shape}; "
                "pass one row per state."
            )
        logT = jnp.log(T)
        return cls(_Categorical(logT), _TableLogProb(logT), Fin(T.shape[0]), Fin(T.shape[1]))

    def kernel(self) -> Sampler:
        """The forward kernel: a Sampler on ``dom -> cod`` with this density."""
        dom, cod = (Ty() if t is None else t for t in (self.dom, self.cod))
        return Sampler(self.sample, dom, cod, log_prob_fn=self.log_prob)

    def lens(self, *, num_particles: int = 1000, key: jax.Array | None = None) -> BayesLens:
        """This particle lens as a :class:`~catlearn.probability.inference.bayes.BayesLens`."""
        return particle_lens(self.kernel(), num_particles=num_particles, key=key)

    def push(self, particles: Particles, key: jax.Array) -> Particles:
        """Forward: every particle moved by one draw of the kernel (weights kept)."""
        moved = Particles(particles.values, particles.log_weights, key=key) >> self.kernel()
        return Particles(moved.values, moved.log_weights)

    def update(self, particles: Particles, y: Any) -> Particles:
        """Backward: the inverse at the empirical prior, by importance reweighting."""
        post: Particles = self.lens().update(particles, y)
        return post


class ParticleFilterResult(NamedTuple):
    """Result of :func:`particle_filter`: ``filtered`` (values and normalised weights per step,
    before resampling), ``log_likelihood`` (the unbiased-in-:math:`p` estimate of
    :math:`\\log p(y_{0:T-1})`) and ``ess`` per step."""

    values: Any  # (T, N, ...)
    weights: jax.Array  # (T, N)
    log_likelihood: jax.Array  # ()
    ess: jax.Array  # (T,)


def particle_filter(
    initial: Callable[[jax.Array, int], Any],
    transition: ParticleLens,
    emission: ParticleLens,
    obs: ArrayLike,
    *,
    key: jax.Array,
    num_particles: int,
) -> ParticleFilterResult:
    r"""Bootstrap particle filter: the exact filter's lens composition with particle lenses,

    .. math:: \hat p_0 = B^\dagger_{\hat\pi}(y_0), \qquad
              \hat p_t = B^\dagger_{\hat p_{t-1} \gg A}(y_t),

    where :math:`\hat\pi` is ``initial(key, N)`` (N draws), ``>> A`` is
    ``transition.push`` and :math:`B^\dagger` is ``emission.update``; each step resamples
    (systematic) before pushing. One jitted ``lax.scan``; ``vmap`` over ``key``/``obs``
    for batches. Observation ``y_0`` is emitted by the initial state (as in
    :func:`~catlearn.probability.statespace.hmm.hmm_filter`).

    A random walk seen through noise, against the exact answer of the Kalman filter
    (last filtered mean 0.9086, :math:`\log p(y) = -3.3190`):

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> walk = ParticleLens.from_kernel(LinearGaussian([[1.0]], cov=[[0.1]]))
    >>> see = ParticleLens.from_kernel(LinearGaussian([[1.0]], cov=[[0.5]]))
    >>> obs = jnp.array([[1.0], [1.2], [0.9]])
    >>> res = particle_filter(lambda k, n: jax.random.normal(k, (n, 1)), walk, see, obs,
    ...                       key=jax.random.key(0), num_particles=1000)
    >>> res.values.shape, res.weights.shape, res.ess.shape
    ((3, 1000, 1), (3, 1000), (3,))
    >>> mean = jnp.sum(res.weights[-1] * res.values[-1, :, 0])
    >>> bool(abs(mean - 0.9086) < 0.05), bool(abs(res.log_likelihood + 3.3190) < 0.1)
    (True, True)
    """
    if isinstance(num_particles, bool) or not isinstance(num_particles, int) or num_particles < 1:
        raise HyperparameterError(f"Expected num_particles >= 1, got {num_particles!r}.")
    for what, lens in (("transition", transition), ("emission", emission)):
        errors.expect_type(lens, ParticleLens, f"the {what}", "build it with ParticleLens(...)")
    if not callable(initial):
        raise errors.ArgumentTypeError(
            f"Expected initial(key, n) drawing n particles, got {initial!r:.60}; pass a function."
        )
    obs = as_array(obs, "the observations")
    out = _pf(initial, transition, emission, num_particles, obs, as_key(key))
    w = concrete(out.weights)
    if w is not None and not np.all(np.isfinite(w)):
        t = int(np.argmax(~np.all(np.isfinite(w), axis=-1)))
        raise degenerate(f"the particle set at step {t}")
    return out


@eqx.filter_jit
def _pf(
    initial: Any, transition: ParticleLens, emission: ParticleLens, n: int, obs: Any, key: Any
) -> ParticleFilterResult:
    k0, key = jax.random.split(key)
    emit = emission.lens()
    step_lens = transition.lens() >> emit  # the lens of one step: A ; B
    p0 = emit.update(Particles(initial(k0, n)), jax.tree_util.tree_map(lambda o: o[0], obs))

    def lse(p: Particles) -> jax.Array:
        return jax.nn.logsumexp(p.log_weights) - jnp.log(n)

    def step(p: Particles, inp: Any) -> Any:
        y, k = inp
        k1, k2 = jax.random.split(k)
        r = p.resample(k1)
        # the composite's backward B†_{p >> A} >> A†_p; its first part at y is the filter
        back = step_lens.backward(Particles(r.values, r.log_weights, key=k2))
        post = back.parts[0](y)
        post = Particles(post.values, post.log_weights)  # the carry holds no key
        return post, (post.values, post.weights, lse(post), post.ess())

    rest = jax.tree_util.tree_map(lambda o: o[1:], obs)
    T = jax.tree_util.tree_leaves(obs)[0].shape[0]
    _, (vals, ws, lls, ess) = jax.lax.scan(step, p0, (rest, jax.random.split(key, T - 1)))
    values = jnp.concatenate([p0.values[None], vals])
    weights = jnp.concatenate([p0.weights[None], ws])
    ll = lse(p0) + jnp.sum(lls)
    return ParticleFilterResult(values, weights, ll, jnp.concatenate([p0.ess()[None], ess]))


def hmm_particle_filter(
    initial: Finite | ArrayLike,
    transition: Finite | ArrayLike,
    emission: Finite | ArrayLike,
    obs: ArrayLike,
    *,
    key: jax.Array,
    num_particles: int,
) -> tuple[jax.Array, jax.Array]:
    r"""Bootstrap particle filter of a discrete HMM (tables or Finite kernels, as for
    :class:`~catlearn.probability.statespace.hmm.HMM`): the filtered marginals
    :math:`\hat p(z_t \mid y_{\le t})` (shape ``(T, k)``) and the log-likelihood estimate.
    Compare with :func:`~catlearn.probability.statespace.hmm.hmm_filter` (exact).

    >>> A = jnp.array([[0.95, 0.05], [0.1, 0.9]])
    >>> B = jnp.array([[1 / 6] * 6, [0.1] * 5 + [0.5]])
    >>> obs = jnp.array([5, 5, 5, 0, 1])
    >>> filt, ll = hmm_particle_filter(jnp.array([0.5, 0.5]), A, B, obs,
    ...                                key=jax.random.key(0), num_particles=1000)
    >>> filt.shape
    (5, 2)
    """
    if isinstance(num_particles, bool) or not isinstance(num_particles, int) or num_particles < 1:
        raise HyperparameterError(f"Expected num_particles >= 1, got {num_particles!r}.")
    key = as_key(key)
    from catlearn.probability.statespace.hmm import HMM

    hmm = HMM.from_kernels(initial, transition, emission)  # validates the tables
    pi, A, B = hmm.initial, hmm.transition, hmm.emission
    obs = hmm.check_obs(obs)
    k = pi.shape[0]
    trans, emit = ParticleLens.from_table(A), ParticleLens.from_table(B)
    init = _CategoricalInit(jnp.log(pi))
    res = particle_filter(init, trans, emit, obs, key=key, num_particles=num_particles)
    filt = jax.vmap(lambda v, w: jnp.zeros(k, w.dtype).at[v].add(w))(res.values, res.weights)
    return filt, res.log_likelihood


class _Categorical(eqx.Module):
    """Sampling from the rows of a log-probability table (a pytree: compiled once)."""

    logT: jax.Array

    def __call__(self, key: jax.Array, z: jax.Array) -> jax.Array:
        return jax.random.categorical(key, self.logT[z])


class _CategoricalInit(eqx.Module):
    logpi: jax.Array

    def __call__(self, key: jax.Array, n: int) -> jax.Array:
        return jax.random.categorical(key, self.logpi, shape=(n,))


class _TableLogProb(eqx.Module):
    """The log-density :math:`\\log T_{z,y}` of a log-probability table's rows."""

    logT: jax.Array

    def __call__(self, y: jax.Array, z: jax.Array) -> jax.Array:
        return self.logT[z, y]
