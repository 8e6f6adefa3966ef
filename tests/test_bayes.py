"""Bayesian inversion, conditioning, soft evidence and Bayesian lenses: laws and bad input."""

from __future__ import annotations

from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import (
    CovarianceError,
    NonFiniteError,
    NotStochasticError,
    ShapeError,
    SupportError,
    TypeMismatch,
    ZeroEvidenceError,
)
from catlearn.probability.inference.bayes import (
    BayesLens,
    bayes_lens,
    condition,
    invert,
    jeffrey_update,
    pearl_update,
    sequential_update,
    update,
)
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite
from conftest import tree_allclose

LAW = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
seeds = st.integers(0, 2**31 - 1)


def _stoch(rng, shape, sparsity=0.3):
    """A random stochastic array (rows over the last axis) with some exact zeros."""
    a = rng.random(shape) * (rng.random(shape) > sparsity)
    a[..., 0] += a.sum(-1) == 0  # keep every row a distribution
    return a / a.sum(-1, keepdims=True)


def _finite(rng, nx, ny, sparsity=0.3):
    return Finite(jnp.asarray(_stoch(rng, (nx, ny), sparsity)), Fin(nx), Fin(ny))


def _prior(rng, nx, sparsity=0.3):
    return Finite.state(jnp.asarray(_stoch(rng, (nx,), sparsity)))


def _psd(rng, n, rank=None):
    rank = n if rank is None else rank
    L = rng.normal(size=(n, rank))
    return L @ L.T


def _lg(rng, n, m, rank=None):
    return LinearGaussian(
        jnp.asarray(rng.normal(size=(m, n))),
        jnp.asarray(rng.normal(size=m)),
        jnp.asarray(_psd(rng, m, rank)),
    )


def _lg_state(rng, n, rank=None):
    return LinearGaussian.state(jnp.asarray(rng.normal(size=n)), jnp.asarray(_psd(rng, n, rank)))


# --- laws: finite kernels ------------------------------------------------------------------------


@LAW
@given(seeds)
def test_defining_equation_finite(x64, seed):
    """π(x) f(y|x) = (π≫f)(y) f†(x|y) everywhere (zero-evidence rows are the prior)."""
    rng = np.random.default_rng(seed)
    nx, ny = 3, 2
    f, pi = _finite(rng, nx, ny), _prior(rng, nx)
    fd = invert(f, pi)
    lhs = pi.array[:, None] * f.array
    rhs = ((pi >> f).array[:, None] * fd.array).T
    assert np.allclose(lhs, rhs, atol=1e-12)
    ev = np.asarray((pi >> f).array)
    for y in np.flatnonzero(ev == 0):  # the documented convention
        assert np.allclose(fd.array[y], pi.array)
    assert np.allclose(fd.array.sum(-1), 1.0)


@LAW
@given(seeds)
def test_inverse_of_composite_finite(x64, seed):
    """(f ≫ g)†_π = g†_{π≫f} ≫ f†_π (holds everywhere with the prior convention)."""
    rng = np.random.default_rng(seed)
    nx, ny, nz = 3, 2, 4
    f, g, pi = _finite(rng, nx, ny), _finite(rng, ny, nz), _prior(rng, nx)
    lhs = invert(f >> g, pi)
    rhs = invert(g, pi >> f) >> invert(f, pi)
    assert lhs.allclose(rhs, atol=1e-12)
    lens = (bayes_lens(f) >> bayes_lens(g)).backward(pi)
    assert lens.allclose(lhs, atol=1e-12)


@LAW
@given(seeds)
def test_invert_twice_finite(x64, seed):
    """(f†_π)†_{π≫f} = f on the support of π (π-a.e.)."""
    rng = np.random.default_rng(seed)
    nx, ny = 3, 2
    f, pi = _finite(rng, nx, ny), _prior(rng, nx)
    back = invert(invert(f, pi), pi >> f)
    supp = np.asarray(pi.array) > 0
    assert np.allclose(back.array[supp], f.array[supp], atol=1e-12)


