"""Figures of the topics chapter, from the build's topic tables (``topic_selection``, ``clusters``, …).

>>> import pandas as pd
>>> from analysis.figures.topics import plot_k_selection
>>> sel = pd.DataFrame({"k": [2, 3], "silhouette": [0.2, 0.1], "chosen": [True, False]})
>>> plot_k_selection(sel).get_legend().get_texts()[0].get_text()
'chosen k = 2'
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.figures.style import thin_ticks, use_cjk_font
from analysis.topics.labels import top_terms
from analysis.topics.model import article_label

#: Above this many articles the map labels one article per cluster, not every article.
MAP_LABEL_ALL = 30
#: Above this many articles the map's dots are one image in the SVG download (its text and axes stay
#: vector): the development corpus's 24,100 dots, one SVG element each, made a 4.2 MB file that took 3.3 s
#: to write and is slow to open.  The PNG is the same either way.
MAP_VECTOR_DOTS = 2000


def cluster_colours(k: int) -> list:
    """One colour per cluster number 0 … k-1, none repeated up to 54 clusters (tab10; tab20; tab20 + tab20b +
    tab20c; each without its greys), cycling only beyond.

    The greys are left out because grey marks the articles without a kept term: on the development corpus
    (28 clusters) clusters 14 and 15 were tab20's two greys, and read as unclustered.

    >>> len(set(cluster_colours(28))) == 28
    True
    >>> any(r == g == b for r, g, b in cluster_colours(54))
    False
    """
    import matplotlib.pyplot as plt

    names = ["tab10"] if k <= 9 else ["tab20"] if k <= 18 else ["tab20", "tab20b", "tab20c"]
    palette = [colour for name in names for colour in plt.get_cmap(name).colors
               if not colour[0] == colour[1] == colour[2]]
    return [palette[i % len(palette)] for i in range(max(k, 1))]


def spread_labels(points: pd.DataFrame, x_span: float, y_span: float, gap: float = 0.045) -> pd.DataFrame:
    """Label positions (columns ``x``, ``y``) moved apart vertically so that no two are closer than ``gap``
    of the spans in both directions; the first label of a pile keeps its place.

    >>> p = pd.DataFrame({"x": [0.0, 0.01, 0.5], "y": [0.0, 0.0, 0.0]})
    >>> spread_labels(p, 1.0, 1.0)["y"].round(3).tolist()
    [0.0, 0.045, 0.0]
    """
    dx, dy = gap * max(x_span, 1e-9), gap * max(y_span, 1e-9)
    placed: list[tuple[float, float]] = []
    out = points.copy()
    for index, (x, y) in points[["x", "y"]].iterrows():
        step = 0
        while any(abs(x - px) < dx and abs(y + step * dy - py) < dy for px, py in placed) and step < 50:
            # Alternate above and below: 1, -1, 2, -2 …
            step = -step if step > 0 else 1 - step
        placed.append((x, y + step * dy))
        out.loc[index, "y"] = y + step * dy
    return out


def plot_k_selection(selection: pd.DataFrame, ax=None):
    """Mean silhouette against k (the build's ``topic_selection`` table), the chosen k circled.  Returns the Axes."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot(selection["k"], selection["silhouette"], marker="o", color="#4c72b0")
    best = selection[selection["chosen"]]
    ax.scatter(best["k"], best["silhouette"], s=140, facecolors="none", edgecolors="#c44e52", linewidths=2,
               label=f"chosen k = {int(best['k'].iloc[0])}", zorder=3)
    ax.set_xlabel("Number of clusters k")
    ax.set_ylabel("Mean silhouette (cosine)")
    if len(selection) <= 12:
        ax.set_xticks(selection["k"])
    else:
        # An extended range (k up to 48): every k's label would overlap its neighbours'.
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_cluster_shares(sizes: pd.DataFrame, cluster_terms: pd.DataFrame, bin_name: str = "period", ax=None):
    """Stacked bars: each period's articles split by cluster, as shares (ticks thinned when there are many)."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    wide = sizes.pivot(index="period", columns="cluster", values="share").fillna(0)
    names = top_terms(cluster_terms, 2)
    if ax is None:
        rows = -(-wide.shape[1] // 2)
        # The legend sits under the axes, inside the figure: add its height (and the rotated labels') to the plot's.
        _, ax = plt.subplots(figsize=(min(8, 3.5 + 0.3 * len(wide)), 3.2 + 0.25 * rows + (0.8 if len(wide) > 6 else 0)))
    colours = cluster_colours(int(max(wide.columns)) + 1 if len(wide.columns) else 1)
    bottom = np.zeros(len(wide))
    for c in wide.columns:
        label = f"cluster {c}: {names.get(int(c), '')}" if c >= 0 else "no kept term"
        ax.bar(range(len(wide)), wide[c].values, bottom=bottom, width=0.85, label=label,
               color="#999999" if c < 0 else colours[int(c)])
        bottom += wide[c].values
    thin_ticks(ax, [str(p) for p in wide.index])
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"Issue {bin_name}")
    ax.set_ylabel("Share of articles")
    # Below the (rotated, when many) period labels and the axis title.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.38 if len(wide) > 6 else -0.22), frameon=False,
              fontsize=8, ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_cluster_map(clusters: pd.DataFrame, cluster_terms: pd.DataFrame, articles: pd.DataFrame,
                     representatives: pd.DataFrame | None = None, ax=None):
    """The LSA map from the build's ``clusters`` table: one dot per article, coloured by cluster.

    Up to :data:`MAP_LABEL_ALL` articles every dot is labelled with its
    headline; above, only each cluster's representative (rank 1). Dots shrink
    and fade as the corpus grows, so thousands stay readable.
    """
    import matplotlib.pyplot as plt

    use_cjk_font()
    n = len(clusters)
    k = clusters["cluster"].nunique()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5.5 + 0.2 * -(-k // 2)))
    colours = cluster_colours(int(clusters["cluster"].max()) + 1 if n else 1)
    names = top_terms(cluster_terms, 3)
    size, alpha = (60, 1.0) if n <= 200 else (12, 0.6) if n <= 5000 else (3, 0.35)
    for c in sorted(clusters["cluster"].unique()):
        rows = clusters[clusters["cluster"] == c]
        label = (f"cluster {c} ({len(rows):,} articles): {names.get(int(c), '')}" if c >= 0
                 else f"no kept term ({len(rows):,} articles)")
        ax.scatter(rows["x"], rows["y"], s=size, alpha=alpha, color="#999999" if c < 0 else colours[int(c)],
                   edgecolors="white" if n <= 200 else "none", linewidths=0.6, label=label, zorder=2,
                   rasterized=n > MAP_VECTOR_DOTS)
    if n <= MAP_LABEL_ALL:
        # Few articles: every dot carries its headline.
        shown = clusters["article_id"].astype(str).tolist()
        by_id = articles.set_index(articles["article_id"].astype(str))
        labels = article_label(by_id.loc[shown].reset_index(drop=True)) if shown else pd.Series(dtype=str)
        position = clusters.set_index(clusters["article_id"].astype(str))
        for article, text in zip(shown, labels):
            ax.annotate(text, (position.loc[article, "x"], position.loc[article, "y"]), xytext=(5, 4),
                        textcoords="offset points", fontsize=8, color="#222222", zorder=3)
    else:
        # Many articles: headlines would pile up; each cluster's number sits at its median point.
        centres = spread_labels(clusters[clusters["cluster"] >= 0].groupby("cluster")[["x", "y"]].median(),
                                float(clusters["x"].max() - clusters["x"].min()),
                                float(clusters["y"].max() - clusters["y"].min()))
        for c, (x, y) in centres.iterrows():
            ax.annotate(str(c), (x, y), ha="center", va="center", fontsize=9, zorder=4,
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": colours[int(c)],
                              "alpha": 0.85})
    if n:
        span = max(float(clusters["x"].max() - clusters["x"].min()), 1e-9)
        # Room on the right for the headlines of the rightmost dots.
        right = 0.45 if n <= MAP_LABEL_ALL else 0.05
        ax.set_xlim(clusters["x"].min() - 0.05 * span, clusters["x"].max() + right * span)
    ax.set_xlabel("First LSA dimension")
    ax.set_ylabel("Second LSA dimension")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize=8, ncol=2 if k > 4 else 1,
              markerscale=max(1.0, 40 / size) ** 0.5)
    ax.margins(y=0.12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax
