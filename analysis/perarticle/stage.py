"""The per-article stage of the build: one pass per article, cached by content, on all cores.

Everything the book derives from one article alone is computed here, once:
the outputs declared in :mod:`analysis.perarticle.kinds` (tokens, term
counts, n-grams, formulation quotes, leader mentions; and, in a second pass
with the corpus's set of formulations, their occurrences).  Each output of
each article has a cache key covering exactly what it depends on (its
fields of the article, the corpus facts and code it reads, the outputs it
uses: :func:`stage_keys`), so an edited article re-runs that article only, a
changed registry re-runs mention extraction only, and a changed stopword
list re-counts without re-segmenting.

The cache is one SQLite file in the build folder
(``_build/cache/perarticle/perarticle.sqlite``): each chunk's results are
committed in one transaction (a crash leaves the previous state), each value
carries a checksum that is verified on read (a corrupt entry is discarded
with one warning and recomputed; an unreadable file is set aside the same
way).  Misses are computed in worker processes (``workers``; default all
cores) or on a Dask cluster (``scheduler``, see :mod:`analysis.perarticle.distributed`);
the parent alone writes the cache and puts the results back in article
order, so the output does not depend on the number of workers.  Workers
receive the :class:`~analysis.corpus.folder.Corpus` (its paths and
settings) and keep one copy of it per process (:func:`resident`), so its
segmenter and matcher are made once per worker.

>>> from analysis.corpus import Corpus, load_articles
>>> stage = run_stage(load_articles(), Corpus.sample(), workers=1)
>>> list(stage.tokens.columns), len(stage.tokens) == len(load_articles())
(['article_id', 'tokens'], True)
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import sqlite3
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import pandas as pd

from analysis.corpus.field_lines import FIELDS
from analysis.corpus.folder import Corpus
from analysis.errors import WorkerLost
from analysis.io import row_records
from analysis.tokens import get_segmenter
from .chunk import code_digest, compute_chunk, records_of, resident
from .formulations import OCCURRENCE_COLUMNS, corpus_formulations, formulation_expansions
from .kinds import KINDS, decode_json, jsonable, kind_digest
from .mentions import HIT_COLUMNS, MENTION_COLUMNS, mentions_frame

log = logging.getLogger(__name__)

#: The outputs of the first pass (every kind without a corpus-wide context).
FIRST_PASS = tuple(name for name, kind in KINDS.items() if not kind.context)


# --------------------------------------------------------------------------- keys


def _h(*parts: str) -> str:
    """SHA-256 of the parts, each followed by a NUL byte (one encode and one update: the stage hashes a
    few parts per output per article, and a loop of updates cost it a second per 24,000 articles)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8") + b"\0").hexdigest()


def _field_text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


class _Pages:
    """SHA-256 of each raw page of the corpus, read once per run (what the headline lines come from)."""

    def __init__(self, corpus: Corpus):
        self.folder = corpus.pages_dir if corpus.kind == "pages" else None
        self.found: dict[str, str] = {}

    def __call__(self, source) -> str:
        source = _field_text(source)
        if self.folder is None or not source:
            return ""
        if source not in self.found:
            path = Path(self.folder) / source
            self.found[source] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
        return self.found[source]


def _kind_digests(corpus: Corpus, kinds: Sequence[str], backend: str) -> dict[str, str]:
    """Per kind: its code, facts, libraries and backend (:func:`~analysis.perarticle.kinds.kind_digest`)
    and the code every value passes through (:mod:`analysis.perarticle.chunk`)."""
    chunk = code_digest()
    return {name: _h(kind_digest(KINDS[name], corpus, backend), chunk) for name in kinds}


def stage_keys(records: Iterable[dict], corpus: Corpus, kinds: Sequence[str] = FIRST_PASS, *,
               context: dict | None = None, backend: str = "auto",
               digests: dict[str, str] | None = None, given: Sequence[tuple[dict, dict]] | None = None,
               contents_out: list | None = None) -> list[dict[str, str]]:
    """The cache key of each output ``kinds`` of each article (rows of the articles table as dicts).

    A key covers what its :class:`~analysis.perarticle.kinds.Kind` declares:
    the article's fields (or whole row), the facts' bytes and the code
    (:func:`~analysis.perarticle.kinds.kind_digest`), the raw page, the keys
    of the outputs it uses and the digest of its ``context``; and the code
    every value passes through on its way to the cache (:mod:`analysis.perarticle.chunk`).
    ``digests``: the per-kind digests of ``kinds`` (:func:`_kind_digests`), made once by a caller that
    keys many batches (making them stats and hashes the kinds' code: 0.04 s a call).  ``given``: per
    record, ``(contents, keys)`` an earlier call made for it (:func:`carried_keys`): those content digests
    and keys are taken as they are, not hashed again (the second pass's whole row and bounds, keyed in the
    first).  ``contents_out``: a list that receives each record's content digests, ``{fields: digest}``.

    >>> corpus = Corpus.sample()
    >>> k1 = stage_keys([{"article_id": "a", "text": "丰台区"}], corpus)[0]
    >>> k2 = stage_keys([{"article_id": "b", "text": "丰台区"}], corpus)[0]
    >>> k1["tokens"] == k2["tokens"], k1["mentions"] == k2["mentions"]
    (True, False)
    """
    if digests is None:
        backend = get_segmenter(corpus, backend).backend
        digests = _kind_digests(corpus, kinds, backend)
    context = context or {}
    context_digest = {name: _h(*(json.dumps(context[c], ensure_ascii=False, sort_keys=True)
                                 for c in KINDS[name].context)) for name in kinds}
    pages = _Pages(corpus)
    out = []
    for r, record in enumerate(records):
        # Each distinct content a kind reads (the whole row, the text, some fields) is hashed once per
        # article, and the kinds' keys are hashes of those digests: the text is read once, not once a kind.
        contents: dict[tuple[str, ...] | None, str]
        keys: dict[str, str]
        contents, keys = (dict(given[r][0]), dict(given[r][1])) if given is not None else ({}, {})
        for name in kinds:
            if name in keys:
                continue
            kind = KINDS[name]
            if kind.fields not in contents:
                if kind.fields != ("text",) and isinstance(record.get("text"), str) and ("text",) not in contents:
                    contents[("text",)] = _h(record["text"])
                contents[kind.fields] = _h(_content(record, kind.fields, contents.get(("text",))))
            used = [keys[u] if u in keys else stage_keys([record], corpus, (u,), context=context)[0][u]
                    for u in kind.uses]
            page = pages(record.get("source")) if kind.page else ""
            keys[name] = _h(name, digests[name], contents[kind.fields], page, *used, context_digest[name])
        out.append({name: keys[name] for name in kinds})
        if contents_out is not None:
            contents_out.append(contents)
    return out


def carried_keys(stage: "StageResult", kinds: Sequence[str]) -> dict | None:
    """What a later pass over ``kinds`` can take from the first pass instead of hashing again, column by
    column: ``{"contents": {fields: [digest per article]}, "keys": {kind: [key per article]}}``: the
    content digests those kinds read and the keys of the kinds they use (None when the stage kept neither).
    The second pass hashed every whole row and its bounds again: 0.6 s of a build of the development
    corpus.  Lists of strings, not a dict per article: 44 MB for 192,000 articles, not 100."""
    if stage.keys is None or stage.contents is None:
        return None
    fields = {KINDS[k].fields for k in kinds}
    used = {u for k in kinds for u in KINDS[k].uses}
    contents = {f: stage.contents[f] for f in fields if f in stage.contents}
    keys = {u: [k.get(u) for k in stage.keys] for u in used}
    return {"contents": {f: v for f, v in contents.items() if None not in v},
            "keys": {u: v for u, v in keys.items() if None not in v}}


def _given(carried: dict | None, batch: range) -> list[tuple[dict, dict]] | None:
    """:func:`stage_keys`'s ``given`` for the articles of ``batch`` from :func:`carried_keys`'s columns."""
    if not carried or not (carried["contents"] or carried["keys"]):
        return None
    contents, keys = carried["contents"], carried["keys"]
    return [({f: v[i] for f, v in contents.items()}, {u: v[i] for u, v in keys.items()}) for i in batch]


_JSON_PLAIN = (str, int, bool, type(None))


