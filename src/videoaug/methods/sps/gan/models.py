"""DCGAN-style generator and WGAN critic for dynamic images, and the GAN's image space.

SPS (Zhang et al., ACM MM 2020, Sec. 3.2) trains one WGAN per action class on that class's
sparse-sampled dynamic images. The networks follow DCGAN (Radford et al., 2016): transposed
convolutions with batch norm in the generator, strided convolutions in the critic. As WGAN-GP
(Gulrajani et al., 2017, Sec. 4) recommends, the critic has no batch norm, because the gradient
penalty is defined per sample; it uses layer norm (``GroupNorm(1, C)``), instance norm, or none.

Images live in two spaces: stores hold ``uint8 (N, H, W, 3)`` RGB; the GAN works on
``float32 (N, 3, S, S)``, ``x = (u - mean) / scale`` per channel. The paper's mapping
(``normalize="minmax"``) is ``mean = scale = 127.5``: ``[-1, 1]``, the range of the generator's
``tanh``. Dynamic images are min-max normalised per image, so most of their pixels sit near mid
grey (synth4: mean 132, standard deviation 17 grey levels) and a figure's trace is a small
excursion; ``normalize="standard"`` uses the class's per-channel mean and standard deviation
instead (the trace then spans several units) with a linear generator output.
:func:`uint8_to_gan` and :func:`gan_to_uint8` convert between them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

CriticNorm = Literal["layer", "instance", "none"]

MIN_IMAGE_SIZE = 8
# Widest layer = base_channels * MAX_CHANNEL_MULTIPLIER (DCGAN's 64 px net uses 8x), so 128/256 px
# nets add depth, not width.
MAX_CHANNEL_MULTIPLIER = 8
# Width of the learned class code a class-conditional generator appends to z.
LABEL_CODE = 32


def validate_image_size(image_size: int) -> int:
    """Number of 2x resolution steps between 4x4 and ``image_size``; raise if not a power of 2."""
    if image_size < MIN_IMAGE_SIZE or image_size & (image_size - 1):
        raise ValueError(
            f"image_size must be a power of two >= {MIN_IMAGE_SIZE} (e.g. 32, 64, 128, 256), "
            f"got {image_size}"
        )
    return int(np.log2(image_size)) - 2


def _channels(base_channels: int, level: int) -> int:
    """Channels at ``level`` resolution steps above 4x4 counted from the widest end."""
    return base_channels * min(2**level, MAX_CHANNEL_MULTIPLIER)


class Generator(nn.Module):
    """DCGAN generator ``z (N, z_dim) -> images (N, 3, image_size, image_size)`` in ``[-1, 1]``.

    Layout for ``image_size = 64``: ``z -> 8b x 4x4 -> 4b x 8x8 -> 2b x 16x16 -> b x 32x32 ->
    3 x 64x64`` with ``b = base_channels``; each hidden layer is ConvTranspose-BatchNorm-ReLU,
    the output layer ConvTranspose-Tanh.
    """

    def __init__(self, z_dim: int = 100, image_size: int = 64, base_channels: int = 32,
                 output: str = "tanh", num_classes: int = 0) -> None:
        super().__init__()
        steps = validate_image_size(image_size)
        if output not in ("tanh", "linear"):
            raise ValueError(f"generator output must be 'tanh' or 'linear', got {output!r}")
        self.z_dim = z_dim
        self.image_size = image_size
        self.base_channels = base_channels
        # How outputs map to uint8 (``u = x * scale + mean`` per channel), set by whoever loads
        # the generator; not part of the state_dict.
        self.register_buffer("data_mean", torch.full((3,), 127.5), persistent=False)
        self.register_buffer("data_scale", torch.full((3,), 127.5), persistent=False)
        # Class-conditional (one GAN for all classes): a learned class code joins z.
        self.num_classes = int(num_classes)
        if self.num_classes:
            self.label_embedding = nn.Embedding(self.num_classes, LABEL_CODE)
        widths = [_channels(base_channels, steps - 1 - k) for k in range(steps)]
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(z_dim + (LABEL_CODE if self.num_classes else 0), widths[0], 4,
                               stride=1, padding=0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        ]
        for in_ch, out_ch in zip(widths[:-1], widths[1:], strict=True):
            layers += [
                nn.ConvTranspose2d(in_ch, out_ch, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(out_ch),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ConvTranspose2d(widths[-1], 3, 4, stride=2, padding=1)]
        if output == "tanh":
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(N, z_dim) -> (N, 3, image_size, image_size)``; a class-conditional generator
        (``num_classes > 0``) takes ``labels (N,)`` too."""
        if self.num_classes:
            if labels is None:
                raise ValueError("a class-conditional generator needs labels")
            z = torch.cat([z, self.label_embedding(labels)], dim=1)
        return self.net(z.view(z.shape[0], -1, 1, 1))


