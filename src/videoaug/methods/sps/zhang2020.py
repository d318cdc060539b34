"""Zhang et al. 2020 from cache: Figure 4 (four methods), Table 2 (CCS/HF/GAN), Table 3 (sample
imbalance), Figure 5 (accuracy against the number of generated images). Our numbers beside the
paper's. Each row also shows its paired gain over the table's baseline (SSDI, no generated images)
with the 95 % interval of :mod:`videoaug.report.paired` (seed runs in Figure 4; the config-seed
runs of Tables 2 and 3, one seed, so the test-set spread only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from videoaug.report.paired import INTERVAL_NOTE, gain_cell, single_gain_cell
from videoaug.report.tables import (
    fmt,
    fmt_mean_std,
    fmt_se,
    load_paper_numbers,
    load_result,
    markdown_table,
    mean_std,
    test_videos,
    top1_percent,
)

METHODS = ("ssdi", "rnd", "tsp", "sps")
METHOD_NAMES = {"ssdi": "SSDI", "rnd": "RND-GAN", "tsp": "TSP-GAN", "sps": "SPS-GAN"}
BASELINE = "ssdi"  # every table's baseline: the temporal stream without generated images


def _seed_results(results_dir: Path, ds: str, method: str, seeds: list[int]) -> list[dict]:
    found = [load_result(results_dir / "seeds" / f"{ds}_{method}_s{s}.json") for s in seeds]
    return [r for r in found if r is not None]


def _seed_stats(results_dir: Path, ds: str, method: str, seeds: list[int]):
    return mean_std(top1_percent(r) for r in _seed_results(results_dir, ds, method, seeds))


def _with_se(result: dict | None) -> str:
    """``"62.50 (SE 3.42)"``: a single run's top-1 and its test-set standard error."""
    value = top1_percent(result)
    if value is None:
        return "–"
    n_test = test_videos(result)
    return fmt(value) if not n_test else f"{fmt(value)} (SE {fmt_se(value, n_test).split()[0]})"


def pool_quality_cell(result: dict | None) -> str:
    """How many classes' pools a result used meet the goal, and their mean recall in pixel space
    and in the evaluator's embedding beside the real held-out DIs' (``gan_quality``), e.g.
    ``"1/4 pass; recall pixel 0.12 (real 0.38), embedding 0.30 (real 0.73)"``; "–" for results
    without generated images."""
    quality = (result or {}).get("gan_quality")
    if not quality:
        return "–"
    mean, classes = quality["mean"], quality["classes"]
    if "recall_pixel" not in mean["generated"]:  # a record of the old measure (consistency only)
        return "old measure: rerun gan_quality"
    passing = sum(bool(record["passes"]) for record in classes.values())
    parts = [f"{passing}/{len(classes)} pass"]
    for space, label in (("pixel", "recall pixel"), ("embedding", "embedding")):
        key = f"recall_{space}"
        parts.append(f"{label} {mean['generated'][key]:.2f} (real {mean['real_heldout'][key]:.2f})")
    return f"{parts[0]}; {', '.join(parts[1:])}"


