"""Finite composites are lazy: questions asked of a diagram of Finite kernels are contractions
planned by the network planner, never the multiplied-out joint; LazyFinite is a deprecated alias."""

from __future__ import annotations

import numpy as np
import pytest

import catlearn.probability as P
from catlearn.core.types import Fin
from catlearn.errors import ZeroEvidenceError
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.networks.lazy import LazyFinite


def kernel(rng, n, m, k=1):
    a = rng.dirichlet(np.ones(m), size=(n,) * k)
    return Finite(a, Fin(n) ** k if k > 1 else Fin(n), Fin(m))


def dense(k: Finite) -> Finite:
    """The same kernel as one box (its table multiplied out)."""
    return Finite(np.asarray(k.array), k.dom, k.cod)


def test_composite_queries_equal_those_of_the_multiplied_out_table(x64):
    rng = np.random.default_rng(0)
    f, g, h = kernel(rng, 3, 2), kernel(rng, 2, 4), kernel(rng, 3, 3)
    prior = Finite.state(rng.dirichlet(np.ones(3)))
    joint = prior >> Finite.copy(Fin(3)) >> ((f >> g) @ h)
    box = dense(joint)
    want = np.einsum("x,xy,yz,xw->zw", *(np.asarray(k.array) for k in (prior, f, g, h)))
    np.testing.assert_allclose(box.array, want, atol=1e-14)
    assert joint.marginal(1).allclose(box.marginal(1), atol=1e-14)
    assert joint.marginal(1, 0).allclose(box.marginal(1, 0), atol=1e-14)
    np.testing.assert_allclose(
        P.condition(joint, {0: 1}).array, P.condition(box, {0: 1}).array, atol=1e-14
    )
    k = f >> g
    assert P.invert(k, prior).allclose(P.invert(dense(k), prior), atol=1e-14)
    ident = Finite.id(Fin(3)) >> f >> Finite.discard(Fin(2))
    np.testing.assert_allclose(ident.array, np.ones(3), atol=1e-14)
    # the network: one factor per box, copies as a label read twice
    net = joint.network()
    assert len(net.factors) == 4 and net.dom == () and len(net.cod) == 2


def test_forty_box_condition_and_invert_never_build_the_joint(x64):
    """A hidden root copied to 40 noisy sensors (41 boxes): the joint state has 3 * 2**40
    entries; conditioning on 39 sensors and inverting the 40-sensor kernel contract with
    every table below the plan's bound, itself tiny."""
    rng = np.random.default_rng(1)
    sensors = [kernel(rng, 3, 2) for _ in range(40)]
    prior = Finite.state([0.2, 0.5, 0.3])
    fan = Finite.copy(Fin(3), 40) >> Finite.tensor(*sensors)
    joint = prior >> fan
    obs = {i: int(rng.integers(2)) for i in range(1, 40)}
    trace: list[int] = []
    post = joint.condition(obs, trace=trace)
    net = joint.network()
    plan, _ = net.plan([net.cod[0]], [(net.cod[i],) for i in obs])
    assert max(trace) <= plan.max_size <= 64  # vs 2**40 for the joint of the sensors
    # by hand: p(root | obs) ∝ prior * prod_i f_i(obs_i | root), then through sensor 0
    w = np.asarray(prior.array) * np.prod(
        [np.asarray(sensors[i].array)[:, s] for i, s in obs.items()], 0
    )
    np.testing.assert_allclose(post.array, (w / w.sum()) @ np.asarray(sensors[0].array), atol=1e-12)
    assert P.condition(joint, obs).allclose(post)
    # invert the kernel X -> 2 sensors through a 40-sensor diagram, 38 sensors discarded
    two = fan >> (Fin(2) @ Fin(2) @ Finite.discard(Fin(2) ** 38))
    trace = []
    inv = two.invert(prior, trace=trace)
    assert max(trace) <= 3 * 2 * 2 * 2
    eager = dense(Finite.copy(Fin(3)) >> (sensors[0] @ sensors[1]))
    assert inv.allclose(P.invert(eager, prior), atol=1e-12)
    assert P.invert(two, prior).allclose(inv)
    assert joint.marginal(7).allclose(prior >> sensors[7], atol=1e-12)
    with pytest.raises(ZeroEvidenceError):
        (Finite.state([1.0, 0.0]) >> Finite.id(Fin(2))).condition({0: 1})


def test_lazy_finite_is_a_deprecated_alias_of_finite_composites(x64):
    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    with pytest.warns(DeprecationWarning, match="Finite composites are lazy"):
        box = LazyFinite.box(f)
    assert box is f
    with pytest.warns(DeprecationWarning):
        fan = LazyFinite.copy(Fin(2), 3) >> LazyFinite.tensor_all([f] * 3)
    with pytest.warns(DeprecationWarning):
        ident, drop = LazyFinite.id(Fin(2)), LazyFinite.discard(Fin(2))
    assert isinstance(fan, Finite) and fan.allclose(Finite.copy(Fin(2), 3) >> (f @ f @ f))
    assert (ident >> f >> drop).allclose(Finite.discard(Fin(2)))


def test_a_batch_of_composites_evaluates_each(x64):
    """jax.vmap of a function returning a composite gives a batch of composites (batched
    leaves); its array (Finite) or A, b, cov (LinearGaussian) is each one's, stacked."""
    import jax
    import jax.numpy as jnp

    from catlearn.core.types import Euclid
    from catlearn.probability.kernels.gaussian import LinearGaussian

    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    ps = jnp.array([0.1, 0.5, 0.9])
    batch = jax.vmap(lambda p: Finite.state(jnp.stack([p, 1 - p])) >> f >> f)(ps)
    for i, p in enumerate(ps):
        one = Finite.state(jnp.stack([p, 1 - p])) >> f >> f
        np.testing.assert_allclose(batch.array[i], one.array, atol=1e-14)
    k = LinearGaussian([[2.0]], [1.0], [[1.0]], dom=Euclid(1), cod=Euclid(1))
    preds = jax.vmap(lambda m: LinearGaussian.state(m[None], jnp.eye(1)) >> k)(jnp.arange(3.0))
    np.testing.assert_allclose(preds.b[:, 0], [1.0, 3.0, 5.0], atol=1e-12)
    np.testing.assert_allclose(preds.cov[:, 0, 0], [5.0, 5.0, 5.0], atol=1e-12)


def test_large_kernels_compose_without_a_budget_error(x64):
    """A step's product is not memory: f >> g of two 600-state kernels spans 600³ products,
    more than the planner's default budget for networks (2**27), and builds only the 600 x 600
    answer, through BLAS."""
    rng = np.random.default_rng(3)
    a, b = rng.dirichlet(np.ones(600), 600), rng.dirichlet(np.ones(600), 600)
    f, g = Finite(a, Fin(600), Fin(600)), Finite(b, Fin(600), Fin(600))
    np.testing.assert_allclose((f >> g).array, a @ b, atol=1e-12)
    pi = Finite.state(rng.dirichlet(np.ones(600)))
    assert P.invert(f >> g, pi).allclose(P.invert(dense(f >> g), pi), atol=1e-12)
