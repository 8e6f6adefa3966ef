r"""Gaussian-process regression as Bayesian inversion (Culbertson, Sturtz, *Bayesian machine
learning via category theory*).

A Gaussian process with covariance function :math:`k` gives, on any finite set of points
:math:`x = (x_{\mathrm{train}}, x_{\mathrm{test}})`, a Gaussian **state**
:math:`\pi = N(0, K(x, x))` (a :class:`~catlearn.probability.kernels.gaussian.LinearGaussian` kernel
from :class:`Ty() <Ty>`). Noisy observation of the training values is the linear-Gaussian kernel

.. math:: o : f \mapsto N\big([I_n\; 0]\, f,\; \sigma^2 I_n\big),

and the GP posterior is **the Bayesian inverse** :math:`o^\dagger_\pi` evaluated at the data
:math:`y` (:func:`~catlearn.probability.inference.bayes.invert`), marginalised to the test points. Its
mean and covariance are those of Rasmussen & Williams (2006), Algorithm 2.1, and the evidence
:math:`(\pi \gg o)(y)` is the log marginal likelihood
:math:`-\tfrac12 y^\top (K + \sigma^2 I)^{-1} y - \tfrac12 \log|K + \sigma^2 I| - \tfrac n2
\log 2\pi`. :meth:`GaussianProcess.predict` and
:meth:`GaussianProcess.log_marginal_likelihood` compute the same numbers by Algorithm 2.1
(``method="cholesky"``, the default: :math:`O(n^3/3 + n^2 m)`); ``method="inversion"`` runs
the categorical construction itself (an :math:`O((n+m)^3)` inversion of the joint state),
kept selectable because it *is* the definition the law tests check Algorithm 2.1 against.

**Numerical policy.** The Cholesky factor is that of :math:`K + \sigma^2 I`. When that
fails in the working precision (repeated inputs with a small ``noise`` in float32: the
matrix is PSD only up to rounding), it is taken once more with the **jitter**
:math:`\delta = n\,\varepsilon\,\overline{\operatorname{diag} K}` added to the diagonal
(:math:`\varepsilon` the dtype's machine epsilon: the size of the rounding error of an
:math:`n \times n` Gram matrix, Higham's bound for Cholesky to succeed; ``1.8e-4`` at
:math:`n = 1500`, unit variance in float32, ``3e-13`` in float64). No jitter is added when
none is needed (every result in float64 with a reasonable noise is exact Algorithm 2.1); if
the jittered factor fails too, :class:`~catlearn.errors.NotPSDError`. Predictive variances
:math:`k_{**} - v^\top v` are clipped at 0: a negative value there is rounding (the exact
one is :math:`\ge 0`), and 0 is the documented floor.

Kernels are functions ``k(x1, x2) -> (n1, n2)`` Gram matrices (``x`` of shape ``(n, d)`` or
``(n,)``), equinox modules whose hyperparameters are leaves, and they add and multiply.

>>> import jax.numpy as jnp
>>> gp = GaussianProcess(RBF(1.0, 0.5), noise=0.1)
>>> x = jnp.linspace(0.0, 1.0, 5)
>>> post = gp.posterior(x, jnp.sin(6 * x), jnp.array([0.5]))    # a LinearGaussian state
>>> bool(abs(post.b[0] - jnp.sin(3.0)) < 0.1)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike

from catlearn import errors
from catlearn.core.checked import as_array
from catlearn.core.loop import gradient_steps
from catlearn.core.optim import Optimiser, as_optax
from catlearn.core.types import Euclid, Ty
from catlearn.errors import HyperparameterError, NonFiniteError, NotPSDError, ShapeError
from catlearn.probability.inference.bayes import invert
from catlearn.probability.kernels._checks import check_finite, check_positive, concrete
from catlearn.probability.kernels._linalg import LOG2PI
from catlearn.probability.kernels.gaussian import LinearGaussian

__all__ = [
    "RBF",
    "FunctionKernel",
    "GaussianProcess",
    "Kernel",
    "Matern32",
    "Matern52",
    "Periodic",
    "Product",
    "Stationary",
    "Sum",
    "fit_gp",
]


def _points(x: Any) -> jax.Array:
    pts = as_array(x, "the GP inputs", fix="pass an array of shape (n,) or (n, d)")
    if not jnp.issubdtype(pts.dtype, jnp.floating):
        pts = pts.astype(jnp.zeros(()).dtype)
    if pts.ndim == 1:
        return pts[:, None]
    if pts.ndim != 2:
        raise ShapeError(
            f"Expected GP inputs of shape (n,) or (n, d), got shape {tuple(pts.shape)} instead."
        )
    return pts


def _dist(x1: jax.Array, x2: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Squared and plain Euclidean distances, with a gradient-safe square root at 0."""
    d2 = jnp.sum((x1[:, None, :] - x2[None, :, :]) ** 2, axis=-1)
    pos = d2 > 0
    return d2, jnp.where(pos, jnp.sqrt(jnp.where(pos, d2, 1.0)), 0.0)


