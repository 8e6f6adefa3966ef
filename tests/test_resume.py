"""Checkpoints that resume: load without like= feeds fit, and resuming equals not stopping."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from catlearn.core.para import Para
from catlearn.core.types import Euclid
from catlearn.errors import CheckpointError
from catlearn.training import checkpoint, fit


def _problem():
    model = Para.linear(Euclid(4), Euclid(8), name="fc1") >> Para.linear(
        Euclid(8), Euclid(3), name="fc2"
    )
    X = jax.random.normal(jax.random.key(0), (48, 4))
    y = jnp.argmax(X[:, :3], axis=1)
    return model, model.init(jax.random.key(1)), (X, y)


def _bits(tree):
    return [np.asarray(a).tobytes() for a in jax.tree_util.tree_leaves(tree)]


@pytest.mark.parametrize("like", [False, True])
def test_resumed_fit_equals_the_uninterrupted_run_bit_for_bit(tmp_path, like):
    model, params, data = _problem()
    opt = optax.adam(0.02)
    kw = dict(loss="softmax_cross_entropy", optimizer=opt, batch_size=16, progress=False)
    key = jax.random.key(2)
    full = fit(model, params, data, epochs=4, key=key, **kw)

    first = fit(model, params, data, epochs=2, key=key, **kw)
    path = tmp_path / "run.npz"
    checkpoint.save(path, first.params, first.opt_state, step=2)
    ck = checkpoint.load(path, like=(params, opt.init(params)) if like else None)
    if not like:
        assert isinstance(ck.opt_state, checkpoint.FlatState)
    rest = fit(
        model, ck.params, data, epochs=4, key=key, opt_state=ck.opt_state,
        initial_epoch=ck.step, **kw,
    )  # fmt: skip
    assert _bits(rest.params) == _bits(full.params)
    assert _bits(rest.opt_state) == _bits(full.opt_state)
    assert first.history["loss"] + rest.history["loss"] == full.history["loss"]
    np.testing.assert_array_equal(rest.step_losses, full.step_losses[2:])


def test_flat_state_from_another_optimiser_is_a_typed_error(tmp_path):
    model, params, data = _problem()
    path = tmp_path / "sgd.npz"
    checkpoint.save(path, params, optax.sgd(0.1, momentum=0.9).init(params))
    ck = checkpoint.load(path)
    with pytest.raises(CheckpointError, match="like="):
        fit(model, ck.params, data, loss="softmax_cross_entropy", optimizer=optax.adam(1e-3),
            key=jax.random.key(0), opt_state=ck.opt_state, progress=False)  # fmt: skip


def test_string_leaves_are_rejected_at_save_naming_the_path(tmp_path):
    path = tmp_path / "s.npz"
    with pytest.raises(CheckpointError, match=r"s\.npz.*\['params'\]\['name'\]"):
        checkpoint.save(path, {"w": jnp.ones(2), "name": "fc"})
    assert not path.exists()


def test_save_errors_name_the_users_path(tmp_path):
    path = tmp_path / "no" / "such" / "dir" / "ck.npz"
    with pytest.raises(CheckpointError, match=r"no/such/dir/ck\.npz") as info:
        checkpoint.save(path, {"w": jnp.ones(2)})
    assert ".tmp" not in str(info.value)


def test_non_dict_params_without_like_ask_for_like(tmp_path):
    path = tmp_path / "l.npz"
    checkpoint.save(path, [jnp.ones(2), jnp.zeros(1)])
    with pytest.raises(CheckpointError, match="like="):
        checkpoint.load(path)
    got = checkpoint.load(path, like=[jnp.zeros(2), jnp.zeros(1)]).params
    assert _bits(got) == _bits([jnp.ones(2), jnp.zeros(1)])


# --- fit's checkpoint=, checkpoint_every= and Ctrl-C (one policy with fit_functor) -------------


def _kw():
    return dict(
        loss="softmax_cross_entropy", optimizer=optax.adam(0.02), batch_size=16, progress=False
    )


def test_fit_saves_every_k_epochs_and_at_the_end_and_resumes_bit_for_bit(tmp_path, monkeypatch):
    model, params, data = _problem()
    key, path = jax.random.key(2), tmp_path / "run.npz"
    saved = []
    real_save = checkpoint.save

    def spy(p, prm, st, *, step, metadata):
        saved.append((step, _bits(prm), metadata["kind"]))
        real_save(p, prm, st, step=step, metadata=metadata)

    monkeypatch.setattr(checkpoint, "save", spy)
    full = fit(model, params, data, epochs=5, key=key, checkpoint=path, checkpoint_every=2, **_kw())
    assert [s for s, _, _ in saved] == [2, 4, 5] and {k for *_, k in saved} == {"fit"}
    assert saved[-1][1] == _bits(full.params) and checkpoint.load(path).step == 5
    # the epoch-2 file resumes into the uninterrupted run, bit for bit
    two = fit(model, params, data, epochs=2, key=key, **_kw())
    assert saved[0][1] == _bits(two.params)
    # epochs_per_call=3: saved at the end of the call that reaches each multiple of 2
    saved.clear()
    fit(model, params, data, epochs=5, key=key, checkpoint=path, checkpoint_every=2,
        epochs_per_call=3, **_kw())  # fmt: skip
    assert [s for s, _, _ in saved] == [3, 5, 5]


def test_fit_checkpoint_arguments_are_checked_as_fit_functors_are(tmp_path):
    from catlearn.errors import ArgumentTypeError, HyperparameterError

    model, params, data = _problem()
    for bad, err in (
        (dict(checkpoint_every=2), HyperparameterError),
        (dict(checkpoint=tmp_path / "a.npz", checkpoint_every=0), HyperparameterError),
        (dict(checkpoint=3), ArgumentTypeError),
    ):
        with pytest.raises(err):
            fit(model, params, data, epochs=2, key=jax.random.key(0), **bad, **_kw())


def _interrupt_on_call(monkeypatch, module, name, call):
    """Make the ``call``-th call of ``module.name``'s product raise KeyboardInterrupt."""
    real = getattr(module, name)
    count = {"n": 0}

    def make(*a, **k):
        run = real(*a, **k)

        def interrupted(*args, **kwargs):
            count["n"] += 1
            if count["n"] == call:
                raise KeyboardInterrupt
            return run(*args, **kwargs)

        return interrupted

    monkeypatch.setattr(module, name, make)


