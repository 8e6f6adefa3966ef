"""Boxes the user did not name, and the names a program gives them (private to ``diagrams``).

A layer built without ``name=`` (``nn.Linear(4, 8)``) is an :class:`AnonymousBox`: its name
is its kind (``'linear'``) until a program names it, and it is a box of its own, equal only
to itself and to the copies :func:`name_boxes` makes of it (its token is shared, its name
is not part of its identity). So two anonymous layers never share parameters by accident of
naming, while one layer used twice shares them, as any box used twice does.

:func:`name_boxes` names the anonymous boxes of a program from its structure alone:
``{kind}_{i}`` with ``i`` counting from 0 per kind in order of first use, skipping names
that other boxes of the program already take. Building the same model twice thus gives the
same names, whatever ran before: no process-wide counter.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from catlearn.core.program import Instruction, Program
from catlearn.core.types import Ty
from catlearn.diagrams.diagram import Box


class _Token:
    """The identity of one anonymous layer (equal only to itself)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<layer {id(self):#x}>"


class AnonymousBox(Box):
    """A box with no name given: named ``kind`` until :func:`name_boxes` names it.

    Equal to itself and to its renamed copies only (compared by its token), so that two
    anonymous layers of equal kind, types and spec stay two layers.

    >>> from catlearn.core.types import Euclid
    >>> a, b = AnonymousBox('linear', Euclid(2), Euclid(2)), AnonymousBox('linear', Euclid(2), Euclid(2))
    >>> a == a.renamed('linear_0'), a == b, a.renamed('linear_0').kind
    (True, False, 'linear')
    """

    __slots__ = ("_token", "kind")
    kind: str
    _token: _Token

    def __init__(
        self, kind: str, dom: Ty, cod: Ty, spec: Hashable = None, *, _token: Any = None
    ) -> None:
        super().__init__(kind, dom, cod, spec)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "_token", _Token() if _token is None else _token)

    @property
    def named(self) -> bool:
        """Whether a program has named this box (its name is no longer its kind)."""
        return self.name != self.kind

    def renamed(self, name: str) -> AnonymousBox:
        """The same layer (equal, same parameters) called ``name``."""
        box = AnonymousBox(self.kind, self.dom, self.cod, self.spec, _token=self._token)
        object.__setattr__(box, "name", name)
        return box

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AnonymousBox):
            return self._token is other._token
        if isinstance(other, Box):
            return False
        return super().__eq__(other)

    def __hash__(self) -> int:
        return id(self._token)


def name_boxes(program: Program) -> Program:
    """The program with every unnamed :class:`AnonymousBox` renamed ``{kind}_{i}``.

    ``i`` counts from 0 per kind, in order of first use, skipping names taken by the other
    boxes of the program; a box used twice keeps one name. Deterministic: the names depend on
    the program only. Returns ``program`` itself when no box needs a name.

    >>> from catlearn.core.types import Euclid
    >>> from catlearn.diagrams.compiler import to_program
    >>> x = Euclid(2)
    >>> a, b = AnonymousBox('linear', x, x), AnonymousBox('linear', x, x)
    >>> [box.name for box in name_boxes(to_program(a >> b >> Box('linear_0', x, x) >> a)).boxes]
    ['linear_1', 'linear_2', 'linear_0']
    """
    boxes = program.boxes
    todo = [b for b in boxes if isinstance(b, AnonymousBox) and not b.named]
    if not todo:
        return program
    taken = {
        getattr(b, "name", None) for b in boxes if not (isinstance(b, AnonymousBox) and not b.named)
    }
    counters: dict[str, int] = {}
    new: dict[AnonymousBox, AnonymousBox] = {}
    for box in todo:
        i = counters.get(box.kind, 0)
        while f"{box.kind}_{i}" in taken:
            i += 1
        counters[box.kind] = i + 1
        name = f"{box.kind}_{i}"
        taken.add(name)
        new[box] = box.renamed(name)
    instructions = tuple(
        Instruction(new.get(ins.box, ins.box), ins.ins, ins.outs)
        if isinstance(ins.box, AnonymousBox)
        else ins
        for ins in program.instructions
    )
    return Program(
        program.dom,
        program.cod,
        program.inputs,
        program.outputs,
        instructions,
        program.slot_types,
    )
