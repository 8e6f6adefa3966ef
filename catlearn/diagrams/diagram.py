r"""String diagrams with typed catlearn wires, the syntax of ``discopy.markov`` (DisCoPy 1.2.2).

A :class:`Box` names a piece of a model (``Box('fc1', Euclid(64), Euclid(128), spec)``); it
never holds arrays. Its ``spec`` is a frozen, hashable description (a layer kind and its
hyperparameters) that semantics read when they give the box a meaning (see
:func:`catlearn.diagrams.compiler.compile`). Diagrams compose sequentially with ``>>`` (or
:meth:`Diagram.then` / :func:`chain` for long chains, one linear-time call) and in parallel
with ``@``; :meth:`Diagram.copy`, :meth:`Diagram.discard`, :meth:`Diagram.swap` and
:meth:`Diagram.merge` are the structure of a Markov category with addition (Fritz, *A
synthetic approach to Markov kernels*). Wire types are those of :mod:`catlearn.core.types`, and
composition checks them: ``f >> g`` with ``f.cod != g.dom`` raises
:class:`~catlearn.errors.TypeMismatch` naming both sides and both types.

A diagram is what DisCoPy stores, a list of layers (:attr:`Diagram.layers`: each box and the
number of wires to its left), with its conventions (``f @ g`` is ``f`` then ``g``), so
:meth:`Diagram.to_discopy` and :meth:`Diagram.from_discopy` convert; DisCoPy is imported only
to draw or convert. But ``d >> box`` does not copy ``d``'s layers as DisCoPy does: a composite
is a window on a shared append-only list of layers, so ``d = d >> box``
(or ``box >> d``) repeated 100,000 times builds in linear time.

Axioms (doctests):

>>> from catlearn.core.types import Euclid
>>> x = Euclid(2)
>>> f, g, h = Box('f', x, x), Box('g', x, x), Box('h', x, x)
>>> (f >> g) >> h == f >> (g >> h) == f.then(g, h)
True
>>> Diagram.id(x) >> f == f == f >> Diagram.id(x)
True
>>> (f @ g) @ h == f @ (g @ h), f @ Diagram.id(Ty()) == f
(True, True)
>>> (f @ x) >> (x @ g) == f @ g  # interchange, in the normal form of layers
True
>>> (f @ g).dom, (f @ g).cod
(Euclid(2) @ Euclid(2), Euclid(2) @ Euclid(2))
>>> [b.name for b in (f >> Diagram.copy(x) >> (g @ h) >> Diagram.merge(x)).boxes]
['f', 'copy', 'g', 'h', 'merge']
>>> d = f >> Diagram.copy(x) >> (g @ h)
>>> Diagram.from_discopy(d.to_discopy()) == d
True
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, cast

from catlearn import errors
from catlearn.core.types import Atom, Ty
from catlearn.diagrams import _discopy
from catlearn.diagrams._discopy import from_discopy_ty, to_discopy_ty
from catlearn.diagrams._layers import Layer, Layers, as_tuple, check, concat, join
from catlearn.errors import DiagramError, check_then, mismatch

__all__ = ["Box", "Diagram", "Merge", "chain", "copy", "discard", "draw", "merge", "swap"]


class Diagram:
    """A string diagram from ``dom`` to ``cod`` (catlearn wire types).

    Build diagrams from :class:`Box` es and the structure maps (the constructor itself is
    private). ``len(d)`` is the number of layers, one box each.

    >>> from catlearn.core.types import Euclid
    >>> f = Box('f', Euclid(3), Euclid(2))
    >>> d = Diagram.copy(Euclid(3)) >> (f @ f)
    >>> d.dom, d.cod, len(d)
    (Euclid(3), Euclid(2) @ Euclid(2), 3)
    """

    __slots__ = ("__weakref__", "_layers", "cod", "dom")
    _layers: Layers  # a primitive's own tuple, or a composite's window on a shared list
    dom: Ty
    cod: Ty

    def __init__(self, layers: Layers, dom: Ty, cod: Ty) -> None:
        object.__setattr__(self, "_layers", check(layers))
        object.__setattr__(self, "dom", dom)
        object.__setattr__(self, "cod", cod)

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"Diagrams are immutable: cannot set {name!r}; build a new one with >> and @."
        )

    # --- structure maps -------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Ty) -> Diagram:
        """The identity diagram on ``ty`` (bare wires).

        >>> from catlearn.core.types import Euclid
        >>> len(Diagram.id(Euclid(2) @ Euclid(3)))
        0
        """
        _check_ty(ty)
        return Diagram((), ty, ty)

    @classmethod
    def swap(cls, a: Ty, b: Ty) -> Diagram:
        """The symmetry ``a @ b -> b @ a`` (crossed wires; atomic swaps for longer types).

        >>> from catlearn.core.types import Euclid, Fin
        >>> Diagram.swap(Euclid(2), Fin(3)).cod
        Fin(3) @ Euclid(2)
        """
        _check_ty(a, b)
        n, m = len(a), len(b)
        keys = [m + i for i in range(n)] + list(range(m))
        return Diagram(_sort_wires(list((a @ b).inside), keys), a @ b, b @ a)

    @classmethod
    def copy(cls, ty: Ty, n: int = 2) -> Diagram:
        """The copy (fan-out) ``ty -> ty @ ... @ ty`` with ``n`` outputs; ``n = 0`` discards.

        >>> from catlearn.core.types import Euclid
        >>> Diagram.copy(Euclid(2), 3).cod
        Euclid(2) @ Euclid(2) @ Euclid(2)
        """
        _check_ty(ty)
        if not isinstance(n, int) or n < 0:
            raise DiagramError(f"Expected a number of copies n >= 0, got {n!r}.")
        if n == 1:
            return cls.id(ty)
        atoms = ty.inside
        layers: list[Layer] = [(j * n, Copy(a, n)) for j, a in enumerate(atoms)]
        wires = [a for a in atoms for _ in range(n)]
        keys = [c * len(atoms) + j for j in range(len(atoms)) for c in range(n)]
        layers.extend(_sort_wires(wires, keys))
        return Diagram(tuple(layers), ty, ty**n)

    @classmethod
    def discard(cls, ty: Ty) -> Diagram:
        """The discard ``ty -> Ty()`` (the wire ends; its value is never used).

        >>> from catlearn.core.types import Euclid
        >>> Diagram.discard(Euclid(2)).cod
        Ty()
        """
        return cls.copy(ty, 0)

    @classmethod
    def merge(cls, ty: Ty, n: int = 2) -> Diagram:
        """Addition ``ty @ ... @ ty -> ty`` of ``n`` wires (the codiagonal of real wires).

        >>> from catlearn.core.types import Euclid
        >>> Diagram.merge(Euclid(2), 3).dom
        Euclid(2) @ Euclid(2) @ Euclid(2)
        """
        _check_ty(ty)
        if not isinstance(n, int) or n < 1:
            raise DiagramError(f"Expected a number of merged wires n >= 1, got {n!r}.")
        if n == 1:
            return cls.id(ty)
        atoms, k = ty.inside, len(ty)
        wires = list(atoms) * n
        keys = [j * n + c for c in range(n) for j in range(k)]
        layers = list(_sort_wires(wires, keys))
        layers.extend((j, Merge(a, n)) for j, a in enumerate(atoms))
        return Diagram(tuple(layers), ty**n, ty)

    # --- composition ----------------------------------------------------------------------
    def then(self, *others: Diagram) -> Diagram:
        """Sequential composition ``self >> others[0] >> ...`` in ONE linear-time step.

        >>> from catlearn.core.types import Euclid
        >>> fs = [Box(f'f{i}', Euclid(1), Euclid(1)) for i in range(10000)]
        >>> len(Diagram.id(Euclid(1)).then(*fs))
        10000
        """
        prev: Diagram = check_then(
            self,
            others,
            Diagram,
            lambda prev, other: (
                f"Expected diagrams to compose with {prev!r}, got {other!r}; "
                "wrap arrows as boxes first."
            ),
        )
        layers = join([(d._layers, 0) for d in (self, *others)])
        return Diagram(layers, self.dom, prev.cod) if others else self

    def __rshift__(self, other: Diagram) -> Diagram:
        if not isinstance(other, Diagram):
            return NotImplemented
        if self.cod != other.dom:
            raise mismatch(self, other, self.cod, other.dom)
        return Diagram(concat(self._layers, other._layers, 0), self.dom, other.cod)

    def __lshift__(self, other: Diagram) -> Diagram:
        if not isinstance(other, Diagram):
            return NotImplemented
        return other.then(self)

    def tensor(self, *others: Diagram | Ty) -> Diagram:
        """Parallel composition ``self @ others[0] @ ...``; a bare type is its identity.

        Layers of ``self`` come first, then those of each other diagram shifted right.

        >>> from catlearn.core.types import Euclid
        >>> f = Box('f', Euclid(1), Euclid(1) @ Euclid(1))
        >>> [i for i, _ in f.tensor(f, f).walk()]
        [0, 2, 4]
        """
        parts = [self, *(Diagram.id(o) if isinstance(o, Ty) else o for o in others)]
        for other in parts:
            if not isinstance(other, Diagram):
                raise errors.ArgumentTypeError(
                    f"Expected diagrams or types to tensor, got {other!r}; wrap arrows as boxes first."
                )
        shifts = accumulate((len(d.cod) for d in parts[:-1]), initial=0)
        layers = join([(d._layers, s) for d, s in zip(parts, shifts)])
        return Diagram(layers, Ty(*(d.dom for d in parts)), Ty(*(d.cod for d in parts)))

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
    def layers(self) -> tuple[Layer, ...]:
        """The layers ``(offset, box)`` in order (read from a composite's shared list once).

        >>> from catlearn.core.types import Euclid
        >>> f = Box('f', Euclid(1), Euclid(1))
        >>> (f @ (f >> f) >> (f @ f)).layers == ((0, f), (1, f), (1, f), (0, f), (1, f))
        True
        """
        return as_tuple(self._layers)

    def walk(self) -> Iterator[tuple[int, Box]]:
        """Yield ``(offset, box)`` for each layer, in order: ``offset`` wires lie to the left
        of the box when it is applied (one pass, no recursion).

        >>> from catlearn.core.types import Euclid
        >>> x = Euclid(1)
        >>> [(i, b.name) for i, b in (x @ Box('f', x, x) >> Box('g', x @ x, x)).walk()]
        [(1, 'f'), (0, 'g')]
        """
        return iter(self.layers)

    @property
    def boxes(self) -> list[Box]:
        """The boxes of the diagram, in the order of its layers (structure maps included)."""
        return [b for _, b in self.layers]

    def __len__(self) -> int:
        return len(self._layers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Diagram):
            return NotImplemented
        if self is other or len(self) != len(other):
            return self is other
        return self.dom == other.dom and self.cod == other.cod and self.layers == other.layers

    def __hash__(self) -> int:
        return hash((self.dom, self.cod, self.layers))

    def __repr__(self) -> str:
        names = [b.name for _, b in self.layers]
        if len(names) > 6:
            names = [*names[:3], f"... ({len(names) - 5} more)", *names[-2:]]
        body = " >> ".join(names) if names else "id"
        return f"Diagram({self.dom} -> {self.cod}: {body})"

    # --- DisCoPy --------------------------------------------------------------------------
    def to_discopy(self) -> _discopy.markov.Diagram:
        """The equal ``discopy.markov.Diagram`` (boxes keep their name and ``data=spec``).

        >>> from catlearn.core.types import Euclid
        >>> f = Box('f', Euclid(1), Euclid(1))
        >>> (f @ f).to_discopy().offsets
        [0, 1]
        """
        markov = _discopy.markov
        wires = list(self.dom.inside)
        parts = []
        for off, box in self.layers:
            n = len(box.dom)
            left, right = to_discopy_ty(Ty(*wires[:off])), to_discopy_ty(Ty(*wires[off + n :]))
            parts.append(markov.Id(left) @ box._to_discopy() @ markov.Id(right))
            wires[off : off + n] = box.cod.inside
        return markov.Id(to_discopy_ty(self.dom)).then(*parts)

    @classmethod
    def from_discopy(cls, inner: _discopy.markov.Diagram) -> Diagram:
        """Read a ``discopy.markov.Diagram`` whose wires are named by catlearn atoms (as
        :meth:`Diagram.to_discopy` names them); its boxes keep their name and ``data``.
        """
        layers: list[Layer] = []
        for layer in inner.inside:
            parts = tuple(layer)
            offset = len(parts[0])
            for j in range(1, len(parts), 2):
                box = _from_discopy_box(parts[j])
                layers.append((offset, box))
                offset += len(box.cod) + len(parts[j + 1])
        return cls(tuple(layers), from_discopy_ty(inner.dom), from_discopy_ty(inner.cod))

    def draw(self, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        """Draw the diagram with DisCoPy; a ``path`` ending in ``.png`` or ``.svg`` saves it
        headless (see :func:`draw`)."""
        draw(self, path, **kwargs)


class Box(Diagram):
    """A box ``name : dom -> cod`` with a frozen, hashable ``spec`` (never arrays).

    Two boxes are equal when their class, name, types and spec are equal; equal boxes are
    the *same* box: used twice in a diagram, they share their parameters (weight tying).

    >>> from catlearn.core.types import Euclid
    >>> f = Box('f', Euclid(2), Euclid(3), spec=('affine', 0.5))
    >>> f
    Box('f': Euclid(2) -> Euclid(3))
    >>> f == Box('f', Euclid(2), Euclid(3), spec=('affine', 0.5)), f.spec
    (True, ('affine', 0.5))
    """

    __slots__ = ("_hash", "_inner", "name", "spec")
    name: str
    spec: Hashable
    _hash: int
    _inner: Any  # the DisCoPy box, made on first use

    def __init__(self, name: str, dom: Ty, cod: Ty, spec: Hashable = None) -> None:
        if not isinstance(name, str) or not name:
            raise DiagramError(f"Expected a non-empty string as the box name, got {name!r}.")
        _check_ty(dom, cod)
        try:
            h = hash((type(self).__name__, name, dom, cod, spec))
            if not isinstance(spec == spec, bool):  # arrays: == raises or gives an array
                raise errors.ArgumentTypeError("unhashable spec")
        except (TypeError, ValueError) as e:
            raise DiagramError(
                f"Expected a hashable spec for box {name!r} (a tuple, a string or a frozen "
                f"dataclass), got {type(spec).__name__}. Boxes never hold arrays or dicts: "
                "parameters live in pytrees created by the semantics."
            ) from e
        super().__init__(((0, self),), dom, cod)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "_hash", h)
        object.__setattr__(self, "_inner", None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Box):
            return Diagram.__eq__(self, other)
        if self is other:
            return True
        return (
            type(self) is type(other)
            and self._hash == other._hash
            and self.name == other.name
            and self.dom == other.dom
            and self.cod == other.cod
            and self.spec == other.spec
        )

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Box({self.name!r}: {self.dom} -> {self.cod})"

    def _make_discopy(self) -> Any:
        return _discopy.markov.Box(
            self.name, to_discopy_ty(self.dom), to_discopy_ty(self.cod), data=self.spec
        )

    def _to_discopy(self) -> Any:
        if self._inner is None:
            inner = self._make_discopy()
            inner._catlearn = self
            object.__setattr__(self, "_inner", inner)
        return self._inner

    def to_discopy(self) -> _discopy.markov.Box:
        """The DisCoPy box (``discopy.markov.Box(name, dom, cod, data=spec)``)."""
        return self._to_discopy()


@dataclass(frozen=True)
class _Count:
    n: int


class Merge(Box):
    """The special box adding ``n`` wires of one atom: ``atom @ ... @ atom -> atom``.

    In a compiled program, merging is the one structure map that is an instruction (copy,
    discard and swap become wiring).

    >>> from catlearn.core.types import Euclid
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
        super().__init__("merge", atom**n, atom, _Count(n))

    @property
    def n(self) -> int:
        """The number of merged wires."""
        return cast(_Count, self.spec).n

    @property
    def atom(self) -> Atom:
        """The merged atom."""
        return self.cod.inside[0]

    def __repr__(self) -> str:
        return f"Merge({self.atom}, {self.n})"

    def arrow_in(self, kind: Any) -> Any:
        """This merge as an arrow of ``kind`` (a semantics): its ``kind.merge(atom, n)``."""
        return kind.merge(self.atom, self.n)

    def _make_discopy(self) -> Any:
        return _discopy.markov.Merge(to_discopy_ty(self.atom), self.n)


class Copy(Box):
    """Copy of one atom into ``n`` wires (``n == 0``: discard); wiring, not an instruction."""

    __slots__ = ()

    def __init__(self, atom: Atom, n: int = 2) -> None:
        super().__init__("discard" if n == 0 else "copy", atom, atom**n, _Count(n))

    def __repr__(self) -> str:
        return f"{self.name}({self.dom} -> {self.cod})"

    def _make_discopy(self) -> Any:
        return _discopy.markov.Copy(to_discopy_ty(self.dom), len(self.cod))


class Swap(Box):
    """Swap of two atoms; wiring, not an instruction."""

    __slots__ = ()

    def __init__(self, a: Atom, b: Atom) -> None:
        super().__init__("swap", a @ b, b @ a, _Count(1))

    def __repr__(self) -> str:
        return f"swap({self.dom} -> {self.cod})"

    def _make_discopy(self) -> Any:
        a, b = self.dom.inside
        return _discopy.markov.Swap(to_discopy_ty(a), to_discopy_ty(b))


def _sort_wires(wires: list[Atom], keys: list[int]) -> tuple[Layer, ...]:
    """Adjacent swaps (bubble sort) taking ``wires`` to the order of increasing ``keys``."""
    wires, keys = list(wires), list(keys)
    layers: list[Layer] = []
    changed = True
    while changed:
        changed = False
        for i in range(len(keys) - 1):
            if keys[i] > keys[i + 1]:
                layers.append((i, Swap(wires[i], wires[i + 1])))
                keys[i], keys[i + 1] = keys[i + 1], keys[i]
                wires[i], wires[i + 1] = wires[i + 1], wires[i]
                changed = True
    return tuple(layers)


def _from_discopy_box(db: Any) -> Box:
    """The catlearn box of a DisCoPy box."""
    cached = getattr(db, "_catlearn", None)
    if cached is not None:
        return cast(Box, cached)
    markov = _discopy.markov
    dom, cod = from_discopy_ty(db.dom), from_discopy_ty(db.cod)
    if isinstance(db, markov.Merge):
        return Merge(cod.inside[0], len(dom))
    if isinstance(db, markov.Copy):  # includes Discard
        return Copy(dom.inside[0], len(cod))
    if isinstance(db, markov.Swap):
        return Swap(*dom.inside)
    if type(db) is not markov.Box:
        raise DiagramError(
            f"Expected boxes, copies, discards, swaps and merges, got the DisCoPy "
            f"{type(db).__name__} {db!r}, which catlearn cannot compile. Rewrite it with "
            "catlearn.diagrams.diagram.Box and the structure maps of catlearn.diagrams.diagram.Diagram."
        )
    return Box(db.name, dom, cod, db.data)


def _check_ty(*tys: Any) -> None:
    for ty in (t for t in tys if not isinstance(t, Ty)):
        raise errors.ArgumentTypeError(
            f"Expected a catlearn wire type (Euclid(n), Fin(k), Bool(n) or their @), got {ty!r}."
        )


# --- module-level builders ------------------------------------------------------------------


def chain(first: Diagram, *rest: Diagram) -> Diagram:
    """``first >> rest[0] >> ...`` in one linear-time step (same as ``first.then(*rest)``).

    >>> from catlearn.core.types import Euclid
    >>> chain(*[Box(f'f{i}', Euclid(1), Euclid(1)) for i in range(1000)]).dom
    Euclid(1)
    """
    errors.expect_type(first, Diagram, "the first diagram", "wrap arrows as boxes first")
    return first.then(*rest)


def copy(ty: Ty, n: int = 2) -> Diagram:
    """Fan-out ``ty -> ty ** n``; see :meth:`Diagram.copy`.

    >>> from catlearn.core.types import Euclid
    >>> copy(Euclid(2), 3).cod
    Euclid(2) @ Euclid(2) @ Euclid(2)
    """
    return Diagram.copy(ty, n)


def discard(ty: Ty) -> Diagram:
    """The discard ``ty -> Ty()``; see :meth:`Diagram.discard`.

    >>> from catlearn.core.types import Euclid
    >>> discard(Euclid(2)).cod
    Ty()
    """
    return Diagram.discard(ty)


def swap(a: Ty, b: Ty) -> Diagram:
    """The symmetry ``a @ b -> b @ a``; see :meth:`Diagram.swap`.

    >>> from catlearn.core.types import Euclid, Fin
    >>> swap(Euclid(2), Fin(3)).cod
    Fin(3) @ Euclid(2)
    """
    return Diagram.swap(a, b)


def merge(ty: Ty, n: int = 2) -> Diagram:
    """Addition of ``n`` wires ``ty ** n -> ty``; see :meth:`Diagram.merge`.

    >>> from catlearn.core.types import Euclid
    >>> merge(Euclid(2)).dom
    Euclid(2) @ Euclid(2)
    """
    return Diagram.merge(ty, n)


def draw(diagram: Diagram, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
    """Draw ``diagram`` (via DisCoPy and matplotlib) and save it to ``path`` (PNG or SVG).

    Works headless: without a display, matplotlib's ``Agg`` backend is used, and no figure
    is left open. Keyword arguments (``figsize=(6, 4)``, ``fontsize=12``, ...) go to
    DisCoPy's ``draw``.

    >>> import tempfile, pathlib
    >>> from catlearn.core.types import Euclid
    >>> out = pathlib.Path(tempfile.mkdtemp()) / 'f.png'
    >>> draw(Box('f', Euclid(2), Euclid(1)), out)
    >>> out.stat().st_size > 0
    True
    """
    if not isinstance(diagram, Diagram):
        raise _discopy.not_a_diagram(diagram)  # a tuple holding one, a DisCoPy diagram, ...
    inner = diagram.to_discopy()
    if path is None:
        inner.draw(**kwargs)
        return
    import matplotlib.pyplot as plt  # headless: matplotlib picks Agg without a display

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    before = set(plt.get_fignums())
    inner.draw(path=str(path), **kwargs)
    for num in set(plt.get_fignums()) - before:
        plt.close(num)
