"""The UCF101/HMDB51 stand-ins, read back through the real readers and the subset keys."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from videoaug.data.hmdb51 import read_hmdb51
from videoaug.data.registry import load_records
from videoaug.data.standin import (
    MANIFEST_NAME,
    StandinParams,
    generate_standin,
    hmdb_tag,
    is_complete,
    ucf_video_path,
)
from videoaug.data.subsets import HMDB4_CLASSES, UCF4_CLASSES
from videoaug.data.ucf101 import read_ucf101
from videoaug.io.video import probe, read_frames

# Small frames keep the test fast; the defaults (native size) are checked without rendering.
SMALL = {"height": 48, "width": 64, "seconds": 0.4}


@pytest.fixture(scope="module")
def ucf(tmp_path_factory) -> tuple[Path, StandinParams]:
    params = StandinParams(kind="ucf101", **SMALL)
    return generate_standin(tmp_path_factory.mktemp("ucf") / "UCF101", params), params


@pytest.fixture(scope="module")
def hmdb(tmp_path_factory) -> tuple[Path, StandinParams]:
    params = StandinParams(kind="hmdb51", videos_per_class=6, **SMALL)
    return generate_standin(tmp_path_factory.mktemp("hmdb") / "HMDB51", params), params


def test_defaults_are_the_datasets_native_format():
    ucf, hmdb = StandinParams(kind="ucf101"), StandinParams(kind="hmdb51")
    assert (ucf.width, ucf.height, ucf.fps, ucf.frames) == (320, 240, 25, 75)
    assert (hmdb.width, hmdb.height, hmdb.fps, hmdb.frames) == (320, 240, 30, 90)
    assert set(UCF4_CLASSES) <= set(ucf.classes) and set(HMDB4_CLASSES) <= set(hmdb.classes)


def test_ucf_layout_names_and_all_three_splits(ucf):
    root, params = ucf
    lists = root / "ucfTrainTestlist"
    assert sorted(p.name for p in lists.iterdir()) == sorted(
        ["classInd.txt"] + [f"{s}list0{k}.txt" for s in ("train", "test") for k in (1, 2, 3)])
    class_ind = (lists / "classInd.txt").read_text().splitlines()
    assert class_ind == [f"{i + 1} {c}" for i, c in enumerate(sorted(params.classes))]
    names = sorted(str(p.relative_to(root)) for p in root.glob("*/*.avi"))
    assert len(names) == len(params.classes) * params.videos_per_class
    assert all(re.fullmatch(r"(\w+)/v_\1_g\d\d_c\d\d\.avi", n) for n in names)
    for split in (1, 2, 3):
        classes, records = read_ucf101(root, split=split)
        assert classes == sorted(params.classes)
        for name in classes:
            mine = [r for r in records if r.class_name == name]
            test = [r for r in mine if r.split == "test"]
            # UCF101's rule: split k tests on groups 7(k-1)+1 .. 7k, trains on the others
            assert [int(r.id.split("_g")[1][:2]) for r in test] == [7 * (split - 1) + 1]
            assert len(mine) - len(test) == params.videos_per_class - 1
    # the trainlist carries 1-based classInd labels; the testlist has none
    first = (lists / "trainlist01.txt").read_text().splitlines()[0].split()
    assert first[1] == "1" and first[0].startswith(f"{sorted(params.classes)[0]}/")
    assert len((lists / "testlist01.txt").read_text().splitlines()[0].split()) == 1


def test_videos_are_xvid_avi_with_the_requested_size_and_length(ucf, hmdb):
    for root, params in (ucf, hmdb):
        video = next(root.glob("*/*.avi"))
        info = probe(video)
        assert (info.width, info.height, info.fps) == (params.width, params.height, params.fps)
        assert read_frames(video).shape == (params.frames, params.height, params.width, 3)
        tag = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "stream=codec_name,codec_tag_string", "-of", "csv=p=0", str(video)],
            capture_output=True, text=True, check=True).stdout.strip()
        assert tag == "mpeg4,XVID"


def test_hmdb_split_files_have_train_test_and_unused_tags(hmdb):
    root, params = hmdb
    for split in (1, 2, 3):
        classes, records = read_hmdb51(root, split=split)
        assert classes == sorted(params.classes)
        for name in classes:
            lines = (root / "testTrainMulti_7030_splits" / f"{name}_test_split{split}.txt"
                     ).read_text().splitlines()
            tags = [int(line.split()[1]) for line in lines]
            assert sorted(tags) == [0, 1, 1, 1, 2, 2]
            assert sum(r.class_name == name and r.split == "test" for r in records) == 2
    # every clip is a test clip in some split and the test sets of the splits differ
    tests = [{i for i in range(6) if hmdb_tag(i, 6, k) == 2} for k in (1, 2, 3)]
    assert set().union(*tests) == set(range(6)) and len({frozenset(t) for t in tests}) == 3


def test_paper_subsets_resolve_through_the_registry(ucf, hmdb):
    (ucf_root, _), (hmdb_root, _) = ucf, hmdb
    classes, records = load_records("ucf4", {"kind": "ucf101", "root": str(ucf_root),
                                             "classes": list(UCF4_CLASSES),
                                             "train_per_class": 20}, 0)
    assert classes == list(UCF4_CLASSES) and len(records) == 4 * 4
    classes, records = load_records("hmdb51imb", {
        "kind": "hmdb51", "root": str(hmdb_root), "train_per_class": 2,
        "train_limit_classes": list(HMDB4_CLASSES), "test_per_class": 1}, 0)
    train = {c: sum(r.class_name == c and r.split == "train" for r in records) for c in classes}
    assert {c: train[c] for c in HMDB4_CLASSES} == dict.fromkeys(HMDB4_CLASSES, 2)
    assert all(train[c] == 3 for c in classes if c not in HMDB4_CLASSES)
    assert all(sum(r.class_name == c and r.split == "test" for r in records) == 1
               for c in classes)
    # the test cut is a seeded draw: the same seed keeps the same videos, another seed may not
    again = load_records("hmdb51imb", {"kind": "hmdb51", "root": str(hmdb_root),
                                       "test_per_class": 1}, 0)[1]
    assert {r.id for r in again if r.split == "test"} == {
        r.id for r in records if r.split == "test"}


def test_generation_is_idempotent_and_redone_when_a_file_changes(tmp_path):
    params = StandinParams(kind="ucf101", classes=("Punch", "YoYo"), **SMALL)
    root = generate_standin(tmp_path / "u", params)
    manifest = json.loads((root / MANIFEST_NAME).read_text())
    video = root / ucf_video_path("Punch", 0)
    stamp = video.stat().st_mtime_ns
    generate_standin(root, params)
    assert video.stat().st_mtime_ns == stamp and is_complete(root, params)
    same = generate_standin(tmp_path / "v", params)  # same params -> same bytes
    assert json.loads((same / MANIFEST_NAME).read_text())["sha256"] == manifest["sha256"]
    video.write_bytes(b"broken")
    assert not is_complete(root, params)
    generate_standin(root, params)
    assert is_complete(root, params) and read_frames(video).shape[0] == params.frames
    assert not is_complete(root, StandinParams(kind="ucf101", classes=("Punch",), **SMALL))


def test_bad_parameters_name_the_problem():
    with pytest.raises(ValueError, match="no motion"):
        StandinParams(kind="hmdb51", classes=("kiss",))
    with pytest.raises(ValueError, match=">= 4 videos per class"):
        StandinParams(kind="ucf101", videos_per_class=3)
    assert StandinParams(kind="hmdb51", classes=("kiss",), motions={"kiss": "Punch"}).motions == {
        "kiss": "Punch"}
