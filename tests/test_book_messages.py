"""What the command line accepts, the book builds: the package's warnings never reach a cell's stderr.

A warning on stderr in a notebook fails the book build (``-W``) without saying
why; :func:`analysis.book.chapters.route_messages` turns it into a visible note in
the chapter.  Checked in a real kernel, on a real case: a page saved as GBK.
"""
from __future__ import annotations

import csv
import hashlib
import os

import nbformat
from nbclient import NotebookClient

from analysis.paths import RAW_DIR


def _run(cells: list[str], env: dict[str, str]) -> list[dict]:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return [o for c in notebook.cells for o in c.get("outputs", [])]


def test_a_gbk_page_gives_a_note_in_the_chapter_not_stderr(tmp_path):
    folder = tmp_path / "gbk"
    folder.mkdir()
    raw = (RAW_DIR / "000_170871a187ecc0e6.txt").read_text(encoding="utf-8").encode("gb18030")
    (folder / "p1.txt").write_bytes(raw)
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "paper", "issue_date", "page", "sha256", "source", "extraction", "notes"])
        writer.writerow(["p1.txt", "丰台报", "2025-02-13", "1", hashlib.sha256(raw).hexdigest(), "test", "gbk", ""])
    outputs = _run(["import analysis.book.chapters",
                    "from analysis import environment_corpus\nfrom analysis.corpus.report import corpus_pages\n"
                    "len(corpus_pages(environment_corpus()))"],
                   {"ANALYSIS_CORPUS": str(folder)})
    assert not [o for o in outputs if o.get("name") == "stderr"], outputs
    notes = [o for o in outputs if "A message from the analysis" in str(o.get("data", {}).get("text/markdown", ""))]
    assert notes and "GB18030" in str(notes[0]["data"]["text/markdown"])
    assert any(o.get("data", {}).get("text/plain") == "1" for o in outputs)


def test_empty_prose_shows_nothing_and_prose_can_be_glued():
    outputs = _run(["from analysis.book.chapters import say, sample_note\nsay('')",
                    "say('**9** articles')",
                    "from myst_nb import glue\nglue('n', say('9'), display=False)"], {})
    markdown = [o["data"].get("text/markdown") for o in outputs if "data" in o]
    assert markdown[0] == "**9** articles" and len([o for o in outputs if o.get("output_type") == "execute_result"]) == 1
    glued = [o for o in outputs if "application/papermill.record/text/plain" in o.get("data", {})]
    assert glued and glued[0]["data"]["application/papermill.record/text/plain"] == "9"


FIGURE_CELL = """\
import io, json
import numpy as np
from PIL import Image
import matplotlib.pyplot as plt
from IPython.core.formatters import format_display_data
from analysis.figures.style import use_cjk_font
from analysis.book.helpers import GluedFigure, caption_figure, set_publishing, _inline_format_is_retina
import analysis.book.helpers as helpers

use_cjk_font()
folder = {folder!r}

def draw():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.scatter(np.arange(400) % 37, np.arange(400) % 23, s=4)
    ax.set_title("丰台区 2025")
    return fig

def pixels(data):
    return np.asarray(Image.open(io.BytesIO(__import__("base64").b64decode(data))))

expected, expected_meta = format_display_data(draw())   # the kernel's own retina formatter
drawn = []
original = helpers.GluedFigure
def spy(figure, png=None):
    glued = original(figure, png=png)
    drawn.append(glued._repr_mimebundle_())
    return glued
helpers.GluedFigure = spy
set_publishing("full", folder)
caption_figure(draw(), "fig-test")
set_publishing()
data, meta = drawn[0]
download = open(folder + "/figures/fig-test.png", "rb").read()
print(json.dumps({{
    "retina": _inline_format_is_retina(),
    "same_pixels": bool(np.array_equal(pixels(data["image/png"]), pixels(expected["image/png"]))),
    "same_size": meta == expected_meta,
    "download_is_shown": __import__("base64").b64decode(data["image/png"]) == download,
    "digest": data["text/plain"].startswith("figure 4 x 3 in"),
}}))
"""


def test_a_published_figure_is_drawn_once_for_its_download_and_the_page(tmp_path):
    """In the book (a kernel with the retina format, publishing on), the glued image is the download PNG
    itself, and it is what the kernel's own formatter would have drawn: the same pixels at the same size
    (only the PNG's software note differs), so the figure is no longer drawn a third time."""
    import json

    outputs = _run([FIGURE_CELL.format(folder=str(tmp_path / "published"))], {})
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert json.loads(text.strip().splitlines()[-1]) == {"retina": True, "same_pixels": True, "same_size": True,
                                                         "download_is_shown": True, "digest": True}, outputs
