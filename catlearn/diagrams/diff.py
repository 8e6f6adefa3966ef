r"""Diagrammatic differentiation: the derivative of a diagram along a box, as a diagram.

For a box :math:`f` whose arrow :math:`F(f) = (P_f, f_\theta)` has parameters
:math:`\theta \in P_f`, and a diagram :math:`d` in which :math:`f` occurs :math:`k` times
(occurrences :math:`f_1, \dots, f_k`, all sharing :math:`\theta`), :func:`diff` returns the
diagram :math:`\partial_f d : \mathrm{dom}(d) \to \mathrm{cod}(d)` with

.. math::
   F(\partial_f d)(\theta, v, x) = \frac{d}{d\varepsilon}\Big|_{\varepsilon=0}
   F(d)(\theta + \varepsilon v, x) = \mathrm{jvp}\big(F(d)(\cdot, x), \theta, v\big),

the tangent of the diagram's output along the direction :math:`v \in P_f`. It is built by
the product (Leibniz) rule over the occurrences (Toumi, Yeung, de Felice, *Diagrammatic
differentiation for quantum machine learning*, 2021):

.. math::
   \partial_f d = \sum_{i=1}^k d[f_i \mapsto \partial f],

the sum being the :class:`~catlearn.diagrams.diagram.Merge` box (after copying the input),
where term :math:`i` is :math:`d` with occurrence :math:`f_i` replaced by the **derivative
box** :math:`\partial f : \mathrm{dom}(f) \to \mathrm{cod}(f)`. Its meaning:

.. math::
   F(\partial f)(\theta, v, a) = \frac{d}{d\varepsilon}\Big|_0 f_{\theta + \varepsilon v}(a)
   \quad (\text{the tangent of } f\text{'s output along } v),

a Para arrow with the groups of :math:`f` (shared with :math:`f`'s other occurrences) and
one more group ``'∂f'`` holding :math:`v` (shaped like :math:`\theta`; for a box with
several groups, a dict of them). For boxes linear in their inputs, term :math:`i` is literally
:math:`d` with :math:`\partial f` in place; for non-linear ones (``tanh``, affine maps) the
paper's chain rule applies: here each box :math:`g` *after* :math:`\partial f`
on a path to the output is replaced by its **pushforward** :math:`Dg : \mathrm{dom}(g)
\otimes T \to \mathrm{cod}(g)`, :math:`Dg(a, t) = \mathrm{jvp}(g_\theta, a, t)` (its
derivative in the inputs that carry a tangent, at the primal inputs, which are copied from
the primal wires); for a linear box such as :class:`Merge`, :math:`Dg` is :math:`g` itself on
the tangents. Outputs no occurrence reaches get the zero box ``0``.

Semantics reach ``compile`` through the boxes' specs: boxes with a default Para
semantics (:mod:`catlearn.diagrams.nn`) need nothing, ``compile(diff(d, f))`` works; for
arrows given by ``ar``, compile with ``compile(diff(d, f), derivative_ar(ar))``.

>>> import jax, jax.numpy as jnp
>>> from catlearn.diagrams import nn
>>> from catlearn.diagrams.compiler import compile
>>> f = nn.Linear(2, 2, name='f')
>>> d = f >> nn.tanh(2) >> f
>>> dd = diff(d, f)
>>> [b.name for b in dd.boxes if b.name[0] in '∂D']
['∂f', 'Dtanh', 'Df', '∂f']
>>> p = compile(d).init(jax.random.key(0))
>>> v = jax.tree_util.tree_map(jnp.ones_like, p['f'])
>>> x = jnp.array([0.5, -1.0])
>>> ours = compile(dd)({**p, '∂f': v}, x)
>>> ref = jax.jvp(lambda t: compile(d)({'f': t}, x), (p['f'],), (v,))[1]
>>> bool(jnp.allclose(ours, ref, atol=1e-6))
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from catlearn import errors
from catlearn.core.para import Para
from catlearn.core.types import Atom, Euclid, Ty
from catlearn.diagrams._naming import name_boxes
from catlearn.diagrams.compiler import Arrows, compile, to_program
from catlearn.diagrams.diagram import Box, Diagram, Merge, chain
from catlearn.errors import DiagramError

__all__ = ["DerivativeSpec", "TangentSpec", "ZeroSpec", "derivative", "derivative_ar", "diff"]

Key = Hashable


# --- the boxes and their semantics -----------------------------------------------------------


@dataclass(frozen=True)
class DerivativeSpec:
    """Spec of the derivative box ``∂f``: the tangent of ``f``'s output along its parameters."""

    base: Box
    reads_other_boxes: ClassVar[bool] = True  # the groups of f stay f's (compile keeps them)

    def to_para(self, box: Box) -> Para:
        """The Para arrow of ``∂f`` from the default semantics of ``f``."""
        return derivative_para(_default(self.base), box)


@dataclass(frozen=True)
class TangentSpec:
    """Spec of the pushforward box ``Dg``: ``(a, t) -> jvp(g, a, t)`` for the inputs in
    ``mask`` (the others have a zero tangent)."""

    base: Box
    mask: tuple[bool, ...]
    reads_other_boxes: ClassVar[bool] = True  # the groups of g stay g's (compile keeps them)

    def to_para(self, box: Box) -> Para:
        """The Para arrow of ``Dg`` from the default semantics of ``g``."""
        return tangent_para(_default(self.base), box, self.mask)


@dataclass(frozen=True)
class ZeroSpec:
    """Spec of the zero state ``0 : Ty() -> atom`` (the tangent of an output no occurrence
    of the box reaches)."""

    def to_para(self, box: Box) -> Para:
        """The constant zero."""
        shape = box.cod.inside[0].shape
        return Para.from_function(lambda x: jnp.zeros(shape), box.dom, box.cod)


def _default(base: Box) -> Para:
    try:
        para: Para = compile(base)
        return para
    except DiagramError as e:
        raise DiagramError(
            f"{e} The derivative diagram refers to {base!r}, which has no default semantics: "
            "compile it with compile(diff(d, f), derivative_ar(ar)) to use the arrows of ar."
        ) from None


def derivative(box: Box) -> Box:
    """The derivative box ``∂f : dom(f) -> cod(f)`` (see the module docstring).

    >>> from catlearn.diagrams import nn
    >>> derivative(nn.Linear(2, 3, name='f'))
    Box('∂f': Euclid(2) -> Euclid(3))
    """
    return Box(f"∂{box.name}", box.dom, box.cod, DerivativeSpec(box))


def _tangent_box(box: Box, mask: tuple[bool, ...]) -> Box:
    extra = Ty(*[a for a, m in zip(box.dom.inside, mask) if m])
    return Box(f"D{box.name}", box.dom @ extra, box.cod, TangentSpec(box, mask))


def _zero(atom: Atom) -> Box:
    return Box("0", Ty(), atom, ZeroSpec())


def derivative_para(base: Para, box: Box) -> Para:
    r"""``F(∂f)``: :math:`(\theta, v, a) \mapsto \mathrm{jvp}(f_{(\cdot)}(a), \theta, v)`, with
    the groups of ``base`` (shared with ``f``) and the group ``box.name`` holding ``v``."""
    if not base.spec:
        raise DiagramError(
            f"Expected a box with parameters to differentiate along, got {box.spec.base!r}, "  # type: ignore[attr-defined]
            "whose arrow has none (its derivative is zero)."
        )
    groups = tuple(base.spec)
    name = box.name
    vspec = base.spec[groups[0]] if len(groups) == 1 else dict(base.spec)
    inner = base.call

    def call(params: Any, x: Any, key: Any) -> Any:
        theta = {g: params[g] for g in groups}
        v = {groups[0]: params[name]} if len(groups) == 1 else params[name]
        return jax.jvp(lambda th: inner(th, x, key), (theta,), (v,))[1]

    return Para.from_call(
        call, box.dom, box.cod, spec=vspec, name=name, stochastic=base.stochastic, shares=base
    )


