"""Shared helper of the law predicates (lens laws, symmetric-lens laws): pytree closeness."""

from __future__ import annotations

from typing import Any, cast

import jax
import jax.numpy as jnp


def close_within(x: Any, y: Any, atol: float) -> bool:
    """Same pytree structure, same leaf shapes, and every leaf within ``atol`` (``0.0``: equal)."""
    lx, tx = jax.tree_util.tree_flatten(x)
    ly, ty = jax.tree_util.tree_flatten(y)
    return cast(Any, tx) == ty and all(
        jnp.shape(u) == jnp.shape(v)
        and bool(jnp.all(jnp.abs(jnp.asarray(u) - jnp.asarray(v)) <= atol))
        for u, v in zip(lx, ly, strict=True)
    )
