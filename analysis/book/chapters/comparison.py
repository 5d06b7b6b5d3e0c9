"""The comparison chapter (several papers): what it says, computed from the collection's tables.

Every function takes tables of a built collection (:class:`analysis.collection.CollectionTables`:
``papers``, ``coverage``, ``leader_comparison``, ``diffusion``, ``adoption``, ``reprints``,
``reprint_shares``, ``keyness``) and returns Markdown (:class:`analysis.book.chapters.say`) or
picks what to show; nothing here counts.

>>> papers = pd.DataFrame({"paper": ["甲", "乙"], "n_articles": [10, 5], "n_issues": [5, 5],
...                        "first_date": ["2024-01-01", "2024-01-03"], "last_date": ["2024-01-09", "2024-01-09"]})
>>> print(intro_sentence(papers, ["2024-01-03", "2024-01-05"]))
This collection holds **2 papers**: *甲* (10 articles in 5 issues, 2024-01-01 to 2024-01-09) and *乙* (5 articles in 5 issues, 2024-01-03 to 2024-01-09). Both cover **2** dates.
"""
from __future__ import annotations


import pandas as pd

from analysis.book.escape import md

from . import join_and, kernel_publishing, number, percent, say

#: How a diffusion status reads in the chapter's table.
STATUS_WORDS = {"first": "first", "adopted": "+{lag} d", "left-censored": "left-censored",
                "first (left-censored)": "first, left-censored", "never": "never", "not covered": "not covered"}


def publish_downloads() -> None:
    """In a kernel building the book: write the chapter's figures (SVG, PNG) and full tables for download,
    under the ``excerpts`` policy whatever the papers declare (a collection mixes papers whose licences
    differ, so the comparison shows no running text)."""
    kernel_publishing("excerpts")


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first} to {last}"


def intro_sentence(papers: pd.DataFrame, common: list[str]) -> say:
    """Which papers, how large, over which dates, and how many dates they share."""
    parts = [f"*{md(r.paper)}* ({number(int(r.n_articles))} articles in {number(int(r.n_issues))} issues, "
             f"{_span(r.first_date, r.last_date)})" for r in papers.itertuples()]
    every = "Both cover" if len(papers) == 2 else "All of them cover"
    shared = (f" {every} **{number(len(common))}** dates." if common else
              " No date is covered by every paper, so the leader comparison below has nothing to count.")
    return say(f"This collection holds **{number(len(papers))} papers**: {join_and(parts)}.{shared}")


def coverage_sentence(coverage: pd.DataFrame) -> say:
    """Articles per issue and the source mix of each paper, over its whole coverage."""
    whole = coverage[coverage["period"] == "all"]
    if whole.empty:
        return say("No article is dated: there is no coverage to compare.")
    parts = [f"*{md(r.paper)}* prints {r.articles_per_issue:.1f} articles per issue, "
             f"{percent(r.share_本报)} credited to itself (本报), {percent(r.share_新华社)} to Xinhua (新华社), "
             f"{percent(r.share_other)} to another agency and {percent(r.share_none)} with no credit"
             for r in whole.itertuples()]
    most = whole.sort_values(["share_新华社", "paper"], ascending=[False, True]).iloc[0]
    return say("; ".join(parts) + f". The paper that relies most on Xinhua copy is *{md(most['paper'])}* "
               f"({percent(most['share_新华社'])} of its articles). Credits come from each article's dateline or opening "
               "(本报讯, 新华社…电, 据新华社…); an article table without datelines (a broadcast transcript) has "
               "none, so its articles count as uncredited.")


def top_leaders(table: pd.DataFrame, n: int = 8) -> list[str]:
    """The leaders most mentioned across the papers (on the common dates), at most ``n``."""
    named = table[table["name"] != "(all)"]
    if named.empty:
        return []
    totals = named.groupby("name")["n_mentions"].sum()
    return sorted(totals.index, key=lambda name: (-int(totals[name]), name))[:n]


