"""Provenance recorded in every result: versions, input hashes, atomic JSON writes, logging."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from videoaug import __version__


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def input_hashes(paths: Iterable[str | Path]) -> dict[str, str]:
    return {str(p): sha256_file(p) for p in sorted(map(str, paths))}


def versions() -> dict[str, str]:
    """Versions of the packages that shape results (imported lazily: not all stages need all)."""
    found = {
        "videoaug": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for name in ("numpy", "torch", "torchvision", "h5py", "cv2", "snakemake"):
        module = sys.modules.get(name)
        if module is None:
            try:
                module = __import__(name)
            except ImportError:
                continue
        found[name] = getattr(module, "__version__", "unknown")
    return found


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON atomically (tmp + rename), sorted keys, so equal data gives equal bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


def save_figure(fig: Any, out: str | Path, dpi: int = 110) -> None:
    """Save a matplotlib figure as PNG atomically (``out.tmp.png`` renamed) and close it."""
    import matplotlib.pyplot as plt

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp.png")
    fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    tmp.replace(out)


def result_record(
    *,
    dataset: str,
    method: str,
    metrics: dict,
    history: list,
    counts: dict,
    config: dict,
    inputs: Iterable[str | Path],
    seed: int | None,
    started: float,
    **extra: Any,
) -> dict:
    """The keys every ``results/*.json`` has (README "Reading results"), plus ``extra``.

    Adds the sha256 of every input, the package versions and the wall time since ``started``
    (a ``time.time()`` value).
    """
    return {
        "dataset": dataset,
        "method": method,
        "metrics": metrics,
        "history": history,
        "counts": counts,
        "config": config,
        "inputs": input_hashes(inputs),
        "versions": versions(),
        "seed": seed,
        "wall_seconds": round(time.time() - started, 2),
        **extra,
    }


def read_json(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def setup_logging(log_file: str | Path | None = None, level: int = logging.INFO) -> logging.Logger:
    """Log to stderr and, when given, to ``log_file`` (the rule's ``log:``)."""
    logger = logging.getLogger("videoaug")
    logger.setLevel(level)
    logger.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(fmt)
    logger.addHandler(stream)
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, mode="a", encoding="utf-8")
        handler.setFormatter(fmt)
        logger.addHandler(handler)
    logger.propagate = False
    return logger


def progress_bar(iterable=None, *, desc: str, total: int | None = None, unit: str = "it"):
    """A tqdm bar on stderr; redraws every 0.5 s on a terminal, every 10 s into a log file."""
    from tqdm import tqdm

    interactive = sys.stderr.isatty()
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=interactive,
        mininterval=0.5 if interactive else 10.0,
        disable=os.environ.get("VIDEOAUG_PROGRESS") == "0",
    )
