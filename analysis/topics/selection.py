"""Choosing k: which numbers of clusters are tried, which one is kept, and how that costs about one fit.

One rule for every corpus (:func:`search_k`, :func:`selection_frame`):

* k = 2 … 12 are tried first; while the highest silhouette is at the largest
  k tried, the range is **extended** (six more values, up to twice the
  previous top: 14 … 24, then 28 … 48) until :data:`K_LIMIT`;
* the k kept (``chosen``) is the **smallest eligible** k (largest cluster at
  most :data:`MAX_SHARE`, a third of the articles: a cluster holding half the
  corpus next to ten small ones is a remainder a reader cannot name) whose
  mean silhouette is within :data:`SILHOUETTE_NOISE` (0.005) of the highest:
  fits of one k from other seeds differ by about that much, so the silhouette
  does not tell such k apart, and fewer clusters are easier to name.  On real
  news text the silhouette is low and flat above a few dozen clusters; the
  highest alone picked the largest k tried on the development corpus (48 of
  2 … 48, ahead of 24 by 0.0035).
* when no eligible k is that close, and the highest is not eligible, the k
  kept is the best eligible k whose silhouette is within
  :data:`SILHOUETTE_TOLERANCE` (10 %) of the highest, if there is one; the
  size of the largest cluster tells such k apart where the silhouette hardly
  does.  Otherwise the best k stays, and the build says why its largest
  cluster is so large (:func:`analysis.topics.model.cluster_terms`);
* the table's ``at_edge`` says when the k kept is still the largest tried
  (the silhouette was still rising at the limit).

Above a few hundred articles, k is chosen on a **fixed sample** in its LSA
space (:func:`select_k`), so that the choice costs about one fit of the whole
corpus whatever its size:

1. the sample: the :data:`SELECTION_SAMPLE` articles whose hash of ``seed`` and
   article id is smallest (:func:`sample_rows`): the same articles whatever the
   row order, and an edit elsewhere in the corpus leaves it unchanged;
2. its own TF-IDF, from its articles' term counts alone (idf of the sample,
   terms in at least two sampled articles; :func:`sample_tfidf`), so the
   choice depends on the sampled articles only;
3. :data:`LSA_COMPONENTS` LSA dimensions of it (truncated SVD, rows scaled to
   unit length); in that space **one** k-means fit of the largest k the
   search may try (:func:`search_top`: :data:`K_LIMIT`; :data:`SELECTION_N_INIT`
   k-means++ starts), its clusters merged by Ward's criterion
   (:func:`ward_merges`) down to each k tried, and each k's merged groups
   refined by Lloyd's k-means from their means (:class:`Hierarchy`); the exact
   mean silhouette (cosine) of each k's partition on the sample's TF-IDF rows
   (:func:`cosine_silhouette`, from cluster sums);
4. the table is cached by the sample's **fingerprint** (:func:`fingerprint`: a
   hash of the sampled articles' term counts, in order, and of the settings and
   this code) in a cache folder passed explicitly (:class:`SelectionCache`): a
   build whose sampled articles are unchanged reads the table instead of
   refitting, and gets the same table, bit for bit, as a fresh choice.

The sample's LSA directions are also the space in which
:func:`analysis.topics.model.fit_topics` then fits the chosen k once on every
article.

Why one fit merged down rather than a fit per k: each k's refinement starts
near its optimum and stops after a few Lloyd rounds, so the search costs about
a third of fitting every k from three k-means++ starts, and the merged
partitions end at higher silhouettes and are steadier:

* development corpus, :func:`select_k` on its 10,000 sampled articles, one
  thread, seeds 0–4 (the seed of the SVD and of k-means): k kept 28, 28, 24,
  28, 28 at silhouettes 0.054–0.059, 6.0–6.9 s of CPU with the sample's SVD;
  a fit per k kept 28, 32, 22, 20, 8 (0.041–0.058), 14.6–15.9 s when its
  range reached 48;
* the whole topics step (``benchmarks/bench_topics.py``, back to back): on the
  development corpus the same k = 28, final silhouette 0.0558 → 0.0575, the
  choice 9.9 → 5.4 s; 3,000 articles with nine planted subjects: k 11 → 10,
  agreement with the planted subjects 0.710 → 0.736 (adjusted Rand index);
  48,000 of them: the same k and partition, the choice 4.1 → 3.6 s.  A corpus
  whose best k is small pays for the fit at :data:`K_LIMIT`, which a search
  per k stopping at 12 does not make, and gains less.

Plain k-means (Lloyd) rather than mini-batches: on the development corpus
(5,000 articles, k = 8 … 44, six seeds) mini-batch silhouettes vary by
0.002–0.005 from seed to seed, as much as neighbouring k differ.

>>> sample_rows(["a", "b", "c"], 5).tolist()
[0, 1, 2]
>>> t = search_k(lambda k: (np.arange(6) % k, 0.1 * k, 0.0), 6, [2, 3])
>>> t[["k", "chosen", "at_edge"]].values.tolist()
[[2, False, True], [3, True, True]]
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from analysis.io import write_parquet

log = logging.getLogger(__name__)


class TopicInputError(ValueError):
    """The tokens or parameters cannot support clustering (says which and why)."""

#: Articles the k are fitted and scored on (all of them below this many).  At 48,000 articles with
#: planted subjects, 10,000 find the planted k where 5,000 choose a k two higher (adjusted Rand index
#: 0.73 against 0.68); the whole search still costs about one fit of the chosen k on every article.
SELECTION_SAMPLE = 10_000
#: LSA dimensions of the selection space (and of the final fit's).
LSA_COMPONENTS = 100
#: Floating-point type of the LSA: the sample's SVD and k-means in its space (the search and the final
#: fit) run in single precision, about half the CPU of double precision for the same basis (on the
#: development corpus's sample the captured variance agrees to five digits) and the same k.
LSA_DTYPE = np.float32
#: k-means++ starts of the one fit of the largest k on the sample (:class:`Hierarchy`), and of a k given
#: rather than chosen.
SELECTION_N_INIT = 3
#: The k tried first.
FIRST_KS = tuple(range(2, 13))
#: Largest k an extension of the range may reach.
K_LIMIT = 48
#: Values of k added by one extension of the range.
EXTENSION_STEPS = 6
#: Largest share of the articles a cluster of an eligible k may hold.
MAX_SHARE = 1 / 3
#: An eligible k replaces the best one when its silhouette is at least (1 - this) times the best.
SILHOUETTE_TOLERANCE = 0.1
#: Silhouettes closer than this to the highest do not tell k apart (seed-to-seed spread of one k's fits).
SILHOUETTE_NOISE = 0.005
#: Threads of k-means, SVD and NMF in the topics step (``None``: the libraries' default, all cores).  One:
#: on 100-dimensional rows a second thread gains little, and on cores shared with other work it loses a
#: lot (on the development corpus, 24,100 articles, with the machine's two cores busy with other work:
#: choosing k on 5,000 of them took 3.7 s of CPU on one thread and 23.8 s on two, the final fit 4.3 s
#: against 11.9 s; identical results either way).
THREADS: int | None = 1
#: Independent fits the topics step runs at once, on as many Python threads (at most the cores): the
#: k of one round of the search (:func:`search_k`), and the map's SVD and the NMF check beside the
#: final fit (:func:`analysis.topics.model.fit_topics`).  Each fit runs on :data:`THREADS` library
#: threads, so its result is the one it has alone, bit for bit: only the order in which they finish
#: changes.  Unlike a second library thread, which waits for the first at every step, such threads
#: cost no more CPU than running the fits in turn.
CONCURRENT = 2
#: Bump when the selection changes in a way the code hash would not show (it is in every fingerprint).
SELECTION_VERSION = 2

SELECTION_DTYPES = {"k": "int64", "silhouette": "float64", "inertia": "float64", "smallest_cluster": "int64",
                    "n_articles": "int64", "chosen": bool, "largest_share": "float64", "eligible": bool,
                    "extended": bool, "at_edge": bool}
SELECTION_COLUMNS = list(SELECTION_DTYPES)


# --------------------------------------------------------------------------- helpers shared with model


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0, 1, … by size (largest first), ties by first row.

    k-means numbers clusters arbitrarily; this makes the numbering a function
    of the partition only.  Negative labels (unclustered) are kept.

    >>> canonical_labels(np.array([5, 2, 2, -1, 5, 2])).tolist()
    [1, 0, 0, -1, 1, 0]
    """
    labels = np.asarray(labels, dtype=np.int64)
    valid = labels >= 0
    uniq, first, counts = np.unique(labels[valid], return_index=True, return_counts=True)
    rows = np.flatnonzero(valid)[first]
    order = sorted(range(len(uniq)), key=lambda i: (-counts[i], rows[i]))
    lookup = np.zeros(int(uniq.max()) + 1 if len(uniq) else 0, dtype=np.int64)
    lookup[uniq[order]] = np.arange(len(uniq))
    out = labels.copy()
    out[valid] = lookup[labels[valid]]
    return out


