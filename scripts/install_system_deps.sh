#!/usr/bin/env bash
# Installs the system programs videoaug needs (ffmpeg, ffprobe) when they are missing.
set -euo pipefail
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  exit 0
fi
echo "ffmpeg not found: installing Debian's ffmpeg package" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: ffmpeg is missing and this user cannot install packages." >&2
    echo "Install it yourself (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg;" >&2
    echo "conda: conda env create -f envs/core.yaml), then rerun." >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: ffmpeg is missing and apt-get is not available; install ffmpeg with your system's" >&2
  echo "package manager (or use envs/core.yaml with conda), then rerun." >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ffmpeg >/dev/null
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null
