"""Configuration: load YAML files, fill defaults from the JSON schema, validate, and explain errors.

The Snakefile and every CLI stage go through :func:`validate_config`, so a bad value stops the run
with a message naming the key (``datasets.ucf4.split: 7 is greater than the maximum of 3``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_PATH = Path(__file__).parent / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key and the allowed values."""


def load_schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def deep_merge(base: Mapping, override: Mapping) -> dict:
    """Return ``base`` updated recursively by ``override`` (mappings merge, others replace)."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _resolve_ref(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref")
    if not ref:
        return schema
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def fill_defaults(data: Any, schema: dict, root: dict | None = None) -> Any:
    """Fill ``default`` values of object properties, recursively (additionalProperties too)."""
    root = root if root is not None else schema
    schema = _resolve_ref(schema, root)
    if not isinstance(data, dict) or schema.get("type") not in ("object", None):
        return data
    props = schema.get("properties", {})
    for key, sub in props.items():
        sub = _resolve_ref(sub, root)
        if key not in data and "default" in sub:
            data[key] = copy.deepcopy(sub["default"])
        if key in data:
            data[key] = fill_defaults(data[key], sub, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key in data:
            if key not in props:
                data[key] = fill_defaults(data[key], extra, root)
    return data


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def validate_config(config: Mapping, source: str = "config") -> dict:
    """Fill defaults and validate ``config``; return the filled copy or raise ConfigError."""
    schema = load_schema()
    data = fill_defaults(copy.deepcopy(dict(config)), schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"  {_key_path(e)}: {e.message}" for e in errors]
        raise ConfigError(
            f"invalid configuration in {source}:\n"
            + "\n".join(lines)
            + "\nFix these keys (see workflow/schemas/config.schema.yaml for types and ranges)."
        )
    return data


def load_config(paths: Iterable[str | Path], overrides: Mapping | None = None) -> dict:
    """Load and merge YAML files in order (later wins), apply ``overrides``, validate."""
    merged: dict = {}
    names = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"config file {path} does not exist")
        with open(path, encoding="utf-8") as fh:
            loaded = yaml.safe_load(fh) or {}
        if not isinstance(loaded, Mapping):
            raise ConfigError(f"{path}: the top level must be a mapping of keys to values")
        merged = deep_merge(merged, loaded)
        names.append(str(path))
    if overrides:
        merged = deep_merge(merged, overrides)
    return validate_config(merged, source=", ".join(names) or "config")


def dataset_config(config: Mapping, name: str) -> dict:
    """The dataset entry ``name`` with the top-level ``on_bad_video``/``shards`` as fallbacks."""
    datasets = config.get("datasets", {})
    if name not in datasets:
        known = ", ".join(sorted(datasets)) or "none"
        raise ConfigError(
            f"dataset {name!r} is not defined under datasets: in the config (known: {known}); "
            f"add datasets.{name} with kind and root (see README, 'Datasets')"
        )
    entry = dict(datasets[name])
    entry.setdefault("on_bad_video", config.get("on_bad_video", "fail"))
    entry.setdefault("shards", config.get("shards", 2))
    return entry


def canonical_json(value: Any) -> str:
    """Stable JSON (sorted keys, no spaces) used for params attributes and hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