def _content(record: dict, fields: tuple[str, ...] | None, text_digest: str | None = None) -> str:
    """What of ``record`` a kind reading ``fields`` depends on, as one string (None: the whole row).

    Beside other fields, a text is written as its digest (``text_digest``: the ``("text",)`` content's,
    given by :func:`stage_keys`, which hashes each text once): writing every text into the JSON of its
    row and of its three fields, and hashing it there again, was half the time of keying a batch.

    >>> _content({"text": "丰台", "headline": "标题"}, ("headline", "subheadline", "text"), "d1")
    '["标题", null, {"sha256": "d1"}]'
    """
    text = record.get("text")
    if fields == ("text",):
        return _field_text(text)
    shown = {"sha256": text_digest} if text_digest is not None and isinstance(text, str) else None
    if fields is None:
        # Only values JSON cannot write as they are go through jsonable (most are strings: 0.6 -> 0.35 s a pass).
        row = {k: v if type(v) in _JSON_PLAIN else jsonable(v) for k, v in record.items()}
        if shown is not None:
            row["text"] = shown
        return json.dumps(row, ensure_ascii=False, sort_keys=True)
    return json.dumps([shown if f == "text" and shown is not None else
                       _field_text(record.get(f)) if isinstance(record.get(f), str) else None for f in fields],
                      ensure_ascii=False)


# --------------------------------------------------------------------------- the cache


class CacheUnusable(Exception):
    """The cache file cannot be opened or written now (full or read-only disk, held locked too long)."""


