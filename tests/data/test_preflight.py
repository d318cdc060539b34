"""Dataset checks made while the DAG is built (videoaug.data.preflight)."""

import os
import shutil

import pytest

from videoaug.data.preflight import folder_notices, listing_digest, preflight
from videoaug.data.records import DatasetError


def _folder(root, layout, video):
    for cls, count in layout.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            shutil.copy(video, root / cls / f"{cls}_{i}.mp4")
    return {"kind": "folder", "root": str(root), "test_fraction": 0.3}


def test_a_good_folder_passes_with_counts(tmp_path, tiny_video):
    found = preflight("kitchen", _folder(tmp_path / "k", {"Cut": 4, "Stir": 4}, tiny_video), 0)
    assert (found.classes, found.train_videos, found.test_videos) == (2, 6, 2)
    assert found.notices == []


def test_one_class_is_refused_naming_the_dataset(tmp_path, tiny_video):
    cfg = _folder(tmp_path / "k", {"Cut": 5}, tiny_video)
    with pytest.raises(DatasetError, match=r"'kitchen' has 1 class\(es\) \(Cut\).*at least 2"):
        preflight("kitchen", cfg, 0)


def test_a_class_without_training_videos_is_refused(tmp_path, tiny_video):
    cfg = _folder(tmp_path / "k", {"Cut": 4, "Stir": 3}, tiny_video)
    with pytest.raises(DatasetError, match=r"Cut \(3\), Stir \(2\).*test_fraction"):
        preflight("kitchen", cfg, 0, min_train_videos=4)


def test_empty_and_symlinked_class_folders_are_reported(tmp_path, tiny_video):
    cfg = _folder(tmp_path / "k", {"Cut": 3, "Stir": 3}, tiny_video)
    (tmp_path / "k" / "Empty").mkdir()
    elsewhere = tmp_path / "elsewhere" / "Pour"
    _folder(tmp_path / "elsewhere", {"Pour": 3}, tiny_video)
    os.symlink(elsewhere, tmp_path / "k" / "Pour")
    found = preflight("kitchen", cfg, 0)
    assert found.classes == 3  # the symlinked class is followed, the empty one left out
    assert any("Empty holds no videos" in line and "left out" in line for line in found.notices)
    assert any("Pour is a symbolic link" in line and "followed" in line for line in found.notices)
    assert len(folder_notices(tmp_path / "k")) == 2


def test_missing_root_names_the_key(tmp_path):
    with pytest.raises(DatasetError, match=r"datasets\.ucf4\.root"):
        preflight("ucf4", {"kind": "ucf101", "root": str(tmp_path / "none")}, 0)


def test_synthetic_datasets_are_checked_from_the_config_alone(tmp_path):
    cfg = {"kind": "synthetic", "root": str(tmp_path / "not_generated"), "synth_train_per_class": 4}
    assert preflight("synth4", cfg, 0).classes == 0  # nothing generated, nothing read
    assert not (tmp_path / "not_generated").exists()


def _digests(cfg):
    records = preflight("kitchen", cfg, 0).records
    return listing_digest(records), [listing_digest(records, s, 2) for s in (0, 1)], records


def test_the_listing_digest_follows_every_change_of_the_folder(tmp_path, tiny_video):
    root = tmp_path / "k"
    cfg = _folder(root, {"Cut": 3, "Stir": 3}, tiny_video)
    whole, shards, records = _digests(cfg)
    assert _digests(cfg)[:2] == (whole, shards)  # nothing changed: nothing moves
    seen = {whole}
    # a video replaced (other bytes): the whole digest and its shard's, not the other shard's
    position = [r.id for r in records].index("Stir/Stir_1")
    with open(root / "Stir" / "Stir_1.mp4", "ab") as fh:
        fh.write(b"\0")
    after, after_shards, _ = _digests(cfg)
    assert after not in seen and after_shards[position % 2] != shards[position % 2]
    assert after_shards[1 - position % 2] == shards[1 - position % 2]
    seen.add(after)
    changes = [
        lambda: (root / "Cut" / "Cut_1.mp4").rename(root / "Cut" / "Cut_1b.mp4"),  # renamed
        lambda: shutil.copy(tiny_video, root / "Cut" / "Cut_9.mp4"),  # added
        lambda: (root / "Cut" / "Cut_0.mp4").unlink(),  # removed
        lambda: (root / "Stir").rename(root / "Whisk"),  # class renamed
        lambda: shutil.copytree(root / "Cut", root / "Pour"),  # class added
    ]
    for change in changes:
        change()
        digest = _digests(cfg)[0]
        assert digest not in seen
        seen.add(digest)
