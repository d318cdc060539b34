"""Train one class's WGAN on its dynamic images, with atomic checkpoints and exact resume.

SPS (Zhang et al., ACM MM 2020, Sec. 3.2) trains a WGAN per action class on the class's
sparse-sampled dynamic images; the generators then fill the pool that self-paced selection draws
from. :func:`train_wgan` runs WGAN-GP (Gulrajani et al., 2017, Algorithm 1) or the original WGAN
(Arjovsky et al., 2017, Algorithm 1): each *iteration* is ``n_critic`` critic updates followed by
one generator update.

Determinism: model initialisation uses a seed derived from ``config.seed``; every later random
number (data indices, ``z``, ``alpha``) comes from one CPU ``torch.Generator`` whose state is saved
in each checkpoint. A run killed after a checkpoint and restarted therefore ends with the same
weights as an uninterrupted run (exactly, on CPU with the same thread count).

Resizing: :func:`train_wgan` resizes store images to ``config.image_size`` itself (bilinear,
antialiased; non-square images are stretched), so callers pass store images as they are.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from tqdm.auto import tqdm

from videoaug import meter
from videoaug.methods.sps.gan.diffaugment import diff_augment, parse_policy
from videoaug.methods.sps.gan.losses import (
    CriticLoss,
    clip_weights_,
    critic_loss_wgan,
    critic_loss_wgan_gp,
    generator_loss,
)
from videoaug.methods.sps.gan.models import (
    NORMALIZATIONS,
    Critic,
    Generator,
    data_stats,
    uint8_to_gan,
    validate_image_size,
)
from videoaug.seeding import derive_seed
from videoaug.train import checkpoint as checkpoints
from videoaug.train.checkpoint import (  # noqa: F401 (re-exported: the GAN's checkpoints)
    check_resumable,
    save_checkpoint_atomic,
)

CHECKPOINT_FORMAT = "videoaug.wgan/1"
LOSSES = ("wgan-gp", "wgan")
# Paper defaults per loss: WGAN-GP Adam(1e-4, betas (0.5, 0.9)); WGAN RMSprop(5e-5).
DEFAULT_LR = {"wgan-gp": 1e-4, "wgan": 5e-5}
# Config fields that do not change the trained weights, so a checkpoint may differ in them.
# Images converted to float per chunk, so a large class never needs a full-size float copy.
_CONVERT_CHUNK = 256

# A batch sampler draws ``batch_size`` real images ``float32 (B, 3, S, S)`` in [-1, 1] using
# only the given generator for randomness.
BatchSampler = Callable[[int, torch.Generator], torch.Tensor]
HISTORY_KEYS = ("critic_loss", "wasserstein", "gradient_penalty", "generator_loss")


@dataclass(frozen=True)
class WGANConfig:
    """Hyper-parameters of one class's WGAN; defaults are the CPU scale (64 px, 32 base channels).

    ``lr=None`` takes the loss's paper default (:data:`DEFAULT_LR`); ``betas`` are Adam's and
    apply to ``"wgan-gp"`` only; ``clip_value`` applies to ``"wgan"`` only. ``iterations`` and
    ``checkpoint_every`` count generator updates.
    """

    loss: str = "wgan-gp"
    iterations: int = 1000
    batch_size: int = 32
    z_dim: int = 100
    image_size: int = 64
    base_channels: int = 32
    n_critic: int = 5
    lr: float | None = None
    betas: tuple[float, float] = (0.5, 0.9)
    gp_lambda: float = 10.0
    clip_value: float = 0.01
    critic_norm: str = "layer"
    checkpoint_every: int = 50
    seed: int = 0
    # DiffAugment (Zhao et al. 2020) of everything the critic sees, e.g. "color,translation,cutout";
    # "" = off (the paper's WGAN).
    diffaugment: str = ""
    # Exponential moving average of the generator's weights (Yazici et al., ICLR 2019): pools are
    # drawn from the average, which smooths the oscillation of short GAN runs; 0 = off.
    ema: float = 0.0
    # Minibatch standard deviation in the critic (Karras et al. 2018), the group size; 0 = off.
    minibatch_std: int = 0
    # How store images map to the GAN's space (models.data_stats): "minmax" = [-1, 1] and a tanh
    # output (the paper's DCGAN); "standard" = the class's per-channel mean and standard
    # deviation and a linear output.
    normalize: str = "minmax"
    # 0 = one GAN per class (the paper); C > 0 = one class-conditional GAN for C classes (a
    # class code joins z, a projection critic), trained on every class's images at once.
    num_classes: int = 0

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        validate_image_size(self.image_size)
        for name in ("iterations", "batch_size", "z_dim", "base_channels", "n_critic",
                     "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        parse_policy(self.diffaugment)
        if self.minibatch_std < 0:
            raise ValueError(f"minibatch_std must be >= 0, got {self.minibatch_std}")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema must lie in [0, 1), got {self.ema}")
        if self.num_classes < 0 or self.num_classes == 1:
            raise ValueError(f"num_classes must be 0 (per class) or >= 2, got {self.num_classes}")
        if self.normalize not in NORMALIZATIONS:
            raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {self.normalize!r}")
        if self.lr is None:
            object.__setattr__(self, "lr", DEFAULT_LR[self.loss])
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))

    def to_dict(self) -> dict[str, Any]:
        """Plain values only (``betas`` as a list), safe for ``torch.load(weights_only=True)``."""
        data = dataclasses.asdict(self)
        data["betas"] = list(self.betas)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WGANConfig:
        # Checkpoints written before a field existed hold its default (e.g. no DiffAugment).
        return cls(**{**data, "betas": tuple(data["betas"])})

    @property
    def augment_policy(self) -> tuple[str, ...]:
        return parse_policy(self.diffaugment)

    @property
    def generator_output(self) -> str:
        return "tanh" if self.normalize == "minmax" else "linear"


@dataclass
class WGANState:
    """Everything that evolves during training; :meth:`to_checkpoint` / :meth:`load` round-trip."""

    generator: Generator
    critic: Critic
    generator_optimizer: torch.optim.Optimizer
    critic_optimizer: torch.optim.Optimizer
    rng: torch.Generator
    iteration: int = 0
    history: dict[str, list[float]] = field(
        default_factory=lambda: {key: [] for key in HISTORY_KEYS}
    )
    generator_ema: Generator | None = None
    # (mean, scale) per channel of the store -> GAN mapping (models.data_stats).
    stats: tuple[list[float], list[float]] = ([127.5] * 3, [127.5] * 3)

    def to_checkpoint(self, config: WGANConfig, complete: bool) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "config": config.to_dict(),
            "data_stats": {"mean": list(self.stats[0]), "scale": list(self.stats[1])},
            "iteration": self.iteration,
            "complete": complete,
            "generator": self.generator.state_dict(),
            "critic": self.critic.state_dict(),
            "generator_optimizer": self.generator_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "rng_state": self.rng.get_state(),
            "history": {key: list(values) for key, values in self.history.items()},
            **({"generator_ema": self.generator_ema.state_dict()}
               if self.generator_ema is not None else {}),
        }

    def load(self, checkpoint: Mapping[str, Any]) -> None:
        self.generator.load_state_dict(checkpoint["generator"])
        self.critic.load_state_dict(checkpoint["critic"])
        self.generator_optimizer.load_state_dict(checkpoint["generator_optimizer"])
        self.critic_optimizer.load_state_dict(checkpoint["critic_optimizer"])
        self.rng.set_state(checkpoint["rng_state"])
        self.iteration = int(checkpoint["iteration"])
        self.history = {key: list(checkpoint["history"][key]) for key in HISTORY_KEYS}
        if self.generator_ema is not None:
            self.generator_ema.load_state_dict(checkpoint["generator_ema"])


@torch.no_grad()
def update_ema(average: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """``w_avg <- decay * w_avg + (1 - decay) * w`` for every parameter; buffers (batch-norm
    statistics) are copied, since they are already running averages."""
    for avg, live in zip(average.parameters(), model.parameters(), strict=True):
        avg.mul_(decay).add_(live, alpha=1.0 - decay)
    for avg, live in zip(average.buffers(), model.buffers(), strict=True):
        avg.copy_(live)


class WGANResult(NamedTuple):
    """What :func:`train_wgan` returns; ``resumed_from`` is the checkpoint's iteration or None."""

    generator: Generator
    critic: Critic
    history: dict[str, list[float]]
    iteration: int
    resumed_from: int | None


