"""Differentiable augmentation of the critic's inputs (DiffAugment, Zhao et al., NeurIPS 2020).

With ~100 training images per class a critic memorises the real set and its gradients stop
guiding the generator. DiffAugment applies the same family of random, differentiable transforms
``T`` to real and generated images wherever the critic sees them (critic and generator updates,
and the gradient-penalty interpolates), so the critic learns ``D(T(x))`` and the generator still
receives gradients through ``T``. The transforms of the paper, on images in ``[-1, 1]``:

* ``color``: brightness ``x + (u - 0.5)``, saturation ``(x - mean_c) * 2u + mean_c`` (mean over
  channels), contrast ``(x - mean) * (u + 0.5) + mean`` (mean over the image), ``u ~ U[0, 1)``
  per image and transform;
* ``translation``: shift by integers ``(dy, dx)`` uniform in ``[-r S, r S]`` (``r = 1/8``),
  zero-filled;
* ``cutout``: set a square of side ``S / 2`` at a uniform centre to zero.

Every random draw comes from the caller's CPU ``torch.Generator``, so training stays exactly
reproducible and resumable.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def parse_policy(policy: str) -> tuple[str, ...]:
    """``"color,translation,cutout"`` -> the transforms in order; ``""`` -> none."""
    parts = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [p for p in parts if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown DiffAugment transform(s) {unknown}; choose from {POLICIES}")
    return parts


def _uniform(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(x.shape[0], 1, 1, 1, generator=generator).to(x.device, x.dtype)


def color(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random brightness, saturation and contrast of ``(N, C, H, W)`` images."""
    x = x + (_uniform(x, generator) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_uniform(x, generator) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform(x, generator) + 0.5) + mean


def translation(x: torch.Tensor, generator: torch.Generator,
                ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    """Shift each image by its own integer offset, filling with zeros (gradients flow through)."""
    n, _, h, w = x.shape
    sy, sx = round(h * ratio), round(w * ratio)
    dy = torch.randint(-sy, sy + 1, (n, 1, 1), generator=generator).to(x.device)
    dx = torch.randint(-sx, sx + 1, (n, 1, 1), generator=generator).to(x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1) + dy + sy  # (N, H, 1) in the padding
    cols = torch.arange(w, device=x.device).view(1, 1, w) + dx + sx  # (N, 1, W)
    padded = F.pad(x, (sx, sx, sy, sy))
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, generator: torch.Generator,
           ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    """Zero a ``ratio``-sized rectangle of each image at a uniform centre (clipped at borders)."""
    n, _, h, w = x.shape
    ch, cw = max(1, round(h * ratio)), max(1, round(w * ratio))
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=generator).to(x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=generator).to(x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    top, left = cy - ch // 2, cx - cw // 2
    inside = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_TRANSFORMS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: torch.Tensor, policy: tuple[str, ...],
                 generator: torch.Generator) -> torch.Tensor:
    """Apply the transforms of ``policy`` (see :func:`parse_policy`) to ``x (N, C, H, W)``."""
    for name in policy:
        x = _TRANSFORMS[name](x, generator)
    return x.contiguous()
