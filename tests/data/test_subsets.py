"""Few-sample and imbalanced subsets, on in-memory records."""

from __future__ import annotations

from collections import Counter

import pytest

from videoaug.data.records import DatasetError, VideoRecord
from videoaug.data.subsets import (
    HMDB4_CLASSES,
    NAMED_SUBSETS,
    UCF4_CLASSES,
    apply_subset,
)

CLASSES = ["c0", "c1", "c2", "c3", "c4"]
TRAIN_PER_CLASS, TEST_PER_CLASS = 30, 10


def _records(classes: list[str], train: int = TRAIN_PER_CLASS, test: int = TEST_PER_CLASS):
    return [
        VideoRecord(
            id=f"{name}/v{i:02d}",
            path=f"/data/{name}/v{i:02d}.avi",
            label=label,
            class_name=name,
            split="train" if i < train else "test",
        )
        for label, name in enumerate(classes)
        for i in range(train + test)
    ]


def _subset(records=None, classes=None, **overrides):
    options = {
        "keep_classes": None,
        "train_per_class": None,
        "train_limit_classes": None,
        "seed": 0,
        "name": "toy",
    }
    options.update(overrides)
    classes = CLASSES if classes is None else classes
    return apply_subset(_records(classes) if records is None else records, classes, **options)


def _train_ids(records) -> set[str]:
    return {r.id for r in records if r.split == "train"}


def test_cut_keeps_k_train_per_class_and_all_test_videos():
    records = _records(CLASSES)
    classes, subset = _subset(records, train_per_class=20)
    assert classes == CLASSES
    assert Counter(r.class_name for r in subset if r.split == "train") == dict.fromkeys(CLASSES, 20)
    assert {r.id for r in subset if r.split == "test"} == {
        r.id for r in records if r.split == "test"
    }
    assert _train_ids(subset) <= _train_ids(records)
    assert subset == sorted(subset, key=lambda r: (r.split, r.label, r.id))


def test_keep_classes_relabels_in_given_order():
    classes, subset = _subset(keep_classes=["c3", "c1"])
    assert classes == ["c3", "c1"]
    assert {(r.class_name, r.label) for r in subset} == {("c3", 0), ("c1", 1)}
    assert len(subset) == 2 * (TRAIN_PER_CLASS + TEST_PER_CLASS)


def test_choice_is_deterministic_and_depends_on_seed_and_name():
    chosen = _train_ids(_subset(train_per_class=5)[1])
    assert chosen == _train_ids(_subset(train_per_class=5)[1])
    assert chosen != _train_ids(_subset(train_per_class=5, seed=1)[1])
    assert chosen != _train_ids(_subset(train_per_class=5, name="other")[1])


def test_choice_does_not_depend_on_record_order():
    records = _records(CLASSES)
    forward = _train_ids(_subset(records, train_per_class=7)[1])
    backward = _train_ids(_subset(list(reversed(records)), train_per_class=7)[1])
    assert forward == backward


def test_limit_classes_cut_only_those():
    _, subset = _subset(train_per_class=20, train_limit_classes=["c1", "c4"])
    train_counts = Counter(r.class_name for r in subset if r.split == "train")
    assert train_counts == {"c0": 30, "c1": 20, "c2": 30, "c3": 30, "c4": 20}


def test_small_classes_keep_all_their_videos():
    _, subset = _subset(train_per_class=50)
    assert len(subset) == len(CLASSES) * (TRAIN_PER_CLASS + TEST_PER_CLASS)


def test_unknown_class_is_named():
    with pytest.raises(DatasetError, match=r"unknown classes \['nope'\]"):
        _subset(keep_classes=["c1", "nope"])
    with pytest.raises(DatasetError, match=r"train_limit_classes: unknown classes \['c0'\]"):
        _subset(keep_classes=["c1"], train_per_class=3, train_limit_classes=["c0"])


def test_empty_class_error_names_class_and_fix():
    with pytest.raises(DatasetError) as err:
        _subset(train_per_class=0, train_limit_classes=["c2"])
    message = str(err.value)
    assert "empty class" in message and "['c2']" in message and "no train videos" in message
    assert "datasets.toy.train_per_class" in message


def test_class_without_test_videos_is_an_empty_class():
    records = [r for r in _records(CLASSES) if not (r.class_name == "c0" and r.split == "test")]
    with pytest.raises(DatasetError, match=r"empty class\(es\) \['c0'\] have no test videos"):
        _subset(records)


def test_limit_classes_without_count_is_an_error():
    with pytest.raises(DatasetError, match="train_per_class is not"):
        _subset(train_limit_classes=["c1"])


def test_named_few_sample_subset_on_a_larger_dataset():
    classes = ["Archery", *UCF4_CLASSES, "Zumba"]
    spec = NAMED_SUBSETS["ucf4"].config_keys()
    kept_classes, subset = _subset(
        classes=classes,
        keep_classes=spec["classes"],
        train_per_class=spec["train_per_class"],
        train_limit_classes=spec["train_limit_classes"],
    )
    assert kept_classes == list(UCF4_CLASSES)
    assert Counter((r.class_name, r.split) for r in subset) == {
        **{(c, "train"): 20 for c in UCF4_CLASSES},
        **{(c, "test"): TEST_PER_CLASS for c in UCF4_CLASSES},
    }


def test_named_imbalanced_subset_keeps_all_classes():
    classes = ["aaa", *HMDB4_CLASSES, "zzz"]
    spec = NAMED_SUBSETS["hmdb51imb"].config_keys()
    kept_classes, subset = _subset(
        classes=classes,
        keep_classes=spec["classes"],
        train_per_class=spec["train_per_class"],
        train_limit_classes=spec["train_limit_classes"],
    )
    assert kept_classes == classes
    train_counts = Counter(r.class_name for r in subset if r.split == "train")
    assert train_counts == {"aaa": 30, **dict.fromkeys(HMDB4_CLASSES, 20), "zzz": 30}
    assert {name: s.kind for name, s in NAMED_SUBSETS.items()} == {
        "ucf4": "ucf101",
        "hmdb4": "hmdb51",
        "ucf101imb": "ucf101",
        "hmdb51imb": "hmdb51",
    }


def test_test_per_class_cuts_test_videos_only_and_is_seeded():
    from videoaug.data.records import VideoRecord
    from videoaug.data.subsets import apply_subset

    records = [VideoRecord(id=f"{c}/v{i}", path=f"/{c}/{i}", label=label, class_name=c,
                           split="test" if i < 5 else "train")
               for label, c in enumerate(["a", "b"]) for i in range(8)]
    classes, kept = apply_subset(records, ["a", "b"], keep_classes=None, train_per_class=None,
                                 train_limit_classes=None, seed=3, name="x", test_per_class=2)
    for c in classes:
        assert sum(r.class_name == c and r.split == "test" for r in kept) == 2
        assert sum(r.class_name == c and r.split == "train" for r in kept) == 3
    again = apply_subset(records, ["a", "b"], keep_classes=None, train_per_class=None,
                         train_limit_classes=None, seed=3, name="x", test_per_class=2)[1]
    assert [r.id for r in again] == [r.id for r in kept]
    with pytest.raises(DatasetError, match="datasets.x.test_per_class"):
        apply_subset(records, ["a", "b"], keep_classes=None, train_per_class=None,
                     train_limit_classes=None, seed=3, name="x", test_per_class=0)
