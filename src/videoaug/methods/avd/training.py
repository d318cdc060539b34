"""Train AVD's encoder, decoder and teacher (Tavakolian et al., 2019, Eq. 1-3), unsupervised.

Per iteration, with a batch of clips ``V (B, 3, T, H, W)`` in [-1, 1] and real frames
``x (B, 3, H, W)`` (one random frame of each clip of a second, independent batch):

* teacher step (Eq. 2, the GAN min-max): maximise ``log T(x) + log(1 - T(E(V)))``, i.e.
  minimise ``BCE(T(x), 1) + BCE(T(E(V)), 0)``;
* encoder/decoder step (Eq. 1): minimise ``λ · L_rec + (1 - λ) · L_adv`` with
  ``L_rec = mean ‖V - D(E(V))‖²`` (Eq. 3; the paper's sum, divided by the number of values so
  that ``λ`` does not depend on the clip size) and ``L_adv = BCE(T(E(V)), 1)`` (the
  non-saturating form of ``log(1 - T(E(V)))``, Goodfellow et al. 2014).

``λ = 1`` trains a plain auto-encoder whose bottleneck is one image (the teacher is not used).

Determinism and resume: initialisation and every random draw (clip and frame indices) come from
seeds derived from ``config.seed``; the draw generator's state, the models, the optimizers and the
loss history are checkpointed every ``checkpoint_every`` iterations to a side file
(``model.partial.pt``) with the GANs' atomic writer and resume check
(:mod:`videoaug.train.checkpoint`), so a killed run restarted from there ends with the same weights
as an uninterrupted one (on CPU, same thread count).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from videoaug import meter
from videoaug.methods.avd.models import Decoder, Encoder, Teacher
from videoaug.seeding import derive_seed
from videoaug.train.checkpoint import check_resumable, load_checkpoint, save_checkpoint_atomic

CHECKPOINT_FORMAT = "videoaug.avd/1"
HISTORY_KEYS = ("loss", "rec_loss", "adv_loss", "teacher_loss", "teacher_real", "teacher_fake")

# ``(batch_size, generator) -> (clips (B, 3, T, H, W), frames (B, 3, H, W))`` in [-1, 1], drawn
# with that generator only.
ClipSampler = Callable[[int, torch.Generator], tuple[Tensor, Tensor]]


@dataclass(frozen=True)
class AVDConfig:
    """Hyper-parameters of one AVD model (defaults: the CPU scale of config.yaml ``avd:``)."""

    clip_len: int = 16
    image_size: tuple[int, int] = (48, 64)
    widths: tuple[int, ...] = (8, 16, 16, 16)
    teacher_hidden: tuple[int, ...] = (256, 128, 64, 32)
    lam: float = 0.9
    iterations: int = 200
    batch_size: int = 8
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    checkpoint_every: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.lam <= 1.0:
            raise ValueError(f"avd.lambda must be in [0, 1], got {self.lam}")
        for name in ("clip_len", "iterations", "batch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"avd {name} must be >= 1, got {getattr(self, name)}")
        for name in ("image_size", "widths", "teacher_hidden", "betas"):
            cast = float if name == "betas" else int
            object.__setattr__(self, name, tuple(cast(v) for v in getattr(self, name)))

    def to_dict(self) -> dict[str, Any]:
        """Plain values (tuples as lists): safe for ``torch.load(weights_only=True)``."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AVDConfig:
        return cls(**dict(data))


