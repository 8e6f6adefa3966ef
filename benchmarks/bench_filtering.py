"""Benchmark catlearn's HMM and Kalman code against hand-written JAX and numpy.

* HMM, 10^4 steps: ``catlearn.probability.hmm_log_likelihood`` / ``hmm_filter`` vs the same forward pass
  written by hand as one ``jax.lax.scan`` (goal: ratio <= 1.5), and vs a numpy loop.
* Batched Kalman, 10^4 sequences x 100 steps (2-D constant-velocity target):
  ``jax.vmap(catlearn.probability.kalman_log_likelihood)`` / ``kalman_filter`` vs a hand-written
  ``vmap`` + ``scan`` Kalman filter (both in the textbook form P - K S K^T).

* Sequential vs parallel vs ``method="auto"`` across ``T`` (10..10^5; ``--quick``: to 10^3),
  HMM (4 states) filter and Viterbi, Kalman (2-D tracking, state 4) filter, with dynamax's parallel
  filters (``parallel_hmm_filter``, ``linear_gaussian_ssm.parallel_inference.lgssm_filter``)
  timed in the same process; ``auto / best`` must stay <= 1.10. CPU only: no GPU was
  available for these measurements.

All ratios are measured in one run, each timing the minimum (and median) over interleaved
repeats after a warm-up (compile) call; ratio = catlearn / reference, so < 1 is faster. The
method table times each sample as ``n`` back-to-back calls (``n`` calibrated to ~20 ms, the same
for the methods of one row) and rotates the order of the methods every repeat: ``auto`` runs
the same program as the method it picks, so its ratio to the best is timing noise unless it
picks the slower one, and short calls need the longer samples to keep that noise under 10 %.

    python benchmarks/bench_filtering.py [--quick] [--no-crosscheck]

writes ``benchmarks/results/filtering.json`` and ``filtering.md`` (with the cross-check table
of ``tests/test_crosscheck_filtering.py`` unless ``--no-crosscheck``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import cho_factor, cho_solve

import catlearn as cl
from catlearn.probability.statespace import _parallel

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def timeit_calibrated(fns: dict, repeats: int, target_s: float = 0.02) -> dict:
    """Interleaved timing for close races: each sample runs a function ``n`` times in a row
    (``n`` calibrated once so a sample lasts ~``target_s``, the same ``n`` for all, so short
    calls are not at the timer's and the scheduler's mercy); the order of the functions
    rotates every repeat. Reports the per-call minimum and median over the samples."""
    once = {}
    for k, f in fns.items():
        jax.block_until_ready(f())  # compile / warm up
        t0 = time.perf_counter()
        jax.block_until_ready(f())
        once[k] = time.perf_counter() - t0
    n = max(1, int(target_s / max(min(once.values()), 1e-6)))
    times = {k: [] for k in fns}
    keys = list(fns)
    for r in range(repeats):
        for k in keys[r % len(keys) :] + keys[: r % len(keys)]:
            f = fns[k]
            t0 = time.perf_counter()
            for _ in range(n):
                out = f()
            jax.block_until_ready(out)
            times[k].append((time.perf_counter() - t0) / n)
    return {
        k: {"min_s": min(v), "median_s": float(np.median(v)), "inner": n} for k, v in times.items()
    }


def timeit(fns: dict, repeats: int) -> dict:
    """Interleaved timing: every repeat runs each function once (fairer on a busy machine)."""
    for f in fns.values():
        jax.block_until_ready(f())  # compile / warm up
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            t0 = time.perf_counter()
            jax.block_until_ready(f())
            times[k].append(time.perf_counter() - t0)
    return {k: {"min_s": min(v), "median_s": float(np.median(v))} for k, v in times.items()}


# --- HMM ----------------------------------------------------------------------------------------


def hand_hmm_ll(pi, a, b, obs):
    def step(carry, y):
        p, ll = carry
        u = p * b[:, y]
        c = jnp.sum(u)
        return ((u / c) @ a, ll + jnp.log(c)), None

    (_, ll), _ = jax.lax.scan(step, (pi, jnp.zeros((), pi.dtype)), obs)
    return ll


def hand_hmm_filter(pi, a, b, obs):
    def step(carry, y):
        p, ll = carry
        u = p * b[:, y]
        c = jnp.sum(u)
        f = u / c
        return (f @ a, ll + jnp.log(c)), (f, p)

    (_, ll), (filt, pred) = jax.lax.scan(step, (pi, jnp.zeros((), pi.dtype)), obs)
    return ll, filt, pred


def numpy_hmm_filter(pi, a, b, obs):
    filt = np.empty((len(obs), len(pi)))
    p, ll = pi, 0.0
    for t, y in enumerate(obs):
        u = p * b[:, y]
        c = u.sum()
        ll += np.log(c)
        filt[t] = u / c
        p = filt[t] @ a
    return ll, filt


def bench_hmm(k: int, steps: int, repeats: int) -> dict:
    key = jax.random.key(k)
    k0, k1, k2, k3 = jax.random.split(key, 4)
    m = 6
    hmm = cl.HMM(
        jax.random.dirichlet(k0, jnp.ones(k)),
        jax.random.dirichlet(k1, jnp.ones(k) * 0.3, (k,)),
        jax.random.dirichlet(k2, jnp.ones(m), (k,)),
    )
    _, obs = hmm.sample(steps, key=k3)
    pi, a, b = hmm.initial, hmm.transition, hmm.emission
    ours_ll = jax.jit(cl.probability.hmm_log_likelihood)
    ours_f = jax.jit(cl.probability.hmm_filter)
    ours_s = jax.jit(cl.probability.hmm_smoother)
    ours_v = jax.jit(cl.probability.hmm_viterbi)
    hand_ll = jax.jit(hand_hmm_ll)
    hand_f = jax.jit(hand_hmm_filter)
    npi, na, nb, no = (np.asarray(x, np.float64) for x in (pi, a, b, obs))
    no = no.astype(int)
    # same answers first
    ll_np, filt_np = numpy_hmm_filter(npi, na, nb, no)
    diff = {
        "loglik_vs_hand": abs(float(ours_ll(hmm, obs)) - float(hand_ll(pi, a, b, obs))),
        "loglik_vs_numpy": abs(float(ours_ll(hmm, obs)) - ll_np),
        "loglik_vs_numpy_relative": abs(float(ours_ll(hmm, obs)) - ll_np) / abs(ll_np),
        "filtered_vs_numpy": float(np.abs(np.asarray(ours_f(hmm, obs).filtered) - filt_np).max()),
    }
    t = timeit(
        {
            "catlearn_loglik": lambda: ours_ll(hmm, obs),
            "hand_scan_loglik": lambda: hand_ll(pi, a, b, obs),
            "catlearn_filter": lambda: ours_f(hmm, obs),
            "hand_scan_filter": lambda: hand_f(pi, a, b, obs),
            "catlearn_smoother": lambda: ours_s(hmm, obs),
            "catlearn_viterbi": lambda: ours_v(hmm, obs),
        },
        repeats,
    )
    t.update(
        timeit(
            {"numpy_loop_filter": lambda: numpy_hmm_filter(npi, na, nb, no)}, max(1, repeats // 5)
        )
    )
    ratios = {
        "loglik: catlearn / hand scan": t["catlearn_loglik"]["min_s"]
        / t["hand_scan_loglik"]["min_s"],
        "filter: catlearn / hand scan": t["catlearn_filter"]["min_s"]
        / t["hand_scan_filter"]["min_s"],
        "filter: catlearn / numpy loop": t["catlearn_filter"]["min_s"]
        / t["numpy_loop_filter"]["min_s"],
    }
    return {
        "states": k,
        "symbols": m,
        "steps": steps,
        "times": t,
        "ratios": ratios,
        "max_abs_diff": diff,
    }


# --- Kalman -------------------------------------------------------------------------------------


def tracking_model(dt=0.1, q=2.0, r=0.5):
    i2, z2 = np.eye(2), np.zeros((2, 2))
    g = np.vstack([0.5 * dt**2 * i2, dt * i2])
    return cl.LGSSM(
        jnp.zeros(4),
        jnp.eye(4),
        jnp.asarray(np.block([[i2, dt * i2], [z2, i2]])),
        jnp.asarray(q * g @ g.T),
        jnp.asarray(np.hstack([i2, z2])),
        r * jnp.eye(2),
    )


def hand_kalman(mu0, p0, f, q, h, r, ys, keep):
    def step(carry, y):
        m, p, ll = carry
        s = h @ p @ h.T + r
        chol = cho_factor(s, lower=True)
        resid = y - h @ m
        kt = cho_solve(chol, h @ p)
        m = m + kt.T @ resid
        p = p - kt.T @ s @ kt
        ll = ll - 0.5 * (
            resid @ cho_solve(chol, resid)
            + 2 * jnp.sum(jnp.log(jnp.diag(chol[0])))
            + y.shape[0] * np.log(2 * np.pi)
        )
        return (f @ m, f @ p @ f.T + q, ll), ((m, p) if keep else None)

    (_, _, ll), out = jax.lax.scan(step, (mu0, p0, jnp.zeros((), mu0.dtype)), ys)
    return (ll, *out) if keep else ll


def bench_kalman(batch: int, steps: int, repeats: int) -> dict:
    model = tracking_model()
    keys = jax.random.split(jax.random.key(0), batch)
    ys = jax.jit(jax.vmap(lambda k: model.sample(steps, key=k)[1]))(keys)
    args = model.matrices()
    ours_ll = jax.jit(jax.vmap(cl.probability.kalman_log_likelihood, in_axes=(None, 0)))
    ours_f = jax.jit(jax.vmap(cl.probability.kalman_filter, in_axes=(None, 0)))
    hand_ll = jax.jit(jax.vmap(lambda y: hand_kalman(*args, y, False)))
    hand_f = jax.jit(jax.vmap(lambda y: hand_kalman(*args, y, True)))
    f_ours, f_hand = ours_f(model, ys), hand_f(ys)
    diff = {
        "loglik_vs_hand": float(jnp.abs(ours_ll(model, ys) - hand_ll(ys)).max()),
        "means_vs_hand": float(jnp.abs(f_ours.means - f_hand[1]).max()),
        "covs_vs_hand": float(jnp.abs(f_ours.covs - f_hand[2]).max()),
    }
    del f_ours, f_hand
    t = timeit(
        {
            "catlearn_loglik": lambda: ours_ll(model, ys),
            "hand_vmap_scan_loglik": lambda: hand_ll(ys),
            "catlearn_filter": lambda: ours_f(model, ys),
            "hand_vmap_scan_filter": lambda: hand_f(ys),
        },
        repeats,
    )
    ratios = {
        "loglik: catlearn / hand vmap+scan": t["catlearn_loglik"]["min_s"]
        / t["hand_vmap_scan_loglik"]["min_s"],
        "filter: catlearn / hand vmap+scan": t["catlearn_filter"]["min_s"]
        / t["hand_vmap_scan_filter"]["min_s"],
    }
    return {
        "sequences": batch,
        "steps": steps,
        "state_dim": 4,
        "obs_dim": 2,
        "times": t,
        "ratios": ratios,
        "max_abs_diff_float32": diff,
    }


# --- sequential vs parallel vs auto --------------------------------------------------------------


def _dynamax():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            from dynamax.hidden_markov_model import parallel_hmm_filter
            from dynamax.linear_gaussian_ssm import inference as lgi
            from dynamax.linear_gaussian_ssm import parallel_inference as lgp
        except ImportError:  # pragma: no cover - dynamax is a dev dependency
            return None
    return parallel_hmm_filter, lgi, lgp


def dynamax_hmm_filter(dx, hmm):
    """dynamax's parallel HMM filter on ``hmm``, jitted: ``obs -> filtered probabilities``."""
    pf = jax.jit(lambda a, b, c: dx[0](a, b, c).filtered_probs)
    return lambda obs: pf(hmm.initial, hmm.transition, jnp.log(hmm.emission).T[obs])


