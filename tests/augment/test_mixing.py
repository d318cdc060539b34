"""Cut/Mix family over time: exact soft labels (against pixels), box shapes, FadeMixUp, CutMixUp."""

from __future__ import annotations

import pytest
import torch

from videoaug.augment import mixing as M

BATCH, CHANNELS, LENGTH, HEIGHT, WIDTH = 48, 2, 8, 10, 12
SHAPE = (BATCH, CHANNELS, LENGTH, HEIGHT, WIDTH)

MIX_RECIPES = [
    M.CutMix(alpha=1.0),
    M.FrameCutMix(alpha=1.0),
    M.CubeCutMix(alpha=1.0),
    M.MixUp(alpha=1.0),
    M.FadeMixUp(alpha=1.0),
    M.CutMixUp(alpha=1.0),
    M.FrameCutMixUp(alpha=1.0),
    M.CubeCutMixUp(alpha=1.0),
    M.CutMixUp(alpha=1.0, offset=1.0),
    M.FrameMixUp(alpha=2.0),
    M.CubeMixUp(alpha=0.5),
]
# The released convention (one draw per batch) must give exact labels too.
RELEASED_RECIPES = [
    recipe(alpha=alpha, convention="released")
    for recipe, alpha in ((M.CutMix, 2.0), (M.FrameCutMix, 1.0), (M.CubeCutMix, 5.0),
                          (M.MixUp, 1.0), (M.FadeMixUp, 1.0), (M.CutMixUp, 1.0),
                          (M.FrameCutMixUp, 1.0), (M.CubeCutMixUp, 2.0))
]
BOX_RECIPES = [r for r in MIX_RECIPES if not isinstance(r, M.MixUp | M.FadeMixUp)]
MIX_RECIPES = MIX_RECIPES + RELEASED_RECIPES
CUTOUT_RECIPES = [M.CutOut(), M.FrameCutOut(), M.CubeCutOut()]


