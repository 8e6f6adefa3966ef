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

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from catlearn import errors
from catlearn.core.para import Para
from catlearn.core.program import Instruction, Program
from catlearn.core.types import Atom
from catlearn.diagrams.diagram import Box, Copy, Diagram, Merge, Swap
from catlearn.errors import DiagramError, ParamsError, TypeMismatch

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

_DEFAULT_PARA: weakref.WeakKeyDictionary[Box, Para] = weakref.WeakKeyDictionary()


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
    :mod:`catlearn.diagrams.nn` have one), cached per box so that separate compilations of diagrams
    sharing a box share its parameters. ``None`` when the box has no default.

    >>> from catlearn.core.types import Euclid
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


def compile(diagram: Any, ar: Arrows = None, *, into: type = Para) -> Any:
    r"""The monoidal functor from diagrams to the semantics ``into`` (default Para).

    ``ar`` maps each box (or its name) to its arrow in ``into``: a dict or a function
    returning ``None`` to keep the box's default (the Para semantics carried by
    :mod:`catlearn.diagrams.nn` boxes; addition for :class:`~catlearn.diagrams.diagram.Merge`). For Para, a
    plain function ``x -> y`` is accepted as a parameter-free arrow.
    ``diagram`` may also be a :class:`Program` already.

    Functoriality: ``compile(d1 >> d2) == compile(d1) >> compile(d2)`` (same outputs and
    gradients), likewise for ``@``, copy, discard and swap.

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.diagrams.diagram import Box
    >>> from catlearn.core.types import Euclid
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


def para_from_program(
    program: Program, arrows: Mapping[Any, Para], *, scan_min: int | None = None
) -> Para:
    r"""Interpret a :class:`Program` as ONE :class:`~catlearn.core.para.Para` arrow.

    The parameters are the union of the named groups of the arrows (one per box); the same
    arrow used twice contributes its group once, so the uses share it and their gradients
    add. The function runs the instructions in order on a list of slots (a flat loop, so no
    recursion at any depth), freeing each slot after its last read. Stochastic arrows
    each get their own key, split from the one passed in.

    **Repeated blocks (experimental, off by default).** With ``scan_min=k``, when the
    program repeats one block (a run of instructions from one wire to one wire, e.g.
    ``Linear >> relu``) at least ``k`` times in a row, the repeats run as ONE
    ``jax.lax.scan`` over the block's parameters stacked along a new axis: the traced
    program (jaxpr) no longer grows with depth. Parameters stay one named group per box
    (stacked inside the function; gradients flow back to each group). Two boxes are
    repeats of each other when they are :mod:`catlearn.diagrams.nn` boxes with equal specs and
    types, or use the very same arrow.

    Why it is off: the cost is the unstacking, not the scan. Measured on this project's
    2-core CPU (jax 0.10.2, XLA CPU), ``jax.jit(jax.value_and_grad(loss)).lower(p).compile()``
    of ``Linear(32, 32) >> relu`` repeated ``N`` times, batch 64 (XLA compile / step time):

    ====  ==================  ==================  =============================
    N     unrolled            scan_min=4          hand-written, stacked params
    ====  ==================  ==================  =============================
    50    0.3 s / 1.7 ms      3.1 s / 1.6 ms      0.9 s / 1.6 ms
    100   0.7 s / 4.7 ms      7.8 s / 5.9 ms      0.5 s / 2.7 ms
    200   1.7 s / 20 ms       15 s / 12 ms        1.0 s / 4.5 ms
    ====  ==================  ==================  =============================

    (tracing + lowering: unrolled 0.4/0.8/1.6 s, scan 0.1-0.4 s, hand-written 0.1 s.) XLA CPU
    compiles one LLVM kernel per *distinct* fusion (about 30-40 ms each here) and reuses the
    kernel of identical fusions: the unrolled chain's layers all fuse identically, so its
    kernels are compiled once. Stacking ``N`` named groups is one concatenate per leaf (one
    kernel), but its transpose in the gradient is ``N`` slices per leaf, each a distinct
    kernel (the slice offset is a compile-time constant; ``jnp.split``, ``dynamic_slice``
    and ``optimization_barrier`` on the indices all end up the same, XLA folds the indices
    back in), so compile time grows linearly with a large constant: ``jit(grad)`` of the
    stacking alone, with no scan, takes 18 s at ``N = 200`` and 2 distinct constants in 200
    elementwise multiplications take 6 s where 200 equal ones take 0.1 s. A JAX expert's
    version, with the parameters *stored* stacked (one group with a leading axis), has no
    unstacking and compiles in constant time. So with one named group per box, which is
    catlearn's parameter structure, the scan cannot beat the unrolled chain on XLA CPU; a
    diagram that wants the scan must opt into stacked parameters (one group for the repeats):
    that is :func:`catlearn.diagrams.nn.Repeat`, a box whose parameters are stored stacked and whose
    semantics is one ``lax.scan``.

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
    if not scan_min:  # the one interpreter of every arrow kind
        return Para.from_program(program, arrows)
    spec: dict[str, Any] = {}
    owners: dict[str, Any] = {}
    first_box: dict[str, Any] = {}
    instrs = program.instructions
    n, n_slots = len(instrs), len(program.slot_types)
    last_read = [-1] * n_slots
    for i, ins in enumerate(instrs):
        for s in ins.ins:
            last_read[s] = i
    for s in program.outputs:
        last_read[s] = n
    frees: list[list[int]] = [[] for _ in instrs]
    for s, i in enumerate(last_read):
        if 0 <= i < n:
            frees[i].append(s)
    for i, ins in enumerate(instrs):  # outputs nobody reads (discarded)
        frees[i].extend(s for s in ins.outs if last_read[s] == -1)

    arrow_of = [arrows[ins.box] for ins in instrs]
    for ins, arrow in zip(instrs, arrow_of):
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

    segments = _find_repeats(program, arrow_of, last_read, scan_min) if scan_min else []
    steps: list[Callable[[list[Any], Any, Any], None]] = []
    n_keys = 0
    i = 0
    for start, length, count, cin, cout, out_first in [*segments, (n, 0, 0, 0, 0, 0)]:
        while i < start:
            arrow = arrow_of[i]
            key_index = n_keys if arrow.stochastic else -1
            n_keys += bool(arrow.stochastic)
            steps.append(_op_step(arrow, instrs[i], key_index, tuple(frees[i])))
            i += 1
        if count:
            end = start + length * count
            free = tuple(s for j in range(start, end) for s in frees[j])
            steps.append(
                _scan_step(instrs, arrow_of, start, length, count, cin, cout, out_first, free)
            )
            i = end

    dom, cod = program.dom, program.cod
    inputs, outputs = program.inputs, program.outputs

    def call(params: Any, x: Any, key: Any) -> Any:
        env: list[Any] = [None] * n_slots
        for s, v in zip(inputs, dom.split(x)):
            env[s] = v
        keys = jax.random.split(key, n_keys) if n_keys else None
        for step in steps:
            step(env, params, keys)
        return cod.join([env[s] for s in outputs])

    return Para._make(dom, cod, spec, owners, call, n_keys > 0)


