"""Stage 1, the corpus: pages → clean lines → blocks → articles (the articles table, cached).

``folder`` (:class:`Corpus`: a corpus = text + facts + settings) →
``pages`` (manifest, checksums, decoding) → ``clean`` (line repairs) →
``layout`` (blocks) → ``articles`` (segmentation) → ``read`` (the articles
table). Beside them: ``report`` (the corpus chapter's tables) and
``field_lines`` (raw line of every field).  This stage imports nothing of
the later ones.

>>> from analysis.corpus import Corpus, load_articles
>>> len(load_articles(Corpus.open()))
9
"""
from .folder import FACT_FILES, Corpus, as_corpus, fact_file
from .read import load_articles, load_captions, read_corpus, source_line

__all__ = ["FACT_FILES", "Corpus", "as_corpus", "fact_file", "load_articles", "load_captions", "read_corpus",
           "source_line"]
