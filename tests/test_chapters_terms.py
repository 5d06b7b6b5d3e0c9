"""Chapter 2's prose is written from the tables: the sample's and a generated corpus's own numbers.

The sample tables are built from the real sample pages; the generated corpus
(:mod:`analysis.synthetic`, a fictional 长河报 over two years) checks that
nothing the chapter says is tied to the sample: its summary names that
corpus's top terms, dates and periods, and no sample-only sentence appears.
"""
from __future__ import annotations

import dataclasses

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import oracles  # noqa: E402
from analysis.aggregate.frequency import (keyness_split, period_leaders, period_term_frequency,  # noqa: E402
                                          split_keyness, trend_matrix)
from analysis.book.chapters import context, sample_note  # noqa: E402
from analysis.book.chapters import terms  # noqa: E402
from analysis.build import build  # noqa: E402
from analysis.corpus.folder import Corpus  # noqa: E402
from analysis.corpus.periods import UNDATED, period_labels  # noqa: E402
from analysis.figures.terms import plot_keyness, plot_term_periods, plot_top_terms  # noqa: E402
from analysis.settings import Settings  # noqa: E402
from analysis.synthetic import generate_corpus  # noqa: E402
from analysis.tables import Tables  # noqa: E402

#: Phrases that describe the sample pages only (they live in sample notes, never in computed prose).
SAMPLE_ONLY = ["the district's own name", "two sample pages", "丰台", "王少峰", "安娜·帕拉希奥", "京蒙东西部协作"]


def _context(tables):
    return context(tables["build_info"].iloc[0].to_dict())


def _key_terms(tables, articles, split):
    """The chapter's keyness, as the notebook computes it: from the per-article dataset."""
    return split_keyness(terms.term_counts(tables), terms.article_sizes(tables, articles), split)


def _key_terms_from_tokens(articles, tokens, split):
    """The same table from the tokens table, by the pandas reference (tests/oracles.py)."""
    dated = split["mask"] | split["reference_mask"]
    key = oracles.keyness(articles[dated].reset_index(drop=True), tokens, split["mask"][dated])
    return key.assign(articles_behind=key["n_articles"].astype("int64"),
                      largest_article_share=key["top_article_share"].astype(float).fillna(0.0))


def _by_period(tables, articles, code, tokens=None):
    """Term frequencies by period as the notebook computes them; with ``tokens``, the sizes from the tokens
    table instead of the per-article dataset."""
    if tokens is None:
        sizes = terms.article_sizes(tables, articles)
    else:
        by_id = dict(zip(tokens["article_id"].astype(str), (len(t) for t in tokens["tokens"])))
        sizes = articles[["article_id", "issue_date"]].astype(str).assign(
            n_tokens=lambda f: f["article_id"].map(by_id).fillna(0).astype("int64"))
    return period_term_frequency(tables["term_frequency_by_issue"], sizes, code)


def _chapter_text(tables) -> str:
    """Every computed paragraph of the chapter, joined (what a reader sees as prose)."""
    ctx = _context(tables)
    arts, tf = tables["articles"], tables["term_frequency"]
    split = keyness_split(arts, ctx.bin)
    key = _key_terms(tables, arts, split) if split else None
    period_tf = _by_period(tables, arts, ctx.bin)
    term, why = terms.concordance_term(tf, tables["registry"])
    parts = [
        terms.summary(tables, ctx, key, split), terms.top_terms_text(tf, ctx),
        terms.periods_text(period_leaders(period_tf), ctx), terms.collocations_text(tables["collocations"]),
        terms.trigrams_text(tables["trigrams"], ctx.n_articles),
        terms.formulations_text(tables["formulations"], ctx.n_articles), terms.keyness_text(key, split, ctx),
        terms.concordance_text(term, why, 3, 2, 3), terms.limits(tables, ctx, split),
        sample_note("the district's own name", ctx),
    ]
    return "\n".join(p.markdown for p in parts)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    # The builds' caches in a private build folder, given as the corpora's settings.
    return Settings(build_dir=tmp_path_factory.mktemp("terms_build"))


@pytest.fixture(scope="module")
def sample_tables(settings, tmp_path_factory):
    # As the chapter reads them: the build's Parquet files.
    out = tmp_path_factory.mktemp("sample_out") / "tables"
    build(out, Corpus(settings=settings))
    return Tables(out)


