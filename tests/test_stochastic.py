"""Densities of composite stochastic maps (Shiebler): closed forms, Monte Carlo, noise sharing."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.stats import norm

from catlearn.core.para import ParamSpec
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import ArgumentValueError, HyperparameterError, SupportError, TypeMismatch
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.likelihood import fit_likelihood
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.kernels.sampler import Sampler
from catlearn.probability.kernels.stochastic import NoisyMap, composite_map, then_density


def _shiebler():
    return NoisyMap(
        lambda x, e: 5.0 - x + 10.0 * e,
        LinearGaussian.state(jnp.zeros(1), jnp.eye(1)),
        Euclid(1),
        Euclid(1),
        affine=True,
    )


def test_shiebler_independent_noise_is_n_x_200(x64):
    f = _shiebler()
    ff = f.then(f)
    for x, y in [(0.0, 1.0), (2.5, -7.0), (-3.0, 30.0)]:
        exact = -0.5 * np.log(2 * np.pi * 200.0) - (y - x) ** 2 / 400.0
        got = float(ff.log_prob(jnp.array([y]), jnp.array([x])))
        assert abs(got - exact) < 1e-12
    # the same through then_density (closed form, linear-Gaussian chain)
    s = then_density(f, f)
    assert (
        abs(
            float(s.log_prob(jnp.array([1.0]), jnp.array([0.0])))
            - float(norm.logpdf(1.0, 0.0, np.sqrt(200.0)))
        )
        < 1e-12
    )
    draws = ff.sample(jax.random.key(0), 20000, x=jnp.array([1.0]))
    assert abs(float(jnp.var(draws)) - 200.0) < 10.0


def test_shiebler_shared_noise_is_the_identity(x64):
    f = _shiebler()
    shared = f.then_shared(f).to_linear_gaussian()
    assert shared.allclose(LinearGaussian.id(Euclid(1)), atol=1e-12)
    d = f.then_shared(f).sample(jax.random.key(1), 100, x=jnp.array([3.0]))
    assert np.allclose(np.asarray(d), 3.0, atol=1e-12)  # variance 0


def test_shared_noise_checks_the_law_not_only_the_type(x64):
    """N(0, 1) and N(0, 100) noise on one wire type used to compose silently, the second
    ignored (composite covariance 4.0); now a typed error. Equal laws still share."""

    def noisy(noise):
        return NoisyMap(lambda x, e: x + e, noise, Euclid(1), Euclid(1), affine=True)

    one, hundred = LinearGaussian.state([0.0], [[1.0]]), LinearGaussian.state([0.0], [[100.0]])
    with pytest.raises(ArgumentValueError, match="one noise law"):
        noisy(one).then_shared(noisy(hundred))
    with pytest.raises(ArgumentValueError, match="one noise law"):  # same cov, other mean
        noisy(one).then_shared(noisy(LinearGaussian.state([1.0], [[1.0]])))
    coin = NoisyMap(lambda x, e: x + e, Finite.state([0.5, 0.5]), Fin(2), Fin(2))
    biased = NoisyMap(lambda x, e: x + e, Finite.state([0.25, 0.75]), Fin(2), Fin(2))
    with pytest.raises(ArgumentValueError, match="one noise law"):
        coin.then_shared(biased)
    # an equal law in another object shares: x + 2e with e ~ N(0, 1), covariance 4
    twin = noisy(LinearGaussian.state([0.0], [[1.0]]))
    shared = noisy(one).then_shared(twin).to_linear_gaussian()
    assert np.allclose(np.asarray(shared.cov), [[4.0]], atol=1e-12)


def test_monte_carlo_density_of_samplers_is_consistent(x64):
    f = Sampler(
        lambda k, x: 5.0 - x + 10.0 * jax.random.normal(k, (1,)),
        Euclid(1),
        Euclid(1),
        log_prob_fn=lambda y, x: norm.logpdf(y, 5.0 - x, 10.0).sum(),
    )
    with pytest.raises(HyperparameterError, match="num_samples"):
        then_density(f, f)
    mc = then_density(f, f, num_samples=50_000, key=jax.random.key(0))
    for x, y in [(0.0, 1.0), (1.0, 10.0)]:
        got = float(mc.log_prob(jnp.array([y]), jnp.array([x])))
        assert abs(got - float(norm.logpdf(y, x, np.sqrt(200.0)))) < 0.02
    # unbiased for the density: the mean of independent estimates of p is close to p
    ests = [
        jnp.exp(
            then_density(f, f, num_samples=200, key=jax.random.key(i)).log_prob(
                jnp.array([1.0]), jnp.array([0.0])
            )
        )
        for i in range(3)
    ]
    assert (
        abs(float(jnp.mean(jnp.array(ests))) / float(norm.pdf(1.0, 0.0, np.sqrt(200.0))) - 1) < 0.1
    )


def test_finite_intermediate_is_exact(x64):
    f = Finite([[0.7, 0.3], [0.2, 0.8]], Fin(2), Fin(2))
    g = Sampler.from_kernel(LinearGaussian([[1.0, -2.0]], [0.5], [[1.5]]))  # not Fin domain
    g_on_fin = Sampler(
        lambda k, y: jnp.where(y == 0, 1.0, -2.0) + jnp.sqrt(1.5) * jax.random.normal(k, (1,)),
        Fin(2),
        Euclid(1),
        log_prob_fn=lambda z, y: norm.logpdf(z, jnp.where(y == 0, 1.0, -2.0), jnp.sqrt(1.5)).sum(),
    )
    del g
    comp = then_density(f, g_on_fin)
    z, x = jnp.array([0.3]), 1
    p = 0.2 * norm.pdf(0.3, 1.0, np.sqrt(1.5)) + 0.8 * norm.pdf(0.3, -2.0, np.sqrt(1.5))
    assert abs(float(comp.log_prob(z, x)) - float(np.log(p))) < 1e-12
    # Finite >> Finite: the density of the composed Finite kernel
    h = Finite([[0.5, 0.5], [0.1, 0.9]], Fin(2), Fin(2))
    fh = then_density(f, Sampler.from_kernel(h))
    assert abs(float(jnp.exp(fh.log_prob(1, 0))) - float((f >> h).prob(1, 0))) < 1e-12


def test_then_density_type_errors():
    f = _shiebler()
    g = NoisyMap(
        lambda x, e: x + e, LinearGaussian.state(jnp.zeros(2), jnp.eye(2)), Euclid(2), Euclid(2)
    )
    with pytest.raises(TypeMismatch):
        f.then(g)
    with pytest.raises(TypeMismatch, match="affine"):
        g.to_linear_gaussian()


def test_likelihood_functor_on_composites_fit_likelihood(x64):
    """Fit a two-stage linear-Gaussian chain by maximum likelihood of its composite density;
    the fitted marginal equals the least-squares line and residual variance (its MLE)."""
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(400, 1))
    ys = (
        2.0 * (0.5 * xs + 1.0 + 0.3 * rng.normal(size=(400, 1)))
        - 1.0
        + 0.4 * rng.normal(size=(400, 1))
    )
    noise = LinearGaussian.state(jnp.zeros(1), jnp.eye(1))

    def build(p):
        f = NoisyMap(
            lambda x, e: p["a"] * x + p["b"] + jnp.exp(p["s"]) * e,
            noise,
            Euclid(1),
            Euclid(1),
            affine=True,
        )
        g = NoisyMap(
            lambda y, e: 2.0 * y - 1.0 + jnp.exp(p["t"]) * e,
            noise,
            Euclid(1),
            Euclid(1),
            affine=True,
        )
        return f.then(g)

    spec = {k: ParamSpec((1,)) for k in ("a", "b", "s", "t")}
    m = composite_map(build, spec, Euclid(1), Euclid(1), name="chain")
    p, hist = fit_likelihood(m, m.init(jax.random.key(0)), (xs, ys), lr=0.1, steps=600)
    assert float(hist[-1]) < float(hist[0])
    X = np.hstack([xs, np.ones_like(xs)])
    coef, *_ = np.linalg.lstsq(X, ys[:, 0], rcond=None)
    resid = np.mean((ys[:, 0] - X @ coef) ** 2)
    q = p["chain"]
    assert abs(2 * float(q["a"][0]) - coef[0]) < 1e-3
    assert abs(2 * float(q["b"][0]) - 1.0 - coef[1]) < 1e-3
    var = 4 * np.exp(2 * float(q["s"][0])) + np.exp(2 * float(q["t"][0]))
    assert abs(var - resid) < 1e-3


def test_sampler_docstring_names_the_right_factor():
    # the composite's density is known when the factors before the last are deterministic
    assert "unless the second factor is deterministic" not in Sampler.__doc__
    assert "then_density" in Sampler.__doc__


# --- pushforward of finite noise to a Finite kernel (Shiebler's Para_Omega -> Stoch) -----------


def _mod3(noise):
    return NoisyMap(lambda x, e: (x + e) % 3, Finite.state(noise), Fin(3), Fin(3))


def test_pushforward_by_hand_x64(x64):
    nu = [0.5, 0.3, 0.2]
    k = _mod3(nu).pushforward()
    assert (k.dom, k.cod) == (Fin(3), Fin(3))
    expected = [[0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.3, 0.2, 0.5]]  # K(y|x) = nu(y - x mod 3)
    np.testing.assert_allclose(k.array, expected, rtol=0, atol=1e-15)
    # several noise values onto one output add their mass: y = [x + e >= 2], e in {0, 1, 2}
    g = NoisyMap(lambda x, e: int(x + e >= 2), Finite.state([0.25, 0.25, 0.5]), Fin(2), Fin(2))
    np.testing.assert_allclose(g.pushforward().array, [[0.5, 0.5], [0.25, 0.75]], atol=1e-15)


def test_pushforward_multi_wire_and_state_x64(x64):
    # from Ty(): a state; noise on two wires (a tuple of ints), output on two wires
    noise = Finite.state([[0.1, 0.2], [0.3, 0.4]])
    swap = NoisyMap(lambda x, e: (e[1], e[0]), noise, Ty(), Fin(2) @ Fin(2))
    np.testing.assert_allclose(swap.pushforward().array, [[0.1, 0.3], [0.2, 0.4]], atol=1e-15)
    # a deterministic map (point noise) pushes forward to Finite.from_function
    add = NoisyMap(lambda x, e: (x[0] + x[1] + e) % 2, Finite.state([1.0]), Fin(2) @ Fin(2), Fin(2))
    ref = Finite.from_function(lambda a, b: (a + b) % 2, Fin(2) @ Fin(2), Fin(2))
    assert add.pushforward().allclose(ref, atol=0.0)


def test_pushforward_is_a_functor_x64(x64):
    f = _mod3([0.5, 0.3, 0.2])
    g = NoisyMap(lambda y, e: (2 * y + e) % 3, Finite.state([0.6, 0.4]), Fin(3), Fin(3))
    left = f.then(g).pushforward()  # independent noise nu (x) nu'
    right = f.pushforward() >> g.pushforward()
    np.testing.assert_allclose(left.array, right.array, rtol=0, atol=1e-15)
    # shared noise is not the composite of the kernels: e read twice
    shared = f.then_shared(_mod3([0.5, 0.3, 0.2])).pushforward()  # y = x + 2e mod 3
    np.testing.assert_allclose(shared.array[0], [0.5, 0.2, 0.3], atol=1e-15)
    assert not shared.allclose(f.pushforward() >> f.pushforward())


def test_pushforward_refuses_what_has_no_finite_kernel():
    gauss = NoisyMap(lambda x, e: x + e, LinearGaussian.state([0.0], [[1.0]]), Euclid(1), Euclid(1))
    with pytest.raises(TypeMismatch, match="Finite noise"):
        gauss.pushforward()
    cont = NoisyMap(lambda x, e: x + e, Finite.state([0.5, 0.5]), Euclid(1), Euclid(1))
    with pytest.raises(TypeMismatch, match="Fin wires"):
        cont.pushforward()
    out = NoisyMap(lambda x, e: x + e, Finite.state([0.5, 0.5]), Fin(2), Fin(2))
    with pytest.raises(SupportError, match="value of Fin"):
        out.pushforward()  # 1 + 1 = 2 is not in Fin(2)


# --- noisy maps on the engine -------------------------------------------------------------------


def _scale(a, var):
    noise = LinearGaussian.state(jnp.zeros(1), var * jnp.eye(1))
    return NoisyMap(lambda x, e: a * x + e, noise, Euclid(1), Euclid(1), affine=True)


def test_noisy_map_composites_are_programs_with_one_noise_per_box_x64(x64):
    f, g, h = _scale(2.0, 0.25), _scale(3.0, 1.0), _scale(-1.0, 4.0)
    # y = -(3 (2x + e1) + e2) + e3: A = -6, cov = 9 / 4 + 1 + 4 = 7.25
    for whole in ((f >> g) >> h, f >> (g >> h), f.then(g, h)):
        lg = whole.to_linear_gaussian()
        assert np.allclose(lg.A, [[-6.0]]) and np.allclose(lg.cov, [[7.25]])
        assert len(whole.noises) == 3 and whole.noise.cod == Euclid(1) ** 3
    # the deterministic part reads each box's own noise atom, in program order
    e = (jnp.array([1.0]), jnp.array([10.0]), jnp.array([100.0]))
    assert float((f >> g >> h)(jnp.array([1.0]), e)[0]) == -(3 * (2 + 1) + 10) + 100
    # @ runs side by side; identities, swaps and copies are wiring without noise
    par = (f @ g) >> NoisyMap.swap(Euclid(1), Euclid(1))
    assert par((jnp.ones(1), jnp.ones(1)), (jnp.zeros(1), jnp.zeros(1)))[0][0] == 3.0
    assert len(NoisyMap.id(Euclid(1)).noises) == 0 and NoisyMap.id(Euclid(1)).noise.cod == Ty()
    two = f >> NoisyMap.copy(Euclid(1))
    a, b = two.sample(jax.random.key(0), x=jnp.ones(1))
    assert np.array_equal(a, b)  # one draw, copied
    # pushforward stays a functor on composites of finite maps
    fm = NoisyMap(lambda x, e: (x + e) % 3, Finite.state([0.5, 0.3, 0.2]), Fin(3), Fin(3))
    assert (
        (fm >> fm >> fm)
        .pushforward()
        .allclose(fm.pushforward() >> fm.pushforward() >> fm.pushforward())
    )


def test_long_noisy_chains_build_in_linear_time_and_run_under_jit():
    import time

    f = _scale(1.0, 1.0)
    t0 = time.perf_counter()
    chain = f
    for _ in range(9_999):
        chain = chain >> f
    assert time.perf_counter() - t0 < 2.0 and len(chain.noises) == 10_000
    short = f >> f >> f
    e = (jnp.ones(1), jnp.ones(1), jnp.ones(1))
    run = jax.jit(lambda m, x: m(x, e))  # the composite is a pytree: its noises are leaves
    assert float(run(short, jnp.zeros(1))[0]) == 3.0
    with pytest.raises(TypeMismatch, match="NoisyMap after"):
        f.then(LinearGaussian.state(jnp.zeros(1), jnp.eye(1)))
