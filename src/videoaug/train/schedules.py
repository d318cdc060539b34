"""Learning-rate schedules as pure functions of the epoch.

* ``step`` (Zhang et al., ACM MM 2020, Sec. 4.1: lr 1e-3 divided by 10 every 30 epochs for 80
  epochs, SGD momentum 0.9): ``lr = base * gamma ** floor(epoch / step)``;
* ``multistep``: ``lr = base * gamma ** (number of milestones <= epoch)``;
* ``cosine`` (no restarts): ``lr = min_lr + (base - min_lr) * (1 + cos(pi * epoch / epochs)) / 2``;
* ``constant``: ``lr = base``.

Epochs count from 0; the rate is set once at the start of each epoch.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

SCHEDULE_KINDS = ("step", "multistep", "cosine", "constant")


@dataclass(frozen=True)
class LRSchedule:
    """Parameters of a schedule; only the fields of ``kind`` matter."""

    kind: str = "step"
    step: int = 30
    gamma: float = 0.1
    milestones: tuple[int, ...] = ()
    epochs: int = 80
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULE_KINDS:
            raise ValueError(
                f"unknown schedule {self.kind!r}; choose one of {', '.join(SCHEDULE_KINDS)}")
        if self.kind == "step" and self.step < 1:
            raise ValueError(f"step schedule needs step >= 1, got {self.step}")
        if self.kind == "cosine" and self.epochs < 1:
            raise ValueError(f"cosine schedule needs epochs >= 1, got {self.epochs}")
        if list(self.milestones) != sorted(self.milestones):
            raise ValueError(f"milestones must be increasing, got {self.milestones}")


def lr_at(epoch: int, base_lr: float, schedule: LRSchedule) -> float:
    """Learning rate of ``epoch`` (0-based) under ``schedule``."""
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0, got {epoch}")
    if schedule.kind == "constant":
        return base_lr
    if schedule.kind == "step":
        return base_lr * schedule.gamma ** (epoch // schedule.step)
    if schedule.kind == "multistep":
        return base_lr * schedule.gamma ** bisect.bisect_right(schedule.milestones, epoch)
    progress = min(epoch, schedule.epochs) / schedule.epochs
    cosine = (1.0 + math.cos(math.pi * progress)) / 2.0
    return schedule.min_lr + (base_lr - schedule.min_lr) * cosine
