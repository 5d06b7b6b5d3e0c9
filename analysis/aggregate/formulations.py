"""The 提法 table: one row per formulation, from the occurrences the per-article stage found, ranked.

What makes a phrase a formulation, and every use of it, is decided by
:mod:`analysis.perarticle.formulations`; this module sums the occurrences of
the per-article dataset (:mod:`analysis.aggregate.dataset`) with SQL and ranks
the phrases.

**Ranking** (:func:`rank_formulations`, the same for the pandas table and the
DuckDB one).  A formulation is a phrase the paper *marks* as a unit, by
quotes or as an enumeration, and uses as one.  ``rank_basis`` says where a
phrase stands, the first rule it fails deciding:

``number``       a bare number (digits in either width: “1511”, “１９９”);
``common word``  one word of jieba's own dictionary with a frequency of
                 :data:`COMMON_FREQ` or more (中国, 发展, 台独, 精准): quoted
                 words, not set phrases; for a numbered phrase
                 :data:`NUMBERED_COMMON_FREQ` (第一, 五一), since jieba lists
                 numbered set phrases among its words (一国两制, 三农);
``few quotes``   marked fewer than :data:`MIN_QUOTED` times or in fewer than
                 :data:`MIN_QUOTED_ARTICLES` articles;
``one article``  more than :data:`MAX_TOP_ARTICLE_SHARE` of its uses in one article;
``fragment``     :data:`FRAGMENT_SHARE` or more of its uses inside a longer
                 set phrase (高质量 in 高质量发展, 两制 in 一国两制);
``set phrase``   all of the above passed.

Set phrases come first, then the rest, each by ``score`` (descending), then
count, then the phrase.  ``score = sqrt(quoted_articles × n_articles)``: how
widely the paper uses the phrase, weighted by the square root of the share of
those articles that mark it.  A slogan the paper always quotes (两个确立) and
one it has stopped quoting once established (中国式现代化: quoted in 6 of
1,942 articles of the development corpus) both rank; a quoted word used
everywhere cannot, having failed a rule above.

Columns of :func:`formulation_table` (one row per formulation): ``formulation,
kind, count, quoted_count, n_articles, first_issue_date, first_article_id,
first_source, first_line, expansion, article_ids`` (as before: see the
function), then ``enumerated_count`` (uses as an enumeration's slogan),
``quoted_share`` ((quoted + enumerated) / count), ``quoted_articles``
(articles where it is quoted or enumerated), ``top_article_share`` (share of
its uses in its busiest article), ``dictionary_freq`` (jieba's dictionary
frequency of the phrase as one word; 0 when it is none), ``nested_share``
(share of its uses inside a longer set phrase, estimated from the longer
phrase's count), ``first_quoted_issue_date`` and ``first_quoted_article_id``
(its first quoted or enumerated use; '' when none), ``score`` and
``rank_basis`` (above).
"""
from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Iterable

import pandas as pd

from analysis.automaton import PhraseAutomaton
from analysis.inputs import library_version
from analysis.io import atomic_path
from analysis.perarticle.formulations import NUMERAL, is_number
from .dataset import connect, dataset_sql, query_frame

log = logging.getLogger(__name__)

#: Marked (quoted or enumerated) at least this often …
MIN_QUOTED = 3
#: … in at least this many articles, to be a set phrase.
MIN_QUOTED_ARTICLES = 2
#: A phrase with more than this share of its uses in one article is that article's, not the paper's.
MAX_TOP_ARTICLE_SHARE = 0.5
#: jieba's dictionary frequency from which one dictionary word is a common word …
COMMON_FREQ = 50
#: … and a numbered one (jieba lists 一国两制 451, 两会 511, 三农 86 as words; 第一, 五一, 十一 are above this).
NUMBERED_COMMON_FREQ = 1000
#: Share of uses inside a longer set phrase from which a phrase is its fragment.
FRAGMENT_SHARE = 0.5
RANK_BASES = ("set phrase", "fragment", "one article", "few quotes", "common word", "number")

