r"""Inference engines: one seam between a network (the model) and the algorithms that
answer its queries.

A :class:`~catlearn.probability.networks.bayesnet.BayesNet` holds the model and checks a
query once (names, states, likelihoods become a :class:`Query` in integer ids); an
:class:`Engine` answers it. Engines are objects with options and caches of their own
(bounded, per network, released with the network), never state inside the model:

* :class:`VariableElimination`: exact, a planned contraction per query signature (numpy
  float64; the JAX path for ``jit``, traced evidence, ``tables`` and batches); MAP.
* :class:`JunctionTree`: exact, a clique tree built once per network and calibrated once per
  evidence; all marginals of one evidence from one calibration.
* :class:`LikelihoodWeighting`: approximate, ``num_samples`` weighted samples and a ``key``;
  a :class:`SampledPosterior` with standard errors.

Every query option is honoured by the engine or refused with
:class:`~catlearn.errors.UnsupportedError` naming the engines that honour it (no option is
ever ignored); an engine lists the ones it honours in ``options``.

>>> import jax
>>> from catlearn.probability.networks.bayesnet import sprinkler
>>> net = sprinkler()
>>> exact = [net.query(["Rain"], {"WetGrass": "T"}, engine=e) for e in
...          (VariableElimination(), JunctionTree())]
>>> [p.round(4).tolist() for p in exact]
[[0.2921, 0.7079], [0.2921, 0.7079]]
>>> lw = LikelihoodWeighting(20_000, key=jax.random.key(0))
>>> est = net.query(["Rain"], {"WetGrass": "T"}, engine=lw)
>>> bool(abs(est.probs[1] - exact[0][1]) < 4 * est.stderr[1])
True
>>> net.query(["Rain"], {"WetGrass": "T"}, engine=lw, return_evidence=True)
Traceback (most recent call last):
...
catlearn.errors.UnsupportedError: LikelihoodWeighting does not honour return_evidence=; the engines that do: VariableElimination, JunctionTree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, cast, runtime_checkable

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import is_concrete
from catlearn.errors import SupportError, ZeroEvidenceError
from catlearn.probability.networks import _request
from catlearn.probability.networks._elimination import VariableElimination
from catlearn.probability.networks._jtree import JunctionTree
from catlearn.probability.networks._netsample import LikelihoodWeighting, SampledPosterior
from catlearn.probability.networks._request import Network, Query

__all__ = [
    "ENGINES",
    "BatchEngine",
    "Engine",
    "JunctionTree",
    "LikelihoodWeighting",
    "MapEngine",
    "Query",
    "SampledPosterior",
    "VariableElimination",
    "able",
    "check_options",
    "jeffrey",
    "resolve",
]

#: The engines catlearn ships (an error naming the engines that honour an option lists these).
ENGINES: tuple[type[VariableElimination | JunctionTree | LikelihoodWeighting], ...] = (
    VariableElimination,
    JunctionTree,
    LikelihoodWeighting,
)


@runtime_checkable
class Engine(Protocol):
    r"""What answers :meth:`BayesNet.query <catlearn.probability.networks.bayesnet.BayesNet.query>`.

    ``options`` names the query options the engine honours, among ``virtual_evidence``
    (read from ``q.soft`` and ``q.likelihoods``), ``jeffrey_evidence`` (the
    network mixes the engine's answers; an exact engine's to declare), ``return_evidence``,
    ``jit`` and ``tables`` (passed as keyword arguments, tables as ``{id: array}``).
    ``query(net, q, **options)`` returns the posterior of ``q.targets`` (one axis each, in
    order; or an estimate such as :class:`SampledPosterior`), and with
    ``return_evidence=True`` the pair ``(posterior, P(e))``. Impossible evidence raises
    :class:`~catlearn.errors.ZeroEvidenceError`. Read the model through ``net.indexed``.

    >>> from catlearn.probability.networks.bayesnet import sprinkler
    >>> net = sprinkler()
    >>> isinstance(JunctionTree(), Engine), isinstance(VariableElimination(), Engine)
    (True, True)
    >>> net.query(["Rain"], {"WetGrass": "T"}, engine=JunctionTree()).round(4).tolist()
    [0.2921, 0.7079]
    """

    options: ClassVar[frozenset[str]]

    def query(self, net: Network, q: Query, **options: Any) -> Any: ...


@runtime_checkable
class MapEngine(Protocol):
    """An engine that also answers MAP queries: ``map_query(net, q)`` returns the arg-max
    states of ``q.targets`` as ``{id: state index}``."""

    def map_query(self, net: Network, q: Query) -> dict[int, int]: ...


@runtime_checkable
class BatchEngine(Protocol):
    """An engine that answers many evidence cases of one signature at once (``query_batch``
    and ``log_evidence``): ``batch(net, targets, evidence, columns, tables)`` returns
    ``(posteriors, P(e))`` with a leading batch axis."""

    def batch(
        self, net: Network, targets: tuple[int, ...], evidence: tuple[int, ...],
        columns: jax.typing.ArrayLike, tables: Mapping[int, Any] | None = None,
    ) -> tuple[jax.Array, jax.Array]: ...  # fmt: skip


def able(engine: object | None, protocol: type, default: object, what: str) -> Any:
    """``engine`` (``default`` when ``None``) if it implements ``protocol``, else
    :class:`~catlearn.errors.UnsupportedError` saying it is the engine that ``what``."""
    if engine is None:
        return default
    if not isinstance(engine, protocol):
        raise errors.UnsupportedError(
            f"Expected an engine that {what}, got {type(engine).__name__}; use VariableElimination."
        )
    return engine


def check_options(engine: Engine, **given: bool) -> None:
    """Raise :class:`~catlearn.errors.UnsupportedError` for the first option in ``given``
    (names to whether the caller set it) that ``engine`` does not honour.

    >>> check_options(JunctionTree(), return_evidence=True, jit=False)
    >>> check_options(JunctionTree(), jit=True)
    Traceback (most recent call last):
    ...
    catlearn.errors.UnsupportedError: JunctionTree does not honour jit=; the engines that do: VariableElimination.
    """
    for opt, on in given.items():
        if on and opt not in engine.options:
            able = ", ".join(e.__name__ for e in ENGINES if opt in e.options) or "none"
            raise errors.UnsupportedError(
                f"{type(engine).__name__} does not honour {opt}=; the engines that do: {able}."
            )


def resolve(
    engine: Engine | None,
    method: str | None,
    num_samples: int | None = None,
    key: jax.Array | None = None,
    *,
    exact: VariableElimination,
    junction_tree: JunctionTree,
) -> Engine:
    """The engine of a query's ``engine=`` or ``method=`` (a shorthand): ``"exact"`` (also
    the default) is ``exact``, ``"junction_tree"`` is ``junction_tree``, ``"sampling"`` is
    ``LikelihoodWeighting(num_samples, key=key)``. ``num_samples`` and ``key`` go only with
    ``"sampling"`` (never silently dropped)."""
    drawn = num_samples is not None or key is not None
    if engine is not None:
        if method is not None:
            raise errors.ArgumentValueError(
                f"Expected engine= or method=, got both ({engine!r}, {method!r}); method is a "
                f"shorthand for an engine, so pass one."
            )
        if not isinstance(engine, Engine):
            raise errors.ArgumentTypeError(
                f"Expected an inference engine (an object with options and query(net, q); "
                f"e.g. VariableElimination()), got {type(engine).__name__}."
            )
        if drawn:
            raise errors.UnsupportedError(
                'Expected num_samples= and key= only with method="sampling"; with engine= '
                "they are options of the engine: LikelihoodWeighting(n, key=key)."
            )
        return engine
    if method == "sampling":
        lw = LikelihoodWeighting(100_000 if num_samples is None else num_samples, key=key)
        return cast(Engine, lw)  # an Engine at run time, as below
    if method not in (None, "exact", "junction_tree"):
        raise SupportError(
            f'Expected method "exact", "junction_tree" or "sampling", got {method!r}.'
        )
    if drawn:
        raise errors.UnsupportedError(
            f'Expected num_samples= and key= only with method="sampling" (likelihood '
            f"weighting), got them with method={method or 'exact'!r}, which draws nothing."
        )
    # the shipped engines take only the options they honour (check_options), so they are
    # Engines at run time but not structurally (Engine.query takes **options)
    return cast(Engine, junction_tree if method == "junction_tree" else exact)


def jeffrey(
    net: Network,
    engine: Engine,
    variables: Sequence[str] | str,
    evidence: Mapping[str, Any] | None,
    target: Mapping[str, Any],
    virtual: Mapping[str, Any] | None = None,
    **options: Any,
) -> Any:
    r"""Jeffrey's rule on any engine: :math:`\sum_s \tau(s) P(q \mid v = s, e)` for the one
    variable ``v`` and target distribution :math:`\tau` in ``target`` (the mixture of the
    engine's posteriors; ``options`` are passed to each query). When ``v`` is observed as
    well, only the observed state's term is defined: the answer is :math:`P(q \mid e)` if
    :math:`\tau` is the point mass at the observed state, else
    :class:`~catlearn.errors.ZeroEvidenceError` (under ``jit``, NaN)."""
    if not isinstance(target, Mapping) or len(target) != 1:
        raise SupportError(
            f"Expected Jeffrey evidence on one variable (the rule's result depends on the "
            f"order of updates), got {target!r:.80}; apply them one at a time."
        )
    ((n, tau),) = target.items()
    net.check_names([n])
    card = net.indexed.cards[net.indexed.ids[n]]
    given, tau = tau, _request.weights(tau)
    if (
        tau is None
        or tau.shape != (card,)
        or not np.isfinite(tau).all()
        or abs(tau.sum() - 1) > 1e-9
        or (tau < 0).any()
    ):
        raise SupportError(
            f"Expected a Jeffrey target on {n!r}: {card} probabilities summing to 1, got "
            f"{given!r:.80} instead."
        )
    evidence = _request.evidence(evidence)
    _, hard = _request.ids(net, [], evidence)
    v = net.indexed.ids[n]
    if v in hard:  # observed too: only the observed state's term is defined
        s = _request.value(net, v, hard[v])
        if is_concrete(s) and tau[s] < 1 - 1e-9:
            raise ZeroEvidenceError(
                f"Expected Jeffrey evidence on a variable that is not observed (or the point "
                f"mass at its observed state), got {tau.tolist()} on {n!r}, observed as "
                f"{net.state_names(n)[s]!r}: conditioning on {n!r} = s and on the observation "
                f"has probability 0 for every other s. Drop one of the two."
            )
        post = engine.query(net, _request.build(net, variables, evidence, virtual), **options)
        if is_concrete(s):
            return post
        return post * jnp.where(jnp.asarray(tau)[s] >= 1 - 1e-9, 1.0, jnp.nan)  # traced: NaN
    out: Any = 0.0
    for s in np.flatnonzero(tau):
        q = _request.build(net, variables, {**evidence, n: int(s)}, virtual)
        out = out + tau[s] * engine.query(net, q, **options)
    return out
