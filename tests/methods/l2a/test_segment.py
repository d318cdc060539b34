"""Segmentation backends: plumbing of every backend (Mask R-CNN through torchvision's own loader
with random weights saved to a local checkpoint, MediaPipe, motion, oracle, unions) and the
errors a user meets (missing package, missing or unreadable weights, unknown backend)."""

import sys

import numpy as np
import pytest
import torch

from videoaug.methods.l2a.people import SelfieSegmenter as MediapipeSegmenter
from videoaug.methods.l2a.segment import (
    PERSON,
    FrameInstances,
    MotionSegmenter,
    OracleSegmenter,
    TorchvisionSegmenter,
    boxes_to_mask,
    build_maskrcnn,
    build_segmenter,
    class_ids,
    mask_iou,
    summarize,
)

SMALL = {"min_size": 64, "max_size": 96, "max_detections": 8, "proposals": 40}


@pytest.fixture(scope="module")
def maskrcnn_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = build_maskrcnn(**{k: SMALL[k] for k in ("min_size", "max_size")})
    path = tmp_path_factory.mktemp("weights") / "maskrcnn.pt"
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def frames():
    return np.random.default_rng(0).integers(0, 256, (3, 48, 64, 3), dtype=np.uint8)


def _moving_blob(t=12, h=40, w=56):
    frames = np.full((t, h, w, 3), 90, np.uint8)
    truth = np.zeros((t, h, w), bool)
    for i in range(t):
        x = 4 + 3 * i
        frames[i, 10:22, x:x + 8] = (230, 200, 40)
        truth[i, 10:22, x:x + 8] = True
    return frames, truth


def test_torchvision_frames_in_instances_out(maskrcnn_checkpoint, frames):
    seg = TorchvisionSegmenter(str(maskrcnn_checkpoint), score_threshold=0.0, threads=1,
                               batch_size=2, **SMALL)
    out = seg.segment(frames, {})
    assert len(out) == 3
    for inst in out:
        assert inst.masks.dtype == bool and inst.masks.shape[1:] == (48, 64)
        assert len(inst) <= SMALL["max_detections"] and inst.boxes.shape == (len(inst), 4)
    assert sum(len(i) for i in out) > 0  # random weights still propose instances
    # batching does not change the result
    single = TorchvisionSegmenter(str(maskrcnn_checkpoint), score_threshold=0.0, threads=1,
                                  batch_size=1, **SMALL).segment(frames, {})
    for a, b in zip(out, single, strict=True):
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_allclose(a.scores, b.scores, atol=1e-4)
    # threshold: keeps exactly the instances at or above it
    scores = np.concatenate([i.scores for i in out])
    cut = float(np.median(scores))
    high = TorchvisionSegmenter(str(maskrcnn_checkpoint), score_threshold=cut, threads=1,
                                batch_size=2, **SMALL).segment(frames, {})
    assert sum(len(i) for i in high) == int((scores >= cut).sum())
    assert all(np.all(i.scores >= cut) for i in high)
    # class filter by name: only that COCO class survives
    labels = np.concatenate([i.labels for i in out])
    wanted = int(np.bincount(labels).argmax())
    name = class_ids.__globals__["coco_categories"]()[wanted]
    kept = TorchvisionSegmenter(str(maskrcnn_checkpoint), score_threshold=0.0, classes=[name],
                                threads=1, batch_size=2, **SMALL).segment(frames, {})
    kept_labels = np.concatenate([i.labels for i in kept])
    assert len(kept_labels) == int((labels == wanted).sum()) and np.all(kept_labels == wanted)
    seg_masks = summarize(out, 48, 64)
    assert seg_masks.union.shape == (3, 48, 64) and seg_masks.union.dtype == bool
    assert np.all(seg_masks.boxes >= seg_masks.union)  # boxes cover their masks
    expected_people = [i.masks[i.labels == PERSON].any(0) if (i.labels == PERSON).any()
                       else np.zeros((48, 64), bool) for i in out]
    np.testing.assert_array_equal(seg_masks.people, np.stack(expected_people))


def test_torchvision_weight_errors_name_key_and_path(tmp_path):
    missing = tmp_path / "nope.pt"
    with pytest.raises(FileNotFoundError, match=r"l2a\.torchvision\.weights.*nope\.pt"):
        TorchvisionSegmenter(str(missing), **SMALL)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"l2a\.torchvision\.weights.*garbage\.pt"):
        TorchvisionSegmenter(str(garbage), **SMALL)
    with pytest.raises(ValueError, match="weights is null"):
        TorchvisionSegmenter(None)
    with pytest.raises(ValueError, match="l2a.classes"):
        class_ids(["unicorn"])
    assert class_ids(["person", 37]).tolist() == [1, 37]