@LAW
@given(seeds)
def test_batch_equals_sequential_finite(x64, seed):
    rng = np.random.default_rng(seed)
    nx, ny, n = 3, 2, 5
    f, pi = _finite(rng, nx, ny, sparsity=0.0), _prior(rng, nx, sparsity=0.0)
    ys = jnp.asarray(rng.integers(0, ny, size=n))
    batch, seq = update(f, pi, ys), sequential_update(f, pi, ys)
    assert batch.allclose(seq, atol=1e-12)
    post = pi.array * jnp.prod(f.array[:, ys], axis=1)  # brute force
    assert np.allclose(batch.array, post / post.sum(), atol=1e-12)


@LAW
@given(seeds)
def test_condition_equals_invert_finite(x64, seed):
    rng = np.random.default_rng(seed)
    nx, ny = 3, 2
    f, pi = _finite(rng, nx, ny), _prior(rng, nx)
    joint = pi >> Finite.copy(Fin(nx)) >> (Finite.id(Fin(nx)) @ f)
    fd = invert(f, pi)
    ev = np.asarray((pi >> f).array)
    for y in np.flatnonzero(ev > 0):
        post = condition(joint, {1: int(y)})
        assert np.allclose(post.array, fd.array[y], atol=1e-12)
        # hard evidence = Pearl with a one-hot likelihood = Jeffrey with a point target
        onehot = jnp.zeros(ny).at[y].set(1.0)
        assert np.allclose(pearl_update(pi, f, onehot).array, fd.array[y], atol=1e-12)
        assert np.allclose(
            jeffrey_update(pi, f, Finite.point(int(y), Fin(ny))).array, fd.array[y], atol=1e-12
        )


@LAW
@given(seeds)
def test_soft_evidence_rules(x64, seed):
    rng = np.random.default_rng(seed)
    nx, ny = 3, 2
    f, pi = _finite(rng, nx, ny, 0.0), _prior(rng, nx, 0.0)
    q = jnp.asarray(rng.random(ny) + 0.01)
    # Pearl: π'(x) ∝ π(x) Σ_y f(y|x) q(y); scale invariant in q
    want = pi.array * (f.array @ q)
    assert np.allclose(pearl_update(pi, f, q).array, want / want.sum(), atol=1e-12)
    assert pearl_update(pi, f, 3.0 * q).allclose(pearl_update(pi, f, q), atol=1e-12)
    # Jeffrey: the prediction of the prior leaves it unchanged; the update is τ ≫ f†
    assert jeffrey_update(pi, f, pi >> f).allclose(pi, atol=1e-12)
    tau = Finite.state(jnp.asarray(_stoch(rng, (ny,), 0.0)))
    want = tau.array @ invert(f, pi).array
    assert np.allclose(jeffrey_update(pi, f, tau).array, want, atol=1e-12)


def test_condition_multi_wire_by_name(x64):
    rng = np.random.default_rng(0)
    p = jnp.asarray(_stoch(rng, (24,), 0.0).reshape(2, 3, 4))
    joint = Finite.state(p)
    post = condition(joint, {"c": 3, "a": 1}, names=["a", "b", "c"])
    assert post.cod == Fin(3)
    assert np.allclose(post.array, p[1, :, 3] / p[1, :, 3].sum())
    assert condition(joint, {-1: 3}).allclose(condition(joint, {2: 3}))


# --- laws: linear-Gaussian kernels ---------------------------------------------------------------


def _joint(pi, f):
    """The joint state of (x, y): π ≫ copy ≫ (id ⊗ f)."""
    return pi >> LinearGaussian.copy(pi.cod) >> (LinearGaussian.id(pi.cod) @ f)


@LAW
@given(seeds, st.booleans(), st.booleans())
def test_defining_equation_gaussian(x64, seed, singular_noise, singular_prior):
    """The joint (x, y) from π and f equals the joint from π≫f and f† (as Gaussians)."""
    rng = np.random.default_rng(seed)
    n, m = 3, 2
    f = _lg(rng, n, m, rank=rng.integers(0, m) if singular_noise else None)
    pi = _lg_state(rng, n, rank=rng.integers(0, n) if singular_prior else None)
    fd = invert(f, pi)
    lhs = _joint(pi, f)
    rhs = _joint(pi >> f, fd) >> LinearGaussian.swap(f.cod, pi.cod)
    assert lhs.allclose(rhs, atol=1e-8)


