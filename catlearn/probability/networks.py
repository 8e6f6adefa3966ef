r"""Bayesian networks as string diagrams of :class:`~catlearn.probability.markov.Finite` kernels.

A Bayesian network is a DAG with one conditional probability table (CPT) per variable,
:math:`P(v \mid \mathrm{pa}(v))`. Read as a string diagram (Fong, *Causal theories*; Fritz,
*A synthetic approach to Markov kernels*; Cho–Jacobs), each CPT is a kernel box
``Fin(|pa_1|) @ ... -> Fin(|v|)``, parents are copied to every child, and the diagram with all
variables as outputs evaluates to the joint state

.. math:: P(v_1, \dots, v_n) = \textstyle\prod_i P(v_i \mid \mathrm{pa}(v_i)).

Tables are given the way pgmpy users write them (``TabularCPD``): ``values[s, j]`` is the
probability of state ``s`` of the variable given the ``j``-th combination of the parents'
states, the *last* evidence variable varying fastest. Exact queries by variable name contract
the tables (Bayes' rule: the product of the CPTs, summed over the other variables, normalised
over the query). A single query compiles its signature (query and evidence names) once into
a numpy table of every answer, so later queries of that signature are an index, with no JAX
dispatch (:meth:`BayesNet.query` says when; answers agree with the JAX path to rounding).
``jit=True`` and :meth:`BayesNet.query_batch` use one jitted (vmapped) ``jnp.einsum`` with
one-hot evidence (the JAX path). Zero-probability evidence raises
:class:`~catlearn.errors.ZeroEvidenceError`.

>>> net = BayesNet(
...     [("rain", "wet")],
...     {"rain": CPT([[0.8], [0.2]]),
...      "wet": CPT([[0.9, 0.2], [0.1, 0.8]], evidence=["rain"])})
>>> [round(float(p), 4) for p in net.query(["rain"], evidence={"wet": 1})]
[0.3333, 0.6667]
>>> net.joint().allclose(net.kernel("rain") >> Finite.copy(Fin(2)) >> (Fin(2) @ net.kernel("wet")))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np

from catlearn.core.types import Fin, Ty
from catlearn.errors import NotStochasticError, ShapeError, SupportError, ZeroEvidenceError
from catlearn.probability.markov import Finite, is_concrete, xp_for

__all__ = ["CPT", "BayesNet", "asia", "burglary", "sprinkler"]


@dataclass(frozen=True)
class CPT:
    """A conditional probability table in pgmpy's layout.

    ``values`` has shape ``(card, prod(evidence cards))`` (or ``(card,)`` / ``(card, 1)``
    for a root); column ``j`` is the distribution given the ``j``-th parent configuration in
    C order over ``evidence`` (last parent fastest). ``state_names`` optionally names the
    states of the variable.

    >>> CPT([[0.9, 0.2], [0.1, 0.8]], evidence=["rain"]).card
    2
    """

    values: Any
    evidence: Sequence[str] = ()
    state_names: Sequence[Any] | None = None
    _arr: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        a = np.asarray(self.values, dtype=np.float64)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise ShapeError(
                f"Expected CPT values of shape (card, prod(parent cards)), got shape {a.shape}."
            )
        object.__setattr__(self, "_arr", a)
        object.__setattr__(self, "evidence", tuple(self.evidence))

    @property
    def card(self) -> int:
        """Number of states of the variable."""
        return int(self._arr.shape[0])


class BayesNet:
    """A discrete Bayesian network: a DAG, and a :class:`CPT` for every node.

    ``graph`` is a ``networkx.DiGraph`` or an iterable of ``(parent, child)`` edges; ``cpds``
    maps each variable to a :class:`CPT` (or to anything with pgmpy's ``TabularCPD``
    attributes). The parents named in a CPT's ``evidence`` must be exactly the node's
    parents in the graph; their order fixes the table's layout.

    >>> net = BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]),
    ...                                "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])})
    >>> net.variables, net.cards
    (('a', 'b'), {'a': 2, 'b': 2})
    """

    TABLE_LIMIT = 1 << 20  #: largest compiled answer table of a query signature (entries)
    EAGER_ANSWERS = 256  #: up to this many evidence configurations, answers made at compile

    def __init__(
        self, graph: nx.DiGraph | Iterable[tuple[str, str]], cpds: Mapping[str, Any]
    ) -> None:
        g = graph.copy() if isinstance(graph, nx.DiGraph) else nx.DiGraph(list(graph))
        g.add_nodes_from(cpds)
        if not nx.is_directed_acyclic_graph(g):
            raise ShapeError(f"Expected a DAG, got a graph with a cycle: {nx.find_cycle(g)}.")
        missing = [v for v in g.nodes if v not in cpds]
        if missing:
            raise ShapeError(f"Expected a CPT for every node; missing for {missing}.")
        self.graph = g
        self.variables: tuple[str, ...] = tuple(nx.lexicographical_topological_sort(g, key=str))
        self.cpts: dict[str, CPT] = {v: _as_cpt(cpds[v]) for v in self.variables}
        self.cards = {v: self.cpts[v].card for v in self.variables}
        self.parents: dict[str, tuple[str, ...]] = {}
        for v in self.variables:
            ev = self.cpts[v].evidence
            if set(ev) != set(g.predecessors(v)) or len(set(ev)) != len(ev):
                raise ShapeError(
                    f"Expected the evidence of the CPT of {v!r} to list its parents "
                    f"{sorted(g.predecessors(v))} once each, got {list(ev)} instead."
                )
            self.parents[v] = ev
        self._kernels = {v: self._make_kernel(v) for v in self.variables}
        self._cache: dict[Any, Any] = {}
        self._tables: dict[Any, Any] = {}
        self._fast: dict[Any, Any] = {}
        self._table_entries = 0

    def __repr__(self) -> str:
        return f"BayesNet({len(self.variables)} variables, {self.graph.number_of_edges()} edges)"

    # kernels ------------------------------------------------------------------------------
    def _make_kernel(self, v: str) -> Finite:
        pcards = tuple(self.cards[p] for p in self.parents[v])
        a = self.cpts[v]._arr
        n = int(np.prod(pcards, dtype=int))
        if a.shape[1] != n:
            raise ShapeError(
                f"Expected the CPT of {v!r} to have {n} columns (one per configuration of the "
                f"parents {list(self.parents[v])} with cards {list(pcards)}), got {a.shape[1]}."
            )
        dom = Ty(*(Fin(k) for k in pcards))
        try:
            return Finite(jnp.asarray(a.T.reshape((*pcards, a.shape[0]))), dom, Fin(a.shape[0]))
        except NotStochasticError as e:
            raise NotStochasticError(
                f"In the CPT of {v!r} (columns are parent configurations): {e}"
            ) from None

    def kernel(self, v: str) -> Finite:
        r"""The CPT of ``v`` as a kernel :math:`P(v \mid \mathrm{pa}(v))` from its parents.

        >>> BayesNet([], {"c": CPT([0.5, 0.5])}).kernel("c")
        Finite(Ty() -> Fin(2))
        """
        self._check_names([v])
        return self._kernels[v]

    def joint(self) -> Finite:
        """The joint state on ``Fin(card) @ ...`` in the order of ``variables`` (one einsum)."""
        ops: list[Any] = []
        for i, v in enumerate(self.variables):
            ops += [
                self._kernels[v].array,
                [self.variables.index(p) for p in self.parents[v]] + [i],
            ]
        xp = xp_for(*ops[::2])
        arr = xp.einsum(*ops, list(range(len(self.variables))))
        return Finite(
            jnp.asarray(arr, dtype=ops[0].dtype),
            Ty(),
            Ty(*(Fin(self.cards[v]) for v in self.variables)),
            validate=False,
        )

    def to_diagram(self) -> tuple[Any, dict[Any, Finite]]:
        """The network as a string diagram ``Ty() -> Fin(card_1) @ ...`` (one box per CPT,
        parents copied to their children) and the mapping from boxes to kernels, ready for
        ``compile(diagram, arrows, into=Finite)``, which returns :meth:`joint`."""
        from catlearn.diagrams.diagram import Box, Diagram

        wires: list[str] = []
        atoms = {v: Fin(self.cards[v]) for v in self.variables}
        steps: list[Any] = []
        arrows: dict[Any, Finite] = {}

        def ty(names: Sequence[str]) -> Ty:
            return Ty(*(atoms[n] for n in names))

        for v in self.variables:
            for p in self.parents[v]:
                i = wires.index(p)
                left, right = wires[:i], wires[i + 1 :]
                steps.append(ty(left) @ Diagram.copy(atoms[p]) @ ty(right))
                steps.append(ty([*left, p]) @ Diagram.swap(atoms[p], ty(right)))
                wires = [*left, p, *right, p]
            k = len(self.parents[v])
            box = Box(v, ty(self.parents[v]), atoms[v])
            arrows[box] = self._kernels[v]
            steps.append(ty(wires[: len(wires) - k]) @ box)
            wires = [*wires[: len(wires) - k], v]
        # the topological order is the wire order: nothing left to permute
        return Diagram.id(Ty()).then(*steps), arrows

    @classmethod
    def from_kernels(
        cls, kernels: Mapping[str, Finite], parents: Mapping[str, Sequence[str]]
    ) -> BayesNet:
        """Back from kernels: ``kernels[v]`` from its ``parents[v]`` (in that order) to ``v``.

        >>> k = {"a": Finite.state([0.3, 0.7]), "b": Finite.id(Fin(2))}
        >>> [round(float(p), 4) for p in BayesNet.from_kernels(k, {"b": ["a"]}).query(["b"])]
        [0.3, 0.7]
        """
        edges = [(p, v) for v, ps in parents.items() for p in ps]
        cpds = {}
        for v, k in kernels.items():
            a = np.asarray(k.array, dtype=np.float64)
            card = a.shape[-1]
            cpds[v] = CPT(a.reshape(-1, card).T, evidence=tuple(parents.get(v, ())))
        g = nx.DiGraph(edges)
        g.add_nodes_from(kernels)
        return cls(g, cpds)

    # pgmpy --------------------------------------------------------------------------------
    @classmethod
    def from_pgmpy(cls, model: Any) -> BayesNet:
        """Read a pgmpy ``DiscreteBayesianNetwork`` (its DAG and ``TabularCPD`` tables)."""
        cpds = {c.variable: c for c in model.get_cpds()}
        return cls(nx.DiGraph(list(model.edges())), cpds)

    def to_pgmpy(self) -> Any:
        """The same network as a pgmpy ``DiscreteBayesianNetwork`` (needs pgmpy installed)."""
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.models import DiscreteBayesianNetwork

        m = DiscreteBayesianNetwork(list(self.graph.edges()))
        m.add_nodes_from(self.variables)
        for v in self.variables:
            ev = list(self.parents[v])
            m.add_cpds(
                TabularCPD(
                    v,
                    self.cards[v],
                    self.cpts[v]._arr,
                    evidence=ev or None,
                    evidence_card=[self.cards[p] for p in ev] or None,
                )
            )
        return m

    def to_efprob(self) -> Any:
        """The joint state as an EfProb ``DiscState`` (needs efprob installed), built the
        EfProb way: the root's state pushed through one graph channel
        :math:`\\langle \\mathrm{id}, P(v \\mid \\mathrm{pa}(v)) \\rangle` per variable. Points
        are named ``"var=state"``; spaces are in the order of ``variables``."""
        import efprob as ef

        def names(v: str) -> list[str]:
            sn = self.cpts[v].state_names
            return [f"{v}={s}" for s in (sn if sn is not None else range(self.cards[v]))]

        sps = {v: ef.Space(*names(v)) for v in self.variables}
        omega, ws = None, []
        for v in self.variables:
            k = np.asarray(self._kernels[v].array, dtype=np.float64)
            if omega is None:
                omega, ws = ef.DiscState(k, sps[v]), [v]
                continue
            wsp = sps[ws[0]]
            for w in ws[1:]:
                wsp = wsp @ sps[w]
            sh, n = tuple(self.cards[w] for w in ws), len(ws)
            eye = np.eye(int(np.prod(sh, dtype=int))).reshape(sh + sh)
            pa = [ws.index(p) for p in self.parents[v]]
            kk = np.einsum(np.ones(sh), list(range(n)), k, [*pa, 2 * n], [*range(n), 2 * n])
            mat = np.einsum(eye, list(range(2 * n)), kk, [*range(n), 2 * n], list(range(2 * n + 1)))
            omega = ef.DiscChannel(mat, wsp, wsp @ sps[v]) >> omega
            ws.append(v)
        return omega

    # queries ------------------------------------------------------------------------------
    def _check_names(self, names: Iterable[str]) -> None:
        for n in names:
            if n not in self.cards:
                raise SupportError(
                    f"Expected a variable of the network (one of {list(self.variables)}), "
                    f"got {n!r} instead."
                )

    def state_index(self, v: str, state: Any) -> int:
        """The index of ``state`` of ``v`` (an int, or one of the CPT's ``state_names``)."""
        names = self.cpts[v].state_names
        if names is not None and not isinstance(state, int | np.integer) and state in names:
            return list(names).index(state)
        if isinstance(state, int | np.integer) and 0 <= int(state) < self.cards[v]:
            return int(state)
        raise SupportError(
            f"Expected a state of {v!r}: an int in 0..{self.cards[v] - 1}"
            + (f" or one of {list(names)}" if names is not None else "")
            + f", got {state!r} instead."
        )

    def _relevant(self, names: Iterable[str]) -> list[str]:
        keep = set(names)
        for n in list(keep):
            keep |= nx.ancestors(self.graph, n)
        return [v for v in self.variables if v in keep]

    def _query_fn(self, query: tuple[str, ...], ev_names: tuple[str, ...]) -> Any:
        key = (query, ev_names)
        if key in self._cache:
            return self._cache[key]
        rel = self._relevant(query + ev_names)
        idx = {v: i for i, v in enumerate(rel)}
        tables = [self._kernels[v].array for v in rel]
        subs = [[idx[p] for p in self.parents[v]] + [idx[v]] for v in rel]
        cards = [self.cards[v] for v in ev_names]
        out = [idx[q] for q in query]

        def run(tables: list[Any], ev: Any) -> tuple[Any, Any]:
            ops: list[Any] = []
            for t, s in zip(tables, subs):
                ops += [t, s]
            for j, (n, k) in enumerate(zip(ev_names, cards)):
                ops += [jax.nn.one_hot(ev[j], k, dtype=tables[0].dtype), [idx[n]]]
            un = jnp.einsum(*ops, out, optimize="greedy")
            z = jnp.sum(un)
            return un / jnp.where(z > 0, z, 1.0), z

        def run_numpy(tables: list[Any], ev: Any) -> tuple[Any, Any]:
            ops: list[Any] = []
            for t, s in zip(tables, subs):
                ops += [np.asarray(t), s]
            for j, (n, k) in enumerate(zip(ev_names, cards)):
                ops += [np.eye(k, dtype=ops[0].dtype)[int(ev[j])], [idx[n]]]
            un = np.einsum(*ops, out, optimize="greedy")
            z = un.sum()
            dt = tables[0].dtype
            return jnp.asarray(un / (z if z > 0 else 1.0), dt), jnp.asarray(z, dt)

        # tables are constants of the compiled query: the call passes only the evidence
        fn = [jax.jit(partial(run, tables)), tables, run_numpy, 0, run]
        self._cache[key] = fn
        return fn

    def _table(self, query: tuple[str, ...], ev_names: tuple[str, ...]) -> Any:
        """The compiled answer table of one query signature, or ``None`` when it would
        have more than :attr:`TABLE_LIMIT` entries (or the network's tables would hold more
        than ``4 * TABLE_LIMIT`` entries in all). One float64 ``np.einsum`` (greedy
        contraction path) over the relevant CPTs leaves the evidence and query axes free:
        ``un[e..., q...] = P(query = q, evidence = e)``; then ``z = sum_q un`` and
        ``post = un / z`` (0 where ``z == 0``), stored read-only in the tables' dtype. The
        contraction is summed directly when the relevant variables' joint has at most 2**16
        entries, else along numpy's greedy contraction path."""
        key = (query, ev_names)
        if key in self._tables:
            return self._tables[key]
        names = ev_names + query
        size = int(np.prod([self.cards[n] for n in names], dtype=float))
        if size > self.TABLE_LIMIT or self._table_entries + size > 4 * self.TABLE_LIMIT:
            self._tables[key] = None
            return None
        self._table_entries += size
        rel = self._relevant(names)
        idx = {v: i for i, v in enumerate(rel)}
        ops: list[Any] = []
        for v in rel:
            ops += [
                np.asarray(self._kernels[v].array, dtype=np.float64),
                [idx[p] for p in self.parents[v]] + [idx[v]],
            ]
        # a small relevant joint is summed directly (no path search); else a greedy path
        small = np.prod([self.cards[v] for v in rel], dtype=float) <= 1 << 16
        un = np.einsum(*ops, [idx[n] for n in names], optimize=not small and "greedy")
        z = un.sum(axis=tuple(range(len(ev_names), len(names))))
        zz = z.reshape(z.shape + (1,) * len(query))
        dt = np.dtype(self._kernels[rel[0]].array.dtype)
        post = np.where(zz > 0, un / np.where(zz > 0, zz, 1.0), 0.0).astype(dt)
        post.setflags(write=False)
        answers: dict[tuple[int, ...], list[Any]] = {}
        n_ev = int(np.prod(z.shape, dtype=int))
        if n_ev <= self.EAGER_ANSWERS:  # all answer arrays at once: one transfer, one unstack
            arrs = list(jnp.asarray(post.reshape((n_ev, *post.shape[len(ev_names) :]))))
            answers = {e: [a, None] for e, a in zip(np.ndindex(z.shape), arrs) if z[e] > 0}
        table = (post, z, z.astype(dt), answers)
        self._tables[key] = table
        return table

    def _forget_tables(self) -> None:
        """Drop the compiled answer tables (the next query of each signature recompiles)."""
        self._tables.clear()
        self._fast.clear()
        self._table_entries = 0

    def query(
        self,
        variables: Sequence[str],
        evidence: Mapping[str, Any] | None = None,
        *,
        return_evidence: bool = False,
        jit: bool | None = None,
    ) -> Any:
        r"""The exact posterior :math:`P(\text{variables} \mid \text{evidence})`.

        An array with one axis per query variable (in the given order). Evidence maps names
        to states (ints or state names). With ``return_evidence=True`` also returns
        :math:`P(\text{evidence})`. Raises :class:`~catlearn.errors.ZeroEvidenceError` when
        that probability is 0.

        How it is computed (the maths is the same on every path, Bayes' rule
        :math:`P(q \mid e) = P(q, e) / \sum_{q'} P(q', e)` over the product of the CPTs):

        * ``jit=None`` (default) or ``False``, when the signature's table (query and evidence
          cards multiplied) has at most :attr:`TABLE_LIMIT` = 2**20 entries (and the
          network's tables together at most 4 times that): the first query
          of a signature (query names, evidence names) *compiles* it, i.e. computes the
          posterior and the evidence probability for every evidence configuration at once
          in one float64 ``np.einsum`` over the relevant CPTs (no JAX); every query of that
          signature, with any evidence values, is then an index into that read-only table
          (no einsum, no JAX dispatch, no device readback). The JAX array of each answer is
          made once per evidence configuration and reused (JAX arrays are immutable): at
          compile time for all of them (one transfer, one unstack) when there are at most
          :attr:`EAGER_ANSWERS` = 256 configurations, else on first ask.
        * ``jit=True``, or larger tables: one jitted ``jnp.einsum`` per signature (evidence
          values traced as one-hot factors, so new values never recompile; the first three
          queries of a large signature run eagerly in numpy instead). This JAX path is also
          the one :meth:`query_batch` vmaps.

        The paths agree to floating-point rounding (float64: ~1e-16; the table path sums in
        float64 and rounds once to the tables' dtype); ``tests/test_networks.py`` checks it.

        >>> net = BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]),
        ...                                "b": CPT([[0.9, 0.5], [0.1, 0.5]], evidence=["a"])})
        >>> [round(float(p), 4) for p in net.query(["a"], {"b": 1})]
        [0.1667, 0.8333]
        """
        if isinstance(variables, str):
            variables = [variables]
        evidence = evidence or {}
        query = tuple(variables)
        if not jit:
            # hot path: a signature already compiled, evidence given as ints or state names
            fast = self._fast.get((query, tuple(evidence)))
            if fast is not None:
                answers, ev_names, maps = fast[3:]
                ev_l = []
                for n, m in zip(ev_names, maps):
                    s = evidence[n]
                    i = m.get(s) if type(s) is int or type(s) is str else None
                    if i is None:
                        break
                    ev_l.append(i)
                else:
                    ans = answers.get(tuple(ev_l))
                    if ans is not None and not return_evidence:
                        return ans[0]
                    return self._answer(fast, tuple(ev_l), evidence, query, return_evidence)
        ev_names = tuple(sorted(evidence))
        self._check_names(query + ev_names)
        if len(set(query)) != len(query) or not set(query).isdisjoint(ev_names):
            raise SupportError(
                f"Expected distinct query variables not in the evidence, got "
                f"{list(query)} given {sorted(evidence)}."
            )
        ev = tuple(self.state_index(n, evidence[n]) for n in ev_names)
        table = None if jit else self._table(query, ev_names)
        if table is not None:
            if len(self._fast) < 4096:  # ints and state names -> index, per evidence name
                maps = [
                    {
                        **{k: k for k in range(self.cards[n])},
                        **{
                            s: i
                            for i, s in enumerate(self.cpts[n].state_names or ())
                            if type(s) is str
                        },
                    }
                    for n in ev_names
                ]
                self._fast[(query, tuple(evidence))] = (*table, ev_names, maps)
            return self._answer(table, ev, evidence, query, return_evidence)
        entry = self._query_fn(query, ev_names)
        run, tables, run_numpy, calls, _ = entry
        entry[3] += 1
        ev_arr = np.asarray(ev, dtype=np.int32)
        # a large query shape asked up to 3 times runs eagerly (no compile), then it is jitted
        eager = calls < 3 if jit is None else not jit
        if eager and is_concrete(tables):
            post, z = run_numpy(tables, ev_arr)
        else:
            post, z = run(ev_arr)
        if float(z) <= 0.0:
            self._zero(evidence, query)
        return (post, z) if return_evidence else post

    def _answer(
        self,
        table: Any,
        ev: tuple[int, ...],
        evidence: Mapping[str, Any],
        query: Sequence[str],
        return_evidence: bool,
    ) -> Any:
        """Read one answer from a compiled table; its JAX arrays are made on first use."""
        post_t, z64, z_t, answers = table[:4]
        ans = answers.get(ev)
        if ans is None:
            if not z64[ev] > 0.0:
                self._zero(evidence, query)
            ans = answers[ev] = [jnp.asarray(post_t[ev]), None]
        if not return_evidence:
            return ans[0]
        if ans[1] is None:
            ans[1] = jnp.asarray(z_t[ev])
        return ans[0], ans[1]

    @staticmethod
    def _zero(evidence: Mapping[str, Any], query: Sequence[str]) -> None:
        raise ZeroEvidenceError(
            f"The evidence {dict(evidence)} has probability 0 in this network, so the "
            f"posterior of {list(query)} is undefined. Expected evidence with positive "
            f"probability; check the observed states, or soften the evidence."
        )

    def query_batch(self, variables: Sequence[str], evidence: Mapping[str, Any]) -> jax.Array:
        r"""Many posteriors at once: ``evidence`` maps names to int arrays of states, one
        entry per case (all of length ``B``); returns shape ``(B, cards of variables...)``.
        One jitted, vmapped einsum; raises ZeroEvidenceError naming the first impossible case.

        >>> net = BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]),
        ...                                "b": CPT([[0.9, 0.5], [0.1, 0.5]], evidence=["a"])})
        >>> net.query_batch(["a"], {"b": [0, 1, 1]}).shape
        (3, 2)
        """
        if isinstance(variables, str):
            variables = [variables]
        query, ev_names = tuple(variables), tuple(sorted(evidence))
        self._check_names(query + ev_names)
        if set(query) & set(ev_names) or not ev_names:
            raise SupportError(
                f"Expected distinct query variables not in the (non-empty) "
                f"evidence, got {list(query)} given {list(ev_names)}."
            )
        cols = []
        for n in ev_names:
            col = np.asarray(evidence[n])
            if col.ndim != 1 or (cols and col.shape != cols[0].shape):
                raise ShapeError(
                    f"Expected 1-D evidence arrays of one length, got shape {col.shape} for {n!r}."
                )
            if col.size and (col.min() < 0 or col.max() >= self.cards[n]):
                raise SupportError(
                    f"Expected states of {n!r} in 0..{self.cards[n] - 1}, got "
                    f"values from {col.min()} to {col.max()}."
                )
            cols.append(col.astype(np.int32))
        ev = jnp.asarray(np.stack(cols, axis=1))
        _, tables, _, _, run = self._query_fn(query, ev_names)
        key = ("batch", query, ev_names)
        if key not in self._cache:
            self._cache[key] = jax.jit(jax.vmap(partial(run, tables)))
        post, z = self._cache[key](ev)
        bad = np.flatnonzero(np.asarray(z) <= 0)
        if bad.size:
            case = {n: int(c[bad[0]]) for n, c in zip(ev_names, cols)}
            raise ZeroEvidenceError(
                f"Case {int(bad[0])} of the batch, evidence {case}, has probability 0, so its "
                f"posterior is undefined. Expected evidence with positive probability."
            )
        return post

    def marginal(self, v: str) -> jax.Array:
        """The prior marginal :math:`P(v)`.

        >>> BayesNet([], {"c": CPT([0.25, 0.75])}).marginal("c")
        Array([0.25, 0.75], dtype=float32)
        """
        return self.query([v])

    def conditional(self, variables: Sequence[str], given: Sequence[str]) -> Finite:
        r"""The kernel :math:`P(\text{variables} \mid \text{given})` from ``given`` to
        ``variables``. Convention: rows of zero-probability parent configurations are uniform.

        >>> net = BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]),
        ...                                "b": CPT([[0.9, 0.5], [0.1, 0.5]], evidence=["a"])})
        >>> net.conditional(["b"], ["a"]).allclose(net.kernel("b"))
        True
        """
        names = tuple(given) + tuple(variables)
        _, tables, run_numpy, _, _ = self._query_fn(names, ())
        joint, _ = run_numpy(tables, ())
        ng = len(given)
        z = jnp.sum(joint, axis=tuple(range(ng, len(names))), keepdims=True)
        n_out = int(np.prod([self.cards[v] for v in variables], dtype=int))
        cond = jnp.where(z > 0, joint / jnp.where(z > 0, z, 1.0), 1.0 / n_out)
        return Finite(
            cond,
            Ty(*(Fin(self.cards[v]) for v in given)),
            Ty(*(Fin(self.cards[v]) for v in variables)),
        )


def _as_cpt(c: Any) -> CPT:
    if isinstance(c, CPT):
        return c
    if hasattr(c, "variable") and hasattr(c, "get_values"):  # pgmpy TabularCPD
        ev = list(c.variables[1:])
        names = getattr(c, "state_names", {}).get(c.variable)
        return CPT(np.asarray(c.get_values()), evidence=ev, state_names=names)
    if isinstance(c, Mapping):
        return CPT(**c)
    return CPT(c)


# --- published networks (tables from the literature, typed in) --------------------------------


def sprinkler() -> BayesNet:
    """The sprinkler network (Russell & Norvig, *AIMA* 2nd ed. Fig. 14.12; Murphy's BNT).

    States are ``0 = False, 1 = True``. Classic answer: P(Rain = T | WetGrass = T) = 0.7079.

    >>> round(float(sprinkler().query(["Rain"], {"WetGrass": 1})[1]), 4)
    0.7079
    """
    tf = ("F", "T")
    return BayesNet(
        [
            ("Cloudy", "Sprinkler"),
            ("Cloudy", "Rain"),
            ("Sprinkler", "WetGrass"),
            ("Rain", "WetGrass"),
        ],
        {
            "Cloudy": CPT([0.5, 0.5], state_names=tf),
            "Sprinkler": CPT([[0.5, 0.9], [0.5, 0.1]], ["Cloudy"], tf),
            "Rain": CPT([[0.8, 0.2], [0.2, 0.8]], ["Cloudy"], tf),
            "WetGrass": CPT(
                [[1.0, 0.1, 0.1, 0.01], [0.0, 0.9, 0.9, 0.99]], ["Sprinkler", "Rain"], tf
            ),
        },
    )


def burglary() -> BayesNet:
    """Pearl's burglary/earthquake alarm network (Pearl 1988; Russell & Norvig Fig. 14.2).

    States ``0 = False, 1 = True``. Classic answer: P(Burglary | JohnCalls, MaryCalls) = 0.284.

    >>> round(float(burglary().query(["Burglary"], {"JohnCalls": 1, "MaryCalls": 1})[1]), 3)
    0.284
    """
    tf = ("F", "T")
    return BayesNet(
        [
            ("Burglary", "Alarm"),
            ("Earthquake", "Alarm"),
            ("Alarm", "JohnCalls"),
            ("Alarm", "MaryCalls"),
        ],
        {
            "Burglary": CPT([0.999, 0.001], state_names=tf),
            "Earthquake": CPT([0.998, 0.002], state_names=tf),
            # columns (B, E) = (F,F), (F,T), (T,F), (T,T)
            "Alarm": CPT(
                [[0.999, 0.71, 0.06, 0.05], [0.001, 0.29, 0.94, 0.95]],
                ["Burglary", "Earthquake"],
                tf,
            ),
            "JohnCalls": CPT([[0.95, 0.10], [0.05, 0.90]], ["Alarm"], tf),
            "MaryCalls": CPT([[0.99, 0.30], [0.01, 0.70]], ["Alarm"], tf),
        },
    )


def asia() -> BayesNet:
    """The "Asia" / chest-clinic network of Lauritzen & Spiegelhalter (1988), with the
    tables of the bnlearn repository. States ``0 = yes, 1 = no``. By hand: P(lung | smoke,
    xray) = 0.1·0.98 / (0.1·0.98 + 0.9·(0.0104·0.98 + 0.9896·0.05)) = 0.646.

    >>> round(float(asia().query(["lung"], {"smoke": "yes", "xray": "yes"})[0]), 4)
    0.646
    """
    yn = ("yes", "no")
    return BayesNet(
        [
            ("asia", "tub"),
            ("smoke", "lung"),
            ("smoke", "bronc"),
            ("tub", "either"),
            ("lung", "either"),
            ("either", "xray"),
            ("either", "dysp"),
            ("bronc", "dysp"),
        ],
        {
            "asia": CPT([0.01, 0.99], state_names=yn),
            "smoke": CPT([0.5, 0.5], state_names=yn),
            "tub": CPT([[0.05, 0.01], [0.95, 0.99]], ["asia"], yn),
            "lung": CPT([[0.1, 0.01], [0.9, 0.99]], ["smoke"], yn),
            "bronc": CPT([[0.6, 0.3], [0.4, 0.7]], ["smoke"], yn),
            # either = lung OR tub; columns (lung, tub) = (y,y), (y,n), (n,y), (n,n)
            "either": CPT([[1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]], ["lung", "tub"], yn),
            "xray": CPT([[0.98, 0.05], [0.02, 0.95]], ["either"], yn),
            # columns (bronc, either) = (y,y), (y,n), (n,y), (n,n)
            "dysp": CPT([[0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]], ["bronc", "either"], yn),
        },
    )
