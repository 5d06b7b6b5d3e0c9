"""A corpus is one folder: its text and its facts.  :class:`Corpus` is that folder, opened once.

A corpus folder holds the text, either

* pages: ``manifest.csv`` plus the page files it lists (looked up in the
  folder itself, or in its ``raw/`` or ``pages/`` subfolder), or
* an article table: ``articles.parquet``, ``articles.csv``, ``articles.jsonl``
  or ``articles.json`` (columns: see :func:`analysis.corpus.read.read_article_table`),

and, optionally, the facts that the analysis needs about that paper:

==================== ==========================================================
``corpus.toml``      description and identity of the book about it (all optional):
                     ``title``, ``subtitle``, ``paper``, ``place``, ``period``,
                     ``source``, ``licence``, ``authors`` (a list), ``repository``,
                     ``doi``, ``year``, ``intro``, ``footer``; the publishing
                     policy ``publish_text`` (``full``, ``excerpts`` (default)
                     or ``none``) and ``publish_columns`` (extra columns of an
                     article table that may be published); see
                     :data:`DESCRIPTION_KEYS`
``leaders.csv``      registry of persons and posts (default: the national
                     registry of ``data/defaults/``, every Politburo member and
                     top state post since 1992)
``leader_titles.csv`` titles that mark an official (default: ``data/defaults/``)
``leader_phrases.csv`` ritual/doctrine patterns (default: ``data/defaults/``)
``leader_surnames.csv`` surnames for discovery (default: ``data/defaults/``)
``leader_nonnames.csv`` words never a name: role nouns, verbs (default: ``data/defaults/``)
``userdict.csv``     segmentation dictionary (default: ``data/defaults/``: the
                     national leaders' names)
``stopwords.csv``    stopwords (default: ``data/defaults/``)
``aliases.csv``      one term for several spellings (default: ``data/defaults/``)
``boilerplate.csv``  dateline and agency formulas (default: ``data/defaults/``)
``agencies.csv``     news agencies a dateline may name, and whose (本报, 新华社,
                     other): ``source_agency`` (default: ``data/defaults/``)
``glossary.csv``     English glosses (missing: the book has no glossary)
``gold_mentions.csv`` full hand annotation of mentions (the sample has one)
``annotated_mentions.csv`` a marked sample (``python -m analysis annotate``)
                     (missing, with no gold: counts unvalidated)
==================== ==========================================================

``data/`` is the sample corpus in exactly this form: its own registry,
dictionary, aliases and glossary, and the project's defaults for the rest.  A
missing optional file falls back to the project's default in
``data/defaults/`` (:attr:`Corpus.defaulted` lists which), except the
glossary and the annotations, which belong to one paper and have no default.
Nothing of the sample is ever a default for another corpus.

A :class:`Corpus` is made once, at the edge (the command line's
``--corpus``, the book's notebook helper, a scholar's own code), and passed
explicitly to every stage: no module reads a corpus setting from the
environment, so two corpora can be read and built in one process.  It also
carries the build's :class:`~analysis.settings.Settings` and keeps, per
object, what the stages derive from its facts (the segmenter, the stopword
set, the mention matcher: :meth:`Corpus.memo`), so they are made once.

>>> corpus = Corpus()                 # the sample in data/
>>> corpus.kind, corpus.is_sample, corpus.paper
('pages', True, '丰台报')
>>> corpus.fact("leaders").name
'leaders.csv'
"""
from __future__ import annotations

import copy
import hashlib
import re
import tomllib
from pathlib import Path
from typing import Callable

from analysis.errors import InputError
from analysis.paths import DATA_DIR, DEFAULTS_DIR
from analysis.settings import Settings, default_settings
from analysis.io import OutputError

TABLE_NAMES = ("articles.parquet", "articles.csv", "articles.jsonl", "articles.json")
TABLE_SUFFIXES = (".csv", ".jsonl", ".json", ".parquet")
DESCRIPTION_FILE = "corpus.toml"
#: The keys of ``corpus.toml``: what each means.  Every key is optional; :mod:`analysis.corpus.identity`
#: says what stands in for a missing one (never anything of the sample).
DESCRIPTION_KEYS = {
    "title": "the book's title (e.g. the paper's name)",
    "subtitle": "the book's subtitle (what kind of reading it is)",
    "name": "a short name of the corpus itself, as the chapters name it (default: the title)",
    "paper": "the paper's (or programme's) name",
    "place": "where the paper is published, or the level it speaks for",
    "period": "the span of the corpus, in words",
    "source": "where the text comes from",
    "licence": "the terms of the text (who holds the rights, what re-use is allowed)",
    "authors": "the book's authors: a list of names",
    "repository": "the public address (https://) of the repository holding this book",
    "branch": "the repository's branch the book is built from (default main)",
    "doi": "the book's DOI, e.g. 10.5281/zenodo.123",
    "year": "the year of this edition of the book (for the citation)",
    "intro": "the introduction's first paragraph: what the paper is",
    "footer": "the footer of every page",
    "publish_text": "what of the text the site publishes: full, excerpts (the default) or none",
    "publish_columns": "extra columns of an article table the site may publish (a list)",
}
#: ``corpus.toml`` keys that hold a list of strings (a single string is a list of one).
LIST_KEYS = ("authors", "publish_columns")
#: The publishing policies (``publish_text``): the whole text, concordance lines and quoted sentences only, no text.
PUBLISH_TEXT = ("full", "excerpts", "none")
DEFAULT_PUBLISH_TEXT = "excerpts"

#: Fact files a corpus folder may carry: name → file name.
FACT_FILES = {
    "leaders": "leaders.csv",
    "titles": "leader_titles.csv",
    "phrases": "leader_phrases.csv",
    "surnames": "leader_surnames.csv",
    "nonnames": "leader_nonnames.csv",
    "userdict": "userdict.csv",
    "stopwords": "stopwords.csv",
    "aliases": "aliases.csv",
    "boilerplate": "boilerplate.csv",
    "agencies": "agencies.csv",
    "glossary": "glossary.csv",
    "gold": "gold_mentions.csv",
    "annotation": "annotated_mentions.csv",
}
#: Facts that belong to one paper: a folder without them has none (no default).
NO_DEFAULT = frozenset({"glossary", "gold", "annotation"})


class Corpus:
    """One corpus: where its text is, which fact files it uses, its description and settings.

    ``Corpus(path)`` opens a corpus folder or a bare article table (no path:
    the sample); ``manifest``: a manifest CSV elsewhere than
    ``<folder>/manifest.csv`` (its folder is the corpus folder when ``path``
    is None); ``leaders``: a registry CSV (or DataFrame) used instead of the
    folder's; ``paper``: the paper's name where the text does not give it;
    ``settings``: time zone, date range, build folder (default:
    :func:`~analysis.settings.default_settings`).  Raises :class:`InputError`
    naming the path when it is neither a corpus folder nor an article table.

    Attributes: ``root``: the corpus folder (for a bare table file, the
    folder holding it); ``kind``: ``"pages"`` or ``"table"``; ``text``: the
    manifest (pages) or the article table; ``pages_dir``: where the page
    files are (pages only); ``description``: ``corpus.toml`` checked (strings; lists for ``authors`` and ``publish_columns``)
    (missing keys are ''); ``facts``: fact name → file used (``None``: the
    corpus has none); ``defaulted``: fact names that fell back to the
    project's defaults or to none; ``is_sample``: the embedded sample corpus
    (``data/``); ``settings``; ``registry_frame``: a registry given as a
    DataFrame instead of a file (tests, notebooks).

    Two objects opened on the same folder with the same settings are equal;
    derived objects (:meth:`memo`) stay with the object and are not pickled,
    so a worker process receives the paths and rebuilds what it needs.
    """

    def __init__(self, path: str | Path | None = None, *, manifest: str | Path | None = None, leaders=None,
                 paper: str = "", settings: Settings | None = None):
        self.settings = settings if settings is not None else default_settings()
        self._paper = paper
        self.bare_table = False  # opened from an article-table file, not from a corpus folder
        self.manifest_given = False  # the manifest was named (it may lie outside the corpus folder)
        self.registry_frame = None
        self._memo: dict = {}
        if manifest is not None:
            manifest = Path(manifest).expanduser()
            folder = Path(path).expanduser() if path is not None else manifest.parent
            if not manifest.is_file():
                raise InputError(manifest, "manifest file not found")
            pages = _pages_dir(folder) if (folder / "manifest.csv").is_file() else folder
            self._set(folder, "pages", manifest, pages)
            self.manifest_given = True
        else:
            self._open(Path(path).expanduser() if path is not None else DATA_DIR)
        if leaders is not None:
            self._use_registry(leaders)

    def _set(self, root: Path, kind: str, text: Path, pages_dir: Path | None, table: bool = False) -> None:
        self.root = Path(root)
        self.kind = kind
        self.text = Path(text)
        self.pages_dir = Path(pages_dir) if pages_dir is not None else None
        self.is_sample = _is_sample(self.root) and not table
        self.description = _description(self.root)
        self.facts, self.defaulted = _facts(self.root, _is_sample(self.root))

    def _open(self, path: Path) -> None:
        if not path.exists():
            raise InputError(path, "no such file or folder (give --corpus a corpus folder)")
        if path.is_file():
            if path.suffix.lower() not in TABLE_SUFFIXES:
                raise InputError(path, f"a corpus is a folder, or an article table ({', '.join(TABLE_SUFFIXES)})")
            self.bare_table = True
            return self._set(path.parent, "table", path, None, table=True)
        if (path / "manifest.csv").is_file():
            return self._set(path, "pages", path / "manifest.csv", _pages_dir(path))
        for name in TABLE_NAMES:
            if (path / name).is_file():
                return self._set(path, "table", path / name, None, table=True)
        raise InputError(path, "not a corpus folder: it holds neither manifest.csv (pages) nor an article table "
                               f"({', '.join(TABLE_NAMES)})")

    def _use_registry(self, leaders) -> None:
        self.facts = dict(self.facts)
        if hasattr(leaders, "to_csv"):
            self.registry_frame = leaders
        else:
            self.facts["leaders"] = Path(leaders)
        self.defaulted = tuple(f for f in self.defaulted if f != "leaders")

    @classmethod
    def open(cls, path: str | Path | None = None, **options) -> "Corpus":
        """``Corpus(path, **options)``: a corpus folder, a bare article table, or None (the sample)."""
        return cls(path, **options)

    @classmethod
    def sample(cls, settings: Settings | None = None) -> "Corpus":
        """The embedded sample corpus (``data/``): one object per settings, so what the stages derive
        from its facts (the segmenter …) is made once in a process, however often a default is asked for."""
        settings = settings if settings is not None else default_settings()
        found = _SAMPLES.get((cls, settings))
        if found is None:
            found = _SAMPLES[(cls, settings)] = cls(None, settings=settings)
        return found

    def _copy(self) -> "Corpus":
        new = copy.copy(self)
        new._memo = {}
        return new

    def with_registry(self, leaders) -> "Corpus":
        """The same corpus with another registry: a CSV path, or a DataFrame (as :func:`load_registry` gives)."""
        new = self._copy()
        new.registry_frame = None
        new._use_registry(leaders)
        return new

    def with_settings(self, settings: Settings) -> "Corpus":
        """The same corpus under other settings."""
        new = self._copy()
        new.settings = settings
        return new

    def with_paper(self, paper: str) -> "Corpus":
        """The same corpus with the paper's name given (for a text that does not give it)."""
        new = self._copy()
        new._paper = paper
        return new

    # ------------------------------------------------------------------ what it is

    def fact(self, name: str) -> Path | None:
        """The file used for fact ``name`` (see :data:`FACT_FILES`), or ``None``."""
        if name not in FACT_FILES:
            raise KeyError(f"unknown fact {name!r}; known: {', '.join(FACT_FILES)}")
        return self.facts.get(name)

    @property
    def paper(self) -> str:
        """The paper's name: ``paper=`` given to :meth:`open`, else ``corpus.toml``'s."""
        return self._paper or self.description.get("paper", "")

    @property
    def label(self) -> str:
        """A short human name: the description's name, else its title, else paper, else the folder name."""
        d = self.description
        return d.get("name") or d.get("title") or d.get("paper") or self.root.name

    @property
    def publish_text(self) -> str:
        """The publishing policy (``corpus.toml`` ``publish_text``; :data:`DEFAULT_PUBLISH_TEXT` when not
        given): ``full``, ``excerpts`` or ``none``."""
        return self.description.get("publish_text") or DEFAULT_PUBLISH_TEXT

    def fingerprint(self) -> str:
        """SHA-256 over the text and fact files' bytes (what a build depends on), 16 hex digits."""
        digest = hashlib.sha256(self.kind.encode())
        files = [self.text] + [p for _, p in sorted(self.facts.items()) if p is not None]
        if self.kind == "pages" and self.pages_dir is not None:
            files += sorted(p for p in self.pages_dir.iterdir() if p.is_file() and p.suffix == ".txt")
        for path in files:
            digest.update(str(path.name).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        if self.registry_frame is not None:
            digest.update(self.registry_frame.to_csv(index=False).encode("utf-8"))
        return digest.hexdigest()[:16]

    def fact_digest(self, name: str) -> str:
        """SHA-256 of fact ``name``'s bytes (``"none"`` when the corpus has none): for cache keys."""
        if name == "leaders" and self.registry_frame is not None:
            return hashlib.sha256(self.registry_frame.to_csv(index=False).encode("utf-8")).hexdigest()
        path = self.fact(name)
        if path is None:
            return "none"
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else f"missing:{path.name}"

    def inputs(self) -> list[tuple[str, Path, bool]]:
        """What this corpus reads, as ``(what, path, folder)``: a build's output may not be any of
        them or contain one, nor lie inside one whose ``folder`` is True.

        Folders: the corpus folder, the pages folder and the manifest's folder (a build writing
        into them would change the corpus it reads).  Files: the text (manifest or article table),
        ``corpus.toml`` and every fact file used (the defaults in ``data/`` and a ``--leaders``
        registry included).  A bare article table's folder (``--articles FILE``) is listed with
        ``folder`` False: its facts are read from it, but nothing there is listed by pattern, so a
        build may write into a folder of its own beside the table.
        """
        found: list[tuple[str, Path, bool]] = []
        if self.bare_table:
            found.append(("folder of the article table", self.root, False))
        else:
            found.append(("corpus folder", self.root, True))
        if self.pages_dir is not None:
            found.append(("corpus's pages folder", self.pages_dir, True))
        if self.kind == "pages":
            found.append(("folder of the manifest", self.text.parent, True))
        found.append(("corpus's manifest" if self.kind == "pages" else "article table", self.text, False))
        description = self.root / DESCRIPTION_FILE
        if description.is_file():
            found.append(("corpus's description", description, False))
        found += [(f"corpus's {name} file", Path(path), False) for name, path in sorted(self.facts.items())
                  if path is not None]
        out: list[tuple[str, Path, bool]] = []
        for what, path, folder in found:
            if all(path != other for _, other, _ in out):
                out.append((what, Path(path), folder))
        return out

    def cache_dir(self, name: str = "") -> Path:
        """``<build>/cache/<name>`` of this corpus's settings (created on demand)."""
        return self.settings.cache_dir(name)

    # ------------------------------------------------------------------ derived objects

    def memo(self, key: str, make: Callable[[], object], facts: tuple[str, ...] = ()):
        """``make()``, made once per object and kept while the fact files ``facts`` are unchanged.

        The stages keep here what they derive from the facts (the segmenter,
        the stopword set, the mention matcher), so a corpus held in a notebook
        sees an edited ``stopwords.csv`` without a restart, and two corpora
        never share one.
        """
        stamp = tuple(_stamp(self.fact(f)) for f in facts)
        found = self._memo.get(key)
        if found is not None and found[0] == stamp:
            return found[1]
        value = make()
        self._memo[key] = (stamp, value)
        return value

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_memo"] = {}  # derived objects (compiled automata, segmenters) are rebuilt where needed
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    def _identity(self) -> tuple:
        frame = None if self.registry_frame is None else self.fact_digest("leaders")
        return (self.root.resolve(), self.kind, self.text.resolve(), self._paper,
                tuple(sorted((k, str(v)) for k, v in self.facts.items())), self.settings, frame)

    def __eq__(self, other) -> bool:
        return isinstance(other, Corpus) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"Corpus({str(self.root)!r}, kind={self.kind!r}, paper={self.paper!r})"


_SAMPLES: dict = {}


def _stamp(path: Path | None) -> tuple:
    if path is None:
        return ()
    try:
        info = Path(path).stat()
    except OSError:
        return ("missing",)
    return (info.st_mtime_ns, info.st_size)


def _is_sample(folder: Path) -> bool:
    try:
        return folder.resolve() == DATA_DIR.resolve()
    except OSError:
        return False


def _description(folder: Path) -> dict:
    """``corpus.toml`` of ``folder``, checked: strings (lists for :data:`LIST_KEYS`), known keys only, a
    known ``publish_text``, an ``https://`` repository, a DOI and a year of the right shape.  A missing key is
    ``''`` (``[]`` for a list)."""
    path = folder / DESCRIPTION_FILE
    out = {key: ([] if key in LIST_KEYS else "") for key in DESCRIPTION_KEYS}
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
        if key not in DESCRIPTION_KEYS:
            raise InputError(path, f"unknown key {key!r}; the keys are {', '.join(DESCRIPTION_KEYS)}")
        if key in LIST_KEYS:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise InputError(path, f"{key!r} must be a list of strings, e.g. {key} = [\"…\", \"…\"]")
            out[key] = [v.strip() for v in values if v.strip()]
            continue
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise InputError(path, f"{key!r} must be a string")
        out[key] = str(value).strip()
    return _check_description(out, path)


def _check_description(out: dict, path: Path) -> dict:
    policy = out["publish_text"]
    if policy and policy not in PUBLISH_TEXT:
        raise InputError(path, f"publish_text {policy!r} is not one of {', '.join(PUBLISH_TEXT)}")
    if out["repository"] and not re.fullmatch(r"https?://[^\s<>\"'`]+", out["repository"]):
        raise InputError(path, f"repository {out['repository']!r} is not an http(s):// address")
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", out["doi"], flags=re.I)
    if doi and not re.fullmatch(r"10\.\d{4,9}/[^\s<>\"'`]+", doi):
        raise InputError(path, f"doi {out['doi']!r} is not a DOI (10.<registrant>/<suffix>)")
    out["doi"] = doi
    if out["year"] and not re.fullmatch(r"\d{4}", out["year"]):
        raise InputError(path, f"year {out['year']!r} is not a year (four digits)")
    if out["branch"] and not re.fullmatch(r"[A-Za-z0-9._/-]+", out["branch"]):
        raise InputError(path, f"branch {out['branch']!r} is not a branch name")
    return out


def _toml_line(message: str) -> int | None:
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
        default = DEFAULTS_DIR / file_name
        if name in NO_DEFAULT or not default.is_file():
            facts[name] = None
        else:
            facts[name] = default
        if not is_sample or facts[name] is None:
            defaulted.append(name)
    return facts, tuple(defaulted)


def check_not_input(out: str | Path, corpus: "Corpus", option: str = "--out", *, file: bool = False) -> None:
    """Refuse an output that is one of ``corpus``'s inputs, contains one, or (a folder) lies inside an
    input folder (:meth:`Corpus.inputs`), before anything is written: a build replaces its output
    folder as a whole, so ``build --corpus C --out C`` would replace the corpus with its tables.

    ``file``: the output is one file (a sample, a draft), which may lie in the corpus folder but may
    not be one of its input files.  Raises :class:`~analysis.io.OutputError` naming ``option``, the
    output and the input.  Paths are compared resolved (symlinks followed), as outputs are written
    at their targets.

    >>> check_not_input(DATA_DIR / "raw", Corpus())
    Traceback (most recent call last):
    ...
    analysis.io.OutputError: .../data/raw: --out is the corpus's pages folder; give a folder outside the corpus
    """
    import os

    target = Path(os.path.realpath(Path(out).expanduser()))
    kind = "file" if file else "folder"
    inputs = [(what, Path(os.path.realpath(path)), folder) for what, path, folder in corpus.inputs()]
    for what, real, _ in inputs:
        if target == real:
            raise OutputError(target, f"{option} is the {what}; give a {kind} outside the corpus")
    for what, real, _ in inputs:
        if real.is_relative_to(target):
            raise OutputError(target, f"{option} contains the {what} {real}, which would be replaced; "
                                      f"give a {kind} outside the corpus")
    for what, real, folder in sorted(inputs, key=lambda found: -len(found[1].parts)):  # the closest first
        if folder and not file and target.is_relative_to(real):
            raise OutputError(target, f"{option} lies inside the {what} {real}; give a folder outside the corpus")


def as_corpus(corpus=None, manifest=None, articles=None, *, paper: str = "", leaders=None,
              settings: Settings | None = None) -> Corpus:
    """``corpus`` if it is a :class:`Corpus`, else the corpus the arguments name.

    ``corpus``: a folder or a bare article table (None: the sample);
    ``manifest``: a manifest CSV elsewhere; ``articles``: an article table
    (instead of ``corpus``).  Lets every reader accept either a
    :class:`Corpus` or the paths a user types.

    >>> as_corpus().is_sample
    True
    """
    if isinstance(corpus, Corpus):
        out = corpus.with_paper(paper) if paper and not corpus._paper else corpus
        return out.with_registry(leaders) if leaders is not None else out
    if articles is not None:
        return Corpus(articles, paper=paper, leaders=leaders, settings=settings)
    if corpus is None and manifest is None and not paper and leaders is None and settings is None:
        return Corpus.sample()
    return Corpus(corpus, manifest=manifest, paper=paper, leaders=leaders, settings=settings)


def fact_file(name: str, source=None) -> Path | None:
    """The file of fact ``name``: ``source`` is a :class:`Corpus` (its fact file, or None when it has
    none), a path (that file), or None (the sample's: its own in ``data/``, else the default it uses).

    Every reader of a fact file takes such a ``source``, so the stages pass
    their corpus and a scholar may pass a file of their own.

    >>> fact_file("stopwords").name
    'stopwords.csv'
    """
    if name not in FACT_FILES:
        raise KeyError(f"unknown fact {name!r}; known: {', '.join(FACT_FILES)}")
    if isinstance(source, Corpus):
        return source.fact(name)
    if source is not None:
        return Path(source)
    return Corpus.sample().fact(name)
