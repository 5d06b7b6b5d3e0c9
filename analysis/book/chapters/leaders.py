"""Chapter 3 (leader mentions): what the chapter says, computed from the built tables.

Every function takes tables of ``python -m analysis build`` (``registry``,
``mentions``, ``discovered_officials``, ``articles``) and returns Markdown
(:class:`analysis.book.chapters.say`) or a table or figure to show; nothing here
re-runs the extraction.  The chapter holds on three kinds of corpus:

* a registry and a full hand annotation (``gold_mentions.csv``, the sample):
  precision and recall against it;
* a registry and no gold: a hand-marked sample (``annotated_mentions.csv``,
  from ``python -m analysis annotate``) gives precision per kind and recall
  with 95% intervals; without one the counts are said to be unvalidated;
* no registry: the officials found by their titles, and how to make them a
  registry; every registry-dependent section says in one sentence that it is
  empty.

Time bins follow the corpus span (:func:`analysis.book.chapters.time_bin`); the
package's :func:`analysis.leaders.tables.mention_counts` bins by week or
month only, so :func:`binned_counts` does the same for day, quarter and year.

>>> import pandas as pd
>>> articles = pd.DataFrame({"issue_date": ["2020-01-07", "2020-07-03"], "source": ["a.csv", "a.csv"]})
>>> mentions = pd.DataFrame({"issue_date": ["2020-01-07"], "name": ["林国栋"], "kind": ["coverage"]})
>>> table = binned_counts(mentions, articles, freq="Q")
>>> list(table.index), table["林国栋"].tolist()
(['2020Q1', '2020Q2', '2020Q3'], [1.0, nan, 0.0])
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import BIN_NAMES, Context, number, say

#: Mentions of the person's own activity (as in :data:`analysis.leaders.tables.ACTIVITY_KINDS`).
ACTIVITY_KINDS = ("coverage", "title-only")
CITATION_KINDS = ("ritual", "doctrine")
KINDS = ("coverage", "ritual", "doctrine", "title-only", "foreign")
#: pandas period codes for the bins of :data:`analysis.book.chapters.BINS`.
PERIOD_CODES = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
#: Period words for prose ("per quarter").
ANNOTATE_COMMAND = "python -m analysis annotate --corpus CORPUS_FOLDER --sample 200"
TEMPLATE_COMMAND = "python -m analysis registry-template --corpus CORPUS_FOLDER"
BUILD_COMMAND = "python -m analysis build --out _build/data --corpus CORPUS_FOLDER"


# --------------------------------------------------------------------------- small helpers

def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _pct(x: float) -> str:
    """``97%`` (``—`` for a missing value)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{100 * x:.0f}%"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{number(n)} {word if n == 1 else (plural or word + 's')}"


def has_registry(registry: pd.DataFrame) -> bool:
    """Whether the build had a registry (the ``registry`` table has rows)."""
    return registry is not None and len(registry) > 0


def activity(mentions: pd.DataFrame) -> pd.DataFrame:
    """Mentions of a person's own activity (``coverage`` and ``title-only``)."""
    return mentions[mentions["kind"].isin(ACTIVITY_KINDS)]


def top_persons(mentions: pd.DataFrame, n: int = 6) -> pd.Series:
    """Mentions of own activity per person, the ``n`` most named (ties by name).

    >>> m = pd.DataFrame({"name": ["乙", "甲", "乙"], "kind": ["coverage"] * 3})
    >>> top_persons(m).to_dict()
    {'乙': 2, '甲': 1}
    """
    counts = activity(mentions)["name"].value_counts()
    order = sorted(counts.index, key=lambda name: (-counts[name], name))
    return counts.reindex(order).head(n).astype(int)


# --------------------------------------------------------------------------- time bins

def _periods(dates: pd.Series, freq: str) -> pd.Series:
    if freq not in PERIOD_CODES:
        raise ValueError(f"freq must be one of {', '.join(PERIOD_CODES)}, not {freq!r}")
    return pd.to_datetime(pd.Series(dates, dtype=object), format="%Y-%m-%d").dt.to_period(PERIOD_CODES[freq])


