"""Learn2Augment part 1 on streamed clips: the ``segment`` and ``inpaint`` stages read each video
of a frames shard in pieces of :data:`videoaug.io.store.STREAM_CHUNK` frames and write masks and
backgrounds piece by piece, so their memory does not grow with the clip's length (a 40 s clip
needs what a 10 s clip needs; ``bench/bench_decode_memory.py`` measures it).

What needs more than one frame at a time:

* per-frame backends (mediapipe, torchvision, detectron2) see one piece at a time;
* the oracle reads its ground-truth mask file memory-mapped, the frames of each piece only;
* the motion backend's temporal median is taken over at most
  :data:`videoaug.methods.l2a.inpaint.MEDIAN_FRAMES` evenly spaced frames
  (:func:`~videoaug.methods.l2a.inpaint.median_sample`; every frame of a shorter clip, so the
  masks are the whole-clip backend's exactly), its camera shifts are tracked frame by frame
  (:class:`~videoaug.methods.l2a.inpaint.ShiftTracker`), MOG2 learns in one pass and labels in a
  second;
* inpainting tracks the shifts in a first pass, takes the temporal median over the same bounded
  sample (in row bands), and fills each piece in a second pass.

A backend that needs the whole clip and offers no streaming (none of the built-in ones) is given
the whole clip, and its memory grows with the clip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice

import cv2
import numpy as np

from videoaug.io.store import STREAM_CHUNK, FrameStore
from videoaug.methods.l2a.inpaint import (
    METHODS,
    ShiftTracker,
    dilate_mask,
    fill_from_background,
    median_background,
    median_outliers,
    median_sample,
    telea,
    translate,
)
from videoaug.methods.l2a.segment import (
    FrameInstances,
    MotionSegmenter,
    OracleSegmenter,
    UnionSegmenter,
    components,
    fit_mask_to_frames,
    ground_truth_path,
)

PER_FRAME_BACKENDS = ("mediapipe", "torchvision", "detectron2")
"""Backends whose output for a frame depends on that frame only: they see one piece at a time
(a new backend says so with a ``per_frame = True`` attribute)."""


@dataclass(frozen=True)
class StoredClip:
    """Video ``index`` of a frames store, read in pieces or as chosen frames."""

    store: FrameStore
    index: int
    size: int = STREAM_CHUNK

    @property
    def num_frames(self) -> int:
        return int(self.store.num_frames[self.index])

    @property
    def frame_size(self) -> tuple[int, int]:
        return tuple(self.store.shape(self.index)[1:3])

    def pieces(self) -> Iterator[np.ndarray]:
        return self.store.read_chunks(self.index, self.size)

    def frames(self, indices: np.ndarray) -> np.ndarray:
        return self.store.read(self.index, np.asarray(indices, dtype=np.int64))


class TruthClip:
    """A ground-truth mask file read memory-mapped and fitted to the decoded frames one range
    at a time (:func:`~videoaug.methods.l2a.segment.fit_mask_to_frames` of the whole clip,
    sliced)."""

    def __init__(self, path: str, num_frames: int, size: tuple[int, int]):
        self.mask = np.load(path, mmap_mode="r", allow_pickle=False)
        self.size = size
        self.rows = (np.arange(num_frames) if len(self.mask) == num_frames else
                     np.round(np.linspace(0, len(self.mask) - 1, num_frames)).astype(np.int64))

    @classmethod
    def of(cls, video: Mapping, num_frames: int, size: tuple[int, int]) -> TruthClip | None:
        path = ground_truth_path(video)
        return None if path is None else cls(path, num_frames, size)

    def frames(self, start: int, stop: int) -> np.ndarray:
        """``bool (stop - start, H, W)``."""
        rows = self.rows[start:stop]
        return fit_mask_to_frames(np.asarray(self.mask[rows]), len(rows), self.size)


# ------------------------------------------------------------------------------ segmentation
def segment_pieces(segmenter, clip: StoredClip, video: Mapping) -> Iterator[list[FrameInstances]]:
    """The instances of every frame of ``clip``, one list per piece of ``clip.size`` frames
    (the same instances as ``segmenter.segment(whole clip, video)`` for every built-in backend
    on clips of at most ``MEDIAN_FRAMES`` frames)."""
    if isinstance(segmenter, UnionSegmenter):
        streams = [_frames_of(segment_pieces(part, clip, video)) for part in segmenter.parts]
        merged = (_merge(per_part) for per_part in zip(*streams, strict=True))
        while piece := list(islice(merged, clip.size)):
            yield piece
    elif isinstance(segmenter, MotionSegmenter):
        yield from motion_pieces(segmenter, clip)
    elif isinstance(segmenter, OracleSegmenter):
        yield from oracle_pieces(clip, video)
    elif getattr(segmenter, "per_frame", getattr(segmenter, "name", "") in PER_FRAME_BACKENDS):
        for piece in clip.pieces():
            yield segmenter.segment(piece, video)
    else:  # needs the whole clip and cannot stream: memory grows with the clip
        yield segmenter.segment(clip.frames(np.arange(clip.num_frames)), video)


def _frames_of(pieces: Iterable[list[FrameInstances]]) -> Iterator[FrameInstances]:
    for piece in pieces:
        yield from piece


def _merge(per_part: tuple[FrameInstances, ...]) -> FrameInstances:
    """One frame's instances of several backends (as :class:`UnionSegmenter` merges them)."""
    return FrameInstances(np.concatenate([i.masks for i in per_part]),
                          np.concatenate([i.boxes for i in per_part]),
                          np.concatenate([i.labels for i in per_part]),
                          np.concatenate([i.scores for i in per_part]))


