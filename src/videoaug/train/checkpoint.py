"""Checkpoints of the iterative trainers (WGAN, AVD, Selector): atomic writes, safe loading
(``weights_only=True``) and the check that a checkpoint can continue into a run."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

# Fields a run may change and still resume from a checkpoint of the same model.
_RESUME_INDEPENDENT_FIELDS = ("iterations", "checkpoint_every")


def save_checkpoint_atomic(payload: Mapping[str, Any], path: str | os.PathLike) -> None:
    """``torch.save`` to ``path.tmp``, then rename: a killed job never leaves a torn file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(dict(payload), tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | os.PathLike,
                    expected_format: str) -> dict[str, Any]:
    """Load a checkpoint that a trainer wrote with ``"format": expected_format`` (the WGAN's,
    AVD's, the Selector's) with ``weights_only=True``, on CPU."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if checkpoint.get("format") != expected_format:
        raise ValueError(
            f"{path} is not a {expected_format} checkpoint (format={checkpoint.get('format')!r})"
        )
    return checkpoint


def check_resumable(checkpoint: Mapping[str, Any], config: Any, path: object) -> None:
    """Raise ``ValueError`` unless ``checkpoint`` can continue into a run of ``config`` (any
    config with ``to_dict()`` and ``iterations``, e.g. AVD's too): same
    config apart from ``iterations``/``checkpoint_every``, and not past ``config.iterations``."""
    stored = {k: v for k, v in checkpoint["config"].items() if k not in _RESUME_INDEPENDENT_FIELDS}
    wanted = {k: v for k, v in config.to_dict().items() if k not in _RESUME_INDEPENDENT_FIELDS}
    if stored != wanted:
        changed = sorted(k for k in wanted.keys() | stored.keys() if stored.get(k) != wanted.get(k))
        raise ValueError(
            f"checkpoint {path} was trained with a different config (fields {changed}); "
            "delete it to retrain"
        )
    if checkpoint["iteration"] > config.iterations:
        raise ValueError(
            f"checkpoint {path} is at iteration {checkpoint['iteration']}, beyond "
            f"config.iterations={config.iterations}"
        )
