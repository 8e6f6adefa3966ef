"""Benchmark the training step as a composite lens (issue 13).

The jitted put of ``catlearn.core.step.supervised_step`` (compiled digits MLP 64-128-10,
softmax cross-entropy, Adam 1e-3 as an optimiser lens, batch 128) vs the same MLP
hand-written with batched matmuls in ``jax.jit(jax.value_and_grad)`` + ``optax.adam(1e-3)``
(``benchmarks.run.hand_written_step``), and vs ``catlearn.training.train_step`` (fit's step).
Goal: ratio <= 1.05. Same minibatch every call, interleaved rounds, median of the per-round
ratios::

    python -m benchmarks.bench_step [--quick]

writes ``benchmarks/results/step_lens.json`` and ``step_lens.md``.
"""

from __future__ import annotations

import argparse
from typing import Any

import jax
import jax.numpy as jnp
import optax

from benchmarks.run import (
    _data,
    hand_written_step,
    interleaved,
    med,
    table,
    write,
)
from catlearn.core.optim import adam
from catlearn.core.step import step_params, supervised_step
from catlearn.diagrams.compiler import compile as cl_compile
from catlearn.diagrams.nn import MLP
from catlearn.training.train import train_step


def bench(quick: bool) -> dict[str, Any]:
    rounds, inner = (7, 20) if quick else (31, 50)
    sizes, batch = [64, 128, 10], 128
    net = cl_compile(MLP(sizes, activation="relu", name="fc"))
    lens_opt = adam(1e-3)
    put = supervised_step(net, "softmax_cross_entropy", lens_opt, batch_size=batch).put

    @jax.jit
    def lens_step(ps: Any, x: jax.Array, y: jax.Array) -> Any:
        return put(ps, (x, y), ())[0]  # new (params, state); the input cotangents are unused

    hand = hand_written_step(sizes, optax.adam(1e-3))
    fit_step = train_step(net, loss="softmax_cross_entropy", optimizer=optax.adam(1e-3))
    params = net.init(jax.random.key(0))
    x, y = _data(sizes[0], sizes[-1], batch)
    state: dict[str, Any] = {
        "lens": step_params(params, lens_opt),
        "hand": (params, optax.adam(1e-3).init(params)),
        "fit": (params, optax.adam(1e-3).init(params)),
    }
    one = lens_step(state["lens"], x, y)["train"][0]
    ref = hand(*state["hand"], x, y)[0]
    gap = max(
        float(jnp.max(jnp.abs(a - b)))
        for a, b in zip(jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(ref))
    )

    def runner(key: str) -> Any:
        def run() -> Any:
            s = state[key]
            for _ in range(inner):
                if key == "lens":
                    s = lens_step(s, x, y)
                else:
                    s = (hand if key == "hand" else fit_step)(*s[:2], x, y)[:2]
            state[key] = s
            return s

        return run

    fns = {k: runner(k) for k in ("lens", "hand", "fit")}
    interleaved(fns, 2)  # warm-up
    t = interleaved(fns, rounds)
    ratio = med([a / b for a, b in zip(t["lens"], t["hand"])])
    ratio_fit = med([a / b for a, b in zip(t["fit"], t["hand"])])
    us = {k: med(v) / inner * 1e6 for k, v in t.items()}
    rows = [
        [
            "supervised_step (lens, jitted put)",
            us["lens"],
            us["hand"],
            ratio,
            "<= 1.05",
            "yes" if ratio <= 1.05 else "no",
            f"{gap:.1e}",
        ],
        [
            "train_step (fit's step)",
            us["fit"],
            us["hand"],
            ratio_fit,
            "<= 1.05",
            "yes" if ratio_fit <= 1.05 else "no",
            "",
        ],
    ]
    md = table(
        [
            "step (digits 64-128-10, batch 128, Adam)",
            "µs",
            "hand-written µs",
            "ratio",
            "goal",
            "met",
            "max abs Δparam after 1 step",
        ],
        rows,
    )
    data = {
        "us": us,
        "ratio_lens_vs_hand": ratio,
        "ratio_fit_vs_hand": ratio_fit,
        "max_param_diff_after_one_step": gap,
        "rounds": rounds,
        "steps_per_round": inner,
    }
    write("step_lens", "Training step as a composite lens vs hand-written JAX + optax", md, data)
    return data


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    return bench(ap.parse_args(argv).quick)


if __name__ == "__main__":
    main()
