"""The README's Python blocks run (in order, one namespace), and every example takes --fast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks() -> list[str]:
    return BLOCK.findall((ROOT / "README.md").read_text())


def test_readme_has_python_blocks():
    assert len(_blocks()) >= 1


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)  # anything a block writes lands in a scratch directory
    namespace: dict = {"__name__": "__readme__"}
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"README.md[python block {i}]", "exec"), namespace)
    assert "accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("script", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.stem)
def test_every_example_honours_fast(script):
    text = script.read_text()
    assert "--fast" in text and "def main(fast" in text, f"{script.name} ignores --fast"
    main_block = text.split('if __name__ == "__main__":', 1)[-1]
    assert "fast" in main_block, f"{script.name}'s __main__ does not pass --fast to main"
