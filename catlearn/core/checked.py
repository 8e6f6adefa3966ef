"""``checked(fn)``: the typed errors of catlearn's eager validation, under ``jit``/``vmap``.

catlearn validates its inputs eagerly (see the policy in :mod:`catlearn.errors`). Inside
``jax.jit`` or ``jax.vmap`` the values are tracers, so the checks that need a value (is this
symbol in range?) cannot run; there the library returns a documented non-finite value (an
out-of-range HMM symbol has probability 0, log-likelihood ``-inf``; a ``Finite`` kernel
indexed out of range gives NaN), never a silently valid number. Its gathers are written so
that :mod:`jax.experimental.checkify` sees them, and :func:`checked` turns what checkify
finds into a :class:`~catlearn.errors.TracedCheckError` (a ``SupportError``/``ValueError``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
from jax.experimental import checkify

from catlearn import errors

__all__ = ["checked"]


def checked(fn: Callable[..., Any], *, jit: bool = True) -> Callable[..., Any]:
    r"""``fn`` with its traced checks made into typed errors (``jax.experimental.checkify``).

    The wrapped function runs ``checkify.checkify(fn)`` (out-of-bounds indexing and
    ``checkify.check`` calls; jitted unless ``jit=False``) and, when a check failed, raises
    :class:`~catlearn.errors.TracedCheckError` with checkify's message (which names the
    array, the index and the axis); otherwise it returns ``fn``'s result. Call it outside
    ``jit``: ``checked(jax.vmap(f))`` works, ``jax.jit(checked(f))`` does not (a Python
    ``raise`` needs a concrete value).

    >>> import jax, jax.numpy as jnp
    >>> probs = jnp.array([0.2, 0.3, 0.5])
    >>> def prob(i):  # the library's pattern: out of range -> NaN, and checkify sees it
    ...     return probs.at[i].get(mode="fill", fill_value=jnp.nan, wrap_negative_indices=False)
    >>> jax.jit(prob)(jnp.array([0, 7]))
    Array([0.2, nan], dtype=float32)
    >>> checked(prob)(jnp.array([0, 2]))
    Array([0.2, 0.5], dtype=float32)
    >>> checked(prob)(jnp.array([0, 7]))
    Traceback (most recent call last):
    catlearn.errors.TracedCheckError: A check failed under jit/vmap: out-of-bounds indexing ...
    """
    if not callable(fn):
        raise errors.ArgumentTypeError(
            f"Expected a function to check, got {fn!r}; pass e.g. checked(lambda x: f(model, x))."
        )
    run = checkify.checkify(fn, errors=checkify.index_checks | checkify.user_checks)
    if jit:
        run = jax.jit(run)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        err, out = run(*args, **kwargs)
        msg = err.get()
        if msg is not None:
            raise errors.TracedCheckError(
                f"A check failed under jit/vmap: {msg.strip()} Expected every index inside its "
                "wire (symbols, states, labels in range); fix the input, or call the function "
                "eagerly (without jit/vmap) for an error naming the offending value."
            )
        return out

    return wrapper