def test_motion_finds_a_moving_blob():
    frames, truth = _moving_blob()
    for method in ("median", "mog2"):
        seg = MotionSegmenter(method, threshold=30, kernel=3, min_area=10)
        masks = summarize(seg.segment(frames, {}), 40, 56)
        assert mask_iou(masks.union, truth) > (0.9 if method == "median" else 0.5), method
        assert not masks.people.any()  # motion does not know classes
    with pytest.raises(ValueError, match="l2a.motion.method"):
        MotionSegmenter("optical-flow")


def test_mediapipe_plumbing():
    seg = MediapipeSegmenter(threshold=0.5)
    frames = np.zeros((2, 48, 64, 3), np.uint8)
    probs = seg.probabilities(frames)
    assert probs.shape == (2, 48, 64) and probs.dtype == np.float32
    assert probs.min() >= 0 and probs.max() <= 1
    out = seg.segment(frames, {})
    assert len(out) == 2 and all(len(i) == 0 for i in out)  # nobody in a black frame
    # an empty frame stays empty in the union with motion; instances of both are kept
    union = build_segmenter("mediapipe+motion", {"motion": {"min_area": 10}})
    blob, truth = _moving_blob()
    masks = summarize(union.segment(blob, {}), 40, 56)
    assert union.name == "mediapipe+motion" and mask_iou(masks.union, truth) > 0.9


def test_missing_mediapipe_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)
    monkeypatch.setitem(sys.modules, "mediapipe.python", None)
    monkeypatch.setitem(sys.modules, "mediapipe.python.solutions", None)
    with pytest.raises(ModuleNotFoundError, match="install_mediapipe.sh"):
        MediapipeSegmenter()


def test_oracle_needs_ground_truth_and_reads_it(tmp_path):
    with pytest.raises(ValueError, match="synthetic"):
        OracleSegmenter().segment(np.zeros((2, 8, 8, 3), np.uint8), {"id": "v"})
    truth = np.zeros((4, 8, 8), np.uint8)
    truth[:, 2:5, 2:6] = 1
    np.save(tmp_path / "m.npy", truth)
    # decoded with max_frames=2 and resized to 16x16: evenly spaced frames, nearest resize
    out = OracleSegmenter().segment(np.zeros((2, 16, 16, 3), np.uint8),
                                    {"extra": {"mask_path": str(tmp_path / "m.npy")}})
    masks = summarize(out, 16, 16)
    assert masks.union.shape == (2, 16, 16) and masks.union[:, 4:10, 4:12].all()
    assert masks.union.sum() == 2 * 6 * 8 and np.array_equal(masks.people, masks.union)


def test_build_segmenter_rejects_unknown_backends():
    with pytest.raises(ValueError, match="l2a.segmenter 'detectron3'"):
        build_segmenter("detectron3", {})


def test_boxes_to_mask_and_empty_instances():
    mask = boxes_to_mask(np.array([[1.2, 0.5, 3.1, 2.0], [-5, -5, 1, 1]]), 4, 5)
    expected = np.zeros((4, 5), bool)
    expected[0:2, 1:4] = True
    expected[0:1, 0:1] = True
    np.testing.assert_array_equal(mask, expected)
    masks = summarize([FrameInstances.empty(4, 5)], 4, 5)
    assert not masks.union.any() and masks.instances.tolist() == [0]
    assert mask_iou(masks.union, masks.union) == 1.0


def test_segment_device_auto_reaches_the_job(maskrcnn_checkpoint):
    """The paper preset's device ``auto`` is resolved in the job (CUDA on a GPU node), not
    pinned to the CPU when the params are built (Mask R-CNN at 800 px: ~10 CPU-s per frame)."""
    import torch

    from videoaug.config import load_config
    from videoaug.methods.l2a.params import l2a_segment_params
    from videoaug.methods.l2a.segment import build_segmenter

    config = load_config(["config.yaml", "workflow/presets/paper.yaml"])
    params = l2a_segment_params(config, "ucf101")
    assert params["options"]["device"] == "auto"
    options = {**params["options"], "torchvision": {**params["options"]["torchvision"],
                                                    "weights": str(maskrcnn_checkpoint),
                                                    **SMALL}}
    seg = build_segmenter("torchvision", options)
    assert seg.device == ("cuda" if torch.cuda.is_available() else "cpu")
