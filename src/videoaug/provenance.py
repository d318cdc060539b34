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


# Keys of a dataset's config entry that say where its files are, not what they are.
LOCATION_KEYS = frozenset({"root", "annotations", "splits", "trainlist", "testlist"})


def manifest_digest(path: str | Path) -> str:
    """sha256 of a manifest without where the dataset sits: the root and the folder keys of its
    config entry are left out and every path under the root is made relative, so the
    same videos in another folder give the same digest; any change of ids, labels, splits,
    sizes or relative paths changes it."""
    manifest = read_json(path)
    root = str(manifest.get("root", "")).rstrip("/")

    def relative(value: Any) -> Any:
        # Any path under the root (a video's path, a synthetic mask's path) becomes relative.
        if isinstance(value, str) and root and value.startswith(root + "/"):
            return value[len(root) + 1 :]
        if isinstance(value, dict):
            return {k: relative(v) for k, v in value.items()}
        if isinstance(value, list):
            return [relative(v) for v in value]
        return value

    fingerprint = {
        **{k: relative(v) for k, v in manifest.items() if k not in ("root", "config")},
        "config": {
            k: v for k, v in manifest.get("config", {}).items() if k not in LOCATION_KEYS
        },
    }
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()


def input_hash(path: str | Path) -> str:
    """sha256 of an input file; a manifest's is location-free (:func:`manifest_digest`)."""
    if Path(path).name == "manifest.json":
        return manifest_digest(path)
    return sha256_file(path)


def input_hashes(paths: Iterable[str | Path]) -> dict[str, str]:
    return {str(p): input_hash(p) for p in sorted(map(str, paths))}


# Distribution names of modules whose import name differs (the first one installed wins).
_DISTRIBUTIONS = {"cv2": ("opencv-contrib-python-headless", "opencv-python-headless",
                          "opencv-contrib-python", "opencv-python")}


def _installed_version(name: str) -> str | None:
    """``name.__version__`` without importing it: ``<package>/version.py`` where the package
    writes it there (torch and torchvision, with their local tag such as ``+cu130``), else the
    installed distribution's version (OpenCV's wheels add a build number, ``4.10.0.84``, which
    ``cv2.__version__`` leaves out)."""
    import importlib.util
    import re
    from importlib import metadata

    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    for folder in spec.submodule_search_locations or ():
        version_file = Path(folder) / "version.py"
        if version_file.is_file():
            match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]",
                              version_file.read_text(encoding="utf-8"), re.M)
            if match:
                return match.group(1)

    for dist in _DISTRIBUTIONS.get(name, (name,)):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
        return ".".join(version.split(".")[:3]) if name == "cv2" else version
    return None


def versions() -> dict[str, str]:
    """Versions of the packages that shape results. A module the job has not imported is not
    imported for this (torch alone costs a light job ~0.8 GB of memory and seconds): its
    installed distribution's version is read instead."""
    found = {
        "videoaug": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for name in ("numpy", "torch", "torchvision", "h5py", "cv2", "snakemake"):
        module = sys.modules.get(name)
        version = (getattr(module, "__version__", "unknown") if module is not None
                   else _installed_version(name))
        if version is not None:
            found[name] = version
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

    Adds the sha256 of every input (:func:`input_hashes`), the package versions, torch's thread
    count and determinism flags, and the wall time since ``started`` (a ``time.time()`` value).
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
        "compute": compute_settings(),
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


class _TerminalFilter(logging.Filter):
    """Warnings and errors only, for the terminal beside the job's full log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def setup_job_logging(log_file: str | Path, command: str) -> logging.Logger:
    """A Snakemake job's logging: everything in ``log_file``, warnings and errors on the terminal.

    The process's stdout and stderr (progress bars, library messages, tracebacks) are sent to
    ``log_file`` at the file-descriptor level; warnings and errors are also written, prefixed
    with the command, to the original stderr, which is Snakemake's own output. So a user sees
    "left out x.avi: ..." or "cannot decode ..." where they look, and the details stay in logs/.
    """
    log_file = Path(log_file)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    terminal = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    sink = open(log_file, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(sink.fileno(), 1)
    os.dup2(sink.fileno(), 2)
    logger = logging.getLogger("videoaug")
    logger.setLevel(logging.DEBUG)
    logger.handlers.clear()
    to_log = logging.StreamHandler(sys.stderr)
    to_log.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    to_terminal = logging.StreamHandler(terminal)
    to_terminal.addFilter(_TerminalFilter())
    to_terminal.setFormatter(logging.Formatter(f"videoaug {command}: %(levelname)s: %(message)s"))
    logger.addHandler(to_log)
    logger.addHandler(to_terminal)
    logger.propagate = False
    return logger


def compute_settings() -> dict[str, Any]:
    """Thread count and determinism flags of torch in this process (recorded in results)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return {}
    return {
        "torch_threads": torch.get_num_threads(),
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
    }


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
