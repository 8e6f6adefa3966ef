"""The only module that imports DisCoPy (pinned ``discopy==1.2.2``).

DisCoPy's import pulls in matplotlib and networkx (~0.8 s), so it is imported lazily: the
modules below are resolved on first attribute access (``_discopy.markov``), and
``import catlearn`` stays cheap.

Wire types travel to DisCoPy by **name**: a catlearn atom ``Euclid(64)`` becomes the DisCoPy
atom ``Ty('Euclid(64)')`` (its ``repr``), and a registry maps the name back. ``repr`` is
injective on atoms (it shows the shape, the size and the dtype), so the translation is a
bijection between the types catlearn has seen and their DisCoPy images.

>>> from catlearn.core.types import Euclid, Fin
>>> t = Euclid(3) @ Fin(2)
>>> from_discopy_ty(to_discopy_ty(t)) == t
True
>>> str(to_discopy_ty(t))
'Euclid(3) @ Fin(2)'
"""

from __future__ import annotations

import importlib
from typing import Any

from catlearn import errors
from catlearn.core.types import Atom, Ty
from catlearn.errors import DiagramError

__all__ = ["from_discopy_ty", "to_discopy_ty"]

_ATOMS: dict[str, Atom] = {}
_TO: dict[Ty, Any] = {}


def __getattr__(name: str) -> Any:
    if name == "markov":
        return importlib.import_module("discopy.markov")
    if name in {"cat", "monoidal", "symmetric", "drawing", "python"}:
        return importlib.import_module(f"discopy.{name}")
    raise errors.UnknownAttributeError(f"module 'discopy' proxy has no attribute {name!r}")


def to_discopy_ty(ty: Ty) -> Any:
    """The DisCoPy type (``discopy.markov.Ty``) whose atoms are named by the atoms of ``ty``."""
    cached = _TO.get(ty)
    if cached is not None:
        return cached
    names = []
    for atom in ty.inside:
        name = repr(atom)
        _ATOMS.setdefault(name, atom)
        names.append(name)
    markov = importlib.import_module("discopy.markov")
    out = markov.Ty(*names)
    _TO[ty] = out
    return out


def from_discopy_ty(dty: Any) -> Ty:
    """The catlearn type of a DisCoPy type built by :func:`to_discopy_ty`."""
    atoms = []
    for ob in dty.inside:
        atom = _ATOMS.get(ob.name)
        if atom is None:
            raise DiagramError(
                f"Expected wires typed by catlearn atoms (Euclid, Fin, Bool), got the DisCoPy "
                f"type {ob.name!r}, which catlearn does not know. Build the diagram with "
                "catlearn.diagrams.diagram.Box(name, dom, cod) and catlearn types, e.g. Euclid(3)."
            )
        atoms.append(atom)
    return Ty(*atoms)
