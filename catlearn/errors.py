"""Every error catlearn raises, in one place.

Each message says what was expected, what came instead, and what to do about it.
All errors derive from :class:`CatlearnError`, and also from the built-in exception
a Python user would expect (``TypeError`` for ill-typed composition, ``ValueError``
for bad values), so ``except ValueError`` keeps working.

>>> from catlearn.errors import TypeMismatch, CatlearnError
>>> issubclass(TypeMismatch, TypeError) and issubclass(TypeMismatch, CatlearnError)
True
"""

from __future__ import annotations

__all__ = [
    "CatlearnError",
    "CheckpointError",
    "CovarianceError",
    "DataError",
    "DiagramError",
    "HyperparameterError",
    "MissingBoxError",
    "NonFiniteError",
    "NotBinaryError",
    "NotInvertibleError",
    "NotStochasticError",
    "ParamsError",
    "ShapeError",
    "SupportError",
    "TypeMismatch",
    "ZeroEvidenceError",
]


class CatlearnError(Exception):
    """Base class of every error raised by catlearn."""


class TypeMismatch(CatlearnError, TypeError):
    """Two arrows were composed whose types do not connect (cod(f) != dom(g))."""


class ShapeError(CatlearnError, ValueError):
    """An array does not have the shape (or dtype) its wire type asks for."""


class ParamsError(CatlearnError, ValueError):
    """A parameter pytree does not match the arrow's parameter spec (names, shapes)."""


class HyperparameterError(CatlearnError, ValueError):
    """A hyperparameter (learning rate, momentum, ...) is out of its domain or not finite."""


class NotInvertibleError(CatlearnError, ValueError):
    """An inverse that the construction needs does not exist (e.g. of de/dx for an error e)."""


class NotStochasticError(CatlearnError, ValueError):
    """A kernel's rows are not probability distributions (negative, or not summing to 1)."""


class CovarianceError(NotStochasticError):
    """A covariance matrix is not symmetric positive semi-definite, or not of the right shape."""


class ZeroEvidenceError(CatlearnError, ValueError):
    """Conditioning on an observation whose probability (evidence) is zero."""


class SupportError(CatlearnError, ValueError):
    """A value lies outside the support of its wire (e.g. a label >= k on ``Fin(k)``)."""


class DataError(CatlearnError, ValueError):
    """A data set is unusable as given (empty, batch larger than the data, wrong labels...)."""


class NotBinaryError(DataError):
    """Non-binary data was fed to a Boolean wire."""


class NonFiniteError(CatlearnError, FloatingPointError):
    """A loss or value became NaN or infinite (the message names the step)."""


class CheckpointError(CatlearnError, ValueError):
    """A checkpoint is corrupt, or does not match the parameters/optimiser it is loaded into."""


# --- message templates -------------------------------------------------------------------------


def mismatch(f: object, g: object, cod: object, dom: object) -> TypeMismatch:
    """The error for composing ``f >> g`` when ``cod(f) != dom(g)``."""
    return TypeMismatch(
        f"Cannot compose {f!r} >> {g!r}: the codomain of the first is {cod}, "
        f"but the domain of the second is {dom}. Expected them to be equal; insert an "
        f"arrow from {cod} to {dom} between them, or fix one of the types."
    )


class DiagramError(CatlearnError, ValueError):
    """A diagram cannot be built or compiled as given (unhashable box spec, unknown wire type,
    a box with no arrow in the target semantics, an unsupported DisCoPy box)."""


class MissingBoxError(DiagramError, KeyError):
    """A diagram uses a box that a learned functor has no arrow (no parameters) for."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ""
