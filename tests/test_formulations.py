"""Formulations found on the sample pages, with counts, first appearance and lines."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.aggregate import per_article_tables
from analysis.perarticle.formulations import (
    classify_quote,
    extract_formulations,
    find_enumerations,
    find_quoted,
    numeral_value,
)


def formulation_table(articles):
    """The formulation table as the build computes it (the per-article stage, then SQL)."""
    return per_article_tables(articles, workers=1, cache=False)["formulations"]


@pytest.fixture(scope="module")
def occurrences(articles):
    return extract_formulations(articles)


@pytest.fixture(scope="module")
def table(articles):
    return formulation_table(articles).set_index("formulation")


@pytest.mark.parametrize("phrase", ["倍增追赶、合作发展", "两园一河", "两新", "1511", "四项行动", "十四五", "开门红"])
def test_formulations_found(table, phrase):
    assert phrase in table.index


def test_speech_is_not_a_formulation(table, articles):
    assert not any("张灯结彩" in f for f in table.index)
    quotes = extract_formulations(articles, include_quotations=True)
    assert quotes["formulation"].str.contains("张灯结彩").any()


def test_counts_match_text(table, articles):
    for phrase in ["两园一河", "倍增追赶、合作发展", "四项行动"]:
        in_text = sum("".join(str(a[f]).split()).count(phrase)
                      for _, a in articles.iterrows() for f in ("headline", "subheadline", "text"))
        assert table.loc[phrase, "count"] == in_text


def test_four_actions_quoted_and_unquoted_with_expansion(table):
    row = table.loc["四项行动"]
    assert row["count"] == 3 and row["quoted_count"] == 2  # subheadline, “四项行动”, and …”四项行动
    assert row["expansion"] == "特色产业提升、产业集群打造、消费帮扶助农增收、劳务协作提升"
    assert len(table.loc["六个方面", "expansion"].split("、")) == 6


def test_first_appearance_and_lines_point_at_raw_text(table, occurrences):
    row = table.loc["两园一河"]
    assert row["first_issue_date"] == "2024-12-01"
    assert row["n_articles"] == 2
    for occ in occurrences[(occurrences["formulation"] == "两园一河") & (occurrences["field"] == "text")].itertuples():
        lines = open(f"data/raw/{occ.source}", encoding="utf-8").read().split("\n")
        assert "两园一河" in "".join(lines[occ.line - 1 : occ.line + 1])


def test_table_sorted_and_quotations_excluded(occurrences, articles):
    t = formulation_table(articles)
    keys = list(zip(-t["count"], t["formulation"]))
    assert keys == sorted(keys)
    assert "quotation" not in set(t["kind"])


def test_helpers():
    assert classify_quote("两园一河") == "numbered"
    assert classify_quote("继续深化教育强基工程，推动丰台区教育事业高质量发展") == "quotation"
    assert [q for _, q, _ in find_quoted("坚持『倍增追赶』，聚焦﹃四项行动﹄")] == ["倍增追赶", "四项行动"]
    assert find_enumerations("没有引号的四项行动") == []
    assert numeral_value("六") == 6 and numeral_value("十五") == 15


def test_empty_inputs_give_empty_tables(articles):
    empty = extract_formulations(articles.iloc[0:0])
    assert empty.empty and formulation_table(articles.iloc[0:0]).empty
    plain = pd.DataFrame({"article_id": ["x"], "issue_date": ["2025-01-01"], "source": ["x.txt"],
                          "headline": [""], "subheadline": [""], "text": ["No Chinese here."]})
    assert extract_formulations(plain).empty and formulation_table(plain).empty