@LAW
@given(seeds, st.booleans())
def test_inverse_of_composite_gaussian(x64, seed, singular):
    rng = np.random.default_rng(seed)
    n, m, k = 3, 2, 2
    f = _lg(rng, n, m, rank=0 if singular else None)
    g = _lg(rng, m, k, rank=rng.integers(0, k) if singular else None)
    pi = _lg_state(rng, n)
    lhs = invert(f >> g, pi)
    rhs = invert(g, pi >> f) >> invert(f, pi)
    # equal as kernels (π≫f≫g)-a.e.: compare the joint states they make with the evidence
    ev = pi >> f >> g
    assert _joint(ev, lhs).allclose(_joint(ev, rhs), atol=1e-7)
    if not singular:  # full-rank evidence: equal as kernels everywhere
        assert lhs.allclose(rhs, atol=1e-8)
    assert (bayes_lens(f) >> bayes_lens(g)).backward(pi).allclose(rhs, atol=1e-8)


@LAW
@given(seeds)
def test_invert_twice_gaussian(x64, seed):
    rng = np.random.default_rng(seed)
    n, m = 3, 2
    f, pi = _lg(rng, n, m), _lg_state(rng, n)  # full-rank prior: a.e. = everywhere
    # Inverting twice loses about cond(prior covariance) * eps: random priors reach cond ~1e9.
    cond = float(np.linalg.cond(np.asarray(pi.cov)))
    assert invert(invert(f, pi), pi >> f).allclose(f, atol=max(1e-7, 1e-14 * cond))


def test_gaussian_condition_closed_form(x64):
    rng = np.random.default_rng(1)
    C = _psd(rng, 4)
    mu = rng.normal(size=4)
    joint = LinearGaussian.state(jnp.asarray(mu), jnp.asarray(C), Euclid(1) @ Euclid(2) @ Euclid(1))
    y = np.array([0.3, -1.2])
    post = condition(joint, {1: jnp.asarray(y)})
    r, o = [0, 3], [1, 2]
    K = C[np.ix_(r, o)] @ np.linalg.inv(C[np.ix_(o, o)])
    assert post.cod == Euclid(1) @ Euclid(1)
    assert np.allclose(post.b, mu[r] + K @ (y - mu[o]))
    assert np.allclose(post.cov, C[np.ix_(r, r)] - K @ C[np.ix_(o, r)])


@LAW
@given(seeds, st.booleans())
def test_condition_equals_invert_gaussian(x64, seed, singular):
    rng = np.random.default_rng(seed)
    n, m = 3, 2
    f, pi = _lg(rng, n, m, rank=0 if singular else None), _lg_state(rng, n)
    ev = pi >> f
    y = (
        jnp.asarray(np.linalg.cholesky(np.asarray(ev.cov)) @ rng.normal(size=m)) + ev.b
        if not singular
        else f.mean(pi.b)
    )
    post = condition(_joint(pi, f), {1: y})
    fd = invert(f, pi)
    assert np.allclose(post.b, fd.mean(y), atol=1e-7)
    assert np.allclose(post.cov, fd.cov, atol=1e-7)
    assert bayes_lens(f).update(pi, y).allclose(post, atol=1e-7)


@LAW
@given(seeds, st.booleans())
def test_batch_equals_sequential_gaussian(x64, seed, singular):
    rng = np.random.default_rng(seed)
    n, m, k = 2, 2, 4
    f, pi = _lg(rng, n, m, rank=0 if singular else None), _lg_state(rng, n)
    if singular:  # exact observations must be consistent: all equal to one draw
        x = pi.b + jnp.asarray(rng.normal(size=n))
        ys = jnp.tile(f.mean(x), (k, 1))
    else:
        ys = jnp.asarray(rng.normal(size=(k, m)))
    assert update(f, pi, ys).allclose(sequential_update(f, pi, ys), atol=1e-7)


def test_jeffrey_gaussian(x64):
    rng = np.random.default_rng(3)
    f, pi = _lg(rng, 2, 1), _lg_state(rng, 2)
    assert jeffrey_update(pi, f, pi >> f).allclose(pi, atol=1e-10)
    y = jnp.array([0.7])
    point = LinearGaussian.state(y, jnp.zeros((1, 1)))
    assert jeffrey_update(pi, f, point).allclose(bayes_lens(f).update(pi, y), atol=1e-10)


# --- Bayesian lenses: exact fractions --------------------------------------------------------------


