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
    from videoaug.methods.l2a.segment import build_segmenter, summarize
    from videoaug.methods.l2a.stores import MASKS_SCHEMA, MaskStoreWriter
    from videoaug.methods.l2a.streaming import StoredClip, TruthClip, segment_pieces

    set_threads(params["threads"])
    manifest, videos = _videos_by_id(manifest_path)
    segmenter = build_segmenter(params["segmenter"], params["options"])
    frames_store = FrameStore(frames_path)
    ious = []
    with atomic_store(out, MASKS_SCHEMA, {"stage": "segment", "dataset": manifest["dataset"],
                                          **params}) as handle:
        writer = MaskStoreWriter(handle, params["compression"])
        for i, video_id in enumerate(progress_bar(frames_store.video_ids, desc="segment",
                                                  unit="video")):
            # streamed (methods/l2a/streaming.py): masks written piece by piece
            clip = StoredClip(frames_store, i)
            # the decode params let a backend read the source at another resolution (pose_crop)
            video = {**videos.get(video_id, {"id": video_id}), "decode": frames_store.params}
            truth = TruthClip.of(video, clip.num_frames, clip.frame_size)
            tally = {"inter": 0, "union": 0, "any": False}

            def pieces(clip=clip, video=video, truth=truth, tally=tally):
                start = 0
                for per_frame in segment_pieces(segmenter, clip, video):
                    seg = summarize(per_frame, *clip.frame_size)
                    if truth is not None:
                        gt = truth.frames(start, start + len(per_frame))
                        tally["inter"] += int(np.logical_and(seg.union, gt).sum())
                        tally["union"] += int(np.logical_or(seg.union, gt).sum())
                    tally["any"] = tally["any"] or bool(seg.union.any())
                    start += len(per_frame)
                    yield seg

            def iou(truth=truth, tally=tally) -> float:  # mask_iou of the whole clip
                if truth is None:
                    return float("nan")
                return 1.0 if tally["union"] == 0 else tally["inter"] / tally["union"]

            writer.add_chunks(video_id, int(frames_store.labels[i]), pieces(), iou)
            if getattr(segmenter, "dropped", 0):
                log.info("%s: %d static instance(s) no person model covers left out (l2a.static)",
                         video_id, segmenter.dropped)
            if truth is not None:
                ious.append(iou())
            if not tally["any"]:
                log.warning("%s: no detection in any frame (composite = background, λ = 0)",
                            video_id)
        writer.close()
        empty = int(handle.attrs["empty_videos"])
    frames_store.close()
    summary = {"videos": len(frames_store), "empty_videos": empty,
               "mean_iou": float(np.mean(ious)) if ious else None}
    log.info("segment %s with %s: %s", frames_path, params["segmenter"], summary)
    return summary


def gather_masks_index(shard_paths: list[str | Path], out: str | Path,
                       limits: dict | None = None) -> dict:
    """``masks/index.json``: per shard and overall, videos, empty videos (no detection), mean γ
    and mean IoU against ground truth (null without ground truth); per video (``videos_checked``)
    its sanity figures (:func:`videoaug.methods.l2a.mask_checks.mask_sanity`: mask share, share
    on the frame border, share static over the clip) and the ``warnings`` they raise against
    ``limits`` (``l2a.sanity``), each also logged as a warning line."""
    from videoaug.methods.l2a.mask_checks import DEFAULT_LIMITS, mask_sanity, sanity_warnings
    from videoaug.methods.l2a.stores import MaskStore

    limits = {**DEFAULT_LIMITS, **(limits or {})}
    shards, gammas, ious, empty_ids, records = [], [], [], [], []
    segmenter = None
    for path in shard_paths:
        store = MaskStore(path)
        segmenter = store.params.get("segmenter")
        gammas.extend(store.gamma.tolist())
        ious.extend(x for x in store.iou_gt.tolist() if not np.isnan(x))
        empty_ids.extend(v for v, e in zip(store.video_ids, store.empty, strict=True) if e)
        shards.append({"path": str(path), "videos": len(store),
                       "empty_videos": store.empty_videos})
        for i, video_id in enumerate(store.video_ids):
            figures = mask_sanity(store.read(i, "union"), limits["border"],
                                  limits["persistence"])
            warnings = sanity_warnings(figures, limits)
            for line in warnings:
                log.warning("%s: %s", video_id, line)
            iou = float(store.iou_gt[i])
            records.append({"id": video_id, **figures,
                            "iou_gt": None if np.isnan(iou) else iou, "warnings": warnings})
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
        "videos_with_warnings": sum(bool(r["warnings"]) for r in records),
        "limits": limits,
        "videos_checked": sorted(records, key=lambda r: r["id"]),
    }
    write_json(out, index)
    return index


