"""Stage ``manifest``: list a dataset's videos (id, path, label, class, split, size) as JSON."""

from __future__ import annotations

import logging
from pathlib import Path

from videoaug.data.registry import load_records
from videoaug.provenance import versions, write_json

log = logging.getLogger("videoaug")


def build_manifest(dataset: str, ds_cfg: dict, seed: int, out: str | Path) -> dict:
    """Read dataset ``dataset`` (its config entry ``ds_cfg``) and write ``out`` (manifest.json).

    Nothing is written when the dataset root is missing or incomplete (the reader raises first).
    """
    classes, records = load_records(dataset, ds_cfg, seed)
    videos = []
    for record in records:
        entry = record.to_json()
        entry["size"] = Path(record.path).stat().st_size
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
