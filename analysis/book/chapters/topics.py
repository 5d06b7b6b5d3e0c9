"""What chapter 4 (topic clusters) says: sentences, tables and figures from the built topic tables.

The build fits the model once (:mod:`analysis.topics.model` via ``python -m
analysis build``) and writes ``clusters`` (article, cluster, LSA x/y),
``cluster_terms``, ``topic_selection``, ``tfidf_summary``,
``representative_articles``, ``nmf_terms`` and ``nmf_articles``; the tables
the chapter shows besides them are :mod:`analysis.topics.model`'s views of
those tables (:func:`~analysis.topics.model.cluster_overview`,
:func:`~analysis.topics.model.cluster_period_shares`,
:func:`~analysis.topics.model.nmf_partition` …): nothing is refitted, and
this module only writes the prose. When the build
skipped topics (a corpus too small to cluster), :func:`skipped` says so and
the chapter's other cells show a sentence instead of a table or a figure.

>>> import pandas as pd
>>> sel = pd.DataFrame({"k": [2, 3], "silhouette": [0.2, 0.1], "inertia": [4.0, 3.0],
...                     "smallest_cluster": [2, 1], "chosen": [True, False]})
>>> print(selection_sentence(sel))  # doctest: +ELLIPSIS
The highest mean silhouette, 0.200, is at k = 2...
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.book.escape import md
from analysis.figures.topics import MAP_LABEL_ALL
from analysis.tables import Tables
from analysis.topics.labels import top_terms
from analysis.topics.model import map_agreement
from analysis.topics.selection import K_LIMIT, MAX_SHARE, SILHOUETTE_NOISE, SILHOUETTE_TOLERANCE, next_ks
from . import Context, number, say

#: The built tables this chapter reads (all but ``articles`` are missing when the build skipped topics).
TABLES = ("articles", "clusters", "cluster_terms", "topic_selection", "tfidf_summary", "representative_articles",
          "nmf_terms", "nmf_articles")

#: Rough reading of a mean silhouette (Kaufman & Rousseeuw 1990): (lower bound, words).
SILHOUETTE_READING = [(0.70, "a strong structure"), (0.50, "a reasonable structure"),
                      (0.25, "a weak structure that may be artificial"),
                      (-1.0, "no substantial structure")]


def _n(count: int, noun: str, plural: str | None = None) -> str:
    return f"{number(count) if count else 'no'} {noun if count == 1 else (plural or noun + 's')}"


def reading(silhouette: float) -> str:
    """Words for a mean silhouette value.

    >>> reading(0.12)
    'no substantial structure'
    """
    if silhouette is None or np.isnan(silhouette):
        return "no measurable structure"
    return next(words for bound, words in SILHOUETTE_READING if silhouette >= bound)


def load_tables(tables: Tables) -> dict[str, pd.DataFrame | None]:
    """The chapter's tables (:data:`TABLES`) of the build ``tables``, by name; ``None`` for a table the
    build did not write (topics skipped on a corpus too small to cluster, or NMF skipped)."""
    return {name: tables.load(name) if tables.has(name) else None for name in TABLES}


# --------------------------------------------------------------------------- opening and skipping

def skipped(ctx: Context, articles: pd.DataFrame) -> say:
    """The sentence shown when the build wrote no topic tables."""
    return say(f"**The build skipped topic clustering for {md(ctx.corpus)}.** The corpus has "
               f"{_n(len(articles), 'article')}; choosing the number of clusters needs at least three articles "
               "that share terms (a term is kept only when two articles use it). Every section below therefore "
               "says what it would show instead of showing it; run the build on a larger corpus to fill them.")


def summary(ctx: Context, clusters: pd.DataFrame, cluster_terms: pd.DataFrame, selection: pd.DataFrame,
            agreement: pd.DataFrame | None = None) -> say:
    """The chapter's opening: how many clusters, how well separated, the largest and smallest."""
    k = int(clusters.loc[clusters["cluster"] >= 0, "cluster"].nunique())
    n = len(clusters)
    sizes = clusters.loc[clusters["cluster"] >= 0, "cluster"].value_counts().sort_index()
    names = top_terms(cluster_terms)
    chosen = selection[selection["chosen"]]
    parts = [f"On **{md(ctx.corpus)}** ({_n(n, 'article')}, {ctx.span}), k-means on the articles' TF-IDF vectors "
             f"groups them into **{k} clusters**"]
    if len(chosen):
        s = float(chosen["silhouette"].iloc[0])
        best = float(selection["silhouette"].max())
        how = (f"by the highest mean silhouette ({s:.3f}: {reading(s)})" if s >= best - 1e-12 else
               f"by the mean silhouette ({s:.3f} at the k kept, {best:.3f} at the highest, for the reason the section "
               f"on how many clusters gives: {reading(s)})")
        parts[0] += f", k chosen among {int(selection['k'].min())}–{int(selection['k'].max())} {how}."
    else:
        parts[0] += "."
    big, small = int(sizes.idxmax()), int(sizes.idxmin())
    parts.append(f"The largest, cluster {big} ({md(names.get(big, ''))}), holds {_n(int(sizes[big]), 'article')} "
                 f"({100 * sizes[big] / n:.0f} %); the smallest, cluster {small} ({md(names.get(small, ''))}), "
                 f"{_n(int(sizes[small]), 'article')}.")
    unclustered = int((clusters["cluster"] < 0).sum())
    if unclustered:
        parts.append(f"{_n(unclustered, 'article')} had no kept term and {'is' if unclustered == 1 else 'are'} in "
                     "no cluster.")
    if agreement is not None and len(agreement):
        ari = float(agreement.set_index("measure").loc["adjusted_rand_index", "value"])
        parts.append(f"A second method (NMF) agrees with the clusters with an adjusted Rand index of {ari:.2f} "
                     f"({agreement_reading(ari)}).")
    return say(" ".join(parts))


