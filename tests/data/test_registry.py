"""load_records: dispatch on ``kind``, subset keys, error messages."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from videoaug.data import synthetic
from videoaug.data.folder import read_folder
from videoaug.data.hmdb51 import read_hmdb51
from videoaug.data.records import DatasetError
from videoaug.data.registry import load_records
from videoaug.data.ucf101 import read_ucf101


def test_ucf101_kind_matches_the_reader(ucf_tree):
    cfg = {"kind": "ucf101", "root": str(ucf_tree.root), "split": 2}
    assert load_records("ucf101", cfg, seed=0) == read_ucf101(ucf_tree.root, split=2)


def test_ucf101_subset_keys_apply(ucf_tree):
    cfg = {
        "kind": "ucf101",
        "root": str(ucf_tree.root),
        "annotations": str(ucf_tree.annotations),
        "classes": ["HandstandPushups", "YoYo"],
        "train_per_class": 3,
        "train_limit_classes": None,
    }
    classes, records = load_records("ucf2", cfg, seed=0)
    assert classes == ["HandstandPushups", "YoYo"]
    assert Counter((r.label, r.split) for r in records) == {
        (0, "train"): 3,
        (1, "train"): 3,
        (0, "test"): 4,
        (1, "test"): 4,
    }


def test_hmdb51_kind_matches_the_reader(hmdb_tree):
    cfg = {"kind": "hmdb51", "root": str(hmdb_tree.root), "split": 3, "splits": None}
    assert load_records("hmdb51", cfg, seed=0) == read_hmdb51(hmdb_tree.root, split=3)


def test_folder_kind_passes_seed_name_and_fraction(folder_tree):
    cfg = {"kind": "folder", "root": str(folder_tree.root), "test_fraction": 0.5}
    expected = read_folder(folder_tree.root, test_fraction=0.5, seed=7, name="clips")
    assert load_records("clips", cfg, seed=7) == expected
    default = load_records("clips", {"kind": "folder", "root": str(folder_tree.root)}, seed=7)
    assert sum(r.split == "test" for r in default[1]) == 6  # 3 + 2 + 1 at test_fraction 0.3


def test_unknown_kind_lists_the_known_ones(tmp_path):
    with pytest.raises(DatasetError) as err:
        load_records("x", {"kind": "kinetics", "root": str(tmp_path)}, seed=0)
    assert "datasets.x.kind = 'kinetics'" in str(err.value)
    for kind in ("folder", "hmdb51", "synthetic", "ucf101"):
        assert kind in str(err.value)


@pytest.mark.parametrize(
    ("kind", "download"),
    [("ucf101", "crcv.ucf.edu/data/UCF101.php"), ("hmdb51", "serre-lab.clps.brown.edu")],
)
@pytest.mark.parametrize("root", [None, "does/not/exist"])
def test_missing_root_says_what_to_download(tmp_path, monkeypatch, kind, download, root):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetError) as err:
        load_records("ucf4", {"kind": kind, "root": root}, seed=0)
    assert download in str(err.value)
    assert "datasets.ucf4.root" in str(err.value)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_incomplete_root_through_registry(ucf_tree):
    shutil.rmtree(ucf_tree.root / "YoYo")
    with pytest.raises(DatasetError, match="12 of 36 videos .* missing"):
        load_records("ucf101", {"kind": "ucf101", "root": str(ucf_tree.root)}, seed=0)


@pytest.fixture
def fake_synthetic(monkeypatch, tiny_videos):
    """The synthetic module with ``generate_synth4`` replaced by a fast writer of a tiny tree
    (the real ``SynthParams`` reaches it, so its field names are checked)."""
    calls = []

    def generate(root, params, progress=True):
        calls.append((Path(root), params, progress))
        classes = ["Skiing", "GolfSwing"]
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        (root / "classInd.txt").write_text("1 Skiing\n2 GolfSwing\n")
        train, test = [], []
        for label, name in enumerate(classes, start=1):
            (root / name).mkdir(exist_ok=True)
            count = params.train_per_class + params.test_per_class
            for i in range(count):
                stem = f"v_{name}_g{i + 1:02d}_c01"
                shutil.copyfile(tiny_videos[".mp4"], root / name / f"{stem}.mp4")
                (root / name / f"{stem}_mask.npy").write_bytes(b"")
                if i < params.test_per_class:
                    test.append(f"{name}/{stem}.mp4\n")
                else:
                    train.append(f"{name}/{stem}.mp4 {label}\n")
        (root / "trainlist01.txt").write_text("".join(train))
        (root / "testlist01.txt").write_text("".join(test))
        return root

    monkeypatch.setattr(synthetic, "generate_synth4", generate)
    return calls


def test_synthetic_kind_generates_then_reads(fake_synthetic, tmp_path):
    cfg = {
        "kind": "synthetic",
        "root": str(tmp_path / "synth4"),
        "synth_train_per_class": 5,
        "synth_test_per_class": 2,
        "frames": 8,
        "height": 16,
        "width": 24,
        "fps": 10,
        "difficulty": 0.5,
        "train_per_class": 3,  # subset key: cuts the 5 generated training videos to 3
    }
    classes, records = load_records("synth4", cfg, seed=11)
    ((root, params, progress),) = fake_synthetic
    assert root == tmp_path / "synth4" and progress is False
    assert (params.train_per_class, params.test_per_class, params.frames) == (5, 2, 8)
    assert (params.height, params.width, params.fps) == (16, 24, 10)
    assert (params.seed, params.difficulty) == (11, 0.5)
    assert classes == ["Skiing", "GolfSwing"]
    assert Counter((r.class_name, r.split) for r in records) == {
        ("Skiing", "train"): 3,
        ("Skiing", "test"): 2,
        ("GolfSwing", "train"): 3,
        ("GolfSwing", "test"): 2,
    }
    for record in records:
        mask = Path(record.extra["mask_path"])
        assert mask.is_file() and mask.name == Path(record.path).stem + "_mask.npy"