@pytest.fixture(scope="module")
def generated_tables(settings, tmp_path_factory):
    folder = generate_corpus(tmp_path_factory.mktemp("gen"), n_articles=240, start="2020-01-01", end="2021-12-31")
    out = tmp_path_factory.mktemp("gen_out") / "tables"
    build(out, Corpus(folder / "articles.csv", settings=settings))
    return Tables(out)


# --------------------------------------------------------------------------- periods and keyness split

def test_period_labels_follow_the_bin():
    # One labeller for the package (analysis.corpus.periods): an undated article is "undated", never "".
    dates = pd.Series(["2021-12-31", "2020-01-03", ""])
    assert period_labels(dates, "Q").tolist() == ["2021Q4", "2020Q1", UNDATED]
    assert period_labels(dates, "Y").tolist() == ["2021", "2020", UNDATED]
    # A Friday's week starts on the Monday before it.
    assert period_labels(pd.Series(["2024-03-29"]), "W").tolist() == ["2024-03-25"]


def test_keyness_split_is_latest_period_not_latest_issue():
    arts = pd.DataFrame({"issue_date": ["2020-01-03", "2020-05-05", "2020-11-03", "2020-12-29", ""]})
    split = keyness_split(arts, "Q")
    # Two issues in 2020Q4 form the target; the undated article is in neither side.
    assert split["target"] == "2020Q4"
    assert split["mask"].tolist() == [False, False, True, True, False]
    assert split["reference_mask"].tolist() == [True, True, False, False, False]
    assert split["target_dates"] == "2020-11-03 to 2020-12-29"
    assert keyness_split(arts.head(1), "Q") is None


def test_terms_by_period_sums_issues_and_keeps_rates(sample_tables):
    t = sample_tables
    weekly = _by_period(t, t["articles"], "W")
    # The two sample issues fall in two weeks: per-week counts equal per-issue counts.
    by_issue = t["term_frequency_by_issue"]
    dev = weekly[weekly["term"] == "发展"].set_index("period")["count"].to_dict()
    assert dev == {"2024-11-25": 19, "2025-02-10": 23}
    assert dev == dict(zip(["2024-11-25", "2025-02-10"], by_issue[by_issue["term"] == "发展"]["count"]))
    yearly = _by_period(t, t["articles"], "Y")
    assert sorted(yearly["period"].unique()) == ["2024", "2025"]
    # Summed over the periods, counts and sizes are the corpus's.
    assert yearly.groupby("term")["count"].sum().loc["发展"] == 42
    sizes = yearly.groupby("period")["n_tokens"].first()
    assert sizes.sum() == t["term_frequency"]["n_tokens"].iloc[0]
    rate = yearly.set_index(["period", "term"]).loc[("2025", "发展"), "rate_per_10k"]
    assert rate == pytest.approx(23 / sizes.loc["2025"] * 10_000)


def test_key_terms_count_the_articles_behind_each_term(sample_tables):
    t = sample_tables
    split = keyness_split(t["articles"], "W")
    key = _key_terms(t, t["articles"], split).set_index("term")
    # 国防 is printed 11 times, all in one December article (the civil-defence mobilisation report).
    assert key.loc["国防", "key_for"] == "reference"
    assert key.loc["国防", "articles_behind"] == 1
    assert key.loc["国防", "largest_article_share"] == 1.0
    # 北京 is key for February and spread over three of its articles.
    assert key.loc["北京", "key_for"] == "target"
    assert key.loc["北京", "articles_behind"] == 3
    assert key.loc["北京", "largest_article_share"] < 1


def test_keyness_sentence_follows_the_numbers(sample_tables):
    t = sample_tables
    ctx = _context(t)
    split = keyness_split(t["articles"], ctx.bin)
    key = _key_terms(t, t["articles"], split)
    text = terms.keyness_text(key, split, ctx).markdown
    n_strong = int((key["g2"] >= terms.G2_P001).sum())
    assert f"{n_strong} terms differ at p < 0.001" in text
    assert "No term differs" not in text and "no difference" not in text.lower()
    assert "国防" in text and "single article" in text  # carried by one article: said
    assert "so few articles" in text  # four articles in the target
    # Without any significant term, the sentence says so and does not claim a finding.
    weak = key.assign(g2=1.0, p_value=0.3)
    weak_text = terms.keyness_text(weak, split, ctx).markdown
    assert "No term differs at p < 0.001" in weak_text and "differ at p" not in weak_text
    assert "one " in terms.keyness_text(None, None, ctx).markdown