# --------------------------------------------------------------------------- vectors and k

def vocabulary_sentence(tfidf_summary: pd.DataFrame) -> say:
    """The TF-IDF matrix in words (from the build's ``tfidf_summary`` table)."""
    items = dict(zip(tfidf_summary["item"].astype(str), tfidf_summary["value"].astype(str)))
    n, empty = int(items["articles"]), int(items["articles without kept terms"])
    terms, density = int(items["terms kept"]), float(items["density"])
    # Terms per article from the exact count of non-zero cells (the density is rounded to 4 decimals:
    # 0.0021 × 53,724 terms gave 113 where 2,660,312 cells / 24,100 articles are 110).
    per_article = int(items["non-zero cells"]) / max(n, 1)
    tail = (f" {_n(empty, 'article')} kept no term at all and {'is' if empty == 1 else 'are'} left out of the "
            "clusters." if empty else " Every article kept at least one term.")
    return say(f"The matrix has {_n(n, 'row')} (articles) and {_n(terms, 'column')} (terms kept); "
               f"{density * 100:.1f} % of its cells are non-zero, so an article uses on average about "
               f"{number(int(round(per_article)))} of the kept terms.{tail}")


def selection_sentence(selection: pd.DataFrame, n_clustered: int | None = None) -> say:
    """Which k was kept and why (highest silhouette, or the largest cluster's size), how much to trust it,
    and whether the range was extended (``n_clustered``: articles with kept terms, to say when k was
    chosen on a sample of them).  The rule is :mod:`analysis.topics.selection`'s."""
    if selection.empty:
        return say("k was fixed, not chosen: there is no silhouette curve to show.")
    chosen = selection[selection["chosen"]].iloc[0]
    k, s = int(chosen["k"]), float(chosen["silhouette"])
    scored = selection.dropna(subset=["silhouette"])
    best = scored.loc[scored["silhouette"].idxmax()] if len(scored) else chosen
    if int(best["k"]) != k and float(best["silhouette"]) - s <= SILHOUETTE_NOISE + 1e-12:
        text = (f"The highest mean silhouette, {float(best['silhouette']):.3f}, is at k = {int(best['k'])}; k = {k} "
                f"({s:.3f}) is within {SILHOUETTE_NOISE} of it, as close as fits of one k from other seeds are to "
                f"each other, so the silhouette does not tell them apart and the smaller k, with fewer clusters to "
                f"name, is kept.")
    elif int(best["k"]) != k:
        text = (f"The highest mean silhouette, {float(best['silhouette']):.3f}, is at k = {int(best['k'])}, but its "
                f"largest cluster holds {float(best['largest_share']):.0%} of the articles; k = {k} "
                f"({s:.3f}, within {SILHOUETTE_TOLERANCE:.0%} of it) has no cluster over "
                f"{MAX_SHARE:.0%} and is kept: the silhouette does not tell the two apart, the size of the largest "
                "cluster does.")
    else:
        text = f"The highest mean silhouette, {s:.3f}, is at k = {k}"
        rest = selection[~selection["chosen"]].dropna(subset=["silhouette"])
        if len(rest):
            second = rest.loc[rest["silhouette"].idxmax()]
            gap = s - float(second["silhouette"])
            text += (f"; the next best is k = {int(second['k'])} ({float(second['silhouette']):.3f}), "
                     f"{gap:.3f} lower")
            text += (": a gap this small is weak evidence for one k over the other." if gap < 0.02
                     else ".")
        else:
            text += "."
        if "largest_share" in selection.columns and float(chosen["largest_share"]) > MAX_SHARE:
            text += (f" Its largest cluster holds {float(chosen['largest_share']):.0%} of the articles, and no k "
                     f"with none over {MAX_SHARE:.0%} came within {SILHOUETTE_TOLERANCE:.0%} of its silhouette.")
    text += f" A mean silhouette of {s:.3f} indicates {reading(s)}" + (
        ": the groups overlap heavily, and many articles sit almost as close to another cluster as to their own."
        if s < 0.25 else ".")
    top = int(selection["k"].max())
    extended = bool(selection["extended"].any()) if "extended" in selection.columns else False
    at_edge = (bool(selection["at_edge"].any()) if "at_edge" in selection.columns
               else k == top and len(selection) > 1)
    if extended:
        text += f" The silhouette was highest at the top of the first range tried, so the range was extended to k = {top}."
    text += _hairline(selection)
    if at_edge:
        text += (f" The chosen k is still the largest tried (k = {top}), and the silhouette was still rising: the "
                 "corpus may hold more groups than this search allowed.")
    elif extended and int(best["k"]) == top and top >= K_LIMIT:
        text += (f" The highest silhouette sits at k = {top}, the largest k the search allows (a limit, so that the "
                 "clusters stay few enough to read); the k kept is below it by the rule above.")
    smallest = int(chosen["smallest_cluster"])
    if smallest <= 1:
        text += " Its smallest cluster is a single article."
    if "n_articles" in selection.columns and n_clustered and int(chosen["n_articles"]) < n_clustered:
        text += (f" Every k was scored on a fixed random sample of {number(int(chosen['n_articles']))} of the "
                 f"{number(n_clustered)} articles: k-means was fitted once there, with the largest k the search "
                 "allows, and its clusters merged step by step (Ward's criterion) and refined into each smaller k, "
                 "so model selection costs about one fit at any corpus size; the chosen k was then fitted once on "
                 "all of them, and the clusters below are that fit's.")
    return say(text)


