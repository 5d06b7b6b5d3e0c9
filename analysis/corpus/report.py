"""Tables the corpus chapter shows: provenance, repairs before/after, page layout, statistics.

Each function works on any corpus (not just the sample), so the chapter runs
unchanged on one's own pages; statistics are aggregated by a time bin
(:mod:`analysis.corpus.periods`), so they stay readable with thousands of issues.

>>> import pandas as pd
>>> arts = pd.DataFrame({"issue_date": ["2024-12-01", "2024-12-20", "2025-02-13"], "source": ["a", "b", "c"],
...                      "page": ["", "", ""], "n_chars": [100, 300, 200], "headline": ["x", "", "y"],
...                      "date_basis": ["issue", "dateline", "issue"]})
>>> period_summary(arts, "M")[["period", "issues", "articles"]].values.tolist()
[['2024-12', 2, 2], ['2025-02', 1, 1]]
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.io import read_csv_frame
from .clean import clean_line, parse_caption
from .folder import TABLE_SUFFIXES, as_corpus, fact_file
from .layout import page_blocks
from .pages import Page, read_manifest, read_pages
from .periods import period_labels
from .articles import SOURCE_AGENCIES

_JUSTIFIED = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff] [\u4e00-\u9fff]")
_DIGIT_SPACE = re.compile(r"[0-9] [\u4e00-\u9fff]|[\u4e00-\u9fff] [0-9]")


def corpus_pages(corpus=None, manifest=None) -> list[Page]:
    """The validated pages of a page corpus (a :class:`~analysis.corpus.folder.Corpus` or a folder;
    default: the sample); [] for an article table."""
    corpus = as_corpus(corpus, manifest)
    if corpus.kind != "pages":
        return []
    return read_pages(corpus.pages_dir, corpus.text, bounds=corpus.settings.date_range())


def manifest_table(corpus=None, manifest=None) -> pd.DataFrame:
    """The manifest as a table (``file, paper, issue_date, page, sha256, notes``), checksum shortened."""
    corpus = as_corpus(corpus, manifest)
    if corpus.kind != "pages":
        return pd.DataFrame(columns=["file", "paper", "issue_date", "page", "sha256", "notes"])
    rows = read_manifest(corpus.text)
    frame = pd.DataFrame(rows)[["file", "paper", "issue_date", "page", "sha256"] + (["notes"] if "notes" in rows[0] else [])]
    frame["sha256"] = frame["sha256"].str[:12] + "…"
    return frame


def known_names(registry=None) -> list[str]:
    """Person names of the leader registry (a :class:`~analysis.corpus.folder.Corpus` or a CSV path;
    default the sample's ``data/leaders.csv``), longest first; [] if there is none."""
    path = fact_file("leaders", registry)
    if path is None or not path.is_file():
        return []
    names = read_csv_frame(path, what="leader registry", required=["name"], multiline=True)["name"]
    return sorted({n for n in names if len(n) >= 2}, key=lambda n: (-len(n), n))


#: The kinds of repair the cleaning makes, in the order :func:`repair_examples` shows them.
REPAIRS = ("name wrapped across lines joined", "line wrapped mid-word joined", "justification spaces removed",
           "space between digits and characters removed", "vertical headline reassembled",
           "doubled bold caption collapsed")


def repair_examples(pages: list[Page], registry=None) -> pd.DataFrame:
    """One before/after example of each repair, found in the pages themselves.

    The line-joining example is a person's name from the leader registry
    (``registry``: as :func:`known_names` takes it) that the page broke across
    two lines (any mid-word break without a registry).

    Columns: ``repair``, ``file``, ``lines`` (raw line numbers), ``before``
    (raw text, line breaks shown as ⏎), ``after``.
    """
    found: dict[str, dict] = {}
    names = known_names(registry)

    def add(repair, page, lines, before, after):
        if repair not in found:
            found[repair] = {"repair": repair, "file": page.file, "lines": lines, "before": before, "after": after}

    order = REPAIRS
    # Mid-word joining is only looked for when there is no registry, so at most five kinds can be found.
    wanted = len(order) - 1
    for page in pages:
        if len(found) >= wanted:
            break  # one example of each is enough: no need to read thousands of pages
        raw = page.text.splitlines()
        for block in page_blocks(page.text):
            span = f"{block.lines[0]}–{block.lines[-1]}" if len(block.lines) > 1 else str(block.lines[0])
            if block.kind == "vertical":
                add("vertical headline reassembled", page, span, "⏎".join(block.raw), block.text)
            elif block.kind == "caption":
                caption = parse_caption(raw[block.first_line - 1])
                add("doubled bold caption collapsed", page, span, block.raw[0],
                    f"caption: {caption[0]} | credit: {caption[1]}")
            elif block.kind == "paragraph":
                for k in range(len(block.raw) - 1):
                    left, right = clean_line(block.raw[k]), clean_line(block.raw[k + 1])
                    seam = left[-3:] + right[:3]
                    broken_name = any(n in seam and n not in left and n not in right for n in names)
                    mid_word = not names and left[-1:].isalpha() and right[:1].isalpha() and not left.isascii()
                    if broken_name or mid_word:
                        label = "name wrapped across lines joined" if broken_name else "line wrapped mid-word joined"
                        add(label, page, f"{block.lines[k]}–{block.lines[k + 1]}",
                            f"{block.raw[k]}⏎{block.raw[k + 1]}", left + right)
                for k, line in enumerate(block.raw):
                    if _JUSTIFIED.search(line):
                        add("justification spaces removed", page, str(block.lines[k]), line, clean_line(line))
                    if _DIGIT_SPACE.search(line):
                        add("space between digits and characters removed", page, str(block.lines[k]), line, clean_line(line))
    return pd.DataFrame([found[r] for r in order if r in found], columns=["repair", "file", "lines", "before", "after"])


def page_layout(page: Page, width: int = 24) -> pd.DataFrame:
    """The blocks found on a page: ``kind``, ``lines``, ``text`` (first ``width`` characters)."""
    rows = []
    for block in page_blocks(page.text):
        text = block.text if block.kind != "caption" else f"{block.caption}（{block.credit} 摄）"
        span = f"{block.lines[0]}–{block.lines[-1]}" if len(block.lines) > 1 else str(block.lines[0])
        rows.append({"kind": block.kind, "lines": span, "text": text[:width] + ("…" if len(text) > width else "")})
    return pd.DataFrame(rows, columns=["kind", "lines", "text"])


# --------------------------------------------------------------------------- statistics by period

PERIOD_COLUMNS = ["period", "issues", "pages", "articles", "characters", "median_chars", "with_headline",
                  "dated_by_dateline"]


def period_summary(articles: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Per period of issue dates: issues, pages, articles, characters, median length, headlines, datelines.

    ``pages`` counts page files for a page corpus, and distinct (issue, page)
    pairs of the rows of an article table that name a page: a table without
    page numbers has 0 pages, as the corpus's own summary says (not one page
    per issue). One row per period that has articles, in time order
    (periods labelled by :func:`analysis.corpus.periods.period_labels`; undated
    articles, if any, in a last row ``undated``).
    """
    if articles.empty:
        return pd.DataFrame(columns=PERIOD_COLUMNS)
    page = articles["page"].fillna("").astype(str).str.strip()
    # A row of an article table (its source is the table file) is on a page only when it names one.
    from_table = articles["source"].astype(str).str.lower().str.endswith(TABLE_SUFFIXES)
    frame = articles.assign(period=period_labels(articles["issue_date"], freq).to_numpy(),
                            _page=(articles["source"].astype(str) + "|" + articles["issue_date"].astype(str)
                                   + "|" + page).where((page != "") | ~from_table))
    grouped = frame.groupby("period", sort=True)
    out = pd.DataFrame({
        "issues": grouped["issue_date"].nunique(),
        "pages": grouped["_page"].nunique(),
        "articles": grouped.size(),
        "characters": grouped["n_chars"].sum(),
        "median_chars": grouped["n_chars"].median().round().astype("int64"),
        "with_headline": grouped["headline"].apply(lambda s: int((s.fillna("") != "").sum())),
        "dated_by_dateline": grouped["date_basis"].apply(lambda s: int((s == "dateline").sum())),
    }).reset_index()
    return out[PERIOD_COLUMNS].astype({c: "int64" for c in PERIOD_COLUMNS[1:]})


SOURCE_COLUMNS = ["period", "articles", "本报", "新华社", "other", "none",
                  "share_本报", "share_新华社", "share_other", "share_none"]


def source_summary(articles: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Per period of issue dates: articles by ``source_agency`` (本报, 新华社, other, none), counts and shares.

    ``source_agency`` is what the article's opening credits (see
    :class:`analysis.corpus.articles.OpeningRules`); shares are of the
    period's articles (0–1, rounded to 4 places).  One row per period that
    has articles, in time order; a table without the column counts as none.

    >>> arts = pd.DataFrame({"issue_date": ["2024-12-01", "2024-12-20", "2025-02-13"],
    ...                      "source_agency": ["本报", "新华社", "本报"]})
    >>> source_summary(arts, "M")[["period", "articles", "本报", "新华社", "share_本报"]].values.tolist()
    [['2024-12', 2, 1, 1, 0.5], ['2025-02', 1, 1, 0, 1.0]]
    """
    if articles.empty:
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    agency = (articles["source_agency"].fillna("none").astype(str) if "source_agency" in articles.columns
              else pd.Series("none", index=articles.index))
    frame = pd.DataFrame({"period": period_labels(articles["issue_date"], freq).to_numpy(), "agency": agency.to_numpy()})
    counts = pd.crosstab(frame["period"], frame["agency"]).reindex(columns=list(SOURCE_AGENCIES), fill_value=0)
    counts.columns = list(SOURCE_AGENCIES)
    out = counts.astype("int64")
    out.insert(0, "articles", out.sum(axis=1).astype("int64"))
    for name in SOURCE_AGENCIES:
        out[f"share_{name}"] = (out[name] / out["articles"]).round(4)
    return out.reset_index().rename(columns={"index": "period"})[SOURCE_COLUMNS]


def table_overview(articles: pd.DataFrame) -> pd.DataFrame:
    """Per source file of an article table: ``source``, ``articles``, ``issues``, ``first_issue``,
    ``last_issue``, ``pages`` (distinct page values given); what the corpus chapter shows instead of
    the manifest when the corpus is a table, not pages."""
    grouped = articles.groupby("source", sort=True)
    return pd.DataFrame({
        "articles": grouped.size(),
        "issues": grouped["issue_date"].nunique(),
        "first_issue": grouped["issue_date"].min(),
        "last_issue": grouped["issue_date"].max(),
        "pages": grouped["page"].apply(lambda s: int(s.fillna("").astype(str).replace("", pd.NA).nunique())),
    }).reset_index()


#: Until its busiest weekday has this many issues, a corpus shows no schedule (two issues fall on two weekdays
#: whatever the paper's): every day counts.
SCHEDULE_MIN_ISSUES = 4

GAP_COLUMNS = ["first_missing", "last_missing", "missed"]


def _issue_days(articles: pd.DataFrame) -> pd.DatetimeIndex:
    dates = pd.to_datetime(articles["issue_date"].fillna("").astype(str), format="%Y-%m-%d", errors="coerce")
    return pd.DatetimeIndex(dates.dropna().unique()).sort_values()


def publishing_weekdays(articles: pd.DataFrame) -> tuple[int, ...]:
    """The weekdays (0 = Monday) the paper appears on, read from its issue dates: those with at least half as
    many issues as the busiest weekday, so a daily keeps all seven however many days it misses, while a paper of
    Tuesdays and Fridays is not charged with five missing days a week, nor a weekday paper with its weekends
    for one Saturday special.  Every weekday while no weekday has :data:`SCHEDULE_MIN_ISSUES` issues.

    >>> days = pd.date_range("2021-01-01", "2021-03-31")
    >>> publishing_weekdays(pd.DataFrame({"issue_date": days[days.day_of_week.isin([1, 4])].strftime("%Y-%m-%d")}))
    (1, 4)
    """
    per_weekday = pd.Series(_issue_days(articles).day_of_week).value_counts()
    if per_weekday.empty or per_weekday.max() < SCHEDULE_MIN_ISSUES:
        return tuple(range(7))
    return tuple(sorted(int(d) for d, n in per_weekday.items() if 2 * n >= per_weekday.max()))


def issue_gaps(articles: pd.DataFrame, weekdays: tuple[int, ...] | None = None) -> pd.DataFrame:
    """Runs of publishing days (``weekdays``, default :func:`publishing_weekdays`) without an issue, between
    the first and the last issue date: ``first_missing``, ``last_missing`` (YYYY-MM-DD), ``missed``
    (publishing days in the run).  Longest first, then in time order; no rows when none is missing.

    >>> arts = pd.DataFrame({"issue_date": ["2024-05-06", "2024-05-07", "2024-05-10", "2024-05-12", ""]})
    >>> issue_gaps(arts, tuple(range(7))).values.tolist()
    [['2024-05-08', '2024-05-09', 2], ['2024-05-11', '2024-05-11', 1]]
    """
    days = _issue_days(articles)
    if len(days) < 2:
        return pd.DataFrame(columns=GAP_COLUMNS)
    weekdays = publishing_weekdays(articles) if weekdays is None else weekdays
    calendar = pd.date_range(days[0], days[-1], freq="D")
    expected = calendar[calendar.day_of_week.isin(weekdays) | calendar.isin(days)]
    present = expected.isin(days)
    # Each missing day belongs to the run that follows the same number of issues.
    run = pd.Series(present.cumsum(), index=expected)[~present]
    rows = [{"first_missing": dates.index[0].strftime("%Y-%m-%d"),
             "last_missing": dates.index[-1].strftime("%Y-%m-%d"), "missed": len(dates)}
            for _, dates in run.groupby(run)]
    gaps = pd.DataFrame(rows, columns=GAP_COLUMNS)
    return (gaps.sort_values(["missed", "first_missing"], ascending=[False, True], kind="stable")
            .reset_index(drop=True))
