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

from .build import build
from .corpus import folder as _folder
from .inputs import input_digest, up_to_date
from .settings import Settings
from .tables import MANIFEST, Tables

#: The environment variables the book's notebooks read (at the edge, here only).
CORPUS_ENV = "ANALYSIS_CORPUS"
TABLES_ENV = "ANALYSIS_TABLES"


class Corpus(_folder.Corpus):
    """A corpus (:class:`analysis.corpus.folder.Corpus`) that can build and read its tables."""

    def build(self, out: str | Path, *, workers: int | None = None, scheduler=None, force: bool = False,
              progress: bool = False):
        """Compute and write every table into ``out`` (see :func:`analysis.build.build`); return them."""
        return build(out, self, workers=workers, scheduler=scheduler, force=force, progress=progress)

    def tables(self, out: str | Path, *, workers: int | None = None, scheduler=None) -> Tables:
        """The tables of this corpus in ``out``, built first when ``out`` is missing or holds a build of
        other inputs (corpus, facts, code, settings)."""
        digest, _ = input_digest(self)
        if not up_to_date(out, digest, MANIFEST):
            build(out, self, workers=workers, scheduler=scheduler, force=True)
        return Tables(out, self.settings)


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
