"""The comparison tables of a collection: coverage, leaders, 提法 diffusion, distinctive vocabulary.

Every function takes the papers' own tables stacked with a ``paper`` column
(what :func:`analysis.collection.build` reads from each paper's build) and
returns one table, sorted by stable keys so that two runs write identical
files.  Nothing here re-reads a corpus: each paper was built on its own, with
its own facts and cache.

* :func:`coverage` -- issues, articles per issue and the share of each
  source (本报 / 新华社 / other / none, the ``source_agency`` of the articles
  table, from datelines and credits) per paper and period;
* :func:`leader_comparison` -- mentions per 1,000 articles and the share on
  the front page (page 1; for a paper without pages, the first item of the
  issue) per paper and leader, counted only on the dates every paper covers;
* :func:`diffusion` -- the first use of each phrase per paper and its lag
  behind the first paper; a first use on the paper's first covered date is
  **left-censored** (the paper may have used it before its coverage starts:
  the lag is unknown, not zero); a paper that never uses a phrase is listed
  (``never``), or ``not covered`` when its coverage ended before anyone used it;
* :func:`adoption` -- articles using each phrase per paper and period, and
  the cumulative count (the adoption curves);
* :func:`paper_keyness` -- each paper's terms against the other papers' (the
  aggregate stage's keyness, with dispersion).

>>> import pandas as pd
>>> arts = pd.DataFrame({"paper": ["甲", "甲", "乙", "乙"], "article_id": ["a", "b", "c", "d"],
...                      "issue_date": ["2024-01-01", "2024-01-05", "2024-01-03", "2024-01-04"],
...                      "text": ["新提法甲", "新提法", "无", "新提法"]})
>>> diffusion(arts, ["新提法"])[["paper", "first_date", "lag_days", "status"]].values.tolist()
[['甲', '2024-01-01', <NA>, 'first (left-censored)'], ['乙', '2024-01-04', 3, 'adopted']]
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.aggregate.frequency import keyness_from_counts
from analysis.corpus.periods import period_labels
from analysis.leaders.tables import front_page_articles

#: Source groups of the coverage table, in column order (``source_agency`` values).
SOURCES = ("本报", "新华社", "other", "none")
#: Statuses of a (phrase, paper) row of :func:`diffusion`.
STATUSES = ("first", "adopted", "left-censored", "first (left-censored)", "never", "not covered")


def _front(articles: pd.DataFrame) -> pd.Series:
    """Whether each article is on the front page, paper by paper, by the leader chapter's rule
    (:func:`analysis.leaders.tables.front_page_articles`: page 1 (``1``, ``01``, ``A1``) when the paper
    gives pages, else the first item of its issue in the articles table's order)."""
    front = pd.Series(False, index=articles.index)
    for _, group in articles.groupby("paper", sort=True):
        mask, _ = front_page_articles(group)
        front.loc[group.index] = mask.to_numpy()
    return front


def papers_table(infos: list[dict], slugs: list[str], articles: pd.DataFrame) -> pd.DataFrame:
    """One row per paper: ``paper, slug, corpus, n_articles, n_issues, first_date, last_date``."""
    rows = []
    for info, slug in zip(infos, slugs):
        mine = articles[articles["paper"] == info["paper"]]
        dates = mine["issue_date"][mine["issue_date"] != ""]
        rows.append({"paper": info["paper"], "slug": slug, "corpus": info["corpus"],
                     "n_articles": int(len(mine)), "n_issues": int(dates.nunique()),
                     "first_date": str(dates.min()) if len(dates) else "",
                     "last_date": str(dates.max()) if len(dates) else ""})
    return pd.DataFrame(rows)


def common_dates(articles: pd.DataFrame) -> list[str]:
    """The issue dates every paper of ``articles`` covers, in order."""
    sets = [set(g["issue_date"][g["issue_date"] != ""]) for _, g in articles.groupby("paper", sort=True)]
    return sorted(set.intersection(*sets)) if sets else []


def coverage(articles: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Issues, articles per issue and source shares per paper and period (``freq``; period ``all``: the whole
    coverage).

    Columns: ``paper, period, n_issues, n_articles, articles_per_issue``, then
    ``n_<source>`` and ``share_<source>`` for each of :data:`SOURCES`.
    Sorted by paper, then period (``all`` last).
    """
    frame = articles[["paper", "issue_date", "source_agency"]].copy()
    frame["period"] = period_labels(frame["issue_date"], freq).to_numpy()
    whole = frame.assign(period="all")
    rows = []
    for (paper, period), group in pd.concat([frame, whole]).groupby(["paper", "period"], sort=True):
        n = len(group)
        issues = group["issue_date"][group["issue_date"] != ""].nunique()
        row = {"paper": paper, "period": period, "n_issues": int(issues), "n_articles": int(n),
               "articles_per_issue": n / issues if issues else float("nan")}
        agency = group["source_agency"].where(group["source_agency"].isin(SOURCES[:3]), "none")
        for source in SOURCES:
            count = int((agency == source).sum())
            row[f"n_{source}"] = count
            row[f"share_{source}"] = count / n if n else 0.0
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["_last"] = table["period"] == "all"
    table = table.sort_values(["paper", "_last", "period"], kind="mergesort").drop(columns="_last")
    return table.reset_index(drop=True)


def leader_comparison(mentions: pd.DataFrame, articles: pd.DataFrame, *, dates: list[str] | None = None,
                      kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Mentions per 1,000 articles and front-page share per paper and leader, on ``dates``
    (default: :func:`common_dates`, the dates every paper covers).

    ``mentions``: the papers' mentions tables stacked (``paper, article_id, name, kind``);
    ``kinds``: only these kinds of mention (None: all).  Columns: ``paper, name,
    n_mentions, n_articles_mentioning, n_articles`` (the paper's articles on those
    dates), ``per_1000_articles`` (mentions), ``n_front`` (mentioning articles on
    the front page or lead item), ``front_share`` (of the mentioning articles),
    ``n_dates``.  A row ``name = "(all)"`` per paper sums every leader.  Sorted by
    paper, then mentions (descending), then name.
    """
    dates = common_dates(articles) if dates is None else list(dates)
    arts = articles.assign(front=_front(articles))
    arts = arts[arts["issue_date"].isin(dates)]
    m = mentions if kinds is None else mentions[mentions["kind"].isin(kinds)]
    m = m.merge(arts[["paper", "article_id", "front"]], on=["paper", "article_id"], how="inner")
    rows = []
    for paper in sorted(articles["paper"].unique()):
        n_arts = int((arts["paper"] == paper).sum())
        mine = m[m["paper"] == paper]
        groups = [("(all)", mine)] + [(name, g) for name, g in mine.groupby("name", sort=True)]
        for name, g in groups:
            hit = g.drop_duplicates("article_id")
            rows.append({"paper": paper, "name": name, "n_mentions": int(len(g)),
                         "n_articles_mentioning": int(len(hit)), "n_articles": n_arts,
                         "per_1000_articles": 1000 * len(g) / n_arts if n_arts else float("nan"),
                         "n_front": int(hit["front"].sum()),
                         "front_share": float(hit["front"].mean()) if len(hit) else float("nan"),
                         "n_dates": len(dates)})
    table = pd.DataFrame(rows, columns=["paper", "name", "n_mentions", "n_articles_mentioning", "n_articles",
                                        "per_1000_articles", "n_front", "front_share", "n_dates"])
    table["_all"] = table["name"] != "(all)"
    table = table.sort_values(["paper", "_all", "n_mentions", "name"], ascending=[True, True, False, True],
                              kind="mergesort").drop(columns="_all")
    return table.reset_index(drop=True)


def phrase_hits(articles: pd.DataFrame, phrases) -> pd.DataFrame:
    """Which articles use which phrase: ``paper, article_id, issue_date, phrase`` (one row per article and
    phrase; exact substring of headline or text), by one Aho-Corasick pass over the texts
    (:class:`analysis.automaton.PhraseAutomaton`)."""
    from analysis.automaton import PhraseAutomaton

    phrases = sorted({str(p) for p in phrases if str(p).strip()})
    automaton = PhraseAutomaton(phrases)
    rows = []
    if phrases:
        heads = articles["headline"] if "headline" in articles.columns else pd.Series("", index=articles.index)
        for paper, article_id, date, head, text in zip(articles["paper"], articles["article_id"],
                                                       articles["issue_date"], heads, articles["text"]):
            seen = {k for _, _, k in automaton.find(f"{head}\n{text}")}
            rows.extend((paper, article_id, date, phrases[k]) for k in sorted(seen))
    return pd.DataFrame(rows, columns=["paper", "article_id", "issue_date", "phrase"])


def diffusion(articles: pd.DataFrame, phrases, hits: pd.DataFrame | None = None) -> pd.DataFrame:
    """First use of each phrase per paper, its lag behind the first paper, and whether it is censored.

    One row per phrase and paper.  Columns: ``phrase, paper, first_date``
    (``""`` when never), ``first_article_id``, ``n_articles`` (articles
    using it), ``paper_first_date``/``paper_last_date`` (the paper's
    coverage), ``lead_paper`` (the earliest user; ties: every tied paper is
    ``first``), ``lead_date``, ``lag_days`` (days after ``lead_date``;
    missing when censored or never), ``left_censored`` (first use on the
    paper's first covered date: it may have used it before), ``status``
    (:data:`STATUSES`: ``first``; ``adopted``; ``left-censored``;
    ``first (left-censored)``; ``never`` (covered the dates after the lead
    and never used it); ``not covered`` (coverage ended before the lead
    date)).  Phrases no paper uses are left out.  Sorted by lead date,
    phrase, then first date and paper.
    """
    hits = phrase_hits(articles, phrases) if hits is None else hits
    dated = articles[articles["issue_date"] != ""]
    spans = dated.groupby("paper")["issue_date"].agg(["min", "max"])
    rows = []
    for phrase, group in hits[hits["issue_date"] != ""].groupby("phrase", sort=True):
        group = group.sort_values(["issue_date", "article_id"], kind="mergesort")
        firsts = group.drop_duplicates("paper").set_index("paper")
        lead_date = str(group["issue_date"].iloc[0])
        leads = sorted(firsts.index[firsts["issue_date"] == lead_date])
        counts = group.groupby("paper")["article_id"].nunique()
        for paper in sorted(spans.index):
            start, end = str(spans.loc[paper, "min"]), str(spans.loc[paper, "max"])
            row = {"phrase": phrase, "paper": paper, "first_date": "", "first_article_id": "",
                   "n_articles": int(counts.get(paper, 0)), "paper_first_date": start, "paper_last_date": end,
                   "lead_paper": ";".join(leads), "lead_date": lead_date, "lag_days": pd.NA,
                   "left_censored": False}
            if paper in firsts.index:
                first = str(firsts.loc[paper, "issue_date"])
                censored = first == start
                row.update(first_date=first, first_article_id=str(firsts.loc[paper, "article_id"]),
                           left_censored=censored)
                if paper in leads:
                    row["status"] = "first (left-censored)" if censored else "first"
                    row["lag_days"] = pd.NA if censored else 0
                elif censored:
                    row["status"] = "left-censored"
                else:
                    row["status"] = "adopted"
                    row["lag_days"] = (pd.Timestamp(first) - pd.Timestamp(lead_date)).days
            else:
                row["status"] = "never" if end >= lead_date else "not covered"
            rows.append(row)
    columns = ["phrase", "paper", "first_date", "first_article_id", "n_articles", "paper_first_date",
               "paper_last_date", "lead_paper", "lead_date", "lag_days", "left_censored", "status"]
    table = pd.DataFrame(rows, columns=columns)
    table["lag_days"] = table["lag_days"].astype("Int64")
    table["left_censored"] = table["left_censored"].astype(bool)
    table["_never"] = table["first_date"] == ""
    table = table.sort_values(["lead_date", "phrase", "_never", "first_date", "paper"], kind="mergesort")
    return table.drop(columns="_never").reset_index(drop=True)


def adoption(articles: pd.DataFrame, hits: pd.DataFrame, phrases, freq: str = "M") -> pd.DataFrame:
    """Adoption curves: per phrase (of ``phrases``), paper and period, the articles using it
    (``n_articles``), the paper's articles (``n_total``), their ratio per 1,000 (``per_1000``) and the
    cumulative count (``cumulative``).  Every period of each paper's coverage is listed (zeros
    included).  Sorted by phrase, paper, period."""
    dated = articles[articles["issue_date"] != ""][["paper", "issue_date"]]
    totals = (dated.assign(period=period_labels(dated["issue_date"], freq).to_numpy())
              .groupby(["paper", "period"]).size().rename("n_total").reset_index())
    use = hits[hits["phrase"].isin(list(phrases)) & (hits["issue_date"] != "")]
    use = use.assign(period=period_labels(use["issue_date"], freq).to_numpy())
    counts = use.groupby(["phrase", "paper", "period"])["article_id"].nunique().rename("n_articles")
    frames = []
    for phrase in sorted(set(phrases)):
        grid = totals.assign(phrase=phrase)
        frames.append(grid)
    if not frames:
        return pd.DataFrame(columns=["phrase", "paper", "period", "n_articles", "n_total", "per_1000", "cumulative"])
    table = pd.concat(frames).merge(counts.reset_index(), on=["phrase", "paper", "period"], how="left")
    table["n_articles"] = table["n_articles"].fillna(0).astype("int64")
    table = table.sort_values(["phrase", "paper", "period"], kind="mergesort").reset_index(drop=True)
    table["per_1000"] = 1000 * table["n_articles"] / table["n_total"]
    table["cumulative"] = table.groupby(["phrase", "paper"])["n_articles"].cumsum()
    return table[["phrase", "paper", "period", "n_articles", "n_total", "per_1000", "cumulative"]]


_HAN = re.compile(r"[\u3400-\u9fff]")


def candidate_phrases(formulations: pd.DataFrame, extra=(), top: int = 300) -> list[str]:
    """The phrases whose diffusion is traced: each paper's top ``top`` formulations (``formulation`` and
    ``numbered`` kinds, by score) plus ``extra`` (the collection's and the corpora's glossary phrases),
    of at least three characters with a Han character; sorted."""
    chosen = set(str(p) for p in extra)
    if len(formulations):
        f = formulations[formulations["kind"].isin(["formulation", "numbered"])]
        f = f.sort_values(["paper", "score", "formulation"], ascending=[True, False, True], kind="mergesort")
        chosen |= set(f.groupby("paper").head(top)["formulation"])
    return sorted(p for p in chosen if len(p) >= 3 and _HAN.search(p))


def paper_keyness(counts: pd.DataFrame, sizes: pd.DataFrame, *, min_count: int = 5, top: int = 50) -> pd.DataFrame:
    """Each paper's distinctive terms against all the other papers together, with dispersion.

    ``counts``: ``paper, article_id, term, count`` (the papers' ``term_counts``
    datasets stacked); ``sizes``: ``paper, article_id, n_tokens``.  Uses
    :func:`analysis.aggregate.frequency.keyness_from_counts` (log-likelihood
    G², log ratio, and the dispersion of the term over the paper's articles:
    ``n_articles``, ``dp``, ``top_article_share``, ``one_article``); keeps each
    paper's ``top`` terms key for it.  Columns: ``paper`` then the keyness
    columns.  Sorted by paper, then G² descending, then term.
    """
    key = pd.Series(sizes["paper"].astype(str) + "\x1f" + sizes["article_id"].astype(str))
    sized = pd.DataFrame({"key": key.to_numpy(), "n_tokens": sizes["n_tokens"].to_numpy()})
    counted = pd.DataFrame({"key": (counts["paper"].astype(str) + "\x1f" + counts["article_id"].astype(str)).to_numpy(),
                            "term": counts["term"].to_numpy(), "count": counts["count"].to_numpy()})
    frames = []
    for paper in sorted(sizes["paper"].unique()):
        target = (sizes["paper"] == paper).to_numpy()
        if target.all() or not target.any():
            continue
        table = keyness_from_counts(counted, sized, target, min_count=min_count, key="key")
        table = table[table["key_for"] == "target"].head(top)
        frames.append(table.assign(paper=paper))
    if not frames:
        return pd.DataFrame(columns=["paper", "term"])
    table = pd.concat(frames, ignore_index=True)
    columns = ["paper"] + [c for c in table.columns if c != "paper"]
    return table[columns].reset_index(drop=True)


def front_flags(articles: pd.DataFrame) -> np.ndarray:
    """:func:`_front` as an array (for the chapter)."""
    return _front(articles).to_numpy()
