"""Fuzzing the public API (hypothesis): every public callable of ``catlearn``, and the main
data paths, on random valid and invalid inputs (wrong types, shapes, dtypes, NaN/inf, empty,
huge, wrong names). The property: a result, or a :class:`~catlearn.errors.CatlearnError`;
never another exception, never a hang (a per-call alarm), never a silent NaN (a NaN output
from NaN-free inputs).

A quick profile runs by default; ``pytest -m soak`` runs >= 200 examples per target (tens of
minutes on 2 cores: outside the default run and CI's 15-minute budget). The outcome
counts (ok / typed / generic / bad) are printed at the end of the module.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import signal
import types
from collections import Counter

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import catlearn as cl
from catlearn.errors import CatlearnError

QUICK = settings(max_examples=6, deadline=None, derandomize=True,
                 suppress_health_check=list(HealthCheck), database=None)  # fmt: skip
SLOW = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck), database=None)  # fmt: skip
TIMEOUT_S = 30
# Targets whose documented cost is linear in an integer argument: a call with a huge size
# (JUNK draws 10**6) is slow by request, not hung; they get a longer alarm.
TIMEOUT_LINEAR_S = {"sentences.words": 300}
F32_MAX = float(np.finfo(np.float32).max)
COUNTS: dict[str, Counter] = {}
EXAMPLES: dict[str, str] = {}


class Hang(Exception):
    pass


@contextlib.contextmanager
def _alarm(seconds: float):
    def boom(*_):
        raise Hang(f"no answer in {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _has_nonfinite(tree) -> bool:
    for leaf in jax.tree_util.tree_leaves(tree):
        if isinstance(leaf, float) and not abs(leaf) < F32_MAX:  # overflows float32 to inf
            return True
        if hasattr(leaf, "dtype") and hasattr(leaf, "shape"):
            try:
                a = np.asarray(leaf)
            except Exception:
                continue
            if a.dtype.kind in "fc" and not np.isfinite(a).all():
                return True
    return False


def _has_nan(tree) -> bool:
    for leaf in jax.tree_util.tree_leaves(tree):
        if isinstance(leaf, float) and math.isnan(leaf):
            return True
        if hasattr(leaf, "dtype") and getattr(leaf, "shape", None) is not None:
            try:
                a = np.asarray(leaf)
            except Exception:
                continue
            if a.dtype.kind in "fc" and np.isnan(a).any():
                return True
    return False


def outcome(target: str, fn, *args, **kwargs):
    """Call ``fn``; classify and assert the property. Returns the result or None."""
    counts = COUNTS.setdefault(target, Counter())
    try:
        with _alarm(TIMEOUT_LINEAR_S.get(target, TIMEOUT_S)):
            out = fn(*args, **kwargs)
    except CatlearnError:
        counts["typed"] += 1
        return None
    except Hang:
        counts["bad"] += 1
        raise AssertionError(f"{target} hung on {args!r} {kwargs!r}") from None
    except Exception as e:
        counts["generic"] += 1
        msg = f"{target}{args!r:.200} {kwargs!r:.100} raised {type(e).__name__}: {e!s:.300}"
        EXAMPLES.setdefault(target, msg)
        raise AssertionError(msg + ", not a CatlearnError") from e
    if _has_nan(out) and not _has_nonfinite((args, kwargs)):
        counts["bad"] += 1
        raise AssertionError(f"{target} returned NaN from NaN-free inputs {args!r} {kwargs!r}")
    counts["ok"] += 1
    return out


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    if not COUNTS:
        return
    total = sum(COUNTS.values(), Counter())
    rep = request.config.pluginmanager.get_plugin("terminalreporter")
    line = (
        f"fuzz: {len(COUNTS)} targets, {sum(total.values())} calls: ok {total['ok']}, "
        f"typed {total['typed']}, generic {total['generic']}, bad {total['bad']}"
    )
    if rep is not None:
        rep.write_line("")
        rep.write_line(line)
        for t, msg in sorted(EXAMPLES.items()):
            rep.write_line(f"  generic {COUNTS[t]['generic']:4d} {msg}")
    else:  # pragma: no cover
        print(line)


# --- inputs ------------------------------------------------------------------------------------


def _valid_objects():
    from catlearn.probability.statespace.hmm import HMM
    from catlearn.probability.statespace.kalman import LGSSM

    t = jnp.array([[0.9, 0.1], [0.2, 0.8]])
    return [
        cl.Euclid(2),
        cl.Fin(2),
        cl.Bool(2),
        cl.Para.linear(cl.Euclid(2), cl.Euclid(2), name="fz"),
        cl.Finite(t, cl.Fin(2), cl.Fin(2)),
        cl.Finite.state([0.5, 0.5]),
        HMM(jnp.array([0.5, 0.5]), t, t),
        LGSSM(jnp.zeros(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1), jnp.eye(1)),
        cl.sgd(0.1),
    ]


JUNK = st.one_of(
    st.sampled_from([None, True, "", "x", "fc1", -1, 0, 1, 3, 10**6, -(10**9), 2.5, -0.5, 1e300]),
    st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    st.sampled_from(["[]", "[1,2]", "()", "{}", "{'a':1}", "obj"]).map(
        lambda s: {"[]": [], "[1,2]": [1, 2], "()": (), "{}": {}, "{'a':1}": {"a": 1}}.get(
            s, object()
        )
    ),
    st.sampled_from(range(10)).map(
        lambda i: [
            np.array([]),
            np.array([[np.nan]]),
            np.ones((2, 2)),
            np.zeros(3, np.int32),
            np.array(["a", "b"]),
            np.full((2,), np.inf),
            np.arange(4).reshape(2, 2),
            np.ones((1, 2, 3)),
            np.array([0, 1, 9]),
            np.array([0.5, 0.5]),
        ][i]
    ),
    st.sampled_from(range(9)).map(lambda i: _valid_objects()[i]),
)

SKIP = {
    # exception classes and plain records (NamedTuples, dataclasses) take anything by design
    "CatlearnError", "TypeMismatch", "FitResult", "HMMFiltered", "HMMPrediction",
    "HMMSmoothed", "HMMViterbi", "KalmanFiltered", "KalmanPrediction", "KalmanSmoothed",
    "Instruction", "Program", "ReverseLens", "HMMFit", "LGSSMFit", "FunctorFit", "Plan",
    "SampledPosterior", "checkpoint.Checkpoint", "checkpoint.FlatState", "LoopResult",
    "MCMCResult", "Query", "tensor.TensorFit",
    # a Protocol and an abstract base: instantiating them is Python's TypeError by design
    "Engine", "Kernel",
    # side effects by design: joins or launches processes (tests/test_distributed.py)
    "distributed",
    # no required argument, so nothing to fuzz (and each call builds 2000 sentences)
    "sentences.sentence_data", "sentences.sentences", "sentences.vocabulary",
    # abstract base class (instantiating it is Python's TypeError by design)
    "ReverseDerivativeCategory",
}  # fmt: skip
# The public API: the top level and the five area subpackages (one object per name), and the
# public modules they export (nn, vision, checkpoint, sentences) as "module.name".
_SPACES = (cl, cl.core, cl.diagrams, cl.training, cl.probability, cl.boolean)
_OBJECTS: dict[str, object] = {}
for _ns in _SPACES:
    for _n in _ns.__all__:
        _OBJECTS.setdefault(_n, getattr(_ns, _n))
import catlearn.diagrams.pregroup  # noqa: E402  (public modules of the later APIs)
import catlearn.training.tensor  # noqa: E402

_MODULES = (cl.diagrams.nn, cl.diagrams.vision, cl.training.checkpoint, cl.training.sentences,
            cl.diagrams.pregroup, cl.training.tensor)  # fmt: skip
for _mod in _MODULES:
    _short = _mod.__name__.rsplit(".", 1)[-1]
    for _n in _mod.__all__:
        _OBJECTS.setdefault(f"{_short}.{_n}", getattr(_mod, _n))


def _family(name):
    return getattr(cl.probability, name)()


def _net():
    from catlearn.probability.networks.bayesnet import sprinkler

    return sprinkler()


# The later APIs' methods: sufficient statistics of the conjugate families, and the
# sampling path of query with each kind of evidence (issue 22, cause 1).
_LATER_METHODS = {
    "BetaBernoulli.sufficient_statistic": lambda data: _family("BetaBernoulli").sufficient_statistic(data),
    "PoissonGamma.sufficient_statistic": lambda data: _family("PoissonGamma").sufficient_statistic(data),
    "DirichletMultinomial.sufficient_statistic": (
        lambda data: _family("DirichletMultinomial").sufficient_statistic(data)
    ),
    "BayesNet.query[sampling]": lambda variables, evidence: _net().query(
        variables, evidence, method="sampling", num_samples=64, key=jax.random.key(0)
    ),
    "BayesNet.query[sampling, virtual]": lambda variables, virtual: _net().query(
        variables, virtual_evidence=virtual, method="sampling", num_samples=64,
        key=jax.random.key(0),
    ),
    "BayesNet.query[sampling, jeffrey]": lambda variables, jeffrey: _net().query(
        variables, jeffrey_evidence=jeffrey, method="sampling", num_samples=64,
        key=jax.random.key(0),
    ),
    "BayesNet.query[sampling, return_evidence]": lambda variables, evidence: _net().query(
        variables, evidence, method="sampling", num_samples=64, key=jax.random.key(0),
        return_evidence=True,
    ),
}  # fmt: skip

# Methods of public classes that take user data (one target each; the object is valid).
METHODS = {
    "BayesNet.query": lambda variables, evidence: _net().query(variables, evidence),
    "BayesNet.query_batch": lambda variables, evidence: _net().query_batch(variables, evidence),
    "BayesNet.log_evidence": lambda evidence: _net().log_evidence(evidence),
    "BayesNet.map_query": lambda variables, evidence: _net().map_query(variables, evidence),
    "BayesNet.marginal": lambda variables: _net().marginal(variables),
    "BayesNet.with_tables": lambda tables: _net().with_tables(tables),
    "Finite.then": lambda other: cl.Finite.state([0.5, 0.5]).then(other),
    "Para.apply": lambda params, x: cl.Para.linear(cl.Euclid(2), cl.Euclid(1), name="m")(params, x),
    **_LATER_METHODS,
}  # fmt: skip
_LATER = frozenset(_LATER_METHODS)
_OBJECTS.update(METHODS)
# Fuzzed: the names of the first-stage public API (the 119-name top level this session
# replaced), the second stage's (SECOND), the public modules' and the methods above.
SECOND = frozenset([
    "BayesLearner", "DirichletMultinomial", "Functor", "Gamma", "GaussianHMM",
    "GaussianProcess", "LazyFinite", "NoisyMap", "NormalWishart", "NormalWishartFamily",
    "ParticleLens", "Particles", "PoissonGamma", "PoissonHMM", "SymmetricLens", "adagrad",
    "checked", "composite_map", "derivative_ar", "diff", "dream_step", "fit_functor", "fit_gp",
    "hmm_fit_em", "hmm_fit_gradient", "hmm_particle_filter", "importance_invert",
    "learner_to_symmetric", "lens_to_learner", "lgssm_fit_em", "lgssm_fit_gradient",
    "particle_filter", "plan_contraction", "step_params", "supervised_step", "then_density",
    "StateSpec", "apply_train", "with_state",
])  # fmt: skip
# The third stage's (issue 22): network engines and graph queries, GP kernels, the
# approximate-inference lenses, the loop's pieces and predicates (the modules pregroup and
# tensor, and the methods above, are fuzzed by their dotted names).
THIRD = frozenset([
    "JunctionTree", "LikelihoodWeighting", "VariableElimination", "d_separated",
    "conditionally_independent", "disintegrate", "almost_surely_equal", "graph",
    "RBF", "FunctionKernel", "Matern32", "Matern52", "Periodic",
    "mcmc_lens", "particle_lens", "variational_lens", "MCMCInverse", "ParticleInverse",
    "VariationalInverse", "compile_epochs", "run_epochs",
])  # fmt: skip
FUZZED = SECOND | THIRD | {n for n in _OBJECTS if "." in n} | frozenset([
    "BayesLens",
    "BayesNet",
    "Beta",
    "BetaBernoulli",
    "BetaBinomial",
    "Bool",
    "Boolean",
    "Box",
    "CPT",
    "CatlearnError",
    "Circuit",
    "Diagram",
    "Dirichlet",
    "DirichletCategorical",
    "ErrorFn",
    "Euclid",
    "Fin",
    "Finite",
    "FitResult",
    "Gate",
    "HMM",
    "HMMFiltered",
    "HMMPrediction",
    "HMMSmoothed",
    "HMMViterbi",
    "Instruction",
    "KalmanFiltered",
    "KalmanPrediction",
    "KalmanSmoothed",
    "LGSSM",
    "Learner",
    "Lens",
    "LinearGaussian",
    "Merge",
    "NegativeLogLikelihood",
    "Normal",
    "NormalInverseGamma",
    "NormalInverseGammaRegression",
    "NormalKnownVariance",
    "Optimiser",
    "Para",
    "ParaLens",
    "ParamSpec",
    "Program",
    "ReverseDerivativeCategory",
    "ReverseLens",
    "Sampler",
    "Smooth",
    "StochasticMap",
    "Ty",
    "TypeMismatch",
    "absolute_error",
    "accuracy",
    "adam",
    "affine_layer",
    "bayes",
    "bayes_lens",
    "bernoulli_log_prob",
    "bernoulli_map",
    "binarize",
    "binary_cross_entropy",
    "bits_binary",
    "bits_one_hot",
    "boolean_arrows",
    "box_from_function",
    "categorical_log_prob",
    "categorical_map",
    "chain",
    "check_bits",
    "checkpoint",
    "compile",
    "condition",
    "data_mesh",
    "draw_diagram",
    "errors",
    "evaluate",
    "fit",
    "fit_likelihood",
    "from_optax",
    "gaussian_log_prob",
    "gaussian_map",
    "gradient_learner",
    "half_sse",
    "hmm_filter",
    "hmm_log_likelihood",
    "hmm_predict",
    "hmm_sample",
    "hmm_smoother",
    "hmm_viterbi",
    "huber_error",
    "invert",
    "jeffrey_update",
    "kalman_filter",
    "kalman_log_likelihood",
    "kalman_predict",
    "learning_rate",
    "lgssm_sample",
    "likelihood_learner",
    "lut_layer",
    "momentum",
    "mse",
    "nesterov",
    "nn",
    "pearl_update",
    "plot_history",
    "power_error",
    "predict",
    "rda_accuracy",
    "rda_fit",
    "rda_step",
    "rda_trace",
    "rts_smoother",
    "scaled_squared_error",
    "sgd",
    "softmax_cross_entropy",
    "squared_error",
    "to_optax",
    "to_program",
    "train_step",
])  # fmt: skip
PUBLIC = sorted(
    n
    for n, o in _OBJECTS.items()
    if callable(o) and not isinstance(o, types.ModuleType) and n not in SKIP and n in FUZZED
)


def _arity(fn) -> tuple[int, list[str]]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return 1, []
    pos = [
        p
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    kw = [
        p.name for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY and p.default is p.empty
    ]
    return len(pos), kw


def _sweep(name, data, tmp_path, monkeypatch):
    fn = _OBJECTS[name]
    n, kw = _arity(fn)
    args = [data.draw(JUNK) for _ in range(n)]
    kwargs = {k: data.draw(JUNK) for k in kw}
    if "progress" in inspect.signature(fn).parameters if callable(fn) else False:
        kwargs["progress"] = False
    monkeypatch.chdir(tmp_path)  # anything written lands in a scratch directory
    outcome(name, fn, *args, **kwargs)


# The third stage's targets: one example each by default, the known generic ones left to the
# soak profile (their first compile dominates: 46 targets at 6 examples took 33 s on 2 cores;
# the default adds under 5 s), 200 examples each in the soak profile.
THIRD_TARGETS = sorted(
    n for n in PUBLIC if n in THIRD or n.split(".")[0] in ("pregroup", "tensor") or n in _LATER
)
ONE = settings(QUICK, max_examples=1, phases=[Phase.explicit, Phase.generate])  # no shrinking
# Targets the fuzz found answering junk with a plain Python/JAX exception or warning (generic),
# not yet fixed: reported as expected failures (issue 22 follow-up), never silently skipped.
KNOWN_GENERIC: dict[str, str] = {}  # all fixed at their root (the last 12 in issue 22)


def _params(names):
    return [
        pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_GENERIC[n], strict=False))
        if n in KNOWN_GENERIC
        else n
        for n in names
    ]


@pytest.mark.parametrize("name", [n for n in PUBLIC if n not in THIRD_TARGETS])
@QUICK
@given(data=st.data())
def test_public_callable_on_junk(name, data, tmp_path, monkeypatch):
    _sweep(name, data, tmp_path, monkeypatch)


@pytest.mark.parametrize("name", [n for n in THIRD_TARGETS if n not in KNOWN_GENERIC])
@ONE
@given(data=st.data())
def test_later_callable_on_junk(name, data, tmp_path, monkeypatch):
    _sweep(name, data, tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.soak
@pytest.mark.parametrize("name", _params(PUBLIC))
@SLOW
@given(data=st.data())
def test_public_callable_on_junk_slow(name, data, tmp_path, monkeypatch):
    _sweep(name, data, tmp_path, monkeypatch)
