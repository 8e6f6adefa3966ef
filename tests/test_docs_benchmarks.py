"""The benchmarks page renders every results table once, with whole rows.

The page source is ``docs/benchmarks.md`` with ``%%BENCHMARKS%%`` replaced by
``docs/_ext/benchpage.render`` (what ``docs/conf.py`` does at build time). The rendered markdown
is parsed by markdown-it (the parser MyST uses), so a ``|`` inside a cell that would split it
shows up as a row with too many cells, as it would in the browser.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import benchpage  # noqa: E402

markdown_it = pytest.importorskip("markdown_it")


def _page(results: Path = RESULTS, root: Path = ROOT) -> str:
    source = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert "%%BENCHMARKS%%" in source
    return source.replace("%%BENCHMARKS%%", benchpage.render(results, root))


def _html_tables(text: str) -> list[list[list[str]]]:
    """Tables as a browser would see them: rows of cell texts, header row first."""
    page = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    out = []
    for table in re.findall(r"<table>(.*?)</table>", page, flags=re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
        out.append(rows)
    return out


def _source_tables() -> list[tuple[str, tuple[str, ...]]]:
    """(file, header) of every table in every per-benchmark results file."""
    out = []
    for p in benchpage.results_files(RESULTS):
        for t in benchpage.tables(p.read_text(encoding="utf-8")):
            out.append((p.name, tuple(t[0])))
    return out


def _norm(rows: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(c.replace("\\|", "|") for c in r) for r in rows)


def test_every_row_has_as_many_cells_as_its_header():
    tables = _html_tables(_page())
    assert tables, "the benchmarks page has no tables"
    for rows in tables:
        for row in rows[1:]:
            assert len(row) == len(rows[0]), f"row {row} under header {rows[0]}"
            assert all("|" not in c or "\\" not in c for c in row)


def test_each_results_table_appears_once():
    if not benchpage.results_files(RESULTS):
        pytest.skip("no benchmark results committed")
    page = [_norm(t) for t in _html_tables(_page())]
    assert len(page) == len(set(page)), "a table appears twice on the benchmarks page"
    # Every distinct table of every results file is on the page (once, by the check above).
    source = {
        _norm(_html_tables("\n".join(benchpage._fix_table(block)))[0])
        for p in benchpage.results_files(RESULTS)
        for kind, block in benchpage._blocks(p.read_text(encoding="utf-8").splitlines())
        if kind == "table"
    }
    missing = source - set(page)
    assert not missing, f"{len(missing)} results tables are missing from the page"
    # The combined README of a full run is not included beside the per-benchmark files.
    assert "Benchmark results\n" not in _page()


def test_machine_info_is_rounded_and_every_section_names_command_and_machine():
    page = _page()
    prose = [ln for ln in page.splitlines() if not ln.lstrip().startswith("|")]
    long_floats = [ln for ln in prose if re.search(r"\d\.\d{5,}", ln)]
    assert not long_floats, long_floats
    # the sections after the goals table (rendered from the JSON, tested in test_docs_site.py)
    sections = re.split(r"\n(?=## )", page.split("%%GOALS%%")[-1])[1:]
    assert len(sections) == len(benchpage.results_files(RESULTS))
    for s in sections:
        assert "**Command:** `python" in s, s[:300]
        assert "**Machine:**" in s, s[:300]


def test_no_citation_of_files_outside_the_repository():
    page = _page()
    for name in re.findall(r"\b([\w./-]+\.(?:md|py))\b", page):
        # relative to the repository, or (download links) to docs/ where the page is
        found = (ROOT / name).exists() or (ROOT / "docs" / name).exists()
        assert found or list(ROOT.glob(f"*/{name}")), name


def test_any_results_file_is_rendered(tmp_path):
    """A new benchmark's files, written by anyone, in the layouts seen so far."""
    res = tmp_path / "benchmarks" / "results"
    res.mkdir(parents=True)
    (tmp_path / "benchmarks" / "bench_functor.py").write_text("")
    table = "| query | value |\n|---|---|\n| P(a | b=0) | 0.5 |\n| x \\| y | 2 |\n"
    (res / "functor.md").write_text(
        "# Functor benchmark\n\nOn cpu, load average 3.14159265358 (see NOTES.md).\n\n"
        + table
        + "\n## Again\n\n"
        + table
    )
    (res / "functor.json").write_text(
        '{"environment": {"backend": "gpu", "device": "H200", "jax": "0.10.2",'
        ' "load_average_1min": 1.23456789, "date_utc": "2026-11-28 08:00:00"}}'
    )
    (res / "README.md").write_text("# Benchmark results\n\n" + table)
    (res / "other.md").write_text("| a | b | c |\n|---|---|---|\n| 1 | 2 |\n| 1 | 2 | 3 | 4 |\n")
    page = benchpage.render(res, tmp_path)
    tables = _html_tables(page)
    assert len(tables) == 3  # index, functor, other: the README and the repeat are dropped
    for rows in tables:
        assert all(len(r) == len(rows[0]) for r in rows)
    assert ["P(a | b=0)", "0.5"] in tables[1] and ["x | y", "2"] in tables[1]
    assert "3.14" in page and "3.14159" not in page
    assert "NOTES.md" not in page
    assert "`python -m benchmarks.bench_functor`" in page
    assert "GPU (H200)" in page and "1-min load 1.2" in page
    assert "## Again" not in page and "### Again" not in page
