"""The comparison book of the generated collection reads as a comparison of those papers.

``scripts/test.sh`` builds it (``BOOK_OUT=_build/colbook``, collection ``_build/colbook/corpus`` from
:func:`analysis.synthetic.generate_collection`) with ``-W``, then runs this file: the chapter names the
three papers, shows every planted phrase with its status, and numbers its figures.
"""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from analysis.paths import PROJECT_ROOT

BUILT = PROJECT_ROOT / "_build" / "colbook"
PAGE = BUILT / "_build" / "html" / "book" / "collection" / "05_comparison.html"


@pytest.fixture(scope="module")
def text() -> str:
    if not PAGE.is_file():
        pytest.fail(f"{PAGE} is missing: build the collection book first (scripts/test.sh does)")
    body = PAGE.read_text(encoding="utf-8")
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_names_every_paper(text):
    papers = pd.read_parquet(BUILT / "data" / "papers.parquet")["paper"]
    assert len(papers) == 3
    for paper in papers:
        assert paper in text


def test_every_planted_phrase_is_shown_with_its_status(text):
    truth = pd.read_csv(BUILT / "corpus" / "diffusion.csv", dtype=str, keep_default_na=False)
    for phrase, group in truth.groupby("phrase"):
        sentence = re.search(rf"{phrase} : (.*?)\.", text)
        assert sentence, phrase
        for row in group.itertuples():
            if row.status == "adopted":
                assert f"{row.paper} on {row.first_date}, {int(row.lag_days)} days later" in sentence.group(1)
            elif row.status == "left-censored":
                assert f"{row.paper} from its first covered date, {row.first_date} (left-censored" in sentence.group(1)
            elif row.status == "never":
                assert f"{row.paper} never" in sentence.group(1)


def test_figures_are_numbered_and_captioned(text):
    numbers = re.findall(r"Fig\. ([\d.]+\d)", text)
    assert {"1.1", "1.2", "1.3", "1.4", "1.5"} <= set(numbers), numbers


def test_single_paper_chapters_are_not_in_the_collection_book():
    assert not (BUILT / "_build" / "html" / "book" / "01_corpus.html").exists()


# The browser check of the main book (tests/test_browser.py), on the collection book: every page loads in
# headless Chromium with its images decoded and its internal links and anchors resolving.
from test_browser import browser, book_pages, serve, site_problems  # noqa: E402,F401  (browser: a fixture)


def test_collection_book_loads_in_a_browser(browser):  # noqa: F811
    site = BUILT / "_build" / "html"
    assert "book/collection/05_comparison.html" in book_pages(site)
    with serve(site) as url:
        problems = site_problems(site, url, browser)
    assert not problems, "\n".join(problems)
