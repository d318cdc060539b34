"""Shared fixtures: tiny real videos made with the ffmpeg binary (once per session)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("VIDEOAUG_PROGRESS", "0")


def make_video(
    path: Path, *, frames: int = 12, size: str = "64x48", rate: int = 10, codec: str = "libx264"
) -> Path:
    """A real encoded test-pattern video (argument list, no shell)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "ffmpeg",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={size}:rate={rate}",
        "-frames:v",
        str(frames),
        "-c:v",
        codec,
        "-pix_fmt",
        "yuv420p",
        str(path),
    ]
    subprocess.run(cmd, check=True)
    return path


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory) -> Path:
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is required by the tests; `make test` installs it")
    return make_video(tmp_path_factory.mktemp("videos") / "tiny.mp4")


@pytest.fixture(scope="session")
def bad_videos(tmp_path_factory, tiny_video) -> dict[str, Path]:
    """Corrupt inputs: empty, truncated, garbage bytes, audio only."""
    root = tmp_path_factory.mktemp("bad")
    empty = root / "empty.mp4"
    empty.write_bytes(b"")
    truncated = root / "truncated.mp4"
    data = tiny_video.read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    garbage = root / "garbage.avi"
    garbage.write_bytes(os.urandom(4096))
    audio = root / "audio_only.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=0.3",
            "-c:a",
            "aac",
            str(audio),
        ],
        check=True,
    )
    return {"empty": empty, "truncated": truncated, "garbage": garbage, "audio": audio}


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` compare CUDA with CPU output: without a GPU they are skipped with
    that reason (``scripts/gpu_check.sh`` runs them on a CUDA machine)."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(
        reason="no CUDA device here: run `make gpu-check` (scripts/gpu_check.sh) on a GPU machine"
    )
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
