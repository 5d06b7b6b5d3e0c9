"""Chapter 3 (leader mentions): what the chapter says, computed from the built tables.

Every function takes tables of ``python -m analysis build`` (``registry``,
``mentions``, ``discovered_officials``, ``articles``) or the tables
:mod:`analysis.leaders` makes of them (counts over time, prominence,
titles, successions, the :class:`~analysis.leaders.validation.Validation`
of the counts) and returns Markdown (:class:`analysis.book.chapters.say`) or
picks what to show; nothing here counts or re-runs the extraction.  The
chapter holds on three kinds of corpus:

* a registry and a full hand annotation (``gold_mentions.csv``, the sample):
  precision and recall against it;
* a registry and no gold: a hand-marked sample (``annotated_mentions.csv``,
  from ``python -m analysis annotate``) gives precision per kind and recall
  with 95% intervals; without one the counts are said to be unvalidated;
* no registry: the officials found by their titles, and how to make them a
  registry; every registry-dependent section says in one sentence that it is
  empty.

The counts over time are :func:`analysis.leaders.tables.mention_counts` by
the corpus's time bin (:func:`analysis.book.chapters.time_bin`), own
activity only (:data:`~analysis.leaders.tables.ACTIVITY_KINDS`) and only
inside a registered term of the person (:func:`timeline_counts`); the places
on the page, the front page, the titles, the co-mentions and the national
series count on the same basis (:data:`IN_TERM_SECTIONS`), and
:func:`out_of_term_text` says so.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.book.escape import md, md_code
from analysis.book.helpers import caption_figure, figure_markdown
from analysis.leaders.tables import (ACTIVITY_KINDS, CITATION_KINDS, activity, counted, front_page_articles,
                                     mention_counts, successions, title_changes, top_persons)
from analysis.leaders.validation import Validation
from analysis.perarticle.mentions import KINDS
from . import BIN_NAMES, Context, join_and, number, percent, say

ANNOTATE_COMMAND = "python -m analysis annotate --corpus CORPUS_FOLDER --sample 200"
TEMPLATE_COMMAND = "python -m analysis registry-template --corpus CORPUS_FOLDER"
BUILD_COMMAND = "python -m analysis build --out _build/data --corpus CORPUS_FOLDER"
#: The sections that count only mentions inside a registered term of the person
#: (:func:`analysis.leaders.tables.counted`), named by :func:`out_of_term_text`.
IN_TERM_SECTIONS = ("the summary's most named", "the timelines", "the places on the page", "the front page",
                    "the titles", "the co-mentions", "the national series")
#: The ones that show every mention, out-of-term ones included.
ALL_MENTION_SECTIONS = ("the summary's totals", "the mentions table", "the roll calls", "the trace")
#: The columns of an out-of-term mention the chapter shows.
OUT_OF_TERM_COLUMNS = ("name", "title", "title_raw", "date", "kind", "location", "position", "context", "source",
                       "line")


# --------------------------------------------------------------------------- small helpers

def _join_or(items) -> str:
    """``a``, ``a or b``, ``a, b or c``.

    >>> _join_or(["timelines", "titles", "co-mentions"])
    'timelines, titles or co-mentions'
    """
    items = [str(i) for i in items]
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{number(n)} {word if n == 1 else (plural or word + 's')}"


def has_registry(registry: pd.DataFrame) -> bool:
    """Whether the build had a registry (the ``registry`` table has rows)."""
    return registry is not None and len(registry) > 0


# --------------------------------------------------------------------------- what is counted

def timeline_counts(mentions: pd.DataFrame, articles: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """The table of the timelines: :func:`analysis.leaders.tables.mention_counts` per issue, by the
    corpus's time bin, of own activity (``coverage`` and ``title-only``) inside a registered term."""
    return mention_counts(mentions, articles, freq=ctx.bin, per="issue", kinds=ACTIVITY_KINDS)


# --------------------------------------------------------------------------- validation

def _interval(ci: tuple) -> str:
    low, high = ci
    if any(isinstance(x, float) and math.isnan(x) for x in (low, high)):
        return ""
    return f" (95% interval {percent(low)}–{percent(high)})"


def validation_phrase(v: Validation) -> str:
    """One sentence on how far the counts are checked, for the chapter's summary."""
    if v.state == "gold":
        return (f"Against a hand annotation of every mention in {_plural(v.details['articles'], 'article')} "
                f"({md_code(v.file)}, {number(v.n)} mentions), precision is {percent(v.precision)} and recall "
                f"{percent(v.recall)}.")
    if v.state == "annotation":
        return (f"A hand-marked sample of {number(v.n)} candidates ({md_code(v.file)}) puts precision, weighted by "
                f"how common each kind of mention is, at {percent(v.precision)}{_interval(v.precision_ci)} and recall "
                f"of the registered spellings at about {percent(v.recall)}{_interval(v.recall_ci)}.")
    if v.state in ("unvalidated", "unmarked"):
        return ("No hand check of this corpus exists yet, so these counts are **unvalidated**: "
                "{ref}`leaders-accuracy` says how to check them.")
    return ""


