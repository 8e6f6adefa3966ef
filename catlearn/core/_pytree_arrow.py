"""The base of the arrow kinds that are JAX pytrees (private: its public home is
:mod:`catlearn.core.category`).

``Sampler``, ``NoisyMap``, ``Finite`` and ``LinearGaussian`` are equinox Modules whose boxes
carry their own data (a sampler's ``params``, a kernel's table): a composite gathers that data,
one entry per box, into :class:`~catlearn.core.category.BoxParams` (its pytree leaves), and
its copies and discards are wiring.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

import equinox as eqx

from catlearn import errors
from catlearn.core._category import BoxParams, Composable, Node, assemble, node_boxes
from catlearn.core.types import Ty

__all__ = ["PytreeArrow"]


class PytreeArrow(Composable, eqx.Module):
    """An arrow kind that is an equinox Module: ``dom``, ``cod`` and the node are static
    fields, copies and discards are wiring, and the wire types its structure maps accept are
    read by the hook ``_coerce`` (e.g. ``2`` for ``Fin(2)``, with the kind's own check).
    A subclass that lists ``PytreeArrow`` among its bases is a kind.

    >>> from catlearn.probability.kernels.markov import Finite
    >>> issubclass(Finite, PytreeArrow), Finite.copy(2).cod
    (True, Fin(2) @ Fin(2))
    """

    dom: Ty = eqx.field(static=True)
    cod: Ty = eqx.field(static=True)
    _node: Node | None = eqx.field(static=True)
    _copy_is_wiring = True
    _kind_base: ClassVar[bool] = True
    _data: ClassVar[str] = ""
    """The field holding a box's data, which a composite gathers one entry per box (the
    default :meth:`_composite`); a kind with more fields defines ``_composite`` itself."""

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Sequence[Any]) -> Self:
        fields = {cls._data: cls._gather(node, parts, cls._data)}
        return assemble(cls, dom=dom, cod=cod, _node=node, **fields)

    @classmethod
    def _coerce(cls, ty: Any) -> Ty:
        """A wire type given to a structure map, as a :class:`Ty` this kind accepts."""
        if not isinstance(ty, Ty):
            raise errors.ArgumentTypeError(f"Expected a wire type (a Ty), got {ty!r}.")
        return ty

    @classmethod
    def id(cls, ty: Any) -> Self:
        """The identity on ``ty`` (wiring)."""
        return super().id(cls._coerce(ty))

    @classmethod
    def swap(cls, a: Any, b: Any) -> Self:
        """The symmetry ``a @ b -> b @ a`` (wiring)."""
        return super().swap(cls._coerce(a), cls._coerce(b))

    @classmethod
    def copy(cls, ty: Any, n: int = 2) -> Self:
        """:math:`x \\mapsto (x, \\dots, x)`, ``n`` copies (``n = 0`` is discard): wiring."""
        return cls._copy_wiring(cls._coerce(ty), n)

    @classmethod
    def discard(cls, ty: Any) -> Self:
        """The unique arrow to the unit, ``copy(ty, 0)``."""
        return cls.copy(ty, 0)

    @staticmethod
    def _gather(node: Node, parts: Sequence[Any], field: str) -> BoxParams:
        """One entry per box of the composite ``node``: each box's ``field`` (a composite
        part's own :class:`BoxParams` spliced in), in program order."""
        views = [
            getattr(p, field) if p._node is not None else BoxParams([getattr(p, field)], 1)
            for p in node_boxes(node, parts)
        ]
        return BoxParams.concat(views) if views else BoxParams([], 0)
