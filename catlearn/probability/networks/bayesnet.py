r"""Bayesian networks as string diagrams of :class:`~catlearn.probability.kernels.markov.Finite` kernels.

A Bayesian network is a DAG with one conditional probability table (CPT) per variable,
:math:`P(v \mid \mathrm{pa}(v))`. Read as a string diagram (Fong, *Causal theories*; Fritz,
*A synthetic approach to Markov kernels*; Cho–Jacobs), each CPT is a kernel box
``Fin(|pa_1|) @ ... -> Fin(|v|)``, parents are copied to every child, and the diagram with all
variables as outputs evaluates to the joint state

.. math:: P(v_1, \dots, v_n) = \textstyle\prod_i P(v_i \mid \mathrm{pa}(v_i)).

An exact query is the *contraction* of that diagram with the observed wires plugged by
points: :math:`P(q \mid e) \propto \sum_{\text{rest}} \prod_v P(v \mid \mathrm{pa}(v))|_e`.
The network is the model; the algorithms that answer its queries are engines
(:mod:`catlearn.probability.networks.engines`: variable elimination on a cached plan, a junction
tree, likelihood weighting), each with its own options and bounded caches. The network checks every
query once (names and states become a :class:`~catlearn.probability.networks.engines.Query` in
integer ids), refuses an option its engine does not honour, and hands the query over.

Tables are given the way pgmpy users write them (``TabularCPD``): ``values[s, j]`` is the
probability of state ``s`` of the variable given the ``j``-th combination of the parents'
states, the *last* evidence variable varying fastest. Columns must sum to 1 within
:data:`ROW_SUM_TOL` = 1e-3 whatever the dtype (real files carry 4–6 decimals); they are kept
as given, and :meth:`BayesNet.normalized` renormalises them explicitly.

>>> net = BayesNet(
...     [("rain", "wet")],
...     {"rain": CPT([[0.8], [0.2]]),
...      "wet": CPT([[0.9, 0.2], [0.1, 0.8]], evidence=["rain"])})
>>> net.query(["rain"], evidence={"wet": 1}).round(4).tolist()
[0.3333, 0.6667]
>>> net.joint().allclose(net.kernel("rain") >> Finite.copy(Fin(2)) >> (Fin(2) @ net.kernel("wet")))
True
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, cast

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np

from catlearn import errors
from catlearn.core.types import Fin, Ty
from catlearn.errors import ShapeError, SupportError
from catlearn.probability.kernels.contraction import DEFAULT_BUDGET
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.networks import _netio, _netquery, _netsample, _request, published
from catlearn.probability.networks._request import Indexed
from catlearn.probability.networks.cpt import (
    CPT,
    ROW_SUM_TOL,
    as_cpt,
    iterable,
    kernel_table,
    state_map,
)
from catlearn.probability.networks.dseparation import d_separated as _d_separated
from catlearn.probability.networks.engines import (
    BatchEngine,
    Engine,
    JunctionTree,
    MapEngine,
    Query,
    VariableElimination,
    able,
    check_options,
    jeffrey,
    resolve,
)

__all__ = ["CPT", "ROW_SUM_TOL", "BayesNet", "Indexed", "asia", "burglary", "sprinkler"]


class BayesNet:
    """A discrete Bayesian network: a DAG, and a :class:`CPT` for every node.

    ``graph`` is a ``networkx.DiGraph`` or an iterable of ``(parent, child)`` edges; ``cpds`` maps
    each variable to a :class:`CPT` (or to anything with pgmpy's ``TabularCPD`` attributes). The
    parents named in a CPT's ``evidence`` must be exactly the node's parents in the graph; their
    order fixes the table's layout. ``memory_budget`` bounds the largest table an exact query may
    build (entries; over it, :class:`~catlearn.errors.MemoryBudgetError`).

    The network is the model; queries are answered by an engine
    (:mod:`catlearn.probability.networks.engines`): ``engine=`` on each query, by default
    the network's own :class:`~catlearn.probability.networks.engines.VariableElimination`,
    whose caches live as long as the network (:meth:`clear_caches` empties them).

    >>> net = BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]),
    ...                                "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])})
    >>> net.variables, net.cards
    (('a', 'b'), {'a': 2, 'b': 2})
    """

    def __init__(
        self,
        graph: nx.DiGraph | Iterable[tuple[str, str]],
        cpds: Mapping[str, Any],
        *,
        memory_budget: int | None = DEFAULT_BUDGET,
    ) -> None:
        if not isinstance(cpds, Mapping):
            raise errors.ArgumentTypeError(
                f"Expected the CPTs as a mapping {{variable: CPT}}, got {type(cpds).__name__} "
                f"({cpds!r:.60}); pass e.g. {{'rain': CPT([0.8, 0.2])}}."
            )
        if memory_budget is not None and (
            isinstance(memory_budget, bool)
            or not isinstance(memory_budget, int | np.integer)
            or memory_budget < 1
        ):
            raise errors.ArgumentValueError(
                f"Expected memory_budget as a number of table entries >= 1 (or None for no "
                f"limit), got {memory_budget!r}."
            )
        g = graph.copy() if isinstance(graph, nx.DiGraph) else _edges(graph)
        if any(not isinstance(v, Hashable) for v in cpds):
            raise errors.ArgumentTypeError("Expected hashable variable names as the CPT keys.")
        g.add_nodes_from(cpds)
        if not nx.is_directed_acyclic_graph(g):
            raise ShapeError(f"Expected a DAG, got a graph with a cycle: {nx.find_cycle(g)}.")
        missing = [v for v in g.nodes if v not in cpds]
        if missing:
            raise ShapeError(f"Expected a CPT for every node; missing for {missing}.")
        self.graph = g
        self.memory_budget = memory_budget
        self.variables: tuple[str, ...] = tuple(nx.lexicographical_topological_sort(g, key=str))
        self.cpts: dict[str, CPT] = {v: as_cpt(cpds[v]) for v in self.variables}
        self.cards = {v: self.cpts[v].card for v in self.variables}
        self.parents: dict[str, tuple[str, ...]] = {}
        for v in self.variables:
            ev = self.cpts[v].evidence
            if set(ev) != set(g.predecessors(v)) or len(set(ev)) != len(ev):
                raise ShapeError(
                    f"Expected the evidence of the CPT of {v!r} to list its parents "
                    f"{sorted(g.predecessors(v))} once each, got {list(ev)} instead."
                )
            self.parents[v] = cast(tuple[str, ...], ev)  # a CPT keeps its evidence as a tuple
        ids = {v: i for i, v in enumerate(self.variables)}
        par_ids = tuple(tuple(ids[p] for p in self.parents[v]) for v in self.variables)
        self.indexed = Indexed(
            ids,
            tuple(
                kernel_table(v, self.cpts[v], self.parents[v], self.cards) for v in self.variables
            ),
            par_ids,
            tuple(self.cards[v] for v in self.variables),
            tuple(_netquery.ancestor_masks(par_ids)),
            tuple(state_map(self.cpts[v]) for v in self.variables),
        )
        self._kernels: dict[str, Finite] = {}
        self._ve = VariableElimination()  # method="exact" and the default engine
        self._jt = JunctionTree()  # method="junction_tree"

    def __repr__(self) -> str:
        return f"BayesNet({len(self.variables)} variables, {self.graph.number_of_edges()} edges)"

    # queries: checked here once, answered by an engine ------------------------------------
    def request(
        self,
        variables: Sequence[str] | str,
        evidence: Mapping[str, Any] | None = None,
        *,
        virtual_evidence: Mapping[str, Any] | None = None,
    ) -> Query:
        """The checked :class:`~catlearn.probability.networks.engines.Query` (integer ids
        and state indices) that an engine receives for these arguments."""
        return _request.build(self, variables, evidence, virtual_evidence)

    def query(
        self,
        variables: Sequence[str] | str,
        evidence: Mapping[str, Any] | None = None,
        *,
        virtual_evidence: Mapping[str, Any] | None = None,
        jeffrey_evidence: Mapping[str, Any] | None = None,
        return_evidence: bool = False,
        engine: Engine | None = None,
        method: str | None = None,
        num_samples: int | None = None,
        key: jax.Array | None = None,
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
        :math:`P(e)` (times the virtual weights). Impossible evidence raises ZeroEvidenceError,
        as does soft evidence contradicting a hard one on its variable (consistent ones combine).

        ``engine`` answers it (:mod:`catlearn.probability.networks.engines`), by default the
        network's VariableElimination: a float64 numpy answer, or with ``jit=True``, traced
        evidence or ``tables`` (kernel-layout arrays replacing the CPTs, e.g. under
        ``jax.grad``) the same plan as a jitted JAX contraction. ``method`` is a shorthand:
        ``"exact"`` (that engine), ``"junction_tree"`` (the network's JunctionTree) or
        ``"sampling"`` (``LikelihoodWeighting(num_samples, key=key)``: a
        ``SampledPosterior`` with ``probs`` and ``stderr``). An option the engine does not
        honour raises :class:`~catlearn.errors.UnsupportedError` naming the engines that do.

        Returns, shaped ``cards of variables`` and the caller's own to modify: a writeable
        float64 ``numpy.ndarray`` (exact engines, concrete evidence); a ``jax.Array``
        (``jit=True``, traced evidence or ``tables``); a ``SampledPosterior`` (``"sampling"``:
        writeable ``probs``, ``stderr``); with ``return_evidence``, ``(posterior, P(e))``.

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
        eng = resolve(engine, method, num_samples, key, exact=self._ve, junction_tree=self._jt)
        soft = _request.given(virtual_evidence=virtual_evidence, jeffrey_evidence=jeffrey_evidence)
        check_options(eng, **soft, return_evidence=return_evidence, jit=jit, tables=tables is not None)  # fmt: skip
        opts: dict[str, Any] = {}
        if jit:
            opts["jit"] = True
        if tables is not None:
            opts["tables"] = _request.tables(self, tables)
        if jeffrey_evidence:
            if return_evidence:
                raise errors.UnsupportedError(
                    "Expected return_evidence=False with jeffrey_evidence: Jeffrey's rule mixes "
                    "posteriors (it conditions on no event), so it has no P(e). Ask for "
                    "P(e) with hard or virtual evidence instead."
                )
            return jeffrey(
                self, eng, variables, evidence, jeffrey_evidence, virtual_evidence, **opts
            )
        if return_evidence:
            opts["return_evidence"] = True
        return eng.query(self, _request.build(self, variables, evidence, virtual_evidence), **opts)

    def query_batch(
        self,
        variables: Sequence[str] | str,
        evidence: Mapping[str, Any],
        *,
        tables: Mapping[str, Any] | None = None,
        engine: BatchEngine | None = None,
    ) -> jax.Array:
        r"""Many posteriors at once: ``evidence`` maps names to 1-D arrays of states (ints or state
        names), one entry per case (all of length ``B``); returns shape ``(B, cards of
        variables...)``. One jitted, vmapped contraction of the signature's plan (the engine's
        ``batch``; by default the network's VariableElimination); ``tables`` as in :meth:`query`.
        Raises ZeroEvidenceError naming the first impossible case (concrete inputs).

        >>> sprinkler().query_batch(["Rain"], {"WetGrass": ["T", "F", 1]}).shape
        (3, 2)
        """
        eng = able(engine, BatchEngine, self._ve, "answers batches (batch(net, ...))")
        names, evidence = _request.variables(variables), _request.evidence(evidence)
        q, _ = _request.ids(self, names, dict.fromkeys(evidence, 0))
        ids, cols, _ = _request.columns(self, evidence)
        post, z = eng.batch(self, q, ids, cols, _request.tables(self, tables))
        _request.check_cases(self, z, ids, cols)
        return cast(jax.Array, post)

    def log_evidence(
        self,
        evidence: Mapping[str, Any],
        *,
        tables: Mapping[str, Any] | None = None,
        engine: BatchEngine | None = None,
    ) -> jax.Array:
        r""":math:`\log P(e_b)` for a batch of (partial) observations ``evidence`` (names to
        1-D arrays, as :meth:`query_batch`): the contraction of the network with the observed
        wires plugged, jitted and vmapped, differentiable in ``tables`` (kernel layout).

        Maximum likelihood for the CPTs: parametrise each table by logits, ``tables =
        {v: softmax(logits[v], axis=-1)}``, and minimise ``-log_evidence(data,
        tables=tables).mean()`` with optax (``tests/test_network_learning.py`` recovers the
        sprinkler CPTs from 20,000 samples within 0.02). With hidden variables this is the
        marginal likelihood (what EM maximises).

        >>> net = sprinkler()
        >>> float(jnp.exp(net.log_evidence({"WetGrass": [1]})[0])).__round__(4)
        0.6471
        """
        eng = able(engine, BatchEngine, self._ve, "answers batches (batch(net, ...))")
        ids, cols, _ = _request.columns(self, evidence)
        _, z = eng.batch(self, (), ids, cols, _request.tables(self, tables))
        return jnp.log(z)

    def map_query(
        self,
        variables: Sequence[str] | None = None,
        evidence: Mapping[str, Any] | None = None,
        *,
        engine: MapEngine | None = None,
    ) -> dict[str, Any]:
        r"""The most probable joint state of ``variables`` given ``evidence``,
        :math:`\arg\max_q \sum_{\text{rest}} P(q, \text{rest}, e)` (marginal MAP; all the
        unobserved variables when ``variables`` is ``None``: MPE), by the engine's
        ``map_query`` (by default the network's VariableElimination: max-product on the
        query's plan, sums first, then maxes, and back-tracking). States come back as state
        names when the CPT has them (like pgmpy's ``map_query``).

        >>> asia().map_query(["lung", "tub"], {"xray": "yes", "smoke": "yes"})
        {'lung': 'yes', 'tub': 'no'}
        """
        eng = able(engine, MapEngine, self._ve, "answers MAP queries (map_query(net, q))")
        evidence = _request.evidence(evidence)
        if variables is None:
            variables = [v for v in self.variables if v not in evidence]
        names = _request.variables(variables)
        q = _request.build(self, names, evidence)
        states = eng.map_query(self, q)
        return {n: self.state_names(n)[states[v]] for n, v in zip(names, q.targets)}

    def marginal(self, v: str) -> np.ndarray:
        """The prior marginal :math:`P(v)` (float64).

        >>> BayesNet([], {"c": CPT([0.25, 0.75])}).marginal("c").tolist()
        [0.25, 0.75]
        """
        return cast(np.ndarray, self.query([v]))

    def conditional(self, variables: Sequence[str], given: Sequence[str]) -> Finite:
        r"""The kernel :math:`P(\text{variables} \mid \text{given})` from ``given`` to
        ``variables``. Convention: rows of zero-probability parent configurations are uniform.

        >>> net = sprinkler()
        >>> net.conditional(["WetGrass"], ["Sprinkler", "Rain"]).allclose(net.kernel("WetGrass"))
        True
        """
        q, _ = _request.ids(self, [*given, *variables], {})
        joint = self._ve.contract(self, q)
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

    def d_separated(
        self, x: str | Iterable[str], y: str | Iterable[str], given: str | Iterable[str] = ()
    ) -> bool:
        """``x`` and ``y`` d-separated by ``given`` in the DAG (so independent given it whatever
        the tables): :func:`~catlearn.probability.networks.dseparation.d_separated`."""
        return _d_separated(self.graph, x, y, given)

    def sample(self, key: jax.Array, n: int) -> dict[str, np.ndarray]:
        """``n`` forward (ancestral) samples: a dict of int arrays of states, one per variable.

        >>> s = sprinkler().sample(jax.random.key(0), 1000)
        >>> sorted(s), s["Rain"].shape
        (['Cloudy', 'Rain', 'Sprinkler', 'WetGrass'], (1000,))
        """
        packed = self.__dict__.get("_packed")
        if packed is None:
            x = self.indexed
            packed = self.__dict__["_packed"] = _netsample.pack(
                list(x.tables), list(x.parents), list(x.cards)
            )
        xs, _ = _netsample.draw(packed, n, key)
        return {v: xs[:, i] for i, v in enumerate(self.variables)}

    def plan(self, variables: Sequence[str], evidence: Sequence[str] = ()) -> Any:
        """The contraction plan of a query signature (printable) in the network's
        VariableElimination: which tables, sliced how, eliminated in which order, and its
        largest table.

        >>> print(asia().plan(["lung"], ["xray"]))
        Plan: 6 factors -> ('lung',), 4 eliminations, largest table 8 entries
          sum asia: [('asia',), ('asia', 'tub')] -> ('tub',)
          sum smoke: [('smoke',), ('smoke', 'lung')] -> ('lung',)
          sum tub: [('lung', 'tub', 'either'), ('tub',)] -> ('lung', 'either')
          sum either: [('either',), ('lung', 'either')] -> ('lung',)
          final: [('lung',), ('lung',)] -> ('lung',)
        """
        q, ev = _request.ids(self, _request.variables(variables), dict.fromkeys(evidence, 0))
        return self._ve.plan(self, q, tuple(sorted(ev))).plan.relabel(self.variables)

    def clear_caches(self) -> None:
        """Forget what the network's own engines keep (plans, jitted contractions, memoised
        answers, junction tree): the next query of every signature is fresh again."""
        self._ve.clear(self)
        self._jt.clear(self)

    def cache_info(self) -> dict[str, int]:
        """What the network's VariableElimination keeps: plans, jitted contractions, answers.

        >>> net = sprinkler()
        >>> _ = net.query(["Rain"], {"WetGrass": 1}); net.cache_info()
        {'plans': 1, 'jitted': 0, 'answers': 1}
        """
        return self._ve.cache_info(self)

    # tables and kernels -------------------------------------------------------------------
    def table(self, v: str) -> np.ndarray:
        """The CPT of ``v`` as a read-only float64 array ``[parents..., v]`` (kernel layout)."""
        self.check_names([v])
        return self.indexed.tables[self.indexed.ids[v]]

    def tables(self) -> dict[str, jax.Array]:
        """Every CPT as a JAX array in kernel layout (the default dtype): the ``tables``
        argument of :meth:`query_batch` and :meth:`log_evidence`, e.g. to differentiate."""
        return {v: jnp.asarray(t) for v, t in zip(self.variables, self.indexed.tables)}

    def with_tables(self, tables: Mapping[str, jax.typing.ArrayLike]) -> BayesNet:
        """The same graph with new tables (kernel layout ``[parents..., v]``), e.g. learned.

        >>> net = sprinkler()
        >>> net.with_tables(net.tables()).query(["Rain"], {"WetGrass": 1}).round(4).tolist()
        [0.2921, 0.7079]
        """
        if tables is None:
            raise errors.ArgumentTypeError(
                "Expected the tables as a mapping {variable: array}, got None; pass e.g. "
                "net.tables()."
            )
        given = _request.tables(self, tables)  # a mapping of known names, shapes, rows: checked
        cpds = {}
        for v in self.variables:
            i = self.indexed.ids[v]
            a = np.asarray(given[i], dtype=np.float64) if i in given else self.indexed.tables[i]
            c = self.cpts[v]
            cpds[v] = CPT(a.reshape(-1, self.cards[v]).T, c.evidence, c.state_names)
        return type(self)(self.graph, cpds, memory_budget=self.memory_budget)

    def normalized(self) -> BayesNet:
        """The network with every CPT column renormalised to sum to 1 (explicitly)."""
        cpds = {v: self.cpts[v].normalized() for v in self.variables}
        return type(self)(self.graph, cpds, memory_budget=self.memory_budget)

    def kernel(self, v: str) -> Finite:
        r"""The CPT of ``v`` as a kernel :math:`P(v \mid \mathrm{pa}(v))` from its parents.

        >>> BayesNet([], {"c": CPT([0.5, 0.5])}).kernel("c")
        Finite(Ty() -> Fin(2))
        """
        self.check_names([v])
        if v not in self._kernels:
            dom = Ty(*(Fin(self.cards[p]) for p in self.parents[v]))
            t = jnp.asarray(self.indexed.tables[self.indexed.ids[v]])
            self._kernels[v] = Finite(t, dom, Fin(self.cards[v]), validate=False)
        return self._kernels[v]

    def joint(self) -> Finite:
        """The joint state on ``Fin(card) @ ...`` in the order of ``variables`` (one
        planned contraction; mind the size: the product of all cards)."""
        n = len(self.variables)
        un = self._ve.contract(self, tuple(range(n)))
        cod = Ty(*(Fin(k) for k in self.indexed.cards))
        return Finite(jnp.asarray(un), Ty(), cod, validate=False)

    def to_diagram(self) -> tuple[Any, dict[Any, Finite]]:
        """The network as a string diagram ``Ty() -> Fin(card_1) @ ...`` (one box per CPT,
        parents copied to their children) and the mapping from boxes to kernels, ready for
        ``compile(diagram, arrows, into=Finite)``, which returns :meth:`joint`."""
        return _netio.to_diagram(self)

    @classmethod
    def from_kernels(
        cls, kernels: Mapping[str, Finite], parents: Mapping[str, Sequence[str]]
    ) -> BayesNet:
        """Back from kernels: ``kernels[v]`` from its ``parents[v]`` (in that order) to ``v``.

        >>> k = {"a": Finite.state([0.3, 0.7]), "b": Finite.id(Fin(2))}
        >>> BayesNet.from_kernels(k, {"b": ["a"]}).query(["b"]).round(4).tolist()
        [0.3, 0.7]
        """
        return cast(BayesNet, _netio.from_kernels(cls, kernels, parents))

    # input and output ---------------------------------------------------------------------
    @classmethod
    def from_pgmpy(cls, model: Any, *, normalize: bool = False) -> BayesNet:
        """Read a pgmpy ``DiscreteBayesianNetwork`` (its DAG, ``TabularCPD`` tables and state
        names). Columns must sum to 1 within :data:`ROW_SUM_TOL`; ``normalize=True``
        renormalises them (else they are kept as given, as pgmpy does)."""
        return cast(BayesNet, _netio.from_pgmpy(cls, model, normalize=normalize))

    @classmethod
    def read_bif(cls, path: str | os.PathLike[str], *, normalize: bool = False) -> BayesNet:
        """Read a BIF file (``.bif`` or ``.bif.gz``) with pgmpy's ``BIFReader`` (optional
        dependency), keeping the state names."""
        return cast(BayesNet, _netio.read_bif(cls, path, normalize=normalize))

    def to_pgmpy(self) -> Any:
        """The same network as a pgmpy ``DiscreteBayesianNetwork`` (needs pgmpy), with the
        state names when every variable has them."""
        return _netio.to_pgmpy(self)

    def to_efprob(self) -> Any:
        """The joint state as an EfProb ``DiscState`` (needs efprob installed), built the
        EfProb way: the root's state pushed through one graph channel
        :math:`\\langle \\mathrm{id}, P(v \\mid \\mathrm{pa}(v)) \\rangle` per variable. Points
        are named ``"var=state"``; spaces are in the order of ``variables``."""
        return _netio.to_efprob(self)

    # names --------------------------------------------------------------------------------
    def state_names(self, v: str) -> tuple[Any, ...]:
        """The names of the states of ``v`` (its indices when the CPT names none)."""
        sn = self.cpts[v].state_names
        return tuple(sn) if sn is not None else tuple(range(self.cards[v]))

    def check_names(self, names: Iterable[str]) -> None:
        """Raise :class:`~catlearn.errors.SupportError` unless every name is a variable."""
        if isinstance(names, str) or not isinstance(names, Iterable):
            names = [names]
        for n in names:
            try:
                known = n in self.indexed.ids
            except TypeError:  # unhashable
                known = False
            if not known:
                raise SupportError(
                    f"Expected a variable of the network (one of {list(self.variables)}), "
                    f"got {n!r} instead."
                )

    def state_index(self, v: str, state: Hashable) -> int:
        """The index of ``state`` of ``v`` (an int, or one of the CPT's ``state_names``)."""
        self.check_names([v])
        m = self.indexed.states[self.indexed.ids[v]]
        if not isinstance(state, float | np.floating | complex):
            try:
                i = m.get(state)
            except TypeError:
                i = None
            if i is not None:
                return i
        names = self.cpts[v].state_names
        raise SupportError(
            f"Expected a state of {v!r}: an int in 0..{self.cards[v] - 1}"
            + (f" or one of {list(names)}" if names is not None else "")
            + f", got {state!r} instead."
        )


def _edges(graph: Any) -> nx.DiGraph:
    """A ``DiGraph`` from an iterable of ``(parent, child)`` pairs, or a typed error."""
    bad = errors.ArgumentTypeError(
        f"Expected the graph as a networkx.DiGraph or a list of (parent, child) edges, got "
        f"{type(graph).__name__} ({graph!r:.60}); pass e.g. [('rain', 'wet')]."
    )
    if isinstance(graph, str | bytes) or not iterable(graph):
        raise bad
    edges = list(graph)
    for e in edges:
        if (
            isinstance(e, str | bytes)
            or not isinstance(e, Sequence)
            or len(e) != 2
            or not all(isinstance(v, Hashable) for v in e)
        ):
            raise bad
    return nx.DiGraph(edges)


# -- Published networks (tables in catlearn.probability.networks.published) ----------------
def sprinkler() -> BayesNet:
    """The sprinkler network (Russell & Norvig, *AIMA* 2nd ed. Fig. 14.12; Murphy's BNT).

    States are ``0 = False, 1 = True``. Classic answer: P(Rain = T | WetGrass = T) = 0.7079.

    >>> round(float(sprinkler().query(["Rain"], {"WetGrass": 1})[1]), 4)
    0.7079
    """
    return BayesNet(*published.sprinkler())


def burglary() -> BayesNet:
    """Pearl's burglary/earthquake alarm network (Pearl 1988; Russell & Norvig Fig. 14.2).

    States ``0 = False, 1 = True``. Classic answer: P(Burglary | JohnCalls, MaryCalls) = 0.284.

    >>> round(float(burglary().query(["Burglary"], {"JohnCalls": 1, "MaryCalls": 1})[1]), 3)
    0.284
    """
    return BayesNet(*published.burglary())


def asia() -> BayesNet:
    """The "Asia" / chest-clinic network of Lauritzen & Spiegelhalter (1988), with the
    tables of the bnlearn repository. States ``0 = yes, 1 = no``. By hand: P(lung | smoke,
    xray) = 0.1·0.98 / (0.1·0.98 + 0.9·(0.0104·0.98 + 0.9896·0.05)) = 0.646.

    >>> round(float(asia().query(["lung"], {"smoke": "yes", "xray": "yes"})[0]), 4)
    0.646
    """
    return BayesNet(*published.asia())
