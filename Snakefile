# videoaug workflow: every expensive step is a rule that materialises a cached artefact; every rule is
# a thin call of the `videoaug` CLI (src/videoaug/cli.py). Targets: see README ("Targets").
import os
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

# Jobs import the package from this checkout (also on cluster nodes and in conda envs).
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)

from videoaug.config import ConfigError, validate_config


configfile: "config.yaml"


try:
    _validated = validate_config(config, source="config.yaml and --configfile/--config")
except ConfigError as err:
    raise WorkflowError(str(err))
config.clear()
config.update(_validated)


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/dynamic.smk"


rule all:
    default_target: True
    input:
        f"{CACHE}/{config['dataset']}/ssdi/index.json",
        f"results/figures/{config['dataset']}_dynamic_images.png",
