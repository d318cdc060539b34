"""Parameters of the AVD family's stages (Tavakolian et al. 2019): flow, distillation and
classifiers."""

from __future__ import annotations

from videoaug.config import dataset_config


def flow_params(config: dict, dataset: str) -> dict:
    """Optical flow of one frames shard (``cache/{ds}/flow/{shard}.h5``): only the chosen
    method's options shape the store; ``bound`` is pixels or ``"auto"`` (the measured
    ``flow/bound.json``, :func:`flow_bound_params`)."""
    dataset_config(config, dataset)
    flow = config["flow"]
    bound = flow["bound"] if flow["bound"] == "auto" else float(flow["bound"])
    return {"method": flow["method"], "options": dict(flow["options"].get(flow["method"], {})),
            "bound": bound, "compression": config["compression"],
            "threads": int(flow["threads"])}


def flow_bound_params(config: dict, dataset: str) -> dict:
    """The measured flow bound (``cache/{ds}/flow/bound.json``,
    :class:`videoaug.methods.avd.flow_bound.FlowBoundParams`): the flow method and
    ``flow.auto_bound``."""
    dataset_config(config, dataset)
    flow = config["flow"]
    auto = flow["auto_bound"]
    return {"method": flow["method"], "options": dict(flow["options"].get(flow["method"], {})),
            "percentile": float(auto["percentile"]), "videos": int(auto["videos"]),
            "pairs": int(auto["pairs"]), "minimum": float(auto["minimum"]),
            "threads": int(flow["threads"])}


def flow_bound_is_measured(config: dict) -> bool:
    """Whether ``optical_flow`` reads ``flow/bound.json`` (``flow.bound: auto``)."""
    return config["flow"]["bound"] == "auto"


AVD_MODEL_KEYS = {"clip_len": "clip_len", "image_size": "image_size", "widths": "widths",
                  "teacher_hidden": "teacher_hidden", "lambda": "lam", "iterations": "iterations",
                  "batch_size": "batch_size", "lr": "lr", "checkpoint_every": "checkpoint_every"}


def avd_params(config: dict, dataset: str, input_name: str) -> dict:
    """AVD model (``train_avd``) and distilled images (``distill``) of ``input_name``
    (rgb | flow | di): ``methods.avd.stage.AvdParams`` fields."""
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
        "device": config["device"], "seed": int(config["seed"]), "fit": avd["fit"],
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
