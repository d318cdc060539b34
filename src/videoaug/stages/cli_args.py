"""Argument helpers shared by the command modules (``add_commands`` of each family)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from videoaug.config import ConfigError, load_config


def params_from_args(args: argparse.Namespace, builder: Callable[[dict, str], dict]) -> dict:
    """A stage's parameters: ``--params JSON`` (what the rules pass), else
    ``builder(config of --config, --dataset)`` (by hand, without Snakemake)."""
    if args.params:
        try:
            return json.loads(args.params)
        except json.JSONDecodeError as err:
            raise ConfigError(f"--params is not valid JSON: {err}") from None
    if not args.config or not args.dataset:
        raise ConfigError("give either --params JSON or --config FILE [FILE ...] --dataset NAME")
    return builder(load_config(args.config), args.dataset)


def add_param_args(parser: argparse.ArgumentParser) -> None:
    """``--params`` / ``--config`` / ``--dataset`` on a stage's sub-command."""
    parser.add_argument("--params", help="stage parameters as JSON (the Snakefile passes these)")
    parser.add_argument("--config", nargs="+", help="config YAML file(s), later ones override")
    parser.add_argument("--dataset", help="dataset name from the config (with --config)")
