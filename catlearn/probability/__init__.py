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
from catlearn.probability.bayes import jeffrey_update as jeffrey_update
from catlearn.probability.bayes import pearl_update as pearl_update
from catlearn.probability.bayes_learner import BayesLearner as BayesLearner
from catlearn.probability.conjugate import Beta as Beta
from catlearn.probability.conjugate import BetaBernoulli as BetaBernoulli
from catlearn.probability.conjugate import BetaBinomial as BetaBinomial
from catlearn.probability.conjugate import Dirichlet as Dirichlet
from catlearn.probability.conjugate import DirichletCategorical as DirichletCategorical
from catlearn.probability.conjugate import Normal as Normal
from catlearn.probability.conjugate import NormalInverseGamma as NormalInverseGamma
from catlearn.probability.conjugate import (
    NormalInverseGammaRegression as NormalInverseGammaRegression,
)
from catlearn.probability.conjugate import NormalKnownVariance as NormalKnownVariance
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
from catlearn.probability.hmm import HMMFiltered as HMMFiltered
from catlearn.probability.hmm import HMMPrediction as HMMPrediction
from catlearn.probability.hmm import HMMSmoothed as HMMSmoothed
from catlearn.probability.hmm import HMMViterbi as HMMViterbi
from catlearn.probability.hmm import hmm_filter as hmm_filter
from catlearn.probability.hmm import hmm_log_likelihood as hmm_log_likelihood
from catlearn.probability.hmm import hmm_predict as hmm_predict
from catlearn.probability.hmm import hmm_sample as hmm_sample
from catlearn.probability.hmm import hmm_smoother as hmm_smoother
from catlearn.probability.hmm import hmm_viterbi as hmm_viterbi
from catlearn.probability.hmm_emissions import GaussianHMM as GaussianHMM
from catlearn.probability.hmm_emissions import PoissonHMM as PoissonHMM
from catlearn.probability.hmm_learn import HMMFit as HMMFit
from catlearn.probability.hmm_learn import hmm_fit_em as hmm_fit_em
from catlearn.probability.hmm_learn import hmm_fit_gradient as hmm_fit_gradient
from catlearn.probability.kalman import LGSSM as LGSSM
from catlearn.probability.kalman import KalmanFiltered as KalmanFiltered
from catlearn.probability.kalman import KalmanPrediction as KalmanPrediction
from catlearn.probability.kalman import KalmanSmoothed as KalmanSmoothed
from catlearn.probability.kalman import kalman_filter as kalman_filter
from catlearn.probability.kalman import kalman_log_likelihood as kalman_log_likelihood
from catlearn.probability.kalman import kalman_predict as kalman_predict
from catlearn.probability.kalman import lgssm_sample as lgssm_sample
from catlearn.probability.kalman import rts_smoother as rts_smoother
from catlearn.probability.kalman_learn import LGSSMFit as LGSSMFit
from catlearn.probability.kalman_learn import lgssm_fit_em as lgssm_fit_em
from catlearn.probability.kalman_learn import lgssm_fit_gradient as lgssm_fit_gradient
from catlearn.probability.lazy import LazyFinite as LazyFinite
from catlearn.probability.likelihood import NegativeLogLikelihood as NegativeLogLikelihood
from catlearn.probability.likelihood import StochasticMap as StochasticMap
from catlearn.probability.likelihood import bernoulli_log_prob as bernoulli_log_prob
from catlearn.probability.likelihood import bernoulli_map as bernoulli_map
from catlearn.probability.likelihood import categorical_log_prob as categorical_log_prob
from catlearn.probability.likelihood import categorical_map as categorical_map
from catlearn.probability.likelihood import fit_likelihood as fit_likelihood
from catlearn.probability.likelihood import gaussian_log_prob as gaussian_log_prob
from catlearn.probability.likelihood import gaussian_map as gaussian_map
from catlearn.probability.likelihood import likelihood_learner as likelihood_learner
from catlearn.probability.markov import Finite as Finite
from catlearn.probability.networks import CPT as CPT
from catlearn.probability.networks import BayesNet as BayesNet
from catlearn.probability.sampler import Sampler as Sampler
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
    "Beta",
    "BetaBernoulli",
    "BetaBinomial",
    "Dirichlet",
    "DirichletCategorical",
    "DirichletMultinomial",
    "Finite",
    "Gamma",
    "GaussianHMM",
    "GaussianProcess",
    "HMMFiltered",
    "HMMFit",
    "HMMPrediction",
    "HMMSmoothed",
    "HMMViterbi",
    "KalmanFiltered",
    "KalmanPrediction",
    "KalmanSmoothed",
    "LGSSMFit",
    "LazyFinite",
    "LinearGaussian",
    "NegativeLogLikelihood",
    "NoisyMap",
    "Normal",
    "NormalInverseGamma",
    "NormalInverseGammaRegression",
    "NormalKnownVariance",
    "NormalWishart",
    "NormalWishartFamily",
    "ParticleLens",
    "Particles",
    "Plan",
    "PoissonGamma",
    "PoissonHMM",
    "SampledPosterior",
    "Sampler",
    "StochasticMap",
    "bayes",
    "bayes_lens",
    "bernoulli_log_prob",
    "bernoulli_map",
    "categorical_log_prob",
    "categorical_map",
    "composite_map",
    "condition",
    "fit_gp",
    "fit_likelihood",
    "gaussian_log_prob",
    "gaussian_map",
    "hmm_filter",
    "hmm_fit_em",
    "hmm_fit_gradient",
    "hmm_log_likelihood",
    "hmm_particle_filter",
    "hmm_predict",
    "hmm_sample",
    "hmm_smoother",
    "hmm_viterbi",
    "importance_invert",
    "invert",
    "jeffrey_update",
    "kalman_filter",
    "kalman_log_likelihood",
    "kalman_predict",
    "lgssm_fit_em",
    "lgssm_fit_gradient",
    "lgssm_sample",
    "likelihood_learner",
    "particle_filter",
    "pearl_update",
    "plan_contraction",
    "rts_smoother",
    "then_density",
]
