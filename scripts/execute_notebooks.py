"""Execute notebooks in place, top to bottom, as nbval will re-run them.

    python scripts/execute_notebooks.py book/01_corpus.ipynb [more.ipynb ...]

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
for name in sys.argv[1:]:
    path = Path(name)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, path)
    print(f"executed {path}")
