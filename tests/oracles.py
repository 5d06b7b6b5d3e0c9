"""Reference implementations of the package's measures, in plain pandas: the oracle the tests compare
the build's (DuckDB, Arrow, per-article) implementations against.

They were the package's first implementations; the package keeps one
implementation of each measure (:mod:`analysis.aggregate`), and these stay
here, verbatim in what they compute, so that a change of the package's
implementation that changes a number fails a test.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.aggregate.formulations import AGGREGATE_COLUMNS, TABLE_COLUMNS, rank_formulations
from analysis.aggregate.frequency import (DISPERSION_COLUMNS, ONE_ARTICLE_SHARE, TF_COLUMNS, align_tokens as _aligned,
                                          collocation_table, keyness_counts, keyness_from_counts)
from analysis.perarticle.formulations import find_enumerations, normalize


from analysis.perarticle.terms import TermCounter as _TermClassifier
from analysis.perarticle.terms import terms_of as _term_map
from analysis.tokens import get_segmenter, is_term, load_stopwords, stopword_set, text_preparer, token_offsets


class TermCounter(_TermClassifier):
    """The per-article term counting the package did one article at a time (now vectorised over a
    chunk in :func:`analysis.perarticle.terms.count_terms`): ``counter(tokens)`` → ``[(term, count), …]``,
    count descending, then term."""

    def __call__(self, tokens: Sequence[str]) -> list[tuple[str, int]]:
        counts = Counter([self.term(t) for t in tokens])
        counts.pop(None, None)
        return sorted(counts.items(), key=lambda tc: (-tc[1], tc[0]))


def _contiguous_runs(text: str, toks: Sequence[str], stop: frozenset[str], prepare,
                     memo: dict[str, bool] | None = None) -> Iterable[list[str]]:
    """Runs of terms that touch in the text (no punctuation, space or stopword between).

    ``memo``: a dict remembering, per distinct token, whether it is a term
    (pass the same dict for every article of a corpus).
    """
    run: list[str] = []
    end = -1
    memo = {} if memo is None else memo
    for token, at in zip(toks, token_offsets(prepare(text), toks, prepared=True)):
        ok = memo.get(token)
        if ok is None:
            ok = memo[token] = token not in stop and is_term(token)
        if ok and run and at == end:
            run.append(token)
        else:
            if run:
                yield run
            run = [token] if ok else []
        end = at + len(token)
    if run:
        yield run


class NgramCounter:
    """The n-grams of one article: ``counter(text, tokens)`` → ``{n: {ngram: count}}``.

    An n-gram is ``n`` terms that touch in the text (no punctuation, space,
    line break or stopword between), mapped through the aliases and joined by
    a space.  The per-article stage (:mod:`analysis.perarticle.stage`)
    caches them per article; :class:`analysis.aggregate.frequency.NgramTotals` sums them.

    >>> NgramCounter((2,), frozenset({"的"}), False)("推动高质量发展的工作", ["推动", "高质量", "发展", "的", "工作"])
    {2: {'推动 高质量': 1, '高质量 发展': 1}}
    """

    def __init__(self, ns: Sequence[int] = (2, 3), stopwords: frozenset[str] | None = None, aliases=None,
                 boilerplate=None):
        if any(n < 1 for n in ns):
            raise ValueError("n must be at least 1")
        self.ns = tuple(ns)
        self.stop = stopword_set() if stopwords is None else stopwords
        self.term_of = _term_map(aliases)
        self.prepare = text_preparer(boilerplate)
        self._is_term: dict[str, bool] = {}

    def __call__(self, text: str, tokens: Sequence[str]) -> dict[int, dict[str, int]]:
        term_of = self.term_of
        grams: dict[int, list[str]] = {n: [] for n in self.ns}
        for run in _contiguous_runs(str(text), tokens, self.stop, self.prepare, self._is_term):
            run = [term_of.get(t, t) for t in run]
            for n, found in grams.items():
                if len(run) >= n:
                    found.extend([" ".join(run[i : i + n]) for i in range(len(run) - n + 1)])
        return {n: dict(Counter(found)) for n, found in grams.items()}


GROUPINGS = {None: None, "issue": "issue_date", "month": "month"}


def _group_values(articles: pd.DataFrame, by: str | None) -> pd.Series:
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {list(GROUPINGS)}, not {by!r}")
    if by == "issue":
        return articles["issue_date"].astype(str)
    if by == "month":
        # Publication month of the issue (not the event date in the dateline).
        return articles["issue_date"].astype(str).str.slice(0, 7)
    return pd.Series([""] * len(articles), index=articles.index)


def article_term_counts(
    tokens: pd.DataFrame, stopwords: frozenset[str] | None = None, aliases=None
) -> pd.DataFrame:
    """Long table of term counts per article.

    Columns: ``article_id``, ``term``, ``count`` (int), ``n_tokens`` (word
    tokens in the article).  Sorted by article (input order), count
    descending, term.  Tokens are mapped to terms through ``aliases``
    (None: ``data/aliases.csv``; False: none; or a dict).  Summing ``count`` over articles gives the corpus
    counts of :func:`term_frequency`.

    """
    counter = TermCounter(stopwords, aliases)
    rows = []
    for article_id, toks in zip(tokens["article_id"], tokens["tokens"]):
        toks = list(toks)
        for term, count in counter(toks):
            rows.append((str(article_id), term, count, len(toks)))
    frame = pd.DataFrame(rows, columns=["article_id", "term", "count", "n_tokens"])
    return frame.astype({"count": "int64", "n_tokens": "int64"})


def term_frequency(
    articles: pd.DataFrame,
    tokens: pd.DataFrame,
    by: str | None = None,
    stopwords: frozenset[str] | None = None,
    aliases=None,
) -> pd.DataFrame:
    """Term frequency and document frequency, for the corpus or per group.

    ``by``: None (whole corpus), ``"issue"`` (per ``issue_date``) or
    ``"month"`` (per publication month ``YYYY-MM`` of the issue).

    Columns: the group column first when grouped (``issue_date`` or
    ``month``), then ``term``, ``count`` (occurrences), ``rate_per_10k``
    (count per 10,000 word tokens of the group), ``doc_freq`` (articles of
    the group containing the term), ``n_tokens`` (word tokens in the group,
    stopwords included), ``n_docs`` (articles in the group).  Sorted by
    group, count descending, then term.  An empty corpus gives an empty
    table with these columns.

    """
    group_col = GROUPINGS.get(by, "?")
    data = _aligned(articles, tokens)
    groups = _group_values(data, by)
    counts = article_term_counts(data[["article_id", "tokens"]], stopwords, aliases)
    columns = ([group_col] if group_col else []) + TF_COLUMNS
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("count", "doc_freq", "n_tokens", "n_docs")
                                          else "float64" if c == "rate_per_10k" else object)
                             for c in columns})
    group_of = dict(zip(data["article_id"].astype(str), groups))
    counts["group"] = counts["article_id"].map(group_of)
    sizes = pd.DataFrame({"group": groups.values, "n_tokens": [len(t) for t in data["tokens"]]})
    sizes = sizes.groupby("group", sort=True).agg(n_tokens=("n_tokens", "sum"), n_docs=("n_tokens", "size"))
    table = counts.groupby(["group", "term"], sort=True).agg(
        count=("count", "sum"), doc_freq=("article_id", "nunique")
    ).reset_index()
    table = table.join(sizes, on="group")
    table["rate_per_10k"] = table["count"] / table["n_tokens"] * 10_000
    table = table.sort_values(["group", "count", "term"], ascending=[True, False, True], kind="mergesort")
    if group_col:
        table = table.rename(columns={"group": group_col})
    return table[columns].reset_index(drop=True).astype(
        {"count": "int64", "doc_freq": "int64", "n_tokens": "int64", "n_docs": "int64"}
    )


def ngram_table(per_article: Iterable[Mapping[str, int]], min_count: int = 2) -> pd.DataFrame:
    """Sum per-article n-gram counts (as :class:`NgramCounter` gives them) into the
    table of :func:`ngram_frequency`.

    """
    counts: Counter[str] = Counter()
    docs: Counter[str] = Counter()
    for grams in per_article:
        counts.update(grams)
        docs.update(grams.keys())
    rows = [(g, c, docs[g]) for g, c in counts.items() if c >= min_count]
    table = pd.DataFrame(rows, columns=["ngram", "count", "doc_freq"]).astype({"count": "int64", "doc_freq": "int64"})
    return table.sort_values(["count", "ngram"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def ngram_frequency(
    articles: pd.DataFrame,
    tokens: pd.DataFrame,
    n: int = 2,
    min_count: int = 2,
    stopwords: frozenset[str] | None = None,
    aliases=None,
    corpus=None,
) -> pd.DataFrame:
    """Frequency of n-grams of terms that are adjacent in the text.

    An n-gram never spans punctuation, a line break or a stopword, so
    ``推动/高质量发展`` counts only where the two words touch.

    Columns: ``ngram`` (terms joined by a space), ``count``, ``doc_freq``.
    Sorted by count descending, then ngram; n-grams seen fewer than
    ``min_count`` times are dropped.
    """
    counter = NgramCounter((n,), stopwords, aliases, corpus)
    data = _aligned(articles, tokens)
    return ngram_table((counter(str(text), toks)[n] for text, toks in
                        zip(data["text"] if len(data) else [], data["tokens"])), min_count)


def collocations(
    articles: pd.DataFrame,
    tokens: pd.DataFrame,
    min_count: int = 2,
    stopwords: frozenset[str] | None = None,
    aliases=None,
    corpus=None,
) -> pd.DataFrame:
    """Adjacent term pairs scored by log-likelihood (G²) and PMI.

    Columns: ``w1``, ``w2``, ``count`` (pair), ``count_w1``, ``count_w2``
    (the words' term counts), ``pmi`` (log2), ``g2`` (Dunning's
    log-likelihood of the 2×2 table over ``n`` = all word tokens).  Sorted by
    g2 descending, then w1, w2.
    """
    stop = stopword_set() if stopwords is None else stopwords
    grams = ngram_frequency(articles, tokens, n=2, min_count=min_count, stopwords=stop, aliases=aliases,
                            corpus=corpus)
    if grams.empty:
        return collocation_table(grams, {}, 0)
    data = _aligned(articles, tokens)
    term_of = _term_map(aliases)
    unigram = Counter(term_of.get(t, t) for toks in data["tokens"] for t in toks)
    return collocation_table(grams, unigram, sum(len(t) for t in data["tokens"]))


def keyness(
    articles: pd.DataFrame,
    tokens: pd.DataFrame,
    target,
    min_count: int = 3,
    stopwords: frozenset[str] | None = None,
    aliases=None,
) -> pd.DataFrame:
    """Keyness of the target sub-corpus against the rest of the corpus, with dispersion.

    ``target`` selects the target articles: a boolean mask aligned with
    ``articles``, or a dict such as ``{"issue_date": "2025-02-13"}`` (rows
    whose columns equal these values).  The reference corpus is every other
    article.  Columns as :func:`keyness_counts`, then :data:`DISPERSION_COLUMNS`:
    ``n_articles_target`` / ``n_articles_reference`` (articles containing the
    term on each side), and, on the side the term is key for: ``n_articles``,
    ``range`` (share of that side's articles containing it), ``dp`` (Gries'
    deviation of proportions over its articles: 0 = spread as the articles'
    sizes predict, near 1 = all in one small article), ``top_article_share``
    (share of its uses in its most frequent article) and ``one_article``
    (True when one article carries it: ``n_articles == 1`` or
    ``top_article_share >= ONE_ARTICLE_SHARE``).  A key word carried by one
    article marks that article, not the sub-corpus.

    """
    data = _aligned(articles, tokens)
    if isinstance(target, Mapping):
        mask = pd.Series(True, index=data.index)
        for column, value in target.items():
            mask &= data[column].astype(str) == str(value)
    else:
        mask = pd.Series(np.asarray(target, dtype=bool), index=data.index)
    # Articles are keyed by position, so duplicate ids count as separate articles.
    counter = TermCounter(stopwords, aliases)
    counts = pd.DataFrame([(i, term, c) for i, toks in enumerate(data["tokens"]) for term, c in counter(list(toks))],
                          columns=["position", "term", "count"])
    sizes = pd.DataFrame({"position": np.arange(len(data)), "n_tokens": [len(ts) for ts in data["tokens"]]})
    return keyness_from_counts(counts, sizes, mask.to_numpy(), min_count=min_count, key="position")


def formulation_table(occurrences: pd.DataFrame, articles: pd.DataFrame | None = None, corpus=None, *,
                      dictionary: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per formulation, from :func:`extract_formulations`, ranked (:func:`rank_formulations`).

    Columns (see the module docstring for the ranking ones): ``formulation``,
    ``kind``, ``count`` (occurrences), ``quoted_count`` (of which inside
    quotes), ``n_articles``, ``first_issue_date``, ``first_article_id``,
    ``first_source``, ``first_line`` (earliest occurrence: issue date, then
    source, then line), ``expansion`` (for enumerations: the items they name,
    from their first appearance; else ""), ``article_ids`` (";"-separated, by
    first appearance), then ``enumerated_count, quoted_share, quoted_articles,
    top_article_share, dictionary_freq, nested_share, first_quoted_issue_date,
    first_quoted_article_id, score, rank_basis``.  Set phrases first, by
    score.  Quotations are left out.  Pass ``articles`` to recover
    expansions, ``dictionary`` (word → frequency; default
    :func:`jieba_dictionary`) for the common-word rule.
    """
    occ = occurrences[occurrences["kind"] != "quotation"]
    if occ.empty:
        return rank_formulations(pd.DataFrame(columns=AGGREGATE_COLUMNS))
    occ = occ.sort_values(["issue_date", "source", "line", "offset"], kind="mergesort")
    expansions: dict[str, str] = {}
    if articles is not None:
        cut = get_segmenter(corpus).cut
        for text in articles["text"]:
            for _, slogan, items in find_enumerations(normalize(str(text))[0], cut):
                expansions.setdefault(slogan, items)
    occ = occ.assign(_marked=occ["quoted"].astype(bool) | occ["enumerated"].astype(bool))
    rows = []
    for phrase, group in occ.groupby("formulation", sort=True):
        first = group.iloc[0]
        ids = list(dict.fromkeys(group["article_id"]))
        quoted_rows = group[group["_marked"].to_numpy()]
        first_quoted = quoted_rows.iloc[0] if len(quoted_rows) else None
        rows.append((
            phrase, first["kind"], len(group), int(group["quoted"].sum()), len(ids), first["issue_date"],
            first["article_id"], first["source"], int(first["line"]), expansions.get(phrase, ""), ";".join(ids),
            int(group["enumerated"].astype(bool).sum()), int(quoted_rows["article_id"].nunique()),
            int(group["article_id"].value_counts().iloc[0]),
            "" if first_quoted is None else first_quoted["issue_date"],
            "" if first_quoted is None else first_quoted["article_id"],
        ))
    return rank_formulations(pd.DataFrame(rows, columns=AGGREGATE_COLUMNS), dictionary)



