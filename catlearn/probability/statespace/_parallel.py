r"""Filtering in parallel time: the associative operators, written once as composition of kernels.

A filter is a composite of kernels, and composition is associative (a category law), so the
``T``-step composite is a *prefix scan* and :func:`jax.lax.associative_scan` evaluates it in
``O(log T)`` depth. Each scan element here is a kernel *with evidence* — a kernel
:math:`k : X \to Z` together with a likelihood :math:`\ell(x)` of the data it has absorbed — and
``a >> b`` is Bayesian conditioning of ``a`` on ``b``'s evidence followed by composition:

.. math::
   (k_1, \ell_1) \gg (k_2, \ell_2) = \Big(x \mapsto \frac{k_1(dz \mid x)\,\ell_2(z)}
   {\int k_1(dz' \mid x)\ell_2(z')} \gg k_2,\;
   x \mapsto \ell_1(x) \textstyle\int k_1(dz \mid x)\,\ell_2(z)\Big).

* :class:`EvidenceKernel`: finite kernels (row-stochastic tables) with log-evidence per input
  state — Hassan, Särkkä & García-Fernández, *Temporal parallelization of inference in hidden
  Markov models*, IEEE TSP 2021. Rows are re-normalised at every composition and the scale
  moves into the log-evidence, so :math:`10^6` steps neither under- nor overflow.
* :class:`MaxPlusKernel`: the same in the max-product (tropical) semiring, for Viterbi.
* :class:`Pointer`: a deterministic kernel (a function ``table[i]`` of ``i``); ``>>`` is
  function composition, exact on integers, so Viterbi back-pointers compose in ``O(log T)``
  depth into the path (a parallel backtrace).
* :class:`GaussianEvidenceKernel`: :math:`x \mapsto N(Ax + b, C)` with the evidence
  :math:`\exp(-\tfrac12 x^\top J x + \eta^\top x)` — the 5-tuple elements of Särkkä &
  García-Fernández, *Temporal parallelization of Bayesian smoothers*, IEEE TAC 2021.
* the smoothing elements need no evidence: they are the backward (Bayesian-inverse) kernels
  themselves, composed with the library's own ``>>``
  (:class:`~catlearn.probability.kernels.markov.Finite`-style tables here,
  :class:`~catlearn.probability.kernels.gaussian.LinearGaussian` in the Kalman smoother).

:func:`prefix` / :func:`suffix` run ``associative_scan`` with ``jax.vmap(lambda a, b: a >> b)``;
:func:`reduce` folds all elements into one in a balanced tree (``T`` compositions instead of
the scan's ``2T``) when only the total is needed (log-likelihoods).

:func:`resolve_method` implements ``method="auto"`` (the rule is in its docstring).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, TypeVar, cast

import equinox as eqx
import jax
import jax.numpy as jnp

from catlearn.errors import HyperparameterError
from catlearn.probability.kernels._linalg import symmetrise

__all__ = [
    "AUTO_PARALLEL_MIN_STEPS",
    "EvidenceKernel",
    "GaussianEvidenceKernel",
    "MaxPlusKernel",
    "Pointer",
    "backward",
    "prefix",
    "reduce",
    "resolve_method",
    "suffix",
]

E = TypeVar("E")

# --- sum-product: finite kernels with evidence --------------------------------------------------


class EvidenceKernel(eqx.Module):
    r"""A finite kernel ``table[i, j]`` :math:`= k(j \mid i)` (rows sum to 1) with
    ``log_evidence[i]`` :math:`= \log \ell(i)`: the unnormalised kernel
    :math:`\mathrm{diag}(e^{\ell})\,k`. Leading batch axes are allowed (scan elements).

    >>> import jax.numpy as jnp
    >>> a = EvidenceKernel(jnp.array([[0.5, 0.5], [0.1, 0.9]]), jnp.zeros(2))
    >>> b = EvidenceKernel.condition(jnp.eye(2), jnp.log(jnp.array([1.0, 0.5])))
    >>> (a >> b).table.round(4)
    Array([[0.6667, 0.3333],
           [0.1818, 0.8182]], dtype=float32)
    >>> [round(float(x), 4) for x in (a >> b).log_evidence]   # log 0.75, log 0.55
    [-0.2877, -0.5978]
    """

    table: jax.Array
    log_evidence: jax.Array

    @classmethod
    def condition(cls, table: jax.Array, log_lik: jax.Array) -> EvidenceKernel:
        r"""The kernel :math:`k(j \mid i)\,p(y \mid j)`, row-normalised (Bayes), with its
        evidence :math:`\log \sum_j k(j \mid i) p(y \mid j)` per row (``-inf`` where zero;
        such a row keeps the prior row, the zero-evidence convention of the filters)."""
        shift = jnp.max(log_lik)
        shift = jnp.where(jnp.isfinite(shift), shift, 0.0)
        w = table * jnp.exp(log_lik - shift)[None, :]
        u = jnp.sum(w, axis=1)
        ok = u > 0
        safe = jnp.where(ok, u, 1.0)
        return cls(jnp.where(ok[:, None], w / safe[:, None], table), jnp.log(u) + shift)

    def __rshift__(self, other: EvidenceKernel) -> EvidenceKernel:
        """Condition ``self`` on ``other``'s evidence, then compose (Chapman–Kolmogorov)."""
        cond = EvidenceKernel.condition(self.table, other.log_evidence)
        return EvidenceKernel(cond.table @ other.table, self.log_evidence + cond.log_evidence)


