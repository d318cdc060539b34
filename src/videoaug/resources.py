"""Per-rule job resources (threads, mem_mb, runtime in minutes, gpu) from the validated config.

The Snakefile's rules take their ``threads:`` and ``resources:`` from here; the execution
profiles only map them to the machine or the scheduler. ``mem_mb`` and ``runtime`` are returned
as Snakemake resource callables that grow with the job's ``attempt``, so a job killed for memory
(``OUT_OF_MEMORY``) or time (``TIMEOUT``) asks for more when the profile's ``retries`` resubmit it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

RESOURCE_DEFAULTS: dict[str, int] = {"threads": 1, "mem_mb": 2000, "runtime": 30, "gpu": 0}
"""Used when neither ``resources.<rule>`` nor ``resources.default`` gives the key."""

RETRY_SCALED_KEYS = frozenset({"mem_mb", "runtime"})


def retry_scaled(value: int, growth: float) -> Callable[..., int]:
    """A Snakemake resource callable: ``value`` on attempt 1, ``ceil(value * growth**(a - 1))``
    on attempt ``a``."""

    def on_attempt(wildcards: object, attempt: int) -> int:
        del wildcards
        return int(math.ceil(value * growth ** (attempt - 1)))

    return on_attempt


def rule_resource(config: Mapping[str, Any], rule_name: str, key: str) -> int | Callable[..., int]:
    """Resource ``key`` of ``rule_name``: ``resources.<rule>``, else ``resources.default``, else
    :data:`RESOURCE_DEFAULTS`; ``mem_mb``/``runtime`` scaled per attempt by ``retry_growth``."""
    if key not in RESOURCE_DEFAULTS:
        raise KeyError(f"unknown resource {key!r}; valid: {', '.join(RESOURCE_DEFAULTS)}")
    table = config.get("resources", {})
    value = table.get(rule_name, {}).get(key)
    if value is None:
        value = table.get("default", {}).get(key, RESOURCE_DEFAULTS[key])
    if key in RETRY_SCALED_KEYS:
        return retry_scaled(value, float(config.get("retry_growth", 1.0)))
    return value
