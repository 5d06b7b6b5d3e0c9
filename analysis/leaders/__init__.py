"""Stage 6, leaders: who is named, how and where, from the mentions the per-article stage found
(:mod:`analysis.perarticle.mentions`).

``tables`` (counts over any period, prominence, co-mentions, protocol order,
titles and successions, terms, trace), ``validation`` (the annotation sample
and its report; accuracy against a gold file; :func:`validate`, how far a
corpus's counts are checked) and ``registry_draft`` (a registry template
from the officials the corpus names).

>>> from analysis.leaders import mention_counts
>>> callable(mention_counts)
True
"""
from .registry_draft import registry_draft
from .tables import (ACTIVITY_KINDS, CITATION_KINDS, busiest_period, co_mentions, counted, issue_gaps, kind_series,
                     mention_counts, order_changes, out_of_term, prominence, protocol_sequences, successions,
                     title_changes, title_timeline, top_persons, trace)
from .validation import (Validation, accuracy_table, annotation_report, annotation_sample, evaluate, read_gold,
                         validate)

__all__ = ["registry_draft", "ACTIVITY_KINDS", "CITATION_KINDS", "busiest_period", "co_mentions", "counted", "issue_gaps",
           "kind_series", "mention_counts", "order_changes", "out_of_term", "prominence", "protocol_sequences",
           "successions", "title_changes", "title_timeline", "top_persons", "trace", "Validation", "accuracy_table",
           "annotation_report", "annotation_sample", "evaluate", "read_gold", "validate"]
