"""Term tables on the sample pages: consistency, stopwords, keyness, KWIC."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.aggregate import per_article_tables
from analysis.aggregate.frequency import keyness_counts, kwic, log_likelihood, term_frequency
from analysis.tokens import load_stopwords, tokenize_articles
from oracles import article_term_counts, keyness


@pytest.fixture(scope="module")
def built(articles, tmp_path_factory):
    """The build's term tables of the sample (the per-article stage, then DuckDB), with its dataset."""
    folder = tmp_path_factory.mktemp("dataset")
    tables = per_article_tables(articles, workers=1, cache=False, dataset=folder)
    tables["dataset"] = folder
    return tables


@pytest.fixture(scope="module")
def tf(built):
    return built["term_frequency"]


def test_columns_and_sort(tf):
    assert list(tf.columns) == ["term", "count", "rate_per_10k", "doc_freq", "n_tokens", "n_docs"]
    keys = list(zip(-tf["count"], tf["term"]))
    assert keys == sorted(keys)


def test_stopwords_absent_from_tables(articles, tokens, tf, built):
    stop = load_stopwords()
    assert not set(tf["term"]) & stop
    toks = {t for ts in tokens["tokens"] for t in ts}
    assert "的" in toks and "记者" not in toks  # stopwords kept in tokens; 记者 is boilerplate, blanked
    assert not any({row.w1, row.w2} & stop for row in built["collocations"].itertuples())
    assert not any(set(g.split()) & stop for g in built["trigrams"]["ngram"])
    assert not set(keyness(articles, tokens, {"issue_date": "2025-02-13"})["term"]) & stop


def test_counts_consistent_across_tables(articles, tokens, tf, built):
    per_article = article_term_counts(tokens).groupby("term")["count"].sum()
    assert per_article.sort_index().equals(tf.set_index("term")["count"].sort_index())
    for by, col in [("issue", "issue_date"), ("month", "month")]:
        grouped = built[f"term_frequency_by_{by}"]
        assert grouped.groupby("term")["count"].sum().sort_index().equals(
            tf.set_index("term")["count"].sort_index())
        assert grouped.groupby(col)["n_tokens"].first().sum() == tf["n_tokens"].iloc[0]
    assert tf["n_tokens"].iloc[0] == sum(len(t) for t in tokens["tokens"])
    assert tf["n_docs"].iloc[0] == len(articles)
    assert (tf["doc_freq"] <= tf["count"]).all()
    row = tf.set_index("term").loc["发展"]
    assert row["rate_per_10k"] == pytest.approx(row["count"] / row["n_tokens"] * 10_000)


def test_by_issue_has_both_issues(articles, built):
    grouped = built["term_frequency_by_issue"]
    assert set(grouped["issue_date"]) == set(articles["issue_date"])
    with pytest.raises(ValueError, match="by must be"):
        term_frequency(built["dataset"], by="week")


def test_kwic_lines_match_counts_and_source(articles, tokens, tf):
    for term in ["王少峰", "两园一河", "高质量发展"]:
        lines = kwic(articles, term, tokens)
        assert len(lines) == tf.set_index("term").loc[term, "count"]
    raw = {}
    for row in kwic(articles, "王少峰", tokens).itertuples():
        path = f"data/raw/{row.source}"
        text = raw.setdefault(path, open(path, encoding="utf-8").read().split("\n"))
        window = "".join(text[row.line - 1 : row.line + 1]).replace(" ", "")
        assert "王少峰" in window or "王少" in window  # the name starts on that raw line


def test_kwic_substring_finds_inside_words(articles, tokens):
    token_hits = len(kwic(articles, "丰台", tokens, aliases=False))
    assert len(kwic(articles, "丰台", match="substring")) > token_hits


def test_kwic_of_a_term_lists_its_aliases_as_printed(articles, tokens, tf):
    hits = kwic(articles, "丰台", tokens)
    assert {"丰台", "丰台区"} <= set(hits["match"])       # one place, printed two ways
    assert len(hits) == int(tf.set_index("term").loc["丰台", "count"])
    assert "丰台区" not in set(tf["term"])


def test_log_likelihood_hand_computed():
    # Toy pair: a = 20 of A = 1000 tokens, b = 5 of B = 2000 tokens.
    # E1 = 1000 * 25 / 3000 = 8.3333, E2 = 16.6667
    # G2 = 2 * (20 ln(20/8.3333) + 5 ln(5/16.6667)) = 2 * (17.5094 - 6.0199) = 22.9790
    assert log_likelihood(20, 5, 1000, 2000) == pytest.approx(22.9790, abs=1e-3)
    table = keyness_counts({"甲": 20, "乙": 1}, 1000, {"甲": 5, "乙": 10}, 2000)
    row = table.set_index("term").loc["甲"]
    assert row["g2"] == pytest.approx(22.9790, abs=1e-3)
    assert row["log_ratio"] == pytest.approx(math.log2((20 / 1000) / (5 / 2000)))  # = 3
    assert row["key_for"] == "target"
    assert table.set_index("term").loc["乙", "key_for"] == "reference"
    assert row["p_value"] == pytest.approx(1.7e-6, rel=0.1)


