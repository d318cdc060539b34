"""Parameters of the SPS family's stages (Zhang et al. 2020): GANs, pool quality, TSN streams."""

from __future__ import annotations

from videoaug.config import dataset_config


def gan_params(config: dict, dataset: str) -> dict:
    dataset_config(config, dataset)  # a clear error for an unknown dataset
    return {**config["gan"], "seed": int(config["seed"]), "device": config["device"]}


# Result names of the SPS family: a selection method, optionally an ablation of the training
# augmentation (Zhang et al. Table 2: CCS = corner cropping + scale jitter, HF = flip).
TEMPORAL_VARIANTS = {"": (True, True), "_noccs": (False, True), "_nohf": (True, False),
                     "_plain": (False, False)}


def split_temporal_method(method: str) -> tuple[str, bool, bool]:
    """``"sps_noccs"`` -> ``("sps", ccs=False, hf=True)``."""
    for suffix, (ccs, hf) in sorted(TEMPORAL_VARIANTS.items(), key=lambda kv: -len(kv[0])):
        if suffix and method.endswith(suffix):
            return method[: -len(suffix)], ccs, hf
    return method, True, True


def classifier_params(config: dict, dataset: str, method: str, seed: int | None = None) -> dict:
    """Parameters of a TSN stream: ``method`` is ssdi/rnd/tsp/sps (+ variant suffix) or rgb."""
    dataset_config(config, dataset)
    sps = {k: v for k, v in config["sps"].items() if k != "fusion_weights"}  # fusion: own stage
    base, ccs, hf = split_temporal_method(method)
    return {
        **sps, "method": base, "ccs": bool(sps["ccs"] and ccs), "hf": bool(sps["hf"] and hf),
        "train": {**config["train"], "device": config["device"]},
        "seed": int(config["seed"] if seed is None else seed), "dataset": dataset,
    }


# Keys of the ``gan_quality`` section that say how pools are measured, not how the evaluator is
# trained (changing them reruns rule gan_quality only, not gan_quality_net).
MEASURE_KEYS = ("k", "pixel_size", "control_blur")


def gan_quality_params(config: dict, dataset: str) -> dict:
    """Parameters of the pool-quality evaluator (``gan_quality`` section, less
    :data:`MEASURE_KEYS`)."""
    dataset_config(config, dataset)
    evaluator = {k: v for k, v in config["gan_quality"].items() if k not in MEASURE_KEYS}
    return {**evaluator, "seed": int(config["seed"]), "device": config["device"]}


def gan_measure_params(config: dict, dataset: str) -> dict:
    """How pools are measured: ``gan_quality.k``, ``pixel_size`` and ``control_blur``."""
    dataset_config(config, dataset)
    return {key: config["gan_quality"][key] for key in MEASURE_KEYS if key in config["gan_quality"]}
