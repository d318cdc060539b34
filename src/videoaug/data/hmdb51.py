"""HMDB51 reader: the official folder layout and the official three 70/30 splits.

Layout (Kuehne et al., "HMDB: A large video database for human motion recognition", ICCV 2011)::

    root/brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_0.avi
    root/testTrainMulti_7030_splits/brush_hair_test_split1.txt   "<video>.avi 1|2|0"

Tag 1 = train, 2 = test, 0 = not used in this split (excluded). Classes are the class names of
the split files, sorted; labels follow that order.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from videoaug.data.records import DatasetError, VideoRecord
from videoaug.data.splits import (
    HMDB_TEST,
    HMDB_TRAIN,
    CaseInsensitiveLocator,
    check_split_and_root,
    format_missing,
    how_to_fix,
    parse_hmdb_split,
    sort_records,
    where,
)

HMDB51_DOWNLOAD = (
    "hmdb51_org.rar and test_train_splits.rar from the HMDB51 page of Serre lab "
    "(serre-lab.clps.brown.edu)"
)
HMDB51_SPLITS = (1, 2, 3)
SPLITS_FOLDER = "testTrainMulti_7030_splits"
_SPLIT_NAME_OF_TAG = {HMDB_TRAIN: "train", HMDB_TEST: "test"}


def split_files(splits: Path, split: int) -> dict[str, Path]:
    """``{class_name: split file}`` for split number ``split``, sorted by class name."""
    suffix = f"_test_split{split}.txt"
    found = {
        path.name[: -len(suffix)]: path
        for path in Path(splits).glob(f"*{suffix}")
        if path.is_file() and len(path.name) > len(suffix)
    }
    return dict(sorted(found.items()))


def read_hmdb51(
    root: Path | str,
    *,
    splits: Path | str | None = None,
    split: int = 1,
    config_name: str = "hmdb51",
) -> tuple[list[str], list[VideoRecord]]:
    """Classes (sorted) and train/test records of official split ``split`` (1..3).

    ``splits`` defaults to ``root/testTrainMulti_7030_splits``; ``config_name`` names the config
    entry in error messages. Videos tagged 0 are excluded. Nothing is written.
    """
    root = Path(root).expanduser().absolute()
    remedy = how_to_fix(
        HMDB51_DOWNLOAD, f"datasets.{config_name}.root", f"datasets.{config_name}.splits"
    )
    check_split_and_root("HMDB51", root, split, HMDB51_SPLITS, config_name, remedy)
    folder = root / SPLITS_FOLDER if splits is None else Path(splits).expanduser().absolute()
    files = split_files(folder, split)
    if not files:
        raise DatasetError(
            f"HMDB51 split files '*_test_split{split}.txt' not found in {folder}. {remedy}"
        )
    classes = list(files)
    locator = CaseInsensitiveLocator(root)
    records: list[VideoRecord] = []
    missing: list[str] = []
    first_seen: dict[str, str] = {}
    listed = 0
    for label, class_name in enumerate(classes):
        for entry in parse_hmdb_split(files[class_name]):
            if entry.tag not in _SPLIT_NAME_OF_TAG:
                continue
            location = where(entry.source, entry.line)
            if len(PurePosixPath(entry.video_name).parts) != 1:
                raise DatasetError(
                    f"{location}: {entry.video_name!r} must be a file name inside the class folder"
                )
            relative = f"{class_name}/{entry.video_name}"
            video_id = f"{class_name}/{PurePosixPath(entry.video_name).stem}"
            if video_id in first_seen:
                raise DatasetError(
                    f"{location}: video {video_id!r} already listed at {first_seen[video_id]}"
                )
            first_seen[video_id] = location
            listed += 1
            found = locator.locate(relative, source=entry.source, line=entry.line)
            if found is None:
                missing.append(relative)
                continue
            records.append(
                VideoRecord(
                    id=video_id,
                    path=str(found),
                    label=label,
                    class_name=class_name,
                    split=_SPLIT_NAME_OF_TAG[entry.tag],
                )
            )
    if missing:
        raise DatasetError(f"{format_missing(missing, listed, root)}. {remedy}")
    return classes, sort_records(records)
