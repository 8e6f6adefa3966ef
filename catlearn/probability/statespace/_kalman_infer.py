r"""Kalman inference cores, sequential (``lax.scan``) and parallel (``associative_scan``).

The model arrives as :class:`Steps`: ``F, b, Q`` (the transition :math:`x_t \to x_{t+1}`) and
``H, d, R`` (the emission of :math:`y_t`), each either shared by all steps or with a leading
time axis ``T`` (``varying[i]`` says which); control inputs are already folded into the
biases. ``mask`` (``(T, m)`` booleans, or ``None`` when every entry is observed) marks the
observed coordinates: a missing coordinate is removed from the update (its row of ``H`` set
to 0, its noise decoupled), so a fully missing row is a pure prediction step. A filter
reads the steps, the initial belief, the observations and the mask as one
:class:`FilterInputs`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, cast

import jax
import jax.numpy as jnp
from jax.scipy.linalg import cho_factor, cho_solve

from catlearn.core.types import Euclid
from catlearn.probability.kernels._linalg import LOG2PI, symmetrise
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.statespace._parallel import GaussianEvidenceKernel, prefix

__all__ = [
    "FilterInputs",
    "Steps",
    "filter_moments",
    "filter_parallel",
    "filter_sequential",
    "log_likelihood",
    "predict",
    "smooth_parallel",
    "smooth_sequential",
    "update",
]


class Steps(NamedTuple):
    """Per-step parameters (each shared, or with a leading time axis)."""

    F: jax.Array
    b: jax.Array
    Q: jax.Array
    H: jax.Array
    d: jax.Array
    R: jax.Array


class FilterInputs(NamedTuple):
    """What a filter pass reads: the per-step parameters, the initial belief ``N(mu0, P0)``,
    the observations ``(T, m)`` and their mask (``None`` when every entry is observed)."""

    steps: Steps
    mu0: jax.Array
    p0: jax.Array
    obs: jax.Array
    mask: jax.Array | None


_BASE_NDIM: tuple[int, ...] = (2, 1, 2, 2, 1, 2)  # F, b, Q, H, d, R

Slices = tuple[jax.Array | None, ...]
"""The time-varying fields of a :class:`Steps` (``None`` for a shared one)."""
Moments = tuple[jax.Array, jax.Array, jax.Array, jax.Array]
"""Filtered means, covariances, predicted means, covariances, each with a leading time axis."""


def varying(steps: Steps) -> tuple[bool, ...]:
    """Which fields carry a leading time axis."""
    return tuple(x.ndim > nd for x, nd in zip(steps, _BASE_NDIM, strict=True))


def split(steps: Steps) -> tuple[Slices, Callable[[Slices], Steps]]:
    """``(xs, at)``: the time-varying fields to scan over, and ``at(xs_t)`` -> per-step Steps."""
    var = varying(steps)
    xs = tuple(x if v else None for x, v in zip(steps, var, strict=True))

    def at(xs_t: Slices) -> Steps:
        # a varying field's slice is an array (None only where the field is shared)
        return Steps(
            *(cast(jax.Array, xt) if v else x for x, xt, v in zip(steps, xs_t, var, strict=True))
        )

    return xs, at


def _masked(
    h: jax.Array, d: jax.Array, r: jax.Array, y: jax.Array, mask: jax.Array | None
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array, jax.Array | float]:
    """Remove the unobserved coordinates of ``y`` from the emission (mask ``None``: none)."""
    if mask is None:
        return h, d, r, y, 0.0
    w = mask.astype(h.dtype)
    r = r * w[:, None] * w[None, :] + jnp.diag(1.0 - w)
    y = jnp.where(mask, y, 0.0)
    return h * w[:, None], d * w, r, y, jnp.sum(1.0 - w)


def update(
    m: jax.Array,
    p: jax.Array,
    y: jax.Array,
    mask: jax.Array | None,
    h: jax.Array,
    d: jax.Array,
    r: jax.Array,
    joseph: bool,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Condition ``N(m, P)`` on ``y = Hx + d + N(0, R)``: filtered mean, cov and log p(y)."""
    h, d, r, y, n_missing = _masked(h, d, r, y, mask)
    s = h @ p @ h.T + r
    chol = cho_factor(s, lower=True)
    resid = y - (h @ m + d)
    kt = cho_solve(chol, h @ p)  # K^T = S^{-1} H P
    m_f = m + kt.T @ resid
    if joseph:
        ikh = jnp.eye(m.shape[0], dtype=m.dtype) - kt.T @ h
        p_f = symmetrise(ikh @ p @ ikh.T + kt.T @ r @ kt)
    else:
        p_f = symmetrise(p - kt.T @ s @ kt)
    ll = -0.5 * (
        resid @ cho_solve(chol, resid)
        + 2 * jnp.sum(jnp.log(jnp.diag(chol[0])))
        + (resid.shape[0] - n_missing) * LOG2PI
    )
    return m_f, p_f, ll


