r"""The primitive gates of :mod:`catlearn.boolean.rda` and their reverse derivatives (private).

Each gate is a JAX function on ``uint8`` bit arrays together with its reverse derivative as a
**rule**: a function that appends the gates of :math:`R[\mathrm{gate}]` to a circuit being
built (anything with ``gate(g, ins) -> outs``: :class:`~catlearn.boolean.rda.CircuitBuilder`)
and returns the slots of the input changes (Wilson, Zanasi, *Reverse Derivative Ascent*).
Gates never build circuits, so this module needs nothing of :mod:`~catlearn.boolean.rda`
(which imports it): no import cycle. Gates are values: equal kind, types and key, equal gate.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import jax.numpy as jnp
import numpy as np

from catlearn.core.types import Bool, Ty

U8 = jnp.uint8

ArrowT = TypeVar("ArrowT")
"""The arrows of a reverse derivative category (:mod:`catlearn.boolean.rdc`): JAX functions
for ``Smooth``, circuits for ``Boolean``. (Defined in this private module so that the
documentation shows it as a name, not a link.)"""


class Emit(Protocol):
    """Where a reverse-derivative rule writes its gates: a circuit under construction."""

    def gate(self, g: Gate, ins: Sequence[int]) -> list[int]: ...


Rule = Callable[[Emit, list[int], list[int]], list[int]]


# --- gates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    r"""A primitive of Boolean circuits: a JAX function on bit arrays with its reverse derivative.

    ``fn(*xs) -> tuple`` maps one ``uint8`` array per atom of ``dom`` to one per atom of ``cod``;
    ``rd(b, xs, dys) -> dxs`` appends :math:`R[\mathrm{gate}] : \mathrm{dom} \otimes
    \mathrm{cod} \to \mathrm{dom}` to the circuit under construction ``b`` (Wilson, Zanasi):
    given the slots ``xs`` of the inputs and ``dys`` of the output changes, it returns the
    slots of the input changes. Two gates are equal when their name, types and ``key`` are.

    >>> from catlearn.boolean.rda import Circuit
    >>> g = Circuit.and_(2).instructions[0][0]
    >>> g.name, g.dom, g.cod, g == Circuit.and_(2).instructions[0][0]
    ('AND', Bool(2) @ Bool(2), Bool(2), True)
    """

    name: str
    dom: Ty
    cod: Ty
    fn: Callable[..., tuple[Any, ...]] = field(repr=False, compare=False)
    rd: Rule = field(repr=False, compare=False)
    key: Hashable = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"Gate({self.name}: {self.dom} -> {self.cod})"


def _linear_fn(m: np.ndarray) -> Callable[..., tuple[Any, ...]]:
    # numpy constants, turned into JAX ones when traced: building a gate stays cheap
    rows = m.sum(axis=1)
    if np.all(rows <= 1):  # a selection (copies and discards of bits, zeros): a gather
        idx, keep = m.argmax(axis=1).astype(np.int32), rows.astype(np.uint8)
        return lambda x: (x[jnp.asarray(idx)] * jnp.asarray(keep),)
    mi = m.astype(np.int32)
    return lambda x: ((jnp.asarray(mi) @ x.astype(jnp.int32) % 2).astype(U8),)


# --- the primitive gates -----------------------------------------------------------------------


def _xor_gate(n: int) -> Gate:
    B = Bool(n)
    # R[xor](x, y, dz) = (dz, dz)
    return Gate("XOR", B @ B, B, lambda x, y: (x ^ y,), lambda b, xs, dys: [*dys, *dys], n)


def _and_gate(n: int) -> Gate:
    B = Bool(n)

    def rd(b: Emit, xs: list[int], dys: list[int]) -> list[int]:  # (y dz, x dz)
        (x, y), g = xs, _and_gate(n)
        return b.gate(g, [y, *dys]) + b.gate(g, [x, *dys])

    return Gate("AND", B @ B, B, lambda x, y: (x & y,), rd, n)


def _not_gate(n: int) -> Gate:
    B = Bool(n)
    # R[not](x, dz) = dz
    return Gate("NOT", B, B, lambda x: (x ^ U8(1),), lambda b, xs, dys: list(dys), n)


def _const_gate(bits: tuple[int, ...]) -> Gate:
    B = Bool(len(bits))
    name = "".join(map(str, bits)) if len(bits) <= 8 else f"const{len(bits)}"
    value = np.asarray(bits, np.uint8)
    # R[c](dz) = (): a constant has no input to change
    return Gate(name, Ty(), B, lambda: (jnp.asarray(value),), lambda b, xs, dys: [], bits)


def _linear_gate(m: np.ndarray) -> Gate:
    n_out, n_in = m.shape
    mt = np.ascontiguousarray(m.T)

    def rd(b: Emit, xs: list[int], dys: list[int]) -> list[int]:  # M^T dy
        return b.gate(_linear_gate(mt), dys)

    return Gate("LINEAR", Bool(n_in), Bool(n_out), _linear_fn(m), rd, (m.shape, m.tobytes()))


def _concat_gate(ns: tuple[int, ...]) -> Gate:
    dom, cod = Ty(*(Bool(n) for n in ns)), Bool(sum(ns))

    def rd(b: Emit, xs: list[int], dys: list[int]) -> list[int]:  # split dz
        return b.gate(_split_gate(ns), dys)

    return Gate("CONCAT", dom, cod, lambda *xs: (jnp.concatenate(xs),), rd, ns)


def _split_gate(ns: tuple[int, ...]) -> Gate:
    dom, cod = Bool(sum(ns)), Ty(*(Bool(n) for n in ns))
    cuts = np.cumsum(ns)[:-1].tolist()

    def rd(b: Emit, xs: list[int], dys: list[int]) -> list[int]:  # concatenate the dz
        return b.gate(_concat_gate(ns), dys)

    return Gate("SPLIT", dom, cod, lambda x: tuple(jnp.split(x, cuts)), rd, ns)
