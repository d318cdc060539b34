# Diagnostic splits (docs/splits.md; `make claims`): each split set of config `splits.sets` names a synthetic
# dataset and the runs it compares. A run is trained and tested as usual (its family's seed rule) on the split
# dataset, whose test set holds every test variant (aligned/conflicting/static/controls, or unperturbed/changed);
# split_metrics cuts its per-video scores by variant (videoaug.report.splits), splits_table writes the table of
# every set, split_figure shows what each split dataset is. Helpers (SPLIT_*, split_run_files): common.smk.


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


rule split_videos:
    input:
        synth_marker,
    output:
        "results/splits/videos/{ds}_{variant}.json",
    log:
        "logs/{ds}/split_videos/{variant}.log",
    wildcard_constraints:
        ds=SPLIT_DS_RE,
        variant=r"[a-z_]+",
    conda:
        ENV_CORE
    threads: 1
    resources:
        mem_mb=res("report", "mem_mb"),
        runtime=res("report", "runtime"),
        gpu=0,
    shell:
        "python -m videoaug.cli --log {log:q} split-videos --synth-manifest {input:q}"
        " --variant {wildcards.variant} --out {output:q}"


rule splits_table:
    input:
        split_metric_paths(),
    output:
        report("results/tables/splits_synth4.md", caption="../report/splits_table.rst", category="Splits"),
    params:
        sets=as_json([{"name": name, **entry} for name, entry in SPLIT_SETS.items()]),  # a list: in config order
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


# Every split set's runs, their split metrics and table, and the split figures (`make claims` adds the claims
# table of synth4 with report.claim_splits: workflow/presets/claims.yaml).
rule splits:
    input:
        "results/tables/splits_synth4.md",
        expand("results/figures/split_{ds}.png", ds=SPLIT_DATASETS),
