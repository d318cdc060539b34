"""Reader for any folder in UCF layout: ``root/ClassName/*.{avi,mp4,mkv,webm}``.

Classes are ``root/classInd.txt`` when present, else the sorted names of the class folders.
The split comes from UCF-style ``trainlist``/``testlist`` files when given, otherwise from a
seeded stratified split: per class, ``round(n * test_fraction)`` videos go to test, keeping at
least one for training.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from videoaug.data.records import VIDEO_EXTENSIONS, DatasetError, VideoRecord
from videoaug.data.splits import parse_class_index, sort_records
from videoaug.data.ucf101 import records_from_lists
from videoaug.seeding import derive_seed, numpy_rng

DEFAULT_TEST_FRACTION = 0.3


def _remedy(config_name: str) -> str:
    return (
        f"Set `datasets.{config_name}.root` to a folder laid out as root/ClassName/*.avi|mp4 "
        f"(optionally with `datasets.{config_name}.trainlist` and `.testlist` in UCF format)."
    )


def scan_class_folder(folder: Path) -> list[Path]:
    """Video files directly inside ``folder`` (extension matched case-insensitively), sorted."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and not path.name.startswith(".")
        and path.suffix.lower() in VIDEO_EXTENSIONS
    )


def discover_classes(root: Path) -> list[str]:
    """``classInd.txt`` order if the file exists, else the sorted names of the non-hidden
    sub-folders that hold at least one video (so e.g. an ``annotations/`` folder is no class)."""
    class_index = root / "classInd.txt"
    if class_index.is_file():
        return parse_class_index(class_index)
    return sorted(_video_folders(root))


def _video_folders(root: Path) -> list[str]:
    return [
        path.name
        for path in root.iterdir()
        if path.is_dir() and not path.name.startswith(".") and scan_class_folder(path)
    ]


def num_test_videos(num_videos: int, test_fraction: float) -> int:
    """Test videos of a class of ``num_videos``: ``round(n * f)`` (halves up), at most ``n - 1``."""
    if num_videos <= 1:
        return 0
    return min(num_videos - 1, math.floor(num_videos * test_fraction + 0.5))


def draw_test_indices(num_videos: int, num_test: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices (into the class's id-sorted videos) that go to the test split."""
    return np.sort(rng.choice(num_videos, size=num_test, replace=False))


def stratified_split(
    videos_by_class: dict[str, list[str]],
    test_fraction: float,
    split_seed: int,
) -> dict[str, set[str]]:
    """``{class: ids in test}``; each class draws from its own stream ``(split_seed, class)``.

    Per-class streams keep a class's split unchanged when other classes are added or removed.
    """
    test_ids: dict[str, set[str]] = {}
    for class_name, ids in videos_by_class.items():
        ordered = sorted(ids)
        rng = numpy_rng(split_seed, class_name)
        chosen = draw_test_indices(len(ordered), num_test_videos(len(ordered), test_fraction), rng)
        test_ids[class_name] = {ordered[i] for i in chosen}
    return test_ids


def read_folder(
    root: Path | str,
    *,
    trainlist: Path | str | None = None,
    testlist: Path | str | None = None,
    test_fraction: float = DEFAULT_TEST_FRACTION,
    seed: int = 0,
    name: str = "folder",
) -> tuple[list[str], list[VideoRecord]]:
    """Classes and records of a UCF-layout folder. ``name`` is the config entry's name.

    With ``trainlist``/``testlist`` (both, paths relative to ``root`` or absolute) the lists
    decide the split; otherwise a stratified split seeded by
    ``derive_seed(seed, name, "split")``. Nothing is written.
    """
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise DatasetError(
            f"dataset folder {root} (dataset {name!r}) does not exist. {_remedy(name)}"
        )
    if (trainlist is None) != (testlist is None):
        raise DatasetError(
            f"datasets.{name}: give both `trainlist` and `testlist`, or neither "
            "(then a stratified split with `test_fraction` is drawn)"
        )
    if not 0.0 <= test_fraction < 1.0:
        raise DatasetError(f"datasets.{name}.test_fraction = {test_fraction!r} is not in [0, 1)")
    classes = discover_classes(root)
    if not classes:
        raise DatasetError(f"no class folders with videos in {root}. {_remedy(name)}")
    if trainlist is not None and testlist is not None:
        lists = {"train": root / Path(trainlist), "test": root / Path(testlist)}
        for path in lists.values():
            if not path.is_file():
                raise DatasetError(f"split list {path} not found. {_remedy(name)}")
        return classes, records_from_lists(root, classes, lists, remedy=_remedy(name))

    videos: dict[str, list[Path]] = {}
    for class_name in classes:
        folder = root / class_name
        videos[class_name] = scan_class_folder(folder) if folder.is_dir() else []
    stray = sorted(folder for folder in _video_folders(root) if folder not in videos)
    if stray:
        raise DatasetError(
            f"{root}: folders {stray} hold videos but are not in {root / 'classInd.txt'}; "
            "add them to the class index or move them out"
        )
    empty = [class_name for class_name, paths in videos.items() if not paths]
    if empty:
        raise DatasetError(f"{root}: classes without videos: {empty}. {_remedy(name)}")
    ids: dict[str, list[str]] = {}
    path_of: dict[str, Path] = {}
    for class_name, paths in videos.items():
        for path in paths:
            video_id = f"{class_name}/{path.stem}"
            if video_id in path_of:
                raise DatasetError(
                    f"{path} and {path_of[video_id]} share the id {video_id!r}; rename one"
                )
            path_of[video_id] = path
            ids.setdefault(class_name, []).append(video_id)
    test_ids = stratified_split(ids, test_fraction, derive_seed(seed, name, "split"))
    records = [
        VideoRecord(
            id=video_id,
            path=str(path_of[video_id]),
            label=label,
            class_name=class_name,
            split="test" if video_id in test_ids[class_name] else "train",
        )
        for label, class_name in enumerate(classes)
        for video_id in ids[class_name]
    ]
    return classes, sort_records(records)
