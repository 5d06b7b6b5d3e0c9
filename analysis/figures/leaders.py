"""Figures of the leaders chapter, from the tables of :mod:`analysis.leaders.tables`.

``plot_timelines`` (small multiples, one panel per person: the book's) and
``plot_timeline`` (every person on one Axes, bare titles dashed beside the
named counts) return a Figure and an Axes; the others an Axes, except
``plot_kinds`` (a Figure, or ``None`` when there is nothing to draw).

>>> import pandas as pd
>>> from analysis.figures.leaders import plot_prominence
>>> table = pd.DataFrame({"name": ["王一"], "headline": [1], "subheadline": [0], "lead": [2], "body": [3]})
>>> plot_prominence(table).get_xlabel()
'mentions'
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.figures.style import use_cjk_font
from analysis.leaders.tables import ACTIVITY_KINDS


def plot_timelines(counts: pd.DataFrame, top: int = 8, ylabel: str = "mentions per issue", xlabel: str = ""):
    """Small multiples: one panel per person (the ``top`` most named), markers and lines, gaps shaded.

    One panel each, on one shared scale, so no series hides another and a
    single period still shows as a dot.  Returns the Figure, or ``None`` when
    no one is named.
    """
    import matplotlib.pyplot as plt

    names = [c for c in counts.columns if np.nansum(counts[c].to_numpy(dtype=float)) > 0][:top]
    if not names:
        return None
    use_cjk_font()
    n = len(names)
    fig, axes = plt.subplots(n, 1, figsize=(6.4, 0.9 + 1.05 * n), sharex=True, squeeze=False,
                             layout="constrained")
    x = np.arange(len(counts.index))
    gaps = counts.isna().all(axis=1).to_numpy()
    ymax = float(np.nanmax(counts[names].to_numpy(dtype=float)))
    marker = 4 if len(x) <= 40 else 2.5
    for k, (ax, name) in enumerate(zip(axes[:, 0], names)):
        for i in np.flatnonzero(gaps):
            ax.axvspan(i - 0.5, i + 0.5, color="0.9", zorder=0, linewidth=0)
        ax.plot(x, counts[name].to_numpy(dtype=float), marker="o", markersize=marker, linewidth=1.3,
                color=f"C{k % 10}")
        ax.set_ylim(0, ymax * 1.2 or 1)
        ax.set_title(name, loc="left", fontsize=10, pad=2)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="0.88", linewidth=0.6)
        ax.tick_params(labelsize=8)
    step = max(1, math.ceil(len(x) / 12))
    bottom = axes[-1, 0]
    bottom.set_xticks(x[::step], list(counts.index)[::step], rotation=45, ha="right", fontsize=8)
    bottom.set_xlim(-0.5, len(x) - 0.5)
    if xlabel:
        bottom.set_xlabel(xlabel, fontsize=9)
    fig.supylabel(ylabel, fontsize=9)
    return fig


def plot_timeline(counts: pd.DataFrame, ax=None, top: int = 6, title_only: pd.DataFrame | None = None):
    """Lines per person over periods; NaN periods (no issue in the corpus) stay gaps.

    ``counts`` from :func:`analysis.leaders.tables.mention_counts` (whose default kinds include bare
    titles only when validated, :func:`analysis.leaders.tables.title_only_counts`).  ``title_only``:
    a :func:`analysis.leaders.tables.title_only_series` table drawn as dashed lines of the same
    colour, labelled "(title only)", for showing unvalidated bare titles
    beside the named counts rather than inside them.
    """
    import matplotlib.pyplot as plt

    use_cjk_font()
    ax = ax or plt.subplots(figsize=(8, 3.5))[1]
    x = np.arange(len(counts.index))
    for name in list(counts.columns)[:top]:
        line, = ax.plot(x, counts[name].to_numpy(), marker="o", label=name, alpha=0.8)
        if title_only is not None and name in title_only.columns and np.nansum(title_only[name].to_numpy()) > 0:
            extra = title_only[name].reindex(counts.index).to_numpy(dtype=float)
            ax.plot(x, extra, linestyle="--", marker=".", color=line.get_color(), alpha=0.8,
                    label=f"{name} (title only)")
    missing = counts.isna().all(axis=1).to_numpy()
    for i in np.flatnonzero(missing):
        ax.axvspan(i - 0.5, i + 0.5, color="0.9", zorder=0)
    ax.set_xticks(x, counts.index, rotation=45, ha="right")
    ax.set_ylabel("mentions")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def plot_prominence(table: pd.DataFrame, ax=None):
    """Stacked horizontal bars: headline, lead and body mentions per person."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    ax = ax or plt.subplots(figsize=(7, 0.3 * len(table) + 1))[1]
    table = table.iloc[::-1]
    left = np.zeros(len(table))
    for column, label in (("headline", "headline"), ("subheadline", "subheadline"), ("lead", "lead"),
                          ("body", "body")):
        values = table[column].to_numpy(dtype=float)
        ax.barh(table["name"], values, left=left, label=label)
        left += values
    ax.set_xlabel("mentions")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_network(pairs: pd.DataFrame, mentions: pd.DataFrame, ax=None, kinds=ACTIVITY_KINDS + ("foreign",)):
    """Co-mention network on a circle: node size = mentions, edge width and shade = shared articles.

    Widths grow with the square root of a pair's count relative to the largest pair's (0.4 to 6 points), so
    a corpus whose busiest pair shares 600 articles draws lines, not a solid block.
    """
    import matplotlib.pyplot as plt

    use_cjk_font()
    ax = ax or plt.subplots(figsize=(7, 7))[1]
    chosen = mentions[mentions["kind"].isin(kinds)]
    sizes = chosen["name"].value_counts()
    levels = chosen.drop_duplicates("name").set_index("name")["level"]
    # Order of first appearance keeps people reported together on one arc of the circle.
    names = list(dict.fromkeys(chosen["name"]))
    angle = {n: 2 * math.pi * i / len(names) for i, n in enumerate(names)}
    pos = {n: (math.cos(a), math.sin(a)) for n, a in angle.items()}
    top = max(1, int(pairs["count"].max())) if len(pairs) else 1
    # Light, thin pairs first so the strong ones are drawn on top.
    for row in pairs.sort_values("count", kind="stable").itertuples():
        (x1, y1), (x2, y2) = pos[row.a], pos[row.b]
        weight = math.sqrt(row.count / top)
        ax.plot([x1, x2], [y1, y2], color=str(round(0.85 - 0.45 * weight, 3)), linewidth=0.4 + 5.6 * weight,
                zorder=1, solid_capstyle="round")
    colours = {"national": "tab:red", "municipal": "tab:orange", "district": "tab:blue", "other": "tab:green",
               "": "0.5"}
    labels = {"": "no post on the date"}
    for n in names:
        x, y = pos[n]
        # Area by the square root of the share of the largest count: readable at 9 mentions or 9,000.
        area = 60 + 900 * np.sqrt(sizes[n] / sizes.max())
        ax.scatter([x], [y], s=area, color=colours.get(levels.get(n, ""), "0.5"), zorder=2)
        ha = "left" if x > 0.2 else "right" if x < -0.2 else "center"
        ax.annotate(n, (x, y), xytext=(1.1 * x + 0.04 * np.sign(x), 1.1 * y), ha=ha, va="center", fontsize=9)
    for level, colour in colours.items():
        if (levels.fillna("") == level).any():
            ax.scatter([], [], color=colour, label=labels.get(level, level))
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def plot_kinds(series: pd.DataFrame, xlabel: str = "", ax=None):
    """Stacked bars per period: ritual and doctrine citations versus coverage, gaps shaded, ticks thinned.

    ``series``: :func:`analysis.leaders.tables.kind_series` (any period).  Draws on ``ax`` (a new
    figure when None) and returns
    the Figure, or ``None`` when every count is zero.
    """
    import matplotlib.pyplot as plt

    if series.empty or np.nansum(series.to_numpy(dtype=float)) == 0:
        return None
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
    x = np.arange(len(series.index))
    bottom = np.zeros(len(x))
    for kind in series.columns:
        values = np.nan_to_num(series[kind].to_numpy(dtype=float))
        if values.any():
            ax.bar(x, values, bottom=bottom, label=kind)
            bottom += values
    for i in np.flatnonzero(series.isna().all(axis=1).to_numpy()):
        ax.axvspan(i - 0.5, i + 0.5, color="0.9", zorder=0)
    step = max(1, math.ceil(len(x) / 12))
    ax.set_xticks(x[::step], list(series.index)[::step], rotation=45, ha="right", fontsize=8)
    ax.set_xlim(-0.5, len(x) - 0.5)
    ax.set_ylabel("mentions per issue")
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=9)
    ax.legend(frameon=False, fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=5)
    ax.spines[["top", "right"]].set_visible(False)
    return ax.figure
