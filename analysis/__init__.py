"""Computational analysis of the 丰台报: pages → clean articles → tokens, frequencies, topics, leader mentions.

The modules follow the data flow:

``pages`` (manifest, checksums, decoding) → ``clean`` (line repairs) →
``layout`` (blocks) → ``articles`` (segmentation) → ``corpus`` (the articles
table, cached) → ``tokens`` / ``frequency`` / ``formulations`` / ``leaders`` /
``topics`` → ``plotting`` (the CJK font, one place).

>>> from analysis import load_articles
>>> len(load_articles())
9
"""
from .corpus.read import load_articles, load_captions, read_corpus, source_line
from .errors import InputError

__all__ = ["load_articles", "load_captions", "read_corpus", "source_line", "InputError"]
__version__ = "0.1.0"