def leaders_sentence(table: pd.DataFrame) -> say:
    """Mentions per 1,000 articles and front-page share per paper, on the common dates."""
    if table.empty or int(table["n_dates"].max()) == 0:
        return say("The papers share no date, so their leader coverage is not compared here (a comparison on "
                   "different dates would compare the news, not the papers).")
    every = table[table["name"] == "(all)"]
    parts = []
    for r in every.itertuples():
        if r.n_mentions == 0:
            parts.append(f"*{md(r.paper)}* names no registered leader on those dates "
                         "(a paper without a registry of its own has no mention to count)")
        else:
            parts.append(f"*{md(r.paper)}* has {r.per_1000_articles:,.0f} mentions per 1,000 articles, "
                         f"{percent(r.front_share)} of the articles naming a leader on its front page or as its lead item")
    return say(f"On the **{number(int(table['n_dates'].iloc[0]))}** dates every paper covers: " + "; ".join(parts)
               + ". The front page is page 1 where a paper gives pages, else the first item of the issue.")


def leader_table(table: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Side by side: one row per leader of ``names``, per paper its rate per 1,000 articles and front share."""
    rows = []
    for name in names:
        row = {"name": name}
        for paper in sorted(table["paper"].unique()):
            hit = table[(table["paper"] == paper) & (table["name"] == name)]
            row[f"{paper} per 1,000"] = round(float(hit["per_1000_articles"].iloc[0]), 1) if len(hit) else 0.0
            row[f"{paper} front"] = percent(float(hit["front_share"].iloc[0])) if len(hit) else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def diffusion_view(diffusion: pd.DataFrame, phrases: list[str] | None = None, top: int = 25) -> pd.DataFrame:
    """The diffusion table as the chapter shows it: one row per phrase used by at least two papers (or in
    ``phrases``), the lead paper and date, and per paper its first use with the lag, ``left-censored`` or
    ``never``.  Sorted by lead date, then phrase; at most ``top`` rows besides ``phrases``."""
    if diffusion.empty:
        return pd.DataFrame(columns=["phrase", "lead", "lead_date"])
    users = diffusion[diffusion["first_date"] != ""].groupby("phrase")["paper"].nunique()
    wanted = set(phrases or ()) & set(diffusion["phrase"])
    shared = [p for p in dict.fromkeys(diffusion["phrase"]) if users.get(p, 0) >= 2 and p not in wanted]
    keep = wanted | set(shared[:top])
    rows = []
    for phrase, group in diffusion[diffusion["phrase"].isin(keep)].groupby("phrase", sort=False):
        row = {"phrase": phrase, "lead": group["lead_paper"].iloc[0], "lead_date": group["lead_date"].iloc[0]}
        for r in group.sort_values("paper").itertuples():
            word = STATUS_WORDS[r.status].format(lag="" if pd.isna(r.lag_days) else int(r.lag_days))
            row[r.paper] = f"{r.first_date} ({word})" if r.first_date else word
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["lead_date", "phrase"], kind="mergesort").reset_index(drop=True)


def diffusion_sentence(diffusion: pd.DataFrame) -> say:
    """How many phrases are traced, how many every paper uses, the median lag per paper, the censored and
    the never-used."""
    if diffusion.empty:
        return say("No traced phrase occurs in any paper.")
    n_papers = diffusion["paper"].nunique()
    users = diffusion[diffusion["first_date"] != ""].groupby("phrase")["paper"].nunique()
    parts = [f"Of the **{number(len(users))}** traced phrases that occur at all, **{number(int((users == n_papers).sum()))}** "
             f"occur in every paper."]
    for paper, group in diffusion.groupby("paper", sort=True):
        adopted = group[group["status"] == "adopted"]
        censored = int(group["left_censored"].sum())
        never = int((group["status"] == "never").sum())
        lead = int(group["status"].isin(["first", "first (left-censored)"]).sum())
        median = f"a median lag of {adopted['lag_days'].astype(float).median():.0f} days" if len(adopted) else "no lag"
        parts.append(f"*{md(paper)}* is first with {number(lead)} phrases and adopts {number(len(adopted))} later, with "
                     f"{median}; {number(censored)} of its first uses fall on its first covered date (left-censored: "
                     f"it may have used them earlier, so no lag is given) and it never uses {number(never)} "
                     "phrases that another paper uses while it is published.")
    return say(" ".join(parts))


def phrase_sentence(diffusion: pd.DataFrame, phrase: str) -> say:
    """What the diffusion table says of one phrase (e.g. 新质生产力), or that no paper uses it."""
    rows = diffusion[diffusion["phrase"] == phrase]
    used = rows[rows["first_date"] != ""]
    if used.empty:
        return say(f"No paper of the collection uses {md(phrase)}.")
    parts = []
    for r in rows.itertuples():
        if r.status in ("first", "first (left-censored)"):
            parts.append(f"*{md(r.paper)}* first, on {r.first_date}" + (" (its first covered date: left-censored)"
                                                                      if r.left_censored else ""))
        elif r.status == "adopted":
            parts.append(f"*{md(r.paper)}* on {r.first_date}, {number(int(r.lag_days))} days later")
        elif r.status == "left-censored":
            parts.append(f"*{md(r.paper)}* from its first covered date, {r.first_date} (left-censored: the lag is unknown)")
        else:
            parts.append(f"*{md(r.paper)}* {r.status}")
    return say(f"**{md(phrase)}**: " + "; ".join(parts) + ".")


def adoption_phrases(adoption: pd.DataFrame, n: int = 4, planted=()) -> list[str]:
    """The phrases whose adoption curves are drawn: ``planted`` ones first, then the most used, at most ``n``."""
    if adoption.empty:
        return []
    totals = adoption.groupby("phrase")["n_articles"].sum()
    ordered = [p for p in planted if p in totals.index]
    ordered += [p for p in sorted(totals.index, key=lambda p: (-int(totals[p]), p)) if p not in ordered]
    return ordered[:n]


def reprint_sentence(pairs: pd.DataFrame, shares: pd.DataFrame) -> say:
    """How many near-duplicate pairs, across papers and inside one, and each paper's share of copy another
    paper printed first (or the same day), and of articles printed twice in the paper itself."""
    if shares.empty:
        return say("No article is long enough to compare.")
    across = pairs[~pairs["same_paper"]] if len(pairs) else pairs
    parts = [f"The papers share **{number(len(across))}** near-duplicate article pairs across papers and "
             f"**{number(len(pairs) - len(across))}** inside one paper."]
    for paper, group in shares.groupby("paper", sort=True):
        n = int(group["n_articles"].iloc[0])
        others = group[group["other"] != paper]
        own = group[group["other"] == paper]
        said = []
        if len(others) and int(others["n_from_other"].sum()):
            best = others.sort_values(["share_from_other", "other"], ascending=[False, True]).iloc[0]
            said.append(f"{number(int(others['n_from_other'].sum()))} pair with an article another paper printed the "
                        f"same day or earlier (most from *{md(best['other'])}*: {percent(best['share_from_other'])})")
        elif len(others):
            said.append("none has a near-duplicate in another paper printed the same day or earlier")
        if len(own) and int(own["n_reprinted"].iloc[0]):
            said.append(f"{number(int(own['n_reprinted'].iloc[0]))} ({percent(float(own['share'].iloc[0]))}) have a "
                        "near-duplicate in the paper itself")
        parts.append(f"Of *{md(paper)}*'s {number(n)} articles, " + "; ".join(said) + ".")
    return say(" ".join(parts))


def keyness_sentence(keyness: pd.DataFrame, n: int = 5) -> say:
    """The most distinctive terms of each paper against the others."""
    if keyness.empty or "g2" not in keyness.columns:
        return say("Keyness needs at least two papers with term counts.")
    parts = []
    for paper, group in keyness.groupby("paper", sort=True):
        spread = group[~group["one_article"].astype(bool)]
        terms = join_and([md(t) for t in spread["term"].head(n)])
        parts.append(f"*{md(paper)}*: {terms}")
    return say("The terms most distinctive of each paper against all the others (log-likelihood G², spread over "
               "more than one article): " + "; ".join(parts) + ".")


def caption(name: str, **values) -> tuple[str, str]:
    """``(caption, alt text)`` of the chapter's figure ``name``."""
    texts = {
        "articles": ("Articles per issue in each {freq}, one line per paper.",
                     "Line chart of the number of articles per issue over time for each paper."),
        "sources": ("Share of each paper's articles by credited source: the paper itself (本报), Xinhua (新华社), "
                    "another agency, or none.", "Stacked bar chart of source shares per paper."),
        "leaders": ("Mentions per 1,000 articles of the most mentioned leaders, on the {n} dates every paper covers.",
                    "Grouped bar chart of leader mention rates per paper."),
        "adoption": ("Adoption curves: cumulative articles using each phrase, by {freq}, one line per paper.",
                     "Step charts of the cumulative use of phrases per paper."),
        "reprints": ("Share of each paper's articles that have a near-duplicate (exact Jaccard similarity of "
                     "character 5-grams at least {threshold}) in each paper of the collection.",
                     "Grouped bar chart of reprint shares per paper."),
    }
    text, alt = texts[name]
    return text.format(**values), alt