def test_ctrl_c_during_fit_returns_the_last_completed_epoch(tmp_path, monkeypatch):
    from catlearn.training import train

    model, params, data = _problem()
    key, path = jax.random.key(2), tmp_path / "run.npz"
    two = fit(model, params, data, epochs=2, key=key, **_kw())
    train._epochs_fn.cache_clear()
    _interrupt_on_call(monkeypatch, train, "_epochs_fn", 3)
    with pytest.warns(RuntimeWarning, match="interrupted after 2 of 6 epochs"):
        got = fit(model, params, data, epochs=6, key=key, checkpoint=path, **_kw())
    assert got.interrupted and not two.interrupted
    assert _bits(got.params) == _bits(two.params)
    assert _bits(got.opt_state) == _bits(two.opt_state)
    assert got.history["loss"] == two.history["loss"] and got.step_losses.shape[0] == 2
    ck = checkpoint.load(path)  # and the interrupted run was saved
    assert ck.step == 2 and _bits(ck.params) == _bits(two.params)


def test_ctrl_c_during_fit_functor_returns_the_last_completed_epoch(tmp_path, monkeypatch):
    from catlearn.diagrams import nn
    from catlearn.training import _functor_loop, fit_functor

    f = nn.Linear(1, 1, name="f")
    xs = jnp.linspace(-1.0, 1.0, 8).reshape(-1, 1)
    data = [(f, x, 2 * x) for x in xs] + [(f >> f, x, 4 * x) for x in xs]
    kw = dict(loss="mse", optimizer=optax.adam(0.1), key=jax.random.key(0), progress=False,
              batch_size=4)  # fmt: skip
    two = fit_functor(data, epochs=2, **kw)
    calls = {"n": 0}
    real = _functor_loop._batches

    def batches(*a):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*a)

    monkeypatch.setattr(_functor_loop, "_batches", batches)
    path = tmp_path / "f.npz"
    with pytest.warns(RuntimeWarning, match="fit_functor was interrupted after 2 of 9"):
        got = fit_functor(data, epochs=9, checkpoint=path, **kw)
    assert got.interrupted and got.history == two.history and len(got.epoch_seconds) == 2
    assert _bits(got.params) == _bits(two.params)
    assert checkpoint.load(path).step == 2


@pytest.mark.slow
def test_a_real_sigint_during_fit_returns_a_result(tmp_path):
    """Ctrl-C as a user sends it: SIGINT to a process running a long fit."""
    import re
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    script = textwrap.dedent(
        """
        import sys, warnings, jax, optax
        from catlearn.core.para import Para
        from catlearn.core.types import Euclid
        from catlearn.training import fit
        model = Para.linear(Euclid(4), Euclid(3), name="fc")
        X = jax.random.normal(jax.random.key(0), (64, 4)); y = X[:, :3].argmax(1)
        r = fit(model, model.init(jax.random.key(1)), (X, y), loss="softmax_cross_entropy",
                optimizer=optax.adam(1e-2), epochs=10**7, batch_size=16,
                key=jax.random.key(2), progress=True)
        print("RESULT", r.interrupted, len(r.history["loss"]), flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 120
    # wait until the progress bar shows a few epochs done, then press Ctrl-C
    buf = ""
    while time.time() < deadline and not re.search(r"\| *([1-9]\d*)/10000000", buf[-200:]):
        buf += proc.stderr.read(1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    _, interrupted, n = line.split()
    assert interrupted == "True" and int(n) > 0
    assert "interrupted after" in err
