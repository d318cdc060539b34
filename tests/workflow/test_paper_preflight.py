"""The paper preset without network: Snakemake stops before any job, in one line naming the weight
file and where to place it; with the file placed, the DAG builds."""

from __future__ import annotations

import os
import subprocess

from tests.workflow.conftest import SNAKEMAKE, copy_project, fake_ucf101
from videoaug.models.weight_preflight import OFFLINE_ENV, write_random_weights


def _paper_dry_run(workdir, env, target="results/ucf4_sps.json"):
    return subprocess.run(
        [SNAKEMAKE, "--cores", "1", "-n", target, "--configfile", "workflow/presets/paper.yaml"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=600)


def test_offline_paper_run_stops_naming_the_weight_file(tmp_path, tiny_video, monkeypatch):
    workdir = copy_project(tmp_path / "p")
    fake_ucf101(workdir / "data" / "UCF101", tiny_video)
    home = tmp_path / "torch"
    env = dict(os.environ, TORCH_HOME=str(home), VIDEOAUG_PROGRESS="0", **{OFFLINE_ENV: "1"})
    proc = _paper_dry_run(workdir, env)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    target = home / "hub" / "checkpoints" / "resnet50-0676ba61.pth"
    lines = [line for line in out.splitlines() if line.startswith("videoaug: sps.pretrained")]
    assert len(lines) == 1, out[-3000:]
    url = "https://download.pytorch.org/models/resnet50-0676ba61.pth"
    assert f"place {url} at {target}" in lines[0]
    assert "rule manifest" not in out  # stopped while building the DAG, before any job
    monkeypatch.setenv("TORCH_HOME", str(home))
    assert write_random_weights("resnet50", "imagenet") == target
    proc = _paper_dry_run(workdir, env)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "train_temporal" in proc.stdout
