"""The ``leaderboard`` and ``claims`` sub-commands: the cross-method table and figure of one
dataset, and the table of the papers' headline claims, from the seed runs' results and per-video
scores (each family's paper tables are its own command module's); ``split-metrics`` and
``splits-table``: the diagnostic splits' per-run metrics and their table (docs/splits.md)."""

from __future__ import annotations

import argparse
import json


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
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

    p = sub.add_parser("claims", help="which headline claims of the four papers a run reproduces")
    p.add_argument(
        "--params", required=True,
        help="JSON: dataset, seeds, claims, cpu_budget_hours, benchmarks "
             "(videoaug.report.claims.claims_params)",
    )  # fmt: skip
    p.add_argument("--results-dir", default="results")
    p.add_argument("--benchmarks-dir", default="benchmarks")
    p.add_argument("--md", required=True, help="Markdown table output")
    p.add_argument("--csv", required=True, help="CSV table output")
    p.set_defaults(func=cmd_claims)

    p = sub.add_parser("split-metrics", help="one run's metrics on a diagnostic split")
    p.add_argument("--synth-manifest", required=True, help="the split's generated synth4.json")
    p.add_argument("--scores", required=True, help="the run's per-video test scores (.npz)")
    p.add_argument("--result", required=True, help="the run's result JSON")
    p.add_argument("--out", required=True, help="results/splits/{ds}_{method}_s{seed}.json")
    p.set_defaults(func=cmd_split_metrics)

    p = sub.add_parser("split-videos", help="test-video ids of one variant of a split dataset")
    p.add_argument("--synth-manifest", required=True, help="the split's generated synth4.json")
    p.add_argument("--variant", required=True, help="e.g. conflict, perturbed (docs/splits.md)")
    p.add_argument("--out", required=True, help="results/splits/videos/{ds}_{variant}.json")
    p.set_defaults(func=cmd_split_videos)

    p = sub.add_parser("splits-table", help="Markdown table of every diagnostic split's metrics")
    p.add_argument("--sets", required=True,
                   help="JSON: config splits.sets ({name: {dataset, methods, ...}})")
    p.add_argument("--out", required=True)
    p.add_argument("records", nargs="+", help="results/splits/*.json")
    p.set_defaults(func=cmd_splits_table)


def cmd_split_metrics(args: argparse.Namespace) -> None:
    from videoaug.report.splits import write_split_metrics

    write_split_metrics(args.synth_manifest, args.scores, args.result, args.out)


def cmd_split_videos(args: argparse.Namespace) -> None:
    from videoaug.config import ConfigError
    from videoaug.provenance import read_json
    from videoaug.report.splits import write_variant_videos

    try:
        write_variant_videos(read_json(args.synth_manifest), args.variant, args.out)
    except ValueError as err:
        raise ConfigError(f"{args.synth_manifest}: {err}") from None


def cmd_splits_table(args: argparse.Namespace) -> None:
    from videoaug.config import ConfigError
    from videoaug.report.splits import write_splits_table

    try:
        sets = json.loads(args.sets)
    except json.JSONDecodeError as err:
        raise ConfigError(f"--sets is not valid JSON: {err}") from None
    write_splits_table(sets, args.records, args.out)


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


def cmd_claims(args: argparse.Namespace) -> None:
    from videoaug.config import ConfigError
    from videoaug.report.claims import (
        claims_csv,
        claims_markdown,
        claims_on,
        cost_text,
        evaluate,
        load_claims,
    )
    from videoaug.report.leaderboard import write_text_atomic

    try:
        params = json.loads(args.params)
        ds, seeds = params["dataset"], [int(s) for s in params["seeds"]]
        patterns = dict(params.get("benchmarks") or {})
        budget = params.get("cpu_budget_hours")
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ConfigError(
            f"--params must be JSON with dataset and seeds "
            f"(videoaug.report.claims.claims_params): {err}"
        ) from None
    try:
        splits, claims = load_claims(params.get("claims"))
    except ValueError as err:
        raise ConfigError(str(err)) from None
    claims = claims_on(splits, claims, ds, bool(params.get("claim_splits", False)))
    rows = evaluate(claims, splits, ds, seeds, args.results_dir)
    cost = cost_text(rows, ds, seeds, args.benchmarks_dir, patterns, budget)
    write_text_atomic(args.md, claims_markdown(rows, ds, seeds, cost))
    write_text_atomic(args.csv, claims_csv(rows))
