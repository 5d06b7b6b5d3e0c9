"""The built site, finished and checked: after ``jupyter-book build``, before anyone reads it.

:func:`finish_site` replaces the notebooks the download button offers
(``_sources/book/*.ipynb``, which Sphinx copies from ``book/``: for the
sample's committed outputs) with the ones executed for this build, each
opened by a cell that says the one command that makes it run; and fills in
``{{ repo_url }}`` there, since a downloaded notebook is read outside the
book.

Then three checks, each a list of problems (empty: good):

* :func:`broken_links` -- every ``href`` and ``src`` of every HTML page that
  points inside the site names a file that exists, and its ``#fragment`` an
  element of that page; no ``javascript:`` link;
* :func:`machine_paths` -- no file of the site (pages, tables, downloads,
  figures) contains an absolute path of the machine that built it;
* run together by :func:`check_site`.

``python -m analysis.book.site --html DIR [--executed DIR] [--corpus C]
[--tables T]`` (``scripts/book.sh`` runs it after the book build) finishes
and checks, and fails (exit 1) on any problem.

>>> broken_links(PROJECT_ROOT / "no-such-site")
['no-such-site: no such folder']
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from analysis.book.escape import md
from analysis.paths import PROJECT_ROOT

#: Files whose bytes are searched for machine paths (everything but images and fonts).
SKIP_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf", ".otf", ".eot"}
#: Absolute paths that name a machine's folders, whatever the machine (with :func:`machine_paths`' own list).
MACHINE_PATH = re.compile(r"(?<![\w.])(?:/home/[^/\s\"'<>]+|/root/|/tmp/|/work/|/Users/[^/\s\"'<>]+|"
                          r"[A-Za-z]:\\\\Users\\\\|site-packages/)")
#: A text :data:`MACHINE_PATH` can match holds one of these.
MACHINE_PATH_PARTS = ("/home/", "/root/", "/tmp/", "/work/", "/Users/", "\\\\Users\\\\", "site-packages/")
#: Schemes a link may use (anything else, e.g. ``javascript:``, is a problem).
SAFE_SCHEMES = ("http", "https", "mailto")


class _Links(HTMLParser):
    """Collects ids and the URLs of ``href``/``src`` attributes of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif name in ("href", "src") and not (tag == "link" and ("rel", "canonical") in attrs):
                self.urls.append((name, value))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def broken_links(html_dir: str | Path) -> list[str]:
    """Every link of the site at ``html_dir`` that does not resolve: ``"<page>: <what>"`` lines.

    Internal links (relative or root-relative) must name an existing file inside the site; a ``#fragment``
    into an HTML page must name an ``id`` there; external links must be ``http(s)``/``mailto``.
    """
    root = Path(html_dir)
    if not root.is_dir():
        return [f"{root.name}: no such folder"]
    base = root.resolve()
    # _static holds the theme's assets (and Jinja macro files named .html): not pages of the book.
    pages = sorted(p for p in root.rglob("*.html") if p.relative_to(root).parts[0] != "_static")
    parsed: dict[Path, _Links] = {}

    def page(path: Path) -> _Links:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    problems = []
    for path in pages:
        where = path.relative_to(root).as_posix()
        for attr, url in page(path).urls:
            url = url.strip()
            if not url:
                continue
            parts = urllib.parse.urlsplit(url)
            if parts.scheme:
                if parts.scheme.lower() not in SAFE_SCHEMES and parts.scheme.lower() != "data":
                    problems.append(f"{where}: {attr} with scheme {parts.scheme!r}: {url[:80]}")
                continue
            if parts.netloc:  # //host/…
                continue
            target = path if not parts.path else (
                (base / parts.path.lstrip("/")) if parts.path.startswith("/")
                else (path.parent / urllib.parse.unquote(parts.path)))
            try:
                resolved = target.resolve()
                resolved.relative_to(base)
            except ValueError:
                problems.append(f"{where}: {attr} leaves the site: {url[:80]}")
                continue
            if resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.is_file():
                problems.append(f"{where}: broken {attr} {url[:100]}")
                continue
            fragment = urllib.parse.unquote(parts.fragment)
            if fragment and resolved.suffix == ".html" and fragment not in page(resolved).ids:
                problems.append(f"{where}: link to a missing anchor {url[:100]}")
    return problems


