"""The get and put of a composite lens or parametrised lens, from its flat program, run by the
one interpreter of :mod:`catlearn.core.program` (private to :mod:`catlearn.core.lens`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catlearn.core._params import Params
from catlearn.core.program import Program, evaluate, sweep

__all__ = [
    "LensFns",
    "PGet",
    "PLensFns",
    "PPut",
    "lens_program",
    "param_forward",
    "plens_program",
    "union",
]

LensFns = tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]
"""``(get, put)`` of a lens: ``get(a) -> b`` and ``put(a, b') -> a'``."""

PGet = Callable[[Params, Any], Any]
PPut = Callable[[Params, Any, Any], tuple[Params, Any]]
PLensFns = tuple[PGet, PPut]
"""``(get, put)`` of a parametrised lens: ``get(p, a) -> b``, ``put(p, a, b') -> (p', a')``."""


def lens_program(program: Program) -> LensFns:
    """``get`` and ``put`` of a composite lens from its flat program: get runs the boxes'
    gets forwards; put runs them forwards, then the boxes' puts backwards (:func:`sweep`)."""
    dom, cod, outputs = program.dom, program.cod, program.outputs

    def fwd(i: int, box: Any, xs: list[Any]) -> Any:
        return box.cod.split(box._get(box.dom.join(xs)))

    def get(a: Any) -> Any:
        env = evaluate(program, dom.split(a), fwd)
        return cod.join([env[s] for s in outputs])

    def back(i: int, box: Any, xs: list[Any], dys: list[Any]) -> Any:
        return box.dom.split(box._put(box.dom.join(xs), box.cod.join(dys)))

    def put(a: Any, c: Any) -> Any:
        env = evaluate(program, dom.split(a), fwd)
        return dom.join(sweep(program, env, cod.split(c), back))

    return get, put


def param_forward(
    program: Program, fn_of: Callable[[Any], PGet]
) -> tuple[Callable[[Params, Any], list[Any]], PGet]:
    """``forward(p, a)``, the value of every slot, and ``get(p, a)``, the outputs, of a
    composite whose box ``box`` runs ``fn_of(box)(p, x)`` forwards (the get of a parametrised
    lens, the implementation of a learner)."""
    dom, cod, outputs = program.dom, program.cod, program.outputs

    def forward(p: Params, a: Any) -> list[Any]:
        def fwd(i: int, box: Any, xs: list[Any]) -> Any:
            return box.cod.split(fn_of(box)(p, box.dom.join(xs)))

        return evaluate(program, dom.split(a), fwd)

    def get(p: Params, a: Any) -> Any:
        env = forward(p, a)
        return cod.join([env[s] for s in outputs])

    return forward, get


def union(groups: list[Params]) -> Params:
    """The new values of the boxes' parameter groups, in one dictionary."""
    out: Params = {}
    for dp in groups:
        out.update(dp)
    return out


def plens_program(program: Program) -> PLensFns:
    """``get`` and ``put`` of a composite parametrised lens from its flat program: put runs
    the gets forwards, then the puts backwards, gathering each box's new parameter groups."""
    dom, cod = program.dom, program.cod
    forward, get = param_forward(program, lambda box: box._get)

    def put(p: Params, a: Any, c: Any) -> tuple[Params, Any]:
        new: list[Params] = [{}] * len(program.instructions)

        def back(i: int, box: Any, xs: list[Any], dys: list[Any]) -> Any:
            dp, dx = box._put(p, box.dom.join(xs), box.cod.join(dys))
            new[i] = dp
            return box.dom.split(dx)

        da = sweep(program, forward(p, a), cod.split(c), back)
        return union(new), dom.join(da)

    return get, put
