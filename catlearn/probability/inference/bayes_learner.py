r"""Bayesian learners (Kamiya, Welliaveetil, *A category theory framework for Bayesian
learning*).

A **Bayesian learner** is a parametrised kernel :math:`f : P \otimes X \to Y` together with a
prior :math:`\pi` on the parameters :math:`P`. Curried, it is a family of kernels
:math:`f_x : P \to Y`; learning from a pair :math:`(x, y)` is Bayesian inversion,

.. math:: \pi \;\longmapsto\; (f_x)^\dagger_\pi(- \mid y),

and the prediction at :math:`x` is the composite state :math:`\pi \gg f_x` on :math:`Y`.
**Batch = sequential** because the observations are conditionally independent given
:math:`p`: the likelihood of the batch is the product kernel
:math:`\mathrm{copy}_P \gg \bigotimes_i f_{x_i} : P \to Y^{n}`, so
:math:`\pi(p) \prod_i f_{x_i}(y_i \mid p)` normalised once equals the one-pair inversions
folded in any order (each posterior the next prior). Kamiya–Welliaveetil's functor
:math:`GL`, which would state this as functoriality, is not built here.

Exact cases: :class:`LinearGaussian` kernels with a :class:`LinearGaussian` prior (Bayesian linear
regression is :math:`f_x : w \mapsto N(x^\top w, \sigma^2)`), :class:`Finite` kernels with a
:class:`Finite` prior. Any other kernel with ``log_prob(y, p)`` and a
:class:`~catlearn.probability.inference.approximate.Particles` prior is updated approximately, by
importance reweighting (the inversion at the empirical prior).

Data are checked as :mod:`catlearn.errors` promises. Eagerly, NaN or infinite inputs and
observations raise :class:`~catlearn.errors.NonFiniteError`, and a symbol outside its
``Fin(k)`` wire (5 on ``Fin(2)``, -1, 0.5) a :class:`~catlearn.errors.SupportError`, in
:meth:`~BayesLearner.update` and :meth:`~BayesLearner.sequential_update` alike. Under
``jit`` (traced data) such a symbol, NaN included, has likelihood NaN, so the :class:`Finite`
posterior is NaN, never a clamped symbol; :func:`catlearn.core.checked` raises it as a
:class:`~catlearn.errors.TracedCheckError`. Zero evidence under ``jit`` is NaN as well.

Learners compose: ``L1 >> L2`` (finite parameters and finite intermediate wire: the
composite kernel :math:`(P \otimes Q) \otimes X \to Z` sums out :math:`Y`, and the joint
posterior on :math:`P \otimes Q` is exact) and ``L1 @ L2`` (independent learners on paired
data; the posterior stays a product).

>>> import jax.numpy as jnp
>>> from catlearn.probability.kernels.gaussian import LinearGaussian
>>> blr = BayesLearner(lambda x: LinearGaussian(x[None, :], cov=[[0.25]]),
...                    LinearGaussian.state(jnp.zeros(2), jnp.eye(2)))
>>> xs, ys = jnp.array([[1.0, 0.0], [1.0, 1.0]]), jnp.array([[1.0], [3.0]])
>>> post = blr.update((xs, ys))
>>> [round(float(v), 3) for v in post.prior.b]          # Σn(Σ0⁻¹μ0 + Xᵀy/σ²) = (32, 44)/29
[1.103, 1.517]
>>> blr.sequential_update((xs, ys)).prior.allclose(post.prior, atol=1e-5)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.checked import as_array, is_concrete
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import DataError, ShapeError, TypeMismatch, ZeroEvidenceError
from catlearn.probability.inference.approximate import Particles
from catlearn.probability.inference.bayes import invert
from catlearn.probability.kernels._checks import check_finite, check_support, concrete
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite

__all__ = ["BayesLearner", "ParallelLearner"]


def _finite_state(arr: jax.Array, cod: Ty) -> Finite:
    return Finite(arr, Ty(), cod, validate=False)


def _curry(kernel: Any, prior: Any) -> Callable[[Any], Any]:
    """A Finite kernel P ⊗ X -> Y given whole becomes x ↦ (P -> Y)."""
    if callable(kernel) and not isinstance(kernel, Finite):
        return cast(Callable[[Any], Any], kernel)
    if isinstance(kernel, Finite):
        n = len(prior.cod)
        P, X = Ty(*kernel.dom.inside[:n]), Ty(*kernel.dom.inside[n:])
        if P != prior.cod:
            raise TypeMismatch(
                f"Expected a kernel P @ X -> Y whose first wires are the prior's {prior.cod}, "
                f"got {kernel!r} instead."
            )

        def curried(x: Any) -> Finite:
            _check_symbols(x, X, "input")
            idx = X.split(x) if len(X) > 1 else (x,)
            arr = _gather(kernel.array, (slice(None),) * n + tuple(_symbol(i) for i in idx))
            return Finite(arr, P, kernel.cod, validate=False)

        curried.inputs = X  # type: ignore[attr-defined]  # checked on a whole batch
        return curried
    raise errors.ArgumentTypeError(
        f"Expected the parametrised kernel as a function x -> kernel P -> Y, or a Finite "
        f"kernel P @ X -> Y, got {type(kernel).__name__} instead."
    )


def _pairs(data: Any) -> tuple[Any, Any, int]:
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise DataError(
            f"Expected data as a pair (xs, ys) with a leading batch axis, got "
            f"{type(data).__name__} instead."
        )
    xs, ys = (_batch(d, what) for d, what in zip(data, ("inputs", "observations")))
    if not jax.tree_util.tree_leaves(ys):
        raise DataError("Expected at least one observation, got an empty data set.")
    n = int(jnp.shape(jax.tree_util.tree_leaves(ys)[0])[0])
    if n == 0:
        raise DataError("Expected at least one observation, got an empty data set.")
    lx = jax.tree_util.tree_leaves(xs)
    if lx and int(jnp.shape(lx[0])[0]) != n:
        raise DataError(f"Expected as many inputs as observations, got {jnp.shape(lx[0])[0]}, {n}.")
    return xs, ys, n


def _batch(tree: Any, what: str) -> Any:
    """Every leaf of ``tree`` as an array with a leading batch axis, or a DataError."""

    def leaf(x: Any) -> jax.Array:
        a = as_array(x, f"the {what}", fix="pass arrays with a leading batch axis")
        if a.ndim == 0:
            raise DataError(
                f"Expected the {what} with a leading batch axis, got a scalar; stack them "
                f"along axis 0, e.g. jnp.array([y])."
            )
        return a

    return jax.tree_util.tree_map(leaf, tree)


def _check_data(kernel: Callable[[Any], Any], xs: Any, ys: Any, ax: Any) -> None:
    """Eager checks of a data set (concrete values only; under ``jit`` the gathers give NaN):
    finite inputs and observations, and symbols in range on the :class:`Fin` wires."""
    check_finite(xs, "input batch")
    check_finite(ys, "observation batch")
    inputs = getattr(kernel, "inputs", None)
    if inputs is not None:
        _check_symbols(xs, inputs, "input")
    if is_concrete(xs, ys):
        k0 = kernel(() if ax is None else jax.tree_util.tree_map(lambda a: a[0], xs))
        if isinstance(k0, Finite):
            _check_symbols(ys, k0.cod, "observation")


def _check_symbols(v: Any, ty: Ty, what: str) -> None:
    """A SupportError (NonFiniteError for NaN) unless every concrete entry of ``v`` on a
    ``Fin(k)`` wire of ``ty`` is an integer in ``0..k-1``."""
    for atom, part in zip(ty.inside, ty.split(v) if len(ty) else ()):
        if isinstance(atom, Fin):
            check_support(part, 0, atom.size - 1, f"{what} on {atom}", integer=True)


def _symbol(v: Any) -> jax.Array:
    """Symbols as int32 indices; NaN, inf and non-integers become -1 (out of range)."""
    a = jnp.asarray(v)
    if jnp.issubdtype(a.dtype, jnp.floating):
        a = jnp.where(jnp.isfinite(a) & (a == jnp.round(a)), a, -1)
    return a.astype(jnp.int32)


def _gather(a: jax.Array, idx: tuple[Any, ...]) -> jax.Array:
    """``a[idx]`` with an out-of-range index giving NaN (never a clamp; checkify sees it)."""
    return a.at[idx].get(mode="fill", fill_value=jnp.nan, wrap_negative_indices=False)


def _x_axis(xs: Any) -> Any:
    return 0 if jax.tree_util.tree_leaves(xs) else None


class BayesLearner:
    r"""A parametrised kernel ``kernel(x) : P -> Y`` and a ``prior`` state on ``P``.

    ``kernel`` is a function of the input (returning a Finite, LinearGaussian, or any kernel
    with ``log_prob(y, p)``), or a Finite kernel ``P @ X -> Y``. The learner is immutable:
    :meth:`update` returns a new learner whose prior is the posterior.

    >>> import jax.numpy as jnp
    >>> from catlearn.core.types import Fin
    >>> flip = Finite([[0.5, 0.5], [0.9, 0.1]], Fin(2), Fin(2))   # P: fair or biased coin
    >>> coin = BayesLearner(lambda x: flip, Finite.state([0.5, 0.5]), name="coin")
    >>> coin
    BayesLearner(coin: prior Finite)
    >>> post = coin.update((jnp.zeros(3), jnp.array([0, 0, 0])))  # three heads
    >>> [round(float(v), 4) for v in post.prior.array]          # 0.125 : 0.729, normalised
    [0.1464, 0.8536]
    """

    __slots__ = ("kernel", "name", "prior")
    kernel: Callable[[Any], Any]
    prior: Finite | LinearGaussian | Particles
    name: str

    def __init__(
        self,
        kernel: Callable[[Any], Any] | Finite,
        prior: Finite | LinearGaussian | Particles,
        *,
        name: str = "learner",
    ) -> None:
        if not isinstance(prior, Finite | LinearGaussian | Particles):
            raise TypeMismatch(
                f"Expected the prior as a Finite or LinearGaussian state or Particles, got "
                f"{type(prior).__name__} instead."
            )
        if not isinstance(prior, Particles) and len(prior.dom) != 0:
            raise TypeMismatch(f"Expected a prior state (from Ty()), got {prior!r}.")
        object.__setattr__(self, "kernel", _curry(kernel, prior))
        object.__setattr__(self, "prior", prior)
        object.__setattr__(self, "name", name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError("BayesLearner is immutable; update() returns a new one.")

    def __repr__(self) -> str:
        return f"BayesLearner({self.name}: prior {type(self.prior).__name__})"

    def _with(self, prior: Any) -> BayesLearner:
        return BayesLearner(self.kernel, prior, name=self.name)

    # prediction ------------------------------------------------------------------------------
    def predictive(self, x: Any = ()) -> Any:
        r"""The predictive state :math:`\pi \gg f_x` on :math:`Y` (exact cases), or for a
        particle prior the mixture's ``(log_prob, sample)`` pair of functions."""
        k = self.kernel(x)
        if isinstance(self.prior, Particles):
            p = self.prior

            def log_prob(y: Any) -> jax.Array:
                lp = jax.vmap(lambda t: k.log_prob(y, t))(p.values)
                return jax.nn.logsumexp(lp + jnp.log(p.weights))

            def sample(key: jax.Array) -> Any:
                k1, k2 = jax.random.split(key)
                j = jax.random.categorical(k1, p.log_weights)
                return k.sample(k2, x=p.values[j])

            return log_prob, sample
        return self.prior >> k

    # learning --------------------------------------------------------------------------------
    def update(self, data: tuple[Any, Any]) -> BayesLearner:
        """Batch update on ``data = (xs, ys)``: one inversion of the stacked likelihood."""
        xs, ys, n = _pairs(data)
        pr = self.prior
        _check_data(self.kernel, xs, ys, _x_axis(xs))
        if isinstance(pr, Particles):
            ax = _x_axis(xs)
            ll = jax.vmap(
                lambda x, y: self._loglik(() if ax is None else x, y, pr.values), in_axes=(ax, 0)
            )(xs, ys)
            return self._with(_reweight(pr, jnp.sum(ll, axis=0)))
        if _x_axis(xs) is None:  # no input wire: the same kernel for every observation
            k0 = _box(self.kernel(()))
            ks = jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (n, *jnp.shape(a))), k0)
        else:
            ks = jax.vmap(lambda x: _box(self.kernel(x)))(xs)
        if isinstance(pr, LinearGaussian):
            return self._with(_batch_gaussian(ks, pr, ys, n))
        _check_kind(ks, Finite, pr)
        ll = jax.vmap(lambda k, y: jnp.log(_rows(k, y)))(ks, ys)
        return self._with(_finite_post(pr, jnp.sum(ll, axis=0)))

    def sequential_update(self, data: tuple[Any, Any]) -> BayesLearner:
        """Fold the one-pair inversion :math:`\\pi \\mapsto (f_x)^\\dagger_\\pi(y)` over the data
        with ``jax.lax.scan``; equals :meth:`update`."""
        xs, ys, _ = _pairs(data)
        pr = self.prior
        ax = _x_axis(xs)
        _check_data(self.kernel, xs, ys, ax)
        if isinstance(pr, Particles):

            def pstep(lw: jax.Array, xy: Any) -> tuple[jax.Array, None]:
                x, y = xy
                return lw + self._loglik(() if ax is None else x, y, pr.values), None

            lw, _ = jax.lax.scan(pstep, pr.log_weights, (xs if ax is not None else None, ys))
            return self._with(_reweight(Particles(pr.values, jnp.zeros_like(lw)), lw))
        if isinstance(pr, LinearGaussian):

            def gstep(c: Any, xy: Any) -> tuple[Any, None]:
                x, y = xy
                k = self.kernel(() if ax is None else x)
                back = invert(k, LinearGaussian.state(c[0], c[1], pr.cod, validate=False))
                return (back.mean(y), back.cov), None

            (m, P), _ = jax.lax.scan(gstep, (pr.b, pr.cov), (xs if ax is not None else None, ys))
            return self._with(LinearGaussian.state(m, P, pr.cod, validate=False))
        shape = pr.array.shape

        def fstep(c: jax.Array, xy: Any) -> tuple[jax.Array, jax.Array]:
            x, y = xy
            k = self.kernel(() if ax is None else x)
            nx = c.size
            lik = _rows(k, y).reshape(nx)
            ev = jnp.sum(c.reshape(nx) * lik)
            post = c.reshape(nx) * lik / ev  # zero evidence or a NaN symbol: NaN, never silent
            return post.reshape(shape), ev

        post, evs = jax.lax.scan(fstep, pr.array, (xs if ax is not None else None, ys))
        e = concrete(evs)
        if e is not None and not np.all(e > 0):
            raise _zero(f"pair {int(np.argmax(~(e > 0)))} of the data")
        return self._with(_finite_state(post, pr.cod))

    def _loglik(self, x: Any, y: Any, values: Any) -> jax.Array:
        k = self.kernel(x)
        return cast(jax.Array, jax.vmap(lambda t: k.log_prob(y, t))(values))

    # composition -----------------------------------------------------------------------------
    def then(self, other: BayesLearner) -> BayesLearner:
        r"""``self >> other``: parameters :math:`P \otimes Q`, kernel
        :math:`(p, q, x) \mapsto \sum_y f_x(y \mid p)\, g_y(z \mid q)` (finite ``Y``), prior
        :math:`\pi_P \otimes \pi_Q`. Exact for Finite learners."""
        if not isinstance(other, BayesLearner):
            raise TypeMismatch(f"Expected a BayesLearner after {self!r} >> ..., got {other!r}.")
        if not (isinstance(self.prior, Finite) and isinstance(other.prior, Finite)):
            raise TypeMismatch(
                "Sequential composition of Bayesian learners is exact only for Finite "
                f"parameters and a Finite middle wire; got priors {type(self.prior).__name__} "
                f"and {type(other.prior).__name__}. Compose Finite learners, or use @."
            )
        f, g = self.kernel, other.kernel

        def kernel(x: Any) -> Finite:
            fx = f(x)
            ys = list(np.ndindex(*(a.size for a in fx.cod.inside)))
            if not all(isinstance(a, Fin) for a in fx.cod.inside):
                raise TypeMismatch(f"Expected a Finite middle wire, got {fx.cod}.")
            G = jnp.stack([g(fx.cod.join(y) if len(y) > 1 else y[0]).array for y in ys])
            np_, ny = len(fx.dom), len(fx.cod)
            fa = fx.array.reshape((*fx.array.shape[:np_], len(ys)))
            arr = jnp.tensordot(fa, G, axes=([np_], [0]))
            gk = g(fx.cod.join(ys[0]) if ny > 1 else ys[0][0])
            return Finite(arr, fx.dom @ gk.dom, gk.cod, validate=False)

        return BayesLearner(kernel, self.prior @ other.prior, name=f"{self.name} >> {other.name}")

    def __rshift__(self, other: BayesLearner) -> BayesLearner:
        return self.then(other)

    def __matmul__(self, other: BayesLearner) -> ParallelLearner:
        return ParallelLearner(self, other)


