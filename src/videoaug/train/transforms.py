"""Spatial transforms of images and clips, and the conversion of a batch to model input.

Two halves:

* **Per item, on uint8 NumPy arrays** (in dataset workers): a :class:`FrameTransform` draws a
  :class:`Geometry` from an explicit ``numpy.random.Generator`` (:meth:`FrameTransform.make_params`)
  and :func:`apply_geometry` applies it to an image ``(H, W, 3)`` or to every frame of a clip
  ``(T, H, W, 3)`` — one crop and one flip for all frames of a clip (or all K segments of a TSN
  sample), as TSN and video networks do. Crop modes (``FrameTransform.crop``):

  - ``"ccs"``: TSN corner cropping with scale jittering (Wang et al., ECCV 2016, Sec. 3.2): crop
    height and width each one of ``scales x short side`` (default {1, .875, .75, .66}), chosen
    independently but at most ``max_distort`` scale steps apart (aspect jitter), placed at one
    of the 4 corners or the centre, then resized to ``size``;
  - ``"scale_jitter"``: video scale jittering (Kim et al., ECCV-W 2020, following the video-ResNet
    recipe): resize so the short side is a random integer in ``short_side = (s_min, s_max)``,
    then a random ``size`` crop;
  - ``"centre"``: test crop; optionally resize the short side to ``short_side`` first, then the
    centred ``size`` box (or, when the frame is smaller, the largest centred box of that aspect
    ratio, resized);
  - ``"resize"``: the whole frame resized to ``size`` (squeezes a frame of another aspect);
  - ``"cover"``: aspect kept: resized so it covers ``size``, then the centred ``size`` box
    (what does not fit is cut off, nothing is squeezed);
  - ``"pad"``: aspect kept: resized so it fits inside ``size``, then padded with black, centred.

  ``flip=True`` adds a horizontal flip with probability 1/2 ("HF").

* **Per batch, on tensors** (in the trainer, on the device): :class:`InputSpec` turns uint8
  ``(…, 3, H, W)`` batches into float in ``[0, 1]`` (what augmentation policies take) and then
  normalises with the ImageNet mean/std along the channel dimension.

Datasets therefore hand out uint8 tensors: 4x less data through DataLoader workers, and batch
augmentations (RandAugment-T, MixUp, ...) see ``[0, 1]`` pixels rather than normalised ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import Tensor

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)
TSN_SCALES: tuple[float, ...] = (1.0, 0.875, 0.75, 0.66)
CROP_MODES = ("ccs", "scale_jitter", "centre", "resize", "cover", "pad")
CORNER_POSITIONS = ("top_left", "top_right", "bottom_left", "bottom_right", "centre")

Size = tuple[int, int]
Box = tuple[int, int, int, int]  # (top, left, height, width)


@dataclass(frozen=True)
class Geometry:
    """Where to crop and how to finish one image or clip.

    ``prescale``: resize the whole frame to ``(H', W')`` first (``None``: keep it); ``box``:
    ``(top, left, height, width)`` in the (prescaled) frame; ``output``: ``(H, W)`` the box is
    resized to when sizes differ; ``flip``: mirror left-right; ``pad_to``: finally centre the
    result on a black ``(H, W)`` canvas (``"pad"`` mode).
    """

    box: Box
    output: Size
    flip: bool = False
    prescale: Size | None = None
    pad_to: Size | None = None


# ------------------------------------------------------------------------- geometry (pure)
def short_side_size(frame_hw: Size, short_side: int) -> Size:
    """``(H', W')`` with ``min(H', W') = short_side`` and the aspect ratio kept (rounded)."""
    height, width = frame_hw
    if height <= width:
        return short_side, max(1, round(width * short_side / height))
    return max(1, round(height * short_side / width)), short_side


def centred_box(frame_hw: Size, crop_hw: Size) -> Box:
    """The centred ``crop_hw`` box; if it does not fit, the largest centred box of its aspect."""
    height, width = frame_hw
    crop_h, crop_w = crop_hw
    if crop_h > height or crop_w > width:
        shrink = min(height / crop_h, width / crop_w)
        crop_h, crop_w = max(1, int(crop_h * shrink)), max(1, int(crop_w * shrink))
    return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w


def cover_size(frame_hw: Size, size: Size) -> Size:
    """The frame's size scaled (aspect kept) to the smallest that covers ``size``."""
    height, width = frame_hw
    scale = max(size[0] / height, size[1] / width)
    return max(size[0], round(height * scale)), max(size[1], round(width * scale))


