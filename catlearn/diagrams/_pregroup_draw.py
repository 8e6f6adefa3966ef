"""Drawing pregroup sentence diagrams as lambeq does (:func:`catlearn.diagrams.pregroup.draw_pregroup`)."""

from __future__ import annotations

import os
from typing import Any

from catlearn.diagrams.diagram import Diagram
from catlearn.errors import DiagramError


def draw(
    diagram: Diagram, path: str | os.PathLike[str] | None, figsize: Any, word: type, cup: type
) -> Any:
    """Word triangles in a row, their wires labelled by type, cups as arcs below, open wires
    running down; saved to ``path`` (figure closed) or returned. ``word`` and ``cup`` are the
    pregroup module's box classes (passed in: that module imports this one)."""
    import matplotlib.pyplot as plt

    words, links, outputs = sentence_structure(diagram, word, cup)
    xs, centres, x = [], [], 0.0
    for w in words:
        k = len(w.cod)
        pos = [x + 0.6 * j for j in range(k)]
        xs.extend(pos)
        centres.append((w.name, pos[0], pos[-1]))
        x = pos[-1] + 1.2
    fig, ax = plt.subplots(figsize=figsize or (max(3.0, 0.9 * x), 2.6))
    labels = [a for w in words for a in w.cod.inside]
    for name, a, b in centres:
        mid = (a + b) / 2
        ax.fill([a - 0.35, b + 0.35, mid], [0, 0, 0.7], facecolor="white", edgecolor="black")
        ax.text(mid, 0.28, name, ha="center", va="center", fontsize=10)
    depth: dict[tuple[int, int], int] = {}
    for i, j in links:
        inner = [depth[(p, q)] for p, q in depth if i < p and q < j]
        depth[(i, j)] = 1 + max(inner, default=0)
    for (i, j), dlev in depth.items():
        h = 0.35 * dlev
        ax.plot([xs[i], xs[i], xs[j], xs[j]], [0, -h, -h, 0], color="black", lw=1)
    for i in outputs:
        ax.plot([xs[i], xs[i]], [0, -1.6], color="black", lw=1)
        ax.text(xs[i] + 0.05, -1.6, repr(labels[i]), fontsize=9, va="bottom")
    for i, lab in enumerate(labels):
        ax.text(xs[i] + 0.04, -0.12, repr(lab), fontsize=7, va="top", color="dimgray")
    ax.set_axis_off()
    ax.set_xlim(-0.6, x - 0.6)
    ax.set_ylim(-1.8, 0.8)
    if path is None:
        return fig
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return None


def sentence_structure(
    diagram: Diagram, word: Any, cup: Any
) -> tuple[list[Any], list[tuple[int, int]], list[int]]:
    """Words, cups (atom positions) and open wires of ``words >> cups`` (as :func:`parse`
    builds), or a DiagramError naming what else was found."""
    words: list[Any] = []
    ids: list[int] = []
    links: list[tuple[int, int]] = []
    for off, box in diagram.layers:
        if isinstance(box, word) and not links:
            n = sum(len(w.cod) for w in words)
            ids[off:off] = range(n, n + len(box.cod))
            words.append(box)
        elif isinstance(box, cup):
            links.append((ids[off], ids[off + 1]))
            del ids[off : off + 2]
        else:
            raise DiagramError(
                f"Expected a sentence diagram (words, then cups), got {box!r}; draw other "
                "diagrams with Diagram.draw."
            )
    if ids != sorted(ids):
        raise DiagramError("Expected words placed left to right, as parse builds them.")
    return words, links, ids
