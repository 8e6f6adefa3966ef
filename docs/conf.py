"""Sphinx configuration for catlearn.

Build (offline, warnings are errors, notebooks executed)::

    pip install -e ".[docs]"
    sphinx-build -W -b html docs docs/_build/html

Intersphinx links to JAX / optax / DisCoPy / NumPy need the network, so they are opt-in:
``CATLEARN_DOCS_INTERSPHINX=1 sphinx-build ...``. Without it the build never touches the
network (MathJax is loaded by the reader's browser, not at build time).

API pages, the examples gallery and the benchmarks page are filled in from what exists in the
checkout (``catlearn/<module>.py``, ``examples/*.py``, ``benchmarks/results/*.md``), so the build
passes at every commit while the modules land one by one.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# Notebook kernels inherit this environment: CPU only, quiet progress bars.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Figures in notebooks are shown inline, even when the caller exported MPLBACKEND=Agg.
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
# (tqdm.auto warns "IProgress not found" in kernels without ipywidgets: noise in every page.)
os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning,ignore:IProgress not found")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
)

# -- Project ----------------------------------------------------------------------------------
project = "catlearn"
author = "catlearn developers"
copyright = "2026, catlearn developers"
try:
    import catlearn

    release = catlearn.__version__
except Exception:  # pragma: no cover - the API pages will report the import error
    release = "0.1.0"
version = release

# -- General ----------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_nb",
]
INTERSPHINX = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "jax": ("https://docs.jax.dev/en/latest", None),
    "optax": ("https://optax.readthedocs.io/en/latest", None),
    "equinox": ("https://docs.kidger.site/equinox", None),
    "discopy": ("https://docs.discopy.org/en/main", None),
}


def _reachable(url: str, timeout: float = 3.0) -> bool:
    import socket
    from urllib.parse import urlparse

    try:
        socket.create_connection((urlparse(url).hostname, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


if os.environ.get("CATLEARN_DOCS_INTERSPHINX") == "1":
    # Opt-in, and only the inventories that answer: offline, the build goes on without links
    # rather than failing under -W on "failed to reach any of the inventories".
    intersphinx_mapping = {k: v for k, v in INTERSPHINX.items() if _reachable(v[0])}
    if intersphinx_mapping:
        extensions.append("sphinx.ext.intersphinx")
        intersphinx_timeout = 10
    skipped = sorted(set(INTERSPHINX) - set(intersphinx_mapping))
    if skipped:
        print(f"catlearn docs: intersphinx skipped (unreachable): {', '.join(skipped)}")

exclude_patterns = [
    "_build",
    "jupyter_execute",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
    "README.md",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# -- The public modules: an API page is generated for each one that exists -------------------
# Known modules come first, in this order; any other public module found in catlearn/ follows.
API_ORDER = [
    "errors",
    "core.types",
    "core.para",
    "core.lens",
    "core.learner",
    "core.optim",
    "core.losses",
    "diagrams.diagram",
    "diagrams.compiler",
    "diagrams.nn",
    "diagrams.draw",
    "training.train",
    "training.sharding",
    "training.checkpoint",
    "probability.markov",
    "probability.gaussian",
    "probability.networks",
    "probability.bayes",
    "probability.conjugate",
    "probability.hmm",
    "probability.kalman",
    "probability.likelihood",
    "boolean.rdc",
    "boolean.rda",
    "boolean.rda_learn",
]


def _tracked() -> set[str] | None:
    """Files git tracks (None outside a git checkout, e.g. an sdist: then trust the disk).

    In a shared working tree, half-written modules of other people are on disk but not yet
    committed; documenting only tracked files makes a local build match a fresh clone.
    Set CATLEARN_DOCS_UNTRACKED=1 to document whatever is on disk.
    """
    if os.environ.get("CATLEARN_DOCS_UNTRACKED") == "1":
        return None
    try:
        out = subprocess.run(
            ["git", "ls-files", "catlearn", "examples", "docs/notebooks", "benchmarks/results"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return set(out.split())


TRACKED = _tracked()


def _present(path: Path) -> bool:
    if not path.exists():
        return False
    return TRACKED is None or path.relative_to(ROOT).as_posix() in TRACKED


def _public_modules() -> list[str]:
    """Dotted names (relative to ``catlearn``) of every public module and subpackage."""
    found = set()
    for p in (ROOT / "catlearn").rglob("*.py"):
        if not _present(p):
            continue
        parts = p.relative_to(ROOT / "catlearn").with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and not any(part.startswith("_") for part in parts):
            found.add(".".join(parts))
    return [m for m in API_ORDER if m in found] + sorted(found - set(API_ORDER))


PRESENT_MODULES = _public_modules()
GENERATED = DOCS / "generated" / "api"
GENERATED.mkdir(parents=True, exist_ok=True)
for _old in GENERATED.glob("*.rst"):
    if _old.stem not in PRESENT_MODULES:
        _old.unlink()
for _m in PRESENT_MODULES:
    _title = f"catlearn.{_m}"
    _text = f"{_title}\n{'=' * len(_title)}\n\n.. automodule:: {_title}\n"
    _page = GENERATED / f"{_m}.rst"
    if not _page.exists() or _page.read_text(encoding="utf-8") != _text:
        _page.write_text(_text, encoding="utf-8")

for _p in [*(DOCS / "notebooks").glob("*.md"), *(DOCS / "notebooks").glob("*.ipynb")]:
    if not _present(_p):  # someone's notebook in progress, not committed yet
        exclude_patterns.append(_p.relative_to(DOCS).as_posix())

# -- Autodoc / napoleon -----------------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
    "member-order": "bysource",
}
autodoc_typehints = "signature"
autosummary_generate = False
napoleon_google_docstring = True
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
add_module_names = False

# -- MyST / myst-nb ---------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("CATLEARN_DOCS_EXECUTE", "force")
nb_execution_timeout = 180
nb_execution_allow_errors = False
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_excludepatterns: list[str] = []
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}

# -- HTML -------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"catlearn {release}"
html_show_sourcelink = False

# Only cross-references that cannot resolve without intersphinx (external libraries) are
# silenced, and only when nitpicky mode is asked for; the default build does not turn it on.
suppress_warnings: list[str] = []


# -- Pages filled from the checkout -----------------------------------------------------------
EXAMPLES = {
    "iris_learners": "Iris classified by two learners composed with ``>>``, trained exactly as "
    "in *Backprop as Functor* (per-example update and request); checks that L_{ε,e} of the "
    "composite equals the composite of the learners.",
    "digits_mlp": "A multilayer perceptron on scikit-learn's digits, drawn as a string diagram "
    "and compiled into one jitted, scan-fused training loop.",
    "kalman_tracker": "A constant-velocity Kalman filter and RTS smoother tracking a 2-D target "
    "(singular process noise), checked against the same recursion built from Bayesian lenses and "
    "against a hand-written NumPy filter; 1,000 targets at once with ``jax.vmap``.",
    "bayes_network_query": "A Bayesian network written the way pgmpy users write it (a DAG and "
    "tables), turned into a string diagram of Markov kernels and queried by variable name.",
    "rda_iris": "Reverse derivative ascent learning a Boolean circuit on binarised Iris.",
}


def _doc_summary(path: Path) -> str:
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except SyntaxError:
        return ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


def _api_index() -> str:
    lines = ["", ".. currentmodule:: catlearn", "", ".. autosummary::", ""]
    lines += [f"   {m}" for m in PRESENT_MODULES]
    lines += ["", ".. toctree::", "   :maxdepth: 1", "   :hidden:", ""]
    lines += [f"   /generated/api/{m}" for m in PRESENT_MODULES]
    return "\n".join(lines) + "\n"


def _gallery() -> str:
    found = {
        p.stem: p
        for p in (ROOT / "examples").glob("*.py")
        if not p.name.startswith("_") and _present(p)
    }
    order = [n for n in EXAMPLES if n in found] + sorted(set(found) - set(EXAMPLES))
    scripts = [found[n] for n in order]
    if not scripts:
        return "\n*No example scripts yet.*\n"
    out = []
    for p in scripts:
        stem = p.stem
        what = EXAMPLES.get(stem) or _doc_summary(p) or "(no description)"
        out += [
            "",
            f"## `{p.name}`",
            "",
            what,
            "",
            "```bash",
            f"python examples/{p.name}",
            "```",
            "",
            f"```{{literalinclude}} ../examples/{p.name}",
            ":language: python",
            "```",
            "",
        ]
    return "\n".join(out) + "\n"


def _benchmarks() -> str:
    results = sorted(p for p in (ROOT / "benchmarks" / "results").glob("*.md") if _present(p))
    if not results:
        return (
            "\n*No benchmark results have been committed yet.* Run the scripts in "
            "`benchmarks/` to produce `benchmarks/results/*.md`.\n"
        )
    out = []
    for p in results:
        out += [
            "",
            f"```{{include}} ../benchmarks/results/{p.name}",
            ":heading-offset: 1",
            "```",
            "",
        ]
    return "\n".join(out) + "\n"


NOTEBOOKS = [
    "backprop_as_functor",
    "lenses_and_optimisers",
    "diagram_to_xla",
    "markov_and_inversion",
    "bayesian_lenses_filtering",
    "likelihood_functor",
    "rda_boolean_circuits",
]


def _notebooks() -> str:
    nbs = [*(DOCS / "notebooks").glob("*.md"), *(DOCS / "notebooks").glob("*.ipynb")]
    found = {p.stem for p in nbs if _present(p)}
    order = [n for n in NOTEBOOKS if n in found] + sorted(found - set(NOTEBOOKS))
    if not order:
        return ""
    lines = ["```{toctree}", ":maxdepth: 1", ":caption: Teaching notebooks", ""]
    return "\n".join(lines + [f"notebooks/{n}" for n in order] + ["```"]) + "\n"


_FILLERS = {
    "index": ("%%NOTEBOOKS%%", _notebooks),
    "api/index": ("%%API_MODULES%%", _api_index),
    "examples": ("%%GALLERY%%", _gallery),
    "benchmarks": ("%%BENCHMARKS%%", _benchmarks),
}


def _fill(app, docname, source):
    if docname in _FILLERS:
        marker, make = _FILLERS[docname]
        source[0] = source[0].replace(marker, make())


def _always_reread(app, env, added, changed, removed):
    # The filled pages depend on files outside docs/: re-read them on every build.
    return [d for d in _FILLERS if d in env.found_docs]


def setup(app):
    app.connect("source-read", _fill)
    app.connect("env-get-outdated", _always_reread)
    return {"parallel_read_safe": True}
