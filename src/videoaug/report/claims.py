"""The claims table: which headline claim of the four papers this run reproduces.

Claims are data (``report/claims.yaml``, or the file of ``report.claims``): each names the paper,
where it claims it, how to compute the paper's gain from the packaged published numbers, the two
result names it compares on our side, and the split (dataset and, optionally, a subset of its test
videos) it is checked on. For a dataset ``ds`` every claim becomes one row of
``results/tables/claims_{ds}.{md,csv}``:

- the paper's gain (points) in each setting it is printed for, computed from
  ``report/paper_numbers/*.yaml``;
- our gain with its paired 95 % interval and p-value (:mod:`videoaug.report.paired`) over the
  seeds × test videos both runs have scores for;
- the verdict, computed from the interval: **reproduced** (above 0), **opposite** (below 0),
  **inconclusive** (contains 0), or **missing** (no scores for both);
- for an inconclusive row, how many seeds (test videos fixed) or test videos (seeds fixed) the
  measured variance says would make the interval half as wide.

A footer adds up the CPU time (Snakemake benchmark files) of the seed runs the claims compare and of
every job recorded for the dataset, beside the design budget ``report.cpu_budget_hours``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from videoaug.report.paired import (
    MISSING,
    PairedGain,
    compare,
    interval_text,
    p_text,
    seed_scores,
    signed,
)
from videoaug.report.tables import load_paper_numbers, markdown_table

DEFAULT_SPLIT = "test"
ID_RE = re.compile(r"^[A-Za-z0-9_]+$")
CLAIM_KEYS = ("id", "paper", "source", "claim", "paper_gains", "method", "baseline", "split")
CSV_COLUMNS = (
    "id", "paper", "source", "claim", "split", "dataset", "method", "baseline",
    "paper_gain_pp", "paper_setting", "paper_gains", "gain_pp", "gain_low", "gain_high",
    "p_value", "n_seeds", "n_videos", "verdict", "seeds_to_halve", "videos_to_halve",
)  # fmt: skip


def packaged_claims() -> Path:
    return Path(__file__).with_name("claims.yaml")


@dataclass(frozen=True)
class PaperGain:
    """The paper's gain in one setting: ``value(method) − value(baseline)`` of ``numbers``."""

    setting: str
    numbers: str
    method: tuple
    baseline: tuple

    def value(self) -> float:
        data = load_paper_numbers(self.numbers)
        return lookup(data, self.method, self.numbers) - lookup(data, self.baseline, self.numbers)


@dataclass(frozen=True)
class Split:
    """Where a claim is checked: ``dataset`` (``{ds}`` = the table's dataset) and optionally a
    JSON file of test-video ids (``videos``) the comparison keeps."""

    name: str
    dataset: str
    videos: str | None = None
    table: str | None = None  # a diagnostic split: the one dataset whose claims table has it

    @property
    def diagnostic(self) -> bool:
        return self.table is not None

    def applies(self, ds: str, diagnostics: bool) -> bool:
        """Whether the claims table of ``ds`` has this split's rows (diagnostic splits only
        with ``report.claim_splits``, and only in their own table)."""
        return not self.diagnostic or (diagnostics and self.table == ds)

    def resolve(self, ds: str) -> tuple[str, str | None]:
        return self.dataset.format(ds=ds), (None if self.videos is None
                                             else self.videos.format(ds=ds))

    def label(self, ds: str) -> str:
        dataset, _ = self.resolve(ds)
        return dataset if self.name == DEFAULT_SPLIT else f"{self.name} ({dataset})"


@dataclass(frozen=True)
class Claim:
    id: str
    paper: str
    source: str
    claim: str
    paper_gains: tuple[PaperGain, ...]
    method: str
    baseline: str
    split: str
    paper_note: str | None = None


def _step_text(step: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in step.items()) if isinstance(step, Mapping) else str(step)


