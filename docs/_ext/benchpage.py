"""Render ``benchmarks/results/*.md`` (+ the ``.json`` beside each) into one page of MyST.

Every results file is handled the same way, whatever benchmark wrote it:

* the combined ``README.md`` of a full run is skipped (its tables are the per-benchmark files');
* each table appears once: a table already rendered from an earlier file is dropped, and so is
  a section whose tables were all dropped;
* a ``|`` inside a cell (``P(asia | xray=0)``) is escaped: pipes inside brackets are content, and
  a row with more cells than its header has its extra cells merged into the first one;
* long floats in prose (``load average 5.68701171875``) are rounded;
* file names that are not in the repository (design notes, local files) are not cited;
* each section starts with the command that produced it and the machine it ran on (from the
  ``.json`` when it says so).

``render(results_dir)`` returns the page body; ``tables(text)`` parses the tables of a page back
(used by ``tests/test_docs_benchmarks.py``).
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

# Benchmarks of the train loop first, then the probabilistic ones, then anything new (by name).
ORDER = ["step", "compile", "chain", "fit", "networks", "filtering"]
SKIP = {"README.md", "index.md"}
_LONG_FLOAT = re.compile(r"(?<![\w.])(\d+\.\d{5,})(?![\d])")
_PATHLIKE = re.compile(r"(?:,\s*|;\s*)?`?\b([\w./-]+\.(?:md|py|json|txt|rst))\b`?")
_MACHINE = re.compile(r"^jax \S+ on \S+ \(.*\), [\d-]+ [\d:]+ UTC\.?\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _round(text: str) -> str:
    def fix(m: re.Match[str]) -> str:
        x = float(m.group(1))
        return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"

    return _LONG_FLOAT.sub(fix, text)


def _uncite(text: str, root: Path) -> str:
    """Drop names of files that are not in the repository (``..., DESIGN.md)`` -> ``...)``)."""

    def fix(m: re.Match[str]) -> str:
        name = m.group(1)
        if (root / name).exists() or any(root.glob(f"*/{name}")):
            return m.group(0)
        return ""

    return _PATHLIKE.sub(fix, text)


def split_row(line: str) -> list[str]:
    """Cells of a markdown table row; ``|`` inside (), [] or {} or escaped is content."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells, cur, depth, i = [], [], 0, 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            cur.append(body[i : i + 2])
            i += 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        if c == "|" and depth == 0:
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    cells.append("".join(cur).strip())
    return cells


def _escape(cell: str) -> str:
    return re.sub(r"(?<!\\)\|", r"\\|", cell)


