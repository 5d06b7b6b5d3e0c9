"""Hostile inputs: each is refused with file and line, or read right, never silently converted.

One test per case of issue 14 (fuzzing); each failed on the code before.
"""
from __future__ import annotations

from pathlib import Path

import datetime as dt
import hashlib
import json
import logging
import zipfile

import pandas as pd
import pytest

from analysis.corpus.folder import Corpus
from analysis.corpus.pages import read_manifest, read_pages
from analysis.corpus.read import load_articles, read_article_table, read_corpus
from analysis.errors import InputError
from analysis.perarticle.mentions import RegistryError, load_registry
from analysis.paths import RAW_DIR
from analysis.settings import Settings
from analysis.tokens import DictionaryError, read_user_dictionary

from conftest import PAGE_DEC, PAGE_FEB

REGISTRY_PATH = Path(__file__).resolve().parent.parent / "data" / "leaders.csv"

TRADITIONAL = ("北京市豐台區委書記出席會議，強調要做好經濟發展工作，推動區域協調發展。\n"
               "記者從會議上獲悉，今年將繼續實施重點項目，擴大對外開放。\n") * 5


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def set_manifest(folder, rows: dict[str, dict] | None = None, drop: tuple = (), add: list[dict] = ()):
    """Rewrite ``folder/manifest.csv``: edit rows by file name, drop some, add others."""
    path = folder / "manifest.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for name, changes in (rows or {}).items():
        for column, value in changes.items():
            frame.loc[frame["file"] == name, column] = value
    frame = frame[~frame["file"].isin(drop)]
    if add:
        frame = pd.concat([frame, pd.DataFrame(list(add))], ignore_index=True).fillna("")
    frame.to_csv(path, index=False)


def write_table(path, frame: pd.DataFrame):
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    return path


def error_of(func, *args, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        func(*args, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- encodings

def test_big5_page_is_refused_naming_big5(corpus_copy):
    page = corpus_copy / PAGE_DEC
    page.write_bytes(TRADITIONAL.encode("big5"))
    set_manifest(corpus_copy, {PAGE_DEC: {"sha256": sha(page)}})
    message = error_of(read_pages, corpus_copy)
    assert f"{PAGE_DEC}, line 1" in message and "Big5" in message and "private-use" in message


def test_big5_page_is_read_when_the_manifest_names_it(corpus_copy):
    page = corpus_copy / PAGE_DEC
    page.write_bytes(TRADITIONAL.encode("big5"))
    set_manifest(corpus_copy, {PAGE_DEC: {"sha256": sha(page), "encoding": "big5"}})
    pages = {p.file: p for p in read_pages(corpus_copy)}
    assert pages[PAGE_DEC].text.startswith("北京市豐台區") and pages[PAGE_DEC].encoding == "big5"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_gbk_article_table_named(tmp_path, suffix):
    path = write_table(tmp_path / f"gbk{suffix}", pd.DataFrame({"date": ["2024-05-01"], "text": ["区委书记出席会议。"]}))
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    message = error_of(read_article_table, path)
    line = 2 if suffix == ".csv" else 1  # the first non-ASCII byte: CSV row 1, or JSON line 1
    assert f"gbk{suffix}, line {line}: not valid UTF-8" in message and "GB18030/GBK" in message


@pytest.mark.parametrize("magic, named", [(None, "Excel workbook (.xlsx)"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "(.xls)")])
def test_excel_file_named_csv(tmp_path, magic, named):
    path = tmp_path / "articles.csv"
    if magic is None:  # an .xlsx is a zip archive
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
    else:
        path.write_bytes(magic + b"\x00" * 100)
    message = error_of(read_article_table, path)
    assert "articles.csv: is an Excel" in message and named in message and "export it as CSV" in message


def test_csv_named_parquet(tmp_path):
    path = tmp_path / "a.parquet"
    path.write_text("date,text\n2024-01-01,正文\n", encoding="utf-8")
    assert "not a Parquet file" in error_of(read_article_table, path)


def test_gbk_registry_named(tmp_path):
    path = tmp_path / "leaders.csv"
    path.write_bytes(REGISTRY_PATH.read_text(encoding="utf-8").encode("gbk"))
    with pytest.raises(RegistryError, match=r"leaders\.csv, line \d+: not valid UTF-8 .*GB18030/GBK"):
        load_registry(path)


# --------------------------------------------------------------------------- column types of tables

@pytest.mark.parametrize("value, shown", [
    ("区委书记出席。".encode(), "bytes"),  # the old code wrote "b'\\xe5…'" as the text
    (["近", "日"], "ndarray"),  # "['近' '日']"
    (0, "int"),  # "0"
])
def test_parquet_text_must_be_text(tmp_path, value, shown):
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"date": ["2024-01-01"], "text": [value]}).to_parquet(path)
    message = error_of(read_article_table, path)
    assert "bad.parquet, row 1: text is" in message and shown in message and "not text" in message


