r"""A query in a network's integer ids: the one validation layer in front of every engine
(private; :class:`~catlearn.probability.networks.engines.Query` is its public record).

:class:`~catlearn.probability.networks.bayesnet.BayesNet` turns what a user writes (names,
state names, ints, JAX scalars, likelihood vectors, batch columns) into ids and state
indices here, once, whatever engine then answers; an engine never sees a name. Variables
are ids in the order of ``net.variables`` (a topological order).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import is_concrete
from catlearn.errors import ShapeError, SupportError, ZeroEvidenceError
from catlearn.probability.kernels._checks import TABLE_TOL

__all__ = ["Indexed", "Network", "Query"]


class Indexed(NamedTuple):
    """A network in integer ids (positions in ``BayesNet.variables``, a topological order):
    what engines read. Tables are read-only float64 arrays in kernel layout
    ``[parents..., v]``; ``ancestors[v]`` is the bit mask of ``{v}`` and its ancestors;
    ``states[v]`` maps a state (its index, or its name) to its index."""

    ids: Mapping[Any, int]
    tables: tuple[np.ndarray, ...]
    parents: tuple[tuple[int, ...], ...]
    cards: tuple[int, ...]
    ancestors: tuple[int, ...]
    states: tuple[Mapping[Any, int], ...]


class Network(Protocol):
    """What the checks and the engines read of a network (a
    :class:`~catlearn.probability.networks.bayesnet.BayesNet` is one)."""

    variables: tuple[str, ...]
    indexed: Indexed
    memory_budget: int | None

    def state_names(self, v: str) -> tuple[Any, ...]: ...
    def state_index(self, v: str, state: Any) -> int: ...
    def check_names(self, names: Any) -> None: ...


class Query(NamedTuple):
    r"""A validated query :math:`P(\text{targets} \mid \text{evidence})` in the network's
    ids (positions in ``net.variables``): what an engine's ``query`` receives.

    ``evidence`` (ascending ids) and ``states`` (their state indices: ints, or JAX tracers
    under ``jit``) are the hard evidence; ``soft`` (ascending ids) and ``likelihoods``
    (float64 vectors :math:`\lambda`, or tracers) the virtual evidence (Pearl's rule).

    >>> from catlearn.probability.networks.bayesnet import sprinkler
    >>> sprinkler().request(["Rain"], {"WetGrass": "T"})
    Query(targets=(1,), evidence=(3,), states=(1,), soft=(), likelihoods=())
    """

    targets: tuple[int, ...]
    evidence: tuple[int, ...]
    states: tuple[Any, ...]
    soft: tuple[int, ...] = ()
    likelihoods: tuple[Any, ...] = ()


def variables(names: Any) -> list[Any]:
    """The query variables as a list (a single name allowed), or a typed error."""
    if isinstance(names, str):
        return [names]
    if isinstance(names, Mapping) or not isinstance(names, Sequence | set | frozenset):
        raise errors.ArgumentTypeError(
            f"Expected the query variables as a name or a list of names, got "
            f"{type(names).__name__} ({names!r:.60}); pass e.g. ['Rain']."
        )
    return list(names)


def _mapping(x: Any, expected: str, example: str) -> Mapping[Any, Any]:
    """``x`` as a mapping (``None`` is the empty one), else the typed error "Expected
    {expected}, got {type} ({repr}); pass e.g. {example}.": the one check of every mapping
    argument of a query."""
    if x is None:
        return {}
    if not isinstance(x, Mapping):
        raise errors.ArgumentTypeError(
            f"Expected {expected}, got {type(x).__name__} ({x!r:.60}); pass e.g. {example}."
        )
    return x


def evidence(ev: Any) -> Mapping[str, Any]:
    """The evidence as a mapping (``None`` is no evidence), or a typed error."""
    return _mapping(ev, "the evidence as a mapping {variable: state}", "{'WetGrass': 1}")


def given(**soft: Any) -> dict[str, bool]:
    """Whether each kind of soft evidence (``virtual_evidence=``, ``jeffrey_evidence=``: a
    mapping or ``None``) is given; anything but a mapping is a typed error naming it."""
    for what, v in soft.items():
        _mapping(v, f"{what} as a mapping {{variable: distribution}}", "{'WetGrass': [0.2, 0.8]}")
    return {what: bool(v) for what, v in soft.items()}


def ids(
    net: Network, names: Sequence[str], ev: Mapping[str, Any]
) -> tuple[tuple[int, ...], dict[int, Any]]:
    """``(query ids, {evidence id: state as given})``; distinct, disjoint names."""
    try:
        q = tuple(net.indexed.ids[v] for v in names)
        e = {net.indexed.ids[n]: s for n, s in ev.items()}
    except (KeyError, TypeError):
        net.check_names([*names, *ev])
        raise
    if len(set(q)) != len(q) or not set(q).isdisjoint(e):
        raise SupportError(
            f"Expected distinct query variables not in the evidence, got "
            f"{list(names)} given {list(ev)}. Drop the observed variable from "
            f"the query (its posterior is a point mass)."
        )
    return q, e


def value(net: Network, v: int, s: Any) -> Any:
    """The state index of ``s`` (an int, a state name, a JAX scalar; tracers pass)."""
    if not is_concrete(s):
        return s
    if isinstance(s, jax.Array | np.ndarray) and s.size == 1:
        return value(net, v, s.item())
    known = isinstance(s, Hashable) and not isinstance(s, float | np.floating)
    i = net.indexed.states[v].get(s) if known else None
    return i if i is not None else net.state_index(net.variables[v], s)


def weights(x: Any) -> np.ndarray | None:
    """``x`` as a float64 numpy array, or ``None`` when it is not numeric (strings, ragged)."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a


def soft(
    net: Network, virtual: Mapping[str, Any] | None
) -> tuple[tuple[int, ...], tuple[Any, ...]]:
    """Virtual evidence: ascending ids and their likelihood vectors (checked when concrete)."""
    if not virtual:
        return (), ()
    virtual = _mapping(
        virtual,
        "the virtual evidence as a mapping {variable: likelihoods}",
        "{'xray': [0.7, 0.2]}",
    )
    net.check_names(virtual)
    out, vecs = [], []
    for n in sorted(virtual, key=net.indexed.ids.__getitem__):
        v = net.indexed.ids[n]
        lam = virtual[n]
        if is_concrete(lam):
            lam = weights(lam)
            if (
                lam is None
                or lam.shape != (net.indexed.cards[v],)
                or not (np.isfinite(lam) & (lam >= 0)).all()
            ):
                raise SupportError(
                    f"Expected the virtual evidence on {n!r} as {net.indexed.cards[v]} finite "
                    f"weights >= 0 (a likelihood, any scale), got {virtual[n]!r:.80} instead."
                )
        out.append(v)
        vecs.append(lam)
    return tuple(out), tuple(vecs)


def build(net: Network, names: Any, ev: Any, virtual: Mapping[str, Any] | None = None) -> Query:
    """The :class:`Query` of a user's call (every check of a query in one place).

    Hard and virtual evidence on one variable are combined by :func:`fold`; virtual evidence
    on a queried variable is refused (query without it)."""
    names, ev = variables(names), evidence(ev)
    q, e = ids(net, names, ev)
    sids, lams = soft(net, virtual)
    if not set(sids).isdisjoint(q):
        both = sorted(net.variables[v] for v in set(sids) & set(q))
        raise SupportError(
            f"Expected virtual evidence on variables that are not queried, got it on {both}. "
            f"A queried variable's posterior is the target itself: query without it."
        )
    hard = {v: value(net, v, e[v]) for v in sorted(e)}
    sids, lams = fold(net, hard, sids, lams)
    keys = tuple(sorted(hard))
    return Query(q, keys, tuple(hard[v] for v in keys), sids, lams)


def fold(
    net: Network, hard: dict[int, Any], sids: tuple[int, ...], lams: tuple[Any, ...]
) -> tuple[tuple[int, ...], tuple[Any, ...]]:
    r"""Hard and virtual evidence on one variable, combined (``hard`` loses the variable).

    The observation :math:`X = x` with a likelihood :math:`\lambda` on :math:`X` is the
    virtual evidence :math:`\lambda(x)\,[X = x]` (Pearl's rule applied to the point mass):
    when :math:`\lambda(x) > 0` the posterior is :math:`P(q \mid e)` (the soft part is
    irrelevant) and :math:`P(e)` is scaled by :math:`\lambda(x)`, as for any virtual
    evidence; when :math:`\lambda(x) = 0` the evidence has probability 0
    (:class:`~catlearn.errors.ZeroEvidenceError` naming the variable; under ``jit`` the
    engine's zero-evidence value). Every engine sees the same one virtual vector.
    """
    out, vecs = [], []
    for v, lam in zip(sids, lams):
        if v not in hard:
            out.append(v)
            vecs.append(lam)
            continue
        s = hard.pop(v)
        point: np.ndarray | jax.Array
        if is_concrete(s, lam):
            lam = np.asarray(lam, dtype=np.float64)
            if not lam[s] > 0:
                n = net.variables[v]
                raise ZeroEvidenceError(
                    f"The evidence {n!r} = {net.state_names(n)[s]!r} and the virtual evidence "
                    f"on {n!r} ({lam.tolist()}) are inconsistent: the likelihood of the "
                    f"observed state is 0, so the evidence has probability 0. Expected a "
                    f"likelihood > 0 at the observed state; drop one of the two."
                )
            point = np.zeros_like(lam)
            point[s] = lam[s]
        else:
            point = jnp.where(jnp.arange(net.indexed.cards[v]) == s, jnp.asarray(lam), 0.0)
        out.append(v)
        vecs.append(point)
    return tuple(out), tuple(vecs)


def tables(net: Network, given: Mapping[str, Any] | None) -> dict[int, Any]:
    """Replacement tables ``{id: array}`` in kernel layout ``[parents..., v]`` (checked)."""
    given = _mapping(given, "tables as a mapping {variable: array}", "net.tables()")
    net.check_names(given)
    out = {}
    for n, t in given.items():
        i = net.indexed.ids[n]
        if jnp.shape(t) != net.indexed.tables[i].shape:
            raise ShapeError(
                f"Expected the table of {n!r} in kernel layout [parents..., {n}], shape "
                f"{net.indexed.tables[i].shape}, got shape {jnp.shape(t)} instead."
            )
        if is_concrete(t):
            a = weights(t)
            if a is None or not (
                np.isfinite(a).all()
                and (a >= 0).all()
                and np.allclose(a.sum(-1), 1, atol=TABLE_TOL)
            ):
                raise errors.NotStochasticError(
                    f"Expected the table of {n!r} as probabilities: finite, >= 0, each row "
                    f"[parents..., :] summing to 1 (within {TABLE_TOL}), got {t!r:.80} instead; "
                    f"e.g. jax.nn.softmax(logits, axis=-1)."
                )
        out[i] = t
    return out


def columns(net: Network, ev: Mapping[str, Any]) -> tuple[tuple[int, ...], Any, int]:
    """Batch evidence: ascending ids, the ``(B, k)`` int32 state matrix and ``B``."""
    ev = evidence(ev)
    cols: list[Any]
    out, cols = [], []
    net.check_names(ev)
    for n in sorted(ev, key=net.indexed.ids.__getitem__):
        v = net.indexed.ids[n]
        col = ev[n]
        if isinstance(col, str | bytes) or (
            not isinstance(col, list | tuple) and np.ndim(col) != 1
        ):
            raise ShapeError(
                f"Expected a 1-D array (or list) of states for {n!r}, one per case, got "
                f"{col!r:.60}; for one case wrap it in a list, e.g. [{col!r:.20}]."
            )
        if is_concrete(col):
            if isinstance(col, list | tuple):  # ints and state names, mixed
                col = [value(net, v, s) for s in col]
            col = np.asarray(col)
            if col.dtype.kind in "OUS":  # state names
                col = np.asarray([value(net, v, s) for s in col.tolist()], np.int32)
            elif col.dtype.kind not in "iub":
                raise SupportError(
                    f"Expected states of {n!r} as ints or state names, got dtype {col.dtype}."
                )
            if col.size and (col.min() < 0 or col.max() >= net.indexed.cards[v]):
                raise SupportError(
                    f"Expected states of {n!r} in 0..{net.indexed.cards[v] - 1} or one of "
                    f"{list(net.state_names(n))}, got values from {col.min()} to "
                    f"{col.max()}."
                )
        if jnp.ndim(col) != 1 or (cols and jnp.shape(col) != jnp.shape(cols[0])):
            raise ShapeError(
                f"Expected 1-D evidence arrays of one length, got shape {jnp.shape(col)} for {n!r}."
            )
        out.append(v)
        cols.append(col)
    if not cols:
        raise ShapeError("Expected at least one evidence column (the batch axis).")
    return tuple(out), jnp.stack([jnp.asarray(c, jnp.int32) for c in cols], 1), len(cols[0])


def check_cases(net: Network, z: Any, ids: tuple[int, ...], cols: Any) -> None:
    """Raise ZeroEvidenceError naming the first case of a batch whose ``P(e)`` is 0."""
    if not is_concrete(z):
        return
    bad = np.flatnonzero(~(np.asarray(z) > 0))
    if bad.size:
        case = {net.variables[v]: int(cols[bad[0], j]) for j, v in enumerate(ids)}
        raise ZeroEvidenceError(
            f"Case {int(bad[0])} of the batch, evidence {case}, has probability 0, so "
            f"its posterior is undefined. Expected evidence with positive probability."
        )


def zero(net: Network, q: Query, what: str = "posterior") -> ZeroEvidenceError:
    """The error for evidence of probability 0 (raise it); ``what`` is undefined by it (the
    posterior, or the MAP state)."""
    ev = {
        net.variables[v]: s if not is_concrete(s) else net.state_names(net.variables[v])[s]
        for v, s in zip(q.evidence, q.states)
    }
    soft = [net.variables[v] for v in q.soft]
    return ZeroEvidenceError(
        f"The evidence {ev}{f' (and virtual evidence on {soft})' if soft else ''} has "
        f"probability 0 in this network, so the {what} of "
        f"{[net.variables[v] for v in q.targets]} is undefined. Expected evidence with "
        f"positive probability; check the observed states, or soften the evidence."
    )