def inpaint_shard(frames_path: str | Path, masks_path: str | Path, params: dict,
                  out: str | Path) -> dict:
    """Backgrounds of every video of a shard: the union mask removed and filled (median or TELEA
    chosen per video from the camera motion; recorded in the index), then checked for residual
    people and filled again where one is found (``check``; recorded per video).

    ``params``: ``dilate``, ``static_max_shift``, ``static_outliers``, ``radius``, ``method``,
    ``check`` (a person backend spec, or ``none``), ``check_options`` (its ``l2a`` options),
    ``check_every``, ``check_grow``, ``max_residual``, ``compression``, ``threads``.
    """
    from videoaug.io.store import FrameStore, FrameStoreWriter, atomic_store
    from videoaug.methods.l2a.stores import BACKGROUNDS_SCHEMA, MaskStore, write_background_columns
    from videoaug.methods.l2a.streaming import StoredClip, inpaint_pieces

    set_threads(params["threads"])
    frames_store, masks = FrameStore(frames_path), MaskStore(masks_path)
    if frames_store.video_ids != masks.video_ids:
        raise ValueError(f"{masks_path} does not list the videos of {frames_path}: rebuild it "
                         "(snakemake reruns segment when the frames change)")
    find_people = person_finder(params.get("check", "none"), params.get("check_options", {}))
    columns: dict[str, list] = {k: [] for k in ("method", "shift", "outliers", "overruled",
                                                "residual_before", "residual")}
    with atomic_store(out, BACKGROUNDS_SCHEMA, {"stage": "inpaint", **params}) as handle:
        writer = FrameStoreWriter(handle, params["compression"])
        for i, video_id in enumerate(progress_bar(frames_store.video_ids, desc="inpaint",
                                                  unit="video")):
            # streamed (methods/l2a/streaming.py): a shift pass, a bounded median, a fill pass
            result = inpaint_pieces(
                StoredClip(frames_store, i),
                lambda i=i: masks.read_chunks(i, "union"),
                lambda rows, i=i: masks.read(i, "union", rows),
                dilate=params["dilate"], static_max_shift=params["static_max_shift"],
                radius=params["radius"], method=params["method"],
                static_outliers=params.get("static_outliers", 0.3))
            shares: list[tuple[float, float]] = []
            pieces = result.pieces() if find_people is None else _checked_pieces(
                result.pieces(), find_people, params, shares)
            writer.add_chunks(video_id, pieces, label=int(frames_store.labels[i]),
                              fps=frames_store.fps(i), source=video_id)
            # residual people: the worst streamed piece
            before = max((b for b, _ in shares), default=float("nan"))
            after = max((a for _, a in shares), default=float("nan"))
            if find_people is not None and after > params["max_residual"]:
                log.warning("%s: %.2f%% of the background is still a person after the refill "
                            "(%.2f%% before)", video_id, 100 * after, 100 * before)
            for key, value in (("method", result.method), ("shift", result.shift),
                               ("outliers", result.outliers), ("overruled", result.overruled),
                               ("residual_before", before), ("residual", after)):
                columns[key].append(value)
        writer.close()
        methods = columns.pop("method")
        write_background_columns(handle, methods, columns.pop("shift"), **columns)
    frames_store.close()
    masks.close()
    summary = {m: methods.count(m) for m in sorted(set(methods))}
    log.info("inpaint %s: methods %s", frames_path, summary)
    return summary


def _checked_pieces(pieces, find_people, params: dict, shares: list):
    """Each background piece checked for residual people and refilled
    (:func:`~videoaug.methods.l2a.inpaint.check_background`); ``shares`` gets (before, after)."""
    from videoaug.methods.l2a.inpaint import check_background

    for piece in pieces:
        check = check_background(piece, find_people, params["check_every"],
                                 params["check_grow"], params["radius"])
        shares.append((check.before, check.after))
        yield check.frames


def person_finder(spec: str, options: dict):
    """``frames -> bool (T, H, W)`` person pixels of backend ``spec`` (its people mask), or None
    for ``none``: what checks a filled background for residual people."""
    if spec in (None, "none"):
        return None
    from videoaug.methods.l2a.segment import build_segmenter, summarize

    segmenter = build_segmenter(spec, options)

    def find(frames: np.ndarray) -> np.ndarray:
        return summarize(segmenter.segment(frames, {}), *frames.shape[1:3]).people

    return find


