"""Stage parameters derived from the validated config.

The Snakefile puts these dicts in each rule's ``params`` (so a change reruns exactly the rules
downstream) and passes them to the CLI as JSON; the CLI derives the same dicts from ``--config``
when run by hand. One function per stage keeps both paths equal.
"""

from __future__ import annotations

from videoaug.config import dataset_config
from videoaug.data.registry import SYNTH_PARAM_KEYS


def synth_params(config: dict, dataset: str) -> dict:
    ds = dataset_config(config, dataset)
    if ds["kind"] != "synthetic":
        raise ValueError(f"dataset {dataset!r} is of kind {ds['kind']!r}, not synthetic")
    params = {field: ds[key] for key, field in SYNTH_PARAM_KEYS.items() if key in ds}
    params["seed"] = int(config["seed"])
    return params


def manifest_params(config: dict, dataset: str) -> dict:
    return {
        "dataset": dataset,
        "dataset_config": dataset_config(config, dataset),
        "seed": int(config["seed"]),
    }


def num_shards(config: dict, dataset: str) -> int:
    return int(dataset_config(config, dataset)["shards"])


def decode_params(config: dict, dataset: str) -> dict:
    frames = config["frames"]
    return {
        "short_side": frames["short_side"],
        "fps": frames["fps"],
        "max_frames": frames["max_frames"],
        "compression": config["compression"],
        "on_bad_video": dataset_config(config, dataset)["on_bad_video"],
    }


def dynamic_params(config: dict, dataset: str) -> dict:
    dyn = config["dynamic"]
    return {
        "subvideos": dyn["subvideos"],
        "keep_fraction": dyn["keep_fraction"],
        "height": dyn["height"],
        "width": dyn["width"],
        "compression": config["compression"],
        "seed": int(config["seed"]),
    }


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


def tda_params(config: dict, dataset: str, policy_slug: str, seed: int | None = None) -> dict:
    """Parameters of one temporal-augmentation run (Kim et al. 2020): a video classifier trained
    with the policy whose slug is ``policy_slug`` (``results/{ds}_tda_{slug}.json``).

    ``tda.train`` overrides keys of the shared ``train`` section; SlowFast options
    (``tda.model_options``) are passed only to SlowFast backbones. Raises ``ValueError`` for a
    slug that is not the canonical slug of a policy.
    """
    from videoaug.augment.policy import policy_from_slug  # torch: only when a TDA job is built

    dataset_config(config, dataset)
    tda = config["tda"]
    keep = ("backbone", "pretrained", "dropout", "clip_len", "stride", "crop", "short_side",
            "test_short_side", "flip", "num_test_clips", "eval_batch_size")
    options = tda["model_options"] if str(tda["backbone"]).startswith("slowfast") else {}
    return {
        **{key: tda[key] for key in keep},
        "model_options": dict(options),
        "policy": policy_from_slug(policy_slug),
        "train": {**config["train"], **tda["train"], "device": config["device"]},
        "seed": int(config["seed"] if seed is None else seed),
        "dataset": dataset,
    }


# ----------------------------------------------------------------- Learn2Augment part 1 (l2a)
def l2a_segmenter(config: dict, dataset: str) -> str:
    """``l2a.segmenter_by_dataset[dataset]`` if set, else ``l2a.segmenter``."""
    l2a = config["l2a"]
    return l2a["segmenter_by_dataset"].get(dataset, l2a["segmenter"])


def l2a_segment_params(config: dict, dataset: str) -> dict:
    """Parameters of rule ``segment``: the backend spec and only the options it uses."""
    dataset_config(config, dataset)
    l2a = config["l2a"]
    spec = l2a_segmenter(config, dataset)
    names = spec.split("+")
    options = {name: dict(l2a[name])
               for name in ("torchvision", "detectron2", "mediapipe", "motion") if name in names}
    if "torchvision" in names or "detectron2" in names:
        options.update(score_threshold=l2a["score_threshold"], classes=l2a["classes"],
                       device="cpu" if config["device"] == "auto" else config["device"])
    options["threads"] = int(l2a["threads"])
    return {"segmenter": spec, "options": options, "compression": l2a["mask_compression"],
            "threads": int(l2a["threads"])}


def l2a_inpaint_params(config: dict, dataset: str) -> dict:
    dataset_config(config, dataset)
    l2a = config["l2a"]
    return {**l2a["inpaint"], "compression": config["compression"],
            "threads": int(l2a["threads"])}


def l2a_match_params(config: dict, dataset: str) -> dict:
    dataset_config(config, dataset)
    l2a = config["l2a"]
    return {"model": l2a["match_model"], "mode": l2a["match_mode"], "seed": int(config["seed"])}
