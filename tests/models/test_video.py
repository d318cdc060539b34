"""Video classifiers: output shapes, SlowFast channel plan, lateral connections and pathways."""

from __future__ import annotations

import math

import pytest
import torch

from videoaug.models.video import (
    SLOWFAST_R50,
    SLOWFAST_TINY,
    FastToSlowLateral,
    SlowFast,
    SlowFastConfig,
    VideoResNetClassifier,
    slowfast_config,
    slowfast_plan,
    split_pathways,
)


@pytest.mark.parametrize("arch", ["r3d_18", "r2plus1d_18"])
def test_video_resnet_output_shape(arch: str) -> None:
    torch.manual_seed(0)
    model = VideoResNetClassifier(arch, num_classes=6, dropout=0.5).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 8, 32, 32)).shape == (2, 6)
    with pytest.raises(ValueError, match=r"\(B, 3, T, H, W\)"):
        model(torch.randn(2, 8, 3, 32, 32))


@pytest.mark.parametrize("config", [SLOWFAST_TINY, SLOWFAST_R50], ids=["tiny", "r50"])
def test_slowfast_output_shape(config: SlowFastConfig) -> None:
    torch.manual_seed(0)
    model = SlowFast(num_classes=5, dropout=0.5, config=config).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 8, 32, 32)).shape == (2, 5)


def test_r50_channel_plan_matches_the_paper() -> None:
    # SlowFast Table 1 / PySlowFast: Slow inputs include 2 * beta * C lateral channels.
    plans = slowfast_plan(SLOWFAST_R50)
    assert [p.slow_in for p in plans] == [80, 320, 640, 1280]
    assert [p.slow_out for p in plans] == [256, 512, 1024, 2048]
    assert [p.fast_in for p in plans] == [8, 32, 64, 128]
    assert [p.fast_out for p in plans] == [32, 64, 128, 256]
    assert [p.depth for p in plans] == [3, 4, 6, 3]
    assert [p.slow_temporal_kernel for p in plans] == [1, 1, 3, 3]
    assert [p.spatial_stride for p in plans] == [1, 2, 2, 2]
    model = SlowFast(num_classes=400, dropout=0.5, config=SLOWFAST_R50)
    assert model.head.in_features == 2048 + 256


@pytest.mark.parametrize("alpha", [2, 4, 8])
@pytest.mark.parametrize("frames", [16, 10])
def test_lateral_matches_slow_time_axis(alpha: int, frames: int) -> None:
    clip = torch.randn(2, 3, frames, 8, 8)
    slow, fast = split_pathways(clip, alpha)
    assert slow.shape[2] == math.ceil(frames / alpha) and fast.shape[2] == frames
    assert torch.equal(slow[:, :, 1], clip[:, :, alpha])
    lateral = FastToSlowLateral(fast_channels=3, alpha=alpha, ratio=2, kernel=5)
    fused = lateral(fast)
    assert fused.shape == (2, 6, slow.shape[2], 8, 8)


@pytest.mark.parametrize("alpha", [2, 4, 8])
def test_slowfast_pathway_shapes_for_alpha(alpha: int) -> None:
    config = slowfast_config(SLOWFAST_TINY, alpha=alpha, base_width=8, beta=1 / 4)
    model = SlowFast(num_classes=3, dropout=0.0, config=config).eval()
    with torch.no_grad():
        slow, fast = model.backbone.forward_pathways(torch.randn(2, 3, 16, 32, 32))
    plans = slowfast_plan(config)
    # 32 px -> stem /4 -> three strided stages /8 -> 1 px
    assert slow.shape == (2, plans[-1].slow_out, 16 // alpha, 1, 1)
    assert fast.shape == (2, plans[-1].fast_out, 16, 1, 1)
    assert plans[0].fast_in == 2 and plans[0].slow_in == 8 + 2 * 2


def test_slow_pathway_sees_frames_only_through_the_laterals() -> None:
    """Frame 1 is not in the Slow input (alpha = 4): the Slow features change with it only
    because the fast->slow lateral connections carry it over."""
    torch.manual_seed(0)
    model = SlowFast(num_classes=3, dropout=0.0, config=SLOWFAST_TINY).eval()
    clip = torch.randn(1, 3, 8, 32, 32)
    changed = clip.clone()
    changed[:, :, 1] += 1.0
    with torch.no_grad():
        slow_a, _ = model.backbone.forward_pathways(clip)
        slow_b, _ = model.backbone.forward_pathways(changed)
        for lateral in model.backbone.laterals:
            torch.nn.init.zeros_(lateral.fuse[0].weight)
        slow_c, _ = model.backbone.forward_pathways(clip)
        slow_d, _ = model.backbone.forward_pathways(changed)
    assert not torch.allclose(slow_a, slow_b)
    torch.testing.assert_close(slow_c, slow_d)


def test_slowfast_config_validation() -> None:
    with pytest.raises(ValueError, match="unknown SlowFast options"):
        slowfast_config(SLOWFAST_TINY, widht=4)
    with pytest.raises(ValueError, match="one entry per stage"):
        slowfast_config(SLOWFAST_TINY, depths=[1, 1])
    with pytest.raises(ValueError, match="odd"):
        slowfast_config(SLOWFAST_TINY, lateral_kernel=4)
    assert slowfast_config(SLOWFAST_TINY, depths=[2, 2, 2, 2]).depths == (2, 2, 2, 2)
