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


def l2a_selector_params(config: dict, dataset: str) -> dict:
    """Parameters of rules ``l2a_features``, ``train_selector`` and ``score_pairs``
    (:class:`videoaug.stages.l2a_selector.SelectorParams`)."""
    dataset_config(config, dataset)
    l2a = config["l2a"]
    return {**l2a["selector"], "hidden": list(l2a["selector"]["hidden"]),
            "budget": int(l2a["budget"]), "alpha": float(l2a["alpha"]),
            "seed": int(config["seed"]), "threads": int(l2a["threads"])}


def l2a_train_params(config: dict, dataset: str, method: str, seed: int | None = None) -> dict:
    """Parameters of one L2A classifier run (``results/{ds}_{method}.json``, method ``l2a`` or
    ``l2a_none``): the TDA recipe with policy ``none`` (:func:`tda_params`) overridden by
    ``l2a.classifier`` (``train`` merged key by key), plus the composites' budget and label."""
    l2a = config["l2a"]
    classifier = tda_params(config, dataset, "none", seed)
    overrides = dict(l2a["classifier"])
    train = {**classifier["train"], **overrides.pop("train", {})}
    classifier.update(overrides, train=train)
    params = {"method": method, "classifier": classifier, "budget": int(l2a["budget"]),
              "alpha": float(l2a["alpha"]), "mask": "union", "background": "inpainted"}
    from videoaug.stages.l2a_ablation import ablation  # Tables 1/2 rows without compositing

    if (row := ablation(method)) is not None and row.blend == "mixup":
        params["mixup_alpha"] = float(l2a["ablation"]["mixup_alpha"])
    return params


# ------------------------------------------------- Learn2Augment, semi-supervised (Table 3)
def l2a_semi_params(config: dict, dataset: str, method: str, fraction: int,
                    seed: int | None = None) -> dict:
    """Parameters of one semi-supervised run (``results/{ds}_{method}_semi{p}.json``,
    :mod:`videoaug.stages.l2a_semi`): the supervised L2A recipe (:func:`l2a_train_params`) with
    ``l2a.semi.classifier`` merged over its classifier (``train`` key by key), the label fraction,
    ``l2a.semi.epochs`` and ``l2a.semi.budget`` (when set), the pseudo-label threshold, the
    mixing baselines' policies and the split's data seed (``config.seed``: the labelled subset
    does not change with the classifier seed)."""
    semi = config["l2a"]["semi"]
    base = l2a_train_params(config, dataset, method, seed)
    overrides = dict(semi["classifier"])
    train = {**base["classifier"]["train"], **overrides.pop("train", {})}
    if semi["epochs"] is not None:
        train["epochs"] = int(semi["epochs"])
    base["classifier"].update(overrides, train=train)
    if semi["budget"] is not None:
        base["budget"] = int(semi["budget"])
    return {**base, "fraction": int(fraction), "threshold": float(semi["threshold"]),
            "policies": dict(semi["policies"]), "subset_seed": int(config["seed"])}


def l2a_semi_fractions(config: dict, dataset: str) -> list[int]:
    """Label fractions (%) of ``dataset``: ``l2a.semi.fractions_by_dataset`` or ``fractions``."""
    semi = config["l2a"]["semi"]
    return [int(p) for p in semi["fractions_by_dataset"].get(dataset, semi["fractions"])]


def l2a_semi_selector_params(config: dict, dataset: str, seed: int | None = None) -> dict:
    """The Selector retrained on one semi-supervised pool: ``l2a.selector`` (as
    :func:`l2a_selector_params`) with ``l2a.semi.selector`` over it, seeded by the classifier
    seed (each seed's pool has its own pseudo-labels)."""
    params = {**l2a_selector_params(config, dataset), **config["l2a"]["semi"]["selector"]}
    params["hidden"] = list(params["hidden"])
    params["seed"] = int(config["seed"] if seed is None else seed)
    return params