def _constant_clips(dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """Clip b is constant at b / (B - 1) (all distinct); labels are one-hot class b."""
    values = torch.arange(BATCH, dtype=torch.float64) / (BATCH - 1)
    clips = values.view(BATCH, 1, 1, 1, 1).expand(SHAPE).to(dtype).contiguous()
    return clips, M.soft_targets(torch.arange(BATCH), BATCH).to(torch.float64)


def _recovered_partner_weight(out: torch.Tensor, partner: torch.Tensor) -> torch.Tensor:
    """Per-voxel partner weight read back from the mixed pixels: (x' - v_b) / (v_p - v_b)."""
    values = torch.arange(BATCH, dtype=torch.float64) / (BATCH - 1)
    own = values.view(BATCH, 1, 1, 1, 1)
    other = values[partner].view(BATCH, 1, 1, 1, 1)
    return (out.double() - own) / (other - own)


def _name(recipe) -> str:
    suffix = "-released" if getattr(recipe, "convention", "") == "released" else ""
    return type(recipe).__name__ + str(getattr(recipe, "offset", "")) + suffix


@pytest.mark.parametrize("recipe", MIX_RECIPES, ids=_name)
def test_label_equals_exact_pixel_share_of_each_source(recipe):
    clips, labels = _constant_clips()
    params = recipe.make_params(SHAPE, torch.Generator().manual_seed(0))
    out, mixed = recipe.apply(clips, labels, params)
    assert torch.allclose(mixed.sum(dim=1), torch.ones(BATCH, dtype=torch.float64))
    moved = params.partner != torch.arange(BATCH)
    weight = _recovered_partner_weight(out, params.partner)[moved]
    assert weight.min() > -1e-9 and weight.max() < 1 + 1e-9
    share = weight.mean(dim=(1, 2, 3, 4))
    rows = torch.arange(BATCH)[moved]
    assert torch.allclose(mixed[rows, params.partner[moved]], share, atol=1e-9)
    assert torch.allclose(mixed[rows, rows], 1.0 - share, atol=1e-9)
    # A clip paired with itself keeps its pixels and its label.
    assert torch.equal(out[~moved], clips[~moved])
    assert torch.equal(mixed[~moved], labels[~moved])


@pytest.mark.parametrize("recipe", BOX_RECIPES, ids=_name)
def test_boxes_clipped_at_borders_still_give_exact_labels(recipe):
    clips, labels = _constant_clips()
    params = recipe.make_params(SHAPE, torch.Generator().manual_seed(1))
    out, mixed = recipe.apply(clips, labels, params)
    sizes = torch.tensor([LENGTH, LENGTH, HEIGHT, HEIGHT, WIDTH, WIDTH])
    low, high = params.boxes[:, 0::2], params.boxes[:, 1::2]
    touches = ((low == 0) | (high == sizes[1::2])) & ((high - low) < sizes[1::2])
    clipped = touches.any(dim=1)
    assert clipped.sum() >= 5  # many boxes hit a border in this batch
    volume = ((high - low).prod(dim=1).double() / (LENGTH * HEIGHT * WIDTH))
    moved = params.partner != torch.arange(BATCH)
    rows = torch.arange(BATCH)[moved & clipped]
    weight = _recovered_partner_weight(out, params.partner)[rows]
    inside = M.box_mask(params.boxes[rows], (LENGTH, HEIGHT, WIDTH)).unsqueeze(1)
    inside_share = (weight * inside).sum(dim=(1, 2, 3, 4)) / CHANNELS / (LENGTH * HEIGHT * WIDTH)
    # Independent count: the in-box part of the share equals box volume x in-box weight.
    assert torch.allclose(inside_share, volume[rows] * params.inside[rows, 0].double(), atol=1e-6)
    assert torch.allclose(mixed[rows, params.partner[rows]], weight.mean(dim=(1, 2, 3, 4)),
                          atol=1e-9)


def _partner_mask(recipe, seed: int = 2) -> tuple[torch.Tensor, M.MixParams]:
    clips, labels = _constant_clips()
    params = recipe.make_params(SHAPE, torch.Generator().manual_seed(seed))
    out, _ = recipe.apply(clips, labels, params)
    moved = params.partner != torch.arange(BATCH)
    weight = _recovered_partner_weight(out, params.partner)[:, 0]  # (B, T, H, W), C equal
    return weight[moved].round(decimals=9), params


def _contiguous(flags: torch.Tensor) -> bool:
    index = torch.nonzero(flags).squeeze(1)
    return index.numel() == 0 or bool(index[-1] - index[0] + 1 == index.numel())


def test_framecutmix_pastes_a_contiguous_span_of_whole_frames():
    weight, _ = _partner_mask(M.FrameCutMix(alpha=1.0))
    assert set(weight.unique().tolist()) <= {0.0, 1.0}
    per_frame = weight.flatten(2)
    assert torch.all(per_frame.amin(dim=2) == per_frame.amax(dim=2))  # whole frames
    for frames in per_frame[:, :, 0] > 0.5:
        assert _contiguous(frames)


def test_cutmix_pastes_the_same_rectangle_on_every_frame():
    weight, _ = _partner_mask(M.CutMix(alpha=1.0))
    assert torch.all(weight == weight[:, :1])
    for mask in weight[:, 0] > 0.5:
        rows, cols = mask.any(dim=1), mask.any(dim=0)
        assert _contiguous(rows) and _contiguous(cols)
        assert torch.equal(mask, rows[:, None] & cols[None, :])


def test_cubecutmix_pastes_a_spatio_temporal_cube():
    weight, _ = _partner_mask(M.CubeCutMix(alpha=1.0))
    for mask in weight > 0.5:
        frames, rows, cols = mask.any(dim=(1, 2)), mask.any(dim=(0, 2)), mask.any(dim=(0, 1))
        assert _contiguous(frames) and _contiguous(rows) and _contiguous(cols)
        assert torch.equal(mask, frames[:, None, None] & rows[None, :, None] & cols[None, None])
    assert any(bool((m > 0.5).any(dim=(1, 2)).sum() < LENGTH) for m in weight)


def test_fademixup_weight_is_linear_over_frames_with_mean_lambda():
    weight, params = _partner_mask(M.FadeMixUp(alpha=1.0), seed=3)
    moved = params.partner != torch.arange(BATCH)
    lam = params.lam[moved]
    own = 1.0 - weight.mean(dim=(2, 3))  # (B', T) own weight lambda_t
    assert torch.all(weight.flatten(2).std(dim=2) < 1e-9)  # constant over each frame
    assert own.diff(n=2, dim=1).abs().max() < 1e-7  # linear in t
    assert torch.allclose(own.mean(dim=1), lam, atol=1e-7)  # mean is lambda
    gamma = (own[:, -1] - own[:, 0]) / 2
    assert torch.all(gamma.abs() <= torch.minimum(lam, 1 - lam) + 1e-7)
    assert (gamma > 0.01).any() and (gamma < -0.01).any()  # fades in both directions


def test_cutmixup_inner_lambda_branches():
    lam = torch.tensor([0.9, 0.5, 0.7, 0.49, 0.2, 0.0], dtype=torch.float64)
    half = M.cutmixup_inner_lambda(lam, 0.5)
    assert torch.allclose(half, torch.tensor([0.4, 0.0, 0.2, 0.99, 0.7, 0.5], dtype=torch.float64))
    paste = M.cutmixup_inner_lambda(lam, 1.0)
    assert torch.equal(paste, torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0, 1.0], dtype=torch.float64))


