"""UCF101 reader: the official folder layout and the official train/test split lists.

Layout (Soomro et al., "UCF101: A dataset of 101 human action classes from videos in the
wild", CRCV-TR-12-01, 2012)::

    root/ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi
    root/ucfTrainTestlist/classInd.txt          "1 ApplyEyeMakeup"
    root/ucfTrainTestlist/trainlist0{k}.txt     "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1"
    root/ucfTrainTestlist/testlist0{k}.txt      "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi"

The list-driven part (:func:`records_from_lists`) also serves any folder with UCF-style lists.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from videoaug.data.records import DatasetError, VideoRecord
from videoaug.data.splits import (
    CaseInsensitiveLocator,
    check_split_and_root,
    format_missing,
    how_to_fix,
    parse_class_index,
    parse_ucf_list,
    resolve_under_root,
    sort_records,
    where,
)

UCF101_DOWNLOAD = (
    "UCF101.rar and UCF101TrainTestSplits-RecognitionTask.zip from the UCF CRCV website "
    "(crcv.ucf.edu/data/UCF101.php)"
)
UCF101_SPLITS = (1, 2, 3)
ANNOTATIONS_FOLDER = "ucfTrainTestlist"


def default_annotations(root: Path) -> Path:
    """``root/ucfTrainTestlist`` when it exists (the split zip's folder), else ``root`` itself."""
    nested = Path(root) / ANNOTATIONS_FOLDER
    return nested if nested.is_dir() else Path(root)


def split_list_paths(annotations: Path, split: int) -> dict[str, Path]:
    """``{"train": trainlist0k.txt, "test": testlist0k.txt}`` for split number ``k``."""
    return {
        "train": Path(annotations) / f"trainlist{split:02d}.txt",
        "test": Path(annotations) / f"testlist{split:02d}.txt",
    }


def records_from_lists(
    root: Path,
    classes: list[str],
    lists: dict[str, Path],
    *,
    remedy: str,
) -> list[VideoRecord]:
    """Records for every line of UCF-style list files, ``lists = {split: list_path}``.

    The class of a line is its folder (matched case-insensitively against ``classes``); a label
    given on the line must agree with it. Paths stay under ``root`` (see
    :func:`~videoaug.data.splits.resolve_under_root`) and are found case-insensitively when
    the exact spelling is missing. Missing videos raise one ``DatasetError`` counting them.
    """
    label_of = {name.lower(): label for label, name in enumerate(classes)}
    locator = CaseInsensitiveLocator(root)
    records: list[VideoRecord] = []
    missing: list[str] = []
    first_seen: dict[str, str] = {}
    listed = 0
    for split, list_path in lists.items():
        for entry in parse_ucf_list(list_path, len(classes)):
            location = where(entry.source, entry.line)
            resolve_under_root(root, entry.relative, source=entry.source, line=entry.line)
            parts = PurePosixPath(entry.relative).parts
            if len(parts) != 2:
                raise DatasetError(
                    f"{location}: expected 'ClassName/video_file', got {entry.relative!r}"
                )
            folder = parts[0]
            if folder.lower() not in label_of:
                raise DatasetError(f"{location}: class {folder!r} is not in the class index")
            label = label_of[folder.lower()]
            if entry.label is not None and entry.label != label:
                raise DatasetError(
                    f"{location}: label {entry.label + 1} means {classes[entry.label]!r} "
                    f"but the video is in folder {folder!r}"
                )
            video_id = f"{classes[label]}/{PurePosixPath(parts[1]).stem}"
            if video_id in first_seen:
                raise DatasetError(
                    f"{location}: video {video_id!r} already listed at {first_seen[video_id]}"
                )
            first_seen[video_id] = location
            listed += 1
            found = locator.locate(entry.relative, source=entry.source, line=entry.line)
            if found is None:
                missing.append(entry.relative)
                continue
            records.append(
                VideoRecord(
                    id=video_id,
                    path=str(found),
                    label=label,
                    class_name=classes[label],
                    split=split,
                )
            )
    if missing:
        raise DatasetError(f"{format_missing(missing, listed, Path(root))}. {remedy}")
    return sort_records(records)


def read_ucf101(
    root: Path | str,
    *,
    annotations: Path | str | None = None,
    split: int = 1,
    config_name: str = "ucf101",
    remedy: str | None = None,
) -> tuple[list[str], list[VideoRecord]]:
    """Classes (``classInd.txt`` order) and train/test records of official split ``split``.

    ``config_name`` names the config entry in error messages (``datasets.<name>.root``);
    ``remedy`` replaces the default "download UCF101 ..." advice (the synthetic set uses it).
    Labels are the 1-based ``classInd`` indices minus one; ids are ``ClassName/file_stem``.
    Nothing is written.
    """
    root = Path(root).expanduser().absolute()
    if remedy is None:
        remedy = how_to_fix(
            UCF101_DOWNLOAD, f"datasets.{config_name}.root", f"datasets.{config_name}.annotations"
        )
    check_split_and_root("UCF101", root, split, UCF101_SPLITS, config_name, remedy)
    folder = default_annotations(root) if annotations is None else Path(annotations).expanduser()
    class_index = folder / "classInd.txt"
    lists = split_list_paths(folder, split)
    absent = [path for path in (class_index, *lists.values()) if not path.is_file()]
    if absent:
        names = ", ".join(str(path) for path in absent)
        raise DatasetError(f"UCF101 split files not found: {names}. {remedy}")
    classes = parse_class_index(class_index)
    return classes, records_from_lists(root, classes, lists, remedy=remedy)