def l2a_fewshot_params(config: dict, dataset: str, method: str, shots: int,
                       seed: int | None = None) -> dict:
    """Parameters of one few-shot run (``results/{ds}_fewshot_{method}_{n}shot.json``, method
    ``pn`` or ``pn_l2a``): the L2A classifier recipe (:func:`l2a_train_params`) overridden by
    ``l2a.fewshot.classifier`` (``train`` merged key by key), plus the episode settings."""
    fs = dict(config["l2a"]["fewshot"])
    classifier = l2a_train_params(config, dataset, "l2a_none", seed)["classifier"]
    overrides = dict(fs.pop("classifier"))
    train = {**classifier["train"], **overrides.pop("train", {})}
    classifier.update(overrides, train=train)
    fs.pop("shots")
    fs.pop("dataset")  # which dataset the target runs on, not a parameter of one run
    novel = fs.pop("novel_classes")
    return {**fs, "method": method, "shots": int(shots), "classifier": classifier,
            "novel_classes": None if novel is None else list(novel), "mask": "union"}
# ------------------------------------------------------------------------------ AVD family
def flow_params(config: dict, dataset: str) -> dict:
    """Optical flow of one frames shard (``cache/{ds}/flow/{shard}.h5``): only the chosen
    method's options shape the store."""
    dataset_config(config, dataset)
    flow = config["flow"]
    return {"method": flow["method"], "options": dict(flow["options"].get(flow["method"], {})),
            "bound": float(flow["bound"]), "compression": config["compression"],
            "threads": int(flow["threads"])}


AVD_MODEL_KEYS = {"clip_len": "clip_len", "image_size": "image_size", "widths": "widths",
                  "teacher_hidden": "teacher_hidden", "lambda": "lam", "iterations": "iterations",
                  "batch_size": "batch_size", "lr": "lr", "checkpoint_every": "checkpoint_every"}


def avd_params(config: dict, dataset: str, input_name: str) -> dict:
    """AVD model (``train_avd``) and distilled images (``distill``) of ``input_name``
    (rgb | flow | di): ``stages.avd.AvdParams`` fields."""
    dataset_config(config, dataset)
    avd = config["avd"]
    model = {**{field: avd[key] for key, field in AVD_MODEL_KEYS.items()},
             "seed": int(config["seed"])}
    if input_name == "di":  # dynamic images of the windows: no model, only the window shape
        model = {key: model[key] for key in ("clip_len", "image_size")}
    return {
        "input": input_name,
        "model": model,
        "frame_stride": int(avd["frame_stride"]), "window_stride": int(avd["window_stride"]),
        "compression": config["compression"], "threads": int(avd["threads"]),
        "device": config["device"], "seed": int(config["seed"]),
    }


def split_avd_stream(stream: str) -> tuple[str, str | None]:
    """``"rgb-tsn_alexnet"`` -> ``("rgb", "tsn_alexnet")``; ``"rgb"`` -> ``("rgb", None)``."""
    base, _, backbone = stream.partition("-")
    return base, backbone or None


def avd_classifier_params(config: dict, dataset: str, stream: str, seed: int | None = None,
                          test_dataset: str | None = None) -> dict:
    """A 2D classifier of the AVD family (``results/{ds}_avd_{stream}.json``); ``stream`` is
    frames_rgb | frames_flow | rgb | flow | di, optionally ``-<backbone>`` (Table 2)."""
    import json

    dataset_config(config, dataset)
    avd = config["avd"]
    cls = avd["classifier"]
    base, backbone = split_avd_stream(stream)
    mapping = None
    if test_dataset is not None:
        dataset_config(config, test_dataset)
        if avd["cross_mapping"]:
            with open(avd["cross_mapping"], encoding="utf-8") as fh:
                mapping = json.load(fh)
    return {
        "stream": base, "backbone": backbone or cls["backbone"], "pretrained": cls["pretrained"],
        "dropout": cls["dropout"], "input_size": list(cls["input_size"]),
        "test_frames": cls["test_frames"], "eval_batch_size": cls["eval_batch_size"],
        "train": {**config["train"], **cls["train"], "device": config["device"]},
        "threads": int(avd["threads"]), "seed": int(config["seed"] if seed is None else seed),
        "dataset": dataset, "test_dataset": test_dataset, "class_mapping": mapping,
    }


def gan_quality_params(config: dict, dataset: str) -> dict:
    """Parameters of the pool-quality evaluator (``gan_quality`` section)."""
    dataset_config(config, dataset)
    return {**config["gan_quality"], "seed": int(config["seed"]), "device": config["device"]}
