"""The per-article stage of the build: one pass per article, cached by content, on all cores.

Everything the book derives from one article alone is computed here, once,
by the other modules' own functions applied to chunks of articles:

* **tokens**: :func:`analysis.tokens.tokenize_articles` on the chunk; depends
  on the text and the segmenter's fingerprint (dictionary, boilerplate and
  alias files, versions);
* **counts**: :class:`analysis.aggregate.frequency.TermCounter` (as
  :func:`analysis.aggregate.frequency.article_term_counts`: aliases applied);
  depends on the tokens, the stopword and alias files;
* **ngrams**: :class:`analysis.aggregate.frequency.NgramCounter`: the
  article's bigrams and trigrams of touching terms (collocations, trigram
  table); depends on the text, the segmenter, the stopword and alias files;
* **quotes**: which phrases the article makes formulations (pass 1 of
  :func:`analysis.aggregate.formulations.extract_formulations`: quoted phrases and
  enumerations, in its order) and the enumerations' expansions; depends on
  headline, subheadline, text and the segmenter;
* **mentions**: :func:`analysis.leaders.mentions.leader_mentions` with the build's
  registry, titles and phrases; depends on the whole article row and those facts;

plus, for each output, a hash of the source code of the modules that compute
it (:func:`code_version`).  So an edited article re-runs that article only, a
changed registry re-runs mention extraction only, and a changed stopword list
re-counts without re-segmenting.

The cache is one SQLite file in the build folder
(``_build/cache/perarticle/perarticle.sqlite``): each chunk's results are
committed in one transaction (a crash leaves the previous state), each value
carries a checksum that is verified on read (a corrupt entry is discarded
with one warning and recomputed; an unreadable file is set aside the same
way).  Misses are computed in worker processes (``workers``; default all
cores) or on a Dask cluster (``scheduler``, see :mod:`analysis.perarticle.distributed`);
the parent alone writes the cache and puts the results back in article
order, so the output does not depend on the number of workers.

Counting formulations has one step that is not per article (a phrase quoted
in one article is counted in all): :func:`formulation_occurrences` calls
:func:`analysis.aggregate.formulations.extract_formulations` on each chunk with the
corpus's formulations (``kinds=``), after the per-article pass.

The workers see the parent's corpus setting (``ANALYSIS_CORPUS``, carried
in :class:`StageConfig`), so every module there reads the same fact files.

>>> from analysis.corpus import load_articles
>>> stage = run_stage(load_articles(), workers=1)
>>> list(stage.tokens.columns), len(stage.tokens) == len(load_articles())
(['article_id', 'tokens'], True)
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from analysis.paths import cache_dir

log = logging.getLogger(__name__)

KINDS = ("tokens", "counts", "ngrams", "quotes", "mentions")
#: Which modules' source each output depends on (their bytes go into the key); paths relative to analysis/.
#: This module is in every entry: it encodes the values (a change of format must not be read back).
CODE_OF = {
    "tokens": ("perarticle/stage.py", "tokens.py"),
    "counts": ("perarticle/stage.py", "tokens.py", "aggregate/frequency.py"),
    "ngrams": ("perarticle/stage.py", "tokens.py", "aggregate/frequency.py"),
    "quotes": ("perarticle/stage.py", "tokens.py", "aggregate/formulations.py"),
    "mentions": ("perarticle/stage.py", "leaders/mentions.py", "corpus/read.py", "corpus/field_lines.py",
                 "corpus/folder.py"),
    "occurrences": ("perarticle/stage.py", "tokens.py", "aggregate/formulations.py", "corpus/field_lines.py",
                    "corpus/folder.py"),
}
#: Bump when this module's per-article results change shape.
STAGE_VERSION = "3"  # 2: main's functions per chunk (aliases, boilerplate, lines of every field); 3: n-grams
FIELDS = ("headline", "subheadline", "text")
#: The n-gram lengths counted per article (bigrams for collocations, trigrams).
NGRAMS = (2, 3)


def code_version(kind: str) -> str:
    """Hash of the source files that compute ``kind`` (see :data:`CODE_OF`).

    >>> len(code_version("tokens"))
    16
    """
    return _code_version(kind)


@lru_cache(maxsize=None)
def _code_version(kind: str) -> str:
    here = Path(__file__).resolve().parent.parent  # analysis/: CODE_OF's paths start there
    digest = hashlib.sha256(STAGE_VERSION.encode())
    for name in CODE_OF[kind]:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _digest_file(path) -> str:
    if path is None:
        return "none"
    path = Path(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else f"missing:{path}"


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class StageConfig:
    """The facts the per-article outputs depend on (picklable for workers).

    ``corpus``: the corpus setting (``$ANALYSIS_CORPUS``) the workers adopt;
    ``registry``: a path or a DataFrame (``build_tables`` passes the loaded
    registry); ``titles``/``phrases``: paths (None: the corpus folder's).
    """

    corpus: str | None = None
    registry: object = None
    titles: str | None = None
    phrases: str | None = None
    fingerprints: dict = field(default_factory=dict, compare=False)

    @classmethod
    def resolve(cls, registry=None, *, titles=None, phrases=None) -> "StageConfig":
        """Fingerprint every fact file of the configured corpus (``analysis.corpus.folder.fact_path``)."""
        from analysis.corpus.folder import CORPUS_ENV, fact_path
        from analysis.tokens import get_segmenter

        if registry is None:
            registry = fact_path("leaders")
            registry = None if registry is None else str(registry)
        if isinstance(registry, pd.DataFrame):
            reg_digest = hashlib.sha256(registry.to_csv(index=False).encode()).hexdigest()
        else:
            registry = None if registry is None else str(registry)
            reg_digest = _digest_file(registry)
        titles = str(titles) if titles is not None else None
        phrases = str(phrases) if phrases is not None else None
        seg = get_segmenter()
        facts = {name: _digest_file(fact_path(name)) for name in ("stopwords", "aliases", "surnames")}
        mention_facts = (reg_digest + _digest_file(titles or fact_path("titles"))
                         + _digest_file(phrases or fact_path("phrases")) + facts["surnames"] + facts["aliases"])
        fps = {
            "tokens": seg.fingerprint + code_version("tokens"),
            "counts": seg.fingerprint + facts["stopwords"] + facts["aliases"] + code_version("counts"),
            "ngrams": seg.fingerprint + facts["stopwords"] + facts["aliases"] + code_version("ngrams"),
            "quotes": seg.fingerprint + code_version("quotes"),
            "mentions": mention_facts + code_version("mentions"),
            "occurrences": seg.fingerprint + code_version("occurrences"),
        }
        return cls(os.environ.get(CORPUS_ENV), registry, titles, phrases, fps)


class _corpus_setting:
    """Within the block, ``ANALYSIS_CORPUS`` is the parent's (a worker may have started with another)."""

    def __init__(self, value: str | None):
        self.value = value

    def __enter__(self):
        from analysis.corpus.folder import CORPUS_ENV

        self.before = os.environ.get(CORPUS_ENV)
        if self.value is None:
            os.environ.pop(CORPUS_ENV, None)
        else:
            os.environ[CORPUS_ENV] = self.value

    def __exit__(self, *exc):
        from analysis.corpus.folder import CORPUS_ENV

        if self.before is None:
            os.environ.pop(CORPUS_ENV, None)
        else:
            os.environ[CORPUS_ENV] = self.before


def article_keys(record: dict, config: StageConfig) -> dict[str, str]:
    """The cache key of each output of one article (row of the articles table as a dict).

    >>> cfg = StageConfig.resolve()
    >>> k = article_keys({"article_id": "a", "text": "丰台区"}, cfg)
    >>> k["tokens"] == article_keys({"article_id": "b", "text": "丰台区"}, cfg)["tokens"]
    True
    """
    text = _text(record.get("text"))
    fps = config.fingerprints

    def h(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        return digest.hexdigest()

    fields = json.dumps([_text(record.get(f)) if isinstance(record.get(f), str) else None for f in FIELDS],
                        ensure_ascii=False)
    row = json.dumps({k: _jsonable(v) for k, v in sorted(record.items())}, ensure_ascii=False, sort_keys=True)
    row_digest = h("row", row)
    return {
        "tokens": h("tokens", fps["tokens"], text),
        "counts": h("counts", fps["counts"], text),
        "ngrams": h("ngrams", fps["ngrams"], text),
        "quotes": h("quotes", fps["quotes"], fields),
        "mentions": h("mentions", fps["mentions"], row_digest),
        # Occurrences also depend on the corpus-wide set of formulations (added at lookup).
        "occurrences": h("occurrences", fps["occurrences"], row_digest),
    }


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _jsonable(value):
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if pd.isna(value) else value
    try:
        return value.item()  # numpy scalar
    except AttributeError:
        return str(value)


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

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else cache_dir("perarticle")
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
        # Tokens and counts are most of the cache: plain lines decode several
        # times faster than JSON (tokens never contain a line break or a tab:
        # whitespace tokens are dropped and user words may not contain whitespace).
        if kind == "tokens":
            return "\n".join(value).encode("utf-8")
        if kind == "counts":
            return "\n".join([str(value["n_tokens"])] + [f"{t}\t{c}" for t, c in zip(value["terms"], value["counts"])]
                             ).encode("utf-8")
        if kind == "ngrams":
            return "\n".join(f"{n}\t{g}\t{c}" for n, grams in value.items() for g, c in grams.items()).encode("utf-8")
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def decode(kind: str, blob: bytes):
        text = blob.decode("utf-8")
        # sys.intern: one string object per distinct word, not one per occurrence
        # (a corpus has millions of tokens but a vocabulary of thousands).
        if kind == "tokens":
            return list(map(sys.intern, text.split("\n"))) if text else []
        if kind == "counts":
            lines = text.split("\n")
            terms, counts = [], []
            for line in lines[1:]:
                term, count = line.split("\t")
                terms.append(sys.intern(term))
                counts.append(int(count))
            # Two parallel tuples, not one small list per term: a tenth of the memory.
            return {"n_tokens": int(lines[0]), "terms": tuple(terms), "counts": tuple(counts)}
        if kind == "ngrams":
            out: dict[int, dict[str, int]] = {n: {} for n in NGRAMS}
            for line in text.split("\n") if text else []:
                n, gram, count = line.split("\t")
                out[int(n)][sys.intern(gram)] = int(count)
            return out
        return json.loads(text)

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


def compute_chunk(chunk: pd.DataFrame, needs: list[tuple[str, ...]], given_tokens: list, config: StageConfig) -> dict:
    """Compute the missing outputs of one chunk of articles (runs in a worker process).

    ``chunk``: rows of the articles table; ``needs[i]``: which of :data:`KINDS`
    row ``i`` lacks; ``given_tokens[i]``: its cached tokens (or None).
    Returns ``{kind: {i: value}}``, each value encoded as the cache stores it
    (:meth:`ArticleCache.encode`).  Each output is the project's own
    function applied to the rows that need it.
    """
    with _corpus_setting(config.corpus):
        out = _compute_chunk(chunk, needs, given_tokens, config)
    # Encoded here, in the worker: bytes travel back to the parent several times faster than lists
    # of strings, and the parent stores them in the cache as they are.
    return {kind: {i: ArticleCache.encode(kind, value) for i, value in values.items()} for kind, values in out.items()}


def _compute_chunk(chunk, needs, given_tokens, config) -> dict:
    from analysis.aggregate.formulations import _fields, _normalize, find_enumerations, find_quoted
    from analysis.aggregate.frequency import NgramCounter, TermCounter
    from analysis.leaders.mentions import leader_mentions
    from analysis.tokens import get_segmenter, tokenize_articles

    out: dict[str, dict[int, object]] = {kind: {} for kind in KINDS}
    n = len(chunk)
    tokens: dict[int, list[str]] = {i: t for i, t in enumerate(given_tokens) if t is not None}
    missing = [i for i in range(n) if {"tokens", "counts", "ngrams"} & set(needs[i]) and i not in tokens]
    if missing:
        got = tokenize_articles(chunk.iloc[missing], cache=False)
        for i, toks in zip(missing, got["tokens"]):
            tokens[i] = list(toks)
    for i in range(n):
        if "tokens" in needs[i]:
            out["tokens"][i] = tokens[i]
    counted = [i for i in range(n) if "counts" in needs[i]]
    if counted:
        counter = TermCounter()  # stopwords and aliases of the corpus folder, as article_term_counts
        for i in counted:
            pairs = counter(tokens[i])
            # Two parallel tuples (count descending, then term), not one small list per term: memory.
            out["counts"][i] = {"n_tokens": len(tokens[i]), "terms": tuple(t for t, _ in pairs),
                                "counts": tuple(c for _, c in pairs)}
    grams = [i for i in range(n) if "ngrams" in needs[i]]
    if grams:
        ngram_counter = NgramCounter(NGRAMS)
        texts = chunk["text"].tolist()
        for i in grams:
            out["ngrams"][i] = ngram_counter(_text(texts[i]), tokens[i])
    quoted = [i for i in range(n) if "quotes" in needs[i]]
    if quoted:
        cut = get_segmenter().cut
        records = chunk.iloc[quoted].to_dict("records")
        for i, record in zip(quoted, records):
            # Pass 1 of extract_formulations for one article, in its order (field, quotes, then
            # enumerations): the corpus's kinds are these lists merged first-seen-wins.
            kinds, expansions = [], []
            for fname, value in _fields(record):
                norm = _normalize(value)[0]
                kinds.extend([inner, kind] for _, inner, kind in find_quoted(norm) if kind != "quotation")
                for _, slogan, items in find_enumerations(norm, cut):
                    kinds.append([slogan, "enumeration"])
                    if fname == "text":  # formulation_table's expansions come from the texts
                        expansions.append([slogan, items])
            out["quotes"][i] = {"kinds": kinds, "expansions": expansions}
    mentioned = [i for i in range(n) if "mentions" in needs[i]]
    if mentioned:
        sub = chunk.iloc[mentioned]
        found = leader_mentions(sub, registry=config.registry, titles=config.titles, phrases=config.phrases)
        position = {str(a): i for a, i in zip(sub["article_id"], mentioned)}
        per_article: dict[int, list] = {i: [] for i in mentioned}
        for row in found.to_dict("records"):
            per_article[position[str(row["article_id"])]].append({k: _jsonable(v) for k, v in row.items()})
        for i in mentioned:
            out["mentions"][i] = per_article[i]
    return out


def occurrences_chunk(chunk: pd.DataFrame, kinds: dict[str, str], config: StageConfig) -> list[list[list]]:
    """:func:`analysis.aggregate.formulations.extract_formulations` of one chunk, counting the corpus's
    formulations ``kinds``: one list of rows (as ``OCCURRENCE_COLUMNS``) per article."""
    from analysis.aggregate.formulations import extract_formulations

    with _corpus_setting(config.corpus):
        found = extract_formulations(chunk, kinds=kinds)
    position = {str(a): i for i, a in enumerate(chunk["article_id"])}
    out: list[list[list]] = [[] for _ in range(len(chunk))]
    # Whole columns to Python values (numpy scalars become int/bool), not one value at a time.
    columns = [[_jsonable(v) for v in found[c].tolist()] if found[c].dtype == object else found[c].tolist()
               for c in found.columns]
    at = list(found.columns).index("article_id")
    for row in zip(*columns):
        out[position[str(row[at])]].append(list(row))
    return out


# --------------------------------------------------------------------------- running chunks


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _chunks(n: int, size: int) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def chunk_size(n: int, workers: int) -> int:
    """Articles per task: several tasks per worker (load balance), not too small (overhead)."""
    return max(32, min(512, -(-n // max(1, workers * 4))))


def _warm_up(corpus: str | None) -> None:
    """In a fresh worker: import what the per-article stage calls and load the corpus's segmenter."""
    with _corpus_setting(corpus):
        import analysis.aggregate.formulations  # noqa: F401
        import analysis.aggregate.frequency  # noqa: F401
        import analysis.leaders.mentions  # noqa: F401
        from analysis.tokens import get_segmenter

        get_segmenter()._load()


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

    def warm_up(self) -> None:
        """Start the worker processes now and have each import the stage's modules and load the
        segmenter, while the parent reads the corpus (a worker's start costs about a second)."""
        if self.scheduler is not None or self.workers == 1:
            return
        from analysis.corpus.folder import CORPUS_ENV

        pool = self._processes(self.workers)
        self._warming = [pool.submit(_warm_up, os.environ.get(CORPUS_ENV)) for _ in range(self.workers)]

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
    "terms", "counts"}``, terms by count descending, then term), ``ngrams``
    (``{2: {bigram: count}, 3: {…}}``), ``quotes``, ``mentions``.
    ``articles``: the articles table; ``keys``: the cache keys;
    ``stats``: how many of each output came from the cache / were computed.
    ``ngrams`` are None when the stage handed them to a ``sink`` instead.
    """

    def __init__(self, articles: pd.DataFrame, keys: list[dict], blobs: dict[str, list], config: StageConfig,
                 stats: dict, store: "ArticleCache | None"):
        self.articles = articles
        self.keys = keys
        self.blobs = blobs
        self.config = config
        self.stats = stats
        self.store = store
        self._decoded: dict[str, list] = {}
        #: Set by the aggregation: the tokens as an Arrow table, the article × term counts.
        self.tokens_table = None
        self.tokens_path = None
        self.count_matrix = None

    @property
    def ids(self) -> list[str]:
        return [str(a) for a in self.articles["article_id"]]

    def _decode(self, kind: str) -> list | None:
        if kind not in self._decoded:
            blobs = self.blobs.get(kind)
            self._decoded[kind] = None if blobs is None else [ArticleCache.decode(kind, b) for b in blobs]
        return self._decoded[kind]

    @property
    def tokens(self) -> pd.DataFrame:
        if self.blobs.get("tokens") is None and self.tokens_table is None and self.tokens_path is not None:
            import pyarrow.parquet as pq

            self.tokens_table = pq.read_table(self.tokens_path)
        if self.blobs.get("tokens") is None and self.tokens_table is not None:
            lists = self.tokens_table["tokens"].to_pylist()
        else:
            lists = self._decode("tokens")
        return pd.DataFrame({"article_id": pd.Series(self.ids, dtype=object),
                             "tokens": pd.Series(lists, dtype=object)})

    counts = property(lambda self: self._decode("counts"))
    ngrams = property(lambda self: self._decode("ngrams"))
    quotes = property(lambda self: self._decode("quotes"))
    mentions = property(lambda self: self._decode("mentions"))


#: Articles per batch of the stage: cache reads, work and (with a sink) n-grams go batch by batch,
#: so what is held at once does not grow with the corpus beyond the compact per-article bytes.
BATCH = 8192


def run_stage(articles: pd.DataFrame, *, registry=None, titles=None, phrases=None, workers: int | None = None,
              scheduler=None, cache: bool | str | Path = True, runner: Runner | None = None,
              sinks: dict[str, Callable[[range, list[bytes]], None]] | None = None) -> StageResult:
    """Every per-article output of ``articles``, from the cache where possible.

    ``registry``/``titles``/``phrases``: as :func:`analysis.leaders.mentions.leader_mentions`
    takes them (None: the corpus folder's); ``workers``: processes for the
    misses (default all cores; 1 = in this process); ``scheduler``: a Dask
    scheduler address or ``distributed.Client`` (then ``workers`` is
    ignored); ``cache``: True (build folder), a folder, or False.
    ``sinks``: ``{kind: function}``; each batch's encoded outputs of that
    kind (article order) are handed to ``function(batch_range, blobs)`` and
    then not kept, so a large corpus never holds them all (the aggregation
    streams tokens to Parquet, counts to the dataset, n-grams to totals).
    """
    for column in ("article_id", "text"):
        if column not in articles.columns:
            raise ValueError(f"articles table lacks column {column!r} (see analysis.corpus.read.load_articles)")
    ids = articles["article_id"].astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise ValueError(f"article_id {dup!r} occurs more than once; ids must be unique")
    config = StageConfig.resolve(registry, titles=titles, phrases=phrases)
    # Row dicts a batch at a time (all at once would copy every text).
    keys = [article_keys(record, config) for batch in _chunks(len(articles), BATCH)
            for record in articles.iloc[batch.start : batch.stop].to_dict("records")]
    try:
        store = None if cache is False else ArticleCache(None if cache is True else cache)
    except OSError as err:  # the build folder cannot be created: compute everything, cache nothing
        log.warning("per-article cache unavailable (%s); computing without it", err.strerror or err)
        store = None
    n = len(keys)
    streamed = dict(sinks or {})
    unknown = set(streamed) - set(KINDS)
    if unknown:
        raise ValueError(f"no per-article output {sorted(unknown)}; known: {', '.join(KINDS)}")
    blobs: dict[str, list] = {kind: [None] * n for kind in KINDS}
    stats = {kind: {"cached": 0, "computed": 0} for kind in KINDS}
    own = runner is None
    runner = runner or Runner(workers, scheduler)
    try:
        def finish(batch, spans, results) -> None:
            """Store one batch's computed outputs, then hand its n-grams to the sink."""
            for idx, result in zip(spans, results()):
                for kind in KINDS:
                    fresh = []
                    for local, blob in result[kind].items():
                        blobs[kind][idx[local]] = blob
                        fresh.append((keys[idx[local]][kind], blob))
                    if store is not None:
                        store.put_many(kind, fresh, raw=True)
            for kind, sink in streamed.items():
                sink(batch, [blobs[kind][i] for i in batch])
                for i in batch:
                    blobs[kind][i] = None

        pending = None
        for batch in _chunks(n, BATCH):
            for kind in KINDS:
                got = store.get_many(kind, [keys[i][kind] for i in batch], raw=True) if store is not None else {}
                for i in batch:
                    blobs[kind][i] = got.get(keys[i][kind])
            needs = {i: tuple(kind for kind in KINDS if blobs[kind][i] is None) for i in batch}
            for kind in KINDS:
                missing = sum(kind in needs[i] for i in batch)
                stats[kind]["computed"] += missing
                stats[kind]["cached"] += len(batch) - missing
            todo = [i for i in batch if needs[i]]
            size = chunk_size(len(todo), runner.workers)
            jobs, spans = [], []
            for span in _chunks(len(todo), size):
                idx = [todo[j] for j in span]
                given = [ArticleCache.decode("tokens", blobs["tokens"][i]) if blobs["tokens"][i] is not None
                         else None for i in idx]
                jobs.append((articles.iloc[idx], [needs[i] for i in idx], given, config))
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
    for kind in streamed:
        blobs[kind] = None
    return StageResult(articles, keys, blobs, config, stats, store)


def formulation_kinds(stage: StageResult) -> dict[str, str]:
    """Phrase → kind of every formulation of the corpus: the articles' pass-1 lists merged
    first-seen-wins in article order, as :func:`analysis.aggregate.formulations.extract_formulations` does."""
    kinds: dict[str, str] = {}
    for q in stage.quotes:
        for phrase, kind in q["kinds"]:
            kinds.setdefault(phrase, kind)
    return kinds


def formulation_occurrences(stage: StageResult, *, workers: int | None = None, scheduler=None,
                            runner: Runner | None = None) -> pd.DataFrame:
    """The table of :func:`analysis.aggregate.formulations.extract_formulations` for the stage's articles.

    Pass 1 (which phrases are formulations) is read from the cached quotes;
    pass 2 is ``extract_formulations(chunk, kinds=…)`` on each chunk of the
    articles whose occurrences are not cached for this set of formulations.
    """
    from analysis.aggregate.formulations import OCCURRENCE_COLUMNS

    kinds = formulation_kinds(stage)
    kinds_digest = hashlib.sha256(json.dumps(list(kinds.items()), ensure_ascii=False).encode()).hexdigest()
    keys = [hashlib.sha256(f"{k['occurrences']}\0{kinds_digest}".encode()).hexdigest() for k in stage.keys]
    store = stage.store
    got = store.get_many("occurrences", keys) if store is not None else {}
    per: list = [got.get(k) for k in keys]
    if not kinds:
        per = [[] for _ in keys]  # nothing to count
    todo = [i for i, v in enumerate(per) if v is None]
    stage.stats["occurrences"] = {"cached": len(per) - len(todo), "computed": len(todo)}
    articles = stage.articles
    own = runner is None
    runner = runner or Runner(workers, scheduler)
    try:
        size = chunk_size(len(todo), runner.workers)
        spans = [[todo[j] for j in span] for span in _chunks(len(todo), size)]
        jobs = [(articles.iloc[idx], kinds, stage.config) for idx in spans]
        for idx, part in zip(spans, runner.map(occurrences_chunk, jobs)):
            for i, rows in zip(idx, part):
                per[i] = rows
            if store is not None:
                store.put_many("occurrences", [(keys[i], per[i]) for i in idx])
    finally:
        if own:
            runner.close()
    rows = [tuple(row) for rows in per for row in rows]
    frame = pd.DataFrame(rows, columns=OCCURRENCE_COLUMNS)
    return frame.astype({"quoted": bool, "line": "int64", "offset": "int64"})


def expansions(stage: StageResult) -> dict[str, str]:
    """Enumeration → the items it names, from its first appearance in a text (article order),
    as :func:`analysis.aggregate.formulations.formulation_table` finds them."""
    out: dict[str, str] = {}
    for q in stage.quotes:
        for slogan, items in q["expansions"]:
            out.setdefault(slogan, items)
    return out


def mentions_table(stage: StageResult) -> pd.DataFrame:
    """The table of :func:`analysis.leaders.mentions.leader_mentions` from the per-article mentions.

    Each article's rows are leader_mentions' own, in its order; the same
    stable sort over all of them (by date, source, article, place, offset)
    gives the corpus's table.
    """
    from analysis.leaders.mentions import mentions_frame

    return mentions_frame([row for per in stage.mentions for row in per])