def test_concordance_term_is_the_registry_s_most_frequent_name(sample_tables, generated_tables):
    assert terms.concordance_term(sample_tables["term_frequency"], sample_tables["registry"]) == ("王少峰", "registry")
    term, why = terms.concordance_term(generated_tables["term_frequency"], generated_tables["registry"])
    tf = generated_tables["term_frequency"]
    names = set(generated_tables["registry"]["name"])
    assert why == "registry" and term in names
    assert tf.set_index("term").loc[term, "count"] == tf[tf["term"].isin(names)]["count"].max()
    # No registry: the top term.
    assert terms.concordance_term(tf, generated_tables["registry"].head(0)) == (tf["term"].iloc[0], "no-registry")
    assert "no registry" in terms.concordance_text(tf["term"].iloc[0], "no-registry", 5, 2, 5).markdown


# --------------------------------------------------------------------------- prose on two corpora

def test_sample_summary_names_the_sample_s_terms_and_dates(sample_tables):
    ctx = _context(sample_tables)
    split = keyness_split(sample_tables["articles"], ctx.bin)
    key = _key_terms(sample_tables, sample_tables["articles"], split)
    text = terms.summary(sample_tables, ctx, key, split).markdown
    assert "发展 (42)" in text and "2024-12-01 to 2025-02-13" in text
    assert "“两园一河” (3 times in 2 articles)" in text
    assert "the week of 2025-02-10" in text


def test_generated_summary_names_that_corpus(generated_tables):
    t = generated_tables
    ctx = _context(t)
    assert not ctx.is_sample and ctx.bin == "M"
    split = keyness_split(t["articles"], ctx.bin)
    key = _key_terms(t, t["articles"], split)
    text = terms.summary(t, ctx, key, split).markdown
    tf = t["term_frequency"]
    top = tf.iloc[0]
    assert f"{top['term']} ({top['count']:,})" in text
    assert f"{ctx.first_date} to {ctx.last_date}" in text and "长河报" in text
    assert f"the month {t['articles']['issue_date'].max()[:7]}" in text
    formulation = t["formulations"].iloc[0]["formulation"]
    assert f"“{formulation}”" in text


def test_no_sample_only_phrase_on_the_generated_corpus(generated_tables, sample_tables):
    generated = _chapter_text(generated_tables)
    for phrase in SAMPLE_ONLY:
        assert phrase not in generated, phrase
    # The generated corpus brings its own userdict.csv; a corpus without one is told the default stands in.
    ctx = _context(generated_tables)
    assert "own `userdict.csv`" in terms.dictionary_text(pd.DataFrame({"category": ["person"]}), ctx).markdown
    defaulted = dataclasses.replace(ctx, defaulted_facts=ctx.defaulted_facts + ("userdict",))
    assert "default dictionary" in terms.dictionary_text(pd.DataFrame({"category": ["person"]}), defaulted).markdown
    # The sample's own note is there on the sample: the check above can fail.
    assert "the district's own name" in _chapter_text(sample_tables)


def test_prose_numbers_match_the_tables(generated_tables):
    t = generated_tables
    ctx = _context(t)
    tf = t["term_frequency"]
    text = terms.top_terms_text(tf, ctx).markdown
    assert f"{int(tf['n_tokens'].iloc[0]):,} word tokens and {len(tf):,} distinct terms" in text
    period_tf = _by_period(t, t["articles"], ctx.bin)
    n_months = t["articles"]["issue_date"].str.slice(0, 7).nunique()
    assert f"{n_months} months with articles" in terms.periods_text(period_leaders(period_tf), ctx).markdown
    coll = t["collocations"].iloc[0]
    assert f"{coll['w1']}{coll['w2']} ({int(coll['count']):,} times" in terms.collocations_text(t["collocations"]).markdown


