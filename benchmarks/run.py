"""catlearn benchmarks: every figure is a ratio against a baseline measured in the same process.

Run all of them (from the repository root)::

    python -m benchmarks.run              # all four, full repeats
    python -m benchmarks.run --quick      # fewer repeats (a smoke run)
    python -m benchmarks.run --only step,compile

Each benchmark prints a markdown table and writes ``benchmarks/results/<name>.json`` and
``benchmarks/results/<name>.md`` (plus ``benchmarks/results/README.md`` with all tables).

* ``step``: one train step (forward, loss, ``value_and_grad``, Adam) of the compiled diagram
  vs the same MLP hand-written with ``jax.jit(jax.value_and_grad)`` + optax, for digits
  64-128-10 (batch 128) and 784-512-512-10 (batch 256, random data). Goal: ratio <= 1.05.
* ``compile``: diagram build + compile to Para + trace + XLA compile of that step vs tracing
  and compiling the hand-written step. Goal: ratio <= 1.5.
* ``chain``: build + compile (diagram -> program -> Para) and trace (``jax.make_jaxpr`` of
  the forward) of 100 / 1,000 / 10,000-box chains: time per box should stay flat.
* ``fit``: a whole fit on digits (30 epochs, all fused in one ``lax.scan``, or one jitted
  call per epoch) vs a Python loop over a jitted step with numpy shuffling and batching.

Timing: warm-up first (compilation excluded except in ``compile``), ``block_until_ready``,
the two sides interleaved round by round, median of the rounds.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from catlearn.diagrams.compiler import compile as cl_compile
from catlearn.diagrams.diagram import chain
from catlearn.diagrams.nn import MLP, Linear
from catlearn.training.train import fit, train_step

RESULTS = Path(__file__).resolve().parent / "results"


# --- timing helpers ----------------------------------------------------------------------------


def _block(x: Any) -> Any:
    return jax.block_until_ready(x)


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """Time each zero-argument function once per round, alternating their order."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    names = list(fns)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            t = time.perf_counter()
            _block(fns[name]())
            times[name].append(time.perf_counter() - t)
    return times


def med(xs: list[float]) -> float:
    return float(statistics.median(xs))


def environment() -> dict[str, Any]:
    dev = jax.devices()[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "device": getattr(dev, "device_kind", str(dev)),
        "n_devices": len(jax.devices()),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1min": load,
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }


def table(header: list[str], rows: list[list[Any]]) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write(name: str, title: str, md: str, data: dict[str, Any]) -> str:
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = environment()
    data = {"benchmark": name, "environment": env, **data}
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
    text = (
        f"## {title}\n\n{md}\n\n"
        f"jax {env['jax']} on {env['backend']} ({env['device']}, {env['cpu_count']} CPU "
        f"cores, 1-min load average {env['load_average_1min']}), {env['date_utc']} UTC.\n"
    )
    (RESULTS / f"{name}.md").write_text(text)
    print(text, flush=True)
    return text


# --- the models ----------------------------------------------------------------------------


