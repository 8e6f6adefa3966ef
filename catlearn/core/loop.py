r"""The one training loop: epochs of keyed minibatches, each epoch one ``lax.scan``, one ``jit``.

Every iterative learner in catlearn is a **step** on a carried state, run over minibatches of
a data set for some epochs:

.. math::
   (p_{t+1}, s_{t+1}, \ell_t) = \mathrm{step}(p_t, s_t, D_{\pi_e(B t) : \pi_e(B t + B)}, k_t),

with :math:`p` the parameters, :math:`s` the optimiser state (``()`` when the update rule
carries none), :math:`D` the data (a pytree with a leading axis of :math:`n` examples),
:math:`B` the batch size, :math:`\pi_e` the order of epoch :math:`e` (a permutation drawn
from the epoch's key, or the identity) and :math:`k_t` the step's key. This is the update of
a learner :math:`U` of Fong, Spivak, Tuyéras (*Backprop as Functor*) iterated over a stream,
i.e. the learner read as a Moore machine (Spivak, *Learners' languages*); for gradient
descent with an optimiser the step is the jitted put of the supervised-step lens of Cruttwell
et al. (:mod:`catlearn.core.step`).

:func:`compile_epochs` fuses the steps of an epoch into one ``jax.lax.scan`` and several
epochs into another, under one ``jax.jit`` (and ``shard_map`` for data parallelism):
no Python and no host transfer per step. :func:`run_epochs` is the host side: epoch keys,
``epochs_per_call`` epochs per call, a tqdm bar, and the first non-finite loss. Its users are
:func:`catlearn.training.fit` (optax step, metrics, validation), the maximum-likelihood fit
:func:`catlearn.probability.fit_likelihood` (full-batch learner updates), reverse derivative
ascent :func:`catlearn.boolean.rda_fit` (one example per step, in Z_2) and the learner's
Moore machine :func:`catlearn.core.dynamics.run`.

Keys: epoch :math:`e` of a run keyed by ``key`` uses ``k_e = jax.random.split(key, epochs)[e]``,
split as ``(order, steps) = jax.random.split(k_e)``; the order is
``jax.random.permutation(order, n)`` (the last ``n mod B`` examples of it are skipped: they
fall in other epochs' batches) and step ``t`` gets ``jax.random.split(steps, n // B)[t]``. So
a run resumed at epoch ``e`` equals the uninterrupted one bit for bit.

>>> import jax, jax.numpy as jnp
>>> def step(p, s, x, key):  # gradient descent on the mean of (p - x)^2 / 2
...     return p - 0.5 * (p - jnp.mean(x)), s, 0.5 * jnp.mean((p - x) ** 2)
>>> run = compile_epochs(step, batch_size=4, shuffle=False)
>>> out = run_epochs(run, jnp.float32(0.0), (), jnp.full(4, 2.0), epochs=3)
>>> out.params, out.outs.ravel().tolist()  # p_e = 2 - 2 * (1/2)^e, loss (p_e - 2)^2 / 2
(Array(1.75, dtype=float32), [2.0, 0.5, 0.125])
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, PartitionSpec

from catlearn.errors import ArgumentTypeError, DataError, HyperparameterError

if TYPE_CHECKING:  # read by the type checker only: the docs then show ArrayTree by its name
    from jax.typing import ArrayLike

__all__ = [
    "LoopResult",
    "Step",
    "check_batch",
    "compile_epochs",
    "gradient_steps",
    "run_epochs",
    "warn_interrupted",
]

ArrayTree: TypeAlias = "ArrayLike | Iterable[ArrayTree] | Mapping[Any, ArrayTree] | None"
"""A pytree of arrays: an array (or a number), or a tuple, list, ``NamedTuple`` or dict of
them, nested (``None`` is the empty pytree): what JAX maps over and optax calls ``Params``,
``Updates`` and ``OptState``."""

Step = Callable[[Any, Any, Any, Any], tuple[Any, Any, Any]]
"""``step(params, opt_state, batch, key) -> (params, opt_state, out)``: ``out`` is the loss,
a pytree whose first leaf is the loss, or ``None``."""

Epochs = Callable[..., tuple[Any, Any, Any, tuple[Any, Any]]]


def _take(tree: Any, idx: Any) -> Any:
    return jax.tree_util.tree_map(lambda a: a[idx], tree)


def _leading(tree: Any) -> int:
    leaves = jax.tree_util.tree_leaves(tree)
    return int(np.shape(leaves[0])[0]) if leaves and np.ndim(leaves[0]) else 0


def compile_epochs(
    step: Step,
    *,
    batch_size: int,
    shuffle: bool = True,
    guard: bool = False,
    end: Callable[[Any, Any, Any], Any] | None = None,
    mesh: Mesh | None = None,
    axis: str = "data",
) -> Epochs:
    r"""Epochs of ``step`` fused in one jitted function.

    Returns ``run(params, opt_state, ok, xs, data, extra) -> (params, opt_state, ok, (outs,
    ends))`` where ``xs`` holds one entry per epoch to run (their keys, or epoch numbers when
    no key was given), ``data`` a pytree of arrays with the examples on the leading axis (its
    size is read when tracing), ``outs`` the steps' outputs stacked ``(epochs, n // B, ...)``
    and ``ends`` the values of ``end`` stacked ``(epochs, ...)``.

    Parameters
    ----------
    step:
        ``(params, opt_state, batch, key) -> (params, opt_state, out)`` (:data:`Step`); the
        key is ``None`` when the run has no key (:func:`run_epochs` without ``key``).
    batch_size:
        Examples per step, :math:`B`; an epoch runs :math:`\lfloor n / B \rfloor` steps.
    shuffle:
        A fresh permutation per epoch from its key (else the examples in order, sliced without
        a gather).
    guard:
        Once the loss (the first leaf of ``out``) is NaN/inf, freeze the parameters and state
        at the last finite step (``ok`` becomes false).
    end:
        ``end(params, key, extra)``, run at the end of each epoch (e.g. a validation loss).
    mesh, axis:
        Data parallelism: the function runs under ``jax.shard_map`` on ``mesh`` (everything
        replicated), each device taking its ``B / devices`` share of every minibatch along
        ``axis`` and folding its index into the step keys; ``step`` all-reduces itself (e.g.
        ``jax.lax.pmean`` of the gradients over ``axis``).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> run = compile_epochs(lambda p, s, x, k: (p + jnp.sum(x), s, None), batch_size=2)
    >>> keys = jax.random.split(jax.random.key(0), 3)      # three epochs
    >>> p, _, ok, (outs, ends) = run(0, (), jnp.array(True), keys, jnp.arange(5), None)
    >>> int(p)                       # each epoch sums 4 of the 5 examples, in a keyed order
    25
    """
    if not callable(step):
        raise ArgumentTypeError(
            f"Expected step to be a function (params, opt_state, batch, key) -> (params, "
            f"opt_state, out), got {type(step).__name__} ({step!r:.60})."
        )
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size < 1
    ):
        raise HyperparameterError(f"Expected a positive integer batch_size, got {batch_size!r}.")
    if end is not None and not callable(end):
        raise ArgumentTypeError(f"Expected end to be a function or None, got {end!r:.60}.")
    n_dev = 1 if mesh is None else int(mesh.shape[axis])
    local = batch_size // n_dev

    def run(params: Any, opt_state: Any, ok: Any, xs: Any, data: Any, extra: Any) -> Any:
        n = _leading(data)
        steps = n // batch_size
        # keys (typed, or legacy uint32 pairs) or, for a run without a key, epoch numbers
        keyed = not (xs.ndim == 1 and jnp.issubdtype(xs.dtype, jnp.signedinteger))
        if shuffle and not keyed:
            raise HyperparameterError(
                "Expected a PRNG key to shuffle the examples, got none. Pass key=..., or "
                "shuffle=False to visit them in order."
            )

        def one_epoch(carry: Any, x: Any) -> tuple[Any, Any]:
            pkey, skey = jax.random.split(x) if keyed else (None, None)
            if shuffle and pkey is not None:  # (shuffle needs keys: checked above)
                order = jax.random.permutation(pkey, n)[: steps * batch_size]
            elif mesh is not None:
                order = jnp.arange(steps * batch_size)
            else:  # in order: the batches are slices of the data, no gather
                order = None
            if order is not None:
                order = order.reshape(steps, batch_size)
            if mesh is not None and order is not None:  # this device's share of every batch
                d = jax.lax.axis_index(axis)
                order = jax.lax.dynamic_slice_in_dim(order, d * local, local, axis=1)
                skey = None if skey is None else jax.random.fold_in(skey, d)
            step_keys = None if skey is None else jax.random.split(skey, steps)
            batches = order
            if order is None:
                batches = jax.tree_util.tree_map(
                    lambda a: a[: steps * batch_size].reshape(steps, batch_size, *a.shape[1:]),
                    data,
                )

            def one_step(carry: Any, inp: Any) -> tuple[Any, Any]:
                params, opt_state, ok = carry
                b, k = inp
                new_p, new_s, out = step(
                    params, opt_state, b if order is None else _take(data, b), k
                )
                if guard:  # freeze at the last finite state once the loss is NaN/inf
                    ok = ok & jnp.isfinite(jax.tree_util.tree_leaves(out)[0])
                    new_p, new_s = jax.tree_util.tree_map(
                        lambda new, old: jnp.where(ok, new, old),
                        (new_p, new_s),
                        (params, opt_state),
                    )
                return (new_p, new_s, ok), out

            carry, outs = jax.lax.scan(one_step, carry, (batches, step_keys), length=steps)
            ends = None if end is None else end(carry[0], skey, extra)
            return carry, (outs, ends)

        (params, opt_state, ok), out = jax.lax.scan(one_epoch, (params, opt_state, ok), xs)
        return params, opt_state, ok, out

    if mesh is not None:
        spec = PartitionSpec()  # type: ignore[no-untyped-call]
        run = jax.shard_map(run, mesh=mesh, in_specs=spec, out_specs=spec, check_vma=False)
    return jax.jit(run)


def check_batch(n: int, batch_size: int, n_devices: int = 1) -> None:
    """Raise :class:`~catlearn.errors.DataError` unless ``n`` examples split into minibatches
    of ``batch_size`` (a multiple of ``n_devices``).

    >>> check_batch(10, 20)
    Traceback (most recent call last):
    catlearn.errors.DataError: Expected batch_size <= the number of examples (10), got batch_size=20. Use batch_size=10 (full batch) or smaller.
    """
    if n == 0:
        raise DataError("Expected a non-empty data set, got 0 examples. Load some data first.")
    if not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise DataError(f"Expected a positive integer batch_size, got {batch_size!r}.")
    if batch_size > n:
        raise DataError(
            f"Expected batch_size <= the number of examples ({n}), got batch_size={batch_size}. "
            f"Use batch_size={n} (full batch) or smaller."
        )
    if batch_size % n_devices:
        raise DataError(
            f"Expected batch_size to be a multiple of the number of devices ({n_devices}) to "
            f"split it evenly, got batch_size={batch_size}. Use e.g. "
            f"batch_size={max(n_devices, batch_size - batch_size % n_devices)}."
        )


@dataclass
class LoopResult:
    """What :func:`run_epochs` returns.

    ``outs`` and ``ends`` are the steps' outputs ``(epochs, steps, ...)`` and the epoch ends'
    ``(epochs, ...)`` of the epochs run (host arrays; ``None`` if none ran). When a loss was
    NaN/inf the run stopped after that call: ``bad = (epoch, step)`` of the first (epochs
    counted from 0, from the start of training) and ``done`` counts the leading epochs of
    ``outs`` run before that call (all of them otherwise). ``interrupted``: a
    ``KeyboardInterrupt`` (Ctrl-C) stopped the run; ``params``, ``opt_state``, ``outs`` and
    ``ends`` are those of the last call that completed.

    >>> LoopResult(params=1.0, opt_state=(), outs=None, ends=None, done=0).bad is None
    True
    """

    params: Any
    opt_state: Any
    outs: Any
    ends: Any
    done: int
    bad: tuple[int, int] | None = None
    interrupted: bool = False


def warn_interrupted(what: str, done: int, total: int) -> None:
    """Say that a trainer was interrupted (Ctrl-C) and returns its last completed epoch.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_interrupted("fit", 3, 10)
    >>> print(w[0].message)
    fit was interrupted after 3 of 10 epochs; it returns the result of epoch 3 (interrupted=True).
    """
    warnings.warn(
        f"{what} was interrupted after {done} of {total} epochs; it returns the result of "
        f"epoch {done} (interrupted=True).",
        RuntimeWarning,
        stacklevel=3,
    )


def _host(tree: Any) -> Any:
    traced = any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves(tree))
    return tree if traced else jax.tree_util.tree_map(np.asarray, tree)


def _concat(parts: list[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    traced = any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves(parts))
    cat = jnp.concatenate if traced else np.concatenate
    return jax.tree_util.tree_map(lambda *a: cat(a), *parts)


def _first_bad(outs: Any) -> tuple[int, int] | None:
    leaves = jax.tree_util.tree_leaves(outs)
    if not leaves or isinstance(leaves[0], jax.core.Tracer):
        return None
    loss = np.asarray(leaves[0]).reshape((*leaves[0].shape[:2], -1))
    bad = ~np.isfinite(loss).all(axis=-1)
    if not bad.any():
        return None
    e, s = np.argwhere(bad)[0]
    return int(e), int(s)


def run_epochs(
    run: Epochs,
    params: ArrayTree,
    opt_state: Any,
    data: ArrayTree,
    *,
    epochs: int,
    key: jax.Array | None = None,
    extra: ArrayTree = None,
    initial_epoch: int = 0,
    epochs_per_call: int | None = None,
    progress: bool = False,
    desc: str = "train",
    stop_on_nonfinite: bool = True,
    postfix: Callable[[Any, Any], dict[str, str]] | None = None,
    on_call: Callable[[int, int, Any, Any], None] | None = None,
    catch_interrupt: bool = False,
) -> LoopResult:
    """Run epochs ``initial_epoch .. epochs - 1`` of ``run`` (from :func:`compile_epochs`).

    ``epochs_per_call`` epochs per jitted call (default: all in one call); between calls the
    tqdm bar (``progress``, named ``desc``, showing ``postfix(outs, ends)`` of the last call)
    advances and, with ``stop_on_nonfinite``, a NaN/inf loss stops the run (see
    :class:`LoopResult`). After each call that completes, ``on_call(start, stop, params,
    opt_state)`` runs (e.g. to save a checkpoint); with ``catch_interrupt``, a
    ``KeyboardInterrupt`` ends the run with the last completed call's result
    (``interrupted=True``) instead of propagating. Without ``key`` the steps get ``None`` (and ``run`` may not shuffle); under a trace (e.g.
    inside ``jax.jit``) the checks are skipped and the outputs stay traced.

    >>> import jax.numpy as jnp
    >>> run = compile_epochs(lambda p, s, x, k: (p + jnp.sum(x), s, p), batch_size=2,
    ...                      shuffle=False)
    >>> run_epochs(run, 0, (), jnp.arange(4), epochs=2, epochs_per_call=1).outs.tolist()
    [[0, 1], [6, 7]]
    """
    if not callable(run):
        raise ArgumentTypeError(
            f"Expected run to be the function compile_epochs returns, got {type(run).__name__} "
            f"({run!r:.60})."
        )
    for name, value, low in (("epochs", epochs, 0), ("initial_epoch", initial_epoch, 0)):
        if not isinstance(value, int | np.integer) or value < low:
            raise HyperparameterError(f"Expected a non-negative integer {name}, got {value!r}.")
    if initial_epoch > epochs:
        raise HyperparameterError(
            f"Expected an integer initial_epoch in 0..epochs={epochs}, got {initial_epoch!r}."
        )
    per_call = epochs_per_call if epochs_per_call is not None else max(epochs - initial_epoch, 1)
    if not isinstance(per_call, int | np.integer) or per_call < 1:
        raise HyperparameterError(
            f"Expected a positive integer epochs_per_call, got {epochs_per_call!r}."
        )
    xs = (
        jax.random.split(key, max(epochs, 1))
        if key is not None
        else jnp.arange(max(epochs, 1), dtype=jnp.int32)
    )
    ok = jnp.array(True)
    outs: list[Any] = []
    ends: list[Any] = []
    done, bad = int(initial_epoch), None
    from tqdm import tqdm  # plain text bar: no ipywidgets needed in notebooks

    interrupted = False
    committed = (params, opt_state, 0)  # the state after the last completed call
    with tqdm(total=epochs, disable=not progress, unit="epoch", desc=desc) as bar:
        bar.update(int(initial_epoch))
        try:
            for start in range(int(initial_epoch), epochs, int(per_call)):
                stop = min(start + int(per_call), epochs)
                new = run(params, opt_state, ok, xs[start:stop], data, extra)
                o, e = _host(new[3][0]), _host(new[3][1])  # waits for the call to finish
                # the call is complete: commit it (an interrupt before here loses only it)
                params, opt_state, ok = new[0], new[1], new[2]
                outs.append(o)
                ends.append(e)
                where = _first_bad(o) if stop_on_nonfinite else None
                if where is not None:
                    bad = (start + where[0], where[1])
                    break
                done = stop
                committed = (params, opt_state, len(outs))
                if on_call is not None:
                    on_call(start, stop, params, opt_state)
                if postfix is not None:
                    bar.set_postfix(postfix(o, e), refresh=False)
                bar.update(stop - start)
        except KeyboardInterrupt:
            if not catch_interrupt:
                raise
            interrupted = True
            params, opt_state, calls = committed
            del outs[calls:], ends[calls:]
    return LoopResult(
        params,
        opt_state,
        _concat(outs) if outs else None,
        _concat(ends) if ends else None,
        done - int(initial_epoch),
        bad,
        interrupted,
    )


def gradient_steps(
    loss: Callable[[Any], jax.Array],
    params: ArrayTree,
    optimizer: optax.GradientTransformation,
    num_steps: int,
) -> tuple[Any, jax.Array]:
    r"""``num_steps`` full-batch optimiser steps on ``loss`` fused in one ``lax.scan``:
    returns ``(params, losses)``, ``losses[k]`` the loss at the parameters of step ``k``
    (before its update). The loop of the models fitted by gradient ascent on a
    log-likelihood (HMMs, LGSSMs, Gaussian-process hyperparameters), which pass the negated
    log-likelihood. Traceable: callers may ``jax.jit`` it.

    >>> import optax
    >>> p, losses = gradient_steps(lambda w: (w - 3.0) ** 2, 0.0, optax.sgd(0.25), 3)
    >>> float(p), [float(v) for v in losses]
    (2.625, [9.0, 2.25, 0.5625])
    """

    def step(carry: Any, _: Any) -> tuple[Any, jax.Array]:
        p, state = carry
        value, g = jax.value_and_grad(loss)(p)
        updates, state = optimizer.update(g, state, p)
        return (optax.apply_updates(p, updates), state), value

    (params, _), values = jax.lax.scan(
        step, (params, optimizer.init(params)), None, length=num_steps
    )
    return params, values
