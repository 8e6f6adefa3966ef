"""Benchmark composing long chains of arrows of every kind, directly (no diagram).

For each arrow kind (Para, Lens, ParaLens, Learner, Sampler, Circuit, the eager array
kernels Finite and LinearGaussian, the syntax: Diagram boxes, Bayesian lenses of Finite
kernels, evaluated as the backward at a prior, symmetric lenses, evaluated as a putr and a
putl, and noisy maps, evaluated at given noise) and n in {1e3, 1e4, 1e5}
one-wire arrows:

* ``>>``: build time per arrow of the left fold ``((a0 >> a1) >> a2) >> ...``;
* ``then``: build time per arrow of ``a0.then(a1, ..., a_{n-1})``;
* first evaluation: the first run of the ``>>`` chain on one input (for the closure-based
  kinds this includes flattening the composite into its program, once);
* the per-arrow ratio 1e5 / 1e3 of both build times (flat, i.e. O(n) overall, is ~1; the
  goal is <= 2; a quadratic build would be ~100). Build times are CPU time of the process
  (``time.process_time``): on a shared machine wall time charges a long build for the
  other processes that preempt it.

The chains' values are checked against the diagram-compiled version of the same boxes
(``catlearn.diagrams.compiler.compile``) at n = 1e3. Timing: ``time.perf_counter``, garbage
collector paused while timing (as ``timeit`` does; ``--gc`` leaves it on, as users run),
best of 3 builds (one at n = 1e5)::

    python -m benchmarks.bench_composition [--quick] [--gc] [--only Diagram,...]

writes ``benchmarks/results/composition.json`` and ``composition.md``. ``--quick`` stops
at n = 1e4 with one repeat.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn.boolean import Circuit
from catlearn.core import Euclid, Learner, Lens, Para, ParaLens, ParamSpec
from catlearn.core.category import flatten
from catlearn.core.fong_johnson import SymmetricLens
from catlearn.core.types import Bool, Fin
from catlearn.diagrams.compiler import compile as cl_compile
from catlearn.diagrams.compiler import to_program
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.probability import BayesLens, Sampler, bayes_lens
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.kernels.stochastic import NoisyMap

RESULTS = Path(__file__).resolve().parent / "results"
E1 = Euclid(1)


# --- the kinds: arrows, one evaluation, the compiled diagram -------------------------------------


def _para(n: int) -> list[Any]:
    return [Para(E1, E1, ParamSpec(()), lambda p, x: 0.5 * x + p, name=f"f{i}") for i in range(n)]


def _para_eval(a: Any) -> Any:
    return a({name: np.float64(1.0) for name in a.spec}, np.ones(1))


def _lens(n: int) -> list[Any]:
    return [Lens(lambda a: a + 1.0, lambda a, b: b + a, E1, E1) for _ in range(n)]


def _lens_eval(a: Any) -> Any:
    return a.put(np.zeros(1), np.ones(1))


def _paralens(n: int) -> list[Any]:
    return [
        ParaLens(
            E1, E1, ParamSpec(()), lambda p, a: a + p, lambda p, a, b: (b - a, b), name=f"l{i}"
        )
        for i in range(n)
    ]


def _paralens_eval(a: Any) -> Any:
    return a.put({name: np.float64(1.0) for name in a.spec}, np.zeros(1), np.ones(1))[1]


def _learner(n: int) -> list[Any]:
    return [
        Learner(
            E1,
            E1,
            ParamSpec(()),
            lambda p, a: a + p,
            lambda p, a, b: p + 0.5 * (b - a - p),
            lambda p, a, b: b - p,
            name=f"L{i}",
        )
        for i in range(n)
    ]


def _learner_eval(a: Any) -> Any:
    return a.request({name: np.float64(1.0) for name in a.spec}, np.zeros(1), np.ones(1))


def _sampler(n: int) -> list[Any]:
    return [Sampler(lambda k, x: x + 1.0, E1, E1, deterministic=True)] * n


def _sampler_eval(a: Any) -> Any:
    return a.sample(jax.random.key(0), x=np.zeros(1))


def _circuit(n: int) -> list[Any]:
    return [Circuit.not_(1)] * n


def _circuit_eval(a: Any) -> Any:
    return a.run(jnp.ones(1, "uint8"))[0]


def _finite(n: int) -> list[Any]:
    k = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    return [k] * n


def _finite_eval(a: Any) -> Any:
    return a.prob(1, 0)


def _gaussian(n: int) -> list[Any]:
    k = LinearGaussian([[0.5]], [1.0], [[0.1]])
    return [k] * n


def _gaussian_eval(a: Any) -> Any:
    return a.mean(jnp.zeros(1))


def _diagram(n: int) -> list[Any]:
    return [Box(f"d{i}", E1, E1) for i in range(n)]


def _diagram_eval(a: Any) -> Any:
    """The first use of a diagram: its program (the boxes' indices, in program order)."""
    return np.array([int(ins.box.name[1:]) for ins in to_program(a).instructions])


def _bayes(n: int) -> list[Any]:
    lens = bayes_lens(Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2)))
    return [lens] * n