def test_json_number_text_refused(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"date": "2024-01-01", "text": "正文"}\n{"date": "2024-01-02", "text": 17}\n', encoding="utf-8")
    assert "a.jsonl, line 2: text is int, not text" in error_of(read_article_table, path)


def test_integer_page_and_id_are_fine(tmp_path):
    path = tmp_path / "a.parquet"
    pd.DataFrame({"date": ["2024-01-01"], "text": ["正文"], "page": [3], "id": [17]}).to_parquet(path)
    table = read_article_table(path)
    assert table.loc[0, "page"] == "3" and table.loc[0, "article_id"] == "17"


# --------------------------------------------------------------------------- dates

def test_timezone_aware_parquet_dates_are_the_papers_local_day(tmp_path, monkeypatch):
    beijing_midnight = pd.Timestamp("2024-12-01 00:00", tz="Asia/Shanghai").tz_convert("UTC")
    path = tmp_path / "utc.parquet"
    pd.DataFrame({"date": [beijing_midnight], "text": ["正文"]}).to_parquet(path)
    assert str(pd.read_parquet(path)["date"][0].date()) == "2024-11-30"  # what the old code used
    assert read_article_table(path).loc[0, "date"] == "2024-12-01"
    monkeypatch.setenv("ANALYSIS_TIMEZONE", "UTC")  # configurable, read at the edge into the settings
    assert read_article_table(path, settings=Settings.from_environment()).loc[0, "date"] == "2024-11-30"
    assert read_corpus(path, cache=False).articles.loc[0, "date"] == "2024-12-01"  # no setting given: the default
    utc = Corpus(path, settings=Settings(timezone="UTC"))
    assert read_corpus(utc, cache=False).articles.loc[0, "date"] == "2024-11-30"


@pytest.mark.parametrize("stamp, day", [
    ("2024-11-30T16:00:00Z", "2024-12-01"),
    ("2024-11-30T16:00:00+00:00", "2024-12-01"),
    ("2024-12-01T08:30", "2024-12-01"),
    ("2024-12-01 23:59:59.5", "2024-12-01"),
])
def test_iso_timestamps_in_text_columns(tmp_path, stamp, day):
    path = write_table(tmp_path / "a.csv", pd.DataFrame({"date": [stamp], "text": ["正文"]}))
    assert read_article_table(path).loc[0, "date"] == day


def test_parquet_date32_column(tmp_path):
    path = tmp_path / "a.parquet"
    pd.DataFrame({"date": [dt.date(2024, 12, 1)], "text": ["正文"]}).to_parquet(path)
    assert read_article_table(path).loc[0, "date"] == "2024-12-01"


@pytest.mark.parametrize("value, problem", [
    ("2024-12-01Tgarbage", "is not a date"),
    ("2024-12-01 99:99", "is not a valid date or timestamp"),
    ("2024-12-01T25:00:00Z", "is not a valid date or timestamp"),
    ("0001-01-01", "outside the plausible range"),
    ("2204-01-01", "outside the plausible range"),
    ("1899-12-31", "outside the plausible range"),
])
def test_bad_timestamps_refused_with_line(tmp_path, value, problem):
    path = write_table(tmp_path / "a.csv", pd.DataFrame({"date": ["2024-01-01", value], "text": ["一", "二"]}))
    message = error_of(read_article_table, path)
    assert "a.csv, line 3: date" in message and problem in message


def test_date_range_is_configurable(tmp_path, monkeypatch):
    path = write_table(tmp_path / "a.csv", pd.DataFrame({"date": ["1890-06-01"], "text": ["旧闻"]}))
    assert "outside the plausible range 1900-01-01" in error_of(read_article_table, path)
    monkeypatch.setenv("ANALYSIS_DATE_MIN", "1850-01-01")
    assert read_article_table(path, settings=Settings.from_environment()).loc[0, "date"] == "1890-06-01"


def test_implausible_issue_date_in_manifest(corpus_copy):
    set_manifest(corpus_copy, {PAGE_DEC: {"issue_date": "0001-12-01"}})
    assert "manifest.csv, line 3: issue_date 0001-12-01 lies outside" in error_of(read_pages, corpus_copy)