def test_one_article_corpus_gives_sentences_not_errors(generated_tables):
    t = generated_tables
    first = t["articles"].head(1)
    ctx = context({**t["build_info"].iloc[0].to_dict(), "n_articles": 1,
                   "first_date": first["issue_date"].iloc[0], "last_date": first["issue_date"].iloc[0]})
    split = keyness_split(first, ctx.bin)
    assert split is None
    assert "not computed" in terms.keyness_text(None, split, ctx).markdown
    tf = t["term_frequency"].assign(n_docs=1, doc_freq=1)
    assert "single article" in terms.top_terms_text(tf, ctx).markdown
    assert "No formulation" in terms.formulations_text(t["formulations"].head(0), 1).markdown
    one_text = terms.formulations_text(t["formulations"].head(2), 1).markdown
    assert "2 formulations found" in one_text and "of the 1 articles" not in one_text
    assert "no terms" in terms.top_terms_text(tf.head(0), ctx).markdown


def test_formulations_text_picks_the_widest_from_the_formulations_it_describes():
    """Issue 19b, item 2: the "most widely used" is not a common word the sentence before excludes; the
    numbered slogans spelled out are counted, not claimed for all."""
    formulas = pd.DataFrame({
        "formulation": ["发展", "两个维护", "四项行动", "十四五"], "kind": ["formulation", "numbered", "numbered", "numbered"],
        "count": [900, 40, 12, 30], "n_articles": [800, 30, 10, 25], "first_issue_date": "2025-01-01",
        "rank_basis": ["common word", "set phrase", "few quotes", "set phrase"], "expansion": ["", "", "甲、乙、丙、丁", ""]})
    text = terms.formulations_text(formulas, 1000).markdown
    assert "“两个维护”, appears in 30 of the 1,000 articles (3%)" in text and "“发展”, appears" not in text
    assert "For 1 of the 3 numbered slogans the corpus itself lists the items" in text
    only_common = terms.formulations_text(formulas.head(1), 1000).markdown
    assert "most widely used" not in only_common
    assert "None of the 3 numbered slogans is spelled out" in terms.formulations_text(
        formulas.assign(expansion=""), 1000).markdown
    assert "source line where the text is published" in terms.concordance_text("发展", "top", 3, 2, 3).markdown


# --------------------------------------------------------------------------- figures

def test_figures_have_english_axis_titles_and_chinese_terms(generated_tables, tmp_path):
    t = generated_tables
    ctx = _context(t)
    tf = t["term_frequency"]
    ax = plot_top_terms(tf, n=12)
    assert ax.get_xlabel() == "Occurrences" and ax.get_title() == ""
    assert [x.get_text() for x in ax.get_yticklabels()][-1] == tf["term"].iloc[0]
    plt.close(ax.figure)
    period_tf = _by_period(t, t["articles"], ctx.bin)
    matrix = trend_matrix(period_tf, terms.trend_terms(period_tf, tf, n=6))
    assert matrix.shape == (6, 24)
    ax = plot_term_periods(matrix, period_name="Month")
    assert ax.get_xlabel() == "Month"
    # Period labels are thinned so 24 months do not overlap.
    assert len([x for x in ax.get_xticklabels() if x.get_text()]) <= 14
    assert not re.search(r"[\u4e00-\u9fff]", ax.get_xlabel() + ax.get_ylabel())
    plt.close(ax.figure)
    split = keyness_split(t["articles"], ctx.bin)
    key = _key_terms(t, t["articles"], split)
    ax = plot_keyness(key, n=5, target=split["target"], reference="earlier")
    assert split["target"] in ax.get_xlabel() and "earlier" in ax.get_xlabel()
    # Height follows the bars drawn.
    assert ax.figure.get_size_inches()[1] == pytest.approx(0.3 * len(ax.patches) + 1.2)
    plt.close(ax.figure)


# --------------------------------------------------------------------------- without the tokens table
# The chapter reads the per-article dataset instead of the whole tokens table:
# every view must be the one the tokens table gives, exactly.

@pytest.fixture(scope="module", params=["sample", "generated"])
def built(request):
    return request.getfixturevalue(f"{request.param}_tables")


def test_key_terms_from_the_dataset_equal_those_from_tokens(built):
    t = built
    arts = t["articles"]
    for code in ("W", "M", "Q"):
        split = keyness_split(arts, code)
        if split is None:
            continue
        before = _key_terms_from_tokens(arts, t["tokens"], split)
        after = _key_terms(t, arts, split)
        assert len(after) > 10
        pd.testing.assert_frame_equal(after, before, check_exact=True)


