r"""Lenses, learners and symmetric lenses (Fong, Johnson, *Lenses and Learners*, 2019).

Two functors:

* :func:`lens_to_learner`, asymmetric lenses → learners: a lens :math:`(g, p) : A \to B`
  becomes the learner :math:`(1, g, !, p)` with the trivial parameter space, implementation
  :math:`g`, the only update, and request :math:`p` (Fong–Johnson's embedding: faithful,
  identity on objects, symmetric monoidal). It preserves ``>>`` and ``@`` exactly.
* :func:`learner_to_symmetric`, learners → symmetric lenses (Hofmann, Pierce, Wagner): a
  learner :math:`(P, I, U, r) : A \to B` becomes the symmetric lens with complement
  :math:`P \times A` (the parameters and the last input),

  .. math::
     \mathrm{putr}(a, (p, a_0)) = (I(p, a), (p, a)), \qquad
     \mathrm{putl}(b, (p, a)) = (r(p, a, b), (U(p, a, b), a)).

  Symmetric lenses are equal up to a relation on complements, so the law is behavioural
  (:func:`equivalent`: from related complements, a sequence of puts gives the same outputs).
  What holds, and what the tests check in float64: :math:`G(L_1 \otimes L_2)` and
  :math:`G(L_1) \otimes G(L_2)`, and :math:`G(\mathrm{id})` and the identity, agree on
  **every** sequence of puts; :math:`G(L_1 \gg L_2)` and :math:`G(L_1) \gg G(L_2)` agree on
  every sequence in which no ``putl`` directly follows a ``putl`` (the ``putr, putl``
  alternation of training, in any order otherwise). Two ``putl`` in a row differ: the composite
  recomputes the middle value :math:`I(p', a)` from its updated parameters, while
  :math:`G(L_2)` keeps the value :math:`I(p, a)` its last ``putr`` saw, and it cannot know
  :math:`p'`. (A learner breaks PutGet, :math:`I(U(p,a,b), r(p,a,b)) \ne b`, so the pullback
  of lenses that would make the span composite agree does not exist here.) The test file pins
  this counterexample (``putr, putl, putl``).

The symmetric-lens laws (Hofmann, Pierce, Wagner, *Symmetric lenses*) are checked on samples
by :func:`is_round_trip`; the asymmetric ones by :func:`catlearn.core.lens.is_well_behaved`
and :func:`catlearn.core.lens.is_very_well_behaved`.

Attribution: the isomorphism Learn ≅ Para(SLens) (a learner is a parametrised simple lens,
:meth:`catlearn.core.learner.Learner.to_lens`) is Spivak's (*Learners' languages*, 2021); the
functors above are Fong and Johnson's. Names: SLens is Spivak's category of *simple* lenses
(:class:`~catlearn.core.lens.Lens`); the symmetric lenses of Hofmann, Pierce and Wagner
(:class:`SymmetricLens`) are written SymLens here, never SLens.

>>> import jax.numpy as jnp
>>> from catlearn.core.lens import Lens
>>> from catlearn.core.types import Euclid
>>> f = Lens.from_function(jnp.sin, Euclid(2), Euclid(2))
>>> L = lens_to_learner(f)
>>> bool(jnp.array_equal(L.request({}, jnp.ones(2), jnp.ones(2)), f.put(jnp.ones(2), jnp.ones(2))))
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from catlearn import errors
from catlearn.core._category import Composable, Node, flatten
from catlearn.core._laws import close_within
from catlearn.core.learner import Learner
from catlearn.core.lens import Lens
from catlearn.core.program import Program, evaluate, sweep
from catlearn.core.types import Ty

__all__ = [
    "SymmetricLens",
    "equivalent",
    "is_round_trip",
    "learner_to_symmetric",
    "lens_to_learner",
]


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


Put = Callable[[Any, Any], tuple[Any, Any]]
"""``putr(a, c) -> (b, c')`` or ``putl(b, c) -> (a, c')``."""


class SymmetricLens(Composable):
    """A symmetric lens ``A <-> B`` with explicit complements (Hofmann, Pierce, Wagner):
    ``putr(a, c) -> (b, c')`` and ``putl(b, c) -> (a, c')``.

    Symmetric lenses are an engine kind (:mod:`catlearn.core.category`): ``f >> g`` and
    ``f @ g`` build a node in O(1), and a composite runs its flat program, ``putr`` forwards
    through the boxes and ``putl`` backwards. A composite's complement is the **tuple of its
    boxes' complements, in program order** (one per box): ``f >> g`` and ``f @ g`` both take
    ``(c_f, c_g)``, and ``(f >> g) >> h`` and ``f >> (g >> h)`` both take
    ``(c_f, c_g, c_h)``, so associativity holds on the nose. Identities and swaps are wiring,
    with complement ``()``. Copies and discards are not symmetric lenses:
    :meth:`~catlearn.core.category.Composable.from_program` refuses a program that reads a
    wire twice or never.

    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> double = SymmetricLens(
    ...     lambda a, c: (2 * a, c), lambda b, c: (b / 2, c), Euclid(1), Euclid(1))
    >>> (double >> double).putr(jnp.ones(1), ((), ()))
    (Array([4.], dtype=float32), ((), ()))
    >>> (double >> SymmetricLens.id(Euclid(1))).putl(jnp.ones(1), ((),))
    (Array([0.5], dtype=float32), ((),))
    """

    __slots__ = ("_node", "_putl", "_putr", "_run", "cod", "dom")

    dom: Ty
    cod: Ty
    _node: Node | None
    _putr: Put | None
    _putl: Put | None
    _run: tuple[Put, Put] | None

    def __init__(self, putr: Put, putl: Put, dom: Ty, cod: Ty) -> None:
        if not isinstance(dom, Ty) or not isinstance(cod, Ty):
            raise errors.ArgumentTypeError(
                f"Expected wire types for dom and cod, got {dom!r} and {cod!r}."
            )
        if not callable(putr) or not callable(putl):
            raise errors.ArgumentTypeError(
                f"Expected callables putr(a, c) and putl(b, c), got {putr!r} and {putl!r}."
            )
        self._init(None, dom, cod, putr, putl)

    def _init(
        self, node: Node | None, dom: Ty, cod: Ty, putr: Put | None, putl: Put | None
    ) -> None:
        for k, v in (
            ("_node", node),
            ("dom", dom),
            ("cod", cod),
            ("_putr", putr),
            ("_putl", putl),
            ("_run", None),
        ):
            object.__setattr__(self, k, v)

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Sequence[Any]) -> SymmetricLens:
        out = cls.__new__(cls)
        out._init(node, dom, cod, None, None)
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"Symmetric lenses are immutable: cannot set {name!r}; build a new one instead."
        )

    def __repr__(self) -> str:
        return f"SymmetricLens({self.dom} <-> {self.cod})"

    def putr(self, a: Any, c: Any) -> tuple[Any, Any]:
        """Put from the left: the right value and the new complement."""
        if self._node is None:
            return cast("Put", self._putr)(a, c)
        return self._puts()[0](a, c)

    def putl(self, b: Any, c: Any) -> tuple[Any, Any]:
        """Put from the right: the left value and the new complement."""
        if self._node is None:
            return cast("Put", self._putl)(b, c)
        return self._puts()[1](b, c)

    def _puts(self) -> tuple[Put, Put]:
        if self._run is None:
            object.__setattr__(self, "_run", _program_puts(flatten(self)))
        assert self._run is not None
        return self._run


def _program_puts(program: Program) -> tuple[Put, Put]:
    """``putr`` and ``putl`` of a composite symmetric lens from its flat program: putr runs the
    boxes' putr forwards, putl their putl backwards (:func:`sweep`), box ``i`` with the
    complement ``c[i]``."""
    n, dom, cod = len(program.instructions), program.dom, program.cod

    def split(c: Any) -> tuple[Any, ...]:
        if not isinstance(c, tuple) or len(c) != n:
            raise errors.ArgumentValueError(
                f"Expected the complement of a composite of {n} symmetric lenses as a tuple of "
                f"{n} complements (one per box, in program order), got {c!r}."
            )
        return c

    def putr(a: Any, c: Any) -> tuple[Any, Any]:
        cs, new = split(c), [None] * n

        def fwd(i: int, box: Any, xs: list[Any]) -> Any:
            b, new[i] = box.putr(box.dom.join(xs), cs[i])
            return box.cod.split(b)

        env = evaluate(program, dom.split(a), fwd)
        return cod.join([env[s] for s in program.outputs]), tuple(new)

    def putl(b: Any, c: Any) -> tuple[Any, Any]:
        cs, new = split(c), [None] * n

        def back(i: int, box: Any, xs: list[Any], ys: list[Any]) -> Any:
            a, new[i] = box.putl(box.cod.join(ys), cs[i])
            return box.dom.split(a)

        env: list[Any] = [None] * len(program.slot_types)
        return dom.join(sweep(program, env, cod.split(b), back)), tuple(new)

    return putr, putl


def learner_to_symmetric(learner: Learner) -> SymmetricLens:
    r"""Fong–Johnson's functor Learn → SymLens, complement :math:`P \times A` (see the module).

    It preserves ``@`` and identities for every sequence of puts, and ``>>`` for every sequence
    with no two consecutive ``putl`` (see the module for why two in a row differ).

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


