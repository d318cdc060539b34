import numpy as np
import pytest
import torch
from torch import nn

from videoaug.methods.sps.gan.models import Generator, gan_to_uint8
from videoaug.methods.sps.gan.pool import generate_images, load_generator, make_latents
from videoaug.methods.sps.gan.training import WGANConfig, train_wgan


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A checkpoint from a tiny 3-iteration run (with checkpoints after 2 and 3)."""
    path = tmp_path_factory.mktemp("pool") / "gan.pt"
    config = WGANConfig(iterations=3, batch_size=8, z_dim=6, image_size=16, base_channels=4,
                        checkpoint_every=2, seed=5)
    images = np.random.default_rng(0).integers(0, 256, (10, 20, 20, 3), dtype=np.uint8)
    result = train_wgan(images, config, path, progress=False)
    return path, result


class ConstantGenerator(nn.Module):
    """Outputs the first latent coordinate, clamped, at every pixel: a known image per z."""

    z_dim = 3
    image_size = 4

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, z):
        return z[:, :1, None, None].clamp(-1, 1).expand(-1, 3, 4, 4)


def test_load_generator_restores_trained_weights_in_eval_mode(trained):
    path, result = trained
    generator = load_generator(path, "cpu")
    assert isinstance(generator, Generator) and not generator.training
    assert (generator.z_dim, generator.image_size) == (6, 16)
    for name, value in result.generator.state_dict().items():
        assert torch.equal(value, generator.state_dict()[name])


def test_load_generator_refuses_partial_checkpoint(trained, tmp_path):
    path, _ = trained
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["complete"] = False
    partial = tmp_path / "partial.pt"
    torch.save(checkpoint, partial)
    with pytest.raises(ValueError, match="partial"):
        load_generator(partial)
    assert isinstance(load_generator(partial, require_complete=False), Generator)


def test_load_generator_rejects_foreign_file(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="not a videoaug.wgan/1 checkpoint"):
        load_generator(path)


def test_generate_images_shape_dtype_and_determinism(trained):
    generator = load_generator(trained[0])
    first = generate_images(generator, 11, z_seed=7, batch_size=4)
    assert first.shape == (11, 16, 16, 3) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, generate_images(generator, 11, z_seed=7, batch_size=4))
    assert not np.array_equal(first, generate_images(generator, 11, z_seed=8, batch_size=4))
    # All latents are drawn up front, so the batch size changes nothing but float rounding.
    other_batching = generate_images(generator, 11, z_seed=7, batch_size=11)
    assert np.abs(first.astype(int) - other_batching.astype(int)).max() <= 1
    # A smaller pool is a prefix of a larger one (same latents; batching only rounds).
    smaller = generate_images(generator, 5, z_seed=7, batch_size=4)
    assert np.abs(smaller.astype(int) - first[:5].astype(int)).max() <= 1


def test_generate_images_resizes_to_out_size(trained):
    generator = load_generator(trained[0])
    big = generate_images(generator, 3, z_seed=1, out_size=32)
    assert big.shape == (3, 32, 32, 3) and big.dtype == np.uint8
    with torch.no_grad():
        raw = generator(make_latents(3, 6, 1))
    np.testing.assert_array_equal(big, gan_to_uint8(raw, 32))


def test_generate_images_maps_tanh_range_to_uint8():
    latents = make_latents(6, 3, 0)
    out = generate_images(ConstantGenerator(), 6, z_seed=0, batch_size=4)
    expected = np.round((latents[:, 0].clamp(-1, 1).numpy().astype(np.float64) + 1) * 127.5)
    assert out.shape == (6, 4, 4, 3)
    assert np.abs(out[:, 2, 1, 0].astype(float) - expected).max() <= 1
    assert (out == out[:, :1, :1, :1]).all()  # constant images stay constant


def test_make_latents_is_seeded_normal_and_prefix_stable():
    z = make_latents(4000, 2, 3)
    assert torch.equal(z, make_latents(4000, 2, 3))
    assert torch.equal(make_latents(5, 2, 3), z[:5])
    assert torch.equal(make_latents(1500, 2, 3), z[:1500])
    assert not torch.equal(make_latents(5, 2, 4), z[:5])
    assert make_latents(0, 2, 3).shape == (0, 2)
    assert abs(z.mean().item()) < 0.05 and abs(z.std().item() - 1.0) < 0.05


def test_generate_zero_images():
    generator = Generator(z_dim=2, image_size=8, base_channels=2)
    assert generate_images(generator, 0, z_seed=0).shape == (0, 8, 8, 3)
    with pytest.raises(ValueError, match="batch_size"):
        generate_images(generator, 3, z_seed=0, batch_size=0)


def test_standardised_gan_stores_its_statistics_and_the_pool_maps_back(tmp_path):
    # A class of near-constant grey images: a standardised GAN's pool is drawn back into the
    # class's range through the statistics stored in the checkpoint.
    rng = np.random.default_rng(2)
    images = np.clip(rng.normal(130, 3, (12, 16, 16, 3)), 0, 255).astype(np.uint8)
    config = WGANConfig(iterations=2, batch_size=4, z_dim=6, image_size=8, base_channels=4,
                        seed=1, normalize="standard")
    train_wgan(images, config, tmp_path / "g.pt", progress=False)
    checkpoint = torch.load(tmp_path / "g.pt", weights_only=True)
    pixels = images.reshape(-1, 3).astype(np.float64)
    assert checkpoint["data_stats"]["mean"] == pytest.approx(list(pixels.mean(0)))
    assert checkpoint["data_stats"]["scale"] == pytest.approx(list(pixels.std(0)))
    generator = load_generator(tmp_path / "g.pt")
    assert generator.data_mean.tolist() == pytest.approx(checkpoint["data_stats"]["mean"])
    with torch.no_grad():
        raw = generator(make_latents(5, 6, 3))
    out = generate_images(generator, 5, z_seed=3)
    expected = (raw * generator.data_scale.view(1, 3, 1, 1)
                + generator.data_mean.view(1, 3, 1, 1)).round().clamp(0, 255)
    assert (out == expected.permute(0, 2, 3, 1).numpy().astype(np.uint8)).all()
    with pytest.raises(ValueError, match="as an array"):
        train_wgan(lambda n, g: torch.zeros(n, 3, 8, 8), config, tmp_path / "h.pt",
                   progress=False)
