"""AVD's three networks (Tavakolian, Sabokrou and Hadid, 2019, Sec. 3 and Fig. 2).

* Encoder ``E``: five ``Conv3d`` layers with ``3 x 5 x 5`` kernels (T x H x W; the paper writes
  5x5x3 as H x W x T), BatchNorm + ReLU between them, stride 2. The paper does not say along
  which axes the stride acts; a distilled image must stay an image that a 2D CNN pretrained on
  images can read, so the stride is along **time only** (T = 32 -> 16 -> 8 -> 4 -> 2 -> 1) and
  the spatial size is kept (``padding 2``). A clip longer than 32 frames keeps ``ceil(T / 32)``
  time steps after five layers; they are averaged. The last layer maps to 3 channels and
  ``tanh``, so ``E(V)`` is a 3-channel image in ``[-1, 1]`` of the frames' size.
* Decoder ``D``: mirrors ``E`` with ``ConvTranspose3d`` (stride 2 along time, sizes restored
  exactly to the encoder's, so any ``T`` comes back as ``T`` frames), BatchNorm + LeakyReLU(0.2),
  ``tanh`` output in ``[-1, 1]``.
* Teacher ``T``: five fully connected layers with ReLU and a sigmoid output: the probability
  that an image is a real video frame (rather than ``E``'s image).

Tensor layout: clips ``(B, 3, T, H, W)`` in ``[-1, 1]``; images ``(B, 3, H, W)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

NUM_LAYERS = 5
KERNEL = (3, 5, 5)     # (T, H, W)
PADDING = (1, 2, 2)
STRIDE = (2, 1, 1)     # along time only: E(V) keeps the frame size


def _check_widths(widths: Sequence[int]) -> tuple[int, ...]:
    widths = tuple(int(w) for w in widths)
    if len(widths) != NUM_LAYERS - 1 or min(widths) < 1:
        raise ValueError(f"AVD needs {NUM_LAYERS - 1} hidden widths >= 1 (five layers, the last "
                         f"outputs 3 channels), got {list(widths)}")
    return widths


def temporal_sizes(num_frames: int) -> list[int]:
    """Time length after each encoder layer: ``[T, T1, ..., T5]`` with ``T_{k+1} = ceil(T_k/2)``
    (kernel 3, stride 2, padding 1)."""
    if num_frames < 1:
        raise ValueError(f"a clip needs at least one frame, got {num_frames}")
    sizes = [int(num_frames)]
    for _ in range(NUM_LAYERS):
        sizes.append((sizes[-1] - 1) // 2 + 1)
    return sizes


class Encoder(nn.Module):
    """``E``: clip ``(B, 3, T, H, W)`` in [-1, 1] -> image ``(B, 3, H, W)`` in [-1, 1]."""

    def __init__(self, widths: Sequence[int] = (16, 32, 32, 32), in_channels: int = 3) -> None:
        super().__init__()
        widths = _check_widths(widths)
        channels = (in_channels, *widths, 3)
        layers: list[nn.Module] = []
        for k in range(NUM_LAYERS):
            layers.append(nn.Conv3d(channels[k], channels[k + 1], KERNEL, STRIDE, PADDING,
                                    bias=k == NUM_LAYERS - 1))
            if k < NUM_LAYERS - 1:
                layers += [nn.BatchNorm3d(channels[k + 1]), nn.ReLU(inplace=True)]
        self.net = nn.Sequential(*layers)

    def forward(self, clips: Tensor) -> Tensor:
        if clips.dim() != 5:
            raise ValueError(f"E expects clips (B, C, T, H, W), got {tuple(clips.shape)}")
        return torch.tanh(self.net(clips).mean(dim=2))


class Decoder(nn.Module):
    """``D``: image ``(B, 3, H, W)`` -> clip ``(B, 3, T, H, W)`` in [-1, 1] (``T`` given)."""

    def __init__(self, widths: Sequence[int] = (16, 32, 32, 32), out_channels: int = 3) -> None:
        super().__init__()
        widths = _check_widths(widths)
        channels = (3, *reversed(widths), out_channels)
        self.layers = nn.ModuleList(
            nn.ConvTranspose3d(channels[k], channels[k + 1], KERNEL, STRIDE, PADDING,
                               bias=k == NUM_LAYERS - 1)
            for k in range(NUM_LAYERS))
        self.norms = nn.ModuleList(nn.BatchNorm3d(channels[k + 1]) for k in range(NUM_LAYERS - 1))
        self.act = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, images: Tensor, num_frames: int) -> Tensor:
        if images.dim() != 4:
            raise ValueError(f"D expects images (B, 3, H, W), got {tuple(images.shape)}")
        sizes = temporal_sizes(num_frames)
        height, width = images.shape[-2:]
        x = images.unsqueeze(2)  # (B, 3, 1, H, W); a clip > 32 frames starts from ceil(T/32)
        if sizes[-1] > 1:
            x = x.expand(-1, -1, sizes[-1], -1, -1)
        for k, layer in enumerate(self.layers):
            x = layer(x, output_size=(sizes[NUM_LAYERS - k - 1], height, width))
            if k < NUM_LAYERS - 1:
                x = self.act(self.norms[k](x))
        return torch.tanh(x)


class Teacher(nn.Module):
    """``T``: image ``(B, 3, H, W)`` -> probability ``(B,)`` that it is a real frame.

    Five ``Linear`` layers (``hidden`` widths, ReLU between) and a sigmoid. :meth:`logits` gives
    the pre-sigmoid scores (the losses use them, for numerical stability)."""

    def __init__(self, image_size: tuple[int, int], hidden: Sequence[int] = (256, 128, 64, 32)):
        super().__init__()
        hidden = tuple(int(h) for h in hidden)
        if len(hidden) != 4 or min(hidden) < 1:
            raise ValueError(f"the teacher has five layers: give 4 hidden widths, got {hidden}")
        sizes = (3 * int(image_size[0]) * int(image_size[1]), *hidden, 1)
        layers: list[nn.Module] = []
        for k in range(5):
            layers.append(nn.Linear(sizes[k], sizes[k + 1]))
            if k < 4:
                layers.append(nn.ReLU(inplace=True))
        self.net = nn.Sequential(*layers)
        self.image_size = (int(image_size[0]), int(image_size[1]))

    def logits(self, images: Tensor) -> Tensor:
        if tuple(images.shape[-2:]) != self.image_size:
            raise ValueError(f"the teacher was built for {self.image_size} images, got "
                             f"{tuple(images.shape[-2:])}")
        return self.net(images.flatten(1)).squeeze(1)

    def forward(self, images: Tensor) -> Tensor:
        return torch.sigmoid(self.logits(images))
