"""The boxes of a data set of diagrams, their kinds, and the diagrams grouped by shape.

Private helpers of :mod:`catlearn.training.functor`. A **kind** is a class of boxes whose
arrows compute the same function of (parameters, input): boxes of :mod:`catlearn.diagrams.nn`
(and any box whose ``spec`` has ``to_para``) with equal class, types and spec are one kind,
whatever their names; a box given its arrow by ``ar`` is a kind of its own. The parameters of
the boxes of one kind are stored stacked (one table per kind, one row per box name), so a
batch of diagrams of one **shape** (the flat program with every box replaced by its kind)
gathers the rows of its boxes and runs as one ``vmap`` of one compiled program.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn.core.para import Para
from catlearn.core.program import Instruction, Program
from catlearn.diagrams.compiler import compile, para_from_program, to_program
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.errors import DataError, DiagramError, MissingBoxError, TypeMismatch


def user_arrow(ar: Any, box: Box) -> Any:
    """The arrow ``ar`` gives ``box`` (by the box, or its name), or ``None``."""
    if ar is None:
        return None
    if isinstance(ar, Mapping):
        return ar[box] if box in ar else ar.get(box.name)
    return ar(box)


@dataclass
class Kind:
    """Boxes computing the same function of (parameters, input): one table of parameters."""

    rep: Para  # the arrow of the first box of the kind
    groups: tuple[str, ...]  # the rep's parameter group names, in table order
    names: list[str]  # box names, one row each


def collect_boxes(
    diagrams: Sequence[Diagram], ar: Any
) -> tuple[dict[str, Box], dict[str, Para], list[Kind], dict[str, tuple[int, int]]]:
    """Boxes by name (checked: one name, one box), their arrows, kinds and (kind, row)."""
    boxes: dict[str, Box] = {}
    where: dict[str, int] = {}
    for j, d in enumerate(diagrams):
        if not isinstance(d, Diagram):
            raise DataError(f"Expected a diagram as example {j}, got {type(d).__name__}.")
        for ins in to_program(d).instructions:
            box = ins.box
            old = boxes.get(box.name)
            if old is None:
                boxes[box.name], where[box.name] = box, j
            elif old != box:
                raise TypeMismatch(
                    f"Two boxes are called {box.name!r} with different types or specs: "
                    f"{old!r} (spec {old.spec!r}) in diagram {where[box.name]} and {box!r} "
                    f"(spec {box.spec!r}) in diagram {j}. Expected one box per name, since a "
                    "functor gives each box name one arrow; rename one of them or fix its "
                    "types."
                )
    arrows: dict[str, Para] = {}
    kinds: list[Kind] = []
    kind_index: dict[Any, int] = {}
    row: dict[str, tuple[int, int]] = {}
    for name, box in boxes.items():
        arrow = compile(box, ar)  # the functor on one box (raises for a box with no arrow)
        if arrow.stochastic:
            raise DiagramError(
                f"The box {box!r} has a stochastic arrow; fit_functor trains deterministic "
                "boxes only. Remove the randomness (e.g. dropout) from the word boxes."
            )
        arrows[name] = arrow
        if not arrow.spec:
            continue
        own = user_arrow(ar, box) is not None or not hasattr(box.spec, "to_para")
        key = ("own", name) if own else ("spec", type(box), box.dom, box.cod, box.spec)
        if key not in kind_index:
            kind_index[key] = len(kinds)
            kinds.append(Kind(arrow, tuple(arrow.spec), []))
        k = kind_index[key]
        row[name] = (k, len(kinds[k].names))
        kinds[k].names.append(name)
    return boxes, arrows, kinds, row


def stack(
    kinds: Sequence[Kind], arrows: Mapping[str, Para], params: Mapping[str, Any]
) -> list[Any]:
    """Per-box parameter groups -> one table per kind (a tuple over the kind's groups)."""
    tables = []
    for kind in kinds:
        cols = []
        for j in range(len(kind.groups)):
            rows = [params[tuple(arrows[n].spec)[j]] for n in kind.names]
            cols.append(jax.tree_util.tree_map(_stack, *rows))
        tables.append(tuple(cols))
    return tables


def _stack(*xs: Any) -> Any:
    if any(isinstance(x, jax.core.Tracer) for x in xs):  # under jit/grad: a traced stack
        return jnp.stack(xs)
    return jnp.asarray(np.stack([np.asarray(x) for x in xs]))  # on the host: no compile


def unstack(
    kinds: Sequence[Kind], arrows: Mapping[str, Para], tables: Sequence[Any]
) -> dict[str, Any]:
    """Inverse of :func:`stack`: one parameter group per box (the groups' own names)."""
    out: dict[str, Any] = {}
    tables = jax.device_get(tables)  # slice on the host: no compiled op per row
    for kind, table in zip(kinds, tables):
        for i, name in enumerate(kind.names):
            for g, col in zip(arrows[name].spec, table):
                out[g] = jax.tree_util.tree_map(lambda t, i=i: jnp.asarray(t[i]), col)
    return out


@dataclass
class Shape:
    """One distinct shape: its compiled program and the positions of parametrised boxes."""

    para: Para  # boxes renamed by position: groups '#0', '#1', ...
    positions: tuple[tuple[str, int], ...]  # (group name '#i', kind) per parametrised box
    program: Program  # of the first diagram of this shape

    def __post_init__(self) -> None:
        self.jit_forward = jax.jit(self.forward)

    def forward(self, tables: Sequence[Any], idx: jax.Array, xs: Any) -> Any:
        """Outputs of a batch: row ``b`` runs the program with the boxes ``idx[b]``."""
        positions, para = self.positions, self.para

        def one(rows: jax.Array, x: Any) -> Any:
            p = {
                g: jax.tree_util.tree_map(lambda t, c=c: _row(t, rows[c]), tables[k])
                for c, (g, k) in enumerate(positions)
            }
            return para(p, x)

        if len(para.dom) == 0:
            return jax.vmap(lambda rows: one(rows, ()))(idx)
        return jax.vmap(one)(idx, xs)


def _row(table: jax.Array, i: jax.Array) -> jax.Array:
    """``table[i]`` as a one-hot contraction: its gradient is a matmul, not a scatter (which
    XLA CPU compiles slowly), and tables have few rows (one per box of a kind)."""
    onehot = jax.nn.one_hot(i, table.shape[0], dtype=table.dtype)
    return jnp.tensordot(onehot, table, axes=1, precision=jax.lax.Precision.HIGHEST)


def shape_of(
    program: Program,
    arrows: Mapping[str, Para],
    row: Mapping[str, tuple[int, int]],
    boxes: Mapping[str, Box],
) -> tuple[Any, list[int]]:
    """``(key, rows)``: the key is equal for programs that differ only in which boxes of
    each kind they use; ``rows`` are the table rows of their parametrised boxes."""
    parts = []
    rows = []
    for ins in program.instructions:
        name = ins.box.name
        if name not in boxes:
            raise missing_box(name, ins.box, boxes)
        if boxes[name] != ins.box:
            raise TypeMismatch(
                f"The diagram uses a box {ins.box!r} called {name!r}, but the functor's box of "
                f"that name is {boxes[name]!r} (spec {boxes[name].spec!r}). Expected the same "
                "types and spec; rename the box or fix its types."
            )
        if name in row:
            k, r = row[name]
            parts.append((("kind", k), ins.ins, ins.outs))
            rows.append(r)
        else:
            parts.append((("free", ins.box), ins.ins, ins.outs))
    key = (program.dom, program.cod, program.inputs, program.outputs, program.slot_types, *parts)
    return key, rows


def build_shape(
    program: Program,
    kinds: Sequence[Kind],
    arrows: Mapping[str, Para],
    row: Mapping[str, Any],
) -> Shape:
    """Compile one shape: each parametrised box becomes the arrow of its kind's first box,
    reparametrised by a group named after its position."""
    instrs: list[Instruction] = []
    ar: dict[Any, Para] = {}
    positions: list[tuple[str, int]] = []
    for i, ins in enumerate(program.instructions):
        name = ins.box.name
        if name not in row:
            instrs.append(ins)
            ar[ins.box] = arrows[name]
            continue
        k, _ = row[name]
        rep, groups = kinds[k].rep, kinds[k].groups
        g = f"#{i}"
        box = Box(g, ins.box.dom, ins.box.cod, ("position", i))
        ar[box] = rep.reparam(tuple(rep.spec[n] for n in groups), _as_groups(groups), name=g)
        instrs.append(Instruction(box, ins.ins, ins.outs))
        positions.append((g, k))
    renamed = Program(
        program.dom,
        program.cod,
        program.inputs,
        program.outputs,
        tuple(instrs),
        program.slot_types,
    )
    return Shape(para_from_program(renamed, ar), tuple(positions), program)


def _as_groups(groups: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    return lambda t: dict(zip(groups, t))


def missing_box(name: str, box: Box, boxes: Mapping[str, Box]) -> MissingBoxError:
    """The error for a diagram using a box the functor lacks."""
    known = sorted(boxes)
    shown = ", ".join(map(repr, known[:12])) + (", ..." if len(known) > 12 else "")
    return MissingBoxError(
        f"The diagram uses the box {box!r}, which the functor lacks: it knows the boxes "
        f"{shown}. Expected diagrams over the functor's boxes; add a diagram with "
        f"{name!r} to the training data (or refit with it)."
    )


def group_rows(
    diagrams: Sequence[Diagram],
    arrows: Mapping[str, Para],
    row: Mapping[str, tuple[int, int]],
    boxes: Mapping[str, Box],
) -> tuple[list[Any], list[Program], list[list[int]], list[list[list[int]]]]:
    """Group example indices by shape: ``(keys, first programs, members, box rows)``."""
    index: dict[Any, int] = {}
    keys: list[Any] = []
    programs: list[Program] = []
    members: list[list[int]] = []
    rows: list[list[list[int]]] = []
    for j, d in enumerate(diagrams):
        program = to_program(d)
        key, r = shape_of(program, arrows, row, boxes)
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
            programs.append(program)
            members.append([])
            rows.append([])
        s = index[key]
        members[s].append(j)
        rows[s].append(r)
    return keys, programs, members, rows


def as_rows(rows: list[list[int]]) -> np.ndarray:
    """Box rows of a group as an int32 array ``(n, n_positions)``."""
    n = len(rows)
    width = len(rows[0]) if rows else 0
    return np.asarray(rows, dtype=np.int32).reshape(n, width)
