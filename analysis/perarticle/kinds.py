"""The per-article outputs, each declared once: what it is computed by, from what, and how it is stored.

A :class:`Kind` names everything the stage (:mod:`analysis.perarticle.stage`)
needs to compute, cache and hand on one output of every article:

* ``compute(chunk, rows)``: the output of the records ``rows`` of a
  :class:`Chunk` of articles (rows of the articles table as dicts), one
  encoded value per record, with the corpus's facts; the chunk gives the
  values of the kinds it ``uses`` (tokens for counts), its segmentation
  (shared by tokens, counts and n-grams) and the corpus-wide ``context`` it
  names (the corpus's set of formulations, for occurrences);
* what its cache key covers: the article ``fields`` it reads (None: the
  whole row), the corpus ``facts`` it reads (their bytes), the raw ``page``
  it was printed on, the ``modules`` that compute it (their source and,
  transitively, every module of this package they import), the kinds it
  ``uses`` (their keys) and its ``context``;
* ``encode``/``decode``: the bytes the cache stores and the aggregation
  reads (:mod:`analysis.aggregate` reads the compact ones with Arrow); the
  compute functions give the bytes directly.

Adding a per-article output is one :class:`Kind` here (plus its aggregation):
the stage, the cache keys and the workers loop over :data:`KINDS`.

>>> [k.name for k in KINDS.values()]
['tokens', 'counts', 'runs', 'quotes', 'bounds', 'mentions', 'discoveries', 'occurrences']
>>> KINDS["counts"].uses
('tokens',)
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.corpus.folder import Corpus
from analysis.tokens import get_segmenter

#: The n-gram lengths counted (bigrams for collocations, trigrams).
NGRAMS = (2, 3)
#: Libraries whose version can change a per-article output.
LIBRARIES = ("jieba", "rjieba", "ahocorasick-rs")
PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Kind:
    """One per-article output (see the module docstring)."""

    name: str
    compute: Callable[["Chunk", list[int]], list[bytes]]
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


def encode_records(records: list[dict]) -> bytes:
    """Records (dicts with the same keys), each value that every record shares written once: an
    article's mentions repeat its id, dates, page and source on every row (1.3 KB an article on the
    development corpus, two fifths of it the keys).  Records with differing keys are plain JSON.

    >>> blob = encode_records([{"id": "a", "n": 1}, {"id": "a", "n": 2}])
    >>> blob.decode()
    '{"k":["id","n"],"c":{"id":"a"},"r":[[1],[2]]}'
    >>> decode_records(blob)
    [{'id': 'a', 'n': 1}, {'id': 'a', 'n': 2}]
    >>> decode_records(encode_records([{"x": 1}, {"y": True}]))
    [{'x': 1}, {'y': True}]
    """
    if not records:
        return b"[]"
    names = list(records[0])
    if any(list(r) != names for r in records):
        return encode_json(records)
    first = records[0]
    # Same type too: 1, 1.0 and True are equal, and must come back as written.
    same = {n: first[n] for n in names
            if all(type(r[n]) is type(first[n]) and r[n] == first[n] for r in records)}
    varying = [n for n in names if n not in same]
    return encode_json({"k": names, "c": same, "r": [[r[n] for n in varying] for r in records]})


def decode_records(blob: bytes) -> list[dict]:
    value = decode_json(blob)
    if isinstance(value, list):
        return value
    names, same, rows = value["k"], value["c"], value["r"]
    hoisted = [(i, same[n]) for i, n in enumerate(names) if n in same]
    out = []
    for row in rows:
        for i, v in hoisted:  # ascending positions: each lands where it was
            row.insert(i, v)
        out.append(dict(zip(names, row)))
    return out


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


def encode_runs(runs: list[list[str]]) -> bytes:
    return "\n".join("\t".join(run) for run in runs).encode("utf-8")


def decode_runs(blob: bytes) -> list[list[str]]:
    text = blob.decode("utf-8")
    return [line.split("\t") for line in text.split("\n")] if text else []


def encode_occurrences(found: list[list]) -> bytes:
    r"""An article's formulation occurrences (``[phrase, quoted, enumerated, field, line, offset]``, all
    but the phrase integers) as lines of tab-separated fields, which the aggregation splits with Arrow
    (:func:`occurrences_arrow`) instead of parsing JSON per article in Python.  A phrase holding a tab
    or a line break (never one of the corpus's phrases so far: they are written without whitespace but
    paragraph breaks) makes the article's blob JSON after a line break, read by :func:`decode_occurrences`.

    >>> encode_occurrences([["两园一河", 1, 0, 2, 4, 3], ["十四五", 0, 0, 2, 5, 9]]).decode()
    '两园一河\t1\t0\t2\t4\t3\n十四五\t0\t0\t2\t5\t9'
    >>> decode_occurrences(encode_occurrences([["a\nb", 0, 1, 0, 1, 2]])), decode_occurrences(b"")
    ([['a\nb', 0, 1, 0, 1, 2]], [])
    """
    if any("\t" in f[0] or "\n" in f[0] for f in found):
        return b"\n" + encode_json(found)
    return "\n".join([f"{p}\t{q}\t{e}\t{f}\t{line}\t{at}" for p, q, e, f, line, at in found]).encode("utf-8")


def decode_occurrences(blob: bytes) -> list[list]:
    if blob[:1] == b"\n":
        return decode_json(blob[1:])
    text = blob.decode("utf-8")
    return [[p, *map(int, rest)] for p, *rest in (line.split("\t") for line in text.split("\n"))] if text else []


def occurrences_arrow(blobs: list[bytes]) -> pa.Table | None:
    """Long table ``article`` (the blob's index), ``formulation``, ``quoted``, ``enumerated``, ``field``,
    ``line``, ``offset`` of encoded occurrences (:func:`encode_occurrences`), split by Arrow; None when a
    blob is in the JSON form (the caller decodes those one by one)."""
    if any(b[:1] == b"\n" for b in blobs):
        return None
    lines = _lines(blobs)
    fields = pc.split_pattern(pc.list_flatten(lines), "\t")
    number = {name: pc.cast(pc.list_element(fields, i), pa.int64())
              for i, name in enumerate(("quoted", "enumerated", "field", "line", "offset"), start=1)}
    return pa.table({"article": pc.cast(pc.list_parent_indices(lines), pa.int64()),
                     "formulation": pc.list_element(fields, 0), **number})


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


def ngrams_arrow(blobs: list[bytes], ns=NGRAMS) -> pa.Table:
    """Long table ``article``/``n``/``ngram`` (one row per occurrence: ``article`` is the blob's index)
    of the n-grams of encoded term runs, built by Arrow (no Python object per n-gram)."""
    runs = _lines(blobs)
    owner = pc.list_parent_indices(runs)
    terms = pc.split_pattern(pc.list_flatten(runs), "\t")
    run = pc.list_parent_indices(terms).to_numpy()
    flat = pc.list_flatten(terms)
    owner = owner.to_numpy()
    parts = []
    for n in ns:
        if len(flat) < n:
            continue
        starts = np.flatnonzero(run[: len(run) - n + 1] == run[n - 1 :])
        pieces = [flat.take(pa.array(starts + k)) for k in range(n)]
        gram = pc.binary_join_element_wise(*pieces, " ")
        parts.append(pa.table({"article": pa.array(owner[run[starts]], pa.int64()),
                               "n": pa.array(np.full(len(starts), n), pa.int64()), "ngram": gram}))
    if not parts:
        return pa.table({"article": pa.array([], pa.int64()), "n": pa.array([], pa.int64()),
                         "ngram": pa.array([], pa.string())})
    return pa.concat_tables(parts)


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


class Chunk:
    """A chunk of articles being computed in a worker, with what the kinds share.

    ``records``: rows of the articles table (dicts); ``corpus``; ``context``:
    the corpus-wide inputs; ``given``: ``{kind: {row: bytes}}`` of cached
    values a needed kind uses.  :meth:`value` gives a kind's value of a row
    (computed here, or given); :meth:`streams` the segmentation of rows,
    made once per row and shared by tokens, counts and n-grams.
    """

    def __init__(self, records: list[dict], corpus: Corpus, given: dict | None = None, context: dict | None = None):
        self.records = records
        self.corpus = corpus
        self.context = context or {}
        self.blobs: dict[str, dict[int, bytes]] = {kind: dict(found) for kind, found in (given or {}).items()}
        self._pieces: dict[int, list[str]] = {}  # each row's raw pieces (aliases not yet joined)
        self._streams: dict[tuple, object] = {}

    def value(self, kind: str, row: int):
        """The decoded value of ``kind`` for ``row`` (computed earlier in this chunk, or given)."""
        return KINDS[kind].decode(self.blobs[kind][row])

    def segmented(self, rows: list[int]) -> bool:
        """Whether this chunk has segmented every one of ``rows`` already."""
        return all(i in self._pieces for i in rows)

    def streams(self, rows: list[int]):
        """The pieces of the rows' texts (:class:`analysis.perarticle.terms.Streams`), each row's
        segmented once per chunk (and the same rows' streams made once)."""
        from analysis.perarticle.terms import Streams

        key = tuple(rows)
        if key not in self._streams:
            segmenter = get_segmenter(self.corpus)
            for i in rows:
                if i not in self._pieces:
                    text = _text(self.records[i].get("text"))
                    self._pieces[i] = segmenter.raw_pieces(text) if text.strip() else []
            self._streams = {key: Streams([self._pieces[i] for i in rows], segmenter)}
        return self._streams[key]


def compute_tokens(chunk: Chunk, rows: list[int]) -> list[bytes]:
    """Word tokens of each text (:meth:`analysis.tokens.Segmenter.cut`; a blank text has none)."""
    from analysis.perarticle.terms import encode_token_lists

    return encode_token_lists(chunk.streams(rows))


def compute_counts(chunk: Chunk, rows: list[int]) -> list[bytes]:
    """Each article's term counts and size (:func:`analysis.perarticle.terms.count_terms`): from its
    segmentation when this chunk made it, else from its cached tokens (no segmenting again)."""
    from analysis.perarticle.terms import Streams, TermCounter, count_terms

    streams = (chunk.streams(rows) if chunk.segmented(rows)
               else Streams([chunk.value("tokens", i) for i in rows]))
    return count_terms(streams, TermCounter.for_corpus(chunk.corpus))


def compute_runs(chunk: Chunk, rows: list[int]) -> list[bytes]:
    """Each article's runs of touching terms, the source of its n-grams (:func:`analysis.perarticle.terms.term_runs`),
    from its segmentation (the same pieces its cached tokens came from)."""
    from analysis.perarticle.terms import TermCounter, term_runs

    return term_runs(chunk.streams(rows), TermCounter.for_corpus(chunk.corpus))


def compute_quotes(chunk: Chunk, rows: list[int]) -> list[bytes]:
    """Pass 1 of the formulations for each article (:func:`analysis.perarticle.formulations.article_quotes`)."""
    from analysis.perarticle.formulations import article_quotes

    cut = get_segmenter(chunk.corpus).cut
    return [encode_json(article_quotes(chunk.records[i], cut)) for i in rows]


def compute_bounds(chunk: Chunk, rows: list[int]) -> list[bytes]:
    """Where each field's words start and end (:func:`analysis.perarticle.formulations.article_bounds`):
    the text's from its segmentation, shared with the tokens; what tells a phrase used as a word."""
    from analysis.perarticle.formulations import article_bounds

    segmenter = get_segmenter(chunk.corpus)
    streams = chunk.streams(rows)
    return [encode_json(article_bounds(chunk.records[i], segmenter,
                                       streams.pieces[streams.bounds[k]:streams.bounds[k + 1]].tolist()))
            for k, i in enumerate(rows)]


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


def compute_mentions(chunk: Chunk, rows: list[int]) -> list[bytes]:
    """Each article's leader mentions (:func:`analysis.perarticle.mentions.leader_mentions`), as records."""
    from analysis.perarticle.mentions import leader_mentions

    records = [chunk.records[i] for i in rows]
    found = leader_mentions(pd.DataFrame(records), corpus=chunk.corpus)
    names = list(found.columns)
    return [encode_records([dict(zip(names, row)) for row in per]) for per in _per_article(records, found)]


def compute_discoveries(chunk: Chunk, rows: list[int]) -> list[bytes]:
    """Each article's names written next to a title (:func:`analysis.perarticle.mentions.discovery_hits`)."""
    from analysis.perarticle.mentions import discovery_hits, matcher

    records = [chunk.records[i] for i in rows]
    found = discovery_hits(records, matcher(corpus=chunk.corpus))
    return [encode_json([list(row) for row in per]) for per in _per_article(records, found)]


def compute_occurrences(chunk: Chunk, rows: list[int]) -> list[bytes]:
    """Each article's occurrences of the corpus's formulations (``context["formulations"]``:
    pass 2 of :func:`analysis.perarticle.formulations.extract_formulations`), each as
    ``[formulation, quoted, enumerated, field, line, offset]`` (flags 0/1, ``field`` its index in
    :data:`~analysis.corpus.field_lines.FIELDS`): the kind of a formulation is the context's and the
    article's id, date and source are its row's, so they are not stored once per occurrence (the
    development corpus has 27 occurrences an article; they were 60% of the cache's bytes of this kind).
    :func:`analysis.perarticle.stage.formulation_occurrences` makes the table's rows again.  Encoded as
    lines (:func:`encode_occurrences`), which the aggregation splits with Arrow."""
    from analysis.corpus.field_lines import FIELDS
    from analysis.perarticle.formulations import occurrence_rows

    records = [chunk.records[i] for i in rows]
    per: list[list] = [[] for _ in rows]
    field_index = {f: i for i, f in enumerate(FIELDS)}
    for index, field, offset, phrase, _kind, quoted, listed, line in occurrence_rows(
            records, kinds=chunk.context["formulations"], corpus=chunk.corpus,
            bounds=[chunk.value("bounds", i) for i in rows]):
        per[index].append([phrase, int(quoted), int(listed), field_index[field], line, offset])
    return [encode_occurrences(found) for found in per]


_SEGMENTER_FACTS = ("userdict", "boilerplate", "aliases")
_MENTION_FACTS = ("leaders", "titles", "phrases", "surnames", "aliases", "boilerplate", "userdict")

#: Every per-article output, in the order they are computed (a kind comes after those it uses).
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("tokens", compute_tokens, ("analysis.tokens", "analysis.perarticle.terms"), facts=_SEGMENTER_FACTS,
         encode=encode_tokens, decode=decode_tokens),
    Kind("counts", compute_counts, ("analysis.perarticle.terms",), facts=("stopwords", "aliases"),
         uses=("tokens",), encode=encode_counts, decode=decode_counts),
    Kind("runs", compute_runs, ("analysis.perarticle.terms",), facts=("stopwords", "aliases", "boilerplate"),
         uses=("tokens",), encode=encode_runs, decode=decode_runs),
    Kind("quotes", compute_quotes, ("analysis.perarticle.formulations",), fields=("headline", "subheadline", "text"),
         facts=_SEGMENTER_FACTS),
    Kind("bounds", compute_bounds, ("analysis.perarticle.formulations",), fields=("headline", "subheadline", "text"),
         facts=_SEGMENTER_FACTS),
    Kind("mentions", compute_mentions, ("analysis.perarticle.mentions",), fields=None,
         facts=_MENTION_FACTS, page=True, encode=encode_records, decode=decode_records),
    Kind("discoveries", compute_discoveries, ("analysis.perarticle.mentions",), fields=None,
         facts=_MENTION_FACTS + ("nonnames",)),
    Kind("occurrences", compute_occurrences, ("analysis.perarticle.formulations",), fields=None,
         facts=_SEGMENTER_FACTS, uses=("bounds",), context=("formulations",), page=True,
         encode=encode_occurrences, decode=decode_occurrences),
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


#: An import statement at the start of a line (``from … import …``, names in parentheses included, or ``import …``).
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)|import[ \t]+([^\n#]+))",
                     re.M)


def _imports(name: str, path: Path) -> list[str]:
    """The modules (and names, which may be submodules) the file imports, relative imports resolved.

    Read with a regular expression, not parsed: parsing the package's modules cost every build 0.35 s
    (most of a warm build's key work), the expression 0.01 s.  An import-like line inside a string
    counts too, which can only add a file to a kind's code (a key covers more, never less); on every
    kind the files found are those the parser found.
    """
    text = path.read_text(encoding="utf-8")
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for dots, module, names, plain in _IMPORT.findall(text):
        if plain:
            out += [part.split()[0] for part in plain.split(",") if part.strip()]
            continue
        if dots:
            base = package.split(".")
            module = ".".join(base[: len(base) - len(dots) + 1] + ([module] if module else []))
        out.append(module)
        names = re.sub(r"#[^\n]*", "", names).strip("()").replace("\\\n", " ")
        out += [f"{module}.{n.split()[0]}" for n in names.split(",") if n.strip()]  # a submodule imported by name
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
