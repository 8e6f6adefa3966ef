"""Factor networks: Bayesian networks, their structure (d-separation) and the inference
engines that answer their queries (one :class:`Engine` protocol; see
:mod:`catlearn.probability.networks.engines`). Builds on :mod:`catlearn.probability.kernels`,
home of the contraction planner (:class:`~catlearn.probability.kernels.contraction.Plan` and
:func:`~catlearn.probability.kernels.contraction.plan_contraction` moved there; importing them
from here still works for one release, with a :class:`DeprecationWarning`).
"""

import warnings as _warnings
from typing import Any as _Any

from catlearn.probability.networks.bayesnet import CPT as CPT
from catlearn.probability.networks.bayesnet import BayesNet as BayesNet
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
    "Query",
    "SampledPosterior",
    "VariableElimination",
    "d_separated",
]


def __getattr__(name: str) -> _Any:
    if name in ("Plan", "plan_contraction"):
        from catlearn.probability.kernels import contraction

        _warnings.warn(
            f"catlearn.probability.networks.{name} moved to catlearn.probability.kernels "
            "(the planner Finite composites use); import it from there. The old name goes in "
            "the next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(contraction, name)
    from catlearn.errors import UnknownAttributeError

    raise UnknownAttributeError(f"module {__name__!r} has no attribute {name!r}")
