r"""Optimisers as lenses (Cruttwell, Gavranović, Ghani, Wilson, Zanasi, *Categorical
Foundations of Gradient-Based Learning*), with both-way adapters to optax.

An optimiser on parameters :math:`P` with state :math:`S` is a lens

.. math::
   (P \times S, P \times S) \rightleftarrows (P, P'), \qquad
   \mathrm{get}(p, s) \in P, \qquad \mathrm{put}((p, s), g) = (p', s'),

whose get says *where* the gradient is taken and whose put turns the gradient ``g`` found
there into new parameters and state. The lens form makes Nesterov's look-ahead a plain
``get``. Implemented here:

* :func:`sgd` — :math:`p' = p - \varepsilon g` (no state);
* :func:`momentum` — :math:`s' = \gamma s + g,\ p' = p - \varepsilon s'`;
* :func:`nesterov` — :math:`\mathrm{get}(p, v) = p + \gamma v,\ v' = \gamma v - \varepsilon g,\ p' = p + v'`;
* :func:`adam` — optax's Adam in lens form (its state holds the step count);
* :func:`from_optax` — any ``optax.GradientTransformation`` as an optimiser lens;
* :meth:`Optimiser.to_optax` / :func:`to_optax` — ours as an optax transformation.

Everything is a pure function of explicit parameters and state (pytrees), so it runs under
``jax.jit``.

>>> import jax.numpy as jnp
>>> opt = momentum(0.1, 0.9)
>>> p = {"w": jnp.array(1.0)}
>>> s = opt.init(p)
>>> p, s = opt.put(p, s, {"w": jnp.array(1.0)})
>>> p, s = opt.put(p, s, {"w": jnp.array(1.0)})
>>> p["w"]  # 1 - 0.1 * 1 - 0.1 * (0.9 + 1)
Array(0.71, dtype=float32, weak_type=True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from catlearn import errors
from catlearn.core.losses import check_positive
from catlearn.errors import HyperparameterError, ParamsError

__all__ = [
    "MomentumState",
    "Optimiser",
    "adam",
    "from_optax",
    "momentum",
    "nesterov",
    "sgd",
    "to_optax",
]


class MomentumState(NamedTuple):
    """State of :func:`momentum` and :func:`nesterov`: one velocity per parameter array."""

    velocity: Any  # pytree like the params, same shapes and dtypes


class _LookaheadState(NamedTuple):
    """State of an exported look-ahead optimiser: its own parameters and inner state."""

    params: Any
    inner: Any


def _tree_sub(x: Any, y: Any) -> Any:
    return jax.tree_util.tree_map(jnp.subtract, x, y)


def _check_fraction(name: str, value: Any) -> None:
    check_positive(name, value, allow_zero=True)
    if isinstance(value, int | float) and not value < 1:
        raise HyperparameterError(
            f"Expected the hyperparameter {name} to lie in [0, 1), got {value} instead."
        )


class Optimiser:
    r"""An optimiser lens: ``init(p) -> s``, ``get(p, s) -> p̂``, ``put(p, s, g) -> (p', s')``.

    Parameters
    ----------
    init:
        ``init(params) -> state``.
    get:
        ``get(params, state) -> params`` at which the gradient is taken, or ``None`` for the
        projection ``(p, s) -> p`` (every optimiser but look-ahead ones).
    put:
        ``put(params, state, grads) -> (params, state)``.
    name:
        A label for messages.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> halve = Optimiser(lambda p: (), None, lambda p, s, g: (p - 0.5 * g, s), name="halve")
    >>> halve.put(jnp.ones(1), (), jnp.ones(1))
    (Array([0.5], dtype=float32), ())
    """

    __slots__ = ("_get", "_init", "_put", "name")

    def __init__(
        self,
        init: Callable[[Any], Any],
        get: Callable[[Any, Any], Any] | None,
        put: Callable[[Any, Any, Any], tuple[Any, Any]],
        *,
        name: str = "optimiser",
    ) -> None:
        for k, v in (("_init", init), ("_get", get), ("_put", put), ("name", name)):
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

    def init(self, params: Any) -> Any:
        """The initial state for ``params``.

        >>> sgd(0.1).init({"w": jnp.zeros(2)})
        ()
        """
        return self._init(params)

    def get(self, params: Any, state: Any) -> Any:
        """The parameters at which to take the gradient (``params`` itself unless look-ahead).

        >>> nesterov(0.1, 0.5).get(jnp.ones(1), MomentumState(jnp.ones(1)))
        Array([1.5], dtype=float32)
        """
        return params if self._get is None else self._get(params, state)

    def put(self, params: Any, state: Any, grads: Any) -> tuple[Any, Any]:
        """New ``(params, state)`` from the gradient ``grads`` taken at :meth:`get`.

        >>> sgd(0.1).put({"w": jnp.ones(2)}, (), {"w": jnp.ones(3)})
        Traceback (most recent call last):
        ...
        catlearn.errors.ParamsError: sgd(lr=0.1): expected gradients with the structure and shapes of the parameters ...
        """
        pl, pt = jax.tree_util.tree_flatten(params)
        gl, gt = jax.tree_util.tree_flatten(grads)
        if pt != gt or any(jnp.shape(a) != jnp.shape(b) for a, b in zip(pl, gl)):
            raise ParamsError(
                f"{self.name}: expected gradients with the structure and shapes of the "
                f"parameters {jax.tree_util.tree_map(jnp.shape, params)}, got "
                f"{jax.tree_util.tree_map(jnp.shape, grads)} instead. Differentiate with "
                "respect to the same pytree you optimise."
            )
        return self._put(params, state, grads)

    step = put

    def to_optax(self) -> optax.GradientTransformation:
        """This optimiser as an ``optax.GradientTransformation`` (see :func:`to_optax`).

        >>> import optax
        >>> isinstance(sgd(0.1).to_optax(), optax.GradientTransformation)
        True
        """
        return to_optax(self)


def sgd(lr: float) -> Optimiser:
    r"""Plain gradient descent :math:`p' = p - \varepsilon g` (state: none).

    >>> sgd(0.5).put(jnp.ones(1), (), jnp.ones(1))[0]
    Array([0.5], dtype=float32)
    """
    check_positive("lr", lr)
    return Optimiser(
        lambda p: (),
        None,
        lambda p, s, g: (jax.tree_util.tree_map(lambda x, dx: x - lr * dx, p, g), s),
        name=f"sgd(lr={lr})",
    )


def momentum(lr: float, gamma: float = 0.9) -> Optimiser:
    r"""Heavy-ball momentum: :math:`s' = \gamma s + g,\ p' = p - \varepsilon s'`, state
    :class:`MomentumState` (equal to ``optax.sgd(lr, momentum=gamma)``).

    >>> momentum(0.1, 0.9).init({"w": jnp.ones(2)})
    MomentumState(velocity={'w': Array([0., 0.], dtype=float32)})
    """
    check_positive("lr", lr)
    _check_fraction("momentum", gamma)

    def put(p: Any, s: MomentumState, g: Any) -> tuple[Any, MomentumState]:
        v = jax.tree_util.tree_map(lambda vi, gi: gamma * vi + gi, s.velocity, g)
        return jax.tree_util.tree_map(lambda x, vi: x - lr * vi, p, v), MomentumState(v)

    return Optimiser(
        lambda p: MomentumState(jax.tree_util.tree_map(jnp.zeros_like, p)),
        None,
        put,
        name=f"momentum(lr={lr}, gamma={gamma})",
    )


def nesterov(lr: float, gamma: float = 0.9) -> Optimiser:
    r"""Nesterov momentum as a lens with a look-ahead get (Cruttwell et al.):

    .. math::
       \mathrm{get}(p, v) = p + \gamma v, \qquad v' = \gamma v - \varepsilon g, \qquad p' = p + v'.

    The look-ahead points :math:`p + \gamma v` follow exactly the iterates of
    ``optax.sgd(lr, momentum=gamma, nesterov=True)``.

    >>> opt = nesterov(0.1, 0.9)
    >>> p, s = opt.put(jnp.ones(1), opt.init(jnp.ones(1)), jnp.ones(1))
    >>> p, opt.get(p, s)
    (Array([0.9], dtype=float32), Array([0.81], dtype=float32))
    """
    check_positive("lr", lr)
    _check_fraction("momentum", gamma)
    tm = jax.tree_util.tree_map

    def get(p: Any, s: MomentumState) -> Any:
        return tm(lambda x, v: x + gamma * v, p, s.velocity)

    def put(p: Any, s: MomentumState, g: Any) -> tuple[Any, MomentumState]:
        v = tm(lambda vi, gi: gamma * vi - lr * gi, s.velocity, g)
        return tm(jnp.add, p, v), MomentumState(v)

    return Optimiser(
        lambda p: MomentumState(tm(jnp.zeros_like, p)),
        get,
        put,
        name=f"nesterov(lr={lr}, gamma={gamma})",
    )


def from_optax(tx: optax.GradientTransformation, *, name: str | None = None) -> Optimiser:
    r"""Any optax transformation as an optimiser lens:
    :math:`\mathrm{put}((p, s), g) = (p + u, s')` with :math:`(u, s') = \mathrm{tx.update}(g, s, p)`.

    >>> import optax
    >>> opt = from_optax(optax.sgd(0.5))
    >>> opt.put(jnp.ones(1), opt.init(jnp.ones(1)), jnp.ones(1))[0]
    Array([0.5], dtype=float32)
    """
    if not isinstance(tx, optax.GradientTransformation):
        raise errors.ArgumentTypeError(
            f"Expected an optax.GradientTransformation (e.g. optax.adam(1e-3)), got {tx!r}."
        )

    def put(p: Any, s: Any, g: Any) -> tuple[Any, Any]:
        updates, s2 = tx.update(g, s, p)
        return optax.apply_updates(p, updates), s2

    return Optimiser(tx.init, None, put, name=name or "optax")


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimiser:
    r"""Adam (Kingma, Ba) as a lens, wrapping ``optax.adam``: the state holds the step count
    :math:`t` and the moments :math:`m, v`; :math:`p' = p - \varepsilon \hat m / (\sqrt{\hat v} + \epsilon)`
    with bias corrections :math:`\hat m = m / (1 - \beta_1^t)`, :math:`\hat v = v / (1-\beta_2^t)`.

    >>> opt = adam(0.1)
    >>> s = opt.init(jnp.zeros(2))
    >>> p, s = opt.put(jnp.zeros(2), s, jnp.ones(2))
    >>> int(s[0].count), p
    (1, Array([-0.1, -0.1], dtype=float32))
    """
    check_positive("lr", lr)
    _check_fraction("b1", b1)
    _check_fraction("b2", b2)
    check_positive("eps", eps)
    return from_optax(optax.adam(lr, b1=b1, b2=b2, eps=eps), name=f"adam(lr={lr})")


def to_optax(opt: Optimiser) -> optax.GradientTransformation:
    r"""Export an optimiser lens as an ``optax.GradientTransformation``.

    Its ``update(grads, state, params)`` returns :math:`u = p' - p` so that
    ``optax.apply_updates(params, u)`` is the put. ``params`` must be passed (as for
    ``optax.adamw``). A look-ahead optimiser (:func:`nesterov`) is exported in look-ahead
    coordinates: optax sees :math:`\hat p = \mathrm{get}(p, s)`, and the state keeps
    :math:`(p, s)`.

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

    if not opt.lookahead:

        def init(params: Any) -> Any:
            return opt.init(params)

        def update(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
            if params is None:
                raise ParamsError(
                    f"{opt.name} exported to optax needs the parameters: call "
                    "tx.update(grads, state, params) with params, not None."
                )
            p2, s2 = opt.put(params, state, updates)
            return _tree_sub(p2, params), s2
    else:

        def init(params: Any) -> Any:
            return _LookaheadState(params, opt.init(params))

        def update(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
            p, s = state
            here = opt.get(p, s) if params is None else params
            p2, s2 = opt.put(p, s, updates)
            return _tree_sub(opt.get(p2, s2), here), _LookaheadState(p2, s2)

    return optax.GradientTransformation(init, update)