def silhouette_rows(X, labels) -> tuple[np.ndarray, float]:
    """Silhouette (cosine distance) of every row, and the k-means inertia, from cluster sums.

    ``X``: rows of unit length (sparse or dense), ``labels``: 0 … k-1.  With
    unit rows the mean cosine distance from row i to cluster C is
    ``1 - x_i · S_C / |C|`` (``S_C`` the sum of C's rows; i's own row taken
    out of its own cluster), so the exact silhouette of every row costs one
    sparse product, O(non-zeros × k), instead of n² distances: the values of
    ``sklearn.metrics.silhouette_samples(X, labels, metric="cosine")`` to
    rounding.  Singletons score 0 (as in scikit-learn); all NaN when there are
    fewer than 2 or as many clusters as rows.  Inertia: sum of squared
    distances to the exact cluster means.
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = X.shape[0]
    k = int(labels.max()) + 1 if n else 0
    member = sp.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
    sums = member @ X
    sums = sums.toarray() if sp.issparse(sums) else np.asarray(sums)
    sims = np.asarray(X @ sums.T)  # n × k, dense
    sizes = np.bincount(labels, minlength=k).astype(float)
    sq_norms = np.asarray(X.multiply(X).sum(axis=1)).ravel() if sp.issparse(X) else (X * X).sum(axis=1)
    inertia = max(float(sq_norms.sum() - ((sums * sums).sum(axis=1) / np.maximum(sizes, 1)).sum()), 0.0)
    used = sizes > 0
    if used.sum() < 2 or used.sum() >= n:
        return np.full(n, np.nan), inertia
    rows = np.arange(n)
    own_size = sizes[labels]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 1.0 - (sims[rows, labels] - sq_norms) / (own_size - 1)
        mean_dist = 1.0 - sims / sizes
    # Distances below 0 are float noise (scikit-learn clips them the same way).
    a = np.maximum(a, 0.0)
    mean_dist[:, ~used] = np.inf
    mean_dist[rows, labels] = np.inf
    b = np.maximum(mean_dist.min(axis=1), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (b - a) / np.maximum(a, b)
    return np.where(own_size > 1, np.nan_to_num(s), 0.0), inertia


def cosine_silhouette(X, labels) -> tuple[float, float]:
    """Mean silhouette (cosine distance) of every row, and the k-means inertia (:func:`silhouette_rows`).

    The same value as ``sklearn.metrics.silhouette_score(X, labels, metric="cosine")``
    to rounding, with no sampling at any size; NaN when there are fewer than 2
    or as many clusters as rows.

    >>> X = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    >>> round(cosine_silhouette(X, np.array([0, 0, 1]))[0], 4)
    0.4333
    """
    s, inertia = silhouette_rows(X, labels)
    return (float("nan") if np.isnan(s).all() else float(s.mean())), inertia


def threads():
    """A context in which the numerical libraries use :data:`THREADS` threads (restored on exit).

    The libraries of :data:`LIBRARIES` are imported first: threadpoolctl limits the libraries already
    loaded, and scikit-learn's first import loads two more (SciPy's own OpenBLAS, which the SVD's LU
    and QR steps use, and OpenMP, which k-means uses), so a first fit in a process that had not yet
    imported scikit-learn ran them on every core: on the development corpus a sample LSA basis
    different in the fifth decimal from the next fit's, and another silhouette for one k."""
    from contextlib import nullcontext

    if THREADS is None:
        return nullcontext()
    import_libraries()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=THREADS)


