"""``python -m analysis build``: every derived table of the book, written atomically.

All tables are computed first and written only when every step has
succeeded, each file through a temporary file and :func:`os.replace`, so bad
input never leaves a half-written output folder.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pandas as pd

from .corpus import read_corpus
from .io import write_csv, write_parquet
from .frequency import term_tables
from .leaders import leader_mentions
from .topics import TopicInputError, topic_tables

log = logging.getLogger(__name__)


def build_tables(corpus=None, manifest=None, articles=None, *, paper: str = "", leaders=None,
                 progress: bool = False, workers: int | None = None, scheduler=None,
                 out: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Compute every output table; return ``{name: DataFrame}`` (nothing written but the dataset).

    The per-article work (tokens, term counts, formulations, mentions) runs
    once per article, cached by content, on ``workers`` processes (default:
    all cores) or on the Dask cluster at ``scheduler``
    (:mod:`analysis.perarticle`); the corpus tables are aggregated from it by
    DuckDB (:mod:`analysis.aggregate`).  With ``out``, the per-article
    Parquet dataset is published as ``out/perarticle/`` once every table is
    computed.
    """
    from .aggregate import per_article_tables, publish_dataset, stage_dataset

    result = read_corpus(corpus, manifest, articles, paper=paper, progress=progress)
    tables: dict[str, pd.DataFrame] = {
        "articles": result.articles,
        "captions": result.captions,
        "unattributed_headlines": result.unattributed,
    }
    staging = stage_dataset() if out is not None else None
    try:
        tables.update(per_article_tables(result.articles, registry=leaders, workers=workers, scheduler=scheduler,
                                         dataset=staging))
        try:
            tables.update(topic_tables(tables["tokens"]))
        except TopicInputError as exc:
            # Too few articles (or terms) to cluster is a property of the corpus, not an error:
            # the other tables are still worth writing.
            log.warning("topic clustering skipped: %s", exc)
        if staging is not None:
            publish_dataset(staging, out)
            staging = None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    for _, row in result.unattributed.iterrows():
        log.warning("%s, line %s: headline not attributed to any article: %s", row["source"], row["line"], row["headline"])
    return tables


# Which tables get a Parquet file (for code) besides the CSV (for people);
# a list column (tokens) does not fit CSV, so that one is Parquet only.
PARQUET = {"articles", "captions", "mentions", "tokens"}
PARQUET_ONLY = {"tokens"}


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path) -> list[Path]:
    """Write tables to ``out`` (Parquet for code where listed, CSV for everyone)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        if name in PARQUET:
            written.append(write_parquet(frame, out / f"{name}.parquet"))
        if name not in PARQUET_ONLY:
            written.append(write_csv(frame, out / f"{name}.csv"))
    return written


def build(out: str | Path, corpus=None, manifest=None, articles=None, *, paper: str = "", leaders=None,
          progress: bool = False, workers: int | None = None, scheduler=None) -> dict[str, pd.DataFrame]:
    """Compute and write every table into ``out``; return the tables."""
    tables = build_tables(corpus, manifest, articles, paper=paper, leaders=leaders, progress=progress, out=out,
                          workers=workers, scheduler=scheduler)
    write_tables(tables, out)
    return tables