def _hairline(selection: pd.DataFrame) -> str:
    """A warning when the search's end hung on less than the silhouette can tell apart: a range extended
    because its top k led the others by under :data:`SILHOUETTE_NOISE`, or ended although its top k was
    that close to the best ("" otherwise).  On the development corpus k = 12 led k = 11 by 0.0001; editing
    1% of the articles reversed it, the search stopped, and k = 28 became k = 16.

    >>> t = pd.DataFrame({"k": [2, 3, 4, 6, 8], "silhouette": [0.1, 0.139, 0.14, 0.2, 0.19],
    ...                   "extended": [False, False, False, True, True], "n_articles": 100})
    >>> _hairline(t)
    ' The range was extended past k = 4 because it scored 0.0010 above the best smaller k, less than fits of one k from other seeds differ (0.005): a slightly different corpus could end the search there and keep another k.'
    """
    if "extended" not in selection.columns or len(selection) < 2:
        return ""
    table = selection.dropna(subset=["silhouette"]).sort_values("k")
    ks = table["k"].astype(int).tolist()
    score = dict(zip(ks, table["silhouette"].astype(float)))
    n = int(table["n_articles"].max()) if "n_articles" in table.columns else 10**9
    tried = [k for k, e in zip(ks, table["extended"].astype(bool)) if not e]
    while tried:
        top = max(tried)
        rest = [score[k] for k in tried if k != top]
        following = [k for k in next_ks(top, n) if k in score]
        if not rest:
            return ""
        if following:
            lead = score[top] - max(rest)
            if 0 <= lead < SILHOUETTE_NOISE:
                return (f" The range was extended past k = {top} because it scored {lead:.4f} above the best smaller "
                        f"k, less than fits of one k from other seeds differ ({SILHOUETTE_NOISE}): a slightly "
                        "different corpus could end the search there and keep another k.")
            tried += following
            continue
        gap = max(rest) - score[top]
        if 0 < gap < SILHOUETTE_NOISE and top == max(ks) and next_ks(top, n):
            return (f" The search ended at k = {top}, whose silhouette was {gap:.4f} below the best, less than fits "
                    f"of one k from other seeds differ ({SILHOUETTE_NOISE}): a slightly different corpus could have "
                    "extended the range and kept another k.")
        return ""
    return ""


