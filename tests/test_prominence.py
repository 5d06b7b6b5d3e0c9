"""Prominence per person and period (issue 19, item 8): front page or lead item, headlines, per-issue rates."""
from __future__ import annotations

import pandas as pd
import pytest

import analysis
from analysis.leaders.tables import PROMINENCE_COLUMNS, front_page_articles, page_prominence


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory):
    return analysis.Corpus.sample().tables(tmp_path_factory.mktemp("prominence") / "out", workers=1)


def test_front_page_on_the_sample_pages(sample_tables):
    articles, mentions = sample_tables.load("articles"), sample_tables.load("mentions")
    table = sample_tables.load("prominence")
    assert list(table.columns) == PROMINENCE_COLUMNS
    # The sample's manifest gives no page numbers: the front is each issue's first article.
    assert set(table["front_basis"]) == {"first item"}
    first = set(articles.drop_duplicates("issue_date")["article_id"])
    own = mentions[mentions["kind"].isin(["coverage", "title-only"])]
    expected = own.assign(front=own["article_id"].isin(first)).groupby("name")["front"].sum()
    got = table.groupby("name")["front_page"].sum()
    assert got.to_dict() == expected.astype(int).to_dict() and 0 < got.sum() < len(own)
    assert table["mentions"].sum() == len(own)
    assert (table["issues"] <= articles["issue_date"].nunique()).all()


def test_first_item_when_there_are_no_pages_and_page_one_in_either_width():
    arts = pd.DataFrame({"article_id": ["a", "b", "c", "d"], "issue_date": ["2024-01-01"] * 2 + ["2024-01-02"] * 2,
                         "page": [""] * 4})
    mask, basis = front_page_articles(arts)
    assert basis == "first item" and mask.tolist() == [True, False, True, False]
    mask, basis = front_page_articles(arts.assign(page=["１", "A01", "2", "B1"]))
    assert basis == "page 1" and mask.tolist() == [True, True, False, False]
    ms = pd.DataFrame({"article_id": ["a", "b", "c", "d", "d"], "name": ["甲", "甲", "乙", "甲", "甲"],
                       "kind": ["coverage", "coverage", "coverage", "ritual", "coverage"],
                       "location": ["headline", "body", "lead", "body", "subheadline"]})
    table = page_prominence(ms, arts, freq="D").set_index(["name", "period"])
    assert table.loc[("甲", "2024-01-01"), ["mentions", "front_page", "headline"]].tolist() == [2, 1, 1]
    assert table.loc[("甲", "2024-01-02"), ["mentions", "front_page", "headline_share"]].tolist() == [1, 0, 1.0]
    assert table.loc[("乙", "2024-01-02"), "mentions_per_100_articles"] == 50.0  # ritual not counted
    assert page_prominence(ms.iloc[:0], arts).columns.tolist() == PROMINENCE_COLUMNS


def test_mentions_carry_the_page_and_the_chapter_reads_the_front_page(sample_tables):
    from analysis.book.chapters import leaders as chapter

    articles, mentions = sample_tables.load("articles"), sample_tables.load("mentions")
    pages = dict(zip(articles["article_id"], articles["page"].fillna("").astype(str)))
    assert "page" in mentions.columns and mentions["page"].tolist() == mentions["article_id"].map(pages).tolist()
    table, registry = sample_tables.load("prominence"), sample_tables.load("registry")
    text = str(chapter.front_page_text(table, articles, registry))
    top = table.groupby("name")["mentions"].sum().sort_values(ascending=False, kind="stable")
    base = articles.drop_duplicates("issue_date").shape[0] / len(articles)
    assert f"{100 * base:.0f}% of the corpus's articles are the first item of their issue" in text
    assert top.index[0] in text and f"named {top.iloc[0]} times" in text
    view = chapter.front_page_view(table, people=3)
    assert view["name"].nunique() == min(3, table["name"].nunique()) and list(view.columns) == chapter.FRONT_PAGE_COLUMNS
    # A corpus with pages: page 1 is the front, and the sentence says so.
    paged = articles.assign(page=["1" if i % 2 == 0 else "2" for i in range(len(articles))])
    assert "are on page 1" in str(chapter.front_page_text(table, paged, registry))
    assert "No registered person" in str(chapter.front_page_text(table.iloc[:0], articles, registry))
