"""Every script under examples/ runs in its fast mode: ``main(fast=True)``.

Each script runs in a fresh subprocess (its own JAX configuration, its own working directory),
so a script that changes global state cannot affect the rest of the suite. Scripts that have not
been written yet are skipped; any other script found in ``examples/`` is run as well.
Marked ``slow`` (about a minute of CPU for all of them); CI runs them (plain ``pytest``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = [
    "iris_learners",
    "digits_mlp",
    "kalman_tracker",
    "bayes_network_query",
    "rda_iris",
]
FOUND = sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
NAMES = EXPECTED + [n for n in FOUND if n not in EXPECTED]

RUNNER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("example_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
if not hasattr(module, "main"):
    raise SystemExit(f"{sys.argv[1]} has no main(fast=...) function")
module.main(fast=True)
"""


@pytest.mark.slow  # each script starts its own Python + JAX: ~10-20 s of CPU apiece
@pytest.mark.parametrize("name", NAMES)
def test_example_runs_fast(name, tmp_path):
    script = EXAMPLES / f"{name}.py"
    if not script.exists():
        pytest.skip(f"examples/{name}.py does not exist yet")
    env = dict(os.environ, MPLBACKEND="Agg", JAX_PLATFORMS="cpu", TQDM_DISABLE="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(EXAMPLES.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"examples/{name}.py main(fast=True) failed (exit {proc.returncode}):\n"
        f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
    )
