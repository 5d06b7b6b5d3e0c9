"""The published raw pages, Data page listing, search dictionary and glossary (analysis.book.publish)."""
from __future__ import annotations

import csv
import hashlib
import html
import re

import pandas as pd
import pytest

from analysis.book.helpers import data_anchor, raw_page_url
from analysis.book.publish import (
    GLOSSARY_PAGE, glossary_markdown, publish, read_glossary, search_dictionary,
)
from analysis.corpus.folder import Corpus
from analysis.errors import InputError
from analysis.paths import DATA_DIR, PROJECT_ROOT, RAW_DIR
from conftest import PAGE_DEC, PAGE_FEB


@pytest.fixture
def derived(tmp_path):
    """A small build output folder: two real tables, CSV and Parquet."""
    from analysis.corpus.read import load_articles
    from analysis.io import write_csv, write_parquet

    folder = tmp_path / "data"
    articles = load_articles(cache=False)
    write_csv(articles, folder / "articles.csv")
    write_parquet(articles, folder / "articles.parquet")
    write_csv(articles[["article_id", "headline"]].head(3), folder / "term_frequency.csv")
    return folder


def _lines(page_html: str) -> dict[int, str]:
    found = re.findall(r'<li id="L(\d+)"><a href="#L\1"[^>]*>\1</a><span>(.*?)</span></li>', page_html, re.S)
    return {int(n): html.unescape(text) for n, text in found}


def test_each_raw_page_is_published_line_by_line(derived, tmp_path):
    result = publish(Corpus(), derived, tmp_path / "published", tmp_path / "inputs")
    assert [p.source for p in result["pages"]] == [PAGE_FEB, PAGE_DEC]
    for name in (PAGE_FEB, PAGE_DEC):
        raw = (RAW_DIR / name).read_text(encoding="utf-8").splitlines()
        page = (tmp_path / "published" / raw_page_url(name)).read_text(encoding="utf-8")
        lines = _lines(page)
        assert lines == dict(enumerate(raw, start=1)), f"{name}: published lines differ from the file"
        assert ":target" in page and 'lang="zh-CN"' in page
        copy = tmp_path / "published" / "raw" / name
        assert copy.read_bytes() == (RAW_DIR / name).read_bytes()
        assert hashlib.sha256(copy.read_bytes()).hexdigest() in page
        assert "(matches the manifest)" in page and "shared/corpus/fengtai" in page  # provenance
    # the line that userdict.csv cites for 倍增追赶 is where the published page shows it
    assert "倍增追赶" in _lines((tmp_path / "published" / raw_page_url(PAGE_FEB)).read_text(encoding="utf-8"))[162]


def test_text_is_escaped_not_markup(corpus_copy, derived, tmp_path):
    from analysis.io import sha256_file

    page = corpus_copy / PAGE_FEB
    page.write_text(page.read_text(encoding="utf-8") + "<script>alert(1)</script> & 丰台\n", encoding="utf-8")
    manifest = corpus_copy / "manifest.csv"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(re.sub(r"c961258607c8[0-9a-f]+", sha256_file(page), text), encoding="utf-8")
    publish(Corpus(corpus_copy), derived, tmp_path / "p", tmp_path / "i")
    out = (tmp_path / "p" / raw_page_url(PAGE_FEB)).read_text(encoding="utf-8")
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 丰台" in out


