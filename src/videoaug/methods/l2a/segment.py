"""Instance segmentation backends for Learn2Augment's foregrounds (Gowda et al., ECCV 2022, §3.2).

One small protocol (:class:`Segmenter`): ``segment(frames (T, H, W, 3) uint8 RGB, video) ->
[FrameInstances] * T``. :func:`summarize` turns the instances into the three masks the method and
its ablations need: the union of every kept instance, the union of the person instances and the
union of the instances' boxes, each ``bool (T, H, W)``.

Backends (``l2a.segmenter``; ``a+b`` is the union of backends ``a`` and ``b``):

* ``torchvision`` — Mask R-CNN R50-FPN (``maskrcnn_resnet50_fpn``), COCO weights through
  torchvision's weight enum (``weights: coco``; needs internet once; the file is checked against
  torchvision's published sha256 prefix) or a local ``state_dict`` (both loaded with
  ``weights_only=True``). All COCO classes are kept unless ``classes`` names some
  (the paper keeps objects even when the COCO class is wrong).
* ``mediapipe``, ``pose``, ``pose_crop`` — person models whose weights ship inside the
  ``mediapipe==0.10.21`` wheel (offline): selfie segmentation, the Pose solution's person
  segmentation, and a detector-led backend that segments each found person in a crop at the
  model's working scale (:mod:`videoaug.methods.l2a.people`).
* ``motion`` — background subtraction (temporal-median difference or OpenCV MOG2) with
  morphological clean-up: no weights; catches moving objects (balls, yo-yos) that person models
  miss.
* ``oracle`` — the synthetic dataset's ground-truth masks (upper bound; tests).
* ``detectron2`` — the paper's: Mask R-CNN R50-FPN 3x from detectron2's model zoo (COCO), through
  detectron2's own config and checkpoint loader; installed by ``scripts/install_detectron2.sh``.

A backend is *verified* (``verified = True``) when a detection stands behind each mask (pose,
pose_crop, Mask R-CNN, the oracle); ``motion`` and the selfie model are not. The instances of
unverified backends that stay in place over the clip and that no verified person covers are
dropped (:func:`videoaug.methods.l2a.mask_checks.drop_static`, ``l2a.static``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from videoaug.methods.l2a.instances import (  # noqa: F401  (re-exported: the backends' types)
    PERSON,
    FrameInstances,
    boxes_to_mask,
    components,
)

BACKENDS = ("oracle", "motion", "torchvision", "mediapipe", "detectron2", "pose", "pose_crop")
DETECTRON2_INSTALL = (
    "the detectron2 backend needs pb1-detectron2 0.6 patched to install as pure Python: run "
    "`make setup` (scripts/install_detectron2.sh); with conda, envs/segment.yaml's post-deploy "
    "step runs the same script"
)
DETECTRON2_CONFIG = "COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml"


@dataclass(frozen=True)
class Segmentation:
    """Masks of one video, each ``bool (T, H, W)``, and ``instances int64 (T,)`` per frame."""

    union: np.ndarray
    people: np.ndarray
    boxes: np.ndarray
    instances: np.ndarray


class Segmenter(Protocol):
    """A segmentation backend: ``segment(frames uint8 (T, H, W, 3), video) -> list of T
    FrameInstances``; ``video`` is the manifest entry (the oracle reads its mask path)."""

    name: str
    verified: bool

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]: ...


# ------------------------------------------------------------------------------ mask helpers
def summarize(per_frame: Sequence[FrameInstances], height: int, width: int) -> Segmentation:
    """Union mask, people-only mask and union of boxes of every frame's instances (the box mask
    also covers any mask pixel outside its box, so boxes ⊇ union)."""
    t = len(per_frame)
    union = np.zeros((t, height, width), bool)
    people = np.zeros((t, height, width), bool)
    boxes = np.zeros((t, height, width), bool)
    for i, inst in enumerate(per_frame):
        if len(inst) == 0:
            continue
        union[i] = inst.masks.any(axis=0)
        is_person = inst.labels == PERSON
        if is_person.any():
            people[i] = inst.masks[is_person].any(axis=0)
        # Mask R-CNN pastes masks in a slightly enlarged box; the box mask covers them anyway
        boxes[i] = boxes_to_mask(inst.boxes, height, width) | union[i]
    return Segmentation(union, people, boxes, np.array([len(i) for i in per_frame], np.int64))


def mask_iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union of two ``bool (T, H, W)`` masks over the whole clip (1.0 when both
    are empty)."""
    inter = np.logical_and(pred, truth).sum()
    union = np.logical_or(pred, truth).sum()
    return 1.0 if union == 0 else float(inter / union)


