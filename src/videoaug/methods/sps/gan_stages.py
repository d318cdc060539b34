"""Stages ``train_wgan``, ``train_cgan``, ``generate_pool`` and ``figure_gan`` (Zhang et al.
2020, Sec. 3.2).

One WGAN per class, trained on that class's sparse-sampled dynamic images of the training split
(the paper trains one per class because classes move differently), or, with
``gan.conditional``, one class-conditional WGAN for all classes (``train_cgan``): it learns what
the classes share (the grey background, the scenes, the stick figure) from every image, and each
class's pool is drawn with that class's code. The pool holds generated dynamic images resized to
the SSDI store's size, labelled with the class whose GAN (or class code) made them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import cv2
import numpy as np

from videoaug.io.store import ImageStore, ImageStoreWriter, atomic_store
from videoaug.provenance import read_json
from videoaug.seeding import derive_seed
from videoaug.stages.dynamic_images import SSDI_SCHEMA

log = logging.getLogger("videoaug")
POOL_SCHEMA = "videoaug.gan_pool/1"


@dataclass(frozen=True)
class GanParams:
    loss: str = "wgan-gp"
    iterations: int = 2000
    batch_size: int = 32
    z_dim: int = 100
    image_size: int = 64
    base_channels: int = 32
    n_critic: int = 5
    lr: float | None = None
    betas: tuple[float, float] = (0.5, 0.9)
    gp_lambda: float = 10.0
    clip_value: float = 0.01
    checkpoint_every: int = 100
    pool_size: int = 200
    diffaugment: str = ""
    ema: float = 0.0
    minibatch_std: int = 0
    normalize: str = "minmax"
    conditional: bool = False
    seed: int = 0
    device: str = "auto"

    def wgan_config(self, seed: int, num_classes: int = 0):
        """The training config of one class's WGAN (or, ``num_classes > 0``, of the
        class-conditional one): the fields both dataclasses share, and ``seed`` (each class
        derives its own)."""
        from videoaug.methods.sps.gan.training import WGANConfig

        shared = {f.name for f in fields(WGANConfig)} & {f.name for f in fields(self)}
        return WGANConfig(**{name: getattr(self, name) for name in shared - {"seed"}}, seed=seed,
                          num_classes=num_classes)


def class_index(manifest_path: str | Path, class_name: str) -> int:
    classes = read_json(manifest_path)["classes"]
    if class_name not in classes:
        raise ValueError(f"class {class_name!r} is not in {manifest_path} (classes: {classes})")
    return classes.index(class_name)


def class_training_images(ssdi_paths: list[str | Path], label: int, image_size: int) -> np.ndarray:
    """The class's training SSDI images across shards, resized to the GAN's square size at once
    (one shard read at a time, so memory holds only this class at GAN size)."""
    chunks = []
    for path in ssdi_paths:
        store = ImageStore(path, SSDI_SCHEMA)
        rows = np.flatnonzero((store.labels == label) & (store.column("splits") == "train"))
        if len(rows):
            images = store.images(rows)
            chunks.append(
                np.stack(
                    [
                        cv2.resize(img, (image_size, image_size), interpolation=cv2.INTER_AREA)
                        for img in images
                    ]
                )
            )
        store.close()
    if not chunks:
        raise ValueError(
            f"class {label} has no training dynamic images in {[str(p) for p in ssdi_paths]}: "
            "an empty class cannot train a GAN; check the dataset's split or drop the class"
        )
    return np.concatenate(chunks)


def all_training_images(ssdi_paths: list[str | Path], num_classes: int,
                        image_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every class's training SSDI at the GAN's size and their labels (class by class)."""
    images, labels = [], []
    for label in range(num_classes):
        chunk = class_training_images(ssdi_paths, label, image_size)
        images.append(chunk)
        labels.append(np.full(len(chunk), label, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def train_conditional_wgan(manifest_path: str | Path, ssdi_paths: list[str | Path],
                           params: GanParams, out: str | Path) -> dict:
    """One class-conditional WGAN on the training SSDI of every class (``gan.conditional``)."""
    from videoaug.methods.sps.gan.training import check_resumable, load_checkpoint, train_wgan
    from videoaug.train.device import resolve_device

    classes = read_json(manifest_path)["classes"]
    images, labels = all_training_images(ssdi_paths, len(classes), params.image_size)
    config = params.wgan_config(derive_seed(params.seed, "wgan", "conditional"), len(classes))
    device = resolve_device(params.device)
    log.info("conditional WGAN: %d real images of %d classes, %s on %s", len(images),
             len(classes), params.loss, device)
    partial = partial_checkpoint_path(out)
    if partial.exists():
        try:
            check_resumable(load_checkpoint(partial), config, partial)
        except ValueError as err:
            log.warning("not resuming: %s; starting over", err)
            partial.unlink()
    result = train_wgan(images, config, partial, device=device, progress=True, log=log.info,
                        labels=labels)
    os.replace(partial, out)
    return {"classes": len(classes), "images": len(images), "iterations": result.iteration,
            "resumed_from": result.resumed_from}


def train_class_wgan(
    manifest_path: str | Path,
    ssdi_paths: list[str | Path],
    class_name: str,
    params: GanParams,
    out: str | Path,
) -> dict:
    from videoaug.methods.sps.gan.training import check_resumable, load_checkpoint, train_wgan
    from videoaug.train.device import resolve_device

    label = class_index(manifest_path, class_name)
    images = class_training_images(ssdi_paths, label, params.image_size)
    config = params.wgan_config(derive_seed(params.seed, "wgan", class_name))
    device = resolve_device(params.device)
    log.info("WGAN %s: %d real images, %s on %s", class_name, len(images), params.loss, device)
    # Snakemake deletes a failed job's output, so periodic checkpoints go to a side file that
    # survives a killed job; the finished checkpoint is renamed to the rule's output.
    partial = partial_checkpoint_path(out)
    if partial.exists():
        try:
            check_resumable(load_checkpoint(partial), config, partial)
        except ValueError as err:
            log.warning("not resuming: %s; starting over", err)
            partial.unlink()
    result = train_wgan(images, config, partial, device=device, progress=True, log=log.info)
    os.replace(partial, out)
    return {
        "class": class_name,
        "images": len(images),
        "iterations": result.iteration,
        "resumed_from": result.resumed_from,
    }


def partial_checkpoint_path(out: str | Path) -> Path:
    """Where the periodic checkpoints of ``out`` are kept until training finishes."""
    out = Path(out)
    return out.with_name(out.stem + ".partial" + out.suffix)


def generate_class_pool(
    checkpoint: str | Path,
    manifest_path: str | Path,
    ssdi_index: str | Path,
    class_name: str,
    params: GanParams,
    compression: str,
    out: str | Path,
) -> dict:
    from videoaug.methods.sps.gan.pool import generate_images, load_generator
    from videoaug.train.device import resolve_device

    label = class_index(manifest_path, class_name)
    height, width = read_json(ssdi_index)["shards"][0]["image_shape"][:2]
    generator = load_generator(checkpoint, resolve_device(params.device))
    images = generate_images(
        generator, params.pool_size, derive_seed(params.seed, "pool", class_name),
        label=label if generator.num_classes else None,
    )
    resized = (
        np.stack(
            [cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR) for img in images]
        )
        if len(images)
        else np.zeros((0, height, width, 3), np.uint8)
    )
    store_params = {"stage": "generate_pool", "class": class_name, **asdict(params)}
    with atomic_store(out, POOL_SCHEMA, store_params) as handle:
        writer = ImageStoreWriter(handle, (height, width), compression, {"pool_index": np.int64})
        writer.append(
            resized, labels=np.full(len(resized), label), pool_index=np.arange(len(resized))
        )
        handle.attrs["class_name"] = class_name
    log.info("pool %s: %d generated images of %s", out, len(resized), class_name)
    return {"class": class_name, "images": len(resized)}


def _class_real_images(ssdi_paths: list[str | Path], label: int,
                       heldout: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """The class's training SSDI split into (training, held-out) by video id."""
    train, held = [], []
    for path in ssdi_paths:
        store = ImageStore(path, SSDI_SCHEMA)
        rows = np.flatnonzero((store.labels == label) & (store.column("splits") == "train"))
        if len(rows):
            ids = store.column("video_ids")[rows]
            for image, video in zip(store.images(rows), ids, strict=True):
                (held if str(video) in heldout else train).append(image)
        store.close()
    empty = np.zeros((0, 1, 1, 3), np.uint8)
    return (np.stack(train) if train else empty), (np.stack(held) if held else empty)


def figure_gan(
    manifest_path: str | Path,
    ssdi_paths: list[str | Path],
    pool_paths: list[str | Path],
    out: str | Path,
    per_class: int = 6,
    quality_path: str | Path | None = None,
) -> None:
    """Per class three rows: generated images; beside each, its nearest real training DI in the
    pixel space of the measure (titled with the distance over the median k-NN radius of the
    training DIs, so a copy reads 0.00 and a value above 1 lies outside a typical real ball);
    real held-out DIs. With ``quality_path`` (``quality.json`` of stage ``gan_quality``) the rows
    are titled with the pool's and the reference's numbers and the verdict."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from videoaug.methods.sps.gan.quality import knn_radii, nearest_neighbours, pixel_features

    classes = read_json(manifest_path)["classes"]
    record = read_json(quality_path) if quality_path is not None else {}
    quality = record.get("classes", {})
    heldout = set(record.get("evaluator", {}).get("heldout_video_ids", []))
    measure = record.get("measure", {"k": 3, "pixel_size": [24, 30]})
    pools = {}
    for path in pool_paths:
        store = ImageStore(path, POOL_SCHEMA)
        if len(store):
            pools[int(store.labels[0])] = store.images(np.arange(min(per_class, len(store))))
        store.close()
    labels = sorted(pools)
    # Fixed margins (no tight_layout: the two-line titles would shrink the images to stamps).
    height = 4.9 * len(labels) + 0.5
    fig, axes = plt.subplots(3 * len(labels), per_class, figsize=(1.55 * per_class + 0.6, height),
                             squeeze=False, gridspec_kw={"hspace": 0.62, "wspace": 0.04})
    fig.subplots_adjust(left=0.6 / (1.55 * per_class + 0.6), right=0.995, bottom=0.1 / height,
                        top=1 - 0.75 / height)
    for r, label in enumerate(labels):
        train, held = _class_real_images(ssdi_paths, label, heldout)
        generated = pools[label]
        nearest, scale = [], []
        if len(train) > measure["k"]:
            train_pixels = pixel_features(train, measure["pixel_size"])
            index, distance = nearest_neighbours(
                pixel_features(generated, measure["pixel_size"]), train_pixels)
            radius = float(np.median(knn_radii(train_pixels, measure["k"])))
            nearest = [train[i] for i in index]
            scale = [f"d/r {d / max(radius, 1e-12):.2f}" for d in distance]
        reals = held if len(held) else train
        rows = (("generated", list(generated), [""] * len(generated)),
                ("nearest real\n(training)", nearest, scale),
                ("real held-out" if len(held) else "real training", list(reals[:per_class]),
                 [""] * per_class))
        for offset, (kind, images, captions) in enumerate(rows):
            row = 3 * r + offset
            for c in range(per_class):
                ax = axes[row][c]
                ax.set_xticks([])
                ax.set_yticks([])
                if c < len(images):
                    ax.imshow(images[c])
                    if captions[c]:
                        ax.set_xlabel(captions[c], fontsize=6, labelpad=1)
                if c == 0:
                    ax.set_ylabel(f"{classes[label]}\n{kind}", fontsize=7)
        if classes[label] in quality:
            for offset, kind in ((0, "generated"), (2, "real")):
                axes[3 * r + offset][0].set_title(_quality_line(kind, quality[classes[label]]),
                                                  fontsize=6.5, loc="left")
    fig.suptitle("WGAN dynamic images, their nearest real training DI (pixel space, d/r = distance "
                 "over the median k-NN radius of the training DIs), real held-out DIs",
                 fontsize=8, y=1 - 0.2 / height)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _quality_line(kind: str, record: dict) -> str:
    """Two lines of a class's pool quality (generated, with the verdict and the parts it misses)
    or of its held-out reference (real)."""
    part = record["generated" if kind == "generated" else "real_heldout"]
    name = "pool" if kind == "generated" else "real held-out (reference)"
    verdict = ""
    if kind == "generated":
        goal = record["goal"]
        verdict = ("  MEETS GOAL" if goal["passes"]
                   else "  FAILS: " + ", ".join(goal["fails"]))
    return (f"{name}: consistency {part['consistency']:.2f}{verdict}\n"
            f"precision/recall pixel {part['precision_pixel']:.2f}/{part['recall_pixel']:.2f}, "
            f"embedding {part['precision_embedding']:.2f}/{part['recall_embedding']:.2f}")
