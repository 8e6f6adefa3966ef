r"""Maximum likelihood as a functor into Learn (Shiebler, *Categorical Stochastic Processes and
Likelihood*; Fong, Spivak, Tuyéras, *Backprop as Functor*).

A **parametrised stochastic map** :math:`X \to Y` is a Para arrow :math:`I : P \times X \to
\Theta` (the parameters of a distribution) together with a log-density
:math:`\log p(y \mid \theta)` on :math:`Y`. Shiebler's construction sends it to the learner
:math:`L_{\varepsilon,e}(I)` whose error is the negative log-likelihood,

.. math:: E(p, x, y) = -\log p\big(y \mid I(p, x)\big), \qquad
          U(p, x, y) = p - \varepsilon \nabla_p E(p, x, y),

so gradient descent on the learner is maximum-likelihood estimation. The request is
:math:`r(p, x, y) = x - \nabla_x E` (the squared-error request on the input wire), which makes
:math:`L(f \gg m) = L(f) \gg L(m)` hold for a deterministic Para arrow :math:`f` trained with
the squared error (a law test).

>>> import jax, jax.numpy as jnp
>>> from catlearn.core.para import Para, ParamSpec
>>> from catlearn.core.types import Euclid, Ty
>>> m = gaussian_map(Para(Ty(), Euclid(2), {"theta": ParamSpec((2,))},
...                       lambda p, x: p["theta"], name="g"), Euclid(1))
>>> data = 3.0 + 2.0 * jax.random.normal(jax.random.key(0), (500, 1))
>>> p, _ = fit_likelihood(m, m.init(jax.random.key(1)), ((), data), lr=0.2, steps=300)
>>> mean, log_std = p["g"]["theta"]
>>> bool(abs(mean - data.mean()) < 1e-2), bool(abs(jnp.exp(log_std) - data.std()) < 1e-2)
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import jax
import jax.numpy as jnp
from numpy.typing import ArrayLike

from catlearn import errors
from catlearn.core.checked import as_array
from catlearn.core.learner import Learner, gradient_learner
from catlearn.core.loop import ArrayTree, compile_epochs, run_epochs
from catlearn.core.losses import ErrorFn, squared_error
from catlearn.core.para import Para, Params, WireValue
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import DataError, HyperparameterError, NonFiniteError, ShapeError
from catlearn.probability.kernels._checks import check_finite, check_support
from catlearn.probability.kernels._linalg import LOG2PI

__all__ = [
    "NegativeLogLikelihood",
    "StochasticMap",
    "bernoulli_log_prob",
    "bernoulli_map",
    "categorical_log_prob",
    "categorical_map",
    "fit_likelihood",
    "gaussian_log_prob",
    "gaussian_map",
    "likelihood_learner",
]

LogProb = Callable[[Any, Any], Any]


# --- log-densities --------------------------------------------------------------------------------


def _numbers(x: Any, what: str) -> jax.Array:
    """``x`` as a numeric array (a typed error for strings, ``None``, objects, ragged lists)."""
    a = as_array(x, what, fix="pass numbers (an array)")
    if a.dtype == jnp.bool_:
        a = a.astype(jnp.int32)
    return a


def gaussian_log_prob(theta: ArrayLike, y: ArrayLike) -> jax.Array:
    r"""log N(y; μ, diag σ²) with ``theta = concat(μ, log σ)`` of shape ``(2d,)``, ``y`` ``(d,)``.

    >>> float(gaussian_log_prob(jnp.zeros(2), jnp.zeros(1)))   # -log(2π)/2
    -0.9189...
    """
    y = _numbers(y, "the observation y")
    theta = _numbers(theta, "the parameters theta = concat(mean, log_std)")
    d = y.shape[-1] if y.ndim else 1
    if theta.ndim == 0 or theta.shape[-1] != 2 * d or theta.size != 2 * max(y.size, 1):
        raise ShapeError(
            f"Expected theta = concat(mean, log_std) of shape (2 * {d},) for an observation y of "
            f"shape {tuple(y.shape)}, got theta of shape {tuple(theta.shape)}; make the Para "
            f"arrow output 2 * d numbers."
        )
    mu, log_std = theta[..., :d].reshape(y.shape), theta[..., d:].reshape(y.shape)
    z = (y - mu) * jnp.exp(-log_std)
    return jnp.sum(-0.5 * (LOG2PI + z**2) - log_std)


def bernoulli_log_prob(logit: ArrayLike, y: ArrayLike) -> jax.Array:
    r"""log Bern(y; sigmoid(ℓ)) = y ℓ − log(1 + e^ℓ), for ``y`` in {0, 1} (a ``Fin(2)`` value).

    >>> float(bernoulli_log_prob(jnp.zeros(1), 1))    # log 1/2
    -0.6931...
    """
    logit = _numbers(logit, "the logit")
    y = _numbers(y, "the label y")
    if logit.size != 1:
        raise ShapeError(
            f"Expected one logit (shape () or (1,)) for a Bernoulli, got shape "
            f"{tuple(logit.shape)}; make the Para arrow output one number."
        )
    logit = jnp.sum(logit)  # shape () or (1,)
    return y * logit - jax.nn.softplus(logit)


def categorical_log_prob(logits: ArrayLike, y: ArrayLike) -> jax.Array:
    r"""log softmax(ℓ)_y for ``y`` in ``Fin(k)``.

    A concrete ``y`` outside ``0..k-1`` is a :class:`~catlearn.errors.SupportError`; under
    ``jit``/``vmap`` it gives NaN (never a clamped, valid-looking number).

    >>> float(categorical_log_prob(jnp.zeros(4), 2))   # log 1/4
    -1.386...
    """
    logits = _numbers(logits, "the logits")
    y = _numbers(y, "the class y")
    if logits.ndim != 1 or logits.shape[0] == 0:
        raise ShapeError(
            f"Expected a vector of k >= 1 logits, got shape {tuple(logits.shape)}; for a batch "
            f"use jax.vmap(categorical_log_prob)(logits, ys)."
        )
    if not jnp.issubdtype(y.dtype, jnp.integer):
        raise errors.SupportError(
            f"Expected an integer class y in 0..{logits.shape[0] - 1}, got dtype {y.dtype}; "
            f"convert the labels with .astype(int)."
        )
    check_support(y, 0, logits.shape[0] - 1, "class y", integer=True)
    lp = jax.nn.log_softmax(logits)
    return lp.at[y].get(mode="fill", fill_value=jnp.nan, wrap_negative_indices=False)


# --- the stochastic map and its learner ----------------------------------------------------------


@dataclass(frozen=True)
class NegativeLogLikelihood(ErrorFn):
    r"""The error :math:`E(\theta, y) = -\log p(y \mid \theta)` of a stochastic map, as an
    :class:`~catlearn.core.losses.ErrorFn` for :func:`~catlearn.core.learner.gradient_learner`; its
    request inverse is the squared error's, :math:`f_x(g) = x - g`.

    >>> nll = NegativeLogLikelihood("nll", bernoulli_log_prob)
    >>> float(nll.total(jnp.zeros(1), 0))
    0.6931...
    """

    log_prob: LogProb | None = None

    def __init__(self, name: str, log_prob: LogProb) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "fn", lambda theta, y: -log_prob(theta, y))
        object.__setattr__(self, "inverse", squared_error.inverse)
        object.__setattr__(self, "log_prob", log_prob)

    def total(self, x: ArrayTree, y: ArrayTree) -> Any:
        """:math:`-\\log p(y \\mid x)` for one observation (``x`` the distribution parameters)."""
        return -self.log_prob(x, y)  # type: ignore[misc]


class StochasticMap:
    r"""A parametrised stochastic map :math:`X \to Y` (Shiebler): a Para arrow
    ``para : X → Θ`` giving the parameters of a distribution, and ``log_prob(θ, y)``.

    ``cod`` is the wire type of the observations :math:`y`; ``sample(θ, key)`` (optional)
    draws one.

    >>> from catlearn.core.types import Euclid
    >>> lin = Para.linear(Euclid(2), Euclid(1), name="w")
    >>> m = StochasticMap(lin, bernoulli_log_prob, Fin(2))
    >>> m
    StochasticMap(Euclid(2) -> Fin(2); w)
    >>> float(m.log_likelihood({"w": {"W": jnp.zeros((2, 1)), "b": jnp.zeros(1)}},
    ...                        jnp.ones(2), 1))
    -0.6931...
    """

    __slots__ = ("cod", "log_prob", "name", "para", "sample")
    para: Para
    log_prob: LogProb
    cod: Ty
    sample: Callable[[Any, jax.Array], Any] | None
    name: str

    def __init__(
        self,
        para: Para,
        log_prob: LogProb,
        cod: Ty,
        *,
        sample: Callable[[Any, jax.Array], Any] | None = None,
        name: str = "nll",
    ) -> None:
        if not isinstance(para, Para):
            raise errors.ArgumentTypeError(
                f"Expected a Para arrow for the distribution parameters, got {para!r}; "
                "build one with Para(...) or an nn layer."
            )
        if para.stochastic:
            raise errors.ArgumentTypeError(
                f"Expected a deterministic Para arrow X -> Θ (the randomness lives in log_prob), "
                f"got the stochastic {para!r}."
            )
        if not isinstance(cod, Ty):
            raise errors.ArgumentTypeError(
                f"Expected the observation type cod as a wire type, got {cod!r}; pass e.g. Euclid(1)."
            )
        if not callable(log_prob):
            raise errors.ArgumentTypeError(
                f"Expected log_prob(theta, y) to be a function, got {log_prob!r}; pass a callable."
            )
        for k, v in (
            ("para", para),
            ("log_prob", log_prob),
            ("cod", cod),
            ("sample", sample),
            ("name", name),
        ):
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"StochasticMap is immutable: cannot set {name!r}; build a new one instead."
        )

    def __repr__(self) -> str:
        return (
            f"StochasticMap({self.para.dom} -> {self.cod}; "
            f"{', '.join(self.para.spec) or 'no parameters'})"
        )

    @property
    def dom(self) -> Ty:
        """The input type ``X``."""
        return self.para.dom

    def init(self, key: jax.Array) -> Params:
        """Fresh parameters of the underlying Para arrow."""
        return self.para.init(key)

    def theta(self, params: Params, x: WireValue) -> Any:
        """The distribution parameters :math:`\\theta = I(p, x)` for one input."""
        return self.para.call({n: params[n] for n in self.para.spec}, x, None)

    def log_likelihood(self, params: Params, x: WireValue, y: WireValue) -> jax.Array:
        """:math:`\\log p(y \\mid I(p, x))` for one pair."""
        return cast(jax.Array, self.log_prob(self.theta(params, x), y))

    def nll(self, params: Params, xs: WireValue, ys: WireValue) -> jax.Array:
        """The mean negative log-likelihood over a batch (leading axes)."""
        return -jnp.mean(
            jax.vmap(lambda x, y: self.log_likelihood(params, x, y), in_axes=(_in_axis(xs), 0))(
                xs, ys
            )
        )

    def then_para(self, f: Para) -> StochasticMap:
        """Precompose a deterministic Para arrow: ``f >> self`` (the input side)."""
        return StochasticMap(
            f >> self.para, self.log_prob, self.cod, sample=self.sample, name=self.name
        )

    def __rrshift__(self, f: Para) -> StochasticMap:
        return self.then_para(f)

    def as_para(self) -> Para:
        """The Para arrow retyped ``X → Y`` (its value is θ), as the learner's implementation."""
        p = self.para
        return Para.from_call(p.call, p.dom, self.cod, shares=p)


