"""``benchmarks/gpu.py``: the prepared accelerator run never rots (issue 26).

The script is run with ``--smoke`` (every row at tiny size, on whatever device this is) in
subprocesses, a group of sections each, and its JSON must hold every row of the group, each of
which ran; the crossover rule is checked on made-up rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import gpu

ROOT = Path(__file__).resolve().parents[1]


def _smoke(tmp_path, sections: str, *more: str) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/gpu.py",
            "--smoke",
            "--out",
            str(tmp_path),
            "--only",
            sections,
            *more,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=580,  # under pytest-timeout's 600 s, so a hang reports the script's output
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    res = json.loads((tmp_path / "gpu.json").read_text())
    assert res["smoke"] is True and set(gpu.ROWS) <= set(res)
    assert res["environment"]["device"]
    assert res["environment"]["device"] in (tmp_path / "gpu.md").read_text()
    return res


# One subprocess per group of sections, each well under the 30 s budget of a test, together
# every row of the script (CI's .ci/run also runs the whole --smoke in one process).
@pytest.mark.slow
def test_smoke_step_and_compile_rows(tmp_path):
    res = _smoke(tmp_path, "step,compile")
    for section in ("step", "compile"):
        rows = res[section]
        assert [r["model"] for r in rows] == ["digits 64-128-10", "784-512-512-10"]
        assert all(r["status"] == "ok" and r["ratio_median_of_rounds"] > 0 for r in rows)
    assert res["filters"] == [] and res["demo"] == {"status": "not run"}


@pytest.mark.slow
@pytest.mark.parametrize("kinds", ["hmm", "viterbi,kalman"])
def test_smoke_filter_rows_and_crossover(tmp_path, kinds):
    res = _smoke(tmp_path, "filters", "--kinds", kinds)
    models = {name for name, kind, _ in gpu.FILTER_MODELS if kind in kinds.split(",")}
    assert {r["model"] for r in res["filters"]} == models
    for r in res["filters"]:
        assert r["status"] == "ok", r
        assert {"sequential", "parallel", "auto"} <= set(r["times"])
        assert all(t["status"] == "ok" and t["min_s"] > 0 for t in r["times"].values())
        assert r["auto / best"] > 0 and r["parallel / sequential"] > 0
    assert {c["model"] for c in res["crossover"]} == {name for name, _, _ in gpu.FILTER_MODELS}
    assert all(
        c["worst_auto_over_best"] is not None for c in res["crossover"] if c["model"] in models
    )


@pytest.mark.slow
def test_smoke_network_and_functor_rows(tmp_path):
    res = _smoke(tmp_path, "networks,functor")
    net = res["networks"]
    assert net["status"] == "ok" and net["cases"] == 100 and net["max_diff"] < 1e-9
    fun = res["functor"]
    assert fun["status"] == "ok"
    assert fun["functor_fused_epoch_s"] > 0 and fun["functor_fused_ratio_to_bow"] > 0


@pytest.mark.slow
def test_smoke_demo_row(tmp_path):
    demo = _smoke(tmp_path, "demo")["demo"]
    assert demo["status"] == "ok" and demo["epochs"] == 1 and demo["test_accuracy"] > 0.1


def test_crossover_is_where_parallel_wins_from_then_on():
    ratios = {100: 1.5, 300: 0.9, 1_000: 1.1, 10_000: 0.8, 100_000: 0.5}
    rows = [
        {"model": "HMM filter (4 states)", "T": t, "parallel / sequential": r, "auto / best": 1.0}
        for t, r in ratios.items()
    ]
    rows.append({"model": "HMM filter (4 states)", "T": 10**6, "status": "skipped"})
    (c, *others) = gpu.crossovers(rows, "gpu")
    assert c["crossover_T"] == 10_000 and c["crossover_bracket"] == [1_000, 10_000]
    assert c["measured_T"] == [100, 300, 1_000, 10_000, 100_000]
    assert c["current_auto_min_steps"] == 256 and c["auto_within_1.1"] is True
    # nothing measured for the other models: no crossover, no verdict
    assert all(o["crossover_T"] is None and o["worst_auto_over_best"] is None for o in others)
    never = gpu.crossovers([{**r, "parallel / sequential": 2.0} for r in rows[:-1]], "cpu")[0]
    assert never["crossover_T"] is None and never["crossover_bracket"] == [100_000, None]
    assert never["current_auto_min_steps"] is None  # CPU: "auto" never picks parallel today


def test_smoke_refuses_to_overwrite_the_committed_results():
    with pytest.raises(SystemExit) as e:
        gpu.main(["--smoke", "--out", str(gpu.RESULTS)])
    assert e.value.code == 2