def _as_path_in(path: str, text: str | bytes) -> bool:
    """Whether ``text`` (a str, or UTF-8 bytes) holds ``path`` as a path: not as letters inside a longer
    word or an embedded image's base64 (a word cloud's data once held "…6U/tmpPUI…", which is not the
    folder /tmp)."""
    raw = isinstance(text, bytes)
    needle = path.encode("utf-8") if raw else path
    at = text.find(needle)
    while at >= 0:
        stop = at + len(needle)
        if raw:  # the characters either side, decoded (a byte of a longer character is not one)
            before = text[max(0, at - 4):at].decode("utf-8", errors="replace")[-1:] or " "
            after = text[stop:stop + 4].decode("utf-8", errors="replace")[:1] or " "
        else:
            before = text[at - 1] if at else " "
            after = text[stop] if stop < len(text) else " "
        if not (before.isalnum() or before in "_.+/=-") and not (after.isalnum() or after in "_.+=-"):
            return True
        at = text.find(needle, at + 1)
    return False


def machine_paths(html_dir: str | Path, forbidden=()) -> list[str]:
    """Files of the site at ``html_dir`` that contain an absolute path of the machine: one of ``forbidden``
    (e.g. the project's and the corpus's folders) or anything :data:`MACHINE_PATH` matches."""
    from ahocorasick_rs import BytesAhoCorasick, MatchKind

    root = Path(html_dir)
    needles = sorted({str(f) for f in forbidden if str(f) not in ("", "/", ".")}, key=len, reverse=True)
    parts = [part.encode("utf-8") for part in MACHINE_PATH_PARTS]
    # One pass over each file's bytes finds every needle and fixed part at once (a site of 358 MB of
    # tables: 3.2 s for a search per needle and part, one after the other).
    automaton = BytesAhoCorasick([n.encode("utf-8") for n in needles] + parts, matchkind=MatchKind.Standard)
    problems = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES):
        # Searched as bytes, and decoded only where the regex must look (a site of 330 MB of tables: the
        # decoding was a third of the check).
        data = path.read_bytes()
        seen = {i for i, _, _ in automaton.find_matches_as_indexes(data, overlapping=True)}
        found = [n for i, n in enumerate(needles) if i in seen and _as_path_in(n, data)]
        # The theme's and MathJax's own assets carry their authors' paths; nothing of this build is there.
        third_party = path.relative_to(root).parts[0] == "_static"
        # (the regex only where one of its fixed parts occurs: a scan of 360 MB of tables took 8 s)
        match = None if third_party or not any(i >= len(needles) for i in seen) \
            else MACHINE_PATH.search(data.decode("utf-8", errors="replace"))
        if match:
            found.append(match.group(0))
        if found:
            problems.append(f"{path.relative_to(root).as_posix()}: machine path {found[0]!r}")
    return problems


def run_command(repo_url: str, notebook: str, corpus_note: str = "") -> str:
    """The one command (a shell line) that makes a downloaded chapter run: clone, set up, open it."""
    prefix = "ANALYSIS_CORPUS=/path/to/your/copy/of/the/corpus " if corpus_note else ""
    return (f"git clone {repo_url} book-src && cd book-src && bash scripts/setup.sh && "
            f".venv/bin/pip install jupyterlab && {prefix}.venv/bin/jupyter lab book/{notebook}")


