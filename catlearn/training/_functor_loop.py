"""The training loop of :func:`catlearn.training.functor.fit_functor` (private).

Every epoch the examples of each shape are shuffled and cut into minibatches (the last one
padded with weight-0 rows); the minibatches of all shapes run in a shuffled order, either as
ONE jitted ``lax.scan`` whose step ``lax.switch``es on the shape (``fused``), or as one
jitted step per minibatch, each shape's step compiled once.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from catlearn.core.loop import warn_interrupted
from catlearn.core.optim import as_optax
from catlearn.errors import DataError, NonFiniteError
from catlearn.training._functor_checks import check_targets
from catlearn.training._history import empty_history
from catlearn.training.checkpoint import Checkpointing

Loss = Callable[[Any, Any], jax.Array]


def _batch_objective(shape: Any, loss: Loss, metric: Loss | None) -> Callable[..., Any]:
    """``(tables, rows, xs, y, w) -> (weighted mean loss, weighted mean metric)``."""
    width = len(shape.positions)

    def objective(tables: Any, rows: Any, xs: Any, y: Any, w: Any) -> tuple[Any, Any]:
        pred = shape.forward(tables, rows[:, :width], xs)
        total = jnp.sum(w)
        value = jnp.sum(w * loss(pred, y)) / total
        m = jnp.zeros((), value.dtype) if metric is None else jnp.sum(w * metric(pred, y)) / total
        return value, m

    return objective


def _batches(groups: Sequence[Any], batch: int | None, rng: np.random.Generator) -> list[Any]:
    """(group index, member positions, weights) per minibatch, in a shuffled order."""
    out = []
    size = batch or max(len(g.members) for g in groups)
    for s, g in enumerate(groups):
        n = len(g.members)
        perm = rng.permutation(n)
        for start in range(0, n, size):
            sel = perm[start : start + size]
            w = np.zeros(size)
            w[: len(sel)] = 1.0
            sel = np.concatenate([sel, np.repeat(sel[:1], size - len(sel))])
            out.append((s, sel, w))
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def run(
    functor: Any,
    params: Any,
    data: tuple[Any, Any, np.ndarray],
    *,
    loss: Loss,
    check_as: Any,
    metric: Loss | None,
    optimizer: Any,
    epochs: int,
    key: jax.Array,
    opt_state: Any,
    batch_size: int | None,
    validation: tuple[Any, Any, np.ndarray] | None,
    progress: bool,
    fused: bool,
    saving: Checkpointing,
) -> Any:
    diagrams, xs, y = data
    opt = as_optax(optimizer)
    groups = functor.group(diagrams, xs)
    check_targets(groups, y, check_as, "training")
    if fused and len({g.shape.para.dom for g in groups}) > 1:
        fused = False  # inputs of different types cannot be stacked into one scan
    width = max(len(g.shape.positions) for g in groups)
    rows = [np.pad(g.rows, ((0, 0), (0, width - g.rows.shape[1]))) for g in groups]
    targets = [np.asarray(y[g.members]) for g in groups]
    objectives = [_batch_objective(g.shape, loss, metric) for g in groups]
    val_groups = None
    if validation is not None:
        val_groups = functor.group(validation[0], validation[1])
        val_y = validation[2]
        check_targets(val_groups, val_y, check_as, "validation")

    tables = functor.tables(params)
    if opt_state is None:
        opt_state = jax.jit(opt.init)(tables)

    def update(tables: Any, opt_state: Any, grads: Any) -> tuple[Any, Any]:
        updates, opt_state = opt.update(grads, opt_state, tables)
        return optax.apply_updates(tables, updates), opt_state

    def pick(s: int, sel: np.ndarray) -> tuple[Any, ...]:
        gx = groups[s].xs
        xb = None if gx is None else jax.tree_util.tree_map(lambda a: np.asarray(a)[sel], gx)
        return rows[s][sel], xb, targets[s][sel]

    if fused:
        branches = list(objectives)

        def epoch_fn(
            tables: Any, opt_state: Any, sid: Any, r: Any, x: Any, yy: Any, w: Any
        ) -> tuple[Any, Any, Any]:
            def body(carry: Any, inp: Any) -> tuple[Any, Any]:
                t, st = carry
                s, rb, xb, yb, wb = inp

                def obj(t: Any) -> tuple[Any, Any]:
                    out: tuple[Any, Any] = jax.lax.switch(s, branches, t, rb, xb, yb, wb)
                    return out

                (value, m), grads = jax.value_and_grad(obj, has_aux=True)(t)
                t, st = update(t, st, grads)
                return (t, st), (value, m)

            (tables, opt_state), out = jax.lax.scan(body, (tables, opt_state), (sid, r, x, yy, w))
            return tables, opt_state, out

        epoch_jit = jax.jit(epoch_fn)
    else:
        steps = []
        for o in objectives:

            def step(
                tables: Any, opt_state: Any, r: Any, x: Any, yy: Any, w: Any, o: Any = o
            ) -> tuple[Any, Any, Any, Any]:
                (value, m), grads = jax.value_and_grad(o, has_aux=True)(tables, r, x, yy, w)
                tables, opt_state = update(tables, opt_state, grads)
                return tables, opt_state, value, m

            steps.append(jax.jit(step))

    history = empty_history(metric is not None, val_groups is not None)
    seeds = np.asarray(jax.random.randint(key, (max(epochs, 1),), 0, 2**31 - 1))
    from tqdm import tqdm

    def epoch(e: int, tables: Any, opt_state: Any) -> tuple[Any, Any, np.ndarray, np.ndarray]:
        batches = _batches(groups, batch_size, np.random.default_rng(int(seeds[e])))
        weights = np.asarray([b[2].sum() for b in batches])
        if fused:
            picked = [pick(s, sel) for s, sel, _ in batches]
            sid = jnp.asarray([b[0] for b in batches], dtype=jnp.int32)
            r = jnp.asarray(np.stack([p[0] for p in picked]))
            x = (
                np.zeros((len(batches), 1))
                if picked[0][1] is None
                else jax.tree_util.tree_map(lambda *a: np.stack(a), *[p[1] for p in picked])
            )
            yy = np.stack([p[2] for p in picked])
            w = jnp.asarray(np.stack([b[2] for b in batches]))
            tables, opt_state, (values, ms) = epoch_jit(tables, opt_state, sid, r, x, yy, w)
            values, ms = np.asarray(values), np.asarray(ms)
        else:
            values, ms = np.zeros(len(batches)), np.zeros(len(batches))
            for i, (s, sel, wb) in enumerate(batches):
                rb, xb, yb = pick(s, sel)
                tables, opt_state, v, m = steps[s](tables, opt_state, rb, xb, yb, wb)
                values[i], ms[i] = v, m
        if not np.all(np.isfinite(values)):
            raise NonFiniteError(
                f"The training loss became {values[~np.isfinite(values)][0]} in epoch "
                f"{e + 1}. Expected finite losses: lower the learning rate or check the "
                "targets for NaN/inf."
            )
        total = np.sum(weights)
        return tables, opt_state, np.sum(values * weights) / total, np.sum(ms * weights) / total

    scores = jax.jit(functools.partial(_scores, loss, metric))
    seconds: list[float] = []
    done, interrupted = 0, False
    with tqdm(total=epochs, disable=not progress, unit="epoch", desc="fit_functor") as bar:
        try:
            for e in range(epochs):
                start = time.perf_counter()
                new_tables, new_state, value, m = epoch(e, tables, opt_state)
                took = time.perf_counter() - start  # values are on the host: synced
                post = {"loss": f"{value:.4g}"}
                if metric is not None:
                    post["metric"] = f"{m:.4g}"
                vl = vm = None
                if val_groups is not None:
                    vl, vm = _evaluate(val_groups, new_tables, val_y, scores)
                    post["val_loss"] = f"{vl:.4g}"
                    if metric is not None:
                        post["val_metric"] = f"{vm:.4g}"
                # the epoch is complete: commit it (an interrupt before here loses only it)
                tables, opt_state, done = new_tables, new_state, e + 1
                seconds.append(took)
                history["loss"].append(float(value))
                if metric is not None:
                    history["metric"].append(float(m))
                if vl is not None and vm is not None:
                    history["val_loss"].append(vl)
                    if metric is not None:
                        history["val_metric"].append(vm)
                bar.set_postfix(post, refresh=False)
                bar.update(1)
                saving.after(e, e + 1, functor.params_of(tables), opt_state)
        except KeyboardInterrupt:
            interrupted = True
            warn_interrupted("fit_functor", done, epochs)
    saving.save(done, functor.params_of(tables), opt_state)
    # (params, opt_state, history, n_shapes, epoch_seconds, interrupted): fit_functor wraps
    # them in FunctorFit
    return functor.params_of(tables), opt_state, history, len(groups), seconds, interrupted


def _evaluate(
    groups: Sequence[Any], tables: Any, y: np.ndarray, scores: Callable[..., Any]
) -> tuple[float, float]:
    total_l = total_m = 0.0
    n = 0
    for g in groups:
        pred = g.shape.jit_forward(tables, jnp.asarray(g.rows), g.xs)
        value, m = scores(pred, jnp.asarray(y[g.members]))
        total_l += float(value)
        total_m += float(m)
        n += len(g.members)
    if n == 0:
        raise DataError("Expected a non-empty validation set, got 0 examples.")
    return total_l / n, total_m / n


def _scores(
    loss: Loss, metric: Loss | None, pred: Any, y: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """The summed loss and metric of one validation group (jitted per fit: run eagerly, a
    vmapped loss dispatched every primitive on its own, every epoch)."""
    m = jnp.sum(metric(pred, y)) if metric is not None else jnp.zeros(())
    return jnp.sum(loss(pred, y)), m
