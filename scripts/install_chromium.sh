#!/usr/bin/env bash
# Installs Debian's headless-capable `chromium` for the report's browser test when it is missing
# (tests/report/test_report_browser.py; `make test` runs this first, like install_system_deps.sh).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
source "$(dirname "$0")/apt_install.sh"
apt_install chromium chromium "Debian/Ubuntu: apt-get install chromium" --no-install-recommends
command -v chromium >/dev/null
