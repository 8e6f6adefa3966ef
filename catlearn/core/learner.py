r"""Learners, the category Learn, and the functor :math:`L_{\varepsilon,e}` (Fong, Spivak,
Tuyéras, *Backprop as Functor*).

A learner :math:`A \to B` is a tuple :math:`(P, I, U, r)`: a parameter space :math:`P`, an
implementation :math:`I : P \times A \to B`, an update :math:`U : P \times A \times B \to P`
and a request :math:`r : P \times A \times B \to A`. Composition with :math:`(Q, J, V, s)`:

.. math::
   (I * J)(p, q, a) &= J(q, I(p, a)) \\
   (U * V)(p, q, a, c) &= (U(p, a, s(q, I(p, a), c)),\; V(q, I(p, a), c)) \\
   (r * s)(p, q, a, c) &= r(p, a, s(q, I(p, a), c)).

The functor :math:`L_{\varepsilon,e} : \mathrm{Para} \to \mathrm{Learn}` (Theorem III.2),
:func:`gradient_learner`, sends :math:`I` to :math:`(P, I, U_I, r_I)` with
:math:`E_I(p, a, b) = \sum_j e(I_j(p, a), b_j)`,
:math:`U_I = p - \varepsilon \nabla_p E_I` and :math:`r_I = f_a(\nabla_a E_I)` where
:math:`f_a` inverts :math:`\partial e/\partial x(a_i, -)`; for :math:`e = \tfrac12(x-y)^2`,
:math:`r_I = a - \nabla_a E_I`. Learn ≅ Para(SLens), SLens the simple lenses (Spivak,
*Learners' languages*):
:meth:`Learner.to_lens` and :meth:`Learner.from_lens`; Fong and Johnson's functors (*Lenses
and Learners*) are in :mod:`catlearn.core.fong_johnson`, the learner as a Moore machine
(Spivak) in :mod:`catlearn.core.dynamics` (:meth:`Learner.run`).

As in optax, a learner is a tuple of **pure functions** on explicit parameters: nothing is
stored in the learner; ``update`` returns new parameters. Parameters are named groups
(dicts), exactly as for :class:`~catlearn.core.para.Para`.

Axioms (doctests): functoriality :math:`L(I \gg J) = L(I) \gg L(J)`:

>>> import jax, jax.numpy as jnp
>>> from catlearn.core.para import Para
>>> from catlearn.core.types import Euclid
>>> I = Para.linear(Euclid(2), Euclid(3), name="I") >> Para.from_function(jnp.tanh, Euclid(3), Euclid(3))
>>> J = Para.linear(Euclid(3), Euclid(1), name="J")
>>> p = (I >> J).init(jax.random.key(0))
>>> a, c = jnp.array([0.5, -1.0]), jnp.array([0.3])
>>> whole, parts = gradient_learner(I >> J, 0.1), gradient_learner(I, 0.1) >> gradient_learner(J, 0.1)
>>> bool(jnp.allclose(whole.update(p, a, c)["I"]["W"], parts.update(p, a, c)["I"]["W"], atol=1e-6))
True
>>> bool(jnp.allclose(whole.request(p, a, c), parts.request(p, a, c), atol=1e-6))
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp

from catlearn import errors
from catlearn.core._arrow import GroupedArrow
from catlearn.core._category import Composable, Groups
from catlearn.core._learner_program import LearnerFns, learner_from_program
from catlearn.core._lens_program import param_forward, union
from catlearn.core._params import leaf_groups
from catlearn.core.checked import check_positive
from catlearn.core.dynamics import run as run_stream
from catlearn.core.lens import ParaLens
from catlearn.core.losses import ErrorFn, as_error
from catlearn.core.para import Para, Params, SpecTree, WireValue
from catlearn.core.program import Program, sweep
from catlearn.core.types import Ty
from catlearn.errors import NotInvertibleError

__all__ = ["Learner", "gradient_learner"]

Impl = Callable[[Params, Any], Any]
Upd = Callable[[Params, Any, Any], Params]
Req = Callable[[Params, Any, Any], Any]


class Learner(GroupedArrow[LearnerFns], Composable):
    """A learner ``(P, I, U, r)`` from ``dom`` to ``cod``, as pure functions of the parameters.

    Parameters
    ----------
    dom, cod:
        Wire types.
    params_spec:
        The parameter space :math:`P`: a pytree of :class:`~catlearn.core.para.ParamSpec`
        (``None`` for the trivial space).
    implement:
        ``implement(p, a) -> b``.
    update:
        ``update(p, a, b) -> p'`` (``b`` is the target/training value for the output).
    request:
        ``request(p, a, b) -> a'`` (the value this learner asks its input to have had).
    name:
        Name of the parameter group (required when there are parameters).

    Notes
    -----
    ``p`` is the value of this learner's group; the public methods take and return the full
    parameter dict ``{name: p}`` (the union of groups for a composite).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> from catlearn.core.para import ParamSpec
    >>> mean = Learner(Euclid(), Euclid(), ParamSpec(()),  # learns a running mean of targets
    ...                lambda p, a: p, lambda p, a, b: 0.5 * (p + b), lambda p, a, b: a, name="m")
    >>> params = {"m": jnp.array(0.0)}
    >>> for b in (1.0, 1.0, 1.0):
    ...     params = mean.update(params, jnp.array(0.0), jnp.array(b))
    >>> params["m"]
    Array(0.875, dtype=float32, weak_type=True)
    """

    __slots__ = ()

    _plural = "Learners"

    def __init__(
        self,
        dom: Ty,
        cod: Ty,
        params_spec: SpecTree,
        implement: Callable[[Any, Any], Any],
        update: Callable[[Any, Any, Any], Any],
        request: Callable[[Any, Any, Any], Any],
        *,
        name: str | None = None,
    ) -> None:
        for what, fn in (("implement", implement), ("update", update), ("request", request)):
            if not callable(fn):
                raise errors.ArgumentTypeError(
                    f"Expected a function for {what}, got {fn!r}; pass a callable."
                )
        spec, owners = leaf_groups(dom, cod, params_spec, name, implement)
        impl: Impl
        upd: Upd
        req: Req
        if spec:
            (n,) = spec
            impl = lambda p, a: implement(p[n], a)  # noqa: E731
            upd = lambda p, a, b: {n: update(p[n], a, b)}  # noqa: E731
            req = lambda p, a, b: request(p[n], a, b)  # noqa: E731
        else:
            impl = lambda p, a: implement({}, a)  # noqa: E731
            upd = lambda p, a, b: {}  # noqa: E731
            req = lambda p, a, b: request({}, a, b)  # noqa: E731
        self._init(dom, cod, None, (impl, upd, req), _groups=Groups.of(spec, owners))

    def _program_fns(self, program: Program) -> LearnerFns:
        return _learner_program(program)

    @property
    def _implement(self) -> Impl:
        return self._fns()[0]

    @property
    def _update(self) -> Upd:
        return self._fns()[1]

    @property
    def _request(self) -> Req:
        return self._fns()[2]

    # --- running ---------------------------------------------------------------------------
    def _check(self, params: Params, a: Any, b: Any = None, *, batch_dims: int = 0) -> None:
        self.check_params(params)
        self.dom.check(a, batch_dims=batch_dims, what="input")
        if b is not None:
            self.cod.check(b, batch_dims=batch_dims, what="target")

    def implement(self, params: Params, a: WireValue) -> Any:
        """:math:`I(p, a)` on one example."""
        self._check(params, a)
        return self._implement(params, a)

    __call__ = implement

    def update(self, params: Params, a: WireValue, b: WireValue) -> Params:
        """:math:`U(p, a, b)`: the new parameters after seeing the pair ``(a, b)``."""
        self._check(params, a, b)
        return self._update(params, a, b)

    def request(self, params: Params, a: WireValue, b: WireValue) -> Any:
        """:math:`r(p, a, b)`: the input this learner would have preferred."""
        self._check(params, a, b)
        return self._request(params, a, b)

    def step(self, params: Params, a: WireValue, b: WireValue) -> tuple[Params, Any]:
        """``(U(p, a, b), r(p, a, b))`` at once: the put of :meth:`to_lens`."""
        self._check(params, a, b)
        return self._update(params, a, b), self._request(params, a, b)

    def implement_batch(self, params: Params, xs: WireValue) -> Any:
        """:math:`I(p, -)` over a batch (leading axis), via ``jax.vmap``."""
        self._check(params, xs, batch_dims=1)
        return jax.vmap(lambda x: self._implement(params, x))(xs)

    def update_batch(self, params: Params, xs: WireValue, ys: WireValue) -> Params:
        r"""Minibatch update: the mean over the batch of :math:`U(p, a_i, b_i)`.

        For a gradient learner this is :math:`p - \varepsilon \cdot \mathrm{mean}_i
        \nabla_p E_I(p, a_i, b_i)`, i.e. minibatch gradient descent.
        """
        self._check(params, xs, ys, batch_dims=1)
        new = jax.vmap(lambda x, y: self._update(params, x, y))(xs, ys)
        mean: Params = jax.tree_util.tree_map(lambda t: jnp.mean(t, axis=0), new)
        return mean

    def run(self, params: Params, stream: tuple[WireValue, WireValue]) -> tuple[Params, Any]:
        """The learner as a Moore machine on a stream ``(as, bs)`` (Spivak): one
        ``jax.lax.scan`` of ``update``; returns the final parameters and the readout lens
        :math:`(I(p_t, -), r(p_t, -, -))` evaluated at each step before the update, as
        ``Readout(implementations, requests)`` (:func:`catlearn.core.dynamics.run`).

        >>> from catlearn.core.types import Euclid
        >>> p, outs = Learner.id(Euclid(1)).run({}, (jnp.ones((3, 1)), jnp.zeros((3, 1))))
        >>> outs.implementations.shape, outs.requests.shape
        ((3, 1), (3, 1))
        """
        return run_stream(self, params, stream)

    # --- structure -------------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Ty) -> Learner:
        """The identity learner: no parameters, :math:`I(a) = a`, :math:`r(a, b) = b`.

        >>> from catlearn.core.types import Euclid
        >>> Learner.id(Euclid(2)).request({}, jnp.zeros(2), jnp.ones(2))
        Array([1., 1.], dtype=float32)
        """
        return cls._wiring(ty, ty, range(len(ty)))

    @classmethod
    def swap(cls, a: Ty, b: Ty) -> Learner:
        """The symmetry ``a @ b -> b @ a``: no parameters, its request swaps the target back.

        >>> from catlearn.core.types import Euclid
        >>> Learner.swap(Euclid(1), Euclid(2)).request({}, (jnp.zeros(1), jnp.zeros(2)),
        ...                                           (jnp.ones(2), jnp.ones(1)))
        (Array([1.], dtype=float32), Array([1., 1.], dtype=float32))
        """
        return super().swap(a, b)

    @classmethod
    def merge(cls, a: Ty, n: int = 2) -> Learner:
        r"""Addition ``a @ ... @ a -> a`` as the learner
        :math:`L_{\varepsilon, \frac12(x-y)^2}(+)`: no parameters; its request moves each
        summand by the error of the sum, :math:`r(a, b)_i = a_i - (\sum_j a_j - b)`.

        >>> from catlearn.core.types import Euclid
        >>> Learner.merge(Euclid(1)).request({}, (jnp.ones(1), jnp.ones(1)), jnp.ones(1))
        (Array([0.], dtype=float32), Array([0.], dtype=float32))
        """
        return gradient_learner(Para.merge(a, n), 1.0)

    @classmethod
    def from_program(
        cls, program: Program, arrows: Mapping[Any, Learner] | Callable[[Any], Learner]
    ) -> Learner:
        r"""The learner of a flat program (what ``compile(diagram, ar, into=Learner)`` calls),
        given a learner per box. A wire read twice and a box used twice are resolved as the
        diagonal under :math:`L_{\varepsilon,e}` with the squared error: for gradient learners
        the result is the gradient learner of the diagram's whole Para arrow.

        >>> from catlearn.core.types import Euclid
        >>> from catlearn.core.program import Instruction, Program
        >>> x = Euclid(1)
        >>> f_then_f = Program(x, x, (0,), (2,), (Instruction('f', (0,), (1,)),
        ...                    Instruction('f', (1,), (2,))), (x, x, x))
        >>> L = gradient_learner(Para.linear(x, x, name='f', bias=False), 0.5)
        >>> twice = Learner.from_program(f_then_f, {'f': L})
        >>> twice.update({'f': {'W': jnp.ones((1, 1))}}, jnp.ones(1), jnp.zeros(1))['f']['W']
        Array([[0.]], dtype=float32)
        """
        look = arrows.__getitem__ if isinstance(arrows, Mapping) else arrows
        spec, owners, fns = learner_from_program(program, look)
        return cls._box(program.dom, program.cod, spec, owners, fns)

    # --- Learn ≅ Para(SLens) ---------------------------------------------------------------
    def to_lens(self) -> ParaLens:
        r"""The parametrised lens ``get = I``, ``put(p, a, b) = (U(p, a, b), r(p, a, b))``.

        This is the isomorphism Learn → Para(SLens) (Spivak, *Learners' languages*);
        it preserves composition: ``(L1 >> L2).to_lens()`` and
        ``L1.to_lens() >> L2.to_lens()`` give the same outputs.

        >>> from catlearn.core.types import Euclid
        >>> Learner.id(Euclid(1)).to_lens()
        ParaLens(Euclid(1) -> Euclid(1); no parameters)
        """
        impl, upd, req = self._implement, self._update, self._request
        return ParaLens._box_like(self, (impl, lambda p, a, b: (upd(p, a, b), req(p, a, b))))

    @classmethod
    def from_lens(cls, lens: ParaLens) -> Learner:
        r"""The learner of a parametrised lens: ``I = get``, ``(U, r) = put`` (inverse of
        :meth:`to_lens`).

        >>> from catlearn.core.types import Euclid
        >>> Learner.from_lens(Learner.id(Euclid(1)).to_lens())
        Learner(Euclid(1) -> Euclid(1); no parameters)
        """
        if not isinstance(lens, ParaLens):
            raise errors.ArgumentTypeError(
                f"Expected a ParaLens, got {lens!r}; build one with ParaLens.from_para(para)."
            )
        put = lens._put
        return cls._box_like(
            lens, (lens._get, lambda p, a, b: put(p, a, b)[0], lambda p, a, b: put(p, a, b)[1])
        )


def _learner_program(program: Program) -> tuple[Impl, Upd, Req]:
    r"""``(I, U, r)`` of a composite learner from its flat program: the implementations run
    forwards; update and request visit the boxes backwards, each box receiving as its target
    the request of the boxes it feeds (``(U * V)(p, q, a, c) = (U(p, a, s(q, I(p, a), c)),
    V(q, I(p, a), c))``). A box's request is computed only when someone reads it: the first
    box of a chain may have none (e.g. a discrete input)."""
    dom, cod = program.dom, program.cod
    inputs = set(program.inputs)
    feeds = [any(s not in inputs for s in ins) for _, ins, _ in program.instructions]
    forward, implement = param_forward(program, lambda box: box._implement)

    def run(p: Params, a: Any, c: Any, want_params: bool) -> tuple[Params, Any]:
        new: list[Params] = [{}] * len(program.instructions)

        def back(i: int, box: Any, xs: list[Any], dys: list[Any]) -> Any:
            x, y = box.dom.join(xs), box.cod.join(dys)
            if want_params:
                new[i] = box._update(p, x, y)
            if feeds[i] or not want_params:
                return box.dom.split(box._request(p, x, y))
            return None

        da = sweep(program, forward(p, a), cod.split(c), back)
        return union(new), da

    def update(p: Params, a: Any, c: Any) -> Params:
        return run(p, a, c, True)[0]

    def request(p: Params, a: Any, c: Any) -> Any:
        return dom.join(run(p, a, c, False)[1])

    return implement, update, request


def gradient_learner(
    para: Para,
    lr: float,
    error: ErrorFn | str | Callable[[Any, Any], Any] = "squared",
    *,
    request: bool = True,
) -> Learner:
    r"""The functor :math:`L_{\varepsilon,e}`: a Para arrow ``I`` becomes the learner
    :math:`(P, I, U_I, r_I)` (Fong, Spivak, Tuyéras, *Backprop as Functor*, Theorem III.2).

    .. math::
       E_I(p, a, b) = \sum_j e(I_j(p, a), b_j), \quad
       U_I(p, a, b) = p - \varepsilon \nabla_p E_I(p, a, b), \quad
       r_I(p, a, b) = f_a(\nabla_a E_I(p, a, b)).

    Parameters
    ----------
    para:
        A deterministic :class:`~catlearn.core.para.Para` arrow (shared groups are fine: their
        gradients add up).
    lr:
        The step size :math:`\varepsilon > 0` (finite).
    error:
        An :class:`~catlearn.core.losses.ErrorFn`, a name of the loss vocabulary
        :data:`catlearn.core.losses.LOSSES` (``"squared"``, :math:`\tfrac12(x-y)^2` summed, the
        default; ``"mse"``, ``"absolute"``, ``"huber"``, ``"softmax_cross_entropy"``, ...: the
        same function as ``fit(loss=name)`` on one example), or a bare function ``e(x, y)``.
        See :mod:`catlearn.core.losses` for the errors whose request map exists.
    request:
        Whether the request map is needed. With ``True`` (default) an error whose
        :math:`\partial e/\partial x` is not invertible raises
        :class:`~catlearn.errors.NotInvertibleError`; with ``False`` the learner is built
        and its request raises that error only if it is ever called (fine for a first layer).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Euclid
    >>> f = Para.linear(Euclid(1), Euclid(1), name="f", bias=False)
    >>> L = gradient_learner(f, lr=0.5)
    >>> p = {"f": {"W": jnp.array([[1.0]])}}
    >>> L.update(p, jnp.array([1.0]), jnp.array([3.0]))["f"]["W"]  # 1 - 0.5 * (1 - 3)
    Array([[2.]], dtype=float32)
    >>> L.request(p, jnp.array([1.0]), jnp.array([3.0]))  # a - grad_a E = 1 - (1 - 3)
    Array([3.], dtype=float32)
    >>> gradient_learner(f, lr=0.5, error="absolute")
    Traceback (most recent call last):
    ...
    catlearn.errors.NotInvertibleError: The error function 'absolute' has a derivative de/dx(x, -) that is not invertible, ...
    """
    if not isinstance(para, Para):
        raise errors.ArgumentTypeError(
            f"Expected a Para arrow, got {para!r}. Build one with Para(...)."
        )
    if para.stochastic:
        raise errors.ArgumentTypeError(
            f"{para!r} is stochastic; gradient_learner needs a deterministic arrow. "
            "Fix its key with para.reparam(...) or remove the randomness."
        )
    check_positive(lr, "the hyperparameter lr", scalar=True)
    err = as_error(error)
    if request and not err.invertible:
        err.request(0.0, 0.0)  # raises NotInvertibleError with the full message
    names = tuple(para.spec)
    call = para._call

    def implement(p: Params, a: Any) -> Any:
        return call({n: p[n] for n in names}, a, None)

    def total(own: Params, a: Any, b: Any) -> Any:
        return err.total(call(own, a, None), b)

    def update(p: Params, a: Any, b: Any) -> Params:
        own = {n: p[n] for n in names}
        g = jax.grad(total)(own, a, b)
        new: Params = jax.tree_util.tree_map(lambda x, dx: x - lr * dx, own, g)
        return new

    def req(p: Params, a: Any, b: Any) -> Any:
        if not all(
            jnp.issubdtype(jnp.result_type(x), jnp.inexact) for x in jax.tree_util.tree_leaves(a)
        ):
            raise NotInvertibleError(
                f"{para!r} reads a discrete input ({para.dom}); a request map needs real-valued "
                "inputs to differentiate. Put this learner first in a composite (its request "
                "is then never used), or make its input Euclidean."
            )
        own = {n: p[n] for n in names}
        ga = jax.grad(total, argnums=1)(own, a, b)
        return err.request(a, ga)

    return Learner._box_like(para, (implement, update, req))
