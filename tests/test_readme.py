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


# --- the "Measured figures" table: every figure a benchmark wrote is the JSON's --------------

RESULTS = ROOT / "benchmarks" / "results"


def _json(name: str) -> dict:
    import json

    return json.loads((RESULTS / f"{name}.json").read_text())


def _row(prefix: str) -> str:
    """The README's "Measured figures" row whose first cell starts with ``prefix``."""
    section = (ROOT / "README.md").read_text().split("## Measured figures", 1)[1].split("\n## ")[0]
    rows = [r for r in section.splitlines() if r.startswith(f"| {prefix}")]
    assert len(rows) == 1, f"expected one README row starting {prefix!r}, found {len(rows)}"
    return rows[0]


def _range(values, digits: int) -> str:
    return f"{min(values):.{digits}f}–{max(values):.{digits}f}"


def _step():
    return [f"{r['ratio_median_of_rounds']:.3f}" for r in _json("step")["results"]]


def _compile():
    return [f"{r['ratio_median_of_rounds']:.3f}" for r in _json("compile")["results"]]


def _hmm():
    ratios = [h["ratios"]["loglik: catlearn / hand scan"] for h in _json("filtering")["hmm"]]
    return [_range(ratios, 2)]


def _methods():
    rows = _json("filtering")["methods"]
    ps = [m["parallel / sequential"] for m in rows]
    return [
        f"≤ {max(m['auto / best'] for m in rows):.2f}",
        f"{min(ps):.1f}–{max(ps):.0f}×",
    ]


def _networks():
    res = _json("networks")
    fresh = res["fresh"]
    warm = res["batched"]["ratio_warm"]
    return [
        f"on {len(fresh)} bundled networks (≤ {max(r['nodes'] for r in fresh)} nodes)",
        f"same answers to {max(r['max_diff'] for r in fresh):.0e}",
        f"median time {_range([r['ratio'] for r in fresh], 2)}× pgmpy's",
        f"{res['batched']['cases']:,} batched {res['batched']['network']} queries "
        f"~{float(f'{warm:.2g}'):,.0f}× faster",
    ]


def _composition():
    res = _json("composition")
    lo, hi = min(res["ns"]), max(res["ns"])
    kinds = ["Para", "Lens", "ParaLens", "Learner", "Sampler", "Circuit"]
    us = {(r["kind"], r["n"]): r["rshift_us_per_arrow"] for r in res["rows"]}
    return [
        " / ".join(f"{us[k, hi]:.1f}" for k in kinds),
        f"per-arrow ratio 10⁵ ÷ 10³ {_range([us[k, hi] / us[k, lo] for k in kinds], 2)}",
    ]


def _functor():
    (task,) = _json("functor")["tasks"]
    return [
        f"test accuracy {task['functor_test_accuracy']:.3f}",
        f"same parameter count: {task['bow_test_accuracy']:.3f}",
    ]


def _lambeq():
    import statistics

    tasks = _json("lambeq")["tasks"]
    ours = {t: tasks[t]["catlearn"]["fit_s"][0] for t in ("mc", "rp")}
    theirs = {t: statistics.median(tasks[t]["lambeq"]["fit_s"]) for t in ("mc", "rp")}
    equal = {  # seeds whose test accuracy from lambeq's initial weights equals lambeq's
        t: sum(
            a == b
            for a, b in zip(
                tasks[t]["catlearn"]["shared_init"]["accuracy"], tasks[t]["lambeq"]["accuracy"]
            )
        )
        for t in ("mc", "rp")
    }
    n = {t: len(tasks[t]["lambeq"]["accuracy"]) for t in ("mc", "rp")}
    assert equal["mc"] == equal["rp"] and n["mc"] == n["rp"]
    acc = {
        (t, side): statistics.fmean(tasks[t][side]["accuracy"])
        for t in ("mc", "rp")
        for side in ("catlearn", "lambeq")
    }
    return [
        f"MC {acc['mc', 'catlearn']:.3f} vs {acc['mc', 'lambeq']:.3f}",
        f"RP {acc['rp', 'catlearn']:.3f} vs {acc['rp', 'lambeq']:.3f}",
        f"{ours['mc'] / theirs['mc']:.3f} / {ours['rp'] / theirs['rp']:.3f}",
        f"{ours['mc']:.2f} s vs {theirs['mc']:.2f} s; {ours['rp']:.2f} s vs {theirs['rp']:.2f} s",
        f"on {equal['mc']} of {n['mc']} seeds",
    ]


FIGURES = {
    "compiled train step": ("benchmarks.run --quick --only step,compile", _step),
    "trace + compile": ("benchmarks.run --quick --only step,compile", _compile),
    "HMM log-likelihood": ("benchmarks/bench_filtering.py", _hmm),
    "filters on CPU": ("bench_filtering --methods-only", _methods),
    "Bayesian-network queries": ("benchmarks.bench_networks", _networks),
    "composing 10⁵ arrows": ("benchmarks.bench_composition", _composition),
    "sentence classification": ("benchmarks.bench_functor", _functor),
    "lambeq's MC / RP tasks": ("benchmarks/bench_lambeq.py", _lambeq),
}


@pytest.mark.parametrize("prefix", sorted(FIGURES))
def test_readme_figures_are_the_committed_benchmark_results(prefix):
    """Each README row that cites a benchmark quotes the figures of its JSON, as rounded there."""
    command, expected = FIGURES[prefix]
    row = _row(prefix)
    assert command in row, f"the README row {prefix!r} should cite `{command}`"
    missing = [figure for figure in expected() if figure not in row]
    assert not missing, f"README row {prefix!r} differs from benchmarks/results: {missing}"


def test_every_readme_row_citing_a_benchmark_is_checked():
    section = (ROOT / "README.md").read_text().split("## Measured figures", 1)[1].split("\n## ")[0]
    cites = re.compile(r"`python (-m benchmarks\.|benchmarks/)")
    citing = [r for r in section.splitlines() if r.startswith("| ") and cites.search(r)]
    unchecked = [r[:60] for r in citing if not any(r.startswith(f"| {p}") for p in FIGURES)]
    assert not unchecked, f"README rows citing a benchmark without a check: {unchecked}"
