"""discovery_table (the discovered officials' table) from its hits: grouped columns, checked against the
per-name loop it replaced, on generated hits with ties of every kind."""
from __future__ import annotations

import random

import pandas as pd

from analysis.perarticle.mentions import DISCOVERY_COLUMNS, HIT_COLUMNS, discovery_table


def _per_name(hits: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    """The loop discovery_table used to be (one sort per name)."""
    out = []
    for name, group in hits.groupby("name", sort=True):
        counts = group["title"].value_counts()
        best = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]
        first = group.sort_values(["date", "source", "line"], kind="stable").iloc[0]
        out.append({"name": name, "title": best, "titles": "；".join(sorted(counts.index)), "count": len(group),
                    "articles": group["article_id"].nunique(), "first_date": group["date"].min(),
                    "last_date": group["date"].max(), "in_registry": name in known,
                    "example_source": first["source"], "example_line": int(first["line"]),
                    "example": first["context"]})
    result = pd.DataFrame(out, columns=DISCOVERY_COLUMNS)
    result = result[~result["in_registry"]]
    return result.sort_values(["count", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _hits(seed: int, n: int) -> pd.DataFrame:
    rng = random.Random(seed)
    names = ["王少峰", "李强", "赵乐际", "丁薛祥", "张三", "李四", "王五"]
    titles = ["主任", "副主任", "区长", "书记", "委员", "副区长"]
    rows = []
    for i in range(n):
        rows.append((rng.choice(names), rng.choice(titles), f"a{rng.randrange(40)}",
                     f"2024-0{rng.randrange(1, 4)}-1{rng.randrange(3)}", f"p{rng.randrange(3)}.txt",
                     rng.randrange(5), rng.randrange(100), f"context {i}"))
    return pd.DataFrame(rows, columns=HIT_COLUMNS)


def test_the_grouped_table_is_the_per_name_loop_s_table():
    for seed in range(20):
        hits = _hits(seed, 300)
        known = {"李强", "赵乐际"} if seed % 2 else set()
        pd.testing.assert_frame_equal(discovery_table(hits, known), _per_name(hits, known))


def test_the_most_frequent_title_wins_then_the_longest():
    hits = pd.DataFrame([("张三", "区长", "a", "2024-01-01", "p", 1, 0, "x"),
                         ("张三", "副区长", "b", "2024-01-02", "p", 2, 0, "y"),
                         ("李四", "委员", "c", "2024-01-01", "p", 1, 0, "z"),
                         ("李四", "委员", "c", "2024-01-01", "p", 3, 0, "w")], columns=HIT_COLUMNS)
    table = discovery_table(hits, set()).set_index("name")
    assert table.loc["张三", "title"] == "副区长" and table.loc["张三", "titles"] == "副区长；区长"
    assert table.loc["李四", "count"] == 2 and table.loc["李四", "articles"] == 1
    assert table.loc["张三", "example"] == "x" and table.loc["张三", "last_date"] == "2024-01-02"
