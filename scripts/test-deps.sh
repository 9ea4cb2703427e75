#!/usr/bin/env bash
# What the test suite needs beyond Python packages: system Chromium for browser tests.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  echo "[agent-platform] installing chromium for browser tests (apt-get)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi
