"""Figures for the term-frequency chapter (Chinese labels, CJK font by path).

Each function draws on a matplotlib Axes and returns it, so notebooks stay
one line per figure.  Fonts come from :mod:`analysis.plotting` (Noto Sans CJK
SC from the ``mplfonts`` package): no system fonts, no tofu boxes.

>>> from analysis.figures_terms import plot_top_terms
>>> import pandas as pd
>>> ax = plot_top_terms(pd.DataFrame({"term": ["发展", "丰台"], "count": [3, 2]}))
>>> ax.get_yticklabels()[0].get_text()
'丰台'
"""
from __future__ import annotations

import pandas as pd

from analysis.plotting import cjk_font_path, use_cjk_font


def _axes(ax, size):
    import matplotlib.pyplot as plt

    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_top_terms(freq: pd.DataFrame, n: int = 20, column: str = "count", ax=None, title: str | None = None):
    """Horizontal bar chart of the ``n`` most frequent terms (largest on top).

    ``freq`` is a :func:`analysis.frequency.term_frequency` table (ungrouped),
    already sorted; ``column`` is ``"count"`` or ``"rate_per_10k"``.
    """
    ax = _axes(ax, (6, 0.28 * min(n, len(freq)) + 1.2))
    top = freq.head(n).iloc[::-1]
    ax.barh(top["term"], top[column], color="#b22222")
    ax.set_xlabel({"count": "出现次数 (count)", "rate_per_10k": "每万词频次 (per 10,000 tokens)"}.get(column, column))
    ax.set_title(title or f"高频词 Top {min(n, len(freq))}")
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_keyness(key: pd.DataFrame, n: int = 12, ax=None, target: str = "目标", reference: str = "参照"):
    """Diverging bar chart of keyness: log ratio of the ``n`` strongest key terms each way.

    ``key`` is a :func:`analysis.frequency.keyness` table; bars to the right
    are key for the target, to the left for the reference.  Labels give G².
    """
    ax = _axes(ax, (7, 0.3 * 2 * n + 1.4))
    pos = key[key["key_for"] == "target"].head(n)
    neg = key[key["key_for"] == "reference"].head(n)
    rows = pd.concat([neg.iloc[::-1], pos.iloc[::-1]]) if len(key) else key
    colors = ["#4169e1" if k == "reference" else "#b22222" for k in rows["key_for"]]
    ax.barh(range(len(rows)), rows["log_ratio"], color=colors)
    ax.set_yticks(range(len(rows)), [f"{t}  (G²={g:.1f})" for t, g in zip(rows["term"], rows["g2"])])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"log ratio (log₂): ← {reference} 更多   {target} 更多 →")
    ax.set_title(f"关键词：{target} 对 {reference}")
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def word_cloud(freq: pd.DataFrame, n: int = 150, seed: int = 0, width: int = 800, height: int = 450):
    """A reproducible word cloud (fixed ``seed``) of the top ``n`` terms, as a WordCloud object."""
    from wordcloud import WordCloud

    weights = dict(zip(freq["term"].head(n), freq["count"].head(n)))
    cloud = WordCloud(
        font_path=str(cjk_font_path()), width=width, height=height, background_color="white",
        random_state=seed, colormap="Dark2", prefer_horizontal=1.0, collocations=False,
    )
    return cloud.generate_from_frequencies(weights) if weights else cloud


def plot_word_cloud(freq: pd.DataFrame, n: int = 150, seed: int = 0, ax=None, title: str | None = None):
    """Draw :func:`word_cloud` on an Axes (axis hidden)."""
    ax = _axes(ax, (8, 4.5))
    cloud = word_cloud(freq, n=n, seed=seed)
    if getattr(cloud, "layout_", None):
        ax.imshow(cloud.to_array(), interpolation="bilinear")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
