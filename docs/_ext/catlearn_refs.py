"""Cross-references of the API pages: hide private bases, link external types by their public
names, resolve catlearn's own short references, and list what may stay unresolved offline.

catlearn's own references must all resolve: ``nitpicky`` is on and only the external packages
below are allowed to stay unresolved (offline there are no intersphinx inventories for them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importable without Sphinx (tests/test_docs_refs.py)
    from docutils import nodes
    from sphinx.application import Sphinx

# Where JAX, equinox, optax and networkx define a type vs the name their documentation uses.
PUBLIC = {
    "jax.jaxlib._jax.Array": "jax.Array",
    "jaxlib._jax.Array": "jax.Array",
    "jaxlib.xla_extension.ArrayImpl": "jax.Array",
    "jax._src.mesh.Mesh": "jax.sharding.Mesh",
    "jax.P": "jax.sharding.PartitionSpec",
    "jax._src.named_sharding.NamedSharding": "jax.sharding.NamedSharding",
    "equinox._module._module.Module": "equinox.Module",
    "equinox._module.Module": "equinox.Module",
    "optax._src.base.GradientTransformation": "optax.GradientTransformation",
    "networkx.classes.digraph.DiGraph": "networkx.DiGraph",
}

# Packages whose types may appear unresolved (no inventory offline, or not in theirs).
EXTERNAL = (
    "jax",
    "jaxlib",
    "numpy",
    "optax",
    "equinox",
    "networkx",
    "discopy",
    "sklearn",
    "matplotlib",
    "collections",
    "typing",
    "os",
    "pathlib",
    "abc",
    "enum",
    "dataclasses",
    "functools",
    "builtins",
    "eqx",
    "subprocess",
    "np",
)
NITPICK_IGNORE_REGEX = [
    (r"py:.*", rf"({'|'.join(EXTERNAL)})(\..+)?"),
    # Python's own names (``int``, ``Callable``...) resolve only through Python's inventory.
    (r"py:.*", r"(int|float|str|bool|bytes|dict|list|tuple|set|type|object|None|Any|Callable)"),
    (r"py:.*", r"(Sequence|Mapping|Iterable|Iterator|Hashable|PathLike|Path|ABC)"),
    (r"py:.*", r"(Array|ArrayLike|PyTree|Mesh|NamedSharding|PartitionSpec|DiGraph|Module)"),
    (r"py:.*", r"(GradientTransformation|ndarray|KeyArray|PRNGKeyArray|DTypeLike)"),
    # Sphinx splits builtin generics in some signatures (``dict[str, list[float]]``).
    (r"py:.*", r"(dict|list|tuple|set|type)\[.*"),
]


def _private(module: str, qualname: str) -> bool:
    name = qualname.split(".")[-1]
    return name.startswith("_") or any(p.startswith("_") for p in module.split("."))


def process_bases(app: Sphinx, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """Drop catlearn's private bases (``_Structure``, ``Composable``, ``_Family``) and show
    external ones by their public names (``equinox.Module``, not ``equinox._module...``)."""
    keep: list[Any] = []
    for b in bases:
        mod = getattr(b, "__module__", "") or ""
        qual = getattr(b, "__qualname__", "") or ""
        full = f"{mod}.{qual}"
        if full in PUBLIC:
            keep.append(f":py:class:`{PUBLIC[full]}`")
        elif b is object or (mod.startswith("catlearn") and _private(mod, qual)):
            continue
        else:
            keep.append(b)
    bases[:] = keep


def drop_empty_bases(app: Sphinx, doctree: nodes.document) -> None:
    """A class whose bases are all private gets no "Bases:" line."""
    from docutils import nodes

    for p in list(doctree.findall(nodes.paragraph)):
        if p.astext().strip() == "Bases:":
            p.parent.remove(p)


def _catlearn_candidates(env: Any, target: str, cls: str | None) -> list[str]:
    objects = env.domains["py"].objects
    target = target.removeprefix("~")
    short = target.split(".")[-1]
    found = [
        k
        for k, v in objects.items()
        if k.startswith("catlearn.") and k.split(".")[-1] == short and not v.aliased
    ]
    if "." in target and not target.startswith("catlearn."):  # ``Finite.sample``: whole tail
        found = [k for k in found if k.endswith("." + target)]
    if len(found) > 1 and cls:
        in_cls = [k for k in found if k.split(".")[-2] == cls.split(".")[-1]]
        found = in_cls or found
    if len(found) > 1:  # the same object re-exported: keep the deepest (defining) module
        top = max(len(k.split(".")) for k in found)
        found = [k for k in found if len(k.split(".")) == top]
    return found


def _alias_name(name: str) -> bool:
    """``name`` is a module-level name of a catlearn module that is not a documented object: a
    type alias (``Node`` of a private module, ``WireValue`` or ``Loss`` of a public one)."""
    import sys

    return any(
        k.startswith("catlearn.") and name in vars(m) and not isinstance(vars(m)[name], type)
        for k, m in list(sys.modules.items())
        if m is not None
    ) or any(
        k.startswith("catlearn.") and "._" in k and name in vars(m)
        for k, m in list(sys.modules.items())
        if m is not None
    )


def missing_reference(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    public = PUBLIC.get(target)
    if public and "sphinx.ext.intersphinx" in app.extensions:
        from sphinx.ext.intersphinx import missing_reference as inventory

        retry = node.deepcopy()
        retry["reftarget"] = public
        res = inventory(app, env, retry, contnode)
        if res is not None:
            return res
    if target.startswith("catlearn.") and any(p.startswith("_") for p in target.split(".")):
        return contnode  # private internals are not documented: shown as code, not a link
    if "." in target and target.split(".")[0] in EXTERNAL:
        return None  # another package's name: intersphinx or nitpick_ignore decide
    found = _catlearn_candidates(env, target, node.get("py:class"))
    if not found and "." not in target and _alias_name(target):
        # A type alias (``Node`` of a private module, ``WireValue`` of a public one): code, not
        # a link. Only when no documented object has that name: ``ZeroEvidenceError`` is
        # imported into private modules too, and is documented (catlearn.errors), so it is linked.
        return contnode
    if len(found) != 1:
        return None
    py = env.domains["py"]
    return py.resolve_xref(
        env,
        node.get("refdoc", env.docname),
        app.builder,
        node.get("reftype", "obj"),
        found[0],
        node,
        contnode,
    )


_PROSE_TYPE = re.compile(r"^([^:`\[\]]*\s[^:`\[\]]*|[a-z]+): (.*)$")
_BUILTIN = {"int", "float", "str", "bool", "bytes", "dict", "list", "tuple", "set", "type"}


def prose_not_types(app: Sphinx, what: str, name: str, obj: Any, opts: Any, lines: list[str]):
    """An attribute docstring starting ``The parameter spec: ...`` is prose, not a type
    (napoleon would read ``The parameter spec`` as the attribute's type)."""
    if what in {"attribute", "property", "data"} and lines:
        m = _PROSE_TYPE.match(lines[0])
        if m and m.group(1) not in _BUILTIN:
            lines[0] = f"{m.group(1)} — {m.group(2)}"


_CLASS_REPR = re.compile(r"<class '(catlearn(?:\.\w+)*)\.(\w+)'>")


def public_values(app: Sphinx, doctree: nodes.document) -> None:
    """A module constant's value shows the classes it holds by name (``(VariableElimination,
    ...)``), not by their reprs, which name the private module a class is defined in
    (``<class 'catlearn.probability.networks._elimination.VariableElimination'>``)."""
    from docutils import nodes
    from sphinx import addnodes

    for sig in doctree.findall(addnodes.desc_signature):
        for text in list(sig.findall(nodes.Text)):
            if "<class 'catlearn." in text:
                text.parent.replace(text, nodes.Text(_CLASS_REPR.sub(r"\2", str(text))))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", prose_not_types, priority=100)
    app.connect("autodoc-process-bases", process_bases)
    app.connect("doctree-read", drop_empty_bases)
    app.connect("doctree-read", public_values)
    app.connect("missing-reference", missing_reference, priority=900)
    return {"parallel_read_safe": True}
