"""The measured flow bound (flow.bound: auto): the percentile against numpy's on the same flow
computed independently, the floor, the store's params, and stored flow that uses the 8 bits on
slow motion where a fixed ±20 px bound leaves it flat."""

import json

import numpy as np
import pytest

from tests.methods.avd.test_flow import translating_texture
from videoaug.io.store import FRAMES_SCHEMA, FlowStore, FrameStore, FrameStoreWriter, atomic_store
from videoaug.methods.avd.flow import (
    FlowComputer,
    encode_flow,
    flow_magnitudes,
    level_use,
    measure_bound,
    to_grey,
    video_flow,
)
from videoaug.methods.avd.flow_bound import (
    FlowBoundParams,
    flow_bound_stage,
    pair_starts,
    resolve_bound,
)
from videoaug.methods.avd.stage import FlowParams, optical_flow_shard


def test_measure_bound_is_the_percentile_with_a_floor():
    samples = np.random.default_rng(0).exponential(1.0, 100_000).astype(np.float32)
    result = measure_bound(samples, 99.0, minimum=0.1)
    assert result["bound"] == pytest.approx(np.percentile(samples, 99.0))
    assert result["clipped_share"] == pytest.approx(0.01, abs=1e-3)
    # hardly any motion: the floor wins and nothing is clipped
    floor = measure_bound(samples * 1e-3, 99.0, minimum=0.5)
    assert floor["bound"] == 0.5 and floor["measured"] < 0.01 and floor["clipped_share"] == 0
    with pytest.raises(ValueError, match="no flow samples"):
        measure_bound(np.zeros(0), 99.0)
    with pytest.raises(ValueError, match="percentile"):
        measure_bound(samples, 0.0)


def test_resolve_bound_names_the_missing_file():
    assert resolve_bound(20.0, None) == (20.0, {"source": "config"})
    with pytest.raises(ValueError, match="bound.json"):
        resolve_bound("auto", None)
    with pytest.raises(ValueError, match="flow.bound 'big'"):
        resolve_bound("big", None)


def test_pair_starts_spread_over_the_clip():
    assert pair_starts(12, 4).tolist() == [0, 3, 7, 10]
    assert pair_starts(3, 8).tolist() == [0, 1]
    assert pair_starts(1, 8).tolist() == []


def _slow_store(path, videos=4, frames=6, step=0.6):
    """A frames shard of slowly translating textures (tripod-scale motion, ``step`` px/frame)."""
    with atomic_store(path, FRAMES_SCHEMA, {"test": True}) as handle:
        writer = FrameStoreWriter(handle, "lz4")
        for k in range(videos):
            clip = translating_texture(frames, 48, 64, shift=(step * (1 + k % 2), 0.0))
            writer.add(f"v{k}", clip, label=k % 2, fps=25.0, source=f"v{k}")
        writer.close()
    manifest = {"dataset": "slow", "classes": ["a", "b"],
                "videos": [{"id": f"v{k}", "label": k % 2, "class": "ab"[k % 2],
                            "split": "train" if k < 3 else "test"} for k in range(videos)]}
    return manifest


def test_stage_measures_the_sampled_training_pairs(tmp_path):
    shard = tmp_path / "frames" / "0.h5"
    manifest = _slow_store(shard)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    params = FlowBoundParams(method="dis", options={"preset": "fast"}, percentile=99.0,
                             videos=2, pairs=3, minimum=0.1)
    out = tmp_path / "bound.json"
    result = flow_bound_stage(tmp_path / "manifest.json", [shard], params, out)
    assert json.loads(out.read_text())["bound"] == result["bound"]
    # independently: whole-clip flow of the evenly spaced training videos v0, v2, pairs 0, 2, 4
    store = FrameStore(shard)
    computer = FlowComputer("dis", {"preset": "fast"})
    expected = np.concatenate([
        flow_magnitudes(video_flow(store.read(store.video_ids.index(v)), computer=computer)[s])
        for v in ("v0", "v2") for s in (0, 2, 4)])
    assert result["videos"] == 2 and result["pairs"] == 6
    assert result["bound"] == pytest.approx(float(np.percentile(expected, 99.0)), rel=1e-5)
    assert 0.5 < result["bound"] < 3.0  # 0.6 px/frame and 1.2 px/frame textures


