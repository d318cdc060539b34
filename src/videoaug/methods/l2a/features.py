"""Video features for the Learn2Augment Selector and the small classifier of the CPU scale.

The paper feeds the Selector R3D-18 features (Gowda et al. 2022, §3.3). The paper preset uses
torchvision's ``r3d_18`` (512-d, Kinetics-400 weights where available); at CPU scale
``tiny3d`` is a narrower 3D CNN (four 3×3×3 conv–BN–ReLU blocks of widths ``w, 2w, 4w, 8w``,
spatial stride 2 in each and temporal stride 2 in the last two, global average pool → ``8w``
features; ``w = 8`` gives 64-d features and ~0.1 M parameters).

Clips for both: ``clip_len`` frames sampled uniformly over the video (paper §5.1: 8-frame
uniformly sampled clips), each frame resized to ``size × size`` (aspect squashed: the whole
frame stays visible, which matters for the composited actor).
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import Tensor, nn

from videoaug.models.video import VideoResNetClassifier
from videoaug.seeding import derive_seed

FEATURE_NETS = ("tiny3d", "r3d_18")


def uniform_indices(num_frames: int, clip_len: int) -> np.ndarray:
    """``clip_len`` frame indices spread evenly over ``[0, num_frames)`` (repeats if short)."""
    if num_frames < 1 or clip_len < 1:
        raise ValueError(f"need num_frames >= 1 and clip_len >= 1, got {num_frames}, {clip_len}")
    return np.floor((np.arange(clip_len) + 0.5) * num_frames / clip_len).astype(np.int64)


def uniform_clip(frames: np.ndarray, clip_len: int, size: int) -> np.ndarray:
    """``uint8 (T, H, W, 3)`` → ``uint8 (3, clip_len, size, size)`` (uniform frames, resized)."""
    picked = frames[uniform_indices(len(frames), clip_len)]
    if picked.shape[1:3] != (size, size):
        picked = np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA)
                           for f in picked])
    return np.ascontiguousarray(picked.transpose(3, 0, 1, 2))


class Tiny3D(nn.Module):
    """Narrow 3D CNN: ``(B, 3, T, H, W)`` → features ``(B, 8·width)`` (or logits with a head)."""

    def __init__(self, width: int = 8, num_classes: int | None = None) -> None:
        super().__init__()
        widths = [3, width, 2 * width, 4 * width, 8 * width]
        blocks: list[nn.Module] = []
        for i in range(4):
            stride = (2 if i >= 2 else 1, 2, 2)
            blocks += [nn.Conv3d(widths[i], widths[i + 1], 3, stride=stride, padding=1,
                                 bias=False),
                       nn.BatchNorm3d(widths[i + 1]), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*blocks, nn.AdaptiveAvgPool3d(1), nn.Flatten())
        self.feature_dim = widths[-1]
        self.head = nn.Linear(self.feature_dim, num_classes) if num_classes else nn.Identity()

    def forward(self, clip: Tensor) -> Tensor:
        return self.head(self.features(clip))


def build_feature_net(name: str, width: int, seed: int,
                      pretrained: str | None = None) -> tuple[nn.Module, int]:
    """The feature network ``name`` (``tiny3d`` or ``r3d_18``) and its feature width.

    ``pretrained`` (``r3d_18`` only): ``kinetics400`` or a state_dict path. Random weights are
    drawn from ``seed`` without touching the global RNG.
    """
    if name not in FEATURE_NETS:
        raise ValueError(f"l2a.selector.feature_net {name!r}: choose one of {FEATURE_NETS}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "l2a-features"))
        if name == "tiny3d":
            if pretrained:
                raise ValueError("tiny3d has no pretrained weights; set "
                                 "l2a.selector.feature_pretrained: null")
            net: nn.Module = Tiny3D(width)
            dim = net.feature_dim
        else:
            classifier = VideoResNetClassifier("r3d_18", 1, 0.0, pretrained)
            net, dim = classifier.backbone, 512
    return net.eval(), dim
