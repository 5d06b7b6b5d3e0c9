"""Computational analysis of the 丰台报: pages → clean articles → tokens, frequencies, topics, leader mentions.

One folder per stage, in the order of the data flow:

``corpus/`` (pages → clean lines → blocks → articles) → ``tokens``
(segmentation) → ``perarticle/`` (one cached pass per article, on workers)
→ ``aggregate/`` (the corpus's tables: frequency, formulations) →
``topics/`` → ``leaders/`` → ``figures/`` (every figure, one place) →
``book/`` (the chapters' helpers and prose).  ``build`` runs the stages and
writes the tables; ``tables`` reads them back.

>>> from analysis import load_articles
>>> len(load_articles())
9
"""
from .corpus.read import load_articles, load_captions, read_corpus, source_line
from .errors import InputError

__all__ = ["load_articles", "load_captions", "read_corpus", "source_line", "InputError"]
__version__ = "0.1.0"
