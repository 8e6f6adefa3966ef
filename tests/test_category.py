"""The public category protocol (:mod:`catlearn.core.category`) and the public Para constructor
(:meth:`Para.from_call`): the recipes of ``docs/dev/architecture.md``, tested.

A tiny kind written against the public names only (affine maps on scalar wires) gets ``>>``,
``@``, ``id``, ``swap``, ``then`` and ``from_program``; its laws (associativity, units,
interchange, symmetry) hold on values and on the flat programs. ``Para.from_call`` builds boxes
that compose, share parameters and train exactly like the library's own constructors.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import catlearn.core._category as private_category
import catlearn.core.program as program_module
from catlearn.core import category
from catlearn.core.category import Composable, Program, evaluate, flatten
from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Ty
from catlearn.diagrams.compiler import compile, to_program
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.errors import ArgumentTypeError, CatlearnError, ParamsError, TypeMismatch
from conftest import tree_allclose

R = Euclid(1)
E2, E3 = Euclid(2), Euclid(3)


# --- the public module re-exports the one protocol ------------------------------------------


def test_public_names_are_the_library_objects():
    for name in (
        "BoxParams",
        "Composable",
        "Then",
        "Tensor",
        "Wiring",
        "Inline",
        "Node",
        "assemble",
        "flatten",
        "node_boxes",
    ):
        assert getattr(category, name) is getattr(private_category, name)
    for name in ("Program", "Instruction", "evaluate", "sweep"):
        assert getattr(category, name) is getattr(program_module, name)
    assert sorted(category.__all__) == sorted(
        [
            "BoxParams",
            "Composable",
            "Inline",
            "Instruction",
            "Node",
            "Program",
            "PytreeArrow",
            "Tensor",
            "Then",
            "Wiring",
            "assemble",
            "evaluate",
            "flatten",
            "node_boxes",
            "sweep",
        ]
    )
    assert issubclass(Para, category.Composable)


# --- a tiny kind, written against the public protocol only ----------------------------------


class Affine(Composable):
    """``x -> a x + b`` on a scalar wire (a box), or a composite run by the one interpreter."""

    _copy_is_wiring = True

    def __init__(self, a, b, dom=R, cod=R, node=None):
        self.a, self.b, self.dom, self.cod, self._node = a, b, dom, cod, node

    @classmethod
    def _composite(cls, node, dom, cod, parts):
        return cls(None, None, dom, cod, node)

    def __call__(self, *xs):
        if self._node is None:
            return (self.a * xs[0] + self.b,)
        prog = flatten(self)
        env = evaluate(prog, xs, lambda i, box, v: box(*v))
        return tuple(env[s] for s in prog.outputs)


coef = st.integers(-5, 5).map(float)  # small integers: the laws hold exactly in floats
affines = st.builds(Affine, coef, coef)
values = st.integers(-10, 10).map(float)


@settings(max_examples=30, deadline=None)
@given(affines, affines, affines, values)
def test_then_associative(f, g, h, x):
    assert ((f >> g) >> h)(x) == (f >> (g >> h))(x) == f.then(g, h)(x)
    assert ((f >> g) >> h)(x) == (h.a * (g.a * (f.a * x + f.b) + g.b) + h.b,)
    # on the nose: every bracketing flattens to the same program
    assert flatten((f >> g) >> h) == flatten(f >> (g >> h)) == flatten(f.then(g, h))


@settings(max_examples=30, deadline=None)
@given(affines, values)
def test_units(f, x):
    one = Affine.id(R)
    assert (one >> f)(x) == (f >> one)(x) == f(x)
    assert flatten(one >> f) == flatten(f >> one) == flatten(f.then())
    assert (f @ Ty())(x) == (Ty() @ f)(x) == f(x)


@settings(max_examples=30, deadline=None)
@given(affines, affines, affines, affines, values, values, values)
def test_tensor_associative_and_interchange(f, g, h, k, x, y, z):
    assert ((f @ g) @ h)(x, y, z) == (f @ (g @ h))(x, y, z) == f.tensor(g, h)(x, y, z)
    assert flatten((f @ g) @ h) == flatten(f @ (g @ h))
    # interchange: (f @ g) >> (h @ k) == (f >> h) @ (g >> k)
    assert ((f @ g) >> (h @ k))(x, y) == ((f >> h) @ (g >> k))(x, y)
    # a bare type beside an arrow is its identity, on either side
    assert (f @ R)(x, y) == (f @ Affine.id(R))(x, y) == (f(x)[0], y)
    assert (R @ f)(x, y) == (x, f(y)[0])


@settings(max_examples=30, deadline=None)
@given(affines, affines, values, values)
def test_swap_is_symmetric_and_natural(f, g, x, y):
    s = Affine.swap(R, R)
    assert s(x, y) == (y, x)
    assert (s >> s)(x, y) == Affine.id(R @ R)(x, y) == (x, y)
    assert len(flatten(s >> s)) == 0  # wiring: no instruction
    # naturality: (f @ g) >> swap == swap >> (g @ f)
    assert ((f @ g) >> s)(x, y) == (s >> (g @ f))(x, y)


def test_types_are_checked_when_composing():
    f = Affine(1.0, 0.0)
    wide = Affine(1.0, 0.0, dom=E2, cod=E2)
    with pytest.raises(TypeMismatch) as info:
        f >> wide
    assert "Euclid(1)" in str(info.value) and "Euclid(2)" in str(info.value)
    assert isinstance(info.value, CatlearnError)
    with pytest.raises(TypeError):
        f >> Para.id(R)  # another kind: neither side knows how


def test_from_program_runs_a_diagram_in_the_new_kind():
    a, b = Box("a", R, R), Box("b", R, R)
    prog = to_program(a >> Diagram.copy(R) >> (b @ a))
    assert isinstance(prog, Program)
    arrows = {a: Affine(2.0, 0.0), b: Affine(1.0, 1.0)}
    arrow = Affine.from_program(prog, arrows)
    assert arrow.dom == R and arrow.cod == R @ R
    assert arrow(3.0) == (7.0, 12.0)
    with pytest.raises(TypeMismatch):
        Affine.from_program(prog, {a: Affine(2.0, 0.0), b: Para.id(R)})


def test_a_long_chain_of_the_new_kind_does_not_recurse():
    f = Affine(1.0, 1.0)
    chain = f
    for _ in range(5_000):
        chain = chain >> f
    assert chain(0.0) == (5_001.0,)
    assert len(flatten(chain)) == 5_001


# --- Para.from_call: the public low-level constructor ---------------------------------------


def _linear_call(p, x, key):
    return x @ p["fc"]["W"] + p["fc"]["b"]


def test_from_call_builds_a_box():
    spec = {"W": ParamSpec((2, 3)), "b": ParamSpec((3,))}
    fc = Para.from_call(_linear_call, E2, E3, spec=spec, name="fc")
    assert fc.dom == E2 and fc.cod == E3
    assert list(fc.spec) == ["fc"] and fc.spec["fc"] == spec
    assert not fc.stochastic
    assert flatten(fc >> Para.from_function(jnp.tanh, E3, E3)).instructions[0].box is fc
    free = Para.from_call(lambda p, x, k: 2 * x, E2, E2)
    assert free.spec == {}
    assert tree_allclose(free({}, jnp.ones(2)), 2 * jnp.ones(2))


def test_from_call_trains_like_para_linear(x64, getkey):
    lin = Para.linear(E2, E3, name="fc")
    fc = Para.from_call(_linear_call, E2, E3, spec=lin.spec["fc"], name="fc")
    head = Para.linear(E3, R, name="head")
    tanh = Para.from_function(jnp.tanh, E3, E3)
    ref, ours = lin >> tanh >> head, fc >> tanh >> head
    key = getkey()
    p = ref.init(key)
    assert tree_allclose(p, ours.init(key))  # the same spec draws the same parameters
    xs = jax.random.normal(getkey(), (8, 2))
    ys = jax.random.normal(getkey(), (8, 1))

    def step(arrow):
        def loss(q):
            return jnp.mean((arrow.apply_batch(q, xs) - ys) ** 2)

        value, grads = jax.value_and_grad(loss)(p)
        return value, jax.tree_util.tree_map(lambda a, g: a - 0.1 * g, p, grads)

    (v_ref, p_ref), (v_ours, p_ours) = jax.jit(lambda: step(ref))(), jax.jit(lambda: step(ours))()
    assert float(v_ref) == float(v_ours)
    assert tree_allclose(p_ref, p_ours, rtol=0, atol=0)


def test_from_call_shares_the_groups_of_another_arrow(getkey):
    f = Para.linear(R, R, name="f", bias=False)
    twice = Para.from_call(lambda p, x, k: 2 * f.call(p, x, k), R, R, shares=f)
    assert list(twice.spec) == ["f"]
    both = f >> twice  # one group, read twice: gradients add
    assert list(both.spec) == ["f"]
    p = {"f": {"W": jnp.full((1, 1), 3.0)}}
    assert tree_allclose(both(p, jnp.ones(1)), jnp.array([18.0]))  # 2 * w * (w * 1)
    grad = jax.grad(lambda q: both(q, jnp.ones(1))[0])(p)
    assert tree_allclose(grad["f"]["W"], jnp.array([[12.0]]))  # d(2 w^2)/dw = 4 w
    # a different arrow with the same group name still clashes
    other = Para.linear(R, R, name="f", bias=False)
    with pytest.raises(ParamsError):
        other >> twice
    # the round trip: a composite rebuilt as one box from its call computes the same
    comp = f >> Para.from_function(jnp.sin, R, R) >> twice
    box = Para.from_call(comp.call, comp.dom, comp.cod, shares=comp)
    assert box.spec == comp.spec
    assert tree_allclose(box(p, jnp.ones(1)), comp(p, jnp.ones(1)))


def test_from_call_adds_a_group_beside_the_shared_ones():
    f = Para.linear(R, R, name="f", bias=False)
    shift = Para.from_call(
        lambda p, x, k: f.call(p, x, k) + p["s"], R, R, spec=ParamSpec((1,)), name="s", shares=f
    )
    assert list(shift.spec) == ["f", "s"]
    assert list((f >> shift).spec) == ["f", "s"]
    p = {"f": {"W": jnp.full((1, 1), 2.0)}, "s": jnp.array([1.0])}
    assert tree_allclose(shift(p, jnp.ones(1)), jnp.array([3.0]))


def test_from_call_stochastic_gets_a_key(getkey):
    noisy = Para.from_call(lambda p, x, k: x + jax.random.normal(k, x.shape), R, R, stochastic=True)
    assert noisy.stochastic and (Para.id(R) >> noisy).stochastic
    with pytest.raises(CatlearnError, match="key"):
        noisy({}, jnp.zeros(1))
    key = getkey()
    assert tree_allclose(noisy({}, jnp.zeros(1), key=key), jax.random.normal(key, (1,)))


def test_from_call_bad_input_says_what_to_do():
    f = Para.linear(R, R, name="f")
    with pytest.raises(ArgumentTypeError, match="function"):
        Para.from_call("not a function", R, R)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="wire types"):
        Para.from_call(_linear_call, 2, R)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="Para arrow"):
        Para.from_call(_linear_call, R, R, shares="f")  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="stochastic"):
        Para.from_call(_linear_call, R, R, stochastic="yes")  # type: ignore[arg-type]
    with pytest.raises(ParamsError, match="name"):
        Para.from_call(_linear_call, R, R, spec=ParamSpec((1,)))
    with pytest.raises(ParamsError, match="'f'"):
        Para.from_call(_linear_call, R, R, spec=ParamSpec((1,)), name="f", shares=f)


# --- the recipe "add a model (a ready box)": a spec that carries its Para semantics ---------


@dataclasses.dataclass(frozen=True)
class ScaleSpec:
    """``x -> s * x`` with one learnt scalar ``s`` per box (a ready box's spec: hashable)."""

    init: float = 1.0

    def to_para(self, box: Box) -> Para:
        constant = jax.nn.initializers.constant(self.init)
        return Para.from_call(
            lambda p, x, k: p[box.name]["s"] * x,
            box.dom,
            box.cod,
            spec={"s": ParamSpec((), constant)},
            name=box.name,
        )


def test_a_ready_box_compiles_shares_and_trains(getkey):
    scale = Box("scale", R, R, ScaleSpec(2.0))
    net = compile(scale >> scale)  # the same box twice: one parameter, read twice
    p = net.init(getkey())
    assert list(net.spec) == ["scale"] and float(p["scale"]["s"]) == 2.0
    assert tree_allclose(net(p, jnp.ones(1)), jnp.array([4.0]))
    grad = jax.grad(lambda q: net(q, jnp.ones(1))[0])(p)
    assert tree_allclose(grad["scale"]["s"], jnp.array(4.0))  # d(s^2)/ds = 2s
    # separate compilations of diagrams sharing the box share its parameters
    both = compile(scale) >> compile(scale)
    assert list(both.spec) == ["scale"]


# --- the recipe "add an inference engine": an object with `options` and `query` -----------


class BruteForce:
    """Answers a query by enumerating the joint distribution (exponential: a test oracle)."""

    options: frozenset[str] = frozenset()

    def query(self, net, q, **options):
        ix = net.indexed
        n = len(ix.cards)
        joint = np.ones(ix.cards)
        for v, table in enumerate(ix.tables):
            axes = (*ix.parents[v], v)
            shape = [ix.cards[u] if u in axes else 1 for u in range(n)]
            order = sorted(range(len(axes)), key=lambda i: axes[i])
            joint = joint * np.transpose(table, order).reshape(shape)
        index = [slice(None)] * n
        for v, s in zip(q.evidence, q.states, strict=True):
            index[v] = slice(int(s), int(s) + 1)
        joint = joint[tuple(index)]
        rest = tuple(v for v in range(n) if v not in q.targets)
        marginal = joint.sum(axis=rest)  # axes of the targets, in id order
        marginal = np.transpose(marginal, np.argsort(np.argsort(q.targets)))
        return marginal / marginal.sum()


def test_a_new_engine_answers_like_the_exact_one():
    from catlearn.probability.networks import Engine, VariableElimination
    from catlearn.probability.networks.bayesnet import sprinkler

    net = sprinkler()
    engine = BruteForce()
    assert isinstance(engine, Engine)
    for targets, evidence in [
        (["Rain"], {"WetGrass": "T"}),
        (["WetGrass", "Cloudy"], {"Sprinkler": "F"}),
        (["Sprinkler", "Rain"], {}),
    ]:
        ours = net.query(targets, evidence, engine=engine)
        exact = net.query(targets, evidence, engine=VariableElimination())
        assert np.allclose(ours, exact, rtol=0, atol=1e-12)
    with pytest.raises(CatlearnError, match="does not honour return_evidence"):
        net.query(["Rain"], {"WetGrass": "T"}, engine=engine, return_evidence=True)
