"""L2A part 2 stages on a tiny synth4: features, Selector REINFORCE (exact resume), pair scores."""

import dataclasses
import json

import h5py
import numpy as np
import pytest
import torch

from tests.methods.l2a.l2a_stores import build_tiny_l2a
from videoaug.methods.l2a.features import uniform_clip, uniform_indices
from videoaug.methods.l2a.selector_stage import (
    SelectorParams,
    build_pool,
    figure_selector,
    load_selector,
    read_features,
    read_top_pairs,
    score_pairs_stage,
    search_space,
    train_selector_stage,
    video_features_stage,
)

PARAMS = SelectorParams(feature_width=4, clip_len=4, size=16, hidden=(16, 8), steps=6,
                        batch_pairs=4, reset_every=4, checkpoint_every=2, classifier_width=4,
                        budget=5, val_fraction=0.3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_l2a(tmp_path_factory.mktemp("l2a2"), "synth4",
                          {"synth_train_per_class": 3, "synth_test_per_class": 1}, PARAMS)


def _train(tiny, out, **kw):
    return train_selector_stage(tiny["manifest"], [tiny["frames"]], [tiny["masks"]],
                                [tiny["bgs"]], tiny["features"], tiny["matches"], PARAMS, out,
                                **kw)


def test_uniform_clip():
    assert uniform_indices(8, 4).tolist() == [1, 3, 5, 7]
    assert uniform_indices(2, 4).tolist() == [0, 0, 1, 1]
    frames = np.arange(8 * 6 * 10 * 3, dtype=np.uint8).reshape(8, 6, 10, 3)
    clip = uniform_clip(frames, 4, 5)
    assert clip.shape == (3, 4, 5, 5) and clip.dtype == np.uint8


def test_features_store_is_deterministic(tiny, tmp_path):
    ids, labels, feats = read_features(tiny["features"])
    manifest = json.loads(tiny["manifest"].read_text())
    assert sorted(ids) == ids and len(ids) == len(manifest["videos"])
    assert feats.shape == (len(ids), 32) and np.isfinite(feats).all()
    again = tmp_path / "f.h5"
    video_features_stage([tiny["frames"]], PARAMS, again)
    assert again.read_bytes() == tiny["features"].read_bytes()


def test_validation_split_is_held_out_and_stratified(tiny):
    manifest = json.loads(tiny["manifest"].read_text())
    pool = build_pool(manifest, tiny["features"], json.loads(tiny["matches"].read_text()), PARAMS)
    splits = {v["id"]: v["split"] for v in manifest["videos"]}
    assert not set(pool.val) & set(pool.pool)
    assert all(splits[pool.ids[i]] == "train" for i in [*pool.val, *pool.pool])
    assert sorted(pool.labels[pool.val].tolist()) == [0, 1, 2, 3]  # one of each class
    assert all(pool.matched[c] != c for c in range(4))


def test_selector_resumes_exactly(tiny, tmp_path):
    full = tmp_path / "a" / "selector.pt"
    summary = _train(tiny, full)
    assert len(summary["steps"]) == PARAMS.steps
    assert all(0.0 <= r["selected"] <= 1.0 for r in summary["steps"])
    assert summary["steps"][0]["reward"] == 0.0 and summary["steps"][4]["reward"] == 0.0  # reset
    assert summary["steps"][1]["delta"] == pytest.approx(summary["steps"][0]["val_loss"])
    assert not full.with_name("selector.pt.partial").exists()
    killed = tmp_path / "b" / "selector.pt"
    assert _train(tiny, killed, stop_after=3) == {"stopped_at": 3}
    assert not killed.exists() and killed.with_name("selector.pt.partial").exists()
    _train(tiny, killed)  # resumes from the step-2 checkpoint
    a, b = torch.load(full, weights_only=True), torch.load(killed, weights_only=True)
    for key in a["selector"]:
        torch.testing.assert_close(a["selector"][key], b["selector"][key], rtol=0, atol=0)
    log_a = json.loads(full.with_name("selector_log.json").read_text())
    log_b = json.loads(killed.with_name("selector_log.json").read_text())
    assert log_a["steps"] == log_b["steps"]
    png = tmp_path / "sel.png"
    figure_selector(full.with_name("selector_log.json"), png)
    assert png.stat().st_size > 10_000
    # scores: search space size and ordering
    pairs = tmp_path / "pairs.h5"
    res = score_pairs_stage(tiny["manifest"], tiny["features"], tiny["matches"], full, PARAMS,
                            pairs)
    manifest = json.loads(tiny["manifest"].read_text())
    # 3 training videos per class x 3 of the matched class, 4 classes
    assert res["search_space"] == 4 * 3 * 3
    with h5py.File(pairs) as handle:
        omega = handle["omega"][()]
        assert handle.attrs["search_space"] == 36 and len(omega) == 36
    assert np.all(np.diff(omega) <= 0)
    top = read_top_pairs(pairs)
    assert len(top) == PARAMS.budget
    labels = {v["id"]: v["label"] for v in manifest["videos"]}
    matches = json.loads(tiny["matches"].read_text())["matches"]
    classes = manifest["classes"]
    for fg, bg, _ in top:
        assert classes[labels[bg]] == matches[classes[labels[fg]]]
    sel = load_selector(full)
    assert sel.hidden == PARAMS.hidden


def test_selector_settings_mismatch_on_resume(tiny, tmp_path):
    out = tmp_path / "selector.pt"
    _train(tiny, out, stop_after=2)
    other = SelectorParams(**{**PARAMS.__dict__, "lr": 0.5})
    with pytest.raises(ValueError, match="other l2a.selector settings"):
        train_selector_stage(tiny["manifest"], [tiny["frames"]], [tiny["masks"]], [tiny["bgs"]],
                             tiny["features"], tiny["matches"], other, out)


def test_search_space_counts():
    labels = np.array([0, 0, 1, 1, 1, 2])
    matched = np.array([1, 0, 0])
    pairs = search_space(labels, np.arange(6), matched)
    assert len(pairs) == 2 * 3 + 3 * 2 + 1 * 2
    assert all(labels[b] == matched[labels[a]] for a, b in pairs)


def test_bad_params():
    with pytest.raises(ValueError, match="unknown l2a.selector"):
        SelectorParams.from_dict({"nope": 1})
    with pytest.raises(ValueError, match="val_fraction"):
        SelectorParams(val_fraction=1.0)


# ------------------------------------------------------------------ supervised classifier
def _classifier_params(method, tmp_seed=0):
    from videoaug.train.video_classifier import VideoClassifierParams

    classifier = {**VideoClassifierParams(backbone="r3d_18", clip_len=4, stride=1, crop=16,
                              short_side=(16, 20), num_test_clips=2, eval_batch_size=4,
                              seed=tmp_seed).__dict__,
                  "train": {"epochs": 1, "batch_size": 4, "lr": 0.01, "schedule": "cosine",
                            "device": "cpu", "log_every": 0, "drop_last": True}}
    classifier["short_side"] = list(classifier["short_side"])
    return {"method": method, "classifier": classifier, "budget": 5, "alpha": 4.0,
            "mask": "union", "background": "inpainted"}


def test_composite_clips_carry_mixed_labels(tiny):
    from videoaug.methods.l2a.compose import composite_pair
    from videoaug.methods.l2a.stores import L2AStores
    from videoaug.methods.l2a.train_stage import CompositeClips
    from videoaug.train.transforms import video_train_transform

    stores = L2AStores([tiny["frames"]], [tiny["masks"]], [tiny["bgs"]], num_classes=4)
    ids = stores.video_ids()
    pairs = [(ids[0], ids[-1]), (ids[1], ids[2])]
    data = CompositeClips(pairs, [tiny["frames"]], [tiny["masks"]], [tiny["bgs"]], 4, 4, 1,
                          video_train_transform(16, (16, 20)))
    for i, (fg, bg) in enumerate(pairs):
        clip, label, index = data[i]
        assert clip.shape == (3, 4, 16, 16) and clip.dtype == torch.uint8 and index == i
        expected = composite_pair(stores, fg, bg).label
        np.testing.assert_allclose(label.numpy(), expected)
        assert label.sum() == pytest.approx(1.0)
    assert data.labels.tolist() == [stores.label(ids[0]), stores.label(ids[1])]


def test_train_l2a_and_baseline_follow_the_result_contract(tiny, tmp_path):
    from tests.result_contract import RESULT_KEYS
    from videoaug.methods.l2a.train_stage import train_l2a

    selector = tmp_path / "selector.pt"
    _train(tiny, selector)
    pairs = tmp_path / "pairs.h5"
    score_pairs_stage(tiny["manifest"], tiny["features"], tiny["matches"], selector, PARAMS,
                      pairs)
    args = ([tiny["frames"]], [tiny["masks"]], [tiny["bgs"]])
    res = train_l2a(tiny["manifest"], *args, pairs, _classifier_params("l2a"),
                    tmp_path / "l2a.json")
    base = train_l2a(tiny["manifest"], *args, None, _classifier_params("l2a_none"),
                     tmp_path / "none.json", tmp_path / "none.npz")
    from videoaug.report.paired import load_correct

    ids, correct, _ = load_correct(tmp_path / "none.npz")  # scores for the paired comparisons
    assert len(ids) == base["counts"]["test_videos"]
    assert base["metrics"]["top1"] == pytest.approx(correct.mean())
    for r in (res, base):
        assert RESULT_KEYS <= set(r) and 0.0 <= r["metrics"]["top1"] <= 1.0
    assert res["method"] == "l2a" and base["method"] == "l2a_none"
    assert res["counts"]["train_generated"] == 5 and base["counts"]["train_generated"] == 0
    assert res["counts"]["train_real"] == base["counts"]["train_real"] == 12
    assert [p["fg"] for p in res["pairs"]] == [a for a, _, _ in read_top_pairs(pairs)]
    with pytest.raises(ValueError, match="pairs"):
        train_l2a(tiny["manifest"], *args, None, _classifier_params("l2a"), tmp_path / "x.json")


def test_baseline_pairs(tiny, tmp_path):
    from videoaug.methods.l2a.train_stage import choose_pairs

    manifest = json.loads(tiny["manifest"].read_text())
    labels = {v["id"]: v["label"] for v in manifest["videos"]}
    train = {v["id"] for v in manifest["videos"] if v["split"] == "train"}
    selector = tmp_path / "selector.pt"
    _train(tiny, selector)
    pairs = tmp_path / "pairs.h5"
    score_pairs_stage(tiny["manifest"], tiny["features"], tiny["matches"], selector, PARAMS,
                      pairs)
    space = {(a, b) for a, b, _ in read_top_pairs(pairs, 10_000)}
    rand = choose_pairs("l2a_random", manifest, pairs, 7, seed=3)
    assert len(rand) == 7 and len({(a, b) for a, b, _ in rand}) == 7
    assert {(a, b) for a, b, _ in rand} <= space and all(np.isnan(w) for *_, w in rand)
    def ids(chosen):
        return [(a, b) for a, b, _ in chosen]

    assert ids(rand) == ids(choose_pairs("l2a_random", manifest, pairs, 7, seed=3))  # seeded
    assert ids(rand) != ids(choose_pairs("l2a_random", manifest, pairs, 7, seed=4))
    actor = choose_pairs("l2a_actorcut", manifest, None, 50, seed=0)
    assert len(actor) == 50 and all(labels[a] != labels[b] for a, b, _ in actor)
    assert all(a in train and b in train for a, b, _ in actor)
    # more than the space holds: all of it, once
    assert len(choose_pairs("l2a_random", manifest, pairs, 10_000, seed=0)) == len(space)


def test_a_selector_step_that_keeps_one_pair_trains(tiny, tmp_path):
    # One pair per step: every kept step trains the inner Tiny3D on a batch of one, whose last
    # BatchNorm sees 1x1x1 maps at clip 4, size 16 (PyTorch refuses that in training mode).
    params = dataclasses.replace(PARAMS, batch_pairs=1, steps=8, reset_every=8)
    out = tmp_path / "selector.pt"
    summary = train_selector_stage(tiny["manifest"], [tiny["frames"]], [tiny["masks"]],
                                   [tiny["bgs"]], tiny["features"], tiny["matches"], params, out)
    selected = [r["selected"] for r in summary["steps"]]
    assert 1.0 in selected and set(selected) <= {0.0, 1.0}, selected
    # a kept pair trains the classifier: the validation loss moves; a dropped one leaves it
    losses = [r["val_loss"] for r in summary["steps"]]
    for k in range(1, len(selected)):
        assert (losses[k] != losses[k - 1]) == (selected[k] == 1.0), (selected, losses)
    assert all(np.isfinite(losses)) and out.exists()
