"""Reprints: near-duplicate articles across the papers of a collection (and within one paper).

Each article's text is cut into character shingles (:data:`SHINGLE` characters
of its Han, Latin and digit characters; punctuation, spaces and the width of
digits do not count), hashed to 32 bits with a fixed polynomial hash (no
Python ``hash``: the same on every run and machine).  ``datasketch`` gives each
article a MinHash signature (:data:`NUM_PERM` permutations, fixed seed) and
an LSH index (:data:`LSH_THRESHOLD`) proposes candidate pairs; every candidate
is then **verified** by the exact Jaccard similarity of the two shingle sets,
and only pairs at or above :data:`JACCARD_THRESHOLD` are kept.  The LSH
threshold is set below the verified one so that LSH loses (almost) no true
pair; the exact check removes its false candidates, so the table's precision
is the exact threshold's, not the sketch's.  Both thresholds are checked on the
generated collection (:func:`analysis.synthetic.generate_collection`), where
verbatim and edited reprints are planted (tests/test_collection.py: precision
and recall at least 0.95).

Articles shorter than :data:`MIN_CHARS` counted characters are left out: a
two-line notice is the same in every paper without being a reprint.

>>> import pandas as pd
>>> a = pd.DataFrame({"paper": ["甲", "乙", "乙"], "article_id": ["a1", "b1", "b2"],
...                   "issue_date": ["2024-01-01", "2024-01-02", "2024-01-02"],
...                   "text": ["全区上下要坚持以人民为中心的发展思想，扎实推进高质量发展，不断增强人民群众获得感。" * 2,
...                            "全区上下要坚持以人民为中心的发展思想，扎实推进高质量发展，不断增强人民群众获得感。" * 2,
...                            "今天天气晴朗，市民纷纷走出家门来到公园赏花踏青，享受美好春光和周末时光。" * 2]})
>>> pairs = reprint_pairs(a)
>>> pairs[["paper_a", "article_id_a", "paper_b", "article_id_b", "jaccard"]].values.tolist()
[['甲', 'a1', '乙', 'b1', 1.0]]
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Characters per shingle.
SHINGLE = 5
#: MinHash permutations and the seed of their random coefficients.
NUM_PERM = 128
SEED = 1
#: LSH's (estimated-Jaccard) threshold for candidates, below the verified one (recall first).
LSH_THRESHOLD = 0.5
#: The exact Jaccard similarity of two articles' shingle sets from which they are a reprint pair.
JACCARD_THRESHOLD = 0.7
#: Articles with fewer counted characters than this are not compared.
MIN_CHARS = 60

_KEEP = re.compile(r"[^0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+")
_FULLWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}
                           | {chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)}
                           | {chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})
_MASK = np.uint64(0xFFFFFFFF)

PAIR_COLUMNS = ["paper_a", "article_id_a", "issue_date_a", "paper_b", "article_id_b", "issue_date_b",
                "jaccard", "same_paper", "earlier"]


def normalise(text: str) -> str:
    """The characters that count: Han, Latin and digits, full-width folded to half-width.

    >>> normalise("本报讯（记者 王勇）２０２４年，")
    '本报讯记者王勇2024年'
    """
    return _KEEP.sub("", str(text).translate(_FULLWIDTH))


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """The sorted distinct 32-bit hashes of the ``k``-character shingles of ``text`` (normalised).

    >>> len(shingle_hashes("一二三四五六")), len(shingle_hashes("一二三"))
    (2, 0)
    """
    chars = normalise(text)
    if len(chars) < k:
        return np.zeros(0, dtype=np.uint64)
    points = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(len(points) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * np.uint64(1_000_003) + points[j:len(points) - k + 1 + j]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return np.unique(h & _MASK)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted distinct hash arrays."""
    if not len(a) and not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def _identity(value):
    return value