def validation_text(v: Validation) -> say:
    """The accuracy section's prose for each state (see :class:`Validation`)."""
    if v.state == "no-registry":
        return say("There is no registry, so there are no mentions to check.")
    if v.state == "gold":
        d = v.details
        return say(
            f"{md_code(v.file)} is a hand annotation of every person named in the headlines and bodies of "
            f"{_plural(d['articles'], 'article')} ({number(v.n)} mentions; bylines and photo credits are not "
            "mentions). A mention is correct when its article, location, name and kind match an annotated one. "
            f"Precision is **{percent(v.precision)}**{_interval(v.precision_ci)}, recall **{percent(v.recall)}**"
            f"{_interval(v.recall_ci)}: {_plural(d['missed'], 'annotated mention')} missed, "
            f"{_plural(d['spurious'], 'spurious mention')}. The titles as written agree in "
            f"{percent(d['title_agreement'])} of the matches and the source lines in {percent(d['line_agreement'])}.")
    if v.state == "annotation":
        return say(
            f"{md_code(v.file)} is a stratified sample of candidate mentions marked by hand ({number(v.n)} marked): "
            "each kind of mention, plus *rejected hits* (a registered name in the text that the extractor did "
            "not count), the only way to estimate what it misses. Each kind is sampled about equally however "
            "common it is, so the overall precision weights each kind's precision by its number of mentions in "
            f"the corpus: **{percent(v.precision)}**{_interval(v.precision_ci)} (a Wilson interval at the stratified "
            "sample's effective size). Recall is estimated at "
            f"**{percent(v.recall)}**{_interval(v.recall_ci)}, about {number(round(v.details['missed_estimate']))} "
            "mentions missed in the whole corpus. It sees only the registered spellings (names and their "
            "registered aliases) that the extractor rejected, not a person named in another form (习主席, a bare "
            "title, a variant the registry lacks), so it can only overstate recall. The table gives precision "
            "per kind with its 95% Wilson interval; the recall interval combines the ends of the strata's "
            "intervals, so it is conservative.")
    unmarked = (f"{md_code(v.file)} is there but none of its rows is marked yet (fill its `correct` column). "
                if v.state == "unmarked" else "")
    return say(
        f"{unmarked}This corpus has no hand annotation, so the counts below are **unvalidated**: the extractor's "
        "accuracy on the project's sample pages says little about another paper's layout and names. To check "
        "them, draw a stratified sample of candidates (each kind of mention, and registered names the extractor "
        "did not count), mark each `yes` or `no` in its `correct` column, save it as `annotated_mentions.csv` in "
        "the corpus folder, and rebuild; this section then gives precision per kind and recall with 95% "
        f"intervals:\n\n```bash\n{ANNOTATE_COMMAND}\n{BUILD_COMMAND}\n```")


# --------------------------------------------------------------------------- summary and registry

def summary(ctx: Context, registry: pd.DataFrame, mentions: pd.DataFrame, discovered: pd.DataFrame,
            validation: Validation) -> say:
    """The chapter's opening: what it finds on the configured corpus."""
    where = f"The {md(ctx.paper or ctx.corpus)} corpus ({_plural(ctx.n_articles, 'article')}, {ctx.span})"
    if not has_registry(registry):
        found = discovered.head(3)
        names = join_and([f"{md(r.name)} ({md(r.title)}, {number(r.count)})" for r in found.itertuples()])
        scan = (f"A scan for names printed after a title finds **{number(len(discovered))}** "
                f"{'official' if len(discovered) == 1 else 'officials'}"
                + (f", most often {names}" if len(found) else "") + "; "
                if len(discovered) else "A scan for names printed after a title finds none either; ")
        return say(f"{where} has no registry of officials (`leaders.csv` in the corpus folder), so no mention is "
                   f"counted and the sections on timelines, prominence, titles and co-mentions are empty. {scan}"
                   "{ref}`leaders-discovery` lists them and says how to turn them into a registry.")
    persons = registry["name"].nunique()
    n_articles = mentions["article_id"].nunique()
    own = activity(mentions)
    cited = mentions[mentions["kind"].isin(CITATION_KINDS)]
    foreign = mentions[mentions["kind"] == "foreign"]
    parts = [f"{where}: the registry lists **{number(persons)}** persons in {_plural(len(registry), 'post')}. "]
    if mentions.empty:
        parts.append("The extractor finds no mention of any of them. ")
    else:
        share = n_articles / ctx.n_articles if ctx.n_articles else math.nan
        parts.append(
            f"The extractor finds **{number(len(mentions))}** mentions of {number(mentions['name'].nunique())} of "
            f"them in {_plural(n_articles, 'article')} ({percent(share)} of the corpus): {number(len(own))} of a "
            f"person's own activity, {number(len(cited))} citations of a leader's words or doctrine"
            + (f" and {number(len(foreign))} of foreign visitors. " if len(foreign) else ". "))
        top = top_persons(mentions, 3)
        if len(top):
            parts.append("Most named for their own activity: "
                         + join_and([f"{md(n)} ({number(c)})" for n, c in top.items()]) + ". ")
    turnover = succession_phrase(successions(registry, mentions, start=ctx.first_date, end=ctx.last_date),
                                 within=True)
    if turnover:
        parts.append(turnover + " ")
    parts.append(validation_phrase(validation) + " ")
    if len(discovered):
        parts.append(f"A scan for titled names finds {_plural(len(discovered), 'official')} the registry lacks "
                     "({ref}`leaders-discovery`).")
    else:
        parts.append("A scan for titled names finds none that the registry lacks.")
    return say("".join(parts))