def oracle_pieces(clip: StoredClip, video: Mapping) -> Iterator[list[FrameInstances]]:
    truth = TruthClip.of(video, clip.num_frames, clip.frame_size)
    if truth is None:
        raise ValueError(
            f"video {video.get('id')!r} has no ground-truth mask: l2a.segmenter 'oracle' "
            "works only for synthetic datasets (choose motion, mediapipe or torchvision)")
    for start in range(0, clip.num_frames, clip.size):
        yield OracleSegmenter.from_truth(truth.frames(start, start + clip.size))


def _foreground_pieces(seg: MotionSegmenter, num_frames: int,
                       pieces: Callable[[], Iterable[np.ndarray]],
                       sample: Callable[[], np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(piece, cleaned moving mask)`` of a clip given as a piece factory: the median method
    against the median of ``sample()``, MOG2 after one learning pass over the pieces."""
    if seg.method == "median":
        background = seg.median_background(sample())
        for piece in pieces():
            yield piece, seg.clean(seg.differs(piece, background))
        return
    sub = seg.mog2(num_frames)
    for piece in pieces():
        for frame in piece:
            sub.apply(frame)
    for piece in pieces():
        yield piece, seg.clean(np.stack([sub.apply(f, learningRate=0) > 0 for f in piece]))


def motion_pieces(seg: MotionSegmenter, clip: StoredClip) -> Iterator[list[FrameInstances]]:
    """:meth:`MotionSegmenter.segment` over a streamed clip (module docstring)."""
    n = clip.num_frames
    sample = median_sample(n)
    if not seg.stabilize or n < 2:
        for _, moving in _foreground_pieces(seg, n, clip.pieces, lambda: clip.frames(sample)):
            yield [components(m, seg.min_area, 0) for m in moving]
        return
    # 1) moving pixels of the unaligned clip (dilated) are left out of the camera registration
    tracker = ShiftTracker()
    for piece, rough in _foreground_pieces(seg, n, clip.pieces, lambda: clip.frames(sample)):
        for frame, m in zip(piece, rough, strict=True):
            tracker.update(frame, ~(cv2.dilate(m.astype(np.uint8), seg.kernel,
                                               iterations=2) > 0))
    steps = np.rint(tracker.shifts).astype(int)
    # 2) only the view every aligned frame shares is judged
    ones = np.ones(clip.frame_size, np.uint8)
    common = np.ones(clip.frame_size, bool)
    for dy, dx in steps:
        common &= translate(ones, -dy, -dx) > 0

    def aligned(frames: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.stack([translate(f, -dy, -dx) for f, (dy, dx) in zip(frames, steps[rows],
                                                                         strict=True)])

    def aligned_pieces() -> Iterator[np.ndarray]:
        start = 0
        for piece in clip.pieces():
            yield aligned(piece, np.arange(start, start + len(piece)))
            start += len(piece)

    # 3) moving pixels of the aligned clip, moved back into each frame
    start = 0
    for _, moving in _foreground_pieces(seg, n, aligned_pieces,
                                        lambda: aligned(clip.frames(sample), sample)):
        moving = moving & common
        back = [translate(m.astype(np.uint8), dy, dx) > 0
                for m, (dy, dx) in zip(moving, steps[start:start + len(moving)], strict=True)]
        start += len(moving)
        yield [components(m, seg.min_area, 0) for m in back]


# -------------------------------------------------------------------------------- inpainting
@dataclass(frozen=True)
class StreamedBackground:
    """One video's background: the ``method`` chosen, the measured ``shift`` and its
    ``pieces()`` (frames without the instances, piece by piece, computed as they are read)."""

    method: str
    shift: float
    pieces: Callable[[], Iterator[np.ndarray]]
    outliers: float = 0.0
    overruled: bool = False


def inpaint_pieces(clip: StoredClip, mask_pieces: Callable[[], Iterable[np.ndarray]],
                   mask_frames: Callable[[np.ndarray], np.ndarray], dilate: int = 3,
                   static_max_shift: float = 8.0, radius: int = 3,
                   method: str = "auto", static_outliers: float = 0.3) -> StreamedBackground:
    """:func:`~videoaug.methods.l2a.inpaint.inpaint_video` over a streamed clip:
    ``mask_pieces()`` gives the union masks piece by piece, ``mask_frames(indices)`` chosen
    frames' masks. The frames are the whole-clip function's for clips of at most
    ``MEDIAN_FRAMES`` frames."""
    if method not in ("auto", *METHODS):
        raise ValueError(f"l2a.inpaint.method {method!r}: choose auto, median or telea")
    n = clip.num_frames
    tracker, any_hole = ShiftTracker(), False

    def holes() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for piece, mask in zip(clip.pieces(), mask_pieces(), strict=True):
            if piece.shape[:3] != mask.shape:
                raise ValueError(f"mask {mask.shape} does not match frames {piece.shape[:3]}")
            yield piece, dilate_mask(mask, dilate)

    for piece, hole in holes():
        any_hole = any_hole or bool(hole.any())
        for frame, h in zip(piece, hole, strict=True):
            tracker.update(frame, ~h)
    shifts = tracker.shifts
    sample = median_sample(n)
    sample_frames, sample_holes = clip.frames(sample), dilate_mask(mask_frames(sample), dilate)
    outliers, overruled = 0.0, False
    if n > 1 and np.abs(shifts).max() > 0:
        # a tripod shot whose measured shift the clip does not bear out (inpaint.camera_shifts),
        # judged on the frames the median uses
        outliers = median_outliers(sample_frames, sample_holes)
        aligned = median_outliers(sample_frames, sample_holes, shifts[sample])
        if outliers <= aligned + 0.02 or (float(np.abs(shifts).max()) > static_max_shift
                                          and outliers <= static_outliers):
            shifts, overruled = np.zeros_like(shifts), True
    shift = float(np.abs(shifts).max())
    chosen = method if method != "auto" else ("median" if shift <= static_max_shift else "telea")
    if not any_hole:
        return StreamedBackground(chosen, shift, clip.pieces, outliers, overruled)
    if chosen == "median":
        background, _ = median_background(sample_frames, sample_holes, shifts[sample], radius)
        steps = np.rint(shifts).astype(int)

        def filled() -> Iterator[np.ndarray]:
            start = 0
            for piece, hole in holes():
                yield np.stack([fill_from_background(f, h, background, steps[start + k], radius)
                                for k, (f, h) in enumerate(zip(piece, hole, strict=True))])
                start += len(piece)
    else:
        def filled() -> Iterator[np.ndarray]:
            for piece, hole in holes():
                yield np.stack([telea(f, h, radius) for f, h in zip(piece, hole, strict=True)])
    return StreamedBackground(chosen, shift, filled, outliers, overruled)
