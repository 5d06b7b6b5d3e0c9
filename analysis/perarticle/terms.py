"""Counting the terms and n-grams of a chunk of articles, vectorised: what the per-article stage caches.

Conventions (corpus linguists'):

* a **term** is a token that contains a letter (Han or Latin) and is not a
  stopword; pure numbers and stopwords are counted in the article's size
  (``n_tokens``: its word tokens) but are never terms;
* one place or institution is **one term**: tokens are mapped through the
  corpus's aliases (``丰台区`` and ``丰台`` count as ``丰台``);
* an **n-gram** is ``n`` terms that touch in the text: no punctuation,
  space, line break or stopword between them.  The segmenter's pieces cover
  the text (:meth:`analysis.tokens.Segmenter.pieces`), so two terms touch
  exactly when their pieces are neighbours: no character offsets are needed.

Everything is computed on whole chunks with numpy: the pieces of all the
chunk's articles are factorized once, each distinct piece is classified once
(:meth:`TermCounter.term`), and counting is sorting integer keys.  The
outputs are the cache's encoded bytes (:mod:`analysis.perarticle.kinds`), so
no Python object is made per token.  The aggregation
(:mod:`analysis.aggregate`) sums them.

>>> TermCounter(frozenset({"的"}), False).term("发展"), TermCounter(frozenset({"的"}), False).term("的")
('发展', None)
>>> counter = TermCounter(frozenset({"的"}), False)
>>> [b.decode() for b in count_terms(Streams([["发展", "的", "发展", "2024", "丰台"]]), counter)]
['5\\n发展\\t2\\n丰台\\t1']
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.corpus.folder import Corpus
from analysis.tokens import Segmenter, is_term, is_word_token, stopword_set, term_map


def terms_of(aliases) -> dict[str, str]:
    """The alias map to count with: None → the sample's ``data/aliases.csv``, False → none, or a dict."""
    if aliases is None:
        return term_map()
    if aliases is False:
        return {}
    return dict(aliases)


