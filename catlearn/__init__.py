"""catlearn: categorical machine learning in JAX.

Typed objects for Para, lenses, learners (*Backprop as Functor*) and Markov kernels, each with
``>>`` and ``@``; functors that compile DisCoPy string diagrams into jitted JAX
gradient-descent code; Bayesian inversion, Bayesian lenses, HMM and Kalman filtering.

>>> import catlearn as cl
>>> (cl.Euclid(2) @ cl.Fin(3)).shapes
((2,), ())
"""

from catlearn.probability import bayes as bayes
from catlearn import errors as errors
from catlearn.errors import CatlearnError as CatlearnError
from catlearn.errors import TypeMismatch as TypeMismatch
from catlearn.core.para import Para as Para
from catlearn.core.para import ParamSpec as ParamSpec
from catlearn.core.types import Bool as Bool
from catlearn.core.types import Euclid as Euclid
from catlearn.core.types import Fin as Fin
from catlearn.core.types import Ty as Ty

# --- foundations: lens / learner / optim (H-foundations) ---------------------------------------
from catlearn.core.learner import Learner as Learner
from catlearn.core.learner import gradient_learner as gradient_learner
from catlearn.core.lens import Lens as Lens
from catlearn.core.lens import ParaLens as ParaLens
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
from catlearn.core.optim import adam as adam
from catlearn.core.optim import from_optax as from_optax
from catlearn.core.optim import momentum as momentum
from catlearn.core.optim import nesterov as nesterov
from catlearn.core.optim import sgd as sgd
from catlearn.core.optim import to_optax as to_optax

# --- compiler: diagram / compile / nn (H-compiler) ---------------------------------------------
from catlearn.diagrams import nn as nn
from catlearn.core.program import Instruction as Instruction
from catlearn.core.program import Program as Program
from catlearn.diagrams.compiler import compile as compile
from catlearn.diagrams.compiler import to_program as to_program
from catlearn.diagrams.diagram import Box as Box
from catlearn.diagrams.diagram import Diagram as Diagram
from catlearn.diagrams.diagram import Merge as Merge
from catlearn.diagrams.diagram import chain as chain
from catlearn.diagrams.draw import draw_diagram as draw_diagram
from catlearn.diagrams.draw import plot_history as plot_history
from catlearn.diagrams.nn import box_from_function as box_from_function

# --- training: train / sharding (H-train) ------------------------------------------------------
from catlearn.training import checkpoint as checkpoint
from catlearn.training.sharding import data_mesh as data_mesh
from catlearn.training.train import FitResult as FitResult
from catlearn.training.train import accuracy as accuracy
from catlearn.training.train import evaluate as evaluate
from catlearn.training.train import fit as fit
from catlearn.training.train import predict as predict
from catlearn.training.train import train_step as train_step

# --- markov / networks (H-markov) --------------------------------------------------------------
from catlearn.probability.gaussian import LinearGaussian as LinearGaussian
from catlearn.probability.markov import Finite as Finite
from catlearn.probability.sampler import Sampler as Sampler
from catlearn.probability.networks import CPT as CPT
from catlearn.probability.networks import BayesNet as BayesNet

# --- bayes / likelihood (H-bayes) --------------------------------------------------------------
from catlearn.probability.bayes import BayesLens as BayesLens
from catlearn.probability.bayes import bayes_lens as bayes_lens
from catlearn.probability.bayes import condition as condition
from catlearn.probability.bayes import invert as invert
from catlearn.probability.bayes import jeffrey_update as jeffrey_update
from catlearn.probability.bayes import pearl_update as pearl_update
from catlearn.probability.conjugate import Beta as Beta
from catlearn.probability.conjugate import BetaBernoulli as BetaBernoulli
from catlearn.probability.conjugate import BetaBinomial as BetaBinomial
from catlearn.probability.conjugate import Dirichlet as Dirichlet
from catlearn.probability.conjugate import DirichletCategorical as DirichletCategorical
from catlearn.probability.conjugate import Normal as Normal
from catlearn.probability.conjugate import NormalInverseGamma as NormalInverseGamma
from catlearn.probability.conjugate import (
    NormalInverseGammaRegression as NormalInverseGammaRegression,
)
from catlearn.probability.conjugate import NormalKnownVariance as NormalKnownVariance
from catlearn.probability.likelihood import NegativeLogLikelihood as NegativeLogLikelihood
from catlearn.probability.likelihood import StochasticMap as StochasticMap
from catlearn.probability.likelihood import bernoulli_log_prob as bernoulli_log_prob
from catlearn.probability.likelihood import bernoulli_map as bernoulli_map
from catlearn.probability.likelihood import categorical_log_prob as categorical_log_prob
from catlearn.probability.likelihood import categorical_map as categorical_map
from catlearn.probability.likelihood import fit_likelihood as fit_likelihood
from catlearn.probability.likelihood import gaussian_log_prob as gaussian_log_prob
from catlearn.probability.likelihood import gaussian_map as gaussian_map
from catlearn.probability.likelihood import likelihood_learner as likelihood_learner

