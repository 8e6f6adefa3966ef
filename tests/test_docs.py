"""The documentation builds with warnings as errors (``sphinx-build -W``).

By default the notebooks are not executed here (``CATLEARN_DOCS_EXECUTE=off``): the full build,
which executes every notebook, is ``bash .ci/docs``. Set ``CATLEARN_DOCS_EXECUTE=force`` to
execute them in this test too. Skipped when the docs extra (sphinx, myst-nb, furo) is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.soak  # ~50 s of CPU: over the default run's 30 s budget; .ci/docs builds it in full
def test_sphinx_build_warnings_are_errors(tmp_path):
    for mod in ("sphinx", "myst_nb", "furo"):
        pytest.importorskip(mod)
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.setdefault("CATLEARN_DOCS_EXECUTE", "off")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-E",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(ROOT / "docs"),
            str(tmp_path / "html"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, (
        f"sphinx-build -W failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n"
        f"{proc.stderr[-6000:]}"
    )
    assert (tmp_path / "html" / "index.html").is_file()
    assert (tmp_path / "html" / "api" / "index.html").is_file()
