#!/usr/bin/env bash
# Build the book: environment (scripts/setup.sh), derived tables in
# _build/data, then every notebook executed and the HTML written to
# _build/html. Any warning, broken reference or notebook error fails the build.
# ANALYSIS_CORPUS (optional) points everything at another corpus (a corpus folder);
# ANALYSIS_TABLES moves the derived tables, BOOK_OUT the book (default: _build/html).
# ANALYSIS_COLLECTION (a folder with collection.toml) builds the comparison book of several papers
# instead (_toc_collection.yml; tables in ANALYSIS_COLLECTION_TABLES, default _build/collection/data).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

source scripts/env.sh

if [ -n "${ANALYSIS_COLLECTION:-}" ]; then
    # A collection (a folder with collection.toml): every paper, then the comparison tables, and the
    # comparison book (_toc_collection.yml). The single-paper book below is not touched.
    tables="${ANALYSIS_COLLECTION_TABLES:-_build/collection/data}"
    export ANALYSIS_COLLECTION_TABLES="$tables"
    echo "book: collection tables -> $tables"
    .venv/bin/python -m analysis build --out "$tables" --corpus "$ANALYSIS_COLLECTION" --quiet
    # The search dictionary and published files come from the first paper.
    first="$(.venv/bin/python -c 'import json, sys; print(json.load(open(sys.argv[1] + "/collection.json"))["papers"][0]["slug"])' "$tables")"
    corpus="$(.venv/bin/python -c 'import pandas, sys; print(pandas.read_parquet(sys.argv[1] + "/build_info.parquet")["corpus_path"].iloc[0])' "$tables/$first")"
    .venv/bin/python -m analysis.book.publish --data "$tables/$first" --corpus "$corpus"
    .venv/bin/jupyter-book build . --toc _toc_collection.yml --path-output "${BOOK_OUT:-.}" --all -W -n --keep-going
    echo "book: open ${BOOK_OUT:-.}/_build/html/index.html"
    exit 0
fi

echo "book: derived tables -> _build/data"
.venv/bin/python -m analysis build --out "${ANALYSIS_TABLES:-_build/data}" --quiet
echo "book: building _build/html"
.venv/bin/python -m analysis.book.publish --data "${ANALYSIS_TABLES:-_build/data}" ${ANALYSIS_CORPUS:+--corpus "$ANALYSIS_CORPUS"}
.venv/bin/jupyter-book build . --path-output "${BOOK_OUT:-.}" --all -W -n --keep-going
echo "book: open ${BOOK_OUT:-.}/_build/html/index.html"
