"""Run the Snakemake workflow in a scratch copy of the project (the real caches stay untouched)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(PROJECT / name, dest / name)
    shutil.copytree(PROJECT / "workflow", dest / "workflow")
    shutil.copytree(PROJECT / "envs", dest / "envs")
    shutil.copytree(
        PROJECT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    return dest


def snakemake(
    workdir: Path,
    *args: str,
    timeout: int = 900,
    check: bool = True,
    extra_config: str | None = None,
) -> subprocess.CompletedProcess:
    """Run snakemake on the ci preset (plus ``extra_config``, a YAML file in ``workdir``)."""
    env = dict(os.environ, VIDEOAUG_PROGRESS="0", OMP_NUM_THREADS="1")
    configs = ["workflow/presets/ci.yaml"] + ([extra_config] if extra_config else [])
    cmd = [SNAKEMAKE, "--configfile", *configs, *args]
    proc = subprocess.run(
        cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A project copy where the ci-preset default DAG has been built once."""
    workdir = copy_project(tmp_path_factory.mktemp("project"))
    snakemake(workdir, "--cores", "2")
    return workdir
