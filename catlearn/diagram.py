r"""String diagrams with typed catlearn wires, built on ``discopy.markov`` (DisCoPy 1.2.2).

A :class:`Box` names a piece of a model (``Box('fc1', Euclid(64), Euclid(128), spec)``); it
never holds arrays. Its ``spec`` is a frozen, hashable description (a layer kind and its
hyperparameters) that semantics read when they give the box a meaning (see
:func:`catlearn.compile.compile`). Diagrams compose sequentially with ``>>`` (or
:meth:`Diagram.then` for long chains: one call, linear time) and in parallel with ``@``;
:meth:`Diagram.copy`, :meth:`Diagram.discard`, :meth:`Diagram.swap` and :meth:`Diagram.merge`
are the structure of a Markov category with addition (Fritz, *A synthetic approach to Markov
kernels*). The wire types are those of :mod:`catlearn.types`, and composition checks them:
``f >> g`` with ``f.cod != g.dom`` raises :class:`~catlearn.errors.TypeMismatch` naming both.

Each catlearn diagram wraps a ``discopy.markov.Diagram`` (:meth:`Diagram.to_discopy`), so
DisCoPy's drawing, normal forms and functors apply to it. DisCoPy is imported on first use.

Axioms (doctests):

>>> from catlearn.types import Euclid
>>> x = Euclid(2)
>>> f, g, h = Box('f', x, x), Box('g', x, x), Box('h', x, x)
>>> (f >> g) >> h == f >> (g >> h) == f.then(g, h)
True
>>> Diagram.id(x) >> f == f == f >> Diagram.id(x)
True
>>> (f @ g).dom, (f @ g).cod
(Euclid(2) @ Euclid(2), Euclid(2) @ Euclid(2))
>>> Diagram.swap(x, x) >> Diagram.swap(x, x) == Diagram.id(x @ x) >> Diagram.swap(x, x) >> Diagram.swap(x, x)
True
>>> [b.name for b in (f >> Diagram.copy(x) >> (g @ h) >> Diagram.merge(x)).boxes]
['f', 'copy', 'g', 'h', 'merge']
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catlearn import _discopy
from catlearn._discopy import from_discopy_ty, to_discopy_ty
from catlearn.errors import DiagramError, mismatch
from catlearn.types import Atom, Ty

__all__ = ["Box", "Diagram", "Merge", "chain", "copy", "discard", "draw", "merge", "swap"]


class Diagram:
    """A string diagram from ``dom`` to ``cod`` (catlearn wire types).

    Build diagrams from :class:`Box` es and the structure maps; the constructor itself is
    private. ``len(d)`` is the number of layers (one box each, plus wiring).

    >>> from catlearn.types import Euclid
    >>> f = Box('f', Euclid(3), Euclid(2))
    >>> d = Diagram.copy(Euclid(3)) >> (f @ f)
    >>> d.dom, d.cod, len(d)
    (Euclid(3), Euclid(2) @ Euclid(2), 3)
    """

    __slots__ = ("__weakref__", "_d", "cod", "dom")
    _d: Any
    dom: Ty
    cod: Ty

    def __init__(self, inner: Any, dom: Ty, cod: Ty) -> None:
        object.__setattr__(self, "_d", inner)
        object.__setattr__(self, "dom", dom)
        object.__setattr__(self, "cod", cod)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Diagrams are immutable.")

    @classmethod
    def from_discopy(cls, inner: Any) -> Diagram:
        """Wrap a ``discopy.markov.Diagram`` whose wires are named by catlearn atoms."""
        return cls(inner, from_discopy_ty(inner.dom), from_discopy_ty(inner.cod))

    def to_discopy(self) -> Any:
        """The underlying ``discopy.markov.Diagram``."""
        return self._d

    # --- structure maps -------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Ty) -> Diagram:
        """The identity diagram on ``ty`` (bare wires)."""
        _check_ty(ty)
        return Diagram(_discopy.markov.Diagram.id(to_discopy_ty(ty)), ty, ty)

    @classmethod
    def swap(cls, a: Ty, b: Ty) -> Diagram:
        """The symmetry ``a @ b -> b @ a`` (crossed wires)."""
        _check_ty(a), _check_ty(b)
        inner = _discopy.markov.Diagram.swap(to_discopy_ty(a), to_discopy_ty(b))
        return Diagram(inner, a @ b, b @ a)

    @classmethod
    def copy(cls, ty: Ty, n: int = 2) -> Diagram:
        """The copy (fan-out) ``ty -> ty @ ... @ ty`` with ``n`` outputs; ``n = 0`` discards."""
        _check_ty(ty)
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"Expected a number of copies n >= 0, got {n!r}.")
        inner = _discopy.markov.Diagram.copy(to_discopy_ty(ty), n)
        return Diagram(inner, ty, ty**n)

    @classmethod
    def discard(cls, ty: Ty) -> Diagram:
        """The discard ``ty -> Ty()`` (the wire ends; its value is never used)."""
        return cls.copy(ty, 0)

    @classmethod
    def merge(cls, ty: Ty, n: int = 2) -> Diagram:
        """Addition ``ty @ ... @ ty -> ty`` of ``n`` wires (the codiagonal; needs real wires)."""
        _check_ty(ty)
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"Expected a number of merged wires n >= 1, got {n!r}.")
        inner = _discopy.markov.Diagram.merge(to_discopy_ty(ty), n)
        return Diagram(inner, ty**n, ty)

    # --- composition ----------------------------------------------------------------------
    def then(self, *others: Diagram) -> Diagram:
        """Sequential composition ``self >> others[0] >> ...`` in ONE linear-time step.

        Repeated ``>>`` copies the layers each time (quadratic); use ``then`` (or
        :func:`chain`) for long chains: 10,000 boxes take a fraction of a second.

        >>> from catlearn.types import Euclid
        >>> fs = [Box(f'f{i}', Euclid(1), Euclid(1)) for i in range(3)]
        >>> len(Diagram.id(Euclid(1)).then(*fs))
        3
        """
        if not others:
            return self
        prev: Diagram = self
        for other in others:
            if not isinstance(other, Diagram):
                raise TypeError(f"Expected diagrams to compose with {self!r}, got {other!r}.")
            if prev.cod != other.dom:
                raise mismatch(prev, other, prev.cod, other.dom)
            prev = other
        inner = self._d.then(*[o._d for o in others])
        return Diagram(inner, self.dom, others[-1].cod)

    def __rshift__(self, other: Diagram) -> Diagram:
        if not isinstance(other, Diagram):
            return NotImplemented
        return self.then(other)

    def __lshift__(self, other: Diagram) -> Diagram:
        if not isinstance(other, Diagram):
            return NotImplemented
        return other.then(self)

    def tensor(self, *others: Diagram | Ty) -> Diagram:
        """Parallel composition ``self @ others[0] @ ...``; a bare type is its identity."""
        result = self
        for other in others:
            if isinstance(other, Ty):
                other = Diagram.id(other)
            if not isinstance(other, Diagram):
                raise TypeError(f"Expected diagrams or types to tensor, got {other!r}.")
            inner = result._d.tensor(other._d)
            result = Diagram(inner, result.dom @ other.dom, result.cod @ other.cod)
        return result

    def __matmul__(self, other: Diagram | Ty) -> Diagram:
        if not isinstance(other, Diagram | Ty):
            return NotImplemented
        return self.tensor(other)

    def __rmatmul__(self, other: Ty) -> Diagram:
        if not isinstance(other, Ty):
            return NotImplemented
        return Diagram.id(other).tensor(self)

    # --- inspection -----------------------------------------------------------------------
    @property
    def boxes(self) -> list[Box]:
        """The boxes of the diagram, in the order of its layers (structure maps included)."""
        return [_from_discopy_box(b) for layer in self._d.inside for b in layer.boxes]

    def walk(self) -> Iterator[tuple[int, Box]]:
        """Yield ``(offset, box)`` for each box, in order, ``offset`` being the number of wires
        to the left of the box at the moment it is applied (one pass, no recursion).

        >>> from catlearn.types import Euclid
        >>> x = Euclid(1)
        >>> [(i, b.name) for i, b in (x @ Box('f', x, x) >> Box('g', x @ x, x)).walk()]
        [(1, 'f'), (0, 'g')]
        """
        for layer in self._d.inside:
            parts = tuple(layer)
            offset = len(parts[0])
            for j in range(1, len(parts), 2):
                box = _from_discopy_box(parts[j])
                yield offset, box
                offset += len(box.cod) + len(parts[j + 1])

    def __len__(self) -> int:
        return len(self._d.inside)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Diagram):
            return NotImplemented
        return self.dom == other.dom and self.cod == other.cod and self._d == other._d

    def __hash__(self) -> int:
        return hash((self.dom, self.cod, len(self)))

    def __repr__(self) -> str:
        names = [b.name for layer in self._d.inside for b in layer.boxes]
        if len(names) > 6:
            names = [*names[:3], f"... ({len(names) - 5} more)", *names[-2:]]
        body = " >> ".join(names) if names else "id"
        return f"Diagram({self.dom} -> {self.cod}: {body})"

    def draw(self, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        """Draw the diagram with DisCoPy; ``path`` ending in ``.png`` or ``.svg`` saves it
        headless (matplotlib's Agg backend), e.g. ``d.draw('model.png')``.

        Keyword arguments go to ``discopy``'s ``draw`` (``figsize``, ``fontsize``, ...).
        """
        draw(self, path, **kwargs)


class Box(Diagram):
    """A box ``name : dom -> cod`` with a frozen, hashable ``spec`` (never arrays).

    Two boxes are equal when their class, name, types and spec are equal; equal boxes are
    the *same* box: used twice in a diagram, they share their parameters (weight tying).

    >>> from catlearn.types import Euclid
    >>> f = Box('f', Euclid(2), Euclid(3), spec=('affine', 0.5))
    >>> f
    Box('f': Euclid(2) -> Euclid(3))
    >>> f == Box('f', Euclid(2), Euclid(3), spec=('affine', 0.5)), f.spec
    (True, ('affine', 0.5))
    """

    __slots__ = ("_hash", "name", "spec")
    name: str
    spec: Hashable

    def __init__(self, name: str, dom: Ty, cod: Ty, spec: Hashable = None, **draw: Any) -> None:
        if not isinstance(name, str) or not name:
            raise DiagramError(f"Expected a non-empty string as the box name, got {name!r}.")
        _check_ty(dom), _check_ty(cod)
        try:
            h = hash((type(self).__name__, name, dom, cod, spec))
            if not isinstance(spec == spec, bool):  # arrays: == raises or gives an array
                raise TypeError
        except (TypeError, ValueError) as e:
            raise DiagramError(
                f"Expected a hashable spec for box {name!r} (a tuple, a string or a frozen "
                f"dataclass), got {type(spec).__name__}. Boxes never hold arrays or dicts: "
                "parameters live in pytrees created by the semantics."
            ) from e
        inner = draw.pop("_inner", None)
        if inner is None:
            inner = _discopy.markov.Box(name, to_discopy_ty(dom), to_discopy_ty(cod),
                                        data=spec, **draw)
        inner._catlearn = self
        super().__init__(inner, dom, cod)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "_hash", h)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Box):
            return Diagram.__eq__(self, other)
        if self is other:
            return True
        return (type(self) is type(other) and self._hash == other._hash
                and self.name == other.name and self.dom == other.dom
                and self.cod == other.cod and self.spec == other.spec)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Box({self.name!r}: {self.dom} -> {self.cod})"


@dataclass(frozen=True)
class _MergeSpec:
    n: int


class Merge(Box):
    """The special box adding ``n`` wires of one atom: ``atom @ ... @ atom -> atom``.

    In a compiled program, merging is the one structure map that is an instruction (copy,
    discard and swap become wiring).

    >>> from catlearn.types import Euclid
    >>> m = Merge(Euclid(2), 3)
    >>> m.dom, m.cod, m.n
    (Euclid(2) @ Euclid(2) @ Euclid(2), Euclid(2), 3)
    """

    __slots__ = ()

    def __init__(self, atom: Atom, n: int = 2) -> None:
        if not isinstance(atom, Atom):
            raise DiagramError(
                f"Expected a single atom for Merge, got {atom!r}; use Diagram.merge(ty, n) "
                "for a type with several wires."
            )
        inner = _discopy.markov.Merge(to_discopy_ty(atom), n)
        super().__init__("merge", atom**n, atom, _MergeSpec(n), _inner=inner)

    @property
    def n(self) -> int:
        """The number of merged wires."""
        return self.spec.n  # type: ignore[attr-defined]

    @property
    def atom(self) -> Atom:
        """The merged atom."""
        return self.cod.inside[0]

    def __repr__(self) -> str:
        return f"Merge({self.atom}, {self.n})"


class _Structure(Box):
    """A catlearn view of a DisCoPy copy/discard/swap box (for :attr:`Diagram.boxes`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{self.name}({self.dom} -> {self.cod})"


class _Copy(_Structure):
    """Copy of one atom into ``len(cod)`` wires (``len(cod) == 0``: discard)."""

    __slots__ = ()


class _Swap(_Structure):
    """Swap of two atoms."""

    __slots__ = ()


def _from_discopy_box(db: Any) -> Box:
    """The catlearn box of a DisCoPy box (cached on the DisCoPy box)."""
    cached = getattr(db, "_catlearn", None)
    if cached is not None:
        return cached
    markov = _discopy.markov
    dom, cod = from_discopy_ty(db.dom), from_discopy_ty(db.cod)
    if isinstance(db, markov.Merge):
        return Merge(cod.inside[0], len(dom))
    if isinstance(db, markov.Copy):  # includes Discard
        name = "discard" if len(cod) == 0 else "copy"
        return _Copy(name, dom, cod, ("copy", len(cod)), _inner=db)
    if isinstance(db, markov.Swap):
        return _Swap("swap", dom, cod, ("swap", len(db.left)), _inner=db)
    if type(db) is not markov.Box:
        raise DiagramError(
            f"Expected boxes, copies, discards, swaps and merges, got the DisCoPy "
            f"{type(db).__name__} {db!r}, which catlearn cannot compile. Rewrite it with "
            "catlearn.diagram.Box and the structure maps of catlearn.diagram.Diagram."
        )
    return Box(db.name, dom, cod, db.data, _inner=db)


def _check_ty(ty: Any) -> None:
    if not isinstance(ty, Ty):
        raise TypeError(
            f"Expected a catlearn wire type (Euclid(n), Fin(k), Bool(n) or their @), got {ty!r}."
        )


# --- module-level builders ------------------------------------------------------------------

def chain(first: Diagram, *rest: Diagram) -> Diagram:
    """``first >> rest[0] >> ...`` in one linear-time step (same as ``first.then(*rest)``).

    >>> from catlearn.types import Euclid
    >>> chain(*[Box(f'f{i}', Euclid(1), Euclid(1)) for i in range(1000)]).dom
    Euclid(1)
    """
    return first.then(*rest)


def copy(ty: Ty, n: int = 2) -> Diagram:
    """Fan-out ``ty -> ty ** n``; see :meth:`Diagram.copy`.

    >>> from catlearn.types import Euclid
    >>> copy(Euclid(2), 3).cod
    Euclid(2) @ Euclid(2) @ Euclid(2)
    """
    return Diagram.copy(ty, n)


def discard(ty: Ty) -> Diagram:
    """The discard ``ty -> Ty()``; see :meth:`Diagram.discard`.

    >>> from catlearn.types import Euclid
    >>> discard(Euclid(2)).cod
    Ty()
    """
    return Diagram.discard(ty)


def swap(a: Ty, b: Ty) -> Diagram:
    """The symmetry ``a @ b -> b @ a``; see :meth:`Diagram.swap`.

    >>> from catlearn.types import Euclid, Fin
    >>> swap(Euclid(2), Fin(3)).cod
    Fin(3) @ Euclid(2)
    """
    return Diagram.swap(a, b)


def merge(ty: Ty, n: int = 2) -> Diagram:
    """Addition of ``n`` wires ``ty ** n -> ty``; see :meth:`Diagram.merge`.

    >>> from catlearn.types import Euclid
    >>> merge(Euclid(2)).dom
    Euclid(2) @ Euclid(2)
    """
    return Diagram.merge(ty, n)


def draw(diagram: Diagram, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
    """Draw ``diagram`` (via DisCoPy and matplotlib) and save it to ``path`` (PNG or SVG).

    Works headless: without a display, matplotlib's ``Agg`` backend is used. No figure is
    left open. Keyword arguments (``figsize=(6, 4)``, ``fontsize=12``, ...) go to DisCoPy.

    >>> import tempfile, pathlib
    >>> from catlearn.types import Euclid
    >>> out = pathlib.Path(tempfile.mkdtemp()) / 'f.png'
    >>> draw(Box('f', Euclid(2), Euclid(1)), out)
    >>> out.stat().st_size > 0
    True
    """
    if not isinstance(diagram, Diagram):
        raise TypeError(f"Expected a catlearn Diagram to draw, got {type(diagram).__name__}.")
    if path is not None:
        os.environ.setdefault("MPLBACKEND", "Agg")
        import matplotlib

        if "DISPLAY" not in os.environ and matplotlib.get_backend().lower() != "agg":
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        before = set(plt.get_fignums())
        diagram.to_discopy().draw(path=str(path), **kwargs)
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    else:
        diagram.to_discopy().draw(**kwargs)
