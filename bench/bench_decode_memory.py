"""Peak memory of the decode stage against clip length (frames written to the store as decoded).

decode_peak_rss_10s / decode_peak_rss_40s  peak RSS (MB) of `videoaug decode` on one 1080p clip of
                                           10 s and 40 s at 25 fps, `frames.short_side: null`
decode_rss_40s_vs_10s                      their ratio (goal <= 1.25: memory flat in clip length)
                                           and the 40 s peak against decode_frames' mem_mb (2000)

Each decode runs in its own process (peak RSS read from wait4), so the numbers are the stage's
alone. Before streaming the 10 s clip took 4.70 GB (the whole clip in memory).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row  # noqa: E402

DECLARED_MEM_MB = 2000  # config.yaml resources.decode_frames.mem_mb


def _clip(path: Path, seconds: int) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc2=size=1920x1080:rate=25:duration={seconds}", "-c:v", "libx264",
         "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )
    return path


def _decode_peak_mb(clip: Path, work: Path) -> tuple[float, int]:
    manifest = work / f"{clip.stem}_manifest.json"
    manifest.write_text(json.dumps({
        "dataset": "bench", "videos": [
            {"id": f"c/{clip.stem}", "path": str(clip), "label": 0, "class_name": "c",
             "split": "train"}]}))
    params = {"short_side": None, "fps": None, "max_frames": None, "compression": "lz4",
              "on_bad_video": "fail"}
    out = work / f"{clip.stem}.h5"
    proc = subprocess.Popen(
        [sys.executable, "-m", "videoaug.cli", "decode", "--params", json.dumps(params),
         "--manifest", str(manifest), "--shard", "0", "--shards", "1", "--out", str(out)],
        env=dict(os.environ, VIDEOAUG_PROGRESS="0"),
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"decode of {clip} failed ({status})")
    import h5py  # noqa: F401  (the store's LZ4 filter)
    import hdf5plugin  # noqa: F401

    with h5py.File(out, "r") as handle:
        frames = int(handle["index"]["num_frames"][0])
    return usage.ru_maxrss / 1024.0, frames


def run() -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        peaks = {}
        for seconds in (10, 40):
            peak, frames = _decode_peak_mb(_clip(work / f"clip{seconds}s.mp4", seconds), work)
            peaks[seconds] = (peak, frames)
    ratio = peaks[40][0] / peaks[10][0]
    return {
        "decode_peak_rss_10s": row(peaks[10][0], "report", True, frames=peaks[10][1]),
        "decode_peak_rss_40s": row(peaks[40][0], f"<= {DECLARED_MEM_MB}",
                                   peaks[40][0] <= DECLARED_MEM_MB, frames=peaks[40][1]),
        "decode_rss_40s_vs_10s": row(ratio, "<= 1.25", ratio <= 1.25),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:28s} {value}")
