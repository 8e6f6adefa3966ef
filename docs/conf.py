"""Sphinx configuration for catlearn.

Build as CI does (offline, warnings are errors, every reference checked, notebooks executed,
examples run)::

    pip install -e ".[docs]"
    bash .ci/docs

``CATLEARN_DOCS_EXECUTE=off`` skips running notebooks and examples (quick look at the prose).
Intersphinx (Python, NumPy, JAX, optax, equinox, networkx) is used whenever the inventories can
be reached or a copy is in ``docs/_inv/``; ``CATLEARN_DOCS_INTERSPHINX=0`` turns it off.

API pages, the notebook list, the gallery, the example pages and the benchmarks page are made
from what is committed (``catlearn/**.py``, ``docs/notebooks/*.md``, ``examples/*.py``,
``benchmarks/results/*.md``) by ``docs/_ext/catlearn_docs.py`` and ``docs/_ext/benchpage.py``.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

import benchpage
import catlearn_docs as pages
import catlearn_refs

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
# A notebook that times nothing is executed with XLA's backend optimisation at level 0, as the
# tests are (conftest.py): its outputs are what it computes, and LLVM's optimisation of each
# small program is a third of its compile time on CI's 2 cores. A page whose code times
# something (perf_counter, timeit, a fit's *_seconds) runs at XLA's default, as a user's
# would; so do the examples and the benchmarks. CATLEARN_DOCS_XLA_DEFAULT=1 runs every page
# at the default. (Set per page when Sphinx reads it: its kernel inherits the environment.)
XLA_FLAGS = os.environ.get("XLA_FLAGS", "")
TIMED = re.compile(r"perf_counter|timeit|time\.time\(|_seconds\b")
FAST_COMPILE = (
    os.environ.get("CATLEARN_DOCS_XLA_DEFAULT") != "1"
    and "--xla_backend_optimization_level" not in XLA_FLAGS
)

# -- Project ----------------------------------------------------------------------------------
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
URLS: dict[str, str] = PYPROJECT.get("urls", {})  # Repository, Changelog, ...: one source
REPOSITORY = URLS.get("Repository")  # none published yet: no source links then
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
sys.path.insert(0, str(DOCS / "_ext"))
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static/mathjax: formulas render offline
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "myst_nb",
    "catlearn_refs",
]
# Math is rendered by the MathJax bundled with sphinx-mathjax-offline, never fetched from a CDN
# (tests/test_docs.py checks that no page loads a script from another host).
mathjax_path = "mathjax/tex-chtml.js"
# Copy buttons copy the code only: prompts (>>>, ...) and the output lines of doctests are left out.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"

# Intersphinx: JAX, NumPy, optax, equinox, networkx and Python, whenever they can be reached.
# CATLEARN_DOCS_INTERSPHINX=auto (default) uses every inventory that answers (or a local copy,
# docs/_inv/<name>.inv), and skips the others with a note, so an offline build passes under -W;
# =0 turns intersphinx off, =1 insists (unreachable inventories then fail the build).
INTERSPHINX = {
    "python": "https://docs.python.org/3",
    "numpy": "https://numpy.org/doc/stable",
    "jax": "https://docs.jax.dev/en/latest",
    "optax": "https://optax.readthedocs.io/en/latest",
    "equinox": "https://docs.kidger.site/equinox",
    "networkx": "https://networkx.org/documentation/stable",
}


def _reachable(url: str, timeout: float = 3.0) -> bool:
    import socket
    from urllib.parse import urlparse

    try:
        socket.create_connection((urlparse(url).hostname, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


_isx = os.environ.get("CATLEARN_DOCS_INTERSPHINX", "auto")
intersphinx_mapping: dict[str, tuple[str, object]] = {}
if _isx != "0":
    for _name, _url in INTERSPHINX.items():
        _local = DOCS / "_inv" / f"{_name}.inv"
        if _isx == "1" or _reachable(_url):
            intersphinx_mapping[_name] = (_url, (None, str(_local)) if _local.exists() else None)
        elif _local.exists():
            intersphinx_mapping[_name] = (_url, str(_local))
    if intersphinx_mapping:
        extensions.append("sphinx.ext.intersphinx")
        intersphinx_timeout = 10
    _skipped = sorted(set(INTERSPHINX) - set(intersphinx_mapping))
    if _skipped:
        print(f"catlearn docs: intersphinx skipped (offline, no local copy): {', '.join(_skipped)}")

# Every cross-reference must resolve (nitpicky): catlearn's own always; only types of external
# packages may stay unresolved (offline, or missing from their inventories).
nitpicky = True
nitpick_ignore_regex = catlearn_refs.NITPICK_IGNORE_REGEX
if os.environ.get("CATLEARN_DOCS_NITPICK_ALL") == "1":  # list the allowed ones too
    nitpick_ignore_regex = []

exclude_patterns = [
    "_build",
    "_ext",
    "_inv",
    "jupyter_execute",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
    "README.md",
    "generated/ipynb/*",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# -- What the build fills in from the checkout ------------------------------------------------
# API pages: the areas in this order, and inside each area its modules and sub-areas in this
# order (the sidebar and docs/api/index.md nest them: area > sub-area > module); any other public
# module found follows its siblings.
API_ORDER = [
    "errors",
    *("core", "core.types", "core.program", "core.category", "core.para", "core.lens"),
    *("core.learner", "core.dynamics", "core.fong_johnson", "core.optim", "core.losses"),
    *("core.step", "core.loop", "core.state", "core.checked"),
    *("diagrams", "diagrams.diagram", "diagrams.compiler", "diagrams.nn", "diagrams.diff"),
    *("diagrams.draw", "diagrams.vision", "diagrams.pregroup"),
    *("training", "training.train", "training.functor", "training.sentences"),
    *("training.sharding", "training.distributed", "training.checkpoint"),
    "probability",
    *("probability.kernels", "probability.kernels.markov", "probability.kernels.gaussian"),
    *("probability.kernels.stochastic", "probability.kernels.sampler"),
    "probability.kernels.contraction",
    *("probability.kernels.likelihood", "probability.kernels.predicates"),
    *("probability.networks", "probability.networks.bayesnet", "probability.networks.engines"),
    "probability.networks.cpt",
    *("probability.networks.lazy", "probability.networks.published"),
    *("probability.statespace", "probability.statespace.hmm"),
    *("probability.statespace.hmm_emissions", "probability.statespace.hmm_learn"),
    *("probability.statespace.kalman", "probability.statespace.kalman_learn"),
    *("probability.inference", "probability.inference.bayes"),
    *("probability.inference.bayes_learner", "probability.inference.conjugate"),
    *("probability.inference.conjugate_families", "probability.inference.gp"),
    "probability.inference.approximate",
    *("boolean", "boolean.rdc", "boolean.rda", "boolean.rda_learn"),
]
# Teaching notebooks: these first, in reading order; any other committed notebook follows.
NOTEBOOKS = [
    "backprop_as_functor",
    "lenses_and_optimisers",
    "diagram_to_xla",
    "markov_and_inversion",
    "bayesian_lenses_filtering",
    "likelihood_functor",
    "rda_boolean_circuits",
]
EXAMPLES = {
    "digits_mlp": "A multilayer perceptron on scikit-learn's digits, drawn as a string diagram "
    "and compiled into one jitted, scan-fused training loop.",
    "iris_learners": "Iris classified by two learners composed with ``>>``, trained exactly as "
    "in *Backprop as Functor* (per-example update and request); checks that L_{ε,e} of the "
    "composite equals the composite of the learners.",
    "kalman_tracker": "A constant-velocity Kalman filter and RTS smoother tracking a 2-D target "
    "(singular process noise), checked against the same recursion built from Bayesian lenses and "
    "against a hand-written NumPy filter; 1,000 targets at once with ``jax.vmap``.",
    "bayes_network_query": "A Bayesian network written the way pgmpy users write it (a DAG and "
    "tables), turned into a string diagram of Markov kernels and queried by variable name.",
    "rda_iris": "Reverse derivative ascent learning a Boolean circuit on binarised Iris.",
}
# Arguments the gallery runs each example with (default: --fast); figures are the PNGs written.
EXAMPLE_ARGS = {"kalman_tracker": ["--fast", "--plot", "kalman_tracker.png"]}
EXAMPLE_TIMEOUT = 600

EXECUTE = os.environ.get("CATLEARN_DOCS_EXECUTE", "force")
API_MODULES = pages.write_api(API_ORDER)
NOTEBOOK_NAMES = pages.notebooks(NOTEBOOKS)
EXAMPLE_OBJS = pages.examples(EXAMPLE_ARGS, EXAMPLES)
for _p in [*(DOCS / "notebooks").glob("*.md"), *(DOCS / "notebooks").glob("*.ipynb")]:
    if not pages.present(_p):  # someone's notebook in progress, not committed yet
        exclude_patterns.append(_p.relative_to(DOCS).as_posix())
_ex_dir = DOCS / "generated" / "examples"
_ex_dir.mkdir(parents=True, exist_ok=True)
for _old in _ex_dir.glob("*.md"):
    if _old.stem not in {e.stem for e in EXAMPLE_OBJS}:
        _old.unlink()
for _e in EXAMPLE_OBJS:  # the text is filled in when Sphinx reads the page (after the run)
    pages._write(_ex_dir / f"{_e.stem}.md", f"%%EXAMPLE {_e.stem}%%\n")

# -- Autodoc / napoleon -----------------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
    "member-order": "bysource",
    "special-members": "__call__",
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
nb_execution_mode = EXECUTE
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
html_static_path = ["_static"]
html_theme_options = {
    "sidebar_hide_name": False,
    "navigation_with_keys": True,
    "light_css_variables": {"color-brand-primary": "#5b3fa8", "color-brand-content": "#5b3fa8"},
    "dark_css_variables": {"color-brand-primary": "#b9a6f0", "color-brand-content": "#b9a6f0"},
}
if REPOSITORY:  # "Edit this page" / "View source" links and a footer link to the repository.
    html_theme_options |= {
        "source_repository": REPOSITORY.rstrip("/") + "/",
        "source_branch": "main",
        "source_directory": "docs/",
        "footer_icons": [
            {"name": "Repository", "url": REPOSITORY, "html": "Source code", "class": ""},
        ],
    }


# -- Pages filled from the checkout -----------------------------------------------------------
def _examples_toctree() -> str:
    if not EXAMPLE_OBJS:
        return "\n*No example scripts yet.*\n"
    lines = ["```{toctree}", ":hidden:", ":maxdepth: 1", ""]
    return "\n".join(lines + [f"/generated/examples/{e.stem}" for e in EXAMPLE_OBJS] + ["```"])


def _neighbours_table(spec: str) -> str:
    # A table the page quotes must exist: a missing file or heading fails the build (KeyError),
    # never a silent "no results yet" in place of the measurement.
    topic, _, heading = spec.partition(":")
    return benchpage.section(ROOT / "benchmarks" / "results", topic, heading)


def _neighbours(s: str) -> str:
    results = ROOT / "benchmarks" / "results"
    s = re.sub(r"%%BENCHTABLE ([^%]+)%%", lambda m: _neighbours_table(m.group(1)), s)
    return s.replace("%%NETWORKS_COVERED%%", benchpage.networks_covered(results))


_FILLERS = {
    "index": lambda s: s.replace("%%NOTEBOOKS%%", pages.notebook_toctree(NOTEBOOK_NAMES)),
    "api/index": lambda s: s.replace("%%API_MODULES%%", pages.api_index(API_MODULES)),
    "gallery": lambda s: s.replace("%%EXAMPLES_TOCTREE%%", _examples_toctree()),
    "benchmarks": lambda s: s.replace(
        "%%BENCHMARKS%%",
        benchpage.render(ROOT / "benchmarks" / "results", ROOT, present=pages.present),
    ).replace("%%GOALS%%", benchpage.goals(ROOT / "benchmarks" / "results", ROOT)),
    "neighbours": _neighbours,
}


def _fill(app, docname, source):
    if FAST_COMPILE:
        timed = TIMED.search(source[0]) is not None
        level = "" if timed else " --xla_backend_optimization_level=0"
        os.environ["XLA_FLAGS"] = (XLA_FLAGS + level).strip()
    if docname in _FILLERS:
        source[0] = _FILLERS[docname](source[0])
    elif docname.startswith("generated/examples/"):
        stem = docname.rsplit("/", 1)[1]
        ex = next(e for e in EXAMPLE_OBJS if e.stem == stem)
        source[0] = ex.page(execute=EXECUTE != "off")
    elif docname.startswith("notebooks/") and docname.split("/", 1)[1] in NOTEBOOK_NAMES:
        source[0] = pages.add_download(source[0], docname.split("/", 1)[1])


def _always_reread(app, env, added, changed, removed):
    # The filled pages depend on files outside docs/: re-read them on every build.
    examples = [f"generated/examples/{e.stem}" for e in EXAMPLE_OBJS]
    return [d for d in [*_FILLERS, "gallery", *examples] if d in env.found_docs]


def _start(app):
    pages.write_ipynb(NOTEBOOK_NAMES)
    if EXECUTE == "off":  # the landing page's pictures are drawn by its (unexecuted) code
        for name in ("diagram.png", "loss.png"):
            pages.placeholder(DOCS / "generated" / "landing" / name)
    if EXECUTE != "off":
        for e in EXAMPLE_OBJS:  # in the background while Sphinx reads the other pages
            e.start(EXAMPLE_TIMEOUT)


def _spread_executed_pages(app, env, docnames):
    """With ``-j N``, Sphinx reads the sorted page list in consecutive chunks, one process a
    chunk; sorted, the notebooks (most of the build's time) crowd into the last chunks and run
    one after another. Deal the pages that execute code, largest first, to the least-loaded full
    chunk, and fill the rest with the pages that only render."""
    if app.parallel <= 1:
        return
    from sphinx.util.parallel import make_chunks

    sizes = [len(c) for c in make_chunks(list(docnames), app.parallel)]
    cost = {d: Path(env.doc2path(d)).stat().st_size for d in docnames}
    executed = sorted(
        (d for d in docnames if "{code-cell}" in Path(env.doc2path(d)).read_text("utf-8")),
        key=lambda d: -cost[d],
    )
    full = [i for i, n in enumerate(sizes) if n == max(sizes)]  # not the short last chunk
    chunks: list[list[str]] = [[] for _ in sizes]
    for d in executed:
        room = [i for i in full if len(chunks[i]) < sizes[i]] or [
            i for i, n in enumerate(sizes) if len(chunks[i]) < n
        ]
        chunks[min(room, key=lambda i: sum(cost[x] for x in chunks[i]))].append(d)
    placed = set(executed)
    rest = iter(d for d in docnames if d not in placed)
    for i, n in enumerate(sizes):
        chunks[i] += [next(rest) for _ in range(n - len(chunks[i]))]
    docnames[:] = [d for c in chunks for d in c]


def setup(app):
    # sphinx-mathjax-offline only copies its MathJax folder once the build has finished, which
    # is safe in parallel, but it does not say so, and Sphinx then reads serially with a warning
    # (an error under -W). Declared here so that `sphinx-build -j` executes notebooks in parallel.
    offline = app.extensions["sphinx-mathjax-offline"]
    offline.parallel_read_safe = offline.parallel_write_safe = True
    app.catlearn_notebook_names = NOTEBOOK_NAMES  # read by the gallery (not config: no pickle)
    app.catlearn_example_objs = EXAMPLE_OBJS
    app.add_node(pages.gallery_node)
    app.add_directive("catlearn-gallery", pages.GalleryDirective)
    app.connect("builder-inited", _start)
    app.connect("source-read", _fill)
    app.connect("env-get-outdated", _always_reread)
    app.connect("env-before-read-docs", _spread_executed_pages)
    app.connect("doctree-read", pages.collect_first_image)
    app.connect("doctree-read", pages.link_paths)
    app.connect("env-purge-doc", pages.purge_first_image)
    app.connect("env-merge-info", pages.merge_first_image)
    app.connect("doctree-resolved", pages.fill_gallery)
    app.add_css_file("catlearn.css")
    return {"parallel_read_safe": True}
