"""Cross-checks of catlearn's HMM and Kalman code against dynamax and hand-written numpy filters.

Models from the literature, tables written here (no download):

* the *occasionally dishonest casino* of Durbin, Eddy, Krogh, Mitchison, *Biological Sequence
  Analysis* (1998), §3.2: a fair die and a loaded die (six with probability 1/2), switching
  fair -> loaded with probability 0.05 and loaded -> fair with probability 0.1;
* a 2-D constant-velocity tracking model with the (singular, rank-2) piecewise-constant
  white-acceleration process noise of Bar-Shalom, Li, Kirubarajan, *Estimation with
  Applications to Tracking and Navigation* (2001), §6.3.

Run ``python tests/test_crosscheck_filtering.py`` to print the table of maximum differences.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

CASINO_PI = [0.5, 0.5]
CASINO_A = [[0.95, 0.05], [0.10, 0.90]]
CASINO_B = [[1 / 6] * 6, [1 / 10] * 5 + [1 / 2]]


def cv_tracking(dt=0.1, q=2.0, r=0.5):
    i2, z2 = np.eye(2), np.zeros((2, 2))
    f = np.block([[i2, dt * i2], [z2, i2]])
    g = np.vstack([0.5 * dt**2 * i2, dt * i2])
    h = np.hstack([i2, z2])
    return dict(
        mu0=np.array([0.0, 0.0, 1.0, 0.5]),
        p0=np.diag([1.0, 1.0, 0.25, 0.25]),
        f=f,
        q=q * g @ g.T,
        h=h,
        r=r * np.eye(2),
    )


# --- hand-written numpy references (float64) --------------------------------------------------


def np_hmm_forward_backward(pi, a, b, obs):
    t_len, k = len(obs), len(pi)
    filt, pred, ll = np.zeros((t_len, k)), np.zeros((t_len, k)), 0.0
    p = pi
    for t, y in enumerate(obs):
        pred[t] = p
        u = p * b[:, y]
        ll += np.log(u.sum())
        filt[t] = u / u.sum()
        p = filt[t] @ a
    beta = np.ones(k)
    smooth = np.zeros((t_len, k))
    smooth[-1] = filt[-1]
    for t in range(t_len - 2, -1, -1):  # scaled backward messages
        beta = a @ (b[:, obs[t + 1]] * beta)
        beta /= beta.sum()
        s = filt[t] * beta
        smooth[t] = s / s.sum()
    return ll, filt, smooth


def np_viterbi(pi, a, b, obs):
    la, lb = np.log(a), np.log(b)
    delta = np.log(pi) + lb[:, obs[0]]
    ptrs = []
    for y in obs[1:]:
        sc = delta[:, None] + la
        ptrs.append(sc.argmax(0))
        delta = sc.max(0) + lb[:, y]
    path = [int(delta.argmax())]
    for p in reversed(ptrs):
        path.append(int(p[path[-1]]))
    return np.array(path[::-1])


def np_kalman(m, obs):
    mean, cov, ll = m["mu0"], m["p0"], 0.0
    means, covs, pmeans, pcovs = [], [], [], []
    for y in obs:
        pmeans.append(mean)
        pcovs.append(cov)
        s = m["h"] @ cov @ m["h"].T + m["r"]
        k = np.linalg.solve(s, m["h"] @ cov).T
        resid = y - m["h"] @ mean
        ll += -0.5 * (
            resid @ np.linalg.solve(s, resid) + np.linalg.slogdet(s)[1] + len(y) * np.log(2 * np.pi)
        )
        mean = mean + k @ resid
        cov = cov - k @ s @ k.T
        means.append(mean)
        covs.append(cov)
        mean, cov = m["f"] @ mean, m["f"] @ cov @ m["f"].T + m["q"]
    means, covs = np.array(means), np.array(covs)
    sm, sc = means.copy(), covs.copy()
    for t in range(len(obs) - 2, -1, -1):
        g = covs[t] @ m["f"].T @ np.linalg.pinv(pcovs[t + 1])
        sm[t] = means[t] + g @ (sm[t + 1] - pmeans[t + 1])
        sc[t] = covs[t] + g @ (sc[t + 1] - pcovs[t + 1]) @ g.T
    return ll, means, covs, sm, sc


# --- the table --------------------------------------------------------------------------------


def crosscheck_rows():
    """Every query as (query, catlearn value, peer, peer value, max |difference|), in float64."""
    import jax
    import jax.numpy as jnp

    before = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    try:
        return _rows(jax, jnp)
    finally:
        jax.config.update("jax_enable_x64", before)


def _import_dynamax():
    """dynamax (through TFP) triggers JAX deprecation warnings at import: silence only those."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pytest.importorskip("dynamax")
        from dynamax.hidden_markov_model import inference as hmm_inference
        from dynamax.linear_gaussian_ssm import inference as lgssm_inference
    return hmm_inference, lgssm_inference


