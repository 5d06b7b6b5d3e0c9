"""Topic clustering: TF-IDF, k-means with k chosen by silhouette, an LSA map, NMF.

The steps, each a function with a table in and a table out:

1. :func:`tfidf_matrix` turns the tokens table (:func:`analysis.tokens.
   tokenize_articles`) into a sparse TF-IDF matrix.  Vocabulary: the same
   *terms* as the term-frequency chapter (tokens with a Han or Latin letter,
   not in ``data/defaults/stopwords.csv``) of at least two characters, kept when they occur in at least
   ``min_df`` articles (default 2: a term of a single article cannot tie two
   articles together, it only dilutes that article's vector) and in at most
   ``max_df`` of them (default 0.9: a term in nearly every article, such as
   the district's name, separates nothing).  Weights: sublinear tf
   (``1 + log tf``), smoothed idf, rows scaled to unit length, so dot
   products are cosine similarities.
2. :func:`choose_k` fits k-means for a range of k and keeps one by mean
   silhouette (cosine distance): 2 … 12 first, extended while the best is
   at the top of the range, and a k whose largest cluster holds over a third
   of the articles gives way to one within 10 % of its silhouette that does
   not (the rule, and the cache below, in :mod:`analysis.topics.selection`).
3. :func:`fit_topics` does both and returns a :class:`TopicModel`: cluster
   labels numbered by size, exact centroids, each article's silhouette, and
   2-D coordinates from LSA (truncated SVD) for the map.
4. Tables from a model: :func:`clusters_table` (the CLI's ``clusters.csv``),
   :func:`cluster_terms` (``cluster_terms.csv``: each cluster named by the
   terms that distinguish it, :mod:`analysis.topics.labels`, with its size
   facts), :func:`representative_articles`, :func:`cluster_sizes`; a second
   view with :func:`nmf_topics` and :func:`partition_agreement`.
5. Tables from the built tables (what chapter 4 shows, without refitting):
   :func:`cluster_overview`, :func:`cluster_period_shares`,
   :func:`map_agreement`, :func:`nmf_partition` and :func:`partition_crosstab`.

How k-means runs (``method="auto"``, measured with ``benchmarks/bench_topics.py``
on corpora with planted subjects, the generated corpus and the development corpus):

* below ``SMALL_CORPUS`` = 500 articles (the sample, the fixtures), on the
  sparse TF-IDF rows of every article, ten k-means++ starts per k, each k's
  fit kept (no refit), the silhouette exact over all articles;
* from 500 articles, k is chosen on a fixed sample of at most
  ``SELECTION_SAMPLE`` = 10,000 articles in its own 100-dimension LSA space
  (single precision, ``selection.LSA_DTYPE``): one k-means fit of the largest k
  (48, three starts), its clusters merged by Ward's criterion down to each k
  tried and refined by k-means (:class:`~analysis.topics.selection.Hierarchy`),
  the silhouette exact on the sample's TF-IDF rows; the
  table cached by the sample's fingerprint (``cache``); the chosen k is then
  fitted once on every article in that LSA space, starting from its
  clusters on the sample (:func:`lsa_kmeans`), and refined by spherical
  k-means on the TF-IDF rows (:func:`spherical_refine`, until a round moves at most
  ``REFINE_MOVED`` of the articles).  Choosing k so
  costs about one fit, at any corpus size;
* k-means, SVD and NMF run on ``selection.THREADS`` = 1 thread: on shared
  cores a second one costs several times the CPU for the same result;
* independent fits run side by side instead, on ``selection.CONCURRENT`` = 2
  Python threads (at most the cores): the k of one round of the search, and
  the map's SVD and the NMF check (``fit_topics(nmf_terms=...)``, as the
  build calls it) beside the final fit.  Each is the computation it is alone,
  so the tables are the same bit for bit, at the same CPU time.

Columns new in 2026 (issue 19.9): ``topic_selection`` gains ``largest_share``,
``eligible``, ``extended``, ``at_edge`` (:func:`choose_k`); ``cluster_terms``
is ranked by distinctiveness, not weight, and gains ``lift``,
``distinctiveness``, ``share``, ``cohesion``, ``oversized``, ``size_note``
(:func:`cluster_terms`).

``method="exact"`` keeps the earlier code path (ten starts, mini-batches
above ``MINIBATCH_THRESHOLD``, silhouette on a ``SILHOUETTE_SAMPLE`` sample,
the winner refitted) for comparison.  Memory stays sparse (CSR) from tokens
to centroids apart from the n × 100 LSA matrix.  Seeds are fixed, samples
drawn by article id and clusters renumbered canonically, so two runs, with
one thread or two, with the cache or without, give identical tables.  Fewer
than 3 articles with kept terms, or articles that no k can tell apart, raise
:class:`TopicInputError`.

>>> from analysis.corpus import load_articles
>>> from analysis.tokens import tokenize_articles
>>> arts = load_articles(); toks = tokenize_articles(arts)
>>> model = fit_topics(toks)
>>> list(clusters_table(model).columns)
['article_id', 'cluster', 'x', 'y']
"""
from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.corpus.periods import period_labels
from analysis.tokens import apply_aliases, is_term, load_stopwords
from .labels import distinctiveness, listed_terms, top_terms
from .selection import (LSA_COMPONENTS, LSA_DTYPE, MAX_SHARE, SELECTION_COLUMNS, SELECTION_DTYPES,  # noqa: F401
                        SELECTION_SAMPLE, SILHOUETTE_TOLERANCE, TopicInputError, as_cache, canonical_labels,
                        cluster_means, cosine_silhouette, kmeans_labels, quiet_convergence, sample_rows, search_k, select_k,
                        side_pool, silhouette_rows, submit, threads, unit_rows)

#: The "exact" method: above this many articles k-means runs in mini-batches (MiniBatchKMeans) …
MINIBATCH_THRESHOLD = 5_000
#: … and its silhouette is computed on at most this many articles (a fixed-seed sample).
SILHOUETTE_SAMPLE = 5_000
#: k-means++ starts per k of the "sparse" method (the "exact" method uses 10) …
N_INIT = 3
#: … except below this many articles, where 10 starts cost little and few points
#: trap k-means++ more often (the 9-article sample: 3 starts find a worse k=2 split).
#: From this many articles (with kept terms) method "auto" chooses k on a sample in LSA space ("svd");
#: below, on the TF-IDF rows of every article ("sparse").
SMALL_CORPUS = 500
#: k-means++ starts of the one fit of the chosen k on every article in LSA space ("svd") when it cannot
#: start from the selection sample's clusters (:func:`lsa_kmeans`): on the development corpus (24,100
#: articles, k = 28) 3 starts cost 2.5 s against 6.1 s, but end at a lower silhouette (0.0551 against 0.0561).
SVD_N_INIT = 10
#: Most rounds of spherical k-means on the TF-IDF rows after that fit (:func:`spherical_refine`) …
REFINE_ITER = 20
#: … which stop once a round moves at most this share of the articles (see :func:`spherical_refine`).
REFINE_MOVED = 0.005
#: Articles the NMF check is fitted on (a fixed sample; every article then gets its topics) …
NMF_SAMPLE = 5_000
#: … on the terms found in at least this many of the fitted articles (a term of one article cannot
#: shape a topic; NMF's cost grows with the terms: on the development corpus 25,257 of 53,722 terms,
#: 7.6 s of CPU against 14.5 s, partition ARI 0.991 with all terms and the same agreement with k-means).
NMF_MIN_DF = 2
#: … until the loss improves by less than this share (scikit-learn's ``tol``; its default is 1e-4).
#: On the development corpus (k = 28, 5,000 fitted articles) 1e-3 stops after 52 iterations instead
#: of 186: 2.4 s of CPU against 6.4 s, and the check's topics agree a little more with the headline
#: sections (ARI 0.615 against 0.609) and with the clusters (0.558 against 0.517): the last iterations
#: polish weights, not which topic is an article's heaviest (partition ARI 0.83 with 1e-4's).
NMF_TOL = 1e-3
#: A fit on a sample (above :data:`NMF_SAMPLE` articles) runs in single precision: on the development
#: corpus about two thirds of the CPU of double precision, the same heaviest topic for all but one of
#: the 24,100 articles …
NMF_DTYPE = np.float32
#: … and stops at this ``tol``: 28 iterations instead of 52 (1.5 s of CPU against 1.8 s, one thread),
#: agreement with the headline sections 0.614/0.722 (ARI/NMI) against 0.615/0.719, with the clusters
#: 0.555/0.713 against 0.558/0.717 (partition ARI 0.91 with 1e-3's); on 48,000 planted-subject articles
#: (k = 10) the same agreement with the planted subjects (0.688/0.678).  A smaller corpus keeps double
#: precision and :data:`NMF_TOL`, and so its tables.
NMF_SAMPLE_TOL = 2e-3
#: A term may be listed (and so named in a label) for at most this many clusters.
TERM_CLUSTERS = 2
#: An oversized cluster is called a remainder when its articles' mean silhouette is below this share of
#: every article's mean (and a dominant subject otherwise).
REMAINDER_COHESION = 0.5
#: Terms of a cluster's label (``labels.top_terms``' default), filled even when fewer are distinctive.
LABEL_TERMS = 3
METHODS = ("auto", "sparse", "svd", "exact")

CLUSTERS_COLUMNS = ["article_id", "cluster", "x", "y"]
CLUSTER_TERMS_COLUMNS = ["cluster", "rank", "term", "weight", "doc_freq", "n_articles", "lift", "distinctiveness",
                         "share", "cohesion", "oversized", "size_note"]
REPRESENTATIVE_COLUMNS = ["cluster", "rank", "article_id", "similarity", "issue_date", "date", "label"]
SIZES_COLUMNS = ["period", "cluster", "n_articles", "share"]
NMF_TERMS_COLUMNS = ["topic", "rank", "term", "weight"]
NMF_ARTICLES_COLUMNS = ["article_id", "topic", "weight"]


def _in_threads(function):
    """Run ``function`` with the numerical libraries on :data:`~analysis.topics.selection.THREADS` threads."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with threads():
            return function(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- TF-IDF


@dataclass(frozen=True)
class Tfidf:
    """A TF-IDF matrix with its row and column labels.

    ``matrix``: CSR, one row per article of the tokens table (same order),
    one column per term, rows of unit length (an article without any kept
    term is a zero row).  ``terms``: column labels (sorted).  ``article_ids``:
    row labels.  ``doc_freq``: articles containing each term.  ``params``:
    the settings used (documented in the chapter).  ``counts``: the kept
    terms' counts, same shape and sparsity (the selection sample's own TF-IDF
    is made from them; ``None`` when unknown).
    """

    matrix: sp.csr_matrix
    terms: np.ndarray
    article_ids: np.ndarray
    doc_freq: np.ndarray
    params: dict = field(default_factory=dict)
    counts: sp.csr_matrix | None = field(default=None, repr=False, compare=False)

    @property
    def empty_rows(self) -> np.ndarray:
        """Boolean mask of articles with no kept term."""
        return np.diff(self.matrix.indptr) == 0


def _check_tokens(tokens: pd.DataFrame) -> None:
    missing = {"article_id", "tokens"} - set(tokens.columns)
    if missing:
        raise TopicInputError(f"tokens table lacks column(s) {sorted(missing)} (see analysis.tokens.tokenize_articles)")
    ids = tokens["article_id"].astype(str)
    dup = ids[ids.duplicated()]
    if len(dup):
        raise TopicInputError(f"tokens table has duplicate article_id {dup.iloc[0]!r} (row {dup.index[0]})")


def tfidf_matrix(
    tokens: pd.DataFrame,
    stopwords: frozenset[str] | None = None,
    *,
    min_df: int | float = 2,
    max_df: int | float = 0.9,
    max_features: int | None = None,
    min_chars: int = 2,
    aliases: bool = True,
) -> Tfidf:
    """TF-IDF of the tokens table (columns ``article_id``, ``tokens``).

    ``min_df`` / ``max_df``: keep a term found in at least / at most this many
    articles (an int) or this share of articles (a float), as in
    scikit-learn.  ``max_features``: keep only the most frequent terms.
    ``min_chars``: shortest term kept (default 2: single characters left by
    the segmenter, such as 们 or 新, describe no subject).  Stopwords default
    to ``data/defaults/stopwords.csv``.  ``aliases``: map spellings of one place or
    institution to one term (``data/aliases.csv``, as the term tables do).

    >>> t = pd.DataFrame({"article_id": ["a", "b", "c"],
    ...                   "tokens": [["生态", "环境", "的"], ["生态", "环境", "保护"], ["外交官", "元宵"]]})
    >>> tf = tfidf_matrix(t, min_df=1, max_df=1.0)
    >>> list(tf.terms), tf.matrix.shape
    (['保护', '元宵', '外交官', '环境', '生态'], (3, 5))
    """
    from collections import Counter

    _check_tokens(tokens)
    lists = apply_aliases(tokens)["tokens"] if aliases else tokens["tokens"]
    # Each article's token counts; tfidf_from_arrays keeps the terms (length, stopwords, letters) and prunes.
    per_article = (tuple(zip(*Counter(ts).items())) or ((), ()) for ts in lists)
    return tfidf_from_counts(tokens["article_id"], per_article, stopwords, min_df=min_df, max_df=max_df,
                             max_features=max_features, min_chars=min_chars)


def tfidf_from_counts(
    article_ids: Sequence[str],
    counts: Iterable[tuple[Sequence[str], Sequence[int]]],
    stopwords: frozenset[str] | None = None,
    *,
    min_df: int | float = 2,
    max_df: int | float = 0.9,
    max_features: int | None = None,
    min_chars: int = 2,
) -> Tfidf:
    """:func:`tfidf_matrix` from each article's term counts (``(terms, counts)`` per article, as
    :class:`analysis.perarticle.terms.TermCounter` gives them: aliases applied, stopwords dropped).

    The same matrix as :func:`tfidf_matrix` on the tokens (tested), without
    going back to the tokens: the build calls this with the per-article
    stage's cached counts.  Pruning follows scikit-learn's ``CountVectorizer``
    (``min_df``/``max_df`` as counts or shares, ``max_features`` by total count).

    >>> tf = tfidf_from_counts(["a", "b"], [(["生态", "环境"], [2, 1]), (["生态"], [1])], min_df=1, max_df=1.0)
    >>> list(tf.terms), tf.matrix.shape
    (['环境', '生态'], (2, 2))
    """
    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    n = 0
    for n, (terms, counts_) in enumerate(counts, start=1):
        for term, value in zip(terms, counts_):
            rows.append(n - 1)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            values.append(value)
    return tfidf_from_arrays(article_ids, list(vocabulary), np.asarray(rows, dtype=np.int64),
                             np.asarray(cols, dtype=np.int32), np.asarray(values, dtype=np.float64), stopwords,
                             min_df=min_df, max_df=max_df, max_features=max_features, min_chars=min_chars,
                             n_lists=n)


def sublinear_tfidf(X: sp.csr_matrix) -> sp.csr_matrix:
    """``TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").fit_transform(X)`` of
    scikit-learn, computed as it computes it, operation for operation, so the values are the same
    bits (tested against it): without importing scikit-learn, 0.8 s of a forced rebuild whose
    topic model is cached and which fits nothing.  ``X``: counts, CSR with sorted indices.

    idf = ln((1 + n) / (1 + df)) + 1; each value 1 + ln(count), times its term's idf; each row divided
    by its L2 norm, summed over the row in order as scikit-learn's compiled loop sums it.

    >>> X = sp.csr_matrix(np.array([[1.0, 0.0, 3.0], [0.0, 2.0, 1.0]]))
    >>> sublinear_tfidf(X).toarray().round(4).tolist()
    [[0.5565, 0.0, 0.8309], [0.0, 0.9219, 0.3874]]
    """
    data = X.data.astype(np.float64)  # a copy, as scikit-learn's
    n_samples = X.shape[0]
    df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
    df += 1.0
    idf = np.full_like(df, fill_value=n_samples + 1, dtype=np.float64)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    np.log(data, data)
    data += 1.0
    data *= idf[X.indices]
    # Each row's sum of squares, added left to right (one position of every row at a time: rows by
    # length, longest first, so those still adding are a prefix).
    squares = data * data
    starts = X.indptr[:-1].astype(np.int64)
    lengths = np.diff(X.indptr).astype(np.int64)
    order = np.argsort(-lengths, kind="stable")
    by_length = lengths[order]
    first = starts[order]
    sums = np.zeros(n_samples, dtype=np.float64)
    sorted_sums = np.zeros(n_samples, dtype=np.float64)
    for position in range(int(by_length[0]) if n_samples else 0):
        active = int(np.searchsorted(-by_length, -position, side="left"))  # rows longer than position
        sorted_sums[:active] += squares[first[:active] + position]
    sums[order] = sorted_sums
    norms = np.sqrt(sums)
    norms[sums == 0.0] = 1.0  # an empty row is left as it is
    data /= np.repeat(norms, lengths)
    return sp.csr_matrix((data, X.indices.copy(), X.indptr.copy()), shape=X.shape)


def tfidf_from_arrays(
    article_ids: Sequence[str],
    vocabulary: Sequence[str],
    rows: np.ndarray,
    cols: np.ndarray,
    counts: np.ndarray,
    stopwords: frozenset[str] | None = None,
    *,
    min_df: int | float = 2,
    max_df: int | float = 0.9,
    max_features: int | None = None,
    min_chars: int = 2,
    n_lists: int | None = None,
) -> Tfidf:
    """:func:`tfidf_from_counts` from coordinate arrays: article ``rows[i]`` has term
    ``vocabulary[cols[i]]`` ``counts[i]`` times (the build's
    :class:`analysis.aggregate.CountMatrix`).  Only the vocabulary is looked at in
    Python; the matrix is assembled by numpy and scipy."""
    from numbers import Integral

    stop = load_stopwords() if stopwords is None else frozenset(stopwords)
    ids = np.asarray([str(a) for a in article_ids], dtype=object)
    params = {"min_df": min_df, "max_df": max_df, "max_features": max_features, "min_chars": min_chars,
              "sublinear_tf": True, "smooth_idf": True, "norm": "l2"}
    if len(ids) == 0:
        raise TopicInputError("tokens table is empty: no articles to cluster")
    if len(set(ids)) != len(ids):
        dup = pd.Series(ids)[pd.Series(ids).duplicated()]
        raise TopicInputError(f"tokens table has duplicate article_id {dup.iloc[0]!r} (row {dup.index[0]})")
    if n_lists is not None and n_lists != len(ids):
        raise ValueError(f"{len(ids)} article ids but {n_lists} count lists")
    vocab = np.asarray(list(vocabulary), dtype=object)
    keep = np.fromiter((len(t) >= min_chars and t not in stop and is_term(t) for t in vocab), dtype=bool,
                       count=len(vocab))
    # Columns of the kept terms in term order (as CountVectorizer's sorted vocabulary).
    kept = np.flatnonzero(keep)
    kept = kept[np.argsort(vocab[kept].astype(str), kind="stable")] if len(kept) else kept
    new_col = np.full(len(vocab), -1, dtype=np.int32)
    new_col[kept] = np.arange(len(kept), dtype=np.int32)
    cols = new_col[np.asarray(cols)] if len(vocab) else np.zeros(0, dtype=np.int32)
    inside = cols >= 0
    vocab = vocab[kept]
    rows = np.asarray(rows)[inside]
    data = np.asarray(counts)[inside].astype(np.float64)
    cols = cols[inside]
    del inside
    if len(rows) and (np.diff(rows) < 0).any():  # not in article order: sort (the build's are in order)
        order = np.argsort(rows, kind="stable")
        rows, cols, data = rows[order], cols[order], data[order]
    # Rows in order: the row pointers are counts per row, no coordinate sort (memory at 200,000 articles).
    # 32-bit indices where they fit, as CountVectorizer makes them: scikit-learn's sparse k-means
    # is several times slower on 64-bit ones.
    index = np.int32 if len(cols) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(len(ids) + 1, dtype=index)
    np.cumsum(np.bincount(rows, minlength=len(ids)), out=indptr[1:])
    del rows
    X = sp.csr_matrix((data, cols.astype(index, copy=False), indptr), shape=(len(ids), len(vocab)))
    X.sum_duplicates()
    X.sort_indices()
    n_doc = X.shape[0]
    dfs = np.bincount(X.indices, minlength=X.shape[1])
    high = max_df if isinstance(max_df, Integral) else max_df * n_doc
    low = min_df if isinstance(min_df, Integral) else min_df * n_doc
    if high < low:
        raise TopicInputError(
            f"no term of {len(ids)} article(s) passes min_df={min_df!r}, max_df={max_df!r} "
            "after removing stopwords (max_df corresponds to < documents than min_df); lower min_df or add articles")
    mask = (dfs >= low) & (dfs <= high)
    if max_features is not None and mask.sum() > max_features:
        tfs = np.asarray(X.sum(axis=0)).ravel()
        limited = np.zeros(len(mask), dtype=bool)
        limited[np.flatnonzero(mask)[(-tfs[mask]).argsort()[:max_features]]] = True
        mask = limited
    if not mask.any():
        raise TopicInputError(
            f"no term of {len(ids)} article(s) passes min_df={min_df!r}, max_df={max_df!r} "
            "after removing stopwords (After pruning, no terms remain); lower min_df or add articles")
    X = X[:, np.flatnonzero(mask)].tocsr()
    X.sort_indices()
    doc_freq = np.bincount(X.indices, minlength=X.shape[1]).astype(np.int64)
    matrix = sublinear_tfidf(X)
    # The counts share the matrix's index arrays (4 more bytes per stored cell, not 12).
    same = np.array_equal(matrix.indptr, X.indptr) and np.array_equal(matrix.indices, X.indices)
    counts = sp.csr_matrix((X.data.astype(np.int32), matrix.indices if same else X.indices,
                            matrix.indptr if same else X.indptr), shape=X.shape)
    return Tfidf(matrix=matrix, terms=vocab[mask], article_ids=ids, doc_freq=doc_freq, params=params, counts=counts)


# --------------------------------------------------------------------------- k-means


def _kmeans(X: sp.csr_matrix, k: int, seed: int):
    """The ``"exact"`` (pre-2026) fit: ten k-means++ restarts on the sparse
    matrix, mini-batches above MINIBATCH_THRESHOLD rows.  Returns (labels, inertia, method)."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # Few distinct points (tiny corpora) make k-means warn; the silhouette judges the result.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if X.shape[0] > MINIBATCH_THRESHOLD:
            km = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096,
                                 max_no_improvement=20, reassignment_ratio=0.01)
            method = "minibatch-kmeans"
        else:
            km = KMeans(n_clusters=k, random_state=seed, n_init=10)
            method = "kmeans"
        labels = km.fit_predict(X)
    return np.asarray(labels, dtype=np.int64), float(km.inertia_), method


