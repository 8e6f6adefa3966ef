"""Tracking a 2-D target with a constant-velocity Kalman filter (and RTS smoother).

The target moves with a nearly constant velocity, perturbed by a random acceleration that is
constant over each sampling interval (Bar-Shalom, Li, Kirubarajan, *Estimation with
Applications to Tracking and Navigation*, 2001, §6.3). State ``(px, py, vx, vy)``, we observe
the position with noise:

    x_{t+1} = F x_t + G a_t,   a_t ~ N(0, q I_2)   so Q = q G G^T has rank 2 of 4 (singular),
    y_t     = H x_t + v_t,     v_t ~ N(0, r I_2).

The script

1. simulates a track and filters/smooths it (position RMSE: raw measurements > filter > smoother),
   and checks the filter against the same recursion built from Bayesian lenses
   (``bayes_lens(emission).update(belief >> dynamics, y)``) and against a hand-written numpy
   Kalman filter;
2. tracks 1,000 targets at once with ``jax.vmap`` (one compiled program);
3. estimates the unknown noise levels ``(q, r)`` by gradient ascent on the exact Kalman
   log-likelihood (``jax.grad`` through the filter's ``lax.scan``);
4. saves a plot of the track (``--plot``).

    python examples/kalman_tracker.py [--fast] [--plot out.png]
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax

import catlearn as cl


def constant_velocity(dt: float = 0.1, q: float = 2.0, r: float = 0.25) -> cl.LGSSM:
    """The 2-D constant-velocity model with white-acceleration noise (singular Q)."""
    i2, z2 = jnp.eye(2), jnp.zeros((2, 2))
    f = jnp.block([[i2, dt * i2], [z2, i2]])
    g = jnp.vstack([0.5 * dt**2 * i2, dt * i2])
    h = jnp.hstack([i2, z2])
    return cl.LGSSM(
        jnp.array([0.0, 0.0, 1.0, 0.5]),
        jnp.diag(jnp.array([1.0, 1.0, 0.1, 0.1])),
        f,
        q * g @ g.T,
        h,
        r * jnp.eye(2),
    )


def rmse(a: jax.Array, b: jax.Array) -> float:
    return float(jnp.sqrt(jnp.mean(jnp.sum((a - b) ** 2, axis=-1))))


def numpy_kalman(model: cl.LGSSM, ys: np.ndarray) -> np.ndarray:
    """A hand-written numpy Kalman filter (float64), returning the filtered means."""
    mu0, p0, f, q, h, r = (np.asarray(a, np.float64) for a in model.matrices())
    m, p, out = mu0, p0, []
    for y in np.asarray(ys, np.float64):
        s = h @ p @ h.T + r
        k = p @ h.T @ np.linalg.inv(s)
        m, p = m + k @ (y - h @ m), p - k @ s @ k.T
        out.append(m)
        m, p = f @ m, f @ p @ f.T + q
    return np.array(out)


def lens_filter(model: cl.LGSSM, ys: jax.Array, steps: int) -> jax.Array:
    """The filter as composed Bayesian lenses of LinearGaussian kernels (first ``steps`` steps)."""
    x0, dynamics, emission = model.to_kernels()
    belief, lens, means = x0, cl.probability.bayes_lens(emission), []
    for t in range(steps):
        if t:
            belief = belief >> dynamics  # predict: composition
        belief = lens.update(belief, ys[t])  # update: Bayesian inversion at y_t
        means.append(belief.b)
    return jnp.stack(means)


def fit_noise(ys: jax.Array, *, steps: int, dt: float = 0.1) -> tuple[float, float]:
    """Maximum-likelihood (q, r) for a batch of tracks, by Adam on log q, log r."""

    def nll(log_qr):
        model = constant_velocity(dt, jnp.exp(log_qr[0]), jnp.exp(log_qr[1]))
        lls = jax.vmap(cl.probability.kalman_log_likelihood, in_axes=(None, 0))(model, ys)
        return -jnp.mean(lls) / ys.shape[1]

    opt = optax.adam(0.1)

    @jax.jit
    def step(carry, _):
        p, s = carry
        g = jax.grad(nll)(p)
        u, s = opt.update(g, s)
        return (optax.apply_updates(p, u), s), None

    p0 = jnp.zeros(2)  # start from q = r = 1
    (p, _), _ = jax.lax.scan(step, (p0, opt.init(p0)), None, length=steps)
    return float(jnp.exp(p[0])), float(jnp.exp(p[1]))


def main(fast: bool = False, plot: str | None = None) -> dict:
    """Run the example; returns the measured figures (``fast=True``: small sizes for tests)."""
    true_q, true_r = 2.0, 0.25
    model = constant_velocity(q=true_q, r=true_r)
    steps = 100 if fast else 400
    states, ys = model.sample(steps, key=jax.random.key(0))
    s = model.smooth(ys)
    out = {
        "steps": steps,
        "rmse_measurements": rmse(ys, states[:, :2]),
        "rmse_filter": rmse(s.means[:, :2], states[:, :2]),
        "rmse_smoother": rmse(s.smoothed_means[:, :2], states[:, :2]),
        "log_likelihood": float(s.log_likelihood),
    }
    n_lens = 20 if fast else 100
    out["max_diff_vs_lenses"] = float(
        jnp.abs(lens_filter(model, ys, n_lens) - s.means[:n_lens]).max()
    )
    out["max_diff_vs_numpy"] = float(np.abs(numpy_kalman(model, ys) - np.asarray(s.means)).max())
    # many targets at once
    n_targets = 100 if fast else 1000
    keys = jax.random.split(jax.random.key(1), n_targets)
    xs, yss = jax.vmap(lambda k: model.sample(steps, key=k))(keys)
    filt = jax.jit(jax.vmap(cl.probability.kalman_filter, in_axes=(None, 0)))(model, yss)
    out["targets"] = n_targets
    out["rmse_filter_all_targets"] = rmse(filt.means[..., :2], xs[..., :2])
    out["rmse_measurements_all_targets"] = rmse(yss, xs[..., :2])
    # maximum-likelihood noise levels
    q_hat, r_hat = fit_noise(yss[:50], steps=40 if fast else 200)
    out.update(q_true=true_q, r_true=true_r, q_fit=q_hat, r_fit=r_hat)
    if plot:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 5))
        ax.plot(*np.asarray(states[:, :2]).T, "k-", lw=2, label="true track")
        ax.plot(*np.asarray(ys).T, ".", color="0.6", ms=3, label="measurements")
        ax.plot(*np.asarray(s.means[:, :2]).T, "C0-", label="Kalman filter")
        ax.plot(*np.asarray(s.smoothed_means[:, :2]).T, "C3--", label="RTS smoother")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend()
        fig.savefig(plot, dpi=120, bbox_inches="tight")
        plt.close(fig)
        out["plot"] = plot
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="2-D constant-velocity Kalman tracker")
    p.add_argument("--fast", action="store_true")
    p.add_argument("--plot", default=None, help="save a plot of the track to this file")
    args = p.parse_args()
    for k, v in main(fast=args.fast, plot=args.plot).items():
        print(f"{k:32s} {v:.4g}" if isinstance(v, float) else f"{k:32s} {v}")