@pytest.mark.parametrize(("lam", "lam_in"), [(0.8, 0.3), (0.2, 0.7)])
def test_cutmixup_label_matches_definition_on_a_known_box(lam, lam_in):
    clips, labels = _constant_clips()
    # Box: frames 2..5 (4 of 8), rows 0..4 (5 of 10), all 12 columns -> r = 0.25.
    boxes = torch.tensor([[2, 6, 0, 5, 0, WIDTH]]).repeat(BATCH, 1)
    partner = torch.roll(torch.arange(BATCH), 1)
    lam_t = torch.full((BATCH,), lam, dtype=torch.float64)
    inside = (1.0 - M.cutmixup_inner_lambda(lam_t, 0.5)).float()[:, None].expand(-1, LENGTH)
    outside = torch.full((BATCH, LENGTH), 1.0 - lam)
    params = M.MixParams(partner, boxes, inside, outside, lam_t)
    out, mixed = M.CutMixUp().apply(clips, labels, params)
    r = 0.25
    expected_partner = (1 - r) * (1 - lam) + r * (1 - lam_in)
    assert torch.allclose(mixed[torch.arange(BATCH), partner],
                          torch.full((BATCH,), expected_partner, dtype=torch.float64), atol=1e-6)
    weight = _recovered_partner_weight(out, partner)
    assert torch.allclose(weight[:, :, 2:6, :5], torch.tensor(1 - lam_in, dtype=torch.float64),
                          atol=1e-6)
    assert torch.allclose(weight[:, :, 6:], torch.tensor(1 - lam, dtype=torch.float64), atol=1e-6)


def test_cutmixup_draws_both_branches_and_sets_weights_accordingly():
    params = M.CutMixUp(alpha=1.0).make_params(SHAPE, torch.Generator().manual_seed(4))
    lam = params.lam
    assert (lam >= 0.5).any() and (lam < 0.5).any()
    expected_inside = 1.0 - M.cutmixup_inner_lambda(lam, 0.5)
    assert torch.allclose(params.inside[:, 0].double(), expected_inside, atol=1e-6)
    assert torch.allclose(params.outside[:, 0].double(), 1.0 - lam, atol=1e-6)


@pytest.mark.parametrize("recipe", CUTOUT_RECIPES, ids=_name)
def test_cutout_deletes_exactly_the_box_and_keeps_labels(recipe):
    clips, labels = _constant_clips()
    clips = clips * 0.5 + 0.25  # no voxel is 0 before
    params = recipe.make_params(SHAPE, torch.Generator().manual_seed(5))
    out, kept = recipe.apply(clips, labels, params)
    assert torch.equal(kept, labels)
    deleted = out == 0
    mask = M.box_mask(params.boxes, (LENGTH, HEIGHT, WIDTH)).unsqueeze(1).expand(SHAPE)
    assert torch.equal(deleted, mask)
    assert torch.equal(out[~mask], clips[~mask])
    low, high = params.boxes[:, 0::2], params.boxes[:, 1::2]
    full = torch.tensor([LENGTH, HEIGHT, WIDTH])
    kind = type(recipe).box_kind
    cut_axes = {"space": [1, 2], "time": [0], "cube": [0, 1, 2]}[kind]
    whole_axes = [axis for axis in range(3) if axis not in cut_axes]
    assert torch.all(low[:, whole_axes] == 0) and torch.all(high[:, whole_axes] == full[whole_axes])
    expected_side = torch.tensor([recipe.length * LENGTH, recipe.size * HEIGHT,
                                  recipe.size * WIDTH])
    sides = (high - low)[:, cut_axes].double()
    assert torch.all(sides <= expected_side[cut_axes] + 1)
    assert (sides < expected_side[cut_axes] - 0.5).any()  # some boxes clipped at a border


