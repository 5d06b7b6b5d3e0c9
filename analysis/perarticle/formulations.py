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
  (the pieces its tokens come from: :func:`word_bounds`) is no use of the
  phrase (上新 in 迈上新台阶, １９９ in １９９８年).  Each occurrence carries the
  raw line it is printed on (a subheadline has its own lines:
  :func:`analysis.corpus.field_lines.field_line`).

How the table of formulations ranks them (set phrases first) is
:func:`analysis.aggregate.formulations.rank_formulations`.

Speed: each field is normalised once (a regular expression, not a loop over
characters), every formulation is found in one pass of one Aho–Corasick
automaton, and :func:`find_enumerations` is linear in the text length.

>>> from analysis.corpus import load_articles
>>> found = extract_formulations(load_articles())
>>> "两园一河" in set(found["formulation"])
True
"""
from __future__ import annotations

import bisect
import re
from itertools import accumulate
from operator import itemgetter
from typing import Iterable

import pandas as pd

from analysis.automaton import PhraseAutomaton
from analysis.corpus.field_lines import FIELDS, line_lookup
from analysis.corpus.folder import Corpus
from analysis.io import row_records
from analysis.tokens import get_segmenter

QUOTES = {"“": "”", "『": "』", "「": "」", "﹃": "﹄", "﹁": "﹂"}
_QUOTED = re.compile("|".join(f"{re.escape(o)}([^{re.escape(o + c)}\n]+){re.escape(c)}" for o, c in QUOTES.items()))
_SENTENCE_PUNCT = re.compile(r"[。！？；：，,;:!?…]")
NUMERAL = re.compile(r"[0-9０-９一二两三四五六七八九十百千万双]")
_ENUMERATION = re.compile(
    "[" + "".join(QUOTES.values()) + r"]([0-9一二两三四五六七八九十]+[个项大条])"
)
_SENTENCE_END = re.compile(r"[。！？；\n]")
MIN_LEN, MAX_LEN = 2, 20
# A date (1月8日, ２０２４年, 2024年1月) or a bare number, in either width.
_DATE = re.compile(r"(?=.)(?:[0-9０-９]{2,4}年)?(?:[0-9０-９]{1,2}月)?(?:[0-9０-９]{1,2}[日号])?")
_BARE_NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?[%％]?")

OCCURRENCE_COLUMNS = [
    "formulation", "kind", "quoted", "enumerated", "article_id", "issue_date", "source", "field", "line", "offset",
]


_SPACE = re.compile(r"[^\S\n]+")
_OFFSET_PHRASE = itemgetter(2, 3)


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
        #: Nothing removed: every offset is its own (most fields; no bisection needed).
        self.plain = removed == 0

    def __getitem__(self, at: int) -> int:
        k = bisect.bisect_right(self.norm, at) - 1
        return self.orig[k] + (at - self.norm[k])


def normalize(text: str) -> tuple[str, _Offsets]:
    r"""Text without whitespace (except paragraph breaks) and each kept char's offset.

    >>> norm, where = normalize("两园 一河\n双 新")
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
    return "numbered" if NUMERAL.search(inner) else "formulation"


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
    """The quoted items a numbered slogan names: the last quote if it lists
    exactly that many items (joined by 、), else the last N quotes when the
    sentence has N; nothing when the number is unknown, below two, or more
    than the quotes before it (a slogan is not "expanded" by whatever was
    quoted earlier in its sentence: 八项行动 after one quote names nothing).

    >>> _named_items(["甲、乙"], "两个"), _named_items(["甲", "乙", "丙"], "两项"), _named_items(["甲"], "八项")
    (['甲、乙'], ['乙', '丙'], [])
    """
    n = numeral_value(counted[:-1])
    if not items or n is None or n < 2:
        return []
    if len(items[-1].split("、")) == n:
        return items[-1:]
    return items[-n:] if len(items) >= n else []


def article_fields(article) -> Iterable[tuple[str, str]]:
    """``(field, text)`` of an article's non-empty headline, subheadline and text, in that order."""
    for field in FIELDS:
        value = article.get(field, "")
        if isinstance(value, str) and value:
            yield field, value


def word_bounds(text: str, segmenter) -> list[int]:
    """Offsets in ``text`` where a piece of ``segmenter`` (:class:`analysis.tokens.Segmenter`) starts or ends:
    the pieces its tokens come from, so an unquoted use of a phrase counts where the tokens have it whole.

    >>> from analysis.tokens import get_segmenter
    >>> word_bounds("迈上新台阶", get_segmenter())
    [0, 2, 5]
    """
    return pieces_bounds(segmenter.pieces(text))


