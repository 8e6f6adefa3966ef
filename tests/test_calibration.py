"""Simulation-based calibration (Talts et al. 2018) of every approximate backward on a
conjugate Gaussian model (issue 21): ranks of the true parameter among L posterior draws,
chi-square test of uniformity (catlearn.probability.inference.calibration)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.errors import HyperparameterError
from catlearn.probability.inference import rank_uniformity, sbc_ranks
from catlearn.probability.inference.approximate import particle_lens
from catlearn.probability.inference.bayes import invert
from catlearn.probability.inference.variational import variational_lens
from catlearn.probability.kernels.gaussian import LinearGaussian

L = 19  # posterior draws per replication: 20 rank values, 10 bins of 2
BINS = 10

# normal-normal: theta ~ N(0, 1), y = theta + N(0, 1/2); posterior N(2y/3, 1/3)
PRIOR1 = ([0.0], [[1.0]])
F1 = ([[1.0]], None, [[0.5]])
# two coordinates seen through their sum: the posterior is correlated (corr -2/3), so the
# mean-field family does not contain it, the full-rank family does
PRIOR2 = ([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
F2 = ([[1.0, 1.0]], None, [[0.5]])


def _report(u):
    return (
        f"counts {u.counts.tolist()}, chi2 {np.round(u.statistic, 2).tolist()}, "
        f"p {np.round(u.p_value, 4).tolist()}, outer-bin fraction "
        f"{np.round(u.outer_fraction, 3).tolist()} (uniform: {u.expected_outer})"
    )


def test_sbc_particle_backward_is_calibrated(x64):
    """The particle backward (1000 particles, a fresh particle set per replication): 1000
    replications, ranks uniform by the chi-square test (p > 0.01)."""
    prior, f = LinearGaussian.state(*PRIOR1), LinearGaussian(*F1)
    ranks = sbc_ranks(
        lambda k: particle_lens(f, num_particles=1000, key=k),
        prior,
        key=jax.random.key(0),
        num_replications=1000,
        num_draws=L,
    )
    assert ranks.shape == (1000, 1)
    u = rank_uniformity(ranks, L, num_bins=BINS)
    assert float(u.p_value[0]) > 0.01, _report(u)


def _variational_sbc(family, num_replications):
    """SBC of the amortised variational backward, fitted once at the prior, on a model whose
    posterior is correlated. Full rank: the family contains the exact inverse, the ranks are
    uniform (p > 0.01). Mean field: its marginal variances are the inverse diagonal of the
    posterior precision (1/3 against the exact 3/5), too narrow: the ranks pile in the outer
    bins (under-dispersion, reported in the message), the uniformity test fails."""
    prior, g = LinearGaussian.state(*PRIOR2), LinearGaussian(*F2)
    lens = variational_lens(g, key=jax.random.key(1), family=family, steps=300)
    q = lens.backward(prior)
    exact = invert(g, prior)
    ranks = sbc_ranks(
        lens,
        prior,
        key=jax.random.key(0),
        num_replications=num_replications,
        num_draws=L,
        inverse=q,  # the inverse fitted above, not fitted again
    )
    u = rank_uniformity(ranks, L, num_bins=BINS)
    msg = f"{family}: {_report(u)}; q cov {np.round(np.asarray(q.kernel.cov), 3).tolist()}"
    if family == "full_rank":
        np.testing.assert_allclose(q.kernel.cov, exact.cov, atol=1e-2)
        assert np.all(u.p_value > 0.01), msg
    else:
        np.testing.assert_allclose(np.diag(q.kernel.cov), [1 / 3, 1 / 3], atol=1e-2)
        # a Gaussian of sd ratio s = sqrt(5/9) around the exact mean puts about
        # 2 Phi(s Phi^-1(0.1)) = 0.34 of the ranks in the outer two bins (0.2 if calibrated)
        assert np.all(u.outer_fraction > 0.27), msg
        assert np.all(u.p_value < 0.01), msg


@pytest.mark.slow
@pytest.mark.parametrize("family", ["full_rank", "mean_field"])
def test_sbc_variational_backward_full_rank_calibrated_mean_field_under_dispersed(x64, family):
    """1000 replications per family (_variational_sbc). Slow: the fit and the SBC program
    compile to ~6 s per family on 2 cores (the particle case is the default-profile SBC)."""
    _variational_sbc(family, 1000)


@pytest.mark.slow
def test_sbc_mcmc_backward_is_calibrated(x64):
    """The MCMC backward (BlackJAX NUTS, 200 warm-up steps, a fresh chain key per
    replication, 76 draws thinned by 4 to L = 19): 1000 replications vmapped, ranks
    uniform (p > 0.01)."""
    pytest.importorskip("blackjax")
    from catlearn.probability.inference.mcmc import mcmc_lens

    prior, f = LinearGaussian.state(*PRIOR1), LinearGaussian(*F1)
    thin = 4
    ranks = sbc_ranks(
        lambda k: mcmc_lens(f, key=k, num_samples=L * thin, num_warmup=200),
        prior,
        key=jax.random.key(0),
        num_replications=1000,
        num_draws=L,
        thin=thin,
    )
    u = rank_uniformity(ranks, L, num_bins=BINS)
    assert float(u.p_value[0]) > 0.01, _report(u)


def test_rank_uniformity_input_errors_and_power():
    """Unequal bins are refused; ranks out of range are refused; piled ranks fail."""
    with pytest.raises(HyperparameterError, match="divide"):
        rank_uniformity(jnp.zeros((10, 1), int), 19, num_bins=3)
    with pytest.raises(Exception, match=r"0\.\.19"):
        rank_uniformity(jnp.full((10, 1), 20), 19, num_bins=10)
    piled = np.r_[np.zeros(50, int), np.full(50, 19)]
    u = rank_uniformity(piled, 19, num_bins=10)
    assert float(u.outer_fraction[0]) == 1.0 and float(u.p_value[0]) < 1e-10
