"""Chapter 3's counting bases and summaries on small frames (issue 19a): out-of-term mentions are left out of
every place-on-the-page and co-mention count, overall precision is weighted by the strata's populations, the
summary names only successions within the corpus's dates, the front page compares the ten most-named persons,
and the protocol sentence reads as English."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.book.chapters import Context
from analysis.book.chapters import leaders as chapter
from analysis.leaders.tables import (co_mentions, counted, out_of_term, page_prominence, prominence, successions,
                                     top_persons)
from analysis.leaders.validation import Validation, annotation_report, stratified_precision, wilson_interval


def _mentions() -> pd.DataFrame:
    """习近平 in term (three articles), 江泽民 only outside his terms (funeral coverage, on the front page and in
    the lead), and a foreign visitor, whose in_term is False but who holds no post to be out of."""
    rows = [("a1", "江泽民", "coverage", "lead", False), ("a1", "习近平", "coverage", "body", True),
            ("a2", "江泽民", "coverage", "headline", False), ("a2", "习近平", "coverage", "body", True),
            ("a3", "习近平", "coverage", "lead", True), ("a3", "Ana", "foreign", "body", False),
            ("a4", "江泽民", "coverage", "lead", False)]
    frame = pd.DataFrame(rows, columns=["article_id", "name", "kind", "location", "in_term"])
    dates = {"a1": "2022-12-01", "a2": "2022-12-06", "a3": "2023-03-01", "a4": "2023-03-02"}
    return frame.assign(date=frame["article_id"].map(dates), issue_date=frame["article_id"].map(dates),
                        level=["", "national", "", "national", "national", "", ""], title="")


def _articles() -> pd.DataFrame:
    return pd.DataFrame({"article_id": ["a1", "a2", "a3", "a4", "a5"],
                         "issue_date": ["2022-12-01", "2022-12-06", "2023-03-01", "2023-03-02", "2023-03-02"],
                         "page": [""] * 5, "headline": [""] * 5})


REGISTRY = pd.DataFrame({"name": ["习近平", "江泽民"], "title": ["国家主席", "国家主席"],
                         "start": ["2013-03-14", "1993-03-27"], "end": ["", "2003-03-15"], "level": ["national"] * 2})


def test_out_of_term_mentions_count_nowhere_on_the_page_nor_among_co_mentions():
    m, a = _mentions(), _articles()
    assert counted(m)["name"].tolist() == ["习近平", "习近平", "习近平", "Ana"]
    places = prominence(m)
    assert places["name"].tolist() == ["习近平"] and places["total"].tolist() == [3]
    front = page_prominence(m, a)
    assert set(front["name"]) == {"习近平"} and front["mentions"].sum() == 3
    # 江泽民 was on two front pages, but only outside his terms: he is not the front page's leader.
    text = str(chapter.front_page_text(front, a, REGISTRY))
    assert "江泽民" not in text and "习近平" in text
    assert "江泽民" not in str(chapter.prominence_text(places, REGISTRY))
    pairs = co_mentions(m)
    assert pairs[["a", "b"]].values.tolist() == [["Ana", "习近平"]]  # the foreign visitor stays
    net_pairs, net_mentions = chapter.network_subset(pairs, m)
    assert "江泽民" not in set(net_mentions["name"]) and len(net_pairs) == 1
    assert top_persons(m).to_dict() == {"习近平": 3}
    assert "江泽民" not in str(chapter.national_text(m, REGISTRY))
    # Without the in_term column every mention counts (and the registry's dates decide out_of_term).
    assert prominence(m.drop(columns="in_term"))["total"].sum() == 6


def test_the_out_of_term_sentence_names_exactly_the_sections_that_leave_them_out():
    m = _mentions()
    outside = out_of_term(m, REGISTRY)
    assert outside["name"].tolist() == ["江泽民"] * 3
    text = str(chapter.out_of_term_text(outside, chapter.term_rule(m), m, REGISTRY))
    assert ("None of them is counted in the summary's most named, the timelines, the places on the page, the front "
            "page, the titles, the co-mentions or the national series above; the summary's totals, the mentions "
            "table, the roll calls and the trace include them.") in text


def test_overall_precision_is_weighted_by_the_strata_populations():
    # coverage is 82% of the mentions at 0.95; the three smaller kinds are all right.
    per_kind = pd.DataFrame({"kind": ["coverage", "doctrine", "ritual", "title-only"],
                             "population": [8200, 900, 800, 100], "marked": [60, 60, 60, 60],
                             "correct": [57, 60, 60, 60]})
    p, (low, high) = stratified_precision(per_kind)
    assert p == pytest.approx(0.82 * 0.95 + 0.18)
    assert round(p, 3) == 0.959 and low < p < high < 1
    # Wider than the Wilson interval of the pooled 237 of 240, which ignores the weights.
    pooled = wilson_interval(237, 240)
    assert high - low > pooled[1] - pooled[0]
    # A stratum with nothing marked is left out, its weight shared by the others.
    p2, _ = stratified_precision(per_kind.assign(marked=[60, 0, 60, 60], correct=[57, 0, 60, 60]))
    assert p2 == pytest.approx((8200 * 0.95 + 800 + 100) / 9100)
    p3, ci3 = stratified_precision(per_kind.iloc[:0])
    assert math.isnan(p3) and all(math.isnan(x) for x in ci3)
    # Every stratum all right: the interval is the Wilson interval of the number marked.
    _, ci = stratified_precision(per_kind.assign(correct=60))
    assert ci == pytest.approx(wilson_interval(240, 240))


def test_annotation_report_gives_the_weighted_precision_and_keeps_the_sample_share():
    kinds = ["coverage"] * 20 + ["ritual"] * 20 + ["rejected"] * 10
    correct = ["yes"] * 18 + ["no"] * 2 + ["yes"] * 20 + ["no"] * 10
    notes = ["population=900"] * 20 + ["population=100"] * 20 + ["population=50"] * 10
    a = pd.DataFrame({"kind": kinds, "candidate": ["mention"] * 40 + ["rejected"] * 10, "correct": correct,
                      "note": notes})
    per_kind, overall = annotation_report(a)
    assert per_kind.set_index("kind")["precision"].to_dict() == {"coverage": 0.9, "ritual": 1.0}
    assert overall["precision"] == pytest.approx(0.9 * 0.9 + 0.1)
    assert overall["sample_precision"] == pytest.approx(38 / 40)
    assert overall["precision_ci"][0] < overall["precision"] < overall["precision_ci"][1]
    v = Validation("annotation", per_kind, overall["precision"], overall["recall"], overall["precision_ci"],
                   (0.9, 1.0), 50, "annotated_mentions.csv", {"missed_estimate": overall["missed_estimate"]})
    text = str(chapter.validation_text(v))
    assert "**91%**" in text and "weights each kind's precision" in text
    assert "習主席" not in text and "习主席" in text and "only the registered spellings" in text


def test_the_summary_names_only_successions_within_the_corpus_dates():
    registry = pd.DataFrame({
        "name": ["万里", "乔石", "李克强", "李强"], "title": ["全国人大常委会委员长", "全国人大常委会委员长", "国务院总理", "国务院总理"],
        "start": ["1988-04-08", "1993-03-27", "2013-03-15", "2023-03-11"],
        "end": ["1993-03-27", "1998-03-16", "2023-03-11", ""], "level": ["national"] * 4})
    mentions = pd.DataFrame({"article_id": ["a1", "a3"], "name": ["李克强", "李强"], "title": ["国务院总理"] * 2,
                             "date": ["2022-12-01", "2023-03-12"], "kind": ["coverage"] * 2, "in_term": [True, True]})
    table = successions(registry, mentions, start="2022-01-01", end="2026-06-30")
    assert table[["before", "after"]].values.tolist() == [["李克强", "李强"]]
    assert len(successions(registry, mentions)) == 2
    ctx = Context("新闻联播", "新闻联播", False, 5, "2022-01-01", "2026-06-30", ())
    text = str(chapter.summary(ctx, registry, mentions, pd.DataFrame(columns=["name", "title", "count"]),
                               Validation("unvalidated")))
    assert "Within the corpus's dates the registry records 1 succession: 李克强 → 李强 as 国务院总理 (2023-03-11" in text
    assert "万里" not in text and "乔石" not in text


def test_front_page_compares_the_ten_most_named_persons_and_its_view_fits_the_page():
    names = [f"人{i:02d}" for i in range(12)]
    # Mentions fall from 200 to 90; the 11th most named is always on the front page.
    mentions = [200 - 10 * i for i in range(12)]
    front = [m // 4 for m in mentions]
    front[10] = mentions[10]
    front[3] = mentions[3] // 2
    table = pd.DataFrame({"name": names, "period": ["2024"] * 12, "mentions": mentions, "front_page": front,
                          "headline": [0] * 12, "front_page_share": [f / m for f, m in zip(front, mentions)],
                          "headline_share": [0.0] * 12, "mentions_per_issue": [m / 100 for m in mentions],
                          "mentions_per_100_articles": [m / 10 for m in mentions]})
    articles = pd.DataFrame({"issue_date": ["2024-01-01"] * 4, "page": [""] * 4})
    text = str(chapter.front_page_text(table, articles, REGISTRY))
    assert "Among the ten most-named persons, 人03 has the largest front-page share (50% of 170 mentions)." in text
    assert "named at least" not in text and "人10" not in text
    few = str(chapter.front_page_text(table.head(3), articles, REGISTRY))
    assert "Among the 3 persons named, 人00 has the largest front-page share (25% of 200 mentions)." in few
    view = chapter.front_page_view(table)
    assert list(view.columns) == ["name", "period", "mentions", "front_page_share", "headline_share",
                                  "mentions_per_issue"]


def test_a_change_of_protocol_order_reads_as_english():
    changes = pd.DataFrame({"a": ["李强"], "b": ["赵乐际"], "a_first": [30], "b_first": [12],
                            "first_date": ["2022-01-05"], "last_date": ["2026-02-01"], "changed": [True],
                            "lists": [42], "changed_on": ["2022-10-23"], "first_before": ["赵乐际"],
                            "first_after": ["李强"]})
    sequences = pd.DataFrame({"date": ["2022-01-05"], "n": [2], "sequence": ["赵乐际 > 李强"]})
    text = str(chapter.protocol_text(sequences, changes, REGISTRY))
    assert "赵乐际 before 李强 until 2022-10-23 and after 李强 from then on (李强 first 30 times" in text
    assert "and after from then" not in text


def _pairs_by_loop(mentions: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """What co_mentions counts, written the plain way: per unit its names' pairs, dated by its first row."""
    from itertools import combinations

    rows = []
    for _, group in counted(mentions).groupby(keys, sort=True):
        rows += [(a, b, group["date"].iloc[0]) for a, b in combinations(sorted(set(group["name"])), 2)]
    table = pd.DataFrame(rows, columns=["a", "b", "date"]).groupby(["a", "b"]).agg(
        count=("date", "size"), first_date=("date", "min"), last_date=("date", "max")).reset_index()
    return table.sort_values(["count", "a", "b"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("unit", ["article", "sentence"])
def test_co_mentions_count_each_pair_once_per_unit_dated_by_its_first_row(unit):
    # 200 articles of 1-6 mentions drawn from 8 names (repeats within an article), dates out of order, a
    # sentence number missing on some rows (such a unit is not counted, as grouping leaves it out), and
    # rows of one article with different dates (a unit is dated by its first row).
    import numpy as np

    rng = np.random.default_rng(5)
    names = ["习近平", "李强", "赵乐际", "王沪宁", "蔡奇", "丁薛祥", "李希", "Ana"]
    rows = []
    for a in range(200):
        date = f"2023-{1 + a % 12:02d}-{1 + (a * 7) % 28:02d}"
        for _ in range(rng.integers(1, 7)):
            rows.append((f"a{a}", names[rng.integers(len(names))], "coverage", "body",
                         None if rng.random() < 0.1 else int(rng.integers(3)),
                         date if rng.random() < 0.7 else f"2024-01-{1 + a % 28:02d}"))
    m = pd.DataFrame(rows, columns=["article_id", "name", "kind", "location", "sentence", "date"])
    m = m.assign(in_term=True, level="national")
    keys = ["article_id"] if unit == "article" else ["article_id", "location", "sentence"]
    got = co_mentions(m, unit=unit)
    assert got["count"].sum() > 100
    pd.testing.assert_frame_equal(got, _pairs_by_loop(m, keys))
