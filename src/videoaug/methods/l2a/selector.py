"""The Selector of Learn2Augment and its REINFORCE training (Gowda et al., ECCV 2022, Eqs. 4-6).

The Selector scores a candidate pair ``(V1, V2)`` — ``V1`` gives the foreground, ``V2`` the
background — by how much compositing it is expected to help the classifier::

    ω = σ( MLP( [f(V1), f(V2), onehot(y1), onehot(y2)] ) )          (Fig. 2; hidden 2048/1024/512)

with ``f`` a video feature (an R3D-18 clip feature, cached per video). A batch of ``B``
candidate pairs is the state; the action keeps pair ``b`` with probability ``ω_b`` (a Bernoulli
per pair), so the policy's log-probability is

    log π(D_M | D_B) = Σ_b  a_b·log ω_b + (1 − a_b)·log(1 − ω_b)                     (Eq. 4)

The classifier takes one SGD step on the composites of the kept pairs and its validation loss
``L_val`` is measured. The reward compares it with the moving average of the last ``S = 5``
validation losses

    δ_t = (1/S) Σ_{s=1..S} L_val^{t−s}                                              (Eq. 6)
    R_t = δ_t − L_val^t

**Sign.** The paper prints ``R = L_val − δ``; with REINFORCE's gradient *ascent* on
``R·log π`` that would reward the selections that *raise* the validation loss. The text says the
Selector should pick the pairs that lower it, so we use ``R = δ − L_val`` (a drop below the
running average is rewarded); the toy test in ``tests/methods/l2a/test_selector.py`` shows that the
printed sign learns the opposite ranking. The Selector's update is gradient ascent on

    J = R · log π(D_M | D_B)                                                         (Eq. 5)

implemented as minimising :func:`reinforce_loss` ``= −R·log π``. Before ``S`` losses exist the
average runs over the ones there are; the first step (no history) has ``δ = L_val``, ``R = 0``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

BASELINE_WINDOW = 5
"""``S`` of Eq. 6 (paper: the last 5 validation losses)."""

PAPER_HIDDEN = (2048, 1024, 512)
_EPS = 1e-6


class Selector(nn.Module):
    """MLP ``[f1, f2, onehot(y1), onehot(y2)] -> ω ∈ (0, 1)``.

    Args:
        feature_dim: ``D``, the width of one video's feature.
        num_classes: ``C``, the width of one one-hot label.
        hidden: hidden widths (paper: 2048, 1024, 512), ReLU between layers.
    """

    def __init__(self, feature_dim: int, num_classes: int,
                 hidden: Sequence[int] = PAPER_HIDDEN) -> None:
        super().__init__()
        if feature_dim < 1 or num_classes < 1:
            raise ValueError(f"feature_dim and num_classes must be >= 1, "
                             f"got {feature_dim}, {num_classes}")
        self.feature_dim = int(feature_dim)
        self.num_classes = int(num_classes)
        self.hidden = tuple(int(h) for h in hidden)
        layers: list[nn.Module] = []
        width = 2 * feature_dim + 2 * num_classes
        for h in self.hidden:
            layers += [nn.Linear(width, h), nn.ReLU(inplace=True)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.mlp = nn.Sequential(*layers)

    def inputs(self, f1: Tensor, f2: Tensor, y1: Tensor, y2: Tensor) -> Tensor:
        """The MLP's input ``(B, 2D + 2C)`` from features ``(B, D)`` and int labels ``(B,)``."""
        if f1.shape != f2.shape or f1.dim() != 2 or f1.shape[1] != self.feature_dim:
            raise ValueError(f"features must both be (B, {self.feature_dim}), "
                             f"got {tuple(f1.shape)} and {tuple(f2.shape)}")
        if y1.shape != (f1.shape[0],) or y2.shape != (f1.shape[0],):
            raise ValueError(f"labels must be ({f1.shape[0]},), got {tuple(y1.shape)}, "
                             f"{tuple(y2.shape)}")
        return torch.cat([f1.float(), f2.float(),
                          F.one_hot(y1.long(), self.num_classes).float(),
                          F.one_hot(y2.long(), self.num_classes).float()], dim=1)

    def logits(self, f1: Tensor, f2: Tensor, y1: Tensor, y2: Tensor) -> Tensor:
        """Pre-sigmoid scores ``(B,)``."""
        return self.mlp(self.inputs(f1, f2, y1, y2)).squeeze(1)

    def forward(self, f1: Tensor, f2: Tensor, y1: Tensor, y2: Tensor) -> Tensor:
        """``ω (B,)`` in ``(0, 1)``."""
        return torch.sigmoid(self.logits(f1, f2, y1, y2))


