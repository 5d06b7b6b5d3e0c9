"""Display helpers for the book's chapters: tables, concordances, figures, provenance links.

Every helper returns an object that Jupyter shows as HTML (``_repr_html_``)
and whose ``text/plain`` form is deterministic, because strict nbval compares
both with the committed outputs. The HTML uses the classes styled by
``book/_static/fengtai.css``; nothing needs JavaScript or a CDN.

Where the links point
---------------------
Chapters build to ``_build/html/book/<chapter>.html``. ``python -m
analysis.book.publish`` (run by ``scripts/book.sh`` before the book build) writes
into the HTML root:

* ``raw/<page stem>.html`` -- each raw page, one anchor per line (``#L12``),
  the target line highlighted;
* ``tables/<table>.csv`` / ``.parquet`` -- the derived tables of ``_build/data``,
  listed with checksums on the Data page (``book/data.md``, anchors
  ``#table-<name>``).

So, from a chapter, a source line is ``../raw/<stem>.html#L<line>``, an
article ``../raw/<stem>.html#a-<article id>`` and a table is
``../tables/<name>.csv``.

What may be published
---------------------
The corpus's ``publish_text`` (``corpus.toml``; see
:mod:`analysis.corpus.identity`) decides how much of the text the book
shows: ``full`` (raw pages published, every provenance link live),
``excerpts`` (the default: concordance lines and sentences of at most
:data:`EXCERPT_CHARS` characters, provenance as plain ``file:line`` text,
since no raw page is published) or ``none`` (no running text at all: the
columns of :data:`TEXT_COLUMNS` are withheld).  :func:`set_publishing` sets
it for the tables and concordances of a notebook
(:func:`analysis.book.chapters.context` calls it from the build's
``build_info``); the default is ``full``, for use outside the book.

Everything shown can be taken away
----------------------------------
A table shown in part ("Showing 15 of 1,234 rows") links its full CSV: the
build's table when ``name`` is given, else the shown frame itself, written
to ``_build/published/shown/<digest>.csv`` (:data:`PUBLISHED_DIR`, copied into
the site).  :func:`caption_figure` writes every figure as SVG and as PNG at
twice its nominal resolution to ``_build/published/figures/``, and
:func:`figure_markdown` links both under the caption.

Tables and concordances
-----------------------
>>> import pandas as pd
>>> frame = pd.DataFrame({"name": ["王少峰"], "source": ["000_170871a187ecc0e6.txt"], "line": [9]})
>>> print(show_table(frame, name="mentions", essential=["name"]))
name                     source
 王少峰 000_170871a187ecc0e6.txt:9

Figures: the caption convention
-------------------------------
A figure is *glued* in a code cell (nothing is shown there) and placed by a
``{glue:figure}`` directive in the next Markdown cell, which gives it a
number, a caption, a label to refer to (``{numref}`\\`fig-article-lengths\\```)
and alt text. The two cells of a chapter notebook::

    # code cell
    from analysis.book import caption_figure
    from analysis.figures import plot_article_lengths
    ax = plot_article_lengths(articles)
    caption_figure(ax.figure, "fig-article-lengths")

    <!-- the Markdown cell right after it -->
    ```{glue:figure} fig-article-lengths
    :name: fig-article-lengths
    :alt: Bar chart: characters per article, one bar per article, longest about 2,000 characters.

    Length of each article of the sample, in characters.
    ```

:func:`figure_markdown` writes that Markdown cell for you (with checks), and
:func:`caption_figure` rejects a name that is not a valid label. Alt text
says what the figure shows (kind of chart, what is compared, the main
finding), never a file name. Figures are rendered at twice their nominal
resolution (see :func:`analysis.figures.style.use_cjk_font`).

Getting the package
-------------------
:data:`GET_THE_PACKAGE` is the admonition for the first Markdown cell of each
chapter, with the list of its sections (paste it as is; ``{{ repo_url }}`` is
filled in at build time: the corpus's repository, else the project's).
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.paths import PROJECT_ROOT
from .escape import href, html_text, md, option_value

#: Folder (inside the HTML root) of the published raw pages.
RAW_URL_DIR = "raw"
#: Folder (inside the HTML root) of the published derived tables.
DATA_URL_DIR = "tables"
#: Folder (inside the HTML root) of the full CSV of every table a chapter shows in part.
SHOWN_URL_DIR = "shown"
#: Folder (inside the HTML root) of every figure as SVG and PNG.
FIGURES_URL_DIR = "figures"
#: The folder copied as is into the HTML root (the book's ``html_extra_path``); :func:`analysis.book.publish.publish`
#: writes it before the book is built, the chapters add their downloads while they run.
PUBLISHED_DIR = PROJECT_ROOT / "_build" / "published"
#: The publishing policies (``corpus.toml`` ``publish_text``).
PUBLISH_TEXT = ("full", "excerpts", "none")
#: Longest text cell shown or published under ``excerpts`` (characters): a sentence, not an article.
EXCERPT_CHARS = 120
#: Columns (of the build's tables and the chapters' own) that hold running text of the corpus: withheld under
#: ``none``, cut to :data:`EXCERPT_CHARS` under ``excerpts``.
TEXT_COLUMNS = frozenset({"text", "line_map", "lead", "sentence", "context", "example", "caption", "headline",
                          "subheadline", "label", "left", "right", "byline", "dateline", "before", "after"})
#: Columns that hold no running text of the corpus however long their cells (lists of ids, items, titles, the
#: facts' own sources and notes): never cut.
NOT_TEXT_COLUMNS = frozenset({"article_ids", "expansion", "titles", "source", "note", "aliases", "org_forms",
                              "enumeration", "sequence", "file", "path", "sha256", "first_source", "example_source"})
#: Columns that hold a whole article (or all its words): never published unless the policy is ``full``.
FULL_TEXT_COLUMNS = frozenset({"text", "line_map", "tokens"})
#: What a withheld cell shows.
WITHHELD = "(not published)"
#: Smallest font size (points) a figure may use: with figures shown at no less than :data:`MIN_FIGURE_SCALE`
#: of their nominal size, text stays at least 9 CSS pixels tall on a 420 px phone.
MIN_FONT_PT = 8
MIN_FIGURE_SCALE = 0.82

_publishing = {"text": "full", "folder": None}


def set_publishing(policy: str = "full", folder: str | Path | None = None) -> None:
    """Set what the tables and concordances of this process may show (``policy``: ``full``, ``excerpts`` or
    ``none``) and where they write their downloads (``folder``: the published folder, e.g.
    :data:`PUBLISHED_DIR`; None: no download files are written).

    >>> set_publishing("excerpts"); publishing(); set_publishing()
    'excerpts'
    """
    if policy not in PUBLISH_TEXT:
        raise ValueError(f"publish_text {policy!r} is not one of {', '.join(PUBLISH_TEXT)}")
    _publishing["text"] = policy
    _publishing["folder"] = None if folder is None else Path(folder)


def publishing() -> str:
    """The policy :func:`set_publishing` set (``full`` unless told otherwise)."""
    return _publishing["text"]


def text_published() -> bool:
    """Whether the raw pages are published, so provenance links can point at them."""
    return _publishing["text"] == "full"


def excerpt(value, policy: str | None = None) -> str:
    """A text cell as ``policy`` (default: the current one) lets it be shown.

    >>> excerpt("甲" * 200, "excerpts")[-3:], len(excerpt("甲" * 200, "excerpts"))
    ('甲甲…', 121)
    >>> excerpt("乙", "none")
    '(not published)'
    """
    policy = policy or _publishing["text"]
    text = "" if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)) else str(value)
    if policy == "none":
        return WITHHELD if text else ""
    if policy == "excerpts" and len(text) > EXCERPT_CHARS:
        return text[:EXCERPT_CHARS] + "…"
    return text


def restrict_frame(frame: pd.DataFrame, policy: str | None = None) -> pd.DataFrame:
    """``frame`` as ``policy`` lets it be published: whole-text columns dropped unless ``full``; the other
    :data:`TEXT_COLUMNS` withheld (``none``) or cut to excerpts; any other string cell longer than
    :data:`EXCERPT_CHARS` is cut too (a column these lists do not know never carries an article), except in the
    columns of :data:`NOT_TEXT_COLUMNS`."""
    policy = policy or _publishing["text"]
    if policy == "full":
        return frame
    out = frame.drop(columns=[c for c in frame.columns if str(c) in FULL_TEXT_COLUMNS])
    for column in out.columns:
        values = out[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        if str(column) in NOT_TEXT_COLUMNS:
            continue
        # Any other text column is cut too: a column these lists do not know never carries an article.
        cut = policy if str(column) in TEXT_COLUMNS else "excerpts"
        # Only the cells the policy changes go through excerpt (a 600,000-row table has a few), and a
        # column with none is left as it is: turning Arrow strings into objects and back was most of
        # publishing the development corpus's tables.
        shortest = 1 if cut == "none" else EXCERPT_CHARS + 1
        changed = np.flatnonzero(_str_lengths(values) >= shortest)
        if not len(changed):
            continue
        cells = _object_cells(values)
        for i in changed:
            cells[i] = excerpt(cells[i], cut)
        out[column] = cells
    return out


def _object_cells(values: pd.Series) -> np.ndarray:
    """A column's cells as a new object array (the values iterating it gives, read at C speed)."""
    return values.to_numpy(dtype=object, copy=True)


