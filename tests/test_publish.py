"""The published raw pages, Data page listing, search dictionary and glossary (analysis.book.publish)."""
from __future__ import annotations

import csv
import hashlib
import html
import re

import pandas as pd
import pytest

from analysis.book.helpers import (EXCERPT_CHARS, NOT_TEXT_COLUMNS, TEXT_COLUMNS, article_anchor, data_anchor,
                                   raw_page_url)
from analysis.book.publish import (
    GLOSSARY_PAGE, book_config, book_toc, glossary_markdown, inside_corpus, publish, read_glossary,
    search_dictionary,
)
from analysis.corpus.identity import corpus_identity
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
    found = re.findall(r'<li id="L(\d+)"><a href="#L\1"[^>]*>\1</a><span>(.*?)</span>(?:<span class="art"[^>]*></span>)*</li>',
                       page_html, re.S)
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

    (corpus_copy / "corpus.toml").write_text('publish_text = "full"\n', encoding="utf-8")
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
    assert "all of it" in listing and "## Licences" in listing and "丰台报" in listing
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
    (tmp_path / "corpus.toml").write_text('publish_text = "full"\n', encoding="utf-8")
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


def test_glossary_page_is_generated_from_the_corpus_csv(derived, tmp_path):
    assert "_build/book_inputs/glossary.md" in GLOSSARY_PAGE.read_text(encoding="utf-8"), (
        "book/glossary.md includes the glossary publish writes")
    publish(Corpus(), derived, tmp_path / "p", tmp_path / "i")
    text = (tmp_path / "i" / "glossary.md").read_text(encoding="utf-8")
    assert text == glossary_markdown(read_glossary(), {PAGE_FEB, PAGE_DEC})
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


# --------------------------------------------------------------------------- the publishing policy

def _published_text(folder) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*"))
                     if p.is_file() and p.suffix in (".html", ".csv", ".md", ".txt", ".cff", ".bib", ".yml"))