def test_keyness_issue_against_rest(articles, tokens):
    key = keyness(articles, tokens, {"issue_date": "2025-02-13"}, min_count=1)
    feb = key.set_index("term")
    assert feb.loc["京蒙东西部协作", "key_for"] == "target"
    assert feb.loc["国防", "key_for"] == "reference"
    assert list(key["g2"]) == sorted(key["g2"], reverse=True)
    mask = (articles["issue_date"] == "2025-02-13").to_numpy()
    assert key.equals(keyness(articles, tokens, mask, min_count=1))


def test_collocations_score_known_pair(built):
    coll = built["collocations"]
    pair = coll[(coll["w1"] == "国防") & (coll["w2"] == "动员")]
    assert len(pair) == 1 and pair["count"].item() >= 10
    assert coll["g2"].iloc[0] == coll["g2"].max()


def test_empty_corpus_gives_empty_tables(articles):
    empty = per_article_tables(articles.iloc[0:0], workers=1, cache=False)
    assert empty["term_frequency"].empty
    assert empty["term_frequency_by_issue"].columns[0] == "issue_date"
    assert empty["trigrams"].empty and empty["collocations"].empty
    assert kwic(articles.iloc[0:0], "丰台").empty
    odd = pd.DataFrame({"article_id": ["x"], "issue_date": ["2025-01-01"], "text": ["—— 2024，"]})
    assert per_article_tables(odd, workers=1, cache=False)["term_frequency"].empty


def test_the_builds_tokens_table(articles, tmp_path, built):
    tokens = built["tokens"].to_pandas()
    assert list(tokens.columns) == ["article_id", "tokens"]
    assert [list(t) for t in tokens["tokens"]] == list(tokenize_articles(articles)["tokens"])
    path = tmp_path / "tokens.parquet"
    tokens.to_parquet(path, index=False)
    back = pd.read_parquet(path)
    assert [list(t) for t in back["tokens"]] == [list(t) for t in tokens["tokens"]]
    empty = per_article_tables(articles.iloc[0:0], workers=1, cache=False)
    assert all(len(frame) == 0 for frame in empty.values())


@pytest.mark.parametrize("freq", ["W", "M", "Q", "Y"])
def test_period_term_frequency_sums_issues_as_a_plain_group_by_does(freq):
    # 40,000 per-issue rows over 400 issue dates (three years), 3,000 terms, some rows undated or with a date
    # that is not one: the sums, rates and order of a plain group-by of the labelled rows.
    import numpy as np

    from analysis.aggregate.frequency import PERIOD_COLUMNS, period_term_frequency
    from analysis.corpus.periods import UNDATED, period_labels

    rng = np.random.default_rng(3)
    dates = pd.date_range("2022-01-01", periods=1100, freq="D").strftime("%Y-%m-%d")[rng.permutation(1100)[:400]]
    issue = np.array(list(dates) + ["", "2023-02-30", None], dtype=object)[rng.integers(403, size=40_000)]
    by_issue = pd.DataFrame({"issue_date": issue, "term": [f"词{i}" for i in rng.zipf(1.3, 40_000) % 3000],
                             "count": rng.integers(1, 9, 40_000), "doc_freq": rng.integers(1, 4, 40_000)})
    sizes = pd.DataFrame({"issue_date": list(dates) + [""], "n_tokens": rng.integers(50, 900, 401)})
    got = period_term_frequency(by_issue, sizes, freq)

    labelled = by_issue.assign(period=period_labels(by_issue["issue_date"], freq).to_numpy())
    sums = (labelled[labelled["period"] != UNDATED].groupby(["period", "term"])[["count", "doc_freq"]].sum()
            .reset_index())
    sized = sizes.assign(period=period_labels(sizes["issue_date"], freq).to_numpy())
    totals = sized[sized["period"] != UNDATED].groupby("period")["n_tokens"].agg(["sum", "size"])
    sums["n_tokens"] = sums["period"].map(totals["sum"])
    sums["n_docs"] = sums["period"].map(totals["size"])
    sums["rate_per_10k"] = sums["count"] / sums["n_tokens"] * 10_000
    expected = sums.sort_values(["period", "count", "term"], ascending=[True, False, True], kind="mergesort")
    assert len(got) > 1000 and set(got["period"]) == set(expected["period"])
    pd.testing.assert_frame_equal(got, expected[PERIOD_COLUMNS].reset_index(drop=True), check_dtype=False)
