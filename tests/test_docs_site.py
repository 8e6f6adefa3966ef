"""The site is readable offline, points at the project, and states what the build computed.

* math: MathJax is bundled (``sphinx-mathjax-offline``), never loaded from a CDN; a built site
  (``docs/_build/html`` after ``bash .ci/docs``) is checked for scripts from other hosts;
* project files: ``LICENSE`` is the MIT text the metadata names, ``CITATION.cff`` is CFF 1.2.0
  with the repository of ``[project.urls]``, ``CHANGELOG.md`` names the version;
* benchmarks: the goal verdicts of the benchmarks page are recomputed here from the JSON, and the
  claims ``docs/neighbours.md`` makes in words are checked against the tables it quotes;
* API reference: grouped by area and sub-area, every class and function documented once.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(DOCS / "_ext"))

import benchpage  # noqa: E402

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
CONF = (DOCS / "conf.py").read_text(encoding="utf-8")


# -- Math offline -------------------------------------------------------------------------------


def test_mathjax_is_bundled_not_fetched():
    assert '"sphinx-mathjax-offline"' in CONF
    path = re.search(r'^mathjax_path = "([^"]+)"', CONF, flags=re.M)
    assert path and not re.match(r"(https?:)?//", path.group(1)), "mathjax_path must be local"
    docs_extra = " ".join(PROJECT["optional-dependencies"]["docs"])
    assert "sphinx-mathjax-offline" in docs_extra and "sphinx-copybutton" in docs_extra


def test_the_bundle_has_the_script_conf_names():
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the docs extra is not installed")
    base = Path(next(iter(spec.submodule_search_locations))) / "static"
    path = re.search(r'^mathjax_path = "([^"]+)"', CONF, flags=re.M).group(1)
    assert (base / path).is_file()
    # CommonHTML fonts come with the bundle (MathJax finds them next to the script).
    assert list((base / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))


# The site .ci/docs builds (CATLEARN_DOCS_OUT, as there; default docs/_build/html).
_BUILT = ROOT / os.environ.get("CATLEARN_DOCS_OUT", "docs/_build/html")
_needs_site = pytest.mark.skipif(
    not (_BUILT / "index.html").exists() or not (_BUILT / "objects.inv").exists(),
    reason="no built site (bash .ci/docs)",
)
_MATHJAX = "_static/mathjax/tex-chtml.js"


def _site_pages() -> list[tuple[str, Path]]:
    """The pages a reader meets: not the highlighted sources (``_modules``), not the indexes."""
    out = []
    for page in sorted(_BUILT.rglob("*.html")):
        rel = page.relative_to(_BUILT).as_posix()
        if rel.startswith(("_modules/", "_sources/", "_static/")):
            continue
        if rel in {"genindex.html", "search.html", "py-modindex.html"}:
            continue
        out.append((rel, page))
    return out


@_needs_site
def test_built_pages_load_no_script_from_another_host():
    bad = {}
    pages = _site_pages()
    for rel, page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        srcs = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", text)
        remote = [s for s in srcs if re.match(r"(https?:)?//", s)]
        if remote:
            bad[rel] = remote
    assert not bad, f"pages load scripts from the network: {dict(list(bad.items())[:5])}"


@_needs_site
def test_every_page_with_math_loads_the_bundled_mathjax():
    r"""Math renders offline: MathJax and its fonts are in the build output, and every page with
    a formula (``\(...\)``, ``\[...\]``, ``$$...$$``) loads that copy by a relative path."""
    assert (_BUILT / _MATHJAX).is_file()
    fonts = _BUILT / "_static" / "mathjax" / "output" / "chtml" / "fonts"
    assert list(fonts.rglob("*.woff")), "MathJax's CommonHTML fonts are not in the build"
    with_math, missing = [], []
    for rel, page in _site_pages():
        text = page.read_text(encoding="utf-8", errors="replace")
        if not re.search(r'class="math[ "]|\\\(|\\\[|\$\$', text):
            continue
        with_math.append(rel)
        srcs = re.findall(r"<script[^>]*\ssrc=\"([^\"?#]+)[^\"]*\"", text)
        local = [s for s in srcs if s.endswith("mathjax/tex-chtml.js")]
        if not any((page.parent / s).resolve() == (_BUILT / _MATHJAX).resolve() for s in local):
            missing.append(rel)
    assert len(with_math) >= 20, f"only {len(with_math)} pages with math: the check is empty"
    assert not missing, f"{len(missing)} pages with math without the local MathJax: {missing[:5]}"


# -- References: linked where documented, never into private modules -----------------------------


def _inventory() -> dict[str, str]:
    """catlearn's documented objects in the built site's ``objects.inv``: name -> role."""
    import zlib

    raw = (_BUILT / "objects.inv").read_bytes()
    body = raw.split(b"\n", 4)[4]  # four header lines, then zlib
    out = {}
    for line in zlib.decompress(body).decode("utf-8").splitlines():
        m = re.match(r"(\S+)\s+(\S+):(\S+)\s+-?\d+\s", line)
        if m and m.group(1).startswith("catlearn") and m.group(2) == "py":
            out[m.group(1)] = m.group(3)
    return out


def _code_literals(html: str) -> tuple[list[tuple[str, str]], str]:
    """(text, the 60 characters before it) of each inline code literal outside links, headings,
    signatures and code blocks; and the page's visible text."""
    from html.parser import HTMLParser

    skip_in = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt"}

    class Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.open: list[str] = []
            self.code: list[str] | None = None
            self.code_counts = False
            self.before = ""
            self.literals: list[tuple[str, str]] = []
            self.text: list[str] = []
            self.hidden = 0

        def handle_starttag(self, tag, attrs):
            if tag in skip_in:
                self.open.append(tag)
            elif tag == "code":
                self.code, self.code_counts = [], not self.open
                self.before = "".join(self.text[-30:])[-60:]
            elif tag in {"script", "style"}:
                self.hidden += 1

        def handle_endtag(self, tag):
            if tag in skip_in and tag in self.open:
                while self.open.pop() != tag:
                    pass
            elif tag == "code" and self.code is not None:
                if self.code_counts:
                    self.literals.append(("".join(self.code), self.before))
                self.code = None
            elif tag in {"script", "style"}:
                self.hidden -= 1

        def handle_data(self, data):
            if self.hidden:
                return
            if self.code is not None:
                self.code.append(data)
            self.text.append(data)

    parser = Parser()
    parser.feed(html)
    return parser.literals, "".join(parser.text)


