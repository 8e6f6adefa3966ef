r"""A learner as a dynamical system (Spivak, *Learners' languages*, 2021).

Spivak reads a learner :math:`(P, I, U, r) : A \to B` as a **Moore machine** (a coalgebra
of a polynomial functor): its state is the parameter :math:`p \in P`, its output in state
:math:`p` is the function :math:`I(p, -) : A \to B`, and its transition on an input pair
:math:`(a, b)` is :math:`p \mapsto U(p, a, b)`. Fed a stream :math:`(a_t, b_t)_t`, it runs

.. math::
   \hat b_t = I(p_t, a_t), \qquad p_{t+1} = U(p_t, a_t, b_t),

i.e. online learning: predict, then see the target, then update. :func:`run` is that
recursion as one epoch of the shared training loop (:mod:`catlearn.core.loop`: one
``jax.lax.scan``, so the whole stream is one XLA program);
:meth:`catlearn.core.learner.Learner.run` calls it. The equality with iterating ``update``
step by step is tested bit for bit (``tests/test_dynamics.py``).

>>> import jax, jax.numpy as jnp
>>> from catlearn.core.learner import gradient_learner
>>> from catlearn.core.para import Para
>>> from catlearn.core.types import Euclid
>>> L = gradient_learner(Para.linear(Euclid(1), Euclid(1), name="f", bias=False), lr=0.2)
>>> xs = jnp.ones((50, 1)); ys = 3.0 * xs  # a stream whose law is b = 3 a
>>> p, predictions = run(L, {"f": {"W": jnp.zeros((1, 1))}}, (xs, ys))
>>> round(float(p["f"]["W"][0, 0]), 4), predictions.shape
(3.0, (50, 1))
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from catlearn.core.loop import compile_epochs

__all__ = ["run", "step"]


def step(learner: Any, params: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """One transition of the Moore machine: ``(U(p, a, b), I(p, a))`` (next state, output).

    >>> from catlearn.core.learner import Learner
    >>> from catlearn.core.types import Euclid
    >>> import jax.numpy as jnp
    >>> step(Learner.id(Euclid(1)), {}, jnp.ones(1), jnp.zeros(1))
    ({}, Array([1.], dtype=float32))
    """
    return learner.update(params, a, b), learner.implement(params, a)


def run(learner: Any, params: Any, stream: tuple[Any, Any]) -> tuple[Any, Any]:
    r"""Run a learner on a stream ``(as, bs)`` (leading axis: time) by ``jax.lax.scan``.

    Returns the final parameters and the outputs :math:`\hat b_t = I(p_t, a_t)` made
    *before* each update (the online predictions).

    Parameters
    ----------
    learner:
        A :class:`~catlearn.core.learner.Learner` (anything with ``implement`` and ``update``).
    params:
        The initial state :math:`p_0`.
    stream:
        ``(as, bs)``: inputs and targets, each with a leading time axis.
    """

    def one(p: Any, state: Any, ab: Any, key: Any) -> tuple[Any, Any, Any]:
        a, b = jax.tree_util.tree_map(lambda v: v[0], ab)  # a batch of one pair
        p_next, out = step(learner, p, a, b)
        return p_next, state, out

    run = compile_epochs(one, batch_size=1, shuffle=False)  # one epoch, in order
    params, _, _, (outs, _) = run(
        params, (), jnp.array(True), jnp.zeros(1, jnp.int32), stream, None
    )
    return params, jax.tree_util.tree_map(lambda o: o[0], outs)
