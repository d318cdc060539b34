import numpy as np
import pytest
import torch
from torch import nn

from videoaug.methods.sps.gan.models import (
    Critic,
    Generator,
    append_minibatch_std,
    gan_to_uint8,
    resize_square,
    uint8_to_gan,
)


@pytest.mark.parametrize(("image_size", "n_layers"), [(8, 2), (16, 3), (32, 4), (64, 5)])
def test_generator_and_critic_shapes_follow_image_size(image_size, n_layers):
    generator = Generator(z_dim=5, image_size=image_size, base_channels=4)
    critic = Critic(image_size=image_size, base_channels=4)
    images = generator(torch.randn(3, 5))
    assert images.shape == (3, 3, image_size, image_size)
    assert critic(images).shape == (3,)
    # One transposed conv per doubling from 1x1 -> 4x4 -> ... -> image_size.
    n_transposed = sum(isinstance(m, nn.ConvTranspose2d) for m in generator.modules())
    assert n_transposed == n_layers


def test_widest_layer_is_capped_at_eight_times_base():
    critic = Critic(image_size=256, base_channels=2)
    widths = [m.out_channels for m in critic.modules() if isinstance(m, nn.Conv2d)]
    assert widths == [2, 4, 8, 16, 16, 16, 1]
    scores = critic(torch.zeros(1, 3, 256, 256))
    assert scores.shape == (1,)


def test_generator_uses_batchnorm_and_tanh_and_critic_has_no_batchnorm():
    generator = Generator(z_dim=4, image_size=16, base_channels=4)
    assert any(isinstance(m, nn.BatchNorm2d) for m in generator.modules())
    assert isinstance(generator.net[-1], nn.Tanh)
    for norm, kind in [("layer", nn.GroupNorm), ("instance", nn.InstanceNorm2d)]:
        critic = Critic(image_size=16, base_channels=4, norm=norm)
        assert not any(isinstance(m, nn.BatchNorm2d) for m in critic.modules())
        assert any(isinstance(m, kind) for m in critic.modules())


def test_generator_output_is_in_tanh_range():
    generator = Generator(z_dim=4, image_size=8, base_channels=4)
    images = generator(10.0 * torch.randn(16, 4))
    assert images.min() >= -1.0 and images.max() <= 1.0
    assert images.abs().max() > 0.5  # large latents saturate, so the range is really used


def test_critic_score_of_one_sample_does_not_depend_on_the_batch():
    # The gradient penalty is per sample, so the critic must not mix samples (no batch norm).
    critic = Critic(image_size=16, base_channels=4)
    batch = torch.randn(5, 3, 16, 16)
    alone = critic(batch[:1])
    together = critic(batch)[:1]
    torch.testing.assert_close(alone, together)


@pytest.mark.parametrize("bad", [4, 12, 48, 100])
def test_invalid_image_size_is_rejected(bad):
    with pytest.raises(ValueError, match="power of two"):
        Generator(image_size=bad)
    with pytest.raises(ValueError, match="power of two"):
        Critic(image_size=bad)


def test_unknown_critic_norm_is_rejected():
    with pytest.raises(ValueError, match="critic norm"):
        Critic(image_size=8, norm="batch")


def test_uint8_to_gan_maps_range_and_layout():
    images = np.zeros((2, 4, 6, 3), dtype=np.uint8)
    images[0, 1, 2] = (0, 255, 51)
    tensor = uint8_to_gan(images)
    assert tensor.shape == (2, 3, 4, 6) and tensor.dtype == torch.float32
    assert tensor[0, :, 1, 2].tolist() == pytest.approx([-1.0, 1.0, 51 / 127.5 - 1.0])
    assert tensor[1].eq(-1.0).all()


def test_uint8_round_trip_is_exact():
    images = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    np.testing.assert_array_equal(gan_to_uint8(uint8_to_gan(images)), images)


