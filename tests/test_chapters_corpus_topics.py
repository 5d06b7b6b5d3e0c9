"""Prose of chapters 1 (corpus) and 4 (topics): computed from the built tables, true on any corpus.

Two corpora: the sample pages (data/raw/) and a generated multi-year article
table (analysis.synthetic: the 长河报), plus a one-article corpus on which the
build skips topics.
"""
from __future__ import annotations

import re
import shutil
import warnings

import pandas as pd
import pytest

from analysis.book.chapters import context
from analysis.book.chapters import corpus as ch1
from analysis.book.chapters import topics as ch4
from analysis.build import build_tables
from analysis.corpus.folder import Corpus
from analysis.corpus.periods import period_labels as periods
from analysis.corpus.report import (corpus_pages, issue_gaps, period_summary, publishing_weekdays, repair_examples,
                                    table_overview)
from analysis.settings import Settings
from analysis.synthetic import PAPER, generate_corpus
from analysis.topics.model import cluster_period_shares, map_agreement, nmf_partition

#: Phrases that only the sample pages can justify.
SAMPLE_ONLY = ("兴安盟", "丰台", "sample", "two pages", "王少峰", "西班牙")


def _build(build_dir, corpus=None):
    # Caches in a private build folder, given as the corpus's settings.
    return build_tables(Corpus(corpus, settings=Settings(build_dir=build_dir)))


@pytest.fixture(scope="session")
def sample_tables(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("build_sample"))


@pytest.fixture(scope="session")
def generated_folder(tmp_path_factory):
    return generate_corpus(tmp_path_factory.mktemp("gen"), n_articles=300, start="2019-01-01", end="2022-12-31")


@pytest.fixture(scope="session")
def generated_tables(generated_folder, tmp_path_factory):
    return _build(tmp_path_factory.mktemp("build_gen"), generated_folder)


def _ctx(tables):
    return context(tables["build_info"].iloc[0].to_dict())


def _kind(tables):
    return tables["build_info"]["kind"].iloc[0]


# --------------------------------------------------------------------------- chapter 1


def test_generated_summary_names_its_paper_and_dates(generated_tables):
    ctx, arts = _ctx(generated_tables), generated_tables["articles"]
    text = str(ch1.summary(ctx, arts, generated_tables["captions"], generated_tables["unattributed_headlines"],
                           kind=_kind(generated_tables)))
    assert PAPER in text and ctx.paper == PAPER
    assert ctx.first_date.startswith("2019-") and ctx.last_date.startswith("2022-")
    assert ctx.first_date in text and ctx.last_date in text
    assert f"{len(arts)} articles" in text
    assert f"{arts['issue_date'].nunique()} issues" in text
    assert "article table" in text and "do not apply" in text
    for phrase in SAMPLE_ONLY:
        assert phrase not in text, phrase


def test_sample_summary_counts_pages_issues_and_headlines(sample_tables):
    ctx, arts = _ctx(sample_tables), sample_tables["articles"]
    text = str(ch1.summary(ctx, arts, sample_tables["captions"], sample_tables["unattributed_headlines"],
                           kind="pages"))
    assert "丰台报" in text and "9 articles cut from 2 pages" in text and "2 issues" in text
    assert "2024-12-01 to 2025-02-13" in text
    missing = int((arts["headline"] == "").sum())
    assert missing == 2 and f"{missing} articles (22 %) have no headline" in text
    assert "2 photo captions" in text.lower() and "every headline was attributed" in text


