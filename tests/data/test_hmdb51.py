"""HMDB51 reader on a tiny fake tree of real clips (see conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from videoaug.data.hmdb51 import read_hmdb51
from videoaug.data.records import DatasetError
from videoaug.data.splits import parse_hmdb_split

SPLIT_OF_TAG = {1: "train", 2: "test"}


def _expected(hmdb_tree, split: int) -> dict[str, str]:
    """``{id: split}`` from the tags the fixture wrote (tag 0 left out)."""
    return {
        f"{class_name}/{Path(name).stem}": SPLIT_OF_TAG[tag]
        for class_name in hmdb_tree.classes
        for name, tag in zip(hmdb_tree.video_names(class_name), hmdb_tree.tags(split), strict=True)
        if tag in SPLIT_OF_TAG
    }


def test_split1_counts_labels_and_class_order(hmdb_tree):
    classes, records = read_hmdb51(hmdb_tree.root)
    assert classes == ["brush_hair", "cartwheel", "climb_stairs"]
    for label, class_name in enumerate(classes):
        mine = [r for r in records if r.class_name == class_name]
        assert {r.label for r in mine} == {label}
        assert sum(r.split == "train" for r in mine) == 5
        assert sum(r.split == "test" for r in mine) == 3
    assert {r.id: r.split for r in records} == _expected(hmdb_tree, 1)
    assert all(Path(r.path).is_file() for r in records)
    assert records == sorted(records, key=lambda r: (r.split, r.label, r.id))


def test_unused_videos_are_excluded(hmdb_tree):
    _, records = read_hmdb51(hmdb_tree.root, split=1)
    unused = {
        f"{c}/{Path(n).stem}"
        for c in hmdb_tree.classes
        for n, tag in zip(hmdb_tree.video_names(c), hmdb_tree.tags(1), strict=True)
        if tag == 0
    }
    assert len(unused) == 6
    assert not unused & {r.id for r in records}
    assert len(records) == 24


def test_odd_file_names_keep_their_stem(hmdb_tree):
    _, records = read_hmdb51(hmdb_tree.root, split=1)
    assert "cartwheel/Ben_(1)_cartwheel_#3_f_nm_np1_fr_med_0" in {r.id for r in records}


def test_split2_differs(hmdb_tree):
    _, split1 = read_hmdb51(hmdb_tree.root, split=1)
    _, split2 = read_hmdb51(hmdb_tree.root, split=2)
    assert {r.id: r.split for r in split2} == _expected(hmdb_tree, 2)
    assert {r.id: r.split for r in split1} != {r.id: r.split for r in split2}


def test_splits_folder_can_live_elsewhere(hmdb_tree, tmp_path):
    elsewhere = tmp_path / "my_splits"
    shutil.move(hmdb_tree.splits, elsewhere)
    _, records = read_hmdb51(hmdb_tree.root, splits=elsewhere, split=3)
    assert {r.id: r.split for r in records} == _expected(hmdb_tree, 3)


def test_missing_root_says_what_to_download_and_which_key(tmp_path):
    with pytest.raises(DatasetError) as err:
        read_hmdb51(tmp_path / "nowhere", config_name="myhmdb")
    message = str(err.value)
    assert "hmdb51_org.rar" in message and "test_train_splits.rar" in message
    assert "serre-lab.clps.brown.edu" in message
    assert "datasets.myhmdb.root" in message
    assert not (tmp_path / "nowhere").exists()


def test_missing_split_files_name_the_splits_key(hmdb_tree):
    shutil.rmtree(hmdb_tree.splits)
    with pytest.raises(DatasetError) as err:
        read_hmdb51(hmdb_tree.root, config_name="myhmdb")
    assert "_test_split1.txt" in str(err.value)
    assert "datasets.myhmdb.splits" in str(err.value)


def test_incomplete_root_counts_only_used_videos(hmdb_tree):
    names = hmdb_tree.video_names("cartwheel")
    tags = hmdb_tree.tags(1)
    used = [n for n, t in zip(names, tags, strict=True) if t != 0]
    unused = [n for n, t in zip(names, tags, strict=True) if t == 0]
    for name in (used[0], used[-1], unused[0]):  # the unused one must not count
        (hmdb_tree.root / "cartwheel" / name).unlink()
    with pytest.raises(DatasetError) as err:
        read_hmdb51(hmdb_tree.root)
    assert "2 of 24 videos" in str(err.value)
    assert f"cartwheel/{used[0]}" in str(err.value)


def test_path_traversal_is_rejected_with_file_and_line(hmdb_tree):
    split_file = hmdb_tree.splits / "brush_hair_test_split1.txt"
    with split_file.open("a") as handle:
        handle.write("../../secret.avi 1\n")
    with pytest.raises(DatasetError, match=r"brush_hair_test_split1\.txt:11: "):
        read_hmdb51(hmdb_tree.root)


def test_dot_dot_name_is_rejected(hmdb_tree):
    split_file = hmdb_tree.splits / "cartwheel_test_split1.txt"
    with split_file.open("a") as handle:
        handle.write(".. 2\n")
    with pytest.raises(DatasetError, match=r"cartwheel_test_split1\.txt:11: .*escapes"):
        read_hmdb51(hmdb_tree.root)


@pytest.mark.parametrize("line", ["video.avi 3", "video.avi", "video.avi 1 extra"])
def test_parse_hmdb_split_rejects_bad_lines(tmp_path, line):
    path = tmp_path / "x_test_split1.txt"
    path.write_text(f"ok.avi 1\n{line}\n")
    with pytest.raises(DatasetError, match=r"x_test_split1\.txt:2: expected"):
        parse_hmdb_split(path)