#: The columns of the selection table shown on the page; the download holds every column.
SELECTION_SHOWN = ["k", "silhouette", "largest_share", "smallest_cluster", "n_articles", "chosen"]


def selection_view(selection: pd.DataFrame) -> pd.DataFrame:
    """The selection table as the page shows it (:data:`SELECTION_SHOWN`): narrow enough for a phone."""
    return selection[[c for c in SELECTION_SHOWN if c in selection.columns]]


def selection_caption(selection: pd.DataFrame) -> tuple[str, str]:
    """(caption, alt text) of the silhouette-against-k figure."""
    chosen = selection[selection["chosen"]].iloc[0]
    k, s = int(chosen["k"]), float(chosen["silhouette"])
    lo, hi = int(selection["k"].min()), int(selection["k"].max())
    caption = (f"Mean silhouette (cosine) of k-means for k = {lo} to {hi}; the circled point, k = {k}, is the one "
               "kept. Read the height of the curve (how separated the clusters are) as much as its peak.")
    best = selection.loc[selection["silhouette"].astype(float).idxmax()]
    alt = (f"Line chart of mean silhouette against the number of clusters k from {lo} to {hi}; the highest value, "
           f"{s:.3f}, is at k = {k}, circled." if int(best["k"]) == k else
           f"Line chart of mean silhouette against the number of clusters k from {lo} to {hi}; the highest value, "
           f"{float(best['silhouette']):.3f}, is at k = {int(best['k'])}; the k kept, {k} ({s:.3f}), is circled.")
    return caption, alt


# --------------------------------------------------------------------------- clusters

def terms_sentence(cluster_terms: pd.DataFrame) -> say:
    """Whether the top terms describe clusters or single articles (``doc_freq`` of 1)."""
    shared = cluster_terms[cluster_terms["n_articles"] > 2]
    lonely = shared[shared["doc_freq"] <= 1]
    if shared.empty:
        return say("Every cluster has at most two articles, so its terms describe those articles, not a subject.")
    if lonely.empty:
        return say("Every top term of a cluster of more than two articles occurs in at least two of its articles: "
                   "the terms describe what the cluster's articles share.")
    return say(f"{_n(len(lonely), 'top term')} (of {number(len(shared))} in clusters of more than two articles) "
               f"{'occurs' if len(lonely) == 1 else 'occur'} in a single article of its cluster: such a term is that "
               "article's word, not the cluster's.")


# --------------------------------------------------------------------------- over time

