"""Fault tests of the workflow: what a user sees in Snakemake's own output when something is
wrong, and results that do not depend on how many cores Snakemake grants."""

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import uuid

import numpy as np
import pytest

from tests.workflow.conftest import SNAKEMAKE, copy_project, snakemake


def _kitchen(workdir, tiny_video, layout=None, extra_yaml=""):
    """A folder dataset `kitchen` under workdir/kitchen and a config file that selects it."""
    root = workdir / "kitchen"
    for cls, count in (layout or {"Cut": 3, "Stir": 3}).items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            shutil.copy(tiny_video, root / cls / f"{cls}_{i}.mp4")
    (workdir / "kitchen.yaml").write_text(
        "datasets:\n"
        "  kitchen:\n"
        "    kind: folder\n"
        f"    root: {root}\n"
        "    test_fraction: 0.34\n"
        f"{extra_yaml}"
    )
    return root


def _output(proc):
    return proc.stdout + proc.stderr


def test_metrics_do_not_depend_on_the_cores_snakemake_grants(built_project, tmp_path):
    # resources.train_temporal.threads is 2: with --cores 1 Snakemake shrinks {threads} to 1, but
    # torch must still use 2 threads, so both runs compute the same sums in the same order.
    target = "results/synth4_ssdi.json"
    one_core = copy_project(tmp_path / "one")
    snakemake(one_core, "--cores", "1", target)
    snakemake(built_project, "--cores", "2", target)
    a = json.loads((one_core / target).read_text())
    b = json.loads((built_project / target).read_text())
    assert a["compute"]["torch_threads"] == b["compute"]["torch_threads"] == 2
    assert a["metrics"] == b["metrics"]
    untimed = [
        [{k: v for k, v in epoch.items() if k != "seconds"} for epoch in result["history"]]
        for result in (a, b)
    ]
    assert untimed[0] == untimed[1]
    scores_a = np.load(one_core / "results/scores/synth4_ssdi.npz")
    scores_b = np.load(built_project / "results/scores/synth4_ssdi.npz")
    for key in scores_a.files:
        np.testing.assert_array_equal(scores_a[key], scores_b[key])
    # the same data in another folder: the same manifest hash in the result
    manifest_key = "cache/synth4/manifest.json"
    assert a["inputs"][manifest_key] == b["inputs"][manifest_key]


def test_a_corrupt_video_is_named_once_in_snakemake_output(tmp_path, tiny_video):
    workdir = copy_project(tmp_path / "p")
    root = _kitchen(workdir, tiny_video)
    (root / "Cut" / "empty.avi").write_bytes(b"")
    proc = snakemake(
        workdir, "--cores", "2", "cache/kitchen/frames/index.json",
        extra_config="kitchen.yaml", check=False,
    )
    out = _output(proc)
    assert proc.returncode != 0
    assert out.count("cannot decode") == 1, out
    assert f"{root}/Cut/empty.avi: file is empty (0 bytes)" in out
    assert "on_bad_video: skip" in out  # the fix
    assert "Traceback" not in out


def test_skipped_videos_warn_once_each_plus_a_count(tmp_path, tiny_video):
    workdir = copy_project(tmp_path / "p")
    root = _kitchen(workdir, tiny_video, extra_yaml="    on_bad_video: skip\n")
    (root / "Cut" / "empty.avi").write_bytes(b"")
    (root / "Stir" / "notes.avi").write_text("this is no video\n")
    proc = snakemake(
        workdir, "--cores", "2", "cache/kitchen/frames/index.json", extra_config="kitchen.yaml"
    )
    out = _output(proc)
    assert out.count("skipping ") == 2, out
    assert out.count(f"skipping {root}/Cut/empty.avi") == 1
    assert out.count(f"skipping {root}/Stir/notes.avi") == 1
    assert "2 video(s) could not be decoded and were left out" in out
    index = json.loads((workdir / "cache/kitchen/frames/index.json").read_text())
    assert sorted(item["id"] for item in index["skipped"]) == ["Cut/empty", "Stir/notes"]


def test_dataset_problems_stop_the_dry_run_before_any_job(tmp_path, tiny_video):
    workdir = copy_project(tmp_path / "p")
    _kitchen(workdir, tiny_video, layout={"Cut": 4})
    proc = snakemake(
        workdir, "--cores", "1", "-n", "results/kitchen_sps.json",
        extra_config="kitchen.yaml", check=False,
    )
    out = _output(proc)
    assert proc.returncode != 0
    assert "dataset 'kitchen' has 1 class(es) (Cut)" in out and "at least 2" in out
    assert "Traceback" not in out and "InputFunctionException" not in out
    # a missing root: found while the DAG is built, for early and late targets alike
    for target in ("cache/ucf4/frames/index.json", "results/ucf4_sps.json"):
        proc = snakemake(workdir, "--cores", "1", "-n", target, check=False)
        out = _output(proc)
        assert proc.returncode != 0
        assert out.count("datasets.ucf4.root") == 1 and "UCF101" in out, out
        assert "Traceback" not in out