def succession_phrase(table: pd.DataFrame, within: bool = False) -> str:
    """``The registry records 2 successions: 林国栋 → 周卫民 as 区委书记 (2021-07-01; the paper ...)``.

    ``within``: ``table`` holds only the successions within the corpus's dates
    (:func:`analysis.leaders.tables.successions` with ``start`` and ``end``), and the sentence says so.

    >>> t = pd.DataFrame({"title": ["国务院总理"], "before": ["李克强"], "after": ["李强"], "date": ["2023-03-11"],
    ...                   "last_before": [""], "first_after": [""]})
    >>> succession_phrase(t, within=True)
    "Within the corpus's dates the registry records 1 succession: 李克强 → 李强 as 国务院总理 (2023-03-11)."
    """
    if table.empty:
        return ""
    items = []
    for r in table.head(4).itertuples():
        seen = (f"; the paper last prints {md(r.before)} with that title on {r.last_before} and {md(r.after)} first on "
                f"{r.first_after}" if r.last_before and r.first_after else "")
        items.append(f"{md(r.before)} → {md(r.after)} as {md(r.title)} ({r.date}{seen})")
    where = "Within the corpus's dates the registry" if within else "The registry"
    return (f"{where} records {_plural(len(table), 'succession')}: " + "; ".join(items)
            + (" …" if len(table) > 4 else "") + ".")


def registry_text(registry: pd.DataFrame, ctx: Context | None = None) -> say:
    """What the registry holds: persons, posts, levels, dates, and who changes post; with ``ctx``, also
    whether it is the corpus's own or the project's default (``data/defaults/leaders.csv``)."""
    if not has_registry(registry):
        return say("This corpus has no registry (no `leaders.csv` in its folder): the sections that need one "
                   "are empty, and {ref}`leaders-discovery` shows how to start one.")
    default = ctx is not None and "leaders" in ctx.defaulted_facts
    levels = registry.drop_duplicates("name")["level"].value_counts()
    level_text = join_and([f"{number(levels[k])} {k}" for k in ("national", "municipal", "district", "other")
                        if k in levels.index])
    starts = registry["start"].astype(str)
    ends = registry["end"].astype(str)
    open_posts = int((ends == "").sum())
    changes = _post_changes(registry)
    text = ("This corpus brings no `leaders.csv` of its own: the registry used here is the project's default, "
            "`data/defaults/leaders.csv` (the national leadership), so officials below the national level are "
            "counted only where {ref}`leaders-discovery` finds them by their titles. " if default else "")
    text += (f"The registry has {_plural(len(registry), 'row')}: {_plural(registry['name'].nunique(), 'person')} "
            f"({level_text}), posts starting from {starts.min()} to {starts.max()}, {number(open_posts)} still open "
            "(no end date). ")
    if "needs_anchor" in registry.columns and (registry["needs_anchor"].astype(str) == "yes").any():
        names = sorted(set(registry.loc[registry["needs_anchor"].astype(str) == "yes", "name"]))
        text += (f"{join_and([md(n) for n in names])} {'is' if len(names) == 1 else 'are'} marked `needs_anchor`: the name is also a "
                 "common word and counts only next to a title. ")
    if changes:
        text += (f"{_plural(len(changes), 'person')} {'holds' if len(changes) == 1 else 'hold'} more than one post, at "
                 "once or in turn: " + "; ".join(changes[:4]) + (" …" if len(changes) > 4 else "") + ".")
    if ctx is not None:
        from . import defaults_sentence

        defaults = defaults_sentence(ctx, ("titles", "phrases", "surnames", "nonnames"))
        text += f" {defaults}" if defaults else ""
    return say(text)


def _post_changes(registry: pd.DataFrame) -> list[str]:
    """``周卫民: 区委副书记 (2019-01-01–2021-06-30), then 区委书记 (from 2021-07-01)`` per person with 2+ posts."""
    out = []
    for name, group in registry.groupby("name", sort=False):
        if group["title"].nunique() < 2:
            continue
        group = group.sort_values("start", kind="stable")
        posts = [f"{md(r.title)} ({r.start}–{r.end})" if str(r.end) else f"{md(r.title)} (from {r.start})"
                 for r in group.itertuples()]
        out.append(f"{md(name)}: " + ", ".join(posts))
    return out


