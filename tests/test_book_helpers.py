"""Display helpers of the chapters (analysis.book.helpers) and figure settings (analysis.figures.style)."""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from analysis.book.helpers import (
    GET_THE_PACKAGE, HTMLTable, caption_figure, check_alt, concordance, data_anchor, figure_markdown,
    raw_page_url, repository_url, show_table, source_href, source_link,
)
from analysis.paths import PROJECT_ROOT, RAW_DIR
from conftest import PAGE_FEB


#: A stripped environment keeps the interpreter's library path (a Python built with shared libraries
#: outside the system's finds its own libpython, not the system's).
_LIBRARY_PATH = {k: os.environ[k] for k in ("LD_LIBRARY_PATH",) if k in os.environ}


def test_source_link_points_at_the_published_line_from_a_chapter_page():
    link = source_link(PAGE_FEB, 12)
    assert link == (f'<a class="fx-src" href="../raw/{PAGE_FEB[:-4]}.html#L12">{PAGE_FEB}:12</a>')
    assert source_link(PAGE_FEB, "7", text="<p>") .endswith(">&lt;p&gt;</a>")
    # Chapter pages are _build/html/book/*.html: ../ reaches the HTML root.
    assert source_href(PAGE_FEB, 3) == f"../raw/{PAGE_FEB[:-4]}.html#L3"
    assert raw_page_url("/home/someone/corpus/articles.csv") == "raw/articles.html"


@pytest.mark.parametrize("line", [0, -1, "x", 2.5, None])
def test_a_bad_line_number_is_refused(line):
    with pytest.raises(ValueError, match="line must be"):
        source_link(PAGE_FEB, line)


def test_show_table_on_real_mentions(articles):
    from analysis.perarticle.mentions import leader_mentions

    mentions = leader_mentions(articles)
    assert len(mentions) > 15
    table = show_table(mentions[["name", "title", "context", "source", "line"]], top=15, name="mentions",
                       essential=["name", "context", "source"])
    page = table._repr_html_()
    body = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1])
    assert len(body) == 15
    # source+line became one linked column, line is not shown separately
    assert '<th scope="col" class="fx-essential fx-col-source">source</th>' in page
    assert ">line<" not in page
    first = mentions.iloc[0]
    assert source_link(first["source"], first["line"]) in body[0]
    assert f"Showing 15 of {len(mentions)} rows; full table: " in page
    assert 'href="../tables/mentions.csv"' in page and 'href="data.html#table-mentions"' in page
    # Chinese cells marked, title column not essential
    assert f'<td data-label="name" class="fx-essential" lang="zh-CN">{first["name"]}</td>' in body[0]
    assert '<td data-label="title" lang="zh-CN">' in body[0] or '<td data-label="title">' in body[0]
    # text/plain: deterministic and same on a second call
    assert str(table) == str(show_table(mentions[["name", "title", "context", "source", "line"]], top=15,
                                        name="mentions", essential=["name", "context", "source"]))
    assert str(table).splitlines()[-1] == f"Showing 15 of {len(mentions)} rows; full table: mentions.csv"
    assert f"{first['source']}:{first['line']}" in str(table)


def test_show_table_escapes_and_breaks_lines():
    frame = pd.DataFrame({"text": ["第一段<script>\n第二段"], "n": [2]})
    page = show_table(frame, lang_cols=["text"])._repr_html_()
    assert "第一段&lt;script&gt;<br>第二段" in page
    assert "<script>" not in page
    assert "Showing" not in page  # shorter than top
    assert '<td data-label="n" class="fx-essential fx-num">2</td>' in page


def test_show_table_reports_unknown_columns_and_bad_names():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(KeyError, match=r"essential: column\(s\) \['b'\] not in the table"):
        show_table(frame, essential=["b"])
    with pytest.raises(ValueError, match="table name"):
        show_table(frame, name="../etc/passwd")
    with pytest.raises(TypeError):
        show_table([1, 2])
    assert isinstance(show_table(frame.iloc[0:0]), HTMLTable)
    assert "empty table" in str(show_table(frame.iloc[0:0]))


def test_concordance_on_real_kwic(articles, tokens):
    from analysis.aggregate.frequency import kwic

    frame = kwic(articles, "丰台", tokens=tokens)
    assert len(frame) > 3
    shown = concordance(frame, top=3, name="kwic")
    page = shown._repr_html_()
    assert page.count('class="fx-kwic-row"') == 3
    first = frame.iloc[0]
    assert f'<span class="fx-kwic-match" lang="zh-CN">{html.escape(first["match"])}</span>' in page
    assert source_link(first["source"], first["line"]) in page
    lines = str(shown).splitlines()
    assert lines[0] == f"{first['left']} [{first['match']}] {first['right']}   {first['source']}:{first['line']}"
    assert lines[-1] == f"Showing 3 of {len(frame)} lines; full table: kwic.csv"
    with pytest.raises(KeyError, match="concordance needs columns"):
        concordance(frame.drop(columns=["left"]))


