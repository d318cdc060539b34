"""Classification metrics on NumPy arrays (pure functions).

Every accuracy is a **fraction in [0, 1]** (not a percent); result JSONs store fractions and
reports multiply by 100 when they print percents.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _check_probs_labels(probs: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(probs, dtype=np.float64)
    targets = np.asarray(labels, dtype=np.int64)
    if scores.ndim != 2:
        raise ValueError(f"probs must have shape (N, C), got {scores.shape}")
    if targets.shape != (scores.shape[0],):
        raise ValueError(f"labels must have shape ({scores.shape[0]},), got {targets.shape}")
    if len(targets) and (targets.min() < 0 or targets.max() >= scores.shape[1]):
        raise ValueError(
            f"labels must lie in [0, {scores.shape[1]}), got {targets.min()}..{targets.max()}")
    return scores, targets


def topk_accuracy(probs: ArrayLike, labels: ArrayLike, k: int) -> float:
    """Fraction of rows whose true label is among the ``k`` highest scores.

    ``probs (N, C)`` scores (any monotone scale), ``labels (N,)`` int. ``k`` is capped at ``C``
    (so top-5 of a 4-class problem is 1.0). Ties count in the label's favour only if the label
    is among the first ``k`` of a stable descending sort (lower class index first). ``N = 0``
    gives ``nan``.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    scores, targets = _check_probs_labels(probs, labels)
    if len(targets) == 0:
        return float("nan")
    k = min(k, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float((order == targets[:, None]).any(axis=1).mean())


def confusion_matrix(pred: ArrayLike, labels: ArrayLike, num_classes: int) -> np.ndarray:
    """``(C, C)`` int64 counts; row = true class, column = predicted class."""
    predicted = np.asarray(pred, dtype=np.int64)
    targets = np.asarray(labels, dtype=np.int64)
    if predicted.shape != targets.shape or predicted.ndim != 1:
        raise ValueError(
            f"pred and labels must be (N,) of equal length, got {predicted.shape}, {targets.shape}")
    for name, values in (("pred", predicted), ("labels", targets)):
        if len(values) and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} must lie in [0, {num_classes})")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (targets, predicted), 1)
    return counts


def per_class_accuracy(confusion: ArrayLike) -> np.ndarray:
    """Recall per class ``(C,)``: diagonal / row sum; ``nan`` for a class with no test items."""
    counts = np.asarray(confusion, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"confusion must be square (C, C), got {counts.shape}")
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(counts) / totals, np.nan)


def per_item_loss(probs: ArrayLike, labels: ArrayLike, eps: float = 1e-12) -> np.ndarray:
    """Cross-entropy of each row w.r.t. its label: ``-log p[i, labels[i]]`` ``(N,)``.

    Used by TSP selection (smallest loss first); ``eps`` keeps a zero probability finite.
    """
    scores, targets = _check_probs_labels(probs, labels)
    picked = scores[np.arange(len(targets)), targets]
    return -np.log(np.clip(picked, eps, None))
