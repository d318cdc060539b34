"""AVD stages on tiny stores: flow store, model training, distillation (deterministic, windows,
short videos), classifiers (result contract), cross-dataset labels, fusion, tables."""

import hashlib
import json

import numpy as np
import pytest

from tests.methods.tda.test_stage import (
    CLASSES,
    FRAMES,
    HEIGHT,
    TEST_PER_CLASS,
    TRAIN_PER_CLASS,
    WIDTH,
    tiny_store,  # noqa: F401  (fixture)
)
from tests.result_contract import RESULT_KEYS
from videoaug.io.store import FLOW_SCHEMA, FlowStore, ImageStore, open_store
from videoaug.methods.avd.flow import decode_flow
from videoaug.methods.avd.stage import (
    AVD_IMAGES_SCHEMA,
    AvdClassifierParams,
    AvdParams,
    FlowParams,
    cross_labels,
    distill_shard,
    optical_flow_shard,
    train_avd_classifier,
    train_avd_model,
    window_starts,
)
from videoaug.methods.sps.stage import fuse


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


MODEL = dict(clip_len=8, image_size=[32, 40], widths=[2, 2, 2, 2], teacher_hidden=[8, 4, 4, 4],
             lam=0.9, iterations=3, batch_size=2, lr=1e-3, checkpoint_every=2, seed=0)


def avd_params(input_name="rgb", **kw):
    values = dict(input=input_name, model=dict(MODEL), frame_stride=1, window_stride=2,
                  threads=1, device="cpu", seed=0)
    values.update(kw)
    return AvdParams(**values)


@pytest.fixture()
def flow_shards(tmp_path, tiny_store):  # noqa: F811
    _, shards = tiny_store
    out = []
    for s, shard in enumerate(shards):
        path = tmp_path / "flow" / f"{s}.h5"
        optical_flow_shard(shard, FlowParams(method="dis", options={"preset": "fast"}, bound=8.0),
                           path)
        out.append(path)
    return out


def test_flow_store_shape_params_and_determinism(tmp_path, tiny_store, flow_shards):  # noqa: F811
    _, shards = tiny_store
    store = FlowStore(flow_shards[0])
    assert store.params["bound"] == 8.0 and store.params["method"] == "dis"
    flow = store.read(0)
    assert flow.shape == (FRAMES - 1, HEIGHT, WIDTH, 2) and flow.dtype == np.uint8
    assert np.abs(decode_flow(flow, 8.0)).max() <= 8.0
    assert (store.num_frames == FRAMES - 1).all()
    with open_store(flow_shards[0]) as handle:
        assert handle.attrs["schema"] == FLOW_SCHEMA
    again = tmp_path / "again.h5"
    optical_flow_shard(shards[0], FlowParams(method="dis", options={"preset": "fast"}, bound=8.0),
                       again)
    assert _sha(again) == _sha(flow_shards[0])


def test_window_starts_and_short_videos():
    assert window_starts(12, 4, 1, 4).tolist() == [0, 4, 8]
    assert window_starts(12, 4, 2, 3).tolist() == [0, 3]           # span 7: starts 0..5
    assert window_starts(5, 8, 1, 4).tolist() == [0]                # shorter than one window
    assert window_starts(1, 8, 1, 4).tolist() == [0]


def test_train_distill_is_deterministic_with_video_index(tmp_path, tiny_store):  # noqa: F811
    manifest, shards = tiny_store
    model = tmp_path / "avd" / "rgb" / "model.pt"
    train_avd_model(manifest, shards, avd_params(), model, tmp_path / "curves.png")
    assert model.exists() and not (model.parent / "model.partial.pt").exists()
    assert (tmp_path / "curves.png").stat().st_size > 0
    outs = [tmp_path / "a.h5", tmp_path / "b.h5"]
    for out in outs:
        distill_shard(manifest, shards[0], model, avd_params(), out)
    assert _sha(outs[0]) == _sha(outs[1])
    store = ImageStore(outs[0], AVD_IMAGES_SCHEMA)
    videos = json.loads(manifest.read_text())["videos"]
    ids = store.column("video_ids")
    per_video = len(window_starts(FRAMES, 8, 1, 2))
    assert len(store) == per_video * len(set(ids))
    assert store.image_shape == (32, 40, 3)
    index = store.column("video_index")
    assert [videos[i]["id"] for i in index] == list(ids)
    assert (store.labels == [videos[i]["label"] for i in index]).all()


def test_short_video_gets_one_looped_window(tmp_path, tiny_store):  # noqa: F811
    manifest, shards = tiny_store
    out = tmp_path / "di.h5"
    # clip_len 20 > 12 frames: one dynamic image per video, from the looped frames
    params = avd_params("di", model={**MODEL, "clip_len": 20})
    distill_shard(manifest, shards[0], None, params, out)
    store = ImageStore(out, AVD_IMAGES_SCHEMA)
    ids = store.column("video_ids")
    assert len(ids) == len(set(ids)) and store.column("window_start").tolist() == [0] * len(ids)


