"""SPS stages: the selection callback of Algorithm 1, the temporal stream's result contract,
fusion, and the ablation names."""

import json

import numpy as np
import pytest

from tests.result_contract import RESULT_KEYS
from videoaug.io.store import ImageStoreWriter, atomic_store
from videoaug.methods.sps.params import split_temporal_method
from videoaug.methods.sps.stage import (
    ClassifierParams,
    GeneratedSelection,
    fuse,
    train_temporal,
)
from videoaug.train.evaluate import load_scores, save_scores


class _Pool:
    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def __len__(self):
        return len(self.labels)


class _StubTrainer:
    """Returns fixed softmax scores for the pool, as a trained model would."""

    def __init__(self, probs):
        self.probs = probs

    def predict(self, dataset, batch_size):
        return self.probs


def _probs(rng, n, c):
    logits = rng.normal(size=(n, c)) * 3
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


@pytest.mark.parametrize("method", ["sps", "tsp", "rnd"])
def test_selection_callback_follows_algorithm_1(method):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=30)
    probs = _probs(rng, 30, 3)
    callback = GeneratedSelection(
        method, _Pool(labels), epochs=[1, 3, 5], n_g=4, seed=7, eval_batch_size=8
    )
    trainer = _StubTrainer(probs)
    for epoch in range(7):
        callback.on_epoch_start(trainer, epoch)
    assert [e["epoch"] for e in callback.events] == [1, 3, 5]
    assert len(callback.order) == 12 and len(set(callback.order)) == 12  # each added at most once
    for event in callback.events:
        assert event["labels"] == [int(labels[i]) for i in event["indices"]]  # the GAN's label
    sorted_probs = np.sort(probs, axis=1)
    margins = sorted_probs[:, -1] - sorted_probs[:, -2]
    losses = -np.log(probs[np.arange(30), labels])
    if method == "sps":  # independent: the 12 largest margins, 4 at a time in decreasing order
        assert callback.order == np.argsort(-margins, kind="stable")[:12].tolist()
    if method == "tsp":
        assert callback.order == np.argsort(losses, kind="stable")[:12].tolist()
    if method == "rnd":
        assert sorted(callback.order) != np.argsort(-margins)[:12].tolist()


def test_ssdi_adds_nothing():
    callback = GeneratedSelection(
        "ssdi", _Pool([0, 1]), epochs=[0, 1], n_g=1, seed=0, eval_batch_size=1
    )
    callback.on_epoch_start(_StubTrainer(None), 0)
    assert callback.order == [] and callback.events == []


def test_split_temporal_method():
    assert split_temporal_method("sps_noccs") == ("sps", False, True)
    assert split_temporal_method("ssdi_nohf") == ("ssdi", True, False)
    assert split_temporal_method("rnd_plain") == ("rnd", False, False)
    assert split_temporal_method("tsp") == ("tsp", True, True)


def _image_store(path, schema, images, labels, columns=None, prefix_full=None):
    with atomic_store(path, schema, {}) as handle:
        extra = {k: np.dtype(object) for k in (columns or {})}
        writer = ImageStoreWriter(handle, images.shape[1:3], "lz4", extra)
        writer.append(images, labels=labels, **(columns or {}))
        if prefix_full is not None:
            full_images, full_labels, full_cols = prefix_full
            full = ImageStoreWriter(handle, images.shape[1:3], "lz4", extra, prefix="full_")
            full.append(full_images, labels=full_labels, **full_cols)


def _tiny_sps_inputs(tmp_path):
    """Two classes whose dynamic images differ in brightness: bright = class 1."""
    rng = np.random.default_rng(0)
    classes = ["Dark", "Bright"]
    ids, labels, splits = [], [], []
    for split, count in (("train", 6), ("test", 3)):
        for label in (0, 1):
            for k in range(count):
                ids.append(f"{classes[label]}/{split}{k}")
                labels.append(label)
                splits.append(split)
    labels = np.array(labels)
    n = len(labels)
    base = np.where(labels[:, None, None, None] == 1, 200, 50)
    full = np.clip(base + rng.normal(0, 10, size=(n, 32, 32, 3)), 0, 255).astype(np.uint8)
    sparse = np.repeat(full, 2, axis=0)
    cols = {
        "video_ids": np.array(np.repeat(ids, 2), dtype=object),
        "splits": np.array(np.repeat(splits, 2), dtype=object),
    }
    full_cols = {"video_ids": np.array(ids, dtype=object), "splits": np.array(splits, dtype=object)}
    ssdi = tmp_path / "ssdi0.h5"
    _image_store(
        ssdi, "videoaug.ssdi/1", sparse, np.repeat(labels, 2), cols, (full, labels, full_cols)
    )
    pools = []
    for label in (0, 1):
        imgs = np.clip((200 if label else 50) + rng.normal(0, 20, size=(10, 32, 32, 3)), 0, 255)
        path = tmp_path / f"{classes[label]}_pool.h5"
        _image_store(path, "videoaug.gan_pool/1", imgs.astype(np.uint8), np.full(10, label))
        pools.append(path)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "dataset": "tiny",
                "classes": classes,
                "videos": [
                    {"id": i, "split": s, "label": int(lab)}
                    for i, s, lab in zip(ids, splits, labels, strict=True)
                ],
            }
        )
    )
    return manifest, [ssdi], pools