def period_label(period: pd.Period, freq: str) -> str:
    """``2024-12`` (month), ``2024-11-25`` (week: its Monday), ``2024Q4``, ``2024``, ``2024-11-28`` (day).

    The week and month labels are those of
    :func:`analysis.leaders.tables.mention_counts`.
    """
    if freq == "W":
        return period.start_time.strftime("%Y-%m-%d")
    return str(period)


def period_labels(dates: pd.Series, freq: str) -> pd.Series:
    """The label of the ``freq`` period of each date (YYYY-MM-DD)."""
    return _periods(dates, freq).map(lambda p: period_label(p, freq))


def binned_counts(mentions: pd.DataFrame, articles: pd.DataFrame, *, freq: str = "M", per: str = "raw",
                  kinds=ACTIVITY_KINDS, by: str = "name") -> pd.DataFrame:
    """Mentions per period (rows) and person (columns), for any bin of :data:`PERIOD_CODES`.

    The same table as :func:`analysis.leaders.tables.mention_counts` (which
    bins by week or month only), also by day, quarter and year: binned by
    issue date; ``per`` is ``raw``, ``article`` or ``issue``; a period with no
    issue in the corpus is NaN (a gap, not zero); columns sorted by total
    (descending), then name.
    """
    if per not in ("raw", "article", "issue"):
        raise ValueError(f"per must be raw, article or issue, not {per!r}")
    dated = articles[articles["issue_date"].astype(str) != ""]
    if dated.empty:
        return pd.DataFrame(index=pd.Index([], name="period"), columns=pd.Index([], name=by), dtype=float)
    article_periods = _periods(dated["issue_date"], freq)
    index = pd.period_range(article_periods.min(), article_periods.max(), freq=PERIOD_CODES[freq])
    chosen = mentions[mentions["kind"].isin(kinds)]
    if len(chosen):
        table = pd.crosstab(_periods(chosen["issue_date"], freq).to_numpy(), chosen[by].to_numpy())
    else:
        table = pd.DataFrame(index=index[:0])
    table = table.reindex(index, fill_value=0).astype(float)
    n_issues = _periods(dated.drop_duplicates(["issue_date", "source"])["issue_date"], freq).value_counts()
    n_issues = n_issues.reindex(index, fill_value=0)
    n_days = _periods(dated.drop_duplicates("issue_date")["issue_date"], freq).value_counts().reindex(index, fill_value=0)
    n_articles = article_periods.value_counts().reindex(index, fill_value=0)
    if per == "article":
        table = table.div(n_articles.replace(0, np.nan), axis=0)
    elif per == "issue":
        table = table.div(n_days.replace(0, np.nan), axis=0)
    table[n_issues.to_numpy() == 0] = np.nan  # no issue in the corpus: unknown, not zero
    order = sorted(table.columns, key=lambda c: (-np.nansum(table[c].to_numpy()), str(c)))
    table = table[order]
    table.index = pd.Index([period_label(p, freq) for p in index], name="period")
    table.columns = pd.Index([str(c) for c in table.columns], name=by)
    return table


def gap_mask(articles: pd.DataFrame, freq: str) -> pd.Series:
    """True for each period of :func:`binned_counts` in which the corpus has no issue (indexed by label)."""
    dated = articles[articles["issue_date"].astype(str) != ""]
    if dated.empty:
        return pd.Series([], dtype=bool, index=pd.Index([], name="period"))
    periods = _periods(dated["issue_date"], freq)
    index = pd.period_range(periods.min(), periods.max(), freq=PERIOD_CODES[freq])
    present = set(periods)
    return pd.Series([p not in present for p in index],
                     index=pd.Index([period_label(p, freq) for p in index], name="period"))


def kind_counts(mentions: pd.DataFrame, articles: pd.DataFrame, *, freq: str, level: str = "national",
                per: str = "issue") -> pd.DataFrame:
    """Mentions of one level's leaders per period, one column per kind (any bin; gaps NaN).

    Like :func:`analysis.leaders.tables.kind_series`, for every bin.
    """
    chosen = mentions[mentions["level"] == level]
    table = binned_counts(chosen, articles, freq=freq, per=per, kinds=KINDS, by="kind")
    table = table.reindex(columns=list(KINDS), fill_value=0.0)
    table[gap_mask(articles, freq).to_numpy()] = np.nan
    table.columns.name = "kind"
    return table