def _fix_table(rows: list[str]) -> list[str]:
    header = split_row(rows[0])
    n = len(header)
    out = []
    for k, line in enumerate(rows):
        cells = split_row(line)
        if k == 1 and set("".join(cells)) <= set("-: "):
            out.append("|" + "|".join(["---"] * n) + "|")
            continue
        if len(cells) > n:  # unescaped pipes outside brackets: keep the rest, merge the head
            extra = len(cells) - n
            cells = [" | ".join(cells[: extra + 1]), *cells[extra + 1 :]]
        cells += [""] * (n - len(cells))
        out.append("| " + " | ".join(_escape(c) for c in cells) + " |")
    return out


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Split into ('table', rows) and ('text', lines) blocks."""
    blocks: list[tuple[str, list[str]]] = []
    for line in lines:
        kind = "table" if line.lstrip().startswith("|") else "text"
        if blocks and blocks[-1][0] == kind:
            blocks[-1][1].append(line)
        else:
            blocks.append((kind, [line]))
    return blocks


def _key(rows: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(split_row(r)) for r in rows)


_ALIASES = {"cpus": "cpu_count", "load": "load_average_1min", "date": "date_utc"}


def environment(data: dict[str, Any]) -> dict[str, Any]:
    """The machine a results file was measured on, from the keys benchmarks write."""
    env: dict[str, Any] = {}
    for src in (data.get("environment"), data.get("machine"), data):
        if not isinstance(src, dict):
            continue
        for k, v in src.items():
            k = _ALIASES.get(k, k)
            known = ("jax", "backend", "device", "n_devices", "cpu_count", "python")
            if k in (*known, "load_average_1min", "date_utc") and k not in env:
                env[k] = v
    if isinstance(data.get("machine"), str):
        env["machine"] = data["machine"]
    if "backend" not in env and env.get("device"):
        env["backend"] = env["device"]
    if data.get("quick"):
        env["quick"] = True
    return env


def machine_line(env: dict[str, Any]) -> str:
    parts = []
    if env.get("machine"):
        parts.append(str(env["machine"]))
    backend = env.get("backend")
    if backend:
        dev = env.get("device")
        n = env.get("n_devices")
        what = f"{backend}" + (f" ({dev})" if dev and dev != backend else "")
        if n and n > 1:
            what += f" × {n}"
        parts.append(what.upper() if backend in {"gpu", "cuda", "tpu"} else what)
    if env.get("cpu_count") and "CPU" not in " ".join(parts):
        parts.append(f"{env['cpu_count']} CPU cores")
    if env.get("load_average_1min") is not None:
        parts.append(f"1-min load {float(env['load_average_1min']):.1f}")
    if env.get("jax"):
        parts.append(f"jax {env['jax']}")
    if env.get("python"):
        parts.append(f"Python {env['python']}")
    if env.get("date_utc"):
        parts.append(f"{env['date_utc']} UTC")
    if env.get("quick"):
        parts.append("quick run (fewer repeats)")
    return ", ".join(parts)


def command(topic: str, data: dict[str, Any], root: Path) -> str:
    if data.get("command"):
        return str(data["command"]).strip()
    if (root / "benchmarks" / f"bench_{topic}.py").exists():
        return f"python -m benchmarks.bench_{topic}"
    run = root / "benchmarks" / "run.py"
    if run.exists() and f'"{topic}"' in run.read_text(encoding="utf-8"):
        return f"python -m benchmarks.run --only {topic}"
    return "python -m benchmarks.run"


def _title(lines: list[str], topic: str) -> tuple[str, list[str]]:
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m:
            return m.group(2), lines[:i] + lines[i + 1 :]
        if line.strip():
            break
    return topic.replace("_", " ").capitalize(), lines


def results_files(results: Path, present: Any = None) -> list[Path]:
    files = [p for p in results.glob("*.md") if p.name not in SKIP]
    if present is not None:
        files = [p for p in files if present(p)]
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(files, key=lambda p: (rank.get(p.stem, len(ORDER)), p.stem))


def render_file(path: Path, root: Path, seen: set[Any] | None = None, label: bool = True) -> str:
    """One results file as a section: title, command and machine, its (new) tables."""
    seen = set() if seen is None else seen
    topic = path.stem
    data: dict[str, Any] = {}
    js = path.with_suffix(".json")
    if js.exists():
        try:
            loaded = json.loads(js.read_text(encoding="utf-8"))
            data = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            data = {}
    title, lines = _title(path.read_text(encoding="utf-8").splitlines(), topic)
    # Sections by heading; headings go two levels under the page (## section, ### sub).
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        m = _HEADING.match(line)
        if m:
            sections.append((m.group(2), []))
        else:
            sections[-1][1].append(line)
    body: list[str] = []
    for heading, sec in sections:
        out: list[str] = []
        n_tables = n_new = 0
        for kind, block in _blocks(sec):
            if kind == "table":
                n_tables += 1
                key = _key(block)
                if key in seen:
                    continue
                seen.add(key)
                n_new += 1
                out += _fix_table(block)
            else:  # the machine line of benchmarks/run.py is in the header already
                out += [_uncite(_round(x), root) for x in block if not _MACHINE.match(x)]
        if n_tables and not n_new:
            continue  # every table of this section is already on the page
        if heading is not None:
            out = ["", f"### {_uncite(_round(heading), root)}", *out]
        body += out
    env = environment(data)
    head = [""]
    if label:
        head += [f"(bench-{topic})=", ""]
    head += [f"## {title}", "", f"**Command:** `{command(topic, data, root)}`  "]
    head += [f"**Machine:** {machine_line(env) or 'as stated in the text below'}  "]
    # The results files themselves, downloadable (a code name would link back to this section).
    files = [path, js] if js.exists() else [path]
    res = ", ".join(
        f"{{download}}`benchmarks/results/{f.name} <../benchmarks/results/{f.name}>`" for f in files
    )
    head += [f"**Results:** {res}", ""]
    text = "\n".join(head + body)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def render(results: Path, root: Path | None = None, present: Any = None) -> str:
    """The benchmarks page body: every results file, every table once."""
    root = results.parent.parent if root is None else root
    files = results_files(results, present)
    if not files:
        return (
            "\n*No benchmark results have been committed yet.* Run the scripts in "
            "`benchmarks/` to produce `benchmarks/results/*.md`.\n"
        )
    seen: set[Any] = set()
    index = ["", "| benchmark | command | machine |", "|---|---|---|"]
    parts = []
    for p in files:
        parts.append(render_file(p, root, seen))
        data = {}
        if p.with_suffix(".json").exists():
            try:
                data = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
            except ValueError:
                data = {}
        data = data if isinstance(data, dict) else {}
        title = _title(p.read_text(encoding="utf-8").splitlines(), p.stem)[0]
        index.append(
            f"| [{_escape(title)}](#bench-{p.stem}) | `{command(p.stem, data, root)}` "
            f"| {_escape(machine_line(environment(data)))} |"
        )
    return "\n".join(index) + "\n\n" + "\n".join(parts)


def section(results: Path, topic: str, heading: str, root: Path | None = None) -> str:
    """One table (the sub-section of ``topic`` whose heading contains ``heading``), with the
    command and machine under it; for pages that quote a measurement."""
    root = results.parent.parent if root is None else root
    text = render_file(results / f"{topic}.md", root, label=False)
    chunks = re.split(r"\n(?=### )", text)
    head = chunks[0]
    cmd = re.search(r"\*\*Command:\*\* `([^`]*)`", head)
    mach = re.search(r"\*\*Machine:\*\* (.*?)\s*$", head, flags=re.M)
    found = [c for c in chunks[1:] if heading and heading.lower() in c.splitlines()[0].lower()]
    if not heading:  # a file with one table and no sub-headings
        found = ["\n" + "\n".join(x for x in head.splitlines() if not x.startswith(("#", "**")))]
    for c in found:
        if True:
            body = "\n".join(c.splitlines()[1:]).strip()
            note = (
                f"\n\n*Measured by `{cmd.group(1) if cmd else topic}` on "
                f"{mach.group(1) if mach else 'the machine named in the results'}; "
                f"all tables: [benchmarks](bench-{topic}).*\n"
            )
            return body + note
    raise KeyError(f"no section with {heading!r} in benchmarks/results/{topic}.md")


def tables(text: str) -> list[list[list[str]]]:
    """Markdown tables of ``text`` as lists of rows of cells (separator rows dropped)."""
    out = []
    for kind, block in _blocks(text.splitlines()):
        if kind == "table":
            rows = [split_row(r) for r in block]
            out.append([r for i, r in enumerate(rows) if i != 1])
    return out


# -- Goals: each design goal's verdict, computed from the committed JSON ----------------------


def _load(results: Path, topic: str) -> dict[str, Any] | None:
    path = results / f"{topic}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def _jax_excluded(version: str | None, root: Path) -> bool:
    """True when ``version`` is outside catlearn's own ``jax`` requirement (pyproject.toml)."""
    import tomllib

    from packaging.requirements import Requirement

    if not version:
        return False
    deps = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dep in deps["dependencies"]:
        req = Requirement(dep)
        if req.name == "jax":
            return not req.specifier.contains(version, prereleases=True)
    return False


