"""The flat program: the one intermediate representation every arrow kind is evaluated from.

A :class:`Program` is straight-line code over numbered wire **slots**: a tuple of
:class:`Instruction` s in topological order, each applying a box to some slots and writing
fresh ones. Copy, discard and swap are not instructions but wiring (a slot read twice, never
read, or read in another order). Diagrams are walked into programs by
:func:`catlearn.diagrams.compiler.to_program`; semantics read programs through
``from_program(program, arrows)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catlearn.core.types import Atom, Ty

__all__ = ["Instruction", "Program"]


@dataclass(frozen=True)
class Instruction:
    """Apply ``box`` to the slots ``ins`` (one per atom of ``box.dom``) and write its outputs
    into the fresh slots ``outs`` (one per atom of ``box.cod``).

    >>> from catlearn.core.types import Euclid
    >>> from catlearn.diagrams.diagram import Box
    >>> Instruction(Box('f', Euclid(1), Euclid(1)), (0,), (1,))
    Instruction(f: (0,) -> (1,))
    """

    box: Any
    ins: tuple[int, ...]
    outs: tuple[int, ...]

    def __repr__(self) -> str:
        return f"Instruction({self.box.name}: {self.ins} -> {self.outs})"


@dataclass(frozen=True)
class Program:
    """A diagram as straight-line code over wire slots (see the module docstring).

    ``inputs`` are the slots holding the diagram's inputs (one per atom of ``dom``);
    ``outputs`` the slots read as outputs (one per atom of ``cod``; a slot may repeat, which
    is a copy); ``slot_types[i]`` is the atom carried by slot ``i``.

    >>> from catlearn.diagrams.diagram import Box, Diagram
    >>> from catlearn.core.types import Euclid
    >>> x = Euclid(1)
    >>> from catlearn.diagrams.compiler import to_program
    >>> print(to_program(Box('f', x, x) >> Diagram.copy(x)))
    program (%0: Euclid(1)) -> Euclid(1) @ Euclid(1):
      %1 = f(%0)
      return %1, %1
    """

    dom: Ty
    cod: Ty
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    instructions: tuple[Instruction, ...]
    slot_types: tuple[Atom, ...]

    def __len__(self) -> int:
        return len(self.instructions)

    @property
    def boxes(self) -> list[Any]:
        """The distinct boxes of the program, in order of first use."""
        return list(dict.fromkeys(i.box for i in self.instructions))

    def __str__(self) -> str:
        args = ", ".join(f"%{s}: {t}" for s, t in zip(self.inputs, self.dom.inside))
        lines = [f"program ({args}) -> {self.cod}:"]
        for ins in self.instructions:
            outs = ", ".join(f"%{s}" for s in ins.outs) or "_"
            lines.append(f"  {outs} = {ins.box.name}({', '.join(f'%{s}' for s in ins.ins)})")
        lines.append("  return " + ", ".join(f"%{s}" for s in self.outputs))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Program({self.dom} -> {self.cod}; {len(self.instructions)} instructions, "
            f"{len(self.slot_types)} slots)"
        )
