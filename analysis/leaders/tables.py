"""Tables from the mentions table of :mod:`analysis.perarticle.mentions` (the build's ``mentions``).

Every function takes the mentions table (and, where counts are normalised or
gaps matter, the articles table; where posts matter, the registry) and
returns a DataFrame with documented columns and a stable order; the figures
of :mod:`analysis.figures.leaders` draw them.

Counts over time (:func:`mention_counts`, :func:`kind_series`) bin by any
period of :mod:`analysis.corpus.periods` (day, week, month, quarter, year)
and count **only mentions inside a registered term of the person**
(``in_term``): a name dated before or after every post of that person is a
namesake, a historical article or a wrong date until a reader says
otherwise, so it is listed by :func:`out_of_term`, not counted.  The places
on the page (:func:`prominence`, :func:`page_prominence`), the co-mentions
and the titles count on the same basis (:func:`counted`).

>>> from analysis.corpus import load_articles
>>> from analysis.perarticle.mentions import leader_mentions
>>> articles = load_articles()
>>> mentions = leader_mentions(articles)
>>> counts = mention_counts(mentions, articles, freq="M")
>>> bool(counts.loc["2025-01"].isna().all())  # no issue of January 2025 in the corpus: a gap, not zeros
True
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.corpus.folder import Corpus
from analysis.corpus.periods import check_freq, period_labels, period_span
from analysis.paths import DATA_DIR
from analysis.perarticle.mentions import KINDS, LOCATIONS
from analysis.tokens import fold_width
from .protocol import check_mentions
from .protocol import protocol_order

#: Mentions of the person's own activity (what prominence studies count).
ACTIVITY_KINDS = ("coverage", "title-only")
#: Citations of a leader's words or doctrine (kept apart from own activity).
CITATION_KINDS = ("ritual", "doctrine")
#: ``title-only`` mentions join the default counts only when their hand-checked
#: precision reaches this (issue 11: on a national daily 2 of 30 were right).
TITLE_ONLY_MIN_PRECISION = 0.9
VALIDATION_FILE = "validation_title_only.csv"
VALIDATION_COLUMNS = ["corpus", "article_id", "line", "title", "holder", "resolved", "holder_is_meant", "context",
                      "note", "source"]


def _validation_path(path=None) -> Path:
    """``path`` (a file), or the corpus's own ``validation_title_only.csv`` (``path`` a Corpus), else
    the project's in ``data/``."""
    if path is not None and not isinstance(path, Corpus):
        return Path(path)
    own = path.root / VALIDATION_FILE if isinstance(path, Corpus) else None
    return own if own is not None and own.is_file() else DATA_DIR / VALIDATION_FILE


def title_only_precision(path=None) -> dict:
    """Precision of ``title-only`` resolution from the hand check (``data/validation_title_only.csv``).

    ``path``: a file, or a :class:`~analysis.corpus.folder.Corpus` whose
    folder's own ``validation_title_only.csv`` is used when it has one.  Each row is a bare title the extractor considered
    (:func:`analysis.perarticle.mentions.title_only_audit`) with ``resolved`` (yes/no)
    and the reader's judgment ``holder_is_meant`` (yes/no/unclear: does the
    title mean the post's registered holder?).  Returns ``{"precision",
    "resolved", "correct", "missed", "judged", "by_corpus"}``; precision is
    NaN when nothing resolved was judged (unvalidated).

    >>> r = title_only_precision()
    >>> r["precision"] >= TITLE_ONLY_MIN_PRECISION, r["resolved"] > 0
    (True, True)
    """
    path = _validation_path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in ("corpus", "resolved", "holder_is_meant") if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    for i, (res, meant) in enumerate(zip(frame["resolved"], frame["holder_is_meant"]), start=2):
        if res not in ("yes", "no") or meant not in ("yes", "no", "unclear"):
            raise ValueError(f"{path}, row {i}: resolved must be yes/no and holder_is_meant yes/no/unclear")
    resolved = frame[frame["resolved"] == "yes"]
    correct = int((resolved["holder_is_meant"] == "yes").sum())
    by_corpus = (frame.assign(_r=frame["resolved"] == "yes", _c=(frame["resolved"] == "yes")
                              & (frame["holder_is_meant"] == "yes"))
                 .groupby("corpus").agg(resolved=("_r", "sum"), correct=("_c", "sum"), judged=("_r", "size")))
    by_corpus["precision"] = by_corpus["correct"] / by_corpus["resolved"].replace(0, np.nan)
    return {
        "precision": correct / len(resolved) if len(resolved) else math.nan,
        "resolved": len(resolved), "correct": correct,
        "missed": int(((frame["resolved"] == "no") & (frame["holder_is_meant"] == "yes")).sum()),
        "judged": len(frame), "by_corpus": by_corpus.reset_index(), "path": str(path),
    }


