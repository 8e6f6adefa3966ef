"""``checked(fn)``: the typed errors of catlearn's eager validation, under ``jit``/``vmap``.

catlearn validates its inputs eagerly (see the policy in :mod:`catlearn.errors`). Inside
``jax.jit`` or ``jax.vmap`` the values are tracers, so the checks that need a value (is this
symbol in range?) cannot run; there the library returns a documented non-finite value (an
out-of-range HMM symbol has probability 0, log-likelihood ``-inf``; a :class:`Finite` kernel
indexed out of range gives NaN), never a silently valid number. Its gathers are written so
that :mod:`jax.experimental.checkify` sees them, and :func:`checked` turns what checkify
finds into a :class:`~catlearn.errors.TracedCheckError` (a :exc:`SupportError`/``ValueError``).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import checkify

from catlearn import errors

__all__ = ["as_array", "as_key", "check_positive", "checked", "is_concrete"]


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


def as_array(x: Any, what: str, *, fix: str = "pass numbers (a list or an array)") -> jax.Array:
    """``jnp.asarray(x)``, with a :class:`~catlearn.errors.DataError` naming ``what`` when
    ``x`` is not numeric (``None``, strings, objects, ragged lists).

    >>> as_array([1.0, 2.0], "the weights").shape
    (2,)
    >>> as_array(None, "the weights")
    Traceback (most recent call last):
    catlearn.errors.DataError: Expected numbers for the weights, got NoneType (None); pass numbers (a list or an array).
    """
    if isinstance(x, jax.Array):
        return x
    if isinstance(x, str | bytes | list | tuple) and any(
        isinstance(e, str | bytes) for e in jax.tree_util.tree_leaves(x)
    ):  # before jnp.asarray, which warns (NumPy's 'a' alias) where it should refuse
        raise errors.DataError(f"Expected numbers for {what}, got strings ({x!r:.80}); {fix}.")
    try:
        with warnings.catch_warnings():  # a number too large for the dtype: an error, not inf
            warnings.filterwarnings("error", "overflow encountered", RuntimeWarning)
            a = jnp.asarray(x)
    except RuntimeWarning as e:
        raise errors.DataError(
            f"Expected numbers for {what} within the range of the default float dtype, got "
            f"{x!r:.80}, which overflows; rescale it or enable float64 (jax_enable_x64)."
        ) from e
    except (TypeError, ValueError, OverflowError) as e:
        raise errors.DataError(
            f"Expected numbers for {what}, got {type(x).__name__} ({x!r:.80}); {fix}."
        ) from e
    if a.dtype == object or (a.dtype.kind in "OUSV" and not jnp.issubdtype(a.dtype, jnp.floating)):
        raise errors.DataError(f"Expected numbers for {what}, got dtype {a.dtype}; {fix}.")
    return a


def as_key(key: Any, what: str = "key") -> jax.Array:
    """``key`` when it is a JAX PRNG key (a typed ``jax.random.key`` or a raw ``uint32``
    ``PRNGKey`` of shape ``(2,)``), else an :class:`~catlearn.errors.ArgumentTypeError`.

    >>> as_key(jax.random.key(0)).shape
    ()
    >>> as_key(2.5)
    Traceback (most recent call last):
    catlearn.errors.ArgumentTypeError: Expected a JAX PRNG key for key, got float (2.5); pass key=jax.random.key(0).
    """
    dtype = getattr(key, "dtype", None)
    if dtype is not None and hasattr(key, "shape"):
        if jnp.issubdtype(dtype, jax.dtypes.prng_key) and key.shape == ():
            return key  # type: ignore[no-any-return]
        if dtype == jnp.uint32 and tuple(key.shape) == (2,):
            return jnp.asarray(key)
    raise errors.ArgumentTypeError(
        f"Expected a JAX PRNG key for {what}, got {type(key).__name__} ({key!r:.80}); pass "
        f"{what}=jax.random.key(0)."
    )


def is_concrete(*xs: Any) -> bool:
    """True when no leaf of ``xs`` is a JAX tracer: the values can be validated eagerly (the one
    "is it concrete?" test of the library; under ``jit``/``grad``/``vmap`` it is False).

    >>> seen = []
    >>> _ = jax.jit(lambda x: seen.append(is_concrete(x)) or x)(1.0)
    >>> is_concrete(jnp.ones(2), {"a": 1.0}), seen
    (True, [False])
    """
    return not any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(xs))


def check_positive(
    x: Any,
    what: str,
    *,
    allow_zero: bool = False,
    scalar: bool = False,
    fix: str = "pass a positive number",
) -> None:
    """Raise :class:`~catlearn.errors.HyperparameterError` unless every entry of ``x`` is a
    finite number > 0 (>= 0 with ``allow_zero``); with ``scalar``, unless ``x`` is one number
    (a hyperparameter such as a learning rate or an exponent). Traced values (inside ``jit``)
    are let through.

    >>> check_positive(float("nan"), "the hyperparameter lr")
    Traceback (most recent call last):
    ...
    catlearn.errors.HyperparameterError: Expected the hyperparameter lr to be a finite number > 0, got nan instead; pass a positive number.
    """
    if not is_concrete(x):
        return
    try:
        v = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise errors.HyperparameterError(
            f"Expected {what} to be a number, got {x!r:.80} instead; {fix}."
        ) from None
    if scalar and v.size != 1:
        raise errors.HyperparameterError(
            f"Expected {what} to be one number, got an array of shape {v.shape} instead; {fix}."
        )
    ok = v >= 0 if allow_zero else v > 0
    if not (np.all(np.isfinite(v)) and np.all(ok)):
        bound = ">= 0" if allow_zero else "> 0"
        raise errors.HyperparameterError(
            f"Expected {what} to be a finite number {bound}, got {v.tolist()} instead; {fix}."
        )
