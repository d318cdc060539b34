"""Sub-commands that build paper tables and figures from results/*.json."""

from __future__ import annotations

import argparse


def cmd_zhang2020(args: argparse.Namespace) -> None:
    from videoaug.report.zhang2020 import fig4_table, fig5_plot, table2_table

    if args.fig4:
        with open(args.fig4, "w", encoding="utf-8") as fh:
            fh.write(fig4_table(args.results_dir, args.datasets, args.seeds))
    if args.table2:
        with open(args.table2, "w", encoding="utf-8") as fh:
            fh.write(table2_table(args.results_dir, args.datasets))
    if args.fig5:
        fig5_plot(args.results_dir, args.datasets, args.fig5, args.seeds)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    p = sub.add_parser("report-zhang2020", help="Zhang et al. 2020 tables/figures from results")
    p.add_argument("--results-dir", default="results")
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--seeds", nargs="*", type=int, default=[])
    p.add_argument("--fig4", help="Markdown output of Figure 4's comparison")
    p.add_argument("--table2", help="Markdown output of Table 2 (CCS/HF/GAN)")
    p.add_argument("--fig5", help="PNG output of the accuracy-vs-generated-images plot")
    p.set_defaults(func=cmd_zhang2020)
