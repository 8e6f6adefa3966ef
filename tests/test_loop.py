"""The shared training loop (catlearn.core.loop): closed-form iterates on a quadratic, keyed and
reproducible shuffling, resume == uninterrupted, the NaN guard, argument checks."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.loop import check_batch, compile_epochs, run_epochs
from catlearn.errors import DataError, HyperparameterError

LR = 0.25


def sgd_step(p, s, x, key):
    """Gradient descent on the batch mean of (p - x)^2 / 2: p' = p - lr (p - mean x)."""
    loss = 0.5 * jnp.mean((p - x) ** 2)
    return p - LR * (p - jnp.mean(x)), s, loss


def echo_step(p, s, x, key):
    """Counts steps; outputs the batch it saw and its key's data."""
    return p + 1, s, (x, jax.random.key_data(key))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_full_batch_quadratic_gives_the_closed_form_iterates(dtype, request):
    if dtype == "float64":
        request.getfixturevalue("x64")
    x = jnp.asarray(np.linspace(-1.0, 3.0, 8), dtype)
    m, p0, epochs = float(np.mean(np.asarray(x, np.float64))), 5.0, 6
    run = compile_epochs(sgd_step, batch_size=8, shuffle=False)
    out = run_epochs(run, jnp.asarray(p0, dtype), (), x, epochs=epochs)
    k = np.arange(epochs + 1)
    iterates = m + (1 - LR) ** k * (p0 - m)  # p_k = m + (1 - lr)^k (p_0 - m)
    var = float(np.var(np.asarray(x, np.float64)))
    losses = 0.5 * ((iterates[:-1] - m) ** 2 + var)  # loss before each step
    tol = 1e-6 if dtype == "float32" else 1e-13
    assert out.outs.shape == (epochs, 1)
    np.testing.assert_allclose(out.outs[:, 0], losses, rtol=tol)
    np.testing.assert_allclose(float(out.params), iterates[-1], rtol=tol)
    assert out.done == epochs and out.bad is None


def test_minibatches_in_order_follow_the_recursion():
    """Batch size 3 on 10 examples: 3 steps per epoch on slices 0:3, 3:6, 6:9 (9 is skipped)."""
    x = jnp.arange(10.0)
    run = compile_epochs(sgd_step, batch_size=3, shuffle=False)
    out = run_epochs(run, jnp.float32(0.0), (), x, epochs=2)
    p, means = 0.0, [1.0, 4.0, 7.0]
    for _ in range(2):
        for mb in means:
            p = p - LR * (p - mb)
    assert out.outs.shape == (2, 3)
    np.testing.assert_allclose(float(out.params), p, rtol=1e-6)


