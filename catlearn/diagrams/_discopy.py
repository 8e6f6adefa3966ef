"""The only module that imports DisCoPy (pinned ``discopy==1.2.2``).

DisCoPy's import pulls in matplotlib and networkx (~0.8 s), so it is imported lazily: the
modules below are resolved on first attribute access (``_discopy.markov``), and
``import catlearn`` stays cheap.

Wire types travel to DisCoPy by **name**: a catlearn atom ``Euclid(64)`` becomes the DisCoPy
atom ``Ty('Euclid(64)')`` (its ``repr``), and the name is parsed back (``Euclid(64)``,
``Euclid(2, 3, dtype=float64)``, ``Fin(10)``, ``Bool(4)``). ``repr`` is injective on atoms
(it shows the shape, the size and the dtype), so the translation is a bijection, and it
depends only on its input: no registry of the types seen before.

>>> from catlearn.core.types import Euclid, Fin
>>> t = Euclid(3) @ Fin(2)
>>> from_discopy_ty(to_discopy_ty(t)) == t
True
>>> str(to_discopy_ty(t))
'Euclid(3) @ Fin(2)'
"""

from __future__ import annotations

import ast
import importlib
from typing import Any

from catlearn import errors
from catlearn.core.types import Atom, Bool, Euclid, Fin, Ty
from catlearn.errors import DiagramError

__all__ = ["from_discopy_ty", "to_discopy_ty"]

_KINDS: dict[str, type[Atom]] = {"Euclid": Euclid, "Fin": Fin, "Bool": Bool}


def __getattr__(name: str) -> Any:
    if name == "markov":
        return importlib.import_module("discopy.markov")
    if name == "pregroup":  # lambeq 0.5's grammar module too
        return importlib.import_module("discopy.grammar.pregroup")
    if name in {"cat", "monoidal", "symmetric", "drawing", "python"}:
        return importlib.import_module(f"discopy.{name}")
    raise errors.UnknownAttributeError(f"module 'discopy' proxy has no attribute {name!r}")


def to_discopy_ty(ty: Ty) -> Any:
    """The DisCoPy type (``discopy.markov.Ty``) whose atoms are named by the atoms of ``ty``."""
    markov = importlib.import_module("discopy.markov")
    return markov.Ty(*(repr(atom) for atom in ty.inside))


def _parse_atom(name: str) -> Atom | None:
    """The atom whose ``repr`` is ``name``, or ``None`` when ``name`` is not one."""
    try:
        call = ast.parse(name, mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return None
    kind = _KINDS.get(call.func.id)
    if kind is None:
        return None
    if not all(isinstance(a, ast.Constant) and isinstance(a.value, int) for a in call.args):
        return None
    kwargs: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg != "dtype" or not isinstance(kw.value, ast.Name):
            return None
        kwargs["dtype"] = kw.value.id
    try:
        atom = kind(*(a.value for a in call.args), **kwargs)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    return atom if repr(atom) == name else None


def from_discopy_ty(dty: Any) -> Ty:
    """The catlearn type of a DisCoPy type built by :func:`to_discopy_ty`."""
    atoms = []
    for ob in dty.inside:
        atom = _parse_atom(ob.name)
        if atom is None:
            raise DiagramError(
                f"Expected wires typed by catlearn atoms (Euclid, Fin, Bool), got the DisCoPy "
                f"type {ob.name!r}, which catlearn does not know. Build the diagram with "
                "catlearn.diagrams.diagram.Box(name, dom, cod) and catlearn types, e.g. Euclid(3)."
            )
        atoms.append(atom)
    return Ty(*atoms)


def not_a_diagram(x: Any, doing: str = "draw") -> errors.ArgumentTypeError:
    """The error for drawing (or converting) ``x`` that is not a catlearn diagram, pointing
    the way that fits: a tuple holding a diagram (``BayesNet.to_diagram`` returns ``(diagram,
    arrows)``), a DisCoPy diagram, or anything else.

    >>> from catlearn.diagrams.diagram import Box
    >>> from catlearn.core.types import Euclid
    >>> print(not_a_diagram((Box("f", Euclid(1), Euclid(1)), {})))
    Expected a catlearn Diagram to draw, got a tuple whose item 0 is a Box: draw that item (e.g. diagram, arrows = net.to_diagram(); draw(diagram, path)).
    """

    def catlearn_diagram(v: Any) -> bool:
        return type(v).__module__ == "catlearn.diagrams.diagram" and type(v).__name__ in (
            "Diagram",
            "Box",
        )

    head = f"Expected a catlearn Diagram to {doing}, got "
    if isinstance(x, tuple | list):
        hits = [i for i, v in enumerate(x) if catlearn_diagram(v)]
        if hits:
            return errors.ArgumentTypeError(
                f"{head}a {type(x).__name__} whose item {hits[0]} is a "
                f"{type(x[hits[0]]).__name__}: {doing} that item (e.g. diagram, arrows = "
                f"net.to_diagram(); {doing}(diagram, path))."
            )
    if type(x).__module__.split(".")[0] == "discopy":
        return errors.ArgumentTypeError(
            f"{head}a DisCoPy {type(x).__name__}; convert it with Diagram.from_discopy(...)."
        )
    return errors.ArgumentTypeError(
        f"{head}{type(x).__name__} ({x!r:.60}); build one from boxes, e.g. Box('f', a, b) >> g."
    )
