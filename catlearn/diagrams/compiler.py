r"""Compile string diagrams by a monoidal functor, through a flat program.

A diagram is first walked once into a :class:`Program`: instructions over numbered wire
**slots**, in topological order. Copy, discard and swap disappear into the wiring (a copied
slot is read several times, a discarded slot is never read, a swap permutes slots); merge
(addition) is an instruction whose box is :class:`~catlearn.diagrams.diagram.Merge`. The walk is one
loop over the layers: linear time, no recursion, so 10,000-box diagrams are fine.

:func:`compile` then interprets the program in a semantics (``into``), given an arrow for
each box: a **strict monoidal functor** :math:`F` with

.. math::
   F(d_1 \gg d_2) = F(d_1) \gg F(d_2), \qquad F(d_1 \otimes d_2) = F(d_1) \otimes F(d_2),

and :math:`F` preserving copy, discard and swap. Into :class:`~catlearn.core.para.Para` (Fong,
Spivak, Tuyéras, *Backprop as Functor*) the whole diagram becomes ONE parametrised map whose
parameters are one dict of named groups, one per box (the group name is the box name); the
same box used twice is the same arrow, so its parameters are shared and their gradients add.

Other semantics provide a classmethod ``from_program(program, arrows)``.

Axioms (doctests), for boxes ``f, g`` and their Para arrows:

>>> import jax, jax.numpy as jnp
>>> from catlearn.diagrams.diagram import Box, Diagram
>>> from catlearn.core.para import Para
>>> from catlearn.core.types import Euclid
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

from collections.abc import Callable, Mapping
from typing import Any

from catlearn import errors
from catlearn.core.para import Para
from catlearn.core.program import Instruction, Program
from catlearn.core.types import Atom
from catlearn.diagrams._naming import name_boxes
from catlearn.diagrams.diagram import Box, Copy, Diagram, Merge, Swap
from catlearn.errors import DiagramError, TypeMismatch

__all__ = ["Instruction", "Program", "compile", "para_from_program", "to_program"]


def to_program(diagram: Diagram) -> Program:
    """Walk ``diagram`` once into a :class:`Program` (linear time, no recursion).

    Accepts a catlearn :class:`~catlearn.diagrams.diagram.Diagram` or a ``discopy.markov.Diagram``
    whose wires are catlearn atoms.

    >>> from catlearn.diagrams.diagram import Box, Diagram, Merge
    >>> from catlearn.core.types import Euclid
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
            raise errors.ArgumentTypeError(
                f"Expected a diagram to compile, got {type(diagram).__name__}; build one with "
                "Box(...) >> Box(...)."
            )
    slot_types: list[Atom] = list(diagram.dom.inside)
    wires: list[int] = list(range(len(slot_types)))
    inputs = tuple(wires)
    instructions: list[Instruction] = []
    for offset, box in diagram.walk():
        n = len(box.dom)
        ins = wires[offset : offset + n]
        if isinstance(box, Swap):
            outs = [ins[1], ins[0]]
        elif isinstance(box, Copy):
            outs = ins * len(box.cod)
        else:
            start = len(slot_types)
            outs = list(range(start, start + len(box.cod)))
            slot_types.extend(box.cod.inside)
            instructions.append(Instruction(box, tuple(ins), tuple(outs)))
        wires[offset : offset + n] = outs
    return Program(
        diagram.dom, diagram.cod, inputs, tuple(wires), tuple(instructions), tuple(slot_types)
    )


Arrows = Mapping[Any, Any] | Callable[[Any], Any] | None


def lookup(ar: Arrows, box: Any) -> Any:
    if ar is None:
        return None
    if isinstance(ar, Mapping):
        if box in ar:
            return ar[box]
        return ar.get(getattr(box, "name", None))
    if callable(ar):
        return ar(box)
    raise errors.ArgumentTypeError(
        f"Expected ar to be a dict from box names to arrows or a function, got {ar!r}; "
        "e.g. ar={'fc': Para.linear(...)}."
    )