_canonical = canonical_labels


def _silhouette(X: sp.csr_matrix, labels: np.ndarray, seed: int) -> float:
    """The ``"exact"`` method's silhouette: scikit-learn's, on a sample above SILHOUETTE_SAMPLE rows."""
    from sklearn.metrics import silhouette_score

    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= X.shape[0]:
        return float("nan")
    sample = SILHOUETTE_SAMPLE if X.shape[0] > SILHOUETTE_SAMPLE else None
    return float(silhouette_score(X, labels, metric="cosine", sample_size=sample, random_state=seed))


@dataclass(frozen=True)
class KFit:
    """One k's clustering on the sparse rows, kept by :func:`choose_k` so that
    :func:`fit_topics` need not refit.  ``labels``: canonical (0 = largest), one
    per row of the matrix given to :func:`choose_k` (its non-empty rows).
    ``centroids``: k × terms, exact TF-IDF means (dense).  ``silhouette``,
    ``inertia``: as in the selection table.  ``method``: as :attr:`TopicModel.method`."""

    k: int
    labels: np.ndarray
    centroids: np.ndarray
    silhouette: float
    inertia: float
    method: str


def _resolve_method(method: str, n: int, n_terms: int) -> str:
    if method not in METHODS:
        raise TopicInputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "auto":
        return "svd" if n >= SMALL_CORPUS and n_terms > LSA_COMPONENTS else "sparse"
    return method


def _n_init(n: int, method: str = "sparse") -> int:
    if method == "exact":
        return 10
    if method == "svd":
        return SVD_N_INIT
    return 10 if n < SMALL_CORPUS else N_INIT