def _in_axis(xs: Any) -> Any:
    return None if jax.tree_util.tree_leaves(xs) == [] else 0


def likelihood_learner(smap: StochasticMap, lr: float) -> Learner:
    r"""Shiebler's functor: the learner :math:`L_{\varepsilon, -\log p}(I)` of a stochastic
    map, i.e. ``gradient_learner(I, lr, error=NegativeLogLikelihood)``.

    ``implement`` returns θ, ``update`` is one gradient step on :math:`-\log p(y \mid θ)`,
    ``update_batch`` a full-batch gradient step on the mean negative log-likelihood.

    >>> from catlearn.core.para import ParamSpec
    >>> from catlearn.core.types import Euclid
    >>> m = gaussian_map(Para(Ty(), Euclid(2), {"t": ParamSpec((2,))}, lambda p, x: p["t"],
    ...                       name="g"), Euclid(1))
    >>> L = likelihood_learner(m, lr=0.5)
    >>> L.update({"g": {"t": jnp.zeros(2)}}, (), jnp.array([2.0]))["g"]["t"]   # μ += ε (y - μ)
    Array([1. , 1.5], dtype=float32)
    """
    if not isinstance(smap, StochasticMap):
        raise errors.ArgumentTypeError(
            f"Expected a StochasticMap, got {smap!r}; wrap it with StochasticMap()."
        )
    return gradient_learner(smap.as_para(), lr, NegativeLogLikelihood(smap.name, smap.log_prob))


