"""The diagnostic splits of the embedded data (docs/splits.md): each split's clips follow its rule,
and record their scene style and perturbation in the folder's manifest."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from videoaug.data.registry import load_records
from videoaug.data.synthetic import (
    BACKGROUND_KINDS,
    ClipEntry,
    SynthParams,
    clip_rng,
    dataset_entries,
    draw_clip,
    generate_synth4,
    render_clip,
)
from videoaug.data.synthetic import variants as sv

SMALL = {"frames": 6, "height": 32, "width": 48, "fps": 10}


def _train_scene_kinds(params: SynthParams, per_class: int) -> dict[str, list[str]]:
    """Style of the first ``per_class`` training clips of each class (specs only, no pixels)."""
    kinds = {}
    for name in params.classes:
        kinds[name] = [sv.base_spec(params, name, i, "train",
                                    clip_rng(params, _entry(params, name, i))).background.kind
                       for i in range(per_class)]
    return kinds


def _entry(params, class_name, index, split="train") -> ClipEntry:
    """The entry whose stream :func:`clip_rng` seeds (class, index and split are what count)."""
    return ClipEntry(class_name=class_name, label=params.classes.index(class_name), split=split,
                     index=index, group=1, clip=1)


def test_biased_training_share_is_the_setting_within_binomial_tolerance():
    params = SynthParams(**SMALL, scene="biased", typical_share=0.9)
    kinds = _train_scene_kinds(params, 150)
    typical = [k == sv.typical_kind(c) for c, ks in kinds.items() for k in ks]
    n, share = len(typical), float(np.mean(typical))
    assert abs(share - 0.9) <= 4 * math.sqrt(0.9 * 0.1 / n), share
    # the others are spread over the other styles of the pool, never the class's own
    others = {k for c, ks in kinds.items() for k in ks if k != sv.typical_kind(c)}
    assert len(others) >= 4


def test_independent_scene_does_not_depend_on_the_class():
    params = SynthParams(**SMALL, scene="independent")
    kinds = _train_scene_kinds(params, 150)
    for class_name, ks in kinds.items():
        counts = np.array([ks.count(k) for k in BACKGROUND_KINDS])
        # uniform over the 6 styles: each count ~ Binomial(150, 1/6), std 4.6
        assert np.all(np.abs(counts - 25) <= 4 * math.sqrt(150 / 6 * 5 / 6)), (class_name, counts)


def test_scarcity_datasets_are_synth4s_first_training_clips_and_its_test_clips():
    full = SynthParams(**SMALL, train_per_class=3, test_per_class=2)
    scarce = SynthParams(**SMALL, train_per_class=1, test_per_class=2)
    rendered = {e.video_path: render_clip(e.class_name, clip_rng(full, e), full)[0]
                for e in dataset_entries(full)}
    scarce_entries = dataset_entries(scarce)
    assert {e.video_path for e in scarce_entries} < set(rendered)
    for entry in scarce_entries:
        frames, _ = render_clip(entry.class_name, clip_rng(scarce, entry), scarce)
        assert np.array_equal(frames, rendered[entry.video_path])


def test_biased_variants_share_the_figure_and_follow_their_rule():
    params = SynthParams(**SMALL, difficulty=0.0, scene="biased")
    for class_name in params.classes:
        entry = _entry(params, class_name, 0, "test")
        clips = sv.render_split_clip(params, class_name, 0, "test", clip_rng(params, entry))
        assert tuple(clips) == sv.BIASED_VARIANTS
        aligned, conflict = clips["aligned"], clips["conflict"]
        assert conflict[2]["scene"] in sv.conflicting_kinds(params, class_name)
        assert conflict[2]["scene"] != sv.typical_kind(class_name) and not conflict[2]["typical"]
        # same figure, motion and camera: identical masks; another scene: other pixels
        assert np.array_equal(aligned[1], conflict[1]) and aligned[1].any()
        assert not np.array_equal(aligned[0], conflict[0])
        t = sv.static_frame(params)
        for static, source in sv.STATIC_OF.items():
            frames, mask, meta = clips[static]
            assert meta["static_frame"] == t
            assert np.array_equal(frames, np.repeat(clips[source][0][t:t + 1], params.frames, 0))
            assert np.array_equal(mask, np.repeat(clips[source][1][t:t + 1], params.frames, 0))
        frames, mask, _ = clips["background_only"]
        assert not mask.any()
        # away from the figure (and its anti-aliased rim), the aligned clip's pixels
        outside = ~_grown(aligned[1])
        assert np.array_equal(frames[outside], aligned[0][outside])
        frames, mask, _ = clips["figure_only"]
        assert np.array_equal(mask, aligned[1])
        # difficulty 0: no noise or flicker, so away from the figure the frame is one colour
        background = frames[~_grown(mask)]
        assert np.ptp(background, axis=0).max() <= 1


def _grown(mask: np.ndarray, by: int = 3) -> np.ndarray:
    """``(T, H, W)`` mask dilated by ``by`` pixels (square): the figure with its anti-aliased rim
    (coverage below 50 % reaches ~2.3 px past the mask)."""
    kernel = np.ones((2 * by + 1, 2 * by + 1), np.uint8)
    return np.stack([cv2.dilate(m.astype(np.uint8), kernel) for m in mask]).astype(bool)


def _perturbed(params: SynthParams, class_name: str = "YoYo") -> dict:
    entry = _entry(params, class_name, 0, "test")
    return sv.render_split_clip(params, class_name, 0, "test", clip_rng(params, entry))


def test_temporal_change_amounts_are_the_configured_ones():
    params = SynthParams(**SMALL, change_pan=0.15, change_zoom=0.2, change_drift=0.3)
    for class_name in params.classes:
        clips = _perturbed(params, class_name)
        assert tuple(clips) == sv.CHANGE_VARIANTS
        assert "change" not in clips["plain"][2]
        change = clips["perturbed"][2]["change"]
        assert math.hypot(*change["pan_px"]) == pytest.approx(0.15 * params.width)
        assert sorted(change["zoom"]) == pytest.approx([1.0, 1.2])
        assert sorted(change["gain"]) == pytest.approx([0.85, 1.15])
        assert change["gain"][0] + change["gain"][1] == pytest.approx(2.0)


def test_change_arrays_interpolate_the_recorded_ends():
    change = {"pan_px": [9.0, -6.0], "zoom": [1.2, 1.0], "gain": [0.85, 1.15]}
    camera, gain = sv.change_arrays(change, 5)
    assert np.allclose(camera[:, 0], [-4.5, -2.25, 0.0, 2.25, 4.5])
    assert np.allclose(camera[:, 1], [3.0, 1.5, 0.0, -1.5, -3.0])
    assert np.allclose(camera[:, 2], [1.2, 1.15, 1.1, 1.05, 1.0])
    assert np.allclose(gain, [0.85, 0.925, 1.0, 1.075, 1.15])


def test_camera_pan_moves_the_window_over_the_canvas():
    """A pan of (+3, -2) px shows the canvas 3 px right and 2 px up of the plain crop."""
    params = SynthParams(**SMALL, difficulty=0.0, change_pan=0.3)
    spec = sv.base_spec(params, "YoYo", 0, "test", clip_rng(params, _entry(params, "YoYo", 0)))
    plain, _ = draw_clip(spec, params)
    camera = np.tile([3.0, -2.0, 1.0], (params.frames, 1))
    moved, _ = draw_clip(spec, params, camera=camera)
    assert np.array_equal(moved[:, 2:, :-3], plain[:, :-2, 3:])


def test_zoom_and_drift_scale_size_and_brightness_as_recorded():
    params = SynthParams(**{**SMALL, "height": 64, "width": 96}, difficulty=0.0,
                         change_zoom=0.25, change_drift=0.3)
    clips = _perturbed(params)
    (plain, _, _), (changed, _, meta) = clips["plain"], clips["perturbed"]
    zoom, gain = meta["change"]["zoom"], meta["change"]["gain"]
    zoomed = 0 if zoom[0] > 1 else params.frames - 1
    unzoomed = params.frames - 1 - zoomed
    # magnified 1.25x about the centre: the plain frame's central 1/1.25 blown up to the frame
    h, w = params.height, params.width
    ch, cw = h / 1.25, w / 1.25
    centre = cv2.getRectSubPix(plain[zoomed], (round(cw), round(ch)), ((w - 1) / 2, (h - 1) / 2))
    expected = cv2.resize(centre, (w, h), interpolation=cv2.INTER_LINEAR).astype(float)
    expected *= gain[0 if zoomed == 0 else 1]
    error = np.abs(np.clip(expected, 0, 255) - changed[zoomed]).mean()
    assert error < 0.25 * np.abs(plain[zoomed].astype(float) - changed[zoomed]).mean()
    # at zoom 1 the frame is the plain one times the gain (away from saturation)
    g = gain[0 if unzoomed == 0 else 1]
    usable = (plain[unzoomed] > 10) & (plain[unzoomed] < 200)
    ratio = (changed[unzoomed][usable].astype(float).sum()
             / plain[unzoomed][usable].astype(float).sum())
    assert ratio == pytest.approx(g, abs=0.01)


def test_plain_camera_is_synth4s_crop():
    """camera (0, 0, zoom 1) and gain 1 draw exactly the plain crop (the warp path is exact)."""
    params = SynthParams(**SMALL, change_pan=0.1)
    spec = sv.base_spec(params, "Skiing", 0, "test", clip_rng(params, _entry(params, "Skiing", 0)))
    camera = np.tile([0.0, 0.0, 1.0], (params.frames, 1))
    plain, plain_mask = draw_clip(spec, params)
    same, same_mask = draw_clip(spec, params, camera=camera,
                                gain=np.ones(params.frames, np.float32))
    assert np.array_equal(plain, same) and np.array_equal(plain_mask, same_mask)


@pytest.mark.parametrize(("options", "match"), [
    ({"scene": "biased", "change_pan": 0.1}, "one diagnostic split"),
    ({"scene": "independent", "domain": "shift"}, "synth4's domain only"),
    ({"scene": "skewed"}, "scene must be one of"),
    ({"scene": "biased", "typical_share": 1.5}, "typical_share"),
    ({"change_zoom": -0.1}, "change_pan, change_zoom and change_drift"),
])
def test_bad_split_options_are_refused(options, match):
    with pytest.raises(ValueError, match=match):
        SynthParams(**options)


# --------------------------------------------------------------------- generated folders
@pytest.fixture(scope="module")
def split_folders(tmp_path_factory) -> dict[str, tuple[Path, SynthParams]]:
    """Tiny generated split folders (encoded clips and their manifests)."""
    root = tmp_path_factory.mktemp("splits")
    folders = {}
    for name, options in {
        "bias": {"scene": "biased", "typical_share": 0.9, "train_per_class": 6},
        "temporal": {"change_pan": 0.15, "change_zoom": 0.2, "change_drift": 0.3,
                     "train_per_class": 1},
        "motion": {"scene": "independent", "train_per_class": 1},
    }.items():
        params = SynthParams(**{**SMALL, "test_per_class": 1, **options})
        folders[name] = (generate_synth4(root / name, params, progress=False), params)
    return folders


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "synth4.json").read_text())


def test_bias_manifest_records_scenes_by_the_rule(split_folders):
    folder, params = split_folders["bias"]
    manifest = _manifest(folder)
    assert manifest["split"]["scene"] == "biased" and manifest["split"]["typical_share"] == 0.9
    assert manifest["split"]["test_variants"] == list(sv.BIASED_VARIANTS)
    videos = manifest["videos"]
    train = [v for v in videos if v["split"] == "train"]
    share = np.mean([v["meta"]["typical"] for v in train])
    assert abs(share - 0.9) <= 4 * math.sqrt(0.9 * 0.1 / len(train))
    for video in videos:
        typical = manifest["split"]["typical_kinds"][video["class_name"]]
        assert video["meta"]["typical"] == (video["meta"]["scene"] == typical)
        if video.get("variant") in ("conflict", "conflict_static"):
            assert video["meta"]["scene"] != typical
            assert video["meta"]["scene"] in manifest["split"]["conflicting_kinds"][
                video["class_name"]]
    tests = [v for v in videos if v["split"] == "test"]
    assert len(tests) == len(params.classes) * len(sv.BIASED_VARIANTS)
    by_base: dict[str, set[str]] = {}
    for video in tests:
        by_base.setdefault(video["base"], set()).add(video["variant"])
        assert video["id"] == f"{video['base']}_{video['variant']}"
    assert all(found == set(sv.BIASED_VARIANTS) for found in by_base.values())


def test_temporal_manifest_records_the_configured_change(split_folders):
    folder, params = split_folders["temporal"]
    manifest = _manifest(folder)
    assert manifest["split"]["change"] == {"pan": 0.15, "zoom": 0.2, "drift": 0.3,
                                           "extra_margin_px": math.ceil(0.15 * 48 / 2)}
    perturbed = [v for v in manifest["videos"] if v.get("variant") == "perturbed"]
    assert len(perturbed) == len(params.classes)
    for video in manifest["videos"]:
        change = video["meta"].get("change")
        assert (change is not None) == (video.get("variant") == "perturbed")
        if change:
            assert math.hypot(*change["pan_px"]) == pytest.approx(0.15 * params.width)
            assert sorted(change["zoom"]) == pytest.approx([1.0, 1.2])
            assert abs(change["gain"][1] - change["gain"][0]) == pytest.approx(0.3)


def test_split_folders_read_as_datasets_with_every_variant_in_the_test_split(split_folders):
    folder, params = split_folders["bias"]
    classes, records = load_records(
        "synth4bias", {"kind": "synthetic", "root": str(folder), "synth_scene": "biased",
                       "synth_typical_share": 0.9, "synth_train_per_class": 6,
                       "synth_test_per_class": 1, **SMALL}, 0)
    assert classes == list(params.classes)
    tests = [r for r in records if r.split == "test"]
    assert len(tests) == len(classes) * len(sv.BIASED_VARIANTS)
    assert all(Path(r.extra["mask_path"]).is_file() for r in tests)
    assert {r.id.rsplit("_", 1)[-1] for r in tests} >= {"aligned", "conflict", "only"}


def test_motion_manifest_has_no_test_variants(split_folders):
    folder, _ = split_folders["motion"]
    manifest = _manifest(folder)
    assert manifest["split"] == {"scene": "independent", "test_variants": [],
                                 "typical_kinds": {c: sv.typical_kind(c)
                                                   for c in manifest["classes"]}}
    assert all("variant" not in v and v["base"] == v["id"] for v in manifest["videos"])