#: The per-formulation aggregates DuckDB computes (:func:`formulation_table`; the pandas reference in the
#: tests computes the same); :func:`rank_formulations` does the rest.
AGGREGATE_COLUMNS = [
    "formulation", "kind", "count", "quoted_count", "n_articles", "first_issue_date", "first_article_id",
    "first_source", "first_line", "expansion", "article_ids", "enumerated_count", "quoted_articles",
    "top_article_count", "first_quoted_issue_date", "first_quoted_article_id",
]
TABLE_COLUMNS = [
    "formulation", "kind", "count", "quoted_count", "n_articles", "first_issue_date", "first_article_id",
    "first_source", "first_line", "expansion", "article_ids", "enumerated_count", "quoted_share",
    "quoted_articles", "top_article_share", "dictionary_freq", "nested_share", "first_quoted_issue_date",
    "first_quoted_article_id", "score", "rank_basis",
]
_INT_COLUMNS = ("count", "quoted_count", "n_articles", "first_line", "enumerated_count", "quoted_articles",
                "dictionary_freq")
_FLOAT_COLUMNS = ("quoted_share", "top_article_share", "nested_share", "score")


def formulation_table(folder: str | Path, expansions: dict[str, str] | None = None, *, con=None,
                      dictionary: dict[str, int] | None = None,
                      dictionary_cache: str | Path | None = None) -> pd.DataFrame:
    """One row per formulation, from the ``formulation_occurrences`` of the per-article dataset in
    ``folder`` (:mod:`analysis.aggregate.dataset`): DuckDB computes the aggregates
    (:data:`AGGREGATE_COLUMNS`), :func:`rank_formulations` ranks them.

    Columns: ``formulation``, ``kind``, ``count`` (occurrences), ``quoted_count``
    (of which inside quotes), ``n_articles``, ``first_issue_date``,
    ``first_article_id``, ``first_source``, ``first_line`` (earliest
    occurrence: issue date, then source, then line, then offset, ties in the
    occurrences' own order), ``expansion`` (for enumerations: the items they
    name, from ``expansions``; else ""), ``article_ids`` (";"-separated, by
    first appearance), then the ranking columns (module docstring).  Set
    phrases first, by score.  Quotations are left out.  ``con``: a
    connection to reuse; ``dictionary``: word → frequency (default
    :func:`jieba_dictionary`'s, looked up by :func:`dictionary_frequencies` with its cache in the folder
    ``dictionary_cache``, if given).
    """
    folder = Path(folder)
    if not any((folder / "formulation_occurrences").glob("*/*.parquet")):
        return _empty_table()
    occ = dataset_sql(folder, "formulation_occurrences")
    sql = f"""
        WITH o AS (
            SELECT *, (quoted OR enumerated) AS marked,
                   row_number() OVER (ORDER BY issue_date, source, line, "offset", "row") AS rk
            FROM {occ} WHERE kind <> 'quotation'),
        firsts AS (
            SELECT formulation, arg_min(kind, rk) AS kind, count(*)::BIGINT AS "count",
                   sum(quoted::BIGINT)::BIGINT AS quoted_count, count(DISTINCT article_id)::BIGINT AS n_articles,
                   arg_min(issue_date, rk) AS first_issue_date, arg_min(article_id, rk) AS first_article_id,
                   arg_min(source, rk) AS first_source, arg_min(line, rk)::BIGINT AS first_line,
                   sum(enumerated::BIGINT)::BIGINT AS enumerated_count,
                   count(DISTINCT article_id) FILTER (WHERE marked)::BIGINT AS quoted_articles,
                   coalesce(arg_min(issue_date, rk) FILTER (WHERE marked), '') AS first_quoted_issue_date,
                   coalesce(arg_min(article_id, rk) FILTER (WHERE marked), '') AS first_quoted_article_id
            FROM o GROUP BY formulation),
        per_article AS (
            SELECT formulation, article_id, min(rk) AS first_rk, count(*) AS n FROM o GROUP BY formulation, article_id),
        ids AS (
            SELECT formulation, string_agg(article_id, ';' ORDER BY first_rk) AS article_ids,
                   max(n)::BIGINT AS top_article_count
            FROM per_article GROUP BY formulation)
        SELECT f.*, i.article_ids, i.top_article_count FROM firsts f JOIN ids i USING (formulation)
        ORDER BY f.formulation
    """
    own = con is None
    con = con or connect()
    try:
        frame = query_frame(con, sql)
    finally:
        if own:
            con.close()
    if frame.empty:
        return _empty_table()
    known = expansions or {}
    frame["expansion"] = [known.get(f, "") for f in frame["formulation"]]
    frame = frame[AGGREGATE_COLUMNS].reset_index(drop=True)
    types = {c: "str" for c in AGGREGATE_COLUMNS}
    types.update({c: "int64" for c in ("count", "quoted_count", "n_articles", "first_line", "enumerated_count",
                                       "quoted_articles", "top_article_count")})
    frame = frame.astype(types)
    if dictionary is None:
        dictionary = dictionary_frequencies(frame["formulation"], dictionary_cache)
    return rank_formulations(frame, dictionary)


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})