def fit_likelihood(
    smap: StochasticMap, params: Params, data: tuple[Any, Any], *, lr: float, steps: int
) -> tuple[Params, jax.Array]:
    r"""Maximum-likelihood fit by full-batch gradient descent with the learner of
    :func:`likelihood_learner`: ``steps`` updates :math:`p \leftarrow p - \varepsilon
    \nabla_p \frac1n \sum_i -\log p(y_i \mid I(p, x_i))`, fused in one ``jax.lax.scan``.

    ``data = (xs, ys)`` with a leading batch axis (``xs = ()`` when ``X = Ty()``). Returns the
    parameters and the mean negative log-likelihood before each step. Raises
    :class:`~catlearn.errors.NonFiniteError` if the fit diverged (lower ``lr``).

    >>> from catlearn.core.para import ParamSpec
    >>> from catlearn.core.types import Euclid
    >>> m = gaussian_map(Para(Ty(), Euclid(2), {"t": ParamSpec((2,))}, lambda p, x: p["t"],
    ...                       name="g"), Euclid(1))
    >>> p, hist = fit_likelihood(m, m.init(jax.random.key(0)), ((), jnp.ones((4, 1))), lr=0.1,
    ...                          steps=3)
    >>> hist.shape
    (3,)
    """
    if not isinstance(steps, int) or steps < 1:
        raise HyperparameterError(f"Expected steps to be an integer >= 1, got {steps!r}.")
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise DataError(f"Expected data as a pair (xs, ys), got {type(data).__name__} instead.")
    xs, ys = data
    learner = likelihood_learner(smap, lr)
    n = _batch_size(ys)
    if n == 0:
        raise DataError("Expected at least one observation, got an empty data set.")
    if jax.tree_util.tree_leaves(xs) and _batch_size(xs) != n:
        raise DataError(
            f"Expected as many inputs as observations, got {_batch_size(xs)} inputs and {n} "
            f"observations."
        )
    learner.check_params(params)
    smap.dom.check(xs, batch_dims=1 if jax.tree_util.tree_leaves(xs) else 0, what="input")
    smap.cod.check(ys, batch_dims=1, what="observation")
    check_finite(ys, "observation batch")
    for atom, v in zip(smap.cod.inside, smap.cod.split(ys), strict=True):
        if isinstance(atom, Fin):
            check_support(v, 0, atom.size - 1, f"observation on {atom}", integer=True)
    check_finite(params, "parameter")
    ax = _in_axis(xs)
    impl, upd = learner._implement, learner._update

    def step(p: Params, state: Any, batch: Any, key: Any) -> tuple[Params, Any, jax.Array]:
        bx, by = batch
        new = jax.vmap(lambda x, y: upd(p, x, y), in_axes=(ax, 0))(bx, by)
        lp = jax.vmap(lambda x, y: smap.log_prob(impl(p, x), y), in_axes=(ax, 0))(bx, by)
        return jax.tree_util.tree_map(lambda t: jnp.mean(t, axis=0), new), state, -jnp.mean(lp)

    # full batch, in order: one step per epoch of the shared loop, all in one jitted call
    run = compile_epochs(step, batch_size=n, shuffle=False)
    out = run_epochs(run, params, (), (xs, ys), epochs=steps)
    if out.bad is not None:
        raise NonFiniteError(
            f"Expected a finite negative log-likelihood, got NaN/inf at step {out.bad[0]}; the "
            f"fit diverged. Lower lr (now {lr}) or rescale the data."
        )
    return out.params, jnp.asarray(out.outs).reshape(steps)