def fig4_table(results_dir: str | Path, datasets: list[str], seeds: list[int]) -> str:
    """Top-1 (%) of SSDI, RND, TSP and SPS per dataset: default-seed run, mean ± std over seeds,
    and the paper's number where the paper has one."""
    results_dir = Path(results_dir)
    paper = load_paper_numbers("zhang2020")["fig4"]
    rows = []
    for ds in datasets:
        for method in METHODS:
            result = load_result(results_dir / f"{ds}_{method}.json")
            single = top1_percent(result)
            seeded = _seed_results(results_dir, ds, method, seeds)
            stats = _seed_stats(results_dir, ds, method, seeds)
            if single is None and stats is None:
                continue
            reference = result if result is not None else seeded[0]
            level = stats[0] if stats is not None else single
            rows.append(
                [
                    ds,
                    METHOD_NAMES[method],
                    fmt(single),
                    fmt_mean_std(stats),
                    gain_cell(results_dir, ds, method, BASELINE, seeds),
                    fmt_se(level, test_videos(reference)),
                    pool_quality_cell(reference),
                    fmt(paper["values"].get(f"{ds}_{method}")),
                ]
            )
    header = ["dataset", "method", "top-1 (config seed)", f"top-1 over seeds {seeds}",
              "gain vs SSDI (pp) [95 % CI], seeds", "SE of top-1 (test set)",
              "pools meeting the goal; mean recall", "paper"]
    return (
        f"# Zhang et al. 2020, Figure 4: {paper['caption']}\n\n"
        + markdown_table(header, rows)
        + "\nTop-1 accuracy (%) on the test videos, temporal (dynamic-image) stream; mean ± "
        "sample std over seeds. SE = the standard error a top-1 has from the finite test set "
        f"alone, 100·sqrt(p(1−p)/n) for n test videos. {INTERVAL_NOTE} Pool quality "
        "(videoaug.methods.sps.gan.quality, docs/sps.md): how many classes' generated pools meet "
        "the goal (consistency within 0.10 of the held-out real DIs', improved precision and "
        "recall in pixel space and in the evaluator's embedding at least half theirs), and the "
        "pools' mean recall of the real training DIs, the held-out real DIs' in brackets. "
        "'paper' is printed only for UCF4/HMDB4.\n"
    )


def table2_table(results_dir: str | Path, datasets: list[str]) -> str:
    results_dir = Path(results_dir)
    paper = load_paper_numbers("zhang2020")["table2"]
    header = [
        "row",
        "our method",
        *[c for ds in datasets for c in (f"{ds} top-1", f"{ds} gain vs CCS+HF (pp) [95 % CI]")],
        f"paper ({paper['dataset']})",
    ]
    rows = []
    for row in paper["rows"]:
        ours = [c for ds in datasets for c in (
            _with_se(load_result(results_dir / f"{ds}_{row['method']}.json")),
            single_gain_cell(results_dir, ds, row["method"], BASELINE))]
        rows.append([row["name"], row["method"], *ours, fmt(row["paper"])])
    return (
        f"# Zhang et al. 2020, Table 2: {paper['caption']}\n\n"
        + markdown_table(header, rows)
        + "\nCCS = corner cropping with scale jittering, HF = horizontal flip, GAN = SPS-selected "
        "generated images. Top-1 accuracy (%), (SE = its standard error from the finite test "
        "set, 100·sqrt(p(1−p)/n)). Gain over CCS+HF (`ssdi`, the conventional augmentation) on "
        f"the config-seed runs. {INTERVAL_NOTE}\n"
    )


def limited_recall_percent(
    result: dict | None, classes: Sequence[str], source: str | Path
) -> float | None:
    """Mean per-class recall (%) over ``classes``: the paper's accuracy on the 4 classes cut to 20
    training videos ("UCF4*", "HMDB4*" of Zhang et al. 2020, Table 3). ``None`` without a result;
    ``source`` (the result file) names the culprit when a class has no recall."""
    if result is None:
        return None
    per_class = result.get("metrics", {}).get("per_class") or {}
    for cls in classes:
        if cls not in per_class:
            raise ValueError(
                f"{source}: metrics.per_class has no recall for limited class {cls!r} "
                f"({len(per_class)} classes recorded); check train_limit_classes or rebuild it"
            )
    return 100.0 * sum(float(per_class[cls]) for cls in classes) / len(classes)


def _table3_header(ds: str, paper_columns: Sequence[str | None], n_limited: int) -> list[str]:
    overall, limited = (f"paper {col}" if col else "paper (none)" for col in paper_columns)
    return [overall, f"{ds} top-1", f"{ds} gain vs SSDI (pp) [95 % CI]", limited,
            f"{ds} {n_limited} limited classes"]


def _paper_value(row: Mapping, column: str | None) -> float | None:
    return None if column is None else row.get(column)


