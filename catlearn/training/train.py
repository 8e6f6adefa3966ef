r"""Training a Para arrow: one jitted step, epochs fused with ``lax.scan``, history, sharding.

A model is an arrow :math:`(P, f) : A \to B` of Para acting on one example; a loss
:math:`e : B \times B' \to \mathbb{R}` and an optimiser turn it into gradient descent. This is
the functor :math:`L_{\varepsilon, e}` of Fong, Spivak, Tuyéras, *Backprop as Functor*,
with the update :math:`p \mapsto p - \varepsilon \nabla_p \tfrac1B \sum_i e(f(p, a_i), b_i)`
generalised to any optimiser (Cruttwell et al., *Categorical Foundations of Gradient-Based
Learning*: optimisers are lenses; any ``optax.GradientTransformation`` goes here, and
catlearn's optimiser lenses arrive through their :func:`to_optax() <to_optax>`).

This step is the jitted evaluation of the composite parametric lens
:math:`\mathrm{reparam}_{\mathrm{opt}}((\mathrm{model} \otimes 1) ; \mathrm{loss} ; \alpha)` of
Cruttwell et al. (:func:`catlearn.core.step.supervised_step`): on the same minibatches the two
agree bit for bit (``tests/test_step.py``, SGD and Adam, float32). Losses by name are the per-example vocabulary
:data:`catlearn.core.losses.LOSSES`, averaged over the batch.

The code is what one writes by hand in JAX: the batch is ``jax.vmap`` of the per-example
arrow, the step is ``jax.value_and_grad`` plus the optax update, the minibatches of an epoch
are a ``jax.lax.scan`` over a shuffled permutation (keys explicit), and the whole of an epoch
(or of several, ``epochs_per_call``) is one ``jax.jit`` call: no Python and no host transfer
per step.

>>> sorted(LOSSES)
['absolute', 'binary_cross_entropy', 'half_sse', 'huber', 'mse', 'sigmoid_binary_cross_entropy', 'softmax_cross_entropy', 'squared']

(:func:`fit` below has a runnable example; the notebook "From diagram to XLA" walks through
the whole path.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh

from catlearn import errors
from catlearn.core import losses as core_losses
from catlearn.core.loop import check_batch, compile_epochs, run_epochs, warn_interrupted
from catlearn.core.losses import batch_loss, get_loss
from catlearn.core.optim import Optimiser, as_optax
from catlearn.core.para import Para, Params, WireValue
from catlearn.core.state import apply_train, with_state
from catlearn.errors import DataError, HyperparameterError, NonFiniteError
from catlearn.training._history import empty_history
from catlearn.training._validate import (
    check_data,
    check_inputs,
    check_optimizer,
    check_params_finite,
    check_targets,
    leading,
)
from catlearn.training.checkpoint import Checkpointing, FlatState
from catlearn.training.sharding import DATA_AXIS, data_mesh, replicate

__all__ = [
    "LOSSES",
    "FitResult",
    "accuracy",
    "binary_cross_entropy",
    "evaluate",
    "fit",
    "half_sse",
    "mse",
    "predict",
    "softmax_cross_entropy",
    "train_step",
]

Loss = Callable[[Any, Any], jax.Array]


# --- losses: the vocabulary of catlearn.core.losses, per example, lifted to batches ----------

LOSSES: dict[str, Loss] = {name: batch_loss(name) for name in core_losses.LOSSES}
"""Losses known by name to :func:`fit` and :func:`evaluate`: each is
``catlearn.core.losses.LOSSES[name]`` (the function the loss lenses use, defined once per
example) run on a minibatch by ``jax.vmap``; the step takes the mean over the batch."""

softmax_cross_entropy = LOSSES["softmax_cross_entropy"]
mse = LOSSES["mse"]
half_sse = LOSSES["half_sse"]
binary_cross_entropy = LOSSES["binary_cross_entropy"]


def resolve_loss(loss: str | Loss) -> Loss:
    """The batch loss of a name of :data:`LOSSES` (the one object per name, so compiled
    programs keyed by it are shared), or a callable as it is; anything else is a
    :class:`~catlearn.errors.HyperparameterError`."""
    if isinstance(loss, str):
        get_loss(loss)  # raises HyperparameterError naming the vocabulary
        return LOSSES[loss]
    if not callable(loss):
        raise HyperparameterError(f"Expected a loss name or a callable, got {loss!r}.")
    return loss


def _mean_loss(loss: Loss, pred: Any, target: Any) -> jax.Array:
    value = jnp.asarray(loss(pred, target))
    return jnp.mean(value) if value.ndim else value


def _accuracy(pred: jax.Array, target: jax.Array) -> jax.Array:
    # arg-max class; a single output is a probability thresholded at 1/2
    guess = (pred[..., 0] > 0.5) if pred.shape[-1] == 1 else jnp.argmax(pred, -1)
    if target.ndim == pred.ndim:  # one-hot or probability targets
        target = (target[..., 0] > 0.5) if target.shape[-1] == 1 else jnp.argmax(target, -1)
    elif jnp.issubdtype(target.dtype, jnp.floating):
        target = jnp.round(target)
    return jnp.mean(guess.astype(jnp.int32) == target.astype(jnp.int32))


def _resolve_metric(metric: str | Loss | None) -> Loss | None:
    if metric is None:
        return None
    if metric == "accuracy":
        return _accuracy
    if isinstance(metric, str) and metric in LOSSES:
        return LOSSES[metric]
    if callable(metric):
        return metric
    raise HyperparameterError(
        f"Expected metric='accuracy', a loss name, a callable(pred, target) or None, "
        f"got {metric!r}."
    )


def _resolve_optimizer(optimizer: Any) -> optax.GradientTransformation:
    return as_optax(optimizer)  # optax as it is; catlearn's optimisers through to_optax


# --- the step ----------------------------------------------------------------------------------


def _forward(model: Para, params: Any, xb: Any, key: jax.Array | None) -> Any:
    # vmap of the per-example arrow (shape checks happen at trace time, free under jit)
    return model.apply_batch(params, xb, key=key if model.stochastic else None)


def _step_fn(
    model: Para,
    loss: Loss,
    opt: optax.GradientTransformation,
    metric: Loss | None = None,
    axis: str | None = None,
) -> Callable[..., Any]:
    """(params, opt_state, xb, yb, key) -> (params, opt_state, loss, metric)."""

    def objective(params: Any, xb: Any, yb: Any, key: Any) -> tuple[jax.Array, Any]:
        pred, state = apply_train(model, params, xb, key=key)  # state: BatchNorm's statistics
        return _mean_loss(loss, pred, yb), (pred, state)

    def step(params: Any, opt_state: Any, xb: Any, yb: Any, key: Any) -> tuple[Any, ...]:
        (value, (pred, state)), grads = jax.value_and_grad(objective, has_aux=True)(
            params, xb, yb, key
        )
        m = jnp.zeros(()) if metric is None else _mean_loss(metric, pred, yb)
        if axis is not None:  # data parallel: all-reduce the mean gradient, loss, metric, state
            grads, value, m, state = jax.lax.pmean(  # type: ignore[no-untyped-call]
                (grads, value, m, state), axis
            )
        updates, opt_state = opt.update(grads, opt_state, params)
        return with_state(optax.apply_updates(params, updates), state), opt_state, value, m

    return step


def train_step(
    model: Para, *, loss: str | Loss, optimizer: optax.GradientTransformation | Optimiser
) -> Callable[..., Any]:
    r"""The jitted step ``(params, opt_state, x, y[, key]) -> (params, opt_state, loss)``.

    One ``jax.jit`` over forward (``vmap`` of the per-example arrow), the mean loss
    :math:`\tfrac1B \sum_i e(f(p, x_i), y_i)`, ``jax.value_and_grad`` and the optax update:
    the same code as hand-written JAX (see ``benchmarks/``).

    >>> import optax
    >>> from catlearn.core.types import Euclid
    >>> model = Para.linear(Euclid(2), Euclid(1), name="fc")
    >>> opt = optax.sgd(0.1)
    >>> step = train_step(model, loss="mse", optimizer=opt)
    >>> params = model.init(jax.random.key(0))
    >>> params, state, value = step(params, opt.init(params), jnp.ones((4, 2)), jnp.zeros((4, 1)))
    >>> value.shape
    ()
    """
    inner = _step_fn(model, resolve_loss(loss), _resolve_optimizer(optimizer))

    @jax.jit
    def step(params: Any, opt_state: Any, x: Any, y: Any, key: Any = None) -> tuple[Any, ...]:
        params, opt_state, value, _ = inner(params, opt_state, x, y, key)
        return params, opt_state, value

    return step


# --- fit ---------------------------------------------------------------------------------------


@dataclass
class FitResult:
    """What :func:`fit` returns: final parameters, optimiser state and per-epoch history.

    ``history`` maps ``"loss"`` (mean training loss of each epoch) and, when asked for,
    ``"metric"``, ``"val_loss"``, ``"val_metric"`` to lists of floats, one per epoch.

    >>> FitResult({}, (), {"loss": [0.5]}).history["loss"]
    [0.5]
    """

    params: Params
    opt_state: optax.OptState
    history: dict[str, list[float]] = field(default_factory=dict)
    step_losses: np.ndarray | None = None
    """Every step's loss, shape ``(epochs, steps_per_epoch)``."""
    interrupted: bool = False
    """A ``KeyboardInterrupt`` (Ctrl-C) stopped the fit: this is the last completed call's
    result (``epochs_per_call`` epochs per call), with the history of the epochs run."""


