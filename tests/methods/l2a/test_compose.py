"""Eq. 1 compositing, Eq. 8 mixed-label weight, the length/size rule and the empty-mask case."""

import cv2
import numpy as np
import pytest

from videoaug.methods.l2a.compose import (
    Variant,
    composite,
    composite_clip,
    mask_fraction,
    match_background,
    mixed_label_weight,
    soft_label,
)


def _random_pair(rng, shape=(5, 7, 9)):
    fg = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    bg = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    return fg, bg


def test_composite_equals_eq1_on_random_arrays():
    rng = np.random.default_rng(0)
    fg, bg = _random_pair(rng)
    mask = rng.integers(0, 2, fg.shape[:3], dtype=np.uint8)
    expected = mask[..., None].astype(np.int64) * fg + (1 - mask[..., None].astype(np.int64)) * bg
    out = composite(fg, bg, mask)
    assert out.dtype == np.uint8 and out.shape == fg.shape
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(composite(fg, bg, mask.astype(bool)), expected)
    # views (flipped, strided) and wide integer masks give the same as Eq. 1 on copies
    flipped = fg[:, ::-1]
    wide = mask.astype(np.int64) * 7
    expected_flipped = np.where(wide[..., None] != 0, flipped, bg)
    np.testing.assert_array_equal(composite(flipped, bg, wide), expected_flipped)
    assert np.shares_memory(composite(fg, bg, mask), bg) is False


def test_soft_mask_blends_per_eq1():
    rng = np.random.default_rng(1)
    fg, bg = _random_pair(rng)
    mask = rng.random(fg.shape[:3])
    expected = mask[..., None] * fg + (1 - mask[..., None]) * bg
    out = composite(fg, bg, mask)
    assert np.abs(out.astype(np.float64) - expected).max() <= 0.5 + 1e-3


def test_composite_rejects_mismatched_shapes():
    rng = np.random.default_rng(2)
    fg, bg = _random_pair(rng)
    with pytest.raises(ValueError, match="match_background"):
        composite(fg, bg[:, :5], np.zeros(fg.shape[:3], np.uint8))
    with pytest.raises(ValueError, match="mask"):
        composite(fg, bg, np.zeros((5, 7, 8), np.uint8))


def test_mixed_label_weight_properties():
    assert mixed_label_weight(0.0) == 0.0 and mixed_label_weight(1.0) == 1.0
    gammas = np.linspace(0, 1, 101)
    lams = mixed_label_weight(gammas)
    assert np.all(np.diff(lams) > 0)
    assert np.all(lams >= gammas - 1e-12)
    assert mixed_label_weight(0.5) == pytest.approx(1 - 0.5**4)
    assert mixed_label_weight(0.3, alpha=2) == pytest.approx(1 - 0.7**2)
    with pytest.raises(ValueError, match="gamma"):
        mixed_label_weight(1.5)


def test_soft_label_sums_to_one_and_weights_classes():
    label = soft_label(2, 0, 0.75, 4)
    np.testing.assert_allclose(label, [0.25, 0, 0.75, 0])
    np.testing.assert_allclose(soft_label(1, 1, 0.3, 3), [0, 1, 0])
    with pytest.raises(ValueError, match="background label 5"):
        soft_label(0, 5, 0.5, 4)


def test_match_background_loops_cuts_and_resizes():
    bg = np.arange(3, dtype=np.uint8)[:, None, None, None] * np.ones((3, 4, 6, 3), np.uint8)
    looped = match_background(bg, 7, (4, 6))
    assert [int(f[0, 0, 0]) for f in looped] == [0, 1, 2, 0, 1, 2, 0]
    assert len(match_background(bg, 2, (4, 6))) == 2
    resized = match_background(bg, 3, (8, 12))
    assert resized.shape == (3, 8, 12, 3) and int(resized[1].min()) == 1 == int(resized[1].max())


def test_portrait_foreground_over_landscape_background_keeps_proportions():
    # a landscape background (48 x 144) with a disk in its centre under a portrait foreground
    # (96 x 48): cover-cropped, the disk stays round (a squeeze made it 1/6 as wide as tall)
    bg = np.zeros((2, 48, 144, 3), np.uint8)
    for frame in bg:
        cv2.circle(frame, (72, 24), 12, (255, 255, 255), -1)
    out = match_background(bg, 2, (96, 48))
    assert out.shape == (2, 96, 48, 3)
    ys, xs = np.nonzero(out[0, ..., 0] > 127)
    width, height = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert width / height == pytest.approx(1.0, abs=0.1)
    assert height == pytest.approx(2 * 12 * 2, abs=3)  # scaled by max(96/48, 48/144) = 2
    # the centre of the background is the centre of the output
    assert (ys.mean(), xs.mean()) == (pytest.approx(47.5, abs=1), pytest.approx(23.5, abs=1))


def test_composite_clip_label_and_empty_mask():
    rng = np.random.default_rng(3)
    fg, bg = _random_pair(rng, (4, 10, 10))
    mask = np.zeros((4, 10, 10), np.uint8)
    mask[:, :5] = 1  # half the pixels
    out = composite_clip(fg, mask, bg[:2], fg_label=1, bg_label=3, num_classes=4)
    assert out.gamma == pytest.approx(0.5) and out.lam == pytest.approx(1 - 0.5**4)
    np.testing.assert_allclose(out.label, [0, out.lam, 0, 1 - out.lam], rtol=1e-6)
    np.testing.assert_array_equal(out.frames[2, 5:], bg[0, 5:])  # background looped
    empty = composite_clip(fg, np.zeros_like(mask), bg, 1, 3, 4)
    assert empty.lam == 0.0 and empty.gamma == 0.0
    np.testing.assert_array_equal(empty.frames, bg)
    np.testing.assert_allclose(empty.label, [0, 0, 0, 1])
    assert mask_fraction(np.zeros((0, 3, 3))) == 0.0


def test_variant_validates():
    assert Variant().mask == "union"
    with pytest.raises(ValueError, match="mask variant"):
        Variant(mask="polygons")
    with pytest.raises(ValueError, match="background variant"):
        Variant(background="blurred")
