"""NgramTotals sums n-grams batch by batch; summed at any batch pattern, the tables are those of one batch."""
from __future__ import annotations

import random

import pandas as pd

from analysis.aggregate.frequency import NgramTotals
from analysis.perarticle.kinds import encode_runs


def _blobs(n: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    # A Zipf-like vocabulary: common words repeat across articles, rare ones make new n-grams every batch.
    words = [f"词{i}" for i in range(400)]
    weights = [1 / (i + 1) for i in range(len(words))]
    return [encode_runs([rng.choices(words, weights, k=rng.randrange(1, 9)) for _ in range(rng.randrange(0, 4))])
            for _ in range(n)]


def test_many_batches_give_the_tables_of_one():
    blobs = _blobs(3000)
    whole = NgramTotals()
    whole(range(len(blobs)), blobs)
    for size in (1, 7, 100, 1024):
        totals = NgramTotals()
        for start in range(0, len(blobs), size):
            totals(range(start, min(start + size, len(blobs))), blobs[start:start + size])
        for n in (2, 3):
            pd.testing.assert_frame_equal(totals.table(n), whole.table(n))
            pd.testing.assert_frame_equal(totals.table(n, min_count=1), whole.table(n, min_count=1))


def test_no_batch_gives_empty_tables():
    totals = NgramTotals()
    assert totals.table(2).empty and list(totals.table(3).columns) == ["ngram", "count", "doc_freq"]


def _plain_counts(blobs: list[bytes], n: int, min_count: int) -> pd.DataFrame:
    """The n-gram table counted the plain way: every n consecutive terms of a run, as strings."""
    from collections import Counter

    from analysis.perarticle.kinds import decode_runs

    count, docs = Counter(), Counter()
    for blob in blobs:
        grams = [" ".join(run[i:i + n]) for run in decode_runs(blob) for i in range(len(run) - n + 1)]
        count.update(grams)
        docs.update(set(grams))
    rows = sorted(((g, c, docs[g]) for g, c in count.items() if c >= min_count), key=lambda r: (-r[1], r[0]))
    return pd.DataFrame(rows, columns=["ngram", "count", "doc_freq"]).astype({"count": "int64", "doc_freq": "int64"})


def test_the_sums_are_those_of_counting_strings():
    blobs = _blobs(2000, seed=3)
    totals = NgramTotals()
    for start in range(0, len(blobs), 300):
        totals(range(start, min(start + 300, len(blobs))), blobs[start:start + 300])
    for n in (2, 3):
        for min_count in (1, 2):
            pd.testing.assert_frame_equal(totals.table(n, min_count=min_count), _plain_counts(blobs, n, min_count))
