"""Official formulations (提法): quoted phrases and numbered slogans.

Party papers mark their set phrases with quotation marks: “倍增追赶、合作发展”,
“两园一河”, “两新”, “1511”.  Numbered slogans also appear unquoted right
after the list they name: “特色产业提升、…、劳务协作提升”四项行动.

Rules (heuristic, documented so a reader can check them on the page):

* a **quoted** phrase is text between “”, 『』, 「」 or the vertical-layout
  marks ﹃﹄ / ﹁﹂, within one paragraph, whitespace removed;
* it is a **formulation** when it is 2–20 characters long and contains no
  sentence punctuation (。！？；：，…); 、 is allowed (lists such as
  “倍增追赶、合作发展”).  Longer or punctuated quotes are **quotations**
  (reported speech, titles of motions) and are listed but not counted; a
  quoted date (“1月8日”, “2024年”, in either width) is neither;
* a formulation containing a numeral (digits, 一二两三…十百千万, 双) is
  **numbered** (“两园一河”, “十四五”, “1511”);
* a numeral + measure word (个, 项, 大, 条) + noun written right after a
  closing quote is an **enumeration** (“…”四项行动); its ``expansion`` is the
  quoted items of the same sentence before it;
* once found anywhere, a formulation is counted everywhere it is used in
  headlines, subheadlines and body text: quoted (``quoted``), as an
  enumeration's slogan (``enumerated``), or unquoted where it stands as a word
  or words of its own: an unquoted match that cuts a word of the segmenter
  (:meth:`analysis.tokens.Segmenter.cut_raw`) is no use of the phrase (上新 in
  迈上新台阶, １９９ in １９９８年).  Each occurrence carries the raw line it is
  printed on (a subheadline has its own lines:
  :func:`analysis.corpus.field_lines.field_line`).

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

Speed: each field is normalised once (a regular expression, not a loop over
characters), every formulation is found in one pass of one Aho–Corasick
automaton, and :func:`find_enumerations` is linear in the text length.

>>> from analysis.corpus import load_articles
>>> table = formulation_table(extract_formulations(load_articles()))
>>> "两园一河" in set(table["formulation"])
True
"""
from __future__ import annotations

import bisect
import re
from itertools import accumulate
from pathlib import Path
from typing import Iterable

import ahocorasick
import pandas as pd

from analysis.tokens import fold_width, get_segmenter

QUOTES = {"“": "”", "『": "』", "「": "」", "﹃": "﹄", "﹁": "﹂"}
_QUOTED = re.compile("|".join(f"{re.escape(o)}([^{re.escape(o + c)}\n]+){re.escape(c)}" for o, c in QUOTES.items()))
_SENTENCE_PUNCT = re.compile(r"[。！？；：，,;:!?…]")
_NUMERAL = re.compile(r"[0-9０-９一二两三四五六七八九十百千万双]")
_ENUMERATION = re.compile(
    "[" + "".join(QUOTES.values()) + r"]([0-9一二两三四五六七八九十]+[个项大条])"
)
_SENTENCE_END = re.compile(r"[。！？；\n]")
FIELDS = ("headline", "subheadline", "text")
MIN_LEN, MAX_LEN = 2, 20
# A date (1月8日, ２０２４年, 2024年1月) or a bare number, in either width.
_DATE = re.compile(r"(?=.)(?:[0-9０-９]{2,4}年)?(?:[0-9０-９]{1,2}月)?(?:[0-9０-９]{1,2}[日号])?")
_BARE_NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?[%％]?")

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

OCCURRENCE_COLUMNS = [
    "formulation", "kind", "quoted", "enumerated", "article_id", "issue_date", "source", "field", "line", "offset",
]
#: The per-formulation aggregates both implementations compute (pandas here, DuckDB in
#: :func:`analysis.aggregate.dataset.formulation_table_sql`); :func:`rank_formulations` does the rest.
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


_SPACE = re.compile(r"[^\S\n]+")


class _Offsets:
    """Offset in the original text of each character of the normalised text.

    Stored as the kept runs (original start, normalised start), so building
    it costs one regular-expression pass and a lookup is a bisection.
    """

    def __init__(self, text: str):
        self.orig, self.norm = [0], [0]
        removed = 0
        for m in _SPACE.finditer(text):
            removed += m.end() - m.start()
            self.orig.append(m.end())
            self.norm.append(m.end() - removed)

    def __getitem__(self, at: int) -> int:
        k = bisect.bisect_right(self.norm, at) - 1
        return self.orig[k] + (at - self.norm[k])


