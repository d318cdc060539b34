# Helpers shared by all rule files (paths, per-dataset values, resources from the validated config).
import re
import shlex
from pathlib import Path

from snakemake.logging import logger

from videoaug.config import canonical_json, dataset_config
from videoaug.data.preflight import preflight
from videoaug.data.records import DatasetError
from videoaug.data.registry import dataset_class_names
from videoaug.resources import rule_resource
from videoaug.stages import params as stage_params
from videoaug.methods.avd import params as params_avd
from videoaug.methods.l2a import params as params_l2a
from videoaug.methods.sps import params as params_sps
from videoaug.methods.tda import params as params_tda

CACHE = config["cache_dir"]
ENV_CORE = "../../envs/core.yaml"


def uses_conda():
    try:
        return "conda" in str(workflow.deployment_settings.deployment_method).lower()
    except AttributeError:
        return False


def job_shell_prefix(src):
    """Shell prefix of every job: strict mode, this checkout on PYTHONPATH, and (without conda) the
    directory of the interpreter running Snakemake first on PATH, so `python` is the venv's.
    Braces are doubled: Snakemake formats the prefix like a shell command."""
    pythonpath = "export PYTHONPATH=%s${{PYTHONPATH:+:$PYTHONPATH}};" % shlex.quote(src)
    parts = ["set -euo pipefail;", pythonpath]
    if not uses_conda():
        bindir = shlex.quote(str(Path(sys.executable).parent))
        parts.append(f"export PATH={bindir}:$PATH;")
    return " ".join(parts) + " "


_PREFLIGHT = {}


def checked_dataset(ds):
    """Check dataset `ds` once (videoaug.data.preflight) while the DAG is built. A problem stops
    Snakemake with one line naming the dataset and the fix (no traceback, before any job, in a
    dry run too); notices (empty or symlinked class folders) are printed once."""
    if ds not in _PREFLIGHT:
        try:
            found = preflight(ds, ds_cfg(ds), int(config["seed"]))
        except DatasetError as err:
            logger.error(f"videoaug: {err}")
            raise SystemExit(1)
        for line in found.notices:
            logger.warning(f"videoaug: {line}")
        _PREFLIGHT[ds] = found
    return _PREFLIGHT[ds]


def synth_marker(wildcards):
    checked_dataset(wildcards.ds)
    cfg = ds_cfg(wildcards.ds)
    return [f"{cfg['root']}/synth4.json"] if cfg["kind"] == "synthetic" else []


def ds_cfg(ds):
    return dataset_config(config, ds)


def shard_ids(ds):
    return range(stage_params.num_shards(config, ds))


def res(rule_name, key):
    """Resource `key` of a rule from config.resources (videoaug.resources.rule_resource)."""
    return rule_resource(config, rule_name, key)


def config_threads(rule_name):
    """torch's thread count for a job of `rule_name`, as text for the shell command: always
    resources.<rule>.threads from the config. Snakemake's {threads} shrinks to fit --cores (or a
    node's cpus), and CPU reductions split by thread, so using it would make metrics depend on
    the machine and the command line; the rule's `threads:` still tells the scheduler."""
    return str(res(rule_name, "threads"))


def as_json(value):
    return canonical_json(value)


def synthetic_dataset_at(root):
    """Name of the synthetic dataset whose root is `root` (synth_generate writes there)."""
    for name, entry in config["datasets"].items():
        if entry["kind"] == "synthetic" and entry["root"] == root:
            return name
    raise WorkflowError(f"no synthetic dataset in the config has root {root!r}")


def ssdi_shards(ds):
    return expand(f"{CACHE}/{ds}/ssdi/{{shard}}.h5", shard=shard_ids(ds))


def frames_shards(ds):
    return expand(f"{CACHE}/{ds}/frames/{{shard}}.h5", shard=shard_ids(ds))


def class_names(ds):
    """Class names known before the manifest exists: needed to name the per-class GAN jobs."""
    checked_dataset(ds)
    return dataset_class_names(ds, ds_cfg(ds), int(config["seed"]))


def pool_paths(ds):
    return [f"{CACHE}/{ds}/gan/{cls}_pool.h5" for cls in class_names(ds)]


def temporal_inputs(wildcards):
    """SSDI shards, and the generated pools unless the method adds no generated image."""
    base = params_sps.split_temporal_method(wildcards.method)[0]
    inputs = {"manifest": f"{CACHE}/{wildcards.ds}/manifest.json", "ssdi": ssdi_shards(wildcards.ds)}
    if base != "ssdi":
        inputs["pools"] = pool_paths(wildcards.ds)
        inputs["quality"] = f"{CACHE}/{wildcards.ds}/gan/quality.json"
    return inputs


TEMPORAL_METHOD_RE = r"(ssdi|rnd|tsp|sps)(_noccs|_nohf|_plain)?"


def quoted(paths):
    """Shell-quoted, space-separated paths (an empty list gives an empty string)."""
    return " ".join(shlex.quote(str(p)) for p in paths)


# Learn2Augment part 1 (workflow/rules/l2a.smk): per-shard masks and backgrounds of a dataset.
def l2a_masks_shards(ds):
    return expand(f"{CACHE}/{ds}/masks/{{shard}}.h5", shard=shard_ids(ds))


def l2a_background_shards(ds):
    return expand(f"{CACHE}/{ds}/backgrounds/{{shard}}.h5", shard=shard_ids(ds))


