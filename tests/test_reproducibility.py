"""The reproducibility page's numbers: versions, checksums, corpus summary, fingerprint."""
from __future__ import annotations

import hashlib
from importlib import metadata

import pytest

from analysis.book.reproducibility import (
    KEY_PACKAGES, REQUIREMENTS, corpus_files, corpus_setting, corpus_summary, corpus_totals,
    data_files, package_versions, read_pins, table_fingerprint,
)
from analysis.api import environment_corpus
from analysis.corpus.read import load_articles
from analysis.errors import InputError
from analysis.paths import DATA_DIR, PROJECT_ROOT, RAW_DIR


def test_every_pinned_package_is_installed_at_its_pin():
    table = package_versions()
    pinned_lines = [line for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("#")]
    assert len(table) == len(pinned_lines)
    mismatched = table[~table["matches"]]
    assert mismatched.empty, f"environment differs from requirements.txt:\n{mismatched}"
    for row in table.itertuples():
        assert row.installed == metadata.version(row.package)


def test_key_packages_are_all_pinned():
    table = package_versions(names=KEY_PACKAGES)
    assert len(table) == len(set(KEY_PACKAGES))
    assert (table["pinned"] != "").all(), table[table["pinned"] == ""]
    assert list(table["package"].str.lower()) == sorted(table["package"].str.lower())


def test_an_unpinned_line_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# comment\njieba==0.42.1\npandas>=2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"requirements\.txt, line 3: expected 'name==version'"):
        read_pins(path)


def test_a_package_pinned_twice_is_reported(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("scikit-learn==1.9.1\nscikit_learn==1.9.0\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: package 'scikit_learn' is pinned twice"):
        read_pins(path)


def test_shipped_data_files_match_their_bytes_and_the_manifest():
    table = data_files()
    pages = sorted(RAW_DIR.glob("*.txt"))
    assert len(pages) >= 2
    by_path = table.set_index("path")
    for page in pages:
        row = by_path.loc[page.relative_to(PROJECT_ROOT).as_posix()]
        assert row["sha256"] == hashlib.sha256(page.read_bytes()).hexdigest()
        assert row["status"] == "matches manifest"
    assert set(table["path"]) == {p.relative_to(PROJECT_ROOT).as_posix()
                                  for p in DATA_DIR.rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert list(table["path"]) == sorted(table["path"])
    assert not table["path"].str.startswith("/").any()


def test_a_changed_or_missing_page_is_flagged(corpus_copy):
    pages = sorted(corpus_copy.glob("*.txt"))
    changed, gone = pages[0], pages[1]
    changed.write_bytes(changed.read_bytes() + b"\n")
    gone.unlink()
    table = data_files(corpus_copy, corpus_copy / "manifest.csv", corpus_copy).set_index("path")
    assert table.loc[changed.name, "status"] == "differs from manifest"
    assert table.loc[gone.name, "status"] == "missing"
    assert table.loc["manifest.csv", "status"] == "no manifest entry"


def test_a_malformed_manifest_checksum_names_the_row(corpus_copy):
    manifest = corpus_copy / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[4], "abc123", 1)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"manifest\.csv, row 3: sha256 of .* is not 64 hex digits"):
        data_files(corpus_copy, manifest, corpus_copy)


def test_corpus_files_follow_the_corpus_setting(corpus_copy, monkeypatch):
    # The notebook's corpus: the one the environment names (analysis.api.environment_corpus).
    assert "not set" in corpus_setting(environment_corpus())
    assert corpus_files(environment_corpus()).equals(data_files())
    monkeypatch.setenv("ANALYSIS_CORPUS", str(corpus_copy))
    setting = corpus_setting(environment_corpus())
    assert setting.startswith("ANALYSIS_CORPUS=…/corpus "), setting
    assert str(corpus_copy.parent) not in setting, "the page would name the machine's folders"
    table = corpus_files(environment_corpus())
    own = table[table["status"] != "project default"]
    assert sorted(own["path"]) == sorted(p.name for p in corpus_copy.iterdir())
    assert (table.loc[table["path"].str.endswith(".txt"), "status"] == "matches manifest").all()
    # The facts it falls back to are fingerprinted too: a changed default registry changes a checksum.
    defaults = table[table["status"] == "project default"]
    assert "data/defaults/leaders.csv" in set(defaults["path"]) and defaults["sha256"].str.fullmatch("[0-9a-f]{64}").all()


def test_corpus_files_of_an_article_table_list_its_own_facts_and_the_defaults(tmp_path):
    import analysis

    folder = tmp_path / "paper"
    folder.mkdir()
    load_articles()[["article_id", "issue_date", "headline", "text"]].rename(
        columns={"article_id": "id", "issue_date": "date", "headline": "title"}).to_csv(folder / "articles.csv",
                                                                                      index=False)
    (folder / "corpus.toml").write_text('title = "x"\n', encoding="utf-8")
    (folder / "stopwords.csv").write_text("word,source\n的,test\n", encoding="utf-8")
    table = corpus_files(analysis.Corpus(folder)).set_index("path")
    assert table.loc["articles.csv", "status"] == table.loc["stopwords.csv", "status"] == "no manifest entry"
    assert "corpus.toml" in table.index and "data/defaults/stopwords.csv" not in table.index
    assert table.loc["data/defaults/leaders.csv", "status"] == "project default"
    assert not any(str(tmp_path) in p for p in table.index)


def test_corpus_summary_adds_up_to_the_article_table():
    articles = load_articles()
    summary = corpus_summary(articles)
    totals = corpus_totals(articles)
    assert summary["articles"].sum() == len(articles) == totals["articles"]
    assert summary["characters"].sum() == articles["n_chars"].sum() == totals["characters"]
    assert len(summary) == articles["source"].nunique() == totals["page files"]
    assert list(summary["issue_date"]) == sorted(summary["issue_date"])
    assert totals["first issue"] == articles["issue_date"].min()
    assert totals["last issue"] == articles["issue_date"].max()
    dated = (articles["date_basis"] == "dateline").sum()
    assert summary["dated_by_dateline"].sum() == dated


def test_corpus_summary_rejects_a_table_without_its_columns():
    articles = load_articles().drop(columns=["n_chars"])
    with pytest.raises(ValueError, match="n_chars"):
        corpus_summary(articles)


def test_fingerprint_is_stable_and_sees_one_changed_character():
    first, second = load_articles(), load_articles()
    assert table_fingerprint(first) == table_fingerprint(second)
    changed = first.copy()
    changed.loc[0, "text"] = changed.loc[0, "text"][:-1] + "。"
    if changed.loc[0, "text"] == first.loc[0, "text"]:
        changed.loc[0, "text"] = changed.loc[0, "text"][:-1] + "，"
    assert table_fingerprint(changed) != table_fingerprint(first)


def test_derived_tables_counts_every_file_s_rows_as_pandas_reads_them(tmp_path):
    import pandas as pd

    from analysis.book.reproducibility import derived_tables
    from analysis.build import build
    from analysis.tables import Tables

    build(tmp_path / "out", workers=1)
    listing = derived_tables(Tables(tmp_path / "out"))
    assert len(listing) > 20
    for row in listing.itertuples():
        path = tmp_path / "out" / row.file
        frame = (pd.read_parquet(path) if path.suffix == ".parquet"
                 else pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
        assert row.rows == len(frame), row.file
        assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest(), row.file
