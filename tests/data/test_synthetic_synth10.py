"""synth10 (L2A few-shot, Table 4): ten UCF101 classes, deterministic bytes, classes separable by
silhouette motion; synth4 keeps its identity and its clips. (Exact masks of every synth10 class:
tests/data/test_synthetic.py::test_mask_marks_exactly_the_figure.)"""

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from videoaug.data.registry import dataset_class_names, load_records
from videoaug.data.synthetic import (
    SYNTH4_CLASSES,
    SYNTH10_CLASSES,
    SynthParams,
    _manifest_identity,
    clip_rng,
    dataset_entries,
    generate_synth4,
    render_clip,
)
from videoaug.seeding import numpy_rng

TINY10 = SynthParams(train_per_class=2, test_per_class=1, frames=6, height=32, width=40, fps=10,
                     class_set="synth10")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_ten_classes_seen_then_novel_with_real_action_names():
    assert len(SYNTH10_CLASSES) == len(set(SYNTH10_CLASSES)) == 10
    assert SYNTH10_CLASSES[:4] == SYNTH4_CLASSES
    assert SYNTH10_CLASSES[5:] == ("BodyWeightSquats", "JumpRope", "Lunges", "Punch",
                                   "WalkingWithDog")
    assert TINY10.classes == SYNTH10_CLASSES and SynthParams().classes == SYNTH4_CLASSES


def test_synth10_bytes_are_deterministic_and_listed(tmp_path):
    a = generate_synth4(tmp_path / "a", TINY10, progress=False)
    b = generate_synth4(tmp_path / "b", TINY10, progress=False)
    first, second = _hashes(a), _hashes(b)
    assert first == second
    assert sum(k.endswith(".mp4") for k in first) == 10 * 3
    assert sum(k.endswith("_mask.npy") for k in first) == 10 * 3
    lines = (a / "classInd.txt").read_text().splitlines()
    assert lines == [f"{i + 1} {c}" for i, c in enumerate(SYNTH10_CLASSES)]
    cfg = {"kind": "synthetic", "root": str(a), "synth_classes": "synth10",
           "synth_train_per_class": 2, "synth_test_per_class": 1, "frames": 6, "height": 32,
           "width": 40, "fps": 10}
    classes, records = load_records("s10", cfg, 0)
    assert classes == list(SYNTH10_CLASSES) == dataset_class_names("s10", cfg, 0)
    assert len(records) == 30 and all("mask_path" in r.extra for r in records)
    assert _hashes(a) == first  # load_records found the folder complete: nothing rewritten


def test_synth4_identity_and_clips_are_unchanged():
    assert "class_set" not in _manifest_identity(SynthParams())["params"]
    assert _manifest_identity(TINY10)["params"]["class_set"] == "synth10"
    synth4 = replace(TINY10, class_set="synth4")
    e4, e10 = dataset_entries(synth4)[0], dataset_entries(TINY10)[0]
    assert (e4.class_name, e4.index, e4.split) == (e10.class_name, e10.index, e10.split)
    a, ma = render_clip(e4.class_name, clip_rng(synth4, e4), synth4)
    b, mb = render_clip(e10.class_name, clip_rng(TINY10, e10), TINY10)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ma, mb)
    with pytest.raises(ValueError, match="class_set"):
        SynthParams(class_set="synth7")


def _silhouette_features(mask: np.ndarray) -> list[float]:
    """Travel, frame-to-frame change, and the spread of the silhouette's height and width."""
    area = mask.sum(axis=(1, 2)).astype(np.float64)
    xs = np.arange(mask.shape[2])
    cx = (mask.sum(axis=1) * xs).sum(axis=1) / area
    heights = np.array([np.ptp(np.nonzero(r)[0]) for r in mask.any(axis=2)], dtype=np.float64)
    widths = np.array([np.ptp(np.nonzero(c)[0]) for c in mask.any(axis=1)], dtype=np.float64)
    change = ((mask[1:] != mask[:-1]).sum(axis=(1, 2)) / area.mean()).mean()
    return [abs(cx[-1] - cx[0]) / mask.shape[2], change, heights.std() / heights.mean(),
            widths.std() / widths.mean(), widths.mean() / heights.mean()]


def test_ten_classes_differ_by_silhouette_motion():
    clean = SynthParams(frames=24, height=48, width=64, fps=10, difficulty=0.0,
                        class_set="synth10")
    x, y = [], []
    for label, class_name in enumerate(SYNTH10_CLASSES):
        for index in range(5):
            _, mask = render_clip(class_name, numpy_rng(11, class_name, index), clean)
            x.append(_silhouette_features(mask))
            y.append(label)
    x, y = np.array(x), np.array(y)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    centroids = np.stack([x[y == k].mean(axis=0) for k in range(10)])
    predicted = ((x[:, None] - centroids[None]) ** 2).sum(axis=-1).argmin(axis=1)
    assert (predicted == y).mean() >= 0.8  # five numbers of the mask alone tell most clips apart
