"""Inpainting: a static scene with a moving square comes back within a few grey levels; a panning
camera is detected and gets TELEA; the choice and shift are reported."""

import numpy as np
import pytest

from videoaug.methods.l2a.inpaint import estimate_shifts, inpaint_video, psnr, telea


def _texture(rng, h, w):
    """Smooth random background (what phase correlation and TELEA both see in real footage)."""
    import cv2

    noise = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), dtype=np.uint8)
    return cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)


def _moving_square(rng, t=16, h=48, w=64, size=12):
    background = _texture(rng, h, w)
    frames = np.repeat(background[None], t, axis=0).copy()
    mask = np.zeros((t, h, w), bool)
    for i in range(t):
        x = 2 + i * (w - size - 4) // (t - 1)
        frames[i, 18:18 + size, x:x + size] = (250, 20, 20)
        mask[i, 18:18 + size, x:x + size] = True
    return background, frames, mask


def test_static_scene_recovers_background_with_median():
    rng = np.random.default_rng(0)
    background, frames, mask = _moving_square(rng)
    result = inpaint_video(frames, mask, dilate=1)
    assert result.method == "median" and result.shift < 1.0 and result.never_uncovered == 0
    truth = np.repeat(background[None], len(frames), axis=0)
    err = np.abs(result.frames.astype(int) - truth.astype(int))
    assert err[mask].max() <= 3  # within a few grey levels inside the hole
    assert err[~mask].max() == 0  # unmasked pixels untouched
    forced = inpaint_video(frames, mask, dilate=1, method="telea")
    assert psnr(result.frames, truth, mask) > psnr(forced.frames, truth, mask) + 5


def test_panning_camera_chooses_telea():
    rng = np.random.default_rng(1)
    canvas = _texture(rng, 48, 160)
    frames = np.stack([canvas[:, 4 * i:4 * i + 64] for i in range(16)])
    mask = np.zeros(frames.shape[:3], bool)
    mask[:, 20:30, 20:30] = True
    shifts = estimate_shifts(frames)
    assert abs(shifts[5, 1] + 20) < 1.5  # content moves left by 4 px per frame
    result = inpaint_video(frames, mask, static_max_shift=8.0)
    assert result.method == "telea" and result.shift > 50
    np.testing.assert_array_equal(result.frames[3], telea(frames[3], inpaint_dilated(mask[3])))


def inpaint_dilated(hole, radius=3):
    import cv2

    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(hole.astype(np.uint8), kernel) > 0


def test_jittering_camera_is_aligned_before_the_median():
    rng = np.random.default_rng(2)
    canvas = _texture(rng, 60, 80)
    offsets = rng.integers(0, 5, (16, 2))
    truth = np.stack([canvas[dy:dy + 48, dx:dx + 64] for dy, dx in offsets])
    frames = truth.copy()
    mask = np.zeros(frames.shape[:3], bool)
    for i in range(16):
        x = 2 + i * 3
        frames[i, 15:27, x:x + 12] = (20, 250, 20)
        mask[i, 15:27, x:x + 12] = True
    result = inpaint_video(frames, mask, dilate=1)
    assert result.method == "median" and 1 <= result.shift <= 8
    assert psnr(result.frames, truth, mask) > 30


def test_empty_mask_returns_frames_and_bad_shapes_fail():
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    result = inpaint_video(frames, np.zeros((4, 16, 16), bool))
    np.testing.assert_array_equal(result.frames, frames)
    with pytest.raises(ValueError, match="does not match"):
        inpaint_video(frames, np.zeros((4, 16, 15), bool))
    with pytest.raises(ValueError, match="l2a.inpaint.method"):
        inpaint_video(frames, np.zeros((4, 16, 16), bool), method="ns")


def test_synth4_camera_jitter_is_measured_without_drift():
    from videoaug.data.synthetic import (
        SynthParams,
        clip_rng,
        dataset_entries,
        render_clip,
        sample_clip_spec,
    )
    from videoaug.methods.l2a.inpaint import dilate_mask

    params = SynthParams(frames=24)
    entry = dataset_entries(params)[3]
    frames, mask = render_clip(entry.class_name, clip_rng(params, entry), params)
    spec = sample_clip_spec(entry.class_name, clip_rng(params, entry), params)
    truth = -(spec.jitter - spec.jitter[0])  # the crop moves one way, the content the other
    shifts = estimate_shifts(frames, dilate_mask(mask.astype(bool), 3))
    assert np.abs(shifts - truth).max() <= 1
    assert inpaint_video(frames, mask.astype(bool)).method == "median"