def term_tables(articles: pd.DataFrame, corpus=None) -> dict[str, pd.DataFrame]:
    """Every term table of the build, from the modules called on the whole corpus (the pandas way):
    ``tokens``, ``term_frequency`` (corpus, by issue, by month), ``formulations``, ``formulation_occurrences``."""
    from analysis.perarticle.formulations import extract_formulations
    from analysis.tokens import term_map, tokenize_articles

    tokens = tokenize_articles(articles, corpus)
    facts = {"stopwords": stopword_set(corpus), "aliases": term_map(corpus)}
    occurrences = extract_formulations(articles, corpus=corpus)
    return {
        "tokens": tokens,
        "term_frequency": term_frequency(articles, tokens, **facts),
        "term_frequency_by_issue": term_frequency(articles, tokens, by="issue", **facts),
        "term_frequency_by_month": term_frequency(articles, tokens, by="month", **facts),
        "formulations": formulation_table(occurrences, articles, corpus),
        "formulation_occurrences": occurrences,
    }


# --------------------------------------------------------------------------- the reference (967a9bc, verbatim)

def keyness_before(articles, tokens, target, min_count=3, stopwords=None, aliases=None):
    data = _aligned(articles, tokens)
    if isinstance(target, Mapping):
        mask = pd.Series(True, index=data.index)
        for column, value in target.items():
            mask &= data[column].astype(str) == str(value)
    else:
        mask = pd.Series(np.asarray(target, dtype=bool), index=data.index)
    stop = load_stopwords() if stopwords is None else stopwords
    term_of = _term_map(aliases)

    def side(rows: pd.DataFrame):
        per_article = [Counter(term_of.get(t, t) for t in ts if t not in stop and is_term(t)) for ts in rows["tokens"]]
        sizes = np.array([len(ts) for ts in rows["tokens"]], dtype=float)
        total = Counter()
        for c in per_article:
            total.update(c)
        return per_article, sizes, total, int(sizes.sum())

    target_side, reference_side = side(data[mask]), side(data[~mask])
    table = keyness_counts(target_side[2], target_side[3], reference_side[2], reference_side[3], min_count=min_count)
    if table.empty:
        for column in DISPERSION_COLUMNS:
            table[column] = pd.Series(dtype=bool if column == "one_article" else float)
        return table
    disp_t, disp_r = _dispersion_before(*target_side[:2]), _dispersion_before(*reference_side[:2])
    empty = (0, 0.0, math.nan, math.nan)
    rows = []
    for term, key_for in zip(table["term"], table["key_for"]):
        dt, dr = disp_t.get(term, empty), disp_r.get(term, empty)
        n, rng, dp, top = dt if key_for == "target" else dr
        rows.append((dt[0], dr[0], n, rng, dp, top, bool(n == 1 or (top == top and top >= ONE_ARTICLE_SHARE))))
    extra = pd.DataFrame(rows, columns=DISPERSION_COLUMNS, index=table.index)
    table = pd.concat([table, extra], axis=1)
    return table.astype({"n_articles_target": "int64", "n_articles_reference": "int64", "n_articles": "int64",
                         "one_article": bool})


def _dispersion_before(per_article, sizes):
    total_size = sizes.sum()
    if not per_article or total_size == 0:
        return {}
    share = sizes / total_size
    where: dict[str, list[tuple[int, int]]] = {}
    for i, counts in enumerate(per_article):
        for term, c in counts.items():
            where.setdefault(term, []).append((i, c))
    out = {}
    n_parts = len(per_article)
    for term, hits in where.items():
        idx = np.array([i for i, _ in hits])
        counts = np.array([c for _, c in hits], dtype=float)
        f = counts.sum()
        v = counts / f
        dp = 0.5 * (np.abs(v - share[idx]).sum() + (1.0 - share[idx].sum()))
        out[term] = (len(hits), len(hits) / n_parts, float(dp), float(counts.max() / f))
    return out


def assert_same(after: pd.DataFrame, before: pd.DataFrame) -> None:
    """Same columns, dtypes, order and values, floats to the bit."""
    pd.testing.assert_frame_equal(after, before, check_exact=True)


