"""Drawing a clip (pure: spec in, pixels out): the figure's anti-aliased coverage composited over
the painted background, cropped at the camera offset, with flicker and noise; and
:func:`render_clip`, which samples a spec and draws it."""

from __future__ import annotations

import cv2
import numpy as np

from videoaug.data.synthetic.clip import sample_clip_spec
from videoaug.data.synthetic.figure import Segment, clip_geometry
from videoaug.data.synthetic.params import ClipSpec, SynthParams
from videoaug.data.synthetic.raster import _SHIFT_BITS, _SUBPIXEL, _fixed
from videoaug.data.synthetic.scene import paint_background


def _draw_coverage(shape: tuple[int, int], segments: list[Segment],
                   circles: list[tuple[np.ndarray, float]], thickness: int) -> np.ndarray:
    """Anti-aliased coverage ``(Hc, Wc)`` uint8 (255 = fully covered) of lines and discs."""
    coverage = np.zeros(shape, dtype=np.uint8)
    for start, end in segments:
        cv2.line(coverage, _fixed(start), _fixed(end), 255, thickness, cv2.LINE_AA, _SHIFT_BITS)
    for centre, radius in circles:
        cv2.circle(coverage, _fixed(centre), int(round(radius * _SUBPIXEL)), 255, -1,
                   cv2.LINE_AA, _SHIFT_BITS)
    return coverage


def draw_clip(spec: ClipSpec, params: SynthParams) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of a clip spec: frames ``(T, H, W, 3)`` uint8 RGB and mask ``(T, H, W)`` uint8 0/1.

    The figure is alpha-blended over the background with its anti-aliased coverage (far-side limbs
    at 75 % brightness for a depth cue); the mask is coverage >= 50 %. Flicker multiplies and noise
    adds after compositing, so the mask marks the figure exactly, independent of the nuisances.
    """
    height, width, margin = params.height, params.width, spec.margin
    canvas = (height + 2 * margin, width + 2 * margin)
    background = paint_background(spec.background, canvas)
    near_color, far_color = spec.color.astype(np.float32), 0.75 * spec.color.astype(np.float32)
    frames = np.empty((params.frames, height, width, 3), dtype=np.uint8)
    masks = np.empty((params.frames, height, width), dtype=np.uint8)
    for t in range(params.frames):
        geometry = clip_geometry(spec, t)
        far = _draw_coverage(canvas, geometry.far_segments, [], spec.thickness)
        near = _draw_coverage(canvas, geometry.near_segments, geometry.circles, spec.thickness)
        top, left = margin + int(spec.jitter[t, 0]), margin + int(spec.jitter[t, 1])
        window = (slice(top, top + height), slice(left, left + width))
        far_alpha = far[window][..., None].astype(np.float32) / 255
        near_alpha = near[window][..., None].astype(np.float32) / 255
        image = background[window] * (1 - far_alpha) + far_color * far_alpha
        image = image * (1 - near_alpha) + near_color * near_alpha
        image = image * spec.flicker[t] + spec.noise[t]
        frames[t] = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        masks[t] = (np.maximum(far[window], near[window]) >= 128).astype(np.uint8)
    return frames, masks


def render_clip(
    class_name: str, rng: np.random.Generator, params: SynthParams
) -> tuple[np.ndarray, np.ndarray]:
    """Render one random clip of ``class_name`` (no I/O).

    Returns frames ``(T, H, W, 3)`` uint8 RGB and the foreground mask ``(T, H, W)`` uint8 0/1.
    """
    return draw_clip(sample_clip_spec(class_name, rng, params), params)