class CriticStepParams(NamedTuple):
    """Random inputs of one critic update: ``real (B, 3, S, S)``, ``z (B, z_dim)``,
    ``alpha (B, 1, 1, 1)``; ``labels (B,)`` of the real images for a class-conditional GAN (the
    fakes of the step are drawn for the same labels), else None."""

    real: torch.Tensor
    z: torch.Tensor
    alpha: torch.Tensor
    labels: torch.Tensor | None = None


def array_batch_sampler(images_uint8: np.ndarray, image_size: int,
                        stats: tuple[list[float], list[float]] | None = None,
                        labels: np.ndarray | None = None) -> BatchSampler:
    """A :data:`BatchSampler` over store images ``uint8 (N, H, W, 3)``, drawn with replacement.

    Images are converted once to ``float32 (N, 3, S, S)`` (resized to ``image_size``), in
    [-1, 1] or by ``stats = (mean, scale)`` per channel (:func:`models.data_stats`). With
    ``labels (N,)`` the sampler returns ``(images, labels)``.
    """
    images = np.asarray(images_uint8)
    if len(images) == 0:
        raise ValueError("cannot train a WGAN on zero images")
    mean, scale = stats if stats is not None else (None, None)
    data = torch.cat(
        [uint8_to_gan(images[start : start + _CONVERT_CHUNK], image_size, mean, scale)
         for start in range(0, len(images), _CONVERT_CHUNK)]
    )

    targets = None if labels is None else torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if targets is not None and len(targets) != len(data):
        raise ValueError(f"{len(targets)} labels for {len(data)} images")

    def sample(batch_size: int, rng: torch.Generator):
        rows = torch.randint(len(data), (batch_size,), generator=rng)
        return data[rows] if targets is None else (data[rows], targets[rows])

    return sample


