"""The fields and plumbing shared by the arrow kinds whose boxes carry functions (private).

:class:`~catlearn.core.lens.Lens` (``(get, put)``), :class:`~catlearn.core.para.Para`
(``(call,)``), :class:`~catlearn.core.lens.ParaLens` (``(get, put)``) and
:class:`~catlearn.core.learner.Learner` (``(implement, update, request)``) are each either a
**box**, holding its tuple of functions (``_leaf``), or a **composite** (``_node``, see
:mod:`catlearn.core._category`) whose functions are built once, when first asked for, from its
flat program (:meth:`Arrow._program_fns`). The kinds with named parameter groups (all but
``Lens``) add the groups (:class:`GroupedArrow`): their spec, initialisation and checks.

A kind lists one of these classes first among its bases, then
:class:`~catlearn.core._category.Composable`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar

import jax

from catlearn import errors
from catlearn.core._category import Groups, Node, _Owner, flatten
from catlearn.core._params import Params, check_params, init_params
from catlearn.core.program import Program
from catlearn.core.types import Ty
from catlearn.errors import ParamsError

__all__ = ["Arrow", "GroupedArrow", "disjoint_clash"]

F = TypeVar("F", bound=tuple[Callable[..., Any], ...])
"""The tuple of functions of a box of the kind."""


class Arrow(Generic[F]):
    """An immutable arrow from ``dom`` to ``cod``: a box (``_leaf``, its functions) or a
    composite (``_node``); ``_memo`` caches what is computed from it."""

    __slots__ = ("_leaf", "_memo", "_node", "cod", "dom")

    dom: Ty
    cod: Ty
    _node: Node | None
    _leaf: F | None
    _memo: dict[str, Any]

    _plural: ClassVar[str] = "Arrows"
    """The kind's name in the plural, for the error on setting an attribute."""

    def _init(self, dom: Ty, cod: Ty, node: Node | None, leaf: F | None, **more: Any) -> None:
        fields = {"dom": dom, "cod": cod, "_node": node, "_leaf": leaf, "_memo": {}, **more}
        for k, v in fields.items():
            object.__setattr__(self, k, v)

    def _program_fns(self, program: Program) -> F:  # pragma: no cover - every kind has one
        """The functions of a composite, from its flat program (the hook of a kind)."""
        raise errors.UnsupportedError(f"{type(self).__name__} must define _program_fns.")

    def _fns(self) -> F:
        """The box's functions, or the composite's (built from its flat program, once)."""
        if self._leaf is not None:
            return self._leaf
        fns: F | None = self._memo.get("fns")
        if fns is None:
            fns = self._memo["fns"] = self._program_fns(flatten(self))
        return fns

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"{self._plural} are immutable: cannot set {name!r}; build a new one instead."
        )


class GroupedArrow(Arrow[F]):
    """An arrow whose parameters are named groups (:class:`~catlearn.core._category.Groups`):
    the union of its boxes' groups."""

    __slots__ = ("_groups",)

    _groups: Groups

    @classmethod
    def _box(
        cls,
        dom: Ty,
        cod: Ty,
        spec: Mapping[str, Any],
        owners: Mapping[str, _Owner],
        leaf: F,
        **more: Any,
    ) -> Self:
        """A box with the parameter groups ``spec`` (owned by ``owners``) and functions ``leaf``."""
        self = object.__new__(cls)
        self._init(dom, cod, None, leaf, _groups=Groups.of(dict(spec), dict(owners)), **more)
        return self

    @classmethod
    def _box_like(cls, other: GroupedArrow[Any], leaf: F) -> Self:
        """A box with the types and parameter groups of ``other`` and the functions ``leaf``
        (e.g. the gradient learner or the reverse-derivative lens of a Para arrow)."""
        return cls._box(other.dom, other.cod, other.spec, other._owners, leaf)

    @classmethod
    def _with_groups(cls, node: Node, dom: Ty, cod: Ty, groups: Groups, **more: Any) -> Self:
        """The composite ``node`` with the parameter groups ``groups``."""
        self = object.__new__(cls)
        self._init(dom, cod, node, None, _groups=groups, **more)
        return self

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Sequence[Any]) -> Self:
        """A composite whose parts' groups must be disjoint (:func:`disjoint_clash`): the
        kinds whose backward pass returns one new value per group (``Para`` shares)."""
        groups = Groups.union(parts, share=False, on_clash=disjoint_clash(cls._plural.lower()))
        return cls._with_groups(node, dom, cod, groups)

    @property
    def spec(self) -> dict[str, Any]:
        """The parameter spec: group name -> pytree of :class:`~catlearn.core.para.ParamSpec`.

        >>> from catlearn.core.para import Para
        >>> from catlearn.core.types import Euclid
        >>> sorted(Para.linear(Euclid(2), Euclid(3), name="fc").spec["fc"])
        ['W', 'b']
        """
        spec: dict[str, Any] | None = self._memo.get("spec")
        if spec is None:
            spec = self._memo["spec"] = {n: sub for n, _, sub in self._groups.items()}
        return spec

    @property
    def _owners(self) -> dict[str, _Owner]:
        return {n: owner for n, owner, _ in self._groups.items()}

    def __repr__(self) -> str:
        names = ", ".join(self.spec) or "no parameters"
        return f"{type(self).__name__}({self.dom} -> {self.cod}; {names})"

    def init(self, key: jax.Array) -> Params:
        """A fresh parameter value from the spec (one PRNG key per array).

        >>> import jax
        >>> from catlearn.core.para import Para
        >>> from catlearn.core.types import Euclid
        >>> p = Para.linear(Euclid(2), Euclid(1), name="fc").init(jax.random.key(0))
        >>> {k: v.shape for k, v in p["fc"].items()}
        {'W': (2, 1), 'b': (1,)}
        """
        return init_params(self.spec, key)

    def check_params(self, params: Any) -> None:
        """Raise :class:`~catlearn.errors.ParamsError` unless ``params`` matches the spec.

        >>> import jax.numpy as jnp
        >>> from catlearn.core.para import Para
        >>> from catlearn.core.types import Euclid
        >>> Para.linear(Euclid(2), Euclid(1), name="fc").check_params({"fc": {"W": jnp.zeros((1, 2)), "b": jnp.zeros(1)}})
        Traceback (most recent call last):
        ...
        catlearn.errors.ParamsError: Parameter group 'fc': expected an array of shape (2, 1), got shape (1, 2).
        """
        check_params(self.spec, params, self)


def disjoint_clash(what: str) -> Callable[[Any, Any, str], None]:
    """The error for two parts of a composite with the same parameter group, where groups
    must be disjoint: lenses and learners return one new value per group, so a group used
    twice would be written twice; use distinct names (or a :class:`~catlearn.core.para.Para`
    with sharing, then :meth:`~catlearn.core.lens.ParaLens.from_para`, whose gradients add
    up)."""

    def clash(f: Any, g: Any, name: str) -> None:
        same = f is g or f._groups.get(name)[1] is g._groups.get(name)[1]
        raise ParamsError(
            f"Both {f!r} and {g!r} have a parameter group {name!r}"
            + (" (the same arrow used twice)" if same else "")
            + f". Expected distinct groups: {what} return one new value per group, so a "
            "group cannot appear twice. Rename one (name=...), or share parameters in a "
            "Para and convert the whole composite."
        )

    return clash
