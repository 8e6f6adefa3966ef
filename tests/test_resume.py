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