def _pos(v: Any, what: str) -> jax.Array:
    check_positive(v, what, scalar=True)  # every hyperparameter is one number
    a = jnp.asarray(v)
    return a if jnp.issubdtype(a.dtype, jnp.floating) else a.astype(jnp.zeros(()).dtype)


def _set_scales(kernel: Kernel, **values: Any) -> None:
    """Set a kernel's hyperparameters (``variance=``, ``lengthscale=``, ...), each checked to be
    one positive number, the error naming the kernel and the hyperparameter."""
    for name, v in values.items():
        setattr(kernel, name, _pos(v, f"the {type(kernel).__name__} {name}"))


class Kernel(eqx.Module):
    r"""A covariance function :math:`k(x, x')`; ``k(x1, x2)`` is the Gram matrix.

    Subclasses implement ``gram`` on ``(n, d)`` arrays. ``k1 + k2`` and ``k1 * k2`` are
    kernels (:class:`Sum`, :class:`Product`): sums and products of PSD kernels are PSD.

    >>> k = RBF(2.0, 1.0) + Periodic(1.0, 1.0, 0.5)
    >>> k(jnp.zeros(1), jnp.zeros(1)).tolist()
    [[3.0]]
    """

    def gram(self, x1: jax.Array, x2: jax.Array) -> jax.Array:  # pragma: no cover - abstract
        raise errors.UnsupportedError("Subclasses define this method.")

    def __call__(self, x1: ArrayLike, x2: ArrayLike) -> jax.Array:
        return self.gram(_points(x1), _points(x2))

    def __add__(self, other: Kernel) -> Kernel:
        return Sum(self, other)

    def __mul__(self, other: Kernel) -> Kernel:
        return Product(self, other)


class Stationary(Kernel):
    r"""A stationary kernel :math:`k(x, x') = s^2 \rho(r / \ell)` of the distance
    :math:`r = \lVert x - x' \rVert`, with ``variance`` :math:`s^2` and ``lengthscale``
    :math:`\ell` (each one positive number); subclasses give the correlation profile
    :math:`\rho` as ``correlation(a)`` of the scaled distance :math:`a = r / \ell`.

    >>> Matern32(2.0, 0.5).variance.tolist(), isinstance(RBF(), Stationary)
    (2.0, True)
    """

    variance: jax.Array
    lengthscale: jax.Array

    def __init__(self, variance: ArrayLike = 1.0, lengthscale: ArrayLike = 1.0):
        _set_scales(self, variance=variance, lengthscale=lengthscale)

    def correlation(self, a: jax.Array) -> jax.Array:  # pragma: no cover - abstract
        """The correlation :math:`\rho(a)` at the scaled distance ``a`` (:math:`\rho(0) = 1`)."""
        raise errors.UnsupportedError("Subclasses define this method.")

    def gram(self, x1: jax.Array, x2: jax.Array) -> jax.Array:
        _, r = _dist(x1, x2)
        return self.variance * self.correlation(r / self.lengthscale)


class RBF(Stationary):
    r"""Squared exponential :math:`k = s^2 \exp(-r^2 / 2\ell^2)` (``variance`` :math:`s^2`).

    >>> round(float(RBF(2.0, 1.0)(jnp.array([0.0]), jnp.array([1.0]))[0, 0]), 4)
    1.2131
    """

    def correlation(self, a: jax.Array) -> jax.Array:
        return jnp.exp(-0.5 * a**2)

    def gram(self, x1: jax.Array, x2: jax.Array) -> jax.Array:  # from r^2: no square root
        d2, _ = _dist(x1, x2)
        return self.variance * jnp.exp(-0.5 * d2 / self.lengthscale**2)