def _fit_k(X: sp.csr_matrix, k: int, seed: int) -> KFit:
    """k-means (k-means++ starts: see :func:`_n_init`) on the sparse TF-IDF rows; silhouette, inertia
    and centroids on them."""
    labels = kmeans_labels(X, k, seed, _n_init(X.shape[0], "sparse"))
    sil, inertia = cosine_silhouette(X, labels)
    return KFit(k=k, labels=labels, centroids=_centroids(X, labels, k), silhouette=sil, inertia=inertia,
                method="kmeans")


def _check_ks(ks, n: int) -> None:
    if n < 3:
        raise TopicInputError(f"choosing k needs at least 3 articles with kept terms, found {n}: "
                              "add articles, or give k explicitly")
    if ks is not None:
        bad = [k for k in ks if k < 2 or k >= n]
        if bad or not ks:
            raise TopicInputError(f"k must be between 2 and {n - 1} (articles with terms - 1), got {bad or ks}")


def _indistinguishable(frame: pd.DataFrame, n: int, ks) -> None:
    if frame["silhouette"].isna().all():
        raise TopicInputError(f"the {n} articles with kept terms are indistinguishable (no k in "
                              f"{ks if ks is not None else list(frame['k'])} splits them into clusters): "
                              "add articles, or lower min_df")


@_in_threads
def choose_k(matrix, ks=None, *, seed: int = 0, method: str = "auto", return_fits: bool = False, cache=None):
    """The selection table: each k tried, its silhouette, and the k kept (``chosen``).

    ``matrix``: a :class:`Tfidf` or a CSR matrix with unit rows (zero rows
    are left out).  ``ks``: the k to try (default: 2 … 12, extended while the
    k kept is the largest tried; see :mod:`analysis.topics.selection`, which
    also says which k is kept).  Columns (:data:`SELECTION_COLUMNS`): ``k``,
    ``silhouette`` (mean over the articles fitted on, cosine distance on their
    TF-IDF rows, -1 … 1; higher means articles sit closer to their own cluster
    than to the next), ``inertia`` (k-means objective on those rows),
    ``smallest_cluster`` (articles), ``n_articles`` (articles the k was fitted
    and measured on: the selection sample above :data:`SELECTION_SAMPLE`),
    ``chosen`` (bool), ``largest_share`` (the largest cluster's share of those
    articles), ``eligible`` (``largest_share`` at most a third), ``extended``
    (tried because the k kept was at the top of the range before),
    ``at_edge`` (the k kept is the largest tried: the range could not be
    extended further; the same value on every row).  Sorted by k.

    ``method``: ``"auto"`` (default: ``"sparse"`` below SMALL_CORPUS
    articles, ``"svd"`` from there), ``"sparse"`` (k-means on the TF-IDF
    rows of every article, each k's fit kept), ``"svd"`` (the k fitted on a
    fixed sample in its LSA space, :func:`analysis.topics.selection.select_k`;
    ``cache``: a folder or :class:`~analysis.topics.selection.SelectionCache`
    for its table) or ``"exact"`` (the method before 2026: ten starts per k,
    mini-batches above MINIBATCH_THRESHOLD, silhouette sampled above
    SILHOUETTE_SAMPLE; kept for comparison, see ``benchmarks/bench_topics.py``).
    ``return_fits``: also return ``{k: KFit}`` for ``"sparse"`` (``None``
    otherwise), which :func:`fit_topics` uses instead of refitting the chosen k.

    >>> t = pd.DataFrame({"article_id": list("abcd"), "tokens": [["生态", "环境"], ["生态", "环境", "保护"],
    ...                   ["外交官", "元宵"], ["外交官", "元宵", "文化"]]})
    >>> sel = choose_k(tfidf_matrix(t, min_df=1, max_df=1.0))
    >>> int(sel.loc[sel.chosen, "k"].item())
    2
    """
    tfidf = matrix if isinstance(matrix, Tfidf) else None
    X = tfidf.matrix if tfidf is not None else sp.csr_matrix(matrix)
    filled = np.flatnonzero(np.diff(X.indptr) > 0)
    X = X[filled]
    n = X.shape[0]
    ks = None if ks is None else sorted({int(k) for k in ks})
    _check_ks(ks, n)
    method = _resolve_method(method, n, X.shape[1])
    fits: dict[int, KFit] | None = None
    if method == "exact":
        def fit(k: int):
            labels, inertia, _ = _kmeans(X, k, seed)
            return canonical_labels(labels), _silhouette(X, labels, seed), inertia

        frame = search_k(fit, n, ks)
    elif method == "sparse":
        fits = {}

        def fit(k: int):
            fits[k] = _fit_k(X, k, seed)
            return fits[k].labels, fits[k].silhouette, fits[k].inertia

        frame = search_k(fit, n, ks)
    else:
        counts = (lambda rows: tfidf.counts[filled[rows]]) if tfidf is not None and tfidf.counts is not None else None
        terms = tfidf.terms if tfidf is not None else np.arange(X.shape[1]).astype(str)
        ids = tfidf.article_ids[filled] if tfidf is not None else filled.astype(str)
        frame = select_k(X, counts, terms, ids, ks, seed=seed, cache=as_cache(cache))[0]
    _indistinguishable(frame, n, ks)
    return (frame, fits) if return_fits else frame


def _usable(centres: np.ndarray | None, k: int) -> bool:
    """Whether ``centres`` can start a fit of k: k finite rows, none of them zero."""
    return (centres is not None and centres.shape[0] == k and bool(np.isfinite(centres).all())
            and not (np.abs(centres).sum(axis=1) == 0).any())


def lsa_kmeans(Z: np.ndarray, k: int, seed: int, centres: np.ndarray | None) -> np.ndarray:
    """Canonical labels of the one fit of k on every article's LSA rows ``Z``: Lloyd's k-means started
    from ``centres`` (the chosen k's clusters on the selection sample, in the same space:
    :func:`~analysis.topics.selection.select_k`), or from :data:`SVD_N_INIT` k-means++ starts when
    there are none (a sample too small to fit k on).

    Starting from the sample's clusters rather than from ten k-means++ starts: on the development
    corpus (24,100 articles, k = 28) the fit and its refinement cost 2.2 s of CPU against 6.3 s, and
    the final silhouette is 0.0558 against 0.0561 (seed-to-seed spread of one k: 0.005); on planted
    subjects see ``benchmarks/bench_topics.py``.
    """
    if not _usable(centres, k):
        return kmeans_labels(Z, k, seed, SVD_N_INIT)
    from sklearn.cluster import KMeans

    raw = KMeans(n_clusters=k, init=centres, n_init=1, random_state=seed).fit_predict(Z)
    return canonical_labels(np.asarray(raw, dtype=np.int64))


def spherical_refine(X: sp.csr_matrix, labels: np.ndarray, k: int, max_iter: int = REFINE_ITER,
                     moved_share: float = REFINE_MOVED) -> tuple[np.ndarray, int]:
    """Spherical k-means (cosine) on the TF-IDF rows from a partition: each article moves to the
    cluster whose mean direction is nearest, the means are recomputed, until a round moves at most
    ``moved_share`` of the articles (0: until nothing moves), a cluster would empty, or ``max_iter``
    rounds.  Returns canonical labels and the rounds whose moves were kept.  The LSA fit finds the
    clusters cheaply; these rounds bring them near a local optimum of the objective the silhouette
    measures (one sparse product per round; no threads, so the same on any machine).

    Stopping at :data:`REFINE_MOVED` rather than at a fixed point: on the development corpus (24,100
    articles, k = 28) the rounds move 651, 270, 147, 115 articles, then fewer each round (88, 68, …,
    still 3 in the twentieth); the silhouette after four rounds is 0.05578, as after twenty, and the
    agreement with the headline sections 0.645 ARI either way, for a fifth of the rounds' CPU."""
    labels = np.asarray(labels, dtype=np.int64)
    limit = moved_share * len(labels)
    for rounds in range(max_iter):
        centres = _centroids(X, labels, k)
        centres /= np.maximum(np.linalg.norm(centres, axis=1), 1e-300)[:, None]
        moved = np.asarray(X @ centres.T).argmax(axis=1)
        changed = int(np.count_nonzero(moved != labels))
        if changed == 0 or len(np.unique(moved)) < k:
            return canonical_labels(labels), rounds
        labels = moved
        if changed <= limit:
            return canonical_labels(labels), rounds + 1
    return canonical_labels(labels), max_iter


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class TopicModel:
    """The result of :func:`fit_topics`.

    ``labels``: cluster per article (row order of ``tfidf``), numbered 0 … k-1
    by size (largest first, ties by first article); -1 for an article with no
    kept term.  ``centroids``: k × terms, the mean TF-IDF vector of each
    cluster (dense; small).  ``coords``: n × 2 LSA coordinates.
    ``selection``: the :func:`choose_k` table (empty when k was given).
    ``method``: ``"kmeans"`` (k-means on the TF-IDF rows),
    ``"lsa100-kmeans+spherical"`` (on 100 LSA dimensions, then spherical
    k-means on the TF-IDF rows) or, with ``method="exact"``, ``"kmeans"`` /
    ``"minibatch-kmeans"``.  ``params``: the settings that produced it (and,
    for ``"svd"``, the selection sample's size and fingerprint, whether its
    table came from the cache, the refining rounds, the wall ``seconds`` of the selection (its sample's
    SVD included) and of the final fit).  ``silhouettes``: each
    article's silhouette (cosine, on the TF-IDF rows; NaN when unclustered).
    """

    tfidf: Tfidf
    k: int
    labels: np.ndarray
    centroids: np.ndarray
    coords: np.ndarray
    selection: pd.DataFrame
    method: str
    seed: int
    params: dict = field(default_factory=dict)
    silhouettes: np.ndarray | None = field(default=None, repr=False)
    nmf: "NmfTopics | None" = field(default=None, repr=False, compare=False)