def _rows(jax, jnp):
    hmm_inference, lgssm_inference = _import_dynamax()

    def peer(fn):  # dynamax relies on numpy rank promotion, which the test suite forbids
        def call(*args):
            with jax.numpy_rank_promotion("allow"):
                return fn(*args)

        return call

    hmm_posterior_mode = peer(hmm_inference.hmm_posterior_mode)
    hmm_smoother = peer(hmm_inference.hmm_smoother)
    lgssm_filter = peer(lgssm_inference.lgssm_filter)
    lgssm_smoother = peer(lgssm_inference.lgssm_smoother)
    make_lgssm_params = peer(lgssm_inference.make_lgssm_params)

    import catlearn as cl

    rows = []

    def add(query, ours, peer, theirs, diff):
        rows.append((query, ours, peer, theirs, float(diff)))

    # casino HMM, 300 rolls
    pi, a, b = (np.array(x) for x in (CASINO_PI, CASINO_A, CASINO_B))
    hmm = cl.HMM(pi, a, b)
    _, obs = hmm.sample(300, key=jax.random.key(0))
    s, v = hmm.smooth(obs), hmm.viterbi(obs)
    o = np.asarray(obs)
    dx = hmm_smoother(jnp.asarray(pi), jnp.asarray(a), jnp.log(jnp.asarray(b)).T[obs])
    ll_np, filt_np, smooth_np = np_hmm_forward_backward(pi, a, b, o)
    ll = float(s.log_likelihood)
    add(
        "casino: log p(y_1:300)",
        f"{ll:.6f}",
        "dynamax",
        f"{float(dx.marginal_loglik):.6f}",
        abs(ll - float(dx.marginal_loglik)),
    )
    add("casino: log p(y_1:300)", f"{ll:.6f}", "numpy", f"{ll_np:.6f}", abs(ll - ll_np))
    add(
        "casino: filtered p(z_t|y_1:t)",
        "300x2",
        "dynamax",
        "300x2",
        np.abs(np.asarray(s.filtered) - np.asarray(dx.filtered_probs)).max(),
    )
    add(
        "casino: filtered p(z_t|y_1:t)",
        "300x2",
        "numpy",
        "300x2",
        np.abs(np.asarray(s.filtered) - filt_np).max(),
    )
    add(
        "casino: smoothed p(z_t|y_1:300)",
        "300x2",
        "dynamax",
        "300x2",
        np.abs(np.asarray(s.smoothed) - np.asarray(dx.smoothed_probs)).max(),
    )
    add(
        "casino: smoothed p(z_t|y_1:300)",
        "300x2",
        "numpy",
        "300x2",
        np.abs(np.asarray(s.smoothed) - smooth_np).max(),
    )
    path_dx = np.asarray(
        hmm_posterior_mode(jnp.asarray(pi), jnp.asarray(a), jnp.log(jnp.asarray(b)).T[obs])
    )
    path_np = np_viterbi(pi, a, b, o)
    ours = np.asarray(v.path)
    add(
        "casino: Viterbi path (# differing steps)",
        f"{int(ours.sum())} loaded",
        "dynamax",
        f"{int(path_dx.sum())} loaded",
        (ours != path_dx).sum(),
    )
    add(
        "casino: Viterbi path (# differing steps)",
        f"{int(ours.sum())} loaded",
        "numpy",
        f"{int(path_np.sum())} loaded",
        (ours != path_np).sum(),
    )
    pred = hmm.predict(obs, 10)
    want = np.stack([filt_np[-1] @ np.linalg.matrix_power(a, h) @ b for h in range(1, 11)])
    add(
        "casino: p(y_300+h | y), h=1..10",
        "10x6",
        "numpy",
        "10x6",
        np.abs(np.asarray(pred.observations) - want).max(),
    )

    # constant-velocity tracking, singular Q, 100 steps
    m = cv_tracking()
    model = cl.LGSSM(m["mu0"], m["p0"], m["f"], m["q"], m["h"], m["r"])
    _, ys = model.sample(100, key=jax.random.key(1))
    ks = model.smooth(ys)
    params = make_lgssm_params(*(jnp.asarray(m[k]) for k in ("mu0", "p0", "f", "q", "h", "r")))
    df, ds = lgssm_filter(params, ys), lgssm_smoother(params, ys)
    ll_np, mf, cf, sm, sc = np_kalman(m, np.asarray(ys))
    kl = float(ks.log_likelihood)
    add(
        "tracking: log p(y_1:100)",
        f"{kl:.6f}",
        "dynamax",
        f"{float(df.marginal_loglik):.6f}",
        abs(kl - float(df.marginal_loglik)),
    )
    add("tracking: log p(y_1:100)", f"{kl:.6f}", "numpy", f"{ll_np:.6f}", abs(kl - ll_np))
    for name, ours_, dyn, npv in [
        ("filtered means", ks.means, df.filtered_means, mf),
        ("filtered covariances", ks.covs, df.filtered_covariances, cf),
        ("smoothed means", ks.smoothed_means, ds.smoothed_means, sm),
        ("smoothed covariances", ks.smoothed_covs, ds.smoothed_covariances, sc),
    ]:
        shape = "x".join(map(str, ours_.shape))
        add(
            f"tracking: {name}",
            shape,
            "dynamax",
            shape,
            np.abs(np.asarray(ours_) - np.asarray(dyn)).max(),
        )
        add(f"tracking: {name}", shape, "numpy", shape, np.abs(np.asarray(ours_) - npv).max())
    return rows


