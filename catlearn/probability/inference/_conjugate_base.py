"""The code every conjugate family shares (private to :mod:`.conjugate` and
:mod:`.conjugate_families`): the batch and sequential updates, the Bayesian lens and the
likelihood kernel, from the four methods a family provides; the checks of the parameters of
the families and of their priors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import jax
import jax.numpy as jnp

from catlearn.core.types import Ty
from catlearn.errors import HyperparameterError
from catlearn.probability.inference.bayes import BayesLens
from catlearn.probability.kernels._checks import check_finite, check_positive, count_and_sum
from catlearn.probability.kernels.sampler import Sampler

__all__: list[str] = []  # private: the families subclass _Family, the priors _Checked


def check_whole(value: Any, call: str, symbol: str) -> None:
    """Raise :class:`HyperparameterError` unless ``value`` (written ``symbol`` in ``call``) is
    an integer >= 1."""
    if not isinstance(value, int) or value < 1:
        raise HyperparameterError(f"Expected {call} with an integer {symbol} >= 1, got {value!r}.")


class _Checked:
    """Checks a dataclass's parameters after construction (those that are concrete): the
    fields named in ``_finite`` finite, then those in ``_positive`` positive, an error naming
    ``"<class> <field>"``."""

    _finite: ClassVar[tuple[str, ...]] = ()
    _positive: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        cls = type(self).__name__
        for name in self._finite:
            check_finite(getattr(self, name), f"{cls} {name}")
        for name in self._positive:
            check_positive(getattr(self, name), f"{cls} {name}")


class _Family(_Checked):
    """Shared code: sequential update, the Bayesian lens, the likelihood kernel."""

    if TYPE_CHECKING:  # provided by every family (regression: no _kernel_parts, own likelihood)

        def _kernel_parts(self) -> tuple[Ty, Ty, Any]: ...
        def log_likelihood(self, theta: Any, obs: Any) -> jax.Array: ...
        def sufficient_statistic(self, data: Any) -> Any: ...
        def update_statistic(self, prior: Any, stat: Any) -> Any: ...

    def update(self, prior: Any, data: Any) -> Any:
        """The posterior after a batch: ``update_statistic(prior, sufficient_statistic(data))``."""
        return self.update_statistic(prior, self.sufficient_statistic(data))

    def update_one(self, prior: Any, obs: Any) -> Any:
        """The posterior after a single observation: ``update`` of a batch of one."""
        return self.update(prior, jax.tree_util.tree_map(lambda v: jnp.asarray(v)[None], obs))

    def sequential_update(self, prior: Any, data: Any) -> Any:
        """Fold :meth:`update_one` over the leading axis of ``data`` with ``jax.lax.scan``;
        equals :meth:`update`. The prior's numbers become arrays of the default float first
        (the scan's carry keeps one type)."""
        self._check_data(data)
        prior = jax.tree_util.tree_map(lambda v: jnp.asarray(v, jnp.result_type(float)), prior)
        post, _ = jax.lax.scan(lambda p, y: (self.update_one(p, y), None), prior, data)
        return post

    def lens(self) -> BayesLens:
        """The Bayesian lens (likelihood kernel, prior ↦ (observation ↦ posterior))."""
        return BayesLens(
            self.likelihood(),
            lambda prior: lambda obs: self.update_one(prior, obs),
            name=type(self).__name__,
            composable=False,
        )

    def likelihood(self) -> Any:
        """The likelihood as a kernel θ ↦ p(- | θ): a
        :class:`~catlearn.probability.kernels.sampler.Sampler` with ``log_prob(y, x=θ)`` (or
        the bare log-likelihood ``(θ, obs) ↦ log p`` for regression)."""
        dom, cod, draw = self._kernel_parts()
        return Sampler(draw, dom, cod, log_prob_fn=lambda y, theta: self.log_likelihood(theta, y))

    def _check_data(self, data: Any) -> None:  # overridden by the families that check
        pass

    def _count_and_sum(self, data: Any, what: str) -> tuple[jax.Array, jax.Array]:
        """``(n, Σ data)`` of checked data: the sufficient statistic of the families whose
        update reads only the count and the total of ``what``."""
        self._check_data(data)
        return count_and_sum(data, what)
