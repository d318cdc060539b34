"""L2A few-shot stage (Table 4) on a tiny synth10: training set (foreground labels, novel-only
augmentation, n examples), features, episodes, the result contract, determinism."""

import json

import numpy as np
import pytest
import torch

from tests.methods.l2a.l2a_stores import build_tiny_l2a
from videoaug.methods.l2a import fewshot
from videoaug.methods.l2a.fewshot_stage import (
    ForegroundComposites,
    train_fewshot,
    train_ids_by_class,
    training_set,
)
from videoaug.train.video_classifier import VideoClassifierParams


@pytest.fixture(scope="module")
def tiny10(tmp_path_factory):
    stores = build_tiny_l2a(tmp_path_factory.mktemp("fewshot"), "synth10",
                            {"synth_classes": "synth10", "synth_train_per_class": 2,
                             "synth_test_per_class": 2}, matches=False)
    return {"manifest": stores["manifest"], "frames": [stores["frames"]],
            "masks": [stores["masks"]], "bgs": [stores["bgs"]]}


def _params(method, shots, seed=0):
    classifier = {**VideoClassifierParams(backbone="slowfast_tiny", clip_len=4, stride=1, crop=16,
                              short_side=(16, 20), num_test_clips=2, eval_batch_size=4,
                              seed=seed).__dict__,
                  "train": {"epochs": 1, "batch_size": 8, "lr": 0.01, "schedule": "cosine",
                            "device": "cpu", "log_every": 0}}
    classifier["short_side"] = list(classifier["short_side"])
    return {"method": method, "shots": shots, "classifier": classifier, "novel_classes": None,
            "ways": 5, "queries": 2, "episodes": 20, "metric": "euclidean",
            "composites_per_example": 3, "backgrounds": "other", "mask": "union"}


def test_training_set_foreground_labels_novel_only(tiny10):
    manifest = json.loads(tiny10["manifest"].read_text())
    assert manifest["classes"][-5:] == ["BodyWeightSquats", "JumpRope", "Lunges", "Punch",
                                        "WalkingWithDog"]
    novel = fewshot.novel_labels(manifest["classes"], None)
    labelled = fewshot.fewshot_labelled(train_ids_by_class(manifest), novel, 2, seed=0)
    cparams = VideoClassifierParams.from_dict(_params("pn_l2a", 2)["classifier"])
    data, pairs = training_set("pn_l2a", tiny10["frames"], tiny10["masks"], tiny10["bgs"],
                               labelled, novel, 10, cparams, _params("pn_l2a", 2), seed=1)
    real_count = 5 * 2 + 5 * 2
    assert len(data) == real_count + len(pairs) and len(pairs) == 5 * 2 * 3
    owner = {str(v["id"]): int(v["label"]) for v in manifest["videos"]}
    assert {owner[fg] for fg, _ in pairs} == set(novel)
    composites = data.datasets[1]
    assert isinstance(composites, ForegroundComposites)
    for i, (fg, _) in enumerate(pairs):
        clip, target, _ = composites[i]
        expected = torch.zeros(10)
        expected[owner[fg]] = 1.0
        assert torch.equal(target, expected)  # hard one-hot of the foreground, never mixed
        assert clip.shape == (3, 4, 16, 16)
    real_labels = data.datasets[0].labels
    for k in novel:
        assert (real_labels == k).sum() == 2  # n examples per novel class
    for k in set(range(10)) - set(novel):
        assert (real_labels == k).sum() == 2  # seen classes keep all
    plain, none = training_set("pn", tiny10["frames"], [], [], labelled, novel, 10, cparams,
                               _params("pn", 2), seed=1)
    assert none == [] and len(plain) == real_count


def test_train_fewshot_result_contract_and_determinism(tiny10, tmp_path):
    from tests.result_contract import RESULT_KEYS

    args = (tiny10["manifest"], tiny10["frames"], tiny10["masks"], tiny10["bgs"], None)
    res = train_fewshot(*args, _params("pn_l2a", 1), tmp_path / "a.json")
    assert RESULT_KEYS <= set(res)
    assert res["method"] == "fewshot_pn_l2a_1shot"
    m = res["metrics"]
    assert 0.0 <= m["top1"] <= 1.0 and m["ci95"] >= 0.0 and m["episodes"] == 20
    assert res["counts"]["novel_examples_per_class"] == {
        c: 1 for c in ["BodyWeightSquats", "JumpRope", "Lunges", "Punch", "WalkingWithDog"]}
    assert res["counts"]["train_generated"] == 5 * 3
    again = train_fewshot(*args, _params("pn_l2a", 1), tmp_path / "b.json")
    assert again["metrics"] == m
    base = train_fewshot(tiny10["manifest"], tiny10["frames"], [], [], None, _params("pn", 1),
                         tmp_path / "c.json")
    assert base["counts"]["train_generated"] == 0 and base["labelled"] == res["labelled"]
    # per-episode accuracies on the same episodes: what Table 4 pairs
    assert len(m["episode_accuracy"]) == m["episodes"]
    assert m["top1"] == pytest.approx(np.mean(m["episode_accuracy"]))
    assert base["metrics"]["episodes_sha256"] == m["episodes_sha256"]
    with pytest.raises(ValueError, match="masks and backgrounds"):
        train_fewshot(tiny10["manifest"], tiny10["frames"], [], [], None,
                      _params("pn_l2a", 1), tmp_path / "d.json")
    assert np.isfinite(m["top1"])


def test_params_merge_the_l2a_recipe_with_fewshot_overrides():
    from pathlib import Path

    import yaml

    from videoaug.config import validate_config
    from videoaug.methods.l2a.params import l2a_fewshot_params

    root = Path(__file__).resolve().parents[3]
    config = validate_config(yaml.safe_load((root / "config.yaml").read_text()))
    config["l2a"]["fewshot"]["classifier"] = {"num_test_clips": 3, "train": {"epochs": 7}}
    p = l2a_fewshot_params(config, "synth10", "pn_l2a", 4, seed=2)
    assert p["method"] == "pn_l2a" and p["shots"] == 4 and p["classifier"]["seed"] == 2
    assert "dataset" not in p and "shots" not in p["classifier"]
    assert p["classifier"]["num_test_clips"] == 3 and p["classifier"]["train"]["epochs"] == 7
    # the rest is the L2A classifier recipe: 8-frame clips, wd 1e-3, cosine (paper §5.1)
    assert p["classifier"]["clip_len"] == config["l2a"]["classifier"]["clip_len"]
    assert p["classifier"]["train"]["weight_decay"] == 0.001
    assert p["classifier"]["train"]["schedule"] == "cosine"
    assert p["ways"] == 5 and p["novel_classes"] is None