def default_para(box: Box) -> Para | None:
    """The default Para semantics of a box: ``box.spec.to_para(box)`` (the boxes of
    :mod:`catlearn.diagrams.nn` have one), owned by the box itself (a value), so that separate
    compilations of diagrams sharing a box share its parameters, with no cache. A spec whose
    arrow reads the parameters of *other* boxes (``spec.reads_other_boxes``: the derivative
    boxes of :mod:`catlearn.diagrams.diff`) keeps their owners. ``None`` when the box has no
    default.

    >>> from catlearn.core.types import Euclid
    >>> default_para(Box('f', Euclid(1), Euclid(1))) is None
    True
    """
    if isinstance(box, Merge):
        return Para.merge(box.atom, box.n)
    make = getattr(box.spec, "to_para", None)
    if make is None:
        return None
    para: Para = make(box)
    return para if getattr(box.spec, "reads_other_boxes", False) else para.owned_by(box)


def _arrow(box: Any, ar: Arrows, into: type) -> Any:
    arrow = lookup(ar, box)
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
            f"(or ar={{{box.name!r}: arrow}}) to give one, or a box from catlearn.diagrams.nn, which "
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


def compile(diagram: Diagram | Program, ar: Arrows = None, *, into: type = Para) -> Any:
    r"""The monoidal functor from diagrams to the semantics ``into`` (default Para).

    ``ar`` maps each box (or its name) to its arrow in ``into``: a dict or a function
    returning ``None`` to keep the box's default (the Para semantics carried by
    :mod:`catlearn.diagrams.nn` boxes; addition for :class:`~catlearn.diagrams.diagram.Merge`). For Para, a
    plain function ``x -> y`` is accepted as a parameter-free arrow.
    ``diagram`` may also be a :class:`Program` already.

    Boxes built without a name (``nn.Linear(4, 8)``) are named here, from the structure of
    the diagram alone: ``{kind}_{i}`` in order of first use (``linear_0``, ``linear_1``, ...),
    skipping the names of named boxes; ``ar`` may give their arrows by box or by that name.
    Two anonymous boxes never share parameters; one box used twice does.

    Functoriality: ``compile(d1 >> d2) == compile(d1) >> compile(d2)`` (same outputs and
    gradients), likewise for ``@``, copy, discard and swap.

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.diagrams.diagram import Box
    >>> from catlearn.core.types import Euclid
    >>> sq = Box('square', Euclid(3), Euclid(3))
    >>> compile(sq, {sq: lambda v: v * v})({}, jnp.arange(3.0))
    Array([0., 1., 4.], dtype=float32)
    """
    program = name_boxes(diagram if isinstance(diagram, Program) else to_program(diagram))
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
    r"""Interpret a :class:`Program` as ONE :class:`~catlearn.core.para.Para` arrow, through
    the one interpreter every arrow kind shares
    (:meth:`~catlearn.core.para.Para.from_program`).

    The parameters are the union of the named groups of the arrows (one per box); the same
    arrow used twice contributes its group once, so the uses share it and their gradients
    add. The instructions run in order on a list of slots (a flat loop, so no recursion at
    any depth). Stochastic arrows each get their own key, split from the one passed in.

    Repeated blocks compile in constant time when their parameters are stored stacked:
    :func:`catlearn.diagrams.nn.Repeat` is a box whose semantics is one ``lax.scan``. (An
    automatic scan over repeats with one parameter group per box was measured slower to
    compile than the unrolled chain on XLA CPU, because unstacking N groups costs N distinct
    slice kernels in the gradient, and was removed.)

    >>> import jax.numpy as jnp
    >>> from catlearn.diagrams.diagram import Box, Diagram
    >>> from catlearn.core.types import Euclid
    >>> x = Euclid(1)
    >>> f = Box('f', x, x)
    >>> twice = para_from_program(to_program(Diagram.copy(x) >> (f @ f)),
    ...                           {f: Para.from_function(jnp.exp, x, x)})
    >>> twice({}, jnp.zeros(1))
    (Array([1.], dtype=float32), Array([1.], dtype=float32))
    """
    return Para.from_program(program, arrows)
