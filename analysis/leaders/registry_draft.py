"""A registry draft for a corpus that has none: officials found by their titles.

:func:`registry_draft` turns :func:`analysis.perarticle.mentions.discover_officials` into
rows of the registry format (``data/leaders.csv``), with the evidence a
scholar needs to verify each row: first and last date seen, how often, and an
example line.  Nothing in it is trusted until checked: ``level`` is
``other`` and ``organisation`` empty, to be filled in by hand.

>>> from analysis.corpus import load_articles
>>> from analysis.perarticle.mentions import empty_registry
>>> draft = registry_draft(load_articles(), empty_registry())
>>> {"name", "title", "start", "first_seen", "last_seen", "example"} <= set(draft.columns)
True
"""
from __future__ import annotations

import pandas as pd

from analysis.perarticle.mentions import REGISTRY_COLUMNS, discover_officials

DRAFT_COLUMNS = REGISTRY_COLUMNS + ["category", "needs_anchor", "note", "count", "first_seen", "last_seen",
                                    "example"]


def registry_draft(articles: pd.DataFrame, registry: pd.DataFrame, *, min_count: int = 1, corpus=None) -> pd.DataFrame:
    """Officials named with a title and missing from ``registry``, as registry rows to verify.

    ``start``/``end`` are the first and last issue dates seen (a post's real
    dates are usually wider); ``source`` names the example's file and line.
    Sorted by count (descending), then name.
    """
    found = discover_officials(articles, registry=registry, corpus=corpus)
    found = found[found["count"] >= min_count]
    rows = [{
        "name": r["name"], "aliases": "", "title": r["title"], "organisation": "", "level": "other",
        "start": r["first_date"], "end": "", "source": f"{r['example_source']}:{r['example_line']}",
        "category": "official", "needs_anchor": "no",
        "note": "draft from titles: verify name, title, organisation, level and dates",
        "count": int(r["count"]), "first_seen": r["first_date"], "last_seen": r["last_date"],
        "example": str(r["example"]).replace("\n", " "),
    } for _, r in found.iterrows()]
    return pd.DataFrame(rows, columns=DRAFT_COLUMNS)
