"""What chapter 1 (the corpus) says: sentences computed from the built tables.

Every function takes tables of the build (:meth:`analysis.tables.Tables.load`)
or the corpus chapter's tables of :mod:`analysis.corpus.report` (manifest,
repairs, layout, :func:`~analysis.corpus.report.period_summary`,
:func:`~analysis.corpus.report.table_overview`) and returns Markdown (:class:`analysis.book.chapters.say`), so the chapter reads
true on any corpus: a folder of page text (``kind="pages"``) or a ready
article table (``kind="table"``), where page repairs and layout do not apply.

>>> import pandas as pd
>>> from analysis.book.chapters import Context
>>> ctx = Context("长河报 test", "长河报", False, 2, "2020-01-03", "2020-01-07", ())
>>> arts = pd.DataFrame({"article_id": ["a", "b"], "source": ["articles.csv"] * 2, "page": ["1", "2"],
...                      "issue_date": ["2020-01-03", "2020-01-07"], "headline": ["标题", ""],
...                      "date_basis": ["issue", "issue"], "n_chars": [300, 500], "text": ["甲", "乙"]})
>>> print(summary(ctx, arts, kind="table"))  # doctest: +ELLIPSIS
**长河报 test**: 2 articles of the 长河报, in 2 issues from 2020-01-03 to 2020-01-07...
"""
from __future__ import annotations

import pandas as pd

from analysis.book.escape import md, md_code
from analysis.corpus.periods import UNDATED
from analysis.corpus.report import REPAIRS, issue_gaps, publishing_weekdays
from . import Context, join_and, number, say

#: An article shorter than this (characters) is worth a look: a fragment, a continuation, a caption.
SHORT_ARTICLE = 100


def _n(count: int, noun: str, plural: str | None = None) -> str:
    """``no articles``, ``1 article``, ``2,400 articles``."""
    return f"{number(count) if count else 'no'} {noun if count == 1 else (plural or noun + 's')}"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "0 %"


def _median(values: pd.Series) -> str:
    """``149`` or ``4.5``: a median of counts, without needless decimals."""
    m = float(values.median())
    return number(int(m)) if m.is_integer() else f"{m:,.1f}"


def _issues(articles: pd.DataFrame) -> pd.Series:
    dates = articles["issue_date"].fillna("").astype(str)
    return dates[dates != ""]


def _no_headline(articles: pd.DataFrame) -> int:
    return int((articles["headline"].fillna("").astype(str).str.strip() == "").sum())


def _by_dateline(articles: pd.DataFrame) -> int:
    return int((articles["date_basis"] == "dateline").sum())


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: The longest gaps the chapter names; the others are counted.
SHOWN_GAPS = 3


def _weekdays(weekdays: tuple[int, ...]) -> str:
    """``Tuesdays and Fridays``."""
    return join_and(WEEKDAYS[d] + "s" for d in weekdays)


def _missing_clause(articles: pd.DataFrame) -> str:
    """`` (3 days of that range without one)``: the summary's word on missing issues (see :func:`gaps_sentence`)."""
    weekdays = publishing_weekdays(articles)
    missing = int(issue_gaps(articles, weekdays)["missed"].sum())
    if len(weekdays) == 7:
        return f" ({_n(missing, 'day')} of that range without one)" if missing else " (every day of that range has one)"
    return f" (on {_weekdays(weekdays)}; {number(missing)} of those days without one)" if missing \
        else f" (on {_weekdays(weekdays)}, every one of them)"


