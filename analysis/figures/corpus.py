"""Figures of the corpus chapter: articles per period, characters per article.

Inputs are the articles table and :func:`analysis.corpus.report.period_summary`.

>>> import pandas as pd
>>> from analysis.figures.corpus import plot_length_histogram
>>> plot_length_histogram(pd.DataFrame({"n_chars": [120, 300, 800, 450]})).get_ylabel()
'Articles'
"""
from __future__ import annotations

import pandas as pd

from analysis.figures.style import thin_ticks, use_cjk_font


def plot_articles_per_period(summary: pd.DataFrame, bin_name: str = "period", ax=None):
    """Bars: articles in each period of :func:`analysis.corpus.report.period_summary` (ticks thinned when there are many)."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(min(8, 3 + 0.25 * len(summary)), 3.2))
    labels = summary["period"].astype(str).tolist()
    ax.bar(range(len(labels)), summary["articles"], color="#4c72b0", width=0.8)
    thin_ticks(ax, labels)
    ax.set_xlabel(f"Issue {bin_name}")
    ax.set_ylabel("Articles")
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_article_lengths(articles: pd.DataFrame, ax=None):
    """Horizontal bars: characters per article, labelled with its headline, grouped by issue."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    data = articles.sort_values(["issue_date", "article_id"], ascending=False, kind="stable")
    labels = [h[:20] + ("…" if len(h) > 20 else "") if h else f"（无标题）{a}" for h, a in zip(data["headline"], data["article_id"])]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.42 * len(data) + 1.2))
    issues = sorted(data["issue_date"].unique())
    # Colour by issue only while a legend of issues stays short; otherwise one colour.
    coloured = 1 < len(issues) <= 6
    colours = {d: plt.get_cmap("tab10")(k % 10) if coloured else "#4c72b0" for k, d in enumerate(issues)}
    ax.barh(range(len(data)), data["n_chars"], color=[colours[d] for d in data["issue_date"]])
    ax.set_yticks(range(len(data)), labels)
    ax.set_xlabel("Characters of body text")
    if coloured:
        handles = [plt.Rectangle((0, 0), 1, 1, color=colours[d]) for d in issues]
        ax.legend(handles, [f"issue {d}" for d in issues], loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_length_histogram(articles: pd.DataFrame, bins: int | None = None, ax=None):
    """Histogram of characters per article, the median marked (for corpora too large for one bar each)."""
    import matplotlib.pyplot as plt
    import numpy as np

    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.2))
    lengths = articles["n_chars"].to_numpy()
    bins = bins or int(min(60, max(10, np.sqrt(len(lengths)))))
    ax.hist(lengths, bins=bins, color="#4c72b0", edgecolor="white", linewidth=0.5)
    median = float(np.median(lengths)) if len(lengths) else 0.0
    ax.axvline(median, color="#c44e52", linewidth=1.5)
    ax.annotate(f"median {median:,.0f}", (median, 1), xycoords=("data", "axes fraction"),
                xytext=(4, -12), textcoords="offset points", color="#c44e52", fontsize=9)
    ax.set_xlabel("Characters of body text")
    ax.set_ylabel("Articles")
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax
