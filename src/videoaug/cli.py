"""``videoaug``: one entry point, a sub-command per pipeline stage.

Each stage takes its parameters either as ``--params JSON`` (what the Snakefile passes, so the
rule's ``params`` are exactly what shaped the output) or from ``--config FILE ... --dataset NAME``
(by hand, without Snakemake). Errors print one clear message and exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="videoaug", description=__doc__.splitlines()[0])
    parser.add_argument("--log", help="also append log lines to this file")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    from videoaug.provenance import setup_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.log)
    try:
        args.func(args)
    except KeyboardInterrupt:
        log.error("interrupted; no partial output was kept")
        return 130
    except Exception as err:  # one clear message; the traceback goes to the log at debug level
        from videoaug.data.records import DatasetError
        from videoaug.io.store import StoreError
        from videoaug.io.video import VideoDecodeError

        expected = (
            ConfigError,
            DatasetError,
            VideoDecodeError,
            StoreError,
            FileNotFoundError,
            ValueError,
        )
        if isinstance(err, expected):
            log.error("%s", err)
            log.debug("traceback", exc_info=True)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