def _batch_size(v: Any) -> int:
    leaves = jax.tree_util.tree_leaves(v)
    return int(jnp.shape(leaves[0])[0]) if leaves and jnp.ndim(leaves[0]) else 0


# --- ready-made families -------------------------------------------------------------------------


def gaussian_map(para: Para, cod: Euclid) -> StochasticMap:
    r"""A Gaussian stochastic map: ``para`` outputs ``concat(μ, log σ)`` of shape ``(2d,)``
    and :math:`y \sim N(\mu, \mathrm{diag}\,\sigma^2)` on ``cod = Euclid(d)``.

    >>> from catlearn.core.types import Euclid
    >>> gaussian_map(Para.linear(Euclid(1), Euclid(2), name="reg"), Euclid(1))
    StochasticMap(Euclid(1) -> Euclid(1); reg)
    """
    errors.expect_type(para, Para, "the parameter map", "build one with Para(...)")
    if not isinstance(cod, Euclid) or len(cod.shape) != 1:
        raise ShapeError(f"Expected cod = Euclid(d) for a Gaussian map, got {cod!r} instead.")
    if para.cod != Euclid(2 * cod.size):
        raise ShapeError(
            f"Expected the Para arrow to output concat(mean, log_std) of type "
            f"Euclid({2 * cod.size}), got {para.cod} instead; e.g. "
            f"Para.linear(dom, Euclid({2 * cod.size}), name=...)."
        )

    def sample(theta: Any, key: jax.Array) -> jax.Array:
        d = cod.size
        return cast(
            jax.Array, theta[:d] + jnp.exp(theta[d:]) * jax.random.normal(key, (d,), theta.dtype)
        )

    return StochasticMap(para, gaussian_log_prob, cod, sample=sample, name="gaussian_nll")


