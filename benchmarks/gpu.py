"""Every accelerator row of catlearn's benchmarks in one short run (issue 26).

An accelerator is lent only now and then, and only for minutes, so this script is prepared
ahead: one command fills every GPU row, in at most ``--budget`` seconds (default 450, under
the 8 minutes the issue allows), and writes ``gpu.json`` and ``gpu.md`` with the device's
name (``jax.devices()[0].device_kind``)::

    python benchmarks/gpu.py                      # on the accelerator: full sizes
    python benchmarks/gpu.py --smoke --out /tmp/x # any machine, every row at tiny size, seconds
    python benchmarks/gpu.py --only filters       # some sections (the others say "not run")

Rows (each reuses the timing code of the benchmark module named):

* ``step``: one train step of ``compile(MLP(...))`` vs the hand-written ``jax.jit`` +
  ``value_and_grad`` + optax step, digits 64-128-10 (batch 128) and 784-512-512-10 (batch
  256) — ``benchmarks/run.py``'s ``_step_case``; goal ratio <= 1.05.
* ``compile``: build + compile + trace + XLA compile of that step vs the hand-written trace +
  XLA compile — ``benchmarks/run.py``'s ``_compile_case``; goal ratio <= 1.5.
* ``filters``: ``method="sequential"`` vs ``"parallel"`` vs ``"auto"`` (and dynamax's parallel
  filters where dynamax imports) for the HMM filter (4 and 64 states), HMM Viterbi (4 states)
  and the Kalman filter (state 4, obs 2), at T from 10^2 to 10^6 —
  ``benchmarks/bench_filtering.py``'s calibrated interleaved timing. Observations are drawn
  i.i.d. (uniform symbols, standard normal vectors): the work of a filter does not depend on
  the values, and sampling 10^6 steps from the model would itself be a sequential scan.
  From these rows: the **measured crossover** (the smallest T of the grid from which the
  parallel scan beats the sequential one at every larger T), compared with today's
  ``AUTO_PARALLEL_MIN_STEPS`` for this backend, and ``auto / best`` at every T (goal <= 1.1).
* ``networks``: 10^4 batched queries of one signature on pgmpy's alarm (``query_batch``) vs
  pgmpy's ``VariableElimination`` one by one — ``benchmarks/bench_networks.py``'s
  ``batched_alarm`` (float64, as there).
* ``functor``: ``fit_functor`` epochs on the sentence task (fused scan and, except with
  ``--smoke``, one step per minibatch) vs the bag-of-words MLP epoch —
  ``benchmarks/bench_functor.py``.
* ``demo``: ``python -m catlearn`` end to end in a fresh process (import, compile, train,
  evaluate), and the training time it reports.

Rows that do not fit are recorded, never silently dropped: ``"status": "skipped"`` when the
time budget ran out first (the filter rows run in increasing T, so the largest go first),
``"oom"`` when the device ran out of memory, ``"error"`` (the script then exits 1) for
anything else. Timings are minima over interleaved repeats after a warm-up call, with
``jax.block_until_ready``; every ratio is taken inside this one run.

``--smoke`` runs every row at tiny size (a CI check that the script has not rotted; its numbers
mean nothing) and writes into a fresh temporary folder unless ``--out`` is given; it refuses
to write over the committed ``benchmarks/results``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import catlearn as cl  # noqa: E402
from benchmarks.bench_filtering import (  # noqa: E402
    _dynamax,
    dynamax_hmm_filter,
    dynamax_kalman_filter,
    tracking_model,
)
from catlearn.probability.statespace._parallel import (  # noqa: E402
    AUTO_PARALLEL_MIN_STEPS,
    resolve_method,
)

METHODS = ("sequential", "parallel", "auto")
FULL_LENGTHS = [100, 300, 1_000, 10_000, 100_000, 1_000_000]
SMOKE_LENGTHS = [32]
FILTER_MODELS = [  # (row name, kind for resolve_method, HMM states or None for Kalman)
    ("HMM filter (4 states)", "hmm", 4),
    ("HMM filter (64 states)", "hmm", 64),
    ("HMM Viterbi (4 states)", "viterbi", 4),
    ("Kalman filter (state 4, obs 2)", "kalman", None),
]


class Budget:
    """The run's deadline: a row starts only while time is left."""

    def __init__(self, seconds: float) -> None:
        self.start = time.monotonic()
        self.seconds = seconds

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float:
        return self.seconds - self.elapsed()