#: Exact mean vector of each cluster (whatever algorithm produced the labels).
_centroids = cluster_means


def lsa_coordinates(matrix, *, seed: int = 0) -> np.ndarray:
    """2-D LSA coordinates (truncated SVD) of the TF-IDF rows.

    The sign of each axis is fixed (its largest term loading is positive), so
    the map does not flip between runs or library versions.

    >>> t = pd.DataFrame({"article_id": list("abc"), "tokens": [["生态", "环境"], ["生态", "保护"], ["元宵"]]})
    >>> lsa_coordinates(tfidf_matrix(t, min_df=1, max_df=1.0)).shape
    (3, 2)
    """
    from sklearn.decomposition import TruncatedSVD

    X = matrix.matrix if isinstance(matrix, Tfidf) else sp.csr_matrix(matrix)
    n_comp = 2
    if min(X.shape) <= n_comp:
        # TruncatedSVD needs more columns and rows than components: use a dense SVD.
        u, s, vt = np.linalg.svd(X.toarray(), full_matrices=False)
        coords, comps = u[:, :n_comp] * s[:n_comp], vt[:n_comp]
    else:
        svd = TruncatedSVD(n_components=n_comp, algorithm="randomized", n_iter=7, random_state=seed)
        coords, comps = svd.fit_transform(X), svd.components_
    coords = np.zeros((X.shape[0], n_comp)) if coords.size == 0 else coords
    out = np.zeros((X.shape[0], n_comp))
    out[:, : coords.shape[1]] = coords
    for j in range(min(n_comp, len(comps))):
        if comps[j][np.argmax(np.abs(comps[j]))] < 0:
            out[:, j] = -out[:, j]
    return out


@_in_threads
def fit_topics(
    tokens: pd.DataFrame | Tfidf,
    *,
    k: int | None = None,
    ks=None,
    seed: int = 0,
    stopwords: frozenset[str] | None = None,
    min_df: int | float = 2,
    max_df: int | float = 0.9,
    max_features: int | None = None,
    min_chars: int = 2,
    method: str = "auto",
    cache=None,
    nmf_terms: int | None = None,
) -> TopicModel:
    """TF-IDF, k chosen by silhouette (unless ``k`` is given), k-means, LSA map.

    ``tokens``: the tokens table, or a :class:`Tfidf` already computed (the
    vocabulary settings are then ignored).  Articles keep the tokens table's
    order.  Same input and seed, same model: seeds are fixed and clusters
    renumbered by size.  ``method``: see :func:`choose_k`.  With ``"sparse"``
    the chosen k's clustering is the one fitted during the choice (no refit);
    with ``"svd"`` the chosen k is fitted once on every article, in the LSA
    space of the selection sample (:data:`SVD_N_INIT` starts), then refined by
    spherical k-means on the TF-IDF rows (:func:`spherical_refine`); ``"exact"``
    refits as the code before 2026 did.  ``cache``: a folder (the build's
    ``corpus.cache_dir("topics")``) or a
    :class:`~analysis.topics.selection.SelectionCache` where the ``"svd"``
    selection table is kept by the sample's fingerprint (``None``: no cache;
    the result is the same either way).  Too few articles (fewer than 3 with
    kept terms, or k out of range) raise :class:`TopicInputError`, which the
    command line reports and skips.

    ``nmf_terms``: also the NMF check with k topics, ``nmf_topics(tfidf, k, seed=seed,
    n_terms=nmf_terms)``, kept as ``model.nmf`` (``None`` when NMF cannot be fitted: call
    :func:`nmf_topics` for the reason).  The LSA map and the NMF check do not depend on the
    clustering, so they run on a second thread beside it (:func:`~analysis.topics.selection.side_pool`),
    each fit on :data:`~analysis.topics.selection.THREADS` library threads: the same results as in
    turn, in about the time of the longer of the two.

    >>> t = pd.DataFrame({"article_id": list("abcd"), "tokens": [["生态", "环境"], ["生态", "环境", "保护"],
    ...                   ["外交官", "元宵"], ["外交官", "元宵", "文化"]]})
    >>> fit_topics(t, min_df=1, max_df=1.0).labels.tolist()
    [0, 0, 1, 1]
    """
    tfidf = tokens if isinstance(tokens, Tfidf) else tfidf_matrix(
        tokens, stopwords, min_df=min_df, max_df=max_df, max_features=max_features, min_chars=min_chars)
    X = tfidf.matrix
    filled = np.flatnonzero(~tfidf.empty_rows)
    n = len(filled)
    Xf = X if n == X.shape[0] else X[filled]  # no copy when every article kept a term
    resolved = _resolve_method(method, n, X.shape[1])
    params = {"method": method, "resolved": resolved, "n_init": _n_init(n, resolved),
              "svd_components": None, "selection_sample": None, "fingerprint": None, "selection_cached": None,
              "refine_rounds": None}
    ks = None if ks is None else sorted({int(v) for v in ks})
    if k is not None and not 1 <= k <= n:
        raise TopicInputError(f"k={k} must be between 1 and {n} (articles with kept terms)")
    if k is None:
        _check_ks(ks, n)
    with quiet_convergence():  # the filter for both threads, restored once both are done
        pool = side_pool()
        try:
            return _fit_topics(tfidf, X, Xf, filled, n, k, ks, seed, method, resolved, params, cache, nmf_terms,
                               pool)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def _nmf_or_none(tfidf: Tfidf, k: int, seed: int, n_terms: int) -> "NmfTopics | None":
    try:
        return nmf_topics.__wrapped__(tfidf, k, seed=seed, n_terms=n_terms)  # in the caller's threads context
    except TopicInputError:
        return None


