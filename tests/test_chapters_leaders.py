"""Chapter 3's prose (analysis.book.chapters.leaders) and the leader tables it shows (analysis.leaders), on
the sample and on a generated corpus.

The tables are made with the functions ``analysis.build.build_tables`` uses
(registry, mentions, discovered officials), without the slow topic step.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.book.chapters import context
from analysis.book.chapters import leaders as chapter
from analysis.build import build_info_table
from analysis.corpus.folder import Corpus
from analysis.corpus.read import read_corpus
from analysis.errors import InputError
from analysis.figures.leaders import plot_kinds, plot_timelines
from analysis.leaders.tables import (ACTIVITY_KINDS, activity, busiest_period, issue_gaps, kind_series,
                                     mention_counts, order_changes, out_of_term, prominence, protocol_sequences,
                                     successions, title_changes, title_timeline, trace)
from analysis.leaders.validation import annotation_sample, recall_interval, validate
from analysis.paths import DATA_DIR
from analysis.perarticle.mentions import KINDS, discover_officials, empty_registry, leader_mentions, load_registry
from analysis.synthetic import generate_corpus

SAMPLE_ONLY = ("兴安盟", "丰台", "in the sample pages", "On the sample pages", "two pages", "王少峰")


def _tables(folder, articles, registry):
    mentions = leader_mentions(articles, registry=registry)
    discovered = discover_officials(articles, registry=registry)
    ctx = context(build_info_table(Corpus(folder), articles).iloc[0].to_dict())
    return {"ctx": ctx, "articles": articles, "registry": registry, "mentions": mentions, "discovered": discovered}


@pytest.fixture(scope="module")
def sample(articles):
    return _tables(DATA_DIR, articles, load_registry(DATA_DIR / "leaders.csv"))


@pytest.fixture(scope="module")
def generated_folder(tmp_path_factory):
    return generate_corpus(tmp_path_factory.mktemp("gen"), n_articles=320, start="2019-01-01", end="2022-12-31")


@pytest.fixture(scope="module")
def generated(generated_folder):
    articles = read_corpus(articles=generated_folder / "articles.csv", paper="长河报", cache=False).articles
    return _tables(generated_folder, articles, load_registry(generated_folder / "leaders.csv"))


@pytest.fixture(scope="module")
def unregistered(generated_folder, generated):
    """The generated corpus without its leaders.csv: no registry."""
    return {**_tables(generated_folder, generated["articles"], empty_registry()),
            "ctx": generated["ctx"]}


def _all_prose(t, validation) -> str:
    ctx, reg, m, a, d = t["ctx"], t["registry"], t["mentions"], t["articles"], t["discovered"]
    counts = chapter.timeline_counts(m, a, ctx)
    outside, rule = out_of_term(m, reg), chapter.term_rule(m)
    parts = [
        chapter.summary(ctx, reg, m, d, validation), chapter.registry_text(reg), chapter.mentions_text(m),
        chapter.validation_text(validation), chapter.timeline_text(counts, ctx, reg),
        chapter.prominence_text(prominence(m), reg), chapter.titles_text(title_timeline(m), reg),
        chapter.national_text(m, reg), chapter.protocol_text(protocol_sequences(m), order_changes(m), reg),
        chapter.out_of_term_text(outside, rule, m, reg), chapter.discovery_text(d, reg),
        chapter.limits_text(ctx, reg, m, d, validation, counts),
    ]
    return "\n".join(p.markdown for p in parts)


# --------------------------------------------------------------------------- time bins

@pytest.mark.parametrize("freq", ["W", "M"])
@pytest.mark.parametrize("per", ["raw", "issue", "article"])
def test_the_chapter_s_counts_are_the_default_counts_for_weeks_and_months(sample, freq, per):
    # The chapter counts own activity (ACTIVITY_KINDS); the default kinds are the same on the sample.
    mine = mention_counts(sample["mentions"], sample["articles"], freq=freq, per=per, kinds=ACTIVITY_KINDS)
    theirs = mention_counts(sample["mentions"], sample["articles"], freq=freq, per=per)
    assert list(mine.index) == list(theirs.index)
    assert list(mine.columns) == list(theirs.columns)
    np.testing.assert_allclose(mine.to_numpy(), theirs.to_numpy(), equal_nan=True)


def test_mention_counts_by_quarter_and_year_keep_gaps_apart_from_zeros():
    articles = pd.DataFrame({"issue_date": ["2020-01-07", "2020-01-10", "2020-07-03", "2021-02-02"],
                             "source": ["a.csv"] * 4})
    mentions = pd.DataFrame({"issue_date": ["2020-01-07", "2020-01-10", "2021-02-02"],
                             "name": ["林国栋", "林国栋", "周卫民"], "kind": ["coverage", "ritual", "title-only"]})
    quarters = mention_counts(mentions, articles, freq="Q", per="issue", kinds=ACTIVITY_KINDS)
    assert list(quarters.index) == ["2020Q1", "2020Q2", "2020Q3", "2020Q4", "2021Q1"]
    assert quarters.loc["2020Q1", "林国栋"] == 0.5          # one coverage mention over two issues; ritual left out
    assert math.isnan(quarters.loc["2020Q2", "林国栋"])      # no issue: a gap
    assert quarters.loc["2020Q3", "林国栋"] == 0.0           # an issue, no mention: a zero
    years = mention_counts(mentions, articles, freq="Y", kinds=ACTIVITY_KINDS)
    assert years.to_dict() == {"林国栋": {"2020": 1.0, "2021": 0.0}, "周卫民": {"2020": 0.0, "2021": 1.0}}
    days = mention_counts(mentions, articles.iloc[:2], freq="D", kinds=ACTIVITY_KINDS)
    assert list(days.index) == ["2020-01-07", "2020-01-08", "2020-01-09", "2020-01-10"]
    assert issue_gaps(articles.iloc[:2], "D").tolist() == [False, True, True, False]
    with pytest.raises(ValueError, match="freq"):
        mention_counts(mentions, articles, freq="H", kinds=ACTIVITY_KINDS)


def test_kind_series_on_the_generated_corpus_are_citations_only(generated):
    ctx = generated["ctx"]
    assert ctx.bin == "Q"
    table = kind_series(generated["mentions"], generated["articles"], freq=ctx.bin)
    assert list(table.columns) == list(KINDS)
    assert len(table) == 16 and table.index[0] == "2019Q1"
    assert table[["ritual", "doctrine"]].to_numpy().sum() > 0
    assert table[["coverage", "title-only", "foreign"]].to_numpy().sum() == 0


# --------------------------------------------------------------------------- prose: three situations

def test_sample_summary_reports_precision_and_recall_against_gold(sample):
    v = validate(sample["registry"], sample["mentions"], sample["articles"],
                         gold_path=DATA_DIR / "gold_mentions.csv")
    assert v.state == "gold" and v.n == 47
    assert v.precision == 1.0 and v.recall == 1.0
    assert set(v.table["kind"]) == {"coverage", "ritual", "foreign", "all"}
    text = chapter.summary(sample["ctx"], sample["registry"], sample["mentions"], sample["discovered"], v).markdown
    assert "丰台报" in text and "**47** mentions" in text and "precision is 100% and recall 100%" in text
    assert "王少峰 (6)" in text
    assert "succession" not in text  # the sample's posts all start on their first attestation


def test_generated_summary_names_its_officials_dates_and_says_unvalidated(generated):
    v = validate(generated["registry"], generated["mentions"], generated["articles"])
    assert v.state == "unvalidated"
    text = _all_prose(generated, v)
    summary = chapter.summary(generated["ctx"], generated["registry"], generated["mentions"],
                              generated["discovered"], v).markdown
    dates = generated["articles"]["issue_date"]
    assert generated["ctx"].span == f"{dates.min()} to {dates.max()}" and dates.min() < "2019-02" < "2022-12" < dates.max()
    assert f"The 长河报 corpus (320 articles, {generated['ctx'].span})" in summary
    assert "林国栋 → 周卫民 as 区委书记 (2021-07-01" in summary
    assert "沈志远 → 梁思齐 as 区长 (2022-04-01" in summary
    assert "**unvalidated**" in summary
    assert "python -m analysis annotate" in text and "python -m analysis build" in text
    for phrase in SAMPLE_ONLY:
        assert phrase.lower() not in text.lower(), phrase


def test_successions_and_title_changes_of_the_generated_registry(generated):
    table = successions(generated["registry"], generated["mentions"])
    assert table[["before", "after", "date"]].values.tolist() == [
        ["林国栋", "周卫民", "2021-07-01"], ["沈志远", "梁思齐", "2022-04-01"]]
    first = table.iloc[0]
    assert first["last_before"] <= "2021-06-30" < "2021-07-01" <= first["first_after"]
    changes = title_changes(title_timeline(generated["mentions"]))
    assert changes["name"].tolist() == ["周卫民"]
    assert changes["sequence"].iloc[0].startswith("区委副书记 (") and "→ 区委书记 (" in changes["sequence"].iloc[0]
    assert changes["changed"].tolist() == [True]


def test_titles_printed_side_by_side_are_not_a_sequence():
    """A national leader's posts are printed over the same years: listed with ；, not chained with →, and the
    chapter does not call them a change of title; a title printed only after the others stopped is one."""
    titles = pd.DataFrame({
        "name": ["甲"] * 3 + ["乙"] * 2, "title": ["总书记", "国家主席", "中央军委主席", "市委书记", "政治局常委"],
        "count": [9, 8, 7, 1, 5], "written": [""] * 5,
        "first_date": ["2022-01-01", "2022-01-01", "2022-01-21", "2022-03-05", "2022-10-23"],
        "last_date": ["2026-08-21", "2026-08-21", "2026-07-31", "2022-03-05", "2026-08-17"]})
    changes = title_changes(titles)
    assert changes.set_index("name")["changed"].to_dict() == {"甲": False, "乙": True}
    assert "→" not in changes.set_index("name").loc["甲", "sequence"]
    assert changes.set_index("name").loc["乙", "sequence"] == "市委书记 (2022-03-05–2022-03-05) → 政治局常委 (2022-10-23–2026-08-17)"
    registry = pd.DataFrame({"name": ["甲", "乙"], "post": ["总书记", "市委书记"]})
    text = chapter.titles_text(titles, registry).markdown
    assert "For 1 of them a title is first printed after every earlier one" in text
    assert "The others' titles overlap in time" in text
    alone = chapter.titles_text(titles[titles["name"] == "甲"], registry).markdown
    assert "For 0 of them" in alone and "Their titles overlap in time" in alone


def test_no_registry_shows_discovered_officials_and_empty_sections(unregistered):
    t = unregistered
    assert t["mentions"].empty and len(t["discovered"]) > 0
    assert {"林国栋", "周卫民"} <= set(t["discovered"]["name"])
    v = validate(t["registry"], t["mentions"], t["articles"])
    assert v.state == "no-registry"
    text = _all_prose(t, v)
    assert "has no registry" in text and "python -m analysis registry-template" in text
    assert "No registry, so no timelines: this section is empty." in text
    assert "No registry, so no prominence counts" in text and "No registry, so no roll calls" in text
    assert str(len(t["discovered"])) in chapter.summary(t["ctx"], t["registry"], t["mentions"], t["discovered"],
                                                        v).markdown
    for phrase in SAMPLE_ONLY:
        assert phrase.lower() not in text.lower(), phrase
    counts = mention_counts(t["mentions"], t["articles"], freq="Q", per="issue", kinds=ACTIVITY_KINDS)
    assert plot_timelines(counts) is None
    assert plot_kinds(kind_series(t["mentions"], t["articles"], freq="Q")) is None
    assert chapter.figure(None, "fig-x", "caption", "alt text here", "Nothing to draw.").markdown == "Nothing to draw."


def test_marked_annotation_gives_precision_and_recall_with_intervals(generated, tmp_path):
    sample = annotation_sample(generated["articles"], generated["mentions"], n=60, registry=generated["registry"])
    assert set(sample["kind"]) >= {"coverage", "ritual"}
    # Mark every mention correct but the first two coverage rows; every rejected hit a true miss.
    sample["correct"] = np.where(sample["candidate"] == "mention", "yes", "yes")
    wrong = sample.index[sample["kind"] == "coverage"][:2]
    sample.loc[wrong, "correct"] = "no"
    path = tmp_path / "annotated_mentions.csv"
    sample.to_csv(path, index=False)
    v = validate(generated["registry"], generated["mentions"], generated["articles"], annotation_path=path)
    assert v.state == "annotation" and v.n == len(sample)
    # Overall precision weights each kind by its population (the strata are sampled equally).
    mentions = sample[sample["candidate"] == "mention"]
    population = mentions.groupby("kind")["note"].first().str.extract(r"population=(\d+)")[0].astype(float)
    share = mentions.groupby("kind")["correct"].apply(lambda c: (c == "yes").mean())
    assert v.precision == pytest.approx((share * population).sum() / population.sum())
    assert v.precision < (len(mentions) - 2) / len(mentions)  # the errors sit in the largest stratum
    assert v.precision_ci[0] < v.precision < v.precision_ci[1] <= 1
    if (sample["kind"] == "rejected").any():
        assert v.recall < 1
    assert v.recall_ci[0] <= v.recall <= v.recall_ci[1]
    assert list(v.table.columns)[:4] == ["kind", "population", "marked", "correct"]
    text = chapter.validation_text(v).markdown
    assert "annotated_mentions.csv" in text and "95% interval" in text
    assert "weights each kind's precision by its number of mentions" in text and "习主席" in text
    assert "weighted by how common each kind" in chapter.validation_phrase(v)
    assert "hand-marked sample" in chapter.validation_phrase(v)

    sample["correct"] = ""
    sample.to_csv(path, index=False)
    unmarked = validate(generated["registry"], generated["mentions"], generated["articles"],
                                annotation_path=path)
    assert unmarked.state == "unmarked"
    assert "none of its rows is marked" in chapter.validation_text(unmarked).markdown

    sample.loc[sample.index[3], "correct"] = "maybe"
    sample.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"annotated_mentions.csv, line 5: correct is 'maybe'"):
        validate(generated["registry"], generated["mentions"], generated["articles"], annotation_path=path)


def test_recall_interval_is_nan_without_marks_and_brackets_the_estimate():
    a = pd.DataFrame({"kind": ["coverage"] * 4 + ["rejected"] * 2, "correct": ["yes", "yes", "yes", "no", "yes", "no"],
                      "note": ["population=100"] * 4 + ["population=50"] * 2})
    low, high = recall_interval(a)
    point = (0.75 * 100) / (0.75 * 100 + 0.5 * 50)
    assert 0 < low < point < high < 1
    assert all(math.isnan(x) for x in recall_interval(a.assign(correct="")))


# --------------------------------------------------------------------------- sections

def test_out_of_term_with_and_without_the_in_term_column():
    registry = pd.DataFrame({"name": ["林国栋", "林国栋"], "start": ["2019-01-01", "2022-01-01"],
                             "end": ["2020-12-31", ""]})
    mentions = pd.DataFrame({"name": ["林国栋", "林国栋", "林国栋", "Ana"], "title": ["区委书记"] * 3 + [""],
                             "date": ["2020-05-05", "2021-06-01", "2022-03-01", "2021-06-01"],
                             "kind": ["coverage", "coverage", "title-only", "foreign"], "location": ["body"] * 4,
                             "position": ["区委书记"] * 3 + [""], "context": ["…"] * 4,
                             "source": ["a.csv"] * 4, "line": [2, 3, 4, 5]})
    outside, rule = out_of_term(mentions, registry), chapter.term_rule(mentions)
    assert rule == "registry" and outside["date"].tolist() == ["2021-06-01"]  # the foreign visitor is not a post
    flagged = mentions.assign(in_term=[True, True, False, True], title_raw=["丰台区委书记", "", "", ""])
    outside, rule = out_of_term(flagged, registry), chapter.term_rule(flagged)
    assert rule == "in_term" and outside["date"].tolist() == ["2022-03-01"] and "title_raw" in outside.columns
    outside = out_of_term(flagged.assign(in_term=["yes", "no", "yes", "no"]), registry)
    assert outside["date"].tolist() == ["2021-06-01"]
    text = chapter.out_of_term_text(outside, "in_term", flagged, registry).markdown
    assert text.startswith("1 of the 4 mentions fall outside") and "林国栋 (1)" in text


def test_sample_sections_name_what_the_pages_show(sample):
    reg, m = sample["registry"], sample["mentions"]
    assert chapter.trace_name(reg, m) == "高峰"  # a common-word name, anchored by titles
    assert "needs_anchor" in chapter.registry_text(reg).markdown
    assert chapter.prominence_text(prominence(m), reg).markdown.startswith("None of the 24 persons")
    assert "no change of rank" in chapter.protocol_text(protocol_sequences(m), order_changes(m), reg).markdown
    counts = chapter.timeline_counts(m, sample["articles"], sample["ctx"])
    period = busiest_period(counts, "高峰")
    lines = trace(m, sample["articles"], name="高峰", kind=ACTIVITY_KINDS, period=period, freq=sample["ctx"].bin,
                  in_term=True)
    assert lines["line"].tolist() == [115, 204, 210]
    assert "10 of them without any issue" in chapter.timeline_text(counts, sample["ctx"], reg).markdown


def test_plots_draw_without_warnings_even_with_one_period(generated, sample):
    import matplotlib.pyplot as plt

    one = generated["articles"].iloc[[3]]
    mentions = generated["mentions"][generated["mentions"]["article_id"].isin(one["article_id"])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for m, a in ((mentions, one), (sample["mentions"], sample["articles"])):
            counts = mention_counts(m, a, freq="D", per="issue", kinds=ACTIVITY_KINDS)
            fig = plot_timelines(counts)
            if activity_named := int(activity(m)["name"].nunique()):
                assert len(fig.axes) == min(8, activity_named)
            else:
                assert fig is None
            plt.close("all")
        fig = plot_kinds(kind_series(sample["mentions"], sample["articles"], freq="W"))
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert labels == ["coverage", "ritual"]
        plt.close("all")


def test_linkable_blanks_rows_without_a_line():
    frame = chapter.linkable(pd.DataFrame({"source": ["articles.csv"] * 2, "line": [0, 12]}))
    assert frame["line"].isna().tolist() == [True, False]
    from analysis.book.helpers import show_table

    assert "articles.csv:12" in str(show_table(frame))


def test_a_default_registry_is_named_where_it_is_used(sample):
    """A corpus without leaders.csv counts with data/defaults/leaders.csv: chapter 3 says so (issue 20.2)."""
    import dataclasses

    reg, ctx = sample["registry"], sample["ctx"]
    own = chapter.registry_text(reg, dataclasses.replace(ctx, defaulted_facts=())).markdown
    default = chapter.registry_text(reg, dataclasses.replace(ctx, defaulted_facts=("leaders",))).markdown
    assert "data/defaults/leaders.csv" not in own
    assert default.startswith("This corpus brings no `leaders.csv` of its own") and "data/defaults/leaders.csv" in default
    titles = chapter.registry_text(reg, dataclasses.replace(ctx, defaulted_facts=("titles", "gold"))).markdown
    assert "`data/defaults/leader_titles.csv`" in titles and "leader_phrases" not in titles


def test_a_default_stopword_list_is_named_where_terms_are_ranked(sample):
    import dataclasses

    from analysis.book.chapters import terms

    tf = pd.DataFrame({"term": ["发展"], "count": [3], "rate_per_10k": [30.0], "doc_freq": [2], "n_docs": [2],
                       "n_tokens": [1000]})
    plain = terms.top_terms_text(tf, dataclasses.replace(sample["ctx"], defaulted_facts=())).markdown
    flagged = terms.top_terms_text(tf, dataclasses.replace(sample["ctx"], defaulted_facts=("stopwords",))).markdown
    assert "data/defaults" not in plain and "`data/defaults/stopwords.csv`" in flagged