def test_shuffling_is_keyed_and_reproducible():
    n, batch, epochs = 10, 4, 3
    data = jnp.arange(n)
    run = compile_epochs(echo_step, batch_size=batch)
    key = jax.random.key(7)
    a = run_epochs(run, 0, (), data, epochs=epochs, key=key)
    b = run_epochs(run, 0, (), data, epochs=epochs, key=key, epochs_per_call=1)
    c = run_epochs(run, 0, (), data, epochs=epochs, key=jax.random.key(8))
    seen, keys = a.outs
    assert seen.shape == (epochs, n // batch, batch) and int(a.params) == epochs * (n // batch)
    for e, k in enumerate(jax.random.split(key, epochs)):  # the documented key schedule
        order, steps = jax.random.split(k)
        want = jax.random.permutation(order, n)[: 2 * batch].reshape(2, batch)
        assert np.array_equal(seen[e], want)
        assert np.array_equal(keys[e], jax.random.key_data(jax.random.split(steps, 2)))
        assert len(set(seen[e].ravel().tolist())) == 2 * batch  # no example twice in an epoch
    assert not np.array_equal(seen[0], seen[1])  # a fresh order every epoch
    assert np.array_equal(a.outs[0], b.outs[0]) and np.array_equal(a.outs[1], b.outs[1])
    assert not np.array_equal(a.outs[0], c.outs[0])  # another key, another order


def test_resume_equals_uninterrupted_bit_for_bit():
    x = jax.random.normal(jax.random.key(0), (12,))
    run = compile_epochs(sgd_step, batch_size=4)
    key, p0 = jax.random.key(1), jnp.float32(3.0)
    whole = run_epochs(run, p0, (), x, epochs=5, key=key)
    chunked = run_epochs(run, p0, (), x, epochs=5, key=key, epochs_per_call=2)
    assert np.array_equal(np.asarray(chunked.params), np.asarray(whole.params))
    assert np.array_equal(chunked.outs, whole.outs)
    # stopped after 2 of the 5 epochs (a checkpoint), then resumed at epoch 2
    schedule = jax.random.split(key, 5)
    p2 = run(p0, (), jnp.array(True), schedule[:2], x, None)[0]
    resumed = run_epochs(run, p2, (), x, epochs=5, key=key, initial_epoch=2)
    assert np.array_equal(np.asarray(resumed.params), np.asarray(whole.params))
    assert np.array_equal(resumed.outs, whole.outs[2:])
    done = run_epochs(run, whole.params, (), x, epochs=5, key=key, initial_epoch=5)
    assert done.outs is None and done.done == 0 and done.params is whole.params


def test_epoch_end_sees_the_parameters_after_the_epoch():
    run = compile_epochs(sgd_step, batch_size=2, shuffle=False, end=lambda p, k, extra: p * extra)
    out = run_epochs(run, jnp.float32(0.0), (), jnp.ones(4), epochs=2, extra=jnp.float32(10.0))
    p1 = 1 - (1 - LR) ** 2  # two steps towards 1 per epoch
    p2 = 1 - (1 - LR) ** 4
    np.testing.assert_allclose(out.ends, [10 * p1, 10 * p2], rtol=1e-6)


def test_the_first_nonfinite_loss_stops_the_run_and_the_guard_freezes_the_state():
    def step(p, s, x, key):  # the loss becomes inf once p reaches 3
        loss = jnp.where(p >= 3, jnp.inf, p)
        return p + 1, s, loss

    data = jnp.zeros(2)
    for guard, final in ((True, 3.0), (False, 4.0)):
        run = compile_epochs(step, batch_size=1, shuffle=False, guard=guard)
        out = run_epochs(run, jnp.float32(0.0), (), data, epochs=5, epochs_per_call=1)
        assert out.bad == (1, 1)  # epoch 2, step 2 (counted from 0)
        assert out.done == 1 and out.outs.shape == (2, 2)
        assert float(out.params) == final  # guarded: frozen at the last finite step
    kept = run_epochs(run, jnp.float32(0.0), (), data, epochs=3, stop_on_nonfinite=False)
    assert kept.bad is None and kept.done == 3 and float(kept.params) == 6.0


def test_runs_under_jit_and_without_host_checks():
    run = compile_epochs(sgd_step, batch_size=4, shuffle=False)

    @jax.jit
    def final(p0, x):
        return run_epochs(run, p0, (), x, epochs=3).params

    eager = run_epochs(run, jnp.float32(2.0), (), jnp.ones(4), epochs=3).params
    assert float(final(jnp.float32(2.0), jnp.ones(4))) == float(eager)


def test_bad_arguments_raise_with_the_fix():
    run = compile_epochs(sgd_step, batch_size=2)
    with pytest.raises(HyperparameterError, match="PRNG key"):
        run_epochs(run, 0.0, (), jnp.ones(4), epochs=1)  # shuffling needs a key
    key = jax.random.key(0)
    with pytest.raises(HyperparameterError, match="non-negative integer epochs"):
        run_epochs(run, 0.0, (), jnp.ones(4), epochs=-1, key=key)
    with pytest.raises(HyperparameterError, match="epochs_per_call"):
        run_epochs(run, 0.0, (), jnp.ones(4), epochs=2, key=key, epochs_per_call=0)
    with pytest.raises(HyperparameterError, match=r"initial_epoch in 0\.\.epochs=2"):
        run_epochs(run, 0.0, (), jnp.ones(4), epochs=2, key=key, initial_epoch=3)
    with pytest.raises(DataError, match="non-empty"):
        check_batch(0, 1)
    with pytest.raises(DataError, match="positive integer batch_size"):
        check_batch(4, 0)
    with pytest.raises(DataError, match="batch_size=4"):
        check_batch(4, 5)
    with pytest.raises(DataError, match="multiple of the number of devices"):
        check_batch(8, 3, 2)
