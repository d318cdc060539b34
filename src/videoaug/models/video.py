"""Video classifiers on clips ``(B, 3, T, H, W)``: torchvision R3D-18 / R(2+1)D-18 and SlowFast.

* R3D-18 and R(2+1)D-18 (Tran et al., CVPR 2018) come from ``torchvision.models.video`` with a new
  dropout + linear head for the caller's ``num_classes``.
* SlowFast (Feichtenhofer et al., ICCV 2019) is written here: a Slow pathway on every
  ``alpha``-th frame and a Fast pathway on all frames with ``beta`` times the channels; after the
  stem (pool1) and after every stage but the last, a time-strided convolution (kernel 5x1x1,
  stride ``alpha``, ``2 * beta * C`` output channels; the paper's best fusion, Table 5a) maps Fast
  features onto the Slow time axis and is concatenated to the Slow features. Both pathways are
  globally average-pooled, concatenated, passed through dropout and a linear layer.
  ``SLOWFAST_R50`` is the paper's ResNet-50 instantiation (Table 1); ``SLOWFAST_TINY`` a CPU-scale
  one (base width 8, one bottleneck per stage).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch
import torchvision
from torch import nn

from videoaug.models.tsn import check_head_args
from videoaug.models.weights import load_pretrained

VIDEO_RESNETS: dict[str, int] = {"r3d_18": 512, "r2plus1d_18": 512}  # arch -> feature width


class VideoResNetClassifier(nn.Module):
    """torchvision R3D-18 / R(2+1)D-18: ``(B, 3, T, H, W)`` -> logits ``(B, num_classes)``.

    ``pretrained``: ``None``, ``"kinetics400"`` or a state_dict path (see
    :func:`videoaug.models.weights.load_pretrained`); the report is kept in ``self.init_report``.
    """

    torchvision_head_prefix = "fc"

    def __init__(
        self, arch: str, num_classes: int, dropout: float, pretrained: str | None = None
    ) -> None:
        super().__init__()
        if arch not in VIDEO_RESNETS:
            raise ValueError(f"unknown video ResNet {arch!r}; valid: {', '.join(VIDEO_RESNETS)}")
        check_head_args(num_classes, dropout)
        self.arch = arch
        self.backbone = torchvision.models.get_model(arch, weights=None)
        self.backbone.fc = nn.Identity()
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(VIDEO_RESNETS[arch], num_classes)
        self.init_report: dict[str, Any] = load_pretrained(self, pretrained)

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        """``(B, 3, T, H, W)`` -> ``(B, num_classes)``."""
        _check_clip(clip)
        return self.head(self.dropout(self.backbone(clip)))


# ----------------------------------------------------------------------------------- SlowFast


@dataclass(frozen=True)
class SlowFastConfig:
    """Shape of a SlowFast network (Feichtenhofer et al. 2019, Table 1 for the defaults).

    ``base_width`` is the Slow stem width (64 in the paper); stage ``i`` has inner width
    ``base_width * 2**i`` and output ``expansion`` times that. The Fast pathway has ``beta`` times
    the channels and ``alpha`` times the frames. Temporal kernels are per stage (res2..res5).
    """

    depths: tuple[int, ...] = (3, 4, 6, 3)
    base_width: int = 64
    alpha: int = 8
    beta: float = 1 / 8
    lateral_ratio: int = 2
    lateral_kernel: int = 5
    expansion: int = 4
    slow_stem_temporal_kernel: int = 1
    fast_stem_temporal_kernel: int = 5
    slow_temporal_kernels: tuple[int, ...] = (1, 1, 3, 3)
    fast_temporal_kernels: tuple[int, ...] = (3, 3, 3, 3)

    def __post_init__(self) -> None:
        stages = len(self.depths)
        if stages < 1 or min(self.depths) < 1:
            raise ValueError(f"depths must be >= 1 per stage, got {self.depths}")
        if len(self.slow_temporal_kernels) != stages or len(self.fast_temporal_kernels) != stages:
            raise ValueError("slow/fast temporal kernels need one entry per stage of `depths`")
        if self.alpha < 1 or self.base_width < 1 or not 0 < self.beta <= 1:
            raise ValueError(f"need alpha >= 1, base_width >= 1, 0 < beta <= 1; got {self}")
        kernels = (
            self.lateral_kernel,
            self.slow_stem_temporal_kernel,
            self.fast_stem_temporal_kernel,
            *self.slow_temporal_kernels,
            *self.fast_temporal_kernels,
        )
        if any(k % 2 == 0 for k in kernels):
            # Odd kernels with k // 2 padding keep T (and ceil(T / alpha) after the lateral).
            raise ValueError(f"temporal kernels must be odd, got {kernels}")

    @property
    def fast_width(self) -> int:
        """Fast stem width ``beta * base_width`` (at least one channel)."""
        return max(1, round(self.base_width * self.beta))


SLOWFAST_R50 = SlowFastConfig()
SLOWFAST_TINY = SlowFastConfig(depths=(1, 1, 1, 1), base_width=8, alpha=4)


@dataclass(frozen=True)
class StagePlan:
    """Channels, kernels and stride of one SlowFast stage (both pathways)."""

    slow_in: int
    slow_inner: int
    slow_out: int
    fast_in: int
    fast_inner: int
    fast_out: int
    depth: int
    slow_temporal_kernel: int
    fast_temporal_kernel: int
    spatial_stride: int


def slowfast_plan(config: SlowFastConfig) -> list[StagePlan]:
    """Per-stage channel plan; the Slow input of each stage includes the lateral channels
    ``lateral_ratio * (Fast channels)`` concatenated after the previous stage (or the stem)."""
    plans: list[StagePlan] = []
    slow_prev, fast_prev = config.base_width, config.fast_width
    for index, depth in enumerate(config.depths):
        slow_inner = config.base_width * 2**index
        fast_inner = config.fast_width * 2**index
        plan = StagePlan(
            slow_in=slow_prev + config.lateral_ratio * fast_prev,
            slow_inner=slow_inner,
            slow_out=slow_inner * config.expansion,
            fast_in=fast_prev,
            fast_inner=fast_inner,
            fast_out=fast_inner * config.expansion,
            depth=depth,
            slow_temporal_kernel=config.slow_temporal_kernels[index],
            fast_temporal_kernel=config.fast_temporal_kernels[index],
            spatial_stride=1 if index == 0 else 2,
        )
        plans.append(plan)
        slow_prev, fast_prev = plan.slow_out, plan.fast_out
    return plans


def split_pathways(clip: torch.Tensor, alpha: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(B, C, T, H, W)`` -> Slow input ``(B, C, ceil(T / alpha), H, W)`` (every ``alpha``-th
    frame, starting at 0) and Fast input (the clip itself)."""
    return clip[:, :, ::alpha], clip


