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
from catlearn.core.loop import LoopResult as LoopResult
from catlearn.core.loop import compile_epochs as compile_epochs
from catlearn.core.loop import run_epochs as run_epochs
from catlearn.core.losses import ErrorFn as ErrorFn
from catlearn.core.losses import absolute_error as absolute_error
from catlearn.core.losses import binary_cross_entropy as binary_cross_entropy
from catlearn.core.losses import half_sse as half_sse
from catlearn.core.losses import huber_error as huber_error
from catlearn.core.losses import learning_rate as learning_rate
from catlearn.core.losses import mse as mse
from catlearn.core.losses import power_error as power_error
from catlearn.core.losses import scaled_squared_error as scaled_squared_error
from catlearn.core.losses import softmax_cross_entropy as softmax_cross_entropy
from catlearn.core.losses import squared_error as squared_error
from catlearn.core.optim import Optimiser as Optimiser
from catlearn.core.optim import adagrad as adagrad
from catlearn.core.optim import momentum as momentum
from catlearn.core.optim import nesterov as nesterov
from catlearn.core.optim import to_optax as to_optax
from catlearn.core.para import Para as Para
from catlearn.core.para import ParamSpec as ParamSpec
from catlearn.core.program import Instruction as Instruction
from catlearn.core.program import Program as Program
from catlearn.core.state import StateSpec as StateSpec
from catlearn.core.state import apply_train as apply_train
from catlearn.core.state import with_state as with_state
from catlearn.core.step import dream_step as dream_step
from catlearn.core.step import step_params as step_params
from catlearn.core.step import supervised_step as supervised_step
from catlearn.core.types import Bool as Bool
from catlearn.core.types import Euclid as Euclid
from catlearn.core.types import Fin as Fin
from catlearn.core.types import Ty as Ty

__all__ = [
    "Bool",
    "ErrorFn",
    "Euclid",
    "Fin",
    "Instruction",
    "Learner",
    "Lens",
    "LoopResult",
    "Optimiser",
    "Para",
    "ParaLens",
    "ParamSpec",
    "Program",
    "StateSpec",
    "SymmetricLens",
    "Ty",
    "absolute_error",
    "adagrad",
    "apply_train",
    "binary_cross_entropy",
    "checked",
    "compile_epochs",
    "dream_step",
    "gradient_learner",
    "half_sse",
    "huber_error",
    "learner_to_symmetric",
    "learning_rate",
    "lens_to_learner",
    "momentum",
    "mse",
    "nesterov",
    "power_error",
    "run_epochs",
    "scaled_squared_error",
    "softmax_cross_entropy",
    "squared_error",
    "step_params",
    "supervised_step",
    "to_optax",
    "with_state",
]
