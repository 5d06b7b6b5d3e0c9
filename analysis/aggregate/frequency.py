"""Term tables from the per-article dataset: frequency, n-grams, collocations, keyness, KWIC.

The counting is done once per article by the per-article stage
(:mod:`analysis.perarticle.terms`: what a term and an n-gram are); this
module sums and scores, as corpus linguists report it:

* **corpus size** (``n_tokens``) is the number of word tokens, stopwords and
  numbers included, so a rate per 10,000 tokens reads as "per 10,000
  running words";
* **document frequency** counts articles containing the term at least once;
* dateline and agency formulas never reach the tables: the segmenter blanks
  them (``boilerplate.csv``), and :func:`audit_terms` checks a table's top
  terms for any left (or for digits split one per token).

Every count can be traced to its text with :func:`kwic`, which lists the
same occurrences the counts are made of, with source file and line.

Over time, the build's per-issue table is summed into periods of
:mod:`analysis.corpus.periods` (:func:`period_term_frequency`), and the
latest period is set against every earlier article (:func:`keyness_split`,
:func:`split_keyness`): functions on DataFrames, which a reader of the build
(:class:`analysis.tables.Tables`) hands the tables and per-article counts.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.corpus.periods import UNDATED, period_labels
from analysis.corpus.read import source_line
from analysis.perarticle.kinds import NGRAMS
from analysis.perarticle.terms import terms_of
from analysis.tokens import (boilerplate_matches, prepare_text, term_map, text_preparer, token_offsets,
                             tokenize_articles)
from .dataset import connect, dataset_sql, query_frame

#: Groupings of :func:`term_frequency`: its group column, and the SQL that gives it.
GROUPINGS = {None: None, "issue": "issue_date", "month": "month"}
GROUP_SQL = {None: "''", "issue": "issue_date", "month": "month"}
TF_COLUMNS = ["term", "count", "rate_per_10k", "doc_freq", "n_tokens", "n_docs"]
KEYNESS_COLUMNS = [
    "term", "count_target", "count_reference", "rate_target", "rate_reference",
    "g2", "p_value", "log_ratio", "key_for",
]
#: Dispersion columns added by :func:`keyness_from_counts` (per article, on the side the term is key for).
DISPERSION_COLUMNS = ["n_articles_target", "n_articles_reference", "n_articles", "range", "dp",
                      "top_article_share", "one_article"]
#: A key term whose single most frequent article holds at least this share of its
#: uses (on its key side) is flagged ``one_article``: it marks that article.
ONE_ARTICLE_SHARE = 0.75
KWIC_COLUMNS = [
    "article_id", "issue_date", "date", "headline", "source", "line", "offset", "left", "match", "right",
]


def align_tokens(articles: pd.DataFrame, tokens: pd.DataFrame) -> pd.DataFrame:
    """Articles joined with their tokens by ``article_id`` (articles' order)."""
    if len(articles) == 0:
        out = articles.copy()
        out["tokens"] = pd.Series([], dtype=object)
        return out
    if "tokens" not in tokens.columns or "article_id" not in tokens.columns:
        raise ValueError("tokens table needs columns article_id and tokens (see tokenize_articles)")
    by_id = dict(zip(tokens["article_id"].astype(str), tokens["tokens"]))
    missing = [a for a in articles["article_id"].astype(str) if a not in by_id]
    if missing:
        raise ValueError(f"no tokens for {len(missing)} article(s), e.g. {missing[0]!r}; re-run tokenize_articles")
    out = articles.copy()
    out["tokens"] = [list(by_id[a]) for a in articles["article_id"].astype(str)]
    return out


# --------------------------------------------------------------------------- frequency


def term_frequency(folder: str | Path, by: str | None = None, *, con=None) -> pd.DataFrame:
    """Term frequency and document frequency, for the corpus or per group, from the per-article
    dataset in ``folder`` (:mod:`analysis.aggregate.dataset`), by DuckDB.

    ``by``: None (whole corpus), ``"issue"`` (per ``issue_date``) or
    ``"month"`` (per publication month ``YYYY-MM`` of the issue, not the
    event date in the dateline).

    Columns: the group column first when grouped (``issue_date`` or
    ``month``), then ``term``, ``count`` (occurrences), ``rate_per_10k``
    (count per 10,000 word tokens of the group), ``doc_freq`` (articles of
    the group containing the term), ``n_tokens`` (word tokens in the group,
    stopwords included), ``n_docs`` (articles in the group).  Sorted by
    group, count descending, then term.  A corpus without terms gives an
    empty table with these columns.  ``con``: a connection to reuse
    (:func:`analysis.aggregate.dataset.connect`).
    """
    if by not in GROUP_SQL:
        raise ValueError(f"by must be one of {list(GROUP_SQL)}, not {by!r}")
    group_col = GROUPINGS[by]
    columns = ([group_col] if group_col else []) + TF_COLUMNS
    folder = Path(folder)
    if not any((folder / "term_counts").glob("*/*.parquet")):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("count", "doc_freq", "n_tokens", "n_docs")
                                          else "float64" if c == "rate_per_10k" else object) for c in columns})
    group = GROUP_SQL[by]
    own = con is None
    con = con or connect()
    arts = dataset_sql(folder, "articles")
    counts = dataset_sql(folder, "term_counts")
    sql = f"""
        WITH sizes AS (
            SELECT {group} AS grp, sum(n_tokens)::BIGINT AS n_tokens, count(*)::BIGINT AS n_docs
            FROM {arts} GROUP BY grp),
        terms AS (
            SELECT {group} AS grp, term, sum("count")::BIGINT AS "count",
                   count(*)::BIGINT AS doc_freq  -- one row per (article, term): ids are unique
            FROM {counts} GROUP BY grp, term)
        SELECT t.grp, t.term, t."count", t."count"::DOUBLE / s.n_tokens * 10000 AS rate_per_10k,
               t.doc_freq, s.n_tokens, s.n_docs
        FROM terms t JOIN sizes s USING (grp)
        ORDER BY t.grp, t."count" DESC, t.term
    """
    try:
        frame = query_frame(con, sql)
    finally:
        if own:
            con.close()
    if group_col:
        frame = frame.rename(columns={"grp": group_col})
    frame = frame[columns].reset_index(drop=True)
    types = {"count": "int64", "doc_freq": "int64", "n_tokens": "int64", "n_docs": "int64",
             "rate_per_10k": "float64", "term": "str"}
    if group_col:
        types[group_col] = "str"
    return frame.astype(types)



