"""Linear-algebra helpers shared by the kernels of :mod:`catlearn.probability` (private: the
area's modules import them from here, never from each other).

>>> import jax.numpy as jnp
>>> c = jnp.array([[2.0, 1.0], [1.0, 0.5]])       # singular PSD: a Cholesky factor fails
>>> root = sqrt_psd(c)
>>> bool(jnp.allclose(root @ root.T, c, atol=1e-5))
True
>>> symmetrise(jnp.array([[1.0, 2.0], [0.0, 1.0]]))
Array([[1., 1.],
       [1., 1.]], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["LOG2PI", "invert_table", "permute", "sqrt_psd", "symmetrise"]

#: :math:`\log 2\pi`, the constant of every Gaussian log-density.
LOG2PI = math.log(2 * math.pi)


def symmetrise(p: jax.Array) -> jax.Array:
    """:math:`(P + P^\\top)/2` of a matrix, or of each matrix in a stack ``(..., n, n)``."""
    return (p + jnp.swapaxes(p, -1, -2)) / 2


def sqrt_psd(c: jax.Array) -> jax.Array:
    """A square root ``L`` with ``L L^T = c`` of a symmetric PSD matrix (or of each matrix in a
    stack ``(..., n, n)``), valid for singular ``c``: ``V sqrt(max(w, 0))`` from ``eigh``
    (which symmetrises its input), not a Cholesky factor."""
    w, v = jnp.linalg.eigh(c)
    root: jax.Array = v * jnp.sqrt(jnp.clip(w, 0.0))[..., None, :]
    return root


def invert_table(f: jax.Array, pi: jax.Array) -> jax.Array:
    """f: (nx, ny) rows f(y|x), pi: (nx,) -> (ny, nx) rows f†(x|y); zero-evidence rows = pi."""
    joint = pi[:, None] * f
    ev = jnp.sum(joint, axis=0)
    safe = jnp.where(ev > 0, ev, 1.0)
    return jnp.where((ev > 0)[:, None], joint.T / safe[:, None], pi[None, :])


# Above this many axes (after merging the ones that move together), XLA:CPU's transpose takes
# seconds to minutes to compile (12 axes of size 3: ~45 s and GBs), so a gather is used instead.
_MAX_XLA_TRANSPOSE_AXES = 5


def permute(xp: Any, arr: Any, perm: list[int]) -> Any:
    """``transpose(arr, perm)``, safe for arrays with many small axes under XLA: runs of axes
    that stay adjacent are merged first, and a permutation of many axes is one flat gather."""
    perm = [int(p) for p in perm]
    if perm == list(range(len(perm))):
        return arr
    if xp is np:
        return np.transpose(arr, perm)
    shape = tuple(arr.shape)
    groups = [[perm[0]]]
    for p in perm[1:]:
        if p == groups[-1][-1] + 1:
            groups[-1].append(p)
        else:
            groups.append([p])
    order = sorted(range(len(groups)), key=lambda i: groups[i][0])  # groups in source order
    merged = tuple(int(np.prod([shape[a] for a in groups[i]], dtype=np.int64)) for i in order)
    gperm = [order.index(i) for i in range(len(groups))]
    out_shape = tuple(shape[p] for p in perm)
    x = jnp.reshape(arr, merged)
    if len(merged) <= _MAX_XLA_TRANSPOSE_AXES:
        return jnp.reshape(jnp.transpose(x, gperm), out_shape)
    itype = np.int32 if x.size < 2**31 else np.int64
    idx = np.arange(x.size, dtype=itype).reshape(merged).transpose(gperm).reshape(-1)
    return jnp.reshape(jnp.take(jnp.reshape(x, (-1,)), idx), out_shape)
