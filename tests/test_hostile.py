"""The fuzz corpus of hostile inputs (issue 22): named cases, each refused with a message naming the file
and line/row (or argument) and what is wrong, or read right; never a traceback, never a half-written
output.  Grouped by what is read: article tables, manifests and pages, fact files, command-line
arguments, output folders, environment settings.  (More cases: tests/test_inputs.py, test_faults.py.)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from analysis.__main__ import main
from analysis.corpus.folder import Corpus
from analysis.corpus.pages import read_pages
from analysis.corpus.read import read_article_table
from analysis.errors import InputError
from analysis.paths import DATA_DIR, DEFAULTS_DIR
from analysis.settings import Settings

from conftest import PAGE_DEC, PAGE_FEB

ROW = "2024-05-01,区委书记王少峰出席会议并讲话。\n"


def _parquet(frame: pd.DataFrame) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, sink)
    return sink.getvalue()


def _parquet_repeated_columns(tmp=None) -> bytes:
    import pyarrow as pa

    return _parquet(pa.table([pa.array(["2024-05-01"]), pa.array(["甲"]), pa.array(["乙"])],
                             names=["date", "text", "text"]))


def _xlsx(tmp=None) -> bytes:
    import io

    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    return sink.getvalue()


def _sqlite(tmp: Path) -> bytes:
    path = tmp / "x.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (date, text)")
    con.commit()
    con.close()
    return path.read_bytes()


def jsonl(*objects: str) -> bytes:
    return ("\n".join(objects) + "\n").encode("utf-8")


# name → (file name, content (bytes, or a function of the test's folder), expected)
# expected: ("error", text the message holds, line or row or None) or ("ok", check on the table)
TABLES = {
    # Repeated columns: the last one used to win silently.
    "csv-header-repeats-text": ("a.csv", b"date,text,text\n2024-05-01,\xe7\x94\xb2,\xe4\xb9\x99\n",
                                ("error", "header repeats column(s) 'text' (2 times)", 1)),
    "csv-header-repeats-date": ("a.csv", ("date,date,text\n2024-05-01,2024-05-02,正文\n").encode(),
                                ("error", "header repeats column(s) 'date'", 1)),
    "csv-header-two-empty-names": ("a.csv", ("date,text,,\n2024-05-01,正文,,\n").encode(),
                                   ("error", "an empty name (2 times: trailing commas?)", 1)),
    "csv-header-differs-by-case-only": ("a.csv", ("date,text,Text\n2024-05-01,正文一,正文二\n").encode(),
                                        ("ok", lambda t: t["text"].tolist() == ["正文一"])),
    "jsonl-object-repeats-a-key": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "甲", "text": "乙"}'),
                                   ("error", "the object names 'text' twice", 1)),
    "json-array-object-repeats-a-key": ("a.json", '[{"date": "2024-05-01", "date": "2024-05-02", "text": "甲"}]'.encode(),
                                        ("error", "an object names 'date' twice", None)),
    "parquet-repeats-a-column": ("a.parquet", _parquet_repeated_columns,
                                 ("error", "column(s) 'text' appear more than once", None)),
    # Lone surrogates: valid JSON escapes, but no character; they used to crash the writer.
    "jsonl-lone-low-surrogate-in-text": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "会议\\udc00。"}'),
                                         ("error", "text holds '\\udc00' at character 3: a lone surrogate", 1)),
    "jsonl-lone-high-surrogate-in-text": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "正文"}',
                                                           '{"date": "2024-05-02", "text": "\\ud800"}'),
                                          ("error", "text holds '\\ud800'", 2)),
    "jsonl-lone-surrogate-in-title": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "正文", "title": "\\udfff"}'),
                                      ("error", "title holds", 1)),
    "jsonl-lone-surrogate-in-paper": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "正文", "paper": "报\\udc80"}'),
                                      ("error", "paper holds", 1)),
    "jsonl-lone-surrogate-in-unused-column": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "正文", "x": "\\udc00"}'),
                                              ("error", "x holds", 1)),
    "json-array-lone-surrogate": ("a.json", '[{"date": "2024-05-01", "text": "甲"}, {"date": "2024-05-02", "text": "\\udc00"}]'.encode(),
                                  ("error", "record 2: text holds", None)),
    "jsonl-surrogate-pair-is-a-character": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "笑\\ud83d\\ude00"}'),
                                            ("ok", lambda t: t["text"].tolist() == ["笑😀"])),
    # Encodings and formats in disguise.
    "csv-utf16-with-bom": ("a.csv", "\ufeffdate,text\n2024-05-01,正文\n".encode("utf-16"),
                           ("error", "not valid UTF-8", None)),
    "csv-latin1": ("a.csv", "date,text\n2024-05-01,café\n".encode("latin-1"), ("error", "not valid UTF-8", 2)),
    "csv-gb18030": ("a.csv", "date,text\n2024-05-01,区委书记出席会议\n".encode("gb18030"), ("error", "GB18030/GBK", 2)),
    "csv-big5": ("a.csv", "date,text\n2024-05-01,區委書記出席會議並講話強調\n".encode("big5"), ("error", "Big5", 2)),
    "csv-that-is-a-pdf": ("a.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", ("error", "a PDF document", None)),
    "csv-that-is-an-sqlite-database": ("a.csv", _sqlite, ("error", "an SQLite database", None)),
    "csv-that-is-a-parquet-file": ("a.csv", lambda tmp: _parquet(pd.DataFrame({"date": ["2024-05-01"], "text": ["x"]})),
                                   ("error", "a Parquet file", None)),
    "csv-that-is-an-xlsx-workbook": ("a.csv", _xlsx, ("error", "Excel workbook", None)),
    "jsonl-that-is-an-xlsx-workbook": ("a.jsonl", _xlsx, ("error", "Excel workbook", None)),
    "parquet-truncated": ("a.parquet", lambda tmp: _parquet(pd.DataFrame({"date": ["2024-05-01"], "text": ["x"]}))[:60],
                          ("error", "cannot be read as Parquet", None)),
    "parquet-that-is-a-csv": ("a.parquet", b"date,text\n2024-05-01,x\n", ("error", "not a Parquet file", None)),
    # Empty, blank and broken files.
    "csv-empty-file": ("a.csv", b"", ("error", "article table is empty", 1)),
    "csv-only-a-bom": ("a.csv", b"\xef\xbb\xbf", ("error", "article table is empty", 1)),
    "csv-only-a-header": ("a.csv", b"date,text\n", ("error", "article table has no rows", None)),
    "csv-only-blank-lines": ("a.csv", b"date,text\n\n\n,\n", ("error", "article table has no rows", None)),
    "csv-nul-byte": ("a.csv", b"date,text\n2024-05-01,ab\x00c\n", ("error", "holds a NUL byte", 2)),
    "csv-unclosed-quote": ("a.csv", ('date,text\n2024-05-01,"正文\n').encode(), ("error", "unclosed quote", 2)),
    "csv-stray-quote": ("a.csv", ('date,text\n2024-05-01,"正文"x\n').encode(), ("error", "stray quote", 2)),
    "csv-extra-field": ("a.csv", ("date,text\n2024-05-01,正文,多余\n").encode(), ("error", "expected 2 fields", 2)),
    "csv-missing-field": ("a.csv", ("date,text,title\n2024-05-01,正文\n").encode(), ("error", "expected 3 fields", 2)),
    "csv-semicolons": ("a.csv", ("date;text\n2024-05-01;正文\n").encode(), ("error", "lacks required column(s) date, text", None)),
    "csv-tabs": ("a.csv", ("date\ttext\n2024-05-01\t正文\n").encode(), ("error", "lacks required column(s)", None)),
    "csv-capitalised-header": ("a.csv", ("Date,Text\n2024-05-01,正文\n").encode(), ("error", "found Date, Text", None)),
    "csv-header-with-spaces": ("a.csv", (" date , text \n2024-05-01,正文\n").encode(), ("ok", lambda t: len(t) == 1)),
    "csv-crlf-line-ends": ("a.csv", ("date,text\r\n2024-05-01,正文一\r\n2024-05-02,正文二\r\n").encode(),
                           ("ok", lambda t: t["text"].tolist() == ["正文一", "正文二"])),
    "csv-multiline-cell-keeps-paragraphs": ("a.csv", ('date,text\n2024-05-01,"第一段\n第二段"\n').encode(),
                                            ("ok", lambda t: t["text"].tolist() == ["第一段\n第二段"])),
    "csv-text-only-spaces": ("a.csv", ("date,text\n2024-05-01,   \n").encode(), ("error", "text is empty", 2)),
    "csv-text-only-zero-width": ("a.csv", ("date,text\n2024-05-01,\u200b\u200d\ufeff\n").encode(),
                                 ("error", "only invisible characters", 2)),
    "csv-bidi-override-removed": ("a.csv", ("date,text\n2024-05-01,正\u202e文\n").encode(),
                                  ("ok", lambda t: "\u202e" not in t["text"].iloc[0])),
    # Dates.
    "csv-date-empty": ("a.csv", ("date,text\n,正文\n").encode(), ("error", "date '' is not a date", 2)),
    "csv-date-with-slashes": ("a.csv", ("date,text\n2024/05/01,正文\n").encode(), ("error", "'2024/05/01' is not a date", 2)),
    "csv-date-in-chinese": ("a.csv", ("date,text\n2024年5月1日,正文\n").encode(), ("error", "is not a date", 2)),
    "csv-date-excel-serial": ("a.csv", ("date,text\n45413,正文\n").encode(), ("error", "'45413' is not a date", 2)),
    "csv-date-february-30": ("a.csv", ("date,text\n2024-02-30,正文\n").encode(), ("error", "is not a date", 2)),
    "csv-date-hour-25": ("a.csv", ("date,text\n2024-05-01T25:00,正文\n").encode(), ("error", "not a valid date or timestamp", 2)),
    "csv-date-year-1": ("a.csv", ("date,text\n0001-01-01,正文\n").encode(), ("error", "outside the plausible range", 2)),
    "csv-date-year-2999": ("a.csv", ("date,text\n2999-01-01,正文\n").encode(), ("error", "outside the plausible range", 2)),
    "csv-date-with-trailing-text": ("a.csv", ("date,text\n2024-05-01 morning,正文\n").encode(), ("error", "is not a date", 2)),
    "jsonl-date-a-number": ("a.jsonl", jsonl('{"date": 20240501, "text": "正文"}'), ("error", "is a int, not a date", 1)),
    "jsonl-date-a-boolean": ("a.jsonl", jsonl('{"date": true, "text": "正文"}'), ("error", "is a bool, not a date", 1)),
    "jsonl-date-a-list": ("a.jsonl", jsonl('{"date": ["2024-05-01"], "text": "正文"}'), ("error", "is a list, not a date", 1)),
    "jsonl-utc-timestamp-is-beijing-day": ("a.jsonl", jsonl('{"date": "2024-04-30T16:30:00Z", "text": "正文"}'),
                                           ("ok", lambda t: t["date"].tolist() == ["2024-05-01"])),
    # Cells of the wrong type.
    "jsonl-text-a-number": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": 42}'), ("error", "text is int, not text", 1)),
    "jsonl-text-an-object": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": {"body": "正文"}}'), ("error", "text is dict", 1)),
    "jsonl-text-null": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": null}'), ("error", "text is empty", 1)),
    "jsonl-text-nan": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": NaN}'), ("error", "text is empty", 1)),
    "jsonl-title-a-list": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "正文", "title": ["a"]}'), ("error", "title is list", 1)),
    "jsonl-id-a-float": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "正文", "id": 1.5}'), ("error", "id is float", 1)),
    "jsonl-id-a-big-integer": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "正文", "id": 12345678901234567890}'),
                               ("ok", lambda t: t["article_id"].tolist() == ["12345678901234567890"])),
    "jsonl-line-a-list": ("a.jsonl", jsonl('["2024-05-01", "正文"]'), ("error", "a JSON array of objects is expected", 1)),
    "jsonl-line-a-string": ("a.jsonl", jsonl('"正文"'), ("error", "must be a JSON object, not str", 1)),
    "jsonl-trailing-comma": ("a.jsonl", jsonl('{"date": "2024-05-01", "text": "正文",}'), ("error", "not a JSON object", 1)),
    "jsonl-pretty-printed": ("a.jsonl", b'{\n  "date": "2024-05-01",\n  "text": "x"\n}\n', ("error", "pretty-printed", 1)),
    "json-array-of-numbers": ("a.json", b"[1, 2]", ("error", "array of objects is expected", 1)),
    "json-array-truncated": ("a.json", '[{"date": "2024-05-01", "text": "正文"'.encode(), ("error", "not valid JSON", 1)),
    "parquet-no-rows": ("a.parquet", lambda tmp: _parquet(pd.DataFrame({"date": pd.Series([], dtype=str),
                                                                         "text": pd.Series([], dtype=str)})),
                        ("error", "article table has no rows", None)),
    "parquet-text-column-of-integers": ("a.parquet", lambda tmp: _parquet(pd.DataFrame({"date": ["2024-05-01"], "text": [7]})),
                                        ("error", "text is int", 1)),
    "parquet-missing-text-column": ("a.parquet", lambda tmp: _parquet(pd.DataFrame({"date": ["2024-05-01"], "body": ["x"]})),
                                    ("error", "lacks required column(s) text", None)),
    # Ids.
    "csv-id-repeated": ("a.csv", ("id,date,text\nx1,2024-05-01,正文一\nx1,2024-05-02,正文二\n").encode(),
                        ("error", "id 'x1' repeats line 2", 3)),
    "csv-id-blank-gets-a-hash": ("a.csv", ("id,date,text\n  ,2024-05-01,正文\n").encode(),
                                 ("ok", lambda t: len(t["article_id"].iloc[0]) == 12)),
    "csv-same-date-and-text-counted-once": ("a.csv", ("date,text\n2024-05-01,正文\n2024-05-01,正文\n").encode(),
                                            ("ok", lambda t: len(t) == 1)),
    "csv-one-megabyte-line": ("a.csv", ("date,text\n2024-05-01," + "长" * 1_000_000 + "\n").encode(),
                              ("ok", lambda t: t["n_chars"].tolist() == [1_000_000])),
}


@pytest.mark.parametrize("case", list(TABLES))
def test_hostile_article_table(case, tmp_path):
    name, content, expected = TABLES[case]
    path = tmp_path / name
    path.write_bytes(content(tmp_path) if callable(content) else content)
    if expected[0] == "ok":
        assert expected[1](read_article_table(path)), case
        return
    _, text, where = expected
    with pytest.raises(InputError) as info:
        read_article_table(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert text in message, message
    if where is not None:
        assert any(f", {kind} {where}:" in message for kind in ("line", "row", "record")), message


# --------------------------------------------------------------------------- manifests and pages


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "manifest.csv", dtype=str, keep_default_na=False)


def _write_rows(folder: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / "manifest.csv", index=False)


def _add_page(folder: Path, name: str, text: str = "本报讯 这是一页新的正文。\n区委书记出席会议并讲话。\n",
              listed: bool = True, raw: bytes | None = None) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw if raw is not None else text.encode("utf-8"))
    if listed:
        frame = _rows(folder)
        row = {**frame.iloc[0].to_dict(), "file": name, "sha256": sha(path)}
        _write_rows(folder, pd.concat([frame, pd.DataFrame([row])], ignore_index=True))


def _edit(folder: Path, column: str, value: str, row: int = 0) -> None:
    frame = _rows(folder)
    frame.loc[row, column] = value
    _write_rows(folder, frame)


def _symlink_out(folder: Path) -> None:
    outside = folder.parent / "outside.txt"
    outside.write_text("本报讯 外面的文件。\n", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    frame = _rows(folder)
    _write_rows(folder, pd.concat([frame, pd.DataFrame([{**frame.iloc[0].to_dict(), "file": "link.txt",
                                                         "sha256": sha(outside)}])], ignore_index=True))


def _rewrite_page(folder: Path, raw: bytes, encoding: str = "") -> None:
    (folder / PAGE_DEC).write_bytes(raw)
    frame = _rows(folder)
    frame.loc[frame["file"] == PAGE_DEC, "sha256"] = sha(folder / PAGE_DEC)
    if encoding:
        frame["encoding"] = ""
        frame.loc[frame["file"] == PAGE_DEC, "encoding"] = encoding
    _write_rows(folder, frame)


# name → (edit of a copy of the sample corpus, text the error holds, the manifest line or None)
PAGES = {
    "page-ids-collide-folder-and-underscore": (lambda f: (_add_page(f, "sub/a.txt"), _add_page(f, "sub_a.txt",
                                                           "本报讯 另一页的正文。\n")),
                                               "files 'sub/a.txt' (line 4) and 'sub_a.txt' would give their articles "
                                               "the same ids (sub_a-01, …)", 5),
    "page-ids-collide-txt-and-md": (lambda f: (_add_page(f, "a.txt"), _add_page(f, "a.md", "本报讯 另一页。\n")),
                                    "files 'a.txt' (line 4) and 'a.md' would give their articles the same ids", 5),
    "manifest-header-repeats-a-column": (lambda f: (f / "manifest.csv").write_text(
        (f / "manifest.csv").read_text(encoding="utf-8").replace("file,paper", "file,file", 1), encoding="utf-8"),
        "header repeats column(s) 'file'", 1),
    "manifest-absolute-path": (lambda f: _edit(f, "file", "/etc/passwd"), "lies outside the corpus folder", 2),
    "manifest-parent-path": (lambda f: _edit(f, "file", "../secret.txt"), "lies outside the corpus folder", 2),
    "manifest-symlink-leaving-the-corpus": (_symlink_out, "lies outside the corpus folder", 4),
    "manifest-empty-file-cell": (lambda f: _edit(f, "file", ""), "file is empty", 2),
    "manifest-lists-a-folder": (lambda f: ((f / "sub").mkdir(), _edit(f, "file", "sub")), "not found in", 2),
    "manifest-lists-a-missing-file": (lambda f: _edit(f, "file", "missing.txt"), "'missing.txt' not found", 2),
    "manifest-lists-a-page-twice": (lambda f: _write_rows(f, pd.concat([_rows(f), _rows(f).iloc[[0]]])),
                                    "is listed twice (also on line 2)", 4),
    "manifest-empty-checksum": (lambda f: _edit(f, "sha256", ""), "sha256 is empty", 2),
    "manifest-wrong-checksum": (lambda f: _edit(f, "sha256", "0" * 64), "checksum mismatch", 2),
    "manifest-empty-paper": (lambda f: _edit(f, "paper", ""), "paper is empty", 2),
    "manifest-impossible-date": (lambda f: _edit(f, "issue_date", "2024-02-30"), "is not a date", 2),
    "manifest-date-with-slashes": (lambda f: _edit(f, "issue_date", "2024/12/01"), "is not a date", 2),
    "manifest-unknown-encoding": (lambda f: (_edit(f, "encoding", "klingon")), "cannot be decoded as klingon", None),
    "manifest-lacks-checksum-column": (lambda f: _write_rows(f, _rows(f).drop(columns=["sha256"])),
                                       "lacks column(s) sha256", 1),
    "manifest-in-gbk": (lambda f: (f / "manifest.csv").write_bytes(
        (f / "manifest.csv").read_text(encoding="utf-8").encode("gbk")), "GB18030/GBK", None),
    "manifest-with-no-rows": (lambda f: (f / "manifest.csv").write_text(
        (f / "manifest.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"),
        "manifest lists no pages", None),
    "unlisted-page": (lambda f: _add_page(f, "extra.txt", listed=False), "not in the manifest", None),
    "unlisted-page-upper-case-suffix": (lambda f: _add_page(f, "EXTRA.TXT", listed=False), "EXTRA.TXT", None),
    "unlisted-page-in-a-subfolder": (lambda f: _add_page(f, "deep/down/p.txt", listed=False), "deep/down/p.txt", None),
    "page-utf16": (lambda f: _rewrite_page(f, "本报讯 正文。\n".encode("utf-16")), "neither UTF-8 nor GB18030", None),
    "page-bom-then-latin1": (lambda f: _rewrite_page(f, b"\xef\xbb\xbf" + "café".encode("latin-1")),
                             "has a UTF-8 byte-order mark but is not valid UTF-8", 1),
    "page-only-whitespace": (lambda f: _rewrite_page(f, b"  \n\t\n"), "page is empty", None),
    "page-binary-garbage": (lambda f: _rewrite_page(f, bytes(range(128, 256)) * 4), "is neither UTF-8 nor GB18030", 1),
    "page-named-encoding-is-wrong": (lambda f: _rewrite_page(f, "本报讯 正文。".encode("utf-8"), encoding="ascii"),
                                     "cannot be decoded as ascii", 1),
}


@pytest.mark.parametrize("case", list(PAGES))
def test_hostile_manifest_or_page(case, corpus_copy):
    edit, text, line = PAGES[case]
    edit(corpus_copy)
    with pytest.raises(InputError) as info:
        read_pages(corpus_copy)
    message = str(info.value)
    assert text in message, message
    if line is not None:
        assert f", line {line}:" in message, message


def test_page_id_collision_is_refused_by_the_build_too(corpus_copy, tmp_path, capsys):
    _add_page(corpus_copy, "sub/a.txt")
    _add_page(corpus_copy, "sub_a.txt", "本报讯 另一页的正文。\n")
    assert main(["build", "--corpus", str(corpus_copy), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "would give their articles the same ids" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- fact files


def _fact(name: str, text: str):
    """An edit writing ``text`` as the corpus's fact file ``name``."""
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")


