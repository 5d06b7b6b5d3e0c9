"""Print what each figure of the committed notebooks shows: its digest, as strict nbval compares it.

    python scripts/figure_digests.py                     # every notebook in book/
    python scripts/figure_digests.py book/02_term_frequency.ipynb

A glued figure's text form is its digest (analysis.figures.digest: labels,
categories, the numbers behind every mark); nbval compares it, not the PNG.
For a reviewer: ``git diff`` shows a changed digest as one long JSON line;
this prints it readably, one figure after another, e.g. to diff two commits:

    git show HEAD~1:book/01_corpus.ipynb > /tmp/old.ipynb
    diff <(python scripts/figure_digests.py /tmp/old.ipynb) <(python scripts/figure_digests.py book/01_corpus.ipynb)
"""
import json
import signal
import sys
from pathlib import Path

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head or less

RECORD = "application/papermill.record/"

names = sys.argv[1:] or sorted(str(p) for p in Path("book").glob("*.ipynb"))
for name in names:
    notebook = json.loads(Path(name).read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RECORD + "image/png" not in data:
                continue
            glued = output.get("metadata", {}).get("scrapbook", {}).get("name", "?")
            text = data.get(RECORD + "text/plain", "")
            print(f"== {name} cell {number}: {glued}")
            print("".join(text) if isinstance(text, list) else text)
            print()
