r"""HMM inference cores, sequential (``lax.scan``) and parallel (``associative_scan``).

Shared by :mod:`catlearn.probability.statespace.hmm` (categorical emissions),
:mod:`catlearn.probability.statespace.hmm_emissions` (Gaussian, Poisson) and
:mod:`catlearn.probability.statespace.hmm_learn` (EM, gradient fits). Every model is an
:class:`HMMBase`: an initial distribution, a transition matrix and an emission family that
returns, per observation, the likelihood row :math:`p(y_t \mid z_t = \cdot)` as a scaled
vector ``(lik, log_shift)`` (``lik * exp(log_shift)``), so both the linear-space
sequential filter and the log-space parallel one read the same emission code.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, cast, overload

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import is_concrete as concrete
from catlearn.core.types import Fin
from catlearn.errors import NonFiniteError, NotStochasticError, ShapeError
from catlearn.probability.kernels._checks import prob_tol
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.statespace._parallel import (
    EvidenceKernel,
    MaxPlusKernel,
    Pointer,
    backward,
    prefix,
    reduce,
)

__all__ = [
    "HMMBase",
    "check_table",
    "concrete",
    "filter_parallel",
    "filter_sequential",
    "log_likelihood_parallel",
    "log_likelihoods",
    "smooth_parallel",
    "smooth_sequential",
    "viterbi_parallel",
    "viterbi_sequential",
]


def check_table(name: str, a: Any, *, ndim: int) -> None:
    """Validate a stochastic table eagerly (skipped for traced arrays)."""
    if a.ndim != ndim:
        want = "(num_states,)" if ndim == 1 else "(num_states, num_states|num_symbols)"
        raise ShapeError(
            f"Expected the HMM {name} to have shape {want}, got shape {tuple(a.shape)} instead."
        )
    if 0 in a.shape:
        raise ShapeError(
            f"Expected a non-empty HMM {name} (at least one state), got shape "
            f"{tuple(a.shape)} instead; pass a table with one row per hidden state."
        )
    if not concrete(a):
        return
    v = np.asarray(a, dtype=np.float64).reshape(-1, a.shape[-1])
    bad = ~np.isfinite(v)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise NonFiniteError(
            f"The HMM {name} contains NaN or inf (row {row}: {v[row].tolist()}). "
            f"Expected finite probabilities; check the parameters that built it."
        )
    if (v < 0).any():
        row = int(np.argwhere(v < 0)[0][0])
        raise NotStochasticError(
            f"Row {row} of the HMM {name} has a negative entry: {v[row].tolist()}. "
            f"Expected probabilities >= 0; clip or re-normalise the table."
        )
    sums = v.sum(axis=-1)
    tol = prob_tol(a.dtype)
    wrong = np.abs(sums - 1.0) > tol
    if wrong.any():
        row = int(np.argmax(wrong))
        raise NotStochasticError(
            f"Row {row} of the HMM {name} sums to {sums[row]:.6g}, expected 1 "
            f"(within {tol}); divide each row by its sum."
        )


class HMMBase(eqx.Module):
    r"""A hidden Markov model: ``initial`` :math:`\pi` (k,), ``transition`` :math:`A` (k, k)
    and an emission family (the subclass). Subclasses implement :meth:`likelihood` and
    :meth:`check_obs`; all inference functions of :mod:`catlearn.probability.statespace.hmm` accept any
    subclass."""

    initial: eqx.AbstractVar[jax.Array]
    transition: eqx.AbstractVar[jax.Array]
    obs_ndim: ClassVar[int] = 1
    """Dimensions of one observation sequence: 1 for symbols ``(T,)``, 2 for vectors ``(T, d)``."""

    @property
    def num_states(self) -> int:
        """Number of hidden states ``k``."""
        return int(self.initial.shape[0])

    def likelihood(self, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        r"""``(lik, log_shift)`` with :math:`p(y \mid z = i) = \mathrm{lik}_i e^{\mathrm{log\_shift}}`
        for one observation ``y``; a missing observation gives ``(ones, 0)``."""
        raise errors.UnsupportedError("Subclasses define this method.")

    def check_obs(self, obs: Any) -> jax.Array:
        """Validate one observation sequence (leading axis time) and return it as an array."""
        raise errors.UnsupportedError("Subclasses define this method.")


def log_likelihoods(model: HMMBase, obs: jax.Array) -> jax.Array:
    r"""The ``(T, k)`` matrix :math:`\log p(y_t \mid z_t = i)`."""
    lik, shift = jax.vmap(model.likelihood)(obs)
    return jnp.log(lik) + shift[:, None]


# --- sequential -----------------------------------------------------------------------------


@overload
def filter_sequential(
    model: HMMBase, obs: jax.Array, *, keep: Literal[True]
) -> tuple[jax.Array, jax.Array, jax.Array]: ...
@overload
def filter_sequential(
    model: HMMBase, obs: jax.Array, *, keep: Literal[False]
) -> tuple[jax.Array, None, None]: ...
def filter_sequential(
    model: HMMBase, obs: jax.Array, *, keep: bool
) -> tuple[jax.Array, jax.Array | None, jax.Array | None]:
    """Scaled forward pass: ``(log p(y), filtered, predicted)`` (the last two ``None`` unless
    ``keep``)."""
    transition = model.transition

    def step(
        carry: tuple[jax.Array, jax.Array], y: jax.Array
    ) -> tuple[tuple[jax.Array, jax.Array], tuple[jax.Array, jax.Array] | None]:
        pred, ll = carry
        lik, shift = model.likelihood(y)
        unnorm = pred * lik
        c = jnp.sum(unnorm)
        filt = jnp.where(c > 0, unnorm / c, pred)  # zero evidence -> the prior (no NaN)
        return (filt @ transition, ll + jnp.log(c) + shift), ((filt, pred) if keep else None)

    init = (model.initial, jnp.zeros((), model.initial.dtype))
    (_, ll), out = jax.lax.scan(step, init, obs)
    kept = cast("tuple[jax.Array, jax.Array]", out)  # not None when keep
    return (ll, kept[0], kept[1]) if keep else (ll, None, None)


def smooth_sequential(
    transition: jax.Array, filtered: jax.Array, predicted: jax.Array
) -> jax.Array:
    """RTS-form backward pass: ``s_t = s_{t+1} >> A†_{filtered_t}``."""

    def step(s_next: jax.Array, xs: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
        filt, pred_next = xs
        ok = pred_next > 0
        ratio = jnp.where(ok, s_next / jnp.where(ok, pred_next, 1.0), 0.0)
        s = filt * (transition @ ratio)
        s = s / jnp.sum(s)
        return s, s

    last = filtered[-1]
    _, rest = jax.lax.scan(step, last, (filtered[:-1], predicted[1:]), reverse=True)
    return jnp.concatenate([rest, last[None]], axis=0)


def tie_tolerance(dtype: Any) -> float:
    r"""Scores within :math:`\sqrt{\varepsilon}` of the best count as tied in Viterbi
    (``1.5e-8`` in float64, ``3.5e-4`` in float32)."""
    return float(np.sqrt(np.finfo(dtype).eps))


def tie_argmax(scores: jax.Array, axis: int = 0) -> jax.Array:
    r"""The *lowest* index whose score is within :func:`tie_tolerance` of the maximum.

    Optimal Viterbi paths are often not unique: two paths whose states are a permutation of
    each other over steps with equal observations (``0 0 2 0`` and ``0 2 0 0`` under
    ``y y``) have equal scores in exact arithmetic, and which one a plain ``argmax`` picks
    then depends on rounding, which differs between the sequential scan and the tree of the
    associative scan. Breaking near-ties towards the lowest index makes both methods choose
    the same back-pointers (hence the same path) while their scores differ by less than
    the tolerance.
    """
    best = jnp.max(scores, axis=axis, keepdims=True)
    near = scores >= best - tie_tolerance(scores.dtype)
    return jnp.argmax(near, axis=axis).astype(jnp.int32)


def viterbi_sequential(model: HMMBase, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Max-product forward pass with back-pointers, re-centred each step: ``(path, log_prob)``.
    Near-ties go to the lowest index (:func:`tie_argmax`)."""
    log_a = jnp.log(model.transition)
    log_b = log_likelihoods(model, obs)
    d0 = jnp.log(model.initial) + log_b[0]
    m0 = jnp.max(d0)

    def fwd(
        carry: tuple[jax.Array, jax.Array], lb: jax.Array
    ) -> tuple[tuple[jax.Array, jax.Array], jax.Array]:
        delta, off = carry
        scores = delta[:, None] + log_a
        ptr = tie_argmax(scores, axis=0)
        delta = jnp.max(scores, axis=0) + lb
        m = jnp.max(delta)
        return (delta - m, off + m), ptr

    (delta, off), ptrs = jax.lax.scan(fwd, (d0 - m0, m0), log_b[1:])
    last = tie_argmax(delta)

    def back(z: jax.Array, ptr: jax.Array) -> tuple[jax.Array, jax.Array]:
        z_prev = ptr[z]
        return z_prev, z_prev

    _, path = jax.lax.scan(back, last, ptrs, reverse=True)
    return jnp.concatenate([path, last[None]]), off + delta[last]