def table3_table(results_dir: str | Path, limited_classes: Mapping[str, Sequence[str]]) -> str:
    """Sample imbalance (Zhang et al. 2020, Table 3): per imbalanced dataset, overall top-1 (%) and
    mean recall (%) over its limited classes, the paper's number before ours. ``limited_classes``
    maps each dataset to the classes cut to few training videos (``train_limit_classes``);
    datasets the paper does not have get "–" as paper numbers."""
    results_dir = Path(results_dir)
    paper = load_paper_numbers("zhang2020")["table3"]
    for ds, classes in limited_classes.items():
        if not classes:
            raise ValueError(
                f"no limited classes for {ds!r}: set datasets.{ds}.train_limit_classes"
            )
    columns = {ds: paper["columns"].get(ds, (None, None)) for ds in limited_classes}
    header = ["row", "our method"]
    for ds, classes in limited_classes.items():
        header += _table3_header(ds, columns[ds], len(classes))
    rows = []
    for row in paper["rows"]:
        cells = [row["name"], row["method"]]
        for ds, classes in limited_classes.items():
            path = results_dir / f"{ds}_{row['method']}.json"
            result = load_result(path)
            overall_col, limited_col = columns[ds]
            cells += [
                fmt(_paper_value(row, overall_col)),
                _with_se(result),
                single_gain_cell(results_dir, ds, row["method"], BASELINE),
                fmt(_paper_value(row, limited_col)),
                fmt(limited_recall_percent(result, classes, path)),
            ]
        rows.append(cells)
    limited_text = "; ".join(f"{ds}: {', '.join(cls)}" for ds, cls in limited_classes.items())
    return (
        f"# Zhang et al. 2020, Table 3: {paper['caption']}\n\n"
        + markdown_table(header, rows)
        + "\nTop-1 accuracy (%) on all test videos (SE = its standard error from the finite test "
        "set); 'limited classes' = mean recall (%) over the "
        f"classes cut to few training videos ({limited_text or 'no dataset'}). "
        "'–' = no result yet, or no number in the paper (no 4-class numbers for the fused rows, "
        "none for datasets the paper does not have). Gain over SSDI on the config-seed runs "
        f"(all test videos). {INTERVAL_NOTE}\n"
    )


def _histories(results_dir: Path, ds: str, method: str, seeds: list[int]) -> list[list[dict]]:
    """Histories of the seed runs, or of the config-seed run when there are none."""
    found = [load_result(results_dir / "seeds" / f"{ds}_{method}_s{s}.json") for s in seeds]
    found = [r for r in found if r is not None]
    if not found:
        single = load_result(results_dir / f"{ds}_{method}.json")
        found = [single] if single is not None else []
    return [r["history"] for r in found]


def fig5_plot(
    results_dir: str | Path, datasets: list[str], out: str | Path, seeds: list[int] | None = None
) -> None:
    """Test top-1 against the number of generated images added so far, per epoch, averaged over
    the seed runs (recorded every ``monitor_every`` epochs; never used for a choice)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results_dir = Path(results_dir)
    fig, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4), squeeze=False)
    for ax, ds in zip(axes[0], datasets, strict=True):
        for method in METHODS:
            histories = _histories(results_dir, ds, method, seeds or [])
            epochs = min((len(h) for h in histories), default=0)
            points = []
            for e in range(epochs):
                records = [h[e] for h in histories]
                if all("test_top1" in r for r in records):
                    added = sum(r.get("generated_added", 0) for r in records) / len(records)
                    top1 = 100 * sum(r["test_top1"] for r in records) / len(records)
                    points.append((added, top1))
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", label=f"{METHOD_NAMES[method]} (n={len(histories)})")
        ax.set_title(ds)
        ax.set_xlabel("generated images added (one point per epoch)")
        ax.set_ylabel("test top-1 (%), mean over runs")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(
        "Accuracy against the number of generated images (cf. Zhang et al. Fig. 5)", fontsize=10
    )
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
