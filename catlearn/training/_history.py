"""The per-epoch history of a fit (private), shared by :func:`catlearn.training.fit` and
:func:`catlearn.training.functor.fit_functor`: ``"loss"`` and, when asked for, ``"metric"``,
``"val_loss"`` and ``"val_metric"``, each a list of floats, one per epoch.
"""

from __future__ import annotations

__all__ = ["empty_history"]


def empty_history(metric: bool, validation: bool) -> dict[str, list[float]]:
    """The history before the first epoch: a list for the loss, one for the metric when there
    is a metric, and the validation loss (and metric) when there is a validation set.

    >>> empty_history(metric=True, validation=True)
    {'loss': [], 'metric': [], 'val_loss': [], 'val_metric': []}
    >>> empty_history(metric=False, validation=True)
    {'loss': [], 'val_loss': []}
    """
    history: dict[str, list[float]] = {"loss": []}
    if metric:
        history["metric"] = []
    if validation:
        history["val_loss"] = []
        if metric:
            history["val_metric"] = []
    return history