# --------------------------------------------------------------------------- validation

@dataclass
class Validation:
    """How far the mentions are checked, from :func:`validate`.

    ``state``: ``gold`` (a full hand annotation), ``annotation`` (a marked
    sample), ``unmarked`` (a sample file whose ``correct`` column is still
    empty), ``unvalidated`` (neither) or ``no-registry``.  ``table``: per
    kind, what to show (``None`` when there is nothing).  ``precision``,
    ``recall`` with their 95% intervals (``(nan, nan)`` when unknown);
    ``n``: gold mentions, or marked candidates; ``file``: the file's name.
    """

    state: str
    table: pd.DataFrame | None = None
    precision: float = math.nan
    recall: float = math.nan
    precision_ci: tuple = (math.nan, math.nan)
    recall_ci: tuple = (math.nan, math.nan)
    n: int = 0
    file: str = ""
    details: dict = field(default_factory=dict)


def recall_interval(annotation: pd.DataFrame) -> tuple[float, float]:
    """A conservative 95% interval for recall from a marked sample.

    :func:`analysis.leaders.validation.annotation_report` estimates recall as
    T / (T + M): true mentions found (T, each kind's share marked correct
    times its population) over those plus the missed ones (M, the share of
    rejected hits marked as real mentions times their population).  The
    interval combines the ends of each stratum's Wilson interval: lowest T
    with highest M, and the reverse.  ``(nan, nan)`` when nothing is marked.

    >>> a = pd.DataFrame({"kind": ["coverage", "coverage", "rejected", "rejected"],
    ...                   "correct": ["yes", "yes", "no", "no"],
    ...                   "note": ["population=10"] * 2 + ["population=5"] * 2})
    >>> low, high = recall_interval(a)
    >>> 0.5 < low < high == 1.0
    True
    """
    from analysis.leaders.validation import wilson_interval

    population = annotation["note"].astype(str).str.extract(r"population=(\d+)")[0].astype(float)
    frame = annotation.assign(_population=population)
    found = [0.0, 0.0]
    missed = [0.0, 0.0]
    any_marked = False
    for kind, group in frame.groupby("kind", sort=True):
        done = group[group["correct"].isin(["yes", "no"])]
        if done.empty:
            continue
        any_marked = True
        size = float(group["_population"].max()) if group["_population"].notna().any() else float(len(group))
        low, high = wilson_interval(int((done["correct"] == "yes").sum()), len(done))
        target = missed if kind == "rejected" else found
        target[0] += low * size
        target[1] += high * size
    if not any_marked:
        return math.nan, math.nan

    def ratio(t: float, m: float) -> float:
        return t / (t + m) if t + m else math.nan

    return ratio(found[0], missed[1]), ratio(found[1], missed[0])


def validate(registry: pd.DataFrame, mentions: pd.DataFrame, articles: pd.DataFrame, *,
             gold_path: str | Path | None = None, annotation_path: str | Path | None = None) -> Validation:
    """Check the mentions against the corpus's gold annotation or marked sample, if it has one.

    ``gold_path`` / ``annotation_path``: the corpus's facts ``gold`` and
    ``annotation`` (:func:`analysis.corpus.folder.fact_path`; ``None`` when
    it has none).  A gold annotation wins over a marked sample.
    """
    from analysis.leaders.tables import accuracy_table, evaluate, read_gold
    from analysis.leaders.validation import annotation_report, check_annotation, read_annotation

    if not has_registry(registry):
        return Validation("no-registry")
    if gold_path is not None:
        gold = read_gold(gold_path)
        result = evaluate(mentions[mentions["article_id"].isin(set(gold["article_id"]))], gold)
        from analysis.leaders.validation import wilson_interval

        return Validation("gold", accuracy_table(result), result["precision"], result["recall"],
                          wilson_interval(result["true_positives"], result["predicted"]),
                          wilson_interval(result["true_positives"], result["gold"]), int(result["gold"]),
                          Path(gold_path).name,
                          {"articles": int(gold["article_id"].nunique()), "missed": len(result["missed"]),
                           "spurious": len(result["spurious"]), "title_agreement": result["title_agreement"],
                           "line_agreement": result["line_agreement"]})
    if annotation_path is not None:
        annotation = read_annotation(annotation_path)
        check_annotation(annotation, articles, annotation_path)
        per_kind, overall = annotation_report(annotation)
        if overall["marked"] == 0:
            return Validation("unmarked", file=Path(annotation_path).name, n=len(annotation))
        table = per_kind.copy()
        for column in ("precision", "ci_low", "ci_high"):
            table[column] = table[column].astype(float).round(3)
        return Validation("annotation", table, overall["precision"], overall["recall"],
                          tuple(overall["precision_ci"]), recall_interval(annotation), int(overall["marked"]),
                          Path(annotation_path).name, {"missed_estimate": overall["missed_estimate"]})
    return Validation("unvalidated")


