"""Reading data files strictly, and atomic writes for derived files.

A derived file is written to a temporary file in the same folder and moved
into place with :func:`os.replace`, so a reader never sees half a file and a
crash leaves the previous version intact.
"""
from __future__ import annotations

import csv
import glob
import hashlib
import io
import logging
import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd

from .errors import InputError

log = logging.getLogger(__name__)


def decode_utf8(raw: bytes, path: str | Path, error: type[InputError] = InputError) -> str:
    """Decode a data file's bytes as UTF-8 (a leading byte-order mark is dropped).

    Anything else raises ``error`` naming the file, the line of the first bad
    byte and the byte itself, since a spreadsheet's "save as CSV" often
    produces GBK or Latin-1 without saying so.

    >>> decode_utf8("王少峰".encode(), "names.csv")
    '王少峰'
    """
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line) from None


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` on success.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "example.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_parquet(frame, path: str | Path) -> Path:
    """Write ``frame`` (a DataFrame, or an Arrow table) to Parquet atomically (no index)."""
    with atomic_path(path) as tmp:
        if isinstance(frame, pd.DataFrame):
            frame.to_parquet(tmp, index=False)
        else:
            import pyarrow.parquet as pq

            pq.write_table(frame, tmp)
    return Path(path)


#: The byte-order mark that opens every CSV the project writes.
UTF8_BOM = b"\xef\xbb\xbf"


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    r"""Write ``frame`` to UTF-8 CSV atomically (no index).

    UTF-8 with a byte-order mark, so that spreadsheet programs show the Chinese
    text instead of mojibake; pandas and Python's csv module read it back with
    ``encoding="utf-8-sig"``.  Arrow's CSV writer does it (about ten times
    faster than ``DataFrame.to_csv`` on the term tables): every text cell and
    the header quoted, booleans ``true``/``false``, floats as their shortest
    round-trip form, a missing value an empty cell.  A frame Arrow cannot
    write (a column of lists, of mixed types) is written by pandas.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = write_csv(pd.DataFrame({"term": ["两新", None], "n": [3, 4], "key": [True, False]}), path)
    >>> path.read_bytes()[3:].decode()
    '"term","n","key"\n"两新",3,true\n,4,false\n'
    >>> pd.read_csv(path, encoding="utf-8-sig").to_dict("list")
    {'term': ['两新', nan], 'n': [3, 4], 'key': [True, False]}
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        table = None
    with atomic_path(path) as tmp:
        if table is None or any(pa.types.is_nested(field.type) for field in table.schema):
            frame.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        else:
            with open(tmp, "wb") as out:
                out.write(UTF8_BOM)
                pacsv.write_csv(table, out, pacsv.WriteOptions(quoting_style="needed"))
    return Path(path)


def row_records(frame: pd.DataFrame) -> list[dict]:
    """``frame.to_dict("records")``, column by column: the same dicts in a third of the time on
    Arrow-backed text columns, which ``to_dict`` steps through one cell at a time.

    >>> row_records(pd.DataFrame({"a": pd.array(["x", None], dtype="string[pyarrow]"), "n": [1, 2]}))
    [{'a': 'x', 'n': 1}, {'a': None, 'n': 2}]
    """
    names = list(frame.columns)
    if not names:
        return [{} for _ in range(len(frame))]
    columns = []
    for name in names:
        column = frame[name]
        values = column.tolist()
        if isinstance(column.dtype, pd.api.extensions.ExtensionDtype) and column.hasnans:
            values = [None if value is pd.NA else value for value in values]
        columns.append(values)
    return [dict(zip(names, row)) for row in zip(*columns)]


def write_text(text: str, path: str | Path) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


# --------------------------------------------------------------------------- strict reading

#: Leading bytes of file formats people save under a ``.csv`` name by mistake.
_MAGIC = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"%PDF", "a PDF document"),
)

# Private-use code points: what a wrong legacy decoding (Big5 read as GB18030) produces.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")


def sniff_format(raw: bytes) -> str | None:
    """Name the binary format of ``raw`` when its magic bytes give one away, else None.

    >>> sniff_format(b"PK\\x03\\x04...")
    'an Excel workbook (.xlsx) or another zip archive'
    >>> sniff_format("日期,正文".encode()) is None
    True
    """
    for magic, name in _MAGIC:
        if raw.startswith(magic):
            return name
    return None


def guess_legacy_encoding(raw: bytes) -> str | None:
    """The Chinese legacy encoding(s) ``raw`` decodes cleanly in, or None.

    GB18030 accepts almost any byte sequence, so a result with private-use
    characters (Big5 or garbage read as GB18030) does not count.  Short
    texts are often valid in both.

    >>> guess_legacy_encoding("中华人民共和国".encode("gbk"))
    'GB18030/GBK'
    >>> guess_legacy_encoding("臺灣報紙新聞標題".encode("big5"))
    'Big5'
    """
    found = []
    for codec, name in (("gb18030", "GB18030/GBK"), ("big5", "Big5")):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if not _PRIVATE_USE.search(text):
            found.append(name)
    return " or ".join(found) or None


def has_private_use(text: str) -> bool:
    """True when ``text`` holds a private-use character (a sign of a wrong decoding)."""
    return _PRIVATE_USE.search(text) is not None


def decode_data_file(raw: bytes, path: str | Path, error: type[InputError] = InputError,
                     what: str = "data file") -> str:
    """Decode a UTF-8 text data file, naming what the file is when it is not that.

    Excel workbooks and other binary files are recognised by their first
    bytes; GBK or Big5 text is named, so the user knows to re-save it as
    UTF-8 rather than guessing from a codec message.

    >>> decode_data_file("a,b\\n".encode(), "x.csv")
    'a,b\\n'
    """
    kind = sniff_format(raw)
    if kind:
        raise error(path, f"is {kind}, not a UTF-8 text {what}; export it as CSV (UTF-8)")
    try:
        return decode_utf8(raw, path, error)
    except InputError as err:
        legacy = guess_legacy_encoding(raw.removeprefix(b"\xef\xbb\xbf"))
        if legacy:
            raise error(path, f"{err.problem}; it reads as {legacy} text", err.line) from None
        raise


@dataclass
class CsvRecord:
    """One data record of a CSV file: its fields by column, its number and physical line."""

    number: int  # 1 = first record after the header
    line: int  # physical line where the record starts (header = line 1)
    fields: dict


def read_csv_records(path: str | Path, *, what: str = "CSV file", required: Sequence[str] = (),
                     exact: Sequence[str] | None = None, multiline: bool = False,
                     error: type[InputError] = InputError, raw: bytes | None = None
                     ) -> tuple[list[str], list[CsvRecord]]:
    """Read a CSV file strictly; return its header and its non-blank records.

    Every problem raises ``error`` naming the file and the physical line:

    * a missing file, an empty file, a binary file (Excel, Parquet …) or
      non-UTF-8 text (GBK and Big5 are named);
    * a header without the ``required`` columns (or not exactly ``exact``), or naming a column twice
      (``date,text,text``: which one is the text?);
    * an unclosed quote (the line where the quoted field opens), and, unless
      ``multiline``, a quoted field spanning lines, which in a one-line-per-row
      file is an unclosed quote swallowing the rows after it;
    * a row with more or fewer fields than the header.

    Fields are stripped of surrounding spaces; ``line`` is the physical line
    where each record starts, so multi-line cells do not shift later lines.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write('word,source\\n"a\\n')
    >>> read_csv_records(f.name, what="word list")
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: ..., line 2: unclosed quote: the quoted field opened on this line never ends
    >>> os.unlink(f.name)
    """
    path = Path(path)
    if raw is None:
        if not path.is_file():
            raise error(path, f"{what} not found" if path.exists() is False else f"{what} is not a file")
        raw = path.read_bytes()
    text = decode_data_file(raw, path, error, what)
    if not text.strip():
        expected = ",".join(exact or required)
        raise error(path, f"{what} is empty" + (f"; expected a header line {expected!r}" if expected else ""), 1)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise error(path, f"holds a NUL byte: not a text {what}", line)
    lines = io.StringIO(text, newline="").readlines()
    # Physical line where each record starts: the reader's line count before it.
    reader = csv.reader(iter(lines), strict=True)
    old_limit = csv.field_size_limit()
    # A field may legitimately be long (an article); the real check is the
    # closing quote, reported below with the line where the field opened.
    csv.field_size_limit(max(old_limit, len(text) + 1))
    header: list[str] | None = None
    records: list[CsvRecord] = []
    try:
        start = 1
        while True:
            # A record spanning lines ended its first line inside quotes, so the
            # quote to blame is on the line where the record starts.
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                message = str(exc)
                if "unexpected end of data" in message or "EOF" in message:
                    raise error(path, "unclosed quote: the quoted field opened on this line never ends",
                                start) from None
                if reader.line_num > start:
                    raise error(path, f"unclosed quote? the quoted field opened on this line runs on to line "
                                      f"{reader.line_num}, where the CSV breaks ({message})",
                                start) from None
                raise error(path, f"stray quote: text follows a closing quote inside a field ({message}); "
                                  "quote the whole field and double quotes inside it", start) from None
            if not multiline and reader.line_num > start:
                raise error(path, "a quoted field runs over several lines (an unclosed quote?); "
                                  f"fields of a {what} are one line each", start)
            if header is None:
                header = [c.strip() for c in row]
                repeated = sorted({c for c in header if header.count(c) > 1})
                if repeated:
                    shown = ", ".join(f"{c!r} ({header.count(c)} times)" if c else
                                      f"an empty name ({header.count(c)} times: trailing commas?)" for c in repeated)
                    raise error(path, f"header repeats column(s) {shown}; each column must be named once "
                                      "(which one holds the data?)", 1)
                if exact is not None and header != list(exact):
                    raise error(path, f"header must be {','.join(exact)!r}, found {','.join(row)!r}", 1)
                missing = [c for c in required if c not in header]
                if missing:
                    raise error(path, f"header lacks column(s) {', '.join(missing)}; "
                                      f"found {', '.join(header) or 'none'}", 1)
                continue
            if not row or all(not field.strip() for field in row):
                continue
            if len(row) != len(header):
                raise error(path, f"expected {len(header)} fields ({','.join(header)}), found {len(row)}", start)
            records.append(CsvRecord(len(records) + 1, start,
                                     {k: v.strip() for k, v in zip(header, row)}))
    finally:
        csv.field_size_limit(old_limit)
    if header is None:
        raise error(path, f"{what} is empty", 1)
    return header, records


# --------------------------------------------------------------------------- output folders

def read_csv_frame(path: str | Path, *, what: str = "CSV file", required: Sequence[str] = (),
                   multiline: bool = False) -> pd.DataFrame:
    """:func:`read_csv_records` as a DataFrame of strings, plus ``_line`` (physical line of each record).

    Every problem (encoding, quotes, field counts, missing columns) names the
    file and line, like :func:`read_csv_records`.
    """
    header, records = read_csv_records(path, what=what, required=required, multiline=multiline)
    frame = pd.DataFrame([r.fields for r in records], columns=header, dtype=object).fillna("")
    frame["_line"] = [r.line for r in records]
    return frame


#: Characters that are wildcards in the file patterns DuckDB reads (``read_parquet('…/*/*.parquet')``).
GLOB_CHARACTERS = "[]*?"


def glob_escape(path: str | Path) -> str:
    """``path`` with DuckDB's glob wildcards taken literally (``[`` → ``[[]``), for a pattern under it.

    >>> glob_escape("/data/out[1]/x*")
    '/data/out[[]1[]]/x[*]'
    """
    return "".join(f"[{c}]" if c in GLOB_CHARACTERS else c for c in str(path))


class OutputError(InputError):
    """The output folder cannot be used or written (names the folder)."""


class FolderBusy(OutputError):
    """Another build is writing the output folder now (it holds the folder's lock)."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _rename_exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    func = getattr(libc, "renameat2", None)
    if func is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if func(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    return False


class OutputFolder:
    """A build's output folder, replaced as a whole or not at all.

    ``with OutputFolder(out) as staging:`` checks ``out`` (not a file, not
    under a file, writable), takes a lock beside it (a second build into the
    same folder fails at once with :class:`OutputError`), removes what dead
    builds left, and yields a fresh sibling folder ``.<out>.tmp-<pid>-…`` to
    write into.  On success the staging folder replaces ``out`` in one atomic
    rename (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, with
    recovery on the next run); on any failure, Ctrl-C included, it is deleted
    and ``out`` is untouched.  Readers keep using ``out/<table>.parquet``.

    A non-empty ``out`` holding anything a build does not write (a
    subfolder, a ``.txt``) is refused rather than replaced.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "tables"
    >>> with OutputFolder(out) as staging:
    ...     _ = (staging / "a.csv").write_text("x\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['a.csv']
    """

    OUTPUT_SUFFIXES = (".csv", ".parquet", ".json")
    #: Subfolders a build writes (the per-article dataset, :data:`analysis.build.DATASET`).
    OUTPUT_FOLDERS = ("perarticle",)

    def __init__(self, out: str | Path):
        # realpath: a symlinked --out is replaced at its target (a rename would swap the link itself).
        self.out = Path(os.path.realpath(Path(out).expanduser()))
        self.parent = self.out.parent
        self.lock_path = self.parent / f".{self.out.name}.lock"
        self.staging: Path | None = None
        self._lock_fd: int | None = None

    # -- checks
    def check(self) -> None:
        """Raise OutputError unless ``out`` can be created or replaced."""
        out = self.out
        if out == out.parent:
            raise OutputError(out, "--out cannot be the root of the file system")
        if out.exists() and not out.is_dir():
            raise OutputError(out, "--out names a file, not a folder")
        ancestor = out.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise OutputError(out, f"--out lies under {ancestor}, which is a file")
        wild = sorted(set(str(out)) & set(GLOB_CHARACTERS))
        if wild:
            # The aggregation reads the per-article dataset with DuckDB by file pattern
            # (analysis.aggregate.dataset.dataset_sql), where these are wildcards.
            raise OutputError(out, f"--out's path holds {' '.join(wild)}, which the query engine reads as "
                                   "wildcards in file patterns; choose a folder whose path has none of [ ] * ?")
        if out.is_dir():
            # Orphaned ``.<table>.*.tmp`` files of older versions are removed, not refused.
            foreign = sorted(p.name for p in out.iterdir()
                             if (p.is_dir() and p.name not in self.OUTPUT_FOLDERS)
                             or (not p.is_dir() and p.suffix not in self.OUTPUT_SUFFIXES
                                               and not (p.name.startswith(".") and p.suffix == ".tmp")))
            if foreign:
                shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
                raise OutputError(out, f"--out holds files a build does not write ({shown}); a build "
                                       "replaces the whole folder, so give an empty or new folder")

    def __enter__(self) -> Path:
        self.check()
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
            self._lock()
            self._clean_stale()
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-{os.getpid()}-", dir=self.parent))
        except OutputError:
            self._unlock()
            raise
        except OSError as exc:
            self._unlock()
            raise OutputError(self.out, f"cannot write beside the output folder: {exc.strerror or exc}") from None
        return self.staging

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                try:
                    self._publish()
                except OSError as err:
                    raise OutputError(self.out, f"cannot replace the output folder ({err.strerror or err}); "
                                                "its previous tables are unchanged") from None
        finally:
            if self.staging is not None and self.staging.exists():
                shutil.rmtree(self.staging, ignore_errors=True)
            self._unlock()

    # -- lock
    def _lock(self) -> None:
        import fcntl

        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
                finally:
                    os.close(fd)
                raise FolderBusy(self.out, f"another build (pid {holder}) is writing this folder; "
                                           f"wait for it to finish (lock file {self.lock_path})") from None
            # The holder before us may have unlinked the file after we opened it:
            # then our lock is on a dead inode and we start again.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._lock_fd = fd
                return
            os.close(fd)

    def wait(self) -> None:
        """Return once no build holds this folder's lock (at once when none does)."""
        import fcntl

        try:
            fd = os.open(self.lock_path, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # blocks until the writer lets go (or dies)
        finally:
            os.close(fd)

    def _unlock(self) -> None:
        if self._lock_fd is None:
            return
        try:
            self.lock_path.unlink(missing_ok=True)
        finally:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- stale leftovers
    def _clean_stale(self) -> None:
        """Remove what killed builds left: staging folders, and finish a half swap."""
        name = self.out.name
        olds = sorted(self.parent.glob(f".{glob.escape(name)}.old-*"))
        if olds and not self.out.exists():
            # Killed between the two renames of the fallback swap: put the old tables back.
            os.rename(olds[-1], self.out)
            log.warning("%s: restored the previous tables after an interrupted build", self.out)
            olds = olds[:-1]
        for leftover in [*self.parent.glob(f".{glob.escape(name)}.tmp-*"), *olds]:
            match = re.match(rf"\.{re.escape(name)}\.(?:tmp|old)-(\d+)-", leftover.name)
            pid = int(match.group(1)) if match else None
            # We hold the lock, so no living build owns these; the pid check only
            # guards against a build of an older version that took no lock.
            if pid is not None and pid != os.getpid() and _pid_alive(pid) and leftover.name.startswith(f".{name}.tmp-"):
                continue
            log.warning("%s: removing %s left by an interrupted build (pid %s)", self.out, leftover.name, pid)
            shutil.rmtree(leftover, ignore_errors=True)
        # Temporary files of the per-file atomic writes of older versions.
        if self.out.is_dir():
            for orphan in self.out.glob(".*.tmp"):
                orphan.unlink(missing_ok=True)

    # -- publish
    def _publish(self) -> None:
        staging = self.staging
        os.chmod(staging, 0o777 & ~_umask())
        if not self.out.exists():
            os.rename(staging, self.out)
            return
        if _rename_exchange(staging, self.out):
            # ``staging`` now holds the previous tables.
            shutil.rmtree(staging, ignore_errors=True)
            return
        old = self.parent / f".{self.out.name}.old-{os.getpid()}-{os.urandom(4).hex()}"
        os.rename(self.out, old)
        try:
            os.rename(staging, self.out)
        except OSError:
            os.rename(old, self.out)  # put the previous tables back
            raise
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
