"""Pregroup grammar (catlearn.diagrams.pregroup): adjoints, words, cups/caps/spiders, parsing,
snake removal, drawing; and lambeq's MC/RP files parsed from the lexicon."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlearn.core.types import Euclid, Ty
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.diagrams.pregroup import (
    Cap,
    Cup,
    Pregroup,
    Spider,
    Word,
    caps,
    cups,
    draw_pregroup,
    from_discopy,
    left,
    normal_form,
    parse,
    right,
    sentence,
    to_discopy,
)
from catlearn.errors import (
    ArgumentTypeError,
    CatlearnError,
    DiagramError,
    MissingBoxError,
    TypeMismatch,
)
from catlearn.training.lambeq_tasks import DATA, MC_LEXICON, N, S, read_mc, read_rp, rp_lexicon

n, s = Pregroup("n"), Pregroup("s")

atoms = st.builds(Pregroup, st.sampled_from(["n", "s", "p"]), st.integers(-3, 3))
types = st.lists(atoms, max_size=4).map(lambda xs: Ty(*xs))


@given(atoms)
@settings(max_examples=30, deadline=None)
def test_adjoints_cancel(a):
    assert a.l.r == a == a.r.l
    assert a.l.l.r.r == a
    assert a.l != a != a.r


@given(types)
@settings(max_examples=30, deadline=None)
def test_adjoints_of_types_reverse_and_invert(t):
    assert right(left(t)) == t == left(right(t))
    if len(t):
        assert left(t)[0] == t[len(t) - 1].l


def test_adjoint_names():
    assert [repr(x) for x in (n.l, n.r, n.l.l, n.r.r, n.l.r)] == [
        "n.l",
        "n.r",
        "n.l.l",
        "n.r.r",
        "n",
    ]
    assert left(n.r @ s @ n.l) == n.l.l @ s.l @ n


def test_words_are_name_and_type():
    intrans, trans = Word("runs", n.r @ s), Word("runs", n.r @ s @ n.l)
    assert intrans != trans and intrans == Word("runs", n.r @ s)
    assert hash(intrans) == hash(Word("runs", n.r @ s))
    assert intrans.dom == Ty() and trans.cod == n.r @ s @ n.l


def test_cup_cap_types_are_checked():
    assert Cup(n, n.r).dom == n @ n.r and Cup(n.l, n).dom == n.l @ n
    assert Cap(n, n.l).cod == n @ n.l and Cap(n.r, n).cod == n.r @ n
    with pytest.raises(DiagramError, match="right adjoint"):
        Cup(n, n.l)
    with pytest.raises(DiagramError, match="left adjoint"):
        Cap(n, n.r)


def test_cup_on_euclid_wires_is_a_type_error_naming_the_tensor_semantics():
    with pytest.raises(TypeMismatch, match="tensor semantics") as e:
        Cup(Euclid(2), Euclid(2))
    assert isinstance(e.value, CatlearnError)
    with pytest.raises(TypeMismatch, match=r"catlearn\.training\.tensor"):
        Word("dog", Euclid(2))
    with pytest.raises(TypeMismatch, match="ansatz"):
        n.shape


def test_spider_types():
    sp = Spider(n, 2, 3)
    assert sp.dom == n @ n and sp.cod == n @ n @ n
    assert Spider(n, 2, 3) == Spider(n, 2, 3) != Spider(n, 3, 2)


def test_cups_and_caps_of_types_are_nested():
    t = n @ s
    c = cups(t, right(t))
    assert c.dom == n @ s @ s.r @ n.r and c.cod == Ty()
    assert [b.dom for b in c.boxes] == [s @ s.r, n @ n.r]
    k = caps(t, left(t))
    assert k.cod == n @ s @ s.l @ n.l and k.dom == Ty()
    with pytest.raises(DiagramError):
        cups(t, left(t))


def test_snake_equations_by_normal_form():
    assert normal_form((Cap(n, n.l) @ n) >> (n @ Cup(n.l, n))) == Diagram.id(n)
    assert normal_form((n @ Cap(n.r, n)) >> (Cup(n, n.r) @ n)) == Diagram.id(n)
    # the same for an adjoint wire, and a snake after a word
    w = Word("w", n.l)
    snake = (Cap(n.l, n.l.l) @ n.l) >> (n.l @ Cup(n.l.l, n.l))
    assert normal_form(w >> snake) == w
    # a diagram without snakes is unchanged
    d = parse("man runs".split(), {"man": n, "runs": n.r @ s})
    assert normal_form(d) == d


def test_parse_is_planar_reduction():
    lex = {"man": n, "meal": n, "tasty": n @ n.l, "cooks": n.r @ s @ n.l, "runs": n.r @ s}
    d = parse("man cooks tasty meal".split(), lex)
    assert d.dom == Ty() and d.cod == s
    words = [b for b in d.boxes if isinstance(b, Word)]
    assert [w.name for w in words] == ["man", "cooks", "tasty", "meal"]
    assert [b.dom for b in d.boxes if isinstance(b, Cup)] == [n @ n.r, n.l @ n, n.l @ n]
    assert parse(["man", "runs"], lex).cod == s
    with pytest.raises(MissingBoxError, match="'dog'"):
        parse(["dog", "runs"], lex)
    with pytest.raises(DiagramError, match="reduce"):
        parse(["man", "man"], lex)


def test_sentence_checks_its_links():
    with pytest.raises(DiagramError, match="adjacent"):
        sentence([Word("a", n), Word("b", n @ n.r)], [(0, 2)])


def test_mc_and_rp_parse():
    mc, y = read_mc(DATA / "mc_train_data.txt")
    assert len(mc) == 70 and y.shape == (70, 2) and all(d.cod == S for d in mc)
    assert len({d.layers[0][1].cod for d in mc}) >= 2  # adjective or noun first
    rp, _ = read_rp(DATA / "rp_train_data.txt")
    assert len(rp) == 74 and all(d.cod == N for d in rp)
    that = {b.cod for d in rp for b in d.boxes if isinstance(b, Word) and b.name == "that"}
    assert that == {N.r @ N @ N.l.l @ S.l, N.r @ N @ S.l @ N}  # both pronoun types occur
    # word order, never the label, picks the pronoun's type
    obj = parse("organization that church establish".split(), rp_lexicon(), N)
    subj = parse("organization that establish church".split(), rp_lexicon(), N)
    assert obj.boxes[1].cod == N.r @ N @ N.l.l @ S.l and subj.boxes[1].cod == N.r @ N @ S.l @ N
    assert MC_LEXICON["runs"] == N.r @ S @ N.l


def test_draw_pregroup_writes_a_file(tmp_path):
    d = parse("man cooks tasty meal".split(), MC_LEXICON, S)
    out = tmp_path / "s.png"
    draw_pregroup(d, out)
    assert out.stat().st_size > 0
    with pytest.raises(DiagramError, match="sentence diagram"):
        draw_pregroup(Word("a", n) >> Spider(n, 1, 2), tmp_path / "x.png")


def test_pregroup_wires_with_euclid_boxes_do_not_compose():
    f = Box("f", Euclid(2), Euclid(2))
    with pytest.raises(TypeMismatch):
        Word("a", n) >> f


# --- DisCoPy 1.2.2 interop (discopy.grammar.pregroup, the module lambeq 0.5 converts to) -----


def _discopy_sentence(tokens, types, target, p):
    """The greedy reduction of ``parse`` written with DisCoPy's own constructors."""
    atoms = [p.Ty(p.Ob(a.name, z=a.z)) for ty in types for a in ty.inside]
    d = p.Id(p.Ty())
    for w, ty in zip(tokens, types):
        d = d @ p.Word(w, p.Ty(*(p.Ob(a.name, z=a.z) for a in ty.inside)))
    stack, alive = [], list(range(len(atoms)))
    for j, a in enumerate(atoms):
        if stack and atoms[stack[-1]].r == a:
            i = stack.pop()
            k = alive.index(i)
            rest = [atoms[q] for q in alive]
            left_, right_ = p.Ty().tensor(*rest[:k]), p.Ty().tensor(*rest[k + 2 :])
            d = d >> p.Id(left_) @ p.Cup(atoms[i], a) @ p.Id(right_)
            del alive[k : k + 2]
        else:
            stack.append(j)
    return d


