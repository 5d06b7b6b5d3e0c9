"""Protocol order read from enumerations only (issue 19, item 6), on generated national text.

The generated national paper (analysis.synthetic.generate_national_articles) lists the Politburo
Standing Committee in force in rank order; at the 20th Party Congress (2022-10-23) 赵乐际 moves
before 王沪宁, the one planted change. It also names two members in the other order in one sentence
that is no list (…主持会议，…出席并讲话), which must change nothing.
"""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.corpus.read import read_article_table
from analysis.perarticle.mentions import enumerations, leader_mentions, load_registry
from analysis.leaders.protocol import PROTOCOL_COLUMNS, change_point, protocol_lists, protocol_order
from analysis.leaders.tables import order_changes, protocol_sequences
from analysis.synthetic import PBSC, generate_national_corpus


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    folder = generate_national_corpus(tmp_path_factory.mktemp("national"), 500, start="2019-01-01",
                                      end="2025-12-31", seed=3)
    articles = read_article_table(folder / "articles.csv")
    mentions = leader_mentions(articles, registry=load_registry(folder / "leaders.csv"))
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    return articles, mentions, truth


def test_the_planted_order_change_is_found_and_nothing_else(national):
    _, mentions, truth = national
    table = protocol_order(mentions)
    assert list(table.columns) == PROTOCOL_COLUMNS
    changed = table[table["changed"]]
    assert changed[["a", "b", "first_before", "first_after"]].values.tolist() == [["王沪宁", "赵乐际", "王沪宁", "赵乐际"]]
    lists = protocol_lists(mentions)
    first_after = lists.loc[lists["date"] >= "2022-10-23", "date"].min()
    assert changed["changed_on"].iloc[0] == first_after
    # The sentences naming two members in the other order are in the corpus, and are no lists.
    assert (truth["what"] == "no list").sum() > 10
    stable = table[~table["changed"]]
    assert ((stable["a_first"] == 0) | (stable["b_first"] == 0)).all()


def test_lists_are_the_standing_committee_in_rank_order(national):
    _, mentions, _ = national
    lists = protocol_lists(mentions)
    committees = {tuple(names) for _, names in PBSC}
    assert len(lists) > 100 and set(lists["names"]) <= committees
    assert protocol_sequences(mentions)["n"].min() >= 2
    # Mentions outside a list have no place in one; ritual and doctrine never do.
    outside = mentions[mentions["enumeration"] == 0]
    assert (outside["list_order"] == 0).all()
    assert (mentions.loc[mentions["kind"].isin(["ritual", "doctrine"]), "enumeration"] == 0).all()


def test_order_changes_is_protocol_order_in_the_books_columns(national):
    _, mentions, _ = national
    table = order_changes(mentions)
    assert {"a", "b", "a_first", "b_first", "first_date", "last_date", "changed", "lists", "changed_on"} <= set(table.columns)
    assert table["changed"].tolist() == sorted(table["changed"].tolist(), reverse=True)
    assert table["changed"].sum() == 1


def test_one_stray_list_changes_nothing():
    dates = [f"2022-01-{d:02d}" for d in range(1, 29)]
    firsts = [True] * 28
    firsts[20] = False                                   # one list in the other order
    assert change_point(dates, firsts) == ""
    firsts[10:16] = [False] * 6                          # a run in the other order, the majority order before and after
    assert change_point(dates, firsts) == ""
    assert change_point(dates, [True] * 14 + [False] * 14) == "2022-01-15"
    assert change_point(dates[:8], [True] * 4 + [False] * 4) == ""    # fewer than five lists a side


def test_an_enumeration_is_comma_free_or_a_titled_roll_call():
    text = "习近平、李强出席。李强主持会议，习近平出席。国务院总理李强，国家主席习近平出席。"
    articles = pd.DataFrame([{"article_id": "t", "issue_date": "2024-05-01", "date": "2024-05-01", "headline": "",
                              "subheadline": "", "text": text, "source": "t"}])
    registry = pd.DataFrame([
        {"name": "习近平", "aliases": "", "title": "国家主席", "organisation": "中华人民共和国", "level": "national",
         "start": "2013-03-14", "end": "", "source": "public record"},
        {"name": "李强", "aliases": "", "title": "国务院总理", "organisation": "国务院", "level": "national",
         "start": "2023-03-11", "end": "", "source": "public record"}])
    found = leader_mentions(articles, registry=registry)
    assert found[["name", "enumeration", "list_order"]].values.tolist() == [
        ["习近平", 1, 1], ["李强", 1, 2], ["李强", 0, 0], ["习近平", 0, 0], ["李强", 2, 1], ["习近平", 2, 2]]


