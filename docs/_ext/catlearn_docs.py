"""The pages of catlearn's documentation that are made from the checkout at build time.

* API: one page per public module (dotted names), a short page per subpackage listing what it
  exports (linking to where each name is documented), and the module index;
* notebooks: every committed ``docs/notebooks/*.md`` is listed in the sidebar and the gallery,
  with a thumbnail cut from its own first figure, and a ``.ipynb`` made by jupytext to download;
* examples: every committed ``examples/*.py`` is run (``--fast``) at build time, and gets a page
  with its printed output, the figures it wrote and its source (folded);
* benchmarks: ``benchmarks/results/*.md`` rendered by :mod:`benchpage` (each table once).

Registered by ``docs/conf.py`` (``setup``); configured by the ``catlearn_*`` values there.
"""

from __future__ import annotations

import ast
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
GEN = DOCS / "generated"
CACHE = DOCS / "_build" / ".examples"


# -- What is in the checkout ------------------------------------------------------------------
def tracked() -> set[str] | None:
    """Files git tracks (None outside a git checkout, e.g. an sdist: then trust the disk).

    In a shared working tree, half-written files of other people are on disk but not yet
    committed; documenting only tracked files makes a local build match a fresh clone.
    Set CATLEARN_DOCS_UNTRACKED=1 to document whatever is on disk.
    """
    if os.environ.get("CATLEARN_DOCS_UNTRACKED") == "1":
        return None
    try:
        out = subprocess.run(
            ["git", "ls-files", "catlearn", "examples", "docs", "benchmarks"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return set(out.split())


TRACKED = tracked()


def present(path: Path) -> bool:
    if not path.exists():
        return False
    return TRACKED is None or path.resolve().relative_to(ROOT).as_posix() in TRACKED


def ordered(found: set[str], first: list[str]) -> list[str]:
    return [n for n in first if n in found] + sorted(found - set(first))


def doc_summary(path: Path) -> str:
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except SyntaxError:
        return ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


def _write(path: Path, text: str) -> None:
    """Write only when changed (keeps Sphinx's incremental builds incremental)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# -- API pages --------------------------------------------------------------------------------
def public_modules() -> tuple[list[str], set[str]]:
    """Dotted names (relative to ``catlearn``) of the public modules, and which are packages."""
    found, packages = set(), set()
    for p in (ROOT / "catlearn").rglob("*.py"):
        if not present(p):
            continue
        parts = p.relative_to(ROOT / "catlearn").with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
            if parts:
                packages.add(".".join(parts))
        if parts and not any(part.startswith("_") for part in parts):
            found.add(".".join(parts))
    return sorted(found), packages


def _documentable(obj: Any) -> bool:
    import inspect

    return inspect.isclass(obj) or inspect.isfunction(obj)


def homes(modules: list[str], packages: set[str]) -> dict[int, str]:
    """Where each exported class and function is documented, once (``id(obj)`` -> module).

    An object defined in a public module is documented there. One defined in a private module
    (``networks/_jtree.py``) is documented in the public module that lists it in ``__all__``
    (``networks.engines``), else in the deepest package that exports it (``networks``, not
    ``probability``). A re-export (``markov`` listing ``Sampler`` of ``sampler``) is a link."""
    import importlib

    out: dict[int, str] = {}
    found: dict[int, list[str]] = {}
    for m in modules:
        try:
            mod = importlib.import_module(f"catlearn.{m}")
        except Exception:
            continue
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            if not _documentable(obj):
                continue
            where = getattr(obj, "__module__", "") or ""
            if where.startswith("catlearn.") and where.removeprefix("catlearn.") in modules:
                out[id(obj)] = where.removeprefix("catlearn.")
            else:
                found.setdefault(id(obj), []).append(m)
    for key, places in found.items():
        if key in out:
            continue
        leaves = [m for m in places if m not in packages]
        out[key] = (leaves or sorted(places, key=lambda m: m.count(".")))[-1]
    return out


def _exports(package: str, home: dict[int, str]) -> list[tuple[str, str]]:
    """(name, dotted path where it is documented) of what ``catlearn.<package>`` exports."""
    import importlib

    mod = importlib.import_module(f"catlearn.{package}")
    out = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name, None)
        if isinstance(obj, type(mod)):  # a module in __all__: link its page
            out.append((name, obj.__name__))
            continue
        where = getattr(obj, "__module__", None) or f"catlearn.{package}"
        if _documentable(obj) and id(obj) in home:
            where = f"catlearn.{home[id(obj)]}"
        elif not where.startswith("catlearn") or any(p.startswith("_") for p in where.split(".")):
            where = f"catlearn.{package}"
        out.append((name, f"{where}.{name}"))
    return out


def _private_exports(package: str, home: dict[int, str]) -> list[tuple[str, str]]:
    """(name, autodoc kind) of what a subpackage exports from its private modules and
    documents itself (its home, see :func:`homes`)."""
    import importlib
    import inspect

    try:
        mod = importlib.import_module(f"catlearn.{package}")
    except Exception:
        return []
    out = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name, None)
        where = getattr(obj, "__module__", "") or ""
        if where.startswith("catlearn") and any(p.startswith("_") for p in where.split(".")):
            if _documentable(obj) and home.get(id(obj), package) != package:
                continue  # documented in its home; the table above links there
            kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "data"
            out.append((name, kind))
    return out


def _reexports(module: str, home: dict[int, str]) -> list[str]:
    """Names a leaf module lists in ``__all__`` that are documented in another module."""
    import importlib

    try:
        mod = importlib.import_module(f"catlearn.{module}")
    except Exception:
        return []
    return [
        n
        for n in getattr(mod, "__all__", [])
        if _documentable(getattr(mod, n, None)) and home.get(id(getattr(mod, n)), module) != module
    ]


def _outside_all(module: str) -> tuple[list[str], list[str]]:
    """Public classes, and public functions, defined in ``module`` but not in its ``__all__``."""
    import importlib
    import inspect

    try:
        mod = importlib.import_module(f"catlearn.{module}")
    except Exception:
        return [], []
    names = getattr(mod, "__all__", None)
    if names is None:
        return [], []
    mine = [
        (n, o)
        for n, o in vars(mod).items()
        if not n.startswith("_")
        and n not in names
        and getattr(o, "__module__", None) == mod.__name__
    ]
    classes = [n for n, o in mine if inspect.isclass(o)]
    return classes, [n for n, o in mine if inspect.isfunction(o)]


def write_api(order: list[str]) -> list[str]:
    modules, packages = public_modules()
    modules = ordered(set(modules), order)
    home = homes(modules, packages)
    out_dir = GEN / "api"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.rst"):
        if old.stem not in modules:
            old.unlink()
    for m in modules:
        title = f"catlearn.{m}"
        text = f"{title}\n{'=' * len(title)}\n\n"
        if m in packages:
            # A subpackage page: its docstring, its modules, and what it exports, linked to
            # where each name is documented (never documented twice).
            subs = [s for s in modules if s.startswith(m + ".") and "." not in s[len(m) + 1 :]]
            text += f".. automodule:: {title}\n   :no-members:\n\n"
            if subs:
                text += "Modules\n-------\n\n.. autosummary::\n\n"
                text += "".join(f"   {s.rsplit('.', 1)[1]}\n" for s in subs) + "\n"
            if subs:  # the sidebar nests each area's modules and sub-areas under it
                text += ".. toctree::\n   :hidden:\n\n" + "".join(f"   {s}\n" for s in subs) + "\n"
            try:
                exports = _exports(m, home)
            except Exception:
                exports = []
            if exports:
                text += f"Exported from ``{title}``\n"
                text += "-" * (len(title) + 18) + "\n\n.. list-table::\n   :widths: 30 70\n\n"
                for name, path in exports:
                    # Where the name is defined, as a link (never as bare code: the built site
                    # is checked for unlinked references to documented objects).
                    module = path in sys.modules  # a subpackage or module in __all__
                    defined = "module" if module else f"from :py:mod:`{path.rsplit('.', 1)[0]}`"
                    text += f"   * - :py:obj:`{name} <{path}>`\n     - {defined}\n"
            for name, kind in _private_exports(m, home):  # defined in a private module
                text += f"\n.. auto{kind}:: {title}.{name}\n"
        else:
            text += f".. automodule:: {title}\n"
            # ``__all__`` is documented, and the public classes a module defines but leaves out
            # of it (errors a function raises); helper functions outside ``__all__``
            # (``is_concrete``, ``xp_for``) stay out of the reference.
            classes, helpers = _outside_all(m)
            if classes:  # autodoc honours __all__ even for listed members: widen, then exclude
                text += "   :ignore-module-all:\n"
            elsewhere = _reexports(m, home) + (helpers if classes else [])
            if elsewhere:  # re-exports are documented (once) where they are defined
                text += f"   :exclude-members: {', '.join(elsewhere)}\n"
        _write(out_dir / f"{m}.rst", text)
    return modules


def _children(modules: list[str], parent: str | None) -> list[str]:
    """The modules directly under ``parent`` (``None``: the areas), in ``modules``' order."""
    if parent is None:
        return [m for m in modules if "." not in m]
    return [m for m in modules if m.startswith(parent + ".") and "." not in m[len(parent) + 1 :]]


def api_index(modules: list[str]) -> str:
    """The API index grouped by area and sub-area: a heading per area (``catlearn.core``), one
    per sub-area (``catlearn.probability.networks``), each with a table of its modules; the
    sidebar nests the same way (each package page holds the toctree of its children)."""

    def table(members: list[str]) -> list[str]:
        lines = ["```{eval-rst}", ".. currentmodule:: catlearn", "", ".. autosummary::", ""]
        return lines + [f"   {m}" for m in members] + ["```", ""]

    lines = [""]
    areas = _children(modules, None)
    singles = [m for m in areas if not _children(modules, m)]
    if singles:  # modules at the top level (catlearn.errors)
        lines += table(singles)
    for area in [m for m in areas if m not in singles]:
        lines += [f"### `catlearn.{area}`", ""]
        direct = _children(modules, area)
        leaves = [m for m in direct if not _children(modules, m)]
        lines += table([area, *leaves])
        for sub in [m for m in direct if m not in leaves]:
            lines += [f"#### `catlearn.{sub}`", ""]
            lines += table([sub, *_children(modules, sub)])
    lines += ["```{toctree}", ":maxdepth: 1", ":hidden:", ""]
    lines += [f"/generated/api/{m}" for m in areas]
    return "\n".join([*lines, "```", ""])


# -- Notebooks --------------------------------------------------------------------------------
def notebooks(order: list[str]) -> list[str]:
    nbs = [*(DOCS / "notebooks").glob("*.md"), *(DOCS / "notebooks").glob("*.ipynb")]
    return ordered({p.stem for p in nbs if present(p)}, order)


def notebook_toctree(names: list[str]) -> str:
    if not names:
        return ""
    lines = ["```{toctree}", ":maxdepth: 1", ":hidden:", ":caption: Teaching notebooks", ""]
    return "\n".join(lines + [f"notebooks/{n}" for n in names] + ["```"]) + "\n"


def write_ipynb(names: list[str]) -> None:
    """``docs/generated/ipynb/<name>.ipynb`` from each MyST notebook, by jupytext."""
    import jupytext

    for n in names:
        src = DOCS / "notebooks" / f"{n}.md"
        if not src.exists():
            continue
        nb = jupytext.read(src)
        _write(GEN / "ipynb" / f"{n}.ipynb", jupytext.writes(nb, fmt="ipynb"))


def add_download(text: str, name: str) -> str:
    """Put a download line under the first heading of a MyST notebook's text."""
    link = (
        f"\n{{download}}`Download this notebook (.ipynb) </generated/ipynb/{name}.ipynb>` · "
        f"{{download}}`MyST source (.md) </notebooks/{name}.md>`\n"
    )
    lines = text.split("\n")
    in_front = lines and lines[0].strip() == "---"
    for i, line in enumerate(lines):
        if in_front and i > 0 and line.strip() == "---":
            in_front = False
            continue
        if not in_front and line.startswith("# "):
            lines.insert(i + 1, link)
            return "\n".join(lines)
    return text


# -- Examples ---------------------------------------------------------------------------------
def _catlearn_hash() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "catlearn").rglob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()


class Example:
    """One ``examples/<stem>.py``: its run (a subprocess, cached by content) and its page."""

    def __init__(self, path: Path, args: list[str], summary: str) -> None:
        self.path, self.args, self.summary = path, args, summary
        self.stem = path.stem
        self.cache = CACHE / self.stem
        self.proc: subprocess.Popen[bytes] | None = None
        self.stamp = hashlib.sha256(
            path.read_bytes() + " ".join(args).encode() + _catlearn_hash().encode()
        ).hexdigest()

    @property
    def fresh(self) -> bool:
        s = self.cache / "stamp"
        return s.exists() and s.read_text() == self.stamp

    def start(self, timeout: int) -> None:
        if self.fresh:
            return
        shutil.rmtree(self.cache, ignore_errors=True)
        (self.cache / "run").mkdir(parents=True)
        env = dict(os.environ, MPLBACKEND="Agg", TQDM_DISABLE="1", PYTHONPATH=str(ROOT))
        cmd = ["timeout", str(timeout), sys.executable, str(self.path), *self.args]
        self.out = open(self.cache / "output.txt", "wb")
        self.proc = subprocess.Popen(
            cmd, cwd=self.cache / "run", env=env, stdout=self.out, stderr=subprocess.STDOUT
        )

    def wait(self) -> None:
        if self.proc is None:
            return
        rc = self.proc.wait()
        self.out.close()
        self.proc = None
        (self.cache / "rc").write_text(str(rc))
        if rc != 0:
            text = (self.cache / "output.txt").read_text(errors="replace")[-3000:]
            raise RuntimeError(
                f"examples/{self.path.name} {' '.join(self.args)} exited {rc}:\n{text}"
            )
        (self.cache / "stamp").write_text(self.stamp)

    def output(self, limit: int = 60) -> str:
        """What the run printed, as a terminal shows it: a progress bar redrawn with ``\\r``
        keeps its last state; at most ``limit`` lines, none longer than 400 characters."""
        out_file = self.cache / "output.txt"
        if not out_file.exists():
            return ""
        raw = out_file.read_bytes().decode("utf-8", errors="replace")  # keep the \r
        lines = [ln.rstrip("\r").split("\r")[-1].rstrip() for ln in raw.split("\n")]
        lines = [textwrap.shorten(x, 400) if len(x) > 400 else x for x in lines]
        if len(lines) > limit:
            lines = [*lines[: limit - 1], f"... ({len(lines) - limit + 1} more lines)"]
        return "\n".join(lines).strip("\n")

    def figures(self) -> list[Path]:
        return sorted((self.cache / "run").rglob("*.png")) if self.cache.exists() else []

    def page(self, execute: bool) -> str:
        """The MyST text of the example's page (waits for its run)."""
        name = self.path.name
        cmd = " ".join(["python", f"examples/{name}", *self.args])
        lines = [f"# `{name}`", "", self.summary, "", "```bash", f"python examples/{name}"]
        lines += ["```", ""]
        if execute:
            self.wait()
        out_file = self.cache / "output.txt"
        if out_file.exists() and self.fresh:
            text = self.output()
            lines += ["## Output", "", f"Printed by `{cmd}` when these pages were built:", ""]
            lines += ["```{code-block} text", ":class: cl-output", "", text or "(no output)"]
            lines += ["```", ""]
            figs = self.figures()
            dest = GEN / "examples" / self.stem
            shutil.rmtree(dest, ignore_errors=True)
            if figs:
                dest.mkdir(parents=True)
                lines += ["## Figures", ""]
                # Alt text: what the figure shows (the script's summary), not a file name.
                alt = re.sub(r"[`*]", "", " ".join(self.summary.split()))
                for f in figs:
                    shutil.copy(f, dest / f.name)
                    lines += [f"```{{image}} {self.stem}/{f.name}"]
                    lines += [f":alt: Figure drawn by examples/{name} ({f.name}). {alt}"]
                    lines += [":class: cl-example-figure", "```", ""]
        else:
            lines += ["*Not run in this build (`CATLEARN_DOCS_EXECUTE=off`).*", ""]
        lines += ["## Source", "", "```{raw} html", '<details class="cl-source">']
        lines += [f"<summary>Show <code>examples/{name}</code></summary>", "```", ""]
        lines += [f"```{{literalinclude}} ../../../examples/{name}", ":language: python"]
        lines += ["```", "", "```{raw} html", "</details>", "```", ""]
        return "\n".join(lines)


def examples(args: dict[str, list[str]], summaries: dict[str, str]) -> list[Example]:
    found = {
        p.stem: p
        for p in (ROOT / "examples").glob("*.py")
        if not p.name.startswith("_") and present(p)
    }
    out = []
    for stem in ordered(set(found), list(summaries)):
        p = found[stem]
        what = summaries.get(stem) or doc_summary(p) or "(no description)"
        out.append(Example(p, args.get(stem, ["--fast"]), what))
    return out


# -- Gallery ----------------------------------------------------------------------------------
class gallery_node(nodes.General, nodes.Element):
    pass


class GalleryDirective(Directive):
    """``{catlearn-gallery}``: a grid of cards, filled in when the page is written."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"kind": str}

    def run(self) -> list[nodes.Node]:
        node = gallery_node()
        node["kind"] = self.options.get("kind", "notebooks")
        return [node]


def _thumbnail(src: Path | None, dest: Path, title: str, text: str = "") -> None:
    """A 400x260 thumbnail of ``src`` (fit inside, white background), or, without a figure,
    a terminal-like card of ``text`` (the first lines a script printed) or of the title."""
    from PIL import Image, ImageDraw, ImageFont

    w, h = 400, 260
    card = Image.new("RGB", (w, h), "white")
    if src is not None and src.exists():
        im = Image.open(src).convert("RGBA")
        im.thumbnail((w - 16, h - 16))
        bg = Image.new("RGBA", im.size, "white")
        bg.alpha_composite(im)
        card.paste(bg.convert("RGB"), ((w - im.width) // 2, (h - im.height) // 2))
    else:
        draw = ImageDraw.Draw(card)
        dark = bool(text)
        draw.rectangle([0, 0, w - 1, h - 1], fill="#23212e" if dark else "#f3f1fb")
        try:
            font = ImageFont.truetype("DejaVuSansMono.ttf", 12 if dark else 15)
        except OSError:
            font = ImageFont.load_default()
        rows = [x[:52] for x in text.splitlines() if x.strip()][:14] if dark else []
        y = 14 if dark else 24
        for line in rows or textwrap.wrap(title, 34)[:8]:
            draw.text(
                (14 if dark else 24, y), line, fill="#d8d4ee" if dark else "#3b3561", font=font
            )
            y += 17 if dark else 24
    dest.parent.mkdir(parents=True, exist_ok=True)
    card.save(dest, optimize=True)


def placeholder(path: Path) -> None:
    """A blank picture where a build without execution has none (never overwrites one)."""
    if not path.exists():
        _thumbnail(None, path, "(drawn when the page is executed)")


def collect_first_image(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    first = getattr(env, "catlearn_first_image", {})
    env.catlearn_first_image = first  # type: ignore[attr-defined]
    first.pop(env.docname, None)
    for img in doctree.findall(nodes.image):
        uri = img.get("candidates", {}).get("image/png") or img.get("uri", "")
        if not uri or "://" in uri:
            continue
        p = Path(uri) if Path(uri).is_absolute() else Path(app.srcdir, uri)
        if p.suffix.lower() in {".png", ".jpg", ".jpeg"} and p.exists():
            first[env.docname] = str(p)
            break


def purge_first_image(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "catlearn_first_image", {}).pop(docname, None)


def merge_first_image(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    mine = getattr(env, "catlearn_first_image", {})
    mine.update(getattr(other, "catlearn_first_image", {}))
    env.catlearn_first_image = mine


def _plain(text: str) -> str:
    """Blurb text without inline markup (``code``, *emphasis*)."""
    return re.sub(r"``(.*?)``|\*(.*?)\*", lambda m: m.group(1) or m.group(2) or "", text)


def gallery_items(app: Sphinx, kind: str) -> list[tuple[str, str, str, Path | None, str]]:
    """(docname, title, blurb, first image, printed text) of each notebook or example."""
    env = app.env
    first = getattr(env, "catlearn_first_image", {})
    items = []
    if kind == "notebooks":
        for n in app.catlearn_notebook_names:
            doc = f"notebooks/{n}"
            title = env.titles[doc].astext() if doc in env.titles else n
            img = first.get(doc)
            items.append((doc, title, "", Path(img) if img else None, ""))
    else:
        for ex in app.catlearn_example_objs:
            doc = f"generated/examples/{ex.stem}"
            img = first.get(doc)
            text = ex.output() if ex.fresh else ""
            items.append((doc, ex.path.name, _plain(ex.summary), Path(img) if img else None, text))
    return items


def fill_gallery(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(gallery_node)):
        cards = []
        for doc, title, blurb, img, text in gallery_items(app, node["kind"]):
            stem = doc.replace("/", "-")
            thumb = Path(app.outdir) / "_images" / "thumbs" / f"{stem}.png"
            _thumbnail(img, thumb, title, text)
            href = app.builder.get_relative_uri(docname, doc)
            src = app.builder.get_relative_uri(docname, "_images/thumbs/x").rsplit("/", 1)[0]
            short = html.escape(blurb if len(blurb) < 150 else blurb[:147].rsplit(" ", 1)[0] + " …")
            cards.append(
                f'<a class="cl-gallery-card" href="{href}">'
                f'<img src="{src}/{stem}.png" alt="{html.escape(title)}" loading="lazy">'
                f'<span class="cl-gallery-title">{html.escape(title)}</span>'
                + (f'<span class="cl-gallery-blurb">{short}</span>' if short else "")
                + "</a>"
            )
        raw = '<div class="cl-gallery">' + "".join(cards) + "</div>"
        node.replace_self(nodes.raw("", raw, format="html"))


# -- Paths in the text become links to the page that shows the file ---------------------------
def link_paths(app: Sphinx, doctree: nodes.document) -> None:
    from sphinx.addnodes import download_reference, pending_xref

    docs = app.env.found_docs
    skip = (nodes.reference, pending_xref, download_reference, nodes.literal_block)
    for lit in list(doctree.findall(nodes.literal)):
        if isinstance(lit.parent, skip):
            continue
        text = lit.astext().strip()
        target = kind = None
        p = Path(text)
        if text.startswith("examples/") and p.suffix == ".py":
            if f"generated/examples/{p.stem}" in docs:
                target, kind = f"/generated/examples/{p.stem}", "doc"
        elif text.startswith("benchmarks/results/") and p.suffix in {".md", ".json"}:
            if (ROOT / text).exists() and p.stem != "README":
                target, kind = f"bench-{p.stem}", "ref"
        elif text.startswith("benchmarks/bench_") and p.suffix == ".py":
            if (ROOT / "benchmarks" / "results" / f"{p.stem[6:]}.md").exists():
                target, kind = f"bench-{p.stem[6:]}", "ref"
        elif text.startswith("benchmarks/") and text.rstrip("/") == "benchmarks":
            target, kind = "/benchmarks", "doc"
        elif text.startswith("catlearn/") and p.suffix == ".py":
            mod = ".".join(p.with_suffix("").parts)
            mod = mod.removesuffix(".__init__")
            if f"generated/api/{mod.removeprefix('catlearn.')}" in docs:
                target, kind = mod, "mod"
        if target is None or (app.env.docname.startswith("generated/examples") and kind == "doc"):
            continue
        domain = "py" if kind == "mod" else "std"
        ref = pending_xref(
            "",
            refdomain=domain,
            reftype=kind,
            reftarget=target,
            refexplicit=True,
            refwarn=True,
            refdoc=app.env.docname,
        )
        lit.replace_self(ref)
        ref += lit
