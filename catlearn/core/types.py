"""Wire types: the objects of every category in catlearn.

A type is a (tensor) product of **atoms**:

* :class:`Euclid` — a real array of a fixed shape, ``Euclid(3)``, ``Euclid(28, 28)``;
* :class:`Fin` — a finite set ``{0, ..., k-1}``, carried as an integer (a class label, a
  state of a Markov chain);
* :class:`Bool` — ``n`` bits, carried as a ``uint8`` array of 0s and 1s.

``@`` is the monoidal product and :class:`Ty() <Ty>` its unit. An atom is itself a type of length
one.

>>> from catlearn.core.types import Euclid, Fin, Ty
>>> t = Euclid(3) @ Fin(2)
>>> t
Euclid(3) @ Fin(2)
>>> len(t), t[0] == Euclid(3), Ty() @ t == t
(2, True, True)

**Values.** A value of a type of length one is a bare array; a value of any other length is
a tuple of arrays, one per atom (so the unit's value is ``()``). :meth:`Ty.split` and
:meth:`Ty.join` convert between the two conventions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.errors import ShapeError

__all__ = ["Atom", "Bool", "Euclid", "Fin", "Ty"]


class Ty:
    """A product of atoms, ``A @ B @ ...``; :class:`Ty() <Ty>` is the monoidal unit.

    >>> Ty(Euclid(2), Euclid(3)) == Euclid(2) @ Euclid(3)
    True
    """

    __slots__ = ("_inside",)
    _inside: tuple[Atom, ...]

    def __init__(self, *types: Ty) -> None:
        inside: list[Atom] = []
        for t in types:
            if not isinstance(t, Ty):
                raise errors.ArgumentTypeError(
                    f"Expected wire types (Euclid, Fin, Bool, Ty), got {t!r} instead; "
                    "wrap sizes as Euclid(n) or Fin(k)."
                )
            inside.extend(t.inside)
        object.__setattr__(self, "_inside", tuple(inside))

    @property
    def inside(self) -> tuple[Atom, ...]:
        """The atoms of this type, left to right."""
        return self._inside

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"{type(self).__name__} is immutable: cannot set {name!r}; build a new type."
        )

    # monoidal structure -------------------------------------------------------------------
    def __matmul__(self, other: Ty) -> Ty:
        if not isinstance(other, Ty):
            return NotImplemented
        return Ty(self, other)

    def __pow__(self, n: int) -> Ty:
        return Ty(*([self] * n))

    def __len__(self) -> int:
        return len(self.inside)

    def __iter__(self) -> Iterator[Atom]:
        return iter(self.inside)

    def __getitem__(self, i: int | slice) -> Ty:
        if isinstance(i, slice):
            return Ty(*self.inside[i])
        return self.inside[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ty):
            return NotImplemented
        return self.inside == other.inside

    def __hash__(self) -> int:
        return hash(tuple((type(a).__name__, a._key) for a in self.inside))

    def __repr__(self) -> str:
        if not self.inside:
            return "Ty()"
        return " @ ".join(map(repr, self.inside))

    # values ------------------------------------------------------------------------------
    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """The array shape carried by each atom (one example, no batch axis)."""
        return tuple(a.shape for a in self.inside)

    def split(self, value: Any) -> tuple[Any, ...]:
        """The tuple of per-atom values of ``value`` (a bare array when ``len(self) == 1``).

        >>> (Euclid(2) @ Euclid(1)).split((1, 2))
        (1, 2)
        >>> Euclid(2).split(7)
        (7,)
        """
        if len(self) == 1:
            return (value,)
        if not isinstance(value, tuple | list) or len(value) != len(self):
            raise ShapeError(
                f"Expected a tuple of {len(self)} arrays for the type {self}, "
                f"got {_describe(value)} instead."
            )
        return tuple(value)

    def join(self, values: Sequence[Any]) -> Any:
        """Inverse of :meth:`split`: a bare value for length one, else a tuple.

        >>> Euclid(2).join((7,))
        7
        """
        values = tuple(values)
        return values[0] if len(self) == 1 else values

    def check(self, value: Any, *, batch_dims: int = 0, what: str = "value") -> None:
        """Raise :class:`~catlearn.errors.ShapeError` unless ``value`` fits this type.

        ``batch_dims`` leading axes are allowed in front of each atom's shape.

        >>> Euclid(3).check(jnp.zeros((5, 3)), batch_dims=1)
        >>> Euclid(3).check(jnp.zeros((5, 4)), batch_dims=1)
        Traceback (most recent call last):
        ...
        catlearn.errors.ShapeError: Expected the value of type Euclid(3) to have shape (batch, 3), got an array of shape (5, 4) instead.
        """
        for atom, v in zip(self.inside, self.split(value), strict=True):
            atom._check(v, batch_dims=batch_dims, what=what)


class Atom(Ty):
    """A single wire: the building block of :class:`Ty`. Subclasses fix the carrier."""

    __slots__ = ()

    def __init__(self) -> None:
        object.__setattr__(self, "_inside", (self,))

    shape: tuple[int, ...]

    @property
    def _key(self) -> tuple[Any, ...]:
        raise errors.UnsupportedError(
            f"{type(self).__name__} must define _key (subclass Atom properly)."
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Atom):
            return type(self) is type(other) and self._key == other._key
        if isinstance(other, Ty):
            return len(other) == 1 and other.inside[0] == self
        return NotImplemented

    def __hash__(self) -> int:
        return hash(((type(self).__name__, self._key),))

    def _check(self, v: Any, *, batch_dims: int, what: str) -> None:
        shape = tuple(np.shape(v))
        want = self.shape
        if len(shape) != batch_dims + len(want) or shape[batch_dims:] != want:
            expected = ("(batch, " * min(batch_dims, 1)) + ", ".join(map(str, want))
            if batch_dims:
                expected = expected.rstrip(", ") + ")"
            else:
                expected = "(" + expected + ("," if len(want) == 1 else "") + ")"
            raise ShapeError(
                f"Expected the {what} of type {self} to have shape {expected}, "
                f"got {_describe(v)} instead."
            )


class Euclid(Atom):
    """Real arrays of a fixed shape: ``Euclid(3)`` is R^3, ``Euclid(28, 28)`` is R^(28x28).

    ``dtype=None`` (the default) means JAX's default float (float32, or float64 with x64).

    >>> Euclid(28, 28).shape
    (28, 28)
    """

    __slots__ = ("_dtype", "_shape")
    _dtype: Any
    _shape: tuple[int, ...]

    def __init__(self, *shape: int, dtype: Any = None) -> None:
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        if not all(isinstance(n, int | np.integer) and n >= 0 for n in shape):
            raise errors.ArgumentValueError(
                f"Expected Euclid(*shape) with non-negative ints, got Euclid{shape!r}; pass "
                "integer sizes, e.g. Euclid(2) or Euclid(8, 8)."
            )
        object.__setattr__(self, "_shape", tuple(int(n) for n in shape))
        object.__setattr__(self, "_dtype", None if dtype is None else jnp.dtype(dtype))
        super().__init__()

    @property
    def shape(self) -> tuple[int, ...]:  # type: ignore[override]
        return self._shape

    @property
    def dtype(self) -> Any:
        """The declared dtype, or ``None`` for the default float."""
        return self._dtype

    @property
    def size(self) -> int:
        """Number of real coordinates, the product of the shape."""
        return math.prod(self._shape)

    @property
    def _key(self) -> tuple[Any, ...]:
        return (self._shape, self._dtype)

    def __repr__(self) -> str:
        dt = "" if self._dtype is None else f", dtype={self._dtype.name}"
        return f"Euclid({', '.join(map(str, self._shape))}{dt})"


class Fin(Atom):
    """The finite set ``{0, ..., k-1}``; a value is an integer, a distribution has ``k`` entries.

    >>> Fin(3).size, Fin(3).shape
    (3, ())
    """

    __slots__ = ("_k",)
    _k: int

    def __init__(self, k: int) -> None:
        if not isinstance(k, int | np.integer) or k < 1:
            raise errors.ArgumentValueError(
                f"Expected Fin(k) with an integer k >= 1, got Fin({k!r}); a finite set needs at "
                "least one element, e.g. Fin(2)."
            )
        object.__setattr__(self, "_k", int(k))
        super().__init__()

    @property
    def size(self) -> int:
        """The number of elements ``k``."""
        return self._k

    @property
    def shape(self) -> tuple[int, ...]:  # type: ignore[override]
        return ()

    @property
    def _key(self) -> tuple[Any, ...]:
        return (self._k,)

    def __repr__(self) -> str:
        return f"Fin({self._k})"


class Bool(Atom):
    """``n`` bits (Z_2^n), carried as a ``uint8`` array of shape ``(n,)`` with entries 0 or 1.

    >>> Bool(4).shape
    (4,)
    """

    __slots__ = ("_n",)
    _n: int

    def __init__(self, n: int = 1) -> None:
        if not isinstance(n, int | np.integer) or n < 0:
            raise errors.ArgumentValueError(
                f"Expected Bool(n) with an integer n >= 0, got Bool({n!r}); pass a bit count, "
                "e.g. Bool(4)."
            )
        object.__setattr__(self, "_n", int(n))
        super().__init__()

    @property
    def size(self) -> int:
        """The number of bits ``n``."""
        return self._n

    @property
    def shape(self) -> tuple[int, ...]:  # type: ignore[override]
        return (self._n,)

    @property
    def _key(self) -> tuple[Any, ...]:
        return (self._n,)

    def __repr__(self) -> str:
        return f"Bool({self._n})"


def _describe(v: Any) -> str:
    if hasattr(v, "shape"):
        return f"an array of shape {tuple(v.shape)}"
    if isinstance(v, tuple | list):
        return f"a {type(v).__name__} of length {len(v)}"
    return f"{v!r} of type {type(v).__name__}"
