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
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from catlearn.errors import ZeroEvidenceError

__all__ = ["SampledPosterior"]

CHUNK = 4096  #: samples per compiled call (bounds memory: CHUNK x variables ints)


class SampledPosterior(NamedTuple):
    """An approximate posterior: ``probs`` (shape of the query cards), its standard error
    ``stderr`` (same shape), ``num_samples`` drawn and the effective sample size ``ess``
    :math:`(\\sum w)^2 / \\sum w^2`.

    >>> import jax
    >>> from catlearn.probability.networks.bayesnet import sprinkler
    >>> est = sprinkler().query(["Rain"], {"WetGrass": "T"}, method="sampling",
    ...                         num_samples=2000, key=jax.random.key(0))
    >>> type(est).__name__, est.probs.shape, est.stderr.shape, est.num_samples
    ('SampledPosterior', (2,), (2,), 2000)
    >>> bool(abs(est.probs[1] - 0.7079) < 4 * est.stderr[1] + 1e-2), 0 < est.ess <= 2000
    (True, True)
    """

    probs: np.ndarray
    stderr: np.ndarray
    num_samples: int
    ess: float


def pack(
    tables: list[np.ndarray], parents: list[tuple[int, ...]], cards: list[int], pad: int = 0
) -> tuple:
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
def _chunk(n: int, packed: tuple, ev_mask: Any, ev_val: Any, key: Any) -> tuple[Any, Any]:
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
    packed: tuple, num: int, key: Any, ev: dict[int, int] | None = None, cols: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """``num`` samples ``(num, V)`` (only columns ``cols`` kept) and their log-weights."""
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
            f'method="exact", or draw more samples.'
        )
    w = np.exp(logw - logw[np.isfinite(logw)].max())
    idx = np.ravel_multi_index(tuple(qs.T), cards) if qs.shape[1] else np.zeros(len(w), int)
    sw, w2 = w.sum(), (w * w).sum()
    p = np.bincount(idx, w, size) / sw
    a = np.bincount(idx, w * w, size)
    se = np.sqrt(np.maximum(a * (1 - p) ** 2 + (w2 - a) * p**2, 0.0)) / sw
    return SampledPosterior(p.reshape(cards), se.reshape(cards), len(w), float(sw * sw / w2))
