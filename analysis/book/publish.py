"""The book's downloads and provenance pages, written before the book build: :func:`publish`.

:func:`publish` takes the corpus (an :class:`analysis.corpus.folder.Corpus`)
and the folder of its built tables, and writes, into ``_build/published``
(the book's ``html_extra_path``, so it is copied as is into the HTML root):

* ``raw/<stem>.html`` -- every raw page of the corpus, HTML-escaped, one anchor per line
  (``#L12``, numbered as the corpus reader numbers them: ``str.splitlines``),
  the target line highlighted on arrival (CSS ``:target``); and the page file
  itself, byte for byte, for download. For an article-table corpus (no
  pages), the table is published instead, one anchor per row number as the
  articles table gives it (``line_start``).
* ``tables/<table>.csv`` / ``.parquet`` -- copies of every derived table of the
  build output folder (``_build/data``, written by ``python -m analysis
  build``).
* ``favicon.ico`` for browsers that ask for it at the root.

and into ``_build/book_inputs`` (read by the build, not published):

* ``data_listing.md`` -- the tables of the Data page (``book/data.md``
  includes it): raw pages and derived tables with SHA-256, rows and size;
* ``jieba_userdict.txt`` -- the words the search index must keep whole
  (``data/userdict.csv`` and the glossary terms), for Sphinx's Chinese search;
* ``corpus_statement.md`` -- what this build of the book is about, for the
  introduction (:func:`analysis.book.chapters.corpus_statement`).

Both folders are built in a temporary folder and swapped into place, so a
failed run leaves the previous ones intact.

From the command line (:func:`main`): ``python -m analysis.book.publish
--data _build/data --corpus CORPUS`` (``--corpus`` omitted: the sample);
``--write-glossary`` rewrites ``book/glossary.md`` from ``data/glossary.csv``.

>>> from analysis.book.publish import line_anchor
>>> line_anchor(12)
'L12'
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from analysis.corpus.folder import Corpus
from analysis.corpus.pages import decode_page, read_manifest
from analysis.corpus.read import table_records
from analysis.errors import InputError
from analysis.io import atomic_path, decode_utf8, sha256_file
from analysis.paths import DATA_DIR, PROJECT_ROOT
from analysis.settings import Settings
from analysis.tables import Tables
from analysis.tokens import read_user_dictionary
from .chapters import corpus_statement
from .escape import href, html_text, md, md_code, path_href
from .helpers import DATA_URL_DIR, RAW_URL_DIR, data_anchor, raw_page_url

PUBLISHED = PROJECT_ROOT / "_build" / "published"
BOOK_INPUTS = PROJECT_ROOT / "_build" / "book_inputs"
DERIVED = PROJECT_ROOT / "_build" / "data"
GLOSSARY = DATA_DIR / "glossary.csv"

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
ol.lines li > span { white-space: pre-wrap; overflow-wrap: anywhere; min-height: 1.5em; }
ol.lines li:target { background: #fff3a8; outline: 2px solid #e0b000; }
ol.lines li:target > a { color: #000; font-weight: 700; }
table.rec { border-collapse: collapse; margin: 0; } table.rec th { text-align: left; padding-right: 1em;
  vertical-align: top; color: #555; font-weight: 600; } table.rec td { white-space: pre-wrap; overflow-wrap: anywhere; }
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
    lines: int           # lines (rows for a table)
    bytes: int
    paper: str = ""
    issue_date: str = ""
    provenance: str = ""


def _page_html(title: str, meta: list[tuple[str, str]], items: list[tuple[int, str]], depth: int,
               download: str, record_html: bool = False) -> str:
    """A standalone HTML page: a header of provenance facts, then numbered, anchored lines.

    ``meta`` values and ``items`` with ``record_html`` are HTML already (escaped by the caller with
    :func:`analysis.book.escape.html_text`); the title, the download's name and the lines are escaped here.
    """
    up = "../" * depth
    rows = "".join(f"<dt>{html_text(k)}</dt><dd>{v}</dd>" for k, v in meta)
    lines = []
    for number, text in items:
        anchor = line_anchor(number)
        body = text if record_html else html_text(text)
        lines.append(f'<li id="{anchor}"><a href="#{anchor}" aria-label="line {number}">{number}</a>'
                     f'<span>{body}</span></li>')
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


def publish_pages(folder: Path, manifest: Path, out: Path) -> list[Published]:
    """Publish every page of the manifest: ``raw/<stem>.html`` plus the file itself."""
    published = []
    for row in read_manifest(manifest):
        name = row["file"]
        path = folder / name
        if not path.is_file():
            raise InputError(manifest, f"file {name!r} not found in {folder}", row["_line"])
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
        _write(out / page, _page_html(name, meta, list(enumerate(lines, start=1)), depth, download))
        target = out / download
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        published.append(Published(name, page, download, digest, len(lines), len(raw), row.get("paper", ""),
                                   row.get("issue_date", ""), row.get("source", "")))
    return published


def publish_table(path: Path, out: Path) -> list[Published]:
    """Publish an article table: one anchored entry per row, numbered as the articles table numbers it."""
    frame, row_word, first = table_records(path)
    items = []
    for k, record in enumerate(frame.to_dict("records")):
        number = int(record.pop("_line", k + first))
        # A cell keeps its line breaks (shown with white-space: pre-wrap): this page is HTML, never Markdown.
        cells = "".join(f"<tr><th>{html_text(key)}</th><td>{html_text('' if pd.isna(v) else v, chr(10))}</td></tr>"
                        if not isinstance(v, (list, dict)) else
                        f"<tr><th>{html_text(key)}</th><td>{html_text(v, chr(10))}</td></tr>"
                        for key, v in record.items())
        items.append((number, f'<table class="rec">{cells}</table>'))
    name = path.name
    page = raw_page_url(name)
    download = str(PurePosixPath(page).with_name(name))
    digest = sha256_file(path)
    meta = [("file", html_text(name)), ("kind", f"article table; anchors are {row_word} numbers"),
            ("SHA-256", f"<code>{digest}</code>"), ("rows", str(len(items)))]
    _write(out / page, _page_html(name, meta, items, len(PurePosixPath(page).parts) - 1, download, record_html=True))
    target = out / download
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return [Published(name, page, download, digest, len(items), path.stat().st_size,
                      provenance="the corpus's article table")]


def table_rows(path: Path) -> int:
    """Rows of a derived table (CSV written by analysis.io, or Parquet)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq
        return int(pq.ParquetFile(path).metadata.num_rows)
    return int(len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")))


def publish_derived(derived: Path, out: Path) -> pd.DataFrame:
    """Copy every CSV/Parquet table of ``derived`` to ``data/``; return name, format, rows, bytes, sha256."""
    rows = []
    if not derived.is_dir():
        raise InputError(derived, "no derived tables: run `python -m analysis build --out _build/data` first")
    for path in sorted(p for p in derived.iterdir() if p.suffix in (".csv", ".parquet") and not p.name.startswith(".")):
        target = out / DATA_URL_DIR / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        rows.append({"table": path.stem, "format": path.suffix[1:], "rows": table_rows(path),
                     "bytes": path.stat().st_size, "sha256": sha256_file(path),
                     "file": f"{DATA_URL_DIR}/{path.name}"})
    if not rows:
        raise InputError(derived, "holds no .csv or .parquet table: run `python -m analysis build` first")
    return pd.DataFrame(rows, columns=["table", "format", "rows", "bytes", "sha256", "file"])


def data_listing(pages: list[Published], tables: pd.DataFrame) -> str:
    """Markdown (raw HTML tables) for the Data page; links relative to ``book/data.html``.

    Each table is one HTML block: every value is escaped by :func:`analysis.book.escape.html_text`,
    which also turns its line breaks into spaces (a blank line would end the block and let
    Markdown read the rest), and every link goes through :func:`analysis.book.escape.href`.
    """
    def cell(text: str, cls: str = "", lang: str = "", label: str = "") -> str:
        # data-label: the column name shown before the value when a phone shows rows as cards.
        attrs = (f' data-label="{label}"' if label else "") + (f' class="{cls}"' if cls else "") \
            + (f' lang="{lang}"' if lang else "")
        return f"<td{attrs}>{text}</td>"

    out = ["## Raw pages", "",
           "Each page as received, byte for byte (download), and as a web page with one anchor per line: every "
           "provenance link in the book (`file:line`) lands on its line, highlighted.", "",
           '<div class="fx-table-wrap"><table class="fx-table fx-data">',
           "<thead><tr><th>file</th><th>paper</th><th>issue date</th><th>lines</th><th>bytes</th>"
           "<th>SHA-256</th><th>provenance</th></tr></thead><tbody>"]
    for page in pages:
        out.append("<tr>" + "".join([
            cell(f'<a href="{html_text(href("../" + page.page))}">{html_text(page.source)}</a> '
                 f'(<a href="{html_text(href("../" + page.download))}" download>download</a>)', "fx-essential",
                 label="file"),
            cell(html_text(page.paper), lang="zh-CN", label="paper"),
            cell(html_text(page.issue_date), label="issue date"),
            cell(str(page.lines), "fx-num", label="lines"), cell(str(page.bytes), "fx-num", label="bytes"),
            cell(f"<code>{page.sha256}</code>", "fx-essential fx-hash", label="SHA-256"),
            cell(html_text(page.provenance), label="provenance"),
        ]) + "</tr>")
    out += ["</tbody></table></div>", "", "## Derived tables", "",
            "Every table the notebooks read, as written by `python -m analysis build --out _build/data` "
            "(CSV in UTF-8 with a byte-order mark, for spreadsheets; Parquet, for code). The "
            "{doc}`reproducibility` page says how each is re-made.", "",
            '<div class="fx-table-wrap"><table class="fx-table fx-data">',
            "<thead><tr><th>table</th><th>format</th><th>rows</th><th>bytes</th><th>SHA-256</th></tr></thead><tbody>"]
    seen = set()
    for row in tables.itertuples(index=False):
        anchor = "" if row.table in seen else f' id="{data_anchor(row.table)}"'
        seen.add(row.table)
        out.append(f"<tr{anchor}>" + "".join([
            cell(f'<a href="{html_text(href("../" + row.file))}" download>{html_text(row.table)}.{row.format}</a>',
                 "fx-essential", label="table"),
            cell(row.format, label="format"), cell(str(row.rows), "fx-num", label="rows"),
            cell(str(row.bytes), "fx-num", label="bytes"),
            cell(f"<code>{row.sha256}</code>", "fx-essential fx-hash", label="SHA-256"),
        ]) + "</tr>")
    out += ["</tbody></table></div>", ""]
    return "\n".join(out)


def search_dictionary(userdict=None, glossary: Path = GLOSSARY) -> str:
    """jieba user dictionary (``word [freq] [tag]`` lines) of the words search must keep whole.

    The user dictionary (``userdict``: a Corpus, whose ``userdict.csv`` is
    used, or a file; None: the sample's ``data/userdict.csv``) plus every
    glossary term, each once, in file order. A word without a frequency gets
    jieba's own suggestion when loaded, which is enough to keep it whole.

    >>> "倍增追赶 nz" in search_dictionary().splitlines()
    True
    """
    words: dict[str, str] = {}
    for row in read_user_dictionary(userdict).itertuples(index=False):
        # jieba's user-dictionary line: word, then optional frequency and tag.
        words.setdefault(row.word, " ".join([row.word] + ([str(row.freq)] if row.freq else [])
                                            + ([row.tag] if row.tag else [])))
    if glossary.is_file():
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


def _glossary_source(source: str) -> str:
    """A glossary source as Markdown: a link to the published line for a raw page, else the file and line.

    The link is inline HTML in Markdown: its address is percent-encoded and attribute-escaped, its
    text (read as Markdown between the tags) Markdown-escaped (:mod:`analysis.book.escape`).
    """
    path, _, line = source.rpartition(":")
    if path.startswith("data/raw/") and line.isdigit():
        name = path[len("data/raw/"):]
        target = href(f"../{raw_page_url(name)}#{line_anchor(int(line))}")
        return f'<a href="{html_text(target)}">{md(name)}, line {line}</a>'
    if line.isdigit():
        return f"{md_code(path)}, line {line}"
    return md_code(source)


def glossary_markdown(glossary: pd.DataFrame | None = None) -> str:
    r"""The text of ``book/glossary.md``: one Sphinx glossary per kind, built from ``data/glossary.csv``.

    Refer to a term from any page with ``{term}`倍增追赶```.

    >>> "倍增追赶\n: *bèizēng zhuīgǎn*" in glossary_markdown().replace("\n  ", "\n: ")
    True
    """
    glossary = read_glossary() if glossary is None else glossary
    out = ["# Glossary", "",
           "<!-- Generated from data/glossary.csv by `python -m analysis.book.publish --write-glossary`; edit the CSV. -->",
           "",
           "The formulations (提法), titles and institutions the book meets in the sample pages, with pinyin, an",
           "English gloss and where each was seen (a line of a sample page, or the registry file that lists it).",
           "Other pages link here with ``{term}`倍增追赶` ``. The table is `data/glossary.csv` (columns term,",
           "pinyin, english, kind, source); the glosses are the authors' translations.", ""]
    for kind in GLOSSARY_KINDS:
        part = glossary[glossary["kind"] == kind]
        if part.empty:
            continue
        out += [f"## {_KIND_HEADINGS[kind]}", "", "```{glossary}"]
        for row in part.itertuples(index=False):
            # A term line is a term only: a leading "#", ":" or "-" would make it something else (md escapes it).
            out += [md(row.term), f"  *{md(row.pinyin)}*. {md(row.english)}. Seen in: {_glossary_source(row.source)}.",
                    ""]
        out[-1:] = ["```", ""]
    return "\n".join(out)


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
            inputs: str | Path = BOOK_INPUTS) -> dict:
    """Write the published folder and the book inputs for ``corpus`` and its tables in ``derived`` (a
    build folder, :class:`analysis.tables.Tables`); return a summary (pages, tables, paths).

    A failed run (:class:`~analysis.errors.InputError`: a page missing, no
    tables) leaves the previous folders as they were.
    """
    out, inputs, derived = Path(out), Path(inputs), Path(derived)
    out.parent.mkdir(parents=True, exist_ok=True)
    inputs.parent.mkdir(parents=True, exist_ok=True)
    stage_out = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    stage_in = Path(tempfile.mkdtemp(prefix=f".{inputs.name}.", dir=inputs.parent))
    try:
        if corpus.kind == "pages":
            pages = publish_pages(corpus.pages_dir, corpus.text, stage_out)
        else:
            pages = publish_table(corpus.text, stage_out)
        tables = publish_derived(derived, stage_out)
        _favicon(stage_out / "favicon.ico")
        _write(stage_in / "data_listing.md", data_listing(pages, tables))
        _write(stage_in / "jieba_userdict.txt", search_dictionary(corpus))
        _write(stage_in / "corpus_statement.md", _corpus_statement(corpus, derived))
        for stage in (stage_out, stage_in):
            os.chmod(stage, 0o755)
        _swap(stage_out, out)
        _swap(stage_in, inputs)
    finally:
        for stage in (stage_out, stage_in):
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)
    return {"pages": pages, "tables": tables, "out": out, "inputs": inputs}


