"""The primitive gates of :mod:`catlearn.boolean.rda` and their reverse derivatives (private).

Each gate is a JAX function on ``uint8`` bit arrays together with a builder of its reverse
derivative as a :class:`~catlearn.boolean.rda.Circuit` (Wilson, Zanasi, *Reverse Derivative Ascent*).
Circuits are imported lazily, when a derivative is first built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jax.numpy as jnp
import numpy as np

from catlearn.core.types import Bool, Ty

if TYPE_CHECKING:
    from catlearn.boolean.rda import Circuit

U8 = jnp.uint8


# --- gates -------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Gate:
    r"""A primitive of Boolean circuits: a JAX function on bit arrays with its reverse derivative.

    ``fn(*xs) -> tuple`` maps one ``uint8`` array per atom of ``dom`` to one per atom of ``cod``;
    ``rd()`` builds :math:`R[\mathrm{gate}] : \mathrm{dom} \otimes \mathrm{cod} \to \mathrm{dom}`
    as a :class:`Circuit` (Wilson, Zanasi).

    >>> from catlearn.boolean.rda import Circuit
    >>> g = Circuit.and_(2).instructions[0][0]
    >>> g.name, g.dom, g.cod
    ('AND', Bool(2) @ Bool(2), Bool(2))
    """

    name: str
    dom: Ty
    cod: Ty
    fn: Callable[..., tuple[Any, ...]] = field(repr=False)
    rd: Callable[[], Circuit] = field(repr=False)

    def __repr__(self) -> str:
        return f"Gate({self.name}: {self.dom} -> {self.cod})"


def _linear_fn(m: np.ndarray) -> Callable[..., tuple[Any, ...]]:
    rows = m.sum(axis=1)
    if np.all(rows <= 1):  # a selection (copies and discards of bits, zeros): a gather
        idx = jnp.asarray(m.argmax(axis=1), jnp.int32)
        keep = jnp.asarray(rows, U8)
        return lambda x: (x[idx] * keep,)
    mj = jnp.asarray(m, jnp.int32)
    return lambda x: ((mj @ x.astype(jnp.int32) % 2).astype(U8),)


_GATE_CACHE: dict[Any, Gate] = {}


def _gate(key: Any, make: Callable[[], Gate]) -> Gate:
    g = _GATE_CACHE.get(key)
    if g is None:
        g = _GATE_CACHE[key] = make()
    return g


class _Lazy:
    """A cached zero-argument builder (gate derivatives are built on first use)."""

    __slots__ = ("make", "value")

    def __init__(self, make: Callable[[], Circuit]) -> None:
        self.make, self.value = make, None

    def __call__(self) -> Circuit:
        if self.value is None:
            self.value = self.make()
        return self.value


# --- the primitive gates -----------------------------------------------------------------------


def _xor_gate(n: int) -> Gate:
    B = Bool(n)

    def rd() -> Circuit:  # (x, y, dz) -> (dz, dz)
        from catlearn.boolean.rda import Circuit

        return Circuit._wiring(B @ B @ B, B @ B, [2, 2])

    return _gate(("xor", n), lambda: Gate("XOR", B @ B, B, lambda x, y: (x ^ y,), _Lazy(rd)))


def _and_gate(n: int) -> Gate:
    B = Bool(n)

    def rd() -> Circuit:  # (x, y, dz) -> (y dz, x dz)
        from catlearn.boolean.rda import CircuitBuilder

        b = CircuitBuilder()
        x, y, dz = b.fresh(B @ B @ B)
        g = _and_gate(n)
        return b.build(B @ B @ B, B @ B, [x, y, dz], b.gate(g, [y, dz]) + b.gate(g, [x, dz]))

    return _gate(("and", n), lambda: Gate("AND", B @ B, B, lambda x, y: (x & y,), _Lazy(rd)))


def _not_gate(n: int) -> Gate:
    B = Bool(n)

    def rd() -> Circuit:  # (x, dz) -> dz
        from catlearn.boolean.rda import Circuit

        return Circuit._wiring(B @ B, B, [1])

    return _gate(("not", n), lambda: Gate("NOT", B, B, lambda x: (x ^ U8(1),), _Lazy(rd)))


def _const_gate(bits: tuple[int, ...]) -> Gate:
    B = Bool(len(bits))
    name = "".join(map(str, bits)) if len(bits) <= 8 else f"const{len(bits)}"

    def make() -> Gate:
        from catlearn.boolean.rda import Circuit

        value = np.asarray(bits, np.uint8)
        return Gate(
            name,
            Ty(),
            B,
            lambda: (jnp.asarray(value),),
            _Lazy(lambda: Circuit._wiring(B, Ty(), [])),
        )

    return _gate(("const", bits), make)


def _linear_gate(m: np.ndarray) -> Gate:
    def make() -> Gate:
        from catlearn.boolean.rda import Circuit

        n_out, n_in = m.shape
        return Gate(
            "LINEAR",
            Bool(n_in),
            Bool(n_out),
            _linear_fn(m),
            _Lazy(lambda: Circuit._wiring(Bool(n_in), Ty(), []) @ Circuit.linear(m.T)),
        )

    return _gate(("linear", m.shape, m.tobytes()), make)


def _concat_gate(ns: tuple[int, ...]) -> Gate:
    from catlearn.boolean.rda import Circuit

    dom, cod = Ty(*(Bool(n) for n in ns)), Bool(sum(ns))
    return _gate(
        ("concat", ns),
        lambda: Gate(
            "CONCAT",
            dom,
            cod,
            lambda *xs: (jnp.concatenate(xs),),
            _Lazy(lambda: Circuit._wiring(dom, Ty(), []) @ Circuit.split(*ns)),
        ),
    )


def _split_gate(ns: tuple[int, ...]) -> Gate:
    from catlearn.boolean.rda import Circuit

    dom, cod = Bool(sum(ns)), Ty(*(Bool(n) for n in ns))
    cuts = np.cumsum(ns)[:-1].tolist()
    return _gate(
        ("split", ns),
        lambda: Gate(
            "SPLIT",
            dom,
            cod,
            lambda x: tuple(jnp.split(x, cuts)),
            _Lazy(lambda: Circuit._wiring(dom, Ty(), []) @ Circuit.concat(*ns)),
        ),
    )
