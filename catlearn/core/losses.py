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
  request map raises :class:`~catlearn.errors.NotInvertibleError`. Every name of
  :data:`LOSSES` is also an error (:func:`as_error`): ``"mse"`` and the binary
  cross-entropies have a request map, ``"softmax_cross_entropy"`` has none.

* A **loss** (Cruttwell et al., *Categorical Foundations of Gradient-Based Learning*) is a
  map :math:`\mathrm{loss} : B \otimes B' \to \mathbb R` (prediction, target), used as its
  reverse-derivative lens. The vocabulary :data:`LOSSES`, the one registry of names for
  losses and errors alike, defines each loss **once, per example** (and says once how it
  reduces); the lenses :func:`mse`, :func:`half_sse`,
  :func:`softmax_cross_entropy`, :func:`binary_cross_entropy`,
  :func:`sigmoid_binary_cross_entropy` (or :func:`loss_lens` by name) and
  :func:`catlearn.training.fit` with ``loss="mse"`` etc. are the same functions. The
  learning rate is the lens :func:`learning_rate`
  :math:`\alpha_\varepsilon : (\mathbb R, \mathbb R) \to (1, 1)` with put :math:`\mapsto -\varepsilon`
  (the sign convention is stated once, in :mod:`catlearn.core.optim`).

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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy.typing as npt
import optax

from catlearn import errors
from catlearn.core.checked import as_array, check_positive
from catlearn.core.lens import Lens
from catlearn.core.loop import ArrayTree
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import HyperparameterError, NotInvertibleError

__all__ = [
    "LOSSES",
    "BatchLoss",
    "ErrorFn",
    "absolute_error",
    "as_error",
    "batch_loss",
    "binary_cross_entropy",
    "get_loss",
    "half_sse",
    "huber_error",
    "learning_rate",
    "loss_lens",
    "mse",
    "power_error",
    "scaled_squared_error",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
    "squared_error",
]


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
    fn: Callable[[Any, Any], Any] | None
    inverse: Callable[[Any, Any], Any] | None = None
    per_example: Callable[[Any, Any], Any] | None = None
    r"""The error of a whole output array, :math:`E(x, y)`, when it is not
    :math:`\sum_j e(x_j, y_j)` (``"mse"`` averages, ``"softmax_cross_entropy"`` couples the
    classes): for a named error, the function of :data:`LOSSES`."""

    def __call__(self, x: npt.ArrayLike, y: npt.ArrayLike) -> jax.Array:
        """:math:`e(x, y)` coordinate-wise (``x``, ``y`` numbers or arrays that broadcast)."""
        if self.fn is None:
            raise errors.ArgumentValueError(
                f"The error {self.name!r} has no coordinate-wise form (it couples the "
                "coordinates of an example); call .total(x, y) for the error of a whole output."
            )
        x, y = as_array(x, "the output x"), as_array(y, "the target y")
        # booleans count as 0/1 (JAX has no arithmetic on bool)
        x, y = (a.astype(jnp.result_type(float)) if a.dtype == bool else a for a in (x, y))
        try:
            x, y = jnp.broadcast_arrays(x, y)  # explicit: no rank-promotion warning or error
        except ValueError:
            raise errors.ShapeError(
                f"Expected an output x and a target y of the same (or broadcastable) shapes for "
                f"the error {self.name!r}, got {tuple(x.shape)} and {tuple(y.shape)}."
            ) from None
        return cast(jax.Array, self.fn(x, y))

    def total(self, x: ArrayTree, y: ArrayTree) -> jax.Array:
        r""":math:`E = \sum_j e(x_j, y_j)` over every leaf of the pytrees ``x``, ``y`` (or
        the sum over leaves of :attr:`per_example`, when set).

        >>> squared_error.total(jnp.ones(3), jnp.zeros(3))
        Array(1.5, dtype=float32)
        >>> as_error("mse").total(jnp.ones(3), jnp.zeros(3))
        Array(1., dtype=float32)
        """
        whole, fn = self.per_example, self.fn
        if whole is not None:
            terms = jax.tree_util.tree_map(whole, x, y)
        else:
            assert fn is not None  # an ErrorFn has a coordinate form or a per-example one
            terms = jax.tree_util.tree_map(lambda u, v: jnp.sum(fn(u, v)), x, y)
        return cast(jax.Array, sum(jax.tree_util.tree_leaves(terms)))

    def derivative(self, x: ArrayTree, y: ArrayTree) -> Any:
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

    def request(self, x: ArrayTree, g: ArrayTree) -> Any:
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
                "(or ErrorFn(name, e, inverse=...) with your own inverse), or build the learner "
                "with gradient_learner(..., request=False) if nothing upstream needs a request."
            )
        return jax.tree_util.tree_map(self.inverse, x, g)


