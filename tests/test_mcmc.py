"""MCMC Bayesian lenses (BlackJAX NUTS/HMC), checked against the exact inverse and NumPyro."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.types import Euclid, Ty
from catlearn.errors import NonFiniteError
from catlearn.probability.inference.bayes import BayesLens, bayes_lens, invert
from catlearn.probability.inference.mcmc import mcmc_lens
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.sampler import Sampler

blackjax = pytest.importorskip("blackjax")  # a peer library: the optional extra 'approx'


def _ess(x):
    return float(blackjax.diagnostics.effective_sample_size(np.asarray(x)[None]))


@pytest.mark.slow
def test_nuts_composite_with_an_exact_lens_is_within_3_mcse(x64):
    """bayes_lens(f) >> mcmc_lens(g): the posterior mean of x given z is within 3 Monte Carlo
    standard errors of the exact one; diagnostics are reported."""
    f = LinearGaussian([[1.0], [0.5]], cov=0.3 * jnp.eye(2))
    g = LinearGaussian([[1.0, -1.0]], cov=[[0.4]])
    prior = LinearGaussian.state([0.2], [[1.0]])
    z = jnp.array([0.7])
    m = mcmc_lens(g, key=jax.random.key(0), num_samples=1500, num_warmup=300)
    lens = bayes_lens(f) >> m
    assert isinstance(lens, BayesLens)
    inner = m.backward(prior >> f).run(z)
    assert int(inner.divergences) == 0 and 0.5 < float(inner.acceptance_rate) <= 1.0
    post = lens.update(prior, z)
    exact = invert(f >> g, prior)
    xs = np.asarray(post.values[:, 0])
    se = np.std(xs) / np.sqrt(min(_ess(inner.particles.values[:, 0]), len(xs)))
    assert abs(xs.mean() - float(exact.mean(z)[0])) < 3 * se + 1e-3


def test_non_finite_start_is_typed(x64):
    bad = Sampler(
        lambda k, x: x, Euclid(1), Euclid(1), log_prob_fn=lambda y, x: jnp.log(-jnp.abs(x[0]))
    )
    lens = mcmc_lens(bad, key=jax.random.key(0), num_samples=10, num_warmup=10)
    with pytest.raises(NonFiniteError, match="log-density"):
        lens.update(LinearGaussian.state([0.0], [[1.0]]), jnp.array([0.0]))


# --- eight schools (non-centred), written as a composite of kernels -----------------------------

Y8 = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
S8 = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
W = Euclid(1) @ Euclid(1) @ Euclid(8)  # (mu, log tau, theta~)


def eight_schools():
    """The prior state on (mu, log tau, theta~) (mu ~ N(0, 5), tau ~ HalfCauchy(5) with its
    log-Jacobian, theta~ ~ N(0, 1)), and the model theta = mu + tau theta~ >> y ~ N(theta, s):
    a deterministic kernel then a noisy one; the composite's density is the last one's."""

    def sample(k, _):
        k1, k2, k3 = jax.random.split(k, 3)
        tau = 5.0 * jnp.abs(jax.random.cauchy(k2, (1,)))
        return (5.0 * jax.random.normal(k1, (1,)), jnp.log(tau), jax.random.normal(k3, (8,)))

    def log_prior(v, _):
        mu, lt, tt = v
        tau = jnp.exp(lt[0])
        lhc = jnp.log(2.0 / (jnp.pi * 5.0)) - jnp.log1p((tau / 5.0) ** 2)
        norm = jax.scipy.stats.norm.logpdf
        return norm(mu[0], 0.0, 5.0) + lhc + lt[0] + jnp.sum(norm(tt))

    prior = Sampler(sample, Ty(), W, log_prob_fn=log_prior)
    shift = Sampler.from_function(lambda v: v[0] + jnp.exp(v[1]) * v[2], W, Euclid(8))
    s = jnp.asarray(S8)
    noise = Sampler(
        lambda k, th: th + s * jax.random.normal(k, (8,)),
        Euclid(8),
        Euclid(8),
        log_prob_fn=lambda y, th: jnp.sum(jax.scipy.stats.norm.logpdf(y, th, s)),
    )
    return prior, shift >> noise


def _numpyro_eight_schools(n, warmup, seed):
    numpyro = pytest.importorskip("numpyro")
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    def model():
        mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
        tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
        with numpyro.plate("J", 8):
            tt = numpyro.sample("tt", dist.Normal(0.0, 1.0))
            numpyro.sample("y", dist.Normal(mu + tau * tt, S8), obs=Y8)

    mc = MCMC(NUTS(model), num_warmup=warmup, num_samples=n, progress_bar=False)
    mc.run(jax.random.key(seed))
    s = mc.get_samples()
    return (
        np.asarray(s["mu"]),
        np.asarray(s["tau"]),
        np.asarray(s["mu"][:, None] + s["tau"][:, None] * s["tt"]),
    )


@pytest.mark.slow
def test_eight_schools_diagram_matches_numpyro_nuts_within_3_mcse(x64):
    """Posterior means and sds of mu, tau, theta_1..8 from the composite's MCMC backward vs
    NumPyro's NUTS in the same test: within 3 Monte Carlo standard errors (ESS of each)."""
    prior, model = eight_schools()
    n = 4000
    res = (
        mcmc_lens(model, key=jax.random.key(0), num_samples=n, num_warmup=1000)
        .backward(prior)
        .run(jnp.asarray(Y8))
    )
    mu, lt, tt = res.samples
    ours = [np.asarray(mu[:, 0]), np.exp(np.asarray(lt[:, 0]))]
    ours.append(np.asarray(mu + jnp.exp(lt) * tt))
    theirs = _numpyro_eight_schools(n, 1000, 1)
    assert int(res.divergences) < n // 50
    for a, b in zip(ours, theirs):
        a2, b2 = a.reshape(n, -1), b.reshape(n, -1)
        for j in range(a2.shape[1]):
            ea, eb = _ess(a2[:, j]), _ess(b2[:, j])
            se_mean = np.sqrt(a2[:, j].var() / ea + b2[:, j].var() / eb)
            assert abs(a2[:, j].mean() - b2[:, j].mean()) < 3 * se_mean, (
                j,
                a2[:, j].mean(),
                b2[:, j].mean(),
                se_mean,
            )
            se_sd = np.sqrt(a2[:, j].var() / (2 * ea) + b2[:, j].var() / (2 * eb))
            assert abs(a2[:, j].std() - b2[:, j].std()) < 3 * se_sd, (j, se_sd)
