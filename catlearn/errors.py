"""Every error catlearn raises, in one place.

Each message says what was expected, what came instead, and what to do about it.
All errors derive from :class:`CatlearnError`, and also from the built-in exception
a Python user would expect (``TypeError`` for ill-typed composition, ``ValueError``
for bad values), so ``except ValueError`` keeps working.

Validation policy (eager vs traced)
-----------------------------------
* **Eager inputs are validated, with typed errors.** A public function called on concrete
  values (numpy/JAX arrays, Python numbers, names) checks them before computing and raises a
  subclass of :class:`CatlearnError` naming what was expected, what came and the fix
  (``Fin(0)``, an HMM symbol out of range, string labels in ``fit``, NaN in the data...).
  Non-finite data, learning rates and initial parameters are caught before training, with
  their location (``fit`` names the array, row and column, or the parameter path).
* **Traced inputs (under ``jit``/``vmap``/``grad``) are never silently clamped.** Checks that
  need a value cannot raise there, so the library returns a documented non-finite value:
  an observation outside its wire has probability 0 (:func:`hmm_log_likelihood` is ``-inf``),
  a :class:`Finite` kernel indexed out of range gives NaN, an integer label outside ``0..k-1``
  gives a NaN loss (which ``fit`` then reports as a :class:`NonFiniteError`). Shapes are
  static under ``jit``, so shape errors are raised at trace time as usual.
* **Opt-in checking under ``jit``/``vmap``:** ``catlearn.core.checked(fn)`` runs ``fn``
  under :mod:`jax.experimental.checkify`; the library's gathers are written
  (``.at[i].get(mode="fill", wrap_negative_indices=False)``) so that an out-of-range index
  is a checkify error, which ``checked`` raises as a :class:`TracedCheckError`.

>>> from catlearn.errors import TypeMismatch, CatlearnError
>>> issubclass(TypeMismatch, TypeError) and issubclass(TypeMismatch, CatlearnError)
True

A catlearn error is also the built-in one, so code written against the built-ins keeps
working; ``except CatlearnError`` catches every error of the library:

>>> from catlearn.errors import SupportError
>>> try:
...     raise SupportError("Expected a label in 0..2, got 5; relabel the data.")
... except ValueError as e:
...     print(type(e).__name__, isinstance(e, CatlearnError))
SupportError True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "CatlearnError",
    "CheckpointError",
    "CovarianceError",
    "DataError",
    "DegenerateWeightsError",
    "DiagramError",
    "EmissionFamilyError",
    "HyperparameterError",
    "LaunchError",
    "MemoryBudgetError",
    "MissingBoxError",
    "NonFiniteError",
    "NotBinaryError",
    "NotInvertibleError",
    "NotPSDError",
    "NotStochasticError",
    "ParamsError",
    "ShapeError",
    "SupportError",
    "TypeMismatch",
    "ZeroEvidenceError",
]


class CatlearnError(Exception):
    """Base class of every error raised by catlearn (never raised itself: each error is a
    subclass that also derives from the matching built-in).

    >>> issubclass(TypeMismatch, CatlearnError) and issubclass(ShapeError, ValueError)
    True
    """


class TypeMismatch(CatlearnError, TypeError):
    """Raised when two arrows are composed whose types do not connect (cod(f) != dom(g)).

    >>> raise mismatch("f", "g", "Fin(2)", "Fin(3)")
    Traceback (most recent call last):
    catlearn.errors.TypeMismatch: Cannot compose 'f' >> 'g': the codomain of the first is Fin(2), but the domain of the second is Fin(3). Expected them to be equal; insert an arrow from Fin(2) to Fin(3) between them, or fix one of the types.
    """


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


def check_then(
    first: Any, others: Sequence[Any], kind: type, wrong: Callable[[Any, Any], str]
) -> Any:
    """The last of ``first, *others`` (a sequential composite's codomain end), after checking
    that each is a ``kind`` (else :class:`ArgumentTypeError` with ``wrong(previous, other)``)
    and that each codomain is the next domain (else :func:`mismatch`)."""
    cur = first
    for other in others:
        if not isinstance(other, kind):
            raise ArgumentTypeError(wrong(cur, other))
        nxt: Any = other
        if cur.cod != nxt.dom:
            raise mismatch(cur, nxt, cur.cod, nxt.dom)
        cur = nxt
    return cur


class DiagramError(CatlearnError, ValueError):
    """A diagram cannot be built or compiled as given (unhashable box spec, unknown wire type,
    a box with no arrow in the target semantics, an unsupported DisCoPy box)."""


class ArgumentTypeError(CatlearnError, TypeError):
    """An argument has the wrong Python type (e.g. a list where a :class:`Para` arrow is
    expected)."""


class ArgumentValueError(CatlearnError, ValueError):
    """An argument has the right type but a value outside its domain (``Euclid(2.5)``,
    ``Fin(0)``, an unknown name)."""


class ImmutableError(CatlearnError, AttributeError):
    """An attribute of an immutable catlearn object (types, arrows, lenses...) was assigned."""


class UnsupportedError(CatlearnError, NotImplementedError):
    """An operation that this object does not support (e.g. the density of a composite sampler)."""


class UnknownBoxError(CatlearnError, KeyError):
    """A box has no arrow in the target semantics (a lookup by name failed)."""


class UnknownAttributeError(CatlearnError, AttributeError):
    """A module or object has no attribute of that name (for a name that lives in an area,
    the message names the module to import it from)."""


class LaunchError(CatlearnError, RuntimeError):
    """A process of a multi-process launch failed (or never joined the group); the message
    names the rank and its error, and ``.results`` holds every rank's completed process."""


class TracedCheckError(SupportError):
    """A check run under ``jit``/``vmap`` by :func:`catlearn.core.checked` failed (e.g. an
    out-of-range symbol or index that eager validation would have named)."""


def expect_type(value: object, types: type | tuple[type, ...], what: str, fix: str) -> None:
    """Raise :class:`ArgumentTypeError` unless ``value`` is an instance of ``types``.

    >>> expect_type(3, str, "the name", "pass a string, e.g. 'fc1'")
    Traceback (most recent call last):
    catlearn.errors.ArgumentTypeError: Expected str for the name, got int (3); pass a string, e.g. 'fc1'.
    """
    if not isinstance(value, types):
        names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise ArgumentTypeError(
            f"Expected {names} for {what}, got {type(value).__name__} ({value!r:.80}); {fix}."
        )


class EmissionFamilyError(ShapeError):
    """The observations do not belong to the model's emission family (e.g. real numbers fed to
    a categorical HMM, negative counts to a Poisson HMM)."""


class NotPSDError(CovarianceError):
    """A kernel (Gram) matrix is not positive semi-definite, so it is no Gaussian-process
    covariance (a non-PSD kernel function, or hyperparameters that make it indefinite)."""


class DegenerateWeightsError(ZeroEvidenceError):
    """Every importance weight of a particle set is zero (or not finite): the particles carry
    no probability mass, so there is no normalised posterior to report."""


class MemoryBudgetError(CatlearnError, MemoryError):
    """An exact computation (e.g. a planned contraction) would exceed its memory budget; the
    message names the largest table and the approximate alternative."""


class MissingBoxError(DiagramError, UnknownBoxError):
    """A diagram uses a box that a learned functor has no arrow (no parameters) for.

    Unlike a plain ``KeyError``, the message prints unquoted:

    >>> str(MissingBoxError("No arrow for box 'f'."))
    "No arrow for box 'f'."
    """

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ""