# --------------------------------------------------------------------------- n-grams


#: Bits of a term id in an n-gram's integer key (:class:`NgramTotals`): two ids share one int64.
_ID_BITS = 31


class NgramTotals:
    """Sums the stage's n-grams batch by batch (a sink for :func:`analysis.perarticle.stage.run_stage`,
    fed each article's runs of touching terms): per n-gram the count and the number of articles, never
    every article's n-grams at once.

    The n-grams are summed as integers: each term gets an id the first time any batch sees it, and an
    n-gram is the pair ``(first two ids, third id)``; its string is made only for the n-grams a table
    keeps (seen at least twice).  Grouping millions of n-gram strings was a sixth of a forced rebuild of
    the development corpus.

    >>> from analysis.perarticle.kinds import encode_runs
    >>> totals = NgramTotals()
    >>> totals(range(2), [encode_runs([["甲", "乙"], ["甲", "乙"]]), encode_runs([["甲", "乙", "丙"]])])
    >>> totals.table(2).values.tolist()
    [['甲 乙', 3, 2]]
    """

    def __init__(self, ns=NGRAMS):
        self.ns = tuple(ns)
        if max(self.ns, default=2) > 3:
            raise ValueError(f"n-grams of at most 3 terms are summed as integers, not {max(self.ns)}")
        self.ids: dict[str, int] = {}     # term → id, in the order first seen
        self.words: list[str] = []        # id → term
        # Per n: the summed (hi, lo, count, doc_freq) columns, and the batches counted since the last sum.
        self.total: dict[int, tuple | None] = {n: None for n in self.ns}
        self.parts: dict[int, list[tuple]] = {n: [] for n in self.ns}
        self.pending = {n: 0 for n in self.ns}  # rows of those batches

    def _global_ids(self, words: pa.Array) -> np.ndarray:
        ids, known = self.ids, self.words
        out = np.empty(len(words), dtype=np.int64)
        for i, word in enumerate(words.to_pylist()):
            found = ids.get(word)
            if found is None:
                found = ids[word] = len(known)
                known.append(word)
            out[i] = found
        if len(known) >= 1 << _ID_BITS:
            raise ValueError(f"more than {1 << _ID_BITS} distinct terms: n-gram keys would overflow")
        return out

    def __call__(self, batch: range, blobs: list[bytes]) -> None:
        # Per n-gram of the batch its count and its articles; summed with the earlier batches' once the
        # batches since the last sum hold as many rows as the total.  Summing at every batch re-grouped the
        # whole growing total each time (quadratic: most n-grams are rare, so the total grows with the
        # corpus); this way each row is re-grouped a logarithmic number of times, and at most twice the
        # total is held.  The sums, and the tables, are the same.
        text = pa.array(blobs, pa.binary()).cast(pa.string())
        runs = pc.split_pattern(text, "\n")
        runs = pc.if_else(pc.equal(pc.binary_length(text), 0), pa.scalar([], runs.type), runs)  # empty: no runs
        owner = pc.list_parent_indices(runs).to_numpy()
        terms = pc.split_pattern(pc.list_flatten(runs), "\t")
        run = pc.list_parent_indices(terms).to_numpy()
        encoded = pc.dictionary_encode(pc.list_flatten(terms))
        ids = self._global_ids(encoded.dictionary)[encoded.indices.to_numpy(zero_copy_only=False)]
        for n in self.ns:
            if len(ids) < n:
                continue
            starts = np.flatnonzero(run[: len(run) - n + 1] == run[n - 1:])
            if not len(starts):
                continue
            hi = (ids[starts] << _ID_BITS) | ids[starts + 1]
            lo = ids[starts + 2] if n == 3 else np.zeros(len(starts), dtype=np.int64)
            article = owner[run[starts]]
            order = np.lexsort((article, lo, hi))
            hi, lo, article = hi[order], lo[order], article[order]
            first = _changes(hi, lo)
            pair = first | np.concatenate([[True], article[1:] != article[:-1]])
            at = np.flatnonzero(first)
            count = np.diff(np.append(at, len(hi)))
            docs = np.add.reduceat(pair.astype(np.int64), at)
            self.parts[n].append((hi[at], lo[at], count, docs))
            self.pending[n] += len(at)
            total = self.total[n]
            if self.pending[n] >= (len(total[0]) if total is not None else 0):
                self._sum(n)

    def _sum(self, n: int) -> None:
        tables = ([self.total[n]] if self.total[n] is not None else []) + self.parts[n]
        self.parts[n], self.pending[n] = [], 0
        if len(tables) <= 1:
            self.total[n] = tables[0] if tables else self.total[n]
            return
        hi, lo, count, docs = (np.concatenate(column) for column in zip(*tables))
        order = np.lexsort((lo, hi))
        hi, lo = hi[order], lo[order]
        at = np.flatnonzero(_changes(hi, lo))
        self.total[n] = (hi[at], lo[at], np.add.reduceat(count[order], at), np.add.reduceat(docs[order], at))

    def table(self, n: int, min_count: int = 2) -> pd.DataFrame:
        """The n-grams of length ``n`` seen at least ``min_count`` times: ``ngram`` (terms joined by a
        space), ``count``, ``doc_freq``; sorted by count descending, then n-gram."""
        if n in self.parts and self.parts[n]:
            self._sum(n)
        total = self.total.get(n)
        if total is None:
            return pd.DataFrame({"ngram": pd.Series(dtype=object), "count": pd.Series(dtype="int64"),
                                 "doc_freq": pd.Series(dtype="int64")})
        hi, lo, count, docs = total
        keep = count >= min_count
        hi, lo = hi[keep], lo[keep]
        words = pa.array(self.words, pa.string())
        parts = [hi >> _ID_BITS, hi & ((1 << _ID_BITS) - 1)] + ([lo] if n == 3 else [])
        gram = pc.binary_join_element_wise(*[words.take(pa.array(p)) for p in parts], " ")
        kept = pa.table({"ngram": gram, "count": count[keep], "doc_freq": docs[keep]})
        # Arrow orders strings by their UTF-8 bytes, which is Python's order of code points; stable.
        kept = kept.take(pc.sort_indices(kept, sort_keys=[("count", "descending"), ("ngram", "ascending")]))
        return pd.DataFrame({"ngram": kept["ngram"].to_pylist(), "count": kept["count"].to_numpy(),
                             "doc_freq": kept["doc_freq"].to_numpy()}).astype({"count": "int64", "doc_freq": "int64"})