def classifier_params(stream, **kw):
    values = dict(stream=stream, backbone="tsn_mobilenet_v3_small", dropout=0.2,
                  input_size=(32, 32), test_frames=3, eval_batch_size=4, threads=1,
                  train={"epochs": 1, "batch_size": 4, "lr": 0.01, "device": "cpu",
                         "log_every": 0},
                  seed=0, dataset="tiny")
    values.update(kw)
    return AvdClassifierParams(**values)


def test_classifiers_follow_the_result_contract_and_fuse(tmp_path, tiny_store,  # noqa: F811
                                                          flow_shards):
    manifest, shards = tiny_store
    images = []
    for s, shard in enumerate(shards):
        images.append(tmp_path / "di" / f"{s}.h5")
        distill_shard(manifest, shard, None, avd_params("di"), images[-1])
    runs = {"frames_rgb": shards, "frames_flow": flow_shards, "di": images}
    for stream, stores in runs.items():
        out, scores = tmp_path / f"{stream}.json", tmp_path / f"{stream}.npz"
        train_avd_classifier(manifest, stores, classifier_params(stream), out, scores)
        result = json.loads(out.read_text())
        assert RESULT_KEYS <= set(result) and result["method"] == f"avd_{stream}"
        assert result["counts"]["test_videos"] == len(CLASSES) * TEST_PER_CLASS
        assert np.array(result["metrics"]["confusion"]).sum() == len(CLASSES) * TEST_PER_CLASS
    # image streams train on every window of every training video
    assert json.loads((tmp_path / "di.json").read_text())["counts"]["train_real"] == (
        len(CLASSES) * TRAIN_PER_CLASS * len(window_starts(FRAMES, 8, 1, 2)))
    fused = fuse([tmp_path / "frames_flow.json", tmp_path / "di.json"],
                 [tmp_path / "frames_flow.npz", tmp_path / "di.npz"], [1.0, 1.0],
                 "avd_frames_flow+di", tmp_path / "fused.json")
    assert RESULT_KEYS <= set(fused) and fused["method"] == "avd_frames_flow+di"


def test_cross_labels_map_by_name_or_mapping():
    assert cross_labels(["a", "b"], ["b", "c", "a"], None).tolist() == [1, -1, 0]
    assert cross_labels(["a", "b"], ["x", "y"], {"x": "b"}).tolist() == [1, -1]
    # one file for both directions: entries of the other direction (keys that are not test
    # classes, values that are not training classes) are ignored
    both = {"x": "b", "b": "x", "a": "y"}
    assert cross_labels(["a", "b"], ["x", "y"], both).tolist() == [1, -1]
    assert cross_labels(["x", "y"], ["a", "b"], both).tolist() == [1, 0]
    with pytest.raises(ValueError, match="do not exist: \\['zzz'\\]"):
        cross_labels(["a"], ["x"], {"x": "zzz"})
    # a training set without a mapped class (a subset, the stand-in): that test class is left out
    assert cross_labels(["a"], ["x", "y"], {"x": "a", "y": "gone"}).tolist() == [0, -1]
    with pytest.raises(ValueError, match="cross_mapping"):
        cross_labels(["a"], ["x"], None)


def test_cross_dataset_result_names_the_test_dataset(tmp_path, tiny_store):  # noqa: F811
    manifest, shards = tiny_store
    other = json.loads(manifest.read_text())
    other["dataset"] = "tinyshift"
    other_path = tmp_path / "other.json"
    other_path.write_text(json.dumps(other))
    out = tmp_path / "cross.json"
    train_avd_classifier(manifest, shards, classifier_params("frames_rgb"), out,
                         tmp_path / "cross.npz", other_path, shards)
    result = json.loads(out.read_text())
    assert result["method"] == "avd_frames_rgb_on_tinyshift"
    assert result["test_dataset"] == "tinyshift"


def test_cli_optical_flow_from_config_and_params(tmp_path, tiny_store):  # noqa: F811
    from videoaug.cli import main as cli_main

    manifest, shards = tiny_store
    bound = tmp_path / "bound.json"
    assert cli_main(["flow-bound", "--config", "config.yaml", "--dataset", "synth4",
                     "--manifest", str(manifest), "--frames", *map(str, shards),
                     "--out", str(bound)]) == 0
    by_config, by_params = tmp_path / "c.h5", tmp_path / "p.h5"
    assert cli_main(["optical-flow", "--config", "config.yaml", "--dataset", "synth4",
                     "--frames", str(shards[0]), "--bound-file", str(bound),
                     "--out", str(by_config)]) == 0
    params = json.dumps({"method": "dis", "options": {"preset": "medium"}, "bound": "auto",
                         "compression": "lz4", "threads": 1})
    assert cli_main(["optical-flow", "--params", params, "--frames", str(shards[0]),
                     "--bound-file", str(bound), "--out", str(by_params)]) == 0
    assert _sha(by_config) == _sha(by_params)  # the config's defaults are these params
    assert FlowStore(by_config).params["bound"] == json.loads(bound.read_text())["bound"]
    # auto without the measured file: one clear error (exit 1), as for an unknown method
    assert cli_main(["optical-flow", "--params", params, "--frames", str(shards[0]),
                     "--out", str(tmp_path / "y.h5")]) == 1
    assert cli_main(["optical-flow", "--params", params.replace("dis", "lucas"),
                     "--frames", str(shards[0]), "--bound-file", str(bound),
                     "--out", str(tmp_path / "x.h5")]) == 1


def test_figure_shows_frames_dynamic_and_avd_images(tmp_path, tiny_store):  # noqa: F811
    from videoaug.methods.avd.stage import figure_avd

    manifest, shards = tiny_store
    model = tmp_path / "model.pt"
    train_avd_model(manifest, shards, avd_params(), model)
    stores = []
    for s, shard in enumerate(shards):
        stores.append(tmp_path / f"rgb{s}.h5")
        distill_shard(manifest, shard, model, avd_params(), stores[-1])
    out = tmp_path / "fig.png"
    figure_avd(manifest, shards, stores, stores, 3, out)
    assert out.stat().st_size > 5_000 and not (tmp_path / "fig.tmp.png").exists()


def test_flow_stream_end_to_end(tmp_path, tiny_store, flow_shards):  # noqa: F811
    manifest, _ = tiny_store
    model = tmp_path / "flow_model.pt"
    params = avd_params("flow", model={**MODEL, "clip_len": 4}, window_stride=4)
    train_avd_model(manifest, flow_shards, params, model)
    images = []
    for s, shard in enumerate(flow_shards):
        images.append(tmp_path / f"flowimg{s}.h5")
        distill_shard(manifest, shard, model, params, images[-1])
    out = tmp_path / "flow.json"
    train_avd_classifier(manifest, images, classifier_params("flow"), out, tmp_path / "f.npz")
    assert json.loads(out.read_text())["method"] == "avd_flow"


def test_an_image_classifier_with_a_last_batch_of_one_trains(tmp_path, tiny_store):  # noqa: F811
    # The AVD flow classifier's case (25 windows in batches of 8): here 36 windows in batches
    # of 5 leave a last batch of one; MobileNetV3 at 32x32 ends on 1x1 BatchNorm maps.
    manifest, shards = tiny_store
    images = []
    for s, shard in enumerate(shards):
        images.append(tmp_path / "di" / f"{s}.h5")
        distill_shard(manifest, shard, None, avd_params("di"), images[-1])
    train = {"epochs": 1, "batch_size": 5, "lr": 0.01, "device": "cpu", "log_every": 0}
    out = tmp_path / "di.json"
    train_avd_classifier(manifest, images, classifier_params("di", train=train), out,
                         tmp_path / "di.npz")
    result = json.loads(out.read_text())
    assert result["counts"]["train_real"] % 5 == 1
    assert np.isfinite(result["history"][0]["train_loss"])


def test_paper_preset_cross_dataset_maps_ucf101_and_hmdb51_both_ways():
    """UCF101 and HMDB51 name no class alike (GolfSwing / golf): without the mapping file the
    paper preset's Table 3 stopped with 'no test class maps to a training class'."""
    import json

    from videoaug.config import load_config
    from videoaug.data.standin import HMDB_MOTIONS, UCF_CLASSES

    config = load_config(["config.yaml", "workflow/presets/paper.yaml"])
    assert {"ucf101": "hmdb51", "hmdb51": "ucf101"}.items() <= config["avd"]["cross"].items()
    with open(config["avd"]["cross_mapping"], encoding="utf-8") as handle:
        mapping = json.load(handle)
    ucf, hmdb = sorted(UCF_CLASSES), sorted(HMDB_MOTIONS)
    to_hmdb = cross_labels(ucf, hmdb, mapping)  # train UCF101, test HMDB51
    assert [hmdb[i] for i in range(len(hmdb)) if to_hmdb[i] >= 0] == ["golf", "punch"]
    assert ucf[to_hmdb[hmdb.index("golf")]] == "GolfSwing"
    to_ucf = cross_labels(hmdb, ucf, mapping)  # train HMDB51, test UCF101
    assert hmdb[to_ucf[ucf.index("Punch")]] == "punch"
    assert to_ucf[ucf.index("WalkingWithDog")] == -1  # the stand-in's HMDB51 has no `walk`
    with pytest.raises(ValueError, match="give avd.cross_mapping"):
        cross_labels(ucf, hmdb, None)
