"""LinearGaussian kernels: Markov-category laws (hypothesis, float64), singular covariances,
densities against scipy, pytree behaviour, bad input, flat programs."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catlearn.core.program import Instruction, Program
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.diagrams.diagram import Box, Merge
from catlearn.errors import CovarianceError, NonFiniteError, ShapeError, TypeMismatch
from catlearn.probability.kernels.gaussian import LinearGaussian as LG

LAW = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
seeds = st.integers(0, 2**31 - 1)
types = st.lists(st.integers(1, 2), min_size=0, max_size=2).map(
    lambda ns: Ty(*(Euclid(n) for n in ns))
)
nonempty = st.lists(st.integers(1, 2), min_size=1, max_size=2).map(
    lambda ns: Ty(*(Euclid(n) for n in ns))
)


def dim(t: Ty) -> int:
    return sum(a.size for a in t.inside)


def rand_lg(seed: int, dom: Ty, cod: Ty, *, rank: int | None = None) -> LG:
    rng = np.random.default_rng(seed)
    m, n = dim(cod), dim(dom)
    r = m if rank is None else rank
    L = rng.normal(size=(m, r))
    return LG(rng.normal(size=(m, n)), rng.normal(size=m), L @ L.T, dom=dom, cod=cod)


@LAW
@given(a=types, b=types, c=types, d=types, s=seeds, r=st.integers(0, 2))
def test_category_and_monoidal_laws(x64, a, b, c, d, s, r):
    f = rand_lg(s, a, b, rank=min(r, dim(b)))  # possibly singular covariance
    g, h = rand_lg(s + 1, b, c), rand_lg(s + 2, c, d)
    assert ((f >> g) >> h).allclose(f >> (g >> h))
    assert (LG.id(a) >> f).allclose(f) and (f >> LG.id(b)).allclose(f)
    k = rand_lg(s + 3, d, a)
    assert ((f @ h) >> (g @ k)).allclose((f >> g) @ (h >> k))
    assert ((f @ g) @ h).allclose(f @ (g @ h))
    assert ((f @ h) >> LG.swap(b, d)).allclose(LG.swap(a, c) >> (h @ f))
    assert (LG.swap(a, b) >> LG.swap(b, a)).allclose(LG.id(a @ b))
    assert LG.swap(a, b @ c).allclose((LG.swap(a, b) @ c) >> (b @ LG.swap(a, c)))


@LAW
@given(a=types, b=types, s=seeds)
def test_comonoid_laws_and_discard_naturality(x64, a, b, s):
    cp, dc, i = LG.copy(a), LG.discard(a), LG.id(a)
    assert (cp >> (cp @ a)).allclose(cp >> (a @ cp))
    assert (cp >> (dc @ a)).allclose(i) and (cp >> (a @ dc)).allclose(i)
    assert (cp >> LG.swap(a, a)).allclose(cp)
    both = (LG.copy(a) @ LG.copy(b)) >> (a @ LG.swap(a, b) @ b)
    assert LG.copy(a @ b).allclose(both)
    f = rand_lg(s, a, b)
    assert (f >> LG.discard(b)).allclose(LG.discard(a))


@LAW
@given(a=nonempty, b=nonempty, s=seeds)
def test_copy_naturality_exactly_for_deterministic(x64, a, b, s):
    f = rand_lg(s, a, b, rank=0)
    assert f.is_deterministic()
    assert (f >> LG.copy(b)).allclose(LG.copy(a) >> (f @ f))
    g = rand_lg(s, a, b)  # full-rank noise
    assert not g.is_deterministic()
    assert not (g >> LG.copy(b)).allclose(LG.copy(a) >> (g @ g))


@LAW
@given(a=nonempty, b=nonempty, s=seeds)
def test_marginals_of_joint_states(x64, a, b, s):
    p, q = rand_lg(s, Ty(), a), rand_lg(s + 1, Ty(), b)
    joint = p >> LG.copy(a) >> (a @ rand_lg(s + 2, a, b))
    assert joint.marginal(*range(len(a))).allclose(p)
    assert (p @ q).marginal(*range(len(a), len(a) + len(b))).allclose(q)


def test_log_prob_matches_scipy_and_degenerate_density(x64, getkey):
    k = LG([[1.0, 0.5], [0.0, 2.0]], [0.1, -0.2], [[2.0, 0.3], [0.3, 1.0]])
    x, y = jnp.array([0.3, -1.0]), jnp.array([1.0, 2.0])
    want = scipy.stats.multivariate_normal(np.asarray(k.mean(x)), np.asarray(k.cov)).logpdf(y)
    assert float(k.log_prob(y, x)) == pytest.approx(want, rel=1e-10)
    # singular: all mass on the line y1 = y2 (copy of a N(0, 1))
    s = LG.state([0.0], [[1.0]]) >> LG.copy(Euclid(1))
    on = s.log_prob((jnp.array([0.7]), jnp.array([0.7])))
    assert float(on) == pytest.approx(scipy.stats.norm(0, np.sqrt(2)).logpdf(0.7 * np.sqrt(2)))
    assert float(s.log_prob((jnp.array([0.7]), jnp.array([0.8])))) == -np.inf
    draws = s.sample(getkey(), 500)
    assert draws[0].shape == (500, 1) and np.allclose(draws[0], draws[1])
    batch = s.log_prob(draws)
    assert batch.shape == (500,) and np.all(np.isfinite(batch))


def test_sampling_moments(getkey):
    st_ = LG.state([1.0, -1.0], [[1.0, 0.8], [0.8, 1.0]])
    xs = st_.sample(getkey(), 4000)
    assert np.allclose(xs.mean(0), [1, -1], atol=0.1)
    assert np.allclose(np.cov(np.asarray(xs).T), st_.cov, atol=0.12)
    two = LG.state([0.0, 0.0, 5.0], jnp.eye(3), Euclid(2) @ Euclid(1))
    a, b = two.sample(getkey(), 3)
    assert a.shape == (3, 2) and b.shape == (3, 1)


def test_jit_vmap_grad():
    k = LG([[2.0]], [1.0], [[0.5]])
    c = jax.jit(lambda k: (k >> k).cov)(k)
    np.testing.assert_allclose(c, [[2.5]], rtol=1e-6)
    g = jax.grad(lambda a: (LG(a, cov=jnp.eye(1)) >> k).log_prob(jnp.ones(1), jnp.ones(1)))(
        jnp.ones((1, 1))
    )
    assert g.shape == (1, 1) and np.isfinite(g).all()
    means = jax.vmap(lambda b: (LG.state(b, jnp.eye(1)) >> k).b)(jnp.arange(3.0)[:, None])
    np.testing.assert_allclose(means[:, 0], [1, 3, 5])


def test_bad_input():
    with pytest.raises(CovarianceError, match="symmetric"):
        LG(jnp.eye(2), cov=[[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(CovarianceError, match="smallest eigenvalue -1"):
        LG(jnp.eye(2), cov=[[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(CovarianceError, match="finite"):
        LG(jnp.eye(1), cov=[[jnp.nan]])
    with pytest.raises(NonFiniteError, match="matrix A"):
        LG([[jnp.nan]])
    with pytest.raises(ShapeError, match="covariance"):
        LG(jnp.eye(2), cov=jnp.eye(3))
    with pytest.raises(TypeMismatch, match="Euclid"):
        LG.id(Fin(2))
    with pytest.raises(TypeMismatch):
        LG.id(Euclid(2)) >> LG.id(Euclid(3))
    with pytest.raises(ShapeError):
        LG.id(Euclid(2)).log_prob(jnp.zeros(3), jnp.zeros(2))
    # under jit nothing is validated (values are tracers)
    jax.jit(lambda c: LG(jnp.eye(1), cov=c).cov)(-jnp.eye(1))


def test_from_program_tracks_the_joint(x64):
    """x -> (f(x), g(x)), then h(f(x)) + g(x); outputs (x, h+g, f): compare to hand composition."""
    e = Euclid(1)
    f, g, h = Box("f", e, e), Box("g", e, e), Box("h", e, e)
    m = Merge(e, 2)
    ar = {
        f: LG([[2.0]], [1.0], [[0.5]]),
        g: LG([[-1.0]], cov=[[0.25]]),
        h: LG([[3.0]], cov=[[0.1]]),
    }
    prog = Program(
        e,
        e @ e @ e,
        (0,),
        (0, 5, 1),
        (
            Instruction(f, (0,), (1,)),
            Instruction(g, (0,), (2,)),
            Instruction(h, (1,), (3,)),
            Instruction(m, (3, 2), (5,)),
        ),
        (e,) * 6,
    )
    got = LG.from_program(prog, ar)
    c3 = LG.copy(e, 3)
    want = (
        c3
        >> (e @ ar[f] @ ar[g])
        >> (e @ LG.copy(e) @ e)
        >> (e @ ar[h] @ e @ e)  # x, h(f), f, g
        >> (e @ LG.swap(e, e) @ e)  # x, f, h, g
        >> (e @ e @ LG.merge(e))  # x, f, h + g
        >> (e @ LG.swap(e, e))
    )
    assert got.allclose(want)


def test_compile_diagram_into_linear_gaussian(x64):
    import catlearn.diagrams.compiler as compile_mod
    from catlearn.diagrams.diagram import Box, Diagram

    e = Euclid(2)
    prior, obs = Box("prior", Ty(), e), Box("obs", e, e)
    ar = {prior: LG.state([0.0, 1.0], jnp.eye(2)), obs: LG(jnp.eye(2), cov=0.1 * jnp.eye(2))}
    joint = compile_mod.compile(prior >> Diagram.copy(e) >> (e @ obs), ar, into=LG)
    want = ar[prior] >> LG.copy(e) >> (e @ ar[obs])
    assert joint.allclose(want)


def test_chain_fold_equals_the_general_fold(x64):
    """A plain chain folds pairwise; with a copy and a discard in the middle the general fold
    (the live wires as one joint Gaussian) runs: both give the same kernel."""
    rng = np.random.default_rng(7)
    x = Euclid(2)

    def rand() -> LG:
        a, c = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
        return LG(a, rng.normal(size=2), c @ c.T, dom=x, cod=x)

    f, g, h = rand(), rand(), rand()
    chain = f >> g >> h
    general = f >> LG.copy(x) >> (g @ LG.discard(x)) >> h
    assert chain.allclose(general, atol=1e-12)
