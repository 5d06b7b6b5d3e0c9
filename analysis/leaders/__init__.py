"""Stage 6, leaders: who is named, how and where.

``mentions`` (the registry and the mention finder), ``tables`` (counts,
prominence, co-mentions, protocol order, accuracy against the gold file),
``validation`` (the annotation sample and its checks) and ``registry_draft``
(a registry template from the officials the corpus names).

>>> from analysis.leaders import load_registry
>>> "name" in load_registry().columns
True
"""
from .mentions import (KINDS, LOCATIONS, REGISTRY_COLUMNS, RegistryError, discover_officials, empty_registry,
                       leader_mentions, load_registry, mentions_frame, title_only_audit)
from .tables import (accuracy_table, co_mentions, evaluate, kind_series, mention_counts, order_changes,
                     prominence, protocol_sequences, read_gold, title_timeline, trace)

__all__ = ["KINDS", "LOCATIONS", "REGISTRY_COLUMNS", "RegistryError", "discover_officials", "empty_registry",
           "leader_mentions", "load_registry", "mentions_frame", "title_only_audit",
           "accuracy_table", "co_mentions", "evaluate", "kind_series", "mention_counts", "order_changes",
           "prominence", "protocol_sequences", "read_gold", "title_timeline", "trace"]
