"""The one training loop of videoaug: SGD, an epoch LR schedule and soft-label cross-entropy.

Every method trains through :class:`Trainer`: SPS/TSN on dynamic images (the caller changes the
training set between epochs, Zhang et al. Algorithm 1), the RGB spatial stream, the temporal
augmentations of Kim et al. with video networks (``batch_transform`` = an augmentation policy).

One step (batch of uint8 items from :mod:`videoaug.train.datasets`)::

    x  = batch / 255 on the device                       (B, …) float in [0, 1]
    y  = one-hot(labels) or the given soft labels          (B, C)
    x, y = batch_transform(x, y, generator)                optional, e.g. CutMix over time
    loss = mean_b( -sum_c y[b, c] * log softmax(model(normalise(x)))[b, c] )

Determinism (CPU): the sampler's shuffle, the batch-transform generator and torch's global RNG
(dropout) are seeded from ``(config.seed, epoch)`` at the start of every epoch (the global RNG
inside ``torch.random.fork_rng``, so the caller's state is left as it was), and dataset items
seed themselves from ``(seed, epoch, index)``; two runs with the same seed give identical
histories and weights whatever ``num_workers`` is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset

from videoaug import meter
from videoaug.provenance import progress_bar
from videoaug.seeding import derive_seed, torch_generator
from videoaug.train.device import resolve_device
from videoaug.train.schedules import LRSchedule, lr_at
from videoaug.train.transforms import DEFAULT_INPUTS, InputSpec, to_unit_float

log = logging.getLogger("videoaug")

BatchTransform = Callable[[Tensor, Tensor, torch.Generator], tuple[Tensor, Tensor]]
"""``(x (B, …) float in [0, 1], labels_soft (B, C), generator) -> (x, labels_soft)``."""


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run (defaults: Zhang et al.'s TSN on dynamic images).

    ``schedule``: ``step`` (lr x ``gamma`` every ``step`` epochs), ``multistep`` (at
    ``milestones``), ``cosine`` (over ``epochs``) or ``constant``. ``grad_clip``: max global
    gradient norm (``None`` = off). ``log_every``: log a line every N epochs (0 = never).
    """

    epochs: int = 80
    batch_size: int = 32
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "step"
    step: int = 30
    gamma: float = 0.1
    milestones: tuple[int, ...] = ()
    num_workers: int = 0
    seed: int = 0
    device: str = "auto"
    grad_clip: float | None = None
    log_every: int = 1
    drop_last: bool = False

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.batch_size < 1 or self.num_workers < 0:
            raise ValueError("epochs >= 0, batch_size >= 1 and num_workers >= 0 are required")
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        object.__setattr__(self, "milestones", tuple(int(m) for m in self.milestones))
        self.lr_schedule()  # validates the schedule fields

    def lr_schedule(self) -> LRSchedule:
        return LRSchedule(kind=self.schedule, step=self.step, gamma=self.gamma,
                          milestones=self.milestones, epochs=max(self.epochs, 1))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Build from a config mapping; unknown keys are an error (never silently ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training options {unknown}; valid: {sorted(known)}")
        return cls(**dict(values))

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["milestones"] = list(self.milestones)
        return data


class Callback:
    """Hooks around each epoch; subclass and override what you need.

    ``on_epoch_start`` runs before the epoch's training set is asked for (so it may change it,
    e.g. SPS adds selected generated images); ``on_epoch_end`` may add keys to ``record``.
    """

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, Any]) -> None:
        pass


# ------------------------------------------------------------------------------ pure pieces
def soft_targets(labels: Tensor, num_classes: int) -> Tensor:
    """Int labels ``(B,)`` -> one-hot float ``(B, C)``; float ``(B, C)`` soft labels pass."""
    if labels.is_floating_point():
        if labels.dim() != 2 or labels.shape[1] != num_classes:
            raise ValueError(f"soft labels must be (B, {num_classes}), got {tuple(labels.shape)}")
        return labels.to(torch.float32)
    if labels.dim() != 1:
        raise ValueError(f"int labels must be (B,), got {tuple(labels.shape)}")
    return F.one_hot(labels.long(), num_classes).to(torch.float32)


def soft_cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean over the batch of ``-sum_c targets[b, c] * log_softmax(logits)[b, c]``."""
    return -(targets * F.log_softmax(logits.float(), dim=1)).sum(dim=1).mean()


def worker_init(worker_id: int) -> None:
    """DataLoader workers: one thread each (the machine's cores are shared by the workers)."""
    torch.set_num_threads(1)
    with contextlib.suppress(ImportError):
        import cv2

        cv2.setNumThreads(1)


def make_loader(dataset: Dataset, batch_size: int, *, shuffle: bool, num_workers: int,
                generator: torch.Generator | None, device: torch.device,
                drop_last: bool = False, collate_fn: Callable | None = None) -> DataLoader:
    """A DataLoader whose order depends only on ``generator`` (items seed themselves)."""
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers,
        generator=generator, worker_init_fn=worker_init if num_workers else None,
        pin_memory=device.type == "cuda", drop_last=drop_last, collate_fn=collate_fn,
        persistent_workers=False,
    )