def predict(
    m: jax.Array, p: jax.Array, f: jax.Array, b: jax.Array, q: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """Compose ``N(m, P)`` with the dynamics kernel: ``(Fm + b, FPF^T + Q)``."""
    return f @ m + b, f @ p @ f.T + q


# --- sequential -----------------------------------------------------------------------------


def filter_sequential(
    inp: FilterInputs, *, joseph: bool, keep: bool
) -> tuple[jax.Array, Moments | None]:
    """``(log p(y), (filtered means, covs, predicted means, covs) or None)``."""
    xs, at = split(inp.steps)

    def step(
        carry: tuple[jax.Array, jax.Array, jax.Array],
        x: tuple[jax.Array, jax.Array | None, Slices],
    ) -> tuple[tuple[jax.Array, jax.Array, jax.Array], Moments | None]:
        m, p, ll = carry
        y, msk, xs_t = x
        st = at(xs_t)
        m_f, p_f, l_t = update(m, p, y, msk, st.H, st.d, st.R, joseph)
        m_n, p_n = predict(m_f, p_f, st.F, st.b, st.Q)
        return (m_n, p_n, ll + l_t), ((m_f, p_f, m, p) if keep else None)

    init = (inp.mu0, inp.p0, jnp.zeros((), inp.mu0.dtype))
    (_, _, ll), out = jax.lax.scan(step, init, (inp.obs, inp.mask, xs))
    return ll, out


def smooth_sequential(
    steps: Steps, means: jax.Array, covs: jax.Array, pmeans: jax.Array, pcovs: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """RTS backward pass; ``G_t = P_t F_t^T P_{t+1|t}^+`` (pseudo-inverse: singular Q is fine)."""
    xs, at = split(steps)
    xs = tuple(None if x is None else x[:-1] for x in xs)

    def step(
        carry: tuple[jax.Array, jax.Array],
        x: tuple[jax.Array, jax.Array, jax.Array, jax.Array, Slices],
    ) -> tuple[tuple[jax.Array, jax.Array], tuple[jax.Array, jax.Array]]:
        ms_next, ps_next = carry
        m, p, mp_next, pp_next, xs_t = x
        g = p @ at(xs_t).F.T @ jnp.linalg.pinv(pp_next, hermitian=True)
        ms = m + g @ (ms_next - mp_next)
        ps = symmetrise(p + g @ (ps_next - pp_next) @ g.T)
        return (ms, ps), (ms, ps)

    last = (means[-1], covs[-1])
    _, (ms, ps) = jax.lax.scan(
        step, last, (means[:-1], covs[:-1], pmeans[1:], pcovs[1:], xs), reverse=True
    )
    return jnp.concatenate([ms, last[0][None]]), jnp.concatenate([ps, last[1][None]])


# --- parallel -------------------------------------------------------------------------------


def per_step(steps: Steps, t_len: int) -> Steps:
    """Every field with a leading time axis of length ``t_len``."""
    return Steps(
        *(
            x if v else jnp.broadcast_to(x, (t_len, *x.shape))
            for x, v in zip(steps, varying(steps), strict=True)
        )
    )


def _element(
    f: jax.Array,
    b: jax.Array,
    q: jax.Array,
    h: jax.Array,
    d: jax.Array,
    r: jax.Array,
    y: jax.Array,
    mask: jax.Array | None,
    joseph: bool,
) -> GaussianEvidenceKernel:
    """Element for ``t >= 1``: ``x_{t-1} -> x_t`` conditioned on ``y_t``, with the evidence
    ``p(y_t | x_{t-1})`` in information form (Särkkä & García-Fernández 2021, eq. 12-13)."""
    h, d, r, y, _ = _masked(h, d, r, y, mask)
    s = h @ q @ h.T + r
    chol = cho_factor(s, lower=True)
    kt = cho_solve(chol, h @ q)  # K^T
    resid = y - h @ b - d
    ikh = jnp.eye(f.shape[0], dtype=f.dtype) - kt.T @ h
    c = symmetrise(ikh @ q @ ikh.T + kt.T @ r @ kt) if joseph else symmetrise(q - kt.T @ s @ kt)
    hf = h @ f
    s_inv_hf = cho_solve(chol, hf)
    return GaussianEvidenceKernel(
        ikh @ f, b + kt.T @ resid, c, s_inv_hf.T @ resid, symmetrise(hf.T @ s_inv_hf)
    )


def filter_parallel(inp: FilterInputs, *, joseph: bool) -> tuple[jax.Array, Moments]:
    """Prefix scan of the filtering elements; the predicted moments and the log-likelihood
    follow from the filtered ones by one vectorised predict/update (no recursion)."""
    steps, mu0, p0, obs, mask = inp
    t_len, n = obs.shape[0], mu0.shape[0]
    per = per_step(steps, t_len)
    m0 = None if mask is None else mask[0]
    mf0, pf0, _ = update(mu0, p0, obs[0], m0, per.H[0], per.d[0], per.R[0], joseph)
    dt = mu0.dtype
    first = GaussianEvidenceKernel(
        jnp.zeros((n, n), dt), mf0, pf0, jnp.zeros(n, dt), jnp.zeros((n, n), dt)
    )
    rest = jax.vmap(lambda f, b, q, h, d, r, y, msk: _element(f, b, q, h, d, r, y, msk, joseph))(
        per.F[:-1],
        per.b[:-1],
        per.Q[:-1],
        per.H[1:],
        per.d[1:],
        per.R[1:],
        obs[1:],
        None if mask is None else mask[1:],
    )
    elems = cast(
        GaussianEvidenceKernel,
        jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a[None], b]), first, rest),
    )
    out = prefix(elems)
    means, covs = out.b, out.C
    pm, pc = jax.vmap(predict)(means[:-1], covs[:-1], per.F[:-1], per.b[:-1], per.Q[:-1])
    pmeans = jnp.concatenate([mu0[None], pm])
    pcovs = jnp.concatenate([p0[None], pc])
    _, _, lls = jax.vmap(lambda m, p, y, msk, h, d, r: update(m, p, y, msk, h, d, r, joseph))(
        pmeans, pcovs, obs, mask, per.H, per.d, per.R
    )
    return jnp.sum(lls), (means, covs, pmeans, pcovs)


