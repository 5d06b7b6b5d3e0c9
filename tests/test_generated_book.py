"""The book built on the generated multi-year corpus reads as a book about that corpus.

``scripts/test.sh`` builds it (``BOOK_OUT=_build/gen``, corpus
``_build/gen/corpus`` from :mod:`analysis.synthetic`) with ``-W``, then runs
this file.  Checked in every chapter's HTML: the generated paper's name and
years, its officials in the leader chapter, and none of what only the sample
pages say (their dates, their officials, notes shown only for the sample).
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.paths import PROJECT_ROOT

GEN = PROJECT_ROOT / "_build" / "gen"
HTML = GEN / "_build" / "html" / "book"
CHAPTERS = ["01_corpus", "02_term_frequency", "03_leaders", "04_topics"]
# What only the sample pages can say: their issue dates, their officials, sample-only notes.
SAMPLE_ONLY = ["2025-02-13", "2024-12-01", "王少峰", "初军威", "蒋达峰", "On the sample pages", "nine articles",
               "two sample pages", "the sample pages"]


def _text(chapter: str) -> str:
    path = HTML / f"{chapter}.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing: build the book on the generated corpus first (scripts/test.sh does)")
    body = path.read_text(encoding="utf-8")
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def corpus() -> dict:
    articles = pd.read_csv(GEN / "corpus" / "articles.csv", dtype=str)
    registry = pd.read_csv(GEN / "corpus" / "leaders.csv", dtype=str)
    return {"first_year": articles["date"].min()[:4], "last_year": articles["date"].max()[:4],
            "officials": set(registry.loc[registry["level"] == "district", "name"])}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_is_about_the_generated_corpus(chapter, corpus):
    text = _text(chapter)
    assert "长河报" in text, f"{chapter}: the paper's name is not stated"
    assert corpus["first_year"] in text and corpus["last_year"] in text, f"{chapter}: the corpus's years are missing"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_says_nothing_only_the_sample_says(chapter):
    text = _text(chapter)
    found = [phrase for phrase in SAMPLE_ONLY if phrase in text]
    assert not found, f"{chapter}: sample-only text in the generated corpus's book: {found}"


def test_leader_chapter_names_the_generated_officials(corpus):
    text = _text("03_leaders")
    named = {name for name in corpus["officials"] if name in text}
    assert len(named) >= 5, f"only {sorted(named)} of {sorted(corpus['officials'])} are named"


def test_introduction_states_the_corpus_of_this_build(corpus):
    path = HTML / "intro.html"
    if not path.is_file():
        pytest.fail(f"{path} is missing")
    text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    assert "This build of the book reads" in text and "长河报" in text and "2,000 articles" in text


def test_no_unfilled_substitution_on_any_page():
    pages = sorted(HTML.glob("*.html"))
    assert pages, f"no pages in {HTML}"
    # A MyST substitution left as text ({{ repo_url }}), not BibTeX's double braces ({{The … authors}}).
    unfilled = [p.name for p in pages if re.search(r"\{\{\s*[a-z_]+\s*\}\}", _text(p.stem))]
    assert not unfilled, f"unfilled substitution in: {unfilled}"


SITE = GEN / "_build" / "html"


def _site() -> Path:
    if not (SITE / "book" / "intro.html").is_file():
        pytest.fail(f"{SITE} is missing: build the book on the generated corpus first (scripts/test.sh does)")
    return SITE


def test_no_name_of_the_sample_anywhere_in_the_site():
    """Every page, table, download and notebook of the site: the sample's paper, place, officials,
    dictionary words and glossary terms appear only where the generated corpus itself has them."""
    from booksite import names_in_book, sample_names

    names = sample_names()
    assert {"王少峰", "丰台", "两园一河", "district paper"} <= names, "the list of the sample's names is incomplete"
    found = names_in_book(_site(), GEN / "corpus", names)
    assert not found, "the sample's names in the generated corpus's book: " + "; ".join(
        f"{word} in {files[:3]}" for word, files in sorted(found.items()))


def test_no_full_text_under_the_default_policy():
    """The generated corpus's corpus.toml sets no publish_text: excerpts only, no raw pages, no text table."""
    from booksite import full_text_runs

    site = _site()
    assert not (site / "raw").exists(), "raw pages published under the default policy"
    assert not (site / "tables" / "tokens.parquet").exists()
    assert "excerpts only" in _text("data")
    runs = full_text_runs(site, GEN / "corpus")
    assert not runs, f"{len(runs)} runs of article text longer than an excerpt: {runs[:5]}"


def test_no_machine_path_anywhere_in_the_site():
    from analysis.book.site import machine_paths

    problems = machine_paths(_site(), [PROJECT_ROOT, PROJECT_ROOT.resolve(), GEN.resolve()])
    assert not problems, problems[:10]


def test_no_glossary_page_and_no_launch_buttons_without_repository():
    site = _site()
    assert not (site / "book" / "glossary.html").exists(), "the generated corpus has no glossary.csv"
    chapter = (site / "book" / "01_corpus.html").read_text(encoding="utf-8")
    assert "mybinder.org" not in chapter and "colab.research.google.com" not in chapter
    assert "glossary.html" not in "".join(p.read_text(encoding="utf-8") for p in (site / "book").glob("*.html"))


def test_downloaded_notebook_is_this_corpus_and_says_how_to_run_it():
    import json

    notebook = json.loads((_site() / "_sources" / "book" / "03_leaders.ipynb").read_text(encoding="utf-8"))
    first = "".join(notebook["cells"][0]["source"])
    assert "git clone" in first and "bash scripts/setup.sh" in first and "ANALYSIS_CORPUS=" in first
    outputs = json.dumps([c.get("outputs", []) for c in notebook["cells"]], ensure_ascii=False)
    assert "长河报" in outputs and "王少峰" not in outputs, "the download holds another corpus's outputs"


def test_identity_of_the_generated_book():
    intro = _text("intro")
    assert "长河报 (generated, 2019–2022)" in intro and "guessed for this book" in intro
    assert "丰台报: a computational reading" not in intro
