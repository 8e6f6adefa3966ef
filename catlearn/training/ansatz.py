r"""Ansätze: monoidal functors from pregroup types to tensor networks (:class:`TensorAnsatz`,
:class:`SpiderAnsatz`, :class:`MPSAnsatz`, after lambeq's).

An ansatz fixes, on objects, a dimension per atomic type (``n.l`` and ``n.r`` get the
dimension of ``n``: :math:`V^* \cong V` in finite dimensions) and, on arrows, how a box
:math:`f : a \to b` becomes a network of parameter tensors whose open legs are the wires of
:math:`a^* \otimes b` (inputs first, then outputs):

* :class:`TensorAnsatz` — one full tensor of shape :math:`\dim a_1 \times \dots \times \dim b_k`;
* :class:`SpiderAnsatz` — one vector of dimension ``d`` copied onto every leg by a spider
  (a diagonal tensor: ``d`` parameters instead of ``d**k``; every leg must have dimension ``d``);
* :class:`MPSAnsatz` — a matrix product state: one core per leg, neighbouring cores joined by a
  bond of dimension ``bond`` (boxes of at most two legs stay full tensors).

A box's parameters are grouped by its **signature** ``(dom, cod)`` and its name: words of one
type are the rows of one table, so batches of sentences gather rows (never Python functions).

>>> from catlearn.diagrams.pregroup import Pregroup, Word
>>> n, s = Pregroup('n'), Pregroup('s')
>>> verb = Word('cooks', n.r @ s @ n.l)
>>> TensorAnsatz({'n': 2, 's': 3}).factors(verb).shapes
((2, 3, 2),)
>>> SpiderAnsatz({'n': 2, 's': 2}).factors(verb).shapes
((2,),)
>>> MPSAnsatz({'n': 2, 's': 2}, bond=4).factors(verb).shapes
((2, 4), (4, 2, 4), (4, 2))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jax

from catlearn import errors
from catlearn.diagrams.diagram import Box
from catlearn.diagrams.pregroup import Pregroup

__all__ = ["Ansatz", "Factors", "MPSAnsatz", "SpiderAnsatz", "TensorAnsatz"]


@dataclass(frozen=True)
class Factors:
    """The tensor network of one box: ``shapes[i]`` and ``legs[i]`` (local labels) of each
    parameter tensor, and ``wires[j]`` the local label of the box's ``j``-th leg (inputs,
    then outputs). Two wires with one label are joined by a spider (a diagonal)."""

    shapes: tuple[tuple[int, ...], ...]
    legs: tuple[tuple[int, ...], ...]
    wires: tuple[int, ...]
    cards: tuple[tuple[int, int], ...]  # (local label, dimension)


@dataclass(frozen=True, init=False)
class Ansatz:
    """Base class: a dimension per atomic type name (``dims``) and ``factors(box)`` per box.

    ``init_scale`` sets the initialisation. By default (``0.01``) a box's tensor starts
    small: each of its ``k`` factors uniform in ``[-s, s)`` with ``s = init_scale ** (1 / k)``,
    so a one-tensor box has entries of size ``init_scale``. Gradient descent from a small start
    is biased towards tensors of low rank (Razin, Maman and Cohen, *Implicit regularization in
    tensor factorization*, ICML 2021, `arXiv:2102.09972 <https://arxiv.org/abs/2102.09972>`_),
    which generalises better on lambeq's small data sets; the default was chosen on MC's dev
    set, and ``benchmarks/bench_lambeq.py`` reports both initialisations. ``init_scale=None`` is
    lambeq's classical initialisation (``PytorchModel``): entries uniform in :math:`[-1, 1)`
    divided by a scale that keeps a tensor's contraction near unit size.

    >>> TensorAnsatz({'n': 2}).init_scale, TensorAnsatz({'n': 2}, init_scale=None).init_scale
    (0.01, None)
    """

    dims: tuple[tuple[str, int], ...]
    init_scale: float | None

    def __init__(self, dims: Mapping[str, int], *, init_scale: float | None = 0.01) -> None:
        if not isinstance(dims, Mapping) or not dims:
            raise errors.ArgumentTypeError(
                f"Expected a mapping from atomic type names to dimensions, e.g. "
                f"{{'n': 2, 's': 2}}, got {dims!r}."
            )
        for k, v in dims.items():
            if not isinstance(k, str) or not isinstance(v, int) or v < 1:
                raise errors.ArgumentValueError(
                    f"Expected dimensions as {{name: int >= 1}}, got {k!r}: {v!r}; e.g. "
                    "TensorAnsatz({'n': 2, 's': 2})."
                )
        if init_scale is not None and not (
            isinstance(init_scale, int | float) and math.isfinite(init_scale) and init_scale > 0
        ):
            raise errors.ArgumentValueError(
                f"Expected init_scale > 0 (a float) or None (lambeq's initialisation), got "
                f"{init_scale!r}; e.g. init_scale=0.01."
            )
        object.__setattr__(self, "dims", tuple(sorted(dims.items())))
        object.__setattr__(self, "init_scale", None if init_scale is None else float(init_scale))

    def dim(self, atom: Any) -> int:
        """The dimension of a pregroup atom (its adjoints share it).

        >>> TensorAnsatz({'n': 3}).dim(Pregroup('n').l)
        3
        """
        if not isinstance(atom, Pregroup):
            raise errors.TypeMismatch(
                f"Expected a pregroup atom, got {atom!r}: tensor semantics interprets pregroup "
                "wires (catlearn.diagrams.pregroup.Pregroup); cartesian Euclid wires compile "
                "with catlearn.diagrams.compile instead."
            )
        for k, v in self.dims:
            if k == atom.name:
                return v
        raise errors.ArgumentValueError(
            f"Expected a dimension for the atomic type {atom.name!r} in the ansatz, got only "
            f"{dict(self.dims)}; add it, e.g. {{..., {atom.name!r}: 2}}."
        )

    def leg_dims(self, box: Box) -> tuple[int, ...]:
        """The dimensions of the legs of ``box`` (inputs, then outputs)."""
        return tuple(self.dim(a) for a in (box.dom @ box.cod).inside)

    def factors(self, box: Box) -> Factors:  # pragma: no cover - abstract
        raise errors.UnsupportedError(f"{type(self).__name__} must define factors(box).")

    def init(self, key: Any, box: Box, rows: int = 1) -> tuple[Any, ...]:
        """Fresh parameter tables for ``rows`` boxes of the type of ``box`` (one table of shape
        ``(rows, *shape)`` per factor): uniform in ``[-s, s)`` with ``s = init_scale ** (1 / k)``
        for ``k`` factors, or with ``init_scale=None`` uniform in ``[-1, 1)`` over lambeq's scale
        of the box's *directed* codomain (the product of the dimensions of the output atoms of
        even winding number and of the input atoms of odd winding number).

        >>> from catlearn.diagrams.pregroup import Pregroup, Word
        >>> n = Pregroup('n')
        >>> [t.shape for t in TensorAnsatz({'n': 2}).init(jax.random.key(0), Word('w', n), 5)]
        [(5, 2)]
        """
        f = self.factors(box)
        keys = jax.random.split(key, len(f.shapes))
        if self.init_scale is None:
            directed = [self.dim(a) for a in box.cod.inside if a.z % 2 == 0]  # type: ignore[attr-defined]
            directed += [self.dim(a) for a in box.dom.inside if a.z % 2 == 1]  # type: ignore[attr-defined]
            half = 1.0 / _lambeq_scale(math.prod(directed))
        else:
            half = self.init_scale ** (1.0 / len(f.shapes))
        return tuple(
            half * (2.0 * jax.random.uniform(k, (rows, *shape)) - 1.0)
            for k, shape in zip(keys, f.shapes)
        )


def _lambeq_scale(size: int) -> float:
    """lambeq's ``mean(size)`` (``PytorchModel.initialise_weights``); at ``size == 1``, where
    lambeq's table has NaN, the correction of size 1 is taken as 3."""
    if size < 6:
        correction = [3.0, 3.0, 2.6, 2.0, 1.6, 1.3][size]
    else:
        correction = 1.0 / (0.16 * size - 0.04)
    return math.sqrt(size / 3.0 - 1.0 / (15.0 - correction))