def _conv_bn(
    in_channels: int,
    out_channels: int,
    kernel: tuple[int, int, int],
    stride: tuple[int, int, int] = (1, 1, 1),
    relu: bool = True,
) -> nn.Sequential:
    padding = tuple(k // 2 for k in kernel)
    layers: list[nn.Module] = [
        nn.Conv3d(in_channels, out_channels, kernel, stride, padding, bias=False),
        nn.BatchNorm3d(out_channels),
    ]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class Bottleneck3d(nn.Module):
    """ResNet bottleneck with a ``kt x 1 x 1`` first conv (SlowFast Table 1):
    ``(B, C_in, T, H, W)`` -> ``(B, C_out, T, H / s, W / s)``."""

    def __init__(
        self, in_channels: int, inner: int, out_channels: int, temporal_kernel: int, stride: int
    ) -> None:
        super().__init__()
        self.conv_a = _conv_bn(in_channels, inner, (temporal_kernel, 1, 1))
        self.conv_b = _conv_bn(inner, inner, (1, 3, 3), (1, stride, stride))
        self.conv_c = _conv_bn(inner, out_channels, (1, 1, 1), relu=False)
        needs_projection = stride != 1 or in_channels != out_channels
        self.shortcut = (
            _conv_bn(in_channels, out_channels, (1, 1, 1), (1, stride, stride), relu=False)
            if needs_projection
            else nn.Identity()
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv_c(self.conv_b(self.conv_a(x))) + self.shortcut(x))


def _stage(plan: StagePlan, slow: bool) -> nn.Sequential:
    in_ch, inner, out_ch, kernel = (
        (plan.slow_in, plan.slow_inner, plan.slow_out, plan.slow_temporal_kernel)
        if slow
        else (plan.fast_in, plan.fast_inner, plan.fast_out, plan.fast_temporal_kernel)
    )
    blocks = [
        Bottleneck3d(
            in_ch if index == 0 else out_ch,
            inner,
            out_ch,
            kernel,
            plan.spatial_stride if index == 0 else 1,
        )
        for index in range(plan.depth)
    ]
    return nn.Sequential(*blocks)


def _stem(out_channels: int, temporal_kernel: int) -> nn.Sequential:
    """conv ``kt x 7 x 7`` stride (1, 2, 2) + max-pool 1x3x3 stride (1, 2, 2): H, W / 4."""
    return nn.Sequential(
        _conv_bn(3, out_channels, (temporal_kernel, 7, 7), (1, 2, 2)),
        nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
    )


class FastToSlowLateral(nn.Module):
    """Time-strided convolution (SlowFast sec. 3.4): Fast ``(B, C, T, H, W)`` ->
    ``(B, ratio * C, ceil(T / alpha), H, W)``, to be concatenated to the Slow features."""

    def __init__(self, fast_channels: int, alpha: int, ratio: int = 2, kernel: int = 5) -> None:
        super().__init__()
        self.fuse = nn.Sequential(
            nn.Conv3d(
                fast_channels,
                ratio * fast_channels,
                (kernel, 1, 1),
                (alpha, 1, 1),
                (kernel // 2, 0, 0),
                bias=False,
            ),
            nn.BatchNorm3d(ratio * fast_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, fast: torch.Tensor) -> torch.Tensor:
        return self.fuse(fast)


class SlowFastTrunk(nn.Module):
    """Both pathways with lateral connections: ``(B, 3, T, H, W)`` -> pooled ``(B, F)`` with
    ``F = slow_out + fast_out`` of the last stage (2304 for SlowFast-R50)."""

    def __init__(self, config: SlowFastConfig) -> None:
        super().__init__()
        self.config = config
        plans = slowfast_plan(config)
        self.slow_stem = _stem(config.base_width, config.slow_stem_temporal_kernel)
        self.fast_stem = _stem(config.fast_width, config.fast_stem_temporal_kernel)
        self.slow_stages = nn.ModuleList(_stage(plan, slow=True) for plan in plans)
        self.fast_stages = nn.ModuleList(_stage(plan, slow=False) for plan in plans)
        # Fusion after the stem and after every stage but the last (the paper: pool1, res2-res4).
        self.laterals = nn.ModuleList(
            FastToSlowLateral(
                plan.fast_in, config.alpha, config.lateral_ratio, config.lateral_kernel
            )
            for plan in plans
        )
        self.feature_width = plans[-1].slow_out + plans[-1].fast_out

    def forward_pathways(self, clip: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Final feature maps ``(B, C_slow, T / alpha, h, w)`` and ``(B, C_fast, T, h, w)``."""
        slow, fast = split_pathways(clip, self.config.alpha)
        slow, fast = self.slow_stem(slow), self.fast_stem(fast)
        for lateral, slow_stage, fast_stage in zip(
            self.laterals, self.slow_stages, self.fast_stages, strict=True
        ):
            slow = torch.cat([slow, lateral(fast)], dim=1)
            slow, fast = slow_stage(slow), fast_stage(fast)
        return slow, fast

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        slow, fast = self.forward_pathways(clip)
        return torch.cat([slow.mean(dim=(2, 3, 4)), fast.mean(dim=(2, 3, 4))], dim=1)


def _init_slowfast(module: nn.Module) -> None:
    """He init for convs; BN gamma 1 except the last BN of every residual block, which starts at
    0 so each block starts as identity (as in the SlowFast paper, after Goyal et al. 2017)."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv3d):
            nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(layer, nn.BatchNorm3d):
            nn.init.ones_(layer.weight)
            nn.init.zeros_(layer.bias)
    for layer in module.modules():
        if isinstance(layer, Bottleneck3d):
            nn.init.zeros_(layer.conv_c[1].weight)


class SlowFast(nn.Module):
    """SlowFast classifier: ``(B, 3, T, H, W)`` -> logits ``(B, num_classes)``.

    ``pretrained``: ``None`` or the path of a state_dict of this class (torchvision ships no
    SlowFast weights); the report is kept in ``self.init_report``.
    """

    arch = "slowfast"
    torchvision_head_prefix = None

    def __init__(
        self,
        num_classes: int,
        dropout: float,
        pretrained: str | None = None,
        config: SlowFastConfig = SLOWFAST_TINY,
    ) -> None:
        super().__init__()
        check_head_args(num_classes, dropout)
        self.config = config
        self.backbone = SlowFastTrunk(config)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.backbone.feature_width, num_classes)
        _init_slowfast(self.backbone)
        nn.init.normal_(self.head.weight, std=0.01)
        nn.init.zeros_(self.head.bias)
        self.init_report: dict[str, Any] = load_pretrained(self, pretrained)

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        """``(B, 3, T, H, W)`` -> ``(B, num_classes)``."""
        _check_clip(clip)
        return self.head(self.dropout(self.backbone(clip)))


def slowfast_config(preset: SlowFastConfig, **overrides: Any) -> SlowFastConfig:
    """``preset`` with fields replaced (e.g. ``base_width=16, alpha=8``); lists become tuples."""
    valid = {f.name for f in dataclasses.fields(SlowFastConfig)}
    unknown = sorted(set(overrides) - valid)
    if unknown:
        raise ValueError(f"unknown SlowFast options {unknown}; valid: {sorted(valid)}")
    cleaned = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    return dataclasses.replace(preset, **cleaned)


def _check_clip(clip: torch.Tensor) -> None:
    if clip.dim() != 5 or clip.shape[1] != 3:
        raise ValueError(f"video models expect clips (B, 3, T, H, W), got {tuple(clip.shape)}")