def tangent_para(base: Para, box: Box, mask: tuple[bool, ...]) -> Para:
    r"""``F(Dg)``: :math:`(a, t) \mapsto \mathrm{jvp}(g_\theta, a, t)`, the tangents of the
    inputs outside ``mask`` being zero; the parameters are ``g``'s (shared)."""
    dom, n, inner = base.dom, len(base.dom), base.call

    def call(params: Any, x: Any, key: Any) -> Any:
        xs = box.dom.split(x)
        primal, extra = tuple(xs[:n]), iter(xs[n:])
        tangents = tuple(next(extra) if m else jnp.zeros_like(a) for a, m in zip(primal, mask))
        return jax.jvp(lambda *a: inner(params, dom.join(a), key), primal, tangents)[1]

    return Para.from_call(call, box.dom, base.cod, stochastic=base.stochastic, shares=base)


def derivative_ar(ar: Arrows) -> Callable[[Box], Any]:
    """Arrows for ``compile`` of a derivative diagram whose boxes take their arrows from
    ``ar`` (a dict from boxes or names to arrows, or a function, as for ``compile``).

    >>> import jax.numpy as jnp
    >>> from catlearn.core.para import ParamSpec
    >>> from catlearn.core.types import Euclid
    >>> x = Euclid(1)
    >>> f = Box('f', x, x)
    >>> scale = Para(x, x, {'s': ParamSpec(())}, lambda p, a: p['s'] * a, name='f')
    >>> F = compile(diff(f >> f, f), derivative_ar({'f': scale}))
    >>> F({'f': {'s': 3.0}, '∂f': {'s': 1.0}}, jnp.ones(1))  # d(s^2)/ds = 2s
    Array([6.], dtype=float32)
    """

    def lookup(box: Box) -> Any:
        spec = getattr(box, "spec", None)
        if isinstance(spec, DerivativeSpec):
            return derivative_para(compile(spec.base, ar), box)
        if isinstance(spec, TangentSpec):
            return tangent_para(compile(spec.base, ar), box, spec.mask)
        if ar is None:
            return None
        if isinstance(ar, Mapping):
            return ar[box] if box in ar else ar.get(box.name)
        return ar(box)

    return lookup


# --- the derivative diagram ------------------------------------------------------------------

Instr = tuple[Box, tuple[Key, ...], tuple[Key, ...]]


def diff(diagram: Diagram, box: Box) -> Diagram:
    r""":math:`\partial_f d`, the derivative of ``diagram`` along the parameters of ``box``
    (see the module docstring): a sum (:class:`Merge`) over the occurrences of ``box``, one term
    per occurrence with the derivative box in its place.

    >>> from catlearn.diagrams import nn
    >>> f = nn.Linear(2, 2, name='f')
    >>> diff(f, f).boxes
    [Box('∂f': Euclid(2) -> Euclid(2))]
    >>> diff(f @ f, f).cod
    Euclid(2) @ Euclid(2)
    """
    if not isinstance(diagram, Diagram) or not isinstance(box, Box):
        raise errors.ArgumentTypeError(f"Expected diff(diagram, box), got {diagram!r} and {box!r}.")
    prog = name_boxes(to_program(diagram))  # anonymous boxes named as compile names them
    occurrences = [i for i, ins in enumerate(prog.instructions) if ins.box == box]
    primal: list[Instr] = [
        (ins.box, tuple(("p", s) for s in ins.ins), tuple(("p", s) for s in ins.outs))
        for ins in prog.instructions
    ]
    inputs = [("p", s) for s in prog.inputs]
    terms = []
    choices: list[int | None] = [*occurrences] if occurrences else [None]
    for i in choices:
        instrs: list[Instr] = list(primal)
        tangent: dict[int, Key] = {}
        if i is not None:
            instrs = list(primal[: i + 1])
            occ = prog.instructions[i]
            instrs.append((derivative(occ.box), primal[i][1], tuple(("t", s) for s in occ.outs)))
            tangent.update((s, ("t", s)) for s in occ.outs)
            for j in range(i + 1, len(prog.instructions)):
                instrs.append(primal[j])
                _push(prog.instructions[j], primal[j], tangent, instrs)
        outputs: list[Key] = []
        for j, s in enumerate(prog.outputs):
            if s in tangent:
                outputs.append(tangent[s])
            else:
                atom = prog.slot_types[s]
                instrs.append((_zero(atom), (), (("z", j),)))
                outputs.append(("z", j))
        terms.append(_diagram_of(prog.dom, inputs, _live(instrs, outputs), outputs))
    if len(terms) == 1:
        return terms[0]
    n = len(terms)
    return Diagram.copy(prog.dom, n) >> terms[0].tensor(*terms[1:]) >> Diagram.merge(prog.cod, n)


