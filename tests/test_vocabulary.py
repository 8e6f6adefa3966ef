"""Issue 22: one loss/error vocabulary and one optimiser convention across the trainers.

Every name of :data:`catlearn.core.losses.LOSSES` means the same function through ``fit``,
``fit_functor``, ``supervised_step`` and ``gradient_learner(error=...)``: on one example the
reported loss equals ``LOSSES[name]`` and one SGD step moves the parameters by the gradient of
that function. Every trainer takes an optax transformation and a catlearn optimiser, and the
two spellings of one optimiser train alike.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from catlearn.core import optim
from catlearn.core.learner import gradient_learner
from catlearn.core.losses import LOSSES, as_error, get_loss
from catlearn.core.step import step_params, supervised_step
from catlearn.diagrams import nn
from catlearn.diagrams.compiler import compile
from catlearn.errors import ArgumentTypeError, HyperparameterError, NotInvertibleError
from catlearn.training.functor import fit_functor
from catlearn.training.train import fit

LR = 0.1
BOX = nn.Linear(3, 2, name="fc")
MODEL = compile(BOX)
PARAMS = {
    "fc": {"W": jnp.array([[0.1, -0.2], [0.05, 0.1], [-0.1, 0.02]]), "b": jnp.array([0.4, 0.6])}
}
X = jnp.array([0.5, -1.0, 2.0])
# outputs near (0.3, 0.5): valid probabilities for binary_cross_entropy
TARGETS = {"softmax_cross_entropy": jnp.array(1), "binary_cross_entropy": jnp.array([1.0, 0.0])}
TARGETS["sigmoid_binary_cross_entropy"] = TARGETS["binary_cross_entropy"]
REGRESSION = jnp.array([0.3, -0.8])


def _close(a, b):
    return jax.tree_util.tree_all(
        jax.tree_util.tree_map(lambda u, v: bool(jnp.allclose(u, v, rtol=1e-5, atol=1e-6)), a, b)
    )


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_each_name_is_one_function_through_every_entry_point(name):
    y = TARGETS.get(name, REGRESSION)
    fn = LOSSES[name]
    value = fn(MODEL(PARAMS, X), y)
    grads = jax.grad(lambda p: fn(MODEL(p, X), y))(PARAMS)
    stepped = jax.tree_util.tree_map(lambda p, g: p - LR * g, PARAMS, grads)
    assert np.isfinite(float(value))

    # fit: the first epoch's loss (one batch of one example) and one SGD step
    r = fit(MODEL, PARAMS, (X[None], y[None]), loss=name, optimizer=optax.sgd(LR), epochs=1,
            batch_size=1, key=jax.random.key(0), progress=False)  # fmt: skip
    assert np.isclose(r.history["loss"][0], value, rtol=1e-6)
    assert _close(r.params, stepped)

    # fit_functor: the same, on a data set of one diagram
    ff = fit_functor([(BOX, X, y)], loss=name, optimizer=optax.sgd(LR), epochs=1, batch_size=1,
                     key=jax.random.key(0), params=PARAMS, progress=False)  # fmt: skip
    assert np.isclose(ff.history["loss"][0], value, rtol=1e-6)
    assert _close(ff.params, stepped)

    # supervised_step: the paper's step lens (alpha_1 then the optimiser sgd(LR))
    step = supervised_step(MODEL, name, optim.sgd(LR))
    new, _ = step.put(step_params(PARAMS, optim.sgd(LR)), (X, y), ())
    assert _close(new["train"][0], stepped)

    # gradient_learner(error=name): E_I is the same function; update is p - lr grad E_I (a
    # learner's target has the output's type: a class as its one-hot distribution)
    if name == "softmax_cross_entropy":
        y = jax.nn.one_hot(y, 2)
    error = as_error(name)
    assert error.per_example is fn or error.total(MODEL(PARAMS, X), y) == value
    assert np.isclose(error.total(MODEL(PARAMS, X), y), value, rtol=1e-6)
    learner = gradient_learner(MODEL, LR, name, request=error.invertible)
    assert _close(learner.update(PARAMS, X, y), stepped)
    if error.invertible:  # the request inverts dE/dx: it recovers the target
        x0, y0 = jnp.array([0.2, 0.5, 0.7]), jnp.array([0.4, 0.1, 0.9])  # probabilities too
        assert jnp.allclose(error.request(x0, error.derivative(x0, y0)), y0, atol=1e-5)


def test_unknown_names_list_the_vocabulary_everywhere():
    for call in (
        lambda: get_loss("l2"),
        lambda: as_error("l2"),
        lambda: gradient_learner(MODEL, LR, "l2"),
        lambda: supervised_step(MODEL, "l2", optim.sgd(LR)),
        lambda: fit(MODEL, PARAMS, (X[None], REGRESSION[None]), loss="l2",
                    optimizer=optax.sgd(LR), key=jax.random.key(0), batch_size=1),
        lambda: fit_functor([(BOX, X, REGRESSION)], loss="l2", optimizer=optax.sgd(LR),
                            key=jax.random.key(0)),
    ):  # fmt: skip
        with pytest.raises(
            HyperparameterError, match=r"loss name \(or error name\) in \['absolute'"
        ):
            call()
    with pytest.raises(NotInvertibleError, match="request=False"):
        gradient_learner(MODEL, LR, "softmax_cross_entropy")
    with pytest.raises(HyperparameterError, match=r"optax\.GradientTransformation"):
        optim.as_optax("adam")
    with pytest.raises(ArgumentTypeError, match="catlearn optimiser"):
        supervised_step(MODEL, "mse", "adam")


def _fit(opt):
    r = fit(MODEL, PARAMS, (jnp.stack([X, -X]), jnp.stack([REGRESSION, -REGRESSION])),
            loss="mse", optimizer=opt, epochs=3, batch_size=2, key=jax.random.key(0),
            progress=False)  # fmt: skip
    return r.params


def _fit_functor(opt):
    data = [(BOX, X, REGRESSION), (BOX, -X, -REGRESSION)]
    return fit_functor(data, loss="mse", optimizer=opt, epochs=3, batch_size=2,
                       key=jax.random.key(0), params=PARAMS, progress=False).params  # fmt: skip


def _supervised_step(opt):
    step = jax.jit(supervised_step(MODEL, "mse", opt).put)
    ps = step_params(PARAMS, opt)
    for _ in range(3):
        ps, _ = step(ps, (X, REGRESSION), ())
    return ps["train"][0]


def _fit_tensor(opt):
    from catlearn.diagrams.pregroup import Pregroup, Word
    from catlearn.training.ansatz import TensorAnsatz
    from catlearn.training.tensor import TensorModel, fit_tensor

    s = Pregroup("s")
    words = [Word("good", s), Word("bad", s)]
    model = TensorModel(words, TensorAnsatz({"s": 2}))
    r = fit_tensor(model, words, [[1.0, 0.0], [0.0, 1.0]], key=jax.random.key(0), epochs=3,
                   batch_size=2, optimizer=opt, shuffle=False)  # fmt: skip
    return r.params


def _fit_gp(opt):
    from catlearn.probability.inference.gp import RBF, GaussianProcess, fit_gp

    x = jnp.linspace(0.0, 1.0, 6)
    gp, _ = fit_gp(GaussianProcess(RBF(1.0, 0.5), noise=0.1), x, jnp.sin(3 * x), steps=3,
                   optimizer=opt)  # fmt: skip
    return (gp.kernel.lengthscale, gp.noise)


TRAINERS = {
    "fit": _fit,
    "fit_functor": _fit_functor,
    "supervised_step": _supervised_step,
    "fit_tensor": _fit_tensor,
    "fit_gp": _fit_gp,
}


@pytest.mark.parametrize("trainer", sorted(TRAINERS))
def test_every_trainer_takes_optax_and_catlearn_optimisers(trainer):
    run = TRAINERS[trainer]
    by_optax, by_catlearn = run(optax.adam(0.05)), run(optim.adam(0.05))
    assert jax.tree_util.tree_structure(by_optax) == jax.tree_util.tree_structure(by_catlearn)
    assert _close(by_optax, by_catlearn)
    moved = run(optim.momentum(0.05, 0.9))  # a catlearn optimiser without an optax twin
    assert all(np.isfinite(np.asarray(leaf)).all() for leaf in jax.tree_util.tree_leaves(moved))
