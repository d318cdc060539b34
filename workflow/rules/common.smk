# Helpers shared by all rule files: paths, per-dataset values and resources from the validated config.
import shlex

from videoaug.config import canonical_json, dataset_config
from videoaug.stages import params as stage_params

CACHE = config["cache_dir"]
# The CLI runs with the interpreter that runs Snakemake (the project venv); with --sdm conda the
# rule's environment provides `python`.
try:
    _USES_CONDA = "conda" in str(workflow.deployment_settings.deployment_method).lower()
except AttributeError:
    _USES_CONDA = False
VIDEOAUG = "python -m videoaug.cli" if _USES_CONDA else f"{shlex.quote(sys.executable)} -m videoaug.cli"


wildcard_constraints:
    ds=r"[A-Za-z0-9_]+",
    shard=r"\d+",


def ds_cfg(ds):
    return dataset_config(config, ds)


def shard_ids(ds):
    return range(stage_params.num_shards(config, ds))


def res(rule_name, key):
    """Resource `key` of a rule from config.resources, falling back to resources.default."""
    table = config["resources"]
    value = table.get(rule_name, {}).get(key)
    if value is None:
        value = table.get("default", {}).get(key)
    defaults = {"threads": 1, "mem_mb": 2000, "runtime": 30, "gpu": 0}
    return defaults[key] if value is None else value


def as_json(value):
    return canonical_json(value)


def synthetic_dataset_at(root):
    """Name of the synthetic dataset whose root is `root` (synth_generate writes there)."""
    for name, entry in config["datasets"].items():
        if entry["kind"] == "synthetic" and entry["root"] == root:
            return name
    raise WorkflowError(f"no synthetic dataset in the config has root {root!r}")
