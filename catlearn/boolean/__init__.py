"""Boolean circuits: the reverse derivative category of Z/2 and reverse derivative ascent."""

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

__all__ = [
    "Boolean",
    "Circuit",
    "Gate",
    "ReverseDerivativeCategory",
    "ReverseLens",
    "Smooth",
    "affine_layer",
    "binarize",
    "bits_binary",
    "bits_one_hot",
    "boolean_arrows",
    "check_bits",
    "lut_layer",
    "rda_accuracy",
    "rda_fit",
    "rda_step",
    "rda_trace",
]