# --- filtering: HMM / Kalman (H-filtering) ----------------------------------------------------
from catlearn.probability.hmm import HMM as HMM
from catlearn.probability.hmm import HMMFiltered as HMMFiltered
from catlearn.probability.hmm import HMMPrediction as HMMPrediction
from catlearn.probability.hmm import HMMSmoothed as HMMSmoothed
from catlearn.probability.hmm import HMMViterbi as HMMViterbi
from catlearn.probability.hmm import hmm_filter as hmm_filter
from catlearn.probability.hmm import hmm_log_likelihood as hmm_log_likelihood
from catlearn.probability.hmm import hmm_predict as hmm_predict
from catlearn.probability.hmm import hmm_sample as hmm_sample
from catlearn.probability.hmm import hmm_smoother as hmm_smoother
from catlearn.probability.hmm import hmm_viterbi as hmm_viterbi
from catlearn.probability.kalman import LGSSM as LGSSM
from catlearn.probability.kalman import KalmanFiltered as KalmanFiltered
from catlearn.probability.kalman import KalmanPrediction as KalmanPrediction
from catlearn.probability.kalman import KalmanSmoothed as KalmanSmoothed
from catlearn.probability.kalman import kalman_filter as kalman_filter
from catlearn.probability.kalman import kalman_log_likelihood as kalman_log_likelihood
from catlearn.probability.kalman import kalman_predict as kalman_predict
from catlearn.probability.kalman import lgssm_sample as lgssm_sample
from catlearn.probability.kalman import rts_smoother as rts_smoother

# --- rda: Boolean circuits (H-rda) ------------------------------------------------------------
from catlearn.boolean.rda import Circuit as Circuit
from catlearn.boolean.rda import Gate as Gate
from catlearn.boolean.rda import boolean_arrows as boolean_arrows
from catlearn.boolean.rda import check_bits as check_bits
from catlearn.boolean.rda_learn import Boolean as Boolean
from catlearn.boolean.rda_learn import affine_layer as affine_layer
from catlearn.boolean.rda_learn import binarize as binarize
from catlearn.boolean.rda_learn import bits_binary as bits_binary
from catlearn.boolean.rda_learn import bits_one_hot as bits_one_hot
from catlearn.boolean.rda_learn import lut_layer as lut_layer
from catlearn.boolean.rda_learn import rda_accuracy as rda_accuracy
from catlearn.boolean.rda_learn import rda_fit as rda_fit
from catlearn.boolean.rda_learn import rda_step as rda_step
from catlearn.boolean.rda_learn import rda_trace as rda_trace
from catlearn.boolean.rdc import ReverseDerivativeCategory as ReverseDerivativeCategory
from catlearn.boolean.rdc import ReverseLens as ReverseLens
from catlearn.boolean.rdc import Smooth as Smooth

__version__ = "0.1.0"

__all__ = [
    "CPT",
    "HMM",
    "LGSSM",
    "BayesLens",
    "BayesNet",
    "Beta",
    "BetaBernoulli",
    "BetaBinomial",
    "Bool",
    "Boolean",
    "Box",
    "CatlearnError",
    "Circuit",
    "Diagram",
    "Dirichlet",
    "DirichletCategorical",
    "ErrorFn",
    "Euclid",
    "Fin",
    "Finite",
    "FitResult",
    "Gate",
    "HMMFiltered",
    "HMMPrediction",
    "HMMSmoothed",
    "HMMViterbi",
    "Instruction",
    "KalmanFiltered",
    "KalmanPrediction",
    "KalmanSmoothed",
    "Learner",
    "Lens",
    "LinearGaussian",
    "Merge",
    "NegativeLogLikelihood",
    "Normal",
    "NormalInverseGamma",
    "NormalInverseGammaRegression",
    "NormalKnownVariance",
    "Optimiser",
    "Para",
    "ParaLens",
    "ParamSpec",
    "Program",
    "ReverseDerivativeCategory",
    "ReverseLens",
    "Sampler",
    "Smooth",
    "StochasticMap",
    "Ty",
    "TypeMismatch",
    "absolute_error",
    "accuracy",
    "adam",
    "affine_layer",
    "bayes",
    "bayes_lens",
    "bernoulli_log_prob",
    "bernoulli_map",
    "binarize",
    "binary_cross_entropy",
    "bits_binary",
    "bits_one_hot",
    "boolean_arrows",
    "box_from_function",
    "categorical_log_prob",
    "categorical_map",
    "chain",
    "check_bits",
    "checkpoint",
    "compile",
    "condition",
    "data_mesh",
    "draw_diagram",
    "errors",
    "evaluate",
    "fit",
    "fit_likelihood",
    "from_optax",
    "gaussian_log_prob",
    "gaussian_map",
    "gradient_learner",
    "half_sse",
    "hmm_filter",
    "hmm_log_likelihood",
    "hmm_predict",
    "hmm_sample",
    "hmm_smoother",
    "hmm_viterbi",
    "huber_error",
    "invert",
    "jeffrey_update",
    "kalman_filter",
    "kalman_log_likelihood",
    "kalman_predict",
    "learning_rate",
    "lgssm_sample",
    "likelihood_learner",
    "lut_layer",
    "momentum",
    "mse",
    "nesterov",
    "nn",
    "pearl_update",
    "plot_history",
    "power_error",
    "predict",
    "rda_accuracy",
    "rda_fit",
    "rda_step",
    "rda_trace",
    "rts_smoother",
    "scaled_squared_error",
    "sgd",
    "softmax_cross_entropy",
    "squared_error",
    "to_optax",
    "to_program",
    "train_step",
]
