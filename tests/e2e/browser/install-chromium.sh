#!/usr/bin/env bash
# Install Debian's chromium for the browser test (tests/e2e/test_browser.py), once: nothing is
# done when it is there already. `make test` runs this before the tests; it needs root (as in CI)
# or sudo, and Debian's package archive.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo --non-interactive "$0" "$@"
  fi
  echo "install-chromium: not root and no sudo; the browser test will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium
