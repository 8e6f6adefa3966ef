"""Shared fixtures: strict JAX settings, float64 for law tests, keys, one tolerance helper."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import jax
import jax.numpy as jnp
import numpy as np
import pytest

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def x64():
    """Run the test in float64 (law tests that must hold to rounding), then restore the
    setting the run had (``JAX_ENABLE_X64=1 pytest`` stays in float64 throughout)."""
    before = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", before)


@pytest.fixture
def getkey():
    """A function returning a fresh PRNG key on every call (deterministic per test)."""
    state = {"key": jax.random.key(0)}

    def getkey():
        state["key"], sub = jax.random.split(state["key"])
        return sub

    return getkey


def tree_allclose(a, b, *, rtol=1e-7, atol=1e-12) -> bool:
    """True when two pytrees have the same structure and all leaves are close."""
    la, ta = jax.tree_util.tree_flatten(a)
    lb, tb = jax.tree_util.tree_flatten(b)
    if ta != tb:
        return False
    return all(
        np.shape(x) == np.shape(y)
        and np.allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol)
        for x, y in zip(la, lb, strict=True)
    )


def tree_maxdiff(a, b) -> float:
    """Largest absolute difference between the leaves of two pytrees of the same structure."""
    la = jax.tree_util.tree_leaves(a)
    lb = jax.tree_util.tree_leaves(b)
    assert len(la) == len(lb)
    return max(
        (float(jnp.max(jnp.abs(jnp.asarray(x) - jnp.asarray(y)))) for x, y in zip(la, lb)),
        default=0.0,
    )
