"""Reading a corpus: the articles table, caching, one's own corpus, and every kind of bad input."""
import csv
import hashlib
import json
import logging

import pandas as pd
import pytest

import analysis.corpus.read as corpus_module
from analysis.corpus.read import ARTICLE_COLUMNS, load_articles, load_captions, read_corpus, source_line
from analysis.errors import InputError

from conftest import PAGE_DEC, PAGE_FEB


def rewrite_manifest(folder, **changes):
    """Rewrite manifest.csv with per-file column changes: changes[file] = {column: value}."""
    path = folder / "manifest.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        row.update(changes.get(row["file"], {}))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the table

def test_sample_articles_table():
    articles = load_articles()
    assert list(articles.columns) == ARTICLE_COLUMNS
    assert len(articles) == 9
    assert articles["source"].value_counts().to_dict() == {PAGE_FEB: 4, PAGE_DEC: 5}
    assert articles["article_id"].is_unique
    # sorted by issue date: December 2024 first
    assert list(articles["issue_date"]) == ["2024-12-01"] * 5 + ["2025-02-13"] * 4
    assert (articles["n_chars"] == articles["text"].str.len()).all()
    assert set(articles["date_basis"]) == {"dateline", "issue"}
    assert articles["date"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()
    assert (articles["headline"] != "").sum() == 7


def test_article_ids_stable_across_runs():
    first = load_articles(cache=False)
    second = load_articles(cache=False)
    pd.testing.assert_frame_equal(first, second)
    assert first["article_id"].iloc[0] == "001_37b71d2a634c19f4-01"


def test_source_line_traces_names_to_raw_lines(page_text):
    articles = load_articles().set_index("article_id", drop=False)
    art = articles.loc["000_170871a187ecc0e6-02"]
    offset = art["text"].index("区委书记王少峰主持会议")
    line = source_line(art, offset)
    assert line == 76 and page_text(PAGE_FEB).splitlines()[line - 1].endswith("区委书记王少")


def test_captions_table():
    captions = load_captions()
    assert list(captions["caption"]) == ["工作人员给孩子们赠送小礼物", "传统戏曲、变脸表演人气爆棚，点燃了长辛店老镇的氛围"]
    assert set(captions["article_id"]) == {"000_170871a187ecc0e6-04"}


def test_cache_reused_and_invalidated(corpus_copy, monkeypatch):
    first = load_articles(corpus_copy)
    monkeypatch.setattr(corpus_module, "segment_pages", lambda *a, **k: pytest.fail("re-segmented an unchanged corpus"))
    pd.testing.assert_frame_equal(load_articles(corpus_copy), first)
    monkeypatch.undo()
    page = corpus_copy / PAGE_DEC
    page.write_text(page.read_text(encoding="utf-8").replace("安娜·帕拉希奥", "安娜"), encoding="utf-8")
    rewrite_manifest(corpus_copy, **{PAGE_DEC: {"sha256": sha(page)}})
    changed = load_articles(corpus_copy)
    assert "安娜·帕拉希奥" not in changed.loc[0, "text"] and "安娜·帕拉希奥" in first.loc[0, "text"]


def test_env_variable_retargets_the_edges_corpus(corpus_copy, monkeypatch):
    from analysis.api import environment_corpus

    rewrite_manifest(corpus_copy, **{PAGE_FEB: {"paper": "测试报"}})
    monkeypatch.setenv("ANALYSIS_CORPUS", str(corpus_copy))
    assert "测试报" in set(load_articles(environment_corpus())["paper"])
    # Only the edge reads the environment: a library call without a corpus reads the sample.
    assert "测试报" not in set(load_articles()["paper"])


# --------------------------------------------------------------------------- one's own corpus

def test_article_table_forms_give_the_same_table(tmp_path):
    sample = load_articles()
    own = pd.DataFrame({"id": sample["article_id"], "date": sample["date"], "title": sample["headline"],
                        "text": sample["text"], "page": "A1"})
    paths = [tmp_path / "a.csv", tmp_path / "a.jsonl", tmp_path / "a.parquet"]
    own.to_csv(paths[0], index=False)
    own.to_json(paths[1], orient="records", lines=True, force_ascii=False)
    own.to_parquet(paths[2], index=False)
    tables = [load_articles(articles=p, paper="丰台报") for p in paths]
    for table in tables:
        assert list(table.columns) == ARTICLE_COLUMNS
        assert len(table) == 9
        assert sorted(table["text"]) == sorted(sample["text"])
        assert set(table["paper"]) == {"丰台报"}
        assert set(table["page"]) == {"A1"}
    for other in tables[1:]:
        pd.testing.assert_frame_equal(tables[0].drop(columns=["source", "line_start", "line_end", "line_map"]),
                                      other.drop(columns=["source", "line_start", "line_end", "line_map"]))


def test_own_articles_parquet_reads_back(tmp_path):
    """The articles.parquet of ``python -m analysis build`` is itself a valid article table."""
    sample = load_articles()
    sample.to_parquet(tmp_path / "articles.parquet", index=False)
    again = load_articles(articles=tmp_path / "articles.parquet", paper="丰台报")
    assert sorted(again["article_id"]) == sorted(sample["article_id"])
    again, sample = again.set_index("article_id"), sample.set_index("article_id")
    for column in ("headline", "text", "date"):
        assert again[column].to_dict() == sample[column].to_dict(), column


def test_article_table_minimal_columns_and_generated_ids(tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame({"date": ["2024-01-02", "2024-01-03"], "text": ["区委书记 王 少 峰 出席。", "第二篇"]}).to_csv(path, index=False)
    table = load_articles(articles=path)
    assert list(table["date"]) == ["2024-01-02", "2024-01-03"]
    assert table.loc[0, "text"] == "区委书记王少峰出席。"
    assert table["article_id"].str.fullmatch(r"[0-9a-f]{12}").all()
    assert list(table["line_start"]) == [2, 3]  # CSV line of each row, for tracing


# --------------------------------------------------------------------------- bad input

def expect_error(match, **kwargs):
    with pytest.raises(InputError, match=match) as info:
        read_corpus(cache=False, **kwargs)
    return str(info.value)


def test_gbk_page_decoded_and_encoding_reported(corpus_copy, caplog):
    page = corpus_copy / PAGE_FEB
    page.write_bytes(page.read_text(encoding="utf-8").encode("gb18030"))
    rewrite_manifest(corpus_copy, **{PAGE_FEB: {"sha256": sha(page)}})
    with caplog.at_level(logging.WARNING):
        articles = load_articles(corpus_copy, cache=False)
    assert "GB18030" in caplog.text and PAGE_FEB in caplog.text
    assert "内蒙古自治区兴安盟党政代表团赴丰台区对接交流" in set(articles["headline"])


def test_utf8_bom_page_decoded(corpus_copy):
    page = corpus_copy / PAGE_DEC
    page.write_bytes(b"\xef\xbb\xbf" + page.read_bytes())
    rewrite_manifest(corpus_copy, **{PAGE_DEC: {"sha256": sha(page)}})
    articles = load_articles(corpus_copy, cache=False)
    assert len(articles) == 9 and not articles["text"].str.contains("\ufeff").any()


def test_undecodable_page_rejected_with_line(corpus_copy):
    page = corpus_copy / PAGE_DEC
    page.write_bytes(b"\xe6\x9c\xac\n\n\xff\xfe\x00\x01garbage\x80\x81\n")
    rewrite_manifest(corpus_copy, **{PAGE_DEC: {"sha256": sha(page)}})
    message = expect_error(PAGE_DEC, corpus=corpus_copy)
    assert "line 3" in message


def test_manifest_row_for_missing_file(corpus_copy):
    (corpus_copy / PAGE_DEC).unlink()
    message = expect_error(f"{PAGE_DEC}' not found", corpus=corpus_copy)
    assert "manifest.csv, line 3" in message


def test_page_not_in_manifest(corpus_copy):
    (corpus_copy / "002_extra.txt").write_text("本报讯 多出来的一页。", encoding="utf-8")
    expect_error("not in the manifest.*002_extra.txt", corpus=corpus_copy)


def test_checksum_mismatch(corpus_copy):
    page = corpus_copy / PAGE_FEB
    page.write_text(page.read_text(encoding="utf-8") + "\n多一行。\n", encoding="utf-8")
    message = expect_error("checksum mismatch", corpus=corpus_copy)
    assert "line 2" in message and PAGE_FEB in message


def test_unparsable_issue_date(corpus_copy):
    rewrite_manifest(corpus_copy, **{PAGE_DEC: {"issue_date": "2024年12月"}})
    expect_error(r"manifest.csv, line 3: issue_date '2024年12月' is not a date", corpus=corpus_copy)


def test_path_outside_corpus(corpus_copy):
    rewrite_manifest(corpus_copy, **{PAGE_DEC: {"file": "../secret.txt"}})
    expect_error("outside the corpus folder", corpus=corpus_copy)


def test_empty_page(corpus_copy):
    page = corpus_copy / PAGE_DEC
    page.write_text("\n  \n\n", encoding="utf-8")
    rewrite_manifest(corpus_copy, **{PAGE_DEC: {"sha256": sha(page)}})
    expect_error(f"{PAGE_DEC}: page is empty", corpus=corpus_copy)


def test_manifest_missing_column(corpus_copy):
    path = corpus_copy / "manifest.csv"
    frame = pd.read_csv(path).drop(columns=["sha256"])
    frame.to_csv(path, index=False)
    expect_error("line 1: header lacks column.*sha256", corpus=corpus_copy)


def test_manifest_not_utf8_names_line(corpus_copy):
    path = corpus_copy / "manifest.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))  # a spreadsheet's "save as CSV"
    expect_error(r"manifest.csv, line 2: not valid UTF-8 \(byte 0x", corpus=corpus_copy)


def test_manifest_with_bom_is_read(corpus_copy):
    path = corpus_copy / "manifest.csv"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8-sig")
    assert len(read_corpus(corpus=corpus_copy, cache=False).articles) == 9


@pytest.mark.parametrize("missing", ["date", "text"])
def test_article_table_missing_column(tmp_path, missing):
    path = tmp_path / "mine.csv"
    pd.DataFrame({"date": ["2024-01-02"], "text": ["正文"], "title": ["标题"]}).drop(columns=[missing]).to_csv(path, index=False)
    expect_error(f"mine.csv: article table lacks required column.*{missing}", articles=path)


def test_article_table_bad_date_names_row(tmp_path):
    path = tmp_path / "mine.jsonl"
    rows = [{"date": "2024-01-02", "text": "正文"}, {"date": "2024-13-40", "text": "正文二"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    expect_error(r"mine.jsonl, line 2: date '2024-13-40' is not a date", articles=path)


def test_article_table_empty_text_names_row(tmp_path):
    path = tmp_path / "mine.parquet"
    pd.DataFrame({"date": ["2024-01-02", "2024-01-03"], "text": ["正文", ""]}).to_parquet(path)
    expect_error(r"mine.parquet, row 2: text is empty", articles=path)