# --- the vocabulary: each loss once, per example ---------------------------------------------
#
# Reduction, stated once: every loss below is a function of ONE example (prediction, target)
# to a scalar. Within an example, ``mse``, ``binary_cross_entropy`` and
# ``sigmoid_binary_cross_entropy`` average over the features; ``half_sse`` (alias ``squared``),
# ``absolute`` and ``huber`` sum them (they are the coordinate-wise errors e(x, y) of Backprop
# as Functor, summed). Over a minibatch, ``fit``, ``train_step``, ``fit_functor`` and
# ``supervised_step`` take the MEAN over the examples; a learner of ``gradient_learner`` sees
# one example at a time.


def _mse(pred: Any, target: Any) -> Any:
    return jnp.mean(jnp.square(pred - target))


def _half_sse(pred: Any, target: Any) -> Any:
    return 0.5 * jnp.sum(jnp.square(pred - target))


def _absolute(pred: Any, target: Any) -> Any:
    return jnp.sum(jnp.abs(pred - target))


def _huber(pred: Any, target: Any, delta: float = 1.0) -> Any:
    return jnp.sum(optax.huber_loss(pred, target, delta=delta))


def _softmax_cross_entropy(logits: Any, target: Any) -> Any:
    if jnp.issubdtype(jnp.result_type(target), jnp.integer):
        ok = (target >= 0) & (target < logits.shape[-1])  # traced bad label: NaN, not a clamp
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, target)
        return jnp.where(ok, loss, jnp.nan)
    return optax.softmax_cross_entropy(logits, target)


def _binary_cross_entropy(prob: Any, target: Any) -> Any:
    # jax.numpy's finfo is unannotated (numpy's would not know bfloat16)
    eps = jnp.finfo(jnp.result_type(prob)).eps  # type: ignore[no-untyped-call]
    p = jnp.clip(prob, eps, 1 - eps)
    t = jnp.asarray(target).astype(p.dtype)
    return -jnp.mean(t * jnp.log(p) + (1 - t) * jnp.log1p(-p))


def _sigmoid_binary_cross_entropy(logits: Any, target: Any) -> Any:
    t = jnp.asarray(target).astype(jnp.result_type(logits))
    return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, t))


LOSSES: dict[str, Callable[[Any, Any], Any]] = {
    "mse": _mse,
    "half_sse": _half_sse,
    "squared": _half_sse,
    "absolute": _absolute,
    "huber": _huber,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "binary_cross_entropy": _binary_cross_entropy,
    "sigmoid_binary_cross_entropy": _sigmoid_binary_cross_entropy,
}
r"""The loss and error vocabulary (the one registry), per example
``(prediction, target) -> scalar``:

* ``"mse"``: :math:`\tfrac1d \sum_k (x_k - y_k)^2`;
* ``"half_sse"``, alias ``"squared"``: :math:`\tfrac12 \sum_k (x_k - y_k)^2` (the error of
  *Backprop as Functor*, :data:`squared_error`);
* ``"absolute"``: :math:`\sum_k |x_k - y_k|`; ``"huber"``: :math:`\sum_k h_1(x_k - y_k)`,
  Huber's function with :math:`\delta = 1` (:func:`huber_error` for another :math:`\delta`);
* ``"softmax_cross_entropy"``: :math:`-\log \mathrm{softmax}(z)_y` (integer label) or
  :math:`-\sum_k t_k \log \mathrm{softmax}(z)_k` (distribution);
* ``"binary_cross_entropy"``: :math:`-\tfrac1d \sum_k t_k \log p_k + (1-t_k)\log(1-p_k)` on
  probabilities (after a sigmoid box; clipped away from 0 and 1);
* ``"sigmoid_binary_cross_entropy"``: the same on logits, :math:`p = \sigma(z)` (stable).

Every name means this function everywhere a loss or an error is named:
:func:`catlearn.training.fit` and :func:`~catlearn.training.train.train_step` (``loss=``, the
mean over a minibatch), :func:`catlearn.training.functor.fit_functor` (``loss=``),
:func:`catlearn.core.step.supervised_step` and the loss lenses (:func:`loss_lens`, :func:`mse`,
...), and :func:`catlearn.core.learner.gradient_learner` (``error=``, through
:func:`as_error`: the learner's :math:`E_I` is this function of its output). An unknown name
is a :class:`~catlearn.errors.HyperparameterError` listing these.

>>> sorted(LOSSES)[:3]
['absolute', 'binary_cross_entropy', 'half_sse']
"""


