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
byline         inside 本报讯（…）, e.g. ``记者 林瑶 实习记者 袁阳``, or the
               reporters after a dateline (``（记者 王勇）``, ``记者李明报道：``)
dateline       the dateline or the date phrase opening the body, as printed,
               e.g. ``2月12日下午``, ``新华社北京１２月３１日电``
date           event date from the dateline, else the issue date (YYYY-MM-DD,
               '' when neither is known)
date_basis     ``dateline`` or ``issue``: where ``date`` comes from
source_agency  who the opening credits: ``本报`` (本报讯, 本报…讯, 本报记者,
               （记者…）), ``新华社`` (新华社…电, 据新华社…), ``other`` (another
               agency of ``data/defaults/agencies.csv``: 中新社, 人民日报 reprinted,
               央视网 …) or ``none``
text           clean body, paragraphs separated by newlines (no headline, no
               本报讯 byline)
n_chars        characters of ``text``
headline_line  raw line number of the headline (0 when none)
line_start     raw line number where the body starts (row number for a table)
line_end       raw line number where the body ends
line_map       ``offset:line;…`` where each raw line starts in ``text``
               (see :func:`source_line`)
============== ==============================================================

Which corpus: :func:`read_corpus` and :func:`load_articles` take a
:class:`~analysis.corpus.folder.Corpus`, or the paths that name one (a
folder holding ``manifest.csv`` and its pages or an article table, a bare
article table ``.csv``/``.jsonl``/``.parquet``); with nothing, the sample
corpus in ``data/``.
"""
from __future__ import annotations

import bisect
import hashlib
import io
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import io as _io_module
from analysis.errors import InputError
from analysis.io import decode_data_file, read_csv_frame, read_csv_records, sniff_format, write_parquet
from analysis.settings import default_settings
from . import articles as _articles_module
from . import clean as _clean_module
from . import layout as _layout_module
from . import pages as _pages_module
from .articles import SOURCE_AGENCIES, OpeningRules, split_articles
from .clean import clean_line, clean_text
from .folder import TABLE_SUFFIXES, as_corpus, fact_file
from .pages import Page, check_plausible, page_stem, parse_iso_date, read_pages
from analysis.progress import progress_bar

log = logging.getLogger(__name__)


ARTICLE_COLUMNS = [
    "article_id", "source", "paper", "issue_date", "page", "headline", "subheadline", "byline",
    "dateline", "date", "date_basis", "source_agency", "text", "n_chars", "headline_line", "line_start",
    "line_end", "line_map",
]
CAPTION_COLUMNS = [
    "caption_id", "article_id", "attach_basis", "source", "paper", "issue_date", "page",
    "caption", "credit", "line",
]
UNATTRIBUTED_COLUMNS = ["source", "line", "headline"]


@dataclass
class ReadResult:
    """Everything read from one corpus: articles, captions and what could not be placed."""

    articles: pd.DataFrame
    captions: pd.DataFrame
    unattributed: pd.DataFrame


def read_agencies(path=None) -> dict[str, str]:
    """Agency names → ``source_agency`` (``本报``, ``新华社``, ``other``) from a CSV
    with columns ``name, source_agency, source``: ``path`` a file, a
    :class:`~analysis.corpus.folder.Corpus` (its ``agencies.csv``), or None (the
    sample's ``data/defaults/agencies.csv``).

    A row with an empty name or source, an unknown ``source_agency`` or a
    repeated name is refused, naming the file and line.

    >>> read_agencies()["中新社"], read_agencies()["新华社"]
    ('other', '新华社')
    """
    path = fact_file("agencies", path)
    if path is None:
        return {}
    frame = read_csv_frame(path, what="agency list", required=["name", "source_agency", "source"])
    out: dict[str, str] = {}
    allowed = [a for a in SOURCE_AGENCIES if a != "none"]
    for name, kind, source, line in zip(frame["name"], frame["source_agency"], frame["source"], frame["_line"]):
        name = name.strip()
        if not name or not source.strip():
            raise InputError(path, "every agency needs a name and a source", int(line))
        if kind not in allowed:
            raise InputError(path, f"source_agency {kind!r} is not one of {', '.join(allowed)}", int(line))
        if name in out:
            raise InputError(path, f"agency {name!r} is listed twice", int(line))
        out[name] = kind
    return out


def _code_version() -> str:
    """Hash of the segmentation code, so a change to it invalidates the cache."""
    digest = hashlib.sha256()
    for module in (_clean_module, _layout_module, _articles_module, _pages_module, _io_module):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def read_corpus(corpus=None, manifest=None, articles=None, *, paper: str = "", cache: bool = True,
                progress: bool = False) -> ReadResult:
    """Read a corpus into the articles, captions and unattributed-headline tables.

    ``corpus``: a :class:`~analysis.corpus.folder.Corpus`, or a page folder
    (optionally with ``manifest``), or an article table (``articles``); with
    none, the sample (see :func:`~analysis.corpus.folder.as_corpus`).
    Results are cached under the build folder, keyed by everything that
    reaches the output (the bytes and name of every input file, ``paper``,
    the time zone and date range, the agency list ``agencies``
    (:func:`read_agencies`), the version of the code), so a re-run on an
    unchanged corpus reads three Parquet files.  A cache entry that cannot be
    read or does not have the expected columns is discarded with a warning
    and rebuilt.
    """
    corpus = as_corpus(corpus, manifest, articles, paper=paper)
    settings = corpus.settings
    bounds = settings.date_range()  # refuse a malformed setting before anything else
    agency_kinds = read_agencies(corpus)
    parts = [corpus.paper, str(settings.zone()), settings.range_key(),
             json.dumps(sorted(agency_kinds.items()), ensure_ascii=False)]
    if corpus.kind == "table":
        path = corpus.text
        key_parts = [_code_version(), "table", path.name, *parts, hashlib.sha256(_read_bytes(path)).hexdigest()]
    else:
        pages = read_pages(corpus.pages_dir, corpus.text, bounds=bounds)
        key_parts = [_code_version(), "pages", *parts, hashlib.sha256(corpus.text.read_bytes()).hexdigest()]
        key_parts += [f"{p.file}\x1f{p.sha256}" for p in pages]
    key = hashlib.sha256("\x1e".join(key_parts).encode()).hexdigest()[:24]
    names = {}
    if cache:
        try:
            folder = corpus.cache_dir("corpus")
            names = {name: folder / f"{key}-{name}.parquet" for name in ("articles", "captions", "unattributed")}
        except OSError as err:
            log.warning("corpus cache unavailable (%s); reading without it", err.strerror or err)
    if names and all(p.is_file() for p in names.values()):
        cached = _read_cached(names)
        if cached is not None:
            for p in names.values():  # last used now: `python -m analysis cache --prune` keeps what is in use
                try:
                    os.utime(p)
                except OSError:
                    pass
            return cached
    if corpus.kind == "table":
        result = ReadResult(read_article_table(corpus.text, paper=corpus.paper, progress=progress, settings=settings,
                                               agencies=agency_kinds),
                            _empty(CAPTION_COLUMNS), _empty(UNATTRIBUTED_COLUMNS))
    else:
        result = segment_pages(pages, progress=progress, agencies=agency_kinds)
    if names:
        try:
            for name, p in names.items():
                write_parquet(getattr(result, name), p)
        except OSError as err:
            # A cache is an optimisation: a full or read-only disk must not fail the read.
            log.warning("could not write the corpus cache in %s (%s); continuing without it", p.parent,
                        err.strerror or err)
            for p in names.values():
                p.unlink(missing_ok=True)
    return result


_CACHED_COLUMNS = {"articles": ARTICLE_COLUMNS, "captions": CAPTION_COLUMNS, "unattributed": UNATTRIBUTED_COLUMNS}


def _read_cached(names: dict[str, Path]) -> ReadResult | None:
    """The cached tables, or None (entries removed, one warning) when any is unreadable or foreign."""
    tables = {}
    try:
        for name, p in names.items():
            frame = pd.read_parquet(p)
            if list(frame.columns) != _CACHED_COLUMNS[name]:
                raise ValueError(f"columns {list(frame.columns)}")
            if name == "articles" and not frame.empty and not frame["text"].map(type).eq(str).all():
                raise ValueError("text column is not text")
            tables[name] = frame
    except Exception as err:  # pyarrow's ArrowInvalid, OSError, ValueError: any of them means rebuild
        log.warning("corpus cache entry %s is unusable (%s: %s); discarding and rebuilding it",
                    p.name, type(err).__name__, str(err)[:120])
        for q in names.values():
            q.unlink(missing_ok=True)
        return None
    return ReadResult(tables["articles"], tables["captions"], tables["unattributed"])


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


def segment_pages(pages: list[Page], progress: bool = False, agencies: dict[str, str] | None = None) -> ReadResult:
    """Segment validated pages into the three tables (``agencies``: see :func:`read_agencies`)."""
    rows, caption_rows, lost = [], [], []
    for page in progress_bar(pages, desc="segmenting pages", unit="page", enabled=progress):
        seg = split_articles(page.text, page.issue_date, agencies)
        stem = page_stem(page.file)
        common = {"source": page.file, "paper": page.paper, "issue_date": page.issue_date, "page": page.page}
        ids = []
        for n, art in enumerate(seg.articles, start=1):
            article_id = f"{stem}-{n:02d}"
            ids.append(article_id)
            rows.append({
                "article_id": article_id, **common, "headline": art.headline, "subheadline": art.subheadline,
                "byline": art.byline, "dateline": art.dateline, "date": art.date, "date_basis": art.date_basis,
                "source_agency": art.source_agency, "text": art.text, "n_chars": len(art.text), "headline_line": art.headline_line,
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
    return ReadResult(articles, captions.reset_index(drop=True), unattributed)


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

def table_records(path: Path) -> tuple[pd.DataFrame, str, int]:
    """Read an article table as it is in the file (unchecked records, for :func:`read_article_table`, and
    for publishing the file row by row); return it, the word for its rows, and the row-number offset.

    Rows carry their place in the file in a ``_line`` column: the physical
    line where a CSV record starts (multi-line cells included), the line of a
    JSON Lines object, the record number of a JSON array; Parquet rows are
    numbered from 1.
    """
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(path, f"unknown article-table format {suffix!r}; use {', '.join(TABLE_SUFFIXES)}")
    raw = _read_bytes(path)
    kind = sniff_format(raw)
    if suffix == ".parquet":
        if kind != "a Parquet file":
            raise InputError(path, f"is {kind or 'not a Parquet file (no PAR1 magic bytes)'}, not a Parquet table")
        try:
            import pyarrow.parquet as pq

            _refuse_repeated(path, pq.ParquetFile(io.BytesIO(raw)).schema_arrow.names)
            table = pq.read_table(io.BytesIO(raw))
        except InputError:
            raise
        except Exception as err:  # pyarrow raises its own ArrowInvalid/OSError family
            raise InputError(path, f"cannot be read as Parquet: {err}") from None
        frame = table.to_pandas()
        frame["_line"] = range(1, len(frame) + 1)
        return frame, "row", 1
    if suffix == ".csv":
        header, records = read_csv_records(path, what="article table", multiline=True, raw=raw)
        frame = pd.DataFrame([r.fields for r in records], columns=header, dtype=object)
        frame["_line"] = [r.line for r in records]
        return frame, "line", 2
    text = decode_data_file(raw, path, what="article table")
    if text.lstrip().startswith("["):
        # A JSON array of objects (pandas' orient="records"): rows are numbered records.
        try:
            items = json.loads(text, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as err:
            raise InputError(path, f"not valid JSON: {err.msg}", err.lineno) from None
        except _RepeatedKey as err:
            raise InputError(path, f"an object names {err.key!r} twice; each key must appear once "
                                   "(which one holds the data?)") from None
        except _Surrogate as err:
            # Which record: the array again, without the check, searched object by object.
            plain = json.loads(text)
            number = next((k for k, item in enumerate(plain if isinstance(plain, list) else [], start=1)
                           if isinstance(item, dict) and _has_surrogate(item)), None)
            raise InputError(path, err.problem, number, kind="record") from None
        if not isinstance(items, list):
            raise InputError(path, f"a JSON array of objects is expected, not a {type(items).__name__}", 1)
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise InputError(path, f"a JSON array of objects is expected; item is {type(item).__name__}",
                                 number, kind="record")
            item["_line"] = number
        return pd.DataFrame(items), "record", 1
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as err:
            hint = " (a pretty-printed JSON object? write one object per line)" if line.strip() in "{[" else ""
            raise InputError(path, f"not a JSON object: {err.msg}{hint}", number) from None
        except _RepeatedKey as err:
            raise InputError(path, f"the object names {err.key!r} twice; each key must appear once "
                                   "(which one holds the data?)", number) from None
        except _Surrogate as err:
            raise InputError(path, err.problem, number) from None
        if not isinstance(item, dict):
            raise InputError(path, f"each line must be a JSON object, not {type(item).__name__}", number)
        item["_line"] = number
        rows.append(item)
    return pd.DataFrame(rows), "line", 0


class _RepeatedKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class _Surrogate(ValueError):
    def __init__(self, key: str, value: str, at: int):
        super().__init__(key)
        self.problem = (f"{key} holds {value[at]!r} at character {at + 1}: a lone surrogate (a broken \\u "
                        "escape), not a character; fix or remove it")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object, refusing a key given twice (``json`` would silently keep the last) and a string
    holding a lone surrogate (``"\\udc00"``: valid JSON, but no character, and not writable as UTF-8)."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as err:
                raise _Surrogate(key, value, err.start) from None
        out[key] = value
    return out


def _has_surrogate(item: dict) -> bool:
    try:
        _unique_keys(list(item.items()))
    except _Surrogate:
        return True
    return False


def _refuse_repeated(path: Path, columns: list[str]) -> None:
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise InputError(path, f"column(s) {', '.join(map(repr, repeated))} appear more than once; each column "
                               "must be named once (which one holds the data?)")


# A date, optionally with a time of day and a zone; anything else is refused.
_TIMESTAMP = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
)


def table_date(value, path, where: int, kind: str = "line", tz=None, bounds=None) -> str:
    """An article table's ``date`` cell as the paper's local YYYY-MM-DD.

    Accepts a ``YYYY-MM-DD`` string, an ISO timestamp (``2024-12-01T08:30``,
    ``2024-11-30T16:00:00Z``), a datetime or a date.  A timestamp with a zone
    is converted to the paper's zone ``tz`` (default Asia/Shanghai): a Beijing
    midnight stored in UTC is the previous evening in UTC but the right day
    here.  Garbage after the date, impossible times and dates outside
    ``bounds`` (default :func:`~analysis.corpus.pages.date_range`) are refused, naming the place.

    >>> table_date("2024-11-30T16:00:00Z", "t.csv", 2)
    '2024-12-01'
    >>> table_date("2024-12-01 99:99", "t.csv", 2)
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: t.csv, line 2: date '2024-12-01 99:99' is not a valid date or timestamp ...
    """
    from datetime import date as Date, datetime

    tz = tz or default_settings().zone()
    if _missing(value):
        return parse_iso_date("", path, where, "date", kind=kind, bounds=bounds)
    if isinstance(value, (pd.Timestamp, datetime)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert(tz)
        return check_plausible(stamp.date().isoformat(), path, where, "date", kind, bounds)
    if isinstance(value, Date):
        return check_plausible(value.isoformat(), path, where, "date", kind, bounds)
    if not isinstance(value, str):
        raise InputError(path, f"date {value!r} is a {type(value).__name__}, not a date (YYYY-MM-DD)", where, kind=kind)
    text = value.strip()
    match = _TIMESTAMP.fullmatch(text)
    if not match or not match.group("time"):
        return parse_iso_date(text, path, where, "date", kind=kind, bounds=bounds)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(path, f"date {value!r} is not a valid date or timestamp (YYYY-MM-DD or "
                               "YYYY-MM-DDTHH:MM[:SS][zone])", where, kind=kind) from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(tz)
    return check_plausible(stamp.date().isoformat(), path, where, "date", kind, bounds)


def _text_cell(value, path, where: int, kind: str, column: str) -> str:
    """A text cell: a string or missing; bytes, lists, numbers are refused (not stringified), and so is a
    lone surrogate (a JSON ``\\udc00`` escape: no character, and not writable as UTF-8)."""
    if _missing(value):
        return ""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise InputError(path, f"{column} holds {value[err.start]!r} at character {err.start + 1}: a lone "
                                   "surrogate (a broken \\u escape), not a character; fix or remove it",
                             where, kind=kind) from None
        return value
    shown = type(value).__name__
    if isinstance(value, (bytes, bytearray)):
        shown = "bytes (binary)"
    raise InputError(path, f"{column} is {shown}, not text; store {column} as a string column", where, kind=kind)


def _label_cell(value, path, where: int, kind: str, column: str) -> str:
    """An id or page cell: text, or an integer (page 3, id 17)."""
    if _missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return _text_cell(value, path, where, kind, column)


def read_article_table(path: str | Path, paper: str = "", *, progress: bool = False, settings=None,
                       agencies: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a ready article table (CSV, JSON Lines, JSON array or Parquet) into the articles table.

    Required columns: ``date`` (YYYY-MM-DD, or a timestamp: see
    :func:`table_date`) and ``text`` (a string); optional: ``title``,
    ``page``, ``section``, ``id``, ``paper``.  ``headline`` and
    ``article_id`` are read as ``title`` and ``id`` when those are absent, so
    the ``articles.parquet`` this package writes can be read back.  Text is
    normalised like page text (justification spaces, vertical forms,
    invisible characters), paragraphs kept.  Rows with the same date and
    text as an earlier row are reported (a warning) and kept once.  The
    opening of the text gives ``dateline``, ``date``, ``byline`` and
    ``source_agency`` as for pages (:class:`~analysis.corpus.articles.OpeningRules`
    with ``agencies``, default :func:`read_agencies`); the text is kept whole.
    ``settings`` (:class:`~analysis.settings.Settings`): time zone and date range.

    >>> from analysis.paths import DATA_DIR
    >>> len(read_article_table(DATA_DIR / "no-such.csv"))
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: ...no-such.csv: article table not found
    """
    path = Path(path)
    frame, row_word, first = table_records(path)
    for alias, name in (("headline", "title"), ("article_id", "id")):
        if alias in frame.columns and name not in frame.columns:
            frame = frame.rename(columns={alias: name})
    missing = [c for c in ("date", "text") if c not in frame.columns]
    if missing:
        raise InputError(path, f"article table lacks required column(s) {', '.join(missing)}; "
                               f"found {', '.join(map(str, frame.columns)) or 'none'}")
    settings = settings if settings is not None else default_settings()
    tz, bounds = settings.zone(), settings.date_range()
    rules = OpeningRules(read_agencies() if agencies is None else agencies)
    rows, seen_ids, seen_text = [], {}, {}
    # Column by column into Python values (to_dict("records") steps through Arrow-backed cells one by one).
    columns = {name: frame[name].tolist() for name in frame.columns}
    records = [dict(zip(columns, values)) for values in zip(*columns.values())]
    for k, record in enumerate(progress_bar(records, desc="reading articles", unit="article", enabled=progress)):
        where = int(record.get("_line", k + first))
        date = table_date(record["date"], path, where, row_word, tz, bounds)
        text = _text_cell(record["text"], path, where, row_word, "text")
        body = clean_text(text)
        if not body:
            raise InputError(path, "text is empty" + (" (only invisible characters)" if text.strip() else ""),
                             where, kind=row_word)
        if (date, body) in seen_text:
            log.warning("%s, %s %s: same date and text as %s %s; counted once",
                        path, row_word, where, row_word, seen_text[(date, body)])
            continue
        seen_text[(date, body)] = where
        title = clean_line(_text_cell(record.get("title"), path, where, row_word, "title"))
        given_id = _label_cell(record.get("id"), path, where, row_word, "id").strip()
        if given_id:
            article_id = given_id
        else:
            article_id = hashlib.sha1(f"{date}\x1f{title}\x1f{body}".encode()).hexdigest()[:12]
        if article_id in seen_ids:
            if given_id:
                raise InputError(path, f"id {article_id!r} repeats {row_word} {seen_ids[article_id]}", where, kind=row_word)
            article_id = f"{article_id}-{where}"
        seen_ids[article_id] = where
        paper_value = _text_cell(record.get("paper"), path, where, row_word, "paper").strip()
        opening = rules.read(body, date)
        rows.append({
            "article_id": article_id, "source": path.name,
            "paper": paper_value or paper,
            "issue_date": date, "page": _label_cell(record.get("page"), path, where, row_word, "page"),
            "headline": title, "subheadline": "", "byline": opening.byline, "dateline": opening.dateline,
            "date": opening.date or date, "date_basis": "dateline" if opening.date else "issue",
            "source_agency": opening.source_agency, "text": body, "n_chars": len(body), "headline_line": 0,
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