def test_sample_says_how_many_days_of_its_range_have_no_issue(sample_tables):
    ctx, arts = _ctx(sample_tables), sample_tables["articles"]
    days = (pd.Timestamp(ctx.last_date) - pd.Timestamp(ctx.first_date)).days + 1
    assert (ctx.first_date, ctx.last_date, days) == ("2024-12-01", "2025-02-13", 75)
    # Two issues show no schedule: every day counts.
    weekdays = publishing_weekdays(arts)
    assert weekdays == tuple(range(7))
    text = str(ch1.gaps_sentence(ctx, issue_gaps(arts, weekdays), weekdays))
    assert "Of the 75 days from 2024-12-01 to 2025-02-13, 73 have no issue, in one gap: 73 days in a row, " \
           "2024-12-02 to 2025-02-12." in text
    summary = str(ch1.summary(ctx, arts, sample_tables["captions"], sample_tables["unattributed_headlines"]))
    assert "in 2 issues from 2024-12-01 to 2025-02-13 (73 days of that range without one)." in summary


def test_generated_corpus_with_issues_removed_names_its_gaps(tmp_path):
    """A twice-weekly paper with three of its issues taken out: the gaps are those three days, not the five
    days a week it never appears."""
    folder = generate_corpus(tmp_path / "gen", n_articles=400, start="2021-01-01", end="2021-06-30")
    rows = pd.read_csv(folder / "articles.csv", dtype=str, keep_default_na=False)
    assert rows["date"].nunique() == 52  # every Tuesday and Friday has articles
    removed = ["2021-03-02", "2021-03-05", "2021-05-14"]  # a Tuesday and the Friday after it; a lone Friday
    rows[~rows["date"].isin(removed)].to_csv(folder / "articles.csv", index=False)
    tables = _build(tmp_path / "build", folder)
    ctx, arts = _ctx(tables), tables["articles"]
    assert not set(removed) & set(arts["issue_date"])
    weekdays = publishing_weekdays(arts)
    assert weekdays == (1, 4)
    gaps = issue_gaps(arts, weekdays)
    assert gaps.values.tolist() == [["2021-03-02", "2021-03-05", 2], ["2021-05-14", "2021-05-14", 1]]
    text = str(ch1.gaps_sentence(ctx, gaps, weekdays))
    assert (f"The issues fall on Tuesdays and Fridays, so only those days are counted: of the 52 from {ctx.span}, "
            "3 have no issue, in 2 gaps; the longest: 2 issue days in a row, 2021-03-02 to 2021-03-05; one issue "
            "day, 2021-05-14.") in text
    summary = str(ch1.summary(ctx, arts, kind=_kind(tables)))
    assert "in 49 issues from 2021-01-01 to 2021-06-29 (on Tuesdays and Fridays; 3 of those days without one)." \
        in summary
    # The same paper with nothing removed: no gap.
    full = pd.DataFrame({"issue_date": sorted(set(arts["issue_date"]) | set(removed))})
    assert issue_gaps(full, weekdays).empty
    assert str(ch1.gaps_sentence(ctx, issue_gaps(full, weekdays), weekdays)).endswith("every one has an issue.")


def test_a_daily_corpus_names_its_missing_days():
    days = pd.date_range("2022-01-01", "2022-03-31").strftime("%Y-%m-%d")
    ctx = context({"corpus": "daily", "paper": "日报", "is_sample": False, "n_articles": 0,
                   "first_date": days[0], "last_date": days[-1]})
    singles = pd.DataFrame({"issue_date": [d for d in days if d not in ("2022-02-01", "2022-03-08")]})
    assert publishing_weekdays(singles) == tuple(range(7))
    text = str(ch1.gaps_sentence(ctx, issue_gaps(singles), tuple(range(7))))
    assert "Of the 90 days from 2022-01-01 to 2022-03-31, 2 have no issue, each a single day: 2022-02-01 and " \
           "2022-03-08." in text
    every_tenth = pd.DataFrame({"issue_date": [d for k, d in enumerate(days) if k % 10 != 5]})
    assert "Of the 90 days from 2022-01-01 to 2022-03-31, 9 have no issue, never two days in a row; the first 3: " \
           "2022-01-06, 2022-01-16 and 2022-01-26." in str(ch1.gaps_sentence(ctx, issue_gaps(every_tenth),
                                                                             publishing_weekdays(every_tenth)))
    week = {d.strftime("%Y-%m-%d") for d in pd.date_range("2022-02-07", "2022-02-13")}  # a week off
    runs = pd.DataFrame({"issue_date": [d for d in days if d not in week | {"2022-03-08"}]})
    text = str(ch1.gaps_sentence(ctx, issue_gaps(runs), publishing_weekdays(runs)))
    assert "8 have no issue, in 2 gaps; the longest: 7 days in a row, 2022-02-07 to 2022-02-13; one day, " \
           "2022-03-08." in text


