"""Datelines and sources in both widths (issue 19, item 4): the opening of an article read on the
sample pages, the national-daily fixture, hand-written national forms and the generated corpus.

``tests/fixtures/openings/openings_gold.csv`` holds openings written by hand in the forms of national
dailies and agencies (本报北京１月５日讯, 新华社北京１２月３１日电, 据新华社…电, 新华社华盛顿５日电, 中新社,
央视网消息 …) and look-alikes that are no dateline (今天（…）, …日起, 当地时间, 记者今天…), each with the
dateline, date and source a reader gives it.
"""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.corpus.articles import SOURCE_AGENCIES, OpeningRules, date_from_issue, split_articles
from analysis.corpus.clean import clean_line
from analysis.corpus.read import read_agencies, read_article_table
from analysis.corpus.report import SOURCE_COLUMNS, source_summary
from analysis.errors import InputError
from analysis.paths import PROJECT_ROOT

GOLD = PROJECT_ROOT / "tests" / "fixtures" / "openings" / "openings_gold.csv"
NATIONAL = PROJECT_ROOT / "tests" / "fixtures" / "national_daily" / "articles.csv"

#: The national-daily fixture, read by hand: article → (dateline, date, source, byline).
NATIONAL_EXPECTED = {
    "nd-0101-01": ("新华社北京１２月３１日电", "1997-12-31", "新华社", ""),   # December dateline, January issue
    "nd-0102-01": ("本报北京１月１日讯", "1998-01-01", "本报", "记者李明"),
    "nd-0104-01": ("新华社北京１月４日电", "1998-01-04", "新华社", "记者王勇"),
    "nd-0106-01": ("新华社北京１月５日电", "1998-01-05", "新华社", ""),
    "nd-0107-01": ("本报广州１月６日电", "1998-01-06", "本报", "记者刘华"),
    "nd-0108-01": ("新华社北京１月８日电", "1998-01-08", "新华社", ""),
    "nd-0109-01": ("本报北京１月８日讯", "1998-01-08", "本报", ""),
    "nd-0110-01": ("新华社香港１月９日电", "1998-01-09", "新华社", ""),
    "nd-0112-01": ("新华社北京１月１１日电", "1998-01-11", "新华社", ""),
    "nd-0113-01": ("", "1998-01-13", "本报", "记者张宁"),                     # 本报讯 with no date
    "nd-0115-01": ("新华社北京１月１５日电", "1998-01-15", "新华社", ""),
    "nd-0116-01": ("新华社北京１月１５日电", "1998-01-15", "新华社", ""),
    "nd-0118-01": ("新华社北京１月１７日电", "1998-01-17", "新华社", ""),
    "nd-0120-01": ("本报北京１月１９日讯", "1998-01-19", "本报", "记者陈新"),
    "nd-0122-01": ("新华社北京１月２２日电", "1998-01-22", "新华社", ""),
    "nd-0125-01": ("新华社北京１月２４日电", "1998-01-24", "新华社", ""),
}


@pytest.fixture(scope="module")
def rules():
    return OpeningRules(read_agencies())


@pytest.fixture(scope="module")
def gold():
    return pd.read_csv(GOLD, dtype=str, keep_default_na=False)


def _scores(pairs):
    """Precision and recall of found-and-right among ``(truth, got)`` pairs ('' = none)."""
    tp = sum(1 for t, g in pairs if t and g == t)
    found = sum(1 for _, g in pairs if g)
    real = sum(1 for t, _ in pairs if t)
    return (tp / found if found else 1.0), (tp / real if real else 1.0)


def test_hand_written_openings_read_as_a_reader_reads_them(rules, gold):
    assert len(gold) >= 60
    wrong = []
    for row in gold.itertuples():
        for text in (row.text, clean_line(row.text)):     # as printed, and as the corpus reader cleans it
            o = rules.read(text, row.issue_date)
            if (o.dateline.replace(" ", "").replace("\u3000", ""), o.date, o.source_agency) != (
                    row.dateline, row.date, row.source_agency):
                wrong.append((row.id, o.dateline, o.date, o.source_agency))
    assert not wrong


def test_gold_covers_every_form_and_both_widths(gold):
    assert set(gold["source_agency"]) == set(SOURCE_AGENCIES)
    datelines = gold["dateline"][gold["dateline"] != ""]
    assert datelines.str.contains("[０-９]").any() and datelines.str.contains("[0-9]").any()
    assert datelines.str.contains("[一二三四五六七八九十]月").any()
    # Look-alikes that are no dateline are in it too.
    assert {"g25", "g31", "g32", "g34", "g35", "g60"} <= set(gold.loc[gold["dateline"] == "", "id"])


def test_national_fixture_table_gets_datelines_sources_and_bylines():
    arts = read_article_table(NATIONAL).set_index("article_id")
    assert set(arts.index) == set(NATIONAL_EXPECTED)
    for article_id, (dateline, date, source, byline) in NATIONAL_EXPECTED.items():
        row = arts.loc[article_id]
        assert (row["dateline"], row["date"], row["source_agency"], row["byline"]) == (dateline, date, source, byline)
        assert row["date_basis"] == ("dateline" if dateline else "issue")
        assert row["text"].startswith(dateline or "本报讯")      # the text is kept whole


def test_sample_pages_credit_the_paper_where_it_prints_its_lead(articles):
    assert set(articles["source_agency"]) == {"本报", "none"}
    assert ((articles["byline"] != "") == (articles["source_agency"] == "本报")).all()
    assert (articles["date_basis"] == "dateline").sum() == 4        # unchanged: the sample's four datelines


def test_generated_openings_against_the_planted_truth(tmp_path):
    from analysis.synthetic import OPENINGS, generate_corpus

    folder = generate_corpus(tmp_path / "gen", n_articles=400, start="2019-01-01", end="2022-12-31", openings=True)
    truth = pd.read_csv(folder / "openings.csv", dtype=str, keep_default_na=False).set_index("article_id")
    assert set(truth["form"]) == {form for form, _, _ in OPENINGS}
    arts = read_article_table(folder / "articles.csv").set_index("article_id").loc[truth.index]
    dated = list(zip(truth["dateline"] + "|" + truth["date"], (arts["dateline"] + "|" + arts["date"]).where(
        arts["dateline"] != "", "")))
    precision, recall = _scores([(t if t != "|" else "", g) for t, g in dated])
    assert precision == 1.0 and recall == 1.0
    assert (arts["source_agency"] == truth["source_agency"]).all()
    assert (arts["date"] == truth["date"].where(truth["date"] != "", arts["issue_date"])).all()
    # Full-width datelines are among them, and dates never run after the issue.
    assert arts["dateline"].str.contains("[０-９]").any()
    assert (arts["date"] <= arts["issue_date"]).all()


def test_generated_corpus_without_openings_is_unchanged(tmp_path):
    from analysis.synthetic import generate_articles, plant_openings

    plain, _ = generate_articles(50, start="2020-01-01", end="2020-12-31")
    planted, truth = plant_openings(plain)
    assert list(planted["id"]) == list(plain["id"]) and len(truth) == 50
    assert (plain["text"] != planted["text"]).any()
    assert list(generate_articles(50, start="2020-01-01", end="2020-12-31")[0]["text"]) == list(plain["text"])


def test_a_page_of_national_articles_is_split_at_its_datelines():
    page = ("江泽民会见外宾\n\n"
            "新华社北京１月５日电　国家主席江泽民今天在人民大会堂会见了外宾。\n\n"
            "双方就共同关心的问题交换了意见。\n\n"
            "本报广州１月４日讯　记者刘华报道：广东省政协今天开幕。\n\n"
            "中新社香港５日电　香港特区政府今天公布了数据。\n")
    seg = split_articles(page, "1998-01-06", read_agencies())
    got = [(a.dateline, a.date, a.source_agency, a.byline) for a in seg.articles]
    assert got == [("新华社北京１月５日电", "1998-01-05", "新华社", ""),
                   ("本报广州１月４日讯", "1998-01-04", "本报", "记者刘华"),
                   ("中新社香港５日电", "1998-01-05", "other", "")]
    assert seg.articles[0].headline == "江泽民会见外宾"
    assert "双方就共同关心的问题" in seg.articles[0].text
    # Without the agency list only 本报讯 starts an article: one article, no source named.
    alone = split_articles(page, "1998-01-06")
    assert len(alone.articles) == 1 and alone.articles[0].source_agency == "none"