class ParallelLearner:
    """``L1 @ L2``: independent learners on paired data ``((xs1, xs2), (ys1, ys2))``; the
    posterior is the product of the two posteriors (exact when each part is)."""

    __slots__ = ("left", "right")
    left: BayesLearner | ParallelLearner
    right: BayesLearner | ParallelLearner

    def __init__(
        self, left: BayesLearner | ParallelLearner, right: BayesLearner | ParallelLearner
    ) -> None:
        object.__setattr__(self, "left", left)
        object.__setattr__(self, "right", right)

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError("ParallelLearner is immutable.")

    @property
    def prior(self) -> Any:
        """The product prior (a pair when a part is particles)."""
        lp: Any = self.left.prior
        rp: Any = self.right.prior
        return (lp, rp) if isinstance(lp, Particles) or isinstance(rp, Particles) else lp @ rp

    def predictive(self, x: Any) -> Any:
        """The product of the two predictive states at ``x = (x1, x2)``."""
        return self.left.predictive(x[0]) @ self.right.predictive(x[1])

    def update(self, data: tuple[Any, Any]) -> ParallelLearner:
        """Each part updated on its own half of the data."""
        (x1, x2), (y1, y2) = _halves(data)
        return ParallelLearner(self.left.update((x1, y1)), self.right.update((x2, y2)))

    def sequential_update(self, data: tuple[Any, Any]) -> ParallelLearner:
        """Each part updated sequentially."""
        (x1, x2), (y1, y2) = _halves(data)
        return ParallelLearner(
            self.left.sequential_update((x1, y1)), self.right.sequential_update((x2, y2))
        )

    def __matmul__(self, other: BayesLearner | ParallelLearner) -> ParallelLearner:
        return ParallelLearner(self, other)


