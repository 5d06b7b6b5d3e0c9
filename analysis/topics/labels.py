"""Short names of the clusters (their heaviest terms), for the chapter's prose and the figures' legends.

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
