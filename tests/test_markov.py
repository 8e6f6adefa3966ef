"""Finite and Sampler kernels: Markov-category laws (hypothesis), pytree behaviour, bad input,
and the flat-program (compile) semantics."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catlearn.core.program import Instruction, Program
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.diagrams.diagram import Box
from catlearn.errors import NotStochasticError, ShapeError, SupportError, TypeMismatch
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.kernels.sampler import Sampler

LAW = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

sizes = st.integers(1, 3)
seeds = st.integers(0, 2**31 - 1)


def rand_kernel(seed: int, dom: Ty, cod: Ty, *, deterministic: bool = False) -> Finite:
    rng = np.random.default_rng(seed)
    ds = tuple(a.size for a in dom.inside)
    cs = tuple(a.size for a in cod.inside)
    n_rows, n_cols = int(np.prod(ds, dtype=int)), int(np.prod(cs, dtype=int))
    if deterministic:
        rows = np.eye(n_cols)[rng.integers(0, n_cols, n_rows)]
    else:
        rows = rng.dirichlet(np.ones(n_cols), n_rows)
    return Finite(jnp.asarray(rows.reshape(ds + cs)), dom, cod)


def ty(ns) -> Ty:
    return Ty(*(Fin(n) for n in ns))


types = st.lists(sizes, min_size=0, max_size=2).map(ty)
nonempty = st.lists(sizes, min_size=1, max_size=2).map(ty)

# The largest kernel a law test may build, in float64 bytes. test_comonoid_laws builds
# a @ swap(a, b) @ b, a kernel with (|a| |b|)^4 entries: a = b = Fin(3) @ Fin(3) is 344 MB.
MAX_KERNEL_BYTES = 4 * 2**20


def count(t: Ty) -> int:
    return int(np.prod([w.size for w in t.inside], dtype=int))


type_pairs = st.tuples(types, types).filter(
    lambda ab: 8 * (count(ab[0]) * count(ab[1])) ** 4 <= MAX_KERNEL_BYTES
)


# --- category and monoidal laws --------------------------------------------------------------


@LAW
@given(a=types, b=types, c=types, d=types, s=seeds)
def test_category_laws(x64, a, b, c, d, s):
    f, g, h = rand_kernel(s, a, b), rand_kernel(s + 1, b, c), rand_kernel(s + 2, c, d)
    assert ((f >> g) >> h).allclose(f >> (g >> h))
    assert (Finite.id(a) >> f).allclose(f)
    assert (f >> Finite.id(b)).allclose(f)


@LAW
@given(a=types, b=types, c=types, d=types, e=types, s=seeds)
def test_monoidal_laws(x64, a, b, c, d, e, s):
    f, g = rand_kernel(s, a, b), rand_kernel(s + 1, c, d)
    h, k = rand_kernel(s + 2, b, e), rand_kernel(s + 3, d, a)
    # interchange (bifunctoriality)
    assert ((f @ g) >> (h @ k)).allclose((f >> h) @ (g >> k))
    # associativity and unit of @
    assert ((f @ g) @ h).allclose(f @ (g @ h))
    assert (f @ Ty()).allclose(f) and (Ty() @ f).allclose(f)
    assert (Finite.id(a) @ Finite.id(c)).allclose(Finite.id(a @ c))


@LAW
@given(a=types, b=types, c=types, d=types, s=seeds)
def test_symmetry_laws(x64, a, b, c, d, s):
    f, g = rand_kernel(s, a, b), rand_kernel(s + 1, c, d)
    assert ((f @ g) >> Finite.swap(b, d)).allclose(Finite.swap(a, c) >> (g @ f))
    assert (Finite.swap(a, b) >> Finite.swap(b, a)).allclose(Finite.id(a @ b))
    # hexagon
    lhs = Finite.swap(a, b @ c)
    rhs = (Finite.swap(a, b) @ c) >> (b @ Finite.swap(a, c))
    assert lhs.allclose(rhs)


@LAW
@given(ab=type_pairs, s=seeds)
def test_comonoid_laws(x64, ab, s):
    a, b = ab
    cp, dc, i = Finite.copy(a), Finite.discard(a), Finite.id(a)
    assert (cp >> (cp @ a)).allclose(cp >> (a @ cp))  # coassociative
    assert (cp >> (cp @ a)).allclose(Finite.copy(a, 3))
    assert (cp >> (dc @ a)).allclose(i) and (cp >> (a @ dc)).allclose(i)  # counital
    assert (cp >> Finite.swap(a, a)).allclose(cp)  # commutative
    # copy and discard of a product are built from those of the factors
    both = (Finite.copy(a) @ Finite.copy(b)) >> (a @ Finite.swap(a, b) @ b)
    assert Finite.copy(a @ b).allclose(both)
    assert Finite.discard(a @ b).allclose(Finite.discard(a) @ Finite.discard(b))
    # naturality of discard for every kernel (Markov category = semicartesian)
    f = rand_kernel(s, a, b)
    assert (f >> Finite.discard(b)).allclose(Finite.discard(a))


@LAW
@given(a=nonempty, b=nonempty, s=seeds)
def test_copy_naturality_exactly_for_deterministic(x64, a, b, s):
    f = rand_kernel(s, a, b, deterministic=True)
    assert f.is_deterministic()
    assert (f >> Finite.copy(b)).allclose(Finite.copy(a) >> (f @ f))


def test_copy_naturality_fails_for_a_coin(x64):
    coin = Finite.state([0.5, 0.5])
    assert not coin.is_deterministic()
    lhs, rhs = coin >> Finite.copy(Fin(2)), coin @ coin
    assert not lhs.allclose(rhs)
    np.testing.assert_allclose(lhs.array, [[0.5, 0], [0, 0.5]])


@LAW
@given(a=nonempty, b=nonempty, s=seeds)
def test_marginals_of_product_states(x64, a, b, s):
    p, q = rand_kernel(s, Ty(), a), rand_kernel(s + 1, Ty(), b)
    joint = p @ q
    assert joint.marginal(*range(len(a))).allclose(p)
    assert joint.marginal(*range(len(a), len(a) + len(b))).allclose(q)
    assert (joint >> (Finite.discard(a) @ b)).allclose(q)
    sw = joint.marginal(*range(len(a), len(a) + len(b)), *range(len(a)))
    assert sw.allclose(joint >> Finite.swap(a, b))


# A child process (its own peak RSS): (a @ swap(a, b)) @ b and structure maps composed with the
# result. When then/tensor were eager this once asked XLA for a 16-axis transpose: > 4 GB and
# minutes (a = b = Fin(3) @ Fin(3): 18 GB and still running after 5 min). Now each is wiring,
# and its array one contraction of identity matrices into the result.
_MEMORY_CHILD = """
import resource, sys
import jax
jax.config.update("jax_enable_x64", True)
from catlearn.core.types import Fin
from catlearn.probability.kernels.markov import Finite

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