def fit_mask_to_frames(mask: np.ndarray, num_frames: int, size: tuple[int, int]) -> np.ndarray:
    """A ground-truth mask ``(T_m, H_m, W_m)`` brought to decoded frames ``(num_frames, H, W)``:
    evenly spaced frames (the decoder's ``max_frames`` rule) and nearest-neighbour resizing."""
    if len(mask) != num_frames:
        mask = mask[np.round(np.linspace(0, len(mask) - 1, num_frames)).astype(np.int64)]
    height, width = size
    if mask.shape[1:] != (height, width):
        mask = np.stack([cv2.resize(m.astype(np.uint8), (width, height),
                                    interpolation=cv2.INTER_NEAREST) for m in mask])
    return mask.astype(bool)


def ground_truth_path(video: Mapping) -> str | None:
    """The ground-truth mask file of a manifest entry (synth4 puts it in ``extra``), or None."""
    extra = video.get("extra") or {}
    return extra.get("mask_path") or video.get("mask_path")


# ---------------------------------------------------------------------------------- backends
class OracleSegmenter:
    """Ground-truth masks of a synthetic dataset (one person instance per frame)."""

    name = "oracle"
    verified = True

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]:
        path = ground_truth_path(video)
        if path is None:
            raise ValueError(
                f"video {video.get('id')!r} has no ground-truth mask: l2a.segmenter 'oracle' "
                "works only for synthetic datasets (choose motion, mediapipe or torchvision)")
        truth = fit_mask_to_frames(np.load(path, allow_pickle=False), len(frames),
                                   frames.shape[1:3])
        return self.from_truth(truth)

    @staticmethod
    def from_truth(truth: np.ndarray) -> list[FrameInstances]:
        """Ground-truth masks ``bool (T, H, W)`` (fitted to the frames) as one person a frame."""
        out = []
        for m in truth:
            inst = components(m, 1, PERSON)
            if len(inst):  # the figure is one person even when anti-aliasing splits it
                box = np.concatenate([inst.boxes[:, :2].min(0), inst.boxes[:, 2:].max(0)])
                inst = FrameInstances(m[None], box[None], np.array([PERSON]),
                                      np.ones(1, np.float32))
            out.append(inst)
        return out


