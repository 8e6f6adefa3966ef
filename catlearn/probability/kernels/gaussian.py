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
from functools import partial
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from catlearn import errors
from catlearn.core.category import PytreeArrow, flatten
from catlearn.core.checked import as_array, is_concrete
from catlearn.core.para import WireValue
from catlearn.core.program import Program
from catlearn.core.types import Euclid, Ty
from catlearn.errors import (
    CovarianceError,
    NonFiniteError,
    ShapeError,
    TypeMismatch,
)
from catlearn.probability.kernels._checks import _flat, _size, check_on_support, lookup, xp_for
from catlearn.probability.kernels._linalg import sqrt_psd, symmetrise

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


class LinearGaussian(PytreeArrow):
    r"""The kernel :math:`x \mapsto \mathcal N(Ax + b, \Sigma)` between Euclid wires.

    ``A`` has shape ``(m, n)`` (``m = dim cod``, ``n = dim dom``), ``b`` shape ``(m,)``
    (default 0), ``cov`` shape ``(m, m)`` symmetric positive semi-definite (default 0: a
    deterministic affine map). ``dom``/``cod`` default to ``Euclid(n)``/``Euclid(m)``.
    Covariances are validated when concrete: asymmetric or indefinite ones raise
    :class:`~catlearn.errors.CovarianceError`.

    Linear-Gaussian kernels compose through the one engine of :mod:`catlearn.core.category`:
    ``>>`` and ``@`` build a composite in O(1); ``id``, ``swap``, ``copy`` and ``discard`` are
    wiring. A composite's ``(A, b, cov)`` is folded in closed form from its flat program when
    first read (then kept, unless traced), one box at a time over the wires still live; a batch
    of composites (leaves with leading batch axes, as ``jax.vmap`` returns them) folds each.

    >>> LinearGaussian.id(Euclid(2)).A
    Array([[1., 0.],
           [0., 1.]], dtype=float32)
    >>> LinearGaussian.copy(Euclid(2)).A.shape, LinearGaussian.discard(1).A.shape
    ((4, 2), (0, 1))

    >>> k = LinearGaussian([[2.0]], [1.0], [[0.5]])
    >>> k.mean(jnp.array([1.0]))
    Array([3.], dtype=float32)
    >>> LinearGaussian([[1.0]], cov=[[-1.0]])
    Traceback (most recent call last):
    ...
    catlearn.errors.CovarianceError: Expected the covariance of LinearGaussian(Euclid(1) -> Euclid(1)) to be symmetric positive semi-definite, got smallest eigenvalue -1 instead. ...
    """

    _params: Any  # a box: its (A, b, cov); a composite: one triple per box (BoxParams)
    _data = "_params"

    def __init__(
        self,
        A: ArrayLike,
        b: ArrayLike | None = None,
        cov: ArrayLike | None = None,
        *,
        dom: Ty | int | None = None,
        cod: Ty | int | None = None,
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
        A = _arr(A, (m, n), "matrix A", owner)
        dt = A.dtype
        b = _arr(np.zeros(m, dt) if b is None else b, (m,), "offset b", owner)
        cov = _arr(np.zeros((m, m), dt) if cov is None else cov, (m, m), "covariance", owner)
        self._params, self.dom, self.cod, self._node = (A, b, cov), dom, cod, None
        if validate and is_concrete(A, b, cov):
            _validate(self)

    def __repr__(self) -> str:
        return f"LinearGaussian({self.dom} -> {self.cod})"

    @property
    def A(self) -> jax.Array:
        """The matrix :math:`A`, shape ``(dim cod, dim dom)``."""
        return self._triple()[0]

    @property
    def b(self) -> jax.Array:
        """The offset :math:`b`, shape ``(dim cod,)``."""
        return self._triple()[1]

    @property
    def cov(self) -> jax.Array:
        """The covariance :math:`\\Sigma`, shape ``(dim cod, dim cod)``."""
        return self._triple()[2]

    def _triple(self) -> tuple[jax.Array, jax.Array, jax.Array]:
        if self._node is None:
            triple: tuple[jax.Array, jax.Array, jax.Array] = self._params
            return triple
        folded = self.__dict__.get("_folded")
        if folded is None:
            prog, params = flatten(self), list(self._params)
            fold = partial(_fold, prog)
            # a batch of composites (e.g. returned by jax.vmap): fold each, vmapped
            for _ in range(params[0][0].ndim - 2 if params else 0):
                fold = jax.vmap(fold)
            folded = fold(params)
            if is_concrete(folded):
                object.__setattr__(self, "_folded", folded)
        return cast("tuple[jax.Array, jax.Array, jax.Array]", folded)

    def evaluate(self) -> LinearGaussian:
        """This kernel as one box holding its ``(A, b, cov)`` (a composite's fold, computed
        now): for a loop or a scan whose carry must keep one pytree structure.

        >>> f = LinearGaussian([[2.0]], cov=[[1.0]])
        >>> (f >> f).evaluate().cov
        Array([[5.]], dtype=float32)
        """
        if self._node is None:
            return self
        return LinearGaussian(*self._triple(), dom=self.dom, cod=self.cod, validate=False)

    # constructors ---------------------------------------------------------------------------
    @classmethod
    def state(
        cls,
        mean: ArrayLike,
        cov: ArrayLike | None = None,
        cod: Ty | int | None = None,
        *,
        validate: bool = True,
    ) -> LinearGaussian:
        r"""The Gaussian state :math:`\mathcal N(\mu, \Sigma)` (a kernel from :class:`Ty() <Ty>`).

        ``validate=False`` skips the constructor's checks (as for the constructor: for a mean
        and covariance already known to be a state's, e.g. a posterior computed here).

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
            validate=validate,
        )

    @classmethod
    def deterministic(
        cls,
        A: ArrayLike,
        b: ArrayLike | None = None,
        *,
        dom: Ty | int | None = None,
        cod: Ty | int | None = None,
    ) -> LinearGaussian:
        """The affine map :math:`x \\mapsto Ax + b` (covariance 0).

        >>> LinearGaussian.deterministic([[1.0, 1.0]]).is_deterministic()
        True
        """
        return cls(A, b, None, dom=dom, cod=cod)

    # structure: wiring, and addition ----------------------------------------------------------
    @classmethod
    def _coerce(cls, ty: Any) -> Ty:
        return _euclid_ty(ty)

    @classmethod
    def merge(cls, ty: Ty | int | None, n: int = 2) -> LinearGaussian:
        """Addition of ``n`` copies of ``ty``: :math:`(x_1, \\dots, x_n) \\mapsto \\sum x_i`."""
        ty = _euclid_ty(ty)
        d = _dim(ty)
        return cls(_c(np.tile(np.eye(d), (1, n))), dom=ty**n, cod=ty, validate=False)

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
    def mean(self, x: WireValue = ()) -> jax.Array:
        """The mean :math:`Ax + b` as one flat vector (``x`` a value of ``dom``)."""
        if not len(self.dom):
            return self.b
        xv = _flat(self.dom, x) @ self.A.T
        return xv + self.b.reshape((1,) * (xv.ndim - 1) + self.b.shape)

    def sample(self, key: jax.Array, n: int | None = None, *, x: WireValue = ()) -> Any:
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

    def log_prob(self, y: WireValue, x: WireValue = ()) -> jax.Array:
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

    # Bayesian inversion and conditioning ------------------------------------------------------
    def invert(self, prior: LinearGaussian) -> LinearGaussian:
        r"""The Bayesian inverse :math:`f^\dagger_\pi : Y \to X` of this kernel
        :math:`x \mapsto N(Ax + b, \Sigma)` at the Gaussian state ``prior`` :math:`N(m, P)`:
        :math:`y \mapsto N(m + K(y - Am - b),\, P - KAP)` with
        :math:`K = PA^T (APA^T + \Sigma)^+` (Cho–Jacobs; the pseudo-inverse makes singular
        covariances work).

        >>> f = LinearGaussian([[1.0]], cov=[[1.0]])          # y = x + noise
        >>> f.invert(LinearGaussian.state([0.0], [[1.0]])).A   # the gain K = 1/2
        Array([[0.5]], dtype=float32)
        """
        if not isinstance(prior, LinearGaussian) or len(prior.dom) or prior.cod != self.dom:
            raise TypeMismatch(
                f"Expected a LinearGaussian state on the domain {self.dom} of {self!r} to "
                f"invert at, got {prior!r} instead."
            )
        return _invert(self, prior)

    def condition(self, observation: Mapping[int, Any]) -> LinearGaussian:
        r"""The posterior state of the unobserved output wires of this joint Gaussian state
        given exact values ``observation`` (output wire index -> value): the (generalised)
        Schur complement. Raises :class:`~catlearn.errors.ZeroEvidenceError` when the values
        lie off the support (a singular covariance; concrete values).

        >>> joint = LinearGaussian.state([0.0, 0.0], [[1.0, 0.5], [0.5, 1.0]], Euclid(1) @ Euclid(1))
        >>> joint.condition({1: jnp.array([2.0])}).b        # 0.5 * 2
        Array([1.], dtype=float32)
        """
        if len(self.dom):
            raise TypeMismatch(
                f"Expected a joint state (a kernel from Ty()) to condition, got {self!r}; "
                "compose a prior in front (prior >> kernel), or invert the kernel at a prior."
            )
        return _condition(self, dict(observation))

    # diagrams -------------------------------------------------------------------------------
    @classmethod
    def from_program(
        cls, program: Program, arrows: Mapping[Any, Any] | Callable[[Any], Any]
    ) -> LinearGaussian:
        """ONE composite running a flat program with the kernel ``arrows[box]`` (keyed by the
        box or its name) for each box; :class:`Merge` boxes add. Its ``(A, b, cov)`` is the
        closed-form fold of the program (class docstring).

        >>> from catlearn.diagrams.diagram import Box
        >>> from catlearn.diagrams.compiler import to_program
        >>> f = Box("f", Euclid(1), Euclid(1))
        >>> k = LinearGaussian.from_program(to_program(f >> f), {"f": LinearGaussian([[2.0]])})
        >>> k.A
        Array([[4.]], dtype=float32)
        """
        look: dict[Any, LinearGaussian] = {}
        for ins in program.instructions:
            box = ins.box
            if type(box).__name__ == "Merge":
                look[box] = cls.merge(Ty(program.slot_types[ins.outs[0]]), len(ins.ins))
            else:
                look[box] = lookup(arrows, box, LinearGaussian)
        return super().from_program(program, look)


def _fold(program: Program, params: list[Any]) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``(A, b, cov)`` of a flat program whose box ``i`` is the kernel ``params[i]``: the live
    wires are tracked as one joint Gaussian affine in the inputs, :math:`X = Mx + c + \\varepsilon`
    with :math:`\\mathrm{Cov}(\\varepsilon) = S`; a box :math:`(A, b, \\Sigma)` reading wires
    ``I`` appends :math:`A X_I + b` with covariance :math:`A S_{II} A^T + \\Sigma` and cross
    covariance :math:`A S_{I\\cdot}`, and wires read by no later box (nor returned) are
    dropped, so a chain costs O(1) per box. A plain chain (each box reads exactly the wires the
    previous one wrote) folds pairwise, :math:`(A_2A_1, A_2b_1 + b_2, A_2\\Sigma_1A_2^T + \\Sigma_2)`:
    the same numbers, and a smaller program under ``jit``."""
    xp: Any = np if is_concrete(params) else jnp  # numpy: no XLA dispatch per box
    steps = program.instructions
    reads = [program.inputs] + [ins.outs for ins in steps]
    if (
        steps
        and program.outputs == steps[-1].outs
        and all(ins.ins == reads[i] for i, ins in enumerate(steps))
    ):
        A, b, S = (xp.asarray(t) for t in params[0])
        for p in params[1:]:
            A2, b2, S2 = (xp.asarray(t) for t in p)
            A, b, S = A2 @ A, A2 @ b + b2, A2 @ S @ A2.T + S2
        dt = jnp.result_type(*(p[0] for p in params))
        return jnp.asarray(A, dt), jnp.asarray(b, dt), jnp.asarray(0.5 * (S + S.T), dt)
    dims = [_size(a) for a in program.slot_types]
    n = sum(dims[s] for s in program.inputs)
    last = {s: len(program.instructions) for s in program.outputs}
    for i, ins in enumerate(program.instructions):
        for s in ins.ins:
            last[s] = max(last.get(s, -1), i)
    live: list[int] = []  # the live slots, in the order of their rows in M, c, S
    off: dict[int, int] = {}
    M, c, S = xp.eye(n), xp.zeros(n), xp.zeros((n, n))
    for s in program.inputs:
        off[s] = sum(dims[t] for t in live)
        live.append(s)

    def rows(slots: Any) -> np.ndarray:
        parts = [np.arange(off[s], off[s] + dims[s]) for s in slots]
        return np.concatenate(parts).astype(int) if parts else np.zeros(0, int)

    for i, ins in enumerate(program.instructions):
        A, b, C = (xp.asarray(t) for t in params[i])
        idx = rows(ins.ins)
        cross = A @ S[idx]
        M = xp.concatenate([M, A @ M[idx]])
        c = xp.concatenate([c, A @ c[idx] + b])
        S = xp.block([[S, cross.T], [cross, A @ S[np.ix_(idx, idx)] @ A.T + C]])
        for s in ins.outs:
            off[s] = M.shape[0] - sum(dims[t] for t in ins.outs[ins.outs.index(s) :])
            live.append(s)
        dead = [s for s in live if last.get(s, -1) <= i]
        if dead:
            keep = [s for s in live if last.get(s, -1) > i]
            idx = rows(keep)
            M, c, S = M[idx], c[idx], S[np.ix_(idx, idx)]
            live, pos = keep, 0
            for s in keep:
                off[s], pos = pos, pos + dims[s]
    idx = rows(program.outputs)
    cov = S[np.ix_(idx, idx)]
    dt = jnp.result_type(*(p[0] for p in params)) if params else jnp.zeros(()).dtype
    return (
        jnp.asarray(M[idx], dt),
        jnp.asarray(c[idx], dt),
        jnp.asarray(0.5 * (cov + cov.T), dt),
    )


# --- Bayesian inversion and conditioning (generalised Schur complement) ---------------------


def _invert(kernel: LinearGaussian, prior: LinearGaussian) -> LinearGaussian:
    """The inverse kernel y ↦ N(m + K(y − Am − b), P − KAP)."""
    m, P, A, b = prior.b, prior.cov, kernel.A, kernel.b
    S = symmetrise(A @ P @ A.T + kernel.cov)
    K = P @ A.T @ jnp.linalg.pinv(S, hermitian=True)
    return LinearGaussian(
        K,
        m - K @ (A @ m + b),
        symmetrise(P - K @ A @ P),
        dom=kernel.cod,
        cod=kernel.dom,
        validate=False,
    )


def _condition(joint: LinearGaussian, obs: dict[int, Any]) -> LinearGaussian:
    """Condition a Gaussian joint state on exact values of some wires (Schur complement)."""
    atoms = joint.cod.inside
    offs: np.ndarray = np.cumsum([0] + [int(np.prod(a.shape)) for a in atoms])
    o_idx, r_idx, vals = [], [], []
    for i, a in enumerate(atoms):
        rng = np.arange(offs[i], offs[i + 1])
        if i in obs:
            v = jnp.asarray(obs[i], dtype=joint.b.dtype)
            if tuple(v.shape) != a.shape:
                raise ShapeError(
                    f"Expected the observation on wire {i} ({a}) to have shape {a.shape}, got "
                    f"shape {tuple(v.shape)} instead; pass one value (no batch axis)."
                )
            o_idx.append(rng)
            vals.append(v.reshape(-1))
        else:
            r_idx.append(rng)
    o = np.concatenate(o_idx).astype(int) if o_idx else np.zeros(0, int)
    r = np.concatenate(r_idx).astype(int) if r_idx else np.zeros(0, int)
    y = jnp.concatenate(vals) if vals else jnp.zeros(0, joint.b.dtype)
    mu, C = joint.b, joint.cov
    # x_r ~ N(mu_r, C_rr) and y = x_o | x_r is the linear-Gaussian "kernel" of the joint:
    # same formula as inversion with A = I on the observed block, written with cross terms.
    S = C[np.ix_(o, o)]
    Sp = jnp.linalg.pinv(S, hermitian=True)
    K = C[np.ix_(r, o)] @ Sp
    d = y - mu[o]
    off = d - S @ (Sp @ d)
    scale = 1.0 + jnp.sqrt(jnp.sum(d**2)) + jnp.max(jnp.abs(S), initial=0.0)
    check_on_support(jnp.sqrt(jnp.sum(off**2)) / scale, f"the observation {obs}")
    mean = mu[r] + K @ d
    cov = symmetrise(C[np.ix_(r, r)] - K @ C[np.ix_(o, r)])
    rest = Ty(*(a for i, a in enumerate(atoms) if i not in obs))
    return LinearGaussian.state(mean, cov, rest, validate=False)


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