def _status_of(exc: BaseException) -> dict[str, Any]:
    text = f"{type(exc).__name__}: {exc}"
    oom = "RESOURCE_EXHAUSTED" in text or "out of memory" in text.lower()
    return {"status": "oom" if oom else "error", "error": text[:500]}


def _guarded(budget: Budget, reserve_s: float, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one row: skipped when less than ``reserve_s`` is left, its failure recorded."""
    if budget.left() < reserve_s:
        return {"status": "skipped", "reason": f"time budget ({budget.seconds:.0f} s) spent"}
    t0 = time.perf_counter()
    try:
        row = {"status": "ok", **fn()}
    except Exception as exc:  # a row's failure is data; the script still writes the others
        row = _status_of(exc)
    row["row_seconds"] = time.perf_counter() - t0
    return row


def measure(
    calls: dict[str, Callable[[], Any]], *, repeats: int, row_budget_s: float, target_s: float
) -> dict[str, dict[str, Any]]:
    """Interleaved timing of zero-argument calls, bounded in time.

    Each call runs once cold (``first_s``: trace + compile + run) and once warm; the warm
    times calibrate ``inner`` (calls per sample, the same for all, so a sample lasts about
    ``target_s``); then up to ``repeats`` rounds, the order rotating every round, while the
    row's time ``row_budget_s`` lasts. Reports the per-call ``min_s`` and ``median_s``.
    A call that raises is reported with its status and left out of the rounds.
    """
    t_row = time.perf_counter()
    out: dict[str, dict[str, Any]] = {}
    samples: dict[str, list[float]] = {}
    for k, f in calls.items():
        try:
            t0 = time.perf_counter()
            jax.block_until_ready(f())
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            jax.block_until_ready(f())
            samples[k] = [time.perf_counter() - t0]
            out[k] = {"status": "ok", "first_s": first}
        except Exception as exc:  # e.g. out of device memory at 10^6 steps
            out[k] = _status_of(exc)
    live = list(samples)
    inner = max(1, int(target_s / max(min((samples[k][0] for k in live), default=1.0), 1e-6)))
    for r in range(repeats):
        if time.perf_counter() - t_row > row_budget_s:
            break
        for k in live[r % len(live) :] + live[: r % len(live)]:
            t0 = time.perf_counter()
            for _ in range(inner):
                res = calls[k]()
            jax.block_until_ready(res)
            samples[k].append((time.perf_counter() - t0) / inner)
    for k in live:
        out[k].update(
            min_s=min(samples[k]),
            median_s=float(np.median(samples[k])),
            samples=len(samples[k]),
            inner=inner,
        )
    return out


# --- train step and compile ---------------------------------------------------------------------


def _cases(smoke: bool) -> list[tuple[str, list[int], int]]:
    """The two models of ``benchmarks/run.py``; ``--smoke`` keeps their names, tiny sizes."""
    from benchmarks.run import CASES

    return [(label, [8, 8, 4], 8) for label, _, _ in CASES] if smoke else CASES


def step_rows(smoke: bool, budget: Budget) -> list[dict[str, Any]]:
    from benchmarks.run import _step_case

    rounds, inner = (1, 1) if smoke else (15, 50)
    return [
        {"model": label, "sizes": sizes, "batch": batch}
        | _guarded(
            budget, 20, lambda s=sizes, b=batch, n=label: _step_case(n, s, b, rounds, inner)[1]
        )
        for label, sizes, batch in _cases(smoke)
    ]


def compile_rows(smoke: bool, budget: Budget) -> list[dict[str, Any]]:
    from benchmarks.run import _compile_case

    rounds = 1 if smoke else 5
    return [
        {"model": label, "sizes": sizes, "batch": batch}
        | _guarded(budget, 20, lambda s=sizes, b=batch, n=label: _compile_case(n, s, b, rounds)[1])
        for label, sizes, batch in _cases(smoke)
    ]


# --- sequential vs parallel vs auto -------------------------------------------------------------


def _hmm(k: int) -> Any:
    """A random ``k``-state HMM over 6 symbols (numpy draws: eager ``jax.random.dirichlet``
    compiles a gamma sampler op by op, seconds of CPU for nothing)."""
    rng = np.random.default_rng(k)
    return cl.HMM(
        jnp.asarray(rng.dirichlet(np.ones(k)), jnp.float32),
        jnp.asarray(rng.dirichlet(np.ones(k) * 0.3, k), jnp.float32),
        jnp.asarray(rng.dirichlet(np.ones(6), k), jnp.float32),
    )


def _filter_calls(kind: str, states: int | None, t_len: int, dx: Any) -> dict[str, Callable]:
    key = jax.random.key(t_len)
    if kind in ("hmm", "viterbi"):
        assert states is not None
        hmm = _hmm(states)
        obs = jax.random.randint(key, (t_len,), 0, 6)
        if kind == "hmm":
            fns = {
                m: jax.jit(lambda h, y, m=m: cl.probability.hmm_filter(h, y, method=m).filtered)
                for m in METHODS
            }
        else:
            fns = {
                m: jax.jit(lambda h, y, m=m: cl.probability.hmm_viterbi(h, y, method=m).path)
                for m in METHODS
            }
        calls: dict[str, Callable] = {m: (lambda f=f: f(hmm, obs)) for m, f in fns.items()}
        if dx is not None and kind == "hmm":
            hmm_dx = dynamax_hmm_filter(dx, hmm)
            calls["dynamax_parallel"] = lambda: hmm_dx(obs)
        return calls
    model = tracking_model()
    ys = jax.random.normal(key, (t_len, 2))
    kfns = {
        m: jax.jit(lambda md, y, m=m: cl.probability.kalman_filter(md, y, method=m).means)
        for m in METHODS
    }
    calls = {m: (lambda f=f: f(model, ys)) for m, f in kfns.items()}
    if dx is not None:
        kalman_dx = dynamax_kalman_filter(dx, model)
        calls["dynamax_parallel"] = lambda: kalman_dx(ys)
    return calls


def _filter_row(kind: str, states: int | None, t_len: int, dx: Any, smoke: bool) -> dict:
    calls = _filter_calls(kind, states, t_len, dx)
    t = measure(
        calls,
        repeats=1 if smoke else 7,
        row_budget_s=1.0 if smoke else 8.0,
        target_s=0.002 if smoke else 0.05,
    )
    row: dict[str, Any] = {"times": t, "auto_picks": resolve_method("auto", t_len, kind)}
    ok = {m: t[m]["min_s"] for m in METHODS if t[m]["status"] == "ok"}
    if "sequential" in ok and "parallel" in ok:
        row["parallel / sequential"] = ok["parallel"] / ok["sequential"]
    best = min((ok[m] for m in ("sequential", "parallel") if m in ok), default=None)
    if best is not None and "auto" in ok:
        row["auto / best"] = ok["auto"] / best
    dxt = t.get("dynamax_parallel", {})
    if dxt.get("status") == "ok" and "parallel" in ok:
        row["catlearn parallel / dynamax parallel"] = ok["parallel"] / dxt["min_s"]
    return row


def filter_rows(
    smoke: bool, budget: Budget, lengths: list[int], kinds: set[str]
) -> list[dict[str, Any]]:
    """All (model, T) rows of ``kinds``, in increasing T so that a spent budget loses only
    the largest."""
    dx = _dynamax()
    rows = []
    with jax.numpy_rank_promotion("allow"):  # dynamax broadcasts by rank promotion
        for t_len in lengths:
            for name, kind, states in FILTER_MODELS:
                if kind not in kinds:
                    continue
                reserve = 2 if smoke else 10 + 3e-5 * t_len  # ~30 s before the 10^6 rows
                row = _guarded(
                    budget,
                    reserve,
                    lambda k=kind, s=states, t=t_len: _filter_row(k, s, t, dx, smoke),
                )
                rows.append({"model": name, "kind": kind, "T": t_len, **row})
                print(f"filters: {name} T={t_len}: {_brief(row)}", flush=True)
    return rows


def crossovers(rows: list[dict[str, Any]], backend: str) -> list[dict[str, Any]]:
    """Per model: the smallest grid T from which parallel beats sequential at every larger T."""
    table = AUTO_PARALLEL_MIN_STEPS.get(backend, AUTO_PARALLEL_MIN_STEPS["gpu"])
    out = []
    for name, kind, _ in FILTER_MODELS:
        measured = [r for r in rows if r["model"] == name and "parallel / sequential" in r]
        measured.sort(key=lambda r: r["T"])
        crossover: int | None = None  # None: sequential wins at the largest T measured
        for r in reversed(measured):
            if r["parallel / sequential"] < 1.0:
                crossover = r["T"]
            else:
                break
        below = [r["T"] for r in measured if crossover is None or r["T"] < crossover]
        auto = [r["auto / best"] for r in rows if r["model"] == name and "auto / best" in r]
        out.append(
            {
                "model": name,
                "kind": kind,
                "measured_T": [r["T"] for r in measured],
                "crossover_T": crossover,
                "crossover_bracket": [max(below) if below else None, crossover],
                # None: "auto" never picks the parallel scan on this backend today
                "current_auto_min_steps": table[kind] if math.isfinite(table[kind]) else None,
                "worst_auto_over_best": max(auto) if auto else None,
                "auto_within_1.1": bool(auto) and max(auto) <= 1.1,
            }
        )
    return out


# --- networks, functor, demo --------------------------------------------------------------------


def network_row(smoke: bool, budget: Budget) -> dict[str, Any]:
    """``bench_networks.batched_alarm``: ``n`` queries on alarm in one ``query_batch`` (cold and
    warm) vs pgmpy's ``VariableElimination`` one by one, in float64 like its other rows."""
    previous = jax.config.jax_enable_x64
    n, n_pgmpy = (100, 3) if smoke else (10_000, 100)

    def time_warm(call) -> float:
        return measure(
            {"batch": call},
            repeats=1 if smoke else 5,
            row_budget_s=1.0 if smoke else 10.0,
            target_s=0.0,
        )["batch"]["min_s"]

    def run() -> dict[str, Any]:
        from benchmarks import bench_networks  # turns float64 on: its rows are float64

        jax.config.update("jax_enable_x64", True)
        return bench_networks.batched_alarm(n, n_pgmpy, {}, time_warm=time_warm)

    try:
        return _guarded(budget, 20, run)
    finally:
        jax.config.update("jax_enable_x64", previous)


def functor_row(smoke: bool, budget: Budget) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        from benchmarks.bench_functor import time_bow, time_functor
        from catlearn.training.functor import Functor
        from catlearn.training.sentences import bag_of_words, sentence_data, sentences

        n, epochs = (64, 2) if smoke else (2000, 6)
        adjectives = 0 if smoke else 2
        texts = sentences(n, seed=0, max_adjectives=adjectives)
        data = sentence_data(n, seed=0, max_adjectives=adjectives)
        X = bag_of_words([w for w, _ in texts]).astype(np.float32)
        y = np.array([label for _, label in texts])
        p = sum(
            int(np.size(x))
            for x in jax.tree_util.tree_leaves(
                Functor([d for d, _ in data]).init(jax.random.key(0))
            )
        )
        b_first, b_epoch, _, _ = time_bow(X, y, epochs, max(1, round((p - 2) / 45)))
        row: dict[str, Any] = {
            "diagrams": n,
            "epochs": epochs,
            "bow_first_s": b_first,
            "bow_epoch_s": b_epoch,
        }
        for fused in (True,) if smoke else (True, False):  # smoke: the fused path only
            name = "fused" if fused else "stepwise"
            first, epoch, r = time_functor(data, epochs, fused)
            row |= {
                "shapes": r.n_shapes,
                f"functor_{name}_first_s": first,
                f"functor_{name}_epoch_s": epoch,
                f"functor_{name}_ratio_to_bow": epoch / b_epoch,
            }
        return row

    return _guarded(budget, 20, run)


def demo_row(smoke: bool, budget: Budget) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        cmd = [sys.executable, "-m", "catlearn", "--no-progress", "--no-plots"]
        if smoke:
            cmd += ["--epochs", "1"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd[1:])} exited {proc.returncode}: {proc.stderr[-400:]}"
            )
        acc = re.search(r"test accuracy:\s*([0-9.]+)", proc.stdout)
        train = re.search(r"trained : (\d+) epochs in ([0-9.]+) s", proc.stdout)
        return {
            "command": "python " + " ".join(cmd[1:]),
            "wall_s": wall,
            "epochs": int(train.group(1)) if train else None,
            "train_s": float(train.group(2)) if train else None,
            "test_accuracy": float(acc.group(1)) if acc else None,
        }

    return _guarded(budget, 20, run)


