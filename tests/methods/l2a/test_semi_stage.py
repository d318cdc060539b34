"""Semi-supervised L2A stages on a tiny synth4: split, teacher + pseudo-labels, the Selector on the
pseudo-labelled pool, students on the shared trainer, and what training may see."""

import json

import numpy as np
import pytest

from tests.methods.l2a.l2a_stores import build_tiny_l2a
from tests.result_contract import RESULT_KEYS
from videoaug.methods.l2a.compose import mixed_label_weight, soft_label
from videoaug.methods.l2a.selector_stage import SelectorParams, read_top_pairs
from videoaug.methods.l2a.semi_stage import (
    STUDENTS,
    read_pseudo,
    semi_selector_stage,
    semi_split,
    semi_training_set,
    teacher_stage,
    train_semi,
)
from videoaug.methods.l2a.stores import L2AStores
from videoaug.train.video_classifier import VideoClassifierParams

SELECTOR = SelectorParams(feature_width=4, clip_len=4, size=16, hidden=(16, 8), steps=4,
                          batch_pairs=4, reset_every=4, checkpoint_every=2, classifier_width=4,
                          budget=6, val_fraction=0.3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    stores = build_tiny_l2a(tmp_path_factory.mktemp("l2a_semi"), "synth4",
                            {"synth_train_per_class": 5, "synth_test_per_class": 1}, SELECTOR)
    return {**stores, "frames": [stores["frames"]], "masks": [stores["masks"]],
            "bgs": [stores["bgs"]], "m": json.loads(stores["manifest"].read_text())}


def _params(method, fraction=40, threshold=0.0, seed=0):
    classifier = {**VideoClassifierParams(backbone="r3d_18", clip_len=4, stride=1, crop=16,
                              short_side=(16, 20), num_test_clips=2, eval_batch_size=4,
                              seed=seed).__dict__,
                  "train": {"epochs": 1, "batch_size": 4, "lr": 0.01, "schedule": "cosine",
                            "device": "cpu", "log_every": 0, "drop_last": True}}
    classifier["short_side"] = list(classifier["short_side"])
    return {"method": method, "classifier": classifier, "budget": 6, "alpha": 4.0,
            "mask": "union", "background": "inpainted", "fraction": fraction,
            "threshold": threshold, "subset_seed": 0,
            "policies": {"cutmix": "cutmix:a2:p0.5", "mixup": "mixup:a1", "cutout": "cutout"}}


@pytest.fixture(scope="module")
def teacher(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("teacher")
    result = teacher_stage(tiny["manifest"], tiny["frames"], _params("none"), out / "none.json",
                           out / "pseudo.json")
    return {"result": result, "pseudo": out / "pseudo.json", "dir": out}


def test_split_never_touches_the_test_videos(tiny):
    manifest = tiny["m"]
    train = {v["id"] for v in manifest["videos"] if v["split"] == "train"}
    labelled, unlabelled = semi_split(manifest, 40, seed=0)
    assert len(labelled) == 4 * 2 and len(unlabelled) == 4 * 3  # 5 per class: 40 % -> 2
    assert set(labelled) | set(unlabelled) == train and not set(labelled) & set(unlabelled)
    label = {v["id"]: v["label"] for v in manifest["videos"]}
    assert sorted(label[v] for v in labelled) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_teacher_writes_the_baseline_and_pseudo_labels(tiny, teacher):
    result, pseudo = teacher["result"], json.loads(teacher["pseudo"].read_text())
    assert RESULT_KEYS <= set(result) and result["method"] == "none_semi40"
    assert 0.0 <= result["metrics"]["top1"] <= 1.0
    assert result["counts"]["train_real"] == result["counts"]["train_labelled"] == 8
    assert result["counts"]["test_videos"] == 4
    assert result["semi"]["labelled"] == 8 and result["semi"]["unlabelled"] == 12
    assert [r["id"] for r in pseudo["videos"]] == pseudo["unlabelled"]
    assert pseudo["accepted"] == 12 and all(r["accepted"] for r in pseudo["videos"])  # t = 0
    truth = {v["id"]: v["label"] for v in tiny["m"]["videos"]}
    right = np.mean([r["label"] == truth[r["id"]] for r in pseudo["videos"]])
    assert pseudo["accepted_accuracy"] == pytest.approx(right)
    assert "true_label" not in pseudo["videos"][0]  # no unlabelled truth in what training reads


def test_teacher_accepts_exactly_the_videos_above_the_threshold(tiny, teacher, tmp_path):
    confidence = {r["id"]: r["confidence"] for r in
                  json.loads(teacher["pseudo"].read_text())["videos"]}
    values = sorted(set(confidence.values()))
    threshold = values[len(values) // 2]  # a real confidence: "at" the threshold is accepted
    teacher_stage(tiny["manifest"], tiny["frames"], _params("none", threshold=threshold),
                  tmp_path / "none.json", tmp_path / "pseudo.json")
    pseudo = json.loads((tmp_path / "pseudo.json").read_text())
    assert {r["id"] for r in pseudo["videos"] if r["accepted"]} == {
        v for v, c in confidence.items() if c >= threshold}  # same model: deterministic
    assert 0 < pseudo["accepted"] < len(confidence)
    with pytest.raises(ValueError, match="another label split or threshold"):
        read_pseudo(tmp_path / "pseudo.json", tiny["m"], _params("l2a", threshold=0.0))
    with pytest.raises(ValueError, match="another label split"):
        read_pseudo(tmp_path / "pseudo.json", tiny["m"], _params("l2a", fraction=60,
                                                                  threshold=threshold))


def _wrong_pseudo(tiny, teacher, tmp_path):
    """pseudo.json whose every pseudo-label is (true label + 1) mod 4: any label in training
    that matches the truth of an unlabelled video can only have come from the stores."""
    pseudo = json.loads(teacher["pseudo"].read_text())
    truth = {v["id"]: v["label"] for v in tiny["m"]["videos"]}
    for row in pseudo["videos"]:
        row.update(label=(truth[row["id"]] + 1) % 4, accepted=True)
    path = tmp_path / "pseudo.json"
    path.write_text(json.dumps(pseudo))
    return path, pseudo, {r["id"]: r["label"] for r in pseudo["videos"]}


def test_unlabelled_true_labels_never_enter_training(tiny, teacher, tmp_path):
    path, pseudo, wrong = _wrong_pseudo(tiny, teacher, tmp_path)
    truth = {v["id"]: v["label"] for v in tiny["m"]["videos"]}
    allowed = {**{v: truth[v] for v in pseudo["labelled"]}, **wrong}
    params = _params("l2a")
    selector = tmp_path / "selector.pt"
    semi_selector_stage(tiny["manifest"], tiny["frames"], tiny["masks"], tiny["bgs"],
                        tiny["features"], tiny["matches"], path, params, SELECTOR, selector,
                        tmp_path / "pairs.h5")
    matches = json.loads(tiny["matches"].read_text())["matches"]
    classes = tiny["m"]["classes"]
    space = read_top_pairs(tmp_path / "pairs.h5", 10_000)
    # the search space follows the pseudo-labels: V2 of V1's matched class *under them*
    assert space and all(classes[allowed[b]] == matches[classes[allowed[a]]] for a, b, _ in space)
    log = json.loads((tmp_path / "selector_log.json").read_text())
    assert log["val_videos"] == 4  # validated on labelled videos only (2 per class, 30 %)
    train, counts, top = semi_training_set(tiny["m"], tiny["frames"], tiny["masks"], tiny["bgs"],
                                           tmp_path / "pairs.h5", pseudo, params, seed=1)
    assert counts == {"train_labelled": 8, "train_pseudo": 12, "train_real": 20,
                      "train_generated": 6}
    real = [part.clips for part in train.datasets[:2]]
    for clips in real:
        assert clips.labels.tolist() == [allowed[v] for v in clips.video_ids]
    ids = [v for clips in real for v in clips.video_ids]
    for i, video in enumerate(ids):  # items: one-hot of the allowed label
        _, target, _ = train[i]
        assert target.tolist() == np.eye(4)[allowed[video]].tolist()
    stores = L2AStores(tiny["frames"], tiny["masks"], tiny["bgs"], num_classes=4)
    composites = train.datasets[2]
    for i, (fg, bg) in enumerate(composites.pairs):
        _, target, _ = composites[i]
        lam = mixed_label_weight(float(stores.mask(fg).mean()))
        np.testing.assert_allclose(target.numpy(), soft_label(allowed[fg], allowed[bg], lam, 4),
                                   atol=1e-6)
    none, counts, _ = semi_training_set(tiny["m"], tiny["frames"], [], [], None, pseudo,
                                        _params("none"), seed=1)
    assert counts["train_real"] == 8 and sorted(none.datasets[0].clips.video_ids) == sorted(
        pseudo["labelled"])


@pytest.mark.slow  # trains every student (~15 s): make test-all
def test_students_follow_the_result_contract(tiny, teacher, tmp_path):
    params = _params("l2a")
    semi_selector_stage(tiny["manifest"], tiny["frames"], tiny["masks"], tiny["bgs"],
                        tiny["features"], tiny["matches"], teacher["pseudo"], params, SELECTOR,
                        tmp_path / "selector.pt", tmp_path / "pairs.h5")
    results = {}
    for method in STUDENTS:
        results[method] = train_semi(
            tiny["manifest"], tiny["frames"], tiny["masks"], tiny["bgs"],
            tmp_path / "pairs.h5" if method == "l2a" else None, teacher["pseudo"],
            _params(method), tmp_path / f"{method}.json")
    for method, result in results.items():
        assert RESULT_KEYS <= set(result) and result["method"] == f"{method}_semi40"
        assert json.loads((tmp_path / f"{method}.json").read_text())["metrics"] == result[
            "metrics"]
        assert 0.0 <= result["metrics"]["top1"] <= 1.0
        semi = result["semi"]
        assert semi["fraction"] == 40 and semi["labelled"] == 8 and semi["pseudo_used"]
        assert semi["pseudo_accepted"] == 12 and result["counts"]["train_real"] == 20
        assert semi["pseudo_accuracy"] == teacher["result"]["semi"]["pseudo_accuracy"]
    assert results["l2a"]["counts"]["train_generated"] == 6
    assert results["pseudolabel"]["counts"]["train_generated"] == 0
    assert results["cutmix"]["policy"] == "cutmix:a2:p0.5"
    assert results["pseudolabel"]["policy"] is None
    with pytest.raises(ValueError, match="semi Selector's pairs"):
        train_semi(tiny["manifest"], tiny["frames"], tiny["masks"], tiny["bgs"], None,
                   teacher["pseudo"], _params("l2a"), tmp_path / "x.json")
    with pytest.raises(ValueError, match="teacher stage"):
        train_semi(tiny["manifest"], tiny["frames"], [], [], None, teacher["pseudo"],
                   _params("none"), tmp_path / "x.json")


@pytest.mark.parametrize("preset", [None, "ci", "paper"])
def test_semi_params_over_the_presets(preset):
    from pathlib import Path

    from videoaug.config import load_config
    from videoaug.methods.l2a.params import (
        l2a_semi_fractions,
        l2a_semi_params,
        l2a_semi_selector_params,
        l2a_train_params,
    )

    root = Path(__file__).resolve().parents[3]
    files = [root / "config.yaml"] + ([root / f"workflow/presets/{preset}.yaml"] if preset else [])
    config = load_config([str(f) for f in files])
    p = l2a_semi_params(config, "synth4", "cutmix", 20, seed=2)
    supervised = l2a_train_params(config, "synth4", "l2a", seed=2)["classifier"]
    epochs = config["l2a"]["semi"]["epochs"]
    assert p["classifier"]["train"]["epochs"] == (supervised["train"]["epochs"]
                                                  if epochs is None else epochs)
    assert p["classifier"]["clip_len"] == supervised["clip_len"] and p["classifier"]["seed"] == 2
    assert p["fraction"] == 20 and p["subset_seed"] == config["seed"]
    assert p["budget"] == (config["l2a"]["semi"]["budget"] or config["l2a"]["budget"])
    config["l2a"]["semi"]["budget"] = 5
    assert l2a_semi_params(config, "synth4", "l2a", 20)["budget"] == 5
    assert p["policies"]["cutmix"] == "cutmix:a2:p0.5"
    selector = SelectorParams.from_dict(l2a_semi_selector_params(config, "synth4", seed=2))
    assert selector.seed == 2 and selector.steps == config["l2a"]["selector"]["steps"]
    if preset == "paper":
        assert l2a_semi_fractions(config, "hmdb51") == [60, 50, 40]
        assert l2a_semi_fractions(config, "ucf101") == [50, 20, 10, 5] and epochs is None
    if preset == "ci":
        assert p["classifier"]["train"]["epochs"] == 1