def test_lens_composite_exact_fractions(x64):
    """The composite lens's backward is the inverse of the composite, against hand fractions."""
    F = Fraction
    pi = [F(1, 4), F(3, 4)]
    f = [[F(1, 2), F(1, 2), F(0)], [F(1, 4), F(1, 4), F(1, 2)]]  # Fin(2) -> Fin(3)
    g = [[F(1), F(0)], [F(1, 2), F(1, 2)], [F(1, 8), F(7, 8)]]  # Fin(3) -> Fin(2)
    fg = [[sum(f[x][y] * g[y][z] for y in range(3)) for z in range(2)] for x in range(2)]
    ev = [sum(pi[x] * fg[x][z] for x in range(2)) for z in range(2)]
    want = [[pi[x] * fg[x][z] / ev[z] for x in range(2)] for z in range(2)]
    # by hand: fg = [[3/4, 1/4], [7/16, 9/16]], ev = [33/64, 31/64],
    # (f≫g)†(x|z=0) = [4/11, 7/11], (f≫g)†(x|z=1) = [4/31, 27/31]
    assert want == [[F(4, 11), F(7, 11)], [F(4, 31), F(27, 31)]]
    to = lambda t: jnp.asarray(np.array(t, dtype=float))  # noqa: E731
    lens = bayes_lens(Finite(to(f), Fin(2), Fin(3))) >> bayes_lens(Finite(to(g), Fin(3), Fin(2)))
    got = lens.backward(Finite.state(to(pi))).array
    assert got.dtype == jnp.float64
    assert np.max(np.abs(np.asarray(got) - np.array(want, dtype=float))) <= 1e-15
    assert [[F(v).limit_denominator(100) for v in row] for row in np.asarray(got)] == want


def test_lens_under_jit_and_grad(x64):
    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))

    @jax.jit
    def post(p):
        return bayes_lens(f).update(Finite.state(jnp.stack([p, 1 - p])), 1).array[0]

    assert np.isclose(post(0.5), 0.1 / 0.9)
    g = jax.grad(post)(0.5)  # d/dp [0.1p / (0.1p + 0.8(1-p))] = 0.08 / 0.45²
    assert np.isclose(g, 0.08 / 0.45**2)
    v = jax.vmap(lambda p: invert(f, Finite.state(jnp.stack([p, 1 - p]))).array)(
        jnp.array([0.1, 0.5])
    )
    assert v.shape == (2, 2, 2)


def test_lens_composition_type_error():
    f = Finite([[1.0, 0.0]], Fin(1), Fin(2))
    with pytest.raises(TypeMismatch, match="Fin"):
        bayes_lens(f) >> bayes_lens(f)
    with pytest.raises(TypeError, match="backward"):
        BayesLens(f, backward=3)


# --- bad input ---------------------------------------------------------------------------------


def test_zero_evidence_raises():
    f = Finite([[1.0, 0.0], [1.0, 0.0]], Fin(2), Fin(2))
    pi = Finite.state([0.5, 0.5])
    joint = pi >> Finite.copy(Fin(2)) >> (Finite.id(Fin(2)) @ f)
    with pytest.raises(ZeroEvidenceError, match="zero evidence"):
        condition(joint, {1: 1})
    with pytest.raises(ZeroEvidenceError):
        pearl_update(pi, f, jnp.array([0.0, 1.0]))
    with pytest.raises(ZeroEvidenceError):
        jeffrey_update(pi, f, Finite.state([0.5, 0.5]))
    with pytest.raises(ZeroEvidenceError):
        update(f, pi, jnp.array([0, 1]))
    with pytest.raises(ZeroEvidenceError):
        sequential_update(f, pi, jnp.array([0, 1]))
    assert np.allclose(invert(f, pi).array[1], pi.array)  # convention: the prior row


def test_zero_evidence_gaussian():
    f = LinearGaussian.deterministic([[1.0, 0.0], [1.0, 0.0]])  # y = (x0, x0): y0 = y1 a.s.
    pi = LinearGaussian.state([0.0, 0.0], jnp.eye(2))
    with pytest.raises(ZeroEvidenceError, match="support"):
        condition(_joint(pi, f), {1: jnp.array([1.0, 2.0])})
    with pytest.raises(ZeroEvidenceError):
        update(f, pi, jnp.array([[1.0, 1.0], [2.0, 2.0]]))
    post = condition(_joint(pi, f), {1: jnp.array([1.0, 1.0])})  # on the support: fine
    assert np.allclose(post.b, [1.0, 0.0], atol=1e-5)


