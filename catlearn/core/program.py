"""The flat program: the one intermediate representation every arrow kind is evaluated from.

A :class:`Program` is straight-line code over numbered wire **slots**: a tuple of
:class:`Instruction` s in topological order, each applying a box to some slots and writing
fresh ones. Copy, discard and swap are not instructions but wiring (a slot read twice, never
read, or read in another order). Diagrams are walked into programs by
:func:`catlearn.diagrams.compiler.to_program`, and arrows composed directly (``f >> g``,
``f @ g``) when a composite is first run; semantics read programs through
``from_program(program, arrows)``. Every kind runs its programs with the same two loops:
:func:`evaluate` (forwards) and :func:`sweep` (backwards, for lenses and learners).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from catlearn.core.types import Atom, Ty

__all__ = ["Instruction", "Program", "evaluate", "sweep"]


class Instruction(NamedTuple):
    """Apply ``box`` to the slots ``ins`` (one per atom of ``box.dom``) and write its outputs
    into the fresh slots ``outs`` (one per atom of ``box.cod``). A named triple, so
    ``box, ins, outs = instruction`` works too.

    >>> from catlearn.core.types import Euclid
    >>> from catlearn.diagrams.diagram import Box
    >>> Instruction(Box('f', Euclid(1), Euclid(1)), (0,), (1,))
    Instruction(f: (0,) -> (1,))
    """

    box: Any
    ins: tuple[int, ...]
    outs: tuple[int, ...]

    def __repr__(self) -> str:
        return f"Instruction({_label(self.box)}: {self.ins} -> {self.outs})"


def _label(box: Any) -> str:
    """A short name for a box: its ``name``, else its first parameter group, else its kind."""
    name = getattr(box, "name", None)
    if name:
        return str(name)
    spec = getattr(box, "spec", None)
    if isinstance(spec, dict) and spec:
        return str(next(iter(spec)))
    return type(box).__name__


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
            lines.append(f"  {outs} = {_label(ins.box)}({', '.join(f'%{s}' for s in ins.ins)})")
        lines.append("  return " + ", ".join(f"%{s}" for s in self.outputs))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Program({self.dom} -> {self.cod}; {len(self.instructions)} instructions, "
            f"{len(self.slot_types)} slots)"
        )


# --- the interpreter ---------------------------------------------------------------------------

Apply = Callable[[int, Any, list[Any]], Sequence[Any]]
Put = Callable[[int, Any, list[Any], list[Any]], Sequence[Any] | None]


def evaluate(program: Program, xs: Sequence[Any], apply: Apply) -> list[Any]:
    """THE interpreter loop: run ``program`` forwards on the input values ``xs`` (one per
    input slot) and return every slot's value (read the outputs with ``program.outputs``).

    ``apply(i, box, values)`` gives the output values of instruction ``i`` (one per atom of
    its box's codomain) from its input values. A plain loop: no recursion, and under
    ``jax.jit`` the trace is linear in the number of instructions.

    >>> from catlearn.core.types import Euclid
    >>> from catlearn.diagrams.diagram import Box, Diagram
    >>> from catlearn.diagrams.compiler import to_program
    >>> x = Euclid(1)
    >>> prog = to_program(Box('inc', x, x) >> Diagram.copy(x))
    >>> env = evaluate(prog, [1.0], lambda i, box, v: [v[0] + 1])
    >>> [env[s] for s in prog.outputs]
    [2.0, 2.0]
    """
    env: list[Any] = [None] * len(program.slot_types)
    for s, v in zip(program.inputs, xs, strict=True):
        env[s] = v
    for i, (box, ins, outs) in enumerate(program.instructions):
        ys = apply(i, box, [env[s] for s in ins])
        for s, y in zip(outs, ys, strict=True):
            env[s] = y
    return env


def sweep(program: Program, env: Sequence[Any], backs: Sequence[Any], put: Put) -> list[Any]:
    """The backward loop of lenses and learners: with the forward values ``env`` (from
    :func:`evaluate`) and one backward value per output slot, visit the instructions in
    reverse; ``put(i, box, input values, backward values of its outputs)`` returns the
    backward values of its inputs (or ``None`` when nobody reads them). Returns one
    backward value per input slot (``None`` where nothing flowed back).

    Every slot is read once by a lens-like program (its copies are boxes whose put sums),
    so a slot gets exactly one backward value.

    >>> from catlearn.core.types import Euclid
    >>> from catlearn.diagrams.diagram import Box
    >>> from catlearn.diagrams.compiler import to_program
    >>> x = Euclid(1)
    >>> prog = to_program(Box('double', x, x) >> Box('double', x, x))
    >>> env = evaluate(prog, [1.0], lambda i, box, v: [2 * v[0]])
    >>> sweep(prog, env, [1.0], lambda i, box, v, d: [2 * d[0]])
    [4.0]
    """
    back: dict[int, Any] = dict(zip(program.outputs, backs, strict=True))
    instrs = program.instructions
    for i in range(len(instrs) - 1, -1, -1):
        box, ins, outs = instrs[i]
        dxs = put(i, box, [env[s] for s in ins], [back.pop(s, None) for s in outs])
        if dxs is not None:
            for s, d in zip(ins, dxs, strict=True):
                back[s] = d
    return [back.get(s) for s in program.inputs]
