r"""Compile string diagrams by a monoidal functor, through a flat program.

A diagram is first walked once into a :class:`Program`: instructions over numbered wire
**slots**, in topological order. Copy, discard and swap disappear into the wiring (a copied
slot is read several times, a discarded slot is never read, a swap permutes slots); merge
(addition) is an instruction whose box is :class:`~catlearn.diagram.Merge`. The walk is one
loop over the layers: linear time, no recursion, so 10,000-box diagrams are fine.

:func:`compile` then interprets the program in a semantics (``into``), given an arrow for
each box: a **strict monoidal functor** :math:`F` with

.. math::
   F(d_1 \gg d_2) = F(d_1) \gg F(d_2), \qquad F(d_1 \otimes d_2) = F(d_1) \otimes F(d_2),

and :math:`F` preserving copy, discard and swap. Into :class:`~catlearn.para.Para` (Fong,
Spivak, Tuyéras, *Backprop as Functor*) the whole diagram becomes ONE parametrised map whose
parameters are one dict of named groups, one per box (the group name is the box name); the
same box used twice is the same arrow, so its parameters are shared and their gradients add.

Other semantics provide a classmethod ``from_program(program, arrows)``.

Axioms (doctests), for boxes ``f, g`` and their Para arrows:

>>> import jax, jax.numpy as jnp
>>> from catlearn.diagram import Box, Diagram
>>> from catlearn.para import Para
>>> from catlearn.types import Euclid
>>> x = Euclid(2)
>>> f, g = Box('f', x, x), Box('g', x, x)
>>> ar = {f: Para.linear(x, x, name='f'), g: Para.from_function(jnp.tanh, x, x)}
>>> F = lambda d: compile(d, ar)
>>> p = F(f >> g).init(jax.random.key(0))
>>> a = jnp.array([1.0, -2.0])
>>> bool(jnp.all(F(f >> g)(p, a) == (F(f) >> F(g))(p, a)))
True
>>> bool(jnp.all(F(Diagram.copy(x) >> (f @ g))(p, a)[1] == F(g)(p, a)))
True
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax

from catlearn.diagram import Box, Diagram, Merge, _Copy, _Swap
from catlearn.errors import DiagramError, ParamsError, TypeMismatch
from catlearn.para import Para
from catlearn.types import Atom, Ty

__all__ = ["Instruction", "Program", "compile", "para_from_program", "to_program"]


@dataclass(frozen=True)
class Instruction:
    """Apply ``box`` to the slots ``ins`` (one per atom of ``box.dom``) and write its outputs
    into the fresh slots ``outs`` (one per atom of ``box.cod``).

    >>> from catlearn.types import Euclid
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

    >>> from catlearn.diagram import Box, Diagram
    >>> from catlearn.types import Euclid
    >>> x = Euclid(1)
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
        return (f"Program({self.dom} -> {self.cod}; {len(self.instructions)} instructions, "
                f"{len(self.slot_types)} slots)")


def to_program(diagram: Diagram) -> Program:
    """Walk ``diagram`` once into a :class:`Program` (linear time, no recursion).

    Accepts a catlearn :class:`~catlearn.diagram.Diagram` or a ``discopy.markov.Diagram``
    whose wires are catlearn atoms.

    >>> from catlearn.diagram import Box, Diagram, Merge
    >>> from catlearn.types import Euclid
    >>> x = Euclid(1)
    >>> d = Diagram.copy(x) >> (Box('f', x, x) @ x) >> Diagram.swap(x, x) >> Merge(x)
    >>> print(to_program(d))
    program (%0: Euclid(1)) -> Euclid(1):
      %1 = f(%0)
      %2 = merge(%0, %1)
      return %2
    """
    if not isinstance(diagram, Diagram):
        if hasattr(diagram, "inside") and hasattr(diagram, "dom"):
            diagram = Diagram.from_discopy(diagram)
        else:
            raise TypeError(f"Expected a diagram to compile, got {type(diagram).__name__}.")
    slot_types: list[Atom] = list(diagram.dom.inside)
    wires: list[int] = list(range(len(slot_types)))
    inputs = tuple(wires)
    instructions: list[Instruction] = []
    for offset, box in diagram.walk():
        n = len(box.dom)
        ins = wires[offset:offset + n]
        if isinstance(box, _Swap):
            outs = [ins[1], ins[0]]
        elif isinstance(box, _Copy):
            outs = ins * len(box.cod)
        else:
            start = len(slot_types)
            outs = list(range(start, start + len(box.cod)))
            slot_types.extend(box.cod.inside)
            instructions.append(Instruction(box, tuple(ins), tuple(outs)))
        wires[offset:offset + n] = outs
    return Program(diagram.dom, diagram.cod, inputs, tuple(wires), tuple(instructions),
                   tuple(slot_types))


