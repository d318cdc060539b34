"""Per-frame image operations of RandAugment, vectorised over every frame of a batch of clips.

The 14 operations of RandAugment (Cubuk et al., 2020) as used by RandAugment-T (Kim et al.,
ECCV-W 2020, Sec. 3.1): each frame of each clip may carry its own magnitude, so one call applies a
whole temporal schedule of magnitudes. Nothing here draws random numbers; randomness lives in
:mod:`videoaug.augment.randaugment_t` and :mod:`videoaug.augment.mixing`.

Two layers:

* frame kernels ``<op>_frames(frames, magnitude)``: ``frames (N, C, H, W)`` float in ``[0, 1]``,
  ``magnitude (N,)`` float, one value per frame; they return a new ``(N, C, H, W)`` float tensor.
  :data:`FRAME_KERNELS` maps op names to them. RandAugment-T uses this layer so that a clip is
  converted to float once, however many ops it receives.
* clip ops ``<op>(clips, magnitude)`` (``rotate``, ``brightness``, ...): ``clips (B, C, T, H, W)``
  uint8 or float, ``magnitude`` broadcastable to ``(B, T)``; uint8 in gives uint8 out (rounded
  once), float in gives float out (assumed in ``[0, 1]``).

Magnitude scale: ``M`` in ``[0, MAX_MAGNITUDE] = [0, 30]``, the scale of the authors' code and of
torchvision's RandAugment (31 bins, default 9). At ``M = 30`` an op reaches the end of its range:

=============  ============================================  ==========================
op             parameter at magnitude ``m``                  identity at ``m = 0``
=============  ============================================  ==========================
rotate         ``30° * m / 30`` (counter-clockwise)          yes
shear_x/y      shear factor ``0.3 * m / 30`` about centre    yes
translate_x/y  ``0.45 * size * m / 30`` pixels (+ = right/   yes
               down)
brightness,    enhancement factor ``1 + 0.9 * m / 30``       yes
color,         (clamped at 0)
contrast,
sharpness
solarize       invert values ``>= (256/255) * (1 - m/30)``   yes
posterize      keep ``round(8 - 4 * m / 30)`` bits (1..8)    yes
identity,      magnitude ignored                             identity only
autocontrast,
equalize
=============  ============================================  ==========================

The signed ops (:data:`SIGNED_OPS`: geometric and enhancement ops) take a signed magnitude; a
negative value turns the other way (left instead of right, darker instead of brighter), as in
torchvision's RandAugment. Magnitudes above 30 extrapolate linearly; each op clamps its parameter
to its valid domain (bits in 1..8, enhancement factors >= 0).

Geometric ops resample with ``grid_sample`` (bilinear, zero fill) on the grid of one ``(2, 3)``
affine matrix per frame (the grid ``affine_grid`` would build, computed by broadcasting, which is
cheaper): bilinear rather than PIL's default nearest, so that the smooth per-frame motion of
RandAugment-T stays sub-pixel smooth instead of stepping by whole pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

MAX_MAGNITUDE = 30.0
"""Magnitude at which every op reaches the end of its range (RandAugment's ``M`` scale)."""

ROTATE_MAX_DEGREES = 30.0
SHEAR_MAX = 0.3
TRANSLATE_MAX_FRACTION = 0.45
ENHANCE_MAX_DELTA = 0.9
POSTERIZE_MAX_BITS_REMOVED = 4.0

OP_NAMES: tuple[str, ...] = (
    "identity",
    "autocontrast",
    "equalize",
    "rotate",
    "solarize",
    "color",
    "posterize",
    "contrast",
    "brightness",
    "sharpness",
    "shear_x",
    "shear_y",
    "translate_x",
    "translate_y",
)
"""The 14 RandAugment ops, in a fixed order (RandAugment-T draws indices into this tuple)."""

MAGNITUDE_FREE_OPS: frozenset[str] = frozenset({"identity", "autocontrast", "equalize"})
"""Ops that ignore their magnitude; RandAugment-T applies them evenly over the frames."""

SIGNED_OPS: frozenset[str] = frozenset(
    {
        "rotate",
        "shear_x",
        "shear_y",
        "translate_x",
        "translate_y",
        "brightness",
        "color",
        "contrast",
        "sharpness",
    }
)
"""Ops whose magnitude has a direction; RandAugment-T draws one sign per clip and op."""

FrameKernel = Callable[[Tensor, Tensor], Tensor]

_GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601-2 luma, as PIL's "L" conversion


# ----------------------------------------------------------------------------- layout helpers


def clips_to_frames(clips: Tensor) -> Tensor:
    """``(B, C, T, H, W)`` uint8 or float -> ``(B*T, C, H, W)`` float (a new, contiguous tensor).

    uint8 is scaled to ``[0, 1]`` in float32; float inputs keep their dtype (assumed in ``[0, 1]``).
    """
    if clips.dim() != 5:
        raise ValueError(f"expected clips of shape (B, C, T, H, W), got {tuple(clips.shape)}")
    if clips.dtype != torch.uint8 and not clips.is_floating_point():
        raise TypeError(f"clips must be uint8 or floating point, got {clips.dtype}")
    batch, channels, length, height, width = clips.shape
    dtype = torch.float32 if clips.dtype == torch.uint8 else clips.dtype
    frames = torch.empty(
        (batch, length, channels, height, width), dtype=dtype, device=clips.device
    )
    frames.copy_(clips.permute(0, 2, 1, 3, 4))  # one pass: transpose and convert together
    if clips.dtype == torch.uint8:
        frames.mul_(1.0 / 255.0)
    return frames.reshape(batch * length, channels, height, width)


def frames_to_clips(frames: Tensor, batch: int, dtype: torch.dtype) -> Tensor:
    """``(B*T, C, H, W)`` float -> ``(B, C, T, H, W)`` contiguous in ``dtype``.

    For uint8 the values are scaled by 255, rounded and clamped once; this may overwrite
    ``frames`` in place (callers pass tensors they own).
    """
    total, channels, height, width = frames.shape
    length = total // batch
    if dtype == torch.uint8:
        frames = frames.mul_(255.0).round_().clamp_(0.0, 255.0)
    clips = torch.empty(
        (batch, channels, length, height, width), dtype=dtype, device=frames.device
    )
    clips.copy_(frames.reshape(batch, length, channels, height, width).permute(0, 2, 1, 3, 4))
    return clips


def _per_frame(values: Tensor) -> Tensor:
    """``(N,)`` -> ``(N, 1, 1, 1)`` so a per-frame parameter broadcasts over ``(N, C, H, W)``."""
    return values.reshape(-1, 1, 1, 1)


def _level(magnitude: Tensor, frames: Tensor) -> Tensor:
    """Magnitude as a fraction of :data:`MAX_MAGNITUDE`, in the dtype/device of ``frames``."""
    return magnitude.to(device=frames.device, dtype=frames.dtype) / MAX_MAGNITUDE


def _grayscale(frames: Tensor) -> Tensor:
    """``(N, C, H, W)`` -> ``(N, 1, H, W)`` luma (RGB) or channel mean (other channel counts)."""
    if frames.shape[1] != 3:
        return frames.mean(dim=1, keepdim=True)
    gray = frames[:, 0:1] * _GRAY_WEIGHTS[0]
    gray.add_(frames[:, 1:2], alpha=_GRAY_WEIGHTS[1])
    return gray.add_(frames[:, 2:3], alpha=_GRAY_WEIGHTS[2])


def _mean_gray(frames: Tensor) -> Tensor:
    """``(N, 1, 1, 1)`` mean luma of each frame (from channel means: no gray image needed)."""
    means = frames.mean(dim=(2, 3))
    if frames.shape[1] != 3:
        return means.mean(dim=1).reshape(-1, 1, 1, 1)
    weights = torch.tensor(_GRAY_WEIGHTS, dtype=frames.dtype, device=frames.device)
    return (means * weights).sum(dim=1).reshape(-1, 1, 1, 1)


def _blend(degenerate: Tensor, frames: Tensor, factor: Tensor) -> Tensor:
    """PIL ``ImageEnhance`` blend: ``degenerate + factor * (frames - degenerate)``, clamped."""
    return torch.lerp(degenerate, frames, _per_frame(factor)).clamp_(0.0, 1.0)


def _enhance_factor(magnitude: Tensor, frames: Tensor) -> Tensor:
    return (1.0 + ENHANCE_MAX_DELTA * _level(magnitude, frames)).clamp(min=0.0)


# ----------------------------------------------------------------------------- photometric kernels
# Kernels never modify their input; each allocates its result once and works in place on it.


def identity_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Return ``frames`` unchanged (a copy), magnitude ignored."""
    del magnitude
    return frames.clone()


def autocontrast_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Stretch each frame's channel to ``[0, 1]`` (PIL ``autocontrast`` without cut-off).

    Channels with a single value are left unchanged. Magnitude ignored.
    """
    del magnitude
    low = frames.amin(dim=(2, 3), keepdim=True)
    span = frames.amax(dim=(2, 3), keepdim=True) - low
    varies = span > 0
    scale = torch.where(varies, 1.0 / span.clamp(min=1e-12), torch.ones_like(span))
    offset = torch.where(varies, low, torch.zeros_like(low))
    return (frames - offset).mul_(scale).clamp_(0.0, 1.0)


def equalize_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Histogram-equalise each frame's channel on 256 levels (PIL ``ImageOps.equalize`` rule).

    Float inputs are quantised to 256 levels first. The look-up table is PIL's: with ``h`` the
    histogram, ``step = (sum(h) - h[top level]) // 255``, ``lut[i] = (step // 2 + sum(h[:i])) //
    step``; a channel with ``step == 0`` (near-constant) is left unchanged. Magnitude ignored.
    """
    del magnitude
    count, channels, height, width = frames.shape
    rows = count * channels
    levels = (frames * 255.0).round_().clamp_(0.0, 255.0).to(torch.int64).reshape(rows, -1)
    # One bincount for all (frame, channel) rows: offset each row into its own 256-bin block.
    offsets = torch.arange(rows, device=frames.device).unsqueeze(1) * 256
    levels.add_(offsets)
    histogram = torch.bincount(levels.reshape(-1), minlength=rows * 256).reshape(rows, 256)
    levels.sub_(offsets)
    top_count = histogram.gather(1, levels.amax(dim=1, keepdim=True))
    step = (height * width - top_count) // 255
    below = histogram.cumsum(dim=1) - histogram
    lut = ((below + step // 2) // step.clamp(min=1)).clamp_(max=255)
    identity_lut = torch.arange(256, device=frames.device).expand(rows, 256)
    lut = torch.where(step > 0, lut, identity_lut).to(frames.dtype).div_(255.0)
    return lut.gather(1, levels).reshape(count, channels, height, width)


def solarize_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Invert values at or above ``(256/255) * (1 - m/30)`` (PIL ``solarize`` on 0..255 scale)."""
    threshold = _per_frame((256.0 / 255.0) * (1.0 - _level(magnitude, frames)))
    inverted = torch.sub(1.0, frames)
    return torch.where(frames >= threshold, inverted, frames, out=inverted)


def posterize_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Keep the top ``round(8 - 4 * m / 30)`` bits (clamped to 1..8) of each 8-bit value."""
    bits = (8.0 - POSTERIZE_MAX_BITS_REMOVED * _level(magnitude, frames)).round().clamp(1.0, 8.0)
    quantum = _per_frame(torch.exp2(8.0 - bits))
    levels = (frames * 255.0).round_()
    return levels.div_(quantum).floor_().mul_(quantum / 255.0)


def color_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Saturation: blend with the grayscale frame by ``1 + 0.9 * m / 30`` (PIL ``Color``)."""
    return _blend(_grayscale(frames), frames, _enhance_factor(magnitude, frames))


def contrast_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Blend with the frame's mean gray level by ``1 + 0.9 * m / 30`` (PIL ``Contrast``)."""
    return _blend(_mean_gray(frames), frames, _enhance_factor(magnitude, frames))


def brightness_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Scale values by ``1 + 0.9 * m / 30``, clamped to ``[0, 1]`` (PIL ``Brightness``)."""
    return (frames * _per_frame(_enhance_factor(magnitude, frames))).clamp_(0.0, 1.0)


def sharpness_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Blend with a 3x3 smoothed frame by ``1 + 0.9 * m / 30`` (PIL ``Sharpness``).

    The smoothing kernel is PIL's ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13``; as in PIL the
    one-pixel border keeps its values (the blend leaves it unchanged).
    """
    result = frames.clone()
    if frames.shape[2] > 2 and frames.shape[3] > 2:
        centre = frames[:, :, 1:-1, 1:-1]
        # (3x3 box sum + 4 * centre) / 13, the box sum done separably with shifted slices
        # (several times faster on CPU than avg_pool2d or a depthwise conv2d).
        rows = torch.add(frames[:, :, :-2], frames[:, :, 1:-1]).add_(frames[:, :, 2:])
        smoothed = torch.add(rows[..., :-2], rows[..., 1:-1]).add_(rows[..., 2:])
        smoothed.add_(centre, alpha=4.0).mul_(1.0 / 13.0)
        factor = _per_frame(_enhance_factor(magnitude, frames))
        result[:, :, 1:-1, 1:-1] = smoothed.lerp_(centre, factor)
    return result.clamp_(0.0, 1.0)


# ----------------------------------------------------------------------------- geometric kernels


def _normalized_centres(size: int, like: Tensor) -> Tensor:
    """Pixel centres of an axis in ``[-1, 1]`` units (``align_corners=False`` convention)."""
    return (torch.arange(size, dtype=like.dtype, device=like.device) * 2.0 + 1.0) / size - 1.0


def affine_frames(frames: Tensor, matrices: Tensor) -> Tensor:
    """Resample each frame through its own affine map (bilinear, zero fill).

    ``matrices (N, 2, 3)`` map *output* pixel coordinates to *input* pixel coordinates, both
    measured in pixels from the frame centre with x to the right and y down:
    ``input = matrices[:, :, :2] @ output + matrices[:, :, 2]``.
    """
    count, _, height, width = frames.shape
    matrices = matrices.to(device=frames.device, dtype=frames.dtype)
    # grid_sample reads [-1, 1] coordinates (u_pixels = u_norm * size / 2), so conjugate by the
    # half-size scale S: theta = S^-1 A S, offset S^-1 t. The grid is built by broadcasting
    # (cheaper than affine_grid's batched matmul, exact for the identity map).
    half = torch.tensor([width / 2.0, height / 2.0], dtype=frames.dtype, device=frames.device)
    linear = matrices[:, :, :2] * half.view(1, 1, 2) / half.view(1, 2, 1)
    offset = matrices[:, :, 2] / half.view(1, 2)
    xs = _normalized_centres(width, frames)
    ys = _normalized_centres(height, frames)
    grid = torch.empty(count, height, width, 2, dtype=frames.dtype, device=frames.device)
    for axis in range(2):
        along_x = linear[:, axis, 0, None] * xs  # (N, W)
        along_y = linear[:, axis, 1, None] * ys + offset[:, axis, None]  # (N, H)
        torch.add(along_x.unsqueeze(1), along_y.unsqueeze(2), out=grid[..., axis])
    return F.grid_sample(frames, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _identity_matrices(magnitude: Tensor) -> Tensor:
    eye = torch.zeros(magnitude.shape[0], 2, 3, dtype=magnitude.dtype, device=magnitude.device)
    eye[:, 0, 0] = 1.0
    eye[:, 1, 1] = 1.0
    return eye


def rotate_matrices(magnitude: Tensor, height: int, width: int) -> Tensor:
    """``(N, 2, 3)`` maps of a counter-clockwise rotation by ``30° * m / 30`` about the centre."""
    del height, width
    radians = magnitude / MAX_MAGNITUDE * math.radians(ROTATE_MAX_DEGREES)
    cos, sin = torch.cos(radians), torch.sin(radians)
    matrices = _identity_matrices(magnitude)
    # With y pointing down, a visually counter-clockwise turn reads input = R(+a) @ output.
    matrices[:, 0, 0], matrices[:, 0, 1] = cos, -sin
    matrices[:, 1, 0], matrices[:, 1, 1] = sin, cos
    return matrices


def shear_x_matrices(magnitude: Tensor, height: int, width: int) -> Tensor:
    """``(N, 2, 3)`` maps ``x_in = x_out + s * y_out``, ``s = 0.3 * m / 30`` (about the centre)."""
    del height, width
    matrices = _identity_matrices(magnitude)
    matrices[:, 0, 1] = SHEAR_MAX * magnitude / MAX_MAGNITUDE
    return matrices


def shear_y_matrices(magnitude: Tensor, height: int, width: int) -> Tensor:
    """``(N, 2, 3)`` maps ``y_in = y_out + s * x_out``, ``s = 0.3 * m / 30`` (about the centre)."""
    del height, width
    matrices = _identity_matrices(magnitude)
    matrices[:, 1, 0] = SHEAR_MAX * magnitude / MAX_MAGNITUDE
    return matrices


def translate_x_matrices(magnitude: Tensor, height: int, width: int) -> Tensor:
    """``(N, 2, 3)`` maps moving content right by ``0.45 * W * m / 30`` pixels."""
    del height
    matrices = _identity_matrices(magnitude)
    matrices[:, 0, 2] = -TRANSLATE_MAX_FRACTION * width * magnitude / MAX_MAGNITUDE
    return matrices


def translate_y_matrices(magnitude: Tensor, height: int, width: int) -> Tensor:
    """``(N, 2, 3)`` maps moving content down by ``0.45 * H * m / 30`` pixels."""
    del width
    matrices = _identity_matrices(magnitude)
    matrices[:, 1, 2] = -TRANSLATE_MAX_FRACTION * height * magnitude / MAX_MAGNITUDE
    return matrices


GEOMETRIC_MATRICES: dict[str, Callable[[Tensor, int, int], Tensor]] = {
    "rotate": rotate_matrices,
    "shear_x": shear_x_matrices,
    "shear_y": shear_y_matrices,
    "translate_x": translate_x_matrices,
    "translate_y": translate_y_matrices,
}
"""Geometric op name -> builder of per-frame affine maps ``(magnitude (N,), H, W) -> (N, 2, 3)``.

RandAugment-T resamples all clips that drew any geometric op in one :func:`affine_frames` call.
"""


def _geometric_kernel(name: str) -> FrameKernel:
    build = GEOMETRIC_MATRICES[name]

    def kernel(frames: Tensor, magnitude: Tensor) -> Tensor:
        level = magnitude.to(device=frames.device, dtype=frames.dtype)
        return affine_frames(frames, build(level, frames.shape[2], frames.shape[3]))

    kernel.__name__ = kernel.__qualname__ = f"{name}_frames"
    kernel.__doc__ = (build.__doc__ or "").replace("``(N, 2, 3)`` maps", "Resample frames by maps")
    return kernel


rotate_frames = _geometric_kernel("rotate")
shear_x_frames = _geometric_kernel("shear_x")
shear_y_frames = _geometric_kernel("shear_y")
translate_x_frames = _geometric_kernel("translate_x")
translate_y_frames = _geometric_kernel("translate_y")


FRAME_KERNELS: dict[str, FrameKernel] = {
    "identity": identity_frames,
    "autocontrast": autocontrast_frames,
    "equalize": equalize_frames,
    "rotate": rotate_frames,
    "solarize": solarize_frames,
    "color": color_frames,
    "posterize": posterize_frames,
    "contrast": contrast_frames,
    "brightness": brightness_frames,
    "sharpness": sharpness_frames,
    "shear_x": shear_x_frames,
    "shear_y": shear_y_frames,
    "translate_x": translate_x_frames,
    "translate_y": translate_y_frames,
}
"""Op name -> frame kernel ``(frames (N, C, H, W) float, magnitude (N,)) -> (N, C, H, W)``."""


# ----------------------------------------------------------------------------- clip-level ops


def apply_op(name: str, clips: Tensor, magnitude: Tensor | float) -> Tensor:
    """Apply op ``name`` to every frame of ``clips (B, C, T, H, W)``.

    ``magnitude`` is broadcastable to ``(B, T)``: a scalar, one value per clip ``(B, 1)``, or one
    per frame ``(B, T)``. uint8 in -> uint8 out; float in -> float out.
    """
    if name not in FRAME_KERNELS:
        raise ValueError(f"unknown op {name!r}; valid ops: {', '.join(OP_NAMES)}")
    batch, _, length = clips.shape[:3]
    per_frame = torch.as_tensor(magnitude, dtype=torch.float32, device=clips.device)
    per_frame = per_frame.expand(batch, length).reshape(batch * length)
    frames = FRAME_KERNELS[name](clips_to_frames(clips), per_frame)
    return frames_to_clips(frames, batch, clips.dtype)


def _clip_op(name: str) -> Callable[[Tensor, Tensor | float], Tensor]:
    def op(clips: Tensor, magnitude: Tensor | float = 0.0) -> Tensor:
        return apply_op(name, clips, magnitude)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (
        f"``{name}`` on clips ``(B, C, T, H, W)`` with magnitude broadcastable to ``(B, T)``.\n\n"
        f"Per frame: {FRAME_KERNELS[name].__doc__}"
    )
    return op


identity = _clip_op("identity")
autocontrast = _clip_op("autocontrast")
equalize = _clip_op("equalize")
rotate = _clip_op("rotate")
solarize = _clip_op("solarize")
color = _clip_op("color")
posterize = _clip_op("posterize")
contrast = _clip_op("contrast")
brightness = _clip_op("brightness")
sharpness = _clip_op("sharpness")
shear_x = _clip_op("shear_x")
shear_y = _clip_op("shear_y")
translate_x = _clip_op("translate_x")
translate_y = _clip_op("translate_y")
