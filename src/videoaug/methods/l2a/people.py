"""Person models for Learn2Augment's masks, all with weights inside the ``mediapipe==0.10.21`` wheel
(offline): selfie segmentation, the legacy Pose solution's person segmentation, and a
detector-led backend that segments each found person in a crop at the model's working scale.

What the wheel ships (``mediapipe/modules/**.tflite``): selfie segmentation (general and
landscape), pose detection + ``pose_landmark_full`` (Pose with ``model_complexity=1``; the lite
and heavy landmark models are downloads, so they are not used), face detection (short and full
range), face/iris/hand landmarks. Pose's graph returns one person per call with a segmentation
mask (``enable_segmentation``).

Backends (``l2a.segmenter`` names; :class:`videoaug.methods.l2a.segment.Segmenter` protocol):

* ``mediapipe`` (:class:`SelfieSegmenter`): the selfie model's person probability on the whole
  frame. Made for a person filling a webcam frame: a backlit actor at a tenth of the frame height
  gets almost nothing, and tree trunks can light up. *Unverified*: no detection behind it.
* ``pose`` (:class:`PoseSegmenter`): Pose on the whole frame in video mode (the graph tracks the
  person between frames; a fresh graph per clip), its segmentation where it finds a person.
  *Verified* (a detection and landmarks behind each mask). One person per frame.
* ``pose_crop`` (:class:`PoseCropSegmenter`): detector-led. Proposals per frame — the whole
  frame, the moving components (the ``motion`` backend's) and the
  people kept in the previous frame — each cropped as a square around the proposal, scaled to
  the model's ``side`` (256 px) and given to Pose; a crop counts as a person when Pose finds
  landmarks **and** the selfie model agrees with Pose's mask in the crop (IoU ≥ ``agree``; each
  model alone fires on about one in ten random crops of the two sample photographs, mostly on
  round flowers). The mask is mapped back to the frame. Finds people a few times smaller than
  whole-frame Pose does (docs/l2a.md); people only a dozen pixels tall stay out of reach of any
  model here, the motion backend is what catches them.

MediaPipe's native code writes to the process's stderr: protobuf 6's ``MessageFactory`` lacks
the ``GetPrototype`` its bindings call (an ``AttributeError`` line at import that reads like a
crash but is not one: the bindings fall back), and TFLite/absl print start-up lines from the
graph threads. :func:`mediapipe_solutions` adds ``GetPrototype`` (protobuf's own
``GetMessageClass``) before the import, and :func:`quiet_native_stderr` leaves the known
start-up lines out of stderr (and so out of the job logs) while passing anything else through.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping

import cv2
import numpy as np

from videoaug.methods.l2a.instances import PERSON, FrameInstances, components

log = logging.getLogger("videoaug")

MEDIAPIPE_INSTALL = (
    "the mediapipe backend needs mediapipe 0.10.21, whose declared pins (numpy<2, protobuf<5) "
    "do not fit this project: run `make setup` (scripts/install_mediapipe.sh), i.e. "
    "pip install --no-deps mediapipe==0.10.21 && pip install absl-py attrs flatbuffers "
    "protobuf==6.33.6"
)

# start-up lines of MediaPipe's native code (TFLite, absl, the protobuf fallback): not errors
NATIVE_NOISE = (
    "Created TensorFlow Lite XNNPACK delegate",
    "All log messages before absl::InitializeLog()",
    "inference_feedback_manager.cc",
    "landmark_projection_calculator.cc",
    "'MessageFactory' object has no attribute 'GetPrototype'",
    "gl_context.cc",
)


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Capture file descriptor 2 (what C++ writes) for the block; the known start-up lines of
    MediaPipe (:data:`NATIVE_NOISE`) are dropped (counted in a debug line), any other line goes
    back to stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
    dropped = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        if any(noise in line for noise in NATIVE_NOISE):
            dropped += 1
        else:
            sys.stderr.write(line + "\n")
    if dropped:
        log.debug("mediapipe: %d start-up line(s) of its native code left out", dropped)


def mediapipe_solutions():
    """``mediapipe.python.solutions`` imported quietly (protobuf shim, see the module doc)."""
    try:
        from google.protobuf import message_factory
    except ImportError as err:
        raise ModuleNotFoundError(f"{MEDIAPIPE_INSTALL} ({err})") from None
    if not hasattr(message_factory.MessageFactory, "GetPrototype"):
        # protobuf >= 5 removed it; MediaPipe's pybind11 proto caster still calls it
        message_factory.MessageFactory.GetPrototype = (
            lambda self, descriptor: message_factory.GetMessageClass(descriptor))
    try:
        with quiet_native_stderr():
            from mediapipe.python import solutions
    except ImportError as err:
        raise ModuleNotFoundError(f"{MEDIAPIPE_INSTALL} ({err})") from None
    return solutions


# ------------------------------------------------------------------------------ selfie
class SelfieSegmenter:
    """MediaPipe selfie segmentation: the person probability map above ``threshold``; each
    connected component (``min_area`` pixels or more) is one person instance (unverified)."""

    name = "mediapipe"
    verified = False

    def __init__(self, model_selection: int = 0, threshold: float = 0.5, min_area: int = 20):
        solutions = mediapipe_solutions()
        with quiet_native_stderr():
            self._model = solutions.selfie_segmentation.SelfieSegmentation(
                model_selection=model_selection)
            self._model.process(np.zeros((64, 64, 3), np.uint8))  # graph threads start here
        self.threshold, self.min_area = float(threshold), int(min_area)

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        """``float32 (T, H, W)`` person probabilities."""
        with quiet_native_stderr():
            return np.stack([self._model.process(np.ascontiguousarray(f)).segmentation_mask
                             for f in frames])

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]:
        return [components(p > self.threshold, self.min_area, PERSON)
                for p in self.probabilities(frames)]


# -------------------------------------------------------------------------------- pose
def _landmark_box(landmarks, width: int, height: int, margin: float = 0.15) -> np.ndarray:
    """Bounding box ``(x0, y0, x1, y1)`` of Pose's landmarks in pixels, grown by ``margin``."""
    points = np.array([(p.x * width, p.y * height) for p in landmarks.landmark], np.float64)
    lo, hi = points.min(0), points.max(0)
    grow = (hi - lo) * margin
    return np.concatenate([lo - grow, hi + grow]).astype(np.float32)