def fit_size(frame_hw: Size, size: Size) -> Size:
    """The frame's size scaled (aspect kept) to the largest that fits inside ``size``."""
    height, width = frame_hw
    scale = min(size[0] / height, size[1] / width)
    return (min(size[0], max(1, round(height * scale))),
            min(size[1], max(1, round(width * scale))))


def corner_box(frame_hw: Size, crop_hw: Size, position: str) -> Box:
    """A ``crop_hw`` box at one of :data:`CORNER_POSITIONS` of the frame."""
    height, width = frame_hw
    crop_h, crop_w = crop_hw
    spare_h, spare_w = height - crop_h, width - crop_w
    offsets = {
        "top_left": (0, 0),
        "top_right": (0, spare_w),
        "bottom_left": (spare_h, 0),
        "bottom_right": (spare_h, spare_w),
        "centre": (spare_h // 2, spare_w // 2),
    }
    if position not in offsets:
        raise ValueError(
            f"unknown crop position {position!r}; valid: {', '.join(CORNER_POSITIONS)}")
    top, left = offsets[position]
    return top, left, crop_h, crop_w


def scale_pairs(num_scales: int, max_distort: int) -> list[tuple[int, int]]:
    """Scale index pairs ``(i_h, i_w)`` with ``|i_h - i_w| <= max_distort`` (TSN aspect jitter)."""
    indices = range(num_scales)
    return [(i, j) for i in indices for j in indices if abs(i - j) <= max_distort]


def ccs_crop_sizes(frame_hw: Size, scales: tuple[float, ...]) -> list[int]:
    """Candidate crop sides: each scale times the frame's short side (at least 1 pixel)."""
    short = min(frame_hw)
    return [max(1, int(short * scale)) for scale in scales]


# ------------------------------------------------------------------------ random parameters
@dataclass(frozen=True)
class FrameTransform:
    """A spatial transform of uint8 ``(H, W, 3)`` images or ``(T, H, W, 3)`` clips.

    Args:
        size: output ``(H, W)``.
        crop: one of :data:`CROP_MODES` (see the module docstring).
        flip: random horizontal flip with probability 1/2.
        scales: CCS scales of the short side (TSN: 1, .875, .75, .66).
        max_distort: CCS aspect jitter, the largest scale-index gap between height and width.
        short_side: ``(s_min, s_max)`` for ``scale_jitter``; ``(s, s)`` or ``None`` for ``centre``.
    """

    size: Size
    crop: str = "centre"
    flip: bool = False
    scales: tuple[float, ...] = TSN_SCALES
    max_distort: int = 1
    short_side: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.crop not in CROP_MODES:
            raise ValueError(f"unknown crop {self.crop!r}; choose one of {', '.join(CROP_MODES)}")
        if len(self.size) != 2 or min(self.size) < 1:
            raise ValueError(f"size must be (H, W) >= 1, got {self.size}")
        if self.crop == "scale_jitter" and self.short_side is None:
            raise ValueError("scale_jitter needs short_side=(s_min, s_max)")
        if self.short_side is not None and not 1 <= self.short_side[0] <= self.short_side[1]:
            raise ValueError(f"short_side must be 1 <= s_min <= s_max, got {self.short_side}")
        if self.crop == "ccs" and (not self.scales or self.max_distort < 0):
            raise ValueError("ccs needs at least one scale and max_distort >= 0")

    @property
    def is_random(self) -> bool:
        return self.flip or self.crop in ("ccs", "scale_jitter")

    def make_params(self, frame_hw: Size, rng: np.random.Generator) -> Geometry:
        """Draw the geometry of one image or clip of frame size ``frame_hw`` from ``rng``."""
        frame_hw = (int(frame_hw[0]), int(frame_hw[1]))
        prescale: Size | None = None
        if self.crop == "ccs":
            sides = ccs_crop_sizes(frame_hw, self.scales)
            pairs = scale_pairs(len(sides), self.max_distort)
            i_h, i_w = pairs[int(rng.integers(len(pairs)))]
            position = CORNER_POSITIONS[int(rng.integers(len(CORNER_POSITIONS)))]
            box = corner_box(frame_hw, (sides[i_h], sides[i_w]), position)
        elif self.crop == "scale_jitter":
            s_min, s_max = self.short_side  # type: ignore[misc]
            prescale = short_side_size(frame_hw, int(rng.integers(s_min, s_max + 1)))
            crop_h, crop_w = min(self.size[0], prescale[0]), min(self.size[1], prescale[1])
            top = int(rng.integers(prescale[0] - crop_h + 1))
            left = int(rng.integers(prescale[1] - crop_w + 1))
            box = (top, left, crop_h, crop_w)
        elif self.crop == "centre":
            if self.short_side is not None:
                prescale = short_side_size(frame_hw, self.short_side[0])
            box = centred_box(prescale or frame_hw, self.size)
        elif self.crop == "cover":
            prescale = cover_size(frame_hw, self.size)
            box = centred_box(prescale, self.size)
        elif self.crop == "pad":
            inner = fit_size(frame_hw, self.size)
            flip = bool(rng.random() < 0.5) if self.flip else False
            return Geometry(box=(0, 0, *frame_hw), output=inner, flip=flip,
                            pad_to=tuple(self.size))
        else:
            box = (0, 0, *frame_hw)
        flip = bool(rng.random() < 0.5) if self.flip else False
        return Geometry(box=box, output=tuple(self.size), flip=flip, prescale=prescale)

    def __call__(self, frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``(…, H, W, 3)`` uint8 -> ``(…, size[0], size[1], 3)`` uint8, one geometry for all."""
        return apply_geometry(frames, self.make_params(frames.shape[-3:-1], rng))


def tsn_train_transform(size: Size, ccs: bool = True, flip: bool = True) -> FrameTransform:
    """TSN training augmentation: CCS (else a centre crop) and horizontal flip, each switchable."""
    return FrameTransform(size=size, crop="ccs" if ccs else "centre", flip=flip)


def eval_transform(size: Size, short_side: int | None = None) -> FrameTransform:
    """Deterministic test crop: optional short-side resize, then the centred ``size`` box."""
    return FrameTransform(size=size, crop="centre",
                          short_side=None if short_side is None else (short_side, short_side))


def video_train_transform(crop: int, short_side: tuple[int, int],
                          flip: bool = True) -> FrameTransform:
    """Kim et al.'s clip augmentation: short side in ``[s_min, s_max]``, random ``crop`` square,
    flip."""
    return FrameTransform(size=(crop, crop), crop="scale_jitter", flip=flip, short_side=short_side)


# ----------------------------------------------------------------------------- application
def _resize_frames(frames: np.ndarray, size: Size) -> np.ndarray:
    """Resize each frame of ``(N, H, W, 3)`` to ``size`` (bilinear; area when shrinking > 2x)."""
    height, width = size
    if frames.shape[1:3] == (height, width):
        return frames
    shrinking = frames.shape[1] > 2 * height or frames.shape[2] > 2 * width
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    out = np.empty((frames.shape[0], height, width, 3), dtype=np.uint8)
    for i, frame in enumerate(frames):
        out[i] = cv2.resize(frame, (width, height), interpolation=interpolation)
    return out


def apply_geometry(frames: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Apply ``geometry`` to an image ``(H, W, 3)`` or to all frames of ``(T, H, W, 3)`` (uint8)."""
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or frames.shape[-1] != 3:
        raise ValueError(
            f"expected uint8 (H, W, 3) or (T, H, W, 3), got {frames.dtype} {frames.shape}")
    batch = frames[None] if frames.ndim == 3 else frames
    if geometry.prescale is not None:
        batch = _resize_frames(batch, geometry.prescale)
    top, left, height, width = geometry.box
    if top < 0 or left < 0 or top + height > batch.shape[1] or left + width > batch.shape[2]:
        raise ValueError(f"crop box {geometry.box} outside frame {batch.shape[1:3]}")
    batch = _resize_frames(batch[:, top:top + height, left:left + width], geometry.output)
    if geometry.flip:
        batch = batch[:, :, ::-1]
    if geometry.pad_to is not None:
        canvas = np.zeros((batch.shape[0], *geometry.pad_to, 3), np.uint8)
        top = (geometry.pad_to[0] - batch.shape[1]) // 2
        left = (geometry.pad_to[1] - batch.shape[2]) // 2
        canvas[:, top:top + batch.shape[1], left:left + batch.shape[2]] = batch
        batch = canvas
    batch = np.ascontiguousarray(batch)
    return batch[0] if frames.ndim == 3 else batch


def image_to_tensor(image: np.ndarray) -> Tensor:
    """uint8 ``(H, W, 3)`` -> uint8 tensor ``(3, H, W)``."""
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))


