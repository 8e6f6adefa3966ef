"""Laws for lenses and parametrised lenses (Cruttwell et al.): associativity, units,
interchange, and functoriality of the reverse derivative R(f >> g) = R(f) >> R(g)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlearn.core.lens import Lens, ParaLens
from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Ty
from catlearn.errors import ParamsError, ShapeError, TypeMismatch
from conftest import tree_allclose, tree_maxdiff

E1, E2, E3 = Euclid(1), Euclid(2), Euclid(3)
floats = st.floats(-2.0, 2.0, allow_nan=False, width=32)
vec2 = st.lists(floats, min_size=2, max_size=2).map(jnp.asarray)


def rd_lenses():
    f = Lens.from_function(jnp.sin, E2, E2)
    g = Lens.from_function(lambda x: jnp.stack([x[0] * x[1], x[0] + x[1], x[1] ** 2]), E2, E3)
    h = Lens.from_function(lambda x: jnp.sum(jnp.exp(x), keepdims=True), E3, E1)
    return f, g, h


def same_lens(l1, l2, a, b):
    return tree_allclose(l1.get(a), l2.get(a), rtol=1e-6, atol=1e-6) and tree_allclose(
        l1.put(a, b), l2.put(a, b), rtol=1e-6, atol=1e-6
    )


@settings(max_examples=10, deadline=None)
@given(vec2, floats)
def test_lens_associative_and_unital(a, c):
    f, g, h = rd_lenses()
    c = jnp.asarray([c])
    assert same_lens((f >> g) >> h, f >> (g >> h), a, c)
    assert same_lens(Lens.id(E2) >> (f >> g >> h), f >> g >> h, a, c)
    assert same_lens((f >> g >> h) >> Lens.id(E1), f >> g >> h, a, c)


@settings(max_examples=10, deadline=None)
@given(vec2, vec2, floats)
def test_reverse_derivative_is_a_functor(a, b, c):
    f, g, h = rd_lenses()
    c = jnp.asarray([c])
    whole = Lens.from_function(
        lambda x: jnp.sum(
            jnp.exp(
                jnp.stack(
                    [
                        jnp.sin(x)[0] * jnp.sin(x)[1],
                        jnp.sin(x)[0] + jnp.sin(x)[1],
                        jnp.sin(x)[1] ** 2,
                    ]
                )
            ),
            keepdims=True,
        ),
        E2,
        E1,
    )
    assert same_lens(f >> g >> h, whole, a, c)
    # and on @: R(f @ f) = R(f) @ R(f)
    ff = Lens.from_function(lambda xy: (jnp.sin(xy[0]), jnp.sin(xy[1])), E2 @ E2, E2 @ E2)
    assert same_lens(f @ f, ff, (a, b), (b, a))


def test_lens_tensor_laws_and_interchange(getkey):
    f, g, _ = rd_lenses()
    k = Lens.from_function(jnp.tanh, E2, E2)
    a, b, c = (jax.random.normal(getkey(), (2,)) for _ in range(3))
    left, right = (f @ k) @ f, f @ (k @ f)
    assert left.dom == right.dom
    assert same_lens(left, right, (a, b, c), (c, b, a))
    assert same_lens(Ty() @ f, f, a, b)
    lhs = (f @ k) >> (g @ f)
    rhs = (f >> g) @ (k >> f)
    db = (jax.random.normal(getkey(), (3,)), b)
    assert same_lens(lhs, rhs, (a, b), db)


def test_structure_lenses():
    x, y = jnp.array([1.0, 2.0]), jnp.array([3.0])
    sw = Lens.swap(E2, E1)
    assert sw.get((x, y)) == (y, x)
    assert sw.put((x, y), (y, x)) == (x, y)
    cp = Lens.copy(E2, 3)
    assert tree_allclose(cp.put(x, (x, x, x)), 3 * x)
    assert tree_allclose(Lens.discard(E2).put(x, ()), jnp.zeros(2))
    mg = Lens.merge(E2)
    assert tree_allclose(mg.get((x, x)), 2 * x)
    assert mg.put((x, x), x) == (x, x)
    # copy >> merge is multiplication by 2 (a reverse derivative lens)
    assert same_lens(Lens.copy(E2) >> mg, Lens.from_function(lambda v: 2 * v, E2, E2), x, x)


def test_lens_type_mismatch_and_bad_values():
    f, _, h = rd_lenses()
    with pytest.raises(TypeMismatch, match=r"Euclid\(1\).*Euclid\(2\)"):
        h >> f
    with pytest.raises(TypeError, match="wire types"):
        Lens(jnp.sin, jnp.cos, 2, 2)
    with pytest.raises(ShapeError, match="input"):
        f.get(jnp.ones(3))
    with pytest.raises(ShapeError, match="backward value"):
        f.put(jnp.ones(2), jnp.ones(5))


# --- parametrised lenses ------------------------------------------------------------------------


def paras():
    f = Para.linear(E2, E3, name="f") >> Para.from_function(jnp.tanh, E3, E3)
    g = Para.linear(E3, E2, name="g")
    h = Para.linear(E2, E1, name="h")
    return f, g, h


def same_plens(l1, l2, p, a, b, tol=1e-12):
    run = jax.jit(lambda p, a, b: [(l.get(p, a), l.put(p, a, b)) for l in (l1, l2)])
    u, v = run(p, a, b)
    gap = tree_maxdiff(u, v)
    assert gap <= tol, gap
    return gap


def test_paralens_reverse_derivative_functor_x64(x64, getkey):
    f, g, h = paras()
    R = ParaLens.from_para
    p = (f >> g >> h).init(getkey())
    a, c = jax.random.normal(getkey(), (2,)), jax.random.normal(getkey(), (1,))
    same_plens(R(f >> g >> h), R(f) >> R(g) >> R(h), p, a, c)
    same_plens((R(f) >> R(g)) >> R(h), R(f) >> (R(g) >> R(h)), p, a, c)
    same_plens(ParaLens.id(E2) >> R(f), R(f), p, a, jnp.ones(3))
    same_plens(R(h) >> ParaLens.id(E1), R(h), p, a, c)
    # tensor and interchange
    b = jax.random.normal(getkey(), (3,))
    same_plens(R(f @ g), R(f) @ R(g), p, (a, b), (b, a))
    lhs = (R(f) @ R(g)) >> (R(g.named("g2")) @ R(h))
    p2 = {**p, **g.named("g2").init(getkey())}
    rhs = (R(f) >> R(g.named("g2"))) @ (R(g) >> R(h))
    same_plens(lhs, rhs, p2, (a, b), (a, c))


def test_paralens_put_is_gradient(getkey):
    f, g, h = paras()
    net = f >> g >> h
    p = net.init(getkey())
    a = jax.random.normal(getkey(), (2,))
    dp, da = ParaLens.from_para(net).put(p, a, jnp.ones(1))
    gp, ga = jax.grad(lambda q, x: net(q, x)[0], argnums=(0, 1))(p, a)
    assert tree_allclose(dp, gp, rtol=1e-6, atol=1e-6)
    assert tree_allclose(da, ga, rtol=1e-6, atol=1e-6)


def test_paralens_custom_and_from_lens():
    scale = ParaLens(
        E1,
        E1,
        ParamSpec(()),
        lambda p, a: p * a,
        lambda p, a, db: (jnp.sum(db * a), p * db),
        name="w",
    )
    both = ParaLens.from_lens(Lens.from_function(jnp.exp, E1, E1)) >> scale
    p = {"w": jnp.array(2.0)}
    dp, da = both.put(p, jnp.zeros(1), jnp.ones(1))
    assert float(dp["w"]) == 1.0 and float(da[0]) == 2.0
    assert list(both.init(jax.random.key(0))) == ["w"]


def test_paralens_bad_input():
    f, g, h = paras()
    R = ParaLens.from_para
    with pytest.raises(TypeMismatch):
        R(f) >> R(h)
    with pytest.raises(ParamsError, match="distinct groups"):
        R(g) @ R(g)
    with pytest.raises(ParamsError, match="shape"):
        R(h).get({"h": {"W": jnp.zeros((3, 1)), "b": jnp.zeros(1)}}, jnp.ones(2))
    with pytest.raises(ShapeError):
        R(h).put(h.init(jax.random.key(0)), jnp.ones(2), jnp.ones(2))
    with pytest.raises(TypeError, match="stochastic"):
        R(Para(E1, E1, None, lambda p, x, k: x, stochastic=True))