# ------------------------------------------------------------------------------ pure pieces
def sample_actions(omega: Tensor, generator: torch.Generator) -> Tensor:
    """Bernoulli actions ``a (B,)`` float in {0, 1}, ``P(a_b = 1) = ω_b`` (no gradient)."""
    return torch.bernoulli(omega.detach(), generator=generator)


def bernoulli_log_prob(omega: Tensor, actions: Tensor) -> Tensor:
    """Eq. 4: ``Σ_b a_b·log ω_b + (1 − a_b)·log(1 − ω_b)`` (a scalar, differentiable in ω).

    ``ω`` is clamped to ``[ε, 1 − ε]`` so a saturated Selector gives a finite log-probability.
    """
    if omega.shape != actions.shape:
        raise ValueError(f"omega {tuple(omega.shape)} and actions {tuple(actions.shape)} differ")
    w = omega.clamp(_EPS, 1.0 - _EPS)
    return (actions * torch.log(w) + (1.0 - actions) * torch.log1p(-w)).sum()


def bernoulli_log_prob_from_logits(logits: Tensor, actions: Tensor) -> Tensor:
    """Eq. 4 from pre-sigmoid scores (numerically stable): ``−BCE_with_logits`` summed."""
    if logits.shape != actions.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and actions {tuple(actions.shape)} differ")
    return -F.binary_cross_entropy_with_logits(logits, actions.float(), reduction="sum")


def moving_average_baseline(losses: Sequence[float], window: int = BASELINE_WINDOW) -> float | None:
    """Eq. 6: ``δ`` = mean of the last ``window`` validation losses (fewer at the start);
    ``None`` when there is no history yet."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if not losses:
        return None
    recent = list(losses)[-window:]
    return float(sum(recent) / len(recent))


def reward(val_loss: float, delta: float | None, sign: float = 1.0) -> float:
    """``R = sign·(δ − L_val)`` (``sign = 1``: a loss below the running average is rewarded;
    ``sign = −1`` is the paper's printed ``L_val − δ``). No history (``δ = None``) gives 0."""
    if delta is None:
        return 0.0
    return float(sign * (delta - val_loss))


def reinforce_loss(log_prob: Tensor, reward_value: float) -> Tensor:
    """Eq. 5 as a loss to minimise: ``−R·log π`` (its gradient is ``−R·∇ log π``)."""
    return -float(reward_value) * log_prob


@dataclass(frozen=True)
class PairBatch:
    """A state of the policy: ``B`` candidate pairs — features ``f1, f2 (B, D)`` and int labels
    ``y1, y2 (B,)``; ``index`` ``(B, 2)`` int64 identifies the pairs for the caller."""

    f1: Tensor
    f2: Tensor
    y1: Tensor
    y2: Tensor
    index: Tensor


def reinforce_step(selector: Selector, optimizer: torch.optim.Optimizer, batch: PairBatch,
                   validate: Callable[[Tensor], float], losses: list[float], *,
                   generator: torch.Generator, window: int = BASELINE_WINDOW,
                   reward_sign: float = 1.0) -> dict[str, float]:
    """One policy step: score, sample, let ``validate`` act, reward, update the Selector.

    ``validate(actions (B,) float {0,1}) -> L_val`` trains the classifier on the selected pairs
    (one SGD step) and returns its validation loss. ``losses`` (the history of ``L_val``) is
    appended to in place. Returns the step's record: ``val_loss, delta, reward, selected``
    (fraction of the batch), ``mean_omega`` and ``policy_loss``.
    """
    selector.train()
    logits = selector.logits(batch.f1, batch.f2, batch.y1, batch.y2)
    omega = torch.sigmoid(logits)
    actions = sample_actions(omega, generator)
    val_loss = float(validate(actions))
    delta = moving_average_baseline(losses, window)
    r = reward(val_loss, delta, reward_sign)
    losses.append(val_loss)
    loss = reinforce_loss(bernoulli_log_prob_from_logits(logits, actions), r)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return {"val_loss": val_loss, "delta": float("nan") if delta is None else delta,
            "reward": r, "selected": float(actions.mean()),
            "mean_omega": float(omega.detach().mean()),
            "policy_loss": float(loss.detach())}


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for the boolean ``positive`` labels
    (Mann–Whitney U with average ranks for ties)."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both positive and negative items")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))