def mentions_text(mentions: pd.DataFrame) -> say:
    """Counts by kind and by place on the page."""
    if mentions.empty:
        return say("The mentions table is empty: no registered person is named in this corpus.")
    kinds = mentions["kind"].value_counts()
    places = mentions["location"].value_counts()
    kind_text = join_and([f"{number(kinds[k])} `{k}`" for k in KINDS if k in kinds.index])
    place_text = join_and([f"{number(places[k])} in the {k}" for k in ("headline", "subheadline", "lead", "body")
                        if k in places.index])
    return say(f"The table has {_plural(len(mentions), 'row')}: {kind_text}; {place_text}.")


# --------------------------------------------------------------------------- timelines

def _empty_for(section: str) -> say:
    return say(f"No registry, so no {section}: this section is empty.")


def timeline_text(counts: pd.DataFrame, ctx: Context, registry: pd.DataFrame) -> say:
    """Bins, gaps and when each of the top persons is named (first and last period)."""
    if not has_registry(registry):
        return _empty_for("timelines")
    bin_name = BIN_NAMES[ctx.bin]
    gaps = counts.isna().all(axis=1) if len(counts.columns) else pd.Series(False, index=counts.index)
    head = (f"Mentions of own activity (`coverage` and `title-only`) dated within a registry term of the person "
            f"are counted per issue and binned by "
            f"{bin_name}, the bin that suits a corpus spanning {ctx.span}: {_plural(len(counts), 'period')}"
            + (f", {number(int(gaps.sum()))} of them without any issue in the corpus (a gap, not a zero: the paper "
               "may well have named everyone then, we just do not have the pages)" if gaps.any() else "")
            + ". ")
    if counts.empty or not len(counts.columns) or np.nansum(counts.to_numpy()) == 0:
        return say(head + "No registered person is named for their own activity, so there is no timeline.")
    spans = []
    for name in list(counts.columns)[:8]:
        named = counts.index[(counts[name].fillna(0) > 0).to_numpy()]
        if len(named) == 1:
            spans.append(f"{md(name)} only in {named[0]}")
        elif len(named):
            spans.append(f"{md(name)} in {number(len(named))} of {number(int((~gaps).sum()))} {bin_name}s with issues, "
                         f"from {named[0]} to {named[-1]}")
    return say(head + "The most named: " + "; ".join(spans) + ".")


# --------------------------------------------------------------------------- prominence, titles, co-mentions

def prominence_text(table: pd.DataFrame, registry: pd.DataFrame) -> say:
    """Who is named in headlines, and whose mentions sit most in the lead paragraph."""
    if not has_registry(registry):
        return _empty_for("prominence counts")
    if table.empty:
        return say("No registered person is named for their own activity, so there is nothing to place on the page.")
    headlined = table[(table["headline"] + table["subheadline"]) > 0]
    if headlined.empty:
        head = (f"None of the {_plural(len(table), 'person')} named for their own activity is named in a "
                "headline or subheadline; ")
    else:
        shown = headlined.sort_values(["headline", "name"], ascending=[False, True]).head(5)
        who = (f"All {_plural(len(table), 'person')}" if len(headlined) == len(table) and len(table) > 1 else
               f"{number(len(headlined))} of the {_plural(len(table), 'person')}")
        head = (f"{who} named for their own activity "
                f"{'is' if len(headlined) == 1 else 'are'} named in a headline or subheadline: "
                + join_and([f"{md(r.name)} ({number(r.headline + r.subheadline)})" for r in shown.itertuples()]) + "; ")
    threshold = 3 if (table["total"] >= 3).any() else 1
    frequent = table[table["total"] >= threshold]
    lead = frequent.sort_values(["lead_share", "total", "name"], ascending=[False, False, True]).iloc[0]
    return say(head + f"among those named at least {_plural(threshold, 'time')}, {md(lead['name'])} has the "
               f"largest share in the lead paragraph ({percent(lead['lead_share'])} of {number(int(lead['total']))}).")


#: The columns of the build's ``prominence`` table the chapter shows.
#: (``mentions_per_100_articles`` stays in the table and its CSV: the view fits a 1400 px page.)
FRONT_PAGE_COLUMNS = ["name", "period", "mentions", "front_page_share", "headline_share", "mentions_per_issue"]
#: How many of the most-named persons :func:`front_page_text` compares.
FRONT_PAGE_PEOPLE = 10