def test_table_corpus_gets_sentences_not_page_cells(generated_tables):
    kind = _kind(generated_tables)
    assert kind == "table"
    assert "No page repairs apply" in str(ch1.repairs_sentence(kind, None))
    assert "No page layout applies" in str(ch1.layout_sentence(kind, None))
    assert "no photo captions" in str(ch1.captions_sentence(kind, generated_tables["captions"]))
    overview = table_overview(generated_tables["articles"])
    assert overview["articles"].sum() == len(generated_tables["articles"])
    assert list(overview["source"]) == ["articles.csv"]


def test_period_summary_aggregates_by_the_context_bin(generated_tables):
    ctx, arts = _ctx(generated_tables), generated_tables["articles"]
    assert ctx.bin == "Q"  # four years: quarters, not one bar per issue
    table = period_summary(arts, ctx.bin)
    assert table["articles"].sum() == len(arts)
    assert table["issues"].sum() == arts["issue_date"].nunique()
    assert list(table["period"]) == sorted(table["period"]) and len(table) == 16
    assert table["period"].str.fullmatch(r"20(19|20|21|22)Q[1-4]").all()
    sentence = str(ch1.periods_sentence(ctx, table))
    busiest = table.loc[table["articles"].idxmax()]
    assert "by quarter: 16 quarters" in sentence and f"{busiest['articles']} ({busiest['period']})" in sentence


def test_period_summary_counts_no_pages_for_a_table_without_them(sample_tables):
    """Issue 19b, item 3: a table of items without page numbers has 0 pages per period, as Table 1.1 says,
    not one per issue; pages given are counted."""
    table = pd.DataFrame({"source": "articles.csv", "issue_date": ["2025-01-01", "2025-01-01", "2025-01-02"],
                          "page": ["", "", ""], "n_chars": 100, "headline": "甲", "date_basis": "issue"})
    assert period_summary(table, "M")["pages"].tolist() == [0]
    assert period_summary(table.assign(page=["1", "2", "1"]), "M")["pages"].tolist() == [3]
    assert period_summary(table.assign(page=["1", "", None]), "M")["pages"].tolist() == [1]
    arts = sample_tables["articles"]  # a page corpus: its page files
    assert period_summary(arts, "M")["pages"].sum() == arts["source"].nunique() == 2


def test_periods_labels_weeks_by_monday_and_keeps_undated_apart():
    labels = periods(pd.Series(["2024-12-01", "2024-12-02", "", "not a date"]), "W")
    assert labels.tolist() == ["2024-11-25", "2024-12-02", "undated", "undated"]
    with pytest.raises(ValueError, match="freq"):
        periods(pd.Series(["2024-12-01"]), "fortnight")


def test_checks_sentence_counts_what_can_be_checked(sample_tables, generated_tables):
    arts = sample_tables["articles"]
    text = str(ch1.checks_sentence("pages", arts, sample_tables["unattributed_headlines"], sample_tables["captions"]))
    assert "headlines attributed to no article: 0" in text
    assert "articles without a headline: 2 (22 %)" in text
    by_issue = int((arts["date_basis"] == "issue").sum())
    assert f"dated by their issue rather than a dateline: {by_issue}" in text
    assert "captions attached by position rather than by shared words: 1" in text
    gen = generated_tables["articles"]
    short = int((gen["n_chars"] < ch1.SHORT_ARTICLE).sum())
    text = str(ch1.checks_sentence("table", gen, generated_tables["unattributed_headlines"],
                                   generated_tables["captions"]))
    assert "not segmented here" in text and f"(on an article table, a notice or a brief, or a record whose text was " \
        f"not collected): {short}" in text
    assert "continuation from another page" not in text  # the causes of short page text are not claimed for a table
    pages_text = str(ch1.checks_sentence("pages", arts, sample_tables["unattributed_headlines"], sample_tables["captions"]))
    assert "(a fragment, a continuation from another page, or a caption read as text)" in pages_text
    assert "attributed to no article" not in text  # an article table has no headlines to attribute


