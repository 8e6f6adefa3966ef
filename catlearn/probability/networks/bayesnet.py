r"""Bayesian networks as string diagrams of :class:`~catlearn.probability.kernels.markov.Finite` kernels.

A Bayesian network is a DAG with one conditional probability table (CPT) per variable,
:math:`P(v \mid \mathrm{pa}(v))`. Read as a string diagram (Fong, *Causal theories*; Fritz,
*A synthetic approach to Markov kernels*; Cho–Jacobs), each CPT is a kernel box
``Fin(|pa_1|) @ ... -> Fin(|v|)``, parents are copied to every child, and the diagram with all
variables as outputs evaluates to the joint state

.. math:: P(v_1, \dots, v_n) = \textstyle\prod_i P(v_i \mid \mathrm{pa}(v_i)).

An exact query is the *contraction* of that diagram with the observed wires plugged by
points: :math:`P(q \mid e) \propto \sum_{\text{rest}} \prod_v P(v \mid \mathrm{pa}(v))|_e`.
Each query signature (query names, observed names) is *planned* once and the plan cached
(bounded): the network is pruned to the ancestors of the query and the evidence (barren
nodes go), observed variables are sliced into the tables, the component of the query is
kept (d-separation), and an elimination order is chosen by min-fill
(:mod:`catlearn.probability.networks.contraction`). A single concrete query then runs the plan in
numpy float64 (no JAX; the answer is memoised, bounded, so an exact repeat is a lookup);
:meth:`BayesNet.query_batch`, :meth:`BayesNet.log_evidence` and
queries with traced inputs run the same plan as one jitted, vmapped JAX contraction, which
``jax.grad`` differentiates with respect to the tables (so CPTs can be learned with optax;
see :meth:`BayesNet.log_evidence`).

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

from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np

from catlearn import errors
from catlearn.core.checked import as_array
from catlearn.core.types import Fin, Ty
from catlearn.errors import NotStochasticError, ShapeError, SupportError
from catlearn.probability.kernels.markov import Finite
from catlearn.probability.networks import _netio, _netquery
from catlearn.probability.networks._netinfer import InferenceMixin
from catlearn.probability.networks.contraction import DEFAULT_BUDGET

__all__ = ["CPT", "ROW_SUM_TOL", "BayesNet", "asia", "burglary", "sprinkler"]

ROW_SUM_TOL = 1e-3  #: tolerance on the column sums of a CPT (any dtype)


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
        try:
            a = np.asarray(self.values, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as e:
            raise errors.DataError(
                f"Expected CPT values as numbers (an array of shape (card, prod(parent cards))),"
                f" got {type(self.values).__name__} ({self.values!r:.60}); pass e.g. [[0.9, 0.2],"
                " [0.1, 0.8]]."
            ) from e
        if a.size == 0:
            raise ShapeError(
                f"Expected a non-empty CPT (at least one state), got values of shape {a.shape}."
            )
        for name, names in (("evidence", self.evidence), ("state_names", self.state_names)):
            if names is not None and (isinstance(names, str | bytes) or not _iterable(names)):
                raise errors.ArgumentTypeError(
                    f"Expected the CPT {name} as a list (e.g. ['rain']), got "
                    f"{type(names).__name__} ({names!r:.60}); wrap a single name in a list."
                )
        if any(not isinstance(e, Hashable) for e in self.evidence):
            raise errors.ArgumentTypeError(
                f"Expected the CPT evidence as a list of variable names, got {self.evidence!r:.60}."
            )
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise ShapeError(
                f"Expected CPT values of shape (card, prod(parent cards)), got shape {a.shape}."
            )
        object.__setattr__(self, "_arr", a)
        object.__setattr__(self, "evidence", tuple(self.evidence))
        if self.state_names is not None:
            object.__setattr__(self, "state_names", tuple(self.state_names))

    @property
    def card(self) -> int:
        """Number of states of the variable."""
        return int(self._arr.shape[0])

    def normalized(self) -> CPT:
        """The table with every column divided by its sum (explicit renormalisation).

        >>> CPT([[0.3, 0.5], [0.6, 0.5]], evidence=["a"]).normalized().values.round(4).tolist()
        [[0.3333, 0.5], [0.6667, 0.5]]
        """
        s = self._arr.sum(axis=0, keepdims=True)
        return CPT(self._arr / np.where(s > 0, s, 1.0), self.evidence, self.state_names)


class BayesNet(InferenceMixin):
    """A discrete Bayesian network: a DAG, and a :class:`CPT` for every node.

    ``graph`` is a ``networkx.DiGraph`` or an iterable of ``(parent, child)`` edges; ``cpds``
    maps each variable to a :class:`CPT` (or to anything with pgmpy's ``TabularCPD``
    attributes). The parents named in a CPT's ``evidence`` must be exactly the node's
    parents in the graph; their order fixes the table's layout. ``memory_budget`` bounds the
    largest table an exact query may build (entries; over it,
    :class:`~catlearn.errors.MemoryBudgetError`).

    >>> net = BayesNet([("a", "b")], {"a": CPT([0.5, 0.5]),
    ...                                "b": CPT([[1.0, 0.0], [0.0, 1.0]], evidence=["a"])})
    >>> net.variables, net.cards
    (('a', 'b'), {'a': 2, 'b': 2})
    """

    PLAN_CACHE = 1024  #: planned query signatures kept per network (least recently used go)
    JIT_CACHE = 64  #: jitted batch contractions kept per network
    ANSWER_CACHE = 4096  #: exact answers memoised per network (a repeated query is a lookup)

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
        self._id = {v: i for i, v in enumerate(self.variables)}
        self._card_l = [self.cards[v] for v in self.variables]
        self._par_ids = [tuple(self._id[p] for p in self.parents[v]) for v in self.variables]
        self._masks = _netquery.ancestor_masks(self._par_ids)
        self._np = [self._make_table(v) for v in self.variables]
        self._states = [self._state_map(v) for v in self.variables]
        self._kernels: dict[str, Finite] = {}
        self._plans: OrderedDict[Any, Any] = OrderedDict()
        self._jitted: OrderedDict[Any, Any] = OrderedDict()
        self._answers: OrderedDict[Any, Any] = OrderedDict()

    def __repr__(self) -> str:
        return f"BayesNet({len(self.variables)} variables, {self.graph.number_of_edges()} edges)"

    # the queries live in a private module (module size); listed here so the docs show them
    query = InferenceMixin.query
    query_batch = InferenceMixin.query_batch
    log_evidence = InferenceMixin.log_evidence
    map_query = InferenceMixin.map_query
    marginal = InferenceMixin.marginal
    conditional = InferenceMixin.conditional
    sample = InferenceMixin.sample
    plan = InferenceMixin.plan
    clear_caches = InferenceMixin.clear_caches

    # tables and kernels -------------------------------------------------------------------
    def _make_table(self, v: str) -> np.ndarray:
        pcards = tuple(self.cards[p] for p in self.parents[v])
        a = self.cpts[v]._arr
        n = int(np.prod(pcards, dtype=int))
        if a.shape[1] != n:
            raise ShapeError(
                f"Expected the CPT of {v!r} to have {n} columns (one per configuration of the "
                f"parents {list(self.parents[v])} with cards {list(pcards)}), got {a.shape[1]}."
            )
        s = a.sum(axis=0)
        bad = np.flatnonzero(~(np.abs(s - 1.0) <= ROW_SUM_TOL) | (a < 0).any(axis=0))
        if bad.size:
            j = int(bad[0])
            cfg = np.unravel_index(j, pcards) if pcards else ()
            raise NotStochasticError(
                f"In the CPT of {v!r}: expected every column (one per parent configuration) "
                f"to have entries >= 0 summing to 1 within {ROW_SUM_TOL}, got column {j} "
                f"(parents {list(self.parents[v])} = {tuple(int(c) for c in cfg)}) summing "
                f"to {s[j]:.6g}. Fix the table, or renormalise it explicitly with "
                f"CPT.normalized() / BayesNet.normalized() if the column is only rounded."
            )
        t = np.ascontiguousarray(a.T.reshape((*pcards, a.shape[0])))
        t.setflags(write=False)
        return t

    def _state_map(self, v: str) -> dict[Any, int]:
        m: dict[Any, int] = {k: k for k in range(self.cards[v])}
        for i, s in enumerate(self.cpts[v].state_names or ()):
            if not isinstance(s, int | np.integer):
                m.setdefault(s, i)
        return m

    def table(self, v: str) -> np.ndarray:
        """The CPT of ``v`` as a read-only float64 array ``[parents..., v]`` (kernel layout)."""
        self._check_names([v])
        return self._np[self._id[v]]

    def tables(self) -> dict[str, jax.Array]:
        """Every CPT as a JAX array in kernel layout (the default dtype): the ``tables``
        argument of :meth:`query_batch` and :meth:`log_evidence`, e.g. to differentiate."""
        return {v: jnp.asarray(t) for v, t in zip(self.variables, self._np)}

    def with_tables(self, tables: Mapping[str, Any]) -> BayesNet:
        """The same graph with new tables (kernel layout ``[parents..., v]``), e.g. learned.

        >>> net = sprinkler()
        >>> net.with_tables(net.tables()).query(["Rain"], {"WetGrass": 1}).round(4).tolist()
        [0.2921, 0.7079]
        """
        if not isinstance(tables, Mapping):
            raise errors.ArgumentTypeError(
                f"Expected the tables as a mapping {{variable: array}}, got "
                f"{type(tables).__name__}; pass e.g. net.tables()."
            )
        self._check_names(tables)
        cpds = {}
        for v in self.variables:
            a = (
                np.asarray(as_array(tables[v], f"the table of {v!r}"), dtype=np.float64)
                if v in tables
                else self._np[self._id[v]]
            )
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
        self._check_names([v])
        if v not in self._kernels:
            dom = Ty(*(Fin(self.cards[p]) for p in self.parents[v]))
            self._kernels[v] = Finite(
                jnp.asarray(self._np[self._id[v]]), dom, Fin(self.cards[v]), validate=False
            )
        return self._kernels[v]

    def joint(self) -> Finite:
        """The joint state on ``Fin(card) @ ...`` in the order of ``variables`` (one
        planned contraction; mind the size: the product of all cards)."""
        n = len(self.variables)
        un = self._contract_all(tuple(range(n)))
        return Finite(jnp.asarray(un), Ty(), Ty(*(Fin(k) for k in self._card_l)), validate=False)

    def _contract_all(self, out: tuple[int, ...]) -> np.ndarray:
        qp = self._plan(out, ())
        un, _, _ = _netquery.run(qp, self._np, (), full_evidence=False)
        return np.asarray(un)

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
            arrows[box] = self.kernel(v)
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
        >>> BayesNet.from_kernels(k, {"b": ["a"]}).query(["b"]).round(4).tolist()
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

    # input and output ---------------------------------------------------------------------
    @classmethod
    def from_pgmpy(cls, model: Any, *, normalize: bool = False) -> BayesNet:
        """Read a pgmpy ``DiscreteBayesianNetwork`` (its DAG, ``TabularCPD`` tables and state
        names). Columns must sum to 1 within :data:`ROW_SUM_TOL`; ``normalize=True``
        renormalises them (else they are kept as given, as pgmpy does)."""
        return _netio.from_pgmpy(cls, model, normalize=normalize)

    @classmethod
    def read_bif(cls, path: Any, *, normalize: bool = False) -> BayesNet:
        """Read a BIF file (``.bif`` or ``.bif.gz``) with pgmpy's ``BIFReader`` (optional
        dependency), keeping the state names."""
        return _netio.read_bif(cls, path, normalize=normalize)

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

    def _check_names(self, names: Iterable[str]) -> None:
        if isinstance(names, str) or not isinstance(names, Iterable):
            names = [names]
        for n in names:
            try:
                known = n in self._id
            except TypeError:  # unhashable
                known = False
            if not known:
                raise SupportError(
                    f"Expected a variable of the network (one of {list(self.variables)}), "
                    f"got {n!r} instead."
                )

    def state_index(self, v: str, state: Any) -> int:
        """The index of ``state`` of ``v`` (an int, or one of the CPT's ``state_names``)."""
        self._check_names([v])
        m = self._states[self._id[v]]
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


def _iterable(x: Any) -> bool:
    try:
        iter(x)
    except TypeError:
        return False
    return True


def _edges(graph: Any) -> nx.DiGraph:
    """A ``DiGraph`` from an iterable of ``(parent, child)`` pairs, or a typed error."""
    bad = errors.ArgumentTypeError(
        f"Expected the graph as a networkx.DiGraph or a list of (parent, child) edges, got "
        f"{type(graph).__name__} ({graph!r:.60}); pass e.g. [('rain', 'wet')]."
    )
    if isinstance(graph, str | bytes) or not _iterable(graph):
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


def _as_cpt(c: Any) -> CPT:
    if isinstance(c, CPT):
        return c
    fields = _netio.cpt_fields(c)
    if fields is not None:
        return CPT(**fields)
    if isinstance(c, Mapping):
        unknown = set(c) - {"values", "evidence", "state_names"}
        if unknown or "values" not in c:
            raise errors.ArgumentTypeError(
                f"Expected a CPT given as a mapping to have the keys values (and optionally "
                f"evidence, state_names), got keys {sorted(map(str, c))}."
            )
        return CPT(**c)
    return CPT(c)


# -- Published networks, tables typed in from the literature ---------------------------------
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
