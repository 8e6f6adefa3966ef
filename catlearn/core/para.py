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

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core._category import Composable, Groups, Inline, Node, _Owner, flatten
from catlearn.core._para_program import _program_call
from catlearn.core.program import Program
from catlearn.core.types import Euclid, Ty
from catlearn.errors import ParamsError

__all__ = ["Para", "ParamSpec", "Params"]

Params = dict[str, Any]
"""A parameter value (a dict from group name to a pytree of arrays)."""

Initializer = Callable[[jax.Array, tuple[int, ...], Any], jax.Array]


@dataclass(frozen=True)
class ParamSpec:
    """Shape, dtype and initialiser of one parameter array.

    ``init`` follows :mod:`jax.nn.initializers`: ``init(key, shape, dtype) -> array``.
    ``dtype=None`` means JAX's default float.

    >>> ParamSpec((2, 3)).initialise(jax.random.key(0)).shape
    (2, 3)
    """

    shape: tuple[int, ...]
    init: Initializer = field(default=jax.nn.initializers.zeros, compare=False)
    dtype: Any = None

    def initialise(self, key: jax.Array) -> jax.Array:
        """A fresh array for this spec."""
        dtype = self.dtype if self.dtype is not None else jnp.zeros(()).dtype
        return self.init(key, tuple(self.shape), dtype)


def _is_spec(x: Any) -> bool:
    return isinstance(x, ParamSpec)


_LECUN_NORMAL = jax.nn.initializers.lecun_normal()
_BATCH_INIT_MIN = 8  # below this many arrays of one kind, eager calls beat a compiled batch


