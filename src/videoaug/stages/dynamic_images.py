"""Stage ``dynamic_images``: sparse-sampled dynamic images (SSDI) of one frames shard.

For each video, ``subvideos`` sparse sub-videos (each a random ``keep_fraction`` of the frames in
temporal order, seeded by the video id) and their dynamic images (``images``, ``labels``,
``video_ids``, ``splits``), plus the whole-video dynamic image (``full_*``), used at test time.
Images are resized to ``height × width`` so that one store holds one image size.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from videoaug import meter
from videoaug.dynamic import dynamic_image, sparse_dynamic_images
from videoaug.io.store import FrameStore, ImageStore, ImageStoreWriter, atomic_store
from videoaug.provenance import progress_bar, read_json, write_json
from videoaug.seeding import numpy_rng

log = logging.getLogger("videoaug")
SSDI_SCHEMA = "videoaug.ssdi/1"


@dataclass(frozen=True)
class DynamicParams:
    subvideos: int = 5
    keep_fraction: float = 0.5
    height: int = 112
    width: int = 144
    compression: str = "lz4"
    seed: int = 0


def resize_images(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize ``(N, h, w, 3)`` uint8 to ``(N, height, width, 3)`` (area interpolation)."""
    if images.shape[1:3] == (height, width):
        return images
    return np.stack(
        [cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA) for img in images]
    )


def dynamic_images_shard(
    frames_path: str | Path, manifest_path: str | Path, params: DynamicParams, out: str | Path
) -> dict:
    frames = FrameStore(frames_path)
    splits = {v["id"]: v["split"] for v in read_json(manifest_path)["videos"]}
    columns = {"video_ids": np.dtype(object), "splits": np.dtype(object)}
    size = (params.height, params.width)
    store_params = {"stage": "dynamic_images", "frames": frames.params, **asdict(params)}
    with atomic_store(out, SSDI_SCHEMA, store_params) as handle:
        sparse = ImageStoreWriter(handle, size, params.compression, columns)
        full = ImageStoreWriter(handle, size, params.compression, columns, prefix="full_")
        for i in progress_bar(meter.counted(range(len(frames)), "video", "video"),
                              desc="dynamic images", total=len(frames), unit="video"):
            video_id, label = frames.video_ids[i], int(frames.labels[i])
            clip = frames.read(i)
            rng = numpy_rng(params.seed, "ssdi", video_id)
            images = sparse_dynamic_images(clip, params.subvideos, params.keep_fraction, rng)
            n = len(images)
            sparse.append(
                resize_images(images, *size),
                labels=np.full(n, label),
                video_ids=np.array([video_id] * n, dtype=object),
                splits=np.array([splits[video_id]] * n, dtype=object),
            )
            full.append(
                resize_images(dynamic_image(clip)[None], *size),
                labels=np.array([label]),
                video_ids=np.array([video_id], dtype=object),
                splits=np.array([splits[video_id]], dtype=object),
            )
        count = len(sparse)
    frames.close()
    log.info("%s: %d sparse dynamic images of %d videos", out, count, len(frames))
    return {"images": count, "videos": len(frames)}


def gather_ssdi_index(shard_paths: list[str | Path], out: str | Path) -> dict:
    shards = []
    for path in shard_paths:
        store = ImageStore(path, SSDI_SCHEMA)
        splits = store.column("splits")
        shards.append(
            {
                "path": str(path),
                "images": len(store),
                "train_images": int((splits == "train").sum()),
                "image_shape": list(store.image_shape),
            }
        )
        store.close()
    index = {"shards": shards, "images": sum(s["images"] for s in shards)}
    write_json(out, index)
    return index
