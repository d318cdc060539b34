"""Peak memory of the per-video stages against clip length (videos streamed in 16-frame pieces).

decode_peak_rss_10s / _40s       peak RSS (MB) of `videoaug decode` on one 1080p clip of 10 s and
decode_rss_40s_vs_10s            40 s at 25 fps, `frames.short_side: null`, and their ratio
{stage}_peak_rss_10s / _40s      the same for the stages that read decoded frames, on one 640x480
{stage}_rss_40s_vs_10s           clip at 10 fps and native size (100 and 400 frames):
                                 segment (l2a.segmenter mediapipe+motion), segment_motion (motion
                                 alone), inpaint (l2a.inpaint defaults, the mediapipe+motion masks)
                                 and optical_flow (DIS, `flow.method: dis`: the stage's memory does
                                 not depend on the method, TV-L1 only takes ~100x longer)
killed_stage_leaves_nothing      the 40 s inpaint job killed with SIGKILL in mid-write (what the
                                 kernel's or SLURM's out-of-memory kill does): no .tmp, nothing
                                 left in the output folder
inpaint_psnr_whole / _streamed   PSNR (dB) inside the true hole against synth4's true background of
                                 6 synth4 clips of 160 frames: the temporal median over every frame
                                 (the former whole-clip stage) and over 64 evenly spaced frames
                                 (the streamed stage)

Goals: 40 s / 10 s <= 1.25 (memory flat in clip length) and the 40 s peak under the rule's
`mem_mb` (config.yaml resources). Each stage runs in its own process (peak RSS from wait4), so
the numbers are the stage's alone; RSS does not depend on the machine's load. Before streaming
(issue 26): decode 4.70 GB for 10 s of 1080p; at 640x480 segment 4.41 GB (10 s) vs > 9.5 GB
(40 s), motion alone 2.51 vs 8.27 GB, inpaint 2.95 vs > 9.5 GB, flow 1.46 vs 4.07 GB.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row  # noqa: E402

DECLARED_MEM_MB = 2000  # config.yaml resources.decode_frames.mem_mb
STAGES = ("segment", "segment_motion", "inpaint", "optical_flow")


def _clip(path: Path, seconds: int, size: str = "1920x1080", rate: int = 25) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc2=size={size}:rate={rate}:duration={seconds}", "-c:v", "libx264",
         "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )
    return path


def _run(args: list[str]) -> float:
    """Peak RSS (MB) of one `videoaug` command in its own process."""
    proc = subprocess.Popen([sys.executable, "-m", "videoaug.cli", *args],
                            env=dict(os.environ, VIDEOAUG_PROGRESS="0"))
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"videoaug {args[0]} failed ({status})")
    return usage.ru_maxrss / 1024.0


def _manifest(clip: Path, work: Path) -> Path:
    manifest = work / f"{clip.stem}_manifest.json"
    manifest.write_text(json.dumps({
        "dataset": "bench", "classes": ["c"], "videos": [
            {"id": f"c/{clip.stem}", "path": str(clip), "label": 0, "class_name": "c",
             "split": "train"}]}))
    return manifest


def _decode(clip: Path, work: Path) -> tuple[float, int, Path]:
    params = {"short_side": None, "fps": None, "max_frames": None, "compression": "lz4",
              "on_bad_video": "fail"}
    out = work / f"{clip.stem}.h5"
    peak = _run(["decode", "--params", json.dumps(params), "--manifest",
                 str(_manifest(clip, work)), "--shard", "0", "--shards", "1", "--out", str(out)])
    import h5py  # noqa: F401  (the store's LZ4 filter)
    import hdf5plugin  # noqa: F401

    with h5py.File(out, "r") as handle:
        frames = int(handle["index"]["num_frames"][0])
    return peak, frames, out


def _stage_args(config: dict, clip: Path, frames: Path, work: Path) -> dict[str, list[str]]:
    from videoaug.methods.avd.params import flow_params
    from videoaug.methods.l2a.params import l2a_inpaint_params, l2a_segment_params

    manifest = str(_manifest(clip, work))
    masks = str(work / f"{clip.stem}_masks.h5")
    args = {}
    for name, spec in (("segment", "mediapipe+motion"), ("segment_motion", "motion")):
        cfg = {**config, "l2a": {**config["l2a"], "segmenter": spec}}
        out = masks if name == "segment" else str(work / f"{clip.stem}_motion.h5")
        args[name] = ["segment", "--params", json.dumps(l2a_segment_params(cfg, "synth4")),
                      "--manifest", manifest, "--frames", str(frames), "--out", out]
    args["inpaint"] = ["inpaint", "--params", json.dumps(l2a_inpaint_params(config, "synth4")),
                       "--frames", str(frames), "--masks", masks,
                       "--out", str(work / "out" / f"{clip.stem}_backgrounds.h5")]
    cfg = {**config, "flow": {**config["flow"], "method": "dis"}}
    args["optical_flow"] = ["optical-flow", "--params", json.dumps(flow_params(cfg, "synth4")),
                            "--frames", str(frames), "--out", str(work / f"{clip.stem}_flow.h5")]
    return args


def _killed_leaves_nothing(args: list[str], folder: Path, after_s: float = 20.0) -> bool:
    """Start the stage, SIGKILL it once it has run ``after_s`` seconds (it writes by then), and
    look for anything it left in its output folder."""
    for path in folder.iterdir():
        path.unlink()
    proc = subprocess.Popen([sys.executable, "-m", "videoaug.cli", *args],
                            env=dict(os.environ, VIDEOAUG_PROGRESS="0"))
    time.sleep(after_s)
    if proc.poll() is not None:
        raise RuntimeError("the stage ended before it could be killed: raise after_s' clip")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return not list(folder.iterdir())


def _psnr_rows(clips: int = 6, frames: int = 160) -> dict:
    from bench_l2a import _true_background

    from videoaug.data.synthetic import (
        SynthParams,
        clip_rng,
        dataset_entries,
        render_clip,
        sample_clip_spec,
    )
    from videoaug.methods.l2a.inpaint import inpaint_video, psnr
    from videoaug.methods.l2a.streaming import inpaint_pieces

    class ArrayClip:
        def __init__(self, array):
            self.array, self.size, self.num_frames = array, 16, len(array)
            self.frame_size = array.shape[1:3]

        def pieces(self):
            return (self.array[s:s + 16] for s in range(0, self.num_frames, 16))

        def frames(self, indices):
            return self.array[np.asarray(indices)]

    params = SynthParams(frames=frames)
    entries = dataset_entries(params)
    whole, streamed = [], []
    for entry in entries[:: max(1, len(entries) // clips)][:clips]:
        video, mask = render_clip(entry.class_name, clip_rng(params, entry), params)
        truth = _true_background(
            sample_clip_spec(entry.class_name, clip_rng(params, entry), params), params)
        hole = mask.astype(bool)
        whole.append(psnr(inpaint_video(video, hole, method="median").frames, truth, hole))
        result = inpaint_pieces(ArrayClip(video), lambda hole=hole: (
            hole[s:s + 16] for s in range(0, len(hole), 16)), lambda rows, hole=hole: hole[rows],
            method="median")
        streamed.append(psnr(np.concatenate(list(result.pieces())), truth, hole))
    return {
        "inpaint_psnr_whole": row(np.mean(whole), "-", True, clips=len(whole), frames=frames,
                                  min=round(float(min(whole)), 2)),
        "inpaint_psnr_streamed": row(np.mean(streamed), ">= whole - 0.5 dB",
                                     np.mean(streamed) >= np.mean(whole) - 0.5,
                                     clips=len(streamed), frames=frames,
                                     min=round(float(min(streamed)), 2)),
    }


def run() -> dict[str, dict]:
    import yaml

    from videoaug.config import validate_config

    project = Path(__file__).resolve().parents[1]
    config = validate_config(yaml.safe_load((project / "config.yaml").read_text()),
                             source="config.yaml")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "out").mkdir()
        peaks, stage_peaks, args = {}, {name: {} for name in STAGES}, {}
        for seconds in (10, 40):
            peaks[seconds] = _decode(_clip(work / f"clip{seconds}s.mp4", seconds), work)[:2]
            small = _clip(work / f"vga{seconds}s.mp4", seconds, "640x480", 10)
            _, frames, store = _decode(small, work)
            args[seconds] = _stage_args(config, small, store, work)
            for name in STAGES:
                stage_peaks[name][seconds] = (_run(args[seconds][name]), frames)
        killed = _killed_leaves_nothing(args[40]["inpaint"], work / "out")
    ratio = peaks[40][0] / peaks[10][0]
    results.update({
        "decode_peak_rss_10s": row(peaks[10][0], "report", True, frames=peaks[10][1]),
        "decode_peak_rss_40s": row(peaks[40][0], f"<= {DECLARED_MEM_MB}",
                                   peaks[40][0] <= DECLARED_MEM_MB, frames=peaks[40][1]),
        "decode_rss_40s_vs_10s": row(ratio, "<= 1.25", ratio <= 1.25),
    })
    for name in STAGES:
        rule = "segment" if name.startswith("segment") else name
        mem_mb = int(config["resources"][rule]["mem_mb"])
        (p10, f10), (p40, f40) = stage_peaks[name][10], stage_peaks[name][40]
        results[f"{name}_peak_rss_10s"] = row(p10, "report", True, frames=f10, size="640x480")
        results[f"{name}_peak_rss_40s"] = row(p40, f"<= {mem_mb}", p40 <= mem_mb, frames=f40,
                                             size="640x480")
        results[f"{name}_rss_40s_vs_10s"] = row(p40 / p10, "<= 1.25", p40 / p10 <= 1.25)
    results["killed_stage_leaves_nothing"] = row(float(killed), "1", killed,
                                                 stage="inpaint 40 s, SIGKILL after 20 s")
    results.update(_psnr_rows())
    return results


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:32s} {value}")
