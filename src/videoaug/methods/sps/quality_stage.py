"""Stages ``gan_quality_net`` and ``gan_quality``: a measured quality of every generated pool.

``gan_quality_net`` trains the fixed, seeded evaluator
(:class:`videoaug.methods.sps.gan.quality.QualityNet`)
on the real training SSDI of a dataset, minus a seeded validation part of the training videos
(never a test video), on the shared trainer. ``gan_quality`` embeds, per class, the training
DIs, the held-out DIs and the class's generated pool, and writes
``cache/{ds}/gan/quality.json`` (evaluator: ``cache/{ds}/gan_quality/net.pt``): class
consistency, Fréchet distance to the training DIs, diversity, and improved precision / recall
(Kynkäänniemi et al. 2019) in pixel space and in the embedding of the pool, the same for the
held-out real DIs as the reference, whether the pool meets the goal of
:data:`videoaug.methods.sps.gan.quality.GOAL` (and which parts it misses), and the same verdict
for control pools that must fail (moment-matched noise, constant grey, one image repeated,
heavy blur: :func:`videoaug.methods.sps.gan.quality.control_sets`), so every record shows the
measure rejecting them on the dataset at hand. SPS results and the GAN figure copy it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from videoaug.methods.sps.gan.quality import (
    CONTROL_BLUR,
    GOAL,
    SPACES,
    QualityNet,
    control_sets,
    heldout_videos,
    image_set_quality,
    meets_goal,
    pixel_features,
)
from videoaug.provenance import read_json, write_json
from videoaug.seeding import derive_seed, numpy_rng

log = logging.getLogger("videoaug")
SSDI_SCHEMA = "videoaug.ssdi/1"
POOL_SCHEMA = "videoaug.gan_pool/1"
NET_FORMAT = "videoaug.gan_quality_net/1"
QUALITY_SCHEMA = "videoaug.gan_quality/2"
FEATURE_SPACE = (
    "linear embedding of QualityNet (3 conv blocks, widths w/2w/4w, global average pool) trained "
    "on the real training SSDI minus the held-out videos; images resized to image_size (short "
    "side) and centre-cropped"
)


@dataclass(frozen=True)
class QualityParams:
    """The evaluator's shape and training (config section ``gan_quality``)."""

    image_size: int = 32
    width: int = 16
    feature_dim: int = 16
    heldout_fraction: float = 0.25
    epochs: int = 30
    batch_size: int = 32
    lr: float = 0.05
    threads: int = 1
    seed: int = 0
    device: str = "auto"


@dataclass(frozen=True)
class MeasureParams:
    """How pools are measured (config keys ``gan_quality.k``, ``pixel_size`` and
    ``control_blur``; they do not change the evaluator, so they are not part of
    :class:`QualityParams`)."""

    k: int = 3
    pixel_size: tuple[int, int] = (24, 30)
    control_blur: float = CONTROL_BLUR

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"gan_quality.k must be >= 1, got {self.k}")
        object.__setattr__(self, "pixel_size", tuple(int(v) for v in self.pixel_size))
        if len(self.pixel_size) != 2 or min(self.pixel_size) < 1:
            raise ValueError(f"gan_quality.pixel_size must be [height, width], got "
                             f"{list(self.pixel_size)}")
        if self.control_blur <= 0:
            raise ValueError(f"gan_quality.control_blur must be > 0, got {self.control_blur}")


class ArrayImages(Dataset):
    """In-memory ``uint8 (N, H, W, 3)`` images as evaluator items ``(uint8 (3, S, S), label, i)``
    through a deterministic transform (the control pools)."""

    def __init__(self, images: np.ndarray, label: int, transform) -> None:
        self.images, self.label, self.transform = np.asarray(images), int(label), transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        from videoaug.train.transforms import image_to_tensor

        image = self.transform(self.images[index], np.random.default_rng(index))
        return image_to_tensor(image), self.label, index


def _eval_transform(size: int):
    from videoaug.train.transforms import eval_transform

    return eval_transform((size, size), short_side=size)


