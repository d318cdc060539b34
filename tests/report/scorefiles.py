"""Hand-made seed runs for the report tests: a result JSON and the per-video scores file of the
same run (``videoaug.train.evaluate.save_scores``), consistent with each other."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from videoaug.train.evaluate import save_scores

NUM_CLASSES = 4


def video_ids(n: int) -> list[str]:
    return [f"v{i:04d}" for i in range(n)]


def labels_for(n: int) -> np.ndarray:
    return np.arange(n) % NUM_CLASSES


def probs_for(correct: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Softmax-like rows whose arg-max is the label exactly where ``correct`` is true."""
    n = len(labels)
    probs = np.full((n, NUM_CLASSES), 0.1)
    wrong = (labels + 1) % NUM_CLASSES
    probs[np.arange(n), np.where(correct, labels, wrong)] = 0.7
    return probs


def write_scores(path: Path, correct, ids: list[str] | None = None,
                 labels: np.ndarray | None = None, order: np.ndarray | None = None) -> Path:
    """A scores file whose videos ``ids`` are right where ``correct`` is; ``order`` permutes the
    rows as stored (the reader must align by video id)."""
    correct = np.asarray(correct, dtype=bool)
    ids = video_ids(len(correct)) if ids is None else ids
    labels = labels_for(len(correct)) if labels is None else labels
    probs = probs_for(correct, labels)
    if order is not None:
        probs, labels, ids = probs[order], labels[order], [ids[i] for i in order]
    save_scores(path, probs, labels, list(ids))
    return path


def write_run(root: Path, ds: str, result: str, seed: int, correct, **extra) -> None:
    """``root/seeds/{ds}_{result}_s{seed}.json`` (top-1 = the share correct) and its scores."""
    correct = np.asarray(correct, dtype=bool)
    path = root / "seeds" / f"{ds}_{result}_s{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"dataset": ds, "method": result, "seed": seed,
              "metrics": {"top1": float(correct.mean())},
              "counts": {"test_videos": int(len(correct)), **extra.pop("counts", {})}, **extra}
    path.write_text(json.dumps(record))
    write_scores(root / "scores" / "seeds" / f"{ds}_{result}_s{seed}.npz", correct)


def correct_with(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` videos of which exactly ``k`` (random ones) are right."""
    out = np.zeros(n, dtype=bool)
    out[rng.choice(n, size=k, replace=False)] = True
    return out