def test_discopy_types_with_adjoints_round_trip():
    p = pytest.importorskip("discopy.grammar.pregroup")
    that = Word("that", n.r @ n @ n.l.l @ s.l)
    dd = to_discopy(that)
    dn, ds = p.Ty("n"), p.Ty("s")
    assert dd == p.Word("that", dn.r @ dn @ dn.l.l @ ds.l)
    assert from_discopy(dd) == that and from_discopy(dd).cod == n.r @ n @ n.l.l @ s.l
    deep = Word("w", Ty(Pregroup("n", -3), Pregroup("s", 2)))
    assert from_discopy(to_discopy(deep)) == deep


def test_discopy_caps_spiders_swaps_and_boxes_round_trip():
    p = pytest.importorskip("discopy.grammar.pregroup")
    f = Box("f", n.l @ s, s)
    d = (
        (Cap(n, n.l) @ Cap(s.r, s))
        >> (Spider(n, 1, 2) @ n.l @ s.r @ s)
        >> (n @ n @ Diagram.swap(n.l, s.r) @ s)
        >> (n @ n @ s.r @ f)
        >> (Spider(n, 2, 1) @ s.r @ s)
    )
    back = from_discopy(to_discopy(d))
    assert back == d and back.cod == d.cod
    assert [type(b).__name__ for b in to_discopy(d).boxes] == [
        "Cap", "Cap", "Spider", "Swap", "Box", "Spider"
    ]  # fmt: skip
    # the snake: DisCoPy's own normal form agrees with catlearn's
    snake = (Cap(n, n.l) @ n) >> (n @ Cup(n.l, n))
    assert to_discopy(snake).normal_form() == p.Id(p.Ty("n")) == to_discopy(normal_form(snake))


def test_lambeq_sentences_round_trip_through_discopy():
    p = pytest.importorskip("discopy.grammar.pregroup")
    for read, name, target in (
        (read_mc, "mc_train_data.txt", S),
        (read_mc, "mc_test_data.txt", S),
        (read_rp, "rp_train_data.txt", N),
        (read_rp, "rp_test_data.txt", N),
    ):
        diagrams, _ = read(DATA / name)
        for d in diagrams:
            dd = to_discopy(d)
            assert from_discopy(dd) == d
            words = [b for b in d.boxes if isinstance(b, Word)]
            native = _discopy_sentence([w.name for w in words], [w.cod for w in words], target, p)
            assert dd == native, (d, dd, native)


def test_discopy_conversion_errors():
    p = pytest.importorskip("discopy.grammar.pregroup")
    with pytest.raises(ArgumentTypeError, match="to_discopy"):
        from_discopy(Word("w", n))
    with pytest.raises(TypeMismatch, match="pregroup"):
        to_discopy(Box("f", Euclid(2), Euclid(2)))
    assert from_discopy(p.Id(p.Ty("n") @ p.Ty("s").l)) == Diagram.id(n @ s.l)
