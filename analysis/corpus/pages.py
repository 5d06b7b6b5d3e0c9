"""Read and validate a corpus of page texts described by a manifest.

A corpus is a folder of page text files plus a manifest CSV with one row per
page (see ``data/manifest.csv``):

========== ===========================================================
column     meaning
========== ===========================================================
file       page file, relative to the corpus folder (no ``..``)
paper      newspaper name, e.g. 丰台报
issue_date issue date, YYYY-MM-DD
page       page number or label as printed (may be empty)
sha256     SHA-256 of the file's bytes (checked on every read)
source     where the page comes from (optional)
extraction how the text was extracted (optional)
notes      anything a reader should know, e.g. how the date was inferred
encoding   optional: the file's encoding when it is not UTF-8
========== ===========================================================

Every problem is reported as an :class:`~analysis.errors.InputError` naming
the file and the manifest line.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path

from analysis.errors import InputError
from analysis.io import atomic_path, has_private_use, read_csv_records
from analysis.settings import ENVIRONMENT, default_settings
from .clean import IDEOGRAPH_RE, scrub_invisible
from analysis.io import OutputError

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("file", "paper", "issue_date", "page", "sha256")
OPTIONAL_COLUMNS = ("source", "extraction", "notes", "encoding")
PAGE_SUFFIXES = (".txt",)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

def date_range(settings=None) -> tuple[str, str]:
    """The plausible range of issue and article dates, ``(first, last)`` as YYYY-MM-DD.

    Default 1900-01-01 to one year after today (:class:`analysis.settings.Settings`
    moves either end).  A date outside it is a typo (``0001``, ``2204``) or a
    broken export, never a newspaper issue.

    >>> date_range()[0]
    '1900-01-01'
    """
    return (settings if settings is not None else default_settings()).date_range()


def check_plausible(value: str, path, line: int, column: str, kind: str = "line", bounds=None) -> str:
    """Refuse an ISO date outside ``bounds`` (default :func:`date_range`), naming the place."""
    first, last = bounds or date_range()
    if not first <= value <= last:
        raise InputError(path, f"{column} {value} lies outside the plausible range {first} to {last} "
                               f"(set ${ENVIRONMENT['date_min']}/${ENVIRONMENT['date_max']} to change it)",
                         line, kind=kind)
    return value


@dataclass(frozen=True)
class Page:
    """One validated, decoded page."""

    file: str  # as written in the manifest
    path: Path
    paper: str
    issue_date: str
    page: str
    sha256: str
    encoding: str
    text: str
    manifest_line: int


def parse_iso_date(value: str, path, line: int, column: str, kind: str = "line", bounds=None) -> str:
    """Validate a YYYY-MM-DD date within :func:`date_range`, raising an InputError that names the place."""
    value = str(value).strip()
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        parsed = Date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(path, f"{column} {value!r} is not a date of the form YYYY-MM-DD", line, kind=kind) from None
    return check_plausible(parsed, path, line, column, kind, bounds)


def read_manifest(manifest: str | Path) -> list[dict]:
    """Read a manifest CSV into a list of row dicts, each with its ``_line`` number."""
    manifest = Path(manifest)
    if not manifest.is_file():
        raise InputError(manifest, "manifest file not found")
    # One line per page: a quoted field running over lines is an unclosed quote.
    _, records = read_csv_records(manifest, what="manifest", required=REQUIRED_COLUMNS)
    rows = []
    for record in records:
        clean = dict(record.fields)
        clean["_line"] = record.line
        rows.append(clean)
    if not rows:
        raise InputError(manifest, "manifest lists no pages")
    return rows


def decode_page(raw: bytes, path: Path, encoding: str = "") -> tuple[str, str]:
    """Decode a page's bytes; return ``(text, encoding used)``.

    UTF-8 (with or without a byte-order mark) is tried first, then GB18030 (a
    superset of GBK and GB2312), which is accepted only if the result reads as
    Chinese text.  An encoding named in the manifest is used strictly.
    """
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as err:
            line = raw[: getattr(err, "start", 0)].count(b"\n") + 1
            raise InputError(path, f"cannot be decoded as {encoding} (the manifest's encoding): {err}", line) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            line = raw[: err.start + 3].count(b"\n") + 1
            raise InputError(path, "has a UTF-8 byte-order mark but is not valid UTF-8", line) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        line = raw[: utf8_error.start].count(b"\n") + 1
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError(path, "is neither UTF-8 nor GB18030/GBK text (first bad byte here)", line) from None
        if has_private_use(text):
            try:
                raw.decode("big5")
            except UnicodeDecodeError:
                big5 = False
            else:
                big5 = True
            hint = ("; it decodes cleanly as Big5 (Traditional Chinese): if it is, put big5 in the manifest's "
                    "encoding column" if big5 else "; name its encoding in the manifest's encoding column")
            raise InputError(path, "is not UTF-8 (first bad byte here), and read as GB18030 it holds private-use "
                                   "characters, so it is not GB18030/GBK either" + hint, line) from None
        visible = [ch for ch in text if not ch.isspace()]
        if not visible or len(IDEOGRAPH_RE.findall(text)) / len(visible) < 0.3:
            raise InputError(
                path, "is not UTF-8 (first bad byte here), and read as GB18030 it is not Chinese text; "
                "name its encoding in the manifest's encoding column", line) from None
        log.warning("%s: not UTF-8; decoded as GB18030 (GBK-compatible)", path)
        return text, "gb18030"


def page_stem(file: str) -> str:
    """The part of a page's article ids before ``-nn``: its path without the suffix, ``/`` as ``_``.

    >>> page_stem("2024/03-01_p1.txt")
    '2024_03-01_p1'
    """
    return Path(file).with_suffix("").as_posix().replace("/", "_")


def _resolve(corpus: Path, name: str, manifest: Path, line: int) -> Path:
    if not name:
        raise InputError(manifest, "file is empty", line)
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise InputError(manifest, f"file {name!r} lies outside the corpus folder {corpus}", line)
    path = (corpus / candidate).resolve()
    if not path.is_relative_to(corpus.resolve()):
        raise InputError(manifest, f"file {name!r} lies outside the corpus folder {corpus}", line)
    return path


def read_pages(corpus: str | Path, manifest: str | Path | None = None, *, bounds=None) -> list[Page]:
    """Read, check and decode every page of a corpus, in manifest order.

    ``manifest`` defaults to ``<corpus>/manifest.csv``.  Checks: every row's
    file exists inside the corpus folder and is listed once; every ``.txt``
    file of the folder is in the manifest; checksums match; dates parse; no
    page is empty; issue dates lie within ``bounds`` (default :func:`date_range`).

    >>> from analysis.paths import RAW_DIR, SAMPLE_MANIFEST
    >>> [p.issue_date for p in read_pages(RAW_DIR, SAMPLE_MANIFEST)]
    ['2025-02-13', '2024-12-01']
    """
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise InputError(corpus, "corpus folder not found")
    manifest = Path(manifest) if manifest else corpus / "manifest.csv"
    rows = read_manifest(manifest)
    pages: list[Page] = []
    seen: dict[Path, int] = {}
    seen_digest: dict[str, tuple[int, str]] = {}
    stems: dict[str, tuple[int, str]] = {}
    for row in rows:
        line = row["_line"]
        path = _resolve(corpus, row["file"], manifest, line)
        if path in seen:
            raise InputError(manifest, f"file {row['file']!r} is listed twice (also on line {seen[path]})", line)
        seen[path] = line
        stem = page_stem(row["file"])
        if stem in stems:
            other_line, other = stems[stem]
            raise InputError(manifest, f"files {other!r} (line {other_line}) and {row['file']!r} would give their "
                                       f"articles the same ids ({stem}-01, …); rename one of them", line)
        stems[stem] = (line, row["file"])
        if not path.is_file():
            raise InputError(manifest, f"file {row['file']!r} not found in {corpus}", line)
        issue_date = parse_iso_date(row["issue_date"], manifest, line, "issue_date", bounds=bounds)
        paper = row["paper"]
        if not paper:
            raise InputError(manifest, "paper is empty", line)
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        expected = row["sha256"].lower()
        if not expected:
            raise InputError(manifest, f"sha256 is empty for {row['file']!r} (its checksum is {digest})", line)
        if digest != expected:
            raise InputError(manifest, f"checksum mismatch for {row['file']!r}: manifest says {expected}, file has {digest}", line)
        if digest in seen_digest:
            other_line, other_file = seen_digest[digest]
            log.warning("%s, line %s: page %r has the same bytes as %r (line %s); counted once",
                        manifest, line, row["file"], other_file, other_line)
            continue
        seen_digest[digest] = (line, row["file"])
        text, encoding = decode_page(raw, path, row.get("encoding", ""))
        # Zero-width characters and NULs are invisible in every viewer but split
        # words and reach the CSV files; they carry no text.
        text = scrub_invisible(text)
        if not text.strip():
            raise InputError(path, "page is empty (no visible text)")
        pages.append(Page(row["file"], path, paper, issue_date, row["page"], digest, encoding, text, line))
    unlisted = sorted(
        p.relative_to(corpus.resolve()).as_posix()
        for p in corpus.resolve().rglob("*")
        if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES and p not in seen
    )
    if unlisted:
        raise InputError(corpus, f"page file(s) not in the manifest {manifest}: {', '.join(unlisted)}")
    return pages


_NAME_DATE = re.compile(r"(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})")


def write_manifest_template(folder: str | Path, paper: str, *, force: bool = False) -> tuple[Path, int]:
    """Write ``folder/manifest.csv`` listing every page file with its checksum.

    The issue date is taken from the file name when it holds one
    (``2024-03-01_p1.txt``, ``20240301.txt``), else left empty for the user to
    fill in.  Returns the manifest path and the number of rows without a date.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "corpus folder not found")
    target = folder / "manifest.csv"
    if target.exists() and not force:

        raise OutputError(target, "exists; pass --force to overwrite it")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
    if not files:
        raise InputError(folder, "no page .txt files found")
    rows, undated = [], 0
    for path in files:
        match = _NAME_DATE.search(path.stem)
        issue_date = ""
        if match:
            try:
                issue_date = Date(*map(int, match.groups())).isoformat()
            except ValueError:
                issue_date = ""
        undated += not issue_date
        rows.append({"file": path.relative_to(folder).as_posix(), "paper": paper, "issue_date": issue_date,
                     "page": "", "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "source": "",
                     "extraction": "", "notes": ""})

    with atomic_path(target) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return target, undated
