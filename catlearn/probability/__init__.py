"""Probability: Markov kernels, Bayesian inversion and lenses, networks, filtering, likelihood.

Imports only :mod:`catlearn.core` (never the diagrams or training areas).
"""

from catlearn.probability import bayes as bayes
from catlearn.probability.bayes import BayesLens as BayesLens
from catlearn.probability.bayes import bayes_lens as bayes_lens
from catlearn.probability.bayes import condition as condition
from catlearn.probability.bayes import invert as invert
from catlearn.probability.gaussian import LinearGaussian as LinearGaussian
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
from catlearn.probability.markov import Finite as Finite
from catlearn.probability.markov import Sampler as Sampler
from catlearn.probability.networks import CPT as CPT
from catlearn.probability.networks import BayesNet as BayesNet

__all__ = [
    "CPT",
    "HMM",
    "LGSSM",
    "BayesLens",
    "BayesNet",
    "Finite",
    "GaussianHMM",
    "HMMFit",
    "LGSSMFit",
    "LinearGaussian",
    "PoissonHMM",
    "Sampler",
    "bayes",
    "bayes_lens",
    "condition",
    "hmm_filter",
    "hmm_fit_em",
    "hmm_fit_gradient",
    "hmm_log_likelihood",
    "hmm_smoother",
    "hmm_viterbi",
    "invert",
    "kalman_filter",
    "kalman_log_likelihood",
    "lgssm_fit_em",
    "lgssm_fit_gradient",
    "rts_smoother",
]
