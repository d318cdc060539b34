"""Video decoding through ffmpeg-python (argument lists, never shell strings).

``read_frames(path)`` returns ``(T, H, W, 3)`` uint8 RGB; a video that cannot be decoded raises
:class:`VideoDecodeError` naming the file and ffmpeg's own message.
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import ffmpeg
import numpy as np


class VideoDecodeError(RuntimeError):
    """A video could not be decoded; ``reason`` holds ffmpeg's message (last lines)."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason.strip()
        super().__init__(
            f"cannot decode {self.path}: {self.reason}\n"
            "Fix: re-download or remove this file, or set on_bad_video: skip in the config "
            "(top level or per dataset) to leave it out and list it in the index."
        )


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    num_frames: int | None


@functools.cache
def require_ffmpeg() -> None:
    """Fail early with an install hint when the ffmpeg/ffprobe binaries are missing."""
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise RuntimeError(
                f"the {tool} binary is not on PATH; install it (Debian/Ubuntu: apt-get install "
                "ffmpeg; conda: the envs/core.yaml environment ships it)"
            )


def _tail(text: bytes | str | None, lines: int = 3) -> str:
    if text is None:
        return "no output from ffmpeg"
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    kept = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(kept[-lines:]) or "ffmpeg gave no reason"


def probe(path: str | Path) -> VideoInfo:
    """Width, height, frame rate and (when the container says) frame count of the first video
    stream.

    OpenCV reads the header in-process (~2 ms); starting ffprobe costs a whole process (tens to
    hundreds of ms), which would dominate decoding short clips. ffprobe runs only to explain a
    file OpenCV cannot open.
    """
    path = Path(path)
    if not path.exists():
        raise VideoDecodeError(path, "file does not exist")
    if path.stat().st_size == 0:
        raise VideoDecodeError(path, "file is empty (0 bytes)")
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)) if capture.isOpened() else 0
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) if capture.isOpened() else 0
        fps = float(capture.get(cv2.CAP_PROP_FPS)) if capture.isOpened() else 0.0
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
    finally:
        capture.release()
    if width <= 0 or height <= 0:
        raise VideoDecodeError(path, _ffprobe_reason(path))
    return VideoInfo(width=width, height=height, fps=fps, num_frames=count if count > 0 else None)


def _ffprobe_reason(path: Path) -> str:
    """ffprobe's explanation of why a file has no decodable video stream."""
    require_ffmpeg()
    try:
        info = ffmpeg.probe(str(path))
    except ffmpeg.Error as err:
        return _tail(err.stderr)
    if not any(s.get("codec_type") == "video" for s in info.get("streams", [])):
        return "no video stream in the file"
    return "the video stream cannot be opened"


def output_size(width: int, height: int, short_side: int | None) -> tuple[int, int]:
    """Size after resizing the shorter side to ``short_side`` (even numbers, aspect kept)."""
    if short_side is None:
        return width, height
    if width <= height:
        new_w = short_side
        new_h = int(round(height * short_side / width / 2)) * 2
    else:
        new_h = short_side
        new_w = int(round(width * short_side / height / 2)) * 2
    return max(new_w, 2), max(new_h, 2)


def read_frames(
    path: str | Path, short_side: int | None = None, fps: float | None = None
) -> np.ndarray:
    """Decode a video to ``(T, H, W, 3)`` uint8 RGB (see :func:`decode_video`)."""
    return decode_video(path, short_side, fps)[0]


def decode_video(
    path: str | Path, short_side: int | None = None, fps: float | None = None
) -> tuple[np.ndarray, float]:
    """Decode a video to ``(T, H, W, 3)`` uint8 RGB and its frame rate after resampling.

    Holds the whole clip in memory: stages that write stores use :func:`stream_video` instead.
    Raises :class:`VideoDecodeError` for missing, empty, corrupt or stream-less files.
    """
    rate, chunks = stream_video(path, short_side=short_side, fps=fps)
    return np.concatenate(list(chunks)), rate


DEFAULT_CHUNK_FRAMES = 16


def stream_video(
    path: str | Path,
    short_side: int | None = None,
    fps: float | None = None,
    chunk_frames: int = DEFAULT_CHUNK_FRAMES,
) -> tuple[float, Iterator[np.ndarray]]:
    """The frame rate after resampling and an iterator of ``uint8 (t, H, W, 3)`` RGB pieces of
    at most ``chunk_frames`` frames, read from ffmpeg's pipe as it decodes.

    Memory holds one piece whatever the clip's length. ``short_side`` resizes (bicubic in
    ffmpeg) so the shorter side has that many pixels; ``fps`` resamples the frame rate (ffmpeg
    ``fps`` filter). The file is probed at once (a missing, empty or stream-less file raises
    :class:`VideoDecodeError` here); corruption found while decoding raises it from the
    iterator, after the pieces already yielded, so a writer must drop what it wrote.
    """
    require_ffmpeg()
    info = probe(path)
    width, height = output_size(info.width, info.height, short_side)
    return float(fps or info.fps), _decode_pieces(path, info, width, height, fps, chunk_frames)


def _decode_pieces(
    path: str | Path,
    info: VideoInfo,
    width: int,
    height: int,
    fps: float | None,
    chunk_frames: int,
) -> Iterator[np.ndarray]:
    stream = ffmpeg.input(str(path))
    if fps:
        stream = stream.filter("fps", fps=fps)
    if (width, height) != (info.width, info.height):
        stream = stream.filter("scale", width, height, flags="bicubic")
    stream = stream.output("pipe:", format="rawvideo", pix_fmt="rgb24").global_args(
        "-nostdin", "-loglevel", "error"
    )
    process = stream.run_async(pipe_stdout=True, pipe_stderr=True)
    # ffmpeg's messages are read on a thread: a full stderr pipe would otherwise block ffmpeg
    # while we wait on stdout.
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    reader.start()
    frame_bytes = width * height * 3
    total = 0
    leftover = 0
    try:
        while True:
            data = process.stdout.read(frame_bytes * chunk_frames)
            if not data:
                break
            whole = len(data) - len(data) % frame_bytes
            if whole < len(data):
                # A short read can end mid-frame only at the end of the stream: read the rest.
                rest = process.stdout.read(frame_bytes - (len(data) - whole))
                data += rest
                whole = len(data) - len(data) % frame_bytes
                leftover = len(data) - whole
            if whole:
                total += whole // frame_bytes
                yield np.frombuffer(data[:whole], np.uint8).reshape(-1, height, width, 3).copy()
            if leftover:
                break
        process.wait()
        reader.join()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    err = b"".join(errors)
    if process.returncode != 0 and total == 0:
        raise VideoDecodeError(path, _tail(err))
    if total == 0:
        reason = _tail(err) if err.strip() else "ffmpeg wrote nothing"
        raise VideoDecodeError(path, f"no frames decoded ({reason})")
    if leftover:
        raise VideoDecodeError(path, f"decoded {leftover} bytes past the last whole frame")
    if process.returncode != 0 or err.strip():
        # ffmpeg decoded frames but complained (truncated file, broken packets): treat as corrupt,
        # since a silently shortened clip would change the dataset without anyone noticing.
        raise VideoDecodeError(path, _tail(err))
