"""Sub-commands measuring generated pools: ``gan-quality-net`` (train the fixed evaluator) and
``gan-quality`` (every class's pool against the real held-out DIs). Heavy modules are imported
inside the commands, so registering them costs nothing."""

from __future__ import annotations

import argparse
import json


def _quality_params(args: argparse.Namespace):
    from videoaug.config import ConfigError, load_config
    from videoaug.stages.gan_quality import QualityParams
    from videoaug.stages.params import gan_quality_params

    if args.params:
        try:
            return QualityParams(**json.loads(args.params))
        except json.JSONDecodeError as err:
            raise ConfigError(f"--params is not valid JSON: {err}") from None
    if not args.config or not args.dataset:
        raise ConfigError("give either --params JSON or --config FILE [FILE ...] --dataset NAME")
    return QualityParams(**gan_quality_params(load_config(args.config), args.dataset))


def cmd_gan_quality_net(args: argparse.Namespace) -> None:
    from videoaug.stages.gan_quality import train_quality_net

    train_quality_net(args.manifest, args.ssdi, _quality_params(args), args.out)


def cmd_gan_quality(args: argparse.Namespace) -> None:
    from videoaug.stages.gan_quality import measure_quality

    measure_quality(args.net, args.manifest, args.ssdi, args.pools, args.out)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register ``gan-quality-net`` and ``gan-quality``."""
    p = sub.add_parser("gan-quality-net", help="train the evaluator of generated pools")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True, help="SSDI shards")
    p.add_argument("--out", required=True, help="evaluator checkpoint (.pt)")
    p.set_defaults(func=cmd_gan_quality_net)

    p = sub.add_parser("gan-quality", help="quality of every class's generated pool")
    p.add_argument("--net", required=True, help="evaluator checkpoint (gan-quality-net)")
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True, help="SSDI shards")
    p.add_argument("--pools", nargs="+", required=True, help="one generated pool per class")
    p.add_argument("--out", required=True, help="quality JSON")
    p.set_defaults(func=cmd_gan_quality)
