"""Backgrounds for Learn2Augment: remove the segmented instances and fill the hole (Gowda et al.,
ECCV 2022, §3.2, "inpainting").

Per video the global camera motion is measured (translation of every frame against the first, by
exhaustive integer registration of consecutive frames outside the actors). Registration follows
whatever texture there is: in a low-texture scene (sky, water) a person the mask missed drags it
along (a tripod shot measured 90 px on the sample photographs), so the measurement is checked
against the clip itself (:func:`median_outliers`): when the unaligned temporal median explains
the frames as well as the aligned one, or explains all but ``static_outliers`` of the pixels
outside the hole while registration claims more than ``static_max_shift`` pixels, the camera is
a tripod and the shift is 0 (``overruled`` in the result). A camera that stays
within ``static_max_shift`` pixels (a fixed or jittering camera) gets the **temporal median**:
frames are aligned by their integer shift, the median is taken over the frames where a pixel is
not covered by the (dilated) mask, and the result is shifted back into each frame's hole.
Pixels never uncovered, and every frame of a moving camera, are filled by OpenCV's **TELEA**
inpainting. PSNR inside the hole of each method: README (``bench/bench_l2a.py``).
Unmasked pixels keep their original values.

Long clips: the ``inpaint`` stage streams each video in pieces (memory flat in clip length):
camera shifts are tracked frame by frame (:class:`ShiftTracker`), and the temporal median is taken
over at most :data:`MEDIAN_FRAMES` evenly spaced frames (:func:`median_sample`; every frame of a
clip that has no more, e.g. synth4's 48) in row bands, then each piece is filled from it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

METHODS = ("median", "telea")


@dataclass(frozen=True)
class InpaintResult:
    """``frames uint8 (T, H, W, 3)`` without the instances, the ``method`` chosen, the global
    motion ``shift`` used (largest displacement from frame 0, pixels), ``never_uncovered``
    (pixels of the median background that TELEA had to fill), ``outliers`` (share of pixels
    outside the hole that the unaligned median does not explain, :func:`median_outliers`) and
    ``overruled`` (registration measured motion the clip does not show: shift set to 0)."""

    frames: np.ndarray
    method: str
    shift: float
    never_uncovered: int
    outliers: float = 0.0
    overruled: bool = False


def _pair_cost(a: np.ndarray, b: np.ndarray, valid_a: np.ndarray, valid_b: np.ndarray,
               dy: int, dx: int) -> float:
    """Mean |a[y, x] − b[y + dy, x + dx]| over pixels valid in both (inf when they overlap on
    less than a quarter of the frame)."""
    h, w = a.shape
    if abs(dy) >= h or abs(dx) >= w:
        return np.inf
    ya, yb = slice(max(0, -dy), min(h, h - dy)), slice(max(0, dy), min(h, h + dy))
    xa, xb = slice(max(0, -dx), min(w, w - dx)), slice(max(0, dx), min(w, w + dx))
    valid = valid_a[ya, xa] & valid_b[yb, xb]
    count = valid.sum()
    if count < 0.25 * h * w:
        return np.inf
    return float(np.abs(a[ya, xa] - b[yb, xb])[valid].sum() / count)


def _register(a: np.ndarray, b: np.ndarray, valid_a: np.ndarray, valid_b: np.ndarray,
              center: tuple[int, int], radius: int) -> tuple[int, int] | None:
    """Integer (dy, dx) with ``b[y + dy, x + dx] ≈ a[y, x]`` minimising the mean absolute
    difference over pixels valid in both, searched within ``radius`` of ``center``: exhaustively
    at half resolution, then refined by ±1 pixel at full resolution (8x fewer operations than an
    exhaustive full-resolution search). None when the frames no longer overlap enough."""
    half = (a[::2, ::2], b[::2, ::2], valid_a[::2, ::2], valid_b[::2, ::2])
    r = (radius + 1) // 2
    hy, hx = round(center[0] / 2), round(center[1] / 2)
    # nearest offsets first: on a flat scene (equal costs) the previous shift is kept
    offsets = sorted(((dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)),
                     key=lambda d: (abs(d[0]) + abs(d[1]), d))
    coarse = [(hy + dy, hx + dx) for dy, dx in offsets]
    costs = [_pair_cost(*half, dy, dx) for dy, dx in coarse]
    if not np.isfinite(min(costs)):
        return None
    cy, cx = coarse[int(np.argmin(costs))]
    fine = [(2 * cy + ey, 2 * cx + ex) for ey, ex in
            ((0, 0), (-1, 0), (0, -1), (0, 1), (1, 0), (-1, -1), (-1, 1), (1, -1), (1, 1))]
    costs = [_pair_cost(a, b, valid_a, valid_b, dy, dx) for dy, dx in fine]
    return fine[int(np.argmin(costs))] if np.isfinite(min(costs)) else None


MEDIAN_FRAMES = 64
"""Frames the temporal median (of the inpainting and of the motion segmenter) is taken over:
all of a clip of at most this many, else this many evenly spaced ones. A pixel's median over an
even subsample of a long clip estimates the same background (the actor covers a pixel for the
same share of the sample as of the clip), with memory that does not grow with the clip."""


def median_sample(num_frames: int, limit: int = MEDIAN_FRAMES) -> np.ndarray:
    """Indices of the frames a temporal median uses: all, or ``limit`` evenly spaced."""
    if num_frames <= limit:
        return np.arange(num_frames)
    return np.unique(np.round(np.linspace(0, num_frames - 1, limit)).astype(np.int64))


def _normalised_grey(frame: np.ndarray) -> np.ndarray:
    # divided by its mean: brightness flicker does not bias the cost
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return grey / max(float(grey.mean()), 1.0) * 128.0


class ShiftTracker:
    """:func:`estimate_shifts` one frame at a time (a streamed clip): keeps frame 0 and the
    previous frame only. ``update(frame, valid)`` with ``valid bool (H, W)`` the pixels outside
    the actors; :attr:`shifts` is ``float64 (T, 2)`` of the frames seen so far."""

    def __init__(self, radius: int = 6):
        self.radius = radius
        self._shifts: list[np.ndarray] = []
        self._first: tuple[np.ndarray, np.ndarray] | None = None
        self._previous: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def shifts(self) -> np.ndarray:
        return np.array(self._shifts, dtype=np.float64).reshape(-1, 2)

    def update(self, frame: np.ndarray, valid: np.ndarray) -> None:
        current = (_normalised_grey(frame), valid)
        t = len(self._shifts)
        if t == 0:
            self._first = self._previous = current
            self._shifts.append(np.zeros(2))
            return
        prev = self._shifts[-1]
        h, w = current[0].shape
        overlap = max(0.0, 1 - abs(prev[0]) / h) * max(0.0, 1 - abs(prev[1]) / w)
        if overlap >= 0.5:  # still shares most of frame 0: register against it (no drift)
            found = _register(self._first[0], current[0], self._first[1], current[1],
                              (int(prev[0]), int(prev[1])), self.radius)
            base = np.zeros(2)
        else:  # a pan has left frame 0: chain steps from the previous frame
            found = _register(self._previous[0], current[0], self._previous[1], current[1],
                              (0, 0), self.radius)
            base = prev
        if found is None:
            step = prev - self._shifts[-2] if t >= 2 else np.zeros(2)
            self._shifts.append(prev + step)
        else:
            self._shifts.append(base + found)
        self._previous = current


def estimate_shifts(frames: np.ndarray, hole: np.ndarray | None = None,
                    radius: int = 6) -> np.ndarray:
    """``float64 (T, 2)``: integer (dy, dx) displacement of each frame's content from frame 0.

    While a frame still shares at least half of frame 0, it is registered directly against frame
    0 (no drift from summed steps: a jittering camera stays near 0), searching within ``radius``
    pixels of the previous frame's shift (so a pan is followed); beyond that, steps between
    consecutive frames are chained. Only pixels outside ``hole bool (T, H, W)`` count, so moving
    actors do not pass for camera motion. (:class:`ShiftTracker` does it frame by frame.)
    """
    tracker = ShiftTracker(radius)
    for t, frame in enumerate(frames):
        tracker.update(frame, ~hole[t] if hole is not None else np.ones(frame.shape[:2], bool))
    return tracker.shifts


def median_outliers(frames: np.ndarray, hole: np.ndarray, shifts: np.ndarray | None = None,
                    tau: float = 12.0) -> float:
    """How badly a temporal median explains a clip: per frame, the share of pixels outside
    ``hole`` (and, with ``shifts``, inside the view every aligned frame shares) whose grey level
    (brightness-normalised like :func:`estimate_shifts`) differs from the median of the frames —
    aligned by their integer ``shifts`` when given — by more than ``tau``; the median over frames.

    A tripod shot deviates only where something moves (a person the mask missed: about their
    share of the frame); a moving camera deviates wherever there is texture."""
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).astype(np.float32) for f in frames])
    grey *= 128.0 / np.maximum(grey.mean(axis=(1, 2), keepdims=True), 1.0)
    valid = ~hole
    if shifts is not None:
        steps = np.rint(shifts).astype(int)
        grey = np.stack([translate(g, -dy, -dx) for g, (dy, dx) in zip(grey, steps, strict=True)])
        inside = np.ones(hole.shape[1:], np.uint8)
        common = np.logical_and.reduce([translate(inside, -dy, -dx) > 0 for dy, dx in steps])
        valid = np.stack([(translate(v.astype(np.uint8), -dy, -dx) > 0) & common
                          for v, (dy, dx) in zip(valid, steps, strict=True)])
    stack = np.where(valid, grey, np.nan)
    with warnings.catch_warnings():  # pixels never valid: no median, left out below
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(stack, axis=0)
    shares = []
    for g, v in zip(grey, valid & ~np.isnan(median), strict=True):
        if v.any():
            shares.append(float((np.abs(g - median)[v] > tau).mean()))
    return float(np.median(shares)) if shares else 0.0


def dilate_mask(mask: np.ndarray, radius: int) -> np.ndarray:
    """``bool (T, H, W)`` grown by ``radius`` pixels (ellipse), so halos leave with the actor."""
    if radius <= 0:
        return mask.astype(bool)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return np.stack([cv2.dilate(m.astype(np.uint8), kernel) > 0 for m in mask])


def translate(image: np.ndarray, dy: int, dx: int, fill: float = 0) -> np.ndarray:
    """``image`` moved by integer (dy, dx); uncovered border pixels get ``fill``."""
    out = np.full_like(image, fill)
    h, w = image.shape[:2]
    src_y, dst_y = slice(max(0, -dy), min(h, h - dy)), slice(max(0, dy), min(h, h + dy))
    src_x, dst_x = slice(max(0, -dx), min(w, w - dx)), slice(max(0, dx), min(w, w + dx))
    out[dst_y, dst_x] = image[src_y, src_x]
    return out


def telea(frame: np.ndarray, hole: np.ndarray, radius: int = 3) -> np.ndarray:
    """OpenCV TELEA fill of ``hole bool (H, W)`` in ``frame uint8 (H, W, 3)``."""
    if not hole.any():
        return frame.copy()
    return cv2.inpaint(frame, hole.astype(np.uint8), radius, cv2.INPAINT_TELEA)


MEDIAN_BAND_ROWS = 32
"""Rows per band of the temporal median: the float copy NumPy's median needs is one band's."""


def median_background(frames: np.ndarray, hole: np.ndarray, shifts: np.ndarray,
                      radius: int = 3) -> tuple[np.ndarray, int]:
    """Temporal median of the uncovered pixels after aligning frames by their integer shift.

    Returns the background in frame 0's coordinates ``uint8 (H, W, 3)`` (never-uncovered pixels
    filled by TELEA) and the number of those pixels. The median runs in bands of
    :data:`MEDIAN_BAND_ROWS` rows (per pixel it is the same median).
    """
    steps = np.rint(shifts).astype(int)
    aligned = np.empty(frames.shape, np.uint8)
    valid = np.empty(frames.shape[:3], bool)
    for t, (frame, (dy, dx)) in enumerate(zip(frames, steps, strict=True)):
        valid[t] = translate((~hole[t]).astype(np.uint8), -dy, -dx) > 0
        aligned[t] = translate(frame, -dy, -dx)
    seen = valid.any(axis=0)
    median = np.zeros(frames.shape[1:], np.float64)
    for top in range(0, frames.shape[1], MEDIAN_BAND_ROWS):
        rows = slice(top, top + MEDIAN_BAND_ROWS)
        band = aligned[:, rows].astype(np.float32)
        band[~valid[:, rows]] = np.nan
        with warnings.catch_warnings():  # all-NaN columns (never seen) warn; TELEA fills them
            warnings.simplefilter("ignore", RuntimeWarning)
            median[rows] = np.nan_to_num(np.nanmedian(band, axis=0), nan=0.0)
    background = np.clip(np.rint(median), 0, 255).astype(np.uint8)
    never = ~seen
    return telea(background, never, radius), int(never.sum())


def fill_from_background(frame: np.ndarray, hole: np.ndarray, background: np.ndarray,
                         step: tuple[int, int], radius: int = 3) -> np.ndarray:
    """One frame's hole ``bool (H, W)`` filled from the median ``background`` (frame 0's
    coordinates) moved by the frame's integer shift ``step``; the borders the frame never
    shared with frame 0 by TELEA. Pixels outside the hole are kept."""
    dy, dx = int(step[0]), int(step[1])
    out = frame.copy()
    # frame t sees the reference moved by (dy, dx); borders it never shared: TELEA
    moved = translate(background, dy, dx)
    inside = translate(np.ones(hole.shape, np.uint8), dy, dx) > 0
    fill = hole & inside
    out[fill] = moved[fill]
    rest = hole & ~inside
    if rest.any():
        out = telea(out, rest, radius)
    return out


def camera_shifts(frames: np.ndarray, hole: np.ndarray, static_max_shift: float = 8.0,
                  static_outliers: float = 0.3) -> tuple[np.ndarray, float, bool]:
    """``(shifts (T, 2), outliers, overruled)``: :func:`estimate_shifts`, set to 0 when the clip
    does not bear them out (see the module doc; ``outliers`` is the unaligned
    :func:`median_outliers`)."""
    if len(frames) < 2:
        return np.zeros((len(frames), 2)), 0.0, False
    shifts = estimate_shifts(frames, hole)
    outliers = median_outliers(frames, hole)
    shift = float(np.abs(shifts).max())
    if shift == 0:
        return shifts, outliers, False
    aligned = median_outliers(frames, hole, shifts)
    if outliers <= aligned + 0.02 or (shift > static_max_shift and outliers <= static_outliers):
        return np.zeros_like(shifts), outliers, True
    return shifts, outliers, False


def inpaint_video(frames: np.ndarray, mask: np.ndarray, dilate: int = 3,
                  static_max_shift: float = 8.0, radius: int = 3,
                  method: str = "auto", static_outliers: float = 0.3) -> InpaintResult:
    """Remove ``mask bool (T, H, W)`` from ``frames uint8 (T, H, W, 3)`` and fill the hole.

    ``method``: ``auto`` (median when the global motion (:func:`camera_shifts`) is at most
    ``static_max_shift`` pixels, else TELEA), ``median`` or ``telea`` (forced; the benchmark
    compares them).
    """
    if frames.shape[:3] != mask.shape:
        raise ValueError(f"mask {mask.shape} does not match frames {frames.shape[:3]}")
    if method not in ("auto", *METHODS):
        raise ValueError(f"l2a.inpaint.method {method!r}: choose auto, median or telea")
    hole = dilate_mask(mask, dilate)
    shifts, outliers, overruled = camera_shifts(frames, hole, static_max_shift, static_outliers)
    shift = float(np.abs(shifts).max()) if len(shifts) else 0.0
    chosen = method if method != "auto" else ("median" if shift <= static_max_shift else "telea")
    if not hole.any():
        return InpaintResult(frames.copy(), chosen, shift, 0, outliers, overruled)
    out = frames.copy()
    never = 0
    if chosen == "median":
        background, never = median_background(frames, hole, shifts, radius)
        for t, step in enumerate(np.rint(shifts).astype(int)):
            out[t] = fill_from_background(frames[t], hole[t], background, step, radius)
    else:
        for t in range(len(frames)):
            out[t] = telea(frames[t], hole[t], radius)
    return InpaintResult(out, chosen, shift, never, outliers, overruled)


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio (dB, peak 255) of two uint8 arrays, optionally only at
    ``where`` (a boolean mask over the leading axes)."""
    diff = a.astype(np.float64) - b.astype(np.float64)
    if where is not None:
        diff = diff[where]
    mse = float(np.mean(diff ** 2)) if diff.size else 0.0
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def spread_checked(checked: np.ndarray, num_frames: int, every: int) -> np.ndarray:
    """Masks of the checked frames ``0, every, 2·every, …`` (``bool (K, H, W)``) spread to all
    ``num_frames``: frame ``t`` takes the union of its two nearest checked frames."""
    out = np.empty((num_frames, *checked.shape[1:]), bool)
    for t in range(num_frames):
        lo = min(t // every, len(checked) - 1)
        hi = min(lo + (1 if t % every else 0), len(checked) - 1)
        out[t] = checked[lo] | checked[hi]
    return out


@dataclass(frozen=True)
class BackgroundCheck:
    """What :func:`check_background` found: ``frames`` after the refill, the person share of
    the checked frames ``before`` and ``after`` it, and how many frames were ``checked``."""

    frames: np.ndarray
    before: float
    after: float
    checked: int


def check_background(frames: np.ndarray, find_people: Callable[[np.ndarray], np.ndarray],
                     every: int = 4, grow: int = 6, radius: int = 3) -> BackgroundCheck:
    """Look for people in a filled background and fill them again.

    ``find_people(frames (K, H, W, 3)) -> bool (K, H, W)`` runs on every ``every``-th frame;
    what it finds (spread to the frames in between, :func:`spread_checked`) is grown by ``grow``
    pixels and filled by TELEA in every frame, and the checked frames are checked once more.
    ``before`` / ``after``: the person share of the checked frames' pixels."""
    if every < 1:
        raise ValueError(f"l2a.inpaint.check_every must be >= 1, got {every}")
    picks = np.arange(0, len(frames), every)
    found = np.asarray(find_people(frames[picks]), dtype=bool)
    before = float(found.mean()) if found.size else 0.0
    if not found.any():
        return BackgroundCheck(frames, before, before, len(picks))
    hole = dilate_mask(spread_checked(found, len(frames), every), grow)
    out = np.stack([telea(f, h, radius) for f, h in zip(frames, hole, strict=True)])
    after = float(np.asarray(find_people(out[picks]), dtype=bool).mean())
    return BackgroundCheck(out, before, after, len(picks))
