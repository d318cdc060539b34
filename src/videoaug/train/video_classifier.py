"""The one video-classifier recipe: a video network (SlowFast or a video ResNet) trained on clips of
decoded frames with the shared trainer, then tested on evenly spaced clips per video (Kim et al.
2020, Sec. 4.1). TDA trains it under each augmentation policy; Learn2Augment trains it on real
clips plus composites, and its semi-supervised and few-shot settings start from it.

* training item: ``clip_len`` frames every ``stride`` frames from a random start; video scale
  jitter (short side uniform in ``[s_min, s_max]``), a random ``crop x crop`` box, flip;
* batch: ``clips (B, 3, T, H, W)`` in ``[0, 1]`` and one-hot labels ``(B, C)`` -> an optional
  batch transform (a policy) -> soft-label cross-entropy;
* test: ``num_test_clips`` evenly spaced clips per video, short side resized to
  ``test_short_side`` (``None``: ``s_min``), centred crop; the softmax is averaged over the clips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from videoaug.augment.policy import Policy
from videoaug.models.factory import build_model, model_input_kind
from videoaug.seeding import derive_seed
from videoaug.train.datasets import ClipSamples
from videoaug.train.evaluate import metrics_from_probs, save_scores, view_probs
from videoaug.train.trainer import TrainConfig, Trainer
from videoaug.train.transforms import (
    FrameTransform,
    InputSpec,
    eval_transform,
    video_train_transform,
)

CLIP_INPUTS = InputSpec(kind="clip")


@dataclass(frozen=True)
class VideoClassifierParams:
    """What shapes one video classifier of the shared recipe (the rule's params, see
    ``stages.params.video_classifier_params``): TDA runs, L2A's classifiers and its settings.

    ``short_side``: ``(s_min, s_max)`` of the training scale jitter; ``test_short_side``: short
    side of the test frames (``None``: ``s_min``); ``model_options``: SlowFast fields
    (``base_width``, ``alpha``, ``beta``, ``depths``); ``train``: :class:`TrainConfig` fields.
    """

    policy: str = "none"
    backbone: str = "slowfast_tiny"
    model_options: dict = field(default_factory=dict)
    pretrained: str | None = None
    dropout: float = 0.5
    clip_len: int = 16
    stride: int = 2
    crop: int = 64
    short_side: tuple[int, int] = (64, 80)
    test_short_side: int | None = None
    flip: bool = True
    num_test_clips: int = 10
    eval_batch_size: int = 4
    train: dict = field(default_factory=dict)
    seed: int = 0
    dataset: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "short_side", tuple(int(s) for s in self.short_side))
        if model_input_kind(self.backbone) != "clip":
            raise ValueError(f"backbone {self.backbone!r} is not a video (clip) model")
        s_min, s_max = self.short_side
        if not 1 <= s_min <= s_max:
            raise ValueError(f"short_side must be [s_min, s_max] with s_min <= s_max, got "
                             f"{list(self.short_side)}")
        if self.crop > s_min:
            raise ValueError(f"crop {self.crop} is larger than the smallest short side {s_min}")
        if min(self.clip_len, self.stride, self.num_test_clips, self.eval_batch_size) < 1:
            raise ValueError("clip_len, stride, num_test_clips and eval_batch_size must be >= 1")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> VideoClassifierParams:
        return cls(**values)

    @property
    def test_side(self) -> int:
        return self.short_side[0] if self.test_short_side is None else int(self.test_short_side)

    def train_transform(self) -> FrameTransform:
        return video_train_transform(self.crop, self.short_side, flip=self.flip)

    def test_transform(self) -> FrameTransform:
        return eval_transform((self.crop, self.crop), short_side=self.test_side)


def training_clips(frames_paths: Sequence[str | Path], manifest: dict,
                   params: VideoClassifierParams,
                   seed: int) -> ClipSamples:
    """Training clips ``(3, T, H, W)`` uint8; raises ``ValueError`` naming empty classes."""
    clips = ClipSamples(frames_paths, params.clip_len, params.stride, params.train_transform(),
                        train=True, split="train", manifest=manifest, seed=seed)
    classes = manifest["classes"]
    empty = [name for i, name in enumerate(classes) if not (clips.labels == i).any()]
    if empty:
        raise ValueError(
            f"classes {empty} have no training videos in {[str(p) for p in frames_paths]}; "
            "an empty class cannot be learned: fix the split or drop the class")
    return clips


def evaluation_views(frames_paths: Sequence[str | Path], manifest: dict,
                     params: VideoClassifierParams,
               seed: int) -> ClipSamples:
    """Test items ``(views (num_test_clips, 3, T, H, W), label, video_id)``."""
    views = ClipSamples(frames_paths, params.clip_len, params.stride, params.test_transform(),
                        train=False, num_test_clips=params.num_test_clips, split="test",
                        manifest=manifest, seed=seed)
    if len(views) == 0:
        raise ValueError(f"no test videos in {[str(p) for p in frames_paths]}")
    return views


def build_classifier(params: VideoClassifierParams, num_classes: int, seed: int) -> torch.nn.Module:
    """The video network, initialised from ``seed`` (the global torch RNG is left alone)."""
    return build_model(params.backbone, num_classes, dropout=params.dropout,
                       pretrained=params.pretrained, seed=derive_seed(seed, "init"),
                       **params.model_options)


def fit_and_test(train: Dataset, frames: Sequence[str | Path], manifest: dict,
                 cparams: VideoClassifierParams, seed: int, batch_transform: Policy | None = None,
                 scores_out: str | Path | None = None,
                 ) -> tuple[Trainer, list[dict], dict[str, Any], ClipSamples]:
    """Train a fresh classifier (initialised and shuffled from ``seed``) on ``train`` with the
    shared trainer, then test it on the manifest's test split (``num_test_clips`` views per
    video, softmax averaged). Returns ``(trainer, history, metrics, test views)``; ``metrics``
    has ``per_class`` keyed by class name. ``batch_transform``: e.g. a CutMix policy.
    ``scores_out``: the per-video softmax also goes to this ``.npz`` (:func:`save_scores`: the
    input of paired comparisons and the diagnostic splits' metrics)."""
    classes = list(manifest["classes"])
    test = evaluation_views(frames, manifest, cparams, derive_seed(seed, "test"))
    model = build_classifier(cparams, len(classes), seed)
    config = TrainConfig.from_dict({**cparams.train, "seed": seed})
    trainer = Trainer(model, config, len(classes), batch_transform=batch_transform,
                      inputs=CLIP_INPUTS)
    history = trainer.fit(train)
    probs, labels, video_ids = view_probs(trainer.model, test, cparams.eval_batch_size,
                                          device=trainer.device, inputs=trainer.inputs,
                                          num_workers=config.num_workers)
    if scores_out is not None:
        save_scores(scores_out, probs, labels, video_ids)
    metrics = metrics_from_probs(probs, labels, len(classes))
    metrics["per_class"] = dict(zip(classes, metrics["per_class"], strict=True))
    return trainer, history, metrics, test