def _params(method, seed=0):
    return ClassifierParams(
        method=method,
        backbone="tsn_mobilenet_v3_small",
        input_size=(32, 32),
        select_start=0,
        select_every=1,
        select_count=1,
        n_g=3,
        monitor_every=1,
        seed=seed,
        dataset="tiny",
        train={"epochs": 3, "batch_size": 4, "lr": 0.01, "device": "cpu"},
    )


def test_train_temporal_contract_and_determinism(tmp_path):
    manifest, ssdi, pools = _tiny_sps_inputs(tmp_path)
    results = []
    numbers = {"consistency": 0.8, "frechet": 3.0, "diversity": 2.0, "precision_pixel": 0.5,
               "recall_pixel": 0.4, "precision_embedding": 0.6, "recall_embedding": 0.7}
    record = {"generated": {**numbers, "n": 20}, "real_heldout": {**numbers, "n": 4},
              "goal": {"passes": True, "fails": []}}
    quality = {"classes": {"Dark": record, "Bright": record}, "mean": {"frechet_ratio": 1.5},
               "passes": True, "passing_classes": 2, "controls_fail": True,
               "goal_definition": {}, "measure": {"k": 3}, "evaluator": {"heldout_top1": 0.9}}
    (tmp_path / "quality.json").write_text(json.dumps(quality))
    for run, gan_quality in (("a", None), ("b", tmp_path / "quality.json")):
        out, scores = tmp_path / f"{run}.json", tmp_path / f"{run}.npz"
        results.append(train_temporal(manifest, ssdi, pools, _params("sps"), out, scores,
                                      gan_quality=gan_quality))
    assert "gan_quality" not in results[0]
    copied = results[1]["gan_quality"]  # the pools' quality travels with the result
    assert copied["passes"] and copied["mean"] == {"frechet_ratio": 1.5}
    assert copied["classes"]["Dark"]["generated"] == numbers
    assert copied["passing_classes"] == 2 and copied["classes"]["Dark"]["fails"] == []
    assert str(tmp_path / "quality.json") in results[1]["inputs"]
    result = json.loads((tmp_path / "a.json").read_text())
    assert RESULT_KEYS | {"selection"} <= set(result), set(result)
    assert set(result["metrics"]) >= {"top1", "top5", "per_class", "confusion"}
    assert set(result["metrics"]["per_class"]) == {"Dark", "Bright"}
    assert result["counts"] == {
        "train_real": 24,
        "train_generated": 6,
        "pool": 20,
        "test_videos": 6,
        "classes": 2,
    }
    events = result["selection"]["events"]
    assert [e["epoch"] for e in events] == [0, 1] and all(len(e["indices"]) == 3 for e in events)
    assert [h["n_train"] for h in result["history"]] == [27, 30, 30]
    assert all("test_top1" in h for h in result["history"])
    assert str(ssdi[0]) in result["inputs"] and len(result["inputs"]) == 4
    assert results[0]["metrics"] == results[1]["metrics"]
    assert [h["train_loss"] for h in results[0]["history"]] == [
        h["train_loss"] for h in results[1]["history"]
    ]
    probs, labels, ids = load_scores(tmp_path / "a.npz")
    assert probs.shape == (6, 2) and np.allclose(probs.sum(1), 1) and len(ids) == 6


def test_empty_class_is_a_clear_error(tmp_path):
    manifest, ssdi, pools = _tiny_sps_inputs(tmp_path)
    data = json.loads(manifest.read_text())
    data["classes"].append("Ghost")
    manifest.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="Ghost"):
        train_temporal(
            manifest, ssdi, pools, _params("ssdi"), tmp_path / "r.json", tmp_path / "s.npz"
        )


def test_fusion_is_the_weighted_mean(tmp_path):
    ids = ["a", "b", "c"]
    labels = np.array([0, 1, 1])
    p1 = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    p2 = np.array([[0.4, 0.6], [0.1, 0.9], [0.7, 0.3]])
    save_scores(tmp_path / "t.npz", p1, labels, ids)
    save_scores(tmp_path / "s.npz", p2[[2, 0, 1]], labels[[2, 0, 1]], [ids[i] for i in (2, 0, 1)])
    for name in ("t", "s"):
        (tmp_path / f"{name}.json").write_text(
            json.dumps({"dataset": "d", "seed": 0, "metrics": {"per_class": {"x": 1.0, "y": 1.0}}})
        )
    result = fuse(
        [tmp_path / "t.json", tmp_path / "s.json"],
        [tmp_path / "t.npz", tmp_path / "s.npz"],
        [1.0, 3.0],
        "sps_fused",
        tmp_path / "f.json",
        tmp_path / "f.npz",
    )
    fused = (1 * p1 + 3 * p2) / 4  # argmax: [1, 1, 0] -> one of three correct
    probs, fused_labels, fused_ids = load_scores(tmp_path / "f.npz")  # in the first stream's order
    assert fused_ids == ids and np.allclose(probs, fused) and (fused_labels == labels).all()
    assert result["metrics"]["top1"] == pytest.approx(np.mean(fused.argmax(1) == labels))
    assert result["method"] == "sps_fused"
