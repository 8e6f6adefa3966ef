"""Benchmark exact discrete Bayesian-network queries and finite-kernel algebra.

* Cross-check (float64): every query of ``tests/test_crosscheck_networks.py`` on the Asia,
  sprinkler and burglary networks, catlearn vs pgmpy ``VariableElimination`` and vs EfProb
  (condition + marginalise its joint state): max absolute difference per network.
* Single exact queries: ``BayesNet.query`` (default: compiled numpy answer table; also the
  jitted JAX einsum ``jit=True`` and the cold first query of a signature) vs pgmpy
  ``VariableElimination.query`` (goal >= 10x) and EfProb (goal >= 100x), median per query.
* Batched queries: 1,000 evidence cases in one ``query_batch`` call vs 1,000 pgmpy / EfProb
  queries in a loop.
* 1000 x 1000 finite kernels: Chapman–Kolmogorov ``f >> g`` and Bayesian inversion
  ``catlearn.probability.bayes.invert(f, prior)`` (jitted) vs the direct numpy formulas.

Ratios are measured in one run (interleaved repeats; ratio = reference / catlearn, so > 1
means catlearn is faster)::

    python benchmarks/bench_networks.py [--quick]

writes ``benchmarks/results/networks.json`` and ``networks.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from catlearn.core.types import Fin  # noqa: E402
from catlearn.probability.markov import Finite  # noqa: E402
from catlearn.probability.networks import asia, burglary, sprinkler  # noqa: E402

NETWORKS = {"asia": asia, "sprinkler": sprinkler, "burglary": burglary}


def timeit(fns: dict, repeats: int, block: int = 1) -> dict:
    """Interleaved timing after a warm-up call, garbage collector paused while timing: each
    of ``repeats`` rounds times ``block`` consecutive calls of every side in turn (so load
    drift hits every side alike); min and median seconds per call over the rounds.

    ``block=1`` alternates sides call by call, so every call starts with caches just
    evicted by the other libraries (a worst case for microsecond calls); ``block > 1``
    measures a steady stream of the same query, still alternating sides every block."""
    for f in fns.values():
        jax.block_until_ready(f())
    times: dict[str, list[float]] = {k: [] for k in fns}
    gc.collect()
    gc.disable()  # no collector pauses inside the timed calls (same for every side)
    try:
        for _ in range(repeats):
            for k, f in fns.items():
                t0 = time.perf_counter()
                for _ in range(block):
                    jax.block_until_ready(f())
                times[k].append((time.perf_counter() - t0) / block)
    finally:
        gc.enable()
    return {k: {"min_s": min(v), "median_s": float(np.median(v))} for k, v in times.items()}


def crosscheck() -> tuple[list[dict], list[dict]]:
    from pgmpy.inference import VariableElimination
    from test_crosscheck_networks import efprob_query, pgmpy_query, queries

    rows, examples = [], []
    for name, make in NETWORKS.items():
        net = make()
        ve = VariableElimination(net.to_pgmpy())
        joint = net.to_efprob()
        d_pg = d_ef = 0.0
        qs = queries(net)
        for i, (q, e) in enumerate(qs):
            ours = np.asarray(net.query(list(q), e))
            pg, ef = pgmpy_query(ve, q, e), efprob_query(net, joint, q, e)
            dp, de = float(np.abs(ours - pg).max()), float(np.abs(ours - ef).max())
            d_pg, d_ef = max(d_pg, dp), max(d_ef, de)
            if len(q) == 1 and len(e) >= 1 and i % 7 == 0:
                examples.append(
                    {
                        "network": name,
                        "query": f"P({q[0]} | " + ", ".join(f"{k}={v}" for k, v in e.items()) + ")",
                        "catlearn": ours.round(6).tolist(),
                        "pgmpy": pg.round(6).tolist(),
                        "efprob": ef.round(6).tolist(),
                        "max_diff": max(dp, de),
                    }
                )
        rows.append(
            {"network": name, "queries": len(qs), "max_diff_pgmpy": d_pg, "max_diff_efprob": d_ef}
        )
    return rows, examples


def single_queries(repeats: int, block: int = 20) -> list[dict]:
    """One query per network, timed interleaved (same query, same evidence on every side;
    one warm-up call each). ``catlearn`` is the default ``query`` (compiled numpy answer
    table, built by the warm-up call); ``catlearn_jit`` the jitted JAX einsum path
    (``jit=True``, what this benchmark timed before the table path existed);
    ``catlearn_lazy`` the lazy answer path of a compiled signature with more than
    ``BayesNet.EAGER_ANSWERS`` evidence configurations, asked a configuration for the first
    time (table index plus making its JAX array; the answer arrays are dropped before each
    call); ``catlearn_cold`` the first query of a signature, i.e. building its answer table
    (einsum over every evidence configuration) plus the answer, timed by emptying the
    network's table cache before each call (table einsum, and the signature's answer
    arrays made in one transfer).

    Each round times ``block`` consecutive calls per side (steady stream of queries); the
    ``*_percall_*`` fields repeat the measurement alternating sides call by call."""
    from pgmpy.inference import VariableElimination
    from test_crosscheck_networks import efprob_query, pgmpy_query

    cases = {
        "asia": (["lung"], {"smoke": 0, "xray": 0}),
        "sprinkler": (["Rain"], {"WetGrass": 1}),
        "burglary": (["Burglary"], {"JohnCalls": 1, "MaryCalls": 1}),
    }
    out = []
    for name, (q, e) in cases.items():
        net = NETWORKS[name]()
        ve = VariableElimination(net.to_pgmpy())
        joint = net.to_efprob()
        ref = pgmpy_query(ve, tuple(q), e)
        diff = max(
            float(np.abs(np.asarray(net.query(q, e, jit=j)) - ref).max()) for j in (None, True)
        )

        def cold(net=net, q=q, e=e):
            net._forget_tables()
            return net.query(q, e)

        def lazy(net=net, q=q, e=e):
            for table in net._tables.values():
                if table is not None:
                    table[3].clear()  # forget the memoised JAX answer arrays only
            return net.query(q, e)

        fns = {
            "catlearn": lambda net=net, q=q, e=e: net.query(q, e),
            "catlearn_lazy": lazy,
            "catlearn_jit": lambda net=net, q=q, e=e: net.query(q, e, jit=True),
            "catlearn_cold": cold,
            "pgmpy": lambda ve=ve, q=q, e=e: pgmpy_query(ve, tuple(q), e),
            "efprob": lambda net=net, j=joint, q=q, e=e: efprob_query(net, j, tuple(q), e),
        }
        t = timeit(fns, repeats, block=block)
        t1 = timeit(fns, repeats, block=1)
        row = {
            "network": name,
            "query": f"P({q[0]} | {e})",
            "max_diff_pgmpy": diff,
            "block": block,
            **{f"{k}_median_s": v["median_s"] for k, v in t.items()},
            **{f"{k}_percall_median_s": v["median_s"] for k, v in t1.items()},
            "ratio_pgmpy_percall": t1["pgmpy"]["median_s"] / t1["catlearn"]["median_s"],
            "ratio_efprob_percall": t1["efprob"]["median_s"] / t1["catlearn"]["median_s"],
        }
        for side in ("catlearn", "catlearn_lazy", "catlearn_jit", "catlearn_cold"):
            sfx = side[len("catlearn") :]
            row[f"ratio_pgmpy{sfx}"] = t["pgmpy"]["median_s"] / t[side]["median_s"]
            row[f"ratio_efprob{sfx}"] = t["efprob"]["median_s"] / t[side]["median_s"]
        out.append(row)
    return out


def batched_queries(n_cases: int, repeats: int) -> list[dict]:
    from pgmpy.inference import VariableElimination
    from test_crosscheck_networks import efprob_query, pgmpy_query

    out = []
    rng = np.random.default_rng(0)
    for name, q, ev in (
        ("asia", ["lung"], ["smoke", "xray", "dysp"]),
        ("burglary", ["Burglary"], ["JohnCalls", "MaryCalls"]),
    ):
        net = NETWORKS[name]()
        cols = {n: rng.integers(0, net.cards[n], n_cases) for n in ev}
        ve = VariableElimination(net.to_pgmpy())
        joint = net.to_efprob()
        cases = [{n: int(cols[n][i]) for n in ev} for i in range(n_cases)]
        ours = np.asarray(net.query_batch(q, cols))
        ref = np.stack([pgmpy_query(ve, tuple(q), c) for c in cases])
        t = timeit(
            {
                "catlearn": lambda net=net, q=q, cols=cols: net.query_batch(q, cols),
                "pgmpy": lambda ve=ve, q=q, cs=cases: [pgmpy_query(ve, tuple(q), c) for c in cs],
                "efprob": lambda net=net, j=joint, q=q, cs=cases: [
                    efprob_query(net, j, tuple(q), c) for c in cs
                ],
            },
            repeats,
        )
        c = t["catlearn"]["median_s"]
        out.append(
            {
                "network": name,
                "cases": n_cases,
                "max_diff_pgmpy": float(np.abs(ours - ref).max()),
                **{f"{k}_median_s": v["median_s"] for k, v in t.items()},
                "ratio_pgmpy": t["pgmpy"]["median_s"] / c,
                "ratio_efprob": t["efprob"]["median_s"] / c,
            }
        )
    return out


def kernels(n: int, repeats: int) -> list[dict]:
    rng = np.random.default_rng(0)
    a = rng.dirichlet(np.ones(n), n)
    b = rng.dirichlet(np.ones(n), n)
    pi = rng.dirichlet(np.ones(n))
    f, g, p = Finite(a, Fin(n), Fin(n)), Finite(b, Fin(n), Fin(n)), Finite.state(pi)
    then = jax.jit(lambda f, g: (f >> g).array)

    def np_invert(a: np.ndarray, pi: np.ndarray) -> np.ndarray:
        joint = pi[:, None] * a
        ev = joint.sum(0)
        return joint.T / ev[:, None]

    rows = []
    t = timeit(
        {"catlearn": lambda: then(f, g), "eager": lambda: (f >> g).array, "numpy": lambda: a @ b},
        repeats,
    )
    rows.append(
        {
            "op": f"Chapman-Kolmogorov f >> g ({n}x{n})",
            **{f"{k}_median_s": v["median_s"] for k, v in t.items()},
            "max_diff": float(np.abs(np.asarray(then(f, g)) - a @ b).max()),
            "ratio": t["numpy"]["median_s"] / t["catlearn"]["median_s"],
            "ratio_eager": t["numpy"]["median_s"] / t["eager"]["median_s"],
        }
    )
    try:
        from catlearn.probability.bayes import invert
    except ImportError:  # pragma: no cover
        return rows
    inv = jax.jit(lambda f, p: invert(f, p).array)
    t = timeit(
        {
            "catlearn": lambda: inv(f, p),
            "eager": lambda: invert(f, p).array,
            "numpy": lambda: np_invert(a, pi),
        },
        repeats,
    )
    rows.append(
        {
            "op": f"Bayesian inversion invert(f, prior) ({n}x{n})",
            **{f"{k}_median_s": v["median_s"] for k, v in t.items()},
            "max_diff": float(np.abs(np.asarray(inv(f, p)) - np_invert(a, pi)).max()),
            "ratio": t["numpy"]["median_s"] / t["catlearn"]["median_s"],
            "ratio_eager": t["numpy"]["median_s"] / t["eager"]["median_s"],
        }
    )
    return rows


def markdown(res: dict) -> str:
    L = [
        "# Bayesian networks and finite kernels",
        "",
        f"`python benchmarks/bench_networks.py{' --quick' if res['quick'] else ''}` on "
        f"{res['machine']['device']} ({res['machine']['cpus']} CPUs, load "
        f"{res['machine']['load']}); ratio = reference time / catlearn time (> 1: catlearn "
        "faster). float64 throughout.",
        "",
        "## Cross-check (every query of tests/test_crosscheck_networks.py)",
        "",
        "| network | queries | max abs diff vs pgmpy VE | max abs diff vs EfProb |",
        "|---|---|---|---|",
    ]
    for r in res["crosscheck"]:
        L.append(
            f"| {r['network']} | {r['queries']} | {r['max_diff_pgmpy']:.1e} | "
            f"{r['max_diff_efprob']:.1e} |"
        )
    L += [
        "",
        "Sample queries:",
        "",
        "| query | catlearn | pgmpy | EfProb | max diff |",
        "|---|---|---|---|---|",
    ]
    for r in res["examples"]:
        L.append(
            f"| {r['network']}: {r['query']} | {r['catlearn']} | {r['pgmpy']} | "
            f"{r['efprob']} | {r['max_diff']:.1e} |"
        )
    L += [
        "",
        "## Single exact queries (median per query, interleaved rounds)",
        "",
        "`catlearn` = default `query` (compiled numpy answer table per query signature, "
        "built by the warm-up call); `jit` = `query(..., jit=True)`, the jitted JAX einsum "
        "(the path timed before the tables existed); `lazy` = first ask of an evidence "
        "configuration when a signature has > 256 of them (index + making one JAX array; "
        "below that all answer arrays are made when the signature compiles); `cold` = first query of a signature "
        "(builds its table: one float64 einsum over all evidence configurations). Rounds of "
        f"{res['single'][0]['block']} consecutive calls per side, sides alternating every "
        "round; the last column alternates sides call by call (every call starts with "
        "caches evicted by the other libraries).",
        "",
        "| query | catlearn | lazy | jit | cold | pgmpy VE | EfProb | vs pgmpy (goal >= 10) "
        "| vs EfProb (goal >= 100) | lazy vs pgmpy / EfProb | jit vs pgmpy / EfProb "
        "| cold vs pgmpy / EfProb | call-by-call: catlearn, vs pgmpy / EfProb |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res["single"]:
        L.append(
            f"| {r['network']}: {r['query']} | {r['catlearn_median_s'] * 1e6:.1f} us | "
            f"{r['catlearn_lazy_median_s'] * 1e6:.0f} us | "
            f"{r['catlearn_jit_median_s'] * 1e6:.0f} us | "
            f"{r['catlearn_cold_median_s'] * 1e6:.0f} us | "
            f"{r['pgmpy_median_s'] * 1e6:.0f} us | {r['efprob_median_s'] * 1e6:.0f} us | "
            f"{r['ratio_pgmpy']:.0f}x | {r['ratio_efprob']:.0f}x | "
            f"{r['ratio_pgmpy_lazy']:.1f}x / {r['ratio_efprob_lazy']:.1f}x | "
            f"{r['ratio_pgmpy_jit']:.1f}x / {r['ratio_efprob_jit']:.1f}x | "
            f"{r['ratio_pgmpy_cold']:.1f}x / {r['ratio_efprob_cold']:.1f}x | "
            f"{r['catlearn_percall_median_s'] * 1e6:.0f} us, "
            f"{r['ratio_pgmpy_percall']:.0f}x / {r['ratio_efprob_percall']:.0f}x |"
        )
    L += [
        "",
        "## Batched queries (all cases in one call vs a loop of single queries)",
        "",
        "| network | cases | catlearn | pgmpy VE | EfProb | vs pgmpy | vs EfProb | max diff |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in res["batched"]:
        L.append(
            f"| {r['network']} | {r['cases']} | {r['catlearn_median_s'] * 1e3:.2f} ms | "
            f"{r['pgmpy_median_s'] * 1e3:.0f} ms | {r['efprob_median_s'] * 1e3:.0f} ms | "
            f"{r['ratio_pgmpy']:.0f}x | {r['ratio_efprob']:.0f}x | "
            f"{r['max_diff_pgmpy']:.1e} |"
        )
    L += [
        "",
        "## Finite kernels (float64; ratio = numpy time / catlearn time)",
        "",
        "| operation | catlearn (jit) | catlearn (eager) | numpy | ratio jit | ratio eager "
        "| max diff |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in res["kernels"]:
        L.append(
            f"| {r['op']} | {r['catlearn_median_s'] * 1e3:.2f} ms | "
            f"{r['eager_median_s'] * 1e3:.2f} ms | "
            f"{r['numpy_median_s'] * 1e3:.2f} ms | {r['ratio']:.2f}x | "
            f"{r['ratio_eager']:.2f}x | {r['max_diff']:.1e} |"
        )
    L += [
        "",
        "Below 1x, XLA:CPU is slower than numpy's BLAS on this machine for these "
        "(concrete, single-shot) operations; catlearn's kernels are JAX arrays so that the "
        "same code runs under jit/grad/vmap and on accelerators.",
    ]
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and cases")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    reps = 5 if args.quick else 20
    res = {
        "quick": args.quick,
        "machine": {
            "device": str(jax.devices()[0].device_kind),
            "cpus": os.cpu_count(),
            "load": round(os.getloadavg()[0], 1),
            "jax": jax.__version__,
            "python": platform.python_version(),
        },
    }
    res["crosscheck"], res["examples"] = crosscheck()
    res["single"] = single_queries(reps * 5)
    res["batched"] = batched_queries(100 if args.quick else 1000, 3)
    res["kernels"] = kernels(1000, reps)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "networks.json").write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(res)
    (RESULTS / "networks.md").write_text(md)
    print(md)
    return res


if __name__ == "__main__":
    main()