def _fact_plus(name: str, *lines: str):
    """An edit appending ``lines`` to a copy of the default fact file ``name``."""
    def edit(folder: Path) -> None:
        default = DATA_DIR / name if (DATA_DIR / name).is_file() else DEFAULTS_DIR / name
        base = default.read_text(encoding="utf-8-sig").rstrip("\n")
        (folder / name).write_text(base + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return edit


def _registry_with(*rows: str):
    return _fact("leaders.csv", "name,aliases,title,organisation,level,start,end,source\n" + "\n".join(rows) + "\n")


def _read_facts(corpus: Corpus) -> None:
    """Read every fact of the corpus as the build does."""
    from analysis.perarticle.mentions import load_phrases, load_registry, load_surnames, load_titles
    from analysis.tokens import read_aliases, read_boilerplate, read_stopwords, read_user_dictionary

    read_user_dictionary(corpus.fact("userdict"))
    read_stopwords(corpus.fact("stopwords"))
    read_aliases(corpus.fact("aliases"))
    read_boilerplate(corpus.fact("boilerplate"))
    load_registry(corpus)
    load_titles(corpus.fact("titles"))
    load_phrases(corpus.fact("phrases"))
    load_surnames(corpus.fact("surnames"))


OFFICIAL = "王某某,,区长,某区人民政府,district,2020-01-01,,test"

# name → (edit of a copy of the sample corpus, file named, text the error holds, row/line or None)
FACTS = {
    "userdict-repeats-a-column": (_fact("userdict.csv", "word,word,tag,category,source\n王,1,nr,person,x\n"),
                                  "userdict.csv", "header repeats column(s) 'word'", 1),
    "userdict-word-with-a-space": (_fact_plus("userdict.csv", "王 少峰,,nr,person,test"), "userdict.csv",
                                   "contains whitespace", None),
    "userdict-word-twice": (_fact_plus("userdict.csv", "王少峰,,nr,person,test"), "userdict.csv", "duplicate word '王少峰'",
                            None),
    "userdict-negative-frequency": (_fact_plus("userdict.csv", "某词,-3,n,other,test"), "userdict.csv",
                                    "freq '-3' is not a positive integer", None),
    "userdict-tag-in-chinese": (_fact_plus("userdict.csv", "某词,,名词,other,test"), "userdict.csv",
                                "is not a part-of-speech tag", None),
    "userdict-wrong-header": (_fact("userdict.csv", "word,frequency\n王,1\n"), "userdict.csv", "header must be", 1),
    "stopwords-empty-word": (_fact_plus("stopwords.csv", ",function,test"), "stopwords.csv", "empty word", None),
    "stopwords-in-gbk": (lambda f: (f / "stopwords.csv").write_bytes("word,category,source\n的,功能词,x\n".encode("gbk")),
                         "stopwords.csv", "GB18030/GBK", 2),
    "aliases-chain": (_fact_plus("aliases.csv", "丰台,台,place,test"), "aliases.csv", "is itself listed as an alias", None),
    "aliases-maps-to-itself": (_fact_plus("aliases.csv", "某地,某地,place,test"), "aliases.csv", "maps to itself", None),
    "aliases-unknown-kind": (_fact_plus("aliases.csv", "某地区,某地,river,test"), "aliases.csv", "kind 'river'", None),
    "boilerplate-global-flag": (_fact_plus("boilerplate.csv", "editorial,(?i)xinhua,test"), "boilerplate.csv",
                                "global flags not at the start", None),
    "boilerplate-unbalanced-parenthesis": (_fact_plus("boilerplate.csv", "editorial,a)(b,test"), "boilerplate.csv",
                                           "pattern does not compile", None),
    "boilerplate-matches-nothing-at-all": (_fact_plus("boilerplate.csv", "editorial,x*,test"), "boilerplate.csv",
                                           "matches the empty string", None),
    "boilerplate-unknown-kind": (_fact_plus("boilerplate.csv", "slogan,本报,test"), "boilerplate.csv", "kind 'slogan'",
                                 None),
    "phrases-global-flag": (_fact_plus("leader_phrases.csv", "ritual,(?i)speech,test"), "leader_phrases.csv",
                            "global flags not at the start", None),
    "phrases-unbalanced-parenthesis": (_fact_plus("leader_phrases.csv", "ritual,a)(b,test"), "leader_phrases.csv",
                                       "pattern does not compile", None),
    "phrases-unknown-kind": (_fact_plus("leader_phrases.csv", "praise,伟大,test"), "leader_phrases.csv", "kind 'praise'",
                             None),
    "titles-unknown-place": (_fact_plus("leader_titles.csv", "区长,inside,post,test"), "leader_titles.csv",
                             "need a title and a place", None),
    "surnames-repeat-a-column": (_fact("leader_surnames.csv", "surname,surname\n王,李\n"), "leader_surnames.csv",
                                 "header repeats column(s) 'surname'", 1),
    "registry-repeats-a-column": (_fact("leaders.csv", "name,name,aliases,title,organisation,level,start,end,source\n"),
                                  "leaders.csv", "header repeats column(s) 'name'", 1),
    "registry-unknown-level": (_registry_with("王某某,,区长,某区人民政府,galactic,2020-01-01,,test"), "leaders.csv",
                               "level 'galactic'", 2),
    "registry-end-before-start": (_registry_with("王某某,,区长,某区人民政府,district,2020-01-01,2019-01-01,test"),
                                  "leaders.csv", "end 2019-01-01 is before start 2020-01-01", 2),
    "registry-impossible-date": (_registry_with("王某某,,区长,某区人民政府,district,2020-13-01,,test"), "leaders.csv",
                                 "unparsable start date '2020-13-01'", 2),
    "registry-overlapping-posts": (_registry_with(OFFICIAL, "王某某,,区长,某区人民政府,district,2021-01-01,,test"),
                                   "leaders.csv", "listed twice as 区长 on overlapping dates", 3),
    "registry-alias-of-two-people": (_registry_with("王某某,老王,区长,某区人民政府,district,2020-01-01,,t",
                                                    "李某某,老王,区委书记,某区委,district,2020-01-01,,t"),
                                     "leaders.csv", "'老王' names both 王某某", 3),
    "registry-one-character-name": (_registry_with("王,,区长,某区人民政府,district,2020-01-01,,test"), "leaders.csv",
                                    "shorter than two characters", 2),
    "registry-empty-name": (_registry_with(",,区长,某区人民政府,district,2020-01-01,,test"), "leaders.csv", "empty name", 2),
    "registry-needs-anchor-maybe": (_fact("leaders.csv", "name,aliases,title,organisation,level,start,end,source,"
                                                         "needs_anchor\n王某某,,区长,某区,district,2020-01-01,,t,maybe\n"),
                                    "leaders.csv", "needs_anchor 'maybe' must be yes or no", 2),
    "registry-unknown-category": (_fact("leaders.csv", "name,aliases,title,organisation,level,start,end,source,"
                                                       "category\n王某某,,区长,某区,district,2020-01-01,,t,alien\n"),
                                  "leaders.csv", "category 'alien'", 2),
    "registry-header-only": (_fact("leaders.csv", "name,aliases,title,organisation,level,start,end,source\n"),
                             "leaders.csv", "has a header but no rows", None),
    "registry-an-excel-workbook": (lambda f: (f / "leaders.csv").write_bytes(_xlsx()), "leaders.csv", "Excel workbook",
                                   None),
}


@pytest.mark.parametrize("case", list(FACTS))
def test_hostile_fact_file(case, corpus_copy):
    edit, name, text, line = FACTS[case]
    edit(corpus_copy)
    with pytest.raises(InputError) as info:
        _read_facts(Corpus(corpus_copy))
    message = str(info.value)
    assert message.startswith(str(corpus_copy / name)), message
    assert text in message, message
    if line is not None:
        assert f", line {line}:" in message or f", row {line}:" in message, message


@pytest.mark.parametrize("case", ["boilerplate-global-flag", "phrases-global-flag", "registry-unknown-level"])
def test_hostile_fact_file_stops_the_build_with_a_message(case, corpus_copy, tmp_path, capsys):
    """What used to end in a traceback half-way through the build (a flag breaking a union of patterns)."""
    FACTS[case][0](corpus_copy)
    assert main(["build", "--corpus", str(corpus_copy), "--out", str(tmp_path / "out"), "--quiet",
                 "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {corpus_copy / FACTS[case][1]}") and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()


DESCRIPTIONS = {
    "toml-not-toml": ('title = "unclosed\n', "not valid TOML", 1),
    "toml-an-array": ('place = ["a", "b"]\n', "'place' must be a string", None),
    "toml-a-table": ('[paper]\nname = "x"\n', "'paper' must be a string", None),
    "toml-in-gbk": ("title = \"长河报\"\n".encode("gbk"), "not valid UTF-8", None),
}


@pytest.mark.parametrize("case", list(DESCRIPTIONS))
def test_hostile_description(case, corpus_copy):
    content, text, line = DESCRIPTIONS[case]
    path = corpus_copy / "corpus.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(InputError) as info:
        Corpus(corpus_copy)
    assert str(info.value).startswith(str(path)) and text in str(info.value), str(info.value)
    if line is not None:
        assert f", line {line}:" in str(info.value)


# --------------------------------------------------------------------------- command-line arguments


def _csv_corpus(tmp: Path) -> Path:
    folder = tmp / "mine"
    folder.mkdir()
    (folder / "articles.csv").write_text("date,text\n" + ROW, encoding="utf-8")
    shutil.copyfile(DATA_DIR / "leaders.csv", folder / "leaders.csv")
    return folder


# name → (arguments, with {tmp} and {corpus} filled in; the message on stderr)
ARGUMENTS = {
    "synthetic-no-articles": (["synthetic", "--out", "{tmp}/g", "--articles", "0"], "argument --articles: must be at least 1, not 0"),
    "synthetic-negative-articles": (["synthetic", "--out", "{tmp}/g", "--articles", "-5"], "must be at least 1, not -5"),
    "synthetic-articles-not-a-number": (["synthetic", "--out", "{tmp}/g", "--articles", "many"], "'many' is not a whole number"),
    "synthetic-start-february-30": (["synthetic", "--out", "{tmp}/g", "--start", "2022-02-30"],
                                    "argument --start: '2022-02-30' is not a date"),
    "synthetic-end-before-start": (["synthetic", "--out", "{tmp}/g", "--start", "2022-01-01", "--end", "2021-01-01"],
                                   "--end: 2021-01-01 is before --start 2022-01-01"),
    "synthetic-period-without-an-issue": (["synthetic", "--out", "{tmp}/g", "--start", "2022-01-05", "--end", "2022-01-06"],
                                          "no issue day (Tuesday or Friday)"),
    "synthetic-negative-seed": (["synthetic", "--out", "{tmp}/g", "--seed", "-1"], "argument --seed: must be 0 or more"),
    "synthetic-into-a-corpus": (["synthetic", "--out", "{corpus}", "--articles", "5"], "--out is not empty"),
    "synthetic-into-a-file": (["synthetic", "--out", "{corpus}/articles.csv", "--articles", "5"], "--out names a file"),
    "annotate-empty-sample": (["annotate", "--corpus", "{corpus}", "--sample", "0"], "argument --sample: must be at least 1"),
    "annotate-negative-sample": (["annotate", "--corpus", "{corpus}", "--sample", "-3"], "must be at least 1, not -3"),
    "annotate-negative-seed": (["annotate", "--corpus", "{corpus}", "--seed", "-2"], "argument --seed: must be 0 or more"),
    "annotate-onto-the-registry": (["annotate", "--corpus", "{corpus}", "--out", "{corpus}/leaders.csv"],
                                   "--out is the corpus's leaders file"),
    "annotate-onto-the-registry-even-with-force": (["annotate", "--corpus", "{corpus}", "--out", "{corpus}/leaders.csv",
                                                    "--force"], "--out is the corpus's leaders file"),
    "annotate-onto-the-article-table": (["annotate", "--corpus", "{corpus}", "--out", "{corpus}/articles.csv"],
                                        "--out is the article table"),
    "annotate-onto-an-existing-file": (["annotate", "--corpus", "{corpus}", "--out", "{tmp}/exists.csv"],
                                       "exists; pass --force to overwrite it"),
    "annotate-onto-a-folder": (["annotate", "--corpus", "{corpus}", "--out", "{tmp}/emptydir"], "--out names a folder"),
    "annotate-onto-a-folder-holding-the-corpus": (["annotate", "--corpus", "{corpus}", "--out", "{tmp}"],
                                                  "--out contains the corpus folder"),
    "registry-template-min-count-zero": (["registry-template", "--corpus", "{corpus}", "--min-count", "0"],
                                         "argument --min-count: must be at least 1"),
    "registry-template-onto-an-existing-draft": (["registry-template", "--corpus", "{corpus}"],
                                                 "leaders.draft.csv: exists; pass --force"),
    "registry-template-onto-the-registry": (["registry-template", "--corpus", "{corpus}", "--out", "{corpus}/leaders.csv",
                                             "--force"], "--out is the corpus's leaders file"),
    "build-no-workers": (["build", "--out", "{tmp}/o", "--workers", "0"], "argument --workers: must be at least 1, not 0"),
    "build-negative-workers": (["build", "--out", "{tmp}/o", "--workers", "-2"], "must be at least 1, not -2"),
    "build-workers-not-a-number": (["build", "--out", "{tmp}/o", "--workers", "all"], "'all' is not a whole number"),
    "build-scheduler-not-an-address": (["build", "--out", "{tmp}/o", "--scheduler", "bogus"],
                                       "'bogus' is not a Dask scheduler address"),
    "build-scheduler-scheme-only": (["build", "--out", "{tmp}/o", "--scheduler", "tcp://"], "is not a Dask scheduler"),
    "build-scheduler-with-spaces": (["build", "--out", "{tmp}/o", "--scheduler", "tcp://a b:8786"], "is not a Dask"),
    "build-out-with-brackets": (["build", "--out", "{tmp}/out[1]"], "which the query engine reads as wildcards"),
    "build-out-with-a-star": (["build", "--out", "{tmp}/out*"], "which the query engine reads as wildcards"),
    "build-out-under-a-question-mark": (["build", "--out", "{tmp}/why?/out"], "wildcards"),
    "build-articles-and-corpus": (["build", "--out", "{tmp}/o", "--articles", "{corpus}/articles.csv", "--corpus",
                                   "{corpus}"], "either --articles or --corpus"),
    "build-corpus-missing": (["build", "--out", "{tmp}/o", "--corpus", "{tmp}/nowhere"], "no such file or folder"),
    "build-corpus-empty-folder": (["build", "--out", "{tmp}/o", "--corpus", "{tmp}/emptydir"], "not a corpus folder"),
    "build-corpus-a-text-file": (["build", "--out", "{tmp}/o", "--corpus", "{tmp}/exists.csv.txt"], "a corpus is a folder"),
    "manifest-twice": (["manifest", "{pages}", "--paper", "某报"], "manifest.csv: exists; pass --force"),
    "manifest-of-a-folder-without-pages": (["manifest", "{tmp}/emptydir", "--paper", "某报"], "no page .txt files found"),
    "cache-max-age-without-prune": (["cache", "--max-age", "3"], "--max-age: goes with --prune"),
    "cache-negative-max-age": (["cache", "--prune", "--max-age", "-1"], "argument --max-age: must be 0 or more days"),
}


@pytest.mark.parametrize("case", list(ARGUMENTS))
def test_hostile_arguments(case, tmp_path, capsys):
    corpus = _csv_corpus(tmp_path)
    (corpus / "leaders.draft.csv").write_text("name\n", encoding="utf-8")
    (tmp_path / "exists.csv").write_text("keep me\n", encoding="utf-8")
    (tmp_path / "exists.csv.txt").write_text("x\n", encoding="utf-8")
    (tmp_path / "emptydir").mkdir()
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "p.txt").write_text("本报讯 正文。\n", encoding="utf-8")
    (pages / "manifest.csv").write_text("file\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    args = [a.format(tmp=tmp_path, corpus=corpus, pages=pages) for a in ARGUMENTS[case][0]]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse refuses the argument
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert ARGUMENTS[case][1] in err and "Traceback" not in err, err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before  # nothing written or changed


# --------------------------------------------------------------------------- output folders that are inputs


def _table_corpus(tmp: Path) -> dict:
    folder = _csv_corpus(tmp)
    return {"args": ["--corpus", str(folder)], "corpus": folder}


def _bare_table(tmp: Path) -> dict:
    folder = _csv_corpus(tmp)
    return {"args": ["--articles", str(folder / "articles.csv")], "corpus": folder}


def _pages_corpus(tmp: Path) -> dict:
    folder = tmp / "paged"
    (folder / "raw").mkdir(parents=True)
    for name in (PAGE_FEB, PAGE_DEC):
        shutil.copyfile(DATA_DIR / "raw" / name, folder / "raw" / name)
    shutil.copyfile(DATA_DIR / "manifest.csv", folder / "manifest.csv")
    return {"args": ["--corpus", str(folder)], "corpus": folder}


def _manifest_elsewhere(tmp: Path) -> dict:
    info = _pages_corpus(tmp)
    elsewhere = tmp / "lists"
    elsewhere.mkdir()
    shutil.move(info["corpus"] / "manifest.csv", elsewhere / "pages.csv")
    return {"args": ["--corpus", str(info["corpus"] / "raw"), "--manifest", str(elsewhere / "pages.csv")],
            "corpus": tmp}


def _leaders_elsewhere(tmp: Path) -> dict:
    info = _table_corpus(tmp)
    registry = tmp / "reg" / "leaders.csv"
    registry.parent.mkdir()
    shutil.copyfile(DATA_DIR / "leaders.csv", registry)
    return {"args": info["args"] + ["--leaders", str(registry)], "corpus": tmp}


# name → (corpus maker, --out (relative to the test folder), text of the message)
OUTS = {
    "out-is-a-csv-corpus-folder": (_table_corpus, "mine", "--out is the corpus folder"),
    "out-inside-a-csv-corpus-folder": (_table_corpus, "mine/tables", "--out lies inside the corpus folder"),
    "out-contains-the-corpus": (_table_corpus, ".", "--out contains the corpus folder"),
    "out-is-a-bare-tables-folder": (_bare_table, "mine", "--out is the folder of the article table"),
    "out-contains-a-bare-tables-folder": (_bare_table, ".", "--out contains the folder of the article table"),
    "out-is-a-pages-corpus-folder": (_pages_corpus, "paged", "--out is the corpus folder"),
    "out-is-the-pages-folder": (_pages_corpus, "paged/raw", "--out is the corpus's pages folder"),
    "out-inside-the-pages-folder": (_pages_corpus, "paged/raw/out", "--out lies inside the corpus's pages folder"),
    "out-is-the-manifests-folder": (_manifest_elsewhere, "lists", "--out is the folder of the manifest"),
    "out-inside-the-manifests-folder": (_manifest_elsewhere, "lists/out", "--out lies inside the folder of the manifest"),
    "out-contains-the-leaders-file": (_leaders_elsewhere, "reg", "--out contains the corpus's leaders file"),
    "out-is-a-symlink-to-the-corpus": (lambda tmp: {**_table_corpus(tmp), "link": True}, "link",
                                       "--out is the corpus folder"),
}


@pytest.mark.parametrize("case", list(OUTS))
def test_out_may_not_be_an_input(case, tmp_path, capsys):
    make, out, text = OUTS[case]
    info = make(tmp_path)
    if info.get("link"):
        (tmp_path / "link").symlink_to(info["corpus"], target_is_directory=True)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main(["build", *info["args"], "--out", str(tmp_path / out), "--quiet", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err, err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before  # the corpus untouched
    assert sorted(p.name for p in tmp_path.rglob(".*")) == []  # no lock, no staging folder


def test_out_beside_a_bare_table_is_fine(tmp_path):
    """A folder of its own beside an article table (``--articles t.csv --out out``) is not an input."""
    info = _bare_table(tmp_path)
    assert main(["build", *info["args"], "--out", str(info["corpus"] / "out"), "--quiet", "--workers", "1"]) == 0
    assert (info["corpus"] / "out" / "articles.parquet").is_file()
    assert (info["corpus"] / "articles.csv").read_text(encoding="utf-8") == "date,text\n" + ROW


def test_the_sample_corpus_folder_is_refused_as_out(capsys):
    assert main(["build", "--out", str(DATA_DIR), "--quiet"]) == 2
    assert "--out is the corpus folder" in capsys.readouterr().err


# --------------------------------------------------------------------------- environment settings


ENVIRONMENT = {
    "cache-cap-not-a-number": ({"ANALYSIS_CACHE_MAX_MB": "lots"}, "$ANALYSIS_CACHE_MAX_MB: 'lots' is not a number of megabytes"),
    "cache-cap-negative": ({"ANALYSIS_CACHE_MAX_MB": "-1"}, "(0 or more)"),
    "cache-keep-days-nan": ({"ANALYSIS_CACHE_KEEP_DAYS": "nan"}, "$ANALYSIS_CACHE_KEEP_DAYS: 'nan'"),
    "dask-timeout-infinite": ({"ANALYSIS_DASK_TIMEOUT": "inf"}, "$ANALYSIS_DASK_TIMEOUT: 'inf'"),
    "pause-not-seconds": ({"ANALYSIS_TEST_PAUSE_WRITE": "soon"}, "is not a number of seconds"),
    "date-min-garbage": ({"ANALYSIS_DATE_MIN": "yesterday"}, "$ANALYSIS_DATE_MIN: 'yesterday' is not a date"),
    "date-max-impossible": ({"ANALYSIS_DATE_MAX": "2024-02-30"}, "$ANALYSIS_DATE_MAX"),
    "unknown-time-zone": ({"ANALYSIS_TIMEZONE": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
    "time-zone-path-traversal": ({"ANALYSIS_TIMEZONE": "../../etc/passwd"}, "unknown time zone"),
}


@pytest.mark.parametrize("case", list(ENVIRONMENT))
def test_hostile_environment(case):
    variables, text = ENVIRONMENT[case]
    with pytest.raises(InputError) as info:
        Settings.from_environment(variables)
    assert text in str(info.value), str(info.value)


@pytest.mark.parametrize("case", ["cache-cap-not-a-number", "unknown-time-zone"])
def test_hostile_environment_on_the_command_line(case, tmp_path, monkeypatch, capsys):
    for name, value in ENVIRONMENT[case][0].items():
        monkeypatch.setenv(name, value)
    assert main(["build", "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert ENVIRONMENT[case][1] in err and "Traceback" not in err, err