class MotionSegmenter:
    """Moving pixels: ``|frame − background| > threshold`` (max over RGB), opened then closed with
    a ``kernel``-pixel ellipse, components under ``min_area`` pixels dropped.

    ``method="median"``: the background is the per-pixel temporal median of the clip (robust while
    any pixel is uncovered more than half the time). ``method="mog2"``: OpenCV's Gaussian-mixture
    subtractor, run once over the clip to learn and once more to label (no learning).
    ``stabilize``: frames are first aligned by their measured integer camera shift
    (:func:`videoaug.methods.l2a.inpaint.estimate_shifts`), so camera jitter does not light up every
    edge of the scene (on synth4 the horizon line otherwise becomes "foreground").
    """

    name = "motion"
    verified = False

    def __init__(self, method: str = "median", threshold: float = 30.0, kernel: int = 3,
                 min_area: int = 20, stabilize: bool = True):
        if method not in ("median", "mog2"):
            raise ValueError(f"l2a.motion.method {method!r}: choose median or mog2")
        self.method, self.threshold, self.min_area = method, float(threshold), int(min_area)
        self.stabilize = bool(stabilize)
        self.kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kernel, kernel))

    def foreground(self, frames: np.ndarray) -> np.ndarray:
        """``bool (T, H, W)`` moving pixels before splitting into components."""
        if not self.stabilize or len(frames) < 2:
            return self._foreground(frames)
        from videoaug.methods.l2a.inpaint import estimate_shifts, translate

        # the unaligned moving pixels (dilated) are left out of the registration: a textureless
        # scene must not follow the actor
        rough = self._foreground(frames)
        hole = np.stack([cv2.dilate(m.astype(np.uint8), self.kernel, iterations=2) > 0
                         for m in rough])
        steps = np.rint(estimate_shifts(frames, hole)).astype(int)
        aligned = np.stack([translate(f, -dy, -dx) for f, (dy, dx) in zip(frames, steps,
                                                                          strict=True)])
        ones = np.ones(frames.shape[1:3], np.uint8)
        # only the view every aligned frame shares is judged: elsewhere the median would mix in
        # the fill of frames that do not see the pixel
        common = np.logical_and.reduce([translate(ones, -dy, -dx) > 0 for dy, dx in steps])
        moving = self._foreground(aligned) & common
        return np.stack([translate(m.astype(np.uint8), dy, dx) > 0
                         for m, (dy, dx) in zip(moving, steps, strict=True)])

    def _foreground(self, frames: np.ndarray) -> np.ndarray:
        if self.method == "median":
            raw = self.differs(frames, self.median_background(frames))
        else:
            sub = self.mog2(len(frames))
            for f in frames:
                sub.apply(f)
            raw = np.stack([sub.apply(f, learningRate=0) > 0 for f in frames])
        return self.clean(raw)

    def mog2(self, history: int):
        """The MOG2 subtractor of ``method="mog2"`` for a clip of ``history`` frames."""
        sub = cv2.createBackgroundSubtractorMOG2(history=history,
                                                 varThreshold=self.threshold ** 2 / 4,
                                                 detectShadows=False)
        # a short clip gives a passing actor a few % of a pixel's history: only the dominant
        # mode may count as background (OpenCV's default 0.9 absorbs the actor; measured)
        sub.setBackgroundRatio(0.5)
        return sub

    # the pieces of the median method, also used on a streamed clip (methods/l2a/streaming.py)
    @staticmethod
    def median_background(frames: np.ndarray) -> np.ndarray:
        """Per-pixel temporal median ``int16 (H, W, 3)`` of ``frames``."""
        return np.median(frames, axis=0).astype(np.int16)

    def differs(self, frames: np.ndarray, background: np.ndarray) -> np.ndarray:
        """``bool (T, H, W)``: max over RGB of ``|frame − background|`` above the threshold."""
        return np.abs(frames.astype(np.int16) - background).max(axis=-1) > self.threshold

    def clean(self, raw: np.ndarray) -> np.ndarray:
        """Each frame's mask opened then closed with the kernel."""
        out = np.empty_like(raw, dtype=bool)
        for i, m in enumerate(raw.astype(np.uint8)):
            m = cv2.morphologyEx(m, cv2.MORPH_OPEN, self.kernel)
            out[i] = cv2.morphologyEx(m, cv2.MORPH_CLOSE, self.kernel) > 0
        return out

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]:
        return [components(m, self.min_area, 0) for m in self.foreground(frames)]


def coco_categories() -> list[str]:
    """COCO category names indexed by Mask R-CNN label id (torchvision's table; no download)."""
    from torchvision.models.detection import MaskRCNN_ResNet50_FPN_Weights

    return list(MaskRCNN_ResNet50_FPN_Weights.COCO_V1.meta["categories"])


def class_ids(classes: Sequence[str | int] | None) -> np.ndarray | None:
    """COCO names or ids → ids (None = keep all). Unknown names raise naming ``l2a.classes``."""
    if classes is None:
        return None
    names = coco_categories()
    ids = []
    for c in classes:
        if isinstance(c, int):
            ids.append(c)
        elif c in names:
            ids.append(names.index(c))
        else:
            raise ValueError(
                f"l2a.classes: {c!r} is not a COCO category (e.g. person, sports ball)")
    return np.array(ids, np.int64)


def build_maskrcnn(num_classes: int = 91, min_size: int = 240, max_size: int = 400,
                   score_threshold: float = 0.5, max_detections: int = 100,
                   proposals: int = 1000):
    """torchvision's ``maskrcnn_resnet50_fpn`` without weights (they are loaded separately).

    ``max_detections`` instances per frame, ``proposals`` RPN proposals kept after NMS at test
    time (torchvision's defaults: 100, 1000; fewer is faster on a CPU).
    """
    from torchvision.models.detection import maskrcnn_resnet50_fpn

    return maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=num_classes,
                                 min_size=min_size, max_size=max_size,
                                 box_score_thresh=score_threshold,
                                 box_detections_per_img=max_detections,
                                 rpn_pre_nms_top_n_test=proposals,
                                 rpn_post_nms_top_n_test=proposals)


