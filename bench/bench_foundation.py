"""Foundation benchmarks on synth4 clips, measured side by side in one run.

frames_read_vs_ffmpeg_decode  HDF5 read speed / ffmpeg decode speed of the same clip   (goal >= 20)
extract_vs_ffmpeg_null        our extraction speed / `ffmpeg -f null` decode speed     (goal >= 0.7)
dynamic_image_vs_memcpy       dynamic-image time / time to copy the same frames once   (goal <= 3)
dynamic_image_vs_loop         per-frame Python loop time / ours                        (goal >= 20)
compression_*                 read time and size of one frames shard per compression  (information)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_time, peak_rss_mb, row  # noqa: E402

from videoaug.data.synthetic import SynthParams, generate_synth4  # noqa: E402
from videoaug.dynamic import arp_coefficients, dynamic_image  # noqa: E402
from videoaug.io.store import FRAMES_SCHEMA, FrameStore, FrameStoreWriter, atomic_store  # noqa: E402
from videoaug.io.video import decode_video, read_frames  # noqa: E402


def _loop_dynamic_image(frames: np.ndarray) -> np.ndarray:
    """The research-script way: a Python loop over frames and pixels rows."""
    alpha = arp_coefficients(len(frames))
    acc = np.zeros(frames.shape[1:], dtype=np.float64)
    for t in range(len(frames)):
        for y in range(frames.shape[1]):
            acc[y] += alpha[t] * frames[t, y].astype(np.float64)
    low, high = acc.min(), acc.max()
    return np.rint((acc - low) / (high - low) * 255).astype(np.uint8)


def run() -> dict[str, dict]:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = generate_synth4(
            tmp / "synth4", SynthParams(train_per_class=2, test_per_class=1), progress=False
        )
        videos = sorted(root.rglob("*.mp4"))[:6]

        def ffmpeg_null(video: Path) -> None:
            subprocess.run(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(video), "-f", "null", "-"],
                check=True,
            )

        t_null = np.mean([best_time(lambda v=v: ffmpeg_null(v), repeat=3) for v in videos])
        t_extract = np.mean([best_time(lambda v=v: decode_video(v), repeat=3) for v in videos])
        results["extract_vs_ffmpeg_null"] = row(
            t_null / t_extract,
            ">= 0.7",
            t_null / t_extract >= 0.7,
            extract_ms=round(t_extract * 1e3, 2),
            ffmpeg_null_ms=round(t_null * 1e3, 2),
        )

        clips = [read_frames(v) for v in videos]
        for compression in ("none", "lz4", "zstd", "gzip"):
            path = tmp / f"frames_{compression}.h5"
            with atomic_store(path, FRAMES_SCHEMA, {}) as handle:
                writer = FrameStoreWriter(handle, compression)
                for i, clip in enumerate(clips):
                    writer.add(f"v{i}", clip, label=0, fps=25.0, source=f"v{i}")
                writer.close()
            store = FrameStore(path)
            t_read = np.mean(
                [best_time(lambda i=i, s=store: s.read(i), repeat=5) for i in range(len(clips))]
            )
            results[f"compression_{compression}"] = row(
                t_read * 1e3,
                "information",
                True,
                unit="ms per clip read",
                store_mb=round(path.stat().st_size / 1e6, 3),
            )
            if compression == "lz4":
                t_decode = t_extract
                ratio = t_decode / t_read
                results["frames_read_vs_ffmpeg_decode"] = row(
                    ratio,
                    ">= 20",
                    ratio >= 20,
                    read_ms=round(t_read * 1e3, 3),
                    decode_ms=round(t_decode * 1e3, 2),
                    clip_shape=list(clips[0].shape),
                )
            store.close()

        clip = clips[0]
        # best of many short rounds, interleaved, so that load from other processes hits both alike
        t_di, t_copy = float("inf"), float("inf")
        for _ in range(10):
            t_di = min(t_di, best_time(lambda: dynamic_image(clip), repeat=10, number=5))
            t_copy = min(t_copy, best_time(lambda: clip.copy(), repeat=10, number=5))
        results["dynamic_image_vs_memcpy"] = row(
            t_di / t_copy,
            "<= 3",
            t_di / t_copy <= 3,
            di_ms=round(t_di * 1e3, 3),
            memcpy_ms=round(t_copy * 1e3, 3),
        )
        t_loop = best_time(lambda: _loop_dynamic_image(clip), repeat=3)
        results["dynamic_image_vs_loop"] = row(
            t_loop / t_di, ">= 20", t_loop / t_di >= 20, loop_ms=round(t_loop * 1e3, 2)
        )
    results["foundation_peak_rss_mb"] = row(peak_rss_mb(), "information", True)
    return results


if __name__ == "__main__":
    for name, result in run().items():
        print(
            f"{name:32s} {result['value']:>10} goal {result['goal']:>12}  "
            f"{'ok' if result['ok'] else 'MISSED'}"
        )
