"""Factor networks: Bayesian networks, lazily composed Finite diagrams, contraction plans and
the inference engines that answer their queries. Builds on :mod:`catlearn.probability.kernels`.
"""

from catlearn.probability.networks._netsample import SampledPosterior as SampledPosterior
from catlearn.probability.networks.bayesnet import CPT as CPT
from catlearn.probability.networks.bayesnet import BayesNet as BayesNet
from catlearn.probability.networks.contraction import Plan as Plan
from catlearn.probability.networks.contraction import plan_contraction as plan_contraction
from catlearn.probability.networks.lazy import LazyFinite as LazyFinite

__all__ = [
    "CPT",
    "BayesNet",
    "LazyFinite",
    "Plan",
    "SampledPosterior",
    "plan_contraction",
]
