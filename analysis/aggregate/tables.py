"""The corpus's tables from the per-article stage: each per-article output handed to its aggregation.

:func:`per_article_tables` runs the stage (:mod:`analysis.perarticle.stage`)
with a sink for every output that is aggregated batch by batch, so no
corpus-sized list of tokens or n-grams is ever held:

==========  ===============================================================
tokens      :class:`~analysis.aggregate.dataset.TokensSink`: the tokens table, to Parquet
counts      :class:`~analysis.aggregate.dataset.CountsSink`: the dataset's ``articles`` and
            ``term_counts``, and the article × term matrix of the topics
runs        :class:`~analysis.aggregate.frequency.NgramTotals`: collocations and trigrams
==========  ===============================================================

then writes the mentions and formulation occurrences into the dataset and
computes the term-frequency and formulation tables from it with SQL.

>>> from analysis.corpus import Corpus, load_articles
>>> tables = per_article_tables(load_articles(), Corpus.sample(), workers=1)
>>> list(tables)[:3]
['mentions', 'tokens', 'term_frequency']
"""
from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis.corpus.folder import Corpus
from analysis.perarticle.stage import (Runner, carried_keys, expansions, formulation_occurrences, mentions_table,
                                       run_stage)
from .dataset import CountMatrix, CountsSink, TokensSink, WrittenTable, connect, write_dataset
from .formulations import formulation_table
from .frequency import NgramTotals, collocation_table, term_frequency

#: The term-frequency tables: name → grouping.
FREQUENCY_TABLES = {"term_frequency": None, "term_frequency_by_issue": "issue", "term_frequency_by_month": "month"}


def per_article_tables(articles: pd.DataFrame, corpus: Corpus | None = None, *, workers: int | None = None,
                       scheduler=None, cache=True, dataset: str | Path | None = None,
                       timings: dict | None = None, stage_out: dict | None = None,
                       runner=None, tokens_path: str | Path | None = None,
                       on_counts: Callable | None = None) -> dict[str, pd.DataFrame]:
    """The build's per-article tables: ``mentions``, ``tokens``, ``term_frequency`` (corpus, by
    issue, by month), ``formulations``, ``formulation_occurrences``, ``collocations``, ``trigrams``,
    with the facts of ``corpus`` (None: the sample).

    ``tokens`` is an Arrow table (one list<string> column: no Python object
    per token), or a :class:`~analysis.aggregate.dataset.WrittenTable` when
    ``tokens_path`` is given (written there as it is made).  ``dataset``:
    folder for the partitioned per-article Parquet dataset (kept); None
    writes it to a temporary folder in the build folder and deletes it.
    ``stage_out``: a dict that receives the per-article results (``"stage"``:
    :class:`analysis.perarticle.stage.StageResult`, with its ``count_matrix``
    for the topics).  ``timings``: a dict that receives seconds per step.
    ``runner``: a :class:`~analysis.perarticle.stage.Runner` to use instead
    of a new one (its worker processes are stopped once the per-article
    passes are done; used again, it starts new ones); ``workers``,
    ``scheduler``, ``cache``: as :func:`~analysis.perarticle.stage.run_stage`
    takes them.  ``on_counts``: called with the stage's result once its
    count matrix is complete, the workers stopped and the mentions table
    made, before the aggregation (the build starts the topic fit there).
    """
    corpus = corpus if corpus is not None else Corpus.sample()
    timings = {} if timings is None else timings
    t0 = time.perf_counter()
    temporary = dataset is None
    folder = (Path(tempfile.mkdtemp(prefix="dataset-", dir=corpus.cache_dir("perarticle"))) if temporary
              else Path(dataset))
    try:
        totals, matrix = NgramTotals(), CountMatrix()
        tokens_sink = TokensSink(articles, tokens_path)
        counts_sink = CountsSink(articles, folder, matrix)
        sinks = {"tokens": tokens_sink, "counts": counts_sink, "runs": totals}
        runner = runner or Runner(workers, scheduler)
        try:
            stage = run_stage(articles, corpus, runner=runner, cache=cache, sinks=sinks)
            # Stored in the cache; the second pass takes the little it needs (whole-row digests, bounds keys).
            carried = carried_keys(stage, ("occurrences",))
            stage.release(keys=True)
            tokens_sink.close()
            counts_sink.close()
            stage.count_matrix = matrix
            stage.tokens_path = None if tokens_path is None else Path(tokens_path)
            timings["per_article"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            occurrences = formulation_occurrences(stage, runner=runner, cache=cache, carried=carried)
            carried = None
        finally:
            # The worker processes are not needed past the two passes: stopped now, a runner passed in
            # too, they no longer hold their 255 MB each (64x corpus) through the aggregation, the topics
            # and the writing.
            runner.close()
        timings["formulation_occurrences"] = time.perf_counter() - t0
        timings["stats"] = stage.stats
        t0 = time.perf_counter()
        mentions = mentions_table(stage)
        stage.release("bounds", "mentions")  # the quotes still give the expansions below
        timings["tables"] = time.perf_counter() - t0
        if on_counts is not None:
            # After the bounds and mentions are let go (and the memory given back): a cold build of
            # 192,000 articles peaks at 3,508 MB for the process tree this way, 3,734 MB with the fit started
            # before them (3,179 MB with the fit after the aggregation, not beside it).
            on_counts(stage)
        t0 = time.perf_counter()
        write_dataset(articles, {"formulation_occurrences": occurrences, "mentions": mentions}, folder)
        timings["write_dataset"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        con = connect(corpus.settings, None if scheduler is not None else runner.workers)
        try:
            freqs = {name: term_frequency(folder, by, con=con) for name, by in FREQUENCY_TABLES.items()}
            table = formulation_table(folder, expansions(stage), con=con,
                                      dictionary_cache=_dictionary_cache(corpus, cache))
            stage.release("quotes")
        finally:
            con.close()
        # Collocations score bigrams by their words' corpus counts: the term-frequency table's.
        word_counts = dict(zip(freqs["term_frequency"]["term"], freqs["term_frequency"]["count"]))
        ngram_tables = {"collocations": collocation_table(totals.table(2), word_counts, tokens_sink.n_tokens),
                        "trigrams": totals.table(3)}
        timings["aggregate"] = time.perf_counter() - t0
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
    tokens = WrittenTable(Path(tokens_path), tokens_sink.rows) if tokens_path is not None else tokens_sink.table
    if stage_out is not None:
        stage_out["stage"] = stage
    return {"mentions": mentions, "tokens": tokens, **freqs, "formulations": table,
            "formulation_occurrences": occurrences, **ngram_tables}


def _dictionary_cache(corpus: Corpus, cache) -> Path | None:
    """Where the parsed jieba dictionary is kept (:func:`~analysis.aggregate.formulations.dictionary_frequencies`):
    the build folder's ``cache/jieba``, as the segmenter's; None when caching is off or the folder cannot be made."""
    if cache is False:
        return None
    try:
        return corpus.cache_dir("jieba")
    except OSError:
        return None