def _fit_topics(tfidf, X, Xf, filled, n, k, ks, seed, method, resolved, params, cache, nmf_terms,
                pool) -> TopicModel:
    """:func:`fit_topics` once its arguments are checked; ``pool``: the thread beside this one."""
    # The map's 2-D LSA of every article depends on nothing else: beside the selection.
    coords = submit(pool, lsa_coordinates, X, seed=seed)
    nmf = None

    def start_nmf(k_: int):
        return None if nmf_terms is None else submit(pool, _nmf_or_none, tfidf, int(k_), seed, nmf_terms)

    fit: KFit | None = None
    selection = pd.DataFrame({c: pd.Series(dtype=t) for c, t in SELECTION_DTYPES.items()})
    started = time.perf_counter()
    if resolved == "svd":
        counts = None if tfidf.counts is None else (lambda rows: tfidf.counts[filled[rows]])
        table, basis, info, centres = select_k(Xf, counts, tfidf.terms, tfidf.article_ids[filled], ks, seed=seed,
                                               cache=as_cache(cache), choose=k is None, k=k)
        params.update(info, svd_components=int(basis.shape[0]))
        params["seconds"] = {"selection": round(time.perf_counter() - started, 3)}
        if k is None:
            _indistinguishable(table, n, ks)
            selection = table
            k = int(selection.loc[selection["chosen"], "k"].item())
        nmf = start_nmf(k)  # beside the final fit
        sub_labels = lsa_kmeans(unit_rows(np.asarray(Xf @ basis.T)).astype(LSA_DTYPE), int(k), seed, centres)
        params["n_init"] = 1 if _usable(centres, int(k)) else SVD_N_INIT
        sub_labels, params["refine_rounds"] = spherical_refine(Xf, sub_labels, int(k))
        fitted_method = f"lsa{basis.shape[0]}-kmeans+spherical"
        params["seconds"]["fit"] = round(time.perf_counter() - started - params["seconds"]["selection"], 3)
    elif k is None:
        selection, fits = choose_k(Xf, ks, seed=seed, method=resolved, return_fits=True)
        k = int(selection.loc[selection["chosen"], "k"].item())
        fit = fits[k] if fits is not None else None
    elif resolved == "sparse":
        fit = _fit_k(Xf, int(k), seed)
    if nmf is None:
        nmf = start_nmf(k)
    if resolved == "exact":  # refit the chosen k, as before
        sub_labels, _, fitted_method = _kmeans(Xf, k, seed)
    elif fit is not None:
        sub_labels, fitted_method = fit.labels, fit.method
    labels = np.full(X.shape[0], -1, dtype=np.int64)
    labels[filled] = sub_labels
    labels = canonical_labels(labels)
    if fit is not None and np.array_equal(labels[filled], fit.labels):
        centroids = fit.centroids  # already the exact means, same numbering
    else:
        centroids = _centroids(X, labels, k)
    silhouettes = np.full(X.shape[0], np.nan)
    if n:
        silhouettes[filled] = silhouette_rows(Xf, labels[filled])[0]
    return TopicModel(tfidf=tfidf, k=int(k), labels=labels, centroids=centroids,
                      coords=coords.result(), selection=selection, method=fitted_method,
                      seed=seed, params=params, silhouettes=silhouettes,
                      nmf=None if nmf is None else nmf.result())


# --------------------------------------------------------------------------- tables


def clusters_table(model: TopicModel) -> pd.DataFrame:
    """One row per article: ``article_id``, ``cluster`` (int, -1 = no kept
    term), ``x``, ``y`` (LSA coordinates, rounded to 6 decimals so files
    compare equal across machines).  Tokens-table order."""
    return pd.DataFrame({
        "article_id": pd.Series(model.tfidf.article_ids, dtype=object),
        "cluster": model.labels.astype(np.int64),
        "x": np.round(model.coords[:, 0], 6) + 0.0,
        "y": np.round(model.coords[:, 1], 6) + 0.0,
    })


def _cluster_facts(model: TopicModel) -> pd.DataFrame:
    """One row per cluster: ``n_articles``, ``share`` (of the clustered articles), ``cohesion`` (mean
    silhouette of its articles), ``oversized`` (share over :data:`~analysis.topics.selection.MAX_SHARE`),
    ``size_note`` (see :func:`cluster_terms`)."""
    X, labels, k = model.tfidf.matrix, model.labels, model.k
    valid = labels >= 0
    sizes = np.bincount(labels[valid], minlength=k)
    n = max(int(valid.sum()), 1)
    sil = model.silhouettes
    if sil is None:
        sil = np.full(len(labels), np.nan)
        if valid.any():
            sil[valid] = silhouette_rows(X[valid], labels[valid])[0]
    members = [sil[labels == c] for c in range(k)]
    cohesion = np.array([np.nan if not len(m) or np.isnan(m).all() else float(np.nanmean(m)) for m in members])
    overall = float(np.nanmean(sil[valid])) if valid.any() and not np.isnan(sil[valid]).all() else np.nan
    share = sizes / n
    facts = pd.DataFrame({"n_articles": sizes, "share": np.round(share, 4) + 0.0,
                          "cohesion": np.round(cohesion, 4) + 0.0, "oversized": share > MAX_SHARE + 1e-12,
                          "size_note": ""})
    sel = model.selection
    for c in np.flatnonzero(facts["oversized"]):
        pct = f"{100 * share[c]:.0f} % of the articles"
        if np.isnan(cohesion[c]):
            what = pct
        elif cohesion[c] < max(0.0, REMAINDER_COHESION * overall):
            what = (f"{pct}, barely closer to each other than to the next cluster (mean silhouette "
                    f"{cohesion[c]:.2f}, against {overall:.2f} for all articles): a remainder of articles without "
                    "a distinctive vocabulary in common, not one subject")
        else:
            what = (f"{pct}, which hang together about as well as the corpus's articles do (mean silhouette "
                    f"{cohesion[c]:.2f}, against {overall:.2f} for all articles): one broad kind of article takes "
                    "up that much of the corpus")
        chosen = sel.loc[sel["chosen"]] if sel is not None and not sel.empty else None
        if chosen is None:
            why = "k was given, not chosen"
        elif bool(chosen["eligible"].iloc[0]):
            why = ("at this k no cluster held more than a third of the articles k was chosen on, but this one "
                   "holds more of all of them")
        elif k == 2:
            why = "k = 2 has the highest silhouette, and of two clusters one holds half of the articles or more"
        elif not sel["eligible"].any():
            why = (f"every k tried ({int(sel['k'].min())}–{int(sel['k'].max())}) left a cluster with more than a "
                   "third of the articles")
        else:
            why = (f"every k that kept its clusters within a third had a silhouette more than "
                   f"{100 * SILHOUETTE_TOLERANCE:.0f} % below the best")
        facts.loc[c, "size_note"] = f"{what}; {why}"
    return facts


def cluster_terms(model: TopicModel, n_terms: int = 10) -> pd.DataFrame:
    """The terms that name each cluster, most distinctive first, with the cluster's size facts.

    Terms are ranked by ``distinctiveness`` (how much more the cluster uses a
    term than the corpus does, weighted by how much it uses it), a term is
    listed for at most :data:`TERM_CLUSTERS` clusters (where it is most
    distinctive) and must occur in two of the cluster's articles; see
    :mod:`analysis.topics.labels`.  The first :data:`LABEL_TERMS` are the
    cluster's label (``labels.top_terms``).

    Columns: ``cluster``, ``rank`` (1 = most distinctive), ``term``,
    ``weight`` (the term's mean TF-IDF over the cluster's articles: its
    centroid weight), ``doc_freq`` (articles of the cluster containing it),
    ``n_articles`` (cluster size), ``lift`` (weight / the term's mean weight
    over all clustered articles; above 1: used more than in the corpus),
    ``distinctiveness`` (weight × ln lift); and, the same on every row of a
    cluster, ``share`` (of the clustered articles), ``cohesion`` (mean
    silhouette of its articles: near 0 or below, articles no closer to each
    other than to the next cluster), ``oversized`` (bool: ``share`` above a
    third) and ``size_note`` (why, when oversized: a remainder without
    distinctive vocabulary, or one dominant subject, and why the choice of k
    did not avoid it; empty otherwise).  Floats rounded (6 decimals for
    weight and distinctiveness, 4 for the others).  Sorted by cluster, rank.

    >>> t = pd.DataFrame({"article_id": list("abcd"), "tokens": [["生态", "环境"], ["生态", "环境", "保护"],
    ...                   ["外交官", "元宵"], ["外交官", "元宵", "文化"]]})
    >>> cluster_terms(fit_topics(t, min_df=1, max_df=1.0), 2)[["cluster", "term"]].values.tolist()
    [[0, '环境'], [0, '生态'], [1, '元宵'], [1, '外交官']]
    """
    X, terms, labels, k = model.tfidf.matrix, model.tfidf.terms, model.labels, model.k
    valid = np.flatnonzero(labels >= 0)
    member = sp.csr_matrix((np.ones(len(valid)), (labels[valid], valid)), shape=(k, X.shape[0]))
    # Articles of each cluster containing each term (the matrix's pattern, sharing its index arrays).
    present = sp.csr_matrix((np.ones(X.nnz, dtype=np.float32), X.indices, X.indptr), shape=X.shape)
    doc_freq = np.rint(np.asarray((member @ present).todense())).astype(np.int64)
    facts = _cluster_facts(model)
    sizes = facts["n_articles"].to_numpy(dtype=np.float64)
    # The mean over every clustered article, from the cluster means (no copy of the matrix).
    mean = sizes @ model.centroids / max(sizes.sum(), 1.0)
    score, lift = distinctiveness(model.centroids, mean)
    listed = listed_terms(score, model.centroids, doc_freq, facts["n_articles"].to_numpy(), n_terms,
                          max_clusters=TERM_CLUSTERS, fill=LABEL_TERMS)
    rows = []
    for c, chosen in enumerate(listed):
        f = facts.iloc[c]
        for rank, j in enumerate(chosen, start=1):
            rows.append((c, rank, terms[j], round(float(model.centroids[c, j]), 6), int(doc_freq[c, j]),
                         int(f["n_articles"]), round(float(lift[c, j]), 4), round(float(score[c, j]), 6),
                         float(f["share"]), float(f["cohesion"]), bool(f["oversized"]), str(f["size_note"])))
    return pd.DataFrame(rows, columns=CLUSTER_TERMS_COLUMNS).astype(
        {"cluster": "int64", "rank": "int64", "weight": "float64", "doc_freq": "int64", "n_articles": "int64",
         "lift": "float64", "distinctiveness": "float64", "share": "float64", "cohesion": "float64",
         "oversized": bool, "size_note": str})


