"""Word segmentation: jieba with the project's user dictionary, cached per article.

Chinese has no spaces between words, so every count in the book rests on a
segmenter.  We use jieba (the reference) with a domain user dictionary kept in
``data/userdict.csv`` (officials' names, Fengtai places and institutions, the
paper's formulations), and by default its Rust port ``rjieba`` as an
accelerated backend that is checked to give token-identical output (see
``tests/test_tokens.py`` and ``benchmarks/bench_segmentation.py``).

Three things plain ``jieba.lcut`` gets wrong, handled here:

* jieba's Chinese-run regexp does not include the middle dot, so
  ``安娜·帕拉希奥`` is split at the dot even with a dictionary entry.  User
  words that contain a character jieba treats as a separator are cut out of
  the text first and kept whole; the pieces between them are segmented.
* a user word without a frequency gets jieba's suggested frequency, which
  depends on the order words are added and differs by one between jieba and
  rjieba for some words.  We compute it once with jieba, in file order, and
  hand the same explicit frequencies to both backends.
* jieba logs on stderr and caches its prefix dictionary in the system temp
  folder; both are redirected (log silenced, cache under ``_build/cache``).

Tokens keep stopwords (later chapters decide what to drop); whitespace and
punctuation-only tokens are dropped.

>>> from analysis.tokens import segment
>>> segment("安娜·帕拉希奥会见王少峰。")
['安娜·帕拉希奥', '会见', '王少峰']
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from analysis.errors import InputError
from analysis.io import read_csv_records, write_text
from analysis.paths import DATA_DIR, cache_dir

log = logging.getLogger(__name__)

#: Default user dictionary and stopword list.
USERDICT_PATH = DATA_DIR / "userdict.csv"
STOPWORDS_PATH = DATA_DIR / "stopwords.csv"

#: Bump when the segmentation rules below change: it invalidates the token cache.
RULES_VERSION = "1"

USERDICT_COLUMNS = ["word", "freq", "tag", "category", "source"]
STOPWORD_COLUMNS = ["word", "category", "source"]
BACKENDS = ("rjieba", "jieba")

# jieba 0.42.1 segments only runs matching this class (jieba.re_han_default);
# any other character in a user word splits it.
_JIEBA_RUN_CHAR = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")
_TAG = re.compile(r"[a-zA-Z]{1,8}")


class DictionaryError(InputError):
    """A user dictionary or stopword file is malformed (names file and line)."""


# --------------------------------------------------------------------------- files


def _read_table(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Read a strict UTF-8 CSV with exactly ``columns``; return (line, row) pairs."""
    path = Path(path)
    if not path.is_file():
        raise DictionaryError(path, "file not found")
    _, records = read_csv_records(path, what="word list", exact=columns, error=DictionaryError)
    return [(record.line, record.fields) for record in records]


def _check_word(path: Path, line: int, word: str, seen: dict[str, int]) -> None:
    if not word:
        raise DictionaryError(path, "empty word", line)
    if any(ch.isspace() for ch in word):
        raise DictionaryError(path, f"word {word!r} contains whitespace", line)
    if word in seen:
        raise DictionaryError(path, f"duplicate word {word!r} (first on line {seen[word]})", line)
    seen[word] = line


def read_user_dictionary(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the user dictionary.

    Columns: ``word`` (str), ``freq`` (int, 0 when left empty: jieba suggests
    one), ``tag`` (part-of-speech tag, may be ""), ``category`` (person, place,
    institution, formulation), ``source`` (where the word was seen, e.g.
    ``data/raw/X.txt:9``), ``line`` (line in the file).  File order.

    >>> read_user_dictionary().query("word == '王少峰'")["category"].item()
    'person'
    """
    path = Path(path) if path is not None else USERDICT_PATH
    seen: dict[str, int] = {}
    out = []
    for line, row in _read_table(path, USERDICT_COLUMNS):
        word = row["word"]
        _check_word(path, line, word, seen)
        freq = 0
        if row["freq"]:
            if not row["freq"].isdigit() or int(row["freq"]) < 1:
                raise DictionaryError(path, f"freq {row['freq']!r} is not a positive integer", line)
            freq = int(row["freq"])
        if row["tag"] and not _TAG.fullmatch(row["tag"]):
            raise DictionaryError(path, f"tag {row['tag']!r} is not a part-of-speech tag such as nr", line)
        out.append({**row, "word": word, "freq": freq, "line": line})
    return pd.DataFrame(out, columns=[*USERDICT_COLUMNS, "line"]).astype({"freq": "int64", "line": "int64"})


def read_stopwords(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the stopword list: columns ``word``, ``category``, ``source``, ``line``."""
    path = Path(path) if path is not None else STOPWORDS_PATH
    seen: dict[str, int] = {}
    out = []
    for line, row in _read_table(path, STOPWORD_COLUMNS):
        _check_word(path, line, row["word"], seen)
        out.append({**row, "line": line})
    return pd.DataFrame(out, columns=[*STOPWORD_COLUMNS, "line"]).astype({"line": "int64"})


def load_stopwords(path: str | Path | None = None) -> frozenset[str]:
    """The stopword set (default ``data/stopwords.csv``).

    >>> "本报讯" in load_stopwords() and "的" in load_stopwords()
    True
    """
    return _load_stopwords_cached(str(Path(path) if path is not None else STOPWORDS_PATH), _mtime(path))


def _mtime(path: str | Path | None) -> int:
    path = Path(path) if path is not None else STOPWORDS_PATH
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=8)
def _load_stopwords_cached(path: str, _mtime_ns: int) -> frozenset[str]:
    return frozenset(read_stopwords(path)["word"])