#: What the topics step imports (scikit-learn pulls in most of SciPy: 1.5–4 s, more from a cold disk).
LIBRARIES = ("threadpoolctl", "sklearn.feature_extraction.text", "sklearn.cluster", "sklearn.decomposition")


def import_libraries() -> None:
    """Import :data:`LIBRARIES` (at once when they already are)."""
    import importlib

    for name in LIBRARIES:
        importlib.import_module(name)


def preload():
    """Import :data:`LIBRARIES` on a background thread, so that a build pays for them while it waits for
    its per-article workers instead of in the topics step; returns the (started, daemon) thread, to be
    joined before the step.  A failed import is left for the step to report.

    >>> preload().join()
    """
    import threading

    def run():
        try:
            import_libraries()
        except Exception:  # noqa: BLE001 - the topics step imports them again and says why
            return

    thread = threading.Thread(target=run, name="topics-preload", daemon=True)
    thread.start()
    return thread


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _own_threads(function: Callable) -> Callable:
    """``function`` run with OpenMP on :data:`THREADS` threads in the calling thread.  OpenMP's thread
    count is a per-thread setting (a new thread starts from the library's default), while BLAS's is
    global, set by the :func:`threads` context of the thread that started the pool."""
    if THREADS is None:
        return function

    def run(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=THREADS, user_api="openmp"):
            return function(*args, **kwargs)

    return run