def _policy_corpus(tmp_path, policy: str | None, extra_toml: str = "") -> Corpus:
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = ("区委书记王明主持会议。会议强调，要坚持高质量发展，推动各项工作取得新成效。" * 4)
    pd.DataFrame({"id": ["a1", "a2"], "date": ["2021-03-01", "2021-03-02"], "title": ["会议召开", "=HYPERLINK(\"x\")"],
                  "text": [text, "第二篇" + text], "paper": ["某报", "某报"],
                  "reporter_phone": ["13800000000", "13900000000"], "internal_note": ["do not print", "x"],
                  "url": ["https://example.org/1", "https://example.org/2"]}).to_csv(folder / "articles.csv", index=False)
    lines = ([f'publish_text = "{policy}"'] if policy else []) + ([extra_toml] if extra_toml else [])
    if lines:
        (folder / "corpus.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Corpus(folder)


def _build(corpus: Corpus, tmp_path):
    from analysis.build import build

    out = tmp_path / "data"
    build(out, corpus)
    return out


@pytest.mark.parametrize("policy", [None, "excerpts", "none"])
def test_without_full_policy_no_article_text_leaves(tmp_path, policy):
    corpus = _policy_corpus(tmp_path, policy)
    derived = _build(corpus, tmp_path)
    result = publish(corpus, derived, tmp_path / "p", tmp_path / "i")
    assert result["identity"].publish_text == (policy or "excerpts")
    assert result["pages"] == [] and not (tmp_path / "p" / "raw").exists(), "raw pages published"
    names = {p.name for p in (tmp_path / "p" / "tables").iterdir()}
    assert "tokens.parquet" not in names and "articles.csv" in names
    published = _published_text(tmp_path / "p")
    articles = pd.read_parquet(derived / "articles.parquet")
    for text in articles["text"]:
        assert text[:EXCERPT_CHARS + 1] not in published, "an article's text is published"
    csv_articles = pd.read_csv(tmp_path / "p" / "tables" / "articles.csv", dtype=str, keep_default_na=False)
    assert "text" not in csv_articles.columns and "line_map" not in csv_articles.columns
    parquet_articles = pd.read_parquet(tmp_path / "p" / "tables" / "articles.parquet")
    assert "text" not in parquet_articles.columns
    for path in (tmp_path / "p" / "tables").glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        longest = max((len(v) for c in frame.columns if c not in NOT_TEXT_COLUMNS for v in frame[c]), default=0)
        assert longest <= EXCERPT_CHARS + 1, f"{path.name}: a cell of {longest} characters"
        if policy == "none":
            for column in set(frame.columns) & TEXT_COLUMNS:
                assert set(frame[column]) <= {"", "(not published)"}, f"{path.name}.{column} published text"
    listing = (tmp_path / "i" / "data_listing.md").read_text(encoding="utf-8")
    assert ("excerpts only" if policy != "none" else "What of the text is published: none") in listing
    # The listing's rows are those of the published files, rewritten (articles) or copied.
    for row in result["tables"].itertuples():
        path = tmp_path / "p" / row.file
        n = (len(pd.read_parquet(path)) if path.suffix == ".parquet"
             else len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")))
        assert row.rows == n, f"{row.file}: listed with {row.rows} rows, has {n}"
    assert result["tables"].set_index("table").loc["articles", "note"].str.contains("without text").all()


def test_full_policy_publishes_records_with_article_anchors_but_no_unlisted_column(tmp_path):
    corpus = _policy_corpus(tmp_path, "full", 'publish_columns = ["url"]')
    derived = _build(corpus, tmp_path)
    result = publish(corpus, derived, tmp_path / "p", tmp_path / "i")
    page = (tmp_path / "p" / raw_page_url("articles.csv")).read_text(encoding="utf-8")
    for anchor in ("a1", "a2"):
        assert f'id="{article_anchor(anchor)}"' in page
    assert "https://example.org/1" in page, "a column listed in publish_columns is published"
    published = _published_text(tmp_path / "p")
    for secret in ("13800000000", "do not print", "reporter_phone", "internal_note"):
        assert secret not in published, f"an unlisted column is published: {secret}"
    copy = pd.read_csv(tmp_path / "p" / "raw" / "articles.csv", dtype=str)
    assert list(copy.columns) == ["id", "date", "title", "text", "paper", "url"]
    assert result["pages"][0].unit == "lines" and "2 column(s)" in result["pages"][0].note


def test_csv_formula_cells_are_neutralised_but_numbers_kept(tmp_path):
    corpus = _policy_corpus(tmp_path, "full")
    derived = _build(corpus, tmp_path)
    publish(corpus, derived, tmp_path / "p", tmp_path / "i")
    articles = pd.read_csv(tmp_path / "p" / "tables" / "articles.csv", dtype=str, keep_default_na=False,
                           encoding="utf-8-sig")
    assert "'=HYPERLINK(\"x\")" in set(articles["headline"]), "a formula cell is published as a formula"
    for path in (tmp_path / "p").rglob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for column in frame.columns:
            for value in frame[column]:
                if value[:1] in ("=", "+", "@") or (value[:1] == "-" and not re.fullmatch(r"-[\d.e+-]+", value)):
                    pytest.fail(f"{path.name}.{column}: formula cell {value!r}")


def test_no_machine_path_in_anything_published(tmp_path):
    corpus = _policy_corpus(tmp_path, "full")
    derived = _build(corpus, tmp_path)
    publish(corpus, derived, tmp_path / "p", tmp_path / "i")
    for folder in (tmp_path / "p", tmp_path / "i"):
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert str(tmp_path).encode() not in data, f"{path.relative_to(tmp_path)} names the machine's folder"
                assert str(PROJECT_ROOT).encode() not in data, f"{path.relative_to(tmp_path)} names the project folder"
    import json

    manifest = (derived / "build.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in manifest and str(PROJECT_ROOT) not in json.dumps(json.loads(manifest))


# --------------------------------------------------------------------------- paths that stay in the corpus

def _publish_pages(corpus_copy, derived, tmp_path):
    return publish(Corpus(corpus_copy), derived, tmp_path / "p", tmp_path / "i")


def test_a_manifest_row_leaving_the_corpus_is_refused(corpus_copy, derived, tmp_path):
    (corpus_copy / "corpus.toml").write_text('publish_text = "full"\n', encoding="utf-8")
    manifest = corpus_copy / "manifest.csv"
    text = manifest.read_text(encoding="utf-8")
    for bad in ("../../../../etc/passwd", "/etc/passwd"):
        manifest.write_text(text.replace(PAGE_DEC, bad), encoding="utf-8")
        with pytest.raises(InputError, match="manifest.csv, line"):
            publish(Corpus(corpus_copy, manifest=manifest), derived, tmp_path / "p", tmp_path / "i")
        assert not (tmp_path / "p").exists()


def test_a_symlink_leaving_the_corpus_is_refused(corpus_copy, derived, tmp_path):
    import os

    (corpus_copy / "corpus.toml").write_text('publish_text = "full"\n', encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret\n", encoding="utf-8")
    page = corpus_copy / PAGE_DEC
    page.unlink()
    os.symlink(outside, page)
    with pytest.raises(InputError, match="outside the corpus folder"):
        _publish_pages(corpus_copy, derived, tmp_path)
    assert not (tmp_path / "p").exists()


def test_a_symlinked_page_folder_leaving_the_corpus_is_refused(corpus_copy, derived, tmp_path):
    import os
    import shutil

    folder = tmp_path / "c2"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in (PAGE_FEB, PAGE_DEC):
        shutil.copyfile(corpus_copy / name, elsewhere / name)
    shutil.copyfile(corpus_copy / "manifest.csv", folder / "manifest.csv")
    os.symlink(elsewhere, folder / "raw")
    for policy in ("full", "excerpts"):
        (folder / "corpus.toml").write_text(f'publish_text = "{policy}"\n', encoding="utf-8")
        with pytest.raises(InputError, match="page folder leads outside the corpus folder"):
            publish(Corpus(folder), derived, tmp_path / "p", tmp_path / "i")


def test_inside_corpus_accepts_links_that_stay_inside(tmp_path):
    import os

    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    os.symlink(tmp_path / "a.txt", tmp_path / "b.txt")
    assert inside_corpus(tmp_path, "b.txt") == (tmp_path / "a.txt").resolve()
    with pytest.raises(InputError, match="relative to the corpus folder"):
        inside_corpus(tmp_path, "C:/x.txt")


def test_a_file_named_like_a_url_scheme_stays_a_relative_link(corpus_copy, derived, tmp_path):
    from analysis.io import sha256_file

    (corpus_copy / "corpus.toml").write_text('publish_text = "full"\n', encoding="utf-8")
    name = "javascript:alert(document.domain).txt"
    (corpus_copy / PAGE_DEC).rename(corpus_copy / name)
    manifest = corpus_copy / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(PAGE_DEC, name), encoding="utf-8")
    assert sha256_file(corpus_copy / name)
    publish(Corpus(corpus_copy), derived, tmp_path / "p", tmp_path / "i")
    page = (tmp_path / "p" / raw_page_url(name)).read_text(encoding="utf-8")
    # Percent-encoded (analysis.book.escape.path_href): a file of that name, never the javascript: scheme.
    assert 'href="javascript%3Aalert%28document.domain%29.txt" download' in page
    assert not re.search(r'href="javascript:', page + (tmp_path / "i" / "data_listing.md").read_text(encoding="utf-8"))


def test_raw_pages_carry_an_anchor_per_article(derived, tmp_path):
    from analysis.corpus.read import load_articles

    publish(Corpus(), derived, tmp_path / "p", tmp_path / "i")
    articles = load_articles(cache=False)
    for row in articles.itertuples():
        page = (tmp_path / "p" / raw_page_url(row.source)).read_text(encoding="utf-8")
        line = row.headline_line if row.headline_line > 0 else row.line_start
        entry = re.search(rf'<li id="L{line}">(.*?)</li>', page, re.S).group(1)
        assert f'id="{article_anchor(row.article_id)}"' in entry, row.article_id


# --------------------------------------------------------------------------- the book's configuration

def test_config_without_repository_has_no_launch_or_repository_buttons(tmp_path):
    corpus = _policy_corpus(tmp_path, None)
    config = book_config(corpus_identity(corpus, year="2030"))
    assert config["launch_buttons"]["binderhub_url"] == "" and config["launch_buttons"]["colab_url"] == ""
    assert config["html"]["use_repository_button"] is False and config["html"]["use_issues_button"] is False
    assert config["sphinx"]["config"]["html_theme_options"]["use_source_button"] is False
    assert config["title"] == "某报: a computational reading" and config["copyright"] == "2030"
    assert "丰台" not in config["html"]["extra_footer"] and "丰台" not in str(config["title"])


def test_config_with_repository_points_every_button_there(tmp_path):
    corpus = _policy_corpus(tmp_path, None, 'repository = "https://github.com/someone/their-book"\nauthors = ["A. B."]')
    config = book_config(corpus_identity(corpus))
    assert config["repository"]["url"] == "https://github.com/someone/their-book"
    assert config["parse"]["myst_substitutions"]["repo_url"] == "https://github.com/someone/their-book"
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org" and config["author"] == "A. B."


def test_config_values_from_the_corpus_are_html_escaped(tmp_path):
    """The themes print the title (navbar) and the author (footer) unescaped: corpus values go in escaped."""
    corpus = _policy_corpus(tmp_path, None, 'title = "T <img src=x onerror=alert(1)>"\n'
                                            'authors = ["<script>alert(2)</script>"]\nfooter = "<b>f</b>"')
    config = book_config(corpus_identity(corpus, year="2030"))
    assert config["title"].startswith("T &lt;img src=x onerror=alert(1)&gt;")
    assert config["author"] == "&lt;script&gt;alert(2)&lt;/script&gt;"
    assert config["html"]["extra_footer"] == "&lt;b&gt;f&lt;/b&gt;"


def test_the_samples_config_is_the_projects(tmp_path):
    import yaml

    base = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8"))
    config = book_config(corpus_identity(Corpus()))
    for key in ("title", "launch_buttons", "repository"):
        assert config[key] == base[key], key
    assert config["html"]["extra_footer"] == base["html"]["extra_footer"]


def test_toc_has_no_glossary_page_for_a_corpus_without_one():
    files = lambda toc: [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert "book/glossary" in files(book_toc(True))
    assert "book/glossary" not in files(book_toc(False)) and len(files(book_toc(False))) == len(files(book_toc(True))) - 1


def test_guessed_fields_are_stated_in_the_introduction(tmp_path):
    corpus = _policy_corpus(tmp_path, None)
    derived = _build(corpus, tmp_path)
    publish(corpus, derived, tmp_path / "p", tmp_path / "i", year="2030")
    statement = (tmp_path / "i" / "corpus_statement.md").read_text(encoding="utf-8")
    assert "guessed for this book" in statement and "the paper (from the" in statement
    head = (tmp_path / "i" / "intro_head.md").read_text(encoding="utf-8")
    assert head.startswith("# 某报: a computational reading\n"), head
    assert not (tmp_path / "i" / "glossary.md").read_text(encoding="utf-8").count("```{glossary}")
    cff = (tmp_path / "p" / "CITATION.cff").read_text(encoding="utf-8")
    assert "某报" in cff and "Anonymous" in cff and "丰台" not in cff
    for name in ("intro_head.md", "reading_guide.md", "data_listing.md", "corpus_statement.md", "citation.md"):
        text = (tmp_path / "i" / name).read_text(encoding="utf-8")
        assert not re.search(r"丰台|Fengtai|district", text), f"{name} speaks of the sample"
