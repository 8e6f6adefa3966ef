"""Boolean circuits: the reverse derivative category of Z/2 and reverse derivative ascent."""

from catlearn.boolean.rda import Circuit as Circuit
from catlearn.boolean.rda import Gate as Gate
from catlearn.boolean.rda_learn import rda_fit as rda_fit
from catlearn.boolean.rdc import ReverseDerivativeCategory as ReverseDerivativeCategory

__all__ = ["Circuit", "Gate", "ReverseDerivativeCategory", "rda_fit"]
