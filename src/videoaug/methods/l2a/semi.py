"""Semi-supervised Learn2Augment (Gowda et al. 2022, §5.2, Table 3): pure pieces.

* :func:`labelled_subset`: the seeded, stratified share ``p`` % of the training videos that keeps
  its labels; the rest is unlabelled.
* :func:`accept_pseudo_labels`: which unlabelled videos get a pseudo-label (the arg-max class of
  the labelled-only classifier's softmax when its maximum reaches the confidence threshold).
* :class:`RelabelledStores`: the part-1 stores seen through the labels training may use (true
  labels of the labelled videos, pseudo-labels of the accepted ones); asking for any other
  video's label raises, so the unlabelled videos' true labels cannot reach a composite's label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from videoaug.seeding import numpy_rng


def class_quota(count: int, percent: float) -> int:
    """Labelled videos kept of a class with ``count`` training videos at ``percent`` %.

    ``round half up`` of ``count · percent / 100``, at least 1 and at most ``count``
    (``count = 20``: 50 % → 10, 20 % → 4, 5 % → 1; ``count = 95``: 5 % → 4.75 → 5).
    """
    if not 0 < percent <= 100:
        raise ValueError(f"label fraction must be in (0, 100] %, got {percent}")
    if count < 1:
        raise ValueError(f"a class needs at least one training video, got {count}")
    return int(min(count, max(1, np.floor(count * percent / 100.0 + 0.5))))


def labelled_subset(video_ids: Sequence[str], labels: Sequence[int], percent: float,
                    seed: int, dataset: str = "") -> tuple[list[str], list[str]]:
    """Split training videos into ``(labelled, unlabelled)`` ids, each sorted.

    Stratified: each class keeps :func:`class_quota` of its videos. Seeded and **nested**: every
    class's videos (sorted by id, so the input order does not matter) are shuffled once by
    ``(seed, dataset, class)`` — independent of ``percent`` — and the first ``quota`` are
    labelled, so a smaller fraction's labelled set lies inside a larger one's (as the VideoSSL
    splits the paper uses shrink by dropping labels).
    """
    ids = [str(v) for v in video_ids]
    y = np.asarray(labels, dtype=np.int64)
    if len(ids) != len(y):
        raise ValueError(f"{len(ids)} video ids but {len(y)} labels")
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate video ids in the training set")
    labelled: list[str] = []
    for c in np.unique(y):
        members = sorted(ids[i] for i in np.flatnonzero(y == c))
        order = numpy_rng(seed, "l2a-semi-subset", dataset, int(c)).permutation(len(members))
        labelled.extend(members[i] for i in order[:class_quota(len(members), percent)])
    chosen = set(labelled)
    return sorted(chosen), sorted(v for v in ids if v not in chosen)


def accept_pseudo_labels(probs: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """Pseudo-labels of ``probs (N, C)`` (softmax rows of the unlabelled videos).

    Returns ``(accepted bool (N,), label int64 (N,), confidence float64 (N,))``: ``label`` is the
    arg-max class (first on ties), ``confidence`` its probability, ``accepted`` where
    ``confidence >= threshold`` (Lee 2013's hard pseudo-labels with a confidence filter).
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"pseudo-label threshold must lie in [0, 1], got {threshold}")
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 1:
        raise ValueError(f"probabilities must be (N, C), got {p.shape}")
    label = p.argmax(axis=1).astype(np.int64) if len(p) else np.zeros(0, np.int64)
    confidence = p[np.arange(len(p)), label] if len(p) else np.zeros(0)
    return confidence >= threshold, label, confidence


class RelabelledStores:
    """:class:`videoaug.methods.l2a.stores.L2AStores` whose ``label`` comes from ``labels``
    (video id → class); frames, masks and backgrounds pass through unchanged."""

    def __init__(self, stores, labels: Mapping[str, int]) -> None:
        self._stores = stores
        self._labels = {str(k): int(v) for k, v in labels.items()}
        self.num_classes = stores.num_classes

    def label(self, video_id: str) -> int:
        try:
            return self._labels[video_id]
        except KeyError:
            raise KeyError(f"video {video_id!r} has no label training may use (neither labelled "
                           "nor an accepted pseudo-label)") from None

    def __getattr__(self, name: str):
        return getattr(self._stores, name)
