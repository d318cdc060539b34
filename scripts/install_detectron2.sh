#!/usr/bin/env bash
# Installs detectron2 (Learn2Augment's paper segmenter, l2a.segmenter: detectron2) as pure Python on
# CPU. No detectron2 distribution on PyPI installs as it is on torch 2.14 / Python 3.11, so the sdist
# of pb1-detectron2 0.6 is downloaded, patched by scripts/patch_detectron2.py (no C++ extension, a
# _C stand-in, Pillow/numpy/pkg_resources fixes, model-zoo configs as package data) and installed
# --no-deps; its dependencies are pinned in pyproject's `detectron2` extra.
# Usage: scripts/install_detectron2.sh [PIP]   (default: .venv/bin/pip). Idempotent.
set -euo pipefail
PIP="${1:-.venv/bin/pip}"
PY="$(dirname "$PIP")/python"
HERE="$(cd "$(dirname "$0")" && pwd)"
VERSION=0.6
if "$PY" -c "import importlib.metadata as m, sys; sys.exit(m.version('pb1-detectron2') != '$VERSION')" 2>/dev/null; then
  echo "pb1-detectron2 $VERSION already installed"
else
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  # --no-build-isolation: the sdist's setup.py imports torch, which pip's isolated env lacks
  "$PIP" download --quiet --no-deps --no-binary :all: --no-build-isolation \
    "pb1-detectron2==$VERSION" -d "$WORK"
  tar xzf "$WORK/pb1-detectron2-$VERSION.tar.gz" -C "$WORK"
  "$PY" "$HERE/patch_detectron2.py" "$WORK/pb1-detectron2-$VERSION"
  "$PIP" install --quiet --no-deps --no-build-isolation "$WORK/pb1-detectron2-$VERSION"
fi
# Check: the model-zoo config of the paper's Mask R-CNN is installed and builds on CPU.
"$PY" -W ignore - <<'PYEOF'
from detectron2 import model_zoo
from detectron2.config import get_cfg
from detectron2.modeling import build_model

cfg = get_cfg()
cfg.merge_from_file(model_zoo.get_config_file("COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml"))
cfg.MODEL.DEVICE = "cpu"
model = build_model(cfg)
print("detectron2 OK:", type(model).__name__, sum(p.numel() for p in model.parameters()), "parameters")
PYEOF
