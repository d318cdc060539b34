"""Sub-commands of Learn2Augment part 1 (Gowda et al. 2022): ``segment``, ``gather-masks``,
``inpaint``, ``match-classes``, ``figure-l2a``. Heavy modules are imported inside the commands.

Threads: every command sets torch/OpenCV threads from ``l2a.threads`` (in ``--params``), not from
the global ``--threads`` (the scheduler's grant).
"""

from __future__ import annotations

import argparse


def _l2a_params(args: argparse.Namespace, builder_name: str) -> dict:
    """``--params JSON``, or the named builder of ``videoaug.stages.params`` over ``--config``."""
    from videoaug.cli import _params
    from videoaug.stages import params as stage_params

    return _params(args, getattr(stage_params, builder_name))


def cmd_segment(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a import segment_shard

    segment_shard(args.frames, args.manifest, _l2a_params(args, "l2a_segment_params"), args.out)


def cmd_gather_masks(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a import gather_masks_index

    gather_masks_index(args.shards, args.out)


def cmd_inpaint(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a import inpaint_shard

    inpaint_shard(args.frames, args.masks, _l2a_params(args, "l2a_inpaint_params"), args.out)


def cmd_match_classes(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a import match_classes_stage

    match_classes_stage(args.manifest, _l2a_params(args, "l2a_match_params"), args.out)


def cmd_figure_l2a(args: argparse.Namespace) -> None:
    from videoaug.stages.l2a import figure_compositing

    figure_compositing(args.manifest, args.frames, args.masks, args.backgrounds, args.matches,
                       args.out, pairs=args.pairs, frames_shown=args.frames_shown,
                       seed=args.seed, alpha=args.alpha)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register the L2A part 1 sub-commands."""
    p = sub.add_parser("segment", help="L2A: instance masks of one frames shard")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", required=True, help="frames shard")
    p.add_argument("--out", required=True, help="masks shard (.h5)")
    p.set_defaults(func=cmd_segment)

    p = sub.add_parser("gather-masks", help="L2A: masks/index.json (empty videos, mean IoU)")
    p.add_argument("--out", required=True)
    p.add_argument("shards", nargs="+")
    p.set_defaults(func=cmd_gather_masks)

    p = sub.add_parser("inpaint", help="L2A: inpainted backgrounds of one shard")
    add_param_args(p)
    p.add_argument("--frames", required=True, help="frames shard")
    p.add_argument("--masks", required=True, help="masks shard of the same frames")
    p.add_argument("--out", required=True, help="backgrounds shard (.h5)")
    p.set_defaults(func=cmd_inpaint)

    p = sub.add_parser("match-classes", help="L2A: semantic class matches (matches.json)")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_match_classes)

    p = sub.add_parser("figure-l2a", help="L2A: compositing figure (paper Figs. 3 and 4)")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--masks", nargs="+", required=True)
    p.add_argument("--backgrounds", nargs="+", required=True)
    p.add_argument("--matches", required=True)
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--frames-shown", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--alpha", type=float, default=4.0, help="Eq. 8 exponent (l2a.alpha)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_figure_l2a)
