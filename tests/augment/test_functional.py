"""Per-frame RandAugment ops: identities, PIL agreement, per-frame magnitudes, geometry."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance, ImageOps

from videoaug.augment import functional as F

IDENTITY_AT_ZERO = [name for name in F.OP_NAMES if name not in ("autocontrast", "equalize")]


def _random_clips(seed: int = 0, shape=(2, 3, 4, 18, 22)) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8)


def _smooth_image(seed: int = 0, height: int = 24, width: int = 20) -> np.ndarray:
    """A uint8 RGB image with gradients (so enhancement ops have something to do)."""
    rng = np.random.default_rng(seed)
    steps = rng.integers(0, 25, (height, width, 3))
    return (np.cumsum(steps, axis=1) % 256).astype(np.uint8)


def _clip_of(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, 1, H, W)."""
    return torch.from_numpy(image).permute(2, 0, 1)[None, :, None].contiguous()


def _image_of(clip: torch.Tensor) -> np.ndarray:
    return clip[0, :, 0].permute(1, 2, 0).numpy()


@pytest.mark.parametrize("name", IDENTITY_AT_ZERO)
def test_magnitude_zero_is_identity(name):
    clips = _random_clips()
    with torch.no_grad():
        out = F.apply_op(name, clips, 0.0)
    assert out.dtype == torch.uint8
    assert torch.equal(out, clips)
    floats = clips.float() / 255.0
    assert torch.allclose(F.apply_op(name, floats, 0.0), floats, atol=1e-5)


@pytest.mark.parametrize("name", F.OP_NAMES)
def test_dtype_shape_and_range_preserved(name):
    clips = _random_clips(1)
    magnitude = torch.linspace(-20.0, 20.0, clips.shape[2]).expand(clips.shape[0], -1)
    out_uint8 = F.apply_op(name, clips, magnitude)
    assert out_uint8.dtype == torch.uint8 and out_uint8.shape == clips.shape
    assert out_uint8.is_contiguous()
    floats = clips.double() / 255.0
    out_float = F.apply_op(name, floats, magnitude)
    assert out_float.dtype == torch.float64 and out_float.shape == clips.shape
    assert float(out_float.min()) >= 0.0 and float(out_float.max()) <= 1.0
    # uint8 (float32 inside) and float64 paths agree up to one rounding step.
    assert (out_uint8.double() - out_float * 255.0).abs().max() <= 1.0


@pytest.mark.parametrize(
    ("name", "magnitude", "reference", "tolerance"),
    [
        ("equalize", 0.0, ImageOps.equalize, 0),
        ("solarize", 15.0, lambda im: ImageOps.solarize(im, 128), 0),
        ("posterize", 15.0, lambda im: ImageOps.posterize(im, 6), 0),
        ("posterize", 30.0, lambda im: ImageOps.posterize(im, 4), 0),
        ("autocontrast", 0.0, ImageOps.autocontrast, 1),
        ("brightness", 10.0, lambda im: ImageEnhance.Brightness(im).enhance(1.3), 1),
        ("color", -10.0, lambda im: ImageEnhance.Color(im).enhance(0.7), 1),
        ("contrast", 20.0, lambda im: ImageEnhance.Contrast(im).enhance(1.6), 1),
        ("sharpness", 30.0, lambda im: ImageEnhance.Sharpness(im).enhance(1.9), 1),
        ("rotate", 90.0, lambda im: im.rotate(90), 0),
    ],
)
def test_ops_agree_with_pil(name, magnitude, reference, tolerance):
    image = _smooth_image()
    ours = _image_of(F.apply_op(name, _clip_of(image), magnitude)).astype(int)
    theirs = np.asarray(reference(Image.fromarray(image))).astype(int)
    assert np.abs(ours - theirs).max() <= tolerance


def test_equalize_leaves_constant_channels_alone():
    clips = torch.full((1, 3, 2, 6, 6), 77, dtype=torch.uint8)
    assert torch.equal(F.equalize(clips), clips)
    assert torch.equal(F.autocontrast(clips), clips)


def test_per_frame_magnitude_gives_per_frame_brightness():
    clips = torch.full((2, 3, 5, 4, 4), 0.4, dtype=torch.float64)
    magnitude = torch.tensor([[0.0, 5.0, 10.0, 15.0, 20.0], [-30.0, -15.0, 0.0, 15.0, 30.0]])
    out = F.brightness(clips, magnitude)
    expected_factor = 1.0 + 0.9 * magnitude.double() / 30.0
    ratio = out.mean(dim=(1, 3, 4)) / 0.4
    assert torch.allclose(ratio, expected_factor, atol=1e-9)


@pytest.mark.parametrize("name", ["rotate", "shear_x", "shear_y", "translate_x", "contrast"])
def test_batched_frames_equal_frame_by_frame(name):
    clips = _random_clips(2, shape=(2, 3, 3, 14, 16))
    magnitude = torch.tensor([[3.0, -12.0, 25.0], [7.5, 0.0, -30.0]])
    batched = F.apply_op(name, clips, magnitude)
    for b in range(2):
        for t in range(3):
            single = F.apply_op(name, clips[b : b + 1, :, t : t + 1], float(magnitude[b, t]))
            assert torch.equal(batched[b : b + 1, :, t : t + 1], single)


def test_translate_x_moves_content_right_by_schedule():
    width = 20  # 0.45 * 20 * m / 30 = 3 pixels at m = 10
    clips = torch.rand((1, 1, 2, 6, width), generator=torch.Generator().manual_seed(3))
    out = F.translate_x(clips, torch.tensor([[10.0, -10.0]]))
    assert torch.allclose(out[..., 0, :, 3:], clips[..., 0, :, :-3], atol=1e-6)
    assert out[..., 0, :, :3].abs().max() < 1e-6
    assert torch.allclose(out[..., 1, :, :-3], clips[..., 1, :, 3:], atol=1e-6)
    assert out[..., 1, :, -3:].abs().max() < 1e-6


def test_translate_y_moves_content_down():
    height = 20
    clips = torch.rand((1, 1, 1, height, 7), generator=torch.Generator().manual_seed(4))
    out = F.translate_y(clips, 10.0)
    assert torch.allclose(out[..., 3:, :], clips[..., :-3, :], atol=1e-6)


def test_shear_x_shifts_each_row_by_its_distance_from_centre():
    height, width, column = 12, 40, 20
    clips = torch.zeros((1, 1, 1, height, width), dtype=torch.float64)
    clips[..., column] = 1.0
    magnitude = 20.0
    shear = 0.3 * magnitude / 30.0
    out = F.shear_x(clips, magnitude)[0, 0, 0]
    xs = torch.arange(width, dtype=torch.float64)
    centroid = (out * xs).sum(dim=1) / out.sum(dim=1)
    rows_from_centre = torch.arange(height, dtype=torch.float64) + 0.5 - height / 2
    # x_in = x_out + s * y  =>  the line appears at x_out = column - s * y.
    assert torch.allclose(centroid, column - shear * rows_from_centre, atol=1e-6)


def test_affine_frames_matches_affine_grid():
    gen = torch.Generator().manual_seed(5)
    frames = torch.rand((4, 3, 9, 13), generator=gen, dtype=torch.float64)
    matrices = torch.eye(2, 3, dtype=torch.float64).repeat(4, 1, 1)
    matrices = matrices + 0.3 * torch.randn((4, 2, 3), generator=gen, dtype=torch.float64)
    ours = F.affine_frames(frames, matrices)
    half = torch.tensor([13 / 2, 9 / 2], dtype=torch.float64)
    theta = matrices.clone()
    theta[:, :, :2] = matrices[:, :, :2] * half.view(1, 1, 2) / half.view(1, 2, 1)
    theta[:, :, 2] = matrices[:, :, 2] / half.view(1, 2)
    grid = torch.nn.functional.affine_grid(theta, list(frames.shape), align_corners=False)
    reference = torch.nn.functional.grid_sample(frames, grid, align_corners=False)
    assert torch.allclose(ours, reference, atol=1e-9)


def test_rotate_direction_and_sign():
    clips = torch.zeros((1, 1, 1, 9, 9), dtype=torch.uint8)
    clips[..., 8, 4] = 255  # bottom-centre pixel
    counter = F.rotate(clips, 90.0)  # counter-clockwise: bottom -> right
    clockwise = F.rotate(clips, -90.0)
    assert counter[0, 0, 0, 4, 8] == 255
    assert clockwise[0, 0, 0, 4, 0] == 255


def test_solarize_threshold_follows_magnitude():
    values = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 1, 16, 16)
    out = F.solarize(values, 15.0).flatten().int()
    levels = torch.arange(256)
    assert torch.equal(out, torch.where(levels >= 128, 255 - levels, levels).int())


def test_unknown_op_and_bad_input_raise():
    with pytest.raises(ValueError, match="unknown op 'blur'"):
        F.apply_op("blur", _random_clips(), 1.0)
    with pytest.raises(ValueError, match=r"\(B, C, T, H, W\)"):
        F.apply_op("rotate", torch.zeros(3, 8, 8), 1.0)
    with pytest.raises(TypeError, match="uint8 or floating"):
        F.apply_op("rotate", torch.zeros(1, 3, 2, 8, 8, dtype=torch.int32), 1.0)
