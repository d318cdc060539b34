"""detectron2 backend (the paper's Mask R-CNN R50-FPN 3x) through detectron2's own config and
checkpoint loader, with randomly initialised weights saved to a local file; the patched install."""

import importlib.metadata
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from videoaug.methods.l2a.segment import PERSON, Detectron2Segmenter, build_segmenter, summarize

SMALL = {"min_size": 112, "max_size": 160, "max_detections": 6, "proposals": 50}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """Random weights, except that the box head predicts 'person' (score ~0.65) and keeps the
    proposals' boxes, so that instances come out of a random network predictably."""
    from detectron2 import model_zoo
    from detectron2.config import get_cfg
    from detectron2.modeling import build_model

    cfg = get_cfg()
    cfg.merge_from_file(model_zoo.get_config_file(
        "COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml"))
    cfg.MODEL.DEVICE = "cpu"
    torch.manual_seed(0)
    model = build_model(cfg)
    predictor = model.roi_heads.box_predictor
    with torch.no_grad():
        predictor.cls_score.weight.zero_()
        predictor.cls_score.bias.zero_()
        predictor.cls_score.bias[0] = 5.0  # contiguous class 0 = person
        predictor.bbox_pred.weight.zero_()
        predictor.bbox_pred.bias.zero_()
    path = tmp_path_factory.mktemp("d2") / "mask_rcnn.pth"
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def frames():
    return np.random.default_rng(0).integers(0, 256, (2, 112, 144, 3), dtype=np.uint8)


def test_frames_in_instances_out(checkpoint, frames):
    seg = Detectron2Segmenter(str(checkpoint), score_threshold=0.5, threads=1, batch_size=2,
                              **SMALL)
    out = seg.segment(frames, {})
    assert len(out) == 2 and sum(len(i) for i in out) > 0
    for inst in out:
        assert inst.masks.dtype == bool and inst.masks.shape[1:] == (112, 144)
        assert np.all(inst.labels == PERSON) and np.all(inst.scores > 0.6)
        assert len(inst) <= SMALL["max_detections"]
    masks = summarize(out, 112, 144)
    np.testing.assert_array_equal(masks.people, masks.union)  # every instance is a person
    assert np.all(masks.boxes >= masks.union)
    single = Detectron2Segmenter(str(checkpoint), score_threshold=0.5, threads=1, batch_size=1,
                                 **SMALL).segment(frames, {})
    assert [len(i) for i in single] == [len(i) for i in out]
    # threshold above the person score, or a class filter without person: nothing is kept
    strict = Detectron2Segmenter(str(checkpoint), score_threshold=0.7, threads=1, **SMALL)
    assert sum(len(i) for i in strict.segment(frames, {})) == 0
    dogs = Detectron2Segmenter(str(checkpoint), score_threshold=0.5, classes=["dog"], threads=1,
                               **SMALL)
    assert sum(len(i) for i in dogs.segment(frames, {})) == 0


def test_weight_errors_name_key_and_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"l2a\.detectron2\.weights.*absent\.pth"):
        Detectron2Segmenter(str(tmp_path / "absent.pth"))
    pickle_file = tmp_path / "model_final.pkl"
    pickle_file.write_bytes(b"\x80\x04N.")
    with pytest.raises(ValueError, match="pickle"):
        Detectron2Segmenter(str(pickle_file))
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"l2a\.detectron2\.weights.*garbage\.pth"):
        Detectron2Segmenter(str(garbage), **SMALL)
    with pytest.raises(ValueError, match="weights is null"):
        build_segmenter("detectron2", {"detectron2": {}})


def test_missing_detectron2_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "detectron2", None)
    with pytest.raises(ModuleNotFoundError, match="install_detectron2.sh"):
        Detectron2Segmenter("unused.pth")


def test_patched_install_is_complete():
    assert importlib.metadata.version("pb1-detectron2") == "0.6"
    import detectron2
    from detectron2 import _C

    root = Path(detectron2.__file__).parent
    assert len(list((root / "model_zoo" / "configs").rglob("*.yaml"))) >= 90
    with pytest.raises(NotImplementedError, match="compiled extension"):
        _C.box_iou_rotated  # noqa: B018  (the stand-in says what is missing)
    sources = "\n".join(p.read_text() for p in root.rglob("*.py"))
    assert "pkg_resources" not in sources and "Image.LINEAR" not in sources
    assert "np.bool)" not in sources and "np.float)" not in sources
