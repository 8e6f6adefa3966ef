r"""Deprecated: :class:`~catlearn.probability.kernels.markov.Finite` composites are lazy now.

:class:`LazyFinite` kept a diagram of Finite kernels as a tensor network contracted by a
plan, beside an eager :class:`~catlearn.probability.kernels.markov.Finite` whose ``>>``
multiplied tables out. Finite kernels now compose through the one engine: ``>>`` and ``@``
build a composite in O(1), whose ``array``, ``marginal``, ``condition`` and ``invert`` are
each one planned contraction (the joint table is never built for the last three) and whose
:meth:`~catlearn.probability.kernels.markov.Finite.network` is the factor network. The
constructors of :class:`LazyFinite` remain for one release; each warns and returns the
Finite arrow.

>>> import warnings
>>> from catlearn.core.types import Fin
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", DeprecationWarning)
...     root = LazyFinite.box(Finite.state([0.5, 0.5]))
>>> noisy = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
>>> joint = root >> Finite.copy(Fin(2), 30) >> Finite.tensor(*[noisy] * 30)  # 2**30 entries
>>> post = joint.condition({i: 1 for i in range(1, 30)})   # P(wire 0 | 29 others)
>>> post.array.round(2).tolist()        # the root is surely 1; wire 0 is noisy
[0.2, 0.8]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from catlearn.probability.kernels.markov import Finite

__all__ = ["LazyFinite"]


def _moved(what: str) -> None:
    warnings.warn(
        f"LazyFinite.{what} is deprecated: Finite composites are lazy (one planned contraction "
        f"per question); use Finite.{what} directly. LazyFinite goes in the next release.",
        DeprecationWarning,
        stacklevel=3,
    )


class LazyFinite:
    """Deprecated namespace: its constructors return :class:`Finite` arrows (which compose
    lazily), with a :class:`DeprecationWarning`.

    >>> import warnings
    >>> from catlearn.core.types import Fin
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ident = LazyFinite.id(Fin(2))
    >>> ident.allclose(Finite.id(Fin(2))), caught[0].category.__name__
    (True, 'DeprecationWarning')
    """

    @staticmethod
    def box(f: Finite) -> Finite:
        """``f`` itself (a Finite kernel already composes lazily)."""
        _moved("box")
        return f

    @staticmethod
    def id(ty: Any) -> Finite:
        """``Finite.id``."""
        _moved("id")
        return Finite.id(ty)

    @staticmethod
    def copy(ty: Any, n: int = 2) -> Finite:
        """``Finite.copy``."""
        _moved("copy")
        return Finite.copy(ty, n)

    @staticmethod
    def discard(ty: Any) -> Finite:
        """``Finite.discard``."""
        _moved("discard")
        return Finite.discard(ty)

    @staticmethod
    def tensor_all(diagrams: Sequence[Finite]) -> Finite:
        """``Finite.tensor(*diagrams)``."""
        _moved("tensor")
        return Finite.tensor(*diagrams)
