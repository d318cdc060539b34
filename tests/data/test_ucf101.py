"""UCF101 reader on a tiny fake tree of real clips (see conftest.py)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from videoaug.data.records import DatasetError
from videoaug.data.splits import parse_class_index, resolve_under_root
from videoaug.data.ucf101 import read_ucf101


def _group(record_id: str) -> int:
    return int(re.search(r"_g(\d\d)_c\d\d$", record_id).group(1))


def _tree_listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_split1_counts_labels_ids_and_order(ucf_tree):
    classes, records = read_ucf101(ucf_tree.root)
    assert classes == ["YoYo", "ApplyEyeMakeup", "HandstandPushups"]  # classInd order, not sorted
    per_class = len(ucf_tree.groups) * len(ucf_tree.clips)
    test_per_class = len(ucf_tree.test_groups(1)) * len(ucf_tree.clips)
    for label, class_name in enumerate(classes):
        mine = [r for r in records if r.class_name == class_name]
        assert {r.label for r in mine} == {label}
        assert sum(r.split == "test" for r in mine) == test_per_class == 4
        assert sum(r.split == "train" for r in mine) == per_class - test_per_class == 8
    assert all(_group(r.id) in {1, 2} for r in records if r.split == "test")
    assert all(_group(r.id) not in {1, 2} for r in records if r.split == "train")
    assert "YoYo/v_YoYo_g03_c02" in {r.id for r in records}
    assert all(os.path.isabs(r.path) and Path(r.path).is_file() for r in records)
    assert records == sorted(records, key=lambda r: (r.split, r.label, r.id))


def test_split2_picks_other_test_videos(ucf_tree):
    _, split1 = read_ucf101(ucf_tree.root, split=1)
    _, split2 = read_ucf101(ucf_tree.root, split=2)
    test1 = {r.id for r in split1 if r.split == "test"}
    test2 = {r.id for r in split2 if r.split == "test"}
    assert {_group(i) for i in test2} == {3, 4}
    assert not test1 & test2
    assert len(test2) == len(test1) == 12


def test_case_insensitive_handstand_quirk(ucf_tree):
    # Lists say HandstandPushups/v_HandstandPushups_*, disk says HandStandPushups/v_HandStand*.
    assert not (ucf_tree.root / ucf_tree.list_name("HandstandPushups", 1, 1)).exists()
    _, records = read_ucf101(ucf_tree.root)
    quirky = [r for r in records if r.class_name == "HandstandPushups"]
    assert len(quirky) == 12
    first = next(r for r in quirky if r.id == "HandstandPushups/v_HandstandPushups_g01_c01")
    assert Path(first.path) == ucf_tree.disk_path("HandstandPushups", 1, 1)


def test_annotations_default_to_root_and_explicit_folder(ucf_tree, tmp_path):
    elsewhere = tmp_path / "splits_elsewhere"
    shutil.move(ucf_tree.annotations, elsewhere)
    with pytest.raises(DatasetError, match="classInd.txt"):
        read_ucf101(ucf_tree.root)
    _, explicit = read_ucf101(ucf_tree.root, annotations=elsewhere)
    for path in elsewhere.iterdir():
        shutil.copy(path, ucf_tree.root / path.name)
    _, at_root = read_ucf101(ucf_tree.root)
    assert at_root == explicit
    assert len(at_root) == 36


@pytest.mark.parametrize(
    "bad_path",
    ["../outside/v_Evil_g01_c01.avi", "/etc/passwd", "YoYo/../../outside/v_x.avi"],
)
def test_path_escaping_root_is_rejected_with_file_and_line(ucf_tree, bad_path):
    trainlist = ucf_tree.annotations / "trainlist01.txt"
    line_count = len(trainlist.read_text().splitlines())
    with trainlist.open("a") as handle:
        handle.write(f"{bad_path} 1\r\n")
    with pytest.raises(DatasetError) as err:
        read_ucf101(ucf_tree.root)
    assert f"trainlist01.txt:{line_count + 1}" in str(err.value)
    assert bad_path in str(err.value)


def test_symlink_leaving_root_is_rejected(ucf_tree, tmp_path):
    secret = tmp_path / "secret.avi"
    secret.write_bytes(b"not yours")
    (ucf_tree.root / "YoYo" / "v_YoYo_g99_c01.avi").symlink_to(secret)
    with (ucf_tree.annotations / "testlist01.txt").open("a") as handle:
        handle.write("YoYo/v_YoYo_g99_c01.avi\r\n")
    with pytest.raises(DatasetError, match=r"testlist01\.txt:13: .*outside the dataset root"):
        read_ucf101(ucf_tree.root)


def test_resolve_under_root_allows_inside_and_names_source(tmp_path):
    inside = resolve_under_root(tmp_path, "A/b.avi", source="list.txt", line=3)
    assert inside == tmp_path / "A" / "b.avi"
    with pytest.raises(DatasetError, match=r"list\.txt:7"):
        resolve_under_root(tmp_path, "A/../../b.avi", source="list.txt", line=7)


def test_missing_root_says_what_to_download_and_which_key(tmp_path):
    before = _tree_listing(tmp_path)
    with pytest.raises(DatasetError) as err:
        read_ucf101(tmp_path / "nowhere", config_name="myucf")
    message = str(err.value)
    assert "UCF101.rar" in message
    assert "UCF101TrainTestSplits-RecognitionTask.zip" in message
    assert "crcv.ucf.edu/data/UCF101.php" in message
    assert "datasets.myucf.root" in message
    assert _tree_listing(tmp_path) == before  # nothing written


def test_missing_split_files_name_the_annotations_key(ucf_tree):
    (ucf_tree.annotations / "testlist03.txt").unlink()
    with pytest.raises(DatasetError) as err:
        read_ucf101(ucf_tree.root, split=3, config_name="myucf")
    assert "testlist03.txt" in str(err.value)
    assert "datasets.myucf.annotations" in str(err.value)


def test_incomplete_root_counts_missing_videos(ucf_tree):
    removed = [ucf_tree.disk_path("YoYo", 3, 1), ucf_tree.disk_path("ApplyEyeMakeup", 1, 2)]
    for path in removed:
        path.unlink()
    with pytest.raises(DatasetError) as err:
        read_ucf101(ucf_tree.root, config_name="myucf")
    message = str(err.value)
    assert "2 of 36 videos" in message
    assert "YoYo/v_YoYo_g03_c01.avi" in message
    assert "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c02.avi" in message
    assert "UCF101.rar" in message


def test_label_contradicting_folder_is_an_error(ucf_tree):
    trainlist = ucf_tree.annotations / "trainlist01.txt"
    lines = trainlist.read_text().splitlines()
    lines[0] = lines[0].replace(" 1", " 2")
    trainlist.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"trainlist01\.txt:1: label 2 means 'ApplyEyeMakeup'"):
        read_ucf101(ucf_tree.root)


def test_duplicate_line_names_both_places(ucf_tree):
    testlist = ucf_tree.annotations / "testlist01.txt"
    first = testlist.read_text().splitlines()[0]
    with testlist.open("a") as handle:
        handle.write(first + "\n")
    with pytest.raises(DatasetError, match=r"testlist01\.txt:13: .* already listed at .*:1$"):
        read_ucf101(ucf_tree.root)


def test_unknown_split_number_is_an_error(ucf_tree):
    with pytest.raises(DatasetError, match="splits"):
        read_ucf101(ucf_tree.root, split=4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 A\n2 B\n\n", ["A", "B"]),
        ("2 B\r\n1 A\r\n", ["A", "B"]),
    ],
)
def test_parse_class_index_orders_by_index(tmp_path, text, expected):
    path = tmp_path / "classInd.txt"
    path.write_text(text)
    assert parse_class_index(path) == expected


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("1 A\nB\n", r"classInd\.txt:2: expected"),
        ("1 A\n1 B\n", r"classInd\.txt:2: index 1 appears twice"),
        ("1 A\n3 B\n", r"missing \[2\]"),
        ("1 A\n2 a\n", r"classInd\.txt:2: class 'a' already listed on line 1"),
    ],
)
def test_parse_class_index_errors(tmp_path, text, pattern):
    path = tmp_path / "classInd.txt"
    path.write_text(text)
    with pytest.raises(DatasetError, match=pattern):
        parse_class_index(path)