def test_data_listing_has_checksums_rows_and_anchors(derived, tmp_path):
    result = publish(Corpus(), derived, tmp_path / "published", tmp_path / "inputs")
    listing = (tmp_path / "inputs" / "data_listing.md").read_text(encoding="utf-8")
    for path in sorted(derived.iterdir()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest in listing, path.name
        assert (tmp_path / "published" / "tables" / path.name).read_bytes() == path.read_bytes()
        assert f'href="../tables/{path.name}" download' in listing
    tables = result["tables"].set_index("file")
    assert tables.loc["tables/articles.parquet", "rows"] == 9 == tables.loc["tables/articles.csv", "rows"]
    assert tables.loc["tables/term_frequency.csv", "rows"] == 3
    assert f'id="{data_anchor("term_frequency")}"' in listing and listing.count('id="table-articles"') == 1
    assert f'href="../raw/{PAGE_FEB[:-4]}.html"' in listing
    assert (tmp_path / "published" / "favicon.ico").read_bytes()[:4] == b"\0\0\1\0"


def test_a_failed_run_leaves_the_previous_output(derived, tmp_path):
    publish(Corpus(), derived, tmp_path / "published", tmp_path / "inputs")
    before = sorted(p.name for p in (tmp_path / "published" / "tables").iterdir())
    with pytest.raises(InputError, match="no derived tables"):
        publish(Corpus(), tmp_path / "missing", tmp_path / "published", tmp_path / "inputs")
    assert sorted(p.name for p in (tmp_path / "published" / "tables").iterdir()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary folders left behind"


def test_an_article_table_corpus_is_published_row_by_row(derived, tmp_path):
    from analysis.book.helpers import source_href
    from analysis.corpus.read import load_articles

    table = tmp_path / "mine.csv"
    pd.DataFrame({"date": ["2025-01-02", "2025-01-03"], "title": ["标题一", "标题二"],
                  "text": ["第一篇<正文>", "第二篇正文"]}).to_csv(table, index=False)
    publish(Corpus(table), derived, tmp_path / "p", tmp_path / "i")
    page = (tmp_path / "p" / raw_page_url("mine.csv")).read_text(encoding="utf-8")
    articles = load_articles(articles=table, cache=False)
    # the row number the articles table gives is the anchor that holds that row
    for row in articles.itertuples():
        anchor = source_href(row.source, row.line_start).split("#")[1]
        entry = re.search(rf'<li id="{anchor}">(.*?)</li>', page, re.S).group(1)
        assert html.escape(row.headline) in entry
    assert "第一篇&lt;正文&gt;" in page


def test_search_dictionary_keeps_project_words_whole():
    words = search_dictionary()
    for term in ("倍增追赶", "国防动员", "四项行动", "两园一河", "新质生产力"):
        assert re.search(rf"^{term}( |$)", words, re.M), term


def test_search_dictionary_makes_sphinx_index_the_terms_whole(tmp_path):
    """What Sphinx's Chinese search splitter does with the dictionary the config points at."""
    import jieba
    import logging

    jieba.setLogLevel(logging.WARNING)
    path = tmp_path / "dict.txt"
    path.write_text(search_dictionary(), encoding="utf-8")
    from sphinx.search.zh import SearchChinese

    splitter = SearchChinese({"dict": str(path)})
    text = "推动倍增追赶，开展国防动员演练，实施四项行动，建设两园一河，发展新质生产力"
    terms = set(splitter.split(text))
    assert {"倍增追赶", "国防动员", "四项行动", "两园一河", "新质生产力"} <= terms, terms


def test_glossary_file_is_valid_and_sourced():
    glossary = read_glossary()
    assert len(glossary) >= 50
    assert set(glossary["kind"]) == {"formulation", "title", "institution"}
    for term in ("倍增追赶", "国防动员", "四项行动", "两园一河", "新质生产力", "区委常委会", "区长"):
        assert term in set(glossary["term"]), term
    pages = {p.name: [re.sub(r"\s", "", line) for line in p.read_text(encoding="utf-8").splitlines()]
             for p in RAW_DIR.glob("*.txt")}
    for row in glossary.itertuples():
        path, _, line = row.source.rpartition(":")
        number = int(line)
        if path.startswith("data/raw/"):
            lines = pages[path[len("data/raw/"):]]
            here, after = lines[number - 1], lines[number] if number < len(lines) else ""
            # the term starts on that line (a PDF line break may split it)
            assert row.term in here + after and (row.term in here or row.term[0] in here[-len(row.term):]), (
                f"glossary.csv line {row.line}: {row.term} is not on {row.source}")
        else:
            text = (PROJECT_ROOT / path).read_text(encoding="utf-8").splitlines()[number - 1]
            assert text.startswith(row.term + ","), f"glossary.csv line {row.line}: {row.source}"
        assert re.search(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", row.pinyin), f"{row.term}: pinyin without tones"


def test_glossary_page_is_generated_from_the_csv():
    assert GLOSSARY_PAGE.read_text(encoding="utf-8") == glossary_markdown(), (
        "book/glossary.md is stale: run python -m analysis.book.publish --write-glossary")
    text = glossary_markdown()
    assert text.count("```{glossary}") == 3
    assert f'<a href="../raw/{PAGE_FEB[:-4]}.html#L162">' in text


def test_a_bad_glossary_row_is_reported_with_its_line(tmp_path):
    path = tmp_path / "glossary.csv"
    path.write_text("term,pinyin,english,kind,source\n倍增追赶,bèizēng,doubling,slogan,x:1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"glossary\.csv, line 2: kind 'slogan'"):
        read_glossary(path)
    path.write_text("term,pinyin,english,kind,source\n倍增追赶,,doubling,formulation,x:1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: pinyin is empty"):
        read_glossary(path)
