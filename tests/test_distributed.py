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


# --- issue 22, cause 7: a dead rank stops the launch; a rank that never joins is an error -----

DIES = """
import os, signal, sys
if os.environ["CATLEARN_PROCESS_ID"] == "1":
    print("rank 1 dies now", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
from catlearn.training import distributed
distributed.initialize()  # rank 0 would wait here for rank 1 (it hung 310 s, then SIGABRT)
"""

RAISES = """
import os
if os.environ["CATLEARN_PROCESS_ID"] == "1":
    raise RuntimeError("boom in rank 1")
import time
time.sleep(120)
"""

NEVER_JOINS = """
print("a single-process job")
"""


def _launch(tmp_path, source, n=2):
    script = tmp_path / "worker.py"
    script.write_text(source)
    env_path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    os.environ["PYTHONPATH"], old = env_path, os.environ.get("PYTHONPATH")
    try:
        return distributed.launch_local([str(script)], n, timeout=120)
    finally:
        os.environ.pop("PYTHONPATH") if old is None else os.environ.update(PYTHONPATH=old)


@pytest.mark.parametrize(
    "source, words",
    [
        (DIES, r"rank 1 was killed by signal 9 \(SIGKILL\):\n.*rank 1 dies now"),
        (RAISES, r"rank 1 exited with code 1:\n(.|\n)*RuntimeError: boom in rank 1"),
    ],
)
def test_a_dead_rank_ends_the_launch_within_seconds_naming_it(tmp_path, source, words):
    import time

    from catlearn.errors import LaunchError

    start = time.monotonic()
    with pytest.raises(LaunchError, match=words) as info:
        _launch(tmp_path, source)
    assert time.monotonic() - start < 10
    assert info.value.rank == 1 and "Stopped the other ranks [0]" in str(info.value)
    assert info.value.results[0].returncode != 0  # rank 0 was stopped, not left running


def test_a_rank_that_never_calls_initialize_is_an_error(tmp_path):
    from catlearn.errors import LaunchError

    with pytest.raises(LaunchError, match=r"rank \d exited without calling .*initialize\(\)"):
        _launch(tmp_path, NEVER_JOINS)


def test_cli_exits_non_zero_naming_the_rank(tmp_path, capsys):
    script = tmp_path / "worker.py"
    script.write_text(RAISES)
    env_path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    os.environ["PYTHONPATH"], old = env_path, os.environ.get("PYTHONPATH")
    try:
        code = distributed.main(["-n", "2", str(script)])
    finally:
        os.environ.pop("PYTHONPATH") if old is None else os.environ.update(PYTHONPATH=old)
    assert code == 1
    assert "rank 1 exited with code 1" in capsys.readouterr().err


def test_bad_process_count_from_the_environment(monkeypatch):
    monkeypatch.setenv(distributed.ENV["num_processes"], "two")
    monkeypatch.setenv(distributed.ENV["process_id"], "0")
    with pytest.raises(ArgumentValueError, match=r"CATLEARN_NUM_PROCESSES.*'two'"):
        distributed.initialize("127.0.0.1:1")
