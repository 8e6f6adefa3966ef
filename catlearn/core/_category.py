"""The operators of a monoidal category, written once, and composites as flat programs.

(Private: the public home of the protocol, with its recipe, is :mod:`catlearn.core.category`,
which re-exports these objects.)

Every kind of arrow (:class:`~catlearn.core.para.Para`, :class:`~catlearn.core.lens.Lens`,
:class:`~catlearn.core.lens.ParaLens`, :class:`~catlearn.core.learner.Learner`,
``Sampler``, ``Circuit``) subclasses :class:`Composable`. An arrow is either

- a **box**: a primitive of its kind, carrying its own semantics (``_node is None``);
- or a **composite**: a node referring to its parts (:class:`Then`, :class:`Tensor`), a
  wiring (:class:`Wiring`: identities, swaps and, for kinds that allow it, copies and
  discards) or a :class:`~catlearn.core.program.Program` to inline (:class:`Inline`).

``>>``, ``@``, ``then(*many)`` and ``tensor(*many)`` only build a node holding references to
the parts: O(1) per part, never a copy of a part. The first time a composite is evaluated it
is walked once, iteratively with an explicit stack (no recursion at any depth), into ONE
:class:`~catlearn.core.program.Program` whose instructions apply boxes of the kind
(:func:`flatten`); the program is cached on the (immutable) composite and run by the one
interpreter loop of :mod:`catlearn.core.program`.

A new kind of arrow implements:

- ``_composite(node, dom, cod, parts)``, a classmethod: the arrow for a node (it may check
  things eagerly in O(1) amortised, e.g. that parameter groups do not clash);
- the semantics of its boxes, read from the flat program (``flatten(arrow)``);
- optionally ``_copy_is_wiring = True`` when copying a wire is a mere read (no backward pass).

It then gets ``id``, ``swap`` (and ``copy``/``discard`` when they are wiring), ``then``,
``tensor``, ``>>`` and ``@`` (a bare :class:`~catlearn.core.types.Ty` beside an arrow stands
for its identity, on either side). An operand of a foreign kind gives ``NotImplemented``, so
Python tries the other operand's reflected operator and then raises ``TypeError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, ClassVar, Self, TypeVar, cast

import jax

from catlearn import errors
from catlearn.core.program import Instruction, Program
from catlearn.core.types import Atom, Ty
from catlearn.errors import DiagramError, TypeMismatch, check_then

__all__ = [
    "BoxParams",
    "Composable",
    "Groups",
    "Inline",
    "Tensor",
    "Then",
    "Wiring",
    "assemble",
    "flatten",
    "node_boxes",
]


# --- nodes -------------------------------------------------------------------------------------


class Then:
    """``parts[0] >> parts[1] >> ...`` (references, not copies); caches the flat program."""

    __slots__ = ("flat", "parts")

    def __init__(self, parts: tuple[Any, ...]) -> None:
        self.parts, self.flat = parts, None


class Tensor:
    """``parts[0] @ parts[1] @ ...``; caches the flat program."""

    __slots__ = ("flat", "parts")

    def __init__(self, parts: tuple[Any, ...]) -> None:
        self.parts, self.flat = parts, None


class Wiring:
    """Pure wiring: output wire ``j`` is input wire ``perm[j]`` (identity, swap, copy, discard)."""

    __slots__ = ("flat", "perm")

    def __init__(self, perm: Sequence[int]) -> None:
        self.perm, self.flat = tuple(perm), None


class Inline:
    """A :class:`~catlearn.core.program.Program` run as an arrow: ``arrow_of(box)`` is the arrow
    of the kind for a box, or ``None`` when the box itself is a primitive (a gate)."""

    __slots__ = ("arrow_of", "flat", "program")

    def __init__(self, program: Program, arrow_of: Callable[[Any], Any]) -> None:
        self.program, self.arrow_of, self.flat = program, arrow_of, None


Node = Then | Tensor | Wiring | Inline

_PUSH, _CONCAT, _READ, _BIND, _EMIT = range(5)


def flatten(arrow: Any) -> Program:
    """The flat :class:`~catlearn.core.program.Program` of an arrow: instructions applying its
    boxes (leaf arrows, or primitive boxes of inlined programs) over numbered wire slots.

    One pass with an explicit stack (linear time, no recursion), cached on the composite.

    >>> from catlearn.core.para import Para
    >>> from catlearn.core.types import Euclid
    >>> f = Para.linear(Euclid(1), Euclid(1), name="f")
    >>> print(flatten(f >> Para.copy(Euclid(1)) >> (f @ Para.id(Euclid(1)))))
    program (%0: Euclid(1)) -> Euclid(1) @ Euclid(1):
      %1 = f(%0)
      %2 = f(%1)
      return %2, %1
    """
    node = arrow._node
    if node is not None and node.flat is not None:
        return cast(Program, node.flat)
    dom = arrow.dom
    types: list[Atom] = list(dom.inside)
    inputs = list(range(len(types)))
    instructions: list[Instruction] = []
    vals: list[list[int]] = [inputs]
    tasks: list[Any] = [arrow]
    while tasks:
        t = tasks.pop()
        if type(t) is tuple:
            op = t[0]
            if op == _PUSH:
                vals.append(t[1])
            elif op == _CONCAT:
                k = t[1]
                parts = vals[-k:]
                del vals[-k:]
                vals.append([s for p in parts for s in p])
            elif op == _READ:
                env = t[1]
                vals.append([env[s] for s in t[2]])
            elif op == _BIND:
                env = t[1]
                for s, v in zip(t[2], vals.pop(), strict=True):
                    env[s] = v
            else:  # _EMIT a primitive box of an inlined program
                box = t[1]
                start = len(types)
                types.extend(t[2].inside)
                outs = list(range(start, len(types)))
                instructions.append(Instruction(box, tuple(vals.pop()), tuple(outs)))
                vals.append(outs)
            continue
        node = t._node
        if node is None:  # a box of the kind
            start = len(types)
            types.extend(t.cod.inside)
            outs = list(range(start, len(types)))
            instructions.append(Instruction(t, tuple(vals.pop()), tuple(outs)))
            vals.append(outs)
        elif type(node) is Then:
            tasks.extend(reversed(node.parts))
        elif type(node) is Wiring:
            ins = vals.pop()
            vals.append([ins[j] for j in node.perm])
        elif type(node) is Tensor:
            ins = vals.pop()
            tasks.append((_CONCAT, len(node.parts)))
            chunks, i = [], 0
            for p in node.parts:
                n = len(p.dom)
                chunks.append((p, ins[i : i + n]))
                i += n
            for p, chunk in reversed(chunks):
                tasks.append(p)
                tasks.append((_PUSH, chunk))
        else:  # Inline
            prog = node.program
            env = dict(zip(prog.inputs, vals.pop(), strict=True))
            tasks.append((_READ, env, prog.outputs))
            for ins_ in reversed(prog.instructions):
                tasks.append((_BIND, env, ins_.outs))
                sub = node.arrow_of(ins_.box)
                tasks.append((_EMIT, ins_.box, ins_.box.cod) if sub is None else sub)
                tasks.append((_READ, env, ins_.ins))
    (outputs,) = vals
    flat = Program(dom, arrow.cod, tuple(inputs), tuple(outputs), tuple(instructions), tuple(types))
    node = arrow._node
    if node is not None:
        node.flat = flat
    return flat


# --- parameter groups, shared append-only ------------------------------------------------------


class _Table:
    __slots__ = ("items", "pos")

    def __init__(self) -> None:
        self.items: list[tuple[str, Any, Any]] = []  # (name, owner, spec)
        self.pos: dict[str, int] = {}

    def append(self, item: tuple[str, Any, Any]) -> None:
        self.pos[item[0]] = len(self.items)
        self.items.append(item)


class Groups:
    """The named parameter groups of an arrow: a prefix (``n`` items) of a shared, append-only
    table. The union of a composite extends the table of its largest part in place when no
    other composite has extended it yet, so a chain of ``>>`` adds its groups in O(1) amortised
    per arrow (a persistent list, as in union-by-size) instead of copying the dictionary.

    >>> from catlearn.core.para import Para
    >>> from catlearn.core.types import Euclid
    >>> f = Para.linear(Euclid(1), Euclid(1), name="f")
    >>> [name for name, _, _ in (f >> f >> Para.linear(Euclid(1), Euclid(1), name="g"))._groups.items()]
    ['f', 'g']
    """

    __slots__ = ("n", "table")

    EMPTY: ClassVar[Groups]

    def __init__(self, table: _Table | None, n: int) -> None:
        self.table, self.n = table, n

    @classmethod
    def of(cls, spec: dict[str, Any], owners: dict[str, Any]) -> Groups:
        if not spec:
            return cls.EMPTY
        t = _Table()
        for name, sub in spec.items():
            t.append((name, owners[name], sub))
        return cls(t, len(t.items))

    def __len__(self) -> int:
        return self.n

    def items(self) -> Iterator[tuple[str, Any, Any]]:
        return islice(self.table.items, self.n) if self.table is not None else iter(())

    def get(self, name: str) -> tuple[str, Any, Any] | None:
        if self.table is None:
            return None
        i = self.table.pos.get(name)
        return self.table.items[i] if i is not None and i < self.n else None

    @staticmethod
    def union(
        parts: Sequence[Any],
        *,
        share: bool,
        on_clash: Callable[[Any, Any, str], None],
    ) -> Groups:
        """The union of the groups (``part._groups``) of ``parts``. A name met twice is shared
        when ``share`` and both come from the same owner; otherwise
        ``on_clash(first part, second part, name)`` is called (it raises)."""
        views = [p._groups for p in parts]
        big = max(range(len(views)), key=lambda i: views[i].n, default=0)
        if not views or views[big].n == 0:
            return Groups.EMPTY
        base = views[big]
        table = base.table
        assert table is not None
        if len(table.items) != base.n:  # another composite extended it: copy our prefix
            table = _Table()
            for item in base.items():
                table.append(item)
        for i, view in enumerate(views):
            if i == big or view.n == 0:
                continue
            for item in view.items():
                j = table.pos.get(item[0])
                if j is not None:
                    if share and table.items[j][1] == item[1]:
                        continue
                    first = next(p for p in parts if p._groups.get(item[0]) is not None)
                    second = next(p for p in reversed(parts) if p._groups.get(item[0]) is not None)
                    on_clash(first, second, item[0])
                table.append(item)
        return Groups(table, len(table.items))


Groups.EMPTY = Groups(None, 0)


# --- parameters carried by the boxes, one per box ----------------------------------------------


def node_boxes(node: Node, parts: Sequence[Any]) -> list[Any]:
    """The arrows a composite's node applies, one per box of its program, in program order:
    for :class:`Inline` the arrow of each instruction's box (a box used twice counts twice),
    else the node's parts. Kinds whose boxes carry their own data (a Sampler's ``params``, a
    NoisyMap's noise) gather it from these into :class:`BoxParams`."""
    if type(node) is Inline:
        return [node.arrow_of(i.box) for i in node.program.instructions]
    return list(parts)


_K = TypeVar("_K")


def assemble(cls: type[_K], **fields: Any) -> _K:
    """An instance of ``cls`` with ``fields`` set and no ``__init__`` run, as jax's unflatten
    builds one: how a kind's ``_composite`` makes a composite in O(1), without the checks its
    constructor runs on user input.

    >>> from catlearn.core.types import Ty
    >>> class Checked:
    ...     def __init__(self):
    ...         self.checked = True
    >>> arrow = assemble(Checked, dom=Ty(), cod=Ty())
    >>> arrow.cod, hasattr(arrow, "checked")
    (Ty(), False)
    """
    self = object.__new__(cls)
    for k, v in fields.items():
        object.__setattr__(self, k, v)
    return self


@jax.tree_util.register_pytree_node_class
class BoxParams:
    """The parameters of a composite whose boxes carry their own (a pytree, e.g. a Sampler's
    ``params``): entry ``i`` belongs to box ``i`` of the flat program (the boxes in order,
    left to right). A prefix of a shared append-only list, so that a chain of ``>>`` adds
    its boxes' parameters in O(1) amortised; a pytree with one child per box.

    >>> BoxParams.concat([BoxParams([1], 1), BoxParams([2, 3], 2)])[2]
    3
    """

    __slots__ = ("_log", "n")

    def __init__(self, log: list[Any], n: int) -> None:
        self._log, self.n = log, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Any:
        if not 0 <= i < self.n:
            raise errors.ArgumentValueError(f"Expected a box index in [0, {self.n}), got {i}.")
        return self._log[i]

    def __iter__(self) -> Iterator[Any]:
        return islice(self._log, self.n)

    def __repr__(self) -> str:
        return f"BoxParams({list(self)!r})"

    def tree_flatten(self) -> tuple[tuple[Any, ...], None]:
        return tuple(self), None

    @classmethod
    def tree_unflatten(cls, aux: None, children: Sequence[Any]) -> BoxParams:
        return cls(list(children), len(children))

    @staticmethod
    def concat(views: Sequence[BoxParams]) -> BoxParams:
        """The entries of ``views`` one after the other (extends the first's list in place
        when nobody else has)."""
        first = views[0]
        free = first.n and len(first._log) == first.n
        log = first._log if free else first._log[: first.n]
        for v in views[1:]:
            log.extend(v._log[: v.n])
        return BoxParams(log, len(log))


# --- the protocol ------------------------------------------------------------------------------


class Composable:
    """Mixin: ``id``, ``swap``, ``then``, ``tensor``, ``>>`` and ``@`` from ``_composite``.

    >>> from catlearn.core.para import Para
    >>> from catlearn.core.types import Euclid
    >>> f = Para.id(Euclid(1))
    >>> (f >> f).cod, (f @ Euclid(2)).cod, (Euclid(2) @ f).dom
    (Euclid(1), Euclid(1) @ Euclid(2), Euclid(2) @ Euclid(1))
    """

    __slots__ = ()

    _arrow: ClassVar[type[Any]]
    """The kind of arrow: the class that lists :class:`Composable` among its bases."""

    _copy_is_wiring: ClassVar[bool] = False
    """Whether copy and discard are mere wiring (no backward pass to sum the copies)."""

    dom: Ty
    cod: Ty
    _node: Node | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # a kind lists Composable (or a base kind such as PytreeArrow) among its bases
        if any(b is Composable or b.__dict__.get("_kind_base", False) for b in cls.__bases__):
            cls._arrow = cls

    # --- the hook ------------------------------------------------------------------------
    @classmethod
    def _composite(
        cls, node: Node, dom: Ty, cod: Ty, parts: Sequence[Any]
    ) -> Self:  # pragma: no cover - every kind defines its own
        raise errors.UnsupportedError(
            f"{cls.__name__} must define _composite(node, dom, cod, parts)."
        )

    # --- structure -----------------------------------------------------------------------
    @classmethod
    def _wiring(cls, dom: Ty, cod: Ty, perm: Sequence[int]) -> Self:
        return cast("Self", cls._arrow._composite(Wiring(perm), dom, cod, ()))

    @classmethod
    def id(cls, ty: Ty) -> Self:
        """The identity on ``ty`` (wiring: no instruction)."""
        return cls._wiring(ty, ty, range(len(ty)))

    @classmethod
    def swap(cls, a: Ty, b: Ty) -> Self:
        """The symmetry ``a @ b -> b @ a`` (wiring: no instruction)."""
        n, m = len(a), len(b)
        return cls._wiring(a @ b, b @ a, [*range(n, n + m), *range(n)])

    @classmethod
    def _copy_wiring(cls, a: Ty, n: int) -> Self:
        if not cls._copy_is_wiring:  # pragma: no cover - kinds without it define copy
            raise errors.UnsupportedError(f"{cls.__name__} has no copy as wiring; define copy.")
        return cls._wiring(a, a**n, list(range(len(a))) * n)

    @classmethod
    def from_program(
        cls, program: Program, arrows: Mapping[Any, Any] | Callable[[Any], Any]
    ) -> Self:
        """ONE arrow running ``program`` with the arrow ``arrows[box]`` for each box: the
        semantics of a diagram in this kind (:func:`catlearn.diagrams.compiler.compile` with
        ``into=`` this class). Built in O(1) per instruction; flattened when first run.

        For kinds whose copies are not mere wiring (lenses, learners: the backward pass must
        sum the copies), every slot must be read exactly once: write copies and discards as
        boxes (e.g. :meth:`Lens.copy <catlearn.core.lens.Lens.copy>`).

        >>> import numpy as np
        >>> from catlearn.core.lens import Lens
        >>> from catlearn.core.types import Euclid
        >>> from catlearn.diagrams.diagram import Box
        >>> from catlearn.diagrams.compiler import to_program
        >>> f = Box("f", Euclid(1), Euclid(1))
        >>> double = Lens(lambda a: 2 * a, lambda a, b: 2 * b, Euclid(1), Euclid(1))
        >>> Lens.from_program(to_program(f >> f), {f: double}).put(np.ones(1), np.ones(1))
        array([4.])
        """
        look = arrows.__getitem__ if isinstance(arrows, Mapping) else arrows
        arrow = cls._arrow
        parts: dict[int, Any] = {}
        for ins in program.instructions:
            a = look(ins.box)
            if not isinstance(a, arrow):
                raise TypeMismatch(
                    f"Expected a {arrow.__name__} for the box {ins.box!r}, got {a!r}."
                )
            if a.dom != ins.box.dom or a.cod != ins.box.cod:
                raise TypeMismatch(
                    f"The arrow given for the box {ins.box!r} goes from {a.dom} to {a.cod}, "
                    f"but the box goes from {ins.box.dom} to {ins.box.cod}. Expected the same "
                    "types; fix the arrow or the box."
                )
            parts[id(a)] = a
        if not cls._copy_is_wiring:
            reads = [0] * len(program.slot_types)
            for ins in program.instructions:
                for s in ins.ins:
                    reads[s] += 1
            for s in program.outputs:
                reads[s] += 1
            bad = [s for s, n in enumerate(reads) if n != 1]
            if bad:
                raise DiagramError(
                    f"Expected every wire of the program to be read exactly once for "
                    f"{arrow.__name__} (its backward pass cannot sum copies), but the wire "
                    f"%{bad[0]} is read {reads[bad[0]]} times. Write copies and discards as "
                    f"boxes with their {arrow.__name__} arrows (e.g. {arrow.__name__}.copy)."
                )
        node = Inline(program, look)
        return cast("Self", arrow._composite(node, program.dom, program.cod, list(parts.values())))

    # --- composition ---------------------------------------------------------------------
    def then(self, *others: Self) -> Self:
        """Sequential composition ``self >> others[0] >> ...``, with checked types; one node
        referring to all the parts.

        >>> from catlearn.core.para import Para
        >>> from catlearn.core.types import Euclid
        >>> Para.id(Euclid(1)).then(Para.id(Euclid(1)), Para.id(Euclid(1))).cod
        Euclid(1)
        """
        if not others:
            return self
        arrow = self._arrow
        cur = check_then(
            self,
            others,
            arrow,
            lambda _, other: (
                f"Expected a {arrow.__name__} after >>, got {other!r}. Both sides "
                "of >> must be arrows of the same kind."
            ),
        )
        parts = (self, *others)
        return cast("Self", arrow._composite(Then(parts), self.dom, cur.cod, parts))

    def tensor(self, *others: Self | Ty) -> Self:
        """Parallel composition ``self @ others[0] @ ...``; a bare type means its identity.

        >>> from catlearn.core.para import Para
        >>> from catlearn.core.types import Euclid
        >>> Para.id(Euclid(1)).tensor(Euclid(2), Para.id(Euclid(3))).dom
        Euclid(1) @ Euclid(2) @ Euclid(3)
        """
        if not others:
            return self
        arrow = self._arrow
        parts = [self]
        for o in others:
            if isinstance(o, Ty):
                o = arrow.id(o)
            if not isinstance(o, arrow):
                raise errors.ArgumentTypeError(
                    f"Expected a {arrow.__name__} or a type after @, got {o!r}; wrap it first."
                )
            parts.append(o)
        dom, cod = Ty(*(p.dom for p in parts)), Ty(*(p.cod for p in parts))
        return cast("Self", arrow._composite(Tensor(tuple(parts)), dom, cod, parts))

    # --- operators -----------------------------------------------------------------------
    def __rshift__(self, other: Self) -> Self:
        if not isinstance(other, self._arrow):
            return NotImplemented
        # through the class: an equinox kind would wrap ``self.then`` in a new pytree
        # (flattening ``self``, O(size)) on every access
        return type(self).then(self, other)

    def __matmul__(self, other: Self | Ty) -> Self:
        if isinstance(other, Ty):
            other = self._arrow.id(other)
        if not isinstance(other, self._arrow):
            return NotImplemented
        return cast("Self", type(self).tensor(self, other))

    def __rmatmul__(self, other: Ty) -> Self:
        if not isinstance(other, Ty):
            return NotImplemented
        left = self._arrow.id(other)
        return cast("Self", type(left).tensor(left, self))


class _Owner:
    """The token identifying who introduced a parameter group: unique per arrow (identity),
    or, with a ``key``, equal for every owner with an equal key. Compiling a box gives its
    default arrow an owner keyed by the box (a value), so separate compilations of diagrams
    sharing a box share its parameters without any cache."""

    __slots__ = ("key", "label")

    def __init__(self, label: str, key: Any = None) -> None:
        self.label = label
        self.key = key

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return isinstance(other, _Owner) and self.key is not None and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key) if self.key is not None else id(self)

    def __repr__(self) -> str:
        return f"<{self.label}>"
