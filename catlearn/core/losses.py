r"""Error functions for learners, and losses as lenses.

Two related notions, from two papers:

* An **error function** :math:`e : \mathbb R \times \mathbb R \to \mathbb R` (Fong, Spivak,
  Tuyéras, *Backprop as Functor*, §III) measures, coordinate by coordinate, how far an output
  :math:`x` is from a target :math:`y`. The functor :math:`L_{\varepsilon,e}`
  (:func:`catlearn.core.learner.gradient_learner`) needs, for its request map, the inverse
  :math:`f_x` of :math:`y \mapsto \partial e/\partial x (x, y)`. :class:`ErrorFn` carries
  :math:`e` and that inverse in closed form. Supported (invertible) errors:

  * :data:`squared_error`: :math:`e = \tfrac12 (x-y)^2`, request :math:`f_x(g) = x - g`;
  * :func:`scaled_squared_error`: :math:`e = \tfrac c2 (x-y)^2`, request :math:`f_x(g) = x - g/c`;
  * :func:`power_error`: :math:`e = |x-y|^q / q` with :math:`q > 1`, request
    :math:`f_x(g) = x - \mathrm{sign}(g)|g|^{1/(q-1)}`.

  :data:`absolute_error` and :func:`huber_error` have derivatives that are not invertible
  (flat pieces); they are valid errors for updates, but building a learner that needs their
  request map raises :class:`~catlearn.errors.NotInvertibleError`.

* A **loss** (Cruttwell et al., *Categorical Foundations of Gradient-Based Learning*) is a
  map :math:`\mathrm{loss} : B \otimes B \to \mathbb R` (prediction, target), used as its
  reverse-derivative lens: :func:`mse`, :func:`half_sse`, :func:`softmax_cross_entropy`,
  :func:`binary_cross_entropy`; and the learning rate is the lens
  :func:`learning_rate` :math:`(\mathbb R, \mathbb R) \to (1, 1)` with put :math:`\mapsto -\varepsilon`.

>>> import jax.numpy as jnp
>>> from catlearn.core.types import Euclid
>>> loss = mse(Euclid(2))
>>> loss.get((jnp.array([1.0, 2.0]), jnp.array([1.0, 0.0])))
Array(2., dtype=float32)
>>> dpred, dtarget = loss.put((jnp.array([1.0, 2.0]), jnp.array([1.0, 0.0])), jnp.array(1.0))
>>> dpred
Array([0., 2.], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import optax

from catlearn import errors
from catlearn.core.lens import Lens
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import HyperparameterError, NotInvertibleError

__all__ = [
    "ErrorFn",
    "absolute_error",
    "as_error",
    "binary_cross_entropy",
    "half_sse",
    "huber_error",
    "learning_rate",
    "mse",
    "power_error",
    "scaled_squared_error",
    "softmax_cross_entropy",
    "squared_error",
]


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> None:
    """Raise :class:`~catlearn.errors.HyperparameterError` unless ``value`` is finite and > 0.

    Values that are JAX tracers (inside ``jit``) cannot be checked and are let through.

    >>> check_positive("lr", float("nan"))
    Traceback (most recent call last):
    ...
    catlearn.errors.HyperparameterError: Expected the hyperparameter lr to be a finite number > 0, got nan instead.
    """
    try:
        v = float(value)
    except (TypeError, ValueError, jax.errors.ConcretizationTypeError):
        if isinstance(value, jax.core.Tracer):
            return
        raise HyperparameterError(
            f"Expected the hyperparameter {name} to be a number, got {value!r} instead."
        ) from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise HyperparameterError(
            f"Expected the hyperparameter {name} to be a finite number {bound}, got {v} instead."
        )


@dataclass(frozen=True)
class ErrorFn:
    r"""An error function :math:`e(x, y)` (applied coordinate-wise) and the request inverse.

    ``inverse(x, g)`` returns the :math:`y` with :math:`\partial e/\partial x (x, y) = g`
    (the map :math:`f_x` of *Backprop as Functor*, Theorem III.2), or is ``None`` when
    that derivative is not invertible.

    >>> import jax.numpy as jnp
    >>> x, y = jnp.array([1.0, 2.0]), jnp.array([0.5, 3.0])
    >>> g = squared_error.derivative(x, y)
    >>> g, squared_error.request(x, g)  # the request recovers y
    (Array([ 0.5, -1. ], dtype=float32), Array([0.5, 3. ], dtype=float32))
    """

    name: str
    fn: Callable[[Any, Any], Any]
    inverse: Callable[[Any, Any], Any] | None = None

    def __call__(self, x: Any, y: Any) -> Any:
        """:math:`e(x, y)` coordinate-wise."""
        return self.fn(x, y)

    def total(self, x: Any, y: Any) -> Any:
        r""":math:`E = \sum_j e(x_j, y_j)` over every leaf of the pytrees ``x``, ``y``.

        >>> squared_error.total(jnp.ones(3), jnp.zeros(3))
        Array(1.5, dtype=float32)
        """
        terms = jax.tree_util.tree_map(lambda u, v: jnp.sum(self.fn(u, v)), x, y)
        return sum(jax.tree_util.tree_leaves(terms))

    def derivative(self, x: Any, y: Any) -> Any:
        r""":math:`\partial e / \partial x (x, y)` coordinate-wise.

        >>> power_error(3.0).derivative(jnp.array([2.0]), jnp.array([0.0]))
        Array([4.], dtype=float32)
        """
        return jax.grad(lambda u: self.total(u, y))(x)

    @property
    def invertible(self) -> bool:
        """Whether the request inverse :math:`f_x` is known.

        >>> squared_error.invertible, absolute_error.invertible
        (True, False)
        """
        return self.inverse is not None

    def request(self, x: Any, g: Any) -> Any:
        r"""The request :math:`f_x(g)`: the ``y`` with :math:`\partial e/\partial x(x, y) = g`.

        >>> absolute_error.request(jnp.zeros(1), jnp.ones(1))
        Traceback (most recent call last):
        ...
        catlearn.errors.NotInvertibleError: The error function 'absolute' has a derivative de/dx(x, -) that is not invertible, ...
        """
        if self.inverse is None:
            raise NotInvertibleError(
                f"The error function {self.name!r} has a derivative de/dx(x, -) that is not "
                "invertible, so the request map r = f_a(grad_a E) of Backprop as Functor does "
                "not exist. Expected an error with an invertible derivative, e.g. "
                "squared_error, scaled_squared_error(c) or power_error(q) with q > 1 "
                "(or ErrorFn(name, e, inverse=...) with your own inverse)."
            )
        return jax.tree_util.tree_map(self.inverse, x, g)


squared_error = ErrorFn("squared", lambda x, y: 0.5 * (x - y) ** 2, lambda x, g: x - g)
r"""The error :math:`e(x, y) = \tfrac12 (x - y)^2`, whose request is :math:`f_x(g) = x - g`."""

absolute_error = ErrorFn("absolute", lambda x, y: jnp.abs(x - y))
r""":math:`e(x, y) = |x - y|`; :math:`\partial e/\partial x = \mathrm{sign}(x - y)` is not invertible."""


def scaled_squared_error(c: float) -> ErrorFn:
    r"""The error :math:`\tfrac c2 (x-y)^2` (:math:`c > 0`), with request :math:`x - g/c`.

    >>> scaled_squared_error(2.0)(jnp.array(1.0), jnp.array(0.0))
    Array(1., dtype=float32, weak_type=True)
    """
    check_positive("c", c)
    return ErrorFn(
        f"scaled_squared({c})", lambda x, y: 0.5 * c * (x - y) ** 2, lambda x, g: x - g / c
    )


def power_error(q: float) -> ErrorFn:
    r"""The error :math:`|x-y|^q / q` for :math:`q > 1`, with request
    :math:`x - \mathrm{sign}(g) |g|^{1/(q-1)}`; ``q = 2`` is :data:`squared_error`.

    >>> power_error(3.0).request(jnp.array([2.0]), jnp.array([4.0]))
    Array([0.], dtype=float32)
    """
    check_positive("q", q)
    if not q > 1:
        raise HyperparameterError(
            f"Expected an exponent q > 1 for power_error (so that de/dx is invertible), got {q}."
        )
    return ErrorFn(
        f"power({q})",
        lambda x, y: jnp.abs(x - y) ** q / q,
        lambda x, g: x - jnp.sign(g) * jnp.abs(g) ** (1.0 / (q - 1.0)),
    )


def huber_error(delta: float = 1.0) -> ErrorFn:
    r"""Huber's error (quadratic within ``delta``, linear outside); :math:`\partial e/\partial x`
    is constant outside ``delta``, hence not invertible (no request map).

    >>> huber_error(1.0).invertible
    False
    """
    check_positive("delta", delta)
    return ErrorFn(f"huber({delta})", lambda x, y: optax.huber_loss(x, y, delta=delta))


_NAMED = {"squared": squared_error, "absolute": absolute_error, "huber": huber_error()}


def as_error(error: ErrorFn | str | Callable[[Any, Any], Any]) -> ErrorFn:
    """An :class:`ErrorFn` from a name (``"squared"``, ``"absolute"``, ``"huber"``), an
    ``ErrorFn``, or a bare function ``e(x, y)`` (whose request inverse is then unknown).

    >>> as_error("squared") is squared_error
    True
    """
    if isinstance(error, ErrorFn):
        return error
    if isinstance(error, str):
        if error not in _NAMED:
            raise errors.ArgumentValueError(
                f"Expected an error name in {sorted(_NAMED)}, got {error!r}; use one of them "
                "or pass a function e(x, y)."
            )
        return _NAMED[error]
    if callable(error):
        return ErrorFn(getattr(error, "__name__", "custom"), error)
    raise errors.ArgumentTypeError(
        f"Expected an ErrorFn, a name or a function e(x, y), got {error!r}; e.g. error='squared'."
    )


# --- losses as lenses (Cruttwell et al.) -------------------------------------------------------


def _loss_lens(fn: Callable[[Any, Any], Any], pred: Ty, target: Ty, name: str) -> Lens:
    dom = pred @ target

    def get(pt: Any) -> Any:
        p, t = dom.split(pt)
        return fn(p, t)

    def put(pt: Any, dl: Any) -> Any:
        p, t = dom.split(pt)
        _, vjp = jax.vjp(fn, p, t)
        return vjp(dl)

    return Lens(get, put, dom, Euclid(), name=name)


def _vector(ty: Any, what: str) -> Euclid:
    if isinstance(ty, int):
        return Euclid(ty)
    if isinstance(ty, Euclid):
        return ty
    raise errors.ArgumentTypeError(
        f"Expected a Euclid wire (or an int n for Euclid(n)) for {what}, got {ty!r}; "
        "pass e.g. Euclid(3) or 3."
    )


def mse(ty: Euclid | int) -> Lens:
    r"""Mean squared error :math:`\frac1n \sum_i (x_i - y_i)^2` as a lens
    ``ty @ ty -> Euclid()`` (its put is the reverse derivative).

    >>> mse(3).dom
    Euclid(3) @ Euclid(3)
    """
    ty = _vector(ty, "mse")
    return _loss_lens(lambda p, t: jnp.mean(optax.squared_error(p, t)), ty, ty, "mse")


def half_sse(ty: Euclid | int) -> Lens:
    r"""Half the sum of squared errors :math:`\tfrac12 \sum_i (x_i - y_i)^2` as a lens.

    Its put on ``1`` is :math:`(x - y, y - x)`.

    >>> half_sse(2).put((jnp.array([1.0, 2.0]), jnp.zeros(2)), jnp.array(1.0))[0]
    Array([1., 2.], dtype=float32)
    """
    ty = _vector(ty, "half_sse")
    return _loss_lens(lambda p, t: jnp.sum(optax.l2_loss(p, t)), ty, ty, "half_sse")


def softmax_cross_entropy(k: int, *, labels: str = "index") -> Lens:
    r"""Softmax cross-entropy :math:`-\log \mathrm{softmax}(z)_y` of logits ``z`` as a lens.

    ``labels="index"``: the target is a class index on ``Fin(k)`` (its backward value is
    JAX's ``float0`` zero: a finite wire has no tangent); ``labels="onehot"``: the target is
    a distribution on ``Euclid(k)``.

    >>> lens = softmax_cross_entropy(3)
    >>> lens.dom
    Euclid(3) @ Fin(3)
    >>> lens.get((jnp.zeros(3), jnp.array(1)))
    Array(1.0986123, dtype=float32)
    """
    if labels == "index":
        return _loss_lens(
            optax.softmax_cross_entropy_with_integer_labels,
            Euclid(k),
            Fin(k),
            "softmax_cross_entropy",
        )
    if labels == "onehot":
        return _loss_lens(
            optax.softmax_cross_entropy, Euclid(k), Euclid(k), "softmax_cross_entropy"
        )
    raise errors.ArgumentValueError(
        f"Expected labels='index' or labels='onehot', got {labels!r}; pick one of the two."
    )


def binary_cross_entropy(ty: Euclid | int) -> Lens:
    r"""Binary cross-entropy of logits, :math:`\sum_i -y_i\log\sigma(z_i) - (1-y_i)\log(1-\sigma(z_i))`,
    as a lens ``ty @ ty -> Euclid()`` (numerically stable, via optax).

    >>> binary_cross_entropy(1).get((jnp.zeros(1), jnp.ones(1)))
    Array(0.6931472, dtype=float32)
    """
    ty = _vector(ty, "binary_cross_entropy")
    return _loss_lens(
        lambda z, y: jnp.sum(optax.sigmoid_binary_cross_entropy(z, y)),
        ty,
        ty,
        "binary_cross_entropy",
    )


def learning_rate(eps: float) -> Lens:
    r"""The learning-rate lens :math:`\alpha : (\mathbb R, \mathbb R) \to (1, 1)`:
    get discards the loss, put returns :math:`-\varepsilon` (Cruttwell et al.).

    Composed after a loss, it seeds the backward pass:
    ``(model >> loss >> learning_rate(eps)).put(x, ())`` is :math:`-\varepsilon\nabla`.

    >>> learning_rate(0.1).put(jnp.ones(()), ())
    Array(-0.1, dtype=float32)
    """
    check_positive("learning rate", eps)
    return Lens(
        lambda l: (), lambda l, _: jnp.full_like(l, -eps), Euclid(), Ty(), name="learning_rate"
    )