# --- max-product: Viterbi -----------------------------------------------------------------------


class MaxPlusKernel(eqx.Module):
    r"""A log-score table ``score[i, j]`` (each row's maximum is 0) with ``offset[i]``: the
    max-plus kernel :math:`\mathrm{offset}_i + \mathrm{score}_{ij}`. ``>>`` is the tropical
    matrix product :math:`\max_m (s_1[i, m] + s_2[m, j])`, re-centred per row.

    >>> import jax.numpy as jnp
    >>> a = MaxPlusKernel.centre(jnp.log(jnp.array([[0.9, 0.1], [0.2, 0.8]])))
    >>> float((a >> a).offset[0]).__round__(4)   # log 0.81
    -0.2107
    """

    score: jax.Array
    offset: jax.Array

    @classmethod
    def centre(cls, log_table: jax.Array, offset: Any = 0.0) -> MaxPlusKernel:
        """Move each row's maximum of ``log_table`` into the offset."""
        m = jnp.max(log_table, axis=1)
        m_safe = jnp.where(jnp.isfinite(m), m, 0.0)
        return cls(log_table - m_safe[:, None], offset + m)

    def __rshift__(self, other: MaxPlusKernel) -> MaxPlusKernel:
        c = jnp.max(other.offset)
        c = jnp.where(jnp.isfinite(c), c, 0.0)
        return MaxPlusKernel.centre(
            _max_plus(self.score, other.score + (other.offset - c)[:, None]), self.offset + c
        )


def _max_plus(a: jax.Array, b: jax.Array) -> jax.Array:
    """Tropical matrix product :math:`\\max_m (a_{im} + b_{mj})`; a loop over ``m`` for large
    ``k`` keeps memory at ``k^2`` instead of ``k^3``."""
    k = a.shape[1]
    if k <= 16:
        return jnp.max(a[:, :, None] + b[None], axis=1)
    return cast(
        jax.Array,
        jax.lax.fori_loop(
            1,
            k,
            lambda m, acc: jnp.maximum(acc, a[:, m, None] + b[m][None, :]),
            a[:, 0, None] + b[0][None, :],
        ),
    )


