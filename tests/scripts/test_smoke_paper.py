"""`make smoke-paper` end to end (hours on 2 cores): every rule of the paper preset's DAG runs on
the stand-ins, each job inside its declared memory, and the cost page lists every rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow.conftest import PROJECT

sys.path.insert(0, str(PROJECT / "scripts"))


@pytest.mark.slow
@pytest.mark.timeout(12 * 3600)
def test_smoke_paper_runs_every_rule(tmp_path):
    out = tmp_path / "paper_scale.md"
    proc = subprocess.run([sys.executable, str(PROJECT / "scripts" / "smoke_paper.py"),
                           "--workdir", str(tmp_path / "smoke"), "--out", str(out)],
                          capture_output=True, text=True, timeout=12 * 3600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = out.read_text()
    assert "- none: every rule of the paper DAG ran." in text
    assert "memory above mem_mb" not in text
    import paper_scale

    jobs = paper_scale.read_jobs(tmp_path / "smoke")
    assert jobs and all(j.bench for j in jobs if Path(j.log).parts[1] != "report")
