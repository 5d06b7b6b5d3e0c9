"""Term tables: frequency, document frequency, n-grams, collocations, keyness, KWIC.

All tables are computed from the articles table and the tokens table
(:func:`analysis.tokens.tokenize_articles`).  Conventions, as corpus
linguists report them:

* a **term** is a token that contains a letter (Han or Latin) and is not a
  stopword (``data/stopwords.csv``); pure numbers and stopwords are counted
  in the corpus size but are never terms;
* **corpus size** (``n_tokens``) is the number of word tokens, stopwords and
  numbers included, so a rate per 10,000 tokens reads as "per 10,000 running
  words";
* **document frequency** counts articles containing the term at least once;
* one place or institution is **one term**: tokens are mapped through
  ``data/aliases.csv`` (:func:`analysis.tokens.apply_aliases`; ``丰台区`` and
  ``丰台`` count as ``丰台``) before counting; the tokens table keeps the
  printed form;
* dateline and agency formulas never reach the tables: the segmenter blanks
  them (``data/boilerplate.csv``), and :func:`audit_terms` checks a table's
  top terms for any left (or for digits split one per token).

Every count can be traced to its text with :func:`kwic`, which lists the
same occurrences the counts are made of, with source file and line.

>>> from analysis.corpus import load_articles
>>> from analysis.tokens import tokenize_articles
>>> arts = load_articles(); toks = tokenize_articles(arts)
>>> tf = term_frequency(arts, toks)
>>> list(tf.columns)
['term', 'count', 'rate_per_10k', 'doc_freq', 'n_tokens', 'n_docs']
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.tokens import (alias_map, boilerplate_matches, is_term, load_stopwords, prepare_text, text_preparer,
                             token_offsets, tokenize_articles)

GROUPINGS = {None: None, "issue": "issue_date", "month": "month"}
TF_COLUMNS = ["term", "count", "rate_per_10k", "doc_freq", "n_tokens", "n_docs"]
KEYNESS_COLUMNS = [
    "term", "count_target", "count_reference", "rate_target", "rate_reference",
    "g2", "p_value", "log_ratio", "key_for",
]
#: Dispersion columns added by :func:`keyness` (per article, on the side the term is key for).
DISPERSION_COLUMNS = ["n_articles_target", "n_articles_reference", "n_articles", "range", "dp",
                      "top_article_share", "one_article"]
#: A key term whose single most frequent article holds at least this share of its
#: uses (on its key side) is flagged ``one_article``: it marks that article.
ONE_ARTICLE_SHARE = 0.75
KWIC_COLUMNS = [
    "article_id", "issue_date", "date", "headline", "source", "line", "offset", "left", "match", "right",
]


def _aligned(articles: pd.DataFrame, tokens: pd.DataFrame) -> pd.DataFrame:
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


def _group_values(articles: pd.DataFrame, by: str | None) -> pd.Series:
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {list(GROUPINGS)}, not {by!r}")
    if by == "issue":
        return articles["issue_date"].astype(str)
    if by == "month":
        # Publication month of the issue (not the event date in the dateline).
        return articles["issue_date"].astype(str).str.slice(0, 7)
    return pd.Series([""] * len(articles), index=articles.index)


def _term_map(aliases) -> dict[str, str]:
    """The alias map to count with: None → ``data/aliases.csv``, False → none, or a dict."""
    if aliases is None:
        return alias_map()
    if aliases is False:
        return {}
    return dict(aliases)


def article_term_counts(
    tokens: pd.DataFrame, stopwords: frozenset[str] | None = None, aliases=None
) -> pd.DataFrame:
    """Long table of term counts per article.

    Columns: ``article_id``, ``term``, ``count`` (int), ``n_tokens`` (word
    tokens in the article).  Sorted by article (input order), count
    descending, term.  Tokens are mapped to terms through ``aliases``
    (None: ``data/aliases.csv``; False: none; or a dict).  Summing ``count`` over articles gives the corpus
    counts of :func:`term_frequency`.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"article_id": ["a"], "tokens": [["发展", "的", "发展", "2024"]]})
    >>> article_term_counts(t)[["term", "count", "n_tokens"]].values.tolist()
    [['发展', 2, 4]]
    """
    counter = TermCounter(stopwords, aliases)
    rows = []
    for article_id, toks in zip(tokens["article_id"], tokens["tokens"]):
        toks = list(toks)
        for term, count in counter(toks):
            rows.append((str(article_id), term, count, len(toks)))
    frame = pd.DataFrame(rows, columns=["article_id", "term", "count", "n_tokens"])
    return frame.astype({"count": "int64", "n_tokens": "int64"})


class TermCounter:
    """Counts the terms of one article's tokens: ``counter(tokens)`` → ``[(term, count), …]``,
    count descending, then term (code point order, as pandas sorts).

    A token is counted when it is not a stopword and contains a letter
    (:func:`analysis.tokens.is_term`), under its alias's term.  The test per
    distinct token is memoised: a corpus has millions of tokens but a
    vocabulary of thousands.  :func:`article_term_counts` and the per-article
    stage (:mod:`analysis.perarticle`) both count with this.

    >>> TermCounter(frozenset({"的"}), False)(["发展", "的", "发展", "2024", "丰台"])
    [('发展', 2), ('丰台', 1)]
    """

    def __init__(self, stopwords: frozenset[str] | None = None, aliases=None):
        self.stop = load_stopwords() if stopwords is None else stopwords
        self.term_of = _term_map(aliases)
        self._term: dict[str, str | None] = {}

    def term(self, token: str) -> str | None:
        """The term ``token`` counts as, or None."""
        try:
            return self._term[token]
        except KeyError:
            term = self.term_of.get(token, token) if token not in self.stop and is_term(token) else None
            self._term[token] = term
            return term

    def __call__(self, tokens: Sequence[str]) -> list[tuple[str, int]]:
        memo = self._term
        term = self.term
        counts = Counter([memo[t] if t in memo else term(t) for t in tokens])
        counts.pop(None, None)
        return sorted(counts.items(), key=lambda tc: (-tc[1], tc[0]))


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

    >>> import pandas as pd
    >>> a = pd.DataFrame({"article_id": ["x"], "issue_date": ["2025-02-13"]})
    >>> t = pd.DataFrame({"article_id": ["x"], "tokens": [["丰台", "的", "丰台", "发展"]]})
    >>> term_frequency(a, t)[["term", "count", "rate_per_10k"]].values.tolist()
    [['丰台', 2, 5000.0], ['发展', 1, 2500.0]]
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


# --------------------------------------------------------------------------- n-grams


def _contiguous_runs(text: str, toks: Sequence[str], stop: frozenset[str], prepare=prepare_text,
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
    a space.  :func:`ngram_frequency` sums these over articles; the
    per-article stage (:mod:`analysis.perarticle`) caches them per article.

    >>> NgramCounter((2,), frozenset({"的"}), False)("推动高质量发展的工作", ["推动", "高质量", "发展", "的", "工作"])
    {2: {'推动 高质量': 1, '高质量 发展': 1}}
    """

    def __init__(self, ns: Sequence[int] = (2, 3), stopwords: frozenset[str] | None = None, aliases=None):
        if any(n < 1 for n in ns):
            raise ValueError("n must be at least 1")
        self.ns = tuple(ns)
        self.stop = load_stopwords() if stopwords is None else stopwords
        self.term_of = _term_map(aliases)
        self.prepare = text_preparer()
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