def _push(ins: Any, primal: Instr, tangent: dict[int, Key], instrs: list[Instr]) -> None:
    """Append the pushforward of one instruction when a tangent reaches its inputs."""
    mask = tuple(s in tangent for s in ins.ins)
    if not any(mask):
        return
    for a, m in zip(ins.box.dom.inside, mask):
        if m and not isinstance(a, Euclid):
            raise DiagramError(
                f"Expected real (Euclid) wires on the path of a tangent, but {ins.box!r} "
                f"reads a tangent on the wire {a}, which has no derivative."
            )
    outs = tuple(("t", s) for s in ins.outs)
    if isinstance(ins.box, Merge):  # linear: its pushforward is itself, on the tangents
        ts = tuple(tangent[s] for s, m in zip(ins.ins, mask) if m)
        if len(ts) == 1:
            tangent[ins.outs[0]] = ts[0]
            return
        instrs.append((Merge(ins.box.atom, len(ts)), ts, outs))
    else:
        ts = tuple(tangent[s] for s, m in zip(ins.ins, mask) if m)
        instrs.append((_tangent_box(ins.box, mask), primal[1] + ts, outs))
    tangent.update(zip(ins.outs, outs))


def _live(instrs: Sequence[Instr], outputs: Sequence[Key]) -> list[Instr]:
    """Dead-code elimination: the instructions some output depends on, in order."""
    needed = set(outputs)
    keep = []
    for box, ins, outs in reversed(instrs):
        if needed.intersection(outs):
            keep.append((box, ins, outs))
            needed.update(ins)
    return keep[::-1]


def _diagram_of(
    dom: Ty, inputs: Sequence[Key], instrs: Sequence[Instr], outputs: Sequence[Key]
) -> Diagram:
    """The diagram of straight-line code over named wires: copies for wires read several
    times, swaps to bring each box's inputs together, discards for wires never read."""
    atom: dict[Key, Atom] = dict(zip(inputs, dom.inside))
    for box, _, outs in instrs:
        atom.update(zip(outs, box.cod.inside))
    uses: Counter[Key] = Counter(k for _, ins, _ in instrs for k in ins)
    uses.update(outputs)
    wires: list[Key] = list(inputs)
    layers: list[Diagram] = []

    def at(i: int, d: Diagram) -> None:
        left = Ty(*[atom[k] for k in wires[:i]])
        right = Ty(*[atom[k] for k in wires[i + len(d.dom) :]])
        layers.append(Diagram.id(left) @ d @ Diagram.id(right))

    def drop_dead() -> None:
        i = 0
        while i < len(wires):
            if uses[wires[i]] == 0:
                at(i, Diagram.discard(atom[wires[i]]))
                del wires[i]
            else:
                i += 1

    def take(k: Key, taken: int) -> None:  # a wire carrying k to the right end
        free = len(wires) - taken
        i = max(j for j in range(free) if wires[j] == k)
        uses[k] -= 1
        if uses[k] > 0:
            at(i, Diagram.copy(atom[k]))
            wires.insert(i, k)
            i += 1
        while i < len(wires) - 1:
            at(i, Diagram.swap(atom[wires[i]], atom[wires[i + 1]]))
            wires[i], wires[i + 1] = wires[i + 1], wires[i]
            i += 1

    drop_dead()
    for box, ins, outs in instrs:
        for t, k in enumerate(ins):
            take(k, t)
        start = len(wires) - len(ins)
        at(start, box)
        wires[start:] = list(outs)
        drop_dead()
    for t, k in enumerate(outputs):
        take(k, t)
    return chain(Diagram.id(dom), *layers)
