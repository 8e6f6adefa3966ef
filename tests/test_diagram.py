"""Diagrams: composition laws, structure maps, type checks, DisCoPy round trip, drawing."""

from __future__ import annotations

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
