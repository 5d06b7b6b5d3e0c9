"""The one source of numbers: the tables ``python -m analysis build`` wrote.

The book's notebooks never recompute what the build computed: they read its
tables, so the numbers in the chapters and the downloadable CSVs are the same
numbers.  The build folder defaults to ``_build/data`` (``ANALYSIS_TABLES``
moves it).  Its ``build_info`` table says which corpus the tables are of; when
it does not match the configured corpus (another ``ANALYSIS_CORPUS``, a
changed file) or the folder is missing, :func:`ensure_tables` builds it first,
so every chapter also runs alone.

>>> mentions = load_table("mentions")
>>> info = build_info()
>>> info["n_articles"] == len(load_table("articles"))
True
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .corpus.folder import CorpusFolder, open_corpus
from .paths import build_dir

TABLES_ENV = "ANALYSIS_TABLES"


def tables_dir() -> Path:
    """Folder of the built tables: ``$ANALYSIS_TABLES`` or ``<build>/data``."""
    value = os.environ.get(TABLES_ENV, "").strip()
    return Path(value).expanduser() if value else build_dir() / "data"


def build_info_table(folder: CorpusFolder, articles: pd.DataFrame) -> pd.DataFrame:
    """The one-row ``build_info`` table: which corpus, which facts, how many articles, which dates."""
    dates = articles["issue_date"][articles["issue_date"] != ""] if len(articles) else pd.Series(dtype=str)
    return pd.DataFrame([{
        "corpus": folder.label,
        "paper": folder.paper or (articles["paper"].iloc[0] if len(articles) else ""),
        "corpus_path": _portable(folder.root),
        "kind": folder.kind,
        "is_sample": bool(folder.is_sample),
        "fingerprint": folder.fingerprint(),
        "defaulted_facts": ";".join(folder.defaulted),
        "n_articles": int(len(articles)),
        "first_date": str(dates.min()) if len(dates) else "",
        "last_date": str(dates.max()) if len(dates) else "",
    }])


def _portable(path: Path) -> str:
    """A path relative to the project when inside it (``data``), so the table's bytes do not depend
    on where the repository was cloned; absolute otherwise."""
    from .paths import PROJECT_ROOT

    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def _current(folder: Path) -> bool:
    path = folder / "build_info.parquet"
    if not path.is_file():
        return False
    corpus = open_corpus()
    # Hashing a large corpus on every load_table call would cost seconds: remember the
    # answer while neither the stamp nor any corpus file has changed.
    key = (str(path.resolve()), path.stat().st_mtime_ns, corpus.root.resolve(), _corpus_stamp(corpus))
    if key not in _CHECKED:
        try:
            _CHECKED[key] = pd.read_parquet(path).iloc[0]["fingerprint"] == corpus.fingerprint()
        except Exception:  # an unreadable stamp means: rebuild
            _CHECKED[key] = False
    return _CHECKED[key]


_CHECKED: dict = {}


def _corpus_stamp(corpus: CorpusFolder) -> tuple:
    files = [corpus.text] + [p for _, p in sorted(corpus.facts.items()) if p is not None]
    if corpus.pages_dir is not None:
        files += sorted(corpus.pages_dir.glob("*.txt"))
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def ensure_tables(folder: str | Path | None = None) -> Path:
    """Return the tables folder, building it first if it is missing or of another corpus."""
    folder = Path(folder) if folder is not None else tables_dir()
    if not _current(folder):
        from .build import build

        build(folder, progress=False)
    return folder


def load_table(name: str, folder: str | Path | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Read the built table ``name`` (e.g. ``"articles"``, ``"mentions"``, ``"term_frequency"``).

    Raises ``FileNotFoundError`` naming the table and the folder when the
    build did not write it (topics are skipped on a corpus too small to cluster).
    """
    folder = ensure_tables(folder)
    path = folder / f"{name}.parquet"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.parquet"))
        raise FileNotFoundError(f"{folder}: no table {name!r} (the build wrote: {', '.join(known)})")
    return pd.read_parquet(path, columns=columns)


def has_table(name: str, folder: str | Path | None = None) -> bool:
    """Whether the build wrote table ``name`` (topics are skipped on a tiny corpus)."""
    return (ensure_tables(folder) / f"{name}.parquet").is_file()


def build_info(folder: str | Path | None = None) -> dict:
    """The ``build_info`` row as a dict (see :func:`build_info_table`)."""
    return load_table("build_info", folder).iloc[0].to_dict()