class ArticleCache:
    """Per-article results in one SQLite file, keyed by content, checksummed, bounded.

    Every entry belongs to a *generation*: one kind computed with one set of
    code and facts (:func:`generation_digests`).  Each run records which
    generations it used for which corpus (:meth:`use`), and :meth:`evict`
    removes, at the end of every run,

    * the generations a corpus has superseded (it has used a newer one of the
      same kind since) once they have not been used for ``keep_days``
      (:attr:`~analysis.settings.Settings.cache_keep_days`): two corpora
      sharing the folder never evict each other's entries, and going back to
      yesterday's stopword list finds its entries still there;
    * when the file is larger than ``max_mb``, the least recently used
      generations (never those of the running build) until it fits.

    ``python -m analysis cache --prune`` does the same on demand, and reports
    what it removed.  A cache that cannot be written (a full or read-only
    disk) is said once and then left alone for the run; one that cannot be
    read (corrupt) is set aside once and started anew.

    >>> import tempfile
    >>> c = ArticleCache(tempfile.mkdtemp())
    >>> c.put_many("tokens", [("k1", ["丰台", "发展"])])
    >>> c.get_many("tokens", ["k1", "k2"])
    {'k1': ['丰台', '发展']}
    """

    FILE = "perarticle.sqlite"
    PAGE_SIZE = 16384
    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, "
        "check_ TEXT NOT NULL, gen INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (kind, key))",
        "CREATE TABLE IF NOT EXISTS generations (gen INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
        "digest TEXT NOT NULL, bytes INTEGER NOT NULL DEFAULT 0, UNIQUE (kind, digest))",
        "CREATE TABLE IF NOT EXISTS uses (gen INTEGER NOT NULL, corpus TEXT NOT NULL, used REAL NOT NULL, "
        "PRIMARY KEY (gen, corpus))",
    )

    def __init__(self, folder: str | Path, *, keep_days: float = 7.0, max_mb: float = 4096.0, clock=None):
        import time

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / self.FILE
        self.keep_days = float(keep_days)
        self.max_mb = float(max_mb)
        self.clock = clock or time.time
        self._checked = False
        self._ready = False
        self.unwritable: str | None = None  # why writing failed (said once), then no more writes this run

    @classmethod
    def for_corpus(cls, corpus: Corpus, folder: str | Path | None = None) -> "ArticleCache":
        """The cache in ``folder`` (default: the corpus's build folder), bounded by the corpus's settings."""
        settings = corpus.settings
        return cls(folder if folder is not None else corpus.cache_dir("perarticle"),
                   keep_days=settings.cache_keep_days, max_mb=settings.cache_max_mb)

    @staticmethod
    def _check(value: bytes) -> str:
        return hashlib.blake2b(value, digest_size=8).hexdigest()

    # ---------------------------------------------------------------- the file

    def _connect(self) -> sqlite3.Connection:
        """A connection with the tables made; a file that is not this cache is set aside (once) and
        started anew.  Raises :class:`CacheUnusable` when the file cannot be opened or created."""
        try:
            con = sqlite3.connect(self.path, timeout=60)
        except sqlite3.Error as err:
            raise CacheUnusable(str(err)) from None
        try:
            if not self._checked:
                # Once per use of the cache, not per query: it reads the whole file (1 s at 500 MB); and not
                # when the file is as a run that checked it left it (:meth:`mark_checked`).
                if not self._unchanged_since_check():
                    con.execute("PRAGMA quick_check").fetchone()
                self._checked = True
            if not self._ready:
                self._prepare(con)
        except sqlite3.OperationalError as err:  # full, read-only, locked: the file may be fine
            con.close()
            raise CacheUnusable(str(err)) from None
        except sqlite3.DatabaseError:
            con.close()
            self._discard_file()
            try:
                con = sqlite3.connect(self.path, timeout=60)
                self._prepare(con)
            except sqlite3.Error as err:
                raise CacheUnusable(str(err)) from None
        return con

    # ---------------------------------------------------------------- the check, and when to skip it

    #: Beside the file: its signature when a run that had checked it (or found it so recorded) last left it.
    CHECKED = "perarticle.sqlite.checked"

    def _signature(self) -> list[int] | None:
        """What changes when anything but SQLite's own writes through this cache changes the file: size,
        modification and change times, inode and device (None: no file)."""
        try:
            info = self.path.stat()
        except OSError:
            return None
        return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]

    def _unchanged_since_check(self) -> bool:
        """Whether the file is exactly as a run left it after checking it (:meth:`mark_checked`): then its
        ``PRAGMA quick_check`` (0.3 s on the development corpus's 250 MB, 1 s from disk) is skipped.  Any
        other change (a copy, a truncation, an edit, another program's write: new times or inode), a
        journal left by an interrupted write, or a record that is missing or unreadable means a check."""
        if any(Path(f"{self.path}{suffix}").exists() for suffix in ("-journal", "-wal")):
            return False
        try:
            recorded = json.loads((self.folder / self.CHECKED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        signature = self._signature()
        return signature is not None and recorded == {"version": 1, "signature": signature}

    def mark_checked(self) -> None:
        """Record that the file, as it is now, is one this run checked (or found recorded) and then wrote
        only through SQLite: the next run skips the check while the file stays so.  Called at the end of
        a run (:func:`run_stage`); nothing is recorded when the file was not checked this run, could not
        be written, or is held open by an unfinished write."""
        if not self._checked or self.unwritable is not None:
            return
        if any(Path(f"{self.path}{suffix}").exists() for suffix in ("-journal", "-wal")):
            return
        signature = self._signature()
        if signature is None:
            return
        from analysis.io import write_text

        try:
            write_text(json.dumps({"version": 1, "signature": signature}), self.folder / self.CHECKED)
        except OSError:
            pass  # the next run checks the file again: a cost, never a risk

    def _prepare(self, con: sqlite3.Connection) -> None:
        columns = {row[1] for row in con.execute("PRAGMA table_info(entries)")}
        if columns and not {"kind", "key", "value", "check_"} <= columns:
            raise sqlite3.DatabaseError("not a per-article cache (foreign entries table)")
        if not columns and not con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            # A new file.  Pages of 16 KB, not 4: the values are 0.1-3 KB, and storing the development corpus's
            # 193,000 of them took 20% less CPU, in a file 13% smaller (243 -> 212 MB); a file made before keeps
            # its own.  Set before auto_vacuum, which otherwise fixes the size.
            con.execute(f"PRAGMA page_size = {self.PAGE_SIZE}")
            # Freed pages go back to the file system (PRAGMA incremental_vacuum after evicting).
            con.execute("PRAGMA auto_vacuum = INCREMENTAL")
        with con:
            for statement in self.SCHEMA:
                con.execute(statement)
            if "bytes" not in {row[1] for row in con.execute("PRAGMA table_info(generations)")}:
                con.execute("ALTER TABLE generations ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0")
            if columns and "gen" not in columns:
                # A cache of an earlier version: its entries form generation 0, adopted by the generation
                # that reads them (get_many), and kept `keep_days` at most otherwise.
                con.execute("ALTER TABLE entries ADD COLUMN gen INTEGER NOT NULL DEFAULT 0")
                con.execute("INSERT OR IGNORE INTO generations (gen, kind, digest, bytes) SELECT 0, '', 'earlier "
                            "version', coalesce(sum(length(value)), 0) FROM entries")
            con.execute("CREATE INDEX IF NOT EXISTS entries_gen ON entries (gen)")
        self._ready = True

    def _discard_file(self) -> None:
        log.warning("%s: per-article cache unreadable; discarded, everything is recomputed", self.path)
        self._ready = False
        # The record of the last check goes first: a new file is never taken for the one checked.
        (self.folder / self.CHECKED).unlink(missing_ok=True)
        for suffix in ("", "-journal", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                p.unlink()

    def _unwritable(self, err) -> None:
        if self.unwritable is None:
            self.unwritable = str(err)
            log.warning("could not write the per-article cache %s (%s); continuing without it", self.path, err)

    # ---------------------------------------------------------------- entries

    def get_many(self, kind: str, keys: Sequence[str], raw: bool = False, gen: int | None = None) -> dict:
        """Cached values of ``kind`` for those ``keys`` present and intact (``raw``: the
        checked bytes, undecoded).  ``gen``: the generation reading them, which adopts entries an
        earlier version of the cache stored without one."""
        found: dict = {}
        if not keys:
            return found
        bad: list[str] = []
        try:
            con = self._connect()
        except CacheUnusable:
            return found
        try:
            unique = sorted(set(keys))
            for i in range(0, len(unique), 900):
                part = unique[i : i + 900]
                marks = ",".join("?" * len(part))
                rows = con.execute(f"SELECT key, value, check_, gen FROM entries WHERE kind = ? AND key IN ({marks})",
                                   [kind, *part])
                adopt = []
                for key, value, check, owner in rows:
                    try:
                        if self._check(value) != check:
                            raise ValueError("checksum mismatch")
                        found[key] = bytes(value) if raw else self.decode(kind, value)
                    except (ValueError, UnicodeDecodeError, AttributeError, IndexError, TypeError):
                        bad.append(key)
                        continue
                    if owner == 0 and gen:
                        adopt.append(key)
                if adopt and self.unwritable is None:
                    moved = sum(len(found[k]) if raw else 0 for k in adopt)
                    try:
                        with con:
                            con.executemany("UPDATE entries SET gen = ? WHERE kind = ? AND key = ?",
                                            [(gen, kind, k) for k in adopt])
                            if not raw:
                                moved = con.execute(f"SELECT coalesce(sum(length(value)), 0) FROM entries WHERE "
                                                    f"kind = ? AND key IN ({','.join('?' * len(adopt))})",
                                                    [kind, *adopt]).fetchone()[0]
                            con.execute("UPDATE generations SET bytes = max(0, bytes - ?) WHERE gen = 0", (moved,))
                            con.execute("UPDATE generations SET bytes = bytes + ? WHERE gen = ?", (moved, gen))
                    except sqlite3.OperationalError as err:
                        self._unwritable(err)
            if bad:
                log.warning("%s: %d corrupt %s cache entr%s discarded and recomputed", self.path, len(bad), kind,
                            "y" if len(bad) == 1 else "ies")
                try:
                    with con:
                        con.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", [(kind, k) for k in bad])
                except sqlite3.OperationalError as err:
                    self._unwritable(err)
        except sqlite3.OperationalError:
            return {}  # locked for a minute, or the disk went away: compute instead
        except sqlite3.DatabaseError:
            con.close()
            self._discard_file()
            return {}
        finally:
            con.close()
        return found

    @staticmethod
    def encode(kind: str, value) -> bytes:
        return KINDS[kind].encode(value)

    @staticmethod
    def decode(kind: str, blob: bytes):
        return KINDS[kind].decode(bytes(blob))

    def put_many(self, kind: str, items: Iterable[tuple[str, object]], raw: bool = False, gen: int = 0) -> None:
        """Store (key, value) pairs of ``kind`` of generation ``gen`` in one transaction (``raw``: values
        already encoded).  A disk that is full or read-only is said once; the results are right, only not
        cached."""
        self.put_groups([(kind, gen, items)], raw=raw)

    def put_groups(self, groups: Iterable[tuple[str, int, Iterable[tuple[str, object]]]], raw: bool = False) -> None:
        """Store ``(kind, gen, [(key, value), …])`` groups, all in one transaction: the stage stores a
        whole batch at once (one commit, one sync of the file, instead of one per chunk and kind)."""
        rows, sizes = [], {}
        for kind, gen, items in groups:
            for key, value in items:
                blob = value if raw else self.encode(kind, value)
                rows.append((kind, key, blob, self._check(blob), gen))
                sizes[gen] = sizes.get(gen, 0) + len(blob)
        if not rows or self.unwritable is not None:
            return
        # In primary-key order: keys are hashes, and inserting them as they come touches a random leaf of
        # the B-tree for each (sorted: about 15% less CPU storing the development corpus, 4.5 s against 5.3 s).
        rows.sort(key=itemgetter(0, 1))
        try:
            con = self._connect()
        except CacheUnusable as err:
            self._unwritable(err)
            return
        try:
            with con:
                con.executemany("INSERT OR REPLACE INTO entries (kind, key, value, check_, gen) VALUES (?, ?, ?, ?, ?)",
                                rows)
                # What the size cap counts (the values' bytes: misses are new entries, so this is their size).
                con.executemany("UPDATE generations SET bytes = bytes + ? WHERE gen = ?",
                                [(size, gen) for gen, size in sizes.items()])
        except sqlite3.OperationalError as err:
            self._unwritable(err)
        finally:
            con.close()

    # ---------------------------------------------------------------- generations and eviction

    def use(self, digests: dict[str, str], corpus: str) -> dict[str, int]:
        """Record that ``corpus`` uses, now, the generation of each kind (``{kind: digest}``); return
        ``{kind: generation id}`` (0 when the cache cannot be written: entries are then not stored)."""
        if self.unwritable is not None:
            return {kind: 0 for kind in digests}
        try:
            con = self._connect()
        except CacheUnusable as err:
            self._unwritable(err)
            return {kind: 0 for kind in digests}
        now = self.clock()
        try:
            with con:
                out = {}
                for kind, digest in digests.items():
                    con.execute("INSERT OR IGNORE INTO generations (kind, digest) VALUES (?, ?)", (kind, digest))
                    gen = con.execute("SELECT gen FROM generations WHERE kind = ? AND digest = ?",
                                      (kind, digest)).fetchone()[0]
                    con.execute("INSERT OR REPLACE INTO uses (gen, corpus, used) VALUES (?, ?, ?)", (gen, corpus, now))
                    out[kind] = gen
            return out
        except sqlite3.OperationalError as err:
            self._unwritable(err)
            return {kind: 0 for kind in digests}
        finally:
            con.close()

    def holds(self, digests: dict[str, str], corpus: str) -> bool:
        """Whether ``corpus`` has used, and stored entries of, the generation of every kind
        (``{kind: digest}``): a hint that its next build finds its outputs here.  Read only (no check of
        the file, nothing recorded); any failure to read is a no."""
        if not self.path.is_file():
            return False
        try:
            con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        except sqlite3.Error:
            return False
        try:
            for kind, digest in digests.items():
                found = con.execute("SELECT g.bytes FROM generations g JOIN uses u ON u.gen = g.gen "
                                    "WHERE g.kind = ? AND g.digest = ? AND u.corpus = ?",
                                    (kind, digest, corpus)).fetchone()
                if not found or not found[0]:
                    return False
            return True
        except sqlite3.Error:
            return False
        finally:
            con.close()

    def size(self) -> int:
        """Bytes of the cache file (0 when there is none)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def evict(self, keep: Iterable[int] = (), *, max_age_days: float | None = None) -> dict:
        """Remove superseded generations unused for ``keep_days``, then the least recently used ones
        while the file is over ``max_mb`` (never the generations ``keep``: the running build's);
        ``max_age_days``: also any generation unused for that long.  Returns what was removed:
        ``{"generations", "entries", "bytes"}`` (bytes of the values), and ``over_cap`` when the
        build's own entries alone exceed the cap."""
        removed = {"generations": 0, "entries": 0, "bytes": 0, "over_cap": False}
        if self.unwritable is not None or not self.path.is_file():
            return removed
        try:
            con = self._connect()
        except CacheUnusable:
            return removed
        keep = set(keep)
        now = self.clock()
        try:
            # Each generation's most recent use by each corpus, and each corpus's newest use of each kind.
            uses = con.execute("SELECT u.gen, g.kind, u.corpus, u.used FROM uses u JOIN generations g USING (gen) "
                               "WHERE u.gen != 0").fetchall()
            newest: dict[tuple[str, str], float] = {}
            for _, kind, corpus, used in uses:
                newest[(kind, corpus)] = max(newest.get((kind, corpus), 0.0), used)
            last: dict[int, float] = {}
            legacy = con.execute("SELECT used FROM uses WHERE gen = 0").fetchone()
            if legacy is not None:
                last[0] = legacy[0]
            live: set[int] = set()  # generations some corpus still uses as its newest (or recently)
            for gen, kind, corpus, used in uses:
                last[gen] = max(last.get(gen, 0.0), used)
                superseded = used < newest[(kind, corpus)]
                old = now - used > self.keep_days * 86400
                if not (superseded and old) and not (max_age_days is not None and now - used > max_age_days * 86400):
                    live.add(gen)
            known = {row[0] for row in con.execute("SELECT gen FROM generations")}
            # Generation 0 (entries of an earlier version not yet adopted) counts as used when first seen.
            doomed = [g for g in sorted(known) if g not in live and g not in keep and
                      (g != 0 or self._legacy_is_old(con, now, max_age_days))]
            for gen in doomed:
                self._drop(con, gen, removed)
            cap = self.max_mb * 1024 * 1024
            if self._content_bytes(con) > cap:
                for gen in sorted((g for g in last if g not in keep), key=lambda g: last[g]):
                    if self._content_bytes(con) <= cap:
                        break
                    self._drop(con, gen, removed)
                removed["over_cap"] = self._content_bytes(con) > cap
            if removed["entries"]:
                # executescript steps the pragma to its end (execute frees one page per call).
                con.executescript("PRAGMA incremental_vacuum;")
        except sqlite3.OperationalError as err:
            self._unwritable(err)
        except sqlite3.DatabaseError:
            con.close()
            self._discard_file()
            return removed
        finally:
            con.close()
        return removed

    def _legacy_is_old(self, con, now: float, max_age_days: float | None) -> bool:
        """Entries of an earlier version that no run has adopted: kept ``keep_days`` from when this
        version first saw them (a ``uses`` row for generation 0), then removed."""
        row = con.execute("SELECT used FROM uses WHERE gen = 0").fetchone()
        if row is None:
            if con.execute("SELECT 1 FROM entries WHERE gen = 0 LIMIT 1").fetchone() is None:
                return False
            with con:
                con.execute("INSERT OR REPLACE INTO uses (gen, corpus, used) VALUES (0, '', ?)", (now,))
            return False
        limit = self.keep_days if max_age_days is None else min(self.keep_days, max_age_days)
        return now - row[0] > limit * 86400

    @staticmethod
    def _content_bytes(con) -> int:
        """What the cache holds: its values' bytes (kept per generation as they are stored).  The file
        is larger by its keys and pages; pages freed by evicting are reused by the next entries (and
        returned to the file system by ``PRAGMA incremental_vacuum``, or ``cache --prune``'s VACUUM)."""
        return con.execute("SELECT coalesce(sum(bytes), 0) FROM generations").fetchone()[0]

    @staticmethod
    def _drop(con, gen: int, removed: dict) -> None:
        n, size = con.execute("SELECT count(*), coalesce(sum(length(value)), 0) FROM entries WHERE gen = ?",
                              (gen,)).fetchone()
        with con:
            con.execute("DELETE FROM entries WHERE gen = ?", (gen,))
            con.execute("DELETE FROM uses WHERE gen = ?", (gen,))
            con.execute("DELETE FROM generations WHERE gen = ?", (gen,))
        removed["entries"] += n
        removed["bytes"] += size
        removed["generations"] += bool(n) or gen != 0

    def summary(self) -> dict:
        """What the cache holds: ``{"bytes", "entries", "generations": [{kind, entries, bytes, corpora, last_used}]}``."""
        out = {"bytes": self.size(), "entries": 0, "generations": []}
        if not self.path.is_file():
            return out
        try:
            con = self._connect()
        except CacheUnusable:
            return out
        try:
            sizes = {gen: (n, b) for gen, n, b in con.execute(
                "SELECT gen, count(*), coalesce(sum(length(value)), 0) FROM entries GROUP BY gen")}
            kinds = dict(con.execute("SELECT gen, kind FROM generations"))
            uses: dict[int, list] = {}
            for gen, corpus, used in con.execute("SELECT gen, corpus, used FROM uses"):
                uses.setdefault(gen, []).append((corpus, used))
            for gen in sorted(set(sizes) | set(kinds)):
                n, b = sizes.get(gen, (0, 0))
                out["entries"] += n
                out["generations"].append({"gen": gen, "kind": kinds.get(gen) or "(earlier version)", "entries": n,
                                           "bytes": b, "corpora": sorted(c for c, _ in uses.get(gen, []) if c),
                                           "last_used": max((u for _, u in uses.get(gen, [])), default=None)})
        except sqlite3.DatabaseError:
            pass
        finally:
            con.close()
        return out

    def vacuum(self) -> None:
        """Give the freed pages back to the file system (rewrites the file: after a large prune)."""
        try:
            con = self._connect()
        except CacheUnusable:
            return
        try:
            con.execute("PRAGMA auto_vacuum = INCREMENTAL")
            con.execute("VACUUM")
        except sqlite3.OperationalError as err:
            self._unwritable(err)
        finally:
            con.close()


def generation_digests(corpus: Corpus, kinds: Sequence[str], context: dict | None = None,
                       backend: str = "auto", digests: dict[str, str] | None = None) -> dict[str, str]:
    """Per kind, the digest of what all its keys share for this corpus: code, facts, libraries, backend
    (:func:`~analysis.perarticle.kinds.kind_digest`) and its context: one generation of the cache.
    ``digests``: the kinds' :func:`_kind_digests`, when the caller has them."""
    context = context or {}
    if digests is None:
        digests = _kind_digests(corpus, kinds, get_segmenter(corpus, backend).backend)
    return {name: _h(digests[name], *(json.dumps(context[c], ensure_ascii=False, sort_keys=True)
                                      for c in KINDS[name].context))
            for name in kinds}


def likely_cached(corpus: Corpus, cache: bool | str | Path = True) -> bool:
    """Whether the per-article cache (``cache``: True for the corpus's build folder, or a folder) holds
    this corpus's first-pass outputs under today's code and facts (:meth:`ArticleCache.holds`).

    A build starts its worker processes before reading the corpus, so that they are ready when the
    stage needs them; when every output is cached they are never needed, and starting them (each one
    imports the package and loads the segmenter) made a forced rebuild of 3,000 articles 2 s slower.
    When this says yes and outputs are missing after all, the workers start when the first is needed.
    """
    if cache is False:
        return False
    try:
        store = ArticleCache.for_corpus(corpus, None if cache is True else cache)
        return store.holds(generation_digests(corpus, FIRST_PASS), corpus_identity(corpus))
    except (OSError, sqlite3.Error):
        return False


def corpus_identity(corpus: Corpus) -> str:
    """Which corpus uses a generation of the cache: its text file (manifest or table), resolved."""
    try:
        return str(Path(corpus.text).resolve())
    except OSError:
        return str(corpus.text)




# --------------------------------------------------------------------------- running chunks


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def chunk_size(n: int, workers: int) -> int:
    """Articles per task: several tasks per worker (load balance), not too small (overhead)."""
    return max(32, min(512, -(-n // max(1, workers * 4))))


#: The cyclic collector's thresholds during a build and in its workers (generations 0, 1, 2; CPython: 700, 10, 10).
BUILD_GC_THRESHOLDS = (20_000, 50, 100)


@contextmanager
def fewer_collections(thresholds: tuple[int, int, int] = BUILD_GC_THRESHOLDS) -> Iterator[None]:
    """Run the body with the cyclic garbage collector triggered less often, and the objects alive before it
    (modules, dictionaries) left out of its scans; the caller's thresholds are restored afterwards.

    A build allocates millions of short-lived, acyclic objects (tokens, records): reference counting frees
    them, yet each allocation burst set off collections that scanned everything alive.  Measured on the
    development corpus (24,100 items, 1 worker, cold): 31 full collections, 75 → 71.5 s wall, the
    occurrences pass 13.5 → 10.2 s; the tables are the same.

    >>> before = gc.get_threshold()
    >>> with fewer_collections():
    ...     gc.get_threshold()[0] >= 20_000
    True
    >>> gc.get_threshold() == before
    True
    """
    previous = gc.get_threshold()
    gc.set_threshold(*(max(old, new) for old, new in zip(previous, thresholds)))
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*previous)


#: In a worker process: the pool's event set once the worker warming up first has loaded the segmenter
#: (:func:`_warm_up`); None elsewhere.
_SEGMENTER_LOADED = None

#: Seconds a warming worker waits for the first one before loading the segmenter itself.
WARM_UP_WAIT = 60.0


def _warm_up(corpus: Corpus, first: bool = True) -> bool:
    """In a fresh worker: import what the per-article stage calls and load the corpus's segmenter.
    Returns whether this worker had to make the segmenter's cache files (:meth:`~analysis.tokens.Segmenter.cached`).

    On a cold build folder loading makes jieba's prefix dictionary and the user words' frequencies
    (1.6 s of CPU on the development corpus's build machine), and every worker did it at once, beside
    the parent reading the corpus.  Only the ``first`` one does now; the others import, wait for it (:data:`_SEGMENTER_LOADED`), then read its
    cache files.  It signals even when it fails, so a cache that cannot be written costs the others
    their own loading, never a wait longer than its.
    """
    try:
        import analysis.perarticle.formulations  # noqa: F401
        import analysis.perarticle.mentions  # noqa: F401
        import analysis.perarticle.terms  # noqa: F401

        if not first and _SEGMENTER_LOADED is not None:
            _SEGMENTER_LOADED.wait(WARM_UP_WAIT)
        segmenter = get_segmenter(resident(corpus))
        made = not segmenter.cached()
        segmenter._load()
    finally:
        if first and _SEGMENTER_LOADED is not None:
            _SEGMENTER_LOADED.set()
    # A worker lives for one build and allocates millions of short-lived acyclic objects: collect rarely, and
    # never rescan what is loaded now (modules, the dictionary); see fewer_collections.
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    gc.freeze()
    return made


def _start_worker(build_pid: int, loaded=None) -> None:
    """Initializer of every worker process: :func:`_die_with` the build, and keep the pool's
    ``loaded`` event for :func:`_warm_up` (an event reaches a worker only as it starts)."""
    global _SEGMENTER_LOADED
    _SEGMENTER_LOADED = loaded
    _die_with(build_pid)


def _die_with(build_pid: int) -> None:
    """In every worker process as it starts (:func:`_start_worker`): end this worker when the build
    process ``build_pid`` ends, however it ends (kill -9 included), so no worker outlives it holding
    memory and the build's stdout (``build … | cat`` returns).

    Linux's ``PR_SET_PDEATHSIG`` ends the worker with its parent; a worker started by the forkserver
    has the forkserver as its parent, which lives as long as its workers do, so a thread also waits on
    the build process itself (a pidfd where the kernel has them, else a poll each second) and ends the
    worker when it is gone.
    """
    import signal
    import sys
    import threading

    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        import select
        import time

        try:
            fd = os.pidfd_open(build_pid)
        except ProcessLookupError:
            os._exit(1)  # already gone
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])
        else:
            while True:
                time.sleep(1)
                try:
                    os.kill(build_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    continue
        os._exit(1)

    if build_pid != os.getpid():
        threading.Thread(target=watch, name="die-with-build", daemon=True).start()


class Runner:
    """Runs a function over argument tuples: in-process, in worker processes, or on Dask.

    Results come back in submission order whatever the executor, so the
    output is identical for any number of workers.  Worker processes end
    with the build process (:func:`_die_with`).  When a worker dies (killed,
    out of memory), the jobs it took down are run again, one at a time in
    fresh workers; a job that kills its worker a second time raises
    :class:`WorkerLost` with its index.  ``settings``: the Dask timeouts.
    """

    def __init__(self, workers: int | None = None, scheduler=None, settings=None):
        from analysis.settings import default_settings

        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.scheduler = scheduler
        self.settings = settings if settings is not None else default_settings()
        self._pool = None
        self._client = None
        self._warming: list = []
        #: Called (once, then cleared) when the first job is submitted: a build whose per-article outputs
        #: all look cached starts what it would have started beside the workers only once there is work.
        self.on_work: Callable[[], object] | None = None
        if scheduler is not None:
            from analysis.perarticle.distributed import check_address

            check_address(scheduler)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._client is not None:
            if self._client is not self.scheduler:  # a Client passed in stays the caller's to close
                self._client.close()
            self._client = None

    def _processes(self, n_jobs: int):
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # forkserver: workers start from a clean process (no copied locks or
            # threads of the parent), cheaper than spawn on Linux.
            method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
            context = mp.get_context(method)
            self._pool = ProcessPoolExecutor(max_workers=min(self.workers, n_jobs), mp_context=context,
                                             initializer=_start_worker, initargs=(os.getpid(), context.Event()))
        return self._pool

    def _reset(self) -> None:
        """Drop a broken pool (its workers are gone); the next job starts a new one."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def warm_up(self, corpus: Corpus) -> list:
        """Start the worker processes now and have each import the stage's modules and load the
        corpus's segmenter, while the parent reads the corpus (a worker's start costs about a second).
        Returns the futures of :func:`_warm_up` (none in-process or on Dask).

        The pool hands its jobs out in order, so the first job is taken before (or by the same worker
        as) any other: the others wait only while it runs."""
        if self.scheduler is not None or self.workers == 1:
            return []
        pool = self._processes(self.workers)
        self._warming = [pool.submit(_warm_up, corpus, i == 0) for i in range(self.workers)]
        return self._warming

    def map(self, fn: Callable, jobs: list[tuple]) -> list:
        """``[fn(*job) for job in jobs]``, in job order."""
        return self.submit(fn, jobs)()

    def submit(self, fn: Callable, jobs: list[tuple]) -> Callable[[], list]:
        """Start ``fn`` on every job; return a function that waits for the results (in job order).

        Lets the caller prepare the next batch while the workers compute this one.
        """
        if not jobs:
            return list
        if self.on_work is not None:
            started, self.on_work = self.on_work, None
            started()
        if self.scheduler is not None:
            from analysis.perarticle.distributed import get_client, submit_ordered

            if self._client is None:
                self._client = get_client(self.scheduler, timeout=self.settings.dask_timeout)
            return submit_ordered(self._client, fn, jobs, timeout=self.settings.dask_timeout)
        if self.workers == 1 or (len(jobs) == 1 and self._pool is None):
            return lambda: [fn(*job) for job in jobs]
        from concurrent.futures.process import BrokenProcessPool

        pool = self._processes(len(jobs))
        futures: list = []
        for job in jobs:
            try:
                futures.append(pool.submit(fn, *job))
            except BrokenProcessPool:  # a worker died before every job was handed out: run it again below
                futures.append(None)
        return lambda: self._results(fn, jobs, futures)

    def _results(self, fn: Callable, jobs: list[tuple], futures: list) -> list:
        from concurrent.futures.process import BrokenProcessPool

        out: list = [None] * len(jobs)
        lost: list[int] = []
        for i, future in enumerate(futures):
            try:
                if future is None:
                    raise BrokenProcessPool("the pool broke before this job was submitted")
                out[i] = future.result()
            except BrokenProcessPool:
                lost.append(i)
        if not lost:
            return out
        log.warning("a worker process died (killed, or out of memory?); running its %d unfinished chunk(s) "
                    "again, one at a time", len(lost))
        self._reset()
        for i in lost:
            try:
                out[i] = self._processes(1).submit(fn, *jobs[i]).result()
            except BrokenProcessPool as err:
                self._reset()
                raise WorkerLost(i, str(err)) from None
        self._reset()  # the next batch gets every worker again
        return out




# --------------------------------------------------------------------------- the stage


class StageResult:
    """What the per-article stage hands to the aggregation.

    Every per-article output is held as the bytes the cache stores
    (``blobs[kind][i]``, article order): compact, and read by the vectorised
    aggregation (:mod:`analysis.aggregate`) without building a Python object
    per token.  The attributes decode them on first use: ``tokens`` (like
    :func:`analysis.tokens.tokenize_articles`), ``counts`` (``{"n_tokens",
    "terms", "counts"}``, terms by count descending, then term), ``runs``
    (each article's runs of touching terms), ``quotes``, ``mentions``.
    ``articles``: the articles table; ``corpus``; ``keys``: the cache keys;
    ``stats``: how many of each output came from the cache / were computed.
    A kind handed to a ``sink`` is not kept (its blobs are None).
    """

    def __init__(self, articles: pd.DataFrame, corpus: Corpus, keys: list[dict], blobs: dict[str, list | None],
                 stats: dict, store: "ArticleCache | None"):
        self.articles = articles
        self.corpus = corpus
        self.keys = keys
        self.blobs = blobs
        self.stats = stats
        self.store = store
        self._decoded: dict[str, list] = {}
        #: Set by the aggregation: the tokens table written to Parquet, the article × term counts.
        self.tokens_path = None
        self.count_matrix = None
        #: The content digests a later pass reads, ``{fields: [digest per article]}`` (see :func:`carried_keys`).
        self.contents: dict | None = None

    @property
    def ids(self) -> list[str]:
        return [str(a) for a in self.articles["article_id"]]

    def decoded(self, kind: str) -> list | None:
        """The values of ``kind``, article order (None: handed to a sink, not kept)."""
        if kind not in self._decoded:
            blobs = self.blobs.get(kind)
            self._decoded[kind] = None if blobs is None else [KINDS[kind].decode(b) for b in blobs]
        return self._decoded[kind]

    def each(self, kind: str) -> Iterator:
        """The values of ``kind`` one article at a time, article order, decoded as they are read and not
        kept (for a table made once from them): the decoded mentions of 48,000 articles held 175 MB, their
        bytes 50 MB."""
        if self._decoded.get(kind) is not None:
            yield from self._decoded[kind]
            return
        decode = KINDS[kind].decode
        for blob in self.kept(kind):
            yield decode(blob)

    def kept(self, kind: str) -> list[bytes]:
        """The encoded values of ``kind``, article order (an error when they went to a sink or were released)."""
        blobs = self.blobs.get(kind)
        if blobs is None:
            raise ValueError(f"the {kind!r} outputs were handed to a sink or released, not kept")
        return blobs

    def release(self, *kinds: str, keys: bool = False) -> None:
        """Let go of the values of ``kinds`` (bytes and decoded), once every table made from them is made;
        ``keys``: of the cache keys (about 1.1 kB an article); with neither, of every per-article value and
        the keys (the articles, the count matrix and the stats stay).  Held through the topics step, the
        keys and the mentions, discoveries, quotes and bounds (bytes and decoded) of 192,000 articles
        raised the build process's peak from 3,580 to 4,980 MB."""
        everything = not kinds and not keys
        for kind in list(self.blobs) if everything else kinds:
            self.blobs[kind] = None
            self._decoded.pop(kind, None)
        if keys or everything:
            self.keys = None
            self.contents = None

    @property
    def tokens(self) -> pd.DataFrame:
        if self.blobs.get("tokens") is None and self.tokens_path is not None:
            import pyarrow.parquet as pq

            lists = pq.read_table(self.tokens_path)["tokens"].to_pylist()
        else:
            lists = self.decoded("tokens")
        return pd.DataFrame({"article_id": pd.Series(self.ids, dtype=object),
                             "tokens": pd.Series(lists, dtype=object)})

    counts = property(lambda self: self.decoded("counts"))
    runs = property(lambda self: self.decoded("runs"))
    quotes = property(lambda self: self.decoded("quotes"))
    mentions = property(lambda self: self.decoded("mentions"))


#: Articles per batch of the stage: cache reads, work and sinks go batch by batch,
#: so what is held at once does not grow with the corpus beyond the compact per-article bytes.
BATCH = 8192


def batches(n: int, size: int = BATCH) -> list[range]:
    """``range`` of each batch of ``size`` of ``n`` items."""
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


#: The smallest batch the stage's first and last batches are cut down to (:func:`stage_batches`).
FIRST_BATCH = 512
LAST_BATCH = 512


def stage_batches(n: int, size: int = BATCH, first: int = FIRST_BATCH, last: int = LAST_BATCH) -> list[range]:
    """The stage's batches of ``n`` articles: ``size`` each, but the first ``size`` in pieces doubling
    from about ``first`` articles and the last ``size`` (or fewer) in halves down to about ``last``
    (a corpus of one batch: its first half doubling, its second half halving).

    The parent keys a batch before the workers get it, and stores and sums one batch while the workers
    compute the next.  So the workers waited while it keyed the whole first batch (2 s on the
    development corpus), and while it finished the last one, and the next pass waited for that too (a
    last batch of 7,716 articles kept both cores idle for seconds).  Pieces doubling at the start (the
    parent keys each while the workers compute the one before) and halving at the end keep both busy.
    The pieces stay inside the first and last ``size`` articles, so the files written a batch at a time (the tokens' row
    groups, the dataset's parts) are cut every ``size`` articles as before (the sinks keep the pieces
    until then).

    >>> [len(b) for b in stage_batches(24_100)]
    [1024, 1024, 2048, 4096, 8192, 3858, 1929, 965, 964]
    >>> [len(b) for b in stage_batches(9)], [len(b) for b in stage_batches(3_000)]
    ([9], [750, 750, 750, 750])
    """
    if n <= 2 * first:
        return [range(0, n)] if n else []
    if n <= size:  # the one batch is the first and the last
        head, middle, tail = n // 2, [], n - n // 2
    else:
        head, *middle, tail = [min(size, n - start) for start in range(0, n, size)]
    sizes = [*reversed(_halves(head, first)), *middle, *_halves(tail, last)]
    out, start = [], 0
    for length in sizes:
        out.append(range(start, start + length))
        start += length
    return out


def _halves(n: int, smallest: int) -> list[int]:
    """``n`` cut in halves, each the half of what is left, down to about ``smallest`` (largest first).

    >>> _halves(7_716, 512), _halves(900, 512)
    ([3858, 1929, 965, 964], [900])
    """
    sizes, rest = [], n
    while rest > 2 * smallest:
        sizes.append((rest + 1) // 2)
        rest -= sizes[-1]
    if rest:
        sizes.append(rest)
    return sizes


def run_stage(articles: pd.DataFrame, corpus: Corpus | None = None, *, kinds: Sequence[str] = FIRST_PASS,
              context: dict | None = None, workers: int | None = None, scheduler=None,
              cache: bool | str | Path = True, runner: Runner | None = None,
              sinks: dict[str, Callable[[range, list[bytes]], None]] | None = None,
              known: dict[str, list] | None = None, carried: dict | None = None) -> StageResult:
    """Every per-article output ``kinds`` of ``articles``, from the cache where possible.

    ``corpus``: whose facts (None: the sample); ``context``: corpus-wide
    inputs of kinds that declare one; ``workers``: processes for the misses
    (default all cores; 1 = in this process); ``scheduler``: a Dask
    scheduler address or ``distributed.Client`` (then ``workers`` is
    ignored); ``cache``: True (the corpus's build folder), a folder, or False.
    ``sinks``: ``{kind: function}``; each batch's encoded outputs of that
    kind (article order) are handed to ``function(batch_range, blobs)`` and
    then not kept, so a large corpus never holds them all.  ``known``:
    ``{kind: blobs}`` already computed for these articles (article order;
    None where missing), used before the cache (a second pass reuses the
    first's); ``carried``: key material of an earlier pass (:func:`carried_keys`), taken as it is.
    """
    corpus = corpus if corpus is not None else Corpus.sample()
    for column in ("article_id", "text"):
        if column not in articles.columns:
            raise ValueError(f"articles table lacks column {column!r} (see analysis.corpus.read.load_articles)")
    ids = articles["article_id"].astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise ValueError(f"article_id {dup!r} occurs more than once; ids must be unique")
    kinds = [name for name in KINDS if name in kinds]
    unknown = set(sinks or {}) - set(kinds)
    if unknown:
        raise ValueError(f"no per-article output {sorted(unknown)} in this pass; known: {', '.join(kinds)}")
    # Whatever a kind uses is computed (or read) too, even if not asked for.
    wanted = list(kinds)
    kinds = [name for name in KINDS if name in wanted or any(name in KINDS[w].uses for w in wanted)]
    # Keys a batch at a time, just before the batch is looked up (row dicts of all articles at once would
    # copy every text, and the workers start on the first batch while the next ones are keyed here).
    n = len(articles)
    keys: list = [None] * n
    # What every key of a kind shares, made once for the run (not once a batch).
    digests = _kind_digests(corpus, kinds, get_segmenter(corpus).backend)

    # The content digests a later pass (a kind with a context) reads: kept for it (carried_keys).
    later = {KINDS[k].fields for k in KINDS if KINDS[k].context and k not in kinds}
    contents: dict = {f: [None] * n for f in later}

    def key_batch(batch: range) -> list[dict]:
        """Key the batch's articles; their records, which the workers then receive (made once: making
        them cost the parent more than the keys)."""
        out: list | None = [] if contents else None
        records = records_of(articles, batch)
        keys[batch.start:batch.stop] = stage_keys(records, corpus, kinds, context=context, digests=digests,
                                                  given=_given(carried, batch), contents_out=out)
        for f, column in contents.items():
            column[batch.start:batch.stop] = [c.get(f) for c in out]
        return records

    store = None
    gens = {kind: 0 for kind in kinds}
    if cache is not False:
        try:
            store = ArticleCache.for_corpus(corpus, None if cache is True else cache)
        except OSError as err:  # the build folder cannot be created: compute everything, cache nothing
            log.warning("per-article cache unavailable (%s); computing without it", err.strerror or err)
        else:
            gens = store.use(generation_digests(corpus, kinds, context, digests=digests), corpus_identity(corpus))
    streamed = dict(sinks or {})
    blobs: dict[str, list] = {kind: [None] * n for kind in kinds}
    stats = {kind: {"cached": 0, "computed": 0} for kind in kinds}
    own = runner is None
    runner = runner or Runner(workers, scheduler, corpus.settings)
    try:
        def finish(batch, spans, results) -> None:
            """Store one batch's computed outputs, then hand the streamed kinds to their sinks."""
            groups = []
            for idx, result in zip(spans, results()):
                for kind, found in result.items():
                    fresh = []
                    for local, blob in found.items():
                        blobs[kind][idx[local]] = blob
                        fresh.append((keys[idx[local]][kind], blob))
                    groups.append((kind, gens[kind], fresh))
            if store is not None:
                store.put_groups(groups, raw=True)
            for kind, sink in streamed.items():
                sink(batch, [blobs[kind][i] for i in batch])
                for i in batch:
                    blobs[kind][i] = None

        pending = None
        for batch in stage_batches(n):
            batch_records = key_batch(batch)
            for kind in kinds:
                given = (known or {}).get(kind)
                if given is not None:
                    for i in batch:
                        blobs[kind][i] = given[i]
                ask = [keys[i][kind] for i in batch if blobs[kind][i] is None]
                got = (store.get_many(kind, ask, raw=True, gen=gens[kind])
                       if store is not None and ask else {})
                for i in batch:
                    if blobs[kind][i] is None:
                        blobs[kind][i] = got.get(keys[i][kind])
            needs = {i: tuple(kind for kind in kinds if blobs[kind][i] is None) for i in batch}
            for kind in kinds:
                missing = sum(kind in needs[i] for i in batch)
                stats[kind]["computed"] += missing
                stats[kind]["cached"] += len(batch) - missing
            todo = [i for i in batch if needs[i]]
            size = chunk_size(len(todo), runner.workers)
            jobs, spans = [], []
            for span in batches(len(todo), size):
                idx = [todo[j] for j in span]
                # The cached values a needed kind uses (tokens for counts), as bytes.
                given = {u: {j: blobs[u][i] for j, i in enumerate(idx)
                             if blobs[u][i] is not None and any(u in KINDS[k].uses for k in needs[i])}
                         for u in kinds}
                records = [batch_records[i - batch.start] for i in idx]
                jobs.append((corpus, records, [needs[i] for i in idx], given, context))
                spans.append(idx)
            # The workers start on this batch while the previous one is stored and summed here.
            submitted = (batch, spans, runner.submit(compute_chunk, jobs))
            if pending is not None:
                finish(*pending)
            pending = submitted
        if pending is not None:
            finish(*pending)
    except WorkerLost as lost:
        raise _lost_articles(articles, pending[1][lost.index], corpus) from None
    finally:
        if own:
            runner.close()
    if store is not None:
        removed = store.evict(keep=[g for g in gens.values() if g])
        store.mark_checked()
        if removed["entries"]:
            log.info("per-article cache: %d superseded or least recently used entries removed (%.1f MB)",
                     removed["entries"], removed["bytes"] / 1e6)
        if removed["over_cap"]:
            log.warning("the per-article cache %s holds more than its cap of %.0f MB with this build's entries "
                        "alone; raise $ANALYSIS_CACHE_MAX_MB", store.path, store.max_mb)
    for kind in kinds:
        if kind in streamed or kind not in wanted:
            blobs[kind] = None
    result = StageResult(articles, corpus, keys, blobs, stats, store)
    result.contents = contents
    return result


def _lost_articles(articles: pd.DataFrame, rows: list[int], corpus: Corpus):
    """The error for a chunk of articles whose worker died twice: which articles, and what to try."""
    from analysis.errors import BuildError

    ids = [str(a) for a in articles["article_id"].iloc[rows]]
    shown = ", ".join(ids[:10]) + (f" … ({len(ids)} articles)" if len(ids) > 10 else "")
    return BuildError(f"{corpus.text}: a worker process died twice while computing articles {shown} "
                      "(killed, or out of memory?); the previous tables are unchanged; try fewer --workers, "
                      f"or look at those articles (a huge text?){_script_hint()}")


def _script_hint() -> str:
    """When the build was started by a script (not ``python -m``): the other way workers die at once, a
    build at the script's top level (:func:`analysis.build.refuse_in_worker_start` says so in the
    workers' own messages)."""
    import sys

    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or not getattr(main, "__file__", None):
        return ""
    return (f"; or, if the messages above say a worker was importing {Path(main.__file__).name}, put that script's "
            "code under `if __name__ == \"__main__\":`")


def formulation_occurrences(stage: StageResult, *, workers: int | None = None, scheduler=None,
                            runner: Runner | None = None, cache: bool | str | Path = True,
                            carried: dict | None = None) -> pd.DataFrame:
    """The occurrences table (:func:`analysis.perarticle.formulations.extract_formulations`) of the
    stage's articles: the second pass, with the corpus's formulations (merged from the cached quotes)
    as its context.  ``carried``: the first pass's key material (:func:`carried_keys`; default: taken from
    ``stage`` when it still holds its keys)."""
    formulations = corpus_formulations(stage.quotes)
    if carried is None:
        carried = carried_keys(stage, ("occurrences",))
    if not formulations:
        frame = pd.DataFrame([], columns=OCCURRENCE_COLUMNS)
        stage.stats["occurrences"] = {"cached": 0, "computed": 0}
        return frame.astype({"quoted": bool, "line": "int64", "offset": "int64"})
    # Each batch's rows become a frame while the workers compute the next batch (the table built at the
    # end took 2.6 s on the development corpus, with the workers idle), and its bytes are then dropped.
    parts: list[pd.DataFrame] = []

    def collect(batch: range, blobs: list[bytes]) -> None:
        frame = occurrence_columns(stage.articles.iloc[batch.start:batch.stop], blobs, formulations)
        if frame is not None:
            parts.append(frame)

    second = run_stage(stage.articles, stage.corpus, kinds=("occurrences",),
                       context={"formulations": list(formulations.items())}, workers=workers, scheduler=scheduler,
                       runner=runner, cache=cache if stage.store is not None else False,
                       known={kind: stage.blobs[kind] for kind in ("bounds",) if stage.blobs.get(kind) is not None},
                       sinks={"occurrences": collect}, carried=carried)
    stage.stats["occurrences"] = second.stats["occurrences"]
    frame = (pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0] if parts
             else pd.DataFrame([], columns=OCCURRENCE_COLUMNS))
    return frame.astype({"quoted": bool, "line": "int64", "offset": "int64"})


def occurrence_columns(articles: pd.DataFrame, blobs: list[bytes], kinds: dict[str, str]) -> pd.DataFrame | None:
    """The occurrences table's rows (:data:`~analysis.perarticle.formulations.OCCURRENCE_COLUMNS`) from
    the cached occurrences of ``articles`` (:func:`~analysis.perarticle.kinds.compute_occurrences`, one
    blob per row): each occurrence's kind from ``kinds``, its article's id, date and source from the row
    (as :func:`~analysis.perarticle.formulations.extract_formulations` writes them); no rows: None.

    The blobs are split by Arrow (:func:`~analysis.perarticle.kinds.occurrences_arrow`) and the
    per-article values repeated with numpy: decoding JSON and extending lists occurrence by occurrence
    cost the build's parent 5 s on the development corpus (652,000 occurrences).  Equal strings share
    one object (a phrase on thousands of rows), as in :func:`table_columns`.

    >>> from analysis.perarticle.kinds import encode_occurrences
    >>> arts = pd.DataFrame({"article_id": ["a", "b"], "issue_date": ["2024-01-01", None], "source": ["p1", "p2"]})
    >>> frame = occurrence_columns(arts, [encode_occurrences([]), encode_occurrences([["两园一河", 1, 0, 2, 4, 3]])],
    ...                            {"两园一河": "numbered"})
    >>> frame.to_dict("records")
    [{'formulation': '两园一河', 'kind': 'numbered', 'quoted': True, 'enumerated': False, 'article_id': 'b', 'issue_date': None, 'source': 'p2', 'field': 'text', 'line': 4, 'offset': 3}]
    """
    import numpy as np

    from .kinds import occurrences_arrow

    names = [c for c in ("article_id", "issue_date", "source") if c in articles.columns]
    records = row_records(articles[names])
    per_article = {
        "article_id": [str(r["article_id"]) for r in records],
        "issue_date": [jsonable(r.get("issue_date", "")) for r in records],
        "source": [jsonable(r.get("source", "")) for r in records],
    }
    table = occurrences_arrow(blobs)
    if table is None:  # a blob in the JSON form: the same rows, decoded one article at a time
        decode = KINDS["occurrences"].decode
        rows = [(i, *found) for i, blob in enumerate(blobs) for found in decode(blob)]
        if not rows:
            return None
        article, phrase, quoted, listed, field, line, offset = (list(c) for c in zip(*rows))
        codes, uniques = pd.factorize(np.asarray(phrase, dtype=object))
        article, field = np.asarray(article, dtype=np.int64), np.asarray(field, dtype=np.int64)
        quoted, listed = np.asarray(quoted, dtype=bool), np.asarray(listed, dtype=bool)
        line, offset = np.asarray(line, dtype=np.int64), np.asarray(offset, dtype=np.int64)
    else:
        if not table.num_rows:
            return None
        encoded = table["formulation"].combine_chunks().dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        uniques = encoded.dictionary.to_numpy(zero_copy_only=False)
        article = table["article"].to_numpy()
        field = table["field"].to_numpy()
        quoted = table["quoted"].to_numpy() != 0
        listed = table["enumerated"].to_numpy() != 0
        line, offset = table["line"].to_numpy(), table["offset"].to_numpy()
    uniques = np.asarray(uniques, dtype=object)
    kind_of = np.asarray([kinds[p] for p in uniques.tolist()], dtype=object)
    columns = {
        "formulation": uniques[codes], "kind": kind_of[codes], "quoted": quoted, "enumerated": listed,
        **{c: np.asarray(v, dtype=object)[article] for c, v in per_article.items()},
        "field": np.asarray(FIELDS, dtype=object)[field], "line": line, "offset": offset,
    }
    return pd.DataFrame(columns, columns=OCCURRENCE_COLUMNS)


def table_columns(per_article: Iterable[list], columns: list[str]) -> dict[str, list] | list:
    """Every article's rows (lists in the order of ``columns``, or dicts by column name) as one list per
    column, for ``pd.DataFrame(…, columns=columns)`` (the same frame as from the rows; no rows: ``[]``).

    Each row decoded from JSON is a list or dict of new objects: the 386,000 mention records of 192,000
    articles, held as dicts until the frame was made, added some 900 MB to the build's peak.  Columns hold
    one reference per value, and equal strings (the same article id, date, source or kind on many rows)
    share one object.  A key missing from a record is NaN, as in a frame made from
    the records.

    >>> table_columns([[["a", 1]], [], [["b", 2], ["a", 3]]], ["x", "n"])
    {'x': ['a', 'b', 'a'], 'n': [1, 2, 3]}
    >>> table_columns([[{"x": "a"}]], ["x", "n"])
    {'x': ['a'], 'n': [nan]}
    """
    out: list[list] = [[] for _ in columns]
    appends = [c.append for c in out]
    shared: dict = {}
    share = shared.setdefault
    nan = float("nan")
    any_rows = False
    for rows in per_article:
        for row in rows:
            any_rows = True
            values = [row.get(c, nan) for c in columns] if isinstance(row, dict) else row
            for append, value in zip(appends, values):
                append(share(value, value) if type(value) is str else value)
    return dict(zip(columns, out)) if any_rows else []


def record_columns(blobs: Iterable[bytes], columns: list[str]) -> dict[str, list] | list:
    """:func:`table_columns` of records encoded by :func:`~analysis.perarticle.kinds.encode_records`,
    read from the encoding itself: a value every record of an article shares is repeated, not copied
    into a dict per record and read back (the mentions table of the development corpus: 1.9 -> 0.7 s).

    >>> from analysis.perarticle.kinds import encode_records
    >>> blobs = [encode_records([{"x": "a", "n": 1}, {"x": "a", "n": 2}]), encode_records([]),
    ...          encode_records([{"x": "b"}, {"x": "c", "n": 3}])]
    >>> record_columns(blobs, ["x", "n"])
    {'x': ['a', 'a', 'b', 'c'], 'n': [1, 2, nan, 3]}
    """
    out: dict[str, list] = {c: [] for c in columns}
    shared: dict = {}
    share = shared.setdefault
    nan = float("nan")
    any_rows = False
    for blob in blobs:
        value = decode_json(blob)
        if isinstance(value, list):  # records with differing keys: plain JSON
            if value:
                any_rows = True
                part = table_columns([value], columns)
                for c in columns:
                    out[c].extend(part[c])
            continue
        names, same, rows = value["k"], value["c"], value["r"]
        if not rows:
            continue
        any_rows = True
        n = len(rows)
        at = {name: j for j, name in enumerate(name for name in names if name not in same)}
        for c in columns:
            if c in same:
                v = same[c]
                out[c].extend([share(v, v) if type(v) is str else v] * n)
            elif c in at:
                j = at[c]
                out[c].extend([share(r[j], r[j]) if type(r[j]) is str else r[j] for r in rows])
            else:
                out[c].extend([nan] * n)
    return out if any_rows else []


def expansions(stage: StageResult) -> dict[str, str]:
    """Enumeration → the items it names, from its first appearance in a text (article order)."""
    return formulation_expansions(stage.quotes)


def discovery_hits_table(stage: StageResult) -> pd.DataFrame:
    """The hits of :func:`analysis.perarticle.mentions.discovery_hits` of every article, in article order."""
    return pd.DataFrame(table_columns(stage.each("discoveries"), HIT_COLUMNS), columns=HIT_COLUMNS).astype(
        {"line": "int64", "offset": "int64"})


def mentions_table(stage: StageResult) -> pd.DataFrame:
    """The table of :func:`analysis.perarticle.mentions.leader_mentions` from the per-article mentions.

    Each article's rows are leader_mentions' own, in its order; the same
    stable sort over all of them (by date, source, article, place, offset)
    gives the corpus's table.
    """
    return mentions_frame(record_columns(stage.kept("mentions"), MENTION_COLUMNS))
