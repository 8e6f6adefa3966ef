"""Shiebler's stochastic hidden layer: Dense(2) -> Normal(loc, relu(scale)) -> Dense(1) -> Bernoulli.

Shiebler (*Categorical Stochastic Processes and Likelihood*, 2021, and the notebook that goes
with it) trains a network whose hidden unit is *sampled*: a dense layer gives a location and a
scale, the unit is ``h ~ N(loc, relu(scale))``, a second dense layer and a sigmoid give the
probability of a Bernoulli label. The data (his ``load_bernoulli_gaussian_dataset``): 1,500
inputs ``x`` uniform on [-2.4, 7.2], latent ``p = 5 x + N(0, 2^2)`` (slope 5, scale 2),
label ``y = [p > 0]``, so the truth is the probit ``P(y = 1 | x) = Phi(2.5 x)``.

In catlearn the model is a composite of two stochastic maps, and its likelihood is the
composite density (Shiebler's likelihood of a composite: the hidden unit is integrated out):

    f : x -> h   a Sampler (reparametrised: h = a x + b + relu(c x + d) e, e ~ N(0, 1))
    g : h -> y   Bernoulli(sigmoid(u h + v)), with its log-probability
    p(y | x) = E_{h ~ f(x)} g(y | h)   ~  (1/N) sum_i g(y | h_i)      (then_density, N draws)

``composite_map`` makes that a ``StochasticMap`` (Shiebler's functor into Learn) and
``fit_likelihood`` trains it by gradient descent on the mean negative log-likelihood (full
batch; Shiebler used Keras' SGD on mini-batches). What is identified is the conditional law
P(y = 1 | x), not the six weights (rescaling h rescales u); the script reports

* the decision boundary ``x* = -(u b + v) / (u a)`` (where P = 1/2; the hidden noise is
  symmetric), truth 0,
* the largest gap between the learned P(y = 1 | x) (by Gauss-Hermite quadrature over h) and
  the true probit on [-2, 6],
* the mean NLL of the learned model beside that of the true probit on the same data.

    python examples/shiebler_hidden_layer.py [--fast]
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.stats import norm

from catlearn.core.para import ParamSpec
from catlearn.core.types import Euclid, Fin
from catlearn.probability import Sampler, composite_map, fit_likelihood, then_density

SLOPE, SCALE, N_POINTS = 5.0, 2.0, 1500


def data(n: int = N_POINTS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Shiebler's Bernoulli-Gaussian data: x uniform on [-2.4, 7.2], y = [5x + N(0, 4) > 0]."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 1)) * 1.2 * 8.0 - 2.4
    y = (SLOPE * x + rng.normal(0.0, SCALE, (n, 1)) > 0).astype(np.int32)[:, 0]
    return x.astype(np.float32), y


def model(num_samples: int = 32, seed: int = 1):
    """The composite Dense(2) -> Normal(loc, relu(scale)) -> Dense(1) -> Bernoulli as a
    StochasticMap; ``num_samples`` hidden draws (a fixed key) estimate its density."""
    key = jax.random.key(seed)

    def build(p):
        def hidden(k, x):  # Dense(2), then h ~ N(loc, relu(scale)), reparametrised
            t = p["dense1"]["W"] @ x + p["dense1"]["b"]
            return t[:1] + jax.nn.relu(t[1:]) * jax.random.normal(k, (1,))

        def logit(h):  # Dense(1); the sigmoid is in the Bernoulli's log-probability
            return (p["dense2"]["W"] @ h + p["dense2"]["b"])[0]

        def bernoulli_lp(y, h):
            z = logit(h)
            return jnp.where(y == 1, jax.nn.log_sigmoid(z), jax.nn.log_sigmoid(-z))

        f = Sampler(hidden, Euclid(1), Euclid(1))
        g = Sampler(
            lambda k, h: jax.random.bernoulli(k, jax.nn.sigmoid(logit(h))).astype(jnp.int32),
            Euclid(1),
            Fin(2),
            log_prob_fn=bernoulli_lp,
        )
        return then_density(f, g, num_samples=num_samples, key=key)

    spec = {
        "dense1": {"W": ParamSpec((2, 1)), "b": ParamSpec((2,))},
        "dense2": {"W": ParamSpec((1, 1)), "b": ParamSpec((1,))},
    }
    return composite_map(build, spec, Euclid(1), Fin(2), name="shiebler")


def init_params(smap) -> dict:
    """Small weights, with the scale unit's bias at 1 so relu starts in its live region."""
    p = smap.init(jax.random.key(0))
    q = dict(p["shiebler"])
    q["dense1"] = {"W": jnp.array([[0.5], [0.1]]), "b": jnp.array([0.0, 1.0])}
    q["dense2"] = {"W": jnp.array([[1.0]]), "b": jnp.array([0.0])}
    return {**p, "shiebler": q}


