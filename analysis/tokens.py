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

Every reader takes its fact file from a :class:`~analysis.corpus.folder.Corpus`
(or a path; none: the sample's file in ``data/``), and what is derived from
the facts (:func:`get_segmenter`, :func:`stopword_set`, :func:`term_map`,
:func:`text_preparer`) is kept with that corpus object, made once.

Before segmentation the text is *prepared* (:func:`prepare_text`), always
keeping its length so every offset still points into the original text:

* **width folding**: the full-width ASCII range (``１９９８年``, ``ＡＰＥＣ``)
  becomes half-width and the ideographic space a space, so jieba sees
  ``1998`` and ``APEC`` as runs instead of one token per character;
* **boilerplate masking**: dateline and agency formulas listed in
  ``data/defaults/boilerplate.csv`` (``新华社北京1月1日电``, ``本报讯``, ``(记者 X)``,
  photo credits) are blanked, so they never become terms.

After cutting, adjacent pieces that together spell a name listed in
``data/aliases.csv`` are joined (``丰台``+``区`` → ``丰台区``); the tokens
stay as printed, and :func:`apply_aliases` maps them to one term
(``丰台区`` → ``丰台``) wherever terms are counted.

Tokens keep stopwords (later chapters decide what to drop); whitespace and
punctuation-only tokens are dropped.

>>> from analysis.tokens import segment
>>> segment("安娜·帕拉希奥会见王少峰。")
['安娜·帕拉希奥', '会见', '王少峰']
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.corpus.folder import Corpus, fact_file
from analysis.errors import InputError
from analysis.io import atomic_path, read_csv_records, write_text
from analysis.settings import default_settings

log = logging.getLogger(__name__)


#: Bump when the segmentation rules below change: it invalidates the token cache.
RULES_VERSION = "2"  # 2: width folding, boilerplate masking, alias joins

USERDICT_COLUMNS = ["word", "freq", "tag", "category", "source"]
BOILERPLATE_COLUMNS = ["kind", "pattern", "source"]
BOILERPLATE_KINDS = ("dateline", "agency", "byline", "photo_credit", "editorial", "timestamp", "markup")
ALIAS_COLUMNS = ["alias", "term", "kind", "source"]
ALIAS_KINDS = ("place", "institution", "organisation")

# Full-width ASCII (U+FF01–U+FF5E) → ASCII, ideographic space → space: one
# character for one, so offsets are unchanged.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FOLDABLE = re.compile("[\uff01-\uff5e\u3000]")
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
    path = fact_file("userdict", path)
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
    path = fact_file("stopwords", path)
    seen: dict[str, int] = {}
    out = []
    for line, row in _read_table(path, STOPWORD_COLUMNS):
        _check_word(path, line, row["word"], seen)
        out.append({**row, "line": line})
    return pd.DataFrame(out, columns=[*STOPWORD_COLUMNS, "line"]).astype({"line": "int64"})


def load_stopwords(path=None) -> frozenset[str]:
    """The stopword set (``path``: a Corpus, a file, or None for the sample's ``data/defaults/stopwords.csv``).

    >>> "本报讯" in load_stopwords() and "的" in load_stopwords()
    True
    """
    return frozenset(read_stopwords(path)["word"])


def stopword_set(corpus: Corpus | None = None) -> frozenset[str]:
    """The corpus's stopword set, read once per corpus object (re-read when the file changes)."""
    corpus = corpus if corpus is not None else Corpus.sample()
    return corpus.memo("tokens.stopwords", lambda: load_stopwords(corpus), facts=("stopwords",))


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


def fold_width(text: str) -> str:
    """Full-width ASCII → half-width, ideographic space → space (same length).

    >>> fold_width("１９９８年ＡＰＥＣ\u3000会议")
    '1998年APEC 会议'
    """
    # Most Chinese text has full-width punctuation (，：（）) to fold.  str.translate looks every
    # character up in a dict (~150 ns each); on the code points as a numpy array it is ~20× faster.
    if not _FOLDABLE.search(text):
        return text
    if len(text) < 64:
        return text.translate(_WIDTH)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    wide = (points >= 0xFF01) & (points <= 0xFF5E)
    points[wide] -= 0xFEE0
    points[points == 0x3000] = 0x20
    return points.tobytes().decode("utf-32-le")


def read_boilerplate(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the boilerplate list (default ``data/defaults/boilerplate.csv``).

    Columns: ``kind`` (one of :data:`BOILERPLATE_KINDS`), ``pattern`` (a
    regular expression matched on the width-folded text), ``source``,
    ``line``.  A pattern that does not compile, or matches the empty
    string, is an error naming the file and line.

    >>> sorted(set(read_boilerplate()["kind"]))[:2]
    ['agency', 'byline']
    """
    path = fact_file("boilerplate", path)
    out = []
    for line, row in _read_table(path, BOILERPLATE_COLUMNS):
        if row["kind"] not in BOILERPLATE_KINDS:
            raise DictionaryError(path, f"kind {row['kind']!r} is not one of {', '.join(BOILERPLATE_KINDS)}", line)
        try:
            # As the masker joins them: one alternative of a union, so a global flag such as (?i)
            # at its start is refused here rather than breaking the union later.
            compiled = re.compile(row["pattern"])
            re.compile(f"(?:{row['pattern']})")
        except re.error as err:
            hint = " (write a flag for one pattern as a group, e.g. (?i:…))" if "flags" in str(err) else ""
            raise DictionaryError(path, f"pattern does not compile: {err}{hint}", line) from None
        if compiled.fullmatch(""):
            raise DictionaryError(path, "pattern matches the empty string", line)
        out.append({**row, "line": line})
    return pd.DataFrame(out, columns=[*BOILERPLATE_COLUMNS, "line"]).astype({"line": "int64"})


def read_aliases(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the alias list (default ``data/aliases.csv``).

    Columns: ``alias`` (a spelling as printed), ``term`` (the one term it is
    counted as), ``kind`` (place, institution, organisation), ``source``,
    ``line``.  An alias listed twice, an alias that is itself a term of
    another row (chains), or an empty field is an error naming file and line.

    >>> a = read_aliases().set_index("alias")["term"]
    >>> a["丰台区"], a["北京市"]
    ('丰台', '北京')
    """
    path = fact_file("aliases", path)
    seen: dict[str, int] = {}
    out = []
    for line, row in _read_table(path, ALIAS_COLUMNS):
        _check_word(path, line, row["alias"], seen)
        if not row["term"] or any(ch.isspace() for ch in row["term"]):
            raise DictionaryError(path, f"term {row['term']!r} is empty or contains whitespace", line)
        if row["kind"] not in ALIAS_KINDS:
            raise DictionaryError(path, f"kind {row['kind']!r} is not one of {', '.join(ALIAS_KINDS)}", line)
        if row["alias"] == row["term"]:
            raise DictionaryError(path, f"alias {row['alias']!r} maps to itself", line)
        out.append({**row, "line": line})
    frame = pd.DataFrame(out, columns=[*ALIAS_COLUMNS, "line"]).astype({"line": "int64"})
    chained = frame[frame["term"].isin(set(frame["alias"]))]
    if len(chained):
        row = chained.iloc[0]
        raise DictionaryError(path, f"term {row['term']!r} is itself listed as an alias (map it to its final term)",
                              int(row["line"]))
    return frame


def alias_map(path=None) -> dict[str, str]:
    """``{alias: term}`` from the alias list (``path``: a Corpus, a file, or None for the sample's).

    >>> alias_map()["北京市"]
    '北京'
    """
    frame = read_aliases(path)
    return dict(zip(frame["alias"], frame["term"]))


def term_map(corpus: Corpus | None = None) -> dict[str, str]:
    """The corpus's ``{alias: term}``, read once per corpus object (re-read when the file changes)."""
    corpus = corpus if corpus is not None else Corpus.sample()
    return corpus.memo("tokens.aliases", lambda: alias_map(corpus), facts=("aliases",))


def apply_aliases(tokens, aliases: dict[str, str] | None = None):
    """Map tokens to their one term (``丰台区`` → ``丰台``); other tokens unchanged.

    Takes a list of tokens (returns a list) or a tokens table with columns
    ``article_id, tokens`` (returns a copy whose ``tokens`` are mapped and
    with the printed tokens kept in ``raw_tokens``).  This is what
    frequency, keyness and topics call so that one place is one term.

    >>> apply_aliases(["北京市", "丰台区", "发展"])
    ['北京', '丰台', '发展']
    """
    mapping = term_map() if aliases is None else aliases
    if isinstance(tokens, pd.DataFrame):
        out = tokens.copy()
        raw = out["raw_tokens"] if "raw_tokens" in out.columns else out["tokens"]
        out["raw_tokens"] = pd.Series([list(t) for t in raw], index=out.index, dtype=object)
        out["tokens"] = pd.Series([[mapping.get(t, t) for t in ts] for ts in raw], index=out.index, dtype=object)
        return out
    return [mapping.get(t, t) for t in tokens]


class _Masker:
    """Boilerplate patterns compiled into one alternation (blanking keeps length).

    A match can only start at a character that starts one of the patterns
    (:func:`_first_characters`: 本, 新, 记, （ … for the default list), so the
    alternation is tried only there: the same matches as ``regex.sub``, found
    several times faster than by trying every pattern at every character.
    """

    def __init__(self, frame: pd.DataFrame):
        patterns = frame["pattern"].tolist()
        self.regex = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        first = _first_characters(patterns) if patterns else None
        # A pattern anchored at the start of the text (^, \A: _TEXT_START) is tried there first.
        self.anchored = bool(first) and _TEXT_START in first
        chars = "".join(re.escape(c) for c in sorted(first - {_TEXT_START})) if first else ""
        self.starts = re.compile(f"[{chars}]" if chars else "(?!)") if first else None

    def __call__(self, text: str) -> str:
        if self.regex is None:
            return text
        if self.starts is None:
            return self.regex.sub(lambda m: " " * len(m.group()), text)
        pieces, pos = [], 0
        if self.anchored and (hit := self.regex.match(text)) is not None:
            pieces, pos = [" " * hit.end()], hit.end()
        for start in self.starts.finditer(text, pos):
            at = start.start()
            if at < pos:
                continue
            hit = self.regex.match(text, at)
            if hit is not None:
                pieces += [text[pos:at], " " * (hit.end() - at)]
                pos = hit.end()
        if not pieces:
            return text
        pieces.append(text[pos:])
        return "".join(pieces)


#: In :func:`_first_characters`: a match may start at the start of the text (a pattern opening with ^ or \A).
_TEXT_START = ""


def _first_characters(patterns: list[str]) -> frozenset[str] | None:
    """Every character a match of any of ``patterns`` can start with, or None when that is not a small
    known set (a class such as ``[\u4e00-\u9fff]`` or ``.`` first, case-insensitive flags, a pattern
    that may match the empty string)."""
    try:
        from re import _parser  # the standard library's own parse of a pattern
    except ImportError:  # pragma: no cover - another Python's internals
        return None
    found: set[str] = set()
    for pattern in patterns:
        try:
            tree = _parser.parse(pattern)
        except re.error:
            return None
        if tree.state.flags & (re.IGNORECASE | re.VERBOSE):
            return None
        first = _first_of(list(tree), _parser)
        if first is None:
            return None
        found |= first
    return frozenset(found)


def _first_of(items: list, parser) -> set[str] | None:
    """First characters of a parsed sequence (None: unknown or possibly empty)."""
    const = parser
    found: set[str] = set()
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return found | {chr(arg)}
        if name == "AT" and str(arg) in ("AT_BEGINNING", "AT_BEGINNING_STRING"):
            return found | {_TEXT_START}  # only at the start of the text (no multiline flag: refused above)
        if name in ("ASSERT", "ASSERT_NOT", "AT"):
            continue  # zero-width: the match starts at the next item
        if name == "IN":
            chars = set()
            for kind, value in arg:
                if str(kind) == "LITERAL":
                    chars.add(chr(value))
                elif str(kind) == "RANGE" and value[1] - value[0] < 256:
                    chars |= {chr(c) for c in range(value[0], value[1] + 1)}
                else:
                    return None
            return found | chars
        if name == "BRANCH":
            union: set[str] = set()
            for alternative in arg[1]:
                first = _first_of(list(alternative), const)
                if first is None:
                    return None
                union |= first
            return found | union
        if name == "SUBPATTERN":
            if arg[1] or arg[2]:  # inline flags
                return None
            first = _first_of(list(arg[3]), const)
            if first is None:
                return None
            return found | first
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, _, body = arg
            first = _first_of(list(body), const)
            if first is None:
                return None
            if low > 0:
                return found | first
            found |= first  # optional: the next item may start the match too
            continue
        return None
    return None  # the whole pattern may be empty


def _masker(source=None) -> _Masker:
    """The boilerplate masker of ``source`` (a Corpus: made once per corpus object; a file or None: read now)."""
    if isinstance(source, Corpus):
        return source.memo("tokens.masker", lambda: _Masker(read_boilerplate(source)), facts=("boilerplate",))
    return _Masker(read_boilerplate(source))


def mask_boilerplate(text: str, path=None) -> str:
    """``text`` (already width-folded) with every boilerplate formula blanked (same length).

    ``path``: a Corpus, a boilerplate file, or None (the sample's).

    >>> mask_boilerplate("新华社北京1月1日电(记者张三)今天").strip()
    '今天'
    """
    return _masker(path)(text)


def text_preparer(boilerplate=None):
    """A function doing :func:`prepare_text` with the boilerplate resolved once (for loops).

    >>> text_preparer()("本报讯　１９９８年").strip()
    '1998年'
    """
    mask = _masker(boilerplate)
    return lambda text: mask(fold_width(text))


def prepare_text(text: str, boilerplate=None) -> str:
    """What the segmenter cuts: width folded, boilerplate blanked; same length as ``text``.

    ``boilerplate``: a Corpus, a boilerplate file, or None (the sample's).

    >>> t = "新华社北京１月１日电　ＡＰＥＣ会议"
    >>> p = prepare_text(t); len(p) == len(t), p.strip()
    (True, 'APEC会议')
    """
    return mask_boilerplate(fold_width(text), boilerplate)


def boilerplate_matches(term: str, path=None) -> bool:
    """True when a whole term is a boilerplate formula (``日电``, ``本报讯``, ``记者``)."""
    regex = _masker(path).regex
    return bool(regex is not None and regex.fullmatch(fold_width(term)))


# --------------------------------------------------------------------------- segmenter


def _file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _jieba_version() -> str:
    # From the installed package's metadata (the same string as jieba.__version__): importing jieba
    # takes 0.5-0.6 s (it imports pkg_resources), which a build whose outputs are all cached need not pay.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jieba")
    except PackageNotFoundError:
        import jieba

        return jieba.__version__


def _prefix_path(cache: Path) -> Path:
    """Where :func:`_new_jieba` keeps jieba's prefix dictionary."""
    return Path(cache) / f"jieba-{_jieba_version()}.prefix"


def _frequencies_path(cache: Path, digest: str) -> Path:
    """Where :func:`_resolved_frequencies` keeps the frequencies of the user dictionary with ``digest``."""
    return Path(cache) / f"userfreq-{digest[:20]}-{_jieba_version()}-{RULES_VERSION}.json"


def _new_jieba(cache: Path):
    """A private jieba tokenizer, silent, its prefix dictionary cached in ``cache`` (in the build folder).

    The cache is read and written here rather than by jieba, which on a full or read-only disk
    prints a traceback and leaves its temporary file behind: here a failed write is one warning,
    and the temporary file is removed (:func:`analysis.io.atomic_path`).
    """
    import marshal

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache)
    path = _prefix_path(cache)
    found = None
    if path.is_file():
        try:
            found = marshal.loads(path.read_bytes())
            if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], dict)
                    and isinstance(found[1], int)):
                raise ValueError("not a prefix dictionary")
        except (OSError, ValueError, EOFError, TypeError):
            found = None  # unreadable or foreign: made again below
    if found is None:
        with tokenizer.get_dict_file() as handle:
            found = tokenizer.gen_pfdict(handle)
        try:
            with atomic_path(path) as tmp:
                tmp.write_bytes(marshal.dumps(found))
        except OSError as err:  # a cache only: a full or read-only build folder costs 0.6 s next time
            log.warning("could not cache jieba's dictionary in %s (%s)", cache, err.strerror or err)
    tokenizer.FREQ, tokenizer.total = found
    tokenizer.initialized = True
    return tokenizer


