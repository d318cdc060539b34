"""Sub-commands of the AVD family (Tavakolian et al. 2019): ``flow-bound``, ``optical-flow``,
``train-avd``, ``distill``, ``train-avd-classifier``, ``tavakolian2019-tables``, ``figure-avd``.
Heavy modules are imported inside the commands, so registering them costs nothing."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def _values(args: argparse.Namespace, builder: Callable[..., dict], *extra) -> dict:
    """Stage parameters from ``--params JSON`` or from ``--config ... --dataset NAME`` (the
    shared parsing of :func:`videoaug.cli._params`, with the builder's extra arguments)."""
    from videoaug.stages.cli_args import params_from_args as _params

    return _params(args, lambda config, dataset: builder(config, dataset, *extra))


def cmd_optical_flow(args: argparse.Namespace) -> None:
    from videoaug.methods.avd.params import flow_params
    from videoaug.methods.avd.stage import FlowParams, optical_flow_shard

    optical_flow_shard(args.frames, FlowParams(**_values(args, flow_params)), args.out,
                       args.bound_file)


def cmd_flow_bound(args: argparse.Namespace) -> None:
    from videoaug.methods.avd.flow_bound import FlowBoundParams, flow_bound_stage
    from videoaug.methods.avd.params import flow_bound_params

    params = FlowBoundParams(**_values(args, flow_bound_params))
    flow_bound_stage(args.manifest, args.frames, params, args.out)


def cmd_train_avd(args: argparse.Namespace) -> None:
    from videoaug.methods.avd.params import avd_params
    from videoaug.methods.avd.stage import AvdParams, train_avd_model

    params = AvdParams(**_values(args, avd_params, args.input))
    train_avd_model(args.manifest, args.stores, params, args.out, args.curves)


def cmd_distill(args: argparse.Namespace) -> None:
    from videoaug.methods.avd.params import avd_params
    from videoaug.methods.avd.stage import AvdParams, distill_shard

    params = AvdParams(**_values(args, avd_params, args.input))
    distill_shard(args.manifest, args.store, args.model, params, args.out)


def cmd_train_avd_classifier(args: argparse.Namespace) -> None:
    from videoaug.methods.avd.params import avd_classifier_params
    from videoaug.methods.avd.stage import AvdClassifierParams, train_avd_classifier

    values = _values(args, avd_classifier_params, args.stream)
    train_avd_classifier(args.manifest, args.stores, AvdClassifierParams(**values), args.out,
                         args.scores, args.test_manifest, args.test_stores)


def cmd_tables(args: argparse.Namespace) -> None:
    from videoaug.methods.avd.tavakolian2019 import write_tables

    write_tables(args.results, args.out_dir, args.datasets, args.cross or [],
                 args.default_backbone, args.backbones or None)


def cmd_figure_avd(args: argparse.Namespace) -> None:
    from videoaug.methods.avd.stage import figure_avd

    figure_avd(args.manifest, args.frames, args.rgb, args.flow, args.videos, args.out)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register the AVD sub-commands."""
    p = sub.add_parser("optical-flow", help="bounded uint8 optical flow of one frames shard")
    add_param_args(p)
    p.add_argument("--frames", required=True, help="frames shard")
    p.add_argument("--bound-file", help="flow/bound.json (rule flow_bound) when flow.bound is auto")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_optical_flow)

    p = sub.add_parser("flow-bound", help="measure the flow quantisation bound on training videos")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True, help="frames shards")
    p.add_argument("--out", required=True, help="flow/bound.json")
    p.set_defaults(func=cmd_flow_bound)

    p = sub.add_parser("train-avd", help="train (or resume) AVD's encoder/decoder/teacher")
    add_param_args(p)
    p.add_argument("--input", choices=("rgb", "flow"), default="rgb")
    p.add_argument("--manifest", required=True)
    p.add_argument("--stores", nargs="+", required=True, help="frames (rgb) or flow shards")
    p.add_argument("--out", required=True, help="model.pt")
    p.add_argument("--curves", help="PNG of the loss curves")
    p.set_defaults(func=cmd_train_avd)

    p = sub.add_parser("distill", help="one AVD (or dynamic) image per clip window of a shard")
    add_param_args(p)
    p.add_argument("--input", choices=("rgb", "flow", "di"), default="rgb")
    p.add_argument("--manifest", required=True)
    p.add_argument("--store", required=True, help="frames (rgb, di) or flow (flow) shard")
    p.add_argument("--model", help="model.pt (not for di)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_distill)

    p = sub.add_parser("train-avd-classifier", help="2D CNN on one AVD stream")
    add_param_args(p)
    p.add_argument("--stream", default="rgb", help="with --config: frames_rgb, frames_flow, rgb, "
                                                   "flow, di, optionally -<backbone>")
    p.add_argument("--manifest", required=True)
    p.add_argument("--stores", nargs="+", required=True)
    p.add_argument("--test-manifest", help="Table 3: test on this dataset's manifest ...")
    p.add_argument("--test-stores", nargs="*", default=None, help="... and stores")
    p.add_argument("--out", required=True, help="result JSON")
    p.add_argument("--scores", required=True, help="per-video test scores (.npz)")
    p.set_defaults(func=cmd_train_avd_classifier)

    p = sub.add_parser("tavakolian2019-tables", help="AVD paper Tables 1-4 beside our results")
    p.add_argument("--results", nargs="*", default=[])
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--cross", nargs="*", help="train:test dataset pairs of Table 3")
    p.add_argument("--default-backbone", default="tsn_resnet18", help="avd.classifier.backbone")
    p.add_argument("--backbones", nargs="*", help="Table 2 rows (avd.classifier.table2_backbones)")
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=cmd_tables)

    p = sub.add_parser("figure-avd", help="videos beside their dynamic and AVD images")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True, help="frames shards")
    p.add_argument("--rgb", nargs="+", required=True, help="AVD(RGB) image stores")
    p.add_argument("--flow", nargs="+", required=True, help="AVD(OF) image stores")
    p.add_argument("--videos", type=int, default=4)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_figure_avd)
