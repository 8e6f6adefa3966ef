"""Linear-algebra helpers shared by the Gaussian code of :mod:`catlearn.probability` (private:
the area's modules import them from here, never from each other).

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

import jax
import jax.numpy as jnp

__all__ = ["LOG2PI", "sqrt_psd", "symmetrise"]

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
