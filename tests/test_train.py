"""Tests of catlearn.training.train: fit, the jitted step, fused epochs, history, NaN guard, bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from catlearn.core.para import Para
from catlearn.core.types import Euclid
from catlearn.errors import DataError, HyperparameterError, NonFiniteError, ShapeError, SupportError
from catlearn.training.train import (
    LOSSES,
    accuracy,
    evaluate,
    fit,
    predict,
    softmax_cross_entropy,
    train_step,
)
from conftest import tree_allclose, tree_maxdiff


def mlp(n_in=4, hidden=8, k=3):
    return (
        Para.linear(Euclid(n_in), Euclid(hidden), name="l1")
        >> Para.from_function(jax.nn.relu, Euclid(hidden), Euclid(hidden))
        >> Para.linear(Euclid(hidden), Euclid(k), name="l2")
    )


# Shared model and optimisers: fit caches its compiled epoch per (model, loss, optimiser, ...)
# so tests that share them compile once (the machine running CI is small).
MODEL = mlp()
SGD = optax.sgd(0.05)
ADAM = optax.adam(1e-2)
P0 = MODEL.init(jax.random.key(0))
BASE = dict(loss="softmax_cross_entropy", optimizer=SGD, batch_size=20, progress=False)


@pytest.fixture
def blobs():
    """Three separable Gaussian blobs in R^4, 60 examples."""
    rng = np.random.default_rng(0)
    centres = np.eye(3, 4) * 4.0
    y = np.repeat(np.arange(3), 20)
    X = centres[y] + rng.normal(size=(60, 4))
    return X.astype(np.float32), y


def test_fit_learns_and_records_history(blobs):
    X, y = blobs
    model = MODEL
    r = fit(
        model,
        P0,
        (X, y),
        loss="softmax_cross_entropy",
        optimizer=ADAM,
        epochs=15,
        batch_size=16,
        key=jax.random.key(1),
        metric="accuracy",
        validation=(X[:30], y[:30]),
        progress=False,
    )
    assert set(r.history) == {"loss", "metric", "val_loss", "val_metric"}
    assert all(len(v) == 15 for v in r.history.values())
    assert r.history["loss"][-1] < r.history["loss"][0] / 3
    assert r.history["metric"][-1] > 0.9 and r.history["val_metric"][-1] > 0.9
    assert r.step_losses.shape == (15, 60 // 16)
    assert accuracy(model, r.params, X, y) > 0.9
    ev = evaluate(model, r.params, (X, y), loss="softmax_cross_entropy")
    assert ev["accuracy"] == accuracy(model, r.params, X, y)
    assert abs(ev["loss"] - r.history["val_loss"][-1]) < 0.2


def test_step_equals_hand_written_jax(blobs):
    """The compiled step is the hand-written jit(value_and_grad) + optax step."""
    X, y = blobs
    model, params, opt = MODEL, P0, ADAM
    step = train_step(model, loss="softmax_cross_entropy", optimizer=opt)

    @jax.jit
    def hand(p, s, x, t):
        def lossf(p):
            h = jax.nn.relu(x @ p["l1"]["W"] + p["l1"]["b"][None])
            z = h @ p["l2"]["W"] + p["l2"]["b"][None]
            return optax.softmax_cross_entropy_with_integer_labels(z, t).mean()

        v, g = jax.value_and_grad(lossf)(p)
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s, v

    a = (params, opt.init(params))
    b = (params, opt.init(params))
    for _ in range(3):
        *a, va = step(*a, X, y)
        *b, vb = hand(*b, X, y)
        assert abs(float(va) - float(vb)) < 1e-6
    assert tree_maxdiff(a[0], b[0]) < 1e-5


def test_fused_epochs_equal_per_epoch_calls(blobs):
    X, y = blobs
    a = fit(MODEL, P0, (X, y), epochs=3, key=jax.random.key(3), epochs_per_call=1, **BASE)
    b = fit(MODEL, P0, (X, y), epochs=3, key=jax.random.key(3), epochs_per_call=2, **BASE)
    assert tree_allclose(a.params, b.params, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(a.step_losses, b.step_losses, rtol=1e-6)


def test_one_epoch_is_a_scan_of_the_step(blobs):
    """fit's epoch = the jitted step run on the permutation fit draws from the epoch key."""
    X, y = blobs
    key = jax.random.key(5)
    r = fit(MODEL, P0, (X, y), epochs=1, key=key, **BASE)
    pkey, _ = jax.random.split(jax.random.split(key, 1)[0])
    perm = np.asarray(jax.random.permutation(pkey, 60)).reshape(3, 20)
    step = train_step(MODEL, loss="softmax_cross_entropy", optimizer=SGD)
    p, s = P0, SGD.init(P0)
    for idx in perm:
        p, s, _ = step(p, s, X[idx], y[idx])
    assert tree_allclose(p, r.params, rtol=1e-5, atol=1e-6)