def article_label(articles: pd.DataFrame, width: int = 18) -> pd.Series:
    """A short label per article: its headline, or the opening of its text
    when it has none (some articles of the sample have no headline), cut to
    ``width`` characters with "…".  Index of ``articles``."""
    def one(headline, text) -> str:
        s = str(headline or "").strip() or "〔无标题〕" + str(text or "").strip().split("\n")[0]
        return s if len(s) <= width else s[: width - 1] + "…"

    heads = articles["headline"] if "headline" in articles else pd.Series("", index=articles.index)
    texts = articles["text"] if "text" in articles else pd.Series("", index=articles.index)
    return pd.Series([one(h, t) for h, t in zip(heads.fillna(""), texts.fillna(""))], index=articles.index)


def _meta(model: TopicModel, articles: pd.DataFrame) -> pd.DataFrame:
    """Articles' metadata in the model's row order (error when one is missing)."""
    by_id = articles.assign(article_id=articles["article_id"].astype(str)).set_index("article_id")
    missing = [a for a in model.tfidf.article_ids if a not in by_id.index]
    if missing:
        raise TopicInputError(f"{len(missing)} article(s) of the model are not in the articles table, "
                              f"e.g. {missing[0]!r}")
    meta = by_id.loc[list(model.tfidf.article_ids)].reset_index()
    meta["label"] = article_label(meta).values
    for col in ("issue_date", "date"):
        if col not in meta:
            meta[col] = ""
    return meta


def similarity_to_centroid(model: TopicModel) -> np.ndarray:
    """Cosine similarity of each article to its cluster's centroid (nan if unclustered)."""
    X, labels = model.tfidf.matrix, model.labels
    norms = np.linalg.norm(model.centroids, axis=1)
    out = np.full(X.shape[0], np.nan)
    for c in range(model.k):
        rows = np.flatnonzero(labels == c)
        if len(rows) and norms[c] > 0:
            out[rows] = X[rows] @ (model.centroids[c] / norms[c])
    return out


