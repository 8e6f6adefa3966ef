"""The house rules, checked: imports only go down, no cycles, no private cross-module imports.

Layers (each may import only from lower ones; siblings on one floor never import each other)::

    training              fit, sharding, checkpoints, learning functors from diagrams
    probability | boolean semantics areas (siblings: never import each other)
    diagrams              the syntax: diagrams, the compiler, ready boxes, drawing
    core                  types, the IR, Para, lenses, learners, optimisers, losses
    errors                the error classes

Inside ``probability`` the sub-areas have floors of their own (``SUBFLOOR``)::

    inference               invert, condition, Bayesian lenses, conjugate families, learners, GP
    networks | statespace   factor networks and engines; HMM/LGSSM scans (siblings)
    kernels                 Finite, LinearGaussian, Sampler, stochastic maps; the shared checks

and a private module of ``kernels`` (its ``_checks.py``, the one home of the area's checks) may
be imported by the whole area, as core's are by every area.

Syntax knows nothing of semantics (``diagrams`` imports only ``core``); a semantics area may
read diagrams (``BayesNet.to_diagram``).

``catlearn/__init__.py`` and ``catlearn/__main__.py`` sit above everything and may import any
area. A private module (``_checks.py``) is shared by its own area only, except those of
``core``, the floor every area builds on (the category protocol ``core/_category.py``). A
private name (``_x``) defined in a public module is private to that module: a helper that two
modules need lives in a private shared module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent / "catlearn"
FLOOR = {"errors": 0, "core": 1, "diagrams": 2, "probability": 3, "boolean": 3, "training": 4}
TOP = {"catlearn", "catlearn.__main__"}
SUBFLOOR = {
    "probability": {"kernels": 0, "networks": 1, "statespace": 1, "inference": 2},
}
"""The sub-areas of an area and their floors (a module directly in the area, e.g. its face or
``_moved.py``, sits above all of them)."""
MAX_LINES = 600  # "no module over ~500 lines": the guideline, with a margin before a test fails
# Known debt, to split next (a ratchet: these may shrink, never grow).
OVERSIZED: dict[str, int] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) for every catlearn import, function-level too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("catlearn"):
                    found.append((alias.name, [], node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("catlearn"):
                names = [a.name for a in node.names]
                # `from catlearn.area import module` imports a module, not a name
                subs = [n for n in names if f"{node.module}.{n}" in MODULES]
                for n in subs:
                    found.append((f"{node.module}.{n}", [], node.lineno))
                rest = [n for n in names if n not in subs]
                if rest or not subs:
                    found.append((node.module, rest, node.lineno))
    return found


def _area(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _sub(module: str) -> str | None:
    parts = module.split(".")
    subs = SUBFLOOR.get(parts[1], {}) if len(parts) > 1 else {}
    return parts[2] if len(parts) > 2 and parts[2] in subs else None


def _sub_violation(mod: str, target: str) -> str | None:
    """Why ``mod`` may not import ``target`` (both in one area with sub-areas), else None."""
    area, here, there = _area(mod), _sub(mod), _sub(target)
    if area not in SUBFLOOR or there is None:
        return None
    floors = SUBFLOOR[area]
    if here is None:  # the area's face and its top-level modules see every sub-area
        return None
    if there != here and floors[there] >= floors[here]:
        return (
            f"{area}.{here} (floor {floors[here]}) imports {target} "
            f"({area}.{there}, floor {floors[there]}): sub-areas import only downward"
        )
    private = any(p.startswith("_") for p in target.split(".")[3:])
    if private and there != here and there != min(floors, key=floors.__getitem__):
        return f"imports the private module {target} of the sub-area {area}.{there}"
    return None


def _violations() -> list[str]:
    bad = []
    for mod, path in MODULES.items():
        if mod in TOP:
            continue
        here = _area(mod)
        for target, names, line in _imports(path):
            there = _area(target)
            where = f"{path.relative_to(ROOT.parent)}:{line}"
            if there is None:
                bad.append(f"{where}: imports the top-level package `catlearn` (import the area)")
                continue
            if there not in FLOOR or here not in FLOOR:
                bad.append(f"{where}: unknown area in {mod} -> {target}")
                continue
            if there != here and FLOOR[there] >= FLOOR[here]:
                bad.append(
                    f"{where}: {here} (floor {FLOOR[here]}) imports {target} "
                    f"(floor {FLOOR[there]}): imports must go down"
                )
            if there == here:
                why = _sub_violation(mod, target)
                if why:
                    bad.append(f"{where}: {why}")
            private_module = any(p.startswith("_") for p in target.split(".")[1:])
            if private_module and there not in (here, "core"):
                bad.append(f"{where}: imports the private module {target} of another area")
            for name in names:
                if name.startswith("_") and not name.startswith("__") and not private_module:
                    bad.append(
                        f"{where}: imports the private name {name} from {target}; move "
                        "it to a private shared module of the area"
                    )
    return bad


def test_imports_only_go_down_and_private_stays_private():
    bad = _violations()
    assert not bad, "House rules broken:\n" + "\n".join(bad)


def test_no_import_cycles():
    graph = nx.DiGraph()
    for mod, path in MODULES.items():
        for target, _, _ in _imports(path):
            target = target if target in MODULES else target.rsplit(".", 1)[0]
            if target in MODULES and target != mod and not target.startswith(mod + "."):
                # a package's __init__ re-exporting its own modules is not a cycle
                if mod != "catlearn" and not (target.startswith(mod) and mod in TOP):
                    graph.add_edge(mod, target)
    # a subpackage __init__ importing its own modules is the package, not a cycle
    for mod in list(graph):
        for target in list(graph.successors(mod)):
            if target.startswith(mod + "."):
                graph.remove_edge(mod, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"Import cycles: {cycles}"


@pytest.mark.parametrize("mod", sorted(MODULES))
def test_module_size(mod):
    n = len(MODULES[mod].read_text(encoding="utf-8").splitlines())
    assert n <= OVERSIZED.get(mod, MAX_LINES), (
        f"{mod} has {n} lines: split it along the areas it mixes"
    )
