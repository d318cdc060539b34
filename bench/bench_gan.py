"""WGAN speed and quality at the CPU scale of config.yaml.

* ``wgan_iters_per_s``: generator iterations per second of one class's WGAN on one thread, for
  the paper-style schedule (``gan.n_critic: 5``, no DiffAugment: the configuration before the
  CPU-scale tuning) and for the current config, measured side by side in one run.
* ``gan_quality_vs_minutes``: class consistency, Fréchet distance and diversity of a class's pool
  (``videoaug.methods.sps.gan.quality``,
   evaluator ``cache/synth4/gan_quality/net.pt``) after 1, 2, 4, ...
  minutes of training on one thread. Minutes are the training process's CPU time (one thread:
  CPU time = wall time on a quiet core), so other jobs on a shared machine do not distort them;
  wall time is reported beside it.

By hand: ``python bench/bench_gan.py --curve --cls Skiing --minutes 1 2 4 --set n_critic=2
diffaugment=color,translation`` (``--set`` overrides ``gan:`` keys; ``--json`` writes the rows).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb, row  # noqa: E402

from videoaug.config import load_config  # noqa: E402
from videoaug.methods.sps.gan.training import train_wgan  # noqa: E402
from videoaug.methods.sps.gan_stages import GanParams  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# The schedule of the paper's WGAN-GP at the old CPU scale (the "before" of wgan_iters_per_s).
PAPER_SCHEDULE = {"n_critic": 5, "diffaugment": "", "lr": None, "betas": [0.5, 0.9]}


def _gan_config(overrides: dict | None = None) -> dict:
    gan = load_config([ROOT / "config.yaml"])["gan"]
    return {**gan, **(overrides or {})}


def iters_per_s(gan: dict, iterations: int = 30) -> float:
    """Generator iterations per second (CPU time, one thread) on 100 random 112x144 images."""
    torch.set_num_threads(1)
    images = np.random.default_rng(0).integers(0, 256, size=(100, 112, 144, 3), dtype=np.uint8)
    config = replace(GanParams(**gan).wgan_config(seed=0), iterations=iterations,
                     checkpoint_every=iterations)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.process_time()
        train_wgan(images, config, Path(tmp) / "g.pt", progress=False)
        return iterations / (time.process_time() - started)


def _prerequisites(dataset: str) -> dict:
    """Build (or find up to date) the SSDI, manifest and quality net of ``dataset`` in ROOT."""
    cache = ROOT / "cache" / dataset
    targets = [f"cache/{dataset}/gan_quality/net.pt", f"cache/{dataset}/ssdi/index.json"]
    if not all((ROOT / target).exists() for target in targets):
        subprocess.run([SNAKEMAKE, "--cores", "2", *targets], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {
        "manifest": cache / "manifest.json",
        "ssdi": sorted((cache / "ssdi").glob("[0-9]*.h5")),
        "ssdi_index": cache / "ssdi" / "index.json",
        "net": cache / "gan_quality" / "net.pt",
    }


def quality_curve(cls: str, minutes: list[float], overrides: dict | None = None,
                  dataset: str = "synth4", chunk: int = 20) -> list[dict]:
    """Quality of ``cls``'s pool after each of ``minutes`` of one-thread training (CPU time)."""
    from videoaug.methods.sps.gan_stages import (
        class_index,
        class_training_images,
        generate_class_pool,
    )
    from videoaug.methods.sps.quality_stage import measure_quality
    from videoaug.seeding import derive_seed

    torch.set_num_threads(1)
    paths = _prerequisites(dataset)
    params = GanParams(**{**_gan_config(overrides), "device": "cpu"})
    images = class_training_images(paths["ssdi"], class_index(paths["manifest"], cls),
                                   params.image_size)
    base = params.wgan_config(derive_seed(params.seed, "wgan", cls))
    rows: list[dict] = []
    cpu = wall = 0.0
    iteration = 0
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint, pool = Path(tmp) / "g.pt", Path(tmp) / "pool.h5"
        for target in sorted(minutes):
            while cpu < 60 * target:
                iteration += chunk
                started_cpu, started_wall = time.process_time(), time.perf_counter()
                train_wgan(images, replace(base, iterations=iteration, checkpoint_every=10**9),
                           checkpoint, progress=False)
                cpu += time.process_time() - started_cpu
                wall += time.perf_counter() - started_wall
            generate_class_pool(checkpoint, paths["manifest"], paths["ssdi_index"], cls, params,
                                "lz4", pool)
            record = measure_quality(paths["net"], paths["manifest"], paths["ssdi"], [pool])
            quality = record["classes"][cls]
            rows.append({
                "minutes": target, "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
                "iterations": iteration,
                **{f"gen_{k}": round(v, 4) for k, v in quality["generated"].items() if k != "n"},
                **{f"real_{k}": round(v, 4) for k, v in quality["real_heldout"].items()
                   if k != "n"},
                "passes": quality["goal"]["passes"],
            })
            print(json.dumps(rows[-1]), flush=True)
    return rows


def run(minutes: tuple[float, ...] = (1, 2, 4), cls: str = "Skiing") -> dict[str, dict]:
    gan = _gan_config()
    before = iters_per_s({**gan, **PAPER_SCHEDULE})
    after = iters_per_s(gan)
    curve = quality_curve(cls, list(minutes))
    last = curve[-1]
    return {
        "wgan_iters_per_s": row(
            after, "information", True, before_paper_schedule=round(before, 2),
            ratio=round(after / before, 2), image_size=gan["image_size"],
            base_channels=gan["base_channels"], batch=gan["batch_size"],
            n_critic=gan["n_critic"], diffaugment=gan["diffaugment"], threads=1,
            class_minutes=round(gan["iterations"] / after / 60, 2),
        ),
        "gan_quality_vs_minutes": row(
            last["gen_consistency"], ">= 0.8 and goal", bool(last["passes"]), cls=cls,
            curve=curve,
        ),
        "gan_peak_rss_mb": row(peak_rss_mb(), "information", True),
    }


def _parse_overrides(pairs: list[str]) -> dict:
    overrides = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        overrides[key] = yaml.safe_load(value) if key != "diffaugment" else value
    return overrides


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curve", action="store_true", help="only the quality curve")
    parser.add_argument("--speed", action="store_true", help="only iterations per second")
    parser.add_argument("--cls", default="Skiing")
    parser.add_argument("--minutes", nargs="+", type=float, default=[1, 2, 4])
    parser.add_argument("--set", nargs="*", default=[], help="gan: overrides, key=value")
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    overrides = _parse_overrides(args.set)
    if args.curve:
        result = quality_curve(args.cls, args.minutes, overrides)
    elif args.speed:
        result = {"iters_per_s": iters_per_s(_gan_config(overrides))}
        print(result)
    else:
        result = run(tuple(args.minutes), args.cls)
        for name, value in result.items():
            print(name, value)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
