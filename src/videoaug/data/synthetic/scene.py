"""Backgrounds of synth4: the shared pool of styles (grass, sand, snow, wall, gradient, blobs),
each class's typical style, drawing a :class:`BackgroundSpec` of a style, and painting a spec to
pixels (gradients, stripes, blotches, grain, the style's decoration)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from videoaug.data.synthetic.params import BackgroundSpec
from videoaug.data.synthetic.raster import _SHIFT_BITS, _SUBPIXEL, _fixed

# Each class's usual style; its keys are also the classes that clip.sample_clip_spec accepts.
_TYPICAL_BACKGROUND = {"GolfSwing": "grass", "Shotput": "sand", "Skiing": "snow", "YoYo": "wall",
                       "JumpingJack": "grass", "BodyWeightSquats": "wall", "JumpRope": "sand",
                       "Lunges": "gradient", "Punch": "blobs", "WalkingWithDog": "grass"}


@dataclass(frozen=True)
class _Style:
    """Base palette and texture ranges of a background kind (``None`` colours: fully random)."""

    colors: tuple[tuple[float, float, float], ...] | None
    horizon: tuple[float, float]
    tilt: float
    stripe_region: str
    stripe_amplitude: float
    blotch_amplitude: float
    grain_amplitude: float
    accent: str
    accent_color: tuple[float, float, float]


# colours: upper_top, upper_bottom, lower_far, lower_near
_STYLES: dict[str, _Style] = {
    "grass": _Style(
        ((90, 150, 230), (170, 205, 240), (75, 145, 60), (40, 110, 35)),
        (0.25, 0.45), 0.05, "lower", 12.0, 8.0, 6.0, "none", (0, 0, 0),
    ),
    "sand": _Style(
        ((120, 160, 210), (190, 200, 210), (205, 145, 85), (170, 105, 55)),
        (0.2, 0.4), 0.03, "lower", 0.0, 10.0, 16.0, "arc", (240, 240, 235),
    ),
    "snow": _Style(
        ((150, 180, 215), (210, 220, 235), (238, 240, 246), (210, 218, 232)),
        (0.2, 0.45), 0.3, "lower", 0.0, 5.0, 4.0, "trees", (30, 70, 40),
    ),
    "wall": _Style(
        ((215, 200, 170), (205, 190, 160), (135, 92, 58), (105, 68, 42)),
        (0.65, 0.85), 0.0, "upper", 6.0, 5.0, 3.0, "frame", (80, 60, 50),
    ),
    "gradient": _Style(None, (0.2, 0.8), 0.2, "lower", 0.0, 20.0, 5.0, "none", (0, 0, 0)),
    "blobs": _Style(None, (0.3, 0.7), 0.1, "lower", 0.0, 28.0, 5.0, "none", (0, 0, 0)),
}
BACKGROUND_KINDS: tuple[str, ...] = tuple(_STYLES)


def sample_background(
    kind: str, rng: np.random.Generator, canvas: tuple[int, int]
) -> BackgroundSpec:
    """Draw a :class:`BackgroundSpec` of style ``kind`` for a ``(Hc, Wc)`` canvas."""
    style = _STYLES[kind]
    if style.colors is None:
        base = rng.uniform(30.0, 230.0, size=(2, 3))
        palette = np.stack([base[0], base[0] * 0.9 + 10, base[1] * 0.9 + 10, base[1]])
    else:
        palette = np.asarray(style.colors, dtype=np.float64)
    brightness = rng.uniform(0.85, 1.15)
    palette = np.clip(palette * brightness + rng.normal(0.0, 15.0, size=(4, 3)), 0.0, 255.0)
    canvas_h, canvas_w = canvas
    accent_count = {"none": 0, "arc": 1, "frame": 1, "trees": int(rng.integers(2, 6))}[
        style.accent
    ]
    accents = np.column_stack(
        [
            rng.uniform(0.1, 0.9, accent_count),
            rng.uniform(0.0, 1.0, accent_count),
            rng.uniform(0.08, 0.2, accent_count),
        ]
    )
    accent_color = np.clip(np.asarray(style.accent_color) + rng.normal(0.0, 15.0, 3), 0, 255)
    return BackgroundSpec(
        kind=kind,
        upper_top=palette[0],
        upper_bottom=palette[1],
        lower_far=palette[2],
        lower_near=palette[3],
        horizon=float(rng.uniform(*style.horizon)),
        tilt=float(rng.uniform(-style.tilt, style.tilt)),
        stripe_region=style.stripe_region,
        stripe_amplitude=style.stripe_amplitude * float(rng.uniform(0.5, 1.0)),
        stripe_period=float(rng.uniform(0.08, 0.2) * canvas_w),
        stripe_angle=float(rng.uniform(-0.4, 0.4)),
        blotch_amplitude=style.blotch_amplitude,
        grain_amplitude=style.grain_amplitude,
        blotch_noise=rng.standard_normal((max(2, canvas_h // 16), max(2, canvas_w // 16), 3)),
        grain_noise=rng.standard_normal((canvas_h, canvas_w)).astype(np.float32),
        accent=style.accent,
        accent_color=accent_color,
        accents=accents,
    )


def _choose_background_kind(class_name: str, rng: np.random.Generator, difficulty: float) -> str:
    """Typical style with probability ``1 - min(1, 0.5 d)``, else uniform over the shared pool."""
    if rng.uniform() >= min(1.0, 0.5 * difficulty):
        return _TYPICAL_BACKGROUND[class_name]
    return BACKGROUND_KINDS[int(rng.integers(len(BACKGROUND_KINDS)))]


def _region_colors(spec: BackgroundSpec) -> np.ndarray:
    """Mean colours ``(2, 3)`` of the upper and lower background regions."""
    upper = (spec.upper_top + spec.upper_bottom) / 2
    lower = (spec.lower_far + spec.lower_near) / 2
    return np.stack([upper, lower])


def paint_background(spec: BackgroundSpec, canvas: tuple[int, int]) -> np.ndarray:
    """Render a background spec to ``(Hc, Wc, 3)`` float32 RGB in 0..255."""
    canvas_h, canvas_w = canvas
    ys, xs = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    horizon = spec.horizon * canvas_h + math.tan(spec.tilt) * (xs - canvas_w / 2)
    horizon = np.clip(horizon, 1.0, canvas_h - 1.0)
    upper_t = np.clip(ys / horizon, 0.0, 1.0)[..., None]
    lower_t = np.clip((ys - horizon) / (canvas_h - horizon), 0.0, 1.0)[..., None]
    upper = (1 - upper_t) * spec.upper_top + upper_t * spec.upper_bottom
    lower = (1 - lower_t) * spec.lower_far + lower_t * spec.lower_near
    is_upper = (ys < horizon)[..., None]
    image = np.where(is_upper, upper, lower).astype(np.float32)

    if spec.stripe_amplitude > 0:
        along = xs * math.cos(spec.stripe_angle) + ys * math.sin(spec.stripe_angle)
        stripes = np.sign(np.sin(2 * math.pi * along / spec.stripe_period))[..., None]
        region = is_upper if spec.stripe_region == "upper" else ~is_upper
        image += np.where(region, spec.stripe_amplitude * stripes, 0.0).astype(np.float32)
    blotches = cv2.resize(spec.blotch_noise.astype(np.float32), (canvas_w, canvas_h),
                          interpolation=cv2.INTER_CUBIC)
    image += spec.blotch_amplitude * blotches + spec.grain_amplitude * spec.grain_noise[..., None]
    _paint_accents(image, spec)
    return np.clip(image, 0.0, 255.0)


def _paint_accents(image: np.ndarray, spec: BackgroundSpec) -> None:
    """Draw the style's decoration in place (arc on sand, trees on snow, frame on a wall)."""
    canvas_h, canvas_w = image.shape[:2]
    color = tuple(float(c) for c in spec.accent_color)
    for x_frac, y_frac, size_frac in spec.accents:
        x = x_frac * canvas_w
        size = size_frac * canvas_h
        if spec.accent == "arc":
            y = (spec.horizon + (1 - spec.horizon) * (0.3 + 0.5 * y_frac)) * canvas_h
            axes = (int(round(2.5 * size * _SUBPIXEL)), int(round(0.6 * size * _SUBPIXEL)))
            cv2.ellipse(image, _fixed(np.array([x, y])), axes, 0.0, 0.0, 360.0, color,
                        max(1, round(canvas_h / 60)), cv2.LINE_AA, _SHIFT_BITS)
        elif spec.accent == "trees":
            base = spec.horizon * canvas_h + math.tan(spec.tilt) * (x - canvas_w / 2)
            triangle = np.array([[x - size / 3, base], [x + size / 3, base], [x, base - size]])
            cv2.fillPoly(image, [np.rint(triangle * _SUBPIXEL).astype(np.int32)], color,
                         cv2.LINE_AA, _SHIFT_BITS)
        elif spec.accent == "frame":
            y = (0.15 + 0.3 * y_frac) * canvas_h
            corner0, corner1 = np.array([x - size, y - size / 1.5]), np.array([x + size, y + size])
            cv2.rectangle(image, _fixed(corner0), _fixed(corner1), color,
                          max(1, round(canvas_h / 50)), cv2.LINE_AA, _SHIFT_BITS)
