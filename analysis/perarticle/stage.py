"""The per-article stage of the build: one pass per article, cached by content, on all cores.

Everything the book derives from one article alone is computed here, once,
by the other modules' own functions applied to chunks of articles:

* **tokens**: :func:`analysis.tokens.tokenize_articles` on the chunk; depends
  on the text and the segmenter's fingerprint (dictionary, boilerplate and
  alias files, versions);
* **counts**: :func:`analysis.aggregate.frequency.article_term_counts` (aliases
  applied); depends on the tokens, the stopword and alias files;
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

KINDS = ("tokens", "counts", "quotes", "mentions")
#: Which modules' source each output depends on (their bytes go into the key); paths relative to analysis/.
#: This module is in every entry: it encodes the values (a change of format must not be read back).
CODE_OF = {
    "tokens": ("perarticle/stage.py", "tokens.py"),
    "counts": ("perarticle/stage.py", "tokens.py", "aggregate/frequency.py"),
    "quotes": ("perarticle/stage.py", "tokens.py", "aggregate/formulations.py"),
    "mentions": ("perarticle/stage.py", "leaders/mentions.py", "corpus/read.py", "corpus/field_lines.py",
                 "corpus/folder.py"),
    "occurrences": ("perarticle/stage.py", "tokens.py", "aggregate/formulations.py", "corpus/field_lines.py",
                    "corpus/folder.py"),
}
#: Bump when this module's per-article results change shape.
STAGE_VERSION = "2"  # 2: main's functions per chunk (aliases, boilerplate, lines of every field)
FIELDS = ("headline", "subheadline", "text")


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

    @staticmethod
    def _check(value: bytes) -> str:
        return hashlib.blake2b(value, digest_size=8).hexdigest()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=60)
        try:
            con.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, key TEXT NOT NULL, "
                        "value BLOB NOT NULL, check_ TEXT NOT NULL, PRIMARY KEY (kind, key))")
            con.execute("PRAGMA quick_check").fetchone()
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

    def get_many(self, kind: str, keys: Sequence[str]) -> dict:
        """Cached values of ``kind`` for those ``keys`` present and intact."""
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
                        found[key] = self.decode(kind, value)
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
        return json.loads(text)

    def put_many(self, kind: str, items: Iterable[tuple[str, object]]) -> None:
        """Store (key, value) pairs of ``kind`` in one transaction."""
        rows = []
        for key, value in items:
            blob = self.encode(kind, value)
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
    Returns ``{kind: {i: value}}``.  Each output is the project's own
    function applied to the rows that need it.
    """
    with _corpus_setting(config.corpus):
        return _compute_chunk(chunk, needs, given_tokens, config)


def _compute_chunk(chunk, needs, given_tokens, config) -> dict:
    from analysis.aggregate.formulations import _fields, _normalize, find_enumerations, find_quoted
    from analysis.aggregate.frequency import article_term_counts
    from analysis.leaders.mentions import leader_mentions
    from analysis.tokens import get_segmenter, tokenize_articles

    out: dict[str, dict[int, object]] = {kind: {} for kind in KINDS}
    n = len(chunk)
    tokens: dict[int, list[str]] = {i: t for i, t in enumerate(given_tokens) if t is not None}
    missing = [i for i in range(n) if ("tokens" in needs[i] or "counts" in needs[i]) and i not in tokens]
    if missing:
        got = tokenize_articles(chunk.iloc[missing], cache=False)
        for i, toks in zip(missing, got["tokens"]):
            tokens[i] = list(toks)
    for i in range(n):
        if "tokens" in needs[i]:
            out["tokens"][i] = tokens[i]
    counted = [i for i in range(n) if "counts" in needs[i]]
    if counted:
        # Positions as ids: article_term_counts keeps them, and they never collide.
        frame = pd.DataFrame({"article_id": [str(i) for i in counted],
                              "tokens": pd.Series([tokens[i] for i in counted], dtype=object)})
        long = article_term_counts(frame)  # stopwords and aliases of the corpus folder
        per: dict[int, tuple[list, list]] = {i: ([], []) for i in counted}
        for aid, term, count in zip(long["article_id"], long["term"], long["count"]):
            terms, counts = per[int(aid)]
            terms.append(term)
            counts.append(int(count))
        for i in counted:
            # Two parallel tuples (count descending, then term), not one small list per term: memory.
            out["counts"][i] = {"n_tokens": len(tokens[i]), "terms": tuple(per[i][0]), "counts": tuple(per[i][1])}
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
    for row in found.itertuples(index=False):
        out[position[row.article_id]].append([_jsonable(v) for v in row])
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

    def map(self, fn: Callable, jobs: list[tuple]) -> list:
        if not jobs:
            return []
        if self.scheduler is not None:
            from analysis.perarticle.distributed import get_client, map_ordered

            if self._client is None:
                self._client = get_client(self.scheduler)
            return map_ordered(self._client, fn, jobs)
        if self.workers == 1 or len(jobs) == 1:
            return [fn(*job) for job in jobs]
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # forkserver: workers start from a clean process (no copied locks or
            # threads of the parent), cheaper than spawn on Linux.
            method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
            self._pool = ProcessPoolExecutor(max_workers=min(self.workers, len(jobs)),
                                             mp_context=mp.get_context(method))
        futures = [self._pool.submit(fn, *job) for job in jobs]
        return [f.result() for f in futures]