a, b = Fin(3) @ Fin(3), Fin(2) @ Fin(3)
((Finite.copy(Fin(2)) >> Finite.swap(Fin(2), Fin(2))) @ Fin(2)).array.block_until_ready()
base, live = peak(), 0
sw = Finite.swap(a, b)
k = (a @ sw) @ b                                   # dom a a b b, cod a b a b: 8.5e6 entries
live += sw.array.nbytes + k.array.nbytes
print("tensor", peak() - base, live)
m = k >> Finite.swap(a @ b, a @ b)                 # kernel >> structure map: columns moved
live += 2 * m.array.nbytes
print("then", peak() - base, live)
n = Finite.swap(b @ b, a @ a) >> k                 # structure map >> kernel: rows picked
live += 2 * n.array.nbytes
print("then", peak() - base, live)
assert m.array.shape == k.array.shape and n.dom == b @ b @ a @ a
"""


@LAW
@given(a=nonempty, b=nonempty, c=types, s=seeds)
def test_concrete_and_traced_contractions_agree(x64, a, b, c, s):
    """A composite's array is one planned contraction: numpy for concrete tables, jax.numpy
    under jit (traced tables). Both agree, for structure maps and from_function kernels."""
    f, det = rand_kernel(s, c, a @ b), rand_kernel(s + 1, a @ b, c, deterministic=True)
    g = rand_kernel(s + 2, b @ a, c)
    dense = jax.jit(lambda f, g: (f >> g).array)
    for lhs, rhs in [
        (f, Finite.swap(a, b)),
        (Finite.swap(b, a), det),
        (f, Finite.copy(a @ b)),
        (f, Finite.discard(a) @ b),
        (f, det),
        (det, Finite.id(c)),
        (det, rand_kernel(s + 3, c, b)),
        (Finite.copy(b), Finite.id(b) @ Finite.discard(b)),
        (f >> Finite.swap(a, b), g),
    ]:
        np.testing.assert_allclose((lhs >> rhs).array, dense(lhs, rhs), rtol=1e-12, atol=1e-15)


def test_product_and_structure_maps_stay_within_memory_bound():
    """Peak RSS of each `@`/`>>` stays ≤ 3 × (inputs + results), measured in a subprocess."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for line in proc.stdout.splitlines():
        what, grew, live = line.split()
        assert int(grew) <= 3 * int(live), (
            f"{what}: peak grew {int(grew) >> 20} MB for {int(live) >> 20} MB of kernels"
        )


# --- evaluation, sampling, pytrees -----------------------------------------------------------