def test_empty_and_symlinked_class_folders_are_said_once(tmp_path, tiny_video):
    workdir = copy_project(tmp_path / "p")
    root = _kitchen(workdir, tiny_video)
    (root / "Empty").mkdir()
    other = tmp_path / "elsewhere"
    _kitchen(other, tiny_video, layout={"Pour": 3})
    (root / "Pour").symlink_to(other / "kitchen" / "Pour")
    proc = snakemake(
        workdir, "--cores", "1", "-n", "results/kitchen_sps.json", extra_config="kitchen.yaml"
    )
    out = _output(proc)
    assert out.count("Empty holds no videos") == 1, out
    assert out.count("Pour is a symbolic link") == 1
    assert "train_wgan" in out  # the run is planned: notices do not stop it


def test_nested_numbers_from_the_command_line(tmp_path):
    workdir = copy_project(tmp_path / "p")
    proc = snakemake(
        workdir, "--cores", "1", "-n", "results/synth4_ssdi.json",
        "--config", 'train={"epochs": 5, "lr": "1e-3"}',
    )
    assert "train_temporal" in proc.stdout


@pytest.fixture
def small_disk(tmp_path):
    """A 12 MB tmpfs (root only); unmounted afterwards."""
    mount_point = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount_point)],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); "
                    "tests/io/test_store.py covers the same path with a simulated disk")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_is_an_error_not_a_crash(tmp_path, tiny_video, small_disk):
    workdir = copy_project(tmp_path / "p")
    _kitchen(workdir, tiny_video, layout={"Cut": 3, "Stir": 3})
    with open(workdir / "kitchen.yaml", "a") as fh:
        fh.write(f"cache_dir: {small_disk}\nframes:\n  short_side: null\n")
    filler = small_disk / "filler.bin"
    filler.write_bytes(b"\0" * (5 << 20))  # leaves ~7 MB: below the 8 MB kept free
    proc = snakemake(
        workdir, "--cores", "1", f"{small_disk}/kitchen/frames/index.json",
        extra_config="kitchen.yaml", check=False,
    )
    out = _output(proc)
    assert proc.returncode != 0
    assert "no space left on device while writing" in out and "cache_dir" in out, out
    assert "Segmentation fault" not in out and "Traceback" not in out
    assert not list(small_disk.rglob("*.tmp"))
    filler.unlink()  # space freed: the rerun completes
    snakemake(workdir, "--cores", "1", f"{small_disk}/kitchen/frames/index.json",
              extra_config="kitchen.yaml")
    index = json.loads((small_disk / "kitchen/frames/index.json").read_text())
    assert index["videos"] == 6