def _interval(ci: tuple) -> str:
    low, high = ci
    if any(isinstance(x, float) and math.isnan(x) for x in (low, high)):
        return ""
    return f" (95% interval {_pct(low)}–{_pct(high)})"


def validation_phrase(v: Validation) -> str:
    """One sentence on how far the counts are checked, for the chapter's summary."""
    if v.state == "gold":
        return (f"Against a hand annotation of every mention in {_plural(v.details['articles'], 'article')} "
                f"(`{v.file}`, {number(v.n)} mentions), precision is {_pct(v.precision)} and recall "
                f"{_pct(v.recall)}.")
    if v.state == "annotation":
        return (f"A hand-marked sample of {number(v.n)} candidates (`{v.file}`) puts precision at "
                f"{_pct(v.precision)}{_interval(v.precision_ci)} and recall at about {_pct(v.recall)}"
                f"{_interval(v.recall_ci)}.")
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
            f"`{v.file}` is a hand annotation of every person named in the headlines and bodies of "
            f"{_plural(d['articles'], 'article')} ({number(v.n)} mentions; bylines and photo credits are not "
            "mentions). A mention is correct when its article, location, name and kind match an annotated one. "
            f"Precision is **{_pct(v.precision)}**{_interval(v.precision_ci)}, recall **{_pct(v.recall)}**"
            f"{_interval(v.recall_ci)}: {_plural(d['missed'], 'annotated mention')} missed, "
            f"{_plural(d['spurious'], 'spurious mention')}. The titles as written agree in "
            f"{_pct(d['title_agreement'])} of the matches and the source lines in {_pct(d['line_agreement'])}.")
    if v.state == "annotation":
        return say(
            f"`{v.file}` is a stratified sample of candidate mentions marked by hand ({number(v.n)} marked): "
            "each kind of mention, plus *rejected hits* (a registered name in the text that the extractor did "
            "not count), the only way to estimate what it misses. Precision is "
            f"**{_pct(v.precision)}**{_interval(v.precision_ci)}; recall is estimated at **{_pct(v.recall)}**"
            f"{_interval(v.recall_ci)}, about {number(round(v.details['missed_estimate']))} mentions missed "
            "in the whole corpus. The table gives precision per kind with its 95% Wilson interval; the recall "
            "interval combines the ends of the strata's intervals, so it is conservative.")
    unmarked = (f"`{v.file}` is there but none of its rows is marked yet (fill its `correct` column). "
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
    where = f"The {ctx.paper or ctx.corpus} corpus ({_plural(ctx.n_articles, 'article')}, {ctx.span})"
    if not has_registry(registry):
        found = discovered.head(3)
        names = _join([f"{r.name} ({r.title}, {number(r.count)})" for r in found.itertuples()])
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
            f"them in {_plural(n_articles, 'article')} ({_pct(share)} of the corpus): {number(len(own))} of a "
            f"person's own activity, {number(len(cited))} citations of a leader's words or doctrine"
            + (f" and {number(len(foreign))} of foreign visitors. " if len(foreign) else ". "))
        top = top_persons(mentions, 3)
        if len(top):
            parts.append("Most named for their own activity: "
                         + _join([f"{n} ({number(c)})" for n, c in top.items()]) + ". ")
    turnover = succession_phrase(successions(registry, mentions))
    if turnover:
        parts.append(turnover + " ")
    parts.append(validation_phrase(validation) + " ")
    if len(discovered):
        parts.append(f"A scan for titled names finds {_plural(len(discovered), 'official')} the registry lacks "
                     "({ref}`leaders-discovery`).")
    else:
        parts.append("A scan for titled names finds none that the registry lacks.")
    return say("".join(parts))


