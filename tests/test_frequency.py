"""Term tables on the sample pages: consistency, stopwords, keyness, KWIC."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.aggregate.frequency import (
    article_term_counts,
    collocations,
    keyness,
    keyness_counts,
    kwic,
    log_likelihood,
    ngram_frequency,
    term_frequency,
    term_tables,
)
from analysis.tokens import load_stopwords, tokenize_articles


@pytest.fixture(scope="module")
def tf(articles, tokens):
    return term_frequency(articles, tokens)


def test_columns_and_sort(tf):
    assert list(tf.columns) == ["term", "count", "rate_per_10k", "doc_freq", "n_tokens", "n_docs"]
    keys = list(zip(-tf["count"], tf["term"]))
    assert keys == sorted(keys)


def test_stopwords_absent_from_tables(articles, tokens, tf):
    stop = load_stopwords()
    assert not set(tf["term"]) & stop
    toks = {t for ts in tokens["tokens"] for t in ts}
    assert "的" in toks and "记者" not in toks  # stopwords kept in tokens; 记者 is boilerplate, blanked
    assert not any(set(g.split()) & stop for g in ngram_frequency(articles, tokens, 2, min_count=1)["ngram"])
    assert not set(keyness(articles, tokens, {"issue_date": "2025-02-13"})["term"]) & stop


def test_counts_consistent_across_tables(articles, tokens, tf):
    per_article = article_term_counts(tokens).groupby("term")["count"].sum()
    assert per_article.sort_index().equals(tf.set_index("term")["count"].sort_index())
    for by, col in [("issue", "issue_date"), ("month", "month")]:
        grouped = term_frequency(articles, tokens, by=by)
        assert grouped.groupby("term")["count"].sum().sort_index().equals(
            tf.set_index("term")["count"].sort_index())
        assert grouped.groupby(col)["n_tokens"].first().sum() == tf["n_tokens"].iloc[0]
    assert tf["n_tokens"].iloc[0] == sum(len(t) for t in tokens["tokens"])
    assert tf["n_docs"].iloc[0] == len(articles)
    assert (tf["doc_freq"] <= tf["count"]).all()
    row = tf.set_index("term").loc["发展"]
    assert row["rate_per_10k"] == pytest.approx(row["count"] / row["n_tokens"] * 10_000)


def test_by_issue_has_both_issues(articles, tokens):
    grouped = term_frequency(articles, tokens, by="issue")
    assert set(grouped["issue_date"]) == set(articles["issue_date"])
    with pytest.raises(ValueError, match="by must be"):
        term_frequency(articles, tokens, by="week")


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


def test_kwic_of_a_term_lists_its_aliases_as_printed(articles, tokens):
    hits = kwic(articles, "丰台", tokens)
    assert {"丰台", "丰台区"} <= set(hits["match"])       # one place, printed two ways
    assert len(hits) == int(term_frequency(articles, tokens).set_index("term").loc["丰台", "count"])
    assert "丰台区" not in set(term_frequency(articles, tokens)["term"])


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


def test_collocations_score_known_pair(articles, tokens):
    coll = collocations(articles, tokens)
    pair = coll[(coll["w1"] == "国防") & (coll["w2"] == "动员")]
    assert len(pair) == 1 and pair["count"].item() >= 10
    assert coll["g2"].iloc[0] == coll["g2"].max()


def test_empty_corpus_gives_empty_tables(articles, tokens):
    empty = articles.iloc[0:0]
    no_tokens = tokens.iloc[0:0]
    assert term_frequency(empty, no_tokens).empty
    assert term_frequency(empty, no_tokens, by="issue").columns[0] == "issue_date"
    assert ngram_frequency(empty, no_tokens).empty
    assert kwic(empty, "丰台").empty
    odd = pd.DataFrame({"article_id": ["x"], "issue_date": ["2025-01-01"], "text": ["—— 2024，"]})
    assert term_frequency(odd, tokenize_articles(odd, cache=False)).empty


def test_term_tables_for_the_build(articles, tmp_path):
    tables = term_tables(articles, cache=str(tmp_path))
    assert list(tables["tokens"].columns) == ["article_id", "tokens"]
    assert tables["term_frequency"].equals(term_frequency(articles, tables["tokens"]))
    path = tmp_path / "tokens.parquet"
    tables["tokens"].to_parquet(path, index=False)
    back = pd.read_parquet(path)
    assert [list(t) for t in back["tokens"]] == list(tables["tokens"]["tokens"])
    empty = term_tables(articles.iloc[0:0], cache=False)
    assert all(frame.empty for frame in empty.values())