def bernoulli_map(para: Para) -> StochasticMap:
    r"""Logistic regression's stochastic map: ``para`` outputs a logit (``Euclid(1)``) and
    :math:`y \sim \mathrm{Bern}(\mathrm{sigmoid}(\ell))` on ``Fin(2)``.

    >>> from catlearn.core.types import Euclid
    >>> bernoulli_map(Para.linear(Euclid(3), Euclid(1), name="logreg"))
    StochasticMap(Euclid(3) -> Fin(2); logreg)
    """
    errors.expect_type(para, Para, "the parameter map", "build one with Para(...)")
    if para.cod != Euclid(1):
        raise ShapeError(
            f"Expected the Para arrow to output one logit of type Euclid(1), got {para.cod} "
            f"instead; e.g. Para.linear(dom, Euclid(1), name=...)."
        )

    def sample(theta: Any, key: jax.Array) -> jax.Array:
        return jax.random.bernoulli(key, jax.nn.sigmoid(jnp.sum(theta))).astype(jnp.int32)

    return StochasticMap(para, bernoulli_log_prob, Fin(2), sample=sample, name="bernoulli_nll")


def categorical_map(para: Para, k: int) -> StochasticMap:
    r"""Softmax regression's stochastic map: ``para`` outputs ``k`` logits and
    :math:`y \sim \mathrm{Cat}(\mathrm{softmax}(\ell))` on ``Fin(k)``.

    >>> from catlearn.core.types import Euclid
    >>> categorical_map(Para.linear(Euclid(4), Euclid(3), name="soft"), 3)
    StochasticMap(Euclid(4) -> Fin(3); soft)
    """
    errors.expect_type(para, Para, "the parameter map", "build one with Para(...)")
    if not isinstance(k, int) or k < 1:
        raise errors.ArgumentValueError(f"Expected a number of classes k >= 1, got {k!r}.")
    if para.cod != Euclid(k):
        raise ShapeError(
            f"Expected the Para arrow to output {k} logits (Euclid({k})), got {para.cod} instead."
        )

    def sample(theta: Any, key: jax.Array) -> jax.Array:
        return jax.random.categorical(key, theta).astype(jnp.int32)

    return StochasticMap(para, categorical_log_prob, Fin(k), sample=sample, name="categorical_nll")
