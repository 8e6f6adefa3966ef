"""The code every conjugate family shares (private to :mod:`.conjugate` and
:mod:`.conjugate_families`): the batch and sequential updates, the Bayesian lens and the
likelihood kernel, from the four methods a family provides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp

from catlearn.core.types import Ty
from catlearn.probability.inference.bayes import BayesLens
from catlearn.probability.kernels.sampler import Sampler

__all__: list[str] = []  # private: the families subclass _Family


class _Family:
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
