"""Reading and writing Bayesian networks: pgmpy models, BIF files, EfProb states, string
diagrams of kernels (private;
the public entry points are the :class:`~catlearn.probability.networks.bayesnet.BayesNet` methods)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from catlearn.core.types import Fin, Ty

__all__: list[str] = []


def cpt_fields(c: Any) -> dict[str, Any] | None:
    """The fields of a :class:`CPT` read from a pgmpy ``TabularCPD`` (or ``None``)."""
    if hasattr(c, "variable") and hasattr(c, "get_values"):
        names = (getattr(c, "state_names", None) or {}).get(c.variable)
        return {
            "values": np.asarray(c.get_values(), dtype=np.float64),
            "evidence": list(c.variables[1:]),
            "state_names": list(names) if names is not None else None,
        }
    return None


def from_pgmpy(cls: Any, model: Any, *, normalize: bool = False) -> Any:
    cpds = {c.variable: c for c in model.get_cpds()}
    g = nx.DiGraph(list(model.edges()))
    g.add_nodes_from(model.nodes())
    net = cls(g, cpds)
    return net.normalized() if normalize else net


def read_bif(cls: Any, path: Any, *, normalize: bool = False) -> Any:
    try:
        from pgmpy.readwrite import BIFReader
    except ImportError as e:  # pragma: no cover - optional dependency
        raise ImportError(
            "Reading BIF files uses pgmpy's BIFReader; install pgmpy (pip install pgmpy)."
        ) from e
    path = str(path)
    if path.endswith(".gz"):
        import gzip

        with gzip.open(path, "rt") as f:
            reader = BIFReader(string=f.read())
    else:
        reader = BIFReader(path)
    return from_pgmpy(cls, reader.get_model(), normalize=normalize)


def to_pgmpy(net: Any) -> Any:
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    m = DiscreteBayesianNetwork(list(net.graph.edges()))
    m.add_nodes_from(net.variables)
    for v in net.variables:
        ev = list(net.parents[v])
        names: Mapping[str, list[Any]] = {
            u: list(net.state_names(u)) for u in (v, *ev) if net.cpts[u].state_names is not None
        }
        m.add_cpds(
            TabularCPD(
                v,
                net.cards[v],
                net.cpts[v]._arr,
                evidence=ev or None,
                evidence_card=[net.cards[p] for p in ev] or None,
                state_names=dict(names) if len(names) == len(ev) + 1 else {},
            )
        )
    return m


def to_efprob(net: Any) -> Any:
    import efprob as ef

    def names(v: str) -> list[str]:
        return [f"{v}={s}" for s in net.state_names(v)]

    sps = {v: ef.Space(*names(v)) for v in net.variables}
    omega, ws = None, []
    for v in net.variables:
        k = net.table(v)
        if omega is None:
            omega, ws = ef.DiscState(k, sps[v]), [v]
            continue
        wsp = sps[ws[0]]
        for w in ws[1:]:
            wsp = wsp @ sps[w]
        sh, n = tuple(net.cards[w] for w in ws), len(ws)
        eye = np.eye(int(np.prod(sh, dtype=int))).reshape(sh + sh)
        pa = [ws.index(p) for p in net.parents[v]]
        kk = np.einsum(np.ones(sh), list(range(n)), k, [*pa, 2 * n], [*range(n), 2 * n])
        mat = np.einsum(eye, list(range(2 * n)), kk, [*range(n), 2 * n], list(range(2 * n + 1)))
        omega = ef.DiscChannel(mat, wsp, wsp @ sps[v]) >> omega
        ws.append(v)
    return omega


def to_diagram(net: Any) -> tuple[Any, dict[Any, Any]]:
    """The network as a string diagram and its box-to-kernel mapping (``BayesNet.to_diagram``)."""
    from catlearn.diagrams.diagram import Box, Diagram

    wires: list[str] = []
    atoms = {v: Fin(net.cards[v]) for v in net.variables}
    steps: list[Any] = []
    arrows: dict[Any, Any] = {}

    def ty(names: Sequence[str]) -> Ty:
        return Ty(*(atoms[n] for n in names))

    for v in net.variables:
        for p in net.parents[v]:
            i = wires.index(p)
            left, right = wires[:i], wires[i + 1 :]
            steps.append(ty(left) @ Diagram.copy(atoms[p]) @ ty(right))
            steps.append(ty([*left, p]) @ Diagram.swap(atoms[p], ty(right)))
            wires = [*left, p, *right, p]
        k = len(net.parents[v])
        box = Box(v, ty(net.parents[v]), atoms[v])
        arrows[box] = net.kernel(v)
        steps.append(ty(wires[: len(wires) - k]) @ box)
        wires = [*wires[: len(wires) - k], v]
    # the topological order is the wire order: nothing left to permute
    return Diagram.id(Ty()).then(*steps), arrows


def from_kernels(cls: Any, kernels: Mapping[str, Any], parents: Mapping[str, Any]) -> Any:
    """A network from kernels ``P(v | parents[v])`` (``BayesNet.from_kernels``)."""
    edges = [(p, v) for v, ps in parents.items() for p in ps]
    cpds = {}
    for v, k in kernels.items():
        a = np.asarray(k.array, dtype=np.float64)
        card = a.shape[-1]
        cpds[v] = {"values": a.reshape(-1, card).T, "evidence": tuple(parents.get(v, ()))}
    g = nx.DiGraph(edges)
    g.add_nodes_from(kernels)
    return cls(g, cpds)
