"""Conditional probability tables (CPTs) in pgmpy's ``TabularCPD`` layout, checked once.

``values[s, j]`` is the probability of state ``s`` of the variable given the ``j``-th
combination of its parents' states, the *last* parent varying fastest. A
:class:`~catlearn.probability.networks.bayesnet.BayesNet` checks each column against
:data:`ROW_SUM_TOL` when it builds its tables.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from catlearn import errors
from catlearn.errors import NotStochasticError, ShapeError
from catlearn.probability.kernels._checks import TABLE_TOL
from catlearn.probability.networks import _netio

__all__ = ["CPT", "ROW_SUM_TOL", "as_cpt", "kernel_table", "state_map"]

#: Tolerance on the column sums of a CPT, any dtype (the area's table tolerance).
ROW_SUM_TOL = TABLE_TOL


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

    values: npt.ArrayLike
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
            if names is not None and (isinstance(names, str | bytes) or not iterable(names)):
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


def iterable(x: Any) -> bool:
    """Whether ``iter(x)`` works."""
    try:
        iter(x)
    except TypeError:
        return False
    return True


def as_cpt(c: Any) -> CPT:
    """A :class:`CPT` from a CPT, a pgmpy ``TabularCPD``, a mapping of its fields or values."""
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


def kernel_table(v: str, cpt: CPT, parents: Sequence[str], cards: Mapping[str, int]) -> np.ndarray:
    """The CPT of ``v`` as a read-only float64 array in kernel layout ``[parents..., v]``,
    every column checked (entries >= 0 summing to 1 within :data:`ROW_SUM_TOL`)."""
    pcards = tuple(cards[p] for p in parents)
    a = cpt._arr
    n = int(np.prod(pcards, dtype=int))
    if a.shape[1] != n:
        raise ShapeError(
            f"Expected the CPT of {v!r} to have {n} columns (one per configuration of the "
            f"parents {list(parents)} with cards {list(pcards)}), got {a.shape[1]}."
        )
    s = a.sum(axis=0)
    bad = np.flatnonzero(~(np.abs(s - 1.0) <= ROW_SUM_TOL) | (a < 0).any(axis=0))
    if bad.size:
        j = int(bad[0])
        cfg = np.unravel_index(j, pcards) if pcards else ()
        raise NotStochasticError(
            f"In the CPT of {v!r}: expected every column (one per parent configuration) "
            f"to have entries >= 0 summing to 1 within {ROW_SUM_TOL}, got column {j} "
            f"(parents {list(parents)} = {tuple(int(c) for c in cfg)}) summing "
            f"to {s[j]:.6g}. Fix the table, or renormalise it explicitly with "
            f"CPT.normalized() / BayesNet.normalized() if the column is only rounded."
        )
    t = np.ascontiguousarray(a.T.reshape((*pcards, a.shape[0])))
    t.setflags(write=False)
    return t


def state_map(cpt: CPT) -> dict[Any, int]:
    """A state (its index, or its name in ``cpt.state_names``) to its index."""
    m: dict[Any, int] = {k: k for k in range(cpt.card)}
    for i, s in enumerate(cpt.state_names or ()):
        if not isinstance(s, int | np.integer):
            m.setdefault(s, i)
    return m
