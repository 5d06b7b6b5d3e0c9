"""Blocks of a page → articles (headline, byline, dateline, body) and captions.

Segmentation, in order:

1. **Article starts.**  A paragraph opening with 本报讯 starts an article (its
   byline is read from the parentheses).  A paragraph right after a headline
   also starts one (continuations and features do not open with 本报讯),
   unless the text before the headline broke off mid-sentence, in which case
   the headline interrupted that article and the paragraph continues it.
2. **Headline attribution.**  Headlines are printed above, below or beside
   their article, and vertical headlines may sit at the end of the page.  A
   run of headlines between two articles is split between the article before
   and the article after at the point that best fits their texts (weighted
   character-bigram overlap, a bigram that occurs in fewer articles counting
   more); a headline that itself started the following article belongs to it.
   A headline at the bottom of the page goes to the page's article it
   overlaps most; one at the top goes to the article under it unless another
   article overlaps it clearly more.  A headline that overlaps no article well enough is
   reported in ``unattributed``, never glued into a body.
3. **Headline and subheadline.**  An article's first attributed headline in
   print order is its headline and the rest form the subheadline; a kicker
   (a headline ending in ——) is a headline only when nothing else is printed.
4. **Dateline and source.**  The opening of the body is read by
   :class:`OpeningRules`, in full- or half-width digits: agency datelines
   (``本报北京１２月３０日讯``, ``新华社北京１月１日电``, ``据新华社…电``,
   ``新华社华盛顿５日电``), credits (``本报记者…``, ``（记者…）``,
   ``央视网消息（…）：``) and, after them or alone, a date opening the body
   (``2月12日下午，``; ``11月29日至30日`` gives the first day; ``５日，``).
   What the date does not print comes from the issue (a December dateline
   in a January issue is the previous year's).  Without a dateline, or
   when the dateline's date falls after the issue (a coming event announced),
   the article is dated by its issue (``date_basis = "issue"``).  The source is
   ``本报`` (本报讯, 本报…讯, 本报记者, a reporter with no agency), ``新华社``,
   ``other`` (another agency of ``data/defaults/agencies.csv``) or ``none``.  A
   paragraph opening with a dated agency dateline starts an article, as
   本报讯 does.
5. **Captions** go to the article whose text they overlap most, or else to the
   article printed just before them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta

from .clean import IDEOGRAPH_RE, clean_line, ends_sentence, joiner
from .layout import LEAD_MARK, Block, page_blocks

MIN_HEADLINE_OVERLAP = 0.25
MIN_CAPTION_OVERLAP = 0.35

_BYLINE = re.compile(r"^本报讯\s*[（(]([^）)]{1,80})[）)]\s*")
_KICKER_END = ("——", "—", "──")


@dataclass
class Article:
    """An article as found on a page (before it becomes a table row)."""

    byline: str = ""
    paragraphs: list[Block] = field(default_factory=list)
    headlines: list[Block] = field(default_factory=list)
    text: str = ""
    line_map: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, raw line)
    dateline: str = ""
    date: str = ""
    date_basis: str = "issue"
    source_agency: str = "none"

    @property
    def headline(self) -> str:
        return self._split_headlines()[0]

    @property
    def subheadline(self) -> str:
        return self._split_headlines()[1]

    def _split_headlines(self) -> tuple[str, str]:
        ordered = sorted(self.headlines, key=lambda b: b.first_line)
        texts = [b.text for b in ordered]
        if not texts:
            return "", ""
        main = next((t for t in texts if not t.endswith(_KICKER_END)), texts[0])
        rest = [t for t in texts if t is not main]
        return main, " ".join(rest)

    @property
    def headline_line(self) -> int:
        return min((b.first_line for b in self.headlines), default=0)

    @property
    def line_start(self) -> int:
        return self.paragraphs[0].first_line

    @property
    def line_end(self) -> int:
        return self.paragraphs[-1].lines[-1]


@dataclass
class Caption:
    caption: str
    credit: str
    line: int
    article_index: int | None
    attach_basis: str


@dataclass
class PageSegmentation:
    """Result of :func:`split_articles` for one page."""

    articles: list[Article]
    captions: list[Caption]
    unattributed: list[Block]


def _bigrams(text: str) -> set[str]:
    chars = "".join(IDEOGRAPH_RE.findall(text))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def _overlap_scores(headline: str, article_grams: list[set[str]]) -> list[float]:
    """Share of a headline's bigrams found in each article, rarer bigrams weighing more."""
    grams = _bigrams(headline)
    if not grams:
        return [0.0] * len(article_grams)
    weight = {}
    for g in grams:
        df = sum(g in a for a in article_grams)
        weight[g] = 1.0 / df if df else 1.0
    total = sum(weight.values())
    return [sum(w for g, w in weight.items() if g in a) / total for a in article_grams]


