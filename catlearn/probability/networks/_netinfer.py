r"""Queries of a :class:`~catlearn.probability.networks.bayesnet.BayesNet` (private: the methods live
here to keep modules small; :class:`BayesNet` inherits them).

Exact queries run a cached plan (:mod:`catlearn.probability.networks._netquery`) in numpy float64, or
as one jitted JAX contraction (batches, traced inputs, gradients); approximate ones use
likelihood weighting (:mod:`catlearn.probability.networks._netsample`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.types import Fin, Ty
from catlearn.errors import ShapeError, SupportError, ZeroEvidenceError
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.networks import _netquery, _netsample
from catlearn.probability.networks.contraction import decode, execute

__all__: list[str] = []


def _variables(variables: Any) -> list[Any]:
    """The query variables as a list (a single name allowed), or a typed error."""
    if isinstance(variables, str):
        return [variables]
    if isinstance(variables, Mapping) or not isinstance(variables, Sequence | set | frozenset):
        raise errors.ArgumentTypeError(
            f"Expected the query variables as a name or a list of names, got "
            f"{type(variables).__name__} ({variables!r:.60}); pass e.g. ['Rain']."
        )
    return list(variables)


def _evidence(evidence: Any) -> Mapping[str, Any]:
    """The evidence as a mapping (``None`` is no evidence), or a typed error."""
    if evidence is None:
        return {}
    if not isinstance(evidence, Mapping):
        raise errors.ArgumentTypeError(
            f"Expected the evidence as a mapping {{variable: state}}, got "
            f"{type(evidence).__name__} ({evidence!r:.60}); pass e.g. {{'WetGrass': 1}}."
        )
    return evidence


def _traced(x: Any) -> bool:
    return isinstance(x, jax.core.Tracer)


class InferenceMixin:
    """Exact and approximate queries (see :class:`~catlearn.probability.networks.bayesnet.BayesNet`)."""

    _id: dict[str, int]
    _np: list[np.ndarray]
    _states: list[dict[Any, int]]
    _card_l: list[int]
    _par_ids: list[tuple[int, ...]]
    _masks: list[int]
    _plans: Any
    _jitted: Any
    variables: tuple[str, ...]
    cards: dict[str, int]
    memory_budget: int | None
    PLAN_CACHE: int
    JIT_CACHE: int
    ANSWER_CACHE: int
    _answers: Any

    def _check_names(self, names: Any) -> None: ...  # pragma: no cover
    def state_index(self, v: str, state: Any) -> int: ...  # pragma: no cover
    def state_names(self, v: str) -> tuple[Any, ...]: ...  # pragma: no cover

    # planning ---------------------------------------------------------------------------
    def _plan(
        self, q: tuple[int, ...], ev: tuple[int, ...], soft: tuple[int, ...] = (), mx: bool = False
    ) -> _netquery.QueryPlan:
        key = (q, ev, soft, mx)
        qp = self._plans.get(key)
        if qp is None:
            qp = _netquery.make_plan(
                self._par_ids, self._card_l, self._masks, q, ev, soft,
                maximize=mx, budget=self.memory_budget,
            )  # fmt: skip
            self._plans[key] = qp
            if len(self._plans) > self.PLAN_CACHE:
                self._plans.popitem(last=False)
        return qp

    def clear_caches(self) -> None:
        """Forget the planned signatures, jitted contractions and memoised answers (the
        next query of every signature is fresh again)."""
        self._plans.clear()
        self._jitted.clear()
        self._answers.clear()

    def plan(self, variables: Sequence[str], evidence: Sequence[str] = ()) -> Any:
        """The contraction plan of a query signature (printable): which tables, sliced how,
        eliminated in which order, and its largest table.

        >>> from catlearn.probability.networks.bayesnet import asia
        >>> print(asia().plan(["lung"], ["xray"]))
        Plan: 6 factors -> ('lung',), 4 eliminations, largest table 8 entries
          sum asia: [('asia',), ('asia', 'tub')] -> ('tub',)
          sum smoke: [('smoke',), ('smoke', 'lung')] -> ('lung',)
          sum tub: [('lung', 'tub', 'either'), ('tub',)] -> ('lung', 'either')
          sum either: [('either',), ('lung', 'either')] -> ('lung',)
          final: [('lung',), ('lung',)] -> ('lung',)
        """
        q, ev = self._ids(variables, dict.fromkeys(evidence, 0))
        return self._plan(q, tuple(sorted(ev))).plan.relabel(self.variables)

    def _ids(self, variables: Sequence[str], evidence: Mapping[str, Any]) -> tuple[tuple, dict]:
        try:
            q = tuple(self._id[v] for v in variables)
            ev = {self._id[n]: s for n, s in evidence.items()}
        except (KeyError, TypeError):
            self._check_names([*variables, *evidence])
            raise
        if len(set(q)) != len(q) or not set(q).isdisjoint(ev):
            raise SupportError(
                f"Expected distinct query variables not in the evidence, got "
                f"{list(variables)} given {list(evidence)}. Drop the observed variable from "
                f"the query (its posterior is a point mass)."
            )
        return q, ev

    def _value(self, v: int, s: Any) -> Any:
        if _traced(s) or (isinstance(s, jax.Array) and not isinstance(s, np.ndarray)):
            return s if _traced(s) else self._value(v, s.item())
        i = None if isinstance(s, float | np.floating) else self._states[v].get(s)
        return i if i is not None else self.state_index(self.variables[v], s)

    def _soft(self, virtual: Mapping[str, Any] | None) -> tuple[tuple[int, ...], list[Any]]:
        if not virtual:
            return (), []
        ids, vecs = [], []
        for n in sorted(virtual):
            self._check_names([n])
            v = self._id[n]
            lam = virtual[n]
            if not _traced(lam):
                lam = np.asarray(lam, dtype=np.float64)
                if lam.shape != (self._card_l[v],) or not (np.isfinite(lam) & (lam >= 0)).all():
                    raise SupportError(
                        f"Expected the virtual evidence on {n!r} as {self._card_l[v]} finite "
                        f"weights >= 0 (a likelihood, any scale), got {lam!r} instead."
                    )
            ids.append(v)
            vecs.append(lam)
        return tuple(ids), vecs

    # exact and approximate queries -------------------------------------------------------
    def query(
        self,
        variables: Sequence[str] | str,
        evidence: Mapping[str, Any] | None = None,
        *,
        virtual_evidence: Mapping[str, Any] | None = None,
        jeffrey_evidence: Mapping[str, Any] | None = None,
        return_evidence: bool = False,
        method: str = "exact",
        num_samples: int = 100_000,
        key: Any = None,
        jit: bool = False,
        tables: Mapping[str, Any] | None = None,
    ) -> Any:
        r"""The posterior :math:`P(\text{variables} \mid \text{evidence})`, one axis per
        query variable (in the given order).

        ``evidence`` maps names to states (ints or state names). ``virtual_evidence`` maps
        names to likelihood vectors :math:`\lambda` (Pearl's rule, as
        :func:`~catlearn.probability.inference.bayes.pearl_update`: the posterior is
        :math:`\propto P(q, e) \sum_s \lambda(s) P(v = s \mid q, e)`);
        ``jeffrey_evidence`` maps *one* name to a target distribution :math:`\tau`
        (Jeffrey's rule, as :func:`~catlearn.probability.inference.bayes.jeffrey_update`:
        :math:`\sum_s \tau(s) P(q \mid v = s, e)`). ``return_evidence=True`` also returns
        :math:`P(e)` (times the virtual weights). Impossible evidence raises
        :class:`~catlearn.errors.ZeroEvidenceError`.

        ``method="exact"`` (default): the planned contraction (module docstring); a concrete
        query returns a float64 numpy array computed without JAX; with ``jit=True``, traced
        evidence, or ``tables`` (arrays in kernel layout replacing the CPTs, e.g. under
        ``jax.grad``) the same plan runs as a jitted JAX contraction and returns JAX arrays.
        A plan larger than ``memory_budget`` raises :class:`~catlearn.errors.MemoryBudgetError`.
        ``method="sampling"``: likelihood weighting with ``num_samples`` samples and the
        ``jax.random`` ``key``; returns a ``SampledPosterior`` (``probs``, ``stderr``).

        >>> from catlearn.probability.networks.bayesnet import sprinkler
        >>> net = sprinkler()
        >>> net.query(["Rain"], {"WetGrass": "T"}).round(4).tolist()
        [0.2921, 0.7079]
        >>> net.query(["Rain"], virtual_evidence={"WetGrass": [0.0, 1.0]}).round(4).tolist()
        [0.2921, 0.7079]
        >>> est = net.query(["Rain"], {"WetGrass": "T"}, method="sampling", num_samples=20000,
        ...                 key=jax.random.key(0))
        >>> bool(abs(est.probs[1] - 0.7079) < 4 * est.stderr[1] + 1e-3)
        True
        """
        variables, evidence = _variables(variables), _evidence(evidence)
        if method == "sampling":
            return self._sampling_query(variables, evidence, num_samples, key)
        if method != "exact":
            raise SupportError(f'Expected method "exact" or "sampling", got {method!r}.')
        if jeffrey_evidence:
            return self._jeffrey(variables, evidence, jeffrey_evidence, virtual_evidence)
        plain = not (jit or tables is not None or virtual_evidence)
        if plain:  # a repeat of an exact concrete query: its read-only answer, memoised
            try:
                memo = (
                    tuple(variables),
                    tuple((k, type(v), v) for k, v in sorted(evidence.items())),
                )
                hit = self._answers.get(memo)
            except TypeError:  # unhashable (e.g. traced) values
                plain, hit = False, None
            if hit is not None:
                return hit if return_evidence else hit[0]
        q, ev = self._ids(variables, evidence)
        evk = tuple(sorted(ev))
        vals = [self._value(v, ev[v]) for v in evk]
        soft_ids, soft = self._soft(virtual_evidence)
        qp = self._plan(q, evk, soft_ids)
        if jit or tables is not None or any(map(_traced, vals)) or any(map(_traced, soft)):
            fn = self._jax_fn(qp, batched=False)
            post, z = fn(self._jax_tables(tables), jnp.asarray(vals, jnp.int32), soft)
            if not _traced(z) and not float(z) > 0:
                self._zero(evidence, variables)
            return (post, z) if return_evidence else post
        un, zm, z = _netquery.run(qp, self._np, vals, soft)
        if not z > 0:
            self._zero(evidence, variables)
        post = un / zm
        if plain:
            post.setflags(write=False)
            self._answers[memo] = (post, float(z))
            if len(self._answers) > self.ANSWER_CACHE:
                self._answers.popitem(last=False)
        return (post, z) if return_evidence else post

    def _jeffrey(self, variables: Any, evidence: Any, target: Any, virtual: Any) -> Any:
        if len(target) != 1:
            raise SupportError(
                f"Expected Jeffrey evidence on one variable (the rule's result depends on the "
                f"order of updates), got {list(target)}; apply them one at a time."
            )
        ((n, tau),) = target.items()
        self._check_names([n])
        tau = np.asarray(tau, dtype=np.float64)
        if tau.shape != (self.cards[n],) or abs(tau.sum() - 1) > 1e-9 or (tau < 0).any():
            raise SupportError(
                f"Expected a Jeffrey target on {n!r}: {self.cards[n]} probabilities summing to "
                f"1, got {tau!r} instead."
            )
        out = 0.0
        for s in np.flatnonzero(tau):
            out = out + tau[s] * self.query(
                variables, {**evidence, n: int(s)}, virtual_evidence=virtual
            )
        return out

    def _sampling_query(self, variables: Any, evidence: Any, num: int, key: Any) -> Any:
        q, ev = self._ids(variables, evidence)
        ev = {v: self._value(v, s) for v, s in ev.items()}
        if key is None:
            raise SupportError(
                'Expected a jax.random key for method="sampling" (key=jax.random.key(0)).'
            )
        m = 0
        for v in (*q, *ev):
            m |= self._masks[v]
        rel = [v for v in range(m.bit_length()) if m >> v & 1]  # the ancestral sub-network
        pos = {v: i for i, v in enumerate(rel)}
        packed = _netsample.pack(
            [self._np[v] for v in rel],
            [tuple(pos[p] for p in self._par_ids[v]) for v in rel],
            [self._card_l[v] for v in rel],
            pad=max(16, 1 << (len(rel) - 1).bit_length()),
        )
        sub_ev = {pos[v]: s for v, s in ev.items()}
        xs, lw = _netsample.draw(packed, int(num), key, sub_ev, cols=[pos[v] for v in q])
        return _netsample.estimate(xs, lw, tuple(self._card_l[v] for v in q))

    def sample(self, key: Any, n: int) -> dict[str, np.ndarray]:
        """``n`` forward (ancestral) samples: a dict of int arrays of states, one per variable.

        >>> from catlearn.probability.networks.bayesnet import sprinkler
        >>> s = sprinkler().sample(jax.random.key(0), 1000)
        >>> sorted(s), s["Rain"].shape
        (['Cloudy', 'Rain', 'Sprinkler', 'WetGrass'], (1000,))
        """
        packed = self.__dict__.get("_packed")
        if packed is None:
            packed = self.__dict__["_packed"] = _netsample.pack(
                self._np, self._par_ids, self._card_l
            )
        xs, _ = _netsample.draw(packed, int(n), key)
        return {v: xs[:, i] for i, v in enumerate(self.variables)}

    # the JAX path ------------------------------------------------------------------------
    def _jax_tables(self, tables: Mapping[str, Any] | None) -> list[Any]:
        dt = jnp.zeros(()).dtype  # follows jax_enable_x64 when it is switched
        cached = self.__dict__.get("_jtables")
        if cached is None or cached[0] != dt:
            with jax.ensure_compile_time_eval():  # concrete even when first asked under jit
                cached = self.__dict__["_jtables"] = (dt, [jnp.asarray(t) for t in self._np])
        base = cached[1]
        if not tables:
            return base
        self._check_names(tables)
        out = list(base)
        for n, t in tables.items():
            i = self._id[n]
            if jnp.shape(t) != self._np[i].shape:
                raise ShapeError(
                    f"Expected the table of {n!r} in kernel layout [parents..., {n}], shape "
                    f"{self._np[i].shape}, got shape {jnp.shape(t)} instead."
                )
            out[i] = t
        return out

    def _jax_fn(self, qp: _netquery.QueryPlan, batched: bool) -> Any:
        key = (id(qp), batched)
        hit = self._jitted.get(key)
        if hit is not None and hit[0] is qp:
            return hit[1]

        def one(tables: list[Any], ev: Any, soft: list[Any]) -> tuple[Any, Any]:
            evl = [ev[j] for j in range(len(qp.evidence))]
            soft = [jnp.asarray(s, tables[0].dtype) for s in soft]
            un, zm, z = _netquery.run(qp, tables, evl, soft, jnp)
            return un / jnp.where(zm > 0, zm, 1.0), z

        fn = jax.jit(jax.vmap(one, in_axes=(None, 0, None)) if batched else one)
        self._jitted[key] = (qp, fn)
        if len(self._jitted) > self.JIT_CACHE:
            self._jitted.popitem(last=False)
        return fn

    def _columns(self, evidence: Mapping[str, Any]) -> tuple[tuple[int, ...], Any, int]:
        evidence = _evidence(evidence)
        ids, cols = [], []
        for n in sorted(evidence):
            self._check_names([n])
            v = self._id[n]
            col = evidence[n]
            if not _traced(col):
                if isinstance(col, list | tuple):  # ints and state names, mixed
                    col = [self._value(v, s) for s in col]
                col = np.asarray(col)
                if col.dtype.kind in "OUS":  # state names
                    col = np.asarray([self._value(v, s) for s in col.tolist()], np.int32)
                elif col.dtype.kind not in "iub":
                    raise SupportError(
                        f"Expected states of {n!r} as ints or state names, got dtype {col.dtype}."
                    )
                if col.size and (col.min() < 0 or col.max() >= self._card_l[v]):
                    raise SupportError(
                        f"Expected states of {n!r} in 0..{self._card_l[v] - 1} or one of "
                        f"{list(self.state_names(n))}, got values from {col.min()} to "
                        f"{col.max()}."
                    )
            if jnp.ndim(col) != 1 or (cols and jnp.shape(col) != jnp.shape(cols[0])):
                raise ShapeError(
                    f"Expected 1-D evidence arrays of one length, got shape {jnp.shape(col)} "
                    f"for {n!r}."
                )
            ids.append(v)
            cols.append(col)
        if not cols:
            raise ShapeError("Expected at least one evidence column (the batch axis).")
        return tuple(ids), jnp.stack([jnp.asarray(c, jnp.int32) for c in cols], 1), len(cols[0])

    def query_batch(
        self,
        variables: Sequence[str] | str,
        evidence: Mapping[str, Any],
        *,
        tables: Mapping[str, Any] | None = None,
    ) -> jax.Array:
        r"""Many posteriors at once: ``evidence`` maps names to 1-D arrays of states (ints or
        state names), one entry per case (all of length ``B``); returns shape
        ``(B, cards of variables...)``. One jitted, vmapped contraction of the signature's
        plan; ``tables`` as in :meth:`query`. Raises ZeroEvidenceError naming the first
        impossible case (concrete inputs).

        >>> from catlearn.probability.networks.bayesnet import sprinkler
        >>> sprinkler().query_batch(["Rain"], {"WetGrass": ["T", "F", 1]}).shape
        (3, 2)
        """
        variables, evidence = _variables(variables), _evidence(evidence)
        q, _ = self._ids(variables, dict.fromkeys(evidence, 0))
        ids, ev, _ = self._columns(evidence)
        qp = self._plan(q, ids)
        post, z = self._jax_fn(qp, batched=True)(self._jax_tables(tables), ev, [])
        if not _traced(z):
            bad = np.flatnonzero(~(np.asarray(z) > 0))
            if bad.size:
                case = {n: np.asarray(evidence[n])[bad[0]].item() for n in sorted(evidence)}
                raise ZeroEvidenceError(
                    f"Case {int(bad[0])} of the batch, evidence {case}, has probability 0, so "
                    f"its posterior is undefined. Expected evidence with positive probability."
                )
        return post

    def log_evidence(
        self, evidence: Mapping[str, Any], *, tables: Mapping[str, Any] | None = None
    ) -> jax.Array:
        r""":math:`\log P(e_b)` for a batch of (partial) observations ``evidence`` (names to
        1-D arrays, as :meth:`query_batch`): the contraction of the network with the observed
        wires plugged, jitted and vmapped, differentiable in ``tables`` (kernel layout).

        Maximum likelihood for the CPTs: parametrise each table by logits, ``tables =
        {v: softmax(logits[v], axis=-1)}``, and minimise ``-log_evidence(data,
        tables=tables).mean()`` with optax (``tests/test_networks.py`` recovers the
        sprinkler CPTs from 20,000 samples within 0.02). With hidden variables this is the
        marginal likelihood (what EM maximises).

        >>> from catlearn.probability.networks.bayesnet import sprinkler
        >>> net = sprinkler()
        >>> float(jnp.exp(net.log_evidence({"WetGrass": [1]})[0])).__round__(4)
        0.6471
        """
        ids, ev, _ = self._columns(evidence)
        qp = self._plan((), ids)
        _, z = self._jax_fn(qp, batched=True)(self._jax_tables(tables), ev, [])
        return jnp.log(z)

    def map_query(
        self, variables: Sequence[str] | None = None, evidence: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        r"""The most probable joint state of ``variables`` given ``evidence``,
        :math:`\arg\max_q \sum_{\text{rest}} P(q, \text{rest}, e)` (marginal MAP; all the
        unobserved variables when ``variables`` is ``None``: MPE), by max-product on the
        query's plan (sums first, then maxes) and back-tracking. States come back as state
        names when the CPT has them (like pgmpy's ``map_query``).

        >>> from catlearn.probability.networks.bayesnet import asia
        >>> asia().map_query(["lung", "tub"], {"xray": "yes", "smoke": "yes"})
        {'lung': 'yes', 'tub': 'no'}
        """
        evidence = _evidence(evidence)
        if variables is None:
            variables = [v for v in self.variables if v not in evidence]
        variables = _variables(variables)
        q, ev = self._ids(variables, evidence)
        evk = tuple(sorted(ev))
        vals = [self._value(v, ev[v]) for v in evk]
        qp = self._plan(q, evk, (), True)
        kept: list[Any] = []
        best = execute(qp.plan, _netquery.gather(qp.factors, self._np, vals), keep=kept)
        if not best > 0:
            self._zero(evidence, variables)
        states = decode(qp.plan, kept)
        return {n: self.state_names(n)[states[v]] for n, v in zip(variables, q)}

    def marginal(self, v: str) -> np.ndarray:
        """The prior marginal :math:`P(v)` (float64).

        >>> from catlearn.probability.networks.bayesnet import BayesNet, CPT
        >>> BayesNet([], {"c": CPT([0.25, 0.75])}).marginal("c").tolist()
        [0.25, 0.75]
        """
        return self.query([v])

    def conditional(self, variables: Sequence[str], given: Sequence[str]) -> Finite:
        r"""The kernel :math:`P(\text{variables} \mid \text{given})` from ``given`` to
        ``variables``. Convention: rows of zero-probability parent configurations are uniform.

        >>> from catlearn.probability.networks.bayesnet import sprinkler
        >>> net = sprinkler()
        >>> net.conditional(["WetGrass"], ["Sprinkler", "Rain"]).allclose(net.kernel("WetGrass"))
        True
        """
        q, _ = self._ids([*given, *variables], {})
        joint = self._contract_all(q)  # type: ignore[attr-defined]
        ng = len(given)
        z = joint.sum(axis=tuple(range(ng, len(q))), keepdims=True)
        n_out = int(np.prod([self.cards[v] for v in variables], dtype=int))
        cond = np.where(z > 0, joint / np.where(z > 0, z, 1.0), 1.0 / n_out)
        return Finite(
            jnp.asarray(cond),
            Ty(*(Fin(self.cards[v]) for v in given)),
            Ty(*(Fin(self.cards[v]) for v in variables)),
            validate=False,
        )

    @staticmethod
    def _zero(evidence: Mapping[str, Any], query: Sequence[str]) -> None:
        raise ZeroEvidenceError(
            f"The evidence {dict(evidence)} has probability 0 in this network, so the "
            f"posterior of {list(query)} is undefined. Expected evidence with positive "
            f"probability; check the observed states, or soften the evidence."
        )
