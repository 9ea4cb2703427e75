#!/usr/bin/env bash
# The code sandbox's system tools: bubblewrap (namespaces), prlimit (util-linux) and libseccomp2.
# Without them code steps refuse to run; `make run` logs which one is missing.
set -euo pipefail
missing=()
command -v bwrap >/dev/null || [ -x /usr/bin/bwrap ] || missing+=(bubblewrap)
[ -x /usr/bin/prlimit ] || missing+=(util-linux)
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || missing+=(libseccomp2)
if [ ${#missing[@]} -gt 0 ]; then
  echo "[agent-platform] installing ${missing[*]} for the code sandbox (apt-get)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
