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