# Code that names another package's object of the same name (pgmpy's ``VariableElimination``).
_OTHER_PACKAGE = re.compile(
    r"(pgmpy|pyAgrum|lambeq|DisCoPy|discopy|dynamax|NumPyro|optax|jax)"
    r"(['’]s)?\s*$"
)


def _documented_target(text: str, objs: dict[str, str], tails: dict[str, list[str]]) -> str | None:
    """The documented catlearn object a code literal names, if it names one unambiguously:
    a dotted ``catlearn.…`` name, a class or exception by its name (``ZeroEvidenceError``,
    ``Ty()``), or a member of one (``Finite.sample``). Lowercase bare names (``fit``,
    ``update``) are words of too many namespaces to count."""
    name = text.strip().removesuffix("()")
    if not re.fullmatch(r"[A-Za-z_][\w.]*", name) or name == "catlearn":  # the project's name
        return None
    if name.startswith("catlearn."):
        return name if name in objs else None
    if not name[0].isupper():
        return None
    named = {"class", "exception", "data"}
    hits = [h for h in tails.get(name, []) if "." in name or objs[h] in named]
    return hits[0] if len(hits) == 1 else None


def _reference_report() -> tuple[list[str], list[str]]:
    objs = _inventory()
    tails: dict[str, list[str]] = {}
    for full in objs:
        parts = full.split(".")
        for k in range(1, len(parts)):
            tails.setdefault(".".join(parts[-k:]), []).append(full)
    unlinked, private = [], []
    for rel, page in _site_pages():
        literals, text = _code_literals(page.read_text(encoding="utf-8", errors="replace"))
        for code, before in literals:
            target = _documented_target(code, objs, tails)
            if target and not _OTHER_PACKAGE.search(before):
                unlinked.append(f"{rel}: {code} ({target})")
        for m in re.finditer(r"\bcatlearn(?:\.\u200b?\w+)*\.\u200b?_[A-Za-z]\w*", text):
            private.append(f"{rel}: {m.group()}")
    return unlinked, private


