"""Laws for learners (Fong, Spivak, Tuyéras, *Backprop as Functor*): associativity, units,
interchange, functoriality of L_{eps,e}, Learn <-> Para(SLens), convergence, bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catlearn.core.learner import Learner, gradient_learner
from catlearn.core.lens import ParaLens
from catlearn.core.losses import ErrorFn, huber_error, power_error, scaled_squared_error
from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Ty
from catlearn.errors import (
    HyperparameterError,
    NotInvertibleError,
    ParamsError,
    ShapeError,
    TypeMismatch,
)
from conftest import tree_allclose, tree_maxdiff

E1, E2, E3 = Euclid(1), Euclid(2), Euclid(3)


def dense(n, m, name, act=jnp.tanh):
    return Para.linear(Euclid(n), Euclid(m), name=name) >> Para.from_function(
        act, Euclid(m), Euclid(m)
    )


def learner_gap(l1, l2, p, a, c, batch=False):
    """Max abs difference of implement, update and request of two learners (jitted: one
    compilation is much cheaper than compiling every primitive for eager dispatch)."""

    def run(p, a, c):
        return [(l.implement(p, a), l.update(p, a, c), l.request(p, a, c)) for l in (l1, l2)]

    if batch:  # one example per row of a, c
        run = jax.vmap(run, in_axes=(None, 0, 0))
    u, v = jax.jit(run)(p, a, c)
    return tree_maxdiff(u, v)


def three_layers(getkey):
    I, J, K = dense(2, 3, "I"), dense(3, 4, "J"), dense(4, 1, "K", act=lambda x: x)
    p = (I >> J >> K).init(getkey())
    return I, J, K, p


def test_functoriality_squared_error_x64(x64, getkey):
    """L(I >> J) = L(I) >> L(J) for dense layers, e = 1/2 (x - y)^2, to 1e-12 in float64."""
    I, J, K, p = three_layers(getkey)
    L = lambda f: gradient_learner(f, 0.1)  # noqa: E731
    a, c = jax.random.normal(getkey(), (8, 2)), jax.random.normal(getkey(), (8, 1))
    gap = max(
        learner_gap(L(I >> J >> K), L(I) >> L(J) >> L(K), p, a, c, batch=True),
        learner_gap(L(I >> J), L(I) >> L(J), p, a, jnp.ones((8, 4)), batch=True),
    )
    print(f"functoriality gap (float64, squared error): {gap:.3e}")
    assert gap < 1e-12


def test_functoriality_tensor_and_general_errors_x64(x64, getkey):
    I, J, K, p = three_layers(getkey)
    a, b = jax.random.normal(getkey(), (2,)), jax.random.normal(getkey(), (3,))
    c = jax.random.normal(getkey(), (1,))
    for err in (scaled_squared_error(3.0), power_error(3.0)):
        L = lambda f, e=err: gradient_learner(f, 0.05, e)  # noqa: E731
        assert learner_gap(L(I >> J >> K), L(I) >> L(J) >> L(K), p, a, c) < 1e-10
        assert learner_gap(L(I @ J), L(I) @ L(J), p, (a, b), (b, jnp.ones(4))) < 1e-10


class HandLearner:
    """A learner composed by hand from DESIGN.md's rules, on its parts' own I, U, r (no
    shared flattening): the independent side of the associativity / interchange tests."""

    def __init__(self, dom, cod, implement, update, request):
        self.dom, self.cod = dom, cod
        self.implement, self.update, self.request = implement, update, request


def hand_then(f, g):
    """(I*J)(p,q,a) = J(q, I(p,a)); (U*V) = (U(p, a, s(q, I(p,a), c)), V(q, I(p,a), c));
    (r*s) = r(p, a, s(q, I(p,a), c))."""

    def update(p, a, c):
        b = f.implement(p, a)
        return {**f.update(p, a, g.request(p, b, c)), **g.update(p, b, c)}

    return HandLearner(
        f.dom,
        g.cod,
        lambda p, a: g.implement(p, f.implement(p, a)),
        update,
        lambda p, a, c: f.request(p, a, g.request(p, f.implement(p, a), c)),
    )


def hand_tensor(f, g):
    """Side by side on the flat tuple of wires: each part sees its own slice."""
    dom, cod = f.dom @ g.dom, f.cod @ g.cod

    def split(ty, left, v):
        vs = ty.split(v)
        return left.join(vs[: len(left)]), ty[len(left) :].join(vs[len(left) :])

    def join(left, right, u, v):
        return (left @ right).join(left.split(u) + right.split(v))

    def implement(p, a):
        a1, a2 = split(dom, f.dom, a)
        return join(f.cod, g.cod, f.implement(p, a1), g.implement(p, a2))

    def update(p, a, c):
        (a1, a2), (c1, c2) = split(dom, f.dom, a), split(cod, f.cod, c)
        return {**f.update(p, a1, c1), **g.update(p, a2, c2)}

    def request(p, a, c):
        (a1, a2), (c1, c2) = split(dom, f.dom, a), split(cod, f.cod, c)
        return join(f.dom, g.dom, f.request(p, a1, c1), g.request(p, a2, c2))

    return HandLearner(dom, cod, implement, update, request)


def test_learner_associativity_units_interchange_x64(x64, getkey):
    """Each bracketing is compared with the composite written by hand from the composition
    rule on the parts (not with the other bracketing, which flattens to the same program)."""
    I, J, K, p = three_layers(getkey)
    LI, LJ, LK = (gradient_learner(f, 0.1) for f in (I, J, K))
    a, c = jax.random.normal(getkey(), (2,)), jax.random.normal(getkey(), (1,))
    by_hand = hand_then(hand_then(LI, LJ), LK)
    assert learner_gap((LI >> LJ) >> LK, by_hand, p, a, c) < 1e-12
    assert learner_gap(LI >> (LJ >> LK), by_hand, p, a, c) < 1e-12
    assert learner_gap(LI >> LJ, hand_then(LI, LJ), p, a, jnp.ones(4)) < 1e-12
    assert learner_gap(Learner.id(E2) >> LI, LI, p, a, jnp.ones(3)) == 0.0
    assert learner_gap(LK >> Learner.id(E1), LK, p, jnp.ones(4), c) == 0.0
    b = jax.random.normal(getkey(), (3,))
    # @: associativity, unit, interchange
    LJ2 = gradient_learner(dense(3, 4, "J2"), 0.1)
    p2 = {**p, **dense(3, 4, "J2").init(getkey())}
    x = (a, b, b)
    y = (b, jnp.ones(4), jnp.ones(4))
    by_hand = hand_tensor(hand_tensor(LI, LJ), LJ2)
    assert learner_gap((LI @ LJ) @ LJ2, by_hand, p2, x, y) < 1e-12
    assert learner_gap(LI @ (LJ @ LJ2), by_hand, p2, x, y) < 1e-12
    assert learner_gap(Ty() @ LI, LI, p, a, b) == 0.0
    by_hand = hand_then(hand_tensor(LI, LJ), hand_tensor(LJ2, LK))
    lhs = (LI @ LJ) >> (LJ2 @ LK)
    rhs = (LI >> LJ2) @ (LJ >> LK)
    assert learner_gap(lhs, by_hand, p2, (a, b), (jnp.ones(4), c)) < 1e-12
    assert learner_gap(rhs, by_hand, p2, (a, b), (jnp.ones(4), c)) < 1e-12
    assert (
        learner_gap(
            rhs, hand_tensor(hand_then(LI, LJ2), hand_then(LJ, LK)), p2, (a, b), (jnp.ones(4), c)
        )
        < 1e-12
    )


def test_learner_lens_round_trip(getkey):
    I, J, K, p = three_layers(getkey)
    LI, LJ = gradient_learner(I, 0.1), gradient_learner(J >> K, 0.1)
    whole = LI >> LJ
    back = Learner.from_lens(whole.to_lens())
    a, c = jax.random.normal(getkey(), (2,)), jax.random.normal(getkey(), (1,))
    assert learner_gap(whole, back, p, a, c) == 0.0
    # to_lens preserves composition: Learn -> Para(SLens) is a functor; and lens -> learner -> lens
    lens = LI.to_lens() >> LJ.to_lens()
    assert isinstance(lens, ParaLens)
    lens2 = Learner.from_lens(lens).to_lens()
    outs = jax.jit(
        lambda p, a, c: [
            lens.put(p, a, c),
            whole.to_lens().put(p, a, c),
            whole.step(p, a, c),
            lens2.put(p, a, c),
        ]
    )(p, a, c)
    assert all(tree_maxdiff(outs[0], o) == 0.0 for o in outs[1:])


@settings(max_examples=10, deadline=None)
@given(st.floats(-3, 3, allow_nan=False), st.floats(-3, 3, allow_nan=False))
def test_squared_request_is_a_minus_gradient(a, b):
    f = Para.linear(E1, E1, name="f", bias=False)
    L = gradient_learner(f, 0.5)
    p = {"f": {"W": jnp.array([[2.0]])}}
    a_, b_ = jnp.array([a], dtype=jnp.float32), jnp.array([b], dtype=jnp.float32)
    # E = 1/2 (2a - b)^2: dE/da = 2 (2a - b), dE/dW = a (2a - b)
    assert jnp.allclose(L.request(p, a_, b_), a_ - 2 * (2 * a_ - b_), atol=1e-4)
    assert jnp.allclose(L.update(p, a_, b_)["f"]["W"][0], 2.0 - 0.5 * a_ * (2 * a_ - b_), atol=1e-4)


def test_per_sample_training_converges(getkey):
    """Repeated per-sample `update` on a toy regression y = tanh(2 x - 1) drives the loss down."""
    net = gradient_learner(dense(1, 8, "h"), 0.05) >> gradient_learner(
        Para.linear(Euclid(8), E1, name="o"), 0.05
    )
    p = net.init(getkey())
    xs = jax.random.uniform(getkey(), (256, 1), minval=-1, maxval=1)
    ys = jnp.tanh(2 * xs - 1)

    def loss(p):
        return jnp.mean((net.implement_batch(p, xs) - ys) ** 2)

    @jax.jit
    def epoch(p):
        return jax.lax.scan(lambda q, xy: (net.update(q, *xy), None), p, (xs, ys))[0]

    start = loss(p)
    for _ in range(40):
        p = epoch(p)
    final = loss(p)
    assert final < 2e-3 and final < start / 20, (start, final)


def test_update_batch_is_minibatch_gradient_descent(getkey):
    f = Para.linear(E2, E1, name="f")
    L = gradient_learner(f, 0.1)
    p = f.init(getkey())
    xs, ys = jax.random.normal(getkey(), (8, 2)), jax.random.normal(getkey(), (8, 1))
    g = jax.grad(lambda q: jnp.mean(jnp.sum(0.5 * (f.apply_batch(q, xs) - ys) ** 2, -1)))(p)
    want = jax.tree_util.tree_map(lambda x, d: x - 0.1 * d, p, g)
    assert tree_allclose(L.update_batch(p, xs, ys), want, rtol=1e-5, atol=1e-6)
    assert L.implement_batch(p, xs).shape == (8, 1)


def test_custom_learner_and_jit():
    mean = Learner(
        Euclid(),
        Euclid(),
        ParamSpec(()),
        lambda p, a: p,
        lambda p, a, b: 0.5 * (p + b),
        lambda p, a, b: a,
        name="m",
    )
    both = mean @ Learner.id(E1)
    p = {"m": jnp.array(0.0)}
    new = jax.jit(both.update)(p, (jnp.array(0.0), jnp.ones(1)), (jnp.array(2.0), jnp.ones(1)))
    assert float(new["m"]) == 1.0


def test_shared_parameters_use_the_para():
    """A Para that shares a group twice becomes ONE learner whose gradients add up."""
    w = Para.linear(E1, E1, name="w", bias=False)
    L = gradient_learner(w >> w, 1.0)
    p = {"w": {"W": jnp.array([[1.0]])}}
    # E = 1/2 (w^2 a - b)^2, dE/dw = (w^2 a - b) 2 w a = (1 - 0) * 2 = 2
    assert float(L.update(p, jnp.ones(1), jnp.zeros(1))["w"]["W"][0, 0]) == pytest.approx(-1.0)
    Lw = gradient_learner(w, 1.0)
    with pytest.raises(ParamsError, match="the same arrow used twice"):
        Lw >> Lw


# --- bad input ----------------------------------------------------------------------------------


def test_bad_input_messages():
    f, g = Para.linear(E2, E3, name="f"), Para.linear(E2, E1, name="g")
    Lf, Lg = gradient_learner(f, 0.1), gradient_learner(g, 0.1)
    with pytest.raises(TypeMismatch, match=r"codomain of the first is Euclid\(3\)"):
        Lf >> Lg
    p = f.init(jax.random.key(0))
    bad = {"f": {"W": jnp.zeros((3, 3)), "b": jnp.zeros(3)}}
    with pytest.raises(ParamsError, match=r"expected an array of shape \(2, 3\)"):
        Lf.update(bad, jnp.ones(2), jnp.ones(3))
    with pytest.raises(ParamsError, match="missing"):
        Lf.request({}, jnp.ones(2), jnp.ones(3))
    with pytest.raises(ShapeError, match="target"):
        Lf.update(p, jnp.ones(2), jnp.ones(2))
    with pytest.raises(ShapeError, match="input"):
        Lf.implement(p, jnp.ones(3))
    for lr in (float("nan"), float("inf"), -0.1, 0.0):
        with pytest.raises(HyperparameterError, match="lr"):
            gradient_learner(f, lr)
    with pytest.raises(HyperparameterError, match="number"):
        gradient_learner(f, "fast")
    with pytest.raises(TypeError, match="Para"):
        gradient_learner(lambda p, x: x, 0.1)


def test_error_without_invertible_derivative():
    f = Para.linear(E2, E1, name="f")
    for err in (
        "absolute",
        huber_error(0.5),
        ErrorFn("mine", lambda x, y: (x - y) ** 4 / 4),
        lambda x, y: jnp.abs(x - y),
    ):
        with pytest.raises(NotInvertibleError, match="not invertible"):
            gradient_learner(f, 0.1, err)
    # allowed when no request is needed (e.g. a first layer) ...
    L = gradient_learner(f, 0.1, "huber", request=False)
    p = f.init(jax.random.key(0))
    assert L.update(p, jnp.ones(2), jnp.ones(1))["f"]["W"].shape == (2, 1)
    # ... but the request itself still raises
    with pytest.raises(NotInvertibleError):
        L.request(p, jnp.ones(2), jnp.ones(1))
    with pytest.raises(HyperparameterError, match="q > 1"):
        power_error(1.0)


def test_swap_is_natural_x64(x64, getkey):
    """swap >> (L_K @ L_I) = (L_I @ L_K) >> swap (the symmetry of Learn is natural)."""
    I, _, K, p = three_layers(getkey)
    LI, LK = gradient_learner(I, 0.1), gradient_learner(K, 0.1)
    lhs = Learner.swap(E2, Euclid(4)) >> (LK @ LI)
    rhs = (LI @ LK) >> Learner.swap(E3, E1)
    a, b = jax.random.normal(getkey(), (2,)), jax.random.normal(getkey(), (4,))
    c, d = jax.random.normal(getkey(), (1,)), jax.random.normal(getkey(), (3,))
    assert learner_gap(lhs, rhs, p, (a, b), (c, d)) == 0.0


def test_discrete_input_has_no_request_but_can_learn():
    from catlearn.core.types import Fin

    emb = Para(Fin(3), E2, {"E": ParamSpec((3, 2))}, lambda p, i: p["E"][i], name="emb")
    L = gradient_learner(emb, 0.5)
    p = {"emb": {"E": jnp.zeros((3, 2))}}
    new = L.update(p, jnp.array(1), jnp.ones(2))
    assert tree_allclose(new["emb"]["E"][1], 0.5 * jnp.ones(2))
    with pytest.raises(NotInvertibleError, match="discrete input"):
        L.request(p, jnp.array(1), jnp.ones(2))
