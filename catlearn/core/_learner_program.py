r"""A flat program interpreted in Learn (private helper of :meth:`Learner.from_program`).

The implementation runs the instructions forward, as for Para. The update and request run
them backward (Fong, Spivak, Tuyéras, *Backprop as Functor*): each instruction's learner
receives its inputs and a target for its outputs, returns new values for its parameter
groups and a request for its inputs. Two things the sequential and parallel composites of
learners cannot express are resolved by the same rule, the image under
:math:`L_{\varepsilon, e}` of the diagonal for the error :math:`e = \tfrac12 (x - y)^2`:

* a wire read by several boxes (a copy) gets the target
  :math:`a + \sum_i (b_i - a)` from the requests :math:`b_i` of its readers (one reader: its
  request; none: :math:`a` itself, no change asked);
* a box used several times (a shared parameter group, the diagonal on :math:`P`) gets the
  update :math:`p + \sum_i (p_i - p)` from its uses' updates :math:`p_i`.

For gradient learners (:func:`~catlearn.core.learner.gradient_learner` with the squared
error) this is exactly backpropagation, so ``from_program`` of the boxes' gradient learners
equals the gradient learner of the whole diagram's Para arrow (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from catlearn.core._category import _Owner
from catlearn.core.program import Program
from catlearn.errors import ParamsError

LearnerFns = tuple[
    Callable[[Any, Any], Any], Callable[[Any, Any, Any], Any], Callable[[Any, Any, Any], Any]
]
"""``(implement, update, request)`` of a learner."""


def _combine(value: Any, proposals: list[Any]) -> Any:
    if not proposals:
        return value
    if len(proposals) == 1:
        return proposals[0]
    return jax.tree_util.tree_map(lambda a, *bs: a + sum(b - a for b in bs), value, *proposals)


def learner_from_program(
    program: Program, arrow_of_box: Callable[[Any], Any]
) -> tuple[dict[str, Any], dict[str, _Owner], LearnerFns]:
    """The parameter groups (spec and owners) and the functions ``(I, U, r)`` of the learner
    of ``program``, with the learner ``arrow_of_box(box)`` for each box."""
    instrs = program.instructions
    arrow_of = [arrow_of_box(ins.box) for ins in instrs]
    spec: dict[str, Any] = {}
    owners: dict[str, _Owner] = {}
    for ins, arrow in zip(instrs, arrow_of):
        for name, sub in arrow.spec.items():
            owner = arrow._owners[name]
            if name in owners and owners[name] != owner:
                raise ParamsError(
                    f"Two different boxes both call their parameters {name!r} (one is "
                    f"{ins.box!r}). Expected distinct names for distinct boxes; the same box "
                    "used twice shares its parameters, which is allowed."
                )
            spec[name], owners[name] = sub, owner
    dom, cod = program.dom, program.cod
    n_slots = len(program.slot_types)

    def forward(p: Any, a: Any) -> list[Any]:
        env: list[Any] = [None] * n_slots
        for s, v in zip(program.inputs, dom.split(a)):
            env[s] = v
        for ins, arrow in zip(instrs, arrow_of):
            d, c = arrow.dom, arrow.cod
            y = arrow._implement(p, d.join([env[s] for s in ins.ins]))
            for s, v in zip(ins.outs, c.split(y)):
                env[s] = v
        return env

    def implement(p: Any, a: Any) -> Any:
        env = forward(p, a)
        return cod.join([env[s] for s in program.outputs])

    def backward(p: Any, a: Any, c: Any) -> tuple[dict[str, Any], Any]:
        env = forward(p, a)
        asks: list[list[Any]] = [[] for _ in range(n_slots)]
        for s, t in zip(program.outputs, cod.split(c)):
            asks[s].append(t)
        updates: dict[str, list[Any]] = {name: [] for name in spec}
        for ins, arrow in zip(reversed(instrs), reversed(arrow_of)):
            d, co = arrow.dom, arrow.cod
            x = d.join([env[s] for s in ins.ins])
            target = co.join([_combine(env[s], asks[s]) for s in ins.outs])
            for name, value in arrow._update(p, x, target).items():
                updates[name].append(value)
            for s, r in zip(ins.ins, d.split(arrow._request(p, x, target))):
                asks[s].append(r)
        new = {name: _combine(p[name], ups) for name, ups in updates.items()}
        request = dom.join([_combine(env[s], asks[s]) for s in program.inputs])
        return new, request

    def update(p: Any, a: Any, c: Any) -> dict[str, Any]:
        return backward(p, a, c)[0]

    def request(p: Any, a: Any, c: Any) -> Any:
        return backward(p, a, c)[1]

    return spec, owners, (implement, update, request)