def frames_to_segments(frames: np.ndarray) -> Tensor:
    """uint8 ``(K, H, W, 3)`` -> uint8 tensor ``(K, 3, H, W)`` (TSN segments)."""
    return torch.from_numpy(np.ascontiguousarray(frames.transpose(0, 3, 1, 2)))


def frames_to_clip(frames: np.ndarray) -> Tensor:
    """uint8 ``(T, H, W, 3)`` -> uint8 tensor ``(3, T, H, W)`` (video networks)."""
    return torch.from_numpy(np.ascontiguousarray(frames.transpose(3, 0, 1, 2)))


# ------------------------------------------------------------------------ batch -> model input
def to_unit_float(batch: Tensor) -> Tensor:
    """uint8 pixels -> float32 in ``[0, 1]``; float input is returned as float32 unchanged."""
    if batch.dtype == torch.uint8:
        return batch.to(torch.float32).div_(255.0)
    return batch.to(torch.float32)


def normalize(batch: Tensor, channel_dim: int, mean: tuple[float, ...],
              std: tuple[float, ...]) -> Tensor:
    """``(x - mean) / std`` per channel along ``channel_dim`` (float in ``[0, 1]`` in)."""
    if batch.shape[channel_dim] != len(mean):
        raise ValueError(
            f"dimension {channel_dim} of {tuple(batch.shape)} should hold {len(mean)} channels"
        )
    shape = [1] * batch.dim()
    shape[channel_dim] = len(mean)
    mean_t = torch.tensor(mean, dtype=batch.dtype, device=batch.device).view(shape)
    std_t = torch.tensor(std, dtype=batch.dtype, device=batch.device).view(shape)
    return (batch - mean_t) / std_t