def representative_articles(model: TopicModel, articles: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` articles nearest each cluster's centroid.

    Columns: ``cluster``, ``rank``, ``article_id``, ``similarity`` (cosine to
    the centroid, rounded to 4 decimals), ``issue_date``, ``date``, ``label``
    (headline, or the opening words when there is none).  Sorted by cluster,
    rank; equal similarity by article_id.
    """
    meta = _meta(model, articles)
    meta["cluster"] = model.labels
    meta["similarity"] = np.round(similarity_to_centroid(model), 4)
    meta = meta[meta["cluster"] >= 0].sort_values(
        ["cluster", "similarity", "article_id"], ascending=[True, False, True], kind="mergesort")
    meta = meta.groupby("cluster", sort=True).head(n).copy()
    meta["rank"] = meta.groupby("cluster").cumcount() + 1
    return meta[REPRESENTATIVE_COLUMNS].reset_index(drop=True).astype({"cluster": "int64", "rank": "int64"})


def cluster_sizes(model: TopicModel, articles: pd.DataFrame, by: str = "month") -> pd.DataFrame:
    """Articles per cluster and period.

    ``by``: ``"month"`` (``YYYY-MM`` of the issue), ``"issue"`` (issue date)
    or ``"date"`` (event date ``YYYY-MM-DD`` from the dateline, else the
    issue).  Columns: ``period``, ``cluster``, ``n_articles``, ``share`` (of
    the period's articles).  Every period × cluster pair is present (zeros
    included), sorted by period, cluster.
    """
    meta = _meta(model, articles)
    if by == "month":
        period = meta["issue_date"].astype(str).str.slice(0, 7)
    elif by == "issue":
        period = meta["issue_date"].astype(str)
    elif by == "date":
        period = meta["date"].astype(str).where(meta["date"].astype(str) != "", meta["issue_date"].astype(str))
    else:
        raise ValueError(f"by must be 'month', 'issue' or 'date', not {by!r}")
    return period_shares(period, model.labels)


def period_shares(period, labels) -> pd.DataFrame:
    """Articles per (period, cluster) with each cluster's ``share`` of the period: :data:`SIZES_COLUMNS`.

    ``period`` and ``labels``: one value per article. Every pair is present (zeros included).
    """
    clusters = sorted(set(np.asarray(labels).tolist()))
    counts = pd.crosstab(np.asarray(period), np.asarray(labels)).reindex(columns=clusters, fill_value=0)
    long = counts.stack().rename("n_articles").reset_index()
    long.columns = ["period", "cluster", "n_articles"]
    totals = long.groupby("period")["n_articles"].transform("sum")
    long["share"] = (long["n_articles"] / totals).round(4)
    return long.sort_values(["period", "cluster"], kind="mergesort").reset_index(drop=True).astype(
        {"cluster": "int64", "n_articles": "int64"})


def cluster_overview(clusters: pd.DataFrame, cluster_terms: pd.DataFrame, articles: pd.DataFrame,
                     representatives: pd.DataFrame | None = None, n_terms: int = 6) -> pd.DataFrame:
    """One row per cluster, from the built tables (``clusters``, ``cluster_terms``, ``articles``,
    ``representative_articles``).

    Columns: ``cluster``, ``n_articles``, ``share`` (of all articles,
    3 decimals), ``top_terms`` (the ``n_terms`` heaviest, joined with 、),
    ``representative`` (label of the article nearest the centroid; only with
    ``representatives``), ``first_issue``, ``last_issue``.  Sorted by cluster.
    """
    dates = articles.set_index(articles["article_id"].astype(str))["issue_date"]
    frame = clusters[clusters["cluster"] >= 0].assign(issue_date=lambda f: f["article_id"].astype(str).map(dates))
    grouped = frame.groupby("cluster", sort=True)
    out = pd.DataFrame({"n_articles": grouped.size(),
                        "first_issue": grouped["issue_date"].min(), "last_issue": grouped["issue_date"].max()})
    out["share"] = (out["n_articles"] / len(clusters)).round(3)
    names = top_terms(cluster_terms, n_terms)
    out["top_terms"] = [names.get(int(c), "") for c in out.index]
    if representatives is not None and len(representatives):
        first = representatives[representatives["rank"] == 1].set_index("cluster")["label"]
        out["representative"] = [first.get(c, "") for c in out.index]
    columns = ["n_articles", "share", "top_terms"] + (["representative"] if "representative" in out else []) \
        + ["first_issue", "last_issue"]
    return out[columns].reset_index()


def cluster_period_shares(clusters: pd.DataFrame, articles: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Articles per (period of issue date, cluster) from the built ``clusters`` and ``articles`` tables:
    :func:`period_shares` with the periods of :func:`analysis.corpus.periods.period_labels` (``freq``:
    D, W, M, Q, Y).  Every pair is present (zeros included)."""
    dates = articles.set_index(articles["article_id"].astype(str))["issue_date"]
    period = period_labels(clusters["article_id"].astype(str).map(dates).fillna(""), freq)
    return period_shares(period.to_numpy(), clusters["cluster"].to_numpy())


def map_agreement(clusters: pd.DataFrame) -> float:
    """Share of clustered articles whose nearest 2-D cluster centre (on the LSA map: ``x``, ``y`` of the
    ``clusters`` table) is their own cluster's; 1.0 with fewer than two clusters.

    >>> toy = pd.DataFrame({"cluster": [0, 0, 1, 1], "x": [0, 0.1, 1, 1.1], "y": [0, 0.1, 1, 0.9]})
    >>> map_agreement(toy), map_agreement(toy.assign(cluster=[0, 1, 0, 1]))
    (1.0, 0.5)
    """
    valid = clusters[clusters["cluster"] >= 0]
    if valid["cluster"].nunique() < 2:
        return 1.0
    centres = valid.groupby("cluster")[["x", "y"]].mean()
    xy = valid[["x", "y"]].to_numpy()
    dist = ((xy[:, None, :] - centres.to_numpy()[None, :, :]) ** 2).sum(axis=2)
    nearest = centres.index.to_numpy()[dist.argmin(axis=1)]
    return float((nearest == valid["cluster"].to_numpy()).mean())


def tfidf_summary(tfidf: Tfidf) -> pd.DataFrame:
    """The matrix in figures, as a two-column table (``item``, ``value``):
    articles, articles without any kept term, terms kept, stored non-zeros,
    density, and each vocabulary setting."""
    n, v = tfidf.matrix.shape
    items = [("articles", n), ("articles without kept terms", int(tfidf.empty_rows.sum())),
             ("terms kept", v), ("non-zero cells", int(tfidf.matrix.nnz)),
             ("density", f"{tfidf.matrix.nnz / max(n * v, 1):.4f}")]
    items += [(name, "no limit" if value is None else str(value)) for name, value in tfidf.params.items()]
    return pd.DataFrame(items, columns=["item", "value"]).astype({"value": str})


# --------------------------------------------------------------------------- NMF


@dataclass(frozen=True)
class NmfTopics:
    """NMF topics: ``articles`` (``article_id``, ``topic`` = heaviest topic,
    -1 for an article with no weight, ``weight`` = that topic's share of the
    article's weights) and ``terms`` (``topic``, ``rank``, ``term``,
    ``weight``).  Topics numbered by number of articles, like clusters."""

    articles: pd.DataFrame
    terms: pd.DataFrame


@_in_threads
def nmf_topics(tfidf: Tfidf, n_topics: int, *, seed: int = 0, n_terms: int = 10,
               sample: int | None = NMF_SAMPLE) -> NmfTopics:
    """Non-negative matrix factorisation of the TF-IDF matrix into ``n_topics``.

    Deterministic initialisation (NNDSVDa, fixed seed).  Each article gets
    its heaviest topic, which gives a second partition to compare with the
    k-means clusters (:func:`partition_agreement`).  Above ``sample``
    articles the topics (their terms) are fitted on a fixed sample of that
    many (the same kind of sample as k's: :func:`~analysis.topics.selection.sample_rows`)
    and every article's weights then computed against them, which costs a
    fraction of a fit on all (at 24,000 articles and 28 topics, 7 s of CPU
    against 42 s); ``None``: fit on every article.  A sample is fitted on the terms in at
    least :data:`NMF_MIN_DF` of its articles (the others weigh 0 in every topic), in
    :data:`NMF_DTYPE`, to :data:`NMF_SAMPLE_TOL`.
    """
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    X = tfidf.matrix
    if not 1 <= n_topics <= min(X.shape):
        raise TopicInputError(f"n_topics={n_topics} must be between 1 and {min(X.shape)} (articles, terms)")
    with warnings.catch_warnings():
        # Convergence on tiny corpora is judged by the agreement table, not by the warning.
        warnings.simplefilter("ignore", ConvergenceWarning)
        sampled = sample is not None and X.shape[0] > sample
        nmf = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=500,
                  tol=NMF_SAMPLE_TOL if sampled else NMF_TOL)
        fitted = X[sample_rows(tfidf.article_ids, sample, seed)] if sampled else X
        # (every article fitted: the matrix's own min_df already decides the terms)
        used = (np.flatnonzero(np.bincount(fitted.indices, minlength=X.shape[1]) >= NMF_MIN_DF) if sampled
                else np.arange(X.shape[1]))
        if len(used) < n_topics:
            raise TopicInputError(f"NMF with {n_topics} topics needs at least {n_topics} terms found in "
                                  f"{NMF_MIN_DF} fitted articles, found {len(used)}")
        if fitted is X:
            W = nmf.fit_transform(X[:, used])
        else:
            nmf.fit(fitted[:, used].astype(NMF_DTYPE))
            W = nmf.transform(X[:, used].astype(NMF_DTYPE)).astype(np.float64)
    # Topics over every column (0 for the terms left out).
    H = np.zeros((n_topics, X.shape[1]))
    H[:, used] = nmf.components_
    totals = W.sum(axis=1)
    raw = np.where(totals > 0, W.argmax(axis=1), -1)
    labels = canonical_labels(raw)
    # Reorder the topics to the canonical numbering.
    perm = {int(r): int(l) for r, l in zip(raw, labels) if r >= 0}
    share = np.where(totals > 0, W.max(axis=1) / np.where(totals > 0, totals, 1), 0.0)
    arts = pd.DataFrame({"article_id": pd.Series(tfidf.article_ids, dtype=object),
                         "topic": labels.astype(np.int64), "weight": np.round(share, 4)})
    rows = []
    unused = iter(range(len(perm), n_topics))
    for old in range(n_topics):
        new = perm.get(old)
        if new is None:
            new = next(unused)  # a topic that is no article's heaviest
        h = np.round(H[old], 6)
        order = sorted(np.flatnonzero(h > 0), key=lambda j: (-h[j], tfidf.terms[j]))[:n_terms]
        rows += [(new, r, tfidf.terms[j], float(h[j])) for r, j in enumerate(order, start=1)]
    terms = pd.DataFrame(rows, columns=NMF_TERMS_COLUMNS).sort_values(["topic", "rank"], kind="mergesort")
    return NmfTopics(articles=arts, terms=terms.reset_index(drop=True).astype({"topic": "int64", "rank": "int64"}))


def partition_agreement(a, b) -> pd.DataFrame:
    """Agreement of two partitions of the same articles.

    ``a``, ``b``: label sequences in the same article order.  Columns:
    ``measure`` (``adjusted_rand_index``: 1 identical, about 0 chance;
    ``normalized_mutual_info``: 1 identical, 0 independent), ``value``
    (rounded to 4 decimals), ``n_articles``.

    >>> partition_agreement([0, 0, 1, 1], [1, 1, 0, 0])["value"].tolist()
    [1.0, 1.0]
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"partitions differ in length: {len(a)} and {len(b)} articles")
    values = [adjusted_rand_score(a, b), normalized_mutual_info_score(a, b)]
    return pd.DataFrame({"measure": ["adjusted_rand_index", "normalized_mutual_info"],
                         "value": np.round(values, 4) + 0.0, "n_articles": len(a)})


def nmf_partition(clusters: pd.DataFrame, nmf_articles: pd.DataFrame) -> pd.DataFrame:
    """``article_id``, ``cluster``, ``topic``: both partitions of the built tables (``clusters``,
    ``nmf_articles``), articles in the clusters table's order.  An article of ``clusters`` missing from
    ``nmf_articles`` is an error (tables of two builds)."""
    topics = nmf_articles.set_index(nmf_articles["article_id"].astype(str))["topic"]
    frame = clusters[["article_id", "cluster"]].copy()
    frame["topic"] = frame["article_id"].astype(str).map(topics)
    missing = frame["topic"].isna()
    if missing.any():
        raise ValueError(f"nmf_articles lacks {int(missing.sum())} article(s) of clusters, e.g. "
                         f"{frame.loc[missing, 'article_id'].iloc[0]!r}: rebuild the tables")
    return frame.astype({"topic": "int64"})


def partition_crosstab(pairs: pd.DataFrame) -> pd.DataFrame:
    """Articles per k-means cluster (rows, index ``cluster``) and NMF topic (columns ``topic 0`` …),
    from :func:`nmf_partition`.

    >>> partition_crosstab(pd.DataFrame({"article_id": list("abc"), "cluster": [0, 0, 1], "topic": [1, 1, 0]}))
             topic 0  topic 1
    cluster                  
    0              0        2
    1              1        0
    """
    table = pairs.pivot_table(index="cluster", columns="topic", values="article_id", aggfunc="count", fill_value=0)
    table.columns = [f"topic {c}" for c in table.columns]
    return table