# --- helpers ------------------------------------------------------------------------------------


def _box(k: Any) -> Any:
    """A kernel as one box (a composite evaluated), so that a batch of kernels is a batch of
    tables rather than of composites."""
    return k.evaluate() if isinstance(k, Finite | LinearGaussian) else k


def _halves(data: Any) -> tuple[Any, Any]:
    """``((x1, x2), (y1, y2))`` of a parallel learner's data, or a DataError."""
    ok = isinstance(data, tuple | list) and len(data) == 2
    if not (ok and all(isinstance(h, tuple | list) and len(h) == 2 for h in data)):
        raise DataError(
            f"Expected the data of L1 @ L2 as ((xs1, xs2), (ys1, ys2)), got "
            f"{type(data).__name__} ({data!r:.60}) instead."
        )
    return data[0], data[1]


def _zero(what: str) -> ZeroEvidenceError:
    return ZeroEvidenceError(
        f"Cannot update on {what}: it has probability 0 under the current prior (zero "
        f"evidence). Check the data, or give the prior mass where the data are possible."
    )


def _check_kind(ks: Any, kind: type, prior: Any) -> None:
    if not isinstance(ks, kind):
        raise TypeMismatch(
            f"Expected the kernel to return {kind.__name__} kernels for a "
            f"{type(prior).__name__} prior, got {type(ks).__name__}; use Particles for an "
            f"approximate update."
        )


