"""The book's configuration, references and committed notebooks, checked without building."""
from __future__ import annotations

import json
import os
import re
import stat

import nbformat
import pybtex.database
import pytest
import yaml

from analysis.paths import PROJECT_ROOT

BOOK = PROJECT_ROOT / "book"
CHAPTERS = ["book/01_corpus", "book/02_term_frequency", "book/03_leaders", "book/04_topics"]
BACK_MATTER = ["book/methods", "book/data", "book/glossary", "book/reproducibility", "book/bibliography"]
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def _yaml(name: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / name).read_text(encoding="utf-8"))


def _toc_files(toc: dict) -> list[str]:
    return [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]


def _source(docname: str):
    for suffix in (".md", ".ipynb"):
        if (PROJECT_ROOT / f"{docname}{suffix}").is_file():
            return PROJECT_ROOT / f"{docname}{suffix}"
    return None


def test_toc_lists_intro_chapters_and_back_matter_in_order():
    toc = _yaml("_toc.yml")
    assert toc["format"] == "jb-book"
    assert toc["root"] == "book/intro"
    assert _toc_files(toc) == CHAPTERS + BACK_MATTER


def test_every_toc_entry_has_a_source_file():
    toc = _yaml("_toc.yml")
    missing = [doc for doc in [toc["root"], *_toc_files(toc)] if _source(doc) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_in_book_is_in_the_toc():
    listed = set(_toc_files(_yaml("_toc.yml")))
    orphans = [nb.name for nb in NOTEBOOKS if f"book/{nb.stem}" not in listed]
    assert not orphans, f"notebooks not in _toc.yml (never built): {orphans}"


def test_collection_book_has_its_own_toc():
    """The comparison chapter is built only for a collection (_toc_collection.yml; scripts/book.sh with
    ANALYSIS_COLLECTION), and every notebook of book/collection/ is in it."""
    toc = _yaml("_toc_collection.yml")
    listed = _toc_files(toc)
    assert toc["root"] == "book/collection/index" and _source(toc["root"]) is not None
    assert all(_source(doc) is not None for doc in listed)
    orphans = [nb.name for nb in sorted((BOOK / "collection").glob("*.ipynb")) if f"book/collection/{nb.stem}" not in listed]
    assert not orphans and "book/collection/05_comparison" in listed
    assert not any(doc.startswith("book/collection") for doc in _toc_files(_yaml("_toc.yml")))


def test_config_builds_strictly_and_only_the_toc():
    config = _yaml("_config.yml")
    assert config["only_build_toc_files"] is True
    assert {".venv", "_build", "data"} <= set(config["exclude_patterns"])
    execute = config["execute"]
    assert execute["execute_notebooks"] == "force"
    assert execute["raise_on_error"] is True and execute["allow_errors"] is False
    assert execute["stderr_output"] in {"warn", "error", "severe"}
    # English interface, Chinese search index (jieba with the project dictionary).
    assert config["sphinx"]["config"]["language"] == "en"
    assert config["sphinx"]["config"]["html_search_language"] == "zh"
    assert "sphinxcontrib.bibtex" in config["sphinx"]["config"]["extensions"]
    for bib in config["bibtex_bibfiles"]:
        assert (PROJECT_ROOT / bib).is_file(), bib


def _cited_keys() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    texts = {path.name: path.read_text(encoding="utf-8") for path in BOOK.glob("*.md")}
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        texts[path.name] = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for name, text in texts.items():
        for group in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text):
            for key in group.split(","):
                cited.setdefault(key.strip(), set()).add(name)
    return cited


def test_every_citation_is_in_references_bib_and_every_entry_is_complete():
    bib = pybtex.database.parse_file(str(BOOK / "references.bib"))
    cited = _cited_keys()
    unknown = {key: sorted(files) for key, files in cited.items() if key not in bib.entries}
    assert not unknown, f"cited but not in references.bib: {unknown}"
    assert cited, "the book cites nothing"
    for key, entry in bib.entries.items():
        fields = {name.lower() for name in entry.fields}
        assert {"title", "year"} <= fields, f"{key}: missing title or year"
        assert entry.persons.get("author"), f"{key}: no author"
        assert fields & {"doi", "url"}, f"{key}: neither doi nor url, a reader cannot find it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed_and_clean(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, f"{path.name}: no code cells"
    counts = [cell.execution_count for cell in code]
    assert None not in counts, f"{path.name}: cell(s) not executed, commit it with outputs"
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: not run top to bottom once: {counts}"
    for number, cell in enumerate(code, start=1):
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name}, code cell {number}: error output"
            assert output.get("name") != "stderr", f"{path.name}, code cell {number}: stderr output"
            text = str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
            assert not re.search(r"(/work/|/tmp/|/home/|/root/|site-packages)", text), (
                f"{path.name}, code cell {number}: machine path in output")
            assert not re.search(r" at 0x[0-9a-f]{6,}", text), f"{path.name}, code cell {number}: object repr"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name != "reproducibility.ipynb"], ids=lambda p: p.name)
