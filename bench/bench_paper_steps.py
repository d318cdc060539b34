"""Seconds per unit of the paper preset's GPU work, per rule (``make gpu-check`` on a GPU node).

``docs/paper_scale.md`` (``scripts/paper_scale.py``) counts, per paper table, the training steps
and iterations, test videos and Mask R-CNN frames of the paper preset; multiplied by these rates
(``results/gpu_check.json``, ``benchmarks.paper_steps``) they give GPU hours. Each rate times the
paper's own shapes from ``config.yaml`` + ``workflow/presets/paper.yaml``: one SGD step of the
rule's classifier at the paper batch and input, one test video's views, one WGAN-GP or AVD
iteration, one Mask R-CNN frame at 800 px. Data loading and augmentation are not included: on a
GPU node they run on the CPU side, in DataLoader workers.

``paper_step_rates(device, tiny=True)`` runs the same code at toy shapes (the CPU test).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def _seconds(run: Callable[[], object], device: str, repeat: int) -> float:
    run()  # warm-up: kernels, allocator, cudnn autotune
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeat):
        run()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeat


def _classifier(build: Callable[[], torch.nn.Module], train_shape: tuple, test_shape: tuple,
                device: str, repeat: int) -> dict[str, float]:
    """Seconds of one SGD step on ``train_shape`` and of one test video (``test_shape``: its
    views as one batch)."""
    model = build().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    x = torch.rand(train_shape, device=device)
    y = torch.zeros(train_shape[0], dtype=torch.long, device=device)
    views = torch.rand(test_shape, device=device)

    def step():
        model.train()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def test():
        model.eval()
        with torch.inference_mode():
            model(views)

    return {"steps": _seconds(step, device, repeat), "test videos": _seconds(test, device, repeat)}


def paper_step_rates(device: str = "cuda", tiny: bool = False, repeat: int = 3) -> dict:
    """``{rule: {unit: seconds}}`` for the GPU rules of ``scripts/paper_scale.py``."""
    from videoaug.config import load_config
    from videoaug.methods.avd.training import AVDConfig, build_state, train_step
    from videoaug.methods.sps.gan.training import (
        WGANConfig,
        critic_step,
        generator_step,
        make_critic_step_params,
        make_generator_step_params,
    )
    from videoaug.models.factory import build_model

    config = load_config([ROOT / "config.yaml", ROOT / "workflow" / "presets" / "paper.yaml"])
    sps, tda, avd, l2a = config["sps"], config["tda"], config["avd"], config["l2a"]
    shrink = (lambda n, small: small) if tiny else (lambda n, small: n)
    classes = 101
    rates: dict[str, dict[str, float]] = {}

    size = tuple(shrink(s, 32) for s in sps["input_size"])
    batch = shrink(config["train"]["batch_size"], 2)
    tsn = lambda name: lambda: build_model(name, classes, dropout=0.4, pretrained=None)  # noqa: E731
    rates["train_temporal"] = _classifier(tsn(sps["backbone"]), (batch, 1, 3, *size),
                                          (1, 1, 3, *size), device, repeat)
    rates["train_spatial"] = _classifier(
        tsn(sps["backbone"]), (batch, sps["segments"], 3, *size),
        (1, shrink(sps["test_segments"], 2), 3, *size), device, repeat)

    def video(clip_len: int, clips: int):
        options = tda["model_options"] if tda["backbone"].startswith("slowfast") else {}
        if tiny:
            options = {**options, "base_width": 8, "depths": [1, 1, 1, 1]}
        crop = shrink(tda["crop"], 32)
        return _classifier(
            lambda: build_model(tda["backbone"], classes, dropout=0.5, pretrained=None, **options),
            (shrink(tda["train"]["batch_size"], 2), 3, clip_len, crop, crop),
            (shrink(clips, 2), 3, clip_len, crop, crop), device, repeat)

    rates["train_tda"] = video(shrink(tda["clip_len"], 8), tda["num_test_clips"])
    l2a_rates = video(shrink(l2a["classifier"].get("clip_len", 8), 8),
                      l2a["classifier"]["num_test_clips"])
    for rule in ("train_l2a", "semi_teacher", "train_semi", "train_fewshot_seed"):
        rates[rule] = l2a_rates

    cls = avd["classifier"]
    size = tuple(shrink(s, 32) for s in cls["input_size"])
    rates["train_avd_classifier"] = _classifier(
        tsn(cls["backbone"]), (shrink(cls["train"]["batch_size"], 2), 1, 3, *size),
        (1, shrink(cls["test_frames"], 2), 3, *size), device, repeat)
    rates["train_avd_cross"] = rates["train_avd_classifier"]

    from dataclasses import fields

    known = {f.name for f in fields(WGANConfig)}
    gan = WGANConfig.from_dict({**{k: v for k, v in config["gan"].items() if k in known},
                                "iterations": 1,
                                "image_size": shrink(config["gan"]["image_size"], 16),
                                "base_channels": shrink(config["gan"]["base_channels"], 4),
                                "batch_size": shrink(config["gan"]["batch_size"], 2)})
    from videoaug.methods.sps.gan.training import build_state as gan_state

    state = gan_state(gan, device)
    real = torch.rand(gan.batch_size, 3, gan.image_size, gan.image_size)

    def gan_iteration():
        for _ in range(gan.n_critic):
            params = make_critic_step_params(lambda n, rng: real[:n], state.rng, gan.batch_size,
                                             gan.z_dim)
            critic_step(state, params, gan, device)
        generator_step(state, make_generator_step_params(state.rng, gan.batch_size, gan.z_dim),
                       device, gan.augment_policy)

    rates["train_wgan"] = {"iterations": _seconds(gan_iteration, device, repeat)}

    model = AVDConfig.from_dict({
        "clip_len": shrink(avd["clip_len"], 32), "image_size": [shrink(s, 32) for s in
                                                                 avd["image_size"]],
        "widths": [shrink(w, 2) for w in avd["widths"]], "iterations": 1,
        "batch_size": shrink(avd["batch_size"], 2)})
    avd_state = build_state(model, device)
    clips = torch.rand(model.batch_size, 3, model.clip_len, *model.image_size, device=device)
    avd_real = torch.rand(model.batch_size, 3, *model.image_size, device=device)
    rates["train_avd"] = {"iterations": _seconds(lambda: train_step(avd_state, clips, avd_real,
                                                                     model), device, repeat)}

    from videoaug.methods.l2a.segment import build_maskrcnn

    seg = l2a["torchvision"]
    net = build_maskrcnn(91, shrink(seg["min_size"], 64), shrink(seg["max_size"], 96),
                         l2a["score_threshold"]).eval().to(device)
    frames = [torch.rand(3, 256, 341, device=device) for _ in range(seg["batch_size"])]

    def segment():
        with torch.inference_mode():
            net(frames)

    rates["segment"] = {"frames": _seconds(segment, device, repeat) / len(frames)}
    return {rule: {unit: round(value, 5) for unit, value in units.items()}
            for rule, units in rates.items()}