def _wait_for(condition, what, timeout=300.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_run_completes_with_a_plain_rerun(tmp_path, tiny_video):
    # Snakemake is killed (kill -9, a power loss of the head process) while its first job runs;
    # the job itself finishes and writes its output, which Snakemake never marks complete.
    workdir = copy_project(tmp_path / "p")
    _kitchen(workdir, tiny_video)
    target = "cache/kitchen/frames/index.json"
    env = dict(os.environ, VIDEOAUG_PROGRESS="0", OMP_NUM_THREADS="1")
    first = subprocess.Popen(
        [SNAKEMAKE, "--configfile", "workflow/presets/ci.yaml", "kitchen.yaml", "--cores", "1",
         target],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    marks = workdir / ".snakemake" / "incomplete"
    _wait_for(lambda: marks.is_dir() and any(marks.iterdir()), "the first job to start")
    os.kill(first.pid, signal.SIGKILL)  # Snakemake only: its running job goes on
    first.wait()
    _wait_for(lambda: not _group_alive(first.pid), "the orphaned job to end")
    # Snakemake names each incomplete mark by the base64 of the output it stands for
    unfinished = [base64.b64decode(mark.name).decode() for mark in marks.iterdir()]
    assert unfinished and all((workdir / path).exists() for path in unfinished), unfinished
    snakemake(workdir, "--unlock")  # the lock outlives kill -9 (docs/troubleshooting.md)
    # without the default profile Snakemake refuses: the case the profile exists for
    refused = snakemake(workdir, "--cores", "1", "--workflow-profile", "none", target,
                        extra_config="kitchen.yaml", check=False)
    assert refused.returncode != 0 and "IncompleteFilesException" in _output(refused)
    rerun = snakemake(workdir, "--cores", "1", target, extra_config="kitchen.yaml")
    assert "Using workflow specific profile profiles/default" in rerun.stderr
    index = json.loads((workdir / target).read_text())
    assert index["videos"] == 6


@pytest.mark.parametrize(
    ("l2a_yaml", "target", "expected"),
    [
        ("l2a: {segmenter: oracle}\n", "cache/kitchen/masks/index.json",
         ["l2a.segmenter = 'oracle'", "'kitchen' is of kind 'folder'"]),
        ("l2a: {segmenter: torchvision}\n", "cache/kitchen/masks/index.json",
         ["l2a.torchvision.weights is null", "'coco'"]),
        ("l2a: {segmenter_by_dataset: {kitchen: mediapipe+motion}}\n", "results/kitchen_l2a.json",
         ["Selector's validation split", "Stir (1)"]),
    ],
    ids=["oracle-on-a-folder", "torchvision-without-weights", "one-video-class-for-the-selector"],
)
def test_config_mistakes_stop_at_dag_build_before_any_output(tmp_path, tiny_video, l2a_yaml,
                                                             target, expected):
    workdir = copy_project(tmp_path / "p")
    # Stir: 2 videos, one of them to test (test_fraction 0.34): one training video
    _kitchen(workdir, tiny_video, layout={"Cut": 3, "Stir": 2}, extra_yaml=l2a_yaml)
    previous = workdir / "cache/kitchen/masks/0.h5"  # a previous run's output
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"masks of the previous run")
    proc = snakemake(workdir, "--cores", "1", target, extra_config="kitchen.yaml", check=False)
    out = _output(proc)
    assert proc.returncode != 0
    for text in expected:
        assert out.count(text) == 1, out
    assert "Traceback" not in out and "Exception" not in out, out
    assert previous.read_bytes() == b"masks of the previous run"
    assert not (workdir / "cache/kitchen/manifest.json").exists()  # no job ran


# The decode job, with one change: after the writer's free-space check passes, another process
# takes every free byte of the disk (the check cannot see the future), so the disk fills inside
# HDF5's own write.
_FILL_AFTER_CHECK = """
import os, shutil, sys
import videoaug.io.store as store
check = store.require_free_space

def check_then_fill(path, nbytes, reserve=store.FREE_SPACE_RESERVE):
    check(path, nbytes, reserve)
    if nbytes and not os.path.exists(FILLER):
        with open(FILLER, "wb") as fh:
            try:
                fh.write(b"\\0" * shutil.disk_usage(os.path.dirname(path)).free)
            except OSError:
                pass

store.require_free_space = check_then_fill
from videoaug.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_disk_that_fills_during_an_hdf5_write(tmp_path, tiny_video, small_disk):
    import sys

    from videoaug.stages.manifest import build_manifest

    root = _kitchen(tmp_path, tiny_video)
    manifest = tmp_path / "manifest.json"
    build_manifest("kitchen", {"kind": "folder", "root": str(root), "test_fraction": 0.34}, 0,
                   manifest)
    out = small_disk / "kitchen" / "frames" / "0.h5"
    params = json.dumps({"short_side": None, "fps": None, "max_frames": None,
                         "compression": "none", "on_bad_video": "fail"})
    args = ["--log", str(tmp_path / "decode.log"), "decode", "--params", params,
            "--manifest", str(manifest), "--shard", "0", "--shards", "1", "--out", str(out)]
    filler = small_disk / "filler.bin"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    code = _FILL_AFTER_CHECK.replace("FILLER", repr(str(filler)))
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=300)
    assert filler.stat().st_size > 0  # the disk did fill after the check
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])  # not -11: no segfault
    assert proc.stderr.count("no space left on device while writing") == 1, proc.stderr
    assert "cache_dir" in proc.stderr
    assert "Traceback" not in proc.stderr and "Segmentation fault" not in proc.stderr
    assert "Exception ignored" not in proc.stderr and "HDF5-DIAG" not in proc.stderr
    assert not list(small_disk.rglob("*.tmp")) and not list(small_disk.rglob("*.reserve"))
    assert not out.exists()
    filler.unlink()  # space back: the plain job completes
    subprocess.run([sys.executable, "-m", "videoaug.cli", *args], check=True, env=env,
                   capture_output=True, timeout=300)
    from videoaug.io.store import FrameStore

    assert len(FrameStore(out).video_ids) == 6
