r"""Reasoning in a Markov category, on finite kernels: disintegration, almost-sure equality,
conditional independence (Cho, Jacobs, *Disintegration and Bayesian inversion via string
diagrams*; Fritz, *A synthetic approach to Markov kernels*).

* **Disintegration** of a joint state :math:`\omega` on :math:`X \otimes Y` is a marginal
  :math:`\omega_X` and a kernel :math:`c : X \to Y` with

  .. math:: \omega = \omega_X \gg \langle \mathrm{id}, c \rangle,
     \qquad \langle \mathrm{id}, c\rangle = \mathrm{copy}_X \gg (\mathrm{id}_X \otimes c),

  i.e. :math:`\omega(x, y) = \omega_X(x)\, c(y \mid x)` (:func:`disintegrate`, :func:`graph`).
  :math:`c` is unique only :math:`\omega_X`-almost surely: at an :math:`x` of marginal zero
  any row works, and this module's convention is the marginal :math:`\omega_Y` (as the
  inverse's zero-evidence rows are the prior in :func:`~catlearn.probability.inference.bayes.invert`).
* **Almost-sure equality** :math:`f =_\pi g` of kernels :math:`X \to Y` at a state
  :math:`\pi` on :math:`X` holds when :math:`\pi \gg \langle \mathrm{id}, f\rangle =
  \pi \gg \langle \mathrm{id}, g\rangle`, i.e. the rows agree wherever :math:`\pi(x) > 0`
  (:func:`almost_surely_equal`).
* **Conditional independence** :math:`X \perp Y \mid Z` in a joint :math:`\omega` holds when
  :math:`\omega_{XYZ}` disintegrates as :math:`\omega_Z \gg \langle c_X, \mathrm{id}, c_Y
  \rangle`, i.e. :math:`\omega(x, y, z)\,\omega(z) = \omega(x, z)\,\omega(y, z)` for every
  :math:`x, y, z` (:func:`conditionally_independent`; the product form needs no division, so
  zero-probability :math:`z` are handled exactly).

Each predicate computes in numpy on concrete arrays and returns a Python ``bool``.

>>> joint = Finite.state([[0.3, 0.1], [0.2, 0.4]])       # omega(x, y)
>>> marginal, kernel = disintegrate(joint, 0)
>>> (marginal >> graph(kernel)).allclose(joint)
True
>>> conditionally_independent(Finite.state([[0.06, 0.14], [0.24, 0.56]]), 0, 1)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from catlearn.core.types import Ty
from catlearn.errors import ArgumentTypeError, ArgumentValueError, SupportError, TypeMismatch
from catlearn.probability.kernels._checks import concrete
from catlearn.probability.kernels.markov import Finite

__all__ = ["almost_surely_equal", "conditionally_independent", "disintegrate", "graph"]


def _finite(k: Any, what: str) -> Finite:
    if not isinstance(k, Finite):
        raise ArgumentTypeError(
            f"Expected a Finite kernel as {what}, got {k!r}; build one with Finite(array, dom, "
            "cod) or Finite.state(probs)."
        )
    return k


def _numpy(k: Finite, what: str) -> np.ndarray:
    v = concrete(k.array)
    if v is None:
        raise ArgumentValueError(
            f"Expected concrete probabilities for {what}, got traced ones; these predicates "
            "answer True/False, so call them outside jit (on the kernel's values)."
        )
    return v.astype(np.result_type(v.dtype, np.float32))


def _state(joint: Any, what: str = "the joint") -> Finite:
    state = _finite(joint, what)
    if len(state.dom):
        raise TypeMismatch(
            f"Expected {what} to be a state (a kernel from Ty()), got {state!r}; compose a "
            "prior first, e.g. prior >> graph(kernel)."
        )
    return state


def _wires(spec: int | Sequence[int], n: int, what: str) -> tuple[int, ...]:
    if isinstance(spec, int | np.integer):
        idx: tuple[Any, ...] = (spec,)
    elif isinstance(spec, Sequence) and not isinstance(spec, str):
        idx = tuple(spec)
    else:
        raise ArgumentTypeError(
            f"Expected {what} as a codomain wire index or a list of them, got {spec!r:.60}."
        )
    for i in idx:
        if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < n:
            raise SupportError(
                f"Expected {what} as codomain wire indices in range({n}), got {spec!r}; name the "
                "wires by their position in the joint's codomain."
            )
    if len(set(idx)) != len(idx):
        raise ArgumentValueError(f"Expected distinct wires for {what}, got {spec!r}.")
    return tuple(int(i) for i in idx)


def _default_atol(arr: np.ndarray, atol: float | None) -> float:
    return (1e-12 if arr.dtype == np.float64 else 1e-6) if atol is None else float(atol)


def graph(kernel: Finite) -> Finite:
    r"""The graph :math:`\langle \mathrm{id}, c\rangle = \mathrm{copy}_X \gg (\mathrm{id}_X
    \otimes c) : X \to X \otimes Y` of a kernel: keep the input, draw the output beside it.

    >>> graph(Finite([[0.9, 0.1], [0.2, 0.8]], 2, 2)).cod
    Fin(2) @ Fin(2)
    """
    kernel = _finite(kernel, "the kernel")
    out: Finite = Finite.copy(kernel.dom) >> (Finite.id(kernel.dom) @ kernel)
    return out


def disintegrate(joint: Finite, *given: int) -> tuple[Finite, Finite]:
    r"""Split a joint state into the marginal of the ``given`` wires and the conditional of the
    rest: :math:`\omega = \omega_X \gg \langle \mathrm{id}, c\rangle` with
    :math:`c(y \mid x) = \omega(x, y) / \omega_X(x)`.

    ``given`` are codomain wire indices of ``joint`` (the :math:`X`); the other wires, in their
    order, are :math:`Y`. ``marginal >> graph(kernel)`` is ``joint.marginal(*given, *rest)``
    (the joint itself when ``given`` are its leading wires). Rows at an :math:`x` of marginal
    zero are the marginal :math:`\omega_Y` (the kernel is unique only almost surely).

    >>> joint = Finite.state([[0.5, 0.0], [0.0, 0.5]])
    >>> marginal, kernel = disintegrate(joint, 0)
    >>> marginal.array.tolist(), kernel.array.tolist()
    ([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]])
    """
    joint = _state(joint)
    n = len(joint.cod)
    xs = _wires(given, n, "the given wires")
    ys = tuple(i for i in range(n) if i not in xs)
    if not xs or not ys:
        raise ArgumentValueError(
            f"Expected to condition on some but not all of the {n} wires, got given={given!r}; "
            "name the wires of X, e.g. disintegrate(joint, 0)."
        )
    arr = _numpy(joint.marginal(*xs, *ys), "the joint")
    X, Y = Ty(*(joint.cod.inside[i] for i in xs)), Ty(*(joint.cod.inside[i] for i in ys))
    sx, sy = arr.shape[: len(xs)], arr.shape[len(xs) :]
    m = arr.reshape(int(np.prod(sx)), int(np.prod(sy)))
    px, py = m.sum(axis=1), m.sum(axis=0)
    safe = np.where(px > 0, px, 1.0)
    cond = np.where((px > 0)[:, None], m / safe[:, None], py[None, :])
    dt = joint.array.dtype
    marginal = Finite(jnp.asarray(px.reshape(sx), dt), Ty(), X, validate=False)
    kernel = Finite(jnp.asarray(cond.reshape(sx + sy), dt), X, Y)
    return marginal, kernel


def almost_surely_equal(f: Finite, g: Finite, prior: Finite, *, atol: float | None = None) -> bool:
    r""":math:`f =_\pi g`: the rows of ``f`` and ``g`` agree (within ``atol``) at every input of
    positive prior probability; equivalently :math:`\pi \gg \langle \mathrm{id}, f\rangle =
    \pi \gg \langle \mathrm{id}, g\rangle` (Cho–Jacobs). ``atol`` defaults to 1e-12 in float64
    (1e-6 otherwise).

    >>> f = Finite([[1.0, 0.0], [0.5, 0.5]], 2, 2)
    >>> g = Finite([[1.0, 0.0], [0.0, 1.0]], 2, 2)
    >>> almost_surely_equal(f, g, Finite.state([1.0, 0.0])), almost_surely_equal(
    ...     f, g, Finite.state([0.5, 0.5]))
    (True, False)
    """
    f, g, prior = _finite(f, "f"), _finite(g, "g"), _state(prior, "the prior")
    if f.dom != g.dom or f.cod != g.cod:
        raise TypeMismatch(
            f"Expected two kernels between the same types, got {f!r} and {g!r}; compare kernels "
            "with equal dom and cod."
        )
    if prior.cod != f.dom:
        raise TypeMismatch(
            f"Expected a prior on {f.dom} (the kernels' domain), got a state on {prior.cod}."
        )
    p = _numpy(prior, "the prior").reshape(-1)
    a = _numpy(f, "f").reshape(p.size, -1)
    b = _numpy(g, "g").reshape(p.size, -1)
    tol = _default_atol(a, atol)
    return bool(np.all(np.abs(a - b)[p > 0] <= tol))


def conditionally_independent(
    joint: Finite,
    x: int | Sequence[int],
    y: int | Sequence[int],
    *,
    given: int | Sequence[int] = (),
    atol: float | None = None,
) -> bool:
    r""":math:`X \perp Y \mid Z` in a joint state: :math:`\omega(x, y, z)\,\omega(z) =
    \omega(x, z)\,\omega(y, z)` for every value (within ``atol``; default 1e-12 in float64,
    1e-6 otherwise). ``x``, ``y``, ``given`` are disjoint codomain wire indices (or lists of
    them); the other wires are marginalised out; ``given=()`` asks plain independence.

    >>> # Z a fair coin; X and Y copies of Z through independent noisy channels
    >>> z = Finite.state([0.5, 0.5]); c = Finite([[0.9, 0.1], [0.2, 0.8]], 2, 2)
    >>> xyz = z >> Finite.copy(z.cod, 3) >> (c @ c @ Finite.id(z.cod))
    >>> conditionally_independent(xyz, 0, 1, given=2), conditionally_independent(xyz, 0, 1)
    (True, False)
    """
    joint = _state(joint)
    n = len(joint.cod)
    xs, ys, zs = (
        _wires(x, n, "x"),
        _wires(y, n, "y"),
        _wires(given, n, "given"),
    )
    if not xs or not ys:
        raise ArgumentValueError(f"Expected at least one wire in x and in y, got x={x!r}, y={y!r}.")
    if set(xs) & set(ys) or set(xs) & set(zs) or set(ys) & set(zs):
        raise ArgumentValueError(
            f"Expected disjoint wires for x, y and given, got x={x!r}, y={y!r}, "
            f"given={given!r}; a wire may be in one of them only."
        )
    arr = _numpy(joint.marginal(*xs, *ys, *zs), "the joint")
    nx = int(np.prod(arr.shape[: len(xs)]))
    ny = int(np.prod(arr.shape[len(xs) : len(xs) + len(ys)]))
    m = arr.reshape(nx, ny, -1)
    pz, pxz, pyz = m.sum(axis=(0, 1)), m.sum(axis=1), m.sum(axis=0)
    gap = np.abs(m * pz[None, None, :] - pxz[:, None, :] * pyz[None, :, :])
    return bool(np.all(gap <= _default_atol(arr, atol)))
