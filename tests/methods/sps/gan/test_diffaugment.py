"""DiffAugment transforms: seeded, shape-preserving, differentiable, doing what they say."""

import pytest
import torch

from videoaug.methods.sps.gan.diffaugment import (
    color,
    cutout,
    diff_augment,
    parse_policy,
    translation,
)


def _gen(seed=0):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def test_parse_policy():
    assert parse_policy("color, translation,cutout") == ("color", "translation", "cutout")
    assert parse_policy("") == ()
    with pytest.raises(ValueError, match="unknown DiffAugment"):
        parse_policy("color,rotate")


def test_same_generator_state_gives_same_output_and_gradients_flow():
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    policy = parse_policy("color,translation,cutout")
    a = diff_augment(x, policy, _gen(1))
    b = diff_augment(x, policy, _gen(1))
    assert a.shape == x.shape and torch.equal(a, b)
    assert not torch.equal(a, diff_augment(x, policy, _gen(2)))
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_translation_shifts_content_and_fills_zeros():
    x = torch.zeros(64, 1, 16, 16)
    x[:, :, 8, 8] = 1.0  # one bright pixel in the middle
    out = translation(x, _gen(3))
    positions = out[:, 0].flatten(1).argmax(1)
    dy, dx = positions // 16 - 8, positions % 16 - 8
    assert out.flatten(1).sum(1).eq(1).all()  # the pixel moved, nothing else appeared
    assert dy.abs().max() <= 2 and dx.abs().max() <= 2  # |shift| <= 1/8 of 16
    assert len(set(zip(dy.tolist(), dx.tolist(), strict=True))) > 5
    edge = torch.ones(64, 1, 16, 16)
    shifted = translation(edge, _gen(3))  # the same shifts as above
    moved = (dy != 0) | (dx != 0)
    assert (shifted.flatten(1).sum(1) < 256)[moved].all()  # zeros came in from the border


def test_cutout_zeroes_at_most_a_quarter_of_the_image():
    x = torch.ones(200, 3, 16, 16)
    out = cutout(x, _gen(5))
    zero_share = (out == 0).float().mean(dim=(1, 2, 3))
    assert zero_share.max() == pytest.approx(0.25)  # an 8x8 square fully inside
    assert (zero_share > 0).all() and zero_share.min() < 0.25  # some clipped at the border
    assert ((out == 0) | (out == 1)).all()


def test_color_changes_brightness_per_image_only_by_an_offset_when_grey():
    grey = torch.full((8, 3, 4, 4), 0.2)
    out = color(grey, _gen(6))
    # A uniform grey image stays uniform: saturation and contrast act around its own mean.
    assert torch.allclose(out, out[:, :1, :1, :1].expand_as(out))
    offsets = out[:, 0, 0, 0] - 0.2
    assert offsets.abs().max() <= 0.5 and offsets.std() > 0
