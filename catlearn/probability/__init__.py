"""Probability: Markov kernels and everything built on them, grouped by concept.

- :mod:`catlearn.probability.kernels` (floor 0): Finite, LinearGaussian, Sampler, stochastic
  maps, the likelihood functor, and the one home of the area's checks;
- :mod:`catlearn.probability.networks` (floor 1): Bayesian networks, lazy Finite diagrams,
  contraction plans, inference engines;
- :mod:`catlearn.probability.statespace` (floor 1): HMMs and linear-Gaussian state spaces,
  sequential and parallel scans, their learning;
- :mod:`catlearn.probability.inference` (floor 2): invert, condition, Bayesian lenses,
  conjugate families, Bayesian learners, GP, approximate inference.

A sub-area imports only from the floors below it (``tests/test_architecture.py``); the area
imports only :mod:`catlearn.core` (never the diagrams or training areas). Every name a user
needs is exported here (the most used also from :mod:`catlearn`); the old flat module paths
(``catlearn.probability.markov``, ...) still import for one release, with a
:class:`DeprecationWarning` naming the new path.
"""

from catlearn.probability._moved import install as _install_moved
from catlearn.probability.inference import (
    RBF as RBF,
)
from catlearn.probability.inference import (
    BayesLearner as BayesLearner,
)
from catlearn.probability.inference import (
    BayesLens as BayesLens,
)
from catlearn.probability.inference import (
    Beta as Beta,
)
from catlearn.probability.inference import (
    BetaBernoulli as BetaBernoulli,
)
from catlearn.probability.inference import (
    BetaBinomial as BetaBinomial,
)
from catlearn.probability.inference import (
    Dirichlet as Dirichlet,
)
from catlearn.probability.inference import (
    DirichletCategorical as DirichletCategorical,
)
from catlearn.probability.inference import (
    DirichletMultinomial as DirichletMultinomial,
)
from catlearn.probability.inference import (
    FunctionKernel as FunctionKernel,
)
from catlearn.probability.inference import (
    Gamma as Gamma,
)
from catlearn.probability.inference import (
    GaussianProcess as GaussianProcess,
)
from catlearn.probability.inference import (
    Kernel as Kernel,
)
from catlearn.probability.inference import (
    Matern32 as Matern32,
)
from catlearn.probability.inference import (
    Matern52 as Matern52,
)
from catlearn.probability.inference import (
    Normal as Normal,
)
from catlearn.probability.inference import (
    NormalInverseGamma as NormalInverseGamma,
)
from catlearn.probability.inference import (
    NormalInverseGammaRegression as NormalInverseGammaRegression,
)
from catlearn.probability.inference import (
    NormalKnownVariance as NormalKnownVariance,
)
from catlearn.probability.inference import (
    NormalWishart as NormalWishart,
)
from catlearn.probability.inference import (
    NormalWishartFamily as NormalWishartFamily,
)
from catlearn.probability.inference import (
    ParticleLens as ParticleLens,
)
from catlearn.probability.inference import (
    Particles as Particles,
)
from catlearn.probability.inference import (
    Periodic as Periodic,
)
from catlearn.probability.inference import (
    PoissonGamma as PoissonGamma,
)
from catlearn.probability.inference import (
    bayes as bayes,
)
from catlearn.probability.inference import (
    bayes_lens as bayes_lens,
)
from catlearn.probability.inference import (
    condition as condition,
)
from catlearn.probability.inference import (
    fit_gp as fit_gp,
)
from catlearn.probability.inference import (
    hmm_particle_filter as hmm_particle_filter,
)
from catlearn.probability.inference import (
    importance_invert as importance_invert,
)
from catlearn.probability.inference import (
    invert as invert,
)
from catlearn.probability.inference import (
    jeffrey_update as jeffrey_update,
)
from catlearn.probability.inference import (
    particle_filter as particle_filter,
)
from catlearn.probability.inference import (
    pearl_update as pearl_update,
)
from catlearn.probability.kernels import (
    Finite as Finite,
)
from catlearn.probability.kernels import (
    LinearGaussian as LinearGaussian,
)
from catlearn.probability.kernels import (
    NegativeLogLikelihood as NegativeLogLikelihood,
)
from catlearn.probability.kernels import (
    NoisyMap as NoisyMap,
)
from catlearn.probability.kernels import (
    Sampler as Sampler,
)
from catlearn.probability.kernels import (
    StochasticMap as StochasticMap,
)
from catlearn.probability.kernels import (
    almost_surely_equal as almost_surely_equal,
)
from catlearn.probability.kernels import (
    bernoulli_log_prob as bernoulli_log_prob,
)
from catlearn.probability.kernels import (
    bernoulli_map as bernoulli_map,
)
from catlearn.probability.kernels import (
    categorical_log_prob as categorical_log_prob,
)
from catlearn.probability.kernels import (
    categorical_map as categorical_map,
)
from catlearn.probability.kernels import (
    composite_map as composite_map,
)
from catlearn.probability.kernels import (
    conditionally_independent as conditionally_independent,
)
from catlearn.probability.kernels import (
    disintegrate as disintegrate,
)
from catlearn.probability.kernels import (
    fit_likelihood as fit_likelihood,
)
from catlearn.probability.kernels import (
    gaussian_log_prob as gaussian_log_prob,
)
from catlearn.probability.kernels import (
    gaussian_map as gaussian_map,
)
from catlearn.probability.kernels import (
    graph as graph,
)
from catlearn.probability.kernels import (
    likelihood_learner as likelihood_learner,
)
from catlearn.probability.kernels import (
    then_density as then_density,
)
from catlearn.probability.networks import (
    CPT as CPT,
)
from catlearn.probability.networks import (
    BayesNet as BayesNet,
)
from catlearn.probability.networks import (
    LazyFinite as LazyFinite,
)
from catlearn.probability.networks import (
    Plan as Plan,
)
from catlearn.probability.networks import (
    SampledPosterior as SampledPosterior,
)
from catlearn.probability.networks import (
    plan_contraction as plan_contraction,
)
from catlearn.probability.statespace import (
    HMM as HMM,
)
from catlearn.probability.statespace import (
    LGSSM as LGSSM,
)
from catlearn.probability.statespace import (
    GaussianHMM as GaussianHMM,
)
from catlearn.probability.statespace import (
    HMMFiltered as HMMFiltered,
)
from catlearn.probability.statespace import (
    HMMFit as HMMFit,
)
from catlearn.probability.statespace import (
    HMMPrediction as HMMPrediction,
)
from catlearn.probability.statespace import (
    HMMSmoothed as HMMSmoothed,
)
from catlearn.probability.statespace import (
    HMMViterbi as HMMViterbi,
)
from catlearn.probability.statespace import (
    KalmanFiltered as KalmanFiltered,
)
from catlearn.probability.statespace import (
    KalmanPrediction as KalmanPrediction,
)
from catlearn.probability.statespace import (
    KalmanSmoothed as KalmanSmoothed,
)
from catlearn.probability.statespace import (
    LGSSMFit as LGSSMFit,
)
from catlearn.probability.statespace import (
    PoissonHMM as PoissonHMM,
)
from catlearn.probability.statespace import (
    hmm_filter as hmm_filter,
)
from catlearn.probability.statespace import (
    hmm_fit_em as hmm_fit_em,
)
from catlearn.probability.statespace import (
    hmm_fit_gradient as hmm_fit_gradient,
)
from catlearn.probability.statespace import (
    hmm_log_likelihood as hmm_log_likelihood,
)
from catlearn.probability.statespace import (
    hmm_predict as hmm_predict,
)
from catlearn.probability.statespace import (
    hmm_sample as hmm_sample,
)
from catlearn.probability.statespace import (
    hmm_smoother as hmm_smoother,
)
from catlearn.probability.statespace import (
    hmm_viterbi as hmm_viterbi,
)
from catlearn.probability.statespace import (
    kalman_filter as kalman_filter,
)
from catlearn.probability.statespace import (
    kalman_log_likelihood as kalman_log_likelihood,
)
from catlearn.probability.statespace import (
    kalman_predict as kalman_predict,
)
from catlearn.probability.statespace import (
    lgssm_fit_em as lgssm_fit_em,
)
from catlearn.probability.statespace import (
    lgssm_fit_gradient as lgssm_fit_gradient,
)
from catlearn.probability.statespace import (
    lgssm_sample as lgssm_sample,
)
from catlearn.probability.statespace import (
    rts_smoother as rts_smoother,
)

_install_moved()

__all__ = [
    "CPT",
    "HMM",
    "LGSSM",
    "RBF",
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
    "FunctionKernel",
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
    "Kernel",
    "LGSSMFit",
    "LazyFinite",
    "LinearGaussian",
    "Matern32",
    "Matern52",
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
    "Periodic",
    "Plan",
    "PoissonGamma",
    "PoissonHMM",
    "SampledPosterior",
    "Sampler",
    "StochasticMap",
    "almost_surely_equal",
    "bayes",
    "bayes_lens",
    "bernoulli_log_prob",
    "bernoulli_map",
    "categorical_log_prob",
    "categorical_map",
    "composite_map",
    "condition",
    "conditionally_independent",
    "disintegrate",
    "fit_gp",
    "fit_likelihood",
    "gaussian_log_prob",
    "gaussian_map",
    "graph",
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
