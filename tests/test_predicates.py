"""Markov-category predicates on Finite kernels (Cho–Jacobs, Fritz): disintegration round trips,
almost-sure equality, conditional independence; exact cases by hand, in float64."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catlearn.core.types import Fin
from catlearn.errors import ArgumentTypeError, ArgumentValueError, SupportError, TypeMismatch
from catlearn.probability.kernels import (
    Finite,
    almost_surely_equal,
    conditionally_independent,
    disintegrate,
    graph,
)

seeds = st.integers(0, 2**31 - 1)
x64_settings = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def rows(key, shape):
    """Random rows (Dirichlet(1)) of the given shape: the last axis sums to 1."""
    return jax.random.dirichlet(key, jnp.ones(shape[-1]), shape[:-1])


def test_disintegrate_by_hand_x64(x64):
    joint = Finite.state([[0.3, 0.1], [0.2, 0.4]])
    marginal, kernel = disintegrate(joint, 0)
    np.testing.assert_allclose(marginal.array, [2 / 5, 3 / 5], rtol=0, atol=1e-15)
    expected = [[3 / 4, 1 / 4], [1 / 3, 2 / 3]]  # 0.3 / 0.4, 0.1 / 0.4, 0.2 / 0.6, 0.4 / 0.6
    np.testing.assert_allclose(kernel.array, expected, rtol=0, atol=1e-15)
    assert (kernel.dom, kernel.cod) == (Fin(2), Fin(2))
    np.testing.assert_allclose((marginal >> graph(kernel)).array, joint.array, rtol=0, atol=1e-12)
    # conditioning on the second wire: omega(y) and c(x | y)
    marginal, kernel = disintegrate(joint, 1)
    np.testing.assert_allclose(marginal.array, [0.5, 0.5], rtol=0, atol=1e-15)
    np.testing.assert_allclose(kernel.array, [[0.6, 0.4], [0.2, 0.8]], rtol=0, atol=1e-15)


def test_disintegrate_zero_marginal_rows_are_the_other_marginal_x64(x64):
    joint = Finite.state([[0.0, 0.0], [0.25, 0.75]])
    marginal, kernel = disintegrate(joint, 0)
    assert marginal.array.tolist() == [0.0, 1.0]
    assert kernel.array.tolist() == [[0.25, 0.75], [0.25, 0.75]]
    np.testing.assert_allclose((marginal >> graph(kernel)).array, joint.array, rtol=0, atol=1e-12)


@x64_settings
@given(seeds, st.sampled_from([(0,), (2,), (0, 2), (1, 0)]))
def test_disintegration_round_trips_x64(x64, seed, wires):
    arr = rows(jax.random.key(seed), (24,)).reshape(2, 3, 4)
    arr = arr.at[1, 2].set(0.0)  # some zero-probability cells
    joint = Finite.state(arr / arr.sum())
    rest = tuple(i for i in range(3) if i not in wires)
    marginal, kernel = disintegrate(joint, *wires)
    back = marginal >> graph(kernel)
    assert back.cod == joint.marginal(*wires, *rest).cod
    np.testing.assert_allclose(back.array, joint.marginal(*wires, *rest).array, rtol=0, atol=1e-12)
    # the conditional is a.s. unique: any kernel whose graph gives the joint is a.s. equal
    assert almost_surely_equal(kernel, kernel, marginal)


def test_almost_surely_equal_by_hand_x64(x64):
    f = Finite([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]], 3, 2)
    g = Finite([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], 3, 2)
    assert almost_surely_equal(f, g, Finite.state([0.25, 0.0, 0.75]))
    assert not almost_surely_equal(f, g, Finite.state([0.25, 1e-9, 0.75 - 1e-9]))
    assert almost_surely_equal(f, f, Finite.state([1 / 3] * 3))


@x64_settings
@given(seeds, st.integers(0, 3))
def test_almost_surely_equal_iff_the_graphs_agree_x64(x64, seed, zero):
    k1, k2, k3 = jax.random.split(jax.random.key(seed), 3)
    prior = rows(k1, (4,)).at[zero].set(0.0)
    prior = Finite.state(prior / prior.sum())
    f = Finite(rows(k2, (4, 3)), 4, 3)
    g_same = Finite(f.array.at[zero].set(rows(k3, (3,))), 4, 3)  # differs off the support
    g_diff = Finite(f.array.at[(zero + 1) % 4].set(rows(k3, (3,))), 4, 3)
    for g in (g_same, g_diff):
        graphs_agree = (prior >> graph(f)).allclose(prior >> graph(g), atol=1e-12)
        assert almost_surely_equal(f, g, prior) == graphs_agree
    assert almost_surely_equal(f, g_same, prior) and not almost_surely_equal(f, g_diff, prior)


def chain_xyz(seed):
    """Z, then X and Y from Z through independent channels: X ⊥ Y | Z (but not X ⊥ Y)."""
    k1, k2, k3 = jax.random.split(jax.random.key(seed), 3)
    z = Finite.state(rows(k1, (3,)))
    cx, cy = Finite(rows(k2, (3, 2)), 3, 2), Finite(rows(k3, (3, 4)), 3, 4)
    return z >> Finite.copy(z.cod, 3) >> (cx @ cy @ Finite.id(z.cod))


def test_conditional_independence_by_hand_x64(x64):
    # X and Y independent: omega(x, y) = (1/5, 4/5) x (3/10, 7/10)
    prod = Finite.state([[0.06, 0.14], [0.24, 0.56]])
    assert conditionally_independent(prod, 0, 1)
    assert not conditionally_independent(Finite.state([[0.3, 0.1], [0.2, 0.4]]), 0, 1)
    # a common cause: dependent, independent given it
    z = Finite.state([0.5, 0.5])
    c = Finite([[0.9, 0.1], [0.2, 0.8]], 2, 2)
    xyz = z >> Finite.copy(z.cod, 3) >> (c @ c @ Finite.id(z.cod))
    assert conditionally_independent(xyz, 0, 1, given=2)
    assert not conditionally_independent(xyz, 0, 1)
    # a collider X -> W <- Y: independent, dependent given W
    x = Finite.state([0.5, 0.5])
    xor = Finite.from_function(lambda a, b: (a + b) % 2, Fin(2) @ Fin(2), Fin(2))
    xyw = (x @ x) >> Finite.copy(Fin(2) @ Fin(2)) >> (Finite.id(Fin(2) @ Fin(2)) @ xor)
    assert conditionally_independent(xyw, 0, 1)
    assert not conditionally_independent(xyw, 0, 1, given=2)


@x64_settings
@given(seeds)
def test_conditional_independence_on_random_chains_x64(x64, seed):
    xyz = chain_xyz(seed)
    assert conditionally_independent(xyz, 0, 1, given=2)
    assert conditionally_independent(xyz, [1], [0], given=[2])  # symmetric, lists accepted
    # one more wire marginalised out: a copy of X beside the rest
    xyzx = xyz >> (Finite.copy(Fin(2)) @ Finite.id(Fin(4) @ Fin(3)))
    assert conditionally_independent(xyzx, 0, 2, given=3)
    # perturbing the joint off the product form breaks it
    eps = 0.5 * float(jnp.min(xyz.array[:, 0, 0]))  # keeps every entry positive
    arr = xyz.array.at[0, 0, 0].add(eps).at[1, 0, 0].add(-eps)
    assert not conditionally_independent(Finite.state(arr), 0, 1, given=2)


def test_predicates_refuse_bad_arguments(x64):
    joint = Finite.state([[0.3, 0.1], [0.2, 0.4]])
    kernel = Finite([[0.5, 0.5], [0.1, 0.9]], 2, 2)
    with pytest.raises(ArgumentTypeError, match="Finite kernel"):
        disintegrate([[0.5, 0.5]], 0)
    with pytest.raises(TypeMismatch, match="a state"):
        disintegrate(kernel, 0)
    with pytest.raises(SupportError, match="range"):
        disintegrate(joint, 2)
    with pytest.raises(ArgumentValueError, match="some but not all"):
        disintegrate(joint, 0, 1)
    with pytest.raises(TypeMismatch, match="prior on Fin"):
        almost_surely_equal(kernel, kernel, Finite.state([1 / 3] * 3))
    with pytest.raises(TypeMismatch, match="same types"):
        almost_surely_equal(kernel, Finite([[1.0, 0.0, 0.0]] * 2, 2, 3), Finite.state([0.5] * 2))
    with pytest.raises(ArgumentValueError, match="disjoint"):
        conditionally_independent(joint, 0, 1, given=1)
    with pytest.raises(ArgumentValueError, match="distinct"):
        conditionally_independent(joint, [0, 0], 1)
    with pytest.raises(ArgumentValueError, match="concrete"):
        jax.jit(lambda a: conditionally_independent(Finite.state(a), 0, 1))(joint.array)