def summary(ctx: Context, articles: pd.DataFrame, captions: pd.DataFrame | None = None,
            unattributed: pd.DataFrame | None = None, *, kind: str = "pages") -> say:
    """The chapter's opening: what the corpus is and what this chapter finds about it."""
    n = len(articles)
    if n == 0:
        return say(f"**{md(ctx.corpus)}**: the build found no articles, so there is nothing to describe; "
                   "check the corpus folder (its manifest or article table) and run `python -m analysis build` again.")
    issues = _issues(articles).nunique()
    span = f"from {ctx.first_date} to {ctx.last_date}" if ctx.first_date != ctx.last_date else f"of {ctx.first_date}"
    if issues > 1:
        span += _missing_clause(articles)
    paper = f"the {md(ctx.paper)}" if ctx.paper else "the paper"
    if kind == "pages":
        pages = articles["source"].nunique()
        where = (f"**{md(ctx.corpus)}**: {_n(n, 'article')} cut from {_n(pages, 'page')} of {paper}, "
                 f"in {_n(issues, 'issue')} {span}.")
        how = ("The text is the raw text of printed pages; below, the repairs it needed, the blocks each page is "
               "cut into, and the articles that result.")
    else:
        files = ", ".join(md_code(s) for s in sorted(articles["source"].astype(str).unique())[:3])
        where = f"**{md(ctx.corpus)}**: {_n(n, 'article')} of {paper}, in {_n(issues, 'issue')} {span}."
        how = (f"The text came as an article table ({files}), already divided into articles: there are no pages, so "
               "the page repairs and page layout of a page corpus do not apply; this chapter shows the table's size, "
               "dates and lengths.")
    lengths = articles["n_chars"]
    q1, med, q3 = (int(round(lengths.quantile(q))) for q in (0.25, 0.5, 0.75))
    facts = [f"The median article has {number(med)} characters of body text"
             + (f" (the middle half: {number(q1)} to {number(q3)})." if n >= 4 else ".")]
    missing = _no_headline(articles)
    facts.append(f"{_n(missing, 'article')} ({_pct(missing, n)}) {'has' if missing == 1 else 'have'} no headline"
                 if missing else "Every article has a headline")
    dated = _by_dateline(articles)
    facts[-1] += (f"; {_pct(dated, n)} are dated by a dateline in their text, the rest by their issue."
                  if dated else "; none carries a dateline, so every article is dated by its issue.")
    if kind == "pages":
        n_caps = 0 if captions is None else len(captions)
        n_un = 0 if unattributed is None else len(unattributed)
        facts.append(f"{_n(n_caps, 'photo caption').capitalize()} {'was' if n_caps == 1 else 'were'} kept apart "
                     "from the bodies, and " + (f"{_n(n_un, 'headline')} could not be attributed to an article."
                                               if n_un else "every headline was attributed to an article."))
    return say(" ".join([where, how, *facts]))


