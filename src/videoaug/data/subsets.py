"""Few-sample and imbalanced subsets of a dataset's records.

The few-sample settings of Zhang et al. (ACM MM 2020, "Self-Paced Selection of GAN-generated
dynamic images") keep 4 classes of UCF101/HMDB51 with 20 training videos each and all their
official split-1 test videos (``ucf4``, ``hmdb4``); the imbalanced settings keep all classes but
cut those 4 to 20 training videos (``ucf101imb``, ``hmdb51imb``). Test videos are never cut.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from videoaug.data.records import DatasetError, VideoRecord
from videoaug.data.splits import sort_records
from videoaug.seeding import numpy_rng

UCF4_CLASSES = ("GolfSwing", "Shotput", "Skiing", "YoYo")
HMDB4_CLASSES = ("brush_hair", "cartwheel", "climb_stairs", "flic_flac")
FEW_SAMPLE_TRAIN_PER_CLASS = 20


@dataclass(frozen=True)
class SubsetSpec:
    """A named subset as config data: which reader kind, which classes, how many train videos."""

    kind: str
    classes: tuple[str, ...] | None
    train_per_class: int | None
    train_limit_classes: tuple[str, ...] | None
    split: int = 1

    def config_keys(self) -> dict:
        """The ``datasets.<name>`` keys (without ``root``) that select this subset."""
        return {
            "kind": self.kind,
            "classes": list(self.classes) if self.classes is not None else None,
            "train_per_class": self.train_per_class,
            "train_limit_classes": (
                list(self.train_limit_classes) if self.train_limit_classes is not None else None
            ),
            "split": self.split,
        }


NAMED_SUBSETS: dict[str, SubsetSpec] = {
    "ucf4": SubsetSpec("ucf101", UCF4_CLASSES, FEW_SAMPLE_TRAIN_PER_CLASS, None),
    "hmdb4": SubsetSpec("hmdb51", HMDB4_CLASSES, FEW_SAMPLE_TRAIN_PER_CLASS, None),
    "ucf101imb": SubsetSpec("ucf101", None, FEW_SAMPLE_TRAIN_PER_CLASS, UCF4_CLASSES),
    "hmdb51imb": SubsetSpec("hmdb51", None, FEW_SAMPLE_TRAIN_PER_CLASS, HMDB4_CLASSES),
}


def _check_known(requested: list[str], known: list[str], what: str) -> None:
    unknown = [name for name in requested if name not in known]
    if unknown:
        raise DatasetError(f"{what}: unknown classes {unknown}; known classes start {known[:8]}")
    duplicated = sorted({name for name in requested if requested.count(name) > 1})
    if duplicated:
        raise DatasetError(f"{what}: classes listed twice: {duplicated}")


def draw_kept_indices(num_videos: int, keep: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``keep`` of ``num_videos`` items, drawn without replacement."""
    return np.sort(rng.choice(num_videos, size=keep, replace=False))


def keep_classes_only(
    records: list[VideoRecord], classes: list[str], keep: list[str]
) -> tuple[list[str], list[VideoRecord]]:
    """Records of the ``keep`` classes, relabelled ``0..k-1`` in the order of ``keep``."""
    _check_known(keep, classes, "classes")
    new_label = {name: label for label, name in enumerate(keep)}
    kept = [
        replace(record, label=new_label[record.class_name])
        for record in records
        if record.class_name in new_label
    ]
    return list(keep), kept


def cut_train_videos(
    records: list[VideoRecord],
    limit_classes: list[str],
    train_per_class: int,
    seed: int,
    name: str,
    split: str = "train",
) -> list[VideoRecord]:
    """Keep ``train_per_class`` videos of ``split`` (training by default) of each class in
    ``limit_classes``.

    Candidates are sorted by id, then drawn with ``numpy_rng(seed, name, "subset", class)``
    (``"subset-test"`` for the test split), so the choice depends only on the seed, the dataset
    name and the class's own videos. Classes with fewer videos keep all of them; other classes
    and the other split are untouched.
    """
    limited = set(limit_classes)
    ids_of: dict[str, list[str]] = {class_name: [] for class_name in limit_classes}
    for record in records:
        if record.split == split and record.class_name in limited:
            ids_of[record.class_name].append(record.id)
    stream = "subset" if split == "train" else f"subset-{split}"
    dropped: set[str] = set()
    for class_name in limit_classes:
        ids = sorted(ids_of[class_name])
        if len(ids) <= train_per_class:
            continue
        rng = numpy_rng(seed, name, stream, class_name)
        kept = set(draw_kept_indices(len(ids), train_per_class, rng).tolist())
        dropped.update(video_id for i, video_id in enumerate(ids) if i not in kept)
    return [r for r in records if not (r.split == split and r.id in dropped)]


def check_no_empty_class(records: list[VideoRecord], classes: list[str], name: str) -> None:
    """Raise if a class has no training or no test video (it could not be learnt or scored)."""
    for split in ("train", "test"):
        present = {r.class_name for r in records if r.split == split}
        empty = [class_name for class_name in classes if class_name not in present]
        if empty:
            raise DatasetError(
                f"dataset {name!r}: empty class(es) {empty} have no {split} videos. Fix: choose "
                f"other `datasets.{name}.classes`, raise `datasets.{name}.train_per_class`, or "
                f"check the split files under `datasets.{name}.root`"
            )


def apply_subset(
    records: list[VideoRecord],
    classes: list[str],
    *,
    keep_classes: list[str] | None,
    train_per_class: int | None,
    train_limit_classes: list[str] | None,
    seed: int,
    name: str,
    test_per_class: int | None = None,
) -> tuple[list[str], list[VideoRecord]]:
    """Keep classes, relabel, and cut training videos; return ``(classes, records)`` sorted.

    ``keep_classes=None`` keeps all classes (labels unchanged); ``train_limit_classes=None``
    cuts every kept class; ``train_per_class=None`` cuts nothing. ``test_per_class`` keeps at
    most that many test videos of every class (a seeded draw; smoke runs, never the papers'
    settings). Raises ``DatasetError`` for unknown classes and for classes left without train
    or test videos.
    """
    classes = list(classes)
    if keep_classes is not None:
        classes, records = keep_classes_only(records, classes, list(keep_classes))
    if train_limit_classes is not None:
        _check_known(list(train_limit_classes), classes, "train_limit_classes")
        if train_per_class is None:
            raise DatasetError(
                f"datasets.{name}.train_limit_classes is set but train_per_class is not"
            )
    if train_per_class is not None:
        if isinstance(train_per_class, bool) or not isinstance(train_per_class, int):
            raise DatasetError(f"datasets.{name}.train_per_class must be an integer or null")
        if train_per_class < 0:
            raise DatasetError(f"datasets.{name}.train_per_class = {train_per_class} is negative")
        limit = list(train_limit_classes) if train_limit_classes is not None else classes
        records = cut_train_videos(records, limit, train_per_class, seed, name)
    if test_per_class is not None:
        if isinstance(test_per_class, bool) or not isinstance(test_per_class, int) \
                or test_per_class < 1:
            raise DatasetError(f"datasets.{name}.test_per_class must be a positive integer or null")
        records = cut_train_videos(records, classes, test_per_class, seed, name, split="test")
    check_no_empty_class(records, classes, name)
    return classes, sort_records(records)
