"""One shape for every family's commands: cli.py only dispatches to the COMMAND_GROUPS modules."""

import ast
import importlib
from pathlib import Path

from videoaug import cli

# The sub-commands from before the move into per-family modules: names unchanged.
COMMANDS = {
    "synth", "manifest", "decode", "gather-frames", "dynamic", "gather-ssdi", "figure-dynamic",
    "train-wgan", "generate-pool", "figure-gan", "train-temporal", "train-spatial", "fuse",
    "train-tda", "tda-gallery", "kim2020-tables", "report-zhang2020", "leaderboard",
}  # fmt: skip


def _subparsers():
    parser = cli.build_parser()
    return next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices


def test_command_names_are_unchanged():
    assert set(_subparsers()) >= COMMANDS


def test_every_command_comes_from_a_registered_module():
    for name, sub in _subparsers().items():
        module = sub.get_default("func").__module__
        assert module in cli.COMMAND_GROUPS, f"{name} is defined in {module}"


def test_cli_defines_no_commands_itself():
    tree = ast.parse(Path(cli.__file__).read_text())
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    assert "add_parser" not in calls
    assert not [
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("cmd_")
    ]
    for module in cli.COMMAND_GROUPS:
        assert callable(importlib.import_module(module).add_commands), module


def test_a_moved_command_still_reports_bad_params(capsys):
    assert cli.main(["manifest", "--params", "{bad", "--out", "x.json"]) == 1
    assert "--params is not valid JSON" in capsys.readouterr().err
