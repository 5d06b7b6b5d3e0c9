"""Where the project keeps its inputs and its derived files.

Everything derived (caches, build outputs) lives under one build folder that
git ignores; deleting it is always safe.  The folder defaults to ``_build``
at the project root and can be moved with the ``ANALYSIS_BUILD_DIR``
environment variable (useful when the source tree is read-only).
"""
from __future__ import annotations

import os
from pathlib import Path

#: Root of the project (the folder holding ``_config.yml``).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Shipped data: raw pages, manifest, dictionaries, registries.
DATA_DIR = PROJECT_ROOT / "data"
#: The embedded sample corpus.
RAW_DIR = DATA_DIR / "raw"
SAMPLE_MANIFEST = DATA_DIR / "manifest.csv"


def build_dir() -> Path:
    """Return the build folder (created on demand)."""
    path = Path(os.environ.get("ANALYSIS_BUILD_DIR", PROJECT_ROOT / "_build"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(name: str = "") -> Path:
    """Return ``<build>/cache/<name>`` (created on demand).

    Caches are keyed by content, so a stale entry is never read; deleting the
    folder only costs recomputation.
    """
    path = build_dir() / "cache" / name if name else build_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
