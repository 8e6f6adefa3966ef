"""The function of a composite Para: its flat program run by the one interpreter (private)."""

from __future__ import annotations

from typing import Any

import jax

from catlearn.core.program import Program, evaluate


def _program_call(program: Program) -> Any:
    """``call(params, x, key)`` running the flat program of a composite: each stochastic box
    gets its own key, split from the one passed in."""
    steps = []
    n_keys = 0
    for box, _, _ in program.instructions:
        k = n_keys if box.stochastic else -1
        n_keys += bool(box.stochastic)
        single = len(box.dom) == 1 and len(box.cod) == 1
        steps.append((box._call, box.dom, box.cod, k, single))
    dom, cod, outputs = program.dom, program.cod, program.outputs

    def call(params: Any, x: Any, key: Any) -> Any:
        keys = jax.random.split(key, n_keys) if n_keys else None

        def apply(i: int, box: Any, xs: list[Any]) -> Any:
            fn, d, c, k, single = steps[i]
            sub = keys[k] if k >= 0 else None  # type: ignore[index]
            if single:
                return (fn(params, xs[0], sub),)
            return c.split(fn(params, d.join(xs), sub))

        env = evaluate(program, dom.split(x), apply)
        return cod.join([env[s] for s in outputs])

    return call