def test_uint8_to_gan_resizes_and_rejects_wrong_layout():
    images = np.full((1, 20, 30, 3), 200, dtype=np.uint8)
    resized = uint8_to_gan(images, image_size=8)
    assert resized.shape == (1, 3, 8, 8)
    torch.testing.assert_close(resized, torch.full((1, 3, 8, 8), 200 / 127.5 - 1.0))
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        uint8_to_gan(np.zeros((1, 3, 8, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        uint8_to_gan(np.zeros((1, 8, 8, 3), dtype=np.float32))


def test_gan_to_uint8_clamps_and_rounds():
    values = torch.tensor([-1.5, -1.0, 0.0, 0.5, 1.0, 2.0]).view(1, 1, 1, 6).expand(1, 3, 1, 6)
    out = gan_to_uint8(values)
    assert out.dtype == np.uint8 and out.shape == (1, 1, 6, 3)
    # round((x + 1) * 127.5): 0.0 -> 127.5 rounds half to even -> 128; 0.5 -> 191.25 -> 191.
    assert out[0, 0, :, 0].tolist() == [0, 0, 128, 191, 255, 255]


def test_resize_square_averages_when_downscaling():
    checker = torch.zeros(1, 1, 8, 8)
    checker[..., ::2, ::2] = 1.0
    checker[..., 1::2, 1::2] = 1.0
    down = resize_square(checker, 4)
    # A checkerboard has mean 0.5; an antialiased downscale blurs it to ~0.5 everywhere
    # (borders renormalise the filter, hence the small tolerance).
    assert down.shape == (1, 1, 4, 4)
    assert (down - 0.5).abs().max().item() < 0.02
    flat = torch.full((2, 3, 10, 6), 0.25)
    torch.testing.assert_close(resize_square(flat, 4), torch.full((2, 3, 4, 4), 0.25))
    same = torch.randn(1, 3, 8, 8)
    assert resize_square(same, 8) is same


def test_minibatch_std_channel_matches_an_independent_computation():
    torch.manual_seed(0)
    features = torch.randn(6, 5, 3, 3)
    out = append_minibatch_std(features, group_size=4)  # 6 samples: largest divisor <= 4 is 3
    assert out.shape == (6, 6, 3, 3)
    assert torch.equal(out[:, :5], features)
    for g, rows in enumerate([(0, 1, 2), (3, 4, 5)]):
        group = features[list(rows)].numpy()
        expected = np.sqrt(group.var(axis=0) + 1e-8).mean()
        for r in rows:
            assert torch.allclose(out[r, 5], torch.full((3, 3), float(expected)), atol=1e-6), g


def test_minibatch_std_lets_the_critic_see_a_collapsed_batch():
    """Identical samples give a zero statistic; a one-sample group too (G = 1)."""
    same = torch.randn(1, 4, 2, 2).expand(8, 4, 2, 2).contiguous()
    assert torch.allclose(append_minibatch_std(same, 4)[:, 4], torch.tensor(1e-4), atol=1e-6)
    varied = torch.randn(8, 4, 2, 2)
    assert append_minibatch_std(varied, 4)[:, 4].min() > 0.1
    critic = Critic(image_size=16, base_channels=4, minibatch_std=4)
    assert critic.net[-1].in_channels == critic.net[-4].out_channels + 1
    assert critic(torch.randn(8, 3, 16, 16)).shape == (8,)
    with pytest.raises(ValueError, match="minibatch_std"):
        Critic(image_size=16, base_channels=4, minibatch_std=-1)


def test_data_stats_are_the_channel_moments_or_the_minmax_constants():
    from videoaug.methods.sps.gan.models import data_stats

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 5, 6, 3), dtype=np.uint8)
    images[..., 2] = 40  # a constant channel: its scale is floored, never 0
    mean, scale = data_stats(images, "standard")
    pixels = images.reshape(-1, 3).astype(np.float64)
    assert mean == pytest.approx(list(pixels.mean(0)))
    assert scale[:2] == pytest.approx(list(pixels.std(0)[:2])) and scale[2] == 1.0
    assert data_stats(images, "minmax") == ([127.5] * 3, [127.5] * 3)
    with pytest.raises(ValueError, match="normalize"):
        data_stats(images, "zscore")


def test_standardised_mapping_round_trips_and_minmax_is_the_paper_formula():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    mean, scale = [132.0, 120.0, 140.0], [17.0, 20.0, 15.0]
    x = uint8_to_gan(images, mean=mean, scale=scale)
    expected = (images.transpose(0, 3, 1, 2) - np.array(mean)[:, None, None]) / np.array(
        scale)[:, None, None]
    assert x.numpy() == pytest.approx(expected, abs=1e-5)
    assert (gan_to_uint8(x, mean=mean, scale=scale) == images).all()
    # All-127.5 statistics take the [-1, 1] formula bit for bit (caches of older runs stay valid).
    assert torch.equal(uint8_to_gan(images, mean=[127.5] * 3, scale=[127.5] * 3),
                       uint8_to_gan(images))


def test_linear_generator_output_is_unbounded():
    torch.manual_seed(0)
    generator = Generator(z_dim=8, image_size=8, base_channels=4, output="linear")
    assert not any(isinstance(m, torch.nn.Tanh) for m in generator.modules())
    with torch.no_grad():
        generator.net[-1].bias.fill_(5.0)  # beyond tanh's range
        assert generator(torch.randn(4, 8)).min() > 1.0
    with pytest.raises(ValueError, match="output"):
        Generator(z_dim=8, image_size=8, base_channels=4, output="sigmoid")