def is_word_token(token: str) -> bool:
    """True unless the token is only whitespace, punctuation or symbols.

    >>> [is_word_token(t) for t in ["丰台", "2024", "LED", "，", " ", "——"]]
    [True, True, True, False, False, False]
    """
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def is_term(token: str) -> bool:
    """True for tokens that can be terms: they contain a letter (Han or Latin).

    Pure numbers (``2024``, ``11``) are word tokens but not terms.

    >>> [is_term(t) for t in ["丰台", "2024", "1号线", "LED"]]
    [True, False, True, True]
    """
    return any(unicodedata.category(ch)[0] == "L" for ch in token)


def remove_stopwords(tokens: Iterable[str], stopwords: frozenset[str] | None = None) -> list[str]:
    """Tokens that are terms and not stopwords, in order.

    >>> remove_stopwords(["本报讯", "记者", "丰台区", "的", "发展", "2024"])
    ['丰台区', '发展']
    """
    stop = load_stopwords() if stopwords is None else stopwords
    return [t for t in tokens if t not in stop and is_term(t)]


# --------------------------------------------------------------------------- segmenter


def _file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _jieba_version() -> str:
    import jieba

    return jieba.__version__


def _new_jieba():
    """A private jieba tokenizer, silent, caching its dictionary in the build folder."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache_dir("jieba"))
    tokenizer.initialize()
    return tokenizer


def _resolved_frequencies(words: pd.DataFrame, digest: str) -> list[tuple[str, int, str | None]]:
    """(word, freq, tag) with every frequency explicit, as jieba would add them.

    Computing jieba's suggestion needs jieba's dictionary (0.6 s), so the
    result is cached by the user dictionary's digest.
    """
    path = cache_dir("jieba") / f"userfreq-{digest[:20]}-{_jieba_version()}-{RULES_VERSION}.json"
    if path.is_file():
        try:
            return [tuple(x) for x in json.loads(path.read_text(encoding="utf-8"))]
        except (OSError, ValueError):
            pass  # a corrupt cache entry is recomputed
    tokenizer = _new_jieba()
    out = []
    for word, freq, tag in words[["word", "freq", "tag"]].itertuples(index=False):
        # Same rule as jieba.Tokenizer.add_word(word) with no frequency.
        freq = int(freq) or tokenizer.suggest_freq(word, False)
        tokenizer.add_word(word, freq, tag or None)
        out.append((word, int(freq), tag or None))
    write_text(json.dumps(out, ensure_ascii=False), path)
    return out


def _default_backend() -> str:
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return "jieba"
    return "rjieba"


@dataclass
class Segmenter:
    """A configured segmenter; build it once and call :meth:`cut` many times.

    ``backend`` is ``"rjieba"`` (fast, default when installed) or ``"jieba"``
    (the reference).  ``fingerprint`` identifies everything the tokens depend
    on (rules, dictionary file, backend and versions): it keys the cache.

    >>> Segmenter(backend="jieba").cut("丰台区委书记王少峰主持会议")
    ['丰台', '区委书记', '王少峰', '主持会议']
    """

    backend: str = "auto"
    userdict: str | Path | None = None

    def __post_init__(self) -> None:
        if self.backend == "auto":
            self.backend = _default_backend()
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown segmentation backend {self.backend!r}; choose one of {BACKENDS}")
        path = Path(self.userdict) if self.userdict is not None else USERDICT_PATH
        self.userdict = path
        self._words = read_user_dictionary(path)
        digest = _file_digest(path)
        versions = {"rules": RULES_VERSION, "jieba": _jieba_version(), "backend": self.backend}
        if self.backend == "rjieba":
            from importlib.metadata import version

            versions["rjieba"] = version("rjieba")
        self.fingerprint = hashlib.sha256(
            json.dumps([versions, digest], sort_keys=True).encode()
        ).hexdigest()
        self._digest = digest
        self._engine = None
        self._is_word: dict[str, bool] = {}
        # User words jieba cannot keep whole (they contain a separator such as
        # '·') are matched first, longest first, and emitted as one token.
        protected = sorted(
            (w for w in self._words["word"] if any(not _JIEBA_RUN_CHAR.match(c) for c in w)),
            key=lambda w: (-len(w), w),
        )
        self._protected = re.compile("|".join(map(re.escape, protected))) if protected else None

    def _load(self):
        if self._engine is None:
            entries = _resolved_frequencies(self._words, self._digest)
            if self.backend == "jieba":
                engine = _new_jieba()
                for word, freq, tag in entries:
                    engine.add_word(word, freq, tag)
                self._engine = engine.lcut
            else:
                import rjieba

                engine = rjieba.Jieba()
                for word, freq, tag in entries:
                    engine.add_word(word, freq, tag)
                self._engine = engine.cut
        return self._engine

    def cut_raw(self, text: str) -> list[str]:
        """All tokens, whitespace and punctuation included (they cover ``text``)."""
        cut = self._load()
        if self._protected is None:
            return list(cut(text))
        out: list[str] = []
        pos = 0
        for match in self._protected.finditer(text):
            if match.start() > pos:
                out.extend(cut(text[pos : match.start()]))
            out.append(match.group())
            pos = match.end()
        if pos < len(text):
            out.extend(cut(text[pos:]))
        return out

    def cut(self, text: str) -> list[str]:
        """Word tokens of ``text`` in order (no whitespace or punctuation tokens)."""
        # The vocabulary is small, so memoizing the per-token test is much
        # cheaper than re-checking every character of every token.
        memo = self._is_word
        out = []
        for token in self.cut_raw(text):
            keep = memo.get(token)
            if keep is None:
                keep = memo[token] = is_word_token(token)
            if keep:
                out.append(token)
        return out


@lru_cache(maxsize=4)
def _segmenter(backend: str, userdict: str, _mtime_ns: int) -> Segmenter:
    return Segmenter(backend=backend, userdict=userdict)


def get_segmenter(backend: str = "auto", userdict: str | Path | None = None) -> Segmenter:
    """A shared :class:`Segmenter` (rebuilt when the dictionary file changes)."""
    path = Path(userdict) if userdict is not None else USERDICT_PATH
    backend = _default_backend() if backend == "auto" else backend
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = 0
    return _segmenter(backend, str(path), mtime)


def segment(text: str, backend: str = "auto", userdict: str | Path | None = None) -> list[str]:
    """Word tokens of one text (see :class:`Segmenter`)."""
    return get_segmenter(backend, userdict).cut(text)


# --------------------------------------------------------------------------- articles


class TokenCache:
    """Per-text token lists in one SQLite file, keyed by content.

    The key hashes the segmenter's fingerprint and the text, so an edited
    article or dictionary is never served stale tokens.  SQLite commits each
    batch as one transaction (a crash leaves the previous state) and lets
    several processes (tests, notebooks, the CLI) share the file.  One file
    rather than one file per article: writing thousands of small files cost
    more than segmenting them.  Deleting the folder is always safe.
    """

    FILE = "tokens.sqlite"

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else cache_dir("tokens")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / self.FILE

    @staticmethod
    def key(fingerprint: str, text: str) -> str:
        digest = hashlib.sha256(fingerprint.encode())
        digest.update(b"\0")
        digest.update(text.encode("utf-8"))
        return digest.hexdigest()

    def _connect(self):
        """Open the cache, replacing a file that is not a token cache (truncated, foreign, corrupt)."""
        import sqlite3

        for attempt in (1, 2):
            con = sqlite3.connect(self.path, timeout=60)
            try:
                con.execute("CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, tokens TEXT NOT NULL)")
                columns = [row[1] for row in con.execute("PRAGMA table_info(tokens)")]
                if columns != ["key", "tokens"]:
                    raise sqlite3.DatabaseError(f"table tokens has columns {columns}")
                return con
            except sqlite3.DatabaseError as err:
                con.close()
                if attempt == 2:
                    raise
                self._discard(err)

    def _discard(self, err) -> None:
        log.warning("token cache %s is unusable (%s); discarding and rebuilding it", self.path, err)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def get_many(self, keys: Sequence[str], texts: dict[str, str] | None = None) -> dict[str, list[str]]:
        """Cached tokens for those of ``keys`` that are present.

        With ``texts`` (key → text), an entry whose tokens are not substrings
        of its text in order is corrupt: it is left out (and so recomputed and
        overwritten), with one warning.
        """
        import sqlite3

        found: dict[str, list[str]] = {}
        if not keys:
            return found
        con = self._connect()
        try:
            unique = sorted(set(keys))
            for i in range(0, len(unique), 500):
                chunk = unique[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in con.execute(f"SELECT key, tokens FROM tokens WHERE key IN ({marks})", chunk):
                    found[key] = value.split("\n") if isinstance(value, str) and value else []
        except sqlite3.DatabaseError as err:
            # Corruption inside the file shows only when pages are read.
            con.close()
            self._discard(err)
            return {}
        finally:
            con.close()
        if texts:
            bad = [key for key, tokens in found.items() if key in texts and not _tokens_fit(texts[key], tokens)]
            if bad:
                log.warning("token cache %s: %d entr%s do not match their text; recomputing them",
                            self.path, len(bad), "y" if len(bad) == 1 else "ies")
                for key in bad:
                    del found[key]
        return found

    def put_many(self, items: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Store (key, tokens) pairs in one transaction."""
        # Tokens never contain a line break (whitespace tokens are dropped and
        # user words may not contain whitespace), so it is a safe separator.
        rows = [(key, "\n".join(tokens)) for key, tokens in items]
        if not rows:
            return
        import sqlite3

        con = self._connect()
        try:
            with con:
                con.executemany("INSERT OR REPLACE INTO tokens (key, tokens) VALUES (?, ?)", rows)
        except sqlite3.OperationalError as err:
            # Disk full, read-only or locked for too long: the tokens are right, only not cached.
            log.warning("could not write the token cache %s (%s); continuing without it", self.path, err)
        except sqlite3.DatabaseError as err:
            con.close()
            self._discard(err)
            con = self._connect()
            with con:
                con.executemany("INSERT OR REPLACE INTO tokens (key, tokens) VALUES (?, ?)", rows)
        finally:
            con.close()