def _person(mask: np.ndarray, box: np.ndarray | None, min_area: int) -> FrameInstances:
    """One person instance: the components of ``mask`` (``min_area`` pixels or more) that touch
    ``box`` (all of them when ``box`` is None); empty when none is left."""
    height, width = mask.shape
    parts = components(mask, min_area, PERSON)
    if len(parts) and box is not None:
        x0, y0, x1, y1 = box
        touch = ((parts.boxes[:, 0] < x1) & (parts.boxes[:, 2] > x0)
                 & (parts.boxes[:, 1] < y1) & (parts.boxes[:, 3] > y0))
        parts = parts.keep(touch)
    if not len(parts):
        return FrameInstances.empty(height, width)
    union = parts.masks.any(0)
    bbox = np.concatenate([parts.boxes[:, :2].min(0), parts.boxes[:, 2:].max(0)])
    return FrameInstances(union[None], bbox[None].astype(np.float32), np.array([PERSON]),
                          np.ones(1, np.float32))


class PoseSegmenter:
    """MediaPipe Pose (``model_complexity=1``, the model the wheel ships) on whole frames, in video
    mode with a fresh graph per clip: where it finds a person, its segmentation above
    ``threshold`` (components touching the landmarks' box) is one verified person instance."""

    name = "pose"
    verified = True

    def __init__(self, threshold: float = 0.5, min_area: int = 20,
                 min_detection_confidence: float = 0.5):
        self._solutions = mediapipe_solutions()
        self.threshold, self.min_area = float(threshold), int(min_area)
        self.confidence = float(min_detection_confidence)

    def _graph(self, static: bool):
        with quiet_native_stderr():
            return self._solutions.pose.Pose(
                static_image_mode=static, model_complexity=1, enable_segmentation=True,
                smooth_segmentation=not static, min_detection_confidence=self.confidence)

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]:
        height, width = frames.shape[1:3]
        graph = self._graph(static=False)
        out = []
        try:
            with quiet_native_stderr():
                for frame in frames:
                    result = graph.process(np.ascontiguousarray(frame))
                    if result.pose_landmarks is None or result.segmentation_mask is None:
                        out.append(FrameInstances.empty(height, width))
                        continue
                    box = _landmark_box(result.pose_landmarks, width, height)
                    out.append(_person(result.segmentation_mask > self.threshold, box,
                                       self.min_area))
        finally:
            graph.close()
        return out


