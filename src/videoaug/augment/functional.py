"""Per-frame image operations of RandAugment, vectorised over every frame of a batch of clips.

The ops of RandAugment-T (Kim et al., ECCV-W 2020, Sec. 3.1): each frame of each clip may carry
its own magnitude, so one call applies a whole temporal schedule of magnitudes. Nothing here draws
random numbers; randomness lives in :mod:`videoaug.augment.randaugment_t` and
:mod:`videoaug.augment.mixing`.

Two **conventions** map a magnitude to an op's parameter (:data:`CONVENTIONS`,
:func:`op_set`, :func:`op_names`):

* ``randaugment`` (the default): the 14 ops and ranges of RandAugment (Cubuk et al., 2020) as
  torchvision implements them, resampled bilinearly about the frame centre. This is *not* what
  Kim et al.'s released code does; it is the project's reading of the paper's text, which lists
  RandAugment's 14 ops.
* ``released``: the mappings of the authors' released code (the ops and ranges that produced the
  paper's numbers): 15 ops (``invert`` added), PIL's nearest resampling about the top-left corner
  for shears, absolute pixel translations, unsigned enhancement factors, PIL's integer rounding.
  Table below.

Two layers:

* frame kernels ``<op>_frames(frames, magnitude)``: ``frames (N, C, H, W)`` float in ``[0, 1]``,
  ``magnitude (N,)`` float, one value per frame; they return a new ``(N, C, H, W)`` float tensor.
  :data:`FRAME_KERNELS` (randaugment) and :data:`RELEASED_FRAME_KERNELS` map op names to them.
  RandAugment-T uses this layer so that a clip is converted to float once, however many ops it
  receives.
* clip ops ``<op>(clips, magnitude)`` (``rotate``, ``brightness``, ...; randaugment convention)
  and :func:`apply_op` (either convention): ``clips (B, C, T, H, W)`` uint8 or float,
  ``magnitude`` broadcastable to ``(B, T)``; uint8 in gives uint8 out (rounded once), float in
  gives float out (assumed in ``[0, 1]``).

Magnitude scale: ``M`` in ``[0, MAX_MAGNITUDE] = [0, 30]`` in both conventions (the scale of
torchvision's RandAugment, 31 bins, and of the released code's ``max_severity = 30``); ``v = M /
30``. What an op does at ``v`` is where the conventions differ:

=============  =====================================  ==========================================
op             ``randaugment``                        ``released``
=============  =====================================  ==========================================
rotate         ``30 v`` degrees (signed), bilinear,   ``30 v`` degrees (signed), PIL
               about the centre                       ``rotate``: nearest, about the centre
shear_x/y      factor ``0.3 v`` (signed) about the    factor ``0.3 v`` (signed), PIL affine
               centre, bilinear                       ``(1, s, 0, 0, 1, 0)``: about the
                                                      top-left corner, nearest
translate_x/y  ``0.45 v`` of the frame size (signed)  ``100 v`` pixels (signed), nearest
brightness,    factor ``1 + 0.9 v`` (signed ``v``:    factor ``0.1 + 1.8 v`` (never signed),
color,         ``1 - 0.9 v`` when negative)           PIL ``ImageEnhance`` with its integer
contrast,                                             rounding
sharpness
solarize       invert values ``>= 256 (1 - v)``       invert values ``>= 256 v``
posterize      keep ``round(8 - 4 v)`` bits           keep ``max(1, int(4 v))`` bits (see
                                                      :func:`released_posterize_bits`)
invert         (not in the op set)                    ``255 - x``
identity,      magnitude ignored                      magnitude ignored; autocontrast truncates
autocontrast,                                         like PIL
equalize
=============  =====================================  ==========================================

Every geometric op fills with 0 in both conventions. The signed ops (:data:`SIGNED_OPS` /
:data:`RELEASED_SIGNED_OPS`) take a signed magnitude; a negative value turns the other way.
Magnitudes above 30 extrapolate linearly; each op clamps its parameter to its valid domain (bits
in 1..8, randaugment enhancement factors >= 0). (The released code asserts that most parameters
stay in their range, i.e. ``M + d <= 30`` in ``temporal+``; the paper's ``M <= 10`` never gets
there, and here larger values extrapolate instead of failing.)

``randaugment`` geometric ops resample with ``grid_sample`` (bilinear, zero fill) on the grid of
one ``(2, 3)`` affine matrix per frame (the grid ``affine_grid`` would build, computed by
broadcasting, which is cheaper): bilinear rather than PIL's default nearest, so that the smooth
per-frame motion of RandAugment-T stays sub-pixel smooth instead of stepping by whole pixels.
``released`` geometric ops gather the nearest input pixel exactly as PIL's ``Image.transform``
does (:func:`nearest_affine_frames`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

MAX_MAGNITUDE = 30.0
"""Magnitude at which every op reaches the end of its range (``M`` scale of both conventions)."""

CONVENTIONS: tuple[str, ...] = ("randaugment", "released")
"""Magnitude-to-parameter conventions (module docstring); the first is the default."""

DEFAULT_CONVENTION = "randaugment"

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
"""The 14 RandAugment ops of the ``randaugment`` convention, in a fixed order (RandAugment-T
draws indices into this tuple; :func:`op_names` gives the tuple of either convention)."""

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


def _channel_levels(frames: Tensor) -> Tensor:
    """``(N, C, H, W)`` float in ``[0, 1]`` -> ``(N*C, H*W)`` int64 levels 0..255 (rounded)."""
    count, channels = frames.shape[:2]
    levels = (frames * 255.0).round_().clamp_(0.0, 255.0).to(torch.int64)
    return levels.reshape(count * channels, -1)


def _apply_channel_luts(luts: Tensor, levels: Tensor, like: Tensor) -> Tensor:
    """Look up ``levels (N*C, H*W)`` in per-channel tables ``luts (N*C, 256)`` of output levels;
    returns ``(N, C, H, W)`` in ``like``'s dtype on the ``[0, 1]`` scale."""
    return luts.to(like.dtype).div_(255.0).gather(1, levels).reshape(like.shape)