def jieba_dictionary(path: str | None = None) -> dict[str, int]:
    """jieba's own dictionary (``dict.txt`` of the installed jieba, or ``path``): word → frequency.

    The signal that a quoted phrase is an ordinary word (:func:`rank_formulations`);
    a corpus's user dictionary is not in it.  Reading it takes a fraction of a second.

    >>> d = jieba_dictionary()
    >>> d["中国"] > COMMON_FREQ > d.get("两个确立", 0)
    True
    """
    with open(_dictionary_path(path), encoding="utf-8") as handle:
        return _parse_dictionary(handle)


def _parse_dictionary(lines: Iterable[str]) -> dict[str, int]:
    """word → frequency of jieba's dictionary format (``word freq [tag]`` a line)."""
    out: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


#: Bumped when what a cached dictionary file holds changes (:func:`dictionary_frequencies`).
DICTIONARY_CACHE_VERSION = 1
_DICTIONARY_MAGIC = b"analysis jieba dictionary\n"


def dictionary_frequencies(words: Iterable[str], cache: str | Path | None = None,
                           path: str | Path | None = None) -> dict[str, int]:
    """jieba's dictionary frequency of each of ``words`` that it lists (:func:`jieba_dictionary`, only
    those words): what :func:`rank_formulations` looks up.

    Parsing the dictionary's 349,045 lines takes 0.3–0.4 s, a tenth of a forced rebuild of 3,000
    articles; with ``cache`` (a folder: the build folder's ``cache/jieba``) the parsed dictionary is
    kept there as an Arrow table, keyed by jieba's version, the dictionary file's SHA-256 and
    :data:`DICTIONARY_CACHE_VERSION`, and read back with the words looked up in Arrow (a few
    milliseconds).  The file is written atomically and checksummed: one that is corrupt, foreign or
    of another key is a miss (one warning when it is unreadable), the dictionary is parsed again and
    the file replaced; one that cannot be written costs the parse next time, never the result.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> dictionary_frequencies(["中国", "两个确立"], folder) == dictionary_frequencies(["中国", "两个确立"], folder)
    True
    >>> dictionary_frequencies(["中国", "两个确立"], folder) == {"中国": jieba_dictionary()["中国"]}
    True
    """
    wanted = set(words)
    if cache is None:
        dictionary = jieba_dictionary(path)
        return {w: dictionary[w] for w in wanted if w in dictionary}
    source = _dictionary_path(path)
    raw = Path(source).read_bytes()
    key = _dictionary_key(raw)
    file = Path(cache) / f"dictionary-{key[:32]}.arrow"
    table = _read_dictionary(file, key)
    if table is None:
        # Read as the file is by jieba_dictionary (the same line splitting), from the bytes hashed.
        dictionary = _parse_dictionary(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
        try:
            _write_dictionary(file, key, dictionary)
        except OSError as err:  # a cache only: a full or read-only build folder costs the parse next time
            log.warning("could not cache jieba's dictionary in %s (%s)", cache, err.strerror or err)
        return {w: dictionary[w] for w in wanted if w in dictionary}
    import pyarrow as pa
    import pyarrow.compute as pc

    found = table.filter(pc.is_in(table["word"], value_set=pa.array(sorted(wanted), pa.string())))
    return dict(zip(found["word"].to_pylist(), found["freq"].to_pylist()))


def _dictionary_path(path: str | Path | None) -> Path:
    if path is not None:
        return Path(path)
    from importlib.util import find_spec

    # The installed package's file, found without importing jieba (0.5 s: it imports pkg_resources).
    return Path(find_spec("jieba").origin).parent / "dict.txt"


def _dictionary_key(raw: bytes) -> str:
    """What a cached dictionary depends on: the file's bytes, jieba's version, this cache's format."""
    return hashlib.sha256(f"{DICTIONARY_CACHE_VERSION}\0{library_version('jieba', 'jieba')}\0".encode()
                          + hashlib.sha256(raw).digest()).hexdigest()


def _read_dictionary(file: Path, key: str):
    """The cached dictionary table (``word``, ``freq``) of ``key`` in ``file``; None when there is none,
    or it is unreadable (one warning), truncated, corrupt or another key's."""
    import pyarrow as pa

    try:
        data = file.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        log.warning("%s: cached jieba dictionary unreadable (%s); parsed again", file, err.strerror or err)
        return None
    head = len(_DICTIONARY_MAGIC)
    try:
        if data[:head] != _DICTIONARY_MAGIC or data[head:head + 64].decode("ascii") != key:
            raise ValueError("not this dictionary's cache")
        check, body = data[head + 64:head + 96], memoryview(data)[head + 96:]
        if hashlib.blake2b(body, digest_size=32).digest() != check:
            raise ValueError("checksum mismatch")
        table = pa.ipc.open_stream(body).read_all()
        if table.schema != pa.schema([("word", pa.string()), ("freq", pa.int64())]):
            raise ValueError("unexpected columns")
        return table
    except (ValueError, UnicodeDecodeError, pa.ArrowException) as err:
        log.warning("%s: cached jieba dictionary unusable (%s); parsed again", file, err)
        return None


def _write_dictionary(file: Path, key: str, dictionary: dict[str, int]) -> None:
    import pyarrow as pa

    table = pa.table({"word": pa.array(list(dictionary), pa.string()),
                      "freq": pa.array(list(dictionary.values()), pa.int64())})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    body = sink.getvalue()
    with atomic_path(file) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(_DICTIONARY_MAGIC + key.encode("ascii") + hashlib.blake2b(body, digest_size=32).digest())
            handle.write(body)


def _containers(phrases: list[str], containers: list[str]) -> dict[str, list[tuple[str, int]]]:
    """phrase → [(a longer phrase among ``containers`` holding it, how many times)]."""
    automaton = PhraseAutomaton(phrases)
    out: dict[str, list[tuple[str, int]]] = {}
    for longer in containers:
        seen: dict[str, int] = {}
        for _, _, index in automaton.find(longer):
            phrase = automaton.phrases[index]
            if phrase != longer:
                seen[phrase] = seen.get(phrase, 0) + 1
        for phrase, times in seen.items():
            out.setdefault(phrase, []).append((longer, times))
    return out


def rank_formulations(aggregates: pd.DataFrame, dictionary: dict[str, int] | None = None, *,
                      min_quoted: int = MIN_QUOTED, min_quoted_articles: int = MIN_QUOTED_ARTICLES,
                      max_top_article_share: float = MAX_TOP_ARTICLE_SHARE, common_freq: int = COMMON_FREQ,
                      numbered_common_freq: int = NUMBERED_COMMON_FREQ, fragment_share: float = FRAGMENT_SHARE
                      ) -> pd.DataFrame:
    """The formulation table from per-formulation aggregates (:data:`AGGREGATE_COLUMNS`):
    ranking columns added, rows ranked (rules in the module docstring).

    ``dictionary``: word → frequency, for the common-word rule (default
    :func:`jieba_dictionary`).  Both implementations of the table end here, so
    they rank alike.

    >>> agg = pd.DataFrame({"formulation": ["中国", "两个确立", "上新"], "kind": "formulation",
    ...     "count": [500, 60, 40], "quoted_count": [5, 58, 3], "n_articles": [300, 50, 38],
    ...     "first_issue_date": "2022-01-01", "first_article_id": "a", "first_source": "s", "first_line": 1,
    ...     "expansion": "", "article_ids": "a", "enumerated_count": 0, "quoted_articles": [5, 48, 1],
    ...     "top_article_count": [3, 2, 1], "first_quoted_issue_date": "2022-01-01", "first_quoted_article_id": "a"})
    >>> rank_formulations(agg, {"中国": 129470})[["formulation", "rank_basis", "score"]].values.tolist()
    [['两个确立', 'set phrase', 48.9898], ['中国', 'common word', 38.7298], ['上新', 'few quotes', 6.1644]]
    """
    if aggregates.empty:
        return _empty_table()
    if dictionary is None:
        dictionary = jieba_dictionary()
    t = aggregates.copy()
    count = t["count"].astype("int64")
    marked = t["quoted_count"].astype("int64") + t["enumerated_count"].astype("int64")
    t["quoted_share"] = (marked / count).round(4)
    t["top_article_share"] = (t["top_article_count"].astype("int64") / count).round(4)
    t["dictionary_freq"] = [int(dictionary.get(f, 0)) for f in t["formulation"]]
    t["score"] = ((t["quoted_articles"].astype("int64") * t["n_articles"].astype("int64")) ** 0.5).round(4)
    numbered = t["formulation"].str.contains(NUMERAL)
    basis = pd.Series("set phrase", index=t.index, dtype=object)
    rules = [
        ("fragment", None),     # decided below, among the phrases that pass the rest
        ("one article", t["top_article_share"] > max_top_article_share),
        ("few quotes", (marked < min_quoted) | (t["quoted_articles"] < min_quoted_articles)),
        ("common word", t["dictionary_freq"] >= numbered.map({True: numbered_common_freq, False: common_freq})),
        ("number", t["formulation"].map(is_number)),
    ]
    for name, failed in rules[1:]:        # the last rule failed is the first in order: applied last
        basis[failed.to_numpy()] = name
    # A fragment: most of its uses inside a longer phrase that is itself a set phrase so far.
    passing = t.loc[basis == "set phrase", "formulation"].tolist()
    counts = dict(zip(t["formulation"], count))
    held = _containers(t["formulation"].tolist(), passing)
    nested = []
    for phrase in t["formulation"]:
        inside = max((counts[longer] * times for longer, times in held.get(phrase, [])), default=0)
        nested.append(round(min(1.0, inside / counts[phrase]), 4))
    t["nested_share"] = nested
    basis[(basis == "set phrase") & (t["nested_share"] >= fragment_share)] = "fragment"
    t["rank_basis"] = basis
    t = t.assign(_tier=(basis != "set phrase").astype(int))
    t = t.sort_values(["_tier", "score", "count", "formulation"], ascending=[True, False, False, True],
                      kind="mergesort")
    t = t[TABLE_COLUMNS].reset_index(drop=True)
    types = {c: "int64" for c in _INT_COLUMNS} | {c: "float64" for c in _FLOAT_COLUMNS}
    return t.astype(types)