class TorchvisionSegmenter:
    """Mask R-CNN R50-FPN from torchvision: instances above ``score_threshold`` whose class is in
    ``classes`` (None: all), masks at probability 0.5, frames in batches of ``batch_size``.

    ``weights``: ``"coco"`` (torchvision's COCO_V1 enum; downloads once) or a ``state_dict`` file
    (``torch.load(weights_only=True)``). ``threads`` sets torch's intra-op threads.
    """

    name = "torchvision"
    verified = True

    def __init__(self, weights: str | None, score_threshold: float = 0.5,
                 classes: Sequence[str | int] | None = None, min_size: int = 240,
                 max_size: int = 400, batch_size: int = 4, threads: int = 2,
                 device: str = "cpu", max_detections: int = 100, proposals: int = 1000):
        import torch

        if weights is None:
            raise ValueError(
                "l2a.torchvision.weights is null: give 'coco' (torchvision download, needs "
                "internet once) or the path of a Mask R-CNN state_dict file")
        torch.set_num_threads(int(threads))
        self.model = build_maskrcnn(91, min_size, max_size, score_threshold, max_detections,
                                    proposals)
        if weights == "coco":
            # the file through our own torch.load(weights_only=True) after checking torchvision's
            # published sha256 (its get_state_dict unpickles whatever sits in $TORCH_HOME)
            from torchvision.models.detection import MaskRCNN_ResNet50_FPN_Weights

            from videoaug.models.weights import fetch_torchvision_weights, read_state_dict

            state = read_state_dict(
                fetch_torchvision_weights(MaskRCNN_ResNet50_FPN_Weights.COCO_V1))
        else:
            path = Path(weights)
            if not path.is_file():
                raise FileNotFoundError(
                    f"l2a.torchvision.weights: {path} does not exist (give a Mask R-CNN "
                    "state_dict file or 'coco')")
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as err:
                raise ValueError(
                    f"l2a.torchvision.weights: {path} is not a readable state_dict ({err})"
                ) from None
        self.model.load_state_dict(state)
        self.model.eval().to(device)
        self.device, self.batch_size = device, int(batch_size)
        self.score_threshold = float(score_threshold)
        self.class_ids = class_ids(classes)

    def raw(self, frames: np.ndarray) -> list[dict]:
        """The library's outputs per frame (the bare call the overhead benchmark compares to)."""
        import torch

        outputs = []
        with torch.inference_mode():
            for start in range(0, len(frames), self.batch_size):
                batch = torch.from_numpy(frames[start:start + self.batch_size]).to(self.device)
                images = list(batch.permute(0, 3, 1, 2).float().div_(255))
                outputs.extend(self.model(images))
        return outputs

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]:
        outs = [((o["masks"][:, 0] > 0.5).cpu().numpy(), o["boxes"].cpu().numpy(),
                 o["labels"].cpu().numpy(), o["scores"].cpu().numpy()) for o in self.raw(frames)]
        return _frames_to_instances(outs, self.score_threshold, self.class_ids,
                                    lambda c: c.astype(np.int64))


def _frames_to_instances(outputs, score_threshold: float, keep: np.ndarray | None,
                         labels_of) -> list[FrameInstances]:
    """Library outputs ``[(masks, boxes, labels, scores)]`` → filtered :class:`FrameInstances`."""
    out = []
    for masks, boxes, labels, scores in outputs:
        inst = FrameInstances(masks, boxes.astype(np.float32), labels_of(labels),
                              scores.astype(np.float32))
        selected = inst.scores >= score_threshold
        if keep is not None:
            selected &= np.isin(inst.labels, keep)
        out.append(inst.keep(selected))
    return out