def _channel_histograms(levels: Tensor) -> Tensor:
    """``(rows, 256)`` int64 histogram of each row of ``levels (rows, H*W)``."""
    rows = levels.shape[0]
    # One bincount for all rows: offset each row into its own 256-bin block.
    offsets = torch.arange(rows, device=levels.device).unsqueeze(1) * 256
    shifted = (levels + offsets).reshape(-1)
    return torch.bincount(shifted, minlength=rows * 256).reshape(rows, 256)


def equalize_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Histogram-equalise each frame's channel on 256 levels (PIL ``ImageOps.equalize`` rule).

    Float inputs are quantised to 256 levels first. The look-up table is PIL's: with ``h`` the
    histogram, ``step = (sum(h) - h[top level]) // 255``, ``lut[i] = (step // 2 + sum(h[:i])) //
    step``; a channel with ``step == 0`` (near-constant) is left unchanged. Magnitude ignored.
    """
    del magnitude
    height, width = frames.shape[2:]
    levels = _channel_levels(frames)
    histogram = _channel_histograms(levels)
    top_count = histogram.gather(1, levels.amax(dim=1, keepdim=True))
    step = (height * width - top_count) // 255
    below = histogram.cumsum(dim=1) - histogram
    lut = ((below + step // 2) // step.clamp(min=1)).clamp_(max=255)
    identity_lut = torch.arange(256, device=frames.device).expand(levels.shape[0], 256)
    return _apply_channel_luts(torch.where(step > 0, lut, identity_lut), levels, frames)


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


# ----------------------------------------------------------------------------- released convention
# Kim et al.'s released code applies PIL ops to uint8 frames. These kernels reproduce PIL's integer
# arithmetic on the 0..255 level scale: inputs are rounded to levels, results are levels / 255, so
# a uint8 clip comes back exactly as PIL would return it (up to PIL's fixed-point geometry).

RELEASED_OP_NAMES: tuple[str, ...] = (
    "identity",
    "autocontrast",
    "equalize",
    "invert",
    "rotate",
    "posterize",
    "solarize",
    "color",
    "contrast",
    "brightness",
    "sharpness",
    "shear_x",
    "shear_y",
    "translate_x",
    "translate_y",
)
"""The 15 ops of the released code, in its order (RandAugment-T draws uniformly with replacement
from this tuple; every drawn op is applied)."""

RELEASED_MAGNITUDE_FREE_OPS: frozenset[str] = frozenset(
    {"identity", "autocontrast", "equalize", "invert"}
)
RELEASED_SIGNED_OPS: frozenset[str] = frozenset(
    {"rotate", "shear_x", "shear_y", "translate_x", "translate_y"}
)
"""Only the geometric ops get a random sign in the released code; enhancement factors do not."""

RELEASED_TRANSLATE_MAX_PIXELS = 100.0
RELEASED_SOLARIZE_MAX = 256.0
RELEASED_POSTERIZE_MAX_BITS = 4.0
RELEASED_ENHANCE_MIN = 0.1
RELEASED_ENHANCE_SPAN = 1.8


def _to_levels(frames: Tensor) -> Tensor:
    """``[0, 1]`` floats -> integer-valued levels ``0..255`` (a new tensor, same dtype)."""
    return (frames * 255.0).round_().clamp_(0.0, 255.0)


def _from_levels(levels: Tensor) -> Tensor:
    return levels.div_(255.0)


def _pil_luma(levels: Tensor) -> Tensor:
    """``(N, C, H, W)`` levels -> ``(N, 1, H, W)`` PIL ``convert("L")`` levels.

    RGB: ``(19595 R + 38470 G + 7471 B + 32768) >> 16``, PIL's integer rule (exact in float32:
    every partial sum is below 2^24). Other channel counts: the rounded channel mean.
    """
    if levels.shape[1] != 3:
        return levels.mean(dim=1, keepdim=True).round_()
    luma = levels[:, 0:1] * 19595.0
    luma.add_(levels[:, 1:2], alpha=38470.0).add_(levels[:, 2:3], alpha=7471.0).add_(32768.0)
    return luma.div_(65536.0).floor_()


def _pil_blend(degenerate: Tensor, levels: Tensor, factor: Tensor) -> Tensor:
    """PIL ``Image.blend(degenerate, image, factor)`` on levels: ``degenerate + factor * (image -
    degenerate)`` truncated to an integer and clipped to ``0..255`` (``ImageEnhance``'s rule)."""
    factor = _per_frame(factor.to(device=levels.device, dtype=levels.dtype))
    return torch.sub(levels, degenerate).mul_(factor).add_(degenerate).floor_().clamp_(0.0, 255.0)


def released_enhance_factor(magnitude: Tensor) -> Tensor:
    """``0.1 + 1.8 * m / 30``: the released code's ``ImageEnhance`` factor (no sign)."""
    return RELEASED_ENHANCE_MIN + RELEASED_ENHANCE_SPAN * magnitude / MAX_MAGNITUDE


def invert_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """``255 - x`` on 8-bit levels (PIL ``ImageOps.invert``). Magnitude ignored."""
    del magnitude
    return _from_levels(torch.sub(255.0, _to_levels(frames)))


def released_autocontrast_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """PIL ``ImageOps.autocontrast`` (no cut-off) per channel: ``lut[i] = int(i * scale +
    offset)`` clipped to ``0..255``, ``scale = 255 / (hi - lo)``, ``offset = -lo * scale``;
    channels with one level are left unchanged. Magnitude ignored."""
    del magnitude
    levels = _channel_levels(frames)
    low = levels.amin(dim=1, keepdim=True).to(torch.float64)
    high = levels.amax(dim=1, keepdim=True).to(torch.float64)
    varies = high > low
    scale = 255.0 / torch.where(varies, high - low, torch.ones_like(high))
    ramp = torch.arange(256, dtype=torch.float64, device=frames.device)
    # int() truncates towards zero; below zero the clip makes floor and trunc agree.
    lut = (ramp * scale - low * scale).floor_().clamp_(0.0, 255.0)
    lut = torch.where(varies, lut, ramp.expand_as(lut))
    return _apply_channel_luts(lut, levels, frames)


def released_solarize_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Invert levels ``>= 256 * m / 30`` (PIL ``ImageOps.solarize`` with the released threshold;
    no effect from ``m = 30`` up)."""
    threshold = _per_frame(RELEASED_SOLARIZE_MAX * _level(magnitude, frames))
    levels = _to_levels(frames)
    return _from_levels(torch.where(levels >= threshold, 255.0 - levels, levels))


def released_posterize_bits(first: Tensor, last: Tensor, length: int) -> Tensor:
    """Bits kept at each frame ``(..., T)`` for endpoint magnitudes ``first``, ``last`` ``(...)``.

    The released rule: each endpoint's bits are ``b = max(1, int(4 * m / 30))``; frame ``t`` keeps
    ``int(b1 + (b2 - b1) * t / (T - 1))`` bits (so 1 bit for every ``M < 15``), capped at 8.
    Computed in float64 as Python does.
    """
    def bits(magnitude: Tensor) -> Tensor:
        level = magnitude.to(torch.float64) / MAX_MAGNITUDE
        return (level * RELEASED_POSTERIZE_MAX_BITS).floor_().clamp_(min=1.0)

    start, end = bits(first).unsqueeze(-1), bits(last).unsqueeze(-1)
    steps = torch.arange(length, dtype=torch.float64, device=first.device)
    span = max(length - 1, 1)
    return (start + (end - start) * steps / span).floor_().clamp_(1.0, 8.0)


def released_posterize_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """Keep the top ``max(1, int(4 * m / 30))`` bits (capped at 8) of each level (PIL
    ``ImageOps.posterize``). A magnitude of ``7.5 * b`` keeps exactly ``b`` bits, which is how
    RandAugment-T passes the per-frame bits of :func:`released_posterize_bits`."""
    level = magnitude.to(device=frames.device, dtype=torch.float64) / MAX_MAGNITUDE
    bits = (level * RELEASED_POSTERIZE_MAX_BITS).floor_().clamp_(1.0, 8.0).to(frames.dtype)
    quantum = _per_frame(torch.exp2(8.0 - bits))
    return _from_levels(_to_levels(frames).div_(quantum).floor_().mul_(quantum))


def released_color_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """PIL ``ImageEnhance.Color`` by ``0.1 + 1.8 * m / 30``: blend with the ``L`` frame."""
    levels = _to_levels(frames)
    return _from_levels(_pil_blend(_pil_luma(levels), levels, released_enhance_factor(magnitude)))


def released_contrast_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """PIL ``ImageEnhance.Contrast`` by ``0.1 + 1.8 * m / 30``: blend with the constant
    ``int(mean(L) + 0.5)``."""
    levels = _to_levels(frames)
    mean = _pil_luma(levels).to(torch.float64).mean(dim=(1, 2, 3), keepdim=True)
    degenerate = (mean + 0.5).floor_().to(levels.dtype)
    return _from_levels(_pil_blend(degenerate, levels, released_enhance_factor(magnitude)))


def released_brightness_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """PIL ``ImageEnhance.Brightness`` by ``0.1 + 1.8 * m / 30``: blend with black."""
    levels = _to_levels(frames)
    factor = released_enhance_factor(magnitude)
    return _from_levels(_pil_blend(torch.zeros_like(levels), levels, factor))


def released_sharpness_frames(frames: Tensor, magnitude: Tensor) -> Tensor:
    """PIL ``ImageEnhance.Sharpness`` by ``0.1 + 1.8 * m / 30``: blend with PIL's ``SMOOTH``
    filter (``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13``, rounded to the nearest level; the
    one-pixel border keeps its values)."""
    levels = _to_levels(frames)
    smoothed = levels.clone()
    if levels.shape[2] > 2 and levels.shape[3] > 2:
        rows = torch.add(levels[:, :, :-2], levels[:, :, 1:-1]).add_(levels[:, :, 2:])
        box = torch.add(rows[..., :-2], rows[..., 1:-1]).add_(rows[..., 2:])
        # Integer sums are exact; sum / 13 is never within 1/26 of a half, so +0.5 floor rounds.
        box.add_(levels[:, :, 1:-1, 1:-1], alpha=4.0).div_(13.0).add_(0.5).floor_()
        smoothed[:, :, 1:-1, 1:-1] = box
    return _from_levels(_pil_blend(smoothed, levels, released_enhance_factor(magnitude)))


def nearest_affine_frames(frames: Tensor, matrices: Tensor) -> Tensor:
    """Resample each frame through its own affine map the way PIL's ``Image.transform(AFFINE,
    NEAREST)`` does, zero fill.

    ``matrices (N, 2, 3)`` are PIL's ``data``: the input point of output pixel ``(x, y)`` is
    ``matrices @ (x + 0.5, y + 0.5, 1)``, in pixels from the top-left corner; the nearest input
    pixel is ``floor`` of it, and points outside the frame read 0. Coordinates in float64 (as PIL).
    """
    count, channels, height, width = frames.shape
    maps = matrices.to(device=frames.device, dtype=torch.float64)
    xs = torch.arange(width, dtype=torch.float64, device=frames.device).add_(0.5)
    ys = torch.arange(height, dtype=torch.float64, device=frames.device).add_(0.5)
    index = torch.zeros(count, height, width, dtype=torch.int64, device=frames.device)
    inside = torch.ones(count, height, width, dtype=torch.bool, device=frames.device)
    for axis, size, stride in ((0, width, 1), (1, height, width)):
        along_x = maps[:, axis, 0, None] * xs  # (N, W)
        along_y = maps[:, axis, 1, None] * ys + maps[:, axis, 2, None]  # (N, H)
        pixel = (along_x.unsqueeze(1) + along_y.unsqueeze(2)).floor_()
        inside &= (pixel >= 0) & (pixel < size)
        index += pixel.clamp_(0, size - 1).to(torch.int64) * stride
    flat = frames.reshape(count, channels, height * width)
    gathered = flat.gather(2, index.reshape(count, 1, -1).expand(-1, channels, -1))
    return gathered.reshape(frames.shape).masked_fill_(~inside.unsqueeze(1), 0.0)


def released_rotate_matrices(magnitude: Tensor, height: int, width: int) -> Tensor:
    """``(N, 2, 3)`` PIL data of ``Image.rotate(30 * m / 30)``: counter-clockwise about the
    centre ``(W / 2, H / 2)``."""
    radians = -(magnitude.to(torch.float64) / MAX_MAGNITUDE * math.radians(ROTATE_MAX_DEGREES))
    cos, sin = torch.cos(radians), torch.sin(radians)
    centre_x, centre_y = width / 2.0, height / 2.0
    matrices = torch.zeros(magnitude.shape[0], 2, 3, dtype=torch.float64, device=magnitude.device)
    matrices[:, 0, 0], matrices[:, 0, 1] = cos, sin
    matrices[:, 1, 0], matrices[:, 1, 1] = -sin, cos
    matrices[:, 0, 2] = -cos * centre_x - sin * centre_y + centre_x
    matrices[:, 1, 2] = sin * centre_x - cos * centre_y + centre_y
    return matrices


def _released_affine(row: int, column: int, scale: float) -> Callable[[Tensor, int, int], Tensor]:
    def build(magnitude: Tensor, height: int, width: int) -> Tensor:
        del height, width
        matrices = _identity_matrices(magnitude.to(torch.float64))
        matrices[:, row, column] = scale * magnitude.to(torch.float64) / MAX_MAGNITUDE
        return matrices

    return build


released_shear_x_matrices = _released_affine(0, 1, SHEAR_MAX)
released_shear_x_matrices.__doc__ = """PIL data ``(1, s, 0, 0, 1, 0)``, ``s = 0.3 * m / 30``:
``x_in = x + s * y`` about the top-left corner."""
released_shear_y_matrices = _released_affine(1, 0, SHEAR_MAX)
released_shear_y_matrices.__doc__ = """PIL data ``(1, 0, 0, s, 1, 0)``, ``s = 0.3 * m / 30``."""
released_translate_x_matrices = _released_affine(0, 2, RELEASED_TRANSLATE_MAX_PIXELS)
released_translate_x_matrices.__doc__ = """PIL data ``(1, 0, d, 0, 1, 0)``, ``d = 100 * m / 30``
pixels (content moves left by ``d``; the random sign makes both directions equally likely)."""
released_translate_y_matrices = _released_affine(1, 2, RELEASED_TRANSLATE_MAX_PIXELS)
released_translate_y_matrices.__doc__ = """PIL data ``(1, 0, 0, 0, 1, d)``, ``d = 100 * m / 30``."""

RELEASED_GEOMETRIC_MATRICES: dict[str, Callable[[Tensor, int, int], Tensor]] = {
    "rotate": released_rotate_matrices,
    "shear_x": released_shear_x_matrices,
    "shear_y": released_shear_y_matrices,
    "translate_x": released_translate_x_matrices,
    "translate_y": released_translate_y_matrices,
}
"""Released geometric op -> builder of PIL affine data ``(magnitude (N,), H, W) -> (N, 2, 3)``
for :func:`nearest_affine_frames`."""


def _released_geometric_kernel(name: str) -> FrameKernel:
    build = RELEASED_GEOMETRIC_MATRICES[name]

    def kernel(frames: Tensor, magnitude: Tensor) -> Tensor:
        maps = build(magnitude.to(frames.device), frames.shape[2], frames.shape[3])
        return nearest_affine_frames(frames, maps)

    kernel.__name__ = kernel.__qualname__ = f"released_{name}_frames"
    kernel.__doc__ = f"Released ``{name}``, nearest, zero fill: {build.__doc__}"
    return kernel


RELEASED_FRAME_KERNELS: dict[str, FrameKernel] = {
    "identity": identity_frames,
    "autocontrast": released_autocontrast_frames,
    "equalize": equalize_frames,
    "invert": invert_frames,
    "rotate": _released_geometric_kernel("rotate"),
    "posterize": released_posterize_frames,
    "solarize": released_solarize_frames,
    "color": released_color_frames,
    "contrast": released_contrast_frames,
    "brightness": released_brightness_frames,
    "sharpness": released_sharpness_frames,
    "shear_x": _released_geometric_kernel("shear_x"),
    "shear_y": _released_geometric_kernel("shear_y"),
    "translate_x": _released_geometric_kernel("translate_x"),
    "translate_y": _released_geometric_kernel("translate_y"),
}
"""Released op name -> frame kernel ``(frames (N, C, H, W) float, magnitude (N,))`` -> frames."""


# ----------------------------------------------------------------------------- conventions


@dataclass(frozen=True)
class OpSet:
    """Everything RandAugment-T needs to know about one convention's ops.

    Attributes:
        convention: its name (:data:`CONVENTIONS`).
        names: the op tuple that op indices point into.
        kernels: op name -> frame kernel.
        signed: ops whose magnitude gets a random sign.
        magnitude_free: ops that ignore their magnitude.
        geometric: geometric op -> affine-map builder ``(magnitude (N,), H, W) -> (N, 2, 3)``.
        resample: ``(frames (N, C, H, W), maps (N, 2, 3)) -> frames`` for those maps.
    """

    convention: str
    names: tuple[str, ...]
    kernels: Mapping[str, FrameKernel]
    signed: frozenset[str]
    magnitude_free: frozenset[str]
    geometric: Mapping[str, Callable[[Tensor, int, int], Tensor]]
    resample: Callable[[Tensor, Tensor], Tensor]


def check_convention(convention: str) -> None:
    """Raise ``ValueError`` naming the valid conventions for an unknown one."""
    if convention not in CONVENTIONS:
        raise ValueError(
            f"unknown augmentation convention {convention!r}; valid conventions: "
            f"{', '.join(CONVENTIONS)}"
        )


def op_set(convention: str = DEFAULT_CONVENTION) -> OpSet:
    """The :class:`OpSet` of ``convention`` (``"randaugment"`` or ``"released"``)."""
    check_convention(convention)
    return _OP_SETS[convention]


def op_names(convention: str = DEFAULT_CONVENTION) -> tuple[str, ...]:
    """The op tuple of ``convention`` that RandAugment-T's op indices point into."""
    return op_set(convention).names