def source_sentence(kind: str, articles: pd.DataFrame, n_manifest: int | None = None) -> say:
    """Where the text comes from: a manifest of pages, or an article table."""
    if kind == "pages":
        rows = n_manifest if n_manifest is not None else articles["source"].nunique()
        return say(f"Each page is a text file extracted from the printed PDF and listed in the manifest "
                   f"(`manifest.csv`, {_n(rows, 'row')}) with its paper, issue date and SHA-256 checksum; the "
                   "checksum is verified on every read, so a changed file cannot pass unnoticed.")
    files = sorted(articles["source"].astype(str).unique())
    shown = ", ".join(md_code(f) for f in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    unit = record_unit(files[0]) if files else "row"
    where = {"row": "by their row number (the first row is 1)",
             "record": "by their record number (the first record is 1)",
             "line": "by the line of the file where each record starts (the header is line 1)"}[unit]
    return say(f"This corpus is an article table ({shown}): one record per article, with its date, headline and "
               f"text. The build read {_n(len(articles), 'record')} from it. There is no manifest of pages: the "
               f"table's records are numbered {where}, and that number is their place in every table below.")


def record_unit(source: str) -> str:
    """What a record of an article table is numbered by: ``row`` (Parquet), ``record`` (a JSON array),
    ``line`` (CSV, JSON Lines: the line where the record starts).

    >>> record_unit("articles.parquet"), record_unit("articles.csv")
    ('row', 'line')
    """
    suffix = str(source).rsplit(".", 1)[-1].lower()
    return {"parquet": "row", "json": "record"}.get(suffix, "line")


def repairs_sentence(kind: str, repairs: pd.DataFrame | None) -> say:
    """What the page repairs table shows, or why there is none."""
    if kind != "pages":
        return say("No page repairs apply: an article table arrives as clean text, with no lines broken by a "
                   "page's columns, no justification spaces and no headlines set one character a line.")
    if repairs is None or repairs.empty:
        return say("None of the repairs was needed on these pages: no line of them shows a broken name, "
                   "justification spaces, a vertical headline or a doubled caption.")
    return say(f"{_n(len(repairs), 'kind')} of repair (of the {len(REPAIRS)} the cleaning knows) "
               f"{'occurs' if len(repairs) == 1 else 'occur'} on these pages; the first example of each, "
               "found automatically, with ⏎ marking a line break of the raw text:")


def layout_sentence(kind: str, layout: pd.DataFrame | None, page: str = "") -> say:
    """The blocks found on one page, counted by kind (nothing to say for an article table)."""
    if kind != "pages":
        return say("No page layout applies: the article table already gives each article's boundaries, so no "
                   "page is cut into paragraphs, headlines and captions.")
    if layout is None or layout.empty:
        return say(f"The page {md_code(page)} holds no text block." if page else "The corpus holds no page.")
    counts = layout["kind"].value_counts()
    order = ["paragraph", "headline", "vertical", "caption"]
    names = {"paragraph": "body paragraph", "headline": "headline", "vertical": "vertical headline",
             "caption": "caption"}
    parts = [_n(int(counts[k]), names.get(k, k)) for k in order + sorted(set(counts.index) - set(order))
             if k in counts]
    return say(f"The first page, {md_code(page)}, as the program reads it: {_n(len(layout), 'block')} — "
               + ", ".join(parts) + ".")


def captions_sentence(kind: str, captions: pd.DataFrame) -> say:
    """Photo captions: how many, and how they were attached to articles."""
    if captions.empty:
        if kind != "pages":
            return say("An article table carries no photo captions, so there are none to show.")
        return say("No photo caption was found on these pages.")
    basis = captions["attach_basis"].value_counts()
    parts = [f"{_n(int(v), 'caption')} by {k.replace('_', ' ')}" for k, v in basis.items()]
    return say(f"{_n(len(captions), 'photo caption')} {'was' if len(captions) == 1 else 'were'} kept apart from the "
               "article bodies, with the photographer's credit, and attached to the article they illustrate: "
               + ", ".join(parts) + " (text overlap first; else the article printed before the photo).")


def unattributed_sentence(kind: str, unattributed: pd.DataFrame) -> say:
    """Headlines that no article could take."""
    if kind != "pages":
        return say("Every headline of an article table belongs to its row, so no headline can be left unattributed.")
    if unattributed.empty:
        return say("Every headline found on the pages was attributed to an article.")
    return say(f"{_n(len(unattributed), 'headline')} found on the pages overlapped no article well enough and "
               f"{'was' if len(unattributed) == 1 else 'were'} kept out of the bodies (never glued into one):")


def periods_sentence(ctx: Context, by_period: pd.DataFrame) -> say:
    """Articles per period: how many periods, the busiest and quietest."""
    if by_period.empty:
        return say("There are no articles to count by period.")
    name = ctx.bin_name
    dated = by_period[by_period["period"] != UNDATED]
    undated = int(by_period.loc[by_period["period"] == UNDATED, "articles"].sum())
    tail = f" {_n(undated, 'article')} without an issue date {'is' if undated == 1 else 'are'} counted apart." \
        if undated else ""
    if ctx.bin == "W":
        tail += " A week is labelled by its Monday."
    if len(dated) <= 1:
        where = f" ({dated['period'].iloc[0]})" if len(dated) else ""
        spans = f"spans {ctx.span}" if ctx.first_date != ctx.last_date else f"covers one date, {ctx.span}"
        return say(f"The corpus {spans}, so statistics are given by {name}: all articles fall in one "
                   f"{name}{where}, and there is no change over time to show.{tail}")
    top = dated.loc[dated["articles"].idxmax()]
    low = dated.loc[dated["articles"].idxmin()]
    return say(f"The corpus spans {ctx.span}, so statistics are given by {name}: {_n(len(dated), name)} with "
               f"articles, from {number(int(low['articles']))} articles ({low['period']}) to "
               f"{number(int(top['articles']))} ({top['period']}), a median of "
               f"{_median(dated['articles'])} per {name}.{tail}")


def gaps_sentence(ctx: Context, gaps: pd.DataFrame, weekdays: tuple[int, ...]) -> say:
    """Publishing days without an issue between the first and the last (``gaps``:
    :func:`analysis.corpus.report.issue_gaps` on ``weekdays``, :func:`~analysis.corpus.report.publishing_weekdays`),
    and the longest runs of them."""
    if not ctx.first_date or ctx.first_date == ctx.last_date:
        return say("With issues of one date at most, there is no range in which an issue could be missing.")
    calendar = pd.date_range(ctx.first_date, ctx.last_date, freq="D")
    total = int(calendar.day_of_week.isin(weekdays).sum())
    missing = int(gaps["missed"].sum())
    daily = len(weekdays) == 7
    unit = "day" if daily else "issue day"
    if daily:
        lead = f"Of the {number(total)} days from {ctx.span}, "
    else:
        # A paper that never appears on Mondays has not missed its Mondays.
        lead = (f"The issues fall on {_weekdays(weekdays)}, so only those days are counted: of the {number(total)} "
                f"from {ctx.span}, ")
    if not missing:
        return say(lead + "every one has an issue.")
    lead += f"{number(missing)} {'has' if missing == 1 else 'have'} no issue"
    if (gaps["missed"] == 1).all():
        dates = join_and(gaps["first_missing"].head(SHOWN_GAPS))
        detail = (f", each a single {unit}: {dates}." if len(gaps) <= SHOWN_GAPS
                  else f", never two {unit}s in a row; the first {SHOWN_GAPS}: {dates}.")
    else:
        longest = [f"{_n(int(g.missed), unit)} in a row, {g.first_missing} to {g.last_missing}" if g.missed > 1
                   else f"one {unit}, {g.first_missing}" for g in gaps.head(SHOWN_GAPS).itertuples()]
        detail = (f", in {_n(len(gaps), 'gap')}; the longest: " if len(gaps) > 1 else ", in one gap: ") \
            + "; ".join(longest) + "."
    return say(lead + detail + " Whether the paper did not appear on such a day or the corpus lacks its issue, "
               "the text alone cannot tell.")


def lengths_sentence(articles: pd.DataFrame, *, histogram: bool) -> say:
    """How long the articles are, and what the length figure draws."""
    if articles.empty:
        return say("There are no articles to measure.")
    lengths = articles["n_chars"]
    if len(articles) == 1:
        return say(f"The one article has {number(int(lengths.iloc[0]))} characters of body text.")
    short = int((lengths < SHORT_ARTICLE).sum())
    shape = ("a histogram (one bar per article would be unreadable at this size)" if histogram
             else "one bar per article, labelled with its headline")
    return say(f"Article lengths run from {number(int(lengths.min()))} to {number(int(lengths.max()))} characters "
               f"(median {number(int(round(lengths.median())))}); {_n(short, 'article')} "
               f"{'is' if short == 1 else 'are'} shorter than {SHORT_ARTICLE} characters. The figure draws them as "
               f"{shape}.")


def checks_sentence(kind: str, articles: pd.DataFrame, unattributed: pd.DataFrame,
                    captions: pd.DataFrame) -> say:
    """What can be checked on this corpus, computed: the cases where segmentation (or the table) may be wrong."""
    n = len(articles)
    if n == 0:
        return say("With no articles, nothing can be checked.")
    empty = _no_headline(articles)
    short = int((articles["n_chars"] < SHORT_ARTICLE).sum())
    undated = n - _by_dateline(articles)
    duplicates = int(articles["text"].duplicated().sum()) if "text" in articles else 0
    items = [f"articles without a headline: {number(empty)} ({_pct(empty, n)})",
             f"articles shorter than {SHORT_ARTICLE} characters ("
             + ("a fragment, a continuation from another page, or a caption read as text" if kind == "pages" else
                "on an article table, a notice or a brief, or a record whose text was not collected")
             + f"): {number(short)}",
             f"articles whose text repeats an earlier article word for word: {number(duplicates)}",
             f"articles dated by their issue rather than a dateline: {number(undated)} ({_pct(undated, n)})"]
    if kind == "pages":
        items.insert(0, f"headlines attributed to no article: {number(len(unattributed))}")
        by_position = int((captions["attach_basis"] == "position").sum()) if len(captions) else 0
        items.append(f"captions attached by position rather than by shared words: {number(by_position)}")
        lead = ("On any pages, the build's tables count the cases where segmentation is most likely wrong; on this "
                "corpus:")
    else:
        lead = ("The article table was not segmented here, so its boundaries and headlines are as delivered; what can "
                "be checked in it:")
    return say(lead + "\n\n" + "\n".join(f"- {item}" for item in items) + "\n\nEach count comes from the "
               "`articles` table (and `unattributed_headlines`, `captions`), whose rows can be filtered and read "
               "against the source.")


def limits(ctx: Context, kind: str, articles: pd.DataFrame) -> say:
    """The chapter's Limits section, computed for the corpus."""
    n = len(articles)
    by_issue = n - _by_dateline(articles)
    points = []
    if kind == "pages":
        points.append("- **Segmentation is checked by reading only on the sample pages** (in the tests); on any "
                      "other pages the counts above are the only evidence of where it fails.")
        points.append("- **Continuations** from other pages (转版) stay separate articles: nothing joins them to "
                      "their first part.")
    else:
        points.append("- **The article table is trusted as delivered**: its boundaries, headlines and dates were not "
                      "made here and are checked only by the counts above.")
    points.append(f"- **Dates**: {_n(by_issue, 'article')} of {number(n)} {'is' if by_issue == 1 else 'are'} dated "
                  f"by {'its' if by_issue == 1 else 'their'} issue, not by the event they report; an issue date says when the paper printed a story, "
                  "not when it happened.")
    points.append(f"- **Statistics by {ctx.bin_name}** hide what happens inside a {ctx.bin_name}; the full per-"
                  "article table is downloadable (`articles.csv`).")
    return say("\n".join(points))


#: Up to this many articles the length figure has one labelled bar per article; above, a histogram.
MAX_LENGTH_BARS = 30


def periods_caption(ctx: Context, by_period: pd.DataFrame) -> tuple[str, str]:
    """(caption, alt text) of the articles-per-period figure."""
    dated = by_period[by_period["period"] != UNDATED]
    name = ctx.bin_name
    caption = (f"Articles per {name} of issue date, {ctx.span}. Look for gaps (issues missing from the corpus) "
               f"and for {name}s far above the rest.")
    if len(dated):
        top = dated.loc[dated["articles"].idxmax()]
        alt = (f"Bar chart of articles per {name} over {_n(len(dated), name)} from {dated['period'].iloc[0]} to "
               f"{dated['period'].iloc[-1]}; the busiest, {top['period']}, has {_n(int(top['articles']), 'article')}.")
    else:
        alt = f"Bar chart of articles per {name}: no article carries an issue date."
    return caption, alt


def lengths_caption(articles: pd.DataFrame, *, histogram: bool) -> tuple[str, str]:
    """(caption, alt text) of the article-length figure."""
    lengths = articles["n_chars"]
    med = number(int(round(lengths.median()))) if len(lengths) else "0"
    if histogram:
        caption = (f"Distribution of body-text length over the {number(len(articles))} articles; the red line is the "
                   f"median ({med} characters). Look at the spread, and at how far the right tail reaches.")
        alt = (f"Histogram of characters per article for {number(len(articles))} articles, from "
               f"{number(int(lengths.min()))} to {number(int(lengths.max()))}, median {med}.")
    else:
        caption = (f"Length of each article's body text, one bar per article, labelled by headline (or 无标题 and "
                   f"its id). The median is {med} characters"
                   + (": compare the long reports with the short news items." if len(articles) > 2 else "."))
        alt = (f"Horizontal bar chart of characters per article for {_n(len(articles), 'article')}; the longest has "
               f"{number(int(lengths.max()))} characters, the shortest {number(int(lengths.min()))}.")
    return caption, alt