def _rows(k: Finite, y: Any) -> jax.Array:
    """f(y | p) for every p: an array of the parameter shape."""
    nd = len(k.dom)
    ys = k.cod.split(y) if len(k.cod) > 1 else (y,)
    return _gather(k.array, (slice(None),) * nd + tuple(_symbol(v) for v in ys))


def _finite_post(prior: Finite, loglik: jax.Array) -> Finite:
    logw = jnp.log(prior.array) + loglik
    top = jnp.max(logw)
    c = concrete(top)
    if c is not None and not np.isfinite(c):
        raise _zero("the data")
    w = jnp.exp(logw - top)
    return _finite_state(w / jnp.sum(w), prior.cod)


def _reweight(p: Particles, loglik: jax.Array) -> Particles:
    return p.reweight(loglik)


def _batch_gaussian(ks: LinearGaussian, prior: LinearGaussian, ys: Any, n: int) -> LinearGaussian:
    _check_kind(ks, LinearGaussian, prior)
    m, d = ks.A.shape[1], ks.A.shape[2]
    y = jnp.asarray(ys, ks.b.dtype)
    if y.size != n * m or y.ndim > 2:
        raise ShapeError(
            f"Expected {n} observations of dimension {m} (shape ({n}, {m})), got shape "
            f"{jnp.shape(ys)}."
        )
    y = y.reshape(n * m)
    A = ks.A.reshape(n * m, d)
    b = ks.b.reshape(n * m)
    cov = jnp.einsum("ij,iab->iajb", jnp.eye(n, dtype=ks.cov.dtype), ks.cov).reshape(n * m, n * m)
    stacked = LinearGaussian(A, b, cov, dom=prior.cod, cod=Euclid(n * m), validate=False)
    back = invert(stacked, prior)
    return LinearGaussian.state(back.mean(y), back.cov, prior.cod, validate=False)