def _assemble_body(article: Article) -> bool:
    """Join the paragraphs' lines into clean text, cutting off the 本报讯 byline; True when there was one."""
    paragraphs: list[str] = []
    line_map: list[tuple[int, int]] = []
    offset = 0
    lead = False
    for index, block in enumerate(article.paragraphs):
        raw_lines = list(block.raw)
        numbers = list(block.lines)
        if index == 0 and raw_lines[0].startswith(LEAD_MARK):
            lead = True
            raw_lines, numbers, article.byline = _cut_byline(raw_lines, numbers)
        text = ""
        for number, raw in zip(numbers, raw_lines):
            piece = clean_line(raw)
            if not piece:
                continue
            if text:
                text += joiner(text, piece)
            line_map.append((offset + len(text), number))
            text += piece
        if text:
            paragraphs.append(text)
            offset += len(text) + 1  # the "\n" between paragraphs
    article.text = "\n".join(paragraphs)
    article.line_map = line_map
    return lead


def _cut_byline(raw_lines: list[str], numbers: list[int]) -> tuple[list[str], list[int], str]:
    """Remove ``本报讯（记者 …）`` (which may wrap over lines) from a lead paragraph."""
    joined, spans = "", []
    for raw in raw_lines:
        if joined:
            joined += joiner(joined, raw)
        spans.append((len(joined), len(joined) + len(raw)))
        joined += raw
    match = _BYLINE.match(joined)
    if not match:
        rest = joined[len(LEAD_MARK) :].lstrip()
        cut, byline = len(joined) - len(rest), ""
    else:
        cut, byline = match.end(), " ".join(match.group(1).split())
    out_lines, out_numbers = [], []
    for (start, end), raw, number in zip(spans, raw_lines, numbers):
        if end <= cut:
            continue
        out_lines.append(raw[max(0, cut - start) :])
        out_numbers.append(number)
    return out_lines, out_numbers, byline


# --------------------------------------------------------------------------- openings: datelines, sources

#: ``source_agency`` values: the paper's own, Xinhua, another named agency, none found.
SOURCE_AGENCIES = ("本报", "新华社", "other", "none")

# Full-width ASCII → half-width and the ideographic space → space: one character for one, so
# offsets in the folded text are offsets in the text.  A table indexed by code point, not a dict:
# str.translate with a dict raises and catches a KeyError for every character not in it (most of them),
# twice the time of a list lookup (22 against 10 µs an opening on the development corpus).  A character
# beyond the list is left as it is (an IndexError is a LookupError).
_FOLD = list(range(0x10000))
for _c in range(0xFF01, 0xFF5F):
    _FOLD[_c] = _c - 0xFEE0
_FOLD[0x3000] = 0x20
del _c
_NUM = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_DATE = (r"(?:(?P<year>[0-9]{4})年)?(?:(?P<month>" + _NUM + r")月)?(?P<day>" + _NUM + r")日")
_RANGE = r"(?:(?:至|到|—|－|-|～|~)(?:(?:" + _NUM + r")月)?(?:" + _NUM + r")日)?"
_TIME = r"(?:上午|下午|晚上|晚间|晚|早上|早晨|中午|凌晨|傍晚|夜间)?"
# A place in a dateline: a few characters, none of a byline's or a credit's words.
_PLACE = r"(?:(?!记者|通讯员|消息|报道)[\u4e00-\u9fff·]){1,10}?"
_ROLE = r"(?:驻[\u4e00-\u9fff]{1,8}?)?(?:特约|实习|首席)?(?:记者|通讯员|实习生)"
# 电 and 讯 that begin a word (电视, 讯息) end no dateline.
_NOT_WORD = r"(?![视话影脑力子网池站器商信竞动气源梯价量台报文息号])"


