"""L2A part 1 stages on a tiny synth4: masks (oracle IoU 1, motion), backgrounds, matches, store
round trips, composites from the stores, the figure, and a video without detection."""

import json

import numpy as np
import pytest

from videoaug.io.store import FrameStore, atomic_store
from videoaug.methods.l2a.compose import Variant, composite_pair, mixed_label_weight
from videoaug.methods.l2a.prepare import (
    figure_compositing,
    gather_masks_index,
    inpaint_shard,
    match_classes_stage,
    segment_shard,
)
from videoaug.methods.l2a.segment import FrameInstances, Segmentation, summarize
from videoaug.methods.l2a.stores import (
    MASKS_SCHEMA,
    BackgroundStore,
    L2AStores,
    MaskStore,
    MaskStoreWriter,
    pack_mask,
    unpack_mask,
)
from videoaug.stages.decode import DecodeParams, decode_shard
from videoaug.stages.manifest import build_manifest

SEG = {"compression": "lz4", "threads": 1}
INPAINT = {"method": "auto", "dilate": 2, "static_max_shift": 8.0, "radius": 3,
           "compression": "lz4", "threads": 1}


@pytest.fixture(scope="module")
def tiny_synth(tmp_path_factory):
    root = tmp_path_factory.mktemp("l2a")
    cfg = {"kind": "synthetic", "root": str(root / "synth4"), "synth_train_per_class": 1,
           "synth_test_per_class": 1, "frames": 10, "height": 48, "width": 64}
    manifest = root / "manifest.json"
    build_manifest("synth4", cfg, 0, manifest)
    frames = root / "frames0.h5"
    decode_shard(manifest, 0, 1, DecodeParams(short_side=None), frames)
    return root, manifest, frames


def test_oracle_masks_have_iou_one_and_round_trip(tiny_synth):
    root, manifest, frames = tiny_synth
    out = root / "masks_oracle.h5"
    summary = segment_shard(frames, manifest, {"segmenter": "oracle", "options": {}, **SEG}, out)
    assert summary["mean_iou"] == pytest.approx(1.0)
    store = MaskStore(out)
    truth_path = json.loads(manifest.read_text())["videos"][0]["extra"]["mask_path"]
    truth = np.load(truth_path).astype(bool)
    i = store.video_ids.index(json.loads(manifest.read_text())["videos"][0]["id"])
    np.testing.assert_array_equal(store.read(i, "union"), truth)
    np.testing.assert_array_equal(store.read(i, "people"), truth)  # the figure is a person
    boxes = store.read(i, "boxes")
    assert boxes.shape == truth.shape and np.all(boxes >= truth) and boxes.sum() > truth.sum()
    assert store.gamma[i] == pytest.approx(truth.mean())
    assert np.all(store.iou_gt == 1.0) and store.empty_videos == 0
    # much smaller than the frames it describes
    assert out.stat().st_size < frames.stat().st_size / 4