@lru_cache(maxsize=32)
def _epochs_fn(
    model: Para,
    loss: Loss,
    opt: optax.GradientTransformation,
    metric: Loss | None,
    n: int,
    batch: int,
    guard: bool,
    mesh: Mesh | None,
) -> Callable[..., Any]:
    """The jitted epochs of :func:`fit` (:func:`catlearn.core.loop.compile_epochs`), cached:
    the step's out is ``(loss, metric)``, each epoch ends with the validation loss and metric."""
    inner = _step_fn(model, loss, opt, metric, None if mesh is None else DATA_AXIS)

    def step(params: Any, opt_state: Any, batch: Any, key: Any) -> tuple[Any, Any, Any]:
        params, opt_state, value, m = inner(params, opt_state, *batch, key)
        return params, opt_state, (value, m)

    def end(params: Any, key: Any, validation: Any) -> tuple[jax.Array, jax.Array]:
        if validation is None:
            return jnp.zeros(()), jnp.zeros(())
        Xv, yv = validation
        pred = _forward(model, params, Xv, key)
        m = jnp.zeros(()) if metric is None else _mean_loss(metric, pred, yv)
        return _mean_loss(loss, pred, yv), m

    return compile_epochs(step, batch_size=batch, guard=guard, end=end, mesh=mesh, axis=DATA_AXIS)


