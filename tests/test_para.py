"""Laws and bad input for Para (Fong, Spivak, Tuyéras): associativity, units, interchange,
named parameter groups and sharing, reparametrisation, structure maps."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid
from catlearn.errors import ParamsError, ShapeError, TypeMismatch
from conftest import tree_allclose

E1, E2, E3 = Euclid(1), Euclid(2), Euclid(3)
floats = st.floats(-2.0, 2.0, allow_nan=False, width=32)
vec2 = st.lists(floats, min_size=2, max_size=2)


def arrows():
    f = Para.linear(E2, E3, name="f")
    g = Para.from_function(jnp.tanh, E3, E3)
    h = Para.linear(E3, E1, name="h")
    k = Para.linear(E2, E2, name="k")
    return f, g, h, k


@settings(max_examples=10, deadline=None)
@given(vec2)
def test_then_associative_and_unital(x):
    f, g, h, _ = arrows()
    x = jnp.asarray(x)
    p = (f >> g >> h).init(jax.random.key(1))
    assert tree_allclose(((f >> g) >> h)(p, x), (f >> (g >> h))(p, x))
    assert tree_allclose((Para.id(E2) >> f)(p, x), f(p, x))
    assert tree_allclose((f >> Para.id(E3))(p, x), f(p, x))
    assert sorted(((f >> g) >> h).spec) == sorted((f >> (g >> h)).spec) == ["f", "h"]


@settings(max_examples=10, deadline=None)
@given(vec2, vec2, vec2)
def test_tensor_associative_unital_and_interchange(x, y, z):
    f, g, _, k = arrows()
    x, y, z = map(jnp.asarray, (x, y, z))
    k2 = Para.linear(E2, E2, name="k2")
    p = {**f.init(jax.random.key(0)), **k.init(jax.random.key(1)), **k2.init(jax.random.key(2))}
    left, right = (f @ k) @ k2, f @ (k @ k2)
    assert left.dom == right.dom and left.cod == right.cod
    assert tree_allclose(left(p, (x, y, z)), right(p, (x, y, z)))
    assert tree_allclose((Para.id(E2 @ E2) @ f)(p, (x, y, z))[2], f(p, z))
    # interchange: (f @ k) >> (g @ k2) == (f >> g) @ (k >> k2)
    lhs = (f @ k) >> (g @ k2)
    rhs = (f >> g) @ (k >> k2)
    assert tree_allclose(lhs(p, (x, y)), rhs(p, (x, y)))


def test_laws_in_float64_exact(x64, getkey):
    f, g, h, _ = arrows()
    p = (f >> g >> h).init(getkey())
    x = jax.random.normal(getkey(), (2,))
    assert p["f"]["W"].dtype == jnp.float64
    assert jnp.array_equal(((f >> g) >> h)(p, x), (f >> (g >> h))(p, x))


def test_unit_type_tensor():
    f, *_ = arrows()
    from catlearn.core.types import Ty

    assert (f @ Ty()).dom == f.dom
    p = f.init(jax.random.key(0))
    assert tree_allclose((f @ Ty())(p, jnp.ones(2)), f(p, jnp.ones(2)))


def test_sharing_same_arrow_twice_adds_gradients():
    w = Para.linear(E1, E1, name="w", bias=False)
    twice = w >> w
    assert list(twice.spec) == ["w"]
    p = {"w": {"W": jnp.array([[3.0]])}}
    assert twice(p, jnp.ones(1)) == 9.0
    g = jax.grad(lambda q: twice(q, jnp.ones(1))[0])(p)
    assert g["w"]["W"][0, 0] == pytest.approx(6.0)  # d(w^2)/dw = 2w: both uses add up


def test_two_arrows_same_name_is_an_error():
    a = Para.linear(E2, E2, name="fc")
    b = Para.linear(E2, E2, name="fc")
    with pytest.raises(ParamsError, match="both call their parameters 'fc'"):
        a >> b


def test_type_mismatch_names_both():
    f, g, h, _ = arrows()
    with pytest.raises(TypeMismatch, match=r"Euclid\(1\).*Euclid\(3\)"):
        h >> g
    with pytest.raises(TypeError):
        f >> 3


def test_params_of_wrong_shape_and_structure():
    f = Para.linear(E2, E3, name="f")
    p = f.init(jax.random.key(0))
    with pytest.raises(
        ParamsError, match=r"expected an array of shape \(2, 3\), got shape \(3, 2\)"
    ):
        f(({"f": {"W": jnp.zeros((3, 2)), "b": jnp.zeros(3)}}), jnp.ones(2))
    with pytest.raises(ParamsError, match="missing"):
        f({}, jnp.ones(2))
    with pytest.raises(ParamsError, match="structure"):
        f({"f": {"W": p["f"]["W"]}}, jnp.ones(2))
    with pytest.raises(ParamsError, match="dict"):
        f([p], jnp.ones(2))
    with pytest.raises(ShapeError, match=r"shape \(2,\)"):
        f(p, jnp.ones(3))


def test_bad_specs():
    with pytest.raises(ParamsError, match="ParamSpec"):
        Para(E1, E1, {"w": 3.0}, lambda p, x: x, name="w")
    with pytest.raises(ParamsError, match="name"):
        Para(E1, E1, {"w": ParamSpec(())}, lambda p, x: x)


def test_structure_maps():
    x, y = jnp.array([1.0, 2.0]), jnp.array([3.0])
    assert Para.swap(E2, E1)({}, (x, y))[0] is y
    c = Para.copy(E2, 3)({}, x)
    assert len(c) == 3 and all(v is x for v in c)
    assert Para.discard(E2)({}, x) == ()
    assert tree_allclose(Para.merge(E2)({}, (x, x)), 2 * x)


def test_reparam_and_named():
    f = Para.linear(E2, E1, name="f", bias=False)
    tied = f.reparam(ParamSpec(()), lambda s: {"f": {"W": s * jnp.ones((2, 1))}}, name="s")
    assert tied({"s": jnp.array(2.0)}, jnp.ones(2))[0] == 4.0
    enc = f.named("enc")
    p = enc.init(jax.random.key(0))
    assert list(p) == ["enc"] and list(p["enc"]) == ["f"]


def test_apply_batch_is_vmap(getkey):
    f, g, h, _ = arrows()
    net = f >> g >> h
    p = net.init(getkey())
    xs = jax.random.normal(getkey(), (5, 2))
    ys = net.apply_batch(p, xs)
    assert ys.shape == (5, 1)
    assert tree_allclose(ys[3], net(p, xs[3]), rtol=1e-6, atol=1e-6)
    with pytest.raises(ShapeError, match="batch"):
        net.apply_batch(p, xs[0])


def test_stochastic_needs_key():
    drop = Para.from_function(lambda x: x, E1, E1)
    noisy = Para(E1, E1, None, lambda p, x, k: x + jax.random.normal(k, x.shape), stochastic=True)
    net = drop >> noisy
    assert net.stochastic
    with pytest.raises(ValueError, match="key"):
        net({}, jnp.ones(1))
    assert net({}, jnp.ones(1), key=jax.random.key(0)).shape == (1,)


def test_jit_through_apply():
    f, g, h, _ = arrows()
    net = f >> g >> h
    p = net.init(jax.random.key(0))
    assert tree_allclose(jax.jit(net.apply)(p, jnp.ones(2)), net(p, jnp.ones(2)), rtol=1e-6)


def test_init_of_many_groups_equals_one_draw_per_array():
    """Arrays of one kind are drawn together (one jitted vmap), with the values of one
    ``ParamSpec.initialise`` call per array and its own key."""
    from catlearn.core._params import initialise_all as _initialise_all

    lecun = jax.nn.initializers.lecun_normal()
    specs = (
        [ParamSpec((3, 4), lecun)] * 300 + [ParamSpec((4,))] * 9 + [ParamSpec((2, 2), lecun)] * 3
    )
    keys = jax.random.split(jax.random.key(1), len(specs))
    batched = _initialise_all(specs, keys)
    one_by_one = [s.initialise(k) for s, k in zip(specs, keys, strict=True)]
    for a, b in zip(batched, one_by_one, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert bool(jnp.array_equal(a, b))
    assert len({float(a[0, 0]) for a in batched[:300]}) == 300  # distinct keys, distinct draws
