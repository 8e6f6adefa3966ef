"""Vision boxes: inferred types, pooling against hand-written JAX, BatchNorm state, CNN recipe."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.types import Euclid
from catlearn.diagrams import nn, vision
from catlearn.diagrams.compiler import compile
from catlearn.errors import DiagramError, HyperparameterError


def _img(shape=(6, 6, 2), seed=0):
    return jax.random.normal(jax.random.key(seed), shape)


def test_types_are_inferred_from_the_previous_box():
    conv = nn.Conv2D((8, 8, 1), 4, 3, name="c")
    pool = nn.MaxPool2D(conv, 2)
    assert pool.dom == Euclid(8, 8, 4) and pool.cod == Euclid(4, 4, 4)
    assert vision.Flatten(pool).cod == Euclid(64)
    assert nn.GlobalAvgPool(pool).cod == Euclid(4)
    assert nn.AvgPool2D((7, 7, 1), 3, 2, padding="SAME").cod == Euclid(4, 4, 1)
    assert nn.BatchNorm(pool, name="bn").cod == pool.cod


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MaxPool2D(Euclid(4), 2),
        lambda: nn.MaxPool2D((2, 2, 1), 3),
        lambda: nn.AvgPool2D((4, 4, 1), 0),
        lambda: nn.AvgPool2D((4, 4, 1), 2, padding="FULL"),
        lambda: nn.GlobalAvgPool("x"),
        lambda: nn.BatchNorm(Euclid(3), momentum=1.5),
    ],
)
def test_bad_vision_boxes_raise_typed_errors(make):
    with pytest.raises((DiagramError, HyperparameterError)):
        make()


def test_pooling_equals_hand_written_jax():
    x = _img()
    mx = compile(nn.MaxPool2D((6, 6, 2), 2)).apply({}, x)
    want = x.reshape(3, 2, 3, 2, 2).max(axis=(1, 3))
    np.testing.assert_array_equal(mx, want)
    av = compile(nn.AvgPool2D((6, 6, 2), 3)).apply({}, x)
    np.testing.assert_allclose(av, x.reshape(2, 3, 2, 3, 2).mean(axis=(1, 3)), rtol=1e-6)
    same = compile(nn.AvgPool2D((5, 5, 1), 2, padding="SAME")).apply({}, jnp.ones((5, 5, 1)))
    np.testing.assert_allclose(same, jnp.ones((3, 3, 1)))  # the mean over pixels inside
    gap = compile(nn.GlobalAvgPool((6, 6, 2))).apply({}, x)
    np.testing.assert_allclose(gap, x.mean(axis=(0, 1)), rtol=1e-6)


def test_batchnorm_batch_statistics_and_running_state():
    d = nn.Conv2D((4, 4, 1), 3, 3, name="c") >> nn.BatchNorm(Euclid(4, 4, 3), name="bn")
    params = compile(d).init(jax.random.key(0))
    xs = _img((5, 4, 4, 1))
    ys, new = nn.apply_stateful(d, params, xs)
    np.testing.assert_allclose(ys.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(ys.var(axis=(0, 1, 2)), 1.0, rtol=1e-3)
    h = compile(d.boxes[0]).apply_batch({"c": params["c"]}, xs)
    mu = h.mean(axis=(0, 1, 2))
    np.testing.assert_allclose(new["bn"]["mean"], 0.1 * mu, rtol=1e-5, atol=1e-7)
    assert new["c"] is params["c"]
    # inference: the compiled box uses the running statistics
    y_inf = compile(d).apply_batch(new, xs)
    y_ref, same = nn.apply_stateful(d, new, xs, train=False)
    assert same is new
    np.testing.assert_allclose(y_inf, y_ref, rtol=1e-5, atol=1e-6)
    # gradients flow to scale/bias, not to the state
    g = jax.grad(lambda p: jnp.sum(nn.apply_stateful(d, p, xs)[0] ** 3))(params)
    assert float(jnp.abs(g["bn"]["scale"]).sum()) > 0
    assert float(jnp.abs(g["bn"]["mean"]).sum()) == 0


def test_anonymous_layers_in_apply_stateful_read_their_own_groups():
    d = nn.Linear(2, 3) >> nn.BatchNorm(Euclid(3)) >> nn.Linear(3, 3) >> nn.BatchNorm(Euclid(3))
    params = compile(d).init(jax.random.key(0))
    assert sorted(params) == ["batchnorm_0", "batchnorm_1", "linear_0", "linear_1"]
    xs = _img((4, 2))
    ys, new = nn.apply_stateful(d, params, xs, train=False)
    np.testing.assert_allclose(ys, compile(d).apply_batch(params, xs), rtol=1e-5, atol=1e-6)
    _, new = nn.apply_stateful(d, params, xs)  # each BatchNorm updates its own state
    assert not jnp.allclose(new["batchnorm_0"]["mean"], new["batchnorm_1"]["mean"])


@pytest.mark.slow  # one epoch of the CNN on digits (~10-30 s on a busy CPU)
def test_cnn_recipe_runs():
    from dataclasses import replace

    from catlearn.__main__ import RECIPES, run

    out = run(replace(RECIPES["cnn"], epochs=2), out=None, verbose=False, progress=False)
    assert out["accuracy"] > 0.8