def _changes(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Where a sorted run of (hi, lo) keys starts a new key."""
    if not len(hi):
        return np.zeros(0, dtype=bool)
    return np.concatenate([[True], (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])])


def _xlogx_ratio(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    return terms


def collocation_table(grams: pd.DataFrame, word_counts: Mapping[str, int], n: int) -> pd.DataFrame:
    """Score the bigram table ``grams`` (of :meth:`NgramTotals.table`) by G² and PMI, given each
    word's count and the number of word tokens ``n``: the build's ``collocations`` table.

    (The build passes the terms' corpus counts from the term-frequency table:
    the same numbers, since a bigram's words are terms.)
    """
    cols = ["w1", "w2", "count", "count_w1", "count_w2", "pmi", "g2"]
    if grams.empty:
        return pd.DataFrame(columns=cols)
    # Split by Arrow and looked up by one hash index (pandas' str.split and Series.map took 1.8 s of the
    # development corpus's 250,000 bigrams; the same words and counts, NaN for a word without a count).
    split = pc.split_pattern(pa.array(grams["ngram"].to_numpy(dtype=object), pa.string()), " ")
    pairs = [pd.Series(pc.list_element(split, i).to_pandas().array, index=grams.index, dtype="str") for i in (0, 1)]
    known = pd.Index(list(word_counts), dtype=object)
    values = np.append(np.fromiter(word_counts.values(), dtype=float, count=len(known)), np.nan)
    c12 = grams["count"].to_numpy(float)
    c1, c2 = (values[known.get_indexer(words)] for words in pairs)  # -1 (unknown) is the trailing NaN
    observed = np.stack([c12, c1 - c12, c2 - c12, n - c1 - c2 + c12])
    row = np.stack([c1, c1, n - c1, n - c1])
    col = np.stack([c2, n - c2, c2, n - c2])
    expected = row * col / n
    g2 = 2 * _xlogx_ratio(observed, expected).sum(axis=0)
    table = pd.DataFrame({
        "w1": pairs[0], "w2": pairs[1], "count": grams["count"],
        "count_w1": c1.astype("int64"), "count_w2": c2.astype("int64"),
        "pmi": np.log2(c12 * n / (c1 * c2)), "g2": g2,
    })
    return table.sort_values(["g2", "w1", "w2"], ascending=[False, True, True], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- keyness


def log_likelihood(a: float, b: float, total_a: float, total_b: float) -> float:
    """Log-likelihood G² of a term seen ``a`` times in A and ``b`` times in B.

    Rayson & Garside (2000): E1 = A(a+b)/(A+B), E2 = B(a+b)/(A+B),
    G² = 2(a ln(a/E1) + b ln(b/E2)), with 0 ln 0 = 0.

    >>> round(log_likelihood(10, 0, 1000, 1000), 4)
    13.8629
    """
    e1 = total_a * (a + b) / (total_a + total_b)
    e2 = total_b * (a + b) / (total_a + total_b)
    g2 = 0.0
    if a > 0:
        g2 += a * math.log(a / e1)
    if b > 0:
        g2 += b * math.log(b / e2)
    return 2 * g2


def keyness_counts(
    target: Mapping[str, int], target_total: int, reference: Mapping[str, int], reference_total: int,
    min_count: int = 1,
) -> pd.DataFrame:
    """Keyness of every term between two frequency lists.

    Columns: ``term``, ``count_target``, ``count_reference``,
    ``rate_target``, ``rate_reference`` (per 10,000 tokens), ``g2``
    (log-likelihood, 1 d.f.), ``p_value``, ``log_ratio`` (Hardie's binary log
    of the ratio of relative frequencies; a zero count is taken as 0.5), and
    ``key_for`` ("target" when relatively more frequent in the target,
    else "reference").  Terms with fewer than ``min_count`` occurrences in
    both together are dropped.  Sorted by g2 descending, then term.

    >>> k = keyness_counts({"甲": 10}, 1000, {"甲": 0, "乙": 5}, 1000)
    >>> k[["term", "key_for"]].values.tolist()
    [['甲', 'target'], ['乙', 'reference']]
    """
    if target_total <= 0 or reference_total <= 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KEYNESS_COLUMNS})
    rows = []
    for term in sorted(set(target) | set(reference)):
        a, b = int(target.get(term, 0)), int(reference.get(term, 0))
        if a + b < min_count or a + b == 0:
            continue
        g2 = log_likelihood(a, b, target_total, reference_total)
        ratio = math.log2(((a or 0.5) / target_total) / ((b or 0.5) / reference_total))
        rows.append((
            term, a, b, a / target_total * 10_000, b / reference_total * 10_000, g2,
            math.erfc(math.sqrt(g2 / 2)),  # chi-square survival function, 1 d.f.
            ratio, "target" if a / target_total > b / reference_total else "reference",
        ))
    table = pd.DataFrame(rows, columns=KEYNESS_COLUMNS)
    return table.sort_values(["g2", "term"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def keyness_from_counts(
    counts: pd.DataFrame,
    sizes: pd.DataFrame,
    target,
    min_count: int = 3,
    key: str = "article_id",
) -> pd.DataFrame:
    """Keyness of a target set of articles against the others, from per-article term counts, with dispersion.

    ``sizes``: one row per article compared, in corpus order, with ``key``
    and ``n_tokens`` (word tokens, stopwords included; an article without any
    term still counts in its side's size and number of articles).
    ``counts``: one row per article and term, with ``key``, ``term`` and
    ``count`` -- the build's per-article dataset ``term_counts``
    (:meth:`analysis.tables.Tables.dataset`, or :func:`compact_term_counts`); rows of
    articles absent from ``sizes`` are left out, so a whole corpus's counts
    serve for any subset.  ``target``: boolean mask aligned with ``sizes``
    (True: target, False: reference).  ``term`` may be categorical (one
    string per distinct term: what keeps millions of rows small).

    >>> counts = pd.DataFrame({"article_id": ["a", "a", "b"], "term": ["甲", "乙", "乙"], "count": [6, 1, 5]})
    >>> sizes = pd.DataFrame({"article_id": ["a", "b"], "n_tokens": [100, 100]})
    >>> keyness_from_counts(counts, sizes, [True, False], min_count=1)[["term", "key_for", "n_articles"]].values.tolist()
    [['甲', 'target', 1], ['乙', 'reference', 1]]
    """
    for frame, what, needed in ((sizes, "sizes", (key, "n_tokens")), (counts, "counts", (key, "term", "count"))):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ValueError(f"keyness_from_counts: {what} needs column(s) {', '.join(missing)} "
                             f"(has: {', '.join(map(str, frame.columns))})")
    mask = np.asarray(target, dtype=bool)
    if mask.shape != (len(sizes),):
        raise ValueError(f"keyness_from_counts: target has {mask.size} values for {len(sizes)} articles")
    if not sizes[key].is_unique:
        raise ValueError(f"keyness_from_counts: sizes lists article {sizes[key][sizes[key].duplicated()].iloc[0]!r} twice")
    position = _positions(sizes[key], counts[key])
    kept = position >= 0
    if not kept.all():
        counts, position = counts[kept], position[kept]
    del kept
    terms = counts["term"]
    if isinstance(terms.dtype, pd.CategoricalDtype):
        # The categories' codes, as stored: no string and no new array per row.
        codes, vocabulary = terms.cat.codes.to_numpy(), np.asarray(terms.cat.categories, dtype=object)
    else:
        codes, vocabulary = pd.factorize(terms)
        vocabulary = np.asarray(vocabulary, dtype=object)
    if len(codes) and codes.min() < 0:
        raise ValueError("keyness_from_counts: counts has a row without a term")
    values = counts["count"].to_numpy()
    n_tokens = sizes["n_tokens"].to_numpy().astype(float)

    def side(flag: bool):
        """One side's long arrays: term code, article index among the side's articles, count."""
        members = mask == flag
        local = (np.cumsum(members) - 1).astype(np.int32)  # an article's index among its side's articles
        rows = members[position]
        return codes[rows], local[position[rows]], values[rows], n_tokens[members]

    def totals(flag: bool) -> tuple[dict[str, int], int]:
        side_codes, _, side_values, side_sizes = side(flag)
        sums = np.zeros(len(vocabulary))
        present = np.zeros(len(vocabulary), dtype=bool)
        for at in range(0, len(side_codes), 1 << 20):  # in slices: the float weights are a copy
            part = slice(at, at + (1 << 20))
            # Float sums of integer counts are exact below 2**53.
            sums += np.bincount(side_codes[part], weights=side_values[part], minlength=len(vocabulary))
            present |= np.bincount(side_codes[part], minlength=len(vocabulary)) > 0
        return {vocabulary[i]: int(sums[i]) for i in np.flatnonzero(present)}, int(side_sizes.sum())

    (target_total, target_size), (reference_total, reference_size) = totals(True), totals(False)
    table = keyness_counts(target_total, target_size, reference_total, reference_size, min_count=min_count)
    if table.empty:
        for column in DISPERSION_COLUMNS:
            table[column] = pd.Series(dtype=bool if column == "one_article" else float)
        return table
    wanted = pd.Index(vocabulary).get_indexer(table["term"])
    # One side at a time, so only one side's sorted arrays are in memory.
    n_t, _, _, _ = disp_t = _dispersion_arrays(list(side(True)), wanted)
    n_r, _, _, _ = disp_r = _dispersion_arrays(list(side(False)), wanted)
    on_target = (table["key_for"] == "target").to_numpy()
    n, rng, dp, top = (np.where(on_target, t, r) for t, r in zip(disp_t, disp_r))
    with np.errstate(invalid="ignore"):
        one = (n == 1) | (top >= ONE_ARTICLE_SHARE)  # NaN (no article) compares False
    rows = {"n_articles_target": n_t, "n_articles_reference": n_r, "n_articles": n, "range": rng, "dp": dp,
            "top_article_share": top, "one_article": one}
    extra = pd.DataFrame(rows, columns=DISPERSION_COLUMNS, index=table.index)
    table = pd.concat([table, extra], axis=1)
    return table.astype({"n_articles_target": "int64", "n_articles_reference": "int64", "n_articles": "int64",
                         "one_article": bool})


def _positions(keys: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Row of ``keys`` holding each value of ``wanted`` (-1 where none): by a lookup array for
    non-negative integer keys (the dataset's ``article_order``: no hash table of millions), else by index."""
    k = keys.to_numpy()
    w = wanted.to_numpy()
    if len(k) and k.dtype.kind in "iu" and w.dtype.kind in "iu" and k.min() >= 0 and k.max() < 4 * len(k) + 1024:
        lookup = np.full(int(k.max()) + 1, -1, dtype=np.int32)
        lookup[k] = np.arange(len(k), dtype=np.int32)
        inside = (w >= 0) & (w < len(lookup))
        if inside.all():
            return lookup[w]
        out = np.full(len(w), -1, dtype=np.int32)
        out[inside] = lookup[w[inside]]
        return out
    return pd.Index(keys).get_indexer(wanted)


def _dispersion_arrays(arrays: list[np.ndarray], wanted: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Dispersion over one side's articles, for the term codes ``wanted``: four arrays aligned with
    ``wanted``, ``(n_articles, range share, Gries' DP, top article share)``; a term absent from the side
    has ``(0, 0.0, NaN, NaN)``.

    ``arrays``: ``[codes, where, values, sizes]``, long arrays of term code,
    article index within the side and count, then the side's article sizes;
    the list is emptied, so each array is freed once sorted.

    DP (Gries 2008): with ``s_i`` the share of the side's tokens in article
    ``i`` and ``v_i`` the share of the term's uses there, DP = ½ Σ |v_i − s_i|.
    Each term's articles are summed in article order, as the token-based
    computation before it did, so the floats are the same to the bit: the terms
    with the same number of articles are one matrix, summed along its rows
    (NumPy sums a contiguous row as it sums the same values alone), so the cost
    is a few array operations per distinct number of articles, not per term.
    """
    codes, where, values, sizes = arrays
    arrays.clear()
    wanted = np.asarray(wanted)
    n_articles = np.zeros(len(wanted), dtype=np.int64)
    range_share = np.zeros(len(wanted))
    dp = np.full(len(wanted), np.nan)
    top = np.full(len(wanted), np.nan)
    total_size = sizes.sum()
    if len(sizes) == 0 or total_size == 0:
        return n_articles, range_share, dp, top
    share = sizes / total_size
    if len(where) < 2 or (np.diff(where) >= 0).all():
        order = np.argsort(codes, kind="stable")  # rows in article order already: by term, then article
    else:
        order = np.lexsort((where, codes))
    codes = codes[order]
    where = where[order]
    values = values[order]
    del order
    starts = np.searchsorted(codes, wanted, side="left")
    lengths = np.searchsorted(codes, wanted, side="right") - starts
    n_articles[:] = lengths
    range_share[:] = lengths / len(sizes)
    present = np.flatnonzero(lengths > 0)
    by_length = present[np.argsort(lengths[present], kind="stable")]
    bounds = np.flatnonzero(np.diff(lengths[by_length])) + 1
    for group in np.split(by_length, bounds) if len(by_length) else []:
        length = int(lengths[group[0]])
        step = max(1, (1 << 20) // length)  # about a million cells at a time: the loop it replaced used less
        for part in (group[at : at + step] for at in range(0, len(group), step)):
            rows = starts[part][:, None] + np.arange(length)  # terms × articles, contiguous rows
            counts = values[rows].astype(float)
            f = counts.sum(axis=1)
            side_share = share[where[rows]]
            # Articles without the term contribute |0 - s_i| = s_i.
            dp[part] = 0.5 * (np.abs(counts / f[:, None] - side_share).sum(axis=1) + (1.0 - side_share.sum(axis=1)))
            top[part] = counts.max(axis=1) / f
    return n_articles, range_share, dp, top


def audit_terms(table: pd.DataFrame, top: int = 100, column: str = "term", boilerplate=None) -> pd.DataFrame:
    """Rows among the ``top`` terms of a term table that should not be there.

    A term is flagged ``boilerplate`` when it is, or contains, a dateline or
    agency formula of ``boilerplate`` (a Corpus, a file; None: the sample's ``data/defaults/boilerplate.csv``: ``日电``, ``本报讯``,
    ``记者``), and ``split`` when it is a digit or Latin letter cut one per
    token (a single ASCII letter or digit, or any full-width ASCII character
    left unfolded).  Returns the offending rows with a ``problem`` column;
    an empty result is a clean table.

    >>> audit_terms(pd.DataFrame({"term": ["发展", "日电", "Ａ", "APEC"]}))["problem"].tolist()
    ['boilerplate', 'split']
    """
    head = table.head(top)
    problems = []
    for term in head[column].astype(str):
        if boilerplate_matches(term, boilerplate) or _contains_boilerplate(term, boilerplate):
            problems.append("boilerplate")
        elif any(0xFF01 <= ord(ch) <= 0xFF5E for ch in term) or (len(term) == 1 and term.isascii() and term.isalnum()):
            problems.append("split")
        else:
            problems.append("")
    out = head.assign(problem=problems)
    return out[out["problem"] != ""].reset_index(drop=True)


def _contains_boilerplate(term: str, boilerplate=None) -> bool:
    # A term holding a whole formula (新华社记者) is boilerplate too, and so is the
    # tail of a dateline cut off its date (日电 of 1月1日电): blanking "1" + term
    # and seeing the term change says so.
    folded = "1" + term.translate({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
    return prepare_text(folded, boilerplate) != folded


# --------------------------------------------------------------------------- over time

PERIOD_COLUMNS = ["period", "term", "count", "rate_per_10k", "doc_freq", "n_tokens", "n_docs"]


def period_term_frequency(by_issue: pd.DataFrame, sizes: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Term frequencies per period: the build's per-issue table (:func:`term_frequency` ``by="issue"``)
    summed into the ``freq`` periods of :func:`analysis.corpus.periods.period_labels`.

    ``sizes``: one row per article, ``issue_date`` and ``n_tokens`` (word
    tokens, stopwords included: the per-article dataset's ``articles``), so
    an issue without any term still counts in its period's size.  Columns
    :data:`PERIOD_COLUMNS` (``rate_per_10k`` per 10,000 word tokens of the
    period; ``doc_freq`` sums over issues, which is exact because an article
    belongs to one issue).  Undated articles are left out.  Sorted by
    period, count descending, term.

    >>> by_issue = pd.DataFrame({"issue_date": ["2024-12-01", "2024-12-03"], "term": ["发展", "发展"],
    ...                          "count": [2, 3], "doc_freq": [1, 2]})
    >>> sizes = pd.DataFrame({"issue_date": ["2024-12-01", "2024-12-03", "2024-12-03"], "n_tokens": [100, 50, 50]})
    >>> period_term_frequency(by_issue, sizes, "M")[["period", "count", "rate_per_10k", "doc_freq"]].values.tolist()
    [['2024-12', 5, 250.0, 3]]
    """
    sizes = pd.DataFrame({"period": period_labels(sizes["issue_date"], freq).to_numpy(),
                          "n_tokens": sizes["n_tokens"].to_numpy()})
    totals = sizes[sizes["period"] != UNDATED].groupby("period").agg(n_tokens=("n_tokens", "sum"),
                                                                    n_docs=("n_tokens", "size"))
    if by_issue.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PERIOD_COLUMNS})
    table = _period_sums(by_issue, freq).join(totals, on="period")
    table["rate_per_10k"] = table["count"] / table["n_tokens"] * 10_000
    table = table.sort_values(["period", "count", "term"], ascending=[True, False, True], kind="mergesort")
    return table[PERIOD_COLUMNS].reset_index(drop=True)


def _period_sums(by_issue: pd.DataFrame, freq: str) -> pd.DataFrame:
    """``period``, ``term``, ``count``, ``doc_freq``: the per-issue rows summed per period and term
    (undated issues left out), in no particular order.

    Summed on integer codes: each issue date is labelled once and each term coded once, and the
    (period, term) pairs are numbered by a sort of integers, not grouped as strings (the development
    corpus's 2.2 million per-issue rows: 2.9 s of chapter 2 as a pandas group-by of two string columns).
    """
    issue_codes, issues = pd.factorize(by_issue["issue_date"])  # a missing date: code -1
    labels = period_labels(pd.Series(np.asarray(issues, dtype=object), dtype=object), freq).to_numpy(dtype=object)
    dated = labels != UNDATED
    period_codes, periods = pd.factorize(labels[dated])
    code_of_issue = np.full(len(issues) + 1, -1, dtype=np.int64)  # the last one: for code -1
    code_of_issue[np.flatnonzero(dated)] = period_codes
    period = code_of_issue[issue_codes]
    term, terms = pd.factorize(by_issue["term"])
    keep = (period >= 0) & (term >= 0)
    pair = period[keep] * max(len(terms), 1) + term[keep]
    pairs, which = np.unique(pair, return_inverse=True)
    sums = {column: np.bincount(which, weights=by_issue[column].to_numpy(dtype=np.int64)[keep],
                                minlength=len(pairs)).astype(np.int64)
            for column in ("count", "doc_freq")}
    return pd.DataFrame({"period": np.asarray(periods, dtype=object)[pairs // max(len(terms), 1)],
                         "term": np.asarray(terms, dtype=object)[pairs % max(len(terms), 1)], **sums})


def period_leaders(period_tf: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` most frequent terms of each period of :func:`period_term_frequency`, one row per period:
    ``period``, ``n_docs``, ``n_tokens``, ``top`` (``term (count)`` joined with 、)."""
    if period_tf.empty:
        return pd.DataFrame(columns=["period", "n_docs", "n_tokens", "top"])
    rows = []
    for period, group in period_tf.groupby("period", sort=True):
        head = group.head(n)
        rows.append({"period": period, "n_docs": int(group["n_docs"].iloc[0]), "n_tokens": int(group["n_tokens"].iloc[0]),
                     "top": "、".join(f"{t} ({c})" for t, c in zip(head["term"], head["count"]))})
    return pd.DataFrame(rows)


def trend_matrix(period_tf: pd.DataFrame, terms: list[str]) -> pd.DataFrame:
    """Rate per 10,000 tokens of ``terms`` (rows) in every period of :func:`period_term_frequency`
    (columns, in time order); 0 where a term is absent."""
    periods = sorted(period_tf["period"].unique()) if len(period_tf) else []
    wide = period_tf[period_tf["term"].isin(terms)].pivot_table(index="term", columns="period", values="rate_per_10k",
                                                                 aggfunc="sum", fill_value=0.0)
    return wide.reindex(index=terms, columns=periods, fill_value=0.0)


def keyness_split(articles: pd.DataFrame, freq: str) -> dict | None:
    """Target = the latest ``freq`` period with articles, reference = every earlier article.

    Returns ``{"mask", "reference_mask", "target", "target_dates",
    "reference", "n_target", "n_reference", "n_periods"}`` (masks aligned
    with ``articles``; undated articles are in neither side), or None when
    the dated articles fall in fewer than two periods (nothing earlier to
    compare with).

    >>> arts = pd.DataFrame({"issue_date": ["2024-12-01", "2025-02-13", "2025-02-13"]})
    >>> split = keyness_split(arts, "W")
    >>> split["target"], split["n_target"], split["n_reference"]
    ('2025-02-10', 2, 1)
    """
    labels = period_labels(articles["issue_date"], freq)
    periods = sorted(set(labels) - {UNDATED})
    if len(periods) < 2:
        return None
    latest = periods[-1]
    mask = (labels == latest).to_numpy()
    reference = ((labels != UNDATED) & (labels != latest)).to_numpy()
    dates = articles["issue_date"].astype(str).to_numpy()

    def span(selected) -> str:
        first, last = min(dates[selected]), max(dates[selected])
        return first if first == last else f"{first} to {last}"

    return {"mask": mask, "reference_mask": reference, "target": latest, "target_dates": span(mask),
            "reference": span(reference), "n_target": int(mask.sum()), "n_reference": int(reference.sum()),
            "n_periods": len(periods)}


def split_keyness(counts: pd.DataFrame, sizes: pd.DataFrame, split: dict, *, min_count: int = 3,
                  key: str = "article_order") -> pd.DataFrame:
    """Keyness of a :func:`keyness_split`: its latest period against every earlier article.

    ``sizes``: one row per article of the split (aligned with the articles
    :func:`keyness_split` was given), with ``key`` and ``n_tokens``;
    ``counts``: per-article term counts (``key``, ``term``, ``count``), of
    these articles or of the whole corpus (see :func:`keyness_from_counts`).
    Columns of :func:`keyness_from_counts`, plus ``articles_behind``
    (articles of the side the term is key for that use it) and
    ``largest_article_share`` (share of that side's count in its one busiest
    article: 1.0 means a single article carries the term).
    """
    dated = split["mask"] | split["reference_mask"]
    key_table = keyness_from_counts(counts, sizes[dated].reset_index(drop=True), split["mask"][dated],
                                    min_count=min_count, key=key)
    # keyness_from_counts already measures dispersion on the key side: n_articles and top_article_share.
    return key_table.assign(articles_behind=key_table["n_articles"].astype("int64"),
                            largest_article_share=key_table["top_article_share"].astype(float).fillna(0.0))


def compact_term_counts(batches, n_rows: int) -> pd.DataFrame:
    """Per-article term counts as ``article_order, term, count`` in 4-byte integers, ``term``
    categorical, from Arrow record batches with those columns (``term`` dictionary-encoded: the per-article
    dataset's ``term_counts`` as :meth:`analysis.tables.Tables.dataset_batches` reads it with
    ``categorical=("term",)``); ``n_rows``: their number of rows (:meth:`~analysis.tables.Tables.dataset_rows`).

    Each batch's dictionary is mapped to one vocabulary and the arrays are
    filled in place, batch by batch: millions of rows (6.3 M on the
    48,000-article generated corpus) take 12 bytes each and no string;
    reading them whole through Arrow and pandas peaked at 300 MB more.
    """
    import pyarrow as pa

    orders, codes, counts = (np.empty(n_rows, dtype=np.int32) for _ in range(3))
    dictionaries, spans = [], []
    at = 0
    for batch in batches:
        term = batch.column("term")
        stop = at + batch.num_rows
        if stop > n_rows:
            raise ValueError(f"term counts: more than the {n_rows} rows announced")
        # The batch's own codes for now; mapped to the one vocabulary once every dictionary is known.
        codes[at:stop] = term.indices.to_numpy(zero_copy_only=False)
        orders[at:stop] = batch.column("article_order").to_numpy()
        counts[at:stop] = batch.column("count").to_numpy()
        dictionaries.append(term.dictionary)
        spans.append((at, stop, len(term.dictionary)))
        at = stop
    if at != n_rows:
        raise ValueError(f"term counts: read {at} rows, {n_rows} announced")
    # Arrow numbers the terms of all the dictionaries, in turn, by first appearance (as a dict filled
    # dictionary by dictionary would, without a Python call per entry).
    if dictionaries:
        encoded = pa.concat_arrays([d.cast(pa.large_string()) for d in dictionaries]).dictionary_encode()
        ids = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        vocabulary = encoded.dictionary.to_pylist()
    else:
        ids, vocabulary = np.empty(0, dtype=np.int32), []
    first = 0
    for begin, end, size in spans:
        codes[begin:end] = ids[first : first + size][codes[begin:end]]
        first += size
    # copy=False: the three arrays become the frame's columns as they are.
    return pd.DataFrame({"article_order": orders, "term": pd.Categorical.from_codes(codes, categories=list(vocabulary)),
                         "count": counts}, copy=False)


# --------------------------------------------------------------------------- KWIC


def kwic(
    articles: pd.DataFrame,
    term: str,
    tokens: pd.DataFrame | None = None,
    width: int = 15,
    match: str = "token",
    aliases=None,
    corpus=None,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``term`` with its source.

    ``corpus``: whose segmenter, aliases and boilerplate find the tokens
    (None: the sample's); ``aliases`` (a dict, or False for none) replaces
    the corpus's.

    ``match="token"`` lists occurrences of ``term`` as a token (exactly the
    occurrences counted by :func:`term_frequency`, aliases included: ``丰台``
    lists ``丰台区`` too, with the printed form in ``match``); ``match="substring"``
    lists every occurrence of the string, inside longer words too.

    Columns: ``article_id``, ``issue_date``, ``date``, ``headline``,
    ``source`` (raw file), ``line`` (raw line number of the match),
    ``offset`` (character offset in ``text``), ``left``, ``match``,
    ``right`` (``width`` characters of context; paragraph breaks shown as
    " / ").  In article order, then offset.

    >>> from analysis.corpus import load_articles
    >>> kwic(load_articles(), "安娜·帕拉希奥")["line"].tolist()
    [3, 30, 50]
    """
    if match not in ("token", "substring"):
        raise ValueError("match must be 'token' or 'substring'")
    if match == "token" and tokens is None and len(articles):
        tokens = tokenize_articles(articles, corpus)
    data = align_tokens(articles, tokens) if match == "token" else articles
    term_of = term_map(corpus) if aliases is None else terms_of(aliases)
    prepare = text_preparer(corpus)
    # The tokens that count as the term: itself (unless it is an alias of another) and its aliases.
    forms = {tok for tok, mapped in term_of.items() if mapped == term} | ({term} if term not in term_of else set())
    rows = []
    # Rows as dicts, not Series (iterrows made a Series per article: a third of a concordance of 7,000
    # articles), and offsets only as far as the last token that counts as the term.
    for article in data.to_dict("records"):
        text = str(article["text"])
        if match == "token":
            toks = article["tokens"]
            hits = [i for i, tok in enumerate(toks) if tok in forms]
            if not hits:
                continue
            at_of = token_offsets(prepare(text), toks[: hits[-1] + 1], prepared=True)
            printed = {at_of[i]: text[at_of[i] : at_of[i] + len(toks[i])] for i in hits}
            offsets = sorted(printed)
        else:
            offsets, at = [], text.find(term)
            while at >= 0 and term:
                offsets.append(at)
                at = text.find(term, at + len(term))
        for at in offsets:
            size = len(printed[at]) if match == "token" else len(term)
            left = text[max(0, at - width) : at].replace("\n", " / ")
            right = text[at + size : at + size + width].replace("\n", " / ")
            rows.append((
                str(article["article_id"]), article.get("issue_date", ""), article.get("date", ""),
                article.get("headline", ""), article.get("source", ""), int(source_line(article, at)),
                at, left, text[at : at + len(term)] if match == "substring" else printed[at], right,
            ))
    return pd.DataFrame(rows, columns=KWIC_COLUMNS).astype({"line": "int64", "offset": "int64"})
