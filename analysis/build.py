"""``python -m analysis build``: every derived table of the book, written atomically.

All tables are computed first and written only when every step has
succeeded, each file through a temporary file and :func:`os.replace`, so bad
input never leaves a half-written output folder.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .corpus import read_corpus
from .io import write_csv, write_parquet
from .frequency import term_tables
from .leaders import leader_mentions
from .topics import TopicInputError, topic_tables

log = logging.getLogger(__name__)


def build_tables(corpus=None, manifest=None, articles=None, *, paper: str = "", leaders=None,
                 progress: bool = False) -> dict[str, pd.DataFrame]:
    """Compute every output table; return ``{name: DataFrame}`` (nothing written)."""
    result = read_corpus(corpus, manifest, articles, paper=paper, progress=progress)
    tables: dict[str, pd.DataFrame] = {
        "articles": result.articles,
        "captions": result.captions,
        "unattributed_headlines": result.unattributed,
    }
    tables["mentions"] = leader_mentions(result.articles, registry=leaders)
    tables.update(term_tables(result.articles))
    try:
        tables.update(topic_tables(tables["tokens"]))
    except TopicInputError as exc:
        # Too few articles (or terms) to cluster is a property of the corpus, not an error:
        # the other tables are still worth writing.
        log.warning("topic clustering skipped: %s", exc)
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
          progress: bool = False) -> dict[str, pd.DataFrame]:
    """Compute and write every table into ``out``; return the tables."""
    tables = build_tables(corpus, manifest, articles, paper=paper, leaders=leaders, progress=progress)
    write_tables(tables, out)
    return tables
