"""Sub-commands of Learn2Augment part 2 (Gowda et al. 2022): ``l2a-features``,
``train-selector``, ``score-pairs``, ``figure-l2a-selector``. Heavy modules are imported inside
the commands; torch threads come from ``l2a.threads`` (in ``--params``).
"""

from __future__ import annotations

import argparse


def _selector_params(args: argparse.Namespace):
    from videoaug.cli import _params
    from videoaug.stages import params as stage_params
    from videoaug.stages.l2a_selector import SelectorParams

    return SelectorParams.from_dict(_params(args, stage_params.l2a_selector_params))


def cmd_features(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a_selector import video_features_stage

    video_features_stage(args.frames, _selector_params(args), args.out)


def cmd_train_selector(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a_selector import train_selector_stage

    train_selector_stage(args.manifest, args.frames, args.masks, args.backgrounds,
                         args.features, args.matches, _selector_params(args), args.out)


def cmd_score_pairs(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a_selector import score_pairs_stage

    score_pairs_stage(args.manifest, args.features, args.matches, args.selector,
                      _selector_params(args), args.out)


def cmd_figure_selector(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a_selector import figure_selector

    figure_selector(args.log_json, args.out)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register the L2A part 2 sub-commands."""
    p = sub.add_parser("l2a-features", help="L2A: per-video features for the Selector")
    add_param_args(p)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--out", required=True, help="features.h5")
    p.set_defaults(func=cmd_features)

    p = sub.add_parser("train-selector", help="L2A: train the Selector with REINFORCE")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--masks", nargs="+", required=True)
    p.add_argument("--backgrounds", nargs="+", required=True)
    p.add_argument("--features", required=True)
    p.add_argument("--matches", required=True)
    p.add_argument("--out", required=True, help="selector.pt (selector_log.json beside it)")
    p.set_defaults(func=cmd_train_selector)

    p = sub.add_parser("score-pairs", help="L2A: score the search space with the Selector")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--features", required=True)
    p.add_argument("--matches", required=True)
    p.add_argument("--selector", required=True)
    p.add_argument("--out", required=True, help="pairs.h5")
    p.set_defaults(func=cmd_score_pairs)

    p = sub.add_parser("figure-l2a-selector", help="L2A: the Selector's training curves")
    p.add_argument("--log-json", required=True, help="selector_log.json")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_figure_selector)
    add_train_command(sub)


def cmd_train_l2a(args: argparse.Namespace) -> None:
    import json

    from videoaug.stages.l2a_train import train_l2a

    train_l2a(args.manifest, args.frames, args.masks or [], args.backgrounds or [], args.pairs,
              json.loads(args.params), args.out)


def add_train_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-l2a", help="L2A: classifier on real clips + top composites")
    p.add_argument("--params", required=True, help="stages.params.l2a_train_params as JSON")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--masks", nargs="*")
    p.add_argument("--backgrounds", nargs="*")
    p.add_argument("--pairs", help="pairs.h5 (method l2a)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_train_l2a)
