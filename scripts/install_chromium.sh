#!/usr/bin/env bash
# Installs Debian's headless-capable `chromium` for the report's browser test when it is missing
# (tests/report/test_report_browser.py; `make test` runs this first, like install_system_deps.sh).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "chromium not found: installing Debian's chromium package" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: chromium is missing and this user cannot install packages." >&2
    echo "Install it yourself (Debian/Ubuntu: apt-get install chromium), then rerun." >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: chromium is missing and apt-get is not available; install chromium with your" >&2
  echo "system's package manager, then rerun." >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
