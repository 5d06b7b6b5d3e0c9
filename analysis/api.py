"""The package's public face: a corpus that builds and reads its own tables.

>>> import analysis
>>> corpus = analysis.Corpus()                      # the sample; analysis.Corpus("my_corpus/") for yours
>>> tables = corpus.tables(build_folder / "data")           # built first if missing or of other inputs
>>> tables.info["paper"], len(tables.load("articles"))
('丰台报', 9)

:meth:`Corpus.build` always writes (unless the folder is already up to
date); :meth:`Corpus.tables` builds only when the folder is missing or was
built from other inputs, then reads.  :func:`environment_corpus` and
:func:`notebook_tables` are the edges that read the environment
(``ANALYSIS_CORPUS``, ``ANALYSIS_TABLES`` and the :mod:`analysis.settings`
variables), for the command line and the book's notebooks.
"""
from __future__ import annotations

import os
from pathlib import Path

from .build import build, built_tables
from .collection.folder import Collection, CollectionTables, is_collection_folder
from .collection_build import build_collection
from .corpus import folder as _folder
from .settings import Settings
from .tables import Tables

#: The environment variables the book's notebooks read (at the edge, here only).
CORPUS_ENV = "ANALYSIS_CORPUS"
TABLES_ENV = "ANALYSIS_TABLES"
#: The collection the comparison chapter reads: a folder with collection.toml, and where it is built.
COLLECTION_ENV = "ANALYSIS_COLLECTION"
COLLECTION_TABLES_ENV = "ANALYSIS_COLLECTION_TABLES"
#: The generated collection the comparison chapter shows when no collection is named (seeded: its
#: numbers are the committed outputs): articles of its central paper.
DEFAULT_COLLECTION_ARTICLES = 500


class Corpus(_folder.Corpus):
    """A corpus (:class:`analysis.corpus.folder.Corpus`) that can build and read its tables."""

    def build(self, out: str | Path, *, workers: int | None = None, scheduler=None, force: bool = False,
              progress: bool = False):
        """Compute and write every table into ``out`` (see :func:`analysis.build.build`); return them."""
        return build(out, self, workers=workers, scheduler=scheduler, force=force, progress=progress)

    def tables(self, out: str | Path, *, workers: int | None = None, scheduler=None) -> Tables:
        """The tables of this corpus in ``out``, built first when ``out`` is missing or holds a build of
        other inputs (corpus, facts, code, settings).

        When another process is building ``out`` (two chapters started at once on stale tables), this
        waits for it and takes its tables if they are this corpus's, instead of failing on its lock."""
        return built_tables(out, self, workers=workers, scheduler=scheduler)


def environment_corpus(environ=None) -> Corpus:
    """The corpus the environment names: ``ANALYSIS_CORPUS`` (a folder or an article table; unset:
    the sample), with the settings of :meth:`analysis.settings.Settings.from_environment`."""
    environ = os.environ if environ is None else environ
    settings = Settings.from_environment(environ)
    path = str(environ.get(CORPUS_ENV, "")).strip()
    return Corpus(path or None, settings=settings)


def environment_tables_folder(environ=None) -> Path:
    """The tables folder the environment names: ``ANALYSIS_TABLES``, else ``<build>/data``."""
    environ = os.environ if environ is None else environ
    value = str(environ.get(TABLES_ENV, "")).strip()
    if value:
        return Path(value).expanduser()
    return Settings.from_environment(environ).build_path() / "data"


def notebook_tables(environ=None) -> Tables:
    """What a chapter of the book reads: the tables of the environment's corpus
    (:func:`environment_corpus`) in the environment's folder (:func:`environment_tables_folder`),
    built first if needed, so that every chapter also runs alone."""
    return environment_corpus(environ).tables(environment_tables_folder(environ))


def collection_from(paths, *, leaders=None, settings: Settings | None = None) -> Collection:
    """The collection of the corpus folders ``paths`` (one folder with a ``collection.toml``: the
    collection it describes); ``leaders``: one registry for every paper (else each paper's own)."""
    settings = settings if settings is not None else Settings.from_environment()
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if len(paths) == 1 and is_collection_folder(paths[0]):
        collection = Collection.from_folder(paths[0], settings=settings, corpus_class=Corpus)
    else:
        collection = Collection([Corpus(p, settings=settings) for p in paths])
    if leaders:
        collection = Collection([c.with_registry(leaders) for c in collection.corpora], collection.phrases,
                                collection.title, collection.root)
    return collection


def default_collection_folder(settings: Settings | None = None) -> Path:
    """The generated collection (:func:`analysis.synthetic.generate_collection`, seed 0) under
    ``<build>/collection/corpus``, written when missing."""
    from .synthetic import generate_collection

    settings = settings if settings is not None else Settings()
    folder = settings.build_folder() / "collection" / "corpus"
    if not is_collection_folder(folder):
        generate_collection(folder, DEFAULT_COLLECTION_ARTICLES, seed=0, force=True)
    return folder


def notebook_collection(environ=None) -> CollectionTables:
    """What the comparison chapter reads: the collection ``ANALYSIS_COLLECTION`` (a folder with
    ``collection.toml``; unset: the generated collection of :func:`default_collection_folder`) built in
    ``ANALYSIS_COLLECTION_TABLES`` (default ``<build>/collection/data``), built first if needed."""
    environ = os.environ if environ is None else environ
    settings = Settings.from_environment(environ)
    given = str(environ.get(COLLECTION_ENV, "")).strip()
    folder = Path(given).expanduser() if given else default_collection_folder(settings)
    out = str(environ.get(COLLECTION_TABLES_ENV, "")).strip()
    out = Path(out).expanduser() if out else settings.build_folder() / "collection" / "data"
    return build_collection(out, collection_from(folder, settings=settings))
