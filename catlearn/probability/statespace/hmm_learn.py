r"""Learning HMM parameters: Baum–Welch (EM) and gradient ascent through the filter.

**EM** (Baum 1970; Rabiner 1989; Dempster, Laird & Rubin 1977). The E-step is the smoother
(sequential or parallel); the expected transition counts come from the same backward
kernels the smoother composes,
:math:`\xi_t(i, j) = f_t(i) A_{ij} s_{t+1}(j) / p_{t+1}(j)`; the M-step is closed form per
emission family (categorical counts, Gaussian weighted moments, Poisson weighted means).
Each iteration cannot decrease :math:`\log p(y)` (tested). Runs as one ``lax.while_loop``
over iterations (stopping early once an iteration gains less than ``tol``), ``vmap`` over
sequences.

**Guards** (no step divides by zero, none turns NaN):

* a state with zero expected occupancy (unreachable from the initial distribution, or never
  visited by the data) keeps its previous parameters: its emission row, mean and covariance,
  rate and outgoing transition row are not re-estimated (they do not change
  :math:`\log p(y)`), rather than becoming 0/0;
* data the starting model cannot explain (an observation of probability 0 in every state the
  chain can be in: a symbol no reachable state emits) raise
  :class:`~catlearn.errors.ZeroEvidenceError` naming the sequence, the step and the value;
* Gaussian covariances are centred second moments (stable in float32 under outliers), with
  ``min_variance`` added to the diagonal as the documented floor; Poisson rates are floored
  at ``1e-12``;
* if the fit still ends non-finite, :class:`~catlearn.errors.NonFiniteError` names the
  iteration (eagerly; under ``jit`` the NaN is returned, per the policy of
  :mod:`catlearn.errors`).

**Gradient**: :math:`\log p(y)` is differentiable through either filter, so any optax
optimiser fits the unconstrained parameters (log-probabilities through ``softmax``).

>>> import jax.numpy as jnp
>>> from catlearn.probability.statespace.hmm import HMM
>>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
...           jnp.array([[0.8, 0.2], [0.3, 0.7]]))
>>> obs = jnp.array([[0, 0, 0, 1, 1, 1, 0, 0]])
>>> fitted, lls = hmm_fit_em(hmm, obs, num_iters=5)
>>> bool(jnp.all(jnp.diff(lls) >= -1e-5))
True

With a tolerance the fit stops once an iteration gains less than ``tol``:

>>> fit = hmm_fit_em(hmm, obs, num_iters=500, tol=1e-4)
>>> fit.num_iters < 500
True
"""

from __future__ import annotations

from functools import partial, singledispatch
from typing import Any, NamedTuple, cast

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike

from catlearn.core.checked import as_array
from catlearn.core.loop import gradient_steps
from catlearn.core.optim import Optimiser, as_optax
from catlearn.errors import (
    DataError,
    HyperparameterError,
    NonFiniteError,
    ShapeError,
    ZeroEvidenceError,
)
from catlearn.probability.statespace import _hmm_infer as infer
from catlearn.probability.statespace._hmm_infer import HMMBase, concrete
from catlearn.probability.statespace._parallel import resolve_method
from catlearn.probability.statespace.hmm import HMM
from catlearn.probability.statespace.hmm_emissions import GaussianHMM, PoissonHMM

__all__ = ["HMMFit", "hmm_fit_em", "hmm_fit_gradient"]


class HMMFit(NamedTuple):
    """A fitted model and the total log-likelihood of the data before each step
    (one entry per iteration run: ``num_iters`` says how many).

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.hmm import HMM
    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.9, 0.1], [0.1, 0.9]]),
    ...           jnp.array([[0.8, 0.2], [0.3, 0.7]]))
    >>> fit = hmm_fit_em(hmm, jnp.array([[0, 0, 1, 1]]), num_iters=3)
    >>> type(fit.model).__name__, fit.log_likelihoods.shape
    ('HMM', (3,))
    """

    model: HMMBase
    log_likelihoods: jax.Array  # (num_iters,)

    @property
    def num_iters(self) -> int:
        """The number of iterations run (fewer than asked when ``tol`` stopped EM early)."""
        return int(self.log_likelihoods.shape[0])


def _batch(model: Any, obs: Any) -> jax.Array:
    if not isinstance(model, HMMBase):
        raise ShapeError(
            f"Expected an HMM (HMM, GaussianHMM, PoissonHMM), got {type(model).__name__}."
        )
    obs = as_array(obs, "the observations")
    seq_ndim = model.obs_ndim
    if obs.ndim == seq_ndim:
        obs = obs[None]
    if obs.ndim != seq_ndim + 1 or obs.shape[0] == 0:
        raise ShapeError(
            f"Expected a batch of sequences of shape (B, T{', d' if seq_ndim == 2 else ''}) "
            f"(or one sequence), got shape {tuple(obs.shape)} instead."
        )
    return jnp.stack([model.check_obs(y) for y in obs])  # typed errors per sequence