def pieces_bounds(pieces: list[str]) -> list[int]:
    """The offsets where pieces covering a text start, and its end."""
    return [0, *accumulate(map(len, pieces))]


def article_bounds(article, segmenter, text_pieces: list[str] | None = None) -> dict[str, list[int]]:
    """:func:`word_bounds` of each field of an article (``text_pieces``: the text's pieces, when at hand)."""
    out = {}
    for field, value in article_fields(article):
        out[field] = pieces_bounds(text_pieces) if field == "text" and text_pieces is not None else \
            word_bounds(value, segmenter)
    return out


def article_quotes(article, cut=None) -> dict:
    """Pass 1 for one article (a row as a dict): which phrases it makes formulations, and what its
    enumerations name.

    Returns ``{"kinds": [[phrase, kind], …], "expansions": [[slogan, items], …]}``
    in the article's order (field by field: its quotes, then its
    enumerations); ``cut``: the segmenter's ``cut`` (None: the sample's).
    :func:`corpus_formulations` merges these over the corpus.

    >>> article_quotes({"text": "落实“两新”政策"})
    {'kinds': [['两新', 'numbered']], 'expansions': []}
    """
    cut = cut or get_segmenter().cut
    kinds, expansions = [], []
    for field, value in article_fields(article):
        norm = normalize(value)[0]
        kinds.extend([inner, kind] for _, inner, kind in find_quoted(norm) if kind != "quotation")
        for _, slogan, items in find_enumerations(norm, cut):
            kinds.append([slogan, "enumeration"])
            if field == "text":  # the table's expansions come from the texts
                expansions.append([slogan, items])
    return {"kinds": kinds, "expansions": expansions}


def corpus_formulations(quotes: Iterable[dict]) -> dict[str, str]:
    """Phrase → kind of every formulation of a corpus: the articles' :func:`article_quotes`
    merged first-seen-wins in article order."""
    kinds: dict[str, str] = {}
    for q in quotes:
        for phrase, kind in q["kinds"]:
            kinds.setdefault(phrase, kind)
    return kinds


def formulation_expansions(quotes: Iterable[dict]) -> dict[str, str]:
    """Enumeration → the items it names, from its first appearance in a text (article order)."""
    out: dict[str, str] = {}
    for q in quotes:
        for slogan, items in q["expansions"]:
            out.setdefault(slogan, items)
    return out


#: The automata of the last few sets of formulations: the stage's second pass calls
#: :func:`extract_formulations` once per chunk with the corpus's same thousands of phrases.
_AUTOMATA: dict[tuple[str, ...], PhraseAutomaton] = {}


def phrase_automaton(phrases: tuple[str, ...]) -> PhraseAutomaton:
    """The :class:`~analysis.automaton.PhraseAutomaton` of ``phrases``, made once per process (the last four kept)."""
    found = _AUTOMATA.get(phrases)
    if found is None:
        if len(_AUTOMATA) >= 4:
            _AUTOMATA.clear()
        found = _AUTOMATA[phrases] = PhraseAutomaton(phrases)
    return found


def extract_formulations(articles: pd.DataFrame | list[dict], include_quotations: bool = False, *,
                         kinds: dict[str, str] | None = None, corpus: Corpus | None = None,
                         bounds: list[dict] | None = None) -> pd.DataFrame:
    """Every occurrence of every formulation found in the corpus.

    Columns: ``formulation``, ``kind`` (formulation, numbered, enumeration,
    or quotation when ``include_quotations``), ``quoted`` (bool: written
    inside quotation marks here), ``enumerated`` (bool: written as an
    enumeration's slogan here, “…”四项行动), ``article_id``, ``issue_date``,
    ``source``, ``field`` (headline, subheadline, text), ``line`` (raw line
    number; the headline's line for headline fields), ``offset`` (character
    offset in the field).  Sorted by article order (the articles table's),
    field, offset, formulation.  An unquoted match that is not a word or
    words of its own (it cuts a piece of the corpus's segmenter:
    :func:`word_bounds`) is not an occurrence; ``bounds`` (one dict per
    article, :func:`article_bounds`) gives them when already computed.

    ``kinds`` (phrase → kind): count these formulations instead of the ones
    found in ``articles``; the build passes those of the whole corpus when it
    calls this on one chunk of articles at a time (:mod:`analysis.perarticle.stage`),
    so that the chunks' tables, concatenated, are the corpus's table.
    ``corpus``: whose segmenter cuts enumerations and whose pages give the
    headlines' lines (None: the sample's).
    """
    # A list of rows (dicts) is taken as it is: the per-article stage has them, and a DataFrame round trip
    # costs more than the scan.
    records = articles if isinstance(articles, list) else row_records(articles)
    out = [(phrase, kind, quoted, listed, str(records[index]["article_id"]), records[index].get("issue_date", ""),
            records[index].get("source", ""), field, line, offset)
           for index, field, offset, phrase, kind, quoted, listed, line
           in occurrence_rows(records, include_quotations, kinds=kinds, corpus=corpus, bounds=bounds)]
    frame = pd.DataFrame(out, columns=OCCURRENCE_COLUMNS)
    return frame.astype({"quoted": bool, "enumerated": bool, "line": "int64", "offset": "int64"})


