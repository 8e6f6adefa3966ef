r"""Boolean circuits over :math:`\mathbb{Z}_2` as a reverse derivative category (Wilson, Zanasi).

*Reverse Derivative Ascent: a categorical approach to learning Boolean circuits* (Wilson,
Zanasi, ACT 2020) learns the parameters of Boolean circuits with the same machinery as
gradient descent, because circuits over :math:`\mathbb{Z}_2` form a reverse derivative
category (Cockett et al.). A :class:`Circuit` is a flat program of **gates** over wires
``Bool(n)`` (``uint8`` arrays of 0/1, evaluated with JAX, batched with ``vmap``). Gates act
bitwise on ``Bool(n)``; their reverse derivatives are (Wilson, Zanasi)

.. math::
   R[\oplus](x, y, dz) = (dz, dz), \quad R[\wedge](x, y, dz) = (y\,dz,\ x\,dz), \quad
   R[\Delta](x, (d_1, d_2)) = d_1 \oplus d_2, \quad R[!](x, ()) = 0, \quad R[c](dz) = (),

and :math:`R[M](x, dy) = M^T dy` for a fixed :math:`\mathbb{Z}_2`-linear wiring :math:`M`
(a circuit of copies and XORs). :meth:`Circuit.reverse_derivative` builds :math:`R[f]` of a
whole circuit *as a circuit* by the chain rule, so :math:`R[R[f]]` exists too.

Axioms (doctests): RD3 (identity), RD4 (copy gives XOR) and RD5 (chain rule).

>>> import jax.numpy as jnp
>>> B = Bool(1)
>>> Circuit.id(B).reverse(jnp.array([1], "uint8"), jnp.array([1], "uint8"))
Array([1], dtype=uint8)
>>> Circuit.copy(B).reverse(jnp.array([1], "uint8"), (jnp.array([1], "uint8"),) * 2)
Array([0], dtype=uint8)
>>> f, g = Circuit.and_(1), Circuit.not_(1)
>>> x = (jnp.array([1], "uint8"), jnp.array([0], "uint8"))
>>> dz = jnp.array([1], "uint8")
>>> lhs = (f >> g).reverse(x, dz)
>>> rhs = f.reverse(x, g.reverse(f(x), dz))
>>> [int(a[0]) for a in lhs] == [int(a[0]) for a in rhs] == [0, 1]
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from catlearn import errors
from catlearn.boolean._rda_gates import (
    U8,
    Gate,
    _and_gate,
    _concat_gate,
    _const_gate,
    _linear_gate,
    _not_gate,
    _split_gate,
    _xor_gate,
)
from catlearn.core.category import Composable, Inline, Node, assemble, flatten
from catlearn.core.loop import ArrayTree
from catlearn.core.program import Instruction, Program, evaluate
from catlearn.core.types import Bool, Ty
from catlearn.errors import NotBinaryError, ShapeError, TypeMismatch

__all__ = ["Circuit", "Gate", "boolean_arrows", "check_bits"]


def _bool_ty(ty: Any, what: str) -> Ty:
    if not isinstance(ty, Ty):
        raise errors.ArgumentTypeError(
            f"Expected a wire type made of Bool(n) atoms for {what}, got {ty!r}; pass e.g. Bool(4)."
        )
    bad = [a for a in ty if not isinstance(a, Bool)]
    if bad:
        raise TypeMismatch(
            f"Boolean circuits only carry Bool(n) wires, but {what} is {ty}, with the atom "
            f"{bad[0]}. Binarise real data first (catlearn.boolean.binarize) and use Bool wires."
        )
    return ty


Gate.__module__ = __name__  # documented (and public) here

# --- circuits ----------------------------------------------------------------------------------


def _primitive(box: Any) -> None:
    """Gates are the primitive boxes of circuits: no arrow to expand them into."""
    return None


class CircuitBuilder:
    """Appends gates over integer slots; inlining a circuit is linear in its size."""

    def __init__(self) -> None:
        self.types: list[Bool] = []
        self.instrs: list[Instruction] = []

    def fresh(self, ty: Ty) -> list[int]:
        start = len(self.types)
        self.types.extend(ty.inside)  # type: ignore[arg-type]
        return list(range(start, len(self.types)))

    def gate(self, g: Gate, ins: Sequence[int]) -> list[int]:
        outs = self.fresh(g.cod)
        self.instrs.append(Instruction(g, tuple(ins), tuple(outs)))
        return outs

    def inline(self, c: Circuit, ins: Sequence[int]) -> list[int]:
        m = dict(zip(c.inputs, ins, strict=True))
        for g, gi, go in c.instructions:
            outs = self.gate(g, [m[s] for s in gi])
            m.update(zip(go, outs))
        return [m[s] for s in c.outputs]

    def xor_sum(self, slots: Sequence[int], atom: Bool) -> int:
        if not slots:
            return self.gate(_const_gate((0,) * atom.size), [])[0]
        acc = slots[0]
        for s in slots[1:]:
            acc = self.gate(_xor_gate(atom.size), [acc, s])[0]
        return acc

    def build(self, dom: Ty, cod: Ty, inputs: Sequence[int], outputs: Sequence[int]) -> Circuit:
        return Circuit._make(
            dom, cod, tuple(inputs), tuple(outputs), tuple(self.instrs), tuple(self.types)
        )


class Circuit(Composable):
    r"""A Boolean circuit ``dom -> cod`` over ``Bool(n)`` wires: a flat program of gates.

    Build circuits from the gate constructors (:meth:`xor`, :meth:`and_`, :meth:`not_`,
    :meth:`const`, :meth:`linear`, ...), the structure maps (:meth:`id`, :meth:`copy`,
    :meth:`swap`, :meth:`discard`: wiring) and ``>>``/``@``; or compile a diagram into one with
    :meth:`from_program`. A circuit is a :class:`~catlearn.core.program.Program` of gates
    (:attr:`program`); ``>>`` and ``@`` refer to their parts (O(1) per arrow) and the program
    is flattened once, when first needed. Values follow :mod:`catlearn.core.types` (one array per atom, bare for a
    single atom). A circuit acts on one example; :meth:`apply_batch` vmaps it.

    >>> import jax.numpy as jnp
    >>> half_adder = Circuit.copy(Bool(1) @ Bool(1)) >> (Circuit.xor(1) @ Circuit.and_(1))
    >>> s, c = half_adder((jnp.array([1], "uint8"), jnp.array([1], "uint8")))
    >>> int(s[0]), int(c[0])
    (0, 1)
    """

    __slots__ = ("_cache", "_jit", "_node", "_rd", "cod", "dom")

    dom: Ty
    cod: Ty
    _rd: Circuit | None  # the reverse derivative, cached
    _jit: Callable[..., tuple[Any, ...]] | None  # the jitted run, cached
    _cache: dict[str, Any]  # jitted functions of the learners (rda_learn), by name
    _copy_is_wiring = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise errors.ArgumentTypeError(
            "Circuit(...) is not a constructor. Build circuits with Circuit.xor/and_/not_/const/linear/id/copy/swap and >>, @, "
            "or with Circuit.from_program(program, arrows)."
        )

    @classmethod
    def _make(
        cls,
        dom: Ty,
        cod: Ty,
        inputs: tuple[int, ...],
        outputs: tuple[int, ...],
        instructions: tuple[Instruction, ...],
        slot_types: tuple[Bool, ...],
    ) -> Circuit:
        """The circuit of a flat program of gates."""
        program = Program(dom, cod, inputs, outputs, instructions, slot_types)
        node = Inline(program, _primitive)
        cast(Any, node).flat = program  # Inline.flat starts as None
        return cls._composite(node, dom, cod, ())

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Any) -> Circuit:
        return assemble(cls, dom=dom, cod=cod, _node=node, _rd=None, _jit=None, _cache={})

    @property
    def program(self) -> Program:
        """The flat program of gates (built once, on first use)."""
        return flatten(self)

    @property
    def inputs(self) -> tuple[int, ...]:
        return self.program.inputs

    @property
    def outputs(self) -> tuple[int, ...]:
        return self.program.outputs

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        return self.program.instructions

    @property
    def slot_types(self) -> tuple[Bool, ...]:
        return self.program.slot_types  # type: ignore[return-value]

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"Circuits are immutable: cannot set {name!r}; build a new one instead."
        )

    def __repr__(self) -> str:
        names = [g.name for g, _, _ in self.instructions[:6]]
        more = ", ..." if len(self.instructions) > 6 else ""
        return (
            f"Circuit({self.dom} -> {self.cod}; {len(self.instructions)} gates: "
            f"{', '.join(names)}{more})"
        )

    # --- structure ---------------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Ty) -> Circuit:
        """The identity wiring on ``ty``."""
        ty = _bool_ty(ty, "the identity's type")
        return cls._wiring(ty, ty, range(len(ty)))

    @classmethod
    def swap(cls, a: Ty, b: Ty) -> Circuit:
        """The symmetry ``a @ b -> b @ a``."""
        a, b = _bool_ty(a, "swap"), _bool_ty(b, "swap")
        n, m = len(a), len(b)
        return cls._wiring(a @ b, b @ a, [*range(n, n + m), *range(n)])

    @classmethod
    def copy(cls, a: Ty, n: int = 2) -> Circuit:
        r"""The copy ``a -> a^{⊗n}`` (``n = 0`` discards); :math:`R[\Delta](x, d_1, d_2) = d_1 \oplus d_2`."""
        a = _bool_ty(a, "copy")
        return cls._wiring(a, a**n, list(range(len(a))) * n)

    @classmethod
    def discard(cls, a: Ty) -> Circuit:
        """The unique map ``a -> Ty()``; its reverse derivative is the zero map."""
        return cls.copy(a, 0)

    @classmethod
    def merge(cls, a: Ty, n: int = 2) -> Circuit:
        """Addition in Z_2 (XOR) of ``n`` copies of ``a``: the codiagonal."""
        a = _bool_ty(a, "merge")
        b = CircuitBuilder()
        xs = b.fresh(a**n)
        k = len(a)
        outs = [b.xor_sum(xs[i::k], a[i]) for i in range(k)]  # type: ignore[arg-type]
        return b.build(a**n, a, xs, outs)

    @classmethod
    def from_gate(cls, g: Gate) -> Circuit:
        """The one-gate circuit."""
        b = CircuitBuilder()
        xs = b.fresh(g.dom)
        return b.build(g.dom, g.cod, xs, b.gate(g, xs))

    # --- gates -------------------------------------------------------------------------------
    @classmethod
    def xor(cls, n: int = 1) -> Circuit:
        r"""Bitwise XOR ``Bool(n) @ Bool(n) -> Bool(n)``; :math:`R[\oplus](x, y, dz) = (dz, dz)`."""
        return cls.from_gate(_xor_gate(n))

    @classmethod
    def and_(cls, n: int = 1) -> Circuit:
        r"""Bitwise AND ``Bool(n) @ Bool(n) -> Bool(n)``; :math:`R[\wedge](x, y, dz) = (y dz, x dz)`.

        >>> import jax.numpy as jnp
        >>> one = jnp.ones(1, "uint8")
        >>> [int(d[0]) for d in Circuit.and_(1).reverse((one, 0 * one), one)]
        [0, 1]
        """
        return cls.from_gate(_and_gate(n))

    @classmethod
    def not_(cls, n: int = 1) -> Circuit:
        r"""Bitwise NOT, :math:`x \mapsto 1 \oplus x`; :math:`R[\neg](x, dz) = dz`."""
        return cls.from_gate(_not_gate(n))

    @classmethod
    def or_(cls, n: int = 1) -> Circuit:
        r"""Bitwise OR as the polynomial :math:`x \oplus y \oplus xy` (copies, XORs and an AND)."""
        B = Bool(n)
        return cls.copy(B @ B) >> (cls.merge(B) @ cls.and_(n)) >> cls.merge(B)

    @classmethod
    def const(cls, bits: ArrayLike) -> Circuit:
        """The constant ``Ty() -> Bool(n)`` with the given bits; its reverse derivative discards.

        >>> Circuit.const([1, 0, 1])(())
        Array([1, 0, 1], dtype=uint8)
        """
        arr = np.asarray(bits)
        check_bits(arr, what="constant")
        return cls.from_gate(_const_gate(tuple(int(v) for v in arr.reshape(-1))))

    @classmethod
    def zero(cls, n: int = 1) -> Circuit:
        """The constant 0 on ``Bool(n)``."""
        return cls.const(np.zeros(n, np.uint8))

    @classmethod
    def one(cls, n: int = 1) -> Circuit:
        """The constant 1 on ``Bool(n)``."""
        return cls.const(np.ones(n, np.uint8))

    @classmethod
    def linear(cls, matrix: ArrayLike) -> Circuit:
        r"""The :math:`\mathbb{Z}_2`-linear wiring :math:`y = M x` (a circuit of copies and XORs).

        ``matrix`` is 0/1 of shape ``(m, n)``: ``Bool(n) -> Bool(m)``; :math:`R[M](x, dy) = M^T dy`.

        >>> import jax.numpy as jnp
        >>> Circuit.linear([[1, 1, 0], [0, 0, 1]])(jnp.array([1, 1, 1], "uint8"))
        Array([0, 1], dtype=uint8)
        """
        m = np.asarray(matrix)
        if m.ndim != 2:
            raise ShapeError(f"Expected a 0/1 matrix of shape (m, n), got shape {m.shape}.")
        check_bits(m, what="matrix")
        m = m.astype(np.uint8)
        return cls.from_gate(_linear_gate(m))

    @classmethod
    def select(cls, n: int, index: Sequence[int]) -> Circuit:
        """``Bool(n) -> Bool(len(index))`` picking bits ``x[index]`` (repeats copy, omissions discard)."""
        m = np.zeros((len(index), n), np.uint8)
        m[np.arange(len(index)), np.asarray(index, int)] = 1
        return cls.linear(m)

    @classmethod
    def concat(cls, *ns: int) -> Circuit:
        """``Bool(n1) @ Bool(n2) @ ... -> Bool(n1 + n2 + ...)`` (a relabelling of bits)."""
        return cls.from_gate(_concat_gate(tuple(ns)))

    @classmethod
    def split(cls, *ns: int) -> Circuit:
        """``Bool(n1 + n2 + ...) -> Bool(n1) @ Bool(n2) @ ...``, the inverse of :meth:`concat`."""
        return cls.from_gate(_split_gate(tuple(ns)))

    @classmethod
    def from_box(cls, box: Any) -> Circuit | None:
        """The default circuit of a gate box (see :func:`boolean_arrows`), or ``None``."""
        try:
            return boolean_arrows(box)
        except KeyError:
            return None

    @classmethod
    def from_program(
        cls,
        program: Program,
        arrows: Mapping[Any, Circuit] | Callable[[Any], Circuit] | None = None,
    ) -> Circuit:
        """Interpret a flat program (:mod:`catlearn.diagrams.compiler`) as a circuit: the Boolean functor.

        ``arrows`` maps each box to its circuit (a dict or a function); by default
        :func:`boolean_arrows` (boxes named ``XOR``, ``AND``, ``NOT``, ``OR``, ``0``, ``1``).
        A box with an ``arrow_in(kind)`` method gives its own arrow: the special :class:`Merge`
        box is :meth:`merge` (XOR, the addition of Z_2). Copy, discard and swap are already
        slot wiring in the program. Linear time in the size of the program.
        """
        look = (
            boolean_arrows
            if arrows is None
            else (arrows.__getitem__ if isinstance(arrows, Mapping) else arrows)
        )
        dom, cod = _bool_ty(program.dom, "the program's domain"), _bool_ty(program.cod, "codomain")
        b = CircuitBuilder()
        slot: dict[int, int] = {}
        xs = b.fresh(dom)
        slot.update(zip(program.inputs, xs, strict=True))
        for ins in program.instructions:
            box = ins.box
            arrow_in = getattr(box, "arrow_in", None)  # structure (Merge) gives its own arrow
            if arrow_in is not None:
                arrow = arrow_in(cls)
            else:
                try:
                    arrow = look(box)
                except KeyError:
                    raise TypeMismatch(
                        f"No Boolean circuit was given for the box {box!r}. Expected arrows to "
                        "map every box of the diagram to a Circuit; add it to the mapping."
                    ) from None
            if not isinstance(arrow, Circuit):
                raise errors.ArgumentTypeError(
                    f"Expected a Circuit for the box {box!r}, got {arrow!r}; map every box to a Circuit."
                )
            box_dom, box_cod = Ty(*box.dom), Ty(*box.cod)
            if arrow.dom != box_dom or arrow.cod != box_cod:
                raise TypeMismatch(
                    f"The circuit for the box {box!r} has type {arrow.dom} -> {arrow.cod}, but "
                    f"the box has type {box_dom} -> {box_cod}. Expected equal types."
                )
            outs = b.inline(arrow, [slot[s] for s in ins.ins])
            slot.update(zip(ins.outs, outs, strict=True))
        return b.build(dom, cod, xs, [slot[s] for s in program.outputs])

    # --- running -----------------------------------------------------------------------------
    def run(self, *xs: ArrayLike) -> tuple[Any, ...]:
        """Evaluate on one ``uint8`` array per input atom, returning one per output atom.

        No checks (use inside ``jit``); :meth:`__call__` checks shapes and bits first.
        """
        program = self.program
        vals = evaluate(program, xs, lambda i, g, v: g.fn(*v))
        return tuple(vals[s] for s in program.outputs)

    def _jitted(self) -> Callable[..., tuple[Any, ...]]:
        if self._jit is None:
            object.__setattr__(self, "_jit", jax.jit(self.run))
        assert self._jit is not None  # set just above
        return self._jit

    def apply(self, x: ArrayTree) -> Any:
        """Run on one example (a bare array for a one-atom domain, else a tuple); jitted once
        per circuit, checked first (shapes: :exc:`ShapeError`; bits: :exc:`NotBinaryError`)."""
        xs = check_value(self.dom, x, 0, "input")
        run = self.run if any(isinstance(v, jax.core.Tracer) for v in xs) else self._jitted()
        return self.cod.join(run(*xs))

    __call__ = apply

    def apply_batch(self, xs: ArrayTree) -> Any:
        """Run on a batch (leading axis of every input), via ``jax.vmap``.

        >>> import jax.numpy as jnp
        >>> Circuit.not_(2).apply_batch(jnp.array([[0, 1], [1, 1]], "uint8"))
        Array([[1, 0],
               [0, 0]], dtype=uint8)
        """
        parts = check_value(self.dom, xs, 1, "input")
        return self.cod.join(jax.vmap(self.run)(*parts))

    def reverse_derivative(self) -> Circuit:
        r"""The circuit :math:`R[f] : \mathrm{dom} \otimes \mathrm{cod} \to \mathrm{dom}`.

        Built by the chain rule: run ``f`` forward, then each gate's reverse derivative in
        reverse order; the changes of a slot read several times are XOR-ed (:math:`R[\Delta]`),
        and a slot never read gets the zero change (:math:`R[!]`). Cached.

        >>> R = Circuit.and_(1).reverse_derivative()
        >>> R.dom, R.cod
        (Bool(1) @ Bool(1) @ Bool(1), Bool(1) @ Bool(1))
        """
        if self._rd is not None:
            return self._rd
        b = CircuitBuilder()
        xs, dys = b.fresh(self.dom), b.fresh(self.cod)
        m = dict(zip(self.inputs, xs))
        done = []
        for g, gi, go in self.instructions:
            ins = [m[s] for s in gi]
            outs = b.gate(g, ins)
            m.update(zip(go, outs))
            done.append((g, ins, outs))
        ct: dict[int, list[int]] = defaultdict(list)
        for s, d in zip(self.outputs, dys):
            ct[m[s]].append(d)
        types = b.types
        for g, ins, outs in reversed(done):
            if not any(o in ct for o in outs):
                continue  # R[g] is linear in dy (RD2): a zero change gives zero
            douts = [b.xor_sum(ct.pop(o, []), types[o]) for o in outs]
            for i, d in zip(ins, g.rd(b, ins, douts)):
                ct[i].append(d)
        dxs = [b.xor_sum(ct.get(x, []), types[x]) for x in xs]
        rd = b.build(self.dom @ self.cod, self.dom, xs + dys, dxs)
        object.__setattr__(self, "_rd", rd)
        return rd

    def reverse(self, x: ArrayTree, dy: ArrayTree) -> Any:
        r""":math:`R[f](x, dy)` on one example (values as in :meth:`apply`)."""
        xs = check_value(self.dom, x, 0, "input")
        dys = check_value(self.cod, dy, 0, "output change")
        rd = self.reverse_derivative()
        traced = any(isinstance(v, jax.core.Tracer) for v in (*xs, *dys))
        return self.dom.join((rd.run if traced else rd._jitted())(*xs, *dys))

    def truth_table(self) -> tuple[np.ndarray, np.ndarray]:
        """All inputs (rows of concatenated domain bits, counting up) and the outputs.

        >>> ins, outs = Circuit.xor(1).truth_table()
        >>> outs.ravel().tolist()
        [0, 1, 1, 0]
        """
        widths = [a.size for a in self.dom]  # type: ignore[attr-defined]
        n = sum(widths)
        if n > 22:
            raise ShapeError(f"Expected at most 22 input bits for a truth table, got {n}.")
        codes = np.arange(2**n)
        ins = ((codes[:, None] >> np.arange(n)[::-1]) & 1).astype(np.uint8)
        parts = np.split(ins, np.cumsum(widths)[:-1], axis=1)
        outs = jax.jit(jax.vmap(self.run))(*(jnp.asarray(p) for p in parts))
        return ins, np.concatenate([np.asarray(o) for o in outs], axis=1) if outs else np.zeros(
            (2**n, 0), np.uint8
        )


_NAMED: dict[str, Callable[[int], Circuit]] = {
    "XOR": Circuit.xor,
    "AND": Circuit.and_,
    "NOT": Circuit.not_,
    "OR": Circuit.or_,
    "0": Circuit.zero,
    "1": Circuit.one,
}


def boolean_arrows(box: Any) -> Circuit:
    """The circuit of a gate box by name: ``XOR``, ``AND``, ``NOT``, ``OR``, ``0``, ``1``.

    The width is read from the box's codomain (``Bool(n)``). Raises ``KeyError`` otherwise.

    >>> class Box:  # any object with name, dom and cod will do
    ...     name, dom, cod = "AND", Bool(3) @ Bool(3), Bool(3)
    >>> boolean_arrows(Box()).cod
    Bool(3)
    """
    make = _NAMED.get(getattr(box, "name", None))  # type: ignore[arg-type]
    if make is None:
        raise errors.UnknownBoxError(
            f"Expected a box named one of {sorted(_NAMED)}, got {box!r}; pass it in the arrows mapping."
        )
    cod = _bool_ty(Ty(*box.cod), f"the codomain of the box {box!r}")
    return make(cod[0].size)  # type: ignore[attr-defined]


# --- checking values ---------------------------------------------------------------------------


def check_bits(value: ArrayLike, *, what: str = "value") -> None:
    """Raise :class:`~catlearn.errors.NotBinaryError` unless every entry is 0 or 1.

    Traced values (inside ``jit``) cannot be inspected and are let through.

    >>> check_bits([0, 1, 1])
    >>> check_bits([0, 2])
    Traceback (most recent call last):
    ...
    catlearn.errors.NotBinaryError: Expected the value to hold only bits 0 and 1, got 2 at index (1,) instead. Binarise the data first: catlearn.boolean.binarize(X) (min-max normalise, threshold at 0.5) or (X > t).astype('uint8').
    """
    if isinstance(value, jax.core.Tracer):
        return
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as e:
        raise NotBinaryError(
            f"Expected the {what} to be an array of bits, got {value!r:.60}."
        ) from e
    if arr.dtype == bool:
        return
    if not np.issubdtype(arr.dtype, np.number):
        raise NotBinaryError(f"Expected the {what} to hold bits 0 and 1, got dtype {arr.dtype}.")
    bad = np.argwhere((arr != 0) & (arr != 1))
    if bad.size:
        idx = tuple(int(i) for i in bad[0])
        raise NotBinaryError(
            f"Expected the {what} to hold only bits 0 and 1, got {arr[idx]} at index {idx} "
            "instead. Binarise the data first: catlearn.boolean.binarize(X) (min-max normalise, "
            "threshold at 0.5) or (X > t).astype('uint8')."
        )


def check_value(ty: Ty, value: Any, batch_dims: int, what: str) -> tuple[Any, ...]:
    ty.check(value, batch_dims=batch_dims, what=what)
    parts = ty.split(value)
    for p in parts:
        check_bits(p, what=what)
    return tuple(jnp.asarray(p).astype(U8) for p in parts)
