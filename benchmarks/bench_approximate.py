"""Benchmark approximate Bayesian lenses against NumPyro on Bayesian logistic regression.

Model: scikit-learn's bundled breast-cancer data (569 rows, 30 features standardised, plus an
intercept), weights w ~ N(0, I), labels y_i ~ Bernoulli(sigmoid(x_i . w)). Written for catlearn
as a prior state and one kernel w -> y with its log-density (a Sampler), for NumPyro as a model.

* **VI**: ``variational_lens(model, family="mean_field", amortised=False)`` vs NumPyro
  ``SVI`` + ``AutoNormal`` + ``Trace_ELBO``, the same optimiser (``optax.adam(lr)``, through
  ``numpyro.optim.optax_to_numpyro``) and the same steps. Time per step: the best of a few runs
  of each side's whole fit, compiled once and interleaved (ours, theirs, ours, ...), divided by
  the steps (ours: the inverse's cached loop plus its final free energy; NumPyro: ``SVI.update``
  in one jitted ``lax.scan``, as ``SVI.run`` does). ELBO, twice: the mean of the last 10 % of
  each run's per-step losses (one draw a step: noisy, about +-1 nat here), and the -ELBO of
  each fitted q estimated with the same 4096 standard-normal draws (common random numbers).
* **NUTS**: ``mcmc_lens(model)`` (BlackJAX NUTS, window adaptation) vs NumPyro ``NUTS``, the
  same warmup and draws; wall time of a second run (compiled), per effective sample (the
  smallest ESS over the 31 weights, NumPyro's estimator for both).

Ratios are catlearn / NumPyro (< 1 means catlearn is faster; the contract is <= 1.0)::

    python -m benchmarks.bench_approximate [--quick]

writes ``benchmarks/results/approximate.json`` and ``approximate.md``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from benchmarks.run import table, write
from catlearn.core.types import Euclid
from catlearn.probability.inference.mcmc import mcmc_lens
from catlearn.probability.inference.variational import variational_lens
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.sampler import Sampler


def data() -> tuple[jax.Array, jax.Array]:
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    X = np.concatenate([np.ones((X.shape[0], 1)), X], axis=1)
    return jnp.asarray(X, jnp.float32), jnp.asarray(y, jnp.float32)


def catlearn_model(X: jax.Array) -> tuple[Any, Any]:
    d, n = X.shape[1], X.shape[0]

    def sample(k: Any, w: Any) -> Any:
        return jax.random.bernoulli(k, jax.nn.sigmoid(X @ w)).astype(X.dtype)

    def log_prob(y: Any, w: Any) -> Any:
        # y log s(z) + (1 - y) log s(-z) = y z - softplus(z): one softplus per row, the
        # formula of NumPyro's Bernoulli(logits=z).log_prob, so both sides run the same model
        z = X @ w
        return jnp.sum(y * z - jax.nn.softplus(z))

    prior = LinearGaussian.state(jnp.zeros(d), jnp.eye(d))
    return prior, Sampler(sample, Euclid(d), Euclid(n), log_prob_fn=log_prob)


def numpyro_model(X: jax.Array, y: jax.Array) -> Any:
    import numpyro
    import numpyro.distributions as dist

    def model() -> None:
        w = numpyro.sample("w", dist.Normal(jnp.zeros(X.shape[1]), 1.0).to_event(1))
        numpyro.sample("y", dist.Bernoulli(logits=X @ w).to_event(1), obs=y)

    return model


def timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = jax.block_until_ready(fn())
    return time.perf_counter() - t, out


def bench_vi(X: jax.Array, y: jax.Array, steps: int, repeats: int, lr: float) -> dict[str, Any]:
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoNormal
    from numpyro.optim import optax_to_numpyro

    prior, model = catlearn_model(X)

    back = variational_lens(
        model,
        key=jax.random.key(0),
        family="mean_field",
        amortised=False,
        steps=steps,
        optimizer=optax.adam(lr),
    ).backward(prior)

    def ours() -> Any:
        return back.fit(y).losses  # the training loop compiled once, on the first call

    nm = numpyro_model(X, y)
    svi = SVI(nm, AutoNormal(nm), optax_to_numpyro(optax.adam(lr)), Trace_ELBO())
    state0 = svi.init(jax.random.key(0))

    @jax.jit
    def run_svi(state: Any) -> Any:
        def body(s: Any, _: Any) -> Any:
            s, loss = svi.update(s)
            return s, loss

        return jax.lax.scan(body, state, None, length=steps)

    def theirs() -> Any:
        return run_svi(state0)[1]  # the same loop as SVI.run, compiled once

    sides = {"catlearn": ours, "numpyro": theirs}
    for fn in sides.values():
        timed(fn)  # compile
    times: dict[str, list[float]] = {name: [] for name in sides}
    losses: dict[str, Any] = {}
    for _ in range(repeats):  # interleaved: both sides see the same machine state
        for name, fn in sides.items():
            t, losses[name] = timed(fn)
            times[name].append(t)
    rows = {}
    for name in sides:
        tail = np.asarray(losses[name])[-max(1, steps // 10) :]
        rows[name] = {"per_step_s": min(times[name]) / steps, "neg_elbo": float(tail.mean())}
    # The fitted posteriors' -ELBO, each estimated with the same 4096 standard-normal draws
    # (common random numbers): what the fits reached, free of the per-step noise of the losses.
    q_ours = back.fit(y).kernel
    fitted = {
        "catlearn": (q_ours.b, jnp.sqrt(jnp.diag(q_ours.cov))),
        "numpyro": tuple(
            svi.get_params(run_svi(state0)[0])[f"w_auto_{k}"] for k in ("loc", "scale")
        ),
    }
    eps = jax.random.normal(jax.random.key(42), (4096, X.shape[1]), X.dtype)
    for name, (loc, sd) in fitted.items():
        rows[name]["neg_elbo_fitted"] = float(_neg_elbo(X, y, loc, sd, eps))
    return rows


def _neg_elbo(X: jax.Array, y: jax.Array, loc: Any, sd: Any, eps: jax.Array) -> jax.Array:
    """-ELBO of q = N(loc, diag(sd^2)) for the logistic regression, by the draws ``eps``."""
    w = loc + sd * eps
    z = w @ X.T
    log_lik = jnp.sum(y * jax.nn.log_sigmoid(z) + (1 - y) * jax.nn.log_sigmoid(-z), axis=1)
    log_prior = -0.5 * jnp.sum(w**2, axis=1) - 0.5 * X.shape[1] * np.log(2 * np.pi)
    log_q = jnp.sum(-0.5 * eps**2 - jnp.log(sd) - 0.5 * np.log(2 * np.pi), axis=1)
    return jnp.mean(log_q - log_prior - log_lik)


def bench_nuts(X: jax.Array, y: jax.Array, warmup: int, draws: int) -> dict[str, Any]:
    from numpyro.diagnostics import effective_sample_size
    from numpyro.infer import MCMC, NUTS

    prior, model = catlearn_model(X)
    inv = mcmc_lens(model, key=jax.random.key(0), num_samples=draws, num_warmup=warmup)
    back = inv.backward(prior)
    timed(lambda: back.run(y).particles.values)  # compile
    t_ours, xs = timed(lambda: back.run(y).particles.values)
    mc = MCMC(NUTS(numpyro_model(X, y)), num_warmup=warmup, num_samples=draws, progress_bar=False)
    mc.run(jax.random.key(0))  # compile
    t0 = time.perf_counter()
    mc.run(jax.random.key(1))
    ws = jax.block_until_ready(mc.get_samples()["w"])
    t_theirs = time.perf_counter() - t0
    out = {}
    for name, t, s in (("catlearn", t_ours, xs), ("numpyro", t_theirs, ws)):
        ess = float(np.min(effective_sample_size(np.asarray(s)[None])))
        out[name] = {"wall_s": t, "min_ess": ess, "s_per_effective_sample": t / ess}
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer steps and draws")
    args = p.parse_args(argv)
    steps, repeats = (1000, 3) if args.quick else (5000, 21)
    warmup, draws = (200, 300) if args.quick else (1000, 2000)
    X, y = data()
    vi = bench_vi(X, y, steps, repeats, 0.01)
    nuts = bench_nuts(X, y, warmup, draws)
    c, n = vi["catlearn"], vi["numpyro"]
    rows = [
        [
            "VI mean-field vs SVI+AutoNormal, s/step",
            c["per_step_s"],
            n["per_step_s"],
            c["per_step_s"] / n["per_step_s"],
        ],
        [
            "VI -ELBO, mean of the last 10 % of steps",
            c["neg_elbo"],
            n["neg_elbo"],
            c["neg_elbo"] / n["neg_elbo"],
        ],
        [
            "VI -ELBO of the fitted q (4096 common draws)",
            c["neg_elbo_fitted"],
            n["neg_elbo_fitted"],
            c["neg_elbo_fitted"] / n["neg_elbo_fitted"],
        ],
        [
            "NUTS s / effective sample",
            nuts["catlearn"]["s_per_effective_sample"],
            nuts["numpyro"]["s_per_effective_sample"],
            nuts["catlearn"]["s_per_effective_sample"] / nuts["numpyro"]["s_per_effective_sample"],
        ],
    ]
    md = table(["workload", "catlearn", "NumPyro", "ratio catlearn/NumPyro"], rows)
    md += (
        f"\n\nBayesian logistic regression, breast cancer (569 x 31, float32); VI {steps} steps "
        f"(best of {repeats} compiled runs / steps), adam(0.01); NUTS {warmup} warmup + "
        f"{draws} draws, min ESS catlearn {nuts['catlearn']['min_ess']:.0f}, NumPyro "
        f"{nuts['numpyro']['min_ess']:.0f}."
    )
    name = "approximate_quick" if args.quick else "approximate"
    data_ = {
        "vi": vi,
        "nuts": nuts,
        "config": {"steps": steps, "repeats": repeats, "warmup": warmup, "draws": draws},
    }
    write(name, "Approximate Bayesian lenses vs NumPyro (logistic regression)", md, data_)
    return data_


if __name__ == "__main__":
    main()