def dynamax_kalman_filter(dx, model):
    """dynamax's parallel Kalman filter on ``model`` (no biases), jitted: ``ys -> means``."""
    params = dx[1].make_lgssm_params(*model.matrices())
    kf = jax.jit(lambda p, y: dx[2].lgssm_filter(p, y).filtered_means)
    return lambda ys: kf(params, ys)


def bench_methods(lengths: list[int], repeats: int) -> list[dict]:
    """One row per (model, T): times of sequential, parallel, auto, dynamax parallel."""
    dx = _dynamax()
    rows = []
    hmm = cl.HMM(
        jax.random.dirichlet(jax.random.key(1), jnp.ones(4)),
        jax.random.dirichlet(jax.random.key(2), jnp.ones(4) * 0.3, (4,)),
        jax.random.dirichlet(jax.random.key(3), jnp.ones(6), (4,)),
    )
    model = tracking_model()
    for t_len in lengths:
        _, obs = hmm.sample(t_len, key=jax.random.key(t_len))
        fns = {
            m: jax.jit(lambda h, y, m=m: cl.probability.hmm_filter(h, y, method=m).filtered)
            for m in ("sequential", "parallel", "auto")
        }
        calls = {m: (lambda f=f, obs=obs: f(hmm, obs)) for m, f in fns.items()}
        if dx is not None:
            dyn = dynamax_hmm_filter(dx, hmm)
            calls["dynamax_parallel"] = lambda f=dyn, o=obs: f(o)
        rows.append(_method_row("HMM filter (4 states)", t_len, calls, repeats))
        vfns = {
            m: jax.jit(lambda h, y, m=m: cl.probability.hmm_viterbi(h, y, method=m).path)
            for m in ("sequential", "parallel", "auto")
        }
        calls = {m: (lambda f=f, obs=obs: f(hmm, obs)) for m, f in vfns.items()}
        rows.append(_method_row("HMM Viterbi (4 states)", t_len, calls, repeats))
        _, ys = model.sample(t_len, key=jax.random.key(t_len))
        kfns = {
            m: jax.jit(lambda md, y, m=m: cl.probability.kalman_filter(md, y, method=m).means)
            for m in ("sequential", "parallel", "auto")
        }
        calls = {m: (lambda f=f, ys=ys: f(model, ys)) for m, f in kfns.items()}
        if dx is not None:
            with jax.numpy_rank_promotion("allow"):
                kf = dynamax_kalman_filter(dx, model)
                jax.block_until_ready(kf(ys))  # trace under the permissive setting
            calls["dynamax_parallel"] = lambda kf=kf, ys=ys: kf(ys)
        rows.append(_method_row("Kalman filter (state 4, obs 2)", t_len, calls, repeats))
    return rows


