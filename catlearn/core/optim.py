r"""Optimisers as lenses (Cruttwell, Gavranović, Ghani, Wilson, Zanasi, *Categorical
Foundations of Gradient-Based Learning*, ESOP 2022, §3.4 and §4), with both-way adapters to
optax.

An optimiser on parameters :math:`P` with state :math:`S` is a lens

.. math::
   (P \times S, P \times S) \rightleftarrows (P, P'), \qquad
   \mathrm{get}(p, s) \in P, \qquad \mathrm{put}((p, s), d) = (p', s'),

which reparametrises the parameter wire of a model: its get says *where* the model is run
(and so where the gradient is taken), its put turns the value :math:`d` that comes back on
the parameter wire into new parameters and state. Nesterov's look-ahead is a plain ``get``.

.. rubric:: Sign convention (the one place it is stated)

The value :math:`d` that arrives on a parameter wire is an **update direction**, never a raw
gradient: the learning-rate lens :func:`catlearn.core.losses.learning_rate` :math:`\alpha_\varepsilon`
seeds the backward pass with :math:`-\varepsilon`, so :math:`d = -\varepsilon \nabla_p L`, and every
optimiser lens moves *along* :math:`d`. Its put is :math:`p' = p + u` with an update
:math:`u = \mathrm{lr} \cdot \mathrm{precondition}(d, s)` computed by :meth:`Optimiser.update`
(e.g. :func:`sgd`: :math:`p' = p + \mathrm{lr}\, d`). This is the paper's convention
(:math:`\alpha` puts :math:`-\varepsilon`, gradient update is :math:`(1_P, +)`) and optax's
(``optax.apply_updates`` adds; ``scale_by_learning_rate`` multiplies by :math:`-\mathrm{lr}`).
Two equivalent ways to take one SGD step of size :math:`\varepsilon`:

* the paper's: :math:`\alpha_\varepsilon` then ``sgd()`` (``lr = 1``, the bare ``+``);
* optax's: :math:`\alpha_1` (the exact negation :math:`d = -\nabla`) then ``sgd(ε)``.

The second is exact for every optimiser here (negation commutes with rounding), and is what
:func:`to_optax` does with a gradient (:meth:`Optimiser.step` too); adaptive optimisers
(:func:`adagrad`, :func:`adam`) are only scale-invariant up to their ``eps``, so they are
meant to be used with :math:`\alpha_1` and their own ``lr``.

Implemented (each lens native, each equal to the optax optimiser named):

* :func:`sgd` — :math:`p' = p + \mathrm{lr}\, d` (state: none), ``optax.sgd(lr)``;
* :func:`momentum` — :math:`v' = d + \gamma v,\ p' = p + \mathrm{lr}\, v'`,
  ``optax.sgd(lr, momentum=γ)``;
* :func:`nesterov` — look-ahead get :math:`\mathrm{get}(p, v) = p + \gamma v`,
  :math:`v' = \gamma v + \mathrm{lr}\, d,\ p' = p + v'`; its get points are the iterates of
  ``optax.sgd(lr, momentum=γ, nesterov=True)``;
* :func:`adagrad` — :math:`G' = G + d^2,\ p' = p + \mathrm{lr}\, d / \sqrt{G' + \epsilon}`,
  ``optax.adagrad(lr)``;
* :func:`adam` — moments of :math:`d` with bias correction, ``optax.adam(lr)``;
* :func:`from_optax` — any ``optax.GradientTransformation`` as an optimiser lens (it is fed
  the gradient :math:`-d`);
* :func:`to_optax` — ours as an optax transformation (fed the gradient :math:`g`, it runs the
  lens on :math:`d = -g`).

Everything is a pure function of explicit parameters and state (pytrees), so it runs under
``jax.jit``.

>>> import jax.numpy as jnp
>>> opt = momentum(0.1, 0.9)
>>> p = {"w": jnp.array(1.0)}
>>> s = opt.init(p)
>>> p, s = opt.step(p, s, {"w": jnp.array(1.0)})  # a gradient: d = -g
>>> p, s = opt.step(p, s, {"w": jnp.array(1.0)})
>>> p["w"]  # 1 - 0.1 * 1 - 0.1 * (0.9 + 1)
Array(0.71, dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from catlearn import errors
from catlearn.core.checked import check_positive
from catlearn.core.loop import ArrayTree
from catlearn.errors import HyperparameterError, ParamsError

__all__ = [
    "AdagradState",
    "AdamState",
    "MomentumState",
    "Optimiser",
    "adagrad",
    "adam",
    "as_optax",
    "as_optimiser",
    "from_optax",
    "momentum",
    "nesterov",
    "sgd",
    "to_optax",
]

tm = jax.tree_util.tree_map
_INT32_MAX = int(np.iinfo(np.int32).max)  # where adam's step count stops


class MomentumState(NamedTuple):
    """State of :func:`momentum` and :func:`nesterov`: one velocity per parameter array."""

    velocity: Any  # pytree like the params, same shapes and dtypes


class AdagradState(NamedTuple):
    """State of :func:`adagrad`: the running sum of squared update directions."""

    sum_of_squares: Any


class AdamState(NamedTuple):
    """State of :func:`adam`: step count and the two moments of the update direction."""

    count: Any  # int32 scalar
    mu: Any
    nu: Any


class _LookaheadState(NamedTuple):
    """State of an exported look-ahead optimiser: its own parameters and inner state."""

    params: Any
    inner: Any


def _tree_sub(x: Any, y: Any) -> Any:
    return tm(jnp.subtract, x, y)


def _check_fraction(name: str, value: Any) -> None:
    check_positive(value, f"the hyperparameter {name}", scalar=True, allow_zero=True)
    if isinstance(value, int | float) and not value < 1:
        raise HyperparameterError(
            f"Expected the hyperparameter {name} to lie in [0, 1), got {value} instead."
        )


def _shapes(tree: Any) -> Any:
    return tm(lambda a: tuple(jnp.shape(a)), tree)


class Optimiser:
    r"""An optimiser lens: ``init(p) -> s``, ``get(p, s) -> p̂``, ``put(p, s, d) -> (p', s')``.

    See the module docstring for the sign convention: ``d`` is an update direction
    (:math:`-\varepsilon\nabla`), and ``put(p, s, d) = (p + u, s')`` with
    ``(u, s') = update(d, s, p)``.

    Parameters
    ----------
    init:
        ``init(params) -> state``.
    get:
        ``get(params, state) -> params`` at which the gradient is taken, or ``None`` for the
        projection ``(p, s) -> p`` (every optimiser but look-ahead ones).
    update:
        ``update(d, state, params) -> (u, state')``: the step ``u`` added to the parameters
        (optax's shape of an update function, but fed the update direction ``d``).
    name:
        A label for messages.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> halve = Optimiser(lambda p: (), None, lambda d, s, p: (0.5 * d, s), name="halve")
    >>> halve.put(jnp.ones(1), (), -jnp.ones(1))
    (Array([0.5], dtype=float32), ())
    """

    __slots__ = ("_get", "_init", "_update", "name")

    _init: Callable[[Any], ArrayTree]
    _get: Callable[[Any, Any], ArrayTree] | None
    _update: Callable[[Any, Any, Any], tuple[ArrayTree, ArrayTree]]
    name: str

    def __init__(
        self,
        init: Callable[[Any], ArrayTree],
        get: Callable[[Any, Any], ArrayTree] | None,
        update: Callable[[Any, Any, Any], tuple[ArrayTree, ArrayTree]],
        *,
        name: str = "optimiser",
    ) -> None:
        for k, v in (("_init", init), ("_get", get), ("_update", update), ("name", name)):
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"Optimisers are immutable: cannot set {name!r}; build a new one instead."
        )

    def __repr__(self) -> str:
        return f"Optimiser({self.name})"

    @property
    def lookahead(self) -> bool:
        """Whether ``get`` is not the projection ``(p, s) -> p`` (e.g. Nesterov).

        >>> nesterov(0.1, 0.9).lookahead, sgd(0.1).lookahead
        (True, False)
        """
        return self._get is not None

    def init(self, params: ArrayTree) -> Any:
        """The initial state for ``params``.

        >>> sgd(0.1).init({"w": jnp.zeros(2)})
        ()
        """
        return self._init(params)

    def get(self, params: ArrayTree, state: ArrayTree) -> Any:
        """The parameters at which to take the gradient (``params`` itself unless look-ahead).

        >>> nesterov(0.1, 0.5).get(jnp.ones(1), MomentumState(jnp.ones(1)))
        Array([1.5], dtype=float32)
        """
        if self._get is None:
            return params
        self.check_state(params, state)
        return self._get(params, state)

    def check_state(self, params: ArrayTree, state: ArrayTree) -> None:
        """Raise :class:`~catlearn.errors.ParamsError` unless ``state`` has the structure and
        shapes of ``init(params)`` (checked at trace time: free under ``jit``).

        >>> momentum(0.1).check_state({"w": jnp.ones(2)}, ())
        Traceback (most recent call last):
        ...
        catlearn.errors.ParamsError: momentum(lr=0.1, gamma=0.9): expected an optimiser state ...
        """
        want = jax.eval_shape(self._init, params)
        wt: Any  # the treedefs: jaxlib's PyTreeDef has no type stub (mypy cannot see its __eq__)
        gt: Any
        ws, wt = jax.tree_util.tree_flatten(want)
        gs, gt = jax.tree_util.tree_flatten(state)
        if wt != gt or any(tuple(a.shape) != tuple(jnp.shape(b)) for a, b in zip(ws, gs)):
            raise ParamsError(
                f"{self.name}: expected an optimiser state with the structure and shapes of "
                f"init(params), {_shapes(want)}, got {_shapes(state)} instead. Make it with "
                "this optimiser's .init(params) (a state from another optimiser, or for "
                "other parameters, does not fit)."
            )

    def _check_direction(self, params: Any, d: Any) -> None:
        pt: Any  # the treedefs: jaxlib's PyTreeDef has no type stub
        gt: Any
        pl, pt = jax.tree_util.tree_flatten(params)
        gl, gt = jax.tree_util.tree_flatten(d)
        if pt != gt or any(jnp.shape(a) != jnp.shape(b) for a, b in zip(pl, gl)):
            raise ParamsError(
                f"{self.name}: expected gradients with the structure and shapes of the "
                f"parameters {_shapes(params)}, got {_shapes(d)} instead. Differentiate "
                "with respect to the same pytree you optimise."
            )

    def update(self, d: ArrayTree, state: ArrayTree, params: ArrayTree) -> tuple[Any, Any]:
        """``(u, s')``: the step ``u`` (with ``p' = p + u``) for the update direction ``d``.

        >>> sgd(0.5).update(-jnp.ones(1), (), jnp.ones(1))[0]
        Array([-0.5], dtype=float32)
        """
        self._check_direction(params, d)
        self.check_state(params, state)
        return self._update(d, state, params)

    def put(self, params: ArrayTree, state: ArrayTree, d: ArrayTree) -> tuple[Any, Any]:
        """The lens's put: new ``(params, state)`` from the update direction ``d`` (the value
        on the parameter wire, :math:`-\\varepsilon\\nabla`), taken at :meth:`get`.

        >>> sgd(0.1).put({"w": jnp.ones(2)}, (), {"w": jnp.ones(3)})
        Traceback (most recent call last):
        ...
        catlearn.errors.ParamsError: sgd(lr=0.1): expected gradients with the structure and shapes of the parameters ...
        """
        u, s = self.update(d, state, params)
        return optax.apply_updates(params, u), s

    def step(self, params: ArrayTree, state: ArrayTree, grads: ArrayTree) -> tuple[Any, Any]:
        """One descent step from a **gradient**: ``put(params, state, -grads)``.

        >>> sgd(0.5).step(jnp.ones(1), (), jnp.ones(1))[0]
        Array([0.5], dtype=float32)
        """
        return self.put(params, state, tm(jnp.negative, grads))

    def to_optax(self) -> optax.GradientTransformation:
        """This optimiser as an ``optax.GradientTransformation`` (see :func:`to_optax`).

        >>> import optax
        >>> isinstance(sgd(0.1).to_optax(), optax.GradientTransformation)
        True
        """
        return to_optax(self)


def sgd(lr: float = 1.0) -> Optimiser:
    r"""Gradient descent :math:`p' = p + \mathrm{lr}\, d` (state: none); ``sgd()`` is the
    paper's gradient update :math:`(1_P, +)`, ``sgd(lr)`` with a gradient is ``optax.sgd(lr)``.

    >>> sgd(0.5).put(jnp.ones(1), (), -jnp.ones(1))[0]
    Array([0.5], dtype=float32)
    """
    check_positive(lr, "the hyperparameter lr", scalar=True)
    return Optimiser(
        lambda p: (), None, lambda d, s, p: (tm(lambda x: lr * x, d), s), name=f"sgd(lr={lr})"
    )


def momentum(lr: float, gamma: float = 0.9) -> Optimiser:
    r"""Heavy-ball momentum: :math:`v' = d + \gamma v,\ p' = p + \mathrm{lr}\, v'`, state
    :class:`MomentumState` (fed a gradient, this is ``optax.sgd(lr, momentum=gamma)``).

    >>> momentum(0.1, 0.9).init({"w": jnp.ones(2)})
    MomentumState(velocity={'w': Array([0., 0.], dtype=float32)})
    """
    check_positive(lr, "the hyperparameter lr", scalar=True)
    _check_fraction("momentum", gamma)

    def update(d: Any, s: MomentumState, p: Any) -> tuple[Any, MomentumState]:
        v = tm(lambda di, vi: di + gamma * vi, d, s.velocity)
        return tm(lambda vi: lr * vi, v), MomentumState(v)

    return Optimiser(
        lambda p: MomentumState(tm(jnp.zeros_like, p)),
        None,
        update,
        name=f"momentum(lr={lr}, gamma={gamma})",
    )


def nesterov(lr: float, gamma: float = 0.9) -> Optimiser:
    r"""Nesterov momentum as a lens with a look-ahead get (Cruttwell et al., §4):

    .. math::
       \mathrm{get}(p, v) = p + \gamma v, \qquad v' = \gamma v + \mathrm{lr}\, d, \qquad p' = p + v'.

    The look-ahead points :math:`p + \gamma v` follow exactly the iterates of
    ``optax.sgd(lr, momentum=gamma, nesterov=True)``.

    >>> opt = nesterov(0.1, 0.9)
    >>> p, s = opt.step(jnp.ones(1), opt.init(jnp.ones(1)), jnp.ones(1))
    >>> p, opt.get(p, s)
    (Array([0.9], dtype=float32), Array([0.81], dtype=float32))
    """
    check_positive(lr, "the hyperparameter lr", scalar=True)
    _check_fraction("momentum", gamma)

    def get(p: Any, s: MomentumState) -> Any:
        return tm(lambda x, v: x + gamma * v, p, s.velocity)

    def update(d: Any, s: MomentumState, p: Any) -> tuple[Any, MomentumState]:
        v = tm(lambda vi, di: gamma * vi + lr * di, s.velocity, d)
        return v, MomentumState(v)

    return Optimiser(
        lambda p: MomentumState(tm(jnp.zeros_like, p)),
        get,
        update,
        name=f"nesterov(lr={lr}, gamma={gamma})",
    )


def adagrad(lr: float, initial_accumulator_value: float = 0.1, eps: float = 1e-7) -> Optimiser:
    r"""Adagrad (Duchi, Hazan, Singer) as a lens, state :class:`AdagradState` (Cruttwell et al.,
    §4): :math:`G' = G + d \odot d,\ p' = p + \mathrm{lr}\, d / \sqrt{G' + \epsilon}`.

    Defaults as ``optax.adagrad`` (which it equals when fed a gradient).

    >>> opt = adagrad(0.1, initial_accumulator_value=0.0, eps=0.0)
    >>> opt.step(jnp.ones(1), opt.init(jnp.ones(1)), 2 * jnp.ones(1))[0]
    Array([0.9], dtype=float32)
    """
    check_positive(lr, "the hyperparameter lr", scalar=True)
    check_positive(
        initial_accumulator_value,
        "the hyperparameter initial_accumulator_value",
        scalar=True,
        allow_zero=True,
    )
    check_positive(eps, "the hyperparameter eps", scalar=True, allow_zero=True)

    def update(d: Any, s: AdagradState, p: Any) -> tuple[Any, AdagradState]:
        g2 = tm(lambda di, t: di * di + t, d, s.sum_of_squares)
        inv = tm(lambda t: jnp.where(t > 0, jax.lax.rsqrt(t + eps), 0.0), g2)
        return tm(lambda i, di: lr * (i * di), inv, d), AdagradState(g2)

    return Optimiser(
        lambda p: AdagradState(tm(lambda x: jnp.full_like(x, initial_accumulator_value), p)),
        None,
        update,
        name=f"adagrad(lr={lr})",
    )


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimiser:
    r"""Adam (Kingma, Ba) as a lens, state :class:`AdamState` (Cruttwell et al., §4):

    .. math::
       m' = m + (1 - \beta_1)(d - m), \quad v' = v + (1 - \beta_2)(d^2 - v), \quad
       p' = p + \mathrm{lr}\, \frac{m' / (1 - \beta_1^t)}{\sqrt{v' / (1 - \beta_2^t)} + \epsilon}.

    Fed a gradient, it is ``optax.adam(lr, b1, b2, eps)``.

    >>> opt = adam(0.1)
    >>> s = opt.init(jnp.zeros(2))
    >>> p, s = opt.step(jnp.zeros(2), s, jnp.ones(2))
    >>> int(s.count), p
    (1, Array([-0.1, -0.1], dtype=float32))
    """
    check_positive(lr, "the hyperparameter lr", scalar=True)
    _check_fraction("b1", b1)
    _check_fraction("b2", b2)
    check_positive(eps, "the hyperparameter eps", scalar=True)

    def init(p: Any) -> AdamState:
        return AdamState(jnp.zeros([], jnp.int32), tm(jnp.zeros_like, p), tm(jnp.zeros_like, p))

    def update(d: Any, s: AdamState, p: Any) -> tuple[Any, AdamState]:
        # m + (1 - b1)(d - m) has one product to fuse into a multiply-add, and it is odd in d,
        # so XLA computes the same bits whether d arrives as -grad (fit) or from the lens
        mu = tm(lambda g, t: t + (1 - b1) * (g - t), d, s.mu)
        nu = tm(lambda g, t: t + (1 - b2) * (g * g - t), d, s.nu)
        count = jnp.where(s.count < _INT32_MAX, s.count + 1, s.count)

        def unbias(t: Any, decay: float) -> Any:
            return t / (1 - decay**count).astype(t.dtype)

        u = tm(lambda m, v: unbias(m, b1) / (jnp.sqrt(unbias(v, b2)) + eps), mu, nu)
        return tm(lambda x: lr * x, u), AdamState(count, mu, nu)

    return Optimiser(init, None, update, name=f"adam(lr={lr})")


def from_optax(tx: optax.GradientTransformation, *, name: str | None = None) -> Optimiser:
    r"""Any optax transformation as an optimiser lens: it is fed the gradient :math:`-d`,
    :math:`\mathrm{update}(d, s, p) = \mathrm{tx.update}(-d, s, p)`.

    >>> import optax
    >>> opt = from_optax(optax.sgd(0.5))
    >>> opt.put(jnp.ones(1), opt.init(jnp.ones(1)), -jnp.ones(1))[0]
    Array([0.5], dtype=float32)
    """
    if not isinstance(tx, optax.GradientTransformation):
        raise errors.ArgumentTypeError(
            f"Expected an optax.GradientTransformation (e.g. optax.adam(1e-3)), got {tx!r}."
        )

    def update(d: Any, s: Any, p: Any) -> tuple[Any, Any]:
        u, s_new = tx.update(tm(jnp.negative, d), s, p)
        return u, s_new

    return Optimiser(tx.init, None, update, name=name or "optax")


def to_optax(opt: Optimiser) -> optax.GradientTransformation:
    r"""Export an optimiser lens as an ``optax.GradientTransformation``.

    Its ``update(grads, state, params)`` is ``opt.update(-grads, state, params)``: the
    gradient becomes the update direction :math:`d = -g` (exact), and the returned ``u`` is
    added by ``optax.apply_updates``. ``params`` must be passed (as for ``optax.adamw``). A
    look-ahead optimiser (:func:`nesterov`) is exported in look-ahead coordinates: optax sees
    :math:`\hat p = \mathrm{get}(p, s)`, and the state keeps :math:`(p, s)`.

    >>> import optax
    >>> tx = to_optax(momentum(0.1, 0.9))
    >>> params = jnp.ones(1)
    >>> state = tx.init(params)
    >>> u, state = tx.update(jnp.ones(1), state, params)
    >>> optax.apply_updates(params, u)
    Array([0.9], dtype=float32)
    """
    if not isinstance(opt, Optimiser):
        raise errors.ArgumentTypeError(
            f"Expected a catlearn Optimiser, got {opt!r}; build one with sgd(lr), momentum(...), "
            "adam(...) or from_optax(tx)."
        )

    def need(params: Any) -> None:
        if params is None:
            raise ParamsError(
                f"{opt.name} exported to optax needs the parameters: call "
                "tx.update(grads, state, params) with params, not None."
            )

    if not opt.lookahead:

        def init(params: Any) -> Any:
            return opt.init(params)

        def update(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
            need(params)
            return opt.update(tm(jnp.negative, updates), state, params)
    else:

        def init(params: Any) -> Any:
            return _LookaheadState(params, opt.init(params))

        def update(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
            p, s = state
            here = opt.get(p, s) if params is None else params
            p2, s2 = opt.put(p, s, tm(jnp.negative, updates))
            return _tree_sub(opt.get(p2, s2), here), _LookaheadState(p2, s2)

    return optax.GradientTransformation(init, update)


def as_optax(optimizer: Optimiser | optax.GradientTransformation) -> optax.GradientTransformation:
    """What a trainer that steps with optax (:func:`catlearn.training.fit`,
    :func:`~catlearn.training.functor.fit_functor`, :func:`~catlearn.training.tensor.fit_tensor`)
    makes of its ``optimizer``: an ``optax.GradientTransformation`` as it is, a catlearn
    :class:`Optimiser` through :func:`to_optax`; anything else is a
    :class:`~catlearn.errors.HyperparameterError`.

    >>> import optax
    >>> as_optax(optax.sgd(0.1)).init(jnp.zeros(1)), type(as_optax(sgd(0.1))).__name__
    ((EmptyState(), EmptyState()), 'GradientTransformation')
    """
    if isinstance(optimizer, Optimiser):
        return to_optax(optimizer)
    if callable(getattr(optimizer, "to_optax", None)):  # any lens with its own export
        optimizer = optimizer.to_optax()
    if isinstance(optimizer, optax.GradientTransformation) or (
        callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))
    ):
        return optimizer
    raise HyperparameterError(
        f"Expected an optimiser: an optax.GradientTransformation (e.g. optax.adam(1e-3)) or a "
        f"catlearn optimiser (catlearn.core.optim.sgd, adam, ...), got {optimizer!r:.80}."
    )


def as_optimiser(optimizer: Optimiser | optax.GradientTransformation) -> Optimiser:
    """What a trainer built of lenses (:func:`catlearn.core.step.supervised_step`,
    :func:`~catlearn.core.step.step_params`, :func:`~catlearn.core.step.dream_step`) makes of
    its ``optimiser``: a catlearn :class:`Optimiser` as it is, an
    ``optax.GradientTransformation`` through :func:`from_optax` (its state is ``tx.init``'s);
    anything else is a :class:`~catlearn.errors.ArgumentTypeError`.

    >>> import optax
    >>> as_optimiser(optax.adam(0.1)).name, as_optimiser(sgd(0.1)).name
    ('optax', 'sgd(lr=0.1)')
    """
    if isinstance(optimizer, Optimiser):
        return optimizer
    if isinstance(optimizer, optax.GradientTransformation):
        return from_optax(optimizer)
    raise errors.ArgumentTypeError(
        f"Expected an optimiser: a catlearn optimiser (catlearn.core.optim.sgd, adam, ...) or "
        f"an optax.GradientTransformation (e.g. optax.adam(1e-3)), got {optimizer!r:.80}."
    )
