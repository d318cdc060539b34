"""Training-loop benchmark: reading dynamic images from an HDF5 store vs from memory.

* ``train_loader_vs_memory``: training steps/s of :class:`videoaug.train.Trainer` reading a
  2000-image LZ4 image store (112x144 dynamic-image-like pictures, CCS + flip to 112x112,
  batch 32, DataLoader with ``WORKERS`` = 1 worker) divided by steps/s of the same trainer, model,
  transform and items held in memory (``num_workers=0``). Model: ``tsn_resnet18`` (the CPU-scale
  TSN), so the ratio is what a CPU-scale SPS run sees. Goal >= 0.95: the lazy store reader must not
  slow training down.
* ``train_peak_rss_mb``: peak resident memory of the process after both runs (information).

Each path trains ``STEPS`` steps over the same randomly chosen items (spread over the whole
store), after one warm-up epoch; the two paths then alternate epoch by epoch (so changes of the
machine's load hit both alike) and the median of ``REPEATS`` epochs is used. Run:
``python bench/bench_train.py`` (about a minute on 2 CPU cores).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb, row  # noqa: E402

from videoaug.io.store import ImageStoreWriter, atomic_store  # noqa: E402
from videoaug.models import build_model  # noqa: E402
from videoaug.train.datasets import EpochDataset, ImageSamples  # noqa: E402
from videoaug.train.trainer import TrainConfig, Trainer  # noqa: E402
from videoaug.train.transforms import FrameTransform, image_to_tensor, tsn_train_transform  # noqa: E402

NUM_IMAGES, HEIGHT, WIDTH, NUM_CLASSES = 2000, 112, 144, 4
BATCH, STEPS, REPEATS, WORKERS = 32, 4, 5, 1
MODEL = "tsn_resnet18"
SEED = 0


def synthetic_dynamic_images(count: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth, compressible pictures (like dynamic images): gradients plus mild noise."""
    ys = np.linspace(0, 1, HEIGHT)[None, :, None, None]
    xs = np.linspace(0, 1, WIDTH)[None, None, :, None]
    phase = rng.uniform(0, 2 * np.pi, (count, 1, 1, 3))
    base = 127 + 100 * np.sin(6 * ys + 4 * xs + phase)
    noise = rng.normal(0, 8, (count, HEIGHT, WIDTH, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def write_store(path: Path, rng: np.random.Generator) -> np.ndarray:
    labels = np.arange(NUM_IMAGES) % NUM_CLASSES
    with atomic_store(path, "videoaug.bench/1", {"images": NUM_IMAGES}) as handle:
        writer = ImageStoreWriter(handle, (HEIGHT, WIDTH), "lz4")
        for start in range(0, NUM_IMAGES, 250):
            writer.append(synthetic_dynamic_images(250, rng), labels=labels[start : start + 250])
    return labels


class MemoryImages(EpochDataset):
    """The same items as :class:`ImageSamples`, from a uint8 array in memory."""

    def __init__(
        self, images: np.ndarray, labels: np.ndarray, transform: FrameTransform, seed: int
    ) -> None:
        self.images, self.labels, self.transform, self.seed = images, labels, transform, seed

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, position: int):
        image = self.transform(self.images[position], self.rng(position))
        return image_to_tensor(image), int(self.labels[position]), position


def make_trainer(workers: int) -> Trainer:
    torch.manual_seed(SEED)
    model = build_model(MODEL, num_classes=NUM_CLASSES, dropout=0.4)
    config = TrainConfig(
        epochs=1,
        batch_size=BATCH,
        lr=1e-3,
        device="cpu",
        num_workers=workers,
        seed=SEED,
        log_every=0,
        drop_last=True,
    )
    return Trainer(model, config, NUM_CLASSES)


def interleaved_steps_per_second(runs: dict[str, tuple[Trainer, Dataset]]) -> dict[str, float]:
    """Steps/s of each ``(trainer, dataset)``: one warm-up epoch each, then ``REPEATS`` epochs
    taken in turn (so a change of machine load hits every path alike); the median epoch."""
    for trainer, dataset in runs.values():
        trainer.train_epoch(dataset, 0)  # warm-up: imports, allocator, first worker start
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for epoch in range(1, REPEATS + 1):
        for name, (trainer, dataset) in runs.items():
            seconds[name].append(trainer.train_epoch(dataset, epoch)["seconds"])
    return {name: STEPS / statistics.median(values) for name, values in seconds.items()}


def run() -> dict[str, dict]:
    rng = np.random.default_rng(SEED)
    transform = tsn_train_transform((112, 112))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "images.h5"
        labels = write_store(path, rng)
        chosen = np.sort(rng.choice(NUM_IMAGES, size=BATCH * STEPS, replace=False))
        from_store = ImageSamples(path, transform=transform, seed=SEED).select(chosen)
        pixels = np.stack([from_store.read(i) for i in range(len(from_store))])
        in_memory = MemoryImages(pixels, labels[chosen], transform, SEED)
        store_mb = path.stat().st_size / 1e6
        rates = interleaved_steps_per_second(
            {
                "store": (make_trainer(WORKERS), from_store),
                "memory": (make_trainer(0), in_memory),
            }
        )
        rate_store, rate_memory = rates["store"], rates["memory"]
    ratio = rate_store / rate_memory
    return {
        "train_loader_vs_memory": row(
            ratio,
            ">= 0.95",
            ratio >= 0.95,
            store_steps_per_s=round(rate_store, 3),
            memory_steps_per_s=round(rate_memory, 3),
            workers=WORKERS,
            batch=BATCH,
            model=MODEL,
            input="112x112 from 112x144",
            store_mb=round(store_mb, 1),
        ),
        "train_peak_rss_mb": row(peak_rss_mb(), "information", True),
    }


if __name__ == "__main__":
    for name, result in run().items():
        extra = {k: v for k, v in result.items() if k not in ("value", "goal", "ok")}
        print(
            f"{name:26s} {result['value']:>10} goal {result['goal']:>12}  "
            f"{'ok' if result['ok'] else 'MISSED'}  {extra}"
        )
