"""Everything a build's tables depend on, as one digest: is ``--out`` already up to date?

A build is a function of its input files (the corpus's text and fact files,
the defaults in ``data/`` it falls back to), of the package's code and the
pinned libraries, and of the few settings that change results (paper name,
registry override, date range, time zone: the corpus's settings).  :func:`input_digest` hashes all
of them — file bytes, not times, so a copied or re-checked-out corpus is
still recognised — and ``build.json`` records the digest.  When the digest is
unchanged and every file ``build.json`` lists is intact (:func:`up_to_date`: its
size, and its file-system signature or else its checksum),
``python -m analysis build`` has nothing to do and says so (``--force``
rebuilds anyway).  Worker count and scheduler are left out: the output does
not depend on them (tested).

Hashing reads every input once (about 1 GB/s; the 200,000-article table of
the benchmark in 0.3 s) and needs no parsing, so the check costs a fraction
of a second where a rebuild costs seconds to minutes.

The outputs are verified without reading them (:func:`up_to_date`): their
size and file-system signature, with the SHA-256 only where the signature
differs.  Measured on the 48,000-article generated corpus (69 files,
215 MB, on a loaded two-core machine): the input digest 0.28 s, the outputs
by signature 0.012 s, against 0.80 s to hash them all (what a copied folder,
or a build.json of an earlier version, costs once per check).

>>> from analysis.corpus import Corpus
>>> digest, files = input_digest(Corpus.sample())
>>> len(digest), any(name.startswith("code:") for name in files)
(64, True)
"""
from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: Libraries whose version can change a table (segmentation, sorting, clustering, Parquet).
LIBRARIES = ("duckdb", "jieba", "numpy", "pandas", "pyarrow", "rjieba", "scikit-learn", "scipy")
PACKAGE = Path(__file__).resolve().parent


def library_version(distribution: str, module: str | None = None) -> str:
    """The installed version of ``distribution``, read from its metadata without importing it (importing
    jieba takes 0.5 s, scikit-learn 0.8 s); where it is not installed as a distribution, ``module``'s
    ``__version__`` (the same string), else ``"absent"``.

    >>> library_version("pandas") == __import__("pandas").__version__, library_version("no-such-library")
    (True, 'absent')
    """
    try:
        return version(distribution)
    except PackageNotFoundError:
        if module is None:
            return "absent"
        import importlib

        return importlib.import_module(module).__version__


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: What a page file may be called without being listed (the reader refuses unlisted ones).
PAGE_SUFFIXES = (".txt",)


