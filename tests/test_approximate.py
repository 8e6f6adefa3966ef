"""Approximate Bayesian lenses: importance-sampling inversion, bootstrap particle filter."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.types import Fin
from catlearn.errors import DegenerateWeightsError, ShapeError, ZeroEvidenceError
from catlearn.probability.inference.approximate import (
    ParticleLens,
    Particles,
    hmm_particle_filter,
    importance_invert,
    particle_filter,
)
from catlearn.probability.inference.bayes import invert
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.statespace.hmm import HMM, hmm_filter

PI = jnp.array([0.5, 0.5])
A = jnp.array([[0.95, 0.05], [0.10, 0.90]])
B = jnp.array([[1 / 6] * 6, [1 / 10] * 5 + [1 / 2]])


@pytest.mark.slow
def test_casino_particle_filter_tv_to_exact_filter():
    hmm = HMM(PI, A, B)
    _, obs = hmm.sample(300, key=jax.random.key(0))
    exact = hmm_filter(hmm, obs)
    # jitted and batched over keys (vmap): two independent runs of 10^4 particles
    keys = jax.random.split(jax.random.key(1), 2)
    filt, ll = jax.vmap(lambda k: hmm_particle_filter(PI, A, B, obs, key=k, num_particles=10_000))(
        keys
    )
    assert filt.shape == (2, 300, 2)
    tv = 0.5 * jnp.sum(jnp.abs(filt - exact.filtered[None]), axis=-1)
    assert float(jnp.max(jnp.mean(tv, axis=1))) < 0.02  # each run
    assert float(jnp.max(jnp.abs(ll - exact.log_likelihood))) < 1.0


@pytest.mark.slow
def test_importance_inversion_converges_at_root_n(x64):
    """Normal–normal conjugate case: RMSE of the posterior-mean estimate ~ c / sqrt(N)."""
    prior = LinearGaussian.state(jnp.zeros(1), jnp.eye(1))
    obs = LinearGaussian(jnp.eye(1), cov=0.5 * jnp.eye(1))
    y = jnp.array([1.2])
    exact = float(invert(obs, prior).mean(y)[0])  # 0.8
    Ns = [200, 800, 3200]
    rmse = []
    for n in Ns:
        keys = jax.random.split(jax.random.key(n), 150)
        est = jax.vmap(
            lambda k, n=n: importance_invert(obs, prior, y, key=k, num_samples=n).mean()[0]
        )(keys)
        rmse.append(float(jnp.sqrt(jnp.mean((est - exact) ** 2))))
    slope = np.polyfit(np.log(Ns), np.log(rmse), 1)[0]
    assert -0.65 < slope < -0.35, (rmse, slope)
    assert rmse[-1] < 0.03


def test_generic_particle_filter_on_a_linear_gaussian_model_matches_kalman(x64):
    """particle_filter with ParticleLens.from_kernel on a 1-D random walk vs exact inversion."""
    trans = LinearGaussian(jnp.eye(1), cov=0.1 * jnp.eye(1))
    emit = LinearGaussian(jnp.eye(1), cov=0.5 * jnp.eye(1))
    init = LinearGaussian.state(jnp.zeros(1), jnp.eye(1))
    ys = jnp.array([[0.3], [0.5], [1.1], [0.9], [1.4]])
    res = particle_filter(
        lambda k, n: init.sample(k, n),
        ParticleLens.from_kernel(trans),
        ParticleLens.from_kernel(emit),
        ys,
        key=jax.random.key(0),
        num_particles=20_000,
    )
    belief = init
    for t in range(ys.shape[0]):
        if t:
            belief = belief >> trans
        back = invert(emit, belief)
        belief = LinearGaussian.state(back.mean(ys[t]), back.cov)
        est = float(jnp.sum(res.weights[t] * res.values[t][:, 0]))
        assert abs(est - float(belief.b[0])) < 0.03
    assert res.ess.shape == (5,)


def test_zero_weight_particles_are_a_typed_error():
    with pytest.raises(DegenerateWeightsError, match="weight"):
        Particles(jnp.zeros(3), jnp.full(3, -jnp.inf))
    assert issubclass(DegenerateWeightsError, ZeroEvidenceError)
    p = Particles(jnp.array([0.0, 1.0]))
    with pytest.raises(DegenerateWeightsError):
        p.reweight(jnp.array([-jnp.inf, -jnp.inf]))
    # an impossible observation in the filter
    B0 = jnp.array([[1.0, 0.0], [1.0, 0.0]])
    with pytest.raises(DegenerateWeightsError):
        hmm_particle_filter(PI, A, B0, jnp.array([0, 1]), key=jax.random.key(0), num_particles=10)


def test_resampling_keeps_the_distribution():
    p = Particles(jnp.arange(4), jnp.log(jnp.array([0.1, 0.2, 0.3, 0.4])))
    big = Particles(jnp.repeat(jnp.arange(4), 2500), jnp.repeat(p.log_weights, 2500))
    r = big.resample(jax.random.key(0))
    assert np.allclose(np.asarray(r.histogram(4)), [0.1, 0.2, 0.3, 0.4], atol=1e-3)
    assert float(p.ess()) == pytest.approx(1 / 0.3, rel=1e-5)


def test_hmm_particle_filter_transition_lens_has_the_transition_density(x64, monkeypatch):
    """The transition lens's backward is the transition kernel: log_prob(z', z) = log A[z, z']
    (it used to be the emission table), and its update at a particle prior is the exact
    inverse A†_π; the emission lens's is log B[z, y]."""
    from catlearn.probability.inference import approximate

    seen = {}
    real = approximate.particle_filter

    def spy(init, trans, emit, obs, **kw):
        seen["trans"], seen["emit"] = trans, emit
        return real(init, trans, emit, obs, **kw)

    monkeypatch.setattr(approximate, "particle_filter", spy)
    A, B = jnp.array([[0.95, 0.05], [0.10, 0.90]]), jnp.array([[1 / 6] * 6, [0.1] * 5 + [0.5]])
    hmm_particle_filter(PI, A, B, jnp.array([5, 0]), key=jax.random.key(0), num_particles=8)
    trans, emit = seen["trans"], seen["emit"]
    for z in range(2):
        for z2 in range(2):
            assert float(trans.log_prob(z2, z)) == float(jnp.log(A[z, z2]))
        for y in range(6):
            assert float(emit.log_prob(y, z)) == float(jnp.log(B[z, y]))
    prior = jnp.array([0.3, 0.7])
    particles = Particles(jnp.arange(2), jnp.log(prior))
    exact = invert(Finite(A, Fin(2), Fin(2)), Finite.state(prior))
    for z2 in range(2):
        post = trans.update(particles, z2)
        w = jnp.exp(post.log_weights - jax.scipy.special.logsumexp(post.log_weights))
        np.testing.assert_allclose(w, exact.array[z2], rtol=0, atol=1e-12)


def test_particle_lens_from_table_refuses_a_vector():
    with pytest.raises(ShapeError, match="2-D row-stochastic"):
        ParticleLens.from_table(jnp.array([0.5, 0.5]))


@eqx.filter_jit
def _reference_pf(initial, sample_t, logp_e, n, obs, key):
    """Today's bootstrap filter, verbatim (before particle lenses were BayesLens values):
    resample, push every particle with split keys, reweight; one jitted lax.scan."""

    def push(p, k):
        new = jax.vmap(sample_t)(jax.random.split(k, p.values.shape[0]), p.values)
        return Particles(new, p.log_weights)

    def update(p, y):
        return p.reweight(jax.vmap(lambda t: logp_e(y, t))(p.values))

    k0, key = jax.random.split(key)
    p0 = update(Particles(initial(k0, n)), obs[0])

    def step(p, inp):
        y, k = inp
        k1, k2 = jax.random.split(k)
        post = update(push(p.resample(k1), k2), y)
        return post, (post.values, post.weights)

    T = obs.shape[0]
    _, (vals, ws) = jax.lax.scan(step, p0, (obs[1:], jax.random.split(key, T - 1)))
    return jnp.concatenate([p0.values[None], vals]), jnp.concatenate([p0.weights[None], ws])


class _Init(eqx.Module):
    logpi: jax.Array

    def __call__(self, key, n):
        return jax.random.categorical(key, self.logpi, shape=(n,))


def _normal_init(key, n):
    return jax.random.normal(key, (n, 1))


@pytest.mark.parametrize("table", [False, True])
def test_particle_filter_is_the_lens_composite_bit_for_bit(table):
    """particle_filter runs the composite (transition >> emission) of particle BayesLens
    values; its output equals the hand-written filter with the same keys, bit for bit."""
    if table:
        trans, emit = ParticleLens.from_table(A), ParticleLens.from_table(B)
        init = _Init(jnp.log(PI))
        obs = jnp.array([5, 5, 0, 1, 5])
    else:
        trans = ParticleLens.from_kernel(LinearGaussian(jnp.eye(1), cov=0.1 * jnp.eye(1)))
        emit = ParticleLens.from_kernel(LinearGaussian(jnp.eye(1), cov=0.5 * jnp.eye(1)))
        init = _normal_init
        obs = jnp.array([[0.3], [0.5], [1.1], [0.9]])
    res = particle_filter(init, trans, emit, obs, key=jax.random.key(3), num_particles=64)
    vals, ws = _reference_pf(init, trans.sample, emit.log_prob, 64, obs, jax.random.key(3))
    np.testing.assert_array_equal(np.asarray(res.values), np.asarray(vals))
    np.testing.assert_array_equal(np.asarray(res.weights), np.asarray(ws))


def test_particle_lenses_are_bayes_lenses_composing_with_exact_ones(x64):
    """bayes_lens(f) >> particle_lens(g) is a BayesLens; at y its posterior mean is the exact
    one within Monte Carlo error; particle >> particle also, from a Particles prior."""
    from catlearn.probability.inference.approximate import particle_lens
    from catlearn.probability.inference.bayes import BayesLens, bayes_lens

    f = LinearGaussian([[1.0], [0.5]], cov=0.3 * jnp.eye(2))
    g = LinearGaussian([[1.0, -1.0]], cov=[[0.4]])
    prior = LinearGaussian.state([0.2], [[1.0]])
    y = jnp.array([0.7])
    exact = invert(f >> g, prior).mean(y)
    n = 20_000
    lens = bayes_lens(f) >> particle_lens(g, num_particles=n, key=jax.random.key(0))
    assert isinstance(lens, BayesLens)
    post = lens.update(prior, y)
    assert isinstance(post, Particles)
    se = float(jnp.sqrt(1.0 / post.ess()))  # rough: posterior sd ~ 1
    assert abs(float(post.mean()[0] - exact[0])) < 4 * se + 0.02
    both = particle_lens(f) >> particle_lens(g)
    pp = Particles(prior.sample(jax.random.key(1), n), key=jax.random.key(2))
    post2 = both.update(pp, y)
    assert abs(float(post2.mean()[0] - exact[0])) < 0.05
    # the composite's forward is the exact composite kernel
    assert lens.forward.allclose(f >> g)


# --- the particle composite of a linear-Gaussian chain converges at 1/sqrt(N) ------------------

# the chain of tests/test_variational.py: f1 >> f2 >> f3 from R^2 to R, a correlated prior
CHAIN = (
    ([[1.0, 0.3], [-0.2, 0.8]], [0.1, -0.2], [[0.5, 0.1], [0.1, 0.4]]),
    ([[0.7, -0.4], [0.5, 1.0]], None, [[0.3, 0.0], [0.0, 0.6]]),
    ([[1.0, 0.5]], [0.2], [[0.4]]),
)
CHAIN_PRIOR = ([0.3, -0.1], [[1.0, 0.2], [0.2, 0.7]])


def _chain_rmse(Ns, reps, *, masked):
    """RMSE (over ``reps`` keys per N) of the posterior mean of particle_lens(f1) >>
    particle_lens(f2) >> particle_lens(f3) at a Particles prior of N draws, against the exact
    composite inversion invert(f1 >> f2 >> f3, prior). ``masked``: one compiled program for
    every N, the first N of max(Ns) particles kept and the others given weight 0 (the same
    estimator as an N-particle set); else one N-particle set (and one compile) per N."""
    from catlearn.probability.inference.approximate import particle_lens

    f1, f2, f3 = (LinearGaussian(*a) for a in CHAIN)
    prior = LinearGaussian.state(*CHAIN_PRIOR)
    chain = particle_lens(f1) >> particle_lens(f2) >> particle_lens(f3)
    y = jnp.array([0.8])
    exact = invert(f1 >> f2 >> f3, prior).mean(y)
    nmax = max(Ns)

    def estimate(key, n, size):
        k1, k2 = jax.random.split(key)
        lw = jnp.where(jnp.arange(size) < n, 0.0, -jnp.inf)
        return chain.update(Particles(prior.sample(k1, size), lw, key=k2), y).mean()

    if masked:
        keys = jax.random.split(jax.random.key(0), (len(Ns), reps))
        est = jax.jit(jax.vmap(jax.vmap(lambda k, n: estimate(k, n, nmax), (0, None))))(
            keys, jnp.array(Ns)
        )
    else:
        est = jnp.stack(
            [
                jax.jit(jax.vmap(lambda k, n=n: estimate(k, n, n)))(
                    jax.random.split(jax.random.key(n), reps)
                )
                for n in Ns
            ]
        )
    err2 = jnp.sum(
        (est - exact[None, None]) ** 2, axis=-1
    )  # (len(Ns), reps): squared error of the mean
    rmse = np.sqrt(np.asarray(jnp.mean(err2, axis=1)))
    slope = float(np.polyfit(np.log(Ns), np.log(rmse), 1)[0])
    return rmse, slope


@pytest.mark.slow
def test_particle_chain_of_three_error_falls_as_root_n(x64):
    """Acceptance (issue 21): the particle composite of a linear-Gaussian chain of three
    kernels; its posterior-mean RMSE against the exact composite inversion, fitted in
    log-log over N = 10^3, 10^4, 10^5 (64 keys each, a fresh N-particle set per N), has
    slope -0.5 +- 0.1."""
    Ns = [1_000, 10_000, 100_000]
    rmse, slope = _chain_rmse(Ns, 64, masked=False)
    assert -0.6 < slope < -0.4, (dict(zip(Ns, rmse)), slope)


def test_particle_chain_of_three_error_falls_as_root_n_small(x64):
    """The default-profile version: N = 10^2, 10^3, 10^4 (32 keys each), one compiled
    program for the three N (zero-weight padding)."""
    Ns = [100, 1_000, 10_000]
    rmse, slope = _chain_rmse(Ns, 32, masked=True)
    assert -0.6 < slope < -0.4, (dict(zip(Ns, rmse)), slope)


def test_approximate_lenses_tensor_with_at_and_exact_ones(x64):
    """``@`` of approximate lenses (particle, variational) with each other and with exact
    ones: at a product prior the backward is the product of the parts' posteriors, so the
    posterior mean is the exact one of ``invert(f1 @ f2, prior)`` within Monte Carlo error;
    an exact part stays in closed form."""
    from catlearn.probability.inference.approximate import particle_lens
    from catlearn.probability.inference.bayes import bayes_lens
    from catlearn.probability.inference.variational import variational_lens

    f1 = LinearGaussian([[1.0]], cov=[[0.3]])
    f2 = LinearGaussian([[2.0]], [0.1], [[0.5]])
    prior = LinearGaussian.state([0.2], [[1.0]]) @ LinearGaussian.state([-0.4], [[0.8]])
    y = (jnp.array([0.7]), jnp.array([-0.5]))
    exact = invert(f1 @ f2, prior).mean(y)
    n = 20_000
    part = particle_lens(f1, num_particles=n, key=jax.random.key(0))
    part2 = particle_lens(f2, num_particles=n, key=jax.random.key(2))
    vi = variational_lens(f2, key=jax.random.key(1), amortised=False, steps=1500)
    for lens in (part @ vi, part @ bayes_lens(f2), bayes_lens(f1) @ part2, part @ part2):
        post = lens.update(prior, y)
        assert isinstance(post, Particles) and post.values.shape == (n, 2)
        err = jnp.abs(post.mean() - exact)
        assert float(jnp.max(err)) < 4 / float(jnp.sqrt(post.ess())) + 0.02, (lens, err)
    # two exact parts stay exact; the composite's forward is the exact tensor
    both = bayes_lens(f1) @ bayes_lens(f2)
    assert both.backward(prior).allclose(invert(f1 @ f2, prior))
    assert (part @ vi).forward.allclose(f1 @ f2)
    with pytest.raises(ShapeError):
        (part @ vi).update(prior, jnp.zeros(2))  # one value per wire: a tuple