def _resolved_frequencies(words: pd.DataFrame, digest: str, cache: Path) -> list[tuple[str, int, str | None]]:
    """(word, freq, tag) with every frequency explicit, as jieba would add them.

    Computing jieba's suggestion needs jieba's dictionary (0.6 s), so the
    result is cached in ``cache`` by the user dictionary's digest.
    """
    path = _frequencies_path(cache, digest)
    if path.is_file():
        try:
            return [tuple(x) for x in json.loads(path.read_text(encoding="utf-8"))]
        except (OSError, ValueError):
            pass  # a corrupt cache entry is recomputed
    tokenizer = _new_jieba(cache)
    out = []
    for word, freq, tag in words[["word", "freq", "tag"]].itertuples(index=False):
        # Same rule as jieba.Tokenizer.add_word(word) with no frequency.
        freq = int(freq) or tokenizer.suggest_freq(word, False)
        tokenizer.add_word(word, freq, tag or None)
        out.append((word, int(freq), tag or None))
    try:
        write_text(json.dumps(out, ensure_ascii=False), path)
    except OSError as err:  # a cache only: a full or read-only build folder costs 0.6 s next time
        log.warning("could not cache jieba's word frequencies in %s (%s)", cache, err.strerror or err)
    return out


def _default_backend() -> str:
    # Whether rjieba is installed, without importing it (0.14 s: the parent of a build that finds every
    # per-article output cached never segments).
    from importlib.util import find_spec

    return "rjieba" if find_spec("rjieba") is not None else "jieba"


