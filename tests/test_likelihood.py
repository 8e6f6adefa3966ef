"""Maximum-likelihood learners (Shiebler): laws, parameter recovery, bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from catlearn.core.learner import gradient_learner
from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import DataError, HyperparameterError, NonFiniteError, ShapeError, SupportError
from catlearn.probability.kernels.likelihood import (
    StochasticMap,
    bernoulli_log_prob,
    bernoulli_map,
    categorical_log_prob,
    categorical_map,
    fit_likelihood,
    gaussian_log_prob,
    gaussian_map,
    likelihood_learner,
)
from conftest import tree_allclose


def _const_gaussian():
    para = Para(Ty(), Euclid(2), {"theta": ParamSpec((2,))}, lambda p, x: p["theta"], name="g")
    return gaussian_map(para, Euclid(1))


def test_log_probs_match_scipy(x64):
    from scipy import stats

    theta = jnp.array([0.5, -1.0, np.log(2.0), np.log(0.5)])
    y = jnp.array([1.0, 0.0])
    want = stats.norm(0.5, 2.0).logpdf(1.0) + stats.norm(-1.0, 0.5).logpdf(0.0)
    assert np.isclose(gaussian_log_prob(theta, y), want)
    assert np.isclose(bernoulli_log_prob(jnp.array([0.3]), 1), np.log(1 / (1 + np.exp(-0.3))))
    assert np.isclose(bernoulli_log_prob(jnp.array([0.3]), 0), np.log(1 / (1 + np.exp(0.3))))
    logits = jnp.array([0.1, 2.0, -1.0])
    assert np.isclose(
        categorical_log_prob(logits, 1),
        np.log(stats.multinomial(1, np.exp(logits) / np.exp(logits).sum()).pmf([0, 1, 0])),
    )


def test_update_is_gradient_step_on_nll(x64, getkey):
    """U(p, x, y) = p − ε ∇_p (−log p(y | I(p, x))) and update_batch = step on the mean NLL."""
    m = bernoulli_map(Para.linear(Euclid(3), Euclid(1), name="w"))
    L = likelihood_learner(m, lr=0.3)
    p = jax.tree_util.tree_map(lambda v: v + 0.1, m.init(getkey()))
    x, y = jax.random.normal(getkey(), (3,)), 1
    g = jax.jit(jax.grad(lambda q: -m.log_likelihood(q, x, y)))(p)
    assert tree_allclose(
        jax.jit(L.update)(p, x, y), jax.tree_util.tree_map(lambda a, b: a - 0.3 * b, p, g)
    )
    xs, ys = jax.random.normal(getkey(), (5, 3)), jnp.array([0, 1, 1, 0, 1])
    g = jax.jit(jax.grad(lambda q: m.nll(q, xs, ys)))(p)
    assert tree_allclose(
        jax.jit(L.update_batch)(p, xs, ys), jax.tree_util.tree_map(lambda a, b: a - 0.3 * b, p, g)
    )
    assert np.allclose(L.implement(p, x), m.theta(p, x))


def test_functoriality_with_squared_error_learner(x64, getkey):
    """L(f ≫ m) = L_{ε,½(x−y)²}(f) ≫ L(m): the NLL learner's request makes the chain rule hold."""
    f = Para.linear(Euclid(2), Euclid(3), name="f") >> Para.from_function(
        jnp.tanh, Euclid(3), Euclid(3)
    )
    m = bernoulli_map(Para.linear(Euclid(3), Euclid(1), name="head"))
    whole = likelihood_learner(m.then_para(f), lr=0.1)
    parts = gradient_learner(f, 0.1) >> likelihood_learner(m, lr=0.1)
    p = whole.init(getkey())
    p = jax.tree_util.tree_map(lambda v: v + 0.2 * jax.random.normal(getkey(), v.shape), p)
    x, y = jnp.array([0.3, -0.7]), 1
    both = jax.jit(
        lambda p: (
            whole.update(p, x, y),
            parts.update(p, x, y),
            whole.request(p, x, y),
            parts.request(p, x, y),
        )
    )(p)
    assert tree_allclose(both[0], both[1], rtol=1e-10, atol=1e-12)
    assert tree_allclose(both[2], both[3], rtol=1e-10, atol=1e-12)
    assert (f >> m.para).dom == (f >> m).dom  # __rrshift__ on a StochasticMap


def test_fit_gaussian_recovers_parameters(getkey):
    data = 3.0 + 2.0 * jax.random.normal(getkey(), (4000, 1))
    m = _const_gaussian()
    p, hist = fit_likelihood(m, m.init(getkey()), ((), data), lr=0.2, steps=400)
    mean, log_std = p["g"]["theta"]
    assert abs(mean - data.mean()) < 1e-3 and abs(jnp.exp(log_std) - data.std()) < 1e-3  # the MLE
    assert abs(mean - 3.0) < 0.1 and abs(jnp.exp(log_std) - 2.0) < 0.1  # the truth
    assert hist[-1] < hist[0]