def _first_cell(repo_url: str, notebook: str, title: str, corpus_note: str) -> dict:
    # The title comes from the corpus's corpus.toml: text, never Markdown or HTML (analysis.book.escape).
    lines = [f"**Downloaded from the book *{md(title)}*.** To run this notebook (Python 3.11 and git needed), "
             "run this one command in a terminal:\n\n",
             "```bash\n", run_command(repo_url, notebook, corpus_note) + "\n", "```\n\n",
             "It fetches the code, installs the pinned packages and the `analysis` package into `.venv`, and "
             "opens this notebook in JupyterLab; every table it reads is built on first use."]
    if corpus_note:
        lines.append(f" {corpus_note}")
    return {"cell_type": "markdown", "metadata": {"tags": ["run-this-notebook"]}, "source": lines}


def finish_site(html_dir: str | Path, executed: str | Path | None, repo_url: str, title: str = "",
                corpus_note: str = "") -> list[str]:
    """Replace the site's downloadable notebooks (``_sources/book/*.ipynb``) with the executed ones of
    ``executed`` (jupyter-book's ``jupyter_execute/book``; None: keep the copies), opened by a cell with
    :func:`run_command`, ``{{ repo_url }}`` filled in.  Returns the notebooks written."""
    sources = Path(html_dir) / "_sources" / "book"
    written = []
    for path in sorted(sources.glob("*.ipynb")) if sources.is_dir() else []:
        fresh = Path(executed) / path.name if executed is not None else None
        notebook = json.loads((fresh if fresh is not None and fresh.is_file() else path).read_text(encoding="utf-8"))
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "markdown":
                source = "".join(cell.get("source", []))
                cell["source"] = re.sub(r"\{\{\s*repo_url\s*\}\}", repo_url, source)
        cells = [c for c in notebook.get("cells", []) if "run-this-notebook" not in c.get("metadata", {}).get("tags", [])]
        notebook["cells"] = [_first_cell(repo_url, path.name, title, corpus_note), *cells]
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        written.append(path.name)
    return written


def check_site(html_dir: str | Path, forbidden=()) -> list[str]:
    """:func:`broken_links` and :func:`machine_paths` of the site at ``html_dir``."""
    return broken_links(html_dir) + machine_paths(html_dir, forbidden)


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.book.site --html DIR …``: finish the built site, then check it."""
    parser = argparse.ArgumentParser(prog="python -m analysis.book.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", required=True, help="the built site (…/_build/html)")
    parser.add_argument("--executed", help="jupyter-book's executed notebooks (…/_build/jupyter_execute/book)")
    parser.add_argument("--corpus", help="the corpus the book was built on (its folder must not appear)")
    parser.add_argument("--tables", help="the tables folder the book read (its path must not appear)")
    parser.add_argument("--inputs", default=str(PROJECT_ROOT / "_build" / "book_inputs"),
                        help="the generated book inputs (for the repository address and title)")
    args = parser.parse_args(argv)
    import yaml

    config = yaml.safe_load((Path(args.inputs) / "_config.yml").read_text(encoding="utf-8"))
    repo_url = str(config.get("parse", {}).get("myst_substitutions", {}).get("repo_url", ""))
    note = ("Set ANALYSIS_CORPUS to your copy of the corpus this book reads (its text is not in the repository)."
            if args.corpus else "")
    # The configuration's title is HTML-escaped (analysis.book.publish.book_config); the notebook cell escapes it for Markdown.
    written = finish_site(args.html, args.executed, repo_url, html.unescape(str(config.get("title", ""))), note)
    forbidden = [PROJECT_ROOT, PROJECT_ROOT.resolve()]
    for given in (args.corpus, args.tables, args.html):
        if given:
            forbidden += [Path(given).absolute(), Path(given).resolve()]
            forbidden += [Path(given).absolute().parent] if Path(given).absolute().parent != Path("/") else []
    problems = check_site(args.html, forbidden)
    for line in problems[:50]:
        print(f"site: {line}", file=sys.stderr)
    if problems:
        print(f"site: {len(problems)} problem(s) in {Path(args.html).name}", file=sys.stderr)
        return 1
    print(f"site: {len(written)} notebook(s) readied for download; every link resolves; no machine path")
    return 0


if __name__ == "__main__":
    sys.exit(main())
