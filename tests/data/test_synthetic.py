"""synth4: layout, determinism, real H.264 decoding, masks, class motion, background sharing."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import cv2
import ffmpeg
import numpy as np
import pytest

from videoaug.data.records import DatasetError
from videoaug.data.synthetic import (
    SYNTH4_CLASSES,
    SYNTH10_CLASSES,
    SynthParams,
    dataset_entries,
    draw_clip,
    generate_synth4,
    is_complete,
    paint_background,
    render_clip,
    sample_clip_spec,
    synth4_records,
)
from videoaug.seeding import numpy_rng

TINY = SynthParams(train_per_class=2, test_per_class=1, frames=16, height=48, width=64, fps=10)
UCF_NAME = re.compile(r"^(?P<cls>[A-Za-z]+)/v_(?P=cls)_g(?P<g>\d{2})_c(?P<c>\d{2})\.mp4$")


@pytest.fixture(scope="module")
def two_roots(tmp_path_factory) -> tuple[Path, Path]:
    """The same tiny dataset generated twice, in two separate folders."""
    first = generate_synth4(tmp_path_factory.mktemp("synth_a") / "synth4", TINY, progress=False)
    second = generate_synth4(tmp_path_factory.mktemp("synth_b") / "synth4", TINY, progress=False)
    return first, second


def _files(root: Path) -> dict[str, bytes]:
    paths = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in paths}


def _decode(path: Path) -> np.ndarray:
    out, _ = (
        ffmpeg.input(str(path))
        .output("pipe:", format="rawvideo", pix_fmt="rgb24")
        .run(capture_stdout=True, capture_stderr=True)
    )
    return np.frombuffer(out, dtype=np.uint8).reshape(-1, TINY.height, TINY.width, 3)


def test_layout_and_ucf_split_files(two_roots):
    root = two_roots[0]
    class_lines = (root / "classInd.txt").read_text().splitlines()
    assert class_lines == [f"{i + 1} {name}" for i, name in enumerate(SYNTH4_CLASSES)]

    train = [line.split(" ") for line in (root / "trainlist01.txt").read_text().splitlines()]
    test = (root / "testlist01.txt").read_text().splitlines()
    assert len(train) == TINY.train_per_class * len(SYNTH4_CLASSES)
    assert len(test) == TINY.test_per_class * len(SYNTH4_CLASSES)
    for relative, label in train:
        match = UCF_NAME.match(relative)
        assert match, relative
        assert int(label) == SYNTH4_CLASSES.index(match["cls"]) + 1
    assert all(UCF_NAME.match(relative) and " " not in relative for relative in test)
    # UCF convention: test clips take the first groups, train clips later ones.
    test_groups = {int(UCF_NAME.match(r)["g"]) for r in test}
    train_groups = {int(UCF_NAME.match(r)["g"]) for r, _ in train}
    assert max(test_groups) < min(train_groups)

    for relative in [r for r, _ in train] + test:
        assert (root / relative).stat().st_size > 1000
        assert (root / relative.replace(".mp4", "_mask.npy")).is_file()
    videos = sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.mp4"))
    assert videos == sorted([r for r, _ in train] + test)
    assert not list(root.rglob("*.tmp")), "temporary files left behind"

    manifest = json.loads((root / "synth4.json").read_text())
    assert manifest["params"]["frames"] == TINY.frames
    for relative, digest in manifest["sha256"].items():
        assert hashlib.sha256((root / relative).read_bytes()).hexdigest() == digest
    records = synth4_records(root)
    assert [r.split for r in records].count("train") == len(train)
    assert all(Path(r.extra["mask_path"]).is_file() and Path(r.path).is_absolute() for r in records)
    assert {r.class_name: r.label for r in records} == {c: i for i, c in enumerate(SYNTH4_CLASSES)}


def test_same_seed_gives_byte_identical_files(two_roots):
    first, second = _files(two_roots[0]), _files(two_roots[1])
    assert first.keys() == second.keys()
    assert len([k for k in first if k.endswith(".mp4")]) == len(dataset_entries(TINY))
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_different_clips_differ():
    a, _ = render_clip("YoYo", numpy_rng(0, "synth4", "YoYo", 0, "train"), TINY)
    b, _ = render_clip("YoYo", numpy_rng(0, "synth4", "YoYo", 1, "train"), TINY)
    assert np.abs(a.astype(int) - b).mean() > 5


def test_decoded_mp4_has_right_size_and_matches_rendered_frames(two_roots):
    root = two_roots[0]
    entry = dataset_entries(TINY)[0]
    decoded = _decode(root / entry.video_path)
    assert decoded.shape == (TINY.frames, TINY.height, TINY.width, 3)
    rng = numpy_rng(TINY.seed, "synth4", entry.class_name, entry.index, entry.split)
    rendered, mask = render_clip(entry.class_name, rng, TINY)
    mse = np.mean((decoded.astype(np.float64) - rendered) ** 2)
    psnr = 10 * np.log10(255.0**2 / mse)
    assert 25.0 < psnr < 60.0  # lossy (not a raw copy) but faithful
    stored_mask = np.load(root / entry.mask_path, allow_pickle=False)
    assert stored_mask.dtype == np.uint8 and stored_mask.shape == decoded.shape[:3]
    np.testing.assert_array_equal(stored_mask, mask)


@pytest.mark.parametrize("class_name", SYNTH10_CLASSES)
def test_mask_marks_exactly_the_figure(class_name):
    clean = replace(TINY, difficulty=0.0)  # no noise, jitter or flicker: background is exact
    spec = sample_clip_spec(class_name, numpy_rng(3, class_name), clean)
    frames, mask = draw_clip(spec, clean)
    again, _ = render_clip(class_name, numpy_rng(3, class_name), clean)
    np.testing.assert_array_equal(frames, again)

    assert set(np.unique(mask)) == {0, 1}
    assert mask.sum(axis=(1, 2)).min() > 20
    m = spec.margin
    background = np.rint(paint_background(spec.background, (clean.height + 2 * m,
                                                            clean.width + 2 * m)))
    background = background[m : m + clean.height, m : m + clean.width]
    difference = np.abs(frames.astype(np.float64) - background).sum(axis=-1)
    # Figure pixels (>= 50 % coverage of a colour >= 80 away from the background) stand out ...
    assert np.median(difference[mask == 1]) > 40
    # ... and pixels away from the figure's anti-aliased rim are untouched background.
    near_figure = np.stack([cv2.dilate(f, np.ones((5, 5), np.uint8)) for f in mask])
    assert difference[near_figure == 0].max() <= 3


def _motion_statistics(params: SynthParams, clips: int) -> dict[str, dict[str, np.ndarray]]:
    """Per class and clip: |horizontal mask-centroid displacement| (first to last frame) and the
    mean fraction of mask pixels that change between consecutive frames."""
    stats: dict[str, dict[str, np.ndarray]] = {}
    xs = np.arange(params.width)
    for class_name in SYNTH4_CLASSES:
        displacement, change = [], []
        for index in range(clips):
            _, mask = render_clip(class_name, numpy_rng(11, class_name, index), params)
            area = mask.sum(axis=(1, 2))
            centroid = (mask.sum(axis=1) * xs).sum(axis=1) / area
            displacement.append(abs(centroid[-1] - centroid[0]))
            change.append(((mask[1:] != mask[:-1]).sum(axis=(1, 2)) / area.mean()).mean())
        stats[class_name] = {"displacement": np.array(displacement), "change": np.array(change)}
    return stats


def test_classes_differ_by_motion():
    others = [c for c in SYNTH4_CLASSES if c not in ("Skiing", "YoYo")]
    clean = _motion_statistics(replace(TINY, difficulty=0.0), clips=5)
    # Without nuisances the ordering holds clip by clip.
    assert clean["Skiing"]["displacement"].min() > 3 * max(
        clean[c]["displacement"].max() for c in SYNTH4_CLASSES if c != "Skiing")
    assert clean["YoYo"]["change"].max() < 0.5 * min(clean[c]["change"].min() for c in others)
    # With camera jitter it still holds for the class means.
    noisy = _motion_statistics(TINY, clips=5)
    means = {c: {k: v.mean() for k, v in s.items()} for c, s in noisy.items()}
    assert max(means, key=lambda c: means[c]["displacement"]) == "Skiing"
    assert min(means, key=lambda c: means[c]["change"]) == "YoYo"


def _nearest_centroid_accuracy(params: SynthParams, clips: int) -> float:
    """Resubstitution accuracy of a nearest-centroid classifier on clips' mean RGB colour
    (optimistic: if even this is imperfect, one frame's colour does not give the class away)."""
    features, labels = [], []
    for label, class_name in enumerate(SYNTH4_CLASSES):
        for index in range(clips):
            frames, _ = render_clip(class_name, numpy_rng(5, class_name, index), params)
            features.append(frames.reshape(-1, 3).mean(axis=0))
            labels.append(label)
    x, y = np.array(features), np.array(labels)
    centroids = np.stack([x[y == k].mean(axis=0) for k in range(len(SYNTH4_CLASSES))])
    predicted = np.argmin(((x[:, None, :] - centroids[None]) ** 2).sum(axis=-1), axis=1)
    return float((predicted == y).mean())


def test_mean_colour_does_not_separate_classes():
    small = replace(TINY, frames=4)
    shared = _nearest_centroid_accuracy(small, clips=10)
    typical_only = _nearest_centroid_accuracy(replace(small, difficulty=0.0), clips=10)
    assert shared < 0.85
    assert typical_only > shared + 0.1  # sharing backgrounds is what blurs the colour cue


def test_second_call_does_no_work_and_changes_regenerate(tmp_path):
    root = generate_synth4(tmp_path / "s", TINY, progress=False)
    mtimes = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    assert is_complete(root, TINY)
    generate_synth4(root, TINY, progress=False)
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == mtimes

    assert not is_complete(root, replace(TINY, seed=1))
    fewer = replace(TINY, train_per_class=1)
    generate_synth4(root, fewer, progress=False)
    assert is_complete(root, fewer) and not is_complete(root, TINY)
    assert len(list(root.glob("*/*.mp4"))) == len(dataset_entries(fewer))  # stale clips removed
    assert len(list(root.glob("*/*_mask.npy"))) == len(dataset_entries(fewer))

    victim = root / dataset_entries(fewer)[0].video_path
    victim.write_bytes(victim.read_bytes()[:-10])
    assert not is_complete(root, fewer)  # a damaged file is caught by its sha256
    (root / "synth4.json").unlink()  # as after a killed generation
    assert not is_complete(root, fewer)
    with pytest.raises(DatasetError, match="did not finish"):
        synth4_records(root)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"width": 65}, "even"), ({"frames": 1}, "frames"), ({"difficulty": -1.0}, "difficulty")],
)
def test_invalid_params_are_rejected(change, message):
    with pytest.raises(ValueError, match=message):
        replace(TINY, **change)


def test_unknown_class_is_rejected():
    with pytest.raises(ValueError, match="unknown synth4 class 'Archery'"):
        render_clip("Archery", numpy_rng(0), TINY)