def _corpus_statement(corpus: Corpus, derived: Path) -> str:
    """The introduction's paragraph about the corpus of this build (``book/intro.md`` includes it)."""
    if not (derived / "build_info.parquet").is_file():
        # Tables from before build_info existed: name the corpus, state no numbers.
        return (f"This build of the book reads **{md(corpus.label)}** ({corpus.kind}); its tables carry no "
                f"`build_info`, so rebuild them with `python -m analysis build` for the corpus's figures.\n")
    return corpus_statement(Tables(derived).info, corpus.description)


def main(argv: list[str] | None = None, corpus: Corpus | None = None) -> int:
    """The command line: ``python -m analysis.book.publish --data DIR [--corpus FOLDER]``.

    ``corpus``: the corpus to publish when the caller has opened it (the
    package's command line); else ``--corpus`` (a folder or an article
    table; omitted: the sample), opened with the settings of
    :meth:`analysis.settings.Settings.from_environment`.
    """
    parser = argparse.ArgumentParser(prog="python -m analysis.book.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DERIVED), help="folder of derived tables (default _build/data)")
    parser.add_argument("--corpus", default=None,
                        help="corpus folder or article table the tables were built from (default: the sample)")
    parser.add_argument("--out", default=str(PUBLISHED), help="published folder (html_extra_path)")
    parser.add_argument("--inputs", default=str(BOOK_INPUTS), help="folder of generated book inputs")
    parser.add_argument("--write-glossary", action="store_true",
                        help="rewrite book/glossary.md from data/glossary.csv, then stop")
    args = parser.parse_args(argv)
    if args.write_glossary:
        try:
            with atomic_path(GLOSSARY_PAGE) as tmp:
                tmp.write_text(glossary_markdown(), encoding="utf-8")
        except InputError as err:
            print(f"publish: {err}", file=sys.stderr)
            return 2
        print(f"publish: wrote {GLOSSARY_PAGE.relative_to(PROJECT_ROOT)}")
        return 0
    try:
        if corpus is None:
            corpus = Corpus(args.corpus or None, settings=Settings.from_environment())
        result = publish(corpus, Path(args.data), Path(args.out), Path(args.inputs))
    except InputError as err:
        print(f"publish: {err}", file=sys.stderr)
        return 2
    print(f"publish: {len(result['pages'])} raw page(s), {len(result['tables'])} table file(s) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
