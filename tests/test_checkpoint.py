"""Checkpoints: bit-exact round trips; corrupt or mismatched files raise CheckpointError."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from catlearn.errors import CheckpointError
from catlearn.training import checkpoint


def _params():
    k1, k2 = jax.random.split(jax.random.key(0))
    return {
        "fc1": {"W": jax.random.normal(k1, (4, 8)), "b": jnp.zeros(8)},
        "fc2": {"W": jax.random.normal(k2, (8, 3)), "b": jnp.full(3, 1 / 3)},
    }


def _bits(tree):
    out = []
    for x in jax.tree_util.tree_leaves(tree):
        if jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key):
            x = jax.random.key_data(x)
        x = np.asarray(x)
        out.append((x.dtype.name, x.shape, x.tobytes()))
    return out


def test_round_trip_is_bit_exact(tmp_path):
    params = _params()
    opt = optax.adam(1e-3)
    state = opt.init(params)
    grads = jax.tree_util.tree_map(lambda a: jnp.sin(a) * 1e-3, params)
    update = jax.jit(opt.update)
    for _ in range(3):  # a state with non-trivial moments and count
        upd, state = update(grads, state, params)
        params = jax.jit(optax.apply_updates)(params, upd)
    path = tmp_path / "ck.npz"
    checkpoint.save(path, params, state, step=3, metadata={"epoch": 1, "note": "x"})
    ck = checkpoint.load(path, like=(params, opt.init(params)))
    assert _bits(ck.params) == _bits(params)
    assert _bits(ck.opt_state) == _bits(state)
    assert jax.tree_util.tree_structure(ck.opt_state) == jax.tree_util.tree_structure(state)
    assert ck.step == 3 and ck.metadata == {"epoch": 1, "note": "x"}
    # training continues identically from the loaded state
    a = update(grads, state, params)[0]
    b = update(grads, ck.opt_state, ck.params)[0]
    assert _bits(a) == _bits(b)


def test_exotic_dtypes_and_keys(tmp_path):
    tree = {
        "bf16": jnp.arange(5, dtype=jnp.bfloat16) / 3,
        "i8": jnp.arange(4, dtype=jnp.int8),
        "bool": jnp.array([True, False]),
        "key": jax.random.key(42),
        "scalar": jnp.float32(np.pi),
        "nan": jnp.array([np.nan, -np.inf, 0.0]),
    }
    path = tmp_path / "t.npz"
    checkpoint.save(path, tree)
    back = checkpoint.load(path, like=tree).params
    assert _bits(back) == _bits(tree)
    assert jax.random.key_impl(back["key"]) == jax.random.key_impl(tree["key"])


def test_load_without_template(tmp_path):
    params = _params()
    checkpoint.save(tmp_path / "p.npz", params)
    ck = checkpoint.load(tmp_path / "p.npz")
    assert _bits(ck.params) == _bits(params) and ck.opt_state is None


def test_mismatched_template(tmp_path):
    params = _params()
    path = tmp_path / "ck.npz"
    checkpoint.save(path, params, optax.adam(1e-3).init(params))
    with pytest.raises(CheckpointError, match="does not match the template"):
        checkpoint.load(path, like=(params, optax.sgd(0.1, momentum=0.9).init(params)))
    wider = dict(params, fc2={"W": jnp.zeros((8, 4)), "b": jnp.zeros(4)})
    with pytest.raises(CheckpointError, match=r"expected shape \(8, 4\).*got shape \(8, 3\)"):
        checkpoint.load(path, like=(wider, optax.adam(1e-3).init(wider)))
    half = jax.tree_util.tree_map(lambda a: a.astype(jnp.float16), params)
    with pytest.raises(CheckpointError, match="dtype float16"):
        checkpoint.load(path, like=(half, optax.adam(1e-3).init(half)))
    renamed = {"enc": params["fc1"], "fc2": params["fc2"]}
    with pytest.raises(CheckpointError, match="missing leaves"):
        checkpoint.load(path, like=(renamed, optax.adam(1e-3).init(renamed)))


def test_corrupt_files(tmp_path):
    params = _params()
    path = tmp_path / "ck.npz"
    checkpoint.save(path, params)
    data = path.read_bytes()
    # truncated
    (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt"):
        checkpoint.load(tmp_path / "trunc.npz", like=params)
    # not a zip at all
    (tmp_path / "junk.npz").write_bytes(b"hello world")
    with pytest.raises(CheckpointError, match="corrupt"):
        checkpoint.load(tmp_path / "junk.npz", like=params)
    # a flipped byte inside a stored array: the digest catches it (npz is stored, not deflated)
    raw = np.asarray(params["fc1"]["W"]).tobytes()
    i = data.find(raw[:16])
    assert i > 0
    bad = bytearray(data)
    bad[i + 5] ^= 0xFF
    (tmp_path / "flip.npz").write_bytes(bytes(bad))
    with pytest.raises(CheckpointError, match="corrupt"):
        checkpoint.load(tmp_path / "flip.npz", like=params)
    with pytest.raises(CheckpointError, match="does not exist"):
        checkpoint.load(tmp_path / "missing.npz", like=params)


def test_unserialisable_metadata(tmp_path):
    with pytest.raises(CheckpointError, match="JSON"):
        checkpoint.save(tmp_path / "m.npz", _params(), metadata={"f": object()})
