"""Sub-commands that build paper tables and figures from results/*.json."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def parse_limited_classes(text: str) -> dict[str, list[str]]:
    """``--limited-classes``: a JSON object dataset -> list of class names."""
    from videoaug.config import ConfigError

    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"--limited-classes is not valid JSON: {err}") from None
    if not isinstance(value, dict) or not all(
        isinstance(classes, list) and all(isinstance(c, str) for c in classes)
        for classes in value.values()
    ):
        raise ConfigError(
            "--limited-classes must be a JSON object dataset -> list of class names, e.g. "
            '\'{"ucf101imb": ["GolfSwing", "Shotput", "Skiing", "YoYo"]}\''
        )
    return value


def cmd_zhang2020(args: argparse.Namespace) -> None:
    from videoaug.config import ConfigError
    from videoaug.report.zhang2020 import fig4_table, fig5_plot, table2_table, table3_table

    per_dataset = {"--fig4": args.fig4, "--table2": args.table2, "--fig5": args.fig5}
    wanted = [flag for flag, out in per_dataset.items() if out]
    if wanted and not args.datasets:
        raise ConfigError(f"{', '.join(wanted)} need --datasets")
    if args.table3 and args.limited_classes is None:
        raise ConfigError("--table3 needs --limited-classes JSON (dataset -> class names)")
    if not wanted and not args.table3:
        raise ConfigError("nothing to build: give --fig4, --table2, --table3 and/or --fig5")
    if args.fig4:
        _write_text(args.fig4, fig4_table(args.results_dir, args.datasets, args.seeds))
    if args.table2:
        _write_text(args.table2, table2_table(args.results_dir, args.datasets))
    if args.table3:
        limited = parse_limited_classes(args.limited_classes)
        _write_text(args.table3, table3_table(args.results_dir, limited))
    if args.fig5:
        fig5_plot(args.results_dir, args.datasets, args.fig5, args.seeds)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    p = sub.add_parser("report-zhang2020", help="Zhang et al. 2020 tables/figures from results")
    p.add_argument("--results-dir", default="results")
    p.add_argument(
        "--datasets", nargs="*", default=[], help="datasets of --fig4, --table2 and --fig5"
    )
    p.add_argument("--seeds", nargs="*", type=int, default=[])
    p.add_argument("--fig4", help="Markdown output of Figure 4's comparison")
    p.add_argument("--table2", help="Markdown output of Table 2 (CCS/HF/GAN)")
    p.add_argument("--table3", help="Markdown output of Table 3 (sample imbalance)")
    p.add_argument(
        "--limited-classes",
        help="with --table3: JSON object imbalanced dataset -> its limited classes "
        "(datasets.<ds>.train_limit_classes)",
    )
    p.add_argument("--fig5", help="PNG output of the accuracy-vs-generated-images plot")
    p.set_defaults(func=cmd_zhang2020)

    p = sub.add_parser("leaderboard", help="cross-method leaderboard of one dataset (all families)")
    p.add_argument(
        "--params", required=True,
        help="JSON: dataset, seeds, methods (videoaug.report.methods.leaderboard_params)",
    )  # fmt: skip
    p.add_argument("--results-dir", default="results")
    p.add_argument("--benchmarks-dir", default="benchmarks")
    p.add_argument("--md", help="Markdown table output")
    p.add_argument("--csv", help="CSV table output")
    p.add_argument("--html", help="HTML table output (shown inline in Snakemake's report)")
    p.add_argument("--png", help="bar chart output (mean ± std over seeds)")
    p.set_defaults(func=cmd_leaderboard)


def cmd_leaderboard(args: argparse.Namespace) -> None:
    from videoaug.config import ConfigError
    from videoaug.report.leaderboard import (
        leaderboard_csv,
        leaderboard_html,
        leaderboard_markdown,
        leaderboard_plot,
        leaderboard_rows,
        write_text_atomic,
    )
    from videoaug.report.methods import Method

    try:
        params = json.loads(args.params)
        ds, seeds = params["dataset"], [int(s) for s in params["seeds"]]
        methods = [Method.from_json(m) for m in params["methods"]]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ConfigError(
            f"--params must be JSON with dataset, seeds and methods "
            f"(videoaug.report.methods.leaderboard_params): {err}"
        ) from None
    if not (args.md or args.csv or args.html or args.png):
        raise ConfigError("nothing to build: give --md, --csv, --html and/or --png")
    rows = leaderboard_rows(methods, ds, seeds, args.results_dir, args.benchmarks_dir)
    if args.md:
        write_text_atomic(args.md, leaderboard_markdown(rows, ds, seeds))
    if args.csv:
        write_text_atomic(args.csv, leaderboard_csv(rows))
    if args.html:
        write_text_atomic(args.html, leaderboard_html(rows, ds, seeds))
    if args.png:
        leaderboard_plot(rows, ds, args.png)