def _real_samples(ssdi_paths: list[str | Path], params: QualityParams, seed: int, train: bool):
    from videoaug.train.datasets import ImageSamples
    from videoaug.train.transforms import FrameTransform

    size = (params.image_size, params.image_size)
    transform = (FrameTransform(size=size, crop="ccs", flip=True) if train
                 else _eval_transform(params.image_size))
    return ImageSamples(ssdi_paths, split="train", schema=SSDI_SCHEMA, seed=seed,
                        transform=transform)


def _heldout(samples, params: QualityParams, seed: int) -> set[str]:
    return heldout_videos(samples.video_ids, samples.labels, params.heldout_fraction,
                          numpy_rng(seed, "heldout"))


@torch.inference_mode()
def embed_dataset(model: QualityNet, dataset, batch_size: int = 64,
                  device: str | torch.device = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Features ``(N, feature_dim)`` and softmax ``(N, C)`` (float64) of every item of
    ``dataset`` (items ``(uint8 (3, S, S), label, id)``), in order; the model runs in eval mode."""
    from videoaug.train.trainer import evaluation_mode, make_loader
    from videoaug.train.transforms import DEFAULT_INPUTS

    device = torch.device(device)
    loader = make_loader(dataset, batch_size, shuffle=False, num_workers=0, generator=None,
                         device=device)
    features, probs = [], []
    with evaluation_mode(model):
        for batch in loader:
            embedded = model.embed(DEFAULT_INPUTS.prepare(batch[0], device))
            features.append(embedded.double().cpu())
            probs.append(torch.softmax(model.head(embedded).double(), dim=1).cpu())
    return torch.cat(features).numpy(), torch.cat(probs).numpy()


def train_quality_net(manifest_path: str | Path, ssdi_paths: list[str | Path],
                      params: QualityParams, out: str | Path) -> dict[str, Any]:
    """Train the evaluator on the training SSDI minus the held-out videos; save its state_dict,
    the held-out video ids and its held-out top-1 to ``out``."""
    from videoaug.methods.sps.gan.training import save_checkpoint_atomic
    from videoaug.train.trainer import TrainConfig, Trainer

    torch.set_num_threads(params.threads)
    manifest = read_json(manifest_path)
    classes = manifest["classes"]
    seed = derive_seed(params.seed, "gan_quality", manifest["dataset"])
    samples = _real_samples(ssdi_paths, params, seed, train=True)
    heldout = _heldout(samples, params, seed)
    is_heldout = np.array([str(v) in heldout for v in samples.video_ids])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "init"))
        model = QualityNet(len(classes), params.width, params.feature_dim)
    config = TrainConfig(epochs=params.epochs, batch_size=params.batch_size, lr=params.lr,
                         schedule="cosine", seed=seed, device=params.device, log_every=10)
    trainer = Trainer(model, config, len(classes))
    started = time.time()
    history = trainer.fit(samples.select(np.flatnonzero(~is_heldout)))
    held = samples.with_transform(_eval_transform(params.image_size)).select(
        np.flatnonzero(is_heldout))
    _, probs = embed_dataset(trainer.model, held, device=trainer.device)
    top1 = float((probs.argmax(1) == held.labels).mean())
    log.info("quality net: %d training DIs, %d held-out DIs of %d videos, held-out top-1 %.3f "
             "(%.1f s)", int((~is_heldout).sum()), len(held), len(heldout), top1,
             time.time() - started)
    save_checkpoint_atomic(
        {
            "format": NET_FORMAT,
            "classes": list(classes),
            "params": asdict(params),
            "model": {k: v.cpu() for k, v in trainer.model.state_dict().items()},
            "heldout_videos": sorted(heldout),
            "heldout_top1": top1,
            "final_train_loss": float(history[-1]["train_loss"]) if history else None,
        },
        out,
    )
    return {"heldout_top1": top1, "heldout_videos": len(heldout)}


def load_quality_net(path: str | Path) -> tuple[QualityNet, dict[str, Any]]:
    """The evaluator and its checkpoint (``weights_only=True``)."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if checkpoint.get("format") != NET_FORMAT:
        raise ValueError(f"{path} is not a {NET_FORMAT} checkpoint; rebuild it (rule "
                         "gan_quality_net)")
    params = QualityParams(**checkpoint["params"])
    model = QualityNet(len(checkpoint["classes"]), params.width, params.feature_dim)
    model.load_state_dict(checkpoint["model"])
    return model.eval(), checkpoint


MEAN_KEYS = ("consistency", "frechet", "diversity",
             *(f"{name}_{space}" for space in SPACES for name in ("precision", "recall")))


def _mean_of(records: list[dict[str, float]]) -> dict[str, float]:
    return {key: float(np.mean([r[key] for r in records])) for key in MEAN_KEYS
            if all(key in r for r in records)}


def _ratios(generated: dict[str, float], real: dict[str, float]) -> dict[str, float]:
    """``generated / reference`` of every number but consistency (compared as a gap) and ``n``."""
    return {key: generated[key] / max(real[key], 1e-12) for key in MEAN_KEYS[1:]
            if key in generated and key in real}


def _read_all(samples) -> np.ndarray:
    return np.stack([samples.read(i) for i in range(len(samples))])


def measure_quality(net_path: str | Path, manifest_path: str | Path,
                    ssdi_paths: list[str | Path], pool_paths: list[str | Path],
                    out: str | Path | None = None,
                    measure: MeasureParams | None = None, controls: bool = True
                    ) -> dict[str, Any]:
    """Per class: quality of the generated pool, of the held-out real DIs (the reference) and
    (``controls``) of the control pools, written to ``out`` (``cache/{ds}/gan/quality.json``)
    when given."""
    from videoaug.train.datasets import ImageSamples

    measure = measure or MeasureParams()
    model, checkpoint = load_quality_net(net_path)
    params = QualityParams(**checkpoint["params"])
    torch.set_num_threads(params.threads)
    manifest = read_json(manifest_path)
    classes = manifest["classes"]
    if list(checkpoint["classes"]) != list(classes):
        raise ValueError(f"{net_path} was trained on classes {checkpoint['classes']}, the manifest "
                         f"{manifest_path} has {classes}; rebuild the quality net")
    transform = _eval_transform(params.image_size)
    real = _real_samples(ssdi_paths, params, 0, train=False)
    real_features, real_probs = embed_dataset(model, real)
    real_images = _read_all(real)
    real_pixels = pixel_features(real_images, measure.pixel_size)
    heldout = set(checkpoint["heldout_videos"])
    is_heldout = np.array([str(v) in heldout for v in real.video_ids])
    rng = numpy_rng(params.seed, "gan_quality_controls", manifest["dataset"])
    per_class: dict[str, Any] = {}
    control_records: dict[str, Any] = {}
    for path in pool_paths:
        pool = ImageSamples([path], schema=POOL_SCHEMA, transform=transform)
        if len(pool) == 0:
            raise ValueError(f"pool {path} is empty; set gan.pool_size >= 2")
        label = int(pool.labels[0])
        train_rows = (real.labels == label) & ~is_heldout
        held_rows = (real.labels == label) & is_heldout
        sample_size = int(held_rows.sum())
        if sample_size <= measure.k or len(pool) <= measure.k:
            raise ValueError(
                f"precision/recall with gan_quality.k = {measure.k} need more than {measure.k} "
                f"held-out and generated images of class {classes[label]}, got {sample_size} "
                f"held-out and {len(pool)} generated; lower gan_quality.k or raise "
                "gan_quality.heldout_fraction / gan.pool_size")
        reference = (real_features[train_rows], real_pixels[train_rows])

        def quality(features, probs, pixels, label=label, reference=reference,
                    sample_size=sample_size):
            return image_set_quality(features, probs, label, reference[0], sample_size,
                                     pixels=pixels, train_pixels=reference[1], k=measure.k)

        real_q = quality(real_features[held_rows], real_probs[held_rows], real_pixels[held_rows])
        pool_images = _read_all(pool)
        gen_q = quality(*embed_dataset(model, pool), pixel_features(pool_images,
                                                                    measure.pixel_size))
        per_class[classes[label]] = {
            "generated": gen_q,
            "real_heldout": real_q,
            "ratios": _ratios(gen_q, real_q),
            "frechet_ratio": gen_q["frechet"] / max(real_q["frechet"], 1e-12),
            "diversity_ratio": gen_q["diversity"] / max(real_q["diversity"], 1e-12),
            "goal": meets_goal(gen_q, real_q),
            "pool": str(path),
        }
        if not controls:
            continue
        control_records[classes[label]] = {}
        for name, images in control_sets(real_images[train_rows], real_images[held_rows],
                                         rng, measure.control_blur).items():
            control_q = quality(*embed_dataset(model, ArrayImages(images, label, transform)),
                                pixel_features(images, measure.pixel_size))
            control_records[classes[label]][name] = {**control_q,
                                                     "goal": meets_goal(control_q, real_q)}
    records = list(per_class.values())
    result = {
        "schema": QUALITY_SCHEMA,
        "dataset": manifest["dataset"],
        "feature_space": FEATURE_SPACE,
        "pixel_space": (f"images shrunk to {measure.pixel_size[0]}x{measure.pixel_size[1]} "
                        "(area averaging), RGB in [0, 1], Euclidean distance"),
        "measure": {"k": measure.k, "pixel_size": list(measure.pixel_size),
                    "control_blur": measure.control_blur,
                    "reference": "the class's real training DIs minus the held-out videos"},
        "evaluator": {"heldout_videos": len(heldout), "heldout_top1": checkpoint["heldout_top1"],
                      "heldout_video_ids": sorted(heldout), "params": checkpoint["params"]},
        "goal_definition": GOAL,
        "classes": per_class,
        "controls": control_records,
        "controls_fail": all(not c["goal"]["passes"] for per in control_records.values()
                             for c in per.values()) if controls else None,
        "mean": {
            "generated": _mean_of([r["generated"] for r in records]),
            "real_heldout": _mean_of([r["real_heldout"] for r in records]),
            "frechet_ratio": float(np.mean([r["frechet_ratio"] for r in records])),
            "diversity_ratio": float(np.mean([r["diversity_ratio"] for r in records])),
        },
        "passing_classes": sum(r["goal"]["passes"] for r in records),
        "passes": all(r["goal"]["passes"] for r in records),
    }
    if out is not None:
        write_json(out, result)
    for name, record in per_class.items():
        gen, ref = record["generated"], record["real_heldout"]
        log.info("%s: consistency %.2f (real %.2f), precision/recall pixel %.2f/%.2f (real "
                 "%.2f/%.2f), embedding %.2f/%.2f (real %.2f/%.2f)%s", name, gen["consistency"],
                 ref["consistency"], gen["precision_pixel"], gen["recall_pixel"],
                 ref["precision_pixel"], ref["recall_pixel"], gen["precision_embedding"],
                 gen["recall_embedding"], ref["precision_embedding"], ref["recall_embedding"],
                 "" if record["goal"]["passes"] else
                 f" (below the goal: {', '.join(record['goal']['fails'])})")
    for name, per in control_records.items():
        passing = [kind for kind, c in per.items() if c["goal"]["passes"]]
        if passing:
            log.warning("%s: control pools %s pass the goal; the measure cannot tell them from "
                        "real images on this dataset", name, passing)
    return result


def quality_summary(quality: dict[str, Any]) -> dict[str, Any]:
    """The part of ``quality.json`` an SPS result carries: per-class numbers, means, verdict."""
    return {
        "classes": {
            name: {"generated": {k: v for k, v in record["generated"].items() if k != "n"},
                   "real_heldout": {k: v for k, v in record["real_heldout"].items() if k != "n"},
                   "passes": record["goal"]["passes"], "fails": record["goal"]["fails"]}
            for name, record in quality["classes"].items()
        },
        "mean": quality["mean"],
        "passes": quality["passes"],
        "passing_classes": quality["passing_classes"],
        "controls_fail": quality["controls_fail"],
        "goal_definition": quality["goal_definition"],
        "measure": quality["measure"],
        "evaluator_heldout_top1": quality["evaluator"]["heldout_top1"],
    }