# Learn2Augment part 2 (workflow/rules/l2a.smk, train_l2a): inputs and extra arguments of a
# classifier run; method l2a needs the masks, backgrounds and scored pairs, l2a_none only the frames.
def l2a_train_inputs(w):
    from videoaug.methods.l2a import ablation as l2a_ablation  # Tables 1/2 rows: own pairs.h5, MixUp rows no masks

    inputs = {"manifest": f"{CACHE}/{w.ds}/manifest.json", "frames": frames_shards(w.ds)}
    if w.method != "l2a_none" and l2a_ablation.uses_masks(w.method):
        inputs.update(masks=l2a_masks_shards(w.ds), backgrounds=l2a_background_shards(w.ds))
    if w.method in ("l2a", "l2a_random"):
        inputs["pairs"] = f"{CACHE}/{w.ds}/l2a/pairs.h5"
    elif l2a_ablation.pairs_store(w.method):
        inputs["pairs"] = f"{CACHE}/{w.ds}/{l2a_ablation.pairs_store(w.method)}"
    return inputs


def l2a_train_args(input):
    pairs = f" --pairs {shlex.quote(input.pairs)}" if "pairs" in input.keys() else ""
    if "masks" not in input.keys():
        return pairs
    masks, backgrounds = quoted(input.masks), quoted(input.backgrounds)
    return f" --masks {masks} --backgrounds {backgrounds}{pairs}"


# Learn2Augment semi-supervised (workflow/rules/l2a.smk, train_semi): a student needs the teacher's
# pseudo-labels; method l2a also the masks, backgrounds and the pairs of the Selector retrained on its pool.
def l2a_semi_student_inputs(w):
    inputs = {"manifest": f"{CACHE}/{w.ds}/manifest.json", "frames": frames_shards(w.ds),
              "pseudo": f"{CACHE}/{w.ds}/l2a/semi{w.p}/s{w.seed}/pseudo.json"}
    if w.method == "l2a":
        inputs.update(masks=l2a_masks_shards(w.ds), backgrounds=l2a_background_shards(w.ds),
                      pairs=f"{CACHE}/{w.ds}/l2a/semi{w.p}/s{w.seed}/pairs.h5")
    return inputs


def l2a_semi_results(ds, seeds):
    """Every semi-supervised result of `ds` for `seeds` (l2a.semi.methods x the dataset's fractions):
    the inputs of a Table 3 writer."""
    return expand("results/seeds/{ds}_{method}_semi{p}_s{seed}.json", ds=ds,
                  method=config["l2a"]["semi"]["methods"],
                  p=params_l2a.l2a_semi_fractions(config, ds), seed=seeds)


# Learn2Augment few-shot (workflow/rules/l2a.smk, train_fewshot_seed): inputs and extra arguments of a run
# (pn_l2a needs the masks and backgrounds, and matches.json when l2a.fewshot.backgrounds = matched) and the
# target's result files.
def l2a_fewshot_inputs(w):
    inputs = {"manifest": f"{CACHE}/{w.ds}/manifest.json", "frames": frames_shards(w.ds)}
    if w.method == "pn_l2a":
        inputs.update(masks=l2a_masks_shards(w.ds), backgrounds=l2a_background_shards(w.ds))
        if config["l2a"]["fewshot"]["backgrounds"] == "matched":
            inputs["matches"] = f"{CACHE}/{w.ds}/matches.json"
    return inputs


def l2a_fewshot_args(input):
    args = ""
    if "masks" in input.keys():
        args += f" --masks {quoted(input.masks)} --backgrounds {quoted(input.backgrounds)}"
    if "matches" in input.keys():
        args += f" --matches {shlex.quote(input.matches)}"
    return args


def l2a_fewshot_targets(seeds=None):
    fs = config["l2a"]["fewshot"]
    if seeds is None:
        return expand("results/{ds}_fewshot_{method}_{n}shot.json", ds=fs["dataset"],
                      method=["pn", "pn_l2a"], n=fs["shots"])
    return expand("results/seeds/{ds}_fewshot_{method}_{n}shot_s{seed}.json", ds=fs["dataset"],
                  method=["pn", "pn_l2a"], n=fs["shots"], seed=seeds)


# Diagnostic splits (workflow/rules/splits.smk, docs/splits.md): the split sets' datasets, runs and files.
SPLIT_SETS = config["splits"]["sets"]
SPLIT_SEEDS = config["splits"]["seeds"]
SPLIT_DATASETS = list(dict.fromkeys(entry["dataset"] for entry in SPLIT_SETS.values()))
SPLIT_METHODS = list(dict.fromkeys(m for entry in SPLIT_SETS.values() for m in entry["methods"]))
# Wildcard patterns of the configured names only: `synth4bias_l2a_none_s0` has one reading.
SPLIT_DS_RE = "|".join(re.escape(d) for d in SPLIT_DATASETS) or "(?!)"
SPLIT_METHOD_RE = "|".join(re.escape(m) for m in SPLIT_METHODS) or "(?!)"


def split_run_files(ds, method, seed):
    """(result JSON, per-video scores) of the seed run `method` on `ds`, as each family's seed rule
    names them: SPS temporal streams under results/scores/, the others under results/scores/seeds/."""
    result = f"results/seeds/{ds}_{method}_s{seed}.json"
    if method.startswith(("l2a", "tda_", "avd_")):
        return result, f"results/scores/seeds/{ds}_{method}_s{seed}.npz"
    return result, f"results/scores/{ds}_{method}_s{seed}.npz"


def split_metric_paths():
    """results/splits/ of every run of every split set (splits.sets x splits.seeds)."""
    return list(dict.fromkeys(
        f"results/splits/{entry['dataset']}_{m}_s{seed}.json"
        for entry in SPLIT_SETS.values() for m in entry["methods"] for seed in SPLIT_SEEDS))
