#!/usr/bin/env bash
# Start, check or stop a throw-away single-node SLURM on this machine (root; Debian's packages are
# installed when missing), e.g. to try the SLURM profile by hand:
#   scripts/slurm_local.sh start          # state, logs and pid files under /tmp/videoaug-slurm
#   VIDEOAUG_SLURM_PARTITION=videoaug .venv/bin/snakemake --workflow-profile workflow/profiles/slurm \
#       --slurm-status-command squeue --slurm-init-seconds-before-status-checks 2 --slurm-no-account
#   scripts/slurm_local.sh stop
# Extra arguments go to tests/workflow/slurm_cluster.py (--state-dir DIR, --partition NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
exec "$PY" tests/workflow/slurm_cluster.py "$@"
