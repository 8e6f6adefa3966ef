"""Discrete HMMs: filter, smoother, likelihood, prediction and Viterbi against brute force."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import logsumexp

from catlearn.errors import (
    CatlearnError,
    DataError,
    NonFiniteError,
    NotStochasticError,
    ShapeError,
    SupportError,
)
from catlearn.probability.statespace.hmm import (
    HMM,
    hmm_filter,
    hmm_log_likelihood,
    hmm_predict,
    hmm_sample,
    hmm_smoother,
    hmm_viterbi,
)
from conftest import tree_maxdiff

# Jurafsky & Martin, Speech and Language Processing (3rd ed.), Appendix A: the ice-cream HMM.
# states: 0 = HOT, 1 = COLD; symbols: 0, 1, 2 = one, two, three ice creams.
ICE_PI = [0.8, 0.2]
ICE_A = [[0.6, 0.4], [0.5, 0.5]]
ICE_B = [[0.2, 0.4, 0.4], [0.5, 0.4, 0.1]]


def random_tables(seed, k=3, m=2, batch=()):
    """Random (initial, transition, emission) tables, drawn with numpy (no JAX compile)."""
    rng = np.random.default_rng(seed)
    return (
        rng.dirichlet(np.ones(k), batch),
        rng.dirichlet(np.ones(k), (*batch, k)),
        rng.dirichlet(np.ones(m), (*batch, k)),
    )


def random_hmm(seed, k=3, m=2):
    return HMM(*(jnp.asarray(a) for a in random_tables(seed, k, m)))


def random_obs(seed, m, t_len):
    return jnp.asarray(np.random.default_rng(seed + 100).integers(0, m, t_len))


def numpy_log_likelihood(hmm, obs):
    """Scaled forward pass in numpy float64 (a reference, not the code under test)."""
    pi, a, b = (np.asarray(x, np.float64) for x in (hmm.initial, hmm.transition, hmm.emission))
    belief, ll = pi, 0.0
    for y in np.asarray(obs):
        u = belief * b[:, y]
        ll += np.log(u.sum())
        belief = (u / u.sum()) @ a
    return ll


def brute_joint(hmm, obs):
    """log p(z, y) for every path z (k^T of them), by enumeration."""
    pi, a, b = (np.asarray(x, np.float64) for x in (hmm.initial, hmm.transition, hmm.emission))
    k, t = len(pi), len(obs)
    paths = np.array(list(itertools.product(range(k), repeat=t)))
    with np.errstate(divide="ignore"):
        lp = np.log(pi[paths[:, 0]]) + np.log(b[paths, np.asarray(obs)]).sum(1)
        lp += np.log(a[paths[:, :-1], paths[:, 1:]]).sum(1)
    return paths, lp


def brute_marginals(paths, lp, k):
    w = np.exp(lp - logsumexp(lp))
    return np.stack(
        [np.bincount(paths[:, t], weights=w, minlength=k) for t in range(paths.shape[1])]
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_brute_force_enumeration(x64, seed):
    hmm = random_hmm(seed, k=3, m=3)
    obs = random_obs(seed, 3, 6)
    paths, lp = brute_joint(hmm, obs)
    s = hmm_smoother(hmm, obs)
    # log-likelihood = logsumexp of the full joint
    assert abs(float(s.log_likelihood) - logsumexp(lp)) < 1e-12
    assert abs(float(hmm_log_likelihood(hmm, obs)) - logsumexp(lp)) < 1e-12
    # smoothed marginals
    assert np.abs(np.asarray(s.smoothed) - brute_marginals(paths, lp, 3)).max() < 1e-12
    # filtered marginals: enumerate the paths of each prefix
    for t in range(1, len(obs) + 1):
        pp, lpp = brute_joint(hmm, obs[:t])
        assert np.abs(np.asarray(s.filtered[t - 1]) - brute_marginals(pp, lpp, 3)[-1]).max() < 1e-12
    # Viterbi = argmax path, and its log-probability
    v = hmm_viterbi(hmm, obs)
    assert np.array_equal(np.asarray(v.path), paths[np.argmax(lp)])
    assert abs(float(v.log_prob) - lp.max()) < 1e-12


def test_prediction_is_composition_with_powers(x64):
    hmm = random_hmm(3, k=3, m=3)
    obs = random_obs(3, 3, 6)
    pred = hmm_predict(hmm, obs, 5)
    last = np.asarray(hmm_filter(hmm, obs).filtered[-1])
    a, b = np.asarray(hmm.transition), np.asarray(hmm.emission)
    for h in range(1, 6):
        want = last @ np.linalg.matrix_power(a, h)
        assert np.abs(np.asarray(pred.states[h - 1]) - want).max() < 1e-13
        assert np.abs(np.asarray(pred.observations[h - 1]) - want @ b).max() < 1e-13
    # and, by enumeration: p(y_T | y_{<T}) = p(y_{0:T}) / p(y_{0:T-1})
    for y in range(3):
        ext = jnp.concatenate([obs, jnp.array([y])])
        ratio = np.exp(hmm_log_likelihood(hmm, ext) - hmm_log_likelihood(hmm, obs))
        assert abs(float(ratio) - float(pred.observations[0, y])) < 1e-13


def test_jurafsky_ice_cream_exact(x64):
    """The forward trellis and Viterbi of 3-1-3 ice creams, computed by hand in the book."""
    hmm = HMM(jnp.array(ICE_PI), jnp.array(ICE_A), jnp.array(ICE_B))
    obs = jnp.array([2, 0, 2])
    f = hmm_filter(hmm, obs)
    # unnormalised alphas: .32/.02, then .0404/.069, then .023496/.005066; total .028562
    alpha1, alpha2 = np.array([0.32, 0.02]), np.array([0.0404, 0.069])
    assert np.allclose(f.filtered[0], alpha1 / alpha1.sum(), rtol=0, atol=1e-14)
    assert np.allclose(f.filtered[1], alpha2 / alpha2.sum(), rtol=0, atol=1e-14)
    assert abs(float(jnp.exp(f.log_likelihood)) - 0.028562) < 1e-14
    v = hmm_viterbi(hmm, obs)
    assert v.path.tolist() == [0, 1, 0]  # HOT COLD HOT
    assert abs(float(jnp.exp(v.log_prob)) - 0.0128) < 1e-14


def test_long_sequence_normalised():
    """10^4 steps: no underflow (an unscaled forward pass gives 0 after ~1000 steps)."""
    hmm = random_hmm(4, k=5, m=4)
    _, obs = hmm_sample(hmm, 10_000, key=jax.random.key(5))
    s = jax.jit(hmm_smoother)(hmm, obs)
    v = jax.jit(hmm_viterbi)(hmm, obs)
    assert np.isfinite(float(s.log_likelihood)) and float(s.log_likelihood) < -1000
    assert bool(jnp.all(jnp.isfinite(s.smoothed)))
    assert np.allclose(s.smoothed.sum(1), 1, atol=1e-5)
    assert np.isfinite(float(v.log_prob))
    ll64 = numpy_log_likelihood(hmm, obs)
    assert abs(float(s.log_likelihood) - ll64) / abs(ll64) < 1e-4


def test_vmap_jit_grad():
    hmm = random_hmm(6, k=3, m=3)
    batch = jnp.asarray(np.random.default_rng(7).integers(0, 3, (8, 6)))
    out = jax.jit(jax.vmap(hmm_smoother, in_axes=(None, 0)))(hmm, batch)
    loop = [hmm_smoother(hmm, y) for y in batch]
    assert tree_maxdiff(out.smoothed, jnp.stack([o.smoothed for o in loop])) < 1e-5
    assert out.log_likelihood.shape == (8,)
    paths = jax.vmap(lambda y: hmm.viterbi(y).path)(batch)
    assert paths.shape == (8, 6)
    # vmap over a batch of models too
    hmms = jax.vmap(HMM)(*(jnp.asarray(a) for a in random_tables(8, 3, 3, (8,))))
    lls = jax.vmap(hmm_log_likelihood, in_axes=(0, None))(hmms, batch[0])
    assert lls.shape == (8,) and bool(jnp.all(jnp.isfinite(lls)))
    # gradient of the log-likelihood w.r.t. the parameters is finite
    g = jax.grad(lambda h: hmm_log_likelihood(h, batch[0]))(hmm)
    assert all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree_util.tree_leaves(g))


def test_grad_matches_finite_differences(x64):
    hmm = random_hmm(8, k=2, m=2)
    obs = jnp.array([0, 1, 1, 0, 1])

    def ll(logits):
        return hmm_log_likelihood(HMM(hmm.initial, jax.nn.softmax(logits, -1), hmm.emission), obs)

    x = jnp.log(hmm.transition)
    g = jax.grad(ll)(x)
    eps = 1e-6
    fd = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            e = jnp.zeros((2, 2)).at[i, j].set(eps)
            fd[i, j] = (ll(x + e) - ll(x - e)) / (2 * eps)
    assert np.abs(np.asarray(g) - fd).max() < 1e-7


def test_zero_evidence_convention(x64):
    """An impossible observation: log-likelihood -inf, belief stays at the prior, no NaN."""
    hmm = HMM(jnp.array([1.0, 0.0]), jnp.eye(2), jnp.array([[1.0, 0.0], [0.0, 1.0]]))
    f = hmm_filter(hmm, jnp.array([0, 1, 0]))
    assert float(f.log_likelihood) == -np.inf
    assert np.array_equal(f.filtered[1], f.predicted[1])
    assert not bool(jnp.any(jnp.isnan(hmm_smoother(hmm, jnp.array([0, 1, 0])).smoothed)))


def test_sample_shapes_and_determinism():
    hmm = HMM(jnp.array([0.0, 1.0]), jnp.array([[0.0, 1.0], [1.0, 0.0]]), jnp.eye(2))
    z, y = hmm.sample(5, key=jax.random.key(0))
    assert z.tolist() == [1, 0, 1, 0, 1] and y.tolist() == z.tolist()


def test_methods_equal_functions():
    hmm = random_hmm(9, k=3, m=3)
    obs = random_obs(9, 3, 6)
    assert tree_maxdiff(hmm.filter(obs), hmm_filter(hmm, obs)) == 0
    assert tree_maxdiff(hmm.smooth(obs), hmm_smoother(hmm, obs)) == 0
    assert tree_maxdiff(hmm.predict(obs, 2), hmm_predict(hmm, obs, 2)) == 0
    assert hmm.viterbi(obs).path.tolist() == hmm_viterbi(hmm, obs).path.tolist()
    assert float(hmm.log_likelihood(obs)) == float(hmm_log_likelihood(hmm, obs))


# --- bad input ---------------------------------------------------------------------------------

GOOD = (jnp.array(ICE_PI), jnp.array(ICE_A), jnp.array(ICE_B))


@pytest.mark.parametrize(
    "args, err, words",
    [
        ((jnp.array([0.5, 0.6]), *GOOD[1:]), NotStochasticError, "sums to 1.1"),
        ((GOOD[0], jnp.array([[1.2, -0.2], [0.5, 0.5]]), GOOD[2]), NotStochasticError, "negative"),
        ((GOOD[0], jnp.array([[jnp.nan, 0.5], [0.5, 0.5]]), GOOD[2]), NonFiniteError, "NaN"),
        ((GOOD[0], jnp.eye(3), GOOD[2]), ShapeError, "shape (2, 2)"),
        ((GOOD[0][None], *GOOD[1:]), ShapeError, "(num_states,)"),
        ((GOOD[0], GOOD[1], jnp.array([[0.5, 0.5]])), ShapeError, "emission"),
    ],
)
def test_bad_models(args, err, words):
    with pytest.raises(err, match=None) as info:
        HMM(*args)
    assert words in str(info.value) and isinstance(info.value, CatlearnError)


@pytest.mark.parametrize(
    "obs, err, words",
    [
        (jnp.array([[0, 1], [1, 2]]), ShapeError, "jax.vmap"),
        (jnp.array([0.0, 1.0]), ShapeError, "integer"),
        (jnp.array([0, 3, 1]), SupportError, "y[1] = 3"),
        (jnp.array([-1]), SupportError, "outside"),
        (jnp.zeros((0,), int), DataError, "empty"),
    ],
)
@pytest.mark.parametrize("fn", [hmm_filter, hmm_smoother, hmm_log_likelihood, hmm_viterbi])
def test_bad_observations(fn, obs, err, words):
    with pytest.raises(err) as info:
        fn(HMM(*GOOD), obs)
    assert words in str(info.value)


def test_bad_arguments():
    with pytest.raises(DataError, match="n >= 1"):
        hmm_predict(HMM(*GOOD), jnp.array([0]), 0)
    with pytest.raises(DataError, match="num_steps"):
        hmm_sample(HMM(*GOOD), 0, key=jax.random.key(0))
    with pytest.raises(TypeError, match="HMM"):
        hmm_filter((GOOD), jnp.array([0]))


def test_traced_construction_skips_value_checks():
    """Under jit the arrays are traced: only shapes are checked, and the filter still runs."""

    @jax.jit
    def f(pi, a, b, y):
        return HMM(pi, a, b).log_likelihood(y)

    assert np.isfinite(float(f(*GOOD, jnp.array([0, 1, 2]))))


# --- equal to the composition / inversion built by hand from markov/bayes kernels ---------------


def test_filter_and_smoother_equal_kernel_composition_and_inversion(x64):
    from catlearn.probability.inference.bayes import bayes_lens, invert
    from catlearn.probability.kernels.markov import Finite

    hmm = random_hmm(10, k=3, m=2)
    pi, a, b = hmm.to_kernels()
    assert HMM.from_kernels(pi, a, b).transition.tolist() == hmm.transition.tolist()
    obs = [0, 1, 1, 0, 1]
    s = hmm_smoother(hmm, jnp.array(obs))
    belief, ll, filtered = pi, 0.0, []
    lens = bayes_lens(b)
    for t, y in enumerate(obs):
        if t:
            belief = belief >> a  # predict: composition
        ll += float(jnp.log((belief >> b).array[y]))  # evidence p(y_t | y_<t)
        belief = lens.update(belief, y)  # update: inversion at y_t
        filtered.append(belief)
    assert abs(ll - float(s.log_likelihood)) < 1e-12
    assert (
        max(float(jnp.abs(f.array - s.filtered[t]).max()) for t, f in enumerate(filtered)) < 1e-12
    )
    # smoother: s_t = s_{t+1} >> A†_{filtered_t}
    smooth = filtered[-1]
    for t in range(len(obs) - 2, -1, -1):
        smooth = smooth >> invert(a, filtered[t])
        assert float(jnp.abs(smooth.array - s.smoothed[t]).max()) < 1e-12
    # the whole chain as ONE kernel K : Z_0 -> Y_0 @ ... @ Y_4 (copy, tensor, composition);
    # its evidence is the likelihood and its inverse at the observations is p(z_0 | y)
    chain = b
    for _ in range(len(obs) - 1):
        chain = Finite.copy(a.dom) >> (b @ (a >> chain))
    assert abs(float(jnp.log((pi >> chain).array[tuple(obs)])) - float(s.log_likelihood)) < 1e-12
    z0 = invert(chain, pi).array[tuple(obs)]
    assert float(jnp.abs(z0 - s.smoothed[0]).max()) < 1e-12


def test_from_kernels_on_the_wrong_wires():
    from catlearn.core.types import Fin
    from catlearn.probability.kernels.markov import Finite

    a = Finite(jnp.array(ICE_A), Fin(2), Fin(2))
    b = Finite(jnp.array(ICE_B), Fin(2), Fin(3))
    with pytest.raises(ShapeError, match="for 3 states"):
        HMM.from_kernels(Finite.state(jnp.ones(3) / 3), a, b)  # state on Fin(3), not Fin(2)
    with pytest.raises(ShapeError, match="emission"):
        HMM.from_kernels(
            Finite.state(jnp.array(ICE_PI)), a, Finite(jnp.ones((3, 2)) / 2, Fin(3), Fin(2))
        )