def lookup(data: Any, path: Sequence[Any], name: str = "paper numbers") -> float:
    """The number at ``path`` in a paper-numbers document: a key per step, or ``{field: value}``
    picking the one list item whose fields match. Raises ``ValueError`` naming the step."""
    value = data
    for i, step in enumerate(path):
        where = f"{name}: {'/'.join(_step_text(s) for s in path[:i + 1])}"
        if isinstance(step, Mapping):
            if not isinstance(value, list):
                raise ValueError(f"{where}: a {{field: value}} step needs a list here")
            found = [item for item in value if isinstance(item, Mapping)
                     and all(item.get(k) == v for k, v in step.items())]
            if len(found) != 1:
                raise ValueError(f"{where}: {len(found)} items match (need exactly one)")
            value = found[0]
        else:
            if not isinstance(value, Mapping) or step not in value:
                raise ValueError(f"{where}: no such key")
            value = value[step]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: {'/'.join(_step_text(s) for s in path)} is not a number "
                         f"({value!r})")
    return float(value)


def load_claims(path: str | Path | None = None) -> tuple[dict[str, Split], list[Claim]]:
    """Splits and claims of a claims file (default: the packaged ``report/claims.yaml``).

    Raises ``ValueError`` naming the file, the claim and the key for a malformed entry.
    """
    path = Path(path) if path else packaged_claims()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as err:
        raise ValueError(f"cannot read the claims file {path} (report.claims): {err}") from None
    splits = {}
    for name, spec in (data.get("splits") or {}).items():
        if not isinstance(spec, Mapping) or "dataset" not in spec:
            raise ValueError(f"{path}: splits.{name} needs a `dataset` (e.g. \"{{ds}}\")")
        table = spec.get("table")
        splits[str(name)] = Split(str(name), str(spec["dataset"]), spec.get("videos"),
                                  None if table is None else str(table))
    claims, seen = [], set()
    for i, entry in enumerate(data.get("claims") or []):
        label = f"{path}: claims[{i}]" + (f" ({entry.get('id')})" if isinstance(entry, Mapping)
                                          else "")
        if not isinstance(entry, Mapping):
            raise ValueError(f"{label} is not a mapping")
        absent = [k for k in CLAIM_KEYS if k not in entry]
        if absent:
            raise ValueError(f"{label} lacks {', '.join(absent)} (see the file's header)")
        if not ID_RE.match(str(entry["id"])) or entry["id"] in seen:
            raise ValueError(f"{label}: id must be unique letters, digits and underscores")
        seen.add(entry["id"])
        if entry["split"] not in splits:
            raise ValueError(f"{label}: split {entry['split']!r} is not under `splits:` "
                             f"({', '.join(splits) or 'none'})")
        gains = []
        for g in entry["paper_gains"] or []:
            missing = [k for k in ("setting", "numbers", "method", "baseline") if k not in g]
            if missing:
                raise ValueError(f"{label}: a paper_gains entry lacks {', '.join(missing)}")
            gains.append(PaperGain(str(g["setting"]), str(g["numbers"]), tuple(g["method"]),
                                   tuple(g["baseline"])))
        if not gains and not entry.get("paper_note"):
            raise ValueError(f"{label}: no paper_gains: say what the paper shows in paper_note")
        claims.append(Claim(
            id=str(entry["id"]), paper=str(entry["paper"]), source=str(entry["source"]),
            claim=str(entry["claim"]), paper_gains=tuple(gains), method=str(entry["method"]),
            baseline=str(entry["baseline"]), split=str(entry["split"]),
            paper_note=entry.get("paper_note")))
    return splits, claims


def claims_on(splits: Mapping[str, Split], claims: Sequence[Claim], ds: str,
              diagnostics: bool) -> list[Claim]:
    """The claims of the table of ``ds``: every claim on a split that :meth:`Split.applies`."""
    return [c for c in claims if splits[c.split].applies(ds, diagnostics)]


def read_videos(path: str | Path) -> list[str]:
    """Test-video ids of a split file: a JSON list, or ``{"videos": [...]}``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"split videos file {path}: {err}") from None
    videos = data.get("videos") if isinstance(data, Mapping) else data
    if not isinstance(videos, list) or not all(isinstance(v, str) for v in videos):
        raise ValueError(f"split videos file {path}: need a list of video ids "
                         "(or {\"videos\": [...]})")
    return videos


# ------------------------------------------------------------------------------------ rows
@dataclass(frozen=True)
class ClaimRow:
    claim: Claim
    split_label: str
    dataset: str
    paper: tuple[tuple[str, float], ...]  # (setting, gain) per printed setting
    result: PairedGain | None

    @property
    def verdict(self) -> str:
        return MISSING if self.result is None else self.result.verdict


def evaluate(claims: Sequence[Claim], splits: Mapping[str, Split], ds: str,
             seeds: Sequence[int], results_dir: str | Path = "results", **kwargs) -> list[ClaimRow]:
    """One :class:`ClaimRow` per claim on ``ds`` (paired statistics of its two runs)."""
    rows = []
    for c in claims:
        split = splits[c.split]
        dataset, videos_file = split.resolve(ds)
        videos = read_videos(videos_file) if videos_file else None
        result = compare(seed_scores(results_dir, dataset, c.method, seeds),
                         seed_scores(results_dir, dataset, c.baseline, seeds), videos, **kwargs)
        rows.append(ClaimRow(c, split.label(ds), dataset,
                             tuple((g.setting, g.value()) for g in c.paper_gains), result))
    return rows


def paper_text(row: ClaimRow) -> str:
    if not row.paper:
        return f"– ({row.claim.paper_note})"
    return "; ".join(f"{signed(g, 2)} ({s})" for s, g in row.paper)


def halve_text(row: ClaimRow) -> str:
    """What would halve an inconclusive row's interval, from its measured variance."""
    r = row.result
    if r is None or r.verdict != "inconclusive":
        return "–"
    if r.n_seeds < 2:
        seeds = "seeds: run ≥ 2 to measure their spread"
    elif r.seeds_needed is None:
        seeds = "seeds alone: not enough"
    else:
        seeds = f"{r.seeds_needed} seeds (at {r.n_videos} test videos)"
    videos = ("test videos alone: not enough" if r.videos_needed is None
              else f"{r.videos_needed} test videos (at {r.n_seeds} seeds)")
    return f"{seeds}; or {videos}"


MD_HEADER = ("Claim", "Paper (where)", "Paper gain (pp, setting)", "Split",
             "Ours: gain (pp) [95 % CI]", "p (paired)", "Seeds × test videos", "Verdict",
             "To halve the interval")


def _md_cells(row: ClaimRow) -> list[str]:
    c, r = row.claim, row.result
    return [
        f"{c.claim} (`{c.method}` vs `{c.baseline}`)", f"{c.paper}, {c.source}", paper_text(row),
        row.split_label, interval_text(r), p_text(r.p_value if r else None),
        MISSING if r is None else f"{r.n_seeds} × {r.n_videos}",
        f"**{row.verdict}**", halve_text(row),
    ]


def cpu_hours(benchmarks_dir: str | Path, ds: str, seeds: Sequence[int],
              patterns: Mapping[str, str], results: Sequence[str]) -> tuple[float | None, int]:
    """CPU hours (``cpu_time`` of Snakemake's benchmark files) of the seed runs of ``results``
    (``patterns``: result -> benchmark pattern, :class:`videoaug.report.methods.Method`) and how
    many of those files were found."""
    from videoaug.report.leaderboard import read_benchmarks

    total, found = 0.0, 0
    for name in dict.fromkeys(results):
        if name not in patterns:
            continue
        for seed in seeds:
            bench = read_benchmarks(benchmarks_dir, patterns[name], ds, seed)
            if bench and "cpu_time" in bench:
                total, found = total + bench["cpu_time"], found + 1
    return (total / 3600.0 if found else None), found


def dataset_cpu_hours(benchmarks_dir: str | Path, ds: str) -> tuple[float | None, int]:
    """CPU hours of every benchmark file under ``benchmarks/{ds}/`` (every job recorded for it)."""
    from videoaug.report.leaderboard import read_benchmark

    files = sorted((Path(benchmarks_dir) / ds).rglob("*.tsv"))
    times = [b["cpu_time"] for f in files if (b := read_benchmark(f)) and "cpu_time" in b]
    return (sum(times) / 3600.0 if times else None), len(times)


def cost_text(rows: Sequence[ClaimRow], ds: str, seeds: Sequence[int],
              benchmarks_dir: str | Path, patterns: Mapping[str, str],
              budget_hours: float | None) -> str:
    runs, n_runs = cpu_hours(benchmarks_dir, ds, seeds, patterns,
                             [n for r in rows for n in (r.claim.method, r.claim.baseline)])
    every, n_all = dataset_cpu_hours(benchmarks_dir, ds)

    def h(value: float | None) -> str:
        return MISSING if value is None else f"{value:.2f} CPU-h"

    budget = MISSING if budget_hours is None else f"{budget_hours:g} CPU-h"
    return (f"CPU time (Snakemake benchmark files, `cpu_time`): the seed runs these claims compare "
            f"{h(runs)} ({n_runs} files); every job recorded under `benchmarks/{ds}/` {h(every)} "
            f"({n_all} files; upstream stages included); design budget of `make report` "
            f"(`report.cpu_budget_hours`) {budget}.")


