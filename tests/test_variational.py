"""Variational Bayesian lenses: ELBO-trained Gaussian backwards that compose."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.types import Euclid
from catlearn.errors import HyperparameterError, NonFiniteError, UnsupportedError
from catlearn.probability.inference.bayes import BayesLens, bayes_lens, invert
from catlearn.probability.inference.variational import VariationalInverse, variational_lens
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.sampler import Sampler

F1 = ([[1.0, 0.3], [-0.2, 0.8]], [0.1, -0.2], [[0.5, 0.1], [0.1, 0.4]])
F2 = ([[0.7, -0.4], [0.5, 1.0]], None, [[0.3, 0.0], [0.0, 0.6]])
F3 = ([[1.0, 0.5]], [0.2], [[0.4]])
PRIOR = ([0.3, -0.1], [[1.0, 0.2], [0.2, 0.7]])


@pytest.mark.slow
def test_full_rank_chain_of_three_recovers_the_exact_posterior(x64):
    """Acceptance: v(f1) >> v(f2) >> v(f3), full-rank family, at a LinearGaussian prior: the
    composite backward's mean and covariance equal invert(f1 >> f2 >> f3, prior) to 1e-4;
    the composite's free energy is the sum of the local free energies, each lens fitted on
    its own at its pushed prior (same keys)."""
    f1, f2, f3 = (LinearGaussian(*a) for a in (F1, F2, F3))
    prior = LinearGaussian.state(*PRIOR)
    ks = jax.random.split(jax.random.key(0), 3)
    lenses = [variational_lens(f, key=k, steps=400) for f, k in zip((f1, f2, f3), ks)]
    chain = lenses[0] >> lenses[1] >> lenses[2]
    assert isinstance(chain, BayesLens)
    q = chain.backward(prior)
    exact = invert(f1 >> f2 >> f3, prior)
    for y in (jnp.array([0.8]), jnp.array([-1.5])):
        np.testing.assert_allclose(q(y).mean(), exact.mean(y), atol=1e-4)
    np.testing.assert_allclose(q.kernel.cov, exact.cov, atol=1e-4)
    np.testing.assert_allclose(q.kernel.A, exact.A, atol=1e-4)
    local = [
        lenses[0].backward(prior).free_energy,
        lenses[1].backward(prior >> f1).free_energy,
        lenses[2].backward(prior >> f1 >> f2).free_energy,
    ]
    np.testing.assert_allclose(float(q.free_energy), float(sum(local)), rtol=1e-12)


def test_mean_field_is_diagonal_and_mixes_with_exact_lenses(x64):
    """bayes_lens(f) >> variational_lens(g, mean_field): the composite inverse is a closed-form
    LinearGaussian; the fitted local covariance is diagonal; one lens's free energy is the
    negative ELBO, i.e. >= -log evidence averaged over the model's draws."""
    f = LinearGaussian(jnp.eye(2), cov=0.2 * jnp.eye(2))
    g = LinearGaussian([[1.0, 0.0], [0.0, 2.0]], cov=0.5 * jnp.eye(2))
    prior = LinearGaussian.state([0.0, 0.0], jnp.eye(2))
    v = variational_lens(g, key=jax.random.key(1), family="mean_field", steps=300)
    local = v.backward(prior >> f)
    assert isinstance(local, VariationalInverse)
    cov = np.asarray(local.kernel.cov)
    assert cov[0, 1] == 0.0 and cov[1, 0] == 0.0
    # independent coordinates: the mean-field family contains the exact inverse
    np.testing.assert_allclose(cov, invert(g, prior >> f).cov, atol=1e-4)
    q = (bayes_lens(f) >> v).backward(prior)
    assert isinstance(q, VariationalInverse)
    y = jnp.array([0.4, -0.3])
    np.testing.assert_allclose(q(y).mean(), invert(f >> g, prior).mean(y), atol=1e-4)


def test_bad_input_is_typed(x64):
    """No density -> UnsupportedError; a non-finite ELBO -> NonFiniteError; bad family."""
    noisy = Sampler(lambda k, x: x + jax.random.normal(k, (1,)), Euclid(1), Euclid(1))
    with pytest.raises(UnsupportedError, match="log-density"):
        variational_lens(noisy, key=jax.random.key(0))
    with pytest.raises(HyperparameterError, match="family"):
        variational_lens(LinearGaussian([[1.0]]), key=jax.random.key(0), family="diag")
    nan = Sampler(
        lambda k, x: x,
        Euclid(1),
        Euclid(1),
        log_prob_fn=lambda y, x: jnp.sum(jnp.log(-jnp.abs(x))),  # NaN everywhere
    )
    lens = variational_lens(nan, key=jax.random.key(0), steps=5)
    with pytest.raises(NonFiniteError, match="free energy"):
        lens.backward(LinearGaussian.state([0.0], [[1.0]]))
