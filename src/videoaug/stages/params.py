"""Stage parameters derived from the validated config.

The Snakefile puts these dicts in each rule's ``params`` (so a change reruns exactly the rules
downstream) and passes them to the CLI as JSON; the CLI derives the same dicts from ``--config``
when run by hand. One function per stage keeps both paths equal.

This module holds the shared stages' parameters (dataset, manifest, frames, dynamic images) and
the one video-classifier recipe's (:func:`video_classifier_params`); each method family keeps its
own in ``videoaug.methods.<family>.params``.
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


def video_classifier_params(config: dict, dataset: str, policy_slug: str,
                            seed: int | None = None) -> dict:
    """Parameters of the one video-classifier recipe (:mod:`videoaug.train.video_classifier`)
    trained
    with the policy whose slug is ``policy_slug``: a TDA run (``results/{ds}_tda_{slug}.json``,
    Kim et al. 2020) and, with policy ``none``, the classifier that L2A's settings start from.

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
