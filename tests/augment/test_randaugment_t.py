"""RandAugment-T: magnitude schedules per mode, linear-in-time effects, determinism, dtypes."""

from __future__ import annotations

import pytest
import torch

from videoaug.augment import functional as F
from videoaug.augment.randaugment_t import (
    MODES,
    RandAugmentT,
    RandAugmentTParams,
    apply,
    make_params,
)

SHAPE = (64, 3, 9, 8, 8)  # params only depend on (B, T)


def _params(mode: str, magnitude: float = 12.0, seed: int = 0, n: int = 3) -> RandAugmentTParams:
    return make_params(SHAPE, torch.Generator().manual_seed(seed), n=n, magnitude=magnitude,
                       mode=mode)


def _unsigned_schedule(params: RandAugmentTParams) -> torch.Tensor:
    """(B, N, T) unsigned magnitudes rebuilt from the endpoints: M1 + (M2 - M1) t / (T - 1)."""
    ramp = torch.arange(SHAPE[2], dtype=torch.float32) / (SHAPE[2] - 1)
    return params.first[..., None] + (params.last - params.first)[..., None] * ramp


def _magnitude_ops(params: RandAugmentTParams) -> torch.Tensor:
    free = [F.OP_NAMES.index(name) for name in F.MAGNITUDE_FREE_OPS]
    return ~torch.isin(params.op_indices, torch.tensor(free))


@pytest.mark.parametrize("mode", MODES)
def test_magnitudes_are_linear_in_time_with_constant_sign(mode):
    params = _params(mode)
    has_magnitude = _magnitude_ops(params)
    expected = _unsigned_schedule(params) * params.signs[..., None]
    expected = torch.where(has_magnitude[..., None], expected, 0.0)
    assert torch.allclose(params.magnitudes, expected, atol=1e-5)
    second_difference = params.magnitudes.diff(n=2, dim=-1)
    assert second_difference.abs().max() < 1e-4
    signed = torch.tensor([name in F.SIGNED_OPS for name in F.OP_NAMES])[params.op_indices]
    assert torch.all(params.signs[~signed] == 1.0)
    assert (params.signs[signed] == -1.0).any() and (params.signs[signed] == 1.0).any()


def test_spatial_mode_is_constant_at_m():
    params = _params("spatial")
    assert torch.all(params.first == 12.0) and torch.all(params.last == 12.0)


def test_temporal_mode_rises_from_uniform_start_to_m():
    params = _params("temporal")
    assert torch.all(params.last == 12.0)
    assert params.first.min() >= 0.1 and params.first.max() <= 12.0
    assert params.first.std() > 2.0  # spread over U(0.1, M), not a constant


def test_temporal_plus_mode_is_symmetric_around_m_in_both_directions():
    params = _params("temporal+")
    assert torch.allclose(params.first + params.last, torch.full_like(params.first, 24.0))
    half_range = (params.last - params.first).abs() / 2
    assert half_range.max() <= 0.5 * 12.0 + 1e-5
    assert half_range.max() > 4.0
    assert (params.last > params.first).any() and (params.last < params.first).any()


def test_mix_mode_picks_spatial_or_temporal_plus_per_clip():
    params = _params("mix")
    constant = params.first == params.last
    spatial_clips = constant.all(dim=1)
    assert spatial_clips.any() and (~spatial_clips).any()
    assert torch.all(params.first[spatial_clips] == 12.0)
    moving = ~spatial_clips
    assert torch.allclose(params.first[moving] + params.last[moving], torch.tensor(24.0))


def _single_op_params(name: str, first: float, last: float, batch: int, length: int):
    index = F.OP_NAMES.index(name)
    first_t = torch.full((batch, 1), first)
    last_t = torch.full((batch, 1), last)
    ramp = torch.linspace(0.0, 1.0, length)
    magnitudes = (first_t[..., None] + (last_t - first_t)[..., None] * ramp).contiguous()
    return RandAugmentTParams(
        op_indices=torch.full((batch, 1), index, dtype=torch.int64),
        magnitudes=magnitudes,
        first=first_t,
        last=last_t,
        signs=torch.ones(batch, 1),
    )