def boundary(q: dict) -> float:
    """x* with P(y = 1 | x*) = 1/2: u (a x* + b) + v = 0 (the hidden noise is symmetric)."""
    a, b = float(q["dense1"]["W"][0, 0]), float(q["dense1"]["b"][0])
    u, v = float(q["dense2"]["W"][0, 0]), float(q["dense2"]["b"][0])
    return -(u * b + v) / (u * a)


def probability(q: dict, xs: np.ndarray, degree: int = 64) -> np.ndarray:
    """P(y = 1 | x) of the learned model: the hidden unit integrated out by Gauss-Hermite."""
    t, w = np.polynomial.hermite.hermgauss(degree)
    W1, b1 = np.asarray(q["dense1"]["W"])[:, 0], np.asarray(q["dense1"]["b"])
    u, v = float(q["dense2"]["W"][0, 0]), float(q["dense2"]["b"][0])
    loc, scale = W1[0] * xs + b1[0], np.maximum(W1[1] * xs + b1[1], 0.0)
    h = loc[:, None] + np.sqrt(2.0) * scale[:, None] * t[None, :]
    return (1.0 / (1.0 + np.exp(-(u * h + v)))) @ w / np.sqrt(np.pi)


def true_nll(x: np.ndarray, y: np.ndarray) -> float:
    """Mean NLL of the true probit P(y = 1 | x) = Phi(5x / 2) on the data."""
    z = (
        np.asarray(norm.logcdf(SLOPE * x[:, 0] / SCALE)),
        np.asarray(norm.logcdf(-SLOPE * x[:, 0] / SCALE)),
    )
    return float(-np.mean(np.where(y == 1, z[0], z[1])))


def run(num_samples: int, steps: int, lr: float = 0.5) -> dict[str, float]:
    """Fit on Shiebler's data and measure the learned conditional law against the truth."""
    x, y = data()
    smap = model(num_samples=num_samples)
    params, hist = fit_likelihood(smap, init_params(smap), (x, y), lr=lr, steps=steps)
    q = params["shiebler"]
    grid = np.linspace(-2.0, 6.0, 401)
    gap = float(np.max(np.abs(probability(q, grid) - norm.cdf(SLOPE * grid / SCALE))))
    return {
        "steps": steps,
        "num_samples": num_samples,
        "nll_first": float(hist[0]),
        "nll_last": float(hist[-1]),
        "nll_true_probit": true_nll(x, y),
        "boundary": boundary(q),
        "max_gap_vs_probit": gap,
    }


def main(fast: bool = False) -> dict[str, float]:
    out = run(num_samples=16, steps=600) if fast else run(num_samples=256, steps=2000)
    print(f"Shiebler's hidden-layer model, {N_POINTS} points (slope {SLOPE}, scale {SCALE})")
    print(
        f"  mean NLL ({out['num_samples']} hidden draws): {out['nll_first']:.4f} -> "
        f"{out['nll_last']:.4f} after {out['steps']} steps"
    )
    print(
        f"  mean NLL of the true probit Phi(2.5 x) on the same data: {out['nll_true_probit']:.4f}"
    )
    print(f"  learned decision boundary x* = {out['boundary']:+.3f}   (truth 0)")
    print(f"  max |P_learned(y=1|x) - Phi(2.5 x)| on [-2, 6] = {out['max_gap_vs_probit']:.3f}")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="fewer steps and hidden draws")
    main(fast=ap.parse_args().fast)
