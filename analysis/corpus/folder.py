"""A corpus is one folder: its text and its facts.

A corpus folder holds the text, either

* pages: ``manifest.csv`` plus the page files it lists (looked up in the
  folder itself, or in its ``raw/`` or ``pages/`` subfolder), or
* an article table: ``articles.parquet``, ``articles.csv``, ``articles.jsonl``
  or ``articles.json`` (columns: see :func:`analysis.corpus.read.read_article_table`),

and, optionally, the facts that the analysis needs about that paper:

==================== ==========================================================
``corpus.toml``      description: ``paper``, ``place``, ``period``, ``source``,
                     ``licence``, ``title`` (all optional strings)
``leaders.csv``      registry of persons and posts (missing: **no registry**,
                     the leader chapter then shows officials found by title)
``leader_titles.csv`` titles that mark an official (default: ``data/``)
``leader_phrases.csv`` ritual/doctrine phrases (default: ``data/``)
``leader_surnames.csv`` surnames for discovery (default: ``data/``)
``userdict.csv``     segmentation dictionary (default: ``data/``)
``stopwords.csv``    stopwords (default: ``data/``)
``aliases.csv``      one term for several spellings (default: ``data/``)
``boilerplate.csv``  dateline and agency formulas (default: ``data/``)
``glossary.csv``     English glosses (default: ``data/``)
``gold_mentions.csv`` full hand annotation of mentions (the sample has one)
``annotated_mentions.csv`` a marked sample (``python -m analysis annotate``)
                     (missing, with no gold: counts unvalidated)
==================== ==========================================================

``data/`` is the sample corpus in exactly this form.  One setting re-targets
everything: the environment variable ``ANALYSIS_CORPUS`` (a folder, or a bare
article-table file, which keeps working) or ``--corpus FOLDER`` on the command
line.  A missing optional file falls back to the project's default in
``data/`` (:attr:`CorpusFolder.defaulted` lists which), except the registry
and the gold annotation, which belong to one paper and have no default.

>>> folder = open_corpus()            # ANALYSIS_CORPUS, else the sample in data/
>>> folder.kind, folder.is_sample, folder.description["paper"]
('pages', True, '丰台报')
>>> folder.fact("leaders").name
'leaders.csv'
"""
from __future__ import annotations

import hashlib
import os
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import InputError
from analysis.paths import DATA_DIR

CORPUS_ENV = "ANALYSIS_CORPUS"
TABLE_NAMES = ("articles.parquet", "articles.csv", "articles.jsonl", "articles.json")
TABLE_SUFFIXES = (".csv", ".jsonl", ".json", ".parquet")
DESCRIPTION_FILE = "corpus.toml"
DESCRIPTION_KEYS = ("title", "paper", "place", "period", "source", "licence")

#: Fact files a corpus folder may carry: name → file name.
FACT_FILES = {
    "leaders": "leaders.csv",
    "titles": "leader_titles.csv",
    "phrases": "leader_phrases.csv",
    "surnames": "leader_surnames.csv",
    "userdict": "userdict.csv",
    "stopwords": "stopwords.csv",
    "aliases": "aliases.csv",
    "boilerplate": "boilerplate.csv",
    "glossary": "glossary.csv",
    "gold": "gold_mentions.csv",
    "annotation": "annotated_mentions.csv",
}
#: Facts that belong to one paper: a folder without them has none (no default).
NO_DEFAULT = frozenset({"leaders", "gold", "annotation"})


