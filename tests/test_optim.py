"""Optimisers as lenses (Cruttwell et al.) against optax, both-way adapters, bad input.

Issue 13 fixed one sign convention (catlearn.core.optim): the put of an optimiser lens takes
the update direction d = -eps * grad that arrives on the parameter wire and moves along it, so
these tests feed ``put`` with ``-grad`` (or call ``step``, which takes the gradient); before,
put took the gradient and subtracted, which sent the paper's composite uphill.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
import pytest

from catlearn.core.optim import (
    MomentumState,
    Optimiser,
    adagrad,
    adam,
    from_optax,
    momentum,
    nesterov,
    sgd,
    to_optax,
)
from catlearn.errors import HyperparameterError, ParamsError
from conftest import tree_maxdiff


def problem(key):
    """A small least-squares problem: params pytree and its gradient function."""
    k1, k2, k3 = jax.random.split(key, 3)
    A = jax.random.normal(k1, (6, 3))
    y = jax.random.normal(k2, (6,))
    params = {"w": jax.random.normal(k3, (3,)), "b": jnp.zeros(())}
    grad = jax.grad(lambda p: 0.5 * jnp.sum((A @ p["w"] + p["b"] - y) ** 2))
    return params, grad


def run_ours(opt, params, grad, steps=10):
    state = opt.init(params)
    put = jax.jit(opt.put)
    traj = []
    for _ in range(steps):
        g = grad(opt.get(params, state))
        params, state = put(params, state, jax.tree_util.tree_map(jnp.negative, g))
        traj.append(opt.get(params, state))
    return traj


def run_optax(tx, params, grad, steps=10):
    state = tx.init(params)
    upd = jax.jit(tx.update)
    traj = []
    for _ in range(steps):
        u, state = upd(grad(params), state, params)
        params = optax.apply_updates(params, u)
        traj.append(params)
    return traj


def test_momentum_lens_equals_optax_sgd_momentum_x64(x64, getkey):
    params, grad = problem(getkey())
    ours = run_ours(momentum(0.05, 0.9), params, grad)
    theirs = run_optax(optax.sgd(0.05, momentum=0.9), params, grad)
    gap = tree_maxdiff(ours, theirs)
    print(f"momentum lens vs optax.sgd(lr, momentum) over 10 steps (float64): {gap:.3e}")
    assert gap < 1e-12


def test_sgd_and_nesterov_equal_optax_x64(x64, getkey):
    params, grad = problem(getkey())
    assert (
        tree_maxdiff(run_ours(sgd(0.05), params, grad), run_optax(optax.sgd(0.05), params, grad))
        < 1e-12
    )
    # Nesterov's look-ahead points p + gamma v follow optax's nesterov iterates
    assert (
        tree_maxdiff(
            run_ours(nesterov(0.05, 0.9), params, grad),
            run_optax(optax.sgd(0.05, momentum=0.9, nesterov=True), params, grad),
        )
        < 1e-12
    )


def test_adam_state_counts_steps(getkey):
    params, grad = problem(getkey())
    opt = adam(0.01)
    s = opt.init(params)
    for _ in range(3):
        params, s = opt.step(params, s, grad(params))
    assert int(s.count) == 3
    p0, g = problem(getkey())
    assert (
        tree_maxdiff(run_ours(adam(0.01), p0, g, 5), run_optax(optax.adam(0.01), p0, g, 5)) < 1e-6
    )


def test_from_optax_any_transformation(getkey):
    params, grad = problem(getkey())
    tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(0.01))
    assert (
        tree_maxdiff(run_ours(from_optax(tx), params, grad, 4), run_optax(tx, params, grad, 4))
        < 1e-6
    )  # float32, jit fusion


def test_to_optax_round_trip_x64(x64, getkey):
    params, grad = problem(getkey())
    ref = run_optax(optax.sgd(0.05, momentum=0.9), params, grad)
    assert tree_maxdiff(run_optax(to_optax(momentum(0.05, 0.9)), params, grad), ref) < 1e-12
    ref_n = run_optax(optax.sgd(0.05, momentum=0.9, nesterov=True), params, grad)
    assert tree_maxdiff(run_optax(nesterov(0.05, 0.9).to_optax(), params, grad), ref_n) < 1e-12
    # optax -> ours -> optax
    back = to_optax(from_optax(optax.adam(0.01)))
    assert (
        tree_maxdiff(run_optax(back, params, grad), run_optax(optax.adam(0.01), params, grad))
        < 1e-12
    )
    # usable inside optax.chain
    chained = optax.chain(optax.clip(1e6), to_optax(sgd(0.05)))
    assert (
        tree_maxdiff(run_optax(chained, params, grad), run_optax(optax.sgd(0.05), params, grad))
        < 1e-12
    )


def test_optimiser_is_a_lens_state():
    opt = nesterov(0.1, 0.5)
    s = opt.init({"w": jnp.ones(2)})
    assert isinstance(s, MomentumState)
    assert opt.lookahead and not momentum(0.1).lookahead
    custom = Optimiser(lambda p: (), None, lambda d, s, p: (d, s), name="unit")
    assert float(custom.put(jnp.ones(()), (), -jnp.ones(()))[0]) == 0.0
    assert float(custom.step(jnp.ones(()), (), jnp.ones(()))[0]) == 0.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, 0.0])
def test_non_finite_or_negative_learning_rate(bad):
    for make in (sgd, momentum, nesterov, adam):
        with pytest.raises(HyperparameterError, match=r"lr to be a finite number > 0"):
            make(bad)


def test_bad_hyperparameters_and_grads():
    with pytest.raises(HyperparameterError, match=r"momentum to lie in \[0, 1\)"):
        momentum(0.1, 1.0)
    with pytest.raises(HyperparameterError, match="momentum"):
        nesterov(0.1, float("nan"))
    with pytest.raises(HyperparameterError, match="b2"):
        adam(0.1, b2=1.5)
    with pytest.raises(HyperparameterError, match="eps"):
        adam(0.1, eps=0.0)
    opt = momentum(0.1)
    p = {"w": jnp.ones(3)}
    with pytest.raises(ParamsError, match=r"got \{'v'"):
        opt.put(p, opt.init(p), {"v": jnp.ones(3)})
    with pytest.raises(ParamsError, match=r"\(2,\)"):
        opt.put(p, opt.init(p), {"w": jnp.ones(2)})
    tx = to_optax(opt)
    with pytest.raises(ParamsError, match="needs the parameters"):
        tx.update(p, tx.init(p))
    with pytest.raises(TypeError, match="GradientTransformation"):
        from_optax(sgd(0.1))
    with pytest.raises(TypeError, match="catlearn Optimiser"):
        to_optax(optax.sgd(0.1))


def test_adagrad_and_adam_lenses_equal_optax_x64(x64, getkey):
    params, grad = problem(getkey())
    for ours, theirs in (
        (adagrad(0.1), optax.adagrad(0.1)),
        (adam(0.05), optax.adam(0.05)),
    ):
        gap = tree_maxdiff(run_ours(ours, params, grad, 20), run_optax(theirs, params, grad, 20))
        assert gap < 1e-12, (ours, gap)


def test_optimiser_state_of_the_wrong_structure():
    p = {"w": jnp.ones(3)}
    opt = adam(0.1)
    with pytest.raises(ParamsError, match=r"optimiser state .* init\(params\)"):
        opt.put(p, momentum(0.1).init(p), p)  # another optimiser's state
    with pytest.raises(ParamsError, match="optimiser state"):
        opt.put(p, opt.init({"w": jnp.ones(2)}), p)  # state for other parameters
    with pytest.raises(ParamsError, match="optimiser state"):
        nesterov(0.1).get(p, ())
    for make in (adagrad, sgd):
        with pytest.raises(HyperparameterError, match="lr"):
            make(float("nan"))