class Pointer(eqx.Module):
    r"""A deterministic kernel :math:`i \mapsto \mathrm{table}[i]` (a function between finite
    sets, integer-valued); ``a >> b`` is :math:`i \mapsto b(a(i))`, exact. A chain of Viterbi
    back-pointers composed by :func:`backward` gives, for every ``t``, the map from the final
    state to the state at ``t`` on the best path ending there.

    >>> import jax.numpy as jnp
    >>> (Pointer(jnp.array([1, 0, 0])) >> Pointer(jnp.array([2, 2, 1]))).table.tolist()
    [2, 2, 2]
    """

    table: jax.Array

    def __rshift__(self, other: Pointer) -> Pointer:
        return Pointer(jnp.take(other.table, self.table, axis=-1, mode="clip"))


# --- linear-Gaussian kernels with Gaussian evidence ---------------------------------------------


class GaussianEvidenceKernel(eqx.Module):
    r"""The kernel :math:`x \mapsto N(Ax + b, C)` with the evidence
    :math:`\ell(x) \propto \exp(-\tfrac12 x^\top J x + \eta^\top x)` on its input: a Kalman
    filtering element of Särkkä & García-Fernández (2021).

    ``a >> b`` conditions ``a``'s output on ``b``'s evidence (an information-form Bayesian
    update), composes with ``b``'s kernel, and pulls ``b``'s evidence back through ``a``:

    .. math::
       W = A_2 (I + C_1 J_2)^{-1},\quad A = W A_1,\quad b = W(b_1 + C_1\eta_2) + b_2,\quad
       C = W C_1 A_2^\top + C_2,

       V = A_1^\top (I + J_2 C_1)^{-1},\quad \eta = V(\eta_2 - J_2 b_1) + \eta_1,\quad
       J = V J_2 A_1 + J_1.

    :math:`I + C_1J_2` is invertible whenever :math:`C_1, J_2` are PSD (its eigenvalues are
    :math:`\ge 1`), so singular :math:`C` (singular process noise) is fine.

    >>> import jax.numpy as jnp
    >>> e = GaussianEvidenceKernel(jnp.eye(1), jnp.zeros(1), jnp.eye(1), jnp.zeros(1), jnp.eye(1))
    >>> (e >> e).C.tolist()   # variance 1, halved by the evidence, plus 1
    [[1.5]]
    """

    A: jax.Array
    b: jax.Array
    C: jax.Array
    eta: jax.Array
    J: jax.Array

    def __rshift__(self, other: GaussianEvidenceKernel) -> GaussianEvidenceKernel:
        a1, b1, c1, e1, j1 = self.A, self.b, self.C, self.eta, self.J
        a2, b2, c2, e2, j2 = other.A, other.b, other.C, other.eta, other.J
        eye = jnp.eye(a1.shape[-1], dtype=a1.dtype)
        w = jnp.linalg.solve(eye + j2 @ c1, a2.T).T  # A2 (I + C1 J2)^{-1}
        v = jnp.linalg.solve(eye + c1 @ j2, a1).T  # A1^T (I + J2 C1)^{-1}
        return GaussianEvidenceKernel(
            w @ a1,
            w @ (b1 + c1 @ e2) + b2,
            symmetrise(w @ c1 @ a2.T + c2),
            v @ (e2 - j2 @ b1) + e1,
            symmetrise(v @ j2 @ a1 + j1),
        )


# --- scans --------------------------------------------------------------------------------------


def _compose(a: Any, b: Any) -> Any:
    return a >> b


def prefix(elements: E) -> E:
    """``out[t] = elements[0] >> ... >> elements[t]`` in ``O(log T)`` depth."""
    return cast(E, jax.lax.associative_scan(jax.vmap(_compose), elements))


def _compose_flipped(a: Any, b: Any) -> Any:
    return b >> a


def suffix(elements: E) -> E:
    """``out[t] = elements[t] >> ... >> elements[T-1]`` (the tail, in time order), ``O(log T)``."""
    return cast(E, jax.lax.associative_scan(jax.vmap(_compose_flipped), elements, reverse=True))


