"""Stage 4, aggregation: the corpus's tables from the per-article stage.

``dataset`` (the per-article results as a partitioned Parquet dataset, for
DuckDB), ``frequency`` (term frequency, n-gram totals, collocations,
keyness, concordances), ``formulations`` (the 提法 table) and ``tables``
(the stage run with each output handed to its aggregation).

>>> from analysis.aggregate import term_frequency
>>> callable(term_frequency)
True
"""
from .dataset import DatasetWriteError, connect
from .formulations import formulation_table
from .frequency import (NgramTotals, audit_terms, collocation_table, keyness_counts, keyness_from_counts, kwic,
                        term_frequency)
from .tables import per_article_tables

__all__ = ["DatasetWriteError", "connect", "formulation_table", "NgramTotals", "audit_terms", "collocation_table",
           "keyness_counts", "keyness_from_counts", "kwic", "term_frequency", "per_article_tables"]