class Detectron2Segmenter:
    """Mask R-CNN R50-FPN 3x from detectron2's model zoo (the paper's segmenter).

    ``weights``: ``"model_zoo"`` (COCO weights from detectron2's URL; needs internet once; they
    are published as a pickle, which detectron2's checkpointer unpickles: an explicit opt-in,
    from detectron2's own server only) or a local ``state_dict`` file (``.pth``/``.pt``, read by
    detectron2's ``DetectionCheckpointer``, i.e. ``torch.load`` with torch 2.14's default
    ``weights_only=True``; pickled ``.pkl`` checkpoints are refused). Labels are COCO category
    ids (person = 1), as for torchvision.
    """

    name = "detectron2"
    verified = True

    def __init__(self, weights: str | None, score_threshold: float = 0.5,
                 classes: Sequence[str | int] | None = None, min_size: int = 240,
                 max_size: int = 400, batch_size: int = 4, threads: int = 2,
                 device: str = "cpu", max_detections: int = 100, proposals: int = 1000,
                 config: str = DETECTRON2_CONFIG):
        import torch

        try:
            from detectron2 import model_zoo
            from detectron2.checkpoint import DetectionCheckpointer
            from detectron2.config import get_cfg
            from detectron2.modeling import build_model
        except ImportError as err:
            raise ModuleNotFoundError(f"{DETECTRON2_INSTALL} ({err})") from None
        if weights is None:
            raise ValueError(
                "l2a.detectron2.weights is null: give 'model_zoo' (detectron2's COCO weights, "
                "needs internet once) or the path of a Mask R-CNN state_dict file")
        if weights != "model_zoo":
            path = Path(weights)
            if not path.is_file():
                raise FileNotFoundError(
                    f"l2a.detectron2.weights: {path} does not exist (give a state_dict file or "
                    "'model_zoo')")
            if path.suffix == ".pkl":
                raise ValueError(f"l2a.detectron2.weights: {path} is a pickle; convert it to a "
                                 "state_dict (.pth) first: pickles are not loaded")
        torch.set_num_threads(int(threads))
        cfg = get_cfg()
        cfg.merge_from_file(model_zoo.get_config_file(config))
        cfg.MODEL.DEVICE = device
        cfg.MODEL.WEIGHTS = ""
        cfg.INPUT.MIN_SIZE_TEST, cfg.INPUT.MAX_SIZE_TEST = int(min_size), int(max_size)
        cfg.MODEL.ROI_HEADS.SCORE_THRESH_TEST = float(score_threshold)
        cfg.TEST.DETECTIONS_PER_IMAGE = int(max_detections)
        cfg.MODEL.RPN.PRE_NMS_TOPK_TEST = cfg.MODEL.RPN.POST_NMS_TOPK_TEST = int(proposals)
        self.cfg = cfg
        self.model = build_model(cfg).eval()
        source = model_zoo.get_checkpoint_url(config) if weights == "model_zoo" else str(weights)
        try:
            DetectionCheckpointer(self.model).load(source)
        except Exception as err:  # unpickling, shape or key errors: one message naming the file
            raise ValueError(f"l2a.detectron2.weights: {source} could not be loaded "
                             f"({type(err).__name__}: {str(err)[:200]})") from None
        self.batch_size, self.score_threshold = int(batch_size), float(score_threshold)
        self.class_ids = class_ids(classes)
        import detectron2.data.datasets  # noqa: F401  (registers COCO's metadata)
        from detectron2.data import MetadataCatalog

        names = coco_categories()
        thing = MetadataCatalog.get("coco_2017_val").thing_classes
        self._coco_ids = np.array([names.index(n) for n in thing], np.int64)

    def raw(self, frames: np.ndarray) -> list[dict]:
        """detectron2's outputs per frame (BGR float inputs, the model's own resizing)."""
        import torch

        outputs = []
        height, width = frames.shape[1:3]
        with torch.inference_mode():
            for start in range(0, len(frames), self.batch_size):
                batch = frames[start:start + self.batch_size, :, :, ::-1]  # RGB -> BGR
                inputs = [{"image": torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1)
                           .float(), "height": height, "width": width} for f in batch]
                outputs.extend(self.model(inputs))
        return outputs

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]:
        outs = []
        for o in self.raw(frames):
            inst = o["instances"].to("cpu")
            outs.append((inst.pred_masks.numpy().astype(bool), inst.pred_boxes.tensor.numpy(),
                         inst.pred_classes.numpy(), inst.scores.numpy()))
        return _frames_to_instances(outs, self.score_threshold, self.class_ids,
                                    lambda c: self._coco_ids[c.astype(np.int64)])


