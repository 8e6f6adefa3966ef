"""A learner as a Moore machine (Spivak): run by lax.scan == iterating update, bit for bit; the
readout is the lens (I(p, -), r(p, -, -)); two machines wired == the composite learner's run."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.dynamics import Machine, machine, readout, run, wire
from catlearn.core.learner import gradient_learner
from catlearn.core.lens import Lens
from catlearn.core.para import Para
from catlearn.core.types import Euclid
from catlearn.errors import ArgumentTypeError, TypeMismatch


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_run_equals_iterating_update(dtype, request):
    if dtype == "float64":
        request.getfixturevalue("x64")
    model = (
        Para.linear(Euclid(3), Euclid(4), name="a")
        >> Para.from_function(jnp.tanh, Euclid(4), Euclid(4))
        >> Para.linear(Euclid(4), Euclid(2), name="b")
    )
    L = gradient_learner(model, lr=0.05)
    p0 = model.init(jax.random.key(0))
    k1, k2 = jax.random.split(jax.random.key(1))
    xs = jax.random.normal(k1, (15, 3))
    ys = jnp.sin(xs[:, :2]) + 0.1 * jax.random.normal(k2, (15, 2))
    p_run, out = jax.jit(L.run)(p0, (xs, ys))
    update, implement, request = jax.jit(L.update), jax.jit(L.implement), jax.jit(L.request)
    p = p0
    for t in range(15):
        assert np.array_equal(out.implementations[t], implement(p, xs[t]))  # before the update
        assert np.array_equal(out.requests[t], request(p, xs[t], ys[t]))
        p = update(p, xs[t], ys[t])
    for u, v in zip(jax.tree_util.tree_leaves(p_run), jax.tree_util.tree_leaves(p)):
        assert np.array_equal(u, v)


def test_online_learning_on_a_stream():
    """Online regression: the prediction error on the stream falls as the learner runs."""
    L = gradient_learner(Para.linear(Euclid(2), Euclid(1), name="f"), lr=0.1)
    xs = jax.random.normal(jax.random.key(2), (300, 2))
    ys = xs @ jnp.array([[2.0], [-1.0]]) + 0.5
    p, out = L.run(L.init(jax.random.key(3)), (xs, ys))
    err = jnp.abs(out.implementations - ys)[:, 0]
    assert float(err[-50:].mean()) < 0.05 * float(err[:50].mean())
    assert jnp.allclose(p["f"]["W"][:, 0], jnp.array([2.0, -1.0]), atol=1e-3)


def two_learners():
    f = Para.linear(Euclid(3), Euclid(4), name="a") >> Para.from_function(
        jnp.tanh, Euclid(4), Euclid(4)
    )
    g = Para.linear(Euclid(4), Euclid(2), name="b")
    L1, L2 = gradient_learner(f, lr=0.05), gradient_learner(g, lr=0.1)
    return L1, L2, f.init(jax.random.key(0)), g.init(jax.random.key(1))


def test_readout_is_the_lens_of_implement_and_request(x64):
    L1, _, p, _ = two_learners()
    a, b = jnp.linspace(-1.0, 1.0, 3), jnp.array([0.5, -0.2, 0.1, 0.3])
    lens = readout(L1, p)
    assert isinstance(lens, Lens) and (lens.dom, lens.cod) == (L1.dom, L1.cod)
    assert np.array_equal(lens.get(a), L1.implement(p, a))
    assert np.array_equal(lens.put(a, b), L1.request(p, a, b))


def test_two_machines_wired_equal_the_composite_learners_run_x64(x64):
    """Spivak: wiring the machines of L1 and L2 (readout lenses composed, L1 updated at L2's
    request) runs as the machine of L1 >> L2: same predictions, requests and final state."""
    L1, L2, p, q = two_learners()
    k1, k2 = jax.random.split(jax.random.key(5))
    xs = jax.random.normal(k1, (20, 3))
    ys = jnp.cos(xs[:, :2]) + 0.1 * jax.random.normal(k2, (20, 2))
    m = wire(L1, L2)
    assert isinstance(m, Machine) and (m.dom, m.cod) == (Euclid(3), Euclid(2))
    (p_w, q_w), out_w = run(m, (p, q), (xs, ys))
    pq, out_c = (L1 >> L2).run({**p, **q}, (xs, ys))
    np.testing.assert_allclose(out_w.implementations, out_c.implementations, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out_w.requests, out_c.requests, rtol=0, atol=1e-12)
    for u, v in zip(jax.tree_util.tree_leaves((p_w, q_w)), jax.tree_util.tree_leaves(pq)):
        np.testing.assert_allclose(u, v, rtol=0, atol=1e-12)
    assert float(jnp.max(jnp.abs(out_w.requests))) > 0  # the requests are not trivially zero
    # Ignoring the second machine's request (updating L1 at the target) is a different machine.
    bad = Machine(
        m.dom,
        m.cod,
        m.readout,
        lambda s, a, c: (
            L1.update(s[0], a, L1.implement(s[0], a)),
            L2.update(s[1], L1.implement(s[0], a), c),
        ),
    )
    (p_b, _), _ = run(bad, (p, q), (xs, ys))
    assert not np.allclose(p_b["a"]["W"], p_w["a"]["W"])


def test_wire_refuses_mismatched_types_and_non_learners():
    L1, L2, _, _ = two_learners()
    with pytest.raises(TypeMismatch):
        wire(L2, L1)
    with pytest.raises(ArgumentTypeError, match="Learner or a Machine"):
        machine(object())
