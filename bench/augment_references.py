"""Per-frame reference implementations of RandAugment-T's ops for ``bench_augment``.

Both apply the ops drawn by :func:`videoaug.augment.randaugment_t.make_params` (same ops, signs
and per-frame magnitudes, same parameter mapping as :mod:`videoaug.augment.functional`) one
frame at a time in a Python loop over clips, frames and ops, on ``(B, C, T, H, W)`` uint8 clips:

* :func:`pil_randaugment_t`: ``PIL.ImageOps`` / ``ImageEnhance`` / ``Image.transform``, the way
  image RandAugment is usually written (the benchmark's baseline); for params drawn in the
  ``released`` convention it applies :data:`RELEASED_PIL_OPS`, the released code's mappings
  (``Image.rotate``/``transform`` with PIL's default nearest resampling, etc.);
* :func:`opencv_randaugment_t`: the same ops with OpenCV's SIMD uint8 kernels (``cv2.LUT``,
  ``cv2.warpAffine``, ``cv2.filter2D``, ...), the fastest per-frame CPU library at hand. It shows
  how far per-frame C kernels can go beyond PIL on one core, i.e. the room a CPU leaves for any
  implementation of these ops.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import torch
from PIL import Image, ImageEnhance, ImageOps

from videoaug.augment import functional as F
from videoaug.augment.randaugment_t import RandAugmentTParams, kernel_magnitudes

# ----------------------------------------------------------------------------- PIL


def _enhance(kind: type) -> Callable[[Image.Image, float], Image.Image]:
    return lambda image, m: kind(image).enhance(_enhance_factor(m))


def _enhance_factor(m: float) -> float:
    return max(0.0, 1.0 + F.ENHANCE_MAX_DELTA * m / F.MAX_MAGNITUDE)


def _affine(coefficients: Callable[[float, int, int], tuple]) -> Callable:
    def op(image: Image.Image, m: float) -> Image.Image:
        width, height = image.size
        data = coefficients(m, width, height)
        return image.transform(image.size, Image.Transform.AFFINE, data, Image.Resampling.BILINEAR)

    return op


def _shear(m: float) -> float:
    return F.SHEAR_MAX * m / F.MAX_MAGNITUDE


def _shift(m: float, size: int) -> float:
    return F.TRANSLATE_MAX_FRACTION * size * m / F.MAX_MAGNITUDE


def _posterize_bits(m: float) -> int:
    return int(min(8, max(1, round(8 - F.POSTERIZE_MAX_BITS_REMOVED * m / F.MAX_MAGNITUDE))))


PIL_OPS: dict[str, Callable[[Image.Image, float], Image.Image]] = {
    "identity": lambda image, m: image,
    "autocontrast": lambda image, m: ImageOps.autocontrast(image),
    "equalize": lambda image, m: ImageOps.equalize(image),
    "rotate": lambda image, m: image.rotate(
        F.ROTATE_MAX_DEGREES * m / F.MAX_MAGNITUDE, resample=Image.Resampling.BILINEAR
    ),
    "solarize": lambda image, m: ImageOps.solarize(image, 256.0 * (1.0 - m / F.MAX_MAGNITUDE)),
    "posterize": lambda image, m: ImageOps.posterize(image, _posterize_bits(m)),
    "color": _enhance(ImageEnhance.Color),
    "contrast": _enhance(ImageEnhance.Contrast),
    "brightness": _enhance(ImageEnhance.Brightness),
    "sharpness": _enhance(ImageEnhance.Sharpness),
    # PIL's affine data maps output (x, y) to input; shear about the centre like ours.
    "shear_x": _affine(lambda m, w, h: (1, _shear(m), -_shear(m) * h / 2, 0, 1, 0)),
    "shear_y": _affine(lambda m, w, h: (1, 0, 0, _shear(m), 1, -_shear(m) * w / 2)),
    "translate_x": _affine(lambda m, w, h: (1, 0, -_shift(m, w), 0, 1, 0)),
    "translate_y": _affine(lambda m, w, h: (1, 0, 0, 0, 1, -_shift(m, h))),
}
"""Op name -> ``(PIL image, magnitude) -> PIL image``, one call per frame."""


def _released_enhance(kind: type) -> Callable[[Image.Image, float], Image.Image]:
    return lambda image, m: kind(image).enhance(0.1 + 1.8 * m / F.MAX_MAGNITUDE)


def _released_affine(coefficients: Callable[[float], tuple]) -> Callable:
    return lambda image, m: image.transform(image.size, Image.Transform.AFFINE, coefficients(m))


RELEASED_PIL_OPS: dict[str, Callable[[Image.Image, float], Image.Image]] = {
    "identity": lambda image, m: image,
    "autocontrast": lambda image, m: ImageOps.autocontrast(image),
    "equalize": lambda image, m: ImageOps.equalize(image),
    "invert": lambda image, m: ImageOps.invert(image),
    "rotate": lambda image, m: image.rotate(30.0 * m / F.MAX_MAGNITUDE),
    # the released loop passes 7.5 * bits for posterize (randaugment_t.kernel_magnitudes)
    "posterize": lambda image, m: ImageOps.posterize(
        image, min(8, max(1, int(4.0 * m / F.MAX_MAGNITUDE)))
    ),
    "solarize": lambda image, m: ImageOps.solarize(image, 256.0 * m / F.MAX_MAGNITUDE),
    "color": _released_enhance(ImageEnhance.Color),
    "contrast": _released_enhance(ImageEnhance.Contrast),
    "brightness": _released_enhance(ImageEnhance.Brightness),
    "sharpness": _released_enhance(ImageEnhance.Sharpness),
    "shear_x": _released_affine(lambda m: (1, 0.3 * m / F.MAX_MAGNITUDE, 0, 0, 1, 0)),
    "shear_y": _released_affine(lambda m: (1, 0, 0, 0.3 * m / F.MAX_MAGNITUDE, 1, 0)),
    "translate_x": _released_affine(lambda m: (1, 0, 100.0 * m / F.MAX_MAGNITUDE, 0, 1, 0)),
    "translate_y": _released_affine(lambda m: (1, 0, 0, 0, 1, 100.0 * m / F.MAX_MAGNITUDE)),
}
"""The released code's ops as PIL calls, ``(PIL image, magnitude on 0..30) -> PIL image``."""