def _unknown(name: Any) -> HyperparameterError:
    return HyperparameterError(
        f"Expected a loss name (or error name) in {sorted(LOSSES)}, got {name!r}. Pick one of "
        "these, or pass a callable loss(pred, target) (an ErrorFn or a function e(x, y) for "
        "gradient_learner)."
    )


def get_loss(name: str) -> Callable[[Any, Any], Any]:
    """The per-example loss called ``name`` in :data:`LOSSES`.

    >>> get_loss("mse")(jnp.array([1.0, 3.0]), jnp.zeros(2))
    Array(5., dtype=float32)
    >>> get_loss("l2")
    Traceback (most recent call last):
    ...
    catlearn.errors.HyperparameterError: Expected a loss name (or error name) in ['absolute', ...
    """
    if not isinstance(name, str) or name not in LOSSES:
        raise _unknown(name)
    return LOSSES[name]


squared_error = ErrorFn(
    "squared", lambda x, y: 0.5 * (x - y) ** 2, lambda x, g: x - g, per_example=_half_sse
)
r"""The error :math:`e(x, y) = \tfrac12 (x - y)^2`, whose request is :math:`f_x(g) = x - g`
(``LOSSES["squared"]``, ``LOSSES["half_sse"]``, summed over coordinates)."""

absolute_error = ErrorFn("absolute", lambda x, y: jnp.abs(x - y), per_example=_absolute)
r""":math:`e(x, y) = |x - y|`; :math:`\partial e/\partial x = \mathrm{sign}(x - y)` is not invertible."""


def scaled_squared_error(c: float) -> ErrorFn:
    r"""The error :math:`\tfrac c2 (x-y)^2` (:math:`c > 0`), with request :math:`x - g/c`.

    >>> scaled_squared_error(2.0)(jnp.array(1.0), jnp.array(0.0))
    Array(1., dtype=float32, weak_type=True)
    """
    check_positive(c, "the hyperparameter c", scalar=True)
    return ErrorFn(
        f"scaled_squared({c})", lambda x, y: 0.5 * c * (x - y) ** 2, lambda x, g: x - g / c
    )


def power_error(q: float) -> ErrorFn:
    r"""The error :math:`|x-y|^q / q` for :math:`q > 1`, with request
    :math:`x - \mathrm{sign}(g) |g|^{1/(q-1)}`; ``q = 2`` is :data:`squared_error`.

    >>> power_error(3.0).request(jnp.array([2.0]), jnp.array([4.0]))
    Array([0.], dtype=float32)
    """
    check_positive(q, "the hyperparameter q", scalar=True)
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
    check_positive(delta, "the hyperparameter delta", scalar=True)
    return ErrorFn(
        f"huber({delta})",
        lambda x, y: optax.huber_loss(x, y, delta=delta),
        per_example=_huber if delta == 1.0 else lambda x, y: _huber(x, y, delta),
    )


# The request inverse (Backprop as Functor's f_x) of the named errors whose de/dx(x, -) is
# invertible, keyed by the names of LOSSES; jnp.size(x) is the number of coordinates averaged.
_INVERSES: dict[str, Callable[[Any, Any], Any]] = {
    "mse": lambda x, g: x - g * (jnp.size(x) / 2),
    "binary_cross_entropy": lambda p, g: p - g * jnp.size(p) * p * (1 - p),
    "sigmoid_binary_cross_entropy": lambda z, g: jax.nn.sigmoid(z) - g * jnp.size(z),
}