def _env_cell(data: dict[str, Any], root: Path) -> str:
    env = environment(data)
    parts = []
    if env.get("jax"):
        jax = f"jax {env['jax']}"
        if _jax_excluded(str(env["jax"]), root):
            jax += " (**excluded** by catlearn's requirement)"
        parts.append(jax)
    if env.get("load_average_1min") is not None:
        load, cpus = float(env["load_average_1min"]), int(env.get("cpu_count") or 1)
        high = " (**high**: over 2 per core)" if load > 2 * cpus else ""
        parts.append(f"load {load:.1f} on {cpus} cores{high}")
    else:
        parts.append("load not recorded")
    if env.get("date_utc"):
        parts.append(str(env["date_utc"]).split()[0])
    return ", ".join(parts) or "not recorded"


def _verdict(values: list[float], ok: Any) -> str:
    if not values:
        return "not measured"
    n = sum(bool(ok(v)) for v in values)
    if n == len(values):
        return "✓ holds"
    if n == 0:
        return "✗ does not hold"
    return f"✗ does not hold ({n} of {len(values)})"


def goal_rows(results: Path, root: Path | None = None) -> list[dict[str, str]]:
    """One row per design goal: target, what was measured, the verdict and the environment.

    Every number comes from ``benchmarks/results/*.json``; a goal with no measurement says
    "not measured". ``tests/test_docs_benchmarks.py`` checks the verdicts against the JSON.
    """
    root = results.parent.parent if root is None else root
    rows: list[dict[str, str]] = []

    def add(goal: str, target: str, topic: str, values: list[float], ok: Any, measured: str):
        data = _load(results, topic) or {}
        rows.append(
            {
                "goal": goal,
                "target": target,
                "measured": measured if values else "—",
                "verdict": _verdict(values, ok),
                "topic": topic,
                "environment": _env_cell(data, root) if values else "—",
            }
        )

    step = _load(results, "step") or {}
    vals = [float(r["ratio_median_of_rounds"]) for r in step.get("results", [])]
    add(
        "compiled train step vs the same model in JAX + optax",
        "time ratio ≤ 1.05",
        "step",
        vals,
        lambda v: v <= 1.05,
        ", ".join(
            f"{r['model']}: {float(r['ratio_median_of_rounds']):.2f}"
            for r in step.get("results", [])
        ),
    )
    comp = _load(results, "compile") or {}
    vals = [float(r["ratio_median_of_rounds"]) for r in comp.get("results", [])]
    add(
        "trace + compile time vs the hand-written model",
        "ratio ≤ 1.5",
        "compile",
        vals,
        lambda v: v <= 1.5,
        ", ".join(
            f"{r['model']}: {float(r['ratio_median_of_rounds']):.2f}"
            for r in comp.get("results", [])
        ),
    )
    chain = _load(results, "chain") or {}
    per_box = [float(r["build_compile_us_per_box"]) for r in chain.get("results", [])]
    spread = [max(per_box) / min(per_box)] if per_box else []
    sizes = [int(r["boxes"]) for r in chain.get("results", [])]
    add(
        "build + compile linear in the number of boxes",
        "µs per box within 1.5× across sizes",
        "chain",
        spread,
        lambda v: v <= 1.5,
        f"{min(per_box):.0f}–{max(per_box):.0f} µs per box for {min(sizes):,}–{max(sizes):,} "
        f"boxes (spread {spread[0]:.2f}×)"
        if per_box
        else "",
    )
    filt = _load(results, "filtering") or {}
    hmm = [
        (h["states"], k.split(":")[0], float(v))
        for h in filt.get("hmm", [])
        for k, v in h.get("ratios", {}).items()
        if "hand" in k
    ]
    add(
        "HMM over 10⁴ steps vs a hand-written `lax.scan`",
        "ratio ≤ 1.5",
        "filtering",
        [v for *_, v in hmm],
        lambda v: v <= 1.5,
        ", ".join(f"{s} states {what}: {v:.2f}" for s, what, v in hmm),
    )
    kal = filt.get("kalman", {})
    kv = [(k.split(":")[0], float(v)) for k, v in kal.get("ratios", {}).items() if "hand" in k]
    add(
        f"batched Kalman ({kal.get('sequences', 0):,} sequences × {kal.get('steps', 0)} steps) "
        "vs a hand-written `vmap` + `lax.scan`",
        "ratio ≤ 1.5",
        "filtering",
        [v for _, v in kv],
        lambda v: v <= 1.5,
        ", ".join(f"{what}: {v:.2f}" for what, v in kv),
    )
    net = _load(results, "networks") or {}
    fresh = net.get("fresh", [])
    speed = [1.0 / float(r["ratio"]) for r in fresh]
    add(
        f"one exact Bayesian-network query vs pgmpy (fresh query, {len(fresh)} networks)",
        "≥ 10× faster",
        "networks",
        speed,
        lambda v: v >= 10,
        f"{min(speed):.1f}–{max(speed):.1f}× faster" if speed else "",
    )
    batched = net.get("batched") or {}
    bv = [float(batched["ratio_cold"])] if batched else []
    add(
        f"{batched.get('cases', 0):,} batched queries of one signature vs pgmpy one by one"
        f" ({batched.get('network', '')}), compile included",
        "≥ 10× faster",
        "networks",
        bv,
        lambda v: v >= 10,
        f"{bv[0]:.0f}× faster (warm: {float(batched['ratio_warm']):,.0f}×)" if bv else "",
    )
    # EfProb appears in the results as a cross-check of answers only: no timing of it exists.
    efprob = [
        float(v)
        for r in net.get("fresh", []) + net.get("peers", [])
        for k, v in r.items()
        if k.startswith("efprob") and k.endswith("_s")
    ]
    add("exact queries vs EfProb", "≥ 100× faster", "networks", efprob, lambda v: v >= 100, "")
    diffs = [float(r["max_diff"]) for r in fresh] + [
        float(r["max_diff_pgmpy"]) for r in net.get("crosscheck", [])
    ]
    add(
        "same answers as pgmpy",
        "max abs difference ≤ 1e-12",
        "networks",
        diffs,
        lambda v: v <= 1e-12,
        f"largest difference {max(diffs):.1e}" if diffs else "",
    )
    lam = (_load(results, "lambeq") or {}).get("tasks", {})
    both = {t: r for t, r in lam.items() if (r.get("lambeq") or {}).get("accuracy")}
    gap = {
        t: statistics.fmean(r["catlearn"]["accuracy"]) - statistics.fmean(r["lambeq"]["accuracy"])
        for t, r in both.items()
    }
    add(
        "lambeq's MC and RP tasks: test accuracy vs lambeq's own pipeline (20 seeds)",
        "mean ≥ lambeq's",
        "lambeq",
        list(gap.values()),
        lambda v: v >= 0,
        ", ".join(f"{t.upper()}: {v:+.3f}" for t, v in gap.items()),
    )
    fit = {
        t: r["catlearn"]["fit_s"][0] / statistics.median(r["lambeq"]["fit_s"])
        for t, r in both.items()
    }
    add(
        "lambeq's tasks: whole fit with compilation vs lambeq's `PytorchTrainer`",
        "ratio ≤ 0.5",
        "lambeq",
        list(fit.values()),
        lambda v: v <= 0.5,
        ", ".join(f"{t.upper()}: {v:.2f}" for t, v in fit.items()),
    )
    return rows


