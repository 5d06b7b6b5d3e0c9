#!/usr/bin/env bash
# Build the book: environment (scripts/setup.sh), derived tables in
# _build/data, the book's downloads, identity and configuration for the corpus
# (python -m analysis publish: _build/published, _build/book_inputs), then every
# notebook executed and the HTML written to _build/html, and the site finished
# and checked (python -m analysis.book.site: downloadable notebooks, every link
# resolves, no machine path). Any warning, broken reference, notebook error,
# broken link or machine path fails the build.
# ANALYSIS_CORPUS (optional) points everything at another corpus (a corpus folder);
# ANALYSIS_TABLES moves the derived tables, BOOK_OUT the book (default: _build/html).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

source scripts/env.sh
tables="${ANALYSIS_TABLES:-_build/data}"
out="${BOOK_OUT:-.}"

echo "book: derived tables -> $tables"
.venv/bin/python -m analysis build --out "$tables" --quiet
echo "book: downloads, identity and configuration -> _build/published, _build/book_inputs"
.venv/bin/python -m analysis publish --data "$tables" ${ANALYSIS_CORPUS:+--corpus "$ANALYSIS_CORPUS"}
echo "book: building $out/_build/html"
.venv/bin/jupyter-book build . --config _build/book_inputs/_config.yml --toc _build/book_inputs/_toc.yml \
    --path-output "$out" --all -W -n --keep-going
.venv/bin/python -m analysis.book.site --html "$out/_build/html" --executed "$out/_build/jupyter_execute/book" \
    --tables "$tables" ${ANALYSIS_CORPUS:+--corpus "$ANALYSIS_CORPUS"}
echo "book: open $out/_build/html/index.html"
