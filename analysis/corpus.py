"""The articles table: one function call from pages (or a ready table) to clean, dated articles.

>>> from analysis.corpus import load_articles
>>> articles = load_articles()            # the embedded sample corpus
>>> len(articles)
9

Columns of the articles table (one row per article, sorted by issue_date,
source, article_id):

============== ==============================================================
article_id     stable id: ``<file stem>-<nn>`` (nn = order on the page) for
               pages; the ``id`` column, or a hash of date, title and text,
               for an article table
source         page file (or article-table file) the article comes from
paper          newspaper name
issue_date     issue date, YYYY-MM-DD
page           page as given in the manifest (may be empty)
headline       headline as printed ('' when none is printed or attributable)
subheadline    other headline lines: subtitle, kicker ('' when none)
byline         inside 本报讯（…）, e.g. ``记者 林瑶 实习记者 袁阳``
dateline       the date phrase opening the body, e.g. ``2月12日下午``
date           event date from the dateline, else the issue date (YYYY-MM-DD,
               '' when neither is known)
date_basis     ``dateline`` or ``issue``: where ``date`` comes from
text           clean body, paragraphs separated by newlines (no headline, no
               本报讯 byline)
n_chars        characters of ``text``
headline_line  raw line number of the headline (0 when none)
line_start     raw line number where the body starts (row number for a table)
line_end       raw line number where the body ends
line_map       ``offset:line;…`` where each raw line starts in ``text``
               (see :func:`source_line`)
============== ==============================================================

Re-targeting: with no arguments, :func:`load_articles` reads the corpus named
by the environment variable ``ANALYSIS_CORPUS`` (a folder holding
``manifest.csv`` and its pages, or an article table ``.csv``/``.jsonl``/
``.parquet``); unset, it reads the sample corpus in ``data/``.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import articles as _articles_module
from . import clean as _clean_module
from . import layout as _layout_module
from . import pages as _pages_module
from .articles import split_articles
from .clean import clean_line
from .errors import InputError
from .io import write_parquet
from .pages import Page, parse_iso_date, read_pages
from .corpus_folder import CORPUS_ENV, TABLE_NAMES, TABLE_SUFFIXES, open_corpus
from .paths import cache_dir


ARTICLE_COLUMNS = [
    "article_id", "source", "paper", "issue_date", "page", "headline", "subheadline", "byline",
    "dateline", "date", "date_basis", "text", "n_chars", "headline_line", "line_start", "line_end",
    "line_map",
]
CAPTION_COLUMNS = [
    "caption_id", "article_id", "attach_basis", "source", "paper", "issue_date", "page",
    "caption", "credit", "line",
]
UNATTRIBUTED_COLUMNS = ["source", "line", "headline"]


@dataclass
class Corpus:
    """Everything read from one corpus: articles, captions and what could not be placed."""

    articles: pd.DataFrame
    captions: pd.DataFrame
    unattributed: pd.DataFrame


def resolve_corpus(corpus=None, manifest=None, articles=None) -> tuple[str, Path, Path | None]:
    """Decide what to read: ``("pages", folder, manifest)`` or ``("table", file, None)``.

    ``corpus`` may be a page folder with ``manifest.csv``, a corpus folder
    holding an article table (see :mod:`analysis.corpus_folder`) or a bare
    article-table file; with nothing given, ``$ANALYSIS_CORPUS`` or the sample.
    """
    if articles is not None:
        return "table", Path(articles), None
    if manifest is not None:
        folder = Path(corpus) if corpus is not None else Path(manifest).parent
        return "pages", _page_folder(folder), Path(manifest)
    if corpus is not None and Path(corpus).is_dir() and not (Path(corpus) / "manifest.csv").is_file() \
            and not any((Path(corpus) / name).is_file() for name in TABLE_NAMES):
        # A bare folder of pages whose manifest is elsewhere is reported by read_pages.
        return "pages", Path(corpus), Path(corpus) / "manifest.csv"
    folder = open_corpus(corpus)
    if folder.kind == "table":
        return "table", folder.text, None
    return "pages", folder.pages_dir, folder.text


def _page_folder(folder: Path) -> Path:
    for sub in ("raw", "pages"):
        if not (folder / "manifest.csv").is_file():
            break
        if (folder / sub).is_dir():
            return folder / sub
    return folder


def _code_version() -> str:
    """Hash of the segmentation code, so a change to it invalidates the cache."""
    digest = hashlib.sha256()
    for module in (_clean_module, _layout_module, _articles_module, _pages_module):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def read_corpus(corpus=None, manifest=None, articles=None, *, paper: str = "", cache: bool = True,
                progress: bool = False) -> Corpus:
    """Read a corpus into the articles, captions and unattributed-headline tables.

    Give either a page folder (``corpus``, optionally ``manifest``) or an
    article table (``articles``); with neither, see :data:`CORPUS_ENV`.
    Results are cached under the build folder, keyed by the bytes of every
    input file and the version of the code, so a re-run on an unchanged corpus
    reads one Parquet file.
    """
    kind, path, manifest_path = resolve_corpus(corpus, manifest, articles)
    if kind == "table" and not paper:
        # The corpus description (corpus.toml beside the table) names the paper.
        paper = open_corpus(path).paper
    if kind == "table":
        key_parts = [_code_version(), "table", paper, hashlib.sha256(_read_bytes(path)).hexdigest()]
    else:
        pages = read_pages(path, manifest_path)
        key_parts = [_code_version(), "pages", hashlib.sha256(Path(manifest_path).read_bytes()).hexdigest()]
        key_parts += [p.sha256 for p in pages]
    key = hashlib.sha256("|".join(key_parts).encode()).hexdigest()[:24]
    folder = cache_dir("corpus")
    names = {name: folder / f"{key}-{name}.parquet" for name in ("articles", "captions", "unattributed")}
    if cache and all(p.is_file() for p in names.values()):
        tables = {name: pd.read_parquet(p) for name, p in names.items()}
        return Corpus(tables["articles"], tables["captions"], tables["unattributed"])
    if kind == "table":
        result = Corpus(read_article_table(path, paper=paper), _empty(CAPTION_COLUMNS), _empty(UNATTRIBUTED_COLUMNS))
    else:
        result = segment_pages(pages, progress=progress)
    if cache:
        for name, p in names.items():
            write_parquet(getattr(result, name), p)
    return result


def load_articles(corpus=None, manifest=None, articles=None, *, paper: str = "", cache: bool = True) -> pd.DataFrame:
    """The articles table (see the module docstring for its columns)."""
    return read_corpus(corpus, manifest, articles, paper=paper, cache=cache).articles


def load_captions(corpus=None, manifest=None, articles=None, *, cache: bool = True) -> pd.DataFrame:
    """Photo captions: ``caption_id``, ``article_id`` (the article it illustrates),
    ``attach_basis`` (``overlap`` of text or ``position`` on the page), ``source``,
    ``paper``, ``issue_date``, ``page``, ``caption``, ``credit`` (photographer), ``line``."""
    return read_corpus(corpus, manifest, articles, cache=cache).captions


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(path, "article table not found")
    return path.read_bytes()


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line" else "object") for c in columns})


def segment_pages(pages: list[Page], progress: bool = False) -> Corpus:
    """Segment validated pages into the three tables."""
    # tqdm.std, not tqdm.auto: the notebook widget needs ipywidgets and warns on stderr without it.
    from tqdm.std import tqdm

    rows, caption_rows, lost = [], [], []
    for page in tqdm(pages, desc="segmenting pages", unit="page", disable=not progress):
        seg = split_articles(page.text, page.issue_date)
        stem = Path(page.file).with_suffix("").as_posix().replace("/", "_")
        common = {"source": page.file, "paper": page.paper, "issue_date": page.issue_date, "page": page.page}
        ids = []
        for n, art in enumerate(seg.articles, start=1):
            article_id = f"{stem}-{n:02d}"
            ids.append(article_id)
            rows.append({
                "article_id": article_id, **common, "headline": art.headline, "subheadline": art.subheadline,
                "byline": art.byline, "dateline": art.dateline, "date": art.date, "date_basis": art.date_basis,
                "text": art.text, "n_chars": len(art.text), "headline_line": art.headline_line,
                "line_start": art.line_start, "line_end": art.line_end,
                "line_map": ";".join(f"{o}:{l}" for o, l in art.line_map),
            })
        for n, cap in enumerate(seg.captions, start=1):
            caption_rows.append({
                "caption_id": f"{stem}-c{n:02d}",
                "article_id": ids[cap.article_index] if cap.article_index is not None else "",
                "attach_basis": cap.attach_basis, **common, "caption": cap.caption, "credit": cap.credit,
                "line": cap.line,
            })
        for block in seg.unattributed:
            lost.append({"source": page.file, "line": block.first_line, "headline": block.text})
    articles = pd.DataFrame(rows, columns=ARTICLE_COLUMNS) if rows else _empty(ARTICLE_COLUMNS)
    articles = _finish(articles)
    captions = pd.DataFrame(caption_rows, columns=CAPTION_COLUMNS) if caption_rows else _empty(CAPTION_COLUMNS)
    unattributed = pd.DataFrame(lost, columns=UNATTRIBUTED_COLUMNS) if lost else _empty(UNATTRIBUTED_COLUMNS)
    return Corpus(articles, captions.reset_index(drop=True), unattributed)


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Fix dtypes and the stable sort order of an articles table."""
    for column in ("n_chars", "headline_line", "line_start", "line_end"):
        frame[column] = frame[column].astype("int64")
    for column in set(ARTICLE_COLUMNS) - {"n_chars", "headline_line", "line_start", "line_end"}:
        frame[column] = frame[column].fillna("").astype(str)
    frame = frame.sort_values(["issue_date", "source", "article_id"], kind="stable")
    return frame.reset_index(drop=True)[ARTICLE_COLUMNS]


