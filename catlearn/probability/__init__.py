"""Probability: Markov kernels, Bayesian inversion and lenses, networks, filtering, likelihood.

Imports only :mod:`catlearn.core` (never the diagrams or training areas).
"""

from catlearn.probability import bayes as bayes
from catlearn.probability._netsample import SampledPosterior as SampledPosterior
from catlearn.probability.approximate import ParticleLens as ParticleLens
from catlearn.probability.approximate import Particles as Particles
from catlearn.probability.approximate import hmm_particle_filter as hmm_particle_filter
from catlearn.probability.approximate import importance_invert as importance_invert
from catlearn.probability.approximate import particle_filter as particle_filter
from catlearn.probability.bayes import BayesLens as BayesLens
from catlearn.probability.bayes import bayes_lens as bayes_lens
from catlearn.probability.bayes import condition as condition
from catlearn.probability.bayes import invert as invert
from catlearn.probability.bayes_learner import BayesLearner as BayesLearner
from catlearn.probability.conjugate_families import DirichletMultinomial as DirichletMultinomial
from catlearn.probability.conjugate_families import Gamma as Gamma
from catlearn.probability.conjugate_families import NormalWishart as NormalWishart
from catlearn.probability.conjugate_families import NormalWishartFamily as NormalWishartFamily
from catlearn.probability.conjugate_families import PoissonGamma as PoissonGamma
from catlearn.probability.contraction import Plan as Plan
from catlearn.probability.contraction import plan_contraction as plan_contraction
from catlearn.probability.gaussian import LinearGaussian as LinearGaussian
from catlearn.probability.gp import GaussianProcess as GaussianProcess
from catlearn.probability.gp import fit_gp as fit_gp
from catlearn.probability.hmm import HMM as HMM
from catlearn.probability.hmm import hmm_filter as hmm_filter
from catlearn.probability.hmm import hmm_log_likelihood as hmm_log_likelihood
from catlearn.probability.hmm import hmm_smoother as hmm_smoother
from catlearn.probability.hmm import hmm_viterbi as hmm_viterbi
from catlearn.probability.hmm_emissions import GaussianHMM as GaussianHMM
from catlearn.probability.hmm_emissions import PoissonHMM as PoissonHMM
from catlearn.probability.hmm_learn import HMMFit as HMMFit
from catlearn.probability.hmm_learn import hmm_fit_em as hmm_fit_em
from catlearn.probability.hmm_learn import hmm_fit_gradient as hmm_fit_gradient
from catlearn.probability.kalman import LGSSM as LGSSM
from catlearn.probability.kalman import kalman_filter as kalman_filter
from catlearn.probability.kalman import kalman_log_likelihood as kalman_log_likelihood
from catlearn.probability.kalman import rts_smoother as rts_smoother
from catlearn.probability.kalman_learn import LGSSMFit as LGSSMFit
from catlearn.probability.kalman_learn import lgssm_fit_em as lgssm_fit_em
from catlearn.probability.kalman_learn import lgssm_fit_gradient as lgssm_fit_gradient
from catlearn.probability.lazy import LazyFinite as LazyFinite
from catlearn.probability.markov import Finite as Finite
from catlearn.probability.markov import Sampler as Sampler
from catlearn.probability.networks import CPT as CPT
from catlearn.probability.networks import BayesNet as BayesNet
from catlearn.probability.stochastic import NoisyMap as NoisyMap
from catlearn.probability.stochastic import composite_map as composite_map
from catlearn.probability.stochastic import then_density as then_density

__all__ = [
    "CPT",
    "HMM",
    "LGSSM",
    "BayesLearner",
    "BayesLens",
    "BayesNet",
    "DirichletMultinomial",
    "Finite",
    "Gamma",
    "GaussianHMM",
    "GaussianProcess",
    "HMMFit",
    "LGSSMFit",
    "LazyFinite",
    "LinearGaussian",
    "NoisyMap",
    "NormalWishart",
    "NormalWishartFamily",
    "ParticleLens",
    "Particles",
    "Plan",
    "PoissonGamma",
    "PoissonHMM",
    "SampledPosterior",
    "Sampler",
    "bayes",
    "bayes_lens",
    "composite_map",
    "condition",
    "fit_gp",
    "hmm_filter",
    "hmm_fit_em",
    "hmm_fit_gradient",
    "hmm_log_likelihood",
    "hmm_particle_filter",
    "hmm_smoother",
    "hmm_viterbi",
    "importance_invert",
    "invert",
    "kalman_filter",
    "kalman_log_likelihood",
    "lgssm_fit_em",
    "lgssm_fit_gradient",
    "particle_filter",
    "plan_contraction",
    "rts_smoother",
    "then_density",
]
