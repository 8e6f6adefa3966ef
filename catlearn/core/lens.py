r"""Lenses and parametrised lenses (Cruttwell, Gavranović, Ghani, Wilson, Zanasi,
*Categorical Foundations of Gradient-Based Learning*; Fong, Johnson, *Lenses and Learners*).

A (simple) lens :math:`A \to B` is a pair of maps

.. math::
   \mathrm{get} : A \to B, \qquad \mathrm{put} : A \times B' \to A',

run forwards then backwards. Here the backward wires carry values of the same wire types as
the forward ones (cotangents for the reverse-derivative lens, requested values for a learner).
Composition and the monoidal product are

.. math::
   (g_1, p_1) \gg (g_2, p_2) = (g_2 \circ g_1,\; (a, c) \mapsto p_1(a, p_2(g_1 a, c))), \qquad
   (g_1, p_1) \otimes (g_2, p_2) = (g_1 \times g_2,\; p_1 \times p_2).

The **reverse-derivative lens** of a differentiable map :math:`f` is
:math:`R(f) = (f, (a, \delta b) \mapsto \mathrm{vjp}(f, a)(\delta b))`; the chain rule says
that :math:`R` is a functor, :math:`R(f \gg g) = R(f) \gg R(g)`.

A **parametrised lens** (:class:`ParaLens`, an arrow of Para(Lens)) has a get
:math:`P \times A \to B` and a put :math:`P \times A \times B' \to P' \times A'`; its
parameters are named groups as in :mod:`catlearn.core.para`. Learn ≅ Para(SLens), with SLens
the simple lenses of this module (Spivak, *Learners' languages*;
:meth:`catlearn.core.learner.Learner.to_lens`); symmetric lenses are
:class:`catlearn.core.fong_johnson.SymmetricLens`.

Axioms (doctests):

>>> import jax.numpy as jnp
>>> from catlearn.core.types import Euclid
>>> f = Lens.from_function(jnp.sin, Euclid(2), Euclid(2))
>>> g = Lens.from_function(jnp.exp, Euclid(2), Euclid(2))
>>> h = Lens.from_function(lambda x: x ** 2, Euclid(2), Euclid(2))
>>> a, c = jnp.array([0.1, 0.2]), jnp.array([1.0, -1.0])
>>> bool(jnp.allclose(((f >> g) >> h).put(a, c), (f >> (g >> h)).put(a, c)))
True
>>> bool(jnp.allclose((Lens.id(Euclid(2)) >> f).put(a, c), f.put(a, c)))
True
>>> fg = Lens.from_function(lambda x: jnp.exp(jnp.sin(x)), Euclid(2), Euclid(2))
>>> bool(jnp.allclose((f >> g).put(a, c), fg.put(a, c)))  # R is a functor
True

Read as a bidirectional transformation (a view ``get`` of a source and an update ``put`` of the
source from an edited view), a lens may obey the **lens laws** (Foster et al.; Fong, Johnson
§2), checked on sample points by :func:`is_well_behaved` and :func:`is_very_well_behaved`:

.. math::
   \text{GetPut: } \mathrm{put}(a, \mathrm{get}\,a) = a, \quad
   \text{PutGet: } \mathrm{get}(\mathrm{put}(a, b)) = b, \quad
   \text{PutPut: } \mathrm{put}(\mathrm{put}(a, b), b') = \mathrm{put}(a, b').

Reverse-derivative lenses are not meant to obey them (their put returns a cotangent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import jax
import jax.numpy as jnp

from catlearn import errors
from catlearn.core._arrow import Arrow, GroupedArrow
from catlearn.core._arrow import disjoint_clash as disjoint_clash  # its former home
from catlearn.core._category import Composable, Groups, Node, Wiring
from catlearn.core._laws import close_within
from catlearn.core._lens_program import LensFns, PGet, PLensFns, PPut, lens_program, plens_program
from catlearn.core._params import leaf_groups
from catlearn.core.para import Para, Params, SpecTree, WireValue
from catlearn.core.program import Program
from catlearn.core.types import Ty

__all__ = ["Lens", "ParaLens", "is_very_well_behaved", "is_well_behaved"]


def _add(x: Any, y: Any) -> Any:
    return jax.tree_util.tree_map(jnp.add, x, y)


class Lens(Arrow[LensFns], Composable):
    """A lens ``(get, put)`` from ``dom`` to ``cod``: ``get(a) -> b``, ``put(a, b') -> a'``.

    Parameters
    ----------
    get:
        The forward map ``a -> b`` on one example.
    put:
        The backward map ``(a, b') -> a'``.
    dom, cod:
        Wire types (:class:`~catlearn.core.types.Ty`); checked when lenses are composed.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> double = Lens(lambda a: 2 * a, lambda a, db: 2 * db, Euclid(1), Euclid(1))
    >>> (double >> double).get(jnp.ones(1)), (double >> double).put(jnp.ones(1), jnp.ones(1))
    (Array([4.], dtype=float32), Array([4.], dtype=float32))
    """

    __slots__ = ("name",)

    name: str | None
    _plural = "Lenses"

    def __init__(
        self,
        get: Callable[[Any], Any],
        put: Callable[[Any, Any], Any],
        dom: Ty,
        cod: Ty,
        *,
        name: str | None = None,
    ) -> None:
        if not isinstance(dom, Ty) or not isinstance(cod, Ty):
            raise errors.ArgumentTypeError(
                f"Expected wire types for dom and cod, got {dom!r} and {cod!r}. "
                "Call Lens(get, put, Euclid(n), Euclid(m))."
            )
        if not callable(get) or not callable(put):
            raise errors.ArgumentTypeError(
                f"Expected callables get and put, got {get!r} and {put!r}; pass two functions."
            )
        self._init(dom, cod, None, (get, put), name=name)

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Any, name: str | None = None) -> Lens:
        self = object.__new__(cls)
        self._init(dom, cod, node, None, name=name)
        return self

    def _program_fns(self, program: Program) -> LensFns:
        return lens_program(program)

    @property
    def _get(self) -> Callable[[Any], Any]:
        return self._fns()[0]

    @property
    def _put(self) -> Callable[[Any, Any], Any]:
        return self._fns()[1]

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        return f"Lens({label}{self.dom} -> {self.cod})"

    # --- running ---------------------------------------------------------------------------
    def get(self, a: WireValue) -> Any:
        """The forward pass ``get(a)`` (the input is checked against ``dom``)."""
        self.dom.check(a, what="input")
        return self._get(a)

    def put(self, a: WireValue, db: WireValue) -> Any:
        """The backward pass ``put(a, b')`` (both are checked against their types)."""
        self.dom.check(a, what="input")
        self.cod.check(db, what="backward value")
        return self._put(a, db)

    # --- constructors ----------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Ty) -> Lens:
        """The identity lens ``(a -> a, (a, b) -> b)``.

        >>> from catlearn.core.types import Euclid
        >>> Lens.id(Euclid(2))
        Lens(id: Euclid(2) -> Euclid(2))
        """
        return cls._composite(Wiring(range(len(ty))), ty, ty, (), name="id")

    @classmethod
    def from_function(cls, f: Callable[[Any], Any], dom: Ty, cod: Ty) -> Lens:
        """The reverse-derivative lens ``R(f) = (f, (a, db) -> vjp(f, a)(db))``.

        >>> import jax.numpy as jnp
        >>> from catlearn.core.types import Euclid
        >>> Lens.from_function(jnp.square, Euclid(1), Euclid(1)).put(jnp.array([3.0]), jnp.ones(1))
        Array([6.], dtype=float32)
        """

        def put(a: Any, db: Any) -> Any:
            _, vjp = jax.vjp(f, a)
            return vjp(db)[0]

        return cls(f, put, dom, cod, name=getattr(f, "__name__", None))

    @classmethod
    def swap(cls, a: Ty, b: Ty) -> Lens:
        """The symmetry ``a @ b -> b @ a`` (its put swaps back).

        >>> from catlearn.core.types import Fin
        >>> Lens.swap(Fin(2), Fin(3)).put((0, 1), (2, 0))
        (0, 2)
        """
        n, m = len(a), len(b)
        perm = [*range(n, n + m), *range(n)]
        return cls._composite(Wiring(perm), a @ b, b @ a, (), name="swap")

    @classmethod
    def copy(cls, a: Ty, n: int = 2) -> Lens:
        """The reverse-derivative lens of the diagonal: get copies, put adds the ``n`` cotangents.

        ``n = 0`` is discard, whose put returns zeros.

        >>> import jax.numpy as jnp
        >>> from catlearn.core.types import Euclid
        >>> Lens.copy(Euclid(1)).put(jnp.ones(1), (jnp.ones(1), 2 * jnp.ones(1)))
        Array([3.], dtype=float32)
        """
        cod, m = a**n, len(a)

        def get(x: Any) -> Any:
            return cod.join(a.split(x) * n)

        def put(x: Any, y: Any) -> Any:
            xs = a.split(x)
            ys = cod.split(y)
            out = []
            for i, xi in enumerate(xs):
                acc = jax.tree_util.tree_map(jnp.zeros_like, xi)
                for j in range(n):
                    acc = _add(acc, ys[j * m + i])
                out.append(acc)
            return a.join(out)

        return cls(get, put, a, cod, name="copy" if n else "discard")

    @classmethod
    def discard(cls, a: Ty) -> Lens:
        """The lens ``a -> Ty()`` whose put returns a zero cotangent.

        >>> import jax.numpy as jnp
        >>> from catlearn.core.types import Euclid
        >>> Lens.discard(Euclid(2)).put(jnp.ones(2), ())
        Array([0., 0.], dtype=float32)
        """
        return cls.copy(a, 0)

    @classmethod
    def merge(cls, a: Ty, n: int = 2) -> Lens:
        """Addition ``a @ ... @ a -> a``; its put copies the cotangent to every summand.

        >>> import jax.numpy as jnp
        >>> from catlearn.core.types import Euclid
        >>> Lens.merge(Euclid(1)).get((jnp.ones(1), jnp.ones(1)))
        Array([2.], dtype=float32)
        """
        dom, m = a**n, len(a)

        def get(x: Any) -> Any:
            xs = dom.split(x)
            return a.join(tuple(sum(xs[i::m]) for i in range(m)))

        def put(x: Any, y: Any) -> Any:
            return dom.join(a.split(y) * n)

        return cls(get, put, dom, a, name="merge")


# --- parametrised lenses ---------------------------------------------------------------------


class ParaLens(GroupedArrow[PLensFns], Composable):
    r"""A parametrised lens: ``get(params, a) -> b`` and ``put(params, a, b') -> (params', a')``.

    An arrow of Para(Lens): its parameters are named groups (as in :class:`~catlearn.core.para.Para`)
    and its put returns a value for every group it owns, together with the backward value on
    ``dom``. For the reverse-derivative lens of a :class:`~catlearn.core.para.Para` (see
    :meth:`from_para`) ``params'`` are gradients; for the lens of a learner they are the
    updated parameters (Fong, Johnson, *Lenses and Learners*). Composition:

    .. math::
       \mathrm{put}_{f \gg g}((p, q), a, c) = \mathrm{let}\ (q', b') = \mathrm{put}_g(q, \mathrm{get}_f(p, a), c),\
       (p', a') = \mathrm{put}_f(p, a, b')\ \mathrm{in}\ ((p', q'), a').

    Parameters
    ----------
    dom, cod:
        Wire types.
    params_spec:
        Pytree of :class:`~catlearn.core.para.ParamSpec` (``None`` for none).
    get, put:
        ``get(p, a)`` and ``put(p, a, b') -> (p', a')`` where ``p`` is this group's value.
    name:
        The parameter group's name (required when there are parameters).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> from catlearn.core.para import ParamSpec
    >>> scale = ParaLens(Euclid(1), Euclid(1), ParamSpec(()), lambda p, a: p * a,
    ...                  lambda p, a, db: (db @ a, p * db), name="w")
    >>> scale.put({"w": 2.0}, jnp.array([3.0]), jnp.array([1.0]))
    ({'w': Array(3., dtype=float32)}, Array([2.], dtype=float32))
    """

    __slots__ = ()

    _plural = "Parametrised lenses"

    def __init__(
        self,
        dom: Ty,
        cod: Ty,
        params_spec: SpecTree,
        get: Callable[[Any, Any], Any],
        put: Callable[[Any, Any, Any], tuple[Any, Any]],
        *,
        name: str | None = None,
    ) -> None:
        spec, owners = leaf_groups(dom, cod, params_spec, name, get)
        g: PGet
        pu: PPut
        if spec:
            (n,) = spec

            def g(p: Params, a: Any) -> Any:
                return get(p[n], a)

            def pu(p: Params, a: Any, b: Any) -> tuple[Params, Any]:
                dp, da = put(p[n], a, b)
                return {n: dp}, da
        else:

            def g(p: Params, a: Any) -> Any:
                return get({}, a)

            def pu(p: Params, a: Any, b: Any) -> tuple[Params, Any]:
                _, da = put({}, a, b)
                return {}, da

        self._init(dom, cod, None, (g, pu), _groups=Groups.of(spec, owners))

    def _program_fns(self, program: Program) -> PLensFns:
        return plens_program(program)

    @property
    def _get(self) -> PGet:
        return self._fns()[0]

    @property
    def _put(self) -> PPut:
        return self._fns()[1]

    # --- constructors ----------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Ty) -> ParaLens:
        """The identity, with no parameters.

        >>> from catlearn.core.types import Euclid
        >>> ParaLens.id(Euclid(3))
        ParaLens(Euclid(3) -> Euclid(3); no parameters)
        """
        return cls._wiring(ty, ty, range(len(ty)))

    @classmethod
    def from_lens(cls, lens: Lens) -> ParaLens:
        """A lens seen as a parametrised lens with the empty parameter.

        >>> from catlearn.core.types import Euclid
        >>> ParaLens.from_lens(Lens.id(Euclid(1))).spec
        {}
        """
        get, put = lens._get, lens._put
        return cls._box(
            lens.dom, lens.cod, {}, {}, (lambda p, a: get(a), lambda p, a, b: ({}, put(a, b)))
        )

    @classmethod
    def from_para(cls, para: Para) -> ParaLens:
        r"""The reverse-derivative lens of a Para arrow: ``put(p, a, db) = vjp(f, (p, a))(db)``.

        :math:`R(f) = (f, ((p, a), \delta b) \mapsto (\nabla_p \langle f, \delta b\rangle,
        \nabla_a \langle f, \delta b\rangle))`; shared parameter groups get the sum of
        their gradients.

        >>> import jax, jax.numpy as jnp
        >>> from catlearn.core.types import Euclid
        >>> f = Para.linear(Euclid(2), Euclid(1), name="fc", bias=False)
        >>> dp, da = ParaLens.from_para(f).put({"fc": {"W": jnp.ones((2, 1))}}, jnp.ones(2), jnp.ones(1))
        >>> dp["fc"]["W"].shape, da
        ((2, 1), Array([1., 1.], dtype=float32))
        """
        if not isinstance(para, Para):
            raise errors.ArgumentTypeError(
                f"Expected a Para arrow, got {para!r}; build one with Para(...)."
            )
        if para.stochastic:
            raise errors.ArgumentTypeError(
                f"Expected a deterministic Para arrow, got the stochastic {para!r}; fix its key "
                "with para.reparam(...) first."
            )
        names = tuple(para.spec)
        call = para._call

        def get(p: Params, a: Any) -> Any:
            return call({n: p[n] for n in names}, a, None)

        def put(p: Params, a: Any, db: Any) -> tuple[Params, Any]:
            own = {n: p[n] for n in names}
            _, vjp = jax.vjp(lambda q, x: call(q, x, None), own, a)
            dp, da = vjp(db)
            return dp, da

        return cls._box_like(para, (get, put))

    # --- running ---------------------------------------------------------------------------
    def get(self, params: Params, a: WireValue) -> Any:
        """The forward pass ``get(p, a)`` (parameters and input are checked)."""
        self.check_params(params)
        self.dom.check(a, what="input")
        return self._get(params, a)

    def put(self, params: Params, a: WireValue, db: WireValue) -> tuple[Params, Any]:
        """The backward pass ``put(p, a, b') -> (p', a')``."""
        self.check_params(params)
        self.dom.check(a, what="input")
        self.cod.check(db, what="backward value")
        return self._put(params, a, db)


# --- the lens laws (as a bidirectional transformation) ----------------------------------------


def _law_samples(lens: Any, sources: Any, views: Any) -> tuple[list[Any], list[Any]]:
    if not isinstance(lens, Lens):
        raise errors.ArgumentTypeError(
            f"Expected a Lens, got {lens!r}; build one with Lens(get, put, dom, cod)."
        )
    srcs, vws = list(sources), list(views)
    if not srcs or not vws:
        raise errors.ArgumentValueError(
            f"Expected at least one source point and one view point, got {len(srcs)} and "
            f"{len(vws)}; pass non-empty sequences of points of {lens.dom} and {lens.cod}."
        )
    return srcs, vws


def is_well_behaved(
    lens: Lens, sources: Iterable[WireValue], views: Iterable[WireValue], *, atol: float = 0.0
) -> bool:
    r"""GetPut and PutGet on every sample: :math:`\mathrm{put}(a, \mathrm{get}\,a) = a` and
    :math:`\mathrm{get}(\mathrm{put}(a, b)) = b` for each ``a`` in ``sources``, ``b`` in ``views``.

    A law checked on samples: ``False`` is a counterexample; ``True`` is evidence, not proof.
    ``atol`` is the largest absolute difference accepted (``0.0``: equal to the bit).

    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> first = Lens(lambda a: a[:1], lambda a, b: jnp.concatenate([b, a[1:]]), Euclid(2), Euclid(1))
    >>> is_well_behaved(first, [jnp.array([1.0, 2.0])], [jnp.array([5.0])])
    True
    >>> is_well_behaved(Lens.from_function(jnp.sin, Euclid(1), Euclid(1)), [jnp.ones(1)], [jnp.ones(1)])
    False
    """
    srcs, vws = _law_samples(lens, sources, views)
    get_put = all(close_within(lens.put(a, lens.get(a)), a, atol) for a in srcs)
    return get_put and all(
        close_within(lens.get(lens.put(a, b)), b, atol) for a in srcs for b in vws
    )


def is_very_well_behaved(
    lens: Lens, sources: Iterable[WireValue], views: Iterable[WireValue], *, atol: float = 0.0
) -> bool:
    r"""Well-behaved (:func:`is_well_behaved`) and PutPut on every sample:
    :math:`\mathrm{put}(\mathrm{put}(a, b), b') = \mathrm{put}(a, b')` for ``b, b'`` in ``views``.

    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> first = Lens(lambda a: a[:1], lambda a, b: jnp.concatenate([b, a[1:]]), Euclid(2), Euclid(1))
    >>> is_very_well_behaved(first, [jnp.array([1.0, 2.0])], [jnp.array([5.0]), jnp.array([3.0])])
    True
    """
    srcs, vws = _law_samples(lens, sources, views)
    if not is_well_behaved(lens, srcs, vws, atol=atol):
        return False
    return all(
        close_within(lens.put(lens.put(a, b), b2), lens.put(a, b2), atol)
        for a in srcs
        for b in vws
        for b2 in vws
    )
