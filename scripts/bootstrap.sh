#!/usr/bin/env bash
# Create .venv and install requirements.txt into it.
#
# pip only runs when requirements.txt differs from what was last installed:
# we keep a checksum in .venv/.requirements.sha256 rather than comparing
# mtimes, because a fresh checkout or a `git switch` touches the file without
# changing it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
STAMP="$VENV/.requirements.sha256"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "bootstrap: $PYTHON not found. Install it: apt-get install python3 python3-venv" >&2
    exit 1
fi

# A venv whose interpreter is gone (e.g. Python upgraded underneath it) is
# useless; rebuild it instead of failing later with a confusing error.
if [[ -d "$VENV" && ! -x "$VENV/bin/python" ]]; then
    echo "bootstrap: $VENV is broken, recreating it" >&2
    rm -rf "$VENV"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bootstrap: creating $VENV with $($PYTHON --version 2>&1)" >&2
    if ! "$PYTHON" -m venv "$VENV"; then
        rm -rf "$VENV"
        echo "bootstrap: '$PYTHON -m venv' failed. On Debian: apt-get install python3-venv" >&2
        exit 1
    fi
fi

want=$(sha256sum requirements.txt | cut -d' ' -f1)
have=$(cat "$STAMP" 2>/dev/null || true)
if [[ "$want" != "$have" ]]; then
    echo "bootstrap: installing requirements.txt into $VENV" >&2
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r requirements.txt
    # Written only after pip succeeded, so a failed install is retried next time.
    echo "$want" >"$STAMP"
fi