def trend_sentence(ctx: Context, sizes: pd.DataFrame, cluster_terms: pd.DataFrame) -> say:
    """Does the mix of clusters change over time? A chi-square test and the largest change in share."""
    from scipy.stats import chi2_contingency

    table = sizes.pivot(index="period", columns="cluster", values="n_articles").fillna(0)
    table = table.loc[:, table.sum() > 0]
    name = ctx.bin_name
    if len(table) < 3 or table.shape[1] < 2:
        return say(f"With {_n(len(table), name)} and {_n(table.shape[1], 'cluster')}, a change between the bars is a "
                   "few articles moving: no trend can be read from it.")
    expected = chi2_contingency(table.values)[3]
    if (expected < 5).mean() > 0.2:
        test = (f"Too few articles per {name} and cluster for a chi-square test (more than a fifth of the expected "
                "counts are under 5).")
    else:
        chi2, p, dof, _ = chi2_contingency(table.values)
        v = np.sqrt(chi2 / (table.values.sum() * (min(table.shape) - 1)))
        verdict = ("the mix of clusters changes over time more than chance would" if p < 0.01
                   else "no evidence that the mix of clusters changes over time")
        test = (f"A chi-square test of clusters against {name}s gives {p_value(p)} (Cramér's V = {v:.2f}): "
                f"{verdict}.")
    shares = table.div(table.sum(axis=1), axis=0)
    third = max(1, len(shares) // 3)
    change = shares.tail(third).mean() - shares.head(third).mean()
    c = int(change.abs().idxmax())
    names = top_terms(cluster_terms)
    direction = "grew" if change[c] > 0 else "shrank"
    return say(f"{test} The largest change between the first and the last third of the {name}s: cluster {c} "
               f"({md(names.get(c, ''))}) {direction} from {100 * shares.head(third)[c].mean():.0f} % to "
               f"{100 * shares.tail(third)[c].mean():.0f} % of the articles.")


# --------------------------------------------------------------------------- map

def map_sentence(clusters: pd.DataFrame) -> say:
    """How faithfully the two-dimensional map shows the clusters."""
    share = map_agreement(clusters)
    verdict = ("the map shows the clusters well" if share >= 0.8 else
               "the map shows the clusters only in part (many are separated in the full space, not in these two "
               "directions)" if share >= 0.5 else
               "the map flattens most of the clustering, so read it for the broad directions, not for the clusters")
    return say(f"On the map, {100 * share:.0f} % of the articles lie nearer the centre of their own cluster than of "
               f"any other: {verdict}. The axes have no units of their own; only distances and directions between "
               "dots mean something.")


def map_caption(clusters: pd.DataFrame) -> tuple[str, str]:
    """(caption, alt text) of the article map."""
    n, k = len(clusters), int(clusters.loc[clusters["cluster"] >= 0, "cluster"].nunique())
    labelled = "every article labelled with its headline" if n <= MAP_LABEL_ALL else \
        "each cluster's number at its median point"
    share = map_agreement(clusters)
    caption = (f"The {number(n)} articles on the two main LSA directions, coloured by their k-means cluster "
               f"({k} clusters), {labelled}. See whether the colours occupy separate regions: here "
               f"{100 * share:.0f} % of the dots lie nearest their own cluster's centre.")
    alt = (f"Scatter plot of {number(n)} articles in two LSA dimensions, coloured by {k} clusters; "
           f"{100 * share:.0f} % of articles lie nearest their own cluster's centre.")
    return caption, alt


# --------------------------------------------------------------------------- NMF

AGREEMENT_READING = [(0.9, "nearly the same partition"), (0.6, "largely the same groups"),
                     (0.3, "partly the same groups"), (0.1, "little in common"), (-1.0, "no better than chance")]


def p_value(p: float) -> str:
    """``p = 0.0123``, or ``p < 1e-300`` where the float underflows to zero (never ``p = 0``).

    >>> p_value(0.01234), p_value(0.0)
    ('p = 0.0123', 'p < 1e-300')
    """
    return f"p = {p:.3g}" if p >= 1e-300 else "p < 1e-300"


def agreement_reading(ari: float) -> str:
    """Words for an adjusted Rand index.

    >>> agreement_reading(0.55)
    'partly the same groups'
    """
    return next(words for bound, words in AGREEMENT_READING if ari >= bound)


def agreement_sentence(agreement: pd.DataFrame, crosstab: pd.DataFrame) -> say:
    """ARI/NMI in words, and the share of articles on the best one-to-one matching of clusters and topics."""
    from scipy.optimize import linear_sum_assignment

    values = agreement.set_index("measure")["value"]
    ari, nmi = float(values["adjusted_rand_index"]), float(values["normalized_mutual_info"])
    counts = crosstab.to_numpy()
    rows, cols = linear_sum_assignment(-counts)
    matched = int(counts[rows, cols].sum())
    total = int(counts.sum())
    return say(f"The adjusted Rand index is {ari:.2f} and the normalised mutual information {nmi:.2f}: the two "
               f"methods find {agreement_reading(ari)}. With each cluster paired with its best-matching NMF topic (one to one), "
               f"{number(matched)} of {number(total)} articles ({100 * matched / max(total, 1):.0f} %) fall on the "
               "diagonal; the others are articles that mix subjects, which NMF can express as a blend and k-means "
               "cannot.")


# --------------------------------------------------------------------------- limits

def limits(ctx: Context, clusters: pd.DataFrame | None, selection: pd.DataFrame | None) -> say:
    """The chapter's Limits section, computed for the corpus."""
    points = []
    if clusters is None:
        points.append(f"- **No clusters**: the build skipped topics on {md(ctx.corpus)}; nothing in this chapter "
                      "describes it.")
    else:
        n = len(clusters)
        sizes = clusters.loc[clusters["cluster"] >= 0, "cluster"].value_counts()
        points.append(f"- **Size**: {_n(n, 'article')} in {_n(len(sizes), 'cluster')}; the smallest has "
                      f"{_n(int(sizes.min()), 'article')}, and its top terms rest on that many texts.")
        if selection is not None and len(selection):
            s = float(selection.loc[selection["chosen"], "silhouette"].iloc[0])
            points.append(f"- **Separation**: a mean silhouette of {s:.3f} ({reading(s)}); the clusters are a "
                          "partition the method imposes, and another k or another seed would draw some borders "
                          "elsewhere.")
    points.append("- **Words, not subjects**: TF-IDF sees which words an article uses, not what it says about "
                  "them; a cluster's name (its top terms) is a summary to check against its articles.")
    if clusters is not None:
        points.append(f"- **Time**: shares are by {ctx.bin_name} of the issue date; a cluster's rise in one "
                      f"{ctx.bin_name} can be a single event covered by several articles.")
    return say("\n".join(points))