Arrows = Mapping[Any, Any] | Callable[[Any], Any] | None

_DEFAULT_PARA: weakref.WeakKeyDictionary[Box, Para] = weakref.WeakKeyDictionary()


def _lookup(ar: Arrows, box: Any) -> Any:
    if ar is None:
        return None
    if isinstance(ar, Mapping):
        if box in ar:
            return ar[box]
        return ar.get(getattr(box, "name", None))
    if callable(ar):
        return ar(box)
    raise TypeError(f"Expected ar to be a dict from boxes to arrows or a function, got {ar!r}.")


def default_para(box: Box) -> Para | None:
    """The default Para semantics of a box: ``box.spec.to_para(box)`` (the boxes of
    :mod:`catlearn.nn` have one), cached per box so that separate compilations of diagrams
    sharing a box share its parameters. ``None`` when the box has no default.

    >>> from catlearn.types import Euclid
    >>> default_para(Box('f', Euclid(1), Euclid(1))) is None
    True
    """
    try:
        return _DEFAULT_PARA[box]
    except (KeyError, TypeError):
        pass
    if isinstance(box, Merge):
        arrow = Para.merge(box.atom, box.n)
    else:
        make = getattr(box.spec, "to_para", None)
        if make is None:
            return None
        arrow = make(box)
    try:
        _DEFAULT_PARA[box] = arrow
    except TypeError:  # pragma: no cover - boxes that are not weak-referenceable
        pass
    return arrow


def _arrow(box: Any, ar: Arrows, into: type) -> Any:
    arrow = _lookup(ar, box)
    if arrow is None:
        if into is Para:
            arrow = default_para(box)
        elif isinstance(box, Merge) and hasattr(into, "merge"):
            arrow = into.merge(box.atom, box.n)
        elif hasattr(into, "from_box"):
            arrow = into.from_box(box)
    if arrow is None:
        raise DiagramError(
            f"The box {box!r} has no arrow in {into.__name__}: expected ar={{box: arrow}} "
            f"(or ar={{{box.name!r}: arrow}}) to give one, or a box from catlearn.nn, which "
            "carries its own semantics."
        )
    if into is Para and not isinstance(arrow, Para):
        if not callable(arrow):
            raise DiagramError(f"Expected a Para arrow or a function for {box!r}, got {arrow!r}.")
        arrow = Para.from_function(arrow, box.dom, box.cod)
    if getattr(arrow, "dom", box.dom) != box.dom or getattr(arrow, "cod", box.cod) != box.cod:
        raise TypeMismatch(
            f"The arrow given for the box {box!r} goes from {arrow.dom} to {arrow.cod}, but the "
            f"box goes from {box.dom} to {box.cod}. Expected the same types; fix the arrow "
            "or the box."
        )
    return arrow


def compile(diagram: Any, ar: Arrows = None, *, into: type = Para) -> Any:
    r"""The monoidal functor from diagrams to the semantics ``into`` (default Para).

    ``ar`` maps each box (or its name) to its arrow in ``into``: a dict or a function
    returning ``None`` to keep the box's default (the Para semantics carried by
    :mod:`catlearn.nn` boxes; addition for :class:`~catlearn.diagram.Merge`). For Para, a
    plain function ``x -> y`` is accepted as a parameter-free arrow.
    ``diagram`` may also be a :class:`Program` already.

    Functoriality: ``compile(d1 >> d2) == compile(d1) >> compile(d2)`` (same outputs and
    gradients), likewise for ``@``, copy, discard and swap.

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.diagram import Box
    >>> from catlearn.types import Euclid
    >>> sq = Box('square', Euclid(3), Euclid(3))
    >>> compile(sq, {sq: lambda v: v * v})({}, jnp.arange(3.0))
    Array([0., 1., 4.], dtype=float32)
    """
    program = diagram if isinstance(diagram, Program) else to_program(diagram)
    arrows: dict[Any, Any] = {}
    for ins in program.instructions:
        if ins.box not in arrows:
            arrows[ins.box] = _arrow(ins.box, ar, into)
    if into is Para:
        return para_from_program(program, arrows)
    from_program = getattr(into, "from_program", None)
    if from_program is None:
        raise DiagramError(
            f"Expected the semantics {into.__name__} to have a classmethod "
            "from_program(program, arrows); it has none."
        )
    return from_program(program, arrows)


