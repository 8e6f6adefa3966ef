"""Benchmark exact discrete Bayesian-network queries and finite-kernel algebra.

* Fresh queries on pgmpy's bundled networks (``pgmpy.utils.get_example_model``, no network
  access): random query variable, 1-5 evidence variables with states from a forward sample;
  every catlearn query is *fresh* (its plan cache emptied first: prune, slice, order,
  contract), timed interleaved with pgmpy ``VariableElimination.query`` in one process;
  median, p99, ratio, max difference (float64).
* The inference engines built once per network (VariableElimination, JunctionTree), evidence
  and target changing per query, vs pyAgrum ``LazyPropagation`` built once (``pip install
  pyagrum``), interleaved with fresh catlearn queries vs pgmpy ``VariableElimination``.
* 10,000 batched queries of one signature on alarm (``query_batch``) vs pgmpy one by one.
* munin (1041 nodes): exact when the plan fits the memory budget, else likelihood weighting.
* MAP vs pgmpy ``map_query``; a 40-box ``LazyFinite`` condition; CPT learning by optax.

* Cross-check (float64): every query of ``tests/test_crosscheck_networks.py`` on the Asia,
  sprinkler and burglary networks, catlearn vs pgmpy ``VariableElimination`` and vs EfProb
  (condition + marginalise its joint state): max absolute difference per network.
* Single exact queries: ``BayesNet.query`` (default: compiled numpy answer table; also the
  jitted JAX einsum ``jit=True`` and the cold first query of a signature) vs pgmpy
  ``VariableElimination.query`` (goal >= 10x) and EfProb (goal >= 100x), median per query.
* Batched queries: 1,000 evidence cases in one ``query_batch`` call vs 1,000 pgmpy / EfProb
  queries in a loop.
* 1000 x 1000 finite kernels: Chapman–Kolmogorov ``f >> g`` and Bayesian inversion
  ``catlearn.probability.inference.bayes.invert(f, prior)`` (jitted) vs the direct numpy formulas.

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
from catlearn.probability.kernels.markov import Finite  # noqa: E402
from catlearn.probability.networks.bayesnet import asia, burglary, sprinkler  # noqa: E402

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
            pg, ef = pgmpy_query(ve, q, e, net), efprob_query(net, joint, q, e)
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


BUNDLED = [  # pgmpy's bundled discrete networks with <= 500 nodes run by default
    "asia", "cancer", "earthquake", "sachs", "survey", "child", "alarm", "insurance",
    "water", "hailfinder", "hepar2", "win95pts", "andes", "pigs",
]  # fmt: skip
QUICK = ["asia", "cancer", "child", "alarm", "insurance", "hailfinder"]


def load(name: str, cache: dict) -> tuple:
    """pgmpy model and BayesNet (load time kept)."""
    if name not in cache:
        from pgmpy.utils import get_example_model

        from catlearn.probability.networks.bayesnet import BayesNet

        t0 = time.perf_counter()
        model = get_example_model(name)
        t1 = time.perf_counter()
        cache[name] = (model, BayesNet.from_pgmpy(model), t1 - t0, time.perf_counter() - t1)
    return cache[name]


def forward_sample(net, n: int, rng) -> dict:
    """Ancestral samples in numpy (no compile), state indices per variable."""
    out: dict = {}
    for v in net.variables:
        t = net.table(v).reshape(-1, net.cards[v])
        idx = np.zeros(n, dtype=np.int64)
        for p in net.parents[v]:
            idx = idx * net.cards[p] + out[p]
        cum = np.cumsum(t[idx], axis=1)
        out[v] = np.minimum((rng.random(n)[:, None] > cum).sum(1), net.cards[v] - 1)
    return out


def random_queries(net, n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    s = forward_sample(net, n, rng)
    qs = []
    for i in range(n):
        vs = list(rng.permutation(net.variables)[: int(rng.integers(2, 7))])
        qs.append((vs[0], {e: net.state_names(e)[s[e][i]] for e in vs[1:]}))
    return qs


def fresh_queries(names: list, n: int, cache: dict) -> list[dict]:
    from pgmpy.inference import VariableElimination

    rows = []
    for name in names:
        model, net, t_load, t_build = load(name, cache)
        ve = VariableElimination(model)
        qs = random_queries(net, n + 3, seed=len(name))
        for q, ev in qs[:3]:  # warm-up (first calls of numpy/pgmpy code paths), not timed
            net.query([q], ev)
            ve.query([q], evidence=ev, show_progress=False)
        qs = qs[3:]
        ours, theirs, diff = [], [], 0.0
        for i, (q, ev) in enumerate(qs):
            net.clear_caches()  # fresh: plan (prune, slice, order) + contract
            gc.disable()
            try:
                sides = ("c", "p") if i % 2 == 0 else ("p", "c")
                for side in sides:
                    t0 = time.perf_counter()
                    if side == "c":
                        a = net.query([q], ev)
                        ours.append(time.perf_counter() - t0)
                    else:
                        b = ve.query([q], evidence=ev, show_progress=False).values
                        theirs.append(time.perf_counter() - t0)
            finally:
                gc.enable()
            diff = max(diff, float(np.abs(a - b).max()))
        o, t = np.array(ours), np.array(theirs)
        rows.append(
            {
                "network": name,
                "nodes": len(net.variables),
                "queries": n,
                "pgmpy_median_s": float(np.median(t)),
                "catlearn_median_s": float(np.median(o)),
                "ratio": float(np.median(o) / np.median(t)),
                "p99_ratio": float(np.percentile(o, 99) / np.percentile(t, 99)),
                "p99_vs_pgmpy_median": float(np.percentile(o, 99) / np.median(t)),
                "max_diff": diff,
                "load_s": t_load,
                "build_s": t_build,
            }
        )
        print(rows[-1], flush=True)
    return rows


def to_pyagrum(net):
    """The same network as a pyAgrum ``BayesNet`` (our float64 tables, our state names)."""
    import pyagrum as gum

    bn = gum.BayesNet("catlearn")
    for v in net.variables:
        labels = [str(s) for s in net.state_names(v)]
        if len(set(labels)) != len(labels):
            labels = [str(i) for i in range(net.cards[v])]
        bn.add(gum.LabelizedVariable(str(v), str(v), labels))
    for v in net.variables:
        for p in net.parents[v]:
            bn.addArc(str(p), str(v))
    for v in net.variables:
        pot = bn.cpt(str(v))
        axes = [str(a) for a in (*net.parents[v], v)]
        order = [axes.index(n) for n in reversed(pot.names)]  # pyAgrum: first name fastest
        pot.fillWith(np.transpose(net.table(v), order).ravel().tolist())
    return bn


def engine_peers(names: list, n: int, cache: dict) -> list[dict]:
    """Engines built once per network, evidence and targets changing per query: catlearn's
    VariableElimination (plans cached per signature) and JunctionTree (one tree per network,
    one calibration per evidence) vs pyAgrum ``LazyPropagation`` (``eraseAllTargets``,
    ``addTarget``, ``setEvidence``, ``makeInference``); and, in the same interleaved loop, a
    fresh catlearn query (its network's caches emptied) vs pgmpy ``VariableElimination``."""
    rows = []
    for name in names:
        model, net, *_ = load(name, cache)
        if len(net.variables) <= 500:
            rows.append(peer_network(name, model, net, n))
            print(rows[-1], flush=True)
    return rows


def peer_network(name: str, model, net, n: int) -> dict:
    """One row of :func:`engine_peers`."""
    import pyagrum as gum
    from pgmpy.inference import VariableElimination as PgmpyVE

    from catlearn.probability.networks.engines import JunctionTree, VariableElimination

    t0 = time.perf_counter()
    ie = gum.LazyPropagation(to_pyagrum(net))
    t_agrum = time.perf_counter() - t0
    ve, jt, pg = VariableElimination(), JunctionTree(), PgmpyVE(model)
    t0 = time.perf_counter()
    jt.tree(net)
    t_jt = time.perf_counter() - t0

    def agrum(q, ev):
        ie.eraseAllTargets()
        ie.addTarget(str(q))
        ie.setEvidence({str(k): net.state_index(k, s) for k, s in ev.items()})
        ie.makeInference()
        return ie.posterior(str(q)).toarray()

    def fresh(q, ev):
        net.clear_caches()  # fresh: plan (prune, slice, order) + contract
        return net.query([q], ev)

    sides = {
        "fresh": fresh,
        "pgmpy": lambda q, ev: ve_values(pg, q, ev),
        "ve": lambda q, ev: net.query([q], ev, engine=ve),
        "jt": lambda q, ev: net.query([q], ev, engine=jt),
        "pyagrum": agrum,
    }
    qs = random_queries(net, n + 3, seed=len(name) + 1)
    for q, ev in qs[:3]:  # warm-up, not timed
        for f in sides.values():
            f(q, ev)
    qs = qs[3:]
    times: dict = {k: [] for k in sides}
    diff = {k: 0.0 for k in sides}
    keys = list(sides)
    for i, (q, ev) in enumerate(qs):
        answers = {}
        gc.disable()
        try:
            for k in keys[i % len(keys) :] + keys[: i % len(keys)]:  # rotate the order
                t0 = time.perf_counter()
                answers[k] = np.asarray(sides[k](q, ev))
                times[k].append(time.perf_counter() - t0)
        finally:
            gc.enable()
        for k in keys:
            diff[k] = max(diff[k], float(np.abs(answers[k] - answers["fresh"]).max()))
    med = {k: float(np.median(v)) for k, v in times.items()}
    best = min(("ve", "jt"), key=med.__getitem__)
    return {
        "network": name,
        "nodes": len(net.variables),
        "queries": n,
        **{f"{k}_median_s": v for k, v in med.items()},
        "best_engine": {"ve": "VariableElimination", "jt": "JunctionTree"}[best],
        "best_over_pyagrum": med[best] / med["pyagrum"],
        "ve_over_pyagrum": med["ve"] / med["pyagrum"],
        "jt_over_pyagrum": med["jt"] / med["pyagrum"],
        "fresh_over_pgmpy": med["fresh"] / med["pgmpy"],
        "max_diff": max(diff.values()),
        **{f"max_diff_{k}": v for k, v in diff.items() if k != "fresh"},
        "build_pyagrum_s": t_agrum,
        "build_junction_tree_s": t_jt,
        "cliques": jt.cache_info(net)["cliques"],
    }


def ve_values(ve, q, ev):
    return ve.query([q], evidence=ev, show_progress=False).values


def batched_alarm(n: int, n_pgmpy: int, cache: dict, time_warm=None) -> dict:
    """``n`` queries P(HYPOVOLEMIA | CVP, BP, HR) on alarm in one ``query_batch`` (cold: the
    first call of a fresh network, plan and compile included; warm: a repeat, timed by
    ``time_warm(call)`` — by default the best of three single calls), vs pgmpy's
    ``VariableElimination`` one by one (timed on ``n_pgmpy`` of them, scaled to ``n``)."""
    from pgmpy.inference import VariableElimination

    model, net, *_ = load("alarm", cache)
    ve = VariableElimination(model)
    q, evn = "HYPOVOLEMIA", ["CVP", "BP", "HR"]
    s = forward_sample(net, n, np.random.default_rng(0))
    cols = {e: s[e] for e in evn}
    net.clear_caches()
    t0 = time.perf_counter()
    post = jax.block_until_ready(net.query_batch([q], cols))
    cold = time.perf_counter() - t0
    if time_warm is None:

        def time_warm(call):
            return min(timeit({"c": call}, 1)["c"]["median_s"] for _ in range(3))

    warm = time_warm(lambda: net.query_batch([q], cols))
    t0 = time.perf_counter()
    diff = 0.0
    for i in range(n_pgmpy):
        ev = {e: net.state_names(e)[cols[e][i]] for e in evn}
        ref = ve.query([q], evidence=ev, show_progress=False).values
        diff = max(diff, float(np.abs(np.asarray(post[i]) - ref).max()))
    per = (time.perf_counter() - t0) / n_pgmpy
    return {
        "network": "alarm",
        "signature": f"P({q} given {', '.join(evn)})",
        "cases": n,
        "catlearn_warm_s": warm,
        "catlearn_cold_s": cold,
        "pgmpy_per_query_s": per,
        "pgmpy_measured_queries": n_pgmpy,
        "pgmpy_total_s": per * n,
        "ratio_warm": per * n / warm,
        "ratio_cold": per * n / cold,
        "max_diff": diff,
    }


def munin(n: int, cache: dict) -> list[dict]:
    from catlearn.errors import MemoryBudgetError

    _, net, t_load, t_build = load("munin", cache)
    rows = []
    for i, (q, ev) in enumerate(random_queries(net, n, seed=7)):
        t0 = time.perf_counter()
        row = {"query": f"P({q} | {len(ev)} evidence)", "load_s": t_load + t_build}
        try:
            net.query([q], ev)
            row.update(method="exact", stderr=0.0)
        except MemoryBudgetError:
            est = net.query([q], ev, method="sampling", num_samples=100_000, key=jax.random.key(i))
            row.update(method="sampling", stderr=float(est.stderr.max()), ess=est.ess)
        row["time_s"] = time.perf_counter() - t0
        rows.append(row)
        print(row, flush=True)
    # the sampler on the same queries, exact answers as reference
    for i, (q, ev) in enumerate(random_queries(net, min(n, 3), seed=7)):
        t0 = time.perf_counter()
        est = net.query([q], ev, method="sampling", num_samples=100_000, key=jax.random.key(i))
        t = time.perf_counter() - t0
        try:
            err = float(np.abs(est.probs - net.query([q], ev)).max())
        except MemoryBudgetError:
            err = float("nan")
        rows.append(
            {
                "query": f"P({q} | {len(ev)} evidence)",
                "method": "sampling (forced)",
                "stderr": float(est.stderr.max()),
                "ess": est.ess,
                "time_s": t,
                "error_vs_exact": err,
            }
        )
        print(rows[-1], flush=True)
    return rows


def map_check(names: list, n: int, cache: dict) -> list[dict]:
    from pgmpy.inference import VariableElimination

    rows = []
    for name in names:
        model, net, *_ = load(name, cache)
        ve = VariableElimination(model)
        same = 0
        for q, ev in random_queries(net, n, seed=3):
            other = next(v for v in net.variables if v != q and v not in ev)
            qv = [q, other]
            same += net.map_query(qv, ev) == ve.map_query(qv, evidence=ev, show_progress=False)
        rows.append({"network": name, "queries": n, "equal_to_pgmpy": same})
    return rows


def lazy_forty() -> dict:
    rng = np.random.default_rng(1)
    sensors = [Finite(rng.dirichlet(np.ones(2), size=3), Fin(3), Fin(2)) for _ in range(40)]
    joint = Finite.state([0.2, 0.5, 0.3]) >> Finite.copy(Fin(3), 40) >> Finite.tensor(*sensors)
    obs = {i: int(rng.integers(2)) for i in range(1, 40)}
    trace: list = []
    t0 = time.perf_counter()
    joint.condition(obs, trace=trace)
    t = time.perf_counter() - t0
    return {"boxes": 41, "joint_entries": 3 * 2**40, "peak_entries": max(trace), "time_s": t}


def learning() -> dict:
    import jax.numpy as jnp
    import optax

    truth = sprinkler()
    data = truth.sample(jax.random.key(0), 20_000)
    rows = np.stack([data[v] for v in truth.variables], 1)
    uniq, counts = np.unique(rows, axis=0, return_counts=True)
    cases = {v: uniq[:, i] for i, v in enumerate(truth.variables)}
    w = jnp.asarray(counts / counts.sum())

    def loss(lg):
        tables = {v: jax.nn.softmax(x, axis=-1) for v, x in lg.items()}
        return -(w * truth.log_evidence(cases, tables=tables)).sum()

    opt = optax.adam(0.1)

    @jax.jit
    def step(lg, st):
        g = jax.grad(loss)(lg)
        u, st = opt.update(g, st)
        return optax.apply_updates(lg, u), st

    lg = {v: jnp.zeros(t.shape) for v, t in truth.tables().items()}
    st = opt.init(lg)
    t0 = time.perf_counter()
    for _ in range(300):
        lg, st = step(lg, st)
    t = time.perf_counter() - t0
    learned = truth.with_tables({v: jax.nn.softmax(x, axis=-1) for v, x in lg.items()})
    err = max(float(np.abs(learned.table(v) - truth.table(v)).max()) for v in truth.variables)
    return {"samples": 20_000, "steps": 300, "max_abs_error": err, "time_s": t}


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
        from catlearn.probability.inference.bayes import invert
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
        f"`{res.get('command', 'python benchmarks/bench_networks.py')}` on "
        f"{res['machine']['device']} ({res['machine']['cpus']} CPUs, load "
        f"{res['machine']['load']}); float64 throughout.",
        "",
        "## Fresh exact queries on pgmpy's bundled networks",
        "",
        f"{res['fresh'][0]['queries'] if res['fresh'] else 0} random queries per network: a "
        "random query variable, 1-5 evidence variables (by state name) with states from a "
        "forward sample. Every catlearn query is fresh (plan cache emptied: prune to the "
        "ancestors, slice the evidence, keep the query's component, order by min-fill, "
        "contract in numpy float64); pgmpy `VariableElimination.query` interleaved in the "
        "same process. ratio = catlearn / pgmpy (< 1: catlearn faster); p99 ratio = "
        "p99(catlearn) / p99(pgmpy); max diff = largest absolute difference of the answers.",
        "",
        "| network | nodes | pgmpy median | catlearn median | ratio | p99 ratio "
        "| p99 / pgmpy median | max diff |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in res["fresh"]:
        L.append(
            f"| {r['network']} | {r['nodes']} | {r['pgmpy_median_s'] * 1e3:.2f} ms | "
            f"{r['catlearn_median_s'] * 1e3:.3f} ms | {r['ratio']:.3f} | "
            f"{r['p99_ratio']:.2f} | {r['p99_vs_pgmpy_median']:.2f} | {r['max_diff']:.1e} |"
        )
    if res.get("peers"):
        L += [
            "",
            "## Engines built once (evidence and target changing) vs pyAgrum; fresh vs pgmpy",
            "",
            f"{res['peers'][0]['queries']} random queries per network (as above, another "
            "seed), every side timed on every query in one process, the order rotated per "
            "query. pyAgrum `LazyPropagation` is built once per network (same float64 "
            "tables); per query `eraseAllTargets`, `addTarget`, `setEvidence`, "
            "`makeInference`. catlearn `VariableElimination` and `JunctionTree` engine "
            "objects are built once per network (plans cached per signature; one junction "
            "tree per network, calibrated per evidence). best = the faster catlearn engine "
            "by median; fresh = a catlearn query with its network's caches emptied, vs pgmpy "
            "`VariableElimination.query`. Ratios of medians (< 1: catlearn faster); max diff "
            "= largest absolute difference from the fresh catlearn answer, for pgmpy / "
            "pyAgrum / JT (the bundled tables' columns are rounded to ~1e-7, so the full "
            "product that pyAgrum and a junction tree contract differs at that level from "
            "the pruned contraction of VE and pgmpy, which sums barren nodes to 1).",
            "",
            "| network | nodes | pyAgrum | VE (built once) | JT (built once) | best ÷ pyAgrum "
            "| fresh VE | pgmpy VE | fresh ÷ pgmpy | max diff |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in res["peers"]:
            short = {"VariableElimination": "VE", "JunctionTree": "JT"}[r["best_engine"]]
            L.append(
                f"| {r['network']} | {r['nodes']} | {r['pyagrum_median_s'] * 1e3:.3f} ms | "
                f"{r['ve_median_s'] * 1e3:.3f} ms | {r['jt_median_s'] * 1e3:.3f} ms | "
                f"{r['best_over_pyagrum']:.2f} ({short}) | {r['fresh_median_s'] * 1e3:.3f} ms | "
                f"{r['pgmpy_median_s'] * 1e3:.2f} ms | {r['fresh_over_pgmpy']:.3f} | "
                f"{r['max_diff_pgmpy']:.0e} / {r['max_diff_pyagrum']:.0e} / "
                f"{r['max_diff_jt']:.0e} |"
            )
    b = res["batched"]
    L += [
        "",
        "## Batched queries of one signature (`query_batch`: one jitted, vmapped contraction)",
        "",
        "pgmpy time = its mean time per query, measured on "
        f"{b['pgmpy_measured_queries']} of the cases, times the number of cases.",
        "",
        "| network | signature | cases | catlearn (warm) | catlearn (incl. compile) "
        "| pgmpy one by one | ratio warm | ratio incl. compile | max diff |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {b['network']} | {b['signature']} | {b['cases']} | "
        f"{b['catlearn_warm_s'] * 1e3:.1f} ms | {b['catlearn_cold_s'] * 1e3:.0f} ms | "
        f"{b['pgmpy_total_s']:.1f} s | {b['ratio_warm']:.0f}x | {b['ratio_cold']:.0f}x | "
        f"{b['max_diff']:.1e} |",
    ]
    if res.get("munin"):
        L += [
            "",
            "## munin (1041 nodes)",
            "",
            f"Loading (pgmpy BIF parse + BayesNet): {res['munin'][0]['load_s']:.0f} s.",
            "",
            "| query | method | time | standard error | error vs exact |",
            "|---|---|---|---|---|",
        ]
        for r in res["munin"]:
            L.append(
                f"| {r['query']} | {r['method']} | {r['time_s']:.2f} s | {r['stderr']:.4f} | "
                f"{r.get('error_vs_exact', 0.0):.4f} |"
            )
    L += ["", "## MAP (two variables) vs pgmpy `map_query`", "", "| network | queries | equal |"]
    L += ["|---|---|---|"]
    L += [f"| {r['network']} | {r['queries']} | {r['equal_to_pgmpy']} |" for r in res["map"]]
    z, g = res["lazy"], res["learning"]
    L += [
        "",
        "## Finite composite: condition a 41-box diagram on 39 of its 40 outputs",
        "",
        f"joint would have {z['joint_entries']:.2e} entries; largest table built: "
        f"{z['peak_entries']} entries; {z['time_s'] * 1e3:.1f} ms.",
        "",
        "## Learning CPTs by gradient (sprinkler, maximum likelihood, optax Adam)",
        "",
        f"{g['samples']} samples, {g['steps']} steps ({g['time_s']:.2f} s): largest "
        f"absolute error of any CPT entry {g['max_abs_error']:.4f}.",
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
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6 networks, 40 queries, no munin")
    ap.add_argument("--networks", nargs="*", help="bundled networks for the fresh table")
    ap.add_argument("--queries", type=int, default=None, help="fresh queries per network")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    names = args.networks or (QUICK if args.quick else BUNDLED)
    nq = args.queries or (40 if args.quick else 200)
    res: dict = {
        "quick": args.quick,
        "command": " ".join(
            ["python benchmarks/bench_networks.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "machine": {
            "device": str(jax.devices()[0].device_kind),
            "cpus": os.cpu_count(),
            "load": round(os.getloadavg()[0], 1),
            "jax": jax.__version__,
            "python": platform.python_version(),
        },
    }
    cache: dict = {}
    res["fresh"] = fresh_queries(names, nq, cache)
    res["peers"] = engine_peers(names, nq, cache)
    res["batched"] = batched_alarm(10_000, 50 if args.quick else 300, cache)
    print(res["batched"], flush=True)
    res["munin"] = [] if args.quick else munin(5, cache)
    res["map"] = map_check(["asia", "child", "alarm", "insurance"], 10 if args.quick else 25, cache)
    res["lazy"] = lazy_forty()
    res["learning"] = learning()
    res["crosscheck"], res["examples"] = crosscheck()
    res["kernels"] = kernels(1000, 5 if args.quick else 20)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "networks.json").write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(res)
    (RESULTS / "networks.md").write_text(md)
    print(md)
    return res


if __name__ == "__main__":
    main()
