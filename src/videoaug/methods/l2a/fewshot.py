"""Few-shot pieces of Learn2Augment's Table 4 (Gowda et al., ECCV 2022, §5.4), pure functions.

The setting follows C3D-PN (prototypical networks on a 3D-CNN backbone, Snell et al. 2017):

* :func:`fewshot_labelled` — the training set: every training video of the *seen* classes and
  ``n`` seeded examples of each *novel* class;
* :func:`foreground_pairs` — L2A's augmentation of the novel classes only: each labelled novel
  example is pasted on other videos' inpainted backgrounds and keeps its own (foreground) label,
  with no label mixing (the composites are built by :mod:`videoaug.methods.l2a.compose`);
* :func:`sample_episodes` — ``N``-way ``n``-shot episodes over the novel classes: ``N`` classes,
  ``n`` support videos per class from the labelled examples, ``q`` query videos per class from the
  novel classes' test videos; support and query never share a video;
* :func:`class_prototypes` / :func:`nearest_prototype` — the prototype classifier: a class's
  prototype is the mean of its support features, a query goes to the nearest prototype
  (squared Euclidean distance, as Snell et al.; cosine as an option);
* :func:`mean_ci95` — mean episode accuracy and the half-width of its 95 % interval
  (``1.96 · s / √E``, the convention of the few-shot literature).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from videoaug.seeding import numpy_rng

METRICS = ("euclidean", "cosine")
BACKGROUND_MODES = ("other", "matched")


def novel_labels(classes: Sequence[str], novel_classes: Sequence[str] | None,
                 default_count: int = 5) -> list[int]:
    """Labels of the novel classes: ``novel_classes`` by name, or the last ``default_count``.

    Raises ``ValueError`` naming the unknown class (key ``l2a.fewshot.novel_classes``) or when
    no seen class would remain.
    """
    classes = list(classes)
    if novel_classes is None:
        names = classes[-default_count:]
    else:
        unknown = [c for c in novel_classes if c not in classes]
        if unknown:
            raise ValueError(f"l2a.fewshot.novel_classes: {unknown} are not classes of the "
                             f"dataset ({classes}); fix the names")
        names = list(novel_classes)
    if len(set(names)) >= len(classes):
        raise ValueError(f"l2a.fewshot.novel_classes leaves no seen class in {classes}: keep at "
                         "least one class for the backbone's seen-class training")
    return sorted(classes.index(c) for c in set(names))


def fewshot_labelled(train: Mapping[int, Sequence[str]], novel: Sequence[int], shots: int,
                     seed: int) -> dict[int, list[str]]:
    """The labelled training videos of the few-shot setting, per class label.

    ``train``: ``label -> training video ids``. Seen classes keep every video; each novel class
    keeps ``shots`` videos drawn without replacement (seeded by ``seed`` and the label, from the
    ids sorted, so the draw does not depend on the input order). Raises ``ValueError`` when a
    novel class has fewer than ``shots`` videos.
    """
    if shots < 1:
        raise ValueError(f"shots must be >= 1, got {shots}")
    out: dict[int, list[str]] = {}
    for label in sorted(train):
        ids = sorted(str(v) for v in train[label])
        if label in novel:
            if len(ids) < shots:
                raise ValueError(f"novel class {label} has {len(ids)} training videos, fewer "
                                 f"than shots = {shots}")
            rng = numpy_rng(seed, "fewshot-labelled", label)
            ids = sorted(ids[i] for i in rng.choice(len(ids), size=shots, replace=False))
        out[label] = ids
    return out


def foreground_pairs(labelled: Mapping[int, Sequence[str]], novel: Sequence[int],
                     per_example: int, seed: int, matches: Mapping[int, int] | None = None,
                     mode: str = "other") -> list[tuple[str, str]]:
    """``(foreground id, background id)`` pairs augmenting the novel classes only.

    Each labelled video of a novel class is the foreground of ``per_example`` composites; the
    backgrounds are drawn (without replacement while enough exist, seeded) from the labelled
    videos of ``mode = "other"``: every other class, or ``"matched"``: the class that
    ``matches`` (label -> label, the semantic match of part 1) assigns to the foreground's
    class. A video is never its own background.
    """
    if mode not in BACKGROUND_MODES:
        raise ValueError(f"background mode {mode!r}: choose one of {BACKGROUND_MODES}")
    if mode == "matched" and matches is None:
        raise ValueError("background mode 'matched' needs the class matches (matches.json)")
    pairs: list[tuple[str, str]] = []
    for label in sorted(novel):
        if mode == "matched":
            pool = sorted(labelled.get(matches[label], []))
        else:
            pool = sorted(v for other, ids in labelled.items() if other != label for v in ids)
        for fg in labelled[label]:
            candidates = [v for v in pool if v != fg]
            if not candidates or per_example < 1:
                continue
            rng = numpy_rng(seed, "fewshot-backgrounds", fg)
            picks = rng.permutation(len(candidates))
            while len(picks) < per_example:  # fewer backgrounds than composites: cycle them
                picks = np.concatenate([picks, rng.permutation(len(candidates))])
            pairs.extend((fg, candidates[i]) for i in picks[:per_example])
    return pairs


@dataclass(frozen=True)
class Episode:
    """One N-way n-shot episode: ``classes (N,)`` labels; ``support``/``query`` video ids with
    their labels, grouped by class in the order of ``classes``."""

    classes: tuple[int, ...]
    support: tuple[str, ...]
    support_labels: tuple[int, ...]
    query: tuple[str, ...]
    query_labels: tuple[int, ...]


def sample_episodes(support_pool: Mapping[int, Sequence[str]],
                    query_pool: Mapping[int, Sequence[str]], ways: int, shots: int,
                    queries: int, episodes: int, seed: int) -> list[Episode]:
    """``episodes`` seeded episodes over the classes of ``support_pool``.

    Each draws ``ways`` classes, then per class ``shots`` support ids from ``support_pool`` and
    ``queries`` query ids from ``query_pool`` minus the support (disjoint sets). Raises
    ``ValueError`` when a class has too few videos for the episode's counts.
    """
    labels = sorted(support_pool)
    if not 1 <= ways <= len(labels):
        raise ValueError(f"ways = {ways} needs 1..{len(labels)} classes (have {labels})")
    for label in labels:
        if len(support_pool[label]) < shots:
            raise ValueError(f"class {label}: {len(support_pool[label])} support videos < "
                             f"shots = {shots}")
        spare = set(query_pool.get(label, ())) - set(support_pool[label])
        if len(spare) < queries:
            raise ValueError(f"class {label}: {len(spare)} query videos outside the support < "
                             f"queries = {queries}; lower l2a.fewshot.queries or add test videos")
    rng = numpy_rng(seed, "fewshot-episodes")
    out = []
    for _ in range(episodes):
        chosen = sorted(int(labels[i]) for i in rng.choice(len(labels), ways, replace=False))
        support, support_labels, query, query_labels = [], [], [], []
        for label in chosen:
            pool = sorted(support_pool[label])
            shot_ids = [pool[i] for i in rng.choice(len(pool), shots, replace=False)]
            spare = sorted(set(query_pool[label]) - set(shot_ids))
            query_ids = [spare[i] for i in rng.choice(len(spare), queries, replace=False)]
            support += shot_ids
            support_labels += [label] * shots
            query += query_ids
            query_labels += [label] * queries
        out.append(Episode(tuple(chosen), tuple(support), tuple(support_labels), tuple(query),
                           tuple(query_labels)))
    return out


def class_prototypes(features: np.ndarray, labels: Sequence[int],
                     classes: Sequence[int]) -> np.ndarray:
    """Prototypes ``(N, D)``: the mean support feature of each class of ``classes``.

    ``features``: ``(S, D)`` support features; ``labels``: ``(S,)``. Raises ``ValueError`` for a
    class without support.
    """
    labels = np.asarray(labels)
    rows = []
    for label in classes:
        members = features[labels == label]
        if len(members) == 0:
            raise ValueError(f"class {label} has no support example")
        rows.append(members.mean(axis=0))
    return np.stack(rows)


def nearest_prototype(queries: np.ndarray, prototypes: np.ndarray,
                      metric: str = "euclidean") -> np.ndarray:
    """Index ``(Q,)`` of the nearest prototype for each query ``(Q, D)``.

    ``euclidean``: smallest squared distance (Snell et al. 2017); ``cosine``: largest cosine
    similarity. Ties go to the lower index.
    """
    if metric == "euclidean":
        dist = ((queries[:, None, :] - prototypes[None, :, :]) ** 2).sum(axis=-1)
        return dist.argmin(axis=1)
    if metric == "cosine":
        def unit(x: np.ndarray) -> np.ndarray:
            return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return (unit(queries) @ unit(prototypes).T).argmax(axis=1)
    raise ValueError(f"metric {metric!r}: choose one of {METRICS}")


def episode_accuracy(episode: Episode, features: Mapping[str, np.ndarray],
                     metric: str = "euclidean") -> float:
    """Fraction of the episode's queries whose nearest prototype is their class.

    ``features``: ``video id -> (D,)`` feature of every support and query video.
    """
    support = np.stack([features[v] for v in episode.support])
    protos = class_prototypes(support, episode.support_labels, episode.classes)
    query = np.stack([features[v] for v in episode.query])
    predicted = np.asarray(episode.classes)[nearest_prototype(query, protos, metric)]
    return float((predicted == np.asarray(episode.query_labels)).mean())


def mean_ci95(values: Sequence[float]) -> tuple[float, float]:
    """Mean and the half-width ``1.96 · s / √E`` of its 95 % interval (``s``: sample std)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        raise ValueError("no episode accuracies")
    if len(values) == 1:
        return float(values[0]), 0.0
    return float(values.mean()), float(1.96 * values.std(ddof=1) / np.sqrt(len(values)))