def _bayes_eval(a: Any) -> Any:
    # the backward at a prior (one pass: push the prior along, compose the inverses), one row
    return a.update(Finite.state([0.5, 0.5]), 0).array


def _symmetric(n: int) -> list[Any]:
    def up(a: Any, c: Any) -> Any:
        return a + 1.0, c + 1

    def down(b: Any, c: Any) -> Any:
        return b - 1.0, c - 1

    return [SymmetricLens(up, down, E1, E1)] * n


def _symmetric_eval(a: Any) -> Any:
    # putr then putl through every box, each with its own complement (a count of its puts)
    n = len(flatten(a))
    b, c = a.putr(jnp.zeros(1), (0,) * n)
    back, c = a.putl(b, c)
    return jnp.concatenate([b, back, jnp.array([float(sum(c))])])


def _noisy(n: int) -> list[Any]:
    noise = LinearGaussian.state(jnp.zeros(1), jnp.eye(1))
    return [NoisyMap(lambda x, e: x + e, noise, E1, E1, affine=True)] * n


def _noisy_eval(a: Any) -> Any:
    # the deterministic part at given noise values: one atom per box, each read once
    n = len(flatten(a))
    return a(jnp.zeros(1), tuple(jnp.full(1, 1e-3) for _ in range(n)))


def _compiled(kind: type, arrows: list[Any]) -> Any:
    """The diagram of the same boxes, compiled into the kind."""
    if kind is Diagram:
        return Diagram.id(E1).then(*arrows)
    if kind is Circuit:
        d = Diagram.id(Bool(1)).then(*[Box("NOT", Bool(1), Bool(1)) for _ in arrows])
        return Circuit.from_program(to_program(d))
    dom = arrows[0].dom
    boxes = [Box(f"b{i}", a.dom, a.cod) for i, a in enumerate(arrows)]
    return cl_compile(Diagram.id(dom).then(*boxes), dict(zip(boxes, arrows)), into=kind)


KINDS: dict[str, tuple[type, Callable[[int], list[Any]], Callable[[Any], Any]]] = {
    "Para": (Para, _para, _para_eval),
    "Lens": (Lens, _lens, _lens_eval),
    "ParaLens": (ParaLens, _paralens, _paralens_eval),
    "Learner": (Learner, _learner, _learner_eval),
    "Sampler": (Sampler, _sampler, _sampler_eval),
    "Circuit": (Circuit, _circuit, _circuit_eval),
    "Finite": (Finite, _finite, _finite_eval),
    "LinearGaussian": (LinearGaussian, _gaussian, _gaussian_eval),
    "Diagram": (Diagram, _diagram, _diagram_eval),
    "BayesLens": (BayesLens, _bayes, _bayes_eval),
    "SymmetricLens": (SymmetricLens, _symmetric, _symmetric_eval),
    "NoisyMap": (NoisyMap, _noisy, _noisy_eval),
}


# --- timing ------------------------------------------------------------------------------------


def _best(fn: Callable[[], Any], repeats: int, gc_on: bool = False) -> tuple[float, float, Any]:
    """Best CPU time and best wall time of ``repeats`` calls (collector paused), and the
    last result. CPU time (``time.process_time``) is what the ratios use: on a shared
    machine a long build is preempted more often than a short one, which wall time would
    count as build time."""
    cpu = wall = float("inf")
    out = None
    for _ in range(repeats):
        out = None
        gc.collect()
        if not gc_on:
            gc.disable()
        try:
            c0, t0 = time.process_time(), time.perf_counter()
            out = fn()
            wall = min(wall, time.perf_counter() - t0)
            cpu = min(cpu, time.process_time() - c0)
        finally:
            gc.enable()
    return cpu, wall, out


def _fold(arrows: list[Any]) -> Any:
    out = arrows[0]
    for a in arrows[1:]:
        out = out >> a
    return out


def _then(arrows: list[Any]) -> Any:
    return arrows[0].then(*arrows[1:])