def make_critic_step_params(
    sampler: BatchSampler, rng: torch.Generator, batch_size: int, z_dim: int
) -> CriticStepParams:
    """Draw a real batch (with its labels from a labelled sampler), latents ``z ~ N(0, I)`` and
    interpolation weights ``alpha ~ U[0, 1]``."""
    drawn = sampler(batch_size, rng)
    real, labels = drawn if isinstance(drawn, tuple) else (drawn, None)
    z = torch.randn(batch_size, z_dim, generator=rng)
    alpha = torch.rand(batch_size, 1, 1, 1, generator=rng)
    return CriticStepParams(real, z, alpha, labels)


def make_generator_step_params(rng: torch.Generator, batch_size: int, z_dim: int,
                               num_classes: int = 0):
    """Latents ``z (B, z_dim) ~ N(0, I)`` for one generator update; for a class-conditional
    GAN (``num_classes > 0``) ``(z, labels)`` with uniform labels."""
    z = torch.randn(batch_size, z_dim, generator=rng)
    if not num_classes:
        return z
    return z, torch.randint(num_classes, (batch_size,), generator=rng)


def build_state(config: WGANConfig, device: str | torch.device) -> WGANState:
    """Fresh models (seeded init, on CPU then moved, so weights match across devices),
    optimizers and the sampling generator."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(config.seed, "wgan", "init"))
        generator = Generator(config.z_dim, config.image_size, config.base_channels,
                              output=config.generator_output, num_classes=config.num_classes)
        critic = Critic(config.image_size, config.base_channels, norm=config.critic_norm,
                        minibatch_std=config.minibatch_std, num_classes=config.num_classes)
    generator.to(device)
    critic.to(device)
    if config.loss == "wgan-gp":
        g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=config.betas)
        c_opt = torch.optim.Adam(critic.parameters(), lr=config.lr, betas=config.betas)
    else:
        g_opt = torch.optim.RMSprop(generator.parameters(), lr=config.lr)
        c_opt = torch.optim.RMSprop(critic.parameters(), lr=config.lr)
    rng = torch.Generator(device="cpu")
    rng.manual_seed(derive_seed(config.seed, "wgan", "sampling"))
    average = copy.deepcopy(generator).requires_grad_(False) if config.ema > 0 else None
    return WGANState(generator, critic, g_opt, c_opt, rng, generator_ema=average)


def critic_step(
    state: WGANState, params: CriticStepParams, config: WGANConfig, device: str | torch.device
) -> CriticLoss:
    """One critic update on ``params``; returns the detached loss terms."""
    real = params.real.to(device)
    labels = None if params.labels is None else params.labels.to(device)
    with torch.no_grad():
        fake = state.generator(params.z.to(device), labels)
    if config.diffaugment:
        # The same family of transforms on both sides (DiffAugment); the penalty then acts on
        # interpolates of the augmented images, which are what the critic is trained on.
        real = diff_augment(real, config.augment_policy, state.rng)
        fake = diff_augment(fake, config.augment_policy, state.rng)
    critic = state.critic if labels is None else functools.partial(state.critic, labels=labels)
    if config.loss == "wgan-gp":
        loss = critic_loss_wgan_gp(critic, real, fake, params.alpha.to(device), config.gp_lambda)
    else:
        loss = critic_loss_wgan(critic, real, fake)
    state.critic_optimizer.zero_grad(set_to_none=True)
    loss.total.backward()
    state.critic_optimizer.step()
    if config.loss == "wgan":
        clip_weights_(state.critic, config.clip_value)
    return CriticLoss(*(term.detach() for term in loss))


def generator_step(
    state: WGANState, z: torch.Tensor, device: str | torch.device,
    augment: tuple[str, ...] = (), labels: torch.Tensor | None = None,
) -> torch.Tensor:
    """One generator update minimising ``-E[D(T(G(z)))]`` (``T`` = DiffAugment ``augment``, the
    identity when empty; ``labels`` for a class-conditional GAN); returns the detached loss."""
    state.critic.requires_grad_(False)
    labels = None if labels is None else labels.to(device)
    fake = state.generator(z.to(device), labels)
    if augment:
        fake = diff_augment(fake, augment, state.rng)
    loss = generator_loss(state.critic(fake, labels))
    state.generator_optimizer.zero_grad(set_to_none=True)
    loss.backward()
    state.generator_optimizer.step()
    state.critic.requires_grad_(True)
    return loss.detach()


def load_checkpoint(path: str | os.PathLike,
                    expected_format: str = CHECKPOINT_FORMAT) -> dict[str, Any]:
    """A WGAN checkpoint written by :func:`train_wgan` (via ``train.checkpoint``)."""
    return checkpoints.load_checkpoint(path, expected_format)


def _mean(values: list[torch.Tensor]) -> float:
    return float(torch.stack(values).mean())


def train_wgan(
    images: np.ndarray | BatchSampler,
    config: WGANConfig,
    checkpoint_path: str | os.PathLike,
    device: str | torch.device = "cpu",
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    labels: np.ndarray | None = None,
) -> WGANResult:
    """Train (or resume) one WGAN and leave a complete checkpoint at ``checkpoint_path``.

    ``images``: store images ``uint8 (N, H, W, 3)`` (resized here to ``config.image_size``) or a
    :data:`BatchSampler`. If ``checkpoint_path`` holds a checkpoint of the same config, training
    continues from its iteration (a complete one returns at once; a larger ``config.iterations``
    extends it). A checkpoint is written every ``config.checkpoint_every`` iterations and at the
    end, with ``complete=True``. ``log`` receives one line per start, checkpoint and end.
    A class-conditional config (``num_classes > 0``) needs ``labels (N,)`` of the images.
    """
    emit = log if log is not None else (lambda message: None)
    state = build_state(config, device)
    if callable(images) and config.normalize != "minmax":
        raise ValueError(f"normalize={config.normalize!r} needs the images as an array (their "
                         "statistics are stored in the checkpoint), not a BatchSampler")
    if config.num_classes and not callable(images) and labels is None:
        raise ValueError("a class-conditional GAN (num_classes > 0) needs the images' labels")
    if labels is not None and (np.min(labels) < 0 or np.max(labels) >= max(config.num_classes, 1)):
        raise ValueError(f"labels must lie in [0, num_classes={config.num_classes})")
    if not callable(images):
        state.stats = data_stats(images, config.normalize)
    resumed_from = None
    if Path(checkpoint_path).exists():
        checkpoint = load_checkpoint(checkpoint_path)
        check_resumable(checkpoint, config, checkpoint_path)
        state.load(checkpoint)
        resumed_from = state.iteration
        emit(f"resuming {checkpoint_path} from iteration {state.iteration}/{config.iterations}")
        if state.iteration == config.iterations:
            if not checkpoint["complete"]:
                save_checkpoint_atomic(state.to_checkpoint(config, complete=True), checkpoint_path)
            return WGANResult(state.generator, state.critic, state.history, state.iteration,
                              resumed_from)
    else:
        emit(f"training {checkpoint_path} from scratch for {config.iterations} iterations")
    sampler = images if callable(images) else array_batch_sampler(
        images, config.image_size, state.stats, labels if config.num_classes else None)
    state.generator.train()
    state.critic.train()

    bar = tqdm(total=config.iterations, initial=state.iteration, disable=not progress,
               desc=f"{config.loss} {Path(checkpoint_path).stem}", unit="it")
    remaining = config.iterations - state.iteration
    with bar, meter.phase("iteration", units=remaining, unit="iteration",
                          samples=remaining * config.batch_size):
        while state.iteration < config.iterations:
            critic_losses = [
                critic_step(
                    state,
                    make_critic_step_params(sampler, state.rng, config.batch_size, config.z_dim),
                    config,
                    device,
                )
                for _ in range(config.n_critic)
            ]
            drawn = make_generator_step_params(state.rng, config.batch_size, config.z_dim,
                                               config.num_classes)
            z, fake_labels = drawn if isinstance(drawn, tuple) else (drawn, None)
            g_loss = generator_step(state, z, device, config.augment_policy, fake_labels)
            if state.generator_ema is not None:
                update_ema(state.generator_ema, state.generator, config.ema)
            state.iteration += 1
            record = {
                "critic_loss": _mean([loss.total for loss in critic_losses]),
                "wasserstein": _mean([loss.wasserstein for loss in critic_losses]),
                "gradient_penalty": _mean([loss.penalty for loss in critic_losses]),
                "generator_loss": float(g_loss),
            }
            for key, value in record.items():
                state.history[key].append(value)
            bar.update(1)
            bar.set_postfix(d_loss=f"{record['critic_loss']:.3f}",
                            W=f"{record['wasserstein']:.3f}")
            done = state.iteration == config.iterations
            if done or state.iteration % config.checkpoint_every == 0:
                save_checkpoint_atomic(state.to_checkpoint(config, complete=done), checkpoint_path)
                emit(
                    f"checkpoint {checkpoint_path} at iteration {state.iteration}: "
                    f"critic_loss={record['critic_loss']:.4f} W={record['wasserstein']:.4f}"
                )
    return WGANResult(state.generator, state.critic, state.history, state.iteration, resumed_from)
