"""Multi-view evaluation: average the softmax over each video's views, then score.

A views dataset yields ``(views (V, …), label, video_id)`` (see :mod:`videoaug.train.datasets`):
10 evenly spaced clips of a video, the K sparse dynamic images of a video, or one whole-video
dynamic image (``V = 1``). A video's score is ``mean_v softmax(model(view_v))`` (the usual
multi-clip testing, and TSN's test-time averaging). ``V`` may differ between videos.

Metrics are fractions in ``[0, 1]``; ``per_class`` holds ``None`` for a class without test
videos (JSON has no NaN).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import Dataset

from videoaug import meter
from videoaug.train.metrics import confusion_matrix, per_class_accuracy, topk_accuracy
from videoaug.train.trainer import Callback, Trainer, evaluation_mode, make_loader, model_device
from videoaug.train.transforms import DEFAULT_INPUTS, InputSpec


def collate_views(
    items: Sequence[tuple[Tensor, int, str]],
) -> tuple[Tensor, Tensor, Tensor, list[str]]:
    """Flatten the views of a batch of videos.

    Returns ``views (sum V_i, …)``, ``owner (sum V_i,)`` (the video of each view, 0..B-1),
    ``labels (B,)`` and the ``B`` video ids.
    """
    views = torch.cat([item[0] for item in items])
    owner = torch.cat(
        [torch.full((len(item[0]),), i, dtype=torch.long) for i, item in enumerate(items)])
    labels = torch.tensor([int(item[1]) for item in items], dtype=torch.long)
    return views, owner, labels, [str(item[2]) for item in items]


def view_probs(model: nn.Module, views_dataset: Dataset, batch_size: int = 8, *,
               device: torch.device | str | None = None, inputs: InputSpec = DEFAULT_INPUTS,
               num_workers: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per-video softmax averaged over views: ``probs (N, C)`` float64, ``labels (N,)``, ids.

    ``batch_size`` counts videos. Use the probabilities for late fusion of two streams.
    """
    device = model_device(model) if device is None else torch.device(device)
    loader = make_loader(views_dataset, batch_size, shuffle=False, num_workers=num_workers,
                         generator=None, device=device, collate_fn=collate_views)
    all_probs, all_labels, all_ids = [], [], []
    with evaluation_mode(model):
        for views, owner, labels, video_ids in meter.counted(
                loader, "test", "video", size=lambda batch: len(batch[2])):
            probs = torch.softmax(model(inputs.prepare(views, device)).double(), dim=1).cpu()
            sums = torch.zeros(len(labels), probs.shape[1], dtype=torch.float64)
            sums.index_add_(0, owner, probs)
            counts = torch.bincount(owner, minlength=len(labels)).to(torch.float64)
            all_probs.append(sums / counts[:, None])
            all_labels.append(labels)
            all_ids.extend(video_ids)
    if not all_probs:
        raise ValueError("evaluate got an empty views dataset")
    return torch.cat(all_probs).numpy(), torch.cat(all_labels).numpy(), all_ids


def metrics_from_probs(probs: np.ndarray, labels: np.ndarray, num_classes: int) -> dict[str, Any]:
    """``top1``, ``top5`` (top-min(5, C)), ``per_class`` recall, ``confusion`` (rows: truth), ``n``.
    """
    if probs.shape[1] != num_classes:
        raise ValueError(f"probs have {probs.shape[1]} classes, expected {num_classes}")
    confusion = confusion_matrix(probs.argmax(axis=1), labels, num_classes)
    per_class = per_class_accuracy(confusion)
    return {
        "top1": topk_accuracy(probs, labels, 1),
        "top5": topk_accuracy(probs, labels, min(5, num_classes)),
        "per_class": [None if np.isnan(value) else float(value) for value in per_class],
        "confusion": confusion.tolist(),
        "n": int(len(labels)),
    }


def evaluate(model: nn.Module, views_dataset: Dataset, num_classes: int, batch_size: int = 8,
             device: torch.device | str | None = None, *, inputs: InputSpec = DEFAULT_INPUTS,
             num_workers: int = 0) -> dict[str, Any]:
    """Evaluate ``model`` on a views dataset: ``{top1, top5, per_class, confusion, n}``."""
    probs, labels, _ = view_probs(model, views_dataset, batch_size, device=device, inputs=inputs,
                                  num_workers=num_workers)
    return metrics_from_probs(probs, labels, num_classes)


class EvaluateEvery(Callback):
    """Adds ``{prefix}top1`` and ``{prefix}top5`` to the history every ``every`` epochs (and at
    the last epoch of the run when ``last_epoch`` is given)."""

    def __init__(self, views_dataset: Dataset, every: int = 1, batch_size: int = 8,
                 prefix: str = "val_", last_epoch: int | None = None) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.views_dataset, self.every, self.batch_size = views_dataset, every, batch_size
        self.prefix, self.last_epoch = prefix, last_epoch

    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, Any]) -> None:
        if (epoch + 1) % self.every and epoch != self.last_epoch:
            return
        scores = evaluate(trainer.model, self.views_dataset, trainer.num_classes, self.batch_size,
                          trainer.device, inputs=trainer.inputs,
                          num_workers=trainer.config.num_workers)
        record[f"{self.prefix}top1"] = scores["top1"]
        record[f"{self.prefix}top5"] = scores["top5"]


def save_scores(
    path: str | Path, probs: np.ndarray, labels: np.ndarray, video_ids: list[str]
) -> None:
    """Per-video test scores for late fusion (``.npz``, no pickled objects)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(
        tmp,
        probs=probs.astype(np.float64),
        labels=labels.astype(np.int64),
        video_ids=np.asarray(video_ids, dtype=str),
    )
    tmp.replace(path)


def load_scores(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    with np.load(path, allow_pickle=False) as data:
        return data["probs"], data["labels"], [str(v) for v in data["video_ids"]]


def test_and_save_scores(
    trainer: Trainer, test: Dataset, eval_batch_size: int, scores_out: str | Path
) -> dict:
    """Metrics of the trained model on the test views; their softmax goes to ``scores_out``
    (the input of late fusion)."""
    probs, labels, video_ids = view_probs(
        trainer.model, test, eval_batch_size, device=trainer.device, inputs=trainer.inputs
    )
    save_scores(scores_out, probs, labels, video_ids)
    return metrics_from_probs(probs, labels, trainer.num_classes)
