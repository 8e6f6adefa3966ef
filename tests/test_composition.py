"""One composition engine for every arrow kind: long chains built with ``>>`` and with
``then(*arrows)`` never recurse, and run exactly as the compiled diagram of the same boxes.

Each kind gets a 20,000-arrow chain (2,000 raised RecursionError before the flat engine),
built three ways (``>>``, ``then``, the compiled diagram): the three flatten to the same
program (same boxes, same slots), which the one interpreter runs; the ``>>`` chain is run
once and checked exactly against the closed form (the boxes act on small NumPy values so
that the eager run stays cheap). Short chains are run all three ways.
"""

from __future__ import annotations

import functools
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.boolean import Circuit
from catlearn.core import Euclid, Learner, Lens, Para, ParaLens, ParamSpec
from catlearn.core._category import flatten
from catlearn.core.types import Bool
from catlearn.diagrams.compiler import compile, to_program
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.errors import DiagramError, ParamsError
from catlearn.probability import Sampler

N = 20_000
E1 = Euclid(1)


def chains(arrows):
    """The same chain three ways: a left fold of ``>>``, ``then(*arrows)`` and the boxes of
    a diagram (returned for the caller to compile)."""
    limit = sys.getrecursionlimit()
    by_rshift = functools.reduce(lambda f, g: f >> g, arrows)
    by_then = arrows[0].then(*arrows[1:])
    boxes = [Box(f"b{i}", a.dom, a.cod) for i, a in enumerate(arrows)]
    assert sys.getrecursionlimit() == limit
    return by_rshift, by_then, Diagram.id(arrows[0].dom).then(*boxes), dict(zip(boxes, arrows))


def same_program(*arrows):
    """The flat programs of ``arrows`` are equal: the same boxes, on the same slots."""
    progs = [flatten(a) for a in arrows]
    first = progs[0]
    for prog in progs[1:]:
        assert (prog.inputs, prog.outputs) == (first.inputs, first.outputs)
        assert len(prog.instructions) == len(first.instructions)
        for i, j in zip(prog.instructions, first.instructions, strict=True):
            assert i.box is j.box and (i.ins, i.outs) == (j.ins, j.outs)
    return first


def test_para_20k():
    fs = [Para(E1, E1, ParamSpec(()), lambda p, x: 0.5 * x + p, name=f"f{i}") for i in range(N)]
    a, b, diagram, ar = chains(fs)
    c = compile(diagram, ar)
    assert len(a.spec) == len(b.spec) == len(c.spec) == N
    assert len(same_program(a, b, c)) == N
    params = {f"f{i}": np.float64(i % 7) for i in range(N)}
    x = np.ones(1)
    ya = a(params, x)
    y = x.copy()
    for i in range(N):
        y = 0.5 * y + i % 7
    np.testing.assert_allclose(ya, y)
    short = functools.reduce(lambda f, g: f >> g, fs[:300])
    _, _, d, ar = chains(fs[:300])
    np.testing.assert_array_equal(short(params, x), compile(d, ar)(params, x))


def test_para_20k_shared_and_under_jit():
    """The same arrow 20,000 times shares one group; the jitted chain equals the eager one."""
    w = Para(E1, E1, ParamSpec(()), lambda p, x: jnp.sin(x) * p, name="w")
    a = functools.reduce(lambda f, g: f >> g, [w] * N)
    assert list(a.spec) == ["w"]
    p = {"w": jnp.asarray(1.5)}
    small = functools.reduce(lambda f, g: f >> g, [w] * 50)
    assert jnp.allclose(jax.jit(small.apply)(p, jnp.ones(1)), small(p, jnp.ones(1)))
    assert jnp.isfinite(a(p, jnp.ones(1))).all()


def test_lens_20k():
    ls = [Lens(lambda a: a + 1.0, lambda a, b: b + a, E1, E1) for _ in range(N)]
    a, b, diagram, ar = chains(ls)
    c = compile(diagram, ar, into=Lens)
    same_program(a, b, c)
    x, dy = np.zeros(1), np.ones(1)
    np.testing.assert_array_equal(a.get(x), [float(N)])
    # the put of box i sees its input a_i = i: 1 + sum(i) exactly
    np.testing.assert_array_equal(a.put(x, dy), [1.0 + N * (N - 1) / 2])
    _, b, d, ar = chains(ls[:300])
    np.testing.assert_array_equal(b.put(x, dy), compile(d, ar, into=Lens).put(x, dy))


def test_paralens_20k():
    ls = [
        ParaLens(
            E1,
            E1,
            ParamSpec(()),
            lambda p, a: a + p,
            lambda p, a, b: (b - a, b),
            name=f"l{i}",
        )
        for i in range(N)
    ]
    a, b, diagram, ar = chains(ls)
    c = compile(diagram, ar, into=ParaLens)
    same_program(a, b, c)
    params = {f"l{i}": np.float64(1.0) for i in range(N)}
    x, dy = np.zeros(1), np.ones(1)
    dp, dx = a.put(params, x, dy)
    np.testing.assert_array_equal(dx, dy)
    assert len(dp) == N
    np.testing.assert_array_equal(dp["l0"], 1.0 - 0.0)  # box 0 sees a = 0
    np.testing.assert_array_equal(dp[f"l{N - 1}"], 1.0 - (N - 1))


