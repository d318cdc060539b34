"""The ``released`` convention (Kim et al.'s released code) against independent references.

RandAugment-T ops: each op of the released convention, applied by :func:`randaugment_t.apply` with
a temporal schedule M1 -> M2, against a per-frame PIL computation of the formula written here from
the issue's table (``v = m / 30``; rotate ``30 v`` degrees; shear PIL data ``(1, s, 0, 0, 1, 0)``
with ``s = 0.3 v``; translate ``100 v`` px; solarize threshold ``256 v``; posterize ``max(1,
int(4 v))`` bits at each end, then ``int`` of the per-frame interpolation; enhancement factor
``0.1 + 1.8 v``). Mixing: per-batch draws, the integer box rule and the CutMixUp branches against
their distributions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance, ImageOps

from videoaug.augment import functional as F
from videoaug.augment import mixing as M
from videoaug.augment.randaugment_t import RandAugmentT, RandAugmentTParams, apply, make_params

RELEASED = F.op_names("released")
GEOMETRIC = ("rotate", "shear_x", "shear_y", "translate_x", "translate_y")
# (M1, M2) on the 0..30 scale, including a falling schedule and the range ends.
SCHEDULES = [(9.0, 9.0), (3.0, 17.0), (21.0, 6.0), (0.0, 30.0)]
LENGTH = 6


def _textured_clip(seed: int = 0, height: int = 48, width: int = 56) -> np.ndarray:
    """(T, H, W, 3) uint8: smooth blobs, edges and noise that move a little over time."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (height // 8, width // 8, 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BILINEAR))
    stripes = ((np.arange(width)[None, :, None] // 5) % 2) * 40
    frames = [base.astype(np.int32) + np.roll(stripes, t, axis=1) - 20
              + rng.integers(-12, 13, base.shape) for t in range(LENGTH)]
    return np.clip(np.stack(frames), 0, 255).astype(np.uint8)


def _to_clips(frames: np.ndarray) -> torch.Tensor:
    """(T, H, W, 3) -> (1, 3, T, H, W)."""
    return torch.from_numpy(frames).permute(3, 0, 1, 2).unsqueeze(0).contiguous()


def _pil_reference(name: str, image: Image.Image, value: float) -> Image.Image:
    """One released op on one frame, the formula of the issue's table; ``value`` = signed v or,
    for posterize, the bits."""
    if name == "identity":
        return image
    if name == "autocontrast":
        return ImageOps.autocontrast(image)
    if name == "equalize":
        return ImageOps.equalize(image)
    if name == "invert":
        return ImageOps.invert(image)
    if name == "rotate":
        return image.rotate(30.0 * value)
    if name == "posterize":
        return ImageOps.posterize(image, int(value))
    if name == "solarize":
        return ImageOps.solarize(image, 256.0 * value)
    if name in ("color", "contrast", "brightness", "sharpness"):
        enhancer = {"color": ImageEnhance.Color, "contrast": ImageEnhance.Contrast,
                    "brightness": ImageEnhance.Brightness, "sharpness": ImageEnhance.Sharpness}
        return enhancer[name](image).enhance(0.1 + 1.8 * value)
    data = {"shear_x": (1, 0.3 * value, 0, 0, 1, 0), "shear_y": (1, 0, 0, 0.3 * value, 1, 0),
            "translate_x": (1, 0, 100.0 * value, 0, 1, 0),
            "translate_y": (1, 0, 0, 0, 1, 100.0 * value)}[name]
    return image.transform(image.size, Image.Transform.AFFINE, data)


def _frame_values(name: str, first: float, last: float, sign: float, length: int) -> list[float]:
    """Per-frame argument of :func:`_pil_reference`: the released interpolation of the op's
    parameter between its endpoint values (posterize: int() of the interpolated integer bits)."""
    if name == "posterize":
        start, end = (max(1, int(m / 30.0 * 4.0)) for m in (first, last))
        return [int(start + (end - start) * t / (length - 1)) for t in range(length)]
    return [sign * (first + (last - first) * t / (length - 1)) / 30.0 for t in range(length)]


def _single_op_params(name: str, first: float, last: float, sign: float) -> RandAugmentTParams:
    index = RELEASED.index(name)
    ramp = torch.linspace(0.0, 1.0, LENGTH)
    free = name in F.RELEASED_MAGNITUDE_FREE_OPS
    magnitudes = torch.zeros(1, 1, LENGTH) if free else (sign * (first + (last - first) * ramp))
    return RandAugmentTParams(
        op_indices=torch.tensor([[index]]), magnitudes=magnitudes.reshape(1, 1, LENGTH),
        first=torch.tensor([[first]]), last=torch.tensor([[last]]),
        signs=torch.tensor([[sign]]), convention="released")


def test_op_names_per_convention():
    assert F.op_names() == F.op_names("randaugment") == F.OP_NAMES
    assert len(F.OP_NAMES) == 14 and "invert" not in F.OP_NAMES
    assert len(RELEASED) == 15 and set(RELEASED) == set(F.OP_NAMES) | {"invert"}
    assert set(F.op_set("released").kernels) == set(RELEASED)
    with pytest.raises(ValueError, match="valid conventions: randaugment, released"):
        F.op_names("authors")


@pytest.mark.parametrize("name", RELEASED)
def test_released_op_matches_per_frame_pil_formula(name):
    frames = _textured_clip()
    clips = _to_clips(frames)
    signs = (1.0, -1.0) if name in F.RELEASED_SIGNED_OPS else (1.0,)
    tolerance = 1.0 if name in GEOMETRIC else 0.6
    for first, last in SCHEDULES:
        for sign in signs:
            ours = apply(clips, _single_op_params(name, first, last, sign), convention="released")
            values = _frame_values(name, first, last, sign, LENGTH)
            theirs = np.stack([np.asarray(_pil_reference(name, Image.fromarray(frame), value))
                               for frame, value in zip(frames, values, strict=True)])
            ours_hwc = ours[0].permute(1, 2, 3, 0).numpy()
            difference = np.abs(ours_hwc.astype(float) - theirs.astype(float)).mean()
            assert difference < tolerance, (name, first, last, sign, difference)


def test_posterize_keeps_one_bit_below_fifteen_and_truncates_the_interpolation():
    bits = F.released_posterize_bits(torch.tensor([3.0, 14.9, 15.0, 7.5, 30.0]),
                                     torch.tensor([9.0, 14.9, 30.0, 30.0, 7.5]), 5)
    assert bits.tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [2, 2, 3, 3, 4],
                             [1, 1, 2, 3, 4], [4, 3, 2, 1, 1]]


def test_full_randaugment_t_batch_matches_a_pil_loop_over_frames():
    """N = 3 drawn ops per clip, temporal+ at M = 12, every op kind in the batch."""
    clips = torch.cat([_to_clips(_textured_clip(seed)) for seed in range(12)])
    params = make_params(clips.shape, torch.Generator().manual_seed(3), n=3, magnitude=12.0,
                         mode="temporal+", convention="released")
    assert params.op_indices.unique().numel() >= 12
    ours = RandAugmentT(3, 12.0, "temporal+", "released").apply(clips, params)
    frames = clips.permute(0, 2, 3, 4, 1).numpy()
    theirs = np.empty_like(frames)
    for b in range(clips.shape[0]):
        images = [Image.fromarray(frame) for frame in frames[b]]
        for slot, index in enumerate(params.op_indices[b].tolist()):
            name = RELEASED[index]
            first, last = float(params.first[b, slot]), float(params.last[b, slot])
            values = _frame_values(name, first, last, float(params.signs[b, slot]), LENGTH)
            images = [_pil_reference(name, image, value)
                      for image, value in zip(images, values, strict=True)]
        theirs[b] = np.stack([np.asarray(image) for image in images])
    difference = np.abs(ours.permute(0, 2, 3, 4, 1).numpy().astype(float) - theirs).mean()
    assert difference < 0.6


def test_released_draws_sign_only_geometric_ops_and_use_all_fifteen():
    params = make_params((3000, 3, 4, 8, 8), torch.Generator().manual_seed(0), n=1,
                         magnitude=9.0, mode="spatial", convention="released")
    counts = torch.bincount(params.op_indices.reshape(-1), minlength=15)
    assert counts.numel() == 15 and counts.min() > 150 and counts.max() < 250  # 200 expected
    names = [RELEASED[i] for i in params.op_indices[:, 0].tolist()]
    negative = {name for name, sign in zip(names, params.signs[:, 0].tolist(), strict=True)
                if sign < 0}
    assert negative == set(GEOMETRIC)


def test_params_and_apply_must_agree_on_the_convention():
    clips = torch.zeros((2, 3, LENGTH, 8, 8), dtype=torch.uint8)
    params = make_params(clips.shape, torch.Generator().manual_seed(0), convention="released")
    assert params.convention == "released"
    with pytest.raises(ValueError, match="drawn for the 'released' convention"):
        apply(clips, params, convention="randaugment")
    with pytest.raises(ValueError, match="valid conventions"):
        RandAugmentT(2, 9, "temporal+", "paper")


def test_released_ops_run_on_float_clips_and_keep_range():
    clips = torch.cat([_to_clips(_textured_clip(seed)) for seed in range(4)])
    augment = RandAugmentT(2, 20.0, "temporal+", "released")
    out_uint8 = augment(clips, torch.Generator().manual_seed(1))
    out_float = augment(clips.float() / 255.0, torch.Generator().manual_seed(1))
    assert out_float.dtype == torch.float32 and float(out_float.min()) >= 0.0
    assert torch.equal((out_float * 255.0).round().to(torch.uint8), out_uint8)


# ----------------------------------------------------------------------------- mixing

BATCHES = 3000


def _draw(recipe, shape, seed: int = 0) -> list[M.MixParams]:
    generator = torch.Generator().manual_seed(seed)
    return [recipe.make_params(shape, generator) for _ in range(BATCHES)]


def _standard_error(p: float, n: int = BATCHES) -> float:
    return math.sqrt(p * (1.0 - p) / n)


def test_released_draws_are_per_batch():
    shape = (6, 1, 8, 10, 12)
    for recipe in (M.CutMix(alpha=2.0, p=0.5, convention="released"),
                   M.FadeMixUp(convention="released"), M.CubeCutMixUp(convention="released")):
        generator = torch.Generator().manual_seed(0)
        applied = []
        for _ in range(200):
            params = recipe.make_params(shape, generator)
            for field in (params.boxes, params.inside, params.outside, params.lam):
                assert torch.equal(field, field[:1].expand_as(field))
            assert sorted(params.partner.tolist()) == list(range(6))
            applied.append(bool(params.lam[0] != 1.0))
        if recipe.p == 0.5:
            assert 0.4 < np.mean(applied) < 0.6  # one coin per batch


def _expected_box_length(size: int, half: int) -> float:
    """Mean over the integer centres c in [0, size) of the clipped [c - half, c + half)."""
    return float(np.mean([min(c + half, size) - max(c - half, 0) for c in range(size)]))


@pytest.mark.parametrize(("recipe", "axes", "root"), [
    (M.CutMix(alpha=1.0, convention="released"), (1, 2), 2),
    (M.FrameCutMix(alpha=1.0, convention="released"), (0,), 1),
    (M.CubeCutMix(alpha=1.0, convention="released"), (0, 1, 2), 3),
], ids=["cutmix", "framecutmix", "cubecutmix"])
def test_released_box_lengths_follow_the_integer_rule(recipe, axes, root):
    extent = (16, 10, 13)
    draws = _draw(recipe, (2, 1, *extent))
    observed = {axis: 0.0 for axis in axes}
    expected = {axis: 0.0 for axis in axes}
    for params in draws:
        box = params.boxes[0].tolist()
        ratio = (1.0 - float(params.lam[0])) ** (1.0 / root)
        for axis, size in enumerate(extent):
            low, high = box[2 * axis], box[2 * axis + 1]
            if axis not in axes:
                assert (low, high) == (0, size)
                continue
            half = int(size * ratio) // 2
            # Some integer centre c in [0, size) gives exactly these clipped ends.
            assert any((max(c - half, 0), min(c + half, size)) == (low, high)
                       for c in range(size)), (box, half)
            observed[axis] += high - low
            expected[axis] += _expected_box_length(size, half)
    for axis in axes:  # the centre is uniform: mean lengths agree
        assert observed[axis] == pytest.approx(expected[axis], rel=0.03)


def test_framecutmix_no_cut_rate_at_sixteen_frames():
    """Released: no frame mixed when int(16 (1 - lam)) < 2, i.e. lam > 7/8: 12.5 % for alpha 1
    (the issue measured 12.8 %); the per-clip continuous rule of ``randaugment`` about 3 %."""
    shape = (2, 1, 16, 2, 2)
    released = _draw(M.FrameCutMix(alpha=1.0, convention="released"), shape)
    rate = np.mean([int(p.boxes[0, 1] == p.boxes[0, 0]) for p in released])
    assert abs(rate - 0.125) < 4 * _standard_error(0.125)
    ours = M.FrameCutMix(alpha=1.0).make_params((BATCHES, 1, 16, 2, 2),
                                                torch.Generator().manual_seed(0))
    ours_rate = float((ours.boxes[:, 1] == ours.boxes[:, 0]).double().mean())
    assert 0.015 < ours_rate < 0.05


@pytest.mark.parametrize("recipe", [M.CutMixUp(alpha=1.0, convention="released"),
                                    M.FrameCutMixUp(alpha=2.0, convention="released"),
                                    M.CubeCutMixUp(alpha=1.0, convention="released")],
                         ids=lambda r: type(r).__name__)
def test_released_cutmixup_branches_and_beta_two_two_weight(recipe):
    draws = _draw(recipe, (2, 1, 8, 10, 12))
    weights = np.array([float(p.lam[0]) for p in draws])  # own-clip blend weight w
    # Beta(2, 2): mean 1/2, variance 1/20, whatever alpha is.
    assert abs(weights.mean() - 0.5) < 4 * math.sqrt(0.05 / BATCHES)
    assert abs(weights.var() - 0.05) < 0.006
    plain = 0
    for params, weight in zip(draws, weights, strict=True):
        outside = float(params.outside[0, 0])
        inside = float(params.inside[0, 0])
        assert outside == pytest.approx(1.0 - weight, abs=1e-6)
        if inside == pytest.approx(outside, abs=1e-6):
            plain += 1
        else:  # box branch: the pure partner where w >= 1/2, the pure own clip below
            assert inside == (1.0 if weight >= 0.5 else 0.0)
    assert abs(plain / BATCHES - 0.5) < 4 * _standard_error(0.5)


def test_released_cutmixup_label_formula():
    """Own-label share: w * lam_box (w >= 1/2), w * lam_box + 1 - lam_box (w < 1/2), w (plain),
    lam_box = 1 - the box's volume share, from constant clips' pixels."""
    batch, extent = 4, (8, 10, 12)
    clips = torch.arange(batch, dtype=torch.float64).div(batch).view(batch, 1, 1, 1, 1)
    clips = clips.expand(batch, 1, *extent).contiguous()
    labels = M.soft_targets(torch.arange(batch), batch).double()
    recipe = M.CubeCutMixUp(alpha=1.0, convention="released")
    generator = torch.Generator().manual_seed(5)
    seen = set()
    for _ in range(60):
        params = recipe.make_params(clips.shape, generator)
        _, mixed = recipe.apply(clips, labels, params)
        box = params.boxes[0]
        lam_box = 1.0 - float((box[1::2] - box[0::2]).prod()) / math.prod(extent)
        weight = float(params.lam[0])
        inside, outside = float(params.inside[0, 0]), float(params.outside[0, 0])
        if inside == outside:
            expected, branch = weight, "plain"
        elif weight >= 0.5:
            expected, branch = weight * lam_box, "partner box"
        else:
            expected, branch = weight * lam_box + 1.0 - lam_box, "own box"
        seen.add(branch)
        moved = params.partner != torch.arange(batch)
        rows = torch.arange(batch)[moved]
        assert torch.allclose(mixed[rows, rows], torch.tensor(expected, dtype=torch.float64),
                              atol=1e-6)
    assert seen == {"plain", "partner box", "own box"}