def test_stores_are_deterministic(tiny_synth, tmp_path):
    root, manifest, frames = tiny_synth
    paths = [tmp_path / f"m{k}.h5" for k in range(2)]
    for path in paths:
        segment_shard(frames, manifest, {"segmenter": "motion", "options": {}, **SEG}, path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    bgs = [tmp_path / f"b{k}.h5" for k in range(2)]
    for path in bgs:
        inpaint_shard(frames, paths[0], INPAINT, path)
    assert bgs[0].read_bytes() == bgs[1].read_bytes()


def test_backgrounds_composites_and_figure(tiny_synth, tmp_path):
    root, manifest, frames = tiny_synth
    masks = root / "masks_oracle.h5"
    if not masks.exists():
        segment_shard(frames, manifest, {"segmenter": "oracle", "options": {}, **SEG}, masks)
    backgrounds = tmp_path / "bg.h5"
    inpaint_shard(frames, masks, INPAINT, backgrounds)
    bg_store, frame_store, mask_store = BackgroundStore(backgrounds), FrameStore(frames), \
        MaskStore(masks)
    assert bg_store.video_ids == frame_store.video_ids
    assert set(bg_store.methods) <= {"median", "telea"} and len(bg_store.shift) == len(bg_store)
    for i in range(len(bg_store)):
        f, b, m = frame_store.read(i), bg_store.read(i), mask_store.read(i)
        assert b.shape == f.shape
        np.testing.assert_array_equal(b[~_dilated(m)], f[~_dilated(m)])  # outside: untouched
        # the bright figure is gone: the hole now looks like its surroundings, not the figure
        assert np.abs(b[m].astype(int) - f[m].astype(int)).mean() > 5
    stores = L2AStores([frames], [masks], [backgrounds], num_classes=4)
    ids = stores.video_ids()
    fg_id = ids[0]
    bg_id = next(v for v in ids if stores.label(v) != stores.label(fg_id))
    comp = composite_pair(stores, fg_id, bg_id)
    mask = stores.mask(fg_id)
    np.testing.assert_array_equal(comp.frames[mask], stores.frames(fg_id)[mask])
    np.testing.assert_array_equal(comp.frames[~mask], stores.background(bg_id)[~mask])
    assert comp.lam == pytest.approx(mixed_label_weight(mask.mean()))
    assert comp.label[stores.label(fg_id)] == pytest.approx(comp.lam)
    raw = composite_pair(stores, fg_id, bg_id, Variant(mask="boxes", background="raw"))
    boxes = stores.mask(fg_id, "boxes")
    np.testing.assert_array_equal(raw.frames[~boxes], stores.frames(bg_id)[~boxes])
    assert raw.gamma > comp.gamma
    matches = tmp_path / "matches.json"
    result = match_classes_stage(manifest, {"model": "unused", "mode": "random", "seed": 0},
                                 matches)
    assert all(result["matches"][c] != c for c in result["classes"])
    png = tmp_path / "fig.png"
    rows = figure_compositing(manifest, [frames], [masks], [backgrounds], matches, png, pairs=2,
                              frames_shown=3)
    assert png.stat().st_size > 10_000
    assert len(rows) == 2
    for row in rows:  # each row's panels carry that row's own frame indices
        fg_mask = stores.mask(row["fg"])
        t = int(np.argmax(fg_mask.reshape(len(fg_mask), -1).sum(1)))
        assert [title.split("t=")[-1] for title in row["titles"][:4]] == [str(t)] * 4
        n = len(stores.frames(row["fg"]))
        assert row["titles"][4:] == [f"t={k}" for k in np.round(np.linspace(0, n - 1, 3))
                                     .astype(int)]


def _dilated(mask, radius=2):
    from videoaug.methods.l2a.inpaint import dilate_mask

    return dilate_mask(mask, radius)


def test_video_without_detection_is_counted(tmp_path):
    t, h, w = 3, 8, 12
    full = np.zeros((t, h, w), bool)
    full[:, 2:5, 3:7] = True
    empty_seg = summarize([FrameInstances.empty(h, w)] * t, h, w)
    seg = Segmentation(full, full, full, np.ones(t, np.int64))
    out = tmp_path / "m.h5"
    with atomic_store(out, MASKS_SCHEMA, {"test": 1}) as handle:
        writer = MaskStoreWriter(handle)
        writer.add("a", 0, seg)
        writer.add("b", 1, empty_seg)
        writer.close()
    store = MaskStore(out)
    assert store.empty.tolist() == [False, True] and store.empty_videos == 1
    assert store.gamma[1] == 0.0 and np.isnan(store.iou_gt[0])
    np.testing.assert_array_equal(store.read(0, "union"), full)
    index = gather_masks_index([out], tmp_path / "index.json")
    assert index["empty_videos"] == 1 and index["empty_video_ids"] == ["b"]
    assert index["mean_iou_gt"] is None


def test_pack_unpack_round_trip():
    rng = np.random.default_rng(0)
    mask = rng.random((4, 7, 13)) > 0.5
    packed = pack_mask(mask)
    assert packed.shape == (4, 7, 2) and packed.dtype == np.uint8
    np.testing.assert_array_equal(unpack_mask(packed, 13), mask)


def test_one_class_dataset_names_it(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"dataset": "solo", "classes": ["Only"], "videos": []}))
    with pytest.raises(ValueError, match="'solo'"):
        match_classes_stage(manifest, {"model": "unused", "mode": "semantic", "seed": 0},
                            tmp_path / "m.json")
