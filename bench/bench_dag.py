"""The whole default DAG (results/synth4_sps.json) from an empty cache in a scratch copy of the
project, and the no-op rerun beside it. Goal: <= 600 s on 2 cores."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def _snakemake(workdir: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [SNAKEMAKE, "--cores", "2", *args],
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def run() -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in ("Snakefile", "config.yaml"):
            shutil.copy(ROOT / name, work / name)
        shutil.copytree(ROOT / "workflow", work / "workflow")
        shutil.copytree(ROOT / "envs", work / "envs")  # rules name their conda env file
        shutil.copytree(ROOT / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__"))
        cold = _snakemake(work, "results/synth4_sps.json")
        noop = _snakemake(work, "results/synth4_sps.json")
        stages = {}
        for tsv in (work / "benchmarks").rglob("*.tsv"):
            stage = (
                tsv.relative_to(work / "benchmarks").parts[1] if len(tsv.parts) > 2 else tsv.stem
            )
            seconds = float(tsv.read_text().splitlines()[1].split("\t")[0])
            stages[stage] = round(stages.get(stage, 0.0) + seconds, 1)
    return {
        "synth4_sps_wall_s": row(
            cold, "<= 600", cold <= 600, noop_rerun_s=round(noop, 2), job_seconds_by_rule=stages
        ),
    }


if __name__ == "__main__":
    for name, result in run().items():
        print(name, result)
