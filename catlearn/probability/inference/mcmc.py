r"""MCMC Bayesian lenses: the backward of a kernel at a prior is Hamiltonian Monte Carlo
(NUTS or HMC from BlackJAX, an optional extra: ``pip install catlearn[approx]``) targeting
:math:`p(x \mid y) \propto \pi(x)\, f(y \mid x)` (Braithwaite, Hedges, St Clere Smithe,
*The compositional structure of Bayesian inference*: an approximate inverse is a Bayesian lens
like the exact one, and composes with it).

The lens of :math:`f : X \to Y` keeps ``f`` as its forward; its backward at :math:`\pi` is an
:class:`MCMCInverse`: at ``y`` it runs BlackJAX's window adaptation (step size and a diagonal
mass matrix) then ``num_samples`` draws, on the flattened value of :math:`X`, and returns the
draws as an equally weighted :class:`~catlearn.probability.inference.approximate.Particles`
set. :meth:`MCMCInverse.run` also reports the diagnostics (divergent transitions, mean
acceptance rate, adapted step size): a divergence is reported there, never hidden, and a
non-finite log-density at the start raises :class:`~catlearn.errors.NonFiniteError`.

The user writes the model as a composite of kernels, not a log-density: the target is read
from the prior's and the forward kernel's ``log_prob``.

>>> import jax, jax.numpy as jnp
>>> from catlearn.probability.kernels.gaussian import LinearGaussian
>>> f = LinearGaussian([[1.0]], cov=[[1.0]])
>>> lens = mcmc_lens(f, key=jax.random.key(0), num_samples=400, num_warmup=200)  # doctest: +SKIP
>>> post = lens.update(LinearGaussian.state([0.0], [[1.0]]), jnp.array([2.0]))  # doctest: +SKIP
>>> bool(abs(post.mean()[0] - 1.0) < 0.2)                    # exact: 1.0  # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from catlearn import errors
from catlearn.core.checked import as_key
from catlearn.errors import HyperparameterError, NonFiniteError
from catlearn.probability.inference._approx_inverse import ApproxInverse, check_density
from catlearn.probability.inference.approximate import Particles
from catlearn.probability.inference.bayes import BayesLens
from catlearn.probability.kernels._checks import concrete

__all__ = ["MCMCInverse", "MCMCResult", "mcmc_lens"]

ALGORITHMS = ("nuts", "hmc")


class MCMCResult(NamedTuple):
    """One run of :meth:`MCMCInverse.run`: the draws as equally weighted ``particles`` (flat
    vectors), the same ``samples`` in the prior's value structure, ``divergences`` (count),
    ``acceptance_rate`` (mean) and the adapted ``step_size``.

    >>> MCMCResult._fields
    ('particles', 'samples', 'divergences', 'acceptance_rate', 'step_size')
    """

    particles: Particles
    samples: Any
    divergences: jax.Array  # ()
    acceptance_rate: jax.Array  # ()
    step_size: jax.Array  # ()


class MCMCInverse(ApproxInverse):
    r"""The MCMC backward of ``kernel`` at ``prior``: ``q(y)`` is the posterior draws at ``y``
    (a :class:`~catlearn.probability.inference.approximate.Particles` set), ``run(y)`` the
    draws with their diagnostics (:class:`MCMCResult`). Asking the backward samples nothing:
    the chain runs when an observation is given.

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> f = LinearGaussian([[1.0]], cov=[[1.0]])
    >>> inv = mcmc_lens(f, key=jax.random.key(0)).backward(LinearGaussian.state([0.0], [[1.0]]))
    >>> type(inv).__name__, inv.num_particles
    ('MCMCInverse', 1000)
    """

    def __init__(self, kernel: Any, prior: Any, key: jax.Array, cfg: tuple[Any, ...]) -> None:
        check_density(kernel, "an MCMC inverse")
        check_density(prior, "the prior of an MCMC inverse")
        if not (
            isinstance(cfg, tuple)
            and len(cfg) == 4
            and all(isinstance(v, int) and not isinstance(v, bool) for v in cfg[1:])
        ):
            raise errors.ArgumentTypeError(
                f"Expected cfg = (algorithm, num_samples, num_warmup, num_integration_steps) as "
                f"mcmc_lens builds it, got {cfg!r:.80}; build the inverse with "
                "mcmc_lens(kernel, ...).backward(prior)."
            )
        self.kernel, self.prior, self.key, self.cfg = kernel, prior, key, cfg
        self.num_particles = cfg[1]
        self._jitted: Any = None  # the compiled sampler, owned by this inverse

    def __call__(self, y: Any) -> Particles:
        return self.run(y).particles

    def log_density(
        self, y: Any
    ) -> tuple[Callable[[jax.Array], Any], jax.Array, Callable[[jax.Array], Any]]:
        """``(logdensity(x_flat), x0_flat, unravel)``: :math:`\\log\\pi(x) + \\log f(y\\mid x)`
        on flat vectors, a start drawn from the prior, and the map back to values."""
        k_init = jax.random.fold_in(self.key, 1)
        x0, unravel = ravel_pytree(self.prior.sample(k_init))
        prior, kernel = self.prior, self.kernel

        def logdensity(x: jax.Array) -> Any:
            v = unravel(x)
            return prior.log_prob(v) + kernel.log_prob(y, v)

        return logdensity, x0, unravel

    def run(self, y: Any) -> MCMCResult:
        """Adapt, then draw (module docstring)."""
        _blackjax()
        logdensity, x0, _ = self.log_density(y)
        start = concrete(logdensity(x0))
        if start is not None and not np.isfinite(start):
            raise NonFiniteError(
                f"Expected a finite log-density at the start drawn from the prior, got {start}: "
                "the observation has zero likelihood there, or a log_prob returns NaN. Check the "
                "kernel's log_prob at the observation and the prior's support."
            )
        if self._jitted is None:
            self._jitted = jax.jit(self._sample)
        out: MCMCResult = self._jitted(y)
        return out

    def _sample(self, y: Any) -> MCMCResult:
        blackjax = _blackjax()
        algorithm, num_samples, num_warmup, steps = self.cfg
        logdensity, x0, unravel = self.log_density(y)
        k_warm, k_draw = jax.random.split(jax.random.fold_in(self.key, 2))
        algo = blackjax.nuts if algorithm == "nuts" else blackjax.hmc
        extra = {} if algorithm == "nuts" else {"num_integration_steps": steps}
        warm = blackjax.window_adaptation(algo, logdensity, **extra)
        (state, params), _ = warm.run(k_warm, x0, num_steps=num_warmup)
        step = algo(logdensity, **params, **extra).step

        def one(s: Any, k: jax.Array) -> Any:
            s, info = step(k, s)
            return s, (s.position, info.is_divergent, info.acceptance_rate)

        _, (xs, div, acc) = jax.lax.scan(one, state, jax.random.split(k_draw, num_samples))
        return MCMCResult(
            Particles(xs),
            jax.vmap(unravel)(xs),
            jnp.sum(div),
            jnp.mean(acc),
            jnp.asarray(params["step_size"]),
        )


def mcmc_lens(
    kernel: Any,
    *,
    key: jax.Array,
    algorithm: str = "nuts",
    num_samples: int = 1000,
    num_warmup: int = 500,
    num_integration_steps: int = 16,
    name: str | None = None,
) -> BayesLens:
    r"""The MCMC Bayesian lens of ``kernel`` (module docstring): forward ``kernel``, backward
    at a prior :math:`\pi` the :class:`MCMCInverse` sampling :math:`\pi(x) f(y \mid x)` with
    BlackJAX ``algorithm`` (``"nuts"`` or ``"hmc"`` with ``num_integration_steps`` leapfrog
    steps) after ``num_warmup`` steps of window adaptation. ``kernel`` and the prior need
    ``log_prob`` (:class:`~catlearn.errors.UnsupportedError` otherwise); the prior ``sample``
    (the chain's start). It composes with ``>>``/``@`` like every Bayesian lens.

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> from catlearn.probability.inference.bayes import bayes_lens
    >>> f = LinearGaussian([[1.0]], cov=[[1.0]])
    >>> lens = bayes_lens(f) >> mcmc_lens(f, key=jax.random.key(0), num_samples=500)
    >>> type(lens).__name__, lens.dom, lens.cod
    ('BayesLens', Euclid(1), Euclid(1))
    """
    if algorithm not in ALGORITHMS:
        raise HyperparameterError(
            f"Expected algorithm in {ALGORITHMS}, got {algorithm!r}; 'nuts' needs no tuning."
        )
    for what, v in (
        ("num_samples", num_samples),
        ("num_warmup", num_warmup),
        ("num_integration_steps", num_integration_steps),
    ):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise HyperparameterError(f"Expected {what} >= 1 (an int), got {v!r}.")
    check_density(kernel, "an MCMC lens")
    k = as_key(key)
    cfg = (algorithm, num_samples, num_warmup, num_integration_steps)

    def backward(prior: Any) -> MCMCInverse:
        check_density(prior, "the prior of an MCMC lens")
        if not hasattr(prior, "sample"):
            raise errors.ArgumentTypeError(
                f"Expected a prior with sample(key) to start the chain, got "
                f"{type(prior).__name__}; pass e.g. LinearGaussian.state(...) or a Sampler state."
            )
        return MCMCInverse(kernel, prior, k, cfg)

    return BayesLens(kernel, backward, name=name or f"mcmc({kernel!r})")


def _blackjax() -> Any:
    try:
        import blackjax
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise errors.UnsupportedError(
            "Expected BlackJAX for MCMC lenses, got ImportError: it is an optional extra. "
            "Install it with pip install 'catlearn[approx]' (or pip install blackjax)."
        ) from e
    return blackjax
