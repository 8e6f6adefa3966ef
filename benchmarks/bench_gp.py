"""Benchmark Gaussian-process regression (catlearn.probability.inference.gp) on CPU, float64.

For n training points of a 1-D data set (RBF kernel, 200 test points):

* posterior mean/variance by Algorithm 2.1 (``GaussianProcess.predict(method="cholesky")``,
  jitted) vs the same algorithm in numpy/scipy (baseline measured in the same run);
* the posterior as Bayesian inversion (``method="inversion"``, pseudo-inverse of the
  n x n evidence covariance; only for n <= 1000);
* one hyperparameter step (log marginal likelihood and its gradient, jitted);
* the hyperparameter fit ``fit_gp(steps=S)`` (wall time, compile included, and per step).

Ratios are baseline / catlearn (> 1 means catlearn is faster)::

    python -m benchmarks.bench_gp [--quick]

writes ``benchmarks/results/gp.json`` and ``gp.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import scipy.linalg as sl  # noqa: E402

from catlearn.probability.inference.gp import RBF, GaussianProcess, fit_gp  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def best(fn, repeats: int) -> float:
    jax.block_until_ready(fn())
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        ts.append(time.perf_counter() - t0)
    return min(ts)


def numpy_rw21(x, y, xs, var, ls, noise):
    def k(a, b):
        return var * np.exp(-0.5 * (a[:, None] - b[None, :]) ** 2 / ls**2)

    L = np.linalg.cholesky(k(x, x) + noise * np.eye(len(x)))
    alpha = sl.cho_solve((L, True), y)
    Ks = k(x, xs)
    v = sl.solve_triangular(L, Ks, lower=True)
    return Ks.T @ alpha, var - np.sum(v**2, axis=0)


def bench(n: int, steps: int, repeats: int) -> dict:
    rng = np.random.default_rng(n)
    x = np.sort(rng.uniform(0.0, 10.0, n))
    y = np.sin(x) + 0.1 * rng.normal(size=n)
    xs = np.linspace(0.0, 10.0, 200)
    gp = GaussianProcess(RBF(1.0, 0.7), 0.05)
    xj, yj, xsj = jnp.asarray(x), jnp.asarray(y), jnp.asarray(xs)
    chol = jax.jit(lambda g, a, b, c: g.predict(a, b, c, method="cholesky"))
    m, v = chol(gp, xj, yj, xsj)
    m0, v0 = numpy_rw21(x, y, xs, 1.0, 0.7, 0.05)
    out = {
        "n": n,
        "max_diff_vs_numpy": float(max(np.abs(m - m0).max(), np.abs(v - v0).max())),
        "posterior_cholesky_s": best(lambda: chol(gp, xj, yj, xsj), repeats),
        "posterior_numpy_s": best(lambda: numpy_rw21(x, y, xs, 1.0, 0.7, 0.05), repeats),
    }
    if n <= 1000:
        inv = jax.jit(lambda g, a, b, c: g.predict(a, b, c, method="inversion"))
        mi, _ = inv(gp, xj, yj, xsj)
        out["inversion_vs_cholesky_max_diff"] = float(np.abs(mi - m).max())
        out["posterior_inversion_s"] = best(lambda: inv(gp, xj, yj, xsj), max(1, repeats // 2))
    grad = jax.jit(jax.value_and_grad(lambda g: g.log_marginal_likelihood(xj, yj)))
    out["lml_and_grad_s"] = best(lambda: grad(gp), repeats)
    t0 = time.perf_counter()
    fitted, hist = fit_gp(gp, xj, yj, steps=steps)
    jax.block_until_ready(hist)
    out["fit_steps"] = steps
    out["fit_wall_s_with_compile"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fitted, hist = fit_gp(gp, xj, yj, steps=steps)
    jax.block_until_ready(hist)
    out["fit_wall_s"] = time.perf_counter() - t0
    out["fit_per_step_s"] = out["fit_wall_s"] / steps
    out["lml_before_after"] = [float(hist[0]), float(fitted.log_marginal_likelihood(xj, yj))]
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="n = 300, 1000; fewer steps")
    args = p.parse_args(argv)
    sizes = (300, 1000) if args.quick else (1000, 5000)
    rows = []
    for n in sizes:
        rows.append(bench(n, 10 if args.quick else 20, 2 if args.quick else 3))
        print(json.dumps(rows[-1]), flush=True)
    res = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "jax": jax.__version__,
            "backend": jax.default_backend(),
        },
        "rows": rows,
    }
    md = [
        "| n | Alg. 2.1 catlearn (s) | numpy/scipy (s) | ratio | inversion (s) "
        "| LML+grad (s) | fit_gp steps | fit wall (s) | per step (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        md.append(
            f"| {r['n']} | {r['posterior_cholesky_s']:.4f} | {r['posterior_numpy_s']:.4f} | "
            f"{r['posterior_numpy_s'] / r['posterior_cholesky_s']:.2f} | "
            f"{r.get('posterior_inversion_s', float('nan')):.3f} | {r['lml_and_grad_s']:.3f} | "
            f"{r['fit_steps']} | {r['fit_wall_s']:.2f} | {r['fit_per_step_s']:.3f} |"
        )
    text = "\n".join(md) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    name = "gp_quick" if args.quick else "gp"
    (RESULTS / f"{name}.json").write_text(json.dumps(res, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(text)
    return res


if __name__ == "__main__":
    main()
