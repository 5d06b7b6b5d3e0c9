"""Figures of the comparison chapter: several papers side by side.

Inputs are the collection's tables (:mod:`analysis.collection`): ``coverage``,
``leader_comparison``, ``adoption``, ``diffusion``, ``reprint_shares``.
One colour per paper, in the order of the ``papers`` table, in every figure.

>>> import pandas as pd
>>> cov = pd.DataFrame({"paper": ["甲", "乙"], "period": ["all", "all"], "share_本报": [0.5, 0.2],
...                     "share_新华社": [0.5, 0.3], "share_other": [0.0, 0.1], "share_none": [0.0, 0.4]})
>>> plot_source_shares(cov).get_xlabel()
"Share of the paper's articles"
"""
from __future__ import annotations

import pandas as pd

from analysis.figures.style import thin_ticks, use_cjk_font

SOURCE_COLOURS = {"本报": "#4c72b0", "新华社": "#c44e52", "other": "#8172b2", "none": "#cccccc"}


def _colours(papers) -> dict:
    import matplotlib.pyplot as plt

    return {p: plt.get_cmap("tab10")(k % 10) for k, p in enumerate(papers)}


def plot_articles_per_issue(coverage: pd.DataFrame, papers=None, ax=None):
    """Lines: articles per issue in each period, one line per paper."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    data = coverage[coverage["period"] != "all"]
    papers = list(papers) if papers is not None else sorted(data["paper"].unique())
    periods = sorted(data["period"].unique())
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    colours = _colours(papers)
    position = {p: k for k, p in enumerate(periods)}
    for paper in papers:
        mine = data[data["paper"] == paper]
        ax.plot([position[p] for p in mine["period"]], mine["articles_per_issue"], marker="o", markersize=3,
                color=colours[paper], label=paper)
    thin_ticks(ax, periods)
    ax.set_xlabel("Period")
    ax.set_ylabel("Articles per issue")
    ax.legend(frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_source_shares(coverage: pd.DataFrame, papers=None, ax=None):
    """Stacked horizontal bars: the share of each source (本报, 新华社, other, none) of each paper's articles."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    data = coverage[coverage["period"] == "all"].set_index("paper")
    papers = list(papers) if papers is not None else sorted(data.index)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.6 * len(papers) + 1.4))
    left = [0.0] * len(papers)
    for source, colour in SOURCE_COLOURS.items():
        values = [float(data.loc[p, f"share_{source}"]) for p in papers]
        ax.barh(range(len(papers)), values, left=left, color=colour, label=source)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(range(len(papers)), papers)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of the paper's articles")
    ax.legend(ncol=4, frameon=False, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_leader_rates(table: pd.DataFrame, names: list[str], papers=None, ax=None):
    """Grouped horizontal bars: mentions per 1,000 articles of each of ``names``, one bar per paper."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    papers = list(papers) if papers is not None else sorted(table["paper"].unique())
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.3 * len(names) * len(papers) + 1.4))
    rates = table.set_index(["paper", "name"])["per_1000_articles"]
    return _grouped_bars(ax, names, papers, lambda row, paper: float(rates.get((paper, row), 0.0)),
                         "Mentions per 1,000 articles (dates every paper covers)", label=str)


def plot_adoption(adoption: pd.DataFrame, phrases: list[str], papers=None):
    """Small multiples: the cumulative count of articles using each of ``phrases``, one line per paper.
    Returns the Figure."""
    import math

    import matplotlib.pyplot as plt

    use_cjk_font()
    papers = list(papers) if papers is not None else sorted(adoption["paper"].unique())
    cols = 2 if len(phrases) > 1 else 1
    rows = max(1, math.ceil(len(phrases) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(8, 2.4 * rows + 0.6), squeeze=False)
    periods = sorted(adoption["period"].unique())
    position = {p: k for k, p in enumerate(periods)}
    colours = _colours(papers)
    for ax, phrase in zip(axes.flat, phrases):
        for paper in papers:
            mine = adoption[(adoption["phrase"] == phrase) & (adoption["paper"] == paper)]
            ax.step([position[p] for p in mine["period"]], mine["cumulative"], where="post", color=colours[paper],
                    label=paper)
        ax.set_title(phrase, fontsize=10)
        thin_ticks(ax, periods, max_ticks=6)
        ax.set_ylabel("Articles (cumulative)", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(phrases):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(papers), frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_reprint_shares(shares: pd.DataFrame, papers=None, ax=None):
    """Grouped horizontal bars: the share of each paper's articles that another paper (or the paper
    itself) also printed."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    papers = list(papers) if papers is not None else sorted(shares["paper"].unique())
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.3 * len(papers) ** 2 + 1.4))
    table = shares.set_index(["paper", "other"])["share"]
    return _grouped_bars(ax, papers, papers, lambda paper, other: float(table.get((paper, other), 0.0)),
                         "Share of the paper's articles with a near-duplicate", label=lambda other: f"also in {other}")


def _grouped_bars(ax, rows: list, groups: list, value, xlabel: str, label):
    """Horizontal bars, one group of bars per entry of ``rows`` (top to bottom), one bar per entry of
    ``groups`` in the groups' colours: ``value(row, group)`` long, labelled ``label(group)``."""
    colours = _colours(groups)
    height = 0.8 / max(1, len(groups))
    for k, group in enumerate(groups):
        ax.barh([i + k * height for i in range(len(rows))], [value(row, group) for row in rows], height=height,
                color=colours[group], label=label(group))
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(rows))], rows)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax
