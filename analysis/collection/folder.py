"""A collection of corpora (:class:`Collection`) and a built collection (:class:`CollectionTables`).

``collection.toml`` in a folder makes it a collection folder::

    title = "Three papers"
    corpora = ["central", "city", "district"]   # corpus folders (or article tables), relative to this file
    phrases = ["新质生产力"]                     # optional: phrases whose diffusion is always traced

Each corpus keeps its own facts; its **slug** (the sub-folder of the build)
is its folder's name (its table's stem for a bare table), made safe for a
path and URL, with ``-2``, ``-3`` … on a clash.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "collection.toml").write_text('corpora = ["../nowhere"]', encoding="utf-8")
>>> Collection.from_folder(root)
Traceback (most recent call last):
...
analysis.errors.InputError: ...collection.toml: corpus ../nowhere: no such file or folder (give --corpus a corpus folder)
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.corpus.folder import Corpus
from analysis.errors import InputError

COLLECTION_FILE = "collection.toml"
#: What a built collection folder records (written last: a folder with it is complete).
COLLECTION_MANIFEST = "collection.json"
#: The comparison tables a collection build writes into its folder, in order.
COLLECTION_TABLES = ("papers", "coverage", "leader_comparison", "phrases", "diffusion", "adoption", "reprints",
                     "reprint_shares", "keyness")


def is_collection_folder(path) -> bool:
    """Whether ``path`` is a folder holding ``collection.toml``."""
    return path is not None and (Path(path) / COLLECTION_FILE).is_file()


def slugify(name: str) -> str:
    """A path- and URL-safe slug: ASCII letters, digits and ``-`` (empty: ``paper``).

    >>> slugify("xwlb"), slugify("My Corpus_2"), slugify("丰台报")
    ('xwlb', 'my-corpus-2', 'paper')
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "paper"


def _slugs(corpora: list[Corpus]) -> list[str]:
    out, seen = [], set()
    for corpus in corpora:
        base = slugify(corpus.root.name if corpus.kind != "table" or corpus.text.parent != corpus.root
                       or corpus.text.stem in ("articles",) else corpus.text.stem)
        slug, n = base, 1
        while slug in seen:
            n += 1
            slug = f"{base}-{n}"
        seen.add(slug)
        out.append(slug)
    return out


@dataclass
class Collection:
    """Corpora compared as one collection: ``corpora`` (:class:`~analysis.corpus.folder.Corpus`, in the
    order given), ``phrases`` (always traced by the diffusion table), ``title``, ``root`` (the
    collection folder, if any).  ``slugs``: each corpus's sub-folder of the build."""

    corpora: list
    phrases: tuple = ()
    title: str = ""
    root: Path | None = None
    slugs: list = field(default_factory=list)

    def __post_init__(self):
        if len(self.corpora) < 1:
            raise InputError(self.root or "collection", "a collection needs at least one corpus")
        self.slugs = _slugs(self.corpora)
        papers = [c.paper for c in self.corpora if c.paper]
        if len(set(papers)) != len(papers):
            dup = next(p for p in papers if papers.count(p) > 1)
            raise InputError(self.root or "collection", f"two corpora are both the paper {dup!r}: each corpus of a "
                                                        "collection must be another paper (set paper in corpus.toml)")

    @classmethod
    def from_folder(cls, folder, settings=None, corpus_class=Corpus) -> "Collection":
        """The collection that ``folder/collection.toml`` describes (paths relative to the folder)."""
        folder = Path(folder)
        path = folder / COLLECTION_FILE
        try:
            spec = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise InputError(path, f"cannot read the collection description: {err}") from None
        names = spec.get("corpora")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InputError(path, "corpora must be a list of corpus folders, e.g. corpora = [\"a\", \"b\"]")
        phrases = spec.get("phrases", [])
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise InputError(path, "phrases must be a list of strings")
        corpora = []
        for name in names:
            try:
                corpora.append(corpus_class((folder / name), settings=settings))
            except InputError as err:
                raise InputError(path, f"corpus {name}: {err.problem}") from None
        return cls(corpora, tuple(phrases), str(spec.get("title", "")), folder)

    @property
    def label(self) -> str:
        return self.title or " / ".join(c.paper or c.label for c in self.corpora)


class CollectionTables:
    """A built collection (``folder``): its comparison tables (:meth:`load`) and each paper's build
    (:meth:`paper`, an :class:`analysis.tables.Tables`)."""

    def __init__(self, folder, settings=None):
        self.folder = Path(folder)
        self.settings = settings
        if not (self.folder / COLLECTION_MANIFEST).is_file():
            raise FileNotFoundError(f"{self.folder}: not a built collection (no {COLLECTION_MANIFEST}); build it "
                                    "with: python -m analysis build --out DIR --corpus A --corpus B")

    def __repr__(self) -> str:
        return f"CollectionTables({str(self.folder)!r})"

    def manifest(self) -> dict:
        return json.loads((self.folder / COLLECTION_MANIFEST).read_text(encoding="utf-8"))

    @property
    def papers(self) -> pd.DataFrame:
        return self.load("papers")

    @property
    def title(self) -> str:
        return str(self.manifest().get("title", ""))

    def has(self, name: str) -> bool:
        return (self.folder / f"{name}.parquet").is_file()

    def load(self, name: str, columns=None) -> pd.DataFrame:
        path = self.folder / f"{name}.parquet"
        if not path.is_file():
            raise FileNotFoundError(f"{self.folder}: no collection table {name!r}")
        return pd.read_parquet(path, columns=columns)

    def paper(self, slug: str):
        """The build of one paper (by slug)."""
        from analysis.tables import Tables

        return Tables(self.folder / slug, self.settings)

    def stacked(self, name: str, columns=None) -> pd.DataFrame:
        """Table ``name`` of every paper's build, stacked with a ``paper`` column first."""
        frames = []
        for paper, slug in zip(self.papers["paper"], self.papers["slug"]):
            tables = self.paper(slug)
            if tables.has(name):
                frame = tables.load(name, columns=columns)
                frames.append(frame.drop(columns=[c for c in ("paper",) if c in frame.columns]).assign(paper=paper))
        if not frames:
            return pd.DataFrame()
        frame = pd.concat(frames, ignore_index=True)
        return frame[["paper"] + [c for c in frame.columns if c != "paper"]]