# ----------------------------------------------------------------------------- clip-level ops


_OP_SETS: dict[str, OpSet] = {
    "randaugment": OpSet(
        "randaugment", OP_NAMES, FRAME_KERNELS, SIGNED_OPS, MAGNITUDE_FREE_OPS,
        GEOMETRIC_MATRICES, affine_frames,
    ),
    "released": OpSet(
        "released", RELEASED_OP_NAMES, RELEASED_FRAME_KERNELS, RELEASED_SIGNED_OPS,
        RELEASED_MAGNITUDE_FREE_OPS, RELEASED_GEOMETRIC_MATRICES, nearest_affine_frames,
    ),
}


def apply_op(
    name: str, clips: Tensor, magnitude: Tensor | float, convention: str = DEFAULT_CONVENTION
) -> Tensor:
    """Apply op ``name`` of ``convention`` to every frame of ``clips (B, C, T, H, W)``.

    ``magnitude`` is broadcastable to ``(B, T)``: a scalar, one value per clip ``(B, 1)``, or one
    per frame ``(B, T)``. uint8 in -> uint8 out; float in -> float out.
    """
    ops = op_set(convention)
    if name not in ops.kernels:
        raise ValueError(
            f"unknown op {name!r} in the {convention} convention; valid ops: {', '.join(ops.names)}"
        )
    batch, _, length = clips.shape[:3]
    per_frame = torch.as_tensor(magnitude, dtype=torch.float32, device=clips.device)
    per_frame = per_frame.expand(batch, length).reshape(batch * length)
    frames = ops.kernels[name](clips_to_frames(clips), per_frame)
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
