"""Which torch device a run uses: ``auto``, ``cpu``, ``cuda`` or ``cuda:<index>``."""

from __future__ import annotations

import os

import torch


def set_compute_threads(threads: int) -> None:
    """Fix torch's intra-op thread count and ask for deterministic kernels.

    CPU reductions (matmul, convolutions) split work by thread, so the thread count changes the
    last bits of every sum and, over an epoch, the metrics: it must come from the config, never
    from how many cores a scheduler happened to grant. Deterministic algorithms cost little here;
    ``warn_only`` keeps the few CUDA ops without a deterministic kernel working (with a warning).
    """
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    torch.set_num_threads(int(threads))
    # cuBLAS needs a fixed workspace for reproducible results (read when CUDA starts).
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)


def resolve_device(name: str) -> torch.device:
    """Map a config ``device`` string to a :class:`torch.device`.

    ``"auto"`` picks ``cuda`` when a GPU is visible, else ``cpu``. Asking for CUDA on a machine
    without it (or for a GPU index that does not exist) raises ``ValueError`` saying so, rather
    than failing later inside the first forward pass.
    """
    text = str(name).strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(text)
    except RuntimeError as err:
        raise ValueError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:<index>") from err
    if device.type == "cpu":
        return device
    if device.type != "cuda":
        raise ValueError(f"unsupported device {name!r}; use auto, cpu, cuda or cuda:<index>")
    if not torch.cuda.is_available():
        raise ValueError(
            f"device {name!r} asked for CUDA but torch sees no GPU "
            f"(torch {torch.__version__}); use device: auto or cpu"
        )
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        raise ValueError(f"device {name!r} does not exist: torch sees {count} GPU(s)")
    return device
