r"""The category protocol: what a new kind of arrow implements, and what it gets for free.

Every kind of arrow in catlearn (:class:`~catlearn.core.para.Para`,
:class:`~catlearn.core.lens.Lens`, :class:`~catlearn.core.lens.ParaLens`,
:class:`~catlearn.core.learner.Learner`, the Markov kernels, samplers, Boolean circuits)
subclasses :class:`Composable` and composes the same way: ``f >> g`` and ``f @ g`` build a
**node** referring to the parts (:class:`Then`, :class:`Tensor`; :class:`Wiring` for
identities, swaps, copies and discards; :class:`Inline` for a
:class:`~catlearn.core.program.Program` run with given arrows), in O(1) per part; the first time
a composite runs, :func:`flatten` walks it once (no recursion) into one flat
:class:`~catlearn.core.program.Program` of :class:`~catlearn.core.program.Instruction` s over
numbered wire slots, and the kind reads its semantics from that program with the one
interpreter loop, :func:`~catlearn.core.program.evaluate` (forwards), and
:func:`~catlearn.core.program.sweep` (backwards, for lenses and learners). This module is the
public home of that protocol; the names are the very objects the library's own kinds use.

**Recipe: a new kind of arrow.** Subclass :class:`Composable` (listing it among the class's
bases makes the class a *kind*; its subclasses compose with it) and provide

1. ``dom`` and ``cod`` (wire types, :class:`~catlearn.core.types.Ty`) and ``_node`` on every
   arrow: ``None`` for a **box** of the kind (a primitive carrying its own data), the node for
   a composite;
2. ``_composite(node, dom, cod, parts)``, a classmethod: the arrow for a node (check eagerly
   what must be checked, in O(1) amortised);
3. the semantics of a composite, read from ``flatten(arrow)``: the value of each box on its
   input slots, run by :func:`~catlearn.core.program.evaluate` (and, with a backward pass,
   by :func:`~catlearn.core.program.sweep`); build it once and cache it on the composite;
4. optionally ``_copy_is_wiring = True`` when copying a wire is a mere second read (no
   backward pass has to sum the copies).

It then gets ``id``, ``swap``, ``then(*many)``, ``tensor(*many)``, ``>>``, ``@`` (a bare
type beside an arrow stands for its identity) and ``from_program(program, arrows)``, hence
``catlearn.diagrams.compiler.compile(diagram, ar, into=TheKind)``.

A tiny kind end to end: affine maps :math:`x \mapsto a x + b` on scalar wires, whose
composite runs its flat program:

>>> from catlearn.core.category import Composable, evaluate, flatten
>>> from catlearn.core.types import Euclid
>>> R = Euclid(1)
>>> class Affine(Composable):
...     _copy_is_wiring = True
...     def __init__(self, a, b, dom=R, cod=R, node=None):
...         self.a, self.b, self.dom, self.cod, self._node = a, b, dom, cod, node
...     @classmethod
...     def _composite(cls, node, dom, cod, parts):
...         return cls(None, None, dom, cod, node)
...     def __call__(self, *xs):                  # one value per input wire
...         if self._node is None:                # a box: its own semantics
...             return (self.a * xs[0] + self.b,)
...         program = flatten(self)               # a composite: the one interpreter
...         env = evaluate(program, xs, lambda i, box, v: box(*v))
...         return tuple(env[s] for s in program.outputs)
>>> f, g, h = Affine(2.0, 1.0), Affine(3.0, 0.0), Affine(1.0, -1.0)
>>> (f >> g)(1.0)                             # 3 * (2 * 1 + 1)
(9.0,)
>>> (f @ g)(1.0, 1.0), (f @ R)(1.0, 5.0)       # side by side; a type is its identity
((3.0, 3.0), (3.0, 5.0))
>>> Affine.swap(R, R)(1.0, 2.0), Affine.id(R)(4.0)
((2.0, 1.0), (4.0,))
>>> print(flatten((f >> g) @ h))
program (%0: Euclid(1), %1: Euclid(1)) -> Euclid(1) @ Euclid(1):
  %2 = Affine(%0)
  %3 = Affine(%2)
  %4 = Affine(%1)
  return %3, %4

Associativity and unitality hold on the nose: the bracketings flatten to the same program.

>>> flatten((f >> g) >> h) == flatten(f >> (g >> h)) == flatten(f.then(g, h))
True
>>> flatten(Affine.id(R) >> f) == flatten(f >> Affine.id(R)) == flatten(f.then())
True

The library's kinds follow the same recipe; :class:`~catlearn.core.para.Para` adds named
parameter groups, and areas that build Para boxes from other arrows use its public
constructor :meth:`~catlearn.core.para.Para.from_call`.
"""

from __future__ import annotations

from catlearn.core._category import BoxParams as BoxParams
from catlearn.core._category import Composable as Composable
from catlearn.core._category import Inline as Inline
from catlearn.core._category import Node as Node
from catlearn.core._category import Tensor as Tensor
from catlearn.core._category import Then as Then
from catlearn.core._category import Wiring as Wiring
from catlearn.core._category import assemble as assemble
from catlearn.core._category import flatten as flatten
from catlearn.core._category import node_boxes as node_boxes
from catlearn.core._pytree_arrow import PytreeArrow as PytreeArrow
from catlearn.core.program import Instruction as Instruction
from catlearn.core.program import Program as Program
from catlearn.core.program import evaluate as evaluate
from catlearn.core.program import sweep as sweep

__all__ = [
    "BoxParams",
    "Composable",
    "Inline",
    "Instruction",
    "Node",
    "Program",
    "PytreeArrow",
    "Tensor",
    "Then",
    "Wiring",
    "assemble",
    "evaluate",
    "flatten",
    "node_boxes",
    "sweep",
]
