"""A learner as a Moore machine (Spivak): run by lax.scan == iterating update, bit for bit."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.learner import gradient_learner
from catlearn.core.para import Para
from catlearn.core.types import Euclid


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_run_equals_iterating_update(dtype, request):
    if dtype == "float64":
        request.getfixturevalue("x64")
    model = (
        Para.linear(Euclid(3), Euclid(4), name="a")
        >> Para.from_function(jnp.tanh, Euclid(4), Euclid(4))
        >> Para.linear(Euclid(4), Euclid(2), name="b")
    )
    L = gradient_learner(model, lr=0.05)
    p0 = model.init(jax.random.key(0))
    k1, k2 = jax.random.split(jax.random.key(1))
    xs = jax.random.normal(k1, (15, 3))
    ys = jnp.sin(xs[:, :2]) + 0.1 * jax.random.normal(k2, (15, 2))
    p_run, preds = jax.jit(L.run)(p0, (xs, ys))
    update, implement = jax.jit(L.update), jax.jit(L.implement)
    p = p0
    for t in range(15):
        assert np.array_equal(preds[t], implement(p, xs[t]))  # output before the update
        p = update(p, xs[t], ys[t])
    for u, v in zip(jax.tree_util.tree_leaves(p_run), jax.tree_util.tree_leaves(p)):
        assert np.array_equal(u, v)


def test_online_learning_on_a_stream():
    """Online regression: the prediction error on the stream falls as the learner runs."""
    L = gradient_learner(Para.linear(Euclid(2), Euclid(1), name="f"), lr=0.1)
    xs = jax.random.normal(jax.random.key(2), (300, 2))
    ys = xs @ jnp.array([[2.0], [-1.0]]) + 0.5
    p, preds = L.run(L.init(jax.random.key(3)), (xs, ys))
    err = jnp.abs(preds - ys)[:, 0]
    assert float(err[-50:].mean()) < 0.05 * float(err[:50].mean())
    assert jnp.allclose(p["f"]["W"][:, 0], jnp.array([2.0, -1.0]), atol=1e-3)
