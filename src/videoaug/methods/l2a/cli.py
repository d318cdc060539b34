"""Sub-commands of the Learn2Augment family (Gowda et al. 2022), one section per part:
masks, backgrounds and class matches; the Selector, pair scores and classifiers; the paper's
tables; the semi-supervised and few-shot settings. Heavy modules are imported inside the
commands, so registering them costs nothing."""

from __future__ import annotations

import argparse


# ---- part 1: masks, backgrounds, class matches, the compositing figure
def _l2a_params(args: argparse.Namespace, builder_name: str) -> dict:
    """``--params JSON``, or the named builder of ``videoaug.methods.l2a.params`` over
    ``--config``."""
    from videoaug.methods.l2a import params as params_l2a
    from videoaug.stages.cli_args import params_from_args

    return params_from_args(args, getattr(params_l2a, builder_name))


def cmd_segment(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.prepare import segment_shard

    segment_shard(args.frames, args.manifest, _l2a_params(args, "l2a_segment_params"), args.out)


def cmd_gather_masks(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.prepare import gather_masks_index

    gather_masks_index(args.shards, args.out)


def cmd_inpaint(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.prepare import inpaint_shard

    inpaint_shard(args.frames, args.masks, _l2a_params(args, "l2a_inpaint_params"), args.out)


def cmd_match_classes(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.prepare import match_classes_stage

    match_classes_stage(args.manifest, _l2a_params(args, "l2a_match_params"), args.out)


def cmd_figure_l2a(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.prepare import figure_compositing

    figure_compositing(args.manifest, args.frames, args.masks, args.backgrounds, args.matches,
                       args.out, pairs=args.pairs, frames_shown=args.frames_shown,
                       seed=args.seed, alpha=args.alpha)


def _add_prepare_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
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


# ---- part 2: Selector features, REINFORCE training, pair scores, classifiers
def _selector_params(args: argparse.Namespace):
    from videoaug.methods.l2a import params as params_l2a
    from videoaug.methods.l2a.selector_stage import SelectorParams
    from videoaug.stages.cli_args import params_from_args as _params

    return SelectorParams.from_dict(_params(args, params_l2a.l2a_selector_params))


def cmd_features(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.selector_stage import video_features_stage

    video_features_stage(args.frames, _selector_params(args), args.out)


def cmd_train_selector(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.selector_stage import train_selector_stage

    train_selector_stage(args.manifest, args.frames, args.masks, args.backgrounds,
                         args.features, args.matches, _selector_params(args), args.out)


def cmd_score_pairs(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.selector_stage import score_pairs_stage

    score_pairs_stage(args.manifest, args.features, args.matches, args.selector,
                      _selector_params(args), args.out)


def cmd_figure_selector(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.selector_stage import figure_selector

    figure_selector(args.log_json, args.out)


def _add_selector_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register the L2A part 2 sub-commands."""
    p = sub.add_parser("l2a-features", help="L2A: per-video features for the Selector")
    add_param_args(p)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--out", required=True, help="features.h5")
    p.set_defaults(func=cmd_features)

    p = sub.add_parser("train-selector", help="L2A: train the Selector with REINFORCE")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--masks", nargs="+", required=True)
    p.add_argument("--backgrounds", nargs="+", required=True)
    p.add_argument("--features", required=True)
    p.add_argument("--matches", required=True)
    p.add_argument("--out", required=True, help="selector.pt (selector_log.json beside it)")
    p.set_defaults(func=cmd_train_selector)

    p = sub.add_parser("score-pairs", help="L2A: score the search space with the Selector")
    add_param_args(p)
    p.add_argument("--manifest", required=True)
    p.add_argument("--features", required=True)
    p.add_argument("--matches", required=True)
    p.add_argument("--selector", required=True)
    p.add_argument("--out", required=True, help="pairs.h5")
    p.set_defaults(func=cmd_score_pairs)

    p = sub.add_parser("figure-l2a-selector", help="L2A: the Selector's training curves")
    p.add_argument("--log-json", required=True, help="selector_log.json")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_figure_selector)
    add_train_command(sub)


def cmd_train_l2a(args: argparse.Namespace) -> None:
    import json

    from videoaug.methods.l2a.train_stage import train_l2a

    train_l2a(args.manifest, args.frames, args.masks or [], args.backgrounds or [], args.pairs,
              json.loads(args.params), args.out, scores_out=args.scores)


def add_train_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-l2a", help="L2A: classifier on real clips + top composites")
    p.add_argument("--params", required=True, help="stages.params.l2a_train_params as JSON")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--masks", nargs="*")
    p.add_argument("--backgrounds", nargs="*")
    p.add_argument("--pairs", help="pairs.h5 (method l2a)")
    p.add_argument("--out", required=True)
    p.add_argument("--scores", help="per-video test softmax (.npz; paired comparisons, splits)")
    p.set_defaults(func=cmd_train_l2a)


# ---- ablations and paper tables (Tables 1, 2, 5)
def cmd_gowda2022_table(args: argparse.Namespace) -> None:
    import json

    from videoaug.config import ConfigError
    from videoaug.methods.l2a.gowda2022 import write_table

    try:
        params = json.loads(args.params)
        params["datasets"], params["seeds"]  # noqa: B018 - checked here for a clear message
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ConfigError(f"--params must be JSON with datasets and seeds "
                          f"(videoaug.methods.l2a.gowda2022.table_params): {err}") from None
    params["table"] = args.table
    write_table(args.table, params, args.out, args.results_dir)


def _add_tables_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register the L2A ablation/table sub-commands."""
    p = sub.add_parser("gowda2022-table",
                       help="L2A: one of Gowda et al. 2022 Tables 1-5, paper beside ours")
    p.add_argument("--table", type=int, choices=(1, 2, 3, 4, 5), required=True)
    p.add_argument("--params", required=True,
                   help="JSON: datasets, seeds (+ fractions / shots) "
                        "(videoaug.methods.l2a.gowda2022.table_params)")
    p.add_argument("--results-dir", default="results")
    p.add_argument("--out", required=True, help="Markdown output")
    p.set_defaults(func=cmd_gowda2022_table)


# ---- semi-supervised setting (Table 3)
def _semi_params(args: argparse.Namespace, method: str) -> dict:
    from videoaug.methods.l2a import params as params_l2a
    from videoaug.stages.cli_args import params_from_args

    return params_from_args(args, lambda config, ds: params_l2a.l2a_semi_params(
        config, ds, method, args.fraction, args.seed))


def cmd_semi_teacher(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.semi_stage import TEACHER, teacher_stage

    teacher_stage(args.manifest, args.frames, _semi_params(args, TEACHER), args.out,
                  args.pseudo_out)


def cmd_semi_selector(args: argparse.Namespace) -> None:
    import json

    from videoaug.methods.l2a import params as params_l2a
    from videoaug.methods.l2a.selector_stage import SelectorParams
    from videoaug.methods.l2a.semi_stage import semi_selector_stage
    from videoaug.stages.cli_args import params_from_args

    params = _semi_params(args, "l2a")
    if args.selector_params:
        selector = json.loads(args.selector_params)
    else:
        selector = params_from_args(args, lambda config, ds: params_l2a
                                    .l2a_semi_selector_params(config, ds, args.seed))
    semi_selector_stage(args.manifest, args.frames, args.masks, args.backgrounds, args.features,
                        args.matches, args.pseudo, params, SelectorParams.from_dict(selector),
                        args.out, args.pairs_out)


def cmd_train_semi(args: argparse.Namespace) -> None:
    from videoaug.methods.l2a.semi_stage import train_semi

    train_semi(args.manifest, args.frames, args.masks or [], args.backgrounds or [], args.pairs,
               args.pseudo, _semi_params(args, args.method), args.out)


def _common(p: argparse.ArgumentParser, add_param_args) -> None:
    add_param_args(p)
    p.add_argument("--fraction", type=int, help="with --config: label fraction p (%%)")
    p.add_argument("--seed", type=int, help="with --config: classifier seed (default: config's)")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)


def _add_semi_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
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


# ---- few-shot setting (Table 4)
def cmd_train_fewshot(args: argparse.Namespace) -> None:
    import json

    from videoaug.methods.l2a.fewshot_stage import train_fewshot

    train_fewshot(args.manifest, args.frames, args.masks or [], args.backgrounds or [],
                  args.matches, json.loads(args.params), args.out)


def _add_fewshot_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register ``train-fewshot``."""
    p = sub.add_parser("train-fewshot",
                       help="L2A few-shot: backbone on seen + n-shot novel classes, episodes")
    p.add_argument("--params", required=True, help="stages.params.l2a_fewshot_params as JSON")
    p.add_argument("--manifest", required=True)
    p.add_argument("--frames", nargs="+", required=True)
    p.add_argument("--masks", nargs="*", help="masks shards (method pn_l2a)")
    p.add_argument("--backgrounds", nargs="*", help="backgrounds shards (method pn_l2a)")
    p.add_argument("--matches", help="matches.json (l2a.fewshot.backgrounds = matched)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_train_fewshot)


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register every L2A sub-command."""
    _add_prepare_commands(sub, add_param_args)
    _add_selector_commands(sub, add_param_args)
    _add_tables_commands(sub, add_param_args)
    _add_semi_commands(sub, add_param_args)
    _add_fewshot_commands(sub, add_param_args)
