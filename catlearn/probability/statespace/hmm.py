r"""Discrete hidden Markov models: filtering, smoothing, likelihood, prediction, Viterbi.

An HMM is three Markov kernels between finite sets: an initial state
:math:`\pi : I \to Z`, a transition :math:`A : Z \to Z` and an emission :math:`B : Z \to Y`.
Filtering is a chain of Bayesian lenses (Braithwaite, Hedges, St Clere Smithe, *The
compositional structure of Bayesian inference*): each step pushes the current belief through the
transition (composition, Chapman–Kolmogorov) and then pulls it back through the emission at
the observed symbol (Bayesian inversion, Cho–Jacobs):

.. math::
   p(z_t \mid y_{<t}) = p(z_{t-1} \mid y_{<t}) \gg A, \qquad
   p(z_t \mid y_{\le t}) = B^\dagger_{p(z_t \mid y_{<t})}(y_t).

The smoother inverts the transition against the filtered belief and composes,
:math:`p(z_t \mid y_{1:T}) = p(z_{t+1} \mid y_{1:T}) \gg A^\dagger_{p(z_t \mid y_{\le t})}`
(the Rauch–Tung–Striebel form of forward–backward). Everything runs in one
:func:`jax.lax.scan`, normalised at each step (so 10⁴ steps do not underflow), and is
``jit``-, ``vmap``- and ``grad``-able.

Parallel time: every inference function takes ``method="sequential" | "parallel" | "auto"``.
The filter is the composite :math:`e_0 \gg e_1 \gg \dots \gg e_{T-1}` of the transition
kernels conditioned on each observation, and composition is associative, so
``"parallel"`` evaluates all its prefixes with :func:`jax.lax.associative_scan` in
:math:`O(\log T)` depth (Hassan, Särkkä & García-Fernández, IEEE TSP 2021). ``"auto"``
chooses by backend and length (sequential on CPU, where it was measured faster at every
length; parallel from :math:`T = 256` on GPU/TPU, a rule from the depth argument, not
measured). The emission family is a type: :class:`HMM` (categorical),
:class:`~catlearn.probability.statespace.hmm_emissions.GaussianHMM`,
:class:`~catlearn.probability.statespace.hmm_emissions.PoissonHMM`.

Conventions: observation ``y_0`` is emitted by ``z_0 ~ initial``. An observation of zero
evidence (``p(y_t \mid y_{<t}) = 0``) gives log-likelihood ``-inf`` and, as for an inverse
kernel at a zero-evidence point, leaves the belief at its prior (the predicted state); no NaN.

>>> import jax.numpy as jnp
>>> hmm = HMM(jnp.array([0.8, 0.2]), jnp.array([[0.6, 0.4], [0.5, 0.5]]),
...           jnp.array([[0.2, 0.4, 0.4], [0.5, 0.4, 0.1]]))   # Jurafsky's ice cream
>>> obs = jnp.array([2, 0, 2])                                  # 3, 1, 3 ice creams
>>> hmm.viterbi(obs).path
Array([0, 1, 0], dtype=int32)
>>> round(float(jnp.exp(hmm.log_likelihood(obs))), 6)
0.028562
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from catlearn.core.checked import as_array, as_key
from catlearn.errors import (
    DataError,
    EmissionFamilyError,
    ShapeError,
    SupportError,
    TypeMismatch,
)
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.statespace import _hmm_infer as infer
from catlearn.probability.statespace._hmm_infer import HMMBase, check_table, concrete
from catlearn.probability.statespace._parallel import resolve_method

__all__ = [
    "HMM",
    "HMMBase",
    "HMMFiltered",
    "HMMPrediction",
    "HMMSmoothed",
    "HMMViterbi",
    "hmm_filter",
    "hmm_log_likelihood",
    "hmm_predict",
    "hmm_sample",
    "hmm_smoother",
    "hmm_viterbi",
]


class HMM(HMMBase):
    r"""A discrete hidden Markov model :math:`(\pi, A, B)`, a JAX pytree.

    ``initial[i]`` :math:`= p(z_0 = i)`, ``transition[i, j]`` :math:`= p(z_{t+1} = j \mid z_t = i)`,
    ``emission[i, y]`` :math:`= p(y_t = y \mid z_t = i)`. Validated at construction
    (shapes, finiteness, rows summing to 1) unless the arrays are traced. Rabiner,
    *A tutorial on hidden Markov models* (1989).

    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.eye(2), jnp.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> hmm.num_states, hmm.num_symbols
    (2, 2)
    """

    initial: jax.Array
    transition: jax.Array
    emission: jax.Array

    def __init__(self, initial: ArrayLike, transition: ArrayLike, emission: ArrayLike) -> None:
        initial, transition, emission = (
            as_array(a, f"the HMM {what}", fix="pass a probability table (a list or an array)")
            for a, what in zip(
                (initial, transition, emission),
                ("initial distribution", "transition matrix", "emission matrix"),
            )
        )
        if not jnp.issubdtype(initial.dtype, jnp.floating):
            initial, transition, emission = (
                a.astype(jnp.zeros(()).dtype) for a in (initial, transition, emission)
            )
        check_table("initial distribution", initial, ndim=1)
        check_table("transition matrix", transition, ndim=2)
        check_table("emission matrix", emission, ndim=2)
        k = initial.shape[0]
        if transition.shape != (k, k) or emission.shape[0] != k:
            raise ShapeError(
                f"Expected transition of shape ({k}, {k}) and emission of shape ({k}, m) for "
                f"{k} states, got {tuple(transition.shape)} and {tuple(emission.shape)} instead."
            )
        self.initial, self.transition, self.emission = initial, transition, emission

    def likelihood(self, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        """The emission column :math:`p(y \\mid z = \\cdot)` of symbol ``y`` (no shift)."""
        # a symbol out of range (traced, unvalidated) has probability 0: ll = -inf, never a clamp
        column = self.emission.at[:, y].get(mode="fill", fill_value=0, wrap_negative_indices=False)
        return column, jnp.zeros((), self.emission.dtype)

    def check_obs(self, obs: ArrayLike) -> jax.Array:
        """Integer symbols ``0..m-1`` of shape ``(T,)``, ``T >= 1``."""
        return _check_obs(self, obs)

    @property
    def num_symbols(self) -> int:
        """Number of observation symbols ``m``."""
        return int(self.emission.shape[1])

    @classmethod
    def from_kernels(
        cls,
        initial: Finite | ArrayLike,
        transition: Finite | ArrayLike,
        emission: Finite | ArrayLike,
    ) -> HMM:
        """Build an HMM from :class:`catlearn.probability.kernels.markov.Finite` kernels (or plain arrays).

        ``initial`` is a state on ``Fin(k)``, ``transition`` a kernel ``Fin(k) -> Fin(k)``,
        ``emission`` a kernel ``Fin(k) -> Fin(m)``.

        >>> HMM.from_kernels(jnp.ones(2) / 2, jnp.eye(2), jnp.eye(2)).num_states
        2
        """
        return cls(*(_table(a) for a in (initial, transition, emission)))

    def to_kernels(self) -> tuple[Finite, Finite, Finite]:
        """The three :class:`catlearn.probability.kernels.markov.Finite` kernels ``(initial, transition, emission)``.

        >>> pi, a, b = HMM(jnp.ones(2) / 2, jnp.eye(2), jnp.eye(2)).to_kernels()
        >>> (pi >> a >> b).array.tolist()
        [0.5, 0.5]
        """
        from catlearn.core.types import Fin

        k, m = Fin(self.num_states), Fin(self.num_symbols)
        return (
            Finite.state(self.initial, k),
            Finite(self.transition, k, k),
            Finite(self.emission, k, m),
        )

    # convenience methods (each one calls the module function of the same name) -----------
    def filter(self, obs: ArrayLike, *, method: str = "auto") -> HMMFiltered:
        """:func:`hmm_filter` of this model."""
        return hmm_filter(self, obs, method=method)

    def smooth(self, obs: ArrayLike, *, method: str = "auto") -> HMMSmoothed:
        """:func:`hmm_smoother` of this model."""
        return hmm_smoother(self, obs, method=method)

    def log_likelihood(self, obs: ArrayLike, *, method: str = "auto") -> jax.Array:
        """:func:`hmm_log_likelihood` of this model."""
        return hmm_log_likelihood(self, obs, method=method)

    def predict(self, obs: ArrayLike, n: int) -> HMMPrediction:
        """:func:`hmm_predict` of this model."""
        return hmm_predict(self, obs, n)

    def viterbi(self, obs: ArrayLike, *, method: str = "auto") -> HMMViterbi:
        """:func:`hmm_viterbi` of this model."""
        return hmm_viterbi(self, obs, method=method)

    def sample(self, num_steps: int, *, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        """:func:`hmm_sample` of this model."""
        return hmm_sample(self, num_steps, key=key)


def _table(a: Any) -> jax.Array:
    """The probability table of a :class:`Finite` kernel, or an array as given."""
    if isinstance(a, Finite):
        t = a.array
        if t.ndim == 2 and t.shape[0] == 1:  # a state given as a kernel from a one-point set
            t = t[0]
        return t
    if not isinstance(a, jax.Array | np.ndarray | list | tuple):
        raise TypeMismatch(
            f"Expected a Finite kernel or an array, got a {type(a).__name__} instead; "
            f"HMM.from_kernels builds categorical HMMs from Finite kernels (or their tables)."
        )
    return jnp.asarray(a)


class HMMFiltered(NamedTuple):
    r"""Result of :func:`hmm_filter` (leading axis: time ``T``).

    ``log_likelihood`` :math:`= \log p(y_{0:T-1})`; ``filtered[t]`` :math:`= p(z_t \mid y_{\le t})`;
    ``predicted[t]`` :math:`= p(z_t \mid y_{<t})`.

    >>> import jax.numpy as jnp
    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
    ...           jnp.array([[0.8, 0.2], [0.3, 0.7]]))
    >>> r = hmm_filter(hmm, jnp.array([0, 1]))
    >>> r.log_likelihood.shape, r.filtered.shape, r.predicted.shape
    ((), (2, 2), (2, 2))
    """

    log_likelihood: jax.Array  # ()
    filtered: jax.Array  # (T, k)
    predicted: jax.Array  # (T, k)


class HMMSmoothed(NamedTuple):
    r"""Result of :func:`hmm_smoother`: the filter's fields and ``smoothed[t]`` :math:`= p(z_t \mid y_{0:T-1})`.

    >>> import jax.numpy as jnp
    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
    ...           jnp.array([[0.8, 0.2], [0.3, 0.7]]))
    >>> s = hmm_smoother(hmm, jnp.array([0, 1]))
    >>> s.smoothed.shape, bool(jnp.allclose(s.smoothed[-1], s.filtered[-1]))  # last: equal
    ((2, 2), True)
    """

    log_likelihood: jax.Array  # ()
    filtered: jax.Array  # (T, k)
    predicted: jax.Array  # (T, k)
    smoothed: jax.Array  # (T, k)


class HMMPrediction(NamedTuple):
    r"""Result of :func:`hmm_predict`: ``states[h-1]`` :math:`= p(z_{T-1+h} \mid y_{0:T-1})` and
    ``observations[h-1]`` :math:`= p(y_{T-1+h} \mid y_{0:T-1})` for ``h = 1..n``.

    >>> import jax.numpy as jnp
    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
    ...           jnp.array([[0.8, 0.2], [0.3, 0.7]]))
    >>> p = hmm_predict(hmm, jnp.array([1]), 3)
    >>> p.states.shape, p.observations.shape
    ((3, 2), (3, 2))
    """

    states: jax.Array  # (n, k)
    observations: jax.Array  # (n, m)


class HMMViterbi(NamedTuple):
    r"""Result of :func:`hmm_viterbi`: the most probable path
    :math:`\arg\max_{z} p(z_{0:T-1} \mid y_{0:T-1})` and :math:`\log p(z^*, y)` of it.

    >>> import jax.numpy as jnp
    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
    ...           jnp.array([[0.8, 0.2], [0.3, 0.7]]))
    >>> v = hmm_viterbi(hmm, jnp.array([0, 0, 1, 1]))
    >>> v.path, round(float(v.log_prob), 4)     # log(.5 * .3 * .9 * .3 * .9 * .7 * .9 * .7)
    (Array([1, 1, 1, 1], dtype=int32), -4.1305)
    """

    path: jax.Array  # (T,) int32
    log_prob: jax.Array  # ()


def _check_model(hmm: Any) -> None:
    if not isinstance(hmm, HMMBase):
        raise TypeMismatch(
            f"Expected an HMM (HMM, GaussianHMM or PoissonHMM) as first argument, got "
            f"{type(hmm).__name__} instead; build one with HMM(initial, transition, emission)."
        )


def _categorical(hmm: Any, message: str) -> None:
    """Raise :class:`~catlearn.errors.EmissionFamilyError` (``message`` formatted with the
    model's class name) unless ``hmm`` is a categorical :class:`HMM` (other models checked)."""
    if not isinstance(hmm, HMM):
        _check_model(hmm)
        raise EmissionFamilyError(message.format(type(hmm).__name__))


def _check_obs(hmm: HMM, obs: Any) -> jax.Array:
    obs = as_array(obs, "the observations", fix="pass integer symbols, e.g. jnp.array([0, 1])")
    if obs.ndim != 1:
        raise ShapeError(
            f"Expected one sequence of observations of shape (T,), got an array of shape "
            f"{tuple(obs.shape)} instead. For a batch of sequences use "
            f"jax.vmap(lambda y: hmm_filter(hmm, y))(batch)."
        )
    if obs.shape[0] == 0:
        raise DataError("Expected at least one observation, got an empty sequence.")
    if not jnp.issubdtype(obs.dtype, jnp.integer):
        raise EmissionFamilyError(
            f"Expected integer observation symbols in 0..{hmm.num_symbols - 1}, got "
            f"an array of dtype {obs.dtype} instead; convert with .astype(int)."
        )
    if concrete(obs):
        v = np.asarray(obs)
        bad = (v < 0) | (v >= hmm.num_symbols)
        if bad.any():
            t = int(np.argmax(bad))
            raise SupportError(
                f"Observation y[{t}] = {int(v[t])} lies outside the symbols 0..{hmm.num_symbols - 1} "
                f"of the emission matrix (shape {tuple(hmm.emission.shape)}). Expected symbols in "
                f"range; re-encode the data or enlarge the emission matrix."
            )
    return cast(jax.Array, obs)


def _prepare(hmm: Any, obs: Any, method: str, kind: str) -> tuple[jax.Array, str]:
    _check_model(hmm)
    obs = hmm.check_obs(obs)
    return obs, resolve_method(method, int(obs.shape[0]), kind)


def hmm_filter(hmm: HMMBase, obs: ArrayLike, *, method: str = "auto") -> HMMFiltered:
    r"""Forward filter: :math:`p(z_t \mid y_{\le t})` for every ``t`` and :math:`\log p(y)`.

    ``method="sequential"``: one ``lax.scan``; each step composes with the transition and
    inverts the emission at :math:`y_t`, normalising by :math:`c_t = p(y_t \mid y_{<t})`, so
    :math:`\log p(y) = \sum_t \log c_t` (Rabiner 1989, the scaled forward algorithm).
    ``method="parallel"``: the prefix composites :math:`e_0 \gg \dots \gg e_t` of the
    conditioned transition kernels by ``associative_scan`` (Hassan, Särkkä &
    García-Fernández 2021), rows re-normalised with the scale kept in log space.
    ``"auto"``: as in the module docstring (sequential on CPU).

    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.eye(2), jnp.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> hmm_filter(hmm, jnp.array([0, 0])).filtered[-1].round(4)
    Array([0.9529, 0.0471], dtype=float32)
    >>> hmm_filter(hmm, jnp.array([0, 0]), method="parallel").filtered[-1].round(4)
    Array([0.9529, 0.0471], dtype=float32)
    """
    obs, method = _prepare(hmm, obs, method, "hmm")
    return cast(HMMFiltered, _filter(hmm, obs, method))


@partial(jax.jit, static_argnums=2)
def _filter(hmm: HMMBase, obs: jax.Array, method: str) -> HMMFiltered:
    if method == "parallel":
        return HMMFiltered(*infer.filter_parallel(hmm, obs))
    return HMMFiltered(*infer.filter_sequential(hmm, obs, keep=True))


def hmm_log_likelihood(hmm: HMMBase, obs: ArrayLike, *, method: str = "auto") -> jax.Array:
    r""":math:`\log p(y_{0:T-1})`, without storing marginals.

    Sequential: the scaled forward pass. Parallel: a balanced-tree reduction
    :math:`((e_0 \gg e_1) \gg (e_2 \gg e_3)) \gg \dots` of the conditioned kernels.

    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.eye(2), jnp.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> float(hmm_log_likelihood(hmm, jnp.array([0]))).__round__(4)   # log 0.55
    -0.5978
    """
    obs, method = _prepare(hmm, obs, method, "hmm")
    return cast(jax.Array, _log_likelihood(hmm, obs, method))


@partial(jax.jit, static_argnums=2)
def _log_likelihood(hmm: HMMBase, obs: jax.Array, method: str) -> jax.Array:
    if method == "parallel":
        return infer.log_likelihood_parallel(hmm, obs)
    return infer.filter_sequential(hmm, obs, keep=False)[0]


def hmm_smoother(hmm: HMMBase, obs: ArrayLike, *, method: str = "auto") -> HMMSmoothed:
    r"""Forward–backward smoother: :math:`p(z_t \mid y_{0:T-1})` for every ``t``.

    Backward recursion in RTS form, a Bayesian inversion of the transition against the
    filtered belief followed by composition:
    :math:`s_t(i) = f_t(i) \sum_j A_{ij}\, s_{t+1}(j) / p_{t+1}(j)`
    with :math:`p_{t+1} = f_t A`. Rabiner (1989); Särkkä, *Bayesian Filtering and Smoothing*.
    Parallel: the backward kernels :math:`A^\dagger_{f_t}` are stochastic tables, composed
    latest-first by a reverse associative scan.

    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.eye(2), jnp.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> hmm_smoother(hmm, jnp.array([0, 0])).smoothed[0].round(4)
    Array([0.9529, 0.0471], dtype=float32)
    """
    obs, method = _prepare(hmm, obs, method, "hmm")
    return cast(HMMSmoothed, _smoother(hmm, obs, method))


@partial(jax.jit, static_argnums=2)
def _smoother(hmm: HMMBase, obs: jax.Array, method: str) -> HMMSmoothed:
    f = cast(HMMFiltered, _filter(hmm, obs, method))
    smooth = infer.smooth_parallel if method == "parallel" else infer.smooth_sequential
    return HMMSmoothed(*f, smooth(hmm.transition, f.filtered, f.predicted))


def hmm_predict(hmm: HMM, obs: ArrayLike, n: int, *, method: str = "auto") -> HMMPrediction:
    r"""``n``-step prediction: :math:`p(z_{T-1+h} \mid y)` and :math:`p(y_{T-1+h} \mid y)`, h=1..n.

    Composition of the last filtered belief with :math:`A^h` (and then :math:`B`).

    >>> hmm = HMM(jnp.array([1.0, 0.0]), jnp.array([[0.0, 1.0], [1.0, 0.0]]), jnp.eye(2))
    >>> hmm_predict(hmm, jnp.array([0]), 3).states
    Array([[0., 1.],
           [1., 0.],
           [0., 1.]], dtype=float32)
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise DataError(f"Expected a number of steps n >= 1, got n={n!r} instead.")
    _categorical(
        hmm,
        "hmm_predict returns a table of symbol probabilities, so it needs a categorical HMM; "
        "got a {}. Use hmm_filter(...).filtered[-1] @ matrix_power(transition, h) for the "
        "state prediction.",
    )
    obs, method = _prepare(hmm, obs, method, "hmm")
    return cast(HMMPrediction, _predict(hmm, obs, int(n), method))


@partial(jax.jit, static_argnums=(2, 3))
def _predict(hmm: HMM, obs: jax.Array, n: int, method: str) -> HMMPrediction:
    f = cast(HMMFiltered, _filter(hmm, obs, method))

    def step(b: jax.Array, _: None) -> tuple[jax.Array, jax.Array]:
        b = b @ hmm.transition
        return b, b

    _, states = jax.lax.scan(step, f.filtered[-1], None, length=n)
    return HMMPrediction(states, states @ hmm.emission)


def hmm_viterbi(hmm: HMMBase, obs: ArrayLike, *, method: str = "auto") -> HMMViterbi:
    r"""Most probable hidden path :math:`\arg\max_z p(z, y)` (Viterbi, 1967), in log space.

    Sequential: max-product forward pass :math:`\delta_t(j) = \max_i [\delta_{t-1}(i) +
    \log A_{ij}] + \log B_{j y_t}`, re-centred each step (the offsets are added back to
    ``log_prob``), then a reverse ``scan`` over the stored back-pointers. Parallel: the same
    kernels in the max-plus semiring, a prefix scan for :math:`\delta_t`, the back-pointers
    :math:`\psi_t(j) = \arg\max_i \delta_{t-1}(i) + \log A_{ij}` elementwise in ``t``, and
    the backtrace as a reverse scan of their composition (functions between finite sets):
    :math:`O(\log T)` depth. Optimal paths are often not unique (exact ties); both methods
    break near-ties (within :math:`\sqrt{\varepsilon}` of the best score) towards the lowest
    state index, so they return the same path. ``"auto"`` is sequential on CPU (the O(k^3)
    scan has no width to use there), parallel from ``T = 256`` on GPU/TPU (not measured).

    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]), jnp.eye(2) * 0.8 + 0.1)
    >>> hmm_viterbi(hmm, jnp.array([0, 0, 1, 1])).path
    Array([0, 0, 1, 1], dtype=int32)
    """
    obs, method = _prepare(hmm, obs, method, "viterbi")
    return cast(HMMViterbi, _viterbi(hmm, obs, method))


@partial(jax.jit, static_argnums=2)
def _viterbi(hmm: HMMBase, obs: jax.Array, method: str) -> HMMViterbi:
    run = infer.viterbi_parallel if method == "parallel" else infer.viterbi_sequential
    return HMMViterbi(*run(hmm, obs))


def hmm_sample(hmm: HMM, num_steps: int, *, key: jax.Array) -> tuple[jax.Array, jax.Array]:
    r"""Sample ``(states, observations)``, each of shape ``(num_steps,)``, from the joint
    :math:`p(z_{0:T-1}, y_{0:T-1})`.

    >>> states, obs = hmm_sample(HMM(jnp.array([1.0, 0.0]), jnp.eye(2), jnp.eye(2)), 4,
    ...                          key=jax.random.key(0))
    >>> obs
    Array([0, 0, 0, 0], dtype=int32)
    """
    if not isinstance(num_steps, int | np.integer) or num_steps < 1:
        raise DataError(f"Expected num_steps >= 1, got {num_steps!r} instead.")
    _categorical(
        hmm,
        "hmm_sample draws symbols from a categorical HMM, got a {}; build one with "
        "HMM(initial, transition, emission).",
    )
    return cast("tuple[jax.Array, jax.Array]", _sample(hmm, int(num_steps), as_key(key)))


@partial(jax.jit, static_argnums=1)
def _sample(hmm: HMM, num_steps: int, key: jax.Array) -> tuple[jax.Array, jax.Array]:
    log_a, log_b = jnp.log(hmm.transition), jnp.log(hmm.emission)
    k0, k1, k2 = jax.random.split(key, 3)
    z0 = jax.random.categorical(k0, jnp.log(hmm.initial))

    def step(z: jax.Array, k: jax.Array) -> tuple[jax.Array, jax.Array]:
        z = jax.random.categorical(k, log_a[z])
        return z, z

    _, zs = jax.lax.scan(step, z0, jax.random.split(k1, num_steps - 1))
    states = jnp.concatenate([z0[None], zs]).astype(jnp.int32)
    ys = jax.random.categorical(k2, log_b[states]).astype(jnp.int32)
    return states, ys
