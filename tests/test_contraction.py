"""The contraction planner: plans equal brute-force einsum, max-product decodes the arg-max,
budgets raise before computing, and both heuristics give valid orders."""

from __future__ import annotations

import itertools

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

from catlearn.errors import MemoryBudgetError
from catlearn.probability.kernels.contraction import decode, execute, plan_contraction


def random_network(seed, n_vars, n_factors):
    rng = np.random.default_rng(seed)
    cards = {v: int(rng.integers(1, 4)) for v in range(n_vars)}
    scopes = []
    for _ in range(n_factors):
        k = int(rng.integers(1, 4))
        scopes.append(tuple(int(v) for v in rng.choice(n_vars, size=min(k, n_vars), replace=False)))
    arrays = [rng.random([cards[v] for v in s]) for s in scopes]
    return cards, scopes, arrays


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(1, 7),
    st.integers(1, 9),
    st.sampled_from(["min_fill", "min_weight"]),
)
def test_plans_equal_brute_force_einsum(seed, n_vars, n_factors, heuristic):
    cards, scopes, arrays = random_network(seed, n_vars, n_factors)
    used = sorted({v for s in scopes for v in s})
    out = tuple(used[: seed % 3])
    plan = plan_contraction(scopes, cards, out, heuristic=heuristic)
    ops = [x for a, s in zip(arrays, scopes) for x in (a, list(s))]
    np.testing.assert_allclose(execute(plan, arrays), np.einsum(*ops, list(out)), rtol=1e-10)
    assert set(plan.order) == set(used) - set(out)
    # validate=False (a caller's own, known-good scopes) plans the same contraction
    assert plan_contraction(scopes, cards, out, heuristic=heuristic, validate=False) == plan


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_max_product_decodes_the_argmax(seed):
    cards, scopes, arrays = random_network(seed, 5, 6)
    used = sorted({v for s in scopes for v in s})
    plan = plan_contraction(scopes, cards, (), maximize=used)
    kept: list = []
    best = execute(plan, arrays, keep=kept)
    ops = [x for a, s in zip(arrays, scopes) for x in (a, list(s))]
    full = np.einsum(*ops, used)
    assert float(best) == pytest.approx(full.max(), rel=1e-12)
    states = decode(plan, kept)
    assert full[tuple(states[v] for v in used)] == pytest.approx(full.max(), rel=1e-12)


def test_jax_execution_is_differentiable(x64):
    cards, scopes, arrays = random_network(3, 4, 5)
    plan = plan_contraction(scopes, cards, ())
    f = jax.jit(lambda a: execute(plan, a, jnp))
    np.testing.assert_allclose(
        f([jnp.asarray(a) for a in arrays]), execute(plan, arrays), rtol=1e-12
    )
    g = jax.grad(f)([jnp.asarray(a) for a in arrays])
    assert all(gi.shape == a.shape for gi, a in zip(g, arrays))


def test_budget_and_plan_printing():
    # a 12-cycle of binary variables with a chord-free ring: width 3
    scopes = [(i, (i + 1) % 12) for i in range(12)]
    cards = dict.fromkeys(range(12), 2)
    plan = plan_contraction(scopes, cards, (0,))
    assert plan.max_size == 8
    assert "largest table 8 entries" in str(plan)
    with pytest.raises(MemoryBudgetError, match="approximate inference"):
        plan_contraction(scopes, cards, (0,), budget=4)
    # a grid has a large clique: the budget stops it before any array is built
    grid = [((i, j), (i, j + 1)) for i, j in itertools.product(range(12), range(11))]
    grid += [((i, j), (i + 1, j)) for i, j in itertools.product(range(11), range(12))]
    with pytest.raises(MemoryBudgetError):
        plan_contraction(grid, dict.fromkeys({v for s in grid for v in s}, 4), (), budget=1 << 16)