def _initialise_all(specs: list[ParamSpec], keys: jax.Array) -> list[jax.Array]:
    """``[s.initialise(k) for s, k in zip(specs, keys)]``, with the same values, but arrays of
    the same (initialiser, shape, dtype) are drawn by one jitted ``vmap`` over their keys, so
    a 10,000-box diagram initialises in a few dispatches instead of 20,000."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, s in enumerate(specs):
        groups.setdefault((id(s.init), tuple(s.shape), s.dtype), []).append(i)
    out: list[Any] = [None] * len(specs)
    for idx in groups.values():
        spec = specs[idx[0]]
        if len(idx) < _BATCH_INIT_MIN:
            for i in idx:
                out[i] = specs[i].initialise(keys[i])
            continue
        stacked = _draw_stacked(spec, keys[np.asarray(idx)])
        for i, row in zip(idx, stacked, strict=True):
            out[i] = jnp.asarray(row)
    return out


@functools.cache
def _batched_initialiser(init: Initializer, shape: tuple[int, ...], dtype: Any) -> Any:
    spec = ParamSpec(shape, init, dtype)
    return jax.jit(jax.vmap(spec.initialise))


_INIT_CHUNK = 256  # keys per compiled call: one XLA compile per kind of array, whatever the depth


def _draw_stacked(spec: ParamSpec, keys: jax.Array) -> np.ndarray:
    draw = _batched_initialiser(spec.init, tuple(spec.shape), spec.dtype)
    n = keys.shape[0]
    pad = -n % _INIT_CHUNK
    if pad:
        keys = jnp.concatenate([keys, jnp.repeat(keys[:1], pad, axis=0)])
    chunks = [np.asarray(draw(keys[i : i + _INIT_CHUNK])) for i in range(0, n + pad, _INIT_CHUNK)]
    return np.concatenate(chunks)[:n]


Call = Callable[[Params, Any, Any], Any]  # (params, x, key) -> y


class Para(Composable):
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

    __slots__ = ("_groups", "_leaf_call", "_memo", "_node", "cod", "dom", "stochastic")

    dom: Ty
    cod: Ty
    stochastic: bool
    _copy_is_wiring = True

    def __init__(
        self,
        dom: Ty,
        cod: Ty,
        params_spec: Any,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        stochastic: bool = False,
    ) -> None:
        if not isinstance(dom, Ty) or not isinstance(cod, Ty):
            raise errors.ArgumentTypeError(
                f"Expected wire types for dom and cod, got {dom!r} and {cod!r}; pass e.g. "
                "Euclid(2), Euclid(1)."
            )
        empty = (
            params_spec is None or jax.tree_util.tree_leaves(params_spec, is_leaf=_is_spec) == []
        )
        if not empty:
            bad = [
                leaf
                for leaf in jax.tree_util.tree_leaves(params_spec, is_leaf=_is_spec)
                if not _is_spec(leaf)
            ]
            if bad:
                raise ParamsError(
                    f"Expected a pytree of ParamSpec for params_spec, got a leaf {bad[0]!r}. "
                    "Write ParamSpec(shape, init) for each parameter array."
                )
            if not name:
                raise ParamsError(
                    "A Para with parameters needs a name for its parameter group, got none. "
                    f"Call Para(..., name='{getattr(fn, '__name__', 'layer')}')."
                )
        spec = {} if empty else {name: params_spec}
        owners = {} if empty else {name: _Owner(name)}

        if empty:
            if stochastic:

                def call(params: Params, x: Any, key: Any) -> Any:
                    return fn({}, x, key)
            else:

                def call(params: Params, x: Any, key: Any) -> Any:
                    return fn({}, x)
        elif stochastic:

            def call(params: Params, x: Any, key: Any) -> Any:
                return fn(params[name], x, key)
        else:

            def call(params: Params, x: Any, key: Any) -> Any:
                return fn(params[name], x)

        self._set(dom, cod, spec, owners, call, stochastic)

    def _set(
        self,
        dom: Ty,
        cod: Ty,
        spec: Mapping[str, Any],
        owners: Mapping[str, _Owner],
        call: Call,
        stochastic: bool,
    ) -> None:
        self._init(dom, cod, Groups.of(dict(spec), dict(owners)), None, call, stochastic)

    def _init(
        self,
        dom: Ty,
        cod: Ty,
        groups: Groups,
        node: Node | None,
        call: Call | None,
        stochastic: bool,
    ) -> None:
        for k, v in (
            ("dom", dom),
            ("cod", cod),
            ("_groups", groups),
            ("_node", node),
            ("_leaf_call", call),
            ("stochastic", stochastic),
            ("_memo", {}),
        ):
            object.__setattr__(self, k, v)

    @classmethod
    def _make(
        cls,
        dom: Ty,
        cod: Ty,
        spec: Mapping[str, Any],
        owners: Mapping[str, _Owner],
        call: Call,
        stochastic: bool,
    ) -> Para:
        """A box (a leaf) with the given groups and ``call(params, x, key)``."""
        self = object.__new__(cls)
        self._set(dom, cod, spec, owners, call, stochastic)
        return self

    @classmethod
    def _with_groups(cls, dom: Ty, cod: Ty, groups: Groups) -> Para:
        """The identity-like box carrying ``groups`` (to init and check the parameters of a
        lens or learner with the same groups)."""
        self = object.__new__(cls)
        self._init(dom, cod, groups, None, lambda p, x, k: x, False)
        return self

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Any) -> Para:
        groups = Groups.union(parts, share=True, on_clash=_clash)
        self = object.__new__(cls)
        self._init(dom, cod, groups, node, None, any(p.stochastic for p in parts))
        return self

    @classmethod
    def from_program(cls, program: Program, arrows: Mapping[Any, Para]) -> Para:
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
        parts = list({id(arrows[i.box]): arrows[i.box] for i in program.instructions}.values())
        boxes = {id(arrows[i.box]): i.box for i in reversed(program.instructions)}

        def clash(f: Para, g: Para, name: str) -> None:
            raise ParamsError(
                f"Two different boxes both call their parameters {name!r} "
                f"({boxes[id(f)]!r} and {boxes[id(g)]!r}). Expected distinct names for "
                "distinct boxes: rename one (name='...'). The same box used twice shares "
                "its parameters; that is allowed."
            )

        groups = Groups.union(parts, share=True, on_clash=clash)
        self = object.__new__(cls)
        node = Inline(program, arrows.__getitem__)
        self._init(program.dom, program.cod, groups, node, None, any(p.stochastic for p in parts))
        return self

    # --- the groups and the function, read from the flat program -------------------------
    @property
    def spec(self) -> dict[str, Any]:
        """The parameter spec: group name -> pytree of :class:`ParamSpec`."""
        spec = self._memo.get("spec")
        if spec is None:
            spec = self._memo["spec"] = {n: sub for n, _, sub in self._groups.items()}
        return spec

    @property
    def _owners(self) -> dict[str, _Owner]:
        return {n: owner for n, owner, _ in self._groups.items()}

    @property
    def _call(self) -> Call:
        if self._leaf_call is not None:
            return self._leaf_call
        call = self._memo.get("call")
        if call is None:
            call = self._memo["call"] = _program_call(flatten(self))
        return call

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"Para arrows are immutable: cannot set {name!r}; build a new one instead."
        )

    def __repr__(self) -> str:
        names = ", ".join(self.spec) or "no parameters"
        return f"Para({self.dom} -> {self.cod}; {names})"

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
        return cls._make(dom, cod, {}, {}, lambda p, x, k: fn(x), False)

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

        return cls._make(dom, a, {}, {}, call, False)

    # --- running -------------------------------------------------------------------------
    def init(self, key: jax.Array) -> Params:
        """A fresh parameter value from the spec (one PRNG key per array).

        >>> p = Para.linear(Euclid(2), Euclid(1), name="fc").init(jax.random.key(0))
        >>> {k: v.shape for k, v in p["fc"].items()}
        {'W': (2, 1), 'b': (1,)}
        """
        leaves, treedef = jax.tree_util.tree_flatten(self.spec, is_leaf=_is_spec)
        keys = jax.random.split(key, max(len(leaves), 1))
        return jax.tree_util.tree_unflatten(treedef, _initialise_all(leaves, keys))

    def check_params(self, params: Any) -> None:
        """Raise :class:`~catlearn.errors.ParamsError` unless ``params`` matches the spec.

        >>> Para.linear(Euclid(2), Euclid(1), name="fc").check_params({"fc": {"W": jnp.zeros((1, 2)), "b": jnp.zeros(1)}})
        Traceback (most recent call last):
        ...
        catlearn.errors.ParamsError: Parameter group 'fc': expected an array of shape (2, 1), got shape (1, 2).
        """
        if not isinstance(params, Mapping):
            raise ParamsError(
                f"Expected parameters as a dict with groups {sorted(self.spec)}, "
                f"got {type(params).__name__}. Use {self!r}.init(key) to make them."
            )
        missing = [n for n in self.spec if n not in params]
        if missing:
            raise ParamsError(
                f"Expected parameter groups {sorted(self.spec)}, but {missing} are missing "
                f"(got {sorted(params)}). Use .init(key) to make a matching pytree."
            )
        for name, sub in self.spec.items():
            want = jax.tree_util.tree_structure(sub, is_leaf=_is_spec)
            got = jax.tree_util.tree_structure(params[name])
            if want != got:
                raise ParamsError(
                    f"Parameter group {name!r}: expected the structure {want}, got {got}."
                )
            specs = jax.tree_util.tree_leaves(sub, is_leaf=_is_spec)
            arrays = jax.tree_util.tree_leaves(params[name])
            for path_spec, arr in zip(specs, arrays):
                if tuple(np.shape(arr)) != tuple(path_spec.shape):
                    raise ParamsError(
                        f"Parameter group {name!r}: expected an array of shape "
                        f"{tuple(path_spec.shape)}, got shape {tuple(np.shape(arr))}."
                    )

    def apply(self, params: Params, x: Any, *, key: jax.Array | None = None) -> Any:
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
        return self._call(params, x, key)

    __call__ = apply

    def apply_batch(self, params: Params, xs: Any, *, key: jax.Array | None = None) -> Any:
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
            return jax.vmap(lambda x, k: self._call(params, x, k))(xs, keys)
        return jax.vmap(lambda x: self._call(params, x, None))(xs)

    def reparam(self, spec: Any, r: Callable[[Any], Params], *, name: str) -> Para:
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
            return inner._call(r(p), x, key)

        return Para(self.dom, self.cod, spec, fn, name=name, stochastic=self.stochastic)

    def owned_by(self, key: Any) -> Para:
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
        return Para._make(self.dom, self.cod, self.spec, owners, self._call, self.stochastic)

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
        return Para._make(
            self.dom,
            self.cod,
            spec,
            owners,
            lambda p, x, k: inner._call(p[name], x, k),
            self.stochastic,
        )


def _clash(f: Para, g: Para, name: str) -> None:
    raise ParamsError(
        f"Two different arrows both call their parameters {name!r} ({f!r} and {g!r}). "
        f"Expected distinct names for distinct parameters; rename one, e.g. "
        f"Para(..., name='{name}_2') or arrow.named('...'). (The same arrow used twice "
        "shares its parameters; that is allowed.)"
    )