def test_fit_heteroscedastic_regression(getkey):
    x = jax.random.uniform(getkey(), (3000, 1), minval=-1, maxval=1)
    y = 2.0 * x - 1.0 + jnp.exp(0.5 * x - 1.0) * jax.random.normal(getkey(), (3000, 1))
    m = gaussian_map(Para.linear(Euclid(1), Euclid(2), name="reg"), Euclid(1))
    p, _ = fit_likelihood(m, m.init(getkey()), (x, y), lr=0.1, steps=2000)
    W, b = p["reg"]["W"], p["reg"]["b"]  # outputs (mean, log_std) = x W + b
    assert np.allclose([W[0, 0], b[0]], [2.0, -1.0], atol=0.1)
    assert np.allclose([W[0, 1], b[1]], [0.5, -1.0], atol=0.1)


def test_fit_logistic_regression_recovers_parameters(getkey):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    w, b = np.array([1.5, -2.0]), 0.5
    X = rng.normal(size=(4000, 2))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(X @ w + b)))).astype(np.int32)
    m = bernoulli_map(Para.linear(Euclid(2), Euclid(1), name="logreg"))
    p, hist = fit_likelihood(
        m, m.init(getkey()), (jnp.asarray(X, jnp.float32), jnp.asarray(y)), lr=2.0, steps=600
    )
    W, c = np.asarray(p["logreg"]["W"][:, 0]), float(p["logreg"]["b"][0])
    ref = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(X, y)
    assert np.allclose(W, ref.coef_[0], atol=1e-2) and abs(c - ref.intercept_[0]) < 1e-2  # MLE
    assert np.allclose(W, w, atol=0.2) and abs(c - b) < 0.15  # truth
    assert float(hist[-1]) < float(hist[0])


def test_categorical_map_fits_frequencies(getkey):
    y = jnp.array([0] * 20 + [1] * 50 + [2] * 30)
    para = Para(Ty(), Euclid(3), {"l": ParamSpec((3,))}, lambda p, x: p["l"], name="cat")
    m = categorical_map(para, 3)
    p, _ = fit_likelihood(m, m.init(getkey()), ((), y), lr=2.0, steps=500)
    assert np.allclose(jax.nn.softmax(p["cat"]["l"]), [0.2, 0.5, 0.3], atol=1e-3)
    assert m.sample(p["cat"]["l"], getkey()).dtype == jnp.int32


# --- bad input ---------------------------------------------------------------------------------


def test_bad_input(getkey):
    m = _const_gaussian()
    p = m.init(getkey())
    with pytest.raises(ShapeError, match="observation"):
        fit_likelihood(m, p, ((), jnp.zeros((5, 2))), lr=0.1, steps=2)
    with pytest.raises(NonFiniteError, match="finite"):
        fit_likelihood(m, p, ((), jnp.array([[1.0], [jnp.nan]])), lr=0.1, steps=2)
    with pytest.raises(NonFiniteError, match="parameter"):
        fit_likelihood(
            m, {"g": {"theta": jnp.array([jnp.nan, 0.0])}}, ((), jnp.ones((3, 1))), lr=0.1, steps=2
        )
    with pytest.raises(NonFiniteError, match="Lower lr"):
        fit_likelihood(m, p, ((), 1e20 * jnp.ones((3, 1))), lr=1.0, steps=5)
    with pytest.raises(HyperparameterError, match="steps"):
        fit_likelihood(m, p, ((), jnp.ones((3, 1))), lr=0.1, steps=0)
    with pytest.raises(HyperparameterError):
        likelihood_learner(m, lr=float("nan"))
    with pytest.raises(DataError, match="pair"):
        fit_likelihood(m, p, jnp.ones((3, 1)), lr=0.1, steps=1)
    lr_map = bernoulli_map(Para.linear(Euclid(2), Euclid(1), name="lr"))
    q = lr_map.init(getkey())
    with pytest.raises(DataError, match="as many inputs"):
        fit_likelihood(lr_map, q, (jnp.zeros((4, 2)), jnp.zeros(3, int)), lr=0.1, steps=1)
    with pytest.raises(SupportError, match="Fin"):
        fit_likelihood(lr_map, q, (jnp.zeros((2, 2)), jnp.array([0, 2])), lr=0.1, steps=1)
    with pytest.raises(ShapeError, match="input"):
        fit_likelihood(lr_map, q, (jnp.zeros((2, 3)), jnp.array([0, 1])), lr=0.1, steps=1)
    with pytest.raises(ShapeError, match="logit"):
        bernoulli_map(Para.linear(Euclid(2), Euclid(2), name="x"))
    with pytest.raises(ShapeError, match="Euclid\\(2\\)"):
        gaussian_map(Para.linear(Euclid(2), Euclid(3), name="x"), Euclid(1))
    with pytest.raises(ShapeError, match="logits"):
        categorical_map(Para.linear(Euclid(2), Euclid(2), name="x"), 3)
    with pytest.raises(TypeError, match="Para"):
        StochasticMap(lambda x: x, gaussian_log_prob, Euclid(1))
    with pytest.raises(TypeError, match="StochasticMap"):
        likelihood_learner(Para.linear(Euclid(2), Euclid(1), name="y"), lr=0.1)
    assert isinstance(Fin(2), Ty)
