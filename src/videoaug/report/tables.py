"""Shared pieces of the paper tables: loading results, mean ± std over seeds, the standard error
of top-1 on the test set, Markdown."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml


def paper_numbers_dir() -> Path:
    """Where the packaged published numbers lie (``report/paper_numbers/``, one YAML per paper)."""
    return Path(__file__).parent / "paper_numbers"


def load_paper_numbers(name: str) -> dict:
    """The published numbers of one paper (``report/paper_numbers/{name}.yaml``)."""
    with open(paper_numbers_dir() / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_result(path: str | Path) -> dict | None:
    path = Path(path)
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def top1_percent(result: dict | None) -> float | None:
    return None if result is None else 100.0 * float(result["metrics"]["top1"])


def mean_std(values: Iterable[float]) -> tuple[float, float, int] | None:
    """Mean and sample standard deviation (n − 1; 0 for a single value)."""
    values = [float(v) for v in values]
    if not values:
        return None
    mean = sum(values) / len(values)
    if len(values) == 1:
        return mean, 0.0, 1
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var), len(values)


def test_videos(result: dict | None) -> int | None:
    """Number of test videos a result was scored on (``counts.test_videos``)."""
    if result is None:
        return None
    value = result.get("counts", {}).get("test_videos")
    return None if value is None else int(value)


def top1_standard_error(top1: float, n_test: int) -> float:
    """Standard error (points) of a top-1 of ``top1`` % measured on ``n_test`` test videos:
    ``100 * sqrt(p (1 - p) / n)`` with ``p = top1 / 100`` (each test video a Bernoulli trial).
    It is the spread a top-1 has from the finite test set alone, whatever the seed."""
    if n_test < 1:
        raise ValueError(f"n_test must be >= 1, got {n_test}")
    p = min(max(top1 / 100.0, 0.0), 1.0)
    return 100.0 * math.sqrt(p * (1.0 - p) / n_test)


def fmt_se(top1: float | None, n_test: int | None, decimals: int = 2) -> str:
    """``"1.60 (n=200)"``: the test-set standard error of ``top1`` %, "–" when unknown."""
    if top1 is None or not n_test:
        return "–"
    return f"{top1_standard_error(top1, n_test):.{decimals}f} (n={n_test})"


def fmt(value: float | None, decimals: int = 2) -> str:
    return "–" if value is None else f"{value:.{decimals}f}"


def fmt_mean_std(stats: tuple[float, float, int] | None, decimals: int = 2) -> str:
    if stats is None:
        return "–"
    mean, std, n = stats
    return f"{mean:.{decimals}f}" if n == 1 else f"{mean:.{decimals}f} ± {std:.{decimals}f} (n={n})"


def fmt_mean_std_se(stats: tuple[float, float, int], n_test: int | None) -> str:
    """``"61.67 ± 3.82 (n=3), SE 3.44 (n=200)"``: top-1 (%) mean ± std over seeds, then the
    test-set standard error of that mean ("–" when the number of test videos is unknown)."""
    return f"{fmt_mean_std(stats)}, SE {fmt_se(stats[0], n_test)}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