def filter_moments(inp: FilterInputs, *, joseph: bool, method: str) -> tuple[jax.Array, Moments]:
    """``(log p(y), moments)`` by the ``"parallel"`` or the sequential filter."""
    if method == "parallel":
        return filter_parallel(inp, joseph=joseph)
    ll, kept = filter_sequential(inp, joseph=joseph, keep=True)
    assert kept is not None  # keep=True keeps the moments
    return ll, kept


def log_likelihood(inp: FilterInputs, *, joseph: bool, method: str) -> jax.Array:
    """``log p(y)`` by the ``"parallel"`` filter or the sequential one (no moments stored)."""
    if method == "parallel":
        return filter_parallel(inp, joseph=joseph)[0]
    return filter_sequential(inp, joseph=joseph, keep=False)[0]


def smooth_parallel(
    steps: Steps, means: jax.Array, covs: jax.Array, pmeans: jax.Array, pcovs: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """The backward kernels :math:`x_{t+1} \\mapsto N(E_t x_{t+1} + g_t, L_t)` (the Bayesian
    inverse of the dynamics against the filtered belief) as the library's
    :class:`~catlearn.probability.kernels.gaussian.LinearGaussian`, composed latest-first with its
    own ``>>`` by a reverse associative scan."""
    t_len, n = means.shape
    per = per_step(steps, t_len)
    f = per.F[:-1]
    pinv = jnp.linalg.pinv(pcovs[1:], hermitian=True)
    e = covs[:-1] @ jnp.swapaxes(f, -1, -2) @ pinv
    g = means[:-1] - jnp.einsum("tij,tj->ti", e, pmeans[1:])
    lcov = symmetrise(covs[:-1] - e @ pcovs[1:] @ jnp.swapaxes(e, -1, -2))
    dt = means.dtype
    e = jnp.concatenate([e, jnp.zeros((1, n, n), dt)])
    g = jnp.concatenate([g, means[-1:]])
    lcov = jnp.concatenate([lcov, covs[-1:]])
    x = Euclid(n)
    kernels = jax.vmap(lambda a, b, c: LinearGaussian(a, b, c, dom=x, cod=x, validate=False))(
        e, g, lcov
    )
    # LinearGaussian's own >>, each composite folded to a box (the scan's carry)
    out: LinearGaussian = jax.lax.associative_scan(
        jax.vmap(lambda a, b: (a >> b).evaluate()), kernels, reverse=True
    )
    return out.b, out.cov
