"""The book's downloads, provenance pages and identity, written before the book build: :func:`publish`.

:func:`publish` takes the corpus (an :class:`analysis.corpus.folder.Corpus`)
and the folder of its built tables, and writes, into ``_build/published``
(the book's ``html_extra_path``, so it is copied as is into the HTML root):

* ``raw/<stem>.html`` -- only when the corpus's ``publish_text`` is ``full``
  (the sample's): every raw page of the corpus, HTML-escaped, one anchor per
  line (``#L12``, numbered as the corpus reader numbers them:
  ``str.splitlines``) and one per article (``#a-<article id>``), the target
  highlighted on arrival (CSS ``:target``); and the page file itself, byte
  for byte, for download. For an article-table corpus (no pages), the table
  is published instead, one entry per record (anchored by the number the
  articles table gives it, ``line_start``, and by its article id), with the
  standard columns and only the extra columns ``corpus.toml`` lists in
  ``publish_columns``.
* ``tables/<table>.csv`` / ``.parquet`` -- every derived table of the build
  output folder (``_build/data``, written by ``python -m analysis build``),
  as the policy lets it out: under ``excerpts`` (the default) and ``none``
  no whole text (``articles`` without ``text``, no ``tokens``), text cells
  cut to excerpts or withheld (:func:`analysis.book.helpers.restrict_frame`);
  in every CSV a text cell that a spreadsheet would run as a formula
  (``= + - @``) starts with ``'``.
* ``CITATION.cff`` and ``citation.bib`` -- how to cite this book, from its
  identity (:mod:`analysis.corpus.identity`).
* ``favicon.ico`` for browsers that ask for it at the root.

and into ``_build/book_inputs`` (read by the build, not published):

* ``_config.yml`` and ``_toc.yml`` -- the book's configuration for this
  corpus: the project's ``_config.yml`` with the title, authors, year,
  footer and repository of the corpus's identity (launch, repository and
  source buttons only when ``corpus.toml`` names a repository), and the
  table of contents without a glossary page when the corpus has no
  ``glossary.csv`` (``scripts/book.sh`` passes both to ``jupyter-book
  build``);
* ``intro_head.md``, ``reading_guide.md`` -- the introduction's title and
  first paragraph, and its guide to the book's pages;
* ``data_listing.md`` -- the Data page's body (``book/data.md`` includes
  it): the publishing policy that applied, raw pages (when published) and
  derived tables with SHA-256, rows and size, and the licences;
* ``glossary.md`` -- the corpus's glossary (``book/glossary.md`` includes it);
* ``citation.md`` -- the reproducibility page's "How to cite";
* ``_ext/`` -- copies of the book's local Sphinx extensions (``book/_ext``), which that ``_config.yml`` loads;
* ``jieba_userdict.txt`` -- the words the search index must keep whole
  (the corpus's ``userdict.csv`` and glossary terms), for Sphinx's Chinese search;
* ``corpus_statement.md`` -- what this build of the book is about, for the
  introduction (:func:`analysis.book.chapters.corpus_statement`), with the
  identity fields that were guessed.

No path of the machine that built it enters any of these: files are named
relative to the corpus folder.  Every path read from the corpus (manifest
rows, the page folder, the table) is checked to stay inside the corpus
folder, symbolic links included (:func:`inside_corpus`).

Both folders are built in a temporary folder and swapped into place, so a
failed run leaves the previous ones intact.

From the command line (:func:`main`): ``python -m analysis publish
--data _build/data --corpus CORPUS`` (``--corpus`` omitted: the sample), or
``python -m analysis.book.publish`` with the same options.

>>> from analysis.book.publish import line_anchor
>>> line_anchor(12)
'L12'
"""
from __future__ import annotations

import argparse
import copy
import csv
import io
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import pandas as pd

from analysis.corpus.folder import Corpus
from analysis.corpus.identity import Identity, corpus_identity
from analysis.corpus.pages import decode_page, read_manifest
from analysis.corpus.read import table_records
from analysis.errors import InputError
from analysis.io import atomic_path, decode_utf8, sha256_file, write_csv, write_parquet
from analysis.paths import DATA_DIR, PROJECT_ROOT
from analysis.settings import Settings
from analysis.tables import Tables
from analysis.tokens import read_user_dictionary
from .chapters import corpus_statement
from .escape import href, html_text, md, md_code, path_href
from .helpers import (DATA_URL_DIR, FULL_TEXT_COLUMNS, PUBLISHED_DIR, article_anchor, data_anchor, raw_page_url,
                      restrict_frame, safe_csv_frame)
from .reproducibility import citation, citation_bibtex, citation_cff

PUBLISHED = PUBLISHED_DIR
BOOK_INPUTS = PROJECT_ROOT / "_build" / "book_inputs"
DERIVED = PROJECT_ROOT / "_build" / "data"
GLOSSARY = DATA_DIR / "glossary.csv"
#: The project's book configuration and table of contents; :func:`book_config` and :func:`book_toc` derive the
#: ones of a corpus from them.
CONFIG = PROJECT_ROOT / "_config.yml"
TOC = PROJECT_ROOT / "_toc.yml"
#: The folder, in the book inputs, of copies of the local Sphinx extensions: jupyter-book finds them relative to
#: the configuration file, and the configuration written there names no folder outside the book inputs.
EXTENSIONS_DIR = "_ext"
GLOSSARY_DOC = "book/glossary"
#: The columns of an article table the site may publish (the ones :func:`analysis.corpus.read.read_article_table`
#: reads); any other column only when ``corpus.toml`` lists it in ``publish_columns``.
TABLE_COLUMNS = ("id", "article_id", "date", "title", "headline", "page", "section", "paper", "text")
#: Derived tables that are the whole text in another form: published only under ``full``.
FULL_TEXT_TABLES = frozenset({"tokens"})

