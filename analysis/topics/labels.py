"""Naming clusters by the terms that distinguish them, and the short names the prose and legends use.

A cluster's heaviest terms (its centroid's largest TF-IDF weights) are often
the corpus's own commonest words: on a national paper 中国, 发展 or 习近平 top
several clusters at once, and the names cannot be told apart.  A cluster is
named instead by the terms it uses **more than the corpus does**
(:func:`distinctiveness`):

* ``lift`` = the term's mean TF-IDF weight in the cluster (its centroid
  weight) divided by its mean weight over all clustered articles: above 1, the
  cluster uses it more than the corpus does;
* ``distinctiveness`` = centroid weight × ln(lift): the term's contribution to
  how far the cluster's mean vector is from the corpus's (a term of the
  Kullback-Leibler divergence), so a term must be both frequent in the cluster
  and concentrated there; 0 or below for a term used no more than elsewhere.

:func:`listed_terms` then lists each cluster's terms by distinctiveness, with
two rules: a term is listed for at most ``max_clusters`` clusters (those where
it is most distinctive; by default two), so no term names more than two
clusters; and a listed term occurs in at least two of the cluster's articles
(a single article's word describes that article, not the cluster).  When fewer
than ``fill`` terms are distinctive, the heaviest remaining terms fill the
label (their lift shows they are not distinctive).

NMF topics are named by their heaviest terms (:func:`nmf_topic_terms`).

>>> import pandas as pd
>>> top_terms(pd.DataFrame({"cluster": [0, 0, 1], "rank": [2, 1, 1], "term": ["改革", "发展", "丰台"]}), 2)
{0: '发展、改革', 1: '丰台'}
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def top_terms(cluster_terms: pd.DataFrame, n: int = 3, sep: str = "、") -> dict[int, str]:
    """``{cluster: "term、term、term"}``: the ``n`` first-ranked terms of each cluster (its label: the most
    distinctive, see the module docstring)."""
    ordered = cluster_terms.sort_values(["cluster", "rank"], kind="mergesort")
    return {int(c): sep.join(g["term"].astype(str).head(n)) for c, g in ordered.groupby("cluster", sort=True)}


def nmf_topic_terms(nmf_terms: pd.DataFrame, n: int = 8, sep: str = "、") -> pd.DataFrame:
    """One row per NMF topic of the built ``nmf_terms`` table: ``topic``, ``terms`` (its ``n`` heaviest,
    joined with ``sep``): narrow enough for a phone.

    >>> nmf_topic_terms(pd.DataFrame({"topic": [0, 0, 1], "rank": [2, 1, 1], "term": ["改革", "发展", "丰台"]}))
       topic  terms
    0      0  发展、改革
    1      1     丰台
    """
    top = nmf_terms[nmf_terms["rank"] <= n].sort_values(["topic", "rank"], kind="mergesort")
    return top.groupby("topic", sort=True)["term"].agg(sep.join).rename("terms").reset_index()


def distinctiveness(centroids: np.ndarray, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(score, lift)``, each clusters × terms: lift = centroid / corpus mean weight (0 where the corpus
    mean is 0), score = centroid × ln(lift) (0 where the centroid is 0).

    >>> score, lift = distinctiveness(np.array([[0.4, 0.1], [0.0, 0.1]]), np.array([0.2, 0.1]))
    >>> lift.tolist(), np.round(score, 4).tolist()
    ([[2.0, 1.0], [0.0, 1.0]], [[0.2773, 0.0], [0.0, 0.0]])
    """
    centroids = np.asarray(centroids, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(mean > 0, centroids / np.where(mean > 0, mean, 1.0), 0.0)
        score = np.where(centroids > 0, centroids * np.log(np.where(lift > 0, lift, 1.0)), 0.0)
    return score, lift


def listed_terms(score: np.ndarray, weight: np.ndarray, doc_freq: np.ndarray, sizes: np.ndarray, n_terms: int,
                 *, max_clusters: int = 2, fill: int = 3) -> list[list[int]]:
    """Column positions of each cluster's listed terms, in rank order (see the module docstring).

    ``score``, ``weight``, ``doc_freq``: clusters × terms (distinctiveness, centroid weight, articles of
    the cluster containing the term); ``sizes``: articles per cluster.  Columns are assumed sorted by
    term, so equal scores rank in term order.  Deterministic: no ordering depends on anything else.

    >>> s = np.array([[0.3, 0.2, 0.1], [0.2, 0.3, 0.0], [0.1, 0.1, 0.2]])
    >>> listed_terms(s, s, np.full((3, 3), 5), np.array([9, 9, 9]), 3, max_clusters=2, fill=0)
    [[0, 1, 2], [1, 0], [2]]
    """
    k, v = score.shape
    score = np.round(np.asarray(score, dtype=np.float64), 9)
    weight = np.round(np.asarray(weight, dtype=np.float64), 9)
    shared = doc_freq >= np.minimum(2, np.asarray(sizes))[:, None]
    candidate = (score > 0) & shared
    # For each term, the clusters where it is most distinctive (ties: lower cluster number) may list it.
    by_score = np.argsort(-np.where(candidate, score, -np.inf), axis=0, kind="stable")
    allowed = np.zeros((k, v), dtype=bool)
    cols = np.arange(v)
    for r in range(min(max_clusters, k)):
        rows = by_score[r]
        allowed[rows, cols] |= candidate[rows, cols]
    listed: list[list[int]] = []
    for c in range(k):
        own = np.flatnonzero(allowed[c])
        # Highest score first; equal scores in column (term) order.
        listed.append(own[np.lexsort((own, -score[c, own]))][:n_terms].tolist())
    uses = np.zeros(v, dtype=np.int64)
    for chosen in listed:
        uses[chosen] += 1
    for c in range(k):
        need = min(fill, n_terms) - len(listed[c])
        if need <= 0:
            continue
        # Too few distinctive terms: the heaviest others, still at most max_clusters clusters per term.
        taken = set(listed[c])
        pool = np.flatnonzero((weight[c] > 0) & (uses < max_clusters) & shared[c])
        pool = [j for j in pool[np.lexsort((pool, -weight[c, pool]))] if j not in taken][:need]
        listed[c] += pool
        uses[pool] += 1
    return listed
