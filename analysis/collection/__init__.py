"""Several papers, one comparison: a collection of corpora built one by one and compared.

A **collection** is a list of corpora (:class:`analysis.corpus.Corpus`), each
keeping its own text, facts, cache and tables: ``python -m analysis build
--out DIR --corpus A --corpus B`` (or ``--corpus FOLDER`` where FOLDER holds a
``collection.toml``) builds each paper with the single-corpus build, unchanged,
into ``DIR/<slug>/``, then writes the comparison tables into ``DIR``, each
with a ``paper`` column (:mod:`analysis.collection_build`).

* :mod:`.folder` -- :class:`Collection` (``collection.toml``: ``title``,
  ``corpora``, ``phrases``) and :class:`CollectionTables` (reading a built
  collection);
* :mod:`.compare` -- coverage, leaders, 提法 diffusion and adoption,
  keyness of each paper against the others;
* :mod:`.reprints` -- near-duplicate articles by MinHash/LSH (datasketch),
  verified by exact Jaccard similarity.
"""
from .compare import (adoption, candidate_phrases, common_dates, coverage, diffusion, leader_comparison,
                      paper_keyness, papers_table, phrase_hits)
from .folder import COLLECTION_TABLES, Collection, CollectionTables, is_collection_folder
from .reprints import reprint_pairs, reprint_shares, with_sources

__all__ = ["COLLECTION_TABLES", "Collection", "CollectionTables", "adoption", "candidate_phrases", "common_dates",
           "coverage", "diffusion", "is_collection_folder", "leader_comparison", "paper_keyness", "papers_table",
           "phrase_hits", "reprint_pairs", "reprint_shares", "with_sources"]
