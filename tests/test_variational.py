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


def test_one_inverse_refits_per_observation_and_refuses_a_wrong_shape(x64):
    """A non-amortised inverse reuses its compiled loop at every observation of the kernel's
    shape (each fit lands on that observation's exact posterior), and an observation of
    another shape is a typed error, never a fit read through the first one's shape."""
    from catlearn.errors import CatlearnError

    f = LinearGaussian([[1.0, 0.5]], [0.2], [[0.4]])
    prior = LinearGaussian.state([0.3, -0.1], [[1.0, 0.2], [0.2, 0.7]])
    lens = variational_lens(f, key=jax.random.key(0), amortised=False, steps=1500)
    inv = lens.backward(prior)
    for z in (0.8, -1.5):
        y = jnp.array([z])
        exact = invert(f, prior).mean(y)
        assert float(jnp.max(jnp.abs(inv(y).mean() - exact))) < 2e-2
    with pytest.raises(CatlearnError):
        inv(jnp.array([0.8, 0.1]))


# --- a Para-built amortised family -----------------------------------------------------------


def _mlp(dy, dx, hidden=16):
    from catlearn.core.para import Para

    return (
        Para.linear(Euclid(dy), Euclid(hidden), name="h")
        >> Para.from_function(jnp.tanh, Euclid(hidden), Euclid(hidden))
        >> Para.linear(Euclid(hidden), Euclid(2 * dx), name="out")
    )


def test_a_para_network_family_recovers_the_exact_inverse_it_contains(x64):
    """A linear network Euclid(1) -> Euclid(2) contains the exact inverse of a linear-Gaussian
    kernel (mean linear in y, constant log-scale): the fit lands on it at every y."""
    from catlearn.core.para import Para
    from catlearn.probability.inference.variational import AmortisedInverse

    f = LinearGaussian([[2.0]], [0.5], [[0.5]])
    prior = LinearGaussian.state([0.3], [[1.5]])
    net = Para.linear(Euclid(1), Euclid(2), name="q")
    lens = variational_lens(f, key=jax.random.key(0), family=net, steps=3000)
    q = lens.backward(prior)
    assert isinstance(q, AmortisedInverse) and np.isfinite(float(q.free_energy))
    exact = invert(f, prior)
    for z in (-2.0, 0.0, 1.0, 3.0):
        y = jnp.array([z])
        assert abs(float(q(y).mean()[0] - exact.mean(y)[0])) < 1e-2
        assert abs(float(q(y).cov[0, 0] - exact.cov[0, 0])) < 1e-2


def test_a_network_family_beats_the_linear_one_on_a_nonlinear_model(x64):
    """y = tanh(3x) + noise: the posterior's mean is not linear in y and its spread grows with
    |y| (sd 0.07 at y = 0, 0.56 at 0.9, by importance sampling). On the same model draws (same
    key) an MLP family reaches a lower local free energy than the linear amortised one, its
    scale follows the posterior's (the linear family's is one constant), and near y = 0 its
    mean is closer to the importance-sampled one."""
    from jax.scipy.stats import norm

    f = Sampler(
        lambda k, x: jnp.tanh(3 * x) + 0.2 * jax.random.normal(k, (1,)),
        Euclid(1),
        Euclid(1),
        log_prob_fn=lambda y, x: norm.logpdf(y, jnp.tanh(3 * x), 0.2).sum(),
    )
    prior = LinearGaussian.state([0.0], [[1.0]])
    kw = dict(key=jax.random.key(1), steps=2000, num_pairs=128)
    linear = variational_lens(f, family="mean_field", **kw).backward(prior)
    mlp = variational_lens(f, family=_mlp(1, 1), **kw).backward(prior)
    assert float(mlp.free_energy) < float(linear.free_energy) - 0.2

    def sd(q, z):
        return float(jnp.sqrt(q(jnp.array([z])).cov[0, 0]))

    assert sd(mlp, 0.9) > 3 * sd(mlp, 0.0) and sd(linear, 0.9) == pytest.approx(sd(linear, 0.0))
    xs = jax.random.normal(jax.random.key(2), (100_000, 1))
    for z in (-0.3, 0.3):  # the posterior mean there, by importance sampling from the prior
        truth = float(jax.nn.softmax(norm.logpdf(z, jnp.tanh(3 * xs[:, 0]), 0.2)) @ xs[:, 0])
        y = jnp.array([z])
        err_mlp = abs(float(mlp(y).mean()[0]) - truth)
        err_linear = abs(float(linear(y).mean()[0]) - truth)
        assert err_mlp < 0.04 and err_mlp < 0.5 * err_linear


def test_a_network_family_is_checked():
    from catlearn.core.para import Para
    from catlearn.errors import TypeMismatch

    f = LinearGaussian([[2.0]], cov=[[1.0]])
    prior = LinearGaussian.state([0.0], [[1.0]])
    net = Para.linear(Euclid(1), Euclid(2), name="q")
    with pytest.raises(HyperparameterError, match="amortised=True"):
        variational_lens(f, key=jax.random.key(0), family=net, amortised=False)
    wrong = Para.linear(Euclid(1), Euclid(3), name="q")
    with pytest.raises(TypeMismatch, match="Euclid"):
        variational_lens(f, key=jax.random.key(0), family=wrong, steps=2).backward(prior)
    with pytest.raises(HyperparameterError, match="Para network"):
        variational_lens(f, key=jax.random.key(0), family="diagonal")