def test_brightness_ratio_per_frame_follows_linear_schedule():
    length = 7
    clips = torch.full((2, 3, length, 6, 6), 0.5, dtype=torch.float64)
    params = _single_op_params("brightness", 3.0, 21.0, batch=2, length=length)
    out = apply(clips, params)
    ratio = out.mean(dim=(0, 1, 3, 4)) / 0.5
    schedule = 3.0 + 18.0 * torch.arange(length, dtype=torch.float64) / (length - 1)
    assert torch.allclose(ratio, 1.0 + 0.9 * schedule / 30.0, atol=1e-6)


def test_translation_offset_per_frame_follows_schedule():
    length, width, column = 5, 60, 10
    clips = torch.zeros((1, 1, length, 4, width), dtype=torch.float64)
    clips[..., column] = 1.0
    params = _single_op_params("translate_x", 2.0, 14.0, batch=1, length=length)
    out = apply(clips, params)[0, 0, :, 0]  # (T, W)
    xs = torch.arange(width, dtype=torch.float64)
    centroid = (out * xs).sum(dim=1) / out.sum(dim=1)
    schedule = 2.0 + 12.0 * torch.arange(length, dtype=torch.float64) / (length - 1)
    assert torch.allclose(centroid, column + 0.45 * width * schedule / 30.0, atol=1e-4)


def test_same_seed_same_output_and_different_seed_differs():
    clips = torch.randint(0, 256, (4, 3, 6, 16, 16), dtype=torch.uint8,
                          generator=torch.Generator().manual_seed(9))
    augment = RandAugmentT(n=2, m=9, mode="temporal+")
    first = augment(clips, torch.Generator().manual_seed(5))
    again = augment(clips, torch.Generator().manual_seed(5))
    other = augment(clips, torch.Generator().manual_seed(6))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_dtypes_preserved_and_runs_under_no_grad():
    clips = torch.randint(0, 256, (3, 3, 5, 12, 12), dtype=torch.uint8,
                          generator=torch.Generator().manual_seed(1))
    augment = RandAugmentT(n=3, m=15, mode="mix")
    with torch.no_grad():
        out = augment(clips, torch.Generator().manual_seed(0))
        out_float = augment(clips.float() / 255, torch.Generator().manual_seed(0))
    assert out.dtype == torch.uint8 and out.shape == clips.shape
    assert out_float.dtype == torch.float32 and out_float.shape == clips.shape
    assert float(out_float.min()) >= 0.0 and float(out_float.max()) <= 1.0
    assert (out.float() - out_float * 255).abs().max() <= 1.0


def test_batch_with_different_ops_per_clip_equals_clip_by_clip():
    batch = 12
    clips = torch.randint(0, 256, (batch, 3, 4, 10, 10), dtype=torch.uint8,
                          generator=torch.Generator().manual_seed(2))
    params = make_params(clips.shape, torch.Generator().manual_seed(3), n=2, magnitude=10.0,
                         mode="temporal+")
    assert params.op_indices.unique().numel() > 4  # a genuinely mixed batch
    batched = apply(clips, params)
    for b in range(batch):
        single = RandAugmentTParams(*(field[b : b + 1] for field in (
            params.op_indices, params.magnitudes, params.first, params.last, params.signs)))
        assert torch.equal(batched[b : b + 1], apply(clips[b : b + 1], single))


def test_zero_magnitude_spatial_policy_changes_only_magnitude_free_ops():
    clips = torch.randint(0, 256, (8, 3, 3, 10, 10), dtype=torch.uint8,
                          generator=torch.Generator().manual_seed(4))
    params = make_params(clips.shape, torch.Generator().manual_seed(0), n=1, magnitude=0.0,
                         mode="spatial")
    out = apply(clips, params)
    free = torch.tensor([F.OP_NAMES[i] in ("autocontrast", "equalize")
                         for i in params.op_indices[:, 0].tolist()])
    unchanged = (out == clips).flatten(1).all(dim=1)
    assert torch.all(unchanged[~free])


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="valid modes: spatial, temporal, temporal\\+, mix"):
        RandAugmentT(2, 9, "sideways")
    with pytest.raises(ValueError, match="n >= 0"):
        RandAugmentT(-1, 9)
    params = _params("spatial")
    with pytest.raises(ValueError, match="do not fit"):
        apply(torch.zeros((2, 3, 9, 8, 8), dtype=torch.uint8), params)