def _tokens_fit(text: str, tokens: Sequence[str]) -> bool:
    """True when every token is a non-empty substring of ``text``, in order."""
    pos = 0
    for token in tokens:
        if not token:
            return False
        at = text.find(token, pos)
        if at < 0:
            return False
        pos = at + len(token)
    return True


def tokenize_articles(
    articles: pd.DataFrame,
    *,
    backend: str = "auto",
    userdict: str | Path | None = None,
    cache: bool | str | Path = True,
) -> pd.DataFrame:
    """Segment the ``text`` of every article.

    Returns a DataFrame with columns ``article_id`` (str) and ``tokens``
    (list of str: word tokens in text order; whitespace and punctuation
    dropped, stopwords kept), one row per article in the input order.
    Headlines are not included (only ``text``).

    ``cache``: True uses ``_build/cache/tokens``, a path uses that folder,
    False disables it.  Only new or changed texts are segmented.

    >>> from analysis.corpus import load_articles
    >>> toks = tokenize_articles(load_articles())
    >>> list(toks.columns)
    ['article_id', 'tokens']
    """
    missing = {"article_id", "text"} - set(articles.columns)
    if missing:
        raise ValueError(f"articles table lacks column(s) {sorted(missing)}")
    ids = [str(x) for x in articles["article_id"]]
    texts = ["" if pd.isna(t) else str(t) for t in articles["text"]]
    results: list[list[str]] = [[] for _ in texts]
    todo = [i for i, text in enumerate(texts) if text.strip()]
    if todo:
        seg = get_segmenter(backend, userdict)
        store = None if cache is False else TokenCache(None if cache is True else cache)
        keys = {i: TokenCache.key(seg.fingerprint, texts[i]) for i in todo}
        cached = store.get_many(list(keys.values()), {k: texts[i] for i, k in keys.items()}) if store is not None else {}
        fresh: dict[str, list[str]] = {}
        for i in todo:
            key = keys[i]
            tokens = cached.get(key)
            if tokens is None:
                tokens = fresh.get(key)
            if tokens is None:
                tokens = fresh[key] = seg.cut(texts[i])
            results[i] = list(tokens)
        if store is not None:
            store.put_many(fresh.items())
    return pd.DataFrame({"article_id": pd.Series(ids, dtype=object), "tokens": pd.Series(results, dtype=object)})


def token_offsets(text: str, tokens: Sequence[str]) -> list[int]:
    """Character offset in ``text`` of each token (tokens are substrings in order).

    >>> token_offsets("丰台区，发展", ["丰台区", "发展"])
    [0, 4]
    """
    out = []
    pos = 0
    for token in tokens:
        at = text.find(token, pos)
        if at < 0:
            raise ValueError(f"token {token!r} not found in text after offset {pos}")
        out.append(at)
        pos = at + len(token)
    return out
