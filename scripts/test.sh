#!/usr/bin/env bash
# Everything CI checks: unit tests, the book build with -W, strict nbval on
# every notebook in book/, and the browser check of the built HTML.
# Installs Debian's chromium with apt-get when it is missing. Every step runs
# even when an earlier one fails, so one run reports everything; the exit
# status is non-zero if any step failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

source scripts/env.sh
# The committed notebook outputs describe the sample corpus.
unset ANALYSIS_CORPUS ANALYSIS_COLLECTION ANALYSIS_COLLECTION_TABLES

if ! command -v chromium >/dev/null 2>&1; then
    echo "test: installing chromium (Debian package)"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

start=$SECONDS
failed=()
step() {
    local name="$1"; shift
    echo; echo "=== test: $name ($((SECONDS - start)) s elapsed)"
    if "$@"; then echo "=== test: $name passed"; else failed+=("$name"); echo "=== test: $name FAILED"; fi
}

# The package's layers import only downward (pyproject.toml [tool.importlinter]).
step "layer contract" .venv/bin/lint-imports --config pyproject.toml
step "unit tests" env PYTHONPATH=tests .venv/bin/pytest tests --ignore=tests/test_browser.py \
    --ignore=tests/test_generated_book.py --ignore=tests/test_site_links.py --ignore=tests/test_payload_book.py \
    --ignore=tests/test_collection_book.py -q
# The package's docstring examples are its documentation: they must run and print what they say.
step "docstring examples" .venv/bin/pytest --doctest-modules analysis -q
step "book build" bash scripts/book.sh
# nbval_store_history (tests/): run cells as Jupyter does, so a trailing ";" silences them.
step "strict nbval" env PYTHONPATH=tests .venv/bin/pytest -p nbval_store_history --nbval \
    --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg book -q
step "browser check" .venv/bin/pytest tests/test_browser.py -q -rA
# The same book on a second corpus: the generated multi-year 长河报 (analysis.synthetic).
gen_book() {
    rm -rf _build/gen
    .venv/bin/python -m analysis synthetic --out _build/gen/corpus --articles 2000 >/dev/null
    ANALYSIS_CORPUS="$PWD/_build/gen/corpus" ANALYSIS_TABLES="$PWD/_build/gen/data" BOOK_OUT="$PWD/_build/gen" \
        bash scripts/book.sh
}
step "book on the generated corpus" gen_book
step "generated corpus book check" env PYTHONPATH=tests .venv/bin/pytest tests/test_generated_book.py -q -rA
# The book on a corpus of payloads (tests/payloads.py: markup, scripts, maths, file names, formulas in every
# value): built with -W, then opened in Chromium: nothing runs, nothing outside the corpus is read, all is text.
step "payload book (escaping, in Chromium)" env PYTHONPATH=tests .venv/bin/pytest tests/test_payload_book.py -q -rA
# Every href and src of both built sites resolves (analysis.book.site.broken_links); no machine path in them.
step "link check of both sites" env PYTHONPATH=tests .venv/bin/pytest tests/test_site_links.py -q -rA
# The comparison book of a generated collection (three papers, planted reprints and diffusion).
collection_book() {
    rm -rf _build/colbook
    .venv/bin/python -m analysis synthetic --collection --out _build/colbook/corpus --articles 400 >/dev/null
    ANALYSIS_COLLECTION="$PWD/_build/colbook/corpus" ANALYSIS_COLLECTION_TABLES="$PWD/_build/colbook/data" \
        BOOK_OUT="$PWD/_build/colbook" bash scripts/book.sh
}
step "collection book on the generated papers" collection_book
step "collection book check" .venv/bin/pytest tests/test_collection_book.py -q -rA

echo
if [ ${#failed[@]} -gt 0 ]; then
    echo "=== test: FAILED after $((SECONDS - start)) s: ${failed[*]}"
    exit 1
fi
echo "=== test: all passed in $((SECONDS - start)) s; screenshot in _build/screenshots/"
