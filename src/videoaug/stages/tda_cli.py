"""Sub-commands of the temporal-augmentation experiments (filled in by the TDA stage)."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register the TDA sub-commands (none yet)."""
