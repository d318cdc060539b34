"""Sub-commands of Learn2Augment's semi-supervised setting (Gowda et al. 2022, Table 3):
``semi-teacher`` (labelled-only classifier = the ``none`` result + pseudo-labels),
``semi-selector`` (the Selector retrained on the labelled + pseudo-labelled pool, and its pair
scores) and ``train-semi`` (one student method). Heavy modules are imported inside the commands.

Parameters: ``--params JSON`` (the rules) or ``--config FILE ... --dataset NAME`` with
``--fraction`` and ``--seed`` (by hand; the builders of :mod:`videoaug.stages.params`).
"""

from __future__ import annotations

import argparse


def _semi_params(args: argparse.Namespace, method: str) -> dict:
    from videoaug.stages import params as stage_params
    from videoaug.stages.cli_args import params_from_args

    return params_from_args(args, lambda config, ds: stage_params.l2a_semi_params(
        config, ds, method, args.fraction, args.seed))


def cmd_semi_teacher(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a_semi import TEACHER, teacher_stage

    teacher_stage(args.manifest, args.frames, _semi_params(args, TEACHER), args.out,
                  args.pseudo_out)


def cmd_semi_selector(args: argparse.Namespace) -> None:
    import json

    from videoaug.stages import params as stage_params
    from videoaug.stages.cli_args import params_from_args
    from videoaug.stages.l2a_selector import SelectorParams
    from videoaug.stages.l2a_semi import semi_selector_stage

    params = _semi_params(args, "l2a")
    if args.selector_params:
        selector = json.loads(args.selector_params)
    else:
        selector = params_from_args(args, lambda config, ds: stage_params
                                    .l2a_semi_selector_params(config, ds, args.seed))
    semi_selector_stage(args.manifest, args.frames, args.masks, args.backgrounds, args.features,
                        args.matches, args.pseudo, params, SelectorParams.from_dict(selector),
                        args.out, args.pairs_out)


def cmd_train_semi(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a_semi import train_semi

    train_semi(args.manifest, args.frames, args.masks or [], args.backgrounds or [], args.pairs,
               args.pseudo, _semi_params(args, args.method), args.out)


def _common(p: argparse.ArgumentParser, add_param_args) -> None:
    add_param_args(p)
    p.add_argument("--fraction", type=int, help="with --config: label fraction p (%%)")
    p.add_argument("--seed", type=int, help="with --config: classifier seed (default: config's)")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register ``semi-teacher``, ``semi-selector`` and ``train-semi``."""
    p = sub.add_parser("semi-teacher", help="L2A semi: labelled-only classifier + pseudo-labels")
    _common(p, add_param_args)
    p.add_argument("--out", required=True, help="results/seeds/{ds}_none_semi{p}_s{seed}.json")
    p.add_argument("--pseudo-out", required=True, help="pseudo.json")
    p.set_defaults(func=cmd_semi_teacher)

    p = sub.add_parser("semi-selector",
                       help="L2A semi: the Selector retrained on the pseudo-labelled pool")
    _common(p, add_param_args)
    p.add_argument("--selector-params", help="SelectorParams as JSON (the rule passes these)")
    p.add_argument("--masks", nargs="+", required=True)
    p.add_argument("--backgrounds", nargs="+", required=True)
    p.add_argument("--features", required=True)
    p.add_argument("--matches", required=True)
    p.add_argument("--pseudo", required=True, help="pseudo.json of semi-teacher")
    p.add_argument("--out", required=True, help="selector.pt (selector_log.json beside it)")
    p.add_argument("--pairs-out", required=True, help="pairs.h5")
    p.set_defaults(func=cmd_semi_selector)

    p = sub.add_parser("train-semi", help="L2A semi: one student (pseudolabel, cutmix, mixup, "
                                          "cutout, l2a) on labelled + pseudo-labelled videos")
    _common(p, add_param_args)
    p.add_argument("--method", default="l2a", help="with --config: the student method")
    p.add_argument("--masks", nargs="*")
    p.add_argument("--backgrounds", nargs="*")
    p.add_argument("--pairs", help="pairs.h5 of semi-selector (method l2a)")
    p.add_argument("--pseudo", required=True, help="pseudo.json of semi-teacher")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_train_semi)
