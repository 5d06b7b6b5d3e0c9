"""The per-article outputs, each declared once: what it is computed by, from what, and how it is stored.

A :class:`Kind` names everything the stage (:mod:`analysis.perarticle.stage`)
needs to compute, cache and hand on one output of every article:

* ``compute(records, corpus, inputs, context)``: the output of a chunk of
  articles (rows of the articles table as dicts), one value per record, with
  the corpus's facts; ``inputs`` holds the values of the kinds it ``uses``
  (tokens for counts and n-grams), ``context`` the corpus-wide inputs it
  names (the corpus's set of formulations, for occurrences);
* what its cache key covers: the article ``fields`` it reads (None: the
  whole row), the corpus ``facts`` it reads (their bytes), the raw ``page``
  it was printed on, the ``modules`` that compute it (their source and,
  transitively, every module of this package they import), the kinds it
  ``uses`` (their keys) and its ``context``;
* ``encode``/``decode``: the bytes the cache stores and the aggregation
  reads (:mod:`analysis.aggregate.dataset` decodes the compact ones with Arrow).

Adding a per-article output is one :class:`Kind` here (plus its aggregation):
the stage, the cache keys and the workers loop over :data:`KINDS`.

>>> [k.name for k in KINDS.values()]
['tokens', 'counts', 'ngrams', 'quotes', 'mentions', 'occurrences']
>>> KINDS["counts"].uses
('tokens',)
"""
from __future__ import annotations

import ast
import hashlib
import json
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.corpus.folder import Corpus
from analysis.tokens import get_segmenter

#: The n-gram lengths counted per article (bigrams for collocations, trigrams).
NGRAMS = (2, 3)
#: Libraries whose version can change a per-article output.
LIBRARIES = ("jieba", "rjieba", "pyahocorasick")
PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Kind:
    """One per-article output (see the module docstring)."""

    name: str
    compute: Callable[[list[dict], Corpus, dict, dict], list]
    modules: tuple[str, ...]
    fields: tuple[str, ...] | None = ("text",)
    facts: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    page: bool = False
    encode: Callable[[object], bytes] = None  # type: ignore[assignment]
    decode: Callable[[bytes], object] = None  # type: ignore[assignment]

    def __post_init__(self):
        if self.encode is None:
            object.__setattr__(self, "encode", encode_json)
        if self.decode is None:
            object.__setattr__(self, "decode", decode_json)


# --------------------------------------------------------------------------- encodings


def encode_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_json(blob: bytes):
    return json.loads(blob.decode("utf-8"))


# Tokens and counts are most of the cache: plain lines decode several times
# faster than JSON (tokens never contain a line break or a tab: whitespace
# tokens are dropped and user words may not contain whitespace).

def encode_tokens(tokens: list[str]) -> bytes:
    return "\n".join(tokens).encode("utf-8")


def decode_tokens(blob: bytes) -> list[str]:
    text = blob.decode("utf-8")
    # sys.intern: one string object per distinct word, not one per occurrence.
    return list(map(sys.intern, text.split("\n"))) if text else []


def encode_counts(value: dict) -> bytes:
    return "\n".join([str(value["n_tokens"])] + [f"{t}\t{c}" for t, c in zip(value["terms"], value["counts"])]
                     ).encode("utf-8")


def decode_counts(blob: bytes) -> dict:
    lines = blob.decode("utf-8").split("\n")
    terms, counts = [], []
    for line in lines[1:]:
        term, count = line.split("\t")
        terms.append(sys.intern(term))
        counts.append(int(count))
    # Two parallel tuples, not one small list per term: a tenth of the memory.
    return {"n_tokens": int(lines[0]), "terms": tuple(terms), "counts": tuple(counts)}


def encode_ngrams(value: dict) -> bytes:
    return "\n".join(f"{n}\t{g}\t{c}" for n, grams in value.items() for g, c in grams.items()).encode("utf-8")


def decode_ngrams(blob: bytes) -> dict:
    text = blob.decode("utf-8")
    out: dict[int, dict[str, int]] = {n: {} for n in NGRAMS}
    for line in text.split("\n") if text else []:
        n, gram, count = line.split("\t")
        out[int(n)][sys.intern(gram)] = int(count)
    return out