def _op_step(
    arrow: Para, ins: Instruction, key_index: int, free: tuple[int, ...]
) -> Callable[[list[Any], Any, Any], None]:
    fn, d, c, i, o = arrow._call, arrow.dom, arrow.cod, ins.ins, ins.outs
    if len(d) == 1 and len(c) == 1:
        (i0,), (o0,) = i, o

        def step(env: list[Any], params: Any, keys: Any) -> None:
            env[o0] = fn(params, env[i0], keys[key_index] if key_index >= 0 else None)
            for s in free:
                env[s] = None
    else:

        def step(env: list[Any], params: Any, keys: Any) -> None:
            sub = keys[key_index] if key_index >= 0 else None
            for s, y in zip(o, c.split(fn(params, d.join([env[s] for s in i]), sub))):
                env[s] = y
            for s in free:
                env[s] = None

    return step


# --- repeated blocks as lax.scan ---------------------------------------------------------------


def _kind(box: Any, arrow: Para) -> Any:
    """A key equal for two instructions that compute the same function of (params, x)."""
    if arrow.stochastic or len(arrow.spec) > 1:
        return None
    if not arrow.spec:
        return ("free", id(arrow))
    if hasattr(box.spec, "to_para") and _DEFAULT_PARA.get(box) is arrow:
        return ("spec", type(box), box.spec, box.dom, box.cod)
    return ("arrow", id(arrow))


