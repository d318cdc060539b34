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


# libyaml's safe loader where PyYAML has it: the schema is parsed on every Snakemake start
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader


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


_SCALAR_TYPES = {"integer": int, "number": (int, float), "boolean": bool, "null": type(None)}


def _accepts(schema: dict, value: Any) -> bool:
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    for name in types:
        wanted = _SCALAR_TYPES.get(name)
        if wanted is None:
            continue
        if name in ("integer", "number") and isinstance(value, bool):
            continue
        if isinstance(value, wanted):
            return True
    return False


def _readings(text: str) -> list[Any]:
    """What a command-line string may mean: YAML's reading, then int and float (YAML 1.1 reads
    ``1e-3`` as a string)."""
    found = []
    try:
        found.append(yaml.safe_load(text))
    except yaml.YAMLError:
        pass
    for number in (int, float):
        try:
            found.append(number(text))
        except ValueError:
            pass
    return [value for value in found if not isinstance(value, str)]


def coerce_strings(data: Any, schema: dict, root: dict | None = None) -> Any:
    """Turn strings into the integer, number, boolean or null the schema asks for, where the
    string reads as one (YAML rules: ``"5"`` -> 5, ``"1e-3"`` -> 0.001, ``"null"`` -> None).

    Snakemake's ``--config 'train={"epochs": 5}'`` hands nested values over as strings; without
    this they would fail validation. A string that does not read as the wanted type is left for
    the validator to reject (``"1.5"`` for an integer stays wrong).
    """
    root = root if root is not None else schema
    schema = _resolve_ref(schema, root)
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if isinstance(data, str):
        if "string" in types or not any(name in _SCALAR_TYPES for name in types):
            return data
        for value in _readings(data):
            if _accepts(schema, value):
                return value
        return data
    if isinstance(data, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key in list(data):
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                data[key] = coerce_strings(data[key], sub, root)
    elif isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [coerce_strings(item, schema["items"], root) for item in data]
    return data


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def _message(error: jsonschema.ValidationError) -> str:
    """jsonschema's message, except for patterns: the schema's description says what is allowed
    better than a long regular expression does."""
    if error.validator == "pattern" and error.schema.get("description"):
        allowed = " ".join(error.schema["description"].split())
        return f"{error.instance!r} does not match the allowed form: {allowed}"
    return error.message


def validate_config(config: Mapping, source: str = "config") -> dict:
    """Fill defaults and validate ``config``; return the filled copy or raise ConfigError."""
    schema = load_schema()
    data = fill_defaults(coerce_strings(copy.deepcopy(dict(config)), schema), schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"  {_key_path(e)}: {_message(e)}" for e in errors]
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


REPORT_FAMILIES = ("sps", "tda", "l2a", "avd")


def report_datasets(config: Mapping, family: str) -> list[str]:
    """The datasets of a family's paper tables: ``report.datasets_by_family.<family>`` when set,
    else ``report.datasets``. The papers differ (Zhang et al. report the 4-class subsets, the
    others the full UCF101/HMDB51), so the paper preset sets one list per family."""
    if family not in REPORT_FAMILIES:
        raise ValueError(f"unknown report family {family!r}; valid: {', '.join(REPORT_FAMILIES)}")
    report = config["report"]
    chosen = (report.get("datasets_by_family") or {}).get(family)
    return list(report["datasets"] if chosen is None else chosen)
