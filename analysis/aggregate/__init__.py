"""Stage 4, aggregation: the corpus's tables from the per-article dataset.

``dataset`` (the per-article results as a partitioned Parquet dataset,
summed with DuckDB), ``frequency`` (term frequency, n-grams, collocations,
keyness, concordances) and ``formulations`` (quoted and numbered
formulations such as 两个维护).

>>> from analysis.aggregate import term_frequency
>>> callable(term_frequency)
True
"""
from .dataset import DatasetWriteError, per_article_tables
from .formulations import extract_formulations, formulation_table
from .frequency import (article_term_counts, collocations, keyness, kwic, ngram_frequency, term_frequency,
                        term_tables)

__all__ = ["DatasetWriteError", "per_article_tables", "extract_formulations", "formulation_table",
           "article_term_counts", "collocations", "keyness", "kwic", "ngram_frequency", "term_frequency",
           "term_tables"]