def test_implausible_registry_date(tmp_path):
    frame = pd.read_csv(REGISTRY_PATH, dtype=str, keep_default_na=False)
    frame.loc[0, "start"] = "0201-01-01"
    frame.to_csv(tmp_path / "leaders.csv", index=False)
    with pytest.raises(RegistryError, match=r"row 2: start date 0201-01-01 lies outside the plausible range"):
        load_registry(tmp_path / "leaders.csv")


# --------------------------------------------------------------------------- invisible characters, duplicates

def test_zero_width_only_page_is_empty(corpus_copy):
    page = corpus_copy / PAGE_DEC
    page.write_text("\u200b\n\u200b\u200b\n\ufeff\u2060\n", encoding="utf-8")
    set_manifest(corpus_copy, {PAGE_DEC: {"sha256": sha(page)}})
    assert f"{PAGE_DEC}: page is empty (no visible text)" in error_of(read_pages, corpus_copy)


def test_zero_width_only_article_text_is_empty(tmp_path):
    path = write_table(tmp_path / "a.jsonl", pd.DataFrame({"date": ["2024-01-01"], "text": ["\u200b\u200c\u200d"]}))
    assert "a.jsonl, line 1: text is empty (only invisible characters)" in error_of(read_article_table, path)


def test_nul_and_zero_width_removed_from_pages(corpus_copy, page_text):
    page = corpus_copy / PAGE_FEB
    original = page_text(PAGE_FEB)
    dirty = original.replace("丰台", "丰\u200b台\x00", 3)
    assert dirty != original
    page.write_text(dirty, encoding="utf-8")
    set_manifest(corpus_copy, {PAGE_FEB: {"sha256": sha(page)}})
    result = read_corpus(corpus=corpus_copy, cache=False).articles
    clean = load_articles(cache=False)
    assert not result["text"].str.contains("[\x00\u200b]").any()
    assert result["text"].tolist() == clean["text"].tolist()  # nothing else changed, lines included
    assert result["line_map"].tolist() == clean["line_map"].tolist()


def test_nul_in_article_table_text_removed(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"date": "2024-01-01", "text": "区委\u0000书记\u200b出席"}) + "\n", encoding="utf-8")
    assert read_article_table(path).loc[0, "text"] == "区委书记出席"


def test_duplicate_rows_counted_once(tmp_path, caplog):
    frame = pd.DataFrame({"date": ["2024-01-01", "2024-01-02", "2024-01-01"],
                          "text": ["同一篇文章。", "另一篇。", "同一篇文章。"]})
    path = write_table(tmp_path / "a.csv", frame)
    caplog.set_level(logging.WARNING)
    table = read_article_table(path)
    assert len(table) == 2
    assert "a.csv, line 4: same date and text as line 2; counted once" in caplog.text


def test_same_page_under_two_names_counted_once(corpus_copy, caplog):
    copy = corpus_copy / "copy_of_dec.txt"
    copy.write_bytes((corpus_copy / PAGE_DEC).read_bytes())
    set_manifest(corpus_copy, add=[{"file": copy.name, "paper": "丰台报", "issue_date": "2024-12-01",
                                     "page": "1", "sha256": sha(copy)}])
    caplog.set_level(logging.WARNING)
    result = read_corpus(corpus=corpus_copy, cache=False)
    assert len(result.articles) == 9
    assert f"page 'copy_of_dec.txt' has the same bytes as '{PAGE_DEC}'" in caplog.text


def test_same_bytes_under_a_new_name_give_the_new_source(tmp_path):
    frame = pd.DataFrame({"date": ["2024-01-01"], "text": ["正文"]})
    first = write_table(tmp_path / "first.csv", frame)
    second = tmp_path / "second.csv"
    second.write_bytes(first.read_bytes())
    assert load_articles(articles=first).loc[0, "source"] == "first.csv"
    assert load_articles(articles=second).loc[0, "source"] == "second.csv"  # not the cached first.csv


def test_paper_argument_still_applies(tmp_path):
    path = write_table(tmp_path / "a.csv", pd.DataFrame({"date": ["2024-01-01"], "text": ["正文"]}))
    assert load_articles(articles=path, paper="某报").loc[0, "paper"] == "某报"
    assert load_articles(articles=path, paper="别报").loc[0, "paper"] == "别报"  # paper is in the cache key


# --------------------------------------------------------------------------- CSV structure

