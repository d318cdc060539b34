#!/usr/bin/env bash
# Installs MediaPipe 0.10.21 (Learn2Augment's offline person segmenter, l2a.segmenter: mediapipe)
# into the environment of the given pip. Its wheel declares numpy<2 and protobuf<5, which are wrong
# for this project (numpy 2.4 and protobuf 6.33.6 work; protobuf 7 breaks it), so it goes in with
# --no-deps; the dependencies it really uses come from pyproject's `segment` extra.
# Usage: scripts/install_mediapipe.sh [PIP]   (default: .venv/bin/pip). Idempotent.
set -euo pipefail
PIP="${1:-.venv/bin/pip}"
PY="$(dirname "$PIP")/python"
VERSION=0.10.21
if "$PY" -c "import importlib.metadata as m, sys; sys.exit(m.version('mediapipe') != '$VERSION')" 2>/dev/null; then
  echo "mediapipe $VERSION already installed"
else
  "$PIP" install --quiet --no-deps "mediapipe==$VERSION"
fi
# Check that it imports and segments a frame with the installed numpy/protobuf.
"$PY" - <<'PYEOF'
import numpy as np
from mediapipe.python.solutions import selfie_segmentation

with selfie_segmentation.SelfieSegmentation(model_selection=0) as model:
    mask = model.process(np.zeros((48, 64, 3), np.uint8)).segmentation_mask
assert mask.shape == (48, 64), mask.shape
print("mediapipe OK: selfie segmentation", mask.shape, mask.dtype)
PYEOF
