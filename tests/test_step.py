"""The training step as a composite of parametric lenses (Cruttwell et al., issue 13):
the W = 1.4 example, optimiser lenses through the step against optax, the step against fit
bit for bit, one loss vocabulary, deep dreaming, typed errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from catlearn.core import losses
from catlearn.core.lens import ParaLens
from catlearn.core.losses import learning_rate, loss_lens, mse, softmax_cross_entropy
from catlearn.core.optim import adagrad, adam, from_optax, momentum, nesterov, sgd
from catlearn.core.para import Para, ParamSpec
from catlearn.core.step import dream_step, step_params, supervised_step
from catlearn.core.types import Euclid, Fin
from catlearn.errors import HyperparameterError, NotInvertibleError, ParamsError
from conftest import tree_maxdiff

TM = jax.tree_util.tree_map


def linear_w(w0: float = 1.0):
    f = ParaLens.from_para(Para.linear(Euclid(1), Euclid(1), name="f", bias=False))
    return f, {"f": {"W": jnp.full((1, 1), w0)}}


def test_w_example_paper_composite_goes_downhill():
    """f(x) = W x, W = 1, x = 1, target 3, squared error, eps = 0.1: W = 1.4, loss 4 -> 2.56."""
    f, p = linear_w()
    x, y = jnp.ones(1), jnp.full(1, 3.0)
    # the composite (model ; loss ; alpha), from library lenses only, and SGD as (1_P, +)
    closed = (f @ Euclid(1)) >> ParaLens.from_lens(mse(1) >> learning_rate(0.1))
    d, _ = closed.put(p, (x, y), ())
    new, _ = sgd().put(p, (), d)
    assert float(new["f"]["W"][0, 0]) == pytest.approx(1.4, abs=1e-6)
    loss = (f @ Euclid(1)) >> ParaLens.from_lens(mse(1))
    assert float(loss.get(p, (x, y))) == 4.0
    assert float(loss.get(new, (x, y))) == pytest.approx(2.56, abs=1e-5)
    # the same through supervised_step, paper style (alpha_eps, sgd()) and optax style
    for opt, eps in ((sgd(), 0.1), (sgd(0.1), 1.0)):
        step = supervised_step(f, mse(1), opt, learning_rate=eps)
        new_ps, _ = step.put(step_params(p, opt), (x, y), ())
        pn, _ = new_ps["train"]
        assert float(pn["f"]["W"][0, 0]) == pytest.approx(1.4, abs=1e-6)


def quadratic():
    A = jnp.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
    b = jnp.array([1.0, -2.0, 0.5])
    model = ParaLens(
        Euclid(),
        Euclid(),
        {"w": losses_spec()},
        lambda p, a: 0.5 * p["w"] @ A @ p["w"] - b @ p["w"],
        lambda p, a, dl: ({"w": dl * (A @ p["w"] - b)}, jnp.zeros_like(a)),
        name="q",
    )
    return model, {"q": {"w": jnp.array([1.0, 1.0, -1.0])}}, A, b


def losses_spec():
    return ParamSpec((3,))


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (momentum(0.05, 0.9), optax.sgd(0.05, momentum=0.9)),
        (nesterov(0.05, 0.9), optax.sgd(0.05, momentum=0.9, nesterov=True)),
        (adagrad(0.3), optax.adagrad(0.3)),
        (adam(0.05), optax.adam(0.05)),
        (from_optax(optax.lion(0.01)), optax.lion(0.01)),
    ],
    ids=["momentum", "nesterov", "adagrad", "adam", "lion"],
)
def test_optimiser_lenses_through_the_step_equal_optax_x64(x64, ours, theirs):
    """60 steps on a quadratic: the step's get points equal optax's iterates (<= 1e-12)."""
    model, p, A, b = quadratic()
    # the loss is the model's output itself: an identity "loss" lens pred @ () -> R
    ident = loss_lens("half_sse", Euclid(), Euclid())
    step = supervised_step(model, ident, ours)
    put = jax.jit(step.put)
    ps = step_params(p, ours)
    ours_traj = []
    for _ in range(60):
        ps, _ = put(ps, (jnp.zeros(()), jnp.zeros(())), ())
        q, s = ps["train"]
        ours_traj.append(ours.get(q, s)["q"]["w"])

    # optax on the same objective 0.5 * (w A w / 2 - b w)^2 ... via the same gradient
    def objective(w):
        return 0.5 * jnp.square(0.5 * w @ A @ w - b @ w)

    w, s = p["q"]["w"], theirs.init(p["q"]["w"])
    theirs_traj = []
    for _ in range(60):
        u, s = theirs.update(jax.grad(objective)(w), s, w)
        w = optax.apply_updates(w, u)
        theirs_traj.append(w)
    gap = tree_maxdiff(ours_traj, theirs_traj)
    print(f"{ours.name} through supervised_step vs optax, 60 steps, float64: {gap:.2e}")
    assert gap <= 1e-12


# --- the step against fit: bit for bit ----------------------------------------------------------


def digits_mlp():
    from sklearn.datasets import load_digits

    from catlearn.diagrams import nn
    from catlearn.diagrams.compiler import compile as cl_compile

    X, y = load_digits(return_X_y=True)
    X, y = (X[:1600] / 16.0).astype(np.float32), y[:1600].astype(np.int32)
    d = (
        nn.Linear(Euclid(64), Euclid(32), name="fc1")
        >> nn.relu(Euclid(32))
        >> nn.Linear(Euclid(32), Euclid(10), name="fc2")
    )
    return cl_compile(d), jnp.asarray(X), jnp.asarray(y)


def _fit_vs_step(make, steps=100, batch=16):
    """Final parameters of fit (one epoch of ``steps`` minibatches) and of ``steps`` puts of
    the composite lens on the same minibatches (fit's permutation, reproduced)."""
    from catlearn.training.train import fit

    model, X, y = digits_mlp()
    X, y = X[: steps * batch], y[: steps * batch]
    opt = make()
    p0 = model.init(jax.random.key(0))
    key = jax.random.key(3)
    r = fit(
        model,
        p0,
        (X, y),
        loss="softmax_cross_entropy",
        optimizer=opt,
        epochs=1,
        batch_size=batch,
        key=key,
        progress=False,
    )
    pkey, _ = jax.random.split(jax.random.split(key, 1)[0])
    perm = jax.random.permutation(pkey, steps * batch).reshape(steps, batch)
    put = supervised_step(model, "softmax_cross_entropy", opt, batch_size=batch).put

    @jax.jit
    def run(ps):
        return jax.lax.scan(lambda ps, idx: (put(ps, (X[idx], y[idx]), ())[0], None), ps, perm)[0]

    ps = run(step_params(p0, opt))
    gap = tree_maxdiff(ps["train"][0], r.params)
    dtype = jax.tree_util.tree_leaves(p0)[0].dtype
    print(f"{opt.name} {dtype}: {steps} steps, supervised_step vs fit: {gap:.1e}")
    return gap


@pytest.mark.slow
def test_supervised_step_equals_fit():
    """100 steps of the composite lens == 100 steps of fit (one epoch, batch 16), float32,
    bit for bit, for SGD and Adam (Adam's moments are written m + (1 - b1)(d - m): one product
    to fuse, odd in d, so XLA's fused multiply-adds give the same bits whether d arrives as
    -grad through to_optax or from the lens's seed -1)."""
    assert _fit_vs_step(lambda: sgd(0.1)) == 0.0
    assert _fit_vs_step(lambda: adam(1e-2)) == 0.0


@pytest.mark.slow
def test_supervised_step_equals_fit_x64(x64):
    assert _fit_vs_step(lambda: adam(1e-2)) <= 1e-12


# --- one loss vocabulary ------------------------------------------------------------------------


def test_fit_loss_names_and_loss_lenses_are_the_same_functions(getkey):
    from catlearn.training import train

    for name, fn in losses.LOSSES.items():
        assert train.LOSSES[name].per_example is fn
    z, t = jax.random.normal(getkey(), (5, 4)), jax.random.normal(getkey(), (5, 4))
    lens = mse(4)
    per_example = jax.vmap(lambda a, b: lens.get((a, b)))(z, t)
    assert jnp.array_equal(train.LOSSES["mse"](z, t), per_example)
    assert jnp.array_equal(train.resolve_loss("mse")(z, t), per_example)
    labels = jnp.array([0, 3, 1, 2, 2])
    ce = softmax_cross_entropy(4)
    assert jnp.array_equal(
        train.LOSSES["softmax_cross_entropy"](z, labels),
        jax.vmap(lambda a, b: ce.get((a, b)))(z, labels),
    )
    # the two binary cross-entropies agree (probabilities, mean over features)
    pr, t01 = jax.nn.sigmoid(z), (t > 0).astype(jnp.float32)
    assert jnp.allclose(
        train.LOSSES["binary_cross_entropy"](pr, t01),
        jax.vmap(lambda a, b: losses.binary_cross_entropy(4).get((a, b)))(pr, t01),
    )
    with pytest.raises(HyperparameterError, match="loss name"):
        loss_lens("l2", Euclid(2))
    with pytest.raises(HyperparameterError, match="loss name"):
        train.resolve_loss("l2")


# --- deep dreaming and typed errors --------------------------------------------------------------


def test_dream_step_learns_the_input_x64(x64, getkey):
    W = jax.random.normal(getkey(), (3, 4))
    model = Para(Euclid(3), Euclid(4), ParamSpec((3, 4)), lambda w, x: jnp.tanh(x) @ w, name="m")
    p = {"m": W}
    opt = adam(0.05)
    dream = jax.jit(dream_step(model, p, "softmax_cross_entropy", opt).put)
    xs = {"dream": (jnp.zeros(3), opt.init(jnp.zeros(3)))}
    for _ in range(60):
        xs, _ = dream(xs, jnp.array(2), ())
    x = xs["dream"][0]
    assert int(jnp.argmax(jnp.tanh(x) @ W)) == 2
    # its first step is the optimiser on the input's gradient
    g = jax.grad(lambda v: optax.softmax_cross_entropy_with_integer_labels(jnp.tanh(v) @ W, 2))
    one, _ = dream_step(model, p, "softmax_cross_entropy", sgd(0.1)).put(
        {"dream": (jnp.ones(3), ())}, jnp.array(2), ()
    )
    assert jnp.allclose(one["dream"][0], jnp.ones(3) - 0.1 * g(jnp.ones(3)), atol=1e-12)


def test_typed_errors():
    f, p = linear_w()
    opt = adam(0.1)
    step = supervised_step(f, mse(1), opt)
    bad = {"train": (p, momentum(0.1).init(p))}
    with pytest.raises(ParamsError, match="AdamState"):  # the step's spec names the state
        step.put(bad, (jnp.ones(1), jnp.ones(1)), ())
    with pytest.raises(ParamsError, match="optimiser state"):
        opt.put(p, bad["train"][1], p)
    for eps in (float("nan"), float("inf"), -0.1):
        with pytest.raises(HyperparameterError, match="learning rate"):
            supervised_step(f, mse(1), sgd(), learning_rate=eps)
    with pytest.raises(HyperparameterError, match="loss name"):
        supervised_step(f, "cross_entropy", sgd())
    labels = Para(Fin(3), Euclid(2), ParamSpec((3, 2)), lambda w, i: w[i], name="emb")
    with pytest.raises(NotInvertibleError, match="request"):
        dream_step(labels, labels.init(jax.random.key(0)), "mse", sgd())
    with pytest.raises(TypeError, match="loss lens"):
        supervised_step(f, learning_rate(0.1), sgd())


def test_batched_step_of_any_paralens_x64(x64, getkey):
    """A ParaLens model (not a Para) on a minibatch: the parameter wire is copied to every
    example and its put sums them; equal to the Para path (the reverse derivative of the
    batched map) up to summation order."""
    model = Para.linear(Euclid(3), Euclid(2), name="fc") >> Para.from_function(
        jnp.tanh, Euclid(2), Euclid(2)
    )
    X, Y = jax.random.normal(getkey(), (4, 3)), jax.random.normal(getkey(), (4, 2))
    p0 = model.init(getkey())
    outs = []
    for m in (model, ParaLens.from_para(model)):
        step = supervised_step(m, "mse", momentum(0.1), batch_size=4)
        ps = step_params(p0, momentum(0.1))
        for _ in range(3):
            ps, (dX, _) = step.put(ps, (X, Y), ())
        outs.append((ps["train"], dX))
    assert tree_maxdiff(outs[0], outs[1]) < 1e-14