def _normalize(text: str) -> tuple[str, _Offsets]:
    r"""Text without whitespace (except paragraph breaks) and each kept char's offset.

    >>> norm, where = _normalize("两园 一河\n双 新")
    >>> norm, [where[i] for i in range(len(norm))]
    ('两园一河\n双新', [0, 1, 3, 4, 5, 6, 8])
    """
    return _SPACE.sub("", text), _Offsets(text)


def classify_quote(inner: str) -> str:
    """``"numbered"``, ``"formulation"`` or ``"quotation"`` for a quoted phrase.

    >>> [classify_quote(q) for q in ["两园一河", "倍增追赶、合作发展", "开门红", "这是我第一次来到丰台，这里张灯结彩"]]
    ['numbered', 'formulation', 'formulation', 'quotation']
    """
    inner = "".join(inner.split())
    if not (MIN_LEN <= len(inner) <= MAX_LEN) or _SENTENCE_PUNCT.search(inner):
        return "quotation"
    return "numbered" if _NUMERAL.search(inner) else "formulation"


def find_quoted(text: str) -> list[tuple[int, str, str]]:
    """(offset of the phrase, phrase without whitespace, kind) for every quote in ``text``.

    >>> find_quoted("落实“两新”政策，推进“1511”产业发展，“1月8日”起")
    [(3, '两新', 'numbered'), (12, '1511', 'numbered')]
    """
    out = []
    for m in _QUOTED.finditer(text):
        group = next(i for i in range(1, len(QUOTES) + 1) if m.group(i) is not None)
        inner = "".join(m.group(group).split())
        if inner and not is_date(inner):
            out.append((m.start(group), inner, classify_quote(inner)))
    return out


def is_date(phrase: str) -> bool:
    """A date or a year, in either width: neither a formulation nor a quotation.

    >>> [is_date(p) for p in ["1月8日", "２０２４年", "2024年1月", "十四五", "1511", "两新"]]
    [True, True, True, False, False, False]
    """
    return _DATE.fullmatch(phrase) is not None


def is_number(phrase: str) -> bool:
    """A bare number in either width (“1511”, “１９９”, “3.5%”).

    >>> [is_number(p) for p in ["1511", "１９９", "3.5%", "十四五", "5G"]]
    [True, True, True, False, False]
    """
    return _BARE_NUMBER.fullmatch(phrase) is not None


def find_enumerations(text: str, cut=None) -> list[tuple[int, str, str]]:
    """(offset, slogan, expansion) for numbered slogans written after a closing quote.

    >>> find_enumerations("聚焦“特色产业提升、劳务协作提升”两项行动，持续推动")
    [(17, '两项行动', '特色产业提升、劳务协作提升')]
    """
    out = []
    ends = None          # sentence ends, found once per text (not once per match: that was quadratic)
    for m in _ENUMERATION.finditer(text):
        cut = cut or get_segmenter().cut
        following = cut(text[m.end(1) : m.end(1) + 8])
        if not following or not re.fullmatch(r"[\u4e00-\u9fff]{1,3}", following[0]):
            continue
        slogan = m.group(1) + following[0]
        if ends is None:
            ends = [e.end() for e in _SENTENCE_END.finditer(text)]
        k = bisect.bisect_right(ends, m.start()) - 1
        sentence_start = ends[k] if k >= 0 else 0
        items = [q for _, q, _ in find_quoted(text[sentence_start : m.start() + 1])]
        out.append((m.start(1), slogan, "、".join(_named_items(items, m.group(1)))))
    return out


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def numeral_value(numeral: str) -> int | None:
    """Value of a small numeral: ``"四"`` → 4, ``"十二"`` → 12, ``"3"`` → 3; None if unknown.

    >>> [numeral_value(x) for x in ["四", "两", "十", "十二", "二十", "7", "百"]]
    [4, 2, 10, 12, 20, 7, None]
    """
    if numeral.isdigit():
        return int(numeral)
    if numeral in _DIGITS:
        return _DIGITS[numeral]
    m = re.fullmatch(r"([一二三四五六七八九]?)十([一二三四五六七八九]?)", numeral)
    if m:
        return (_DIGITS[m.group(1)] if m.group(1) else 1) * 10 + (_DIGITS[m.group(2)] if m.group(2) else 0)
    return None


def _named_items(items: list[str], counted: str) -> list[str]:
    """The quoted items a numbered slogan names: the last one if it lists
    exactly that many items (joined by 、), else the last N quotes."""
    n = numeral_value(counted[:-1])
    if not items or n is None:
        return items
    if len(items[-1].split("、")) == n:
        return items[-1:]
    return items[-n:] if len(items) >= n else items