def _listed_pages(manifest: Path) -> list[str]:
    """The ``file`` column of a manifest, read leniently (the build reads it strictly)."""
    import csv

    try:
        with open(manifest, encoding="utf-8-sig", newline="") as handle:
            return [row.get("file") or "" for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _corpus_files(folder) -> list[tuple[str, Path]]:
    """(label, path) of the corpus's text files and every fact file it uses (defaults included).

    The pages are what the reader reads: the files the manifest lists, and every ``.txt`` file of
    the pages folder (an unlisted one is an error the build reports).  Other files there (a draft
    registry, an annotation sample) are not inputs, so writing them leaves the build up to date.
    """
    files: list[tuple[str, Path]] = [("text", Path(folder.text))]
    if folder.pages_dir is not None and Path(folder.pages_dir).is_dir():
        pages_dir = Path(folder.pages_dir)
        names = {p.relative_to(pages_dir).as_posix() for p in pages_dir.rglob("*")
                 if p.suffix.lower() in PAGE_SUFFIXES and p.is_file()}
        if folder.kind == "pages":
            names |= {name for name in _listed_pages(Path(folder.text))
                      if name and not Path(name).is_absolute() and ".." not in Path(name).parts}
        files += [(f"page:{name}", pages_dir / name) for name in sorted(names)]
    description = Path(folder.root) / "corpus.toml"
    if description.is_file():
        files.append(("corpus.toml", description))
    files += [(f"fact:{name}", Path(path)) for name, path in sorted(folder.facts.items()) if path is not None]
    return files


def input_digest(corpus) -> tuple[str, dict[str, str]]:
    """``(digest, {label: sha256 or value})`` of everything a build of ``corpus``
    (:class:`analysis.corpus.folder.Corpus`: its files, facts, paper and settings) depends on."""
    parts: dict[str, str] = {}
    for label, path in _corpus_files(corpus):
        parts[label] = _sha256(path) if path.is_file() else "missing"
    for path in sorted(PACKAGE.rglob("*.py")):
        parts[f"code:{path.relative_to(PACKAGE).as_posix()}"] = _sha256(path)
    for name in LIBRARIES:
        parts[f"library:{name}"] = library_version(name)
    settings = corpus.settings
    parts["setting:timezone"] = settings.timezone
    parts["setting:date_range"] = "/".join(settings.date_range())
    parts["option:paper"] = corpus.paper
    parts["option:leaders"] = corpus.fact_digest("leaders")
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return digest, parts


def stat_signature(path: Path) -> list[int]:
    """What says a file is unchanged without reading it: modification and change times (ns) and inode.

    The change time cannot be set back by a program (``touch`` and ``os.utime`` set only the
    modification time), so a file edited in place, even to the same size and with its old
    modification time restored, no longer matches.
    """
    info = os.stat(path)
    return [info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


#: A file changed less than this before build.json was written may be changed again within the same
#: tick of the file system's clock (Linux stamps files from a clock that ticks every 1-10 ms) without its
#: signature changing: :func:`up_to_date` checks it by checksum.  Where the file system keeps only whole
#: milliseconds or seconds (FAT, HFS+, some network file systems), the window is :data:`COARSE_RACY_NS`.
RACY_NS = 20_000_000
COARSE_RACY_NS = 2_000_000_000


def signatures(paths: dict[str, Path], written_ns: int | None = None) -> dict[str, list[int]]:
    """``build.json``'s ``signatures``: the :func:`stat_signature` of each written file (by its name in
    ``build.json``), except those changed within :data:`RACY_NS` of ``written_ns`` (now), which
    :func:`up_to_date` checks by checksum."""
    import time

    now = time.time_ns() if written_ns is None else written_ns
    stats = {name: os.stat(path) for name, path in paths.items()}
    coarse = all(info.st_mtime_ns % 1_000_000 == 0 for info in stats.values())
    window = COARSE_RACY_NS if coarse else RACY_NS
    return {name: [info.st_mtime_ns, info.st_ctime_ns, info.st_ino] for name, info in stats.items()
            if max(info.st_mtime_ns, info.st_ctime_ns) < now - window}


def up_to_date(out: str | Path, digest: str, manifest_name: str = "build.json") -> bool:
    """True when ``out`` holds a complete build of inputs ``digest`` with every listed file intact.

    Intact: the size ``build.json`` records, and either the same :func:`stat_signature` as when it
    was written (nothing read: a no-op build stays fast) or, when that differs or was not recorded
    (a copied folder, a file written in the last moments of the build), the same SHA-256.  So a table
    edited in place is seen even when its size is unchanged.
    """
    out = Path(out)
    try:
        manifest = json.loads((out / manifest_name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or not manifest.get("complete") or manifest.get("inputs") != digest:
        return False
    listed = dict(manifest.get("files", {}))
    for folder, files in manifest.get("datasets", {}).items():
        listed.update({f"{folder}/{name}": info for name, info in files.items()})
    known = manifest.get("signatures", {})
    try:
        for name, info in listed.items():
            path = out / name
            if path.stat().st_size != info["bytes"]:
                return False
            if known.get(name) is not None and stat_signature(path) == list(known[name]):
                continue
            if _sha256(path) != info["sha256"]:
                return False
    except (OSError, KeyError, TypeError, AttributeError):
        return False
    return True
