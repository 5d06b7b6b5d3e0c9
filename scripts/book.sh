#!/usr/bin/env bash
# Build the book: environment (scripts/setup.sh), derived tables in
# _build/data, the book's downloads, identity and configuration for the corpus
# (python -m analysis publish: _build/published, _build/book_inputs), then every
# notebook executed, on every core (python -m analysis.book.execute, into the execution
# cache the generated configuration names), and the HTML written to _build/html, and the site finished
# and checked (python -m analysis.book.site: downloadable notebooks, every link
# resolves, no machine path). Any warning, broken reference, notebook error,
# broken link or machine path fails the build.
# ANALYSIS_CORPUS (optional) points everything at another corpus (a corpus folder);
# ANALYSIS_TABLES moves the derived tables, BOOK_OUT the book (default: _build/html).
# ANALYSIS_COLLECTION (a folder with collection.toml) builds the comparison book of several papers
# instead (_toc_collection.yml; tables in ANALYSIS_COLLECTION_TABLES, default _build/collection/data).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

source scripts/env.sh
tables="${ANALYSIS_TABLES:-_build/data}"
out="${BOOK_OUT:-.}"

if [ -n "${ANALYSIS_COLLECTION:-}" ]; then
    # A collection (a folder with collection.toml): every paper, then the comparison tables, and the
    # comparison book (_toc_collection.yml). The single-paper book below is not touched.
    tables="${ANALYSIS_COLLECTION_TABLES:-_build/collection/data}"
    export ANALYSIS_COLLECTION_TABLES="$tables"
    echo "book: collection tables -> $tables"
    .venv/bin/python -m analysis build --out "$tables" --corpus "$ANALYSIS_COLLECTION" --quiet
    # The search dictionary and published files come from the first paper.
    first="$(.venv/bin/python -c 'import json, sys; print(json.load(open(sys.argv[1] + "/collection.json"))["papers"][0]["slug"])' "$tables")"
    # (its folder from the collection itself: build_info names no machine path)
    corpus="$(.venv/bin/python -c 'import sys; from analysis.collection.folder import Collection; print(Collection.from_folder(sys.argv[1]).corpora[0].root)' "$ANALYSIS_COLLECTION")"
    .venv/bin/python -m analysis.book.publish --data "$tables/$first" --corpus "$corpus"
    .venv/bin/jupyter-book build . --toc _toc_collection.yml --path-output "${BOOK_OUT:-.}" --all -W -n --keep-going
    echo "book: open ${BOOK_OUT:-.}/_build/html/index.html"
    exit 0
fi

echo "book: derived tables -> $tables"
.venv/bin/python -m analysis build --out "$tables" --quiet
echo "book: downloads, identity and configuration -> _build/published, _build/book_inputs"
.venv/bin/python -m analysis publish --data "$tables" ${ANALYSIS_CORPUS:+--corpus "$ANALYSIS_CORPUS"}
echo "book: executing the notebooks (in parallel) -> _build/book_inputs/execution_cache"
.venv/bin/python -m analysis.book.execute
echo "book: building $out/_build/html"
.venv/bin/jupyter-book build . --config _build/book_inputs/_config.yml --toc _build/book_inputs/_toc.yml \
    --path-output "$out" --all -W -n --keep-going
.venv/bin/python -m analysis.book.site --html "$out/_build/html" --executed _build/book_inputs/executed/book \
    --tables "$tables" ${ANALYSIS_CORPUS:+--corpus "$ANALYSIS_CORPUS"}
echo "book: open $out/_build/html/index.html"
