"""The flagship demo: ``python -m catlearn`` and ``examples/digits_mlp.py`` (fast modes)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from catlearn.__main__ import RECIPES, main, run

ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m catlearn")
    for option in ("--epochs", "--out", "--no-progress", "--fast", "--recipe"):
        assert option in out


def test_demo_fast_writes_pictures(tmp_path, capsys):
    assert main(["--fast", "--no-progress", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "test accuracy:" in text
    acc = float(text.split("test accuracy:")[1].split()[0])
    assert acc > 0.8  # 3 epochs of Adam already learn digits
    for name in ("adam-diagram.png", "adam-loss.png"):
        assert (tmp_path / "o" / name).stat().st_size > 1000


def test_example_script_fast(tmp_path):
    ns = runpy.run_path(str(ROOT / "examples" / "digits_mlp.py"))
    r = ns["main"](fast=True, out=tmp_path, progress=False)
    assert r["accuracy"] > 0.8
    assert r["diagram"].stat().st_size > 0 and r["loss"].stat().st_size > 0


@pytest.mark.parametrize(("recipe", "target"), [("adam", 0.955), ("sgd", 0.93), ("iris", 0.94)])
def test_reference_accuracies(recipe, target):
    r = run(RECIPES[recipe], out=None, progress=False, verbose=False)
    assert r["accuracy"] >= target
