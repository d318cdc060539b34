"""scripts/gpu_check.sh on a machine without a GPU: says so, writes its JSON, exits 0 at once."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

PROJECT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(torch.cuda.is_available() or shutil.which("nvidia-smi") is not None,
                    reason="this machine has a GPU: the script would run the whole check")
def test_gpu_check_without_a_gpu(tmp_path):
    out = tmp_path / "gpu_check.json"
    proc = subprocess.run(
        ["bash", str(PROJECT / "scripts" / "gpu_check.sh")],
        env=dict(os.environ, GPU_CHECK_OUT=str(out)), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "no NVIDIA GPU" in proc.stdout
    result = json.loads(out.read_text())
    assert result["gpu"] is None and result["status"].startswith("skipped")
    assert result["seconds"] < 10
