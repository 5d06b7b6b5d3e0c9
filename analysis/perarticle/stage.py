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

import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from analysis.corpus.folder import Corpus
from analysis.io import row_records
from analysis.tokens import get_segmenter
from .formulations import OCCURRENCE_COLUMNS, corpus_formulations, formulation_expansions
from .kinds import KINDS, Chunk, jsonable, kind_digest
from .mentions import HIT_COLUMNS, mentions_frame

log = logging.getLogger(__name__)

#: The outputs of the first pass (every kind without a corpus-wide context).
FIRST_PASS = tuple(name for name, kind in KINDS.items() if not kind.context)


# --------------------------------------------------------------------------- keys


def _h(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


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


def stage_keys(records: Iterable[dict], corpus: Corpus, kinds: Sequence[str] = FIRST_PASS, *,
               context: dict | None = None, backend: str = "auto") -> list[dict[str, str]]:
    """The cache key of each output ``kinds`` of each article (rows of the articles table as dicts).

    A key covers what its :class:`~analysis.perarticle.kinds.Kind` declares:
    the article's fields (or whole row), the facts' bytes and the code
    (:func:`~analysis.perarticle.kinds.kind_digest`), the raw page, the keys
    of the outputs it uses and the digest of its ``context``.

    >>> corpus = Corpus.sample()
    >>> k1 = stage_keys([{"article_id": "a", "text": "丰台区"}], corpus)[0]
    >>> k2 = stage_keys([{"article_id": "b", "text": "丰台区"}], corpus)[0]
    >>> k1["tokens"] == k2["tokens"], k1["mentions"] == k2["mentions"]
    (True, False)
    """
    backend = get_segmenter(corpus, backend).backend
    digests = {name: kind_digest(KINDS[name], corpus, backend) for name in kinds}
    context = context or {}
    context_digest = {name: _h(*(json.dumps(context[c], ensure_ascii=False, sort_keys=True)
                                 for c in KINDS[name].context)) for name in kinds}
    pages = _Pages(corpus)
    out = []
    for record in records:
        # Each distinct content a kind reads (the whole row, the text, some fields) is hashed once per
        # article, and the kinds' keys are hashes of those digests: the text is read once, not once a kind.
        contents: dict[tuple[str, ...] | None, str] = {}
        keys: dict[str, str] = {}
        for name in kinds:
            kind = KINDS[name]
            if kind.fields not in contents:
                contents[kind.fields] = _h(_content(record, kind.fields))
            used = [keys[u] if u in keys else stage_keys([record], corpus, (u,), context=context)[0][u]
                    for u in kind.uses]
            page = pages(record.get("source")) if kind.page else ""
            keys[name] = _h(name, digests[name], contents[kind.fields], page, *used, context_digest[name])
        out.append(keys)
    return out


def _content(record: dict, fields: tuple[str, ...] | None) -> str:
    """What of ``record`` a kind reading ``fields`` depends on, as one string (None: the whole row)."""
    if fields is None:
        return json.dumps({k: jsonable(v) for k, v in sorted(record.items())}, ensure_ascii=False, sort_keys=True)
    if fields == ("text",):
        return _field_text(record.get("text"))
    return json.dumps([_field_text(record.get(f)) if isinstance(record.get(f), str) else None for f in fields],
                      ensure_ascii=False)


# --------------------------------------------------------------------------- the cache


class ArticleCache:
    """Per-article results in one SQLite file, keyed by content, checksummed.

    >>> import tempfile
    >>> c = ArticleCache(tempfile.mkdtemp())
    >>> c.put_many("tokens", [("k1", ["丰台", "发展"])])
    >>> c.get_many("tokens", ["k1", "k2"])
    {'k1': ['丰台', '发展']}
    """

    FILE = "perarticle.sqlite"

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / self.FILE
        self._checked = False

    @staticmethod
    def _check(value: bytes) -> str:
        return hashlib.blake2b(value, digest_size=8).hexdigest()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60)
        try:
            con.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, key TEXT NOT NULL, "
                        "value BLOB NOT NULL, check_ TEXT NOT NULL, PRIMARY KEY (kind, key))")
            if not self._checked:
                # Once per use of the cache, not per query: it reads the whole file (1 s at 500 MB).
                con.execute("PRAGMA quick_check").fetchone()
                self._checked = True
        except sqlite3.DatabaseError:
            con.close()
            self._discard_file()
            con = sqlite3.connect(self.path, timeout=60)
            con.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, key TEXT NOT NULL, "
                        "value BLOB NOT NULL, check_ TEXT NOT NULL, PRIMARY KEY (kind, key))")
        return con

    def _discard_file(self) -> None:
        log.warning("%s: per-article cache unreadable; discarded, everything is recomputed", self.path)
        for suffix in ("", "-journal", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                p.unlink()

    def get_many(self, kind: str, keys: Sequence[str], raw: bool = False) -> dict:
        """Cached values of ``kind`` for those ``keys`` present and intact (``raw``: the
        checked bytes, undecoded)."""
        found: dict = {}
        if not keys:
            return found
        bad: list[str] = []
        try:
            con = self._connect()
        except sqlite3.DatabaseError:
            return found
        try:
            unique = sorted(set(keys))
            for i in range(0, len(unique), 900):
                part = unique[i : i + 900]
                marks = ",".join("?" * len(part))
                rows = con.execute(f"SELECT key, value, check_ FROM entries WHERE kind = ? AND key IN ({marks})",
                                   [kind, *part])
                for key, value, check in rows:
                    try:
                        if self._check(value) != check:
                            raise ValueError("checksum mismatch")
                        found[key] = bytes(value) if raw else self.decode(kind, value)
                    except (ValueError, UnicodeDecodeError, AttributeError, IndexError, TypeError):
                        bad.append(key)
            if bad:
                log.warning("%s: %d corrupt %s cache entr%s discarded and recomputed", self.path, len(bad), kind,
                            "y" if len(bad) == 1 else "ies")
                with con:
                    con.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", [(kind, k) for k in bad])
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

    def put_many(self, kind: str, items: Iterable[tuple[str, object]], raw: bool = False) -> None:
        """Store (key, value) pairs of ``kind`` in one transaction (``raw``: values already encoded)."""
        rows = []
        for key, value in items:
            blob = value if raw else self.encode(kind, value)
            rows.append((kind, key, blob, self._check(blob)))
        if not rows:
            return
        try:
            con = self._connect()
        except sqlite3.OperationalError as err:
            log.warning("could not write the per-article cache %s (%s); continuing without it", self.path, err)
            return
        try:
            with con:
                con.executemany("INSERT OR REPLACE INTO entries (kind, key, value, check_) VALUES (?, ?, ?, ?)", rows)
        except sqlite3.OperationalError as err:
            # Disk full, read-only or locked too long: the results are right, only not cached.
            log.warning("could not write the per-article cache %s (%s); continuing without it", self.path, err)
        finally:
            con.close()




# --------------------------------------------------------------------------- work on one chunk (in a worker)

#: Corpora a worker process has seen, by identity: their segmenter and matcher are made once per process.
_RESIDENT: dict[Corpus, Corpus] = {}


def resident(corpus: Corpus) -> Corpus:
    """This process's copy of ``corpus`` (an equal object received before), so what is derived from its
    facts survives from one chunk to the next."""
    found = _RESIDENT.get(corpus)
    if found is None:
        if len(_RESIDENT) >= 4:  # a long-lived Dask worker serving many corpora
            _RESIDENT.clear()
        found = _RESIDENT[corpus] = corpus
    return found


def compute_chunk(corpus: Corpus, records: list[dict], needs: list[tuple[str, ...]], given: dict[str, dict],
                  context: dict | None = None) -> dict[str, dict[int, bytes]]:
    """Compute the missing outputs of one chunk of articles (runs in a worker process).

    ``records``: rows of the articles table; ``needs[i]``: the kinds row
    ``i`` lacks, in :data:`~analysis.perarticle.kinds.KINDS` order;
    ``given[kind][i]``: the cached bytes of a value that a needed kind uses
    (tokens).  Returns ``{kind: {i: bytes}}``, each value encoded as the
    cache stores it: bytes travel back to the parent several times faster
    than lists of strings, and the parent stores them as they are.
    """
    chunk = Chunk(records, resident(corpus), given, context)
    out: dict[str, dict[int, bytes]] = {}
    for name, kind in KINDS.items():
        rows = [i for i, need in enumerate(needs) if name in need]
        if not rows:
            continue
        out[name] = dict(zip(rows, kind.compute(chunk, rows)))
        chunk.blobs.setdefault(name, {}).update(out[name])
    return out


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


def _warm_up(corpus: Corpus) -> None:
    """In a fresh worker: import what the per-article stage calls and load the corpus's segmenter."""
    import analysis.perarticle.formulations  # noqa: F401
    import analysis.perarticle.mentions  # noqa: F401
    import analysis.perarticle.terms  # noqa: F401

    get_segmenter(resident(corpus))._load()


class Runner:
    """Runs a function over argument tuples: in-process, in worker processes, or on Dask.

    Results come back in submission order whatever the executor, so the
    output is identical for any number of workers.
    """

    def __init__(self, workers: int | None = None, scheduler=None):
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.scheduler = scheduler
        self._pool = None
        self._client = None
        self._warming: list = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
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
            self._pool = ProcessPoolExecutor(max_workers=min(self.workers, n_jobs),
                                             mp_context=mp.get_context(method))
        return self._pool

    def warm_up(self, corpus: Corpus) -> None:
        """Start the worker processes now and have each import the stage's modules and load the
        corpus's segmenter, while the parent reads the corpus (a worker's start costs about a second)."""
        if self.scheduler is not None or self.workers == 1:
            return
        pool = self._processes(self.workers)
        self._warming = [pool.submit(_warm_up, corpus) for _ in range(self.workers)]

    def map(self, fn: Callable, jobs: list[tuple]) -> list:
        """``[fn(*job) for job in jobs]``, in job order."""
        return self.submit(fn, jobs)()

    def submit(self, fn: Callable, jobs: list[tuple]) -> Callable[[], list]:
        """Start ``fn`` on every job; return a function that waits for the results (in job order).

        Lets the caller prepare the next batch while the workers compute this one.
        """
        if not jobs:
            return list
        if self.scheduler is not None:
            from analysis.perarticle.distributed import get_client, submit_ordered

            if self._client is None:
                self._client = get_client(self.scheduler)
            return submit_ordered(self._client, fn, jobs)
        if self.workers == 1 or (len(jobs) == 1 and self._pool is None):
            return lambda: [fn(*job) for job in jobs]
        pool = self._processes(len(jobs))
        futures = [pool.submit(fn, *job) for job in jobs]
        return lambda: [f.result() for f in futures]




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

    @property
    def ids(self) -> list[str]:
        return [str(a) for a in self.articles["article_id"]]

    def decoded(self, kind: str) -> list | None:
        """The values of ``kind``, article order (None: handed to a sink, not kept)."""
        if kind not in self._decoded:
            blobs = self.blobs.get(kind)
            self._decoded[kind] = None if blobs is None else [KINDS[kind].decode(b) for b in blobs]
        return self._decoded[kind]

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


def run_stage(articles: pd.DataFrame, corpus: Corpus | None = None, *, kinds: Sequence[str] = FIRST_PASS,
              context: dict | None = None, workers: int | None = None, scheduler=None,
              cache: bool | str | Path = True, runner: Runner | None = None,
              sinks: dict[str, Callable[[range, list[bytes]], None]] | None = None,
              known: dict[str, list] | None = None) -> StageResult:
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
    first's).
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
    # Row dicts a batch at a time (all at once would copy every text).
    keys = [k for batch in batches(len(articles))
            for k in stage_keys(row_records(articles.iloc[batch.start:batch.stop]), corpus, kinds,
                                context=context)]
    store = None
    if cache is not False:
        try:
            store = ArticleCache(corpus.cache_dir("perarticle") if cache is True else cache)
        except OSError as err:  # the build folder cannot be created: compute everything, cache nothing
            log.warning("per-article cache unavailable (%s); computing without it", err.strerror or err)
    n = len(keys)
    streamed = dict(sinks or {})
    blobs: dict[str, list] = {kind: [None] * n for kind in kinds}
    stats = {kind: {"cached": 0, "computed": 0} for kind in kinds}
    own = runner is None
    runner = runner or Runner(workers, scheduler)
    try:
        def finish(batch, spans, results) -> None:
            """Store one batch's computed outputs, then hand the streamed kinds to their sinks."""
            for idx, result in zip(spans, results()):
                for kind, found in result.items():
                    fresh = []
                    for local, blob in found.items():
                        blobs[kind][idx[local]] = blob
                        fresh.append((keys[idx[local]][kind], blob))
                    if store is not None:
                        store.put_many(kind, fresh, raw=True)
            for kind, sink in streamed.items():
                sink(batch, [blobs[kind][i] for i in batch])
                for i in batch:
                    blobs[kind][i] = None

        pending = None
        for batch in batches(n):
            for kind in kinds:
                given = (known or {}).get(kind)
                if given is not None:
                    for i in batch:
                        blobs[kind][i] = given[i]
                ask = [keys[i][kind] for i in batch if blobs[kind][i] is None]
                got = store.get_many(kind, ask, raw=True) if store is not None and ask else {}
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
                records = row_records(articles.iloc[idx])
                jobs.append((corpus, records, [needs[i] for i in idx], given, context))
                spans.append(idx)
            # The workers start on this batch while the previous one is stored and summed here.
            submitted = (batch, spans, runner.submit(compute_chunk, jobs))
            if pending is not None:
                finish(*pending)
            pending = submitted
        if pending is not None:
            finish(*pending)
    finally:
        if own:
            runner.close()
    for kind in kinds:
        if kind in streamed or kind not in wanted:
            blobs[kind] = None
    return StageResult(articles, corpus, keys, blobs, stats, store)


def formulation_occurrences(stage: StageResult, *, workers: int | None = None, scheduler=None,
                            runner: Runner | None = None, cache: bool | str | Path = True) -> pd.DataFrame:
    """The occurrences table (:func:`analysis.perarticle.formulations.extract_formulations`) of the
    stage's articles: the second pass, with the corpus's formulations (merged from the cached quotes)
    as its context."""
    formulations = corpus_formulations(stage.quotes)
    if not formulations:
        frame = pd.DataFrame([], columns=OCCURRENCE_COLUMNS)
        stage.stats["occurrences"] = {"cached": 0, "computed": 0}
        return frame.astype({"quoted": bool, "line": "int64", "offset": "int64"})
    second = run_stage(stage.articles, stage.corpus, kinds=("occurrences",),
                       context={"formulations": list(formulations.items())}, workers=workers, scheduler=scheduler,
                       runner=runner, cache=cache if stage.store is not None else False,
                       known={kind: stage.blobs[kind] for kind in ("bounds",) if stage.blobs.get(kind) is not None})
    stage.stats["occurrences"] = second.stats["occurrences"]
    rows = [tuple(row) for rows in second.decoded("occurrences") for row in rows]
    frame = pd.DataFrame(rows, columns=OCCURRENCE_COLUMNS)
    return frame.astype({"quoted": bool, "line": "int64", "offset": "int64"})


def expansions(stage: StageResult) -> dict[str, str]:
    """Enumeration → the items it names, from its first appearance in a text (article order)."""
    return formulation_expansions(stage.quotes)


def discovery_hits_table(stage: StageResult) -> pd.DataFrame:
    """The hits of :func:`analysis.perarticle.mentions.discovery_hits` of every article, in article order."""
    rows = [tuple(row) for per in stage.decoded("discoveries") for row in per]
    return pd.DataFrame(rows, columns=HIT_COLUMNS).astype({"line": "int64", "offset": "int64"})


def mentions_table(stage: StageResult) -> pd.DataFrame:
    """The table of :func:`analysis.perarticle.mentions.leader_mentions` from the per-article mentions.

    Each article's rows are leader_mentions' own, in its order; the same
    stable sort over all of them (by date, source, article, place, offset)
    gives the corpus's table.
    """
    return mentions_frame([row for per in stage.mentions for row in per])
