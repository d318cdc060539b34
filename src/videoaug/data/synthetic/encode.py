"""Writing one clip's files: H.264 encoding through ffmpeg (bit-exact settings), the mask as
``.npy``, and atomic writes (hidden tmp name, then rename) so a killed run leaves no half file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import ffmpeg
import numpy as np

ENCODER_SETTINGS: dict[str, str | int] = {
    "vcodec": "libx264",
    "pix_fmt": "yuv420p",
    "crf": 23,
    "preset": "fast",
    "x264-params": "threads=1",
}


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = _tmp_path(path)
    write(tmp)
    os.replace(tmp, path)


def encode_h264(frames: np.ndarray, path: Path, fps: int) -> None:
    """Encode ``(T, H, W, 3)`` uint8 RGB frames to an H.264/yuv420p mp4 at ``path``.

    Raw frames go through ffmpeg's stdin (argument lists, no shell). ``threads=1`` for x264 and
    ``+bitexact`` muxing make the bytes a function of the frames (and the ffmpeg build) only.
    """
    _, height, width, _ = frames.shape
    settings = dict(ENCODER_SETTINGS)
    stream = ffmpeg.input(
        "pipe:", format="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}", framerate=fps
    ).output(str(path), format="mp4", fflags="+bitexact", map_metadata=-1, **settings)
    process = stream.overwrite_output().run_async(pipe_stdin=True, quiet=True)
    _, stderr = process.communicate(input=np.ascontiguousarray(frames).tobytes())
    if process.returncode != 0:
        message = stderr.decode("utf-8", errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"ffmpeg failed to encode {path}: {' | '.join(message)}")


def _save_mask(mask: np.ndarray, path: Path) -> None:
    with path.open("wb") as handle:
        np.save(handle, mask, allow_pickle=False)


def _write_text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")
