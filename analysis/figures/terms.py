"""Figures for the term-frequency chapter (Chinese labels, CJK font by path).

Each function draws on a matplotlib Axes and returns it, so notebooks stay
one line per figure.  Fonts come from :mod:`analysis.figures.style` (Noto Sans CJK
SC from the ``mplfonts`` package): no system fonts, no tofu boxes.

>>> from analysis.figures.terms import plot_top_terms
>>> import pandas as pd
>>> ax = plot_top_terms(pd.DataFrame({"term": ["发展", "丰台"], "count": [3, 2]}))
>>> ax.get_yticklabels()[0].get_text()
'丰台'
"""
from __future__ import annotations

import pandas as pd

from analysis.figures.digest import describe, word_weights
from analysis.figures.style import cjk_font_path, use_cjk_font


def _axes(ax, size):
    import matplotlib.pyplot as plt

    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


AXIS_TITLES = {"count": "Occurrences", "rate_per_10k": "Occurrences per 10,000 tokens"}


def plot_top_terms(freq: pd.DataFrame, n: int = 20, column: str = "count", ax=None, title: str | None = None):
    """Horizontal bar chart of the ``n`` most frequent terms (largest on top).

    ``freq`` is a :func:`analysis.aggregate.frequency.term_frequency` table (ungrouped),
    already sorted; ``column`` is ``"count"`` or ``"rate_per_10k"``.  Terms
    are in Chinese, axis titles in English; the height follows the number of
    bars.  No title unless given (the book's caption says what to see).
    """
    shown = min(n, len(freq))
    ax = _axes(ax, (6, 0.28 * max(shown, 1) + 1.0))
    top = freq.head(n).iloc[::-1]
    ax.barh(top["term"], top[column], color="#b22222")
    ax.set_xlabel(AXIS_TITLES.get(column, column))
    ax.set_ylabel("Term")
    if title:
        ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


#: G² at p = 0.001 with one degree of freedom: the chapter's threshold for a key term.
SIGNIFICANT_G2 = 10.83


def plot_keyness(key: pd.DataFrame, n: int = 12, ax=None, target: str = "target", reference: str = "reference"):
    """Diverging bar chart of keyness: log ratio of the ``n`` strongest key terms each way.

    ``key`` is a :func:`analysis.aggregate.frequency.keyness` table; bars to the right
    are key for the target (red), to the left for the reference (blue).
    Labels give G²; bars below ``SIGNIFICANT_G2`` (p < 0.001) are pale and
    hatched.  ``target`` and ``reference`` name the two sides on the
    axis title; the height follows the number of bars.
    """
    pos = key[key["key_for"] == "target"].head(n)
    neg = key[key["key_for"] == "reference"].head(n)
    rows = pd.concat([neg.iloc[::-1], pos.iloc[::-1]]) if len(key) else key
    ax = _axes(ax, (7, 0.3 * max(len(rows), 1) + 1.2))
    # A bar whose difference could be chance (G² below the p < 0.001 threshold) is drawn pale and
    # hatched, so it is not read like a significant one.
    significant = rows["g2"] >= SIGNIFICANT_G2
    colors = ["#4169e1" if k == "reference" else "#b22222" for k in rows["key_for"]]
    bars = ax.barh(range(len(rows)), rows["log_ratio"], color=colors)
    for bar, strong in zip(bars, significant):
        if not strong:
            bar.set_alpha(0.35)
            bar.set_hatch("//")
    ax.set_yticks(range(len(rows)), [f"{t}  (G²={g:.2f})" for t, g in zip(rows["term"], rows["g2"])])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"log₂ ratio of rates: ← more in {reference} | more in {target} →")
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_term_periods(matrix: pd.DataFrame, ax=None, period_name: str = "Period"):
    """Heat map of term rates by period: one row per term (Chinese), one column per period.

    ``matrix`` is terms × periods of rates per 10,000 tokens
    (:func:`analysis.book.chapters.terms.trend_matrix`).  Cells are annotated
    when there are few enough periods to read them; period labels are
    thinned so they never overlap.  Width and height follow the matrix.

    >>> import pandas as pd
    >>> m = pd.DataFrame([[10.0, 30.0]], index=["发展"], columns=["2024Q1", "2024Q2"])
    >>> [t.get_text() for t in plot_term_periods(m).get_yticklabels()]
    ['发展']
    """
    n_terms, n_periods = matrix.shape
    ax = _axes(ax, (min(max(4.5, 0.45 * n_periods + 2.2), 9.5), 0.38 * max(n_terms, 1) + 1.4))
    image = ax.imshow(matrix.to_numpy(dtype=float), aspect="auto", cmap="Reds", interpolation="nearest")
    ax.set_yticks(range(n_terms), list(matrix.index))
    step = max(1, -(-n_periods // 14))  # at most ~14 labels: readable at phone width
    ax.set_xticks(range(0, n_periods, step), [str(c) for c in matrix.columns[::step]],
                  rotation=45 if n_periods > 4 else 0, ha="right" if n_periods > 4 else "center")
    if n_periods <= 8:
        top = float(matrix.to_numpy().max()) if matrix.size else 0.0
        for i in range(n_terms):
            for j in range(n_periods):
                value = float(matrix.iat[i, j])
                ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if top and value > 0.6 * top else "black")
    ax.set_xlabel(period_name)
    ax.set_ylabel("Term")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("Per 10,000 tokens")
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
        image = ax.imshow(cloud.to_array(), interpolation="bilinear")
        # Where each word lands depends on the font's glyphs: the digest gives the words and weights.
        describe(image, "word cloud, words by relative frequency: " + word_weights(cloud.words_))
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
