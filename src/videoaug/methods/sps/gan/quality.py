"""How good is a pool of generated dynamic images? Class consistency, Fréchet distance, diversity.

SPS (Zhang et al., ACM MM 2020) adds generated dynamic images to a few-sample training set; a
pool only helps if its images look like the class's real dynamic images. No ImageNet weights
exist on the build machines, so the feature space is a small CNN (:class:`QualityNet`) trained
on the real training SSDI of the dataset (minus a seeded validation part of the training videos,
the *held-out* reference). Its ``feature_dim``-wide linear embedding (before the classifier
layer) is the feature space; its softmax is the classifier. For each class ``c`` and a set of
images ``X`` labelled ``c``:

* **class consistency** ``= mean_i [argmax_k p(k | x_i) = c]``: the share of images the classifier
  assigns to the generating class (chance = ``1/C`` when the images carry no class evidence);
* **Fréchet distance** to the class's training DIs ``R`` in feature space (Heusel et al. 2017,
  the FID formula on our features):
  ``FD(X, R) = ||mu_X - mu_R||^2 + tr(S_X + S_R - 2 (S_X^{1/2} S_R S_X^{1/2})^{1/2})``.
  The estimate grows as the sample shrinks, so a set larger than the held-out reference is cut
  into disjoint chunks of the reference's size and the chunk distances averaged
  (:func:`matched_frechet`): generated and real-vs-real numbers then share one sample size;
* **diversity** ``= mean_{i<j} ||f_i - f_j||_2`` in feature space (mode collapse drives it to 0).

The same three numbers for the held-out real DIs of the class are the reference a good generator
approaches: noise scores chance consistency and a large distance, copies of the training images
a distance below real-vs-real.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

# The goal for a usable pool (Zhang et al. need images the classifier finds typical):
# consistency >= 0.8 and within 0.10 of the real held-out DIs', Fréchet distance within 2x the
# real-vs-real one, diversity at least half the real DIs'.
GOAL = {"min_consistency": 0.8, "max_consistency_gap": 0.10, "max_frechet_ratio": 2.0,
        "min_diversity_ratio": 0.5}


class QualityNet(nn.Module):
    """Small CNN classifier ``(N, 3, S, S) -> logits (N, C)`` whose embedding is the feature space.

    Three Conv3x3-BN-ReLU-MaxPool blocks of widths ``w, 2w, 4w``, global average pooling, a linear
    embedding to ``feature_dim`` (:meth:`embed`, no activation) and a linear classifier on it.
    """

    def __init__(self, num_classes: int, width: int = 16, feature_dim: int = 16,
                 dropout: float = 0.2) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for out in (width, 2 * width, 4 * width):
            layers += [nn.Conv2d(channels, out, 3, padding=1, bias=False), nn.BatchNorm2d(out),
                       nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            channels = out
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.embedding = nn.Linear(channels, feature_dim)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, num_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 3, S, S) -> (N, feature_dim)`` features."""
        return self.embedding(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def class_consistency(probs: np.ndarray, label: int) -> float:
    """Share of rows of ``probs (N, C)`` whose arg-max is ``label``."""
    probs = np.asarray(probs)
    if probs.ndim != 2 or len(probs) == 0:
        raise ValueError(f"probs must be a non-empty (N, C) array, got shape {probs.shape}")
    return float((probs.argmax(axis=1) == label).mean())


def _moments(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"need at least 2 feature rows (N, D), got shape {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(
        features.shape[1], features.shape[1])


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to ``features_a (N, D)`` and ``features_b (M, D)``.

    ``||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^{1/2} S_b S_a^{1/2})^{1/2})``; the last
    trace equals ``tr((S_a S_b)^{1/2})`` and is computed from the eigenvalues of the symmetric
    PSD product, so rank-deficient covariances (N < D) are fine.
    """
    mu_a, cov_a = _moments(features_a)
    mu_b, cov_b = _moments(features_b)
    root_a = _psd_sqrt(cov_a)
    middle = root_a @ cov_b @ root_a
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    value = float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)
    return max(value, 0.0)


def matched_frechet(features: np.ndarray, reference: np.ndarray, sample_size: int) -> float:
    """Mean :func:`frechet_distance` of disjoint ``sample_size``-row chunks of ``features`` to
    ``reference`` (rows left over are dropped; fewer rows than ``sample_size`` form one chunk)."""
    features = np.asarray(features)
    size = max(2, min(int(sample_size), len(features)))
    chunks = [features[start:start + size] for start in range(0, len(features) - size + 1, size)]
    return float(np.mean([frechet_distance(chunk, reference) for chunk in chunks]))


def mean_pairwise_distance(features: np.ndarray) -> float:
    """``mean_{i<j} ||f_i - f_j||_2`` over the rows of ``features (N, D)`` (0 for N < 2)."""
    features = torch.as_tensor(np.asarray(features, dtype=np.float64))
    if len(features) < 2:
        return 0.0
    distances = torch.cdist(features, features)
    upper = torch.triu_indices(len(features), len(features), offset=1)
    return float(distances[upper[0], upper[1]].mean())


def image_set_quality(features: np.ndarray, probs: np.ndarray, label: int,
                      train_features: np.ndarray, sample_size: int) -> dict[str, float]:
    """Consistency, Fréchet distance to ``train_features`` (chunks of ``sample_size`` rows) and
    diversity of one set of images labelled ``label``; ``n`` = number of images."""
    return {
        "consistency": class_consistency(probs, label),
        "frechet": matched_frechet(features, train_features, sample_size),
        "diversity": mean_pairwise_distance(features),
        "n": len(features),
    }


def meets_goal(generated: dict[str, float], real: dict[str, float]) -> dict[str, Any]:
    """Which parts of :data:`GOAL` a generated set meets against the real held-out reference,
    and whether it meets all of them (``passes``)."""
    checks = {
        "consistency": generated["consistency"] >= GOAL["min_consistency"],
        "consistency_gap": real["consistency"] - generated["consistency"]
        <= GOAL["max_consistency_gap"] + 1e-9,
        "frechet": generated["frechet"] <= GOAL["max_frechet_ratio"] * real["frechet"],
        "diversity": generated["diversity"] >= GOAL["min_diversity_ratio"] * real["diversity"],
    }
    return {**checks, "passes": all(checks.values())}


def heldout_videos(video_ids: np.ndarray, labels: np.ndarray, fraction: float,
                   rng: np.random.Generator) -> set[str]:
    """A seeded validation part of the training videos: per class ``round(fraction * n)`` of its
    ``n`` videos (at least one, and at least one left for training when ``n >= 2``)."""
    if not 0 < fraction < 1:
        raise ValueError(f"heldout_fraction must lie in (0, 1), got {fraction}")
    chosen: set[str] = set()
    video_ids = np.asarray(video_ids).astype(str)
    labels = np.asarray(labels)
    for label in np.unique(labels):
        videos = np.unique(video_ids[labels == label])  # sorted: independent of store order
        if len(videos) < 2:
            raise ValueError(
                f"class {int(label)} has {len(videos)} training video(s); measuring pool quality "
                "needs at least 2 (one held out as the real reference)")
        count = min(max(1, round(fraction * len(videos))), len(videos) - 1)
        chosen.update(str(v) for v in rng.choice(videos, size=count, replace=False))
    return chosen
