"""Where the project keeps its shipped inputs.

Everything derived (caches, build outputs) lives under one build folder that
git ignores (:meth:`analysis.settings.Settings.build_folder`); deleting it is
always safe.
"""
from __future__ import annotations

from pathlib import Path

#: Root of the project (the folder holding ``_config.yml``).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Shipped data: the sample corpus folder (raw pages, manifest, its facts).
DATA_DIR = PROJECT_ROOT / "data"
#: The project's default facts, used by a corpus that does not bring its own (data/defaults/README.md).
DEFAULTS_DIR = DATA_DIR / "defaults"
#: The embedded sample corpus's pages.
RAW_DIR = DATA_DIR / "raw"
SAMPLE_MANIFEST = DATA_DIR / "manifest.csv"
