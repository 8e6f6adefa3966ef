"""Error functions (Backprop as Functor) and losses as lenses (Cruttwell et al.)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlearn.core.lens import Lens
from catlearn.core.losses import (
    absolute_error,
    as_error,
    binary_cross_entropy,
    half_sse,
    learning_rate,
    mse,
    power_error,
    scaled_squared_error,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
    squared_error,
)
from catlearn.core.types import Euclid
from catlearn.errors import HyperparameterError, NotInvertibleError, ShapeError
from conftest import tree_allclose

floats = st.floats(-3.0, 3.0, allow_nan=False)


@settings(max_examples=10, deadline=None)
@given(st.lists(floats, min_size=3, max_size=3), st.lists(floats, min_size=3, max_size=3))
def test_request_inverts_the_derivative(x, y):
    """f_x(de/dx(x, y)) = y for every supported (invertible) error."""
    x, y = jnp.asarray(x, dtype=jnp.float32), jnp.asarray(y, dtype=jnp.float32)
    for err in (squared_error, scaled_squared_error(0.5), power_error(3.0), power_error(1.5)):
        back = err.request(x, err.derivative(x, y))
        assert jnp.allclose(back, y, atol=2e-3), (err.name, back, y)


def test_error_lookup():
    assert as_error("squared") is squared_error
    assert as_error(absolute_error) is absolute_error
    assert not as_error(lambda x, y: (x - y) ** 2).invertible
    with pytest.raises(ValueError, match="error name"):
        as_error("cosine")
    with pytest.raises(TypeError):
        as_error(3)
    with pytest.raises(NotInvertibleError, match="absolute"):
        absolute_error.request(jnp.zeros(2), jnp.zeros(2))
    with pytest.raises(HyperparameterError):
        scaled_squared_error(float("inf"))


def test_loss_lenses_values_and_gradients(getkey):
    p, t = jax.random.normal(getkey(), (4,)), jax.random.normal(getkey(), (4,))
    assert jnp.allclose(mse(4).get((p, t)), jnp.mean((p - t) ** 2))
    assert jnp.allclose(half_sse(Euclid(4)).get((p, t)), 0.5 * jnp.sum((p - t) ** 2))
    dp, dt = half_sse(4).put((p, t), jnp.array(1.0))
    assert jnp.allclose(dp, p - t) and jnp.allclose(dt, t - p)
    dp, _ = mse(4).put((p, t), jnp.array(2.0))
    assert jnp.allclose(dp, 2.0 * 2 * (p - t) / 4)
    y = jnp.array(2)
    ce = softmax_cross_entropy(4)
    assert jnp.allclose(ce.get((p, y)), -jax.nn.log_softmax(p)[2])
    dz, dy = ce.put((p, y), jnp.array(1.0))
    assert jnp.allclose(dz, jax.nn.softmax(p) - jax.nn.one_hot(2, 4), atol=1e-6)
    assert dy.dtype == jax.dtypes.float0  # a finite wire has no tangent
    oh = softmax_cross_entropy(4, labels="onehot")
    assert jnp.allclose(oh.get((p, jax.nn.one_hot(2, 4))), ce.get((p, y)))
    t01 = (t > 0).astype(jnp.float32)
    # One vocabulary (issue 13): binary_cross_entropy is on probabilities and averages over
    # the features, as fit(loss="binary_cross_entropy") always did; the lens on logits (it
    # used to sum) is now sigmoid_binary_cross_entropy, also averaged.
    sbce = sigmoid_binary_cross_entropy(4)
    assert jnp.allclose(sbce.get((p, t01)), jnp.mean(optax.sigmoid_binary_cross_entropy(p, t01)))
    dz, _ = sbce.put((p, t01), jnp.array(1.0))
    assert jnp.allclose(dz, (jax.nn.sigmoid(p) - t01) / 4, atol=1e-6)
    bce = binary_cross_entropy(4)
    assert jnp.allclose(bce.get((jax.nn.sigmoid(p), t01)), sbce.get((p, t01)), atol=1e-5)
    with pytest.raises(ValueError, match="labels"):
        softmax_cross_entropy(3, labels="soft")
    with pytest.raises(ShapeError):
        mse(4).get((p, jnp.ones(3)))


def test_model_loss_learning_rate_lens_gives_minus_eps_gradient(getkey):
    """(R(model) @ id) >> loss >> learning_rate(eps): put on () is -eps * gradient."""
    W = jax.random.normal(getkey(), (3, 2))
    model = Lens.from_function(lambda x: jnp.tanh(x @ W), Euclid(3), Euclid(2))
    pipeline = (model @ Euclid(2)) >> mse(2) >> learning_rate(0.1)
    x, t = jax.random.normal(getkey(), (3,)), jax.random.normal(getkey(), (2,))
    dx, _ = pipeline.put((x, t), ())
    g = jax.grad(lambda v: jnp.mean((jnp.tanh(v @ W) - t) ** 2))(x)
    assert tree_allclose(dx, -0.1 * g, rtol=1e-5, atol=1e-6)
    with pytest.raises(HyperparameterError):
        learning_rate(float("nan"))
