"""Computational analysis of Chinese party newspapers: pages → clean articles → tokens, frequencies,
formulations, topics, leader mentions.

The public API (documented in the README):

>>> import analysis
>>> corpus = analysis.Corpus()                  # the sample; analysis.Corpus("my_corpus/") for yours
>>> tables = corpus.tables(build_folder / "data")       # built first if needed; analysis.Tables(folder) to read one
>>> sorted(tables.load("mentions")["kind"].unique())
['coverage', 'foreign', 'ritual']

One folder per stage, in the order of the data flow, each importing only
the ones before it: ``corpus/`` (pages → clean lines → blocks → articles) →
``tokens`` (segmentation) → ``perarticle/`` (one cached pass per article, on
workers) → ``aggregate/`` (the corpus's tables) → ``tables`` (reading a
build) → ``topics/``, ``leaders/`` → ``collection/`` → ``figures/`` (every figure) → ``book/``
(the chapters' helpers and prose) → ``build`` (writes the tables) → ``collection_build`` (several
papers: each built alone, then ``collection/`` compares them) → ``api``,
``__main__`` (the command line).
"""
from .api import Corpus, collection_from, environment_corpus, notebook_collection, notebook_tables
from .corpus.read import load_articles, load_captions, read_corpus, source_line
from .errors import InputError
from .settings import Settings
from .tables import Tables

__all__ = ["Corpus", "Settings", "Tables", "collection_from", "environment_corpus", "notebook_collection", "notebook_tables", "load_articles",
           "load_captions", "read_corpus", "source_line", "InputError"]
__version__ = "0.2.0"
