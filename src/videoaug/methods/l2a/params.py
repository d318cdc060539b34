"""Parameters of the Learn2Augment family's stages (Gowda et al. 2022), derived from the validated
config: segmentation, inpainting, matching, Selector, classifiers, ablations, semi and few-shot.
"""

from __future__ import annotations

from videoaug.config import dataset_config
from videoaug.methods.l2a.ablation import ABLATIONS, SELECTOR_KEYS, ablation
from videoaug.stages.params import video_classifier_params


def l2a_segmenter(config: dict, dataset: str) -> str:
    """``l2a.segmenter_by_dataset[dataset]`` if set, else ``l2a.segmenter``."""
    l2a = config["l2a"]
    return l2a["segmenter_by_dataset"].get(dataset, l2a["segmenter"])


BACKEND_OPTIONS = ("torchvision", "detectron2", "mediapipe", "pose", "pose_crop", "motion")


def backend_options(config: dict, spec: str) -> dict:
    """The ``l2a`` options backend ``spec`` uses (``a+b``: each part's), and ``static`` when an
    unverified backend (motion, mediapipe) is in it: only what shapes its masks."""
    l2a = config["l2a"]
    names = spec.split("+")
    options = {name: dict(l2a[name]) for name in BACKEND_OPTIONS if name in names}
    if "pose_crop" in names:
        options["motion"] = dict(l2a["motion"])  # its moving-component proposals
    if "torchvision" in names or "detectron2" in names:
        options.update(score_threshold=l2a["score_threshold"], classes=l2a["classes"],
                       device=config["device"])  # "auto" is resolved in the job (a GPU node)
    if "motion" in names or "mediapipe" in names:
        options["static"] = dict(l2a["static"])
    options["threads"] = int(l2a["threads"])
    return options


def l2a_segment_params(config: dict, dataset: str) -> dict:
    """Parameters of rule ``segment``: the backend spec and only the options it uses."""
    dataset_config(config, dataset)
    l2a = config["l2a"]
    spec = l2a_segmenter(config, dataset)
    return {"segmenter": spec, "options": backend_options(config, spec),
            "compression": l2a["mask_compression"], "threads": int(l2a["threads"])}


def l2a_inpaint_params(config: dict, dataset: str) -> dict:
    """Parameters of rule ``inpaint``: ``l2a.inpaint`` and, unless ``check`` is ``none``, the
    options of the person backend that checks the backgrounds."""
    dataset_config(config, dataset)
    l2a = config["l2a"]
    inpaint = dict(l2a["inpaint"])
    check = inpaint["check"]
    if check != "none":
        inpaint["check_options"] = backend_options(config, check)
    return {**inpaint, "compression": config["compression"], "threads": int(l2a["threads"])}


def l2a_match_params(config: dict, dataset: str) -> dict:
    dataset_config(config, dataset)
    l2a = config["l2a"]
    return {"model": l2a["match_model"], "mode": l2a["match_mode"], "seed": int(config["seed"])}


def l2a_selector_params(config: dict, dataset: str) -> dict:
    """Parameters of rules ``l2a_features``, ``train_selector`` and ``score_pairs``
    (:class:`videoaug.methods.l2a.selector_stage.SelectorParams`)."""
    dataset_config(config, dataset)
    l2a = config["l2a"]
    return {**l2a["selector"], "hidden": list(l2a["selector"]["hidden"]),
            "budget": int(l2a["budget"]), "alpha": float(l2a["alpha"]),
            "seed": int(config["seed"]), "threads": int(l2a["threads"])}


def l2a_train_params(config: dict, dataset: str, method: str, seed: int | None = None) -> dict:
    """Parameters of one L2A classifier run (``results/{ds}_{method}.json``, method ``l2a`` or
    ``l2a_none``): the shared video-classifier recipe with policy ``none``
    (:func:`videoaug.stages.params.video_classifier_params`) overridden by
    ``l2a.classifier`` (``train`` merged key by key), plus the composites' budget and label."""
    l2a = config["l2a"]
    classifier = video_classifier_params(config, dataset, "none", seed)
    overrides = dict(l2a["classifier"])
    train = {**classifier["train"], **overrides.pop("train", {})}
    classifier.update(overrides, train=train)
    params = {"method": method, "classifier": classifier, "budget": int(l2a["budget"]),
              "alpha": float(l2a["alpha"]), "mask": "union", "background": "inpainted"}
    if (row := ablation(method)) is not None and row.blend == "mixup":
        params["mixup_alpha"] = float(l2a["ablation"]["mixup_alpha"])
    return params


def l2a_semi_params(config: dict, dataset: str, method: str, fraction: int,
                    seed: int | None = None) -> dict:
    """Parameters of one semi-supervised run (``results/{ds}_{method}_semi{p}.json``,
    :mod:`videoaug.methods.l2a.semi_stage`): the supervised L2A recipe
    (:func:`l2a_train_params`) with
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


def ablation_selector_params(config: dict, dataset: str, key: str) -> dict:
    """``l2a.selector`` parameters of the ablation Selector ``key`` (``SELECTOR_KEYS``): the
    full method's plus the row's pairing, transform, mask and background."""
    method = f"l2a_{key}"
    if key not in SELECTOR_KEYS:
        raise ValueError(f"unknown L2A ablation selector {key!r}; choose one of {SELECTOR_KEYS}")
    abl = ABLATIONS[method]
    params = l2a_selector_params(config, dataset)
    params.update(mask=abl.mask, background=abl.background, pairing=abl.pairing,
                  blend=abl.blend)
    if abl.blend == "mixup":
        params["mixup_alpha"] = float(config["l2a"]["ablation"]["mixup_alpha"])
    return params
