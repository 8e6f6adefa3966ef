"""LazyFinite: diagrams of Finite kernels contracted by a plan, never multiplied out."""

from __future__ import annotations

import numpy as np
import pytest

import catlearn.probability as P
from catlearn.core.types import Fin
from catlearn.errors import TypeMismatch, ZeroEvidenceError
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.networks.lazy import LazyFinite


def kernel(rng, n, m, k=1):
    a = rng.dirichlet(np.ones(m), size=(n,) * k)
    return Finite(a, Fin(n) ** k if k > 1 else Fin(n), Fin(m))


def test_small_diagrams_equal_eager_finite(x64):
    rng = np.random.default_rng(0)
    f, g, h = kernel(rng, 3, 2), kernel(rng, 2, 4), kernel(rng, 3, 3)
    prior = Finite.state(rng.dirichlet(np.ones(3)))
    eager = prior >> Finite.copy(Fin(3)) >> ((f >> g) @ h)
    lazy = LazyFinite.box(prior) >> LazyFinite.copy(Fin(3)) >> ((LazyFinite.box(f) >> g) @ h)
    assert lazy.evaluate().allclose(eager, atol=1e-14)
    assert lazy.marginal(1).allclose(eager.marginal(1), atol=1e-14)
    np.testing.assert_allclose(
        P.condition(lazy, {0: 1}).array, P.condition(eager, {0: 1}).array, atol=1e-14
    )
    k = LazyFinite.box(f) >> g
    assert P.invert(k, prior).allclose(P.invert(f >> g, prior), atol=1e-14)
    ident = LazyFinite.id(Fin(3)) >> f >> LazyFinite.discard(Fin(2))
    np.testing.assert_allclose(ident.evaluate().array, np.ones(3), atol=1e-14)
    with pytest.raises(TypeMismatch, match="codomain"):
        LazyFinite.box(f) >> f


def test_forty_box_condition_and_invert_never_build_the_joint(x64):
    """A hidden root copied to 40 noisy sensors (41 boxes): the joint state has 3 * 2**40
    entries; conditioning on 39 sensors and inverting the 40-sensor kernel contract with
    every table below the plan's bound, itself tiny."""
    rng = np.random.default_rng(1)
    sensors = [kernel(rng, 3, 2) for _ in range(40)]
    prior = Finite.state([0.2, 0.5, 0.3])
    fan = LazyFinite.copy(Fin(3), 40) >> LazyFinite.tensor_all([LazyFinite.box(s) for s in sensors])
    joint = LazyFinite.box(prior) >> fan
    obs = {i: int(rng.integers(2)) for i in range(1, 40)}
    trace: list[int] = []
    post = joint.condition(obs, trace=trace)
    plan, _ = joint.plan([joint.cod_labels[0]], [(joint.cod_labels[i],) for i in obs])
    assert max(trace) <= plan.max_size <= 64  # vs 2**40 for the joint of the sensors
    # by hand: p(root | obs) ∝ prior * prod_i f_i(obs_i | root), then through sensor 0
    w = np.asarray(prior.array) * np.prod(
        [np.asarray(sensors[i].array)[:, s] for i, s in obs.items()], 0
    )
    np.testing.assert_allclose(post.array, (w / w.sum()) @ np.asarray(sensors[0].array), atol=1e-12)
    assert P.condition(joint, obs).allclose(post)
    # invert the kernel X -> 2 sensors through a 40-sensor diagram, 38 sensors discarded
    two = fan >> (Fin(2) @ Fin(2) @ LazyFinite.discard(Fin(2) ** 38))
    trace = []
    inv = two.invert(prior, trace=trace)
    assert max(trace) <= 3 * 2 * 2 * 2
    eager = Finite.copy(Fin(3)) >> (sensors[0] @ sensors[1])
    assert inv.allclose(P.invert(eager, prior), atol=1e-12)
    with pytest.raises(ZeroEvidenceError):
        (LazyFinite.box(Finite.state([1.0, 0.0])) >> Finite.id(Fin(2))).condition({0: 1})
