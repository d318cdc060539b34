"""The tiny L2A stores several stage tests share: a synthetic dataset, its frames, oracle masks,
inpainted backgrounds, and optionally class matches and Selector features (one shard each)."""

from pathlib import Path

from videoaug.methods.l2a.prepare import inpaint_shard, match_classes_stage, segment_shard
from videoaug.methods.l2a.selector_stage import SelectorParams, video_features_stage
from videoaug.stages.decode import DecodeParams, decode_shard
from videoaug.stages.manifest import build_manifest


def build_tiny_l2a(root: Path, dataset: str, dataset_config: dict,
                   selector: SelectorParams | None = None, matches: bool = True) -> dict:
    """Build the stores under ``root``; keys: manifest, frames, masks, bgs (+ matches, features)."""
    cfg = {"kind": "synthetic", "root": str(root / dataset), "frames": 8, "height": 32,
           "width": 40, **dataset_config}
    manifest = root / "manifest.json"
    build_manifest(dataset, cfg, 0, manifest)
    frames = root / "frames0.h5"
    decode_shard(manifest, 0, 1, DecodeParams(short_side=None), frames)
    masks = root / "masks0.h5"
    segment_shard(frames, manifest, {"segmenter": "oracle", "options": {}, "compression": "lz4",
                                     "threads": 1}, masks)
    bgs = root / "bg0.h5"
    inpaint_shard(frames, masks, {"method": "auto", "dilate": 2, "static_max_shift": 8.0,
                                  "radius": 3, "compression": "lz4", "threads": 1}, bgs)
    stores = {"root": root, "manifest": manifest, "frames": frames, "masks": masks, "bgs": bgs}
    if matches:
        stores["matches"] = root / "matches.json"
        match_classes_stage(manifest, {"model": "unused", "mode": "random", "seed": 0},
                            stores["matches"])
    if selector is not None:
        stores["features"] = root / "features.h5"
        video_features_stage([frames], selector, stores["features"])
    return stores