@dataclass(frozen=True, init=False)
class TensorAnsatz(Ansatz):
    """Every box is one full tensor over its legs.

    >>> from catlearn.diagrams.pregroup import Pregroup, Word
    >>> n = Pregroup('n')
    >>> TensorAnsatz({'n': 2}).factors(Word('tasty', n @ n.l)).legs
    ((0, 1),)
    """

    def factors(self, box: Box) -> Factors:
        d = self.leg_dims(box)
        k = tuple(range(len(d)))
        return Factors((d,), (k,), k, tuple(zip(k, d)))


@dataclass(frozen=True, init=False)
class SpiderAnsatz(Ansatz):
    """Every box is one vector copied onto all its legs by a spider (all legs one index).

    >>> from catlearn.diagrams.pregroup import Pregroup, Word
    >>> n = Pregroup('n')
    >>> SpiderAnsatz({'n': 3}).factors(Word('tasty', n @ n.l)).wires
    (0, 0)
    """

    def factors(self, box: Box) -> Factors:
        d = self.leg_dims(box)
        if len(set(d)) != 1:
            raise errors.ArgumentValueError(
                f"Expected every leg of {box!r} to have one dimension under the spider ansatz, "
                f"got {d}; give all atomic types the same dimension, or use TensorAnsatz."
            )
        return Factors(((d[0],),), ((0,),), (0,) * len(d), ((0, d[0]),))


@dataclass(frozen=True, init=False)
class MPSAnsatz(Ansatz):
    """Boxes of three or more legs become a matrix product state with bond dimension ``bond``.

    >>> from catlearn.diagrams.pregroup import Pregroup, Word
    >>> n = Pregroup('n')
    >>> MPSAnsatz({'n': 2}, bond=3).factors(Word('w', n @ n.l)).shapes
    ((2, 2),)
    """

    bond: int

    def __init__(
        self, dims: Mapping[str, int], *, bond: int, init_scale: float | None = 0.01
    ) -> None:
        super().__init__(dims, init_scale=init_scale)
        if not isinstance(bond, int) or bond < 1:
            raise errors.ArgumentValueError(
                f"Expected a bond dimension bond >= 1 (int), got {bond!r}; e.g. bond=4."
            )
        object.__setattr__(self, "bond", bond)

    def factors(self, box: Box) -> Factors:
        d = self.leg_dims(box)
        k = len(d)
        if k <= 2:
            wires = tuple(range(k))
            return Factors((d,), (wires,), wires, tuple(zip(wires, d)))
        bonds = [k + i for i in range(k - 1)]  # local labels of the k - 1 bonds
        shapes: list[tuple[int, ...]] = [(d[0], self.bond)]
        legs: list[tuple[int, ...]] = [(0, bonds[0])]
        for i in range(1, k - 1):
            shapes.append((self.bond, d[i], self.bond))
            legs.append((bonds[i - 1], i, bonds[i]))
        shapes.append((self.bond, d[-1]))
        legs.append((bonds[-1], k - 1))
        cards = tuple(zip(range(k), d)) + tuple((b, self.bond) for b in bonds)
        return Factors(tuple(shapes), tuple(legs), tuple(range(k)), cards)