def test_cutout_uint8_zeroes_the_box():
    clips = torch.full(SHAPE, 200, dtype=torch.uint8)
    _, labels = _constant_clips()
    out, _ = M.CubeCutOut()(clips, labels, torch.Generator().manual_seed(0))
    assert out.dtype == torch.uint8
    assert set(out.unique().tolist()) == {0, 200}


@pytest.mark.parametrize("recipe", MIX_RECIPES + CUTOUT_RECIPES, ids=_name)
def test_uint8_in_uint8_out_deterministic_under_no_grad(recipe):
    gen = torch.Generator().manual_seed(7)
    clips = torch.randint(0, 256, SHAPE, dtype=torch.uint8, generator=gen)
    _, labels = _constant_clips()
    with torch.no_grad():
        out, mixed = recipe(clips, labels.float(), torch.Generator().manual_seed(11))
        again, mixed_again = recipe(clips, labels.float(), torch.Generator().manual_seed(11))
    assert out.dtype == torch.uint8 and out.shape == clips.shape
    assert mixed.dtype == torch.float32 and mixed.shape == labels.shape
    assert torch.equal(out, again) and torch.equal(mixed, mixed_again)


def test_uint8_blend_rounds_to_nearest():
    clips = torch.zeros((2, 1, 1, 1, 1), dtype=torch.uint8)
    clips[1] = 255
    weight = torch.full((2, 1, 1, 1), 0.3)
    out = M.blend_with_partners(clips, torch.tensor([1, 0]), weight)
    assert out.flatten().tolist() == [round(0.3 * 255), round(0.7 * 255)]


def test_probability_is_per_clip():
    clips, labels = _constant_clips()
    recipe = M.MixUp(alpha=1.0, p=0.5)
    params = recipe.make_params(SHAPE, torch.Generator().manual_seed(8))
    out, mixed = recipe.apply(clips, labels, params)
    untouched = (out == clips).flatten(1).all(dim=1)
    assert 10 < int(untouched.sum()) < BATCH - 10
    assert torch.equal(mixed[untouched], labels[untouched])
    out_never, labels_never = M.CutMix(p=0.0)(clips, labels, torch.Generator().manual_seed(8))
    assert torch.equal(out_never, clips) and torch.equal(labels_never, labels)


def test_sample_beta_is_reproducible_and_has_beta_moments():
    alpha = 2.0
    draws = M.sample_beta(alpha, 20000, torch.Generator().manual_seed(0))
    again = M.sample_beta(alpha, 20000, torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)
    assert abs(float(draws.mean()) - 0.5) < 0.01
    assert abs(float(draws.var()) - 1.0 / (4 * (2 * alpha + 1))) < 0.003
    assert float(draws.min()) >= 0.0 and float(draws.max()) <= 1.0
    gen = torch.Generator().manual_seed(0)
    assert not torch.equal(M.sample_beta(alpha, 5, gen), M.sample_beta(alpha, 5, gen))


def test_invalid_inputs_raise():
    clips, labels = _constant_clips()
    with pytest.raises(ValueError, match="soft targets"):
        M.MixUp()(clips, torch.arange(BATCH), torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="alpha must be > 0"):
        M.CutMix(alpha=0.0)
    with pytest.raises(ValueError, match="p must be in"):
        M.FadeMixUp(p=1.5)
    with pytest.raises(ValueError, match="size must be in"):
        M.CutOut(size=0.0)
    params = M.MixUp().make_params(SHAPE, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="batch of 48"):
        M.MixUp().apply(clips[:4], labels[:4], params)
