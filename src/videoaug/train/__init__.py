"""videoaug.train: the one trainer every method uses, its datasets, transforms and metrics.

* :mod:`~videoaug.train.trainer` — :class:`TrainConfig`, :class:`Trainer`, :func:`predict`;
* :mod:`~videoaug.train.datasets` — image stores, TSN segments, clips, multi-view test items;
* :mod:`~videoaug.train.transforms` — TSN corner/scale crops, flips, video scale jitter,
  :class:`InputSpec` (uint8 batch -> normalised model input);
* :mod:`~videoaug.train.evaluate` — multi-view evaluation; :mod:`~videoaug.train.metrics` —
  top-k, confusion, per-class accuracy (fractions in [0, 1]);
* :mod:`~videoaug.train.schedules` — learning-rate schedules; :mod:`~videoaug.train.device`.
"""

from videoaug.train.datasets import (
    ClipSamples,
    ConcatSamples,
    ImageSamples,
    ImageViews,
    SegmentFrames,
)
from videoaug.train.device import resolve_device
from videoaug.train.evaluate import EvaluateEvery, evaluate, metrics_from_probs, view_probs
from videoaug.train.metrics import (
    confusion_matrix,
    per_class_accuracy,
    per_item_loss,
    topk_accuracy,
)
from videoaug.train.schedules import LRSchedule, lr_at
from videoaug.train.trainer import Callback, TrainConfig, Trainer, predict
from videoaug.train.transforms import (
    FrameTransform,
    InputSpec,
    eval_transform,
    tsn_train_transform,
    video_train_transform,
)

__all__ = [
    "Callback", "ClipSamples", "ConcatSamples", "EvaluateEvery", "FrameTransform", "ImageSamples",
    "ImageViews", "InputSpec", "LRSchedule", "SegmentFrames", "TrainConfig", "Trainer",
    "confusion_matrix", "eval_transform", "evaluate", "lr_at", "metrics_from_probs",
    "per_class_accuracy", "per_item_loss", "predict", "resolve_device", "topk_accuracy",
    "tsn_train_transform", "video_train_transform", "view_probs",
]
