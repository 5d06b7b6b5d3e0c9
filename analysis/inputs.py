"""Everything a build's tables depend on, as one digest: is ``--out`` already up to date?

A build is a function of its input files (the corpus's text and fact files,
the defaults in ``data/`` it falls back to), of the package's code and the
pinned libraries, and of the few settings that change results (paper name,
registry override, date range, time zone: the corpus's settings).  :func:`input_digest` hashes all
of them — file bytes, not times, so a copied or re-checked-out corpus is
still recognised — and ``build.json`` records the digest.  When the digest is
unchanged and every file ``build.json`` lists is still there at its size,
``python -m analysis build`` has nothing to do and says so (``--force``
rebuilds anyway).  Worker count and scheduler are left out: the output does
not depend on them (tested).

Hashing reads every input once (about 1 GB/s; the 200,000-article table of
the benchmark in 0.3 s) and needs no parsing, so the check costs a fraction
of a second where a rebuild costs seconds to minutes.

>>> from analysis.corpus import Corpus
>>> digest, files = input_digest(Corpus.sample())
>>> len(digest), any(name.startswith("code:") for name in files)
(64, True)
"""
from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: Libraries whose version can change a table (segmentation, sorting, clustering, Parquet).
LIBRARIES = ("duckdb", "jieba", "numpy", "pandas", "pyarrow", "rjieba", "scikit-learn", "scipy")
PACKAGE = Path(__file__).resolve().parent


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _corpus_files(folder) -> list[tuple[str, Path]]:
    """(label, path) of the corpus's text files and every fact file it uses (defaults included)."""
    files: list[tuple[str, Path]] = [("text", Path(folder.text))]
    if folder.pages_dir is not None and Path(folder.pages_dir).is_dir():
        files += [(f"page:{p.relative_to(folder.pages_dir).as_posix()}", p)
                  for p in sorted(Path(folder.pages_dir).rglob("*")) if p.is_file()]
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
        try:
            parts[f"library:{name}"] = version(name)
        except PackageNotFoundError:
            parts[f"library:{name}"] = "absent"
    settings = corpus.settings
    parts["setting:timezone"] = settings.timezone
    parts["setting:date_range"] = "/".join(settings.date_range())
    parts["option:paper"] = corpus.paper
    parts["option:leaders"] = corpus.fact_digest("leaders")
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return digest, parts


def up_to_date(out: str | Path, digest: str, manifest_name: str = "build.json") -> bool:
    """True when ``out`` holds a complete build of inputs ``digest`` with every listed file intact (by size)."""
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
    try:
        return all((out / name).stat().st_size == info["bytes"] for name, info in listed.items())
    except (OSError, KeyError, TypeError):
        return False