def _lines(blobs: list[bytes]) -> pa.ListArray:
    """Each blob's lines as a list array (an empty blob: no lines), decoded by Arrow, not per line in Python."""
    text = pa.array(blobs, pa.binary()).cast(pa.string())
    split = pc.split_pattern(text, "\n")
    return pc.if_else(pc.equal(pc.binary_length(text), 0), pa.scalar([], split.type), split)


def tokens_arrow(ids: list[str], blobs: list[bytes]) -> pa.Table:
    """The tokens table (``article_id``, ``tokens``) from encoded tokens."""
    return pa.table({"article_id": pa.array(ids, pa.string()), "tokens": _lines(blobs)})


def counts_arrow(blobs: list[bytes], first: int = 0):
    """``(n_tokens per article, long table article_order/term/count)`` from encoded counts;
    orders start at ``first``."""
    lines = _lines(blobs)
    n_tokens = pc.cast(pc.list_element(lines, 0), pa.int64()).to_numpy()
    pairs = pc.list_slice(lines, 1)
    parent = pc.list_parent_indices(pairs)
    fields = pc.split_pattern(pc.list_flatten(pairs), "\t")
    table = pa.table({
        "article_order": pc.add(pc.cast(parent, pa.int64()), first),
        "term": pc.list_element(fields, 0),
        "count": pc.cast(pc.list_element(fields, 1), pa.int64()),
    })
    return n_tokens, table


def ngrams_arrow(blobs: list[bytes]) -> pa.Table:
    """Long table ``n``/``ngram``/``count`` (one row per article and n-gram) from encoded n-grams."""
    fields = pc.split_pattern(pc.list_flatten(_lines(blobs)), "\t")
    return pa.table({"n": pc.cast(pc.list_element(fields, 0), pa.int64()), "ngram": pc.list_element(fields, 1),
                     "count": pc.cast(pc.list_element(fields, 2), pa.int64())})


def jsonable(value):
    """A table cell as a JSON value (numpy scalars as Python numbers, NaN as None)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if pd.isna(value) else value
    try:
        return value.item()  # numpy scalar
    except AttributeError:
        return str(value)


# --------------------------------------------------------------------------- computing


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def compute_tokens(records, corpus, inputs, context) -> list[list[str]]:
    """Word tokens of each text (:meth:`analysis.tokens.Segmenter.cut`; a blank text has none)."""
    cut = get_segmenter(corpus).cut
    return [cut(text) if text.strip() else [] for text in (_text(r.get("text")) for r in records)]


def compute_counts(records, corpus, inputs, context) -> list[dict]:
    """Each article's term counts (:class:`analysis.perarticle.terms.TermCounter`) and size."""
    from analysis.perarticle.terms import TermCounter

    counter = TermCounter.for_corpus(corpus)
    out = []
    for tokens in inputs["tokens"]:
        pairs = counter(tokens)
        out.append({"n_tokens": len(tokens), "terms": tuple(t for t, _ in pairs), "counts": tuple(c for _, c in pairs)})
    return out


def compute_ngrams(records, corpus, inputs, context) -> list[dict]:
    """Each article's bigrams and trigrams (:class:`analysis.perarticle.terms.NgramCounter`)."""
    from analysis.perarticle.terms import NgramCounter

    counter = NgramCounter.for_corpus(corpus, NGRAMS)
    return [counter(_text(r.get("text")), tokens) for r, tokens in zip(records, inputs["tokens"])]


def compute_quotes(records, corpus, inputs, context) -> list[dict]:
    """Pass 1 of the formulations for each article (:func:`analysis.perarticle.formulations.article_quotes`)."""
    from analysis.perarticle.formulations import article_quotes

    cut = get_segmenter(corpus).cut
    return [article_quotes(r, cut) for r in records]


def _per_article(records, frame: pd.DataFrame) -> list[list[tuple]]:
    """The rows of ``frame`` (one table for the chunk) split by article, JSON-ready, in the table's order."""
    out: list[list[tuple]] = [[] for _ in records]
    if not len(frame):
        return out
    position = {str(r["article_id"]): i for i, r in enumerate(records)}
    # Whole columns to Python values (numpy scalars become int/bool), not one value at a time.
    columns = [[jsonable(v) for v in frame[c].tolist()] if frame[c].dtype == object else frame[c].tolist()
               for c in frame.columns]
    at = list(frame.columns).index("article_id")
    for row in zip(*columns):
        out[position[str(row[at])]].append(row)
    return out