def _fields(article) -> Iterable[tuple[str, str]]:
    for field in FIELDS:
        value = article.get(field, "")
        if isinstance(value, str) and value:
            yield field, value


def _line(article, field: str, offset: int) -> int:
    from analysis.corpus.field_lines import field_line

    return field_line(article, field, offset)


def word_bounds(norm: str, segmenter) -> set[int]:
    """Offsets in ``norm`` where a word of ``segmenter`` (:class:`analysis.tokens.Segmenter`) starts or ends.

    >>> from analysis.tokens import fold_width, get_segmenter
    >>> sorted(word_bounds("迈上新台阶", get_segmenter()))
    [0, 2, 5]
    """
    # Width folded as the segmenter sees text (１９９８ is one word), boilerplate not masked (no need).
    return {0, *accumulate(map(len, segmenter.cut_raw(fold_width(norm))))}


def extract_formulations(articles: pd.DataFrame, include_quotations: bool = False, *,
                         kinds: dict[str, str] | None = None, segmenter=None) -> pd.DataFrame:
    """Every occurrence of every formulation found in the corpus.

    Columns: ``formulation``, ``kind`` (formulation, numbered, enumeration,
    or quotation when ``include_quotations``), ``quoted`` (bool: written
    inside quotation marks here), ``enumerated`` (bool: written as an
    enumeration's slogan here, “…”四项行动), ``article_id``, ``issue_date``,
    ``source``, ``field`` (headline, subheadline, text), ``line`` (raw line
    number; the headline's line for headline fields), ``offset`` (character
    offset in the field).  Sorted by article order (the articles table's),
    field, offset, formulation.  An unquoted match that is not a word or words
    of its own (it cuts a word of ``segmenter``) is not an occurrence.

    ``kinds`` (phrase → kind): count these formulations instead of the ones
    found in ``articles``; the build passes those of the whole corpus when it
    calls this on one chunk of articles at a time (:mod:`analysis.perarticle.stage`),
    so that the chunks' tables, concatenated, are the corpus's table.
    ``segmenter``: the :class:`analysis.tokens.Segmenter` whose words bound
    unquoted uses (default: the configured corpus's, :func:`analysis.tokens.get_segmenter`).
    """
    rows = []
    given = kinds
    kinds = {}
    quoted_at: set[tuple[int, str, int, str]] = set()
    records = articles.to_dict("records")
    segmenter = segmenter or get_segmenter()
    cut = segmenter.cut
    # Each field is normalised once and kept for both passes.
    fields = [[(field, *_normalize(value)) for field, value in _fields(article)] for article in records]
    # Pass 1: which phrases are formulations, and where they are quoted.
    for index, article in enumerate(records):
        for field, norm, where in fields[index]:
            for at, inner, kind in find_quoted(norm):
                if kind == "quotation":
                    if include_quotations:
                        rows.append((index, field, where[at], inner, kind, True, False, article))
                    continue
                kinds.setdefault(inner, kind)
                quoted_at.add((index, field, where[at], inner))
            if given is None:  # (given kinds: only where phrases are quoted is needed)
                for at, slogan, _ in find_enumerations(norm, cut):
                    kinds.setdefault(slogan, "enumeration")
    if given is not None:
        kinds = dict(given)
    # Pass 2: count every use of every formulation, quoted or not: one automaton
    # for all of them, one pass per field.
    if kinds:
        automaton = ahocorasick.Automaton()
        for phrase in kinds:
            automaton.add_word(phrase, phrase)
        automaton.make_automaton()
        for index, article in enumerate(records):
            for field, norm, where in fields[index]:
                last_end: dict[str, int] = {}
                bounds = None    # the field's word boundaries, found at its first unquoted match
                enumerated = None
                for end, phrase in automaton.iter(norm):
                    at = end - len(phrase) + 1
                    # Occurrences of one phrase do not overlap (as str.find counts them).
                    if at < last_end.get(phrase, 0):
                        continue
                    offset = where[at]
                    quoted = (index, field, offset, phrase) in quoted_at
                    if enumerated is None:
                        enumerated = {(e_at, slogan) for e_at, slogan, _ in find_enumerations(norm, cut)}
                    listed = (at, phrase) in enumerated
                    if not quoted and not listed:
                        if bounds is None:
                            bounds = word_bounds(norm, segmenter)
                        if at not in bounds or end + 1 not in bounds:
                            continue    # part of other words: no use of the phrase
                    last_end[phrase] = end + 1
                    rows.append((index, field, offset, phrase, kinds[phrase], quoted, listed, article))
    field_order = {f: i for i, f in enumerate(FIELDS)}
    rows.sort(key=lambda r: (r[0], field_order[r[1]], r[2], r[3]))
    from analysis.corpus.field_lines import line_lookup

    lookups: dict[int, object] = {}
    out = []
    for index, field, offset, phrase, kind, quoted, listed, a in rows:
        line = lookups.get(index) or lookups.setdefault(index, line_lookup(a))
        out.append((phrase, kind, quoted, listed, str(a["article_id"]), a.get("issue_date", ""),
                    a.get("source", ""), field, line(field, offset), offset))
    frame = pd.DataFrame(out, columns=OCCURRENCE_COLUMNS)
    return frame.astype({"quoted": bool, "enumerated": bool, "line": "int64", "offset": "int64"})