class UnionSegmenter:
    """Every instance of several backends (``pose_crop+motion``: people and moving objects), the
    unverified backends' static, unsupported instances dropped when ``static`` is a
    :class:`videoaug.methods.l2a.mask_checks.StaticRule` (None: all kept). ``dropped`` counts
    the instances dropped by the last :meth:`segment` call."""

    def __init__(self, parts: Sequence[Segmenter], static=None):
        self.parts = list(parts)
        self.name = "+".join(p.name for p in self.parts)
        self.verified = all(p.verified for p in self.parts)
        self.static = static
        self.dropped = 0

    def segment(self, frames: np.ndarray, video: Mapping) -> list[FrameInstances]:
        height, width = frames.shape[1:3]
        verified = [_merge(per_frame) for per_frame in zip(
            *[p.segment(frames, video) for p in self.parts if p.verified], strict=True)]
        unverified = [_merge(per_frame) for per_frame in zip(
            *[p.segment(frames, video) for p in self.parts if not p.verified], strict=True)]
        self.dropped = 0
        if unverified and self.static is not None:
            from videoaug.methods.l2a.mask_checks import drop_static

            unverified, self.dropped = drop_static(unverified, verified, self.static, height,
                                                   width)
        if not verified:
            return unverified
        if not unverified:
            return verified
        return [_merge(pair) for pair in zip(verified, unverified, strict=True)]


def _merge(per_frame: Sequence[FrameInstances]) -> FrameInstances:
    """One frame's instances of several backends, concatenated."""
    return FrameInstances(np.concatenate([i.masks for i in per_frame]),
                          np.concatenate([i.boxes for i in per_frame]),
                          np.concatenate([i.labels for i in per_frame]),
                          np.concatenate([i.scores for i in per_frame]))


def build_segmenter(spec: str, options: Mapping) -> Segmenter:
    """A backend from ``l2a.segmenter`` (``name`` or ``a+b+...``) and the ``l2a`` options.

    ``options`` holds the ``l2a`` section's keys: ``score_threshold``, ``classes``, ``threads``,
    ``device``, ``static`` (:class:`~videoaug.methods.l2a.mask_checks.StaticRule` fields, or
    ``{"drop": false}``) and one sub-mapping per backend (``torchvision``, ``detectron2``,
    ``mediapipe``, ``pose``, ``pose_crop``, ``motion``). A spec with an unverified backend is
    wrapped in a :class:`UnionSegmenter` that drops its static, unsupported instances.
    """
    names = [n.strip() for n in spec.split("+")]
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        raise ValueError(f"l2a.segmenter {spec!r}: backends are {BACKENDS}, joined with '+'")
    parts: list[Segmenter] = []
    for name in names:
        if name == "oracle":
            parts.append(OracleSegmenter())
        elif name == "motion":
            parts.append(MotionSegmenter(**options.get("motion", {})))
        elif name in ("mediapipe", "pose", "pose_crop"):
            from videoaug.methods.l2a import people

            opts = dict(options.get(name, {}))
            if name == "pose_crop":  # its moving-component proposals
                opts["motion"] = MotionSegmenter(**options.get("motion", {}))
            cls = {"mediapipe": people.SelfieSegmenter, "pose": people.PoseSegmenter,
                   "pose_crop": people.PoseCropSegmenter}[name]
            parts.append(cls(**opts))
        else:
            from videoaug.train.device import resolve_device

            cls = TorchvisionSegmenter if name == "torchvision" else Detectron2Segmenter
            opts = dict(options.get(name, {}))
            device = str(resolve_device(options.get("device", "cpu")))
            parts.append(cls(
                opts.pop("weights", None), score_threshold=options.get("score_threshold", 0.5),
                classes=options.get("classes"), threads=options.get("threads", 2),
                device=device, **opts))
    static = dict(options.get("static", {}))
    if static.pop("drop", True) and not all(p.verified for p in parts):
        from videoaug.methods.l2a.mask_checks import StaticRule

        return UnionSegmenter(parts, StaticRule(**static))
    return parts[0] if len(parts) == 1 else UnionSegmenter(parts)