def title_only_counts(path=None, threshold: float = TITLE_ONLY_MIN_PRECISION) -> bool:
    """True when ``title-only`` mentions belong in the default timelines (measured precision ≥ threshold).

    When False, :func:`mention_counts`, :func:`kind_series` and
    :func:`plot_timeline` count named mentions only and show bare titles
    as their own series (:func:`title_only_series`).

    >>> title_only_counts()
    True
    """
    precision = title_only_precision(path)["precision"]
    return bool(precision == precision and precision >= threshold)


def default_kinds(path=None) -> tuple[str, ...]:
    """The mention kinds the default timelines count: coverage, plus title-only if validated."""
    return ACTIVITY_KINDS if title_only_counts(path) else ("coverage",)


def in_some_term(mentions: pd.DataFrame, registry: pd.DataFrame) -> pd.Series:
    """Whether a registry row of the person covers the mention's date (``start <= date <= end``, open ends).

    What the extraction's ``in_term`` column records; for a mentions table without it.

    >>> reg = pd.DataFrame({"name": ["林国栋"], "start": ["2019-01-01"], "end": ["2021-06-30"]})
    >>> m = pd.DataFrame({"name": ["林国栋", "林国栋"], "date": ["2020-05-05", "2022-01-04"]})
    >>> in_some_term(m, reg).tolist()
    [True, False]
    """
    terms: dict[str, list] = {}
    for name, start, end in zip(registry["name"], registry["start"].fillna("").astype(str),
                                registry["end"].fillna("").astype(str)):
        terms.setdefault(name, []).append((start, end))
    dates = mentions["date"].fillna("").astype(str)
    return pd.Series([bool(date) and any((not s or s <= date) and (not e or date <= e) for s, e in terms.get(name, []))
                      for name, date in zip(mentions["name"], dates)], index=mentions.index, dtype=bool)


def _in_term_flags(mentions: pd.DataFrame, registry: pd.DataFrame | None = None) -> pd.Series:
    """Per mention: inside a registered term of the person (the ``in_term`` column, ``True``/``False``
    or ``yes``/``no``; without it, :func:`in_some_term` of ``registry``; neither: every mention)."""
    if "in_term" in mentions.columns:
        values = mentions["in_term"]
        if values.dtype == bool:
            return values
        return ~values.astype(str).str.strip().str.lower().isin(["false", "no", "0", "n"])
    if registry is not None:
        return in_some_term(mentions, registry)
    return pd.Series(True, index=mentions.index, dtype=bool)


def out_of_term(mentions: pd.DataFrame, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mentions dated outside every registered term of the person.

    These are left out of the counts over time and the title timelines: a
    name before or after the person's posts (a namesake, a historical
    article, a wrong dateline) is listed here to be read.  Decided by the
    extraction's ``in_term`` column (``True``/``False`` or ``yes``/``no``);
    for a mentions table without it, by the dates of ``registry``
    (:func:`in_some_term`).  Foreign visitors hold no post in the registry's
    sense and are never listed.  Columns: those of the mentions table; in
    its order.
    """
    if "in_term" not in mentions.columns and registry is None:
        raise ValueError("mentions table lacks in_term (re-run analysis.perarticle.mentions.leader_mentions), "
                         "and no registry was given to check the dates against")
    outside = ~_in_term_flags(mentions, registry) & (mentions["kind"] != "foreign")
    return mentions.loc[outside.to_numpy(dtype=bool)].reset_index(drop=True)


def _in_term(mentions: pd.DataFrame) -> pd.DataFrame:
    return mentions[_in_term_flags(mentions).to_numpy(dtype=bool)]


def counted(mentions: pd.DataFrame) -> pd.DataFrame:
    """The mentions the chapter's tables count: those inside a registered term of the person (the
    ``in_term`` column, when the table has it), and every foreign visitor (who holds no post, so is
    never out of term: :func:`out_of_term` does not list them).

    What :func:`prominence`, :func:`page_prominence`, :func:`co_mentions` and :func:`top_persons`
    count, so a person named only outside their terms (a funeral, a doctrine named after them) does
    not top a ranking of who the paper covers.

    >>> m = pd.DataFrame({"name": ["甲", "乙", "Ana"], "kind": ["coverage", "coverage", "foreign"],
    ...                   "in_term": [True, False, False]})
    >>> counted(m)["name"].tolist()
    ['甲', 'Ana']
    >>> counted(m.drop(columns="in_term"))["name"].tolist()  # no column: every mention counts
    ['甲', '乙', 'Ana']
    """
    keep = _in_term_flags(mentions)
    if "kind" in mentions.columns:
        keep = keep | (mentions["kind"] == "foreign")
    return mentions[keep.to_numpy(dtype=bool)]


def activity(mentions: pd.DataFrame) -> pd.DataFrame:
    """Mentions of a person's own activity (:data:`ACTIVITY_KINDS`)."""
    return mentions[mentions["kind"].isin(ACTIVITY_KINDS)]