def jieba_dictionary(path: str | None = None) -> dict[str, int]:
    """jieba's own dictionary (``dict.txt`` of the installed jieba, or ``path``): word → frequency.

    The signal that a quoted phrase is an ordinary word (:func:`rank_formulations`);
    a corpus's user dictionary is not in it.  Reading it takes a fraction of a second.

    >>> d = jieba_dictionary()
    >>> d["中国"] > COMMON_FREQ > d.get("两个确立", 0)
    True
    """
    if path is None:
        import jieba

        path = Path(jieba.__file__).parent / "dict.txt"
    out: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                out[parts[0]] = int(parts[1])
    return out


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})


def formulation_table(occurrences: pd.DataFrame, articles: pd.DataFrame | None = None, *,
                      dictionary: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per formulation, from :func:`extract_formulations`, ranked (:func:`rank_formulations`).

    Columns (see the module docstring for the ranking ones): ``formulation``,
    ``kind``, ``count`` (occurrences), ``quoted_count`` (of which inside
    quotes), ``n_articles``, ``first_issue_date``, ``first_article_id``,
    ``first_source``, ``first_line`` (earliest occurrence: issue date, then
    source, then line), ``expansion`` (for enumerations: the items they name,
    from their first appearance; else ""), ``article_ids`` (";"-separated, by
    first appearance), then ``enumerated_count, quoted_share, quoted_articles,
    top_article_share, dictionary_freq, nested_share, first_quoted_issue_date,
    first_quoted_article_id, score, rank_basis``.  Set phrases first, by
    score.  Quotations are left out.  Pass ``articles`` to recover
    expansions, ``dictionary`` (word → frequency; default
    :func:`jieba_dictionary`) for the common-word rule.
    """
    occ = occurrences[occurrences["kind"] != "quotation"]
    if occ.empty:
        return _empty_table()
    occ = occ.sort_values(["issue_date", "source", "line", "offset"], kind="mergesort")
    expansions: dict[str, str] = {}
    if articles is not None:
        cut = get_segmenter().cut
        for text in articles["text"]:
            for _, slogan, items in find_enumerations(_normalize(str(text))[0], cut):
                expansions.setdefault(slogan, items)
    occ = occ.assign(_marked=occ["quoted"].astype(bool) | occ["enumerated"].astype(bool))
    rows = []
    for phrase, group in occ.groupby("formulation", sort=True):
        first = group.iloc[0]
        ids = list(dict.fromkeys(group["article_id"]))
        quoted_rows = group[group["_marked"].to_numpy()]
        first_quoted = quoted_rows.iloc[0] if len(quoted_rows) else None
        rows.append((
            phrase, first["kind"], len(group), int(group["quoted"].sum()), len(ids), first["issue_date"],
            first["article_id"], first["source"], int(first["line"]), expansions.get(phrase, ""), ";".join(ids),
            int(group["enumerated"].astype(bool).sum()), int(quoted_rows["article_id"].nunique()),
            int(group["article_id"].value_counts().iloc[0]),
            "" if first_quoted is None else first_quoted["issue_date"],
            "" if first_quoted is None else first_quoted["article_id"],
        ))
    return rank_formulations(pd.DataFrame(rows, columns=AGGREGATE_COLUMNS), dictionary)


def _containers(phrases: list[str], containers: list[str]) -> dict[str, list[tuple[str, int]]]:
    """phrase → [(a longer phrase among ``containers`` holding it, how many times)]."""
    automaton = ahocorasick.Automaton()
    for phrase in phrases:
        automaton.add_word(phrase, phrase)
    automaton.make_automaton()
    out: dict[str, list[tuple[str, int]]] = {}
    for longer in containers:
        seen: dict[str, int] = {}
        for _, phrase in automaton.iter(longer):
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
    numbered = t["formulation"].str.contains(_NUMERAL)
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
