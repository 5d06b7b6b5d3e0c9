"""The 提法 table: one row per formulation, from the occurrences the per-article stage found.

What makes a phrase a formulation, and every occurrence of it, is decided by
:mod:`analysis.perarticle.formulations`; this module sums the occurrences of
the per-article dataset (:mod:`analysis.aggregate.dataset`) with SQL.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .dataset import connect, dataset_sql

TABLE_COLUMNS = [
    "formulation", "kind", "count", "quoted_count", "n_articles", "first_issue_date", "first_article_id",
    "first_source", "first_line", "expansion", "article_ids",
]


def formulation_table(folder: str | Path, expansions: dict[str, str] | None = None, *, con=None
                      ) -> pd.DataFrame:
    """One row per formulation, from the ``formulation_occurrences`` of the per-article dataset in
    ``folder`` (:mod:`analysis.aggregate.dataset`), by DuckDB.

    Columns: ``formulation``, ``kind``, ``count`` (occurrences), ``quoted_count``
    (of which inside quotes), ``n_articles``, ``first_issue_date``,
    ``first_article_id``, ``first_source``, ``first_line`` (earliest
    occurrence: issue date, then source, then line, then offset, ties in the
    occurrences' own order), ``expansion`` (for enumerations: the items they
    name, from ``expansions``; else ""), ``article_ids`` (";"-separated, by
    first appearance).  Sorted by count descending, then formulation.
    Quotations are left out.  ``con``: a connection to reuse.
    """
    folder = Path(folder)
    if not any((folder / "formulation_occurrences").glob("*/*.parquet")):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})
    occ = dataset_sql(folder, "formulation_occurrences")
    sql = f"""
        WITH o AS (
            SELECT *, row_number() OVER (ORDER BY issue_date, source, line, "offset", "row") AS rk
            FROM {occ} WHERE kind <> 'quotation'),
        firsts AS (
            SELECT formulation, arg_min(kind, rk) AS kind, count(*)::BIGINT AS "count",
                   sum(quoted::BIGINT)::BIGINT AS quoted_count, count(DISTINCT article_id)::BIGINT AS n_articles,
                   arg_min(issue_date, rk) AS first_issue_date, arg_min(article_id, rk) AS first_article_id,
                   arg_min(source, rk) AS first_source, arg_min(line, rk)::BIGINT AS first_line
            FROM o GROUP BY formulation),
        ids AS (
            SELECT formulation, string_agg(article_id, ';' ORDER BY first_rk) AS article_ids
            FROM (SELECT formulation, article_id, min(rk) AS first_rk FROM o GROUP BY formulation, article_id)
            GROUP BY formulation)
        SELECT f.*, i.article_ids FROM firsts f JOIN ids i USING (formulation)
        ORDER BY f."count" DESC, f.formulation
    """
    own = con is None
    con = con or connect()
    try:
        frame = con.execute(sql).df()
    finally:
        if own:
            con.close()
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})
    known = expansions or {}
    frame["expansion"] = [known.get(f, "") for f in frame["formulation"]]
    frame = frame[TABLE_COLUMNS].reset_index(drop=True)
    types = {c: "str" for c in TABLE_COLUMNS}
    types.update({"count": "int64", "quoted_count": "int64", "n_articles": "int64", "first_line": "int64"})
    return frame.astype(types)
