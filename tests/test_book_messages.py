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
