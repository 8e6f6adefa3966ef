"""Factor networks: Bayesian networks, lazily composed Finite diagrams, contraction plans and
the inference engines that answer their queries (one :class:`Engine` protocol; see
:mod:`catlearn.probability.networks.engines`). Builds on :mod:`catlearn.probability.kernels`.
"""

from catlearn.probability.networks.bayesnet import CPT as CPT
from catlearn.probability.networks.bayesnet import BayesNet as BayesNet
from catlearn.probability.networks.contraction import Plan as Plan
from catlearn.probability.networks.contraction import plan_contraction as plan_contraction
from catlearn.probability.networks.dseparation import d_separated as d_separated
from catlearn.probability.networks.engines import Engine as Engine
from catlearn.probability.networks.engines import JunctionTree as JunctionTree
from catlearn.probability.networks.engines import LikelihoodWeighting as LikelihoodWeighting
from catlearn.probability.networks.engines import Query as Query
from catlearn.probability.networks.engines import SampledPosterior as SampledPosterior
from catlearn.probability.networks.engines import VariableElimination as VariableElimination
from catlearn.probability.networks.lazy import LazyFinite as LazyFinite

__all__ = [
    "CPT",
    "BayesNet",
    "Engine",
    "JunctionTree",
    "LazyFinite",
    "LikelihoodWeighting",
    "Plan",
    "Query",
    "SampledPosterior",
    "VariableElimination",
    "d_separated",
    "plan_contraction",
]