def test_named_losses_values():
    z = jnp.array([[2.0, 0.0, -1.0]])
    t = jnp.array([[1.0, 0.0, 0.0]])
    assert jnp.allclose(
        LOSSES["softmax_cross_entropy"](z, jnp.array([0])), -jax.nn.log_softmax(z)[:, 0]
    )
    assert jnp.allclose(LOSSES["softmax_cross_entropy"](z, t), -jax.nn.log_softmax(z)[:, 0])
    assert jnp.allclose(LOSSES["mse"](z, t), jnp.array([(1 + 0 + 1) / 3]))
    assert jnp.allclose(LOSSES["half_sse"](z, t), jnp.array([1.0]))
    p = jnp.array([[0.9, 0.2]])
    bce = -(jnp.log(0.9) + jnp.log(0.8)) / 2
    assert jnp.allclose(LOSSES["binary_cross_entropy"](p, jnp.array([[1.0, 0.0]])), bce)


def test_binary_cross_entropy_fit(blobs):
    X, y = blobs
    model = mlp(k=1) >> Para.from_function(jax.nn.sigmoid, Euclid(1), Euclid(1))
    r = fit(
        model,
        model.init(jax.random.key(0)),
        (X, (y > 0).astype(np.float32)),
        loss="binary_cross_entropy",
        optimizer=ADAM,
        epochs=5,
        batch_size=20,
        key=jax.random.key(1),
        metric="accuracy",
        progress=False,
    )
    assert r.history["loss"][-1] < r.history["loss"][0]
    assert 0.0 <= r.history["metric"][-1] <= 1.0


def test_callable_loss_per_example_or_mean(blobs):
    X, y = blobs
    kw = dict(BASE, epochs=1, key=jax.random.key(1))
    del kw["loss"]
    per = fit(MODEL, P0, (X, y), loss=optax.softmax_cross_entropy_with_integer_labels, **kw)
    named = fit(MODEL, P0, (X, y), loss="softmax_cross_entropy", **kw)
    assert tree_allclose(per.params, named.params, rtol=1e-6, atol=1e-7)


def test_optimiser_lens_via_to_optax(blobs):
    """Anything with .to_optax() (catlearn's optimiser lenses) is accepted."""
    X, y = blobs

    class Lens:
        def to_optax(self):
            return SGD

    kw = dict(BASE, epochs=1, key=jax.random.key(1))
    del kw["optimizer"]
    a = fit(MODEL, P0, (X, y), optimizer=Lens(), **kw)
    b = fit(MODEL, P0, (X, y), optimizer=SGD, **kw)
    assert tree_allclose(a.params, b.params)