def test_key_terms_from_the_dataset_leave_undated_articles_out(generated_tables):
    t = generated_tables
    arts = t["articles"].copy()
    arts.loc[arts.index[:7], "issue_date"] = ""  # in neither side, as in a corpus with undated articles
    split = keyness_split(arts, "Q")
    assert split["n_target"] + split["n_reference"] == len(arts) - 7
    pd.testing.assert_frame_equal(_key_terms(t, arts, split),
                                  _key_terms_from_tokens(arts, t["tokens"], split), check_exact=True)


def test_terms_by_period_from_the_dataset_equal_those_from_tokens(built):
    t = built
    for code in ("W", "M", "Y"):
        before = _by_period(t, t["articles"], code, tokens=t["tokens"])
        after = _by_period(t, t["articles"], code)
        assert len(after)
        pd.testing.assert_frame_equal(after, before, check_exact=True)


def test_example_sentence_reads_only_the_scanned_articles(built):
    t = built
    from analysis.tokens import read_user_dictionary

    words = set(read_user_dictionary()["word"]) | set(t["term_frequency"]["term"].head(50))
    before = terms.example_sentence(t, t["articles"], words, tokens=t["tokens"])
    assert before[0] and before[1]
    assert terms.example_sentence(t, t["articles"], words) == before
    # As the chapter loads it: ids and dates only, the texts read for the scanned articles.
    lean = t["articles"][terms.ARTICLE_COLUMNS]
    assert terms.example_sentence(t, lean, words) == before
    # Scanning fewer articles reads fewer tokens and still agrees with the tokens table.
    assert (terms.example_sentence(t, t["articles"], words, scan=5)
            == terms.example_sentence(t, t["articles"], words, tokens=t["tokens"], scan=5))


