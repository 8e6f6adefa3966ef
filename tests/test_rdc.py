"""Reverse derivative axioms RD1-RD5 (Cockett et al.), checked EXHAUSTIVELY on small Boolean
circuits (every input and every change), plus the smooth instance and the compile functor."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.boolean.rda import Circuit
from catlearn.boolean.rda_learn import affine_layer, lut_layer
from catlearn.boolean.rdc import ReverseLens, Smooth
from catlearn.core.lens import Lens
from catlearn.core.types import Bool, Ty

B1, B2 = Bool(1), Bool(2)
CHECKS = {"count": 0}  # number of (law, circuit, input) equalities checked
BY_LAW: dict[str, int] = {}


def _enum(ty: Ty) -> list[np.ndarray]:
    """Every value of ``ty``: one (2**n, width) uint8 array per atom (n = total bits)."""
    widths = [a.size for a in ty]
    n = sum(widths)
    codes = np.arange(2**n)
    bits = ((codes[:, None] >> np.arange(n)[::-1]) & 1).astype(np.uint8)
    return np.split(bits, np.cumsum(widths)[:-1], axis=1) if widths else []


_JIT: dict[int, tuple[Circuit, object]] = {}


def _run(c: Circuit, *parts):
    if id(c) not in _JIT:
        _JIT[id(c)] = (c, jax.jit(jax.vmap(c.run)))
    return _JIT[id(c)][1](*(jnp.asarray(p) for p in parts))


def _rd(c: Circuit, *parts):
    return _run(c.reverse_derivative(), *parts)


def _eq(a, b) -> None:
    a, b = tuple(a), tuple(b)
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.asarray(u), np.asarray(v))
    CHECKS["count"] += int(np.shape(a[0])[0]) if a else 1


def _copy_or(n):
    return Circuit.copy(Bool(n)) >> Circuit.and_(n)  # x AND x: an "unsafe" circuit


SMALL = {
    "xor": Circuit.xor(1),
    "and2": Circuit.and_(2),
    "not": Circuit.not_(2),
    "or": Circuit.or_(1),
    "const": Circuit.const([1, 0]),
    "copy": Circuit.copy(B1, 3),
    "discard": Circuit.discard(B2),
    "swap": Circuit.swap(B1, B2),
    "linear": Circuit.linear([[1, 1, 0], [0, 1, 1], [1, 1, 1]]),
    "select": Circuit.select(3, [2, 2, 0]),
    "concat": Circuit.concat(1, 2),
    "split": Circuit.split(2, 1),
    "x_and_x": _copy_or(1),
    "half_adder": Circuit.copy(B1 @ B1) >> (Circuit.xor(1) @ Circuit.and_(1)),
    "lut_2_1": lut_layer(2, 1),
    "lut_1_2": lut_layer(1, 2),
    "affine_2_1": affine_layer(2, 1),
}


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(f"\n[test_rdc] exhaustive law checks: {CHECKS['count']}")
    for law, n in BY_LAW.items():
        print(f"[test_rdc]   {law}: {n}")


@pytest.fixture(autouse=True)
def _per_law(request):
    before = CHECKS["count"]
    yield
    law = request.node.originalname.removeprefix("test_")
    BY_LAW[law] = BY_LAW.get(law, 0) + CHECKS["count"] - before


# --- gate derivatives as in the paper ---------------------------------------------------------


def test_gate_derivatives_match_the_paper():
    x, y, dz = _enum(B1 @ B1 @ B1)
    _eq(_rd(Circuit.xor(1), x, y, dz), (dz, dz))
    _eq(_rd(Circuit.and_(1), x, y, dz), (y & dz, x & dz))
    _eq(_rd(Circuit.not_(1), x, dz), (dz,))
    d1, d2 = y, dz
    _eq(_rd(Circuit.copy(B1), x, d1, d2), (d1 ^ d2,))  # R[copy] = XOR
    _eq(_rd(Circuit.discard(B1), x), (np.zeros_like(x),))  # R[discard] = 0
    (dx,) = _enum(B1)
    assert _rd(Circuit.one(1), dx) == ()  # R[constant] discards


@pytest.mark.parametrize("name", ["xor", "and2", "not", "or", "linear", "half_adder", "lut_2_1"])
def test_safe_circuits_agree_with_brute_force_derivative(name):
    """For multilinear circuits, R[f] is the Boolean derivative sum_j (f(x) + f(x + e_i))_j dy_j."""
    c = SMALL[name]
    x_parts = _enum(c.dom @ c.cod)
    xs, dys = x_parts[: len(c.dom)], x_parts[len(c.dom) :]
    x = np.concatenate(xs, axis=1)
    dy = np.concatenate(dys, axis=1)
    widths = [a.size for a in c.dom]
    fx = np.concatenate([np.asarray(o) for o in _run(c, *xs)], axis=1)
    brute = []
    for i in range(x.shape[1]):
        xi = x.copy()
        xi[:, i] ^= 1
        fxi = np.concatenate(
            [np.asarray(o) for o in _run(c, *np.split(xi, np.cumsum(widths)[:-1], axis=1))], axis=1
        )
        brute.append(np.sum((fx ^ fxi) & dy, axis=1) % 2)
    brute = np.stack(brute, axis=1).astype(np.uint8)
    got = np.concatenate([np.asarray(o) for o in _rd(c, *xs, *dys)], axis=1)
    np.testing.assert_array_equal(got, brute)
    CHECKS["count"] += x.shape[0]


def test_unsafe_circuit_differs_from_brute_force():
    """x AND x = x, but its compositional derivative is dz*x + dz*x = 0 (the paper's remark)."""
    x, dz = _enum(B1 @ B1)
    _eq(_rd(_copy_or(1), x, dz), (np.zeros_like(x),))
    assert np.any(np.asarray(dz) != 0)


# --- RD1-RD5 ----------------------------------------------------------------------------------


def _sum_maps(f: Circuit, g: Circuit) -> Circuit:
    """f + g in the left-additive structure: copy, run both, XOR."""
    return Circuit.copy(f.dom) >> (f @ g) >> Circuit.merge(f.cod)


@pytest.mark.parametrize(
    "pair",
    [
        ("xor", Circuit.and_(1)),
        ("or", Circuit.xor(1)),
        ("x_and_x", Circuit.not_(1)),
        ("not", Circuit.linear([[1, 1], [0, 1]])),
        (
            "lut_2_1",
            (Circuit.linear(np.ones((1, 4), np.uint8)) @ Circuit.select(2, [0])) >> Circuit.or_(1),
        ),
    ],
)
def test_rd1_additivity(pair):
    name, g = pair
    f = SMALL[name]
    assert f.dom == g.dom and f.cod == g.cod
    parts = _enum(f.dom @ f.cod)
    xs = parts[: len(f.dom)]
    dys = parts[len(f.dom) :]
    lhs = _rd(_sum_maps(f, g), *xs, *dys)
    rhs = tuple(a ^ b for a, b in zip(_rd(f, *xs, *dys), _rd(g, *xs, *dys)))
    _eq(lhs, rhs)
    zero = Circuit.discard(f.dom) >> Circuit.zero(f.cod[0].size)  # R[0] = 0
    _eq(_rd(zero, *xs, *dys[:1]), tuple(np.zeros_like(x) for x in xs))


@pytest.mark.parametrize("name", sorted(SMALL))
def test_rd2_linearity_in_the_change(name):
    c = SMALL[name]
    if len(c.cod) == 0:
        pytest.skip("no output change")
    parts = _enum(c.dom @ c.cod @ c.cod)
    n, m = len(c.dom), len(c.cod)
    xs, d1, d2 = parts[:n], parts[n : n + m], parts[n + m :]
    lhs = _rd(c, *xs, *(a ^ b for a, b in zip(d1, d2)))
    rhs = tuple(a ^ b for a, b in zip(_rd(c, *xs, *d1), _rd(c, *xs, *d2)))
    _eq(lhs, rhs)
    zeros = [np.zeros_like(d) for d in d1]
    _eq(_rd(c, *xs, *zeros), tuple(np.zeros_like(x) for x in xs))


def test_rd3_identity_and_projections():
    x, y, dz = _enum(B2 @ B1 @ B2)
    _eq(_rd(Circuit.id(B2), x, dz), (dz,))
    pi0 = Circuit.id(B2) @ Circuit.discard(B1)
    _eq(_rd(pi0, x, y, dz), (dz, np.zeros_like(y)))
    pi1 = Circuit.discard(B2) @ Circuit.id(B1)
    x, y, dz = _enum(B2 @ B1 @ B1)
    _eq(_rd(pi1, x, y, dz), (np.zeros_like(x), dz))


@pytest.mark.parametrize(
    "f, g", [("xor", "or"), ("and2", "and2"), ("lut_2_1", "lut_2_1"), ("copy", "x_and_x")]
)
def test_rd4_pairing(f, g):
    f, g = SMALL[f], SMALL[g]
    assert f.dom == g.dom
    pair = Circuit.copy(f.dom) >> (f @ g)
    parts = _enum(f.dom @ f.cod @ g.cod)
    n, m = len(f.dom), len(f.cod)
    xs, dy, dz = parts[:n], parts[n : n + m], parts[n + m :]
    lhs = _rd(pair, *xs, *dy, *dz)
    rhs = tuple(a ^ b for a, b in zip(_rd(f, *xs, *dy), _rd(g, *xs, *dz)))
    _eq(lhs, rhs)


CHAINS = [
    (Circuit.and_(1), Circuit.not_(1)),
    (Circuit.copy(B1 @ B1) >> (Circuit.xor(1) @ Circuit.and_(1)), Circuit.or_(1)),
    (Circuit.linear([[1, 0, 1], [1, 1, 0]]), Circuit.split(1, 1) >> Circuit.and_(1)),
    (
        Circuit.split(1, 1) >> Circuit.copy(B1 @ B1) >> (Circuit.or_(1) @ Circuit.and_(1)),
        Circuit.copy(B1 @ B1) >> (Circuit.and_(1) @ Circuit.xor(1)) >> Circuit.xor(1),
    ),
    (lut_layer(2, 2) >> Circuit.split(1, 1), Circuit.xor(1)),
    (affine_layer(2, 2), Circuit.not_(2) >> Circuit.select(2, [1, 0, 1])),
]


@pytest.mark.parametrize("k", range(len(CHAINS)))
def test_rd5_chain_rule(k):
    f, g = CHAINS[k]
    fg = f >> g
    parts = _enum(f.dom @ g.cod)
    n = len(f.dom)
    xs, dz = parts[:n], parts[n:]
    fx = _run(f, *xs)
    lhs = _rd(fg, *xs, *dz)
    rhs = _rd(f, *xs, *_rd(g, *fx, *dz))
    _eq(lhs, rhs)


def test_reverse_derivative_of_reverse_derivative_exists():
    """R[f] is itself a circuit, so R[R[f]] is defined; its change of dy is linear (RD6 flavour):
    R[R[f]]((x, dy), dx)_dy = J_f(x) dx, where the Jacobian is read off R[f](x, e_j)."""
    f = Circuit.copy(B1 @ B1) >> (Circuit.xor(1) @ Circuit.and_(1))
    Rf = f.reverse_derivative()
    RRf = Rf.reverse_derivative()
    x0, x1, d0, d1, e0, e1 = _enum(Ty(*[B1] * 6))
    out = _run(RRf, x0, x1, d0, d1, e0, e1)
    # Jacobian entries J[j][i] = R[f](x, e_j)_i
    one, zero = np.ones_like(x0), np.zeros_like(x0)
    J0 = _rd(f, x0, x1, one, zero)
    J1 = _rd(f, x0, x1, zero, one)
    jvp0 = (np.asarray(J0[0]) & e0) ^ (np.asarray(J0[1]) & e1)
    jvp1 = (np.asarray(J1[0]) & e0) ^ (np.asarray(J1[1]) & e1)
    _eq(out[2:], (jvp0, jvp1))


# --- functoriality of the Boolean compile -------------------------------------------------------


def _same(c1: Circuit, c2: Circuit) -> None:
    assert c1.dom == c2.dom and c1.cod == c2.cod
    i1, o1 = c1.truth_table()
    _, o2 = c2.truth_table()
    np.testing.assert_array_equal(o1, o2)
    CHECKS["count"] += len(i1)
    # and the reverse derivatives
    r1, r2 = c1.reverse_derivative().truth_table()[1], c2.reverse_derivative().truth_table()[1]
    np.testing.assert_array_equal(r1, r2)
    CHECKS["count"] += len(r1)


def test_compile_is_a_functor():
    import catlearn.diagrams.compiler as compile_mod
    import catlearn.diagrams.diagram as diagram

    Box, Diagram = diagram.Box, diagram.Diagram
    B = Bool(1)
    xor, and_, not_ = Box("XOR", B @ B, B), Box("AND", B @ B, B), Box("NOT", B, B)
    F = lambda d: compile_mod.compile(d, into=Circuit)  # noqa: E731
    d1 = Diagram.copy(B @ B) >> (xor @ and_)
    d2 = (not_ @ B) >> and_
    _same(F(d1 >> d2), F(d1) >> F(d2))
    _same(F(d1 @ d2), F(d1) @ F(d2))
    _same(F(Diagram.swap(B, B) >> xor), Circuit.swap(B, B) >> Circuit.xor(1))
    _same(F(Diagram.copy(B) >> and_), _copy_or(1))
    _same(F(Diagram.discard(B) @ B), Circuit.discard(B) @ B)
    _same(F(Diagram.copy(B) >> diagram.Merge(B)), Circuit.copy(B) >> Circuit.xor(1))
    half = Box("half", B @ B, B @ B)
    _same(
        compile_mod.compile(half >> xor, {half: SMALL["half_adder"]}, into=Circuit),
        SMALL["half_adder"] >> Circuit.xor(1),
    )


def _lut1_diagram(diagram):
    """f(p0, p1, x) = p0 (not x) + p1 x, drawn with gate boxes (the notebook's circuit)."""
    Box, Diagram = diagram.Box, diagram.Diagram
    B = Bool(1)
    and_, not_ = Box("AND", B @ B, B), Box("NOT", B, B)
    return (
        (B @ B @ Diagram.copy(B))
        >> (B @ Diagram.swap(B, B) @ B)
        >> (B @ not_ @ and_)
        >> (and_ @ B)
        >> diagram.Merge(B)
    )


def test_gate_diagram_compiles_to_the_lut_layer():
    import catlearn.diagrams.compiler as compile_mod
    import catlearn.diagrams.diagram as diagram

    c = compile_mod.compile(_lut1_diagram(diagram), into=Circuit)
    _same(c, (Circuit.concat(1, 1) @ B1) >> lut_layer(1, 1))


def test_one_diagram_two_semantics():
    """The same diagram, compiled into Para with the real multilinear extensions of the gates
    (XOR = x + y - 2xy, AND = xy, NOT = 1 - x, merge = XOR), agrees with the Boolean circuit on
    every bit input."""
    import catlearn.diagrams.compiler as compile_mod
    import catlearn.diagrams.diagram as diagram
    from catlearn.core.para import Para

    d = _lut1_diagram(diagram)
    B = Bool(1)
    real = {
        "AND": Para.from_function(lambda xy: xy[0] * xy[1], B @ B, B),
        "NOT": Para.from_function(lambda x: 1.0 - x, B, B),
    }
    merge = next(b for b in d.boxes if isinstance(b, diagram.Merge))
    real[merge] = Para.from_function(lambda xy: xy[0] + xy[1] - 2 * xy[0] * xy[1], B @ B, B)
    smooth = compile_mod.compile(d, real)
    boolean = compile_mod.compile(d, into=Circuit)
    ins, outs = boolean.truth_table()
    got = np.array(
        [
            np.asarray(smooth({}, tuple(jnp.asarray(r[i : i + 1], jnp.float32) for i in range(3))))
            for r in ins
        ]
    )
    np.testing.assert_array_equal(got.reshape(outs.shape), outs.astype(np.float32))
    CHECKS["count"] += len(ins)


def test_from_program_on_a_hand_built_program():
    class P:
        pass

    class Ins:
        def __init__(self, box, ins, outs):
            self.box, self.ins, self.outs = box, ins, outs

    class Bx:
        def __init__(self, name, dom, cod):
            self.name, self.dom, self.cod = name, dom, cod

    B = Bool(1)
    xor, and_ = Bx("XOR", B @ B, B), Bx("AND", B @ B, B)
    prog = P()
    prog.dom, prog.cod, prog.inputs = B @ B, B @ B, (0, 1)
    prog.instructions = (Ins(xor, (0, 1), (2,)), Ins(and_, (0, 1), (3,)))
    prog.outputs, prog.slot_types = (2, 3), (B, B, B, B)
    _same(Circuit.from_program(prog), SMALL["half_adder"])


# --- the smooth instance ------------------------------------------------------------------------


def test_smooth_laws_in_float64(x64, getkey):
    """RD axioms of the smooth instance and its lens composition, each side against derivatives
    written by hand (not against jax.vjp of another bracketing), so a wrong ``reverse``
    (J instead of J^T), a wrong lens composition order or a wrong tensor would fail."""
    S = Smooth()
    f = lambda v: jnp.sin(v) * v  # noqa: E731
    df = lambda v: jnp.cos(v) * v + jnp.sin(v)  # noqa: E731  f' (elementwise)
    g = lambda v: jnp.exp(v) + v**2  # noqa: E731
    dg = lambda v: jnp.exp(v) + 2 * v  # noqa: E731
    W = jax.random.normal(getkey(), (2, 3))  # not square, not symmetric
    h = lambda v: jnp.tanh(W @ v)  # noqa: E731  R[h](x, dz) = W^T ((1 - h(x)^2) dz)
    Rh = lambda v, dz: W.T @ ((1 - jnp.tanh(W @ v) ** 2) * dz)  # noqa: E731
    for _ in range(2):
        x, x2 = jax.random.normal(getkey(), (3,)), jax.random.normal(getkey(), (3,))
        dy, dy2 = jax.random.normal(getkey(), (3,)), jax.random.normal(getkey(), (3,))
        dz = jax.random.normal(getkey(), (2,))
        tol = dict(rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(S.reverse(f, x, dy), df(x) * dy, **tol)  # R[f] = J^T dy
        np.testing.assert_allclose(S.reverse(h, x, dz), Rh(x, dz), **tol)
        np.testing.assert_allclose(S.reverse(f, x, dy + dy2), df(x) * (dy + dy2), **tol)  # RD2
        np.testing.assert_allclose(
            S.reverse(lambda v: f(v) + g(v), x, dy), (df(x) + dg(x)) * dy, **tol
        )  # RD1
        np.testing.assert_allclose(
            S.reverse(lambda v: h(g(f(v))), x, dz), df(x) * dg(f(x)) * Rh(g(f(x)), dz), **tol
        )  # RD5, the chain rule, by hand
        L = S.lens(f) >> S.lens(g) >> S.lens(h)  # the lens composition is RD5
        assert isinstance(L, Lens) and isinstance(S.lens(f), ReverseLens)  # engine composites
        np.testing.assert_allclose(L.get(x), h(g(f(x))), **tol)
        np.testing.assert_allclose(L.put(x, dz), df(x) * dg(f(x)) * Rh(g(f(x)), dz), **tol)
        T = S.lens(f) @ S.lens(h)
        (tf, th) = T.put((x, x2), (dy, dz))
        np.testing.assert_allclose(tf, df(x) * dy, **tol)
        np.testing.assert_allclose(th, Rh(x2, dz), **tol)
        p, y = jax.random.normal(getkey(), (2,)), jax.random.normal(getkey(), (2,))
        model = lambda px: jnp.tanh(W @ px[1]) * px[0]  # noqa: E731  f(p, x) = p * h(x)
        np.testing.assert_allclose(  # p' = p - lr (f(p, x) - y) h(x), by hand
            S.update(model, p, x, y, lr=0.1), p - 0.1 * (p * h(x) - y) * h(x), **tol
        )


def test_smooth_update_is_sgd_on_squared_error(x64):
    S = Smooth()
    f = lambda px: jnp.tanh(px[0] @ px[1])  # noqa: E731
    p, x, y = jnp.array([0.3, -0.2]), jnp.array([1.0, 2.0]), jnp.array(0.5)
    loss = lambda p: 0.5 * (f((p, x)) - y) ** 2  # noqa: E731
    np.testing.assert_allclose(
        S.update(f, p, x, y, lr=0.1), p - 0.1 * jax.grad(loss)(p), rtol=1e-12
    )