def side_pool():
    """One thread beside the calling one for an independent fit of the topics step (submit through
    :func:`submit`); ``None`` when :data:`CONCURRENT` or the cores allow one thread only (then
    :func:`submit` runs the fit at once)."""
    from concurrent.futures import ThreadPoolExecutor

    if min(CONCURRENT, available_cores()) < 2:
        return None
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="topics")


class _Done:
    """A result computed at once (no pool), with the interface of a future."""

    def __init__(self, function, args, kwargs):
        try:
            self._value, self._error = function(*args, **kwargs), None
        except Exception as err:  # noqa: BLE001 - raised again by result(), as a future would
            self._value, self._error = None, err

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value


def submit(pool, function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)`` on ``pool`` (a :func:`side_pool`), or at once when it is ``None``;
    returns a future either way."""
    if pool is None:
        return _Done(function, args, kwargs)
    return pool.submit(_own_threads(function), *args, **kwargs)


@contextmanager
def quiet_convergence():
    """A context ignoring scikit-learn's ``ConvergenceWarning``, for the calling thread and the threads it
    starts inside: every fit of the step ignores it (the silhouette judges the result), and
    ``warnings.catch_warnings`` inside concurrent threads restore each other's filters in any order, so
    the calling thread sets the filter for all of them and restores the filters once they are done."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def concurrent_map(function: Callable, items) -> list:
    """``[function(i) for i in items]``, on up to :data:`CONCURRENT` threads (each computation on
    :data:`THREADS` library threads, so every result is the one a single thread would give)."""
    items = list(items)
    if len(items) < 2 or min(CONCURRENT, available_cores()) < 2:
        return [function(i) for i in items]
    from concurrent.futures import ThreadPoolExecutor

    with quiet_convergence(), ThreadPoolExecutor(max_workers=min(CONCURRENT, available_cores(), len(items)),
                                                 thread_name_prefix="topics") as pool:
        return list(pool.map(_own_threads(function), items))


def unit_rows(Z: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(Z, axis=1)
    return Z / np.where(norms > 0, norms, 1.0)[:, None]


def kmeans_labels(Z, k: int, seed: int, n_init: int) -> np.ndarray:
    """Canonical labels of k-means (k-means++ starts, Lloyd) on the rows of ``Z``: the fit of lowest
    inertia of ``n_init`` starts.

    Rows in :data:`LSA_DTYPE` (the LSA rows, dense) are started in double precision and fitted in
    theirs: scikit-learn's k-means++ computes single-precision distances by way of double precision,
    at twice the cost, while its Lloyd iterations run in single precision at about 60 % of the cost of
    double.  The starts are scikit-learn's (:func:`sklearn.cluster.kmeans_plusplus`, drawn one after
    the other from one random state seeded by ``seed``, as ``KMeans(n_init=...)`` draws them), each
    run to convergence; other rows (sparse TF-IDF rows, double precision) are fitted by ``KMeans``
    itself."""
    from sklearn.cluster import KMeans, kmeans_plusplus
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # Few distinct points (tiny corpora) make k-means warn; the silhouette judges the result.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if sp.issparse(Z) or Z.dtype != LSA_DTYPE:
            raw = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed).fit_predict(Z)
        else:
            wide = np.ascontiguousarray(Z, dtype=np.float64)
            random = np.random.RandomState(seed)
            best = None
            for _ in range(n_init):
                centres = kmeans_plusplus(wide, k, random_state=random)[0]
                fit = KMeans(n_clusters=k, init=centres.astype(Z.dtype), n_init=1).fit(Z)
                if best is None or fit.inertia_ < best.inertia_:  # the first of equals, as KMeans keeps it
                    best = fit
            raw = best.labels_
    return canonical_labels(np.asarray(raw, dtype=np.int64))


