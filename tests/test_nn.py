"""nn boxes: shapes, default semantics, initialisers, keyed dropout, user-declared boxes."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.para import ParamSpec
from catlearn.core.types import Euclid, Fin
from catlearn.diagrams import nn
from catlearn.diagrams.compiler import compile
from catlearn.diagrams.diagram import Box
from catlearn.errors import DiagramError, HyperparameterError, ParamsError, TypeMismatch


def test_linear_matches_hand_written(getkey):
    fc = nn.Linear(4, 3, name="fc")
    P = compile(fc)
    p = P.init(getkey())
    assert p["fc"]["W"].shape == (4, 3) and jnp.all(p["fc"]["b"] == 0)
    x = jax.random.normal(getkey(), (4,))
    assert jnp.allclose(P(p, x), x @ p["fc"]["W"] + p["fc"]["b"])
    no_bias = compile(nn.Linear(4, 3, bias=False, name="nb"))
    assert sorted(no_bias.spec["nb"]) == ["W"]


@pytest.mark.parametrize("init", ["lecun_normal", "glorot_uniform", "he_normal", "zeros"])
def test_initialisers(init):
    P = compile(nn.Linear(256, 256, init=init, name=f"l_{init}"))
    W = np.asarray(P.init(jax.random.key(0))[f"l_{init}"]["W"])
    if init == "zeros":
        assert np.all(W == 0)
    else:
        expected = {"lecun_normal": 1 / 256, "glorot_uniform": 2 / 512, "he_normal": 2 / 256}
        assert abs(W.var() / expected[init] - 1) < 0.1


def test_unknown_initialiser_and_activation():
    with pytest.raises(HyperparameterError, match="initialiser"):
        nn.Linear(2, 2, init="bogus")
    with pytest.raises(HyperparameterError, match="activation"):
        nn.activation("swishy", 2)


@pytest.mark.parametrize("kind", ["relu", "tanh", "sigmoid", "gelu", "softmax"])
def test_activations(kind):
    x = jnp.array([-1.0, 0.5, 2.0])
    ref = {
        "relu": jax.nn.relu,
        "tanh": jnp.tanh,
        "sigmoid": jax.nn.sigmoid,
        "gelu": jax.nn.gelu,
        "softmax": jax.nn.softmax,
    }[kind]
    box = getattr(nn, kind)(3)
    assert box.name == kind and box.dom == box.cod == Euclid(3)
    assert jnp.allclose(compile(box)({}, x), ref(x))


def test_mlp_and_dense_names():
    d = nn.MLP([4, 8, 8, 2], activation="tanh", final="softmax", name="m")
    assert [b.name for b in d.boxes] == ["m1", "tanh", "m2", "tanh", "m3", "softmax"]
    P = compile(d)
    assert sorted(P.spec) == ["m1", "m2", "m3"]
    out = P.apply_batch(P.init(jax.random.key(0)), jnp.ones((5, 4)))
    assert out.shape == (5, 2) and jnp.allclose(out.sum(-1), 1.0)
    assert [b.name for b in nn.Dense(3, 2, activation=None, name="d").boxes] == ["d"]


def test_default_names_are_fresh():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    assert a != b and a == a and len({a, b}) == 2
    assert sorted(compile(a >> b).spec) == ["linear_0", "linear_1"]


def _model():
    return (
        nn.Dense(4, 8)
        >> nn.Dense(8, 8, activation="tanh")
        >> nn.LayerNorm(8)
        >> nn.Linear(8, 3)
        >> nn.Linear(3, 3, name="linear_0")
        >> nn.Repeat(nn.Linear(3, 3) >> nn.relu(3), 2)
    )


def _keys(tree):
    return jax.tree_util.tree_structure(tree, is_leaf=lambda s: hasattr(s, "init"))


def test_default_names_are_deterministic():
    first = compile(_model())
    for _ in range(3):  # unrelated models in between: no counter moves
        compile(nn.Linear(2, 2) >> nn.Dense(2, 2) >> nn.Linear(2, 8) >> nn.LayerNorm(8))
        nn.Conv2D((4, 4, 1), 2), nn.Embedding(3, 2), nn.Repeat(nn.Linear(2, 2), 3)
    again = compile(_model())
    expected = ["dense_0", "dense_1", "layernorm_0", "linear_0", "linear_1", "repeat_0"]
    assert sorted(first.spec) == sorted(again.spec) == expected  # skips the named linear_0
    assert sorted(first.spec["repeat_0"]) == ["linear_0"]  # named within its block
    shapes = lambda P: jax.tree.map(lambda s: s.shape, P.spec, is_leaf=lambda s: hasattr(s, "init"))  # noqa: E731
    assert _keys(first.spec) == _keys(again.spec) and shapes(first) == shapes(again)


def test_anonymous_layers_never_share_by_accident(getkey):
    a, b = nn.Dense(3, 3, activation=None), nn.Dense(3, 3, activation=None)
    P = compile(a >> b)
    p = P.init(getkey())
    assert sorted(p) == ["dense_0", "dense_1"]
    assert not jnp.array_equal(p["dense_0"]["W"], p["dense_1"]["W"])
    x = jnp.array([1.0, -2.0, 0.5])
    h = x @ p["dense_0"]["W"] + p["dense_0"]["b"]
    assert jnp.allclose(P(p, x), h @ p["dense_1"]["W"] + p["dense_1"]["b"], atol=1e-6)
    g = jax.grad(lambda p: P(p, x).sum())(p)
    assert jnp.all(g["dense_0"]["W"] != 0) and jnp.all(g["dense_1"]["W"] != 0)
    # the same anonymous box used twice is one layer on purpose: one group, gradients add
    tied = compile(a >> a)
    assert sorted(tied.spec) == ["dense_0"]
    # compiled separately, two anonymous layers both get dense_0: composing the arrows is a
    # clash, never a silent share
    with pytest.raises(ParamsError, match="dense_0"):
        compile(a) >> compile(b)
    # ar may address an anonymous box by the box or by its derived name
    zero = {"W": jnp.zeros((3, 3)), "b": jnp.zeros(3)}
    by_box = compile(a >> b, {b: compile(nn.Linear(3, 3, name="fixed"))})
    assert sorted(by_box.spec) == ["dense_0", "fixed"]
    by_name = compile(a >> b, {"dense_1": lambda v: -v})
    assert jnp.allclose(by_name({"dense_0": zero}, x), jnp.zeros(3))


def test_conv_flatten_matches_lax(getkey):
    conv = nn.Conv2D(Euclid(8, 8, 1), 4, 3, name="conv")
    assert conv.cod == Euclid(8, 8, 4)
    d = conv >> nn.relu(conv.cod) >> nn.Flatten(conv.cod) >> nn.Linear(256, 10, name="head")
    P = compile(d)
    p = P.init(getkey())
    xs = jax.random.normal(getkey(), (6, 8, 8, 1))
    y = jax.lax.conv_general_dilated(
        xs, p["conv"]["K"], (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )
    y = y + p["conv"]["b"][None, None, None, :]
    ref = jax.nn.relu(y).reshape(6, -1) @ p["head"]["W"] + p["head"]["b"][None, :]
    assert jnp.allclose(jax.jit(P.apply_batch)(p, xs), ref, atol=1e-4)
    assert nn.Conv2D((9, 9, 2), 3, 3, stride=2, padding="VALID", name="v").cod == Euclid(4, 4, 3)
    with pytest.raises(DiagramError, match="image"):
        nn.Conv2D(Euclid(8), 4)


def test_layernorm(getkey):
    P = compile(nn.LayerNorm(5, name="ln"))
    p = P.init(getkey())
    x = jax.random.normal(getkey(), (5,)) * 3 + 1
    y = P(p, x)
    assert abs(float(y.mean())) < 1e-5 and abs(float(y.var()) - 1) < 1e-3
    Q = compile(nn.LayerNorm(Euclid(2, 5), name="ln2"))
    y2 = Q(Q.init(getkey()), jnp.stack([x, 2 * x]))
    assert y2.shape == (2, 5) and jnp.allclose(y2[0], y, atol=1e-5)


def test_dropout_is_keyed_and_has_an_inference_mode(getkey):
    d = nn.Linear(50, 50, name="a") >> nn.Dropout(50, 0.5)
    P = compile(d)
    assert P.stochastic
    p = P.init(getkey())
    x = jnp.ones(50)
    k = getkey()
    y1, y2 = P(p, x, key=k), P(p, x, key=k)
    assert jnp.all(y1 == y2)  # same key, same mask
    assert not jnp.all(P(p, x, key=getkey()) == y1)
    h = x @ p["a"]["W"] + p["a"]["b"]
    kept = y1 != 0
    assert jnp.allclose(y1[kept], 2 * h[kept], atol=1e-5)
    with pytest.raises(ValueError, match="key"):
        P(p, x)
    Q = compile(d, nn.inference())
    assert not Q.stochastic and jnp.allclose(Q(p, x), h)
    # every dropout box of a program gets its own key
    two = compile(nn.Dropout(50, 0.5) @ nn.Dropout(50, 0.5))
    a, b = two({}, (x, x), key=getkey())
    assert not jnp.all(a == b)
    with pytest.raises(HyperparameterError):
        nn.Dropout(3, 1.0)


def test_onehot_and_embedding(getkey):
    assert jnp.all(compile(nn.OneHot(4))({}, jnp.array(2)) == jnp.array([0, 0, 1.0, 0]))
    E = compile(nn.Embedding(Fin(5), 3, name="emb"))
    p = E.init(getkey())
    assert jnp.all(E(p, jnp.array(4)) == p["emb"]["E"][4])


def test_box_from_function(getkey):
    spec = {"s": ParamSpec((), jax.nn.initializers.ones), "t": ParamSpec((2,))}
    box = nn.box_from_function(
        "affine", Euclid(2), Euclid(2), lambda p, x: p["s"] * x + p["t"], spec
    )
    assert box == nn.box_from_function("affine", Euclid(2), Euclid(2), box.spec.fn, spec)
    P = compile(box >> nn.tanh(2))
    p = P.init(getkey())
    assert sorted(p["affine"]) == ["s", "t"]
    assert jnp.allclose(P(p, jnp.ones(2)), jnp.tanh(jnp.ones(2)))
    free = nn.box_from_function("double", Euclid(2), Euclid(2), lambda x: 2 * x)
    assert jnp.allclose(compile(free)({}, jnp.ones(2)), 2.0)
    two = nn.box_from_function("pair", Euclid(2) @ Euclid(2), Euclid(2), lambda xs: xs[0] * xs[1])
    assert jnp.allclose(compile(two)({}, (jnp.ones(2) * 3, jnp.ones(2))), 3.0)
    noisy = nn.box_from_function(
        "noisy",
        Euclid(2),
        Euclid(2),
        lambda x, k: x + jax.random.normal(k, x.shape),
        stochastic=True,
    )
    assert compile(noisy).stochastic
    with pytest.raises(DiagramError, match="ParamSpec"):
        nn.box_from_function("bad", Euclid(2), Euclid(2), lambda p, x: x, {"w": 3.0})


def test_bad_input():
    with pytest.raises(DiagramError, match="Flatten"):
        nn.Linear(Euclid(8, 8), 3)
    with pytest.raises(TypeMismatch, match="fc_a"):
        nn.Linear(4, 3, name="fc_a") >> nn.Linear(4, 3, name="fc_b")
    P = compile(nn.Linear(4, 3, name="c"))
    with pytest.raises(ParamsError):
        P({"c": {"W": jnp.ones((3, 3)), "b": jnp.ones(3)}}, jnp.ones(4))


def test_user_box_overrides_default():
    fc = nn.Linear(2, 2, name="o")
    P = compile(fc, {fc: lambda x: -x})
    assert P.spec == {} and jnp.all(P({}, jnp.ones(2)) == -1)
    assert isinstance(fc, Box)


# --- Repeat: stacked parameters, one lax.scan ----------------------------------------------


def _chain(d, n):
    from catlearn.diagrams.diagram import chain

    return chain(*[nn.Linear(d, d, name=f"u{i}") >> nn.tanh(d) for i in range(n)])


def test_repeat_equals_unrolled_chain_outputs_and_gradients(x64, getkey):
    n, d = 5, 3
    rep = compile(nn.Repeat(nn.Linear(d, d, name="fc") >> nn.tanh(d), n, name="rep"))
    unrolled = compile(_chain(d, n))
    p = rep.init(getkey())
    rep.check_params(p)
    assert p["rep"]["fc"]["W"].shape == (n, d, d) and p["rep"]["fc"]["W"].dtype == jnp.float64
    p = jax.tree_util.tree_map(lambda a: a + 0.1 * jax.random.normal(getkey(), a.shape), p)
    q = {f"u{i}": jax.tree_util.tree_map(lambda a, i=i: a[i], p["rep"]["fc"]) for i in range(n)}
    x = jax.random.normal(getkey(), (d,))
    np.testing.assert_allclose(rep(p, x), unrolled(q, x), rtol=1e-12, atol=1e-12)

    def loss(net):
        return lambda params: jnp.sum(net(params, x) ** 2)

    g, h = jax.grad(loss(rep))(p), jax.grad(loss(unrolled))(q)
    for i in range(n):
        for k in ("W", "b"):
            np.testing.assert_allclose(g["rep"]["fc"][k][i], h[f"u{i}"][k], rtol=1e-10, atol=1e-12)


def test_repeat_initialises_each_layer_independently(getkey):
    rep = compile(nn.Repeat(nn.Linear(16, 16, name="fc") >> nn.relu(16), 4, name="rep"))
    W = rep.init(getkey())["rep"]["fc"]["W"]
    assert not np.allclose(W[0], W[1])
    np.testing.assert_allclose(np.std(W, axis=(1, 2)), 1 / np.sqrt(16), rtol=0.35)  # LeCun fan-in


def test_repeat_jaxpr_does_not_grow_with_depth(getkey):
    def n_eqns(n):
        net = compile(nn.Repeat(nn.Linear(4, 4, name="fc") >> nn.relu(4), n, name="rep"))
        p, x = net.init(getkey()), jnp.ones(4)
        jaxpr = jax.make_jaxpr(jax.value_and_grad(lambda q: jnp.sum(net(q, x))))(p)
        return len(jaxpr.jaxpr.eqns)

    assert n_eqns(4) == n_eqns(64)


def test_repeat_box_is_hashable_and_checks_types(getkey):
    block = nn.Linear(2, 2, name="fc") >> nn.relu(2)
    a, b = nn.Repeat(block, 3, name="r"), nn.Repeat(block, 3, name="r")
    assert a == b and hash(a) == hash(b) and a != nn.Repeat(block, 4, name="r")
    assert (a.dom, a.cod) == (Euclid(2), Euclid(2))
    with pytest.raises(TypeMismatch, match=r"Euclid\(2\).*Euclid\(3\)"):
        nn.Repeat(nn.Linear(2, 3, name="g"), 2)
    with pytest.raises(HyperparameterError):
        nn.Repeat(block, 0)
    net = compile(nn.Linear(3, 2, name="inp") >> a)
    assert sorted(net.init(getkey())) == ["inp", "r"]


def test_repeat_of_stochastic_block_splits_the_key_per_layer(getkey):
    net = compile(nn.Repeat(nn.Dropout(64, 0.5), 3, name="drop"))
    assert net.stochastic
    y = net.apply({}, jnp.ones(64), key=getkey())
    vals = set(np.unique(np.asarray(y)).round(3).tolist())
    assert vals <= {0.0, 8.0} and vals == {0.0, 8.0}