def _block(
    instrs: Sequence[Instruction],
    kinds: list[Any],
    last_read: list[int],
    producer: dict[int, tuple[int, int]],
    s: int,
    length: int,
) -> Any:
    """``(signature, input slot, output slot)`` of instructions ``[s, s + length)`` when
    they form a block from one wire to one wire, else ``None``."""
    end = s + length
    cin = None
    sig = []
    produced: list[int] = []
    for j in range(s, end):
        ins = instrs[j]
        if kinds[j] is None:
            return None
        mapped = []
        for slot in ins.ins:
            src = producer.get(slot)
            if src is not None and s <= src[0] < end:
                mapped.append((src[0] - s, src[1]))
            elif cin is None or slot == cin:
                cin = slot
                mapped.append(-1)
            else:
                return None
        sig.append((kinds[j], tuple(mapped), len(ins.outs)))
        produced.extend(ins.outs)
    if cin is None:
        return None
    outs = [slot for slot in produced if last_read[slot] >= end]
    if len(outs) != 1:
        return None
    return tuple(sig), cin, outs[0]


def _find_repeats(
    program: Program, arrow_of: list[Para], last_read: list[int], scan_min: int, max_len: int = 32
) -> list[tuple[int, ...]]:
    """Maximal runs of one block repeated ``>= scan_min`` times in a row, chaining output to
    input (one left-to-right pass): ``(start, block length, repeats, input slot, output slot,
    output slot of the first repeat)``."""
    instrs = program.instructions
    n = len(instrs)
    if n < scan_min:
        return []
    kinds = [_kind(ins.box, a) for ins, a in zip(instrs, arrow_of)]
    producer = {slot: (j, k) for j, ins in enumerate(instrs) for k, slot in enumerate(ins.outs)}
    types = program.slot_types
    segments = []
    i = 0
    while i < n:
        best = None
        if kinds[i] is not None:
            for length in range(1, max_len + 1):
                if i + length * scan_min > n:
                    break
                if kinds[i + length] != kinds[i] or (best and length % best[0] == 0):
                    continue
                first = _block(instrs, kinds, last_read, producer, i, length)
                if first is None or types[first[1]] != types[first[2]]:
                    continue
                sig, out, count = first[0], first[2], 1
                while i + (count + 1) * length <= n:
                    nxt = _block(instrs, kinds, last_read, producer, i + count * length, length)
                    if (
                        nxt is None
                        or nxt[0] != sig
                        or nxt[1] != out
                        or last_read[out] >= i + (count + 1) * length
                    ):
                        break
                    out, count = nxt[2], count + 1
                if count >= scan_min and (best is None or count * length > best[0] * best[1]):
                    best = (length, count, first[1], out, first[2])
        if best:
            segments.append((i, *best))
            i += best[0] * best[1]
        else:
            i += 1
    return segments


def _scan_step(
    instrs: Sequence[Instruction],
    arrow_of: list[Para],
    start: int,
    length: int,
    count: int,
    cin: int,
    cout: int,
    out_first: int,
    free: tuple[int, ...],
) -> Callable[[list[Any], Any, Any], None]:
    first = instrs[start : start + length]
    producer = {slot: (t, k) for t, ins in enumerate(first) for k, slot in enumerate(ins.outs)}
    cout_rel = producer[out_first]
    body_ops = []
    for t, ins in enumerate(first):
        arrow = arrow_of[start + t]
        srcs = tuple(producer.get(s, -1) for s in ins.ins)
        name = next(iter(arrow.spec), None)
        body_ops.append((arrow._call, arrow.dom, arrow.cod, srcs, name))
    groups = [
        [next(iter(arrow_of[start + r * length + t].spec), None) for r in range(count)]
        for t in range(length)
    ]

    def body(carry: Any, ps: Any) -> tuple[Any, None]:
        local: dict[Any, Any] = {-1: carry}
        for t, (fn, d, c, srcs, name) in enumerate(body_ops):
            p = {} if name is None else {name: ps[t]}
            y = fn(p, d.join([local[src] for src in srcs]), None)
            for k, v in enumerate(c.split(y)):
                local[(t, k)] = v
        return local[cout_rel], None

    def step(env: list[Any], params: Any, keys: Any) -> None:
        # the first repeat runs as is (it fixes the carry's dtype), the others in one scan
        carry, _ = body(env[cin], tuple(None if g[0] is None else params[g[0]] for g in groups))
        stacked = tuple(
            None
            if names[0] is None
            else jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[params[g] for g in names[1:]])
            for names in groups
        )
        env[cout], _ = jax.lax.scan(body, carry, stacked)
        for s in free:
            env[s] = None

    return step