# --- the symmetric-lens laws, on samples ------------------------------------------------------


def _symmetric(lens: Any, what: str = "lens") -> SymmetricLens:
    if not isinstance(lens, SymmetricLens):
        raise errors.ArgumentTypeError(
            f"Expected a SymmetricLens as {what}, got {lens!r}; build one with "
            "SymmetricLens(putr, putl, dom, cod) or learner_to_symmetric(learner)."
        )
    return lens


def is_round_trip(
    lens: SymmetricLens,
    complements: Iterable[Any],
    lefts: Iterable[Any],
    rights: Iterable[Any],
    *,
    atol: float = 0.0,
) -> bool:
    r"""The round-trip laws of a symmetric lens (Hofmann, Pierce, Wagner) on every sample.

    .. math::
       \text{PutRL: } \mathrm{putr}(a, c) = (b, c') \Rightarrow \mathrm{putl}(b, c') = (a, c'),
       \qquad
       \text{PutLR: } \mathrm{putl}(b, c) = (a, c') \Rightarrow \mathrm{putr}(a, c') = (b, c'),

    for each complement ``c``, ``a`` in ``lefts`` and ``b`` in ``rights``. ``False`` is a
    counterexample; ``True`` is evidence on the samples. A learner's lens
    (:func:`learner_to_symmetric`) is not round-trip in general: its ``putl`` trains.

    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> double = SymmetricLens(lambda a, c: (2 * a, c), lambda b, c: (b / 2, c), Euclid(1), Euclid(1))
    >>> is_round_trip(double, [()], [jnp.ones(1)], [jnp.ones(1)])
    True
    """
    lens = _symmetric(lens)
    cs, la, rb = list(complements), list(lefts), list(rights)
    if not cs or not la or not rb:
        raise errors.ArgumentValueError(
            f"Expected non-empty samples, got {len(cs)} complements, {len(la)} left and "
            f"{len(rb)} right points; pass at least one of each."
        )
    for c in cs:
        for a in la:
            b, c1 = lens.putr(a, c)
            a2, c2 = lens.putl(b, c1)
            if not (close_within(a2, a, atol) and close_within(c2, c1, atol)):
                return False
        for b in rb:
            a, c1 = lens.putl(b, c)
            b2, c2 = lens.putr(a, c1)
            if not (close_within(b2, b, atol) and close_within(c2, c1, atol)):
                return False
    return True