def para_from_program(program: Program, arrows: Mapping[Any, Para]) -> Para:
    r"""Interpret a :class:`Program` as ONE :class:`~catlearn.para.Para` arrow.

    The parameters are the union of the named groups of the arrows (one per box); the same
    arrow used twice contributes its group once, so the uses share it and their gradients
    add. The function runs the instructions in order on a list of slots (a flat loop, so no
    recursion at any depth), freeing each slot after its last read. Stochastic arrows
    each get their own key, split from the one passed in.

    >>> import jax.numpy as jnp
    >>> from catlearn.diagram import Box, Diagram
    >>> from catlearn.types import Euclid
    >>> x = Euclid(1)
    >>> f = Box('f', x, x)
    >>> twice = para_from_program(to_program(Diagram.copy(x) >> (f @ f)),
    ...                           {f: Para.from_function(jnp.exp, x, x)})
    >>> twice({}, jnp.zeros(1))
    (Array([1.], dtype=float32), Array([1.], dtype=float32))
    """
    spec: dict[str, Any] = {}
    owners: dict[str, Any] = {}
    first_box: dict[str, Any] = {}
    n_slots = len(program.slot_types)
    last_read = [-1] * n_slots
    for i, ins in enumerate(program.instructions):
        for s in ins.ins:
            last_read[s] = i
    for s in program.outputs:
        last_read[s] = len(program.instructions)
    frees: list[list[int]] = [[] for _ in program.instructions]
    for s, i in enumerate(last_read):
        if 0 <= i < len(program.instructions):
            frees[i].append(s)
    for i, ins in enumerate(program.instructions):  # outputs nobody reads (discarded)
        frees[i].extend(s for s in ins.outs if last_read[s] == -1)

    steps = []
    n_keys = 0
    for i, ins in enumerate(program.instructions):
        arrow = arrows[ins.box]
        for name, sub in arrow.spec.items():
            owner = arrow._owners[name]
            if name in owners and owners[name] is not owner:
                raise ParamsError(
                    f"Two different boxes both call their parameters {name!r} "
                    f"({first_box[name]!r} and {ins.box!r}). Expected distinct names for "
                    "distinct boxes: rename one (name='...'). The same box used twice shares "
                    "its parameters; that is allowed."
                )
            spec[name], owners[name] = sub, owner
            first_box.setdefault(name, ins.box)
        key_index = n_keys if arrow.stochastic else -1
        n_keys += bool(arrow.stochastic)
        steps.append((arrow._call, ins.ins, ins.outs, arrow.dom, arrow.cod, key_index,
                      tuple(frees[i])))

    dom, cod = program.dom, program.cod
    inputs, outputs = program.inputs, program.outputs
    plain_single = tuple(
        len(d) == 1 and len(c) == 1 for (_, _, _, d, c, _, _) in steps
    )

    def call(params: Any, x: Any, key: Any) -> Any:
        env: list[Any] = [None] * n_slots
        for s, v in zip(inputs, dom.split(x)):
            env[s] = v
        keys = jax.random.split(key, n_keys) if n_keys else None
        for (fn, ins, outs, d, c, k, free), single in zip(steps, plain_single):
            sub = keys[k] if k >= 0 else None
            if single:
                env[outs[0]] = fn(params, env[ins[0]], sub)
            else:
                ys = c.split(fn(params, d.join([env[s] for s in ins]), sub))
                for s, y in zip(outs, ys):
                    env[s] = y
            for s in free:
                env[s] = None
        return cod.join([env[s] for s in outputs])

    return Para._make(dom, cod, spec, owners, call, n_keys > 0)
