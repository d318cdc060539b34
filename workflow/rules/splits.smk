# Diagnostic splits (docs/splits.md; `make claims`): each split set of config `splits.sets` names a synthetic
# dataset and the runs it compares. A run is trained and tested as usual (its family's seed rule) on the split
# dataset, whose test set holds every test variant (aligned/conflicting/static/controls, or unperturbed/changed);
# split_metrics cuts its per-video scores by variant (videoaug.report.splits), splits_table writes the table of
# every set, split_figure shows what each split dataset is.
import re

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


rule split_metrics:
    input:
        synth=synth_marker,
        result=lambda w: split_run_files(w.ds, w.method, w.seed)[0],
        scores=lambda w: split_run_files(w.ds, w.method, w.seed)[1],
    output:
        "results/splits/{ds}_{method}_s{seed}.json",
    log:
        "logs/{ds}/split_metrics/{method}_s{seed}.log",
    wildcard_constraints:
        ds=SPLIT_DS_RE,
        method=SPLIT_METHOD_RE,
        seed=r"\d+",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} split-metrics --synth-manifest {input.synth:q}"
        " --scores {input.scores:q} --result {input.result:q} --out {output:q}"


rule splits_table:
    input:
        split_metric_paths(),
    output:
        report("results/tables/splits_synth4.md", caption="../report/splits_table.rst", category="Splits"),
    params:
        sets=as_json(SPLIT_SETS),
    log:
        "logs/report/splits_table.log",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} splits-table --sets {params.sets:q} --out {output:q} {input:q}"


rule split_figure:
    input:
        synth_marker,
    output:
        report(
            "results/figures/split_{ds}.png",
            caption="../report/split_figure.rst",
            category="Splits",
            labels={"dataset": "{ds}"},
        ),
    params:
        classes=config["splits"]["figure_classes"],
        frames=config["splits"]["figure_frames"],
    log:
        "logs/{ds}/split_figure.log",
    wildcard_constraints:
        ds=SPLIT_DS_RE,
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} split-figure --synth-manifest {input:q} --dataset {wildcards.ds}"
        " --classes {params.classes} --frames {params.frames} --out {output:q}"


# `make claims`: every split set's runs, their split metrics and table, and the split figures.
rule splits:
    input:
        "results/tables/splits_synth4.md",
        expand("results/figures/split_{ds}.png", ds=SPLIT_DATASETS),
