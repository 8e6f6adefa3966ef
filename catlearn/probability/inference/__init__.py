"""Bayesian inference on kernels: inversion and conditioning, Bayesian lenses (exact and
approximate), conjugate families, Bayesian learners and Gaussian processes. The top floor of
:mod:`catlearn.probability`: it builds on kernels, networks and state spaces.
"""

from catlearn.probability.inference import bayes as bayes
from catlearn.probability.inference.approximate import ParticleInverse as ParticleInverse
from catlearn.probability.inference.approximate import ParticleLens as ParticleLens
from catlearn.probability.inference.approximate import Particles as Particles
from catlearn.probability.inference.approximate import hmm_particle_filter as hmm_particle_filter
from catlearn.probability.inference.approximate import importance_invert as importance_invert
from catlearn.probability.inference.approximate import particle_filter as particle_filter
from catlearn.probability.inference.approximate import particle_lens as particle_lens
from catlearn.probability.inference.bayes import BayesLens as BayesLens
from catlearn.probability.inference.bayes import bayes_lens as bayes_lens
from catlearn.probability.inference.bayes import condition as condition
from catlearn.probability.inference.bayes import invert as invert
from catlearn.probability.inference.bayes import jeffrey_update as jeffrey_update
from catlearn.probability.inference.bayes import pearl_update as pearl_update
from catlearn.probability.inference.bayes_learner import BayesLearner as BayesLearner
from catlearn.probability.inference.calibration import RankUniformity as RankUniformity
from catlearn.probability.inference.calibration import rank_uniformity as rank_uniformity
from catlearn.probability.inference.calibration import sbc_ranks as sbc_ranks
from catlearn.probability.inference.conjugate import Beta as Beta
from catlearn.probability.inference.conjugate import BetaBernoulli as BetaBernoulli
from catlearn.probability.inference.conjugate import BetaBinomial as BetaBinomial
from catlearn.probability.inference.conjugate import Dirichlet as Dirichlet
from catlearn.probability.inference.conjugate import DirichletCategorical as DirichletCategorical
from catlearn.probability.inference.conjugate import Normal as Normal
from catlearn.probability.inference.conjugate import NormalInverseGamma as NormalInverseGamma
from catlearn.probability.inference.conjugate import (
    NormalInverseGammaRegression as NormalInverseGammaRegression,
)
from catlearn.probability.inference.conjugate import NormalKnownVariance as NormalKnownVariance
from catlearn.probability.inference.conjugate_families import (
    DirichletMultinomial as DirichletMultinomial,
)
from catlearn.probability.inference.conjugate_families import Gamma as Gamma
from catlearn.probability.inference.conjugate_families import NormalWishart as NormalWishart
from catlearn.probability.inference.conjugate_families import (
    NormalWishartFamily as NormalWishartFamily,
)
from catlearn.probability.inference.conjugate_families import PoissonGamma as PoissonGamma
from catlearn.probability.inference.gp import RBF as RBF
from catlearn.probability.inference.gp import FunctionKernel as FunctionKernel
from catlearn.probability.inference.gp import GaussianProcess as GaussianProcess
from catlearn.probability.inference.gp import Kernel as Kernel
from catlearn.probability.inference.gp import Matern32 as Matern32
from catlearn.probability.inference.gp import Matern52 as Matern52
from catlearn.probability.inference.gp import Periodic as Periodic
from catlearn.probability.inference.gp import Stationary as Stationary
from catlearn.probability.inference.gp import fit_gp as fit_gp
from catlearn.probability.inference.mcmc import MCMCInverse as MCMCInverse
from catlearn.probability.inference.mcmc import MCMCResult as MCMCResult
from catlearn.probability.inference.mcmc import mcmc_lens as mcmc_lens
from catlearn.probability.inference.variational import AmortisedInverse as AmortisedInverse
from catlearn.probability.inference.variational import VariationalInverse as VariationalInverse
from catlearn.probability.inference.variational import variational_lens as variational_lens

__all__ = [
    "RBF",
    "AmortisedInverse",
    "BayesLearner",
    "BayesLens",
    "Beta",
    "BetaBernoulli",
    "BetaBinomial",
    "Dirichlet",
    "DirichletCategorical",
    "DirichletMultinomial",
    "FunctionKernel",
    "Gamma",
    "GaussianProcess",
    "Kernel",
    "MCMCInverse",
    "MCMCResult",
    "Matern32",
    "Matern52",
    "Normal",
    "NormalInverseGamma",
    "NormalInverseGammaRegression",
    "NormalKnownVariance",
    "NormalWishart",
    "NormalWishartFamily",
    "ParticleInverse",
    "ParticleLens",
    "Particles",
    "Periodic",
    "PoissonGamma",
    "RankUniformity",
    "Stationary",
    "VariationalInverse",
    "bayes",
    "bayes_lens",
    "condition",
    "fit_gp",
    "hmm_particle_filter",
    "importance_invert",
    "invert",
    "jeffrey_update",
    "mcmc_lens",
    "particle_filter",
    "particle_lens",
    "pearl_update",
    "rank_uniformity",
    "sbc_ranks",
    "variational_lens",
]