def _posteriors(
    model: HMMBase, obs: jax.Array, method: str
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Per sequence: log p(y), smoothed marginals (T, k), expected transitions (k, k)."""
    if method == "parallel":
        ll, filt, pred = infer.filter_parallel(model, obs)
        smooth = infer.smooth_parallel(model.transition, filt, pred)
    else:
        ll, filt, pred = infer.filter_sequential(model, obs, keep=True)
        smooth = infer.smooth_sequential(model.transition, filt, pred)
    ok = pred[1:] > 0
    ratio = jnp.where(ok, smooth[1:] / jnp.where(ok, pred[1:], 1.0), 0.0)
    xi = model.transition * (filt[:-1].T @ ratio)
    return ll, smooth, xi


def _occupied(n: jax.Array) -> jax.Array:
    """States whose expected count is a positive normal number (else: keep old parameters)."""
    # jax.numpy's finfo is unannotated (numpy's would not know bfloat16)
    tiny = jnp.finfo(n.dtype).tiny  # type: ignore[no-untyped-call]
    return n > tiny


def _rows(counts: jax.Array, previous: jax.Array) -> jax.Array:
    """Normalise the rows of ``counts``; a row of zero mass keeps its ``previous`` value."""
    n = jnp.sum(counts, axis=1, keepdims=True)
    ok = _occupied(n)
    return jnp.where(ok, counts / jnp.where(ok, n, 1.0), previous)


_Chain = tuple[jax.Array, jax.Array]
"""The re-estimated ``(initial, transition)`` that an M-step puts in the new model."""


@singledispatch
def _m_step(model: Any, smooth: jax.Array, obs: jax.Array, chain: _Chain) -> Any:
    raise ShapeError(f"No EM M-step for {type(model).__name__}.")  # pragma: no cover


@_m_step.register
def _(model: HMM, smooth: jax.Array, obs: jax.Array, chain: _Chain) -> HMM:
    counts = jnp.einsum("btk,btm->km", smooth, jax.nn.one_hot(obs, model.num_symbols))
    return HMM(*chain, _rows(counts, model.emission))


class _Weighted(NamedTuple):
    """The posterior-weighted data of a batch ``(B, T, d)`` with missing (NaN) rows removed."""

    w: jax.Array  # (B, T, k) posterior weights, 0 on a missing row
    y: jax.Array  # (B, T, d) the data, 0 on a missing row
    n: jax.Array  # (k,) expected count of each state, 1 where unoccupied
    ok: jax.Array  # (k,) occupied states (else: keep the old parameters)
    means: jax.Array  # (k, d) weighted mean of each state's data


def _weighted(smooth: jax.Array, obs: jax.Array) -> _Weighted:
    seen = ~jnp.any(jnp.isnan(obs), axis=-1)
    w = smooth * seen[..., None]
    y = jnp.where(seen[..., None], obs, 0.0)
    n = jnp.sum(w, axis=(0, 1))
    ok = _occupied(n)
    n = jnp.where(ok, n, 1.0)
    return _Weighted(w, y, n, ok, jnp.einsum("btk,btd->kd", w, y) / n[:, None])


@_m_step.register
def _(model: GaussianHMM, smooth: jax.Array, obs: jax.Array, chain: _Chain) -> GaussianHMM:
    w, y, n, ok, means = _weighted(smooth, obs)
    centred = y[:, :, None, :] - means[None, None]  # (B, T, k, d): two-pass, stable in float32
    covs = jnp.einsum("btk,btkd,btke->kde", w, centred, centred) / n[:, None, None]
    d = means.shape[1]
    covs = (covs + jnp.swapaxes(covs, 1, 2)) / 2 + model.min_variance * jnp.eye(d)[None]
    means = jnp.where(ok[:, None], means, model.means)
    covs = jnp.where(ok[:, None, None], covs, model.covs)
    return GaussianHMM(*chain, means, covs, min_variance=model.min_variance)


@_m_step.register
def _(model: PoissonHMM, smooth: jax.Array, obs: jax.Array, chain: _Chain) -> PoissonHMM:
    weighted = _weighted(smooth, obs)
    ok = weighted.ok[:, None]
    return PoissonHMM(*chain, jnp.where(ok, jnp.maximum(weighted.means, 1e-12), model.rates))


def _check_explained(model: HMMBase, obs: jax.Array) -> None:
    """Eagerly: every observation has positive probability under the starting model."""
    if not concrete(obs, *jax.tree_util.tree_leaves(model)):
        return
    lls, _, pred = jax.vmap(lambda y: infer.filter_sequential(model, y, keep=True))(obs)
    bad = ~np.isfinite(np.asarray(lls))
    if not bad.any():
        return
    b = int(np.argmax(bad))
    lik, shift = jax.vmap(model.likelihood)(obs[b])
    evidence = np.sum(np.asarray(pred[b]) * np.asarray(lik), axis=1) * np.exp(np.asarray(shift))
    t = int(np.argmax(~(evidence > 0)))
    reach = np.flatnonzero(np.asarray(pred[b][t]) > 0).tolist()
    value = np.asarray(obs[b][t]).tolist()
    raise ZeroEvidenceError(
        f"Observation y[{b}][{t}] = {value} has probability 0 under the starting model: no "
        f"state the chain can be in at step {t} (states {reach}) emits it, so EM cannot explain "
        f"the data (log p(y) = -inf). Expected a starting model that gives every observation "
        f"positive probability; e.g. mix the emission table with a uniform one "
        f"(0.99 * B + 0.01 / num_symbols) or widen the Gaussian/Poisson parameters."
    )


def hmm_fit_em(
    model: HMMBase,
    obs: ArrayLike,
    *,
    num_iters: int = 50,
    tol: float | None = None,
    method: str = "auto",
) -> HMMFit:
    r"""Baum–Welch: at most ``num_iters`` EM steps from ``model`` on a batch of sequences
    ``obs`` (``(B, T)`` symbols, ``(B, T, d)`` Gaussian/Poisson data, or one sequence).

    ``tol``: stop once an iteration raises :math:`\sum_b \log p(y^b)` by less than ``tol``
    (an absolute gain, as in hmmlearn); ``None`` (the default) runs all ``num_iters``.

    Returns the fitted model and ``log_likelihoods[i]`` :math:`= \sum_b \log p(y^b \mid
    \theta_i)` for the parameters *before* step ``i`` (non-decreasing), one per iteration
    run (``fit.num_iters``). Under ``jit`` the array keeps length ``num_iters``, the entries
    after an early stop repeating the last one. The guards of the M-steps (unreachable
    states keep their parameters, impossible data raise
    :class:`~catlearn.errors.ZeroEvidenceError`) are described in the module docstring.

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.hmm import HMM
    >>> hmm = HMM(jnp.array([0.6, 0.4]), jnp.array([[0.7, 0.3], [0.4, 0.6]]),
    ...           jnp.array([[0.5, 0.5], [0.1, 0.9]]))
    >>> hmm_fit_em(hmm, jnp.array([[0, 1, 1, 1]]), num_iters=3).log_likelihoods.shape
    (3,)
    """
    if not isinstance(num_iters, int | np.integer) or num_iters < 1:
        raise HyperparameterError(
            f"Expected num_iters >= 1 (an int), got {num_iters!r} instead; pass e.g. num_iters=50."
        )
    if tol is not None and (
        isinstance(tol, bool)
        or not isinstance(tol, int | float | np.floating | np.integer)
        or not np.isfinite(tol)
        or tol < 0
    ):
        raise HyperparameterError(
            f"Expected tol to be None or a finite number >= 0, got {tol!r} instead; pass e.g. "
            f"tol=1e-4 (stop once an iteration gains less log-likelihood than that)."
        )
    obs = _batch(model, obs)
    method = resolve_method(method, int(obs.shape[1]), "hmm")
    _check_explained(model, obs)
    limit = -np.inf if tol is None else float(tol)
    fitted, lls, count = cast(
        "tuple[HMMBase, jax.Array, jax.Array]",
        _fit_em(model, obs, int(num_iters), method, limit),
    )
    if not concrete(count, lls, *jax.tree_util.tree_leaves(fitted)):
        return HMMFit(fitted, lls)
    lls = lls[: int(count)]
    bad = [not bool(jnp.all(jnp.isfinite(x))) for x in jax.tree_util.tree_leaves(fitted)]
    if any(bad) or not bool(jnp.all(jnp.isfinite(lls))):
        where = np.flatnonzero(~np.isfinite(np.asarray(lls)))
        step = f"from iteration {int(where[0])}" if where.size else "after the last iteration"
        raise NonFiniteError(
            f"EM became non-finite {step} of {int(count)}: expected finite parameters and "
            f"log-likelihoods. Fit in float64 (jax_enable_x64), raise min_variance, or rescale "
            f"the data."
        )
    return HMMFit(fitted, lls)


@partial(jax.jit, static_argnums=(2, 3))
def _fit_em(
    model: HMMBase, obs: jax.Array, num_iters: int, method: str, tol: float
) -> tuple[HMMBase, jax.Array, jax.Array]:
    def em_step(m: HMMBase) -> tuple[HMMBase, jax.Array]:
        ll, smooth, xi = jax.vmap(lambda y: _posteriors(m, y, method))(obs)
        initial = jnp.mean(smooth[:, 0], axis=0)
        trans = _rows(jnp.sum(xi, axis=0), m.transition)
        return _m_step(m, smooth, obs, (initial, trans)), jnp.sum(ll)

    def cond(carry: tuple[jax.Array, HMMBase, jax.Array, jax.Array]) -> jax.Array:
        i, _, _, done = carry
        return (i < num_iters) & ~done

    def body(
        carry: tuple[jax.Array, HMMBase, jax.Array, jax.Array],
    ) -> tuple[jax.Array, HMMBase, jax.Array, jax.Array]:
        i, m, lls, _ = carry
        new, ll = em_step(m)
        done = (i > 0) & (ll - lls[jnp.maximum(i - 1, 0)] < tol)
        return i + 1, new, lls.at[i].set(ll), done

    lls = jnp.zeros((num_iters,), model.initial.dtype)
    count, fitted, lls, _ = jax.lax.while_loop(
        cond, body, (jnp.zeros((), jnp.int32), model, lls, jnp.zeros((), bool))
    )
    lls = jnp.where(jnp.arange(num_iters) < count, lls, lls[count - 1])
    return fitted, lls, count


def hmm_fit_gradient(
    model: HMM,
    obs: ArrayLike,
    *,
    num_steps: int = 200,
    optimizer: Optimiser | optax.GradientTransformation | None = None,
    method: str = "auto",
) -> HMMFit:
    r"""Fit a categorical :class:`~catlearn.probability.statespace.hmm.HMM` by gradient ascent on
    :math:`\sum_b \log p(y^b)` through the differentiable filter (``method`` as in
    :func:`~catlearn.probability.statespace.hmm.hmm_log_likelihood`), over log-probability tables mapped
    back by ``softmax``. ``optimizer``: an optax transformation or a catlearn optimiser (default
    ``optax.adam(0.05)``).

    Returns the fitted model and the log-likelihood before each step.

    >>> import jax.numpy as jnp
    >>> from catlearn.probability.statespace.hmm import HMM
    >>> hmm = HMM(jnp.array([0.5, 0.5]), jnp.array([[0.8, 0.2], [0.2, 0.8]]),
    ...           jnp.array([[0.6, 0.4], [0.4, 0.6]]))
    >>> fit = hmm_fit_gradient(hmm, jnp.array([[0, 0, 1, 1, 0, 0]]), num_steps=20)
    >>> bool(fit.log_likelihoods[-1] > fit.log_likelihoods[0])
    True
    """
    if not isinstance(model, HMM):
        raise ShapeError(
            f"hmm_fit_gradient fits categorical HMMs; got {type(model).__name__}. "
            f"Use hmm_fit_em for Gaussian or Poisson emissions."
        )
    if not isinstance(num_steps, int | np.integer) or num_steps < 1:
        raise HyperparameterError(f"Expected num_steps >= 1, got {num_steps!r} instead.")
    obs = _batch(model, obs)
    if obs.shape[1] == 0:
        raise DataError("Expected sequences of length T >= 1, got T = 0.")
    method = resolve_method(method, int(obs.shape[1]), "hmm")
    opt = optax.adam(0.05) if optimizer is None else as_optax(optimizer)
    return cast(HMMFit, _fit_gradient(model, obs, int(num_steps), opt, method))


@partial(jax.jit, static_argnums=(2, 3, 4))
def _fit_gradient(
    model: HMM,
    obs: jax.Array,
    num_steps: int,
    opt: optax.GradientTransformation,
    method: str,
) -> HMMFit:
    def build(p: tuple[jax.Array, ...]) -> HMM:
        return HMM(*(jax.nn.softmax(x, axis=-1) for x in p))

    def loss(p: tuple[jax.Array, ...]) -> jax.Array:
        m = build(p)
        if method == "parallel":
            lls = jax.vmap(lambda y: infer.log_likelihood_parallel(m, y))(obs)
        else:
            lls = jax.vmap(lambda y: infer.filter_sequential(m, y, keep=False)[0])(obs)
        return -jnp.sum(lls)

    tiny = jnp.finfo(model.initial.dtype).tiny  # type: ignore[no-untyped-call]
    params = tuple(
        jnp.log(jnp.maximum(x, tiny)) for x in (model.initial, model.transition, model.emission)
    )

    params, losses = gradient_steps(loss, params, opt, num_steps)
    return HMMFit(build(params), -losses)