def reprint_pairs(articles: pd.DataFrame, *, threshold: float = JACCARD_THRESHOLD,
                  lsh_threshold: float = LSH_THRESHOLD, min_chars: int = MIN_CHARS,
                  num_perm: int = NUM_PERM, candidates: dict | None = None) -> pd.DataFrame:
    """Near-duplicate article pairs of ``articles`` (columns ``paper, article_id, issue_date, text``).

    One row per pair (:data:`PAIR_COLUMNS`), ``a`` before ``b`` in the order
    (issue_date, paper, article_id); ``jaccard`` is exact; ``same_paper`` marks
    a pair inside one paper; ``earlier``: the paper of the earlier printing
    (``""`` for the same day).  Sorted by the ``a`` then ``b`` keys.
    ``candidates`` (optional dict) receives ``n_candidates`` and
    ``n_verified`` (how many LSH candidates passed the exact check).
    """
    from datasketch import MinHash, MinHashLSH

    frame = articles[["paper", "article_id", "issue_date", "text"]].copy()
    frame = frame.sort_values(["issue_date", "paper", "article_id"], kind="mergesort").reset_index(drop=True)
    shingles = [shingle_hashes(t) for t in frame["text"]]
    counted = np.array([len(normalise(t)) for t in frame["text"]])
    eligible = [i for i in range(len(frame)) if counted[i] >= min_chars and len(shingles[i])]
    lsh = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)
    signatures = {}
    for i in eligible:
        m = MinHash(num_perm=num_perm, seed=SEED, hashfunc=_identity)
        m.update_batch(shingles[i].tolist())
        signatures[i] = m
        lsh.insert(i, m, check_duplication=False)
    found: set[tuple[int, int]] = set()
    for i in eligible:
        for j in lsh.query(signatures[i]):
            if j != i:
                found.add((min(i, j), max(i, j)))
    rows = []
    verified = 0
    for i, j in sorted(found):
        score = jaccard(shingles[i], shingles[j])
        if score < threshold:
            continue
        verified += 1
        a, b = frame.iloc[i], frame.iloc[j]
        earlier = "" if a["issue_date"] == b["issue_date"] else a["paper"]
        rows.append((a["paper"], a["article_id"], a["issue_date"], b["paper"], b["article_id"], b["issue_date"],
                     round(score, 4), a["paper"] == b["paper"], earlier))
    if candidates is not None:
        candidates.update(n_candidates=len(found), n_verified=verified, n_compared=len(eligible))
    return pd.DataFrame(rows, columns=PAIR_COLUMNS).astype({"jaccard": float, "same_paper": bool})


def with_sources(pairs: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with where each side stands in its paper's text: ``source_a``/``line_a`` and
    ``source_b``/``line_b`` (the page file or table and the line where the article's body starts), so a
    pair can be checked in both sources.

    >>> arts = pd.DataFrame({"paper": ["甲", "乙"], "article_id": ["a", "b"], "source": ["p1.txt", "t.csv"],
    ...                      "line_start": [12, 3]})
    >>> pairs = pd.DataFrame({"paper_a": ["甲"], "article_id_a": ["a"], "paper_b": ["乙"], "article_id_b": ["b"]})
    >>> with_sources(pairs, arts)[["source_a", "line_a", "source_b", "line_b"]].values.tolist()
    [['p1.txt', 12, 't.csv', 3]]
    """
    where = articles[["paper", "article_id", "source", "line_start"]].drop_duplicates(["paper", "article_id"])
    out = pairs
    for side in ("a", "b"):
        named = where.rename(columns={"paper": f"paper_{side}", "article_id": f"article_id_{side}",
                                      "source": f"source_{side}", "line_start": f"line_{side}"})
        out = out.merge(named, on=[f"paper_{side}", f"article_id_{side}"], how="left")
    for side in ("a", "b"):
        out[f"source_{side}"] = out[f"source_{side}"].fillna("").astype(str)
        out[f"line_{side}"] = out[f"line_{side}"].fillna(0).astype("int64")
    return out.reset_index(drop=True)


def reprint_shares(pairs: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Per paper and other paper: how many of the paper's articles have a near-duplicate there.

    Columns: ``paper``, ``other`` (another paper, or the paper itself for
    duplicates inside it), ``n_articles`` (the paper's articles),
    ``n_reprinted`` (its articles with a near-duplicate in ``other``),
    ``share``, ``n_from_other`` (of those, the ones whose duplicate in
    ``other`` was printed earlier or the same day: copy that ``other`` had
    first), ``share_from_other``.  Sorted by paper, other.
    """
    papers = sorted(articles["paper"].unique())
    sizes = articles.groupby("paper")["article_id"].nunique()
    sides = []
    if len(pairs):
        for me, them in (("a", "b"), ("b", "a")):
            side = pd.DataFrame({"paper": pairs[f"paper_{me}"], "article_id": pairs[f"article_id_{me}"],
                                 "other": pairs[f"paper_{them}"],
                                 "from_other": pairs[f"issue_date_{them}"] <= pairs[f"issue_date_{me}"]})
            sides.append(side)
    both = pd.concat(sides) if sides else pd.DataFrame(columns=["paper", "article_id", "other", "from_other"])
    rows = []
    for paper in papers:
        for other in papers:
            mine = both[(both["paper"] == paper) & (both["other"] == other)]
            n = int(sizes.get(paper, 0))
            reprinted = mine["article_id"].nunique()
            from_other = mine[mine["from_other"].astype(bool)]["article_id"].nunique()
            rows.append((paper, other, n, int(reprinted), reprinted / n if n else 0.0, int(from_other),
                         from_other / n if n else 0.0))
    return pd.DataFrame(rows, columns=["paper", "other", "n_articles", "n_reprinted", "share", "n_from_other",
                                       "share_from_other"])