def compute_mentions(records, corpus, inputs, context) -> list[list[dict]]:
    """Each article's leader mentions (:func:`analysis.perarticle.mentions.leader_mentions`), as records."""
    from analysis.perarticle.mentions import leader_mentions

    found = leader_mentions(pd.DataFrame(records), corpus=corpus)
    names = list(found.columns)
    return [[dict(zip(names, row)) for row in rows] for rows in _per_article(records, found)]


def compute_occurrences(records, corpus, inputs, context) -> list[list[list]]:
    """Each article's occurrences of the corpus's formulations (``context["formulations"]``:
    pass 2 of :func:`analysis.perarticle.formulations.extract_formulations`), as rows."""
    from analysis.perarticle.formulations import extract_formulations

    found = extract_formulations(pd.DataFrame(records), kinds=context["formulations"], corpus=corpus)
    return [[list(row) for row in rows] for rows in _per_article(records, found)]


_SEGMENTER_FACTS = ("userdict", "boilerplate", "aliases")

#: Every per-article output, in the order they are computed (a kind comes after those it uses).
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("tokens", compute_tokens, ("analysis.tokens",), facts=_SEGMENTER_FACTS,
         encode=encode_tokens, decode=decode_tokens),
    Kind("counts", compute_counts, ("analysis.perarticle.terms",), facts=("stopwords", "aliases"),
         uses=("tokens",), encode=encode_counts, decode=decode_counts),
    Kind("ngrams", compute_ngrams, ("analysis.perarticle.terms",), facts=("stopwords", "aliases", "boilerplate"),
         uses=("tokens",), encode=encode_ngrams, decode=decode_ngrams),
    Kind("quotes", compute_quotes, ("analysis.perarticle.formulations",), fields=("headline", "subheadline", "text"),
         facts=_SEGMENTER_FACTS),
    Kind("mentions", compute_mentions, ("analysis.perarticle.mentions",), fields=None,
         facts=("leaders", "titles", "phrases", "surnames", "aliases", "boilerplate", "userdict"), page=True),
    Kind("occurrences", compute_occurrences, ("analysis.perarticle.formulations",), fields=None,
         facts=_SEGMENTER_FACTS, context=("formulations",), page=True),
)}


# --------------------------------------------------------------------------- what a key covers


def module_files(modules: tuple[str, ...]) -> list[Path]:
    """The source files of ``modules`` and of every module of this package they import,
    transitively (imports inside functions included), sorted.  Package ``__init__`` files only
    re-export, so they are neither counted nor followed (``from analysis import io`` counts ``io``)."""
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_path(name)
        if path is None or path.name == "__init__.py":
            continue
        seen[name] = path
        todo.extend(_parsed(name, path)[0])
    return sorted(seen.values())


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(("analysis",) + (parts[:-1] if parts[-1] == "__init__" else parts))


def _module_path(name: str) -> Path | None:
    if name != "analysis" and not name.startswith("analysis."):
        return None
    parts = name.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


#: Per source file, by (path, mtime, size): its analysis imports and its digest (parsing every module at every
#: run of the stage cost a second; a file edited in place gets a new stamp).
_PARSED: dict[tuple, tuple[list[str], bytes]] = {}


def _parsed(name: str, path: Path) -> tuple[list[str], bytes]:
    info = path.stat()
    stamp = (str(path), info.st_mtime_ns, info.st_size, name)
    found = _PARSED.get(stamp)
    if found is None:
        found = _PARSED[stamp] = (_imports(name, path), hashlib.sha256(path.read_bytes()).digest())
    return found


def _imports(name: str, path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append(module)
            out += [f"{module}.{a.name}" for a in node.names]  # a submodule imported by name
    return out


def _libraries() -> str:
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=absent")
    return ";".join(found)


def kind_digest(kind: Kind, corpus: Corpus, backend: str) -> str:
    """What every key of ``kind`` shares for this corpus: its code (and this module's own bytes: the
    declarations and encodings), its facts' bytes, the library versions and the segmentation backend."""
    digest = hashlib.sha256(kind.name.encode())
    for path in module_files(kind.modules) + [Path(__file__).resolve()]:
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(_parsed(_module_name(path), path)[1])
    for fact in kind.facts:
        digest.update(f"\0{fact}={corpus.fact_digest(fact)}".encode())
    digest.update(f"\0{_libraries()}\0{backend}".encode())
    return digest.hexdigest()
