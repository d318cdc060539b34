"""Sub-commands of the temporal-augmentation experiments (Kim et al. 2020).

``train-tda`` (one classifier with one policy), ``tda-gallery`` (one clip under every policy),
``kim2020-tables`` (the paper's Tables 2-6 beside our results). Heavy modules are imported inside
the commands, so registering them costs nothing.
"""

from __future__ import annotations

import argparse
import json


def _tda_params(args: argparse.Namespace, policy: str):
    """``TdaParams`` from ``--params JSON`` or from ``--config ... --dataset NAME`` and ``policy``
    (a policy string or slug)."""
    from videoaug.augment.policy import policy_slug
    from videoaug.config import ConfigError, load_config
    from videoaug.methods.tda.params import tda_params
    from videoaug.methods.tda.stage import TdaParams

    if args.params:
        try:
            values = json.loads(args.params)
        except json.JSONDecodeError as err:
            raise ConfigError(f"--params is not valid JSON: {err}") from None
    else:
        if not args.config or not args.dataset:
            raise ConfigError(
                "give either --params JSON or --config FILE [FILE ...] --dataset NAME")
        values = tda_params(load_config(args.config), args.dataset, policy_slug(policy))
    return TdaParams.from_dict(values)


def cmd_train_tda(args: argparse.Namespace) -> None:
    from videoaug.methods.tda.stage import train_tda

    train_tda(args.manifest, args.frames, _tda_params(args, args.policy), args.out,
              scores_out=args.scores)


def cmd_tda_gallery(args: argparse.Namespace) -> None:
    from videoaug.methods.tda.stage import tda_gallery

    tda_gallery(args.manifest, args.frames, args.policies, _tda_params(args, "none"), args.out,
                frames_shown=args.frames_shown, magnitude=args.magnitude)


def cmd_kim2020_tables(args: argparse.Namespace) -> None:
    from videoaug.methods.tda.kim2020 import write_kim2020_tables

    write_kim2020_tables(args.results, args.out, args.datasets or None)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register ``train-tda``, ``tda-gallery`` and ``kim2020-tables``."""
    p = sub.add_parser("train-tda", help="train and test a video classifier with a TDA policy")
    add_param_args(p)
    p.add_argument("--policy", default="none",
                   help="with --config: policy string or slug, e.g. randaug-t:n2:m9:temporal+")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True, help="frames shards")
    p.add_argument("--out", required=True, help="result JSON")
    p.add_argument("--scores", help="per-video test softmax (.npz; paired comparisons, splits)")
    p.set_defaults(func=cmd_train_tda)

    p = sub.add_parser("tda-gallery", help="PNG: one training clip under every policy")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--policies", nargs="+", required=True, help="policy strings, one row each")
    p.add_argument("--frames-shown", type=int, default=4)
    p.add_argument("--magnitude", type=float, default=9.0,
                   help="M (0..30) of the per-op panel, both conventions")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_tda_gallery)

    p = sub.add_parser("kim2020-tables", help="Kim et al. 2020 Tables 2-6 beside our results")
    p.add_argument("--results", nargs="*", default=[], help="TDA result JSONs (any seeds)")
    p.add_argument("--datasets", nargs="*", default=[], help="column order (default: all found)")
    p.add_argument("--out", required=True, help="Markdown file")
    p.set_defaults(func=cmd_kim2020_tables)
