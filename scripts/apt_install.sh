#!/usr/bin/env bash
# Shared by install_system_deps.sh and install_chromium.sh: install one Debian package with
# apt-get (as root, or through sudo), or explain how to get it when this user cannot.
# Usage (sourced): apt_install PROGRAM PACKAGE "HOW TO INSTALL IT YOURSELF" [apt-get install options...]
apt_install() {
  local program="$1" package="$2" yourself="$3"
  shift 3
  echo "$program not found: installing Debian's $package package" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: $program is missing and this user cannot install packages." >&2
      echo "Install it yourself ($yourself), then rerun." >&2
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $program is missing and apt-get is not available; install $package with your" >&2
    echo "system's package manager ($yourself), then rerun." >&2
    return 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" "$package" >/dev/null
}
