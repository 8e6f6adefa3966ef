r"""Linear-Gaussian Markov kernels :math:`x \mapsto \mathcal N(Ax + b, \Sigma)`.

Between products of :class:`Euclid` wires (a multi-wire value is flattened, atom by atom, into one
vector), with :math:`\Sigma` positive **semi**-definite: deterministic affine maps are the
kernels with :math:`\Sigma = 0`. Composition is in closed form,

.. math:: (A_1, b_1, \Sigma_1) \gg (A_2, b_2, \Sigma_2)
          = (A_2 A_1,\; A_2 b_1 + b_2,\; A_2 \Sigma_1 A_2^\top + \Sigma_2),

``@`` is block-diagonal, copy is :math:`x \mapsto (x, x)` and discard the map to
:math:`\mathbb R^0`; together they form the Gaussian Markov category of Fritz,
*A synthetic approach to Markov kernels*, §6.

Axioms (doctests):

>>> import jax.numpy as jnp
>>> from catlearn.core.types import Euclid
>>> f = LinearGaussian([[1.0, 2.0]], [0.5], [[1.0]])
>>> g = LinearGaussian([[3.0]], cov=[[0.25]])
>>> (f >> LinearGaussian.id(Euclid(1))).allclose(f), (f >> g).cov
(True, Array([[9.25]], dtype=float32))
>>> (f >> LinearGaussian.discard(Euclid(1))).allclose(LinearGaussian.discard(Euclid(2)))
True
>>> c = LinearGaussian.copy(Euclid(1))
>>> (c >> LinearGaussian.swap(Euclid(1), Euclid(1))).allclose(c)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import as_array, is_concrete
from catlearn.core.types import Euclid, Ty
from catlearn.errors import CovarianceError, NonFiniteError, ShapeError, TypeMismatch
from catlearn.probability.kernels._checks import (
    _check_then,
    _flat,
    _size,
    _Structure,
    lookup,
    xp_for,
)
from catlearn.probability.kernels._linalg import sqrt_psd

__all__ = ["LinearGaussian"]


def _euclid_ty(t: Any) -> Ty:
    if t is None:
        return Ty()
    if isinstance(t, int | np.integer):
        return Euclid(int(t))
    if not isinstance(t, Ty):
        raise errors.ArgumentTypeError(
            f"Expected a wire type (Euclid(n), Ty(), ...) or an int n, got {t!r} instead; "
            "pass e.g. Euclid(2)."
        )
    for a in t.inside:
        if not isinstance(a, Euclid):
            raise TypeMismatch(
                f"Expected the wires of a LinearGaussian kernel to be Euclid atoms, got {t}. "
                f"Use Finite kernels for Fin wires."
            )
    return t


def _dim(t: Ty) -> int:
    return sum(_size(a) for a in t.inside)


def _arr(x: Any, shape: tuple[int, ...], what: str, owner: str) -> jax.Array:
    a = jnp.asarray(x)
    if not jnp.issubdtype(a.dtype, jnp.floating):
        a = a.astype(jnp.zeros(()).dtype)
    a = jnp.asarray(a, dtype=a.dtype)
    if tuple(a.shape) != shape:
        raise ShapeError(
            f"Expected the {what} of {owner} to have shape {shape}, got shape "
            f"{tuple(a.shape)} instead."
        )
    return a


def _unflat(ty: Ty, v: jax.Array) -> Any:
    out, i = [], 0
    for a in ty.inside:
        out.append(v[..., i : i + _size(a)].reshape(v.shape[:-1] + a.shape))
        i += _size(a)
    return ty.join(tuple(out)) if out else ()


def _c(a: np.ndarray) -> jax.Array:
    return jnp.asarray(a, dtype=jnp.zeros(()).dtype)


class LinearGaussian(_Structure, eqx.Module):
    r"""The kernel :math:`x \mapsto \mathcal N(Ax + b, \Sigma)` between Euclid wires.

    ``A`` has shape ``(m, n)`` (``m = dim cod``, ``n = dim dom``), ``b`` shape ``(m,)``
    (default 0), ``cov`` shape ``(m, m)`` symmetric positive semi-definite (default 0: a
    deterministic affine map). ``dom``/``cod`` default to ``Euclid(n)``/``Euclid(m)``.
    Covariances are validated when concrete: asymmetric or indefinite ones raise
    :class:`~catlearn.errors.CovarianceError`.

    >>> k = LinearGaussian([[2.0]], [1.0], [[0.5]])
    >>> k.mean(jnp.array([1.0]))
    Array([3.], dtype=float32)
    >>> LinearGaussian([[1.0]], cov=[[-1.0]])
    Traceback (most recent call last):
    ...
    catlearn.errors.CovarianceError: Expected the covariance of LinearGaussian(Euclid(1) -> Euclid(1)) to be symmetric positive semi-definite, got smallest eigenvalue -1 instead. ...
    """

    A: jax.Array
    b: jax.Array
    cov: jax.Array
    dom: Ty = eqx.field(static=True)
    cod: Ty = eqx.field(static=True)

    def __init__(
        self,
        A: Any,
        b: Any = None,
        cov: Any = None,
        *,
        dom: Any = None,
        cod: Any = None,
        validate: bool = True,
    ):
        A = as_array(A, "the matrix A of a LinearGaussian")
        if A.ndim != 2:
            raise ShapeError(f"Expected A to be a matrix (m, n), got shape {A.shape} instead.")
        m, n = A.shape
        dom = Euclid(n) if dom is None else _euclid_ty(dom)
        cod = Euclid(m) if cod is None else _euclid_ty(cod)
        owner = f"LinearGaussian({dom} -> {cod})"
        if (_dim(cod), _dim(dom)) != (m, n):
            raise ShapeError(
                f"Expected A of {owner} to have shape {(_dim(cod), _dim(dom))}, "
                f"got {A.shape} instead."
            )
        self.A = _arr(A, (m, n), "matrix A", owner)
        dt = self.A.dtype
        self.b = _arr(np.zeros(m, dt) if b is None else b, (m,), "offset b", owner)
        self.cov = _arr(np.zeros((m, m), dt) if cov is None else cov, (m, m), "covariance", owner)
        self.dom, self.cod = dom, cod
        if validate and is_concrete(self.A, self.b, self.cov):
            _validate(self)

    def __repr__(self) -> str:
        return f"LinearGaussian({self.dom} -> {self.cod})"

    # constructors ---------------------------------------------------------------------------
    @classmethod
    def state(cls, mean: Any, cov: Any = None, cod: Any = None) -> LinearGaussian:
        r"""The Gaussian state :math:`\mathcal N(\mu, \Sigma)` (a kernel from :class:`Ty() <Ty>`).

        >>> LinearGaussian.state([0.0, 1.0], jnp.eye(2)).cod
        Euclid(2)
        """
        mean = jnp.asarray(mean)
        m = mean.shape[0] if mean.ndim else 1
        return cls(
            np.zeros(
                (m, 0),
                mean.dtype if jnp.issubdtype(mean.dtype, jnp.floating) else jnp.zeros(()).dtype,
            ),
            mean.reshape(m),
            cov,
            dom=Ty(),
            cod=cod,
        )

    @classmethod
    def deterministic(
        cls, A: Any, b: Any = None, *, dom: Any = None, cod: Any = None
    ) -> LinearGaussian:
        """The affine map :math:`x \\mapsto Ax + b` (covariance 0).

        >>> LinearGaussian.deterministic([[1.0, 1.0]]).is_deterministic()
        True
        """
        return cls(A, b, None, dom=dom, cod=cod)

    # structure ------------------------------------------------------------------------------
    @classmethod
    def id(cls, ty: Any) -> LinearGaussian:
        """The identity, :math:`(I, 0, 0)`."""
        ty = _euclid_ty(ty)
        return cls(_c(np.eye(_dim(ty))), dom=ty, cod=ty, validate=False)

    @classmethod
    def copy(cls, ty: Any, n: int = 2) -> LinearGaussian:
        """:math:`x \\mapsto (x, \\dots, x)`, i.e. ``A`` = n stacked identities (n = 0: discard).

        >>> LinearGaussian.copy(Euclid(2)).A.shape
        (4, 2)
        """
        ty = _euclid_ty(ty)
        d = _dim(ty)
        return cls(
            _c(np.tile(np.eye(d), (n, 1)).reshape(n * d, d)), dom=ty, cod=ty**n, validate=False
        )

    @classmethod
    def discard(cls, ty: Any) -> LinearGaussian:
        """The unique kernel to the unit :class:`Ty() <Ty>` (``A`` has zero rows)."""
        return cls.copy(ty, 0)

    @classmethod
    def swap(cls, a: Any, b: Any) -> LinearGaussian:
        """The symmetry ``a @ b -> b @ a`` (a permutation matrix)."""
        a, b = _euclid_ty(a), _euclid_ty(b)
        da, db = _dim(a), _dim(b)
        perm = np.concatenate([np.arange(da, da + db), np.arange(da)]).astype(int)
        return cls(_c(np.eye(da + db)[perm]), dom=a @ b, cod=b @ a, validate=False)

    @classmethod
    def merge(cls, ty: Any, n: int = 2) -> LinearGaussian:
        """Addition of ``n`` copies of ``ty``: :math:`(x_1, \\dots, x_n) \\mapsto \\sum x_i`."""
        ty = _euclid_ty(ty)
        d = _dim(ty)
        return cls(_c(np.tile(np.eye(d), (1, n))), dom=ty**n, cod=ty, validate=False)

    def then(self, *others: LinearGaussian) -> LinearGaussian:
        """Closed-form composition :math:`(A_2A_1, A_2b_1 + b_2, A_2\\Sigma_1A_2^T + \\Sigma_2)`."""
        out = self
        for g in others:
            _check_then(out, g)
            xp = xp_for(out.A, out.b, out.cov, g.A, g.b, g.cov)
            A1, b1, S1, A2, b2, S2 = (
                xp.asarray(t) for t in (out.A, out.b, out.cov, g.A, g.b, g.cov)
            )
            cov = A2 @ S1 @ A2.T + S2
            dt = jnp.result_type(out.A, g.A)
            out = LinearGaussian(
                jnp.asarray(A2 @ A1, dt),
                jnp.asarray(A2 @ b1 + b2, dt),
                jnp.asarray(0.5 * (cov + cov.T), dt),
                dom=out.dom,
                cod=g.cod,
                validate=False,
            )
        return out

    def tensor(self, *others: LinearGaussian | Ty) -> LinearGaussian:
        """Independent product: block-diagonal ``A`` and ``cov``, stacked ``b``."""
        out = self
        for g in others:
            if isinstance(g, Ty):
                g = LinearGaussian.id(g)
            if not isinstance(g, LinearGaussian):
                raise TypeMismatch(
                    f"Expected a LinearGaussian kernel in {self!r} @ ..., got {g!r}."
                )
            blk: Callable[..., Any]
            cat: Callable[..., Any]
            if xp_for(out.A, out.cov, g.A, g.cov) is np:
                blk, cat = _np_block_diag, np.concatenate
            else:
                blk, cat = jax.scipy.linalg.block_diag, jnp.concatenate
            dt = jnp.result_type(out.A, g.A)
            out = LinearGaussian(
                jnp.asarray(blk(out.A, g.A), dt),
                jnp.asarray(cat([out.b, g.b]), dt),
                jnp.asarray(blk(out.cov, g.cov), dt),
                dom=out.dom @ g.dom,
                cod=out.cod @ g.cod,
                validate=False,
            )
        return out

    def marginal(self, *keep: int) -> LinearGaussian:
        """Keep the codomain wires ``keep`` (in that order): select rows and columns.

        >>> j = LinearGaussian.state([1.0, 2.0], [[1.0, 0.5], [0.5, 2.0]], Euclid(1) @ Euclid(1))
        >>> j.marginal(1).cov
        Array([[2.]], dtype=float32)
        """
        offs = np.cumsum([0] + [_size(a) for a in self.cod.inside])
        idx = np.concatenate(
            [np.arange(offs[i], offs[i + 1]) for i in keep] or [np.zeros(0, int)]
        ).astype(int)
        xp = xp_for(self.A, self.b, self.cov)
        A, b, S = (xp.asarray(t) for t in (self.A, self.b, self.cov))
        return LinearGaussian(
            jnp.asarray(A[idx], self.A.dtype),
            jnp.asarray(b[idx], self.b.dtype),
            jnp.asarray(S[np.ix_(idx, idx)], self.cov.dtype),
            dom=self.dom,
            cod=Ty(*(self.cod.inside[i] for i in keep)),
            validate=False,
        )

    # evaluation -----------------------------------------------------------------------------
    def mean(self, x: Any = ()) -> jax.Array:
        """The mean :math:`Ax + b` as one flat vector (``x`` a value of ``dom``)."""
        if not len(self.dom):
            return self.b
        xv = _flat(self.dom, x) @ self.A.T
        return xv + self.b.reshape((1,) * (xv.ndim - 1) + self.b.shape)

    def sample(self, key: jax.Array, n: int | None = None, *, x: Any = ()) -> Any:
        """Draws :math:`Ax + b + Lz`, :math:`LL^T = \\Sigma` (eigh, so singular Σ works).

        >>> import jax
        >>> LinearGaussian.state([1.0], [[0.0]]).sample(jax.random.key(0), 2)
        Array([[1.], [1.]], dtype=float32)
        """
        m = self.A.shape[0]
        L = sqrt_psd(self.cov)
        z = jax.random.normal(key, (() if n is None else (n,)) + (m,), dtype=self.b.dtype)
        mu = self.mean(x)
        noise = z @ L.T
        return _unflat(self.cod, noise + mu.reshape((1,) * (noise.ndim - mu.ndim) + mu.shape))

    def log_prob(self, y: Any, x: Any = ()) -> jax.Array:
        r"""Log-density of ``y`` given ``x``; for singular :math:`\Sigma` the density on the
        support :math:`\{\mu + \mathrm{range}\,\Sigma\}` (Lebesgue measure of its dimension),
        ``-inf`` off it.

        >>> LinearGaussian.state([0.0], [[1.0]]).log_prob(jnp.array([0.0]))
        Array(-0.9189385, dtype=float32)
        """
        yv, mu = _flat(self.cod, y), self.mean(x)
        if yv.ndim != mu.ndim:
            yv, mu = jnp.broadcast_arrays(yv, mu.reshape((1,) * (yv.ndim - mu.ndim) + mu.shape))
        r = yv - mu
        w, v = jnp.linalg.eigh(self.cov)
        scale = jnp.maximum(jnp.max(jnp.abs(w), initial=0.0), 1.0)
        eps = 1e-12 if w.dtype == jnp.float64 else 1e-5
        pos = w > eps * scale
        p = r @ v
        ws = jnp.where(pos, w, 1.0)
        pos = pos.reshape((1,) * (p.ndim - 1) + pos.shape)
        ws_b = ws.reshape(pos.shape)
        maha = jnp.sum(jnp.where(pos, p**2 / ws_b, 0.0), axis=-1)
        off = jnp.sum(jnp.where(pos, 0.0, p**2), axis=-1)
        rank = jnp.sum(pos)
        lp = -0.5 * (rank * math.log(2 * math.pi) + jnp.sum(jnp.log(ws)) + maha)
        return jnp.where(off > 1e3 * eps * (1.0 + jnp.sum(r**2, axis=-1)), -jnp.inf, lp)

    def is_deterministic(self, tol: float | None = None) -> bool:
        """True when :math:`\\Sigma = 0` (within ``tol``): then copy is natural for the kernel."""
        tol = (1e-9 if self.cov.dtype == jnp.float64 else 1e-5) if tol is None else tol
        return bool(np.all(np.abs(np.asarray(self.cov)) <= tol))

    def allclose(self, other: LinearGaussian, *, atol: float | None = None) -> bool:
        """Same types and ``A``, ``b``, ``cov`` equal within ``atol``."""
        if not isinstance(other, LinearGaussian) or (self.dom, self.cod) != (other.dom, other.cod):
            return False
        atol = (1e-9 if self.A.dtype == jnp.float64 else 1e-5) if atol is None else atol
        return all(
            np.allclose(np.asarray(p), np.asarray(q), atol=atol, rtol=0)
            for p, q in ((self.A, other.A), (self.b, other.b), (self.cov, other.cov))
        )

    # diagrams -------------------------------------------------------------------------------
    @classmethod
    def from_program(
        cls, program: Any, arrows: Mapping[Any, Any] | Callable[[Any], Any]
    ) -> LinearGaussian:
        """Evaluate a flat program by tracking a joint Gaussian over the slots.

        Every slot is affine in the program inputs plus correlated noise: a box
        :math:`(A, b, \\Sigma)` reading slots ``I`` writes ``A X_I + b + \\varepsilon``, whose
        covariance with earlier slots is :math:`A\\,\\mathrm{Cov}(X_I, \\cdot)`. :class:`Merge`
        boxes add.
        """
        dims = [_dim(_euclid_ty(Ty(t))) for t in program.slot_types]
        dom = Ty(*(program.slot_types[s] for s in program.inputs))
        cod = Ty(*(program.slot_types[s] for s in program.outputs))
        n = _dim(dom)
        pos: dict[int, np.ndarray] = {}
        off = 0
        for s in program.inputs:
            pos[s] = np.arange(off, off + dims[s])
            off += dims[s]
        arrows_ = []
        for ins in program.instructions:
            box = ins.box
            if type(box).__name__ == "Merge":
                arrows_.append(cls.merge(Ty(program.slot_types[ins.outs[0]]), len(ins.ins)))
            else:
                arrows_.append(lookup(arrows, box, LinearGaussian))
        xp = xp_for(*(t for a in arrows_ for t in (a.A, a.b, a.cov)))
        M, c, S = xp.eye(n), xp.zeros(n), xp.zeros((n, n))
        for ins, arrow in zip(program.instructions, arrows_):
            idx = (
                np.concatenate([pos[s] for s in ins.ins]).astype(int)
                if ins.ins
                else np.zeros(0, int)
            )
            A, b, C = xp.asarray(arrow.A), xp.asarray(arrow.b), xp.asarray(arrow.cov)
            Mo, co = A @ M[idx], A @ c[idx] + b
            cross = A @ S[idx]
            So = A @ S[np.ix_(idx, idx)] @ A.T + C
            M, c = xp.concatenate([M, Mo]), xp.concatenate([c, co])
            S = xp.block([[S, cross.T], [cross, So]])
            for s in ins.outs:
                pos[s] = np.arange(off, off + dims[s])
                off += dims[s]
        idx = (
            np.concatenate([pos[s] for s in program.outputs]).astype(int)
            if program.outputs
            else np.zeros(0, int)
        )
        cov = S[np.ix_(idx, idx)]
        dt = jnp.zeros(()).dtype if not arrows_ else jnp.result_type(*(a.A for a in arrows_))
        return cls(
            jnp.asarray(M[idx], dt),
            jnp.asarray(c[idx], dt),
            jnp.asarray(0.5 * (cov + cov.T), dt),
            dom=dom,
            cod=cod,
            validate=False,
        )


def _validate(k: LinearGaussian) -> None:
    for name, a in (("matrix A", k.A), ("offset b", k.b)):
        if not np.all(np.isfinite(np.asarray(a))):
            raise NonFiniteError(
                f"Expected the {name} of {k!r} to be finite, got NaN or inf entries. "
                f"Check the parameters that built it."
            )
    c = np.asarray(k.cov, dtype=np.float64)
    if not np.all(np.isfinite(c)):
        raise CovarianceError(f"Expected the covariance of {k!r} to be finite, got NaN or inf.")
    tol = 1e-9 if k.cov.dtype == jnp.float64 else 1e-5
    scale = max(1.0, float(np.abs(c).max(initial=0.0)))
    asym = float(np.abs(c - c.T).max(initial=0.0))
    if asym > tol * scale:
        raise CovarianceError(
            f"Expected the covariance of {k!r} to be symmetric, got max |cov - cov.T| = "
            f"{asym:.3g} instead. Symmetrise it, e.g. (cov + cov.T) / 2."
        )
    w = np.linalg.eigvalsh(c) if c.size else np.zeros(0)
    if w.size and w.min() < -100 * tol * scale:
        raise CovarianceError(
            f"Expected the covariance of {k!r} to be symmetric positive semi-definite, got "
            f"smallest eigenvalue {w.min():.6g} instead. Build it as L @ L.T, or clip negative "
            f"eigenvalues."
        )


def _np_block_diag(a: Any, b: Any) -> np.ndarray:
    """``[[a, 0], [0, b]]`` for two 2-D numpy arrays (``scipy.linalg.block_diag`` of two)."""
    a, b = np.asarray(a), np.asarray(b)
    out = np.zeros((a.shape[0] + b.shape[0], a.shape[1] + b.shape[1]), np.result_type(a, b))
    out[: a.shape[0], : a.shape[1]] = a
    out[a.shape[0] :, a.shape[1] :] = b
    return out
