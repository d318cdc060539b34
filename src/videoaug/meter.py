"""What a job did, in units a paper-scale projection can multiply (``docs/paper_scale.md``).

Stages wrap their unit of work (a training step, a test video, a frame pair, a GAN iteration) in
:func:`phase`; the CLI writes the totals to the job's log as one line, ``videoaug work {json}``,
when the command succeeds (:func:`work_record`). ``scripts/paper_scale.py`` reads those lines with
the rule's Snakemake benchmark file: wall and CPU seconds per unit from the phases, peak memory from
the benchmark.

Wall seconds come from :func:`time.perf_counter`, CPU seconds from ``getrusage`` of the process
and its finished children (every thread, so torch's intra-op threads count, and the ffmpeg
processes that decode videos and the DataLoader workers once they exit). The meter is
process-global and costs two clock reads per unit.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

WORK_PREFIX = "videoaug work "
_PHASES: dict[str, dict[str, Any]] = {}


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished (waited-for) children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def current_rss_mb() -> float:
    """Resident memory of this process now, in MB (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * resource.getpagesize() / 2**20


def add(name: str, units: float, seconds: float, cpu_seconds: float, unit: str,
        samples: int | None = None, rss_start_mb: float | None = None) -> None:
    """Add ``units`` of ``unit`` that took ``seconds`` wall and ``cpu_seconds`` CPU to ``name``;
    ``samples`` counts what a unit held (a batch's clips) when that varies. ``rss_start_mb``
    (resident memory when the phase began) and the process's peak so far are kept, so memory
    per sample is (peak - start) / samples per unit."""
    entry = _PHASES.setdefault(name, {"unit": unit, "units": 0, "seconds": 0.0,
                                      "cpu_seconds": 0.0, "samples": 0})
    if rss_start_mb is not None and "rss_start_mb" not in entry:
        entry["rss_start_mb"] = round(rss_start_mb, 1)
    entry["peak_rss_mb"] = round(max(peak_rss_mb(), entry.get("rss_start_mb", 0.0),
                                     entry.get("peak_rss_mb", 0.0)), 1)
    if entry["unit"] != unit:
        raise ValueError(f"meter phase {name!r} counts {entry['unit']}, not {unit}")
    entry["units"] += units
    entry["seconds"] += seconds
    entry["cpu_seconds"] += cpu_seconds
    entry["samples"] += int(samples if samples is not None else units)


@contextmanager
def phase(name: str, units: float = 1, unit: str = "step",
          samples: int | None = None) -> Iterator[None]:
    """Time the block as ``units`` of ``unit`` in phase ``name`` (nothing is added on error)."""
    rss, wall, cpu = current_rss_mb(), time.perf_counter(), cpu_seconds()
    yield
    add(name, units, time.perf_counter() - wall, cpu_seconds() - cpu, unit, samples, rss)


def counted(iterable, name: str, unit: str, size=None, samples=None) -> Iterator:
    """Yield the items of ``iterable`` and add the whole loop (fetching included) to phase
    ``name``: one ``unit`` per item, or ``size(item)`` units (e.g. the videos of a batch);
    ``samples(item)`` counts what an item holds (a batch's clips)."""
    rss, wall, cpu = current_rss_mb(), time.perf_counter(), cpu_seconds()
    units = held = 0
    for item in iterable:
        units += 1 if size is None else size(item)
        held += 0 if samples is None else samples(item)
        yield item
    add(name, units, time.perf_counter() - wall, cpu_seconds() - cpu, unit,
        held if samples is not None else None, rss)


def phases() -> dict[str, dict[str, Any]]:
    return {name: dict(entry) for name, entry in _PHASES.items()}


def reset() -> None:
    _PHASES.clear()


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB."""
    scale = 1.0 / 1024 if sys.platform != "darwin" else 1.0 / (1024 * 1024)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * scale


def work_record(command: str, seconds: float, cpu_seconds: float,
                threads: int | None) -> dict[str, Any]:
    """The JSON of the ``videoaug work`` log line: the job's phases and totals (the rule is
    known from the log's path: ``scripts/paper_scale.py`` maps it with a dry run)."""
    return {"command": command, "threads": threads,
            "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "phases": {k: {**v, "seconds": round(v["seconds"], 4),
                           "cpu_seconds": round(v["cpu_seconds"], 4)}
                       for k, v in phases().items()}}
