"""Cross-method leaderboard: every registered method on one dataset, same split, same seeds.

For each method of :mod:`videoaug.report.methods` the rows read the seed runs
``results/seeds/{ds}_{result}_s{seed}.json`` (and their per-video test scores
``results/scores/seeds/{ds}_{result}_s{seed}.npz``) for ``seed in report.seeds`` and give:

- top-1 mean ± sample standard deviation (``ddof = 1``) in percent over the seeds found; one seed
  shows the mean alone (no ± 0);
- the gain over the family's own no-augmentation baseline in percentage points with its paired
  95 % interval and p-value (:mod:`videoaug.report.paired`: the same test videos and classifier
  seeds for both, resampled together), marked ``*`` when the interval excludes 0; without score
  files for both, the gain is the difference of the mean top-1s and its interval reads "missing";
- the extra training samples it added (the method's ``extra_samples_key``, mean over seeds);
- its training cost from Snakemake's ``benchmark:`` files: mean wall seconds (``s``) and the largest
  peak resident memory (``max_rss``, MB) over the seeds;
- the gain the paper reports for it, with the paper's setting.

A registered method without any result is a "missing" row (never a zero).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoaug.provenance import read_json
from videoaug.report.methods import Method, seed_result_path, seed_scores_path
from videoaug.report.paired import INTERVAL_NOTE, PairedGain, compare, interval_text, p_text
from videoaug.report.tables import markdown_table, mean_std, test_videos, top1_standard_error

MISSING = "missing"
NONE = "–"
BASELINE = "baseline"

CSV_COLUMNS = (
    "dataset", "family", "method", "result", "status", "n_seeds", "top1_mean", "top1_std",
    "top1_se", "gain_pp", "gain_low", "gain_high", "gain_p", "gain_excludes_zero",
    "gain_seeds", "gain_videos", "paper_gain_pp", "paper_setting", "paper_gains",
    "extra_samples", "wall_s", "peak_rss_mb",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One method's numbers on one dataset (percent; ``None`` = not available)."""

    method: Method
    dataset: str
    top1: list[float]  # per seed found, percent
    seeds: list[int]
    gain: float | None
    extra_samples: float | None
    wall_s: float | None
    peak_rss_mb: float | None
    paper_gain: float | None  # the paper's gain in the setting named like the dataset, if any
    paper_setting: str | None
    n_test: int | None = None  # test videos of the results (for the test-set standard error)
    paired: PairedGain | None = None  # gain with its paired interval (None: no scores for both)

    @property
    def is_baseline(self) -> bool:
        return self.method.result == self.method.baseline

    @property
    def standard_error(self) -> float | None:
        """Test-set standard error (points) of the mean top-1: what one test set can resolve."""
        stats = self.stats
        if stats is None or not self.n_test:
            return None
        return top1_standard_error(stats[0], self.n_test)

    @property
    def paper_gains(self) -> dict[str, float]:
        """Every setting the paper reports a gain for."""
        return self.method.paper_gains

    def paper_text(self) -> str:
        """The gain for this dataset's setting; else every setting's gain, with its name."""
        if self.paper_gain is not None:
            return f"{self.paper_gain:+.2f} ({self.paper_setting})"
        if not self.paper_gains:
            return NONE
        return "; ".join(f"{g:+.2f} ({k})" for k, g in self.paper_gains.items())

    def gain_text(self) -> str:
        """``+1.3 [-0.8, +3.4]`` (`` *`` when the interval excludes 0), "baseline" on the
        baseline's row, ``+1.3 [missing]`` without score files, "missing" without results."""
        if self.missing:
            return MISSING
        if self.is_baseline:
            return BASELINE
        if self.paired is not None:
            return interval_text(self.paired)
        return MISSING if self.gain is None else f"{_num(self.gain, 1, sign=True)} [{MISSING}]"

    @property
    def missing(self) -> bool:
        return not self.top1

    @property
    def stats(self) -> tuple[float, float, int] | None:
        return mean_std(self.top1)