def _arrow_strings(values: pd.Series):
    """The column as an Arrow string array when it is one (pandas' Arrow-backed strings), else None."""
    import pyarrow as pa

    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        return None
    array = pa.array(values, from_pandas=True)
    return array if pa.types.is_string(array.type) or pa.types.is_large_string(array.type) else None


def _str_lengths(values: pd.Series) -> np.ndarray:
    """Length of each string cell of ``values``; -1 for any other value."""
    import pyarrow.compute as pc

    strings = _arrow_strings(values)
    if strings is not None:  # at C speed: the big tables are read as Arrow strings
        return pc.fill_null(pc.utf8_length(strings), -1).to_numpy(zero_copy_only=False).astype(np.int64)
    cells = values.to_numpy(dtype=object)
    return np.fromiter((len(v) if isinstance(v, str) else -1 for v in cells), dtype=np.int64, count=len(cells))


def _formula_like(values: pd.Series) -> np.ndarray:
    """Whether each cell is a string starting like a spreadsheet formula (:func:`neutralise_cell`)."""
    import pyarrow.compute as pc

    strings = _arrow_strings(values)
    if strings is not None:
        return pc.fill_null(pc.match_substring_regex(strings, "^[=+@\t\r-]"), False).to_numpy(zero_copy_only=False)
    return np.array([isinstance(v, str) and v[:1] in FORMULA_STARTS for v in values.to_numpy(dtype=object)],
                    dtype=bool)


#: From a chapter page (``_build/html/book/*.html``) to the HTML root.
CHAPTER_TO_ROOT = "../"
#: The Data page, relative to a chapter page (both live in ``book/``).
DATA_PAGE = "data.html"

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_LABEL = re.compile(r"^[a-z][a-z0-9-]*$")
#: A run of 25+ characters with no space and no Chinese: cannot wrap between words.
_LONG_TOKEN = re.compile(r"[^\s\u3000-\u9fff\uff00-\uffef]{25,}")

#: Markdown admonition for the first Markdown cell of every chapter notebook.
GET_THE_PACKAGE = """\
```{contents} In this chapter
:local:
:depth: 1
:class: fx-sections
```

```{admonition} Run this chapter yourself
:class: tip dropdown
This page is a Jupyter notebook. To run it on your machine, get the repository {{ repo_url }}
(`git clone` that address, or download it as a ZIP archive); then, with Python 3.11,
`bash scripts/setup.sh` installs the pinned packages and the `analysis` package into `.venv`.
Open the notebook in Jupyter (`.venv/bin/pip install jupyterlab`, then `.venv/bin/jupyter lab book/`),
or re-run it without an interface: `.venv/bin/python scripts/execute_notebooks.py book/<chapter>.ipynb`;
`ANALYSIS_CORPUS=<corpus folder>` in front of either points it at another corpus. The download button
gives the `.ipynb` file, whose first cell repeats these steps as one command. Where the page has a rocket
button, it opens the notebook online instead: on Binder, which installs the environment of the repository's
`binder/` folder, or on Colab, after cloning the repository in a first cell (`!git clone` and the address
above), `%cd` into it and `%pip install -r requirements.txt -e .`. The tables behind every number are on
the {doc}`data` page.
```
"""


# --------------------------------------------------------------------------- provenance links

def raw_page_url(source: str) -> str:
    """Path, relative to the HTML root, of the published raw page for ``source``.

    ``source`` is the ``source`` column of any table (a page file, or the
    article-table file of a table corpus).

    >>> raw_page_url("000_170871a187ecc0e6.txt")
    'raw/000_170871a187ecc0e6.html'
    >>> raw_page_url("sub/articles.csv")
    'raw/sub/articles.html'
    """
    text = str(source).strip().replace("\\", "/")
    if not text:
        raise ValueError("source is empty: cannot link a line of no file")
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts:
        # Only the file's own name is published, never a machine path.
        path = PurePosixPath(path.name)
    return f"{RAW_URL_DIR}/{path.with_suffix('.html').as_posix()}"


def _line_number(line) -> int:
    try:
        number = int(line)
    except (TypeError, ValueError):
        raise ValueError(f"line must be a whole number, got {line!r}") from None
    if number != float(line) or number < 1:
        raise ValueError(f"line must be a positive whole number, got {line!r}")
    return number


def source_href(source: str, line, root: str = CHAPTER_TO_ROOT) -> str:
    """URL of line ``line`` of ``source``'s published page, relative to a chapter page.

    >>> source_href("000_170871a187ecc0e6.txt", 12)
    '../raw/000_170871a187ecc0e6.html#L12'
    """
    return f"{root}{raw_page_url(source)}#L{_line_number(line)}"


def source_link(source: str, line, text: str | None = None, root: str = CHAPTER_TO_ROOT, *,
                markdown: bool = False) -> str:
    """HTML ``<a>`` to line ``line`` of the published raw page ``source``.

    For an article-table corpus ``line`` is the row number the articles table
    gives (``line_start``), and the link lands on that row. ``text`` defaults
    to ``<file>:<line>``; the address is percent-encoded (a file named
    ``javascript:x.txt`` is a path, :func:`analysis.book.escape.href`) and the
    text HTML-escaped, or, with ``markdown=True`` (the link stands in MyST
    Markdown prose, where the text between the tags is read as Markdown),
    Markdown-escaped (:func:`analysis.book.escape.md`).  When the raw pages
    are not published (:func:`set_publishing` other than ``full``) the same
    text is given without a link.

    >>> source_link("000_170871a187ecc0e6.txt", 12)
    '<a class="fx-src" href="../raw/000_170871a187ecc0e6.html#L12">000_170871a187ecc0e6.txt:12</a>'
    >>> print(source_link("{download}`x`.txt", 3, markdown=True))
    <a class="fx-src" href="../raw/%7Bdownload%7D%60x%60.html#L3">\\{download\\}\\`x\\`.txt:3</a>
    """
    number = _line_number(line)
    label = f"{PurePosixPath(str(source)).name}:{number}" if text is None else str(text)
    if not text_published():
        return f'<span class="fx-src">{md(label) if markdown else html_text(label)}</span>'
    return (f'<a class="fx-src" href="{html_text(href(source_href(source, number, root)))}">'
            f"{md(label) if markdown else html_text(label)}</a>")


def article_anchor(article_id) -> str:
    """The anchor of an article on its published page: ``a-`` and its id (characters other than letters,
    digits, ``_ . : -`` written as ``~<hex>~``, so two ids never share an anchor).

    >>> article_anchor("000_170871a187ecc0e6-01"), article_anchor("甲 1")
    ('a-000_170871a187ecc0e6-01', 'a-~7532~~20~1')
    """
    text = str(article_id)
    if not text:
        raise ValueError("article id is empty: cannot name its anchor")
    return "a-" + re.sub(r"[^A-Za-z0-9_.:-]", lambda m: f"~{ord(m.group()):x}~", text)


def article_link(source: str, article_id, root: str = CHAPTER_TO_ROOT) -> str:
    """HTML for an article id: a link to the article on its published page when the text is published,
    else the id as text.

    >>> article_link("000_170871a187ecc0e6.txt", "000_170871a187ecc0e6-01")
    '<a class="fx-art" href="../raw/000_170871a187ecc0e6.html#a-000_170871a187ecc0e6-01">000_170871a187ecc0e6-01</a>'
    """
    label = html_text(article_id)
    if not text_published() or not str(source or "").strip():
        return label
    target = href(f"{root}{raw_page_url(source)}#{article_anchor(article_id)}")
    return f'<a class="fx-art" href="{html_text(target)}">{label}</a>'


def table_href(name: str, suffix: str = "csv", root: str = CHAPTER_TO_ROOT) -> str:
    """URL of a derived table's published file, relative to a chapter page.

    >>> table_href("mentions")
    '../tables/mentions.csv'
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name or ""):
        raise ValueError(f"table name {name!r}: use the file stem in the build folder, e.g. 'mentions'")
    return f"{root}{DATA_URL_DIR}/{name}.{suffix}"


def data_anchor(name: str) -> str:
    """Anchor of a table's entry on the Data page (Sphinx turns ``_`` into ``-`` in ids).

    >>> data_anchor("term_frequency")
    'table-term-frequency'
    """
    return "table-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def data_anchor_href(name: str) -> str:
    """Link from a chapter page to a table's entry on the Data page."""
    return f"{DATA_PAGE}#{data_anchor(name)}"


# --------------------------------------------------------------------------- tables

def _has_cjk(value: str) -> bool:
    return bool(_CJK.search(value))


def _cell_text(value) -> str:
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _cell_html(value) -> str:
    # Escape first, then turn line breaks into <br>, so text never becomes markup.
    return html_text(_cell_text(value), line_break="<br>")


class HTMLTable:
    """What :func:`show_table` and :func:`concordance` return: HTML for Jupyter, plain text for nbval.

    ``str()`` and ``repr()`` give the plain text; ``_repr_html_()`` the HTML.
    """

    def __init__(self, html_text: str, plain: str):
        self.html = html_text
        self.plain = plain

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.plain

    __str__ = __repr__


def _plain(frame: pd.DataFrame) -> str:
    """Deterministic text form: pandas' own, without width-dependent wrapping or truncation."""
    with pd.option_context("display.width", 10_000, "display.max_columns", None,
                           "display.max_colwidth", 60, "display.max_rows", None):
        return frame.to_string(index=False)


def _validate_columns(frame: pd.DataFrame, wanted: Iterable[str] | None, what: str) -> list[str]:
    columns = [] if wanted is None else list(wanted)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what}: column(s) {missing} not in the table (columns: {list(frame.columns)})")
    return columns


def _digest_name(frame: pd.DataFrame) -> str:
    """A file stem for a shown table's full CSV: 16 hex digits of its CSV text (same table, same name)."""
    import hashlib

    text = frame.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def shown_href(stem: str, root: str = CHAPTER_TO_ROOT) -> str:
    """URL of the full CSV of a table shown in part (``shown/<stem>.csv``), relative to a chapter page."""
    return f"{root}{SHOWN_URL_DIR}/{stem}.csv"


#: First characters with which a spreadsheet reads a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")


def neutralise_cell(value):
    """A CSV cell safe to open in a spreadsheet: text that would start a formula (``= + - @``, a tab or a
    carriage return) gets a leading ``'``; numbers (``-1.5``) are left alone.

    >>> print(neutralise_cell("=HYPERLINK(x)"), neutralise_cell("-1.5"), neutralise_cell("+86 10"))
    '=HYPERLINK(x) -1.5 '+86 10
    """
    if not isinstance(value, str) or not value or value[0] not in FORMULA_STARTS:
        return value
    try:
        float(value)
        return value
    except ValueError:
        return "'" + value


def safe_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell passed through :func:`neutralise_cell` (column names too)."""
    out = frame.copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            # Only cells that start like a formula can change (a column with none is left as it is).
            changed = np.flatnonzero(_formula_like(values))
            if not len(changed):
                continue
            cells = _object_cells(values)
            for i in changed:
                cells[i] = neutralise_cell(cells[i])
            out[column] = cells
    return out



def write_shown(frame: pd.DataFrame, folder: str | Path | None = None) -> str | None:
    """Write the full table ``frame`` (as the policy lets it be published, formula cells neutralised) to
    ``<folder>/shown/<digest>.csv``; return the stem, or None when no folder is set (outside the book)."""
    from analysis.io import write_csv

    folder = folder if folder is not None else _publishing["folder"]
    if folder is None:
        return None
    frame = safe_csv_frame(frame)
    stem = _digest_name(frame)
    target = Path(folder) / SHOWN_URL_DIR / f"{stem}.csv"
    if not target.is_file():
        write_csv(frame, target)
    return stem


def _is_matrix(frame: pd.DataFrame) -> bool:
    """A matrix: at least 4 value columns after the first, every one numeric (counts by period × person …)."""
    if frame.shape[1] < 5:
        return False
    return all(pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns[1:])


def show_table(frame: pd.DataFrame, *, top: int = 15, name: str | None = None,
               essential: Sequence[str] | None = None, lang_cols: Sequence[str] | None = None,
               matrix: bool | None = None, root: str = CHAPTER_TO_ROOT) -> HTMLTable:
    """The first ``top`` rows of ``frame`` as a readable HTML table (``root``: from the chapter's page to
    the site's root, for the download links).

    * text wraps inside cells, newlines become line breaks;
    * ``source`` and ``line`` columns become one provenance column of
      :func:`source_link` links; an ``article_id`` column beside ``source``
      links each article (:func:`article_link`);
    * cells in ``lang_cols`` (default: every cell containing Chinese) are
      marked ``lang="zh-CN"``;
    * ``essential`` columns (default: all) get the class ``fx-essential``:
      they are never narrowed or clipped; on a phone every row is shown as a
      card, so no column is cut off;
    * a *matrix* (``matrix``; default: at least four columns after the first,
      all numeric) is never turned into cards: it scrolls sideways, its first
      column staying in place, so rows can still be compared on a phone;
    * when the frame has more than ``top`` rows, a sentence says how many are
      shown and links the full table: the build's (``name`` = its file stem
      in the build folder, e.g. ``"mentions"``), else the frame itself,
      written beside the book (:func:`write_shown`);
    * text the publishing policy withholds is cut or withheld (:func:`restrict_frame`).

    The index is not shown unless it is named (e.g. after ``set_index``).

    >>> import pandas as pd
    >>> big = pd.DataFrame({"word": ["新质生产力"] * 20, "count": range(20)})
    >>> table = show_table(big, top=2, name="term_frequency")
    >>> print(table)
     word  count
    新质生产力      0
    新质生产力      1
    Showing 2 of 20 rows; full table: term_frequency.csv
    >>> 'lang="zh-CN"' in table._repr_html_()
    True
    """
    if not isinstance(frame, pd.DataFrame):
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        else:
            raise TypeError(f"show_table needs a pandas DataFrame, got {type(frame).__name__}")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if frame.index.name is not None or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    essential_cols = _validate_columns(frame, essential, "essential")
    zh_cols = None if lang_cols is None else set(_validate_columns(frame, lang_cols, "lang_cols"))
    if name is not None:
        table_href(name)  # validates the name early, with a clear message
    frame = restrict_frame(frame)
    is_matrix = _is_matrix(frame) if matrix is None else bool(matrix)

    shown = frame.head(top)
    total = len(frame)
    has_source = "source" in frame.columns and "line" in frame.columns
    links_articles = "article_id" in frame.columns and "source" in frame.columns
    columns = [c for c in shown.columns if not (has_source and c == "line")]

    # Plain text: the same rows, provenance as "file:line".
    plain_frame = shown.copy()
    if has_source:
        plain_frame["source"] = [f"{PurePosixPath(str(s)).name}:{_cell_text(n)}" if _cell_text(s) else ""
                                 for s, n in zip(shown["source"], shown["line"])]
        plain_frame = plain_frame.drop(columns=["line"])
    plain = _plain(plain_frame) if len(shown) else f"(empty table; columns: {', '.join(map(str, frame.columns))})"
    note_plain = note_html = ""
    if total > len(shown):
        note_plain = f"Showing {len(shown)} of {total} rows"
        note_html = html_text(note_plain)
        if name is not None:
            note_plain += f"; full table: {name}.csv"
            note_html += (f'; full table: <a href="{html_text(href(table_href(name, root=root)))}" download>{html_text(name)}.csv</a>'
                          f' (checksums on the <a href="{html_text(href(data_anchor_href(name)))}">Data page</a>)')
        else:
            stem = write_shown(frame)
            if stem is not None:
                note_plain += f"; full table: {SHOWN_URL_DIR}/{stem}.csv"
                note_html += (f'; full table: <a href="{html_text(href(shown_href(stem, root)))}" download>'
                              f"{SHOWN_URL_DIR}/{stem}.csv</a>")
        plain += "\n" + note_plain

    def header(column, first: bool) -> str:
        label = "source" if (has_source and column == "source") else str(column)
        classes = ["fx-essential"] if (not essential_cols or column in essential_cols) else []
        if has_source and column == "source":
            classes.append("fx-col-source")
        if is_matrix and first:
            classes.append("fx-sticky")
        cls = f' class="{" ".join(classes)}"' if classes else ""
        return f'<th scope="col"{cls}>{html_text(label)}</th>'

    rows = []
    for _, record in shown.iterrows():
        cells = []
        for k, column in enumerate(columns):
            classes = ["fx-essential"] if (not essential_cols or column in essential_cols) else []
            if is_matrix and k == 0:
                classes.append("fx-sticky")
            value = record[column]
            if has_source and column == "source":
                classes.append("fx-col-source")
                text = _cell_text(value)
                body = source_link(text, record["line"]) if text and _cell_text(record["line"]) else html_text(text)
                lang = ""
            elif links_articles and column == "article_id" and _cell_text(value):
                body = article_link(_cell_text(record["source"]), _cell_text(value))
                lang = ""
            else:
                text = _cell_text(value)
                body = _cell_html(value)
                chinese = _has_cjk(text) if zh_cols is None else column in zh_cols
                lang = ' lang="zh-CN"' if chinese and text else ""
                if pd.api.types.is_number(value) and not isinstance(value, bool):
                    classes.append("fx-num")
                elif _LONG_TOKEN.search(text):
                    # A checksum or a path: may break anywhere, rather than widen the table.
                    classes.append("fx-long")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            label = html_text("source" if (has_source and column == "source") else str(column))
            cells.append(f'<td data-label="{label}"{cls}{lang}>{body}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    data_name = f' data-table="{html_text(name)}"' if name else ""
    wrap_class = "fx-table-wrap fx-matrix-wrap" if is_matrix else "fx-table-wrap"
    table_class = "fx-table fx-matrix" if is_matrix else "fx-table"
    scroll = ' tabindex="0" role="region" aria-label="table, scrolls sideways"' if is_matrix else ""
    parts = [f'<div class="{wrap_class}"{data_name}{scroll}>',
             f'<table class="{table_class}">',
             "<thead><tr>" + "".join(header(c, k == 0) for k, c in enumerate(columns)) + "</tr></thead>",
             "<tbody>" + "".join(rows) + "</tbody>", "</table>"]
    if not len(shown):
        parts.insert(1, f'<p class="fx-table-note">{html_text(plain)}</p>')
    if note_html:
        parts.append(f'<p class="fx-table-note">{note_html}.</p>')
    parts.append("</div>")
    return HTMLTable("\n".join(parts), plain)


# --------------------------------------------------------------------------- concordance

KWIC_COLUMNS = ("left", "match", "right")


def concordance(kwic_frame: pd.DataFrame, *, top: int | None = None, name: str | None = None) -> HTMLTable:
    """Keyword in context: left context right-aligned, keyword centred, right context left-aligned.

    ``kwic_frame`` is the table of :func:`analysis.aggregate.frequency.kwic` (columns
    ``left``, ``match``, ``right``, and ``source``/``line`` when known, which
    become a link to the line). Each line is one CSS grid row: the keyword
    column has a fixed minimum width so keywords line up; on a phone the
    contexts are cut at the outer ends (never next to the keyword) and the
    source link moves under the line. ``top`` limits the lines shown (a
    sentence then gives the total; ``name`` links the full table as in
    :func:`show_table`).

    >>> import pandas as pd
    >>> k = pd.DataFrame({"left": ["推动"], "match": ["倍增追赶"], "right": ["战略"],
    ...                   "source": ["000_170871a187ecc0e6.txt"], "line": [40]})
    >>> print(concordance(k))
    推动 [倍增追赶] 战略   000_170871a187ecc0e6.txt:40
    """
    missing = [c for c in KWIC_COLUMNS if c not in kwic_frame.columns]
    if missing:
        raise KeyError(f"concordance needs columns {list(KWIC_COLUMNS)} (from analysis.aggregate.frequency.kwic); "
                       f"missing {missing}")
    if publishing() == "none":
        # No running text: the lines are withheld, their count and places stay.
        return HTMLTable('<div class="fx-kwic"><p class="fx-table-note">The concordance lines are not published '
                         f'(publish_text = "none"): {len(kwic_frame)} line(s).</p></div>',
                         f"(concordance not published: {len(kwic_frame)} lines)")
    total = len(kwic_frame)
    shown = kwic_frame if top is None else kwic_frame.head(top)
    has_source = "source" in shown.columns and "line" in shown.columns
    has_article = has_source and "article_id" in shown.columns
    lines_plain, rows = [], []
    nl = "\n"  # a line break in a context stays one (white space in HTML; this HTML is never read as Markdown)
    for _, record in shown.iterrows():
        left, match, right = (_cell_text(record[c]) for c in KWIC_COLUMNS)
        where = ""
        link = ""
        if has_source and _cell_text(record["source"]) and _cell_text(record["line"]):
            where = f"{PurePosixPath(str(record['source'])).name}:{_cell_text(record['line'])}"
            link = source_link(str(record["source"]), record["line"])
            if has_article and text_published() and _cell_text(record["article_id"]):
                target = href(f"{CHAPTER_TO_ROOT}{raw_page_url(str(record['source']))}"
                              f"#{article_anchor(record['article_id'])}")
                link += (f' <a class="fx-art" href="{html_text(target)}" '
                         f'title="the article {html_text(_cell_text(record["article_id"]))}">article</a>')
        lines_plain.append(f"{left} [{match}] {right}" + (f"   {where}" if where else ""))
        rows.append(
            '<div class="fx-kwic-row">'
            f'<span class="fx-kwic-left" lang="zh-CN"><span dir="ltr">{html_text(left, nl)}</span></span>'
            f'<span class="fx-kwic-match" lang="zh-CN">{html_text(match, nl)}</span>'
            f'<span class="fx-kwic-right" lang="zh-CN">{html_text(right, nl)}</span>'
            f'<span class="fx-kwic-src">{link}</span>'
            "</div>")
    plain = "\n".join(lines_plain) if lines_plain else "(no occurrences)"
    parts = ['<div class="fx-kwic" role="table" aria-label="keyword in context">', *rows]
    if not rows:
        parts.append('<p class="fx-table-note">No occurrences.</p>')
    if total > len(shown):
        note = f"Showing {len(shown)} of {total} lines"
        if name:
            plain += "\n" + note + f"; full table: {name}.csv"
            link = f'; full table: <a href="{html_text(href(table_href(name)))}" download>{html_text(name)}.csv</a>'
        else:
            columns = [c for c in (*KWIC_COLUMNS, "article_id", "source", "line") if c in kwic_frame.columns]
            stem = write_shown(restrict_frame(kwic_frame[columns]))
            plain += "\n" + note + (f"; full table: {SHOWN_URL_DIR}/{stem}.csv" if stem else "")
            link = (f'; full table: <a href="{html_text(href(shown_href(stem)))}" download>{SHOWN_URL_DIR}/{stem}.csv</a>'
                    if stem else "")
        parts.append(f'<p class="fx-table-note">{html_text(note)}{link}.</p>')
    parts.append("</div>")
    return HTMLTable("\n".join(parts), plain)


# --------------------------------------------------------------------------- figures

_PATHLIKE = re.compile(r"(^[\w./\\-]+\.(png|svg|jpe?g|pdf)$)|[/\\]|^fig(ure)?[-_ ]?\d*$|^image\d*$", re.I)


def check_alt(alt: str) -> str:
    """Return ``alt`` stripped, or raise ValueError if it is empty, a path or a bare placeholder.

    >>> check_alt("Bar chart of articles per issue; the February issue has more.")
    'Bar chart of articles per issue; the February issue has more.'
    """
    text = " ".join(str(alt or "").split())
    if len(text) < 10 or _PATHLIKE.search(text) and " " not in text:
        raise ValueError(f"alt text {alt!r}: say what the figure shows in words (at least 10 characters), "
                         "not a file name")
    return text


def check_label(name: str) -> str:
    """Return ``name`` if it can be a figure label (lowercase letters, digits, hyphens)."""
    if not _LABEL.match(str(name or "")):
        raise ValueError(f"figure name {name!r}: use lowercase letters, digits and hyphens, e.g. 'fig-article-lengths'")
    return name


def figure_href(name: str, suffix: str, root: str = CHAPTER_TO_ROOT) -> str:
    """URL of a figure's published file (``figures/<name>.svg`` or ``.png``), relative to a chapter page.

    >>> figure_href("fig-top-terms", "svg")
    '../figures/fig-top-terms.svg'
    """
    check_label(name)
    if suffix not in ("svg", "png"):
        raise ValueError(f"figure files are svg or png, not {suffix!r}")
    return f"{root}{FIGURES_URL_DIR}/{name}.{suffix}"


def figure_downloads(name: str, root: str = CHAPTER_TO_ROOT) -> str:
    """The links under a caption to the figure's SVG and PNG (inline HTML, for a MyST caption).

    >>> figure_downloads("fig-x")
    'Download: <a href="../figures/fig-x.svg" download>SVG</a> · <a href="../figures/fig-x.png" download>PNG (2×)</a>.'
    """
    return (f'Download: <a href="{figure_href(name, "svg", root)}" download>SVG</a> · '
            f'<a href="{figure_href(name, "png", root)}" download>PNG (2×)</a>.')


def figure_markdown(name: str, caption: str, alt: str, root: str = CHAPTER_TO_ROOT) -> str:
    """The Markdown cell that places glued figure ``name`` with a numbered caption (and its downloads).

    >>> print(figure_markdown("fig-lengths", "Characters per article.", "Bar chart of characters per article."))
    ```{glue:figure} fig-lengths
    :name: fig-lengths
    :alt: Bar chart of characters per article.
    <BLANKLINE>
    Characters per article. Download: <a href="../figures/fig-lengths.svg" download>SVG</a> · <a href="../figures/fig-lengths.png" download>PNG (2×)</a>.
    ```

    ``caption`` is Markdown: a corpus value in it must already be escaped
    (:func:`analysis.book.escape.md`). ``alt`` is plain text, written as the
    directive option reads it back (:func:`analysis.book.escape.option_value`). ``root``: from the
    chapter's page to the site's root (``../../`` for a chapter one folder deeper, as the collection's).
    """
    check_label(name)
    caption = " ".join(str(caption or "").split())
    if not caption:
        raise ValueError(f"figure {name!r}: the caption is empty")
    return (f"```{{glue:figure}} {name}\n:name: {name}\n:alt: {option_value(check_alt(alt))}\n\n{caption} "
            f"{figure_downloads(name, root)}\n```")


def small_text(figure, minimum: float = MIN_FONT_PT) -> list[str]:
    """The visible texts of ``figure`` set smaller than ``minimum`` points (``"<text>: <size> pt"``)."""
    from matplotlib.text import Text

    found = []
    for artist in figure.findobj(Text):
        if artist.get_visible() and artist.get_text().strip() and artist.get_fontsize() < minimum - 1e-9:
            found.append(f"{artist.get_text()[:20]!r}: {artist.get_fontsize():g} pt")
    return found


def save_figure_files(figure, name: str, folder: str | Path) -> tuple[Path, Path]:
    """Write ``figure`` as ``<folder>/figures/<name>.svg`` (text as outlines, no date: the same figure gives
    the same bytes) and ``.png`` at twice the nominal resolution; atomically."""
    from analysis.io import atomic_path

    check_label(name)
    target = Path(folder) / FIGURES_URL_DIR
    target.mkdir(parents=True, exist_ok=True)
    svg, png = target / f"{name}.svg", target / f"{name}.png"
    with atomic_path(svg) as tmp:
        figure.savefig(tmp, format="svg", bbox_inches="tight", metadata={"Date": None})
    with atomic_path(png) as tmp:
        Path(tmp).write_bytes(figure_png(figure))
    return svg, png


def figure_png(figure) -> bytes:
    """``figure`` as a PNG at twice its nominal resolution, cropped to its content, with no software
    version: the download file of :func:`save_figure_files`, and the very image a Jupyter kernel shows
    inline with the "retina" format (:func:`analysis.figures.style.use_cjk_font`: IPython saves it with
    these settings), so the book draws it once for both."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=2 * figure.get_dpi(), bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


class GluedFigure:
    """A figure as :func:`caption_figure` glues it: its PNG, and as ``text/plain`` its digest.

    The digest (:func:`analysis.figures.digest.figure_digest`) says what the
    figure shows -- labels, categories, the numbers behind every mark -- so
    the committed notebook records it where a reviewer reads a diff, and
    strict nbval compares it (the PNG bytes, which change with the font
    file and FreeType, are not compared: ``tests/nbval_sanitize.cfg``).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(3, 2))
    >>> _ = ax.set_xlabel("Occurrences")
    >>> print(repr(GluedFigure(fig)).splitlines()[:3])
    ['figure 3 x 2 in, 1 axes', 'axes 1', '  x label: Occurrences']
    >>> plt.close(fig)
    """

    def __init__(self, figure, png: bytes | None = None):
        from analysis.figures.digest import figure_digest

        self.figure = figure
        self.digest = figure_digest(figure)
        #: The retina PNG already drawn (:func:`figure_png`), shown instead of drawing the figure again.
        self.png = png

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.png is not None:
            # What the retina formatter gives for the figure (base64 text, half the pixels as its size).
            from binascii import b2a_base64

            from IPython.core.pylabtools import _pngxy

            width, height = _pngxy(self.png)
            return ({"image/png": b2a_base64(self.png, newline=False).decode("ascii"), "text/plain": self.digest},
                    {"image/png": {"width": width // 2, "height": height // 2}})
        from IPython.core.formatters import format_display_data

        data, metadata = format_display_data(self.figure, include=include, exclude=exclude)
        data["text/plain"] = self.digest
        return data, metadata

    def __repr__(self) -> str:
        return self.digest


def _inline_format_is_retina() -> bool:
    """Whether this kernel shows a figure as one retina PNG and nothing else (what
    :func:`analysis.figures.style.use_cjk_font` sets: the image :func:`figure_png` draws)."""
    import functools

    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import retina_figure
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return False
    from matplotlib.figure import Figure

    printers = {}
    for mime, formatter in shell.display_formatter.formatters.items():
        if mime == "text/plain" or not formatter.enabled:
            continue
        try:
            printers[mime] = formatter.lookup_by_type(Figure)
        except KeyError:
            continue
    printer = printers.get("image/png")
    return (list(printers) == ["image/png"] and isinstance(printer, functools.partial)
            and printer.func is retina_figure and printer.keywords == {"base64": True, "bbox_inches": "tight"})


def caption_figure(fig, name: str, caption: str | None = None, alt: str | None = None) -> None:
    """Glue ``fig`` under ``name`` for a ``{glue:figure}`` directive, and close it.

    Shows nothing in the code cell (the Markdown cell after it places the
    figure, see the module docstring and :func:`figure_markdown`). ``caption``
    and ``alt``, when given, are checked the same way as there, so a chapter
    can keep them next to the code. ``fig`` may be a matplotlib Figure or
    Axes.  Text smaller than :data:`MIN_FONT_PT` is refused (it would be
    unreadable on a phone).  In the book (:func:`set_publishing` with a
    folder) the figure is also written as SVG and PNG for download.  What is
    glued is a :class:`GluedFigure`: the PNG, with the figure's digest as its
    text form.
    """
    import matplotlib.pyplot as plt
    from myst_nb import glue

    check_label(name)
    if alt is not None:
        check_alt(alt)
    if caption is not None and not str(caption).strip():
        raise ValueError(f"figure {name!r}: the caption is empty")
    figure = getattr(fig, "figure", fig) if not hasattr(fig, "savefig") else fig
    if not hasattr(figure, "savefig"):
        raise TypeError(f"caption_figure needs a matplotlib Figure or Axes, got {type(fig).__name__}")
    tiny = small_text(figure)
    if tiny:
        plt.close(figure)
        raise ValueError(f"figure {name!r}: text under {MIN_FONT_PT} pt is unreadable on a phone: {', '.join(tiny[:5])}")
    png = None
    if _publishing["folder"] is not None:
        png = save_figure_files(figure, name, _publishing["folder"])[1].read_bytes()
    # The kernel shows nothing for a figure without axes or lines; the drawn PNG only stands in for what it shows.
    shown = png if png is not None and (figure.axes or figure.lines) and _inline_format_is_retina() else None
    glue(name, GluedFigure(figure, png=shown), display=False)
    plt.close(figure)


def repository_url(config: str | Path = PROJECT_ROOT / "_config.yml") -> str:
    """The repository's address: ``repository.url`` in ``_config.yml`` (the one place it is set).

    >>> repository_url().startswith("https://")
    True
    """
    import yaml

    data = yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}
    url = str((data.get("repository") or {}).get("url") or "").strip()
    if not url:
        raise ValueError(f"{config}: repository.url is empty")
    return url.rstrip("/")