def test_figure_markdown_and_alt_checks():
    cell = figure_markdown("fig-article-lengths", "Characters per article.",
                           "Bar chart of characters per article in the sample.")
    assert cell.splitlines()[:3] == ["```{glue:figure} fig-article-lengths", ":name: fig-article-lengths",
                                     ":alt: Bar chart of characters per article in the sample."]
    for bad in ("", "fig1.png", "../_images/x.png", "figure"):
        with pytest.raises(ValueError, match="alt text"):
            check_alt(bad)
    with pytest.raises(ValueError, match="figure name"):
        figure_markdown("Fig 1", "c", "A chart that shows something.")


def test_caption_figure_glues_without_showing(monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import myst_nb

    glued = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, obj, display=True: glued.append((name, obj, display)))
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    assert caption_figure(ax, "fig-test", caption="A line.", alt="A rising straight line.") is None
    [(name, record, display)] = glued
    assert (name, display) == ("fig-test", False)
    # The glued object is the figure, with its digest (what it shows) as text instead of its repr.
    assert record.figure is fig and repr(record) == record.digest
    assert "line (2 points; x, y): (0, 1) (1, 2)" in record.digest
    assert not plt.fignum_exists(fig.number)
    with pytest.raises(ValueError, match="alt text"):
        caption_figure(plt.figure(), "fig-x", alt="x.png")


def test_repository_address_is_set_in_one_place_and_used_by_the_snippet():
    url = repository_url()
    assert url.startswith("https://")
    config = (PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8")
    assert config.count(url) == 1, "the address must be written once in _config.yml (YAML anchor elsewhere)"
    assert "{{ repo_url }}" in GET_THE_PACKAGE and "{doc}`data`" in GET_THE_PACKAGE
    assert data_anchor("term_frequency") == "table-term-frequency"


@pytest.mark.parametrize("text", [r"收入增长$\frac{1}{$元", "A$5与US$3", "$$", r"成本$\alpha$下降"])
def test_dollar_signs_in_figure_text_are_not_maths(text, tmp_path):
    """Drawn in a fresh interpreter so that stderr (font or mathtext warnings) is seen."""
    script = (
        "import matplotlib; matplotlib.use('Agg')\n"
        "from analysis.figures.style import use_cjk_font; use_cjk_font()\n"
        "import matplotlib.pyplot as plt\n"
        "import sys\n"
        "fig, ax = plt.subplots(); ax.set_title(sys.argv[1]); ax.text(0.1, 0.5, sys.argv[1])\n"
        "fig.savefig(sys.argv[2])\n"
        "assert matplotlib.rcParams['text.parse_math'] is False\n"
        "assert matplotlib.rcParams['savefig.dpi'] >= 200\n"
    )
    out = tmp_path / "fig.png"
    done = subprocess.run([sys.executable, "-c", script, text, str(out)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120,
                          env={"MPLCONFIGDIR": str(PROJECT_ROOT / "_build" / "cache" / "matplotlib"),
                               "PATH": "/usr/bin:/bin", **_LIBRARY_PATH})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert out.stat().st_size > 5000
    # 6.4 x 4.8 inches at 200 dpi
    from PIL import Image
    assert Image.open(out).size == (1280, 960)


def test_long_unbreakable_cells_are_marked_so_they_can_wrap():
    digest = "e0c0e99bf7a908117367a498a25b12fa27f4ca6f18919bdd97f57412792bdbe0"
    page = show_table(pd.DataFrame({"sha256": [digest], "note": ["短文本 short words only"]}))._repr_html_()
    assert f'class="fx-essential fx-long">{digest}</td>' in page
    assert 'data-label="note" class="fx-essential" lang="zh-CN"' in page


def test_figure_files_are_written_for_any_figure(tmp_path):
    """The downloads of a figure: an SVG and a 2x PNG (the kernel's retina image), also for a figure without
    axes, which IPython's printer skips; the same figure gives the same bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.book.helpers import save_figure_files
    from analysis.figures.style import use_cjk_font

    use_cjk_font()  # as in the book: the pinned fonts, and the SVG's ids salted so they repeat

    def drawn(fig, folder):
        svg, png = save_figure_files(fig, "fig-x", folder)
        return svg.read_bytes(), png.read_bytes()

    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.plot([1, 2, 3])
    first, again = drawn(fig, tmp_path / "a"), drawn(fig, tmp_path / "b")
    assert first == again and first[1][:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in first[1]
    assert int.from_bytes(first[1][16:20], "big") > 300  # twice the nominal 3 in x 100 dpi, less the crop
    empty = plt.figure(figsize=(3, 2))
    empty.text(0.5, 0.5, "no axes")
    svg, png = drawn(empty, tmp_path / "c")
    assert svg.startswith(b"<?xml") and png[:8] == b"\x89PNG\r\n\x1a\n"
    plt.close("all")
