"""The instances a segmentation backend returns for a frame, and the mask helpers every backend
module shares (:mod:`videoaug.methods.l2a.segment`, :mod:`videoaug.methods.l2a.people`,
:mod:`videoaug.methods.l2a.mask_checks`)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PERSON = 1  # COCO category id of "person"; backends without classes use 0 ("object")


@dataclass(frozen=True)
class FrameInstances:
    """Instances of one frame: ``masks bool (N, H, W)``, ``boxes float32 (N, 4)`` (x0, y0, x1,
    y1, pixels, x1/y1 exclusive), ``labels int64 (N,)`` (COCO ids; 0 = unnamed object),
    ``scores float32 (N,)``."""

    masks: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    scores: np.ndarray

    @staticmethod
    def empty(height: int, width: int) -> FrameInstances:
        return FrameInstances(np.zeros((0, height, width), bool), np.zeros((0, 4), np.float32),
                              np.zeros(0, np.int64), np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.labels)

    def keep(self, selected: np.ndarray) -> FrameInstances:
        return FrameInstances(self.masks[selected], self.boxes[selected], self.labels[selected],
                              self.scores[selected])


def boxes_to_mask(boxes: np.ndarray, height: int, width: int) -> np.ndarray:
    """Union of boxes ``(N, 4)`` (x0, y0, x1, y1; rounded outwards, clipped) as ``bool (H, W)``."""
    mask = np.zeros((height, width), bool)
    for x0, y0, x1, y1 in np.asarray(boxes, dtype=np.float64):
        c0, r0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
        c1, r1 = min(int(np.ceil(x1)), width), min(int(np.ceil(y1)), height)
        if c1 > c0 and r1 > r0:
            mask[r0:r1, c0:c1] = True
    return mask


def components(mask: np.ndarray, min_area: int = 1, label: int = 0) -> FrameInstances:
    """Connected components (8-connected) of a ``bool (H, W)`` mask as instances, smaller than
    ``min_area`` pixels dropped; ``label`` is given to every instance."""
    height, width = mask.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    keep = [k for k in range(1, count) if stats[k, cv2.CC_STAT_AREA] >= min_area]
    if not keep:
        return FrameInstances.empty(height, width)
    masks = np.stack([labels == k for k in keep])
    boxes = np.array([[stats[k, cv2.CC_STAT_LEFT], stats[k, cv2.CC_STAT_TOP],
                       stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH],
                       stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT]] for k in keep],
                     dtype=np.float32)
    return FrameInstances(masks, boxes, np.full(len(keep), label, np.int64),
                          np.ones(len(keep), np.float32))
