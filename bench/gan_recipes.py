"""GAN recipes measured against the pool-quality goal per CPU minute (``bench/gan_recipes.json``).

Each recipe is a set of ``gan:`` overrides on top of ``config.yaml``. For one class at a time it
trains the class's WGAN on one thread, and after each iteration count of ``--at`` (resuming the
same run) draws a pool of ``gan.pool_size`` images and measures it with the pipeline's own
measure (``videoaug.methods.sps.quality_stage.measure_quality``: consistency, improved
precision/recall in pixel space and embedding, against the held-out real DIs of the class).
CPU minutes are the training process's CPU time (``time.process_time``, one torch thread), which
a loaded machine inflates far less than wall time. Rows are appended to the JSON as they are
measured (a rerun skips rows already there); ``scripts/render_docs.py`` renders the table into
docs/results.md.

    python bench/gan_recipes.py --recipe standard --cls Skiing --at 700 1400
    python bench/gan_recipes.py --list
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gan import ROOT, _gan_config, _parse_overrides, _prerequisites  # noqa: E402

OUT = ROOT / "bench" / "gan_recipes.json"
# The CPU default before the recipe search; every recipe below is these settings plus its own
# overrides, so a row keeps its meaning when config.yaml changes ("default" alone reads
# config.yaml's gan: section as it is).
BASE = {"normalize": "minmax", "conditional": False, "image_size": 32, "base_channels": 16,
        "n_critic": 2, "lr": 0.0002, "betas": [0.5, 0.9], "batch_size": 32,
        "diffaugment": "color,translation,cutout", "ema": 0.0, "minibatch_std": 0}
RECIPES: dict[str, tuple[str, dict]] = {
    "default": ("config.yaml's gan: section", {}),
    "minmax_default": ("the old CPU default: [-1, 1] data, tanh output, 32 px, base 16, "
                       "n_critic 2, lr 2e-4, DiffAugment color,translation,cutout, per class",
                       BASE),
    "standard": ("per-channel standardised data, linear generator output",
                 {**BASE, "normalize": "standard"}),
    "standard_16px": ("standardised, 16 px generator (upsampled to the DI size)",
                      {**BASE, "normalize": "standard", "image_size": 16}),
    "standard_nodiffaug": ("standardised, no DiffAugment",
                           {**BASE, "normalize": "standard", "diffaugment": ""}),
    "standard_translation": ("standardised, DiffAugment translation only",
                             {**BASE, "normalize": "standard", "diffaugment": "translation"}),
    "conditional_standard": ("one class-conditional GAN for all classes, standardised",
                             {**BASE, "normalize": "standard", "conditional": True}),
}
QUALITY_KEYS = ("consistency", "precision_pixel", "recall_pixel", "precision_embedding",
                "recall_embedding")


def _load(path: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text())
    return {"description": __doc__.splitlines()[0], "recipes": {}, "rows": []}


def _row(name: str, cls: str, seed: int, iterations: int, cpu_s: float, quality: dict,
         classes_sharing: int = 1) -> dict:
    return {
        "recipe": name, "class": cls, "seed": seed, "iterations": iterations,
        # A class-conditional GAN serves every class: its CPU time is shared among them.
        "cpu_min": round(cpu_s / 60 / classes_sharing, 2),
        **{f"gen_{k}": round(quality["generated"][k], 3) for k in QUALITY_KEYS},
        **{f"real_{k}": round(quality["real_heldout"][k], 3) for k in QUALITY_KEYS},
        "passes": quality["goal"]["passes"], "fails": quality["goal"]["fails"],
    }


def _append(out: Path, name: str, overrides: dict, row: dict) -> None:
    record = _load(out)  # another run may have appended meanwhile
    record["recipes"][name] = {"what": RECIPES.get(name, ("by hand", {}))[0],
                               "overrides": overrides}
    record["rows"].append(row)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(row), flush=True)


def measure_conditional(name: str, overrides: dict, at: list[int], out: Path = OUT,
                        dataset: str = "synth4", seed: int = 0,
                        keep: Path | None = None) -> list[dict]:
    """Train one class-conditional WGAN on every class and measure each class's pool at each of
    ``at``; a row's CPU minutes are the run's divided by the number of classes."""
    from videoaug.methods.sps.gan.training import train_wgan
    from videoaug.methods.sps.gan_stages import GanParams, all_training_images, generate_class_pool
    from videoaug.methods.sps.quality_stage import measure_quality
    from videoaug.provenance import read_json
    from videoaug.seeding import derive_seed

    torch.set_num_threads(1)
    paths = _prerequisites(dataset)
    classes = read_json(paths["manifest"])["classes"]
    done = {(r["recipe"], r["class"], r["iterations"], r.get("seed", 0))
            for r in _load(out)["rows"]}
    params = GanParams(**{**_gan_config(overrides), "device": "cpu", "seed": seed})
    images, labels = all_training_images(paths["ssdi"], len(classes), params.image_size)
    base = params.wgan_config(derive_seed(params.seed, "wgan", "conditional"), len(classes))
    rows, cpu = [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "g.pt"
        for iterations in sorted(at):
            started = time.process_time()
            train_wgan(images, replace(base, iterations=iterations, checkpoint_every=10**9),
                       checkpoint, progress=False, labels=labels)
            cpu += time.process_time() - started
            for cls in classes:
                if (name, cls, iterations, seed) in done:
                    continue
                pool = Path(tmp) / f"{cls}.h5"
                generate_class_pool(checkpoint, paths["manifest"], paths["ssdi_index"], cls,
                                    params, "lz4", pool)
                if keep is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(pool, keep / f"{name}_{cls}_s{seed}_{iterations}.h5")
                quality = measure_quality(paths["net"], paths["manifest"], paths["ssdi"], [pool],
                                          controls=False)["classes"][cls]
                rows.append(_row(name, cls, seed, iterations, cpu, quality, len(classes)))
                _append(out, name, overrides, rows[-1])
    return rows


def measure_recipe(name: str, overrides: dict, cls: str, at: list[int],
                   out: Path = OUT, dataset: str = "synth4", seed: int = 0,
                   keep: Path | None = None) -> list[dict]:
    """Train ``cls``'s WGAN under ``overrides`` (base seed ``seed``: a GAN's outcome is chaotic,
    so a recipe is judged over seeds) and measure its pool at each of ``at``; ``keep``: a folder
    that receives a copy of each measured pool (to look at)."""
    from videoaug.methods.sps.gan.training import train_wgan
    from videoaug.methods.sps.gan_stages import (
        GanParams,
        class_index,
        class_training_images,
        generate_class_pool,
    )
    from videoaug.methods.sps.quality_stage import measure_quality
    from videoaug.seeding import derive_seed

    torch.set_num_threads(1)
    done = {(r["recipe"], r["class"], r["iterations"], r.get("seed", 0))
            for r in _load(out)["rows"]}
    paths = _prerequisites(dataset)
    params = GanParams(**{**_gan_config(overrides), "device": "cpu", "seed": seed})
    images = class_training_images(paths["ssdi"], class_index(paths["manifest"], cls),
                                   params.image_size)
    base = params.wgan_config(derive_seed(params.seed, "wgan", cls))
    rows = []
    cpu = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint, pool = Path(tmp) / "g.pt", Path(tmp) / "pool.h5"
        for iterations in sorted(at):
            started = time.process_time()
            train_wgan(images, replace(base, iterations=iterations, checkpoint_every=10**9),
                       checkpoint, progress=False)
            cpu += time.process_time() - started
            if (name, cls, iterations, seed) in done:
                continue
            generate_class_pool(checkpoint, paths["manifest"], paths["ssdi_index"], cls, params,
                                "lz4", pool)
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(pool, keep / f"{name}_{cls}_s{seed}_{iterations}.h5")
            quality = measure_quality(paths["net"], paths["manifest"], paths["ssdi"], [pool],
                                      controls=False)["classes"][cls]
            rows.append(_row(name, cls, seed, iterations, cpu, quality))
            _append(out, name, overrides, rows[-1])
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", help="a name of RECIPES (or a new name with --set)")
    parser.add_argument("--set", nargs="*", default=[], help="extra gan: overrides, key=value")
    parser.add_argument("--cls", nargs="+", default=["Skiing"])
    parser.add_argument("--at", nargs="+", type=int, default=[700])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="gan.seed values")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--list", action="store_true", help="print the recipes and exit")
    parser.add_argument("--keep", type=Path, help="copy every measured pool into this folder")
    args = parser.parse_args()
    if args.list or not args.recipe:
        for key, (what, values) in RECIPES.items():
            print(f"{key:24s} {what}: {values}")
        raise SystemExit(0)
    settings = {**RECIPES.get(args.recipe, ("", {}))[1], **_parse_overrides(args.set)}
    for seed in args.seeds:
        if settings.get("conditional"):
            measure_conditional(args.recipe, settings, args.at, args.out, seed=seed,
                                keep=args.keep)
            continue
        for cls in args.cls:
            measure_recipe(args.recipe, settings, cls, args.at, args.out, seed=seed,
                           keep=args.keep)