def _number(text: str) -> int:
    """``"12"`` → 12, ``"十二"`` → 12, ``"三十一"`` → 31."""
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    if "十" not in text:
        return digits.get(text, 0)
    tens, _, ones = text.partition("十")
    return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


#: A dateline is at most this many days before its issue (older: a date a story looks back to) …
MAX_AGE_DAYS = 31
#: … and at most this many after it (a misprint, or a coming event), when the year or month is inferred;
#: :meth:`OpeningRules.read` then dates an article with such a date by its issue (no report is later than it).
GRACE_DAYS = 7


def date_from_issue(day: int, issue_date: str, month: int | None = None, year: int | None = None) -> str:
    """The date a dateline means, ``YYYY-MM-DD`` ('' when impossible, unknown or too far from the issue).

    What is not printed comes from the issue: the latest date with the printed
    day (and month) not after the issue date plus :data:`GRACE_DAYS`, so a
    December dateline in a January issue is the previous year's, and a day
    alone (``５日电``) is this month's or last month's.  A date more than
    :data:`MAX_AGE_DAYS` before the issue (``2021年2月25日，`` opening an
    anniversary story) is no dateline: ''.

    >>> date_from_issue(30, "2025-01-02", month=12), date_from_issue(28, "2025-03-02"), date_from_issue(5, "2025-03-04")
    ('2024-12-30', '2025-02-28', '2025-03-05')
    >>> date_from_issue(25, "2022-02-25", month=2, year=2021)
    ''
    """
    if not issue_date:
        if year is not None and month is not None:
            try:
                return Date(year, month, day).isoformat()
            except ValueError:
                return ""
        return ""
    issue = Date.fromisoformat(issue_date)
    limit, floor = issue + timedelta(days=GRACE_DAYS), issue - timedelta(days=MAX_AGE_DAYS)
    if year is not None and month is not None:
        candidates = [(year, month)]
    elif month is not None:
        candidates = [(y, month) for y in (limit.year, limit.year - 1)]
    else:
        # This month or the one before (a day alone is at most weeks old).
        y, m = limit.year, limit.month
        candidates = [(y, m), (y, m - 1) if m > 1 else (y - 1, 12)]
    for y, m in candidates:
        try:
            candidate = Date(y, m, day)
        except ValueError:
            continue
        if candidate <= limit:
            return candidate.isoformat() if candidate >= floor else ""
    return ""


@dataclass(frozen=True)
class Opening:
    """What the first words of an article say about it (:meth:`OpeningRules.read`).

    ``dateline`` as printed (``新华社北京１月１日电``, ``2月12日下午``; '' when
    none), ``date`` (YYYY-MM-DD it means; '' when none or impossible),
    ``source_agency`` (``本报``, ``新华社``, ``other`` or ``none``),
    ``agency`` (the name as printed), ``byline`` (reporters, as printed) and
    ``end`` (offset where these formulas end in the text).
    """

    dateline: str = ""
    date: str = ""
    source_agency: str = "none"
    agency: str = ""
    byline: str = ""
    end: int = 0