class TermCounter:
    """What each distinct token counts as: :meth:`term` gives its term (its alias's term), or None for a
    stopword, a number, punctuation or space.  The answer per distinct token is memoised: a corpus has
    millions of tokens but a vocabulary of thousands."""

    def __init__(self, stopwords: frozenset[str] | None = None, aliases=None):
        self.stop = stopword_set() if stopwords is None else stopwords
        self.term_of = terms_of(aliases)
        self._term: dict[str, str | None] = {}

    @classmethod
    def for_corpus(cls, corpus: Corpus) -> "TermCounter":
        """A counter with the corpus's stopwords and aliases (one per corpus object)."""
        return corpus.memo("terms.counter", lambda: cls(stopword_set(corpus), term_map(corpus)),
                           facts=("stopwords", "aliases"))

    def term(self, token: str) -> str | None:
        """The term ``token`` counts as, or None."""
        try:
            return self._term[token]
        except KeyError:
            term = self.term_of.get(token, token) if token not in self.stop and is_term(token) else None
            self._term[token] = term
            return term

    def term_ids(self, vocabulary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(term id of each vocabulary entry (-1: none), the terms)``, the terms in code point order."""
        terms = [self.term(str(v)) for v in vocabulary]
        names = sorted({t for t in terms if t is not None})
        index = {t: i for i, t in enumerate(names)}
        ids = np.fromiter((index[t] if t is not None else -1 for t in terms), dtype=np.int64, count=len(terms))
        return ids, np.asarray(names, dtype=object)


#: Per distinct piece: a word token or not (a corpus's vocabulary, not its millions of tokens, is tested).
_WORDS: dict[str, bool] = {}


def _is_word(piece: str) -> bool:
    try:
        return _WORDS[piece]
    except KeyError:
        if len(_WORDS) >= 2_000_000:  # a long-lived worker serving many corpora
            _WORDS.clear()
        found = _WORDS[piece] = is_word_token(piece)
        return found


class Streams:
    """The pieces of a chunk's texts, flat: every word, punctuation mark and space, in order.

    ``pieces`` (object array), ``bounds`` (piece ``bounds[i]`` to
    ``bounds[i + 1]`` are text ``i``'s), ``codes`` and ``vocabulary``
    (``pieces == vocabulary[codes]``) and ``word`` (per piece: a word token,
    not whitespace or punctuation).  Given a ``segmenter``, the pieces are its
    raw cut (:meth:`~analysis.tokens.Segmenter.raw_pieces`) and the pieces
    that spell an alias are joined here, for the whole chunk at once (the
    same result as :meth:`~analysis.tokens.Segmenter.pieces` text by text).
    """

    def __init__(self, lists: Sequence[list[str]], segmenter: Segmenter | None = None):
        lengths = np.fromiter((len(p) for p in lists), dtype=np.int64, count=len(lists))
        self.bounds = np.concatenate([[0], np.cumsum(lengths)])
        flat = [piece for pieces in lists for piece in pieces]
        self.pieces = np.asarray(flat, dtype=object) if flat else np.zeros(0, dtype=object)
        codes, vocabulary = pd.factorize(self.pieces) if flat else (np.zeros(0, np.int64), np.zeros(0, object))
        self.codes, self.vocabulary = np.asarray(codes, dtype=np.int64), np.asarray(vocabulary, dtype=object)
        if segmenter is not None and segmenter.joinable:
            self._join(segmenter)
        self.word = np.fromiter(map(_is_word, self.vocabulary), dtype=bool, count=len(self.vocabulary))[self.codes]
        self._terms: tuple | None = None

    def _join(self, segmenter: Segmenter) -> None:
        """Join the pieces that together spell an alias or its term (丰台 + 区 → 丰台区), as
        :meth:`~analysis.tokens.Segmenter.join_aliases` does: tried only where a piece begins one."""
        prefixes = segmenter.join_prefixes
        starts = np.fromiter((v in prefixes for v in self.vocabulary), dtype=bool, count=len(self.vocabulary))
        candidates = np.flatnonzero(starts[self.codes])
        if not len(candidates):
            return
        text_end = self.bounds[np.searchsorted(self.bounds, candidates, side="right")]
        pieces = self.pieces
        joined: dict[int, str] = {}
        drop: list[int] = []
        free = 0
        for i, end in zip(candidates.tolist(), text_end.tolist()):
            if i < free:
                continue
            found, width = segmenter.join_at(pieces, i, end)
            if found is not None:
                joined[i] = found
                drop.extend(range(i + 1, i + width))
                free = i + width
        if not joined:
            return
        vocabulary = {v: k for k, v in enumerate(self.vocabulary.tolist())}
        at = np.fromiter(joined, dtype=np.int64, count=len(joined))
        self.codes[at] = [vocabulary.setdefault(v, len(vocabulary)) for v in joined.values()]
        self.pieces[at] = list(joined.values())
        self.vocabulary = np.asarray(list(vocabulary), dtype=object)
        keep = np.ones(len(self.pieces), dtype=bool)
        keep[drop] = False
        removed = np.concatenate([[0], np.cumsum(~keep)])
        self.bounds = self.bounds - removed[self.bounds]
        self.pieces, self.codes = self.pieces[keep], self.codes[keep]

    def term_ids(self, counter: TermCounter) -> tuple[np.ndarray, np.ndarray]:
        """``(term id of each piece (-1: no term), the terms in code point order)``, made once."""
        if self._terms is None or self._terms[0] is not counter:
            ids, names = counter.term_ids(self.vocabulary)
            self._terms = (counter, ids[self.codes], names)
        return self._terms[1], self._terms[2]


def encode_token_lists(streams: Streams) -> list[bytes]:
    """Each text's word tokens as the cache stores them (one per line)."""
    words = streams.pieces[streams.word]
    ends = np.concatenate([[0], np.cumsum(streams.word)])[streams.bounds]
    return ["\n".join(words[a:b]).encode("utf-8") for a, b in zip(ends[:-1].tolist(), ends[1:].tolist())]


def _terms(streams: Streams, counter: TermCounter) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(term id of each piece (-1: no term), the terms in code point order, text of each piece)``."""
    term, names = streams.term_ids(counter)
    texts = len(streams.bounds) - 1
    return term, names, np.repeat(np.arange(texts, dtype=np.int64), np.diff(streams.bounds))


def _joined(parts: np.ndarray, owner: np.ndarray, texts: int) -> list[bytes]:
    """``parts`` (strings, each ending in its separator; ``owner``: the text of each, ascending) joined
    text by text, each text's last separator dropped."""
    starts = np.searchsorted(owner, np.arange(texts + 1))
    return ["".join(parts[a:b])[:-1].encode("utf-8") for a, b in zip(starts[:-1].tolist(), starts[1:].tolist())]


def count_terms(streams: Streams, counter: TermCounter) -> list[bytes]:
    """Each text's term counts, encoded: its number of word tokens, then ``term\tcount`` lines,
    count descending, then term (code point order, as pandas sorts)."""
    term, names, article = _terms(streams, counter)
    texts = len(streams.bounds) - 1
    sizes = np.bincount(article[streams.word], minlength=texts)
    kept = term >= 0
    width = max(len(names), 1)
    unique, counts = np.unique(article[kept] * width + term[kept], return_counts=True)
    where, which = np.divmod(unique, width)
    order = np.lexsort((which, -counts, where))  # term ids are ranks in code point order
    where, which, counts = where[order], which[order], counts[order]
    # The lines are made and joined by Arrow (C++), not one Python string per line.
    lines = pc.binary_join_element_wise(pa.array(names.tolist(), pa.string()).take(pa.array(which)),
                                        pc.cast(pa.array(counts), pa.string()), "\t")
    offsets = pa.array(np.searchsorted(where, np.arange(texts + 1)).astype(np.int32))
    body = pc.binary_join(pa.ListArray.from_arrays(offsets, lines), "\n")
    heads = pc.cast(pa.array(sizes), pa.string())
    has = pa.array(np.diff(offsets.to_numpy()) > 0)
    joined = pc.if_else(has, pc.binary_join_element_wise(heads, body, "\n"), heads)
    return [s.encode("utf-8") for s in joined.to_pylist()]


def term_runs(streams: Streams, counter: TermCounter) -> list[bytes]:
    """Each text's runs of touching terms (two or more), encoded: one run a line, its terms separated by
    tabs.  The n-grams of a text are those of its runs (:class:`analysis.aggregate.frequency.NgramTotals`)."""
    term, names, article = _terms(streams, counter)
    texts = len(streams.bounds) - 1
    kept = np.flatnonzero(term >= 0)
    # A run goes on while the next kept piece is the next piece of the same text.
    joined = (np.diff(kept) == 1) & (article[kept[1:]] == article[kept[:-1]])
    run = np.concatenate([[0], np.cumsum(~joined)]) if len(kept) else np.zeros(0, dtype=np.int64)
    long = np.bincount(run)[run] >= 2 if len(kept) else np.zeros(0, dtype=bool)
    kept, run = kept[long], run[long]
    last = np.concatenate([run[1:] != run[:-1], [True]]) if len(run) else np.zeros(0, dtype=bool)
    parts = names[term[kept]] + np.where(last, "\n", "\t").astype(object) if len(kept) else np.zeros(0, object)
    return _joined(parts, article[kept], texts)
