#!/usr/bin/env bash
# Shared setup for scripts/book.sh and scripts/test.sh (also usable alone):
# a virtualenv in .venv with the pinned packages of requirements.txt and this
# package installed editable, plus warm caches so that notebooks print nothing
# on stderr. Idempotent: when the stamp file holds the checksum of
# requirements.txt and pyproject.toml, pip is not run at all.
#
# Environment: PYTHON (default python3, must be 3.11.5 or a later 3.11: some pins, e.g. soupsieve 4.1.2,
# need 3.11.5, and Debian 12's own python3 is 3.11.2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
source scripts/env.sh
export PIP_DISABLE_PIP_VERSION_CHECK=1
mkdir -p "$MPLCONFIGDIR"

if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(not (3, 11, 5) <= sys.version_info[:3] < (3, 12))' 2>/dev/null; then
        echo "setup: $PYTHON is $("$PYTHON" --version 2>&1), not Python 3.11.5 or a later 3.11 (requirements.txt is" \
             "pinned for it; Debian 12's python3 is 3.11.2); set PYTHON=/path/to/python3.11" >&2
        exit 1
    fi
    echo "setup: creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi

stamp=.venv/.setup-stamp
want="$(cat requirements.txt pyproject.toml | .venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
have="$(cat "$stamp" 2>/dev/null || true)"
# The editable install must point at this checkout (a moved or re-cloned tree needs it again).
here="$(.venv/bin/python -c 'import analysis, pathlib; print(pathlib.Path(analysis.__file__).resolve().parent.parent)' 2>/dev/null || true)"
if [ "$want" != "$have" ] || [ "$here" != "$(pwd -P)" ]; then
    echo "setup: installing requirements.txt into .venv"
    .venv/bin/python -m pip install --quiet -r requirements.txt
    .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . \
        || .venv/bin/python -m pip install --quiet --no-deps -e .
    echo "$want" > "$stamp"
fi

# matplotlib builds its font cache on first import and says so on stderr,
# which strict nbval would compare: build it now, with the CJK font registered.
.venv/bin/python -c 'from analysis.figures.style import use_cjk_font; use_cjk_font(); import matplotlib.pyplot'
echo "setup: .venv ready ($(.venv/bin/python --version))"
