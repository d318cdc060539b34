"""WGAN training speed at the CPU scale of config.yaml (iterations/s, one class)."""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb, row  # noqa: E402

from videoaug.config import load_config  # noqa: E402
from videoaug.gan.training import train_wgan  # noqa: E402
from videoaug.stages.gan_stages import GanParams  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run(iterations: int = 20) -> dict[str, dict]:
    gan = load_config([ROOT / "config.yaml"])["gan"]
    torch.set_num_threads(1)  # as the train_wgan rule runs (threads: 1, two classes in parallel)
    images = np.random.default_rng(0).integers(0, 256, size=(100, 112, 144, 3), dtype=np.uint8)
    config = replace(
        GanParams(**gan).wgan_config(seed=0), iterations=iterations, checkpoint_every=iterations
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        train_wgan(images, config, Path(tmp) / "g.pt", progress=False)
        seconds = time.perf_counter() - started
    rate = iterations / seconds
    return {
        "wgan_iters_per_s": row(
            rate,
            "information",
            True,
            image_size=gan["image_size"],
            base_channels=gan["base_channels"],
            batch=gan["batch_size"],
            threads=1,
            class_minutes=round(gan["iterations"] / rate / 60, 2),
        ),
        "gan_peak_rss_mb": row(peak_rss_mb(), "information", True),
    }


if __name__ == "__main__":
    for name, result in run().items():
        print(name, result)