@dataclass(frozen=True)
class CorpusFolder:
    """What one corpus setting points at.

    ``root``: the corpus folder (for a bare table file, the folder holding it).
    ``kind``: ``"pages"`` or ``"table"``.  ``text``: the manifest (pages) or the
    article table.  ``pages_dir``: where the page files are (pages only).
    ``description``: the strings of ``corpus.toml`` (missing keys are '').
    ``facts``: fact name → file used (``None``: the corpus has none).
    ``defaulted``: fact names that fell back to the project's defaults or to none.
    ``is_sample``: this is the embedded sample corpus (``data/``).
    """

    root: Path
    kind: str
    text: Path
    pages_dir: Path | None
    description: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    defaulted: tuple = ()
    is_sample: bool = False

    def fact(self, name: str) -> Path | None:
        """The file used for fact ``name`` (see :data:`FACT_FILES`), or ``None``."""
        if name not in FACT_FILES:
            raise KeyError(f"unknown fact {name!r}; known: {', '.join(FACT_FILES)}")
        return self.facts.get(name)

    @property
    def paper(self) -> str:
        return self.description.get("paper", "")

    @property
    def label(self) -> str:
        """A short human name: the description's title, else paper, else the folder name."""
        d = self.description
        return d.get("title") or d.get("paper") or self.root.name

    def fingerprint(self) -> str:
        """SHA-256 over the text and fact files' bytes (what a build depends on), 16 hex digits."""
        digest = hashlib.sha256(self.kind.encode())
        files = [self.text] + [p for _, p in sorted(self.facts.items()) if p is not None]
        if self.kind == "pages" and self.pages_dir is not None:
            files += sorted(p for p in self.pages_dir.iterdir() if p.is_file() and p.suffix == ".txt")
        for path in files:
            digest.update(str(path.name).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()[:16]


def _description(folder: Path) -> dict:
    path = folder / DESCRIPTION_FILE
    out = {key: "" for key in DESCRIPTION_KEYS}
    if not path.is_file():
        return out
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(path, "not valid UTF-8; save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _toml_line(str(exc))
        raise InputError(path, f"not valid TOML: {exc}", line) from None
    for key, value in data.items():
        if not isinstance(value, (str, int, float)):
            raise InputError(path, f"{key!r} must be a string")
        out[key] = str(value)
    return out


def _toml_line(message: str) -> int | None:
    import re

    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _pages_dir(folder: Path) -> Path:
    for sub in ("raw", "pages"):
        if (folder / sub).is_dir():
            return folder / sub
    return folder


def _facts(folder: Path, is_sample: bool) -> tuple[dict, tuple]:
    facts, defaulted = {}, []
    for name, file_name in FACT_FILES.items():
        own = folder / file_name
        if own.is_file():
            facts[name] = own
            continue
        default = DATA_DIR / file_name
        if name in NO_DEFAULT or not default.is_file():
            facts[name] = None
        else:
            facts[name] = default
        if not is_sample or facts[name] is None:
            defaulted.append(name)
    return facts, tuple(defaulted)


def open_corpus(path: str | Path | None = None) -> CorpusFolder:
    """Resolve a corpus setting (a folder or a bare article table) into a :class:`CorpusFolder`.

    ``path=None`` reads ``$ANALYSIS_CORPUS``; unset or empty, the sample corpus
    in ``data/``.  Raises :class:`InputError` naming the path when it is
    neither a corpus folder nor an article table.
    """
    if path is None:
        path = os.environ.get(CORPUS_ENV, "").strip() or DATA_DIR
    path = Path(path).expanduser()
    if not path.exists():
        raise InputError(path, "no such file or folder (set ANALYSIS_CORPUS or --corpus to a corpus folder)")
    if path.is_file():
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise InputError(path, f"a corpus is a folder, or an article table ({', '.join(TABLE_SUFFIXES)})")
        folder = path.parent
        facts, defaulted = _facts(folder, False) if folder.resolve() != DATA_DIR.resolve() else _facts(folder, True)
        return CorpusFolder(folder, "table", path, None, _description(folder), facts, defaulted, False)
    folder = path
    is_sample = folder.resolve() == DATA_DIR.resolve()
    facts, defaulted = _facts(folder, is_sample)
    description = _description(folder)
    if (folder / "manifest.csv").is_file():
        return CorpusFolder(folder, "pages", folder / "manifest.csv", _pages_dir(folder), description, facts,
                            defaulted, is_sample)
    for name in TABLE_NAMES:
        if (folder / name).is_file():
            return CorpusFolder(folder, "table", folder / name, None, description, facts, defaulted, False)
    raise InputError(folder, "not a corpus folder: it holds neither manifest.csv (pages) nor an article table "
                             f"({', '.join(TABLE_NAMES)})")


@contextmanager
def using_corpus(path: str | Path | None):
    """Within the block, ``ANALYSIS_CORPUS`` is ``path`` (``None``: unchanged); restored after.

    >>> with using_corpus("data"):
    ...     open_corpus().paper
    '丰台报'
    """
    if path is None:
        yield
        return
    before = os.environ.get(CORPUS_ENV)
    os.environ[CORPUS_ENV] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CORPUS_ENV, None)
        else:
            os.environ[CORPUS_ENV] = before


def fact_path(name: str, corpus: str | Path | CorpusFolder | None = None) -> Path | None:
    """The file for fact ``name`` of the configured corpus (``None``: that corpus has none).

    Modules call this for their default data files, so that one setting
    (``ANALYSIS_CORPUS``) re-targets the facts with the text.

    >>> fact_path("stopwords").name
    'stopwords.csv'
    """
    folder = corpus if isinstance(corpus, CorpusFolder) else open_corpus(corpus)
    return folder.fact(name)
