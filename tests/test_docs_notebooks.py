"""Notebook hygiene: the code cells of every MyST notebook in ``docs/`` pass ruff's line-length
rule (<= 88 characters) and its error checks, read through jupytext the way the docs build
reads them, and no cell is a wall of code.

Skipped when jupytext or ruff is missing (the docs and dev extras).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _notebooks() -> list[Path]:
    pages = [*sorted((DOCS / "notebooks").glob("*.md")), *sorted(DOCS.glob("*.md"))]
    return [p for p in pages if p.read_text(encoding="utf-8").startswith("---\njupytext:")]


def _code(path: Path) -> str:
    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.read(path)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        # IPython magics and shell escapes are not Python: keep the line numbers, not the text.
        lines = [
            "pass  # magic" if ln.lstrip().startswith(("%", "!")) else ln
            for ln in cell.source.splitlines()
        ]
        cells.append("# %%\n" + "\n".join(lines))
    return "\n\n".join(cells) + "\n"


def _ruff() -> list[str]:
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    try:
        import ruff  # noqa: F401
    except ImportError:
        pytest.skip("ruff is not installed")
    return [sys.executable, "-m", "ruff"]


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_notebook_code_passes_ruff(path):
    code = _code(path)
    proc = subprocess.run(
        [
            *_ruff(),
            "check",
            "--no-cache",
            "--isolated",
            "--line-length",
            "88",
            "--select",
            "E501,E9,F63,F7,F82",
            "--output-format",
            "concise",
            "--stdin-filename",
            f"{path.stem}.py",
            "-",
        ],
        input=code,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"ruff on the code of {path.name}:\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_notebook_cells_are_short(path):
    code = _code(path)
    longest = max((len(c.splitlines()) for c in code.split("# %%")), default=0)
    assert longest <= 60, f"{path.name} has a code cell of {longest} lines (split it, <= 60)"


def test_every_page_with_code_is_checked():
    names = {p.relative_to(DOCS).as_posix() for p in _notebooks()}
    assert "index.md" in names and "tour.md" in names
