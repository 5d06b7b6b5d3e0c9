"""Stage 6, leaders: who is named, how and where, from the mentions the per-article stage found
(:mod:`analysis.perarticle.mentions`).

``tables`` (counts, prominence, co-mentions, protocol order, titles, trace),
``validation`` (the annotation sample and its report; accuracy against a
gold file) and ``registry_draft`` (a registry template from the officials
the corpus names).

>>> from analysis.leaders import mention_counts
>>> callable(mention_counts)
True
"""
from .registry_draft import registry_draft
from .tables import (co_mentions, kind_series, mention_counts, order_changes, prominence, protocol_sequences,
                     title_timeline, trace)
from .validation import accuracy_table, annotation_report, annotation_sample, evaluate, read_gold

__all__ = ["registry_draft", "co_mentions", "kind_series", "mention_counts", "order_changes", "prominence",
           "protocol_sequences", "title_timeline", "trace", "accuracy_table", "annotation_report",
           "annotation_sample", "evaluate", "read_gold"]