@dataclass
class AVDState:
    encoder: Encoder
    decoder: Decoder
    teacher: Teacher
    optimizer: torch.optim.Optimizer          # encoder + decoder
    teacher_optimizer: torch.optim.Optimizer
    rng: torch.Generator
    iteration: int = 0
    history: dict[str, list[float]] = field(
        default_factory=lambda: {key: [] for key in HISTORY_KEYS})

    def to_checkpoint(self, config: AVDConfig, complete: bool) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT, "config": config.to_dict(), "iteration": self.iteration,
            "complete": complete, "encoder": self.encoder.state_dict(),
            "decoder": self.decoder.state_dict(), "teacher": self.teacher.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "teacher_optimizer": self.teacher_optimizer.state_dict(),
            "rng_state": self.rng.get_state(),
            "history": {key: list(values) for key, values in self.history.items()},
        }

    def load(self, checkpoint: Mapping[str, Any]) -> None:
        self.encoder.load_state_dict(checkpoint["encoder"])
        self.decoder.load_state_dict(checkpoint["decoder"])
        self.teacher.load_state_dict(checkpoint["teacher"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.teacher_optimizer.load_state_dict(checkpoint["teacher_optimizer"])
        self.rng.set_state(checkpoint["rng_state"])
        self.iteration = int(checkpoint["iteration"])
        self.history = {key: list(checkpoint["history"][key]) for key in HISTORY_KEYS}


def build_state(config: AVDConfig, device: str | torch.device = "cpu") -> AVDState:
    """Fresh E, D, T (seeded init on the CPU, then moved), Adam optimizers, draw generator."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(config.seed, "avd", "init"))
        encoder = Encoder(config.widths)
        decoder = Decoder(config.widths)
        teacher = Teacher(config.image_size, config.teacher_hidden)
    for module in (encoder, decoder, teacher):
        module.to(device)
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=config.lr,
                                 betas=config.betas)
    teacher_optimizer = torch.optim.Adam(teacher.parameters(), lr=config.lr, betas=config.betas)
    rng = torch.Generator(device="cpu")
    rng.manual_seed(derive_seed(config.seed, "avd", "sampling"))
    return AVDState(encoder, decoder, teacher, optimizer, teacher_optimizer, rng)


def reconstruction_loss(clips: Tensor, reconstructed: Tensor) -> Tensor:
    """Eq. 3 as a mean: ``mean((V - D(E(V)))²)`` over all values of ``(B, 3, T, H, W)``."""
    return F.mse_loss(reconstructed, clips)


def teacher_loss(teacher: Teacher, real: Tensor, distilled: Tensor) -> Tensor:
    """Eq. 2, teacher side: ``BCE(T(real), 1) + BCE(T(E(V)), 0)`` (mean over the batch)."""
    real_logits = teacher.logits(real)
    fake_logits = teacher.logits(distilled)
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def adversarial_loss(teacher: Teacher, distilled: Tensor) -> Tensor:
    """Eq. 2, encoder side (non-saturating): ``BCE(T(E(V)), 1)``."""
    logits = teacher.logits(distilled)
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))


def train_step(state: AVDState, clips: Tensor, real: Tensor, config: AVDConfig) -> dict[str, float]:
    """One teacher update (skipped when ``λ = 1``) and one E/D update on Eq. 1."""
    state.encoder.train()
    state.decoder.train()
    record = {"teacher_loss": 0.0, "teacher_real": 0.0, "teacher_fake": 0.0}
    adversarial = config.lam < 1.0
    if adversarial:
        with torch.no_grad():
            distilled = state.encoder(clips)
        loss_t = teacher_loss(state.teacher, real, distilled)
        state.teacher_optimizer.zero_grad(set_to_none=True)
        loss_t.backward()
        state.teacher_optimizer.step()
        with torch.no_grad():
            record = {"teacher_loss": float(loss_t),
                      "teacher_real": float(state.teacher(real).mean()),
                      "teacher_fake": float(state.teacher(distilled).mean())}
    distilled = state.encoder(clips)
    rec = reconstruction_loss(clips, state.decoder(distilled, clips.shape[2]))
    if adversarial:
        state.teacher.requires_grad_(False)
        adv = adversarial_loss(state.teacher, distilled)
        state.teacher.requires_grad_(True)
    else:
        adv = torch.zeros((), device=clips.device)
    loss = config.lam * rec + (1.0 - config.lam) * adv
    state.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    state.optimizer.step()
    return {"loss": loss.item(), "rec_loss": rec.item(), "adv_loss": adv.item(), **record}


def train_avd(sampler: ClipSampler, config: AVDConfig, checkpoint_path: str | os.PathLike,
              device: str | torch.device = "cpu",
              log: Callable[[str], None] | None = None) -> AVDState:
    """Train (or resume from ``checkpoint_path``) and return the final state; the checkpoint is
    written every ``config.checkpoint_every`` iterations and at the end (``complete=True``)."""
    emit = log if log is not None else (lambda message: None)
    state = build_state(config, device)
    if Path(checkpoint_path).exists():
        checkpoint = load_checkpoint(checkpoint_path, CHECKPOINT_FORMAT)
        check_resumable(checkpoint, config, checkpoint_path)
        state.load(checkpoint)
        emit(f"resuming {checkpoint_path} from iteration {state.iteration}/{config.iterations}")
    remaining = config.iterations - state.iteration
    with meter.phase("iteration", units=remaining, unit="iteration",
                     samples=remaining * config.batch_size):
        _train_loop(state, sampler, config, device, checkpoint_path, emit)
    return state


def _train_loop(state: AVDState, sampler: ClipSampler, config: AVDConfig,
                device: str | torch.device, checkpoint_path: str | os.PathLike,
                emit: Callable[[str], None]) -> None:
    while state.iteration < config.iterations:
        clips, real = sampler(config.batch_size, state.rng)
        record = train_step(state, clips.to(device), real.to(device), config)
        for key in HISTORY_KEYS:
            state.history[key].append(record[key])
        state.iteration += 1
        done = state.iteration == config.iterations
        if done or state.iteration % config.checkpoint_every == 0:
            save_checkpoint_atomic(state.to_checkpoint(config, complete=done), checkpoint_path)
            emit(f"iteration {state.iteration}/{config.iterations}: loss {record['loss']:.4f} "
                 f"rec {record['rec_loss']:.4f} adv {record['adv_loss']:.4f} "
                 f"teacher {record['teacher_loss']:.4f}")


def load_encoder(path: str | os.PathLike, device: str | torch.device = "cpu"
                 ) -> tuple[Encoder, AVDConfig]:
    """The trained encoder of a ``model.pt`` (eval mode) and its config."""
    checkpoint = load_checkpoint(path, CHECKPOINT_FORMAT)
    config = AVDConfig.from_dict(checkpoint["config"])
    encoder = Encoder(config.widths)
    encoder.load_state_dict(checkpoint["encoder"])
    return encoder.to(device).eval(), config
