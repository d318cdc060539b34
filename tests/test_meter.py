"""The work meter: units, samples, CPU and memory of a job's phases, and the CLI's log line."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from videoaug import meter


@pytest.fixture(autouse=True)
def _clean():
    meter.reset()
    yield
    meter.reset()


def test_counted_adds_units_samples_and_time():
    batches = [np.zeros(3), np.zeros(2)]
    seen = [len(b) for b in meter.counted(batches, "train_step", "step", samples=len)]
    assert seen == [3, 2]
    with meter.phase("iteration", units=4, unit="iteration", samples=8):
        time.sleep(0.05)
    got = meter.phases()
    assert got["train_step"]["units"] == 2 and got["train_step"]["samples"] == 5
    assert got["iteration"]["units"] == 4 and got["iteration"]["samples"] == 8
    assert got["iteration"]["seconds"] >= 0.05
    assert got["iteration"]["cpu_seconds"] < got["iteration"]["seconds"]  # sleeping costs no CPU
    assert 0 < got["iteration"]["rss_start_mb"] <= got["iteration"]["peak_rss_mb"]


def test_memory_grows_between_start_and_peak():
    with meter.phase("alloc", unit="step"):
        block = np.ones(64 * 2**20 // 8)  # 64 MB, touched
        assert block.sum() > 0
    entry = meter.phases()["alloc"]
    assert entry["peak_rss_mb"] - entry["rss_start_mb"] >= 50


def test_a_phase_keeps_its_unit():
    meter.add("x", 1, 0.1, 0.1, "video")
    with pytest.raises(ValueError, match="counts video, not step"):
        meter.add("x", 1, 0.1, 0.1, "step")


def test_cli_writes_one_work_line(tmp_path):
    log = tmp_path / "job.log"
    root = tmp_path / "UCF101"
    subprocess.run([sys.executable, "-m", "videoaug.cli", "--log", str(log),
                    "standin", "--kind", "ucf101", "--root", str(root),
                    "--classes", "Punch", "--seconds", "0.2"], check=True, timeout=300)
    lines = [ln for ln in log.read_text().splitlines() if meter.WORK_PREFIX in ln]
    assert len(lines) == 1
    record = json.loads(lines[0].split(meter.WORK_PREFIX, 1)[1])
    assert record["command"] == "standin"
    assert record["cpu_seconds"] > 0 and record["peak_rss_mb"] > 0
