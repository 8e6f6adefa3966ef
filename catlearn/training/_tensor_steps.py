"""The steps of :func:`catlearn.training.tensor.fit_tensor`: minibatches per diagram shape, and
per-word optimiser steps (lambeq's semantics).

lambeq's ``PytorchModel`` holds one torch ``Parameter`` per word, and torch's optimisers skip a
parameter whose gradient is ``None``: a word absent from a minibatch is not updated at all (no
weight decay, no decay of its moments, no step of its bias-correction count). Here the rows of
a word table play the parameters: the optax optimiser runs per row (``jax.vmap`` over the
table's first axis, so each row has its own state and step count), and a row absent from the
minibatch keeps its value and its state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from catlearn import errors


def minibatches(
    positions: Sequence[Any], epochs: int, batch_size: int, shuffle: Any, seed: Any
) -> tuple[list[Any], list[Any], list[Any]]:
    """Every step's minibatch (shuffled per epoch when ``shuffle`` is True; ``shuffle`` may also
    be the order of each epoch, ``(epochs, n)`` permutations), split by shape.

    ``positions[g]`` are the indices of the diagrams of shape ``g``. Returns the batches
    (diagram indices per step) and, per shape, ``idx`` (steps, width): members' positions inside
    their shape, and ``masks`` (1 for a member, 0 for padding). The width of a shape is fixed
    (not the widest batch drawn): one compiled trainer per data set.
    """
    n = sum(len(p) for p in positions)
    which = np.empty(n, dtype=np.int64)  # shape of each diagram
    local = np.empty(n, dtype=np.int64)  # its position inside its shape
    for g, pos in enumerate(positions):
        which[pos] = g
        local[pos] = np.arange(len(pos))
    rng = np.random.default_rng(seed)
    orders = None if isinstance(shuffle, bool) else np.asarray(shuffle, dtype=np.int64)
    if orders is not None and (
        orders.shape != (epochs, n) or (np.sort(orders) != np.arange(n)).any()
    ):
        raise errors.ArgumentValueError(
            f"Expected shuffle=True/False or one permutation of the {n} diagrams per epoch "
            f"(shape ({epochs}, {n})), got an array of shape {orders.shape}."
        )
    batches = []
    for e in range(epochs):
        perm = orders[e] if orders is not None else rng.permutation(n) if shuffle else np.arange(n)
        batches += [perm[i : i + batch_size] for i in range(0, n, batch_size)]
    idx, masks = [], []
    for g, pos in enumerate(positions):
        width = min(batch_size, len(pos))
        ix = np.zeros((len(batches), width), dtype=np.int32)
        mk = np.zeros((len(batches), width))
        for s, b in enumerate(batches):
            members = local[b[which[b] == g]]
            ix[s, : len(members)] = members
            mk[s, : len(members)] = 1.0
        idx.append(ix)
        masks.append(mk)
    return batches, idx, masks


def init(opt: optax.GradientTransformation, params: dict[str, tuple[Any, ...]]) -> Any:
    """The optimiser state of every row of every table: ``{signature: state}``."""
    return {sig: jax.vmap(opt.init)(tables) for sig, tables in params.items()}


def update(
    opt: optax.GradientTransformation, grads: Any, state: Any, params: Any, present: Any
) -> tuple[Any, Any]:
    """One step: rows with ``present[signature][row]`` move; the others keep value and state."""
    new_params, new_state = {}, {}
    for sig, tables in params.items():
        mask = present[sig]

        def keep(new: Any, old: Any, mask: Any = mask) -> Any:
            return jnp.where(mask.reshape(mask.shape + (1,) * (new.ndim - 1)), new, old)

        updates, st = jax.vmap(opt.update)(grads[sig], state[sig], tables)
        new_state[sig] = jax.tree_util.tree_map(keep, st, state[sig])
        moved = optax.apply_updates(tables, updates)
        new_params[sig] = tuple(keep(a, b) for a, b in zip(moved, tables))
    return new_params, new_state


def presence(
    sizes: dict[str, int], shapes: Sequence[Any], rows: Sequence[Any], idx: Any, masks: Any
) -> dict[str, Any]:
    """``{signature: bool (steps, rows)}``: which words each step's minibatch holds.

    ``shapes[g]`` is a compiled shape (its ``slots`` and ``owner``), ``rows[g]`` the word rows
    of its sentences, ``idx[g]`` / ``masks[g]`` (steps, width) the minibatch members per step.
    """
    steps = len(masks[0]) if len(masks) else 0
    out = {sig: np.zeros((steps, n), dtype=bool) for sig, n in sizes.items()}
    for shape, r, ix, mk in zip(shapes, rows, idx, masks):
        for (sig, _), col in zip(shape.slots, shape.owner):
            words = np.asarray(r)[ix][:, :, col]  # (steps, width)
            step = np.broadcast_to(np.arange(steps)[:, None], words.shape)
            sel = (mk > 0) & (words >= 0)
            out[sig][step[sel], words[sel]] = True
    return out
