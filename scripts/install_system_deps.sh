#!/usr/bin/env bash
# Installs the system programs videoaug needs (ffmpeg, ffprobe) when they are missing.
set -euo pipefail
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  exit 0
fi
source "$(dirname "$0")/apt_install.sh"
apt_install ffmpeg ffmpeg \
  "Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; conda: conda env create -f envs/core.yaml"
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null