def source_line(article, offset: int) -> int:
    """Raw line number (row number for an article table) of ``text[offset]`` of an article.

    ``article`` is a row of the articles table (a Series or a dict).

    >>> a = load_articles().set_index("article_id", drop=False).loc["001_37b71d2a634c19f4-03"]
    >>> source_line(a, a["text"].index("王少峰"))  # printed as 王 / 少峰 on lines 109-110
    109
    """
    pairs = [tuple(map(int, item.split(":"))) for item in str(article["line_map"]).split(";") if item]
    if not pairs:
        return int(article["line_start"])
    offsets = [o for o, _ in pairs]
    k = bisect.bisect_right(offsets, offset) - 1
    return pairs[max(k, 0)][1]


# --------------------------------------------------------------------------- article tables

def _read_table(path: Path) -> tuple[pd.DataFrame, str, int]:
    """Read an article table; return it, the word for its rows, and the row-number offset."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"), "line", 2
        if suffix in (".jsonl", ".json"):
            rows = []
            with open(path, encoding="utf-8-sig") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        item = json.loads(line)
                    except json.JSONDecodeError as err:
                        raise InputError(path, f"not a JSON object: {err.msg}", number) from None
                    if not isinstance(item, dict):
                        raise InputError(path, "each line must be a JSON object", number)
                    item["_line"] = number
                    rows.append(item)
            return pd.DataFrame(rows), "line", 0
        if suffix == ".parquet":
            return pd.read_parquet(path), "row", 1
    except UnicodeDecodeError as err:
        raise InputError(path, f"not UTF-8 text ({err.reason})") from None
    except (pd.errors.ParserError, ValueError, OSError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(path, f"cannot be read as {suffix[1:]}: {err}") from None
    raise InputError(path, f"unknown article-table format {suffix!r}; use {', '.join(TABLE_SUFFIXES)}")


def read_article_table(path: str | Path, paper: str = "") -> pd.DataFrame:
    """Read a ready article table (CSV, JSON Lines or Parquet) into the articles table.

    Required columns: ``date`` (YYYY-MM-DD) and ``text``; optional: ``title``,
    ``page``, ``section``, ``id``, ``paper``.  ``headline`` and
    ``article_id`` are read as ``title`` and ``id`` when those are absent, so
    the ``articles.parquet`` this package writes can be read back.  Text is
    normalised like page text (justification spaces, vertical forms),
    paragraphs kept.
    """
    path = Path(path)
    frame, row_word, first = _read_table(path)
    for alias, name in (("headline", "title"), ("article_id", "id")):
        if alias in frame.columns and name not in frame.columns:
            frame = frame.rename(columns={alias: name})
    missing = [c for c in ("date", "text") if c not in frame.columns]
    if missing:
        raise InputError(path, f"article table lacks required column(s) {', '.join(missing)}; "
                               f"found {', '.join(map(str, frame.columns)) or 'none'}")
    rows, seen_ids = [], {}
    for k, record in enumerate(frame.to_dict("records")):
        where = int(record.get("_line", k + first))
        date = record["date"]
        if isinstance(date, pd.Timestamp):
            date = date.date().isoformat()
        date = parse_iso_date("" if _missing(date) else str(date)[:10] if len(str(date)) > 10 and str(date)[10] in "T " else date,
                              path, where, "date", kind=row_word)
        text = record["text"]
        if _missing(text) or not str(text).strip():
            raise InputError(path, "text is empty", where, kind=row_word)
        paragraphs = [clean_line(p) for p in str(text).splitlines()]
        body = "\n".join(p for p in paragraphs if p)
        title = "" if _missing(record.get("title")) else clean_line(str(record["title"]))
        if "id" in record and not _missing(record["id"]) and str(record["id"]).strip():
            article_id = str(record["id"]).strip()
        else:
            article_id = hashlib.sha1(f"{date}\x1f{title}\x1f{body}".encode()).hexdigest()[:12]
        if article_id in seen_ids:
            if "id" in record and not _missing(record.get("id")):
                raise InputError(path, f"id {article_id!r} repeats {row_word} {seen_ids[article_id]}", where, kind=row_word)
            article_id = f"{article_id}-{where}"
        seen_ids[article_id] = where
        page_value = record.get("page")
        paper_value = record.get("paper")
        rows.append({
            "article_id": article_id, "source": path.name,
            "paper": paper if _missing(paper_value) or not str(paper_value).strip() else str(paper_value),
            "issue_date": date, "page": "" if _missing(page_value) else str(page_value),
            "headline": title, "subheadline": "", "byline": "", "dateline": "", "date": date,
            "date_basis": "issue", "text": body, "n_chars": len(body), "headline_line": 0,
            "line_start": where, "line_end": where, "line_map": f"0:{where}",
        })
    if not rows:
        raise InputError(path, "article table has no rows")
    return _finish(pd.DataFrame(rows, columns=ARTICLE_COLUMNS))


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