def front_page_view(table: pd.DataFrame, people: int = 6) -> pd.DataFrame:
    """The ``prominence`` rows of the ``people`` most-named persons, each person's periods together
    (most named first, then period), in :data:`FRONT_PAGE_COLUMNS`.

    >>> t = pd.DataFrame({"name": ["甲", "乙", "甲"], "period": ["2023", "2023", "2024"], "mentions": [1, 5, 9],
    ...                   "front_page_share": [1.0, 0.2, 0.5], "headline_share": [0.0, 0.2, 0.1],
    ...                   "mentions_per_issue": [0.1, 0.5, 0.9], "mentions_per_100_articles": [1.0, 5.0, 9.0]})
    >>> front_page_view(t)[["name", "period"]].values.tolist()
    [['甲', '2023'], ['甲', '2024'], ['乙', '2023']]
    """
    if table.empty:
        return table.reindex(columns=FRONT_PAGE_COLUMNS)
    totals = table.groupby("name")["mentions"].sum()
    order = sorted(totals.index, key=lambda n: (-int(totals[n]), str(n)))[:people]
    rank = {n: i for i, n in enumerate(order)}
    shown = table[table["name"].isin(rank)].assign(_rank=lambda f: f["name"].map(rank))
    shown = shown.sort_values(["_rank", "period"], kind="stable")
    return shown[FRONT_PAGE_COLUMNS].reset_index(drop=True)


def front_page_text(table: pd.DataFrame, articles: pd.DataFrame, registry: pd.DataFrame) -> say:
    """What the front page says: the most-named person's front-page and headline shares against the
    share of all articles that stand on the front, how their mentions per issue moved over the periods,
    and who of the :data:`FRONT_PAGE_PEOPLE` most-named persons has the largest front-page share.

    ``table`` is the build's ``prominence`` table (:func:`analysis.leaders.tables.page_prominence`:
    own activity inside a registered term).

    >>> t = pd.DataFrame({"name": ["甲", "乙"], "period": ["2024", "2024"], "mentions": [4, 2], "front_page": [1, 2],
    ...                   "headline": [0, 1], "mentions_per_issue": [2.0, 1.0], "mentions_per_100_articles": [40.0, 20.0]})
    >>> a = pd.DataFrame({"issue_date": ["2024-01-01"] * 2 + ["2024-01-02"] * 3})
    >>> text = str(front_page_text(t, a, pd.DataFrame({"name": ["甲"]})))
    >>> "Among the 2 persons named, 乙 has the largest front-page share (100% of 2 mentions)." in text
    True
    """
    if not has_registry(registry):
        return _empty_for("front-page counts")
    if table.empty:
        return say("No registered person is named for their own activity, so no one is placed on the front page.")
    front, basis = front_page_articles(articles)
    base = float(front.mean()) if len(front) else float("nan")
    where = ("on page 1" if basis == "page 1" else
             "the first item of their issue (the corpus gives no page numbers, so the front page is taken to be "
             "each issue's first item; for a broadcast, its lead story)")
    totals = table.groupby("name")[["mentions", "front_page", "headline"]].sum()
    totals = totals.assign(_name=totals.index.astype(str)).sort_values(["mentions", "_name"], ascending=[False, True])
    top = totals.index[0]
    row = totals.loc[top]
    share = row["front_page"] / row["mentions"]
    ratio = share / base if base > 0 else float("nan")
    compare = (f", {ratio:.1f} times the share of all articles that stand there ({percent(base)})"
               if not math.isnan(ratio) else "")
    text = (f"{percent(base)} of the corpus's articles are {where}. The most-named person, {md(top)}, is named "
            f"{_plural(int(row['mentions']), 'time')} for their own activity; {percent(share)} of these mentions stand "
            f"in front-page articles{compare}, and {percent(row['headline'] / row['mentions'])} in a headline or "
            "subheadline.")
    own = table[table["name"] == top].sort_values("period")
    if len(own) > 1:
        low, high = own.loc[own["mentions_per_issue"].idxmin()], own.loc[own["mentions_per_issue"].idxmax()]
        text += (f" Per issue, {md(top)}'s mentions range from {low['mentions_per_issue']:.2f} ({md(low['period'])}) "
                 f"to {high['mentions_per_issue']:.2f} ({md(high['period'])}); per 100 articles, from "
                 f"{own['mentions_per_100_articles'].min():.1f} to {own['mentions_per_100_articles'].max():.1f}.")
    frequent = totals.head(FRONT_PAGE_PEOPLE)
    if len(frequent) > 1:
        shares = (frequent["front_page"] / frequent["mentions"]).sort_values(ascending=False, kind="stable")
        best = shares.index[0]
        among = ("the ten most-named persons" if len(frequent) == FRONT_PAGE_PEOPLE == 10 else
                 f"the {number(len(frequent))} most-named persons" if len(frequent) < len(totals) else
                 f"the {_plural(len(frequent), 'person')} named")
        text += (f" Among {among}, {md(best)} has the largest front-page share ({percent(shares.iloc[0])} of "
                 f"{_plural(int(frequent.loc[best, 'mentions']), 'mention')}).")
    return say(text)


