"""Sub-commands that build paper tables and figures from results/*.json."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction, add_param_args) -> None:
    """Register the report sub-commands (none yet)."""
