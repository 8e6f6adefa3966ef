"""catlearn: categorical machine learning in JAX.

Typed objects for Para, lenses, learners (*Backprop as Functor*) and Markov kernels, each with
``>>`` and ``@``; functors that compile DisCoPy string diagrams into jitted JAX
gradient-descent code; Bayesian inversion, Bayesian lenses, HMM and Kalman filtering.

>>> import catlearn as cl
>>> (cl.Euclid(2) @ cl.Fin(3)).shapes
((2,), ())

The most used names live here; every other public name lives in its area (``core``,
``diagrams``, ``training``, ``probability``, ``boolean``), and asking for it here says where:

>>> cl.hmm_filter
Traceback (most recent call last):
catlearn.errors.UnknownAttributeError: module 'catlearn' has no attribute 'hmm_filter'; it lives in the area catlearn.probability. Expected catlearn.probability.hmm_filter: import it with `from catlearn.probability import hmm_filter`.
"""

from catlearn import core as core
from catlearn import diagrams as diagrams
from catlearn import training as training
from catlearn import probability as probability
from catlearn import boolean as boolean
from catlearn.core.types import Ty as Ty
from catlearn.core.types import Euclid as Euclid
from catlearn.core.types import Fin as Fin
from catlearn.core.types import Bool as Bool
from catlearn.core.para import Para as Para
from catlearn.core.lens import Lens as Lens
from catlearn.core.lens import ParaLens as ParaLens
from catlearn.core.learner import Learner as Learner
from catlearn.core.learner import gradient_learner as gradient_learner
from catlearn.core.step import supervised_step as supervised_step
from catlearn.diagrams.diagram import Box as Box
from catlearn.diagrams.diagram import Diagram as Diagram
from catlearn.diagrams.compiler import compile as compile
from catlearn.diagrams import nn as nn
from catlearn.diagrams.draw import draw_diagram as draw_diagram
from catlearn.training.train import fit as fit
from catlearn.training.train import evaluate as evaluate
from catlearn.training.train import predict as predict
from catlearn.training.train import accuracy as accuracy
from catlearn.training.train import FitResult as FitResult
from catlearn.core.optim import sgd as sgd
from catlearn.core.optim import adam as adam
from catlearn.core.optim import from_optax as from_optax
from catlearn.probability.kernels.markov import Finite as Finite
from catlearn.probability.kernels.gaussian import LinearGaussian as LinearGaussian
from catlearn.probability.kernels.sampler import Sampler as Sampler
from catlearn.probability.networks.bayesnet import BayesNet as BayesNet
from catlearn.probability.inference.bayes import invert as invert
from catlearn.probability.inference.bayes import condition as condition
from catlearn.probability.inference.bayes import BayesLens as BayesLens
from catlearn.probability.statespace.hmm import HMM as HMM
from catlearn.probability.statespace.kalman import LGSSM as LGSSM
from catlearn.errors import CatlearnError as CatlearnError
from catlearn.errors import TypeMismatch as TypeMismatch
from catlearn import errors as errors

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """A name that is not exported here: an :class:`~catlearn.errors.UnknownAttributeError`
    (an ``AttributeError``) naming the area(s) whose ``__all__`` has it, or close matches."""
    import difflib
    import types

    known = {k: v for k, v in globals().items() if not k.startswith("_")}
    areas = [
        v
        for v in known.values()
        if isinstance(v, types.ModuleType) and v.__name__.count(".") == 1 and hasattr(v, "__path__")
    ]
    homes = [a.__name__ for a in areas if name in getattr(a, "__all__", ())]
    msg = f"module 'catlearn' has no attribute {name!r}"
    if name.startswith("__"):  # a protocol probe (``__path__``, ...): no hint to give
        raise errors.UnknownAttributeError(msg)
    if homes:
        where = " and ".join(homes)
        raise errors.UnknownAttributeError(
            f"{msg}; it lives in the area {where}. Expected {homes[0]}.{name}: import it with "
            f"`from {homes[0]} import {name}`."
        )
    paths = {n: f"catlearn.{n}" for n in __all__}
    for area in reversed(areas):
        paths.update((n, f"{area.__name__}.{n}") for n in getattr(area, "__all__", ()))
    close = difflib.get_close_matches(name, list(paths), n=3)
    hint = f" Did you mean {', '.join(paths[c] for c in close)}?" if close else ""
    raise errors.UnknownAttributeError(
        f"{msg}.{hint} Expected a name of catlearn.__all__ or of an area's __all__ "
        f"({', '.join(a.__name__ for a in areas)})."
    )


__all__ = [
    "HMM",
    "LGSSM",
    "BayesLens",
    "BayesNet",
    "Bool",
    "Box",
    "CatlearnError",
    "Diagram",
    "Euclid",
    "Fin",
    "Finite",
    "FitResult",
    "Learner",
    "Lens",
    "LinearGaussian",
    "Para",
    "ParaLens",
    "Sampler",
    "Ty",
    "TypeMismatch",
    "accuracy",
    "adam",
    "boolean",
    "compile",
    "condition",
    "core",
    "diagrams",
    "draw_diagram",
    "errors",
    "evaluate",
    "fit",
    "from_optax",
    "gradient_learner",
    "invert",
    "nn",
    "predict",
    "probability",
    "sgd",
    "supervised_step",
    "training",
]
