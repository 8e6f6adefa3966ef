r"""Bayesian inversion, conditioning and Bayesian lenses.

Papers: Cho, Jacobs, *Disintegration and Bayesian inversion via string diagrams*; Culbertson,
Sturtz, *A categorical foundation for Bayesian probability*; Kamiya, Welliaveetil, *A category
theory framework for Bayesian learning*; Smithe, Braithwaite, Hedges, *The compositional
structure of Bayesian inference*.

The **Bayesian inverse** of a kernel :math:`f : X \to Y` at a prior :math:`\pi` on
:math:`X` is the kernel :math:`f^\dagger_\pi : Y \to X` with

.. math:: \pi(x)\, f(y \mid x) = (\pi \gg f)(y)\; f^\dagger_\pi(x \mid y).

It is unique only :math:`(\pi \gg f)`-almost everywhere. **Convention:** at a point
:math:`y` of zero evidence, :math:`(\pi \gg f)(y) = 0`, the row :math:`f^\dagger_\pi(- \mid y)`
is the prior :math:`\pi` (Finite kernels). For linear-Gaussian kernels the closed form with the
Moore–Penrose pseudo-inverse is used everywhere; off the support of :math:`\pi \gg f` it gives
the posterior at the orthogonal (in the :math:`S^+` metric) projection of :math:`y` onto it.
*Conditioning* on a zero-evidence observation is an error, :class:`ZeroEvidenceError`.

Axioms (doctests):

>>> from catlearn.probability.kernels.markov import Finite
>>> from catlearn.core.types import Fin
>>> prior = Finite.state([0.5, 0.5])
>>> f = Finite([[0.75, 0.25], [0.25, 0.75]], Fin(2), Fin(2))
>>> g = Finite([[1.0, 0.0], [0.5, 0.5]], Fin(2), Fin(2))
>>> fd = invert(f, prior)
>>> fd.array.tolist()
[[0.75, 0.25], [0.25, 0.75]]
>>> lhs = invert(f >> g, prior)                      # (f >> g)† = g†_{π≫f} >> f†_π
>>> rhs = invert(g, prior >> f) >> invert(f, prior)
>>> lhs.allclose(rhs)
True
>>> (bayes_lens(f) >> bayes_lens(g)).backward(prior).allclose(lhs)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.category import Composable, Node, Tensor
from catlearn.core.para import WireValue
from catlearn.core.types import Ty
from catlearn.errors import (
    ShapeError,
    SupportError,
    TypeMismatch,
    ZeroEvidenceError,
)
from catlearn.probability.inference import _bayes_lens_program as _program
from catlearn.probability.inference._approx_inverse import state_at
from catlearn.probability.kernels._checks import check_support, concrete
from catlearn.probability.kernels._linalg import invert_table
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite

__all__ = [
    "BayesLens",
    "bayes_lens",
    "condition",
    "invert",
    "jeffrey_update",
    "pearl_update",
    "sequential_update",
    "update",
]


# --- validation helpers (shared with conjugate.py and likelihood.py) ---------------------------


def _is_gaussian(k: Any) -> bool:
    return isinstance(k, LinearGaussian)


def _check_kernels(**kernels: Any) -> None:
    for what, k in kernels.items():
        if not (hasattr(k, "dom") and hasattr(k, "cod") and isinstance(k.dom, Ty)):
            raise errors.ArgumentTypeError(
                f"Expected a kernel (Finite or LinearGaussian) for the {what}, got "
                f"{type(k).__name__} ({k!r:.60}); build one with Finite(...), Finite.state(...) "
                "or LinearGaussian(...)."
            )


def _check_state(prior: Any, kernel: Any) -> Any:
    """Check that ``prior`` is a state on the domain of ``kernel``; returns ``kernel``."""
    _check_kernels(prior=prior, kernel=kernel)
    if len(prior.dom) != 0:
        raise TypeMismatch(
            f"Expected a prior state (a kernel from Ty()), got {prior!r} with domain {prior.dom} "
            f"instead; pass e.g. Finite.state(probs) or condition a joint state first."
        )
    if prior.cod != kernel.dom:
        raise TypeMismatch(
            f"Expected a prior on the domain {kernel.dom} of {kernel!r}, got a state on "
            f"{prior.cod} instead (a state on the wrong wire); marginalise or permute it first."
        )
    return kernel


def _zero_evidence(what: str) -> ZeroEvidenceError:
    return ZeroEvidenceError(
        f"Cannot condition on {what}: its probability under the prior is 0 (zero evidence), so "
        f"the posterior is undefined. Check the observation, or give it non-zero prior mass "
        f"(e.g. smooth the tables)."
    )


# --- finite kernels: the maths on arrays -------------------------------------------------------


# --- public API ---------------------------------------------------------------------------------


def invert(kernel: Any, prior: Any) -> Any:
    r"""The Bayesian inverse :math:`f^\dagger_\pi : Y \to X` of ``kernel`` at ``prior``.

    Finite: :math:`f^\dagger_\pi(x \mid y) = \pi(x) f(y \mid x) / \sum_{x'} \pi(x') f(y \mid x')`,
    with the prior as the row at zero-evidence :math:`y` (module docstring). LinearGaussian
    :math:`x \mapsto N(Ax + b, \Sigma)`, prior :math:`N(m, P)`:
    :math:`y \mapsto N(m + K(y - Am - b),\, P - KAP)` with
    :math:`K = PA^T (APA^T + \Sigma)^+` (Cho–Jacobs; pseudo-inverse for singular covariances).

    >>> from catlearn.probability.kernels.markov import Finite
    >>> from catlearn.core.types import Fin
    >>> test = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))   # P(result | disease)
    >>> invert(test, Finite.state([0.99, 0.01])).row(1).round(3).tolist()   # P(disease | +)
    [0.925, 0.075]
    """
    _check_state(prior, kernel)
    if isinstance(kernel, Finite) and isinstance(prior, Finite):
        return kernel.invert(prior)  # a composite: one planned contraction, no joint built
    if _is_gaussian(kernel) and _is_gaussian(prior):
        return kernel.invert(prior)
    raise TypeMismatch(
        f"Expected a Finite kernel with a Finite prior, or a LinearGaussian kernel with a "
        f"LinearGaussian prior, got {type(kernel).__name__} and {type(prior).__name__} instead; "
        f"convert one of them."
    )


def _wire_index(wire: Any, n: int, names: Sequence[str] | None) -> int:
    if isinstance(wire, str):
        if names is None or wire not in names:
            raise SupportError(
                f"Expected a wire index in range({n}) or one of the names {list(names or [])}, "
                f"got {wire!r} instead; pass names=[...] naming each wire of the joint state."
            )
        return list(names).index(wire)
    if not isinstance(wire, int | np.integer) or not -n <= wire < n:
        raise SupportError(
            f"Expected a wire index in range({n}) of the joint state, got {wire!r} instead."
        )
    return int(wire) % n


def _observations(joint: Any, observation: Any, names: Sequence[str] | None) -> dict[int, Any]:
    _check_kernels(joint=joint)
    if len(joint.dom) != 0:
        raise TypeMismatch(
            f"Expected a joint state (a kernel from Ty()), got {joint!r}; compose it with a prior "
            f"first (prior >> kernel), or use invert(kernel, prior)."
        )
    n = len(joint.cod)
    if names is not None and len(names) != n:
        raise ShapeError(f"Expected {n} wire names for {joint!r}, got {len(names)}: {names}.")
    if not isinstance(observation, Mapping):
        raise errors.ArgumentTypeError(
            f"Expected the observation as a mapping {{wire: value}} (wire an index or a name), "
            f"got {type(observation).__name__} instead, e.g. condition(joint, {{1: 0}})."
        )
    obs: dict[int, Any] = {}
    for wire, value in observation.items():
        obs[_wire_index(wire, n, names)] = value
    return obs


def condition(
    joint: Any, observation: Mapping[Any, Any], *, names: Sequence[str] | None = None
) -> Any:
    r"""The posterior state of the unobserved wires of ``joint`` given hard evidence.

    ``observation`` maps wires (indices, or names listed in ``names``) to observed values.
    :math:`p(x_R \mid x_O = o) = p(x_R, o) / p(o)`; raises :class:`ZeroEvidenceError` when
    :math:`p(o) = 0` (checked when the values are concrete; under ``jit`` the prior convention
    applies: the marginal of the unobserved wires is returned). For a LinearGaussian joint state
    this is the (generalised) Schur complement.

    >>> from catlearn.probability.kernels.markov import Finite
    >>> joint = Finite.state([[0.3, 0.1], [0.2, 0.4]])      # p(rain, wet)
    >>> condition(joint, {"wet": 1}, names=["rain", "wet"]).array.round(3).tolist()
    [0.2, 0.8]
    """
    obs = _observations(joint, observation, names)
    if _is_gaussian(joint):
        return joint.condition(obs)
    if not isinstance(joint, Finite):
        raise TypeMismatch(f"Expected a Finite or LinearGaussian joint state, got {joint!r}.")
    return joint.condition(obs)  # a composite: one planned contraction, no joint built


def pearl_update(prior: Any, kernel: Any, likelihood: Any) -> Any:
    r"""Pearl's rule (virtual evidence): update ``prior`` on :math:`X` by a likelihood
    :math:`q : Y \to [0, \infty)` observed through ``kernel`` :math:`f : X \to Y`,

    .. math:: \pi'(x) \propto \pi(x) \textstyle\sum_y f(y \mid x)\, q(y).

    Finite: ``likelihood`` is an array of shape ``cod sizes`` (non-negative, any scale).
    LinearGaussian: ``likelihood = (channel, z)``, the Gaussian likelihood
    :math:`q(y) = N(z; Hy + c, R)` of a reading ``z`` through a LinearGaussian ``channel``
    :math:`y \mapsto N(Hy + c, R)`; then :math:`\pi' = (f \gg \text{channel})^\dagger_\pi(z)`.
    Raises :class:`ZeroEvidenceError` when :math:`\sum_x \pi(x) (f q)(x) = 0`.

    >>> from catlearn.probability.kernels.markov import Finite
    >>> from catlearn.core.types import Fin
    >>> f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    >>> pearl_update(Finite.state([0.5, 0.5]), f, jnp.array([0.0, 1.0])).array.round(4).tolist()
    [0.1111, 0.8889]
    """
    _check_state(prior, kernel)
    if _is_gaussian(kernel):
        return _pearl_gaussian(prior, kernel, likelihood)
    if not isinstance(kernel, Finite):
        raise TypeMismatch(f"Expected a Finite or LinearGaussian kernel, got {kernel!r}.")
    q = jnp.asarray(likelihood, dtype=kernel.array.dtype)
    cs = kernel.array.shape[len(kernel.dom) :]
    if q.shape != cs:
        raise ShapeError(
            f"Expected a likelihood of shape {cs} (one weight per value of {kernel.cod}), got "
            f"shape {q.shape} instead."
        )
    qv = concrete(q)
    if qv is not None and (not np.all(np.isfinite(qv)) or np.any(qv < 0)):
        raise SupportError(
            f"Expected a likelihood with finite entries >= 0, got {qv.tolist()} instead."
        )
    nx = prior.array.size
    fq = kernel.array.reshape(nx, -1) @ q.reshape(-1)
    w = prior.array.reshape(nx) * fq
    ev = jnp.sum(w)
    c = concrete(ev)
    if c is not None and c <= 0:
        raise _zero_evidence("the virtual evidence (likelihood)")
    post = jnp.where(ev > 0, w / jnp.where(ev > 0, ev, 1.0), prior.array.reshape(nx))
    return Finite(post.reshape(prior.array.shape), Ty(), prior.cod, validate=False)


def _pearl_gaussian(prior: Any, kernel: Any, likelihood: Any) -> Any:
    if not (
        isinstance(likelihood, tuple | list)
        and len(likelihood) == 2
        and _is_gaussian(likelihood[0])
    ):
        raise errors.ArgumentTypeError(
            "Expected the virtual evidence for a LinearGaussian kernel as a pair (channel, z): "
            "a LinearGaussian channel from the kernel's codomain and a reading z of its output, "
            f"got {type(likelihood).__name__} instead."
        )
    channel, z = likelihood
    joint = (
        prior >> type(prior).copy(prior.cod) >> (type(prior).id(prior.cod) @ (kernel >> channel))
    )
    return joint.condition({1: z})


def jeffrey_update(prior: Any, kernel: Any, target: Any) -> Any:
    r"""Jeffrey's rule (probability kinematics): move ``prior`` so that its prediction through
    ``kernel`` becomes the state ``target`` on :math:`Y`,

    .. math:: \pi' = \tau \gg f^\dagger_\pi, \qquad
              \pi'(x) = \textstyle\sum_y \tau(y)\, f^\dagger_\pi(x \mid y).

    Raises :class:`ZeroEvidenceError` when ``target`` puts mass where :math:`\pi \gg f` has
    none (Finite, concrete values). Works for Finite and LinearGaussian kernels.

    >>> from catlearn.probability.kernels.markov import Finite
    >>> from catlearn.core.types import Fin
    >>> f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    >>> jeffrey_update(Finite.state([0.5, 0.5]), f, Finite.state([0.0, 1.0])).array.round(4).tolist()
    [0.1111, 0.8889]
    """
    _check_state(prior, kernel)
    if isinstance(kernel, Finite) and not isinstance(target, Finite):
        target = Finite.state(target, kernel.cod)  # a list or array, as pearl_update takes
    if not hasattr(target, "cod") or len(target.dom) != 0 or target.cod != kernel.cod:
        raise TypeMismatch(
            f"Expected a target state on {kernel.cod}, the codomain of {kernel!r}, got "
            f"{target!r} instead."
        )
    if isinstance(kernel, Finite):
        pred = (prior >> kernel).array
        t, p = concrete(target.array), concrete(pred)
        if t is not None and p is not None and np.any((t > 0) & (p <= 0)):
            raise _zero_evidence("a Jeffrey target with mass on values of zero prior probability")
    return target >> invert(kernel, prior)


def update(kernel: Any, prior: Any, observations: Any) -> Any:
    r"""Batch Bayesian update: the posterior on :math:`X` after i.i.d. observations
    :math:`y_1, \dots, y_n` of ``kernel`` (leading axis of ``observations``),

    .. math:: \pi_n(x) \propto \pi(x) \textstyle\prod_i f(y_i \mid x).

    Equals :func:`sequential_update` (Kamiya–Welliaveetil). Raises :class:`ZeroEvidenceError`
    when the observations have probability 0 (concrete values).

    >>> from catlearn.probability.kernels.markov import Finite
    >>> from catlearn.core.types import Fin
    >>> coin = Finite([[0.5, 0.5], [0.9, 0.1]], Fin(2), Fin(2))     # fair or biased to 0
    >>> update(coin, Finite.state([0.5, 0.5]), jnp.array([0, 0])).array.round(4).tolist()
    [0.2358, 0.7642]
    """
    if _is_gaussian(_check_state(prior, kernel)):
        from catlearn.probability.inference._bayes_gaussian import update_gaussian

        return update_gaussian(kernel, prior, observations)
    ys, nx = _finite_batch(kernel, prior, observations)
    logf = jnp.log(kernel.array.reshape(nx, *kernel.array.shape[len(kernel.dom) :]))
    ll = jnp.sum(logf[(slice(None), *ys)], axis=-1) if ys[0].ndim else logf[(slice(None), *ys)]
    logw = jnp.log(prior.array.reshape(nx)) + ll
    top = jnp.max(logw)
    c = concrete(top)
    if c is not None and not np.isfinite(c):
        raise _zero_evidence("the observations")
    w = jnp.exp(logw - jnp.where(jnp.isfinite(top), top, 0.0))
    ev = jnp.sum(w)
    post = jnp.where(ev > 0, w / jnp.where(ev > 0, ev, 1.0), prior.array.reshape(nx))
    return Finite(post.reshape(prior.array.shape), Ty(), prior.cod, validate=False)


def _finite_batch(kernel: Any, prior: Any, observations: Any) -> tuple[tuple[Any, ...], int]:
    """The checked indices of a batch of observations of a Finite kernel, and the number of
    prior states (the preamble of :func:`update` and :func:`sequential_update`)."""
    if not isinstance(kernel, Finite):
        raise TypeMismatch(f"Expected a Finite or LinearGaussian kernel, got {kernel!r}.")
    return _batch_index(kernel, observations), int(prior.array.size)


def _batch_index(kernel: Finite, observations: Any) -> tuple[Any, ...]:
    cod = kernel.cod
    vals = cod.split(observations) if len(cod) > 1 else (observations,)
    out = []
    for v, a in zip(vals, cod.inside):
        v = jnp.asarray(v)
        if v.ndim != 1:
            raise ShapeError(
                f"Expected a batch of observations on {a} of shape (n,), got shape {v.shape} "
                f"instead; stack the observations along a leading axis."
            )
        idx = _checked_index(v, a)
        out.append(idx)
    return tuple(out)


def _checked_index(v: jax.Array, atom: Any) -> jax.Array:
    check_support(v, 0, atom.size - 1, f"observation on {atom}", integer=True)
    return v.astype(jnp.int32)


def sequential_update(kernel: Any, prior: Any, observations: Any) -> Any:
    r"""Sequential Bayesian update: fold :math:`\pi \mapsto f^\dagger_\pi(- \mid y_i)` over the
    observations with ``jax.lax.scan``. Equals :func:`update` (batch).

    >>> from catlearn.probability.kernels.markov import Finite
    >>> from catlearn.core.types import Fin
    >>> coin = Finite([[0.5, 0.5], [0.9, 0.1]], Fin(2), Fin(2))
    >>> sequential_update(coin, Finite.state([0.5, 0.5]), jnp.array([0, 0])).array.round(4).tolist()
    [0.2358, 0.7642]
    """
    if _is_gaussian(_check_state(prior, kernel)):
        from catlearn.probability.inference._bayes_gaussian import sequential_update_gaussian

        return sequential_update_gaussian(kernel, prior, observations)
    ys, nx = _finite_batch(kernel, prior, observations)
    f = kernel.array.reshape(nx, -1)
    cs = kernel.array.shape[len(kernel.dom) :]
    flat = jnp.ravel_multi_index(ys, cs, mode="clip") if len(cs) > 1 else ys[0]

    post, evs = _sequential_finite(f, prior.array.reshape(nx), flat)
    e = concrete(evs)
    if e is not None and np.any(e <= 0):
        raise _zero_evidence(f"observation {int(np.argmax(e <= 0))} of the sequence")
    return Finite(post.reshape(prior.array.shape), Ty(), prior.cod, validate=False)


@jax.jit
def _sequential_finite(f: jax.Array, pi: jax.Array, ys: jax.Array) -> tuple[jax.Array, jax.Array]:
    def step(pi: jax.Array, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        return invert_table(f, pi)[y], pi @ f[:, y]

    return jax.lax.scan(step, pi, ys)


# --- Bayesian lenses ----------------------------------------------------------------------------


class BayesLens(Composable):
    r"""A Bayesian lens (Smithe, Braithwaite, Hedges): a forward kernel :math:`f : X \to Y`
    and a state-dependent backward map :math:`f^\dagger : \pi \mapsto (Y \to X)`.

    Composition ``(f, f†) >> (g, g†)`` is

    .. math:: (f \gg g,\; \pi \mapsto g^\dagger_{\pi \gg f} \gg f^\dagger_\pi),

    so for exact lenses (:func:`bayes_lens`) the composite's backward is the inverse of the
    composite: :math:`(f \gg g)^\dagger_\pi = g^\dagger_{\pi \gg f} \gg f^\dagger_\pi`.
    Parallel composition ``f @ g`` has forward :math:`f \otimes g` and backward
    :math:`\pi \mapsto f^\dagger_{\pi_X} \otimes g^\dagger_{\pi_{X'}}` at the marginals of the
    prior: for exact lenses and a product prior :math:`\pi \otimes \rho` this is the law
    :math:`(f \otimes g)^\dagger_{\pi \otimes \rho} = f^\dagger_\pi \otimes g^\dagger_\rho`.

    Bayesian lenses are a kind of the composition engine (:mod:`catlearn.core.category`):
    ``>>``, ``@``, ``then(*many)``, ``id`` and ``swap`` build a node referring to the parts
    (O(1) per arrow, nothing computed). The composite's :attr:`forward` is folded once, when
    first read, and cached; its :meth:`backward` at a prior is one iterative pass over the
    parts (no recursion at any length): push the prior through each part, then compose the
    parts' inverses at the pushed priors in reverse order.

    For conjugate families (:mod:`catlearn.probability.inference.conjugate`) ``forward`` is the likelihood kernel
    (a :class:`~catlearn.probability.kernels.markov.Sampler` with its log-density) and the backward map sends a
    prior, given by its hyperparameters, to ``observation ↦ posterior``; those lenses have
    ``composable=False`` and are used on their own.

    >>> from catlearn.probability.kernels.markov import Finite
    >>> from catlearn.core.types import Fin
    >>> f = Finite([[0.75, 0.25], [0.25, 0.75]], Fin(2), Fin(2))
    >>> lens = bayes_lens(f) >> bayes_lens(f)
    >>> lens.forward.array.tolist()
    [[0.625, 0.375], [0.375, 0.625]]
    >>> lens.update(Finite.state([0.5, 0.5]), 0).array.tolist()     # posterior after y = 0
    [0.625, 0.375]
    >>> pi, rho = Finite.state([0.3, 0.7]), Finite.state([0.5, 0.5])
    >>> (bayes_lens(f) @ bayes_lens(f)).backward(pi @ rho).allclose(invert(f @ f, pi @ rho))
    True
    """

    __slots__ = ("_backward", "_forward", "_name", "_node", "cod", "composable", "dom")

    composable: bool
    _forward: Any
    _backward: Callable[[Any], Any] | None
    _name: str | None

    def __init__(
        self,
        forward: Any,
        backward: Callable[[Any], Any],
        *,
        name: str = "lens",
        composable: bool = True,
    ):
        if not callable(backward):
            raise errors.ArgumentTypeError(
                f"Expected backward to be a function prior -> inverse kernel, got "
                f"{type(backward).__name__}; e.g. BayesLens(f, lambda prior: invert(f, prior))."
            )
        dom, cod = getattr(forward, "dom", None), getattr(forward, "cod", None)
        if composable and not (isinstance(dom, Ty) and isinstance(cod, Ty)):
            raise errors.ArgumentTypeError(
                f"Expected the forward part of a composable lens to be a kernel with wire types "
                f"dom and cod (Finite, LinearGaussian, Sampler), got {type(forward).__name__} "
                f"({forward!r:.60}); e.g. BayesLens(Finite(...), backward), or pass "
                "composable=False for a lens used on its own."
            )
        _init(self, forward, backward, name, composable, dom, cod, None)

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Sequence[Any]) -> BayesLens:
        _program.check_composable(parts, "@" if type(node) is Tensor else ">>")
        self = object.__new__(cls)
        _init(self, None, None, None, True, dom, cod, node)
        return self

    def then(self, *others: BayesLens) -> BayesLens:
        """``self >> others[0] >> ...`` (class docstring); ``>>`` calls this."""
        _program.check_composable((self, *others), ">>")  # before the types: say why it cannot
        return super().then(*others)

    def tensor(self, *others: BayesLens | Ty) -> BayesLens:
        """``self @ others[0] @ ...`` (class docstring); ``@`` calls this."""
        _program.check_composable((self, *others), "@")
        return super().tensor(*others)

    def __setattr__(self, name: str, value: Any) -> None:
        raise errors.ImmutableError(
            f"BayesLens is immutable: cannot set {name!r}; build a new one instead."
        )

    def __repr__(self) -> str:
        if self._node is None:
            return f"BayesLens({self._name}: {self._forward!r})"
        name = self.name
        name = name if len(name) <= 60 else f"{name[:28]} ... {name[-28:]}"
        return f"BayesLens({name}: {self.dom} -> {self.cod})"

    @property
    def name(self) -> str:
        """The lens's name; a composite's is its parts' names joined by ``>>`` and ``@``."""
        if self._name is None:
            object.__setattr__(self, "_name", _program.name_of(self))
        return str(self._name)

    @property
    def forward(self) -> Any:
        """The forward kernel (for a composite: the composite of the parts' forwards, folded
        iteratively when first read, then cached)."""
        if self._forward is None:
            object.__setattr__(self, "_forward", _program.forward_of(self))
        return self._forward

    def backward(self, prior: Any) -> Any:
        r"""The backward map at ``prior``: for :func:`bayes_lens` parts the Bayesian inverse
        :math:`f^\dagger_\pi` of the forward kernel (a kernel from ``cod`` to ``dom``).

        A composite is run in one iterative pass (class docstring): a chain of any length
        never recurses and builds no closure per part.
        """
        if self._node is None:
            return self._backward(prior)  # type: ignore[misc]
        return _program.backward_of(self, prior)

    def update(self, prior: Any, observation: WireValue) -> Any:
        """The posterior state :math:`f^\\dagger_\\pi(- \\mid y)` for one observation ``y``."""
        return state_at(self.backward(prior), observation)


_FIELDS = ("_forward", "_backward", "_name", "composable", "dom", "cod", "_node")


def _init(self: BayesLens, *values: Any) -> None:
    """Set the fields ``_FIELDS`` of a new lens (immutable afterwards)."""
    for k, v in zip(_FIELDS, values, strict=True):
        object.__setattr__(self, k, v)


def bayes_lens(kernel: Finite | LinearGaussian) -> BayesLens:
    r"""The exact Bayesian lens of a kernel: ``(f, π ↦ invert(f, π))``.

    >>> from catlearn.probability.kernels.markov import Finite
    >>> from catlearn.core.types import Fin
    >>> f = Finite([[0.9, 0.1], [0.2, 0.8]], Fin(2), Fin(2))
    >>> bayes_lens(f).backward(Finite.state([0.5, 0.5])).allclose(invert(f, Finite.state([0.5, 0.5])))
    True
    """
    return BayesLens(kernel, lambda prior: invert(kernel, prior), name=repr(kernel))