def hand_written_step(sizes: list[int], opt: optax.GradientTransformation) -> Callable[..., Any]:
    """The MLP train step as a JAX user writes it: batched matmuls, jit(value_and_grad)+optax."""
    n_layers = len(sizes) - 1

    def loss_fn(p: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        h = x
        for i in range(n_layers):
            h = h @ p[f"fc{i + 1}"]["W"] + p[f"fc{i + 1}"]["b"]
            if i < n_layers - 1:
                h = jax.nn.relu(h)
        return optax.softmax_cross_entropy_with_integer_labels(h, y).mean()

    @jax.jit
    def step(p: Any, s: Any, x: jax.Array, y: jax.Array) -> tuple[Any, Any, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        updates, s = opt.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    return step


def compiled_step(sizes: list[int], opt: optax.GradientTransformation) -> tuple[Any, Any]:
    """The same MLP drawn as a diagram, compiled to Para, and its fit step."""
    net = cl_compile(MLP(sizes, activation="relu", name="fc"))
    return net, train_step(net, loss="softmax_cross_entropy", optimizer=opt)


def hlo_ops(step: Any, *args: Any) -> dict[str, int]:
    """Histogram of the instructions of the XLA-optimised program of ``step`` on ``args``."""
    import collections
    import re

    text = step.lower(*args).compile().as_text()
    ops: collections.Counter[str] = collections.Counter()
    for line in text.splitlines():
        m = re.search(r"=\s*\S+\s+([a-z][a-z\-]*)\(", line)
        if m:
            ops[m.group(1)] += 1
    return dict(ops)


def _data(n_in: int, k: int, batch: int, seed: int = 0) -> tuple[jax.Array, jax.Array]:
    rng = np.random.default_rng(seed)
    return (
        jnp.asarray(rng.normal(size=(batch, n_in)).astype(np.float32)),
        jnp.asarray(rng.integers(0, k, batch).astype(np.int32)),
    )


CASES = [("digits 64-128-10", [64, 128, 10], 128), ("784-512-512-10", [784, 512, 512, 10], 256)]


# --- (a) train step ----------------------------------------------------------------------------


def bench_step(quick: bool) -> dict[str, Any]:
    rounds, inner = (7, 20) if quick else (31, 50)
    rows, out = [], []
    for label, sizes, batch in CASES:
        row, res = _step_case(label, sizes, batch, rounds, inner)
        rows.append(row)
        out.append(res)
    md = table(
        [
            "model",
            "batch",
            "catlearn step (µs)",
            "hand-written (µs)",
            "ratio",
            "goal",
            "met",
            "max abs Δparam",
            "same XLA ops",
        ],
        rows,
    )
    write(
        "step", "(a) Train step: compiled diagram vs hand-written JAX + optax", md, {"results": out}
    )
    return {"results": out}


def _step_case(
    label: str, sizes: list[int], batch: int, rounds: int, inner: int
) -> tuple[list[Any], dict[str, Any]]:
    opt = optax.adam(1e-3)
    net, step_c = compiled_step(sizes, opt)
    step_h = hand_written_step(sizes, opt)
    params = net.init(jax.random.key(0))
    x, y = _data(sizes[0], sizes[-1], batch)
    state = {"c": (params, opt.init(params)), "h": (params, opt.init(params))}
    # same numbers and the same XLA program: the two steps compute the same thing
    same_hlo = hlo_ops(step_c, *state["c"], x, y) == hlo_ops(step_h, *state["h"], x, y)
    pc = step_c(*state["c"], x, y)[0]
    ph = step_h(*state["h"], x, y)[0]
    gap = float(
        max(
            jnp.max(jnp.abs(a - b))
            for a, b in zip(jax.tree_util.tree_leaves(pc), jax.tree_util.tree_leaves(ph))
        )
    )

    def runner(key: str, step: Callable[..., Any]) -> Callable[[], Any]:
        def run() -> Any:
            p, s = state[key]
            for _ in range(inner):
                p, s, loss = step(p, s, x, y)
            state[key] = (p, s)
            return loss

        return run

    fns = {"catlearn": runner("c", step_c), "hand": runner("h", step_h)}
    interleaved(fns, 2)  # warm-up
    t = interleaved(fns, rounds)
    ratios = [a / b for a, b in zip(t["catlearn"], t["hand"])]
    tc, th = med(t["catlearn"]) / inner, med(t["hand"]) / inner
    ratio = med(ratios)
    row = [
        label,
        batch,
        tc * 1e6,
        th * 1e6,
        ratio,
        "<= 1.05",
        "yes" if ratio <= 1.05 else "no",
        f"{gap:.1e}",
        "yes" if same_hlo else "no",
    ]
    return row, {
        "model": label,
        "batch": batch,
        "catlearn_us": tc * 1e6,
        "hand_us": th * 1e6,
        "ratio_median_of_rounds": ratio,
        "ratio_of_medians": tc / th,
        "max_param_diff_after_one_step": gap,
        "rounds": rounds,
        "steps_per_round": inner,
        "same_optimised_hlo_op_histogram": same_hlo,
    }


# --- (b) trace + compile time ------------------------------------------------------------------


def bench_compile(quick: bool) -> dict[str, Any]:
    rounds = 3 if quick else 7
    rows, out = [], []
    for label, sizes, batch in CASES:
        row, res = _compile_case(label, sizes, batch, rounds)
        rows.append(row)
        out.append(res)
    md = table(
        [
            "model",
            "catlearn build+compile+trace+XLA (ms)",
            "hand trace+XLA (ms)",
            "ratio",
            "goal",
            "met",
        ],
        rows,
    )
    write("compile", "(b) Trace + compile time of the train step", md, {"results": out})
    return {"results": out}


def _compile_case(
    label: str, sizes: list[int], batch: int, rounds: int
) -> tuple[list[Any], dict[str, Any]]:
    x, y = _data(sizes[0], sizes[-1], batch)

    def catlearn_side() -> Any:
        opt = optax.adam(1e-3)
        net, step = compiled_step(sizes, opt)  # build diagram + compile to Para + jit
        p = jax.eval_shape(net.init, jax.random.key(0))
        s = jax.eval_shape(opt.init, p)
        return step.lower(p, s, x, y).compile()

    def hand_side() -> Any:
        opt = optax.adam(1e-3)
        step = hand_written_step(sizes, opt)
        net = cl_compile(MLP(sizes, activation="relu", name="fc"))
        p = jax.eval_shape(net.init, jax.random.key(0))  # the same shapes, not timed below
        s = jax.eval_shape(opt.init, p)
        t = time.perf_counter()
        step.lower(p, s, x, y).compile()
        return time.perf_counter() - t

    def timed_catlearn() -> float:
        t = time.perf_counter()
        catlearn_side()
        return time.perf_counter() - t

    tc_list, th_list = [], []
    catlearn_side(), hand_side()  # warm-up (imports, caches of jax itself)
    for r in range(rounds):
        if r % 2:
            th_list.append(hand_side())
            tc_list.append(timed_catlearn())
        else:
            tc_list.append(timed_catlearn())
            th_list.append(hand_side())
    ratios = [a / b for a, b in zip(tc_list, th_list)]
    ratio = med(ratios)
    row = [
        label,
        med(tc_list) * 1e3,
        med(th_list) * 1e3,
        ratio,
        "<= 1.5",
        "yes" if ratio <= 1.5 else "no",
    ]
    return row, {
        "model": label,
        "catlearn_ms": med(tc_list) * 1e3,
        "hand_ms": med(th_list) * 1e3,
        "ratio_median_of_rounds": ratio,
        "rounds": rounds,
    }


# --- (c) long chains ---------------------------------------------------------------------------


def _build_compile(n: int) -> tuple[float, float, Any]:
    t0 = time.perf_counter()
    boxes = [Linear(4, 4, name=f"l{i}") for i in range(n)]
    diagram = chain(*boxes)
    t1 = time.perf_counter()
    net = cl_compile(diagram)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, net


def _chain_once(n: int) -> tuple[float, float, float, float]:
    gc.collect()
    build_gc, comp_gc, _ = _build_compile(n)  # Python's cyclic GC on, as in a user's session
    gc.collect()
    gc.disable()  # as timeit does: the pure cost of catlearn's code
    try:
        build, comp, net = _build_compile(n)
        params = jax.eval_shape(net.init, jax.random.key(0))
        t3 = time.perf_counter()
        jax.make_jaxpr(lambda p, x: net.apply_batch(p, x))(params, jnp.ones((8, 4)))
        trace = time.perf_counter() - t3
    finally:
        gc.enable()
    return build, comp, trace, build_gc + comp_gc


def bench_chain(quick: bool) -> dict[str, Any]:
    sizes = [100, 1000] if quick else [100, 1000, 10000]
    rows, out = [], []
    _chain_once(10)  # warm-up
    for n in sizes:
        reps = 1 if quick else (5 if n <= 1000 else 3)
        runs = [_chain_once(n) for _ in range(reps)]
        build, comp, trace, with_gc = (med([r[i] for r in runs]) for i in range(4))
        rows.append(
            [
                n,
                build * 1e3,
                comp * 1e3,
                (build + comp) / n * 1e6,
                with_gc / n * 1e6,
                trace * 1e3,
                trace / n * 1e6,
            ]
        )
        out.append(
            {
                "boxes": n,
                "build_ms": build * 1e3,
                "compile_to_para_ms": comp * 1e3,
                "build_compile_us_per_box": (build + comp) / n * 1e6,
                "build_compile_us_per_box_gc_on": with_gc / n * 1e6,
                "trace_ms": trace * 1e3,
                "trace_us_per_box": trace / n * 1e6,
                "repeats": reps,
            }
        )
    md = table(
        [
            "boxes",
            "build diagram (ms)",
            "compile to Para (ms)",
            "build+compile per box (µs)",
            "same, Python GC on (µs/box)",
            "trace forward, jaxpr (ms)",
            "trace per box (µs)",
        ],
        rows,
    )
    md += (
        "\n\nTimes are medians of repeats with Python's cyclic garbage collector paused (as "
        "`timeit` does); the GC-on column shows what a user's session sees: the collector's "
        "passes over the growing heap make large builds slower per box, independently of "
        "catlearn's own (linear) work."
    )
    md += (
        "\n\nXLA's own compilation of a 10,000-layer unrolled chain (~21 s jit, ~42 s "
        "jit(grad) on this machine, DESIGN.md) is not included: it is the same for "
        "hand-written code."
    )
    write("chain", "(c) Build + compile of long chains (time per box)", md, {"results": out})
    return {"results": out}


# --- (d) whole fit -----------------------------------------------------------------------------


def bench_fit(quick: bool) -> dict[str, Any]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    Xtr, _, ytr, _ = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    epochs, batch = 30, 128
    rounds = 3 if quick else 9
    sizes = [64, 128, 10]
    opt = optax.adam(1e-3)
    net, step = compiled_step(sizes, opt)
    p0 = net.init(jax.random.key(0))
    steps_per_epoch = len(Xtr) // batch

    def fused() -> Any:
        return fit(
            net,
            p0,
            (Xtr, ytr),
            loss="softmax_cross_entropy",
            optimizer=opt,
            epochs=epochs,
            batch_size=batch,
            key=jax.random.key(1),
            epochs_per_call=epochs,
            progress=False,
        ).params

    def per_epoch() -> Any:
        return fit(
            net,
            p0,
            (Xtr, ytr),
            loss="softmax_cross_entropy",
            optimizer=opt,
            epochs=epochs,
            batch_size=batch,
            key=jax.random.key(1),
            epochs_per_call=1,
            progress=False,
        ).params

    def python_loop() -> Any:
        rng = np.random.default_rng(1)
        p, s = p0, opt.init(p0)
        history = []
        for _ in range(epochs):
            perm = rng.permutation(len(Xtr))
            losses = []
            for i in range(steps_per_epoch):
                idx = perm[i * batch : (i + 1) * batch]
                p, s, loss = step(p, s, Xtr[idx], ytr[idx])
                losses.append(loss)
            history.append(float(jnp.mean(jnp.stack(losses))))
        return p

    fns = {"fused": fused, "per_epoch": per_epoch, "loop": python_loop}
    interleaved(fns, 1)  # warm-up: compiles
    t = interleaved(fns, rounds)
    tl = med(t["loop"])
    rows = [
        [
            "fit, all 30 epochs in one lax.scan",
            med(t["fused"]) * 1e3,
            med([a / b for a, b in zip(t["fused"], t["loop"])]),
        ],
        [
            "fit, one jitted call per epoch (progress bar)",
            med(t["per_epoch"]) * 1e3,
            med([a / b for a, b in zip(t["per_epoch"], t["loop"])]),
        ],
        ["Python loop over jitted step (baseline)", tl * 1e3, 1.0],
    ]
    md = table(
        [
            f"digits 64-128-10, Adam, batch 128, 30 epochs ({epochs * steps_per_epoch} steps)",
            "time (ms)",
            "ratio vs loop",
        ],
        rows,
    )
    out = {
        "epochs": epochs,
        "batch": batch,
        "steps": epochs * steps_per_epoch,
        "fused_ms": med(t["fused"]) * 1e3,
        "per_epoch_ms": med(t["per_epoch"]) * 1e3,
        "loop_ms": tl * 1e3,
        "ratio_fused": rows[0][2],
        "ratio_per_epoch": rows[1][2],
        "rounds": rounds,
    }
    write(
        "fit", "(d) Whole fit: epochs fused in lax.scan vs a Python loop of jitted steps", md, out
    )
    return out


BENCHMARKS = {"step": bench_step, "compile": bench_compile, "chain": bench_chain, "fit": bench_fit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke run)")
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {list(BENCHMARKS)}"
    )
    args = parser.parse_args(argv)
    chosen = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmarks {unknown}; choose from {list(BENCHMARKS)}")
    for name in chosen:
        BENCHMARKS[name](args.quick)
    # the summary holds the latest table of every benchmark (re-run ones replace their own)
    texts = [
        (RESULTS / f"{n}.md").read_text() for n in BENCHMARKS if (RESULTS / f"{n}.md").exists()
    ]
    header = (
        "# Benchmark results\n\nProduced by `python -m benchmarks.run` (each table says when "
        "and on what machine); every ratio is catlearn / baseline measured in the same "
        "process.\n\n"
    )
    (RESULTS / "README.md").write_text(header + "\n".join(texts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
