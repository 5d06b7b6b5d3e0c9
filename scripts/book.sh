#!/usr/bin/env bash
# Build the book: environment (scripts/setup.sh), derived tables in
# _build/data, then every notebook executed and the HTML written to
# _build/html. Any warning, broken reference or notebook error fails the build.
# ANALYSIS_CORPUS (optional) points everything at another corpus (a corpus folder);
# ANALYSIS_TABLES moves the derived tables, BOOK_OUT the book (default: _build/html).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

source scripts/env.sh

echo "book: derived tables -> _build/data"
.venv/bin/python -m analysis build --out "${ANALYSIS_TABLES:-_build/data}" --quiet
echo "book: building _build/html"
.venv/bin/python -m analysis.book.publish --data "${ANALYSIS_TABLES:-_build/data}" ${ANALYSIS_CORPUS:+--corpus "$ANALYSIS_CORPUS"}
.venv/bin/jupyter-book build . --path-output "${BOOK_OUT:-.}" --all -W -n --keep-going
echo "book: open ${BOOK_OUT:-.}/_build/html/index.html"