def top_persons(mentions: pd.DataFrame, n: int = 6) -> pd.Series:
    """Mentions of own activity per person inside their registered terms (:func:`counted`), the ``n``
    most named (ties by name).

    >>> m = pd.DataFrame({"name": ["乙", "甲", "乙", "丙"], "kind": ["coverage"] * 4,
    ...                   "in_term": [True, True, True, False]})
    >>> top_persons(m).to_dict()
    {'乙': 2, '甲': 1}
    """
    counts = activity(counted(mentions))["name"].value_counts()
    order = sorted(counts.index, key=lambda name: (-counts[name], name))
    return counts.reindex(order).head(n).astype(int)


def _dated(articles: pd.DataFrame) -> pd.DataFrame:
    return articles[articles["issue_date"].fillna("").astype(str) != ""]


def mention_counts(mentions: pd.DataFrame, articles: pd.DataFrame, *, freq: str = "M", per: str = "raw",
                   kinds=None, by: str = "name", in_term: bool = True) -> pd.DataFrame:
    """Mentions per period (rows) and person (columns), binned by issue date.

    ``freq``: a period of :mod:`analysis.corpus.periods` (``"D"``, ``"W"``:
    weeks starting Monday, labelled by their Monday, ``"M"``, ``"Q"``,
    ``"Y"``); rows run from the first to the last period with a dated
    issue, every period in between included.  ``per``: ``"raw"`` counts,
    ``"article"`` (per article in the corpus that period) or ``"issue"``
    (per issue day).  A period with no issue in the corpus is NaN (a gap,
    not 0).  ``kinds``: which mention kinds count (default
    :func:`default_kinds`: coverage, plus ``title-only`` where its measured
    precision reaches :data:`TITLE_ONLY_MIN_PRECISION`; never ritual or
    doctrine).  ``in_term``: count only mentions inside a registered term of
    the person (default: the rule of the module docstring; see
    :func:`out_of_term`).  ``by``: the column that makes the columns
    (``"name"``, ``"kind"`` …).  Columns are sorted by total count
    (descending), then name; undated articles and mentions are left out.

    >>> articles = pd.DataFrame({"issue_date": ["2020-01-07", "2020-07-03"], "source": ["a.csv", "a.csv"]})
    >>> mentions = pd.DataFrame({"issue_date": ["2020-01-07"], "name": ["林国栋"], "kind": ["coverage"]})
    >>> table = mention_counts(mentions, articles, freq="Q")
    >>> list(table.index), table["林国栋"].tolist()
    (['2020Q1', '2020Q2', '2020Q3'], [1.0, nan, 0.0])
    """
    if per not in ("raw", "article", "issue"):
        raise ValueError(f"per must be raw, article or issue, not {per!r}")
    check_freq(freq)
    kinds = default_kinds() if kinds is None else kinds
    dated = _dated(articles)
    index = pd.Index(period_span(dated["issue_date"], freq), name="period")
    if not len(index):
        return pd.DataFrame(index=index, columns=pd.Index([], name=by), dtype=float)
    chosen = _in_term(mentions) if in_term else mentions
    chosen = chosen[chosen["kind"].isin(kinds)]
    if len(chosen):
        table = pd.crosstab(period_labels(chosen["issue_date"], freq).to_numpy(), chosen[by].to_numpy())
    else:
        table = pd.DataFrame(index=index[:0])
    table = table.reindex(index, fill_value=0).astype(float)

    def per_period(frame: pd.DataFrame) -> pd.Series:
        return period_labels(frame["issue_date"], freq).value_counts().reindex(index, fill_value=0)

    n_issues = per_period(dated.drop_duplicates(["issue_date", "source"]))
    if per == "article":
        table = table.div(per_period(dated).replace(0, np.nan), axis=0)
    elif per == "issue":
        table = table.div(per_period(dated.drop_duplicates("issue_date")).replace(0, np.nan), axis=0)
    table[n_issues.to_numpy() == 0] = np.nan  # no issue in the corpus: unknown, not zero
    order = sorted(table.columns, key=lambda c: (-np.nansum(table[c].to_numpy()), str(c)))
    table = table[order]
    table.index = index
    table.columns = pd.Index([str(c) for c in table.columns], name=by)
    return table


