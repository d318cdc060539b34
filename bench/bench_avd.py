"""AVD benchmarks (issue 11), measured side by side in one run on the same frames:

* ``flow_vs_bare_opencv``: the ``optical_flow`` stage (store read, flow, uint8 encoding, LZ4
  store write) vs bare OpenCV calls (grey conversion + flow) on the same frames: bare time ÷
  stage time (goal >= 0.9), for the configured CPU method;
* ``distill_clips_per_s`` beside ``dynamic_image_clips_per_s``: the ``distill`` stage with an
  AVD encoder at the config's CPU scale vs the same stage making dynamic images of the same
  windows (``input: di``);
* ``peak_rss_mb_<stage>``: peak resident memory of each AVD stage run alone in a fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row  # noqa: E402

from videoaug.config import load_config  # noqa: E402
from videoaug.io.store import FRAMES_SCHEMA, FrameStore, FrameStoreWriter, atomic_store  # noqa: E402
from videoaug.methods.avd import params as params_avd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VIDEOS, FRAMES, HEIGHT, WIDTH = 8, 48, 112, 144


def make_inputs(folder: Path) -> tuple[Path, Path]:
    """A frames shard of ``VIDEOS`` translating-texture videos (synth4's size) and a manifest."""
    rng = np.random.default_rng(0)
    videos = []
    shard = folder / "frames.h5"
    with atomic_store(shard, FRAMES_SCHEMA, {"bench": True}) as handle:
        writer = FrameStoreWriter(handle, "lz4")
        for v in range(VIDEOS):
            texture = cv2.GaussianBlur(rng.random((HEIGHT + 80, WIDTH + 80)).astype(np.float32),
                                       (0, 0), 2.0)
            texture = (255 * (texture - texture.min()) / np.ptp(texture)).astype(np.uint8)
            dx, dy = rng.uniform(-1.5, 1.5, 2)
            frames = np.stack([np.repeat(texture[int(40 + t * dy) % 40:][:HEIGHT,
                               int(40 + t * dx) % 40:][:, :WIDTH, None], 3, axis=2)
                               for t in range(FRAMES)])
            video_id = f"c{v % 2}/v{v}"
            writer.add(video_id, np.ascontiguousarray(frames), label=v % 2, fps=25.0,
                       source=video_id)
            videos.append({"id": video_id, "label": v % 2, "class": f"c{v % 2}",
                           "split": "train" if v < VIDEOS - 2 else "test"})
        writer.close()
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps({"dataset": "bench", "classes": ["c0", "c1"],
                                    "videos": videos}))
    return shard, manifest


def bare_flow(shard: Path, method: str, options: dict) -> float:
    from videoaug.methods.avd.flow import FlowComputer

    store = FrameStore(shard)
    clips = [store.read(i) for i in range(len(store))]  # outside the timing: reading is the stage's
    computer = FlowComputer(method, options)
    started = time.perf_counter()
    for clip in clips:
        grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in clip]
        for t in range(len(grey) - 1):
            computer(grey[t], grey[t + 1])
    return time.perf_counter() - started


def stage_peak(imports: str, call: str) -> tuple[float, float]:
    """Run ``imports`` then ``call`` in a fresh interpreter; return (seconds of the call alone,
    peak RSS MB of the process)."""
    # torch and cv2 are imported before the clock starts: the stages import them lazily
    wrapper = (f"import resource, time, cv2, torch\n{imports}\nt = time.perf_counter()\n{call}\n"
               "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
               "print(time.perf_counter() - t, peak)")
    env = {"PYTHONPATH": str(ROOT / "src"), "VIDEOAUG_PROGRESS": "0", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", wrapper], check=True, capture_output=True,
                         text=True, env=env).stdout.split()
    return float(out[-2]), float(out[-1])


def run() -> dict[str, dict]:
    config = load_config([ROOT / "config.yaml"])
    cv2.setNumThreads(1)
    flow = params_avd.flow_params(config, "synth4")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shard, manifest = make_inputs(tmp)
        pairs = VIDEOS * (FRAMES - 1)
        bare = min(bare_flow(shard, flow["method"], flow["options"]) for _ in range(2))
        stage_s, flow_rss = min(stage_peak(
            "from videoaug.methods.avd.stage import FlowParams, optical_flow_shard",
            f"optical_flow_shard({str(shard)!r}, FlowParams(**{flow!r}), "
            f"{str(tmp / 'flow.h5')!r})") for _ in range(2))
        results["flow_vs_bare_opencv"] = row(bare / stage_s, ">= 0.9", bare / stage_s >= 0.9,
                                             method=flow["method"],
                                             bare_ms_per_pair=round(1000 * bare / pairs, 2),
                                             stage_ms_per_pair=round(1000 * stage_s / pairs, 2))
        avd = params_avd.avd_params(config, "synth4", "rgb")
        avd["model"]["iterations"] = 2  # a barely trained encoder costs as much as a trained one
        avd["threads"] = 1
        _, train_rss = stage_peak(
            "from videoaug.methods.avd.stage import AvdParams, train_avd_model",
            f"train_avd_model({str(manifest)!r}, [{str(shard)!r}], AvdParams(**{avd!r}),"
            f" {str(tmp / 'model.pt')!r})")
        per = {}
        for name in ("rgb", "di"):
            values = {**avd, "input": name}
            model = repr(str(tmp / "model.pt")) if name == "rgb" else "None"
            per[name] = min(stage_peak(
                "from videoaug.methods.avd.stage import AvdParams, distill_shard",
                f"distill_shard({str(manifest)!r}, {str(shard)!r}, {model}, "
                f"AvdParams(**{values!r}), {str(tmp / (name + '.h5'))!r})") for _ in range(2))
        from videoaug.methods.avd.stage import window_starts

        clips = VIDEOS * len(window_starts(FRAMES, avd["model"]["clip_len"], 1,
                                           avd["window_stride"]))
        distill_rate, di_rate = clips / per["rgb"][0], clips / per["di"][0]
        results["distill_clips_per_s"] = row(distill_rate, "information", True,
                                             dynamic_image_clips_per_s=round(di_rate, 1),
                                             ratio_to_dynamic_image=round(distill_rate / di_rate,
                                                                          3),
                                             clip_len=avd["model"]["clip_len"],
                                             image_size=avd["model"]["image_size"])
        results["dynamic_image_clips_per_s"] = row(di_rate, "information", True)
        for stage, rss in (("optical_flow", flow_rss), ("train_avd", train_rss),
                           ("distill", per["rgb"][1]), ("distill_di", per["di"][1])):
            results[f"peak_rss_mb_{stage}"] = row(rss, "information", True)
    return results


if __name__ == "__main__":
    for key, value in run().items():
        print(key, value)