def test_enumerations_of_found_mentions():
    text = "甲甲、乙乙出席，丙丙说"
    found = [dict(kind="coverage", title_raw="", offset=0, end=2, span_start=0, span_end=2),
             dict(kind="coverage", title_raw="", offset=3, end=5, span_start=3, span_end=5),
             dict(kind="coverage", title_raw="", offset=8, end=10, span_start=8, span_end=10)]
    assert enumerations(text, found) == [(1, 1), (1, 2), (0, 0)]


def test_a_list_keeps_each_person_once_in_printed_order_whatever_the_row_order(national):
    _, mentions, _ = national
    rows = [  # one enumeration: 乙 twice, a tie on list_order (kept as listed), a missing title
        {"article_id": "x", "date": "2023-01-02", "location": "body", "enumeration": 1, "list_order": 2,
         "offset": 9, "name": "乙", "title": None},
        {"article_id": "x", "date": "2023-01-02", "location": "body", "enumeration": 1, "list_order": 1,
         "offset": 3, "name": "甲", "title": "主任"},
        {"article_id": "x", "date": "2023-01-02", "location": "body", "enumeration": 1, "list_order": 3,
         "offset": 12, "name": "乙", "title": "副主任"},
        {"article_id": "x", "date": "2023-01-02", "location": "body", "enumeration": 1, "list_order": 3,
         "offset": 15, "name": "丙", "title": ""},
        # a list of one person is no list
        {"article_id": "y", "date": "2023-01-03", "location": "lead", "enumeration": 1, "list_order": 1,
         "offset": 0, "name": "甲", "title": ""},
    ]
    lists = protocol_lists(pd.DataFrame(rows))
    assert lists[["article_id", "names", "titles", "n"]].values.tolist() == [["x", ("甲", "乙", "丙"), ("主任", "", ""), 3]]
    # The national corpus's lists and orders do not depend on the order of the mentions' rows.
    shuffled = mentions.sample(frac=1, random_state=7)
    pd.testing.assert_frame_equal(protocol_lists(shuffled), protocol_lists(mentions))
    pd.testing.assert_frame_equal(protocol_order(shuffled), protocol_order(mentions))


def _sequences_one_list_at_a_time(mentions: pd.DataFrame) -> pd.DataFrame:
    """protocol_sequences as it was written first, one group at a time: the reference."""
    from analysis.leaders.tables import LOCATIONS

    chosen = mentions[mentions["enumeration"] > 0]
    rows = []
    for (article_id, location, _), group in chosen.groupby(["article_id", "location", "enumeration"], sort=False):
        if len(group) < 2:
            continue
        group = group.sort_values("list_order")
        rows.append({"date": group["date"].iloc[0], "article_id": article_id, "location": location,
                     "sentence": int(group["sentence"].iloc[0]), "n": len(group), "sequence": " > ".join(group["name"]),
                     "titles": " > ".join(t or "—" for t in group["title"])})
    frame = pd.DataFrame(rows, columns=["date", "article_id", "location", "sentence", "n", "sequence", "titles"])
    rank = frame["location"].map({loc: i for i, loc in enumerate(LOCATIONS)})
    return (frame.assign(_r=rank).sort_values(["date", "article_id", "_r", "sentence"], kind="stable")
            .drop(columns="_r").reset_index(drop=True))


def test_roll_calls_are_those_of_the_one_list_at_a_time_reference(national):
    """The roll calls of 500 generated national articles, as the table is and with its rows shuffled:
    the same frame as the reference that sorted each list on its own."""
    _, mentions, _ = national
    expected = _sequences_one_list_at_a_time(mentions)
    assert len(expected) > 50 and expected["n"].max() >= 3 and expected["titles"].str.contains("—").any()
    pd.testing.assert_frame_equal(protocol_sequences(mentions), expected, check_exact=True)
    shuffled = mentions.sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(protocol_sequences(shuffled), _sequences_one_list_at_a_time(shuffled),
                                  check_exact=True)
    assert protocol_sequences(mentions.iloc[:0]).empty
