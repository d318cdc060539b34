"""Sub-commands of the SPS family (Zhang et al. 2020): per-class WGANs, generated pools and their
figure, the TSN temporal and spatial streams, late fusion. Heavy modules are imported inside the
commands, so registering them costs nothing."""

from __future__ import annotations

import argparse

from videoaug.config import ConfigError, load_config
from videoaug.stages import params as stage_params
from videoaug.stages.cli_args import params_from_args


def cmd_train_wgan(args: argparse.Namespace) -> None:
    from videoaug.stages.gan_stages import GanParams, train_class_wgan

    params = GanParams(**params_from_args(args, stage_params.gan_params))
    train_class_wgan(args.manifest, args.ssdi, args.cls, params, args.out)


def cmd_generate_pool(args: argparse.Namespace) -> None:
    from videoaug.stages.gan_stages import GanParams, generate_class_pool

    params = GanParams(**params_from_args(args, stage_params.gan_params))
    generate_class_pool(args.checkpoint, args.manifest, args.ssdi_index, args.cls, params,
                        args.compression, args.out)


def cmd_figure_gan(args: argparse.Namespace) -> None:
    from videoaug.stages.gan_stages import figure_gan

    figure_gan(args.manifest, args.ssdi, args.pools, args.out, quality_path=args.quality)


def _classifier_params(args: argparse.Namespace):
    from videoaug.stages.sps import ClassifierParams

    if args.params:
        values = params_from_args(args, stage_params.classifier_params)
    else:
        if not args.config or not args.dataset or not args.method:
            raise ConfigError("give --params JSON, or --config FILE --dataset NAME --method M")
        values = stage_params.classifier_params(load_config(args.config), args.dataset, args.method)
    values["input_size"] = tuple(values["input_size"])
    return ClassifierParams(**values)


def cmd_train_temporal(args: argparse.Namespace) -> None:
    from videoaug.stages.sps import train_temporal

    train_temporal(args.manifest, args.ssdi, args.pools or [], _classifier_params(args), args.out,
                   args.scores, gan_quality=args.gan_quality)


def cmd_train_spatial(args: argparse.Namespace) -> None:
    from videoaug.stages.sps import train_spatial

    train_spatial(args.manifest, args.frames, _classifier_params(args), args.out, args.scores)


def cmd_fuse(args: argparse.Namespace) -> None:
    from videoaug.stages.sps import fuse

    fuse(args.results, args.scores, args.weights, args.method, args.out)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    p = sub.add_parser("train-wgan", help="train (or resume) the WGAN of one class")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True, help="SSDI shards")
    p.add_argument("--cls", required=True, help="class name")
    p.add_argument("--out", required=True, help="checkpoint (.pt)")
    p.set_defaults(func=cmd_train_wgan)

    p = sub.add_parser("generate-pool", help="generated dynamic images of one class")
    add_param_args(p)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi-index", required=True)
    p.add_argument("--cls", required=True)
    p.add_argument("--compression", default="lz4")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_generate_pool)

    p = sub.add_parser("figure-gan", help="generated vs real dynamic images per class")
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True)
    p.add_argument("--pools", nargs="+", required=True)
    p.add_argument("--quality", help="quality.json of the pools (gan-quality), shown per class")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_figure_gan)

    for name, func, help_text in (
        ("train-temporal", cmd_train_temporal, "TSN on dynamic images (+ selected generated ones)"),
        ("train-spatial", cmd_train_spatial, "TSN on RGB frame segments"),
    ):
        p = sub.add_parser(name, help=help_text)
        add_param_args(p)
        p.add_argument("--method", help="with --config: ssdi/rnd/tsp/sps[_noccs/_nohf/_plain], rgb")
        p.add_argument("--manifest", required=True)
        if name == "train-temporal":
            p.add_argument("--ssdi", nargs="+", required=True)
            p.add_argument("--pools", nargs="*", default=[])
            p.add_argument("--gan-quality", help="the pools' quality.json, copied into the result")
        else:
            p.add_argument("--frames", nargs="+", required=True)
        p.add_argument("--out", required=True, help="result JSON")
        p.add_argument("--scores", required=True, help="per-video test scores (.npz)")
        p.set_defaults(func=func)

    p = sub.add_parser("fuse", help="late fusion of streams' test scores")
    p.add_argument("--results", nargs="+", required=True)
    p.add_argument("--scores", nargs="+", required=True)
    p.add_argument("--weights", nargs="+", type=float, required=True)
    p.add_argument("--method", required=True, help="name of the fused result")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_fuse)
