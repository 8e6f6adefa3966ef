r"""Vision boxes: pooling, global average pooling, flattening and batch normalisation.

Every constructor infers its output type from its input, which may be given as a wire type
(``Euclid(H, W, C)``), a shape tuple, or the box/diagram it follows (its codomain), so no
size is ever computed by hand:

>>> import jax, jax.numpy as jnp
>>> from catlearn.diagrams import nn
>>> from catlearn.diagrams.compiler import compile
>>> conv = nn.Conv2D((8, 8, 1), 4, 3, name="conv")
>>> pool = MaxPool2D(conv, 2)                 # Euclid(8, 8, 4) -> Euclid(4, 4, 4)
>>> flat = Flatten(pool)                      # Euclid(4, 4, 4) -> Euclid(64)
>>> model = compile(conv >> nn.relu(conv.cod) >> pool >> flat >> nn.Linear(flat.cod, 10))
>>> model.apply_batch(model.init(jax.random.key(0)), jnp.ones((2, 8, 8, 1))).shape
(2, 10)

Pooling follows ``flax.linen.max_pool``/``avg_pool`` (``jax.lax.reduce_window`` on one
``(H, W, C)`` image; ``'VALID'`` padding by default, so
:math:`H' = \lfloor (H - k) / s \rfloor + 1`). Batch normalisation is Ioffe & Szegedy
(2015), :math:`\gamma (x - \mu_B) / \sqrt{\sigma_B^2 + \epsilon} + \beta`, with running
statistics kept as explicit state (see :func:`BatchNorm` and :func:`apply_stateful`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from catlearn.core.para import Para, Params, ParamSpec, WireValue
from catlearn.core.state import StateSpec, apply_train, batch_mean, in_training, with_state
from catlearn.core.types import Euclid
from catlearn.diagrams._nn_layers import Flatten as _flatten
from catlearn.diagrams._nn_layers import Wire, _euclid, layer_box, window_output
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.errors import DiagramError, HyperparameterError

__all__ = [
    "AvgPool2D",
    "BatchNorm",
    "Flatten",
    "GlobalAvgPool",
    "MaxPool2D",
    "apply_stateful",
]


def _image(x: Any, what: str) -> Euclid:
    e = _euclid(x, what)
    if len(e.shape) != 3:
        raise DiagramError(
            f"Expected an image wire Euclid(H, W, C) for {what}, got {e}; reshape the data to "
            "(n, H, W, C) (channels last)."
        )
    return e


def _pair(v: Any, what: str) -> tuple[int, int]:
    t = (v, v) if isinstance(v, int) else tuple(v)
    if len(t) != 2 or not all(isinstance(n, int) and n >= 1 for n in t):
        raise HyperparameterError(f"Expected a positive int or pair of ints for {what}, got {v!r}.")
    return t


# --- pooling -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolSpec:
    """Spec of a 2-d pooling window on one ``(H, W, C)`` image."""

    kind: str
    window: tuple[int, int]
    stride: tuple[int, int]
    padding: str

    def to_para(self, box: Box) -> Para:
        """The Para arrow (no parameters) ``x -> reduce_window(x)``."""
        window, stride, padding = (*self.window, 1), (*self.stride, 1), self.padding
        if self.kind == "max":

            def fn(x: Any) -> Any:
                return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, stride, padding)

        else:

            def fn(x: Any) -> Any:
                s = jax.lax.reduce_window(x, 0.0, jax.lax.add, window, stride, padding)
                if padding == "VALID":
                    return s / (window[0] * window[1])
                ones = jnp.ones_like(x)
                return s / jax.lax.reduce_window(ones, 0.0, jax.lax.add, window, stride, padding)

        return Para.from_function(fn, box.dom, box.cod)


def _pool(kind: str, x: Any, window: Any, stride: Any, padding: str) -> Box:
    e = _image(x, f"{kind} pooling")
    win = _pair(window, "the pooling window")
    st = win if stride is None else _pair(stride, "the pooling stride")
    padding, out = window_output(e, win, st, padding)
    c = e.shape[2]
    if min(out) < 1:
        raise DiagramError(
            f"Expected a pooling window no larger than the image, got window {win} on {e}; "
            "use a smaller window or padding='SAME'."
        )
    return Box(f"{kind}_pool", e, Euclid(*out, c), PoolSpec(kind, win, st, padding))


def MaxPool2D(
    x: Wire,
    window: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    *,
    padding: str = "VALID",
) -> Box:
    """Max pooling ``Euclid(H, W, C) -> Euclid(H', W', C)`` over ``window`` (stride defaults to
    the window); ``x`` is the input wire or the box it follows.

    >>> MaxPool2D(Euclid(8, 8, 3), 2).cod
    Euclid(4, 4, 3)
    >>> MaxPool2D((7, 7, 1), 3, 2, padding="SAME").cod
    Euclid(4, 4, 1)
    """
    return _pool("max", x, window, stride, padding)


def AvgPool2D(
    x: Wire,
    window: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    *,
    padding: str = "VALID",
) -> Box:
    """Average pooling ``Euclid(H, W, C) -> Euclid(H', W', C)`` (with ``'SAME'`` padding the
    mean is over the window's pixels inside the image).

    >>> AvgPool2D(Euclid(8, 8, 3), (2, 4)).cod
    Euclid(4, 2, 3)
    """
    return _pool("avg", x, window, stride, padding)


@dataclass(frozen=True)
class GlobalAvgPoolSpec:
    """Spec of the mean over the spatial axes of one ``(H, W, C)`` image."""

    def to_para(self, box: Box) -> Para:
        """The Para arrow ``x -> mean(x, axes=(0, 1))``."""
        return Para.from_function(lambda x: jnp.mean(x, axis=(0, 1)), box.dom, box.cod)


def GlobalAvgPool(x: Wire) -> Box:
    """The mean over height and width: ``Euclid(H, W, C) -> Euclid(C)``.

    >>> GlobalAvgPool(Euclid(4, 4, 16)).cod
    Euclid(16)
    """
    e = _image(x, "global average pooling")
    return Box("global_avg_pool", e, Euclid(e.shape[-1]), GlobalAvgPoolSpec())


def Flatten(x: Wire) -> Box:
    """:func:`catlearn.diagrams.nn.Flatten`, also taking the box it follows.

    >>> Flatten(GlobalAvgPool(Euclid(4, 4, 16))).cod
    Euclid(16)
    >>> Flatten(MaxPool2D(Euclid(8, 8, 2), 2)).cod
    Euclid(32)
    """
    return _flatten(_euclid(x, "Flatten"))


# --- batch normalisation ----------------------------------------------------------------------


@dataclass(frozen=True)
class BatchNormSpec:
    """Spec of batch normalisation over all axes but the last (the channels)."""

    eps: float = 1e-5
    momentum: float = 0.9

    def to_para(self, box: Box) -> Para:
        r"""The Para arrow :math:`x \mapsto \gamma (x - m) / \sqrt{v + \epsilon} + \beta`.

        In inference mode ``m``, ``v`` are the running statistics of the parameter group
        (read under ``stop_gradient``); in training mode (:func:`catlearn.core.state.in_training`,
        under :func:`~catlearn.core.state.apply_train`, which ``fit`` uses) they are the batch
        statistics :math:`\mu_B, \sigma^2_B`, and the running ones, declared
        :class:`~catlearn.core.state.StateSpec`, are updated from the batch:
        :math:`m \leftarrow \rho m + (1 - \rho)\mu_B`, likewise the (unbiased) variance."""
        d = box.dom.shapes[0][-1]
        eps, rho = self.eps, self.momentum

        def new_mean(p: Any, xs: Any) -> Any:
            mu = jnp.mean(xs, axis=tuple(range(jnp.ndim(xs) - 1)))
            return rho * p["mean"] + (1 - rho) * jax.lax.stop_gradient(mu)

        def new_var(p: Any, xs: Any) -> Any:
            axes = tuple(range(jnp.ndim(xs) - 1))
            n = math.prod(jnp.shape(xs)[:-1])
            unbiased = jnp.var(xs, axis=axes) * n / max(n - 1, 1)
            return rho * p["var"] + (1 - rho) * jax.lax.stop_gradient(unbiased)

        spec = {
            "scale": ParamSpec((d,), jax.nn.initializers.ones),
            "bias": ParamSpec((d,)),
            "mean": StateSpec((d,), update=new_mean),
            "var": StateSpec((d,), jax.nn.initializers.ones, update=new_var),
        }

        def fn(p: Any, x: Any) -> Any:
            g, b = _bcast(p["scale"], x), _bcast(p["bias"], x)
            if in_training():  # batch statistics over the batch and spatial axes
                m = _bcast(batch_mean(x), x)
                v = _bcast(batch_mean((x - m) ** 2), x)
            else:
                m, v = (jax.lax.stop_gradient(_bcast(p[k], x)) for k in ("mean", "var"))
            return (x - m) * jax.lax.rsqrt(v + eps) * g + b

        return Para(box.dom, box.cod, spec, fn, name=box.name)


def BatchNorm(x: Wire, *, eps: float = 1e-5, momentum: float = 0.9, name: str | None = None) -> Box:
    r"""Batch normalisation (Ioffe & Szegedy 2015) over every axis but the channels.

    Its parameter group holds the learned ``scale``, ``bias`` and the **state** ``mean``,
    ``var`` (running statistics, declared :class:`~catlearn.core.state.StateSpec`).
    Compiled (``compile``, ``predict``, ``evaluate``), the box is the inference map with
    the running statistics. :func:`catlearn.training.fit` trains it with the batch
    statistics and updates the running ones (:math:`m \leftarrow \rho m + (1 - \rho)\mu_B`)
    at every step, threading them as explicit state like ``equinox.nn.BatchNorm`` with
    ``eqx.nn.State``; :func:`apply_stateful` is that training forward pass on its own.
    Without ``name``, the box is anonymous (``batchnorm_0``, ``batchnorm_1``, ... when
    compiled); a BatchNorm used twice shares its parameters.

    >>> BatchNorm(Euclid(4, 4, 8), name="bn").cod
    Euclid(4, 4, 8)
    """
    e = _euclid(x, "BatchNorm")
    if not 0.0 <= float(momentum) < 1.0 or not float(eps) > 0.0:
        raise HyperparameterError(
            f"Expected momentum in [0, 1) and eps > 0 for BatchNorm, got momentum={momentum!r}, "
            f"eps={eps!r}."
        )
    return layer_box(name, "batchnorm", e, e, BatchNormSpec(float(eps), float(momentum)))


def _bcast(v: Any, x: Any) -> Any:
    """A per-channel vector shaped to broadcast against ``x`` (channels last)."""
    return jnp.reshape(v, (1,) * (jnp.ndim(x) - 1) + (-1,))


def apply_stateful(
    diagram: Diagram | Box,
    params: Params,
    xs: WireValue,
    *,
    train: bool = True,
    key: jax.Array | None = None,
) -> tuple[Any, Any]:
    r"""Run a diagram on a batch ``xs`` with batch normalisation's state explicit:
    returns ``(outputs, new_params)``.

    With ``train=True`` every :func:`BatchNorm` normalises with the batch statistics
    :math:`\mu_B, \sigma^2_B` (over the batch and spatial axes) and its state in
    ``new_params`` is updated, :math:`m \leftarrow \rho m + (1-\rho)\mu_B` (and likewise
    the variance); other boxes run their compiled semantics (``jax.vmap`` over the batch).
    This is :func:`catlearn.core.state.apply_train` on ``compile(diagram)``, the forward
    pass that :func:`catlearn.training.fit` trains such a model with.
    With ``train=False`` the running statistics are used and ``new_params is params``.
    Differentiable: ``jax.value_and_grad(lambda p: loss(apply_stateful(d, p, x)[0]),
    has_aux=...)`` gives the usual training step.

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.diagrams.compiler import compile
    >>> d = BatchNorm(Euclid(3), name="bn", momentum=0.5)
    >>> p = compile(d).init(jax.random.key(0))
    >>> y, p2 = apply_stateful(d, p, jnp.array([[0.0, 1, 2], [2.0, 3, 4]]))
    >>> y.round(3).tolist(), p2["bn"]["mean"].tolist()
    ([[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]], [0.5, 1.0, 1.5])
    """
    from catlearn.diagrams.compiler import compile

    model = compile(diagram)
    if not train:
        return model.apply_batch(params, xs, key=key), params
    ys, state = apply_train(model, params, xs, key=key)
    return ys, with_state(params, state)