def measure(name: str, ns: list[int], repeats: int, gc_on: bool = False) -> list[dict[str, Any]]:
    kind, make, evaluate = KINDS[name]
    rows = []
    for n in ns:
        arrows = make(n)
        reps = repeats if n <= 10_000 else 1  # one 1e5 build already averages 1e5 steps
        t_rshift, w_rshift, chain = _best(functools.partial(_fold, arrows), reps, gc_on)
        t_then, w_then, _ = _best(functools.partial(_then, arrows), reps, gc_on)
        gc.collect()
        t0 = time.perf_counter()
        jax.block_until_ready(evaluate(chain))
        t_eval = time.perf_counter() - t0
        row = {
            "kind": name,
            "n": n,
            "rshift_us_per_arrow": 1e6 * t_rshift / n,
            "then_us_per_arrow": 1e6 * t_then / n,
            "rshift_wall_us_per_arrow": 1e6 * w_rshift / n,
            "then_wall_us_per_arrow": 1e6 * w_then / n,
            "first_eval_s": t_eval,
        }
        if n == ns[0]:
            ref = np.asarray(evaluate(_compiled(kind, arrows)), float)
            ours = np.asarray(evaluate(chain), float)
            row["max_abs_diff_compiled"] = float(np.max(np.abs(ref - ours)))
        rows.append(row)
        print(
            f"{name:15s} n={n:>6d}  >> {row['rshift_us_per_arrow']:7.2f} us/arrow  "
            f"then {row['then_us_per_arrow']:7.2f} us/arrow  first eval {t_eval:7.3f} s",
            flush=True,
        )
        del arrows, chain
    return rows


def markdown(res: dict[str, Any]) -> str:
    ns = res["ns"]
    lo, hi = ns[0], ns[-1]
    lines = [
        "# Composition: long chains of arrows built with `>>` and `then(*arrows)`",
        "",
        f"Build time per arrow (µs) for n = {', '.join(f'{n:,}' for n in ns)} one-wire arrows, "
        f"the first evaluation of the `>>` chain (s), the per-arrow ratio {hi:,} / {lo:,} "
        "(flat is ~1, goal <= 2), and the largest difference between the chain's value and "
        f"the compiled diagram of the same boxes (at n = {lo:,}; 0 means equal). Build "
        f"times are CPU time of the process, best of {res['repeats']} builds (one at "
        f"100,000), garbage collector {'on' if res.get('gc') else 'paused'}; the JSON also "
        "has wall times.",
        "",
        "| kind | n | `>>` µs/arrow | `then` µs/arrow | first eval (s) | "
        f"`>>` ratio {hi:,}/{lo:,} | `then` ratio | vs compiled |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for name in KINDS:
        rows = [r for r in res["rows"] if r["kind"] == name]
        if not rows:
            continue
        first, last = rows[0], rows[-1]
        r1 = last["rshift_us_per_arrow"] / first["rshift_us_per_arrow"]
        r2 = last["then_us_per_arrow"] / first["then_us_per_arrow"]
        for r in rows:
            tail = (
                f"{r1:.2f} | {r2:.2f} | {first.get('max_abs_diff_compiled', float('nan')):.1e}"
                if r is last
                else " | | "
            )
            lines.append(
                f"| {name} | {r['n']:,} | {r['rshift_us_per_arrow']:.2f} | "
                f"{r['then_us_per_arrow']:.2f} | {r['first_eval_s']:.3f} | {tail} |"
            )
    lines += [
        "",
        f"Machine: {res['machine']}; jax {res['jax']}, Python {res['python']}. "
        "Command: `python -m benchmarks.bench_composition"
        + (" --quick" if res["quick"] else "")
        + (" --gc" if res.get("gc") else "")
        + "`.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n up to 1e4, one repeat")
    parser.add_argument("--gc", action="store_true", help="garbage collector on while timing")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated kinds (default: all); their rows replace the same kinds' rows "
        "of the last run with the same n",
    )
    args = parser.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))  # the default: no help given
    ns = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    repeats = 1 if args.quick else 3
    kinds = [k for k in args.only.split(",") if k] or list(KINDS)
    rows = []
    for name in kinds:
        rows += measure(name, ns, repeats, args.gc)
    path = RESULTS / "composition.json"
    if args.only and path.exists():  # keep the other kinds' rows of a run with the same ns
        old = json.loads(path.read_text())
        if (
            old.get("ns") == ns
            and old.get("quick") == args.quick
            and bool(old.get("gc")) == args.gc
        ):
            rows = [r for r in old["rows"] if r["kind"] not in kinds] + rows
            rows.sort(key=lambda r: (list(KINDS).index(r["kind"]), r["n"]))
    res = {
        "ns": ns,
        "repeats": repeats,
        "quick": args.quick,
        "gc": args.gc,
        "rows": rows,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "jax": jax.__version__,
        "python": platform.python_version(),
    }
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(res)
    (RESULTS / "composition.md").write_text(md)
    print(md)
    return res


if __name__ == "__main__":
    main()