def backward(elements: E) -> E:
    """``out[t] = elements[T-1] >> ... >> elements[t]`` (latest first: a chain of backward
    kernels, as in a smoother), ``O(log T)`` depth."""
    return cast(E, jax.lax.associative_scan(jax.vmap(_compose), elements, reverse=True))


def reduce(elements: E, identity: E) -> E:
    """``elements[0] >> ... >> elements[T-1]`` as one element, by a balanced tree of
    compositions (``identity`` pads odd levels); ``T - 1`` compositions, ``log2 T`` levels."""
    n = jax.tree_util.tree_leaves(elements)[0].shape[0]
    while n > 1:
        if n % 2:
            elements = jax.tree_util.tree_map(
                lambda x, i: jnp.concatenate([x, i[None]]), elements, identity
            )
            n += 1
        evens = jax.tree_util.tree_map(lambda x: x[0::2], elements)
        odds = jax.tree_util.tree_map(lambda x: x[1::2], elements)
        elements = jax.vmap(_compose)(evens, odds)
        n //= 2
    return cast(E, jax.tree_util.tree_map(lambda x: x[0], elements))


# --- method="auto" ------------------------------------------------------------------------------

AUTO_PARALLEL_MIN_STEPS: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        # backend -> inference kind -> the length T from which "auto" picks the parallel scan.
        # cpu: never parallel: the HMM and Kalman filters measured 1.4-17x slower at T = 100
        # and 1000 (benchmarks/results/filtering.json); T = 10, 1e4, 1e5 and the Viterbi rows
        # of python -m benchmarks.bench_filtering --methods-only are still to be measured in
        # a completed run (the O(k^3) vs O(k^2) work argument). gpu/tpu: NOT measured (no accelerator was
        # available), from the depth argument (sequential ~T steps vs ~2 log2 T levels).
        "cpu": MappingProxyType(
            {"hmm": float("inf"), "viterbi": float("inf"), "kalman": float("inf")}
        ),
        "gpu": MappingProxyType({"hmm": 256.0, "viterbi": 256.0, "kalman": 256.0}),
        "tpu": MappingProxyType({"hmm": 256.0, "viterbi": 256.0, "kalman": 256.0}),
    }
)

_METHODS = ("sequential", "parallel", "auto")


def resolve_method(method: str, num_steps: int, kind: str) -> str:
    """``"sequential"`` or ``"parallel"`` for a requested ``method`` and a sequence length.

    ``"auto"`` picks ``"parallel"`` when ``num_steps >= AUTO_PARALLEL_MIN_STEPS[backend][kind]``
    for the default backend, else ``"sequential"``. On CPU the parallel scan does ``O(k^3)``
    work per step for a ``k``-state HMM (``O(k^2)`` sequentially) and about twice the
    ``O(n^3)`` work for Kalman, and a CPU has little width to spend it on, so on CPU
    ``"auto"`` is sequential at every length (measured for ``T`` from 10 to ``10^5`` by
    ``python -m benchmarks.bench_filtering --methods-only``: the parallel HMM filter 1.9-68x,
    Viterbi 1.4-6.5x and Kalman filter 1.9-2.9x slower than the sequential ones). On GPU/TPU it is parallel from ``T = 256`` for all three kinds: a rule from
    the ``T`` vs ``2 log2 T`` depth argument, not measured here (no accelerator was
    available).

    >>> resolve_method("parallel", 10, "hmm")
    'parallel'
    """
    if method not in _METHODS:
        raise HyperparameterError(
            f"Expected method to be one of {_METHODS}, got {method!r} instead; "
            f'use "auto" to let catlearn choose by backend and sequence length.'
        )
    if method != "auto":
        return method
    table = AUTO_PARALLEL_MIN_STEPS.get(jax.default_backend(), AUTO_PARALLEL_MIN_STEPS["gpu"])
    return "parallel" if num_steps >= table[kind] else "sequential"
