"""fit_functor: one functor learned from a data set of different diagrams sharing boxes."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from catlearn.core.learner import Learner, gradient_learner
from catlearn.core.types import Euclid, Ty
from catlearn.diagrams import nn
from catlearn.diagrams.compiler import compile
from catlearn.diagrams.diagram import Box
from catlearn.errors import (
    DataError,
    DiagramError,
    HyperparameterError,
    MissingBoxError,
    SupportError,
    TypeMismatch,
)
from catlearn.training.checkpoint import load
from catlearn.training.functor import Functor, fit_functor, split_data
from catlearn.training.sentences import (
    bag_of_words,
    parse,
    sentence_data,
    sentences,
    vocabulary,
)
from catlearn.training.train import LOSSES

SMALL = {"dim": 3, "hidden": 4}
TWO = {**SMALL, "max_adjectives": 0}  # 2 shapes: cheap to compile


def test_sentence_data_is_deterministic_and_small():
    a, b = sentences(300, seed=5), sentences(300, seed=5)
    assert a == b and a != sentences(300, seed=6)
    assert len(vocabulary()) <= 50
    diagrams = [d for d, _ in sentence_data(300, seed=5, **SMALL)]
    F = Functor(diagrams)
    assert len(F.group(diagrams, None)) == 12  # 9 transitive + 3 intransitive shapes
    assert bag_of_words([w for w, _ in a]).sum(1).min() >= 2
    assert {y for _, y in a} == {0, 1}


@pytest.mark.slow
def test_gradient_of_dataset_loss_is_sum_of_per_diagram_gradients(x64):
    data = sentence_data(16, seed=1, **{**SMALL, "max_adjectives": 1})
    F = Functor([d for d, _ in data])
    params = F.init(jax.random.key(0))
    loss = LOSSES["softmax_cross_entropy"]
    whole = jax.jit(jax.grad(lambda p: F.loss(p, data, loss)))(params)

    def per_diagram(p):
        total = jax.tree_util.tree_map(jnp.zeros_like, p)
        for d, y in data:
            model = F(d)
            own = {g: p[g] for g in model.spec}
            g = jax.grad(lambda q, m=model, t=y: loss(m(q, ())[None], jnp.array([t]))[0])(own)
            total = {
                k: jax.tree_util.tree_map(jnp.add, v, g[k]) if k in g else v
                for k, v in total.items()
            }
        return jax.tree_util.tree_map(lambda t: t / len(data), total)

    ref = jax.jit(per_diagram)(params)
    shared = [name for name in ("combine", "sees", "big") if name in params]
    assert "combine" in shared
    gaps = jax.tree_util.tree_map(lambda a, b: float(jnp.max(jnp.abs(a - b))), whole, ref)
    assert max(jax.tree_util.tree_leaves(gaps)) <= 1e-12
    assert float(jnp.max(jnp.abs(whole["combine"]["W1"]))) > 0


@pytest.mark.slow
def test_fit_learns_and_fused_equals_stepwise(tmp_path):
    data = sentence_data(96, seed=2, **TWO)
    kw = dict(
        loss="softmax_cross_entropy",
        optimizer=optax.adam(0.05),
        epochs=12,
        key=jax.random.key(3),
        batch_size=32,
        metric="accuracy",
        progress=False,
    )
    fused = fit_functor(data, **kw, checkpoint=tmp_path / "f.npz")
    stepwise = fit_functor(data, **kw, fused=False)
    assert fused.n_shapes == 2
    h = fused.history
    assert h["loss"][-1] < 0.5 * h["loss"][0] and h["metric"][-1] >= 0.9
    for k in fused.params:
        for a, b in zip(
            jax.tree_util.tree_leaves(fused.params[k]),
            jax.tree_util.tree_leaves(stepwise.params[k]),
        ):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    ck = load(tmp_path / "f.npz", like=(fused.params, fused.opt_state))
    assert ck.step == 12 and ck.metadata["kind"] == "functor"
    for k in fused.params:
        assert jax.tree_util.tree_all(
            jax.tree_util.tree_map(
                lambda a, b: bool(jnp.all(a == b)), ck.params[k], fused.params[k]
            )
        )
    # predictions batch by shape equal each diagram compiled alone, in order
    F, p = fused.functor, fused.params
    pred = F.predict(p, [d for d, _ in data[:10]])
    for i, (d, _) in enumerate(data[:10]):
        np.testing.assert_allclose(pred[i], F(d)(p, ()), rtol=1e-5, atol=1e-6)


def test_compile_into_learner_equals_gradient_learner_of_whole(x64):
    data = sentence_data(2, seed=4, **TWO)
    F = Functor([d for d, _ in data])
    params = F.init(jax.random.key(1))
    learners = F.learners(0.1)
    for d, y in data:
        L = compile(d, learners, into=Learner)
        whole = gradient_learner(F(d), 0.1)
        own = {g: params[g] for g in L.spec}
        target = jax.nn.one_hot(y, 2)
        np.testing.assert_allclose(L.implement(own, ()), whole.implement(own, ()), atol=1e-12)
        a, b = L.update(own, (), target), whole.update(own, (), target)
        for g in own:
            for u, v in zip(jax.tree_util.tree_leaves(a[g]), jax.tree_util.tree_leaves(b[g])):
                np.testing.assert_allclose(u, v, atol=1e-12)


def test_learner_copy_and_merge_match_gradient_learner(x64):
    x = Euclid(2)
    f = nn.Linear(2, 2, name="f")
    from catlearn.diagrams.diagram import Diagram

    d = Diagram.copy(x) >> (f @ f) >> Diagram.merge(x) >> nn.tanh(2) >> f
    para = compile(d)
    p = para.init(jax.random.key(0))
    th = nn.tanh(2)
    ar = {f: gradient_learner(compile(f), 0.3), th: gradient_learner(compile(th), 0.3)}
    L = compile(d, ar, into=Learner)
    a, c = jnp.array([0.4, -0.2]), jnp.array([0.1, 0.5])
    whole = gradient_learner(para, 0.3)
    np.testing.assert_allclose(L.request(p, a, c), whole.request(p, a, c), atol=1e-12)
    for u, v in zip(
        jax.tree_util.tree_leaves(L.update(p, a, c)),
        jax.tree_util.tree_leaves(whole.update(p, a, c)),
    ):
        np.testing.assert_allclose(u, v, atol=1e-12)


def test_typed_errors():
    data = sentence_data(8, seed=0, **TWO)
    F = Functor([d for d, _ in data])
    unseen = parse("loud fox sees red tram", **SMALL)
    if all(name in F.boxes for name in ("loud", "fox", "red", "tram")):  # pragma: no cover
        unseen = unseen >> nn.Linear(2, 2, name="classifier")
    with pytest.raises(MissingBoxError, match="lacks"):
        F.predict({}, [unseen])  # raised while grouping, before any parameter is read
    with pytest.raises(DiagramError):
        F(unseen)
    bad = Box("dog", Ty(), Euclid(5), data[0][0].boxes[0].spec)
    with pytest.raises(TypeMismatch, match="'dog'"):
        Functor([parse("dog runs", **SMALL), bad >> nn.Linear(5, 2, name="runs2")])
    with pytest.raises(DataError, match="non-empty"):
        fit_functor([], loss="mse", optimizer=optax.sgd(0.1), key=jax.random.key(0))
    with pytest.raises(DataError):
        split_data([(data[0][0], 0), (data[1][0], 1, 2)])


def test_validation_targets_and_checkpoint_every_are_checked():
    """Issue 22, cause 6: validation labels get the training labels' check (a SupportError
    naming the example, before any step; not a NaN validation loss), and checkpoint_every
    without a checkpoint path is refused (it used to save nothing, silently)."""
    data = sentence_data(4, seed=1, **TWO)
    kw = dict(loss="softmax_cross_entropy", optimizer=optax.sgd(0.1), key=jax.random.key(0))
    kw.update(progress=False, functor=Functor([d for d, _ in data]))  # shapes built once
    for where, train, val in (
        ("training", [(d, 7) for d, _ in data], data),
        ("validation", data, [(d, 9) for d, _ in data]),
        ("validation", data, [(d, -1) for d, _ in data]),
    ):
        with pytest.raises(SupportError, match=rf"{where} class labels in 0\.\.1.* example 0"):
            fit_functor(train, **kw, validation=val)
    with pytest.raises(SupportError, match=r"validation targets in \[0, 1\]"):
        fit_functor(
            [(d, [0.0, 1.0]) for d, _ in data],
            **{**kw, "loss": "sigmoid_binary_cross_entropy"},
            validation=[(d, [0.0, 2.0]) for d, _ in data],
        )
    with pytest.raises(DataError, match="validation targets"):
        fit_functor(data, **{**kw, "loss": "mse"}, validation=[(d, np.nan) for d, _ in data])
    with pytest.raises(HyperparameterError, match="checkpoint path with checkpoint_every=1"):
        fit_functor(data, **kw, checkpoint_every=1)
    with pytest.raises(HyperparameterError, match="positive int"):
        fit_functor(data, **kw, checkpoint="x.ckpt", checkpoint_every=0)
