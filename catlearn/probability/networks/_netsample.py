r"""Forward sampling and likelihood weighting for Bayesian networks (private).

The network is packed once into flat arrays (every CPT's rows, padded to the largest card,
one after the other; parents and mixed-radix strides padded), so one ``lax.scan`` over the
variables in topological order samples any network with one compiled program, whatever
its size (munin: 1041 variables). Likelihood weighting (Fung & Chang 1989; Shachter & Peot
1989; Koller & Friedman §12.2) clamps the observed variables and weights each sample by
:math:`w = \prod_{e} P(e \mid \mathrm{pa}(e))`; the posterior estimate is the self-normalised
:math:`\hat p(q) = \sum_i w_i [q_i = q] / \sum_i w_i` with the delta-method standard error
:math:`\widehat{\mathrm{se}}(q)^2 = \sum_i w_i^2 ([q_i = q] - \hat p(q))^2 / (\sum_i w_i)^2`.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import as_key, is_concrete
from catlearn.errors import SupportError, ZeroEvidenceError
from catlearn.probability.networks._request import Network, Query

__all__ = ["LikelihoodWeighting", "SampledPosterior"]

CHUNK = 4096  #: samples per compiled call (bounds memory: CHUNK x variables ints)


class SampledPosterior(NamedTuple):
    """An approximate posterior: ``probs`` (shape of the query cards), its standard error
    ``stderr`` (same shape), ``num_samples`` drawn and the effective sample size ``ess``
    :math:`(\\sum w)^2 / \\sum w^2`.

    >>> import jax
    >>> from catlearn.probability.networks.bayesnet import sprinkler
    >>> lw = LikelihoodWeighting(2000, key=jax.random.key(0))
    >>> est = sprinkler().query(["Rain"], {"WetGrass": "T"}, engine=lw)
    >>> type(est).__name__, est.probs.shape, est.stderr.shape, est.num_samples
    ('SampledPosterior', (2,), (2,), 2000)
    >>> bool(abs(est.probs[1] - 0.7079) < 4 * est.stderr[1] + 1e-2), 0 < est.ess <= 2000
    (True, True)
    """

    probs: np.ndarray
    stderr: np.ndarray
    num_samples: int
    ess: float


class LikelihoodWeighting:
    r"""Approximate inference by likelihood weighting: ``num_samples`` ancestral samples of
    the ancestors of the query (one ``lax.scan``), the observed variables clamped and each
    sample weighted by :math:`\prod_e P(e \mid \mathrm{pa}(e))` times the virtual
    evidence's :math:`\lambda(x_v)`; returns a :class:`SampledPosterior` (estimate,
    standard error, effective sample size).

    Every query draws with ``key`` (an equal query gives an equal estimate; build another
    engine, or use :meth:`with_key`, for independent draws). Honours ``virtual_evidence``;
    the other options (``jeffrey_evidence``, ``return_evidence``, ``jit``, ``tables``) raise
    :class:`~catlearn.errors.UnsupportedError`. Use it where exact inference is over its
    memory budget.

    >>> import jax
    >>> from catlearn.probability.networks.bayesnet import sprinkler
    >>> lw = LikelihoodWeighting(20_000, key=jax.random.key(0))
    >>> est = sprinkler().query(["Rain"], virtual_evidence={"WetGrass": [0.0, 1.0]}, engine=lw)
    >>> bool(abs(est.probs[1] - 0.7079) < 4 * est.stderr[1])
    True
    """

    options: ClassVar[frozenset[str]] = frozenset({"virtual_evidence"})

    def __init__(self, num_samples: int = 100_000, *, key: Any = None) -> None:
        if key is None:
            raise SupportError(
                'Expected a jax.random key for likelihood weighting (method="sampling"): '
                "pass key=jax.random.key(0), or LikelihoodWeighting(n, key=...)."
            )
        if isinstance(num_samples, bool) or not isinstance(num_samples, int | np.integer):
            raise errors.ArgumentTypeError(
                f"Expected num_samples as an int, got {type(num_samples).__name__}."
            )
        if num_samples < 1:
            raise errors.ArgumentValueError(
                f"Expected num_samples >= 1, got {num_samples}; e.g. 100_000."
            )
        self.num_samples = int(num_samples)
        self.key = as_key(key)

    def __repr__(self) -> str:
        return f"LikelihoodWeighting(num_samples={self.num_samples})"

    def with_key(self, key: Any) -> LikelihoodWeighting:
        """The same engine drawing with another key."""
        return LikelihoodWeighting(self.num_samples, key=key)

    def query(self, net: Network, q: Query) -> SampledPosterior:
        r"""The estimate of :math:`P(q \mid e)` (module docstring)."""
        if not is_concrete(q.states, q.likelihoods):
            raise errors.UnsupportedError(
                "Expected concrete evidence for likelihood weighting (it draws outside jit), "
                "got traced values; use VariableElimination (the exact JAX path) under jit."
            )
        x = net.indexed
        m = 0
        for v in (*q.targets, *q.evidence, *q.soft):
            m |= x.ancestors[v]
        rel = [v for v in range(m.bit_length()) if m >> v & 1]  # the ancestral sub-network
        pos = {v: i for i, v in enumerate(rel)}
        packed = pack(
            [x.tables[v] for v in rel],
            [tuple(pos[p] for p in x.parents[v]) for v in rel],
            [x.cards[v] for v in rel],
            pad=max(16, 1 << (len(rel) - 1).bit_length()),
        )
        ev = {pos[v]: int(s) for v, s in zip(q.evidence, q.states)}
        cols = [pos[v] for v in (*q.targets, *q.soft)]
        xs, lw = draw(packed, self.num_samples, self.key, ev, cols=cols)
        k = len(q.targets)
        with np.errstate(divide="ignore"):
            for j, lam in enumerate(q.likelihoods):
                lw = lw + np.log(np.asarray(lam, np.float64))[xs[:, k + j]]
        return estimate(xs[:, :k], lw, tuple(x.cards[v] for v in q.targets))


def pack(
    tables: list[np.ndarray], parents: list[tuple[int, ...]], cards: list[int], pad: int = 0
) -> tuple[Any, ...]:
    """Flat arrays of a network: rows ``(R, K)``, row offsets, parents and strides; with
    ``pad``, one-state dummy variables are appended up to ``pad`` variables (so sub-networks
    of similar sizes share one compiled sampler)."""
    extra = max(pad - len(cards), 0)
    tables = list(tables) + [np.ones((1,))] * extra
    parents = list(parents) + [()] * extra
    cards = list(cards) + [1] * extra
    k = max(cards)
    p = max((len(ps) for ps in parents), default=0) or 1
    rows, offs = [], []
    par = np.zeros((len(cards), p), np.int32)
    strides = np.zeros((len(cards), p), np.int32)
    off = 0
    for v, (t, ps) in enumerate(zip(tables, parents)):
        r = t.reshape(-1, cards[v])
        rows.append(np.pad(r, ((0, 0), (0, k - cards[v]))))
        offs.append(off)
        off += r.shape[0]
        st = 1
        for j in range(len(ps) - 1, -1, -1):
            par[v, j], strides[v, j] = ps[j], st
            st *= cards[ps[j]]
    flat = np.concatenate(rows, axis=0)
    flat = np.pad(flat, ((0, -flat.shape[0] % 256), (0, 0)))  # row-count buckets too
    return flat, np.asarray(offs, np.int32), par, strides


@partial(jax.jit, static_argnums=(0,))
def _chunk(n: int, packed: tuple[Any, ...], ev_mask: Any, ev_val: Any, key: Any) -> tuple[Any, Any]:
    flat, offs, par, strides = packed
    nv = offs.shape[0]
    logt = jnp.log(flat)
    cum = jnp.cumsum(flat, axis=1)
    cum = cum / cum[:, -1:]  # inverse-CDF sampling: one uniform per sample and variable
    us = jax.random.uniform(key, (nv, n), dtype=cum.dtype)

    def step(carry: Any, xs: Any) -> Any:
        x, logw = carry  # x: (variables, samples), one row per variable
        v, off, pa, st, m, e, u = xs
        conf = jnp.sum(x[pa] * st[:, None], axis=0)
        row = off + conf
        s = jnp.sum(u[:, None] > cum[row], axis=1).astype(jnp.int32)
        s = jnp.minimum(s, flat.shape[1] - 1)
        xv = jnp.where(m, e, s)
        logw = logw + jnp.where(m, logt[row, e], 0.0)
        x = jax.lax.dynamic_update_slice(x, xv[None, :], (v, 0))
        return (x, logw), None

    x0 = jnp.zeros((nv, n), jnp.int32)
    lw0 = jnp.zeros((n,), logt.dtype)
    xs = (jnp.arange(nv), offs, par, strides, ev_mask, ev_val, us)
    (x, logw), _ = jax.lax.scan(step, (x0, lw0), xs)
    x = x.T
    return x, logw


def draw(
    packed: tuple[Any, ...], num: int, key: Any, ev: dict[int, int] | None = None, cols: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """``num`` samples ``(num, V)`` (only columns ``cols`` kept) and their log-weights."""
    if isinstance(num, bool) or not isinstance(num, int | np.integer):
        raise errors.ArgumentTypeError(
            f"Expected the number of samples as an int, got {type(num).__name__} ({num!r:.40})."
        )
    if num < 1:
        raise errors.ArgumentValueError(f"Expected at least 1 sample, got {num}.")
    key = as_key(key)
    nv = packed[1].shape[0]
    mask = np.zeros(nv, bool)
    val = np.zeros(nv, np.int32)
    for v, s in (ev or {}).items():
        mask[v], val[v] = True, s
    xs, lws = [], []
    for i, start in enumerate(range(0, num, CHUNK)):
        n = min(CHUNK, num - start)
        x, lw = _chunk(CHUNK, packed, mask, val, jax.random.fold_in(key, i))
        x = np.asarray(x)[:n]
        xs.append(x if cols is None else x[:, cols])
        lws.append(np.asarray(lw, dtype=np.float64)[:n])
    return np.concatenate(xs), np.concatenate(lws)


def estimate(qs: np.ndarray, logw: np.ndarray, cards: tuple[int, ...]) -> SampledPosterior:
    """The self-normalised estimate of the joint of the query columns ``qs`` ``(N, k)``."""
    size = int(np.prod(cards, dtype=int))
    if not np.isfinite(logw).any():
        raise ZeroEvidenceError(
            f"Expected at least one of the {len(logw)} samples to be compatible with the "
            f"evidence, got weight 0 for all. The evidence may be impossible; check it with "
            f"an exact engine, or draw more samples."
        )
    w = np.exp(logw - logw[np.isfinite(logw)].max())
    idx = np.ravel_multi_index(tuple(qs.T), cards) if qs.shape[1] else np.zeros(len(w), int)
    sw, w2 = w.sum(), (w * w).sum()
    p = np.bincount(idx, w, size) / sw
    a = np.bincount(idx, w * w, size)
    se = np.sqrt(np.maximum(a * (1 - p) ** 2 + (w2 - a) * p**2, 0.0)) / sw
    return SampledPosterior(p.reshape(cards), se.reshape(cards), len(w), float(sw * sw / w2))