def test_wrong_wire_and_shapes():
    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    with pytest.raises(TypeMismatch, match="wrong wire"):
        invert(f, Finite.state([0.2, 0.3, 0.5]))
    with pytest.raises(TypeMismatch, match="prior state"):
        invert(f, f)
    with pytest.raises(TypeMismatch, match="Euclid"):
        invert(f, LinearGaussian.state([0.0, 0.0], jnp.eye(2)))
    joint = Finite.state([[0.3, 0.1], [0.2, 0.4]])
    with pytest.raises(ShapeError, match="one value"):
        condition(joint, {1: jnp.array([0, 1])})
    with pytest.raises(SupportError, match="range"):
        condition(joint, {5: 0})
    with pytest.raises(SupportError, match="names"):
        condition(joint, {"wet": 0})
    with pytest.raises(TypeError, match="mapping"):
        condition(joint, 1)
    with pytest.raises(TypeMismatch, match="joint state"):
        condition(f, {0: 1})
    with pytest.raises(ShapeError, match="likelihood of shape"):
        pearl_update(Finite.state([0.5, 0.5]), f, jnp.ones(3))
    with pytest.raises(ShapeError, match="leading axis"):
        update(f, Finite.state([0.5, 0.5]), jnp.zeros((2, 2), int))
    g = LinearGaussian([[1.0]], cov=[[1.0]])
    pi = LinearGaussian.state([0.0], [[1.0]])
    with pytest.raises(ShapeError, match="shape"):
        condition(_joint(pi, g), {1: jnp.zeros(3)})
    with pytest.raises(ShapeError):
        update(g, pi, jnp.zeros((2, 3)))


def test_outside_support_and_nan():
    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    pi = Finite.state([0.5, 0.5])
    joint = pi >> Finite.copy(Fin(2)) >> (Finite.id(Fin(2)) @ f)
    with pytest.raises(SupportError, match=r"0\.\.1"):
        condition(joint, {1: 2})
    with pytest.raises(SupportError, match=r"0\.\.1"):
        update(f, pi, jnp.array([0, 3]))
    with pytest.raises(SupportError, match="integer"):
        update(f, pi, jnp.array([0.5]))
    with pytest.raises(SupportError, match=">= 0"):
        pearl_update(pi, f, jnp.array([jnp.nan, 1.0]))
    with pytest.raises(SupportError, match=">= 0"):
        pearl_update(pi, f, jnp.array([-1.0, 1.0]))
    with pytest.raises(NotStochasticError):
        invert(f, Finite.state([jnp.nan, 0.5]))
    with pytest.raises(NonFiniteError):
        invert(LinearGaussian([[jnp.nan]]), LinearGaussian.state([0.0], [[1.0]]))
    with pytest.raises(CovarianceError):  # a non-PSD "covariance" is refused at construction
        invert(LinearGaussian([[1.0]]), LinearGaussian.state([0.0], [[-1.0]]))


def test_jit_zero_evidence_uses_prior_convention():
    joint = Finite.state([[0.5, 0.0], [0.5, 0.0]])
    post = jax.jit(lambda j: condition(j, {1: 1}))(joint)
    assert tree_allclose(post.array, jnp.array([0.5, 0.5]))
    assert post.cod == Ty(Fin(2))


def test_pearl_gaussian(x64):
    """Gaussian virtual evidence N(z; Hy, R) = conditioning on z through f ≫ channel."""
    rng = np.random.default_rng(5)
    f, pi = _lg(rng, 2, 2), _lg_state(rng, 2)
    channel = LinearGaussian([[1.0, 0.0]], cov=[[0.5]])
    z = jnp.array([0.4])
    post = pearl_update(pi, f, (channel, z))
    assert post.allclose(bayes_lens(f >> channel).update(pi, z), atol=1e-10)
    # a vanishing-noise identity channel = hard evidence on y
    exact = pearl_update(pi, f, (LinearGaussian.id(Euclid(2)), jnp.array([0.1, 0.2])))
    assert exact.allclose(bayes_lens(f).update(pi, jnp.array([0.1, 0.2])), atol=1e-10)
    with pytest.raises(TypeError, match="channel"):
        pearl_update(pi, f, jnp.ones(2))


