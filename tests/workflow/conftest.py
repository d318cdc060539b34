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
    shutil.copytree(PROJECT / "profiles", dest / "profiles")
    shutil.copytree(PROJECT / "envs", dest / "envs")
    shutil.copytree(
        PROJECT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    return dest


def fake_ucf101(root: Path, video: Path, splits: tuple[int, ...] = (1,)) -> Path:
    """A UCF101 tree (5 classes x 3 copies of ``video``, classInd and split lists) at ``root``:
    enough for the readers and a dry run of the ucf4 DAG."""
    ann = root / "ucfTrainTestlist"
    ann.mkdir(parents=True)
    classes = ["ApplyEyeMakeup", "GolfSwing", "Shotput", "Skiing", "YoYo"]
    (ann / "classInd.txt").write_text("".join(f"{i + 1} {c}\n" for i, c in enumerate(classes)))
    train, test = [], []
    for cls in classes:
        (root / cls).mkdir()
        for g in range(1, 4):
            name = f"{cls}/v_{cls}_g{g:02d}_c01.avi"
            shutil.copy(video, root / name)
            (train if g > 1 else test).append(name)
    for k in splits:
        (ann / f"trainlist0{k}.txt").write_text(
            "".join(f"{n} {classes.index(n.split('/')[0]) + 1}\n" for n in train)
        )
        (ann / f"testlist0{k}.txt").write_text("".join(f"{n}\n" for n in test))
    return root


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
    if proc.returncode == 0:
        # a run that succeeds prints no traceback (e.g. an input function failing on a rule that
        # Snakemake then drops, which it prints in non-strict mode)
        for line in (proc.stdout + proc.stderr).splitlines():
            if "Traceback" in line or "InputFunctionException" in line:
                raise AssertionError(f"snakemake {' '.join(args)} succeeded but printed "
                                     f"{line!r}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A project copy where the ci-preset default DAG has been built once."""
    workdir = copy_project(tmp_path_factory.mktemp("project"))
    snakemake(workdir, "--cores", "2")
    return workdir
