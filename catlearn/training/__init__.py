"""Training: ``fit`` (one jitted step, epochs fused with ``lax.scan``), sharding, checkpoints."""

from catlearn.training import ansatz as ansatz
from catlearn.training import checkpoint as checkpoint
from catlearn.training import distributed as distributed
from catlearn.training import lambeq_tasks as lambeq_tasks
from catlearn.training import sentences as sentences
from catlearn.training import tensor as tensor
from catlearn.training.functor import Functor as Functor
from catlearn.training.functor import FunctorFit as FunctorFit
from catlearn.training.functor import fit_functor as fit_functor
from catlearn.training.sharding import data_mesh as data_mesh
from catlearn.training.train import FitResult as FitResult
from catlearn.training.train import accuracy as accuracy
from catlearn.training.train import evaluate as evaluate
from catlearn.training.train import fit as fit
from catlearn.training.train import predict as predict
from catlearn.training.train import train_step as train_step

__all__ = [
    "FitResult",
    "Functor",
    "FunctorFit",
    "accuracy",
    "ansatz",
    "checkpoint",
    "data_mesh",
    "distributed",
    "evaluate",
    "fit",
    "fit_functor",
    "lambeq_tasks",
    "predict",
    "sentences",
    "tensor",
    "train_step",
]
