"""Per-class WGANs for SPS (Zhang et al., ACM MM 2020): models, losses, training, pool sampling."""

from videoaug.methods.sps.gan.losses import (
    CriticLoss,
    clip_weights_,
    critic_loss_wgan,
    critic_loss_wgan_gp,
    generator_loss,
    gradient_penalty,
)
from videoaug.methods.sps.gan.models import (
    Critic,
    Generator,
    gan_to_uint8,
    resize_square,
    uint8_to_gan,
)
from videoaug.methods.sps.gan.pool import generate_images, load_generator, make_latents
from videoaug.methods.sps.gan.training import (
    BatchSampler,
    WGANConfig,
    WGANResult,
    array_batch_sampler,
    load_checkpoint,
    train_wgan,
)

__all__ = [
    "BatchSampler",
    "Critic",
    "CriticLoss",
    "Generator",
    "WGANConfig",
    "WGANResult",
    "array_batch_sampler",
    "clip_weights_",
    "critic_loss_wgan",
    "critic_loss_wgan_gp",
    "gan_to_uint8",
    "generate_images",
    "generator_loss",
    "gradient_penalty",
    "load_checkpoint",
    "load_generator",
    "make_latents",
    "resize_square",
    "train_wgan",
    "uint8_to_gan",
]