def ward_merges(centres: np.ndarray, sizes: np.ndarray) -> dict[int, np.ndarray]:
    """Ward's agglomeration of clusters given by their ``centres`` (means) and ``sizes``: for every k from
    ``len(sizes)`` down to 1, the group (0 … k-1, numbered by first cluster) of each cluster.

    Each step merges the two groups whose union adds least to the within-group sum of squared distances,
    ``n_a n_b / (n_a + n_b) · |c_a - c_b|²`` (exactly what the merge adds to the k-means objective of their
    articles, whatever their spread); ties go to the first pair in row order, so the result is a function of
    the input.

    >>> groups = ward_merges(np.array([[0.0], [0.1], [5.0], [5.2]]), np.array([3, 1, 2, 2]))
    >>> groups[2].tolist(), groups[3].tolist()
    ([0, 0, 1, 1], [0, 0, 1, 2])
    """
    top = len(sizes)
    means = np.asarray(centres, dtype=np.float64).copy()
    weight = np.asarray(sizes, dtype=np.float64).copy()

    def costs(a: int) -> np.ndarray:
        total = weight[a] + weight
        with np.errstate(divide="ignore", invalid="ignore"):
            pair = np.where(total > 0, weight[a] * weight / total, 0.0)
        return pair * ((means - means[a]) ** 2).sum(axis=1)

    cost = np.full((top, top), np.inf)
    for a in range(top):
        cost[a, a + 1:] = costs(a)[a + 1:]
    member = np.arange(top)
    out = {top: member.copy()}
    for k in range(top - 1, 0, -1):
        a, b = np.unravel_index(int(np.argmin(cost)), cost.shape)  # a < b: the upper triangle only
        total = weight[a] + weight[b]
        means[a] = (means[a] * weight[a] + means[b] * weight[b]) / total if total > 0 else means[a]
        weight[a] = total
        member[member == b] = a
        cost[b, :] = cost[:, b] = np.inf
        alive = np.unique(member)
        fresh = costs(a)
        cost[alive[alive < a], a] = fresh[alive[alive < a]]
        cost[a, alive[alive > a]] = fresh[alive[alive > a]]
        out[k] = np.unique(member, return_inverse=True)[1].astype(np.int64)
    return out


def cluster_means(Z, labels: np.ndarray, k: int) -> np.ndarray:
    """The mean row (dense, double precision) of each of the k clusters of the rows ``Z`` (dense or sparse),
    whatever algorithm produced the labels; rows labelled -1 belong to none, an empty cluster's mean is zero."""
    labels = np.asarray(labels, dtype=np.int64)
    valid = np.flatnonzero(labels >= 0)
    # One sparse product: ``np.add.at`` took 0.1 s a call on 10,000 × 100 single-precision rows.
    member = sp.csr_matrix((np.ones(len(valid)), (labels[valid], valid)), shape=(k, Z.shape[0]))
    sums = member @ (Z if sp.issparse(Z) else np.asarray(Z, dtype=np.float64))
    sums = sums.toarray() if sp.issparse(sums) else np.asarray(sums)
    return sums / np.maximum(np.bincount(labels[valid], minlength=k), 1)[:, None]


