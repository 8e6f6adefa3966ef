r"""Reverse derivative categories: what a semantics must provide for gradient-style learning.

A *reverse derivative category* (Cockett, Cruttwell, Gallagher, Lemay, MacAdam, Plotkin, Pronk,
*Reverse derivative categories*, CSL 2020) is a Cartesian left-additive category with an
operation sending :math:`f : A \to B` to :math:`R[f] : A \times B \to A`, linear in its second
argument, subject to the axioms RD1–RD7. Cruttwell, Gavranović, Ghani, Wilson, Zanasi
(*Categorical foundations of gradient-based learning*) and Wilson, Zanasi (*Reverse derivative
ascent*) show that this is **all** a learner needs:

* the **lens** :math:`(f, R[f])`, whose ``put`` sends an output change back to an input change
  (composition of these lenses is the chain rule, RD5);
* the **update rule** for a model :math:`f : P \times A \to B` on an example :math:`(x, y)`,

  .. math::
     p' = p - \varepsilon \cdot R[f]_P\big((p, x),\, f(p, x) - y\big),

  which in :math:`\mathbb{R}` is SGD on the squared error and in :math:`\mathbb{Z}_2`
  (where :math:`-1 = +1` and :math:`\varepsilon = 1`) is *reverse derivative ascent*
  :math:`p' = p + R[f]_P((p, x), f(p, x) + y)`.

Two instances: :class:`Smooth` (JAX functions, :math:`R[f](x, dy) = \mathrm{vjp}`), and
:class:`catlearn.boolean.rda.Boolean` (Boolean circuits over :math:`\mathbb{Z}_2`).

Axioms RD2 (linearity in ``dy``) and RD5 (chain rule) as doctests, in the smooth instance:

>>> import jax.numpy as jnp
>>> S = Smooth()
>>> f, g = jnp.sin, jnp.exp
>>> x, dz = jnp.array(0.3), jnp.array(2.0)
>>> bool(jnp.allclose(S.reverse(lambda v: g(f(v)), x, dz), S.reverse(f, x, S.reverse(g, f(x), dz))))
True
>>> bool(jnp.allclose(S.reverse(f, x, 2 * dz), 2 * S.reverse(f, x, dz)))
True
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, Generic, cast

import jax

from catlearn.boolean._rda_gates import ArrowT
from catlearn.core.lens import Lens
from catlearn.core.loop import ArrayTree
from catlearn.core.types import Atom, Ty

__all__ = ["AnyValue", "ReverseDerivativeCategory", "ReverseLens", "Smooth"]


class AnyValue(Atom):
    """A wire that carries any value (an array, a pytree, a circuit's bits), unchecked: the
    type of a reverse-derivative lens built from an arrow without wire types.

    >>> AnyValue() == AnyValue(), AnyValue() @ AnyValue()
    (True, AnyValue() @ AnyValue())
    """

    __slots__ = ()

    @property
    def shape(self) -> tuple[int, ...]:  # type: ignore[override]
        return ()

    @property
    def _key(self) -> tuple[Any, ...]:
        return ()

    def _check(self, v: Any, *, batch_dims: int, what: str) -> None:
        return None

    def __repr__(self) -> str:
        return "AnyValue()"


class ReverseLens(Lens):
    r"""The lens :math:`(f, R[f])`: ``get(x) = f(x)``, ``put(x, dy) = R[f](x, dy)``, a
    :class:`~catlearn.core.lens.Lens` whose wires default to :class:`AnyValue`.

    It composes through the one engine as every lens does (its composites are
    :class:`~catlearn.core.lens.Lens` es); composition is the lens law, which for
    reverse-derivative lenses *is* the chain rule (RD5):
    :math:`(g_1, p_1) \gg (g_2, p_2) = (g_2 \circ g_1,\ (a, c) \mapsto p_1(a, p_2(g_1 a, c)))`,
    and ``@`` runs two lenses on the two halves of a pair.

    >>> import jax.numpy as jnp
    >>> L = Smooth().lens(jnp.sin) >> Smooth().lens(jnp.exp)
    >>> float(L.put(0.0, 1.0))  # d/dx exp(sin x) at 0 = cos 0 * exp(sin 0)
    1.0
    >>> L = Smooth().lens(lambda v: 2 * v) @ Smooth().lens(lambda v: 3 * v)
    >>> [float(d) for d in L.put((1.0, 1.0), (1.0, 1.0))]
    [2.0, 3.0]
    """

    __slots__ = ()

    def __init__(
        self,
        get: Callable[[Any], Any],
        put: Callable[[Any, Any], Any],
        dom: Ty | None = None,
        cod: Ty | None = None,
        *,
        name: str | None = None,
    ) -> None:
        super().__init__(
            get,
            put,
            AnyValue() if dom is None else dom,
            AnyValue() if cod is None else cod,
            name=name,
        )


class ReverseDerivativeCategory(abc.ABC, Generic[ArrowT]):
    r"""The interface a semantics provides so that learners work in it.

    An instance knows how to run an arrow (``apply``), its reverse derivative ``reverse``
    (:math:`R[f](x, dy)`), and the commutative monoid of changes (``add``, ``neg``, ``scale``)
    of the left-additive structure. From these it derives :meth:`lens` and :meth:`update`
    (the learning rule of Cruttwell et al. and Wilson–Zanasi). It is generic in the type of
    its arrows (:class:`Smooth` is a ``ReverseDerivativeCategory[Callable[[Any], Any]]``,
    :class:`~catlearn.boolean.rda_learn.Boolean` a ``ReverseDerivativeCategory[Circuit]``);
    values and changes are pytrees of arrays (``catlearn.core.loop.ArrayTree``).

    >>> import jax.numpy as jnp
    >>> S = Smooth()
    >>> f = lambda px: px[0] * px[1]          # the model f(p, x) = p x
    >>> float(S.update(f, 1.0, 2.0, 6.0, lr=0.1))  # p - 0.1 * (p x - y) x = 1 + 0.8
    1.8
    """

    name: str = "abstract"

    @abc.abstractmethod
    def apply(self, f: ArrowT, x: ArrayTree) -> ArrayTree:
        """Run the arrow ``f`` on ``x``."""

    @abc.abstractmethod
    def reverse(self, f: ArrowT, x: ArrayTree, dy: ArrayTree) -> ArrayTree:
        """The reverse derivative :math:`R[f](x, dy)`, a change of ``x``."""

    @abc.abstractmethod
    def add(self, a: ArrayTree, b: ArrayTree) -> ArrayTree:
        """The addition of changes (``+`` in R, XOR in Z_2)."""

    @abc.abstractmethod
    def neg(self, a: ArrayTree) -> ArrayTree:
        """The additive inverse (``-a`` in R, ``a`` itself in Z_2)."""

    @abc.abstractmethod
    def scale(self, lr: float, a: ArrayTree) -> ArrayTree:
        """A step size times a change (only ``lr = 1`` exists in Z_2)."""

    def lens(self, f: ArrowT, dom: Ty | None = None, cod: Ty | None = None) -> ReverseLens:
        """The reverse-derivative lens :math:`(f, R[f])` of an arrow, between ``dom`` and
        ``cod`` (default :class:`AnyValue`: unchecked wires)."""
        return ReverseLens(
            lambda x: self.apply(f, x), lambda x, dy: self.reverse(f, x, dy), dom, cod
        )

    def update(
        self, f: ArrowT, p: ArrayTree, x: ArrayTree, y: ArrayTree, *, lr: float = 1.0
    ) -> ArrayTree:
        r"""One learning step :math:`p' = p - \varepsilon R[f]_P((p, x), f(p, x) - y)`.

        ``f`` is a model :math:`P \times A \to B` taking the pair ``(p, x)``.
        """
        y_hat = self.apply(f, (p, x))
        dy = self.add(y_hat, self.neg(y))
        dp, _ = cast(tuple[ArrayTree, ArrayTree], self.reverse(f, (p, x), dy))  # R[f] of a pair
        return self.add(p, self.neg(self.scale(lr, dp)))


class Smooth(ReverseDerivativeCategory[Callable[[Any], Any]]):
    r"""Smooth maps between Euclidean spaces as JAX functions: :math:`R[f](x, dy) = J_f(x)^T dy`.

    An arrow is a JAX function of one argument (any pytree); ``reverse`` is ``jax.vjp``. The
    update rule is SGD on :math:`\tfrac12\lVert f(p, x) - y\rVert^2`.

    >>> import jax.numpy as jnp
    >>> Smooth().reverse(lambda v: v ** 2, jnp.array(3.0), jnp.array(1.0))
    Array(6., dtype=float32, weak_type=True)
    """

    name = "smooth"

    def apply(self, f: Callable[[Any], Any], x: ArrayTree) -> ArrayTree:
        """``f(x)``."""
        return cast(ArrayTree, f(x))

    def reverse(self, f: Callable[[Any], Any], x: ArrayTree, dy: ArrayTree) -> ArrayTree:
        """``jax.vjp(f, x)`` applied to ``dy``."""
        _, pullback = jax.vjp(f, x)
        return cast(ArrayTree, pullback(dy)[0])

    def add(self, a: ArrayTree, b: ArrayTree) -> ArrayTree:
        """Pointwise ``a + b``."""
        return cast(ArrayTree, jax.tree_util.tree_map(lambda u, v: u + v, a, b))

    def neg(self, a: ArrayTree) -> ArrayTree:
        """Pointwise ``-a``."""
        return cast(ArrayTree, jax.tree_util.tree_map(lambda u: -u, a))

    def scale(self, lr: float, a: ArrayTree) -> ArrayTree:
        """Pointwise ``lr * a``."""
        return cast(ArrayTree, jax.tree_util.tree_map(lambda u: lr * u, a))
