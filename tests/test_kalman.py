"""Linear-Gaussian state spaces: Kalman filter, RTS smoother, likelihood and prediction
against the brute-force joint Gaussian (batch update = sequential update)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import multivariate_normal

from catlearn.errors import CovarianceError, DataError, NonFiniteError, ShapeError
from catlearn.probability.statespace.kalman import (
    LGSSM,
    kalman_filter,
    kalman_log_likelihood,
    kalman_predict,
    lgssm_sample,
    rts_smoother,
)
from conftest import tree_maxdiff


def random_model(seed, n=3, m=2, singular_q=False):
    """A random stable model, drawn with numpy (no JAX compile)."""
    rng = np.random.default_rng(seed)
    f = 0.9 * np.linalg.qr(rng.normal(size=(n, n)))[0]
    lq = rng.normal(size=(n, 1 if singular_q else n)) * 0.5
    h = rng.normal(size=(m, n))
    lr = rng.normal(size=(m, m)) * 0.3 + np.eye(m)
    return LGSSM(
        rng.normal(size=n),
        np.eye(n),
        f,
        lq @ lq.T,
        h,
        lr @ lr.T,
        0.1 * np.ones(n),
        -0.2 * np.ones(m),
    )


def random_obs(seed, t_len, m=2, batch=()):
    return jnp.asarray(np.random.default_rng(seed + 100).normal(size=(*batch, t_len, m)))


def constant_velocity(dt=1.0, q=1.0, r=1.0):
    """2-D constant-velocity target with the (rank-2, singular) white-acceleration noise."""
    i2, z2 = np.eye(2), np.zeros((2, 2))
    f = np.block([[i2, dt * i2], [z2, i2]])
    g = np.vstack([0.5 * dt**2 * i2, dt * i2])
    h = np.hstack([i2, z2])
    return LGSSM(
        jnp.zeros(4),
        jnp.diag(jnp.array([1.0, 1.0, 0.0, 0.0])),
        jnp.asarray(f),
        jnp.asarray(q * g @ g.T),
        jnp.asarray(h),
        r * jnp.eye(2),
    )


def joint_gaussian(model, t_len):
    """Mean and covariance of (x_0..x_{T-1}, y_0..y_{T-1}) built by hand (numpy float64)."""
    mu0, p0, f, q, h, r, b, d = (
        np.asarray(a, np.float64)
        for a in (*model.matrices(), model.dynamics_bias, model.emission_bias)
    )
    n, m = len(mu0), len(d)
    mx = [mu0]
    for _ in range(1, t_len):
        mx.append(f @ mx[-1] + b)
    cxx = np.zeros((t_len * n, t_len * n))
    marg = [p0]
    for _ in range(1, t_len):
        marg.append(f @ marg[-1] @ f.T + q)
    for t in range(t_len):
        for s in range(t + 1):
            c = np.linalg.matrix_power(f, t - s) @ marg[s]
            cxx[t * n : (t + 1) * n, s * n : (s + 1) * n] = c
            cxx[s * n : (s + 1) * n, t * n : (t + 1) * n] = c.T
    hh = np.kron(np.eye(t_len), h)
    mean = np.concatenate([np.concatenate(mx), hh @ np.concatenate(mx) + np.tile(d, t_len)])
    cxy = cxx @ hh.T
    cov = np.block([[cxx, cxy], [cxy.T, hh @ cxx @ hh.T + np.kron(np.eye(t_len), r)]])
    return mean, cov, n, m


def condition_all(model, obs, t_len=None):
    """Batch update: p(x_{0:T-1} | y_{0:k-1}) by ONE Gaussian conditioning on the stacked obs."""
    obs = np.asarray(obs, np.float64)
    k = len(obs)
    t_len = t_len or k
    mean, cov, n, m = joint_gaussian(model, t_len)
    nx = t_len * n
    iy = np.arange(nx, nx + k * m)
    cyy = cov[np.ix_(iy, iy)]
    cxy = cov[:nx][:, iy]
    gain = np.linalg.solve(cyy, cxy.T).T
    post_mean = mean[:nx] + gain @ (obs.reshape(-1) - mean[iy])
    post_cov = cov[:nx, :nx] - gain @ cxy.T
    ll = multivariate_normal(mean[iy], cyy).logpdf(obs.reshape(-1))
    return post_mean.reshape(t_len, n), post_cov, ll, (mean, cov)


def block(cov, t, n):
    return cov[t * n : (t + 1) * n, t * n : (t + 1) * n]


@pytest.mark.parametrize("singular_q", [False, True])
def test_batch_update_equals_sequential(x64, singular_q):
    """Filtering observation by observation = conditioning the joint Gaussian on all at once."""
    model = random_model(0, singular_q=singular_q)
    obs = random_obs(1, 6)
    s = rts_smoother(model, obs)
    n = model.state_dim
    # smoother = condition on everything
    mean, cov, ll, _ = condition_all(model, obs)
    assert np.abs(np.asarray(s.smoothed_means) - mean).max() < 1e-10
    for t in range(6):
        assert np.abs(np.asarray(s.smoothed_covs[t]) - block(cov, t, n)).max() < 1e-10
    assert abs(float(s.log_likelihood) - ll) < 1e-10
    assert abs(float(kalman_log_likelihood(model, obs)) - ll) < 1e-10
    # filter at t = condition on y_{0:t}; prediction at t = condition on y_{0:t-1}
    for t in range(6):
        mean_t, cov_t, _, _ = condition_all(model, obs[: t + 1], t_len=6)
        assert np.abs(np.asarray(s.means[t]) - mean_t[t]).max() < 1e-10
        assert np.abs(np.asarray(s.covs[t]) - block(cov_t, t, n)).max() < 1e-10
        if t < 5:
            assert np.abs(np.asarray(s.predicted_means[t + 1]) - mean_t[t + 1]).max() < 1e-10
            assert (
                np.abs(np.asarray(s.predicted_covs[t + 1]) - block(cov_t, t + 1, n)).max() < 1e-10
            )


@pytest.mark.slow
def test_joseph_form_agrees(x64):
    model = constant_velocity()
    obs = random_obs(8, 20)
    a, b = rts_smoother(model, obs), rts_smoother(model, obs, joseph=True)
    assert tree_maxdiff(a, b) < 1e-10
    assert (
        abs(float(kalman_log_likelihood(model, obs, joseph=True)) - float(a.log_likelihood)) < 1e-10
    )
    assert (
        tree_maxdiff(kalman_predict(model, obs, 2, joseph=True), kalman_predict(model, obs, 2))
        < 1e-10
    )


def test_static_state_is_conjugate_normal_update(x64):
    """F = I, Q = 0: the filter is the conjugate Normal update with all observations at once."""
    model = LGSSM(
        jnp.zeros(1), 4.0 * jnp.eye(1), jnp.eye(1), jnp.zeros((1, 1)), jnp.eye(1), jnp.eye(1)
    )
    obs = jnp.array([[1.0], [2.0], [0.5], [3.0]])
    f = kalman_filter(model, obs)
    post_var = 1 / (1 / 4 + 4 / 1)
    assert abs(float(f.covs[-1, 0, 0]) - post_var) < 1e-14
    assert abs(float(f.means[-1, 0]) - post_var * float(obs.sum())) < 1e-14
    assert np.allclose(rts_smoother(model, obs).smoothed_means, f.means[-1], atol=1e-14)


def test_singular_process_noise(x64):
    """Rank-2 Q of a constant-velocity target: no Cholesky factor of Q exists, the filter works."""
    model = constant_velocity()
    q = np.asarray(model.dynamics_cov)
    assert np.linalg.matrix_rank(q) == 2
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(q)
    assert bool(jnp.any(jnp.isnan(jnp.linalg.cholesky(model.dynamics_cov))))
    obs = 3 * random_obs(2, 6)
    s = rts_smoother(model, obs)
    assert all(bool(jnp.all(jnp.isfinite(x))) for x in s)
    mean, _, ll, _ = condition_all(model, obs)
    assert np.abs(np.asarray(s.smoothed_means) - mean).max() < 1e-9
    assert abs(float(s.log_likelihood) - ll) < 1e-9


@pytest.mark.slow
def test_singular_process_noise_long_track_float32():
    m32 = constant_velocity()
    s32 = rts_smoother(m32, lgssm_sample(m32, 2000, key=jax.random.key(3))[1])
    assert all(bool(jnp.all(jnp.isfinite(x))) for x in s32)
    assert float(jnp.linalg.eigvalsh(s32.covs).min()) > -1e-3


def test_prediction_matches_joint(x64):
    model = random_model(4)
    obs = random_obs(5, 4)
    pred = kalman_predict(model, obs, 3)
    mean, cov, _, _ = condition_all(model, obs, t_len=7)
    n = model.state_dim
    for h in range(1, 4):
        assert np.abs(np.asarray(pred.means[h - 1]) - mean[3 + h]).max() < 1e-10
        assert np.abs(np.asarray(pred.covs[h - 1]) - block(cov, 3 + h, n)).max() < 1e-10
    hh, r = np.asarray(model.emission), np.asarray(model.emission_cov)
    want = hh @ block(cov, 6, n) @ hh.T + r
    assert np.abs(np.asarray(pred.obs_covs[2]) - want).max() < 1e-10


def test_vmap_jit_grad():
    model = constant_velocity()
    batch = random_obs(6, 30, batch=(16,)).astype(jnp.float32)
    out = jax.jit(jax.vmap(kalman_filter, in_axes=(None, 0)))(model, batch)
    one = kalman_filter(model, batch[3])
    assert tree_maxdiff(jax.tree_util.tree_map(lambda a: a[3], out), one) < 1e-4

    def nll(log_r):
        m = LGSSM(*model.matrices()[:5], jnp.exp(log_r) * jnp.eye(2))
        return -jnp.mean(jax.vmap(kalman_log_likelihood, in_axes=(None, 0))(m, batch))

    g = jax.grad(nll)(0.0)
    assert np.isfinite(float(g)) and float(g) != 0.0


def test_methods_equal_functions():
    model = constant_velocity()
    obs = jnp.ones((5, 2))
    assert tree_maxdiff(model.filter(obs), kalman_filter(model, obs)) == 0
    assert tree_maxdiff(model.smooth(obs), rts_smoother(model, obs)) == 0
    assert float(model.log_likelihood(obs)) == float(kalman_log_likelihood(model, obs))


# --- bad input ---------------------------------------------------------------------------------


def good():
    return [jnp.zeros(2), jnp.eye(2), jnp.eye(2), jnp.zeros((2, 2)), jnp.ones((1, 2)), jnp.eye(1)]


def with_(i, value):
    args = good()
    args[i] = value
    return args


@pytest.mark.parametrize(
    "args, err, words",
    [
        (with_(1, jnp.array([[1.0, 2.0], [0.0, 1.0]])), CovarianceError, "not symmetric"),
        (with_(3, -jnp.eye(2)), CovarianceError, "positive semi-definite"),
        (with_(5, jnp.zeros((1, 1))), CovarianceError, "R + 1e-6 * I"),
        (with_(2, jnp.array([[jnp.nan, 0.0], [0.0, 1.0]])), NonFiniteError, "dynamics"),
        (with_(4, jnp.ones((1, 3))), ShapeError, "(1, 2)"),
        (with_(0, jnp.zeros((2, 1))), ShapeError, "initial_mean"),
    ],
)
def test_bad_models(args, err, words):
    with pytest.raises(err) as info:
        LGSSM(*args)
    assert words in str(info.value)


@pytest.mark.parametrize(
    "obs, err, words",
    [
        (jnp.zeros((4, 3)), ShapeError, "(T, 1)"),
        (jnp.zeros(4), ShapeError, "jax.vmap"),
        (jnp.zeros((0, 1)), DataError, "empty"),
        (jnp.array([[0.0], [jnp.inf]]), NonFiniteError, "y[1]"),
        (jnp.full((3, 1), jnp.nan), DataError, "NaN"),  # NaN = missing; all missing is an error
    ],
)
@pytest.mark.parametrize("fn", [kalman_filter, rts_smoother, kalman_log_likelihood])
def test_bad_observations(fn, obs, err, words):
    with pytest.raises(err) as info:
        fn(LGSSM(*good()), obs)
    assert words in str(info.value)


def test_bad_arguments():
    with pytest.raises(DataError, match="n >= 1"):
        kalman_predict(LGSSM(*good()), jnp.zeros((1, 1)), 0)
    with pytest.raises(DataError, match="num_steps"):
        lgssm_sample(LGSSM(*good()), 0, key=jax.random.key(0))
    with pytest.raises(TypeError, match="LGSSM"):
        kalman_filter(good(), jnp.zeros((1, 1)))


# --- equal to the composition / inversion built by hand from LinearGaussian kernels ------------


def test_filter_and_smoother_equal_kernel_composition_and_inversion(x64):
    from catlearn.probability.inference.bayes import bayes_lens, invert

    model = constant_velocity()
    x0, dyn, emit = model.to_kernels()
    assert np.allclose(LGSSM.from_kernels(x0, dyn, emit).dynamics_cov, model.dynamics_cov)
    obs = 3 * random_obs(7, 6)
    s = rts_smoother(model, obs)
    belief, lens, filtered, diff = x0, bayes_lens(emit), [], 0.0
    for t in range(6):
        if t:
            belief = belief >> dyn  # predict: composition
        belief = lens.update(belief, obs[t])  # update: inversion at y_t
        filtered.append(belief)
        diff = max(
            diff,
            float(jnp.abs(belief.b - s.means[t]).max()),
            float(jnp.abs(belief.cov - s.covs[t]).max()),
        )
    assert diff < 1e-10
    smooth = filtered[-1]
    for t in range(4, -1, -1):  # s_t = s_{t+1} >> F†_{filtered_t}
        smooth = smooth >> invert(dyn, filtered[t])
        assert float(jnp.abs(smooth.b - s.smoothed_means[t]).max()) < 1e-9
        assert float(jnp.abs(smooth.cov - s.smoothed_covs[t]).max()) < 1e-9


@pytest.mark.slow
def test_example_kalman_tracker(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "kalman_tracker.py"
    spec = importlib.util.spec_from_file_location("kalman_tracker", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.main(fast=True, plot=str(tmp_path / "track.png"))
    assert out["rmse_smoother"] < out["rmse_filter"] < 0.6 * out["rmse_measurements"]
    assert out["rmse_filter_all_targets"] < 0.6 * out["rmse_measurements_all_targets"]
    assert 0.5 * out["q_true"] < out["q_fit"] < 2 * out["q_true"]
    assert 0.5 * out["r_true"] < out["r_fit"] < 2 * out["r_true"]
    assert out["max_diff_vs_lenses"] < 1e-4 and out["max_diff_vs_numpy"] < 1e-3  # float32
    assert (tmp_path / "track.png").stat().st_size > 0


def test_from_kernels_on_the_wrong_wires():
    from catlearn.probability.kernels.gaussian import LinearGaussian

    x0 = LinearGaussian.state(jnp.zeros(3), jnp.eye(3))  # a state on Euclid(3)
    dyn = LinearGaussian(jnp.eye(2), None, jnp.eye(2))
    emit = LinearGaussian(jnp.ones((1, 2)), None, jnp.eye(1))
    with pytest.raises(ShapeError, match="dynamics of shape"):
        LGSSM.from_kernels(x0, dyn, emit)
    with pytest.raises(TypeError, match="LinearGaussian"):
        LGSSM.from_kernels(x0, "not a kernel", emit)