# --- report -------------------------------------------------------------------------------------


def _brief(row: dict[str, Any]) -> str:
    if row["status"] != "ok":
        return f"{row['status']} ({row.get('reason') or row.get('error')})"
    keys = ("parallel / sequential", "auto / best", "ratio_median_of_rounds", "ratio_warm")
    return ", ".join(f"{k} {row[k]:.3g}" for k in keys if isinstance(row.get(k), float)) or "ok"


def _ms(t: dict[str, Any], key: str) -> str:
    v = t.get(key, {})
    return f"{v['min_s'] * 1e3:.3f}" if v.get("status") == "ok" else v.get("status", "-")


def _f(v: Any, spec: str = ".3g") -> str:
    return format(v, spec) if isinstance(v, int | float) and v is not None else "-"


def markdown(res: dict[str, Any]) -> str:
    env = res["environment"]
    out = [
        f"# Accelerator rows: {env['device']}\n",
        f"`{res['command']}` on {env['backend']} ({env['device']}, {env['n_devices']} device(s)), "
        f"jax {env['jax']}, {env['date_utc']} UTC, {res['seconds']:.0f} s in all"
        + (" — SMOKE RUN: tiny sizes, the numbers mean nothing." if res["smoke"] else ".")
        + "\n",
        "## Train step and compile (catlearn / hand-written JAX + optax)\n",
        "| model | step ratio (goal <= 1.05) | catlearn step (µs) | compile ratio (goal <= 1.5) |",
        "|---|---|---|---|",
    ]
    for s, c in zip(res["step"], res["compile"], strict=False):  # empty when not run
        out.append(
            f"| {s['model']} | {_f(s.get('ratio_median_of_rounds'))} | "
            f"{_f(s.get('catlearn_us'), '.1f')} | {_f(c.get('ratio_median_of_rounds'))} |"
        )
    out += [
        "\n## Sequential vs parallel vs auto\n",
        "| model | T | sequential (ms) | parallel (ms) | auto (ms) | auto picks | "
        "parallel / sequential | auto / best | dynamax parallel (ms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res["filters"]:
        t = r.get("times", {})
        if r["status"] != "ok":
            out.append(f"| {r['model']} | {r['T']} | {r['status']} | | | | | | |")
            continue
        out.append(
            f"| {r['model']} | {r['T']} | {_ms(t, 'sequential')} | {_ms(t, 'parallel')} | "
            f"{_ms(t, 'auto')} | {r['auto_picks']} | {_f(r.get('parallel / sequential'))} | "
            f"{_f(r.get('auto / best'))} | {_ms(t, 'dynamax_parallel')} |"
        )
    out += [
        '\n## Measured crossover of `method="auto"`\n',
        "| model | crossover T (parallel faster from here on) | bracket | today's threshold "
        "| worst auto / best (goal <= 1.1) |",
        "|---|---|---|---|---|",
    ]
    for c in res["crossover"]:
        out.append(
            f"| {c['model']} | {c['crossover_T']} | {c['crossover_bracket']} | "
            f"{c['current_auto_min_steps']} | {_f(c['worst_auto_over_best'])} |"
        )
    n, f, d = res["networks"], res["functor"], res["demo"]
    out += [
        "\n## Batched network queries, functorial learning, demo\n",
        "| row | figure |",
        "|---|---|",
        f"| alarm, {n.get('cases', '-')} batched queries: warm / cold (s) | "
        f"{_f(n.get('catlearn_warm_s'))} / {_f(n.get('catlearn_cold_s'))} ({n['status']}) |",
        f"| alarm: pgmpy one by one ÷ catlearn batch (warm) | {_f(n.get('ratio_warm'))} |",
        f"| fit_functor fused epoch (s), ÷ BoW epoch | {_f(f.get('functor_fused_epoch_s'))}, "
        f"{_f(f.get('functor_fused_ratio_to_bow'))} ({f['status']}) |",
        f"| fit_functor stepwise epoch (s), ÷ BoW epoch | "
        f"{_f(f.get('functor_stepwise_epoch_s'))}, {_f(f.get('functor_stepwise_ratio_to_bow'))} |",
        f"| `{d.get('command', 'python -m catlearn')}`: wall (s), training (s), test accuracy | "
        f"{_f(d.get('wall_s'))}, {_f(d.get('train_s'))}, {_f(d.get('test_accuracy'), '.4f')} "
        f"({d['status']}) |",
    ]
    return "\n".join(out) + "\n"


def environment() -> dict[str, Any]:
    dev = jax.devices()[0]
    return {
        "device": getattr(dev, "device_kind", str(dev)),
        "backend": jax.default_backend(),
        "n_devices": len(jax.devices()),
        "jax": jax.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }


SECTIONS = ("step", "compile", "networks", "functor", "demo", "filters")
ROWS = (*SECTIONS, "crossover")


def _statuses(res: dict[str, Any]) -> list[str]:
    found = []
    for k in ROWS:
        v = res[k]
        for r in v if isinstance(v, list) else [v]:
            if "status" in r:
                found.append(r["status"])
            for t in r.get("times", {}).values():
                found.append(t["status"])
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="every row at tiny size (CI)")
    ap.add_argument("--out", type=Path, help="output folder (default: benchmarks/results)")
    ap.add_argument(
        "--budget",
        type=float,
        help="seconds for the whole run (default 450; --smoke: no limit, every row runs)",
    )
    ap.add_argument("--lengths", help="comma-separated T grid of the filter rows")
    ap.add_argument("--kinds", default="hmm,viterbi,kalman", help="filter rows to run")
    ap.add_argument(
        "--only", help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})"
    )
    args = ap.parse_args(argv)
    out = args.out or (Path(tempfile.mkdtemp(prefix="catlearn-gpu-")) if args.smoke else RESULTS)
    if args.smoke and out.resolve() == RESULTS.resolve():
        ap.error("--smoke would overwrite the committed results; give another --out")
    lengths = (
        [int(x) for x in args.lengths.split(",")]
        if args.lengths
        else SMOKE_LENGTHS
        if args.smoke
        else FULL_LENGTHS
    )
    budget = Budget(args.budget or (math.inf if args.smoke else 450.0))
    env = environment()
    print(f"gpu.py: {env['device']} ({env['backend']}), smoke={args.smoke}", flush=True)
    res: dict[str, Any] = {
        "benchmark": "gpu",
        "command": "python benchmarks/gpu.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "smoke": args.smoke,
        "environment": env,
        "budget_s": budget.seconds if math.isfinite(budget.seconds) else None,
    }
    sections: list[tuple[str, Callable[[], Any]]] = [
        ("step", lambda: step_rows(args.smoke, budget)),
        ("compile", lambda: compile_rows(args.smoke, budget)),
        ("networks", lambda: network_row(args.smoke, budget)),
        ("functor", lambda: functor_row(args.smoke, budget)),
        ("demo", lambda: demo_row(args.smoke, budget)),
        ("filters", lambda: filter_rows(args.smoke, budget, lengths, set(args.kinds.split(",")))),
    ]
    only = set(args.only.split(",")) if args.only else set(SECTIONS)
    if not only <= set(SECTIONS):
        ap.error(f"--only takes some of {','.join(SECTIONS)}, got {args.only!r}")
    for name, section in sections:
        if name not in only:  # kept as a row that says so, never silently absent
            res[name] = [] if name in ("step", "compile", "filters") else {"status": "not run"}
            continue
        t0 = time.perf_counter()
        res[name] = section()
        print(f"gpu.py: {name} done in {time.perf_counter() - t0:.1f} s", flush=True)
    res["crossover"] = crossovers(res["filters"], env["backend"])
    res["seconds"] = budget.elapsed()
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    md = markdown(res)
    (out / "gpu.md").write_text(md)
    print(md)
    print(f"gpu.py: wrote {out / 'gpu.json'} and gpu.md in {res['seconds']:.1f} s", flush=True)
    return 1 if "error" in _statuses(res) else 0


if __name__ == "__main__":
    sys.exit(main())
