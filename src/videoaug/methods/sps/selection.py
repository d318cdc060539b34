"""Which generated images join training, and when (SPS, Zhang et al., ACM MM 2020, Algorithm 1).

At each selection epoch ``e`` in ``E_g = {i, i + d, ..., i + n*d}`` the classifier scores the
generated pool and ``N_g`` images not added before join the training set, each keeping the label
of the class whose GAN made it. Methods (the paper's comparison, Sec. 4):

- ``sps``: self-paced selection, the ``N_g`` largest margins ``top1 - top2`` of the softmax
  scores (the samples the classifier is most confident about come first);
- ``tsp``: the ``N_g`` smallest losses w.r.t. the generator's class label;
- ``rnd``: ``N_g`` uniformly at random;
- ``ssdi``: no generated images (the real sparse-sampled dynamic images only).

Every function is pure: arrays in, arrays out, randomness only from the ``rng`` passed in.
Ties are broken by the lower index, so selections are reproducible.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike


class SelectionMethod(StrEnum):
    SSDI = "ssdi"
    RND = "rnd"
    TSP = "tsp"
    SPS = "sps"


def _as_mask(already_added: ArrayLike, n: int) -> np.ndarray:
    mask = np.asarray(already_added)
    if mask.dtype != np.bool_ or mask.shape != (n,):
        raise ValueError(
            f"already_added must be a bool mask of shape ({n},), got {mask.shape} {mask.dtype}"
        )
    return mask


def _check_count(n_g: int) -> None:
    if n_g < 0:
        raise ValueError(f"n_g must be >= 0, got {n_g}")


def sps_margin(probs: ArrayLike) -> np.ndarray:
    """Margin ``p_top1 - p_top2`` per sample: ``(N, C)`` softmax scores -> ``(N,)`` in [0, 1]."""
    scores = np.asarray(probs, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(f"probs must have shape (N, C) with C >= 2, got {scores.shape}")
    top_two = np.partition(scores, scores.shape[1] - 2, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def _take_best(keys: np.ndarray, already_added: ArrayLike, n_g: int) -> np.ndarray:
    """Indices of the ``n_g`` smallest ``keys (N,)`` not yet added, best first, ties by index."""
    _check_count(n_g)
    mask = _as_mask(already_added, len(keys))
    candidates = np.flatnonzero(~mask)
    order = np.argsort(keys[candidates], kind="stable")
    return candidates[order[:n_g]].astype(np.int64)


def select_sps(probs: ArrayLike, already_added: ArrayLike, n_g: int) -> np.ndarray:
    """SPS: the ``n_g`` largest :func:`sps_margin` among samples not yet added, largest first.

    ``probs``: ``(N, C)`` softmax scores of the pool; ``already_added``: bool ``(N,)``. Returns
    int64 indices ``(min(n_g, remaining),)``.
    """
    return _take_best(-sps_margin(probs), already_added, n_g)


def select_tsp(losses: ArrayLike, already_added: ArrayLike, n_g: int) -> np.ndarray:
    """TSP: the ``n_g`` smallest ``losses (N,)`` among samples not yet added, smallest first."""
    keys = np.asarray(losses, dtype=np.float64)
    if keys.ndim != 1:
        raise ValueError(f"losses must have shape (N,), got {keys.shape}")
    return _take_best(keys, already_added, n_g)


def select_rnd(
    n: int, already_added: ArrayLike, n_g: int, rng: np.random.Generator
) -> np.ndarray:
    """RND: ``n_g`` indices drawn uniformly without replacement among the ``n`` not yet added."""
    _check_count(n_g)
    candidates = np.flatnonzero(~_as_mask(already_added, n))
    count = min(n_g, len(candidates))
    return rng.choice(candidates, size=count, replace=False).astype(np.int64)


def label_losses(probs: ArrayLike, labels: ArrayLike, eps: float = 1e-12) -> np.ndarray:
    """Cross-entropy ``-log p[label]`` per sample: ``(N, C)`` softmax scores and ``(N,)`` labels
    (the class of the GAN that made each sample) -> ``(N,)``, the key of :func:`select_tsp`."""
    scores = np.asarray(probs, dtype=np.float64)
    targets = np.asarray(labels, dtype=np.int64)
    if scores.ndim != 2 or targets.shape != (scores.shape[0],):
        raise ValueError(f"need probs (N, C) and labels (N,), got {scores.shape}, {targets.shape}")
    return -np.log(np.maximum(scores[np.arange(len(targets)), targets], eps))


def selection_epochs(start_i: int, step_d: int, count_n: int) -> list[int]:
    """Selection epochs ``E_g = {i, i + d, ..., i + n*d}``: ``n + 1`` epochs (Algorithm 1)."""
    if start_i < 0 or step_d < 1 or count_n < 0:
        raise ValueError(
            f"need start_i >= 0, step_d >= 1, count_n >= 0; got {start_i}, {step_d}, {count_n}"
        )
    return [start_i + k * step_d for k in range(count_n + 1)]


def mark_added(already_added: ArrayLike, indices: ArrayLike) -> np.ndarray:
    """A new mask with ``indices`` set; raises if one was already added (each image joins once)."""
    mask = np.asarray(already_added)
    _as_mask(mask, len(mask))
    picked = np.asarray(indices, dtype=np.int64)
    if len(np.unique(picked)) != len(picked) or mask[picked].any():
        raise ValueError("indices repeat or include images that were already added")
    updated = mask.copy()
    updated[picked] = True
    return updated


def select(
    method: str | SelectionMethod,
    probs: ArrayLike | None,
    losses: ArrayLike | None,
    already_added: ArrayLike,
    n_g: int,
    rng: np.random.Generator | None,
) -> np.ndarray:
    """Dispatch to the selection ``method``; returns int64 indices into the pool ``(N,)``.

    ``probs (N, C)`` is needed by ``sps``, ``losses (N,)`` by ``tsp``, ``rng`` by ``rnd``;
    ``ssdi`` returns no index.
    """
    try:
        chosen = SelectionMethod(method)
    except ValueError:
        names = ", ".join(m.value for m in SelectionMethod)
        raise ValueError(f"unknown selection method {method!r}; expected one of {names}") from None
    mask = np.asarray(already_added)
    needed = {SelectionMethod.SPS: ("probs", probs), SelectionMethod.TSP: ("losses", losses),
              SelectionMethod.RND: ("rng", rng)}
    if chosen in needed and needed[chosen][1] is None:
        raise ValueError(f"selection method {chosen.value!r} needs {needed[chosen][0]}")
    if chosen is SelectionMethod.SPS:
        return select_sps(probs, mask, n_g)
    if chosen is SelectionMethod.TSP:
        return select_tsp(losses, mask, n_g)
    if chosen is SelectionMethod.RND:
        return select_rnd(len(mask), mask, n_g, rng)
    _check_count(n_g)
    _as_mask(mask, len(mask))
    return np.zeros(0, dtype=np.int64)
