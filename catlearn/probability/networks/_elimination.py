r"""Variable elimination: exact queries by a planned contraction (private; public as
:class:`catlearn.probability.networks.engines.VariableElimination`).

A query signature (targets, observed ids, softly observed ids) is planned once per network
by :mod:`catlearn.probability.networks._netquery` (prune, slice, split, min-fill order) and
the plan kept in a bounded LRU owned by the engine object. A concrete query runs its plan in
numpy float64 (no JAX; the answer is memoised read-only, bounded, so an exact repeat is a
lookup, and every call returns its own writeable copy); ``jit=True``, traced states or ``tables`` run the same plan as one jitted JAX
contraction (vmapped for batches), which ``jax.grad`` differentiates in the tables.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import is_concrete
from catlearn.probability.kernels.contraction import decode, execute
from catlearn.probability.networks import _netquery, _request
from catlearn.probability.networks._request import Network, Query

__all__ = ["VariableElimination"]

_V = TypeVar("_V")
#: A jitted contraction: ``(tables, states, likelihoods) -> (posterior, P(e))``.
_JaxFn = Callable[..., tuple[jax.Array, jax.Array]]


def lru_size(name: str, n: Any) -> int:
    """A cache bound: an int >= 0 (0 keeps nothing), or a typed error."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise errors.ArgumentValueError(
            f"Expected {name} as an int >= 0 (entries kept; 0 keeps none), got {n!r}."
        )
    return int(n)


def remember(cache: OrderedDict[Any, Any], key: Any, value: _V, bound: int) -> _V:
    """Put ``value`` in the LRU ``cache`` (oldest out past ``bound``); return it."""
    if bound:
        cache[key] = value
        if len(cache) > bound:
            cache.popitem(last=False)
    return value


@dataclass
class _Caches:
    """What the engine keeps for one network (each dict a bounded LRU)."""

    plans: OrderedDict[tuple[Any, ...], _netquery.QueryPlan] = field(default_factory=OrderedDict)
    jitted: OrderedDict[tuple[int, bool], tuple[_netquery.QueryPlan, _JaxFn]] = field(
        default_factory=OrderedDict
    )
    answers: OrderedDict[tuple[Any, ...], tuple[np.ndarray, float]] = field(
        default_factory=OrderedDict
    )
    jtables: tuple[Any, list[jax.Array]] | None = None


