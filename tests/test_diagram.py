"""Diagrams: composition laws, structure maps, type checks, DisCoPy round trip, drawing."""

from __future__ import annotations

import gc
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlearn.core.types import Bool, Euclid, Fin, Ty
from catlearn.diagrams.diagram import Box, Diagram, Merge, chain, copy, discard, draw, merge, swap
from catlearn.errors import DiagramError, TypeMismatch

x, y, z = Euclid(2), Fin(3), Bool(4)
f, g, h = Box("f", x, y), Box("g", y, z), Box("h", z, x)


def test_category_laws():
    assert (f >> g) >> h == f >> (g >> h) == chain(f, g, h) == f.then(g, h)
    assert Diagram.id(x) >> f == f == f >> Diagram.id(y)
    assert (f @ g) @ h == f @ (g @ h)
    assert Diagram.id(Ty()) @ f == f == f @ Diagram.id(Ty())
    assert (f @ x) >> (y @ f) == f @ f  # interchange (left-biased normal form)
    assert (f >> g) @ (g >> h) == (f >> g) @ g.dom >> z @ (g >> h)  # left-biased tensor
    assert x @ f == Diagram.id(x) @ f and f @ x == f @ Diagram.id(x)
    assert f << Diagram.id(x) == f


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=1, max_size=12))
def test_then_is_associative_on_random_chains(idx):
    boxes = [Box(f"b{i}", x, x) for i in idx]
    left = boxes[0]
    for b in boxes[1:]:
        left = left >> b
    assert left == chain(*boxes)
    assert [b.name for b in left.boxes] == [f"b{i}" for i in idx]


def test_structure_maps_types():
    assert copy(x @ y, 3).cod == (x @ y) ** 3
    assert discard(x @ y).cod == Ty()
    assert swap(x @ y, z).cod == z @ x @ y
    assert merge(x @ x, 2).dom == x @ x @ x @ x
    assert copy(x, 1) == Diagram.id(x) == merge(x, 1)
    assert swap(x, y) >> swap(y, x) != Diagram.id(x @ y)  # syntax, not yet semantics
    assert [b.name for b in copy(x @ y).boxes] == ["copy", "copy", "swap"]


def test_boxes_are_values():
    assert Box("f", x, y, spec=("a", 1)) == Box("f", x, y, spec=("a", 1))
    assert Box("f", x, y, spec=("a", 1)) != Box("f", x, y, spec=("a", 2))
    assert hash(Box("f", x, y, spec=1)) == hash(Box("f", x, y, spec=1))
    assert len({Box("f", x, y), Box("f", x, y), Box("g", x, y)}) == 2
    assert Merge(x, 3).n == 3 and Merge(x).atom == x


def test_bad_boxes():
    import numpy as np

    with pytest.raises(DiagramError, match="hashable spec"):
        Box("f", x, y, spec={"a": 1})
    with pytest.raises(DiagramError, match="hashable spec"):
        Box("f", x, y, spec=np.ones(3))
    with pytest.raises(DiagramError, match="name"):
        Box("", x, y)
    with pytest.raises(TypeError, match="wire type"):
        Box("f", 3, y)
    with pytest.raises(DiagramError, match="single atom"):
        Merge(x @ x)
    with pytest.raises(DiagramError):
        copy(x, -1)


def test_type_mismatch_names_both_boxes_and_types():
    with pytest.raises(TypeMismatch) as e:
        f >> h
    msg = str(e.value)
    assert "Box('f'" in msg and "Box('h'" in msg and "Fin(3)" in msg and "Bool(4)" in msg
    with pytest.raises(TypeMismatch, match="Box\\('g'"):
        chain(f, g, g)
    with pytest.raises(TypeMismatch):
        (f @ g) >> (h @ g)
    assert isinstance(TypeMismatch("x"), TypeError)


def test_discopy_round_trip():
    d = f >> copy(y) >> (g @ g) >> swap(z, z) >> (h @ discard(z))
    inner = d.to_discopy()
    assert str(inner.dom) == "Euclid(2)" and len(inner) == len(d)
    assert [b.name for b in inner.boxes][:2] == ["f", "Copy(Fin(3))"]
    assert Diagram.from_discopy(inner) == d
    assert inner.boxes[0].data is None and f.to_discopy().name == "f"
    whiskered = (x @ x) @ Merge(x) @ y
    assert Diagram.from_discopy(whiskered.to_discopy()) == whiskered


def test_unknown_discopy_types_are_rejected():
    from catlearn.diagrams import _discopy

    raw = _discopy.markov.Box("r", _discopy.markov.Ty("mystery"), _discopy.markov.Ty("mystery"))
    with pytest.raises(DiagramError, match="mystery"):
        Diagram.from_discopy(raw)


def test_long_chains_are_linear():
    boxes = [Box(f"b{i}", x, x) for i in range(20000)]
    t0 = time.perf_counter()
    d = chain(*boxes)
    assert len(d) == 20000 and time.perf_counter() - t0 < 2.0
    assert repr(d).startswith("Diagram(Euclid(2) -> Euclid(2): b0 >> b1 >> b2 >> ...")


def _fold_left(boxes):
    d = boxes[0]
    for b in boxes[1:]:
        d = d >> b
    return d