@dataclass(frozen=True)
class InputSpec:
    """How a model takes its input: layout ``kind`` and the normalisation statistics.

    ``kind="image"``: ``(…, 3, H, W)`` (TSN images ``(B, 3, H, W)`` or segments
    ``(B, K, 3, H, W)``); ``kind="clip"``: ``(…, 3, T, H, W)`` (video networks). The same
    spec must be used for training, :func:`~videoaug.train.trainer.predict` and evaluation.
    ``mean=None`` switches normalisation off (input stays in ``[0, 1]``).
    """

    kind: str = "image"
    mean: tuple[float, ...] | None = IMAGENET_MEAN
    std: tuple[float, ...] | None = IMAGENET_STD

    def __post_init__(self) -> None:
        if self.kind not in ("image", "clip"):
            raise ValueError(f"input kind must be 'image' or 'clip', got {self.kind!r}")
        if (self.mean is None) != (self.std is None):
            raise ValueError("give both mean and std, or neither")

    @property
    def channel_dim(self) -> int:
        return -3 if self.kind == "image" else -4

    def normalize(self, batch: Tensor) -> Tensor:
        """Float ``[0, 1]`` batch -> normalised model input (identity when ``mean is None``)."""
        if self.mean is None or self.std is None:
            return batch
        return normalize(batch, self.channel_dim, self.mean, self.std)

    def prepare(self, batch: Tensor, device: torch.device) -> Tensor:
        """uint8 batch on any device -> normalised float32 on ``device`` (no augmentation)."""
        return self.normalize(to_unit_float(batch.to(device, non_blocking=True)))


DEFAULT_INPUTS = InputSpec()
"""Images ``(…, 3, H, W)`` normalised with the ImageNet statistics."""
