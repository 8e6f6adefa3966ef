"""Markov kernels: the arrows of the probabilistic half, and the one home of its checks.

:class:`Finite` (stochastic matrices), :class:`LinearGaussian` (``x ↦ N(Ax + b, Σ)``),
:class:`Sampler` (any kernel you can sample), stochastic maps (:class:`NoisyMap`,
:class:`StochasticMap`), the likelihood functor built on them, and the tensor networks that
Finite composites are (:class:`FactorNetwork`, contracted by :func:`plan_contraction`), the Markov-category
predicates (:func:`disintegrate`, :func:`almost_surely_equal`, :func:`conditionally_independent`). Imports only
:mod:`catlearn.core`; the other sub-areas of :mod:`catlearn.probability` build on this one.
"""

from catlearn.probability.kernels.contraction import FactorNetwork as FactorNetwork
from catlearn.probability.kernels.contraction import Plan as Plan
from catlearn.probability.kernels.contraction import plan_contraction as plan_contraction
from catlearn.probability.kernels.gaussian import LinearGaussian as LinearGaussian
from catlearn.probability.kernels.likelihood import NegativeLogLikelihood as NegativeLogLikelihood
from catlearn.probability.kernels.likelihood import StochasticMap as StochasticMap
from catlearn.probability.kernels.likelihood import bernoulli_log_prob as bernoulli_log_prob
from catlearn.probability.kernels.likelihood import bernoulli_map as bernoulli_map
from catlearn.probability.kernels.likelihood import categorical_log_prob as categorical_log_prob
from catlearn.probability.kernels.likelihood import categorical_map as categorical_map
from catlearn.probability.kernels.likelihood import fit_likelihood as fit_likelihood
from catlearn.probability.kernels.likelihood import gaussian_log_prob as gaussian_log_prob
from catlearn.probability.kernels.likelihood import gaussian_map as gaussian_map
from catlearn.probability.kernels.likelihood import likelihood_learner as likelihood_learner
from catlearn.probability.kernels.markov import Finite as Finite
from catlearn.probability.kernels.predicates import almost_surely_equal as almost_surely_equal
from catlearn.probability.kernels.predicates import (
    conditionally_independent as conditionally_independent,
)
from catlearn.probability.kernels.predicates import disintegrate as disintegrate
from catlearn.probability.kernels.predicates import graph as graph
from catlearn.probability.kernels.sampler import Sampler as Sampler
from catlearn.probability.kernels.stochastic import NoisyMap as NoisyMap
from catlearn.probability.kernels.stochastic import composite_map as composite_map
from catlearn.probability.kernels.stochastic import then_density as then_density

__all__ = [
    "FactorNetwork",
    "Finite",
    "LinearGaussian",
    "NegativeLogLikelihood",
    "NoisyMap",
    "Plan",
    "Sampler",
    "StochasticMap",
    "almost_surely_equal",
    "bernoulli_log_prob",
    "bernoulli_map",
    "categorical_log_prob",
    "categorical_map",
    "composite_map",
    "conditionally_independent",
    "disintegrate",
    "fit_likelihood",
    "gaussian_log_prob",
    "gaussian_map",
    "graph",
    "likelihood_learner",
    "plan_contraction",
    "then_density",
]