def ngram_table(per_article: Iterable[Mapping[str, int]], min_count: int = 2) -> pd.DataFrame:
    """Sum per-article n-gram counts (as :class:`NgramCounter` gives them) into the
    table of :func:`ngram_frequency`.

    >>> ngram_table([{"甲 乙": 2}, {"甲 乙": 1, "乙 丙": 1}]).values.tolist()
    [['甲 乙', 3, 2]]
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
) -> pd.DataFrame:
    """Frequency of n-grams of terms that are adjacent in the text.

    An n-gram never spans punctuation, a line break or a stopword, so
    ``推动/高质量发展`` counts only where the two words touch.

    Columns: ``ngram`` (terms joined by a space), ``count``, ``doc_freq``.
    Sorted by count descending, then ngram; n-grams seen fewer than
    ``min_count`` times are dropped.
    """
    counter = NgramCounter((n,), stopwords, aliases)
    data = _aligned(articles, tokens)
    return ngram_table((counter(str(text), toks)[n] for text, toks in
                        zip(data["text"] if len(data) else [], data["tokens"])), min_count)


def _xlogx_ratio(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    return terms


def collocations(
    articles: pd.DataFrame,
    tokens: pd.DataFrame,
    min_count: int = 2,
    stopwords: frozenset[str] | None = None,
    aliases=None,
) -> pd.DataFrame:
    """Adjacent term pairs scored by log-likelihood (G²) and PMI.

    Columns: ``w1``, ``w2``, ``count`` (pair), ``count_w1``, ``count_w2``
    (the words' term counts), ``pmi`` (log2), ``g2`` (Dunning's
    log-likelihood of the 2×2 table over ``n`` = all word tokens).  Sorted by
    g2 descending, then w1, w2.
    """
    stop = load_stopwords() if stopwords is None else stopwords
    grams = ngram_frequency(articles, tokens, n=2, min_count=min_count, stopwords=stop, aliases=aliases)
    if grams.empty:
        return collocation_table(grams, {}, 0)
    data = _aligned(articles, tokens)
    term_of = _term_map(aliases)
    unigram = Counter(term_of.get(t, t) for toks in data["tokens"] for t in toks)
    return collocation_table(grams, unigram, sum(len(t) for t in data["tokens"]))


def collocation_table(grams: pd.DataFrame, word_counts: Mapping[str, int], n: int) -> pd.DataFrame:
    """Score the bigram table ``grams`` (of :func:`ngram_frequency`) by G² and PMI, given each
    word's count and the number of word tokens ``n``: the table of :func:`collocations`.

    (The build passes the terms' corpus counts from the term-frequency table:
    the same numbers, since a bigram's words are terms.)
    """
    cols = ["w1", "w2", "count", "count_w1", "count_w2", "pmi", "g2"]
    if grams.empty:
        return pd.DataFrame(columns=cols)
    unigram = word_counts
    pairs = grams["ngram"].str.split(" ", expand=True)
    c12 = grams["count"].to_numpy(float)
    c1 = pairs[0].map(unigram).to_numpy(float)
    c2 = pairs[1].map(unigram).to_numpy(float)
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

    >>> from analysis.corpus import load_articles
    >>> arts = load_articles()
    >>> key = keyness(arts, tokenize_articles(arts), {"issue_date": "2025-02-13"})
    >>> key.columns[-1]
    'one_article'
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


def keyness_from_counts(
    counts: pd.DataFrame,
    sizes: pd.DataFrame,
    target,
    min_count: int = 3,
    key: str = "article_id",
) -> pd.DataFrame:
    """:func:`keyness` from per-article term counts instead of tokens: same columns, same values.

    ``sizes``: one row per article compared, in corpus order, with ``key``
    and ``n_tokens`` (word tokens, stopwords included; an article without any
    term still counts in its side's size and number of articles).
    ``counts``: one row per article and term, with ``key``, ``term`` and
    ``count`` -- :func:`article_term_counts`, or the build's per-article
    dataset ``term_counts`` (:func:`analysis.tables.load_dataset`); rows of
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
    disp_t = _dispersion_arrays(list(side(True)), wanted)
    disp_r = _dispersion_arrays(list(side(False)), wanted)
    empty = (0, 0.0, math.nan, math.nan)
    rows = []
    for code, key_for in zip(wanted, table["key_for"]):
        dt, dr = disp_t.get(code, empty), disp_r.get(code, empty)
        n, rng, dp, top = dt if key_for == "target" else dr
        rows.append((dt[0], dr[0], n, rng, dp, top, bool(n == 1 or (top == top and top >= ONE_ARTICLE_SHARE))))
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


def _dispersion_arrays(arrays: list[np.ndarray], wanted: np.ndarray) -> dict[int, tuple[int, float, float, float]]:
    """Dispersion over one side's articles, for the term codes ``wanted``: ``{code: (n_articles,
    range share, Gries' DP, top article share)}``.

    ``arrays``: ``[codes, where, values, sizes]``, long arrays of term code,
    article index within the side and count, then the side's article sizes;
    the list is emptied, so each array is freed once sorted.

    DP (Gries 2008): with ``s_i`` the share of the side's tokens in article
    ``i`` and ``v_i`` the share of the term's uses there, DP = ½ Σ |v_i − s_i|.
    Each term's articles are summed in article order, as the token-based
    computation before it did, so the floats are the same to the bit.
    """
    codes, where, values, sizes = arrays
    arrays.clear()
    total_size = sizes.sum()
    if len(sizes) == 0 or total_size == 0:
        return {}
    share = sizes / total_size
    if len(where) < 2 or (np.diff(where) >= 0).all():
        order = np.argsort(codes, kind="stable")  # rows in article order already: by term, then article
    else:
        order = np.lexsort((where, codes))
    codes = codes[order]
    where = where[order]
    values = values[order]
    del order
    wanted = np.asarray(wanted)
    starts = np.searchsorted(codes, wanted, side="left")
    stops = np.searchsorted(codes, wanted, side="right")
    out = {}
    n_parts = len(sizes)
    for code, a, b in zip(wanted.tolist(), starts.tolist(), stops.tolist()):
        if a == b:
            continue
        idx = where[a:b]
        counts = values[a:b].astype(float)
        f = counts.sum()
        v = counts / f
        # Articles without the term contribute |0 - s_i| = s_i.
        dp = 0.5 * (np.abs(v - share[idx]).sum() + (1.0 - share[idx].sum()))
        out[code] = (b - a, (b - a) / n_parts, float(dp), float(counts.max() / f))
    return out


def keyness_sentence(key: pd.DataFrame, target: str = "the target", reference: str = "the reference",
                     alpha: float = 0.001, top: int = 3) -> str:
    """The chapter's sentence about a :func:`keyness` table, written from its numbers.

    Says how many terms are key for ``target`` at ``p < alpha``, names the
    strongest with G², p and how many articles carry it, and says so when the
    strongest rests on one article (then it marks that article, not the
    sub-corpus).  Never calls a difference weak when its p-value is small.

    >>> k = pd.DataFrame({"term": ["北京"], "count_target": [19], "count_reference": [2], "g2": [18.1],
    ...     "p_value": [0.00002], "key_for": ["target"], "n_articles": [2], "top_article_share": [18 / 19],
    ...     "one_article": [True]})
    >>> print(keyness_sentence(k, "2025-02-13", "the earlier issues"))
    Against the earlier issues, 1 term is key for 2025-02-13 at p < 0.001. The strongest, 北京 (G² = 18.1, p = 0.00002), appears 19 times in 2 articles, 95% of them in one: it marks that article rather than 2025-02-13 as a whole.
    """
    required = {"term", "g2", "p_value", "key_for"}
    if not required <= set(key.columns):
        raise ValueError(f"keyness table lacks column(s) {sorted(required - set(key.columns))}")
    mine = key[key["key_for"] == "target"].sort_values(["g2", "term"], ascending=[False, True], kind="mergesort")
    significant = mine[mine["p_value"] < alpha]
    if mine.empty:
        return f"No term is used relatively more in {target} than in {reference}."
    best = mine.iloc[0]
    p_text = _p_text(float(best["p_value"]))
    n_sig = len(significant)
    head = (f"Against {reference}, {n_sig} term{'s are' if n_sig != 1 else ' is'} key for {target} at p < {alpha:g}."
            if n_sig else f"Against {reference}, no term is key for {target} at p < {alpha:g}.")
    count = int(best.get("count_target", 0))
    where = ""
    if "n_articles" in best.index:
        n_art = int(best["n_articles"])
        where = f" in {n_art} article{'s' if n_art != 1 else ''}"
        if bool(best.get("one_article", False)) and n_art > 1:
            share = float(best["top_article_share"])
            where += f", {share:.0%} of them in one: it marks that article rather than {target} as a whole"
        elif bool(best.get("one_article", False)):
            where += f": it marks that article rather than {target} as a whole"
    strongest = f"The strongest, {best['term']} (G² = {best['g2']:.1f}, {p_text}), appears {count} times{where}."
    if not n_sig:
        strongest = strongest.replace("The strongest", "The strongest candidate")
    spread = significant[~significant.get("one_article", pd.Series(False, index=significant.index)).astype(bool)]
    tail = ""
    if n_sig > 1 and "one_article" in significant.columns:
        names = "、".join(spread["term"].head(top))
        tail = (f" Key terms spread over several articles: {names}." if len(spread)
                else " Every key term rests on a single article.")
    return f"{head} {strongest}{tail}"


def _p_text(p: float) -> str:
    if p < 1e-6:
        return "p < 0.000001"
    return f"p = {p:.2g}" if p >= 0.001 else f"p = {p:.6f}".rstrip("0")


def audit_terms(table: pd.DataFrame, top: int = 100, column: str = "term") -> pd.DataFrame:
    """Rows among the ``top`` terms of a term table that should not be there.

    A term is flagged ``boilerplate`` when it is, or contains, a dateline or
    agency formula of ``data/boilerplate.csv`` (``日电``, ``本报讯``,
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
        if boilerplate_matches(term) or _contains_boilerplate(term):
            problems.append("boilerplate")
        elif any(0xFF01 <= ord(ch) <= 0xFF5E for ch in term) or (len(term) == 1 and term.isascii() and term.isalnum()):
            problems.append("split")
        else:
            problems.append("")
    out = head.assign(problem=problems)
    return out[out["problem"] != ""].reset_index(drop=True)


def _contains_boilerplate(term: str) -> bool:
    # A term holding a whole formula (新华社记者) is boilerplate too, and so is the
    # tail of a dateline cut off its date (日电 of 1月1日电): blanking "1" + term
    # and seeing the term change says so.
    folded = "1" + term.translate({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
    return prepare_text(folded) != folded


# --------------------------------------------------------------------------- KWIC


def kwic(
    articles: pd.DataFrame,
    term: str,
    tokens: pd.DataFrame | None = None,
    width: int = 15,
    match: str = "token",
    aliases=None,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``term`` with its source.

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
    from analysis.corpus.read import source_line

    if match not in ("token", "substring"):
        raise ValueError("match must be 'token' or 'substring'")
    if match == "token" and tokens is None and len(articles):
        tokens = tokenize_articles(articles)
    data = _aligned(articles, tokens) if match == "token" else articles
    term_of = _term_map(aliases)
    prepare = text_preparer()
    rows = []
    for _, article in data.iterrows():
        text = str(article["text"])
        if match == "token":
            toks = article["tokens"]
            printed = {at: text[at : at + len(tok)]
                       for tok, at in zip(toks, token_offsets(prepare(text), toks, prepared=True))
                       if term_of.get(tok, tok) == term}
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


# --------------------------------------------------------------------------- build outputs


def term_tables(articles: pd.DataFrame, *, cache: bool | str = True) -> dict[str, pd.DataFrame]:
    """Every table of the term chapter, for ``python -m analysis build``.

    Returns ``{name: DataFrame}``: ``tokens`` (article_id, tokens: write it
    as Parquet, a list column does not fit CSV), ``term_frequency`` (corpus),
    ``term_frequency_by_issue``, ``term_frequency_by_month``,
    ``formulations`` (:func:`analysis.aggregate.formulations.formulation_table`) and
    ``formulation_occurrences``.  An empty articles table gives empty tables.
    """
    from analysis.aggregate.formulations import extract_formulations, formulation_table

    tokens = tokenize_articles(articles, cache=cache)
    occurrences = extract_formulations(articles)
    return {
        "tokens": tokens,
        "term_frequency": term_frequency(articles, tokens),
        "term_frequency_by_issue": term_frequency(articles, tokens, by="issue"),
        "term_frequency_by_month": term_frequency(articles, tokens, by="month"),
        "formulations": formulation_table(occurrences, articles),
        "formulation_occurrences": occurrences,
    }
