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


def _camera_matrix(spec: ClipSpec, t: int, shape: tuple[int, int],
                   camera: np.ndarray) -> np.ndarray:
    """``(2, 3)`` map from frame pixel ``p`` to canvas point ``m + j_t + f + pan_t + (p - f) / z_t``
    (``f`` the frame centre, ``m`` the margin, ``j_t`` the jitter): the jittered crop window moved
    by ``pan_t = camera[t, :2]`` (pixels) and magnified ``z_t = camera[t, 2]`` times about its
    centre. ``pan = 0, z = 1`` is the plain crop."""
    height, width = shape
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    jitter = spec.jitter[t, ::-1].astype(np.float64)  # (dy, dx) -> (x, y)
    pan, zoom = camera[t, :2], float(camera[t, 2])
    offset = spec.margin + jitter + centre + pan - centre / zoom
    return np.array([[1 / zoom, 0.0, offset[0]], [0.0, 1 / zoom, offset[1]]])


def draw_clip(spec: ClipSpec, params: SynthParams, *, figure: bool = True,
              flat_background: bool = False, camera: np.ndarray | None = None,
              gain: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of a clip spec: frames ``(T, H, W, 3)`` uint8 RGB and mask ``(T, H, W)`` uint8 0/1.

    The figure is alpha-blended over the background with its anti-aliased coverage (far-side limbs
    at 75 % brightness for a depth cue); the mask is coverage >= 50 %. Flicker multiplies and noise
    adds after compositing, so the mask marks the figure exactly, independent of the nuisances.

    Diagnostic variants (:mod:`.variants`; the defaults draw synth4's clip): ``figure=False``
    leaves the figure out (empty mask), ``flat_background`` replaces the scene by its mean colour,
    ``camera (T, 3)`` moves and magnifies the crop window per frame (``pan_x, pan_y`` pixels,
    ``zoom``; bilinear, see :func:`_camera_matrix`) and ``gain (T,)`` multiplies the brightness
    with the flicker.
    """
    height, width, margin = params.height, params.width, spec.margin
    canvas = (height + 2 * margin, width + 2 * margin)
    background = paint_background(spec.background, canvas)
    if flat_background:
        background = np.broadcast_to(background.mean(axis=(0, 1), dtype=np.float64)
                                     .astype(np.float32), background.shape)
    near_color, far_color = spec.color.astype(np.float32), 0.75 * spec.color.astype(np.float32)
    frames = np.empty((params.frames, height, width, 3), dtype=np.uint8)
    masks = np.empty((params.frames, height, width), dtype=np.uint8)
    empty = np.zeros(canvas, dtype=np.uint8)
    for t in range(params.frames):
        if figure:
            geometry = clip_geometry(spec, t)
            far = _draw_coverage(canvas, geometry.far_segments, [], spec.thickness)
            near = _draw_coverage(canvas, geometry.near_segments, geometry.circles,
                                  spec.thickness)
        else:
            far = near = empty
        if camera is None:
            top, left = margin + int(spec.jitter[t, 0]), margin + int(spec.jitter[t, 1])
            window = (slice(top, top + height), slice(left, left + width))
        else:
            window = (slice(None), slice(None))
        far_alpha = far[window][..., None].astype(np.float32) / 255
        near_alpha = near[window][..., None].astype(np.float32) / 255
        image = background[window] * (1 - far_alpha) + far_color * far_alpha
        image = image * (1 - near_alpha) + near_color * near_alpha
        coverage = np.maximum(far[window], near[window])
        if camera is not None:
            matrix = _camera_matrix(spec, t, (height, width), camera)
            flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
            image = cv2.warpAffine(np.ascontiguousarray(image), matrix, (width, height),
                                   flags=flags, borderMode=cv2.BORDER_REPLICATE)
            coverage = cv2.warpAffine(coverage, matrix, (width, height), flags=flags,
                                      borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        image = image * spec.flicker[t]
        if gain is not None:
            image = image * np.float32(gain[t])
        image = image + spec.noise[t]
        frames[t] = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        masks[t] = (coverage >= 128).astype(np.uint8)
    return frames, masks


def render_clip(
    class_name: str, rng: np.random.Generator, params: SynthParams
) -> tuple[np.ndarray, np.ndarray]:
    """Render one random clip of ``class_name`` (no I/O).

    Returns frames ``(T, H, W, 3)`` uint8 RGB and the foreground mask ``(T, H, W)`` uint8 0/1.
    """
    return draw_clip(sample_clip_spec(class_name, rng, params), params)