class OpeningRules:
    """Reads datelines and source credits at the start of an article, in either width.

    ``agencies``: agency name → ``source_agency`` (``本报``, ``新华社`` or
    ``other``), e.g. :func:`analysis.corpus.read.read_agencies` of
    ``data/defaults/agencies.csv``.  The forms read, at the very start of the text
    (full- and half-width digits, Arabic or Chinese numerals):

    * ``本报讯`` and ``本报讯（记者 …）`` (the paper's own);
    * ``[据]<agency><place><date>[专]电|讯``: ``本报北京１２月３０日讯``,
      ``新华社北京１月１日电``, ``新华社华盛顿５日电`` (a day alone: month from
      the issue), ``据新华社…电``, ``据法新社…１月５日报道``; also ``本报讯``,
      ``[据]<agency>电`` without place or date, ``本报北京讯``;
    * ``[据]<agency>消息（…）：``, ``据<agency>报道``: ``央视网消息（晚间新闻）：``, ``据新华社报道，``;
    * ``<agency>记者 …``: ``本报记者 …``, ``新华社记者 …``, ``本报驻美国记者 …``;
    * ``（[<agency>]记者 …）``: a reporter in parentheses (no agency: the paper's own);

    each optionally followed by a byline in parentheses or ``记者…报道：``.
    Then, unless the formula carried a date, a date opening the body,
    ``X月X日`` or ``X日`` with a time of day or a range, before a comma
    (``2月12日下午，``, ``11月29日至30日，``, ``５日，``), the sample's form.
    A date anywhere else (``今天（1月5日）``, ``当地时间…``, ``1月1日起``) is not
    a dateline.

    >>> rules = OpeningRules({"本报": "本报", "新华社": "新华社", "中新社": "other"})
    >>> o = rules.read("新华社北京１２月３１日电（记者 王勇）国家主席今天", "1998-01-01")
    >>> o.dateline, o.date, o.source_agency, o.byline
    ('新华社北京１２月３１日电', '1997-12-31', '新华社', '记者 王勇')
    >>> o = rules.read("本报讯（记者 林瑶）11月28日，区人大常委会召开会议", "2024-12-01")
    >>> o.dateline, o.date, o.source_agency, o.byline
    ('11月28日', '2024-11-28', '本报', '记者 林瑶')
    >>> o = rules.read("今天（1月5日），国家统计局发布", "2025-01-05")
    >>> o.dateline, o.date, o.source_agency
    ('', '', 'none')

    A date after the issue (an announcement of a coming event) dates nothing:
    the article keeps its issue date.

    >>> o = rules.read("1月8日，全国农业工作会议将开幕", "2025-01-05")
    >>> o.dateline, o.date
    ('1月8日', '')
    """

    def __init__(self, agencies: dict[str, str] | None = None):
        self.kinds = dict(agencies or {})
        names = sorted(self.kinds, key=lambda n: (-len(n), n))
        ag = "|".join(map(re.escape, names)) or "(?!)"
        self._formula = re.compile(
            rf"(?P<ju>据)?(?P<agency>{ag})(?P<place>{_PLACE})?(?P<date>{_DATE})?(?:专)?(?P<kind>电|讯|报道){_NOT_WORD}")
        self._news = re.compile(rf"(?P<ju>据)?(?P<agency>{ag})(?P<what>消息|报道)\s*(?:\([^()]{{0,20}}\))?\s*:?")
        self._paren = re.compile(rf"\s*\((?P<byline>(?P<agency>{ag})?{_ROLE}[^()]{{0,60}})\)")
        self._reporter = re.compile(rf"(?P<agency>{ag}){_ROLE}")
        self._said = re.compile(rf"\s*(?P<byline>(?:{ag})?{_ROLE}[\u4e00-\u9fff·、 ]{{2,30}}?)报道\s*:?")
        self._body_date = re.compile(rf"\s*(?P<dateline>{_DATE}{_RANGE}{_TIME})(?=[，,、])")

    def read(self, text: str, issue_date: str = "") -> Opening:
        """The :class:`Opening` of ``text`` (an article's body, or a table's text)."""
        head = text[:160]
        folded = head.translate(_FOLD)
        start = len(folded) - len(folded.lstrip())
        dateline = date = agency = byline = ""
        source = "none"
        at = start
        m = self._paren.match(folded, start)
        if m:
            # A reporter in parentheses with no agency named is the paper's own.
            agency, source = m["agency"] or "", self.kinds.get(m["agency"], "other") if m["agency"] else "本报"
            byline, at = " ".join(head[m.start("byline"):m.end("byline")].split()), m.end()
        elif (m := self._formula.match(folded, start)) is not None and self._formula_ok(m, folded):
            agency, at = m["agency"], m.end()
            if m["date"]:
                dateline = head[m.start("agency") if not m["ju"] else m.start():m.end()]
                date = self._date(m, issue_date)
            b = self._paren.match(folded, at) or self._said.match(folded, at)
            if b:
                byline, at = " ".join(head[b.start("byline"):b.end("byline")].split()), b.end()
        elif (m := self._news.match(folded, start)) is not None and (m["ju"] or m["what"] == "消息"):
            agency, at = m["agency"], m.end()
        elif (m := self._reporter.match(folded, start)) is not None:
            # 本报记者张三李四…: where the names end cannot be told without spaces; the source can.
            return Opening(source_agency=self.kinds.get(m["agency"], "other"), agency=m["agency"], end=m.end())
        if agency:
            source = self.kinds.get(agency, "other")
        if not dateline:
            d = self._body_date.match(folded, at)
            if d:
                dateline = head[d.start("dateline"):d.end("dateline")]
                date = self._date(d, issue_date)
                at = d.end()
        if date and issue_date and date > issue_date:
            # A report is not dated after its issue: a later date announces a coming event (the
            # dateline stays, as printed; the article is dated by its issue).
            date = ""
        return Opening(dateline, date, source, agency, byline, at if (source != "none" or dateline) else 0)

    def opens_article(self, line: str) -> bool:
        """True when ``line`` (raw) opens with an agency dateline that carries a date (新华社北京１月１日电)."""
        folded = line.strip().translate(_FOLD)
        m = self._formula.match(folded)
        return m is not None and bool(m["date"])

    @staticmethod
    def _formula_ok(m, folded: str) -> bool:
        # 报道 only after 据 and with a date (据法新社１月５日报道; 据新华社报道 is a credit, read elsewhere).
        # With a date any place; without one, 本报讯, 据新华社电, or a place followed by 讯, or by 电
        # and a byline or a space (本报北京讯, 新华社北京电　): a place before 电 could be any word.
        if m["kind"] == "报道":
            return bool(m["ju"] and m["date"])
        if m["date"] or m["place"] is None or m["kind"] == "讯":
            return True
        after = folded[m.end():m.end() + 2]
        return after[:1] in ("(", " ", "") or after == "记者"

    @staticmethod
    def _date(m, issue_date: str) -> str:
        groups = m.groupdict()
        day = groups.get("day")
        if day is None:
            return ""
        year = int(groups["year"]) if groups.get("year") else None
        month = _number(groups["month"]) if groups.get("month") else None
        return date_from_issue(_number(day), issue_date, month, year if month is not None else None)


