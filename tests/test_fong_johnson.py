"""Fong–Johnson's functors Lens -> Learn -> SLens preserve >> and @ (float64, exactly)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catlearn.core.fong_johnson import SymmetricLens, learner_to_symmetric, lens_to_learner
from catlearn.core.learner import Learner, gradient_learner
from catlearn.core.lens import Lens
from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid

E2, E3 = Euclid(2), Euclid(3)
seeds = st.integers(0, 2**31 - 1)


def same(x, y):
    return all(
        np.array_equal(np.asarray(a), np.asarray(b))
        for a, b in zip(jax.tree_util.tree_leaves(x), jax.tree_util.tree_leaves(y), strict=True)
    )


def random_lens(seed, dom, cod):
    """A lens that is not a reverse derivative: get = tanh(W a), put = a + W^T (b - get a)."""
    W = jax.random.normal(jax.random.key(seed), (cod.shape[0], dom.shape[0]))
    return Lens(lambda a: jnp.tanh(W @ a), lambda a, b: a + W.T @ (b - jnp.tanh(W @ a)), dom, cod)


def random_learner(seed, dom, cod, name):
    k = jax.random.key(seed)
    para = Para(
        dom, cod, ParamSpec((dom.shape[0], cod.shape[0])), lambda w, x: jnp.tanh(x @ w), name=name
    )
    return gradient_learner(para, lr=0.1), {
        name: jax.random.normal(k, (dom.shape[0], cod.shape[0]))
    }


def point(seed, ty):
    return jax.random.normal(jax.random.key(seed), ty.shapes[0])


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seeds, seeds, seeds)
def test_lens_to_learner_preserves_then_and_tensor_x64(x64, s1, s2, s3):
    f, g, h = random_lens(s1, E2, E3), random_lens(s2, E3, E2), random_lens(s3, E2, E2)
    a, c = point(s1 + 1, E2), point(s2 + 1, E2)
    F = lens_to_learner
    whole, parts = F(f >> g), F(f) >> F(g)
    assert same(whole.implement({}, a), parts.implement({}, a))
    assert same(whole.request({}, a, c), parts.request({}, a, c))
    assert same(whole.update({}, a, c), parts.update({}, a, c))
    both, sep = F(f @ h), F(f) @ F(h)
    ah, ch = (a, c), (point(s3 + 2, E3), c)
    assert same(both.implement({}, ah), sep.implement({}, ah))
    assert same(both.request({}, ah, ch), sep.request({}, ah, ch))
    assert same(F(Lens.id(E2)).request({}, a, c), Learner.id(E2).request({}, a, c))


def run_symmetric(S, comp, inputs):
    """Alternate putr a_k / putl c_k from a complement; collect every output."""
    outs = []
    for a, c in inputs:
        b, comp = S.putr(a, comp)
        back, comp = S.putl(c, comp)
        outs.append((b, back))
    return outs, comp


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seeds, seeds)
def test_learner_to_symmetric_preserves_then_x64(x64, s1, s2):
    L1, p = random_learner(s1, E2, E3, "f")
    L2, q = random_learner(s2, E3, E2, "g")
    G = learner_to_symmetric
    a0, b0 = jnp.zeros(2), jnp.zeros(3)
    inputs = [(point(s1 + k, E2), point(s2 + k, E2)) for k in range(3)]
    whole, cw = run_symmetric(G(L1 >> L2), ({**p, **q}, a0), inputs)
    parts, cp = run_symmetric(G(L1) >> G(L2), ((p, a0), (q, b0)), inputs)
    assert same(whole, parts)
    assert same(cw[0]["f"], cp[0][0]["f"]) and same(cw[0]["g"], cp[1][0]["g"])


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seeds, seeds)
def test_learner_to_symmetric_preserves_tensor_x64(x64, s1, s2):
    L1, p = random_learner(s1, E2, E3, "f")
    L2, q = random_learner(s2, E3, E2, "g")
    G = learner_to_symmetric
    inputs = [
        ((point(s1 + k, E2), point(s2 + k, E3)), (point(s1 - k, E3), point(s2 - k, E2)))
        for k in range(3)
    ]
    a0 = (jnp.zeros(2), jnp.zeros(3))
    whole, _ = run_symmetric(G(L1 @ L2), ({**p, **q}, a0), inputs)
    parts, _ = run_symmetric(G(L1) @ G(L2), ((p, a0[0]), (q, a0[1])), inputs)
    assert same(whole, parts)
    ident, _ = run_symmetric(G(Learner.id(E2)), ({}, jnp.zeros(2)), [(inputs[0][0][0],) * 2])
    assert same(ident, run_symmetric(SymmetricLens.id(E2), (), [(inputs[0][0][0],) * 2])[0])
