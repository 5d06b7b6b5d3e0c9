"""The annotation sample on an article table, and the committed hand annotation of 新闻联播 (issue 19.10).

The committed file holds ids, positions and judgements only: no test here reads the corpus.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.leaders.validation import SAMPLE_COLUMNS, annotation_report, read_annotation, rejected_hits
from analysis.perarticle.mentions import KINDS, leader_mentions, load_registry

ROOT = Path(__file__).resolve().parent.parent
ANNOTATION = ROOT / "data" / "validation" / "xwlb_annotated_mentions.csv"
#: Columns that would carry the corpus's text: never committed.
TEXT_COLUMNS = {"context", "text", "headline", "sentence", "example", "title_raw"}


def test_rejected_hits_of_an_article_table_carry_line_and_offset():
    # A registered spelling as a common word (万里, ten thousand li): no mention, so a rejected hit.
    registry = load_registry(ROOT / "data" / "defaults" / "leaders.csv")
    text = "这条铁路绵延万里。"
    articles = pd.DataFrame([{"article_id": "a-01", "source": "table.csv", "issue_date": "2024-05-10",
                              "date": "2024-05-10", "headline": "", "subheadline": "", "text": text,
                              "headline_line": 0, "line_start": 7, "line_end": 7, "line_map": ""}])
    mentions = leader_mentions(articles, registry=registry)
    assert mentions.empty
    hits = rejected_hits(articles, mentions, registry)
    assert list(hits.columns) == SAMPLE_COLUMNS
    assert hits[["name", "line", "offset", "kind"]].values.tolist() == [["万里", 7, text.index("万里"), "rejected"]]


def test_committed_annotation_has_no_text_and_every_stratum_marked():
    frame = pd.read_csv(ANNOTATION, dtype=str, keep_default_na=False)
    assert not TEXT_COLUMNS & set(frame.columns)
    assert {"sample_id", "candidate", "kind", "article_id", "date", "line", "offset", "name", "title", "location",
            "correct", "note"} <= set(frame.columns)
    annotation = read_annotation(ANNOTATION)
    marked = annotation[annotation["correct"].isin(["yes", "no"])]
    assert len(marked) == len(annotation) >= 300
    # Every kind the extractor made on the corpus is sampled (the default registry has no foreign
    # visitors, so there is no foreign stratum), and so are the rejected hits.
    assert {"coverage", "ritual", "doctrine", "title-only", "rejected"} <= set(annotation["kind"])
    assert set(annotation["kind"]) <= set(KINDS) | {"rejected"}
    assert (annotation.groupby("kind").size() >= 40).all()
    # Each stratum keeps its population on the note's first line; every "no" says why.
    assert annotation["note"].str.match(r"population=\d+").all()
    no = annotation[annotation["correct"] == "no"]
    assert (no["note"].str.split("\n").str.len() >= 2).all()
    assert annotation["article_id"].str.fullmatch(r"\d{8}-\d{2}").all()
    assert annotation["offset"].str.fullmatch(r"\d+").all()


def test_committed_annotation_report():
    per_kind, overall = annotation_report(read_annotation(ANNOTATION))
    per_kind = per_kind.set_index("kind")
    assert set(per_kind.index) == {"coverage", "ritual", "doctrine", "title-only"}
    assert (per_kind["marked"] >= 40).all()
    assert ((per_kind["ci_low"] <= per_kind["precision"]) & (per_kind["precision"] <= per_kind["ci_high"])).all()
    assert per_kind.loc["coverage", "population"] > per_kind.loc["title-only", "population"]
    assert 0.8 < overall["precision"] <= 1 and 0.9 < overall["recall"] <= 1