def prominence(mentions: pd.DataFrame, kinds=ACTIVITY_KINDS) -> pd.DataFrame:
    """Where on the page each person is named: counts by location.

    Counts the ``kinds`` mentions (own activity by default) inside a
    registered term of the person (:func:`counted`; mentions outside every
    term are listed by :func:`out_of_term`, not counted).  Columns:
    ``name``, ``headline``, ``subheadline``, ``lead``, ``body``, ``total``,
    ``articles`` (distinct articles), ``headline_share`` and ``lead_share``
    (of the total).  Sorted by total (descending), then name.

    >>> m = pd.DataFrame({"name": ["甲", "甲", "乙"], "kind": ["coverage"] * 3, "location": ["lead", "body", "lead"],
    ...                   "article_id": ["a", "b", "c"], "in_term": [True, True, False]})
    >>> prominence(m)[["name", "lead", "total", "lead_share"]].values.tolist()
    [['甲', 1, 2, 0.5]]
    """
    chosen = counted(mentions)
    chosen = chosen[chosen["kind"].isin(kinds)]
    table = pd.crosstab(chosen["name"], chosen["location"]).reindex(columns=list(LOCATIONS), fill_value=0)
    table["total"] = table.sum(axis=1)
    table["articles"] = chosen.groupby("name")["article_id"].nunique().reindex(table.index)
    table["headline_share"] = (table["headline"] + table["subheadline"]) / table["total"]
    table["lead_share"] = table["lead"] / table["total"]
    table = table.reset_index()
    table.columns.name = None
    return table.sort_values(["total", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)


#: Columns of :func:`page_prominence` (the build's ``prominence`` table).
PROMINENCE_COLUMNS = ["name", "period", "mentions", "articles", "front_page", "front_page_share", "headline",
                      "headline_share", "issues", "period_articles", "mentions_per_issue",
                      "mentions_per_100_articles", "front_basis"]
_PAGE_ONE = re.compile(r"^[Aa]?0*1$")


def front_page_articles(articles: pd.DataFrame) -> tuple[pd.Series, str]:
    """Which articles stand on the front page: ``(mask, basis)``.

    ``basis`` is ``"page 1"`` when most articles carry a page (``1``, ``01``, ``A1``, either width,
    are page one; B1, the front of section B, is not), else ``"first item"``: the first article of each issue in the table's order (a
    broadcast's lead item, a table without pages).

    >>> arts = pd.DataFrame({"issue_date": ["2024-01-01"] * 2 + ["2024-01-02"], "page": ["", "", ""]})
    >>> mask, basis = front_page_articles(arts)
    >>> mask.tolist(), basis
    ([True, False, True], 'first item')
    """
    page = articles["page"].fillna("").astype(str).str.strip().map(fold_width) if "page" in articles else None
    if page is not None and (page != "").mean() > 0.5:
        return page.str.fullmatch(_PAGE_ONE).fillna(False).astype(bool), "page 1"
    return ~articles["issue_date"].duplicated(), "first item"


def page_prominence(mentions: pd.DataFrame, articles: pd.DataFrame, freq: str = "Y",
                    kinds=ACTIVITY_KINDS) -> pd.DataFrame:
    """Prominence per person and period: front-page share, headline share, mentions per issue.

    One row per ``name`` × ``period`` (:func:`~analysis.corpus.periods.period_labels` of the article's
    issue date at ``freq``) of the ``kinds`` mentions (own activity by default) inside a registered
    term of the person (:func:`counted`, as the timelines count them): ``mentions``,
    ``articles`` (distinct), ``front_page`` (mentions in front-page articles, :func:`front_page_articles`)
    and ``front_page_share``, ``headline`` (headline or subheadline mentions) and ``headline_share``,
    ``issues`` and ``period_articles`` (every issue and article of the period, named or not), so
    ``mentions_per_issue`` and ``mentions_per_100_articles`` compare periods of different sizes;
    ``front_basis`` says what "front page" meant.  Sorted by period, mentions (descending), name.

    >>> arts = pd.DataFrame({"article_id": ["a", "b", "c"], "issue_date": ["2024-01-01", "2024-01-01", "2024-01-02"],
    ...                      "page": ["1", "2", "1"]})
    >>> ms = pd.DataFrame({"article_id": ["a", "b", "c"], "name": ["甲"] * 3, "kind": ["coverage"] * 3,
    ...                    "location": ["headline", "body", "body"]})
    >>> page_prominence(ms, arts)[["name", "period", "mentions", "front_page_share", "mentions_per_issue"]].values.tolist()
    [['甲', '2024', 3, 0.6667, 1.5]]
    """
    check_freq(freq)
    front, basis = front_page_articles(articles)
    info = pd.DataFrame({"article_id": articles["article_id"].astype(str), "issue_date": articles["issue_date"],
                         "front": front.to_numpy(), "period": period_labels(articles["issue_date"], freq)})
    sizes = info.groupby("period").agg(issues=("issue_date", "nunique"), period_articles=("article_id", "size"))
    chosen = counted(mentions)
    chosen = chosen[chosen["kind"].isin(kinds)][["article_id", "name", "location"]].astype({"article_id": str})
    chosen = chosen.merge(info, on="article_id", how="inner", validate="many_to_one")
    if chosen.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROMINENCE_COLUMNS})
    chosen["headline"] = chosen["location"].isin(["headline", "subheadline"])
    table = chosen.groupby(["name", "period"]).agg(
        mentions=("article_id", "size"), articles=("article_id", "nunique"),
        front_page=("front", "sum"), headline=("headline", "sum")).reset_index()
    table = table.join(sizes, on="period")
    table["front_page_share"] = (table["front_page"] / table["mentions"]).round(4)
    table["headline_share"] = (table["headline"] / table["mentions"]).round(4)
    table["mentions_per_issue"] = (table["mentions"] / table["issues"]).round(4)
    table["mentions_per_100_articles"] = (100 * table["mentions"] / table["period_articles"]).round(4)
    table["front_basis"] = basis
    table = table.astype({c: "int64" for c in ("mentions", "articles", "front_page", "headline", "issues",
                                                "period_articles")})
    table = table.sort_values(["period", "mentions", "name"], ascending=[True, False, True], kind="stable")
    return table[PROMINENCE_COLUMNS].reset_index(drop=True)


