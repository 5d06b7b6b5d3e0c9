"""Counting one article's terms and n-grams: what the per-article stage caches for every article.

Conventions (corpus linguists'):

* a **term** is a token that contains a letter (Han or Latin) and is not a
  stopword; pure numbers and stopwords are counted in the article's size
  (``n_tokens``) but are never terms;
* one place or institution is **one term**: tokens are mapped through the
  corpus's aliases (``丰台区`` and ``丰台`` count as ``丰台``);
* an **n-gram** is ``n`` terms that touch in the text: no punctuation,
  space, line break or stopword between them.

The aggregation (:mod:`analysis.aggregate`) sums these over articles.

>>> TermCounter(frozenset({"的"}), False)(["发展", "的", "发展", "2024", "丰台"])
[('发展', 2), ('丰台', 1)]
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

from analysis.corpus.folder import Corpus
from analysis.tokens import is_term, stopword_set, term_map, text_preparer, token_offsets


def terms_of(aliases) -> dict[str, str]:
    """The alias map to count with: None → the sample's ``data/aliases.csv``, False → none, or a dict."""
    if aliases is None:
        return term_map()
    if aliases is False:
        return {}
    return dict(aliases)


class TermCounter:
    """Counts the terms of one article's tokens: ``counter(tokens)`` → ``[(term, count), …]``,
    count descending, then term (code point order, as pandas sorts).

    A token is counted when it is not a stopword and contains a letter
    (:func:`analysis.tokens.is_term`), under its alias's term.  The test per
    distinct token is memoised: a corpus has millions of tokens but a
    vocabulary of thousands.  The per-article stage
    (:mod:`analysis.perarticle.stage`) counts with this.

    >>> TermCounter(frozenset({"的"}), False)(["发展", "的", "发展", "2024", "丰台"])
    [('发展', 2), ('丰台', 1)]
    """

    def __init__(self, stopwords: frozenset[str] | None = None, aliases=None):
        self.stop = stopword_set() if stopwords is None else stopwords
        self.term_of = terms_of(aliases)
        self._term: dict[str, str | None] = {}

    @classmethod
    def for_corpus(cls, corpus: Corpus) -> "TermCounter":
        """A counter with the corpus's stopwords and aliases."""
        return cls(stopword_set(corpus), term_map(corpus))

    def term(self, token: str) -> str | None:
        """The term ``token`` counts as, or None."""
        try:
            return self._term[token]
        except KeyError:
            term = self.term_of.get(token, token) if token not in self.stop and is_term(token) else None
            self._term[token] = term
            return term

    def __call__(self, tokens: Sequence[str]) -> list[tuple[str, int]]:
        memo = self._term
        term = self.term
        counts = Counter([memo[t] if t in memo else term(t) for t in tokens])
        counts.pop(None, None)
        return sorted(counts.items(), key=lambda tc: (-tc[1], tc[0]))


def _contiguous_runs(text: str, toks: Sequence[str], stop: frozenset[str], prepare,
                     memo: dict[str, bool] | None = None) -> Iterable[list[str]]:
    """Runs of terms that touch in the text (no punctuation, space or stopword between).

    ``memo``: a dict remembering, per distinct token, whether it is a term
    (pass the same dict for every article of a corpus).
    """
    run: list[str] = []
    end = -1
    memo = {} if memo is None else memo
    for token, at in zip(toks, token_offsets(prepare(text), toks, prepared=True)):
        ok = memo.get(token)
        if ok is None:
            ok = memo[token] = token not in stop and is_term(token)
        if ok and run and at == end:
            run.append(token)
        else:
            if run:
                yield run
            run = [token] if ok else []
        end = at + len(token)
    if run:
        yield run


class NgramCounter:
    """The n-grams of one article: ``counter(text, tokens)`` → ``{n: {ngram: count}}``.

    An n-gram is ``n`` terms that touch in the text (no punctuation, space,
    line break or stopword between), mapped through the aliases and joined by
    a space.  The per-article stage (:mod:`analysis.perarticle.stage`)
    caches them per article; :class:`analysis.aggregate.frequency.NgramTotals` sums them.

    >>> NgramCounter((2,), frozenset({"的"}), False)("推动高质量发展的工作", ["推动", "高质量", "发展", "的", "工作"])
    {2: {'推动 高质量': 1, '高质量 发展': 1}}
    """

    def __init__(self, ns: Sequence[int] = (2, 3), stopwords: frozenset[str] | None = None, aliases=None,
                 boilerplate=None):
        if any(n < 1 for n in ns):
            raise ValueError("n must be at least 1")
        self.ns = tuple(ns)
        self.stop = stopword_set() if stopwords is None else stopwords
        self.term_of = terms_of(aliases)
        self.prepare = text_preparer(boilerplate)
        self._is_term: dict[str, bool] = {}

    @classmethod
    def for_corpus(cls, corpus: Corpus, ns: Sequence[int] = (2, 3)) -> "NgramCounter":
        """A counter with the corpus's stopwords, aliases and boilerplate."""
        return cls(ns, stopword_set(corpus), term_map(corpus), corpus)

    def __call__(self, text: str, tokens: Sequence[str]) -> dict[int, dict[str, int]]:
        term_of = self.term_of
        grams: dict[int, list[str]] = {n: [] for n in self.ns}
        for run in _contiguous_runs(str(text), tokens, self.stop, self.prepare, self._is_term):
            run = [term_of.get(t, t) for t in run]
            for n, found in grams.items():
                if len(run) >= n:
                    found.extend([" ".join(run[i : i + n]) for i in range(len(run) - n + 1)])
        return {n: dict(Counter(found)) for n, found in grams.items()}