@_needs_site
def test_built_pages_link_every_documented_catlearn_object():
    """A code literal naming a documented catlearn object (``ZeroEvidenceError``,
    ``catlearn.core.optim``) is a link to it, in prose, docstrings and notebooks alike."""
    unlinked, _ = _reference_report()
    assert not unlinked, f"{len(unlinked)} unlinked references:\n" + "\n".join(unlinked)


@_needs_site
def test_built_pages_name_no_private_module():
    """No page names a private module (``catlearn.core._category``): readers cannot import from
    it, and it is not documented."""
    _, private = _reference_report()
    assert not private, f"{len(private)} references to private modules:\n" + "\n".join(private)


# -- Project files ------------------------------------------------------------------------------


def test_licence_is_the_mit_text_the_metadata_names():
    assert PROJECT["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_citation_is_cff_1_2_0_and_matches_the_metadata():
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):  # required by CFF 1.2.0
        assert cff[key]
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert str(cff["version"]) == PROJECT["version"]
    assert cff["license"] == "MIT"
    # No public repository is published yet: the citation and the metadata name none (an
    # invented address would be a broken link); once [project.urls] has one, both must agree.
    assert cff.get("repository-code") == PROJECT["urls"].get("Repository")


def test_changelog_names_the_version_and_urls_are_https():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(PROJECT['version'])}\b", text, flags=re.M)
    urls = PROJECT["urls"]
    assert all(u.startswith("https://") for u in urls.values())
    for key in ("Issues", "Changelog"):
        if key in urls:
            assert urls[key].startswith(urls["Repository"])
    assert 'REPOSITORY = URLS.get("Repository")' in CONF  # the site links the same one, if any


# -- Benchmarks: verdicts and claims come from the JSON -----------------------------------------


def _json(topic: str) -> dict:
    return json.loads((RESULTS / f"{topic}.json").read_text(encoding="utf-8"))


def test_goal_verdicts_are_recomputed_from_the_json():
    rows = {r["goal"]: r for r in benchpage.goal_rows(RESULTS, ROOT)}
    step = [r["ratio_median_of_rounds"] for r in _json("step")["results"]]
    (train,) = [r for g, r in rows.items() if g.startswith("compiled train step")]
    assert train["verdict"].endswith("holds") == all(v <= 1.05 for v in step)
    fresh = _json("networks")["fresh"]
    fast = sum(r["ratio"] <= 0.1 for r in fresh)
    (pgmpy,) = [r for g, r in rows.items() if g.startswith("one exact Bayesian-network")]
    if fast == len(fresh):
        assert pgmpy["verdict"] == "✓ holds"
    else:
        assert "does not hold" in pgmpy["verdict"]
        assert fast == 0 or f"({fast} of {len(fresh)})" in pgmpy["verdict"]
    (efprob,) = [r for g, r in rows.items() if "EfProb" in g]
    assert efprob["verdict"] == "not measured"  # EfProb is a cross-check of answers only
    for r in rows.values():
        assert r["verdict"] in {"✓ holds", "✗ does not hold", "not measured"} or re.fullmatch(
            r"✗ does not hold \(\d+ of \d+\)", r["verdict"]
        )


