"""``videoaug``: one entry point, a sub-command per pipeline stage.

Each stage takes its parameters either as ``--params JSON`` (what the Snakefile passes, so the
rule's ``params`` are exactly what shaped the output) or from ``--config FILE ... --dataset NAME``
(by hand, without Snakemake). Errors print one clear message and exit with status 1.
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from videoaug.config import ConfigError, load_config
from videoaug.stages import params as stage_params

log = logging.getLogger("videoaug")


def _params(args: argparse.Namespace, builder: Callable[[dict, str], dict]) -> dict:
    if args.params:
        try:
            return json.loads(args.params)
        except json.JSONDecodeError as err:
            raise ConfigError(f"--params is not valid JSON: {err}") from None
    if not args.config or not args.dataset:
        raise ConfigError("give either --params JSON or --config FILE [FILE ...] --dataset NAME")
    return builder(load_config(args.config), args.dataset)


def _add_param_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", help="stage parameters as JSON (the Snakefile passes these)")
    parser.add_argument("--config", nargs="+", help="config YAML file(s), later ones override")
    parser.add_argument("--dataset", help="dataset name from the config (with --config)")


# ----------------------------------------------------------------------------- sub-commands
def cmd_synth(args: argparse.Namespace) -> None:
    from videoaug.data.synthetic import SynthParams, generate_synth4

    params = _params(args, stage_params.synth_params)
    generate_synth4(Path(args.root), SynthParams(**params))


def cmd_manifest(args: argparse.Namespace) -> None:
    from videoaug.stages.manifest import build_manifest

    params = _params(args, stage_params.manifest_params)
    build_manifest(params["dataset"], params["dataset_config"], int(params["seed"]), args.out)


def cmd_decode(args: argparse.Namespace) -> None:
    from videoaug.stages.decode import DecodeParams, decode_shard

    params = DecodeParams(**_params(args, stage_params.decode_params))
    decode_shard(args.manifest, args.shard, args.shards, params, args.out)


def cmd_gather_frames(args: argparse.Namespace) -> None:
    from videoaug.stages.decode import gather_frames_index

    gather_frames_index(args.shards, args.out)


def cmd_dynamic(args: argparse.Namespace) -> None:
    from videoaug.stages.dynamic_images import DynamicParams, dynamic_images_shard

    params = DynamicParams(**_params(args, stage_params.dynamic_params))
    dynamic_images_shard(args.frames, args.manifest, params, args.out)


def cmd_gather_ssdi(args: argparse.Namespace) -> None:
    from videoaug.stages.dynamic_images import gather_ssdi_index

    gather_ssdi_index(args.shards, args.out)


def cmd_figure_dynamic(args: argparse.Namespace) -> None:
    from videoaug.stages.figures import frames_dynamic_grid

    frames_dynamic_grid(args.manifest, args.frames, args.ssdi, args.out, args.frames_per_video)


def cmd_train_wgan(args: argparse.Namespace) -> None:
    from videoaug.stages.gan_stages import GanParams, train_class_wgan

    params = GanParams(**_params(args, stage_params.gan_params))
    train_class_wgan(args.manifest, args.ssdi, args.cls, params, args.out)


def cmd_generate_pool(args: argparse.Namespace) -> None:
    from videoaug.stages.gan_stages import GanParams, generate_class_pool

    params = GanParams(**_params(args, stage_params.gan_params))
    generate_class_pool(args.checkpoint, args.manifest, args.ssdi_index, args.cls, params,
                        args.compression, args.out)


def cmd_figure_gan(args: argparse.Namespace) -> None:
    from videoaug.stages.gan_stages import figure_gan

    figure_gan(args.manifest, args.ssdi, args.pools, args.out, quality_path=args.quality)


def _classifier_params(args: argparse.Namespace):
    from videoaug.stages.sps import ClassifierParams

    if args.params:
        values = _params(args, stage_params.classifier_params)
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


# Modules that add their own sub-commands: each has ``add_commands(subparsers, add_param_args)``
# and imports nothing heavy at module level (every command starts fast).
COMMAND_GROUPS = (
    "videoaug.stages.tda_cli",
    "videoaug.report.cli",
    "videoaug.stages.l2a_cli",
    "videoaug.stages.l2a_selector_cli",
    "videoaug.stages.avd_cli",
    "videoaug.stages.gan_quality_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="videoaug", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--log",
        help="the job's log file: every message, progress bar and traceback goes there; the "
        "terminal (Snakemake's output) shows only warnings and errors",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="torch intra-op threads; the rules pass resources.<rule>.threads from the config, "
        "not the cores Snakemake grants, so results do not depend on --cores",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="generate the embedded synthetic dataset (synth4)")
    _add_param_args(p)
    p.add_argument("--root", required=True, help="output folder (UCF-like layout)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("manifest", help="list a dataset's videos, labels and splits")
    _add_param_args(p)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_manifest)

    p = sub.add_parser("decode", help="decode one shard of videos into a frames store")
    _add_param_args(p)
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
    _add_param_args(p)
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

    p = sub.add_parser("train-wgan", help="train (or resume) the WGAN of one class")
    _add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True, help="SSDI shards")
    p.add_argument("--cls", required=True, help="class name")
    p.add_argument("--out", required=True, help="checkpoint (.pt)")
    p.set_defaults(func=cmd_train_wgan)

    p = sub.add_parser("generate-pool", help="generated dynamic images of one class")
    _add_param_args(p)
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
        _add_param_args(p)
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

    for module_name in COMMAND_GROUPS:
        importlib.import_module(module_name).add_commands(sub, _add_param_args)
    return parser


def main(argv: list[str] | None = None) -> int:
    from videoaug.provenance import setup_job_logging, setup_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.log:
        setup_job_logging(args.log, args.command)
        faulthandler.enable()  # a crash in native code (HDF5, codecs) leaves a trace in the log
    else:
        setup_logging()
    if args.threads:
        from videoaug.train.device import set_compute_threads

        set_compute_threads(args.threads)
    try:
        args.func(args)
    except KeyboardInterrupt:
        log.error("interrupted; no partial output was kept")
        return 130
    except Exception as err:  # one clear message; the traceback goes to the log at debug level
        from videoaug.data.records import DatasetError
        from videoaug.io.store import DiskFullError, StoreError, is_disk_full
        from videoaug.io.video import VideoDecodeError

        expected = (
            ConfigError,
            DatasetError,
            VideoDecodeError,
            StoreError,
            FileNotFoundError,
            ValueError,
        )
        if isinstance(err, DiskFullError) or is_disk_full(err):
            log.error("%s", err if isinstance(err, DiskFullError) else _disk_full_text(err))
            log.debug("traceback", exc_info=True)
            # HDF5 cannot close a file after a failed write (it segfaults in its own cleanup):
            # leave without running it. The writer has already removed its .tmp file.
            logging.shutdown()
            os._exit(1)
        if isinstance(err, expected):
            log.error("%s", err)
            log.debug("traceback", exc_info=True)
            return 1
        log.error(
            "videoaug %s failed: %s: %s (traceback in %s)",
            args.command,
            type(err).__name__,
            err,
            args.log or "the output above",
        )
        log.debug("traceback", exc_info=True)
        if args.log:
            return 1
        raise
    return 0


def _disk_full_text(err: BaseException) -> str:
    where = getattr(err, "filename", None) or "the cache"
    return f"no space left on device while writing {where} ({err}); free space or set cache_dir"


if __name__ == "__main__":
    sys.exit(main())
