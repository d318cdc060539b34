import pytest
import torch
from torch import nn

from videoaug.methods.sps.gan.losses import (
    clip_weights_,
    critic_loss_wgan,
    critic_loss_wgan_gp,
    generator_loss,
    gradient_penalty,
)


class LinearCritic(nn.Module):
    """f(x) = w . x + b, whose input gradient is w everywhere: ||grad f|| = |w|."""

    def __init__(self, weight: torch.Tensor, bias: float = 0.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight.clone())
        self.bias = nn.Parameter(torch.tensor(bias, dtype=weight.dtype))

    def forward(self, x):
        return x.flatten(1) @ self.weight.flatten() + self.bias


class QuadraticCritic(nn.Module):
    """f(x) = 0.5 * s * ||x||^2, input gradient s * x: the penalty depends on where x^ lies."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(scale, dtype=torch.float64))

    def forward(self, x):
        return 0.5 * self.scale * x.flatten(1).pow(2).sum(1)


def _batch(seed: int, n: int = 4, shape=(3, 2, 2)):
    gen = torch.Generator().manual_seed(seed)
    real = torch.randn(n, *shape, generator=gen, dtype=torch.float64)
    fake = torch.randn(n, *shape, generator=gen, dtype=torch.float64)
    alpha = torch.rand(n, 1, 1, 1, generator=gen, dtype=torch.float64)
    return real, fake, alpha


@pytest.mark.parametrize("gp_lambda", [1.0, 10.0])
def test_gradient_penalty_of_linear_critic_is_lambda_times_norm_minus_one_squared(gp_lambda):
    real, fake, alpha = _batch(0)
    weight = torch.tensor([0.3, -1.2, 0.5, 2.0, 0.0, 0.7, -0.4, 0.1, 0.9, -0.6, 1.1, 0.25],
                          dtype=torch.float64)
    critic = LinearCritic(weight.view(3, 2, 2))
    expected = gp_lambda * (weight.norm().item() - 1.0) ** 2
    penalty = gradient_penalty(critic, real, fake, alpha, gp_lambda)
    assert penalty.item() == pytest.approx(expected, rel=1e-12)


def test_gradient_penalty_is_zero_for_unit_norm_linear_critic():
    real, fake, alpha = _batch(1)
    weight = torch.ones(3, 2, 2, dtype=torch.float64) / 12**0.5
    assert gradient_penalty(LinearCritic(weight), real, fake, alpha, 10.0).item() == pytest.approx(
        0.0, abs=1e-20
    )


def test_gradient_penalty_interpolates_with_alpha():
    real, fake, alpha = _batch(2)
    scale = 0.8
    interpolated = alpha * real + (1 - alpha) * fake
    norms = (scale * interpolated).flatten(1).norm(dim=1)
    expected = 10.0 * ((norms - 1.0) ** 2).mean()
    penalty = gradient_penalty(QuadraticCritic(scale), real, fake, alpha, 10.0)
    assert penalty.item() == pytest.approx(expected.item(), rel=1e-12)
    # alpha = 1 puts x^ on the real samples.
    at_real = gradient_penalty(QuadraticCritic(scale), real, fake, torch.ones_like(alpha), 1.0)
    expected_real = (((scale * real).flatten(1).norm(dim=1) - 1.0) ** 2).mean()
    assert at_real.item() == pytest.approx(expected_real.item(), rel=1e-12)


def test_gradient_penalty_backpropagates_into_critic_weights():
    real, fake, alpha = _batch(3)
    scale = 0.8
    critic = QuadraticCritic(scale)
    gradient_penalty(critic, real, fake, alpha, 1.0).backward()
    # d/ds mean((s r_i - 1)^2) = mean(2 (s r_i - 1) r_i) with r_i = ||x^_i||.
    radii = (alpha * real + (1 - alpha) * fake).flatten(1).norm(dim=1)
    expected = (2 * (scale * radii - 1) * radii).mean()
    assert critic.scale.grad.item() == pytest.approx(expected.item(), rel=1e-12)


def test_gradient_penalty_rejects_wrong_alpha_shape():
    real, fake, _ = _batch(4)
    with pytest.raises(ValueError, match="alpha must have shape"):
        gradient_penalty(LinearCritic(torch.ones(3, 2, 2)), real, fake, torch.rand(4, 3, 1, 1))


def test_critic_loss_wgan_gp_combines_wasserstein_and_penalty():
    real, fake, alpha = _batch(5)
    weight = torch.full((3, 2, 2), 0.5, dtype=torch.float64)
    critic = LinearCritic(weight, bias=3.0)  # the bias cancels in E[D(real)] - E[D(fake)]
    loss = critic_loss_wgan_gp(critic, real, fake, alpha, gp_lambda=10.0)
    w_flat = weight.flatten()
    wasserstein = (real.flatten(1) @ w_flat).mean() - (fake.flatten(1) @ w_flat).mean()
    penalty = 10.0 * (w_flat.norm() - 1.0) ** 2
    assert loss.wasserstein.item() == pytest.approx(wasserstein.item(), rel=1e-12)
    assert loss.penalty.item() == pytest.approx(penalty.item(), rel=1e-12)
    assert loss.total.item() == pytest.approx((penalty - wasserstein).item(), rel=1e-12)


def test_critic_loss_wgan_has_no_penalty():
    real, fake, _ = _batch(6)
    critic = LinearCritic(torch.full((3, 2, 2), 2.0, dtype=torch.float64))
    loss = critic_loss_wgan(critic, real, fake)
    expected = 2.0 * (real.flatten(1).sum(1).mean() - fake.flatten(1).sum(1).mean())
    assert loss.wasserstein.item() == pytest.approx(expected.item(), rel=1e-12)
    assert loss.total.item() == pytest.approx(-expected.item(), rel=1e-12)
    assert loss.penalty.item() == 0.0


def test_generator_loss_is_negative_mean_score():
    assert generator_loss(torch.tensor([1.0, 2.0, -6.0])).item() == pytest.approx(1.0)


def test_clip_weights_clamps_every_parameter():
    layer = nn.Linear(4, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.linspace(-1.0, 1.0, 12).view(3, 4))
        layer.bias.copy_(torch.tensor([0.005, -0.02, 0.0]))
    clip_weights_(layer, 0.01)
    assert layer.weight.abs().max().item() == pytest.approx(0.01)
    assert layer.bias.tolist() == pytest.approx([0.005, -0.01, 0.0])
    with pytest.raises(ValueError, match="clip_value"):
        clip_weights_(layer, 0.0)
