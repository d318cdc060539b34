"""Sample a class's pool of generated dynamic images from its trained WGAN generator.

SPS (Zhang et al., ACM MM 2020, Sec. 3.3) draws candidate images from each class's generator;
self-paced selection (:mod:`videoaug.methods.sps.selection`) later decides which of them join
training.
The pool is a pure function of the checkpoint and ``z_seed``.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from videoaug.methods.sps.gan.models import Generator, gan_to_uint8
from videoaug.methods.sps.gan.training import WGANConfig, load_checkpoint

LATENT_CHUNK = 1024


def load_generator(
    checkpoint_path: str | os.PathLike,
    device: str | torch.device = "cpu",
    require_complete: bool = True,
) -> Generator:
    """The generator of a :func:`~videoaug.methods.sps.gan.training.train_wgan` checkpoint, in
    eval mode:
    its moving average of weights when training kept one (``ema > 0``), else the live weights.

    Loaded with ``weights_only=True``. A partial checkpoint (a killed training) raises
    ``ValueError`` unless ``require_complete=False``.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    if require_complete and not checkpoint["complete"]:
        raise ValueError(
            f"checkpoint {checkpoint_path} is partial (iteration {checkpoint['iteration']} of "
            f"{checkpoint['config']['iterations']}); finish training first"
        )
    config = WGANConfig.from_dict(checkpoint["config"])
    generator = Generator(config.z_dim, config.image_size, config.base_channels,
                          output=config.generator_output, num_classes=config.num_classes)
    generator.load_state_dict(checkpoint.get("generator_ema", checkpoint["generator"]))
    stats = checkpoint.get("data_stats")  # absent in checkpoints of the [-1, 1] mapping only
    if stats is not None:
        generator.data_mean.copy_(torch.tensor(stats["mean"]))
        generator.data_scale.copy_(torch.tensor(stats["scale"]))
    return generator.to(device).eval()


def make_latents(n: int, z_dim: int, z_seed: int) -> torch.Tensor:
    """All ``n`` latents ``z (n, z_dim) ~ N(0, I)`` from a CPU generator seeded with ``z_seed``.

    Drawn up front (so the pool depends neither on the batch size nor on the device) in whole
    chunks of :data:`LATENT_CHUNK` rows (torch's normal sampler changes algorithm with the
    tensor's size), so a smaller pool is exactly a prefix of a larger one.
    """
    rng = torch.Generator(device="cpu")
    rng.manual_seed(z_seed)
    n_chunks = -(-n // LATENT_CHUNK)
    chunks = [torch.randn(LATENT_CHUNK, z_dim, generator=rng) for _ in range(n_chunks)]
    return torch.cat(chunks)[:n] if chunks else torch.zeros(0, z_dim)


@torch.inference_mode()
def generate_images(
    generator: Generator,
    n: int,
    z_seed: int,
    batch_size: int = 64,
    out_size: int | None = None,
    label: int | None = None,
) -> np.ndarray:
    """``n`` generated images as ``uint8 (n, out_size, out_size, 3)`` (``out_size=None``: the
    generator's own size); a class-conditional generator draws them for class ``label``.

    The generator runs in eval mode (batch norm uses its running statistics, so an image
    depends only on its own ``z``). Outputs are resized (bilinear, antialiased) and mapped to
    ``round(x * scale + mean)`` clamped to ``[0, 255]`` (the generator's ``data_mean`` and
    ``data_scale``; 127.5 and 127.5, i.e. ``[-1, 1]``, unless loaded from a checkpoint trained
    with ``normalize="standard"``).
    """
    if n < 0 or batch_size < 1:
        raise ValueError(f"need n >= 0 and batch_size >= 1, got n={n}, batch_size={batch_size}")
    generator.eval()
    device = next(generator.parameters()).device
    latents = make_latents(n, generator.z_dim, z_seed)
    size = out_size if out_size is not None else generator.image_size
    conditional = bool(getattr(generator, "num_classes", 0))
    if conditional and label is None:
        raise ValueError("a class-conditional generator needs the label of the pool's class")

    def draw(z: torch.Tensor) -> torch.Tensor:
        if not conditional:
            return generator(z)
        return generator(z, torch.full((len(z),), int(label), dtype=torch.long, device=device))

    batches = [
        gan_to_uint8(draw(latents[start : start + batch_size].to(device)), out_size,
                     getattr(generator, "data_mean", None), getattr(generator, "data_scale", None))
        for start in range(0, n, batch_size)
    ]
    if not batches:
        return np.zeros((0, size, size, 3), dtype=np.uint8)
    return np.concatenate(batches)