def _method_row(name: str, t_len: int, calls: dict, repeats: int) -> dict:
    with jax.numpy_rank_promotion("allow"):
        t = timeit_calibrated(calls, repeats, target_s=0.05)
    best = min(t["sequential"]["min_s"], t["parallel"]["min_s"])
    kind = "viterbi" if "Viterbi" in name else "hmm" if name.startswith("HMM") else "kalman"
    row = {
        "model": name,
        "T": t_len,
        "times": t,
        "auto_picks": _parallel.resolve_method("auto", t_len, kind),
        "parallel / sequential": t["parallel"]["min_s"] / t["sequential"]["min_s"],
        "auto / best": t["auto"]["min_s"] / best,
    }
    if "dynamax_parallel" in t:
        row["catlearn parallel / dynamax parallel"] = (
            t["parallel"]["min_s"] / t["dynamax_parallel"]["min_s"]
        )
    return row


def methods_markdown(rows: list[dict]) -> str:
    out = [
        "\n## Sequential vs parallel vs auto (CPU; no GPU was available for this run)\n",
        "| model | T | sequential (ms) | parallel (ms) | auto (ms) | auto picks | "
        "parallel / sequential | auto / best | dynamax parallel (ms) | "
        "catlearn par. / dynamax par. |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t = r["times"]
        dxt = t.get("dynamax_parallel", {}).get("min_s", float("nan")) * 1e3
        out.append(
            f"| {r['model']} | {r['T']} | {t['sequential']['min_s'] * 1e3:.3f} | "
            f"{t['parallel']['min_s'] * 1e3:.3f} | {t['auto']['min_s'] * 1e3:.3f} | "
            f"{r['auto_picks']} | {r['parallel / sequential']:.2f} | {r['auto / best']:.3f} | "
            f"{dxt:.3f} | {r.get('catlearn parallel / dynamax parallel', float('nan')):.2f} |"
        )
    worst = max(r["auto / best"] for r in rows)
    out.append(f"\nworst auto / best: {worst:.3f} (acceptance: <= 1.10)")
    return "\n".join(out)


# --- report -------------------------------------------------------------------------------------


def markdown(res: dict) -> str:
    out = [
        f"# Filtering benchmarks\n\n`{res['command']}` on {res['machine']}, jax "
        f"{res['jax']} ({res['backend']}); times are the minimum over interleaved repeats.\n"
    ]
    for h in res.get("hmm", []):
        out.append(f"\n## HMM, {h['states']} states, {h['symbols']} symbols, {h['steps']} steps\n")
        out.append("| timing | min (ms) | median (ms) |\n|---|---|---|")
        out += [
            f"| {k} | {v['min_s'] * 1e3:.3f} | {v['median_s'] * 1e3:.3f} |"
            for k, v in h["times"].items()
        ]
        out.append("\n| ratio | value |\n|---|---|")
        out += [f"| {k} | {v:.3f} |" for k, v in h["ratios"].items()]
        out.append(
            "\nmax abs differences: "
            + ", ".join(f"{k} {v:.2e}" for k, v in h["max_abs_diff"].items())
        )
    k = res.get("kalman")
    if k:
        out.append(
            f"\n## Batched Kalman, {k['sequences']} sequences x {k['steps']} steps (state 4, obs 2)\n"
        )
        out.append("| timing | min (ms) | median (ms) |\n|---|---|---|")
        out += [
            f"| {n} | {v['min_s'] * 1e3:.1f} | {v['median_s'] * 1e3:.1f} |"
            for n, v in k["times"].items()
        ]
        out.append("\n| ratio | value |\n|---|---|")
        out += [f"| {n} | {v:.3f} |" for n, v in k["ratios"].items()]
        out.append(
            "\nmax abs differences (float32): "
            + ", ".join(f"{n} {v:.2e}" for n, v in k["max_abs_diff_float32"].items())
        )
    if res.get("methods"):
        if res.get("methods_command"):
            out.append(f"\n(method table from `{res['methods_command']}`)")
        out.append(methods_markdown(res["methods"]))
    if res.get("crosscheck"):
        out.append("\n## Cross-checks (float64), from tests/test_crosscheck_filtering.py\n")
        out.append(res["crosscheck"])
    return "\n".join(out) + "\n"


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    p.add_argument("--no-crosscheck", action="store_true")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--methods-only", action="store_true", help="only the method table")
    args = p.parse_args(argv)
    quick = args.quick
    rep = args.repeats or (3 if quick else 50)
    res = {
        "command": "python benchmarks/bench_filtering.py " + " ".join(argv or sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "jax": jax.__version__,
        "backend": jax.default_backend(),
    }
    lengths = [10, 100, 1_000] if quick else [10, 100, 1_000, 10_000, 100_000]
    res["methods"] = bench_methods(lengths, max(3, rep // 2))
    if not args.methods_only:
        res["hmm"] = [bench_hmm(k, 1_000 if quick else 10_000, rep) for k in (4, 32)]
        res["kalman"] = bench_kalman(100 if quick else 10_000, 100, max(2, rep // 5))
    if not args.no_crosscheck:
        sys.path.insert(0, str(HERE.parent / "tests"))
        from test_crosscheck_filtering import crosscheck_rows
        from test_crosscheck_filtering import markdown as xmd

        res["crosscheck"] = xmd(crosscheck_rows())
    if args.methods_only and (RESULTS / "filtering.json").exists():
        # keep the other sections of the last full run, replace only the method table
        previous = json.loads((RESULTS / "filtering.json").read_text())
        previous["methods"], previous["methods_command"] = res["methods"], res["command"]
        res = previous
    md = markdown(res)
    print(md)
    if not quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "filtering.json").write_text(json.dumps(res, indent=2) + "\n")
        (RESULTS / "filtering.md").write_text(md)
    return res


if __name__ == "__main__":
    main()
