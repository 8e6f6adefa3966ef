r"""State in parameters: running statistics (batch normalisation) threaded explicitly.

Some layers carry **state** next to their trained parameters: arrays that gradient descent
does not train but that the forward pass updates while training, e.g. the running mean and
variance of batch normalisation (Ioffe & Szegedy 2015). As with ``equinox.nn.State`` (and
flax's ``batch_stats`` collection) the state is explicit data: here it lives in the
parameter dictionary, each state array declared by a :class:`StateSpec` (a
:class:`~catlearn.core.para.ParamSpec` that also says how a training batch updates it).

Two modes of one model:

* **inference** (:meth:`Para.apply`/``apply_batch``, ``predict``, ``evaluate``, validation):
  the layer reads its state (the running statistics), under ``stop_gradient``;
* **training** (:func:`apply_train`, which :func:`catlearn.training.fit` uses when the
  model has state): the program of the model runs one box at a time on the whole batch,
  each box ``jax.vmap``-ed with the named axis :data:`BATCH_AXIS`. A stateful box sees the
  batch through that axis (:func:`in_training`, :func:`batch_mean`: batch statistics via
  ``jax.lax.pmean``, as in ``equinox.nn.BatchNorm(axis_name=...)``), and each of its
  :class:`StateSpec` arrays is updated from the box's batch input by ``StateSpec.update``.
  :func:`apply_train` returns the outputs and the new state; the training step writes the
  new state into the parameters after the optimiser's update (:func:`with_state`), so
  the optimiser never changes state (its gradient is 0, and it is overwritten anyway).

>>> import jax, jax.numpy as jnp
>>> from catlearn.core.para import Para, ParamSpec
>>> from catlearn.core.types import Euclid
>>> def center(p, x):  # subtract the batch mean in training, the running mean otherwise
...     return x - (batch_mean(x) if in_training() else jax.lax.stop_gradient(p["m"]))
>>> def update(group, xs):  # running mean, momentum 1/2
...     return 0.5 * group["m"] + 0.5 * jnp.mean(xs, axis=0)
>>> f = Para(Euclid(1), Euclid(1), {"m": StateSpec((1,), update=update)}, center, name="c")
>>> p = f.init(jax.random.key(0))
>>> ys, state = apply_train(f, p, jnp.array([[1.0], [3.0]]))
>>> ys.tolist(), state
([[-1.0], [1.0]], {'c': {'m': Array([1.], dtype=float32)}})
>>> f.apply_batch(with_state(p, state), jnp.array([[1.0], [3.0]])).tolist()   # inference
[[0.0], [2.0]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from catlearn import errors
from catlearn.core._category import flatten
from catlearn.core.para import Para, Params, ParamSpec, WireValue
from catlearn.core.program import evaluate

__all__ = [
    "BATCH_AXIS",
    "StateSpec",
    "apply_train",
    "batch_mean",
    "has_state",
    "in_training",
    "with_state",
]

BATCH_AXIS = "catlearn_batch"
"""The name of the batch axis in training mode (bound by :func:`apply_train`)."""

Update = Callable[[Any, Any], jax.Array]  # (the box's parameter group, its batch input) -> new


@dataclass(frozen=True)
class StateSpec(ParamSpec):
    """A parameter array that is **state**: not trained by gradients, updated by training.

    ``update(group, xs)`` gives the new value from the box's parameter group (the current
    values) and the box's input on the training batch ``xs`` (leading axis: the batch).

    >>> StateSpec((3,)).initialise(jax.random.key(0)).tolist()
    [0.0, 0.0, 0.0]
    """

    update: Update | None = field(default=None, compare=False)


def _is_state(x: Any) -> bool:
    return isinstance(x, StateSpec)


def _is_spec(x: Any) -> bool:
    return isinstance(x, ParamSpec)


def has_state(model: Para) -> bool:
    """Whether some parameter of ``model`` is declared a :class:`StateSpec`.

    >>> from catlearn.core.types import Euclid
    >>> has_state(Para.linear(Euclid(2), Euclid(1), name="fc"))
    False
    """
    leaves = jax.tree_util.tree_leaves(model.spec, is_leaf=_is_spec)
    return any(_is_state(s) for s in leaves)


def in_training(axis: str = BATCH_AXIS) -> bool:
    """Whether the caller runs in training mode: under :func:`apply_train`, i.e. inside a
    ``jax.vmap`` that binds the batch axis (a trace-time question, free under ``jit``).

    >>> in_training()
    False
    """
    try:
        jax.lax.axis_index(axis)
    except NameError:
        return False
    return True


def batch_mean(x: ArrayLike, axis: str = BATCH_AXIS) -> jax.Array:
    """The mean of one example's ``x`` over its leading (spatial) axes and over the batch,
    per channel (the last axis): batch normalisation's :math:`\\mu_B`. Only in training
    mode (:func:`in_training`).

    >>> jax.vmap(batch_mean, axis_name=BATCH_AXIS)(jnp.array([[1.0, 2.0], [3.0, 6.0]]))
    Array([[2., 4.],
           [2., 4.]], dtype=float32)
    """
    x = jnp.asarray(x)
    mean: jax.Array = jax.lax.pmean(  # type: ignore[no-untyped-call]  # jax leaves pmean unannotated
        jnp.mean(x, axis=tuple(range(x.ndim - 1))), axis
    )
    return mean


def with_state(params: Params, state: Params) -> Params:
    """``params`` with the state arrays replaced by those of ``state`` (nested dictionaries
    holding only the new values of the :class:`StateSpec` arrays, as :func:`apply_train`
    returns them; every other array is kept); ``params`` itself when ``state`` is empty.

    >>> with_state({"bn": {"scale": 1.0, "mean": 0.0}, "fc": 2.0}, {"bn": {"mean": 5.0}})
    {'bn': {'scale': 1.0, 'mean': 5.0}, 'fc': 2.0}
    """
    if not isinstance(params, dict) or not isinstance(state, dict):
        raise errors.ArgumentTypeError(
            f"Expected parameter and state dictionaries, got {type(params).__name__} and "
            f"{type(state).__name__}; pass model.init(key) and the state apply_train returned."
        )
    if not state:
        return params
    missing = [k for k in state if k not in params]
    if missing:
        raise errors.ParamsError(
            f"Expected the state's groups {missing} among the parameters {sorted(params)}; "
            "pass the state of the same model."
        )
    out = dict(params)
    for k, v in state.items():
        out[k] = with_state(params[k], v) if isinstance(v, dict) else v
    return out


def _new_state(spec: Any, group: Any, value: Any, xs: Any) -> Any:
    """The new values of the state arrays under ``spec`` (nested dicts of them), or None."""
    if isinstance(spec, dict):
        sub = {k: _new_state(spec[k], group, value[k], xs) for k in spec}
        sub = {k: v for k, v in sub.items() if v is not None}
        return sub or None
    if _is_state(spec) and spec.update is not None:
        return spec.update(group, xs)
    return None


def apply_train(
    model: Para, params: Params, xs: WireValue, *, key: jax.Array | None = None
) -> tuple[Any, Params]:
    """Run ``model`` on the batch ``xs`` in training mode: ``(outputs, new_state)``.

    Each box of the model's flat program runs on the whole batch (``jax.vmap`` over the
    examples, binding :data:`BATCH_AXIS`), with the same per-example keys as
    ``model.apply_batch`` for stochastic boxes. ``new_state`` maps the parameter group of
    every box with :class:`StateSpec` arrays to the new values of those arrays only (merge
    them into the parameters with :func:`with_state`); it is ``{}`` for a model without state, whose outputs then are
    ``model.apply_batch(params, xs, key=key)`` exactly. Differentiable in ``params``.

    >>> from catlearn.core.para import Para
    >>> from catlearn.core.types import Euclid
    >>> f = Para.linear(Euclid(2), Euclid(1), name="fc")
    >>> ys, state = apply_train(f, f.init(jax.random.key(0)), jnp.ones((3, 2)))
    >>> ys.shape, state
    ((3, 1), {})
    """
    errors.expect_type(model, Para, "the model", "pass a Para arrow, e.g. compile(diagram)")
    if not has_state(model):
        return model.apply_batch(params, xs, key=key if model.stochastic else None), {}
    model.check_params(params)
    model.dom.check(xs, batch_dims=1, what="input")
    program = flatten(model)
    n = jax.tree_util.tree_leaves(xs)[0].shape[0]
    slots: list[int] = []
    n_keys = 0
    for box, _, _ in program.instructions:
        slots.append(n_keys if box.stochastic else -1)
        n_keys += bool(box.stochastic)
    if n_keys and key is None:
        raise errors.ArgumentValueError(
            f"Expected a key for the stochastic {model!r}, got key=None; pass "
            "key=jax.random.key(0)."
        )
    example_keys = jax.random.split(key, n) if n_keys and key is not None else None
    state: Params = {}

    def apply(i: int, box: Any, vals: list[Any]) -> Any:
        single = len(box.dom) == 1 and len(box.cod) == 1
        x = vals[0] if single else box.dom.join(vals)
        if slots[i] >= 0:
            ks = jax.vmap(lambda k: jax.random.split(k, n_keys)[slots[i]])(example_keys)
            y = jax.vmap(lambda a, k: box._call(params, a, k), axis_name=BATCH_AXIS)(x, ks)
        else:
            y = jax.vmap(lambda a: box._call(params, a, None), axis_name=BATCH_AXIS)(x)
        for name, spec in box.spec.items():
            new = _new_state(spec, params[name], params[name], x)
            if new is not None:
                state[name] = new
        return (y,) if single else box.cod.split(y)

    env = evaluate(program, model.dom.split(xs), apply)
    return model.cod.join([env[s] for s in program.outputs]), state
