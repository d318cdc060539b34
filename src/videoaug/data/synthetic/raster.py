"""Sub-pixel coordinates for cv2's anti-aliased drawing, shared by the background painter
(:mod:`.scene`) and the figure's coverage (:mod:`.render`)."""

from __future__ import annotations

import numpy as np

_SHIFT_BITS = 4  # cv2 sub-pixel precision: coordinates carry 4 fractional bits
_SUBPIXEL = 1 << _SHIFT_BITS


def _fixed(point: np.ndarray) -> tuple[int, int]:
    return int(round(point[0] * _SUBPIXEL)), int(round(point[1] * _SUBPIXEL))
