r"""Para: parametrised maps between wire types (Fong, Spivak, Tuyéras, *Backprop as Functor*).

An arrow ``A -> B`` of Para is a pair :math:`(P, f)` with :math:`f : P \times A \to B`.
Here :math:`P` is a dictionary of **named** parameter groups, each a pytree of
:class:`ParamSpec` (shape, initialiser), and :math:`f` is a JAX function ``fn(params, x)``.

Composition and the monoidal product multiply the parameter spaces: the parameters of a
composite are the union of the named groups of its parts,

.. math::
   (P, f) \gg (Q, g) = (P \times Q,\; ((p, q), a) \mapsto g(q, f(p, a))).

Because a product of *named* factors is a dictionary, associativity and unitality hold on
the nose (the canonical re-bracketing of :math:`(P \times Q) \times R \cong P \times (Q
\times R)` is the identity on dictionaries). A group name is the identity of a parameter:
the *same* arrow used twice shares its parameters (weight tying, and the gradients of both
uses add up); two *different* arrows with the same group name are an error.

Values follow :mod:`catlearn.core.types`: a value of a one-atom type is a bare array, otherwise a
tuple. Arrows act on **one example**; use :meth:`Para.apply_batch` (``jax.vmap``) for batches.

Axioms (doctests):

>>> import jax, jax.numpy as jnp
>>> from catlearn.core.types import Euclid
>>> f = Para.linear(Euclid(2), Euclid(3), name="f")
>>> g = Para.from_function(jnp.tanh, Euclid(3), Euclid(3))
>>> h = Para.linear(Euclid(3), Euclid(1), name="h")
>>> p = ((f >> g) >> h).init(jax.random.key(0))
>>> x = jnp.ones(2)
>>> bool(jnp.all(((f >> g) >> h)(p, x) == (f >> (g >> h))(p, x)))
True
>>> bool(jnp.all((Para.id(Euclid(2)) >> f)(p, x) == f(p, x)))
True
>>> sorted(p)
['f', 'h']
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeAlias

import jax
import jax.numpy as jnp  # noqa: F401 - the doctests below use it
from jax.typing import ArrayLike

from catlearn import errors
from catlearn.core._arrow import GroupedArrow
from catlearn.core._category import Composable, Groups, Inline, Node, _Owner
from catlearn.core._para_program import _program_call
from catlearn.core._params import Params, ParamSpec, leaf_groups
from catlearn.core.program import Program
from catlearn.core.types import Euclid, Ty
from catlearn.errors import ParamsError

__all__ = ["Para", "ParamSpec", "Params"]

WireValue: TypeAlias = ArrayLike | tuple[ArrayLike, ...]
"""A value of a wire type (:mod:`catlearn.core.types`): a bare array for a type of one atom,
else a tuple of arrays, one per atom (``()`` for the unit); a leading batch axis on every
array for the batched methods."""

SpecTree: TypeAlias = "ParamSpec | Mapping[str, SpecTree] | Sequence[SpecTree] | None"
"""A pytree of :class:`ParamSpec`: one spec, or a dict / tuple / list of them (nested);
``None`` or ``{}`` for no parameters."""

_LECUN_NORMAL = jax.nn.initializers.lecun_normal()

Call = Callable[[Params, Any, Any], Any]  # (params, x, key) -> y


class Para(GroupedArrow[tuple[Call]], Composable):
    """A parametrised map ``fn(params, x)`` from ``dom`` to ``cod``.

    Parameters
    ----------
    dom, cod:
        Wire types (:class:`~catlearn.core.types.Ty`).
    params_spec:
        Pytree of :class:`ParamSpec` (``None`` or ``{}`` for no parameters).
    fn:
        ``fn(params, x) -> y`` acting on one example; ``params`` has the structure of
        ``params_spec``. With ``stochastic=True`` it is ``fn(params, x, key)``.
    name:
        Name of the parameter group (required when ``params_spec`` is not empty).
    stochastic:
        Whether ``fn`` takes a PRNG key (dropout, sampling).

    Examples
    --------
    >>> from catlearn.core.types import Euclid
    >>> scale = Para(Euclid(2), Euclid(2), {"s": ParamSpec(())}, lambda p, x: p["s"] * x,
    ...              name="scale")
    >>> scale({"scale": {"s": 3.0}}, jnp.array([1.0, 2.0]))
    Array([3., 6.], dtype=float32)
    """

    __slots__ = ("stochastic",)

    stochastic: bool
    _copy_is_wiring = True
    _plural = "Para arrows"

    def __init__(
        self,
        dom: Ty,
        cod: Ty,
        params_spec: SpecTree,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        stochastic: bool = False,
    ) -> None:
        spec, owners = leaf_groups(dom, cod, params_spec, name, fn)
        call: Call
        if not spec:
            if stochastic:

                def call(params: Params, x: Any, key: Any) -> Any:
                    return fn({}, x, key)
            else:

                def call(params: Params, x: Any, key: Any) -> Any:
                    return fn({}, x)
        else:
            (n,) = spec
            if stochastic:

                def call(params: Params, x: Any, key: Any) -> Any:
                    return fn(params[n], x, key)
            else:

                def call(params: Params, x: Any, key: Any) -> Any:
                    return fn(params[n], x)

        self._init(dom, cod, None, (call,), _groups=Groups.of(spec, owners), stochastic=stochastic)

    @classmethod
    def from_call(
        cls,
        call: Call,
        dom: Ty,
        cod: Ty,
        *,
        spec: SpecTree = None,
        name: str | None = None,
        stochastic: bool = False,
        shares: Para | None = None,
    ) -> Para:
        r"""A box from its function ``call(params, x, key) -> y``: the public low-level
        constructor, for areas that build Para arrows from other arrows (derivatives,
        stacked blocks, stochastic maps).

        Unlike ``Para(dom, cod, spec, fn, name=...)``, whose ``fn(p, x)`` gets its own group
        ``p``, ``call`` gets the **whole** parameter dict (group name -> value) and a key
        (``None`` unless ``stochastic``), as :attr:`call` gives it. Its parameters are

        - the groups of ``shares`` (a Para arrow), **shared** with it: in a composite with
          ``shares``, both read one value and their gradients add up, as for the same arrow
          used twice;
        - and, with ``spec`` (a pytree of :class:`ParamSpec`), one new group called ``name``.

        So ``Para.from_call(f.call, f.dom, f.cod, shares=f, stochastic=f.stochastic)`` is
        ``f`` again (as a box), and :math:`(P, f) \mapsto (P \times V, g)` with
        ``spec``/``name`` for :math:`V` adds a parameter.

        >>> f = Para.linear(Euclid(2), Euclid(1), name="f")
        >>> doubled = Para.from_call(lambda p, x, k: 2 * f.call(p, x, k), f.dom, f.cod, shares=f)
        >>> p = f.init(jax.random.key(0))
        >>> bool(jnp.all(doubled(p, jnp.ones(2)) == 2 * f(p, jnp.ones(2))))
        True
        >>> list((f @ doubled).spec)   # shared with f, not a clash
        ['f']
        >>> shift = Para.from_call(lambda p, x, k: f.call(p, x, k) + p["s"], f.dom, f.cod,
        ...                        spec=ParamSpec((1,)), name="s", shares=f)
        >>> list(shift.spec), shift({**p, "s": jnp.ones(1)}, jnp.ones(2)) - f(p, jnp.ones(2))
        (['f', 's'], Array([1.], dtype=float32))
        """
        if not callable(call):
            raise errors.ArgumentTypeError(
                f"Expected call(params, x, key) -> y to be a function, got {call!r}; pass a "
                "callable (for fn(p, x) on one group use Para(dom, cod, spec, fn, name=...))."
            )
        if not isinstance(stochastic, bool):
            raise errors.ArgumentTypeError(
                f"Expected stochastic to be True or False, got {stochastic!r}."
            )
        groups, owners = leaf_groups(dom, cod, spec, name, call)
        if shares is not None:
            if not isinstance(shares, Para):
                raise errors.ArgumentTypeError(
                    f"Expected shares to be a Para arrow whose groups the new box reads, got "
                    f"{shares!r}; pass the arrow (or leave shares out)."
                )
            both = sorted(set(groups) & set(shares.spec))
            if both:
                raise ParamsError(
                    f"Expected the new group to be distinct from the groups of {shares!r}, "
                    f"got the name {both[0]!r} for both. Pick another name=..."
                )
            groups = {**shares.spec, **groups}
            owners = {**shares._owners, **owners}
        return cls._box(dom, cod, groups, owners, (call,), stochastic=stochastic)

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Any) -> Para:
        groups = Groups.union(parts, share=True, on_clash=_clash)
        return cls._with_groups(node, dom, cod, groups, stochastic=any(p.stochastic for p in parts))

    @classmethod
    def from_program(
        cls, program: Program, arrows: Mapping[Any, Para] | Callable[[Any], Para]
    ) -> Para:
        """ONE arrow running ``program``, with ``arrows[box]`` for each box: the Para
        semantics of a diagram (:func:`catlearn.diagrams.compiler.compile`).

        The parameters are the union of the named groups of the arrows; the same arrow used
        twice contributes its group once (its uses share it and their gradients add).

        >>> from catlearn.diagrams.diagram import Box, Diagram
        >>> from catlearn.diagrams.compiler import to_program
        >>> x = Euclid(1)
        >>> f = Box('f', x, x)
        >>> twice = Para.from_program(to_program(Diagram.copy(x) >> (f @ f)),
        ...                           {f: Para.from_function(jnp.exp, x, x)})
        >>> twice({}, jnp.zeros(1))
        (Array([1.], dtype=float32), Array([1.], dtype=float32))
        """
        look = arrows.__getitem__ if isinstance(arrows, Mapping) else arrows
        parts = list({id(look(i.box)): look(i.box) for i in program.instructions}.values())
        boxes = {id(look(i.box)): i.box for i in reversed(program.instructions)}

        def clash(f: Para, g: Para, name: str) -> None:
            raise ParamsError(
                f"Two different boxes both call their parameters {name!r} "
                f"({boxes[id(f)]!r} and {boxes[id(g)]!r}). Expected distinct names for "
                "distinct boxes: rename one (name='...'). The same box used twice shares "
                "its parameters; that is allowed."
            )

        groups = Groups.union(parts, share=True, on_clash=clash)
        node = Inline(program, look)
        stochastic = any(p.stochastic for p in parts)
        return cls._with_groups(node, program.dom, program.cod, groups, stochastic=stochastic)

    # --- the function, read from the flat program ------------------------------------------
    def _program_fns(self, program: Program) -> tuple[Call]:
        return (_program_call(program),)

    @property
    def call(self) -> Call:
        """The arrow's function ``call(params, x, key) -> y``, **unchecked**: ``params`` the
        whole parameter dict (group name -> value; groups the arrow does not read are
        ignored), ``x`` one example, ``key`` a PRNG key (``None`` unless stochastic). For
        building other arrows from this one (:meth:`from_call`), inside ``jit``/``vmap``;
        users run arrows with :meth:`apply`, which checks its arguments.

        >>> f = Para.linear(Euclid(2), Euclid(1), name="fc", bias=False)
        >>> f.call({"fc": {"W": jnp.ones((2, 1))}, "other": 0}, jnp.array([1.0, 2.0]), None)
        Array([3.], dtype=float32)
        """
        return self._fns()[0]

    _call = call  # the name core's own modules (lens, learner, the program runner) read

    # --- constructors --------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Ty) -> Para:
        """The identity on ``ty``, with the empty parameter.

        >>> Para.id(Euclid(2))({}, jnp.ones(2))
        Array([1., 1.], dtype=float32)
        """
        return cls._wiring(ty, ty, range(len(ty)))

    @classmethod
    def from_function(cls, fn: Callable[[Any], Any], dom: Ty, cod: Ty) -> Para:
        """A parameter-free arrow ``x -> fn(x)``.

        >>> Para.from_function(jnp.sin, Euclid(1), Euclid(1))({}, jnp.zeros(1))
        Array([0.], dtype=float32)
        """
        return cls._box(dom, cod, {}, {}, (lambda p, x, k: fn(x),), stochastic=False)

    @classmethod
    def linear(cls, dom: Euclid, cod: Euclid, *, name: str, bias: bool = True) -> Para:
        """The affine map ``x -> x @ W + b`` between vector wires (LeCun-normal ``W``).

        >>> Para.linear(Euclid(2), Euclid(3), name="fc").spec["fc"]["W"].shape
        (2, 3)
        """
        if not (
            isinstance(dom, Euclid)
            and isinstance(cod, Euclid)
            and len(dom.shape) == 1
            and len(cod.shape) == 1
        ):
            raise errors.ArgumentTypeError(
                f"Expected vector wires Euclid(n), got {dom} and {cod}; flatten the input first "
                "(nn.Flatten) or use Euclid(n) wires."
            )
        (n,), (m,) = dom.shape, cod.shape
        spec = {"W": ParamSpec((n, m), _LECUN_NORMAL)}
        if bias:
            spec["b"] = ParamSpec((m,))
            return cls(dom, cod, spec, lambda p, x: x @ p["W"] + p["b"], name=name)
        return cls(dom, cod, spec, lambda p, x: x @ p["W"], name=name)

    @classmethod
    def swap(cls, a: Ty, b: Ty) -> Para:
        """The symmetry ``a @ b -> b @ a``.

        >>> Para.swap(Euclid(1), Euclid(2))({}, (jnp.zeros(1), jnp.ones(2)))
        (Array([1., 1.], dtype=float32), Array([0.], dtype=float32))
        """
        n, m = len(a), len(b)
        return cls._wiring(a @ b, b @ a, [*range(n, n + m), *range(n)])

    @classmethod
    def copy(cls, a: Ty, n: int = 2) -> Para:
        """The diagonal ``a -> a @ ... @ a`` (``n`` copies; ``n = 0`` discards): wiring.

        >>> Para.copy(Euclid(1), 3)({}, jnp.ones(1))
        (Array([1.], dtype=float32), Array([1.], dtype=float32), Array([1.], dtype=float32))
        """
        return cls._copy_wiring(a, n)

    @classmethod
    def discard(cls, a: Ty) -> Para:
        """The unique map ``a -> Ty()``.

        >>> Para.discard(Euclid(2))({}, jnp.ones(2))
        ()
        """
        return cls.copy(a, 0)

    @classmethod
    def merge(cls, a: Ty, n: int = 2) -> Para:
        """Addition ``a @ ... @ a -> a`` (the codiagonal of Euclidean wires).

        >>> Para.merge(Euclid(1))({}, (jnp.ones(1), jnp.ones(1)))
        Array([2.], dtype=float32)
        """
        dom = a**n
        m = len(a)

        def call(p: Params, x: Any, k: Any) -> Any:
            xs = dom.split(x)
            return a.join(tuple(sum(xs[i::m]) for i in range(m)))

        return cls._box(dom, a, {}, {}, (call,), stochastic=False)

    # --- running -------------------------------------------------------------------------
    def apply(self, params: Params, x: WireValue, *, key: jax.Array | None = None) -> Any:
        """Run the arrow on one example: ``fn(params, x)``.

        Shapes of ``params`` and ``x`` are checked (at trace time, so free under ``jit``).

        >>> f = Para.linear(Euclid(2), Euclid(1), name="fc", bias=False)
        >>> f.apply({"fc": {"W": jnp.ones((2, 1))}}, jnp.array([1.0, 2.0]))
        Array([3.], dtype=float32)
        """
        self.check_params(params)
        self.dom.check(x, what="input")
        if self.stochastic and key is None:
            raise errors.ArgumentValueError(
                f"Expected a key for the stochastic {self!r}, got key=None; pass key=jax.random.key(0)."
            )
        return self.call(params, x, key)

    __call__ = apply

    def apply_batch(self, params: Params, xs: WireValue, *, key: jax.Array | None = None) -> Any:
        """Run the arrow on a batch (leading axis of every input array), via ``jax.vmap``.

        >>> f = Para.linear(Euclid(2), Euclid(1), name="fc", bias=False)
        >>> f.apply_batch({"fc": {"W": jnp.ones((2, 1))}}, jnp.ones((4, 2))).shape
        (4, 1)
        """
        self.check_params(params)
        self.dom.check(xs, batch_dims=1, what="input")
        if self.stochastic:
            if key is None:
                raise errors.ArgumentValueError(
                    f"Expected a key for the stochastic {self!r}, got key=None; pass "
                    "key=jax.random.key(0)."
                )
            n = jax.tree_util.tree_leaves(xs)[0].shape[0]
            keys = jax.random.split(key, n)
            return jax.vmap(lambda x, k: self.call(params, x, k))(xs, keys)
        return jax.vmap(lambda x: self.call(params, x, None))(xs)

    def reparam(self, spec: SpecTree, r: Callable[[Any], Params], *, name: str) -> Para:
        """Reparametrise by ``r : P' -> P``: the arrow ``(P', (p', a) -> f(r(p'), a))``.

        ``spec`` is the spec of ``P'`` (a group called ``name``); ``r`` maps a value of
        that group to a full parameter dict of ``self``.

        >>> f = Para.linear(Euclid(1), Euclid(1), name="f", bias=False)
        >>> tied = f.reparam(ParamSpec(()), lambda s: {"f": {"W": s * jnp.ones((1, 1))}}, name="s")
        >>> tied({"s": 2.0}, jnp.ones(1))
        Array([2.], dtype=float32)
        """
        inner = self

        def fn(p: Any, x: Any, key: Any = None) -> Any:
            return inner.call(r(p), x, key)

        return Para(self.dom, self.cod, spec, fn, name=name, stochastic=self.stochastic)

    def owned_by(self, key: Hashable) -> Para:
        """The same arrow, its parameter groups owned by ``key`` (a hashable value): arrows
        owned by equal keys share their groups when composed, as the same arrow used twice
        does. The compiler owns each box's default arrow by the box itself.

        >>> from catlearn.core.types import Euclid
        >>> a = Para.linear(Euclid(1), Euclid(1), name='w').owned_by('w-box')
        >>> b = Para.linear(Euclid(1), Euclid(1), name='w').owned_by('w-box')
        >>> sorted((a >> b).spec)
        ['w']
        """
        owners = {n: _Owner(n, key) for n in self.spec}
        return Para._box(
            self.dom, self.cod, self.spec, owners, (self.call,), stochastic=self.stochastic
        )

    def named(self, name: str) -> Para:
        """The same arrow with all its parameter groups nested under ``name``.

        >>> f = Para.linear(Euclid(1), Euclid(1), name="fc")
        >>> sorted(f.named("encoder").spec["encoder"])
        ['fc']
        """
        if not self.spec:
            return self
        inner = self
        spec = {name: dict(self.spec)}
        owners = {name: _Owner(name)}
        return Para._box(
            self.dom,
            self.cod,
            spec,
            owners,
            (lambda p, x, k: inner.call(p[name], x, k),),
            stochastic=self.stochastic,
        )


def _clash(f: Para, g: Para, name: str) -> None:
    raise ParamsError(
        f"Two different arrows both call their parameters {name!r} ({f!r} and {g!r}). "
        f"Expected distinct names for distinct parameters; rename one, e.g. "
        f"Para(..., name='{name}_2') or arrow.named('...'). (The same arrow used twice "
        "shares its parameters; that is allowed.)"
    )
