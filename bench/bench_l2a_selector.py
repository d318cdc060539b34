"""Learn2Augment part 2 benchmarks: choosing a pair vs compositing it, one REINFORCE step, RSS.

* ``selector_vs_composite``: pairs scored per second by the Selector on cached features (config
  widths 256/128/64 and 64-d tiny3d features; the paper's 2048/1024/512 on 512-d R3D features
  reported beside) ÷ pairs composited per second from the cached stores (read frames, mask and
  background, Eq. 1 + Eq. 8; 16-frame 64x48 synth4 clips; compositing arrays already in memory
  reported beside). Goal >= 100 (the paper's point: choosing is far cheaper).
* ``selector_step_s``: one REINFORCE step at CPU scale: score 8 candidate pairs, composite the
  kept ones, one SGD step of the tiny3d classifier on 8-frame 32x32 clips through the shared
  trainer's ``train_step``, validation loss on 16 clips, Selector update. Random pixels stand
  in for the stores (the cost does not depend on the content).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from bench.common import best_time, peak_rss_mb, row
from videoaug.methods.l2a.compose import composite_clip
from videoaug.methods.l2a.features import Tiny3D, uniform_clip
from videoaug.methods.l2a.selector import PairBatch, Selector, reinforce_step
from videoaug.train.trainer import TrainConfig, Trainer, predict
from videoaug.train.transforms import InputSpec

CLIP = InputSpec(kind="clip")


def _scoring_rate(feature_dim: int, hidden: tuple[int, ...], n: int = 4096) -> float:
    sel = Selector(feature_dim, 4, hidden).eval()
    f1, f2 = torch.randn(n, feature_dim), torch.randn(n, feature_dim)
    y = torch.randint(0, 4, (n,))

    def score():
        with torch.inference_mode():
            sel(f1, f2, y, y)

    return n / best_time(score, repeat=3)


def _clip(rng, t=16, h=48, w=64):
    return rng.integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def _composite_rate() -> float:
    """Eq. 1 + Eq. 8 on clips already in memory (the lower bound of compositing's cost)."""
    rng = np.random.default_rng(0)
    fg, bg = _clip(rng), _clip(rng)
    mask = rng.random(fg.shape[:3]) < 0.2
    return 1.0 / best_time(lambda: composite_clip(fg, mask, bg, 0, 1, 4), repeat=5, number=5)


def _store_composite_rate(root: Path) -> float:
    """Pairs composited per second from the cached stores (frames, LZ4 bit-packed masks,
    backgrounds of a decoded synth4), as training does."""
    from videoaug.methods.l2a.compose import composite_pair
    from videoaug.methods.l2a.prepare import inpaint_shard, segment_shard
    from videoaug.methods.l2a.stores import L2AStores
    from videoaug.stages.decode import DecodeParams, decode_shard
    from videoaug.stages.manifest import build_manifest

    cfg = {"kind": "synthetic", "root": str(root / "synth4"), "synth_train_per_class": 2,
           "synth_test_per_class": 1, "frames": 16, "height": 48, "width": 64}
    manifest = root / "manifest.json"
    build_manifest("synth4", cfg, 0, manifest)
    frames, masks, bgs = root / "f.h5", root / "m.h5", root / "b.h5"
    decode_shard(manifest, 0, 1, DecodeParams(short_side=None), frames)
    segment_shard(frames, manifest, {"segmenter": "oracle", "options": {},
                                     "compression": "lz4", "threads": 1}, masks)
    inpaint_shard(frames, masks, {"method": "median", "dilate": 2, "static_max_shift": 8.0,
                                  "radius": 3, "compression": "lz4", "threads": 1}, bgs)
    stores = L2AStores([frames], [masks], [bgs], num_classes=4)
    ids = stores.video_ids()
    pairs = [(a, b) for a in ids for b in ids if a != b][:16]

    def run_pairs():
        for a, b in pairs:
            composite_pair(stores, a, b)

    rate = len(pairs) / best_time(run_pairs, repeat=3)
    stores.close()
    return rate


def _step_seconds() -> float:
    rng = np.random.default_rng(0)
    videos = [_clip(rng) for _ in range(8)]
    masks = [rng.random(v.shape[:3]) < 0.2 for v in videos]
    val = torch.from_numpy(np.stack([uniform_clip(_clip(rng), 8, 32) for _ in range(16)]))
    val_set = [(val[i], i % 4, i) for i in range(16)]
    val_labels = np.arange(16) % 4
    trainer = Trainer(Tiny3D(8, 4), TrainConfig(epochs=1, batch_size=8, lr=0.05,
                                                schedule="constant", device="cpu"), 4,
                      inputs=CLIP)
    selector = Selector(64, 4, (256, 128, 64))
    opt = torch.optim.Adam(selector.parameters(), lr=1e-3)
    batch = PairBatch(torch.randn(8, 64), torch.randn(8, 64), torch.arange(8) % 4,
                      (torch.arange(8) + 1) % 4, torch.stack([torch.arange(8)] * 2, 1))
    losses: list[float] = []
    gen = torch.Generator().manual_seed(0)

    def validate(actions):
        kept = [i for i in range(8) if actions[i] > 0]
        if kept:
            comps = [composite_clip(videos[i], masks[i], videos[(i + 1) % 8], i % 4,
                                    (i + 1) % 4, 4) for i in kept]
            x = torch.from_numpy(np.stack([uniform_clip(c.frames, 8, 32) for c in comps]))
            trainer.train_step(x, torch.from_numpy(np.stack([c.label for c in comps])), gen)
        probs = predict(trainer.model, val_set, 32, inputs=CLIP)
        return float(-np.log(probs[np.arange(16), val_labels]).mean())

    return best_time(lambda: reinforce_step(selector, opt, batch, validate, losses,
                                            generator=gen), repeat=5)


def run() -> dict:
    torch.set_num_threads(1)
    in_memory = _composite_rate()
    with tempfile.TemporaryDirectory() as tmp:
        composite_rate = _store_composite_rate(Path(tmp))
    ours = _scoring_rate(64, (256, 128, 64))
    paper = _scoring_rate(512, (2048, 1024, 512), n=1024)
    ratio = ours / composite_rate
    results = {
        "selector_vs_composite": row(ratio, ">= 100", ratio >= 100,
                                     pairs_scored_per_s=round(ours),
                                     composites_per_s=round(composite_rate, 1),
                                     in_memory_composites_per_s=round(in_memory, 1),
                                     paper_widths_ratio=round(paper / composite_rate, 1)),
        "selector_step_s": row(_step_seconds(), "-", True, batch_pairs=8, clip="8x32x32",
                               classifier="tiny3d w8"),
    }
    for value in results.values():
        value.setdefault("peak_rss_mb", round(peak_rss_mb(), 1))
    return results


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:36s} {json.dumps(value)}", flush=True)