def test_chapter_shows_no_code(path):
    """A chapter narrates; its code is in the downloadable notebook, not on the page (tag ``remove-input``)."""
    notebook = nbformat.read(path, as_version=4)
    shown = [n for n, cell in enumerate((c for c in notebook.cells if c.cell_type == "code"), start=1)
             if "remove-input" not in cell.metadata.get("tags", [])]
    assert not shown, f"{path.name}: code cell(s) {shown} would show their code on the page"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_reads_the_corpus_setting(path):
    """Every call is ``load_articles()`` without arguments, so ANALYSIS_CORPUS re-targets it."""
    notebook = nbformat.read(path, as_version=4)
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    calls = re.findall(r"load_articles\(([^)]*)\)", source)
    assert all(arguments.strip() == "" for arguments in calls), f"{path.name}: load_articles{calls}"


def test_nbval_sanitize_file_is_ascii():
    data = (PROJECT_ROOT / "tests" / "nbval_sanitize.cfg").read_bytes()
    assert data.isascii(), "nbval 0.11 reads sanitize files in the locale encoding"
    assert re.search(rb"^regex: ", data, re.M)


def test_ci_entry_point_runs_the_readme_test_command():
    run = PROJECT_ROOT / ".ci" / "run"
    assert run.stat().st_mode & stat.S_IXUSR
    text = run.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text and "bash scripts/test.sh" in text
    test_sh = (PROJECT_ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    for step in ("pytest tests", "scripts/book.sh", "--nbval ", "test_browser.py", "test_site_links.py"):
        assert step in test_sh, step
    assert "--nbval-lax" not in test_sh


def _run_nbval(notebook, cwd):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(PROJECT_ROOT / "tests"),
           "MPLCONFIGDIR": str(PROJECT_ROOT / "_build" / "cache" / "matplotlib")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "nbval_store_history", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(PROJECT_ROOT / "tests" / "nbval_sanitize.cfg"),
         "-q", "-p", "no:cacheprovider", "--rootdir", str(cwd), str(notebook)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_strict_nbval_fails_on_a_changed_number_and_honours_semicolons(tmp_path):
    """The nbval command of scripts/test.sh: a trailing ';' silences a cell, a changed number fails."""
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("total = sum(range(5))\ntotal"),
        nbformat.v4.new_code_cell("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                                  "fig, ax = plt.subplots()\nax.set_title('丰台报');"),
    ])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    assert notebook.cells[1].outputs == [], "a trailing ';' should leave no output under Jupyter"
    path = tmp_path / "check.ipynb"
    nbformat.write(notebook, path)
    passed = _run_nbval(path, tmp_path)
    assert passed.returncode == 0, passed.stdout[-3000:]

    notebook.cells[0].outputs[0]["data"]["text/plain"] = "11"
    nbformat.write(notebook, path)
    changed = _run_nbval(path, tmp_path)
    assert changed.returncode != 0 and "Cell outputs differ" in changed.stdout, changed.stdout[-3000:]