def _per_frame_loop(
    clips: torch.Tensor,
    params: RandAugmentTParams,
    ops: dict[str, Callable],
    to_image: Callable[[np.ndarray], object],
    to_array: Callable[[object], np.ndarray],
) -> torch.Tensor:
    """Apply the drawn ops with ``ops`` one frame ``(H, W, C)`` at a time, in the drawn order."""
    names = F.op_names(params.convention)
    op_indices = params.op_indices.tolist()
    magnitudes = kernel_magnitudes(params).tolist()
    frames = clips.permute(0, 2, 3, 4, 1).numpy()  # (B, T, H, W, C)
    out = np.empty_like(frames)
    for b, clip in enumerate(frames):
        for t, frame in enumerate(clip):
            image = to_image(frame)
            for slot, op_index in enumerate(op_indices[b]):
                image = ops[names[op_index]](image, magnitudes[b][slot][t])
            out[b, t] = to_array(image)
    return torch.from_numpy(out).permute(0, 4, 1, 2, 3).contiguous()


def pil_randaugment_t(clips: torch.Tensor, params: RandAugmentTParams) -> torch.Tensor:
    """The drawn RandAugment-T ops, frame by frame with PIL: ``(B, C, T, H, W)`` uint8 in/out
    (the released mappings for params drawn in the ``released`` convention)."""
    ops = RELEASED_PIL_OPS if params.convention == "released" else PIL_OPS
    return _per_frame_loop(clips, params, ops, Image.fromarray, np.asarray)


# ----------------------------------------------------------------------------- OpenCV

_LEVELS = np.arange(256, dtype=np.float32)
_SMOOTH = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype=np.float32) / 13.0


