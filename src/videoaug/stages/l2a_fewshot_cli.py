"""Sub-command of Learn2Augment's few-shot setting (Gowda et al. 2022, Table 4):
``train-fewshot``. The stage is imported inside the command; torch threads come from the global
``--threads`` (``resources.train_tda.threads``, as the other classifier runs).
"""

from __future__ import annotations

import argparse


def cmd_train_fewshot(args: argparse.Namespace) -> None:
    import json

    from videoaug.stages.l2a_fewshot import train_fewshot

    train_fewshot(args.manifest, args.frames, args.masks or [], args.backgrounds or [],
                  args.matches, json.loads(args.params), args.out)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register ``train-fewshot``."""
    p = sub.add_parser("train-fewshot",
                       help="L2A few-shot: backbone on seen + n-shot novel classes, episodes")
    p.add_argument("--params", required=True, help="stages.params.l2a_fewshot_params as JSON")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--masks", nargs="*", help="masks shards (method pn_l2a)")
    p.add_argument("--backgrounds", nargs="*", help="backgrounds shards (method pn_l2a)")
    p.add_argument("--matches", help="matches.json (l2a.fewshot.backgrounds = matched)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_train_fewshot)
