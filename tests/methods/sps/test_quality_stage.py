"""Stages gan_quality_net / gan_quality: fresh real DIs of the right class pass; noise, grey,
mode collapse and heavy blur do not, each for a reason the record names."""

import json

import numpy as np
import pytest

from videoaug.io.store import ImageStoreWriter, atomic_store
from videoaug.methods.sps.gan.quality import CONTROLS, control_sets
from videoaug.methods.sps.quality_stage import (
    MeasureParams,
    QualityParams,
    load_quality_net,
    measure_quality,
    quality_summary,
    train_quality_net,
)

CLASSES = ["Vertical", "Horizontal", "Blob"]
H, W = 24, 32


def _class_images(label: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Dynamic-image stand-ins: a bright stroke whose shape is the class, at a random place."""
    images = rng.normal(110, 12, size=(n, H, W, 3))
    for image in images:
        y, x = rng.integers(4, H - 8), rng.integers(4, W - 8)
        if label == 0:
            image[2:H - 2, x:x + 3] = 240
        elif label == 1:
            image[y:y + 3, 2:W - 2] = 240
        else:
            image[y - 3:y + 4, x - 3:x + 4, 0] = 250
            image[y - 3:y + 4, x - 3:x + 4, 1:] = 20
    return np.clip(images, 0, 255).astype(np.uint8)


def _store(path, schema, images, labels, columns):
    with atomic_store(path, schema, {}) as handle:
        kinds = {k: np.dtype(object) if v.dtype == object else v.dtype
                 for k, v in columns.items()}
        ImageStoreWriter(handle, (H, W), "lz4", kinds).append(images, labels=labels, **columns)


@pytest.fixture(scope="module")
def quality_inputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quality")
    rng = np.random.default_rng(0)
    images, labels, ids, splits = [], [], [], []
    for label in range(3):
        for split, videos in (("train", 8), ("test", 2)):
            for v in range(videos):
                images.append(_class_images(label, 3, rng))  # 3 sparse DIs per video
                labels += [label] * 3
                ids += [f"{CLASSES[label]}/{split}{v}"] * 3
                splits += [split] * 3
    images, labels = np.concatenate(images), np.array(labels)
    ssdi = tmp / "ssdi.h5"
    _store(ssdi, "videoaug.ssdi/1", images, labels,
           {"video_ids": np.array(ids, dtype=object), "splits": np.array(splits, dtype=object)})
    manifest = tmp / "manifest.json"
    manifest.write_text(json.dumps({"dataset": "toy", "classes": CLASSES}))
    params = QualityParams(image_size=16, width=8, feature_dim=8, heldout_fraction=0.25,
                           epochs=15, batch_size=16, lr=0.05, device="cpu")
    net = tmp / "net.pt"
    trained = train_quality_net(manifest, [ssdi], params, net)

    def pools(kind: str) -> list:
        paths = []
        noise = rng.integers(0, 256, size=(40, H, W, 3), dtype=np.uint8)
        for label in range(3):
            pool = _class_images(label, 40, rng) if kind == "real" else noise
            path = tmp / f"{kind}{label}.h5"
            _store(path, "videoaug.gan_pool/1", pool, np.full(40, label),
                   {"pool_index": np.arange(40)})
            paths.append(path)
        return paths

    return {"net": net, "manifest": manifest, "ssdi": [ssdi], "trained": trained,
            "real": pools("real"), "noise": pools("noise"), "tmp": tmp,
            "images": images, "labels": labels, "ids": np.array(ids), "splits": np.array(splits)}


def test_evaluator_holds_out_training_videos_and_classifies_them(quality_inputs):
    trained = quality_inputs["trained"]
    assert trained["heldout_videos"] == 6  # 2 of 8 training videos per class, never a test video
    assert trained["heldout_top1"] >= 0.9


# The toy strokes are 3 px wide on a 24 px image: "heavy" blur is a quarter of the height here.
TOY_MEASURE = MeasureParams(k=3, pixel_size=(12, 16), control_blur=0.25)


def test_real_images_of_the_class_score_like_the_held_out_reference(quality_inputs):
    q = measure_quality(quality_inputs["net"], quality_inputs["manifest"], quality_inputs["ssdi"],
                        quality_inputs["real"], quality_inputs["tmp"] / "real.json", TOY_MEASURE)
    assert json.loads((quality_inputs["tmp"] / "real.json").read_text()) == json.loads(
        json.dumps(q))
    for name in CLASSES:
        record = q["classes"][name]
        assert record["generated"]["consistency"] >= 0.9
        assert record["generated"]["n"] == 40 and record["real_heldout"]["n"] == 6
        for key in ("precision_pixel", "recall_pixel", "precision_embedding",
                    "recall_embedding"):
            assert record["generated"][key] >= 0.5 * record["real_heldout"][key] > 0
        assert record["goal"]["passes"] and record["goal"]["fails"] == []
    assert q["passes"] and q["passing_classes"] == 3
    summary = quality_summary(q)
    assert summary["passes"] and set(summary["classes"]) == set(CLASSES)


def test_noise_scores_chance_consistency_and_a_large_distance(quality_inputs):
    q = measure_quality(quality_inputs["net"], quality_inputs["manifest"], quality_inputs["ssdi"],
                        quality_inputs["noise"], measure=TOY_MEASURE)
    # The same noise images in every pool: the classifier's choice ignores the pool's label, so
    # the class-mean consistency is exactly chance (1/3).
    assert q["mean"]["generated"]["consistency"] == pytest.approx(1 / 3, abs=1e-9)
    for name in CLASSES:
        record = q["classes"][name]
        assert record["generated"]["frechet"] > 5.0 * record["real_heldout"]["frechet"]
        # Uniform noise: no image looks like the class to the evaluator (its wide pixel balls
        # may still cover real DIs: the textbook high-recall, low-precision case).
        assert {"precision_embedding", "recall_embedding"} <= set(record["goal"]["fails"])
    assert not q["passes"] and q["passing_classes"] == 0


def test_measure_quality_rejects_an_evaluator_of_other_classes(quality_inputs, tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"dataset": "toy", "classes": ["A", "B", "C"]}))
    with pytest.raises(ValueError, match="rebuild the quality net"):
        measure_quality(quality_inputs["net"], manifest, quality_inputs["ssdi"],
                        quality_inputs["real"])


def _control_pools(inputs, tmp):
    """The four control pools of every class, built from the evaluator's own split of the
    training videos and written as pool stores (what a generator would hand over)."""
    _, checkpoint = load_quality_net(inputs["net"])
    heldout = np.isin(inputs["ids"], checkpoint["heldout_videos"])
    train = inputs["splits"] == "train"
    paths = {kind: [] for kind in CONTROLS}
    for label in range(3):
        rows = inputs["labels"] == label
        sets = control_sets(inputs["images"][rows & train & ~heldout],
                            inputs["images"][rows & heldout], np.random.default_rng(label),
                            TOY_MEASURE.control_blur)
        for kind, images in sets.items():
            # 30 images per pool (5 chunks of the reference's 6): the controls cycled.
            images = np.concatenate([images] * 5)
            path = tmp / f"{kind}{label}.h5"
            _store(path, "videoaug.gan_pool/1", images, np.full(len(images), label),
                   {"pool_index": np.arange(len(images))})
            paths[kind].append(path)
    return paths


# Why each control must fail: texture and grey sit inside real balls (pixel precision is easy)
# but cover no real image; a repeated image covers only itself; heavy blur smears what the
# embedding and the pixels see into a few near-identical clouds.
REQUIRED_FAILS = {"noise": {"recall_pixel"}, "grey": {"recall_pixel", "recall_embedding"},
                  "repeat": {"recall_pixel", "recall_embedding"}, "blur": set()}


@pytest.mark.parametrize("kind", CONTROLS)
def test_control_pools_fail_for_the_reasons_the_record_states(quality_inputs, kind, tmp_path):
    pools = _control_pools(quality_inputs, tmp_path)[kind]
    q = measure_quality(quality_inputs["net"], quality_inputs["manifest"], quality_inputs["ssdi"],
                        pools, measure=TOY_MEASURE)
    assert not q["passes"] and q["passing_classes"] == 0
    for name in CLASSES:
        goal = q["classes"][name]["goal"]
        assert goal["fails"] and REQUIRED_FAILS[kind] <= set(goal["fails"]), (name, goal)
        if kind in ("grey", "repeat"):
            # A pool of one image repeated: its balls have radius 0, recall <= 1 / N.
            assert q["classes"][name]["generated"]["recall_pixel"] <= 1 / 18 + 1e-9
            assert q["classes"][name]["generated"]["diversity"] == pytest.approx(0, abs=1e-6)
        # The same control, built inside the stage, gets the same verdict in the record.
        assert q["controls"][name][kind]["goal"]["passes"] is False
    assert q["controls_fail"]