def test_prob_log_prob_and_sampling(getkey):
    k = Finite([[0.1, 0.9], [0.7, 0.3]], Fin(2), Fin(2))
    assert float(k.prob(1, 0)) == pytest.approx(0.9)
    assert float(k.log_prob(0, 1)) == pytest.approx(np.log(0.7))
    xs = k.sample(getkey(), 4000, x=1)
    assert xs.shape == (4000,) and abs(float(xs.mean()) - 0.3) < 0.04
    joint = Finite.state([[0.1, 0.2, 0.0], [0.3, 0.0, 0.4]])
    a, b = joint.sample(getkey(), 2000)
    assert a.shape == b.shape == (2000,)
    assert not np.any((np.asarray(a) == 0) & (np.asarray(b) == 2))  # zero cells never drawn
    assert joint.sample(getkey()).__len__() == 2


def test_jit_vmap_grad():
    f = Finite([[0.5, 0.5], [0.2, 0.8]], Fin(2), Fin(2))
    out = jax.jit(lambda f: (f >> f).array)(f)
    np.testing.assert_allclose(out, (f >> f).array, rtol=1e-6)
    logits = jnp.zeros((3, 2, 2))
    batch = jax.vmap(lambda l: (Finite(jax.nn.softmax(l), Fin(2), Fin(2)) >> f).array)(logits)
    assert batch.shape == (3, 2, 2)
    g = jax.grad(lambda l: (Finite.state(jax.nn.softmax(l)) >> f).prob(1))(jnp.zeros(2))
    np.testing.assert_allclose(g, [-0.075, 0.075], atol=1e-6)
    leaves = jax.tree_util.tree_leaves(f)
    assert len(leaves) == 1 and leaves[0].shape == (2, 2)


# --- bad input -------------------------------------------------------------------------------


def test_not_stochastic_names_the_row():
    with pytest.raises(NotStochasticError, match=r"row \(1,\) summing to 0.5"):
        Finite([[0.5, 0.5], [0.25, 0.25]], Fin(2), Fin(2))
    with pytest.raises(NotStochasticError, match=r"row \(0,\) with a negative entry"):
        Finite([[1.5, -0.5], [0.5, 0.5]], Fin(2), Fin(2))
    with pytest.raises(NotStochasticError, match="NaN"):
        Finite([[jnp.nan, 0.5], [0.5, 0.5]], Fin(2), Fin(2))
    with pytest.raises(NotStochasticError, match=r"row \(\)"):
        Finite.state([0.2, 0.2])
    # under jit the values are not concrete: no validation, no error
    jax.jit(lambda a: Finite(a, Fin(1), Fin(2)).array)(jnp.array([[3.0, 3.0]]))


def test_shape_type_and_support_errors():
    with pytest.raises(ShapeError, match=r"shape \(2, 3\)"):
        Finite(jnp.ones((2, 2)) / 2, Fin(2), Fin(3))
    with pytest.raises(TypeMismatch, match="Fin"):
        Finite.id(Euclid(2))
    f = Finite.id(Fin(2))
    with pytest.raises(TypeMismatch, match=r"Fin.3."):
        f >> Finite.id(Fin(3))
    with pytest.raises(SupportError, match=r"0\.\.1"):
        f.prob(2, 0)
    with pytest.raises(SupportError):
        f.sample(jax.random.key(0), 2, x=5)
    with pytest.raises(TypeError):  # an engine kind: the other operand is not reflected
        f >> Sampler.id(Fin(2))
    with pytest.raises(TypeError, match="same kind"):
        f.then(Sampler.id(Fin(2)))


# --- flat programs ---------------------------------------------------------------------------


def test_from_program_handbuilt_sprinkler(x64):
    """Cloudy -> (Sprinkler, Rain) -> WetGrass as a program: the joint state equals the
    product of the tables (Murphy's sprinkler network)."""
    two = Fin(2)
    C, S, R, W = (
        Box("C", Ty(), two),
        Box("S", two, two),
        Box("R", two, two),
        Box("W", two @ two, two),
    )
    ar = {
        C: Finite.state([0.5, 0.5]),
        S: Finite([[0.5, 0.5], [0.9, 0.1]], two, two),
        R: Finite([[0.8, 0.2], [0.2, 0.8]], two, two),
        W: Finite([[[1.0, 0.0], [0.1, 0.9]], [[0.1, 0.9], [0.01, 0.99]]], two @ two, two),
    }
    prog = Program(
        Ty(),
        two**4,
        (),
        (0, 1, 2, 3),
        (
            Instruction(C, (), (0,)),
            Instruction(S, (0,), (1,)),
            Instruction(R, (0,), (2,)),
            Instruction(W, (1, 2), (3,)),
        ),
        (two,) * 4,
    )
    joint = Finite.from_program(prog, ar)
    want = np.einsum("c,cs,cr,srw->csrw", *(np.asarray(ar[b].array) for b in (C, S, R, W)))
    np.testing.assert_allclose(joint.array, want, atol=1e-12)
    # discard the first three (outputs only slot 3) and copy the last (slot 3 twice)
    prog2 = Program(Ty(), two @ two, (), (3, 3), prog.instructions, prog.slot_types)
    wet = Finite.from_program(prog2, ar)
    np.testing.assert_allclose(wet.array, np.diag(want.sum((0, 1, 2))), atol=1e-12)
    # a program with an input that is also an output and one that is discarded
    prog3 = Program(two @ two, two @ two, (0, 1), (0, 2), (Instruction(S, (0,), (2,)),), (two,) * 3)
    k = Finite.from_program(prog3, ar)
    assert k.allclose(
        (Finite.copy(two) >> (two @ ar[S])) @ Finite.discard(two) >> Finite.id(two @ two)
    )


