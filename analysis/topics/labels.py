"""Short names of the clusters and NMF topics (their heaviest terms), for the chapter's prose, its tables
and the figures' legends.

>>> import pandas as pd
>>> top_terms(pd.DataFrame({"cluster": [0, 0, 1], "rank": [2, 1, 1], "term": ["改革", "发展", "丰台"]}), 2)
{0: '发展、改革', 1: '丰台'}
"""
from __future__ import annotations

import pandas as pd


def top_terms(cluster_terms: pd.DataFrame, n: int = 3, sep: str = "、") -> dict[int, str]:
    """``{cluster: "term、term、term"}``: the ``n`` heaviest terms of each cluster."""
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
