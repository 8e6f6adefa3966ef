r"""Lenses, learners and symmetric lenses (Fong, Johnson, *Lenses and Learners*, 2019).

Two functors, both preserving ``>>`` and ``@`` (tested with hypothesis in float64, exactly):

* :func:`lens_to_learner`, asymmetric lenses → learners: a lens :math:`(g, p) : A \to B`
  becomes the learner :math:`(1, g, !, p)` with the trivial parameter space, implementation
  :math:`g`, the only update, and request :math:`p` (Fong–Johnson's embedding: faithful,
  identity on objects, symmetric monoidal).
* :func:`learner_to_symmetric`, learners → symmetric lenses (Hofmann, Pierce, Wagner): a
  learner :math:`(P, I, U, r) : A \to B` becomes the symmetric lens with complement
  :math:`P \times A` (the parameters and the last input),

  .. math::
     \mathrm{putr}(a, (p, a_0)) = (I(p, a), (p, a)), \qquad
     \mathrm{putl}(b, (p, a)) = (r(p, a, b), (U(p, a, b), a)).

  Symmetric lenses are equal up to a relation on complements, so the law is behavioural:
  from related complements, every sequence of puts gives the same outputs.

Attribution: the isomorphism Learn ≅ Para(SLens) (a learner is a parametrised simple lens,
:meth:`catlearn.core.learner.Learner.to_lens`) is Spivak's (*Learners' languages*, 2021); the
functors above are Fong and Johnson's.

>>> import jax.numpy as jnp
>>> from catlearn.core.lens import Lens
>>> from catlearn.core.types import Euclid
>>> f = Lens.from_function(jnp.sin, Euclid(2), Euclid(2))
>>> L = lens_to_learner(f)
>>> bool(jnp.array_equal(L.request({}, jnp.ones(2), jnp.ones(2)), f.put(jnp.ones(2), jnp.ones(2))))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catlearn import errors
from catlearn.core.learner import Learner
from catlearn.core.lens import Lens
from catlearn.core.types import Ty
from catlearn.errors import mismatch

__all__ = ["SymmetricLens", "learner_to_symmetric", "lens_to_learner"]


def lens_to_learner(lens: Lens) -> Learner:
    """Fong–Johnson's functor Lens → Learn: ``(get, put) -> (1, get, !, put)``.

    >>> from catlearn.core.types import Euclid
    >>> lens_to_learner(Lens.id(Euclid(1)))
    Learner(Euclid(1) -> Euclid(1); no parameters)
    """
    if not isinstance(lens, Lens):
        raise errors.ArgumentTypeError(f"Expected a Lens, got {lens!r}.")
    return Learner(
        lens.dom,
        lens.cod,
        None,
        lambda p, a: lens.get(a),
        lambda p, a, b: p,
        lambda p, a, b: lens.put(a, b),
    )


class SymmetricLens:
    """A symmetric lens ``A <-> B`` with explicit complements (Hofmann, Pierce, Wagner).

    ``putr(a, c) -> (b, c')`` and ``putl(b, c) -> (a, c')``. Composition pairs the
    complements ``(c1, c2)``; the tensor pairs them too.

    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> ident = SymmetricLens.id(Euclid(1))
    >>> (ident >> ident).putr(jnp.ones(1), ((), ()))
    (Array([1.], dtype=float32), ((), ()))
    """

    __slots__ = ("cod", "dom", "putl", "putr")

    dom: Ty
    cod: Ty
    putr: Callable[[Any, Any], tuple[Any, Any]]
    putl: Callable[[Any, Any], tuple[Any, Any]]

    def __init__(
        self,
        putr: Callable[[Any, Any], tuple[Any, Any]],
        putl: Callable[[Any, Any], tuple[Any, Any]],
        dom: Ty,
        cod: Ty,
    ) -> None:
        if not isinstance(dom, Ty) or not isinstance(cod, Ty):
            raise errors.ArgumentTypeError(
                f"Expected wire types for dom and cod, got {dom!r} and {cod!r}."
            )
        for k, v in (("putr", putr), ("putl", putl), ("dom", dom), ("cod", cod)):
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"Symmetric lenses are immutable: cannot set {name!r}; build a new one instead."
        )

    def __repr__(self) -> str:
        return f"SymmetricLens({self.dom} <-> {self.cod})"

    @classmethod
    def id(cls, ty: Ty) -> SymmetricLens:
        """The identity, with the trivial complement ``()``.

        >>> from catlearn.core.types import Euclid
        >>> SymmetricLens.id(Euclid(2))
        SymmetricLens(Euclid(2) <-> Euclid(2))
        """
        return cls(lambda a, c: (a, c), lambda b, c: (b, c), ty, ty)

    def __rshift__(self, other: SymmetricLens) -> SymmetricLens:
        return self._then2(other)

    def __matmul__(self, other: SymmetricLens) -> SymmetricLens:
        if not isinstance(other, SymmetricLens):
            raise errors.ArgumentTypeError(
                f"Expected a SymmetricLens after @, got {other!r}; convert it first."
            )
        return self._tensor2(other)

    def _then2(self, other: SymmetricLens) -> SymmetricLens:
        """``f >> g``: complements ``(c_f, c_g)``; putr runs f then g, putl g then f.

        >>> from catlearn.core.types import Euclid
        >>> SymmetricLens.id(Euclid(1)) >> SymmetricLens.id(Euclid(2))
        Traceback (most recent call last):
        ...
        catlearn.errors.TypeMismatch: Cannot compose ...
        """
        if not isinstance(other, SymmetricLens):
            raise errors.ArgumentTypeError(f"Expected a SymmetricLens after >>, got {other!r}.")
        if self.cod != other.dom:
            raise mismatch(self, other, self.cod, other.dom)
        f, g = self, other

        def putr(a: Any, c: Any) -> tuple[Any, Any]:
            b, c1 = f.putr(a, c[0])
            out, c2 = g.putr(b, c[1])
            return out, (c1, c2)

        def putl(x: Any, c: Any) -> tuple[Any, Any]:
            b, c2 = g.putl(x, c[1])
            a, c1 = f.putl(b, c[0])
            return a, (c1, c2)

        return SymmetricLens(putr, putl, f.dom, g.cod)

    def _tensor2(self, other: SymmetricLens) -> SymmetricLens:
        """``f @ g``: side by side, complements ``(c_f, c_g)``.

        >>> from catlearn.core.types import Euclid
        >>> (SymmetricLens.id(Euclid(1)) @ SymmetricLens.id(Euclid(2))).cod
        Euclid(1) @ Euclid(2)
        """
        f, g = self, other
        dom, cod = f.dom @ g.dom, f.cod @ g.cod

        def split(ty: Ty, left: Ty, v: Any) -> tuple[Any, Any]:
            vs = ty.split(v)
            return left.join(vs[: len(left)]), ty[len(left) :].join(vs[len(left) :])

        def join(left: Ty, right: Ty, u: Any, v: Any) -> Any:
            return (left @ right).join(left.split(u) + right.split(v))

        def putr(a: Any, c: Any) -> tuple[Any, Any]:
            a1, a2 = split(dom, f.dom, a)
            (b1, c1), (b2, c2) = f.putr(a1, c[0]), g.putr(a2, c[1])
            return join(f.cod, g.cod, b1, b2), (c1, c2)

        def putl(b: Any, c: Any) -> tuple[Any, Any]:
            b1, b2 = split(cod, f.cod, b)
            (a1, c1), (a2, c2) = f.putl(b1, c[0]), g.putl(b2, c[1])
            return join(f.dom, g.dom, a1, a2), (c1, c2)

        return SymmetricLens(putr, putl, dom, cod)


def learner_to_symmetric(learner: Learner) -> SymmetricLens:
    r"""Fong–Johnson's functor Learn → SLens, complement :math:`P \times A` (see the module).

    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> S = learner_to_symmetric(Learner.id(Euclid(1)))
    >>> S.putl(jnp.ones(1), ({}, jnp.zeros(1)))
    (Array([1.], dtype=float32), ({}, Array([0.], dtype=float32)))
    """
    if not isinstance(learner, Learner):
        raise errors.ArgumentTypeError(f"Expected a Learner, got {learner!r}.")

    def putr(a: Any, c: Any) -> tuple[Any, Any]:
        p, _ = c
        return learner.implement(p, a), (p, a)

    def putl(b: Any, c: Any) -> tuple[Any, Any]:
        p, a = c
        return learner.request(p, a, b), (learner.update(p, a, b), a)

    return SymmetricLens(putr, putl, learner.dom, learner.cod)
