"""Stage ``manifest``: list a dataset's videos (id, path, label, class, split, size) as JSON.

Two forms: the whole dataset (``cache/{ds}/manifest.json``, read by the stages that use every
video: training, figures, indexes) and one shard of it (``cache/{ds}/manifest/{shard}.json``:
the videos that go to that shard, each with its ``position`` in the whole manifest), read by the
per-shard stages (decode, dynamic images, masks, distilled images). Each form is rebuilt when the
digest of what it lists changes (:func:`videoaug.data.preflight.listing_digest`, a rule param), so
a video added, removed or replaced reruns the shards it falls in and not the others.
"""

from __future__ import annotations

import logging
from pathlib import Path

from videoaug.data.registry import load_records
from videoaug.provenance import versions, write_json

log = logging.getLogger("videoaug")


def build_manifest(dataset: str, ds_cfg: dict, seed: int, out: str | Path,
                   shard: int | None = None, shards: int | None = None) -> dict:
    """Read dataset ``dataset`` (its config entry ``ds_cfg``) and write ``out`` (manifest.json),
    or with ``shard``/``shards`` only the videos of that shard (``shard`` and ``shards`` recorded,
    each video with its ``position``; the counts stay the whole dataset's).

    Nothing is written when the dataset root is missing or incomplete (the reader raises first).
    """
    if (shard is None) != (shards is None) or (shard is not None and not 0 <= shard < shards):
        raise ValueError(f"shard {shard!r} of {shards!r}: give both, with 0 <= shard < shards")
    classes, records = load_records(dataset, ds_cfg, seed)
    videos = []
    for position, record in enumerate(records):
        entry = record.to_json()
        entry["size"] = Path(record.path).stat().st_size
        entry["position"] = position
        videos.append(entry)
    counts = {
        split: {
            c: sum(1 for v in videos if v["split"] == split and v["class_name"] == c)
            for c in classes
        }
        for split in ("train", "test")
    }
    manifest = {
        "dataset": dataset,
        "kind": ds_cfg["kind"],
        "root": str(Path(ds_cfg["root"]).resolve()),
        "classes": list(classes),
        "counts": counts,
        "videos": videos,
        "config": ds_cfg,
        "seed": seed,
        "versions": {"videoaug": versions()["videoaug"]},
    }
    if shard is not None:
        manifest.update(shard=shard, shards=shards,
                        videos=[v for v in videos if shard_of(v["position"], shards) == shard])
    write_json(out, manifest)
    log.info(
        "manifest %s: %d classes, %d train, %d test videos",
        dataset,
        len(classes),
        sum(counts["train"].values()),
        sum(counts["test"].values()),
    )
    return manifest


def shard_of(position: int, shards: int) -> int:
    """Videos go round-robin to shards in manifest order (balanced per class and split)."""
    return position % shards


def shard_videos(manifest: dict, shard: int, shards: int) -> list[dict]:
    """The videos of shard ``shard`` of ``shards``: from a whole manifest, or all of a shard
    manifest (which must be that shard's)."""
    if "shard" in manifest:
        if (manifest["shard"], manifest["shards"]) != (shard, shards):
            raise ValueError(f"manifest of shard {manifest['shard']} of {manifest['shards']} "
                             f"given for shard {shard} of {shards}")
        return list(manifest["videos"])
    return [v for i, v in enumerate(manifest["videos"]) if shard_of(i, shards) == shard]


def video_positions(manifest: dict) -> dict[str, int]:
    """``{video id: position in the whole manifest}`` (a shard manifest records them)."""
    return {str(v["id"]): int(v.get("position", i)) for i, v in enumerate(manifest["videos"])}
