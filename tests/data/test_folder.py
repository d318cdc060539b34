"""Reader for any UCF-layout folder, on a tiny fake tree of real clips (see conftest.py)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from videoaug.data.folder import read_folder
from videoaug.data.records import DatasetError
from videoaug.data.ucf101 import read_ucf101


def _test_ids(records) -> set[str]:
    return {r.id for r in records if r.split == "test"}


def test_classes_are_sorted_video_folders_and_clutter_is_ignored(folder_tree):
    classes, records = read_folder(folder_tree.root)
    assert classes == ["alpha", "beta", "gamma"]  # no 'notes' (no video), no '.hidden'
    assert Counter(r.class_name for r in records) == folder_tree.counts
    assert {Path(r.path).suffix for r in records} == {".avi", ".mp4"}
    assert all(r.label == classes.index(r.class_name) for r in records)
    assert "alpha/alpha_03" in {r.id for r in records}
    assert records == sorted(records, key=lambda r: (r.split, r.label, r.id))


@pytest.mark.parametrize(
    ("fraction", "expected_test"),
    [
        (0.3, {"alpha": 3, "beta": 2, "gamma": 1}),  # 3.0, 2.1, 0.9 rounded
        (0.5, {"alpha": 5, "beta": 4, "gamma": 2}),  # 3.5 rounds up; gamma keeps 1 for training
        (0.0, {"alpha": 0, "beta": 0, "gamma": 0}),
    ],
)
def test_stratified_split_proportions(folder_tree, fraction, expected_test):
    _, records = read_folder(folder_tree.root, test_fraction=fraction)
    test_counts = {
        c: sum(r.split == "test" and r.class_name == c for r in records) for c in folder_tree.counts
    }
    assert test_counts == expected_test
    for class_name, count in folder_tree.counts.items():
        assert test_counts[class_name] == min(count - 1, math.floor(count * fraction + 0.5))
        assert count - test_counts[class_name] >= 1


def test_stratified_split_is_deterministic_and_seeded(folder_tree):
    first = read_folder(folder_tree.root, seed=3, name="mine")
    again = read_folder(folder_tree.root, seed=3, name="mine")
    other_seed = read_folder(folder_tree.root, seed=4, name="mine")
    other_name = read_folder(folder_tree.root, seed=3, name="yours")
    assert first == again
    assert _test_ids(first[1]) != _test_ids(other_seed[1])
    assert _test_ids(first[1]) != _test_ids(other_name[1])


def test_class_split_does_not_depend_on_other_classes(folder_tree):
    _, full = read_folder(folder_tree.root, seed=1)
    for path in (folder_tree.root / "gamma").iterdir():
        path.unlink()
    _, without_gamma = read_folder(folder_tree.root, seed=1)
    alpha_test = {i for i in _test_ids(full) if i.startswith("alpha/")}
    assert alpha_test == {i for i in _test_ids(without_gamma) if i.startswith("alpha/")}


def test_class_index_file_sets_the_order(folder_tree):
    (folder_tree.root / "classInd.txt").write_text("1 gamma\n2 alpha\n3 beta\n")
    classes, records = read_folder(folder_tree.root)
    assert classes == ["gamma", "alpha", "beta"]
    assert {r.label for r in records if r.class_name == "gamma"} == {0}


def test_folder_with_videos_missing_from_class_index_is_an_error(folder_tree):
    (folder_tree.root / "classInd.txt").write_text("1 alpha\n2 beta\n")
    with pytest.raises(DatasetError, match=r"\['gamma'\] hold videos"):
        read_folder(folder_tree.root)


def test_ucf_lists_decide_the_split_when_given(folder_tree):
    lists = folder_tree.root / "lists"
    lists.mkdir()
    (lists / "train.txt").write_text("alpha/alpha_00.avi\nbeta/beta_01.mp4 2\ngamma/gamma_00.avi\n")
    (lists / "test.txt").write_text("alpha/alpha_01.mp4\nbeta/beta_02.avi\ngamma/gamma_01.mp4\n")
    classes, records = read_folder(
        folder_tree.root, trainlist="lists/train.txt", testlist="lists/test.txt"
    )
    assert classes == ["alpha", "beta", "gamma"]
    assert {(r.id, r.split) for r in records} == {
        ("alpha/alpha_00", "train"),
        ("beta/beta_01", "train"),
        ("gamma/gamma_00", "train"),
        ("alpha/alpha_01", "test"),
        ("beta/beta_02", "test"),
        ("gamma/gamma_01", "test"),
    }


def test_list_paths_escaping_root_are_rejected(folder_tree):
    (folder_tree.root / "train.txt").write_text("alpha/alpha_00.avi\n../../etc/x.avi\n")
    (folder_tree.root / "test.txt").write_text("alpha/alpha_01.mp4\n")
    with pytest.raises(DatasetError, match=r"train\.txt:2: "):
        read_folder(folder_tree.root, trainlist="train.txt", testlist="test.txt")


def test_only_one_list_is_an_error(folder_tree):
    with pytest.raises(DatasetError, match="both `trainlist` and `testlist`"):
        read_folder(folder_tree.root, trainlist="train.txt")


def test_duplicate_stems_are_an_error(folder_tree, tiny_videos):
    clash = folder_tree.root / "beta" / "beta_01.avi"  # beta_01.mp4 exists
    clash.write_bytes(tiny_videos[".avi"].read_bytes())
    with pytest.raises(DatasetError, match="share the id 'beta/beta_01'"):
        read_folder(folder_tree.root)


def test_missing_root_names_the_config_key(tmp_path):
    with pytest.raises(DatasetError, match=r"datasets\.clips\.root"):
        read_folder(tmp_path / "nowhere", name="clips")


def test_ucf_reader_and_folder_reader_agree_on_ids(ucf_tree):
    # The UCF tree (without its quirky class) read as a plain folder gives the same video ids.
    _, ucf_records = read_ucf101(ucf_tree.root)
    _, folder_records = read_folder(ucf_tree.root)
    ucf_ids = {r.id for r in ucf_records if r.class_name != "HandstandPushups"}
    folder_ids = {r.id for r in folder_records if r.class_name != "HandStandPushups"}
    assert ucf_ids == folder_ids
