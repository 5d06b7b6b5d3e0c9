"""Stage 1, the corpus: pages → clean lines → blocks → articles (the articles table, cached).

``folder`` (a corpus = text + facts) → ``pages`` (manifest, checksums,
decoding) → ``clean`` (line repairs) → ``layout`` (blocks) → ``articles``
(segmentation) → ``read`` (the articles table). Beside them: ``report``
(the corpus chapter's tables) and ``field_lines`` (raw line of every field).
This stage imports nothing of the later ones (the generated test corpus,
which needs the registry, is ``analysis.synthetic``).

>>> from analysis.corpus import load_articles
>>> len(load_articles())
9
"""
from .folder import CORPUS_ENV, CorpusFolder, fact_path, open_corpus, using_corpus
from .read import load_articles, load_captions, read_corpus, resolve_corpus, source_line

__all__ = ["CORPUS_ENV", "CorpusFolder", "fact_path", "open_corpus", "using_corpus",
           "load_articles", "load_captions", "read_corpus", "resolve_corpus", "source_line"]