# ---------------------------------------------------------------------------- pose_crop
def _merge_boxes(boxes: list[np.ndarray], overlap: float = 0.5) -> list[np.ndarray]:
    """Greedy union of boxes ``(x0, y0, x1, y1)`` whose intersection covers ``overlap`` of the
    smaller one, largest first."""
    merged: list[np.ndarray] = []
    for box in sorted(boxes, key=lambda b: -float((b[2] - b[0]) * (b[3] - b[1]))):
        for k, other in enumerate(merged):
            iw = min(box[2], other[2]) - max(box[0], other[0])
            ih = min(box[3], other[3]) - max(box[1], other[1])
            small = min((box[2] - box[0]) * (box[3] - box[1]),
                        (other[2] - other[0]) * (other[3] - other[1]))
            if iw > 0 and ih > 0 and iw * ih >= overlap * small:
                merged[k] = np.concatenate([np.minimum(box[:2], other[:2]),
                                            np.maximum(box[2:], other[2:])])
                break
        else:
            merged.append(np.asarray(box, np.float32))
    return merged


def crop_transform(box: np.ndarray, side: int, margin: float) -> np.ndarray:
    """The affine ``(2, 3)`` that maps a square around ``box`` (its longer side grown by
    ``margin``) onto a ``side x side`` crop."""
    x0, y0, x1, y1 = (float(v) for v in box)
    extent = max(x1 - x0, y1 - y0, 1.0) * (1.0 + margin)
    scale = side / extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return np.array([[scale, 0, side / 2 - cx * scale], [0, scale, side / 2 - cy * scale]],
                    np.float32)