@pytest.mark.parametrize("day, issue, month, year, expected", [
    (31, "1998-01-02", 12, None, "1997-12-31"),       # December dateline in a January issue
    (30, "1998-01-01", None, None, "1997-12-30"),      # a day alone across the year end
    (5, "2025-03-04", None, None, "2025-03-05"),       # a day's grace after the issue
    (20, "2025-03-04", None, None, "2025-02-20"),
    (1, "2025-03-31", 2, None, ""),                    # more than a month before: not a dateline
    (30, "2025-03-01", 2, None, ""),                   # 2月30日: impossible
    (4, "2025-01-03", 5, 2023, ""),
    (4, "", 5, 2023, "2023-05-04"),                    # no issue: the printed year
])
def test_date_from_issue(day, issue, month, year, expected):
    assert date_from_issue(day, issue, month, year) == expected


def test_a_date_after_the_issue_keeps_the_issue_date(tmp_path):
    """Issue 19b, item 4: a report cannot be dated after its issue; a dateline announcing a coming event
    (1–4 days after the broadcast on a national TV transcript corpus) leaves the issue date, on a page and
    in an article table."""
    rules = OpeningRules(read_agencies())
    later = rules.read("央视网消息（晚间新闻）：1月8日，全国农业工作会议将在北京开幕。", "2025-01-05")
    assert (later.dateline, later.date, later.source_agency) == ("1月8日", "", "other")
    same = rules.read("央视网消息（晚间新闻）：1月5日，全国农业工作会议在北京开幕。", "2025-01-05")
    assert same.date == "2025-01-05"
    assert rules.read("新华社北京１月７日电　会议将开幕。", "2025-01-05").date == ""
    seg = split_articles("会议将开幕\n\n本报讯（记者 张三）1月8日，区里将开会。\n", "2025-01-05")
    assert (seg.articles[0].date, seg.articles[0].date_basis) == ("2025-01-05", "issue")
    table = tmp_path / "articles.csv"
    pd.DataFrame({"date": ["2025-01-05", "2025-01-05"], "title": ["将开幕", "开幕"],
                  "text": ["央视网消息（晚间新闻）：1月8日，会议将开幕。", "央视网消息（晚间新闻）：1月4日，会议开幕。"]}
                 ).to_csv(table, index=False)
    read = read_article_table(table)
    dated = read.set_index("headline")[["date", "date_basis"]]
    assert dated.loc["将开幕"].tolist() == ["2025-01-05", "issue"] and dated.loc["开幕"].tolist() == ["2025-01-04", "dateline"]
    assert (read["date"] <= read["issue_date"]).all()


def test_source_summary_counts_and_shares_per_period():
    arts = pd.DataFrame({"issue_date": ["1998-01-01", "1998-01-02", "1998-01-20", "1998-02-03"],
                         "source_agency": ["新华社", "本报", "新华社", "none"]})
    table = source_summary(arts, "M")
    assert list(table.columns) == SOURCE_COLUMNS
    assert table["period"].tolist() == ["1998-01", "1998-02"]
    assert table[["本报", "新华社", "other", "none"]].values.tolist() == [[1, 2, 0, 0], [0, 0, 0, 1]]
    assert table["share_新华社"].tolist() == [round(2 / 3, 4), 0.0]
    assert source_summary(arts.drop(columns="source_agency"), "Y")["none"].tolist() == [4]
    assert source_summary(arts.iloc[0:0], "M").empty


def test_agency_list_is_checked(tmp_path):
    kinds = read_agencies()
    assert kinds["新华社"] == "新华社" and kinds["本报"] == "本报" and kinds["中新社"] == "other"
    assert set(kinds.values()) == {"本报", "新华社", "other"}
    bad = tmp_path / "agencies.csv"
    bad.write_text("name,source_agency,source\n新华社,新华社,x\n中新社,wire,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"agencies.csv.*3"):
        read_agencies(bad)
    bad.write_text("name,source_agency,source\n新华社,新华社,x\n新华社,other,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="twice"):
        read_agencies(bad)