# --------------------------------------------------------------------------- the stage


@dataclass
class StageResult:
    """What the per-article stage hands to the aggregation.

    ``articles``: the articles table; ``records``: its rows as dicts (article
    order); ``keys``: their cache keys; ``tokens``: like
    :func:`analysis.tokens.tokenize_articles`; ``counts`` (``{"n_tokens",
    "terms", "counts"}``, terms by count descending, then term)/``quotes``/
    ``mentions``: per-article values (article order); ``stats``: how many of
    each output came from the cache / were computed.
    """

    records: list[dict]
    keys: list[dict]
    tokens: pd.DataFrame
    counts: list[dict]
    quotes: list[dict]
    mentions: list[list[dict]]
    config: StageConfig
    stats: dict
    store: "ArticleCache | None" = None
    articles: pd.DataFrame | None = None


def run_stage(articles: pd.DataFrame, *, registry=None, titles=None, phrases=None, workers: int | None = None,
              scheduler=None, cache: bool | str | Path = True, runner: Runner | None = None) -> StageResult:
    """Every per-article output of ``articles``, from the cache where possible.

    ``registry``/``titles``/``phrases``: as :func:`analysis.leaders.mentions.leader_mentions`
    takes them (None: the corpus folder's); ``workers``: processes for the
    misses (default all cores; 1 = in this process); ``scheduler``: a Dask
    scheduler address or ``distributed.Client`` (then ``workers`` is
    ignored); ``cache``: True (build folder), a folder, or False.
    """
    for column in ("article_id", "text"):
        if column not in articles.columns:
            raise ValueError(f"articles table lacks column {column!r} (see analysis.corpus.read.load_articles)")
    ids = articles["article_id"].astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise ValueError(f"article_id {dup!r} occurs more than once; ids must be unique")
    config = StageConfig.resolve(registry, titles=titles, phrases=phrases)
    records = articles.to_dict("records")
    keys = [article_keys(r, config) for r in records]
    try:
        store = None if cache is False else ArticleCache(None if cache is True else cache)
    except OSError as err:  # the build folder cannot be created: compute everything, cache nothing
        log.warning("per-article cache unavailable (%s); computing without it", err.strerror or err)
        store = None
    values: dict[str, list] = {}
    for kind in KINDS:
        got = store.get_many(kind, [k[kind] for k in keys]) if store is not None else {}
        values[kind] = [got.get(k[kind]) for k in keys]
    needs = [tuple(kind for kind in KINDS if values[kind][i] is None) for i in range(len(records))]
    todo = [i for i, n in enumerate(needs) if n]
    stats = {kind: {"cached": sum(v is not None for v in values[kind]),
                    "computed": sum(v is None for v in values[kind])} for kind in KINDS}
    own = runner is None
    runner = runner or Runner(workers, scheduler)
    try:
        size = chunk_size(len(todo), runner.workers)
        jobs, spans = [], []
        for span in _chunks(len(todo), size):
            idx = [todo[j] for j in span]
            jobs.append((articles.iloc[idx], [needs[i] for i in idx], [values["tokens"][i] for i in idx], config))
            spans.append(idx)
        for idx, result in zip(spans, runner.map(compute_chunk, jobs)):
            for kind in KINDS:
                fresh = []
                for local, value in result[kind].items():
                    if kind == "tokens":
                        # One string object per distinct word, not one per occurrence.
                        value = list(map(sys.intern, value))
                    values[kind][idx[local]] = value
                    fresh.append((keys[idx[local]][kind], value))
                if store is not None:
                    store.put_many(kind, fresh)
    finally:
        if own:
            runner.close()
    tokens = pd.DataFrame({"article_id": pd.Series(list(ids), dtype=object),
                           "tokens": pd.Series(values["tokens"], dtype=object)})
    return StageResult(records, keys, tokens, values["counts"], values["quotes"], values["mentions"], config, stats,
                       store, articles)


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
    articles = stage.articles if stage.articles is not None else pd.DataFrame(stage.records)
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