def titles_text(titles: pd.DataFrame, registry: pd.DataFrame) -> say:
    """Who is printed with more than one title, and in which order."""
    if not has_registry(registry):
        return _empty_for("titles")
    if titles.empty:
        return say("No mention has a title printed beside the name.")
    changes = title_changes(titles)
    head = (f"{_plural(titles['name'].nunique(), 'person')} {'is' if titles['name'].nunique() == 1 else 'are'} "
            f"printed with a title beside the name, in {_plural(len(titles), 'combination')} of person and title. ")
    if changes.empty:
        return say(head + "Each is printed with one title only: no change of title shows in this corpus.")
    first = changes.iloc[0]
    changed = int(changes["changed"].sum())
    whose = "Their" if changed == 0 else "The others'"
    overlap = ("" if changed == len(changes) else
               f"{whose} titles overlap in time (；): posts held together, or forms of one post, printed side by side. ")
    return say(head + f"{_plural(len(changes), 'person')} {'is' if len(changes) == 1 else 'are'} printed with "
               f"more than one; the most named of them, {md(first['name'])}: {md(first['sequence'])}. "
               f"For {changed} of them a title is first printed after every earlier one was last printed (→): "
               f"a change of title. {overlap}A new title is a promotion or transfer only when the registry's "
               "dates agree; the same post written with or without the place name in front is not one.")


def co_mention_text(pairs: pd.DataFrame, registry: pd.DataFrame) -> say:
    """The most frequent pairs named in the same article."""
    if not has_registry(registry):
        return _empty_for("co-mentions")
    if pairs.empty:
        return say("No article names two registered persons, so there are no co-mentions.")
    top = pairs.head(3)
    return say(f"{_plural(len(pairs), 'pair')} of persons share at least one article. The most frequent: "
               + join_and([f"{md(r.a)} and {md(r.b)} ({_plural(r.count, 'article')}, {r.first_date} to {r.last_date})"
                        for r in top.itertuples()]) + ".")


