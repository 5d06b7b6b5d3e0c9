"""Execute notebooks in place, top to bottom, as nbval will re-run them.

    python scripts/execute_notebooks.py book/01_corpus.ipynb [more.ipynb ...]
    python scripts/execute_notebooks.py          # every chapter in _toc.yml order, reproducibility last

Run from the project root with PYTHONHASHSEED=0 (scripts/setup.sh exports it),
so the stored outputs are exactly what `pytest --nbval` reproduces.
"""
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

if os.environ.get("PYTHONHASHSEED") != "0":
    sys.exit("set PYTHONHASHSEED=0 first (nbval runs with it)")
names = sys.argv[1:]
if not names:
    # In the order the table of contents lists them (the reproducibility page last).
    chapters = sorted(str(p) for p in Path("book").glob("[0-9][0-9]_*.ipynb"))
    names = chapters + ["book/reproducibility.ipynb"]
for name in names:
    path = Path(name)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, path)
    print(f"executed {path}")
