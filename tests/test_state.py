"""State threaded through training (catlearn.core.state): BatchNorm trained by ``fit``."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from catlearn.core.para import Para
from catlearn.core.state import apply_train, has_state, with_state
from catlearn.core.types import Euclid
from catlearn.diagrams import nn
from catlearn.diagrams.compiler import compile
from catlearn.training import evaluate, fit, predict


def _bn_linear(momentum=0.9):
    bn = nn.BatchNorm(Euclid(3), name="bn", momentum=momentum)
    return compile(bn >> nn.Linear(Euclid(3), Euclid(2), name="fc"))


def test_stateless_models_run_as_before():
    model = Para.linear(Euclid(2), Euclid(2), name="fc")
    p = model.init(jax.random.key(0))
    xs = jnp.arange(6.0).reshape(3, 2)
    assert not has_state(model)
    ys, state = apply_train(model, p, xs)
    assert state == {}
    np.testing.assert_array_equal(ys, model.apply_batch(p, xs))
    assert with_state(p, state) is p


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fit_updates_running_statistics_exactly(dtype, request):
    if dtype == "float64":
        request.getfixturevalue("x64")
    model = _bn_linear(momentum=0.75)
    assert has_state(model)
    p = model.init(jax.random.key(0))
    X = jax.random.normal(jax.random.key(1), (8, 3), dtype) * jnp.array([[1.0, 2.0, 3.0]]) + 5.0
    y = jnp.array([0, 1] * 4)
    # lr 0: the optimiser changes nothing, so the parameters move by the state update only
    r = fit(model, p, (X, y), loss="softmax_cross_entropy", optimizer=optax.sgd(0.0),
            epochs=1, batch_size=8, key=jax.random.key(2), progress=False)  # fmt: skip
    Xn = np.asarray(X, np.float64)
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(r.params["bn"]["mean"], 0.25 * Xn.mean(0), rtol=tol)
    np.testing.assert_allclose(
        r.params["bn"]["var"], 0.75 + 0.25 * Xn.var(0, ddof=1), rtol=tol
    )  # unbiased batch variance
    for k in ("scale", "bias"):
        np.testing.assert_array_equal(r.params["bn"][k], p["bn"][k])
    np.testing.assert_array_equal(r.params["fc"]["W"], p["fc"]["W"])
    # eval mode (predict) normalises with the running statistics, not the batch's
    m, v = r.params["bn"]["mean"][None], r.params["bn"]["var"][None]
    h = (X - m) / jnp.sqrt(v + 1e-5)
    want = h @ r.params["fc"]["W"] + r.params["fc"]["b"][None]
    np.testing.assert_allclose(predict(model, r.params, X), want, rtol=tol, atol=tol)
    train_mode, _ = apply_train(model, r.params, X)
    assert not np.allclose(train_mode, want, atol=1e-2)


def test_fit_trains_state_not_by_gradients():
    # with a decaying optimiser the state still equals the state update (overwritten)
    model = _bn_linear(momentum=0.5)
    p = model.init(jax.random.key(0))
    X = jax.random.normal(jax.random.key(1), (4, 3)) + 2.0
    r = fit(model, p, (X, jnp.array([0, 1, 0, 1])), loss="softmax_cross_entropy",
            optimizer=optax.adamw(0.1, weight_decay=0.5), epochs=1, batch_size=4,
            key=jax.random.key(2), progress=False)  # fmt: skip
    np.testing.assert_allclose(r.params["bn"]["mean"], 0.5 * X.mean(0), rtol=1e-5)
    assert not np.allclose(r.params["bn"]["scale"], p["bn"]["scale"])


@pytest.mark.slow  # 5 epochs of a small CNN on 1400 digits (~10 s of CPU)
def test_cnn_with_batchnorm_trains_on_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = jnp.asarray(digits.images[..., None] / 16.0, jnp.float32)
    y = jnp.asarray(digits.target)
    Xtr, ytr, Xte, yte = X[:1400], y[:1400], X[1400:], y[1400:]
    conv = nn.Conv2D((8, 8, 1), 8, 3, name="conv")
    bn = nn.BatchNorm(conv, name="bn")
    pool = nn.MaxPool2D(bn, 2)
    flat = nn.Flatten(pool.cod)
    model = compile(conv >> bn >> nn.relu(bn.cod) >> pool >> flat >> nn.Linear(flat.cod, 10))
    p = model.init(jax.random.key(0))
    r = fit(model, p, (Xtr, ytr), loss="softmax_cross_entropy", optimizer=optax.adam(1e-2),
            epochs=5, batch_size=50, key=jax.random.key(1), progress=False,
            epochs_per_call=5)  # fmt: skip
    assert r.history["loss"][-1] < r.history["loss"][0]
    acc = evaluate(model, r.params, (Xte, yte))["accuracy"]
    assert acc >= 0.9, acc
    # the running statistics moved from their initial values towards the data's
    assert float(jnp.abs(r.params["bn"]["mean"]).sum()) > 0
    assert not np.allclose(r.params["bn"]["var"], 1.0)
    # eval-mode predictions use them: resetting them changes the predictions
    reset = {**r.params, "bn": {**r.params["bn"], "mean": p["bn"]["mean"], "var": p["bn"]["var"]}}
    assert not np.allclose(predict(model, reset, Xte[:20]), predict(model, r.params, Xte[:20]))
