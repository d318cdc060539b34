#!/usr/bin/env bash
# Snakemake runs this inside the freshly built envs/segment.yaml environment (--sdm conda).
set -euo pipefail
"$(dirname "$0")/../scripts/install_mediapipe.sh" "$CONDA_PREFIX/bin/pip"
"$(dirname "$0")/../scripts/install_detectron2.sh" "$CONDA_PREFIX/bin/pip"
