"""Helpers shared by the benchmarks: timing, peak memory, result rows."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable


def best_time(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Best wall time of ``number`` calls over ``repeat`` rounds, per call, in seconds."""
    fn()  # warm-up (imports, caches)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def row(value: float, goal: str, ok: bool, **details: object) -> dict:
    return {"value": round(float(value), 3), "goal": goal, "ok": bool(ok), **details}
