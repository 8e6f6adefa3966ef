"""Every error catlearn raises is a CatlearnError (and the matching built-in), with a fix."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import catlearn
from catlearn import errors
from catlearn.core.types import Bool, Euclid, Fin, Ty

ROOT = Path(catlearn.__file__).parent
BUILTINS = (
    "Exception|ValueError|TypeError|KeyError|IndexError|RuntimeError|AttributeError|"
    "NotImplementedError|FloatingPointError|ArithmeticError|LookupError|AssertionError|"
    "OSError|IOError|ZeroDivisionError|OverflowError"
)
BARE = re.compile(rf"\braise\s+({BUILTINS})\b")


def test_no_bare_builtin_raises_in_catlearn():
    hits = []
    for path in sorted(ROOT.rglob("*.py")):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if BARE.search(line.split("#", 1)[0]):
                hits.append(f"{path.relative_to(ROOT.parent)}:{i}: {line.strip()}")
    assert hits == [], "raise catlearn.errors subclasses instead:\n" + "\n".join(hits)


def test_the_grep_sees_bare_raises():
    assert BARE.search('        raise ValueError(f"x")')
    assert BARE.search("raise KeyError")
    assert not BARE.search("raise ShapeError('x')")
    assert not BARE.search("raise errors.ArgumentTypeError('x')")


def test_every_error_subclasses_catlearn_error_and_a_builtin():
    classes = [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, Exception) and c.__module__ == errors.__name__
    ]
    assert len(classes) >= 20
    for c in classes:
        assert issubclass(c, errors.CatlearnError), c
        if c is not errors.CatlearnError:
            builtin = [b for b in c.__mro__ if b.__module__ == "builtins" and b is not object]
            assert any(b not in (Exception, BaseException) for b in builtin), c


@pytest.mark.parametrize(
    ("make", "builtin", "words"),
    [
        (lambda: Euclid(2.5), ValueError, ["Euclid(2.5,)", "integer sizes"]),
        (lambda: Fin(0), ValueError, ["Fin(0)", "e.g. Fin(2)"]),
        (lambda: Bool(-1), ValueError, ["Bool(-1)", "Bool(4)"]),
        (lambda: Ty(Euclid(2), 3), TypeError, ["Euclid(n)"]),
    ],
)
def test_type_constructors_raise_typed_errors_naming_the_fix(make, builtin, words):
    with pytest.raises(errors.CatlearnError) as info:
        make()
    assert isinstance(info.value, builtin)
    for w in words:
        assert w in str(info.value)


def test_immutable_objects_raise_a_typed_attribute_error():
    t = Euclid(2)
    with pytest.raises(errors.ImmutableError, match="immutable") as info:
        t.x = 1
    assert isinstance(info.value, AttributeError)


# --- traced paths: never a silent clamp; checked() gives the typed error ------------------------


def _hmm():
    import jax.numpy as jnp

    from catlearn.probability.statespace.hmm import HMM

    return HMM(jnp.array([0.5, 0.5]), jnp.eye(2) * 0.8 + 0.1, jnp.array([[0.5, 0.3, 0.2]] * 2))


def test_hmm_symbol_out_of_range_under_jit_is_minus_inf_and_checked_raises():
    import jax
    import jax.numpy as jnp

    from catlearn.core import checked
    from catlearn.probability.statespace.hmm import hmm_log_likelihood, hmm_viterbi

    hmm = _hmm()
    ll = jax.jit(lambda o: hmm_log_likelihood(hmm, o))
    assert np.isfinite(float(ll(jnp.array([0, 1, 2]))))
    for bad in ([0, 1, 9], [0, -1, 2]):
        assert float(ll(jnp.array(bad))) == -np.inf
        vit = jax.jit(lambda o: hmm_viterbi(hmm, o).log_prob)
        assert not np.isfinite(float(vit(jnp.array(bad))))
        with pytest.raises(errors.TracedCheckError, match="out-of-bounds") as info:
            checked(lambda o: hmm_log_likelihood(hmm, o))(jnp.array(bad))
        assert isinstance(info.value, ValueError)
        with pytest.raises(errors.SupportError, match="outside the symbols"):
            hmm_log_likelihood(hmm, jnp.array(bad))  # eager: names y[2]
    batch = jnp.array([[0, 1, 2], [0, 1, 9]])
    lls = jax.vmap(lambda o: hmm_log_likelihood(hmm, o))(batch)
    assert np.isfinite(float(lls[0])) and float(lls[1]) == -np.inf
    assert checked(lambda o: hmm_log_likelihood(hmm, o))(jnp.array([0, 1, 2])) == ll(
        jnp.array([0, 1, 2])
    )


def test_finite_index_out_of_range_under_jit_is_nan_and_checked_raises():
    import jax

    from catlearn.core import checked
    from catlearn.core.types import Fin
    from catlearn.probability import Finite

    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    prob = jax.jit(lambda y, x: f.prob(y, x))
    assert float(prob(1, 0)) == pytest.approx(0.1)
    assert np.isnan(float(prob(1, 5))) and np.isnan(float(prob(-1, 0)))
    assert np.isnan(np.asarray(jax.jit(lambda x: f.row(x))(3))).all()
    with pytest.raises(errors.TracedCheckError):
        checked(lambda y, x: f.prob(y, x))(1, 5)
    with pytest.raises(errors.SupportError, match=r"0\.\.1"):
        f.prob(1, 5)


def test_integer_label_out_of_range_in_the_traced_loss_is_nan():
    import jax
    import jax.numpy as jnp

    from catlearn.training.train import softmax_cross_entropy

    loss = jax.jit(lambda z, t: softmax_cross_entropy(z, t))(
        jnp.zeros((3, 4)), jnp.array([0, 4, -1])
    )
    assert np.isfinite(float(loss[0])) and np.isnan(loss[1:]).all()


def test_kalman_shapes_are_checked_at_trace_time():
    import jax
    import jax.numpy as jnp

    from catlearn.probability.statespace.kalman import LGSSM, kalman_filter

    m = LGSSM(jnp.zeros(2), jnp.eye(2), jnp.eye(2), jnp.eye(2), jnp.eye(2)[:1], jnp.eye(1))
    with pytest.raises(errors.ShapeError):
        jax.jit(lambda y: kalman_filter(m, y))(jnp.zeros((5, 3)))


# --- the concrete bad cases of issue 16 ----------------------------------------------------------


def _fit_args():
    import jax
    import optax

    from catlearn.core.para import Para

    model = Para.linear(Euclid(2), Euclid(3), name="fc")
    X = np.random.default_rng(0).normal(size=(12, 2)).astype(np.float32)
    y = np.arange(12) % 3
    kw = dict(loss="softmax_cross_entropy", optimizer=optax.sgd(0.1), batch_size=4,
              key=jax.random.key(0), progress=False)  # fmt: skip
    return model, model.init(jax.random.key(1)), X, y, kw


def test_fit_rejects_string_labels_with_a_typed_error():
    from catlearn.training import fit

    model, params, X, y, kw = _fit_args()
    labels = np.array(["a", "b", "c"])[y]
    with pytest.raises(errors.DataError, match=r"np\.unique"):
        fit(model, params, (X, labels), **kw)


def test_fit_names_nan_in_data_params_and_learning_rate_before_training():
    import jax.numpy as jnp
    import optax

    from catlearn.training import fit

    model, params, X, y, kw = _fit_args()
    Xbad = X.copy()
    Xbad[5, 1] = np.nan
    with pytest.raises(errors.DataError, match=r"\[5, 1\]"):
        fit(model, params, (Xbad, y), **kw)
    with pytest.raises(errors.DataError, match="validation"):
        fit(model, params, (X, y), validation=(Xbad, y), **kw)
    pbad = {"fc": {**params["fc"], "b": params["fc"]["b"].at[2].set(jnp.inf)}}
    with pytest.raises(errors.ParamsError, match=r"\['fc'\]\['b'\] at \[2\]"):
        fit(model, pbad, (X, y), **kw)
    for lr in (float("nan"), float("inf")):
        with pytest.raises(errors.HyperparameterError, match="learning rate"):
            fit(model, params, (X, y), **{**kw, "optimizer": optax.adam(lr)})


def test_jeffrey_update_accepts_a_plain_list_like_pearl_update():
    from catlearn.core.types import Fin
    from catlearn.probability import Finite
    from catlearn.probability.inference.bayes import jeffrey_update

    f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    prior = Finite.state([0.5, 0.5])
    want = jeffrey_update(prior, f, Finite.state([0.0, 1.0])).array
    np.testing.assert_allclose(jeffrey_update(prior, f, [0.0, 1.0]).array, want)
    with pytest.raises(errors.CatlearnError):
        jeffrey_update(prior, f, [0.5, 0.2, 0.3])


def test_query_batch_accepts_state_names_like_query():
    from catlearn.probability.networks.bayesnet import CPT, BayesNet

    net = BayesNet(
        [("a", "b")],
        {
            "a": CPT([0.5, 0.5], state_names=["no", "yes"]),
            "b": CPT([[0.9, 0.5], [0.1, 0.5]], evidence=["a"], state_names=["dry", "wet"]),
        },
    )
    by_name = net.query_batch(["a"], {"b": ["dry", "wet"]})
    np.testing.assert_allclose(by_name, net.query_batch(["a"], {"b": [0, 1]}))
    np.testing.assert_allclose(by_name[1], net.query(["a"], {"b": "wet"}))
    with pytest.raises(errors.SupportError, match="damp"):
        net.query_batch(["a"], {"b": ["dry", "damp"]})