def test_from_program_identity_and_errors():
    two = Fin(2)
    prog = Program(two, two @ two, (0,), (0, 0), (), (two,))
    assert Finite.from_program(prog, {}).allclose(Finite.copy(two))
    f = Box("f", two, two)
    bad = Program(two, two, (0,), (1,), (Instruction(f, (0,), (1,)),), (two, two))
    with pytest.raises(TypeMismatch, match=r"type Fin.2. -> Fin.2., but its kernel"):
        Finite.from_program(bad, {f: Finite.uniform(two) @ Finite.discard(Fin(3))})
    with pytest.raises(TypeMismatch, match="none was given"):
        Finite.from_program(bad, {})


def test_compile_diagram_into_finite(x64):
    import catlearn.diagrams.compiler as compile_mod
    from catlearn.diagrams.diagram import Box, Diagram

    two = Fin(2)
    c, s = Box("c", Ty(), two), Box("s", two, two)
    ar = {c: Finite.state([0.3, 0.7]), s: Finite([[0.9, 0.1], [0.4, 0.6]], two, two)}
    d = c >> Diagram.copy(two) >> (two @ s)
    joint = compile_mod.compile(d, ar, into=Finite)
    want = ar[c] >> Finite.copy(two) >> (two @ ar[s])
    assert joint.allclose(want)
    # functoriality on a composite
    assert compile_mod.compile(c >> s, ar, into=Finite).allclose(ar[c] >> ar[s])


# --- Sampler ---------------------------------------------------------------------------------


def test_sampler_structure_and_density(getkey):
    e = Euclid(2)
    noise = Sampler(
        lambda k, x: x + jax.random.normal(k, (2,)),
        e,
        e,
        log_prob_fn=lambda y, x: jax.scipy.stats.norm.logpdf(y - x).sum(),
    )
    x = jnp.array([1.0, -1.0])
    key = getkey()
    a, b = (noise >> Sampler.copy(e)).sample(key, 4, x=x)
    np.testing.assert_array_equal(a, b)  # copy after sampling: equal copies
    u, v = (Sampler.copy(e) >> (noise @ noise)).sample(key, 4, x=x)
    assert not np.allclose(u, v)  # not natural: noise is not deterministic
    assert not noise.is_deterministic() and Sampler.copy(e).is_deterministic()
    both = noise @ noise
    lp = both.log_prob((x, x), (x, x))
    assert float(lp) == pytest.approx(2 * float(noise.log_prob(x, x)))
    sw = (Sampler.swap(e, Euclid(1)) >> Sampler.swap(Euclid(1), e)).sample(key, x=(x, jnp.ones(1)))
    np.testing.assert_array_equal(sw[0], x)
    assert (noise >> Sampler.discard(e)).sample(key, x=x) == ()
    with pytest.raises(NotImplementedError, match="log_prob_fn"):
        (noise >> noise).log_prob(x, x)
    det = Sampler.from_function(lambda x: 2 * x, e, e) >> noise
    assert float(det.log_prob(2 * x, x)) == pytest.approx(float(noise.log_prob(x, x)))


def test_sampler_from_finite_kernel_matches_frequencies(getkey):
    k = Finite([[0.2, 0.8], [0.6, 0.4]], Fin(2), Fin(2))
    s = Sampler.from_kernel(k)
    draws = jax.jit(lambda s, key: s.sample(key, 4000, x=0))(s, getkey())
    assert abs(float(draws.mean()) - 0.8) < 0.04
    assert float(s.log_prob(1, 0)) == pytest.approx(np.log(0.8))
    marg = (Sampler.copy(Fin(2)) >> (s @ Fin(2))).marginal(1)
    np.testing.assert_array_equal(marg.sample(getkey(), 3, x=1), [1, 1, 1])