def test_repository_address_feeds_buttons_launchers_readme_and_citation():
    config = _yaml("_config.yml")
    url = config["repository"]["url"]
    assert url.startswith("https://github.com/"), "Colab and Binder launch only from a public GitHub repository"
    assert config["html"]["use_repository_button"] and config["html"]["use_issues_button"]
    assert config["sphinx"]["config"]["html_theme_options"]["use_source_button"] is True
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["parse"]["myst_substitutions"]["repo_url"] == url
    raw = (PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8")
    assert raw.count(url) == 1, "the address is written once; elsewhere the YAML alias *repo_url"
    citation = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["repository-code"] == url, "CITATION.cff must name the address of _config.yml"
    assert citation["cff-version"] == "1.2.0" and citation["title"] == config["title"]
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "repository.url" in readme and "_config.yml" in readme


def test_offline_assets_search_and_published_folders():
    sphinx = _yaml("_config.yml")["sphinx"]
    assert sphinx["recursive_update"] is True, "html_theme_options must merge with jupyter-book's"
    config = sphinx["config"]
    assert "sphinx-mathjax-offline" in config["extensions"], "MathJax must come from _static, not a CDN"
    from analysis.book.publish import BOOK_INPUTS, PUBLISHED
    assert [PROJECT_ROOT / p for p in config["html_extra_path"]] == [PUBLISHED]
    assert PROJECT_ROOT / config["html_search_options"]["dict"] == BOOK_INPUTS / "jieba_userdict.txt"
    favicon = PROJECT_ROOT / _yaml("_config.yml")["html"]["favicon"]
    assert favicon.is_file() and favicon.read_text(encoding="utf-8").startswith("<svg")
    for css in config["html_css_files"]:
        assert any((PROJECT_ROOT / d / css).is_file() for d in config["html_static_path"]), css
    # Sphinx copies html_extra_path minus exclude_patterns: the published folders must not be excluded.
    from analysis.book.helpers import DATA_URL_DIR, RAW_URL_DIR
    excluded = set(_yaml("_config.yml")["exclude_patterns"])
    assert DATA_URL_DIR not in excluded and RAW_URL_DIR not in excluded


# A Sphinx build of one Chinese page with what a book configuration gives the search index, read as jupyter-book
# reads it: the local extensions it loads (their folders on sys.path) and the search language. Run in a process of
# its own, whose TMPDIR is the system temp folder.
SEARCH_BUILD = r"""
import sys
from pathlib import Path

import yaml
from jupyter_book.config import get_final_config
from sphinx.application import Sphinx

config, src, out = map(Path, sys.argv[1:4])
local = yaml.safe_load(config.read_text(encoding="utf-8"))["sphinx"].get("local_extensions") or {}
final, _ = get_final_config(user_yaml=config, cli_config={"latex_individualpages": False}, validate=False)
overrides = {"extensions": [name for name in final["extensions"] if name in local],
             "html_search_language": final["html_search_language"]}
Sphinx(src, None, out / "html", out / ".doctrees", "html", confoverrides=overrides, status=None,
       warningiserror=True).build()
"""


def _search_build(config, tmp_path):
    import subprocess
    import sys

    src, out, temp = tmp_path / "src", tmp_path / "out", tmp_path / "tmp"
    for folder in (src, out, temp):
        folder.mkdir(parents=True)
    (src / "index.rst").write_text("两园一河\n========\n\n倍增追赶，发展新质生产力。\n", encoding="utf-8")
    (src / "conf.py").write_text("", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", SEARCH_BUILD, str(config), str(src), str(out)],
                          env={**os.environ, "TMPDIR": str(temp)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    index = (out / "html" / "searchindex.js").read_text(encoding="utf-8")
    assert "生产力" in json.loads(index[index.index("(") + 1:index.rindex(")")])["terms"]  # jieba's words
    return (sorted(p.relative_to(out).as_posix() for p in out.rglob("jieba*") if p.is_file()),
            sorted(p.name for p in temp.iterdir()), "Dumping model" in done.stdout + done.stderr)


def test_the_search_index_caches_jieba_in_the_build_folder(tmp_path):
    """html_search_language zh starts jieba, which caches its dictionary in the system temp folder (TMPDIR)
    unless told otherwise: with the project's configuration, and with the copy the book is built with, it is
    cached in the build's doctree folder, and jieba's progress lines (which name that path) stay out of the log."""
    from analysis.book.publish import write_config
    from analysis.corpus.folder import Corpus
    from analysis.corpus.identity import corpus_identity

    in_build = ([".doctrees/jieba/jieba.cache"], [], False)
    assert _search_build(PROJECT_ROOT / "_config.yml", tmp_path / "project") == in_build
    write_config(corpus_identity(Corpus()), tmp_path / "book_inputs")
    assert _search_build(tmp_path / "book_inputs" / "_config.yml", tmp_path / "generated") == in_build
    # The same build without the local extension: the cache goes to TMPDIR, which the checks above would see.
    plain = _yaml("_config.yml")
    del plain["sphinx"]["local_extensions"]
    plain["sphinx"]["config"]["extensions"].remove("jieba_cache")
    (tmp_path / "plain.yml").write_text(yaml.safe_dump(plain, allow_unicode=True), encoding="utf-8")
    assert _search_build(tmp_path / "plain.yml", tmp_path / "plain") == ([], ["jieba.cache"], True)


def test_the_generated_configuration_carries_its_local_extensions(tmp_path):
    """jupyter-book reads a local extension's folder relative to the configuration file; the book's is written
    into the book inputs (python -m analysis publish), with copies of the extensions beside it."""
    from analysis.book.publish import write_config
    from analysis.corpus.folder import Corpus
    from analysis.corpus.identity import corpus_identity

    local = _yaml("_config.yml")["sphinx"]["local_extensions"]
    assert local == {"jieba_cache": "book/_ext"}
    assert set(local) <= set(_yaml("_config.yml")["sphinx"]["config"]["extensions"])
    write_config(corpus_identity(Corpus()), tmp_path)
    generated = yaml.safe_load((tmp_path / "_config.yml").read_text(encoding="utf-8"))["sphinx"]
    assert set(generated["local_extensions"]) == set(local)
    for name, folder in generated["local_extensions"].items():
        copy = tmp_path / folder / f"{name}.py"
        assert copy.resolve().is_relative_to(tmp_path.resolve()), "the book inputs name no folder outside them"
        assert copy.read_bytes() == (PROJECT_ROOT / local[name] / f"{name}.py").read_bytes()


def test_bibliography_renders_each_date_once():
    from pybtex.plugin import find_plugin

    bib = pybtex.database.parse_file(str(BOOK / "references.bib"))
    style = find_plugin("pybtex.style.formatting", "plain")()
    backend = find_plugin("pybtex.backends", "text")()
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    for entry in style.format_entries(bib.entries.values()):
        text = entry.text.render(backend)
        for year in set(re.findall(r"\b(19\d\d|20\d\d)\b", text)):
            dated = re.findall(rf"(?:(?:{months}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+)?{year}\b", text)
            assert len([d for d in dated if d != year]) <= 1, f"{entry.key}: date given twice: {text}"
    scmp = next(e for e in style.format_entries(bib.entries.values()) if e.key == "scmp2014xi").text.render(backend)
    assert scmp.count("July") == 1 and "29 July 2014" in scmp, scmp


def test_binder_configuration_installs_the_pinned_environment_and_the_package():
    """The rocket button's Binder (repo2docker) builds from binder/: Python 3.11 (as scripts/setup.sh wants),
    the pinned requirements.txt, the package installed editable and the CJK font registered."""
    binder = PROJECT_ROOT / "binder"
    assert (binder / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"
    assert "3, 11" in (PROJECT_ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    requirements = [line.strip() for line in (binder / "requirements.txt").read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("#")]
    assert requirements == ["-r ../requirements.txt"], "Binder must install exactly the pinned environment"
    post = binder / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    text = post.read_text(encoding="utf-8")
    assert "pip install --no-deps --no-build-isolation -e ." in text and "use_cjk_font" in text
    start = (binder / "start").read_text(encoding="utf-8")
    assert 'exec "$@"' in start and "PYTHONHASHSEED=0" in start


def test_the_samples_corpus_toml_names_the_projects_address():
    import tomllib

    data = tomllib.loads((PROJECT_ROOT / "data" / "corpus.toml").read_text(encoding="utf-8"))
    config = _yaml("_config.yml")
    assert data["repository"] == config["repository"]["url"]
    assert f"{data['title']}: {data['subtitle']}" == config["title"]
    assert data["publish_text"] == "full", "the sample publishes its two pages whole"
    assert data["footer"] == config["html"]["extra_footer"]


def test_book_build_uses_the_generated_configuration_and_checks_the_site():
    book = (PROJECT_ROOT / "scripts" / "book.sh").read_text(encoding="utf-8")
    assert "python -m analysis publish" in book
    assert "--config _build/book_inputs/_config.yml" in book and "--toc _build/book_inputs/_toc.yml" in book
    assert "python -m analysis.book.site" in book
    test_sh = (PROJECT_ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "tests/test_site_links.py" in test_sh