def markdown(rows):
    out = ["| query | catlearn | peer | peer value | max abs diff |", "|---|---|---|---|---|"]
    out += [
        f"| {q.replace('|', chr(92) + '|')} | {a} | {p} | {b} | {d:.3g} |" for q, a, p, b, d in rows
    ]
    return "\n".join(out)


@pytest.mark.crosscheck
def test_crosscheck_against_dynamax_and_numpy():
    rows = crosscheck_rows()
    assert len(rows) == 19
    for query, _, peer, _, diff in rows:
        # dynamax's psd_solve adds a 1e-9 diagonal boost, hence its ~1e-8 gaps on the Kalman rows
        tol = 0 if "Viterbi" in query else (1e-6 if peer == "dynamax" else 1e-10)
        assert diff <= tol, (query, peer, diff)


@pytest.mark.crosscheck
def test_casino_viterbi_finds_the_loaded_die():
    """Sanity of the literature model: Viterbi recovers most loaded stretches."""
    import jax

    import catlearn as cl

    hmm = cl.HMM(np.array(CASINO_PI), np.array(CASINO_A), np.array(CASINO_B))
    z, y = hmm.sample(2000, key=jax.random.key(2))
    acc = float((hmm.viterbi(y).path == z).mean())
    assert acc > 0.7


if __name__ == "__main__":
    print(markdown(crosscheck_rows()))