def _fold_right(boxes):
    d = boxes[-1]
    for b in reversed(boxes[:-1]):
        d = b >> d
    return d


def test_100k_rshift_folds_build_without_recursion_and_equal_then():
    """``d = d >> box`` and ``d = box >> d`` 10^5 times: no RecursionError, equal to ``then``."""
    boxes = [Box(f"r{i % 997}", x, x) for i in range(100_000)]  # 997 distinct boxes
    flat = boxes[0].then(*boxes[1:])
    for fold in (_fold_left, _fold_right):
        d = fold(boxes)
        assert len(d) == 100_000 and d.dom == d.cod == x
        assert d == flat and hash(d) == hash(flat)
        assert d.boxes == boxes
    nested = boxes[0]  # both ways at once: f0 >> ((f1 >> f2) >> (f3 >> f4)) ...
    for i in range(1, 100_000 - 1, 2):
        nested = nested >> (boxes[i] >> boxes[i + 1])
    assert nested >> boxes[-1] == flat


def test_rshift_fold_is_linear_with_the_collector_on():
    """Per-box time of ``d = d >> box`` does not grow with the chain (GC on, as users run).
    Quadratic growth (the layers copied at every ``>>``) gives a 10^5 / 10^4 ratio of ~100;
    linear ~10. The bound is loose for a loaded machine."""
    assert gc.isenabled()
    timings = {}
    for n in (10_000, 100_000):
        boxes = [Box(f"t{i % 997}", x, x) for i in range(n)]
        best = float("inf")
        for _ in range(3 if n < 100_000 else 1):
            t0 = time.process_time()
            d = _fold_left(boxes)
            best = min(best, time.process_time() - t0)
            assert len(d) == n
        timings[n] = best
    print(f"d = d >> box: 1e4 {timings[10_000]:.3f} s, 1e5 {timings[100_000]:.3f} s")
    assert timings[100_000] < 30 * timings[10_000] + 0.05


def test_composites_sharing_a_part_keep_their_own_layers():
    """A composite extends its part's shared list in place only while nobody else has: a
    second composite of the same part (on either side) gets its own layers."""
    a, b, c, e = (Box(n, x, x) for n in "abce")
    trunk = a >> b
    d1, d2 = trunk >> c, trunk >> e  # d1 appended to trunk's list; d2 must not see it
    assert [bx.name for bx in d1.boxes] == list("abc") and [bx.name for bx in d2.boxes] == list(
        "abe"
    )
    assert trunk.boxes == [a, b] and len(trunk) == 2
    tail = b >> c
    p1, p2 = a >> tail, e >> tail  # prepends to tail's list, then copies
    assert [bx.name for bx in p1.boxes] == list("abc") and [bx.name for bx in p2.boxes] == list(
        "ebc"
    )
    assert (trunk >> trunk).boxes == [a, b, a, b] and (d1 @ d1).layers[3:] == (
        (1, a),
        (1, b),
        (1, c),
    )
    assert trunk >> tail == a.then(b, b, c) == (a >> (b >> (b >> c)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 63), st.integers(0, 63), st.booleans()), max_size=40))
def test_random_composites_equal_copied_layers(ops):
    """Any order of ``>>`` and ``@`` over shared parts gives the layers of the copying
    definition (DisCoPy's): ``then`` concatenates, ``tensor`` shifts the right part."""
    boxes = [Box(f"e{i}", x, x) for i in range(3)]
    pool = [(b, ((0, b),)) for b in boxes] + [(Diagram.id(x), ())]
    for i, j, tensor in ops:
        (d, ld), (e, le) = pool[i % len(pool)], pool[j % len(pool)]
        if tensor or d.cod != e.dom:
            if len(d.cod) + len(e.cod) > 3:
                continue
            shift = len(d.cod)
            pool.append((d @ e, ld + tuple((k + shift, bx) for k, bx in le)))
        else:
            pool.append((d >> e, ld + le))
    for d, layers in pool:
        assert d.layers == layers and len(d) == len(layers)
        if len(layers) < 6:
            assert d == Diagram.from_discopy(d.to_discopy())


def test_composites_from_threads_keep_their_own_layers():
    """Threads extending the same part at once: each composite still has its own layers."""
    trunk = Box("a", x, x) >> Box("b", x, x)
    out: dict[int, Diagram] = {}

    def work(k: int) -> None:
        for j in range(200):
            out[1000 * k + j] = trunk >> Box(f"t{k}_{j}", x, x)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key, d in out.items():
        assert [b.name for b in d.boxes] == ["a", "b", f"t{key // 1000}_{key % 1000}"]


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_draw_headless(tmp_path, suffix):
    import matplotlib.pyplot as plt

    d = f >> copy(y) >> (g @ g) >> merge(z)
    out = tmp_path / "sub" / f"d.{suffix}"
    draw(d, out, figsize=(3, 4))
    assert out.stat().st_size > 500
    d.draw(tmp_path / f"e.{suffix}")
    assert (tmp_path / f"e.{suffix}").exists()
    assert plt.get_fignums() == []
    with pytest.raises(TypeError):
        draw("not a diagram", out)
