"""DAG-build checks of the L2A settings (videoaug.methods.l2a.checks): each mistake is one line
naming the key and the fix; good settings pass."""

from videoaug.config import validate_config
from videoaug.methods.l2a import checks


def _config(l2a=None, **extra):
    return validate_config({"l2a": l2a or {}, **extra}, source="test")


def test_segmenter_against_dataset_kind_and_weights(tmp_path):
    assert checks.segmenter_problem(_config({"segmenter": "oracle"}), "synth4", "synthetic") is None
    line = checks.segmenter_problem(_config({"segmenter": "oracle"}), "kitchen", "folder")
    assert "l2a.segmenter = 'oracle'" in line and "segmenter_by_dataset" in line
    by_ds = _config({"segmenter_by_dataset": {"kitchen": "motion+oracle"}})
    line = checks.segmenter_problem(by_ds, "kitchen", "folder")
    assert "l2a.segmenter_by_dataset.kitchen" in line
    assert checks.segmenter_problem(by_ds, "other", "folder") is None  # the default applies
    torchvision = _config({"segmenter": "torchvision+motion"})
    assert "l2a.torchvision.weights is null" in checks.segmenter_problem(torchvision, "k", "folder")
    missing = _config({"segmenter": "torchvision", "torchvision": {"weights": "/no/such.pt"}})
    assert "/no/such.pt does not exist" in checks.segmenter_problem(missing, "k", "folder")
    weights = tmp_path / "maskrcnn.pt"
    weights.write_bytes(b"x")
    for value in ("coco", str(weights)):
        ok = _config({"segmenter": "torchvision", "torchvision": {"weights": value}})
        assert checks.segmenter_problem(ok, "k", "folder") is None
    detectron = _config({"segmenter": "detectron2"})
    assert "l2a.detectron2.weights is null" in checks.segmenter_problem(detectron, "k", "folder")


def test_selector_split_needs_two_videos_per_class():
    config = _config()
    assert checks.selector_split_problem(config, "k", {"Cut": 2, "Stir": 5}) is None
    line = checks.selector_split_problem(config, "k", {"Cut": 1, "Stir": 5, "Pour": 0})
    assert "Cut (1), Pour (0)" in line and "datasets.k.test_fraction" in line
    # semi-supervised: labelled videos only; 10 % of 20 = 2 labelled, 5 % of 20 = 1
    assert checks.selector_split_problem(config, "k", {"Cut": 20}, 10) is None
    line = checks.selector_split_problem(config, "k", {"Cut": 20}, 5)
    assert "Cut (1)" in line and "5 % of the labels" in line and "l2a.semi.fractions" in line


def test_fewshot_counts():
    classes = ["a", "b", "c", "d"]
    config = _config({"fewshot": {"ways": 2, "queries": 2, "novel_classes": ["c", "d"]}})
    train, test = {c: 3 for c in classes}, {c: 2 for c in classes}
    assert checks.fewshot_problem(config, "k", classes, train, test, 3) is None
    assert "needs 4 training videos" in checks.fewshot_problem(config, "k", classes, train, test, 4)
    short = {**test, "d": 1}
    assert "d (1)" in checks.fewshot_problem(config, "k", classes, train, short, 1)
    unknown = _config({"fewshot": {"novel_classes": ["x"], "ways": 2}})
    assert "['x'] are not classes" in checks.fewshot_problem(unknown, "k", classes, train, test, 1)
    every = _config({"fewshot": {"novel_classes": classes, "ways": 2}})
    assert "no seen class" in checks.fewshot_problem(every, "k", classes, train, test, 1)
    wide = _config({"fewshot": {"novel_classes": ["c", "d"], "ways": 3}})
    assert "ways = 3" in checks.fewshot_problem(wide, "k", classes, train, test, 1)
