"""Figures of the term chapter render Chinese (missing glyphs are errors) and are reproducible."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from oracles import keyness, term_frequency  # noqa: E402
from analysis.corpus.read import load_articles  # noqa: E402
from analysis.figures.terms import plot_keyness, plot_top_terms, plot_word_cloud, word_cloud  # noqa: E402
from analysis.tokens import tokenize_articles  # noqa: E402


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    articles = load_articles()
    tokens = tokenize_articles(articles)
    key = keyness(articles, tokens, {"issue_date": articles["issue_date"].max()})
    return term_frequency(articles, tokens), key


def render(ax, path):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        ax.figure.savefig(path)
    plt.close(ax.figure)


def test_bar_and_keyness_render_chinese_without_missing_glyphs(tables, tmp_path):
    tf, key = tables
    ax = plot_top_terms(tf, n=15)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == tf["term"].iloc[0]
    render(ax, tmp_path / "top.png")
    ax = plot_keyness(key, n=8, target="2025-02-13", reference="更早")
    assert any("G²" in t.get_text() for t in ax.get_yticklabels())
    render(ax, tmp_path / "key.png")
    assert (tmp_path / "top.png").stat().st_size > 10_000


def test_missing_glyph_would_be_caught(tmp_path):
    # The guard used above really fires when a font lacks Chinese glyphs.
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("丰台")
        with pytest.raises(UserWarning, match="missing from font"):
            render(ax, tmp_path / "tofu.png")


def test_word_cloud_reproducible_and_uses_cjk_font(tables):
    tf, _ = tables
    first, second = word_cloud(tf, n=60, seed=0), word_cloud(tf, n=60, seed=0)
    assert np.array_equal(first.to_array(), second.to_array())
    assert first.font_path.endswith("NotoSansCJKsc-Regular.otf")
    assert {w for (w, _), *_ in first.layout_} <= set(tf["term"].head(60))
    ax = plot_word_cloud(tf, n=60)
    plt.close(ax.figure)