def claims_markdown(rows: Sequence[ClaimRow], ds: str, seeds: Sequence[int],
                    cost: str = "") -> str:
    intro = (
        f"# Claims: {ds}\n\nOne row per headline claim of the four papers (`report/claims.yaml`), "
        f"checked on classifier seeds {', '.join(map(str, seeds))}. Paper gain: the method's "
        "minus the baseline's number as printed, per setting. Ours: top-1 points of the method "
        "over the baseline on the same test videos and seeds, [95 % interval] of a paired "
        "bootstrap over seeds and test videos together (* = excludes 0); p: paired permutation "
        "test over the test videos. Verdict, from the interval: reproduced (above 0), opposite "
        "(below 0), inconclusive (contains 0), missing (no per-video scores for both runs). To "
        "halve the interval: the seeds (test videos fixed) or test videos (seeds fixed) that the "
        "measured seed, video and residual variances say would make it half as wide "
        "(docs/comparison.md).\n\n")
    return intro + markdown_table(MD_HEADER, [_md_cells(r) for r in rows]) + (
        f"\n{cost}\n" if cost else "")


def _f(value: float | None, spec: str = ".4f") -> str:
    return "" if value is None else format(value, spec)


def claims_csv(rows: Sequence[ClaimRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        c, r = row.claim, row.result
        first = row.paper[0] if row.paper else (None, None)
        writer.writerow([
            c.id, c.paper, c.source, c.claim, row.split_label, row.dataset, c.method, c.baseline,
            _f(first[1]), first[0] or "", ";".join(f"{s}:{g:+.2f}" for s, g in row.paper),
            _f(r.gain if r else None), _f(r.low if r else None), _f(r.high if r else None),
            _f(r.p_value if r else None, ".6g"), "" if r is None else r.n_seeds,
            "" if r is None else r.n_videos, row.verdict,
            "" if r is None or r.seeds_needed is None else r.seeds_needed,
            "" if r is None or r.videos_needed is None else r.videos_needed,
        ])  # fmt: skip
    return buf.getvalue()


# ------------------------------------------------------------------------------- workflow
def claims_file(config: Mapping[str, Any]) -> str | None:
    return config.get("report", {}).get("claims")


def claim_splits(config: Mapping[str, Any]) -> bool:
    """``report.claim_splits``: whether synth4's table also has the diagnostic splits' rows."""
    return bool(config.get("report", {}).get("claim_splits", False))


def claims_params(config: Mapping[str, Any], ds: str) -> dict[str, Any]:
    """The ``claims`` command's ``--params``: dataset, seeds, claims file, budget and the
    benchmark pattern of every registered result (for the cost footer)."""
    from videoaug.report.methods import registered_methods

    return {
        "dataset": ds,
        "seeds": [int(s) for s in config["report"]["seeds"]],
        "claims": claims_file(config),
        "claim_splits": claim_splits(config),
        "cpu_budget_hours": config["report"].get("cpu_budget_hours"),
        "benchmarks": {m.result: m.benchmark for m in registered_methods(config)},
    }


def claims_inputs(config: Mapping[str, Any], ds: str) -> list[str]:
    """What the ``claims`` rule needs on ``ds``: each claim's two seed runs (JSON and scores) on
    its split's dataset, and the split's videos file when it has one."""
    from videoaug.report.methods import seed_result_path, seed_scores_path

    splits, claims = load_claims(claims_file(config))
    paths: list[str] = []
    for c in claims_on(splits, claims, ds, claim_splits(config)):
        dataset, videos = splits[c.split].resolve(ds)
        for name in (c.method, c.baseline):
            for s in config["report"]["seeds"]:
                paths += [seed_result_path(name, dataset, s), seed_scores_path(name, dataset, s)]
        if videos:
            paths.append(videos)
    return list(dict.fromkeys(paths))
