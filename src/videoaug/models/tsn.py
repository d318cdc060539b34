"""Temporal Segment Network (Wang et al., ECCV 2016) with a torchvision 2D backbone.

As used by Zhang et al. (ACM MM 2020) for the temporal stream on dynamic images: each of the K
segments (one image per segment) goes through the same 2D CNN, dropout (0.4 in the paper) and a
linear classifier; the segmental consensus is the average of the per-segment class scores
(TSN eq. 1 with ``G`` = average, before the softmax).
"""

from __future__ import annotations

from typing import Any

import torch
import torchvision
from torch import nn

from videoaug.models.weights import load_pretrained

# backbone -> (torchvision key of its ImageNet classifier, feature width before that classifier)
TSN_BACKBONES: dict[str, tuple[str, int]] = {
    "resnet18": ("fc", 512),
    "resnet50": ("fc", 2048),
    "mobilenet_v3_small": ("classifier.3", 1024),
    # AVD's Table 2 (Tavakolian et al. 2019): AlexNet, Inception-V1 (GoogLeNet), ResNet-101
    "resnet101": ("fc", 2048),
    "alexnet": ("classifier.6", 4096),
    "googlenet": ("fc", 1024),
}


def average_consensus(segment_logits: torch.Tensor) -> torch.Tensor:
    """TSN average consensus: ``(B, K, C)`` per-segment logits -> ``(B, C)`` video logits."""
    if segment_logits.dim() != 3:
        raise ValueError(f"expected (B, K, C) segment logits, got {tuple(segment_logits.shape)}")
    return segment_logits.mean(dim=1)


def as_segments(images: torch.Tensor) -> torch.Tensor:
    """``(B, K, 3, H, W)`` stays, ``(B, 3, H, W)`` becomes ``(B, 1, 3, H, W)`` (K = 1)."""
    if images.dim() == 4:
        return images.unsqueeze(1)
    if images.dim() == 5:
        return images
    raise ValueError(f"TSN expects (B, K, 3, H, W) or (B, 3, H, W), got {tuple(images.shape)}")


ALEXNET_MIN_SIZE = 63


def _at_least(size: int):
    """Forward pre-hook: bilinearly resize ``(N, 3, H, W)`` inputs whose side is below ``size``."""

    def hook(module: nn.Module, args: tuple) -> tuple:
        images = args[0]
        height, width = images.shape[-2:]
        if min(height, width) >= size:
            return args
        scale = size / min(height, width)
        shape = (max(size, round(height * scale)), max(size, round(width * scale)))
        return (nn.functional.interpolate(images, size=shape, mode="bilinear",
                                          align_corners=False), *args[1:])

    return hook


def build_2d_backbone(name: str) -> nn.Module:
    """A randomly initialised torchvision 2D CNN whose ImageNet classifier is removed.

    Returns a module mapping ``(N, 3, H, W)`` to ``(N, F)`` with ``F = TSN_BACKBONES[name][1]``;
    its state_dict keys are torchvision's (so ImageNet checkpoints load by name).
    """
    if name not in TSN_BACKBONES:
        raise ValueError(f"unknown TSN backbone {name!r}; valid: {', '.join(TSN_BACKBONES)}")
    if name == "googlenet":
        # no auxiliary heads (they only help deep supervision on ImageNet); torchvision's own
        # input transform is off because the trainer normalises inputs itself
        network = torchvision.models.get_model(name, weights=None, aux_logits=False,
                                               init_weights=True, transform_input=False)
    else:
        network = torchvision.models.get_model(name, weights=None)
    if name.startswith("resnet") or name == "googlenet":
        network.fc = nn.Identity()
    elif name == "alexnet":
        # keep torchvision's classifier up to the second 4096-wide ReLU; the TSN head replaces
        # its last Linear(4096, 1000)
        network.classifier = nn.Sequential(*list(network.classifier)[:6])
        # AlexNet's stride-4 stem and three max-pools need >= 63 px; smaller inputs (CPU-scale
        # crops) are resized up bilinearly (a hook: the state_dict keeps torchvision's keys)
        network.register_forward_pre_hook(_at_least(ALEXNET_MIN_SIZE))
    else:
        # MobileNetV3 keeps its Linear(576, 1024) + Hardswish; TSN's own dropout and classifier
        # replace torchvision's Dropout(0.2) + Linear(1024, 1000).
        network.classifier = nn.Sequential(network.classifier[0], network.classifier[1])
    return network


class TSN(nn.Module):
    """TSN classifier: ``(B, K, 3, H, W)`` or ``(B, 3, H, W)`` -> logits ``(B, num_classes)``.

    Args:
        backbone: ``"resnet18"`` (CPU scale), ``"resnet50"`` (paper scale) or
            ``"mobilenet_v3_small"`` (tiny runs).
        num_classes: number of classes of the caller's dataset.
        dropout: dropout probability before the final linear layer (paper: 0.4).
        pretrained: ``None``, ``"imagenet"`` or the path of a state_dict (see
            :func:`videoaug.models.weights.load_pretrained`); the report is kept in
            ``self.init_report``.
        partial_bn: TSN's partial BN — in training mode, freeze the running mean/variance of every
            BatchNorm except the first (useful with pretrained weights and tiny batches).
    """

    def __init__(
        self,
        backbone: str,
        num_classes: int,
        dropout: float,
        pretrained: str | None = None,
        *,
        partial_bn: bool = False,
    ) -> None:
        super().__init__()
        check_head_args(num_classes, dropout)
        self.backbone = build_2d_backbone(backbone)
        self.arch = backbone
        self.torchvision_head_prefix, feature_width = TSN_BACKBONES[backbone]
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(feature_width, num_classes)
        # TSN initialises its new classifier with N(0, 0.001) and zero bias.
        nn.init.normal_(self.head.weight, std=0.001)
        nn.init.zeros_(self.head.bias)
        self.partial_bn = partial_bn
        self.init_report: dict[str, Any] = load_pretrained(self, pretrained)

    def segment_logits(self, images: torch.Tensor) -> torch.Tensor:
        """Per-segment logits ``(B, K, num_classes)`` of ``(B, K, 3, H, W)`` or ``(B, 3, H, W)``."""
        segments = as_segments(images)
        batch, num_segments = segments.shape[:2]
        features = self.backbone(segments.flatten(0, 1))
        logits = self.head(self.dropout(features))
        return logits.view(batch, num_segments, -1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Video logits ``(B, num_classes)``: the average consensus of the segment logits."""
        return average_consensus(self.segment_logits(images))

    def train(self, mode: bool = True) -> TSN:
        super().train(mode)
        if mode and self.partial_bn:
            batch_norms = [m for m in self.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
            for layer in batch_norms[1:]:
                layer.eval()
        return self


def check_head_args(num_classes: int, dropout: float) -> None:
    """Raise ``ValueError`` unless ``num_classes >= 1`` and ``0 <= dropout < 1``."""
    if int(num_classes) < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
