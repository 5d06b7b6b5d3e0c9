"""The site checks themselves (analysis.book.site): they must find what they look for.

The checks over the built books (every link of the sample's and the generated corpus's site) are in
``tests/test_site_links.py``, which ``scripts/test.sh`` runs after building them.
"""
from __future__ import annotations

import json
from pathlib import Path

from analysis.book.site import broken_links, finish_site, machine_paths, run_command


def _site(tmp_path):
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    (site / "tables").mkdir()
    (site / "tables" / "a.csv").write_text("x\n", encoding="utf-8")
    (site / "book" / "intro.html").write_text(
        '<html><body><h1 id="top">T</h1><a href="data.html#table-a">d</a><a href="#top">t</a>'
        '<a href="https://example.org/x">e</a><img src="../_images/f.png"></body></html>', encoding="utf-8")
    (site / "book" / "data.html").write_text(
        '<html><body><tr id="table-a"></tr><a href="../tables/a.csv" download>a</a></body></html>', encoding="utf-8")
    (site / "_images").mkdir()
    (site / "_images" / "f.png").write_bytes(b"\x89PNG")
    return site


def test_a_sound_site_has_no_problem(tmp_path):
    assert broken_links(_site(tmp_path)) == []


def test_broken_links_missing_anchors_and_scripts_are_found(tmp_path):
    site = _site(tmp_path)
    page = site / "book" / "intro.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", '<a href="gone.html">g</a><a href="data.html#nowhere">n</a><a href="javascript:alert(1)">j</a>'
                   '<img src="../../outside.png"><script src="../_static/no.js"></script></body>'), encoding="utf-8")
    found = "\n".join(broken_links(site))
    assert "broken href gone.html" in found
    assert "missing anchor data.html#nowhere" in found
    assert "scheme 'javascript'" in found
    assert "leaves the site: ../../outside.png" in found
    assert "broken src ../_static/no.js" in found


def test_machine_paths_are_found_in_any_file(tmp_path):
    site = _site(tmp_path)
    assert machine_paths(site, [tmp_path / "corpus"]) == []
    (site / "tables" / "b.csv").write_text(f"path\n{tmp_path / 'corpus'}/articles.csv\n", encoding="utf-8")
    (site / "book" / "x.html").write_text("<p>/home/someone/corpus</p>", encoding="utf-8")
    found = machine_paths(site, [tmp_path / "corpus"])
    assert any(line.startswith("tables/b.csv") for line in found), found
    assert any(line.startswith("book/x.html") and "/home/someone" in line for line in found), found


def test_a_folder_is_found_as_a_path_not_as_letters_inside_embedded_image_data(tmp_path):
    # A corpus in /data/c makes /data forbidden; base64 image data may hold the letters "/data".
    site = _site(tmp_path)
    blob = "data:image/png;base64,hum8XyJ6U/dataPUIpzK9+/datax=="
    (site / "book" / "fig.svg").write_text(f'<svg><image href="{blob}"/></svg>', encoding="utf-8")
    assert machine_paths(site, [Path("/data")]) == []
    (site / "book" / "page.html").write_text("<p>read from /data/c/articles.parquet</p>", encoding="utf-8")
    assert [line.split(":")[0] for line in machine_paths(site, [Path("/data")])] == ["book/page.html"]


def test_a_path_beside_chinese_text_is_judged_by_the_character_not_its_bytes(tmp_path):
    # The site is searched as bytes: the character before a path is decoded whole.  After full-width
    # punctuation (：) a path begins; after a Han character, as after a Latin letter, it does not.
    site = _site(tmp_path)
    (site / "book" / "names.html").write_text("<p>习近平/data，数据/datax</p>", encoding="utf-8")
    assert machine_paths(site, [Path("/data")]) == []
    (site / "book" / "colon.html").write_text("<p>路径：/data/c/articles.parquet</p>", encoding="utf-8")
    assert [line.split(":")[0] for line in machine_paths(site, [Path("/data")])] == ["book/colon.html"]


def test_downloadable_notebooks_open_with_the_command_that_runs_them(tmp_path):
    site = tmp_path / "site"
    sources, executed = site / "_sources" / "book", tmp_path / "exec"
    sources.mkdir(parents=True)
    executed.mkdir()
    committed = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Ch\n", "{{ repo_url }}"]},
                           {"cell_type": "code", "metadata": {}, "source": ["1"], "outputs": [{"text": "sample"}]}],
                 "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    fresh = json.loads(json.dumps(committed))
    fresh["cells"][1]["outputs"] = [{"text": "this corpus"}]
    (sources / "01_x.ipynb").write_text(json.dumps(committed), encoding="utf-8")
    (executed / "01_x.ipynb").write_text(json.dumps(fresh), encoding="utf-8")
    assert finish_site(site, executed, "https://github.com/a/b", "T", "Set ANALYSIS_CORPUS.") == ["01_x.ipynb"]
    notebook = json.loads((sources / "01_x.ipynb").read_text(encoding="utf-8"))
    first = "".join(notebook["cells"][0]["source"])
    assert run_command("https://github.com/a/b", "01_x.ipynb", "x") in first
    assert "ANALYSIS_CORPUS=" in first and "bash scripts/setup.sh" in first
    assert "".join(notebook["cells"][1]["source"]) == "# Ch\nhttps://github.com/a/b"
    assert notebook["cells"][2]["outputs"] == [{"text": "this corpus"}], "the committed (sample) outputs were kept"
    finish_site(site, executed, "https://github.com/a/b", "T")
    again = json.loads((sources / "01_x.ipynb").read_text(encoding="utf-8"))
    assert len(again["cells"]) == 3, "finishing twice adds a second first cell"