class Hierarchy:
    """The fits of every k on the sample's LSA rows from one fit of the largest (see the module docstring).

    ``top``: the largest k the search may try (:func:`search_top`); its fit (:data:`SELECTION_N_INIT`
    k-means++ starts, :func:`kmeans_labels`) is made once, its clusters merged by :func:`ward_merges`, and
    :meth:`labels` gives each smaller k's partition: its merged groups, refined by Lloyd's k-means from
    their means (scikit-learn's ``KMeans`` with that start, so it ends where a fit from k-means++ starts
    would: at a local optimum of k).  Nothing is shared between calls but the base fit, so the search
    refines several k at once on its threads."""

    def __init__(self, Z: np.ndarray, top: int, seed: int):
        self.Z, self.top, self.seed = Z, int(top), seed
        self.base = kmeans_labels(Z, self.top, seed, SELECTION_N_INIT)
        sizes = np.bincount(self.base, minlength=self.top)
        self.groups = ward_merges(cluster_means(Z, self.base, self.top), sizes)

    def labels(self, k: int) -> np.ndarray:
        """Canonical labels of k (1 … ``top``) on the rows of ``Z``."""
        from sklearn.cluster import KMeans
        from sklearn.exceptions import ConvergenceWarning

        merged = self.groups[int(k)][self.base]
        if k == self.top or k < 2:
            return canonical_labels(merged)
        start = cluster_means(self.Z, merged, k).astype(self.Z.dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            raw = KMeans(n_clusters=k, init=start, n_init=1, random_state=self.seed).fit_predict(self.Z)
        return canonical_labels(np.asarray(raw, dtype=np.int64))


# --------------------------------------------------------------------------- the range of k and the choice


def first_ks(n: int) -> list[int]:
    """The k tried first on ``n`` articles: 2 … 12 (fewer than n)."""
    return [k for k in FIRST_KS if k < n]


def next_ks(top: int, n: int) -> list[int]:
    """The k one extension adds above ``top``: :data:`EXTENSION_STEPS` values up to twice ``top``, never
    above :data:`K_LIMIT` or ``n - 1``.

    >>> next_ks(12, 10_000), next_ks(24, 10_000), next_ks(48, 10_000), next_ks(12, 17)
    ([14, 16, 18, 20, 22, 24], [28, 32, 36, 40, 44, 48], [], [14, 16])
    """
    step = max(1, top // EXTENSION_STEPS)
    return list(range(top + step, min(2 * top, K_LIMIT, n - 1) + 1, step))


def search_top(n: int, ks=None) -> int:
    """The largest k a search on ``n`` articles may try: the largest of ``ks`` when given, else
    :data:`K_LIMIT` (at most ``n - 1``).

    >>> search_top(10_000), search_top(30), search_top(10_000, [2, 3, 4])
    (48, 29, 4)
    """
    return max(int(k) for k in ks) if ks else max(1, min(K_LIMIT, n - 1))


def selection_frame(rows: Sequence[dict]) -> pd.DataFrame:
    """The selection table (:data:`SELECTION_COLUMNS`) from one dict per k tried (``k``, ``silhouette``,
    ``inertia``, ``smallest_cluster``, ``largest_share``, ``n_articles``, ``extended``): marks the eligible
    k, the chosen one (see the module docstring) and whether it is the largest tried.

    >>> rows = [{"k": k, "silhouette": s, "inertia": 0.0, "smallest_cluster": 1, "largest_share": b,
    ...          "n_articles": 9, "extended": False} for k, s, b in [(2, 0.1, 0.6), (3, 0.3, 0.5), (4, 0.28, 0.3)]]
    >>> selection_frame(rows)[["k", "eligible", "chosen"]].values.tolist()
    [[2, False, False], [3, False, False], [4, True, True]]
    """
    frame = pd.DataFrame(list(rows)).sort_values("k", kind="mergesort").reset_index(drop=True)
    frame["eligible"] = frame["largest_share"] <= MAX_SHARE + 1e-12
    score = frame["silhouette"].astype(float).fillna(-np.inf)
    best = int(score.idxmax())  # the first of equal maxima: the smaller k
    chosen = best
    if np.isfinite(score[best]):
        close = score[frame["eligible"] & (score >= score[best] - SILHOUETTE_NOISE - 1e-12)]
        floor = score[best] - SILHOUETTE_TOLERANCE * abs(score[best])
        pool = score[frame["eligible"] & (score >= floor - 1e-12)]
        if len(close):
            chosen = int(close.index.min())  # rows are sorted by k: the smallest such k
        elif not frame.loc[best, "eligible"] and len(pool):
            chosen = int(pool.idxmax())
    frame["chosen"] = frame.index == chosen
    frame["at_edge"] = bool(len(frame) > 1 and chosen == len(frame) - 1)
    return frame[SELECTION_COLUMNS].astype(SELECTION_DTYPES)


def _best_at_top(frame: pd.DataFrame) -> bool:
    score = frame["silhouette"].astype(float).fillna(-np.inf)
    return len(frame) > 1 and int(score.idxmax()) == len(frame) - 1


def search_k(fit: Callable[[int], tuple[np.ndarray, float, float]], n: int, ks=None) -> pd.DataFrame:
    """Fit and score each k (``fit(k)`` → canonical labels, mean silhouette, inertia), extending the
    range while the highest silhouette is at its largest k (only when ``ks`` is None: given ks are tried
    as given).
    Returns :func:`selection_frame`'s table; ``n``: articles fitted on."""
    rows: list[dict] = []
    todo = first_ks(n) if ks is None else list(ks)
    extended = False
    while todo:
        # The k of one round are independent fits: on CONCURRENT threads, results in k order.
        for k, (labels, silhouette, inertia) in zip(todo, concurrent_map(fit, todo)):
            sizes = np.bincount(labels, minlength=k)
            # Rounded so that the table, and the choice, do not hinge on the last float bits.
            rows.append({"k": k, "silhouette": round(silhouette, 6), "inertia": round(inertia, 6),
                         "smallest_cluster": int(sizes.min()), "largest_share": round(sizes.max() / len(labels), 4),
                         "n_articles": len(labels), "extended": extended})
        frame = selection_frame(rows)
        if ks is not None or not _best_at_top(frame):
            break
        todo, extended = next_ks(int(frame["k"].max()), n), True
    return frame


# --------------------------------------------------------------------------- the sample


def sample_rows(article_ids: Sequence[str], size: int, seed: int = 0) -> np.ndarray:
    """Row positions (sorted) of the ``size`` articles whose ``blake2b(seed:id)`` is smallest; every row
    when there are no more than ``size``.  Depends on the ids only: not on their order, and an added or
    edited article elsewhere changes nothing."""
    n = len(article_ids)
    if n <= size:
        return np.arange(n)
    keys = np.fromiter((int.from_bytes(hashlib.blake2b(f"{seed}:{a}".encode(), digest_size=8).digest(), "big")
                        for a in article_ids), dtype=np.uint64, count=n)
    # Ties (a 64-bit collision) by row, so the sample is a function of the ids.
    return np.sort(np.lexsort((np.arange(n), keys))[:size])


def sample_tfidf(counts: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """TF-IDF of sampled articles from their term counts alone: terms in at least two of them, sublinear
    tf, smoothed idf of the sample, rows of unit length.  Returns the matrix (its columns: the kept
    columns of ``counts``) and the kept column positions."""
    from sklearn.feature_extraction.text import TfidfTransformer

    df = np.bincount(counts.indices, minlength=counts.shape[1])
    kept = np.flatnonzero(df >= 2)
    sub = counts[:, kept].astype(np.float64)
    sub.sort_indices()
    return sp.csr_matrix(TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").fit_transform(sub)), kept


def _code_hash() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def fingerprint(rows: sp.csr_matrix, terms: Sequence[str], settings: dict) -> str:
    """Hex digest of what a choice of k depends on: the sampled rows (``rows``: their term counts, or
    their TF-IDF values when no counts are known; columns labelled by ``terms``), in order, the
    ``settings``, this module's code and the numerical libraries' versions."""
    import sklearn

    rows = rows.tocsr()
    rows.sort_indices()
    used = np.flatnonzero(np.bincount(rows.indices, minlength=rows.shape[1]))
    digest = hashlib.sha256()
    meta = {"settings": settings, "version": SELECTION_VERSION, "code": _code_hash(),
            "sklearn": sklearn.__version__, "numpy": np.__version__}
    digest.update(json.dumps(meta, sort_keys=True, default=str).encode())
    digest.update("\x1f".join(str(t) for t in np.asarray(terms, dtype=object)[used]).encode())
    digest.update(np.asarray(rows.indptr, dtype=np.int64).tobytes())
    digest.update(np.searchsorted(used, rows.indices).astype(np.int64).tobytes())
    digest.update(np.asarray(rows.data, dtype=np.float64).tobytes())
    return digest.hexdigest()


class SelectionCache:
    """Selection tables by sample fingerprint: one Parquet file per fingerprint in ``folder`` (the
    build's ``corpus.cache_dir("topics")``).  Written atomically; an unreadable entry is a miss and an
    unwritable folder only a warning (a cache is an optimisation).  ``hits`` and ``misses`` count the
    look-ups of this object."""
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.hits = 0
        self.misses = 0

    def path(self, key: str) -> Path:
        return self.folder / f"selection-{key[:32]}.parquet"

    def get(self, key: str) -> pd.DataFrame | None:
        path = self.path(key)
        table = None
        if path.is_file():
            try:
                table = pd.read_parquet(path)
                if list(table.columns) != SELECTION_COLUMNS:
                    table = None
            except Exception as err:  # noqa: BLE001 - any unreadable entry is recomputed
                log.warning("topic selection cache %s unreadable (%s); choosing k again", path, err)
                table = None
        if table is None:
            self.misses += 1
        else:
            self.hits += 1
        return table

    def put(self, key: str, table: pd.DataFrame) -> None:

        try:
            write_parquet(table, self.path(key))
        except OSError as err:
            log.warning("could not write the topic selection cache in %s (%s); continuing without it",
                        self.folder, err.strerror or err)


def as_cache(cache) -> SelectionCache | None:
    """``None``, a :class:`SelectionCache`, or a folder for one."""
    if cache is None or isinstance(cache, SelectionCache):
        return cache
    return SelectionCache(cache)


# --------------------------------------------------------------------------- choosing k on the sample


def lsa_basis(X: sp.csr_matrix, seed: int) -> np.ndarray:
    """The top :data:`LSA_COMPONENTS` right singular vectors of ``X`` (components × columns; fewer when
    ``X`` is small), signs fixed (each one's largest loading positive); computed in :data:`LSA_DTYPE`,
    returned in double precision."""
    from sklearn.decomposition import TruncatedSVD

    n_comp = max(1, min(LSA_COMPONENTS, X.shape[0] - 1, X.shape[1] - 1))
    if min(X.shape) <= n_comp + 1:
        comps = np.linalg.svd(X.toarray(), full_matrices=False)[2][:n_comp]
    else:
        comps = TruncatedSVD(n_components=n_comp, algorithm="randomized", n_iter=5,
                             random_state=seed).fit(X.astype(LSA_DTYPE)).components_.astype(np.float64)
    signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
    return comps * np.where(signs == 0, 1.0, signs)[:, None]


def sample_centres(Z: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """The k clusters' mean directions (unit rows, k × dimensions) of the rows ``Z`` labelled ``labels``
    (0 … k-1; an empty cluster's row is zero)."""
    return unit_rows(cluster_means(Z, labels, k))


def select_k(X: sp.csr_matrix, counts: Callable[[np.ndarray], sp.csr_matrix] | None, terms: Sequence[str],
             article_ids: Sequence[str],
             ks=None, *, seed: int = 0, cache: SelectionCache | None = None,
             choose: bool = True, k: int | None = None) -> tuple[pd.DataFrame | None, np.ndarray, dict, np.ndarray]:
    """Choose k on the fixed sample in its LSA space (see the module docstring).

    ``X``: the TF-IDF rows (unit length, no zero row) of the articles ``article_ids``; ``counts``: gives
    the term counts of the rows it is given (positions in ``X``; same columns), so only the sample's are
    ever copied (``None``: the sample's TF-IDF rows of ``X`` are used as they are); ``terms``: the column
    labels.  Returns the selection table, the LSA basis over ``X``'s columns (components ×
    terms: the final fit's space), facts for the model's params (sample size, fingerprint, whether
    the table came from ``cache``) and the **centres** of the chosen k's fit on the sample
    (:func:`sample_centres`, in the basis's space: where the final fit on every article starts).
    ``choose=False``: k is given (``k``); no table (``None``), the centres of ``k``'s fit on the sample.
    A table read from ``cache`` gives the same centres: the chosen k is fitted on the sample again, as
    the search fitted it (same rows, same seed).
    """
    n = X.shape[0]
    rows = sample_rows(article_ids, SELECTION_SAMPLE, seed)
    whole = len(rows) == n
    if whole:
        Xs, kept = X, np.arange(X.shape[1])
        source = counts(rows) if counts is not None else X
    elif counts is None:
        Xs, kept = X[rows], np.arange(X.shape[1])
        source = Xs
    else:
        source = counts(rows)
        Xs, kept = sample_tfidf(source)
    filled = np.flatnonzero(np.diff(Xs.indptr) > 0)
    if len(filled) < Xs.shape[0]:  # articles whose every term is in one sampled article only
        Xs = Xs[filled]
    basis = lsa_basis(Xs, seed)
    settings = {"seed": seed, "ks": None if ks is None else [int(k) for k in ks], "sample": SELECTION_SAMPLE,
                "whole": whole, "components": LSA_COMPONENTS, "n_init": SELECTION_N_INIT,
                "dtype": np.dtype(LSA_DTYPE).name, "first": list(FIRST_KS),
                "limit": K_LIMIT, "steps": EXTENSION_STEPS, "max_share": MAX_SHARE,
                "tolerance": SILHOUETTE_TOLERANCE, "noise": SILHOUETTE_NOISE}
    key = fingerprint(source, terms, settings)
    table = cache.get(key) if cache is not None and choose else None
    cached = table is not None
    Zs = unit_rows(np.asarray(Xs @ basis.T)).astype(LSA_DTYPE)
    n_s = Xs.shape[0]
    fitted: dict[int, np.ndarray] = {}
    made: list[Hierarchy] = []
    lock = threading.Lock()

    def hierarchy() -> Hierarchy:
        """The one fit of the largest k the search may try, made on first use (the threads wait for it)."""
        with lock:
            if not made:
                made.append(Hierarchy(Zs, search_top(n_s, ks), seed))
        return made[0]

    if table is None and choose:
        if n_s < 3:
            raise TopicInputError(f"choosing k needs at least 3 sampled articles with shared terms, found {n_s}")
        bad = [k_ for k_ in (ks or []) if not 2 <= int(k_) < n_s]
        if bad:
            raise TopicInputError(f"k must be between 2 and {n_s - 1} (articles of the selection sample - 1), "
                                  f"got {bad}")

        def fit(k_: int):
            labels = hierarchy().labels(k_)
            fitted[k_] = labels
            silhouette, inertia = cosine_silhouette(Xs, labels)
            return labels, silhouette, inertia

        table = search_k(fit, n_s, None if ks is None else sorted({int(k_) for k_ in ks}))
        if cache is not None and not table["silhouette"].isna().all():
            cache.put(key, table)
    centres = None
    if choose:
        k = int(table.loc[table["chosen"], "k"].item())
        # From the cache: the chosen k's fit again, as the search made it (same rows, same seed).
        labels = fitted[k] if k in fitted else hierarchy().labels(k)
        centres = sample_centres(Zs, labels, k)
    elif k is not None and 1 <= int(k) <= n_s:
        k = int(k)  # given, not chosen: a fit of its own
        centres = sample_centres(Zs, kmeans_labels(Zs, k, seed, SELECTION_N_INIT), k)
    full = np.zeros((basis.shape[0], X.shape[1]))
    full[:, kept] = basis
    return table, full, {"selection_sample": len(rows), "fingerprint": key, "selection_cached": cached}, centres
