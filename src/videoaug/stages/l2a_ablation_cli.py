"""Sub-commands of the Learn2Augment ablations and paper tables (Gowda et al. 2022):
``gowda2022-table``. The ablation runs themselves are ``train-l2a`` / ``train-selector`` /
``score-pairs`` with the methods and Selector keys of :mod:`videoaug.stages.l2a_ablation`."""

from __future__ import annotations

import argparse


def cmd_gowda2022_table(args: argparse.Namespace) -> None:
    import json

    from videoaug.config import ConfigError
    from videoaug.report.gowda2022 import write_table

    try:
        params = json.loads(args.params)
        params["datasets"], params["seeds"]  # noqa: B018 - checked here for a clear message
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ConfigError(f"--params must be JSON with datasets and seeds "
                          f"(videoaug.report.gowda2022.table_params): {err}") from None
    params["table"] = args.table
    write_table(args.table, params, args.out, args.results_dir)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register the L2A ablation/table sub-commands."""
    p = sub.add_parser("gowda2022-table",
                       help="L2A: one of Gowda et al. 2022 Tables 1-5, paper beside ours")
    p.add_argument("--table", type=int, choices=(1, 2, 3, 4, 5), required=True)
    p.add_argument("--params", required=True,
                   help="JSON: datasets, seeds (+ fractions / shots) "
                        "(videoaug.report.gowda2022.table_params)")
    p.add_argument("--results-dir", default="results")
    p.add_argument("--out", required=True, help="Markdown output")
    p.set_defaults(func=cmd_gowda2022_table)