@contextlib.contextmanager
def single_item_batchnorm(batch_size: int, *models: nn.Module) -> Iterator[None]:
    """For a training batch of one item, BatchNorm layers normalise with their running
    statistics (eval mode) and leave them unchanged; the rest of the model trains as usual.

    Batch statistics of one item are undefined wherever a layer's maps are 1×1 (PyTorch stops
    with "Expected more than 1 value per channel when training") and meaningless elsewhere. A
    batch of one happens whenever a training set of ``n`` items has ``n % batch_size == 1``
    (the AVD classifier's 25 windows in batches of 8), or a Selector step keeps one pair.
    Larger batches are untouched."""
    if batch_size != 1:
        yield
        return
    norms = [m for model in models for m in model.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training]
    for module in norms:
        module.eval()
    try:
        yield
    finally:
        for module in norms:
            module.train()


@contextlib.contextmanager
def evaluation_mode(model: nn.Module) -> Iterator[nn.Module]:
    """``model.eval()`` and inference mode inside; the previous train/eval mode restored after."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield model
    finally:
        model.train(was_training)


def model_device(model: nn.Module) -> torch.device:
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def predict(model: nn.Module, dataset: Dataset, batch_size: int = 64, *,
            device: torch.device | str | None = None, inputs: InputSpec = DEFAULT_INPUTS,
            num_workers: int = 0) -> np.ndarray:
    """Softmax scores ``(N, C)`` float64 of every item of ``dataset``, in dataset order.

    Items are ``(x, label, id)`` with a single view ``x`` (e.g. a generated pool with the test
    crop, for SPS margins or TSP losses — see :func:`videoaug.train.metrics.per_item_loss`).
    The model runs in eval mode; its previous mode is restored.
    """
    device = model_device(model) if device is None else torch.device(device)
    loader = make_loader(dataset, batch_size, shuffle=False, num_workers=num_workers,
                         generator=None, device=device)
    chunks = []
    with evaluation_mode(model):
        for batch in meter.counted(loader, "predict", "item", size=lambda b: len(b[0])):
            logits = model(inputs.prepare(batch[0], device))
            chunks.append(torch.softmax(logits.double(), dim=1).cpu())
    if not chunks:
        raise ValueError("predict got an empty dataset")
    return torch.cat(chunks).numpy()


# --------------------------------------------------------------------------------- trainer
@dataclass
class EpochStats:
    loss_sum: float = 0.0
    correct: float = 0.0
    count: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def add(self, loss: float, correct: float, count: int) -> None:
        self.loss_sum += loss * count
        self.correct += correct
        self.count += count

    @property
    def loss(self) -> float:
        return self.loss_sum / max(self.count, 1)

    @property
    def accuracy(self) -> float:
        return self.correct / max(self.count, 1)


class Trainer:
    """Train ``model`` with SGD + momentum under ``config``.

    Args:
        model: any classifier ``(B, …) -> logits (B, num_classes)``; moved to ``config.device``.
        config: :class:`TrainConfig`.
        num_classes: width of the label vectors.
        batch_transform: optional batch augmentation (see :data:`BatchTransform`), applied to
            training batches only, before normalisation.
        inputs: input layout and normalisation (:class:`~videoaug.train.transforms.InputSpec`);
            use the same one for :func:`predict` and evaluation.

    ``history`` holds one dict per trained epoch: ``epoch, lr, train_loss, train_acc
    (fraction), seconds, n_train`` plus whatever callbacks add.
    """

    def __init__(self, model: nn.Module, config: TrainConfig, num_classes: int,
                 batch_transform: BatchTransform | None = None,
                 inputs: InputSpec = DEFAULT_INPUTS) -> None:
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.config = config
        self.num_classes = num_classes
        self.batch_transform = batch_transform
        self.inputs = inputs
        self.device = resolve_device(config.device)
        self.model = model.to(self.device)
        self.schedule = config.lr_schedule()
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.SGD(trainable, lr=config.lr, momentum=config.momentum,
                                         weight_decay=config.weight_decay)
        self.history: list[dict[str, Any]] = []
        self.epoch = 0  # the next epoch to train

    # ----------------------------------------------------------------- public API
    def fit(self, train_data: Dataset | Callable[[int], Dataset], epochs: int | None = None,
            callbacks: Sequence[Callback] = ()) -> list[dict[str, Any]]:
        """Train from ``self.epoch`` up to ``epochs`` (default ``config.epochs``) in total.

        ``train_data`` is a dataset, or a function ``epoch -> dataset`` asked at the start of
        every epoch (after the callbacks' ``on_epoch_start``), so the training set may change
        between epochs. Returns ``history``.
        """
        total = self.config.epochs if epochs is None else epochs
        while self.epoch < total:
            epoch = self.epoch
            for callback in callbacks:
                callback.on_epoch_start(self, epoch)
            dataset = train_data if isinstance(train_data, Dataset) else train_data(epoch)
            record = self.train_epoch(dataset, epoch, total)
            for callback in callbacks:
                callback.on_epoch_end(self, epoch, record)
            self.history.append(record)
            self.epoch = epoch + 1
            every = self.config.log_every
            if every and ((epoch + 1) % every == 0 or epoch + 1 == total):
                log.info("epoch %d/%d %s", epoch + 1, total, _describe(record))
        return self.history

    def train_epoch(self, dataset: Dataset, epoch: int, total: int | None = None) -> dict[str, Any]:
        """One pass over ``dataset`` with the learning rate of ``epoch``; returns its record."""
        if len(dataset) == 0:
            raise ValueError(f"epoch {epoch}: the training set is empty")
        if hasattr(dataset, "set_epoch"):
            dataset.set_epoch(epoch)
        lr = lr_at(epoch, self.config.lr, self.schedule)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        loader = make_loader(
            dataset, self.config.batch_size, shuffle=True, num_workers=self.config.num_workers,
            generator=torch_generator(self.config.seed, "shuffle", epoch), device=self.device,
            drop_last=self.config.drop_last,
        )
        augment_generator = torch_generator(self.config.seed, "batch_transform", epoch,
                                            device=self.device)
        stats = EpochStats()
        started = time.perf_counter()
        self.model.train()
        with self._seeded_global_rng(epoch):
            bar = progress_bar(meter.counted(loader, "train_step", "step",
                                             samples=lambda b: len(b[0])),
                               desc=f"epoch {epoch + 1}/{total or '?'}",
                               total=len(loader), unit="batch")
            for step, batch in enumerate(bar):
                loss, correct, count = self.train_step(batch[0], batch[1], augment_generator)
                if not math.isfinite(loss):
                    raise FloatingPointError(f"epoch {epoch} step {step}: loss is {loss}")
                stats.add(loss, correct, count)
                bar.set_postfix(loss=f"{stats.loss:.3f}", acc=f"{stats.accuracy:.3f}",
                                refresh=False)
            bar.close()
        meter.add("epoch", 1, 0.0, 0.0, "epoch")
        return {
            "epoch": epoch, "lr": lr, "train_loss": stats.loss, "train_acc": stats.accuracy,
            "seconds": time.perf_counter() - started, "n_train": len(dataset),
        }

    def train_step(self, x: Tensor, labels: Tensor,
                   generator: torch.Generator) -> tuple[float, float, int]:
        """One SGD step; returns ``(mean loss, number correct, batch size)``.

        ``correct`` compares the arg-max of the logits with the arg-max of the (possibly
        augmented, soft) targets.
        """
        x = to_unit_float(x.to(self.device, non_blocking=True))
        targets = soft_targets(labels.to(self.device, non_blocking=True), self.num_classes)
        if self.batch_transform is not None:
            x, targets = self.batch_transform(x, targets, generator)
            x = to_unit_float(x)
        with single_item_batchnorm(int(x.shape[0]), self.model):
            logits = self.model(self.inputs.normalize(x))
        loss = soft_cross_entropy(logits, targets)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.grad_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.optimizer.step()
        correct = (logits.detach().argmax(1) == targets.argmax(1)).sum().item()
        return loss.item(), float(correct), int(x.shape[0])

    def predict(self, dataset: Dataset, batch_size: int | None = None) -> np.ndarray:
        """:func:`predict` with this trainer's model, device, inputs and workers."""
        return predict(self.model, dataset, batch_size or self.config.batch_size,
                       device=self.device, inputs=self.inputs, num_workers=self.config.num_workers)

    # ------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "epoch": self.epoch, "history": self.history}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch = int(state["epoch"])
        self.history = [dict(record) for record in state["history"]]

    def save_checkpoint(self, path: str | Path) -> None:
        """Write the trainer state (model, optimizer, epoch, history) atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self.state_dict(), tmp)
        os.replace(tmp, path)

    def load_checkpoint(self, path: str | Path) -> None:
        """Resume from :meth:`save_checkpoint` (``weights_only=True``: tensors and plain data)."""
        self.load_state_dict(torch.load(path, map_location=self.device, weights_only=True))

    # ---------------------------------------------------------------- helpers
    @contextlib.contextmanager
    def _seeded_global_rng(self, epoch: int) -> Iterator[None]:
        """Seed torch's global RNG (dropout, stochastic layers) for this epoch, then restore it."""
        devices = [self.device.index or 0] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(derive_seed(self.config.seed, "global", epoch))
            yield


def _describe(record: Mapping[str, Any]) -> str:
    return " ".join(
        f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in record.items() if key != "epoch"
    )
