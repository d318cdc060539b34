"""envs/*.yaml (for users' conda deployments) pin exactly what pyproject.toml pins."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)$")


def _pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    specs = list(data["project"]["dependencies"])
    for group in data["project"]["optional-dependencies"].values():
        specs.extend(group)
    pins = {}
    for spec in specs:
        match = PIN.match(spec)
        assert match, f"pyproject.toml: {spec!r} is not pinned exactly (use name==version)"
        pins[match.group(1).lower()] = match.group(2)
    return pins


def _env_pip_specs(path: Path) -> list[str]:
    env = yaml.safe_load(path.read_text())
    specs = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            specs.extend(dep["pip"])
    return specs


ENV_FILES = sorted((ROOT / "envs").glob("*.yaml"))


def test_there_are_env_files():
    assert {p.name for p in ENV_FILES} >= {"core.yaml", "text.yaml"}


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_env_pins_equal_pyproject(path):
    pins = _pyproject_pins()
    specs = _env_pip_specs(path)
    assert specs, f"{path.name} has no pip section"
    for spec in specs:
        match = PIN.match(spec)
        assert match, f"{path.name}: {spec!r} is not pinned exactly"
        name, version = match.group(1).lower(), match.group(2)
        assert name in pins, f"{path.name}: {name} is not in pyproject.toml"
        assert pins[name] == version, (
            f"{path.name}: {name}=={version}, pyproject.toml has {pins[name]}"
        )


def test_core_env_covers_every_runtime_dependency():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    core = {PIN.match(s).group(1).lower() for s in _env_pip_specs(ROOT / "envs" / "core.yaml")}
    runtime = {PIN.match(s).group(1).lower() for s in data["project"]["dependencies"]}
    assert runtime <= core, f"envs/core.yaml misses {sorted(runtime - core)}"