def test_auto_bound_uses_the_eight_bits_where_20px_is_flat(tmp_path):
    shard = tmp_path / "frames" / "0.h5"
    manifest = _slow_store(shard)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    bound_file = tmp_path / "bound.json"
    flow_bound_stage(tmp_path / "manifest.json", [shard], FlowBoundParams(options={}), bound_file)
    fixed, auto = tmp_path / "fixed.h5", tmp_path / "auto.h5"
    optical_flow_shard(shard, FlowParams(bound=20.0), fixed)
    optical_flow_shard(shard, FlowParams(bound="auto"), auto, bound_file)
    measured = json.loads(bound_file.read_text())["bound"]
    fixed_store, auto_store = FlowStore(fixed), FlowStore(auto)
    assert auto_store.params["bound"] == measured
    assert auto_store.params["bound_source"]["percentile"] == 99.5
    assert fixed_store.params["bound_source"] == {"source": "config"}
    use_fixed = np.median([level_use(fixed_store.read(i)) for i in range(len(fixed_store))])
    use_auto = np.median([level_use(auto_store.read(i)) for i in range(len(auto_store))])
    # 0.6-1.2 px of motion: under 7 % of the range at ±20 px, most of it with the measured bound
    assert use_fixed < 0.07 and use_auto > 0.5, (use_fixed, use_auto)
    # the level use is the formula's: p99 of |q - 127.5| / 127.5
    q = auto_store.read(0)
    assert level_use(q) == pytest.approx(np.percentile(np.abs(q - 127.5) / 127.5, 99))
    clip = FrameStore(shard).read(0)
    flow = FlowComputer("dis", {"preset": "medium"})(*to_grey(clip)[:2])
    np.testing.assert_array_equal(q[0], encode_flow(flow, measured))


def test_avd_of_images_differ_between_clips_and_classes_with_the_measured_bound(tmp_path):
    """AVD(OF) on two classes of slow motion (0.6 and 1.2 px/frame): at ±20 px every flow image
    is nearly flat grey and so is every distilled image; with the measured bound the distilled
    images differ between clips and between the classes (image_spread, also in Fig. 1)."""
    from tests.methods.avd.test_stage import MODEL, avd_params
    from videoaug.io.store import ImageStore
    from videoaug.methods.avd.stage import (
        AVD_IMAGES_SCHEMA,
        distill_shard,
        image_spread,
        train_avd_model,
    )

    shard = tmp_path / "frames" / "0.h5"
    manifest = _slow_store(shard, videos=8, frames=10)
    for k, video in enumerate(manifest["videos"]):
        video["split"] = "train" if k < 6 else "test"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    bound_file = tmp_path / "bound.json"
    flow_bound_stage(tmp_path / "manifest.json", [shard], FlowBoundParams(options={}), bound_file)
    # widths 8 (the test_stage MODEL's 2 channels die at init: every image is the bias)
    params = avd_params("flow", model={**MODEL, "clip_len": 4, "image_size": [32, 40],
                                       "widths": [8, 8, 8, 8], "iterations": 10},
                        window_stride=4)
    spreads = {}
    for name, bound in (("fixed", 20.0), ("auto", "auto")):
        flow = tmp_path / name / "flow.h5"
        optical_flow_shard(shard, FlowParams(bound=bound), flow, bound_file)
        model = tmp_path / name / "model.pt"
        train_avd_model(tmp_path / "manifest.json", [flow], params, model)
        images = tmp_path / name / "images.h5"
        distill_shard(tmp_path / "manifest.json", flow, model, params, images)
        store = ImageStore(images, AVD_IMAGES_SCHEMA)
        spreads[name] = image_spread(store.images(np.arange(len(store))), store.labels)
    fixed, auto = spreads["fixed"], spreads["auto"]
    assert auto["between_classes"] > 3 * fixed["between_classes"], spreads
    assert auto["between_clips"] > 3 * fixed["between_clips"], spreads
    assert auto["between_classes"] > 2.0, spreads
    # image_spread's formulas on a hand case: two flat classes 10 grey levels apart
    flat = np.concatenate([np.full((2, 4, 4, 3), 100, np.uint8), np.full((2, 4, 4, 3), 110,
                                                                       np.uint8)])
    hand = image_spread(flat, np.array([0, 0, 1, 1]))
    assert hand == {"within": 0.0, "between_clips": 5.0, "between_classes": 10.0, "images": 4}