def _error_view(name: str) -> ErrorFn:
    if name in ("squared", "half_sse"):
        return squared_error
    if name == "absolute":
        return absolute_error
    if name == "huber":
        return huber_error(1.0)
    return ErrorFn(name, None, _INVERSES.get(name), per_example=LOSSES[name])


_ERRORS = {name: _error_view(name) for name in LOSSES}  # views of LOSSES, made once


def as_error(error: ErrorFn | str | Callable[[Any, Any], Any]) -> ErrorFn:
    r"""An :class:`ErrorFn` from a name of :data:`LOSSES` (its per-example function, with the
    request inverse where :math:`\partial E/\partial x` is invertible: ``"squared"`` /
    ``"half_sse"``, ``"mse"``, the binary cross-entropies), an :class:`ErrorFn`, or a bare
    function ``e(x, y)`` (whose request inverse is then unknown).

    >>> as_error("squared") is squared_error, as_error("mse").per_example is LOSSES["mse"]
    (True, True)
    >>> as_error("cosine")
    Traceback (most recent call last):
    ...
    catlearn.errors.HyperparameterError: Expected a loss name (or error name) in ['absolute', ...
    """
    if isinstance(error, ErrorFn):
        return error
    if isinstance(error, str):
        if error not in _ERRORS:
            raise _unknown(error)
        return _ERRORS[error]
    if callable(error):
        return ErrorFn(getattr(error, "__name__", "custom"), error)
    raise errors.ArgumentTypeError(
        f"Expected an ErrorFn, a name or a function e(x, y), got {error!r}; e.g. error='squared'."
    )


class BatchLoss:
    """A per-example loss run on a minibatch by ``jax.vmap``: ``(B, ...) -> (B,)``.

    ``per_example`` is the function of :data:`LOSSES` it lifts (the same object the loss
    lenses use).

    >>> f = batch_loss("half_sse")
    >>> f(jnp.array([[1.0, 3.0]]), jnp.zeros((1, 2))), f.per_example is LOSSES["half_sse"]
    (Array([5.], dtype=float32), True)
    """

    __slots__ = ("__weakref__", "name", "per_example")

    name: str
    per_example: Callable[[Any, Any], Any]

    def __init__(self, per_example: Callable[[Any, Any], Any], name: str) -> None:
        object.__setattr__(self, "per_example", per_example)
        object.__setattr__(self, "name", name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"Losses are immutable: cannot set {name!r}; build a new one with batch_loss(name)."
        )

    def __repr__(self) -> str:
        return f"BatchLoss({self.name})"

    def __call__(self, pred: ArrayTree, target: ArrayTree) -> jax.Array:
        return cast(jax.Array, jax.vmap(self.per_example)(pred, target))


def batch_loss(name: str) -> BatchLoss:
    """The loss ``name`` of :data:`LOSSES` on a minibatch (per-example values, shape ``(B,)``).

    >>> batch_loss("mse")(jnp.array([[1.0, 3.0]]), jnp.zeros((1, 2)))
    Array([5.], dtype=float32)
    """
    return BatchLoss(get_loss(name), name)


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


def loss_lens(name: str, pred: Ty, target: Ty | None = None) -> Lens:
    r"""The loss ``name`` of :data:`LOSSES` as a lens ``pred @ target -> Euclid()`` whose put is
    its reverse derivative (Cruttwell et al.): :math:`(\nabla_x \ell \cdot \delta,
    \nabla_y \ell \cdot \delta)` (a :class:`Fin` target gets JAX's ``float0`` zero).

    >>> loss_lens("mse", Euclid(2)).get((jnp.array([1.0, 3.0]), jnp.zeros(2)))
    Array(5., dtype=float32)
    """
    fn = get_loss(name)
    if not isinstance(pred, Ty) or (target is not None and not isinstance(target, Ty)):
        raise errors.ArgumentTypeError(
            f"Expected wire types for the loss lens, got {pred!r} and {target!r}."
        )
    return _loss_lens(fn, pred, pred if target is None else target, name)


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
    r"""Mean squared error :math:`\frac1d \sum_k (x_k - y_k)^2` (``LOSSES["mse"]``) as a lens
    ``ty @ ty -> Euclid()`` (its put is the reverse derivative).

    >>> mse(3).dom
    Euclid(3) @ Euclid(3)
    """
    ty = _vector(ty, "mse")
    return _loss_lens(LOSSES["mse"], ty, ty, "mse")


