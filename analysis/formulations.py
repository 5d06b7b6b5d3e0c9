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
  (reported speech, titles of motions) and are listed but not counted;
* a formulation containing a numeral (digits, 一二两三…十百千万, 双) is
  **numbered** (“两园一河”, “十四五”, “1511”);
* a numeral + measure word (个, 项, 大, 条) + noun written right after a
  closing quote is an **enumeration** (“…”四项行动); its ``expansion`` is the
  quoted items of the same sentence before it;
* once found anywhere, a formulation is counted everywhere it occurs in
  headlines, subheadlines and body text, quoted or not (``quoted`` says
  which).

>>> from analysis.corpus import load_articles
>>> table = formulation_table(extract_formulations(load_articles()))
>>> "两园一河" in set(table["formulation"])
True
"""
from __future__ import annotations

import re
from typing import Iterable

import pandas as pd

from analysis.tokens import segment

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

OCCURRENCE_COLUMNS = [
    "formulation", "kind", "quoted", "article_id", "issue_date", "source", "field", "line", "offset",
]
TABLE_COLUMNS = [
    "formulation", "kind", "count", "quoted_count", "n_articles", "first_issue_date", "first_article_id",
    "first_source", "first_line", "expansion", "article_ids",
]


def _normalize(text: str) -> tuple[str, list[int]]:
    """Text without whitespace (except paragraph breaks) and each kept char's offset."""
    chars, where = [], []
    for i, ch in enumerate(text):
        if ch.isspace() and ch != "\n":
            continue
        chars.append(ch)
        where.append(i)
    return "".join(chars), where


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

    >>> find_quoted("落实“两新”政策，推进“1511”产业发展")
    [(3, '两新', 'numbered'), (12, '1511', 'numbered')]
    """
    out = []
    for m in _QUOTED.finditer(text):
        group = next(i for i in range(1, len(QUOTES) + 1) if m.group(i) is not None)
        inner = "".join(m.group(group).split())
        if inner:
            out.append((m.start(group), inner, classify_quote(inner)))
    return out


def find_enumerations(text: str) -> list[tuple[int, str, str]]:
    """(offset, slogan, expansion) for numbered slogans written after a closing quote.

    >>> find_enumerations("聚焦“特色产业提升、劳务协作提升”两项行动，持续推动")
    [(17, '两项行动', '特色产业提升、劳务协作提升')]
    """
    out = []
    for m in _ENUMERATION.finditer(text):
        following = segment(text[m.end(1) : m.end(1) + 8])
        if not following or not re.fullmatch(r"[\u4e00-\u9fff]{1,3}", following[0]):
            continue
        slogan = m.group(1) + following[0]
        sentence_start = max((e.end() for e in _SENTENCE_END.finditer(text, 0, m.start())), default=0)
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
    if field == "text":
        from analysis.corpus import source_line

        return int(source_line(article, offset))
    # Headlines have one recorded line (0 when unknown).
    return int(article.get("headline_line", 0) or 0)


def extract_formulations(articles: pd.DataFrame, include_quotations: bool = False) -> pd.DataFrame:
    """Every occurrence of every formulation found in the corpus.

    Columns: ``formulation``, ``kind`` (formulation, numbered, enumeration,
    or quotation when ``include_quotations``), ``quoted`` (bool: written
    inside quotation marks here), ``article_id``, ``issue_date``, ``source``,
    ``field`` (headline, subheadline, text), ``line`` (raw line number; the
    headline's line for headline fields), ``offset`` (character offset in
    the field).  Sorted by article order (the articles table's), field,
    offset, formulation.
    """
    rows = []
    kinds: dict[str, str] = {}
    quoted_at: set[tuple[int, str, int, str]] = set()
    records = articles.to_dict("records")
    # Pass 1: which phrases are formulations, and where they are quoted.
    for index, article in enumerate(records):
        for field, value in _fields(article):
            norm, where = _normalize(value)
            for at, inner, kind in find_quoted(norm):
                if kind == "quotation":
                    if include_quotations:
                        rows.append((index, field, where[at], inner, kind, True, article))
                    continue
                kinds.setdefault(inner, kind)
                quoted_at.add((index, field, where[at], inner))
            for at, slogan, _ in find_enumerations(norm):
                kinds.setdefault(slogan, "enumeration")
    # Pass 2: count every occurrence of every formulation, quoted or not.
    for index, article in enumerate(records):
        for field, value in _fields(article):
            norm, where = _normalize(value)
            for phrase in kinds:
                at = norm.find(phrase)
                while at >= 0:
                    offset = where[at]
                    quoted = (index, field, offset, phrase) in quoted_at
                    rows.append((index, field, offset, phrase, kinds[phrase], quoted, article))
                    at = norm.find(phrase, at + len(phrase))
    field_order = {f: i for i, f in enumerate(FIELDS)}
    rows.sort(key=lambda r: (r[0], field_order[r[1]], r[2], r[3]))
    out = [
        (phrase, kind, quoted, str(a["article_id"]), a.get("issue_date", ""), a.get("source", ""),
         field, _line(a, field, offset), offset)
        for _, field, offset, phrase, kind, quoted, a in rows
    ]
    frame = pd.DataFrame(out, columns=OCCURRENCE_COLUMNS)
    return frame.astype({"quoted": bool, "line": "int64", "offset": "int64"})


def formulation_table(occurrences: pd.DataFrame, articles: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per formulation, from :func:`extract_formulations`.

    Columns: ``formulation``, ``kind``, ``count`` (occurrences), ``quoted_count``
    (of which inside quotes), ``n_articles``, ``first_issue_date``,
    ``first_article_id``, ``first_source``, ``first_line`` (earliest
    occurrence: issue date, then source, then line), ``expansion`` (for
    enumerations: the items they name, from their first appearance; else
    ""), ``article_ids`` (";"-separated, by first appearance).  Sorted by
    count descending, then formulation.  Quotations are left out.  Pass
    ``articles`` to recover expansions.
    """
    occ = occurrences[occurrences["kind"] != "quotation"]
    if occ.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})
    occ = occ.sort_values(["issue_date", "source", "line", "offset"], kind="mergesort")
    expansions: dict[str, str] = {}
    if articles is not None:
        for text in articles["text"]:
            for _, slogan, items in find_enumerations(_normalize(str(text))[0]):
                expansions.setdefault(slogan, items)
    rows = []
    for phrase, group in occ.groupby("formulation", sort=True):
        first = group.iloc[0]
        ids = list(dict.fromkeys(group["article_id"]))
        rows.append((
            phrase, first["kind"], len(group), int(group["quoted"].sum()), len(ids), first["issue_date"],
            first["article_id"], first["source"], int(first["line"]), expansions.get(phrase, ""), ";".join(ids),
        ))
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table = table.sort_values(["count", "formulation"], ascending=[False, True], kind="mergesort")
    return table.reset_index(drop=True)
