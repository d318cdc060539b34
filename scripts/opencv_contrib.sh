#!/usr/bin/env bash
# Make a venv hold OpenCV's contrib build only (TV-L1 optical flow lives in cv2.optflow).
#
# Usage: scripts/opencv_contrib.sh PIP PYTHON VERSION   (run by `make setup` after `pip install`)
#
# opencv-python-headless and opencv-contrib-python-headless install the same cv2/ folder. A venv
# made before videoaug switched to the contrib build still has the plain package; `pip install`
# then adds the contrib one beside it, and uninstalling either one afterwards deletes the shared
# files and leaves an empty `cv2` module. So: remove the plain package, then reinstall the contrib
# build's files (--force-reinstall --no-deps), and check that cv2.optflow exists.
set -euo pipefail
PIP=$1
PY=$2
VERSION=$3
if "$PIP" show opencv-python-headless >/dev/null 2>&1; then
  echo "replacing opencv-python-headless by opencv-contrib-python-headless==$VERSION" >&2
  "$PIP" uninstall --quiet -y opencv-python-headless
  "$PIP" install --quiet --force-reinstall --no-deps "opencv-contrib-python-headless==$VERSION"
fi
"$PY" -c "import cv2, sys; cv2.optflow.DualTVL1OpticalFlow_create" || {
  echo "error: cv2 has no optflow module; run: $PIP install --force-reinstall --no-deps" \
       "opencv-contrib-python-headless==$VERSION" >&2
  exit 1
}
