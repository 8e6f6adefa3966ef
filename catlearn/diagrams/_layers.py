"""The layers of a composite diagram: a window on a shared, two-ended, append-only list.

A diagram is a sequence of layers ``(offset, box)``, as DisCoPy stores it. A primitive
(a box, a structure map) keeps its own tuple; a composite keeps a :class:`Window`
``[lo, hi)`` on a :class:`Log`. :func:`concat` appends the right part's layers to the left
part's log in place when nothing has been appended there since the left part was made (else
it prepends the left part's layers to the right part's log likewise, else it copies both),
extending the longer part's log first. So ``d = d >> box`` or ``d = box >> d`` repeated n times
costs O(n) in all (DisCoPy copies the layers at each ``>>``: O(n²)), without recursion. A
window never changes: other composites only append beyond it, so diagrams stay immutable
values. The price, as for the engine's ``Groups``: a log keeps the layers appended to it
alive while any window on it lives. Primitives have no log, so a box never holds on to a
composite built from it.

>>> a, b, c = (0, 'a'), (0, 'b'), (0, 'c')
>>> ab = concat((a,), (b,), 0)
>>> abc, abb = concat(ab, (c,), 0), concat(ab, (b,), 0)  # abc appends in place; abb copies
>>> items(abc), items(abb), items(ab), len(abc)
(((0, 'a'), (0, 'b'), (0, 'c')), ((0, 'a'), (0, 'b'), (0, 'b')), ((0, 'a'), (0, 'b')), 3)
>>> items(concat((c,), ab, 0)), items(concat(ab, ab, 1))  # prepends; shifts the right part
(((0, 'c'), (0, 'a'), (0, 'b')), ((0, 'a'), (0, 'b'), (1, 'a'), (1, 'b')))
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from catlearn import errors

Layer = tuple[int, Any]  # (number of wires to the left of the box, the box)


class Log:
    """A two-ended, append-only list of layers: position ``p >= 0`` is ``back[p]``, position
    ``p < 0`` is ``front[-1 - p]``. Its lock makes "nothing was appended at this end since my
    window was made, so append" one step under threads."""

    __slots__ = ("back", "front", "lock")
    back: list[Layer]
    front: list[Layer]

    def __init__(self, back: list[Layer]) -> None:
        self.back, self.front, self.lock = back, [], threading.Lock()


class Window:
    """The layers at positions ``lo, ..., hi - 1`` of a :class:`Log`; ``flat`` caches them
    as a tuple once read through :meth:`tuple`."""

    __slots__ = ("flat", "hi", "lo", "log")
    flat: tuple[Layer, ...] | None
    log: Log
    lo: int
    hi: int

    def __init__(self, log: Log, lo: int, hi: int) -> None:
        self.log, self.lo, self.hi, self.flat = log, lo, hi, None

    def __len__(self) -> int:
        return self.hi - self.lo

    def tuple(self) -> tuple[Layer, ...]:
        """The layers as a tuple (computed once, then cached)."""
        if self.flat is None:
            self.flat = _read(self)
        return self.flat


Layers = tuple[Layer, ...] | Window  # a primitive's own tuple, or a composite's window


def check(layers: Any) -> Layers:
    """``layers`` if it is a tuple of layers or a window (for the private ``Diagram(...)``)."""
    if not isinstance(layers, tuple | Window):
        raise errors.ArgumentTypeError(
            f"Expected a tuple of (offset, box) layers, got {type(layers).__name__}; build "
            "diagrams from Box(...), >> and @ (the constructor is private)."
        )
    return layers


def as_tuple(layers: Layers) -> tuple[Layer, ...]:
    """The layers as a tuple, cached in a window (a diagram's :attr:`layers`)."""
    return layers if isinstance(layers, tuple) else layers.tuple()


def items(layers: Layers) -> tuple[Layer, ...]:
    """The layers as a tuple (a window's cached tuple when it has one; not cached here)."""
    if isinstance(layers, tuple):
        return layers
    return layers.flat if layers.flat is not None else _read(layers)


def _read(w: Window) -> tuple[Layer, ...]:
    back, lo, hi = w.log.back, w.lo, w.hi
    if lo >= 0:
        return tuple(back[lo:hi])
    head = w.log.front[-min(hi, 0) : -lo]
    head.reverse()
    return (*head, *back[: max(hi, 0)])


def join(parts: Sequence[tuple[Layers, int]]) -> Layers:
    """The layers of ``parts`` one after the other, each ``(layers, shift)`` with ``shift``
    added to its offsets (the first shift is 0): the one part itself, :func:`concat` of two
    parts, or a copy of all of them into a new log (linear time)."""
    if len(parts) < 3:
        return parts[0][0] if len(parts) == 1 else concat(parts[0][0], *parts[1])
    return _copy(parts)


def _copy(parts: Iterable[tuple[Layers, int]]) -> Window:
    out: list[Layer] = []
    for layers, shift in parts:
        out.extend(_shifted(items(layers), shift))
    return Window(Log(out), 0, len(out))


def concat(left: Layers, right: Layers, shift: int) -> Window:
    """The layers of ``left``, then those of ``right`` with ``shift`` added to their offsets
    (0 for ``>>``, the number of ``left``'s output wires for ``@``), in time linear in the
    shorter part when that part's log is free, else in both (see the module docstring)."""
    out = None
    longer = len(left) >= len(right)
    if shift or longer:
        out = _append(left, right, shift)
    if out is None and not shift:
        out = _prepend(left, right)
    if out is None and not longer:
        out = _append(left, right, shift)
    return _copy(((left, 0), (right, shift))) if out is None else out


def _shifted(layers: tuple[Layer, ...], shift: int) -> tuple[Layer, ...]:
    return tuple((i + shift, b) for i, b in layers) if shift else layers


def _append(left: Layers, right: Layers, shift: int) -> Window | None:
    if isinstance(left, tuple):
        return None
    log, new = left.log, _shifted(items(right), shift)
    with log.lock:
        if len(log.back) != left.hi:  # another composite has appended here
            return None
        log.back.extend(new)
    return Window(log, left.lo, left.hi + len(new))


def _prepend(left: Layers, right: Layers) -> Window | None:
    if isinstance(right, tuple):
        return None
    log, new = right.log, items(left)
    with log.lock:
        if len(log.front) != -right.lo:  # another composite has prepended here
            return None
        log.front.extend(reversed(new))
    return Window(log, right.lo - len(new), right.hi)
