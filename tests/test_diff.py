"""Diagrammatic differentiation: diff(d, f) compiled equals jax.jvp of compile(d) along f."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.diagrams import nn
from catlearn.diagrams.compiler import compile
from catlearn.diagrams.diagram import Box, Diagram, Merge
from catlearn.diagrams.diff import derivative, derivative_ar, diff
from catlearn.errors import DiagramError

X = Euclid(2)
F = nn.Linear(2, 2, name="f")
G = nn.Linear(2, 2, name="g")
H = Box("h", X @ X, X)  # semantics from ar: a bilinear map with a parameter tensor
AR = {
    "h": Para(
        X @ X,
        X,
        {"T": ParamSpec((2, 2, 2), jax.nn.initializers.normal(0.5))},
        lambda p, a: jnp.einsum("i,ijk,j->k", a[0], p["T"], a[1]),
        name="h",
    )
}


def random_diagram(seed: int, n_layers: int = 10) -> Diagram:
    """A random diagram X @ X -> X over f, g, tanh, h, copy, swap and merge, in which f and
    h occur several times."""
    rng = np.random.default_rng(seed)
    d: Diagram = Diagram.id(X @ X)
    width = 2
    for _ in range(n_layers):
        op = rng.choice(["f", "g", "tanh", "copy", "swap", "merge", "h", "f"])
        if (op in ("swap", "merge", "h") and width < 2) or (op == "copy" and width > 3):
            op = "f"
        i = int(rng.integers(0, width - (1 if op in ("swap", "merge", "h") else 0)))
        left, right = Ty(*[X] * i), None
        if op in ("f", "g", "tanh"):
            box = {"f": F, "g": G, "tanh": nn.tanh(2)}[op]
            layer, k = box, 1
        elif op == "copy":
            layer, k = Diagram.copy(X), 1
        elif op == "swap":
            layer, k = Diagram.swap(X, X), 2
        elif op == "merge":
            layer, k = Merge(X), 2
        else:
            layer, k = H, 2
        right = Ty(*[X] * (width - i - k))
        d = d >> (Diagram.id(left) @ layer @ Diagram.id(right))
        width += len(layer.cod) - k
    d = d >> (F @ Diagram.id(Ty(*[X] * (width - 1))))  # f occurs at least once
    if width > 1:
        d = d >> Diagram.merge(X, width) if width > 1 else d
    return d


def _check(d: Diagram, box: Box, atol: float) -> float:
    model = compile(d, AR)
    params = model.init(jax.random.key(1))
    v = jax.tree_util.tree_map(
        lambda t: jax.random.normal(jax.random.key(2), t.shape, t.dtype), params[box.name]
    )
    x = (jnp.array([0.3, -0.7]), jnp.array([1.1, 0.2]))
    ref = jax.jvp(lambda t: model({**params, box.name: t}, x), (params[box.name],), (v,))[1]
    dd = compile(diff(d, box), derivative_ar(AR))
    ours = dd({**params, f"∂{box.name}": v}, x)
    gap = float(jnp.max(jnp.abs(ours - ref)) / max(1.0, float(jnp.max(jnp.abs(ref)))))
    assert gap <= atol, gap
    return gap


@pytest.mark.parametrize("seed", range(4))
def test_diff_equals_jvp_float32(seed):
    d = random_diagram(seed)
    assert sum(b == F for b in d.boxes) >= 1
    _check(d, F, 1e-6)
    if any(b == H for b in d.boxes):
        _check(d, H, 1e-6)


@pytest.mark.parametrize("seed", range(4, 8))
def test_diff_equals_jvp_float64(x64, seed):
    d = random_diagram(seed)
    _check(d, F, 1e-12)
    if any(b == H for b in d.boxes):
        _check(d, H, 1e-12)


def test_repeated_box_product_rule():
    # d/dθ of f(f(x)) has two terms, joined by a Merge box
    d = F >> F
    dd = diff(d, F)
    assert [b.name for b in dd.boxes].count("∂f") == 2
    assert any(isinstance(b, Merge) for b in dd.boxes)
    assert dd.dom == d.dom and dd.cod == d.cod


def test_linear_diagram_is_plain_product_rule():
    # boxes linear in their inputs: each term is d with ∂f in place, no pushforward of merge
    x = Euclid(2)
    d = Diagram.copy(x) >> (F @ F) >> Merge(x)
    names = [b.name for b in diff(d, F).boxes]
    assert names.count("∂f") == 2 and not any(n.startswith("Dmerge") for n in names)


def test_box_absent_gives_zero():
    d = F >> nn.tanh(2)
    dd = diff(d, G)
    assert [b.name for b in dd.boxes] == ["discard", "0"]
    np.testing.assert_array_equal(compile(dd)({}, jnp.ones(2)), jnp.zeros(2))


def test_derivative_box_semantics():
    # F(∂f)(θ, v, a) = d/dε f_{θ+εv}(a): for x W + b, that is x v_W + v_b
    para = compile(derivative(F))
    p = {"f": {"W": jnp.eye(2), "b": jnp.zeros(2)}, "∂f": {"W": 2 * jnp.eye(2), "b": jnp.ones(2)}}
    np.testing.assert_allclose(para(p, jnp.array([1.0, 2.0])), [3.0, 5.0])


def test_no_parameters_is_an_error():
    with pytest.raises(DiagramError, match="no"):
        compile(diff(nn.tanh(2), nn.tanh(2)))


def test_discrete_wire_on_tangent_path_is_an_error():
    emb = nn.Embedding(3, 2, name="e") if hasattr(nn, "Embedding") else None
    k = Box("k", X, Fin(3))
    with pytest.raises(DiagramError, match="Euclid"):
        diff(F >> k >> Box("back", Fin(3), X), F)
    assert emb is None or emb.cod == X
