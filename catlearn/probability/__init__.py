"""Probability: Markov kernels and everything built on them, grouped by concept.

- :mod:`catlearn.probability.kernels` (floor 0): Finite, LinearGaussian, Sampler, stochastic
  maps, the likelihood functor, the factor networks of Finite composites and their contraction
  plans, and the one home of the area's checks;
- :mod:`catlearn.probability.networks` (floor 1): Bayesian networks and their inference
  engines;
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

from catlearn.probability import inference, kernels, networks, statespace
from catlearn.probability._moved import install as _install_moved
from catlearn.probability.inference import *  # noqa: F403  (the faces of the sub-areas)
from catlearn.probability.kernels import *  # noqa: F403
from catlearn.probability.networks import *  # noqa: F403
from catlearn.probability.statespace import *  # noqa: F403

_install_moved()

__all__: list[str] = []
__all__ += kernels.__all__
__all__ += networks.__all__
__all__ += statespace.__all__
__all__ += inference.__all__