def test_multi_wire_observations(x64):
    rng = np.random.default_rng(7)
    f = Finite(jnp.asarray(_stoch(rng, (3, 6), 0.0).reshape(3, 2, 3)), Fin(3), Fin(2) @ Fin(3))
    pi = _prior(rng, 3, 0.0)
    ys = (jnp.array([0, 1, 1]), jnp.array([2, 0, 2]))
    assert update(f, pi, ys).allclose(sequential_update(f, pi, ys), atol=1e-12)
    brute = pi.array * f.array[:, 0, 2] * f.array[:, 1, 0] * f.array[:, 1, 2]
    assert np.allclose(update(f, pi, ys).array, brute / brute.sum())
    assert np.allclose(invert(f, pi).array.shape, (2, 3, 3))


# --- Bayesian lenses on the composition engine -------------------------------------------------


def _lens_chain(kernels):
    out = bayes_lens(kernels[0])
    for k in kernels[1:]:
        out = out >> bayes_lens(k)
    return out


def _by_hand(kernels, pi):
    """The step-by-step inversion: the pushed priors, then the inverses composed in reverse."""
    invs = []
    for k in kernels:
        invs.append(invert(k, pi))
        pi = pi >> k
    out = invs[-1]
    for inv in invs[-2::-1]:
        out = out >> inv
    return out


