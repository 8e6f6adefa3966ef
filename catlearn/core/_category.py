"""The operators of a monoidal category, written once.

Each kind of arrow (:class:`~catlearn.core.para.Para`, :class:`~catlearn.core.lens.Lens`, ...) subclasses
:class:`Composable` and provides three things:

- ``id(ty)``, a classmethod: the identity on a type;
- ``_then2(self, other)``: binary sequential composition (it checks the types);
- ``_tensor2(self, other)``: binary parallel composition.

The mixin turns them into ``then(*others)``, ``tensor(*others)`` and the operators ``>>`` and
``@`` (a bare :class:`~catlearn.core.types.Ty` beside an arrow stands for its identity, on either
side). An operand of a foreign kind gives ``NotImplemented``, so Python tries the other
operand's reflected operator and then raises ``TypeError``.

The kind of an arrow is the class that lists :class:`Composable` among its bases: its
subclasses compose with it and with each other, and a bare type becomes that class's identity.
A class whose ``then`` or ``tensor`` works on all the factors at once (a single linear pass)
overrides them; the operators call them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from catlearn import errors
from catlearn.core.types import Ty


class Composable:
    """Mixin: ``then``, ``tensor``, ``>>`` and ``@`` from ``id``, ``_then2`` and ``_tensor2``.

    >>> from catlearn.core.para import Para
    >>> from catlearn.core.types import Euclid
    >>> f = Para.id(Euclid(1))
    >>> (f >> f).cod, (f @ Euclid(2)).cod, (Euclid(2) @ f).dom
    (Euclid(1), Euclid(1) @ Euclid(2), Euclid(2) @ Euclid(1))
    """

    __slots__ = ()

    _arrow: ClassVar[type[Any]]
    """The kind of arrow: the class that lists :class:`Composable` among its bases."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if Composable in cls.__bases__:
            cls._arrow = cls

    # --- hooks ---------------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Ty) -> Self:  # pragma: no cover - every kind defines its own
        raise errors.UnsupportedError(f"{cls.__name__} must define id(ty).")

    def _then2(self, other: Self) -> Self:  # pragma: no cover - every kind defines its own
        raise errors.UnsupportedError(f"{type(self).__name__} must define _then2.")

    def _tensor2(self, other: Self) -> Self:  # pragma: no cover - every kind defines its own
        raise errors.UnsupportedError(f"{type(self).__name__} must define _tensor2.")

    # --- composition ---------------------------------------------------------------------
    def then(self, *others: Self) -> Self:
        """Sequential composition ``self >> others[0] >> ...``, with checked types.

        >>> from catlearn.core.para import Para
        >>> from catlearn.core.types import Euclid
        >>> Para.id(Euclid(1)).then(Para.id(Euclid(1)), Para.id(Euclid(1))).cod
        Euclid(1)
        """
        result = self
        for other in others:
            result = result._then2(other)
        return result

    def tensor(self, *others: Self | Ty) -> Self:
        """Parallel composition ``self @ others[0] @ ...``; a bare type means its identity.

        >>> from catlearn.core.para import Para
        >>> from catlearn.core.types import Euclid
        >>> Para.id(Euclid(1)).tensor(Euclid(2), Para.id(Euclid(3))).dom
        Euclid(1) @ Euclid(2) @ Euclid(3)
        """
        arrow = self._arrow
        result = self
        for other in others:
            result = result._tensor2(other if isinstance(other, arrow) else arrow.id(other))
        return result

    # --- operators -----------------------------------------------------------------------
    def __rshift__(self, other: Self) -> Self:
        if not isinstance(other, self._arrow):
            return NotImplemented
        return self.then(other)

    def __matmul__(self, other: Self | Ty) -> Self:
        if isinstance(other, Ty):
            other = self._arrow.id(other)
        if not isinstance(other, self._arrow):
            return NotImplemented
        return self.tensor(other)

    def __rmatmul__(self, other: Ty) -> Self:
        if not isinstance(other, Ty):
            return NotImplemented
        return self._arrow.id(other).tensor(self)