def test_length_figure_is_a_histogram_for_many_articles(generated_tables):
    arts = generated_tables["articles"]
    assert len(arts) > ch1.MAX_LENGTH_BARS
    assert "histogram" in str(ch1.lengths_sentence(arts, histogram=True))
    caption, alt = ch1.lengths_caption(arts, histogram=True)
    assert f"{len(arts)} articles" in alt and "Histogram" in alt


def test_figures_draw_without_warnings_and_thin_their_ticks(generated_tables):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from analysis.figures import plot_articles_per_period, plot_cluster_map, plot_cluster_shares, plot_length_histogram

    ctx, arts = _ctx(generated_tables), generated_tables["articles"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_articles_per_period(period_summary(arts, "M"), "month")  # 48 months
        assert 1 < len([t for t in ax.get_xticklabels() if t.get_text()]) <= 12
        plt.close(ax.figure)
        ax = plot_length_histogram(arts)
        assert len(ax.patches) >= 10
        plt.close(ax.figure)
        tables = generated_tables
        sizes = cluster_period_shares(tables["clusters"], arts, ctx.bin)
        ax = plot_cluster_shares(sizes, tables["cluster_terms"], ctx.bin_name)
        assert len(ax.get_legend().get_texts()) == tables["clusters"]["cluster"].nunique()
        plt.close(ax.figure)
        ax = plot_cluster_map(tables["clusters"], tables["cluster_terms"], arts, tables["representative_articles"])
        # Above MAP_LABEL_ALL articles only one article per cluster is labelled.
        assert len(ax.texts) == tables["clusters"]["cluster"].nunique()
        plt.close(ax.figure)


def test_repair_examples_still_finds_every_sample_repair():
    repairs = repair_examples(corpus_pages())
    assert list(repairs["repair"]) == ["name wrapped across lines joined", "justification spaces removed",
                                       "space between digits and characters removed",
                                       "vertical headline reassembled", "doubled bold caption collapsed"]
    assert "5 kinds of repair" in str(ch1.repairs_sentence("pages", repairs))


# --------------------------------------------------------------------------- chapter 4


def test_build_writes_the_tables_chapter_4_reads(sample_tables, generated_tables):
    for tables in (sample_tables, generated_tables):
        ids = set(tables["clusters"]["article_id"])
        assert set(tables["nmf_articles"]["article_id"]) == ids
        assert set(tables["representative_articles"]["article_id"]) <= ids
        k = tables["clusters"]["cluster"].nunique()
        assert tables["nmf_terms"]["topic"].nunique() == k
        items = dict(zip(tables["tfidf_summary"]["item"], tables["tfidf_summary"]["value"]))
        assert int(items["articles"]) == len(tables["articles"])


def test_topic_summary_on_generated_corpus(generated_tables):
    t = generated_tables
    ctx = _ctx(t)
    pairs = nmf_partition(t["clusters"], t["nmf_articles"])
    from analysis.topics.model import partition_agreement
    agreement = partition_agreement(pairs["cluster"], pairs["topic"])
    text = str(ch4.summary(ctx, t["clusters"], t["cluster_terms"], t["topic_selection"], agreement))
    k = t["clusters"]["cluster"].nunique()
    chosen = t["topic_selection"].loc[t["topic_selection"]["chosen"]].iloc[0]
    assert f"**{k} clusters**" in text and int(chosen["k"]) == k
    assert f"({float(chosen['silhouette']):.3f}:" in text
    assert PAPER in text and ctx.span in text
    largest = t["clusters"]["cluster"].value_counts()
    assert f"cluster {largest.idxmax()} (" in text and f"{largest.max()} articles" in text
    ari = float(agreement.set_index("measure").loc["adjusted_rand_index", "value"])
    assert f"adjusted Rand index of {ari:.2f}" in text
    for phrase in SAMPLE_ONLY:
        assert phrase not in text, phrase


def test_selection_sentence_flags_a_k_at_the_edge_and_a_narrow_win():
    edge = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.05, 0.08, 0.1], "inertia": [3.0, 2.0, 1.0],
                         "smallest_cluster": [5, 4, 1], "chosen": [False, False, True]})
    text = str(ch4.selection_sentence(edge))
    assert "k = 4" in text and "largest tried" in text and "single article" in text
    assert "no substantial structure" in text
    narrow = edge.assign(silhouette=[0.61, 0.6, 0.2], chosen=[True, False, False])
    text = str(ch4.selection_sentence(narrow))
    assert "0.010 lower" in text and "weak evidence" in text and "largest tried" not in text
    assert "reasonable structure" in text


