import numpy as np
import pytest
import torch

from videoaug.methods.sps.gan.models import uint8_to_gan
from videoaug.methods.sps.gan.pool import generate_images
from videoaug.methods.sps.gan.training import (
    DEFAULT_LR,
    WGANConfig,
    array_batch_sampler,
    build_state,
    load_checkpoint,
    train_wgan,
)


def _two_modes() -> np.ndarray:
    """8x8 images: mode 0 bright on the left half, mode 1 bright on the right half."""
    left = np.zeros((8, 8, 3), dtype=np.uint8)
    left[:, :4] = 255
    return np.stack([left, left[:, ::-1]])


def _two_mode_data(n: int = 64) -> np.ndarray:
    return _two_modes()[np.arange(n) % 2]


def _distance_to_nearest_mode(images: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean RMS distance (in [-1, 1] units) of each image to its nearest mode, and that mode."""
    samples = uint8_to_gan(images).flatten(1)
    modes = uint8_to_gan(_two_modes()).flatten(1)
    distances = torch.cdist(samples, modes) / samples.shape[1] ** 0.5
    return distances.min(dim=1).values.mean().item(), distances.argmin(dim=1).numpy()


def _tiny_config(**overrides) -> WGANConfig:
    settings = dict(iterations=6, batch_size=8, z_dim=4, image_size=8, base_channels=4,
                    checkpoint_every=2, seed=3)
    return WGANConfig(**{**settings, **overrides})


class Killed(RuntimeError):
    pass


class CountingSampler:
    """Wraps a batch sampler; counts calls and raises :class:`Killed` on call ``kill_at``."""

    def __init__(self, sampler, kill_at=None):
        self.sampler, self.kill_at, self.calls = sampler, kill_at, 0

    def __call__(self, batch_size, rng):
        self.calls += 1
        if self.kill_at is not None and self.calls == self.kill_at:
            raise Killed
        return self.sampler(batch_size, rng)


def test_config_defaults_follow_the_papers():
    gp = WGANConfig()
    assert (gp.loss, gp.lr, gp.betas, gp.n_critic, gp.gp_lambda) == (
        "wgan-gp", 1e-4, (0.5, 0.9), 5, 10.0)
    clipped = WGANConfig(loss="wgan")
    assert (clipped.lr, clipped.clip_value, clipped.n_critic) == (5e-5, 0.01, 5)
    assert DEFAULT_LR == {"wgan-gp": 1e-4, "wgan": 5e-5}
    assert WGANConfig(lr=3e-4).lr == 3e-4


def test_config_round_trips_through_plain_dict():
    config = _tiny_config(loss="wgan")
    data = config.to_dict()
    assert isinstance(data["betas"], list)
    assert WGANConfig.from_dict(data) == config


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"loss": "lsgan"}, "loss must be one of"), ({"image_size": 48}, "power of two"),
     ({"n_critic": 0}, "n_critic must be >= 1"), ({"iterations": 0}, "iterations must be")],
)
def test_config_rejects_invalid_values(overrides, message):
    with pytest.raises(ValueError, match=message):
        WGANConfig(**overrides)


def test_array_batch_sampler_resizes_and_draws_only_dataset_images():
    images = np.stack([np.full((16, 16, 3), value, dtype=np.uint8) for value in (0, 100, 255)])
    sample = array_batch_sampler(images, image_size=8)
    batch = sample(50, torch.Generator().manual_seed(0))
    assert batch.shape == (50, 3, 8, 8)
    levels = {round(v, 4) for v in batch[:, 0, 0, 0].tolist()}
    assert levels == {round(v / 127.5 - 1.0, 4) for v in (0, 100, 255)}
    again = sample(50, torch.Generator().manual_seed(0))
    torch.testing.assert_close(batch, again)


def test_build_state_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first = build_state(_tiny_config(), "cpu")
    assert torch.equal(torch.get_rng_state(), before)
    second = build_state(_tiny_config(), "cpu")
    other_seed = build_state(_tiny_config(seed=4), "cpu")
    for name, value in first.generator.state_dict().items():
        assert torch.equal(value, second.generator.state_dict()[name])
    assert not torch.equal(first.critic.net[0].weight, other_seed.critic.net[0].weight)


def test_wgan_gp_moves_samples_toward_both_modes(tmp_path):
    # A large learning rate keeps the run short; seeds 0-2 all end near 0.08-0.1 (init ~1.0).
    config = WGANConfig(iterations=100, batch_size=32, z_dim=8, image_size=8, base_channels=16,
                        lr=4e-3, checkpoint_every=1000, seed=0)
    initial = build_state(config, "cpu").generator
    initial_distance, _ = _distance_to_nearest_mode(generate_images(initial, 256, z_seed=1))
    result = train_wgan(_two_mode_data(), config, tmp_path / "gan.pt", progress=False)
    distance, nearest = _distance_to_nearest_mode(generate_images(result.generator, 256, z_seed=1))
    assert initial_distance > 0.9  # an untrained generator outputs ~0, far from both modes
    assert distance < initial_distance / 4
    # Both modes are produced (no collapse onto one of them).
    assert 0.2 < nearest.mean() < 0.8
    assert len(result.history["wasserstein"]) == 100


def test_checkpoint_is_weights_only_loadable_and_complete(tmp_path):
    config = _tiny_config()
    path = tmp_path / "gan.pt"
    messages = []
    result = train_wgan(_two_mode_data(), config, path, progress=False, log=messages.append)
    checkpoint = torch.load(path, weights_only=True)
    assert checkpoint["complete"] is True and checkpoint["iteration"] == 6
    assert checkpoint["config"] == config.to_dict()
    assert set(checkpoint) >= {"generator", "critic", "generator_optimizer", "critic_optimizer",
                               "rng_state", "history"}
    assert checkpoint["rng_state"].dtype == torch.uint8
    assert all(len(v) == 6 and all(isinstance(x, float) for x in v)
               for v in checkpoint["history"].values())
    for name, value in result.generator.state_dict().items():
        assert torch.equal(value, checkpoint["generator"][name])
    assert not (tmp_path / "gan.pt.tmp").exists()
    # A start line plus checkpoints at iterations 2, 4 and 6.
    assert len(messages) == 4 and "iteration 6" in messages[-1]


@pytest.mark.parametrize(("diffaugment", "ema"), [("", 0.0), ("color,translation,cutout", 0.9)])
def test_killed_run_resumes_and_matches_uninterrupted_run(tmp_path, diffaugment, ema):
    config = _tiny_config(diffaugment=diffaugment, ema=ema)
    data = _two_mode_data()
    reference = train_wgan(data, config, tmp_path / "straight.pt", progress=False)

    path = tmp_path / "killed.pt"
    sampler = array_batch_sampler(data, config.image_size)
    # n_critic=5 real batches per iteration: call 23 falls in iteration 5, after checkpoint 4.
    with pytest.raises(Killed):
        train_wgan(CountingSampler(sampler, kill_at=23), config, path, progress=False)
    partial = load_checkpoint(path)
    assert (partial["iteration"], partial["complete"]) == (4, False)

    resumed_sampler = CountingSampler(sampler)
    resumed = train_wgan(resumed_sampler, config, path, progress=False)
    assert resumed.resumed_from == 4 and resumed.iteration == 6
    assert resumed_sampler.calls == 2 * config.n_critic  # only iterations 5 and 6 were run
    assert resumed.history == reference.history
    for module in ("generator", "critic"):
        expected = getattr(reference, module).state_dict()
        for name, value in getattr(resumed, module).state_dict().items():
            assert torch.equal(value, expected[name]), f"{module}.{name} differs after resume"
    assert load_checkpoint(path)["complete"] is True


def test_complete_checkpoint_is_reused_and_extendable(tmp_path):
    path = tmp_path / "gan.pt"
    data = _two_mode_data()
    train_wgan(data, _tiny_config(iterations=4), path, progress=False)
    sampler = CountingSampler(array_batch_sampler(data, 8))
    again = train_wgan(sampler, _tiny_config(iterations=4), path, progress=False)
    assert sampler.calls == 0 and again.iteration == 4
    # Raising `iterations` continues training, and equals a run of 6 iterations from scratch.
    extended = train_wgan(data, _tiny_config(iterations=6), path, progress=False)
    straight = train_wgan(data, _tiny_config(iterations=6), tmp_path / "six.pt", progress=False)
    assert extended.resumed_from == 4 and extended.history == straight.history


def test_checkpoint_of_another_config_is_refused(tmp_path):
    path = tmp_path / "gan.pt"
    train_wgan(_two_mode_data(), _tiny_config(iterations=2), path, progress=False)
    with pytest.raises(ValueError, match=r"different config \(fields \['seed'\]\)"):
        train_wgan(_two_mode_data(), _tiny_config(iterations=2, seed=9), path, progress=False)


def test_plain_wgan_keeps_critic_weights_clipped(tmp_path):
    config = _tiny_config(loss="wgan", iterations=3, clip_value=0.02)
    result = train_wgan(_two_mode_data(), config, tmp_path / "gan.pt", progress=False)
    weights = torch.cat([p.detach().flatten() for p in result.critic.parameters()])
    assert weights.abs().max().item() <= 0.02
    assert (weights.abs() == 0.02).any()  # the clip was actually reached
    assert all(p == 0.0 for p in result.history["gradient_penalty"])
    state = load_checkpoint(tmp_path / "gan.pt")["critic_optimizer"]["state"]
    assert "square_avg" in state[0]  # RMSprop, not Adam


def test_ema_is_the_moving_average_of_the_generator_and_draws_the_pool(tmp_path):
    from videoaug.methods.sps.gan.pool import load_generator
    from videoaug.methods.sps.gan.training import update_ema

    live, average = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    before = average.weight.detach().clone()
    update_ema(average, live, 0.75)
    assert torch.allclose(average.weight, 0.75 * before + 0.25 * live.weight)

    config = _tiny_config(ema=0.5)
    result = train_wgan(_two_mode_data(), config, tmp_path / "g.pt", progress=False)
    checkpoint = load_checkpoint(tmp_path / "g.pt")
    train_wgan(_two_mode_data(), _tiny_config(), tmp_path / "plain.pt", progress=False)
    assert "generator_ema" in checkpoint
    assert "generator_ema" not in load_checkpoint(tmp_path / "plain.pt")
    loaded = load_generator(tmp_path / "g.pt")
    for name, value in loaded.state_dict().items():
        assert torch.equal(value, checkpoint["generator_ema"][name])
    assert any(not torch.equal(v, checkpoint["generator"][k])
               for k, v in checkpoint["generator_ema"].items() if v.is_floating_point())
    assert result.iteration == config.iterations
    with pytest.raises(ValueError, match="ema must lie"):
        _tiny_config(ema=1.0)


def test_conditional_gan_draws_the_mode_of_the_asked_class(tmp_path):
    # Two classes, one mode each: the class code must decide which mode a sample lands on.
    config = WGANConfig(iterations=100, batch_size=32, z_dim=8, image_size=8, base_channels=16,
                        lr=4e-3, checkpoint_every=1000, seed=0, num_classes=2)
    data = _two_mode_data()
    labels = np.arange(len(data)) % 2  # image i is mode i % 2
    result = train_wgan(data, config, tmp_path / "gan.pt", progress=False, labels=labels)
    for label in (0, 1):
        images = generate_images(result.generator, 128, z_seed=1, label=label)
        distance, nearest = _distance_to_nearest_mode(images)
        assert distance < 0.3 and (nearest == label).mean() > 0.9, (label, distance)
    with pytest.raises(ValueError, match="label"):
        generate_images(result.generator, 4, z_seed=1)
    with pytest.raises(ValueError, match="labels"):
        train_wgan(data, config, tmp_path / "other.pt", progress=False)
    with pytest.raises(ValueError, match="num_classes"):
        train_wgan(data, config, tmp_path / "other.pt", progress=False, labels=labels + 1)
    with pytest.raises(ValueError, match="num_classes"):
        WGANConfig(num_classes=1)


def test_conditional_run_resumes_exactly(tmp_path):
    config = _tiny_config(num_classes=2, normalize="standard")
    data = _two_mode_data()
    labels = np.arange(len(data)) % 2
    reference = train_wgan(data, config, tmp_path / "straight.pt", progress=False, labels=labels)
    path = tmp_path / "resumed.pt"
    train_wgan(data, _tiny_config(num_classes=2, normalize="standard", iterations=4), path,
               progress=False, labels=labels)
    resumed = train_wgan(data, config, path, progress=False, labels=labels)
    assert resumed.resumed_from == 4 and resumed.history == reference.history
    for name, value in resumed.generator.state_dict().items():
        assert torch.equal(value, reference.generator.state_dict()[name]), name
