"""Data-parallel fit on 8 simulated CPU devices equals the single-device fit.

The 8-device run happens in a subprocess, because ``--xla_force_host_platform_device_count``
must be set before JAX starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest
from jax.sharding import Mesh

from catlearn.errors import DataError
from catlearn.training.sharding import data_mesh, replicate

SCRIPT = textwrap.dedent(
    """
    import json, jax, numpy as np, optax
    from catlearn.errors import DataError
    from catlearn.core.para import Para
    from catlearn.training.train import fit
    from catlearn.core.types import Euclid

    assert len(jax.devices()) == 8, jax.devices()
    model = (Para.linear(Euclid(16), Euclid(32), name="l1")
             >> Para.from_function(jax.nn.tanh, Euclid(32), Euclid(32))
             >> Para.linear(Euclid(32), Euclid(4), name="l2"))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 16)).astype(np.float32)
    y = rng.integers(0, 4, 256)
    p0 = model.init(jax.random.key(0))
    kw = dict(loss="softmax_cross_entropy", optimizer=optax.adam(1e-2), epochs=3,
              batch_size=64, key=jax.random.key(1), metric="accuracy", progress=False)
    one = fit(model, p0, (X, y), **kw)
    eight = fit(model, p0, (X, y), devices=8, **kw)
    mesh = fit(model, p0, (X, y), mesh=jax.sharding.Mesh(np.array(jax.devices()), ("data",)), **kw)
    leaves = lambda t: [np.asarray(a) for a in jax.tree_util.tree_leaves(t)]
    out = {
        "steps": int(one.step_losses.size),
        "loss_gap": float(np.max(np.abs(one.step_losses - eight.step_losses))),
        "param_gap": max(float(np.max(np.abs(a - b)))
                         for a, b in zip(leaves(one.params), leaves(eight.params))),
        "mesh_gap": float(np.max(np.abs(one.step_losses - mesh.step_losses))),
        "metric_gap": float(np.max(np.abs(np.array(one.history["metric"])
                                          - np.array(eight.history["metric"])))),
        "n_shards": len(eight.params["l1"]["W"].sharding.device_set),
        "first_loss": float(one.step_losses[0, 0]),
        "last_loss": float(one.step_losses[-1, -1]),
    }
    try:
        fit(model, p0, (X, y), devices=8, **dict(kw, batch_size=60))
    except DataError as e:
        out["indivisible"] = str(e)
    print("RESULT" + json.dumps(out))
    """
)


def test_eight_devices_equal_one_device():
    env = dict(
        os.environ,
        XLA_FLAGS=(
            os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
        ).strip(),
        JAX_PLATFORMS="cpu",
    )
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))
    out = json.loads(line[len("RESULT") :])
    print("8-device gap:", out)  # recorded with pytest -s
    assert out["steps"] == 12
    assert out["loss_gap"] < 1e-5 and out["mesh_gap"] < 1e-5
    assert out["param_gap"] < 1e-5
    assert out["metric_gap"] < 1e-6
    assert out["n_shards"] == 8  # parameters come back replicated on all devices
    assert out["last_loss"] < out["first_loss"]
    assert "multiple of the number of devices (8)" in out["indivisible"]


def test_data_mesh_and_replicate():
    mesh = data_mesh()
    assert mesh.axis_names == ("data",) and mesh.size == len(jax.devices())
    assert data_mesh(mesh) is mesh
    tree = replicate({"w": np.ones(3, np.float32)}, mesh)
    assert tree["w"].sharding.is_fully_replicated


def test_data_mesh_bad_input():
    with pytest.raises(DataError, match="xla_force_host_platform_device_count"):
        data_mesh(len(jax.devices()) + 100)
    with pytest.raises(DataError, match="axis named 'data'"):
        data_mesh(Mesh(np.array(jax.devices()), ("batch",)))
    with pytest.raises(DataError, match="at least one device"):
        data_mesh([])
