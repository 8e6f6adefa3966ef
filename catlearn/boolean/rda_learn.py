r"""Learning Boolean circuits by reverse derivative ascent (Wilson, Zanasi, ACT 2020).

A **model** is a circuit :math:`f : P \otimes A \to B` (``dom = Bool(p) @ Bool(a)``,
``cod = Bool(b)``) whose first wire carries the parameters. On an example :math:`(x, y)`,
reverse derivative ascent (RDA) updates

.. math::
   p' = p \oplus R[f]_P\big((p, x),\ f(p, x) \oplus y\big),

the gradient-descent rule of a reverse derivative category read in :math:`\mathbb{Z}_2`
(:meth:`catlearn.boolean.rdc.ReverseDerivativeCategory.update`). The paper visits the training
examples once, in order, from :math:`p = 0` (:func:`rda_trace`); :func:`rda_fit` runs several
epochs fused in one ``lax.scan``, with a switchable progress bar.

The paper's model for Iris is the **lookup-table layer** (:func:`lut_layer`): each output bit
is a full truth table of the inputs, :math:`f(p, x)_j = p_{x, j}`, here built from gates
(decoder of minterms, AND with the table, XOR-sum), so its reverse derivative is the
compositional one: :math:`R[f]_P(p, x, dy)` flips exactly the table entries of row :math:`x`
where :math:`dy = 1`. :func:`affine_layer` is the :math:`\mathbb{Z}_2`-affine dense layer
:math:`y = Wx \oplus c`.

>>> import jax.numpy as jnp
>>> model = lut_layer(2, 1)                       # learn XOR of two bits from its table
>>> xs = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]], "uint8")
>>> ys = jnp.array([[0], [1], [1], [0]], "uint8")
>>> trace = rda_trace(model, jnp.zeros(4, "uint8"), xs, ys)
>>> trace[-1]
Array([0, 1, 1, 0], dtype=uint8)
>>> rda_accuracy(model, trace[-1], xs, ys)
1.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
import numpy.typing as npt
from jax.typing import ArrayLike

from catlearn import errors
from catlearn.boolean.rda import Circuit, CircuitBuilder, check_value
from catlearn.boolean.rdc import ReverseDerivativeCategory
from catlearn.core.loop import ArrayTree, compile_epochs, run_epochs
from catlearn.core.types import Bool
from catlearn.errors import DataError, HyperparameterError, ShapeError, TypeMismatch

__all__ = [
    "Boolean",
    "affine_layer",
    "binarize",
    "bits_binary",
    "bits_one_hot",
    "lut_layer",
    "rda_accuracy",
    "rda_fit",
    "rda_step",
    "rda_trace",
]


class Boolean(ReverseDerivativeCategory[Circuit]):
    r"""Boolean circuits as a reverse derivative category: addition is XOR, :math:`-a = a`.

    The update rule becomes reverse derivative ascent (Wilson, Zanasi):
    :math:`p' = p \oplus R[f]_P((p, x), f(p, x) \oplus y)`.

    >>> import jax.numpy as jnp
    >>> model = Circuit.xor(1)                 # f(p, x) = p XOR x
    >>> one, zero = jnp.ones(1, "uint8"), jnp.zeros(1, "uint8")
    >>> Boolean().update(model, zero, one, zero)  # learns p = 1, since 1 XOR 1 = 0
    Array([1], dtype=uint8)
    """

    name = "boolean"

    def apply(self, f: Circuit, x: ArrayTree) -> ArrayTree:
        """``f(x)``."""
        return cast(ArrayTree, f.apply(x))

    def reverse(self, f: Circuit, x: ArrayTree, dy: ArrayTree) -> ArrayTree:
        """:math:`R[f](x, dy)`, from :meth:`~catlearn.boolean.rda.Circuit.reverse_derivative`."""
        return cast(ArrayTree, f.reverse(x, dy))

    def add(self, a: ArrayTree, b: ArrayTree) -> ArrayTree:
        """XOR."""
        return cast(ArrayTree, jax.tree_util.tree_map(lambda u, v: jnp.bitwise_xor(u, v), a, b))

    def neg(self, a: ArrayTree) -> ArrayTree:
        """In Z_2, ``-a = a``."""
        return a

    def scale(self, lr: float, a: ArrayTree) -> ArrayTree:
        """Only the step size 1 exists in Z_2."""
        if lr != 1:
            raise HyperparameterError(
                f"Expected the step size 1 for Boolean reverse derivative ascent (Z_2 has no "
                f"other non-zero scalar), got lr={lr!r}. Call update(..., lr=1)."
            )
        return a


# --- models ------------------------------------------------------------------------------------

MAX_DENSE_BITS = 2**25
"""The largest 0/1 wiring matrix (entries) that :func:`lut_layer` and :func:`affine_layer`
build (32 MiB; their copies and XOR-sums are dense :meth:`Circuit.linear` matrices)."""


def _check_sizes(what: str, a: Any, b: Any) -> None:
    for name, v in (("a", a), ("b", b)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise errors.ArgumentTypeError(
                f"Expected an int for {name} in {what}(a, b), got {type(v).__name__} ({v!r:.40}); "
                "pass bit counts, e.g. (4, 3)."
            )
    if a < 1 or b < 1:
        raise ShapeError(f"Expected a >= 1 inputs and b >= 1 outputs, got a={a}, b={b}.")


def _check_budget(what: str, a: int, b: int, entries: int, formula: str) -> None:
    if entries > MAX_DENSE_BITS:
        raise errors.MemoryBudgetError(
            f"{what}({a}, {b}) would build a dense wiring matrix of {formula} = {entries} "
            f"entries, over the limit MAX_DENSE_BITS = {MAX_DENSE_BITS} "
            f"(catlearn.boolean.rda_learn). Expected a smaller layer; compose narrower layers "
            "(e.g. several lut_layer(4, b) side by side with @) instead."
        )


def lut_layer(a: int, b: int) -> Circuit:
    r"""The lookup-table layer ``Bool(b * 2**a) @ Bool(a) -> Bool(b)``: :math:`f(p, x)_j = p_{x,j}`.

    Row :math:`x` of the table (``x`` read as a binary number, first bit most significant)
    holds the ``b`` output bits at ``p[x*b : x*b + b]``. As a circuit:
    :math:`f(p, x)_j = \bigoplus_k p_{k,j} \wedge m_k(x)` with the minterms
    :math:`m_k(x) = \bigwedge_i (x_i \text{ or } 1 \oplus x_i)`. This is the paper's Iris model
    (the evaluation of a truth table; Wilson, Zanasi, and their experiment code).

    >>> import jax.numpy as jnp
    >>> table = jnp.array([0, 1, 1, 1], "uint8")       # OR
    >>> lut_layer(2, 1)((table, jnp.array([1, 0], "uint8")))
    Array([1], dtype=uint8)
    """
    _check_sizes("lut_layer", a, b)
    if a > 16:
        raise ShapeError(f"Expected 1 <= a <= 16 input bits and b >= 1 outputs, got a={a}, b={b}.")
    rows = 2**a
    budget = rows * max(a, b) * max(rows, b)
    _check_budget("lut_layer", a, b, budget, "2**a * max(a, b) * max(2**a, b)")
    P, A = Bool(b * rows), Bool(a)
    bld = CircuitBuilder()
    p, x = bld.fresh(P @ A)
    bits = (np.arange(rows)[:, None] >> np.arange(a)[::-1]) & 1  # bits[k, i]
    lits = bld.inline(Circuit.select(a, [i for _ in range(rows) for i in range(a)]), [x])
    mask = Circuit.const((1 - bits).reshape(-1).astype(np.uint8))
    lits = bld.gate(Circuit.xor(a * rows).instructions[0][0], lits + bld.inline(mask, []))
    minterm = bld.inline(Circuit.select(a * rows, [k * a for k in range(rows)]), lits)
    for i in range(1, a):
        col = bld.inline(Circuit.select(a * rows, [k * a + i for k in range(rows)]), lits)
        minterm = bld.gate(Circuit.and_(rows).instructions[0][0], minterm + col)
    spread = bld.inline(Circuit.select(rows, [k for k in range(rows) for _ in range(b)]), minterm)
    hits = bld.gate(Circuit.and_(rows * b).instructions[0][0], [p, *spread])
    group = np.zeros((b, rows * b), np.uint8)
    for j in range(b):
        group[j, j::b] = 1
    y = bld.inline(Circuit.linear(group), hits)
    return bld.build(P @ A, Bool(b), [p, x], y)


def affine_layer(a: int, b: int) -> Circuit:
    r"""The affine dense layer over :math:`\mathbb{Z}_2`, ``Bool(a*b + b) @ Bool(a) -> Bool(b)``.

    :math:`y_j = \bigoplus_i W_{j,i} x_i \oplus c_j` with ``W = p[:a*b]`` (row-major) and
    ``c = p[a*b:]``: copies, ANDs and XORs.

    >>> import jax.numpy as jnp
    >>> p = jnp.array([1, 1, 0], "uint8")             # W = [1, 1], c = 0: y = x0 XOR x1
    >>> affine_layer(2, 1)((p, jnp.array([1, 1], "uint8")))
    Array([0], dtype=uint8)
    """
    _check_sizes("affine_layer", a, b)
    _check_budget("affine_layer", a, b, (a * b) * (a * b + b), "(a*b) * (a*b + b)")
    P, A = Bool(a * b + b), Bool(a)
    bld = CircuitBuilder()
    p, x = bld.fresh(P @ A)
    w = bld.inline(Circuit.select(a * b + b, range(a * b)), [p])
    c = bld.inline(Circuit.select(a * b + b, range(a * b, a * b + b)), [p])
    xs = bld.inline(Circuit.select(a, [i for _ in range(b) for i in range(a)]), [x])
    hits = bld.gate(Circuit.and_(a * b).instructions[0][0], w + xs)
    group = np.kron(np.eye(b, dtype=np.uint8), np.ones((1, a), np.uint8))
    s = bld.inline(Circuit.linear(group), hits)
    y = bld.gate(Circuit.xor(b).instructions[0][0], s + c)
    return bld.build(P @ A, Bool(b), [p, x], y)


# --- learning ----------------------------------------------------------------------------------


def _model_types(model: Any) -> tuple[int, int, int]:
    if not isinstance(model, Circuit):
        raise errors.ArgumentTypeError(
            f"Expected a Circuit model f : Bool(p) @ Bool(a) -> Bool(b), got {model!r}; build one with Circuit.linear/xor/and_ and >>, @."
        )
    if len(model.dom) != 2 or len(model.cod) != 1:
        raise TypeMismatch(
            f"Expected a model Bool(p) @ Bool(a) -> Bool(b) (parameters first), got "
            f"{model.dom} -> {model.cod}. Concatenate wires with Circuit.concat / Circuit.split."
        )
    return model.dom[0].size, model.dom[1].size, model.cod[0].size  # type: ignore[attr-defined]


def rda_step(model: Circuit) -> Callable[[ArrayLike, ArrayLike, ArrayLike], jax.Array]:
    r"""The jitted RDA step ``(p, x, y) -> p XOR R[f]_P((p, x), f(p, x) XOR y)``.

    >>> import jax.numpy as jnp
    >>> step = rda_step(lut_layer(1, 1))
    >>> step(jnp.zeros(2, "uint8"), jnp.array([1], "uint8"), jnp.array([1], "uint8"))
    Array([0, 1], dtype=uint8)
    """
    _model_types(model)
    return jax.jit(_step_fn(model))


def _step_fn(model: Circuit) -> Callable[[ArrayLike, ArrayLike, ArrayLike], jax.Array]:
    rd = model.reverse_derivative()

    def step(p: Any, x: Any, y: Any) -> Any:
        (y_hat,) = model.run(p, x)
        dp, _ = rd.run(p, x, y_hat ^ y)
        return p ^ dp

    return step


def _check_data(
    model: Circuit, params: npt.ArrayLike, xs: npt.ArrayLike, ys: npt.ArrayLike
) -> tuple[jax.Array, jax.Array, jax.Array]:
    P, A, B = _model_types(model)
    p = check_value(Bool(P), params, 0, "parameters")
    x = check_value(Bool(A), xs, 1, "inputs")
    y = check_value(Bool(B), ys, 1, "targets")
    if x[0].shape[0] != y[0].shape[0]:
        raise DataError(
            f"Expected as many targets as inputs, got {y[0].shape[0]} targets for "
            f"{x[0].shape[0]} inputs."
        )
    if x[0].shape[0] == 0:
        raise DataError("Expected at least one training example, got an empty data set.")
    return p[0], x[0], y[0]


def rda_trace(
    model: Circuit, params: npt.ArrayLike, xs: npt.ArrayLike, ys: npt.ArrayLike
) -> jax.Array:
    """The paper's RDA: one pass over the examples in order; all parameters, shape ``(N+1, p)``.

    ``trace[0] = params`` and ``trace[i+1]`` is the update of ``trace[i]`` on example ``i``
    (Haskell's ``scanl``; one ``lax.scan`` under ``jit``). See the module docstring.

    >>> import jax.numpy as jnp
    >>> xs = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]], "uint8")
    >>> ys = xs[:, :1] | xs[:, 1:]                              # OR
    >>> trace = rda_trace(lut_layer(2, 1), jnp.zeros(4, "uint8"), xs, ys)
    >>> trace.shape, trace[-1]                                  # the learned truth table
    ((5, 4), Array([0, 1, 1, 1], dtype=uint8))
    """
    p, x, y = _check_data(model, params, xs, ys)
    return cast(jax.Array, _cached(model, "trace", _trace_fn)(p, x, y))


def _cached(model: Circuit, name: str, make: Any) -> Any:
    """A jitted function derived from ``model``, made once per circuit (jit caches shapes)."""
    fn = model._cache.get(name)
    if fn is None:
        fn = model._cache[name] = make(model)
    return fn


def _trace_fn(model: Circuit) -> Any:
    step = _step_fn(model)

    @jax.jit
    def run(p: Any, x: Any, y: Any) -> Any:
        def body(p: Any, xy: Any) -> Any:
            q = step(p, *xy)
            return q, q

        _, ps = jax.lax.scan(body, p, (x, y))
        return jnp.concatenate([p[None], ps])

    return run


def _accuracy_fn(model: Circuit) -> Any:
    def acc(p: Any, x: Any, y: Any) -> Any:
        (y_hat,) = jax.vmap(lambda v: model.run(p, v))(x)
        return jnp.sum(jnp.all(y_hat == y, axis=-1))

    return acc


def rda_accuracy(
    model: Circuit, params: npt.ArrayLike, xs: npt.ArrayLike, ys: npt.ArrayLike
) -> float:
    """The fraction of examples whose predicted bits all equal the target bits.

    >>> import jax.numpy as jnp
    >>> xs = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]], "uint8")
    >>> ys = xs[:, :1] | xs[:, 1:]                              # OR
    >>> rda_accuracy(lut_layer(2, 1), jnp.zeros(4, "uint8"), xs, ys)   # constant 0: 1 of 4
    0.25
    >>> rda_accuracy(lut_layer(2, 1), jnp.array([0, 1, 1, 1], "uint8"), xs, ys)
    1.0
    """
    p, x, y = _check_data(model, params, xs, ys)
    n: int = x.shape[0]
    return int(_cached(model, "correct", lambda m: jax.jit(_accuracy_fn(m)))(p, x, y)) / n


def rda_fit(
    model: Circuit,
    params: npt.ArrayLike,
    xs: npt.ArrayLike,
    ys: npt.ArrayLike,
    *,
    epochs: int = 1,
    key: jax.Array | None = None,
    progress: bool = True,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Train by RDA for ``epochs`` passes; returns ``(params, history)``.

    Each epoch visits every example once, in order (or in a fresh random order per epoch when
    a PRNG ``key`` is given, drawn as in :mod:`catlearn.core.loop`, the loop this runs in)
    with the per-example update of :func:`rda_step`. All epochs run fused in one jitted
    ``lax.scan``; with ``progress=True`` a tqdm bar advances per epoch
    (one compiled epoch, called ``epochs`` times; the results are the same).
    ``history["accuracy"][e]`` is the training accuracy after epoch ``e``.

    >>> import jax.numpy as jnp
    >>> xs = jnp.array([[0, 0], [0, 1], [1, 0], [1, 1]], "uint8")
    >>> ys = xs[:, :1] & xs[:, 1:]                              # AND
    >>> p, hist = rda_fit(lut_layer(2, 1), jnp.zeros(4, "uint8"), xs, ys, epochs=2,
    ...                   progress=False)
    >>> p, hist["accuracy"].tolist()
    (Array([0, 0, 0, 1], dtype=uint8), [1.0, 1.0])
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise HyperparameterError(f"Expected epochs to be a positive int, got {epochs!r}.")
    p, x, y = _check_data(model, params, xs, ys)
    shuffle = key is not None
    run = _cached(model, f"fit-{shuffle}", lambda m: _fit_fn(m, shuffle))
    out = run_epochs(
        run,
        p,
        (),
        (x, y),
        epochs=epochs,
        key=key,
        extra=(x, y),
        epochs_per_call=1 if progress else epochs,
        progress=progress,
        desc="RDA",
    )
    return out.params, {"accuracy": jnp.asarray(out.ends)}


def _fit_fn(model: Circuit, shuffle: bool) -> Any:
    """The epochs of :func:`rda_fit` in the shared loop (:mod:`catlearn.core.loop`): one
    example per step, the training accuracy at the end of each epoch."""
    step, acc = _step_fn(model), _accuracy_fn(model)

    def one(p: Any, state: Any, xy: Any, key: Any) -> tuple[Any, Any, None]:
        x, y = xy
        return step(p, x[0], y[0]), state, None

    def end(p: Any, key: Any, xy: Any) -> Any:
        x, y = xy
        return acc(p, x, y) / jnp.float32(x.shape[0])

    return compile_epochs(one, batch_size=1, shuffle=shuffle, end=end)


# --- encodings ---------------------------------------------------------------------------------


def _numbers(x: Any, dtype: Any, what: str) -> np.ndarray:
    try:
        raw = np.asarray(x)
        if dtype is int and raw.dtype.kind in "fc":  # no silent truncation of 2.5 or NaN
            if not (np.all(np.isfinite(raw)) and np.all(raw == np.round(raw.real))):
                raise DataError(
                    f"Expected integers for {what}, got non-integer or non-finite values "
                    f"({raw.reshape(-1)[:4].tolist()}); pass class indices 0, 1, 2, ..."
                )
        return np.asarray(x, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as e:
        if isinstance(e, DataError):
            raise
        raise DataError(
            f"Expected numbers for {what}, got {type(x).__name__} ({x!r:.60}); pass a list or "
            "an array of numbers."
        ) from e


def binarize(X: npt.ArrayLike, threshold: float = 0.5) -> np.ndarray:
    r"""The paper's encoding of real features as bits: min–max normalise each column, then
    :math:`b = [\,(x - \min) / (\max - \min) > t\,]`. A constant column gives 0s.

    >>> binarize([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]]).tolist()
    [[0, 0], [0, 0], [1, 0]]
    """
    X = _numbers(X, float, "the features X")
    if X.ndim != 2:
        raise ShapeError(f"Expected a 2-d array (examples, features), got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise DataError("Expected finite features to binarise, got NaN or infinite values.")
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return cast(np.ndarray, (((X - lo) / span) > threshold).astype(np.uint8))


def bits_binary(labels: npt.ArrayLike, n_bits: int) -> np.ndarray:
    """Class ``c`` as its ``n_bits``-bit binary code, least significant bit first.

    >>> bits_binary([0, 1, 2], 2).tolist()
    [[0, 0], [1, 0], [0, 1]]
    """
    errors.expect_type(n_bits, int, "n_bits", "pass a bit count, e.g. 2")
    if isinstance(n_bits, bool) or not 1 <= n_bits <= 62:
        raise errors.ArgumentValueError(
            f"Expected 1 <= n_bits <= 62 (labels are int64), got n_bits={n_bits!r}; pass the "
            "number of bits of the largest class, e.g. 2 for 4 classes."
        )
    c = _numbers(labels, int, "the labels")
    if c.ndim != 1:
        raise ShapeError(f"Expected a 1-d array of labels, got shape {c.shape}; pass e.g. [0, 2].")
    if np.any(c < 0) or np.any(c >= 2**n_bits):
        raise DataError(
            f"Expected labels in [0, {2**n_bits}) for {n_bits} bits, got {c.min()}..{c.max()}."
        )
    return ((c[:, None] >> np.arange(n_bits)) & 1).astype(np.uint8)


def bits_one_hot(labels: npt.ArrayLike, k: int) -> np.ndarray:
    """Class ``c`` as the ``k``-bit one-hot code.

    >>> bits_one_hot([0, 2], 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    errors.expect_type(k, int, "k", "pass a number of classes, e.g. 3")
    if isinstance(k, bool) or k < 1:
        raise errors.ArgumentValueError(f"Expected k >= 1 classes, got k={k!r}; pass e.g. 3.")
    c = _numbers(labels, int, "the labels")
    if c.ndim != 1:
        raise ShapeError(f"Expected a 1-d array of labels, got shape {c.shape}; pass e.g. [0, 2].")
    if c.size * k > MAX_DENSE_BITS:
        raise errors.MemoryBudgetError(
            f"bits_one_hot would build a {c.size} x {k} table ({c.size * k} bits), over the "
            f"limit MAX_DENSE_BITS = {MAX_DENSE_BITS} (catlearn.boolean.rda_learn). Expected "
            "fewer classes; use bits_binary(labels, n_bits) for a compact code."
        )
    if np.any(c < 0) or np.any(c >= k):
        raise DataError(f"Expected labels in [0, {k}), got {c.min()}..{c.max()}.")
    out = np.zeros((c.size, k), np.uint8)
    out[np.arange(c.size), c] = 1
    return out