def test_unclosed_quote_in_large_manifest(corpus_copy):
    path = corpus_copy / "manifest.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    # The last row's source opens a quote that never closes, over 200,000 characters:
    # beyond the csv module's 131,072-character field limit.
    lines[2] = lines[2].split('"')[0] + '"' + "x" * 200_000
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = error_of(read_manifest, path)
    assert "manifest.csv, line 3: unclosed quote" in message and "field larger" not in message


def test_unclosed_quote_closed_by_a_later_line(corpus_copy):
    path = corpus_copy / "manifest.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].split('"')[0] + '"丰台报'  # closed by the first quote of line 3
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = error_of(read_pages, corpus_copy)
    assert "manifest.csv, line 2: unclosed quote? the quoted field opened on this line runs on to line 3" in message


def test_unclosed_quote_in_small_manifest(corpus_copy):
    path = corpus_copy / "manifest.csv"
    text = path.read_text(encoding="utf-8").replace(",丰台报,", ',"丰台报,', 1)
    path.write_text(text, encoding="utf-8")
    message = error_of(read_pages, corpus_copy)
    assert "manifest.csv, line 2: stray quote" in message
    assert "not in the manifest" not in message


def test_quoted_field_over_two_lines_in_manifest(corpus_copy):
    path = corpus_copy / "manifest.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",丰台报,", ',"丰台报\n",', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = error_of(read_pages, corpus_copy)
    assert "manifest.csv, line 2: a quoted field runs over several lines (an unclosed quote?)" in message


def test_unclosed_quote_in_large_user_dictionary(tmp_path):
    path = tmp_path / "userdict.csv"
    path.write_text("word,freq,tag,category,source\n王少峰,,nr,person,x\n初军威,,nr,person,\"" + "y" * 200_000
                    + "\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"userdict\.csv, line 3: unclosed quote"):
        read_user_dictionary(path)


def test_empty_registry(tmp_path):
    path = tmp_path / "leaders.csv"
    path.write_text("")
    with pytest.raises(RegistryError, match=r"leaders\.csv, line 1: leader registry is empty"):
        load_registry(path)
    path.write_text(",".join(pd.read_csv(REGISTRY_PATH, nrows=0).columns) + "\n")
    with pytest.raises(RegistryError, match=r"leaders\.csv: leader registry has a header but no rows"):
        load_registry(path)


def test_registry_with_unterminated_quote(tmp_path):
    lines = REGISTRY_PATH.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",", ',"', 1)
    path = tmp_path / "leaders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert "line 4" in str(info.value) and "quote" in str(info.value) and "level ''" not in str(info.value)


def test_multiline_cells_report_the_physical_line(tmp_path):
    texts = ["第一段\n第二段\n第三段"] * 10 + ["正文"]
    dates = ["2024-01-%02d" % (k + 1) for k in range(10)] + ["2024-13-01"]
    path = write_table(tmp_path / "a.csv", pd.DataFrame({"date": dates, "text": texts}))
    # header on line 1, ten 3-line records on lines 2-31, the bad row on line 32
    assert "a.csv, line 32: date '2024-13-01'" in error_of(read_article_table, path)
    table = read_article_table(write_table(tmp_path / "b.csv", pd.DataFrame({"date": dates[:10], "text": texts[:10]})))
    assert table["line_start"].tolist() == list(range(2, 32, 3))


def test_json_array_is_read(tmp_path):
    frame = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "text": ["一", "二"]})
    path = tmp_path / "a.json"
    frame.to_json(path, orient="records", force_ascii=False)
    table = read_article_table(path)
    assert table["text"].tolist() == ["一", "二"] and table["line_start"].tolist() == [1, 2]
    path.write_text('[{"date": "2024-01-01", "text": "一"}, "stray"]', encoding="utf-8")
    assert "a.json, record 2: a JSON array of objects is expected; item is str" in error_of(read_article_table, path)


def test_pretty_printed_json_object_named(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{\n "date": "2024-01-01",\n "text": "一"\n}\n', encoding="utf-8")
    assert "one object per line" in error_of(read_article_table, path)


def test_reading_a_table_shows_progress(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("analysis.progress.in_notebook", lambda: False)
    path = write_table(tmp_path / "a.csv", pd.DataFrame({"date": ["2024-01-01"] * 3, "text": ["一", "二", "三"]}))
    read_article_table(path, progress=True)
    assert "reading articles" in capsys.readouterr().err
    read_article_table(path)
    assert capsys.readouterr().err == ""


def test_sample_data_files_still_read():
    assert len(read_pages(RAW_DIR.parent / "raw", RAW_DIR.parent / "manifest.csv")) == 2
    assert len(load_registry()) > 10 and len(read_user_dictionary()) > 10