def _critic_norm(norm: CriticNorm, channels: int) -> nn.Module:
    if norm == "layer":
        return nn.GroupNorm(1, channels)
    if norm == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if norm == "none":
        return nn.Identity()
    raise ValueError(f"critic norm must be one of 'layer', 'instance', 'none', got {norm!r}")


class Critic(nn.Module):
    """WGAN critic ``images (N, 3, S, S) -> scores (N,)`` (unbounded, no sigmoid).

    Mirror of :class:`Generator`: ``3 x 64x64 -> b x 32x32 -> 2b x 16x16 -> 4b x 8x8 ->
    8b x 4x4 -> 1``; strided Conv-Norm-LeakyReLU(0.2), no norm on the first layer (DCGAN).
    """

    def __init__(
        self,
        image_size: int = 64,
        base_channels: int = 32,
        norm: CriticNorm = "layer",
        minibatch_std: int = 0,
        num_classes: int = 0,
    ) -> None:
        super().__init__()
        steps = validate_image_size(image_size)
        _critic_norm(norm, 1)  # validate even when the net is too shallow to use a norm
        if minibatch_std < 0:
            raise ValueError(f"minibatch_std (group size) must be >= 0, got {minibatch_std}")
        self.image_size = image_size
        self.base_channels = base_channels
        self.minibatch_std = minibatch_std
        widths = [_channels(base_channels, k) for k in range(steps)]
        layers: list[nn.Module] = [
            nn.Conv2d(3, widths[0], 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for in_ch, out_ch in zip(widths[:-1], widths[1:], strict=True):
            layers += [
                nn.Conv2d(in_ch, out_ch, 4, stride=2, padding=1),
                _critic_norm(norm, out_ch),
                nn.LeakyReLU(0.2, inplace=True),
            ]
        extra = 1 if minibatch_std else 0
        layers.append(nn.Conv2d(widths[-1] + extra, 1, 4, stride=1, padding=0))
        self.net = nn.Sequential(*layers)
        # Projection discriminator (Miyato & Koyama, ICLR 2018): score += <e(y), h(x)>, with h
        # the last 4x4 feature map, flattened.
        self.num_classes = int(num_classes)
        if self.num_classes:
            self.label_projection = nn.Embedding(self.num_classes, (widths[-1] + extra) * 16)
            nn.init.normal_(self.label_projection.weight, std=0.02)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(N, 3, S, S) -> (N,)``; a class-conditional critic takes ``labels (N,)`` too."""
        if not self.minibatch_std and not self.num_classes:
            return self.net(images).view(images.shape[0])
        features = self.net[:-1](images)
        if self.minibatch_std:
            features = append_minibatch_std(features, self.minibatch_std)
        score = self.net[-1](features).view(images.shape[0])
        if self.num_classes:
            if labels is None:
                raise ValueError("a class-conditional critic needs labels")
            score = score + (self.label_projection(labels) * features.flatten(1)).sum(1)
        return score


def append_minibatch_std(features: torch.Tensor, group_size: int) -> torch.Tensor:
    """Minibatch standard deviation (Karras et al., ICLR 2018, Sec. 3): ``(N, C, H, W) ->
    (N, C + 1, H, W)``, the extra channel holding, for each sample's group of ``G`` samples, the
    standard deviation over the group averaged over channels and positions. A collapsed
    generator gives groups of near-identical fakes whose statistic differs from real groups', so
    the critic can see the collapse. ``G`` is the largest divisor of ``N`` not above
    ``group_size``; groups are consecutive samples.
    """
    n, c, h, w = features.shape
    group = max(g for g in range(1, min(group_size, n) + 1) if n % g == 0)
    grouped = features.reshape(n // group, group, c, h, w)
    std = torch.sqrt(grouped.var(dim=1, unbiased=False) + 1e-8)  # (N/G, C, H, W)
    statistic = std.mean(dim=(1, 2, 3))  # (N/G,)
    channel = statistic.repeat_interleave(group).view(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([features, channel], dim=1)


def resize_square(images: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear, antialiased resize ``(N, C, H, W) -> (N, C, size, size)``; a no-op if equal.

    Non-square inputs are stretched to a square (the GAN's output is square).
    """
    if images.shape[-2:] == (size, size):
        return images
    return F.interpolate(
        images, size=(size, size), mode="bilinear", align_corners=False, antialias=True
    )


NORMALIZATIONS = ("minmax", "standard")
MIN_SCALE = 1.0  # grey levels: a constant channel must not divide by zero


def data_stats(images: np.ndarray, normalize: str) -> tuple[list[float], list[float]]:
    """``(mean, scale)`` per channel of ``uint8 (N, H, W, 3)`` images for ``normalize``:
    ``"minmax"`` -> 127.5 and 127.5 (``[-1, 1]``); ``"standard"`` -> the channels' mean and
    standard deviation (at least :data:`MIN_SCALE`)."""
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")
    if normalize == "minmax":
        return [127.5] * 3, [127.5] * 3
    pixels = np.asarray(images).reshape(-1, 3)
    mean = np.zeros(3)
    square = np.zeros(3)
    for start in range(0, len(pixels), 1 << 20):  # float64 sums in chunks: no full float copy
        chunk = pixels[start:start + (1 << 20)].astype(np.float64)
        mean += chunk.sum(0)
        square += (chunk ** 2).sum(0)
    mean /= max(len(pixels), 1)
    std = np.sqrt(np.maximum(square / max(len(pixels), 1) - mean ** 2, 0))
    return [float(v) for v in mean], [float(max(v, MIN_SCALE)) for v in std]


def uint8_to_gan(images: np.ndarray | torch.Tensor, image_size: int | None = None,
                 mean: list[float] | None = None, scale: list[float] | None = None
                 ) -> torch.Tensor:
    """Store images ``uint8 (N, H, W, 3)`` -> GAN images ``float32 (N, 3, S, S)``.

    ``x = (u - mean) / scale`` per channel (default 127.5 and 127.5: ``x = u / 127.5 - 1`` in
    ``[-1, 1]``), then resized to ``image_size`` (if given) by :func:`resize_square`.
    """
    tensor = torch.as_tensor(np.asarray(images))
    if tensor.dtype != torch.uint8 or tensor.ndim != 4 or tensor.shape[-1] != 3:
        raise ValueError(
            f"expected uint8 images of shape (N, H, W, 3), got {tuple(tensor.shape)} {tensor.dtype}"
        )
    floats = tensor.permute(0, 3, 1, 2).float()
    if _is_minmax(mean, scale):  # the paper's formula, bit for bit (older caches stay valid)
        floats = floats / 127.5 - 1.0
    else:
        floats = (floats - _channels_of(mean)) / _channels_of(scale)
    return floats if image_size is None else resize_square(floats, image_size)


def _is_minmax(mean, scale) -> bool:
    """Whether ``(mean, scale)`` is the default ``[-1, 1]`` mapping (``None`` or all 127.5)."""
    return all(v is None or bool((torch.as_tensor(v) == 127.5).all()) for v in (mean, scale))


def _channels_of(values: list[float] | torch.Tensor | None) -> torch.Tensor:
    values = torch.full((3,), 127.5) if values is None else torch.as_tensor(values).float()
    return values.view(1, 3, 1, 1)


def gan_to_uint8(images: torch.Tensor, out_size: int | None = None,
                 mean: list[float] | torch.Tensor | None = None,
                 scale: list[float] | torch.Tensor | None = None) -> np.ndarray:
    """GAN images ``(N, 3, S, S)`` -> ``uint8 (N, out, out, 3)`` numpy array.

    Resized first (if ``out_size`` is given), then ``u = round(x * scale + mean)`` (default
    ``round((x + 1) * 127.5)``) clamped to ``[0, 255]`` (so the resize's overshoot is clipped,
    not wrapped).
    """
    floats = images.detach().float()
    if out_size is not None:
        floats = resize_square(floats, out_size)
    if _is_minmax(mean, scale):
        floats = (floats + 1.0) * 127.5
    else:
        floats = floats * _channels_of(scale).to(floats.device) + _channels_of(mean).to(
            floats.device)
    scaled = floats.round().clamp(0, 255).to(torch.uint8)
    return scaled.permute(0, 2, 3, 1).contiguous().cpu().numpy()
