#!/usr/bin/env bash
# Create .venv and install everything pinned in pyproject.toml. Fails naming the missing piece.
set -euo pipefail
say() { echo "[agent-platform] $*"; }
PYTHON=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    PYTHON=$candidate; break
  fi
done
[ -n "$PYTHON" ] || { say "Python 3.11 is required (python3.11 not found)"; exit 1; }
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv || { say "python3 venv module missing: apt-get install python3-venv"; exit 1; }
fi
bash scripts/sandbox-deps.sh || say "could not install bubblewrap: code steps will be disabled"
say "installing pinned dependencies (progress below)"
.venv/bin/python -m pip install --progress-bar on --upgrade pip >/dev/null
.venv/bin/python -m pip install --progress-bar on -e ".[test]"
say "node for the frontend: $(.venv/bin/node --version 2>/dev/null || echo missing)"