def _apply_lut(image: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """``lut`` float, ``(256,)`` for every channel or ``(256, C)`` per channel."""
    table = np.clip(np.rint(lut), 0, 255).astype(np.uint8)
    if table.ndim == 2:
        table = table.reshape(256, 1, table.shape[1])
    return cv2.LUT(image, table)


def _cv_autocontrast(image: np.ndarray, m: float) -> np.ndarray:
    channels = cv2.split(image)
    lows, highs = zip(*(cv2.minMaxLoc(channel)[:2] for channel in channels), strict=True)
    low, high = np.array(lows, np.float32), np.array(highs, np.float32)
    varies = high > low
    scale = np.where(varies, 255.0 / np.where(varies, high - low, 1.0), 1.0)
    return _apply_lut(image, (_LEVELS[:, None] - np.where(varies, low, 0.0)) * scale)


def _cv_equalize(image: np.ndarray, m: float) -> np.ndarray:
    tables = []
    for channel in cv2.split(image):
        histogram = cv2.calcHist([channel], [0], None, [256], [0, 256]).ravel().astype(np.int64)
        step = (histogram.sum() - histogram[int(channel.max())]) // 255
        if step == 0:
            tables.append(_LEVELS)
        else:
            tables.append(np.minimum((np.cumsum(histogram) - histogram + step // 2) // step, 255))
    return _apply_lut(image, np.stack(tables, axis=1))


def _cv_blend(image: np.ndarray, degenerate: np.ndarray, m: float) -> np.ndarray:
    factor = _enhance_factor(m)
    return cv2.addWeighted(image, factor, degenerate, 1.0 - factor, 0.0)


def _cv_color(image: np.ndarray, m: float) -> np.ndarray:
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return _cv_blend(image, cv2.merge([gray, gray, gray]), m)


def _cv_contrast(image: np.ndarray, m: float) -> np.ndarray:
    mean = float(cv2.mean(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))[0])
    return _apply_lut(image, mean + _enhance_factor(m) * (_LEVELS - mean))


def _cv_sharpness(image: np.ndarray, m: float) -> np.ndarray:
    out = _cv_blend(image, cv2.filter2D(image, -1, _SMOOTH), m)
    out[[0, -1]] = image[[0, -1]]  # PIL keeps the one-pixel border
    out[:, [0, -1]] = image[:, [0, -1]]
    return out


def _cv_geometric(name: str) -> Callable[[np.ndarray, float], np.ndarray]:
    build = F.GEOMETRIC_MATRICES[name]

    def op(image: np.ndarray, m: float) -> np.ndarray:
        height, width = image.shape[:2]
        maps = build(torch.tensor([m], dtype=torch.float64), height, width)[0].numpy()
        # Ours: input = L @ output + t in pixels from the centre; OpenCV indexes pixels from the
        # corner, whose centre is c = ((W - 1) / 2, (H - 1) / 2): input = L @ output + t + c - L c.
        centre = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
        linear = maps[:, :2]
        matrix = np.concatenate([linear, (maps[:, 2] + centre - linear @ centre)[:, None]], axis=1)
        return cv2.warpAffine(
            image,
            matrix,
            (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
        )

    return op


OPENCV_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "identity": lambda image, m: image,
    "autocontrast": _cv_autocontrast,
    "equalize": _cv_equalize,
    "solarize": lambda image, m: _apply_lut(
        image, np.where(_LEVELS >= 256.0 * (1.0 - m / F.MAX_MAGNITUDE), 255.0 - _LEVELS, _LEVELS)
    ),
    "posterize": lambda image, m: _apply_lut(
        image, _LEVELS // 2 ** (8 - _posterize_bits(m)) * 2 ** (8 - _posterize_bits(m))
    ),
    "color": _cv_color,
    "contrast": _cv_contrast,
    "brightness": lambda image, m: _apply_lut(image, _LEVELS * _enhance_factor(m)),
    "sharpness": _cv_sharpness,
    **{name: _cv_geometric(name) for name in F.GEOMETRIC_MATRICES},
}
"""Op name -> ``(frame (H, W, C) uint8, magnitude) -> (H, W, C) uint8`` with OpenCV kernels."""


def opencv_randaugment_t(clips: torch.Tensor, params: RandAugmentTParams) -> torch.Tensor:
    """The drawn RandAugment-T ops, frame by frame with OpenCV: ``(B, C, T, H, W)`` uint8
    (``randaugment`` convention only)."""
    if params.convention != "randaugment":
        raise ValueError("the OpenCV reference implements the randaugment convention only")
    return _per_frame_loop(clips, params, OPENCV_OPS, np.ascontiguousarray, np.asarray)
