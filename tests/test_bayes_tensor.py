"""Parallel Bayesian lenses: (f ⊗ g)† = f† ⊗ g† at product priors (Finite, LinearGaussian)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlearn.core.types import Euclid, Fin
from catlearn.errors import TypeMismatch
from catlearn.probability.inference.bayes import bayes_lens, invert
from catlearn.probability.inference.conjugate import BetaBernoulli
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite


def _stoch(rng, *shape):
    a = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    return a


def _finite(rng, n, m):
    return Finite(_stoch(rng, n, m), Fin(n), Fin(m))


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 3), st.integers(1, 3), st.integers(2, 3))
def test_tensor_law_finite(seed, n1, n2, m):
    import jax

    before = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    try:
        rng = np.random.default_rng(seed)
        f, g = _finite(rng, n1 + 1, m), _finite(rng, n2 + 1, m + 1)
        pi = Finite.state(_stoch(rng, n1 + 1))
        rho = Finite.state(_stoch(rng, n2 + 1))
        lens = bayes_lens(f) @ bayes_lens(g)
        lhs = invert(f @ g, pi @ rho)
        assert lhs.allclose(invert(f, pi) @ invert(g, rho), atol=1e-12)
        assert lens.backward(pi @ rho).allclose(lhs, atol=1e-12)
        assert lens.forward.allclose(f @ g)
        # the lens law also at an observation
        y = (int(rng.integers(m)), int(rng.integers(m + 1)))
        post = lens.update(pi @ rho, y)
        assert np.allclose(np.asarray(post.array), np.asarray(lhs.row(y)), atol=1e-12)
    finally:
        jax.config.update("jax_enable_x64", before)


def _psd(rng, d):
    B = rng.normal(size=(d, d))
    return B @ B.T + 0.1 * np.eye(d)


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 2), st.integers(1, 2))
def test_tensor_law_linear_gaussian(seed, d1, d2):
    import jax

    before = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    try:
        rng = np.random.default_rng(seed)
        f = LinearGaussian(rng.normal(size=(2, d1)), rng.normal(size=2), _psd(rng, 2))
        g = LinearGaussian(rng.normal(size=(1, d2)), rng.normal(size=1), _psd(rng, 1))
        pi = LinearGaussian.state(rng.normal(size=d1), _psd(rng, d1))
        rho = LinearGaussian.state(rng.normal(size=d2), _psd(rng, d2))
        lhs = invert(f @ g, pi @ rho)
        assert lhs.allclose(invert(f, pi) @ invert(g, rho), atol=1e-9)
        assert (bayes_lens(f) @ bayes_lens(g)).backward(pi @ rho).allclose(lhs, atol=1e-9)
    finally:
        jax.config.update("jax_enable_x64", before)


def test_tensor_of_composites_and_float32():
    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    g = Finite([[0.6, 0.4], [0.3, 0.7]], Fin(2), Fin(2))
    pi, rho = Finite.state([0.3, 0.7]), Finite.state([0.6, 0.4])
    lens = (bayes_lens(f) >> bayes_lens(g)) @ bayes_lens(g)
    assert lens.backward(pi @ rho).allclose(invert((f >> g) @ g, pi @ rho), atol=1e-6)
    lg = LinearGaussian([[2.0]], cov=[[0.5]])
    p = LinearGaussian.state([0.0], [[1.0]])
    out = (bayes_lens(lg) @ bayes_lens(lg)).backward(p @ p)
    assert out.cod == Euclid(1) @ Euclid(1)
    assert out.allclose(invert(lg @ lg, p @ p), atol=1e-5)


def test_tensor_of_conjugate_lenses_is_a_type_error():
    with pytest.raises(TypeMismatch):
        BetaBernoulli().lens() @ bayes_lens(Finite.state(jnp.array([0.5, 0.5])))