def title_timeline(mentions: pd.DataFrame) -> pd.DataFrame:
    """Titles as written, per person, with their first and last date.

    Columns: ``name``, ``title`` (the registry's post: ``丰台区委书记`` and
    ``区委书记`` are one), ``count``, ``first_date``, ``last_date``,
    ``written`` (the forms as printed, ``；``-joined).  Mentions without a
    title beside the name, and mentions outside the person's registered
    terms, are left out.  Sorted by name, first date, title.
    """
    titled = _in_term(mentions)
    titled = titled[titled["title"] != ""]
    raw = titled["title_raw"] if "title_raw" in titled.columns else titled["title"]
    titled = titled.assign(_raw=raw)
    table = titled.groupby(["name", "title"]).agg(
        count=("article_id", "size"), first_date=("date", "min"), last_date=("date", "max"),
        written=("_raw", lambda v: "；".join(sorted(set(v))))).reset_index()
    return table.sort_values(["name", "first_date", "title"], kind="stable").reset_index(drop=True)


def co_mentions(mentions: pd.DataFrame, kinds=ACTIVITY_KINDS + ("foreign",), unit: str = "article") -> pd.DataFrame:
    """Who appears with whom: pairs named in the same article (or sentence).

    Counts the ``kinds`` mentions inside a registered term of the person
    (:func:`counted`; foreign visitors always).  Columns: ``a``, ``b``
    (a < b), ``count`` (articles or sentences naming both), ``first_date``,
    ``last_date``.  Sorted by count (descending), a, b.

    >>> m = pd.DataFrame({"article_id": ["a", "a", "a"], "name": ["甲", "乙", "丙"], "kind": ["coverage"] * 3,
    ...                   "date": ["2024-01-01"] * 3, "in_term": [True, True, False]})
    >>> co_mentions(m)[["a", "b", "count"]].values.tolist()
    [['乙', '甲', 1]]
    """
    chosen = counted(mentions)
    chosen = chosen[chosen["kind"].isin(kinds)]
    keys = ["article_id"] if unit == "article" else ["article_id", "location", "sentence"]
    # Pairs by a self-join on the article (or sentence), not a loop over its groups (8,000 articles of
    # the development corpus: 2 of the leaders chapter's 9 seconds).  A unit's date is its first row's;
    # a unit with a missing key is left out, as grouping leaves it out.
    chosen = chosen.dropna(subset=keys).reset_index(drop=True)
    first = ~chosen.duplicated(subset=keys, keep="first")
    dates = chosen.loc[first, keys + ["date"]]
    names = chosen[keys + ["name"]].drop_duplicates()
    pairs = names.merge(names, on=keys, suffixes=("_a", "_b"))
    pairs = pairs[pairs["name_a"] < pairs["name_b"]].merge(dates, on=keys, how="left")
    frame = pd.DataFrame({"a": pairs["name_a"].to_numpy(), "b": pairs["name_b"].to_numpy(),
                          "date": pairs["date"].to_numpy()})
    table = frame.groupby(["a", "b"]).agg(count=("date", "size"), first_date=("date", "min"),
                                          last_date=("date", "max")).reset_index()
    return table.sort_values(["count", "a", "b"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


def kind_series(mentions: pd.DataFrame, articles: pd.DataFrame, *, freq: str = "M", level: str = "national",
                per: str = "issue") -> pd.DataFrame:
    """Mentions of one level's leaders per period, one column per kind.

    With ``level="national"`` this is the citation ritual of the national
    leadership (``ritual`` and ``doctrine``) kept apart from ``coverage``.
    Same periods, normalisation and gaps as :func:`mention_counts`; columns
    are :data:`analysis.perarticle.mentions.KINDS`, so ``title-only`` is always its own
    series here.  Only mentions inside a registered term count (``level``
    is '' outside one).
    """
    chosen = _in_term(mentions)
    chosen = chosen[chosen["level"] == level]
    table = mention_counts(chosen, articles, freq=freq, per=per, kinds=KINDS, by="kind")
    table = table.reindex(columns=list(KINDS), fill_value=0.0)
    table[issue_gaps(articles, freq).to_numpy()] = np.nan
    table.columns.name = "kind"
    return table


def title_only_series(mentions: pd.DataFrame, articles: pd.DataFrame, *, freq: str = "M",
                      per: str = "raw") -> pd.DataFrame:
    """Bare-title mentions per period and person: the separate series shown when
    :func:`title_only_counts` is False (same binning and gaps as :func:`mention_counts`)."""
    return mention_counts(mentions, articles, freq=freq, per=per, kinds=("title-only",))


def issue_gaps(articles: pd.DataFrame, freq: str = "M") -> pd.Series:
    """Per period of :func:`mention_counts` (indexed by its label): True where the corpus has no issue.

    >>> issue_gaps(pd.DataFrame({"issue_date": ["2020-01-07", "2020-01-10"]}), "D").tolist()
    [False, True, True, False]
    """
    dated = _dated(articles)
    index = pd.Index(period_span(dated["issue_date"], freq), name="period")
    present = set(period_labels(dated["issue_date"], freq))
    return pd.Series([label not in present for label in index], index=index, dtype=bool)


def busiest_period(counts: pd.DataFrame, name: str) -> str:
    """The period label of a :func:`mention_counts` table in which ``name`` has the most mentions
    ('' when none)."""
    if name not in counts.columns or not np.nansum(counts[name].to_numpy(dtype=float)):
        return ""
    return str(counts[name].fillna(0).idxmax())


def protocol_sequences(mentions: pd.DataFrame) -> pd.DataFrame:
    """Roll calls: enumerations naming two or more persons, in printed order.

    Read from the ``enumeration`` and ``list_order`` columns (see
    :mod:`analysis.leaders.protocol`: names in one ``、``-separated list, or a
    titled roll call), not from every sentence that names two persons.
    Columns: ``date``, ``article_id``, ``location``, ``sentence``, ``n``,
    ``sequence`` (names joined by `` > ``), ``titles``.  Sorted by date,
    article, location, sentence.
    """
    check_mentions(mentions)
    chosen = mentions[mentions["enumeration"] > 0]
    # Each list's rows together (lists in order of first appearance), in printed order: one sort of the
    # whole table instead of a sort per list (on the development corpus's 46,451 mentions: 0.85 → 0.03 s).
    group = chosen.groupby(["article_id", "location", "enumeration"], sort=False).ngroup().to_numpy()
    order = np.lexsort((chosen["list_order"].to_numpy(), group))
    group = group[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(group)])
    names = chosen["name"].to_numpy(dtype=object)[order].tolist()
    titles = [t or "—" for t in chosen["title"].to_numpy(dtype=object)[order].tolist()]
    lists = [(a, n) for a, n in zip(starts.tolist(), sizes.tolist()) if n >= 2]
    if not lists:
        return pd.DataFrame([], columns=["date", "article_id", "location", "sentence", "n", "sequence", "titles"])
    first = np.asarray([a for a, _ in lists], dtype=np.int64)
    rows = order[first]
    frame = pd.DataFrame({
        "date": chosen["date"].to_numpy(dtype=object)[rows],
        "article_id": chosen["article_id"].to_numpy(dtype=object)[rows],
        "location": chosen["location"].to_numpy(dtype=object)[rows],
        "sentence": chosen["sentence"].to_numpy()[rows].astype(np.int64),
        "n": np.asarray([n for _, n in lists], dtype=np.int64),
        "sequence": [" > ".join(names[a : a + n]) for a, n in lists],
        "titles": [" > ".join(titles[a : a + n]) for a, n in lists],
    }, columns=["date", "article_id", "location", "sentence", "n", "sequence", "titles"])
    rank = frame["location"].map({loc: i for i, loc in enumerate(LOCATIONS)})
    return (frame.assign(_r=rank).sort_values(["date", "article_id", "_r", "sentence"], kind="stable")
            .drop(columns="_r").reset_index(drop=True))


def order_changes(mentions: pd.DataFrame, **options) -> pd.DataFrame:
    """For each pair listed together in an enumeration: who came first, how often, and whether that changed.

    The table of :func:`analysis.leaders.protocol.protocol_order` (``options``:
    its ``min_lists``, ``min_share``) in the columns the book reads: ``a``,
    ``b`` (a < b), ``a_first``, ``b_first``, ``first_date``, ``last_date``,
    ``changed`` (the majority order flips between two periods with enough
    lists in each; both orders occurring is not enough), then ``lists``,
    ``changed_on``, ``first_before``, ``first_after``.  Sorted by changed
    (True first), a, b.
    """
    table = protocol_order(mentions, **options)
    columns = ["a", "b", "a_first", "b_first", "first_date", "last_date", "changed", "lists", "changed_on",
               "first_before", "first_after"]
    return table[columns].sort_values(["changed", "a", "b"], ascending=[False, True, True],
                                      kind="stable").reset_index(drop=True)


TRACE_COLUMNS = ["article_id", "headline", "date", "issue_date", "source", "line", "location", "name", "title",
                 "kind", "context"]


def trace(mentions: pd.DataFrame, articles: pd.DataFrame, *, name: str | None = None, kind=None,
          location: str | None = None, period: str | None = None, freq: str = "M",
          in_term: bool = False) -> pd.DataFrame:
    """The lines behind a count: the mentions matching the filters, with article and source line.

    ``kind``: one kind or a collection of kinds.  ``period`` is a label of
    :func:`mention_counts` binned by ``freq`` (``"2024-12"`` for a month,
    the Monday ``"2024-11-25"`` for a week, ``"2024Q4"`` …); ``in_term``:
    only mentions inside a registered term, as :func:`mention_counts`
    counts them, so that ``trace(…, name=n, kind=kinds, period=p, freq=f,
    in_term=True)`` lists exactly the mentions of one cell of
    ``mention_counts(…, freq=f, kinds=kinds)``.  Columns:
    :data:`TRACE_COLUMNS`, in the mentions table's order.

    >>> from analysis.corpus import load_articles
    >>> from analysis.perarticle.mentions import leader_mentions
    >>> a = load_articles()
    >>> trace(leader_mentions(a), a, name="高峰")["line"].tolist()
    [115, 204, 210]
    """
    chosen = _in_term(mentions) if in_term else mentions
    if name is not None:
        chosen = chosen[chosen["name"] == name]
    if kind is not None:
        chosen = chosen[chosen["kind"].isin([kind] if isinstance(kind, str) else list(kind))]
    if location is not None:
        chosen = chosen[chosen["location"] == location]
    if period is not None:
        chosen = chosen[(period_labels(chosen["issue_date"], freq) == period).to_numpy(dtype=bool)]
    headlines = articles.set_index("article_id")["headline"]
    out = chosen.assign(headline=chosen["article_id"].map(headlines).fillna(""))
    return out[TRACE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- posts and titles

def _collective(holders: pd.DataFrame) -> bool:
    """Whether two different persons of ``holders`` (registry rows of one title) hold it on a common day."""
    spans = [(str(r.start) or "0000-00-00", str(r.end) or "9999-12-31", r.name) for r in holders.itertuples()]
    return any(a[2] != b[2] and a[0] < b[1] and b[0] < a[1] for i, a in enumerate(spans) for b in spans[i + 1:])


def successions(registry: pd.DataFrame, mentions: pd.DataFrame, *, start: str = "", end: str = "") -> pd.DataFrame:
    """Posts that pass from one person to another in the registry, with what the paper shows.

    Columns: ``title``, ``before``, ``after``, ``date`` (the successor's
    start), ``last_before`` (last mention of the predecessor with that title
    printed, '' if none), ``first_after`` (first such mention of the
    successor).  A title two persons ever hold at once (several 副区长, the
    members of the Politburo Standing Committee) is a seat in a body, not a
    post handed on: it has no successions.  ``start``, ``end`` (ISO dates, '' for open): keep only
    the successions dated within them, e.g. the corpus's first and last
    issue date (a registry of the national leadership reaches back decades).
    Sorted by date, title.

    >>> reg = pd.DataFrame({"name": ["林国栋", "周卫民"], "title": ["区委书记"] * 2,
    ...                     "start": ["2019-01-01", "2021-07-01"], "end": ["2021-06-30", ""]})
    >>> none = pd.DataFrame(columns=["name", "title", "date"])
    >>> successions(reg, none)[["before", "after", "date"]].values.tolist()
    [['林国栋', '周卫民', '2021-07-01']]
    >>> len(successions(reg, none, start="2022-01-01")), len(successions(reg, none, end="2021-07-01"))
    (0, 1)
    >>> body = pd.DataFrame({"name": ["甲", "乙", "丙"], "title": ["常委"] * 3,
    ...                      "start": ["2017-10-25", "2012-11-15", "2022-10-23"], "end": ["2022-10-23", "", ""]})
    >>> len(successions(body, none))
    0
    """
    rows = []
    titled = mentions[mentions["title"].fillna("").astype(str) != ""] if len(mentions) else mentions
    for title, group in registry.groupby("title", sort=True):
        if not str(title) or _collective(group):
            continue
        group = group.sort_values("start", kind="stable")
        for prev, nxt in zip(group.itertuples(), list(group.itertuples())[1:]):
            if prev.name == nxt.name or not str(prev.end) or not str(nxt.start) or str(nxt.start) < str(prev.end):
                continue  # concurrent holders are not a succession
            before = titled[(titled["name"] == prev.name) & titled["title"].astype(str).str.endswith(str(title))]
            after = titled[(titled["name"] == nxt.name) & titled["title"].astype(str).str.endswith(str(title))]
            rows.append({"title": title, "before": prev.name, "after": nxt.name, "date": str(nxt.start),
                         "last_before": str(before["date"].max()) if len(before) else "",
                         "first_after": str(after["date"].min()) if len(after) else ""})
    frame = pd.DataFrame(rows, columns=["title", "before", "after", "date", "last_before", "first_after"])
    within = pd.Series(True, index=frame.index, dtype=bool)
    if start:
        within &= frame["date"] >= str(start)
    if end:
        within &= frame["date"] <= str(end)
    return frame[within].sort_values(["date", "title"], kind="stable").reset_index(drop=True)


def title_changes(titles: pd.DataFrame) -> pd.DataFrame:
    """Persons printed with two or more titles, from :func:`title_timeline`'s table.

    Columns: ``name``, ``n_titles``, ``mentions`` (with any of those
    titles), ``changed`` (a title first printed after every earlier one had
    last been printed: a change of title, not two posts or forms of one post
    printed side by side) and ``sequence``: the titles by first date, each
    with its first and last date, joined by `` → `` where the next one starts
    after every earlier one has stopped and by ``；`` where they overlap (a
    national leader's 总书记, 国家主席 and 中央军委主席 are printed over the
    same years: a list, not a succession).  Sorted by mentions (descending),
    then name.

    >>> t = pd.DataFrame({"name": ["甲"] * 3, "title": ["副书记", "书记", "主任"], "count": [2, 3, 1],
    ...                   "first_date": ["2021-01-05", "2021-08-01", "2021-09-01"],
    ...                   "last_date": ["2021-06-30", "2022-01-01", "2021-09-01"]})
    >>> title_changes(t)[["changed", "sequence"]].values.tolist()
    [[True, '副书记 (2021-01-05–2021-06-30) → 书记 (2021-08-01–2022-01-01)；主任 (2021-09-01–2021-09-01)']]
    """
    rows = []
    for name, group in titles.groupby("name", sort=True):
        if len(group) < 2:
            continue
        group = group.sort_values(["first_date", "title"], kind="stable")
        parts: list[str] = []
        latest = ""  # the last date of every title so far
        for r in group.itertuples():
            if parts:
                parts.append(" → " if str(r.first_date) > latest else "；")
            parts.append(f"{r.title} ({r.first_date}–{r.last_date})")
            latest = max(latest, str(r.last_date))
        rows.append({"name": name, "n_titles": len(group), "mentions": int(group["count"].sum()),
                     "changed": " → " in parts, "sequence": "".join(parts)})
    frame = pd.DataFrame(rows, columns=["name", "n_titles", "mentions", "changed", "sequence"]).astype({"changed": bool})
    return frame.sort_values(["mentions", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)