#: From a published raw page (``raw/x.html``) back to the Data page.
_STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 0 auto; max-width: 60em; padding: 1em; line-height: 1.5; color: #222; }
header { border-bottom: 1px solid #ccc; margin-bottom: 1em; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1em 1em; font-size: 0.9em; }
header dt { font-weight: 600; } header dd { margin: 0; overflow-wrap: anywhere; }
ol.lines { list-style: none; margin: 0; padding: 0; font-size: 1.05em; }
ol.lines li { display: grid; grid-template-columns: 3.5em 1fr; gap: 0.8em; padding: 0 0.3em;
              scroll-margin-top: 40vh; }
ol.lines li > a { color: #888; text-align: right; text-decoration: none; font-variant-numeric: tabular-nums;
                  user-select: none; }
ol.lines li > span:not(.art) { white-space: pre-wrap; overflow-wrap: anywhere; min-height: 1.5em; }
ol.lines li:target, ol.lines li:has(> span.art:target) { background: #fff3a8; outline: 2px solid #e0b000; }
ol.lines li:target > a { color: #000; font-weight: 700; }
ol.lines span.art { grid-column: 1 / -1; grid-row: 1; scroll-margin-top: 40vh; font-size: 0.8em; color: #666; }
ol.lines span.art::before { content: "article " attr(data-id); }
table.rec { border-collapse: collapse; margin: 0; } table.rec th { text-align: left; padding-right: 1em;
  vertical-align: top; color: #555; font-weight: 600; } table.rec td { white-space: pre-wrap; overflow-wrap: anywhere; }
@media print { header p { display: none; } ol.lines li { break-inside: avoid; } }
"""


def line_anchor(number: int) -> str:
    """Id of line (or row) ``number`` on a published page."""
    return f"L{int(number)}"


@dataclass
class Published:
    """One published source: where it came from and what was written."""

    source: str          # as in the tables' source column
    page: str            # published HTML page, relative to the HTML root
    download: str        # published copy of the file, relative to the HTML root
    sha256: str
    lines: int           # lines (records for a table)
    bytes: int
    paper: str = ""
    issue_date: str = ""
    provenance: str = ""
    unit: str = "lines"  # what ``lines`` counts: "lines" of a page, "records" of a table
    note: str = ""       # what the published copy leaves out, if anything


# --------------------------------------------------------------------------- paths that stay in the corpus

def inside_corpus(root: str | Path, path: str | Path, what: str = "file") -> Path:
    """``path`` (relative to ``root``, or absolute) resolved, after checking that it stays inside the corpus
    folder ``root``: no absolute path or ``..`` in a relative name, no symbolic link (of the file or of any
    folder on the way) leading out of the folder.  Raises :class:`InputError` naming the path otherwise.

    >>> inside_corpus(DATA_DIR, "raw/000_170871a187ecc0e6.txt").name
    '000_170871a187ecc0e6.txt'
    >>> inside_corpus(DATA_DIR, "../README.md")
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: ../README.md: a file of the corpus may not name a parent folder (..)
    """
    base = Path(root).resolve()
    given = Path(path)
    text = str(path).replace("\\", "/")
    if not given.is_absolute():
        if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
            raise InputError(text, f"a {what} of the corpus must be named relative to the corpus folder")
        if ".." in PurePosixPath(text).parts:
            raise InputError(text, f"a {what} of the corpus may not name a parent folder (..)")
        given = Path(root) / given
    resolved = given.resolve()
    try:
        resolved.relative_to(base)
    except ValueError:
        shown = text if not Path(text).is_absolute() else Path(text).name
        raise InputError(shown, f"the {what} leads outside the corpus folder"
                                + (" (a symbolic link)" if given.is_symlink() or resolved != given.absolute()
                                   else "")) from None
    return resolved


def _relative_name(root: Path, path: Path) -> str:
    """``path`` relative to the corpus folder ``root`` (POSIX), for messages and pages: never a machine path."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).name


# --------------------------------------------------------------------------- raw pages and the article table

def _page_html(title: str, meta: list[tuple[str, str]], items: list[tuple[int, str]], depth: int,
               download: str, record_html: bool = False, anchors: dict[int, list[str]] | None = None) -> str:
    """A standalone HTML page: a header of provenance facts, then numbered, anchored lines (``anchors``:
    line number → ids of the articles that start there).

    ``meta`` values and ``items`` with ``record_html`` are HTML already (escaped by the caller with
    :func:`analysis.book.escape.html_text`); the title, the download's name and the lines are escaped here.
    """
    up = "../" * depth
    anchors = anchors or {}
    rows = "".join(f"<dt>{html_text(k)}</dt><dd>{v}</dd>" for k, v in meta)
    lines = []
    for number, text in items:
        anchor = line_anchor(number)
        body = text if record_html else html_text(text)
        marks = "".join(f'<span class="art" id="{html_text(article_anchor(a))}" data-id="{html_text(a)}">'
                        "</span>" for a in anchors.get(number, []))
        lines.append(f'<li id="{anchor}"><a href="#{anchor}" aria-label="line {number}">{number}</a>'
                     f'<span>{body}</span>{marks}</li>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html_text(title)}</title>"
        f'<link rel="icon" href="{up}favicon.ico"><style>{_STYLE}</style></head>\n<body>\n'
        f'<header lang="en"><p><a href="{up}book/data.html">← Data page</a> · '
        # The file's own name as a relative link: percent-encoded, so "javascript:x.txt" is a file, not a scheme.
        f'<a href="{html_text(path_href(PurePosixPath(download).name))}" download>download the file</a></p>'
        f"<h1>{html_text(title)}</h1><dl>{rows}</dl></header>\n"
        f'<ol class="lines">\n' + "\n".join(lines) + "\n</ol>\n</body></html>\n"
    )


def _article_starts(articles: pd.DataFrame | None) -> dict[str, dict[int, list[str]]]:
    """``{source: {line: [article ids]}}``: where each article starts (its headline, else its body)."""
    starts: dict[str, dict[int, list[str]]] = {}
    if articles is None or articles.empty:
        return starts
    for row in articles.itertuples(index=False):
        headline = int(row.headline_line or 0)
        line = headline if headline > 0 else int(row.line_start or 0)
        if line > 0:
            starts.setdefault(str(row.source), {}).setdefault(line, []).append(str(row.article_id))
    return starts


def publish_pages(folder: Path, manifest: Path, out: Path, articles: pd.DataFrame | None = None,
                  root: Path | None = None) -> list[Published]:
    """Publish every page of the manifest: ``raw/<stem>.html`` (a line anchor per line, an article anchor
    where each article of ``articles`` starts) plus the file itself.  Every ``file`` of the manifest must
    stay inside the corpus folder ``root`` (default: ``folder``), symbolic links included."""
    root = Path(root) if root is not None else Path(folder)
    inside_corpus(root, folder, "page folder")
    starts = _article_starts(articles)
    published = []
    for row in read_manifest(manifest):
        name = row["file"]
        try:
            path = inside_corpus(root, Path(folder) / name if not Path(name).is_absolute() else name, "page")
            if ".." in PurePosixPath(name.replace("\\", "/")).parts or Path(name).is_absolute():
                raise InputError(name, "a page of the manifest must be named relative to the page folder, "
                                       "without ..")
        except InputError as err:
            raise InputError(manifest.name, str(err), row["_line"]) from None
        if not path.is_file():
            raise InputError(manifest.name, f"file {name!r} not found in the corpus's page folder", row["_line"])
        raw = path.read_bytes()
        text, encoding = decode_page(raw, path, row.get("encoding", ""))
        # Line numbers exactly as the corpus reader counts them (analysis.corpus.layout).
        lines = text.splitlines()
        page = raw_page_url(name)
        download = str(PurePosixPath(page).with_name(PurePosixPath(name).name))
        digest = sha256_file(path)
        meta = [("file", html_text(name)), ("paper", html_text(row.get("paper", ""))),
                ("issue date", html_text(row.get("issue_date", ""))),
                ("provenance", html_text(row.get("source", "") or "not recorded")),
                ("extraction", html_text(row.get("extraction", "") or "not recorded")),
                ("notes", html_text(row.get("notes", ""))),
                ("SHA-256", f"<code>{digest}</code>" + (" (matches the manifest)" if digest == row["sha256"].lower()
                                                         else " (<strong>differs from the manifest</strong>)")),
                ("encoding", html_text(encoding)), ("lines", str(len(lines)))]
        depth = len(PurePosixPath(page).parts) - 1
        _write(out / page, _page_html(name, meta, list(enumerate(lines, start=1)), depth, download,
                                      anchors=starts.get(name, {})))
        target = out / download
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        published.append(Published(name, page, download, digest, len(lines), len(raw), row.get("paper", ""),
                                   row.get("issue_date", ""), row.get("source", "")))
    return published


def allowed_columns(columns, listed=()) -> list[str]:
    """The columns of an article table that may be published: the standard ones and those ``listed``
    (``corpus.toml`` ``publish_columns``), in the table's order.

    >>> allowed_columns(["id", "date", "text", "reporter_phone", "url"], ["url"])
    ['id', 'date', 'text', 'url']
    """
    listed = set(listed)
    return [c for c in columns if str(c) in TABLE_COLUMNS or str(c) in listed]


def publish_table(path: Path, out: Path, publish_columns=(), articles: pd.DataFrame | None = None,
                  root: Path | None = None) -> list[Published]:
    """Publish an article table: one anchored entry per record, numbered as the articles table numbers it,
    with an article anchor for each article of ``articles``; only the standard columns and those listed in
    ``publish_columns`` are shown, and the download is the file itself only when it has no other column
    (else a copy without them, in the same format)."""
    root = Path(root) if root is not None else Path(path).parent
    path = inside_corpus(root, path, "article table")
    frame, row_word, first = table_records(path)
    keep = allowed_columns([c for c in frame.columns if c != "_line"], publish_columns)
    dropped = [str(c) for c in frame.columns if c != "_line" and c not in keep]
    starts = _article_starts(articles).get(path.name, {})
    items = []
    columns = {name: frame[name].tolist() for name in [*keep, "_line"] if name in frame.columns}
    for k, values in enumerate(zip(*columns.values())):
        record = dict(zip(columns, values))
        number = int(record.pop("_line", k + first))
        # A cell keeps its line breaks (shown with white-space: pre-wrap): this page is HTML, never Markdown.
        cells = "".join(f"<tr><th>{html_text(key)}</th><td>{html_text(_plain_value(v), chr(10))}</td></tr>"
                        for key, v in record.items())
        items.append((number, f'<table class="rec">{cells}</table>'))
    name = path.name
    page = raw_page_url(name)
    download = str(PurePosixPath(page).with_name(name))
    target = out / download
    target.parent.mkdir(parents=True, exist_ok=True)
    if dropped:
        _write_table_copy(path, frame[keep], target)
    else:
        shutil.copyfile(path, target)
    digest = sha256_file(target)
    unit = {"row": "rows", "record": "records"}.get(row_word, "lines")
    # The left-out columns are counted, not named: a column's name can say what it holds.
    note = (f"published without {len(dropped)} column(s) that corpus.toml's publish_columns does not list"
            if dropped else "")
    meta = [("file", html_text(name)),
            ("kind", f"article table; anchors are {html_text(row_word)} numbers and article ids"),
            ("SHA-256", f"<code>{digest}</code>" + (" (of the published copy)" if dropped else "")),
            ("rows", str(len(items)))] + ([("columns left out", str(len(dropped)))] if dropped else [])
    _write(out / page, _page_html(name, meta, items, len(PurePosixPath(page).parts) - 1, download, record_html=True,
                                  anchors=starts))
    return [Published(name, page, download, digest, len(items), target.stat().st_size,
                      provenance="the corpus's article table", unit=unit, note=note)]


def _plain_value(value) -> str:
    if isinstance(value, (list, dict, tuple)):
        return str(value)
    try:
        return "" if pd.isna(value) else str(value)
    except (TypeError, ValueError):
        return str(value)


def _write_table_copy(source: Path, frame: pd.DataFrame, target: Path) -> None:
    """``frame`` (the table's allowed columns) written in the format of ``source``."""
    suffix = source.suffix.lower()
    if suffix == ".parquet":
        write_parquet(frame.reset_index(drop=True), target)
    elif suffix == ".csv":
        write_csv(safe_csv_frame(frame), target)
    elif suffix == ".jsonl":
        _write(target, frame.to_json(orient="records", lines=True, force_ascii=False))
    else:
        _write(target, frame.to_json(orient="records", force_ascii=False))


# --------------------------------------------------------------------------- derived tables

def publish_derived(derived: Path, out: Path, policy: str = "full") -> pd.DataFrame:
    """Publish every CSV/Parquet table of ``derived`` to ``tables/`` as ``policy`` allows; return table,
    format, rows, bytes, sha256, file and note (what the published file changes, if anything).

    Under ``full`` a Parquet file is copied as is; under ``excerpts`` and ``none`` the tables of
    :data:`FULL_TEXT_TABLES` are left out and the others restricted
    (:func:`analysis.book.helpers.restrict_frame`).  In every CSV a text cell that a spreadsheet would run
    as a formula starts with ``'`` (:func:`analysis.book.helpers.neutralise_cell`).  A table file that is a
    symbolic link, or leads outside ``derived``, is refused.
    """
    rows = []
    if not derived.is_dir():
        raise InputError(derived.name, "no derived tables: run `python -m analysis build --out _build/data` first")
    for path in sorted(p for p in derived.iterdir() if p.suffix in (".csv", ".parquet") and not p.name.startswith(".")):
        if path.is_symlink() or not path.is_file():
            raise InputError(path.name, "a derived table must be a file written by the build, not a link")
        if policy != "full" and path.stem in FULL_TEXT_TABLES:
            continue
        target = out / DATA_URL_DIR / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        note, n_rows = _publish_table_file(path, target, policy)
        rows.append({"table": path.stem, "format": path.suffix[1:], "rows": n_rows,
                     "bytes": target.stat().st_size, "sha256": sha256_file(target),
                     "file": f"{DATA_URL_DIR}/{path.name}", "note": note})
    if not rows:
        raise InputError(derived.name, "holds no .csv or .parquet table: run `python -m analysis build` first")
    return pd.DataFrame(rows, columns=["table", "format", "rows", "bytes", "sha256", "file", "note"])


def _arrow_table(path: Path):
    """The table at ``path`` as Arrow, for a quick look: its Parquet twin when the build wrote one."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    twin = path.with_suffix(".parquet")
    if twin.is_file():
        return pq.read_table(twin)
    raw = path.read_bytes()
    header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")]), [])
    import pyarrow as pa

    return pacsv.read_csv(io.BytesIO(raw.removeprefix(b"\xef\xbb\xbf")),
                          convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header}))


def needs_change(path: Path, policy: str, csv_file: bool, table=None) -> bool:
    """Whether publishing the table at ``path`` under ``policy`` changes it: a whole-text column (not
    ``full``), a text cell longer than an excerpt, a withheld column with text (``none``), or, for a CSV, a
    text cell a spreadsheet would run as a formula.  Vectorised (Arrow), so a large table that needs no
    change is copied without being read cell by cell.  ``table``: the table as :func:`_arrow_table` reads
    it, when the caller has it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .helpers import EXCERPT_CHARS, NOT_TEXT_COLUMNS, TEXT_COLUMNS

    table = _arrow_table(path) if table is None else table
    for name, column in zip(table.column_names, table.columns):
        if policy != "full" and name in FULL_TEXT_COLUMNS:
            return True
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        column = pc.fill_null(column, "")
        if policy != "full" and name not in NOT_TEXT_COLUMNS:
            longest = pc.max(pc.utf8_length(column)).as_py() or 0
            if longest > EXCERPT_CHARS or (policy == "none" and name in TEXT_COLUMNS and longest > 0):
                return True
        if csv_file:
            formula = pc.match_substring_regex(column, r"^[=+@\t\r-]")
            number = pc.match_substring_regex(column, r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
            if pc.any(pc.and_(formula, pc.invert(number))).as_py():
                return True
    return False


def _publish_table_file(path: Path, target: Path, policy: str) -> tuple[str, int]:
    """Write ``path`` to ``target`` as ``policy`` allows; return a note of what changed ("" for a copy) and
    the rows written.

    The rows of a copied table are those of the table :func:`needs_change` read (a CSV's Parquet twin:
    the build writes both from one frame), so no table is read twice: counting the rows of the
    development corpus's CSVs again was 8 of the 22 seconds of publishing them."""
    notes = []
    table = _arrow_table(path)
    if not needs_change(path, policy, path.suffix == ".csv", table):
        shutil.copyfile(path, target)
        return "", int(table.num_rows)
    del table
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        restricted = restrict_frame(frame, policy)
        write_parquet(restricted, target)
        return _restriction_note(frame, restricted, policy), len(restricted)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    restricted = restrict_frame(frame, policy)
    if not restricted.equals(frame):
        notes.append(_restriction_note(frame, restricted, policy))
    safe = safe_csv_frame(restricted)
    if not safe.equals(restricted):
        notes.append("cells that would start a spreadsheet formula begin with '")
    write_csv(safe, target)
    return "; ".join(notes), len(safe)


def _restriction_note(frame: pd.DataFrame, restricted: pd.DataFrame, policy: str) -> str:
    dropped = [str(c) for c in frame.columns if c not in restricted.columns]
    parts = []
    if dropped:
        parts.append(f"without {', '.join(dropped)}")
    changed = [str(c) for c in restricted.columns if not restricted[c].equals(frame[c])]
    if changed:
        parts.append(("text withheld in " if policy == "none" else "text cut to excerpts in ") + ", ".join(changed))
    return "; ".join(parts)


# --------------------------------------------------------------------------- Markdown of the book's pages


def md_paragraphs(value) -> str:
    """A corpus value of several paragraphs (separated by blank lines) as inert MyST paragraphs."""
    parts = [p for p in re.split(r"\n\s*\n", str(value or "")) if p.strip()]
    return "\n\n".join(md(p) for p in parts)


def _cell(text: str, cls: str = "", lang: str = "", label: str = "") -> str:
    # data-label: the column name shown before the value when a phone shows rows as cards.
    attrs = (f' data-label="{label}"' if label else "") + (f' class="{cls}"' if cls else "") \
        + (f' lang="{lang}"' if lang else "")
    return f"<td{attrs}>{text}</td>"


POLICY_SENTENCES = {
    "full": "**What of the text is published: all of it** (`publish_text = \"full\"` in the corpus's `corpus.toml`). "
            "Every page (or record) of the corpus is offered below as received, and every provenance link of the "
            "book (`file:line`) lands on its line.",
    "excerpts": "**What of the text is published: excerpts only** (`publish_text = \"excerpts\"`, the default when "
                "the corpus's `corpus.toml` does not say). The book shows concordance lines and quoted sentences of "
                "at most {chars} characters; it publishes no article text, no raw page and no full-text table (the "
                "`articles` table below has no `text` column, the token lists are left out, and longer text cells "
                "are cut). Provenance is given as `file:line` without a link. Whoever holds the corpus can rebuild "
                "everything from it with the commands of the {{doc}}`reproducibility` page.",
    "none": "**What of the text is published: none** (`publish_text = \"none\"`). The book shows counts, terms and "
            "names, but no sentence of the corpus: concordance lines, quoted sentences, headlines and captions are "
            "withheld, here and in the chapters. Provenance is given as `file:line` without a link.",
}


def data_listing(pages: list[Published], tables: pd.DataFrame, policy: str = "full",
                 identity: Identity | None = None, corpus_kind: str = "pages") -> str:
    """Markdown (raw HTML tables) for the Data page; links relative to ``book/data.html``."""
    from .helpers import EXCERPT_CHARS

    out = [POLICY_SENTENCES[policy].replace("{chars}", str(EXCERPT_CHARS)).replace("{{doc}}", "{doc}"), ""]
    if pages:
        table = corpus_kind == "table"
        unit = pages[0].unit if table else "lines"
        out += ["## The article table" if table else "## Raw pages", "",
                ("The corpus's article table as received (download), and as a web page with one entry per "
                 f"record, anchored by its number ({unit[:-1]}) and by its article id: every provenance link in "
                 "the book lands on its record, highlighted." if table else
                 "Each page as received, byte for byte (download), and as a web page with one anchor per line "
                 "and one per article: every provenance link in the book (`file:line`) lands on its line, "
                 "highlighted."), "",
                '<div class="fx-table-wrap"><table class="fx-table fx-data">',
                "<thead><tr><th>file</th><th>paper</th><th>issue date</th>"
                f"<th>{unit}</th><th>bytes</th><th>SHA-256</th><th>provenance</th></tr></thead><tbody>"]
        for page in pages:
            out.append("<tr>" + "".join([
                _cell(f'<a href="{html_text(href("../" + page.page))}">{html_text(page.source)}</a> '
                      f'(<a href="{html_text(href("../" + page.download))}" download>download</a>)', "fx-essential",
                      label="file"),
                _cell(html_text(page.paper), lang="zh-CN", label="paper"),
                _cell(html_text(page.issue_date), label="issue date"),
                _cell(str(page.lines), "fx-num", label=unit), _cell(str(page.bytes), "fx-num", label="bytes"),
                _cell(f"<code>{page.sha256}</code>", "fx-essential fx-hash", label="SHA-256"),
                _cell(html_text(page.provenance + (f"; {page.note}" if page.note else "")), label="provenance"),
            ]) + "</tr>")
        out += ["</tbody></table></div>", ""]
    out += ["## Derived tables", "",
            "Every table the notebooks read, as written by `python -m analysis build --out _build/data` "
            "(CSV in UTF-8 with a byte-order mark, for spreadsheets; Parquet, for code), as the policy above lets "
            "it out; `changes` says where the published file differs from the build's (the "
            "{doc}`reproducibility` page gives the build's own checksums). In the CSV files a text cell that a "
            "spreadsheet would run as a formula (starting with `=`, `+`, `-` or `@`) begins with `'`.", "",
            '<div class="fx-table-wrap"><table class="fx-table fx-data">',
            "<thead><tr><th>table</th><th>format</th><th>rows</th><th>bytes</th><th>SHA-256</th><th>changes</th>"
            "</tr></thead><tbody>"]
    seen = set()
    for row in tables.itertuples(index=False):
        anchor = "" if row.table in seen else f' id="{data_anchor(row.table)}"'
        seen.add(row.table)
        out.append(f"<tr{anchor}>" + "".join([
            _cell(f'<a href="{html_text(href("../" + row.file))}" download>{html_text(row.table)}.{row.format}</a>',
                  "fx-essential", label="table"),
            _cell(html_text(row.format), label="format"), _cell(str(row.rows), "fx-num", label="rows"),
            _cell(str(row.bytes), "fx-num", label="bytes"),
            _cell(f"<code>{html_text(row.sha256)}</code>", "fx-essential fx-hash", label="SHA-256"),
            _cell(html_text(getattr(row, "note", "") or "none"), label="changes"),
        ]) + "</tr>")
    out += ["</tbody></table></div>", ""]
    if identity is not None:
        out += licence_section(identity)
    return "\n".join(out)


def licence_section(identity: Identity) -> list[str]:
    """The Data page's licences: the text's (from the corpus's identity), then the project's."""
    return ["## Licences", "",
            f"The text of the {md(identity.paper)}: {md(identity.licence)}"
            + ("" if identity.licence.endswith(".") else "."),
            "The derived tables as compiled, the code and the prose are the book's authors' (`LICENSE`: MIT for "
            "the code; `LICENSE-DATA.md`: CC BY 4.0 for prose and tables); quoted text inside the tables stays "
            "under the terms of the text.", ""]


# --------------------------------------------------------------------------- search dictionary and glossary

def search_dictionary(userdict=None, glossary: Path | None = GLOSSARY) -> str:
    """jieba user dictionary (``word [freq] [tag]`` lines) of the words search must keep whole.

    The user dictionary (``userdict``: a Corpus, whose ``userdict.csv`` is
    used, or a file; None: the sample's ``data/userdict.csv``) plus every
    glossary term (``glossary``: a file, or None), each once, in file order.
    A word without a frequency gets jieba's own suggestion when loaded, which
    is enough to keep it whole.

    >>> "倍增追赶 nz" in search_dictionary().splitlines()
    True
    """
    words: dict[str, str] = {}
    for row in read_user_dictionary(userdict).itertuples(index=False):
        # jieba's user-dictionary line: word, then optional frequency and tag.
        words.setdefault(row.word, " ".join([row.word] + ([str(row.freq)] if row.freq else [])
                                            + ([row.tag] if row.tag else [])))
    if glossary is not None and Path(glossary).is_file():
        for term in read_glossary(glossary)["term"]:
            if " " not in term:
                words.setdefault(term, f"{term} nz")
    return "\n".join(words.values()) + "\n"


GLOSSARY_COLUMNS = ["term", "pinyin", "english", "kind", "source"]
GLOSSARY_KINDS = ("formulation", "title", "institution")


def read_glossary(path: Path = GLOSSARY) -> pd.DataFrame:
    """Read ``data/glossary.csv`` strictly (every column filled, kinds known, terms unique).

    >>> read_glossary().columns.tolist()
    ['term', 'pinyin', 'english', 'kind', 'source', 'line']
    """
    text = decode_utf8(Path(path).read_bytes(), path)
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != GLOSSARY_COLUMNS:
        raise InputError(path, f"columns must be {','.join(GLOSSARY_COLUMNS)}, found {','.join(reader.fieldnames or [])}", 1)
    rows, seen = [], {}
    for line, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        for column in GLOSSARY_COLUMNS:
            if not row.get(column):
                raise InputError(path, f"{column} is empty", line)
        if row["kind"] not in GLOSSARY_KINDS:
            raise InputError(path, f"kind {row['kind']!r} is not one of {', '.join(GLOSSARY_KINDS)}", line)
        if row["term"] in seen:
            raise InputError(path, f"term {row['term']!r} is listed twice (also on line {seen[row['term']]})", line)
        seen[row["term"]] = line
        rows.append({**row, "line": line})
    return pd.DataFrame(rows, columns=[*GLOSSARY_COLUMNS, "line"])


GLOSSARY_PAGE = PROJECT_ROOT / "book" / "glossary.md"
_KIND_HEADINGS = {"formulation": "Formulations (提法)", "title": "Titles and posts", "institution": "Institutions"}


def _glossary_source(source: str, pages: set[str] | None) -> str:
    """A glossary source as Markdown: a link to the published line of a published page, else the file and line.

    ``pages``: the names of the published pages (None: every ``data/raw/`` file counts as one).  The link
    is inline HTML in Markdown: its address is percent-encoded and attribute-escaped, its text (read as
    Markdown between the tags) Markdown-escaped (:mod:`analysis.book.escape`).
    """
    path, _, line = source.rpartition(":")
    name = PurePosixPath(path).name
    published = name in pages if pages is not None else path.startswith("data/raw/")
    if published and line.isdigit():
        target = href(f"../{raw_page_url(name)}#{line_anchor(int(line))}")
        return f'<a href="{html_text(target)}">{md(name)}, line {line}</a>'
    if line.isdigit():
        return f"{md_code(name)}, line {line}"
    return md_code(source)


def glossary_markdown(glossary: pd.DataFrame | None = None, pages: set[str] | None = None,
                      file: str = "data/glossary.csv") -> str:
    r"""The glossary page (``book/glossary.md`` includes it): one Sphinx glossary per kind, from the
    corpus's ``glossary.csv`` (default: the sample's); ``pages``: the published raw pages a source may link.

    Refer to a term from any page with ``{term}`倍增追赶```.

    >>> "倍增追赶\n: *bèizēng zhuīgǎn*" in glossary_markdown().replace("\n  ", "\n: ")
    True
    """
    glossary = read_glossary() if glossary is None else glossary
    out = ["# Glossary", "",
           f"<!-- Generated from {file} by python -m analysis publish; edit the CSV. -->",
           "",
           "The formulations (提法), titles and institutions the book meets in this corpus, with pinyin, an",
           "English gloss and where each was seen (a line of the corpus, or the file that lists it).",
           f"The table is the corpus's `{PurePosixPath(file).name}` (columns term, pinyin, english, kind,",
           "source); the glosses are the authors' translations.", ""]
    for kind in GLOSSARY_KINDS:
        part = glossary[glossary["kind"] == kind]
        if part.empty:
            continue
        out += [f"## {_KIND_HEADINGS[kind]}", "", "```{glossary}"]
        for row in part.itertuples(index=False):
            # A term line is a term only: a leading "#", ":" or "-" would make it something else (md escapes it).
            out += [md(row.term),
                    f"  *{md(row.pinyin)}*. {md(row.english)}. Seen in: {_glossary_source(row.source, pages)}.",
                    ""]
        out[-1:] = ["```", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- identity, configuration, table of contents

def book_identity(corpus: Corpus, info: dict | None = None, year: str = "") -> Identity:
    """The identity of the book about ``corpus`` (:mod:`analysis.corpus.identity`), with the dates of its
    built tables' ``build_info`` (``info``) and the build's ``year`` (default: this year)."""
    info = info or {}
    return corpus_identity(corpus, first_date=str(info.get("first_date", "") or ""),
                           last_date=str(info.get("last_date", "") or ""),
                           year=year or str(datetime.now(timezone.utc).year))


def _load_yaml(path: Path) -> dict:
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def local_extensions(base: str | Path = CONFIG) -> dict[str, Path]:
    """``{module: file}`` of the local Sphinx extensions ``base`` names (``sphinx: local_extensions``, each
    folder relative to the configuration file).

    >>> {name: path.relative_to(PROJECT_ROOT).as_posix() for name, path in local_extensions().items()}
    {'jieba_cache': 'book/_ext/jieba_cache.py'}
    """
    local = (_load_yaml(Path(base)).get("sphinx") or {}).get("local_extensions") or {}
    return {name: Path(base).parent / folder / f"{name}.py" for name, folder in local.items()}


def book_config(identity: Identity, base: str | Path = CONFIG) -> dict:
    """The book's configuration for a corpus: the project's ``_config.yml`` (``base``) with the corpus's
    title, authors, year, footer and repository.  Launch (Binder, Colab), repository, issues and source
    buttons point to the corpus's ``repository``; without one they are left out, and ``{{ repo_url }}``
    names the project's code repository (where the notebooks and the package come from).  Notebooks are
    taken from the execution cache :data:`analysis.book.execute.EXECUTION_CACHE` (``execute_notebooks:
    cache``), which ``scripts/book.sh`` fills after each publish.  Local Sphinx extensions are read from
    their copies in the book inputs (:data:`EXTENSIONS_DIR`, :func:`local_extensions`)."""
    config = copy.deepcopy(_load_yaml(Path(base)))
    local = (config.get("sphinx") or {}).get("local_extensions") or {}
    for name in local:
        local[name] = EXTENSIONS_DIR
    code_url = str((config.get("repository") or {}).get("url") or "").rstrip("/")
    # The themes put the title (navbar) and the author (footer) into the page unescaped ({{ docstitle }},
    # {{ author }}): corpus values, so HTML-escaped here (the <title>, escaped again, shows &lt; for a "<").
    config["title"] = html_text(identity.full_title)
    config["author"] = html_text("; ".join(identity.authors))
    config["copyright"] = html_text(identity.year or str(config.get("copyright", "")))
    html_options = config.setdefault("html", {})
    html_options["extra_footer"] = html_text(identity.footer or default_footer(identity))
    theme = config.setdefault("sphinx", {}).setdefault("config", {}).setdefault("html_theme_options", {})
    launch = config.setdefault("launch_buttons", {})
    if identity.repository:
        config["repository"] = {**(config.get("repository") or {}), "url": identity.repository,
                                "branch": identity.branch}
        buttons = True
    else:
        buttons = False
        launch.update({"binderhub_url": "", "colab_url": "", "jupyterhub_url": ""})
    html_options["use_repository_button"] = buttons and bool(html_options.get("use_repository_button", True))
    html_options["use_issues_button"] = buttons and bool(html_options.get("use_issues_button", True))
    html_options["use_edit_page_button"] = False
    theme["use_source_button"] = buttons and bool(theme.get("use_source_button", True))
    subs = config.setdefault("parse", {}).setdefault("myst_substitutions", {})
    subs["repo_url"] = identity.repository or code_url
    # The notebooks' outputs come from the execution cache that python -m analysis.book.execute fills
    # (every notebook, on every core) right after this folder is written; the folder is replaced whole by
    # every publish, so the cache never holds a run on other tables, and jupyter-book executes any
    # notebook it does not find there itself.
    from .execute import EXECUTION_CACHE

    config.setdefault("execute", {}).update({"execute_notebooks": "cache", "cache": EXECUTION_CACHE})
    return config


def write_config(identity: Identity, folder: str | Path, base: str | Path = CONFIG) -> None:
    """:func:`book_config` as ``folder/_config.yml``, with copies of the local Sphinx extensions it loads."""
    _write(Path(folder) / "_config.yml", _dump_yaml(book_config(identity, base)))
    for name, source in local_extensions(base).items():
        _write(Path(folder) / EXTENSIONS_DIR / f"{name}.py", source.read_text(encoding="utf-8"))


def default_footer(identity: Identity) -> str:
    """The footer when ``corpus.toml`` gives none: whose the text is, and where the licences are."""
    return (f"Text of the {identity.paper}: {identity.licence.rstrip('.')}. Analysis, prose and tables: see the "
            "Data page and the licence files of the code.")


def book_toc(has_glossary: bool, base: str | Path = TOC) -> dict:
    """The table of contents for a corpus: the project's ``_toc.yml`` without the glossary page when the
    corpus has no glossary."""
    toc = copy.deepcopy(_load_yaml(Path(base)))
    if not has_glossary:
        for part in toc.get("parts", []):
            part["chapters"] = [c for c in part.get("chapters", []) if c.get("file") != GLOSSARY_DOC]
    return toc


def _dump_yaml(data: dict) -> str:
    import yaml

    return ("# Generated by python -m analysis publish from _config.yml / _toc.yml and the corpus's corpus.toml;\n"
            "# edit those, not this file.\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120))


def intro_head(identity: Identity) -> str:
    """The introduction's title and first paragraph."""
    title = md(identity.full_title)
    if identity.intro:
        first = md_paragraphs(identity.intro)
    else:
        place = f", {md(identity.place)}" if identity.place else ""
        period = f", {md(identity.period)}" if identity.period else ""
        first = (f"This book is a computational reading of the *{md(identity.paper)}*{place}{period}: "
                 "who it names, which words and formulations it repeats, and what it writes about.")
    return f"# {title}\n\n{first}\n"


def reading_guide(policy: str, has_glossary: bool, launch: bool) -> str:
    """The introduction's "How to read the book" list: the back matter as this build has it."""
    data = ("offers every raw page (each line with its own address, where the book's `file:line` links land) and "
            "every derived table for download, with checksums" if policy == "full" else
            "offers every derived table for download, with checksums, and says how much of the corpus's text "
            "this book publishes (its `publish_text`)")
    lines = [
        "- {doc}`01_corpus` — from the corpus's text to a table of dated articles with their headlines (and bylines, where the text has them).",
        "- {doc}`02_term_frequency` — word segmentation with jieba {cite}`sun2012jieba`, term frequencies,",
        "  keyness between periods {cite}`dunning1993accurate,rayson2000comparing,hardie2014logratio` and the",
        "  paper's fixed formulations.",
        "- {doc}`03_leaders` — which officials are named, how often, how prominently and with whom.",
        "- {doc}`04_topics` — TF-IDF {cite}`sparckjones1972statistical,salton1988term` and clustering with",
        "  scikit-learn {cite}`pedregosa2011scikit`.",
        "- {doc}`methods` describes each method and its limits; {doc}`data` " + data
        + ("; {doc}`glossary` glosses the formulations, titles and institutions" if has_glossary else "")
        + "; {doc}`reproducibility` gives the commit, machine and package versions of this build, the",
        "  fingerprints of every table, the licences, how to cite the book, and the commands that re-check",
        "  everything.", "",
        "Each chapter can be read and run on its own; the download button at the top of a chapter gives its notebook"
        + (", and the rocket button opens it on Binder or Colab." if launch else
           " (its first cell says the command that runs it)."),
        "The code lives at {{ repo_url }}.", ""]
    return "\n".join(lines)


def guessed_sentence(identity: Identity) -> str:
    """What the book guessed because ``corpus.toml`` did not say it (Markdown; empty when nothing was)."""
    if not identity.guessed:
        return ""
    # ``how`` is the identity module's own Markdown (analysis.corpus.identity); the value is the corpus's.
    parts = [f"the {name} ({how}: *{md(_field_value(identity, name))}*)" for name, how in identity.guessed]
    return ("Not given in the corpus's `corpus.toml`, and so guessed for this book: " + "; ".join(parts)
            + ". `python -m analysis describe` writes a `corpus.toml` draft to correct them in.")


def _field_value(identity: Identity, name: str) -> str:
    value = getattr(identity, name)
    return "; ".join(value) if isinstance(value, tuple) else str(value)


def citation_markdown(identity: Identity) -> str:
    """The reproducibility page's "How to cite": the reference and where the CFF and BibTeX files are."""
    return ("Cite the book with the commit you used (printed under *This build* above, or `git rev-parse HEAD`), "
            "so that a reader can rebuild exactly what you read. The reference, from the corpus's `corpus.toml`:\n\n"
            f"> {md(citation(identity))}\n\n"
            'Download it as <a href="../CITATION.cff" download>CITATION.cff</a> (Citation File Format, for '
            'reference managers and GitHub) or <a href="../citation.bib" download>citation.bib</a> (BibTeX). '
            "The works the book draws on are in the {doc}`bibliography`.\n")


# --------------------------------------------------------------------------- writing

def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _favicon(path: Path) -> None:
    """The book's favicon (book/_static/favicon.svg) drawn as a 32 px ICO for /favicon.ico requests."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 31, 31), radius=5, fill=(178, 34, 34, 255))
    for box in ((7, 9, 25, 12), (7, 15, 25, 18), (14, 6, 17, 27)):
        draw.rectangle(box, fill=(255, 255, 255, 255))
    image.save(path, format="ICO", sizes=[(32, 32)])


def _swap(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target``; the old folder is removed only after the new one is in place."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def publish(corpus: Corpus, derived: str | Path = DERIVED, out: str | Path = PUBLISHED,
            inputs: str | Path = BOOK_INPUTS, *, year: str = "") -> dict:
    """Write the published folder and the book inputs for ``corpus`` and its tables in ``derived`` (a
    build folder, :class:`analysis.tables.Tables`); return a summary (pages, tables, identity, paths).

    ``year``: the edition's year when ``corpus.toml`` does not give one (default: this year).  A failed
    run (:class:`~analysis.errors.InputError`: a page missing or outside the corpus, no tables) leaves the
    previous folders as they were.
    """
    out, inputs, derived = Path(out), Path(inputs), Path(derived)
    out.parent.mkdir(parents=True, exist_ok=True)
    inputs.parent.mkdir(parents=True, exist_ok=True)
    info = Tables(derived).info if (derived / "build_info.parquet").is_file() else {}
    identity = book_identity(corpus, info, year)
    policy = identity.publish_text
    glossary_file = corpus.fact("glossary")
    stage_out = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    stage_in = Path(tempfile.mkdtemp(prefix=f".{inputs.name}.", dir=inputs.parent))
    try:
        pages: list[Published] = []
        if policy == "full":
            articles = _articles_for_anchors(derived)
            if corpus.kind == "pages":
                pages = publish_pages(corpus.pages_dir, corpus.text, stage_out, articles, root=corpus.root)
            else:
                pages = publish_table(corpus.text, stage_out, identity.publish_columns, articles, root=corpus.root)
        elif corpus.kind == "pages":
            # Nothing is copied, but a page outside the corpus is refused all the same.
            inside_corpus(corpus.root, corpus.pages_dir, "page folder")
        else:
            inside_corpus(corpus.root, corpus.text, "article table")
        tables = publish_derived(derived, stage_out, policy)
        _favicon(stage_out / "favicon.ico")
        _write(stage_out / "CITATION.cff", citation_cff(identity))
        _write(stage_out / "citation.bib", citation_bibtex(identity) + "\n")
        write_config(identity, stage_in)
        _write(stage_in / "_toc.yml", _dump_yaml(book_toc(glossary_file is not None)))
        _write(stage_in / "intro_head.md", intro_head(identity))
        _write(stage_in / "reading_guide.md", reading_guide(policy, glossary_file is not None,
                                                            bool(identity.repository)))
        _write(stage_in / "data_listing.md", data_listing(pages, tables, policy, identity, corpus.kind))
        _write(stage_in / "citation.md", citation_markdown(identity))
        _write(stage_in / "jieba_userdict.txt", search_dictionary(corpus, glossary_file))
        _write(stage_in / "corpus_statement.md", _corpus_statement(corpus, derived, identity))
        names = {p.source for p in pages} if corpus.kind == "pages" else set()
        _write(stage_in / "glossary.md",
               glossary_markdown(read_glossary(glossary_file), names, _relative_name(corpus.root, glossary_file)
                                 if not corpus.is_sample else "data/glossary.csv")
               if glossary_file is not None else "# Glossary\n\nThis corpus has no glossary.\n")
        for stage in (stage_out, stage_in):
            os.chmod(stage, 0o755)
        _swap(stage_out, out)
        _swap(stage_in, inputs)
    finally:
        for stage in (stage_out, stage_in):
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)
    return {"pages": pages, "tables": tables, "out": out, "inputs": inputs, "identity": identity}


def _articles_for_anchors(derived: Path) -> pd.DataFrame | None:
    """The articles' ids and first lines, for the article anchors of the published pages."""
    if not (derived / "articles.parquet").is_file():
        return None
    return pd.read_parquet(derived / "articles.parquet",
                           columns=["article_id", "source", "headline_line", "line_start"])


def _corpus_statement(corpus: Corpus, derived: Path, identity: Identity) -> str:
    """The introduction's paragraph about the corpus of this build (``book/intro.md`` includes it)."""
    guessed = guessed_sentence(identity)
    if not (derived / "build_info.parquet").is_file():
        # Tables from before build_info existed: name the corpus, state no numbers.
        return (f"This build of the book reads **{md(corpus.label)}** ({corpus.kind}); its tables carry no "
                f"`build_info`, so rebuild them with `python -m analysis build` for the corpus's figures.\n"
                + (f"\n{guessed}\n" if guessed else ""))
    # corpus_statement escapes every value of the corpus it states (analysis.book.escape.md).
    text = corpus_statement(Tables(derived).info, corpus.description)
    return text + (f"\n{guessed}\n" if guessed else "")


def main(argv: list[str] | None = None, corpus: Corpus | None = None) -> int:
    """The command line: ``python -m analysis.book.publish --data DIR [--corpus FOLDER]`` (also
    ``python -m analysis publish``).

    ``corpus``: the corpus to publish when the caller has opened it (the
    package's command line); else ``--corpus`` (a folder or an article
    table; omitted: the sample), opened with the settings of
    :meth:`analysis.settings.Settings.from_environment`.
    """
    parser = argparse.ArgumentParser(prog="python -m analysis publish", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        if corpus is None:
            corpus = Corpus(args.corpus or None, settings=Settings.from_environment())
        return run(args, corpus)
    except InputError as err:
        print(f"publish: {err}", file=sys.stderr)
        return 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``publish`` (shared by :func:`main` and ``python -m analysis publish``)."""
    parser.add_argument("--data", default=str(DERIVED), help="folder of derived tables (default _build/data)")
    parser.add_argument("--corpus", default=None,
                        help="corpus folder or article table the tables were built from (default: the sample)")
    parser.add_argument("--out", default=str(PUBLISHED), help="published folder (html_extra_path)")
    parser.add_argument("--inputs", default=str(BOOK_INPUTS), help="folder of generated book inputs")
    parser.add_argument("--year", default="", help="the edition's year when corpus.toml gives none (default: now)")


def run(args, corpus: Corpus) -> int:
    """Publish ``corpus`` with the parsed options ``args`` (see :func:`add_arguments`); print a summary."""
    result = publish(corpus, Path(args.data), Path(args.out), Path(args.inputs), year=args.year)
    ident = result["identity"]
    print(f"publish: {ident.full_title!r}: text published: {ident.publish_text}; {len(result['pages'])} raw "
          f"page(s), {len(result['tables'])} table file(s) -> {args.out}"
          + (f"; guessed: {', '.join(ident.guessed_fields)}" if ident.guessed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
