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
from .corpus_folder import open_corpus
from .frequency import collocations, ngram_frequency, term_tables
from .io import write_csv, write_parquet
from .leaders import discover_officials, empty_registry, leader_mentions, load_registry
from .tables import build_info_table
from .topics import (TopicInputError, cluster_terms, clusters_table, fit_topics, nmf_topics,
                     representative_articles, tfidf_summary)

log = logging.getLogger(__name__)


def build_tables(corpus=None, manifest=None, articles=None, *, paper: str = "", leaders=None,
                 progress: bool = False) -> dict[str, pd.DataFrame]:
    """Compute every output table; return ``{name: DataFrame}`` (nothing written).

    The facts (registry, dictionaries) are those of the corpus folder
    (:mod:`analysis.corpus_folder`); ``leaders`` overrides the registry.
    """
    folder = open_corpus(articles if articles is not None else corpus if corpus is not None
                         else Path(manifest).parent if manifest is not None else None)
    result = read_corpus(corpus, manifest, articles, paper=paper or folder.paper, progress=progress)
    tables: dict[str, pd.DataFrame] = {
        "build_info": build_info_table(folder, result.articles),
        "articles": result.articles,
        "captions": result.captions,
        "unattributed_headlines": result.unattributed,
    }
    registry = leaders if leaders is not None else folder.fact("leaders")
    registry_frame = load_registry(registry) if registry is not None else empty_registry()
    tables["registry"] = registry_frame
    tables["mentions"] = leader_mentions(result.articles, registry=registry_frame,
                                         titles=folder.fact("titles"), phrases=folder.fact("phrases"))
    tables["discovered_officials"] = discover_officials(result.articles, registry=registry_frame)
    tables.update(term_tables(result.articles))
    tables["collocations"] = collocations(result.articles, tables["tokens"])
    tables["trigrams"] = ngram_frequency(result.articles, tables["tokens"], n=3)
    try:
        model = fit_topics(tables["tokens"])
    except TopicInputError as exc:
        # Too few articles (or terms) to cluster is a property of the corpus, not an error:
        # the other tables are still worth writing.
        log.warning("topic clustering skipped: %s", exc)
    else:
        tables["clusters"] = clusters_table(model)
        tables["cluster_terms"] = cluster_terms(model, 10)
        tables["topic_selection"] = model.selection
        # What chapter 4 shows besides the clusters, so the notebook never refits a model.
        tables["tfidf_summary"] = tfidf_summary(model.tfidf)
        tables["representative_articles"] = representative_articles(model, result.articles, n=3)
        try:
            nmf = nmf_topics(model.tfidf, model.k, n_terms=10)
        except TopicInputError as exc:
            log.warning("NMF topics skipped: %s", exc)
        else:
            tables["nmf_terms"], tables["nmf_articles"] = nmf.terms, nmf.articles
    for _, row in result.unattributed.iterrows():
        log.warning("%s, line %s: headline not attributed to any article: %s", row["source"], row["line"], row["headline"])
    return tables


# Every table gets a Parquet file (for code: the notebooks read these) and a
# CSV (for people); a list column (tokens) does not fit CSV, so that one is
# Parquet only.
PARQUET_ONLY = {"tokens"}


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path) -> list[Path]:
    """Write tables to ``out`` (Parquet for code where listed, CSV for everyone)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
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