def mask_iou_2d(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


class PoseCropSegmenter:
    """Detector-led person masks (see the module doc): proposals → square crop at ``side`` px →
    Pose landmarks + Pose/selfie agreement → the mask back in the frame.

    Crops come from the source video decoded at ``source_short_side`` (the frames the decode
    stage kept, index for index, :func:`videoaug.stages.decode.stream_kept_frames`) when the
    manifest entry names a readable file whose frames are larger than the store's; otherwise
    from the frames given. A person a tenth of a 112-px frame tall is 11 px there, beyond any
    model, and 48 px at a source short side of 480.

    ``margin``: context around a proposal (share of its longer side); ``agree``: least IoU of
    Pose's and the selfie model's masks inside the crop; ``min_box``: proposals shorter than this
    (store pixels) are not tried; ``max_proposals``: per frame, largest first; ``motion``: an
    object whose ``foreground(frames) -> bool (T, H, W)`` gives the moving pixels (the ``motion``
    backend, which ``build_segmenter`` passes), or None for no moving-component proposals.
    """

    name = "pose_crop"
    verified = True

    def __init__(self, side: int = 256, margin: float = 0.5, threshold: float = 0.5,
                 agree: float = 0.5, min_box: int = 6, max_proposals: int = 4,
                 min_area: int = 20, min_detection_confidence: float = 0.5,
                 source_short_side: int | None = 480, motion=None):
        solutions = mediapipe_solutions()
        with quiet_native_stderr():
            self._pose = solutions.pose.Pose(
                static_image_mode=True, model_complexity=1, enable_segmentation=True,
                min_detection_confidence=float(min_detection_confidence))
            self._selfie = solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
            warm = np.zeros((64, 64, 3), np.uint8)  # graph threads start (and log) here
            self._pose.process(warm)
            self._selfie.process(warm)
        self.side, self.margin, self.threshold = int(side), float(margin), float(threshold)
        self.agree, self.min_box, self.min_area = float(agree), int(min_box), int(min_area)
        self.max_proposals = int(max_proposals)
        self.source_short_side = None if source_short_side is None else int(source_short_side)
        self._motion = motion
        self.used_source: bool = False

    def person_in(self, image: np.ndarray, box: np.ndarray, size: tuple[int, int],
                  to_image: np.ndarray, margin: float | None = None) -> np.ndarray | None:
        """The person mask ``bool size`` that Pose and the selfie model agree on in the crop of
        ``image`` around ``box`` (``image`` pixels), or None. ``to_image``: the affine ``(2, 3)``
        from the output frame's pixels to ``image``'s."""
        warp = crop_transform(box, self.side, self.margin if margin is None else margin)
        crop = cv2.warpAffine(image, warp, (self.side, self.side), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
        result = self._pose.process(crop)
        if result.pose_landmarks is None or result.segmentation_mask is None:
            return None
        pose_mask = result.segmentation_mask > self.threshold
        selfie = self._selfie.process(crop).segmentation_mask > self.threshold
        if mask_iou_2d(pose_mask, selfie) < self.agree:
            return None
        # output pixel -> image -> crop, sampled from the crop's probability map
        frame_to_crop = _compose(warp, to_image)
        height, width = size
        back = cv2.warpAffine(result.segmentation_mask, frame_to_crop, (width, height),
                              flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        landmarks = _landmark_box(result.pose_landmarks, self.side, self.side)
        corners = cv2.invertAffineTransform(frame_to_crop) @ np.array(
            [[landmarks[0], landmarks[2]], [landmarks[1], landmarks[3]], [1, 1]], np.float32)
        return _person(back > self.threshold, corners.T.reshape(-1), self.min_area).masks.any(0)

    def proposals(self, moving: np.ndarray, previous: list[np.ndarray],
                  size: tuple[int, int]) -> list[np.ndarray]:
        """Whole frame first, then the previous frame's people and the moving components
        (merged, at least ``min_box`` tall, largest first), in output-frame pixels."""
        height, width = size
        boxes = [np.asarray(b, np.float32) for b in previous]
        boxes += list(components(moving, self.min_area).boxes)
        tall = [b for b in _merge_boxes(boxes) if b[3] - b[1] >= self.min_box]
        whole = np.array([0, 0, width, height], np.float32)
        return [whole] + tall[: self.max_proposals]

    def source(self, frames: np.ndarray, video: Mapping) -> Iterator[np.ndarray] | None:
        """Frames of the source video at ``source_short_side`` (see the class doc), or None."""
        path, decode = video.get("path"), video.get("decode")
        if self.source_short_side is None or not path or not decode or not os.path.isfile(path):
            return None
        from videoaug.io.video import probe
        from videoaug.stages.decode import stream_kept_frames

        info = probe(path)
        short = min(self.source_short_side, info.width, info.height)
        if short <= min(frames.shape[1:3]):
            return None  # the source is no sharper than the frames
        pieces = stream_kept_frames(path, short, decode.get("fps"), decode.get("max_frames"))
        return (frame for piece in pieces for frame in piece)

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]:
        height, width = frames.shape[1:3]
        moving = (self._motion.foreground(frames) if self._motion is not None and len(frames) > 1
                  else np.zeros(frames.shape[:3], bool))
        source = self.source(frames, video)
        self.used_source = source is not None
        out: list[FrameInstances] = []
        previous: list[np.ndarray] = []
        with quiet_native_stderr():
            for frame, motion in zip(frames, moving, strict=True):
                image = next(source, None) if source is not None else None
                if image is None:
                    image = frame
                sy, sx = image.shape[0] / height, image.shape[1] / width
                to_image = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5]],
                                    np.float32)
                image = np.ascontiguousarray(image)
                found = np.zeros((height, width), bool)
                kept = []
                for k, box in enumerate(self.proposals(motion, previous, (height, width))):
                    x0, y0, x1, y1 = (int(v) for v in box)
                    seen = found[max(y0, 0):y1, max(x0, 0):x1]
                    if seen.size and seen.mean() > 0.5:
                        continue  # already a person there
                    in_image = box * np.array([sx, sy, sx, sy], np.float32)
                    person = self.person_in(image, in_image, (height, width), to_image,
                                            0.0 if k == 0 else None)
                    if person is None or not person.any():
                        continue
                    found |= person
                    kept.append(person)
                previous = [_bbox(p) for p in kept]
                out.append(_instances(kept, height, width))
        return out


def _compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The affine ``(2, 3)`` of ``outer ∘ inner``."""
    a = np.vstack([outer, [0, 0, 1]]) @ np.vstack([inner, [0, 0, 1]])
    return a[:2].astype(np.float32)


def _bbox(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32)


def _instances(masks: list[np.ndarray], height: int, width: int) -> FrameInstances:
    if not masks:
        return FrameInstances.empty(height, width)
    return FrameInstances(np.stack(masks), np.stack([_bbox(m) for m in masks]),
                          np.full(len(masks), PERSON, np.int64), np.ones(len(masks), np.float32))
