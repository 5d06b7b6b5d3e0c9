"""Figures are compared by what they show (analysis.figures.digest), and drawn with the pinned font files.

A different font moves every pixel and keeps the digest; a changed number
changes the digest.  The pinned fonts are registered under private family
names, so a system font of the same family (Debian's fonts-noto-cjk) is never
used instead.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.text  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.figures import (figure_digest, plot_article_lengths, plot_k_selection, plot_keyness,  # noqa: E402
                              plot_term_periods, plot_top_terms, plot_word_cloud)
from analysis.figures.style import CJK_FAMILY, cjk_font_path, latin_font_path, use_cjk_font  # noqa: E402
from analysis.paths import PROJECT_ROOT  # noqa: E402

ARTICLES = pd.DataFrame({"article_id": ["a-01", "a-02", "b-01"], "headline": ["Budget", "Roads", ""],
                         "issue_date": ["2024-01-01", "2024-01-01", "2024-01-08"], "n_chars": [310, 1204, 87]})


#: A stripped environment keeps the interpreter's library path (a Python built with shared libraries
#: outside the system's finds its own libpython, not the system's).
_LIBRARY_PATH = {k: os.environ[k] for k in ("LD_LIBRARY_PATH",) if k in os.environ}


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=60)
    return out.getvalue()


def _other_font() -> Path:
    """A font file that is neither of the pinned ones: wordcloud's Droid Sans Mono."""
    import wordcloud

    return Path(wordcloud.__file__).with_name("DroidSansMono.ttf")


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # the stand-in font has no Chinese: intended
def test_a_different_font_moves_pixels_not_the_digest():
    from matplotlib import font_manager

    plot_article_lengths(ARTICLES)  # registers the pinned fonts
    font_manager.fontManager.addfont(str(_other_font()))
    other = font_manager.FontProperties(fname=str(_other_font())).get_name()
    drawn = {}
    for family in (CJK_FAMILY, other):
        ax = plot_article_lengths(ARTICLES)
        for text in ax.figure.findobj(matplotlib.text.Text):  # as if the machine had another font
            text.set_fontfamily(family)
        drawn[family] = (_png(ax.figure), figure_digest(ax.figure))
        plt.close(ax.figure)
    (png_a, digest_a), (png_b, digest_b) = drawn.values()
    assert png_a != png_b, "the two fonts should draw different pixels"
    assert digest_a == digest_b
    assert "y ticks: 0 '（无标题）b-01' | 1 'Roads' | 2 'Budget'" in digest_a, digest_a
    assert "(0, -0.4, 87, 0.8) (0, 0.6, 1204, 0.8) (0, 1.6, 310, 0.8)" in digest_a, digest_a


def test_a_changed_number_changes_the_digest():
    digests = []
    for count in (3, 4):
        ax = plot_top_terms(pd.DataFrame({"term": ["发展", "丰台"], "count": [5, count]}))
        digests.append(figure_digest(ax.figure))
        plt.close(ax.figure)
    assert digests[0] != digests[1]
    assert "y ticks: 0 '丰台' | 1 '发展'" in digests[0] and "x label: Occurrences" in digests[0]
    assert "(0, -0.4, 3, 0.8) (0, 0.6, 5, 0.8)" in digests[0] and "(0, -0.4, 4, 0.8)" in digests[1]


def test_digest_of_a_heat_map_a_line_and_labels():
    matrix = pd.DataFrame([[10.0, 30.5], [0.0, 2.25]], index=["发展", "建设"], columns=["2024Q1", "2024Q2"])
    ax = plot_term_periods(matrix, period_name="Quarter")
    digest = figure_digest(ax.figure)
    plt.close(ax.figure)
    assert "image (2 x 2): 10 30.5 0 2.25" in digest, digest
    assert "colorbar 'Per 10,000 tokens': 0 to 30.5" in digest, digest
    assert "text '30' at (1, 0)" in digest and "x ticks: 0 '2024Q1' | 1 '2024Q2'" in digest, digest
    selection = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.21, 0.3456789, 0.1], "chosen": [False, True, False]})
    ax = plot_k_selection(selection)
    digest = figure_digest(ax.figure)
    plt.close(ax.figure)
    assert "line (3 points; x, y): (2, 0.21) (3, 0.3457) (4, 0.1)" in digest, digest
    assert "legend: chosen k = 3" in digest, digest


def test_digest_of_a_word_cloud_lists_words_not_pixels():
    ax = plot_word_cloud(pd.DataFrame({"term": ["发展", "丰台", "建设"], "count": [10, 5, 1]}), n=3)
    digest = figure_digest(ax.figure)
    plt.close(ax.figure)
    assert "image: word cloud, words by relative frequency: 发展 1 | 丰台 0.5 | 建设 0.1" in digest, digest


def test_long_data_is_shortened_with_a_checksum_of_all_of_it():
    key = pd.DataFrame({"term": [f"词{i}" for i in range(40)], "log_ratio": [i / 7 for i in range(40)],
                        "g2": [20.0] * 40, "key_for": ["target"] * 40})
    ax = plot_keyness(key, n=40)
    first = figure_digest(ax.figure)
    ax.patches[-1].set_width(99)
    second = figure_digest(ax.figure)
    plt.close(ax.figure)
    assert "in all, sha256" in first and first != second


def test_figures_use_the_pinned_files_whatever_the_system_has():
    """The family the figures ask for resolves to the pinned files only; a system "Noto Sans CJK SC" is not asked for."""
    from matplotlib import font_manager

    assert use_cjk_font() == CJK_FAMILY
    families = matplotlib.rcParams["font.family"]
    assert all(name.startswith("analysis ") for name in families), families
    entries = [e for e in font_manager.fontManager.ttflist if e.name in families]
    assert sorted(e.fname for e in entries) == sorted([str(cjk_font_path()), str(latin_font_path())])
    assert font_manager.findfont(font_manager.FontProperties(family=families)) == str(cjk_font_path())


def test_a_system_font_of_the_same_family_is_not_used(tmp_path):
    """In a fresh interpreter with a *different* file registered as "Noto Sans CJK SC" (as Debian's
    fonts-noto-cjk would be), every text of a figure is still drawn from the pinned file."""
    script = f"""
import matplotlib; matplotlib.use("Agg")
from matplotlib import font_manager
import dataclasses
# A stand-in for the system's Noto Sans CJK SC: another file under that family name.
entry = font_manager.ttfFontProperty(font_manager.ft2font.FT2Font({str(_other_font())!r}))
font_manager.fontManager.ttflist.insert(0, dataclasses.replace(entry, name="Noto Sans CJK SC"))
from analysis.figures import plot_top_terms
import pandas as pd
ax = plot_top_terms(pd.DataFrame({{"term": ["发展"], "count": [3]}}))
ax.figure.canvas.draw()
used = set()
for text in [ax.xaxis.label, *ax.get_yticklabels()]:
    used.add(font_manager.findfont(text.get_fontproperties()))
print(sorted(used))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=120, env={"MPLCONFIGDIR": str(tmp_path), "PATH": "/usr/bin:/bin", **_LIBRARY_PATH})
    assert done.returncode == 0, done.stderr
    assert re.findall(r"'([^']+)'", done.stdout) == [str(cjk_font_path())], done.stdout
