#!/usr/bin/env bash
# What the test suite needs beyond Python packages: system Chromium for browser tests, the
# PostgreSQL 15 HTML manual (real documentation the knowledge-base tests ingest and query), and
# the code sandbox's bubblewrap (the sandbox tests need the real one).
set -euo pipefail
bash "$(dirname "$0")/sandbox-deps.sh"
if ! command -v chromium >/dev/null; then
  echo "[agent-platform] installing chromium for browser tests (apt-get)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi
if [ ! -d /usr/share/doc/postgresql-doc-15/html ]; then
  echo "[agent-platform] installing postgresql-doc-15 for knowledge-base tests (apt-get)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq postgresql-doc-15 >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq postgresql-doc-15 >/dev/null
  fi
fi
