"""Sub-commands of the data stages: the synthetic dataset, the manifest, decoded frames, sparse
dynamic images and their figure (report category Data). Heavy modules are imported inside the
commands, so registering them costs nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from videoaug.stages import params as stage_params
from videoaug.stages.cli_args import params_from_args


def cmd_synth(args: argparse.Namespace) -> None:
    from videoaug.data.synthetic import SynthParams, generate_synth4

    params = params_from_args(args, stage_params.synth_params)
    generate_synth4(Path(args.root), SynthParams(**params))


def cmd_standin(args: argparse.Namespace) -> None:
    from videoaug.data.standin import StandinParams, generate_standin

    params = StandinParams(kind=args.kind, classes=tuple(args.classes or ()),
                           videos_per_class=args.videos_per_class, seconds=args.seconds,
                           seed=args.seed)
    generate_standin(Path(args.root), params)


def cmd_manifest(args: argparse.Namespace) -> None:
    from videoaug.stages.manifest import build_manifest

    params = params_from_args(args, stage_params.manifest_params)
    build_manifest(params["dataset"], params["dataset_config"], int(params["seed"]), args.out,
                   args.shard, args.shards)


def cmd_decode(args: argparse.Namespace) -> None:
    from videoaug.stages.decode import DecodeParams, decode_shard

    params = DecodeParams(**params_from_args(args, stage_params.decode_params))
    decode_shard(args.manifest, args.shard, args.shards, params, args.out)


def cmd_gather_frames(args: argparse.Namespace) -> None:
    from videoaug.stages.decode import gather_frames_index

    gather_frames_index(args.shards, args.out)


def cmd_dynamic(args: argparse.Namespace) -> None:
    from videoaug.stages.dynamic_images import DynamicParams, dynamic_images_shard

    params = DynamicParams(**params_from_args(args, stage_params.dynamic_params))
    dynamic_images_shard(args.frames, args.manifest, params, args.out)


def cmd_gather_ssdi(args: argparse.Namespace) -> None:
    from videoaug.stages.dynamic_images import gather_ssdi_index

    gather_ssdi_index(args.shards, args.out)


def cmd_figure_dynamic(args: argparse.Namespace) -> None:
    from videoaug.stages.figures import frames_dynamic_grid

    frames_dynamic_grid(args.manifest, args.frames, args.ssdi, args.out, args.frames_per_video)


def cmd_split_figure(args: argparse.Namespace) -> None:
    from videoaug.stages.split_figure import split_figure

    split_figure(args.synth_manifest, args.dataset, args.out, classes=args.classes,
                 frames=args.frames, columns=args.columns)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    p = sub.add_parser("synth", help="generate the embedded synthetic dataset (synth4)")
    add_param_args(p)
    p.add_argument("--root", required=True, help="output folder (UCF-like layout)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser(
        "standin", help="render a UCF101- or HMDB51-shaped stand-in (layout, names, splits, AVI)")
    p.add_argument("--kind", required=True, choices=["ucf101", "hmdb51"])
    p.add_argument("--root", required=True, help="output folder (the dataset's root)")
    p.add_argument("--classes", nargs="*", help="class names (default: the stand-in's own)")
    p.add_argument("--videos-per-class", type=int, default=4)
    p.add_argument("--seconds", type=float, help="clip length (default: 3 s)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_standin)

    p = sub.add_parser("manifest", help="list a dataset's videos, labels and splits")
    add_param_args(p)
    p.add_argument("--shard", type=int, default=None,
                   help="list only the videos of this shard (with --shards)")
    p.add_argument("--shards", type=int, default=None)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_manifest)

    p = sub.add_parser("decode", help="decode one shard of videos into a frames store")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--shard", type=int, required=True)
    p.add_argument("--shards", type=int, required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("gather-frames", help="write frames/index.json from the shards")
    p.add_argument("--out", required=True)
    p.add_argument("shards", nargs="+")
    p.set_defaults(func=cmd_gather_frames)

    p = sub.add_parser("dynamic", help="sparse-sampled dynamic images of one frames shard")
    add_param_args(p)
    p.add_argument("--frames", required=True)
    p.add_argument("--manifest", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_dynamic)

    p = sub.add_parser("gather-ssdi", help="write ssdi/index.json from the shards")
    p.add_argument("--out", required=True)
    p.add_argument("shards", nargs="+")
    p.set_defaults(func=cmd_gather_ssdi)

    p = sub.add_parser("figure-dynamic", help="PNG grid of frames and dynamic images per class")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--ssdi", nargs="+", required=True)
    p.add_argument("--frames-per-video", type=int, default=4)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_figure_dynamic)

    p = sub.add_parser("split-figure",
                       help="PNG strip of a diagnostic split's clips (docs/splits.md)")
    p.add_argument("--synth-manifest", required=True, help="the split's generated synth4.json")
    p.add_argument("--dataset", required=True, help="its config name (the title)")
    p.add_argument("--classes", type=int, default=2, help="classes whose test variants are shown")
    p.add_argument("--frames", type=int, default=4, help="evenly spaced frames per variant row")
    p.add_argument("--columns", type=int, default=10, help="training videos shown per class")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_split_figure)