def equivalent(
    f: SymmetricLens,
    g: SymmetricLens,
    cf: Any,
    cg: Any,
    puts: Sequence[tuple[str, Any]],
    *,
    atol: float = 0.0,
) -> bool:
    r"""Equivalence up to complement, on one sequence of puts.

    Hofmann–Pierce–Wagner call ``f`` and ``g`` equivalent when a relation :math:`R` on their
    complements relates ``cf`` and ``cg`` and, from related complements, ``putr`` and ``putl``
    give equal outputs and related complements. Puts are deterministic, so the coarsest such
    :math:`R` relates the complements reached by the same sequence, and ``f ≡ g`` exactly when
    every sequence of puts gives equal outputs. This checks one sequence: ``puts`` is a list of
    ``("r", a)`` and ``("l", b)``; the answer is whether every output agrees (within ``atol``).

    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> ident = SymmetricLens.id(Euclid(1))
    >>> equivalent(ident >> ident, ident, (), (), [("r", jnp.ones(1)), ("l", jnp.zeros(1))])
    True
    """
    f, g = _symmetric(f, "f"), _symmetric(g, "g")
    if f.dom != g.dom or f.cod != g.cod:
        raise errors.TypeMismatch(
            f"Expected two symmetric lenses between the same types, got {f!r} and {g!r}; "
            "compare lenses with equal dom and cod."
        )
    for step in puts:
        if not (isinstance(step, tuple) and len(step) == 2 and step[0] in ("r", "l")):
            raise errors.ArgumentValueError(
                f"Expected puts as ('r', a) or ('l', b) pairs, got {step!r}; write "
                "[('r', a0), ('l', b0), ...]."
            )
        side, x = step
        (yf, cf), (yg, cg) = (
            (f.putr(x, cf), g.putr(x, cg)) if side == "r" else (f.putl(x, cf), g.putl(x, cg))
        )
        if not close_within(yf, yg, atol):
            return False
    return True
