"""Keyness from per-article term counts (:func:`keyness_from_counts`) is today's keyness, to the bit.

:func:`keyness_before` is :func:`analysis.aggregate.frequency.keyness` as it was
before it was rebuilt on the per-article counts (commit 967a9bc), kept verbatim
as the reference: the new code must give the same table, every float included.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Mapping

import numpy as np
import pandas as pd
import pytest

from analysis.aggregate.frequency import (DISPERSION_COLUMNS, ONE_ARTICLE_SHARE, align_tokens, keyness_counts,
                                          keyness_from_counts)
from analysis.perarticle.terms import terms_of as _term_map
from analysis.tokens import is_term, load_stopwords
from oracles import article_term_counts, assert_same, keyness, keyness_before


# --------------------------------------------------------------------------- the sample pages

def test_keyness_is_unchanged_on_the_sample(articles, tokens):
    cases = [({"issue_date": "2025-02-13"}, {}), ({"issue_date": "2024-12-01"}, {"min_count": 1}),
             (np.arange(len(articles)) % 3 == 0, {}), (np.arange(len(articles)) < 2, {"aliases": False})]
    for target, options in cases:
        before = keyness_before(articles, tokens, target, **options)
        after = keyness(articles, tokens, target, **options)
        assert len(after) > 20
        assert_same(after, before)


def test_keyness_from_article_term_counts_equals_keyness(articles, tokens):
    counts = article_term_counts(tokens)
    sizes = pd.DataFrame({"article_id": tokens["article_id"].astype(str),
                          "n_tokens": [len(t) for t in tokens["tokens"]]})
    sizes = sizes.set_index("article_id").loc[articles["article_id"].astype(str)].reset_index()
    mask = (articles["issue_date"] == "2025-02-13").to_numpy()
    assert_same(keyness_from_counts(counts, sizes, mask), keyness_before(articles, tokens, mask))
    # Categorical terms and shuffled rows (not in article order) give the same table.
    shuffled = counts.sample(frac=1.0, random_state=3).astype({"term": "category"})
    assert_same(keyness_from_counts(shuffled, sizes, mask), keyness_before(articles, tokens, mask))


def test_counts_of_other_articles_are_left_out(articles, tokens):
    counts = article_term_counts(tokens)  # the whole corpus's counts …
    subset = articles.iloc[::2].reset_index(drop=True)  # … for every other article
    sizes = pd.DataFrame({"article_id": subset["article_id"].astype(str),
                          "n_tokens": subset["article_id"].map(dict(zip(tokens["article_id"],
                                                                        tokens["tokens"].map(len))))})
    mask = (subset["issue_date"] == "2025-02-13").to_numpy()
    assert 0 < mask.sum() < len(mask)
    assert_same(keyness_from_counts(counts, sizes, mask, min_count=1),
                keyness_before(subset, tokens, mask, min_count=1))


def test_an_article_without_terms_still_counts_in_its_side():
    counts = pd.DataFrame({"article_id": ["a", "a", "b"], "term": ["甲", "乙", "乙"], "count": [6, 1, 5]})
    sizes = pd.DataFrame({"article_id": ["a", "b", "c"], "n_tokens": [100, 100, 50]})
    key = keyness_from_counts(counts, sizes, [True, False, False], min_count=1).set_index("term")
    # c has no term but 50 tokens: the reference is 150 tokens in 2 articles.
    assert key.loc["乙", "rate_reference"] == pytest.approx(5 / 150 * 10_000)
    assert key.loc["乙", "range"] == 0.5
    assert key.loc["甲", "count_reference"] == 0 and key.loc["甲", "n_articles_reference"] == 0


def test_keyness_from_counts_names_what_is_wrong():
    counts = pd.DataFrame({"article_id": ["a"], "term": ["甲"], "count": [2]})
    sizes = pd.DataFrame({"article_id": ["a", "b"], "n_tokens": [10, 10]})
    with pytest.raises(ValueError, match="counts needs column.*count"):
        keyness_from_counts(counts.drop(columns="count"), sizes, [True, False])
    with pytest.raises(ValueError, match="sizes needs column.*n_tokens"):
        keyness_from_counts(counts, sizes.drop(columns="n_tokens"), [True, False])
    with pytest.raises(ValueError, match="target has 3 values for 2 articles"):
        keyness_from_counts(counts, sizes, [True, False, True])
    with pytest.raises(ValueError, match="lists article 'a' twice"):
        keyness_from_counts(counts, pd.concat([sizes, sizes.head(1)]), [True, False, True])
    with pytest.raises(ValueError, match="row without a term"):
        keyness_from_counts(counts.assign(term=pd.Categorical([None], categories=["甲"])), sizes, [True, False])


def test_integer_keys_are_looked_up_without_an_index():
    # The dataset's article_order: integer keys, some counts of articles outside the sizes.
    counts = pd.DataFrame({"article_order": np.array([0, 2, 2, 7, 9], dtype=np.int32),
                           "term": ["甲", "甲", "乙", "乙", "甲"], "count": np.array([3, 1, 4, 2, 8], dtype=np.int32)})
    sizes = pd.DataFrame({"article_order": [2, 0, 7], "n_tokens": [40, 30, 20]})
    by_order = keyness_from_counts(counts, sizes, [True, False, False], min_count=1, key="article_order")
    as_text = keyness_from_counts(counts.astype({"article_order": str}), sizes.astype({"article_order": str}),
                                  [True, False, False], min_count=1, key="article_order")
    assert_same(by_order, as_text)
    assert by_order.set_index("term").loc["甲", "count_target"] == 1  # article 9's 8 are left out


def test_keyness_of_a_generated_corpus_is_the_reference_to_the_bit(tmp_path):
    """On 1,500 generated articles, where common terms are in hundreds of articles (NumPy sums more than
    eight values pairwise, so the order of the additions shows in the last bits), the dispersion computed
    one matrix per number of articles equals the reference computed one term at a time."""
    from analysis.corpus.read import read_corpus
    from analysis.synthetic import generate_corpus
    from analysis.tokens import tokenize_articles

    folder = generate_corpus(tmp_path / "gen", 1500, start="2020-01-01", end="2021-12-31", seed=5)
    articles = read_corpus(folder, cache=False).articles
    tokens = tokenize_articles(articles)
    counts = article_term_counts(tokens)
    sizes = pd.DataFrame({"article_id": tokens["article_id"].astype(str), "n_tokens": tokens["tokens"].map(len)})
    mask = (articles["date"].astype(str) >= "2021-07-01").to_numpy()
    assert 100 < mask.sum() < len(mask) - 100
    after = keyness_from_counts(counts.astype({"term": "category"}), sizes, mask)
    assert after["n_articles"].max() > 300 and after["n_articles"].nunique() > 50
    assert_same(after, keyness_before(articles, tokens, mask))
