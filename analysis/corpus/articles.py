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
4. **Dateline.**  ``2月12日下午，`` at the start of the body gives the event
   date, the year taken from the issue date (the latest such date not after
   the issue); ``11月29日至30日`` gives the first day.  Without a dateline the
   article is dated by its issue (``date_basis = "issue"``).
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
_DATELINE = re.compile(
    r"^(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})日"
    r"(?:(?:至|到|—|－|-|～|~)(?:\d{1,2}月)?\d{1,2}日)?"
    r"(?:上午|下午|晚上|晚间|晚|早上|早晨|中午|凌晨|傍晚|夜间)?(?=[，,、])"
)
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


def _assemble_body(article: Article) -> None:
    """Join the paragraphs' lines into clean text, cutting off the 本报讯 byline."""
    paragraphs: list[str] = []
    line_map: list[tuple[int, int]] = []
    offset = 0
    for index, block in enumerate(article.paragraphs):
        raw_lines = list(block.raw)
        numbers = list(block.lines)
        if index == 0 and raw_lines[0].startswith(LEAD_MARK):
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


def resolve_dateline(body: str, issue_date: str) -> tuple[str, str]:
    """Return ``(dateline, YYYY-MM-DD)`` for a body opening with a date, else ``("", "")``.

    The year is the explicit one if printed, else the one that puts the date
    closest before the issue date (a week's grace for misprinted or
    forward-looking dates).

    >>> resolve_dateline("2月12日下午，区委常委会召开会议", "2025-02-13")
    ('2月12日下午', '2025-02-12')
    >>> resolve_dateline("12月30日，", "2025-01-02")
    ('12月30日', '2024-12-30')
    """
    match = _DATELINE.match(body)
    if not match:
        return "", ""
    month, day = int(match["month"]), int(match["day"])
    if match["year"]:
        years = [int(match["year"])]
    elif issue_date:
        issue_year = int(issue_date[:4])
        years = [issue_year + 1, issue_year, issue_year - 1]
    else:
        return match.group(), ""
    limit = Date.fromisoformat(issue_date) + timedelta(days=7) if issue_date and not match["year"] else None
    for year in years:
        try:
            candidate = Date(year, month, day)
        except ValueError:
            continue
        if limit is None or candidate <= limit:
            return match.group(), candidate.isoformat()
    return match.group(), ""


def split_articles(page_text: str, issue_date: str = "") -> PageSegmentation:
    """Segment one page's raw text into articles and captions.

    ``issue_date`` (YYYY-MM-DD) supplies the year of datelines and the date of
    undated articles.

    >>> page = "会议召开\\n\\n本报讯（记者 张三）2月1日，区里开会。\\n"
    >>> seg = split_articles(page, "2025-02-03")
    >>> a = seg.articles[0]
    >>> a.headline, a.byline, a.text, a.date
    ('会议召开', '记者 张三', '2月1日，区里开会。', '2025-02-01')
    """
    blocks = page_blocks(page_text)
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
        is_lead = first.startswith(LEAD_MARK)
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
        _assemble_body(article)
        article.dateline, article.date = resolve_dateline(article.text, issue_date)
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
