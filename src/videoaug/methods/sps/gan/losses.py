"""WGAN losses: the critic and generator objectives, the gradient penalty, weight clipping.

Two variants (selected by ``WGANConfig.loss``):

- ``"wgan-gp"`` (Gulrajani et al., 2017, Algorithm 1):
  ``L_D = E[D(x~)] - E[D(x)] + lambda * E[(||grad D(x^)||_2 - 1)^2]``,
  ``x^ = alpha * x + (1 - alpha) * x~``, ``alpha ~ U[0, 1]`` per sample.
- ``"wgan"`` (Arjovsky et al., 2017, Algorithm 1): ``L_D = E[D(x~)] - E[D(x)]`` with the
  critic's weights clipped to ``[-c, c]`` after every update.

Both use the generator loss ``L_G = -E[D(G(z))]``. Randomness (``alpha``) is drawn by the caller,
so every function here is deterministic.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn


class CriticLoss(NamedTuple):
    """``total`` is minimised; ``wasserstein = E[D(x)] - E[D(x~)]`` estimates W(P_r, P_g)."""

    total: torch.Tensor
    wasserstein: torch.Tensor
    penalty: torch.Tensor


def gradient_penalty(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    alpha: torch.Tensor,
    gp_lambda: float = 1.0,
) -> torch.Tensor:
    """``gp_lambda * mean_i (||grad_x D(x^_i)||_2 - 1)^2`` (WGAN-GP, Eq. 3), a scalar.

    ``real``, ``fake``: ``(N, C, H, W)``; ``alpha``: ``(N, 1, 1, 1)`` in ``[0, 1]``;
    ``x^ = alpha * real + (1 - alpha) * fake``. The graph is kept (``create_graph=True``) so the
    penalty back-propagates into the critic's weights.
    """
    if alpha.ndim != real.ndim or alpha.shape[0] != real.shape[0] or alpha[0].numel() != 1:
        raise ValueError(
            f"alpha must have shape ({real.shape[0]}, 1, 1, 1) for real of shape "
            f"{tuple(real.shape)}, got {tuple(alpha.shape)}"
        )
    interpolates = (alpha * real.detach() + (1.0 - alpha) * fake.detach()).requires_grad_(True)
    scores = critic(interpolates)
    (grads,) = torch.autograd.grad(scores.sum(), interpolates, create_graph=True)
    grad_norms = grads.flatten(start_dim=1).norm(2, dim=1)
    return gp_lambda * ((grad_norms - 1.0) ** 2).mean()


def critic_loss_wgan(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> CriticLoss:
    """Plain WGAN critic loss ``E[D(fake)] - E[D(real)]`` (pair with :func:`clip_weights_`)."""
    wasserstein = critic(real).mean() - critic(fake.detach()).mean()
    penalty = torch.zeros((), device=wasserstein.device)
    return CriticLoss(total=-wasserstein, wasserstein=wasserstein, penalty=penalty)


def critic_loss_wgan_gp(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    alpha: torch.Tensor,
    gp_lambda: float = 10.0,
) -> CriticLoss:
    """WGAN-GP critic loss ``E[D(fake)] - E[D(real)] + GP`` with ``GP`` from
    :func:`gradient_penalty` (``alpha``: ``(N, 1, 1, 1)``)."""
    wasserstein = critic(real).mean() - critic(fake.detach()).mean()
    penalty = gradient_penalty(critic, real, fake, alpha, gp_lambda)
    return CriticLoss(total=penalty - wasserstein, wasserstein=wasserstein, penalty=penalty)


def generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """``-E[D(G(z))]`` from the critic's scores ``(N,)`` on generated images."""
    return -fake_scores.mean()


@torch.no_grad()
def clip_weights_(module: nn.Module, clip_value: float) -> None:
    """Clamp every parameter of ``module`` to ``[-clip_value, clip_value]`` in place (WGAN)."""
    if clip_value <= 0:
        raise ValueError(f"clip_value must be > 0, got {clip_value}")
    for param in module.parameters():
        param.clamp_(-clip_value, clip_value)