def network_subset(pairs: pd.DataFrame, mentions: pd.DataFrame, top: int = 30,
                   kinds=ACTIVITY_KINDS + ("foreign",)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs and mentions restricted to the ``top`` most named persons, so the circle stays legible.

    Mentions count as :func:`analysis.leaders.tables.co_mentions` counts them: inside a registered
    term of the person (foreign visitors always), so the node sizes agree with the lines.

    >>> m = pd.DataFrame({"name": ["甲", "乙", "乙", "丙"], "kind": ["coverage"] * 4, "in_term": [True, True, True, False]})
    >>> p = pd.DataFrame({"a": ["乙", "丙"], "b": ["甲", "甲"], "count": [1, 1]})
    >>> pairs, shown = network_subset(p, m, top=5)
    >>> pairs["a"].tolist(), sorted(set(shown["name"]))
    (['乙'], ['乙', '甲'])
    """
    chosen = counted(mentions)
    chosen = chosen[chosen["kind"].isin(kinds)]
    keep = set(chosen["name"].value_counts().sort_index().sort_values(ascending=False, kind="stable").head(top).index)
    pairs = pairs[pairs["a"].isin(keep) & pairs["b"].isin(keep)]
    return pairs, chosen[chosen["name"].isin(keep)]


# --------------------------------------------------------------------------- national leaders, protocol order

def national_text(mentions: pd.DataFrame, registry: pd.DataFrame) -> say:
    """How the national leadership is named: own activity, ritual citation or doctrine (inside a registered
    term of the person, as :func:`analysis.leaders.tables.kind_series` counts them)."""
    if not has_registry(registry):
        return _empty_for("national series")
    national = counted(mentions)
    national = national[national["level"] == "national"]
    if national.empty:
        return say("No national leader of the registry is named in this corpus.")
    kinds = national["kind"].value_counts()
    cited = int(kinds.reindex(list(CITATION_KINDS), fill_value=0).sum())
    own = national[national["kind"].isin(ACTIVITY_KINDS)]
    text = (f"Leaders of the national level are named {_plural(len(national), 'time')}: "
            + join_and([f"{number(kinds[k])} `{k}`" for k in KINDS if k in kinds.index])
            + f". {percent(cited / len(national))} are citations of their words or doctrine")
    if len(own):
        who = own["name"].value_counts()
        text += (", and the mentions of own activity are of "
                 + join_and([f"{md(n)} ({number(c)})" for n, c in who.head(4).items()]))
    return say(text + ".")


def protocol_text(sequences: pd.DataFrame, changes: pd.DataFrame, registry: pd.DataFrame) -> say:
    """Roll calls (:func:`analysis.leaders.tables.protocol_sequences`: enumerations of two or more names) and
    the pairs whose order changes (:func:`analysis.leaders.tables.order_changes`: the majority order flips
    between two periods with enough lists in each, :mod:`analysis.leaders.protocol`)."""
    if not has_registry(registry):
        return _empty_for("roll calls")
    if sequences.empty:
        return say("No list names two or more registered persons, so there is no protocol order to read.")
    changed = changes[changes["changed"]]
    text = (f"{_plural(len(sequences), 'list')} name two or more persons (at most "
            f"{number(int(sequences['n'].max()))}); {_plural(len(changes), 'pair')} of persons are listed together. ")
    if changed.empty:
        both = int(((changes["a_first"] > 0) & (changes["b_first"] > 0)).sum())
        return say(text + "No pair's order flips from one period to the next: no change of rank shows in the roll "
                   "calls" + (f" ({_plural(both, 'pair')} {'is' if both == 1 else 'are'} printed in both orders now "
                              "and then, without the usual order changing)." if both else "."))
    first = changed.iloc[0]
    return say(text + f"{_plural(len(changed), 'pair')} change order, for instance {md(first['first_before'])} before "
               f"{md(first['first_after'])} until {first['changed_on']} and after {md(first['first_after'])} from then on "
               f"({md(first['a'])} first "
               f"{_plural(int(first['a_first']), 'time')}, {md(first['b'])} {number(int(first['b_first']))}, "
               f"{first['first_date']} to {first['last_date']}); the table below lists them. Read a change together "
               "with the titles: a new post moves a person up or down the list.")


# --------------------------------------------------------------------------- out of term, trace

def term_rule(mentions: pd.DataFrame) -> str:
    """How :func:`analysis.leaders.tables.out_of_term` decides: ``"in_term"`` (the extraction's column)
    or ``"registry"`` (the registry's dates, for a mentions table without it)."""
    return "in_term" if "in_term" in mentions.columns else "registry"


def out_of_term_rows(outside: pd.DataFrame) -> pd.DataFrame:
    """The columns of :data:`OUT_OF_TERM_COLUMNS` that ``outside`` has, lines below 1 blanked (:func:`linkable`)."""
    return linkable(outside[[c for c in OUT_OF_TERM_COLUMNS if c in outside.columns]])


def out_of_term_text(outside: pd.DataFrame, rule: str, mentions: pd.DataFrame, registry: pd.DataFrame) -> say:
    """How many mentions fall outside the registry's terms, and what that usually means."""
    if not has_registry(registry):
        return _empty_for("term check")
    if mentions.empty:
        return say("There are no mentions, so there is nothing to check against the registry's terms.")
    how = ("the extraction's `in_term` column" if rule == "in_term" else
           "comparing each mention's date with the registry's start and end dates of the person")
    if outside.empty:
        return say(f"Every mention falls within a registry term of the person named (checked by {how}).")
    names = outside["name"].value_counts()
    return say(f"{number(len(outside))} of the {_plural(len(mentions), 'mention')} fall outside every "
               f"registry term of the person (by {how}): "
               + join_and([f"{md(n)} ({number(c)})" for n, c in names.head(5).items()])
               + f". None of them is counted in {_join_or(IN_TERM_SECTIONS)} above; "
               f"{join_and(ALL_MENTION_SECTIONS)} include them. Each is a date to check: either the registry's term is "
               "too narrow (a post attested before its recorded start), or the name stands for someone else "
               "(or the article is about the past: a funeral, a doctrine named after a former leader).")


def trace_name(registry: pd.DataFrame, mentions: pd.DataFrame) -> str:
    """The person whose mentions the chapter traces: a common-word name if one is mentioned, else the most named."""
    if mentions.empty:
        return ""
    if "needs_anchor" in registry.columns:
        anchored = set(registry.loc[registry["needs_anchor"].astype(str) == "yes", "name"])
        named = activity(mentions)["name"]
        candidates = named[named.isin(anchored)].value_counts()
        if len(candidates):
            return str(sorted(candidates.index, key=lambda n: (-candidates[n], n))[0])
    top = top_persons(mentions, 1)
    return str(top.index[0]) if len(top) else str(mentions["name"].iloc[0])


def trace_text(name: str, registry: pd.DataFrame, n: int) -> say:
    """Why this person is traced."""
    if not name:
        return _empty_for("trace") if not has_registry(registry) else say("No mention to trace.")
    anchored = ("needs_anchor" in registry.columns
                and (registry.loc[registry["name"] == name, "needs_anchor"].astype(str) == "yes").any())
    why = (f"{md(name)}, whose name is also a common word: each mention must be anchored by a title or by a titled "
           "mention earlier in the same article" if anchored else f"{md(name)}, the most named person")
    return say(f"`trace` returns the lines behind any count: the article, its headline, date, source file and "
               f"line, and the context. Here are the {_plural(n, 'mention')} of {why}.")


# --------------------------------------------------------------------------- discovery and limits



def discovery_table(discovered: pd.DataFrame) -> pd.DataFrame:
    """The built ``discovered_officials`` table with the columns to read, its example as a source link."""
    frame = discovered.rename(columns={"example_source": "source", "example_line": "line"})
    columns = [c for c in ("name", "title", "count", "articles", "first_date", "last_date", "source", "line")
               if c in frame.columns]
    return frame[columns].reset_index(drop=True)


def discovery_text(discovered: pd.DataFrame, registry: pd.DataFrame) -> say:
    """What the title scan finds, and what to do with it."""
    steps = ("To turn them into a registry, write them as draft registry rows (with the first and last date seen "
             "and an example line), check each row (name, post, organisation, level, dates: official biographies "
             "give the real terms), save the file as `leaders.csv` in the corpus folder and rebuild:"
             f"\n\n```bash\n{TEMPLATE_COMMAND}   # writes leaders.draft.csv\n{BUILD_COMMAND}\n```")
    if not has_registry(registry):
        if discovered.empty:
            return say("The scan for titled names finds no official in this corpus: either its titles are not among "
                       "the title words of `leader_titles.csv`, or its articles name no one with a title. A registry "
                       "can still be written by hand (`leaders.csv`, columns as in the project's README).")
        top = discovered.head(5)
        return say(f"Without a registry, a scan for title words followed by names (lists included) finds "
                   f"**{_plural(len(discovered), 'official')}**, most often "
                   + join_and([f"{md(r.name)} ({md(r.title)}, {number(r.count)})" for r in top.itertuples()])
                   + ". The scan is generous: a title word before a word that only looks like a name gives a false "
                   "official, so every row needs a reader's check. " + steps)
    if discovered.empty:
        return say("The scan for title words followed by names finds no official missing from the registry: every "
                   "titled name in the corpus is registered.")
    top = discovered.head(5)
    return say(f"The scan for title words followed by names finds {_plural(len(discovered), 'official')} that the "
               "registry lacks, most often " + join_and([f"{md(r.name)} ({md(r.title)}, {number(r.count)})" for r in top.itertuples()])
               + ". Their mentions are not counted anywhere above. " + steps)


def limits_text(ctx: Context, registry: pd.DataFrame, mentions: pd.DataFrame, discovered: pd.DataFrame,
                validation: Validation, counts: pd.DataFrame | None = None) -> say:
    """The chapter's limits, as bullets that hold for this corpus."""
    items = []
    if not has_registry(registry):
        items.append("No registry: nothing is counted. The discovered officials are candidates, not mentions; "
                     "their counts include false hits and miss every mention without a title beside the name.")
    else:
        items.append("Only registered persons are counted"
                     + (f"; {_plural(len(discovered), 'titled name')} found in the text {'is' if len(discovered) == 1 else 'are'} "
                        "missing from the registry" if len(discovered) else "")
                     + ". A mention without a title of a person not registered is invisible.")
        if validation.state == "gold":
            items.append(f"The accuracy figures come from {_plural(validation.details['articles'], 'annotated article')}; "
                         "a corpus whose registry was written from the same pages measures the extractor given a "
                         "complete registry, not what a new corpus names that the registry lacks.")
        elif validation.state == "annotation":
            items.append(f"Precision and recall are estimated from {number(validation.n)} marked candidates; the "
                         "intervals say how far they may be off, and recall counts only misses of registered "
                         "spellings, not of a person named in a form the registry lacks (习主席).")
        else:
            items.append("The counts are unvalidated: no hand annotation of this corpus exists "
                         "({ref}`leaders-accuracy`).")
        items.append("Post, level and the holder of a bare title come from the registry's dates: a wrong start or "
                     "end date moves mentions between persons and posts.")
        items.append("Ritual and doctrine are told apart from own activity by the phrases of `leader_phrases.csv`; a "
                     "citation worded otherwise counts as own activity.")
    if has_registry(registry) and len(mentions) and counts is not None and len(counts.index):
        gaps = int(counts.isna().all(axis=1).sum()) if len(counts.columns) else 0
        items.append(f"Counts are per issue by {ctx.bin_name}; "
                     + (f"{number(gaps)} of {_plural(len(counts.index), ctx.bin_name)} have no issue in the corpus and "
                        "are gaps. " if gaps else "every period has issues in the corpus. ")
                     + "Few issues in a period make its rate noisy.")
    if has_registry(registry):
        items.append("Protocol order follows rank, not news value: it is read only for changes between the same persons.")
    return say("\n".join(f"- {item}" for item in items))


def figure(fig, name: str, caption: str, alt: str, empty: str = "") -> say:
    """Glue ``fig`` and return the ``{glue:figure}`` Markdown that places it, or ``empty`` (default: nothing).

    For a figure that exists only when there is something to draw: the
    Markdown output of the code cell places it (see
    :func:`analysis.book.helpers.figure_markdown`), so an empty category gives the
    section's one sentence (from its ``*_text`` function), never an empty plot.
    """
    if fig is None:
        return say(empty)
    caption_figure(fig, name, caption=caption, alt=alt)
    return say(figure_markdown(name, caption, alt))


def linkable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``line`` values below 1 blanked (a headline of an article table has no row), for show_table."""
    if "line" not in frame.columns:
        return frame
    line = pd.to_numeric(frame["line"], errors="coerce").astype("Int64")
    return frame.assign(line=line.where(line >= 1))