def fit(
    model: Para,
    params: Params,
    data: tuple[WireValue, WireValue],
    *,
    loss: str | Loss,
    optimizer: optax.GradientTransformation | Optimiser,
    epochs: int = 1,
    batch_size: int = 32,
    key: jax.Array,
    opt_state: optax.OptState | FlatState | None = None,
    metric: str | Loss | None = None,
    validation: tuple[WireValue, WireValue] | None = None,
    progress: bool = True,
    allow_nonfinite: bool = False,
    epochs_per_call: int = 1,
    devices: int | Sequence[jax.Device] | None = None,
    mesh: Mesh | None = None,
    initial_epoch: int = 0,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
) -> FitResult:
    r"""Train ``model`` on ``data = (X, y)`` by minibatch gradient descent.

    Each step is :math:`p \leftarrow \mathrm{opt}(p, \nabla_p \tfrac1B \sum_{i \in
    \mathrm{batch}} e(f(p, x_i), y_i))` (the learner :math:`L_{\varepsilon,e}(f)` of
    *Backprop as Functor*, with any optimiser). Every epoch draws a fresh permutation from
    ``key`` and runs ``len(X) // batch_size`` steps in one ``jax.lax.scan`` (the remainder
    of an epoch is skipped; it is in other epochs' batches). ``epochs_per_call`` epochs are
    fused into one jitted call (``epochs_per_call=epochs``: the whole fit is one call).
    Ctrl-C (``KeyboardInterrupt``) during the fit does not lose the run: ``fit`` warns and
    returns the last completed call's result with ``interrupted=True`` (and saves it, given a
    ``checkpoint`` path).

    Parameters
    ----------
    model, params:
        A Para arrow acting on one example, and its parameters (``model.init(key)``).
    data:
        ``(X, y)``: X of shape ``(n, *model.dom)`` (a tuple for several input wires), y the
        targets: integer labels ``0..k-1`` or an array shaped like the output.
    loss:
        A name of the one loss/error vocabulary :data:`catlearn.core.losses.LOSSES` (the same
        function as ``gradient_learner(error=name)``, ``supervised_step(loss=name)`` and
        ``fit_functor(loss=name)``), or a callable ``loss(pred, target)`` on a batch returning
        per-example losses or their mean.
    optimizer:
        An ``optax.GradientTransformation`` or a catlearn optimiser
        (:mod:`catlearn.core.optim`; :func:`~catlearn.core.optim.as_optax`).
    key:
        PRNG key for shuffling (and for stochastic boxes such as dropout).
    opt_state:
        Optimiser state to resume from (e.g. ``checkpoint.load(path).opt_state``, with or
        without ``like=``).
    epochs:
        The **total** number of epochs, counting those before ``initial_epoch``: ``fit`` runs
        epochs ``initial_epoch .. epochs - 1``, so resuming a 10-epoch run after epoch 3 is
        ``epochs=10, initial_epoch=3`` (7 more epochs), not ``epochs=7``.
    initial_epoch:
        Resume at this epoch (e.g. ``checkpoint.load(path).step``): runs epochs
        ``initial_epoch .. epochs - 1`` with the same keys as an uninterrupted run, so a
        resumed fit equals it bit for bit (history holds the resumed epochs only).
        ``initial_epoch >= epochs`` would train nothing and is a
        :class:`~catlearn.errors.HyperparameterError`.
    metric:
        ``"accuracy"``, a loss name or a callable; averaged per epoch (and on ``validation``).
    progress:
        Show a tqdm bar with the epoch's loss (and metric).
    allow_nonfinite:
        Keep going when the loss becomes NaN/inf (otherwise :class:`NonFiniteError` names the
        epoch and step; its ``.result`` holds the last finite parameters).
    devices, mesh:
        Data-parallel training: the batch is split across these devices
        (see :mod:`catlearn.training.sharding`; ``batch_size`` must be a multiple of their number).
    checkpoint, checkpoint_every:
        Save ``(params, opt_state)`` there with :func:`catlearn.training.checkpoint.save`
        (``step`` = epochs done) at the end and every ``checkpoint_every`` epochs (at the end
        of the call that reaches it), the policy of
        :class:`~catlearn.training.checkpoint.Checkpointing` that ``fit_functor`` shares;
        resume with ``checkpoint.load(path)``'s ``params``, ``opt_state`` and
        ``initial_epoch=step``.

    Examples
    --------
    >>> import optax
    >>> from catlearn.core.types import Euclid
    >>> model = Para.linear(Euclid(4), Euclid(3), name="fc")
    >>> X = jax.random.normal(jax.random.key(0), (30, 4)); y = jnp.argmax(X[:, :3], axis=1)
    >>> r = fit(model, model.init(jax.random.key(1)), (X, y), loss="softmax_cross_entropy",
    ...         optimizer=optax.adam(0.05), epochs=30, batch_size=10, key=jax.random.key(2),
    ...         metric="accuracy", progress=False)
    >>> len(r.history["loss"]), bool(r.history["metric"][-1] > 0.8)
    (30, True)
    """
    if not isinstance(model, Para):
        raise errors.ArgumentTypeError(
            f"Expected a catlearn Para arrow as the model, got {model!r}; build one with "
            "Para(...), the nn layers, or compile(diagram)."
        )
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise DataError("Expected data=(X, y), a pair of inputs and targets.")
    _check_epochs(epochs, initial_epoch)
    saving = Checkpointing.of(checkpoint, checkpoint_every, {"kind": "fit"})
    model.check_params(params)
    check_params_finite(params)
    check_data(data[1], "training targets y")
    if validation is not None:
        check_data(tuple(validation), "validation data")
    loss_fn, metric_fn = resolve_loss(loss), _resolve_metric(metric)
    opt = _resolve_optimizer(optimizer)
    X = check_inputs(model, data[0], "training")
    n = leading(X)
    if mesh is not None or devices is not None:
        mesh = data_mesh(mesh if mesh is not None else devices)
    check_batch(n, batch_size, 1 if mesh is None else mesh.shape[DATA_AXIS])
    y = check_targets(model, data[1], loss, n, "training")
    Xv = yv = None
    if validation is not None:
        Xv = check_inputs(model, validation[0], "validation")
        if leading(Xv) == 0:
            raise DataError("Expected a non-empty validation set, got 0 examples.")
        yv = check_targets(model, validation[1], loss, leading(Xv), "validation")
    if opt_state is None:
        opt_state = opt.init(params)
    elif isinstance(opt_state, FlatState):  # read from a checkpoint without like=
        opt_state = opt_state.unflatten(opt.init(params))
    check_optimizer(opt, params, opt_state)
    if mesh is not None:
        params, opt_state, X, y, Xv, yv = replicate((params, opt_state, X, y, Xv, yv), mesh)
    run = _epochs_fn(model, loss_fn, opt, metric_fn, n, int(batch_size), not allow_nonfinite, mesh)

    def postfix(outs: Any, ends: Any) -> dict[str, str]:
        return {k: f"{v[-1]:.4g}" for k, v in _history(outs, ends, metric_fn, Xv).items()}

    out = run_epochs(
        run,
        params,
        opt_state,
        (X, y),
        epochs=epochs,
        key=key,
        extra=None if Xv is None else (Xv, yv),
        initial_epoch=initial_epoch,
        epochs_per_call=epochs_per_call,
        progress=progress,
        desc="fit",
        stop_on_nonfinite=not allow_nonfinite,
        postfix=postfix,
        on_call=saving.after,
        catch_interrupt=True,
    )
    if out.interrupted:
        warn_interrupted("fit", initial_epoch + out.done, epochs)
    if out.bad is None:
        saving.save(initial_epoch + out.done, out.params, out.opt_state)
    if out.outs is None:
        steps = np.zeros((0, n // batch_size))
        history = _history(None, None, metric_fn, Xv)
        return FitResult(out.params, out.opt_state, history, steps, out.interrupted)
    outs, ends = jax.tree_util.tree_map(lambda a: a[: out.done], (out.outs, out.ends))
    history = _history(outs, ends, metric_fn, Xv)
    result = FitResult(out.params, out.opt_state, history, out.outs[0], out.interrupted)
    if out.bad is not None:
        e, s = out.bad
        err = NonFiniteError(
            f"The training loss became {out.outs[0][e - initial_epoch, s]} at epoch {e + 1}, "
            f"step {s + 1} (of {out.outs[0].shape[1]} per epoch). Expected finite losses: "
            "lower the learning rate, check the data for NaN/inf, or pass "
            "allow_nonfinite=True to keep training. The parameters of the last finite step "
            "are in this error's .result."
        )
        err.result = result  # type: ignore[attr-defined]
        raise err
    return result


def _check_epochs(epochs: Any, initial_epoch: Any) -> None:
    """``epochs`` is the total: at least one epoch must remain after ``initial_epoch``."""
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise HyperparameterError(
                f"Expected {name} to be a non-negative int, got {value!r} instead; pass e.g. "
                f"epochs=10, initial_epoch=0."
            )
    if initial_epoch >= epochs:
        raise HyperparameterError(
            f"Expected initial_epoch < epochs, got initial_epoch={initial_epoch} and "
            f"epochs={epochs}: epochs is the total number of epochs, counting those before "
            f"initial_epoch, so this would train nothing. To train {max(epochs, 1)} more "
            f"epochs after epoch {initial_epoch}, pass epochs={initial_epoch + max(epochs, 1)}."
        )


def _history(outs: Any, ends: Any, metric: Loss | None, Xv: Any) -> dict[str, list[float]]:
    """Per-epoch means of the steps' losses and metrics, and the validation values."""
    history = empty_history(metric is not None, Xv is not None)
    if outs is None:
        return history
    (losses, ms), (vl, vm) = outs, ends
    for i in range(len(losses)):
        history["loss"].append(float(np.mean(losses[i])))
        if metric is not None:
            history["metric"].append(float(np.mean(ms[i])))
        if Xv is not None:
            history["val_loss"].append(float(vl[i]))
            if metric is not None:
                history["val_metric"].append(float(vm[i]))
    return history


# --- evaluation --------------------------------------------------------------------------------


@partial(jax.jit, static_argnums=(0,))
def _predict_jit(model: Para, params: Any, X: Any, key: Any) -> Any:
    return _forward(model, params, X, key)


def predict(model: Para, params: Params, X: WireValue, *, key: jax.Array | None = None) -> Any:
    """The model's outputs on a batch ``X`` (``jax.vmap`` of the per-example arrow, jitted).

    >>> from catlearn.core.types import Euclid
    >>> model = Para.linear(Euclid(2), Euclid(3), name="fc")
    >>> predict(model, model.init(jax.random.key(0)), jnp.ones((5, 2))).shape
    (5, 3)
    """
    errors.expect_type(model, Para, "the model", "build one with Para(...) or compile(diagram)")
    model.check_params(params)
    X = check_inputs(model, X, "prediction")
    if model.stochastic and key is None:
        key = jax.random.key(0)
    return _predict_jit(model, params, X, key)


def evaluate(
    model: Para,
    params: Params,
    data: tuple[WireValue, WireValue],
    *,
    loss: str | Loss | None = None,
    metric: str | Loss | None = "accuracy",
    key: jax.Array | None = None,
) -> dict[str, float]:
    r"""Mean loss and metric of ``model`` on ``data = (X, y)``, e.g.
    :math:`\tfrac1n \sum_i [\arg\max f(p, x_i) = y_i]` for ``metric="accuracy"``.

    >>> from catlearn.core.types import Euclid
    >>> model = Para.linear(Euclid(2), Euclid(2), name="fc")
    >>> params = {"fc": {"W": jnp.eye(2), "b": jnp.zeros(2)}}
    >>> evaluate(model, params, (jnp.eye(2), jnp.array([0, 1])), loss="softmax_cross_entropy")
    {'loss': 0.31..., 'accuracy': 1.0}
    """
    errors.expect_type(model, Para, "the model", "build one with Para(...) or compile(diagram)")
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise DataError("Expected data=(X, y), a pair of inputs and targets.")
    check_data(data[1], "evaluation targets y")
    X = check_inputs(model, data[0], "evaluation")
    n = leading(X)
    if n == 0:
        raise DataError("Expected a non-empty data set to evaluate on, got 0 examples.")
    check_as = loss if isinstance(loss, str) else None
    if (
        check_as is None
        and metric == "accuracy"
        and len(model.cod) == 1
        and getattr(model.cod[0], "shape", ())[-1:] != (1,)
    ):
        check_as = "softmax_cross_entropy"  # integer labels: check their range
    y = check_targets(model, data[1], check_as, n, "evaluation")
    pred = predict(model, params, X, key=key)
    out: dict[str, float] = {}
    if loss is not None:
        out["loss"] = float(_mean_loss(resolve_loss(loss), pred, y))
    metric_fn = _resolve_metric(metric)
    if metric_fn is not None:
        out[metric if isinstance(metric, str) else "metric"] = float(_mean_loss(metric_fn, pred, y))
    return out


def accuracy(model: Para, params: Params, X: WireValue, y: WireValue) -> float:
    r"""Fraction of examples whose arg-max output is the label:
    :math:`\tfrac1n \sum_i [\arg\max_k f(p, x_i)_k = y_i]`.

    >>> from catlearn.core.types import Euclid
    >>> model = Para.linear(Euclid(2), Euclid(2), name="fc")
    >>> params = {"fc": {"W": jnp.eye(2), "b": jnp.zeros(2)}}
    >>> accuracy(model, params, jnp.eye(2), jnp.array([0, 0]))
    0.5
    """
    return evaluate(model, params, (X, y), metric="accuracy")["accuracy"]
