r"""Variational Bayesian lenses: a parametrised backward :math:`q_\phi(x \mid y)` trained by
maximising the ELBO with optax (Braithwaite, Hedges, St Clere Smithe, *The compositional
structure of Bayesian inference*, approximate inference doctrines; amortised inference).

The lens of a kernel :math:`f : X \to Y` keeps ``f`` as its forward; its backward at a prior
:math:`\pi` fits a Gaussian family

.. math:: q_\phi(x \mid y) = \mathcal N(W y + c,\; L L^T)

(``family="full_rank"``: :math:`L` lower triangular; ``"mean_field"``: :math:`L` diagonal) by
minimising the **local free energy**, the negative ELBO averaged over observations drawn from
the model, :math:`(x_m, y_m) \sim \pi \otimes f`:

.. math:: F_f(\pi, \phi) = \mathbb E_{y}\, \mathbb E_{x \sim q_\phi(- \mid y)}
          \bigl[\log q_\phi(x \mid y) - \log \pi(x) - \log f(y \mid x)\bigr]
          = \mathbb E_y\bigl[\mathrm{KL}(q_\phi(- \mid y) \,\|\, f^\dagger_\pi(- \mid y))
          - \log (\pi \gg f)(y)\bigr],

with reparametrised draws and the "sticking the landing" gradient (Roeder, Wu, Duvenaud 2017:
the score term of :math:`\log q` is dropped, so the gradient noise vanishes at the exact
posterior). With ``amortised=False`` the backward is fitted at each observation it is asked
(:math:`W = 0`), as NumPyro's ``SVI`` with ``AutoNormal`` / ``AutoMultivariateNormal`` does.

**Composites.** In ``v1 >> v2 >> ...`` the engine asks each lens's backward at its pushed prior
:math:`\pi_{i-1} = \pi \gg f_1 \gg \dots \gg f_{i-1}`; each lens minimises its own local free
energy, and **the composite's objective is the sum of the local free energies along the
chain**, :math:`F = \sum_i F_{f_i}(\pi_{i-1}, \phi_i)` (the ``free_energy`` of the composite
inverse). The parameters are disjoint, so minimising the sum is minimising each term, and each
term's minimiser over a family that contains :math:`f_i^\dagger` is that exact inverse: by the
lens law the composite of the fitted inverses is then the exact inverse of the composite.

>>> import jax, jax.numpy as jnp
>>> from catlearn.probability.kernels.gaussian import LinearGaussian
>>> f = LinearGaussian([[1.0]], cov=[[1.0]])
>>> lens = variational_lens(f, key=jax.random.key(0), steps=500)
>>> q = lens.backward(LinearGaussian.state([0.0], [[1.0]]))
>>> bool(abs(q.kernel.A[0, 0] - 0.5) < 0.02), bool(abs(q.kernel.cov[0, 0] - 0.5) < 0.02)
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from catlearn.core.checked import as_key
from catlearn.core.optim import Optimiser, as_optax
from catlearn.core.para import Para
from catlearn.core.types import Euclid, Ty
from catlearn.errors import HyperparameterError, NonFiniteError, TypeMismatch
from catlearn.probability.inference._approx_inverse import ApproxInverse, Composed, check_density
from catlearn.probability.inference.bayes import BayesLens
from catlearn.probability.kernels._checks import concrete
from catlearn.probability.kernels.gaussian import LinearGaussian

__all__ = ["AmortisedInverse", "VariationalInverse", "variational_lens"]

FAMILIES = ("full_rank", "mean_field")


class VariationalInverse(ApproxInverse):
    r"""A fitted backward :math:`q_\phi(x \mid y) = \mathcal N(Wy + c, LL^T)` as a
    LinearGaussian ``kernel`` from the forward's codomain to its domain, with the local free
    energy it reached (``free_energy``, a scalar: the negative ELBO) and the ``losses`` per step.
    ``q(y)`` is the Gaussian posterior state at ``y``. Composing fitted inverses (``then``,
    as the engine does along a chain) composes the kernels in closed form and **adds the free
    energies**; with other approximate inverses it composes by sampling.

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> q = VariationalInverse(LinearGaussian([[0.5]], cov=[[0.5]]), 1.0, None, None)
    >>> (q >> q).kernel.A.tolist(), (q >> q).free_energy        # kernels compose, energies add
    ([[0.25]], 2.0)
    """

    def __init__(
        self,
        kernel: LinearGaussian,
        free_energy: jax.Array | float,
        losses: jax.Array | None,
        key: jax.Array | None,
        n: int = 1000,
    ) -> None:
        self.kernel, self.free_energy, self.losses = kernel, free_energy, losses
        self.key, self.num_particles = key, n

    def __call__(self, y: Any) -> LinearGaussian:
        return LinearGaussian.state(self.kernel.mean(y), self.kernel.cov, self.kernel.cod)

    def then(self, *others: Any) -> Any:
        if all(isinstance(o, VariationalInverse | LinearGaussian) for o in others):
            ks = [o.kernel if isinstance(o, VariationalInverse) else o for o in others]
            fe = self.free_energy
            for o in others:
                if isinstance(o, VariationalInverse):
                    fe = fe + o.free_energy
            return VariationalInverse(self.kernel.then(*ks), fe, None, self.key, self.num_particles)
        return Composed((self, *others), key=self.key, num_particles=self.num_particles)


class AmortisedInverse(ApproxInverse):
    r"""A fitted network backward :math:`q_\phi(x \mid y) = \mathcal N(\mu_\phi(y),
    \mathrm{diag}\,\sigma_\phi(y)^2)` (``variational_lens(kernel, family=net)``): the Para
    ``net`` with its fitted ``params``, an ``offset`` (below), the local free energy reached
    (``free_energy``) and the ``losses`` per step. The network is read relative to its initial parameters ``net0`` (so the fit
    starts at :math:`\mathcal N(\bar x, \text{init\_scale}^2 I)` for every ``y``, whatever the
    network's initialisation): ``offset = (net0, mean0, log_scale0)`` and
    :math:`(\mu_\phi(y), \log\sigma_\phi(y)) = \mathrm{net}_\phi(y) - \mathrm{net}_{\phi_0}(y)
    + (\text{mean0}, \text{log\_scale0})`. ``q(y)`` is the Gaussian state at ``y``; along a
    chain it composes by sampling.

    >>> from catlearn.core.types import Euclid
    >>> net = Para.linear(Euclid(1), Euclid(2), name="q")
    >>> params = {"q": {"W": jnp.array([[0.5, 0.0]]), "b": jnp.zeros(2)}}
    >>> zero = {"q": {"W": jnp.zeros((1, 2)), "b": jnp.zeros(2)}}
    >>> q = AmortisedInverse(net, params, (zero, jnp.zeros(1), jnp.log(0.5)), 0.0, None, None)
    >>> q(jnp.array([2.0])).mean().tolist(), q(jnp.array([2.0])).cov.tolist()
    ([1.0], [[0.25]])
    """

    def __init__(
        self,
        net: Para,
        params: Any,
        offset: tuple[Any, Any, Any],
        free_energy: jax.Array | float,
        losses: jax.Array | None,
        key: jax.Array | None,
        n: int = 1000,
        cod: Ty | None = None,
    ) -> None:
        self.net, self.params, self.offset = net, params, offset
        self.free_energy, self.losses = free_energy, losses
        self.key, self.num_particles, self.cod = key, n, cod

    def gaussian(self, y: Any) -> tuple[jax.Array, jax.Array]:
        r""":math:`(\mu_\phi(y), \log \sigma_\phi(y))` at an observation ``y``."""
        v = _flat(y)
        net0, mean0, log_scale0 = self.offset
        out = self.net.apply(self.params, v) - self.net.apply(net0, v)
        dx = out.shape[-1] // 2
        return out[:dx] + mean0, out[dx:] + log_scale0

    def __call__(self, y: Any) -> LinearGaussian:
        mu, log_sd = self.gaussian(y)
        return LinearGaussian.state(mu, jnp.diag(jnp.exp(2 * log_sd)), self.cod)


class _FitAt(ApproxInverse):
    """The non-amortised backward: ``q(y)`` fits :math:`\\mathcal N(c, LL^T)` at ``y``."""

    def __init__(
        self, fit: Callable[[Any], VariationalInverse | AmortisedInverse], key: Any, n: int
    ) -> None:
        self.fit, self.key, self.num_particles = fit, key, n

    def __call__(self, y: Any) -> LinearGaussian:
        return self.fit(y)(y)


def variational_lens(
    kernel: Any,
    *,
    key: jax.Array,
    family: str | Para = "full_rank",
    amortised: bool = True,
    steps: int = 2000,
    optimizer: Optimiser | optax.GradientTransformation | None = None,
    num_pairs: int = 64,
    num_draws: int = 1,
    init_scale: float = 0.1,
    name: str | None = None,
) -> BayesLens:
    r"""The variational Bayesian lens of ``kernel`` (module docstring): forward ``kernel``,
    backward at a prior :math:`\pi` the Gaussian family fitted by ``steps`` updates of
    ``optimizer`` (optax's or catlearn's; default ``optax.adam`` with a cosine-decayed rate
    from 0.05) on the local
    free energy, estimated with ``num_pairs`` model draws :math:`(x_m, y_m)` (amortised) and
    ``num_draws`` reparametrised draws each, starting from :math:`W = 0`, :math:`c` the prior
    mean (estimated) and :math:`L = \text{init\_scale}\, I` (as NumPyro's ``AutoNormal``).
    ``family`` may also be a :class:`~catlearn.core.para.Para` network
    :math:`\mathrm{Euclid}(d_y) \to \mathrm{Euclid}(2 d_x)` (any Para-built arrow, e.g.
    ``compile(diagram)``): amortised mean-field :math:`q_\phi(x \mid y) = \mathcal N(\mu_\phi(y),
    \mathrm{diag}\, \sigma_\phi(y)^2)` with :math:`(\mu_\phi(y) - \bar x,\ \log
    \sigma_\phi(y) - \log \text{init\_scale})` the two halves of the network's change from
    its initialisation (:math:`\bar x` the prior mean), fitted as above; its backward is an
    :class:`AmortisedInverse`.
    ``kernel`` and the prior need ``log_prob``
    (:class:`~catlearn.errors.UnsupportedError` if not) and the prior ``sample``; values are
    flattened to vectors. A non-finite free energy raises
    :class:`~catlearn.errors.NonFiniteError` (concrete values).

    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> f = LinearGaussian([[2.0]], cov=[[1.0]])
    >>> lens = variational_lens(f, key=jax.random.key(1), amortised=False, steps=500)
    >>> post = lens.update(LinearGaussian.state([0.0], [[1.0]]), jnp.array([2.0]))
    >>> [round(float(v), 1) for v in (post.mean()[0], post.cov[0, 0])]     # exact: 0.8, 0.2
    [0.8, 0.2]
    """
    if isinstance(family, Para):
        if not amortised:
            raise HyperparameterError(
                "Expected amortised=True with a network family: the network maps each "
                "observation to its Gaussian's mean and scale, trained on draws from the "
                "model; to fit at one observation use family='full_rank' or 'mean_field'."
            )
    elif not isinstance(family, str) or family not in FAMILIES:
        raise HyperparameterError(
            f"Expected family in {FAMILIES} or a Para network, got {family!r}; 'full_rank' "
            "fits LL^T with L lower triangular, 'mean_field' a diagonal covariance, and a Para "
            "arrow Euclid(dim y) -> Euclid(2 dim x) an amortised mean-field network."
        )
    for what, v in (("steps", steps), ("num_pairs", num_pairs), ("num_draws", num_draws)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise HyperparameterError(f"Expected {what} >= 1 (an int), got {v!r}.")
    check_density(kernel, "a variational lens")
    k = as_key(key)
    opt = (
        as_optax(optimizer)
        if optimizer is not None
        else optax.adam(optax.cosine_decay_schedule(0.05, steps, alpha=1e-3))
    )
    if not (isinstance(init_scale, int | float) and init_scale > 0):
        raise HyperparameterError(f"Expected init_scale > 0, got {init_scale!r}.")
    cfg = (family, steps, opt, num_pairs, num_draws, float(init_scale))

    def backward(prior: Any) -> ApproxInverse:
        check_density(prior, "the prior of a variational lens")
        if amortised:
            return _fit(kernel, prior, None, k, cfg)
        cache: dict[str, Any] = {}  # the compiled training loop, owned by this inverse
        return _FitAt(lambda y: _fit(kernel, prior, y, k, cfg, cache), k, 1000)

    return BayesLens(kernel, backward, name=name or f"variational({kernel!r})")


def _fit(
    kernel: Any, prior: Any, y: Any, key: Any, cfg: tuple[Any, ...], cache: Any = None
) -> VariationalInverse | AmortisedInverse:
    family, steps, opt, num_pairs, num_draws, scale = cfg
    cache = {} if cache is None else cache
    if "keys" not in cache:  # an inverse's key is fixed: its four streams are too
        cache["keys"] = tuple(jax.random.split(key, 4))
    k_data, k_init, k_train, k_eval = cache["keys"]
    if "prior" not in cache:  # what does not depend on the observation: once per inverse
        xflat0, unravel_x = ravel_pytree(prior.sample(k_init))
        cache["prior"] = (xflat0.shape[0], xflat0.dtype, unravel_x, _state_log_prob(prior))
    dx, dt, unravel_x, log_prior = cache["prior"]
    if y is None:  # amortised: observations drawn from the model
        xs = prior.sample(k_data, num_pairs)
        ys = jax.vmap(lambda k, x: kernel.sample(k, x=x))(jax.random.split(k_data, num_pairs), xs)
        unravel_y = ravel_pytree(jax.tree_util.tree_map(lambda v: v[0], ys))[1]
        Y = jax.vmap(_flat)(ys)
        xmean = jnp.mean(jax.vmap(_flat)(xs), axis=0)
    else:
        flat, unravel_y = ravel_pytree(y)
        Y = flat[None]
        if "prior_mean" not in cache:
            draws = prior.sample(k_data, 64)
            cache["prior_mean"] = jnp.mean(jax.vmap(lambda v: ravel_pytree(v)[0])(draws), axis=0)
        xmean = cache["prior_mean"]
    dy = Y.shape[1]
    net = family if isinstance(family, Para) else None
    if "params" not in cache and net is not None:  # the network's own initialisation
        want = (Ty(Euclid(dy)), Ty(Euclid(2 * dx)))
        if (net.dom, net.cod) != want:
            raise TypeMismatch(
                f"Expected the network family to map the flattened observation to the mean "
                f"and log-scale of x, {want[0]} -> {want[1]}, got {net.dom} -> {net.cod}."
            )
        cache["params"] = {"net": net.init(k_init)}
        cache["net0"] = cache["params"]["net"]  # the initial network, subtracted: q starts flat
    if "params" not in cache:  # the starting point (observation-free when not amortised)
        log_scale = jnp.full(dx, np.log(scale), dt)
        cache["params"] = {
            "W": jnp.zeros((dx, dy), dt) if y is None else None,
            "c": xmean.astype(dt),
            "L": jnp.diag(log_scale) if family == "full_rank" else log_scale,
        }
    params = cache["params"]
    # (initial network, mean offset, log-scale offset): the network's output is read relative
    # to its initial function, so q starts at N(prior mean, init_scale^2 I) for every y
    offset = (cache.get("net0"), xmean.astype(dt), jnp.asarray(np.log(scale), dt))

    def scale_of(p: Any) -> jax.Array:
        """Mean-field: the standard deviations (a vector); full rank: the Cholesky factor."""
        L = p["L"]
        if family == "mean_field":
            return jnp.exp(L)
        return jnp.tril(L, -1) + jnp.diag(jnp.exp(jnp.diag(L)))

    def mean(p: Any, yv: jax.Array) -> Any:
        return p["c"] if p["W"] is None else p["W"] @ yv + p["c"]

    def net_q(p: Any, yv: jax.Array) -> tuple[jax.Array, jax.Array]:
        assert net is not None
        out = net.apply(p["net"], yv) - net.apply(offset[0], yv)
        return out[:dx] + offset[1], out[dx:] + offset[2]

    def neg_elbo(p: Any, eps: jax.Array, stl: bool, Y: jax.Array = Y) -> Any:
        ps = jax.lax.stop_gradient(p) if stl else p
        if net is None:
            S, Ss = scale_of(p), scale_of(ps)
            # log|det| of the scale: its log-diagonal is the parameter itself
            logdet = jnp.sum(ps["L"] if family == "mean_field" else jnp.diag(ps["L"]))

        def one(yv: jax.Array, e: jax.Array) -> Any:
            if net is not None:  # the network's mean and log-scale at this observation
                (mu, log_sd), (mu_s, log_sd_s) = net_q(p, yv), net_q(ps, yv)
                x = mu + jnp.exp(log_sd) * e
                z = (x - mu_s) * jnp.exp(-log_sd_s)
                logq = -0.5 * z @ z - jnp.sum(log_sd_s) - 0.5 * dx * jnp.log(2 * jnp.pi)
                xv, yy = unravel_x(x), unravel_y(yv)
                return logq - log_prior(xv) - kernel.log_prob(yy, xv)
            if family == "mean_field":  # diagonal scale: elementwise
                x = mean(p, yv) + S * e
                z = (x - mean(ps, yv)) / Ss
            else:
                x = mean(p, yv) + S @ e
                z = jax.scipy.linalg.solve_triangular(Ss, x - mean(ps, yv), lower=True)
            logq = -0.5 * z @ z - logdet - 0.5 * dx * jnp.log(2 * jnp.pi)
            xv, yy = unravel_x(x), unravel_y(yv)
            return logq - log_prior(xv) - kernel.log_prob(yy, xv)

        if eps.shape[:2] == (1, 1):  # one observation, one draw: no batch axes for XLA
            return one(Y[0], eps[0, 0])
        per = jax.vmap(lambda yv, es: jax.vmap(lambda e: one(yv, e))(es))(Y, eps)
        return jnp.mean(per)

    shape = (Y.shape[0], num_draws, dx)

    def train(params: Any, Y: jax.Array) -> tuple[Any, jax.Array]:
        def step(carry: Any, k: jax.Array) -> Any:
            p, s = carry
            eps = jax.random.normal(k, shape, dt)
            loss, g = jax.value_and_grad(neg_elbo)(p, eps, True, Y)
            upd, s = opt.update(g, s, p)
            return (optax.apply_updates(p, upd), s), loss

        (p, _), losses = jax.lax.scan(
            step, (params, opt.init(params)), jax.random.split(k_train, steps)
        )
        return p, losses

    # the compiled loop closes over unravel_y: one per observation structure, never reused
    # for an observation of another shape
    sig = (
        jax.tree_util.tree_structure(y),
        tuple((np.shape(v), jnp.result_type(v)) for v in jax.tree_util.tree_leaves(y)),
    )
    jitted = cache.setdefault(("compiled", sig), {})
    if "train" not in jitted:
        jitted["train"] = jax.jit(train)
    p, losses = jitted["train"](params, Y)
    if "finish" not in jitted:  # the free energy reached, and q's covariance and matrix

        def finish(p: Any, k: jax.Array, Y: jax.Array) -> tuple[Any, jax.Array, jax.Array]:
            eps = jax.random.normal(k, (Y.shape[0], max(num_draws, 16), dx), dt)
            if net is not None:  # q's covariance depends on y: no single matrix
                return neg_elbo(p, eps, False, Y), jnp.zeros((0,), dt), jnp.zeros((0,), dt)
            S = scale_of(p)
            cov = jnp.diag(S**2) if family == "mean_field" else S @ S.T
            W = p["W"] if p["W"] is not None else jnp.zeros((dx, Y.shape[1]), dt)
            return neg_elbo(p, eps, False, Y), cov, W

        jitted["finish"] = jax.jit(finish)
    fe, cov, W = jitted["finish"](p, k_eval, Y)
    c = concrete(fe)
    if c is not None and not np.isfinite(c):
        raise NonFiniteError(
            f"Expected a finite free energy (negative ELBO) after {steps} steps, got {c}: the "
            "optimisation diverged or a density is -inf/NaN at the draws. Lower the learning "
            "rate (optimizer=optax.adam(1e-3)), check the prior's and kernel's log_prob, or "
            "start closer to the data."
        )
    cod_x = getattr(prior, "cod", None)
    if net is not None:
        return AmortisedInverse(net, p["net"], offset, fe, losses, key, cod=_euclid(cod_x, dx))
    # finite (the free energy is), and a covariance S S^T by construction: no re-validation
    q = LinearGaussian(
        W, p["c"], cov, dom=_euclid(kernel.cod, dy), cod=_euclid(cod_x, dx), validate=False
    )
    return VariationalInverse(q, fe, losses, key)


def _flat(v: Any) -> jax.Array:
    """A value (array or tuple of arrays) as one flat vector."""
    flat: jax.Array = ravel_pytree(v)[0]
    return flat


def _state_log_prob(prior: Any) -> Callable[[Any], Any]:
    """``prior.log_prob``, with a LinearGaussian state's inverse Cholesky factor computed once
    (outside the training loop) when its covariance is concrete and positive definite."""
    if isinstance(prior, LinearGaussian) and not len(prior.dom):
        cov = concrete(prior.cov)
        if (
            cov is not None
            and np.all(np.diag(cov) > 0)
            and np.count_nonzero(cov - np.diag(np.diag(cov))) == 0
        ):
            sd = jnp.sqrt(jnp.diag(prior.cov))  # a diagonal covariance: elementwise, as N(b, sd^2)
            const = jnp.sum(jnp.log(sd)) + 0.5 * sd.shape[0] * np.log(2 * np.pi)

            def lp_diag(x: Any) -> Any:
                z = (ravel_pytree(x)[0] - prior.b) / sd
                return -0.5 * z @ z - const

            return lp_diag
        if cov is not None and np.all(np.linalg.eigvalsh(cov) > 0):
            L = jnp.linalg.cholesky(prior.cov)
            half_logdet = jnp.sum(jnp.log(jnp.diag(L)))
            const = 0.5 * L.shape[0] * np.log(2 * np.pi)
            # L^-1 once: in the loop a matrix-vector product (fused by XLA) instead of a
            # triangular solve (a LAPACK call per step on the CPU)
            L_inv = jax.scipy.linalg.solve_triangular(
                L, jnp.eye(L.shape[0], dtype=L.dtype), lower=True
            )

            def lp(x: Any) -> Any:
                z = L_inv @ (ravel_pytree(x)[0] - prior.b)
                return -0.5 * z @ z - half_logdet - const

            return lp
    return lambda x: prior.log_prob(x)


def _euclid(ty: Any, n: int) -> Any:
    """``ty`` when it is Euclidean of dimension ``n``, else ``Euclid(n)`` (flattened values)."""
    try:
        if sum(int(np.prod(a.shape)) for a in ty.inside) == n and all(
            isinstance(a, Euclid) for a in ty.inside
        ):
            return ty
    except (AttributeError, TypeError):
        pass
    return Euclid(n)
