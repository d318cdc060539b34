"""Stage ``decode``: decode one shard of a manifest's videos into a frames store.

A video that cannot be decoded stops the stage naming the file (``on_bad_video: fail``) or is left
out and listed, with ffmpeg's reason, in the store's ``skipped`` attribute, the index and the log
(``on_bad_video: skip``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from videoaug import meter
from videoaug.io.store import FRAMES_SCHEMA, FrameStore, FrameStoreWriter, atomic_store
from videoaug.io.video import VideoDecodeError, stream_video
from videoaug.provenance import progress_bar, read_json, write_json
from videoaug.stages.manifest import shard_videos

log = logging.getLogger("videoaug")


@dataclass(frozen=True)
class DecodeParams:
    short_side: int | None = 112
    fps: float | None = None
    max_frames: int | None = None
    compression: str = "lz4"
    on_bad_video: str = "fail"


def evenly_spaced(num_frames: int, max_frames: int | None) -> np.ndarray | None:
    """Indices of at most ``max_frames`` evenly spaced frames, or None to keep all."""
    if max_frames is None or num_frames <= max_frames:
        return None
    return np.round(np.linspace(0, num_frames - 1, max_frames)).astype(np.int64)


def decode_shard(
    manifest_path: str | Path, shard: int, shards: int, params: DecodeParams, out: str | Path
) -> dict:
    """Decode the videos of shard ``shard`` of ``shards`` into ``out``; return a summary."""
    manifest = read_json(manifest_path)
    videos = shard_videos(manifest, shard, shards)
    skipped: list[dict] = []
    total_frames = 0
    store_params = {
        "stage": "decode",
        "dataset": manifest["dataset"],
        "shard": shard,
        "shards": shards,
        **asdict(params),
    }
    with atomic_store(out, FRAMES_SCHEMA, store_params) as handle:
        writer = FrameStoreWriter(handle, params.compression)
        counted = meter.counted(videos, "video", "video")
        for video in progress_bar(counted, desc=f"decode shard {shard}", total=len(videos),
                                  unit="video"):
            try:
                frames = _write_video(writer, video, params)
            except VideoDecodeError as err:
                if params.on_bad_video == "fail":
                    raise
                skipped.append({"id": video["id"], "path": video["path"], "reason": err.reason})
                log.warning("skipping %s: %s", video["path"], err.reason)
                continue
            total_frames += frames
        writer.close()
        handle.attrs["skipped"] = json.dumps(skipped, sort_keys=True)
    log.info(
        "shard %d: %d videos, %d frames, %d skipped",
        shard,
        len(videos) - len(skipped),
        total_frames,
        len(skipped),
    )
    return {"videos": len(videos) - len(skipped), "frames": total_frames, "skipped": skipped}


def _write_video(writer: FrameStoreWriter, video: dict, params: DecodeParams) -> int:
    """Decode one video into the store piece by piece (memory flat in clip length).

    With ``max_frames`` the clip is decoded twice: once to count its frames (containers' frame
    counts are not exact), once to keep the evenly spaced ones.
    """

    def open_stream():
        return stream_video(video["path"], short_side=params.short_side, fps=params.fps)

    fps, pieces = open_stream()
    if params.max_frames is not None:
        count = sum(len(piece) for piece in pieces)
        keep = evenly_spaced(count, params.max_frames)
        if keep is not None:
            pieces = _select_frames(open_stream()[1], keep)
        else:
            pieces = open_stream()[1]
    return writer.add_chunks(
        video["id"], pieces, label=video["label"], fps=fps, source=video["id"]
    )


def _select_frames(pieces, keep: np.ndarray):
    """The frames at sorted indices ``keep`` of a stream of pieces, piece by piece."""
    start = 0
    for piece in pieces:
        stop = start + len(piece)
        inside = keep[(keep >= start) & (keep < stop)] - start
        if len(inside):
            yield piece[inside]
        start = stop


def gather_frames_index(shard_paths: list[str | Path], out: str | Path) -> dict:
    """Write ``frames/index.json``: per shard its videos and frames, plus every skipped video."""
    shards = []
    skipped: list[dict] = []
    for path in shard_paths:
        store = FrameStore(path)
        shard_skipped = json.loads(store.handle.attrs.get("skipped", "[]"))
        store.close()
        shards.append(
            {
                "path": str(path),
                "videos": len(store),
                "frames": int(store.num_frames.sum()),
                "video_ids": store.video_ids,
            }
        )
        skipped.extend(shard_skipped)
    index = {
        "shards": shards,
        "videos": sum(s["videos"] for s in shards),
        "frames": sum(s["frames"] for s in shards),
        "skipped": skipped,
    }
    write_json(out, index)
    for item in skipped:
        log.info("left out %s: %s", item["path"], item["reason"])
    if skipped:
        # Each decode job already warned per file; here one line with the total.
        log.warning(
            "%d video(s) could not be decoded and were left out (on_bad_video: skip); "
            "they are listed with their reasons in %s",
            len(skipped),
            out,
        )
    return index


def stream_kept_frames(path: str | Path, short_side: int | None, fps: float | None,
                       max_frames: int | None):
    """The frames the decode stage keeps of a video (same ``fps`` resampling and evenly spaced
    ``max_frames`` selection), at another ``short_side``, as ``uint8 (t, H, W, 3)`` pieces: a
    stage that needs a video at a higher resolution than its frames store (Learn2Augment's
    ``pose_crop`` segmenter) gets the same frames, index for index."""

    def open_stream():
        return stream_video(path, short_side=short_side, fps=fps)[1]

    if max_frames is None:
        yield from open_stream()
        return
    keep = evenly_spaced(sum(len(piece) for piece in open_stream()), max_frames)
    yield from (open_stream() if keep is None else _select_frames(open_stream(), keep))