class Matern32(Stationary):
    r"""Matérn 3/2: :math:`s^2 (1 + \sqrt3 r/\ell) \exp(-\sqrt3 r/\ell)`.

    >>> round(float(Matern32(1.0, 1.0)(jnp.array([0.0]), jnp.array([1.0]))[0, 0]), 4)
    0.4834
    """

    def correlation(self, a: jax.Array) -> jax.Array:
        b = math.sqrt(3.0) * a
        return (1.0 + b) * jnp.exp(-b)


class Matern52(Stationary):
    r"""Matérn 5/2: :math:`s^2 (1 + \sqrt5 r/\ell + 5r^2/3\ell^2) \exp(-\sqrt5 r/\ell)`.

    >>> round(float(Matern52(1.0, 1.0)(jnp.array([0.0]), jnp.array([1.0]))[0, 0]), 4)
    0.524
    """

    def correlation(self, a: jax.Array) -> jax.Array:
        b = math.sqrt(5.0) * a
        return (1.0 + b + b**2 / 3.0) * jnp.exp(-b)


class Periodic(Kernel):
    r"""Periodic (MacKay): :math:`s^2 \exp(-2 \sin^2(\pi r / p) / \ell^2)`.

    >>> round(float(Periodic(1.0, 1.0, 2.0)(jnp.array([0.0]), jnp.array([1.0]))[0, 0]), 4)
    0.1353
    """

    variance: jax.Array
    lengthscale: jax.Array
    period: jax.Array

    def __init__(
        self, variance: ArrayLike = 1.0, lengthscale: ArrayLike = 1.0, period: ArrayLike = 1.0
    ):
        _set_scales(self, variance=variance, lengthscale=lengthscale, period=period)

    def gram(self, x1: jax.Array, x2: jax.Array) -> jax.Array:
        _, r = _dist(x1, x2)
        s = jnp.sin(math.pi * r / self.period)
        return self.variance * jnp.exp(-2.0 * s**2 / self.lengthscale**2)


class Sum(Kernel):
    """The kernel :math:`k_1 + k_2`."""

    left: Kernel
    right: Kernel

    def gram(self, x1: jax.Array, x2: jax.Array) -> jax.Array:
        return self.left.gram(x1, x2) + self.right.gram(x1, x2)


class Product(Kernel):
    """The kernel :math:`k_1 \\cdot k_2` (entrywise)."""

    left: Kernel
    right: Kernel

    def gram(self, x1: jax.Array, x2: jax.Array) -> jax.Array:
        return self.left.gram(x1, x2) * self.right.gram(x1, x2)


class FunctionKernel(Kernel):
    r"""A kernel from a function ``fn(params, a, b) -> scalar`` of two points of shape
    ``(d,)`` (vmapped twice); ``params`` is a pytree of positive hyperparameters (or ``None``).
    Whether it is PSD is checked on each Gram matrix it builds (:class:`NotPSDError`).

    >>> lin = FunctionKernel(lambda p, a, b: p * jnp.dot(a, b), 2.0)
    >>> lin(jnp.array([1.0, 2.0]), jnp.array([3.0])).tolist()
    [[6.0], [12.0]]
    """

    params: Any
    fn: Callable[..., Any] = eqx.field(static=True)

    def __init__(self, fn: Callable[..., Any], params: Any = None):
        if not callable(fn):
            raise errors.ArgumentTypeError(
                f"Expected fn to be a function (params, x1, x2) -> covariance, got "
                f"{type(fn).__name__} ({fn!r:.60})."
            )
        self.fn, self.params = fn, params

    def gram(self, x1: jax.Array, x2: jax.Array) -> jax.Array:
        row: Callable[[jax.Array, jax.Array], jax.Array] = jax.vmap(
            lambda a, b: self.fn(self.params, a, b), in_axes=(None, 0)
        )
        return jax.vmap(row, in_axes=(0, None))(x1, x2)


