"""Stages of Learn2Augment part 1 (Gowda et al., ECCV 2022): masks, backgrounds, class matches,
the compositing figure (paper Figs. 3 and 4).

* ``segment_shard``: frames shard → ``cache/{ds}/masks/{shard}.h5`` (union, people-only and box
  masks per video; γ, empty flag and IoU against ground truth where the dataset has it).
* ``gather_masks_index``: the shards' summary → ``cache/{ds}/masks/index.json`` (videos without a
  detection, mean γ, mean IoU against ground truth).
* ``inpaint_shard``: frames + masks shard → ``cache/{ds}/backgrounds/{shard}.h5``.
* ``match_classes_stage``: manifest → ``cache/{ds}/matches.json``.
* ``figure_compositing``: ``results/figures/{ds}_l2a_compositing.png``.

Torch and OpenCV threads come from ``l2a.threads`` (params), never from the scheduler's grant.
The compositing modules are imported inside the stages: ``match_classes`` runs in the text
environment (envs/text.yaml), which has neither OpenCV nor h5py.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from videoaug import meter
from videoaug.provenance import progress_bar, read_json, write_json
from videoaug.seeding import numpy_rng

log = logging.getLogger("videoaug")


def set_threads(threads: int) -> None:
    """Torch intra-op and OpenCV threads from ``l2a.threads``."""
    import cv2
    import torch

    torch.set_num_threads(int(threads))
    cv2.setNumThreads(int(threads))


def _videos_by_id(manifest_path: str | Path) -> tuple[dict, dict]:
    manifest = read_json(manifest_path)
    return manifest, {v["id"]: v for v in manifest["videos"]}


def segment_shard(frames_path: str | Path, manifest_path: str | Path, params: dict,
                  out: str | Path) -> dict:
    """Masks of every video of a frames shard with backend ``params["segmenter"]``.

    ``params``: ``segmenter``, ``options`` (the ``l2a`` backend options), ``compression``,
    ``threads``. Returns a summary (videos, empty videos, mean IoU where ground truth exists).
    """
    from videoaug.io.store import FrameStore, atomic_store
    from videoaug.methods.l2a.segment import (
        build_segmenter,
        fit_mask_to_frames,
        ground_truth_path,
        mask_iou,
        summarize,
    )
    from videoaug.methods.l2a.stores import MASKS_SCHEMA, MaskStoreWriter

    set_threads(params["threads"])
    manifest, videos = _videos_by_id(manifest_path)
    segmenter = build_segmenter(params["segmenter"], params["options"])
    frames_store = FrameStore(frames_path)
    ious = []
    with atomic_store(out, MASKS_SCHEMA, {"stage": "segment", "dataset": manifest["dataset"],
                                          **params}) as handle:
        writer = MaskStoreWriter(handle, params["compression"])
        for i, video_id in enumerate(progress_bar(
                meter.counted(frames_store.video_ids, "video", "video"), desc="segment",
                total=len(frames_store.video_ids), unit="video")):
            frames = frames_store.read(i)
            video = videos.get(video_id, {"id": video_id})
            seg = summarize(segmenter.segment(frames, video), *frames.shape[1:3])
            iou = float("nan")
            truth_path = ground_truth_path(video)
            if truth_path is not None:
                truth = fit_mask_to_frames(np.load(truth_path, allow_pickle=False), len(frames),
                                           frames.shape[1:3])
                iou = mask_iou(seg.union, truth)
                ious.append(iou)
            if not seg.union.any():
                log.warning("%s: no detection in any frame (composite = background, λ = 0)",
                            video_id)
            writer.add(video_id, int(frames_store.labels[i]), seg, iou)
        writer.close()
        empty = int(handle.attrs["empty_videos"])
    frames_store.close()
    summary = {"videos": len(frames_store), "empty_videos": empty,
               "mean_iou": float(np.mean(ious)) if ious else None}
    log.info("segment %s with %s: %s", frames_path, params["segmenter"], summary)
    return summary


def gather_masks_index(shard_paths: list[str | Path], out: str | Path) -> dict:
    """``masks/index.json``: per shard and overall, videos, empty videos (no detection), mean γ
    and mean IoU against ground truth (null without ground truth)."""
    from videoaug.methods.l2a.stores import MaskStore

    shards, gammas, ious, empty_ids = [], [], [], []
    segmenter = None
    for path in shard_paths:
        store = MaskStore(path)
        segmenter = store.params.get("segmenter")
        gammas.extend(store.gamma.tolist())
        ious.extend(x for x in store.iou_gt.tolist() if not np.isnan(x))
        empty_ids.extend(v for v, e in zip(store.video_ids, store.empty, strict=True) if e)
        shards.append({"path": str(path), "videos": len(store),
                       "empty_videos": store.empty_videos})
        store.close()
    index = {
        "segmenter": segmenter,
        "shards": shards,
        "videos": sum(s["videos"] for s in shards),
        "empty_videos": len(empty_ids),
        "empty_video_ids": sorted(empty_ids),
        "mean_gamma": float(np.mean(gammas)) if gammas else None,
        "mean_iou_gt": float(np.mean(ious)) if ious else None,
        "videos_with_gt": len(ious),
    }
    write_json(out, index)
    return index


def inpaint_shard(frames_path: str | Path, masks_path: str | Path, params: dict,
                  out: str | Path) -> dict:
    """Backgrounds of every video of a shard: the union mask removed and filled (median or TELEA
    chosen per video from the measured camera motion; recorded in the index).

    ``params``: ``dilate``, ``static_max_shift``, ``radius``, ``method``, ``compression``,
    ``threads``.
    """
    from videoaug.io.store import FrameStore, FrameStoreWriter, atomic_store
    from videoaug.methods.l2a.inpaint import inpaint_video
    from videoaug.methods.l2a.stores import BACKGROUNDS_SCHEMA, MaskStore, write_background_columns

    set_threads(params["threads"])
    frames_store, masks = FrameStore(frames_path), MaskStore(masks_path)
    if frames_store.video_ids != masks.video_ids:
        raise ValueError(f"{masks_path} does not list the videos of {frames_path}: rebuild it "
                         "(snakemake reruns segment when the frames change)")
    methods, shifts = [], []
    with atomic_store(out, BACKGROUNDS_SCHEMA, {"stage": "inpaint", **params}) as handle:
        writer = FrameStoreWriter(handle, params["compression"])
        for i, video_id in enumerate(progress_bar(
                meter.counted(frames_store.video_ids, "video", "video"), desc="inpaint",
                total=len(frames_store.video_ids), unit="video")):
            result = inpaint_video(frames_store.read(i), masks.read(i, "union"),
                                   dilate=params["dilate"],
                                   static_max_shift=params["static_max_shift"],
                                   radius=params["radius"], method=params["method"])
            writer.add(video_id, result.frames, label=int(frames_store.labels[i]),
                       fps=frames_store.fps(i), source=video_id)
            methods.append(result.method)
            shifts.append(result.shift)
        writer.close()
        write_background_columns(handle, methods, shifts)
    frames_store.close()
    masks.close()
    summary = {m: methods.count(m) for m in sorted(set(methods))}
    log.info("inpaint %s: methods %s", frames_path, summary)
    return summary


def match_classes_stage(manifest_path: str | Path, params: dict, out: str | Path) -> dict:
    """``matches.json`` of a dataset: ``params`` holds ``model``, ``mode``, ``seed``."""
    from videoaug.methods.l2a.semantic import load_encoder, match_classes

    manifest = read_json(manifest_path)
    classes = manifest["classes"]
    if len(classes) < 2:  # before loading a model: the error names the dataset
        match_classes(classes, None, params["mode"], dataset=manifest["dataset"])
    encode = load_encoder(params["model"]) if params["mode"] == "semantic" else None
    rng = numpy_rng(int(params["seed"]), "l2a-match", manifest["dataset"])
    result = match_classes(classes, encode, params["mode"], rng, manifest["dataset"])
    result.update({"dataset": manifest["dataset"], "model": params["model"]})
    write_json(out, result)
    log.info("matches of %s: %s", manifest["dataset"], result["matches"])
    return result


def figure_compositing(manifest_path: str | Path, frames: list[str | Path],
                       masks: list[str | Path], backgrounds: list[str | Path],
                       matches_path: str | Path, out: str | Path, pairs: int = 4,
                       frames_shown: int = 5, seed: int = 0, alpha: float = 4.0) -> None:
    """Fig. 3 (one frame: foreground, mask, inpainted background of the matched video, composite)
    and Fig. 4 (strips of composites) of the paper for ``pairs`` seeded training pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from videoaug.methods.l2a.compose import Variant, composite_pair
    from videoaug.methods.l2a.stores import L2AStores

    manifest = read_json(manifest_path)
    matches = read_json(matches_path)["matches"]
    classes = manifest["classes"]
    stores = L2AStores(frames, masks, backgrounds, num_classes=len(classes))
    available = set(stores.video_ids())
    train = [v for v in manifest["videos"] if v["split"] == "train" and v["id"] in available]
    rng = numpy_rng(seed, "l2a-figure", manifest["dataset"])
    by_class: dict[str, list[str]] = {}
    for v in train:
        by_class.setdefault(v["class_name"], []).append(v["id"])
    chosen = []
    for cls in classes[:pairs] if len(classes) >= pairs else classes:
        partner = matches.get(cls)
        if cls in by_class and partner in by_class:
            chosen.append((str(rng.choice(by_class[cls])), str(rng.choice(by_class[partner]))))
    if not chosen:
        raise ValueError(f"{manifest_path}: no training videos to composite")
    cols = 4 + frames_shown
    fig, axes = plt.subplots(len(chosen), cols, figsize=(1.6 * cols, 1.5 * len(chosen)),
                             squeeze=False)
    for r, (fg_id, bg_id) in enumerate(chosen):
        comp = composite_pair(stores, fg_id, bg_id, Variant(), alpha=alpha)
        mask = stores.mask(fg_id)
        t = int(np.argmax(mask.reshape(len(mask), -1).sum(1)))  # the frame showing most actor
        bg = stores.background(bg_id)
        picks = np.round(np.linspace(0, len(comp.frames) - 1, frames_shown)).astype(int)
        panels = [stores.frames(fg_id)[t], mask[t], bg[t % len(bg)], comp.frames[t]]
        panels += [comp.frames[k] for k in picks]
        titles = ["foreground", "mask", "inpainted bg", "composite"]
        titles += [f"t={k}" for k in picks]
        for c, (img, title) in enumerate(zip(panels, titles, strict=True)):
            ax = axes[r][c]
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=7)
        fg_cls = classes[stores.label(fg_id)]
        bg_cls = classes[stores.label(bg_id)]
        axes[r][0].set_ylabel(f"{fg_cls} on\n{bg_cls}\nλ={comp.lam:.2f}", fontsize=7)
    stores.close()
    fig.suptitle(f"{manifest['dataset']}: Learn2Augment compositing (Figs. 3, 4)", fontsize=9)
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
