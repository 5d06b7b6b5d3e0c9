"""The per-article stage of the build: one pass per article, cached by content, on all cores.

Everything the book derives from one article alone is computed here, once,
by the other modules' own functions applied to chunks of articles:

* **tokens**: the segmenter of :func:`analysis.tokens.get_segmenter` (the rule
  of ``tokenize_articles``); depends on the text, the user dictionary and the
  segmenter's versions;
* **counts**: term counts as :func:`analysis.frequency.article_term_counts`;
  depends on the tokens and the stopwords;
* **quotes**: :func:`analysis.formulations.find_quoted` and
  :func:`~analysis.formulations.find_enumerations` on headline, subheadline
  and text; depends on those fields and the user dictionary;
* **mentions**: :func:`analysis.leaders.leader_mentions`; depends on the whole
  article row, the registry, titles and phrases;

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
cores) or on a Dask cluster (``scheduler``, see :mod:`analysis.distributed`);
the parent alone writes the cache and puts the results back in article
order, so the output does not depend on the number of workers.

Counting formulations has one step that is not per article (a phrase quoted
in one article is counted in all): :func:`formulation_occurrences` does it in
the same chunks after the per-article pass, with one Aho–Corasick automaton.

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
import re
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
#: Which modules' source each output depends on (their bytes go into the key).
#: This module is in every entry: it encodes the values (a change of format must not be read back).
CODE_OF = {
    "tokens": ("perarticle.py", "tokens.py"),
    "counts": ("perarticle.py", "tokens.py", "frequency.py"),
    "quotes": ("perarticle.py", "tokens.py", "formulations.py"),
    "mentions": ("perarticle.py", "leaders.py", "corpus.py"),
}
#: Bump when this module's per-article results change shape.
STAGE_VERSION = "1"
FIELDS = ("headline", "subheadline", "text")


def code_version(kind: str) -> str:
    """Hash of the source files that compute ``kind`` (see :data:`CODE_OF`).

    >>> len(code_version("tokens"))
    16
    """
    return _code_version(kind)


@lru_cache(maxsize=None)
def _code_version(kind: str) -> str:
    here = Path(__file__).resolve().parent
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
    """The facts the per-article outputs depend on, as explicit paths (picklable for workers).

    ``registry`` may also be a DataFrame (``build --leaders`` given as a frame).
    """

    backend: str = "auto"
    userdict: str | None = None
    stopwords: str | None = None
    registry: object = None
    titles: str | None = None
    phrases: str | None = None
    fingerprints: dict = field(default_factory=dict, compare=False)

    @classmethod
    def resolve(cls, registry=None, backend: str = "auto") -> "StageConfig":
        """Fill in every fact file from the configured corpus (``analysis.corpus_folder.fact_path``)."""
        from analysis.corpus_folder import fact_path
        from analysis.tokens import get_segmenter

        userdict = str(fact_path("userdict"))
        stopwords = str(fact_path("stopwords"))
        titles, phrases = str(fact_path("titles")), str(fact_path("phrases"))
        if registry is None:
            registry = fact_path("leaders")
            registry = None if registry is None else str(registry)
            reg_digest = _digest_file(registry)
        elif isinstance(registry, pd.DataFrame):
            reg_digest = hashlib.sha256(registry.to_csv(index=False).encode()).hexdigest()
        else:
            registry = str(registry)
            reg_digest = _digest_file(registry)
        seg = get_segmenter(backend, userdict)
        fps = {
            "tokens": seg.fingerprint + code_version("tokens"),
            "counts": seg.fingerprint + _digest_file(stopwords) + code_version("counts"),
            "quotes": seg.fingerprint + code_version("quotes"),
            "mentions": reg_digest + _digest_file(titles) + _digest_file(phrases) + code_version("mentions"),
        }
        return cls(seg.backend, userdict, stopwords, registry, titles, phrases, fps)


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
        "occurrences": h("occurrences", fps["quotes"], row_digest),
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
        con = self._connect()
        try:
            with con:
                con.executemany("INSERT OR REPLACE INTO entries (kind, key, value, check_) VALUES (?, ?, ?, ?)", rows)
        finally:
            con.close()


# --------------------------------------------------------------------------- work on one chunk (in a worker)


def compute_chunk(records: list[dict], needs: list[tuple[str, ...]], given_tokens: list, config: StageConfig) -> dict:
    """Compute the missing outputs of one chunk of articles (runs in a worker process).

    ``needs[i]``: which of :data:`KINDS` article ``i`` lacks; ``given_tokens[i]``:
    its cached tokens (or None).  Returns ``{kind: {i: value}}``.
    """
    from collections import Counter

    from analysis.formulations import find_enumerations, find_quoted
    from analysis.leaders import leader_mentions
    from analysis.tokens import get_segmenter, is_term, load_stopwords

    out: dict[str, dict[int, object]] = {kind: {} for kind in KINDS}
    tokens: dict[int, list[str]] = {i: t for i, t in enumerate(given_tokens) if t is not None}
    seg = None
    for i, n in enumerate(needs):
        if ("tokens" in n or "counts" in n) and i not in tokens:
            # As tokenize_articles: an empty or blank text has no tokens.
            text = _text(records[i].get("text"))
            if not text.strip():
                tokens[i] = []
                continue
            seg = seg or get_segmenter(config.backend, config.userdict)
            tokens[i] = seg.cut(text)
    for i, n in enumerate(needs):
        if "tokens" in n:
            out["tokens"][i] = tokens[i]
    # Term counts as analysis.frequency.article_term_counts (count descending, then term),
    # with the stopword/term test memoized per distinct token: most of its cost.
    stop = load_stopwords(config.stopwords)
    keep: dict[str, bool] = {}
    for i, n in enumerate(needs):
        if "counts" not in n:
            continue
        counter: Counter = Counter()
        for t in tokens[i]:
            ok = keep.get(t)
            if ok is None:
                ok = keep[t] = t not in stop and is_term(t)
            if ok:
                counter[t] += 1
        terms = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        out["counts"][i] = {"n_tokens": len(tokens[i]), "terms": tuple(t for t, _ in terms),
                            "counts": tuple(c for _, c in terms)}
    for i, n in enumerate(needs):
        if "quotes" not in n:
            continue
        quotes, enums = [], []
        for fname in FIELDS:
            value = records[i].get(fname, "")
            if not (isinstance(value, str) and value):
                continue
            norm, where = normalize(value)
            for at, inner, kind in find_quoted(norm):
                quotes.append([fname, where[at], inner, kind])
            for _, slogan, items in find_enumerations(norm):
                enums.append([fname, slogan, items])
        out["quotes"][i] = {"quotes": quotes, "enums": enums}
    men_idx = [i for i, n in enumerate(needs) if "mentions" in n]
    if men_idx:
        frame = pd.DataFrame([records[i] for i in men_idx])
        # Positions, not ids, tie rows to articles (ids are unique, but positions never collide).
        frame["article_id"] = [str(i) for i in men_idx]
        found = leader_mentions(frame, registry=config.registry, titles=config.titles, phrases=config.phrases)
        per = {i: [] for i in men_idx}
        for row in found.to_dict("records"):
            i = int(row["article_id"])
            row["article_id"] = records[i]["article_id"]
            per[i].append({k: _jsonable(v) for k, v in row.items()})
        # Mentions come back sorted by date/source; within one article they keep extraction order
        # (the sort is stable), which is all the final sort needs.
        for i in men_idx:
            out["mentions"][i] = per[i]
    return out


_SPACE_NOT_NEWLINE = re.compile(r"[^\S\n]")


def normalize(text: str):
    r""":func:`analysis.formulations._normalize` (text without whitespace but paragraph
    breaks, and each kept character's offset), without a per-character loop when
    the text has no such whitespace (the usual case).

    >>> normalize("甲 乙\n丙")
    ('甲乙\n丙', [0, 2, 3, 4])
    >>> normalize("甲乙")[1]
    range(0, 2)
    """
    from analysis.formulations import _normalize

    if _SPACE_NOT_NEWLINE.search(text) is None:
        return text, range(len(text))
    return _normalize(text)


def occurrences_chunk(records: list[dict], quotes: list[dict], kinds: dict[str, str]) -> list[tuple]:
    """Pass 2 of :func:`analysis.formulations.extract_formulations` for one chunk.

    Every occurrence (non-overlapping, left to right, per phrase, as
    ``str.find`` finds them) of every formulation in ``kinds``; one
    Aho–Corasick automaton scans each field once instead of one search per
    phrase.  One list of rows (as ``OCCURRENCE_COLUMNS``, in
    extract_formulations' order) per article.
    """
    import ahocorasick

    from analysis.formulations import FIELDS as F_FIELDS, _line

    automaton = ahocorasick.Automaton()
    for phrase in kinds:
        automaton.add_word(phrase, phrase)
    usable = len(automaton) > 0
    if usable:
        automaton.make_automaton()
    field_order = {f: i for i, f in enumerate(F_FIELDS)}
    out: list[list[tuple]] = []
    for article, q in zip(records, quotes):
        rows: list[tuple] = []
        out.append(rows)
        quoted_at = {(f, off, inner) for f, off, inner, kind in q["quotes"] if kind != "quotation"}
        found = []
        for fname in F_FIELDS:
            value = article.get(fname, "")
            if not (usable and isinstance(value, str) and value):
                continue
            norm, where = normalize(value)
            starts: dict[str, list[int]] = {}
            for end, phrase in automaton.iter(norm):
                starts.setdefault(phrase, []).append(end - len(phrase) + 1)
            for phrase, positions in starts.items():
                last_end = -1
                for at in sorted(positions):
                    if at < last_end:
                        continue  # str.find resumes after the previous match
                    last_end = at + len(phrase)
                    offset = where[at]
                    found.append((field_order[fname], offset, phrase, fname, (fname, offset, phrase) in quoted_at))
        found.sort(key=lambda r: (r[0], r[1], r[2]))
        for _, offset, phrase, fname, quoted in found:
            rows.append((phrase, kinds[phrase], quoted, str(article["article_id"]), article.get("issue_date", ""),
                         article.get("source", ""), fname, _line(article, fname, offset), offset))
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
            from analysis.distributed import get_client, map_ordered

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

    ``records``: the articles as dicts (article order); ``keys``: their cache
    keys; ``tokens``: like :func:`analysis.tokens.tokenize_articles`;
    ``counts`` (``{"n_tokens", "terms", "counts"}``, terms by count descending, then term)/``quotes``/
    ``mentions``: per-article values (article order);
    ``stats``: how many of each output came from the cache / were computed.
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


def run_stage(articles: pd.DataFrame, *, registry=None, workers: int | None = None, scheduler=None,
              cache: bool | str | Path = True, runner: Runner | None = None) -> StageResult:
    """Every per-article output of ``articles``, from the cache where possible.

    ``workers``: processes for the misses (default all cores; 1 = in this
    process); ``scheduler``: a Dask scheduler address or ``distributed.Client``
    (then ``workers`` is ignored); ``cache``: True (build folder), a folder,
    or False.
    """
    for column in ("article_id", "text"):
        if column not in articles.columns:
            raise ValueError(f"articles table lacks column {column!r} (see analysis.corpus.load_articles)")
    ids = articles["article_id"].astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise ValueError(f"article_id {dup!r} occurs more than once; ids must be unique")
    config = StageConfig.resolve(registry)
    records = articles.to_dict("records")
    keys = [article_keys(r, config) for r in records]
    store = None if cache is False else ArticleCache(None if cache is True else cache)
    values: dict[str, list] = {}
    for kind in KINDS:
        got = store.get_many(kind, [k[kind] for k in keys]) if store is not None else {}
        values[kind] = [got.get(k[kind]) for k in keys]
    # An empty text has no tokens: nothing to segment or count (as tokenize_articles).
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
            jobs.append(([records[i] for i in idx], [needs[i] for i in idx],
                         [values["tokens"][i] for i in idx], config))
            spans.append(idx)
        for idx, result in zip(spans, runner.map(compute_chunk, jobs)):
            for kind in KINDS:
                fresh = []
                for local, value in result[kind].items():
                    if kind == "tokens":
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
                       store)


def formulation_occurrences(stage: StageResult, *, workers: int | None = None, scheduler=None,
                            runner: Runner | None = None) -> pd.DataFrame:
    """The table of :func:`analysis.formulations.extract_formulations` from the stage's per-article quotes.

    Pass 1 (which phrases are formulations, and their kind: first seen wins,
    in article, field, position order) is read from the cached quotes; pass 2
    counts them in chunks on the workers.
    """
    from analysis.formulations import OCCURRENCE_COLUMNS

    kinds: dict[str, str] = {}
    for q in stage.quotes:
        by_field: dict[str, list] = {}
        for fname, _, inner, kind in q["quotes"]:
            by_field.setdefault(fname, [[], []])[0].append((inner, kind))
        for fname, slogan, _ in q["enums"]:
            by_field.setdefault(fname, [[], []])[1].append(slogan)
        for fname in FIELDS:
            if fname not in by_field:
                continue
            quotes, enums = by_field[fname]
            for inner, kind in quotes:
                if kind != "quotation":
                    kinds.setdefault(inner, kind)
            for slogan in enums:
                kinds.setdefault(slogan, "enumeration")
    kinds_digest = hashlib.sha256(json.dumps(list(kinds.items()), ensure_ascii=False).encode()).hexdigest()
    keys = [hashlib.sha256(f"{k['occurrences']}\0{kinds_digest}".encode()).hexdigest() for k in stage.keys]
    store = stage.store
    got = store.get_many("occurrences", keys) if store is not None else {}
    per: list = [got.get(k) for k in keys]
    todo = [i for i, v in enumerate(per) if v is None]
    stage.stats["occurrences"] = {"cached": len(per) - len(todo), "computed": len(todo)}
    own = runner is None
    runner = runner or Runner(workers, scheduler)
    try:
        size = chunk_size(len(todo), runner.workers)
        spans = [[todo[j] for j in span] for span in _chunks(len(todo), size)]
        jobs = [([stage.records[i] for i in idx], [stage.quotes[i] for i in idx], kinds) for idx in spans]
        for idx, part in zip(spans, runner.map(occurrences_chunk, jobs)):
            for i, rows in zip(idx, part):
                per[i] = [[_jsonable(v) for v in row] for row in rows]
            if store is not None:
                store.put_many("occurrences", [(keys[i], per[i]) for i in idx])
    finally:
        if own:
            runner.close()
    rows = [tuple(row) for rows in per for row in rows]
    frame = pd.DataFrame(rows, columns=OCCURRENCE_COLUMNS)
    return frame.astype({"quoted": bool, "line": "int64", "offset": "int64"})


def expansions(stage: StageResult) -> dict[str, str]:
    """Enumeration → the items it names, from its first appearance in a text (article order)."""
    out: dict[str, str] = {}
    for q in stage.quotes:
        for fname, slogan, items in q["enums"]:
            if fname == "text":
                out.setdefault(slogan, items)
    return out


def mentions_table(stage: StageResult) -> pd.DataFrame:
    """The table of :func:`analysis.leaders.leader_mentions` from the per-article mentions."""
    from analysis.leaders import LOCATIONS, MENTION_COLUMNS

    rows = [row for per in stage.mentions for row in per]
    frame = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    for column in ("offset", "order", "sentence", "line"):
        frame[column] = frame[column].astype("int64")
    # The same stable sort as leader_mentions, applied to rows in the same
    # (article, field, position) order, gives the same table.
    rank = frame["location"].map({loc: i for i, loc in enumerate(LOCATIONS)})
    frame = frame.assign(_rank=rank).sort_values(
        ["issue_date", "source", "article_id", "_rank", "offset"], kind="stable").drop(columns="_rank")
    return frame.reset_index(drop=True)