def _check_psd(K: jax.Array, what: str) -> None:
    v = concrete(K)
    if v is None:
        return
    if not np.all(np.isfinite(v)):
        raise NotPSDError(f"Expected a finite {what}, got NaN or inf; check the kernel.")
    scale = max(1.0, float(np.abs(v).max(initial=0.0)))
    tol = (1e-9 if v.dtype == np.float64 else 1e-4) * scale * max(1, v.shape[0])
    asym = float(np.abs(v - v.T).max(initial=0.0))
    w = float(np.linalg.eigvalsh(0.5 * (v + v.T)).min()) if v.size else 0.0
    if asym > tol or w < -tol:
        raise NotPSDError(
            f"Expected the {what} to be symmetric positive semi-definite (a covariance), got "
            f"smallest eigenvalue {w:.4g} and asymmetry {asym:.3g} instead. The kernel "
            f"function is not positive definite: use RBF/Matern/Periodic kernels, sums and "
            f"products of them, or build k(a, b) = <phi(a), phi(b)>."
        )


@jax.jit
def _factor(gram: jax.Array, noise: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Cholesky of ``gram + noise I``; if it fails, of ``gram + (noise + jitter) I`` with
    ``jitter = n eps mean|diag gram|`` (the module docstring's policy). Jitted, so the
    eager and the traced paths share one compiled factorisation."""
    n = gram.shape[0]
    eye = jnp.eye(n, dtype=gram.dtype)
    K = gram + noise * eye
    L = jnp.linalg.cholesky(K)
    # jax.numpy's finfo is unannotated (numpy's would not know bfloat16)
    eps = jnp.finfo(gram.dtype).eps  # type: ignore[no-untyped-call]
    jitter = n * eps * jnp.mean(jnp.abs(jnp.diagonal(gram)))
    L = jax.lax.cond(
        jnp.all(jnp.isfinite(L)), lambda: L, lambda: jnp.linalg.cholesky(K + jitter * eye)
    )
    return L, jitter


class GaussianProcess(eqx.Module):
    r"""A zero-mean GP prior with covariance ``kernel`` and Gaussian observation ``noise``
    (the variance :math:`\sigma^2`). All hyperparameters are leaves (fit with :func:`fit_gp`).

    >>> gp = GaussianProcess(Matern52(1.0, 0.3), noise=0.01)
    >>> x = jnp.linspace(0.0, 1.0, 8)
    >>> m, v = gp.predict(x, jnp.cos(4 * x), jnp.array([0.25, 0.75]))
    >>> m.shape, bool(jnp.all(v > 0))
    ((2,), True)
    """

    kernel: Kernel
    noise: jax.Array

    def __init__(self, kernel: Kernel, noise: ArrayLike = 1e-2):
        if not isinstance(kernel, Kernel):
            raise errors.ArgumentTypeError(
                f"Expected a Kernel (RBF, Matern32, ..., FunctionKernel), got "
                f"{type(kernel).__name__}; wrap a function with FunctionKernel(fn, params)."
            )
        self.kernel, self.noise = kernel, _pos(noise, "the GP noise variance")

    # the categorical construction ----------------------------------------------------------
    def prior(self, x: ArrayLike) -> LinearGaussian:
        """The GP prior on the points ``x``: the state :math:`N(0, K(x, x))` on ``Euclid(n)``."""
        K = self.kernel(x, x)
        _check_psd(K, "prior covariance K(x, x)")
        n = K.shape[0]
        return LinearGaussian(
            jnp.zeros((n, 0), K.dtype), jnp.zeros(n, K.dtype), K, dom=Ty(), validate=False
        )

    def observation(self, n_train: int, n_total: int) -> LinearGaussian:
        r"""The observation kernel :math:`f \mapsto N([I_n\;0] f, \sigma^2 I_n)` from the GP
        values at all ``n_total`` points to noisy readings of the first ``n_train``."""
        dt = self.noise.dtype
        A = jnp.eye(n_train, n_total, dtype=dt)
        cov = self.noise * jnp.eye(n_train, dtype=dt)
        return LinearGaussian(
            A, None, cov, dom=Euclid(n_total), cod=Euclid(n_train), validate=False
        )

    def posterior(self, x_train: ArrayLike, y: ArrayLike, x_test: ArrayLike) -> LinearGaussian:
        r"""The posterior state on the test values: ``invert(observation, prior)`` at ``y``,
        marginalised to the test points (prior on train ∪ test)."""
        xt, xs, yv = self._data(x_train, y, x_test)
        n, m = xt.shape[0], xs.shape[0]
        prior = self.prior(jnp.concatenate([xt, xs]))
        back = invert(self.observation(n, n + m), prior)
        mean = back.mean(yv)[n:]
        cov = back.cov[n:, n:]
        return LinearGaussian(jnp.zeros((m, 0), cov.dtype), mean, cov, dom=Ty(), validate=False)

    def predict(
        self, x_train: ArrayLike, y: ArrayLike, x_test: ArrayLike, *, method: str = "cholesky"
    ) -> tuple[jax.Array, jax.Array]:
        """Posterior mean and variance (of the latent function) at ``x_test``.

        ``method="cholesky"`` (the default: Algorithm 2.1, :math:`O(n^3/3 + n^2 m)`, with the
        jitter policy of the module docstring) or ``"inversion"`` (:meth:`posterior`, the
        Bayesian inverse of the joint state, :math:`O((n+m)^3)`). Variances are clipped at 0
        (the documented numerical floor) on both paths."""
        if method == "inversion":
            post = self.posterior(x_train, y, x_test)
            return post.b, jnp.maximum(jnp.diagonal(post.cov), 0.0)
        if method == "cholesky":
            xt, xs, yv = self._data(x_train, y, x_test)
            L = self._chol(xt)
            alpha = jax.scipy.linalg.cho_solve((L, True), yv)
            Ks = self.kernel.gram(xt, xs)
            v = jax.scipy.linalg.solve_triangular(L, Ks, lower=True)
            kss = jnp.diagonal(self.kernel.gram(xs, xs))
            return Ks.T @ alpha, jnp.maximum(kss - jnp.sum(v**2, axis=0), 0.0)
        raise HyperparameterError(
            f"Expected method='cholesky' (the default) or 'inversion', got {method!r} instead."
        )

    def log_marginal_likelihood(
        self, x: ArrayLike, y: ArrayLike, *, method: str = "cholesky"
    ) -> jax.Array:
        r""":math:`\log p(y \mid x)`, the evidence :math:`(\pi \gg o)(y)`.

        ``method="inversion"`` evaluates the composite state ``prior >> observation`` at
        ``y``; ``"cholesky"`` is Algorithm 2.1 (differentiable, used by :func:`fit_gp`)."""
        xt, _, yv = self._data(x, y, None)
        n = xt.shape[0]
        if method == "inversion":
            return (self.prior(xt) >> self.observation(n, n)).log_prob(yv)
        if method != "cholesky":
            raise HyperparameterError(
                f"Expected method='inversion' or 'cholesky', got {method!r} instead."
            )
        L = self._chol(xt)
        alpha = jax.scipy.linalg.cho_solve((L, True), yv)
        return -0.5 * yv @ alpha - jnp.sum(jnp.log(jnp.diagonal(L))) - 0.5 * n * LOG2PI

    # helpers -------------------------------------------------------------------------------
    def _chol(self, xt: jax.Array) -> jax.Array:
        """Cholesky factor of K + noise I, retried once with the jitter of the module
        docstring when it fails in the working precision (same rule eager and traced)."""
        gram = self.kernel.gram(xt, xt)
        L, jitter = cast(tuple[jax.Array, jax.Array], _factor(gram, self.noise))
        v = concrete(L)
        if v is not None and not np.all(np.isfinite(v)):
            K = gram + self.noise * jnp.eye(xt.shape[0], dtype=gram.dtype)
            _check_psd(K, "training covariance K + noise I")
            raise NotPSDError(
                f"Expected K + noise I to be positive definite, but its Cholesky factor failed "
                f"(numerically singular) even with the jitter {float(jitter):.3g} on the "
                f"diagonal. Increase the noise variance (now {float(self.noise):.3g}), remove "
                f"repeated inputs, or work in float64 (jax_enable_x64)."
            )
        return L

    def _data(self, x: Any, y: Any, x_test: Any) -> tuple[jax.Array, jax.Array, jax.Array]:
        xt = _points(x)
        yv = jnp.asarray(y, dtype=xt.dtype)
        if yv.shape != (xt.shape[0],):
            raise ShapeError(
                f"Expected one target per training input, shape ({xt.shape[0]},), got shape "
                f"{tuple(yv.shape)} instead."
            )
        check_finite(yv, "GP target")
        xs = xt[:0] if x_test is None else _points(x_test)
        if xs.shape[1] != xt.shape[1]:
            raise ShapeError(
                f"Expected test inputs of dimension {xt.shape[1]} like the training inputs, "
                f"got {xs.shape[1]} instead."
            )
        return xt, xs, yv


def fit_gp(
    gp: GaussianProcess,
    x: ArrayLike,
    y: ArrayLike,
    *,
    steps: int = 200,
    optimizer: Optimiser | optax.GradientTransformation | None = None,
    trainable: Callable[[GaussianProcess], Any] | None = None,
) -> tuple[GaussianProcess, jax.Array]:
    r"""Type-II maximum likelihood: maximise :meth:`GaussianProcess.log_marginal_likelihood`
    over every hyperparameter (kernel and noise) with ``optimizer`` (an optax transformation
    or a catlearn optimiser; default ``optax.adam(0.05)``), on log-scale (all hyperparameters
    are positive), in one jitted ``lax.scan``.

    ``trainable(gp)`` selects the leaves to fit (e.g. ``lambda g: (g.kernel.lengthscale,
    g.noise)``); the others stay fixed. Returns the fitted GP and the log marginal
    likelihood before each step.

    >>> x = jnp.linspace(0.0, 3.0, 20)
    >>> gp, hist = fit_gp(GaussianProcess(RBF(1.0, 1.0), 0.1), x, jnp.sin(2 * x), steps=50)
    >>> bool(hist[-1] > hist[0])
    True
    """
    if not isinstance(steps, int) or steps < 1:
        raise HyperparameterError(f"Expected steps to be an integer >= 1, got {steps!r}.")
    errors.expect_type(gp, GaussianProcess, "the GP", "build one with GaussianProcess(kernel)")
    xt, _, yv = gp._data(x, y, None)
    opt = optax.adam(0.05) if optimizer is None else as_optax(optimizer)
    spec = jax.tree_util.tree_map(eqx.is_inexact_array, gp)
    if trainable is not None:
        spec = jax.tree_util.tree_map(lambda _: False, spec)
        chosen = trainable(gp)
        many = isinstance(chosen, tuple | list)
        spec = eqx.tree_at(trainable, spec, replace=(True,) * len(chosen) if many else True)
    params, static = eqx.partition(gp, spec)
    logp = jax.tree_util.tree_map(jnp.log, params)
    gp._chol(xt)  # a typed error for a non-PSD kernel before the loop

    def loss(lp: Any) -> jax.Array:
        model: GaussianProcess = eqx.combine(jax.tree_util.tree_map(jnp.exp, lp), static)
        return -model.log_marginal_likelihood(xt, yv)

    lp, losses = jax.jit(lambda lp: gradient_steps(loss, lp, opt, steps))(logp)
    hist = -losses
    fitted = eqx.combine(jax.tree_util.tree_map(jnp.exp, lp), static)
    _check_fit_finite(hist, fitted)
    return fitted, hist


def _check_fit_finite(hist: jax.Array, fitted: GaussianProcess) -> None:
    """Like ``fit``: a diverging optimiser is a :class:`NonFiniteError` naming the step
    (eagerly; under ``jit`` the NaN model is returned, per :mod:`catlearn.errors`)."""
    values = concrete(hist)
    leaves = [concrete(x) for x in jax.tree_util.tree_leaves(eqx.filter(fitted, eqx.is_array))]
    if values is None or any(x is None for x in leaves):
        return
    bad = np.flatnonzero(~np.isfinite(values))
    params_bad = not all(np.all(np.isfinite(cast(np.ndarray, x))) for x in leaves)
    if bad.size or params_bad:
        where = (
            f"became {values[bad[0]]} at step {int(bad[0]) + 1} of {len(values)}"
            if bad.size
            else f"stayed finite, but the hyperparameters became NaN/inf after step {len(values)}"
        )
        raise NonFiniteError(
            f"fit_gp diverged: the log marginal likelihood {where}. Expected finite values: "
            f"lower the learning rate (e.g. optimizer=optax.adam(0.01)), fix hyperparameters "
            f"with trainable=, or rescale x and y."
        )
