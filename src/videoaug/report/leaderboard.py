"""Cross-method leaderboard: every registered method on one dataset, same split, same seeds.

For each method of :mod:`videoaug.report.methods` the rows read the seed runs
``results/seeds/{ds}_{result}_s{seed}.json`` for ``seed in report.seeds`` and give:

- top-1 mean ± sample standard deviation (``ddof = 1``) in percent over the seeds found; one seed
  shows the mean alone (no ± 0);
- the gain over the family's own no-augmentation baseline: mean top-1 minus the baseline's mean
  top-1 (percentage points, same seeds found for both), "–" when the baseline has no result;
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
from videoaug.report.methods import Method, seed_result_path
from videoaug.report.tables import markdown_table, mean_std, test_videos, top1_standard_error

MISSING = "missing"
NONE = "–"

CSV_COLUMNS = (
    "dataset", "family", "method", "result", "status", "n_seeds", "top1_mean", "top1_std",
    "top1_se", "gain_pp", "paper_gain_pp", "paper_setting", "paper_gains", "extra_samples",
    "wall_s", "peak_rss_mb",
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
        gain = None
        if top1 and base:
            base_top1 = [100.0 * float(r["metrics"]["top1"]) for r in base.values()]
            gain = sum(top1) / len(top1) - sum(base_top1) / len(base_top1)
        extra = None
        if m.extra_samples_key and found:
            values = [_dotted(r, m.extra_samples_key) for r in found.values()]
            values = [float(v) for v in values if v is not None]
            extra = sum(values) / len(values) if values else None
        benches = [
            b
            for seed in found
            if (b := read_benchmark(Path(benchmarks_dir) / m.benchmark.format(ds=ds, seed=seed)))
        ]
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


def leaderboard_markdown(rows: Sequence[Row], ds: str, seeds: Sequence[int]) -> str:
    header = [
        "Family", "Method", "Result", "Top-1 (%)", "SE (test set)", "Gain vs baseline (pp)",
        "Paper gain (pp)",
        "Extra train samples", "Train wall (s)", "Peak RSS (MB)",
    ]  # fmt: skip
    body = []
    for r in rows:
        paper = r.paper_text()
        if r.missing:
            body.append([r.method.family, r.method.name, r.method.result, MISSING, MISSING,
                         MISSING, paper, MISSING, MISSING, MISSING])  # fmt: skip
            continue
        gain = "baseline" if r.method.result == r.method.baseline else _num(r.gain, sign=True)
        body.append([
            r.method.family, r.method.name, r.method.result, format_top1(r),
            _num(r.standard_error), gain, paper,
            _num(r.extra_samples, 0), _num(r.wall_s, 1), _num(r.peak_rss_mb, 0),
        ])  # fmt: skip
    intro = (
        f"# Leaderboard: {ds}\n\n"
        f"Top-1 over classifier seeds {', '.join(map(str, seeds))} "
        "(mean ± sample std, n = seeds found; one seed: the mean alone); SE: the standard error "
        "that mean has from the finite test set alone, 100·sqrt(p(1−p)/n_test). Gain: mean "
        "top-1 minus the family's own no-augmentation baseline, in percentage points. Paper "
        "gain: the same difference as the paper reports it, in the paper's setting (in "
        "brackets; every setting when none is this dataset). Cost: mean "
        "wall seconds and largest peak RSS of the seed runs (Snakemake benchmark files).\n\n"
    )
    return intro + markdown_table(header, body)


def leaderboard_csv(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        stats = r.stats
        mean, std, n = stats if stats else (None, None, 0)
        writer.writerow([
            r.dataset, r.method.family, r.method.name, r.method.result,
            MISSING if r.missing else "ok", n,
            "" if mean is None else f"{mean:.4f}",
            "" if std is None or n < 2 else f"{std:.4f}",
            "" if r.standard_error is None else f"{r.standard_error:.4f}",
            "" if r.gain is None else f"{r.gain:.4f}",
            "" if r.paper_gain is None else f"{r.paper_gain:.2f}",
            r.paper_setting or "",
            ";".join(f"{k}:{g:+.2f}" for k, g in r.paper_gains.items()),
            "" if r.extra_samples is None else f"{r.extra_samples:g}",
            "" if r.wall_s is None else f"{r.wall_s:.2f}",
            "" if r.peak_rss_mb is None else f"{r.peak_rss_mb:.1f}",
        ])  # fmt: skip
    return buf.getvalue()


HTML_STYLE = (
    "body{font-family:sans-serif;font-size:13px;margin:12px}"
    "table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}"
    "th{background:#eee}td.text{text-align:left}tr.missing td{color:#999;font-style:italic}"
)


def leaderboard_html(rows: Sequence[Row], ds: str, seeds: Sequence[int]) -> str:
    """The Markdown table as a standalone HTML page (what Snakemake's report shows inline); each
    row carries ``data-result`` and each cell a ``data-col`` for readers and tests."""
    from html import escape

    md = leaderboard_markdown(rows, ds, seeds).splitlines()
    intro = md[2]
    table = [line.strip("|").split(" | ") for line in md[4:] if line.startswith("|")]
    header, body = [c.strip() for c in table[0]], table[2:]
    cols = ["family", "method", "result", "top1", "se", "gain", "paper_gain", "extra", "wall_s",
            "rss"]
    out = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Leaderboard: {escape(ds)}</title><style>{HTML_STYLE}</style></head><body>",
        f"<h2>Leaderboard: {escape(ds)}</h2><p>{escape(intro)}</p><table><thead><tr>",
        "".join(f"<th>{escape(h)}</th>" for h in header),
        "</tr></thead><tbody>",
    ]
    for row, cells in zip(rows, body, strict=True):
        cls = " class='missing'" if row.missing else ""
        out.append(f"<tr data-result='{escape(row.method.result)}'{cls}>")
        for i, (col, cell) in enumerate(zip(cols, cells, strict=True)):
            kind = " class='text'" if i < 3 else ""
            out.append(f"<td data-col='{col}'{kind}>{escape(cell.strip())}</td>")
        out.append("</tr>")
    out.append("</tbody></table></body></html>\n")
    return "".join(out)


FAMILY_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def leaderboard_plot(rows: Sequence[Row], ds: str, out: str | Path) -> None:
    """Horizontal bars: top-1 mean per method, error bars = sample std over seeds (none for one
    seed), one colour per family; missing methods are listed with an empty bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = list(dict.fromkeys(r.method.family for r in rows))
    colour = {f: FAMILY_COLOURS[i % len(FAMILY_COLOURS)] for i, f in enumerate(families)}
    labels, means, errs, colours = [], [], [], []
    for r in rows:
        stats = r.stats
        labels.append(f"{r.method.family}: {r.method.name}" + (" (missing)" if r.missing else ""))
        means.append(stats[0] if stats else 0.0)
        errs.append(stats[1] if stats and stats[2] > 1 else 0.0)
        colours.append(colour[r.method.family])
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * max(len(rows), 2) + 1.2))
    y = list(range(len(rows)))[::-1]
    ax.barh(y, means, color=colours, edgecolor="black", linewidth=0.4)
    several = [i for i, r in enumerate(rows) if r.stats and r.stats[2] > 1]  # one seed: no bar
    ax.errorbar(
        [means[i] for i in several], [y[i] for i in several], xerr=[errs[i] for i in several],
        fmt="none", ecolor="black", capsize=3,
    )  # fmt: skip
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("top-1 accuracy (%), mean ± std over seeds")
    ax.set_xlim(0, 100)
    ax.set_title(f"Leaderboard on {ds}")
    for f in families:
        ax.bar(0, 0, color=colour[f], label=f)
    ax.legend(loc="lower right", fontsize=8)
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
