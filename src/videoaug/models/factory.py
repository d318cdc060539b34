"""Build a classifier by name: ``build_model("tsn_resnet18", num_classes=4, dropout=0.4)``.

TSN models consume images or segments ``(B, K, 3, H, W)``; video models consume clips
``(B, 3, T, H, W)`` (see :func:`model_input_kind`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import torch
from torch import nn

from videoaug.models.tsn import TSN
from videoaug.models.video import (
    SLOWFAST_R50,
    SLOWFAST_TINY,
    SlowFast,
    SlowFastConfig,
    VideoResNetClassifier,
    slowfast_config,
)

InputKind = Literal["image", "clip"]
Builder = Callable[..., nn.Module]


def _tsn(backbone: str) -> Builder:
    def build(num_classes: int, dropout: float, pretrained: str | None, **kwargs: Any) -> TSN:
        return TSN(backbone, num_classes, dropout, pretrained, **kwargs)

    return build


def _video_resnet(arch: str) -> Builder:
    def build(
        num_classes: int, dropout: float, pretrained: str | None, **kwargs: Any
    ) -> VideoResNetClassifier:
        if kwargs:
            raise ValueError(f"{arch} takes no extra options, got {sorted(kwargs)}")
        return VideoResNetClassifier(arch, num_classes, dropout, pretrained)

    return build


def _slowfast(preset: SlowFastConfig) -> Builder:
    def build(num_classes: int, dropout: float, pretrained: str | None, **kwargs: Any) -> SlowFast:
        return SlowFast(num_classes, dropout, pretrained, slowfast_config(preset, **kwargs))

    return build


# name -> (builder, input kind)
MODELS: dict[str, tuple[Builder, InputKind]] = {
    "tsn_resnet18": (_tsn("resnet18"), "image"),
    "tsn_resnet50": (_tsn("resnet50"), "image"),
    "tsn_mobilenet_v3_small": (_tsn("mobilenet_v3_small"), "image"),
    "tsn_resnet101": (_tsn("resnet101"), "image"),
    "tsn_alexnet": (_tsn("alexnet"), "image"),
    "tsn_googlenet": (_tsn("googlenet"), "image"),
    "r3d_18": (_video_resnet("r3d_18"), "clip"),
    "r2plus1d_18": (_video_resnet("r2plus1d_18"), "clip"),
    "slowfast_tiny": (_slowfast(SLOWFAST_TINY), "clip"),
    "slowfast_r50": (_slowfast(SLOWFAST_R50), "clip"),
}
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)


def _lookup(name: str) -> tuple[Builder, InputKind]:
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(MODEL_NAMES)}")
    return MODELS[name]


def model_input_kind(name: str) -> InputKind:
    """``"image"`` for TSN models (``(B, K, 3, H, W)`` or ``(B, 3, H, W)``), ``"clip"`` for video
    models (``(B, 3, T, H, W)``)."""
    return _lookup(name)[1]


def build_model(
    name: str,
    num_classes: int,
    *,
    dropout: float = 0.5,
    pretrained: str | None = None,
    seed: int | None = None,
    **kwargs: Any,
) -> nn.Module:
    """Build the classifier ``name`` with a ``num_classes``-way head.

    Args:
        name: one of :data:`MODEL_NAMES`.
        num_classes: classes of the caller's dataset.
        dropout: dropout before the final linear layer.
        pretrained: ``None``, ``"imagenet"`` (TSN), ``"kinetics400"`` (R3D, R(2+1)D) or the path
            of a state_dict file; what was loaded is in ``model.init_report``.
        seed: if given, the random initialisation uses this seed without touching the global
            torch RNG (so building a model never shifts other random streams).
        **kwargs: TSN: ``partial_bn``; SlowFast: any :class:`SlowFastConfig` field
            (``base_width``, ``alpha``, ``beta``, ``depths``, ``lateral_ratio``, ...).

    The model is on the CPU; move it with ``.to(device)``.
    """
    builder, _ = _lookup(name)
    if seed is None:
        return builder(num_classes, dropout, pretrained, **kwargs)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return builder(num_classes, dropout, pretrained, **kwargs)
