r"""Pregroup grammar: adjoint types, word states, cups, caps and spiders (compact closure).

Lambek's pregroups are the types of DisCoCat (Coecke, Sadrzadeh, Clark) and of lambeq; in
Toumi's thesis (*Category theory for quantum natural language processing*) a sentence is a
diagram in the free rigid category on its words, and a model is a monoidal functor out of it.

* A :class:`Pregroup` atom ``n`` has a left adjoint ``n.l`` and a right adjoint ``n.r``,
  iterated (``n.l.l``, ``n.r.r``), with ``n.l.r == n == n.r.l``. :func:`left` and
  :func:`right` take adjoints of a whole type (reversing its order).
* A :class:`Word` is a state ``Ty() -> t``: a word is its name *and* its type, so
  intransitive ``runs : n.r @ s`` and transitive ``runs : n.r @ s @ n.l`` are different words.
* :class:`Cup` ``x @ x.r -> Ty()`` and :class:`Cap` ``Ty() -> x @ x.l`` are the counit and unit
  of the adjunctions; :class:`Spider` ``x**m -> x**k`` is the Frobenius structure.
* :func:`parse` reduces a sentence's word types (from a lexicon) to a target type with cups.
* :func:`to_discopy` and :func:`from_discopy` convert to and from DisCoPy 1.2.2's
  ``discopy.grammar.pregroup`` diagrams (the module lambeq 0.5's ``to_discopy`` targets).

These wires have no fixed carrier: a tensor-network semantics
(:mod:`catlearn.training.tensor`) sends each atom to a vector space through an ansatz, where
``@`` is the tensor product. Cups on cartesian :class:`Euclid` wires are a type error: there ``@``
is the cartesian pair, which has no cups.

Axioms (doctests):

>>> n, s = Pregroup('n'), Pregroup('s')
>>> n.l.r == n == n.r.l, n.l.l, left(n @ s)
(True, n.l.l, s.l @ n.l)
>>> right(left(n @ s.r)) == n @ s.r
True
>>> snake = (Cap(n, n.l) @ n) >> (n @ Cup(n.l, n))   # yanks to the identity on n
>>> snake.dom, snake.cod, normal_form(snake) == Diagram.id(n)
(n, n, True)
>>> d = parse("man runs".split(), {"man": n, "runs": n.r @ s})
>>> d.cod, [b.name for b in d.boxes]
(s, ['man', 'runs', 'cup'])
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from catlearn import errors
from catlearn.core.types import Atom, Ty
from catlearn.diagrams import _discopy
from catlearn.diagrams.diagram import Box, Diagram, Swap
from catlearn.errors import DiagramError, TypeMismatch

__all__ = [
    "Cap",
    "Cup",
    "Pregroup",
    "Spider",
    "Word",
    "caps",
    "cups",
    "draw_pregroup",
    "from_discopy",
    "left",
    "normal_form",
    "parse",
    "right",
    "sentence",
    "to_discopy",
]

_TENSOR = (
    "Cups, caps and spiders live in the compact-closed tensor semantics "
    "(catlearn.training.tensor), over Pregroup wires: build the types with "
    "catlearn.diagrams.pregroup.Pregroup('n') (and .l / .r)."
)


class Pregroup(Atom):
    """A pregroup atom ``name`` with winding number ``z`` (``z < 0``: ``-z`` left adjoints,
    ``z > 0``: right adjoints).

    >>> n = Pregroup('n')
    >>> n.l, n.r, n.l.l.r, n.l.r == n
    (n.l, n.r, n.l, True)
    """

    __slots__ = ("_name", "_z")
    _name: str
    _z: int

    def __init__(self, name: str, z: int = 0) -> None:
        if not isinstance(name, str) or not name or not name.isidentifier():
            raise errors.ArgumentValueError(
                f"Expected a pregroup atom name that is a Python identifier, e.g. Pregroup('n'), "
                f"got {name!r}."
            )
        if not isinstance(z, int):
            raise errors.ArgumentTypeError(f"Expected an integer winding number z, got {z!r}.")
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_z", int(z))
        super().__init__()

    @property
    def name(self) -> str:
        """The name of the atom (without adjoints): ``n.l.name == 'n'``."""
        return self._name

    @property
    def z(self) -> int:
        """The winding number: ``-1`` for ``n.l``, ``+1`` for ``n.r``."""
        return self._z

    @property
    def l(self) -> Pregroup:  # noqa: E743 (lambeq's and DisCoPy's name)
        """The left adjoint."""
        return Pregroup(self._name, self._z - 1)

    @property
    def r(self) -> Pregroup:
        """The right adjoint."""
        return Pregroup(self._name, self._z + 1)

    @property
    def shape(self) -> tuple[int, ...]:  # type: ignore[override]
        raise TypeMismatch(
            f"Expected a wire with a fixed carrier, got the pregroup atom {self!r}, which has "
            "none until an ansatz gives it a dimension; evaluate pregroup diagrams with "
            "catlearn.training.tensor (e.g. TensorAnsatz({'n': 2, 's': 2}))."
        )

    @property
    def _key(self) -> tuple[Any, ...]:
        return (self._name, self._z)

    def __repr__(self) -> str:
        return self._name + (".l" * -self._z if self._z < 0 else ".r" * self._z)


def _pregroup_atoms(ty: Ty, what: str) -> tuple[Pregroup, ...]:
    if not isinstance(ty, Ty):
        raise errors.ArgumentTypeError(f"Expected a wire type for {what}, got {ty!r}.")
    for a in ty.inside:
        if not isinstance(a, Pregroup):
            raise TypeMismatch(
                f"Expected pregroup wires for {what}, got the atom {a!r} in {ty!r}: on cartesian "
                f"wires @ is the pair of vectors, which has no adjoints or cups. {_TENSOR}"
            )
    return ty.inside  # type: ignore[return-value]


def left(ty: Ty) -> Ty:
    """The left adjoint of a type: ``(a @ b).l == b.l @ a.l``.

    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> left(n.r @ s)
    s.l @ n
    """
    return Ty(*(a.l for a in reversed(_pregroup_atoms(ty, "an adjoint"))))


def right(ty: Ty) -> Ty:
    """The right adjoint of a type: ``(a @ b).r == b.r @ a.r``.

    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> right(s @ n.l)
    n @ s.r
    """
    return Ty(*(a.r for a in reversed(_pregroup_atoms(ty, "an adjoint"))))


@dataclass(frozen=True)
class _Kind:
    kind: str
    legs: tuple[int, ...] = ()


class Word(Box):
    """A word: the state ``Ty() -> ty`` named ``name`` (equal words share their tensor).

    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> Word('runs', n.r @ s) == Word('runs', n.r @ s @ n.l)
    False
    """

    __slots__ = ()

    def __init__(self, name: str, ty: Ty) -> None:
        _pregroup_atoms(ty, f"the word {name!r}")
        super().__init__(name, Ty(), ty, _Kind("word"))

    def __repr__(self) -> str:
        return f"Word({self.name!r}: {self.cod})"


class Cup(Box):
    """The cup ``x @ y -> Ty()`` with ``y == x.r`` (equivalently ``x == y.l``).

    >>> n = Pregroup('n')
    >>> Cup(n, n.r).dom, Cup(n.l, n).dom
    (n @ n.r, n.l @ n)
    """

    __slots__ = ()

    def __init__(self, x: Atom, y: Atom) -> None:
        (a,), (b,) = _atoms(x, "a cup"), _atoms(y, "a cup")
        if a.r != b:
            raise DiagramError(
                f"Expected a cup on x @ x.r, got {a!r} @ {b!r}; the right wire must be the right "
                f"adjoint of the left one, e.g. Cup({a!r}, {a.r!r})."
            )
        super().__init__("cup", a @ b, Ty(), _Kind("cup"))

    def __repr__(self) -> str:
        return f"Cup({self.dom})"


class Cap(Box):
    """The cap ``Ty() -> x @ y`` with ``y == x.l`` (equivalently ``x == y.r``).

    >>> n = Pregroup('n')
    >>> Cap(n, n.l).cod, Cap(n.r, n).cod
    (n @ n.l, n.r @ n)
    """

    __slots__ = ()

    def __init__(self, x: Atom, y: Atom) -> None:
        (a,), (b,) = _atoms(x, "a cap"), _atoms(y, "a cap")
        if a.l != b:
            raise DiagramError(
                f"Expected a cap on x @ x.l, got {a!r} @ {b!r}; the right wire must be the left "
                f"adjoint of the left one, e.g. Cap({a!r}, {a.l!r})."
            )
        super().__init__("cap", Ty(), a @ b, _Kind("cap"))

    def __repr__(self) -> str:
        return f"Cap({self.cod})"


class Spider(Box):
    """The spider ``x**m -> x**k`` of one atom (Frobenius: all legs are one index).

    Spiders fuse: two spiders of one atom joined by at least one wire are one spider.

    >>> n = Pregroup('n')
    >>> Spider(n, 1, 2).cod, Spider(n, 0, 1).dom
    (n @ n, Ty())
    """

    __slots__ = ()

    def __init__(self, x: Atom, m: int, k: int) -> None:
        (a,) = _atoms(x, "a spider")
        if not (isinstance(m, int) and isinstance(k, int) and m >= 0 and k >= 0):
            raise errors.ArgumentValueError(
                f"Expected a spider's leg counts m, k >= 0 (ints), got m={m!r}, k={k!r}."
            )
        super().__init__("spider", a**m, a**k, _Kind("spider", (m, k)))

    def __repr__(self) -> str:
        return f"Spider({self.dom} -> {self.cod})"


def _atoms(x: Any, what: str) -> tuple[Pregroup, ...]:
    atoms = _pregroup_atoms(x, what)
    if len(atoms) != 1:
        raise errors.ArgumentValueError(
            f"Expected one atom for {what}, got the type {x!r}; use cups(...) / caps(...) for "
            "types of several atoms."
        )
    return atoms


def cups(x: Ty, y: Ty) -> Diagram:
    """Nested cups ``x @ y -> Ty()`` for ``y == right(x)`` (the innermost pair first).

    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> cups(n @ s, right(n @ s)).dom
    n @ s @ s.r @ n.r
    """
    xs, ys = _pregroup_atoms(x, "cups"), _pregroup_atoms(y, "cups")
    if right(x) != y:
        raise DiagramError(f"Expected cups(x, right(x)), got x = {x!r} and y = {y!r}.")
    d = Diagram.id(x @ y)
    for i in range(len(xs)):
        k = len(xs) - 1 - i
        d = d >> (Ty(*xs[:k]) @ Cup(xs[k], ys[i]) @ Ty(*ys[i + 1 :]))
    return d


def caps(x: Ty, y: Ty) -> Diagram:
    """Nested caps ``Ty() -> x @ y`` for ``y == left(x)``.

    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> caps(n @ s, left(n @ s)).cod
    n @ s @ s.l @ n.l
    """
    xs, ys = _pregroup_atoms(x, "caps"), _pregroup_atoms(y, "caps")
    if left(x) != y:
        raise DiagramError(f"Expected caps(x, left(x)), got x = {x!r} and y = {y!r}.")
    d = Diagram.id(Ty())
    for i, a in enumerate(xs):  # the outermost cap first, each next one nested inside
        d = d >> (Ty(*xs[:i]) @ Cap(a, a.l) @ Ty(*ys[len(ys) - i :]))
    return d


def sentence(words: Sequence[Word], links: Sequence[tuple[int, int]] | None = None) -> Diagram:
    """The diagram ``words[0] @ ... @ words[-1] >> cups``: ``links`` are the cups as pairs of
    atom positions (in the concatenated word types), in an order where each pair is adjacent
    once the pairs before it are removed (as :func:`parse` returns them).

    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> sentence([Word('man', n), Word('runs', n.r @ s)], [(0, 1)]).cod
    s
    """
    errors.expect_type(words, Sequence, "the words", "pass a list of Word(name, type)")
    if not words:
        raise errors.ArgumentValueError("Expected at least one word, got an empty sentence.")
    for w in words:
        errors.expect_type(w, Word, "a word", "build words with Word(name, type)")
    d = words[0].tensor(*words[1:])
    alive = list(range(len(d.cod)))
    atoms = list(d.cod.inside)
    layers = []
    for i, j in links or ():
        if i not in alive or j not in alive or alive.index(j) != alive.index(i) + 1:
            raise DiagramError(
                f"Expected adjacent, uncancelled atom positions for a cup, got ({i}, {j}); "
                "list the cups innermost first."
            )
        k = alive.index(i)
        rest = [atoms[p] for p in alive]
        layers.append(Ty(*rest[:k]) @ Cup(atoms[i], atoms[j]) @ Ty(*rest[k + 2 :]))
        del alive[k : k + 2]
    return d.then(*layers)


def _reduce(atoms: Sequence[Pregroup]) -> tuple[list[tuple[int, int]], list[int]]:
    """Greedy shift-reduce: cancel ``x @ x.r`` as soon as it is adjacent."""
    stack: list[int] = []
    links: list[tuple[int, int]] = []
    for j, a in enumerate(atoms):
        if stack and atoms[stack[-1]].r == a:
            links.append((stack.pop(), j))
        else:
            stack.append(j)
    return links, stack


def parse(
    tokens: Sequence[str],
    lexicon: Mapping[str, Ty | Sequence[Ty]],
    target: Ty | None = None,
) -> Diagram:
    """Parse ``tokens`` (or a string's words) into a diagram ``Ty() -> target`` (default ``s``).

    ``lexicon`` maps each word to its type, or to several candidate types (tried in order;
    the first assignment that reduces wins). The reduction is a greedy shift-reduce that
    cancels ``x @ x.r`` as soon as the pair is adjacent: enough for the fragments of lambeq's
    MC and RP tasks (noun phrases with adjectives, transitive and intransitive verbs, relative
    pronouns), not a parser for all of English. Raises
    :class:`~catlearn.errors.DiagramError` when no assignment reduces to ``target``, and
    :class:`~catlearn.errors.MissingBoxError` for a word missing from the lexicon.

    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> lex = {"man": n, "meal": n, "tasty": n @ n.l, "cooks": n.r @ s @ n.l}
    >>> d = parse("man cooks tasty meal".split(), lex)
    >>> d.dom, d.cod, len(d.boxes)
    (Ty(), s, 7)
    """
    if target is None:
        target = Pregroup("s")
    errors.expect_type(tokens, Sequence, "the tokens", "pass a string or a list of words")
    errors.expect_type(lexicon, Mapping, "the lexicon", "pass a dict from each word to its type")
    tokens = tokens.split() if isinstance(tokens, str) else list(tokens)  # a string: its words
    if not tokens:
        raise errors.ArgumentValueError("Expected a non-empty list of tokens to parse.")
    choices = []
    for t in tokens:
        if t not in lexicon:
            raise errors.MissingBoxError(
                f"Expected every word in the lexicon, got {t!r}, which is not in it; add "
                f"lexicon[{t!r}] = <its pregroup type> (e.g. n, or n.r @ s @ n.l)."
            )
        entry = lexicon[t]
        choices.append([entry] if isinstance(entry, Ty) else list(entry))
    for types in itertools.product(*choices):
        atoms = [a for ty in types for a in _pregroup_atoms(ty, f"the lexicon entry of {t!r}")]
        links, rest = _reduce(atoms)
        if Ty(*(atoms[i] for i in rest)) == target:
            return sentence([Word(w, ty) for w, ty in zip(tokens, types)], links)
    raise DiagramError(
        f"Expected the words {' '.join(tokens)!r} to reduce to {target!r} with their lexicon "
        "types, but no assignment does; check the types of these words, or the target."
    )


# --- snake removal --------------------------------------------------------------------------


def normal_form(diagram: Diagram) -> Diagram:
    """Remove snakes: a cap whose leg is cupped at once with a neighbouring wire is yanked
    straight (``(Cap(x, x.l) @ x) >> (x @ Cup(x.l, x)) == id(x)`` and its mirror).

    Layers that do not touch the snake are slid past it first (interchange), so a snake
    drawn with other boxes in between is removed too. The result has the same meaning under
    every compact-closed semantics.

    >>> n = Pregroup('n')
    >>> f, g = Word('f', n), Word('g', n)
    >>> snake = (Cap(n, n.l) @ n) >> (n @ n.l @ n @ g) >> (n @ Cup(n.l, n) @ n)
    >>> normal_form(f >> snake) == f @ g
    True
    >>> normal_form((n @ Cap(n.r, n)) >> (Cup(n, n.r) @ n)) == Diagram.id(n)
    True
    """
    errors.expect_type(diagram, Diagram, "a diagram", "build it with >> and @")
    layers = list(diagram.layers)
    changed = True
    while changed:
        changed = False
        for k, (off, box) in enumerate(layers):
            if not isinstance(box, Cap):
                continue
            found = _yank(layers, k, off)
            if found is not None:
                layers = found
                changed = True
                break
    if not layers:
        return Diagram.id(diagram.dom)
    parts = []
    wires = list(diagram.dom.inside)
    for off, box in layers:
        n = len(box.dom)
        parts.append(Ty(*wires[:off]) @ box @ Ty(*wires[off + n :]))
        wires[off : off + n] = box.cod.inside
    return Diagram.id(diagram.dom).then(*parts)


def _yank(layers: list[Any], k: int, off: int) -> list[Any] | None:
    """Remove the cap at layer ``k`` with the later cup forming a snake with it, or ``None``.

    Wires are tracked by position; layers in between must not touch the cap's legs. They may
    act on the wire the snake yanks: removing the legs shifts layers right of them by two.
    """
    legs = off  # the cap's legs sit at positions legs, legs + 1
    mid = []
    for m in range(k + 1, len(layers)):
        o, b = layers[m]
        n_in = len(b.dom)
        touches = o <= legs + 1 and legs < o + n_in
        if not touches:
            mid.append((o - 2, b) if o > legs else (o, b))
            if o + n_in <= legs:
                legs += len(b.cod) - n_in
            continue
        if isinstance(b, Cup) and o in (legs + 1, legs - 1):
            return layers[:k] + mid + layers[m + 1 :]
        return None
    return None


# --- DisCoPy interop -----------------------------------------------------------------------


def to_discopy(diagram: Diagram) -> Any:
    """The DisCoPy 1.2.2 ``discopy.grammar.pregroup`` diagram of a pregroup diagram (words,
    cups, caps, spiders, swaps, other boxes by name); :func:`from_discopy` inverts it.

    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> d = parse("man runs".split(), {"man": n, "runs": n.r @ s})
    >>> print(to_discopy(d))
    man >> n @ runs >> Cup(n, n.r) @ s
    >>> from_discopy(to_discopy(d)) == d
    True
    """
    errors.expect_type(diagram, Diagram, "a diagram", "build it with >> and @")
    p = _discopy.pregroup

    def ty(t: Ty) -> Any:
        return p.Ty(*(p.Ob(a.name, z=a.z) for a in _pregroup_atoms(t, "DisCoPy")))

    make = {
        Word: lambda b: p.Word(b.name, ty(b.cod)),
        Cup: lambda b: p.Cup(*map(ty, b.dom.inside)),
        Cap: lambda b: p.Cap(*map(ty, b.cod.inside)),
        Spider: lambda b: p.Spider(len(b.dom), len(b.cod), ty((b.dom @ b.cod).inside[0])),
        Swap: lambda b: p.Swap(*map(ty, b.dom.inside)),
    }
    other = lambda b: p.Box(b.name, ty(b.dom), ty(b.cod))  # noqa: E731
    layers = [(make.get(type(b), other)(b), off) for off, b in diagram.layers]
    return p.Diagram.decode(ty(diagram.dom), layers)


def from_discopy(diagram: _discopy.pregroup.Diagram) -> Diagram:
    """The pregroup diagram of a DisCoPy 1.2.2 ``discopy.grammar.pregroup`` diagram (from
    lambeq 0.5: ``from_discopy(lambeq_diagram.to_discopy())``); inverts :func:`to_discopy`.

    >>> n = Pregroup('n')
    >>> from_discopy(to_discopy(Cap(n, n.l) >> Spider(n, 1, 2) @ n.l)).boxes
    [Cap(n @ n.l), Spider(n -> n @ n)]
    """
    p = _discopy.pregroup
    fix = "DisCoPy 1.2.2's grammar.pregroup; from lambeq, pass lambeq_diagram.to_discopy()"
    errors.expect_type(diagram, p.Diagram, "a pregroup diagram", fix)

    def ty(t: Any) -> Ty:
        return Ty(*(Pregroup(ob.name, ob.z) for ob in t.inside))

    make: dict[Any, Callable[[Any], Box]] = {
        p.Word: lambda b: Word(b.name, ty(b.cod)),
        p.Cup: lambda b: Cup(*ty(b.dom).inside),
        p.Cap: lambda b: Cap(*ty(b.cod).inside),
        p.Spider: lambda b: Spider(ty(b.dom @ b.cod).inside[0], len(b.dom), len(b.cod)),
        p.Swap: lambda b: Swap(*ty(b.dom).inside),
    }
    out, wires = Diagram.id(ty(diagram.dom)), list(ty(diagram.dom).inside)
    for b, off in zip(diagram.boxes, diagram.offsets):
        box = make.get(type(b), lambda b: Box(b.name, ty(b.dom), ty(b.cod)))(b)
        out = out >> (Ty(*wires[:off]) @ box @ Ty(*wires[off + len(b.dom) :]))
        wires[off : off + len(b.dom)] = box.cod.inside
    return out


# --- drawing --------------------------------------------------------------------------------


def draw_pregroup(
    diagram: Diagram,
    path: str | os.PathLike[str] | None = None,
    *,
    figsize: tuple[float, float] | None = None,
) -> Any:
    """Draw a sentence diagram as lambeq does: word triangles in a row, their wires labelled
    by type, cups as arcs below, open wires running down. Saves to ``path`` when given (no
    figure left open) and returns the matplotlib figure otherwise.

    >>> import tempfile, pathlib
    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> out = pathlib.Path(tempfile.mkdtemp()) / 'man_runs.png'
    >>> draw_pregroup(parse(['man', 'runs'], {'man': n, 'runs': n.r @ s}), out)
    >>> out.stat().st_size > 0
    True
    """
    errors.expect_type(diagram, Diagram, "the sentence", "pass a diagram from parse or sentence")
    from catlearn.diagrams import _pregroup_draw  # matplotlib, loaded only to draw

    return _pregroup_draw.draw(diagram, path, figsize, Word, Cup)
