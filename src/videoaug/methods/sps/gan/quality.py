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
* **diversity** ``= mean_{i<j} ||f_i - f_j||_2`` in feature space (mode collapse drives it to 0);
* **improved precision and recall** (Kynkäänniemi et al., "Improved Precision and Recall Metric
  for Assessing Generative Models", NeurIPS 2019) against the class's training DIs ``R``, in two
  spaces: plain pixels (images shrunk to a small ``pixel_size``) and the evaluator's embedding.
  Each point of a set carries a ball whose radius is the distance to its ``k``-th nearest
  neighbour within the set; ``precision`` is the share of generated images inside some ball of a
  real training image (are they realistic?), ``recall`` the share of real training images inside
  some ball of a generated image (does the pool cover the class?). Recall is what grey texture,
  blur and mode collapse cannot fake: their balls are small or far from the real images.

The same numbers for the held-out real DIs of the class are the reference a good generator
approaches (:func:`meets_goal`): consistency within 0.10 of the reference's, precision and recall
in both spaces at least half the reference's. Fréchet distance and diversity are reported beside
them but do not decide: a 16-d embedding trained on ~15 videos per class sorted grey texture by
its colour statistics, and such texture scored Fréchet and diversity ratios inside the old goal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

# The goal for a usable pool, relative to the real held-out DIs of the class (the reference):
# consistency at most 0.10 below the reference's; precision and recall, in pixel space and in the
# evaluator's embedding, at least half the reference's. Fréchet and diversity are information.
GOAL = {"max_consistency_gap": 0.10, "min_precision_ratio": 0.5, "min_recall_ratio": 0.5}
SPACES = ("pixel", "embedding")


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


def pairwise_distances(a: np.ndarray, b: np.ndarray, block_bytes: int = 32 << 20) -> np.ndarray:
    """Euclidean distances ``(N, M)`` between the rows of ``a (N, D)`` and ``b (M, D)``, from the
    differences themselves (float64, in row blocks of about ``block_bytes``), so equal rows are
    exactly 0 apart (the Gram-matrix shortcut leaves rounding residue)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"need (N, D) and (M, D) arrays, got {a.shape} and {b.shape}")
    rows = max(1, block_bytes // max(1, 8 * b.shape[0] * b.shape[1]))
    return np.concatenate(
        [np.sqrt(((a[i:i + rows, None, :] - b[None]) ** 2).sum(-1))
         for i in range(0, len(a), rows)]) if len(a) else np.zeros((0, len(b)))


def knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Per row of ``features (N, D)``: the distance to its ``k``-th nearest other row (the radius
    of its ball in Kynkäänniemi et al.'s k-NN manifold estimate); needs ``N > k``."""
    features = np.asarray(features, dtype=np.float64)
    if k < 1 or len(features) <= k:
        raise ValueError(f"k-NN radii with k={k} need more than {k} rows, got {len(features)}")
    distances = pairwise_distances(features, features)
    # Column 0 of each sorted row is the row itself (distance 0), so column k is the k-th other.
    return np.partition(distances, k, axis=1)[:, k]


def manifold_coverage(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Boolean ``(N,)``: whether each of ``points (N, D)`` lies in some ball ``||p - c_j|| <=
    r_j`` of ``centres (M, D)`` with ``radii (M,)``."""
    return (pairwise_distances(points, centres) <= np.asarray(radii)[None, :]).any(axis=1)


def precision_recall(real: np.ndarray, generated: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019, Eq. 1-3).

    ``precision = mean_g [g in manifold(real)]``, ``recall = mean_r [r in manifold(generated)]``,
    where ``manifold(X)`` is the union of balls around each ``x in X`` of radius the distance to
    its ``k``-th nearest neighbour in ``X`` (Eq. 2).
    """
    real = np.asarray(real, dtype=np.float64)
    generated = np.asarray(generated, dtype=np.float64)
    precision = manifold_coverage(generated, real, knn_radii(real, k)).mean()
    recall = manifold_coverage(real, generated, knn_radii(generated, k)).mean()
    return float(precision), float(recall)


def matched_precision_recall(features: np.ndarray, reference: np.ndarray, sample_size: int,
                             k: int = 3) -> tuple[float, float]:
    """Mean :func:`precision_recall` of disjoint ``sample_size``-row chunks of ``features``
    against ``reference`` (the real training set); recall grows with the number of generated
    balls, so a pool is measured in chunks of the held-out reference's size (rows left over are
    dropped; fewer rows than ``sample_size`` form one chunk)."""
    features = np.asarray(features)
    size = max(k + 1, min(int(sample_size), len(features)))
    chunks = [features[start:start + size] for start in range(0, len(features) - size + 1, size)]
    if not chunks:
        raise ValueError(f"precision/recall with k={k} need more than {k} images, got "
                         f"{len(features)}")
    pairs = np.array([precision_recall(reference, chunk, k) for chunk in chunks])
    return float(pairs[:, 0].mean()), float(pairs[:, 1].mean())


def nearest_neighbours(queries: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index into ``reference`` of the nearest row to each query, and its distance."""
    distances = pairwise_distances(queries, reference)
    index = distances.argmin(axis=1)
    return index, distances[np.arange(len(index)), index]


def pixel_features(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``uint8 (N, H, W, 3)`` images shrunk to ``size = (height, width)`` (area averaging) and
    flattened to ``float64 (N, height * width * 3)`` in [0, 1]: the pixel space of the measure."""
    import cv2

    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images (N, H, W, 3), got {images.shape} {images.dtype}")
    height, width = int(size[0]), int(size[1])
    small = [cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA) for image in images]
    return (np.stack(small).reshape(len(images), -1).astype(np.float64) / 255.0 if len(small)
            else np.zeros((0, height * width * 3)))


def image_set_quality(features: np.ndarray, probs: np.ndarray, label: int,
                      train_features: np.ndarray, sample_size: int,
                      pixels: np.ndarray | None = None, train_pixels: np.ndarray | None = None,
                      k: int = 3) -> dict[str, float]:
    """Consistency, Fréchet distance to ``train_features`` (chunks of ``sample_size`` rows),
    diversity, and precision / recall against the training set in the embedding and (when
    ``pixels`` and ``train_pixels`` are given) in pixel space, of one set of images labelled
    ``label``; ``n`` = number of images."""
    quality = {
        "consistency": class_consistency(probs, label),
        "frechet": matched_frechet(features, train_features, sample_size),
        "diversity": mean_pairwise_distance(features),
        "n": len(features),
    }
    spaces = {"embedding": (features, train_features)}
    if pixels is not None and train_pixels is not None:
        spaces["pixel"] = (pixels, train_pixels)
    for space, (points, reference) in spaces.items():
        precision, recall = matched_precision_recall(points, reference, sample_size, k)
        quality[f"precision_{space}"] = precision
        quality[f"recall_{space}"] = recall
    return quality


def meets_goal(generated: dict[str, float], real: dict[str, float]) -> dict[str, Any]:
    """Which parts of :data:`GOAL` a generated set meets against the real held-out reference:
    ``consistency_gap`` and, for each space measured, ``precision_{space}`` and
    ``recall_{space}`` (at least the goal's share of the reference's, and above 0). ``passes``:
    all of them; ``fails``: the names of those it misses, the reasons the record states."""
    checks = {
        "consistency_gap": real["consistency"] - generated["consistency"]
        <= GOAL["max_consistency_gap"] + 1e-9,
    }
    for space in SPACES:
        for name, share in (("precision", GOAL["min_precision_ratio"]),
                            ("recall", GOAL["min_recall_ratio"])):
            key = f"{name}_{space}"
            if key in generated:
                value = generated[key]
                checks[key] = bool(value > 0 and value >= share * real[key] - 1e-9)
    return {**checks, "passes": all(checks.values()),
            "fails": [name for name, ok in checks.items() if not ok]}


# "Heavily blurred": a Gaussian of this standard deviation, as a share of the image height (9 px
# on a 112 px dynamic image, 1.9 px at the 24 px pixel space), which smears a figure's limbs into
# one cloud. Milder blur (2 px) keeps the figure and passes on most synth4 classes.
CONTROL_BLUR = 0.08
CONTROLS = ("noise", "grey", "repeat", "blur")


def control_sets(train_images: np.ndarray, heldout_images: np.ndarray,
                 rng: np.random.Generator, blur: float = CONTROL_BLUR) -> dict[str, np.ndarray]:
    """Pools that must fail the goal, built from a class's real DIs ``uint8 (N, H, W, 3)``, each
    of ``len(heldout_images)`` images:

    * ``noise``: Gaussian noise with the per-pixel mean and standard deviation of the training
      DIs (moment-matched texture, the colour statistics without the figure);
    * ``grey``: one constant image at the training DIs' mean colour, repeated;
    * ``repeat``: the first training DI repeated (mode collapse onto a copy);
    * ``blur``: the held-out DIs blurred by a Gaussian of ``blur * H`` pixels.
    """
    import cv2

    train = np.asarray(train_images)
    heldout = np.asarray(heldout_images)
    n = len(heldout)
    floats = train.astype(np.float64)
    mean, std = floats.mean(axis=0), floats.std(axis=0)
    noise = rng.normal(mean, std, size=(n, *mean.shape))
    grey = np.broadcast_to(floats.reshape(-1, 3).mean(axis=0), heldout.shape)
    sigma = blur * heldout.shape[1]
    return {
        "noise": np.clip(np.round(noise), 0, 255).astype(np.uint8),
        "grey": np.round(grey).astype(np.uint8),
        "repeat": np.repeat(train[:1], n, axis=0),
        "blur": np.stack([cv2.GaussianBlur(image, (0, 0), sigma) for image in heldout]),
    }


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