def successions(registry: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Posts that pass from one person to another in the registry, with what the paper shows.

    Columns: ``title``, ``before``, ``after``, ``date`` (the successor's
    start), ``last_before`` (last mention of the predecessor with that title
    printed, '' if none), ``first_after`` (first such mention of the
    successor).  Sorted by date.

    >>> reg = pd.DataFrame({"name": ["林国栋", "周卫民"], "title": ["区委书记"] * 2,
    ...                     "start": ["2019-01-01", "2021-07-01"], "end": ["2021-06-30", ""]})
    >>> successions(reg, pd.DataFrame(columns=["name", "title", "date"]))[["before", "after", "date"]].values.tolist()
    [['林国栋', '周卫民', '2021-07-01']]
    """
    rows = []
    titled = mentions[mentions["title"].fillna("").astype(str) != ""] if len(mentions) else mentions
    for title, group in registry.groupby("title", sort=True):
        if not str(title):
            continue
        group = group.sort_values("start", kind="stable")
        for prev, nxt in zip(group.itertuples(), list(group.itertuples())[1:]):
            if prev.name == nxt.name or not str(prev.end) or not str(nxt.start) or str(nxt.start) < str(prev.end):
                continue  # concurrent holders (several 副区长) are not a succession
            before = titled[(titled["name"] == prev.name) & titled["title"].astype(str).str.endswith(str(title))]
            after = titled[(titled["name"] == nxt.name) & titled["title"].astype(str).str.endswith(str(title))]
            rows.append({"title": title, "before": prev.name, "after": nxt.name, "date": str(nxt.start),
                         "last_before": str(before["date"].max()) if len(before) else "",
                         "first_after": str(after["date"].min()) if len(after) else ""})
    frame = pd.DataFrame(rows, columns=["title", "before", "after", "date", "last_before", "first_after"])
    return frame.sort_values(["date", "title"], kind="stable").reset_index(drop=True)


def succession_phrase(table: pd.DataFrame) -> str:
    """``The registry records 2 successions: 林国栋 → 周卫民 as 区委书记 (2021-07-01; the paper ...)``."""
    if table.empty:
        return ""
    items = []
    for r in table.head(4).itertuples():
        seen = (f"; the paper last prints {r.before} with that title on {r.last_before} and {r.after} first on "
                f"{r.first_after}" if r.last_before and r.first_after else "")
        items.append(f"{r.before} → {r.after} as {r.title} ({r.date}{seen})")
    return (f"The registry records {_plural(len(table), 'succession')}: " + "; ".join(items)
            + (" …" if len(table) > 4 else "") + ".")


def registry_text(registry: pd.DataFrame) -> say:
    """What the registry holds: persons, posts, levels, dates, and who changes post."""
    if not has_registry(registry):
        return say("This corpus has no registry (no `leaders.csv` in its folder): the sections that need one "
                   "are empty, and {ref}`leaders-discovery` shows how to start one.")
    levels = registry.drop_duplicates("name")["level"].value_counts()
    level_text = _join([f"{number(levels[k])} {k}" for k in ("national", "municipal", "district", "other")
                        if k in levels.index])
    starts = registry["start"].astype(str)
    ends = registry["end"].astype(str)
    open_posts = int((ends == "").sum())
    changes = _post_changes(registry)
    text = (f"The registry has {_plural(len(registry), 'row')}: {_plural(registry['name'].nunique(), 'person')} "
            f"({level_text}), posts starting from {starts.min()} to {starts.max()}, {number(open_posts)} still open "
            "(no end date). ")
    if "needs_anchor" in registry.columns and (registry["needs_anchor"].astype(str) == "yes").any():
        names = sorted(set(registry.loc[registry["needs_anchor"].astype(str) == "yes", "name"]))
        text += (f"{_join(names)} {'is' if len(names) == 1 else 'are'} marked `needs_anchor`: the name is also a "
                 "common word and counts only next to a title. ")
    if changes:
        text += (f"{_plural(len(changes), 'person')} {'holds' if len(changes) == 1 else 'hold'} more than one post, at "
                 "once or in turn: " + "; ".join(changes[:4]) + (" …" if len(changes) > 4 else "") + ".")
    return say(text)


def _post_changes(registry: pd.DataFrame) -> list[str]:
    """``周卫民: 区委副书记 (2019-01-01–2021-06-30), then 区委书记 (from 2021-07-01)`` per person with 2+ posts."""
    out = []
    for name, group in registry.groupby("name", sort=False):
        if group["title"].nunique() < 2:
            continue
        group = group.sort_values("start", kind="stable")
        posts = [f"{r.title} ({r.start}–{r.end})" if str(r.end) else f"{r.title} (from {r.start})"
                 for r in group.itertuples()]
        out.append(f"{name}: " + ", ".join(posts))
    return out


def mentions_text(mentions: pd.DataFrame) -> say:
    """Counts by kind and by place on the page."""
    if mentions.empty:
        return say("The mentions table is empty: no registered person is named in this corpus.")
    kinds = mentions["kind"].value_counts()
    places = mentions["location"].value_counts()
    kind_text = _join([f"{number(kinds[k])} `{k}`" for k in KINDS if k in kinds.index])
    place_text = _join([f"{number(places[k])} in the {k}" for k in ("headline", "subheadline", "lead", "body")
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
    head = (f"Mentions of own activity (`coverage` and `title-only`) are counted per issue and binned by "
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
            spans.append(f"{name} only in {named[0]}")
        elif len(named):
            spans.append(f"{name} in {number(len(named))} of {number(int((~gaps).sum()))} {bin_name}s with issues, "
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
                + _join([f"{r.name} ({number(r.headline + r.subheadline)})" for r in shown.itertuples()]) + "; ")
    threshold = 3 if (table["total"] >= 3).any() else 1
    frequent = table[table["total"] >= threshold]
    lead = frequent.sort_values(["lead_share", "total", "name"], ascending=[False, False, True]).iloc[0]
    return say(head + f"among those named at least {_plural(threshold, 'time')}, {lead['name']} has the "
               f"largest share in the lead paragraph ({_pct(lead['lead_share'])} of {number(int(lead['total']))}).")


def title_changes(titles: pd.DataFrame) -> pd.DataFrame:
    """Persons printed with two or more titles: ``name``, ``n_titles``, ``sequence`` (titles by first date).

    ``titles`` is :func:`analysis.leaders.tables.title_timeline`'s table.
    """
    rows = []
    for name, group in titles.groupby("name", sort=True):
        if len(group) < 2:
            continue
        group = group.sort_values(["first_date", "title"], kind="stable")
        rows.append({"name": name, "n_titles": len(group), "mentions": int(group["count"].sum()),
                     "sequence": " → ".join(f"{r.title} ({r.first_date}–{r.last_date})" for r in group.itertuples())})
    frame = pd.DataFrame(rows, columns=["name", "n_titles", "mentions", "sequence"])
    return frame.sort_values(["mentions", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)


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
    return say(head + f"{_plural(len(changes), 'person')} {'is' if len(changes) == 1 else 'are'} printed with "
               f"more than one; the most named of them, {first['name']}: {first['sequence']}. A new title is a "
               "promotion or transfer only when the registry's dates agree; the same post written "
               "with or without the place name in front is not one.")


def co_mention_text(pairs: pd.DataFrame, registry: pd.DataFrame) -> say:
    """The most frequent pairs named in the same article."""
    if not has_registry(registry):
        return _empty_for("co-mentions")
    if pairs.empty:
        return say("No article names two registered persons, so there are no co-mentions.")
    top = pairs.head(3)
    return say(f"{_plural(len(pairs), 'pair')} of persons share at least one article. The most frequent: "
               + _join([f"{r.a} and {r.b} ({_plural(r.count, 'article')}, {r.first_date} to {r.last_date})"
                        for r in top.itertuples()]) + ".")


def network_subset(pairs: pd.DataFrame, mentions: pd.DataFrame, top: int = 30,
                   kinds=ACTIVITY_KINDS + ("foreign",)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs and mentions restricted to the ``top`` most named persons, so the circle stays legible."""
    chosen = mentions[mentions["kind"].isin(kinds)]
    keep = set(chosen["name"].value_counts().sort_index().sort_values(ascending=False, kind="stable").head(top).index)
    pairs = pairs[pairs["a"].isin(keep) & pairs["b"].isin(keep)]
    return pairs, chosen[chosen["name"].isin(keep)]


# --------------------------------------------------------------------------- national leaders, protocol order

def national_text(mentions: pd.DataFrame, registry: pd.DataFrame) -> say:
    """How the national leadership is named: own activity, ritual citation or doctrine."""
    if not has_registry(registry):
        return _empty_for("national series")
    national = mentions[mentions["level"] == "national"]
    if national.empty:
        return say("No national leader of the registry is named in this corpus.")
    kinds = national["kind"].value_counts()
    cited = int(kinds.reindex(list(CITATION_KINDS), fill_value=0).sum())
    own = national[national["kind"].isin(ACTIVITY_KINDS)]
    text = (f"Leaders of the national level are named {_plural(len(national), 'time')}: "
            + _join([f"{number(kinds[k])} `{k}`" for k in KINDS if k in kinds.index])
            + f". {_pct(cited / len(national))} are citations of their words or doctrine")
    if len(own):
        who = own["name"].value_counts()
        text += (", and the mentions of own activity are of "
                 + _join([f"{n} ({number(c)})" for n, c in who.head(4).items()]))
    return say(text + ".")


def protocol_text(sequences: pd.DataFrame, changes: pd.DataFrame, registry: pd.DataFrame) -> say:
    """Roll calls and the pairs whose order changes."""
    if not has_registry(registry):
        return _empty_for("roll calls")
    if sequences.empty:
        return say("No sentence names two or more registered persons, so there is no protocol order to read.")
    changed = changes[changes["changed"]]
    text = (f"{_plural(len(sequences), 'sentence')} name two or more persons (at most "
            f"{number(int(sequences['n'].max()))}); {_plural(len(changes), 'pair')} of persons are listed together. ")
    if changed.empty:
        return say(text + "Every pair keeps the same order each time: no change of rank shows in the roll calls.")
    first = changed.sort_values(["a_first", "b_first"], ascending=False).iloc[0] if len(changed) else None
    return say(text + f"{_plural(len(changed), 'pair')} appear in both orders, for instance {first['a']} before "
               f"{first['b']} {_plural(int(first['a_first']), 'time')} and after {number(int(first['b_first']))} "
               f"({first['first_date']} to {first['last_date']}); the table below lists them. Read a change together "
               "with the titles: a new post moves a person up or down the list.")


def order_change_periods(mentions: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """For one pair: the dates on which ``a`` came first and those on which ``b`` did.

    Columns ``date``, ``first`` (the name listed first).  From the ``order``
    column of roll calls (sentences naming both).
    """
    chosen = mentions[(mentions["order"] > 0) & mentions["name"].isin([a, b])]
    rows = []
    for _, group in chosen.groupby(["article_id", "location", "sentence"], sort=True):
        places = group.sort_values("order").drop_duplicates("name")
        if len(places) == 2:
            rows.append({"date": group["date"].iloc[0], "first": places["name"].iloc[0]})
    return pd.DataFrame(rows, columns=["date", "first"]).sort_values("date", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- out of term, trace

def in_some_term(mentions: pd.DataFrame, registry: pd.DataFrame) -> pd.Series:
    """Whether a registry row of the person covers the mention's date (``start <= date <= end``, open ends).

    >>> reg = pd.DataFrame({"name": ["林国栋"], "start": ["2019-01-01"], "end": ["2021-06-30"]})
    >>> m = pd.DataFrame({"name": ["林国栋", "林国栋"], "date": ["2020-05-05", "2022-01-04"]})
    >>> in_some_term(m, reg).tolist()
    [True, False]
    """
    terms = {}
    for name, start, end in zip(registry["name"], registry["start"].fillna("").astype(str),
                                registry["end"].fillna("").astype(str)):
        terms.setdefault(name, []).append((start, end))
    dates = mentions["date"].fillna("").astype(str)
    return pd.Series([bool(date) and any((not s or s <= date) and (not e or date <= e) for s, e in terms.get(name, []))
                      for name, date in zip(mentions["name"], dates)], index=mentions.index, dtype=bool)


def out_of_term(mentions: pd.DataFrame, registry: pd.DataFrame | None = None) -> tuple[pd.DataFrame, str]:
    """Mentions of a person outside every registry term, and which rule found them.

    With the extraction's ``in_term`` column (``True``/``False`` or
    ``yes``/``no``), the rows where it is false (rule ``"in_term"``); without
    it, the rows that no registry row of the person covers
    (:func:`in_some_term`, rule ``"registry"``).  Foreign visitors aside:
    they hold no post in the registry's sense.
    """
    if "in_term" in mentions.columns:
        values = mentions["in_term"]
        if values.dtype == bool:
            outside = ~values
        else:
            outside = values.astype(str).str.strip().str.lower().isin(["false", "no", "0", "n"])
        rule = "in_term"
    else:
        outside = ~in_some_term(mentions, registry if registry is not None else pd.DataFrame(
            columns=["name", "start", "end"]))
        rule = "registry"
    outside = outside & (mentions["kind"] != "foreign")
    columns = [c for c in ("name", "title", "title_raw", "date", "kind", "location", "position", "context",
                           "source", "line") if c in mentions.columns]
    return mentions.loc[outside.to_numpy(dtype=bool), columns].reset_index(drop=True), rule


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
               + _join([f"{n} ({number(c)})" for n, c in names.head(5).items()])
               + ". Each is a date to check: either the registry's term is too narrow (a post attested before its "
               "recorded start), or the name stands for someone else.")


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


def busiest_period(counts: pd.DataFrame, name: str) -> str:
    """The period label in which ``name`` has the most mentions ('' when none)."""
    if name not in counts.columns or not np.nansum(counts[name].to_numpy(dtype=float)):
        return ""
    return str(counts[name].fillna(0).idxmax())


def trace_period(mentions: pd.DataFrame, articles: pd.DataFrame, *, name: str, period: str, freq: str,
                 kinds=ACTIVITY_KINDS) -> pd.DataFrame:
    """The lines behind one cell of :func:`binned_counts`: ``name``'s mentions in ``period`` (any bin)."""
    from analysis.leaders.tables import trace

    chosen = mentions[(mentions["name"] == name) & mentions["kind"].isin(kinds)]
    if len(chosen):
        chosen = chosen[(period_labels(chosen["issue_date"], freq) == period).to_numpy()]
    return trace(chosen, articles)


def trace_text(name: str, registry: pd.DataFrame, n: int) -> say:
    """Why this person is traced."""
    if not name:
        return _empty_for("trace") if not has_registry(registry) else say("No mention to trace.")
    anchored = ("needs_anchor" in registry.columns
                and (registry.loc[registry["name"] == name, "needs_anchor"].astype(str) == "yes").any())
    why = (f"{name}, whose name is also a common word: each mention must be anchored by a title or by a titled "
           "mention earlier in the same article" if anchored else f"{name}, the most named person")
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
                   + _join([f"{r.name} ({r.title}, {number(r.count)})" for r in top.itertuples()])
                   + ". The scan is generous: a title word before a word that only looks like a name gives a false "
                   "official, so every row needs a reader's check. " + steps)
    if discovered.empty:
        return say("The scan for title words followed by names finds no official missing from the registry: every "
                   "titled name in the corpus is registered.")
    top = discovered.head(5)
    return say(f"The scan for title words followed by names finds {_plural(len(discovered), 'official')} that the "
               "registry lacks, most often " + _join([f"{r.name} ({r.title}, {number(r.count)})" for r in top.itertuples()])
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
                         "intervals say how far they may be off, and recall counts only misses of registered names.")
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
    from analysis.book.helpers import caption_figure, figure_markdown

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
