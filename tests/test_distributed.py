"""Two processes on localhost joined by jax.distributed train like one (loss to 1e-5)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jax
import numpy as np
import optax
import pytest

from catlearn.core.para import Para
from catlearn.core.types import Euclid
from catlearn.errors import ArgumentValueError
from catlearn.training import distributed, fit

ROOT = Path(__file__).resolve().parent.parent

WORKER = """
import json, sys
from catlearn.training import distributed
distributed.initialize()
import jax, numpy as np, optax
from catlearn.core.para import Para
from catlearn.core.types import Euclid
from catlearn.training import fit

model = Para.linear(Euclid(4), Euclid(8), name="fc1") >> Para.linear(Euclid(8), Euclid(3), name="fc2")
X = np.asarray(jax.random.normal(jax.random.key(0), (96, 4)))
y = np.argmax(X[:, :3], axis=1)
r = fit(model, model.init(jax.random.key(1)), (X, y), loss="softmax_cross_entropy",
        optimizer=optax.adam(0.05), epochs=4, batch_size=16, key=jax.random.key(2),
        devices=jax.devices(), progress=False)
print(json.dumps({"process": jax.process_index(), "devices": len(jax.devices()),
                  "steps": r.step_losses.tolist()}))
"""


def _single_process():
    model = Para.linear(Euclid(4), Euclid(8), name="fc1") >> Para.linear(
        Euclid(8), Euclid(3), name="fc2"
    )
    X = np.asarray(jax.random.normal(jax.random.key(0), (96, 4)))
    y = np.argmax(X[:, :3], axis=1)
    r = fit(model, model.init(jax.random.key(1)), (X, y), loss="softmax_cross_entropy",
            optimizer=optax.adam(0.05), epochs=4, batch_size=16, key=jax.random.key(2),
            progress=False)  # fmt: skip
    return r.step_losses


@pytest.mark.slow  # two fresh Python + JAX processes (~10-20 s)
def test_two_processes_equal_the_single_process_loss_curve(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env_path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    os.environ["PYTHONPATH"], old = env_path, os.environ.get("PYTHONPATH")
    try:
        runs = distributed.launch_local([str(script)], 2, timeout=300)
    finally:
        os.environ.pop("PYTHONPATH") if old is None else os.environ.update(PYTHONPATH=old)
    outs = []
    for r in runs:
        assert r.returncode == 0, r.stderr[-3000:]
        outs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    assert [o["process"] for o in outs] == [0, 1]
    assert all(o["devices"] == 2 for o in outs)  # one CPU device per process
    np.testing.assert_array_equal(outs[0]["steps"], outs[1]["steps"])
    want = _single_process()
    got = np.asarray(outs[0]["steps"])
    assert got.shape == want.shape == (4, 6)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_initialize_rejects_a_bad_process_id():
    with pytest.raises(ArgumentValueError, match="process_id"):
        distributed.initialize("127.0.0.1:1", num_processes=2, process_id=5)