def test_benchmarks_page_has_the_goals_placeholder():
    source = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    assert "%%GOALS%%" in source and "%%BENCHMARKS%%" in source
    assert "≥ 10×" not in source and "≥10×" not in source  # targets live in goal_rows only


def test_runs_on_an_excluded_jax_are_marked():
    assert benchpage._jax_excluded("0.10.2", ROOT)
    assert not benchpage._jax_excluded("0.9.2", ROOT)
    excluded = [r for r in benchpage.goal_rows(RESULTS, ROOT) if "excluded" in r["environment"]]
    for r in excluded:
        assert re.match(r"jax 0\.10\.", r["environment"])


NEIGHBOURS = (DOCS / "neighbours.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", re.findall(r"%%BENCHTABLE ([^%]+)%%", NEIGHBOURS))
def test_every_table_neighbours_quotes_exists(spec):
    topic, _, heading = spec.partition(":")
    body = benchpage.section(RESULTS, topic, heading)  # KeyError fails the build, too
    assert benchpage.tables(body), f"{spec}: no table"


def test_neighbours_claims_hold_in_the_tables_it_quotes():
    assert "%%NETWORKS_COVERED%%" in NEIGHBOURS
    covered = benchpage.networks_covered(RESULTS)
    net = _json("networks")
    fresh, peers = net["fresh"], net["peers"]
    assert covered.startswith(f"{len(fresh)} of pgmpy's bundled networks")
    assert f"{max(r['nodes'] for r in fresh):,} nodes" in covered
    # "ratio below 1 means catlearn is faster": the page says a fresh query is compared; the
    # "ten-fold ... does not hold on most of these networks" sentence:
    assert sum(r["ratio"] <= 0.1 for r in fresh) < len(fresh) / 2
    # "catlearn's better engine (the best column) is faster on most networks but not on all":
    best = [r["best_over_pyagrum"] for r in peers]
    assert sum(b < 1 for b in best) > len(best) / 2 and any(b > 1 for b in best)
    # "a junction tree built once is slower than pyAgrum on some":
    assert any(r["jt_over_pyagrum"] > 1 for r in peers)
    # "best" is the faster engine, so it is above 1 only where both engines are:
    for r in peers:
        assert r["best_over_pyagrum"] == min(r["ve_over_pyagrum"], r["jt_over_pyagrum"])
    # The step table's last column is what the text explains ("where it says no").
    assert {str(r["same_optimised_hlo_op_histogram"]) for r in _json("step")["results"]}
    for stale in ("small classic networks", "XLA receives the same operations", "1e-16"):
        assert stale not in NEIGHBOURS


# -- API reference ------------------------------------------------------------------------------


def test_api_index_is_grouped_by_area_and_sub_area():
    pytest.importorskip("docutils")  # the docs extension needs the docs extra
    import catlearn_docs as pages

    modules, _ = pages.public_modules()
    index = pages.api_index(pages.ordered(set(modules), []))
    assert "### `catlearn.probability`" in index
    for sub in ("kernels", "networks", "statespace", "inference"):
        assert f"#### `catlearn.probability.{sub}`" in index
    toctree = index.split("```{toctree}")[1]
    assert "/generated/api/probability\n" in toctree
    assert "/generated/api/probability.networks" not in toctree  # nested under its area


def test_every_class_and_function_has_one_home():
    pytest.importorskip("docutils")  # the docs extension needs the docs extra
    import catlearn_docs as pages

    import catlearn.probability as probability
    import catlearn.probability.kernels as kernels

    modules, packages = pages.public_modules()
    home = pages.homes(modules, packages)
    assert home[id(probability.JunctionTree)] == "probability.networks.engines"
    assert home[id(kernels.Sampler)] == "probability.kernels.sampler"
    assert home[id(probability.Finite)] == "probability.kernels.markov"
