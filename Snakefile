# videoaug workflow: every expensive step is a rule that materialises a cached artefact; every rule is
# a thin call of the `videoaug` CLI (src/videoaug/cli.py). Targets: see README ("Targets").
import re
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

# The package is imported from this checkout, here and in every job (cluster nodes, conda envs).
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)

from videoaug.config import ConfigError, validate_config


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


try:
    _validated = validate_config(config, source="config.yaml and --configfile/--config")
except ConfigError as err:
    raise WorkflowError(str(err))
config.clear()
config.update(_validated)


include: "workflow/rules/common.smk"


# Jobs run `python -m videoaug.cli ...`: PYTHONPATH points at this checkout's src/, and without
# --sdm conda the interpreter that runs Snakemake (the project venv) comes first on PATH.
shell.prefix(job_shell_prefix(SRC))


# {ds} is one of the configured datasets (names are [A-Za-z0-9_]+, checked by the schema): a path
# like results/synth4_avd_rgb.json must not also match train_spatial's results/{ds}_rgb.json with
# ds=synth4_avd, whose input functions would fail on the unknown dataset and print a traceback.
wildcard_constraints:
    ds="|".join(re.escape(name) for name in sorted(config["datasets"], key=len, reverse=True)),
    shard=r"\d+",


include: "workflow/rules/data.smk"
include: "workflow/rules/dynamic.smk"
include: "workflow/rules/gan.smk"
include: "workflow/rules/sps.smk"
include: "workflow/rules/tda.smk"
include: "workflow/rules/l2a.smk"
include: "workflow/rules/avd.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/leaderboard.smk"
include: "workflow/rules/splits.smk"


# Gather rules that only merge small JSON files or write tables: on a cluster they run inside the
# Snakemake process instead of paying a scheduler round trip (~14 s measured) for a second of work.
localrules:
    all,
    frames_index,
    ssdi_index,
    fuse,
    report_zhang2020,
    report_zhang2020_table2,
    report_zhang2020_table3,
    kim2020_tables,
    masks_index,
    avd_fuse,
    tavakolian2019_tables,
    leaderboard,
    comparison,
    split_metrics,
    splits_table,
    splits,


rule all:
    default_target: True
    input:
        f"results/{config['dataset']}_sps.json",
        f"results/figures/{config['dataset']}_dynamic_images.png",
        f"results/figures/{config['dataset']}_gan_samples.png",