def test_selection_sentence_says_when_the_largest_cluster_set_k_aside_and_when_the_range_grew():
    # k = 3 has the best silhouette but one cluster of 70%; k = 4 is within 10% and eligible: kept.
    table = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.20, 0.30, 0.28], "inertia": [3.0, 2.0, 1.0],
                          "smallest_cluster": [5, 4, 3], "n_articles": [90, 90, 90],
                          "chosen": [False, False, True], "largest_share": [0.8, 0.7, 0.3],
                          "eligible": [False, False, True], "extended": [False, False, False],
                          "at_edge": [False, False, False]})
    text = str(ch4.selection_sentence(table))
    assert "highest mean silhouette, 0.300, is at k = 3" in text and "holds 70% of the articles" in text
    assert "k = 4 (0.280, within 10% of it)" in text and "is kept" in text and "largest tried" not in text
    # The best k kept although its largest cluster is large: said, with the reason.
    kept = table.assign(chosen=[False, True, False], eligible=[False, False, False])
    assert "no k with none over 33% came within 10%" in str(ch4.selection_sentence(kept))
    # An extended range that found its peak inside it, and one still rising at its top.
    grown = table.assign(extended=[False, True, True])
    text = str(ch4.selection_sentence(grown))
    assert "extended to k = 4" in text and "still the largest tried" not in text
    edge = grown.assign(at_edge=True)
    assert "still the largest tried (k = 4)" in str(ch4.selection_sentence(edge))
    assert list(ch4.selection_view(table).columns) == ch4.SELECTION_SHOWN


def test_sizes_by_period_shares_and_trend(generated_tables):
    t = generated_tables
    ctx = _ctx(t)
    sizes = cluster_period_shares(t["clusters"], t["articles"], ctx.bin)
    assert sizes["n_articles"].sum() == len(t["clusters"])
    shares = sizes.groupby("period")["share"].sum()
    assert ((shares - 1).abs() < 1e-3).all()
    per_period = period_summary(t["articles"], ctx.bin).set_index("period")["articles"]
    assert sizes.groupby("period")["n_articles"].sum().equals(per_period.rename("n_articles").rename_axis("period")) \
        or (sizes.groupby("period")["n_articles"].sum().values == per_period.values).all()
    text = str(ch4.trend_sentence(ctx, sizes, t["cluster_terms"]))
    assert re.search(r"(chi-square test of clusters against quarters gives p = |Too few articles)", text)
    assert "The largest change between the first and the last third of the quarters: cluster" in text


def test_trend_sentence_refuses_two_periods(sample_tables):
    t = sample_tables
    ctx = _ctx(t)
    sizes = cluster_period_shares(t["clusters"], t["articles"], ctx.bin)
    assert "no trend can be read" in str(ch4.trend_sentence(ctx, sizes, t["cluster_terms"]))