@dataclass
class Segmenter:
    """A configured segmenter; build it once and call :meth:`cut` many times.

    ``backend`` is ``"rjieba"`` (fast, default when installed) or ``"jieba"``
    (the reference).  ``userdict``, ``boilerplate``, ``aliases``: the fact
    files (None: the sample's in ``data/``); ``cache``: where jieba keeps its
    prefix dictionary (default: the build folder's ``cache/jieba``).
    ``fingerprint`` identifies everything the tokens depend on (rules,
    dictionary, boilerplate and alias files, backend and versions): it keys
    the per-article cache.  :func:`get_segmenter` makes a corpus's one.

    >>> Segmenter(backend="jieba").cut("丰台区委书记王少峰主持会议")
    ['丰台', '区委书记', '王少峰', '主持会议']
    """

    backend: str = "auto"
    userdict: str | Path | None = None
    boilerplate: str | Path | None = None
    aliases: str | Path | None = None
    cache: str | Path | None = None

    def __post_init__(self) -> None:
        if self.backend == "auto":
            self.backend = _default_backend()
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown segmentation backend {self.backend!r}; choose one of {BACKENDS}")
        path = fact_file("userdict", self.userdict)
        self.userdict = path
        self._words = read_user_dictionary(path)
        self.boilerplate = fact_file("boilerplate", self.boilerplate)
        self.aliases = fact_file("aliases", self.aliases)
        self.cache = Path(self.cache) if self.cache is not None else default_settings().cache_dir("jieba")
        self._mask = _Masker(read_boilerplate(self.boilerplate))
        # Spellings that may come out of jieba in pieces (丰台/区): joined back.
        alias_frame = read_aliases(self.aliases)
        self.joinable = frozenset(w for w in set(alias_frame["alias"]) | set(alias_frame["term"]) if len(w) > 1)
        # Proper prefixes of those spellings: a join can only start (and go on) at a piece that is one,
        # so most pieces cost one set lookup.
        self.join_prefixes = frozenset(w[:i] for w in self.joinable for i in range(1, len(w)))
        digest = _file_digest(path)
        versions = {"rules": RULES_VERSION, "jieba": _jieba_version(), "backend": self.backend}
        if self.backend == "rjieba":
            from importlib.metadata import version

            versions["rjieba"] = version("rjieba")
        self.fingerprint = hashlib.sha256(
            json.dumps([versions, digest, _file_digest(self.boilerplate), _file_digest(self.aliases)],
                       sort_keys=True).encode()
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

    def cached(self) -> bool:
        """Whether loading finds in the cache folder what it would otherwise make: the user words'
        frequencies, and for the jieba backend jieba's prefix dictionary (some 3 s of CPU without them).

        >>> import tempfile
        >>> segmenter = Segmenter(cache=tempfile.mkdtemp())
        >>> segmenter.cached(), segmenter.cut("丰台区") and segmenter.cached()
        (False, True)
        """
        needed = [_frequencies_path(self.cache, self._digest)]
        if self.backend == "jieba":
            needed.append(_prefix_path(self.cache))
        return all(path.is_file() for path in needed)

    def _load(self):
        if self._engine is None:
            entries = _resolved_frequencies(self._words, self._digest, self.cache)
            if self.backend == "jieba":
                engine = _new_jieba(self.cache)
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

    def prepare(self, text: str) -> str:
        """``text`` width-folded with boilerplate blanked (same length; see :func:`prepare_text`)."""
        return self._mask(fold_width(text))

    def join_aliases(self, pieces: list[str]) -> list[str]:
        """Join adjacent pieces that together spell an alias or term (丰台 + 区 → 丰台区)."""
        if not self.joinable:
            return pieces
        out: list[str] = []
        i, n = 0, len(pieces)
        while i < n:
            if pieces[i] not in self.join_prefixes:
                out.append(pieces[i])
                i += 1
                continue
            joined, width = self.join_at(pieces, i, n)
            out.append(joined if joined is not None else pieces[i])
            i += width
        return out

    def join_at(self, pieces, i: int, end: int) -> tuple[str | None, int]:
        """The longest alias or term spelled by ``pieces[i:]`` (at most four pieces, none at or past
        ``end``): ``(spelling, pieces it takes)``, or ``(None, 1)``.

        >>> seg = Segmenter.__new__(Segmenter)
        >>> seg.joinable, seg.join_prefixes = {"丰台区"}, {"丰", "丰台"}
        >>> seg.join_at(["丰台", "区", "委"], 0, 3)
        ('丰台区', 2)
        """
        prefixes, joinable = self.join_prefixes, self.joinable
        text, joined, width = pieces[i], None, 1
        for j in range(i + 1, min(end, i + 4)):
            text += pieces[j]
            if text in joinable:
                joined, width = text, j - i + 1
            if text not in prefixes:  # no longer spelling can follow
                break
        return joined, width

    def raw_pieces(self, text: str) -> list[str]:
        """Every piece of the prepared ``text``, words, punctuation and spaces, in order (they cover the text)."""
        return self.cut_raw(self.prepare(text))

    def pieces(self, text: str) -> list[str]:
        """:meth:`raw_pieces` with the pieces that spell an alias joined: what :meth:`cut` keeps the words of."""
        return self.join_aliases(self.raw_pieces(text))

    def cut(self, text: str) -> list[str]:
        """Word tokens of ``text`` in order (no whitespace or punctuation tokens).

        The text is prepared first (width folded, boilerplate blanked), so
        tokens are half-width (``1998``, ``APEC``): find them in the text with
        :func:`token_offsets`, which prepares the text the same way.

        >>> get_segmenter().cut("新华社北京１月１日电　１９９８年ＡＰＥＣ会议在丰台区举行")
        ['1998', '年', 'APEC', '会议', '在', '丰台区', '举行']
        """
        # The vocabulary is small, so memoizing the per-token test is much
        # cheaper than re-checking every character of every token.
        memo = self._is_word
        out = []
        for token in self.pieces(text):
            keep = memo.get(token)
            if keep is None:
                keep = memo[token] = is_word_token(token)
            if keep:
                out.append(token)
        return out


def get_segmenter(corpus: Corpus | None = None, backend: str = "auto") -> Segmenter:
    """The corpus's :class:`Segmenter` (None: the sample's), made once per corpus object and
    remade when its dictionary, boilerplate or alias file changes."""
    corpus = corpus if corpus is not None else Corpus.sample()
    backend = _default_backend() if backend == "auto" else backend

    def make() -> Segmenter:
        return Segmenter(backend=backend, userdict=corpus.fact("userdict"), boilerplate=corpus.fact("boilerplate"),
                         aliases=corpus.fact("aliases"), cache=corpus.cache_dir("jieba"))

    return corpus.memo(f"tokens.segmenter.{backend}", make, facts=("userdict", "boilerplate", "aliases"))


def segment(text: str, corpus: Corpus | None = None, backend: str = "auto") -> list[str]:
    """Word tokens of one text (see :class:`Segmenter`), with the corpus's facts (None: the sample's)."""
    return get_segmenter(corpus, backend).cut(text)


# --------------------------------------------------------------------------- articles


def tokenize_articles(articles: pd.DataFrame, corpus: Corpus | None = None, *, backend: str = "auto") -> pd.DataFrame:
    """Segment the ``text`` of every article, with the corpus's facts (None: the sample's).

    Returns a DataFrame with columns ``article_id`` (str) and ``tokens``
    (list of str: word tokens in text order; whitespace and punctuation
    dropped, stopwords kept), one row per article in the input order.
    Headlines are not included (only ``text``).  Nothing is cached here:
    the build's per-article stage (:mod:`analysis.perarticle`) keeps every
    article's tokens in its one cache.

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
        cut = get_segmenter(corpus, backend).cut
        for i in todo:
            results[i] = cut(texts[i])
    return pd.DataFrame({"article_id": pd.Series(ids, dtype=object), "tokens": pd.Series(results, dtype=object)})


def token_offsets(text: str, tokens: Sequence[str], prepared: bool = False, boilerplate=None) -> list[int]:
    """Character offset in ``text`` of each token (tokens are substrings in order).

    The text is prepared as the segmenter prepares it (width folded,
    boilerplate blanked with ``boilerplate``: a Corpus, a file or None for
    the sample's; same length), so offsets point into the original text;
    pass ``prepared=True`` if it already is.

    >>> token_offsets("丰台区，发展", ["丰台区", "发展"])
    [0, 4]
    >>> token_offsets("本报讯　１９９８年", ["1998", "年"])
    [4, 8]
    """
    if not prepared:
        text = prepare_text(text, boilerplate)
    out = []
    pos = 0
    for token in tokens:
        at = text.find(token, pos)
        if at < 0:
            raise ValueError(f"token {token!r} not found in text after offset {pos}")
        out.append(at)
        pos = at + len(token)
    return out