def resolve_dateline(body: str, issue_date: str, agencies: dict[str, str] | None = None) -> tuple[str, str]:
    """Return ``(dateline, YYYY-MM-DD)`` for a body opening with a date, else ``("", "")``.

    The year (and month) come from the issue date unless printed (see
    :func:`date_from_issue`); an impossible date gives ``(dateline, "")``.
    With ``agencies`` the agency formulas are read too (:class:`OpeningRules`).

    >>> resolve_dateline("2月12日下午，区委常委会召开会议", "2025-02-13")
    ('2月12日下午', '2025-02-12')
    >>> resolve_dateline("12月30日，", "2025-01-02")
    ('12月30日', '2024-12-30')
    >>> resolve_dateline("新华社北京１２月３０日电　", "1998-01-02", {"新华社": "新华社"})
    ('新华社北京１２月３０日电', '1997-12-30')
    """
    opening = OpeningRules(agencies).read(body, issue_date)
    return opening.dateline, opening.date


def split_articles(page_text: str, issue_date: str = "", agencies: dict[str, str] | None = None) -> PageSegmentation:
    """Segment one page's raw text into articles and captions.

    ``issue_date`` (YYYY-MM-DD) supplies the year of datelines and the date of
    undated articles.  ``agencies`` (name → source agency, see
    :class:`OpeningRules`) lets agency datelines (``新华社北京１月１日电``) start
    an article and name its source; without it only 本报讯 does.

    >>> page = "会议召开\\n\\n本报讯（记者 张三）2月1日，区里开会。\\n"
    >>> seg = split_articles(page, "2025-02-03")
    >>> a = seg.articles[0]
    >>> a.headline, a.byline, a.text, a.date
    ('会议召开', '记者 张三', '2月1日，区里开会。', '2025-02-01')
    """
    blocks = page_blocks(page_text)
    rules = OpeningRules(agencies)
    articles: list[Article] = []
    # For each headline run: (blocks, index of article before, index after, forced_next)
    runs: list[tuple[list[Block], int | None, int | None, bool]] = []
    pending: list[Block] = []
    pending_before: int | None = None
    captions_raw: list[tuple[Block, int | None]] = []
    last_text = ""  # text of the last paragraph, to see if it broke off

    for block in blocks:
        if block.is_headline:
            if not pending:
                pending_before = len(articles) - 1 if articles else None
            pending.append(block)
            continue
        if block.kind == "caption":
            captions_raw.append((block, len(articles) - 1 if articles else None))
            continue
        first = block.raw[0]
        is_lead = first.startswith(LEAD_MARK) or rules.opens_article(first)
        interrupted = bool(pending) and bool(articles) and not ends_sentence(last_text) and not is_lead
        starts = is_lead or not articles or (bool(pending) and not interrupted)
        if starts:
            articles.append(Article())
        if interrupted:
            # The headline sat between two columns of one sentence: rejoin them.
            previous = articles[-1].paragraphs[-1]
            articles[-1].paragraphs[-1] = Block("paragraph", previous.lines + block.lines, previous.raw + block.raw)
        else:
            articles[-1].paragraphs.append(block)
        if pending:
            forced = starts and not is_lead
            runs.append((pending, pending_before, len(articles) - 1 if starts else None, forced))
            pending = []
        last_text = block.raw[-1]
    if pending:
        runs.append((pending, pending_before, None, False))

    for article in articles:
        lead = _assemble_body(article)
        opening = rules.read(article.text, issue_date)
        article.dateline, article.date = opening.dateline, opening.date
        # 本报讯 (cut off with its byline) makes the article the paper's own.
        article.source_agency = "本报" if lead and opening.source_agency == "none" else opening.source_agency
        if opening.byline and not article.byline:
            article.byline = opening.byline
        article.date_basis = "dateline" if article.date else "issue"
        if not article.date:
            article.date = issue_date

    grams = [_bigrams(a.text) for a in articles]
    unattributed: list[Block] = []
    for run, before, after, forced in runs:
        for block, target in _attribute_run(run, before, after, forced, grams):
            if target is None:
                unattributed.append(block)
            else:
                articles[target].headlines.append(block)

    captions = []
    for block, before in captions_raw:
        scores = _overlap_scores(block.caption, grams)
        best = max(range(len(scores)), key=lambda k: (scores[k], -k)) if scores else None
        if best is not None and scores[best] >= MIN_CAPTION_OVERLAP:
            target, basis = best, "overlap"
        else:
            target, basis = before, "position" if before is not None else "none"
        captions.append(Caption(block.caption, block.credit, block.first_line, target, basis))
    return PageSegmentation(articles, captions, unattributed)


