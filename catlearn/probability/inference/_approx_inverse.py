r"""Approximate inverse kernels and their composition (private, shared by the particle,
variational and MCMC lenses).

An approximate backward maps a prior :math:`\pi` to an inverse "kernel" :math:`Y \to X`: a
callable ``y ↦ posterior state`` (a :class:`~catlearn.probability.inference.approximate.Particles`
set or a Gaussian state). The composite of a chain's inverses,
:math:`g^\dagger_{\pi \gg f} \gg f^\dagger_\pi` (what the Bayesian-lens engine builds with
``then``), is :class:`Composed`: at ``y`` it runs the first part, then pushes the resulting
state through each later part by ancestral sampling, one draw per particle, keyed:
:math:`x_j \sim f^\dagger_\pi(- \mid v_j)` with the weight of :math:`v_j` kept. So the
composite is an unbiased particle approximation of the composite inverse (Chapman–Kolmogorov
by Monte Carlo), whatever mixture of exact and approximate parts it has. When the particles
were pushed from the next part's own particle prior (a chain of particle lenses), their
ancestors are read instead: :math:`(\theta_j, v_j)` are joint draws, so :math:`\theta_j` with
the weight of :math:`v_j` is the composite, in O(N) rather than O(N²).
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import as_array, as_key
from catlearn.core.types import Ty
from catlearn.errors import DegenerateWeightsError, ShapeError
from catlearn.probability.inference._bayes_gaussian import at_point
from catlearn.probability.kernels._checks import concrete
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite


def degenerate(what: str) -> DegenerateWeightsError:
    return DegenerateWeightsError(
        f"Expected {what} to carry some probability mass, got every importance weight 0 (or "
        f"not finite): no particle explains the observation. Use more particles, a prior "
        f"closer to the data, or a likelihood with heavier tails."
    )


class Particles(eqx.Module):
    r"""A weighted particle set :math:`\sum_j w_j \delta_{\theta_j}` (an approximate state).

    ``values`` has a leading particle axis ``N``; ``log_weights`` (shape ``(N,)``) are
    unnormalised. :class:`~catlearn.errors.DegenerateWeightsError` if all weights are zero.

    >>> p = Particles(jnp.array([0.0, 1.0]), jnp.log(jnp.array([1.0, 3.0])))
    >>> p.weights.tolist(), float(p.mean())
    ([0.25, 0.75], 0.75)
    """

    values: jax.Array
    log_weights: jax.Array
    key: Any
    parent: Any = eqx.field(static=True)  # Ref to the set this one was pushed from, or None

    def __init__(
        self, values: Any, log_weights: Any = None, *, key: Any = None, parent: Any = None
    ):
        v = as_array(values, "the particle values")
        if v.ndim == 0:
            raise ShapeError("Expected particle values with a leading particle axis, got a scalar.")
        lw = jnp.zeros(v.shape[0], jnp.result_type(float)) if log_weights is None else log_weights
        lw = as_array(lw, "the log-weights")
        if lw.shape != (v.shape[0],):
            raise ShapeError(
                f"Expected one log-weight per particle, shape ({v.shape[0]},), got shape "
                f"{tuple(lw.shape)} instead."
            )
        c = concrete(lw)
        if c is not None and not np.any(np.isfinite(c) | (c == np.inf)):
            raise degenerate("the particle set")
        self.values, self.log_weights = v, lw
        self.key = None if key is None else as_key(key)
        self.parent = parent

    def __rshift__(self, kernel: Any) -> Particles:
        r"""The empirical state pushed through a kernel, :math:`\hat\pi \gg f`: particle ``j``
        moved by one draw ``kernel.sample(k_j, x=θ_j)`` with ``k_j`` the ``j``-th of
        ``split(key, N)`` (weights kept; the new set's key is ``fold_in(key, N)``). This is
        how a particle state flows along a chain of Bayesian lenses.

        >>> from catlearn.probability.kernels.gaussian import LinearGaussian
        >>> p = Particles(jnp.zeros((4, 1)), key=jax.random.key(0))
        >>> (p >> LinearGaussian([[1.0]], cov=[[1.0]])).values.shape
        (4, 1)
        """
        if self.key is None:
            raise errors.ArgumentValueError(
                "Expected a particle set with a key to push it through a kernel (each particle "
                "draws once), got key=None; build it as Particles(values, key=jax.random.key(0))."
            )
        if not hasattr(kernel, "sample"):
            raise errors.ArgumentTypeError(
                f"Expected a kernel with sample(key, x=...) to push particles through, got "
                f"{type(kernel).__name__}; pass a Finite, LinearGaussian or Sampler kernel."
            )
        n = self.values.shape[0]
        keys = jax.random.split(self.key, n)
        new = jax.vmap(lambda k, t: kernel.sample(k, x=t))(keys, self.values)
        return Particles(
            new, self.log_weights, key=jax.random.fold_in(self.key, n), parent=Ref(self)
        )

    @property
    def weights(self) -> jax.Array:
        """The normalised weights :math:`w_j`."""
        return jax.nn.softmax(self.log_weights)

    @property
    def num_particles(self) -> int:
        """N."""
        return int(self.values.shape[0])

    def mean(self) -> jax.Array:
        r""":math:`\sum_j w_j \theta_j`."""
        return jnp.tensordot(self.weights, self.values, axes=1)

    def ess(self) -> jax.Array:
        r"""Effective sample size :math:`1 / \sum_j w_j^2`."""
        return 1.0 / jnp.sum(self.weights**2)

    def histogram(self, k: int) -> jax.Array:
        """For integer particles in ``0..k-1``: the weighted histogram (a distribution)."""
        return jnp.zeros(k, self.weights.dtype).at[self.values].add(self.weights)

    def reweight(self, log_likelihood: jax.Array) -> Particles:
        r"""Bayesian inversion at this empirical state: :math:`w_j \propto w_j\, \ell_j`."""
        return Particles(
            self.values, self.log_weights + log_likelihood, key=self.key, parent=self.parent
        )

    def resample(self, key: jax.Array) -> Particles:
        r"""Systematic resampling to equal weights, unbiased: particle ``j`` is copied
        :math:`N w_j` times in expectation. :math:`O(N \log N)` by ``searchsorted``."""
        n = self.values.shape[0]
        w = self.weights
        u = (jax.random.uniform(key, (), w.dtype) + jnp.arange(n, dtype=w.dtype)) / n
        idx = jnp.clip(jnp.searchsorted(jnp.cumsum(w), u), 0, n - 1)
        return Particles(self.values[idx], jnp.zeros_like(self.log_weights))


def check_density(kernel: Any, what: str) -> None:
    """Refuse a kernel with no log-density (an approximate backward reweights or differentiates
    it): :class:`~catlearn.errors.UnsupportedError` saying what to pass."""
    lp = getattr(kernel, "log_prob", None)
    if not callable(lp) or getattr(kernel, "log_prob_fn", True) is None:
        raise errors.UnsupportedError(
            f"Expected a kernel with a log-density log_prob(y, x) for {what}, got "
            f"{kernel!r:.80} without one (a Sampler built without log_prob_fn, or a composite "
            "of stochastic samplers); pass log_prob_fn= when building it, or use a Finite or "
            "LinearGaussian kernel."
        )


class Ref:
    """A reference compared by identity (a static pytree field: the particle set a set was
    pushed from, so a composite can keep the particles' ancestry)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj


class ApproxInverse:
    """Base of approximate inverse kernels: ``__call__(y)`` is the posterior state at ``y``;
    ``then``/``>>`` compose with later inverses (exact kernels or approximate ones)."""

    key: Any = None
    num_particles: int = 1000

    def __call__(self, y: Any) -> Any:  # pragma: no cover - abstract
        raise errors.UnsupportedError(f"{type(self).__name__} must define __call__(y).")

    def then(self, *others: Any) -> Any:
        """``self >> others[0] >> ...`` as a :class:`Composed` inverse."""
        return Composed((self, *others), key=self.key, num_particles=self.num_particles)

    def __rshift__(self, other: Any) -> Any:
        return self.then(other)


def state_at(inverse: Any, y: Any) -> Any:
    """The posterior state of an inverse kernel at ``y``: an approximate inverse is called;
    an exact one is read at the point (a Finite row, a Gaussian at its mean ``A y + b``)."""
    if isinstance(inverse, Finite):
        return Finite(inverse.row(y), Ty(), inverse.cod, validate=False)
    if isinstance(inverse, LinearGaussian):
        return at_point(inverse, y)
    return inverse(y)


def composed(ks: list[Any]) -> Any:
    """``ks[0] >> ks[1] >> ...`` of inverse kernels: a :class:`Composed` when one is
    approximate, else ``None`` (the caller composes exact kernels in closed form)."""
    approx = [k for k in ks if isinstance(k, ApproxInverse)]
    if not approx or isinstance(ks[0], ApproxInverse):
        return None  # an approximate first part composes the rest itself (its then)
    return Composed(tuple(ks), key=approx[0].key, num_particles=approx[0].num_particles)


def tensored(ks: list[Any], cods: list[Ty]) -> Any:
    """The tensor of inverse kernels ``ks`` (their inputs ``cods``): a :class:`Tensored` when
    one is approximate, else ``None`` (the caller tensors exact kernels in closed form)."""
    approx = [k for k in ks if isinstance(k, ApproxInverse)]
    if not approx:
        return None
    return Tensored(
        tuple(ks), tuple(cods), key=approx[0].key, num_particles=approx[0].num_particles
    )


class Tensored(ApproxInverse):
    r"""``parts[0] @ parts[1] @ ...`` of inverse kernels :math:`Y_i \to X_i` (the backward of
    a tensor of Bayesian lenses at a product prior, at least one part approximate): at
    :math:`y = (y_1, y_2, \dots)` the product of the parts' posteriors. Exact Gaussian (or
    finite) states are tensored in closed form; otherwise each posterior is a particle set
    (a state is drawn ``num_particles`` times, a set of another size resampled to it) and the
    sets are zipped: values side by side, log-weights added (independent sets, so the zipped
    set is an importance sample of the product). ``y`` is a tuple of one value per wire, as
    for exact kernels on a product type."""

    parts: tuple[Any, ...]
    cods: tuple[Ty, ...]

    def __init__(
        self, parts: tuple[Any, ...], cods: tuple[Ty, ...], *, key: Any, num_particles: int
    ) -> None:
        self.parts, self.cods, self.key, self.num_particles = parts, cods, key, num_particles

    def _split(self, y: Any) -> list[Any]:
        atoms = Ty(*self.cods).split(y)  # a ShapeError unless one value per wire
        out, i = [], 0
        for c in self.cods:
            out.append(c.join(atoms[i : i + len(c)]))
            i += len(c)
        return out

    def __call__(self, y: Any) -> Any:
        states = [state_at(part, v) for part, v in zip(self.parts, self._split(y), strict=True)]
        kind = type(states[0])
        if not isinstance(states[0], Particles) and all(type(s) is kind for s in states):
            try:
                return states[0].tensor(*states[1:])  # exact states: closed form
            except (AttributeError, errors.CatlearnError):
                pass
        if self.key is None:
            raise errors.ArgumentValueError(
                "Expected a key to draw the particles of a tensor of approximate inverses, got "
                "key=None; build the approximate lenses with key=jax.random.key(...)."
            )
        keys = jax.random.split(self.key, len(states))
        sets = [s if isinstance(s, Particles) else None for s in states]
        n = max([p.num_particles for p in sets if p is not None], default=self.num_particles)
        values, logw = [], jnp.zeros(n)
        for s, k in zip(states, keys, strict=True):
            if not isinstance(s, Particles):
                s = Particles(s.sample(k, n))
            elif s.num_particles != n:
                s = Particles(s.values[jax.random.categorical(k, s.log_weights, shape=(n,))])
            v = jnp.asarray(s.values)
            if not jnp.issubdtype(v.dtype, jnp.floating):
                raise errors.UnsupportedError(
                    "Expected Euclidean posteriors to zip into one particle set, got "
                    f"{v.dtype} particles (finite wires); tensor approximate lenses on "
                    "Euclidean wires, or invert the finite part exactly."
                )
            values.append(v.reshape(n, -1))
            logw = logw + s.log_weights
        return Particles(jnp.concatenate(values, axis=1), logw, key=self.key)


class Composed(ApproxInverse):
    r"""``parts[0] >> parts[1] >> ...`` of inverse kernels (module docstring): at ``y`` the
    first part's posterior, pushed through each later part by one keyed draw per particle.
    ``parts[0](y)`` is the posterior of the last lens of the chain at its pushed prior (a
    filter reads it: :func:`~catlearn.probability.inference.approximate.particle_filter`)."""

    parts: tuple[Any, ...]

    def __init__(self, parts: tuple[Any, ...], *, key: Any, num_particles: int = 1000) -> None:
        flat: list[Any] = []
        for p in parts:
            flat.extend(p.parts if isinstance(p, Composed) else (p,))
        self.parts, self.key, self.num_particles = tuple(flat), key, num_particles

    def __call__(self, y: Any) -> Any:
        state = state_at(self.parts[0], y)
        if self.key is None and len(self.parts) > 1:
            raise errors.ArgumentValueError(
                "Expected a key to push the posterior through the rest of the chain (a composite "
                "of approximate inverses draws one sample per particle), got key=None; build the "
                "approximate lenses with key=jax.random.key(...)."
            )
        for i, part in enumerate(self.parts[1:]):
            parent = getattr(state, "parent", None)
            prior = getattr(part, "prior", None)
            if parent is not None and prior is not None and parent.obj is prior:
                # ancestry: the state's particles were pushed from part's prior, index by index,
                # so (θ_j, v_j) are joint draws and θ_j with v_j's weight is the composite
                state = type(state)(
                    prior.values, state.log_weights, key=prior.key, parent=prior.parent
                )
            else:
                state = push(state, part, jax.random.fold_in(self.key, i), self.num_particles)
        return state


def push(state: Any, part: Any, key: jax.Array, n: int) -> Any:
    """The state ``state`` (a posterior on ``part``'s input) pushed through ``part``."""
    if not isinstance(state, Particles):
        if isinstance(part, ApproxInverse) or not hasattr(state, "__rshift__"):
            k1, key = jax.random.split(key)
            state = Particles(state.sample(k1, n))
        else:
            try:
                return state >> part  # exact states through exact kernels: closed form
            except errors.CatlearnError:
                k1, key = jax.random.split(key)
                state = Particles(state.sample(k1, n))
    keys = jax.random.split(key, state.values.shape[0])
    if isinstance(part, ApproxInverse):
        new = jax.vmap(lambda k, v: draw(part(v), k))(keys, state.values)
    else:
        new = jax.vmap(lambda k, v: part.sample(k, x=v))(keys, state.values)
    return Particles(new, state.log_weights)


def draw(state: Any, key: jax.Array) -> Any:
    """One draw from a posterior state (a weighted particle set or a kernel state)."""
    if isinstance(state, Particles):
        j = jax.random.categorical(key, state.log_weights)
        return jax.tree_util.tree_map(lambda v: v[j], state.values)
    return state.sample(key)
