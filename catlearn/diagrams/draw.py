"""Pictures: string diagrams (through DisCoPy) and training curves (matplotlib).

Everything works headless (matplotlib picks its ``Agg`` backend without a display), imports
matplotlib lazily, and closes the figures it opens.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> plot_history({'loss': [1.0, 0.5, 0.3]}, out / 'loss.png').stat().st_size > 0
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from catlearn import errors
from catlearn.diagrams.diagram import Diagram, draw

__all__ = ["draw_diagram", "plot_history"]


def draw_diagram(diagram: Diagram, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Save a picture of ``diagram`` (PNG or SVG, by the suffix of ``path``); return the path.

    Keyword arguments go to DisCoPy's ``draw`` (``figsize=(4, 8)``, ``fontsize=12``, ...).

    >>> import tempfile, pathlib
    >>> from catlearn.diagrams.diagram import Box
    >>> from catlearn.core.types import Euclid
    >>> p = draw_diagram(Box('f', Euclid(2), Euclid(1)), pathlib.Path(tempfile.mkdtemp()) / 'f.svg')
    >>> p.read_text().startswith('<?xml')
    True
    """
    errors.expect_type(path, (str, os.PathLike), "the path", "pass a file name, e.g. 'out.png'")
    path = Path(path)
    draw(diagram, path, **kwargs)
    return path


def plot_history(
    history: Mapping[str, Sequence[float]] | Any,
    path: str | os.PathLike[str],
    *,
    keys: Sequence[str] | None = None,
    title: str | None = None,
    log: bool = False,
) -> Path:
    """Plot training curves, one line per key of ``history`` (e.g. ``fit(...).history``),
    against the epoch, and save the figure to ``path``. Keys with ``loss`` in their name go
    on the left axis, the others (accuracy, metrics) on a right-hand axis.

    ``history`` may also be an object with a ``.history`` attribute (a :class:`FitResult`).

    >>> import tempfile, pathlib
    >>> h = {'loss': [1.0, 0.4], 'val_metric': [0.7, 0.9]}
    >>> plot_history(h, pathlib.Path(tempfile.mkdtemp()) / 'c.png', title='demo').suffix
    '.png'
    """
    if not isinstance(history, Mapping):
        history = getattr(history, "history", history)
    if not isinstance(history, Mapping) or not history:
        raise errors.ArgumentValueError(
            f"Expected a history dict of lists (name -> values), got {history!r}; pass "
            "fit(...).history."
        )
    errors.expect_type(path, (str, os.PathLike), "the path", "pass a file name, e.g. 'out.png'")
    bad = [k for k, v in history.items() if not isinstance(v, Sequence | np.ndarray)]
    if bad:
        raise errors.ArgumentValueError(
            f"Expected a list of values per key of the history, got {history[bad[0]]!r:.60} "
            f"for {bad[0]!r}; pass fit(...).history."
        )
    keys = list(keys) if keys is not None else [k for k, v in history.items() if len(v)]
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    try:
        right = None
        lines = []
        for i, k in enumerate(keys):
            values = list(history[k])
            epochs = range(1, len(values) + 1)
            if "loss" in k:
                lines += ax.plot(epochs, values, color=f"C{i}", label=k)
            else:
                right = right or ax.twinx()
                lines += right.plot(epochs, values, "--", color=f"C{i}", label=k)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if log:
            ax.set_yscale("log")
        if right is not None:
            right.set_ylabel("metric")
        if lines:
            labels = cast(list[str], [ln.get_label() for ln in lines])  # str labels
            ax.legend(lines, labels, loc="best")
        if title:
            ax.set_title(title)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