def _attribute_run(run, before, after, forced, grams):
    """Assign each headline of a run to an article index (or None)."""
    if before is None or after is None:
        # Top or bottom of the page: any article of the page may own it.
        out = []
        for block in run:
            scores = _overlap_scores(block.text, grams)
            if not scores:
                out.append((block, None))
                continue
            best = max(range(len(scores)), key=lambda k: (scores[k], -k))
            if after is not None and not scores[best] > max(scores[after], MIN_HEADLINE_OVERLAP):
                # At the top of the page a headline belongs to the article under it
                # unless another article's text clearly claims it.
                best = after
            elif scores[best] < MIN_HEADLINE_OVERLAP:
                best = None
            out.append((block, best))
        return out
    prev_scores = [_overlap_scores(b.text, [grams[before]])[0] if grams[before] else 0.0 for b in run]
    next_scores = [_overlap_scores(b.text, [grams[after]])[0] if grams[after] else 0.0 for b in run]
    # Overlap with each side relative to the other: a shared rare bigram counts.
    pair = [_overlap_scores(b.text, [grams[before], grams[after]]) for b in run]
    best_split, best_value = 0, -math.inf
    top = len(run) - 1 if forced else len(run)
    for split in range(top + 1):
        value = sum(p[0] for p in pair[:split]) + sum(p[1] for p in pair[split:])
        if value > best_value + 1e-9:
            best_split, best_value = split, value
    out = []
    for k, block in enumerate(run):
        if k < best_split:
            ok = prev_scores[k] >= MIN_HEADLINE_OVERLAP
            out.append((block, before if ok else None))
        else:
            ok = next_scores[k] >= MIN_HEADLINE_OVERLAP or (forced and k == len(run) - 1)
            out.append((block, after if ok else None))
    return out