def test_learner_20k():
    def make(i):
        return Learner(
            E1,
            E1,
            ParamSpec(()),
            lambda p, a: a + p,
            lambda p, a, b: p + 0.5 * (b - a - p),
            lambda p, a, b: b - p,
            name=f"L{i}",
        )

    ls = [make(i) for i in range(N)]
    a, b, _, _ = chains(ls)
    same_program(a, b)  # compile(into=Learner) has its own program walk: checked below
    short, _, d, ar = chains(ls[:300])
    c = compile(d, ar, into=Learner)
    p300 = {f"L{i}": np.float64(1.0) for i in range(300)}
    x300, t300 = np.zeros(1), np.full(1, 302.0)
    np.testing.assert_array_equal(short.request(p300, x300, t300), c.request(p300, x300, t300))
    new_s, new_c = short.update(p300, x300, t300), c.update(p300, x300, t300)
    assert all(np.array_equal(new_s[k], new_c[k]) for k in new_s)
    params = {f"L{i}": np.float64(1.0) for i in range(N)}
    x, target = np.zeros(1), np.full(1, float(N) + 2.0)
    # box i gets the input i and is asked for i + 3 (its request is the target minus 1)
    np.testing.assert_array_equal(a.request(params, x, target), [2.0])
    new = a.update(params, x, target)
    assert len(new) == N
    np.testing.assert_array_equal(new[f"L{N - 1}"], 1.0 + 0.5 * ((N + 2.0) - (N - 1) - 1))


def test_sampler_20k():
    ss = [Sampler(lambda k, x: x + 1.0, E1, E1, deterministic=True)] * N
    a, b, diagram, ar = chains(ss)
    c = compile(diagram, ar, into=Sampler)
    same_program(a, b, c)
    np.testing.assert_array_equal(a.sample(jax.random.key(0), x=np.zeros(1)), [float(N)])
    assert a.is_deterministic() and len(a.params) == len(b.params) == len(c.params) == N
    np.testing.assert_array_equal(c.sample(jax.random.key(0), x=np.zeros(1)), [float(N)])


def test_circuit_20k():
    nots = [Circuit.not_(1)] * N
    a, b, diagram, _ = chains(nots)
    diagram = Diagram.id(Bool(1)).then(*[Box("NOT", Bool(1), Bool(1)) for _ in range(N)])
    c = Circuit.from_program(to_program(diagram))
    one = jnp.ones(1, "uint8")
    for circ in (a, b, c):
        assert len(circ.instructions) == N and circ.instructions[-1].outs == (N,)
    np.testing.assert_array_equal(a.run(one)[0], one)  # an even number of NOTs
    assert [g.name for g, _, _ in a.instructions[:2]] == ["NOT", "NOT"]


# --- small composites: the structure maps and the densities -------------------------------------


def test_wiring_is_not_an_instruction():
    x = Euclid(2)
    f = Para.linear(x, x, name="f")
    net = Para.copy(x) >> (f @ Para.id(x)) >> Para.swap(x, x)
    prog = flatten(net)
    assert len(prog) == 1 and prog.outputs == (0, 1)
    p = net.init(jax.random.key(0))
    v = jnp.arange(2.0)
    out = net(p, v)
    assert jnp.array_equal(out[0], v) and jnp.allclose(out[1], f(p, v))
    assert compile(Diagram.copy(x) >> (Box("f", x, x) @ x) >> Diagram.swap(x, x), {"f": f})(p, v)[
        1
    ].shape == (2,)


def test_sampler_keys_and_density():
    e = Euclid(2)
    noise = Sampler(
        lambda k, x: x + jax.random.normal(k, (2,)),
        e,
        e,
        log_prob_fn=lambda y, x: jax.scipy.stats.norm.logpdf(y - x).sum(),
    )
    twice = noise.then(noise)
    u, v = (Sampler.copy(e) >> (noise @ noise)).sample(jax.random.key(1), x=jnp.zeros(2))
    assert not jnp.allclose(u, v)  # each box its own key
    assert twice.log_prob_fn is None
    shift = Sampler.from_function(lambda x: x + 1.0, e, e)
    det = shift.then(shift, noise)
    y, x = jnp.array([2.5, 1.0]), jnp.zeros(2)
    assert float(det.log_prob(y, x)) == pytest.approx(float(noise.log_prob(y, x + 2.0)))
    pair = noise @ noise
    assert float(pair.log_prob((y, y), (x, x))) == pytest.approx(2 * float(noise.log_prob(y, x)))
    draws = jax.jit(lambda s, k: s.sample(k, 3, x=x))(det, jax.random.key(2))
    assert draws.shape == (3, 2)


def test_group_clashes_are_eager_in_long_chains():
    fs = [Para.linear(E1, E1, name=f"f{i}") for i in range(100)]
    chain = fs[0].then(*fs[1:])
    with pytest.raises(ParamsError, match="both call their parameters 'f3'"):
        chain >> Para.linear(E1, E1, name="f3")
    assert (chain >> fs[3]).spec.keys() == chain.spec.keys()  # the same arrow: shared
    ls = [ParaLens.from_para(f) for f in fs[:10]]
    with pytest.raises(ParamsError, match="distinct groups"):
        ls[0].then(*ls[1:], ls[4])
    # a branch does not see the groups another branch appended to a shared table
    left = fs[0] >> fs[1]
    assert list((left >> fs[2]).spec) == ["f0", "f1", "f2"]
    other = Para.linear(E1, E1, name="f2")
    assert list((left >> other).spec) == ["f0", "f1", "f2"]
    assert list(left.spec) == ["f0", "f1"]


def test_from_program_rejects_copies_for_lenses():
    x = E1
    with pytest.raises(DiagramError, match="read exactly once"):
        compile(Diagram.copy(x) >> (Box("f", x, x) @ Box("f", x, x)), {"f": Lens.id(x)}, into=Lens)