def test_resume_from_opt_state(blobs):
    X, y = blobs
    # the configuration of test_fit_learns_and_records_history: its compiled epoch is reused
    kw = dict(
        loss="softmax_cross_entropy",
        optimizer=ADAM,
        epochs=1,
        batch_size=16,
        metric="accuracy",
        validation=(X[:30], y[:30]),
        progress=False,
    )
    r1 = fit(MODEL, P0, (X, y), key=jax.random.key(1), **kw)
    r2 = fit(MODEL, r1.params, (X, y), key=jax.random.key(2), opt_state=r1.opt_state, **kw)
    assert int(r2.opt_state[0].count) == 2 * (60 // 16)


def test_stochastic_model_and_progress_bar(blobs, capsys):
    X, y = blobs

    def dropout(p, x, key):
        keep = jax.random.bernoulli(key, 0.8, x.shape)
        return jnp.where(keep, x / 0.8, 0.0)

    drop = Para(Euclid(8), Euclid(8), None, dropout, stochastic=True)
    model = (
        Para.linear(Euclid(4), Euclid(8), name="l1")
        >> drop
        >> Para.linear(Euclid(8), Euclid(3), name="l2")
    )
    r = fit(
        model,
        model.init(jax.random.key(0)),
        (X, y),
        loss="softmax_cross_entropy",
        optimizer=optax.adam(1e-2),
        epochs=2,
        batch_size=20,
        key=jax.random.key(1),
        metric="accuracy",
        progress=True,
    )
    assert len(r.history["loss"]) == 2
    assert "epoch" in capsys.readouterr().err
    assert predict(model, r.params, X, key=jax.random.key(0)).shape == (60, 3)


def test_nonfinite_loss_names_epoch_and_step(blobs):
    X, y = blobs
    Xnan = X.copy()
    Xnan[7] = np.nan  # NaN in the data is caught before training, naming the row
    with pytest.raises(DataError, match=r"\[7, 0\]"):
        fit(MODEL, P0, (Xnan, y), epochs=1, key=jax.random.key(1), **BASE)
    kw = {**BASE, "loss": lambda pred, t: softmax_cross_entropy(pred, t) * jnp.nan}
    with pytest.raises(NonFiniteError, match=r"epoch 1, step \d.*lower the learning rate") as e:
        fit(MODEL, P0, (X, y), epochs=1, key=jax.random.key(1), **kw)
    good = e.value.result.params
    assert all(np.isfinite(np.asarray(x)).all() for x in jax.tree_util.tree_leaves(good))
    r = fit(MODEL, P0, (X, y), epochs=1, key=jax.random.key(1), allow_nonfinite=True, **kw)
    assert not np.isfinite(r.history["loss"][0])


# --- bad input ---------------------------------------------------------------------------------


def _fit(model, X, y, **kw):
    args = dict(
        loss="softmax_cross_entropy",
        optimizer=optax.sgd(0.1),
        epochs=1,
        batch_size=4,
        key=jax.random.key(0),
        progress=False,
    )
    args.update(kw)
    return fit(model, model.init(jax.random.key(0)), (X, y), **args)


def test_labels_out_of_range():
    model = mlp()
    X = np.zeros((8, 4), np.float32)
    with pytest.raises(SupportError, match=r"labels in 0\.\.2.*got labels in 0\.\.3"):
        _fit(model, X, np.array([0, 1, 2, 3, 0, 1, 2, 0]))
    with pytest.raises(SupportError):
        _fit(model, X, -np.ones(8, int))
    with pytest.raises(SupportError, match="Re-encode"):
        evaluate(model, model.init(jax.random.key(0)), (X, np.full(8, 5)))
    with pytest.raises(SupportError, match=r"\[0, 1\]"):
        _fit(mlp(k=1), X, np.full(8, 2.0), loss="binary_cross_entropy")


def test_empty_data_and_batch_too_large():
    model = mlp()
    with pytest.raises(DataError, match="non-empty"):
        _fit(model, np.zeros((0, 4), np.float32), np.zeros(0, int))
    with pytest.raises(DataError, match="batch_size=8"):
        _fit(model, np.zeros((8, 4), np.float32), np.zeros(8, int), batch_size=9)
    with pytest.raises(DataError, match="positive"):
        _fit(model, np.zeros((8, 4), np.float32), np.zeros(8, int), batch_size=0)
    with pytest.raises(DataError, match="same first dimension"):
        _fit(model, np.zeros((8, 4), np.float32), np.zeros(7, int))
    with pytest.raises(DataError, match="non-empty validation"):
        _fit(
            model,
            np.zeros((8, 4), np.float32),
            np.zeros(8, int),
            validation=(np.zeros((0, 4)), np.zeros(0, int)),
        )
    with pytest.raises(DataError, match=r"data=\(X, y\)"):
        fit(
            model,
            model.init(jax.random.key(0)),
            np.zeros((8, 4)),
            loss="mse",
            optimizer=optax.sgd(0.1),
            key=jax.random.key(0),
        )


def test_input_shape_mismatch():
    model = mlp()
    with pytest.raises(ShapeError, match=r"shape \(batch, 4\).*\(8, 5\).*reshape X"):
        _fit(model, np.zeros((8, 5), np.float32), np.zeros(8, int))
    with pytest.raises(ShapeError):
        _fit(model, np.zeros(8, np.float32), np.zeros(8, int))
    with pytest.raises(ShapeError, match="targets of shape"):
        _fit(model, np.zeros((8, 4), np.float32), np.zeros((8, 2), np.float32), loss="mse")


def test_bad_hyperparameters():
    model = mlp()
    X, y = np.zeros((8, 4), np.float32), np.zeros(8, int)
    with pytest.raises(HyperparameterError, match="loss name"):
        _fit(model, X, y, loss="hinge")
    with pytest.raises(HyperparameterError, match="GradientTransformation"):
        _fit(model, X, y, optimizer="adam")
    with pytest.raises(HyperparameterError, match="epochs"):
        _fit(model, X, y, epochs=-1)
    with pytest.raises(HyperparameterError, match="metric"):
        _fit(model, X, y, metric="f1")


def test_scalar_targets_for_one_output():
    model = Para.linear(Euclid(2), Euclid(1), name="fc")
    params = {"fc": {"W": jnp.ones((2, 1)), "b": jnp.zeros(1)}}
    X = np.array([[1.0, 2.0], [0.0, 1.0]], np.float32)
    out = evaluate(model, params, (X, np.array([3.0, 0.0])), loss="mse", metric=None)
    assert out == {"loss": 0.5}


# --- issue 22, cause 6: epochs is the total; labels of the composite step -------------------


@pytest.mark.parametrize("epochs, initial", [(3, 3), (3, 5), (0, 0)])
def test_initial_epoch_at_or_past_epochs_is_refused(epochs, initial):
    """``fit(..., epochs=3, initial_epoch=3)`` trained nothing and returned an empty history."""
    model = Para.linear(Euclid(2), Euclid(2), name="fc")
    X, y = jnp.ones((8, 2)), jnp.zeros(8, jnp.int32)
    with pytest.raises(HyperparameterError, match=r"initial_epoch < epochs.*total") as info:
        _fit(model, X, y, epochs=epochs, initial_epoch=initial)
    assert f"epochs={initial + max(epochs, 1)}" in str(info.value)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3"])
def test_epochs_must_be_non_negative_ints(bad):
    model = Para.linear(Euclid(2), Euclid(2), name="fc")
    with pytest.raises(HyperparameterError, match="epochs"):
        _fit(model, jnp.ones((8, 2)), jnp.zeros(8, jnp.int32), epochs=bad)


@pytest.mark.parametrize("batch_size", [None, 2])
def test_supervised_step_checks_labels(batch_size):
    """A label 5 on Fin(3) trained silently (its example skipped); now a SupportError eagerly,
    NaN parameters under jit, and a TracedCheckError through checked."""
    from catlearn.core.checked import checked
    from catlearn.core.optim import sgd
    from catlearn.core.step import step_params, supervised_step
    from catlearn.errors import TracedCheckError

    model = Para.linear(Euclid(3), Euclid(3), name="fc")
    params = step_params(model.init(jax.random.key(0)), sgd(0.1))
    step = supervised_step(model, "softmax_cross_entropy", sgd(0.1), batch_size=batch_size)
    x = jnp.ones(3) if batch_size is None else jnp.ones((2, 3))
    good = jnp.array(2) if batch_size is None else jnp.array([0, 2])
    bad = jnp.array(5) if batch_size is None else jnp.array([0, 5])
    new, _ = step.put(params, (x, good), ())
    assert all(bool(jnp.all(jnp.isfinite(a))) for a in jax.tree_util.tree_leaves(new))
    where = "" if batch_size is None else " at example 1"
    with pytest.raises(
        SupportError, match=rf"labels in 0\.\.2 on the target wire Fin\(3\), got 5{where}"
    ):
        step.put(params, (x, bad), ())
    with pytest.raises(SupportError, match="got 5"):
        step.get(params, (x, bad))
    new, _ = jax.jit(step.put)(params, (x, bad), ())
    assert all(bool(jnp.all(jnp.isnan(a))) for a in jax.tree_util.tree_leaves(new["train"][0]))
    if batch_size is not None:
        return  # checkify (jax 0.9.2) fails on the scatter-add of a batched take_along_axis vjp
    with pytest.raises(TracedCheckError):
        checked(step.put)(params, (x, bad), ())
    ok, _ = checked(step.put)(params, (x, good), ())
    assert tree_allclose(ok, step.put(params, (x, good), ())[0])
