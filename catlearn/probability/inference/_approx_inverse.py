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

import jax

from catlearn import errors


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
        raise NotImplementedError

    def then(self, *others: Any) -> Any:
        """``self >> others[0] >> ...`` as a :class:`Composed` inverse."""
        return Composed((self, *others), key=self.key, num_particles=self.num_particles)

    def __rshift__(self, other: Any) -> Any:
        return self.then(other)


class Composed(ApproxInverse):
    r"""``parts[0] >> parts[1] >> ...`` of inverse kernels (module docstring): at ``y`` the
    first part's posterior, pushed through each later part by one keyed draw per particle.
    ``parts[0](y)`` is the posterior of the last lens of the chain at its pushed prior (a
    filter reads it: :func:`~catlearn.probability.inference.approximate.particle_filter`)."""

    def __init__(self, parts: tuple[Any, ...], *, key: Any, num_particles: int = 1000) -> None:
        flat: list[Any] = []
        for p in parts:
            flat.extend(p.parts if isinstance(p, Composed) else (p,))
        self.parts, self.key, self.num_particles = tuple(flat), key, num_particles

    def __call__(self, y: Any) -> Any:
        state = self.parts[0](y)
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
    from catlearn.probability.inference.approximate import Particles

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
    from catlearn.probability.inference.approximate import Particles

    if isinstance(state, Particles):
        j = jax.random.categorical(key, state.log_weights)
        return jax.tree_util.tree_map(lambda v: v[j], state.values)
    return state.sample(key)