def occurrence_rows(records: list[dict], include_quotations: bool = False, *, kinds: dict[str, str] | None = None,
                    corpus: Corpus | None = None, bounds: list[dict] | None = None) -> list[tuple]:
    """The occurrences of :func:`extract_formulations` as tuples ``(index, field, offset, formulation,
    kind, quoted, enumerated, line)`` (``index``: the article's position in ``records``), in the table's
    order: what the per-article stage stores, without a frame or the article's own columns on each row.

    >>> occurrence_rows([{"article_id": "a", "text": "推进“两园一河”建设，两园一河"}])
    [(0, 'text', 3, '两园一河', 'numbered', True, False, 0), (0, 'text', 11, '两园一河', 'numbered', False, False, 0)]
    """
    rows = []
    quoted_at: set[tuple[int, str, int, str]] = set()
    corpus = corpus if corpus is not None else Corpus.sample()
    segmenter = get_segmenter(corpus)
    cut = segmenter.cut
    pages = corpus.pages_dir
    # Pass 1: which phrases are formulations (the per-article stage's quotes, merged).
    kinds = dict(kinds) if kinds is not None else corpus_formulations(article_quotes(a, cut) for a in records)
    # Where each is quoted; each field is normalised once and kept for pass 2.
    fields = [[(field, *normalize(value)) for field, value in article_fields(article)] for article in records]
    for index, article in enumerate(records):
        for field, norm, where in fields[index]:
            for at, inner, kind in find_quoted(norm):
                if kind == "quotation":
                    if include_quotations:
                        rows.append((index, field, where[at], inner, kind, True, False, article))
                    continue
                quoted_at.add((index, field, where[at], inner))
    # Pass 2: count every use of every formulation, quoted or not: one automaton
    # for all of them, one pass per field.
    if kinds:
        automaton = phrase_automaton(tuple(kinds))
        phrases = automaton.phrases
        for index, article in enumerate(records):
            known = bounds[index] if bounds is not None else {}
            for field, norm, where in fields[index]:
                found = automaton.find(norm)
                if not found:
                    continue
                plain = where.plain
                last_end: dict[str, int] = {}
                cuts = None       # the field's word boundaries (in the field), found at its first unquoted match
                enumerated = None
                block = []
                for at, stop, k in found:
                    phrase = phrases[k]
                    # Occurrences of one phrase do not overlap (as str.find counts them).
                    if at < last_end.get(phrase, 0):
                        continue
                    offset = at if plain else where[at]
                    quoted = (index, field, offset, phrase) in quoted_at
                    if enumerated is None:
                        enumerated = {(e_at, slogan) for e_at, slogan, _ in find_enumerations(norm, cut)}
                    listed = (at, phrase) in enumerated
                    if not quoted and not listed:
                        if cuts is None:
                            cuts = set(known[field]) if field in known else \
                                set(word_bounds(article[field], segmenter))
                        if offset not in cuts or (stop if plain else where[stop - 1] + 1) not in cuts:
                            continue    # part of other words: no use of the phrase
                    last_end[phrase] = stop
                    block.append((index, field, offset, phrase, kinds[phrase], quoted, listed, article))
                # The automaton reports matches by their end: a field's occurrences sorted by offset, then
                # phrase (fields come in FIELDS order, articles in their order: the table's order).
                block.sort(key=_OFFSET_PHRASE)
                rows.extend(block)
    if include_quotations:  # the quotations of pass 1 go in among them
        field_order = {f: i for i, f in enumerate(FIELDS)}
        rows.sort(key=lambda r: (r[0], field_order[r[1]], r[2], r[3]))
    lookups: dict[int, object] = {}
    out = []
    for index, field, offset, phrase, kind, quoted, listed, a in rows:
        line = lookups.get(index) or lookups.setdefault(index, line_lookup(a, pages))
        out.append((index, field, offset, phrase, kind, quoted, listed, line(field, offset)))
    return out