def goals(results: Path, root: Path | None = None) -> str:
    """The goals table of the benchmarks page (MyST), from :func:`goal_rows`."""
    out = ["| goal | target | measured | verdict | environment |", "|---|---|---|---|---|"]
    for r in goal_rows(results, root):
        link = f"[{_escape(r['goal'])}](#bench-{r['topic']})"
        cells = [link, r["target"], r["measured"], f"**{r['verdict']}**", r["environment"]]
        out.append("| " + " | ".join(_escape(c) for c in cells) + " |")
    return "\n".join(out) + "\n"


def networks_covered(results: Path) -> str:
    """Which networks the pgmpy comparison covers, from ``networks.json`` (for the prose)."""
    net = _load(results, "networks") or {}
    fresh = net.get("fresh", [])
    if not fresh:
        raise KeyError("benchmarks/results/networks.json has no 'fresh' rows")
    nodes = sorted(int(r["nodes"]) for r in fresh)
    big = max(fresh, key=lambda r: int(r["nodes"]))
    text = (
        f"{len(fresh)} of pgmpy's bundled networks, from {nodes[0]} to {nodes[-1]:,} nodes "
        f"({', '.join(r['network'] for r in fresh)}; the largest is {big['network']})"
    )
    munin = net.get("munin") or []
    md = (results / "networks.md").read_text(encoding="utf-8")
    size = re.search(r"^#+\s*munin \((\d+) nodes\)", md, flags=re.M)
    if munin and size:
        text += (
            f"; munin ({int(size.group(1)):,} nodes) is queried by catlearn alone "
            f"({len(munin)} queries, no pgmpy timing)"
        )
    return text
