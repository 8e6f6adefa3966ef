r"""Densities of composite stochastic maps (Shiebler, *Categorical stochastic processes and
likelihood*).

The density of a composite :math:`f \gg g` with a **stochastic** first factor is the
marginal

.. math:: p_{f \gg g}(z \mid x) = \int f(y \mid x)\, g(z \mid y)\, dy,

which :func:`then_density` computes exactly where a closed form exists — linear-Gaussian
chains (Gaussian composition) and finite intermediates (a sum over :math:`y`) — and otherwise
estimates by Monte Carlo with ``num_samples`` draws :math:`y_i \sim f(- \mid x)` under a
fixed ``key``: :math:`\hat p = \frac1N \sum_i g(z \mid y_i)` is **unbiased for the density**
(its log is a consistent, downward-biased estimate of the log-density, by Jensen).

Where the noise lives matters. A :class:`NoisyMap` is a deterministic map
:math:`h : X \otimes E \to Y` fed by a noise state :math:`\nu` on :math:`E`. Two
compositions are then expressible:

* **independent noise** :meth:`NoisyMap.then`: the composite reads
  :math:`E \otimes E'` with :math:`\nu \otimes \nu'` (this is :math:`f \gg g` of kernels);
* **shared noise** :meth:`NoisyMap.then_shared`: both factors read *one* noise wire,
  copied: :math:`\nu \gg \mathrm{copy}`.

Shiebler's example, :math:`f(x) = 5 - x + 10\varepsilon`, :math:`\varepsilon \sim N(0, 1)`:
independent :math:`f \gg f` is :math:`N(x, 200)`; shared :math:`f \gg f` is the identity.

>>> import jax.numpy as jnp
>>> from catlearn.core.types import Euclid
>>> from catlearn.probability.kernels.gaussian import LinearGaussian
>>> f = NoisyMap(lambda x, e: 5.0 - x + 10.0 * e, LinearGaussian.state([0.0], [[1.0]]),
...              Euclid(1), Euclid(1), affine=True)
>>> f.then(f).to_linear_gaussian().cov.tolist()                  # independent noise
[[200.0]]
>>> f.then_shared(f).to_linear_gaussian().is_deterministic()     # shared noise: identity
True

:func:`composite_map` turns a parametrised composite into a
:class:`~catlearn.probability.kernels.likelihood.StochasticMap`, so Shiebler's likelihood functor
applies to composites and :func:`~catlearn.probability.kernels.likelihood.fit_likelihood` trains them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.category import BoxParams, Node, PytreeArrow, assemble, flatten, node_boxes
from catlearn.core.para import Para
from catlearn.core.program import evaluate
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import HyperparameterError, TypeMismatch, mismatch
from catlearn.probability.kernels._checks import _size, concrete
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.likelihood import StochasticMap
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.kernels.sampler import Sampler

__all__ = ["NoisyMap", "composite_map", "then_density"]


def _flat(ty: Ty, v: Any) -> jax.Array:
    parts = ty.split(v) if len(ty) > 1 else ((v,) if len(ty) else ())
    return jnp.concatenate([jnp.reshape(jnp.asarray(p), (-1,)) for p in parts] or [jnp.zeros(0)])


def _unflat(ty: Ty, v: jax.Array) -> Any:
    out, i = [], 0
    for a in ty.inside:
        out.append(v[i : i + _size(a)].reshape(a.shape))
        i += _size(a)
    return ty.join(tuple(out)) if len(out) > 1 else (out[0] if out else ())


class NoisyMap(PytreeArrow):
    r"""A stochastic map :math:`y = h(x, e)`, :math:`e \sim \nu`: a deterministic ``fn(x, e)``
    (or ``fn(params, x, e)`` when ``params`` is given) and a ``noise`` state with
    ``sample(key, n)`` (a LinearGaussian or Finite state, or a Sampler from :class:`Ty() <Ty>`).

    ``affine=True`` declares :math:`h` affine in :math:`(x, e)` (with Euclid wires): with
    Gaussian noise the map is then the LinearGaussian kernel :meth:`to_linear_gaussian`
    (read off by one Jacobian, exact for affine maps), and every density is closed-form.

    Noisy maps are an engine kind (:mod:`catlearn.core.category`): ``f >> g`` and ``f @ g``
    build a node in O(1) and a composite runs its flat program, each box reading **its own
    noise** (independent noise, :meth:`then`). A composite's ``params`` and noise states are
    :class:`~catlearn.core.category.BoxParams`, one entry per box in program order; its
    ``noise`` is their product :math:`\nu_1 \otimes \dots \otimes \nu_n` (built when asked).
    Identities, swaps, copies and discards are wiring, with no noise.

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> from catlearn.probability.kernels.gaussian import LinearGaussian
    >>> f = NoisyMap(lambda x, e: 2.0 * x + e, LinearGaussian.state([0.0], [[0.25]]),
    ...              Euclid(1), Euclid(1), affine=True)        # y = 2x + e, e ~ N(0, 1/4)
    >>> f.sample(jax.random.key(0), 3, x=jnp.ones(1)).shape
    (3, 1)
    >>> g = f.to_linear_gaussian()
    >>> g.A.tolist(), g.cov.tolist()
    ([[2.0]], [[0.25]])
    >>> round(float(f.log_prob(jnp.array([2.0]), jnp.array([1.0]))), 4)   # log N(2; 2, 1/4)
    -0.2258
    >>> (f >> f >> f).to_linear_gaussian().cov.tolist()       # 16/4 + 4/4 + 1/4
    [[5.25]]
    """

    params: Any
    noises: BoxParams
    fn: Callable[..., Any] = eqx.field(static=True)
    affine: bool = eqx.field(static=True)

    def __init__(
        self,
        fn: Callable[..., Any],
        noise: Any,
        dom: Ty,
        cod: Ty,
        *,
        params: Any = None,
        affine: bool = False,
    ):
        if not callable(fn):
            raise errors.ArgumentTypeError(
                f"Expected fn, a callable fn(x, e) (or fn(params, x, e)), got {fn!r:.80} instead."
            )
        for what, ty in (("dom", dom), ("cod", cod)):
            if not isinstance(ty, Ty):
                raise errors.ArgumentTypeError(
                    f"Expected {what}, a type such as Euclid(2) or Fin(3), got {ty!r:.80} instead."
                )
        if not (hasattr(noise, "sample") and len(getattr(noise, "dom", Ty())) == 0):
            raise TypeMismatch(
                f"Expected the noise as a state (a kernel from Ty() with sample), got {noise!r}."
            )
        self.fn = fn if params is not None else (lambda p, x, e: fn(x, e))
        self.params, self.noises, self.dom, self.cod = params, BoxParams([noise], 1), dom, cod
        self.affine = affine
        self._node = None

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Any) -> NoisyMap:
        boxes = node_boxes(node, parts)  # one entry per box of the program, in order
        return assemble(
            cls,
            params=cls._gather(node, parts, "params"),
            noises=BoxParams.concat([p.noises for p in boxes]) if boxes else BoxParams([], 0),
            fn=_NoisyRun(node, dom, cod),
            dom=dom,
            cod=cod,
            affine=all(p.affine for p in boxes),
            _node=node,
        )

    def __repr__(self) -> str:
        return f"NoisyMap({self.dom} -> {self.cod})"

    @property
    def noise(self) -> Any:
        r"""The noise state :math:`\nu`: a box's own; a composite's the product of its
        boxes' noises in program order (the unit state on :class:`Ty() <Ty>` when it has none).
        """
        noises = list(self.noises)
        if not noises:
            return Finite(jnp.ones(()), Ty(), Ty(), validate=False)
        out = noises[0]
        for nu in noises[1:]:
            out = out @ nu
        return out

    def __call__(self, x: Any, e: Any) -> Any:
        """The deterministic part :math:`h(x, e)`."""
        return self.fn(self.params, x, e)

    def sample(self, key: jax.Array, n: int | None = None, *, x: Any = ()) -> Any:
        r"""Draws :math:`h(x, e)`, :math:`e \sim \nu` (``n`` of them along a leading axis)."""
        noise = self.noise
        if n is None:
            return self(x, noise.sample(key))
        es = noise.sample(key, n)
        return jax.vmap(lambda e: self(x, e))(es)

    def then(self, *others: NoisyMap) -> NoisyMap:
        r"""Independent-noise composition ``self >> others[0] >> ...``: noise
        :math:`\nu \otimes \nu'` on :math:`E \otimes E'`,
        :math:`(x, (e, e')) \mapsto h'(h(x, e), e')` (one node, O(1) per part)."""
        for other in others:
            if not isinstance(other, NoisyMap):
                raise TypeMismatch(f"Expected a NoisyMap after {self!r} >> ..., got {other!r}.")
        return PytreeArrow.then(self, *others)

    def then_shared(self, other: NoisyMap) -> NoisyMap:
        r"""Shared-noise composition: one noise wire, copied to both factors,
        :math:`(x, e) \mapsto h'(h(x, e), e)` with :math:`e \sim \nu`. Both factors must read
        the same noise: the same wire type (else :class:`~catlearn.errors.TypeMismatch`) and
        the same law, i.e. equal kind and equal parameters, compared exactly (else
        :class:`~catlearn.errors.ArgumentValueError`); ``other``'s copy is then dropped.

        >>> import jax.numpy as jnp
        >>> from catlearn.core.types import Euclid
        >>> def noisy(var):
        ...     return NoisyMap(lambda x, e: x + e, LinearGaussian.state([0.0], [[var]]),
        ...                     Euclid(1), Euclid(1), affine=True)
        >>> noisy(1.0).then_shared(noisy(100.0))
        Traceback (most recent call last):
        ...
        catlearn.errors.ArgumentValueError: Shared noise needs one noise law: ...
        """
        _check(self, other)
        if self.noise.cod != other.noise.cod:
            raise TypeMismatch(
                f"Shared noise needs one noise wire: got {self.noise.cod} and "
                f"{other.noise.cod}. Use then() for independent noise."
            )
        if self.noise is not other.noise:
            same = eqx.tree_equal(self.noise, other.noise)
            if isinstance(same, jax.core.Tracer):
                raise errors.ArgumentValueError(
                    "Shared noise needs one noise law, but the two noise states hold traced "
                    "parameters that cannot be compared when composing. Build both maps with "
                    "the same noise object, or compose outside jit."
                )
            if not bool(same):
                raise errors.ArgumentValueError(
                    f"Shared noise needs one noise law: expected equal noise states, got "
                    f"{self.noise!r} and {other.noise!r} (their kinds or parameters differ, "
                    "so the second would be silently ignored). Give both maps the same noise, "
                    "or use then() for independent noise."
                )
        f, g = self, other

        def fn(p: Any, x: Any, e: Any) -> Any:
            return g.fn(p[1], f.fn(p[0], x, e), e)

        return NoisyMap(
            fn, f.noise, f.dom, g.cod, params=(f.params, g.params), affine=f.affine and g.affine
        )

    def to_linear_gaussian(self) -> LinearGaussian:
        r"""The kernel :math:`x \mapsto N(A_x x + c + A_e \mu, A_e \Sigma A_e^\top)` of an
        affine map with Gaussian noise :math:`N(\mu, \Sigma)` (``affine=True``)."""
        if not (self.affine and isinstance(self.noise, LinearGaussian)):
            raise TypeMismatch(
                f"Expected an affine NoisyMap with LinearGaussian noise for a closed form, got "
                f"{self!r} (affine={self.affine}, noise {type(self.noise).__name__}); use "
                f"then_density(..., num_samples=N) for a Monte Carlo density."
            )
        nd = sum(_size(a) for a in self.dom.inside)
        ne = self.noise.b.shape[0]
        dt = self.noise.b.dtype

        def h(v: jax.Array) -> jax.Array:
            x = _unflat(self.dom, v[:nd])
            e = _unflat(self.noise.cod, v[nd:])
            return _flat(self.cod, self(x, e)).astype(dt)

        z = jnp.zeros(nd + ne, dt)
        J = jax.jacfwd(h)(z)
        c = h(z)
        Ax, Ae = J[:, :nd], J[:, nd:]
        cov = Ae @ self.noise.cov @ Ae.T
        return LinearGaussian(
            Ax,
            c + Ae @ self.noise.b,
            0.5 * (cov + cov.T),
            dom=self.dom if nd else Ty(),
            cod=self.cod,
            validate=False,
        )

    def pushforward(self) -> Finite:
        r"""The Markov kernel of a map with finite noise: :math:`K(y \mid x) = \sum_e \nu(e)\,
        [h(x, e) = y]`, the pushforward of the noise :math:`\nu` along :math:`h(x, -)`
        (Shiebler's functor :math:`\mathrm{Para}_\Omega \to \mathrm{Stoch}` for a finite
        :math:`\Omega`). Needs a :class:`~catlearn.probability.kernels.markov.Finite` noise
        state and :class:`Fin` wires for ``dom`` (or :class:`Ty() <Ty>`) and ``cod``; ``fn`` is
        called on ints (a tuple of ints for several wires, as :meth:`Finite.sample` gives them)
        and must return a value of ``cod``. It is functorial: ``f.then(g).pushforward()`` equals
        ``f.pushforward() >> g.pushforward()``.

        >>> from catlearn.core.types import Fin
        >>> noise = Finite.state([0.5, 0.3, 0.2])                  # e in {0, 1, 2}
        >>> f = NoisyMap(lambda x, e: (x + e) % 3, noise, Fin(3), Fin(3))
        >>> f.pushforward().array.tolist()[0]                      # x = 0: y = e
        [0.5, 0.3, 0.2]
        """
        if not isinstance(self.noise, Finite):
            raise TypeMismatch(
                f"Expected Finite noise for a pushforward to a Finite kernel, got "
                f"{type(self.noise).__name__} noise in {self!r}; give the map a Finite noise "
                "state, or use then_density for a density."
            )
        for what, ty in (("domain", self.dom), ("codomain", self.cod)):
            if not all(isinstance(a, Fin) for a in ty.inside) or (what == "codomain" and not ty):
                raise TypeMismatch(
                    f"Expected Fin wires as the {what} of {self!r} for a Finite kernel, got "
                    f"{ty}; only maps between finite sets push forward to Finite."
                )
        nu = concrete(self.noise.array)
        if nu is None:
            raise errors.ArgumentValueError(
                "Expected concrete noise probabilities for pushforward, got traced ones; build "
                "the Finite kernel outside jit (it enumerates every input and noise value)."
            )
        ds = tuple(_size(a) for a in self.dom.inside)
        cs = tuple(_size(a) for a in self.cod.inside)
        arr = np.zeros(ds + cs, dtype=np.float64)
        noise_cod = self.noise.cod
        for x in np.ndindex(*ds):
            for e in zip(*np.nonzero(nu)):
                y = self(self.dom.join(x) if ds else (), noise_cod.join(tuple(map(int, e))))
                ys = tuple(y) if isinstance(y, tuple | list) else (y,)
                if len(ys) != len(cs) or any(
                    np.ndim(v) or not 0 <= int(v) < k for v, k in zip(ys, cs)
                ):
                    raise errors.SupportError(
                        f"Expected fn(x, e) to be a value of {self.cod}, got {y!r} at x={x}, "
                        f"e={tuple(map(int, e))}; return one int per codomain wire, in range."
                    )
                arr[x + tuple(int(v) for v in ys)] += float(nu[e])
        dt = self.noise.array.dtype
        return Finite(jnp.asarray(arr, dtype=dt), self.dom, self.cod)

    def log_prob(self, y: Any, x: Any = ()) -> jax.Array:
        """The exact log-density (affine maps with Gaussian noise)."""
        return self.to_linear_gaussian().log_prob(y, x)


def _check(f: Any, g: Any) -> None:
    if not isinstance(g, NoisyMap):
        raise TypeMismatch(f"Expected a NoisyMap after {f!r} >> ..., got {g!r}.")
    if f.cod != g.dom:
        raise mismatch(f, g, f.cod, g.dom)


class _NoisyRun:
    """``fn(params, x, e)`` of a composite NoisyMap: its flat program, box ``i`` reading its
    own entry of the params and its own atoms of the noise value ``e``."""

    __slots__ = ("_node", "_slices", "cod", "dom")

    def __init__(self, node: Node, dom: Ty, cod: Ty) -> None:
        self._node, self.dom, self.cod = node, dom, cod
        self._slices: tuple[Ty, list[tuple[Ty, int, int]]] | None = None

    def __call__(self, p: Any, x: Any, e: Any) -> Any:
        prog = flatten(self)
        if self._slices is None:  # the noise wire, and box i's wire and atoms in it
            tys = [ins.box.noise.cod for ins in prog.instructions]
            ends = list(accumulate((len(t) for t in tys), initial=0))
            self._slices = Ty(*tys), [(t, a, b) for t, a, b in zip(tys, ends, ends[1:])]
        noise_cod, slices = self._slices
        es = noise_cod.split(e) if len(noise_cod) else ()

        def apply(i: int, box: Any, xs: list[Any]) -> Any:
            ty, a, b = slices[i]
            return box.cod.split(box.fn(p[i], box.dom.join(xs), ty.join(es[a:b])))

        env = evaluate(prog, self.dom.split(x), apply)
        return self.cod.join([env[s] for s in prog.outputs])


# --- densities of composites ---------------------------------------------------------------------


def _is_fin(ty: Ty) -> bool:
    return len(ty) > 0 and all(isinstance(a, Fin) for a in ty.inside)


def then_density(
    f: Any, g: Any, *, num_samples: int | None = None, key: jax.Array | None = None
) -> Sampler:
    r"""``f >> g`` as a :class:`~catlearn.probability.kernels.markov.Sampler` **with** a log-density.

    * ``f``, ``g`` LinearGaussian (or affine Gaussian :class:`NoisyMap`): the density of the
      composed LinearGaussian kernel (exact);
    * ``f`` with a finite codomain and a density (Finite, or a Sampler on :class:`Fin` wires with
      ``log_prob``): :math:`\log \sum_y f(y \mid x) g(z \mid y)` (exact);
    * otherwise the Monte Carlo estimate :math:`\log \frac1N \sum_i g(z \mid y_i)`,
      :math:`y_i \sim f(- \mid x)` drawn with ``key``, ``N = num_samples`` (required then;
      unbiased for the density; differentiable in reparametrised parameters).

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> f = Sampler(lambda k, x: 5.0 - x + 10.0 * jax.random.normal(k, (1,)),
    ...             Euclid(1), Euclid(1),
    ...             log_prob_fn=lambda y, x: jax.scipy.stats.norm.logpdf(y, 5.0 - x, 10.0).sum())
    >>> ff = then_density(f, f, num_samples=20000, key=jax.random.key(0))
    >>> exact = jax.scipy.stats.norm.logpdf(1.0, 0.0, 200 ** 0.5)
    >>> bool(abs(ff.log_prob(jnp.array([1.0]), jnp.array([0.0])) - exact) < 0.02)
    True
    """
    for what, h in (("f", f), ("g", g)):
        if not isinstance(getattr(h, "dom", None), Ty) or not isinstance(
            getattr(h, "cod", None), Ty
        ):
            raise errors.ArgumentTypeError(
                f"Expected kernels (Finite, Sampler, LinearGaussian, NoisyMap) for {what} in "
                f"then_density(f, g), got {type(h).__name__}; build them with Finite(...) etc."
            )
    if f.cod != g.dom:
        raise mismatch(f, g, f.cod, g.dom)
    lg = [_as_lg(k) for k in (f, g)]
    if lg[0] is not None and lg[1] is not None:
        k = lg[0] >> lg[1]
        return Sampler(
            lambda p, key, x: p.sample(key, x=x),
            f.dom,
            g.cod,
            log_prob_fn=lambda p, y, x: p.log_prob(y, x),
            params=k,
        )
    if _is_fin(f.cod) and _has_density(f):
        ys = [
            f.cod.join(y) if len(y) > 1 else y[0]
            for y in np.ndindex(*(a.size for a in f.cod.inside))
        ]

        def lp_fin(p: Any, z: Any, x: Any) -> jax.Array:
            fk, gk = p
            terms = [fk.log_prob(y, x) + gk.log_prob(z, y) for y in ys]
            return jax.nn.logsumexp(jnp.stack(terms))

        return Sampler(_sample_then, f.dom, g.cod, log_prob_fn=lp_fin, params=(f, g))
    if num_samples is None or key is None:
        raise HyperparameterError(
            f"No closed form for the density of {f!r} >> {g!r} (the first factor is "
            f"stochastic with a continuous codomain); pass num_samples=N and key= for an "
            f"unbiased Monte Carlo estimate."
        )
    if not isinstance(num_samples, int) or num_samples < 1:
        raise HyperparameterError(f"Expected num_samples >= 1, got {num_samples!r}.")
    if not _has_density(g):
        raise TypeMismatch(f"Expected the second factor {g!r} to have a log-density.")
    n = num_samples

    def lp_mc(p: Any, z: Any, x: Any) -> jax.Array:
        fk, gk, k = p
        ys = fk.sample(k, n, x=x)
        lps = jax.vmap(lambda y: gk.log_prob(z, y))(ys)
        return jax.nn.logsumexp(lps) - math.log(n)

    return Sampler(
        lambda p, k, x: _sample_then(p[:2], k, x),
        f.dom,
        g.cod,
        log_prob_fn=lp_mc,
        params=(f, g, key),
    )


def _sample_then(p: Any, key: jax.Array, x: Any) -> Any:
    k1, k2 = jax.random.split(key)
    return p[1].sample(k2, x=p[0].sample(k1, x=x))


def _as_lg(k: Any) -> LinearGaussian | None:
    if isinstance(k, LinearGaussian):
        return k
    if isinstance(k, NoisyMap) and k.affine and isinstance(k.noise, LinearGaussian):
        return k.to_linear_gaussian()
    return None


def _has_density(k: Any) -> bool:
    if isinstance(k, Finite | LinearGaussian):
        return True
    if isinstance(k, NoisyMap):
        return _as_lg(k) is not None
    return getattr(k, "log_prob_fn", None) is not None


def composite_map(
    build: Callable[[Any], Any], params_spec: Any, dom: Ty, cod: Ty, *, name: str
) -> StochasticMap:
    r"""Shiebler's likelihood functor on a parametrised composite: ``build(params)`` returns a
    kernel with ``log_prob(y, x)`` (a :func:`then_density` Sampler, a composite
    :class:`NoisyMap`, a LinearGaussian...) and the result is the
    :class:`~catlearn.probability.kernels.likelihood.StochasticMap` with
    :math:`\log p(y \mid x; \theta) = ` ``build(θ).log_prob(y, x)``, ready for
    :func:`~catlearn.probability.kernels.likelihood.fit_likelihood`.

    >>> from catlearn.core.para import ParamSpec
    >>> def build(p):
    ...     noise = LinearGaussian.state(jnp.zeros(1), jnp.eye(1))
    ...     f = NoisyMap(lambda x, e: p["a"] * x + jnp.exp(p["s"]) * e, noise,
    ...                  Euclid(1), Euclid(1), affine=True)
    ...     return f.then(f)
    >>> m = composite_map(build, {"a": ParamSpec((1,)), "s": ParamSpec((1,))},
    ...                   Euclid(1), Euclid(1), name="chain")
    >>> float(m.log_likelihood(m.init(jax.random.key(0)), jnp.ones(1), jnp.zeros(1)))
    -0.9189...
    """
    para = Para(dom, Euclid(1), params_spec, lambda p, x: (p, x), name=name)
    return StochasticMap(
        para, lambda theta, y: build(theta[0]).log_prob(y, theta[1]), cod, name=name
    )