@LAW
@given(seeds, st.integers(2, 5))
def test_engine_lens_chain_finite(x64, seed, n):
    """bayes_lens(f1) >> ... >> bayes_lens(fn) has backward (f1 ≫ ... ≫ fn)†_π."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 4, size=n + 1)
    ks = [_finite(rng, int(sizes[i]), int(sizes[i + 1])) for i in range(n)]
    pi = _prior(rng, int(sizes[0]))
    lens, whole = _lens_chain(ks), ks[0].then(*ks[1:])
    assert lens.backward(pi).allclose(invert(whole, pi), atol=1e-12)
    assert lens.forward.allclose(whole, atol=1e-12)
    assert (
        bayes_lens(ks[0])
        .then(*map(bayes_lens, ks[1:]))
        .backward(pi)
        .allclose(invert(whole, pi), atol=1e-12)
    )


@LAW
@given(seeds)
def test_engine_lens_chain_gaussian(x64, seed):
    rng = np.random.default_rng(seed)
    ks = [_lg(rng, 3, 2), _lg(rng, 2, 2), _lg(rng, 2, 1)]
    pi = _lg_state(rng, 3)
    lens, whole = _lens_chain(ks), ks[0] >> ks[1] >> ks[2]
    assert lens.backward(pi).allclose(invert(whole, pi), atol=1e-12)
    assert lens.backward(pi).allclose(_by_hand(ks, pi), atol=1e-12)
    assert lens.forward.allclose(whole, atol=1e-12)


class _Mat:
    """A bare kernel (a row-stochastic numpy matrix with >> and then): all the engine needs."""

    def __init__(self, a, dom, cod):
        self.a, self.dom, self.cod = np.asarray(a), dom, cod

    def __rshift__(self, other):
        return _Mat(self.a @ other.a, self.dom, other.cod)

    def then(self, *others):
        a = self.a
        for o in others:
            a = a @ o.a
        return _Mat(a, self.dom, others[-1].cod if others else self.cod)


def _np_invert(f, pi):
    joint = pi.a[0][:, None] * f.a
    return _Mat((joint / joint.sum(0)).T, f.cod, f.dom)


def _np_lens(f):
    return BayesLens(f, lambda prior: _np_invert(f, prior), name="m")


def test_engine_lens_long_chain():
    """A 10^4-long chain composes in O(1) per >> and runs backward in one iterative pass (no
    RecursionError), equal to the step-by-step inversion (pushed priors, inverses reversed)."""
    rng = np.random.default_rng(0)
    base = [_Mat(_stoch(rng, (3, 3), 0.0), Fin(3), Fin(3)) for _ in range(7)]
    ks = [base[i % 7] for i in range(10_000)]
    pi = _Mat(_stoch(rng, (1, 3), 0.0), Ty(), Fin(3))
    lens = _np_lens(ks[0])
    for k in ks[1:]:
        lens = lens >> _np_lens(k)
    assert lens._node.parts[1].forward is ks[-1]  # a node referring to its parts
    invs, p = [], pi
    for k in ks:
        invs.append(_np_invert(k, p))
        p = p >> k
    want = invs[-1].then(*invs[-2::-1])
    assert np.allclose(lens.backward(pi).a, want.a, rtol=0, atol=1e-12)
    assert np.allclose(lens.forward.a, ks[0].then(*ks[1:]).a, rtol=0, atol=1e-12)
    assert len(lens.name) == 5 * len(ks) - 4  # "m >> m >> ...", built without recursion


def test_engine_lens_chain_of_finite_lenses(x64):
    """A few hundred exact Finite lenses: equal to the step-by-step inversion (the soak profile
    runs 10^4)."""
    _finite_chain(300)


@pytest.mark.soak
def test_engine_lens_chain_of_finite_lenses_long(x64):
    _finite_chain(10_000)


def _finite_chain(n):
    rng = np.random.default_rng(0)
    base = [_finite(rng, 3, 3, sparsity=0.0) for _ in range(7)]
    ks = [base[i % 7] for i in range(n)]
    pi = _prior(rng, 3, sparsity=0.0)
    lens = bayes_lens(ks[0])
    for k in ks[1:]:
        lens = lens >> bayes_lens(k)
    got = lens.backward(pi)
    invs, p = [], np.asarray(pi.array)  # the step-by-step inversion, in numpy
    for k in ks:
        joint = p[:, None] * np.asarray(k.array)
        invs.append((joint / joint.sum(0)).T)
        p = p @ np.asarray(k.array)
    want = invs[-1]
    for inv in invs[-2::-1]:
        want = want @ inv
    assert np.allclose(np.asarray(got.array), want, rtol=0, atol=1e-12)
    assert lens.update(pi, 2).allclose(Finite(got.row(2), Ty(), pi.cod), atol=1e-12)
    assert repr(lens).startswith("BayesLens(Finite(Fin(3) -> Fin(3)) >> ")


def test_engine_lens_memory_per_rshift():
    """A >> holds references to its parts: well under 1 KiB each (a closure chain held ~54 KB)."""
    import tracemalloc

    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    lenses = [bayes_lens(f) for _ in range(2_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = lenses[0]
        for a in lenses[1:]:
            out = out >> a
        per = (tracemalloc.get_traced_memory()[0] - before) / (len(lenses) - 1)
    finally:
        tracemalloc.stop()
    assert per < 1024, per


@LAW
@given(seeds)
def test_engine_lens_identity_and_swap(x64, seed):
    rng = np.random.default_rng(seed)
    f, g = _finite(rng, 2, 3, 0.0), _finite(rng, 3, 2, 0.0)
    pi, rho = _prior(rng, 2, 0.0), _prior(rng, 3, 0.0)
    lf = bayes_lens(f)
    for lens in (BayesLens.id(Fin(2)) >> lf, lf >> BayesLens.id(Fin(3)), lf.then()):
        assert lens.backward(pi).allclose(invert(f, pi), atol=1e-12)
        assert lens.forward.allclose(f, atol=1e-12)
    ident = BayesLens.id(Fin(2) @ Fin(3))
    assert ident.backward(pi @ rho).allclose(Finite.id(Fin(2) @ Fin(3)))
    assert ident.forward.allclose(Finite.id(Fin(2) @ Fin(3)))
    # σ ≫ (g ⊗ f) ≫ σ = f ⊗ g: its backward at π ⊗ ρ is (f ⊗ g)† there
    sw = BayesLens.swap(Fin(2), Fin(3)) >> (bayes_lens(g) @ bayes_lens(f))
    sw = sw >> BayesLens.swap(Fin(2), Fin(3))
    assert sw.forward.allclose(f @ g, atol=1e-12)
    assert sw.backward(pi @ rho).allclose(invert(f @ g, pi @ rho), atol=1e-12)
    lg, p = _lg(rng, 2, 1), _lg_state(rng, 2)
    assert (BayesLens.id(Euclid(2)) >> bayes_lens(lg)).backward(p).allclose(invert(lg, p))


@LAW
@given(seeds)
def test_engine_lens_tensor_of_chains(x64, seed):
    """(f ≫ g) ⊗ h at a product prior: (f ≫ g)†_π ⊗ h†_ρ; and ⊗ is associative."""
    rng = np.random.default_rng(seed)
    f, g, h = _finite(rng, 2, 3, 0.0), _finite(rng, 3, 2, 0.0), _finite(rng, 3, 2, 0.0)
    pi, rho, tau = _prior(rng, 2, 0.0), _prior(rng, 3, 0.0), _prior(rng, 3, 0.0)
    lens = (bayes_lens(f) >> bayes_lens(g)) @ bayes_lens(h)
    want = invert((f >> g) @ h, pi @ rho)
    assert lens.backward(pi @ rho).allclose(want, atol=1e-12)
    assert lens.name == f"({f!r} >> {g!r}) @ {h!r}"
    three = [bayes_lens(k) for k in (f, h, g)]
    left = (three[0] @ three[1]) @ three[2]
    right = three[0] @ (three[1] @ three[2])
    prior = pi @ rho @ tau
    assert left.backward(prior).allclose(right.backward(prior), atol=1e-12)
    assert left.backward(prior).allclose(invert(f @ h @ g, prior), atol=1e-12)


def test_engine_lens_from_program(x64):
    """A diagram compiled into BayesLens runs as the same chain (and with wires side by side)."""
    from catlearn.diagrams.compiler import compile as cl_compile
    from catlearn.diagrams.diagram import Box, Diagram

    rng = np.random.default_rng(1)
    f, g = _finite(rng, 2, 3, 0.0), _finite(rng, 3, 2, 0.0)
    pi, rho = _prior(rng, 2, 0.0), _prior(rng, 3, 0.0)
    bf, bg = Box("f", Fin(2), Fin(3)), Box("g", Fin(3), Fin(2))
    arrows = {bf: bayes_lens(f), bg: bayes_lens(g)}
    chain = cl_compile(bf >> bg, arrows, into=BayesLens)
    assert isinstance(chain, BayesLens)
    assert chain.backward(pi).allclose(invert(f >> g, pi), atol=1e-12)
    side = cl_compile(bf @ bg, arrows, into=BayesLens)
    assert side.forward.allclose(f @ g, atol=1e-12)
    assert side.backward(pi @ rho).allclose(invert(f @ g, pi @ rho), atol=1e-12)
    crossed = cl_compile(Diagram.swap(Fin(3), Fin(2)) >> (bf @ bg), arrows, into=BayesLens)
    assert crossed.forward.allclose(Finite.swap(Fin(3), Fin(2)) >> (f @ g), atol=1e-12)
    got = crossed.backward(rho @ pi)
    assert got.allclose(invert(Finite.swap(Fin(3), Fin(2)) >> (f @ g), rho @ pi), atol=1e-12)


def test_engine_lens_refusals_and_immutability():
    from catlearn.errors import ImmutableError
    from catlearn.probability.inference.conjugate import BetaBernoulli

    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    conj = BetaBernoulli().lens()
    with pytest.raises(TypeMismatch, match="composable=False"):
        conj >> BayesLens.id(conj.cod)
    with pytest.raises(TypeMismatch, match="composable=False"):
        bayes_lens(f) @ conj
    lens = bayes_lens(f) >> bayes_lens(f)
    with pytest.raises(ImmutableError):
        lens.name = "x"
    with pytest.raises(TypeError):
        BayesLens(object(), lambda prior: prior)


def test_engine_lens_under_jit_and_grad(x64):
    """A composite's backward traces: jit and grad through the whole chain."""
    f = LinearGaussian([[2.0]], [0.5], [[0.5]])
    g = LinearGaussian([[1.0]], [0.0], [[0.25]])
    lens = bayes_lens(f) >> bayes_lens(g) >> bayes_lens(f)

    def post(m, through_lens):
        pi = LinearGaussian.state(jnp.stack([m]), [[1.0]])
        back = lens.backward(pi) if through_lens else invert(f >> g >> f, pi)
        return back.mean(jnp.array([1.0]))[0]

    assert np.isclose(jax.jit(post, static_argnums=1)(0.2, True), post(0.2, False), atol=1e-12)
    assert np.isclose(jax.grad(post)(0.2, True), jax.grad(post)(0.2, False), atol=1e-12)
