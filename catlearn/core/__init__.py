"""The core categories: wire types, Para, lenses, learners, losses and optimisers as lenses.

Everything else in catlearn is built on these arrows; this package imports nothing from the
other areas.
"""

from catlearn.core.checked import checked as checked
from catlearn.core.fong_johnson import SymmetricLens as SymmetricLens
from catlearn.core.fong_johnson import learner_to_symmetric as learner_to_symmetric
from catlearn.core.fong_johnson import lens_to_learner as lens_to_learner
from catlearn.core.learner import Learner as Learner
from catlearn.core.learner import gradient_learner as gradient_learner
from catlearn.core.lens import Lens as Lens
from catlearn.core.lens import ParaLens as ParaLens
from catlearn.core.optim import adagrad as adagrad
from catlearn.core.para import Para as Para
from catlearn.core.para import ParamSpec as ParamSpec
from catlearn.core.step import dream_step as dream_step
from catlearn.core.step import step_params as step_params
from catlearn.core.step import supervised_step as supervised_step
from catlearn.core.types import Bool as Bool
from catlearn.core.types import Euclid as Euclid
from catlearn.core.types import Fin as Fin
from catlearn.core.types import Ty as Ty

__all__ = [
    "Bool",
    "Euclid",
    "Fin",
    "Learner",
    "Lens",
    "Para",
    "ParaLens",
    "ParamSpec",
    "SymmetricLens",
    "Ty",
    "adagrad",
    "checked",
    "dream_step",
    "gradient_learner",
    "learner_to_symmetric",
    "lens_to_learner",
    "step_params",
    "supervised_step",
]