def _dotted(value: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def read_benchmark(path: str | Path) -> dict[str, float] | None:
    """The first data row of a Snakemake benchmark TSV (``s``, ``max_rss`` ...), or ``None``.

    Snakemake writes ``NA`` for values it could not measure; those are left out.
    """
    path = Path(path)
    if not path.exists():
        return None
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        return None
    out: dict[str, float] = {}
    for key, value in rows[0].items():
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            continue
    return out


def read_benchmarks(benchmarks_dir: str | Path, pattern: str, ds: str,
                    seed: int) -> dict[str, float] | None:
    """A seed run's cost from its benchmark file(s): ``pattern`` joins several with `` + ``
    (a late fusion costs its streams): wall seconds and CPU time add up, ``max_rss`` is the
    largest; ``None`` unless every file is there."""
    parts = [read_benchmark(Path(benchmarks_dir) / p.strip().format(ds=ds, seed=seed))
             for p in pattern.split(" + ")]
    if not parts or any(p is None for p in parts):
        return None
    out: dict[str, float] = {}
    for key in ("s", "cpu_time"):
        if all(key in p for p in parts):
            out[key] = sum(p[key] for p in parts)
    if all("max_rss" in p for p in parts):
        out["max_rss"] = max(p["max_rss"] for p in parts)
    return out


def _seed_top1(
    method_result: str, ds: str, seeds: Sequence[int], results_dir: str
) -> dict[int, dict]:
    found = {}
    for seed in seeds:
        path = Path(seed_result_path(method_result, ds, seed, results_dir))
        if path.exists():
            found[seed] = read_json(path)
    return found


def paper_gain_for(method: Method, ds: str) -> tuple[float | None, str | None]:
    """The paper's gain in the setting named like ``ds`` (case-insensitive), else ``None``."""
    for setting, gain in method.paper_gains.items():
        if setting.lower() == ds.lower():
            return gain, setting
    return None, None


def paired_for(result: str, baseline: str, ds: str, seeds: Sequence[int],
               results_dir: str) -> PairedGain | None:
    """The paired gain of seed runs ``result`` over ``baseline`` from their score files."""
    if result == baseline:
        return None
    return compare({s: seed_scores_path(result, ds, s, results_dir) for s in seeds},
                   {s: seed_scores_path(baseline, ds, s, results_dir) for s in seeds})


def leaderboard_rows(
    methods: Sequence[Method],
    ds: str,
    seeds: Sequence[int],
    results_dir: str = "results",
    benchmarks_dir: str = "benchmarks",
) -> list[Row]:
    """One :class:`Row` per registered method, in registry order."""
    rows = []
    cache: dict[str, dict[int, dict]] = {}

    def results_of(name: str) -> dict[int, dict]:
        if name not in cache:
            cache[name] = _seed_top1(name, ds, seeds, results_dir)
        return cache[name]

    for m in methods:
        found = results_of(m.result)
        top1 = [100.0 * float(r["metrics"]["top1"]) for r in found.values()]
        base = results_of(m.baseline)
        paired = paired_for(m.result, m.baseline, ds, list(found), results_dir) if found else None
        gain = paired.gain if paired is not None else None
        if gain is None and top1 and base:
            base_top1 = [100.0 * float(r["metrics"]["top1"]) for r in base.values()]
            gain = sum(top1) / len(top1) - sum(base_top1) / len(base_top1)
        extra = None
        if m.extra_samples_key and found:
            values = [_dotted(r, m.extra_samples_key) for r in found.values()]
            values = [float(v) for v in values if v is not None]
            extra = sum(values) / len(values) if values else None
        benches = [b for seed in found
                   if (b := read_benchmarks(benchmarks_dir, m.benchmark, ds, seed))]
        walls = [b["s"] for b in benches if "s" in b]
        rss = [b["max_rss"] for b in benches if "max_rss" in b]
        paper_gain, setting = paper_gain_for(m, ds)
        rows.append(
            Row(
                method=m,
                dataset=ds,
                top1=top1,
                seeds=list(found),
                gain=gain,
                extra_samples=extra,
                wall_s=sum(walls) / len(walls) if walls else None,
                peak_rss_mb=max(rss) if rss else None,
                paper_gain=paper_gain,
                paper_setting=setting,
                n_test=next((n for r in found.values() if (n := test_videos(r))), None),
                paired=paired,
            )
        )
    return rows


def _num(value: float | None, decimals: int = 2, sign: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE
    return f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"


def format_top1(row: Row) -> str:
    """``mean ± std (n=k)``; a single seed shows the mean alone; no result shows "missing"."""
    stats = row.stats
    if stats is None:
        return MISSING
    mean, std, n = stats
    return f"{mean:.2f}" if n == 1 else f"{mean:.2f} ± {std:.2f} (n={n})"


def _pairing_text(row: Row) -> str:
    """``3 × 200``: seeds × test videos the interval pairs."""
    if row.missing:
        return MISSING
    if row.is_baseline or row.paired is None:
        return NONE if row.is_baseline else MISSING
    return f"{row.paired.n_seeds} × {row.paired.n_videos}"


MD_HEADER = (
    "Family", "Method", "Result", "Top-1 (%)", "SE (test set)",
    "Gain vs baseline (pp) [95 % CI]", "p (paired)", "Seeds × test videos", "Paper gain (pp)",
    "Extra train samples", "Train wall (s)", "Peak RSS (MB)",
)  # fmt: skip
HTML_COLUMNS = ("family", "method", "result", "top1", "se", "gain", "p", "pairing", "paper_gain",
                "extra", "wall_s", "rss")


def _cells(r: Row) -> list[str]:
    paper = r.paper_text()
    if r.missing:
        return [r.method.family, r.method.name, r.method.result, MISSING, MISSING, MISSING,
                MISSING, MISSING, paper, MISSING, MISSING, MISSING]  # fmt: skip
    p = NONE if r.is_baseline else p_text(r.paired.p_value if r.paired else None)
    return [
        r.method.family, r.method.name, r.method.result, format_top1(r),
        _num(r.standard_error), r.gain_text(), p, _pairing_text(r), paper,
        _num(r.extra_samples, 0), _num(r.wall_s, 1), _num(r.peak_rss_mb, 0),
    ]  # fmt: skip


def leaderboard_intro(ds: str, seeds: Sequence[int]) -> str:
    return (
        f"Top-1 over classifier seeds {', '.join(map(str, seeds))} "
        "(mean ± sample std, n = seeds found; one seed: the mean alone); SE: the standard error "
        "that mean has from the finite test set alone, 100·sqrt(p(1−p)/n_test). "
        f"{INTERVAL_NOTE} Baseline: the family's own no-augmentation run; p: paired permutation "
        "test over the test videos. Paper gain: the same difference as the paper reports it, in "
        "the paper's setting (in brackets; every setting when none is this dataset). Cost: mean "
        "wall seconds and largest peak RSS of the seed runs (Snakemake benchmark files; a "
        "fusion adds up its streams')."
    )


def leaderboard_markdown(rows: Sequence[Row], ds: str, seeds: Sequence[int]) -> str:
    intro = f"# Leaderboard: {ds}\n\n{leaderboard_intro(ds, seeds)}\n\n"
    return intro + markdown_table(MD_HEADER, [_cells(r) for r in rows])


def _f(value: float | None, spec: str = ".4f") -> str:
    return "" if value is None else format(value, spec)


def leaderboard_csv(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        stats = r.stats
        mean, std, n = stats if stats else (None, None, 0)
        pg = r.paired
        writer.writerow([
            r.dataset, r.method.family, r.method.name, r.method.result,
            MISSING if r.missing else "ok", n,
            _f(mean), "" if std is None or n < 2 else f"{std:.4f}", _f(r.standard_error),
            "" if r.is_baseline else _f(r.gain),
            _f(pg.low if pg else None), _f(pg.high if pg else None),
            _f(pg.p_value if pg else None, ".6g"),
            "" if pg is None else str(pg.excludes_zero).lower(),
            "" if pg is None else pg.n_seeds, "" if pg is None else pg.n_videos,
            "" if r.paper_gain is None else f"{r.paper_gain:.2f}",
            r.paper_setting or "",
            ";".join(f"{k}:{g:+.2f}" for k, g in r.paper_gains.items()),
            "" if r.extra_samples is None else f"{r.extra_samples:g}",
            _f(r.wall_s, ".2f"), _f(r.peak_rss_mb, ".1f"),
        ])  # fmt: skip
    return buf.getvalue()


HTML_STYLE = (
    "body{font-family:sans-serif;font-size:13px;margin:12px}"
    "table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}"
    "th{background:#eee}td.text{text-align:left}tr.missing td{color:#999;font-style:italic}"
    "td.excludes0{font-weight:bold}"
)


def leaderboard_html(rows: Sequence[Row], ds: str, seeds: Sequence[int]) -> str:
    """The Markdown table as a standalone HTML page (what Snakemake's report shows inline); each
    row carries ``data-result`` and each cell a ``data-col`` for readers and tests; a gain whose
    interval excludes 0 is bold."""
    from html import escape

    out = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Leaderboard: {escape(ds)}</title><style>{HTML_STYLE}</style></head><body>",
        f"<h2>Leaderboard: {escape(ds)}</h2><p>{escape(leaderboard_intro(ds, seeds))}</p>",
        "<table><thead><tr>", "".join(f"<th>{escape(h)}</th>" for h in MD_HEADER),
        "</tr></thead><tbody>",
    ]
    for row in rows:
        cls = " class='missing'" if row.missing else ""
        out.append(f"<tr data-result='{escape(row.method.result)}'{cls}>")
        for i, (col, cell) in enumerate(zip(HTML_COLUMNS, _cells(row), strict=True)):
            kinds = (["text"] if i < 3 else []) + (
                ["excludes0"] if col == "gain" and row.paired and row.paired.excludes_zero
                else [])
            kind = f" class='{' '.join(kinds)}'" if kinds else ""
            out.append(f"<td data-col='{col}'{kind}>{escape(cell)}</td>")
        out.append("</tr>")
    out.append("</tbody></table></body></html>\n")
    return "".join(out)


FAMILY_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def leaderboard_plot(rows: Sequence[Row], ds: str, out: str | Path) -> None:
    """Two panels, one line per method, one colour per family. Left: top-1 mean per method, error
    bars = sample std over seeds (none for one seed). Right: the gain over the family's baseline
    with its paired 95 % interval (filled marker: the interval excludes 0; hollow: it contains
    0); baseline rows and methods without scores have no point there. Missing methods are listed
    with an empty bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = list(dict.fromkeys(r.method.family for r in rows))
    colour = {f: FAMILY_COLOURS[i % len(FAMILY_COLOURS)] for i, f in enumerate(families)}
    labels, means, errs, colours = [], [], [], []
    for r in rows:
        stats = r.stats
        suffix = " (missing)" if r.missing else " (baseline)" if r.is_baseline else ""
        labels.append(f"{r.method.family}: {r.method.name}"[:60] + suffix)
        means.append(stats[0] if stats else 0.0)
        errs.append(stats[1] if stats and stats[2] > 1 else 0.0)
        colours.append(colour[r.method.family])
    fig, (ax, axg) = plt.subplots(
        1, 2, figsize=(12.5, 0.32 * max(len(rows), 2) + 1.6), sharey=True,
        gridspec_kw={"width_ratios": [1.0, 1.1]})
    y = list(range(len(rows)))[::-1]
    ax.barh(y, means, color=colours, edgecolor="black", linewidth=0.4)
    several = [i for i, r in enumerate(rows) if r.stats and r.stats[2] > 1]  # one seed: no bar
    ax.errorbar(
        [means[i] for i in several], [y[i] for i in several], xerr=[errs[i] for i in several],
        fmt="none", ecolor="black", capsize=3,
    )  # fmt: skip
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("top-1 accuracy (%), mean ± std over seeds")
    ax.set_xlim(0, 100)
    ax.set_title(f"Leaderboard on {ds}")
    for f in families:
        ax.bar(0, 0, color=colour[f], label=f)
    ax.legend(loc="lower right", fontsize=8)
    axg.axvline(0.0, color="black", linewidth=0.8)
    for i, r in enumerate(rows):
        pg = r.paired
        if pg is None:
            continue
        axg.errorbar([pg.gain], [y[i]], xerr=[[pg.gain - pg.low], [pg.high - pg.gain]],
                     fmt="o", color=colours[i], ecolor=colours[i], capsize=3, markersize=5,
                     markerfacecolor=colours[i] if pg.excludes_zero else "white")
    axg.set_xlabel("gain over the family's baseline (top-1 points), paired 95 % interval")
    axg.set_title("filled: interval excludes 0", fontsize=9)
    axg.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp" + out.suffix)
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(out)


def write_text_atomic(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
