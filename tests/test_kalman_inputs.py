"""Time-varying and input-driven LGSSMs, sequential and parallel; typed errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.errors import CovarianceError, ShapeError
from catlearn.probability.statespace.kalman import LGSSM, kalman_filter, rts_smoother


def _model(rng, n=2, m=2, t_len=None):
    lead = () if t_len is None else (t_len,)
    f = 0.9 * np.eye(n) + 0.05 * rng.normal(size=(*lead, n, n))
    q = np.broadcast_to(0.2 * np.eye(n), (*lead, n, n))
    h = rng.normal(size=(*lead, m, n))
    r = np.broadcast_to(0.5 * np.eye(m), (*lead, m, m))
    return f, q, h, r


def test_time_varying_and_inputs(x64):
    rng = np.random.default_rng(0)
    t_len, n, m, p = 12, 2, 2, 1
    f, q, h, r = _model(rng, n, m, t_len)
    u = rng.normal(size=(t_len, p))
    bu, du = rng.normal(size=(n, p)), rng.normal(size=(m, p))
    ys = rng.normal(size=(t_len, m))
    ys[3] = np.nan
    tv = LGSSM(np.zeros(n), np.eye(n), f, q, h, r, control_dynamics=bu, control_emission=du)
    assert tv.num_steps == t_len
    s = rts_smoother(tv, ys, inputs=u, method="sequential")
    par = rts_smoother(tv, ys, inputs=u, method="parallel")
    for a, b in zip(s, par, strict=True):
        assert np.abs(np.asarray(a) - np.asarray(b)).max() <= 1e-10
    # inputs = time-varying biases b_t = B u_t, d_t = D u_t
    biased = LGSSM(np.zeros(n), np.eye(n), f, q, h, r, u @ bu.T, u @ du.T)
    s2 = rts_smoother(biased, ys, method="sequential")
    assert max(float(np.abs(np.asarray(a) - np.asarray(b)).max()) for a, b in zip(s, s2)) < 1e-12
    # a time-varying model whose steps are all equal = the time-invariant model
    f0, q0, h0, r0 = _model(np.random.default_rng(1), n, m)
    const = LGSSM(np.zeros(n), np.eye(n), f0, q0, h0, r0)
    stacked = LGSSM(
        np.zeros(n),
        np.eye(n),
        *(np.broadcast_to(a, (t_len, *a.shape)) for a in (f0, q0, h0, r0)),
    )
    k1, k2 = kalman_filter(const, ys), kalman_filter(stacked, ys, method="parallel")
    assert max(float(np.abs(np.asarray(a) - np.asarray(b)).max()) for a, b in zip(k1, k2)) < 1e-10


def test_time_varying_typed_errors():
    rng = np.random.default_rng(0)
    f, q, h, r = _model(rng, 2, 1, 5)
    model = LGSSM(np.zeros(2), np.eye(2), f, q, h, r)
    with pytest.raises(ShapeError, match="T = 5"):
        kalman_filter(model, jnp.zeros((4, 1)))
    with pytest.raises(ShapeError, match="same leading length"):
        LGSSM(np.zeros(2), np.eye(2), f, q[:3], h, r)
    with pytest.raises(CovarianceError, match=r"dynamics_cov Q\[2\]"):
        bad = np.array(q)
        bad[2] = -np.eye(2)
        LGSSM(np.zeros(2), np.eye(2), f, bad, h, r)
    with pytest.raises(ShapeError, match="inputs"):
        LGSSM(
            np.zeros(2), np.eye(2), f[0], q[0], h[0], r[0], control_dynamics=np.ones((2, 1))
        ).filter(jnp.zeros((3, 1)))


@pytest.mark.slow
def test_lgssm_gradient_fit_increases_likelihood():
    from catlearn.probability.statespace.kalman_learn import lgssm_fit_gradient

    rng = np.random.default_rng(2)
    f, q, h, r = _model(rng, 2, 2)
    truth = LGSSM(np.zeros(2), np.eye(2), f, q, h, r)
    ys = np.stack(
        [np.asarray(truth.sample(40, key=k)[1]) for k in jax.random.split(jax.random.key(0), 3)]
    )
    guess = LGSSM(np.zeros(2), np.eye(2), f, 2 * q, h, 4 * r)
    fit = lgssm_fit_gradient(guess, ys, fields=("dynamics_cov", "emission_cov"), num_steps=30)
    lls = np.asarray(fit.log_likelihoods)
    assert lls[-1] > lls[0] + 1.0
    assert np.linalg.eigvalsh(np.asarray(fit.model.emission_cov)).min() > 0


def test_kalman_em_non_decreasing_and_recovers_noise(x64):
    from catlearn.probability.statespace.kalman_learn import lgssm_fit_em

    rng = np.random.default_rng(5)
    f, q, h, r = _model(rng, 2, 2)
    truth = LGSSM(np.zeros(2), np.eye(2), f, q, h, r)
    keys = jax.random.split(jax.random.key(1), 10)
    ys = np.stack([np.asarray(truth.sample(100, key=k)[1]) for k in keys])
    guess = LGSSM(np.zeros(2), np.eye(2), 0.5 * np.eye(2), np.eye(2), h, 2 * np.eye(2))
    fit = lgssm_fit_em(guess, ys, num_iters=40)
    lls = np.asarray(fit.log_likelihoods)
    assert np.all(np.diff(lls) >= -1e-8 * np.abs(lls[1:])) and lls[-1] > lls[0]
    assert np.linalg.eigvalsh(np.asarray(fit.model.dynamics_cov)).min() > -1e-12
