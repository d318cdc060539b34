"""Sub-commands of the SPS family (Zhang et al. 2020): per-class WGANs, generated pools and their
figure, the pools' quality (``gan-quality-net``, ``gan-quality``), the TSN temporal and spatial
streams, late fusion, and the paper's tables and figures (``report-zhang2020``). Heavy modules
are imported inside the commands, so registering them costs nothing."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from videoaug.config import ConfigError, load_config
from videoaug.methods.sps import params as params_sps
from videoaug.stages.cli_args import params_from_args


def cmd_train_wgan(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.gan_stages import GanParams, train_class_wgan

    params = GanParams(**params_from_args(args, params_sps.gan_params))
    train_class_wgan(args.manifest, args.ssdi, args.cls, params, args.out)


def cmd_train_cgan(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.gan_stages import GanParams, train_conditional_wgan

    params = GanParams(**params_from_args(args, params_sps.gan_params))
    train_conditional_wgan(args.manifest, args.ssdi, params, args.out)


def cmd_generate_pool(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.gan_stages import GanParams, generate_class_pool

    params = GanParams(**params_from_args(args, params_sps.gan_params))
    generate_class_pool(args.checkpoint, args.manifest, args.ssdi_index, args.cls, params,
                        args.compression, args.out)


def cmd_figure_gan(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.gan_stages import figure_gan

    figure_gan(args.manifest, args.ssdi, args.pools, args.out, quality_path=args.quality)


def _classifier_params(args: argparse.Namespace):
    from videoaug.methods.sps.stage import ClassifierParams

    if args.params:
        values = params_from_args(args, params_sps.classifier_params)
    else:
        if not args.config or not args.dataset or not args.method:
            raise ConfigError("give --params JSON, or --config FILE --dataset NAME --method M")
        values = params_sps.classifier_params(load_config(args.config), args.dataset, args.method)
    values["input_size"] = tuple(values["input_size"])
    return ClassifierParams(**values)


def cmd_train_temporal(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.stage import train_temporal

    train_temporal(args.manifest, args.ssdi, args.pools or [], _classifier_params(args), args.out,
                   args.scores, gan_quality=args.gan_quality)


def cmd_train_spatial(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.stage import train_spatial

    train_spatial(args.manifest, args.frames, _classifier_params(args), args.out, args.scores)


def cmd_fuse(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.stage import fuse

    fuse(args.results, args.scores, args.weights, args.method, args.out, args.scores_out)


def _quality_params(args: argparse.Namespace):
    from videoaug.config import ConfigError, load_config
    from videoaug.methods.sps.params import gan_quality_params
    from videoaug.methods.sps.quality_stage import QualityParams

    if args.params:
        try:
            return QualityParams(**json.loads(args.params))
        except json.JSONDecodeError as err:
            raise ConfigError(f"--params is not valid JSON: {err}") from None
    if not args.config or not args.dataset:
        raise ConfigError("give either --params JSON or --config FILE [FILE ...] --dataset NAME")
    return QualityParams(**gan_quality_params(load_config(args.config), args.dataset))


def cmd_gan_quality_net(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.quality_stage import train_quality_net

    train_quality_net(args.manifest, args.ssdi, _quality_params(args), args.out)


def cmd_gan_quality(args: argparse.Namespace) -> None:
    from videoaug.methods.sps.quality_stage import MeasureParams, measure_quality

    values = params_from_args(args, params_sps.gan_measure_params) if (
        args.params or args.config) else {}
    measure_quality(args.net, args.manifest, args.ssdi, args.pools, args.out,
                    MeasureParams(**values))


def _write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def parse_limited_classes(text: str) -> dict[str, list[str]]:
    """``--limited-classes``: a JSON object dataset -> list of class names."""
    from videoaug.config import ConfigError

    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"--limited-classes is not valid JSON: {err}") from None
    if not isinstance(value, dict) or not all(
        isinstance(classes, list) and all(isinstance(c, str) for c in classes)
        for classes in value.values()
    ):
        raise ConfigError(
            "--limited-classes must be a JSON object dataset -> list of class names, e.g. "
            '\'{"ucf101imb": ["GolfSwing", "Shotput", "Skiing", "YoYo"]}\''
        )
    return value


def cmd_zhang2020(args: argparse.Namespace) -> None:
    from videoaug.config import ConfigError
    from videoaug.methods.sps.zhang2020 import fig4_table, fig5_plot, table2_table, table3_table

    per_dataset = {"--fig4": args.fig4, "--table2": args.table2, "--fig5": args.fig5}
    wanted = [flag for flag, out in per_dataset.items() if out]
    if wanted and not args.datasets:
        raise ConfigError(f"{', '.join(wanted)} need --datasets")
    if args.table3 and args.limited_classes is None:
        raise ConfigError("--table3 needs --limited-classes JSON (dataset -> class names)")
    if not wanted and not args.table3:
        raise ConfigError("nothing to build: give --fig4, --table2, --table3 and/or --fig5")
    if args.fig4:
        _write_text(args.fig4, fig4_table(args.results_dir, args.datasets, args.seeds))
    if args.table2:
        _write_text(args.table2, table2_table(args.results_dir, args.datasets))
    if args.table3:
        limited = parse_limited_classes(args.limited_classes)
        _write_text(args.table3, table3_table(args.results_dir, limited))
    if args.fig5:
        fig5_plot(args.results_dir, args.datasets, args.fig5, args.seeds)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    p = sub.add_parser("train-wgan", help="train (or resume) the WGAN of one class")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True, help="SSDI shards")
    p.add_argument("--cls", required=True, help="class name")
    p.add_argument("--out", required=True, help="checkpoint (.pt)")
    p.set_defaults(func=cmd_train_wgan)

    p = sub.add_parser("train-cgan", help="train (or resume) one class-conditional WGAN for all "
                       "classes (gan.conditional)")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True, help="SSDI shards")
    p.add_argument("--out", required=True, help="checkpoint (.pt)")
    p.set_defaults(func=cmd_train_cgan)

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
    p.add_argument("--scores-out", help="the fused per-video scores (.npz; paired comparisons)")
    p.set_defaults(func=cmd_fuse)

    p = sub.add_parser("gan-quality-net", help="train the evaluator of generated pools")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True, help="SSDI shards")
    p.add_argument("--out", required=True, help="evaluator checkpoint (.pt)")
    p.set_defaults(func=cmd_gan_quality_net)

    p = sub.add_parser("gan-quality", help="quality of every class's generated pool")
    add_param_args(p)
    p.add_argument("--net", required=True, help="evaluator checkpoint (gan-quality-net)")
    p.add_argument("--manifest", required=True)
    p.add_argument("--ssdi", nargs="+", required=True, help="SSDI shards")
    p.add_argument("--pools", nargs="+", required=True, help="one generated pool per class")
    p.add_argument("--out", required=True, help="quality JSON")
    p.set_defaults(func=cmd_gan_quality)

    p = sub.add_parser("report-zhang2020", help="Zhang et al. 2020 tables/figures from results")
    p.add_argument("--results-dir", default="results")
    p.add_argument(
        "--datasets", nargs="*", default=[], help="datasets of --fig4, --table2 and --fig5"
    )
    p.add_argument("--seeds", nargs="*", type=int, default=[])
    p.add_argument("--fig4", help="Markdown output of Figure 4's comparison")
    p.add_argument("--table2", help="Markdown output of Table 2 (CCS/HF/GAN)")
    p.add_argument("--table3", help="Markdown output of Table 3 (sample imbalance)")
    p.add_argument(
        "--limited-classes",
        help="with --table3: JSON object imbalanced dataset -> its limited classes "
        "(datasets.<ds>.train_limit_classes)",
    )
    p.add_argument("--fig5", help="PNG output of the accuracy-vs-generated-images plot")
    p.set_defaults(func=cmd_zhang2020)