class VariableElimination:
    r"""Exact inference by variable elimination on a planned contraction:
    :math:`P(q, e) = \sum_{\text{rest}} \prod_v P(v \mid \mathrm{pa}(v))|_e`, summed in a
    min-fill order over the pruned network (barren nodes and d-separated parts go).

    Honours every query option: virtual and Jeffrey evidence, ``return_evidence``, ``jit``
    and ``tables`` (the JAX path, differentiable); also MAP (:meth:`map_query`) and batches
    (:meth:`batch`). Its caches, per network and each a bounded LRU, are owned by the engine
    object: ``plan_cache`` planned signatures, ``jit_cache`` jitted contractions and
    ``answer_cache`` memoised concrete answers (0 turns a cache off).

    >>> from catlearn.probability.networks.bayesnet import sprinkler
    >>> net, ve = sprinkler(), VariableElimination(plan_cache=8)
    >>> net.query(["Rain"], {"WetGrass": "T"}, engine=ve).round(4).tolist()
    [0.2921, 0.7079]
    >>> ve.cache_info(net)
    {'plans': 1, 'jitted': 0, 'answers': 1}
    """

    options: ClassVar[frozenset[str]] = frozenset(
        {"virtual_evidence", "jeffrey_evidence", "return_evidence", "jit", "tables"}
    )

    def __init__(
        self, *, plan_cache: int = 1024, jit_cache: int = 64, answer_cache: int = 4096
    ) -> None:
        self.plan_cache = lru_size("plan_cache", plan_cache)
        self.jit_cache = lru_size("jit_cache", jit_cache)
        self.answer_cache = lru_size("answer_cache", answer_cache)
        self._nets: weakref.WeakKeyDictionary[Any, _Caches] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return (
            f"VariableElimination(plan_cache={self.plan_cache}, jit_cache={self.jit_cache}, "
            f"answer_cache={self.answer_cache})"
        )

    # caches ------------------------------------------------------------------------------
    def _caches(self, net: Network) -> _Caches:
        c = self._nets.get(net)
        if c is None:
            c = self._nets[net] = _Caches()
        return c

    def cache_info(self, net: Network) -> dict[str, int]:
        """How many plans, jitted contractions and answers are kept for ``net``."""
        c = self._caches(net)
        return {"plans": len(c.plans), "jitted": len(c.jitted), "answers": len(c.answers)}

    def clear(self, net: Network | None = None) -> None:
        """Forget what was kept for ``net`` (every network when ``None``): its next query of
        every signature is fresh again."""
        if net is None:
            self._nets.clear()
        else:
            self._nets.pop(net, None)

    def plan(
        self,
        net: Network,
        targets: tuple[int, ...],
        evidence: tuple[int, ...],
        soft: tuple[int, ...] = (),
        maximize: bool = False,
    ) -> _netquery.QueryPlan:
        """The (cached) plan of a signature in ids; see
        :meth:`~catlearn.probability.networks.bayesnet.BayesNet.plan` for a printable one."""
        c = self._caches(net)
        key = (targets, evidence, soft, maximize, net.memory_budget)
        qp = c.plans.get(key)
        if qp is not None:
            c.plans.move_to_end(key)
            return qp
        x = net.indexed
        qp = _netquery.make_plan(
            x.parents, x.cards, x.ancestors, targets, evidence, soft,
            maximize=maximize, budget=net.memory_budget,
        )  # fmt: skip
        return remember(c.plans, key, qp, self.plan_cache)

    # queries -----------------------------------------------------------------------------
    def query(
        self,
        net: Network,
        q: Query,
        *,
        return_evidence: bool = False,
        jit: bool = False,
        tables: Mapping[int, Any] | None = None,
    ) -> Any:
        """The posterior of ``q.targets`` (a fresh, writeable float64 numpy array, or a JAX
        array on the JAX path), with :math:`P(e)` when ``return_evidence``."""
        c = self._caches(net)
        on_jax = jit or tables is not None or not is_concrete(q.states, q.likelihoods)
        post: Any  # numpy (array or scalar) on the numpy path, a JAX array on the JAX path
        memo = None
        if not on_jax and not q.soft:
            memo = (q.targets, q.evidence, q.states)
            hit = c.answers.get(memo)
            if hit is not None:
                c.answers.move_to_end(memo)
                post = hit[0].copy()  # the user's own writeable array; the memo stays intact
                return (post, hit[1]) if return_evidence else post
        qp = self.plan(net, q.targets, q.evidence, q.soft)
        if on_jax:
            fn = self._jax_fn(c, qp, batched=False)
            states = jnp.asarray(q.states, jnp.int32)
            post, z = fn(self._jax_tables(net, c, tables), states, list(q.likelihoods))
            if is_concrete(z) and not float(z) > 0:
                raise _request.zero(net, q)
            return (post, z) if return_evidence else post
        un, zm, z = _netquery.run(qp, net.indexed.tables, q.states, q.likelihoods)
        if not z > 0:
            raise _request.zero(net, q)
        post = un / zm
        if memo is not None:
            kept = post.copy()
            kept.setflags(write=False)
            remember(c.answers, memo, (kept, float(z)), self.answer_cache)
        return (post, z) if return_evidence else post

    def map_query(self, net: Network, q: Query) -> dict[int, int]:
        r"""The arg-max :math:`\arg\max_q \sum_{\text{rest}} P(q, \text{rest}, e)` (ids to
        state indices): max-product on the query's plan (sums first, then maxes), decoded
        backwards. Impossible evidence (anywhere in the network, not only in the query's
        component) raises :class:`~catlearn.errors.ZeroEvidenceError`, as :meth:`query`."""
        qp = self.plan(net, q.targets, q.evidence, q.soft, True)
        kept: list[Any] = []
        arrays = _netquery.gather(qp.factors, net.indexed.tables, q.states, q.likelihoods)
        best = execute(qp.plan, arrays, keep=kept)
        if not (best > 0 and _netquery.rest(qp, net.indexed.tables, q.states, q.likelihoods) > 0):
            raise _request.zero(net, q, "MAP state")  # P(e) = 0 (in any component)
        states = decode(qp.plan, kept)
        return {v: states[v] for v in q.targets}

    def batch(
        self,
        net: Network,
        targets: tuple[int, ...],
        evidence: tuple[int, ...],
        columns: Any,
        tables: Mapping[int, Any] | None = None,
    ) -> tuple[jax.Array, jax.Array]:
        """``(posteriors, P(e))`` for ``B`` cases at once: ``columns`` is the ``(B, k)``
        matrix of the states of ``evidence``; one jitted, vmapped contraction."""
        c = self._caches(net)
        qp = self.plan(net, targets, evidence)
        return self._jax_fn(c, qp, batched=True)(self._jax_tables(net, c, tables), columns, [])

    def contract(self, net: Network, out: tuple[int, ...]) -> np.ndarray:
        """The (unnormalised) marginal table of ``out`` without evidence (float64)."""
        qp = self.plan(net, out, ())
        un, _, _ = _netquery.run(qp, net.indexed.tables, (), full_evidence=False)
        return np.asarray(un)

    # the JAX path ------------------------------------------------------------------------
    def _jax_tables(self, net: Network, c: _Caches, tables: Mapping[int, Any] | None) -> list[Any]:
        dt = jnp.zeros(()).dtype  # follows jax_enable_x64 when it is switched
        if c.jtables is None or c.jtables[0] != dt:
            with jax.ensure_compile_time_eval():  # concrete even when first asked under jit
                c.jtables = (dt, [jnp.asarray(t) for t in net.indexed.tables])
        base = c.jtables[1]
        if not tables:
            return base
        out = list(base)
        for i, t in tables.items():
            out[i] = t
        return out

    def _jax_fn(self, c: _Caches, qp: _netquery.QueryPlan, batched: bool) -> _JaxFn:
        key = (id(qp), batched)
        hit = c.jitted.get(key)
        if hit is not None and hit[0] is qp:
            c.jitted.move_to_end(key)
            return hit[1]

        def one(tables: list[Any], ev: Any, soft: list[Any]) -> tuple[Any, Any]:
            evl = [ev[j] for j in range(len(qp.evidence))]
            soft = [jnp.asarray(s, tables[0].dtype) for s in soft]
            un, zm, z = _netquery.run(qp, tables, evl, soft, jnp)
            return un / jnp.where(zm > 0, zm, 1.0), z

        fn = jax.jit(jax.vmap(one, in_axes=(None, 0, None)) if batched else one)
        return remember(c.jitted, key, (qp, fn), self.jit_cache)[1]
