"""Probability: Markov kernels, Bayesian inversion and lenses, networks, filtering, likelihood.

Imports only :mod:`catlearn.core` (never the diagrams or training areas).
"""

from catlearn.probability import bayes as bayes
from catlearn.probability._netsample import SampledPosterior as SampledPosterior
from catlearn.probability.bayes import BayesLens as BayesLens
from catlearn.probability.bayes import bayes_lens as bayes_lens
from catlearn.probability.bayes import condition as condition
from catlearn.probability.bayes import invert as invert
from catlearn.probability.contraction import Plan as Plan
from catlearn.probability.contraction import plan_contraction as plan_contraction
from catlearn.probability.gaussian import LinearGaussian as LinearGaussian
from catlearn.probability.lazy import LazyFinite as LazyFinite
from catlearn.probability.markov import Finite as Finite
from catlearn.probability.markov import Sampler as Sampler
from catlearn.probability.networks import CPT as CPT
from catlearn.probability.networks import BayesNet as BayesNet

__all__ = [
    "CPT",
    "BayesLens",
    "BayesNet",
    "Finite",
    "LazyFinite",
    "LinearGaussian",
    "Plan",
    "SampledPosterior",
    "Sampler",
    "bayes",
    "bayes_lens",
    "condition",
    "invert",
    "plan_contraction",
]