def test_map_agreement_and_agreement_sentence(sample_tables):
    toy = pd.DataFrame({"article_id": list("abcd"), "cluster": [0, 0, 1, 1], "x": [0, 0.1, 1, 1.1],
                        "y": [0, 0.1, 1, 0.9]})
    assert map_agreement(toy) == 1.0
    assert map_agreement(toy.assign(cluster=[0, 1, 0, 1])) == 0.5
    t = sample_tables
    pairs = nmf_partition(t["clusters"], t["nmf_articles"])
    crosstab = pd.crosstab(pairs["cluster"], pairs["topic"])
    from analysis.topics.model import partition_agreement
    text = str(ch4.agreement_sentence(partition_agreement(pairs["cluster"], pairs["topic"]), crosstab))
    best = max(crosstab.values.trace(), crosstab.values[::-1].trace()) if crosstab.shape == (2, 2) else None
    assert f"{best} of {len(pairs)} articles" in text


def test_one_article_corpus_skips_topics_with_a_sentence(generated_folder, tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    rows = pd.read_csv(generated_folder / "articles.csv", dtype=str, keep_default_na=False).head(1)
    rows.to_csv(folder / "articles.csv", index=False)
    shutil.copyfile(generated_folder / "corpus.toml", folder / "corpus.toml")  # no leaders.csv
    tables = _build(tmp_path / "build", folder)
    assert "clusters" not in tables
    ctx = _ctx(tables)
    text = str(ch4.skipped(ctx, tables["articles"]))
    assert "skipped topic clustering" in text and "1 article;" in text and PAPER in text
    assert "No clusters" in str(ch4.limits(ctx, None, None))
    summary = str(ch1.summary(ctx, tables["articles"], kind=_kind(tables)))
    assert "1 article of the" in summary and "1 issue of" in summary and ctx.first_date in summary
    assert "the middle half" not in summary  # no quartiles of one value
    by_period = period_summary(tables["articles"], ctx.bin)
    assert "covers one date" in str(ch1.periods_sentence(ctx, by_period))
    assert "all articles fall in one day" in str(ch1.periods_sentence(ctx, by_period))
    assert str(ch1.lengths_sentence(tables["articles"], histogram=False)).startswith("The one article has")


def test_selection_sentence_warns_when_the_search_hung_on_a_hair():
    # The development corpus: k = 12 ahead of k = 11 by 0.0001 decided the extension (and so k = 28).
    ks = list(range(2, 13)) + list(range(14, 25, 2))
    sil = [0.02 + k / 1000 for k in range(2, 11)] + [0.0413, 0.0414] + [0.04 + k / 1000 for k in range(14, 25, 2)]
    table = pd.DataFrame({"k": ks, "silhouette": sil, "n_articles": 10_000, "smallest_cluster": 50, "largest_share": 0.2,
                          "extended": [k > 12 for k in ks],
                          "chosen": [k == 24 for k in ks]})
    text = str(ch4.selection_sentence(table))
    assert "extended past k = 12 because it scored 0.0001 above the best smaller k" in text
    # A clear lead: no warning.
    clear = table.assign(silhouette=[s if k != 12 else 0.06 for k, s in zip(ks, sil)])
    assert "extended past" not in str(ch4.selection_sentence(clear))
    # The edited corpus: k = 11 ahead by a hair, the search ended at 12.
    first = table[~table["extended"]].assign(silhouette=sil[:9] + [0.0414, 0.0413],
                                             chosen=[k == 9 for k in range(2, 13)])
    assert "ended at k = 12, whose silhouette was 0.0001 below the best" in str(ch4.selection_sentence(first))
    # Ended far below the best: no warning.
    peaked = first.assign(silhouette=[0.3 - abs(k - 6) / 50 for k in range(2, 13)])
    assert "ended at" not in str(ch4.selection_sentence(peaked))