def gather_backgrounds_index(shard_paths: list[str | Path], out: str | Path,
                             max_residual: float = 0.005) -> dict:
    """``backgrounds/index.json``: per video the fill ``method``, the camera ``shift`` used,
    whether registration was ``overruled`` (a tripod), and the residual person share of the
    checked background before and after the refill, with a warning where it stays above
    ``max_residual``; and the counts over the dataset."""
    from videoaug.methods.l2a.stores import BackgroundStore

    records = []
    for path in shard_paths:
        store = BackgroundStore(path)
        for i, video_id in enumerate(store.video_ids):
            residual, before = float(store.residual[i]), float(store.residual_before[i])
            warnings = []
            if residual > max_residual:
                warnings.append(f"{residual:.2%} of the background is a person after the "
                                f"refill ({before:.2%} before)")
            records.append({
                "id": video_id, "method": store.methods[i], "shift": float(store.shift[i]),
                "overruled": bool(store.overruled[i]),
                "outliers": None if np.isnan(store.outliers[i]) else float(store.outliers[i]),
                "residual_before": None if np.isnan(before) else before,
                "residual": None if np.isnan(residual) else residual, "warnings": warnings})
        store.close()
    checked = [r for r in records if r["residual"] is not None]
    index = {
        "videos": len(records),
        "methods": {m: sum(r["method"] == m for r in records)
                    for m in sorted({r["method"] for r in records})},
        "overruled": sum(r["overruled"] for r in records),
        "checked": len(checked),
        "with_people_before": sum(r["residual_before"] > 0 for r in checked),
        "with_people_after": sum(r["residual"] > 0 for r in checked),
        "mean_residual": float(np.mean([r["residual"] for r in checked])) if checked else None,
        "max_residual": max_residual,
        "videos_with_warnings": sum(bool(r["warnings"]) for r in records),
        "videos_checked": sorted(records, key=lambda r: r["id"]),
    }
    write_json(out, index)
    return index


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
                       frames_shown: int = 5, seed: int = 0, alpha: float = 4.0) -> list[dict]:
    """Fig. 3 (one frame: foreground, mask, inpainted background of the matched video, composite)
    and Fig. 4 (strips of composites) of the paper for ``pairs`` seeded training pairs.

    Every panel is titled with the frame index it shows, per row. Returns the rows drawn
    (``fg``, ``bg``, ``titles``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from videoaug.methods.l2a.compose import Variant, composite_pair, match_background
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
    rows: list[dict] = []
    fig, axes = plt.subplots(len(chosen), cols, figsize=(1.6 * cols, 1.65 * len(chosen)),
                             squeeze=False)
    for r, (fg_id, bg_id) in enumerate(chosen):
        comp = composite_pair(stores, fg_id, bg_id, Variant(), alpha=alpha)
        mask = stores.mask(fg_id)
        t = int(np.argmax(mask.reshape(len(mask), -1).sum(1)))  # the frame showing most actor
        # the background as the composite uses it (cover-cropped, looped to the foreground)
        bg = match_background(stores.background(bg_id), len(comp.frames), comp.frames.shape[1:3])
        picks = np.round(np.linspace(0, len(comp.frames) - 1, frames_shown)).astype(int)
        panels = [stores.frames(fg_id)[t], mask[t], bg[t], comp.frames[t]]
        panels += [comp.frames[k] for k in picks]
        # every row is labelled with its own frame indices (rows show different frames)
        names = ["foreground", "mask", "inpainted bg", "composite"] + [""] * frames_shown
        indices = [t] * 4 + [int(k) for k in picks]
        for c, (img, name, k) in enumerate(zip(panels, names, indices, strict=True)):
            ax = axes[r][c]
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{name}\nt={k}" if r == 0 and name else f"t={k}", fontsize=6)
        fg_cls = classes[stores.label(fg_id)]
        bg_cls = classes[stores.label(bg_id)]
        axes[r][0].set_ylabel(f"{fg_cls} on\n{bg_cls}\nλ={comp.lam:.2f}", fontsize=7)
        rows.append({"fg": fg_id, "bg": bg_id, "titles": [ax.get_title() for ax in axes[r]]})
    stores.close()
    fig.suptitle(f"{manifest['dataset']}: Learn2Augment compositing (Figs. 3, 4)", fontsize=9)
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return rows
