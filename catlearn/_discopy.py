"""The only module that imports DisCoPy (pinned ``discopy==1.2.2``).

DisCoPy's import pulls in matplotlib and networkx (~0.8 s), so it is imported lazily: the
names below are resolved on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__: list[str] = []


def __getattr__(name: str) -> Any:
    if name == "markov":
        return importlib.import_module("discopy.markov")
    if name in {"cat", "monoidal", "symmetric", "drawing", "python"}:
        return importlib.import_module(f"discopy.{name}")
    raise AttributeError(name)