def test_concordance_lines_equal_kwic_over_every_article(built):
    from analysis.aggregate.frequency import kwic

    t = built
    tf = t["term_frequency"]
    term, _ = terms.concordance_term(tf, t["registry"])
    # The chapter's term, a mid-frequency term and a rare one.
    for word in (term, tf["term"].iloc[len(tf) // 2], tf["term"].iloc[-1]):
        before = kwic(t["articles"], word, t["tokens"], width=14)
        after = terms.concordance_lines(t, t["articles"], word)
        assert len(after) >= 1
        pd.testing.assert_frame_equal(after, before, check_exact=True)
        lean = terms.concordance_lines(t, t["articles"][terms.ARTICLE_COLUMNS], word)
        pd.testing.assert_frame_equal(lean, before, check_exact=True)
    empty = terms.concordance_lines(t, t["articles"], "")
    assert empty.empty and list(empty.columns) == list(kwic(t["articles"].head(0), "", t["tokens"]).columns)


def test_sample_alias_lines_are_in_the_concordance(sample_tables):
    # 丰台 counts 丰台区 too (data/aliases.csv): the articles are found by the term, the lines keep the print.
    lines = terms.concordance_lines(sample_tables, sample_tables["articles"], "丰台")
    assert {"丰台", "丰台区"} <= set(lines["match"])


def test_chapter_tables_leave_the_tokens_out():
    assert "tokens" not in terms.TABLES


def test_keyness_on_the_generated_corpus_is_unchanged(generated_tables):
    from oracles import assert_same, keyness_before

    t = generated_tables
    arts, toks = t["articles"], t["tokens"]
    for target in ((arts["issue_date"] >= "2021-07-01").to_numpy(), {"issue_date": arts["issue_date"].iloc[5]}):
        after = oracles.keyness(arts, toks, target)
        assert_same(after, keyness_before(arts, toks, target))
        # Terms spread over many articles: DP sums more than 8 values (NumPy's pairwise summation).
        assert after["n_articles"].max() > 8
    # And the chapter's view from the per-article dataset is the same table.
    split = keyness_split(arts, "Q")
    dated = split["mask"] | split["reference_mask"]
    before = keyness_before(arts[dated].reset_index(drop=True), toks, split["mask"][dated])
    after = _key_terms(t, arts, split)
    assert_same(after.drop(columns=["articles_behind", "largest_article_share"]), before)


# --------------------------------------------------------------------------- the reader of a build (analysis.tables.Tables)

def test_dataset_readers_agree_with_the_tables(sample_tables):
    t = sample_tables
    arts = t.dataset("articles")
    assert arts["article_order"].tolist() == list(range(len(t["articles"])))
    assert arts["article_id"].tolist() == t["articles"]["article_id"].tolist()
    assert set(arts["year"]) == {"2024", "2025"}
    counts = t.dataset("term_counts", ["article_id", "term", "count"], categorical=("term",))
    assert isinstance(counts["term"].dtype, pd.CategoricalDtype)
    assert list(counts.columns) == ["article_id", "term", "count"]
    assert t.dataset_rows("term_counts") == len(counts)
    tf = t["term_frequency"].set_index("term")
    summed = counts.groupby("term", observed=True)["count"].sum()
    assert summed.loc["发展"] == tf.loc["发展", "count"] == 42
    # A partition filter reads one year; a column filter keeps the matching rows.
    dec = t.dataset("articles", ["article_id"], filters=[("year", "=", "2024")])
    assert len(dec) == (t["articles"]["issue_date"] < "2025").sum() > 0
    using = t.dataset("term_counts", ["article_id", "count"], filters=[("term", "=", "发展")])
    assert using["count"].sum() == 42 and using["article_id"].is_unique
    assert t.dataset("term_counts", ["term"], filters=[("term", "=", "no such term")]).empty
    # The same numbers by SQL over the views.
    sql = t.query("SELECT sum(\"count\") AS n FROM perarticle.term_counts WHERE term = ?", ["发展"])
    assert int(sql["n"].iloc[0]) == 42
    joined = t.query("SELECT count(*) AS n FROM articles a JOIN perarticle.articles p USING (article_id)")
    assert int(joined["n"].iloc[0]) == len(arts)


def test_dataset_readers_name_what_is_missing(sample_tables, tmp_path):
    import shutil

    t = sample_tables
    with pytest.raises(ValueError, match="no per-article dataset 'tokens'"):
        t.dataset("tokens")
    with pytest.raises(KeyError, match="term_counts: no column 'terms'"):
        t.dataset("term_counts", ["terms"])
    # A build folder without its per-article dataset.
    shutil.copyfile(t.folder / "build_info.parquet", tmp_path / "build_info.parquet")
    with pytest.raises(FileNotFoundError, match="no per-article dataset perarticle/"):
        Tables(tmp_path).dataset("articles")
    with pytest.raises(KeyError, match="no column 'token'"):
        t.load("tokens", columns=["token"], filters=[("article_id", "in", ["x"])])


def test_table_rows_reads_only_the_asked_articles(sample_tables):
    toks = sample_tables["tokens"]
    ids = toks["article_id"].iloc[[4, 1]].tolist()
    rows = sample_tables.load("tokens", filters=[("article_id", "in", ids)])
    assert rows["article_id"].tolist() == sorted(ids, key=toks["article_id"].tolist().index)
    assert [list(t) for t in rows["tokens"]] == [list(toks["tokens"].iloc[1]), list(toks["tokens"].iloc[4])]


def test_load_tables_keeps_only_the_article_columns_it_needs(sample_tables):
    loaded = terms.load_tables(sample_tables)
    assert "tokens" not in loaded and list(loaded["articles"].columns) == terms.ARTICLE_COLUMNS
    assert loaded["articles"]["article_id"].tolist() == sample_tables["articles"]["article_id"].tolist()
    assert "text" in terms.load_tables(sample_tables, article_columns=None)["articles"].columns
    # full_articles brings the rows back whole, in the articles' order.
    ids = sample_tables["articles"]["article_id"].iloc[[3, 0]]
    rows = terms.full_articles(sample_tables, loaded["articles"], ids)
    pd.testing.assert_frame_equal(rows, sample_tables["articles"].iloc[[0, 3]].reset_index(drop=True))


def test_trend_terms_are_the_most_frequent_terms_found_in_a_period():
    """In frequency order, only terms some period has, at most n; Arrow-backed strings (as the tables
    are read) or plain ones."""
    tf = pd.DataFrame({"term": ["发展", "改革", "创新", "开放", "协调", "绿色"], "count": [9, 8, 7, 6, 5, 4]})
    period_tf = pd.DataFrame({"period": ["2024-01"] * 4, "term": ["绿色", "创新", "发展", "共享"]})
    for frame in (period_tf, period_tf.astype({"term": "string[pyarrow]"})):
        assert terms.trend_terms(frame, tf, n=2) == ["发展", "创新"]
        assert terms.trend_terms(frame, tf, n=8) == ["发展", "创新", "绿色"]
    assert terms.trend_terms(period_tf.iloc[:0], tf) == []