# --- parallel -------------------------------------------------------------------------------


def _filter_elements(model: HMMBase, obs: jax.Array) -> EvidenceKernel:
    """Element ``t``: the transition conditioned on ``y_t`` (element 0: the initial state,
    every row equal)."""
    ll = log_likelihoods(model, obs)
    k = model.num_states
    first = EvidenceKernel.condition(jnp.broadcast_to(model.initial, (k, k)), ll[0])
    rest = jax.vmap(EvidenceKernel.condition, in_axes=(None, 0))(model.transition, ll[1:])
    return cast(
        EvidenceKernel,
        jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a[None], b]), first, rest),
    )


def filter_parallel(model: HMMBase, obs: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``(log p(y), filtered, predicted)`` by a prefix scan of conditioned kernels."""
    out = prefix(_filter_elements(model, obs))
    filtered = out.table[:, 0, :]
    predicted = jnp.concatenate([model.initial[None], filtered[:-1] @ model.transition])
    return out.log_evidence[-1, 0], filtered, predicted


def log_likelihood_parallel(model: HMMBase, obs: jax.Array) -> jax.Array:
    """``log p(y)`` by a balanced-tree reduction of the same elements (no marginals kept)."""
    k = model.num_states
    dt = model.initial.dtype
    identity = EvidenceKernel(jnp.eye(k, dtype=dt), jnp.zeros(k, dt))
    return reduce(_filter_elements(model, obs), identity).log_evidence[0]


def smooth_parallel(transition: jax.Array, filtered: jax.Array, predicted: jax.Array) -> jax.Array:
    """Smoothed marginals as a chain of backward kernels :math:`A^\\dagger_{f_t}` (stochastic
    tables ``z_{t+1} -> z_t``), composed latest-first by a reverse associative scan."""
    f, p_next = filtered[:-1], predicted[1:]
    ok = p_next > 0
    # back[t, j, i] = f_t(i) A(i, j) / p_{t+1}(j)
    back = f[:, None, :] * transition.T[None] / jnp.where(ok, p_next, 1.0)[:, :, None]
    back = jnp.where(ok[:, :, None], back, f[:, None, :])
    back = back / jnp.sum(back, axis=2, keepdims=True)
    k = filtered.shape[1]
    last = jnp.broadcast_to(filtered[-1], (k, k))
    tables = jnp.concatenate([back, last[None]])
    z = Fin(k)
    kernels = jax.vmap(lambda t: Finite(t, z, z, validate=False))(tables)
    # the library's own Finite >>, each composite evaluated to a box (the scan's carry)
    chain: Finite = jax.lax.associative_scan(
        jax.vmap(lambda a, b: (a >> b).evaluate()), kernels, reverse=True
    )
    return chain.array[:, 0, :]


def viterbi_parallel(model: HMMBase, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
    r"""A max-product prefix scan gives :math:`\delta_t` (best path into each state, centred);
    the back-pointers :math:`\psi_t(j) = \arg\max_i \delta_{t-1}(i) + \log A_{ij}` are then
    elementwise in ``t``, and the backtrace is a reverse scan of their composition
    (:class:`Pointer`): :math:`z_t = (\psi_{T-1} \gg \dots \gg \psi_{t+1})(z_{T-1})`.

    The path is the backtrace of *one* path, as in the sequential pass. (Taking
    :math:`\arg\max_j \delta_t(j) + \beta_t(j)` per step instead mixes different optimal
    paths wherever the optimum is not unique, which is common: at ``T = 1e5`` it returned a
    path 374 steps off and ``1388`` nats less likely.)"""
    ll = log_likelihoods(model, obs)
    k = model.num_states
    log_a = jnp.log(model.transition)
    first = MaxPlusKernel.centre(jnp.broadcast_to(jnp.log(model.initial) + ll[0], (k, k)))
    rest = jax.vmap(lambda lt: MaxPlusKernel.centre(log_a + lt[None, :]))(ll[1:])
    elems = jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a[None], b]), first, rest)
    fwd = prefix(elems)
    delta = fwd.score[:, 0, :]  # centred: each row's maximum is exactly 0
    last = tie_argmax(delta[-1])
    log_prob = fwd.offset[-1, 0] + delta[-1, last]
    if obs.shape[0] == 1:
        return last[None], log_prob
    ptrs = jax.vmap(lambda d: tie_argmax(d[:, None] + log_a, axis=0))(delta[:-1])
    to_t = backward(Pointer(ptrs)).table  # to_t[t]: z_{T-1} -> z_t
    return jnp.concatenate([to_t[:, last], last[None]]), log_prob
