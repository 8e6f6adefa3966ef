"""Shiebler's stochastic-hidden-layer experiment (examples/shiebler_hidden_layer.py): the
paper's protocol (slope 5, scale 2, 1,500 points), a composite likelihood trained by gradient
descent; the learned conditional law P(y = 1 | x) must match the true probit Phi(2.5 x).

Stated tolerances (a short run: 8 hidden draws, 200 steps): the mean NLL within 0.003 nats
of the true probit's on the same data; the decision boundary within 0.15 of 0 (the probit
MLE on this sample puts it at -0.015; the boundary's sampling error is about 0.05); the
learned P(y = 1 | x) within 0.1 of Phi(2.5 x) everywhere on [-2, 6]."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from jax.scipy.stats import norm

PATH = Path(__file__).resolve().parents[1] / "examples" / "shiebler_hidden_layer.py"


def _example():
    spec = importlib.util.spec_from_file_location("shiebler_hidden_layer", PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_shiebler_data_follow_the_protocol():
    ex = _example()
    x, y = ex.data()
    assert x.shape == (1500, 1) and y.shape == (1500,)
    assert -2.4 <= x.min() and x.max() <= 7.2
    # y = [5x + N(0, 2^2) > 0]: the empirical rate near x = 0.2 is Phi(2.5 * 0.2) ~ 0.69
    near = np.abs(x[:, 0] - 0.2) < 0.2
    assert abs(y[near].mean() - float(norm.cdf(0.5))) < 0.2


def test_shiebler_hidden_layer_learns_the_probit():
    out = _example().run(num_samples=8, steps=200)
    assert out["nll_last"] < out["nll_first"]
    assert abs(out["nll_last"] - out["nll_true_probit"]) < 0.003, out
    assert abs(out["boundary"]) < 0.15, out
    assert out["max_gap_vs_probit"] < 0.1, out