def half_sse(ty: Euclid | int) -> Lens:
    r"""Half the sum of squared errors :math:`\tfrac12 \sum_k (x_k - y_k)^2` as a lens.

    Its put on ``1`` is :math:`(x - y, y - x)`.

    >>> half_sse(2).put((jnp.array([1.0, 2.0]), jnp.zeros(2)), jnp.array(1.0))[0]
    Array([1., 2.], dtype=float32)
    """
    ty = _vector(ty, "half_sse")
    return _loss_lens(LOSSES["half_sse"], ty, ty, "half_sse")


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
    fn = LOSSES["softmax_cross_entropy"]
    if labels == "index":
        return _loss_lens(fn, Euclid(k), Fin(k), "softmax_cross_entropy")
    if labels == "onehot":
        return _loss_lens(fn, Euclid(k), Euclid(k), "softmax_cross_entropy")
    raise errors.ArgumentValueError(
        f"Expected labels='index' or labels='onehot', got {labels!r}; pick one of the two."
    )


def binary_cross_entropy(ty: Euclid | int) -> Lens:
    r"""Binary cross-entropy of **probabilities** (``LOSSES["binary_cross_entropy"]``),
    :math:`-\tfrac1d\sum_k t_k\log p_k + (1-t_k)\log(1-p_k)`, as a lens ``ty @ ty -> Euclid()``.
    For logits use :func:`sigmoid_binary_cross_entropy`.

    >>> binary_cross_entropy(1).get((jnp.full(1, 0.5), jnp.ones(1)))
    Array(0.6931472, dtype=float32)
    """
    ty = _vector(ty, "binary_cross_entropy")
    return _loss_lens(LOSSES["binary_cross_entropy"], ty, ty, "binary_cross_entropy")


def sigmoid_binary_cross_entropy(ty: Euclid | int) -> Lens:
    r"""Binary cross-entropy of **logits**, :math:`p = \sigma(z)` (numerically stable, via
    optax), averaged over the features, as a lens ``ty @ ty -> Euclid()``.

    >>> sigmoid_binary_cross_entropy(1).get((jnp.zeros(1), jnp.ones(1)))
    Array(0.6931472, dtype=float32)
    """
    ty = _vector(ty, "sigmoid_binary_cross_entropy")
    return _loss_lens(
        LOSSES["sigmoid_binary_cross_entropy"], ty, ty, "sigmoid_binary_cross_entropy"
    )


def learning_rate(eps: float) -> Lens:
    r"""The learning-rate lens :math:`\alpha_\varepsilon : (\mathbb R, \mathbb R) \to (1, 1)`:
    get discards the loss, put returns :math:`-\varepsilon` (Cruttwell et al., §3.3).

    Composed after a loss, it seeds the backward pass, so the parameter wire receives the
    update direction :math:`d = -\varepsilon\nabla` that optimiser lenses add (the sign
    convention of :mod:`catlearn.core.optim`):
    ``(model >> loss >> learning_rate(eps)).put(x, ())`` is :math:`-\varepsilon\nabla`.

    >>> learning_rate(0.1).put(jnp.ones(()), ())
    Array(-0.1, dtype=float32)
    >>> learning_rate(float("inf"))
    Traceback (most recent call last):
    ...
    catlearn.errors.HyperparameterError: Expected the hyperparameter learning rate to be a finite number > 0, got inf instead; pass a positive number.
    """
    check_positive(eps, "the hyperparameter learning rate", scalar=True)
    return Lens(
        lambda l: (), lambda l, _: jnp.full_like(l, -eps), Euclid(), Ty(), name="learning_rate"
    )
